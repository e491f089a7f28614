/**
 * Every registered analysis against standard targets: it must not throw, must return well-formed rows
 * (Verdict, Evidence, Source on every row; at least one row, so "nothing" is never silent), and must
 * render through the ! face.
 */
import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, SparseMemory, type TargetSpec } from "../src/emulator";
import { ANALYSES } from "../src/extensions/registry";
import { loadEwmda, rowsOf } from "./helpers";
import { emptyKernel, kernelWithZombie, noisyKernel } from "./mocks/kernel-target";
import { sym, stackref, userTarget } from "./mocks/user-target";

function allUnreadable(): TargetSpec {
  const t = userTarget().thread({ tid: 0x1a4 }).build();
  return { ...t.spec, memory: new SparseMemory() };
}

function noisy(): TargetSpec {
  let b = userTarget();
  for (let i = 0; i < 40; i++) b = b.thread({ tid: 0x100 + i * 4, stack: [sym("kernel32!Sleep", i), stackref(0x100 + ((i + 1) % 40) * 4, 0x10), BigInt(i)] });
  for (let i = 0; i < 30; i++) b = b.module({ name: `plugin${i}.dll`, symbols: i % 2 ? false : { Entry: 0x1000 } });
  return b.build().spec;
}

const TARGETS: [string, () => TargetSpec][] = [
  ["a default user target", () => userTarget().build().spec],
  ["an x86 target", () => userTarget({ arch: "x86" }).thread({ tid: 4, stack: [sym("ntdll!NtDelayExecution", 4)] }).build().spec],
  ["an arm64 target", () => userTarget({ arch: "arm64" }).build().spec],
  ["a target without ntdll symbols", () => userTarget({ ntdllSymbols: false }).build().spec],
  ["a target with no modules", () => userTarget({ defaultModules: false }).thread({ tid: 1 }).build().spec],
  ["a target whose memory is all unreadable", allUnreadable],
  ["a noisy target (40 threads, 34 modules)", noisy],
  ["an empty kernel target", () => emptyKernel().spec],
  ["a kernel target with a zombie", () => kernelWithZombie().spec],
  ["a noisy kernel target", () => noisyKernel(50).spec],
];

describe.each(ANALYSES.map((a) => [a.meta.name, a.meta.command] as const))("%s", (name, command) => {
  it.each(TARGETS)("answers on %s with well-formed rows", (_label, make) => {
    for (const variant of [{}, ALTERNATE_VARIANT]) {
      const { dbg } = loadEwmda(make(), { variant });
      const result = dbg.dx(`Debugger.Utility.Ewmda.${name}()`);
      const rows = rowsOf(result);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(["Positive", "Suspicious", "Info", "Negative"]).toContain(r.Verdict);
        expect(typeof r.Evidence).toBe("string");
        expect((r.Evidence as string).length).toBeGreaterThan(0);
        expect(["typed", "command", "heuristic"]).toContain(r.Source);
      }
      expect(String(result)).not.toMatch(/stopped early/);
      const table = dbg.execute(`!ewmda_${command}`);
      expect(table.length).toBeGreaterThan(1);
      expect(table.join("\n")).not.toMatch(/^Error:/m);
    }
  });
});

import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { addressLines, lmLines, withCommands, type RegionLine } from "../mocks/memory-target";
import { userTarget, type BuiltUserTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function raw(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.RawPointers()") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const JIT = 0x0000_01e0_0000_0000n;
const HEAPMEM = 0x0000_01d0_0000_0000n;
const GONE = 0x7ff8_7000_0000n;

/** The built target with extra frames (instruction pointers outside every module) inserted under frame 0 of a thread. */
function withRawFrames(t: BuiltUserTarget, tid: number, ips: readonly bigint[]): TargetSpec {
  const p = t.spec.processes[0]!;
  return {
    ...t.spec,
    processes: [{
      ...p,
      threads: p.threads.map((th) => th.id !== tid ? th : {
        ...th,
        frames: [th.frames![0]!, ...ips.map((ip, k) => ({ instructionOffset: ip, stackOffset: th.frames![0]!.stackOffset + BigInt((k + 1) * 0x40) })), ...th.frames!.slice(1)],
      }),
    }],
  };
}

const REGIONS: RegionLine[] = [
  { base: HEAPMEM, size: 0x10000, type: "MEM_PRIVATE", state: "MEM_COMMIT", protect: "PAGE_READWRITE", usage: "Heap", details: "ID: 0; Handle: 000001d000000000; Type: Segment" },
  { base: JIT, size: 0x10000, type: "MEM_PRIVATE", state: "MEM_COMMIT", protect: "PAGE_EXECUTE_READWRITE", usage: "<unknown>" },
  { base: JIT + 0x10000n, size: 0x10000, type: "", state: "MEM_FREE", protect: "PAGE_NOACCESS", usage: "Free" },
];

function target(b: UserTargetBuilder, ips: readonly bigint[], regions = true): TargetSpec {
  const t = b.build();
  return withCommands(withRawFrames(t, 0x1a4, ips), {
    lm: lmLines(t.spec, [{ name: "oldplugin.dll", base: GONE, size: 0x20000 }]),
    ...(regions ? { "!address": addressLines(8, REGIONS) } : {}),
  });
}

const pointerRows = (rows: Row[]) => rows.filter((r) => r.Section === "Pointer");
const components = (rows: Row[]) => rows.filter((r) => r.Section === "Component");

describe("RawPointers: frames outside every module", () => {
  it("classifies raw frames by region: private executable, unloaded module, heap, free", () => {
    const spec = target(userTarget().thread({ tid: 0x1a4 }), [JIT + 0x40n, GONE + 0x1a20n, HEAPMEM + 0x10n, JIT + 0x10100n]);
    const { rows, summary } = raw(spec);
    const p = pointerRows(rows);
    expect(p.map((r) => [r.Where, r.Class, r.Verdict])).toEqual([
      ["frame 1", "PrivateExecutable", "Positive"],
      ["frame 2", "UnloadedModule", "Positive"],
      ["frame 3", "Heap", "Positive"],
      ["frame 4", "Free", "Positive"],
    ]);
    expect(p[1]!.Region).toBe("<Unloaded_oldplugin.dll>+0x1a20");
    expect(p[0]!.Region).toBe("MEM_PRIVATE MEM_COMMIT PAGE_EXECUTE_READWRITE <unknown>");
    expect(big(p[0]!.Pointer)).toBe(JIT + 0x40n);
    expect(p[0]!.Evidence).toBe("~~[0x1a4]k; !address 000001e0`00000040; u 000001e0`00000040");
    expect(summary).toBe("RawPointers: 4 frames outside modules among 5 frames of 1 threads, 0 residue pointers in 2048 slots; 4 positive");
  });

  it("groups raw pointers by the region they fall in", () => {
    const spec = target(userTarget().thread({ tid: 0x1a4 }), [JIT + 0x40n, JIT + 0x2000n, GONE + 0x10n]);
    const c = components(raw(spec).rows);
    expect(c.map((r) => [r.Class, r.Region, r.Count, r.Threads, r.Verdict])).toEqual([
      ["PrivateExecutable", "MEM_PRIVATE MEM_COMMIT PAGE_EXECUTE_READWRITE <unknown>", 2, "0x1a4", "Positive"],
      ["UnloadedModule", "<Unloaded_oldplugin.dll>", 1, "0x1a4", "Positive"],
    ]);
    expect(big(c[0]!.Pointer)).toBe(JIT);
    expect(big(c[1]!.Pointer)).toBe(GONE);
  });

  it("calls private executable memory JIT code when a managed runtime is loaded", () => {
    const spec = target(userTarget().module({ name: "coreclr.dll" }).thread({ tid: 0x1a4 }), [JIT + 0x40n]);
    const p = pointerRows(raw(spec).rows);
    expect(p.map((r) => [r.Class, r.Verdict])).toEqual([["JIT", "Info"]]);
  });

  it("says Unknown (Suspicious) when there is no region information", () => {
    const spec = target(userTarget().thread({ tid: 0x1a4 }), [JIT + 0x40n], false);
    const { rows } = raw(spec);
    expect(pointerRows(rows).map((r) => [r.Class, r.Verdict, r.Region])).toEqual([["Unknown", "Suspicious", "no region information"]]);
    expect(rows.some((r) => /region types not checked/.test(String(r.Evidence)))).toBe(true);
    // A debugger without !address (the emulator, like the Linux runner) is named as such, not as an empty listing.
    expect(rows.map((r) => String(r.Evidence))).toContain("region types not checked: this debugger has no !address command (No export address found); in WinDbg, !address lists the regions of a dump with a memory-info stream");
    const empty = raw(withCommands(spec, { "!address": [] }), "Debugger.Utility.Ewmda.RawPointers()").rows;
    expect(empty.map((r) => String(r.Evidence))).toContain("region types not checked: !address listed no regions (the dump has no memory-info stream)");
    const off = raw(spec, "Debugger.Utility.Ewmda.RawPointers(new { Regions = false })").rows;
    expect(off.some((r) => /region types not checked/.test(String(r.Evidence)))).toBe(false);
  });

  it("names the nearest module", () => {
    const t = userTarget().thread({ tid: 0x1a4 });
    const built = t.build();
    const ntdll = built.at.module("ntdll.dll");
    const spec = target(userTarget().thread({ tid: 0x1a4 }), [ntdll - 0x3000n], false);
    expect(pointerRows(raw(spec).rows)[0]!.NearestModule).toBe("ntdll.dll-0x3000");
  });
});

describe("RawPointers: stack residue", () => {
  it("finds residue pointers into unloaded modules and raw executable memory (Suspicious)", () => {
    const spec = target(userTarget().thread({ tid: 0x1a4, residue: [GONE + 0x100n, JIT + 0x80n, HEAPMEM + 0x20n] }), []);
    const { rows } = raw(spec);
    const p = pointerRows(rows);
    // The heap pointer is data: not listed. Ascending addresses: the JIT pointer lies below the unloaded one.
    expect(p.map((r) => [r.Where, r.Class, r.Verdict])).toEqual([["residue", "PrivateExecutable", "Suspicious"], ["residue", "UnloadedModule", "Suspicious"]]);
    expect(String(p[0]!.Evidence)).toMatch(/^dps 000000e8`000ffbf0 L1; !address 000001e0`00000080/);
    expect(components(rows).map((r) => r.Verdict)).toEqual(["Info", "Info"]);
    const framesOnly = pointerRows(raw(spec, "Debugger.Utility.Ewmda.RawPointers(new { Residue = false })").rows);
    expect(framesOnly).toEqual([]);
  });

  it("does not scan residue without lm or !address, and says so", () => {
    const t = userTarget().thread({ tid: 0x1a4, residue: [GONE + 0x100n] }).build();
    const { rows } = raw(t.spec);
    expect(rows.map((r) => r.Evidence)).toContain("stack residue not scanned: it needs unloaded-module ranges (lm) or regions (!address) to tell raw code pointers from data");
    expect(rows[rows.length - 1]!.Verdict).toBe("Negative");
  });
});

describe("RawPointers: not found and bad input", () => {
  it("returns one Negative row when every frame is inside a module", () => {
    const spec = target(userTarget().thread({ tid: 0x1a4 }).thread({ tid: 0x2b0 }), []);
    const { rows } = raw(spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(rows[0]!.Evidence).toBe("0 raw pointers: every one of 2 frames of 2 threads is inside a loaded module, and none of 4096 stack slots points into an unloaded module or executable memory outside images (~*k)");
  });

  it("looks at the threads it is given", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).thread({ tid: 0x2b0 }).build();
    const spec = withRawFrames(t, 0x2b0, [JIT]);
    expect(pointerRows(raw(spec, "Debugger.Utility.Ewmda.RawPointers(0x1a4)").rows)).toEqual([]);
    expect(pointerRows(raw(spec, "Debugger.Utility.Ewmda.RawPointers(0x2b0)").rows).map((r) => r.Thread)).toEqual([0x2b0]);
  });

  it("answers unknown threads and bad options with Info rows, and refuses kernel targets", async () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    for (const [expr, text] of [
      ["RawPointers(0x999)", "thread 0x999 is not in this process"],
      ["RawPointers(new { Residue = \"maybe\" })", "Residue must be true or false"],
      ["RawPointers(\"frames\")", "unknown option \"frames\""],
    ] as const) {
      const { rows } = raw(t.spec, "Debugger.Utility.Ewmda." + expr);
      expect(rows.map((r) => r.Verdict), expr).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), expr).toContain(text);
    }
    const { emptyKernel } = await import("../mocks/kernel-target");
    expect(String(raw(emptyKernel().spec).rows[0]!.Evidence)).toContain("user-mode threads");
  });

  it("prints the pointers and components as a table through !ewmda.rawpointers", () => {
    const spec = target(userTarget().thread({ tid: 0x1a4 }), [JIT + 0x40n, GONE + 0x10n]);
    const { dbg } = loadEwmda(spec);
    const out = dbg.execute("!ewmda.rawpointers");
    expect(out).toEqual(dbg.execute("!ewmda_rawpointers"));
    expect(out).toMatchSnapshot();
  });
});

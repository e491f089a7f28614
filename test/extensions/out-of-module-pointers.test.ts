import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { addressLines, lmLines, peImage, pointers, withCommands, type ImportSpec } from "../mocks/memory-target";
import { userTarget, type BuiltUserTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function oom(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.OutOfModulePointers()") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const JIT = 0x0000_01e0_0000_0000n;
const GONE = 0x7ff8_7000_0000n;
const found = (rows: Row[]) => rows.filter((r) => r.Slot !== undefined);

function builder(arch: "x64" | "x86" = "x64"): UserTargetBuilder {
  return userTarget({ arch }).module({ name: "other.dll", symbols: { OtherWork: 0x1100 } }).module({ name: "plugin.dll", symbols: { Work: 0x1200 } }).thread({ tid: 0x1a4 });
}

/** app.exe's imports, built from the addresses of a first build (the builder is deterministic). */
function withImports(arch: "x64" | "x86", imports: (at: BuiltUserTarget["at"]) => ImportSpec[], data?: (at: BuiltUserTarget["at"]) => bigint[], commands = true) {
  const probe = builder(arch).build();
  const ps = arch === "x86" ? 4 : 8;
  const app = probe.at.module("app.exe");
  const image = peImage(ps, imports(probe.at), data ? pointers(ps, data(probe.at)) : undefined);
  const t = builder(arch).memory(app, image.bytes).build();
  const spec = commands ? withCommands(t.spec, {
    lm: lmLines(t.spec, [{ name: "oldplugin.dll", base: GONE, size: 0x20000 }]),
    "!address": addressLines(ps, [{ base: JIT, size: 0x10000, type: "MEM_PRIVATE", state: "MEM_COMMIT", protect: "PAGE_EXECUTE_READWRITE", usage: "<unknown>" }]),
  }) : t.spec;
  return { t, spec, app, image };
}

describe("OutOfModulePointers: import address tables", () => {
  it("flags IAT slots into non-image memory, unloaded modules and unrelated modules", () => {
    const { spec, app, image } = withImports("x64", (at) => [
      { dll: "KERNEL32.dll", names: ["Sleep", "HeapAlloc"], values: [at.symbol("kernel32!Sleep"), at.symbol("ntdll!NtWaitForSingleObject")] },
      { dll: "plugin.dll", names: ["Work", "Helper", "Old"], values: [JIT + 0x40n, at.symbol("other!OtherWork"), GONE + 0x500n] },
    ]);
    const { rows, summary } = oom(spec);
    const f = found(rows);
    expect(f.map((r) => [r.Slot, r.Class, r.Actual, r.Verdict])).toEqual([
      ["plugin.dll!Work", "OutOfModule", "MEM_PRIVATE MEM_COMMIT PAGE_EXECUTE_READWRITE <unknown>", "Positive"],
      ["plugin.dll!Helper", "Redirected", "other.dll", "Suspicious"],
      ["plugin.dll!Old", "Stale", "<Unloaded_oldplugin.dll>+0x500", "Positive"],
    ]);
    expect(f[0]).toMatchObject({ Container: "app.exe", Table: "IAT", Expected: "plugin.dll" });
    expect(big(f[0]!.SlotAddress)).toBe(app + BigInt(image.slotRva(1, 0)));
    expect(big(f[0]!.Pointer)).toBe(JIT + 0x40n);
    expect(f[1]!.Symbol).toBe("other!OtherWork");
    expect(String(f[0]!.Evidence)).toBe(`dps 00007ff6\`${(Number(app & 0xffffffffn) + image.slotRva(1, 0)).toString(16).padStart(8, "0")} L1; !address 000001e0\`00000040; u 000001e0\`00000040; !dh -f app (import directory)`);
    expect(summary).toMatch(/^OutOfModulePointers: 3 slots point where they should not \(2 positive\) among 5 import slots of \d+ modules/);
  });

  it("accepts forwarded exports and API sets, and counts unbound slots", () => {
    const { spec, image } = withImports("x64", (at) => [
      { dll: "KERNEL32.dll", names: ["HeapAlloc"], values: [at.symbol("ntdll!NtWaitForSingleObject")] },
      { dll: "api-ms-win-core-synch-l1-2-0.dll", names: ["Sleep"], values: [at.symbol("kernelbase!SleepEx")] },
      { dll: "plugin.dll", names: ["Work"], values: [0x2100n] }, // still the RVA of its hint/name entry
    ]);
    void image;
    const { rows } = oom(spec);
    expect(found(rows)).toEqual([]);
    const negative = rows.find((r) => r.Verdict === "Negative")!;
    expect(String(negative.Evidence)).toMatch(/^0 slots point outside their modules among 3 import slots of \d+ modules \(1 not yet bound\)/);
  });

  it("names ordinal imports", () => {
    const { spec } = withImports("x64", () => [{ dll: "plugin.dll", names: ["#12"], values: [JIT] }]);
    expect(found(oom(spec).rows).map((r) => r.Slot)).toEqual(["plugin.dll!#12"]);
  });

  it("reads 32-bit images (PE32)", () => {
    const { spec } = withImports("x86", (at) => [
      { dll: "KERNEL32.dll", names: ["Sleep"], values: [at.symbol("kernel32!Sleep")] },
      { dll: "plugin.dll", names: ["Work"], values: [0x0060_0040n] },
    ], undefined, false);
    const f = found(oom(spec).rows);
    expect(f.map((r) => [r.Slot, r.Class, r.Actual])).toEqual([["plugin.dll!Work", "OutOfModule", "no region information"]]);
  });

  it("makes findings into allowed modules Info", () => {
    const { spec } = withImports("x64", (at) => [{ dll: "plugin.dll", names: ["Helper"], values: [at.symbol("other!OtherWork")] }]);
    const { dbg } = loadEwmda(spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.OutOfModulePointers.AllowedTargets = \"other.dll\"");
    const f = found(rowsOf(dbg.dx("Debugger.Utility.Ewmda.OutOfModulePointers()")) as Row[]);
    expect(f.map((r) => [r.Class, r.Verdict])).toEqual([["Redirected", "Info"]]);
  });
});

describe("OutOfModulePointers: writable sections", () => {
  it("finds function pointers in .data that point into executable memory outside images", () => {
    const { spec, app } = withImports("x64", () => [], () => [0n, JIT + 0x80n, 0x1234n, GONE + 0x40n]);
    const f = found(oom(spec).rows);
    expect(f.map((r) => [r.Table, r.Slot, r.Class])).toEqual([[".data", ".data+0x8", "OutOfModule"], [".data", ".data+0x18", "Stale"]]);
    expect(big(f[0]!.SlotAddress)).toBe(app + 0x6008n);
    const off = found(oom(spec, "Debugger.Utility.Ewmda.OutOfModulePointers(new { Data = false })").rows);
    expect(off).toEqual([]);
  });

  it("does not scan data without region information unless asked, and says so", () => {
    const { spec } = withImports("x64", () => [], () => [GONE + 0x40n], false);
    const { rows } = oom(spec);
    expect(found(rows)).toEqual([]);
    expect(rows.map((r) => r.Evidence)).toContain("writable sections not scanned for function pointers: without !address regions only unloaded-module targets could be told from data (Data = true scans anyway)");
  });
});

describe("OutOfModulePointers: not checked, bad input, faces", () => {
  it("lists the modules whose import tables are not in the dump", () => {
    const t = userTarget().module({ name: "noheaders.dll", headers: false }).thread({ tid: 0x1a4 }).build();
    const { rows } = oom(t.spec);
    // The default images have section headers but no data directories: no import directory, nothing to check.
    const missing = rows.find((r) => /have no import table in the dump/.test(String(r.Evidence)))!;
    expect(missing.Evidence).toBe("1 of 5 modules have no import table in the dump (noheaders.dll): their slots were not checked; a full-memory dump (.dump /ma) has them");
    expect(rows[rows.length - 1]!.Verdict).toBe("Negative");
  });

  it("says not checked, with no Negative row, when no module's import table is in the dump", () => {
    const t = userTarget().module({ name: "noheaders.dll", headers: false }).thread({ tid: 0x1a4 }).build();
    const { rows, summary } = oom(t.spec, "Debugger.Utility.Ewmda.OutOfModulePointers(\"module=noheaders\")");
    expect(rows.some((r) => r.Verdict === "Negative")).toBe(false);
    expect(rows.map((r) => r.Evidence)).toContain("not checked: none of the 1 modules has its import table in the dump (a full-memory dump, .dump /ma, has them)");
    expect(summary).toBe("OutOfModulePointers: nothing checked: no import table in the dump");
    // One module whose headers are there is enough for a Negative.
    const ok = oom(t.spec, "Debugger.Utility.Ewmda.OutOfModulePointers(\"module=ntdll\")").rows;
    expect(ok[ok.length - 1]!.Verdict).toBe("Negative");
  });

  it("checks one module with Module, and says when there is no such module", () => {
    const { spec } = withImports("x64", () => [{ dll: "plugin.dll", names: ["Work"], values: [JIT] }]);
    expect(found(oom(spec, "Debugger.Utility.Ewmda.OutOfModulePointers(\"module=plugin\")").rows)).toEqual([]);
    expect(found(oom(spec, "Debugger.Utility.Ewmda.OutOfModulePointers(\"app\")").rows)).toHaveLength(1);
    const none = oom(spec, "Debugger.Utility.Ewmda.OutOfModulePointers(new { Module = \"nothere\" })").rows;
    expect(none.map((r) => [r.Verdict, r.Evidence])).toEqual([["Info", "no module named nothere is loaded (lm lists them)"]]);
    const bad = oom(spec, "Debugger.Utility.Ewmda.OutOfModulePointers(new { Data = \"often\" })").rows;
    expect(String(bad[0]!.Evidence)).toContain("Data must be true or false");
  });

  it("refuses kernel targets", async () => {
    const { emptyKernel } = await import("../mocks/kernel-target");
    const { rows } = oom(emptyKernel().spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
  });

  it("prints the findings as a table through !ewmda.oompointers", () => {
    const { spec } = withImports("x64", (at) => [{ dll: "plugin.dll", names: ["Work", "Helper"], values: [JIT + 0x40n, at.symbol("other!OtherWork")] }]);
    const { dbg } = loadEwmda(spec);
    const out = dbg.execute("!ewmda.oompointers");
    expect(out).toEqual(dbg.execute("!ewmda_oompointers"));
    expect(out).toMatchSnapshot();
  });
});

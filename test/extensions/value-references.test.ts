import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { addressLines, pointers, withCommands } from "../mocks/memory-target";
import { HEAP_BASE, userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function refs(spec: TargetSpec, expr: string) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda." + expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const hits = (rows: Row[]) => rows.filter((r) => r.Verdict === "Positive");
const VALUE = 0x1d0_0000_a120n;

describe("ValueReferences: where a value lives", () => {
  it("finds a value in several threads' stacks, live and dead, with its neighbours", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, stack: [0x11n, VALUE, 0x22n], residue: [VALUE] })
      .thread({ tid: 0x2b0, stack: [VALUE] })
      .thread({ tid: 0x3c0, stack: [0x33n] }).build();
    const { rows, summary } = refs(t.spec, "ValueReferences(0x1d00000a120)");
    const h = hits(rows);
    expect(h.map((r) => [r.Owner, r.Live, r.Region])).toEqual([
      ["thread 0x1a4", false, "Stack"],
      ["thread 0x1a4", true, "Stack"],
      ["thread 0x2b0", true, "Stack"],
    ]);
    expect(big(h[0]!.Address)).toBe(t.at.stackPointer(0x1a4) - 8n);
    expect(big(h[1]!.Address)).toBe(t.at.stackPointer(0x1a4) + 8n);
    expect(big(h[1]!.Value)).toBe(VALUE);
    expect(h[1]!.Context).toBe("000001d0`0000a120 00000000`00000011 [000001d0`0000a120] 00000000`00000022 00000000`00000000");
    expect(h[1]!.Evidence).toBe("dps 000000e8`000ffbf8 L5");
    const coverage = rows[rows.length - 1]!;
    expect(coverage.Verdict).toBe("Info");
    expect(String(coverage.Evidence)).toMatch(/^coverage: 0xc000 bytes searched in 3 stacks, 4 image sections; 0x[0-9a-f]+ bytes not in the dump \(s -q <range> 0x1d00000a120 checks a range\)$/);
    expect(summary).toMatch(/^ValueReferences 0x1d00000a120: 3 locations; /);
  });

  it("finds a global that holds the value in a module's writable section, with its symbol", () => {
    const make = (base?: bigint) => {
      const b = userTarget().module({ name: "plugin.dll", size: 0x40000, symbols: { g_Handle: 0x30010, Entry: 0x1000 } }).thread({ tid: 0x1a4 });
      // Default headers: .text 0x1000+0x20000, .rdata 0x21000+0xf000, .data 0x30000+0x10000 (writable). Only the
      // first 0x20 bytes of .data are in the dump (a minidump's data segment capture is often partial).
      if (base !== undefined) b.memory(base + 0x30000n, pointers(8, [0n, 0n, VALUE, 0n]));
      return b;
    };
    const t = make(make().build().at.module("plugin.dll")).build();
    const { rows } = refs(t.spec, "ValueReferences(0x1d00000a120, \"scope=modules\")");
    const h = hits(rows);
    expect(h.map((r) => [r.Region, r.Owner, r.Symbol, r.Live])).toEqual([["Image", "plugin.dll .data", "plugin!g_Handle", undefined]]);
    expect(big(h[0]!.Address)).toBe(t.at.module("plugin.dll") + 0x30010n);
    expect(String(h[0]!.Evidence)).toContain("; ln ");
  });

  it("searches committed regions from !address with Scope = all", () => {
    const heap = HEAP_BASE.x64;
    const page = new Uint8Array(0x1000);
    page.set(pointers(8, [VALUE]), 0x100);
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, page).build();
    const spec = withCommands(t.spec, {
      "!address": addressLines(8, [
        { base: heap, size: 0x1000, type: "MEM_PRIVATE", state: "MEM_COMMIT", protect: "PAGE_READWRITE", usage: "Heap", details: "ID: 0; Handle: 000001d000000000; Type: Segment" },
        { base: heap + 0x1000n, size: 0x1000, type: "MEM_PRIVATE", state: "MEM_RESERVE", protect: "", usage: "Heap" },
      ]),
    });
    const { rows } = refs(spec, "ValueReferences(0x1d00000a120, new { Scope = \"all\" })");
    const h = hits(rows);
    expect(h.map((r) => [r.Region, r.Owner])).toEqual([["Heap", "MEM_PRIVATE MEM_COMMIT PAGE_READWRITE Heap [ID: 0; Handle: 000001d000000000; Type: Segment]"]]);
    expect(big(h[0]!.Address)).toBe(heap + 0x100n);
    expect(String(h[0]!.Evidence)).toContain("!address 000001d0`00000100; !heap -x 000001d0`00000100");
    expect(String(rows[rows.length - 1]!.Evidence)).toContain("1 heap region");
  });

  it("searches only heap regions with Scope = heaps", () => {
    const heap = HEAP_BASE.x64;
    const other = heap + 0x10_0000n;
    const page = new Uint8Array(0x1000);
    page.set(pointers(8, [VALUE]), 0x100);
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, page).memory(other, page).build();
    const region = (base: bigint, usage: string) => ({ base, size: 0x1000, type: "MEM_PRIVATE", state: "MEM_COMMIT", protect: "PAGE_READWRITE", usage });
    const spec = withCommands(t.spec, { "!address": addressLines(8, [region(heap, "Heap"), region(other, "<unknown>")]) });
    const heaps = hits(refs(spec, "ValueReferences(0x1d00000a120, \"scope=heaps\")").rows);
    expect(heaps.map((r) => [big(r.Address), r.Region])).toEqual([[heap + 0x100n, "Heap"]]);
    const all = hits(refs(spec, "ValueReferences(0x1d00000a120, \"scope=regions\")").rows);
    expect(all.map((r) => [big(r.Address), r.Region])).toEqual([[heap + 0x100n, "Heap"], [other + 0x100n, "Region"]]);
    // No heap among the regions: said, not a silent Negative.
    const none = withCommands(t.spec, { "!address": addressLines(8, [region(other, "<unknown>")]) });
    const rows = refs(none, "ValueReferences(0x1d00000a120, \"scope=heaps\")").rows;
    expect(rows[0]!.Evidence).toBe("heaps: !address lists no committed region whose usage is Heap");
    expect(rows[rows.length - 1]!.Verdict).toBe("Negative");
  });

  it("compares 4-byte values with Width = 4 (thread ids, handles stored as DWORDs)", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [(0x2b0n << 32n) | 1n] }).thread({ tid: 0x2b0 }).build();
    expect(hits(refs(t.spec, "ValueReferences(0x2b0)").rows)).toEqual([]);
    const h = hits(refs(t.spec, "ValueReferences(0x2b0, new { Width = 4 })").rows);
    expect(h.map((r) => big(r.Address))).toEqual([t.at.stackPointer(0x1a4) + 4n]);
    expect(h[0]!.Context).toBe("00000000 00000001 [000002b0] 00000000 00000000");
    expect(String(h[0]!.Evidence)).toMatch(/^dd /);
  });

  it("finds 8-byte values at 4-byte offsets with Unaligned, in an explicit range", () => {
    const heap = HEAP_BASE.x64;
    const bytes = new Uint8Array(0x40);
    bytes.set(pointers(8, [VALUE]), 0x14);
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, bytes).build();
    const range = `Address = 0x${heap.toString(16)}, Size = 0x40`;
    expect(hits(refs(t.spec, `ValueReferences(0x1d00000a120, new { ${range} })`).rows)).toEqual([]);
    const h = hits(refs(t.spec, `ValueReferences(0x1d00000a120, new { ${range}, Unaligned = true })`).rows);
    expect(h.map((r) => [big(r.Address), r.Region, r.Owner])).toEqual([[heap + 0x14n, "Range", "range 000001d0`00000000 L0x40"]]);
  });

  it("finds an unaligned 8-byte value that straddles two chunk reads", () => {
    const heap = HEAP_BASE.x64;
    const bytes = new Uint8Array(0x40);
    bytes.set(pointers(8, [VALUE]), 0x1c); // chunks of 0x20 bytes: 4 bytes in the first, 4 in the second
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, bytes).build();
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.ValueReferences.ChunkBytes = 0x20");
    const expr = (unaligned: boolean) => `Debugger.Utility.Ewmda.ValueReferences(0x1d00000a120, new { Address = 0x${heap.toString(16)}, Size = 0x40, Unaligned = ${unaligned} })`;
    expect(hits(rowsOf(dbg.dx(expr(false))) as Row[])).toEqual([]);
    const h = hits(rowsOf(dbg.dx(expr(true))) as Row[]);
    expect(h.map((r) => [big(r.Address), r.Context])).toEqual([[heap + 0x1cn, "[000001d0`0000a120]"]]);
  });

  it("reads x86 targets in 4-byte values", () => {
    const t = userTarget({ arch: "x86" }).thread({ tid: 0x10, stack: [0x2b0n, 0x55n] }).build();
    const h = hits(refs(t.spec, "ValueReferences(0x2b0)").rows);
    expect(h.map((r) => [big(r.Address), r.Context])).toEqual([[t.at.stackPointer(0x10), "00000000 00000000 [000002b0] 00000055 00000000"]]);
  });
});

describe("ValueReferences: not found, not checked, bad input", () => {
  it("returns one Negative row with the coverage when nothing holds the value", () => {
    const t = userTarget().thread({ tid: 0x1a4, stackSize: 0x2000, unreadable: [{ offset: 0, size: 0x1000 }] }).build();
    const { rows } = refs(t.spec, "ValueReferences(0x1d00000a120, \"scope=stacks\")");
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(rows[0]!.Evidence).toBe("0 locations hold 0x1d00000a120 (8-byte, aligned): 0x1000 bytes searched in 1 stack; 0x1000 bytes not in the dump (s -q <range> 0x1d00000a120)");
  });

  it("warns about small values", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [7n] }).build();
    const { rows } = refs(t.spec, "ValueReferences(7, \"scope=stacks\")");
    expect(rows[0]).toMatchObject({ Verdict: "Info", Evidence: "0x7 is a small value: expect coincidental hits (counts, flags, characters)" });
    expect(hits(rows)).toHaveLength(1);
  });

  it("stops at MaxHits and at the MaxBytes budget, and says so", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [VALUE, VALUE, VALUE] }).thread({ tid: 0x2b0, stack: [VALUE] }).build();
    const capped = refs(t.spec, "ValueReferences(0x1d00000a120, new { MaxHits = 2, Scope = \"stacks\" })").rows;
    expect(hits(capped)).toHaveLength(2);
    expect(String(capped[capped.length - 1]!.Evidence)).toContain("1 ranges (0x4000 bytes) left out after stopping at MaxHits (2)");
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.ValueReferences.MaxBytes = 0x4000");
    const budget = rowsOf(dbg.dx("Debugger.Utility.Ewmda.ValueReferences(0x1d00000a120, \"scope=stacks\")")) as Row[];
    expect(hits(budget)).toHaveLength(3);
    expect(String(budget[budget.length - 1]!.Evidence)).toContain("1 ranges (0x4000 bytes) left out by the MaxBytes budget (0x4000)");
  });

  it("searches a range larger than the budget up to the budget, and says how much was left", () => {
    const heap = HEAP_BASE.x64;
    const bytes = new Uint8Array(0x4000);
    bytes.set(pointers(8, [VALUE]), 0x100);
    bytes.set(pointers(8, [VALUE]), 0x3000);
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, bytes).build();
    const expr = `Debugger.Utility.Ewmda.ValueReferences(0x1d00000a120, new { Address = 0x${heap.toString(16)}, Size = 0x4000 })`;
    const { dbg } = loadEwmda(t.spec);
    expect(hits(rowsOf(dbg.dx(expr)) as Row[]).map((r) => big(r.Address))).toEqual([heap + 0x100n, heap + 0x3000n]);
    dbg.dx("Debugger.Utility.Ewmda.Config.ValueReferences.MaxBytes = 0x1000");
    const cut = rowsOf(dbg.dx(expr)) as Row[];
    expect(hits(cut).map((r) => big(r.Address))).toEqual([heap + 0x100n]);
    expect(String(cut[cut.length - 1]!.Evidence)).toBe("coverage: 0x1000 bytes searched in 1 range; the last range searched was cut at the MaxBytes budget (0x1000): its last 0x3000 bytes were not searched (s -q <range> 0x1d00000a120 checks a range)");
  });

  it("answers bad arguments with a message", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    for (const [expr, text] of [
      ["ValueReferences()", "give the value to find"],
      ["ValueReferences(\"zz\")", "the value must be a number such as 0x1a4, not \"zz\""],
      ["ValueReferences(0x1a4, new { Width = 2 })", "Width must be 4 or 8, not 2"],
      ["ValueReferences(0x100000000, new { Width = 4 })", "0x100000000 does not fit in 4 bytes (Width 4)"],
      ["ValueReferences(0x1a4, \"scope=sideways\")", "unknown scope \"sideways\" (use stacks, modules, heaps, regions or all)"],
      ["ValueReferences(0x1a4, new { Address = 0x1000 })", "Address and Size go together"],
      ["ValueReferences(0x1a4, new { Address = 0x1000, Size = 0 })", "is empty (Size 0)"],
      ["ValueReferences(0x1a4, new { Address = 0x1002, Size = 0x10 })", "is not 4-byte aligned"],
    ] as const) {
      const { rows } = refs(t.spec, expr);
      expect(rows.map((r) => r.Verdict), expr).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), expr).toContain(text);
    }
  });

  it("says so when Scope = regions finds no !address regions", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    const { rows } = refs(t.spec, "ValueReferences(0x1d00000a120, \"scope=regions\")");
    expect(String(rows[0]!.Evidence)).toMatch(/^regions: region types not checked: /);
    expect(rows[rows.length - 1]!.Verdict).toBe("Negative");
  });
});

describe("ValueReferences: cost and faces", () => {
  it("reads each stack in bulk: no host call per slot", () => {
    let b = userTarget();
    for (let i = 0; i < 20; i++) b = b.thread({ tid: 0x100 + i * 4, stackSize: 0x10000, stack: i % 5 === 0 ? [VALUE] : [BigInt(i)] });
    const { dbg } = loadEwmda(b.build().spec);
    dbg.counters.reset();
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.ValueReferences(0x1d00000a120, \"scope=stacks\")")) as Row[];
    expect(hits(rows)).toHaveLength(4);
    const c = dbg.counters.snapshot();
    // 20 stacks of 64 KiB: one read each, plus the TEB (StackBase, StackLimit, WowTebOffset) per thread.
    expect(c.memoryReads).toBeLessThanOrEqual(20 + 20 * 3);
    expect(c.total).toBeLessThan((20 * 0x10000 / 8) / 100);
  });

  it("prints the locations as a table through !ewmda.valuerefs", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [VALUE], residue: [VALUE] }).build();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda.valuerefs (0x1d00000a120, \"scope=stacks\")");
    expect(out).toEqual(dbg.execute("!ewmda_valuerefs (0x1d00000a120, \"scope=stacks\")"));
    expect(out).toMatchSnapshot();
  });
});

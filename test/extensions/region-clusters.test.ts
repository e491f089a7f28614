import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { pointers } from "../mocks/memory-target";
import { HEAP_BASE, userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function clusters(spec: TargetSpec, expr: string) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda." + expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const section = (rows: Row[], s: string) => rows.filter((r) => r.Section === s);

/** A heap block: zeros, small integers, error codes, kernel32 and ntdll pointers, pointers into thread 0x1a4's stack. */
function target(arch: "x64" | "x86" = "x64") {
  const probe = userTarget({ arch }).thread({ tid: 0x1a4 }).build();
  const sleep = probe.at.symbol("kernel32!Sleep");
  const wait = probe.at.symbol("ntdll!NtWaitForSingleObject");
  const stack = probe.at.stackBase(0x1a4);
  const values = [
    0n, 0n, 0n, 0n, // Zero x4
    1n, 2n, 2n, 2n, 0x30n, // SmallInts
    0xc0000005n, 0xc0000005n, 0xc0000034n, // ErrorCodes (NTSTATUS)
    sleep + 0x10n, sleep + 0x10n, sleep + 0x10n, sleep + 0x40n, // kernel32
    wait + 0x14n, // ntdll
    stack - 0x100n, stack - 0x80n, // Stack(0x1a4)
  ];
  const heap = HEAP_BASE[arch];
  const t = userTarget({ arch }).thread({ tid: 0x1a4 }).memory(heap, pointers(arch === "x86" ? 4 : 8, values)).build();
  return { t, heap, bytes: values.length * (arch === "x86" ? 4 : 8), sleep };
}

describe("RegionClusters: structure in a region", () => {
  it("sorts the values into clusters by closeness and label, and lists repeated values", () => {
    const { t, heap, bytes, sleep } = target();
    const { rows, summary } = clusters(t.spec, `RegionClusters(0x${heap.toString(16)}, 0x${bytes.toString(16)})`);
    const c = section(rows, "Cluster");
    expect(c.map((r) => [r.Cluster, r.Label, r.Count, r.Distinct])).toEqual([
      [1, "Zero", 4, 1],
      [2, "SmallInts", 5, 3],
      [3, "ErrorCodes", 3, 2],
      [4, "Stack(0x1a4)", 2, 2],
      [5, "Module:ntdll.dll", 1, 1],
      [6, "Module:kernel32.dll", 4, 2],
    ]);
    expect(big(c[5]!.Low)).toBe(sleep + 0x10n);
    expect(big(c[5]!.High)).toBe(sleep + 0x40n);
    expect(c[5]!.Examples).toBe("kernel32!Sleep+0x10 x3, kernel32!Sleep+0x40");
    const r = section(rows, "Repeated");
    expect(r.map((x) => [x.Label, x.Count, x.Examples])).toEqual([
      ["Zero", 4, "00000000`00000000"],
      ["SmallInts", 3, "00000000`00000002"],
      ["Module:kernel32.dll", 3, "kernel32!Sleep+0x10"],
    ]);
    expect(String(r[2]!.Evidence)).toBe(`${windbg(sleep + 0x10n)} occurs 3 times in the range 000001d0\`00000000 L0x98 (s -q 000001d0\`00000000 L?0x98 ${windbg(sleep + 0x10n)})`);
    expect(summary).toBe("RegionClusters range 000001d0`00000000 L0x98: 19 readable slots, 11 distinct values, 6 clusters, 3 repeated values");
  });

  it("splits clusters at GapBytes and changes the repeat threshold with MinRepeats", () => {
    const { t, heap, bytes } = target();
    const { rows } = clusters(t.spec, `RegionClusters(0x${heap.toString(16)}, 0x${bytes.toString(16)}, new { GapBytes = 0x10, MinRepeats = 2 })`);
    // In value order (error codes below the x64 stacks, ntdll below kernel32): SmallInts 1, 2 | 0x30, the error codes
    // 0x2f apart, the stack pointers 0x80 apart and kernel32 +0x10 | +0x40 split.
    expect(section(rows, "Cluster").map((r) => r.Label)).toEqual(["Zero", "SmallInts", "SmallInts", "ErrorCodes", "ErrorCodes", "Stack(0x1a4)", "Stack(0x1a4)", "Module:ntdll.dll", "Module:kernel32.dll", "Module:kernel32.dll"]);
    expect(section(rows, "Repeated").map((r) => r.Count)).toEqual([4, 3, 3, 2]);
  });

  it("lists every distinct value in value order with its count and cluster with Values", () => {
    const { t, heap, bytes, sleep } = target();
    const range = `0x${heap.toString(16)}, 0x${bytes.toString(16)}`;
    expect(section(clusters(t.spec, `RegionClusters(${range})`).rows, "Value")).toEqual([]);
    const v = section(clusters(t.spec, `RegionClusters(${range}, "values=true")`).rows, "Value");
    expect(v.map((r) => [big(r.Low), r.Count, r.Cluster, r.Label])).toEqual([
      [0n, 4, 1, "Zero"], [1n, 1, 2, "SmallInts"], [2n, 3, 2, "SmallInts"], [0x30n, 1, 2, "SmallInts"],
      [0xc0000005n, 2, 3, "ErrorCodes"], [0xc0000034n, 1, 3, "ErrorCodes"],
      [t.at.stackBase(0x1a4) - 0x100n, 1, 4, "Stack(0x1a4)"], [t.at.stackBase(0x1a4) - 0x80n, 1, 4, "Stack(0x1a4)"],
      [t.at.symbol("ntdll!NtWaitForSingleObject") + 0x14n, 1, 5, "Module:ntdll.dll"],
      [sleep + 0x10n, 3, 6, "Module:kernel32.dll"], [sleep + 0x40n, 1, 6, "Module:kernel32.dll"],
    ]);
    // The counts add up to the region's slots.
    expect(v.reduce((n, r) => n + Number(r.Count), 0)).toBe(19);
    expect(v[9]!.Examples).toBe("kernel32!Sleep+0x10");
  });

  it("reads x86 regions in 4-byte values", () => {
    const { t, heap, bytes } = target("x86");
    const { rows } = clusters(t.spec, `RegionClusters(0x${heap.toString(16)}, 0x${bytes.toString(16)})`);
    // 32-bit value order: stacks at 0x00100000, modules at 0x77000000, error codes at 0xc0000000.
    expect(section(rows, "Cluster").map((r) => r.Label)).toEqual(["Zero", "SmallInts", "Stack(0x1a4)", "Module:ntdll.dll", "Module:kernel32.dll", "ErrorCodes"]);
  });

  it("clusters the current thread's stack by default, its own pointers as Stack(self)", () => {
    const probe = userTarget().thread({ tid: 0x1a4, stackSize: 0x1000 }).build();
    const values = [probe.at.stackBase(0x1a4) - 0x20n, probe.at.stackBase(0x1a4) - 0x28n];
    const t2 = userTarget().thread({ tid: 0x1a4, stackSize: 0x1000, stack: values }).build();
    const { rows, summary } = clusters(t2.spec, "RegionClusters()");
    expect(summary).toContain("stack of thread 0x1a4");
    expect(section(rows, "Cluster").map((r) => [r.Label, r.Count])).toEqual([["Zero", 510], ["Stack(self)", 2]]);
  });
});

describe("RegionClusters: bad input", () => {
  it("refuses empty ranges and bad options with messages", () => {
    const { t, heap } = target();
    for (const [expr, text] of [
      [`RegionClusters(0x${heap.toString(16)}, 0)`, "is empty (size 0)"],
      [`RegionClusters(0x${heap.toString(16)}, 0x100, new { GapBytes = "wide" })`, "GapBytes must be a number"],
      [`RegionClusters(0x${heap.toString(16)}, 0x100, new { Regions = 3 })`, "Regions must be true or false"],
    ] as const) {
      const { rows } = clusters(t.spec, expr);
      expect(rows.map((r) => r.Verdict), expr).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), expr).toContain(text);
    }
  });

  it("says so when nothing of the range is in the dump", () => {
    const { t } = target();
    const { rows } = clusters(t.spec, "RegionClusters(0x1e000000000, 0x100)");
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Info", "none of the region's 0x100 bytes is in the dump (range 000001e0`00000000 L0x100)"]]);
  });

  it("prints clusters and repeated values as a table through !ewmda.regionclusters", () => {
    const { t, heap, bytes } = target();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute(`!ewmda.regionclusters (0x${heap.toString(16)}, 0x${bytes.toString(16)})`);
    expect(out).toEqual(dbg.execute(`!ewmda_regionclusters (0x${heap.toString(16)}, 0x${bytes.toString(16)})`));
    expect(out).toMatchSnapshot();
  });
});

function windbg(v: bigint): string {
  const h = v.toString(16).padStart(16, "0");
  return `${h.slice(0, 8)}\`${h.slice(8)}`;
}

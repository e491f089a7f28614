/** `!address` parsing on listings in the layout WinDbg prints (64-bit and 32-bit user mode) and on garbage. */
import { describe, expect, it } from "vitest";
import { isExecutableRegion, parseAddress } from "../../src/lib/parse-address";

const X64 = [
  "",
  "Mapping file section regions...",
  "Mapping module regions...",
  "Mapping PEB regions...",
  "Mapping TEB and stack regions...",
  "Mapping heap regions...",
  "Mapping page heap regions...",
  "Mapping other regions...",
  "Mapping stack trace database regions...",
  "Mapping activation context regions...",
  "",
  "        BaseAddress      EndAddress+1        RegionSize     Type       State                 Protect             Usage",
  "--------------------------------------------------------------------------------------------------------------------------",
  "+        0`00000000        0`7ffe0000        0`7ffe0000             MEM_FREE    PAGE_NOACCESS                      Free       ",
  "+        0`7ffe0000        0`7ffe1000        0`00001000 MEM_PRIVATE MEM_COMMIT  PAGE_READONLY                      Other      [User Shared Data]",
  "+       d6`a3a00000       d6`a3afb000        0`000fb000 MEM_PRIVATE MEM_RESERVE                                    Stack      [~0; 2a0c.2a10]",
  "        d6`a3afb000       d6`a3afe000        0`00003000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE | PAGE_GUARD        Stack      [~0; 2a0c.2a10]",
  "        d6`a3afe000       d6`a3b00000        0`00002000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE                     Stack      [~0; 2a0c.2a10]",
  "+      20b`6e7d0000      20b`6e7df000        0`0000f000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE                     Heap       [ID: 0; Handle: 0000020b6e7d0000; Type: Segment]",
  "+      20b`70000000      20b`70010000        0`00010000 MEM_PRIVATE MEM_COMMIT  PAGE_EXECUTE_READWRITE             <unknown>  ",
  "+     7ff6`1a2d0000     7ff6`1a2d1000        0`00001000 MEM_IMAGE   MEM_COMMIT  PAGE_READONLY                      Image      [notepad; \"C:\\Windows\\System32\\notepad.exe\"]",
  "",
  "--- Usage Summary ---------------- RgnCount ----------- Total Size -------- %ofBusy %ofTotal",
  "Free                                     71     7ffe`6a3c7000 ( 127.994 TB)          100.00%",
  "Heap                                     23        0`00a5c000 (  10.359 MB)  13.32%    0.00%",
  "",
  "--- Type Summary (for busy) ------ RgnCount ----------- Total Size -------- %ofBusy %ofTotal",
  "MEM_PRIVATE                             101        0`0f62b000 ( 246.168 MB)  86.25%    0.00%",
];

describe("parseAddress", () => {
  it("reads region lines: bounds, allocation base, type, state, protection, usage and details", () => {
    const r = parseAddress(X64);
    expect(r.unparsed).toEqual([]);
    expect(r.regions.map((x) => [x.usage, x.type, x.state, x.protect])).toEqual([
      ["Free", "", "MEM_FREE", "PAGE_NOACCESS"],
      ["Other", "MEM_PRIVATE", "MEM_COMMIT", "PAGE_READONLY"],
      ["Stack", "MEM_PRIVATE", "MEM_RESERVE", ""],
      ["Stack", "MEM_PRIVATE", "MEM_COMMIT", "PAGE_READWRITE | PAGE_GUARD"],
      ["Stack", "MEM_PRIVATE", "MEM_COMMIT", "PAGE_READWRITE"],
      ["Heap", "MEM_PRIVATE", "MEM_COMMIT", "PAGE_READWRITE"],
      ["<unknown>", "MEM_PRIVATE", "MEM_COMMIT", "PAGE_EXECUTE_READWRITE"],
      ["Image", "MEM_IMAGE", "MEM_COMMIT", "PAGE_READONLY"],
    ]);
    const guard = r.regions[3]!;
    expect(guard).toMatchObject({ baseHi: 0xd6, baseLo: 0xa3afb000, endHi: 0xd6, endLo: 0xa3afe000, allocationHi: 0xd6, allocationLo: 0xa3a00000, details: "~0; 2a0c.2a10" });
    expect(r.regions[5]!.details).toBe("ID: 0; Handle: 0000020b6e7d0000; Type: Segment");
    expect(r.regions[7]!.details).toBe("notepad; \"C:\\Windows\\System32\\notepad.exe\"");
  });

  it("tells executable committed regions", () => {
    const r = parseAddress(X64);
    expect(r.regions.map(isExecutableRegion)).toEqual([false, false, false, false, false, false, true, false]);
  });

  it("reads 32-bit listings (plain addresses)", () => {
    const r = parseAddress([
      "  BaseAddr EndAddr+1 RgnSize     Type       State                 Protect             Usage",
      "-----------------------------------------------------------------------------------------------",
      "+        0    10000    10000             MEM_FREE    PAGE_NOACCESS                      Free       ",
      "+    10000    20000    10000 MEM_MAPPED  MEM_COMMIT  PAGE_READWRITE                     Heap       [ID: 1; Handle: 00010000; Type: Segment]",
      "+   400000   401000     1000 MEM_IMAGE   MEM_COMMIT  PAGE_READONLY                      Image      [app; \"C:\\app\\app.exe\"]",
    ]);
    expect(r.regions.map((x) => [x.baseLo, x.endLo, x.type, x.usage])).toEqual([[0, 0x10000, "", "Free"], [0x10000, 0x20000, "MEM_MAPPED", "Heap"], [0x400000, 0x401000, "MEM_IMAGE", "Image"]]);
  });

  it("gives no regions, and keeps the message, when the dump has no memory information", () => {
    const r = parseAddress(["ERROR: !address: extension exception 0x80004005.", "    \"Unable to read memory information\""]);
    expect(r.regions).toEqual([]);
    expect(r.unparsed).toHaveLength(2);
  });

  it("keeps garbage apart", () => {
    const r = parseAddress(["\u0000garbage", "+ 1000 2000 1000 MEM_PRIVATE", "+ zz 2000 1000 MEM_PRIVATE MEM_COMMIT PAGE_READWRITE Heap"]);
    expect(r.regions).toEqual([]);
    expect(r.unparsed).toHaveLength(3);
  });
});

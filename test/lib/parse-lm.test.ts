/** `lm` parsing on listings in the layout WinDbg prints (64-bit, 32-bit, kernel, without unloaded modules) and on garbage. */
import { describe, expect, it } from "vitest";
import { parseLm } from "../../src/lib/parse-lm";

const X64 = [
  "start             end                 module name",
  "00007ff6`1a2d0000 00007ff6`1a2f5000   notepad    (deferred)             ",
  "00007ffa`a0a10000 00007ffa`a0ab2000   msvcp_win  (deferred)             ",
  "00007ffa`b2f30000 00007ffa`b3128000   ntdll      (pdb symbols)          c:\\symbols\\ntdll.pdb\\0C0B8F3CE5E4B2F71A4D6B2A9F2F2B6B1\\ntdll.pdb",
  "",
  "Unloaded modules:",
  "00007ffa`9e4f0000 00007ffa`9e51f000   dsreg.dll",
  "00007ffa`a0e10000 00007ffa`a0e2b000   twinapi.dll",
];

describe("parseLm", () => {
  it("reads loaded and unloaded modules of a 64-bit listing, end exclusive", () => {
    const r = parseLm(X64);
    expect(r.unparsed).toEqual([]);
    expect(r.hasUnloadedSection).toBe(true);
    expect(r.loaded.map((m) => [m.name, m.status])).toEqual([["notepad", "deferred"], ["msvcp_win", "deferred"], ["ntdll", "pdb symbols"]]);
    expect(r.loaded[0]).toMatchObject({ startHi: 0x7ff6, startLo: 0x1a2d0000, endHi: 0x7ff6, endLo: 0x1a2f5000 });
    expect(r.unloaded).toEqual([
      { name: "dsreg.dll", startHi: 0x7ffa, startLo: 0x9e4f0000, endHi: 0x7ffa, endLo: 0x9e51f000, status: undefined },
      { name: "twinapi.dll", startHi: 0x7ffa, startLo: 0xa0e10000, endHi: 0x7ffa, endLo: 0xa0e2b000, status: undefined },
    ]);
  });

  it("reads 32-bit addresses without a backtick, and the checksum / timestamp flag column", () => {
    const r = parseLm([
      "start    end        module name",
      "00400000 0041a000   app      C (deferred)             ",
      "77000000 77190000   ntdll    T (export symbols)       ntdll.dll",
      "",
      "Unloaded modules:",
      "6f560000 6f57d000   plugin.dll",
    ]);
    expect(r.loaded.map((m) => [m.name, m.status, m.startLo, m.endLo])).toEqual([["app", "deferred", 0x400000, 0x41a000], ["ntdll", "export symbols", 0x77000000, 0x77190000]]);
    expect(r.unloaded.map((m) => [m.name, m.startHi, m.startLo, m.endLo])).toEqual([["plugin.dll", 0, 0x6f560000, 0x6f57d000]]);
  });

  it("says when there is no unloaded-module section", () => {
    const r = parseLm(X64.slice(0, 4));
    expect(r.hasUnloadedSection).toBe(false);
    expect(r.unloaded).toEqual([]);
    expect(r.unloadedProblem).toBeUndefined();
    expect(r.loaded).toHaveLength(3);
  });

  it("keeps what the debugger says when it cannot list unloaded modules", () => {
    const r = parseLm([...X64.slice(0, 2), "Unable to enumerate user-mode unloaded modules, Win32 error 0n30"]);
    expect(r.unloadedProblem).toBe("Unable to enumerate user-mode unloaded modules, Win32 error 0n30");
    expect(r.unloaded).toEqual([]);
    expect(r.unparsed).toEqual([]);
  });

  it("reads kernel listings (drivers, unloaded drivers)", () => {
    const r = parseLm([
      "start             end                 module name",
      "fffff806`3a400000 fffff806`3b446000   nt         (pdb symbols)          c:\\symbols\\ntkrnlmp.pdb\\...\\ntkrnlmp.pdb",
      "",
      "Unloaded modules:",
      "fffff806`3c5c0000 fffff806`3c5cf000   dump_storport.sys",
    ]);
    expect(r.loaded.map((m) => [m.name, m.startHi >>> 0])).toEqual([["nt", 0xfffff806]]);
    expect(r.unloaded.map((m) => [m.name, m.startHi >>> 0, m.startLo, m.endLo])).toEqual([["dump_storport.sys", 0xfffff806, 0x3c5c0000, 0x3c5cf000]]);
  });

  it("keeps garbage apart and rejects inverted or empty ranges", () => {
    const r = parseLm(["\u0000\u0001", "Browse full module list", "00400000 00300000   backwards", "00400000 00400000   empty", "zzzz yyyy   nonsense"]);
    expect(r.loaded).toEqual([]);
    expect(r.unloaded).toEqual([]);
    expect(r.unparsed).toEqual(["\u0000\u0001", "Browse full module list", "00400000 00300000   backwards", "00400000 00400000   empty", "zzzz yyyy   nonsense"]);
  });
});

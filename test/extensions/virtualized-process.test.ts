import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel } from "../mocks/kernel-target";
import { DUMPS } from "../oracle/breakpad-output";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function wow(spec: TargetSpec) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda.VirtualizedProcess()");
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const hexOf = (v: unknown) => BigInt(String((v as { toString(r: number): string }).toString(16)).replace(/^/, "0x"));

function wowTarget() {
  return userTarget()
    .wow64()
    .module({ name: "wow64cpu.dll", symbols: { CpupSyscallStub: 0x1cf0, TurboDispatchJumpAddressEnd: 0x1700 } })
    .module({ name: "wow64.dll", symbols: { Wow64SystemServiceEx: 0x7a40 } })
    .thread({ tid: 0x1a4, frames: ["wow64cpu!CpupSyscallStub+0x13", "wow64cpu!TurboDispatchJumpAddressEnd+0x2c", "wow64!Wow64SystemServiceEx+0x153"] })
    .thread({ tid: 0x2b0 });
}

describe("VirtualizedProcess: WOW64 processes", () => {
  it("finds a 32-bit process in a 64-bit view, with its PEB32 and TEB32s, and says how to switch", () => {
    const t = wowTarget().build();
    const { rows, summary } = wow(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect([r.View, r.ProcessBits, r.HostMachine, r.Wow64Modules, r.Threads32, r.InWow64Layer, r.Verdict, r.Source]).toEqual(
      ["64-bit (x64)", 32, "x64", "wow64cpu.dll, wow64.dll, wow64win.dll", "2 of 2", 1, "Positive", "typed"]);
    expect(hexOf(r.Peb32)).toBe(t.at.peb32());
    expect(hexOf(r.Teb32)).toBe(t.at.teb32(0x1a4));
    expect(r.Recommendation).toBe(".effmach x86 (or !wow64exts.sw), then ~*k for the 32-bit stacks; .effmach . returns to the 64-bit view");
    expect(r.Evidence).toBe("32-bit process under WOW64 seen from the 64-bit view: wow64cpu.dll, wow64.dll, wow64win.dll loaded, 2 modules from SysWOW64; 1 of 2 threads have a WOW64 frame; " +
      "PEB32 at 00000000`7efde000 (TEB64.WowTebOffset 0x2000); lm m wow64*; !wow64exts.info");
    expect(summary).toBe("VirtualizedProcess: 32-bit process under WOW64 in the 64-bit view, PEB32 00000000`7efde000");
  });

  it("uses the TEB64 + 0x2000 convention when WowTebOffset is 0, and names a WOW64 breakpoint as the last event", () => {
    const t = userTarget().wow64({ wowTebOffset: false }).thread({ tid: 0x1a4 })
      .command(".lastevent", ["Last event: 1234.1a4: Unknown exception - code 4000001f (first chance)"]).build();
    const r = wow(t.spec).rows[0]!;
    expect(r.Evidence).toContain("(TEB64 + 0x2000 (convention; WowTebOffset is 0 or missing))");
    expect(r.Recommendation).toContain("the last event is 0x4000001f (STATUS_WX86_BREAKPOINT) from the 32-bit code");
  });

  it("says when the TEB32 is not in the dump", () => {
    const b = userTarget().wow64().thread({ tid: 0x1a4 });
    const teb32 = b.build().at.teb32(0x1a4);
    const r = wow(b.unmap(teb32, 0x1000).build().spec).rows[0]!;
    expect(r.Threads32).toBe("0 of 1");
    expect(String(r.Peb32)).toBe("<not available>");
    expect(r.Evidence).toContain("no PEB32: the TEB32 at 00000000`7ef02000 (TEB64.WowTebOffset 0x2000) is not in the dump");
  });

  it("recognizes a 32-bit dump of a WOW64 process (no switch needed)", () => {
    const t = userTarget({ arch: "x86" }).wow64().thread({ tid: 0x104 }).build();
    const r = wow(t.spec).rows[0]!;
    expect([r.View, r.ProcessBits, r.Wow64Modules, r.Verdict]).toEqual(["32-bit (x86)", 32, "wow64cpu.dll", "Positive"]);
    expect(hexOf(r.Peb32)).toBe(t.at.peb());
    expect(hexOf(r.Teb32)).toBe(t.at.teb(0x104) - 0x2000n);
    expect(r.Recommendation).toMatch(/^none needed: the dump is already the 32-bit view/);
    expect(r.Evidence).toBe("32-bit dump of a process under WOW64: wow64cpu.dll in the module list; first thread's TEB64 7ef00000 (not in the dump); lm m wow64*");
  });
});

describe("VirtualizedProcess: a 32-bit module list without the WOW64 DLLs", () => {
  it("tells WOW64 from SysWOW64 paths alone, without naming a host it cannot know", () => {
    const t = userTarget({ arch: "x86", defaultModules: false }).module({ name: "C:\\Windows\\SysWOW64\\ntdll.dll" }).module({ name: "C:\\Windows\\SysWOW64\\kernel32.dll" })
      .module({ name: "C:\\app\\app.exe" }).thread({ tid: 0x104 }).build();
    const r = wow(t.spec).rows[0]!;
    expect([r.Verdict, r.ProcessBits, r.Wow64Modules, r.HostMachine]).toEqual(["Positive", 32, "(none; 2 SysWOW64 DLLs)", "x64 or ARM64 (not in the dump)"]);
    expect(r.Evidence).toMatch(/^32-bit dump of a process under WOW64: 2 of 3 modules loaded from SysWOW64 \(the 64-bit WOW64 DLLs are not in a 32-bit module list\); first thread's TEB64 /);
    const native = userTarget({ arch: "x86", defaultModules: false }).module({ name: "C:\\Windows\\System32\\ntdll.dll" }).module({ name: "C:\\app\\app.exe" }).thread({ tid: 0x104 }).build();
    expect(wow(native.spec).rows.map((x) => x.Verdict)).toEqual(["Negative"]);
  });
});

describe("VirtualizedProcess: native processes and other targets", () => {
  it("says a 64-bit process without WOW64 DLLs is native (with what was examined), also on x86", () => {
    expect(wow(userTarget().build().spec).rows.map((r) => [r.Verdict, r.Evidence])).toEqual([
      ["Negative", "native 64-bit process: no WOW64 DLL (wow64*.dll, xtajit.dll, wowarmhw.dll) and no SysWOW64 module among 4 modules; lm m wow64*"]]);
    expect(wow(userTarget({ arch: "x86" }).build().spec).rows[0]!.Evidence).toMatch(/^native 32-bit process: no WOW64 DLL/);
  });

  it("tells x64 emulation on ARM64 from WOW64", () => {
    const r = wow(userTarget({ arch: "arm64" }).module({ name: "xtajit64.dll" }).build().spec).rows[0]!;
    expect([r.Verdict, r.HostMachine]).toEqual(["Info", "ARM64"]);
  });

  it("gives an Info row on a kernel target and without modules", () => {
    expect(wow(emptyKernel().spec).rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(wow(userTarget({ defaultModules: false }).thread({ tid: 1 }).build().spec).rows.map((r) => r.Evidence)).toEqual(["the module list is empty, so WOW64 cannot be told from it (lm)"]);
  });

  it("finds the TEB32 without ntdll symbols for the current thread (documented offsets)", () => {
    const t = userTarget({ ntdllSymbols: false }).wow64().thread({ tid: 0x1a4 }).thread({ tid: 0x2b0 }).build();
    const r = wow(t.spec).rows[0]!;
    expect(r.Threads32).toBe("1 of 2");
    expect(hexOf(r.Peb32)).toBe(t.at.peb32());
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(wowTarget().build().spec);
    expect(dbg.execute("!ewmda.wow64")).toMatchSnapshot();
  });
});

describe.skipIf(!existsSync(DUMPS))("VirtualizedProcess on real dumps", () => {
  const open = (rel: string) => wow(buildDumpTarget(Minidump.openFile(path.join(DUMPS, rel))).spec).rows[0]!;
  it("finds the WOW64 process in Firefox's 32-bit dump and none in the 64-bit ones", () => {
    const x86 = open("mozilla/windows-x86.dmp");
    expect([x86.Verdict, x86.View, x86.Wow64Modules]).toEqual(["Positive", "32-bit (x86)", "wow64cpu.dll"]);
    expect(open("mozilla/windows-x86_64.dmp").Verdict).toBe("Negative");
    expect(open("electron/windows.dmp").Verdict).toBe("Negative");
  });
});

/** The user-mode builder's own tests: what it builds, checked through the emulated debugger. */
import { describe, expect, it } from "vitest";
import { EmulatedDebugger, readUnsigned } from "../../src/emulator";
import { modref, ret, stackref, sym, tebref, userTarget } from "./user-target";

const probe = `"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function tebOf(tid) { return host.currentProcess.Threads.getValueAt(tid).Environment.EnvironmentBlock; }
function bytes(addr, n) { return Array.prototype.slice.call(host.memory.readMemoryValues(addr, n, 1)); }
function slot(addr) { return host.memory.readMemoryValues(addr, 1, 8)[0]; }
function peb() { return host.currentProcess.Environment.EnvironmentBlock; }`;

function load(spec: ConstructorParameters<typeof EmulatedDebugger>[0]) {
  const dbg = new EmulatedDebugger(spec);
  const s = dbg.scriptLoad(probe, "C:\\t\\probe.js");
  return { dbg, g: s.global as Record<string, (...a: unknown[]) => any> };
}

describe("userTarget()", () => {
  it("builds a process with default modules, one thread, a TEB and a PEB with real layouts", () => {
    const t = userTarget().build();
    expect(t.spec.processes[0]!.modules.map((m) => m.name)).toEqual([
      "C:\\Program Files\\App\\app.exe", "C:\\Windows\\System32\\ntdll.dll", "C:\\Windows\\System32\\kernel32.dll", "C:\\Windows\\System32\\kernelbase.dll",
    ]);
    const { g, dbg } = load(t.spec);
    const teb = g.tebOf!(0x1a4);
    expect(teb.NtTib.StackBase.address.bits).toBe(t.at.stackBase(0x1a4));
    expect(teb.NtTib.StackLimit.address.bits).toBe(t.at.stackLimit(0x1a4));
    expect(teb.NtTib.Self.address.bits).toBe(t.at.teb(0x1a4));
    expect(teb.ClientId.UniqueThread.address.bits).toBe(0x1a4n);
    expect(teb.ProcessEnvironmentBlock.ImageBaseAddress.address.bits).toBe(t.at.module("app"));
    expect(dbg.dx("@$curprocess.Name")).toBe("app.exe");
    expect(t.at.stackBase(0x1a4) - t.at.stackLimit(0x1a4)).toBe(0x4000n);
  });

  it("puts stack values above the stack pointer and residue below it, resolving references at build()", () => {
    const t = userTarget()
      .thread({ tid: 1, stack: [sym("ntdll!NtWaitForSingleObject", 0x14), stackref(2, 0x10), tebref(1), modref("kernel32", 0x20)], residue: [0x41n] })
      .thread({ tid: 2 }).build();
    const { g } = load(t.spec);
    const sp = t.at.stackPointer(1);
    const read = (a: bigint) => g.slot!(Number(a)).bits as bigint;
    expect(read(sp)).toBe(t.at.module("ntdll") + 0x9d4c0n + 0x14n);
    expect(read(sp + 8n)).toBe(t.at.stackBase(2) - 0x10n);
    expect(read(sp + 16n)).toBe(t.at.teb(1));
    expect(read(sp + 24n)).toBe(t.at.module("kernel32") + 0x20n);
    expect(read(sp - 8n)).toBe(0x41n);
    expect(t.spec.processes[0]!.threads[0]!.registers.rsp).toBe(sp);
  });

  it("writes PE headers with a .text section and, when asked, code with a call before each return site", () => {
    const t = userTarget().module({ name: "ntdll.dll", code: true }).thread({ tid: 1, stack: [ret("ntdll!NtWaitForSingleObject", 0x14)] }).build();
    const { g } = load(t.spec);
    const base = t.at.module("ntdll");
    const dos = g.bytes!(Number(base), 0x40) as number[];
    expect(String.fromCharCode(dos[0]!, dos[1]!)).toBe("MZ");
    const lfanew = Number(readUnsigned(Uint8Array.from(dos), 0x3c, 4));
    expect(g.bytes!(Number(base) + lfanew, 4)).toEqual([0x50, 0x45, 0, 0]);
    const site = t.at.symbol("ntdll!NtWaitForSingleObject", 0x14);
    expect((g.bytes!(Number(site - 5n), 5) as number[])[0]).toBe(0xe8);
    // Without code in the dump the bytes are missing.
    const without = userTarget().thread({ tid: 1, stack: [ret("ntdll!NtWaitForSingleObject", 0x14)] }).build();
    expect(() => load(without.spec).g.bytes!(Number(site - 5n), 5)).toThrow(/Unable to read memory/);
  });

  it("replaces a default module in place when one with the same name is added", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: false }).build();
    const mods = t.spec.processes[0]!.modules;
    expect(mods[1]!.name).toBe("C:\\Windows\\System32\\ntdll.dll");
    expect(mods[1]!.symbols).toBeUndefined();
    expect(mods[1]!.types).toBeUndefined();
    expect(mods.length).toBe(4);
  });

  it("leaves the TEB untyped without ntdll symbols, and makes ranges unreadable on request", () => {
    const t = userTarget({ ntdllSymbols: false }).thread({ tid: 1, unreadable: [{ offset: 0, size: 0x1000 }] }).build();
    const { g } = load(t.spec);
    expect(g.tebOf!(1)).toBeUndefined();
    expect(() => g.bytes!(Number(t.at.stackLimit(1)), 8)).toThrow(/Unable to read memory/);
    expect(g.bytes!(Number(t.at.stackLimit(1) + 0x1000n), 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("builds x86 targets with 32-bit layouts and arm64 targets with arm64 registers", () => {
    const x86 = userTarget({ arch: "x86" }).thread({ tid: 5 }).build();
    expect(x86.spec.pointerSize).toBe(4);
    const teb = load(x86.spec).g.tebOf!(5);
    expect(teb.NtTib.StackBase.address.bits).toBe(x86.at.stackBase(5));
    expect(teb.targetType.fields.ProcessEnvironmentBlock.offset).toBe(0x30);
    expect(x86.spec.processes[0]!.threads[0]!.registers.esp).toBe(x86.at.stackPointer(5));
    const arm = userTarget({ arch: "arm64" }).build();
    expect(Object.keys(arm.spec.processes[0]!.threads[0]!.registers)).toEqual(expect.arrayContaining(["pc", "sp", "fp", "lr", "x0", "x28"]));
  });

  it("refuses unknown symbols, modules, threads and duplicate thread ids", () => {
    expect(() => userTarget().thread({ tid: 1, stack: [sym("ntdll!Nope")] }).build()).toThrow(/no symbol ntdll!Nope/);
    expect(() => userTarget().thread({ tid: 1, stack: [modref("ghost.dll", 0)] }).build()).toThrow(/no module ghost.dll/);
    expect(() => userTarget().thread({ tid: 1, stack: [stackref(9, 0)] }).build()).toThrow(/no thread 0x9/);
    expect(() => userTarget().thread({ tid: 1 }).thread({ tid: 1 })).toThrow(/added twice/);
  });

  it("writes process parameters and the environment block the PEB points to", () => {
    const t = userTarget().processParameters({ commandLine: "app.exe -v", currentDirectory: "C:\\work\\", environment: { A: "1", B: "two" } }).build();
    const { g } = load(t.spec);
    const pp = g.peb!().ProcessParameters;
    expect(pp.CommandLine.Length).toBe(20);
    expect(pp.CurrentDirectory.DosPath.Length).toBe(16);
    expect(pp.Environment.address.bits).toBe(t.at.environment());
    expect(pp.EnvironmentSize.bits).toBe(22n);
    const bytes = g.bytes!(Number(t.at.environment()), 22) as number[];
    expect(String.fromCharCode(...bytes.filter((_, i) => i % 2 === 0))).toBe("A=1\u0000B=two\u0000\u0000");
  });

  it("builds WOW64 targets: TEB32s 0x2000 above the TEB64s, a PEB32, the WOW64 modules", () => {
    const t = userTarget().wow64({ peb32: { NtGlobalFlag: 0x70 } }).thread({ tid: 7 }).build();
    const names = t.spec.processes[0]!.modules.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["C:\\Windows\\System32\\wow64cpu.dll", "C:\\Windows\\SysWOW64\\ntdll.dll", "C:\\Windows\\System32\\ntdll.dll"]));
    const { g } = load(t.spec);
    const teb = g.tebOf!(7);
    expect(teb.WowTebOffset).toBe(0x2000);
    expect(t.at.teb32(7)).toBe(t.at.teb(7) + 0x2000n);
    expect(t.at.teb(7) < 0x1_0000_0000n).toBe(true);
    const word = (a: bigint) => Number(readUnsigned(Uint8Array.from(g.bytes!(Number(a), 4) as number[]), 0, 4));
    expect(BigInt(word(t.at.teb32(7) + 0x18n))).toBe(t.at.teb32(7)); // NtTib.Self
    expect(BigInt(word(t.at.teb32(7) + 0x30n))).toBe(t.at.peb32()); // ProcessEnvironmentBlock
    expect(word(t.at.peb32() + 0x68n)).toBe(0x70); // NtGlobalFlag
  });

  it("writes GDI cells, the unload trace, code patches and image data (exports, CodeView, version resource)", () => {
    const t = userTarget({ pid: 0x1234 })
      .gdiHandles([{ type: 5, count: 2 }])
      .unloadEvents([{ name: "gone.dll", base: 0x7ff8_9000_0000n, size: 0x1000 }])
      .module({ name: "kernelbase.dll", exportTable: true, code: true, exports: { CreateFileW: 0x2000 }, pdb: { name: "kernelbase.pdb", guid: "3844DBB9-2017-4967-BE6A-A02F2F6F7D6B", age: 1 },
        version: { fileVersion: "10.0.1.2", strings: { CompanyName: "Microsoft Corporation" } }, timestamp: 0x1234 })
      .code("kernelbase!CreateFileW", [0xe9, 1, 2, 3, 4]).build();
    const { g } = load(t.spec);
    const cell = g.bytes!(Number(t.at.gdiTable() + 0x10n * 24n), 24) as number[];
    expect([cell[8], cell[9], cell[14]]).toEqual([0x34, 0x12, 5]);
    const ring = g.bytes!(Number(t.at.symbol("ntdll!RtlpUnloadEventTrace")), 8) as number[];
    expect(readUnsigned(Uint8Array.from(ring), 0, 8)).toBe(0x7ff8_9000_0000n);
    expect(g.bytes!(Number(t.at.symbol("kernelbase!CreateFileW")), 5)).toEqual([0xe9, 1, 2, 3, 4]);
    const base = Number(t.at.module("kernelbase"));
    const dos = Uint8Array.from(g.bytes!(base, 0x400) as number[]);
    const lfanew = Number(readUnsigned(dos, 0x3c, 4));
    expect(readUnsigned(dos, lfanew + 8, 4)).toBe(0x1234n); // TimeDateStamp
    expect(readUnsigned(dos, lfanew + 24, 2)).toBe(0x20bn); // PE32+
    const dirs = lfanew + 24 + 112;
    const exportRva = Number(readUnsigned(dos, dirs, 4));
    const resourceRva = Number(readUnsigned(dos, dirs + 16, 4));
    const debugRva = Number(readUnsigned(dos, dirs + 48, 4));
    expect([exportRva > 0, resourceRva > exportRva, debugRva > exportRva]).toEqual([true, true, true]);
    expect(readUnsigned(Uint8Array.from(g.bytes!(base + exportRva + 20, 4) as number[]), 0, 4)).toBe(1n); // NumberOfFunctions
  });

  it("keeps a full path distinct from a default module of the same file name", () => {
    const t = userTarget().module({ name: "C:\\Windows\\SysWOW64\\kernel32.dll", base: 0x7650_0000n, size: 0x10000 }).module({ name: "kernel32.dll", symbols: { Sleep: 0x100 } }).build();
    const k32 = t.spec.processes[0]!.modules.filter((m) => m.name.endsWith("kernel32.dll"));
    expect(k32.map((m) => m.name)).toEqual(["C:\\Windows\\System32\\kernel32.dll", "C:\\Windows\\SysWOW64\\kernel32.dll"]);
    expect(k32[0]!.symbols).toEqual([{ name: "Sleep", rva: 0x100 }]);
  });
});

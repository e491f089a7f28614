/** The user-mode builder's own tests: what it builds, checked through the emulated debugger. */
import { describe, expect, it } from "vitest";
import { EmulatedDebugger, readUnsigned } from "../../src/emulator";
import { modref, ret, stackref, sym, tebref, userTarget } from "./user-target";

const probe = `"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function tebOf(tid) { return host.currentProcess.Threads.getValueAt(tid).Environment.EnvironmentBlock; }
function bytes(addr, n) { return Array.prototype.slice.call(host.memory.readMemoryValues(addr, n, 1)); }
function slot(addr) { return host.memory.readMemoryValues(addr, 1, 8)[0]; }`;

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
});

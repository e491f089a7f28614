/**
 * ExceptionStackTraces on fake targets that hold real exception state: CONTEXT and EXCEPTION_RECORD
 * encoded by field name from the Windows layouts and placed where Windows puts them (x64: the CONTEXT at a
 * KiUserExceptionDispatcher frame's stack pointer and the record 0x20 bytes past its end, the Windows 7+
 * CONTEXT_EX gap; x86: the two pointer arguments), plus `.exr -1` / `.lastevent` output in WinDbg's format,
 * and a synthetic minidump through the Linux runner's command answers.
 */
import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT } from "../../src/emulator";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { WINDOWS_USER_X64, WINDOWS_USER_X86 } from "../../src/emulator/layouts/windows-user";
import { writeUnsigned } from "../../src/emulator/memory";
import type { TargetSpec } from "../../src/emulator/target-spec";
import { synthMinidump } from "../../src/minidump-synth";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { loadEwmda, rowsOf } from "../helpers";
import { fieldLocation, StructWriter, typeSize } from "../mocks/layout-writer";
import { userTarget, type BuiltUserTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;
type Arch = "x64" | "x86";

const LAYOUT: Record<Arch, LayoutSet> = { x64: WINDOWS_USER_X64, x86: WINDOWS_USER_X86 };
/** Windows 7+ x64: a CONTEXT_EX (0x18 bytes, 16-byte aligned) sits between the CONTEXT and the record. */
const CONTEXT_EX_GAP = 0x20;

const NTDLL = {
  NtWaitForSingleObject: 0x9d4c0, NtWaitForMultipleObjects: 0x9e0b0, RtlUserThreadStart: 0x5aa40, KiUserExceptionDispatcher: 0xa0c20,
  RtlDispatchException: 0x27940, RtlRaiseException: 0x28800,
};
const KERNELBASE = { WaitForSingleObjectEx: 0x2f000, RaiseException: 0x3a000, UnhandledExceptionFilter: 0x4b000, WerpReportFaultInternal: 0x4c000 };

function big(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  return (v as { bits: bigint }).bits;
}

function addr(v: bigint, arch: Arch): string {
  const h = v.toString(16).padStart(arch === "x64" ? 16 : 8, "0");
  return arch === "x64" ? `${h.slice(0, 8)}\`${h.slice(8)}` : h;
}

function analyze(spec: TargetSpec, variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx("Debugger.Utility.Ewmda.ExceptionStackTraces()");
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

/** A CONTEXT as the kernel writes it: flags, instruction and stack pointer, user-mode selectors. */
function contextBytes(arch: Arch, c: { ip: bigint; sp: bigint; flags?: number }): Uint8Array {
  const w = new StructWriter(LAYOUT[arch], "_CONTEXT");
  w.set("ContextFlags", c.flags ?? (arch === "x64" ? 0x10001f : 0x1003f));
  if (arch === "x64") w.set("Rip", c.ip).set("Rsp", c.sp).set("SegCs", 0x33).set("SegSs", 0x2b);
  else w.set("Eip", c.ip).set("Esp", c.sp).set("SegCs", 0x1b).set("SegSs", 0x23);
  return w.bytes;
}

function recordBytes(arch: Arch, r: { code: number; address: bigint; params?: readonly bigint[]; flags?: number; nested?: bigint }): Uint8Array {
  const layout = LAYOUT[arch];
  const w = new StructWriter(layout, "_EXCEPTION_RECORD");
  w.set("ExceptionCode", r.code).set("ExceptionFlags", r.flags ?? 0).set("ExceptionAddress", r.address)
    .set("NumberParameters", r.params?.length ?? 0).set("ExceptionRecord", r.nested ?? 0n);
  const at = fieldLocation(layout, "_EXCEPTION_RECORD", "ExceptionInformation").offset;
  (r.params ?? []).forEach((p, i) => writeUnsigned(w.bytes, at + i * layout.pointerSize, layout.pointerSize, p));
  return w.bytes;
}

function pointers(arch: Arch, values: readonly bigint[]): Uint8Array {
  const ps = LAYOUT[arch].pointerSize;
  const b = new Uint8Array(values.length * ps);
  values.forEach((v, i) => writeUnsigned(b, i * ps, ps, v));
  return b;
}

/** Builds once to learn the addresses, then again with memory placed at them (the builder is deterministic). */
function twice(make: () => UserTargetBuilder, place: (at: BuiltUserTarget["at"], frameSp: (tid: number, index: number) => bigint, b: UserTargetBuilder) => void): BuiltUserTarget {
  const probe = make().build();
  const frameSp = (tid: number, index: number) => probe.spec.processes[0]!.threads.find((t) => t.id === tid)!.frames![index]!.stackOffset;
  const b = make();
  place(probe.at, frameSp, b);
  return b.build();
}

const WORKER_FRAMES = [
  "ntdll!NtWaitForMultipleObjects+0x14", "kernelbase!WerpReportFaultInternal+0x5a", "kernelbase!UnhandledExceptionFilter+0x1e0",
  "ntdll!RtlDispatchException+0x1c4", "ntdll!KiUserExceptionDispatcher+0x2e", "app!worker+0x34", "kernel32!BaseThreadInitThunk+0x14",
  "ntdll!RtlUserThreadStart+0x21",
];
const KI = WORKER_FRAMES.indexOf("ntdll!KiUserExceptionDispatcher+0x2e");

function base(arch: Arch = "x64", ntdllSymbols = true): UserTargetBuilder {
  return userTarget({ arch, ntdllSymbols })
    .module({ name: "ntdll.dll", symbols: ntdllSymbols ? NTDLL : false })
    .module({ name: "kernelbase.dll", symbols: KERNELBASE })
    .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!main+0x20"] })
    .thread({ tid: 0x2b0, frames: WORKER_FRAMES, liveBytes: 0x1000 });
}

/** Thread 0x2b0 faulted at app!worker+0x34 writing NULL+0x18 and is reporting it (x64 layout of KiUserExceptionDispatcher). */
function x64Fault(opts: { exr?: string[]; lastevent?: string[]; context?: (at: BuiltUserTarget["at"], sp: bigint) => Uint8Array; record?: boolean } = {}) {
  let ctxAt = 0n;
  let recAt = 0n;
  let fault = 0n;
  const t = twice(() => {
    const b = base();
    if (opts.exr) b.command(".exr -1", opts.exr);
    if (opts.lastevent) b.command(".lastevent", opts.lastevent);
    return b;
  }, (at, frameSp, b) => {
    ctxAt = frameSp(0x2b0, KI);
    recAt = ctxAt + BigInt(typeSize(WINDOWS_USER_X64, "_CONTEXT") + CONTEXT_EX_GAP);
    fault = at.symbol("app!worker", 0x34);
    b.memory(ctxAt, opts.context ? opts.context(at, ctxAt) : contextBytes("x64", { ip: fault, sp: ctxAt + 0x700n }));
    if (opts.record !== false) b.memory(recAt, recordBytes("x64", { code: 0xc0000005, address: fault, params: [1n, 0x18n] }));
  });
  return { t, ctxAt, recAt, fault };
}

describe("ExceptionStackTraces: hidden exceptions", () => {
  it("recovers the CONTEXT at an x64 KiUserExceptionDispatcher frame and the record after its CONTEXT_EX", () => {
    const { t, ctxAt, recAt, fault } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."] });
    const { rows, summary } = analyze(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.Kind).toBe("Hidden");
    expect(r.Thread).toBe(0x2b0);
    expect(r.Code).toBe(0xc0000005);
    expect(r.Exception).toBe("STATUS_ACCESS_VIOLATION (Access violation)");
    expect(r.Detail).toBe("write to 0x18 (NULL-ish: NULL + 0x18, a field of a NULL object)");
    expect(big(r.Address)).toBe(fault);
    expect(r.Symbol).toBe("app!worker+0x34");
    expect(r.FaultingModule).toBe("app.exe");
    expect(big(r.ContextAddress)).toBe(ctxAt);
    expect(big(r.ExceptionRecordAddress)).toBe(recAt);
    expect(r.Anchor).toBe(`ntdll!KiUserExceptionDispatcher (frame ${KI}, dispatcher frame); the thread is reporting it to WER`);
    expect(r.Frames).toBe("app!worker+0x34 <- kernel32!BaseThreadInitThunk+0x14 <- ntdll!RtlUserThreadStart+0x21");
    expect(r.FramesFrom).toBe("context");
    expect(r.Verdict).toBe("Positive");
    expect(r.Source).toBe("typed");
    expect(r.Evidence).toBe(`~~[2b0]s; .cxr ${addr(ctxAt, "x64")}; kn; .exr ${addr(recAt, "x64")}`);
    expect(summary).toContain("no primary exception, 1 hidden recovered");
    expect(summary).toContain("2 threads examined");
  });

  it("finds the record right after the CONTEXT too (systems without CONTEXT_EX)", () => {
    let recAt = 0n;
    const t = twice(() => base().command(".exr -1", ["The dump has no exception record (no exception stream)."]), (at, frameSp, b) => {
      const ctxAt = frameSp(0x2b0, KI);
      recAt = ctxAt + BigInt(typeSize(WINDOWS_USER_X64, "_CONTEXT"));
      const fault = at.symbol("app!worker", 0x34);
      b.memory(ctxAt, contextBytes("x64", { ip: fault, sp: ctxAt + 0x700n }));
      b.memory(recAt, recordBytes("x64", { code: 0xc0000094, address: fault }));
    });
    const r = analyze(t.spec).rows[0]!;
    expect(r.Exception).toBe("STATUS_INTEGER_DIVIDE_BY_ZERO (Integer divide-by-zero)");
    expect(big(r.ExceptionRecordAddress)).toBe(recAt);
  });

  it("reports a valid CONTEXT without a record as Positive and says the record is missing", () => {
    const { t } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."], record: false });
    const r = analyze(t.spec).rows[0]!;
    expect(r.Kind).toBe("Hidden");
    expect(r.Verdict).toBe("Positive");
    expect(r.Code).toBeUndefined();
    expect(String(r.Exception)).toBe("<not available>");
    expect(r.Symbol).toBe("app!worker+0x34");
    expect(r.Evidence).not.toContain(".exr");
  });

  it("recovers an x86 exception from KiUserExceptionDispatcher's (record, context) arguments", () => {
    let ctxAt = 0n;
    let recAt = 0n;
    let fault = 0n;
    const t = twice(() => base("x86").command(".exr -1", ["garbage"]), (at, frameSp, b) => {
      const sp = frameSp(0x2b0, KI);
      recAt = sp + 8n;
      ctxAt = recAt + BigInt(typeSize(WINDOWS_USER_X86, "_EXCEPTION_RECORD"));
      fault = at.symbol("app!worker", 0x34);
      b.memory(sp, pointers("x86", [recAt, ctxAt]));
      b.memory(recAt, recordBytes("x86", { code: 0xc0000005, address: fault, params: [0n, 0n] }));
      b.memory(ctxAt, contextBytes("x86", { ip: fault, sp: ctxAt + 0x400n }));
    });
    const { rows } = analyze(t.spec);
    const r = rows.find((x) => x.Kind === "Hidden")!;
    expect(r.Thread).toBe(0x2b0);
    expect(big(r.ContextAddress)).toBe(ctxAt);
    expect(big(r.ExceptionRecordAddress)).toBe(recAt);
    expect(r.Detail).toBe("read from 0x0 (NULL pointer)");
    expect(r.Symbol).toBe("app!worker+0x34");
    expect(r.Anchor).toBe(`ntdll!KiUserExceptionDispatcher (frame ${KI}, argument pair); the thread is reporting it to WER`);
    expect(r.Frames).toBe("app!worker+0x34 <- kernel32!BaseThreadInitThunk+0x14 <- ntdll!RtlUserThreadStart+0x21");
    expect(r.Source).toBe("heuristic");
    expect(r.Evidence).toBe(`~~[2b0]s; .cxr ${addr(ctxAt, "x86")}; kn; .exr ${addr(recAt, "x86")}`);
    // Garbage from .exr -1 is an Info row, not an exception.
    const info = rows.find((x) => x.Verdict === "Info")!;
    expect(info.Evidence).toContain(".exr -1 is not available");
    expect(info.Evidence).toContain("\"garbage\"");
    expect(info.Evidence).toContain("1 of 2 threads show exception dispatching");
  });

  it("finds a C++ throw through RaiseException by scanning for its CONTEXT, and names the thrown type", () => {
    const frames = ["kernelbase!RaiseException+0x69", "vcruntime140!_CxxThrowException+0x97", "app!worker+0x80", "kernel32!BaseThreadInitThunk+0x14"];
    let ctxAt = 0n;
    let recAt = 0n;
    let raise = 0n;
    const make = () => base()
      .module({ name: "vcruntime140.dll", symbols: { _CxxThrowException: 0x5000 } })
      .thread({ tid: 0x3c0, frames, liveBytes: 0x1000 })
      .command(".exr -1", ["The dump has no exception record (no exception stream)."]);
    const t = twice(make, (at, frameSp, b) => {
      raise = at.symbol("kernelbase!RaiseException", 0x69);
      // RtlRaiseException's CONTEXT (16-byte aligned) and RaiseException's record, above the top frame.
      ctxAt = ((frameSp(0x3c0, 0) + 0x100n) + 0xfn) & ~0xfn;
      recAt = ctxAt + 0x600n;
      const app = at.module("app.exe");
      b.memory(ctxAt, contextBytes("x64", { ip: raise, sp: ctxAt - 0x40n, flags: 0x10000b }));
      b.memory(recAt, recordBytes("x64", { code: 0xe06d7363, flags: 0x81, address: raise, params: [0x19930520n, 0x1d0_0000_1000n, app + 0x3000n, app] }));
      // MSVC throw information (ehdata.h): ThrowInfo -> CatchableTypeArray -> CatchableType -> TypeDescriptor, image-relative.
      b.memory(app + 0x3000n, Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x31, 0, 0]));
      b.memory(app + 0x3100n, Uint8Array.from([2, 0, 0, 0, 0x00, 0x32, 0, 0]));
      b.memory(app + 0x3200n, Uint8Array.from([0, 0, 0, 0, 0x00, 0x33, 0, 0]));
      const name = ".?AVruntime_error@std@@\0";
      const td = new Uint8Array(16 + name.length);
      for (let i = 0; i < name.length; i++) td[16 + i] = name.charCodeAt(i);
      b.memory(app + 0x3300n, td);
    });
    const r = analyze(t.spec).rows.find((x) => x.Thread === 0x3c0)!;
    expect(r.Kind).toBe("Hidden");
    expect(r.Exception).toBe("CPP_EH_EXCEPTION (C++ EH exception (throw))");
    expect(r.Detail).toContain("type class std::runtime_error");
    expect(r.Detail).toContain("flags NONCONTINUABLE|SOFTWARE_ORIGINATE");
    expect(big(r.ContextAddress)).toBe(ctxAt);
    expect(big(r.ExceptionRecordAddress)).toBe(recAt);
    expect(r.Frames).toBe("kernelbase!RaiseException+0x69 <- vcruntime140!_CxxThrowException+0x97 <- app!worker+0x80 <- kernel32!BaseThreadInitThunk+0x14");
    expect(r.FaultingModule).toBe("app.exe");
    expect(r.Anchor).toBe("kernelbase!RaiseException (frame 0, context scan)");
    expect(r.Source).toBe("heuristic");
  });

  it("marks a benign hidden exception (thread naming) Info, not Positive", () => {
    const t = twice(() => base().command(".exr -1", ["The dump has no exception record (no exception stream)."]), (at, frameSp, b) => {
      const ctxAt = frameSp(0x2b0, KI);
      const ip = at.symbol("app!worker", 0x34);
      b.memory(ctxAt, contextBytes("x64", { ip, sp: ctxAt + 0x700n }));
      b.memory(ctxAt + BigInt(typeSize(WINDOWS_USER_X64, "_CONTEXT") + CONTEXT_EX_GAP), recordBytes("x64", { code: 0x406d1388, address: ip, params: [0x1000n, 0n, 0x2b0n, 0n] }));
    });
    const r = analyze(t.spec).rows[0]!;
    expect(r.Verdict).toBe("Info");
    expect(r.Exception).toContain("MS_VC_EXCEPTION");
    expect(r.Exception).toContain("benign");
  });
});

describe("ExceptionStackTraces: more hidden exceptions", () => {
  it("names a nested exception's chained record", () => {
    let nested = 0n;
    const t = twice(() => base().command(".exr -1", ["The dump has no exception record (no exception stream)."]), (at, frameSp, b) => {
      const ctxAt = frameSp(0x2b0, KI);
      const ip = at.symbol("app!worker", 0x34);
      nested = ctxAt + 0x800n;
      b.memory(ctxAt, contextBytes("x64", { ip, sp: ctxAt + 0x700n }));
      b.memory(ctxAt + BigInt(typeSize(WINDOWS_USER_X64, "_CONTEXT") + CONTEXT_EX_GAP), recordBytes("x64", { code: 0xc0000005, flags: 0x10, address: ip, params: [0n, 0n], nested }));
    });
    const r = analyze(t.spec).rows[0]!;
    expect(r.Detail).toBe(`read from 0x0 (NULL pointer); flags NESTED_CALL; chained record at ${addr(nested, "x64")} (.exr ${addr(nested, "x64")})`);
  });

  it("gives the same answer under the other reading of every unconfirmed provider behaviour", () => {
    const { t, ctxAt, recAt } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."] });
    const a = analyze(t.spec).rows;
    const b = analyze(t.spec, ALTERNATE_VARIANT).rows;
    expect(b.map((r) => [r.Kind, r.Thread, r.Code, r.Detail, r.Symbol, r.Frames, r.Verdict])).toEqual(a.map((r) => [r.Kind, r.Thread, r.Code, r.Detail, r.Symbol, r.Frames, r.Verdict]));
    expect(big(b[0]!.ContextAddress)).toBe(ctxAt);
    expect(big(b[0]!.ExceptionRecordAddress)).toBe(recAt);
  });
});

describe("ExceptionStackTraces: candidates that are not exceptions", () => {
  it("rejects a CONTEXT whose flags are not an x64 CONTEXT_CONTROL: Suspicious, with the reason", () => {
    const { t, ctxAt } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."], context: (at, sp) => contextBytes("x64", { ip: at.symbol("app!worker", 0x34), sp: sp + 0x700n, flags: 0x1003f }) });
    const rows = analyze(t.spec).rows;
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.Kind).toBe("Dispatching");
    expect(r.Verdict).toBe("Suspicious");
    expect(r.Thread).toBe(0x2b0);
    expect(r.Evidence).toContain("ContextFlags 0x1003f is not an x64 CONTEXT with CONTEXT_CONTROL");
    expect(r.Evidence).toContain(`Child-SP ${addr(frameSpOf(t, 0x2b0, 1), "x64")}`);
    expect(r.Anchor).toContain(`ntdll!KiUserExceptionDispatcher (frame ${KI})`);
    void ctxAt;
    const { dbg } = loadEwmda(t.spec);
    expect(dbg.dxLines("Debugger.Utility.Ewmda.ExceptionStackTraces()").join("\n")).toContain("Dispatching thread 0x2b0: kernelbase!WerpReportFaultInternal (frame 1)");
  });

  it("rejects a CONTEXT whose stack pointer is outside the thread's stack", () => {
    const { t } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."], context: (at) => contextBytes("x64", { ip: at.symbol("app!worker", 0x34), sp: 0x1234_0000n }) });
    const r = analyze(t.spec).rows[0]!;
    expect(r.Verdict).toBe("Suspicious");
    expect(r.Evidence).toMatch(/stack pointer 00000000`12340000 is outside the stack/);
  });

  it("rejects a CONTEXT whose instruction pointer is in no module", () => {
    const { t } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."], record: false, context: (_at, sp) => contextBytes("x64", { ip: 0x4141_4141n, sp: sp + 0x700n }) });
    const r = analyze(t.spec).rows[0]!;
    expect(r.Verdict).toBe("Suspicious");
    expect(r.Evidence).toContain("instruction pointer 00000000`41414141 is not in a loaded module");
  });

  it("accepts an execute fault outside modules when the record names that address (DEP)", () => {
    const t = twice(() => base().command(".exr -1", ["The dump has no exception record (no exception stream)."]), (_at, frameSp, b) => {
      const ctxAt = frameSp(0x2b0, KI);
      b.memory(ctxAt, contextBytes("x64", { ip: 0x1d0_0000_2000n, sp: ctxAt + 0x700n }));
      b.memory(ctxAt + BigInt(typeSize(WINDOWS_USER_X64, "_CONTEXT") + CONTEXT_EX_GAP),
        recordBytes("x64", { code: 0xc0000005, address: 0x1d0_0000_2000n, params: [8n, 0x1d0_0000_2000n] }));
    });
    const r = analyze(t.spec).rows[0]!;
    expect(r.Kind).toBe("Hidden");
    expect(r.Detail).toBe("execute at 0x1d000002000 (DEP: the address is not executable)");
    expect(r.Symbol).toBe("000001d0`00002000");
  });

  it("says a dispatching thread's stack is unreadable instead of guessing", () => {
    const t = base().command(".exr -1", ["The dump has no exception record (no exception stream)."]).unmap(0x0000_00e8_0000_0000n + 0x20_0000n - 0x4000n, 0x4000).build();
    const r = analyze(t.spec).rows[0]!;
    expect(r.Kind).toBe("Dispatching");
    expect(r.Verdict).toBe("Suspicious");
    expect(r.Evidence).toMatch(/could not be read|no CONTEXT/);
  });
});

function frameSpOf(t: BuiltUserTarget, tid: number, index: number): bigint {
  return t.spec.processes[0]!.threads.find((x) => x.id === tid)!.frames![index]!.stackOffset;
}

describe("ExceptionStackTraces: the primary exception", () => {
  const EXR = (fault: bigint) => [
    `ExceptionAddress: ${fault.toString(16).padStart(16, "0")} (app!worker+0x0000000000000034)`,
    "   ExceptionCode: c0000005 (Access violation)",
    "  ExceptionFlags: 00000000",
    "NumberParameters: 2",
    "   Parameter[0]: 0000000000000001",
    "   Parameter[1]: 0000000000000018",
    "Attempt to write to address 0000000000000018",
  ];

  it("merges .exr -1 with the same exception recovered on the .lastevent thread", () => {
    const fault = userTarget().module({ name: "ntdll.dll", symbols: NTDLL }).build().at.symbol("app!worker", 0x34);
    const { t, ctxAt, recAt } = x64Fault({ exr: EXR(fault), lastevent: ["Last event: 1234.2b0: Access violation - code c0000005 (!!! second chance !!!)", "  debugger time: Tue Nov 14 22:13:20.000 2023"] });
    const { rows, summary } = analyze(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.Kind).toBe("Primary");
    expect(r.Thread).toBe(0x2b0);
    expect(r.Code).toBe(0xc0000005);
    expect(r.Detail).toBe("write to 0x18 (NULL-ish: NULL + 0x18, a field of a NULL object)");
    expect(r.FirstChance).toBe(false);
    expect(big(r.ContextAddress)).toBe(ctxAt);
    expect(big(r.ExceptionRecordAddress)).toBe(recAt);
    expect(r.Frames).toBe("app!worker+0x34 <- kernel32!BaseThreadInitThunk+0x14 <- ntdll!RtlUserThreadStart+0x21");
    expect(r.FramesFrom).toBe("context");
    expect(r.Verdict).toBe("Positive");
    expect(r.Source).toBe("command");
    expect(r.Evidence).toBe(`~~[2b0]s; .exr -1; .cxr ${addr(ctxAt, "x64")}; kn; .lastevent: Access violation - code c0000005 (!!! second chance !!!)`);
    expect(summary).toContain("primary 0xc0000005 on thread 0x2b0, 0 hidden recovered");
  });

  it("takes the stack from .ecxr; kn when the debugger gives it", () => {
    const fault = userTarget().module({ name: "ntdll.dll", symbols: NTDLL }).build().at.symbol("app!worker", 0x34);
    const t = base().command(".exr -1", EXR(fault)).command(".lastevent", ["Last event: 1234.2b0: Access violation - code c0000005 (first chance)"])
      .command(".ecxr;kn;.cxr", [
        "rax=0000000000000000 rbx=0000000000000000 rcx=0000000000000001",
        "app!worker+0x34:",
        "00007ff6`10001434 c70018000000    mov     dword ptr [rax+18h],0",
        "  *** Stack trace for last set context - .thread/.cxr resets it",
        " # Child-SP          RetAddr               Call Site",
        "00 000000e8`0020f9a0 00007ffb`1e017034     app!worker+0x34 [c:\\src\\app.cpp @ 42]",
        "01 000000e8`0020f9d0 00007ffb`20a5aa61     kernel32!BaseThreadInitThunk+0x14",
        "02 000000e8`0020fa00 00000000`00000000     ntdll!RtlUserThreadStart+0x21",
        "Resetting default scope",
      ]).build();
    const rows = analyze(t.spec).rows;
    const r = rows.find((x) => x.Kind === "Primary")!;
    expect(r.Frames).toBe("app!worker+0x34 <- kernel32!BaseThreadInitThunk+0x14 <- ntdll!RtlUserThreadStart+0x21");
    expect(r.FramesFrom).toBe(".ecxr");
    expect(r.FirstChance).toBe(true);
    expect(r.FaultingModule).toBe("app.exe");
    // Its thread dispatches that same exception, but nothing is on the stack: context, not a finding.
    const d = rows.find((x) => x.Kind === "Dispatching")!;
    expect(d.Thread).toBe(0x2b0);
    expect(d.Verdict).toBe("Info");
    expect(d.Evidence).toContain("the primary exception's thread");
  });

  it("decodes a fail-fast primary exception's subcode", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: ["app!main+0x20"] }).command(".exr -1", [
      "ExceptionAddress: 00007ff610001120 (app!main+0x0000000000000020)",
      "   ExceptionCode: c0000409 (Security check failure or stack buffer overrun)",
      "  ExceptionFlags: 00000001",
      "NumberParameters: 1",
      "   Parameter[0]: 0000000000000007",
      "Subcode: 0x7 FAST_FAIL_FATAL_APP_EXIT",
    ]).build();
    const { rows } = analyze(t.spec);
    const r = rows[0]!;
    expect(r.Kind).toBe("Primary");
    expect(r.Thread).toBe(0x1a4); // no .lastevent: the current thread
    expect(r.Exception).toBe("STATUS_STACK_BUFFER_OVERRUN (Security check failure or stack buffer overrun)");
    expect(r.Detail).toBe("FAST_FAIL_FATAL_APP_EXIT (subcode 7); flags NONCONTINUABLE");
    expect(r.Frames).toBe("app!main+0x20");
    expect(r.FramesFrom).toBe("context");
    expect(String(r.FirstChance)).toBe("<not available>");
  });

  it("calls a WER hang report's pseudo-exception Info", () => {
    const t = userTarget().command(".exr -1", [
      "ExceptionAddress: 0000000000000000",
      "   ExceptionCode: cfffffff",
      "  ExceptionFlags: 00000000",
      "NumberParameters: 0",
    ]).build();
    const r = analyze(t.spec).rows[0]!;
    expect(r.Kind).toBe("Primary");
    expect(r.Verdict).toBe("Info");
    expect(r.Exception).toContain("WER hang report");
  });
});

describe("ExceptionStackTraces: nothing found, nothing checked", () => {
  it("is Negative when .exr -1 has no record and no thread dispatches, with the count examined", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).thread({ tid: 0x1a8 }).thread({ tid: 0x1ac })
      .command(".exr -1", ["The dump has no exception record (no exception stream)."]).build();
    const { rows, summary } = analyze(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(rows[0]!.Evidence).toContain("0 of 3 threads show exception dispatching");
    expect(rows[0]!.Source).toBe("command");
    expect(summary).toContain("no primary exception");
  });

  it("is Info when .exr -1 is not available at all", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    const rows = analyze(t.spec).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(rows[0]!.Evidence).toMatch(/^\.exr -1 is not available \(`\.exr -1` failed: .*\): the primary exception is unknown; 0 of 1 threads/);
  });

  it("without ntdll's types: dispatching threads are Suspicious and an Info row says what would help", () => {
    const t = base("x64", false).module({ name: "ntdll.dll", exports: { KiUserExceptionDispatcher: NTDLL.KiUserExceptionDispatcher, NtWaitForMultipleObjects: NTDLL.NtWaitForMultipleObjects, RtlDispatchException: NTDLL.RtlDispatchException, NtWaitForSingleObject: NTDLL.NtWaitForSingleObject, RtlUserThreadStart: NTDLL.RtlUserThreadStart } })
      .command(".exr -1", ["The dump has no exception record (no exception stream)."]).build();
    const { rows } = analyze(t.spec);
    const d = rows.find((r) => r.Kind === "Dispatching")!;
    expect(d.Verdict).toBe("Suspicious");
    expect(d.Thread).toBe(0x2b0);
    expect(d.Evidence).toContain("_CONTEXT / _EXCEPTION_RECORD types are not available");
    const info = rows.find((r) => r.Verdict === "Info")!;
    expect(info.Evidence).toContain(".reload /f ntdll.dll");
    expect(info.Evidence).toContain("1 dispatching thread(s)");
  });

  it("refuses arguments with a message row", () => {
    const { dbg } = loadEwmda(userTarget().build().spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.ExceptionStackTraces(0x1a4)")) as Row[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(rows[0]!.Evidence).toContain("takes no arguments");
  });

  it("reads each thread's frames once and validates a bounded number of candidates", () => {
    const { t } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."] });
    const { dbg } = loadEwmda(t.spec);
    const before = { ...dbg.counters };
    dbg.dx("Debugger.Utility.Ewmda.ExceptionStackTraces()");
    const typeLookups = dbg.counters.typeLookups - before.typeLookups;
    const objects = dbg.counters.objectCreations - before.objectCreations;
    expect(typeLookups).toBeLessThanOrEqual(8); // _CONTEXT, _EXCEPTION_RECORD, _CONTEXT_EX: once each per call
    expect(objects).toBeLessThan(20);
  });
});

describe("ExceptionStackTraces: faces", () => {
  it("prints a table through !ewmda.exceptions", () => {
    const fault = userTarget().module({ name: "ntdll.dll", symbols: NTDLL }).build().at.symbol("app!worker", 0x34);
    const { t } = x64Fault({
      exr: [`ExceptionAddress: ${fault.toString(16).padStart(16, "0")} (app!worker+0x0000000000000034)`, "   ExceptionCode: c0000005 (Access violation)", "  ExceptionFlags: 00000000", "NumberParameters: 2", "   Parameter[0]: 0000000000000001", "   Parameter[1]: 0000000000000018"],
      lastevent: ["Last event: 1234.2b0: Access violation - code c0000005 (first/second chance not available)"],
    });
    const { dbg } = loadEwmda(t.spec);
    const table = dbg.execute("!ewmda.exceptions");
    expect(table).toEqual(dbg.execute("!ewmda_exceptions"));
    expect(table.join("\n")).toMatchSnapshot();
  });

  it("gives one-line row text in dx", () => {
    const { t } = x64Fault({ exr: ["The dump has no exception record (no exception stream)."] });
    const { dbg } = loadEwmda(t.spec);
    const lines = dbg.dxLines("Debugger.Utility.Ewmda.ExceptionStackTraces()");
    expect(lines.join("\n")).toContain("Hidden thread 0x2b0 0xc0000005 at app!worker+0x34: write to 0x18");
  });
});

describe("ExceptionStackTraces: a synthetic minidump through the Linux runner", () => {
  const APP = 0x7ff6_1000_0000n;
  const NTDLL_BASE = 0x7ffb_2000_0000n;
  const STACK = 0x0000_00e8_0010_0000n;

  function dump(exception: boolean) {
    const b = synthMinidump({ arch: "x64" })
      .module({ name: "C:\\app\\crashy.exe", base: APP, size: 0x20000 })
      .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL_BASE, size: 0x1f0000 })
      .misc({ processId: 0x1138 })
      .thread({ id: 0x1a4, registers: { rip: NTDLL_BASE + 0x10n, rsp: STACK }, stack: { start: STACK, size: 0x100 } })
      .thread({ id: 0x2b0, registers: { rip: APP + 0x1234n, rsp: STACK + 0x1000n }, stack: { start: STACK + 0x1000n, size: 0x100 } });
    if (exception) b.exception({ threadId: 0x2b0, code: 0xc0000005, address: APP + 0x1234n, parameters: [0n, 0x18n] });
    return buildDumpTarget(Minidump.open(bufferSource(b.build()))).spec;
  }

  it("reads the primary exception from the runner's .exr -1 and .lastevent", () => {
    const { rows } = analyze(dump(true));
    const r = rows.find((x) => x.Kind === "Primary")!;
    expect(r.Thread).toBe(0x2b0);
    expect(r.Code).toBe(0xc0000005);
    expect(big(r.Address)).toBe(APP + 0x1234n);
    expect(r.Symbol).toBe("crashy+0x1234");
    expect(r.Detail).toBe("read from 0x18 (NULL-ish: NULL + 0x18, a field of a NULL object)");
    expect(String(r.FirstChance)).toBe("<not available>");
    expect(r.FramesFrom).toBe(".ecxr"); // the runner answers .ecxr;kn from the exception context;
    expect(String(r.Frames).startsWith("crashy+0x1234")).toBe(true);
    expect(r.Verdict).toBe("Positive");
  });

  it("is Negative on a dump without an exception stream", () => {
    const { rows } = analyze(dump(false));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(rows[0]!.Evidence).toContain("0 of 2 threads");
  });
});

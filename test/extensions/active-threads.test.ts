import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, type TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel, kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function active(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.ActiveThreads()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

/** Puts `bytes` so that they end right before `module!symbol+offset` (addresses are known only after a first build). */
function codeBefore(b: UserTargetBuilder, symbol: string, offset: number, bytes: number[]): UserTargetBuilder {
  const ip = b.build().at.symbol(symbol, offset);
  return b.memory(ip - BigInt(bytes.length), Uint8Array.from(bytes));
}

const NTDLL_SYMBOLS = { NtWaitForSingleObject: 0x9d4c0, NtDelayExecution: 0x9d8a0, RtlUserThreadStart: 0x5aa40, RtlAllocateHeap: 0x3000, NtYieldExecution: 0x9d900 };

describe("ActiveThreads: what it finds", () => {
  it("reports a thread whose frame 0 is application code, from the function when the code is not in the dump", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x20", "kernel32!BaseThreadInitThunk+0x14"] })
      .build();
    const { rows, summary } = active(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.Thread).toBe(0x2b0);
    expect(r.State).toBe("Active");
    expect(r.TopFrame).toBe("app!worker+0x20");
    expect(big(r.IP)).toBe(t.at.symbol("app!worker", 0x20));
    expect(r.OwnerModule).toBe("app.exe");
    expect(r.Check).toBe("symbol");
    expect(r.Verdict).toBe("Positive");
    expect(r.Source).toBe("heuristic");
    expect(String(r.Evidence)).toContain("byte check skipped");
    expect(String(r.Evidence)).toContain("~~[0x2b0]kn");
    expect(summary).toBe("ActiveThreads: 1 active among 2 threads (1 in system calls; code bytes checked on 0, frame 0's function used for the rest)");
  });

  it("says nothing was active when every thread sits in a system-call stub", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a", "app!worker+0x20"] })
      .build();
    const { rows } = active(t.spec);
    expect(rows).toEqual([{
      Verdict: "Negative", Source: "heuristic",
      Evidence: "0 active threads among 2 (2 in system calls; code bytes checked on 0, frame 0's function used for the rest; ~*k)",
      Thread: undefined, State: undefined, IP: undefined, TopFrame: undefined, OwnerModule: undefined, Caller: undefined, Check: undefined,
    }]);
  });

  it("decides from the code bytes when they are in the dump: syscall before the IP waits, a stub without one runs", () => {
    let b = userTarget().module({ name: "ntdll.dll", code: true, symbols: NTDLL_SYMBOLS })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      // In the stub, before its syscall: preempted there, so running.
      .thread({ tid: 0x2b0, frames: ["ntdll!NtDelayExecution+0x8", "app!worker+0x20"] });
    b = codeBefore(b, "ntdll!NtWaitForSingleObject", 0x14, [0x0f, 0x05]);
    const t = b.build();
    const { rows } = active(t.spec, "Debugger.Utility.Ewmda.ActiveThreads(new { All = true })");
    expect(rows.map((r) => [r.Thread, r.State, r.Check, r.Verdict, r.Source])).toEqual([
      [0x2b0, "Active", "bytes", "Positive", "typed"],
      [0x1a4, "SystemCall", "bytes", "Info", "typed"],
    ]);
    expect(String(rows[1]!.Evidence)).toMatch(/^IP right after syscall in ntdll!NtWaitForSingleObject\+0x14; ub 00007ff8`[0-9a-f]{8} L2; ~~\[0x1a4\]kn$/);
    expect(String(rows[0]!.Evidence)).toContain("no system-call instruction right before the IP (ntdll!NtDelayExecution+0x8)");
  });

  it("recognizes int 2e on x64 and names a system call made outside the stubs", () => {
    let b = userTarget().module({ name: "ntdll.dll", code: true, symbols: NTDLL_SYMBOLS }).module({ name: "app.exe", code: true })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x30", "kernel32!BaseThreadInitThunk+0x14"] });
    b = codeBefore(b, "ntdll!NtWaitForSingleObject", 0x14, [0xcd, 0x2e]);
    b = codeBefore(b, "app!worker", 0x30, [0x0f, 0x05]);
    const { rows } = active(b.build().spec, "Debugger.Utility.Ewmda.ActiveThreads(\"all\")");
    expect(rows.map((r) => [r.Thread, r.State, r.Verdict])).toEqual([[0x1a4, "SystemCall", "Info"], [0x2b0, "SystemCall", "Info"], [undefined, undefined, "Negative"]]);
    expect(String(rows[0]!.Evidence)).toContain("IP right after int 2e in ntdll!NtWaitForSingleObject+0x14");
    expect(String(rows[1]!.Evidence)).toContain("IP right after syscall in app!worker+0x30 (outside the system-call stubs: a direct system call or a patched stub)");
  });

  it("names the application code that called a busy OS routine", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: NTDLL_SYMBOLS })
      .thread({ tid: 0x1a4, frames: ["ntdll!RtlAllocateHeap+0x40", "kernelbase!SleepEx+0x10", "app!worker+0x20", "ntdll!RtlUserThreadStart+0x21"] })
      .build();
    const r = active(t.spec).rows[0]!;
    expect([r.State, r.TopFrame, r.Caller]).toEqual(["Active", "ntdll!RtlAllocateHeap+0x40", "app!worker+0x20"]);
  });

  it("leaves out the dump writer's thread and says so", () => {
    const t = userTarget().module({ name: "dbghelp.dll", symbols: { MiniDumpWriteDump: 0x2000 } })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x40", "dbghelp!MiniDumpWriteDump+0x120", "app!worker+0x10"] })
      .build();
    const { rows, summary } = active(t.spec);
    expect(rows.map((r) => [r.Thread ?? "", r.State ?? "", r.Verdict])).toEqual([[0x2b0, "DumpWriter", "Info"], ["", "", "Negative"]]);
    expect(String(rows[0]!.Evidence)).toBe("dump writer (dbghelp!MiniDumpWriteDump+0x120 in frame 1): left out; ~~[0x2b0]kn");
    expect(String(rows[1]!.Evidence)).toContain("0 active threads among 2 (1 in system calls, 1 dump writer;");
    expect(summary).toContain("1 dump writer");
  });

  it("takes the writer list from the configuration", () => {
    const t = userTarget().module({ name: "mydumper.dll", symbols: { Write: 0x2000 } })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x40", "mydumper!Write+0x20"] })
      .build();
    const { dbg } = loadEwmda(t.spec);
    expect(rowsOf(dbg.dx("Debugger.Utility.Ewmda.ActiveThreads()")).map((r) => r.State)).toEqual(["Active"]);
    dbg.dx("Debugger.Utility.Ewmda.Config.ActiveThreads.DumpWriterFunctions = \"mydumper!*\"");
    expect(rowsOf(dbg.dx("Debugger.Utility.Ewmda.ActiveThreads()")).map((r) => r.State)).toEqual(["DumpWriter", undefined]);
  });

  it("marks the last event's thread as the exception thread instead of counting it", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x34", "kernel32!BaseThreadInitThunk+0x14"] })
      .command(".lastevent", ["Last event: 1234.2b0: Access violation - code c0000005 (first chance)", "  debugger time: Tue Nov 14 22:13:20.000 2023 (UTC + 0:00)"])
      .build();
    const { rows } = active(t.spec);
    expect(rows.map((r) => [r.Thread ?? "", r.State ?? "", r.Verdict])).toEqual([[0x2b0, "ExceptionThread", "Info"], ["", "", "Negative"]]);
    expect(String(rows[0]!.Evidence)).toContain("the last event's thread (.lastevent)");
  });
});

describe("ActiveThreads: architectures", () => {
  it("reads sysenter and the WOW64 gate call on x86", () => {
    let b = userTarget({ arch: "x86" }).module({ name: "ntdll.dll", code: true, symbols: NTDLL_SYMBOLS })
      .thread({ tid: 0x10, frames: ["ntdll!NtWaitForSingleObject+0xc", "app!main+0x20"] })
      .thread({ tid: 0x14, frames: ["ntdll!NtDelayExecution+0xc", "app!worker+0x20"] })
      .thread({ tid: 0x18, frames: ["ntdll!RtlAllocateHeap+0x40", "app!worker+0x20"] });
    b = codeBefore(b, "ntdll!NtWaitForSingleObject", 0xc, [0x0f, 0x34]);
    b = codeBefore(b, "ntdll!NtDelayExecution", 0xc, [0xff, 0xd2]); // call edx (to Wow64SystemServiceCall)
    const { rows } = active(b.build().spec, "Debugger.Utility.Ewmda.ActiveThreads(new { All = true })");
    expect(rows.map((r) => [r.Thread, r.State, r.Check])).toEqual([[0x18, "Active", "bytes"], [0x10, "SystemCall", "bytes"], [0x14, "SystemCall", "bytes"]]);
    expect(String(rows[1]!.Evidence)).toContain("IP right after sysenter");
    expect(String(rows[2]!.Evidence)).toContain("IP after the call to the system-call gate in ntdll!NtDelayExecution+0xc");
  });

  it("does not take the x64 syscall bytes for a system call on x86", () => {
    let b = userTarget({ arch: "x86" }).module({ name: "ntdll.dll", code: true, symbols: NTDLL_SYMBOLS })
      .thread({ tid: 0x10, frames: ["ntdll!RtlAllocateHeap+0x40", "app!main+0x20"] });
    b = codeBefore(b, "ntdll!RtlAllocateHeap", 0x40, [0x0f, 0x05]);
    expect(active(b.build().spec).rows.map((r) => r.State)).toEqual(["Active"]);
  });

  it("reads svc on ARM64", () => {
    let b = userTarget({ arch: "arm64" }).module({ name: "ntdll.dll", code: true, symbols: NTDLL_SYMBOLS })
      .thread({ tid: 0x10, frames: ["ntdll!NtWaitForSingleObject+0x4", "app!main+0x20"] })
      .thread({ tid: 0x14, frames: ["ntdll!NtDelayExecution+0x4", "app!worker+0x20"] });
    // svc #0x4 = 0xd4000081 (imm16 in bits 5..20), little-endian.
    b = codeBefore(b, "ntdll!NtWaitForSingleObject", 0x4, [0x81, 0x00, 0x00, 0xd4]);
    // ret (0xd65f03c0) is not svc: preempted in the stub.
    b = codeBefore(b, "ntdll!NtDelayExecution", 0x4, [0xc0, 0x03, 0x5f, 0xd6]);
    const { rows } = active(b.build().spec, "Debugger.Utility.Ewmda.ActiveThreads(\"all\")");
    expect(rows.map((r) => [r.Thread, r.State])).toEqual([[0x14, "Active"], [0x10, "SystemCall"]]);
    expect(String(rows[1]!.Evidence)).toContain("IP right after svc");
  });
});

describe("ActiveThreads: missing data and bad input", () => {
  it("cannot tell a symbol-less ntdll frame without code, and says how to fix it", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: false, exports: {} })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["ntdll!NtDelayExecution+0x14", "app!worker+0x20"] })
      .build();
    const { rows, summary } = active(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info", "Negative"]);
    expect(String(rows[0]!.Evidence)).toBe("2 thread(s) could not be classified: frame 0 is in ntdll/win32u without symbols and the code is not in the dump (0x1a4, 0x2b0; .reload /f ntdll.dll, then ~*k)");
    expect(summary).toContain("2 undetermined");
    const all = active(t.spec, "Debugger.Utility.Ewmda.ActiveThreads(\"all\")").rows;
    expect(all.map((r) => [r.State, r.TopFrame])).toEqual([["Undetermined", "ntdll+0x9d4d4"], ["Undetermined", "ntdll+0x9d8b4"], [undefined, undefined]]);
  });

  it("still uses the code bytes when the symbols are missing", () => {
    let b = userTarget().module({ name: "ntdll.dll", code: true, symbols: false, exports: {} })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] });
    b = codeBefore(b, "ntdll!NtWaitForSingleObject", 0x14, [0x0f, 0x05]);
    const { rows } = active(b.build().spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(rows[0]!.Evidence)).toContain("1 in system calls; code bytes checked on 1");
  });

  it("treats code outside every module as active", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: [] }).build();
    // A frame in JIT code: outside every module.
    const spec: TargetSpec = { ...t.spec, processes: t.spec.processes.map((p) => ({ ...p, threads: p.threads.map((th) => ({ ...th, frames: [{ instructionOffset: 0x1d0_0000_1000n, stackOffset: 0xe8_0000_0000n, frameOffset: 0xe8_0000_0030n }] })) })) };
    const r = active(spec).rows[0]!;
    expect([r.State, r.TopFrame, r.OwnerModule]).toEqual(["Active", "000001d0`00001000", "none"]);
    expect(String(r.Evidence)).toContain("is outside every module");
  });

  it("counts a thread without frames or registers as undetermined", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: [] }).build();
    const spec: TargetSpec = { ...t.spec, processes: t.spec.processes.map((p) => ({ ...p, threads: p.threads.map((th) => ({ ...th, registers: {}, frames: [] })) })) };
    const { rows } = active(spec, "Debugger.Utility.Ewmda.ActiveThreads(\"all\")");
    expect(rows.map((r) => [r.State ?? "", r.Verdict])).toEqual([["Undetermined", "Info"], ["", "Negative"]]);
    expect(String(rows[0]!.Evidence)).toContain("the thread has no frames");
  });

  it("rejects nonsense options with a message", () => {
    const t = userTarget().build();
    for (const [expr, text] of [
      ["Debugger.Utility.Ewmda.ActiveThreads(\"sideways\")", "unknown option \"sideways\" (options: All)"],
      ["Debugger.Utility.Ewmda.ActiveThreads(\"all=maybe\")", "All must be true or false, not maybe"],
      ["Debugger.Utility.Ewmda.ActiveThreads(5)", "options must be an object such as new { All = true }"],
    ] as const) {
      const { rows } = active(t.spec, expr);
      expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence)).toContain(text);
    }
  });

  it("answers on a kernel target from KTHREAD states (the bugcheck thread left out)", () => {
    const { rows } = active(emptyKernel().spec);
    expect(rows.map((r) => [r.State, r.Verdict])).toEqual([["BugCheck", "Info"], [undefined, "Negative"]]);
  });
});

describe("ActiveThreads: cost and faces", () => {
  it("reads the code before each distinct IP once", () => {
    let b = userTarget().module({ name: "ntdll.dll", code: true, symbols: NTDLL_SYMBOLS });
    for (let i = 0; i < 20; i++) b = b.thread({ tid: 0x100 + i * 4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!worker+0x20"] });
    b = codeBefore(b, "ntdll!NtWaitForSingleObject", 0x14, [0x0f, 0x05]);
    const { dbg } = loadEwmda(b.build().spec);
    dbg.counters.reset();
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.ActiveThreads()"));
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    // One code read for the shared IP; the rest are register and TEB reads, not per-thread code reads.
    expect(dbg.counters.snapshot().memoryReads).toBeLessThanOrEqual(2);
  });

  it("prints a table through !ewmda.active and !ewmda_active", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: NTDLL_SYMBOLS })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["ntdll!RtlAllocateHeap+0x40", "app!worker+0x20"] })
      .thread({ tid: 0x2c8, frames: ["app!worker+0x60"] })
      .build();
    const { dbg } = loadEwmda(t.spec);
    const dotted = dbg.execute("!ewmda.active");
    expect(dbg.execute("!ewmda_active")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
    expect(dbg.execute("!ewmda_active \"all\"").some((l) => l.includes("SystemCall"))).toBe(true);
  });

  it("gives the same answers under the other reading of every unconfirmed provider behaviour", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!main+0x20"] })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x20"] })
      .build();
    const simplify = (rows: Row[]) => rows.map((r) => ({ ...r, IP: r.IP === undefined ? undefined : big(r.IP), Thread: r.Thread === undefined ? undefined : Number(r.Thread) }));
    expect(simplify(active(t.spec, undefined, ALTERNATE_VARIANT).rows)).toEqual(simplify(active(t.spec).rows));
  });
});

describe.each(["win10-1607", "win11-22h2"] as KernelBuild[])("ActiveThreads on a kernel target (%s)", (build) => {
  const target = () => kernelTarget({ build, processors: 3 })
    .driver({ name: "mydrv.sys", symbols: { Loop: 0x2000 } })
    .process({ pid: 0x1a4, name: "app.exe" })
    .thread({ tid: 0x1a8, running: 1, frames: ["nt!KiFreezeTargetExecution+0x110", "nt!KeAcquireSpinLockRaiseToDpc+0x10", "mydrv!Loop+0x30"] })
    .thread({ tid: 0x1ac, state: "Ready", frames: ["nt!KiSwapContext+0x76", "mydrv!Loop+0x80"] })
    .thread({ tid: 0x1b0 })
    .build();

  it("lists running and ready threads from KTHREAD.State, below the freeze frames, with the processor", () => {
    const { rows, summary } = active(target().spec);
    const run = rows.find((r) => r.Thread === 0x1a8)!;
    expect([run.State, run.TopFrame, run.Caller, run.Processor, run.Process, run.Check, run.Verdict])
      .toEqual(["Running", "nt!KeAcquireSpinLockRaiseToDpc+0x10", "mydrv!Loop+0x30", 1, "app.exe (0x1a4)", "state", "Positive"]);
    expect(String(run.Evidence)).toMatch(/the processor was frozen for the dump/);
    const ready = rows.find((r) => r.Thread === 0x1ac)!;
    expect([ready.State, ready.Verdict, ready.Processor]).toEqual(["Ready", "Info", undefined]);
    expect(rows.find((r) => r.State === "BugCheck")!.Verdict).toBe("Info");
    expect(rows.some((r) => r.Thread === 0x1b0)).toBe(false);
    // System's thread and app.exe's three (Idle's threads are left out).
    expect(summary).toBe("ActiveThreads: 1 running, 1 ready among 4 threads; the bugcheck thread left out");
  });

  it("adds the processors' idle threads with All, and filters by module", () => {
    const all = active(target().spec, "Debugger.Utility.Ewmda.ActiveThreads(\"all\")").rows;
    expect(all.filter((r) => r.State === "Idle").map((r) => r.Processor)).toEqual([0, 1, 2]);
    expect(String(all.find((r) => r.State === "Idle" && r.Processor === 2)!.Evidence)).toMatch(/running: the processor was idle/);
    const mod = active(target().spec, "Debugger.Utility.Ewmda.ActiveThreads(new { Module = \"mydrv\" })").rows;
    expect(mod.filter((r) => r.Thread !== undefined).map((r) => r.Thread)).toEqual([0x1a8, 0x1ac]);
  });
});

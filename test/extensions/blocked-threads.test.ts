import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, type TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel, kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function blocked(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.BlockedThreads()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

/** A target with the OS functions real wait stacks go through (RVAs are arbitrary but distinct). */
function osTarget(options: Parameters<typeof userTarget>[0] = {}): UserTargetBuilder {
  return userTarget(options)
    .module({ name: "ntdll.dll", symbols: {
      NtWaitForSingleObject: 0x9d4c0, NtWaitForMultipleObjects: 0x9e0b0, NtDelayExecution: 0x9d8a0, NtRemoveIoCompletion: 0x9d600,
      NtWaitForAlertByThreadId: 0x9f000, NtWaitForWorkViaWorkerFactory: 0x9f100, NtAlpcSendWaitReceivePort: 0x9f200, NtReadFile: 0x9f300,
      RtlpWaitOnCriticalSection: 0x20000, RtlpEnterCriticalSectionContended: 0x20400, RtlEnterCriticalSection: 0x20800,
      RtlAcquireSRWLockExclusive: 0x21000, TppWorkerThread: 0x30000, TppWaiterpThread: 0x31000, RtlUserThreadStart: 0x5aa40,
    } })
    .module({ name: "kernelbase.dll", symbols: { WaitForSingleObjectEx: 0x2f000, SleepEx: 0x31000, ReadFile: 0x32000, GetQueuedCompletionStatus: 0x33000 } })
    .module({ name: "win32u.dll", symbols: { NtUserGetMessage: 0x1100, NtUserWaitMessage: 0x1200, NtUserMessageCall: 0x1300 } })
    .module({ name: "user32.dll", symbols: {
      GetMessageW: 0x2000, MessageBoxW: 0x3000, MessageBoxTimeoutW: 0x3100, SoftModalMessageBox: 0x3200, DialogBox2: 0x3300,
      SendMessageW: 0x4000, SendMessageWorker: 0x4100,
    } })
    .module({ name: "rpcrt4.dll", symbols: { NdrClientCall3: 0x5000, "LRPC_CCALL::SendReceive": 0x5100, "LRPC_ADDRESS::WaitForCalls": 0x5200 } });
}

const START = ["kernel32!BaseThreadInitThunk+0x14", "ntdll!RtlUserThreadStart+0x21"];
const CS_WAIT = ["ntdll!NtWaitForAlertByThreadId+0x14", "ntdll!RtlpWaitOnCriticalSection+0x13e", "ntdll!RtlpEnterCriticalSectionContended+0x1c4", "ntdll!RtlEnterCriticalSection+0x42"];
const POOL_IDLE = ["ntdll!NtWaitForWorkViaWorkerFactory+0x14", "ntdll!TppWorkerThread+0x2f4", ...START];

describe("BlockedThreads: what it finds", () => {
  it("reports threads behind a critical section as Suspicious, with the blocking function and the contention", () => {
    const t = osTarget()
      .thread({ tid: 0x1a4, frames: [...CS_WAIT, "app!main+0x40"] })
      .thread({ tid: 0x2b0, frames: [...CS_WAIT, "app!main+0x40"] })
      .thread({ tid: 0x2c8, frames: POOL_IDLE })
      .build();
    const { rows, summary } = blocked(t.spec);
    expect(rows.map((r) => [r.Thread, r.Category, r.WaitFunction, r.BlockingFunction, r.SameWait, r.MainThread, r.Verdict])).toEqual([
      [0x1a4, "critical-section", "ntdll!RtlpWaitOnCriticalSection+0x13e", "app!main+0x40", 2, true, "Suspicious"],
      [0x2b0, "critical-section", "ntdll!RtlpWaitOnCriticalSection+0x13e", "app!main+0x40", 2, false, "Suspicious"],
    ]);
    expect(rows[0]!.Evidence).toBe("ntdll!RtlpWaitOnCriticalSection+0x13e in frame 1, called from app!main+0x40; 2 threads wait here; the main thread; ~~[0x1a4]kn; !cs -l (locked critical sections and owners)");
    expect(rows[0]!.TopFrames).toBe([...CS_WAIT, "app!main+0x40"].join(" <- "));
    expect(rows[0]!.Source).toBe("heuristic");
    expect(summary).toBe("BlockedThreads: 2 blocked (2 suspicious) among 3 threads; 1 idle (1 thread-pool-idle), 0 not waiting");
  });

  it("leaves idle reference stacks out and says how many, by kind", () => {
    const t = osTarget()
      .thread({ tid: 0x1a4, frames: ["win32u!NtUserGetMessage+0x14", "user32!GetMessageW+0x2e", "app!main+0x90"] })
      .thread({ tid: 0x2b0, frames: POOL_IDLE })
      .thread({ tid: 0x2c8, frames: ["ntdll!NtWaitForMultipleObjects+0x14", "ntdll!TppWaiterpThread+0x3c1", ...START] })
      .thread({ tid: 0x2d0, frames: ["ntdll!NtAlpcSendWaitReceivePort+0x14", "rpcrt4!LRPC_ADDRESS::WaitForCalls+0x60", ...START] })
      .thread({ tid: 0x2d4, frames: ["ntdll!NtRemoveIoCompletion+0x14", "kernelbase!GetQueuedCompletionStatus+0x40", "app!worker+0x20"] })
      .build();
    const { rows } = blocked(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(rows[0]!.Evidence).toBe("0 blocked threads among 5 (5 idle (1 io-completion, 1 message-loop, 1 rpc-listen, 1 sync-object (idle function ntdll!TppWaiterpThread), 1 thread-pool-idle), 0 not waiting; ~*k, !uniqstack)");
  });

  it("lists idle threads too with IncludeIdle", () => {
    const t = osTarget().thread({ tid: 0x1a4, frames: POOL_IDLE }).build();
    for (const expr of ["Debugger.Utility.Ewmda.BlockedThreads(new { IncludeIdle = true })", "Debugger.Utility.Ewmda.BlockedThreads(\"includeidle\")"]) {
      const { rows } = blocked(t.spec, expr);
      expect(rows.map((r) => [r.Thread ?? "", r.Category ?? "", r.Verdict])).toEqual([[0x1a4, "thread-pool-idle", "Info"], ["", "", "Negative"]]);
      expect(String(rows[0]!.Evidence)).toContain("idle reference stack (thread-pool-idle)");
    }
  });

  it("sees the message box behind the message wait of its modal loop", () => {
    const t = osTarget()
      .thread({ tid: 0x1a4, frames: ["win32u!NtUserWaitMessage+0x14", "user32!DialogBox2+0x257", "user32!SoftModalMessageBox+0x72a", "user32!MessageBoxTimeoutW+0x1a9", "user32!MessageBoxW+0x4e", "app!main+0x60"] })
      .build();
    const r = blocked(t.spec).rows[0]!;
    expect([r.Category, r.WaitFunction, r.BlockingFunction, r.Verdict]).toEqual(["message-box", "user32!DialogBox2+0x257", "app!main+0x60", "Suspicious"]);
    expect(String(r.Evidence)).toContain("~~[0x1a4]kv (the text is MessageBox's second argument)");
  });

  it("classifies sent messages, SRW locks, RPC calls as hang waits and sleeps, I/O and events as Info", () => {
    const t = osTarget()
      .thread({ tid: 0x10, frames: ["win32u!NtUserMessageCall+0x14", "user32!SendMessageWorker+0x1b4", "user32!SendMessageW+0x5c", "app!main+0x10"] })
      .thread({ tid: 0x14, frames: ["ntdll!NtWaitForAlertByThreadId+0x14", "ntdll!RtlAcquireSRWLockExclusive+0x1f0", "app!worker+0x10"] })
      .thread({ tid: 0x18, frames: ["ntdll!NtAlpcSendWaitReceivePort+0x14", "rpcrt4!LRPC_CCALL::SendReceive+0x98", "rpcrt4!NdrClientCall3+0x9d0", "app!worker+0x30"] })
      .thread({ tid: 0x1c, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9e", "app!worker+0x40"] })
      .thread({ tid: 0x20, frames: ["ntdll!NtReadFile+0x14", "kernelbase!ReadFile+0x73", "app!worker+0x50"] })
      .thread({ tid: 0x24, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!worker+0x60"] })
      .build();
    const { rows, summary } = blocked(t.spec);
    expect(rows.map((r) => [r.Thread, r.Category, r.BlockingFunction, r.Verdict])).toEqual([
      [0x10, "message-send", "app!main+0x10", "Suspicious"],
      [0x14, "srw-lock", "app!worker+0x10", "Suspicious"],
      [0x18, "rpc-call", "app!worker+0x30", "Suspicious"],
      [0x1c, "sleep", "app!worker+0x40", "Info"],
      [0x20, "io", "app!worker+0x50", "Info"],
      [0x24, "sync-object", "app!worker+0x60", "Info"],
    ]);
    expect(summary).toContain("6 blocked (3 suspicious) among 6 threads");
  });

  it("says when no frame outside the OS modules decided to wait", () => {
    const t = osTarget().thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", ...START] }).build();
    const r = blocked(t.spec).rows[0]!;
    expect(r.BlockingFunction).toBeUndefined();
    expect(String(r.Evidence)).toContain("no caller outside the OS modules");
  });

  it("uses the configured idle functions and hang categories", () => {
    const t = osTarget().thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!worker+0x20"] }).build();
    const { dbg } = loadEwmda(t.spec);
    expect(rowsOf(dbg.dx("Debugger.Utility.Ewmda.BlockedThreads()")).map((r) => r.Verdict)).toEqual(["Info"]);
    dbg.dx("Debugger.Utility.Ewmda.Config.BlockedThreads.HangCategories = \"sync-object\"");
    expect(rowsOf(dbg.dx("Debugger.Utility.Ewmda.BlockedThreads()")).map((r) => r.Verdict)).toEqual(["Suspicious"]);
    dbg.dx("Debugger.Utility.Ewmda.Config.BlockedThreads.IdleFunctions = \"app!worker\"");
    expect(rowsOf(dbg.dx("Debugger.Utility.Ewmda.BlockedThreads()")).map((r) => r.Verdict)).toEqual(["Negative"]);
  });

  it("leaves out the dump writer and threads that are not waiting", () => {
    const t = osTarget().module({ name: "dbgcore.dll", symbols: { MiniDumpWriteDump: 0x1000 } })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "dbgcore!MiniDumpWriteDump+0x44", "app!main+0x10"] })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x20", ...START] })
      .build();
    const { rows, summary } = blocked(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(rows[0]!.Evidence)).toContain("(0 idle, 1 not waiting, 1 dump writer;");
    expect(summary).toContain("0 blocked (0 suspicious) among 2 threads");
  });
});

describe("BlockedThreads: missing data and bad input", () => {
  it("counts threads it cannot classify without ntdll symbols, and says how to fix it", () => {
    const t = userTarget({ ntdllSymbols: false })
      .module({ name: "ntdll.dll", symbols: false, exports: {} })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "ntdll!RtlUserThreadStart+0x21"] })
      .build();
    const { rows } = blocked(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info", "Negative"]);
    expect(rows[0]!.Evidence).toBe("1 thread(s) could not be classified: 0x1a4 (no symbols for the top frame (ntdll+0x9d4d4)) (.reload /f ntdll.dll, then ~*k)");
    expect(String(rows[1]!.Evidence)).toContain("1 unclassified");
  });

  it("still classifies from kernelbase when ntdll has no symbols", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: false, exports: {} })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!worker+0x20"] })
      .build();
    const r = blocked(t.spec).rows[0]!;
    expect([r.Category, r.WaitFunction, r.BlockingFunction]).toEqual(["sync-object", "kernelbase!WaitForSingleObjectEx+0x8e", "app!worker+0x20"]);
  });

  it("works on x86 with the same rules", () => {
    const t = osTarget({ arch: "x86" })
      .thread({ tid: 0x10, frames: [...CS_WAIT, "app!main+0x40"] })
      .thread({ tid: 0x14, frames: POOL_IDLE })
      .build();
    const { rows } = blocked(t.spec);
    expect(rows.map((r) => [r.Thread, r.Category, r.Verdict])).toEqual([[0x10, "critical-section", "Suspicious"]]);
  });

  it("rejects nonsense options with a message", () => {
    const t = userTarget().build();
    const bad = blocked(t.spec, "Debugger.Utility.Ewmda.BlockedThreads(\"everything\")").rows;
    expect(bad.map((r) => [r.Verdict, r.Evidence])).toEqual([["Info", "unknown option \"everything\" (options: IncludeIdle)"]]);
  });
});

describe("BlockedThreads: faces", () => {
  it("prints a table through !ewmda.blocked and !ewmda_blocked", () => {
    const t = osTarget()
      .thread({ tid: 0x1a4, frames: [...CS_WAIT, "app!main+0x40"] })
      .thread({ tid: 0x2b0, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9e", "app!worker+0x40"] })
      .thread({ tid: 0x2c8, frames: POOL_IDLE })
      .build();
    const { dbg } = loadEwmda(t.spec);
    const dotted = dbg.execute("!ewmda.blocked");
    expect(dbg.execute("!ewmda_blocked")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });

  it("gives the same answers under the other reading of every unconfirmed provider behaviour", () => {
    const t = osTarget().thread({ tid: 0x1a4, frames: [...CS_WAIT, "app!main+0x40"] }).thread({ tid: 0x2b0, frames: POOL_IDLE }).build();
    const simplify = (rows: Row[]) => rows.map((r) => ({ ...r, Thread: r.Thread === undefined ? undefined : Number(r.Thread) }));
    expect(simplify(blocked(t.spec, undefined, ALTERNATE_VARIANT).rows)).toEqual(simplify(blocked(t.spec).rows));
  });
});

describe.each(["win10-1607", "win11-22h2"] as KernelBuild[])("BlockedThreads on a kernel target (%s)", (build) => {
  // Tick 0x50000; WaitTime 0x50000 - 64 * 100 ticks = 100 s of waiting at 15.625 ms a tick.
  const LONG = 0x50000 - 6400;
  const chain = () => kernelTarget({ build, tickCount: 0x50000n })
    .driver({ name: "mydrv.sys", symbols: { Worker: 0x1000 } })
    .process({ pid: 0x1a4, name: "app.exe" })
    .thread({ tid: 0x1a8, label: "owner", state: "Waiting", waitReason: "WrResource", waitTime: LONG,
      frames: ["nt!KiSwapContext+0x76", "nt!KiSwapThread+0x12", "nt!ExpWaitForResource+0x20", "mydrv!Worker+0x40"] })
    .thread({ tid: 0x1ac, state: "Waiting", waitReason: "UserRequest", waitTime: LONG, waitOn: ["lock"],
      frames: ["nt!KiSwapContext+0x76", "nt!KeWaitForSingleObject+0x40"] })
    .thread({ tid: 0x1b0, state: "Waiting", waitReason: "UserRequest", waitTime: LONG, waitOn: ["lock"] })
    .thread({ tid: 0x1b4, state: "Waiting", waitReason: "WrQueue", waitTime: LONG })
    .thread({ tid: 0x1b8, state: "Waiting", waitReason: "WrPushLock", waitTime: 0x50000 - 100 })
    .object({ label: "lock", type: "Mutant", name: "\\BaseNamedObjects\\AppLock", owner: "owner" })
    .process({ pid: 0x2c0, name: "other.exe" })
    .build();

  it("reports lock waits and mutant waits with age, objects and the owner's own wait", () => {
    const t = chain();
    const { rows, summary } = blocked(t.spec);
    const by = (tid: number) => rows.find((r) => r.Thread === tid)!;
    expect(rows.filter((r) => r.Thread !== undefined).map((r) => r.Thread)).toEqual([0x1a8, 0x1ac, 0x1b0]);
    expect([by(0x1a8).Category, by(0x1a8).WaitReason, by(0x1a8).WaitSeconds, by(0x1a8).Process, by(0x1a8).Verdict])
      .toEqual(["resource", "WrResource", 100, "app.exe (0x1a4)", "Suspicious"]);
    expect([by(0x1a8).WaitFunction, by(0x1a8).BlockingFunction]).toEqual(["nt!ExpWaitForResource+0x20", "mydrv!Worker+0x40"]);
    const m = by(0x1ac);
    expect([m.Category, m.WaitReason, m.SameWait, m.Verdict]).toEqual(["mutant", "UserRequest", 2, "Suspicious"]);
    expect(m.WaitObjects).toBe("Mutant ffffa000`" + (t.addresses.object("lock") & 0xffffffffn).toString(16).padStart(8, "0") + " \\BaseNamedObjects\\AppLock");
    expect(m.Owner).toBe("0x1a8 of app.exe (0x1a4), itself waiting (WrResource): a wait chain");
    expect(m.WaitFunction).toBe("nt!KeWaitForSingleObject+0x40");
    expect(String(m.Evidence)).toContain("2 threads wait on the same object");
    // System's running thread, app.exe's five, other.exe's one; the WrQueue worker is idle; the push-lock wait
    // (100 ticks, 1.6 s) and other.exe's default wait (a few seconds) are too young.
    expect(summary).toBe("BlockedThreads: 3 blocked thread(s) among 7 threads of 3 processes; 6 waiting, 1 in idle waits (1 WrQueue), 2 waiting less than 60 s");
  });

  it("stops walking stacks at MaxStacks and says which rows lack them, the rows themselves stay", () => {
    const t = chain();
    const { dbg } = loadEwmda(t.spec);
    const whole = rowsOf(dbg.dx("Debugger.Utility.Ewmda.BlockedThreads()")) as Record<string, unknown>[];
    expect(whole.some((r) => /MaxStacks/.test(String(r.Evidence)))).toBe(false);
    expect(whole.find((r) => r.Thread === 0x1ac)!.TopFrames).toBeDefined();
    dbg.dx("Debugger.Utility.Ewmda.Config.BlockedThreads.MaxStacks = 1");
    const cut = rowsOf(dbg.dx("Debugger.Utility.Ewmda.BlockedThreads()")) as Record<string, unknown>[];
    expect(cut.filter((r) => r.Thread !== undefined).map((r) => r.Thread)).toEqual([0x1a8, 0x1ac, 0x1b0]);
    expect(cut.find((r) => r.Thread === 0x1a8)!.TopFrames).toMatch(/^nt!KiSwapContext\+0x76/);
    expect(cut.find((r) => r.Thread === 0x1ac)!.TopFrames).toBeUndefined();
    expect(String(cut.find((r) => r.Thread === undefined && r.Verdict === "Info")!.Evidence))
      .toMatch(/^2 thread stack\(s\) not read \(MaxStacks = 1\); the rows without TopFrames were not walked/);
  });

  it("lists the other long waits with IncludeIdle, and selects by process and by module", () => {
    const t = chain();
    const all = blocked(t.spec, "Debugger.Utility.Ewmda.BlockedThreads(new { IncludeIdle = true })").rows;
    expect(all.find((r) => r.Thread === 0x1b4)!.Verdict).toBe("Info");
    const other = blocked(t.spec, "Debugger.Utility.Ewmda.BlockedThreads(\"process=other*\")").rows;
    expect(other.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(other[0]!.Evidence)).toMatch(/^0 blocked threads among 1 threads of 1 processes \(process other\*\)/);
    const mod = blocked(t.spec, "Debugger.Utility.Ewmda.BlockedThreads(new { Module = \"mydrv\" })").rows;
    expect(mod.filter((r) => r.Thread !== undefined).map((r) => r.Thread)).toEqual([0x1a8]);
  });

  it("answers Negative on a kernel target where no thread is blocked, and Info on a user dump-like refusal of bad options", () => {
    const { rows } = blocked(emptyKernel({ build }).spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(rows[0]!.Evidence)).toMatch(/^0 blocked threads among 1 threads of 1 processes/);
    const bad = blocked(emptyKernel({ build }).spec, "Debugger.Utility.Ewmda.BlockedThreads(\"process=\")").rows;
    expect(bad.map((r) => r.Verdict)).toEqual(["Negative"]);
    const worse = blocked(emptyKernel({ build }).spec, "Debugger.Utility.Ewmda.BlockedThreads(\"loudly\")").rows;
    expect(String(worse[0]!.Evidence)).toBe("unknown option \"loudly\" (options: IncludeIdle, Process, Module)");
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(chain().spec);
    expect(dbg.execute("!ewmda.blocked")).toMatchSnapshot();
  });
});

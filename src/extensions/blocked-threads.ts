import { defineAnalysis, type Row, type RunContext } from "../lib/analysis";
import { addressKey, isNull, Kernel, readKernelOptions, STATE, type KThread, type WaitBlockInfo } from "../lib/kernel";
import { framesText, KernelStacks, problemsText, processLabel, selectKernelThreads, threadCommand, tidText } from "../lib/kernel-threads";
import { frameMatches, hexId, stackCommand } from "../lib/stack-filter";
import type { FrameInfo } from "../lib/stacks";
import { DUMP_WRITER_FUNCTIONS, findFrame, firstNonSystemFrame, framePatterns, readFlags, SYSTEM_MODULES } from "../lib/thread-activity";
import { classifyWait, IDLE_CATEGORIES, type WaitClass } from "../lib/wait-classes";
import { notAvailable, Unavailable, type Source } from "../lib/values";

/**
 * Blocked Thread (software, user part): threads waiting in a way that stops progress (a lock, an
 * IPC reply, a window message, a message box, I/O), with the function that decided to wait.
 *
 * The pattern: almost every thread waits; what matters is a wait that differs from the thread's normal
 * (reference) stack. Thread-pool workers waiting for work, message loops, RPC listeners and I/O
 * completion waits are idle, not blocked. What is left, a thread in a critical section, an SRW lock, an
 * ALPC/RPC call, a SendMessage or a message box, usually explains a hang; sync-object, I/O and sleep
 * waits are context (they may be normal).
 *
 * Detection: each thread's top `Config.BlockedThreads.WaitDepth` frames are classified by the shared
 * wait rules (critical section, SRW lock, condition variable, address wait, sync object, I/O, ALPC,
 * RPC call, message send, message box, sleep, system call). Idle threads are left out and counted:
 * categories in `IdleCategories` (message loop, thread-pool idle, I/O completion, RPC listen), and
 * threads whose frames from the wait down to the blocking function match `IdleFunctions` (thread-pool
 * waiter threads, the service dispatcher, COM's cached RPC threads, CLR finalizer/debugger/thread-pool
 * threads). The blocking function is the first frame below the wait that is not OS plumbing
 * (`SystemModules`: ntdll, kernelbase, kernel32, win32u, user32, and rpcrt4/combase/ole32 around RPC
 * and COM calls): the caller that decided to wait. Dump-writer threads (ActiveThreads'
 * DumpWriterFunctions) are left out. Threads that wait at the same place are counted (SameWait):
 * several threads behind one critical section is contention.
 *
 * Verdict: Suspicious for `HangCategories` (critical section, SRW lock, message send, message box,
 * ALPC, RPC call), Info for the other waits, Negative when no thread is blocked.
 *
 * False positives: user dumps carry no wait times, so a wait that had just begun looks the same as one
 * that lasted minutes (take a second dump: Step Dumps). Without symbols for ntdll the wait cannot be
 * classified (the thread is counted as unclassified). A product's own idle threads (a worker waiting on
 * its queue event) show as sync-object waits until their blocking function is added to IdleFunctions.
 *
 * Kernel and complete dumps: every thread of every process (what `!process 0 17` and `!stacks 2` show)
 * that is Waiting (KTHREAD.State) for at least `BlockedSeconds` (wait age from KTHREAD.WaitTime and
 * nt!KeTickCount, converted with nt!KeMaximumIncrement), leaving out the idle wait reasons
 * (`KernelIdleWaitReasons`: WrQueue worker and completion-port waits, ALPC servers, GUI message waits).
 * Wait reason and state names come from the _KWAIT_REASON / _KTHREAD_STATE enums in the symbols (a
 * built-in table when the symbols lack them). The wait blocks name the objects (dispatcher type,
 * address, object name, and the owner of a mutant with its own state). Suspicious: a wait reason in
 * `KernelHangReasons` (ERESOURCE, push lock, fast/guarded mutex, keyed event, alert-by-thread-id locks,
 * ALPC reply), a mutant owned by another thread, or a user-mode frame classified as a hang category;
 * threads whose user frames show an idle wait (thread pool, message loop) are idle. Stacks are read for
 * the reported threads only (`MaxStacks`), wait blocks for at most `MaxWaitDetails` threads.
 *
 * Options (a dx object `new { IncludeIdle = true }` or the string `"includeidle"`): IncludeIdle also
 * lists the idle threads (Verdict Info); on kernel targets it also lists the other long waits. Kernel
 * targets also take `Process` (a pid or an image-name pattern, `"process=svchost*"`) and `Module` (only
 * threads with a frame in that module, `"module=mydrv"`).
 *
 * @function BlockedThreads
 * @memberof Ewmda
 * @param {object|string} [options] `IncludeIdle` (bool): also list idle threads; `Process` (kernel: pid or image name), `Module` (kernel: a frame's module); or a string such as `"includeidle"`, `"process=svchost*"`.
 * @returns {ResultSet} One row per blocked thread: Thread, Category, WaitFunction, BlockingFunction, SameWait, MainThread, TopFrames, Verdict, Evidence, Source.
 * @example dx @$ewmda.BlockedThreads()
 * @example dx -g @$ewmda.BlockedThreads().Where(r => r.Category == "critical-section")
 * @example dx @$ewmda.BlockedThreads(new { IncludeIdle = true })
 * @example dx @$ewmda.BlockedThreads(new { Process = "svchost*", Module = "mydrv" })
 * @example !ewmda.blocked
 */
export const blockedThreads = defineAnalysis({
  meta: {
    name: "BlockedThreads",
    command: "blocked",
    summary: "Threads blocked in a lock, IPC call, window message, message box, I/O or other wait, idle threads left out",
    patterns: ["Blocked Thread (software)"],
    targets: "any",
    version: "1.1.0",
    params: [{ name: "options", help: "IncludeIdle: also list idle threads; Process, Module (kernel); or a string such as \"includeidle\"", optional: true }],
    options: [
      { name: "IncludeIdle", type: "bool", help: "also list the idle threads (thread-pool workers, message loops, RPC listeners, I/O completion waits)" },
      { name: "Process", type: "string", help: "kernel targets: only this process (pid, or image name with * wildcards)" },
      { name: "Module", type: "string", help: "kernel targets: only threads with a frame in this module" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "Category", type: "string", help: "What the thread waits for: critical-section, srw-lock, condition-variable, address-wait, sync-object, io, alpc, rpc-call, message-send, message-box, sleep, system-call (or an idle category)" },
      { name: "WaitFunction", type: "string", help: "The frame that decided the category (the wait API)" },
      { name: "BlockingFunction", type: "string", help: "The first frame below the wait that is not OS plumbing: the code that decided to wait" },
      { name: "SameWait", type: "int", help: "Threads (this one included) waiting in the same category at the same blocking function" },
      { name: "MainThread", type: "bool", help: "The process's first thread (usually the main or UI thread)", sparse: true },
      { name: "TopFrames", type: "string", help: "Frames from the top down to the blocking function", table: false },
      { name: "Process", type: "string", help: "Kernel targets: the thread's process, name (pid)", sparse: true },
      { name: "WaitReason", type: "string", help: "Kernel targets: KTHREAD.WaitReason by its _KWAIT_REASON name", sparse: true },
      { name: "WaitSeconds", type: "int", help: "Kernel targets: seconds since the wait began (KeTickCount - WaitTime)", sparse: true },
      { name: "WaitObjects", type: "string", help: "Kernel targets: the objects of the wait blocks: type, address, name", sparse: true },
      { name: "Owner", type: "string", help: "Kernel targets: the thread owning the mutant waited on, and what it does", sparse: true },
    ],
    settings: {
      WaitDepth: {
        default: 10,
        help: "Frames from the top examined to classify a wait",
        reason: "wait APIs sit in the top few frames; a deeper look starts matching the callers' own waits",
      },
      IdleCategories: {
        default: IDLE_CATEGORIES,
        help: "Wait categories that are a thread's normal idle state (left out)",
        reason: "message loops, thread-pool workers waiting for work, I/O completion ports and RPC listeners wait by design",
      },
      IdleFunctions: {
        default: [
          "ntdll!TppWorkerThread", "ntdll!TppWaiterpThread", "sechost!ScDispatcherLoop", "*!CRpcThreadCache::RpcWorkerThreadEntry",
          "*clr!FinalizerThread::*", "*clr!DebuggerRCThread::*", "*clr!ThreadpoolMgr::*",
        ],
        help: "Frame patterns (module!function, * wildcards) that mark an idle wait when they appear between the wait and the blocking function",
        reason: "thread-pool waiter threads, the service control dispatcher, COM's cached RPC threads and CLR service threads wait for work; add your product's reference stacks here",
      },
      SystemModules: {
        default: SYSTEM_MODULES,
        help: "Modules (symbol names, * wildcards) skipped when looking for the blocking function",
        reason: "ntdll, kernelbase, kernel32, win32u and user32 implement the wait; rpcrt4, combase, ole32 and WOW64 carry the call; the caller below them decided to wait",
      },
      BlockedSeconds: {
        default: 60,
        help: "Kernel targets: seconds a thread must have waited to be reported",
        reason: "a wait of a minute outlasts every normal lock hold and I/O; shorter waits are normal traffic (patterns.md §3)",
      },
      KernelIdleWaitReasons: {
        default: ["WrQueue", "WrLpcReceive", "WrUserRequest", "WrCalloutStack"],
        help: "Kernel targets: wait reasons that are a thread's idle state (left out)",
        reason: "worker and I/O completion threads wait on queues, ALPC servers wait for requests and GUI threads for messages by design",
      },
      KernelHangReasons: {
        default: ["WrResource", "WrPushLock", "WrMutex", "WrFastMutex", "WrGuardedMutex", "WrKeyedEvent", "WrAlertByThreadId", "WrLpcReply", "WrRundown"],
        help: "Kernel targets: wait reasons reported as Suspicious (locks and replies someone else must give)",
        reason: "ERESOURCE, push lock, mutex, keyed event and alert-by-thread-id waits are lock waits (user critical sections and SRW locks wait by thread id); an ALPC reply wait depends on the server",
      },
      MaxStacks: {
        default: 256,
        help: "Kernel targets: thread stacks read per call (reported threads only)",
        reason: "each stack costs a walk by the debugger; the rows keep their wait data without it",
      },
      MaxWaitDetails: {
        default: 4096,
        help: "Kernel targets: waiting threads whose wait blocks and objects are read",
        reason: "a wait block costs three reads; thousands of threads on a server stay within a few seconds",
      },
      HangCategories: {
        default: ["critical-section", "srw-lock", "message-send", "message-box", "alpc", "rpc-call"],
        help: "Wait categories reported as Suspicious (the rest are Info)",
        reason: "waits on locks, cross-thread and cross-process calls and modal UI are the usual cause of a hang; sync-object, I/O and sleep waits are often normal",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    if (t.isKernel()) {
      yield* kernelBlocked(ctx, args);
      return;
    }
    const flags = readFlags(args[0], ["IncludeIdle"]);
    if (typeof flags === "string") {
      ctx.summary("BlockedThreads: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    const idleFunctions = framePatterns(cfg.IdleFunctions);
    const writerList = ctx.config.ActiveThreads ? (ctx.config.ActiveThreads.DumpWriterFunctions as readonly string[]) : DUMP_WRITER_FUNCTIONS;
    const writers = framePatterns(writerList || DUMP_WRITER_FUNCTIONS);
    const threads = t.threads();
    const firstId = threads.length ? threads[0]!.id : undefined;

    interface Found { id: number; wc: WaitClass; frames: readonly FrameInfo[]; blocking: FrameInfo | undefined; key: string }
    const blocked: Found[] = [];
    const idle: { [category: string]: number } = {};
    const idleRows: Row[] = [];
    const unclassified: string[] = [];
    let running = 0;
    let writerCount = 0;
    for (const thread of threads) {
      const stack = t.threadStack(thread);
      if (findFrame(stack, writers)) { writerCount++; continue; }
      const wc = classifyWait(stack, cfg.WaitDepth);
      const frames = Array.isArray(stack.frames) ? (stack.frames as readonly FrameInfo[]) : [];
      if (wc.category === "running") { running++; continue; }
      if (wc.category === "unknown" || !wc.frame) { unclassified.push(hexId(thread.id) + " (" + wc.reason + ")"); continue; }
      const blocking = firstNonSystemFrame(frames, wc.frame.index + 1, cfg.SystemModules);
      let idleWhy: string | undefined;
      if (cfg.IdleCategories.indexOf(wc.category) >= 0) idleWhy = wc.category;
      else {
        const last = blocking ? blocking.index : frames.length - 1;
        for (let i = wc.frame.index; i <= last && !idleWhy; i++) {
          const f = frames[i]!;
          if (idleFunctions.some((p) => frameMatches(f, p))) idleWhy = "idle function " + f.func;
        }
      }
      if (idleWhy) {
        const label = wc.category + (idleWhy === wc.category ? "" : " (" + idleWhy + ")");
        idle[label] = (idle[label] || 0) + 1;
        if (flags.IncludeIdle) {
          idleRows.push(blockedRow(thread.id, wc, frames, blocking, 1, thread.id === firstId, "Info",
            "idle reference stack (" + idleWhy + "): " + wc.frame.symbol + " in frame " + wc.frame.index + "; " + stackCommand(thread.id)));
        }
        continue;
      }
      const key = wc.category + "|" + (blocking ? blocking.func : wc.frame.func);
      blocked.push({ id: thread.id, wc, frames, blocking, key });
    }

    const same: { [key: string]: number } = {};
    for (const b of blocked) same[b.key] = (same[b.key] || 0) + 1;
    let suspicious = 0;
    for (const b of blocked) {
      const hang = cfg.HangCategories.indexOf(b.wc.category) >= 0;
      if (hang) suspicious++;
      const n = same[b.key]!;
      const main = b.id === firstId;
      const evidence = b.wc.frame!.symbol + " in frame " + b.wc.frame!.index +
        (b.blocking ? ", called from " + b.blocking.symbol : ", no caller outside the OS modules") +
        (n > 1 ? "; " + n + " threads wait here" : "") + (main ? "; the main thread" : "") + "; " + command(b.id, b.wc.category);
      yield blockedRow(b.id, b.wc, b.frames, b.blocking, n, main, hang ? "Suspicious" : "Info", evidence);
    }
    for (const r of idleRows) yield r;

    const idleTotal = Object.keys(idle).reduce((s, k) => s + idle[k]!, 0);
    const idleText = idleTotal + " idle" + (idleTotal ? " (" + Object.keys(idle).sort().map((k) => idle[k] + " " + k).join(", ") + ")" : "");
    const counts = idleText + ", " + running + " not waiting" + (writerCount ? ", " + writerCount + " dump writer" : "") +
      (unclassified.length ? ", " + unclassified.length + " unclassified" : "");
    if (unclassified.length) {
      yield info(unclassified.length + " thread(s) could not be classified: " + unclassified.slice(0, 6).join("; ") + (unclassified.length > 6 ? "; ..." : "") +
        " (.reload /f ntdll.dll, then ~*k)", "heuristic");
    }
    if (blocked.length === 0) {
      yield { Verdict: "Negative", Source: "heuristic", Evidence: "0 blocked threads among " + threads.length + " (" + counts + "; ~*k, !uniqstack)" };
    }
    ctx.summary("BlockedThreads: " + blocked.length + " blocked (" + suspicious + " suspicious) among " + threads.length + " threads; " + counts);
  },

  rowText(row) {
    if (row.Category === undefined) return row.Verdict + ": " + row.Evidence;
    if (row.WaitReason !== undefined) return hexId(row.Thread as number) + " " + String(row.Process) + " " + String(row.WaitReason) + " " + String(row.WaitSeconds) + " s";
    return hexId(row.Thread as number) + " " + String(row.Category) + " " + String(row.BlockingFunction ?? row.WaitFunction ?? "");
  },
});

function blockedRow(id: number, wc: WaitClass, frames: readonly FrameInfo[], blocking: FrameInfo | undefined, same: number, main: boolean,
  verdict: Row["Verdict"], evidence: string): Row {
  const last = blocking ? blocking.index : Math.min(frames.length - 1, wc.frame!.index + 4);
  return {
    Thread: id,
    Category: wc.category,
    WaitFunction: wc.frame ? wc.frame.symbol : undefined,
    BlockingFunction: blocking ? blocking.symbol : undefined,
    SameWait: same,
    MainThread: main,
    TopFrames: frames.slice(0, last + 1).map((f) => f.symbol).join(" <- "),
    Verdict: verdict,
    Evidence: evidence,
    Source: "heuristic",
  };
}

/** The classic command that shows more about a wait of this category. */
function command(id: number, category: string): string {
  const k = stackCommand(id);
  switch (category) {
    case "critical-section": return k + "; !cs -l (locked critical sections and owners)";
    case "srw-lock": return k + " (SRW locks record no owner: look for the thread inside the same code, StackTraces)";
    case "alpc": case "rpc-call": return k + " (the server thread is visible with !alpc in a kernel or complete dump)";
    case "message-send": return k + " (the receiving thread: MessageWaitChains)";
    case "message-box": return "~~[" + hexId(id) + "]kv (the text is MessageBox's second argument)";
    case "io": return k + "; !handle (the file or device)";
    default: return k;
  }
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

type Settings = {
  WaitDepth: number; IdleCategories: readonly string[]; IdleFunctions: readonly string[]; SystemModules: readonly string[];
  HangCategories: readonly string[]; BlockedSeconds: number; KernelIdleWaitReasons: readonly string[]; KernelHangReasons: readonly string[];
  MaxStacks: number; MaxWaitDetails: number;
};

/** Kernel category of a wait reason (the user categories take over when user frames say more). */
const REASON_CATEGORY: { readonly [reason: string]: string } = {
  WrResource: "resource", WrPushLock: "push-lock", WrMutex: "kernel-mutex", WrFastMutex: "kernel-mutex", WrGuardedMutex: "kernel-mutex",
  WrKeyedEvent: "keyed-event", WrAlertByThreadId: "address-wait", WrLpcReply: "alpc", WrLpcReceive: "alpc-receive", WrQueue: "queue",
  DelayExecution: "sleep", WrDelayExecution: "sleep", Suspended: "suspended", WrSuspended: "suspended", UserRequest: "sync-object",
  Executive: "sync-object", WrExecutive: "sync-object", WrUserRequest: "message-loop", FreePage: "memory", PageIn: "memory",
  WrFreePage: "memory", WrPageIn: "memory", WrPageOut: "memory", WrVirtualMemory: "memory", WrRundown: "rundown",
};

/**
 * Kernel targets: waiting threads of every process, their wait age, wait objects and mutant owners; the
 * stacks of the reported threads only.
 */
function* kernelBlocked(ctx: RunContext<Settings>, args: readonly unknown[]): Iterable<Row> {
  const t = ctx.target;
  const cfg = ctx.settings;
  const sel = readKernelOptions(args[0], ["IncludeIdle"]);
  if (typeof sel === "string") {
    ctx.summary("BlockedThreads: " + sel);
    yield info(sel, "heuristic");
    return;
  }
  const k = Kernel.of(t);
  const missing = k.missing();
  if (missing) {
    ctx.summary("BlockedThreads: kernel structures unavailable");
    yield info("BlockedThreads on a kernel target reads the process and thread lists: " + missing + " (!process 0 17)", "heuristic");
    return;
  }
  const set = selectKernelThreads(k, sel);
  const problems = problemsText(set.problems);
  if (problems) yield info(problems, "typed");
  const tick = k.tickCount();
  if (tick instanceof Unavailable) yield info("wait ages are unknown: " + tick.reason + "; every waiting thread is examined", "typed");
  const stacks = new KernelStacks(t, k, cfg.MaxStacks, sel);

  const idleCount: { [reason: string]: number } = {};
  let waiting = 0;
  let young = 0;
  interface Cand { th: KThread; reason: string; age: number | Unavailable; blocks: WaitBlockInfo[]; blockNote: string | undefined }
  const cands: Cand[] = [];
  let detailed = 0;
  for (const th of set.threads) {
    if (th.state !== STATE.Waiting) continue;
    waiting++;
    const reason = k.waitReasonName(th.waitReason) || "unreadable";
    const age = k.waitSeconds(th.waitTime);
    if (cfg.KernelIdleWaitReasons.indexOf(reason) >= 0 && !sel.flags.IncludeIdle) { idleCount[reason] = (idleCount[reason] || 0) + 1; continue; }
    if (typeof age === "number" && age < cfg.BlockedSeconds) { young++; continue; }
    let blocks: WaitBlockInfo[] = [];
    let blockNote: string | undefined;
    if (detailed < cfg.MaxWaitDetails) {
      detailed++;
      const w = k.waitBlocks(th, 8);
      blocks = w.blocks;
      blockNote = w.problem;
    } else blockNote = "wait blocks not read (MaxWaitDetails = " + cfg.MaxWaitDetails + ")";
    cands.push({ th, reason, age, blocks, blockNote });
  }

  const objectWaiters: { [object: string]: number } = {};
  for (const c of cands) for (const b of c.blocks) objectWaiters[addressKey(b.object)] = (objectWaiters[addressKey(b.object)] || 0) + 1;

  let suspicious = 0;
  let listed = 0;
  // Rows first, then the counts of threads waiting at the same place (same object, or same stack): contention.
  interface Out { th: KThread; row: Row; objects: number; place: string; evidence: string }
  const out: Out[] = [];
  const places: { [place: string]: number } = {};
  for (const c of cands) {
    const th = c.th;
    const mutant = c.blocks.filter((b) => b.owner !== undefined && !isNull(b.owner) && addressKey(b.owner) !== addressKey(th.address))[0];
    const kernelHang = cfg.KernelHangReasons.indexOf(c.reason) >= 0;
    // Stacks only for threads that may be reported: hang candidates, or all with IncludeIdle.
    const stack = kernelHang || mutant || sel.flags.IncludeIdle || sel.module !== undefined ? stacks.stack(th) : undefined;
    const frames = stack && Array.isArray(stack.frames) ? (stack.frames as readonly FrameInfo[]) : undefined;
    if (!stacks.keep(th)) continue;
    const user = stack && frames ? classifyWait(stack, cfg.WaitDepth) : undefined;
    const userCategory = user && user.frame && user.category !== "running" && user.category !== "unknown" && user.category !== "system-call" ? user.category : undefined;
    if (userCategory && cfg.IdleCategories.indexOf(userCategory) >= 0 && !sel.flags.IncludeIdle) { idleCount[userCategory] = (idleCount[userCategory] || 0) + 1; continue; }
    const category = mutant ? "mutant" : userCategory || REASON_CATEGORY[c.reason] || c.reason.toLowerCase();
    const hang = kernelHang || !!mutant || (userCategory !== undefined && cfg.HangCategories.indexOf(userCategory) >= 0);
    if (!hang && !sel.flags.IncludeIdle) continue;
    if (hang) suspicious++;
    listed++;
    const objects = c.blocks.reduce((m, b) => Math.max(m, objectWaiters[addressKey(b.object)] || 0), 1);
    const owner = mutant ? ownerText(k, t, mutant) : undefined;
    const waitFrame = userCategory ? user!.frame : frames ? firstNonKernelWait(frames) : undefined;
    const blocking = frames && userCategory ? firstNonSystemFrame(frames, user!.frame!.index + 1, cfg.SystemModules) : frames ? firstOutsideNt(frames) : undefined;
    const place = category + "|" + (stack && stack.signature ? stack.signature : c.reason + "|" + (c.blocks.length ? addressKey(c.blocks[0]!.object) : tidText(th)));
    places[place] = (places[place] || 0) + 1;
    const ageText = typeof c.age === "number" ? Math.round(c.age) + " s" : "an unknown time";
    out.push({
      th, objects, place,
      evidence: "thread " + tidText(th) + " of " + processLabel(th.process) + " waits (" + c.reason + ") for " + ageText +
        (mutant ? " on a mutant owned by " + owner : c.blocks.length ? " on " + objectText(t, c.blocks[0]!) : ""),
      row: {
        Thread: th.tid, Category: category, WaitFunction: waitFrame ? waitFrame.symbol : undefined,
        BlockingFunction: blocking ? blocking.symbol : undefined, MainThread: undefined, TopFrames: framesText(frames, 8),
        Process: processLabel(th.process), WaitReason: c.reason,
        WaitSeconds: typeof c.age === "number" ? Math.round(c.age) : c.age,
        WaitObjects: c.blocks.length ? c.blocks.map((b) => objectText(t, b)).join("; ") : c.blockNote ? notAvailable(c.blockNote) : undefined,
        Owner: owner, Verdict: hang ? "Suspicious" : "Info", Source: "typed", Evidence: "",
      },
    });
  }
  for (const o of out) {
    const stacked = places[o.place] || 1;
    const same = Math.max(o.objects, stacked);
    const why = o.objects > 1 ? "; " + o.objects + " threads wait on the same object" : stacked > 1 ? "; " + stacked + " threads wait at the same place (same stack)" : "";
    yield { ...o.row, SameWait: same, Evidence: o.evidence + why + "; " + threadCommand(t, o.th) } as Row;
  }
  const note = stacks.note("MaxStacks");
  if (note) yield info(note + "; the rows without TopFrames were not walked", "typed");
  const idleTotal = Object.keys(idleCount).reduce((n, r) => n + idleCount[r]!, 0);
  const counts = waiting + " waiting, " + idleTotal + " in idle waits" + (idleTotal ? " (" + Object.keys(idleCount).sort().map((r) => idleCount[r] + " " + r).join(", ") + ")" : "") +
    ", " + young + " waiting less than " + cfg.BlockedSeconds + " s";
  if (suspicious === 0) {
    yield {
      Verdict: "Negative", Source: "typed",
      Evidence: "0 blocked threads among " + set.threads.length + " threads of " + set.processes.length + " processes" + set.scope + " (" + counts +
        "; no lock, mutant or reply wait of " + cfg.BlockedSeconds + " s or more; !stacks 2)",
    };
  }
  ctx.summary("BlockedThreads: " + suspicious + " blocked thread(s)" + (listed > suspicious ? " and " + (listed - suspicious) + " other long wait(s)" : "") +
    " among " + set.threads.length + " threads of " + set.processes.length + " processes" + set.scope + "; " + counts);
}

function objectText(t: { formatAddress(v: DbgModel.Numeric): string }, b: WaitBlockInfo): string {
  return b.typeName + " " + t.formatAddress(b.object) + (b.name ? " " + b.name : "");
}

function ownerText(k: Kernel, t: { formatAddress(v: DbgModel.Numeric): string }, b: WaitBlockInfo): string {
  const owner = k.threadByAddress(b.owner!);
  if (!owner) return t.formatAddress(b.owner!) + ", not a thread of any listed process (MissingThreads)";
  const state = k.stateName(owner.state);
  const what = owner.terminated ? "terminated" : state === "Waiting" ? "itself waiting (" + k.waitReasonName(owner.waitReason) + "): a wait chain" : state;
  return "0x" + owner.tid.toString(16) + " of " + processLabel(owner.process) + ", " + what;
}

/** The first frame below nt's scheduler frames (KiSwapContext, KiSwapThread, KiCommitThreadWait): the wait call. */
function firstNonKernelWait(frames: readonly FrameInfo[]): FrameInfo | undefined {
  for (const f of frames) {
    if (/^nt!Ki(SwapContext|SwapThread|CommitThreadWait)/i.test(f.func)) continue;
    return f;
  }
  return undefined;
}

/** The first frame outside nt (a driver, or user mode): who asked to wait. */
function firstOutsideNt(frames: readonly FrameInfo[]): FrameInfo | undefined {
  for (const f of frames) if (!f.module || f.module.symbolName.toLowerCase() !== "nt") return f;
  return undefined;
}

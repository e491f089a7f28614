import { defineAnalysis, type Row } from "../lib/analysis";
import { frameMatches, hexId, stackCommand } from "../lib/stack-filter";
import type { FrameInfo } from "../lib/stacks";
import { DUMP_WRITER_FUNCTIONS, findFrame, firstNonSystemFrame, framePatterns, readFlags, SYSTEM_MODULES } from "../lib/thread-activity";
import { classifyWait, IDLE_CATEGORIES, type WaitClass } from "../lib/wait-classes";
import type { Source } from "../lib/values";

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
 * Options (a dx object `new { IncludeIdle = true }` or the string `"includeidle"`): IncludeIdle also
 * lists the idle threads (Verdict Info).
 *
 * @function BlockedThreads
 * @memberof Ewmda
 * @param {object|string} [options] `IncludeIdle` (bool): also list idle threads; or the string `"includeidle"`.
 * @returns {ResultSet} One row per blocked thread: Thread, Category, WaitFunction, BlockingFunction, SameWait, MainThread, TopFrames, Verdict, Evidence, Source.
 * @example dx @$ewmda.BlockedThreads()
 * @example dx -g @$ewmda.BlockedThreads().Where(r => r.Category == "critical-section")
 * @example dx @$ewmda.BlockedThreads(new { IncludeIdle = true })
 * @example !ewmda.blocked
 */
export const blockedThreads = defineAnalysis({
  meta: {
    name: "BlockedThreads",
    command: "blocked",
    summary: "Threads blocked in a lock, IPC call, window message, message box, I/O or other wait, idle threads left out",
    patterns: ["Blocked Thread (software)"],
    targets: "user",
    version: "1.0.0",
    params: [{ name: "options", help: "IncludeIdle: also list idle threads; or the string \"includeidle\"", optional: true }],
    options: [{ name: "IncludeIdle", type: "bool", help: "also list the idle threads (thread-pool workers, message loops, RPC listeners, I/O completion waits)" }],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "Category", type: "string", help: "What the thread waits for: critical-section, srw-lock, condition-variable, address-wait, sync-object, io, alpc, rpc-call, message-send, message-box, sleep, system-call (or an idle category)" },
      { name: "WaitFunction", type: "string", help: "The frame that decided the category (the wait API)" },
      { name: "BlockingFunction", type: "string", help: "The first frame below the wait that is not OS plumbing: the code that decided to wait" },
      { name: "SameWait", type: "int", help: "Threads (this one included) waiting in the same category at the same blocking function" },
      { name: "MainThread", type: "bool", help: "The process's first thread (usually the main or UI thread)" },
      { name: "TopFrames", type: "string", help: "Frames from the top down to the blocking function", table: false },
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
    const flags = readFlags(args[0], ["IncludeIdle"]);
    if (typeof flags === "string") {
      ctx.summary("BlockedThreads: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    if (t.isKernel()) {
      ctx.summary("BlockedThreads: user-mode analysis");
      yield info("BlockedThreads reads user-mode threads; this is a kernel target (use !stacks 2 or !process 0 17, or open a user dump of the process)", "heuristic");
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

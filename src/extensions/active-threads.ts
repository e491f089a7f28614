import { defineAnalysis, type Row } from "../lib/analysis";
import { parseLastEvent } from "../lib/parse-exr";
import { runCommand } from "../lib/run-command";
import { hexId, stackCommand } from "../lib/stack-filter";
import type { FrameInfo } from "../lib/stacks";
import {
  ActivityClassifier, DUMP_WRITER_FUNCTIONS, findFrame, firstNonSystemFrame, framePatterns, isSystemFrame, readFlags, SYSTEM_MODULES, type ThreadActivity,
} from "../lib/thread-activity";
import { Unavailable, type Source } from "../lib/values";

/**
 * Active Thread: threads that were executing code when the dump was written, not sitting in a system
 * call.
 *
 * The pattern: in a hang or manual dump nearly every thread waits inside a system call; a thread whose
 * instruction pointer is in ordinary code was running (or ready to run) at that moment. It is the
 * first suspect for CPU consumption (see SpikingThreads) or a busy loop. In a dump written on an event
 * (Evental Dump: an exception, a breakpoint) active threads can be perfectly normal.
 *
 * Detection: frame 0 of each thread (read once, shared with the other stack analyses). When the code
 * before the IP is in the dump, the bytes decide: a thread inside a system call has its IP right after
 * the syscall instruction (x64 `syscall` 0F 05 or `int 2e`, x86 `sysenter` 0F 34 or `int 2e`, ARM64
 * `svc`; an x86 stub's call to the WOW64 gate too). A syscall instruction found outside the Nt/Zw stubs
 * is named in the row (direct system calls, patched stubs). Without the code bytes (most minidumps)
 * the check is skipped and frame 0's function decides: `ntdll!Nt*`, `ntdll!Zw*`, `win32u!Nt*`,
 * `wow64cpu!*` are system-call stubs. The dump writer's own threads (dbghelp/dbgcore MiniDumpWriteDump,
 * WER's faultrep, the debugger's break-in thread, Breakpad and Crashpad handlers:
 * `Config.ActiveThreads.DumpWriterFunctions`) and the thread of the last event (`.lastevent`, an
 * exception: see ExceptionStackTraces) are named but not counted as active.
 *
 * False positives: a thread preempted in user code between two waits looks active without being busy;
 * one dump cannot tell a loop from a moment (take a second dump). In an Evental Dump the faulting thread
 * is active by nature. Frames whose module has no symbols and whose code is not in the dump cannot be
 * classified: they are reported as undetermined (ntdll without symbols), or as active with the check
 * skipped (other modules).
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All also lists the threads found in
 * system calls and the undetermined ones, one row each.
 *
 * @function ActiveThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): also list threads in system calls; or the string `"all"`.
 * @returns {ResultSet} One row per active thread (and per dump-writer / exception thread): Thread, State, IP, TopFrame, OwnerModule, Caller, Check, Verdict, Evidence, Source.
 * @example dx @$ewmda.ActiveThreads()
 * @example dx -g @$ewmda.ActiveThreads(new { All = true }).Where(r => r.State == "Active")
 * @example !ewmda.active
 * @example !ewmda.active "all"
 */
export const activeThreads = defineAnalysis({
  meta: {
    name: "ActiveThreads",
    command: "active",
    summary: "Threads that were executing code, not waiting in a system call, when the dump was written",
    patterns: ["Active Thread"],
    targets: "user",
    version: "1.0.0",
    params: [{ name: "options", help: "All: also list threads in system calls; or the string \"all\"", optional: true }],
    options: [{ name: "All", type: "bool", help: "also list the threads found in system calls and the undetermined ones" }],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "State", type: "string", help: "Active, SystemCall, DumpWriter (left out), ExceptionThread (the last event's thread) or Undetermined" },
      { name: "IP", type: "address", help: "Instruction pointer (frame 0)" },
      { name: "TopFrame", type: "string", help: "Frame 0 as module!function+0xoff (module+0xoff without symbols)" },
      { name: "OwnerModule", type: "string", help: "Image that holds the IP (none: JIT code or code outside modules)", table: false },
      { name: "Caller", type: "string", help: "First frame below the top that is not OS plumbing (who called the OS routine that runs)" },
      { name: "Check", type: "string", help: "How it was decided: bytes (the code before the IP was read), symbol (frame 0's function; code not in the dump) or none" },
    ],
    settings: {
      DumpWriterFunctions: {
        default: DUMP_WRITER_FUNCTIONS,
        help: "Frame patterns (module!function, * wildcards, a module alone) of threads that write the dump or break in for a debugger",
        reason: "dbghelp/dbgcore MiniDumpWriteDump, WER (faultrep, WerpReportFault), DbgUiRemoteBreakin, Breakpad and Crashpad run in the dumped process only to write the dump",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const flags = readFlags(args[0], ["All"]);
    if (typeof flags === "string") {
      ctx.summary("ActiveThreads: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    if (t.isKernel()) {
      ctx.summary("ActiveThreads: user-mode analysis");
      yield info("ActiveThreads reads user-mode threads; this is a kernel target (use !running -t -i, or open a user dump of the process)", "heuristic");
      return;
    }
    const writers = framePatterns(ctx.settings.DumpWriterFunctions);
    const classifier = new ActivityClassifier(t);
    const event = lastEventThread();

    const threads = t.threads();
    const active: Row[] = [];
    const other: Row[] = [];
    const undetermined: number[] = [];
    let inCalls = 0;
    let writerCount = 0;
    let byBytes = 0;
    for (const thread of threads) {
      const stack = t.threadStack(thread);
      const a = classifier.classify(stack);
      if (a.checked === "bytes") byBytes++;
      const writer = findFrame(stack, writers);
      const frames = Array.isArray(stack.frames) ? (stack.frames as readonly FrameInfo[]) : [];
      if (writer) {
        writerCount++;
        other.push(row(thread.id, "DumpWriter", a, frames, "Info",
          "dump writer (" + writer.symbol + " in frame " + writer.index + "): left out; " + stackCommand(thread.id)));
      } else if (a.activity === "active" && event !== undefined && event === thread.id) {
        other.push(row(thread.id, "ExceptionThread", a, frames, "Info",
          "the last event's thread (.lastevent): running where the exception was raised, see ExceptionStackTraces; " + a.reason));
      } else if (a.activity === "active") {
        active.push(row(thread.id, "Active", a, frames, "Positive", a.reason + "; " + evidenceCommand(thread.id, a, t.formatAddress.bind(t))));
      } else if (a.activity === "system-call") {
        inCalls++;
        if (flags.All) other.push(row(thread.id, "SystemCall", a, frames, "Info", a.reason + "; " + evidenceCommand(thread.id, a, t.formatAddress.bind(t))));
      } else {
        undetermined.push(thread.id);
        if (flags.All) other.push(row(thread.id, "Undetermined", a, frames, "Info", a.reason + "; " + stackCommand(thread.id)));
      }
    }

    for (const r of active) yield r;
    for (const r of other) yield r;
    const counts = inCalls + " in system calls" + (writerCount ? ", " + writerCount + " dump writer" : "") +
      (undetermined.length ? ", " + undetermined.length + " undetermined" : "") +
      "; code bytes checked on " + byBytes + ", frame 0's function used for the rest";
    if (undetermined.length && !flags.All) {
      const ids = undetermined.map(hexId);
      yield info(undetermined.length + " thread(s) could not be classified: frame 0 is in ntdll/win32u without symbols and the code is not in the dump (" +
        ids.slice(0, 12).join(", ") + (ids.length > 12 ? ", ..." : "") + "; .reload /f ntdll.dll, then ~*k)", "heuristic");
    }
    if (active.length === 0) {
      yield { Verdict: "Negative", Source: byBytes ? "typed" : "heuristic", Evidence: "0 active threads among " + threads.length + " (" + counts + "; ~*k)" };
    }
    ctx.summary("ActiveThreads: " + active.length + " active among " + threads.length + " threads (" + counts + ")");
  },

  rowText(row) {
    if (row.State === undefined) return row.Verdict + ": " + row.Evidence;
    return hexId(row.Thread as number) + " " + String(row.State) + " " + String(row.TopFrame ?? "");
  },
});

/** The thread of the last event when it is an exception, from `.lastevent`; undefined otherwise or when unknown. */
function lastEventThread(): number | undefined {
  const lines = runCommand(".lastevent");
  if (lines instanceof Unavailable) return undefined;
  const e = parseLastEvent(lines);
  return e && e.code !== undefined ? e.threadId : undefined;
}

function evidenceCommand(id: number, a: ThreadActivity, fmt: (v: DbgModel.Numeric) => string): string {
  if (a.checked === "bytes" && a.top) return "ub " + fmt(a.top.ip) + " L2; " + stackCommand(id);
  return stackCommand(id);
}

function row(id: number, state: string, a: ThreadActivity, frames: readonly FrameInfo[],
  verdict: Row["Verdict"], evidence: string): Row {
  const top = a.top;
  // An OS routine on top (a heap walk, memcpy): who called it is the interesting part.
  const caller = top && isSystemFrame(top, SYSTEM_MODULES) ? firstNonSystemFrame(frames, 1, SYSTEM_MODULES) : undefined;
  return {
    Thread: id,
    State: state,
    IP: top ? top.ip : undefined,
    TopFrame: top ? top.symbol : undefined,
    OwnerModule: top ? (top.module ? top.module.name : "none") : undefined,
    Caller: caller ? caller.symbol : undefined,
    Check: a.checked,
    Verdict: verdict,
    Evidence: evidence,
    Source: a.checked === "bytes" ? "typed" : "heuristic",
  };
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

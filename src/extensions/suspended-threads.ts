import { defineAnalysis, type Row, type RunContext } from "../lib/analysis";
import { Kernel, readKernelOptions, STATE, type KProcess, type KThread } from "../lib/kernel";
import { KernelStacks, problemsText, processLabel, selectKernelThreads, threadCommand, tidText } from "../lib/kernel-threads";
import { toNumber } from "../lib/int64";
import { parseThreadList, type ThreadLine } from "../lib/parse-threads";
import { runCommand } from "../lib/run-command";
import { frameMatches, hexId, stackCommand } from "../lib/stack-filter";
import type { FrameInfo, ThreadStack } from "../lib/stacks";
import type { Target } from "../lib/target";
import { DUMP_WRITER_FUNCTIONS, findFrame, framePatterns, readFlags } from "../lib/thread-activity";
import { Unavailable, type Source } from "../lib/values";

/**
 * Suspended Thread: threads whose suspend count is above what the dump writer explains, whole-process
 * suspensions, threads frozen by the debugger, and the thread that may be doing the suspending.
 *
 * The pattern: a normal thread's suspend count is zero; a thread suspended by someone else does not
 * run and looks blocked. Causes: a debugger (or one that died and left threads suspended), a process
 * created suspended and never resumed, an injector or security product, or SuspendThread/ResumeThread
 * calls that do not pair up.
 *
 * Detection: user dumps carry each thread's suspend count, which the debugger shows in `~`
 * (`Suspend: N`; there is no data-model property), parsed here. A dump written by another process
 * suspends every thread once while it writes, so the baseline is the lowest count among the threads,
 * at most `Config.SuspendedThreads.MaxWriterBaseline` (1); the dump writer's own thread in the process
 * (ActiveThreads' DumpWriterFunctions) is left out. Threads above the baseline are suspended (Positive).
 * When every thread is above it the whole process was suspended: the cause is named when the dump shows
 * one (PEB.BeingDebugged: a debugger; a single thread that never started: created suspended; a packaged
 * app's modules: the lifecycle manager) and the row is Info, otherwise Suspicious. Threads above the
 * process-wide level are still reported one by one. Threads marked Frozen (the debugger's `~f`) are
 * Info rows. Threads whose stacks are inside `SuspenderFunctions` (NtSuspendThread, SuspendThread,
 * NtSuspendProcess) are named as likely suspenders.
 *
 * False positives: a snapshot-based writer (PssCaptureSnapshot, procdump -r) leaves counts at 0; if it
 * captured a process whose threads were all suspended once, the baseline hides it. A thread that the
 * application suspends on purpose (a profiler sampling, a GC) shows as suspended at that moment.
 *
 * Kernel and complete dumps: every thread of every process, from KTHREAD: SuspendCount (read unsigned),
 * FreezeCount (frozen by a debugger; a ThreadFlags bit on Windows 10, a count on older builds), deep
 * freeze (22H2's FreezeFlags, where the build has it), and Waiting with WaitReason Suspended or
 * WrSuspended (the suspend APC's wait). There is no dump writer in the picture: the baseline is 0. When
 * every live thread of a process is suspended the process-wide row says why where the dump shows it
 * (EPROCESS.DebugPort: a user-mode debugger; deep freeze: the lifecycle manager), Info then, else
 * Suspicious; individually suspended threads are Positive. When most threads of the system are frozen,
 * the dump was written while a kernel debugger held the system: one Info row. Suspender threads are not
 * searched on kernel targets (it would need every stack: `!stacks 2 Suspend`).
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All also lists the threads at the
 * baseline. Kernel targets also take `Process` (pid or image-name pattern) and `Module` (only threads
 * with a frame in that module).
 *
 * @function SuspendedThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): also list threads at the baseline; `Process`, `Module` (kernel targets); or a string such as `"all"`, `"process=app.exe"`.
 * @returns {ResultSet} One row per suspended or frozen thread (one for a whole-process suspension): Thread, Index, SuspendCount, Baseline, Frozen, ProcessWide, LikelyCause, TopFrame, Verdict, Evidence, Source.
 * @example dx @$ewmda.SuspendedThreads()
 * @example dx -g @$ewmda.SuspendedThreads(new { All = true })
 * @example dx @$ewmda.SuspendedThreads(new { Process = "app.exe" })
 * @example !ewmda.suspended
 */
export const suspendedThreads = defineAnalysis({
  meta: {
    name: "SuspendedThreads",
    command: "suspended",
    summary: "Threads suspended above the dump writer's baseline, whole-process suspensions, frozen threads and likely suspenders",
    patterns: ["Suspended Thread"],
    targets: "any",
    version: "1.1.0",
    params: [{ name: "options", help: "All: also list threads at the baseline; Process, Module (kernel); or a string such as \"all\"", optional: true }],
    options: [
      { name: "All", type: "bool", help: "also list the threads whose suspend count is at the baseline" },
      { name: "Process", type: "string", help: "kernel targets: only this process (pid, or image name with * wildcards)" },
      { name: "Module", type: "string", help: "kernel targets: only threads with a frame in this module" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id (empty for a whole-process row)" },
      { name: "Index", type: "int", help: "The debugger's thread number (~N)", table: false },
      { name: "SuspendCount", type: "int", help: "Suspend count as ~ shows it" },
      { name: "Baseline", type: "int", help: "Count explained by the dump writer (the lowest count, at most MaxWriterBaseline)" },
      { name: "Frozen", type: "bool", help: "Frozen by the debugger (~f)" },
      { name: "ProcessWide", type: "bool", help: "Every thread is above the baseline: the whole process was suspended" },
      { name: "LikelyCause", type: "string", help: "Who or what probably suspended the thread" },
      { name: "TopFrame", type: "string", help: "Frame 0 of the thread", table: false },
      { name: "Process", type: "string", help: "Kernel targets: the thread's process, name (pid)", sparse: true },
      { name: "WaitReason", type: "string", help: "Kernel targets: KTHREAD.WaitReason by name (Suspended: waiting in the suspend APC)", sparse: true },
    ],
    settings: {
      MaxWriterBaseline: {
        default: 1,
        help: "Highest suspend count a dump writer explains",
        reason: "a dump written by another process (procdump, WER, Task Manager, a debugger's .dump) suspends every thread once; snapshot writers suspend none",
      },
      SuspenderFunctions: {
        default: ["ntdll!NtSuspendThread", "ntdll!ZwSuspendThread", "kernelbase!SuspendThread", "kernel32!SuspendThread", "ntdll!NtSuspendProcess", "ntdll!ZwSuspendProcess"],
        help: "Frame patterns of a thread that is suspending threads",
        reason: "every user-mode suspension goes through NtSuspendThread or NtSuspendProcess",
      },
      NotStartedFunctions: {
        default: ["ntdll!RtlUserThreadStart", "ntdll!LdrInitializeThunk", "kernel32!BaseThreadInitThunk"],
        help: "Frame 0 functions of a thread that never ran (created suspended)",
        reason: "a thread created suspended has its context at the thread start thunk",
      },
      FrozenSystemPercent: {
        default: 50,
        help: "Kernel targets: share of threads frozen (percent) from which one row says the debugger froze the system",
        reason: "a dump taken while a kernel debugger held the machine shows FreezeCount on most threads (patterns.md §5)",
      },
      MaxStacks: {
        default: 256,
        help: "Kernel targets: thread stacks read per call (reported threads only)",
        reason: "each stack costs a walk by the debugger; the counts come from KTHREAD without it",
      },
      PackagedAppModules: {
        default: ["twinapi.appcore.dll", "Windows.UI.Xaml.dll"],
        help: "Modules that mark a packaged (UWP) app, which the lifecycle manager suspends in the background",
        reason: "a suspended packaged app is benign; these modules load in every XAML/CoreApplication app",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    if (t.isKernel()) {
      yield* kernelSuspended(ctx, args);
      return;
    }
    const flags = readFlags(args[0], ["All"]);
    if (typeof flags === "string") {
      ctx.summary("SuspendedThreads: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    const out = runCommand("~");
    const listing = out instanceof Unavailable ? undefined : parseThreadList(out);
    if (!listing || listing.threads.length === 0) {
      const why = out instanceof Unavailable ? out.reason : out.length === 0 ? "~ printed nothing" :
        "~ printed no thread lines (it starts \"" + clip(listing!.unparsed[0] || "") + "\")";
      ctx.summary("SuspendedThreads: no suspend counts");
      yield info("no suspend counts: " + why + "; run ~ to see them (Suspend: N), !teb for each thread's TEB", "command");
      return;
    }

    const writers = framePatterns(ctx.config.ActiveThreads ? (ctx.config.ActiveThreads.DumpWriterFunctions as readonly string[]) : DUMP_WRITER_FUNCTIONS);
    const suspenders = framePatterns(cfg.SuspenderFunctions);
    const stackOf = (tid: number): ThreadStack | undefined => {
      const thread = t.findThread(tid);
      return thread ? t.threadStack(thread) : undefined;
    };
    const topOf = (s: ThreadStack | undefined): FrameInfo | undefined => (s && Array.isArray(s.frames) ? (s.frames as readonly FrameInfo[])[0] : undefined);

    // The writer's own thread is never suspended by itself: it would pull the baseline down to 0.
    const counted: ThreadLine[] = [];
    const writerLines: ThreadLine[] = [];
    for (const line of listing.threads) {
      const s = stackOf(line.tid);
      if (s && findFrame(s, writers)) writerLines.push(line);
      else counted.push(line);
    }
    if (counted.length === 0) {
      ctx.summary("SuspendedThreads: only dump-writer threads");
      yield info("every thread in ~ is a dump-writer thread (" + writerLines.map((l) => hexId(l.tid)).join(", ") + "): nothing to compare", "command");
      return;
    }
    const minCount = counted.reduce((m, l) => Math.min(m, l.suspendCount), Infinity);
    const baseline = Math.min(minCount, cfg.MaxWriterBaseline);
    const processWide = minCount > baseline;
    const level = processWide ? minCount : baseline;

    // Threads (not writers) that are suspending someone.
    const suspending: string[] = [];
    for (const thread of t.threads()) {
      const s = t.threadStack(thread);
      if (findFrame(s, writers)) continue;
      const f = findFrame(s, suspenders);
      if (f) suspending.push("thread " + hexId(thread.id) + " is in " + f.symbol);
    }
    const suspenderText = suspending.length
      ? suspending.slice(0, 3).join("; ") + (suspending.length > 3 ? "; ..." : "") + " (a suspender inside the process)"
      : "no thread of this process is suspending threads: another process (a debugger, an injector, a security product) or an unpaired SuspendThread/ResumeThread";

    let found = 0;
    if (processWide) {
      found++;
      const cause = wholeProcessCause(t, counted, cfg.NotStartedFunctions, cfg.PackagedAppModules, stackOf);
      yield {
        Thread: undefined, Index: undefined, SuspendCount: minCount, Baseline: baseline, Frozen: undefined, ProcessWide: true,
        LikelyCause: cause ? cause : suspenderText, TopFrame: undefined,
        Verdict: cause ? "Info" : "Suspicious", Source: "command",
        Evidence: "all " + counted.length + " threads have suspend count >= " + minCount + " (a dump writer explains " + baseline + "): the whole process was suspended; ~",
      };
    }
    for (const line of counted) {
      const s = stackOf(line.tid);
      const top = topOf(s);
      if (line.suspendCount > level) {
        found++;
        const never = notStarted(s, cfg.NotStartedFunctions);
        const cause = never ? "created suspended and never resumed (frame 0 is " + never.symbol + ")" : suspenderText;
        yield threadRow(line, baseline, processWide, cause, top, "Positive",
          "~" + line.index + " shows Suspend: " + line.suspendCount + " (baseline " + baseline + (processWide ? ", process-wide " + level : "") + ")" +
          (line.frozen ? ", and Frozen" : "") + "; " + stackCommand(line.tid));
      } else if (line.frozen) {
        found++;
        yield threadRow(line, baseline, processWide, "frozen by the debugger (~" + line.index + "f); ~" + line.index + "u thaws it", top, "Info",
          "~" + line.index + " shows Frozen; " + stackCommand(line.tid));
      } else if (flags.All) {
        yield threadRow(line, baseline, processWide, undefined, top, "Info", "~" + line.index + " shows Suspend: " + line.suspendCount + " (at the " +
          (processWide ? "process-wide level" : "baseline") + ")");
      }
    }

    const writerText = writerLines.length ? "; dump-writer thread(s) " + writerLines.map((l) => hexId(l.tid)).join(", ") + " left out" : "";
    if (found === 0) {
      yield {
        Verdict: "Negative", Source: "command",
        Evidence: "0 suspended threads above the baseline of " + baseline + " among " + counted.length + " threads (lowest count " + minCount + writerText + "; ~)",
      };
    }
    ctx.summary("SuspendedThreads: " + (processWide ? "the whole process is suspended (" + minCount + "), " : "") +
      counted.filter((l) => l.suspendCount > level).length + " thread(s) above " + (processWide ? "that" : "the baseline of " + baseline) + " among " + counted.length + " threads" +
      writerText + (listing.unparsed.length ? "; " + listing.unparsed.length + " line(s) of ~ not understood" : ""));
  },

  rowText(row) {
    if (row.SuspendCount === undefined) return row.Verdict + ": " + row.Evidence;
    if (row.Process !== undefined) {
      return (row.Thread === undefined ? String(row.Process) : hexId(row.Thread as number) + " " + String(row.Process)) + " suspend " + String(row.SuspendCount) +
        (row.Frozen ? ", frozen" : "");
    }
    return (row.Thread === undefined ? "process" : hexId(row.Thread as number)) + " suspend " + String(row.SuspendCount) + " (baseline " + String(row.Baseline) + ")";
  },
});

function threadRow(line: ThreadLine, baseline: number, processWide: boolean, cause: string | undefined, top: FrameInfo | undefined,
  verdict: Row["Verdict"], evidence: string): Row {
  return {
    Thread: line.tid, Index: line.index, SuspendCount: line.suspendCount, Baseline: baseline, Frozen: line.frozen, ProcessWide: processWide,
    LikelyCause: cause, TopFrame: top ? top.symbol : undefined, Verdict: verdict, Evidence: evidence, Source: "command",
  };
}

/** Frame 0 when the thread never ran (its only frames are the thread start thunks). */
function notStarted(s: ThreadStack | undefined, functions: readonly string[]): FrameInfo | undefined {
  if (!s || !Array.isArray(s.frames)) return undefined;
  const frames = s.frames as readonly FrameInfo[];
  const top = frames[0];
  if (!top || frames.length > 2) return undefined;
  return framePatterns(functions).some((p) => frameMatches(top, p)) ? top : undefined;
}

/** Why a whole process is suspended, when the dump shows it; undefined when it does not. */
function wholeProcessCause(t: Target, lines: readonly ThreadLine[], notStartedFunctions: readonly string[], packaged: readonly string[],
  stackOf: (tid: number) => ThreadStack | undefined): string | undefined {
  const causes: string[] = [];
  try {
    const peb = t.process.Environment.EnvironmentBlock as unknown as { BeingDebugged: unknown } | undefined;
    if (peb && toNumber(peb.BeingDebugged) !== 0) causes.push("a debugger is attached (PEB.BeingDebugged = 1: dt ntdll!_PEB @$peb BeingDebugged)");
  } catch (e) { /* no typed PEB: no answer from it */ }
  if (lines.length === 1) {
    const f = notStarted(stackOf(lines[0]!.tid), notStartedFunctions);
    if (f) causes.push("created suspended (CREATE_SUSPENDED): the only thread has not started (frame 0 is " + f.symbol + ")");
  }
  const modules = t.modules();
  const app = packaged.filter((name) => modules.byName(name) !== undefined);
  if (app.length) causes.push("a packaged app (" + app.join(", ") + " loaded): the lifecycle manager suspends them in the background (benign)");
  return causes.length ? causes.join("; ") : undefined;
}

function clip(s: string): string {
  const x = s.trim();
  return x.length > 60 ? x.slice(0, 57) + "..." : x;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

type Settings = { FrozenSystemPercent: number; MaxStacks: number };

/** Kernel targets: KTHREAD suspend and freeze counts of every thread, whole-process suspensions. */
function* kernelSuspended(ctx: RunContext<Settings>, args: readonly unknown[]): Iterable<Row> {
  const t = ctx.target;
  const cfg = ctx.settings;
  const sel = readKernelOptions(args[0], ["All"]);
  if (typeof sel === "string") {
    ctx.summary("SuspendedThreads: " + sel);
    yield info(sel, "heuristic");
    return;
  }
  const k = Kernel.of(t);
  const missing = k.missing();
  if (missing) {
    ctx.summary("SuspendedThreads: kernel structures unavailable");
    yield info("SuspendedThreads on a kernel target reads KTHREAD suspend counts: " + missing + " (!thread shows SuspendCount and FreezeCount)", "heuristic");
    return;
  }
  const set = selectKernelThreads(k, sel);
  const problems = problemsText(set.problems);
  if (problems) yield info(problems, "typed");
  const stacks = new KernelStacks(t, k, cfg.MaxStacks, sel);
  const live = set.threads.filter((th) => th.terminated !== true && th.state !== STATE.Terminated);
  const suspendedIn = (th: KThread) => {
    const reason = th.state === STATE.Waiting ? k.waitReasonName(th.waitReason) : undefined;
    return (th.suspendCount !== undefined && th.suspendCount > 0) || reason === "Suspended" || reason === "WrSuspended";
  };
  const frozen = (th: KThread) => (th.freezeCount !== undefined && th.freezeCount > 0) || th.deepFrozen === true;
  const frozenCount = live.filter(frozen).length;
  const systemFrozen = live.length > 0 && frozenCount * 100 >= cfg.FrozenSystemPercent * live.length && frozenCount > 1;

  const byProcess: { [pid: number]: KThread[] } = {};
  for (const th of live) (byProcess[th.process.pid] || (byProcess[th.process.pid] = [])).push(th);
  let found = 0;
  let positive = 0;
  for (const p of set.processes) {
    const threads = byProcess[p.pid] || [];
    if (threads.length === 0) continue;
    const suspended = threads.filter(suspendedIn);
    const wide = suspended.length === threads.length;
    if (wide) {
      const cause = processCause(p, threads);
      found++;
      yield {
        Thread: undefined, Index: undefined, SuspendCount: Math.min.apply(null, threads.map((th) => th.suspendCount || 0)), Baseline: 0, Frozen: undefined,
        ProcessWide: true, LikelyCause: cause || "every thread of " + processLabel(p) + " is suspended and the dump does not say by whom (a debugger that detached, an injector, a security product)",
        TopFrame: undefined, Process: processLabel(p), WaitReason: undefined, Verdict: cause ? "Info" : "Suspicious", Source: "typed",
        Evidence: "all " + threads.length + " live threads of " + processLabel(p) + " are suspended; !process " + t.formatAddress(p.address) + " 7 (WAIT: (Suspended))",
      };
    }
    for (const th of threads) {
      const isSuspended = suspendedIn(th);
      const isFrozen = frozen(th);
      if (!(isSuspended && !wide) && !(isFrozen && !systemFrozen) && !sel.flags.All) continue;
      if (!stacks.keep(th)) continue;
      const frames = stacks.frames(th);
      const reason = th.state === STATE.Waiting ? k.waitReasonName(th.waitReason) : undefined;
      let verdict: Row["Verdict"] = "Info";
      let cause: string | undefined;
      if (isSuspended && !wide) { verdict = "Positive"; cause = "suspended by another thread or process (NtSuspendThread; !stacks 2 Suspend finds a suspender in a complete dump)"; positive++; found++; }
      else if (isFrozen && !systemFrozen) { cause = th.deepFrozen ? "deep-frozen (a packaged app suspended by the lifecycle manager, or a job freeze)" : "frozen by a debugger (FreezeCount)"; found++; }
      yield {
        Thread: th.tid, Index: undefined, SuspendCount: th.suspendCount, Baseline: 0, Frozen: isFrozen, ProcessWide: wide, LikelyCause: cause,
        TopFrame: frames && frames[0] ? frames[0].symbol : undefined, Process: processLabel(p), WaitReason: reason,
        Verdict: verdict, Source: "typed",
        Evidence: "thread " + tidText(th) + " of " + processLabel(p) + ": SuspendCount " + (th.suspendCount === undefined ? "unreadable" : th.suspendCount) +
          ", FreezeCount " + (th.freezeCount === undefined ? "unreadable" : th.freezeCount) + (reason ? ", waiting (" + reason + ")" : "") + "; " + threadCommand(t, th),
      };
    }
  }
  if (systemFrozen) {
    yield info(frozenCount + " of " + live.length + " threads are frozen (FreezeCount): the dump was written while a kernel debugger held the system; frozen threads are not listed one by one", "typed");
  }
  if (found === 0) {
    yield {
      Verdict: "Negative", Source: "typed",
      Evidence: "0 suspended threads among " + live.length + " live threads of " + set.processes.length + " processes" + set.scope +
        " (KTHREAD SuspendCount 0, no Suspended waits; !process 0 7)",
    };
  }
  ctx.summary("SuspendedThreads: " + positive + " suspended thread(s)" + (found > positive ? ", " + (found - positive) + " other row(s)" : "") + " among " + live.length +
    " live threads of " + set.processes.length + " processes" + set.scope + (systemFrozen ? "; the system was frozen by a debugger" : ""));
}

/** Why a whole process is suspended, when the kernel structures show it. */
function processCause(p: KProcess, threads: readonly KThread[]): string | undefined {
  if (p.debugPort) return "a user-mode debugger is attached (EPROCESS.DebugPort is set): it suspends the process while it holds it";
  if (threads.every((th) => th.deepFrozen === true)) return "deep-frozen: a packaged (UWP) app suspended by the lifecycle manager (benign)";
  return undefined;
}

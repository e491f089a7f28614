import { defineAnalysis, type Row, type RunContext } from "../lib/analysis";
import { Kernel, readKernelOptions, sameAddress, STATE } from "../lib/kernel";
import { KernelStacks, problemsText, processLabel, selectKernelThreads, threadCommand, tidText } from "../lib/kernel-threads";
import { parseLastEvent } from "../lib/parse-exr";
import { runCommand } from "../lib/run-command";
import { hexId, stackCommand } from "../lib/stack-filter";
import { matchesFunction } from "../lib/stacks";
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
 * Kernel and complete dumps: the threads of every process whose KTHREAD.State (named from the symbols'
 * _KTHREAD_STATE enum) is Running (on a processor: NextProcessor), Standby, Ready or DeferredReady. The
 * processors other than the bugcheck's were frozen to write the dump (`FreezeFunctions` on top of their
 * stacks): the frame below the freeze is what they ran. The thread that called KeBugCheckEx
 * (`BugCheckFunctions`) is the dump writer, named but not counted. Running threads are Positive, ready
 * ones Info. CpuStackTraces gives the per-processor view.
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All also lists the threads found in
 * system calls and the undetermined ones, one row each (kernel targets: the processors' idle threads).
 * Kernel targets also take `Process` (pid or image-name pattern) and `Module` (only threads with a frame
 * in that module).
 *
 * @function ActiveThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): also list threads in system calls; `Process`, `Module` (kernel targets); or a string such as `"all"`, `"module=mydrv"`.
 * @returns {ResultSet} One row per active thread (and per dump-writer / exception thread): Thread, State, IP, TopFrame, OwnerModule, Caller, Check, Verdict, Evidence, Source.
 * @example dx @$ewmda.ActiveThreads()
 * @example dx -g @$ewmda.ActiveThreads(new { All = true }).Where(r => r.State == "Active")
 * @example dx @$ewmda.ActiveThreads(new { Module = "mydrv" })
 * @example !ewmda.active
 * @example !ewmda.active "all"
 */
export const activeThreads = defineAnalysis({
  meta: {
    name: "ActiveThreads",
    command: "active",
    summary: "Threads that were executing code, not waiting in a system call, when the dump was written",
    patterns: ["Active Thread"],
    targets: "any",
    version: "1.1.0",
    params: [{ name: "options", help: "All: also list threads in system calls; Process, Module (kernel); or a string such as \"all\"", optional: true }],
    options: [
      { name: "All", type: "bool", help: "also list the threads found in system calls and the undetermined ones (kernel: the idle threads)" },
      { name: "Process", type: "string", help: "kernel targets: only this process (pid, or image name with * wildcards)" },
      { name: "Module", type: "string", help: "kernel targets: only threads with a frame in this module" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "State", type: "string", help: "Active, SystemCall, DumpWriter (left out), ExceptionThread (the last event's thread) or Undetermined" },
      { name: "IP", type: "address", help: "Instruction pointer (frame 0)" },
      { name: "TopFrame", type: "string", help: "Frame 0 as module!function+0xoff (module+0xoff without symbols)" },
      { name: "OwnerModule", type: "string", help: "Image that holds the IP (none: JIT code or code outside modules)", table: false },
      { name: "Caller", type: "string", help: "First frame below the top that is not OS plumbing (who called the OS routine that runs)" },
      { name: "Check", type: "string", help: "How it was decided: bytes (the code before the IP was read), symbol (frame 0's function; code not in the dump), state (KTHREAD.State) or none" },
      { name: "Process", type: "string", help: "Kernel targets: the thread's process, name (pid)", sparse: true },
      { name: "Processor", type: "int", help: "Kernel targets: the processor a Running thread is on (KTHREAD.NextProcessor)", sparse: true },
    ],
    settings: {
      BugCheckFunctions: {
        default: ["nt!KeBugCheck*", "nt!KiBugCheckDispatch", "nt!IopLiveDump*", "nt!DbgkpWerCaptureLiveKernelDump", "nt!DbgkWerCaptureLiveKernelDump"],
        help: "Kernel targets: frames of the thread that writes the dump (a bugcheck or a live kernel dump)",
        reason: "the thread that called KeBugCheckEx runs by definition; it is the event, not a finding",
      },
      FreezeFunctions: {
        default: ["nt!KiFreezeTargetExecution", "nt!KxFreezeExecution", "nt!KeFreezeExecution", "nt!KiProcessNMI", "nt!KxNmiInterrupt", "nt!KiIpiProcessRequests", "nt!KiIpiInterrupt*"],
        help: "Kernel targets: frames that mean a processor was stopped to write the dump (the frame below them is what it ran)",
        reason: "the bugcheck freezes every other processor with an IPI or NMI; those frames sit on top of each running thread (patterns.md §10)",
      },
      MaxStacks: {
        default: 256,
        help: "Kernel targets: thread stacks read per call",
        reason: "only running and ready threads are read; a few hundred covers any processor count",
      },
      DumpWriterFunctions: {
        default: DUMP_WRITER_FUNCTIONS,
        help: "Frame patterns (module!function, * wildcards, a module alone) of threads that write the dump or break in for a debugger",
        reason: "dbghelp/dbgcore MiniDumpWriteDump, WER (faultrep, WerpReportFault), DbgUiRemoteBreakin, Breakpad and Crashpad run in the dumped process only to write the dump",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    if (t.isKernel()) {
      yield* kernelActive(ctx, args);
      return;
    }
    const flags = readFlags(args[0], ["All"]);
    if (typeof flags === "string") {
      ctx.summary("ActiveThreads: " + flags);
      yield info(flags, "heuristic");
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
    if (row.Process !== undefined) return hexId(row.Thread as number) + " " + String(row.Process) + " " + String(row.State) + " " + String(row.TopFrame ?? "");
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

type Settings = { BugCheckFunctions: readonly string[]; FreezeFunctions: readonly string[]; MaxStacks: number };

/** Kernel targets: Running, Standby, Ready and DeferredReady threads of every process. */
function* kernelActive(ctx: RunContext<Settings>, args: readonly unknown[]): Iterable<Row> {
  const t = ctx.target;
  const cfg = ctx.settings;
  const sel = readKernelOptions(args[0], ["All"]);
  if (typeof sel === "string") {
    ctx.summary("ActiveThreads: " + sel);
    yield info(sel, "heuristic");
    return;
  }
  const k = Kernel.of(t);
  const missing = k.missing();
  if (missing) {
    ctx.summary("ActiveThreads: kernel structures unavailable");
    yield info("ActiveThreads on a kernel target reads KTHREAD states: " + missing + " (!running -t -i)", "heuristic");
    return;
  }
  const set = selectKernelThreads(k, sel);
  const problems = problemsText(set.problems);
  if (problems) yield info(problems, "typed");
  const stacks = new KernelStacks(t, k, cfg.MaxStacks, sel);
  const bugcheck = framePatterns(cfg.BugCheckFunctions);
  const freeze = cfg.FreezeFunctions;
  let running = 0;
  let ready = 0;
  let writers = 0;
  for (const th of set.threads) {
    const runnable = th.state === STATE.Running || th.state === STATE.Standby || th.state === STATE.Ready || th.state === STATE.DeferredReady;
    if (!runnable) continue;
    if (!stacks.keep(th)) continue;
    const stack = stacks.stack(th);
    const frames = stack && Array.isArray(stack.frames) ? (stack.frames as readonly FrameInfo[]) : [];
    const state = k.stateName(th.state)!;
    const writer = stack ? findFrame(stack, bugcheck) : undefined;
    // Skip the freeze frames: the processor was stopped to write the dump.
    let first = 0;
    while (first < frames.length && frames[first]!.hasSymbol && freeze.some((p) => matchesFunction(frames[first]!.func, p))) first++;
    const top = frames[first];
    const frozen = first > 0 ? " (below " + frames[first - 1]!.func + ": the processor was frozen for the dump)" : "";
    const caller = top && top.module && top.module.symbolName.toLowerCase() === "nt" ? frames.slice(first + 1).filter((f) => !f.module || f.module.symbolName.toLowerCase() !== "nt")[0] : undefined;
    let verdict: Row["Verdict"];
    let label = state;
    let why: string;
    if (writer) { verdict = "Info"; label = "BugCheck"; writers++; why = "the dump writer (" + writer.symbol + " in frame " + writer.index + "): left out"; }
    else if (th.state === STATE.Running) { verdict = "Positive"; running++; why = "running on processor " + (th.nextProcessor === undefined ? "?" : th.nextProcessor) + (top ? " in " + top.symbol : "") + frozen; }
    else { verdict = "Info"; ready++; why = state + ": ready to run, waiting for a processor" + (top ? " (" + top.symbol + ")" : ""); }
    yield {
      Thread: th.tid, State: label, IP: top ? top.ip : undefined, TopFrame: top ? top.symbol : undefined,
      OwnerModule: top ? (top.module ? top.module.name : "none") : undefined, Caller: caller ? caller.symbol : undefined, Check: "state",
      Process: processLabel(th.process), Processor: th.state === STATE.Running ? th.nextProcessor : undefined,
      Verdict: verdict, Source: "typed",
      Evidence: "thread " + tidText(th) + " of " + processLabel(th.process) + ": " + why + "; " + threadCommand(t, th) + "; !running -t -i",
    };
  }
  if (sel.flags.All) {
    for (const cpu of k.processors().items) {
      const idle = cpu.idle ? k.threadAt(cpu.idle) : undefined;
      if (!idle) continue;
      const onCpu = sameAddress(cpu.current, cpu.idle);
      yield {
        Thread: idle.tid, State: "Idle", Check: "state", Process: "Idle (0x0)", Processor: cpu.number, Verdict: "Info", Source: "typed",
        Evidence: "processor " + cpu.number + "'s idle thread" + (onCpu ? ", running: the processor was idle" : ", not running") + "; !prcb " + cpu.number,
      };
    }
  }
  const note = stacks.note("MaxStacks");
  if (note) yield info(note, "typed");
  if (running === 0) {
    yield {
      Verdict: "Negative", Source: "typed",
      Evidence: "0 running threads among " + set.threads.length + " of " + set.processes.length + " processes" + set.scope + " (" + ready + " ready" +
        (writers ? ", " + writers + " dump writer" : "") + "; the other processors were idle; !running -t -i)",
    };
  }
  ctx.summary("ActiveThreads: " + running + " running, " + ready + " ready among " + set.threads.length + " threads" + set.scope + (writers ? "; the bugcheck thread left out" : ""));
}

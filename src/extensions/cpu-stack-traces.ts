import { defineAnalysis, type Row } from "../lib/analysis";
import { isNull, Kernel, sameAddress, type KThread, type Processor } from "../lib/kernel";
import { framesText, KernelStacks, processLabel, tidText } from "../lib/kernel-threads";
import { hexId } from "../lib/stack-filter";
import { matchesFunction, type FrameInfo } from "../lib/stacks";
import { readFlags } from "../lib/thread-activity";
import { notAvailable, type Source } from "../lib/values";

/**
 * Stack Trace Collection (CPUs): what each processor was running when the dump was written, with its
 * stack, and which processors were spinning, in a DPC or interrupt, or idle.
 *
 * The pattern: the stacks of the threads on the processors (idle ones included) show more quickly than
 * the full collection what the system was doing, and expose the real culprit when `!analyze` shows the
 * bugcheck processor while another one spun on a lock or ran a DPC.
 *
 * Detection: the KPRCBs from `nt!KiProcessorBlock`, up to `nt!KeNumberProcessors`; per processor
 * CurrentThread, NextThread and IdleThread (idle = CurrentThread is IdleThread), DpcRoutineActive where
 * the build's KPRCB type lists it (not available otherwise), the current thread's process, state and
 * stack (the debugger unwinds a running thread from the processor's saved context). The freeze frames
 * the bugcheck put on every other processor (`FreezeFunctions`) are skipped: the frame below them is what
 * it ran. A processor whose frames match `SpinFunctions` is spinning on a lock (Positive); one in a
 * DPC or interrupt routine (`DpcFunctions`, or DpcRoutineActive) is Suspicious; the bugcheck processor
 * (`BugCheckFunctions`) and processors running ordinary code are Info; idle ones are Info.
 *
 * False positives: a lock that was just being taken looks the same as a lock spun on for seconds (take a
 * second dump); hypervisor dumps may hold partial contexts for some processors.
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All shows every frame of each
 * processor's stack instead of the first `MaxFrames`.
 *
 * @function CpuStackTraces
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): every frame of each stack; or the string `"all"`.
 * @returns {ResultSet} One row per processor: CPU, Idle, Thread, Process, State, NextThread, InDpc, TopFrame, TopFrames, Note, Verdict, Evidence, Source.
 * @example dx @$ewmda.CpuStackTraces()
 * @example dx -g @$ewmda.CpuStackTraces().Where(r => !r.Idle)
 * @example !ewmda.cpustacks
 */
export const cpuStackTraces = defineAnalysis({
  meta: {
    name: "CpuStackTraces",
    command: "cpustacks",
    summary: "What each processor was running (KPRCB current, next and idle threads) with stacks; spinning and DPC processors flagged",
    patterns: ["Stack Trace Collection (CPUs)", "Active Thread"],
    targets: "kernel",
    version: "1.0.0",
    params: [{ name: "options", help: "All: every frame of each stack; or the string \"all\"", optional: true }],
    options: [{ name: "All", type: "bool", help: "show every frame of each processor's stack, not the first twelve" }],
    columns: [
      { name: "CPU", type: "int", help: "Processor number (KPRCB.Number)" },
      { name: "Idle", type: "bool", help: "CurrentThread is the processor's IdleThread" },
      { name: "Thread", type: "hex", help: "Thread id of CurrentThread" },
      { name: "Process", type: "string", help: "Its process, name (pid)" },
      { name: "State", type: "string", help: "KTHREAD.State of CurrentThread, by its _KTHREAD_STATE name" },
      { name: "NextThread", type: "string", help: "KPRCB.NextThread (selected to run next), tid and process" },
      { name: "InDpc", type: "bool", help: "KPRCB.DpcRoutineActive (not available where the build's KPRCB type lacks it)" },
      { name: "TopFrame", type: "string", help: "The first frame below the freeze frames: what the processor ran" },
      { name: "TopFrames", type: "string", help: "The stack, top first", table: false },
      { name: "Note", type: "string", help: "bugcheck, spinning on a lock, in a DPC/interrupt, running, idle" },
      { name: "Address", type: "address", help: "KPRCB address", table: false },
    ],
    settings: {
      SpinFunctions: {
        default: ["nt!KxWaitForSpinLockAndAcquire", "nt!KeAcquireSpinLock*", "nt!KiAcquireSpinLock*", "nt!ExpWaitForSpinLock", "nt!KeAcquireInStackQueuedSpinLock*",
          "nt!KxAcquireQueuedSpinLock*", "nt!KiAcquireQueuedSpinLock*", "nt!ExAcquireSpinLock*", "nt!KxWaitForLockOwnerShip*"],
        help: "Frames of a processor spinning on a spin lock",
        reason: "spin-lock acquisition loops are where a processor burns time waiting for another one (patterns.md §10)",
      },
      DpcFunctions: {
        default: ["nt!KiExecuteAllDpcs", "nt!KiRetireDpcList", "nt!KiInterruptDispatch*", "nt!KiDispatchInterrupt", "nt!KxDispatchInterrupt"],
        help: "Frames of a processor running a DPC or an interrupt service routine",
        reason: "code at DISPATCH_LEVEL or above blocks the scheduler on that processor",
      },
      FreezeFunctions: {
        default: ["nt!KiFreezeTargetExecution", "nt!KxFreezeExecution", "nt!KeFreezeExecution", "nt!KiProcessNMI", "nt!KxNmiInterrupt", "nt!KiIpiProcessRequests", "nt!KiIpiInterrupt*"],
        help: "Frames the bugcheck puts on top of the other processors (skipped)",
        reason: "every processor but the bugcheck's was stopped by an IPI or NMI; the frame below is what it ran",
      },
      BugCheckFunctions: {
        default: ["nt!KeBugCheck*", "nt!KiBugCheckDispatch"],
        help: "Frames of the processor that bugchecked",
        reason: "the bugcheck processor is the event; its stack is what !analyze shows",
      },
      MaxFrames: {
        default: 12,
        help: "Frames shown per processor (All shows every frame)",
        reason: "the top dozen frames name the running code and its caller",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const flags = readFlags(args[0], ["All"]);
    if (typeof flags === "string") {
      ctx.summary("CpuStackTraces: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    const k = Kernel.of(t);
    const missing = k.missing();
    if (missing) {
      ctx.summary("CpuStackTraces: needs a kernel or complete dump");
      yield info("CpuStackTraces needs a kernel or complete dump: " + missing + "; !running -t -i shows the processors", "heuristic");
      return;
    }
    const cpus = k.processors();
    if (cpus.items.length === 0) {
      ctx.summary("CpuStackTraces: no processors");
      yield info("no processor could be read: " + (cpus.problem || "nt!KiProcessorBlock is empty") + " (!prcb, !running -t -i)", "typed");
      return;
    }
    if (cpus.problem) yield info(cpus.problem, "typed");
    const stacks = new KernelStacks(t, k, 0x10000, { flags: {}, process: undefined, module: undefined });
    const maxFrames = flags.All ? 0x10000 : cfg.MaxFrames;
    let idleCount = 0;
    let spinning = 0;
    let inDpc = 0;
    let bugcheckCpu: number | undefined;
    const rows: Row[] = [];
    for (const cpu of cpus.items) {
      const idle = sameAddress(cpu.current, cpu.idle);
      const th = cpu.current && !isNull(cpu.current) ? k.threadAt(cpu.current) : undefined;
      const frames = th && !idle ? stacks.frames(th) : undefined;
      let first = 0;
      if (frames) while (first < frames.length && matchesAny(frames[first]!, cfg.FreezeFunctions)) first++;
      const top = frames ? frames[first] : undefined;
      const spin = frames ? frames.slice(first).filter((f) => matchesAny(f, cfg.SpinFunctions))[0] : undefined;
      const dpcFrame = frames ? frames.slice(first).filter((f) => matchesAny(f, cfg.DpcFunctions))[0] : undefined;
      const bug = frames ? frames.filter((f) => matchesAny(f, cfg.BugCheckFunctions))[0] : undefined;
      const dpc = cpu.dpcActive === true || dpcFrame !== undefined;
      let verdict: Row["Verdict"] = "Info";
      let note: string;
      if (bug) { note = "bugcheck (" + bug.symbol + ")"; bugcheckCpu = cpu.number; }
      else if (idle) { note = "idle"; idleCount++; }
      else if (spin) { verdict = "Positive"; note = "spinning on a lock in " + spin.symbol; spinning++; }
      else if (dpc) { verdict = "Suspicious"; note = "in a DPC or interrupt" + (dpcFrame ? " (" + dpcFrame.symbol + ")" : " (DpcRoutineActive)"); inDpc++; }
      else note = "running" + (top ? " " + top.symbol : "") + (first > 0 ? " (frozen for the dump)" : "");
      rows.push({
        CPU: cpu.number, Idle: idle, Thread: th ? th.tid : undefined, Process: th ? processLabel(th.process) : undefined,
        State: th ? k.stateName(th.state) : undefined, NextThread: nextText(k, cpu),
        InDpc: cpu.dpcActive !== undefined ? cpu.dpcActive : dpcFrame ? true : notAvailable("this build's KPRCB type has no DpcRoutineActive"),
        TopFrame: top ? top.symbol : undefined, TopFrames: framesText(frames ? frames.slice(first) : undefined, maxFrames), Note: note, Address: cpu.prcb,
        Verdict: verdict, Source: "typed",
        Evidence: "processor " + cpu.number + ": " + note + (th && !idle ? ", thread " + tidText(th) + " of " + processLabel(th.process) : "") +
          "; !prcb " + cpu.number + ", ~" + cpu.number + "s; k" + (cpu.problem ? " (" + cpu.problem + ")" : ""),
      });
    }
    for (const r of rows) yield r;
    if (spinning === 0 && inDpc === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 processors spinning or in a DPC among " + cpus.items.length + " (" + idleCount + " idle" + (bugcheckCpu !== undefined ? ", the bugcheck on " + bugcheckCpu : "") + "; !running -t -i)",
      };
    }
    ctx.summary("CpuStackTraces: " + cpus.items.length + " processor(s), " + idleCount + " idle, " + spinning + " spinning, " + inDpc + " in a DPC or interrupt" +
      (bugcheckCpu !== undefined ? "; bugcheck on processor " + bugcheckCpu : ""));
  },

  rowText(row) {
    if (row.CPU === undefined) return row.Verdict + ": " + row.Evidence;
    return "CPU " + String(row.CPU) + ": " + String(row.Note) + (row.Thread !== undefined && !row.Idle ? " [" + hexId(row.Thread as number) + " " + String(row.Process) + "]" : "");
  },
});

function matchesAny(f: FrameInfo, patterns: readonly string[]): boolean {
  if (!f.hasSymbol) return false;
  for (const p of patterns) if (matchesFunction(f.func, p) || matchesFunction(f.symbol, p)) return true;
  return false;
}

function nextText(k: Kernel, cpu: Processor): string | undefined {
  if (!cpu.next || isNull(cpu.next)) return undefined;
  const th: KThread | undefined = k.threadAt(cpu.next);
  return th ? tidText(th) + " " + processLabel(th.process) : "unreadable";
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

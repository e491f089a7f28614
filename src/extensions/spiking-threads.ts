import { defineAnalysis, type Row, type RunContext } from "../lib/analysis";
import { isZeroTime, Kernel, readKernelOptions, secondsBetween, STATE, type KThread } from "../lib/kernel";
import { KernelStacks, problemsText, processLabel, selectKernelThreads, threadCommand, tidText } from "../lib/kernel-threads";
import { formatDuration, isRunawayError, parseRunaway, type ThreadTimes } from "../lib/parse-runaway";
import { runCommand } from "../lib/run-command";
import { frameMatches, hexId, stackCommand } from "../lib/stack-filter";
import type { FrameInfo } from "../lib/stacks";
import { ActivityClassifier, DUMP_WRITER_FUNCTIONS, findFrame, framePatterns, readFlags, type ThreadActivity } from "../lib/thread-activity";
import { notAvailable, Unavailable, type Source } from "../lib/values";

/**
 * Spiking Thread: the thread (or group of threads) that consumed the CPU, from the thread times in the
 * dump.
 *
 * The pattern: when a process burns CPU, the dump should show which thread did it: a thread with a
 * large share of CPU time over its lifetime, well ahead of the others, that is running (not waiting)
 * when the dump was written. The Distributed Spike variant is many threads each moderately busy that
 * together keep a core or more busy.
 *
 * Detection: user dumps give thread times only through `!runaway 7` (user, kernel and elapsed time per
 * thread; there is no data-model API), parsed tolerantly. Per thread: cpu = user + kernel, share = cpu
 * over elapsed (the fraction of one core over the thread's life), rank by cpu, dominance = cpu over the
 * next busiest thread's cpu. A thread spikes when cpu >= `MinCpuMilliseconds` and share >=
 * `SpikeSharePercent`, or, for the busiest thread, cpu >= `SpikeCpuSeconds` and dominance >=
 * `DominanceRatio` (a long-lived thread far ahead of the rest; dominance is not used further down the
 * ranking, where it would single out the last of a group of busy threads). A distributed spike
 * is at least `DistributedMinThreads` other threads each with cpu >= `DistributedThreadCpuMilliseconds`
 * and share >= `DistributedThreadSharePercent` whose shares add up to `DistributedTotalSharePercent` or
 * more. Each candidate's frame 0 is checked as in ActiveThreads: running (or in a busy-wait such as
 * `NtYieldExecution`: `BusyWaitFunctions`) is Positive; waiting in a system call is Suspicious (the
 * spike may be over). The dump writer's threads (ActiveThreads' DumpWriterFunctions) are left out:
 * writing a dump costs CPU.
 *
 * False positives: times are accumulated since each thread started, not current usage; a long-lived
 * thread can hold a lot of CPU without spiking now. One dump cannot measure a rate: compare two dumps
 * taken seconds apart (Step Dumps, Spike Interval). Kernel time accounting is coarse (15.6 ms ticks).
 * When the dump has no thread times (no MiniDumpWithThreadInfo), one Info row says so.
 *
 * Kernel and complete dumps: every thread of every process (Idle's threads are the processors' idle time
 * and are left out), with KTHREAD.UserTime and KernelTime in clock ticks converted with
 * nt!KeMaximumIncrement (15.625 ms when unreadable, said so), elapsed = dump time (KUSER_SHARED_DATA, else
 * `.time`) - ETHREAD.CreateTime, ranked across the system; the same thresholds decide. A spiking thread
 * that is Running, Standby, Ready or DeferredReady (KTHREAD.State, named from the symbols' enum) is
 * Positive, a waiting one Suspicious; Activity shows the state. A distributed spike is counted per process.
 * Stacks are read for the reported threads only (`MaxStacks`).
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All lists every thread's times
 * (threads below the thresholds with Verdict Info). Kernel targets also take `Process` (pid or
 * image-name pattern) and `Module` (only threads with a frame in that module).
 *
 * @function SpikingThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): list every thread's times; `Process`, `Module` (kernel targets); or a string such as `"all"`, `"process=app.exe"`.
 * @returns {ResultSet} One row per spiking thread: Thread, UserTime, KernelTime, Elapsed, CpuMs, SharePercent, Rank, Dominance, Activity, TopFrame, Variant, Verdict, Evidence, Source.
 * @example dx @$ewmda.SpikingThreads()
 * @example dx -g @$ewmda.SpikingThreads(new { All = true }).OrderByDescending(r => r.CpuMs)
 * @example dx @$ewmda.SpikingThreads(new { Process = "svchost*" })
 * @example !ewmda.spiking
 * @example !ewmda.spiking "all"
 */
export const spikingThreads = defineAnalysis({
  meta: {
    name: "SpikingThreads",
    command: "spiking",
    summary: "Threads that consumed the CPU (share of their lifetime, dominance), from !runaway or KTHREAD thread times",
    patterns: ["Spiking Thread"],
    targets: "any",
    version: "1.1.0",
    params: [{ name: "options", help: "All: list every thread's times; Process, Module (kernel); or a string such as \"all\"", optional: true }],
    options: [
      { name: "All", type: "bool", help: "list every thread's times, not only the spiking ones" },
      { name: "Process", type: "string", help: "kernel targets: only this process (pid, or image name with * wildcards)" },
      { name: "Module", type: "string", help: "kernel targets: only threads with a frame in this module" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "UserTime", type: "string", help: "User-mode CPU time (!runaway 1)" },
      { name: "KernelTime", type: "string", help: "Kernel-mode CPU time (!runaway 2)" },
      { name: "Elapsed", type: "string", help: "Time since the thread was created (!runaway 4)" },
      { name: "CpuMs", type: "int", help: "User plus kernel time in milliseconds", table: false },
      { name: "SharePercent", type: "int", help: "CPU time over elapsed time, in percent of one core (not available without a create time)" },
      { name: "Rank", type: "int", help: "1 for the thread with the most CPU time" },
      { name: "Dominance", type: "int", help: "CPU time over the next busiest thread's (one decimal)" },
      { name: "Activity", type: "string", help: "Frame 0 now: active (running code), system-call (waiting) or unknown (see ActiveThreads)" },
      { name: "TopFrame", type: "string", help: "Frame 0 as module!function+0xoff" },
      { name: "Variant", type: "string", help: "single (one thread spikes), distributed (many busy threads add up), or none" },
      { name: "Process", type: "string", help: "Kernel targets: the thread's process, name (pid)", sparse: true },
    ],
    settings: {
      SpikeSharePercent: {
        default: 50,
        help: "CPU share of its lifetime (percent of one core) from which a thread spikes",
        reason: "a thread that used half a core over its whole life is a CPU consumer whatever the others do",
      },
      MinCpuMilliseconds: {
        default: 1000,
        help: "CPU time below which a high share does not count",
        reason: "a thread created moments before the dump has a high share after a few milliseconds of CPU",
      },
      SpikeCpuSeconds: {
        default: 10,
        help: "CPU seconds from which a thread far ahead of the others spikes whatever its share",
        reason: "10 s of CPU is noticeable even for a long-lived thread",
      },
      DominanceRatio: {
        default: 3,
        help: "How many times the next busiest thread's CPU the busiest thread needs with SpikeCpuSeconds",
        reason: "a thread three times ahead of the next stands out from the normal spread of load",
      },
      DistributedMinThreads: {
        default: 3,
        help: "Busy threads needed for a distributed spike",
        reason: "a Distributed Spike spreads the load over at least three threads; two are a pair of single spikes",
      },
      DistributedThreadCpuMilliseconds: {
        default: 1000,
        help: "CPU time from which a thread counts as busy for a distributed spike",
        reason: "Vostokov's Distributed Spike highlights threads with more than 1 s of CPU",
      },
      DistributedThreadSharePercent: {
        default: 10,
        help: "CPU share from which a thread counts as busy for a distributed spike",
        reason: "leaves out long-lived threads whose CPU time is spread thinly over hours",
      },
      DistributedTotalSharePercent: {
        default: 100,
        help: "Sum of the busy threads' shares (percent of one core) that makes a distributed spike",
        reason: "together they kept at least one core busy over their lifetimes",
      },
      MaxStacks: {
        default: 256,
        help: "Kernel targets: thread stacks read per call (reported threads only)",
        reason: "each stack costs a walk by the debugger; the times come from KTHREAD without it",
      },
      BusyWaitFunctions: {
        default: ["ntdll!NtYieldExecution", "ntdll!ZwYieldExecution", "kernelbase!SwitchToThread", "kernel32!SwitchToThread"],
        help: "Frame 0 functions of a thread that spins by yielding (counts as running)",
        reason: "SwitchToThread and Sleep(0) loops sit in a system call at any moment yet burn CPU",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    if (t.isKernel()) {
      yield* kernelSpiking(ctx, args);
      return;
    }
    const flags = readFlags(args[0], ["All"]);
    if (typeof flags === "string") {
      ctx.summary("SpikingThreads: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    const lines = runCommand("!runaway 7");
    const parsed = lines instanceof Unavailable ? { error: lines.reason } : parseRunaway(lines);
    if (isRunawayError(parsed) || parsed.sections.indexOf("user") < 0 || parsed.sections.indexOf("kernel") < 0) {
      const why = isRunawayError(parsed) ? parsed.error : "!runaway 7 printed only the " + parsed.sections.join(" and ") + " section(s)";
      ctx.summary("SpikingThreads: no thread times");
      yield info("the dump has no thread times (" + why + "); capture with .dump /ma or procdump -ma (MiniDumpWithThreadInfo), " +
        "or compare two dumps (Step Dumps); ActiveThreads shows which threads were running", "command");
      return;
    }

    const writers = framePatterns(ctx.config.ActiveThreads ? (ctx.config.ActiveThreads.DumpWriterFunctions as readonly string[]) : DUMP_WRITER_FUNCTIONS);
    const busyWait = framePatterns(cfg.BusyWaitFunctions);
    const classifier = new ActivityClassifier(t);

    interface Entry { times: ThreadTimes; cpu: number; share: number | undefined; rank: number; dominance: number | undefined; variant: string }
    const entries: Entry[] = [];
    const writerIds: number[] = [];
    for (const times of parsed.threads) {
      const thread = t.findThread(times.tid);
      if (thread && findFrame(t.threadStack(thread), writers)) { writerIds.push(times.tid); continue; }
      const cpu = (times.userMs || 0) + (times.kernelMs || 0);
      const share = times.elapsedMs ? cpu / times.elapsedMs : undefined;
      entries.push({ times, cpu, share, rank: 0, dominance: undefined, variant: "none" });
    }
    entries.sort((a, b) => b.cpu - a.cpu || a.times.index - b.times.index);
    entries.forEach((e, i) => {
      e.rank = i + 1;
      const next = entries[i + 1];
      e.dominance = next === undefined ? undefined : next.cpu > 0 ? e.cpu / next.cpu : e.cpu > 0 ? Infinity : undefined;
    });

    const spikes = entries.filter((e) => e.cpu >= cfg.MinCpuMilliseconds && (
      (e.share !== undefined && e.share * 100 >= cfg.SpikeSharePercent) ||
      (e.rank === 1 && e.cpu >= cfg.SpikeCpuSeconds * 1000 && e.dominance !== undefined && e.dominance >= cfg.DominanceRatio)));
    for (const e of spikes) e.variant = "single";
    const busy = entries.filter((e) => e.variant === "none" && e.cpu >= cfg.DistributedThreadCpuMilliseconds &&
      e.share !== undefined && e.share * 100 >= cfg.DistributedThreadSharePercent);
    const busyShare = busy.reduce((s, e) => s + (e.share || 0), 0);
    const distributed = busy.length >= cfg.DistributedMinThreads && busyShare * 100 >= cfg.DistributedTotalSharePercent;
    if (distributed) for (const e of busy) e.variant = "distributed";

    const activityOf = (tid: number): { a: ThreadActivity | undefined; busyWait: FrameInfo | undefined } => {
      const thread = t.findThread(tid);
      if (!thread) return { a: undefined, busyWait: undefined };
      const stack = t.threadStack(thread);
      const a = classifier.classify(stack);
      const top = a.top;
      return { a, busyWait: top && busyWait.some((p) => frameMatches(top, p)) ? top : undefined };
    };

    let positive = 0;
    for (const e of entries) {
      if (e.variant === "none" && !flags.All) continue;
      const { a, busyWait: spin } = activityOf(e.times.tid);
      let verdict: Row["Verdict"] = "Info";
      let note: string;
      if (e.variant === "none") note = "below the thresholds";
      else if (a && a.activity === "active") { verdict = "Positive"; note = "running now (" + a.reason + ")"; }
      else if (spin) { verdict = "Positive"; note = "spinning: frame 0 is " + spin.symbol + " (busy-wait)"; }
      else if (a && a.activity === "system-call") { verdict = "Suspicious"; note = "waiting now (" + a.reason + "): the spike may be over; a second dump shows whether CPU still grows"; }
      else { verdict = "Suspicious"; note = a ? "could not tell whether it runs now (" + a.reason + ")" : "not in the thread list"; }
      if (verdict === "Positive") positive++;
      const variantText = e.variant === "distributed" ? "one of " + busy.length + " busy threads adding up to " + Math.round(busyShare * 100) + "% of a core; " : "";
      yield {
        Thread: e.times.tid,
        UserTime: e.times.userMs !== undefined ? formatDuration(e.times.userMs) : undefined,
        KernelTime: e.times.kernelMs !== undefined ? formatDuration(e.times.kernelMs) : undefined,
        Elapsed: e.times.elapsedMs !== undefined ? formatDuration(e.times.elapsedMs) : undefined,
        CpuMs: e.cpu,
        SharePercent: e.share !== undefined ? Math.round(e.share * 100) : notAvailable("!runaway gives no elapsed time for this thread (no create time in the dump)"),
        Rank: e.rank,
        Dominance: e.dominance === undefined ? notAvailable(e.rank === entries.length ? "no thread after it" : "no CPU time")
          : e.dominance === Infinity ? notAvailable("the next busiest thread used no CPU time") : Math.round(e.dominance * 10) / 10,
        Activity: a ? a.activity : "unknown",
        TopFrame: a && a.top ? a.top.symbol : undefined,
        Variant: e.variant,
        Verdict: verdict,
        Evidence: variantText + note + "; !runaway 7 (" + e.times.index + ":" + e.times.tid.toString(16) + "), " + stackCommand(e.times.tid),
        Source: "command",
      };
    }

    const top = entries[0];
    const busiest = top ? "busiest " + hexId(top.times.tid) + ": " + formatDuration(top.cpu) + " CPU" +
      (top.share !== undefined ? ", " + Math.round(top.share * 100) + "% of its " + formatDuration(top.times.elapsedMs || 0) + " lifetime" : "") : "no threads";
    if (spikes.length === 0 && !distributed) {
      yield {
        Verdict: "Negative", Source: "command",
        Evidence: "0 spiking threads among " + entries.length + " with times (" + busiest + "; thresholds: share >= " + cfg.SpikeSharePercent + "% with >= " +
          cfg.MinCpuMilliseconds + " ms, or >= " + cfg.SpikeCpuSeconds + " s and " + cfg.DominanceRatio + "x the next" +
          (writerIds.length ? "; " + writerIds.length + " dump writer thread left out" : "") + "; !runaway 7)",
      };
    }
    ctx.summary("SpikingThreads: " + spikes.length + " spiking" + (distributed ? ", distributed spike over " + busy.length + " threads" : "") +
      " (" + positive + " running now) among " + entries.length + " threads with times; " + busiest);
  },

  rowText(row) {
    if (row.Rank === undefined) return row.Verdict + ": " + row.Evidence;
    return hexId(row.Thread as number) + " " + String(row.Variant) + " cpu " + String(row.CpuMs) + " ms, " + String(row.SharePercent) + "%";
  },
});

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

type Settings = {
  SpikeSharePercent: number; MinCpuMilliseconds: number; SpikeCpuSeconds: number; DominanceRatio: number; DistributedMinThreads: number;
  DistributedThreadCpuMilliseconds: number; DistributedThreadSharePercent: number; DistributedTotalSharePercent: number; MaxStacks: number;
};

/** Kernel targets: KTHREAD tick counts of every thread, ranked across the system. */
function* kernelSpiking(ctx: RunContext<Settings>, args: readonly unknown[]): Iterable<Row> {
  const t = ctx.target;
  const cfg = ctx.settings;
  const sel = readKernelOptions(args[0], ["All"]);
  if (typeof sel === "string") {
    ctx.summary("SpikingThreads: " + sel);
    yield info(sel, "heuristic");
    return;
  }
  const k = Kernel.of(t);
  const missing = k.missing();
  if (missing) {
    ctx.summary("SpikingThreads: kernel structures unavailable");
    yield info("SpikingThreads on a kernel target reads KTHREAD times: " + missing + " (!thread shows UserTime and KernelTime)", "heuristic");
    return;
  }
  const set = selectKernelThreads(k, sel);
  const problems = problemsText(set.problems);
  if (problems) yield info(problems, "typed");
  const increment = k.tickIncrement();
  if (increment.source.indexOf("assumed") === 0) yield info("thread times use an " + increment.source, "typed");
  const dump = k.dumpTime();
  if (dump instanceof Unavailable) yield info("thread ages are unknown (" + dump.reason + "): shares are not available, only the dominance rule applies", "typed");
  const stacks = new KernelStacks(t, k, cfg.MaxStacks, sel);

  interface Entry { th: KThread; userMs: number | undefined; kernelMs: number | undefined; cpu: number; elapsedMs: number | undefined; share: number | undefined; rank: number; dominance: number | undefined; variant: string }
  const ms = (ticks: number | undefined) => (ticks === undefined ? undefined : k.ticksToSeconds(ticks) * 1000);
  const entries: Entry[] = [];
  for (const th of set.threads) {
    if (th.terminated === true) continue;
    const userMs = ms(th.userTime);
    const kernelMs = ms(th.kernelTime);
    const cpu = (userMs || 0) + (kernelMs || 0);
    const elapsedMs = dump instanceof Unavailable || !th.createTime || isZeroTime(th.createTime) ? undefined : secondsBetween(dump.time, th.createTime) * 1000;
    const share = elapsedMs && elapsedMs > 0 ? cpu / elapsedMs : undefined;
    entries.push({ th, userMs, kernelMs, cpu, elapsedMs, share, rank: 0, dominance: undefined, variant: "none" });
  }
  entries.sort((a, b) => b.cpu - a.cpu || a.th.tid - b.th.tid);
  entries.forEach((e, i) => {
    e.rank = i + 1;
    const next = entries[i + 1];
    e.dominance = next === undefined ? undefined : next.cpu > 0 ? e.cpu / next.cpu : e.cpu > 0 ? Infinity : undefined;
  });
  const spikes = entries.filter((e) => e.cpu >= cfg.MinCpuMilliseconds && (
    (e.share !== undefined && e.share * 100 >= cfg.SpikeSharePercent) ||
    (e.rank === 1 && e.cpu >= cfg.SpikeCpuSeconds * 1000 && e.dominance !== undefined && e.dominance >= cfg.DominanceRatio)));
  for (const e of spikes) e.variant = "single";
  // A distributed spike is per process: many busy threads of one process adding up.
  const busyBy: { [pid: number]: Entry[] } = {};
  for (const e of entries) {
    if (e.variant !== "none" || e.cpu < cfg.DistributedThreadCpuMilliseconds || e.share === undefined || e.share * 100 < cfg.DistributedThreadSharePercent) continue;
    (busyBy[e.th.process.pid] || (busyBy[e.th.process.pid] = [])).push(e);
  }
  let distributed = 0;
  const groupShare: { [pid: number]: number } = {};
  for (const key of Object.keys(busyBy)) {
    const list = busyBy[Number(key)]!;
    const total = list.reduce((n, e) => n + (e.share || 0), 0);
    if (list.length >= cfg.DistributedMinThreads && total * 100 >= cfg.DistributedTotalSharePercent) {
      for (const e of list) e.variant = "distributed";
      groupShare[Number(key)] = total;
      distributed++;
    }
  }

  let positive = 0;
  for (const e of entries) {
    if (e.variant === "none" && !sel.flags.All) continue;
    if (!stacks.keep(e.th)) continue;
    const state = k.stateName(e.th.state);
    const runnable = e.th.state === STATE.Running || e.th.state === STATE.Standby || e.th.state === STATE.Ready || e.th.state === STATE.DeferredReady;
    let verdict: Row["Verdict"] = "Info";
    let note: string;
    if (e.variant === "none") note = "below the thresholds";
    else if (runnable) { verdict = "Positive"; note = state + " now: it was using or about to use a processor"; }
    else { verdict = "Suspicious"; note = (state || "state unreadable") + (e.th.state === STATE.Waiting ? " (" + k.waitReasonName(e.th.waitReason) + ")" : "") + " now: the spike may be over; a second dump shows whether CPU still grows"; }
    if (verdict === "Positive") positive++;
    const frames = e.variant !== "none" || sel.flags.All ? stacks.frames(e.th) : undefined;
    const variantText = e.variant === "distributed" ? "one of " + busyBy[e.th.process.pid]!.length + " busy threads of " + processLabel(e.th.process) + " adding up to " +
      Math.round(groupShare[e.th.process.pid]! * 100) + "% of a core; " : "";
    yield {
      Thread: e.th.tid,
      UserTime: e.userMs !== undefined ? formatDuration(e.userMs) : notAvailable("KTHREAD.UserTime unreadable"),
      KernelTime: e.kernelMs !== undefined ? formatDuration(e.kernelMs) : notAvailable("KTHREAD.KernelTime unreadable"),
      Elapsed: e.elapsedMs !== undefined ? formatDuration(e.elapsedMs) : notAvailable(dump instanceof Unavailable ? dump.reason : "CreateTime unreadable"),
      CpuMs: Math.round(e.cpu),
      SharePercent: e.share !== undefined ? Math.round(e.share * 100) : notAvailable("no elapsed time (dump time or create time unknown)"),
      Rank: e.rank,
      Dominance: e.dominance === undefined ? notAvailable(e.rank === entries.length ? "no thread after it" : "no CPU time")
        : e.dominance === Infinity ? notAvailable("the next busiest thread used no CPU time") : Math.round(e.dominance * 10) / 10,
      Activity: state || "unknown",
      TopFrame: frames && frames[0] ? frames[0].symbol : undefined,
      Variant: e.variant,
      Process: processLabel(e.th.process),
      Verdict: verdict, Source: "typed",
      Evidence: variantText + note + "; thread " + tidText(e.th) + " of " + processLabel(e.th.process) + "; " + threadCommand(t, e.th) + " (UserTime, KernelTime in ticks)",
    };
  }
  const top = entries[0];
  const busiest = top ? "busiest " + tidText(top.th) + " of " + processLabel(top.th.process) + ": " + formatDuration(top.cpu) + " CPU" +
    (top.share !== undefined ? ", " + Math.round(top.share * 100) + "% of its lifetime" : "") : "no threads";
  if (spikes.length === 0 && distributed === 0) {
    yield {
      Verdict: "Negative", Source: "typed",
      Evidence: "0 spiking threads among " + entries.length + " threads of " + set.processes.length + " processes" + set.scope + " (" + busiest + "; thresholds: share >= " +
        cfg.SpikeSharePercent + "% with >= " + cfg.MinCpuMilliseconds + " ms, or >= " + cfg.SpikeCpuSeconds + " s and " + cfg.DominanceRatio + "x the next; !process 0 ff)",
    };
  }
  ctx.summary("SpikingThreads: " + spikes.length + " spiking" + (distributed ? ", " + distributed + " distributed spike(s)" : "") + " (" + positive + " runnable now) among " +
    entries.length + " threads" + set.scope + "; " + busiest);
}

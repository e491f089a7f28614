import { defineAnalysis, type Row } from "../lib/analysis";
import { exceptionCodeText } from "../lib/exception-codes";
import { hex, type Int64 } from "../lib/int64";
import {
  addressKey, BENIGN_EXIT_CODES, isCrashExitCode, isNull, isZeroTime, Kernel, parseCodeList, STATE, type KProcess, type KThread,
} from "../lib/kernel";
import { processLabel, tidText } from "../lib/kernel-threads";
import { readFlags } from "../lib/thread-activity";
import { Unavailable, type Source } from "../lib/values";

/**
 * Missing Thread (kernel space): threads that others depend on but that no longer exist or have
 * terminated, and processes that have fewer threads than they should.
 *
 * The pattern: a lock owner, a server thread or a worker that exited (often killed by an exception)
 * leaves the threads that depend on it waiting forever; a service running with too few threads, or a
 * driver whose system threads are gone, stops doing its work. In a kernel dump this shows as references
 * to threads that are not in any process's thread list, or that are terminated.
 *
 * Detection: every thread of every process (from `nt!PsActiveProcessHead`), live ones and terminated
 * ones still linked (CrossThreadFlags.Terminated). References checked: the owners of the mutants waited
 * on (KMUTANT.OwnerThread of the objects in the wait blocks, at most `MaxWaitDetails` waiting threads)
 * and the owners of the executive resources in `nt!ExpSystemResourcesList` (ERESOURCE OwnerEntry and
 * OwnerTable, flag bits masked). An owner that is a terminated thread is DanglingOwner (exited); one in
 * no thread list is DanglingOwner (missing), with what the memory at that address holds now. Also:
 * terminated threads still referenced whose exit status is crash-like (Exited), live processes whose
 * LastThreadExitStatus is crash-like (LastThreadExit), processes with far fewer threads than their
 * peers of the same image or than `ExpectedThreads` says (LowThreadCount), and `ExpectedSystemThreads`
 * start addresses without a thread in System (MissingSystemThread). ALPC references (a client waiting for
 * a server thread) are AlpcWaitChains' part.
 *
 * Verdict: Positive for dangling owners; Suspicious for crash-like exits and count anomalies; Negative
 * when none is found.
 *
 * False positives: thread objects are freed and reused, so an owner address may now hold another thread
 * (the row shows what is there). A thread exits with an error code on purpose in some programs. Expected
 * counts are product knowledge: ExpectedThreads is empty by default.
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All also lists every terminated thread
 * still linked, not only the crash-like ones.
 *
 * @function MissingThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): list every terminated thread still linked; or the string `"all"`.
 * @returns {ResultSet} One row per finding: Kind, Referrer, ThreadAddress, Thread, Process, ExitStatus, Expected, Verdict, Evidence, Source.
 * @example dx @$ewmda.MissingThreads()
 * @example dx -g @$ewmda.MissingThreads().Where(r => r.Kind == "DanglingOwner")
 * @example !ewmda.missingthreads
 */
export const missingThreads = defineAnalysis({
  meta: {
    name: "MissingThreads",
    command: "missingthreads",
    summary: "Lock owners and other referenced threads that exited or are gone, crash exits, processes with too few threads",
    patterns: ["Missing Thread (kernel space)"],
    targets: "kernel",
    version: "1.0.0",
    params: [{ name: "options", help: "All: list every terminated thread still linked; or the string \"all\"", optional: true }],
    options: [{ name: "All", type: "bool", help: "also list every terminated thread still linked, not only the crash-like ones" }],
    columns: [
      { name: "Kind", type: "string", help: "DanglingOwner, Exited, LastThreadExit, LowThreadCount or MissingSystemThread" },
      { name: "Referrer", type: "string", help: "What refers to the thread (a mutant, an ERESOURCE) or what was compared" },
      { name: "ThreadAddress", type: "address", help: "The ETHREAD referred to" },
      { name: "Thread", type: "hex", help: "Its thread id, when the address still holds a thread" },
      { name: "Process", type: "string", help: "The process concerned, name (pid)" },
      { name: "ExitStatus", type: "hex", help: "The thread's ExitStatus, or the process's LastThreadExitStatus" },
      { name: "Expected", type: "string", help: "Expected against actual thread counts (LowThreadCount, MissingSystemThread)" },
    ],
    settings: {
      MaxWaitDetails: {
        default: 4096,
        help: "Waiting threads whose wait blocks are read for mutant owners",
        reason: "a wait block costs three reads; thousands of threads on a server stay within a few seconds",
      },
      MaxResources: {
        default: 8192,
        help: "ERESOURCEs read from nt!ExpSystemResourcesList",
        reason: "a busy system has a few thousand; the cap protects against a corrupted list",
      },
      MinPeers: {
        default: 3,
        help: "Live processes of one image needed to compare their thread counts",
        reason: "with fewer peers there is no normal count to compare with",
      },
      PeerMinThreads: {
        default: 4,
        help: "Median thread count of the peers from which a process with far fewer threads is reported",
        reason: "images that run with one or two threads have no room for a missing one",
      },
      PeerRatio: {
        default: 4,
        help: "How many times fewer threads than the peers' median make a process LowThreadCount",
        reason: "a quarter of the usual threads is more than normal variation (One-Thread Process)",
      },
      ExpectedThreads: {
        default: [] as string[],
        help: "Minimum live threads per image, as \"image=count\" (svchost.exe=3)",
        reason: "how many threads a product needs is product knowledge; empty by default",
      },
      ExpectedSystemThreads: {
        default: ["nt!ExpWorkerThread"],
        help: "Start addresses (module!function) of system threads that must exist in System",
        reason: "the executive worker threads run every work item; none means queued work never runs",
      },
      BenignExitCodes: {
        default: BENIGN_EXIT_CODES,
        help: "Exit statuses that are never crash-like (hex)",
        reason: "success, exit code 1, Ctrl+C, a debugger's kill and STATUS_PENDING are normal ends",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const flags = readFlags(args[0], ["All"]);
    if (typeof flags === "string") {
      ctx.summary("MissingThreads: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    const k = Kernel.of(t);
    const missing = k.missing();
    if (missing) {
      ctx.summary("MissingThreads: needs a kernel or complete dump");
      yield info("MissingThreads needs a kernel or complete dump: " + missing + "; then !process 0 7 and !locks show owners and threads", "heuristic");
      return;
    }
    const all = k.allThreads();
    if (all.problems.length) yield info("the process or thread lists are incomplete: " + all.problems.slice(0, 3).join("; ") + " (!process 0 0)", "typed");
    const benign = parseCodeList(cfg.BenignExitCodes);
    const byAddress: { [key: string]: KThread } = {};
    for (const th of all.threads) byAddress[addressKey(th.address)] = th;
    let findings = 0;

    // 1. Owners of what threads wait on, and of executive resources.
    const refs: { owner: Int64; referrer: string }[] = [];
    let detailed = 0;
    for (const th of all.threads) {
      if (th.state !== STATE.Waiting || th.process.pid === 0) continue;
      if (detailed >= cfg.MaxWaitDetails) break;
      detailed++;
      for (const b of k.waitBlocks(th, 8).blocks) {
        if (b.owner && !isNull(b.owner)) {
          refs.push({ owner: b.owner, referrer: "mutant " + t.formatAddress(b.object) + (b.name ? " " + b.name : "") + " waited on by " + tidText(th) + " of " + processLabel(th.process) });
        }
      }
    }
    const resources = k.resources(cfg.MaxResources);
    for (const r of resources.items) {
      for (const o of r.owners) {
        refs.push({ owner: o, referrer: "ERESOURCE " + t.formatAddress(r.address) + " (" + (r.exclusive ? "exclusive" : "shared") + ", " +
          r.exclusiveWaiters + " exclusive and " + r.sharedWaiters + " shared waiters)" });
      }
    }
    const seen: { [key: string]: true } = {};
    for (const ref of refs) {
      const key = addressKey(ref.owner) + "|" + ref.referrer;
      if (seen[key]) continue;
      seen[key] = true;
      const th = byAddress[addressKey(ref.owner)];
      if (th && th.terminated !== true && th.state !== STATE.Terminated) continue;
      findings++;
      if (th) {
        yield {
          Kind: "DanglingOwner", Referrer: ref.referrer, ThreadAddress: ref.owner, Thread: th.tid, Process: processLabel(th.process), ExitStatus: th.exitStatus,
          Verdict: "Positive", Source: "typed",
          Evidence: "the owner, thread " + tidText(th) + " of " + processLabel(th.process) + ", has exited" + exitText(th.exitStatus) + " without releasing it; !thread " + t.formatAddress(ref.owner),
        };
      } else {
        const there = k.threadAt(ref.owner);
        const now = there && there.tid > 0 ? "the memory there reads as thread 0x" + there.tid.toString(16) + " of " + processLabel(there.process) + " (freed and reused, or a hidden process)"
          : "no thread is there any more";
        yield {
          Kind: "DanglingOwner", Referrer: ref.referrer, ThreadAddress: ref.owner, Thread: there && there.tid > 0 ? there.tid : undefined, Process: undefined, ExitStatus: undefined,
          Verdict: "Positive", Source: "typed",
          Evidence: "the owner " + t.formatAddress(ref.owner) + " is not a thread of any listed process: " + now + "; !thread " + t.formatAddress(ref.owner) + ", !locks",
        };
      }
    }
    if (resources.problem && resources.problem.indexOf("missing from the symbols") < 0) yield info("executive resources: " + resources.problem + " (!locks)", "typed");

    // 2. Terminated threads still linked.
    const terminatedBy: { [process: string]: KThread[] } = {};
    for (const th of all.threads) {
      if (th.terminated !== true) continue;
      const crash = th.exitStatus !== undefined && isCrashExitCode(th.exitStatus, benign);
      (terminatedBy[processLabel(th.process)] || (terminatedBy[processLabel(th.process)] = [])).push(th);
      if (!crash && !flags.All) continue;
      if (crash) findings++;
      const h = k.objectHeader(th.address);
      const refsText = h instanceof Unavailable ? "" : " (" + (h.handleCount ?? "?") + " handle(s), " + (h.pointerCount ?? "?") + " reference(s) keep it)";
      yield {
        Kind: "Exited", Referrer: "still linked to " + processLabel(th.process), ThreadAddress: th.address, Thread: th.tid, Process: processLabel(th.process), ExitStatus: th.exitStatus,
        Verdict: crash ? "Suspicious" : "Info", Source: "typed",
        Evidence: "thread " + tidText(th) + " of " + processLabel(th.process) + " terminated" + exitText(th.exitStatus) + refsText + "; !thread " + t.formatAddress(th.address),
      };
    }

    // 3. Live processes whose last thread exit was a crash.
    for (const p of all.processes) {
      if (!isZeroTime(p.exitTime) || p.lastThreadExitStatus === undefined || p.pid === 0) continue;
      if (!isCrashExitCode(p.lastThreadExitStatus, benign)) continue;
      findings++;
      yield {
        Kind: "LastThreadExit", Referrer: "EPROCESS.LastThreadExitStatus", Process: processLabel(p), ExitStatus: p.lastThreadExitStatus,
        Verdict: "Suspicious", Source: "typed",
        Evidence: "a thread of " + processLabel(p) + " exited" + exitText(p.lastThreadExitStatus) + " and the process lives on without it; dt nt!_EPROCESS " +
          t.formatAddress(p.address) + " LastThreadExitStatus",
      };
    }

    // 4. Thread counts against peers and the expected minimums.
    const live = all.processes.filter((p) => isZeroTime(p.exitTime) && p.pid > 4);
    const byImage: { [image: string]: KProcess[] } = {};
    for (const p of live) (byImage[p.name.toLowerCase()] || (byImage[p.name.toLowerCase()] = [])).push(p);
    const expected = expectedCounts(cfg.ExpectedThreads);
    for (const image of Object.keys(byImage).sort()) {
      const list = byImage[image]!;
      const counts = list.map((p) => p.activeThreads || 0).sort((a, b) => a - b);
      const median = counts[Math.floor(counts.length / 2)]!;
      for (const p of list) {
        const n = p.activeThreads;
        if (n === undefined) continue;
        const min = expected[image];
        let why: string | undefined;
        let exp: string | undefined;
        if (min !== undefined && n < min) { why = "fewer live threads than ExpectedThreads says"; exp = "at least " + min + ", has " + n; }
        else if (list.length >= cfg.MinPeers && median >= cfg.PeerMinThreads && n * cfg.PeerRatio <= median) {
          why = "far fewer threads than its " + (list.length - 1) + " peer(s) of the same image"; exp = "peers' median " + median + ", has " + n;
        }
        if (!why) continue;
        findings++;
        yield {
          Kind: "LowThreadCount", Referrer: list.length + " process(es) of " + p.name, Process: processLabel(p), Expected: exp,
          Verdict: "Suspicious", Source: "typed",
          Evidence: processLabel(p) + ": " + why + " (" + exp + "); !process " + t.formatAddress(p.address) + " 7",
        };
      }
    }

    // 5. Expected system threads.
    const system = all.processes.filter((p) => p.pid === 4)[0];
    if (system) {
      const threads = all.threads.filter((th) => th.process === system && th.terminated !== true);
      for (const fn of cfg.ExpectedSystemThreads) {
        const bang = fn.indexOf("!");
        let address: Int64 | undefined;
        try { address = bang > 0 ? host.getModuleSymbolAddress(fn.slice(0, bang), fn.slice(bang + 1), t.process) : undefined; } catch (e) { address = undefined; }
        if (!address) { yield info("ExpectedSystemThreads: " + fn + " is not in the symbols; not checked", "typed"); continue; }
        const key = addressKey(address);
        const n = threads.filter((th) => th.startAddress !== undefined && addressKey(th.startAddress) === key).length;
        if (n > 0) continue;
        findings++;
        yield {
          Kind: "MissingSystemThread", Referrer: "ExpectedSystemThreads", Process: processLabel(system), Expected: "at least 1 thread starting at " + fn + ", has 0",
          Verdict: "Suspicious", Source: "typed",
          Evidence: "no thread of System starts at " + fn + " (" + t.formatAddress(address) + "): its work is not being done; !process 4 7, !exqueue",
        };
      }
    }

    const terminated = Object.keys(terminatedBy).reduce((n, key) => n + terminatedBy[key]!.length, 0);
    if (findings === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 missing threads among " + all.threads.length + " threads of " + all.processes.length + " processes (" + refs.length + " owner reference(s) checked from " +
          detailed + " waits and " + resources.items.length + " ERESOURCEs; " + terminated + " terminated thread(s) still linked, none crash-like; !process 0 7, !locks)",
      };
    }
    ctx.summary("MissingThreads: " + findings + " finding(s) among " + all.threads.length + " threads of " + all.processes.length + " processes; " +
      refs.length + " owner reference(s) checked, " + terminated + " terminated thread(s) still linked");
  },

  rowText(row) {
    if (row.Kind === undefined) return row.Verdict + ": " + row.Evidence;
    return String(row.Kind) + ": " + (row.Thread !== undefined ? "thread " + hex(row.Thread as number) + " " : "") + String(row.Process ?? row.Referrer ?? "");
  },
});

function exitText(code: number | undefined): string {
  return code === undefined ? "" : " with " + exceptionCodeText(code);
}

/** "image=count" entries, image lower case. */
function expectedCounts(list: readonly string[]): { [image: string]: number } {
  const out: { [image: string]: number } = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    const n = parseInt(item.slice(eq + 1).trim(), 10);
    if (n >= 0) out[item.slice(0, eq).trim().toLowerCase()] = n;
  }
  return out;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

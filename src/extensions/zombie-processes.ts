import { defineAnalysis, type Row } from "../lib/analysis";
import { exceptionCodeText } from "../lib/exception-codes";
import { hex, toNumber, type Int64 } from "../lib/int64";
import {
  addressKey, BENIGN_EXIT_CODES, fileTimeText, isCrashExitCode, isZeroTime, Kernel, parseCodeList, secondsBetween, type KProcess, type KThread,
} from "../lib/kernel";
import { formatSeconds } from "../lib/parse-time";
import { readFlags } from "../lib/thread-activity";
import { Unavailable, notAvailable, type Source } from "../lib/values";

/**
 * Zombie Processes: processes that have exited but whose process object is still referenced, with why
 * they matter (crash-like exits, many zombies of one image or from one parent) and who keeps them.
 *
 * The pattern: a process whose threads have all exited and whose handle table and address space are
 * torn down stays in the system's process list as long as someone holds a handle or a reference to its
 * EPROCESS. Task Manager does not show it; a kernel debugger does. Zombies are evidence of past crashes
 * and silent terminations; many zombies of one image (a service restarted again and again), or created by
 * one parent (a "process factory" that never closes its handles), point at the cause.
 *
 * Detection: every process of `nt!PsActiveProcessHead` (one read per EPROCESS, fields by name) is a
 * zombie when its ObjectTable is null, ActiveThreads is 0 and ExitTime is set (System and Idle excluded).
 * Per zombie: exit status (crash-like: an error or software-exception code that is not in
 * `BenignExitCodes`, or Flags3.Crashed where the build has it), lifetime, zombie age (the dump time from
 * KUSER_SHARED_DATA.SystemTime, else `.time`), the parent resolved over the whole list (a parent that is
 * itself a zombie is named as such), the PointerCount and HandleCount from the object header, and the
 * threads still linked to it (terminated threads with the handles that keep them). Zombies are grouped by
 * image (with the live instances of the same image: a restarted service) and by parent. With the
 * `Holders` option, each process's handle table (the debugger's Io.Handles) is searched for handles to
 * the zombies and their threads, within `HolderBudgetMs` and `MaxHolderHandles`.
 *
 * Verdict: Positive for a zombie with a crash-like exit, one of at least `SameImageThreshold` zombies of
 * an image, of `ParentThreshold` zombies of one parent or held by one process, or one of many zombies
 * (`TotalThreshold`, or `TotalPercent` of the processes); Suspicious for an isolated zombie; Info for a
 * zombie younger than `MinAgeSeconds` (a process is a zombie for a moment during normal teardown).
 *
 * False positives: a process that exited seconds before the dump is still being torn down; a parent
 * that waits for its child's exit code legitimately holds the handle for a while. Kernel minidumps
 * have no process list.
 *
 * Options (a dx object `new { Holders = true }` or the string `"holders"`): Holders searches the handle
 * tables for the processes holding the zombies.
 *
 * @function ZombieProcesses
 * @memberof Ewmda
 * @param {object|string} [options] `Holders` (bool): also find the processes holding handles to the zombies; or the string `"holders"`.
 * @returns {ResultSet} One row per zombie (Kind Zombie) and per image or parent with several zombies (Kind ByImage, ByParent): Kind, Process, PID, Parent, ExitStatus, ExitText, CrashLike, Created, Exited, Lifetime, ZombieAge, PointerCount, HandleCount, TerminatedThreads, ThreadHandles, Holders, Count, LiveInstances, Address, Verdict, Evidence, Source.
 * @example dx @$ewmda.ZombieProcesses()
 * @example dx -g @$ewmda.ZombieProcesses().Where(r => r.Kind == "Zombie" && r.CrashLike)
 * @example dx @$ewmda.ZombieProcesses(new { Holders = true })
 * @example !ewmda.zombies
 * @example !ewmda.zombies "holders"
 */
export const zombieProcesses = defineAnalysis({
  meta: {
    name: "ZombieProcesses",
    command: "zombies",
    summary: "Exited processes still referenced: exit status, age, parent, reference counts, grouped by image and parent",
    patterns: ["Zombie Processes"],
    targets: "kernel",
    version: "1.0.0",
    params: [{ name: "options", help: "Holders: also find who holds handles to the zombies; or the string \"holders\"", optional: true }],
    options: [{ name: "Holders", type: "bool", help: "search every process's handle table (Io.Handles) for handles to the zombies and their threads" }],
    columns: [
      { name: "Kind", type: "string", help: "Zombie (one exited process), ByImage or ByParent (a group of zombies)" },
      { name: "Process", type: "string", help: "Image file name (ImageFileName)" },
      { name: "PID", type: "hex", help: "Process id (zombies keep theirs until the object is freed)" },
      { name: "Parent", type: "string", help: "InheritedFromUniqueProcessId resolved over the whole list: name (pid), marked when the parent is itself a zombie or is gone" },
      { name: "ExitStatus", type: "hex", help: "ExitStatus (NTSTATUS or exit code)" },
      { name: "ExitText", type: "string", help: "What the exit status means", table: false },
      { name: "CrashLike", type: "bool", help: "An error or exception code not in BenignExitCodes, or Flags3.Crashed" },
      { name: "Created", type: "string", help: "CreateTime (UTC)", table: false },
      { name: "Exited", type: "string", help: "ExitTime (UTC)" },
      { name: "Lifetime", type: "string", help: "ExitTime - CreateTime" },
      { name: "ZombieAge", type: "string", help: "Dump time - ExitTime: how long it has been a zombie" },
      { name: "PointerCount", type: "int", help: "References to the EPROCESS (object header)" },
      { name: "HandleCount", type: "int", help: "Handles to the EPROCESS (object header)" },
      { name: "TerminatedThreads", type: "int", help: "Terminated threads still linked to the process" },
      { name: "ThreadHandles", type: "int", help: "Handles to those threads (a thread handle keeps the thread, and the thread keeps the process)", table: false },
      { name: "Holders", type: "string", help: "Processes holding handles to the zombie or its threads (Holders option)", sparse: true },
      { name: "Count", type: "int", help: "Zombies in the group (ByImage, ByParent rows)", sparse: true },
      { name: "LiveInstances", type: "int", help: "Live processes of the same image (ByImage rows): a restarted service", sparse: true },
      { name: "Address", type: "address", help: "EPROCESS address", table: false },
    ],
    settings: {
      MinAgeSeconds: {
        default: 60,
        help: "Zombies younger than this (dump time - ExitTime) are reported as Info",
        reason: "every exiting process is a zombie for a moment while its last references are released (patterns.md §1)",
      },
      SameImageThreshold: {
        default: 3,
        help: "Zombies of one image that make each of them Positive",
        reason: "repeated zombies of a process that should run once (a service) mean it crashed and was restarted (Vostokov, Crashed Processes)",
      },
      ParentThreshold: {
        default: 5,
        help: "Zombies of one parent (or held by one process) that make each of them Positive",
        reason: "a parent that creates processes and never closes their handles leaks them (Process Factory)",
      },
      TotalThreshold: {
        default: 50,
        help: "Zombies in the system that make each of them Positive",
        reason: "fifty exited processes kept alive tie up PIDs and kernel memory whatever their cause (patterns.md §1)",
      },
      TotalPercent: {
        default: 10,
        help: "Share of the processes (percent) that, with at least SameImageThreshold zombies, makes each of them Positive",
        reason: "on a small system a tenth of the process list being zombies is as telling as fifty on a large one",
      },
      BenignExitCodes: {
        default: BENIGN_EXIT_CODES,
        help: "Exit statuses that are never crash-like (hex)",
        reason: "success, the generic failure exit code 1, Ctrl+C (STATUS_CONTROL_C_EXIT), a debugger's kill (DBG_TERMINATE_PROCESS), STATUS_PENDING",
      },
      MaxHolderHandles: {
        default: 200000,
        help: "Handles examined per call by the Holders search",
        reason: "a terminal server has millions of handles; the search stops there and says so",
      },
      HolderBudgetMs: {
        default: 10000,
        help: "Time the Holders search may take",
        reason: "each handle is a few host calls; ten seconds covers a busy server without hanging the debugger",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const flags = readFlags(args[0], ["Holders"]);
    if (typeof flags === "string") {
      ctx.summary("ZombieProcesses: " + flags);
      yield info(flags, "heuristic");
      return;
    }
    const k = Kernel.of(t);
    const missing = k.missing();
    if (missing) {
      ctx.summary("ZombieProcesses: needs a kernel or complete dump");
      yield info("ZombieProcesses needs a kernel or complete dump: " + missing + "; then !process 0 0 lists exited processes with ObjectTable 00000000", "heuristic");
      return;
    }
    const walk = k.processes();
    const all = walk.items;
    if (walk.problem) yield info("the process list is incomplete: " + walk.problem + " (!process 0 0)", "typed");
    if (all.length === 0) {
      ctx.summary("ZombieProcesses: no processes could be read");
      return;
    }

    const byPid: { [pid: number]: KProcess[] } = {};
    for (const p of all) (byPid[p.pid] || (byPid[p.pid] = [])).push(p);
    const zombies = all.filter(isZombie);
    const zombieKeys: { [key: string]: true } = {};
    for (const z of zombies) zombieKeys[addressKey(z.address)] = true;
    const dump = k.dumpTime();
    const benign = parseCodeList(cfg.BenignExitCodes);

    if (zombies.length === 0) {
      const exited = all.filter((p) => !isZeroTime(p.exitTime)).length;
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 zombie processes among " + all.length + " processes (no process with ObjectTable null, ActiveThreads 0 and ExitTime set" +
          (exited ? "; " + exited + " exited process(es) still have threads or a handle table: exiting now" : "") + "; !process 0 0)",
      };
      ctx.summary("ZombieProcesses: 0 zombies among " + all.length + " processes");
      return;
    }

    // Per zombie: header counts and the threads still linked.
    interface Z { p: KProcess; header: { pointers?: number; handles?: number; address?: Int64; why?: string }; threads: KThread[]; threadHandles: number; threadHeaders: Int64[] }
    const details: Z[] = zombies.map((p) => {
      const h = k.objectHeader(p.address);
      const header = h instanceof Unavailable ? { why: h.reason } : { pointers: h.pointerCount, handles: h.handleCount, address: h.header };
      const threads = k.threadsOf(p).items;
      let threadHandles = 0;
      const threadHeaders: Int64[] = [];
      for (const th of threads) {
        const th2 = k.objectHeader(th.address);
        if (th2 instanceof Unavailable) continue;
        threadHandles += th2.handleCount || 0;
        threadHeaders.push(th2.header);
      }
      return { p, header, threads, threadHandles, threadHeaders };
    });

    // Optional: who holds handles to them.
    const holders: { [zombie: string]: Holding[] } = {};
    const heldBy: { [process: string]: { [zombie: string]: true } } = {};
    let holderNote: string | undefined;
    let holderStopped = false;
    if (flags.Holders) {
      const targets: { [header: string]: { zombie: string; what: string } } = {};
      for (const d of details) {
        const zk = addressKey(d.p.address);
        if (d.header.address) targets[addressKey(d.header.address)] = { zombie: zk, what: "process" };
        for (const h of d.threadHeaders) targets[addressKey(h)] = { zombie: zk, what: "thread" };
      }
      const found = findHolders(targets, zombieKeys, cfg.MaxHolderHandles, cfg.HolderBudgetMs, holders, heldBy);
      holderNote = found.note;
      holderStopped = found.stopped;
    }

    // Groups.
    const byImage: { [name: string]: Z[] } = {};
    const byParent: { [pid: number]: Z[] } = {};
    for (const d of details) {
      const image = d.p.name.toLowerCase();
      (byImage[image] || (byImage[image] = [])).push(d);
      if (d.p.parentPid !== undefined) (byParent[d.p.parentPid] || (byParent[d.p.parentPid] = [])).push(d);
    }
    const live = (image: string) => all.filter((p) => !isZombie(p) && p.name.toLowerCase() === image).length;
    const manyOverall = zombies.length >= cfg.TotalThreshold ||
      (zombies.length >= cfg.SameImageThreshold && zombies.length * 100 >= cfg.TotalPercent * all.length);
    const parentText = (pid: number | undefined): string => {
      if (pid === undefined) return "unreadable";
      const list = byPid[pid];
      if (!list || list.length === 0) return "0x" + pid.toString(16) + " (not in the process list: exited and freed)";
      const names = list.map((q) => q.name + " (0x" + pid.toString(16) + (isZombie(q) ? ", itself a zombie" : "") + ")");
      return names.join(" or ");
    };

    let positives = 0;
    for (const d of details) {
      const p = d.p;
      const code = p.exitStatus;
      const crashLike = (code !== undefined && isCrashExitCode(code >>> 0, benign)) || p.crashed === true;
      const lifetime = p.createTime && p.exitTime ? secondsBetween(p.exitTime, p.createTime) : undefined;
      const age = dump instanceof Unavailable || !p.exitTime ? undefined : secondsBetween(dump.time, p.exitTime);
      const image = p.name.toLowerCase();
      const sameImage = byImage[image]!.length;
      const sameParent = p.parentPid !== undefined ? byParent[p.parentPid]!.length : 0;
      const zk = addressKey(p.address);
      const holding = holders[zk] || [];
      const bigHolder = holding.some((h) => Object.keys(heldBy[h.process] || {}).length >= cfg.ParentThreshold);
      const reasons: string[] = [];
      if (crashLike) reasons.push(code !== undefined && isCrashExitCode(code >>> 0, benign) ? "crash-like exit " + exceptionCodeText(code) : "Flags3.Crashed is set");
      if (sameImage >= cfg.SameImageThreshold) reasons.push(sameImage + " zombies of " + p.name + (live(image) ? " beside " + live(image) + " live instance(s): restarted" : ""));
      if (sameParent >= cfg.ParentThreshold) reasons.push(sameParent + " zombies of one parent");
      if (bigHolder) reasons.push("held by a process that holds " + cfg.ParentThreshold + " or more zombies");
      if (manyOverall) reasons.push(zombies.length + " zombies among " + all.length + " processes");
      let verdict: Row["Verdict"];
      let why: string;
      if (age !== undefined && age < cfg.MinAgeSeconds) { verdict = "Info"; why = "exited " + formatSeconds(age) + " before the dump: normal teardown (MinAgeSeconds " + cfg.MinAgeSeconds + ")"; }
      else if (reasons.length) { verdict = "Positive"; why = reasons.join("; "); }
      else { verdict = "Suspicious"; why = "an isolated zombie: a handle or a reference keeps it" + (d.header.handles ? " (" + d.header.handles + " handle(s))" : ""); }
      if (verdict === "Positive") positives++;
      const addr = t.formatAddress(p.address);
      yield {
        Kind: "Zombie", Process: p.name, PID: p.pid, Parent: parentText(p.parentPid),
        ExitStatus: code, ExitText: code === undefined ? undefined : exceptionCodeText(code),
        CrashLike: crashLike,
        Created: fileTimeText(p.createTime), Exited: fileTimeText(p.exitTime),
        Lifetime: lifetime === undefined ? notAvailable("CreateTime or ExitTime unreadable") : formatSeconds(lifetime),
        ZombieAge: age === undefined ? notAvailable(dump instanceof Unavailable ? dump.reason : "ExitTime unreadable") : formatSeconds(age),
        PointerCount: d.header.pointers !== undefined ? d.header.pointers : notAvailable(d.header.why || "object header unreadable"),
        HandleCount: d.header.handles !== undefined ? d.header.handles : notAvailable(d.header.why || "object header unreadable"),
        TerminatedThreads: d.threads.filter((th) => th.terminated === true).length,
        ThreadHandles: d.threads.length ? d.threadHandles : undefined,
        Holders: flags.Holders ? (holding.length ? holding.map((h) => h.text).join(", ") + (holderStopped ? " (search stopped early: maybe more)" : "")
          : holderStopped ? "none found before the search stopped (partial)" : "none found") : undefined,
        Count: undefined, LiveInstances: undefined, Address: p.address,
        Verdict: verdict, Source: "typed",
        Evidence: why + "; !process " + addr + " 1 (ObjectTable 00000000, no active threads); dt nt!_EPROCESS " + addr + " ExitTime ExitStatus; !object " + addr,
      };
    }

    for (const image of Object.keys(byImage).sort()) {
      const list = byImage[image]!;
      if (list.length < 2) continue;
      const n = live(image);
      yield {
        Kind: "ByImage", Process: list[0]!.p.name, Count: list.length, LiveInstances: n,
        Verdict: list.length >= cfg.SameImageThreshold ? "Positive" : "Info", Source: "typed",
        Evidence: list.length + " zombies of " + list[0]!.p.name + " (pids " + list.map((d) => "0x" + d.p.pid.toString(16)).join(", ") + ")" +
          (n ? " and " + n + " live instance(s)" : "") + "; !process 0 0 " + list[0]!.p.name,
      };
    }
    for (const key of Object.keys(byParent).sort((a, b) => Number(a) - Number(b))) {
      const pid = Number(key);
      const list = byParent[pid]!;
      if (list.length < 2) continue;
      yield {
        Kind: "ByParent", Process: parentText(pid), PID: pid, Count: list.length,
        Verdict: list.length >= cfg.ParentThreshold ? "Positive" : "Info", Source: "typed",
        Evidence: list.length + " zombies created by " + parentText(pid) + ": " + list.map((d) => d.p.name + " 0x" + d.p.pid.toString(16)).join(", ") +
          "; a parent that keeps its children's handles (!handle 0 3 0x" + pid.toString(16) + " Process)",
      };
    }
    if (holderNote) yield info(holderNote, "typed");
    if (dump instanceof Unavailable) yield info("zombie ages are not available: " + dump.reason + " (.time)", "typed");

    const images = Object.keys(byImage).map((i) => byImage[i]!.length + " " + byImage[i]![0]!.p.name).sort();
    ctx.summary("ZombieProcesses: " + zombies.length + " zombie(s) among " + all.length + " processes (" + positives + " positive): " +
      images.slice(0, 5).join(", ") + (images.length > 5 ? ", ..." : "") + (holderStopped ? " (holder search partial)" : ""));
  },

  rowText(row) {
    if (row.Kind === "Zombie") return String(row.Process) + " 0x" + (row.PID as number).toString(16) + " exited " + hex(row.ExitStatus === undefined ? 0 : (row.ExitStatus as number)) + ", zombie for " + String(row.ZombieAge);
    if (row.Kind === "ByImage" || row.Kind === "ByParent") return String(row.Kind) + " " + String(row.Process) + ": " + String(row.Count) + " zombies";
    return row.Verdict + ": " + row.Evidence;
  },
});

/** ObjectTable null, no active threads, ExitTime set; not System or Idle. */
function isZombie(p: KProcess): boolean {
  return p.pid !== 0 && p.pid !== 4 && p.hasObjectTable === false && p.activeThreads === 0 && !isZeroTime(p.exitTime);
}

interface Holding { readonly process: string; readonly text: string }

/**
 * Searches every non-zombie process's handles (the debugger's Io.Handles) for the given object headers.
 * Only Process and Thread handles are examined. Returns a note when the search was cut short or impossible.
 */
function findHolders(targets: { [header: string]: { zombie: string; what: string } }, zombies: { [key: string]: true }, maxHandles: number,
  budgetMs: number, holders: { [zombie: string]: Holding[] }, heldBy: { [process: string]: { [zombie: string]: true } }): { note: string | undefined; stopped: boolean } {
  const started = Date.now();
  let examined = 0;
  let withoutHandles = 0;
  let processes = 0;
  let stopped: string | undefined;
  try {
    for (const proc of host.currentSession.Processes) {
      let pid: number;
      let name: string;
      try { pid = toNumber(proc.Id); name = String(proc.Name); } catch (e) { continue; }
      let kernelObject: string | undefined;
      try { const ko = (proc as unknown as { KernelObject?: { address: Int64 } }).KernelObject; kernelObject = ko ? addressKey(ko.address) : undefined; } catch (e) { kernelObject = undefined; }
      if (kernelObject && zombies[kernelObject]) continue;
      let handles: Iterable<DbgModel.Handle> | undefined;
      try { handles = proc.Io ? proc.Io.Handles : undefined; } catch (e) { handles = undefined; }
      if (!handles) { withoutHandles++; continue; }
      processes++;
      const label = name + " (0x" + pid.toString(16) + ")";
      for (const h of handles) {
        if (examined >= maxHandles) { stopped = "stopped after " + maxHandles + " handles (MaxHolderHandles)"; break; }
        if (budgetMs > 0 && Date.now() - started > budgetMs) { stopped = "stopped at the time budget of " + budgetMs + " ms (HolderBudgetMs)"; break; }
        examined++;
        let type: string;
        try { type = String(h.Type); } catch (e) { continue; }
        if (type !== "Process" && type !== "Thread") continue;
        let header: string;
        try { header = addressKey((h.Object as unknown as { address: Int64 }).address); } catch (e) { continue; }
        const hit = targets[header];
        if (!hit) continue;
        let value = "";
        try { value = " handle " + hex(h.Handle); } catch (e) { value = ""; }
        (holders[hit.zombie] || (holders[hit.zombie] = [])).push({ process: label, text: label + value + (hit.what === "thread" ? " (to a thread)" : "") });
        (heldBy[label] || (heldBy[label] = {}))[hit.zombie] = true;
      }
      if (stopped) break;
    }
  } catch (e) {
    return { note: "the holder search failed: the debugger's process list could not be read", stopped: true };
  }
  const parts: string[] = [];
  if (stopped) parts.push("the holder search " + stopped + "; holders may be missing");
  if (processes === 0) parts.push("no process has a handle table the debugger can list (Io.Handles): holders are unknown (!findhandle, !handle 0 3 0 Process)");
  else if (withoutHandles) parts.push(withoutHandles + " process(es) have no handle list (Io.Handles): holders there are unknown");
  return { note: parts.length ? parts.join("; ") : undefined, stopped: stopped !== undefined };
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

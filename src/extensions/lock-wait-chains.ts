import { defineAnalysis, type Row } from "../lib/analysis";
import { addressKey, CriticalSections, type CriticalSection, type ListWalk, type ScanSettings, type WaitedLock } from "../lib/critical-sections";
import { isInt64, parseAddress, toInt64, type Int64 } from "../lib/int64";
import type { Target, ThreadRef } from "../lib/target";
import type { Source } from "../lib/values";
import { classifyWait, type WaitClass } from "../lib/wait-classes";

export interface LockSettings extends ScanSettings {
  readonly MaxListEntries: number;
}

/** A thread in a critical-section wait and the lock found for it. */
export interface LockWait {
  readonly thread: ThreadRef;
  readonly wait: WaitClass;
  readonly found: WaitedLock;
}

/** Every critical section known to one call, who owns what and who waits for what. */
export interface LockGraph {
  readonly list: ListWalk;
  /** List sections, plus sections found on waiting threads' stacks or named by the user. */
  readonly known: { [key: string]: CriticalSection };
  readonly waits: LockWait[];
  readonly waitOf: { [tid: number]: LockWait };
  readonly threadIds: { [tid: number]: boolean };
  readonly threadCount: number;
}

/** Reads the lock list and resolves every critical-section waiter (shared with MessageWaitChains). */
export function buildLockGraph(t: Target, s: LockSettings, extra?: Int64): LockGraph {
  const cs = new CriticalSections(t);
  const list = cs.walkList(s.MaxListEntries);
  const known: { [key: string]: CriticalSection } = {};
  for (const c of list.sections) known[c.key] = c;
  if (extra) {
    const c = cs.read(extra, "argument");
    if (c && !known[c.key]) known[c.key] = c;
  }
  const threadIds: { [tid: number]: boolean } = {};
  const threads = t.threads();
  for (const th of threads) threadIds[th.id] = true;
  const waits: LockWait[] = [];
  const waitOf: { [tid: number]: LockWait } = {};
  for (const stack of t.threadStacks()) {
    const wait = classifyWait(stack);
    if (wait.category !== "critical-section") continue;
    const found = cs.findWaitedLock(stack, wait.frame, known, s);
    if (found.lock && !known[found.lock.key]) known[found.lock.key] = found.lock;
    const w = { thread: stack.thread, wait, found };
    waits.push(w);
    waitOf[stack.thread.id] = w;
  }
  return { list, known, waits, waitOf, threadIds, threadCount: threads.length };
}

/** Where following "waits for a lock owned by" from a thread leads. */
export interface LockChain {
  /** threads[i] waits for locks[i], owned by threads[i + 1]. */
  readonly threads: number[];
  readonly locks: CriticalSection[];
  /** Index in `threads` where the cycle starts (the last lock's owner), or -1. */
  readonly cycleAt: number;
  /** How the chain ends: the last thread's state, a lock without an owner, an owner no longer in the process, or a cycle. */
  readonly end: "state" | "no-owner" | "orphan" | "cycle";
}

/** The lock the thread waits for, when it is known and held. */
export function lockEdge(g: LockGraph, tid: number): CriticalSection | undefined {
  const w = g.waitOf[tid];
  return w && w.found.lock && w.found.lock.state.locked ? w.found.lock : undefined;
}

export function followLocks(g: LockGraph, start: number): LockChain {
  const threads = [start];
  const locks: CriticalSection[] = [];
  for (;;) {
    const cur = threads[threads.length - 1]!;
    const lock = lockEdge(g, cur);
    if (!lock) return { threads, locks, cycleAt: -1, end: "state" };
    locks.push(lock);
    if (lock.owner === undefined) return { threads, locks, cycleAt: -1, end: "no-owner" };
    if (!g.threadIds[lock.owner]) return { threads, locks, cycleAt: -1, end: "orphan" };
    const at = threads.indexOf(lock.owner);
    if (at >= 0) return { threads, locks, cycleAt: at, end: "cycle" };
    threads.push(lock.owner);
  }
}

/** What a thread is doing, as a clause: "is in a sync-object wait (ntdll!NtWaitForSingleObject)". */
export function describeWait(w: WaitClass): string {
  switch (w.category) {
    case "running": return "is running (" + (w.frame ? w.frame.symbol : w.reason) + ")";
    case "unknown": return "is in an unknown state (" + w.reason + ")";
    case "system-call": return "is " + w.reason;
    case "critical-section": return "waits for a critical section that could not be identified (" + w.reason + ")";
    case "message-send": return "is blocked in SendMessage (" + w.reason + "; !ewmda.messagewaits)";
    case "message-loop": return "is idle in its message loop (" + w.reason + ")";
    default: return "is in a " + w.category + " wait (" + w.reason + ")";
  }
}

/**
 * Lock wait chains over critical sections, with deadlock detection: which threads wait for which
 * locked critical section, who owns it, what the owner waits for in turn, and cycles (deadlocks).
 *
 * The pattern (Blocked Thread, Wait Chain over critical sections, Deadlock): a thread blocked in
 * EnterCriticalSection waits for the section's owner; if the owner waits for a lock held by the first
 * thread, neither ever runs again. An owner that exited without leaving the section (an orphaned
 * critical section) blocks every later waiter forever.
 *
 * Detection: the process's critical sections come from `ntdll!RtlCriticalSectionList` (walked through
 * `_RTL_CRITICAL_SECTION_DEBUG.ProcessLocksList`, bounded by `Config.LockWaitChains.MaxListEntries`
 * and with a visited set, since the list can be damaged or cyclic); a section counts only when its
 * DebugInfo points back to its debug record. LockCount is decoded with the Vista+ encoding (bit 0 clear
 * = locked, waiters = (-1 - LockCount) >> 2) or the older one, from PEB.OSMajorVersion. Waiting threads
 * are the threads whose stacks classify as a critical-section wait; the section each waits for is the
 * first locked section (not owned by the thread) among the stack slots from its top frame to its caller's
 * argument area (`Config.LockWaitChains.CallerSlots` slots past the caller's stack pointer). Sections
 * created without debug information (Windows 8+ `RTL_CRITICAL_SECTION_FLAG_NO_DEBUG_INFO`) are not on
 * the list; they are found the same way, from values on waiting threads' stacks that look like a
 * locked critical section (Source "heuristic"). Following thread → lock → owner gives the chains;
 * a repeated thread is a deadlock. Without ntdll symbols the list is unavailable and only sections
 * found on waiting threads' stacks are examined (an Info row says so).
 *
 * False positives: a stack value that looks like a locked critical section may be a stale pointer
 * (check with `!cs <address>`); a dump taken while a lock changed hands can show a waiter on a section
 * that is already free (reported as Info). Locks held without waiters are normal (Info).
 *
 * @function LockWaitChains
 * @memberof Ewmda
 * @param {number|string} [address] A critical section to report on (like `!cs <address>`); default: every locked one.
 * @returns {ResultSet} Rows of kind Deadlock (a cycle), Locked, Orphaned (owner gone) and Waiter (a waiter whose lock was not found): Kind, Lock, Symbol, Owner, Waiting, Waiters, RecursionCount, LockCount, Chain, Verdict, Evidence, Source.
 * @example dx @$ewmda.LockWaitChains()
 * @example dx -g @$ewmda.LockWaitChains().Where(r => r.Kind == "Deadlock")
 * @example dx @$ewmda.LockWaitChains(0x1d000001000)
 * @example !ewmda.locks
 */
export const lockWaitChains = defineAnalysis({
  meta: {
    name: "LockWaitChains",
    command: "locks",
    summary: "Critical-section wait chains: locked sections, owners, waiting threads, deadlock cycles and orphaned locks",
    patterns: ["Blocked Thread (software)"],
    targets: "user",
    version: "1.0.0",
    params: [{ name: "address", help: "a critical section to report on (default: every locked one)", optional: true }],
    options: [],
    columns: [
      { name: "Kind", type: "string", help: "Deadlock (a cycle of waits), Locked, Orphaned (the owner is no longer in the process) or Waiter (a waiting thread whose lock was not found)" },
      { name: "Lock", type: "address", help: "Address of the critical section (for a Deadlock: the first lock of the cycle)" },
      { name: "Symbol", type: "string", help: "Symbol of the lock when it is a module global (e.g. ntdll!LdrpLoaderLock)" },
      { name: "Owner", type: "hex", help: "Owning thread id (OwningThread)" },
      { name: "Waiting", type: "string", help: "Threads whose stacks show them waiting for this lock (a Deadlock: the threads of the cycle)" },
      { name: "Waiters", type: "int", help: "Waiting threads as the LockCount encodes them" },
      { name: "RecursionCount", type: "int", help: "How many times the owner entered the section" },
      { name: "LockCount", type: "int", help: "Raw LockCount field", table: false },
      { name: "Chain", type: "string", help: "Thread -> lock -> owner -> what the owner waits for, to the end or around the cycle" },
    ],
    settings: {
      MaxListEntries: {
        default: 100000,
        help: "Entries of ntdll!RtlCriticalSectionList walked at most",
        reason: "processes rarely have more than a few thousand critical sections with debug information; the bound stops a damaged list",
      },
      CallerSlots: {
        default: 8,
        help: "Pointer slots searched past the stack pointer of the caller of EnterCriticalSection",
        reason: "covers the x64 home area (4 slots) or the pushed x86 arguments, plus a few saved registers",
      },
      MaxScanSlots: {
        default: 256,
        help: "Pointer slots searched at most per waiting thread (from the top of its stack)",
        reason: "the wait path and its caller fit in 2 KiB on x64; the bound keeps a bad frame chain from scanning the whole stack",
      },
      MaxProbesPerThread: {
        default: 64,
        help: "Unknown stack values read as possible critical sections per waiting thread",
        reason: "bounds the memory reads per waiter when the section is not on the list (no debug information, no ntdll symbols)",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const parsed = parseArguments(args);
    if (typeof parsed === "string") {
      ctx.summary("LockWaitChains: " + parsed);
      yield { Verdict: "Info", Evidence: parsed, Source: "heuristic" };
      return;
    }
    const only = parsed;
    const g = buildLockGraph(t, ctx.settings, only);
    const onlyKey = only ? addressKey(only) : undefined;
    const listSource: Source = g.list.available ? "typed" : "heuristic";

    // What the list gave, or why it could not be used.
    if (!g.list.available) {
      yield {
        Verdict: "Info", Source: "heuristic",
        Evidence: g.list.problems[0] + ": only critical sections found on the stacks of " + count(g.waits.length, "waiting thread") +
          " were examined (.reload /f ntdll.dll, then !cs -l lists every locked section)",
      };
    }
    for (const p of g.list.available ? g.list.problems : []) {
      yield { Verdict: "Info", Source: "typed", Evidence: "ntdll!RtlCriticalSectionList: " + p + "; the " + g.list.sections.length + " sections read before that are used (dl " + t.formatAddress(g.list.head!) + ")" };
    }

    const lockText = (c: CriticalSection) => "cs " + t.formatAddress(c.address) + (symbolOf(t, c) ? " (" + symbolOf(t, c) + ")" : "");
    const stateOf = (tid: number) => describeWait(classifyWait(t.threadStack(t.findThread(tid)!)));
    const tidText = (tid: number) => "0x" + tid.toString(16);
    const continuation = (start: number): string => {
      const c = followLocks(g, start);
      let s = "";
      c.locks.forEach((l, i) => {
        const owner = l.owner === undefined ? "no owner" : tidText(l.owner);
        s += (i === 0 ? "" : ", which ") + "waits for " + lockText(l) + " owned by " + owner;
      });
      const last = c.threads[c.threads.length - 1]!;
      if (c.end === "state") s += (s ? ", which " : "") + stateOf(last);
      else if (c.end === "orphan") s += ", a thread no longer in the process (orphaned lock)";
      else if (c.end === "no-owner") s += " (OwningThread is 0)";
      else s += " (deadlock)";
      return s;
    };

    // Waiters per lock, deadlock cycles.
    const waitingOn: { [key: string]: number[] } = {};
    const cycles: { [key: string]: LockChain } = {};
    const inCycle: { [key: string]: boolean } = {};
    for (const w of g.waits) {
      const lock = w.found.lock;
      if (lock) (waitingOn[lock.key] = waitingOn[lock.key] || []).push(w.thread.id);
      const c = followLocks(g, w.thread.id);
      if (c.end !== "cycle") continue;
      const ring = c.threads.slice(c.cycleAt);
      const ringLocks = c.locks.slice(c.cycleAt);
      // One row per cycle, starting from its lowest thread id.
      let m = 0;
      for (let i = 1; i < ring.length; i++) if (ring[i]! < ring[m]!) m = i;
      const threads = ring.slice(m).concat(ring.slice(0, m));
      const locks = ringLocks.slice(m).concat(ringLocks.slice(0, m));
      const key = threads.join(",");
      if (cycles[key]) continue;
      cycles[key] = { threads, locks, cycleAt: 0, end: "cycle" };
      for (const l of locks) inCycle[l.key] = true;
    }

    const rows: Row[] = [];
    for (const key of Object.keys(cycles)) {
      const c = cycles[key]!;
      if (onlyKey && !c.locks.some((l) => l.key === onlyKey)) continue;
      const parts = c.threads.map((tid, i) => tidText(tid) + " waits for " + lockText(c.locks[i]!) + " owned by " + tidText(c.locks[i]!.owner!));
      rows.push({
        Kind: "Deadlock", Lock: c.locks[0]!.address, Symbol: symbolOf(t, c.locks[0]!), Owner: c.locks[0]!.owner,
        Waiting: c.threads.map(tidText).join(", "), Waiters: undefined, RecursionCount: undefined, LockCount: undefined,
        Chain: parts.join("; ") + " (cycle of " + c.threads.length + " threads)",
        Verdict: "Positive", Source: sourceOf(c.locks),
        Evidence: c.locks.map((l) => "!cs " + t.formatAddress(l.address)).join("; ") + "; " + c.threads.map((tid) => "~~[" + tidText(tid) + "]s; k").join("; "),
      });
    }

    let lockedCount = 0;
    const locked: CriticalSection[] = [];
    for (const key of Object.keys(g.known)) {
      const c = g.known[key]!;
      if (!c.state.valid || !c.state.locked) continue;
      lockedCount++;
      if (!onlyKey || key === onlyKey) locked.push(c);
    }
    const rank = (c: CriticalSection) => (inCycle[c.key] ? 0 : c.owner !== undefined && !g.threadIds[c.owner] ? 1 : waitingOn[c.key] || c.state.waiters ? 2 : 3);
    locked.sort((a, b) => rank(a) - rank(b) || ((waitingOn[b.key] || []).length - (waitingOn[a.key] || []).length) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const c of locked) {
      const waiting = waitingOn[c.key] || [];
      const orphan = c.owner !== undefined && !g.threadIds[c.owner];
      const contended = waiting.length > 0 || c.state.waiters > 0;
      let chain = waiting.length ? waiting.map(tidText).join(", ") + " wait" + (waiting.length === 1 ? "s" : "") + " for it; " : "";
      if (c.owner === undefined) chain += "OwningThread is 0 (the lock is being handed over, or the section is damaged)";
      else if (orphan) chain += "owner " + tidText(c.owner) + " is no longer in the process: it exited holding the lock (orphaned critical section)";
      else chain += "owner " + tidText(c.owner) + " " + continuation(c.owner);
      rows.push({
        Kind: orphan ? "Orphaned" : "Locked", Lock: c.address, Symbol: symbolOf(t, c), Owner: c.owner,
        Waiting: waiting.length ? waiting.map(tidText).join(", ") : undefined, Waiters: c.state.waiters, RecursionCount: c.recursionCount, LockCount: c.lockCount,
        Chain: chain,
        Verdict: inCycle[c.key] ? "Positive" : orphan || contended ? "Suspicious" : "Info",
        Source: c.origin === "list" ? listSource : c.origin === "argument" ? "typed" : "heuristic",
        Evidence: "!cs " + t.formatAddress(c.address) + (c.owner !== undefined && !orphan ? "; ~~[" + tidText(c.owner) + "]s; k" : orphan ? "; ~ (no thread " + tidText(c.owner!) + ")" : "") +
          (c.origin === "stack" ? " (found on the stack of waiting thread " + waiting.map(tidText).join(", ") + ", not on the lock list)" : ""),
      });
    }

    // Waiters whose lock was not found, or is not held.
    for (const w of g.waits) {
      const lock = w.found.lock;
      if (lock && lock.state.locked) continue;
      if (onlyKey && (!lock || lock.key !== onlyKey)) continue;
      const tid = tidText(w.thread.id);
      const range = w.found.start && w.found.end ? "dps " + t.formatAddress(w.found.start) + " " + t.formatAddress(w.found.end!) + "; " : "";
      rows.push({
        Kind: "Waiter", Lock: lock ? lock.address : undefined, Symbol: lock ? symbolOf(t, lock) : undefined, Owner: lock ? lock.owner : undefined,
        Waiting: tid, Waiters: lock ? lock.state.waiters : undefined, RecursionCount: lock ? lock.recursionCount : undefined, LockCount: lock ? lock.lockCount : undefined,
        Chain: lock ? tid + " waits for " + lockText(lock) + ", which is not locked (it was released while the dump was written, or the wrong section was found)" :
          tid + " waits in " + w.wait.reason + "; " + w.found.note,
        Verdict: "Info", Source: "heuristic",
        Evidence: range + "~~[" + tid + "]s; kv" + (lock ? "; !cs " + t.formatAddress(lock.address) : ""),
      });
    }

    for (const r of rows) yield r;
    const deadlocks = rows.filter((r) => r.Kind === "Deadlock").length;
    const where = g.list.available ? count(g.list.sections.length, "critical section") + " on ntdll!RtlCriticalSectionList" : "no lock list";
    const fromStacks = Object.keys(g.known).filter((k) => g.known[k]!.origin === "stack").length;
    const counts = where + (fromStacks ? " + " + fromStacks + " found on stacks" : "") + ", " + lockedCount + " locked, " +
      g.waits.length + " of " + count(g.threadCount, "thread") + " waiting for a critical section, " + count(deadlocks, "deadlock");
    if (rows.length === 0) {
      yield {
        Verdict: "Negative", Source: listSource,
        Evidence: only ? "critical section " + t.formatAddress(only) + " is " + sectionState(g, only) + "; " + counts + " (!cs " + t.formatAddress(only) + ")"
          : "0 locked critical sections: " + counts + (g.list.stale ? " (" + g.list.stale + " stale list " + (g.list.stale === 1 ? "entry" : "entries") + " skipped)" : "") + " (!cs -l, ~*k)",
      };
    }
    ctx.summary("LockWaitChains: " + counts);
  },

  rowText(row) {
    if (row.Kind === undefined) return row.Verdict + ": " + row.Evidence;
    return row.Verdict + " " + String(row.Kind) + ": " + String(row.Chain);
  },
});

/** `1 thread`, `2 threads`. */
function count(n: number, noun: string): string {
  return n + " " + noun + (n === 1 ? "" : "s");
}

function sectionState(g: LockGraph, address: Int64): string {
  const c = g.known[addressKey(address)];
  if (!c) return "not readable";
  if (!c.state.valid) return "not a valid critical section (LockCount " + c.lockCount + ")";
  return "not locked (LockCount " + c.lockCount + ")";
}

function symbolOf(t: Target, c: CriticalSection): string | undefined {
  const m = t.modules().find(c.address);
  if (!m) return undefined;
  const s = t.symbolize(c.address, m);
  return s.text;
}

function sourceOf(locks: readonly CriticalSection[]): Source {
  return locks.every((l) => l.origin === "list") ? "typed" : "heuristic";
}

/** (address?) from dx or a `!` command; a message when it makes no sense. */
function parseArguments(args: readonly unknown[]): Int64 | undefined | string {
  const a = args[0];
  if (args.length > 1) return "LockWaitChains takes at most one argument, a critical section address";
  if (a === undefined || a === null) return undefined;
  if (typeof a === "string") {
    const v = parseAddress(a);
    return v ? v : "the address must be a number such as 0x1d000001000, not \"" + a + "\"";
  }
  if (typeof a === "number" && a >= 0 && a === Math.floor(a)) return toInt64(a);
  if (isInt64(a)) return a;
  return "the address must be a number such as 0x1d000001000, not " + String(a);
}

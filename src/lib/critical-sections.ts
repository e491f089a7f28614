/**
 * Critical sections of a user-mode process (patterns.md §3): their layout (typed from ntdll's symbols,
 * else winnt.h's documented RTL_CRITICAL_SECTION, which has not changed since NT 3.1), the LockCount
 * encoding (Vista and later versus older systems), the process's list `ntdll!RtlCriticalSectionList`
 * walked with bounds, and the lock a thread waiting in EnterCriticalSection waits for, found on its stack.
 * Shared by LockWaitChains and MessageWaitChains (a message chain can continue through a lock).
 */
import { addTo, comparePair, fromHalves, halvesOf, toNumber, type Int64 } from "./int64";
import { matchesFunction, type FrameInfo, type ThreadStack } from "./stacks";
import { asAddress, type Target } from "./target";
import { SPECIFIC_WAITS } from "./wait-classes";

export interface CsLayout {
  readonly size: number;
  readonly debugInfo: number;
  readonly lockCount: number;
  readonly recursionCount: number;
  readonly owningThread: number;
  /** _RTL_CRITICAL_SECTION_DEBUG.CriticalSection and .ProcessLocksList offsets. */
  readonly debugCriticalSection: number;
  readonly debugLocksList: number;
  /** Offsets from ntdll's types (true) or from winnt.h (false). */
  readonly typed: boolean;
}

export interface LockState {
  readonly locked: boolean;
  /** Threads waiting, as the LockCount encodes them. */
  readonly waiters: number;
  /** False when the fields cannot be a live critical section (uninitialized, freed, not a critical section). */
  readonly valid: boolean;
}

/**
 * Decodes LockCount. Vista and later: bit 0 clear = locked, bit 1 clear = a waiter was woken, the
 * remaining bits are the ones' complement of the number of waiters, so waiters = (-1 - LockCount) >> 2
 * and a free section is -1. Before Vista: -1 = free, otherwise LockCount counts every entry after the
 * first, recursive ones included, so waiters = LockCount - (RecursionCount - 1).
 */
export function decodeLockCount(lockCount: number, recursionCount: number, vistaEncoding: boolean): LockState {
  const lc = lockCount | 0;
  if (vistaEncoding) {
    if (lc >= 0) return { locked: false, waiters: 0, valid: false };
    return { locked: (lc & 1) === 0, waiters: (~lc >>> 0) >>> 2, valid: true };
  }
  if (lc === -1) return { locked: false, waiters: 0, valid: true };
  if (lc < -1) return { locked: false, waiters: 0, valid: false };
  return { locked: true, waiters: Math.max(0, lc - Math.max(0, recursionCount - 1)), valid: true };
}

export type CsOrigin = "list" | "stack" | "argument";

export interface CriticalSection {
  readonly address: Int64;
  readonly key: string;
  readonly debugInfo: Int64;
  readonly lockCount: number;
  readonly recursionCount: number;
  /** Thread id from OwningThread (undefined when 0). */
  readonly owner: number | undefined;
  readonly state: LockState;
  readonly origin: CsOrigin;
}

export interface ListWalk {
  /** False when ntdll!RtlCriticalSectionList could not be found (no ntdll symbols). */
  readonly available: boolean;
  readonly head: Int64 | undefined;
  /** Critical sections whose debug record is on the list and points back to them. */
  readonly sections: CriticalSection[];
  readonly entries: number;
  /** Entries whose critical section does not point back to its debug record (freed or reused). */
  readonly stale: number;
  /** Why the list could not be used, or where it is damaged (empty when it was walked back to its head). */
  readonly problems: string[];
}

export interface WaitedLock {
  /** The critical section the thread waits for, when one was found. */
  readonly lock: CriticalSection | undefined;
  /** Stack range searched. */
  readonly start: Int64 | undefined;
  readonly end: Int64 | undefined;
  /** Why no lock was found, when none was. */
  readonly note: string | undefined;
}

export interface ScanSettings {
  /** Pointer slots searched above the caller's stack pointer (its argument/home area). */
  readonly CallerSlots: number;
  /** Upper bound of slots searched per waiting thread. */
  readonly MaxScanSlots: number;
  /** Unknown stack values read as possible critical sections per waiting thread. */
  readonly MaxProbesPerThread: number;
}

export function keyOf(hi: number, lo: number): string {
  return hi + ":" + lo;
}

export function addressKey(a: Int64): string {
  const [hi, lo] = halvesOf(a);
  return keyOf(hi, lo);
}

/** Functions of ntdll's critical-section wait path (from the shared wait rules). */
const CS_FUNCTIONS: readonly string[] = (() => {
  const rule = SPECIFIC_WAITS.filter((r) => r.category === "critical-section")[0];
  return (rule ? rule.functions : []).concat(["ntdll!RtlpEnterCriticalSection*", "ntdll!RtlpWaitOnCriticalSection*"]);
})();

export function isCriticalSectionFrame(f: FrameInfo): boolean {
  return f.hasSymbol && CS_FUNCTIONS.some((p) => matchesFunction(f.func, p));
}

/** Everything about critical sections that one analysis call reads, read once. */
export class CriticalSections {
  readonly layout: CsLayout;
  readonly vistaEncoding: boolean;
  private readonly ps: number;
  private readonly cache: { [key: string]: CriticalSection | null } = {};

  constructor(private readonly t: Target) {
    this.ps = t.pointerSize();
    this.layout = readLayout(t, this.ps);
    const major = osMajorVersion(t);
    // Without a readable PEB, assume a supported system (Vista or later).
    this.vistaEncoding = major === undefined || major >= 6;
  }

  /** The critical section at an address (cached), or undefined when it cannot be read. */
  read(address: Int64, origin: CsOrigin): CriticalSection | undefined {
    const [hi, lo] = halvesOf(address);
    const key = keyOf(hi, lo);
    const hit = this.cache[key];
    if (hit !== undefined) return hit || undefined;
    const L = this.layout;
    const words = this.t.readPointerWords(address, Math.ceil(L.size / this.ps));
    let cs: CriticalSection | null = null;
    if (words) {
      const lockCount = words[L.lockCount / 4]! | 0;
      const recursionCount = words[L.recursionCount / 4]! | 0;
      const [ownerHi, ownerLo] = this.pointerAt(words, L.owningThread);
      const [dHi, dLo] = this.pointerAt(words, L.debugInfo);
      cs = {
        address: fromHalves(hi, lo), key, debugInfo: fromHalves(dHi, dLo), lockCount, recursionCount,
        owner: ownerHi === 0 && ownerLo !== 0 ? ownerLo : undefined,
        state: ownerHi !== 0 ? { locked: false, waiters: 0, valid: false } : decodeLockCount(lockCount, recursionCount, this.vistaEncoding),
        origin,
      };
    }
    this.cache[key] = cs;
    return cs || undefined;
  }

  /**
   * Walks ntdll!RtlCriticalSectionList through _RTL_CRITICAL_SECTION_DEBUG.ProcessLocksList, bounded and
   * with a visited set: the list can be corrupt, cut short by missing memory, or loop without returning to its head.
   */
  walkList(maxEntries: number): ListWalk {
    const head = listHead(this.t);
    if (!head) {
      const why = this.layout.typed ? "ntdll's symbols do not include it" : "ntdll symbols are not loaded";
      return { available: false, head: undefined, sections: [], entries: 0, stale: 0, problems: ["ntdll!RtlCriticalSectionList is not available (" + why + ")"] };
    }
    const ps = this.ps;
    const L = this.layout;
    const problems: string[] = [];
    const debugOf: { [csKey: string]: Int64 } = {};
    const order: Int64[] = [];
    const [headHi, headLo] = halvesOf(head);
    const headWords = this.t.readPointerWords(head, 2);
    if (!headWords) {
      return { available: true, head, sections: [], entries: 0, stale: 0, problems: ["the list head ntdll!RtlCriticalSectionList at " + this.t.formatAddress(head) + " is not in the dump"] };
    }
    let [eHi, eLo] = this.pointerAt(headWords, 0);
    let [prevHi, prevLo] = [headHi, headLo];
    const visited: { [key: string]: boolean } = {};
    const span = Math.max(L.debugCriticalSection + ps, L.debugLocksList + 2 * ps);
    let entries = 0;
    let badBlink = 0;
    for (;;) {
      if (comparePair(eHi, eLo, headHi, headLo) === 0) break;
      const here = this.t.formatAddress(fromHalves(eHi, eLo));
      if (eHi === 0 && eLo === 0) { problems.push("a null Flink after " + entries + " entries (the list is damaged)"); break; }
      const key = keyOf(eHi, eLo);
      if (visited[key]) { problems.push("the list loops back to " + here + " after " + entries + " entries without returning to its head (the list is damaged)"); break; }
      if (entries >= maxEntries) { problems.push("the walk stopped after " + maxEntries + " entries (Config.LockWaitChains.MaxListEntries)"); break; }
      visited[key] = true;
      const debug = addTo(fromHalves(eHi, eLo), -L.debugLocksList);
      const words = this.t.readPointerWords(debug, span / ps);
      if (!words) { problems.push("the debug record at " + this.t.formatAddress(debug) + " (entry " + here + ") is not in the dump; the walk stopped after " + entries + " entries"); break; }
      entries++;
      const [cHi, cLo] = this.pointerAt(words, L.debugCriticalSection);
      const [bHi, bLo] = this.pointerAt(words, L.debugLocksList + ps);
      if (comparePair(bHi, bLo, prevHi, prevLo) !== 0) badBlink++;
      if (cHi !== 0 || cLo !== 0) {
        const csKey = keyOf(cHi, cLo);
        if (!debugOf[csKey]) { debugOf[csKey] = debug; order.push(fromHalves(cHi, cLo)); }
      }
      [prevHi, prevLo] = [eHi, eLo];
      [eHi, eLo] = this.pointerAt(words, L.debugLocksList);
    }
    if (badBlink) problems.push(badBlink + " entries whose Blink does not point to the previous entry (the list is damaged)");
    const sections: CriticalSection[] = [];
    let stale = 0;
    for (const a of order) {
      const cs = this.read(a, "list");
      if (!cs) { stale++; continue; }
      // A section that no longer points back to its debug record was freed or reused.
      const [dHi, dLo] = halvesOf(cs.debugInfo);
      const [rHi, rLo] = halvesOf(debugOf[cs.key]!);
      if (comparePair(dHi, dLo, rHi, rLo) !== 0) { stale++; continue; }
      sections.push(cs);
    }
    return { available: true, head, sections, entries, stale, problems };
  }

  /**
   * The critical section a waiting thread waits for: the first locked critical section not owned by the
   * thread among the pointer slots between the top of its stack and its caller's argument area (the
   * caller of RtlEnterCriticalSection passed the address; the wait path keeps it in saved registers and
   * locals). Known sections (from the list) are matched first, without reads; only when none of them is
   * locked are the other values read as critical sections, at most `MaxProbesPerThread`, and taken only
   * when every field looks like a locked one. A known section that is free is the answer when nothing
   * locked is found (the lock was released while the dump was written).
   */
  findWaitedLock(stack: ThreadStack, waitFrame: FrameInfo | undefined, known: { [key: string]: CriticalSection }, s: ScanSettings): WaitedLock {
    const ps = this.ps;
    const frames = Array.isArray(stack.frames) ? (stack.frames as readonly FrameInfo[]) : [];
    const start = frames.length && frames[0]!.sp ? frames[0]!.sp : this.t.stackPointer(stack.thread);
    if (!start) return { lock: undefined, start: undefined, end: undefined, note: "the thread has no stack pointer" };
    let k = waitFrame ? waitFrame.index : 0;
    while (k + 1 < frames.length && isCriticalSectionFrame(frames[k + 1]!)) k++;
    const caller = frames[k + 1];
    let slots = s.MaxScanSlots;
    if (caller && caller.sp) {
      const [aHi, aLo] = halvesOf(start);
      const [cHi, cLo] = halvesOf(caller.sp);
      const d = (cHi - aHi) * 4294967296 + (cLo - aLo);
      if (d >= 0) slots = Math.min(s.MaxScanSlots, Math.floor(d / ps) + s.CallerSlots);
    }
    slots = Math.max(1, slots);
    let words = this.t.readPointerWords(start, slots);
    while (!words && slots > 1) {
      // The range runs into memory missing from the dump: keep the readable start.
      slots = slots >> 1;
      words = this.t.readPointerWords(start, slots);
    }
    if (!words) return { lock: undefined, start, end: undefined, note: "the stack at " + this.t.formatAddress(start) + " is not in the dump" };
    const modules = this.t.modules();
    const self = stack.thread.id;
    const scanned = addTo(start, slots * ps);
    const values: [number, number][] = [];
    const seen: { [key: string]: boolean } = {};
    for (let i = 0; i < slots; i++) {
      const [hi, lo] = this.pointerAt(words, i * ps);
      if ((lo & (ps - 1)) !== 0 || (hi === 0 && lo < 0x10000)) continue;
      const key = keyOf(hi, lo);
      if (!seen[key]) { seen[key] = true; values.push([hi, lo]); }
    }
    // Known sections first (no reads), nearest the top of the stack first; then unknown values, read as sections.
    let unlocked: CriticalSection | undefined;
    for (const [hi, lo] of values) {
      const cs = known[keyOf(hi, lo)];
      if (!cs || cs.owner === self) continue;
      if (cs.state.locked) return { lock: cs, start, end: scanned, note: undefined };
      if (!unlocked && cs.state.valid) unlocked = cs;
    }
    let probes = 0;
    for (const [hi, lo] of values) {
      if (probes >= s.MaxProbesPerThread) break;
      const key = keyOf(hi, lo);
      if (known[key] || this.cache[key] === null) continue;
      const m = modules.findPair(hi, lo);
      if (m && this.t.isExecutable(m, fromHalves(hi, lo)) === true) continue; // code, not data
      if (this.cache[key] === undefined) probes++;
      const cs = this.read(fromHalves(hi, lo), "stack");
      if (cs && cs.owner !== self && looksLocked(cs)) return { lock: cs, start, end: scanned, note: undefined };
    }
    return {
      lock: unlocked, start, end: scanned,
      note: unlocked ? undefined : "no critical section found among " + slots + " stack slots " + this.t.formatAddress(start) + " - " + this.t.formatAddress(scanned),
    };
  }

  private pointerAt(words: ArrayLike<number>, byteOffset: number): [number, number] {
    const i = byteOffset / 4;
    return this.ps === 8 ? [words[i + 1]! >>> 0, words[i]! >>> 0] : [0, words[i]! >>> 0];
  }
}

/** A value read from a stack slot is taken for a locked critical section only when every field fits one. */
function looksLocked(c: CriticalSection): boolean {
  if (!c.state.valid || !c.state.locked) return false;
  if (c.recursionCount < 1 || c.recursionCount > 0xffff) return false;
  if (c.owner === undefined || (c.owner & 3) !== 0) return false; // thread ids are multiples of 4
  const [dHi, dLo] = halvesOf(c.debugInfo);
  const none = (dHi === 0 && dLo === 0) || (dLo === 0xffffffff && (dHi === 0 || dHi === 0xffffffff)); // no debug info (-1 since Windows 8)
  return none || (dLo & 3) === 0;
}

function fieldOffset(type: DbgModel.TypeObject, name: string): number {
  const f = type.fields[name];
  if (!f) throw new Error("no field " + name);
  return toNumber(f.offset);
}

function readLayout(t: Target, ps: number): CsLayout {
  try {
    const cs = host.getModuleType("ntdll", "_RTL_CRITICAL_SECTION", t.process);
    const dbg = host.getModuleType("ntdll", "_RTL_CRITICAL_SECTION_DEBUG", t.process);
    if (cs && dbg) {
      return {
        size: toNumber(cs.size), debugInfo: fieldOffset(cs, "DebugInfo"), lockCount: fieldOffset(cs, "LockCount"),
        recursionCount: fieldOffset(cs, "RecursionCount"), owningThread: fieldOffset(cs, "OwningThread"),
        debugCriticalSection: fieldOffset(dbg, "CriticalSection"), debugLocksList: fieldOffset(dbg, "ProcessLocksList"), typed: true,
      };
    }
  } catch (e) { /* no ntdll types: winnt.h's layout below */ }
  // winnt.h: { PRTL_CRITICAL_SECTION_DEBUG DebugInfo; LONG LockCount; LONG RecursionCount; HANDLE OwningThread; HANDLE LockSemaphore; ULONG_PTR SpinCount; }
  // and { WORD Type; WORD CreatorBackTraceIndex; PRTL_CRITICAL_SECTION CriticalSection; LIST_ENTRY ProcessLocksList; ... }.
  return {
    size: ps === 8 ? 0x28 : 0x18, debugInfo: 0, lockCount: ps, recursionCount: ps + 4, owningThread: ps + 8,
    debugCriticalSection: ps, debugLocksList: 2 * ps, typed: false,
  };
}

function listHead(t: Target): Int64 | undefined {
  try {
    const head = host.getModuleSymbol("ntdll", "RtlCriticalSectionList", "_LIST_ENTRY", t.process);
    if (head !== null && head !== undefined) return asAddress(head);
  } catch (e) { /* no typed symbol: try the bare address */ }
  try {
    return host.getModuleSymbolAddress("ntdll", "RtlCriticalSectionList", t.process);
  } catch (e) {
    return undefined;
  }
}

function osMajorVersion(t: Target): number | undefined {
  try {
    const peb = t.process.Environment.EnvironmentBlock as unknown as { OSMajorVersion?: unknown } | undefined;
    if (!peb) return undefined;
    const v = toNumber(peb.OSMajorVersion);
    return v > 0 ? v : undefined;
  } catch (e) {
    return undefined;
  }
}

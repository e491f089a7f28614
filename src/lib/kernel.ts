/**
 * Kernel targets (kernel and complete dumps): the process list from `nt!PsActiveProcessHead`, each
 * process's threads, processors, wait blocks, dispatcher objects, object headers, tick counts and the dump
 * time, read once per call and shared by every analysis of that call (through `Kernel.of(target)`).
 *
 * Fields are found by name in the type information (`host.getModuleType("nt", "_ETHREAD").fields`, one
 * look-up per field per call), with the aliases of patterns.md §0.6 where names differ between builds. An
 * object is read with one memory request covering the fields used, and decoded here; a field the request
 * cannot cover (a page missing from the dump) is read alone, and one that still fails is undefined, never 0.
 * Lists are walked with a visited set and a length cap, so a corrupted list ends the walk with a note
 * instead of looping.
 */
import { exceptionCodeInfo } from "./exception-codes";
import { comparePair, fromHalves, halvesOf, parseAddress, toInt64, toNumber, type Int64 } from "./int64";
import { formatFileTime, parseSessionTime } from "./parse-time";
import { runCommand } from "./run-command";
import { globMatch } from "./stacks";
import { readOptions } from "./stack-filter";
import type { Target, ThreadRef } from "./target";
import { Unavailable } from "./values";

/** A field found by name: byte offset in the outer type, size, and bit position for bit fields (length 0 otherwise). */
export interface FieldLoc {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  readonly lsb: number;
  readonly length: number;
}

/** 100 ns units since 1601, as halves. */
export interface FileTime { readonly hi: number; readonly lo: number }

export function isZeroTime(t: FileTime | undefined): boolean {
  return !t || (t.hi === 0 && t.lo === 0);
}

/** a - b in seconds. */
export function secondsBetween(a: FileTime, b: FileTime): number {
  return ((a.hi - b.hi) * 4294967296 + (a.lo - b.lo)) / 1e7;
}

export function fileTimeText(t: FileTime | undefined): string | undefined {
  return t && !isZeroTime(t) ? formatFileTime(t.hi, t.lo) : undefined;
}

/** Which fields a reader decodes: key → field path, or alias paths tried in order. */
export type FieldSpec = { readonly [key: string]: string | readonly string[] };

/** Decodes one type's fields from a block of bytes read at once. */
export class StructReader {
  readonly lo: number;
  readonly hi: number;
  constructor(readonly type: string, readonly fields: { readonly [key: string]: FieldLoc | undefined }) {
    let lo = Infinity;
    let hi = 0;
    for (const k of Object.keys(fields)) {
      const f = fields[k];
      if (!f) continue;
      if (f.offset < lo) lo = f.offset;
      if (f.offset + f.size > hi) hi = f.offset + f.size;
    }
    this.lo = lo === Infinity ? 0 : lo;
    this.hi = hi;
  }
}

/** An object's fields as read from the target. */
export class Snapshot {
  private addressValue: Int64 | undefined;

  constructor(
    /** The object's address as halves (the Int64 is made when asked for). */
    readonly halves: Pair,
    private readonly reader: StructReader,
    private readonly block: ArrayLike<number> | undefined,
    private readonly single: { [key: string]: ArrayLike<number> | undefined },
    /** Some field could be read. */
    readonly readable: boolean,
  ) {}

  get address(): Int64 {
    if (!this.addressValue) this.addressValue = fromHalves(this.halves[0], this.halves[1]);
    return this.addressValue;
  }

  /** The field exists in this build's type. */
  has(key: string): boolean {
    return !!this.reader.fields[key];
  }

  private bytes(key: string): { b: ArrayLike<number>; pos: number; f: FieldLoc } | undefined {
    const f = this.reader.fields[key];
    if (!f) return undefined;
    if (this.block) return { b: this.block, pos: f.offset - this.reader.lo, f };
    const b = this.single[key];
    return b ? { b, pos: 0, f } : undefined;
  }

  /** An unsigned integer of up to 32 bits (or a bit field of up to 32 bits); undefined when missing or unreadable. */
  u32(key: string): number | undefined {
    const x = this.bytes(key);
    if (!x) return undefined;
    const { b, pos, f } = x;
    if (f.length) {
      const lo = word(b, pos, Math.min(f.size, 4));
      if (f.lsb + f.length <= 32) return f.length === 32 ? lo : (lo >>> f.lsb) & ((1 << f.length) - 1) >>> 0;
      // A bit field beyond the low word: from the 64-bit value as a double (rare here).
      const v = word(b, pos + 4, Math.min(f.size, 8) - 4) * 4294967296 + lo;
      return Math.floor(v / Math.pow(2, f.lsb)) % Math.pow(2, Math.min(f.length, 32));
    }
    return word(b, pos, Math.min(f.size, 4));
  }

  /** A signed integer of up to 32 bits. */
  i32(key: string): number | undefined {
    const f = this.reader.fields[key];
    const v = this.u32(key);
    if (v === undefined || !f) return undefined;
    const bits = f.length ? f.length : Math.min(f.size, 4) * 8;
    return v >= Math.pow(2, bits - 1) ? v - Math.pow(2, bits) : v;
  }

  /** A 64-bit (or pointer) value as halves; a 4-byte field gives hi 0. */
  pair(key: string): [number, number] | undefined {
    const x = this.bytes(key);
    if (!x) return undefined;
    const { b, pos, f } = x;
    if (f.length) {
      const v = this.u32(key);
      return v === undefined ? undefined : [0, v];
    }
    return [f.size > 4 ? word(b, pos + 4, Math.min(f.size, 8) - 4) : 0, word(b, pos, Math.min(f.size, 4))];
  }

  ptr(key: string): Int64 | undefined {
    const p = this.pair(key);
    return p ? fromHalves(p[0], p[1]) : undefined;
  }

  time(key: string): FileTime | undefined {
    const p = this.pair(key);
    return p ? { hi: p[0], lo: p[1] } : undefined;
  }

  flag(key: string): boolean | undefined {
    const v = this.u32(key);
    return v === undefined ? undefined : v !== 0;
  }

  /** Raw bytes of a field (arrays such as ImageFileName). */
  raw(key: string): number[] | undefined {
    const x = this.bytes(key);
    if (!x) return undefined;
    const out: number[] = [];
    for (let i = 0; i < x.f.size; i++) out.push(x.b[x.pos + i]!);
    return out;
  }
}

/** An address as unsigned 32-bit halves [hi, lo]. */
export type Pair = [number, number];

function isPair(v: unknown): v is Pair {
  return Array.isArray(v);
}

function pairKey(p: Pair): string {
  return p[0] + ":" + p[1];
}

function pairAdd(p: Pair, n: number): Pair {
  let lo = p[1] + n;
  let hi = p[0];
  while (lo >= 4294967296) { lo -= 4294967296; hi++; }
  while (lo < 0) { lo += 4294967296; hi--; }
  return [hi >>> 0, lo];
}

function pairAddress(p: Pair, n: number): Int64 {
  const q = pairAdd(p, n);
  return fromHalves(q[0], q[1]);
}

/** `n` (1 to 4) little-endian bytes at `pos` as an unsigned number. */
function word(b: ArrayLike<number>, pos: number, n: number): number {
  switch (n) {
    case 1: return b[pos]!;
    case 2: return b[pos]! | (b[pos + 1]! << 8);
    case 3: return b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16);
    default: return (b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16) | (b[pos + 3]! << 24)) >>> 0;
  }
}

/** A pointer value is null (or could not be read). */
export function isNull(p: Int64 | undefined): boolean {
  if (!p) return true;
  const [hi, lo] = halvesOf(p);
  return hi === 0 && lo === 0;
}

export function addressKey(p: Int64): string {
  const [hi, lo] = halvesOf(p);
  return hi + ":" + lo;
}

export interface KProcess {
  readonly address: Int64;
  readonly pid: number;
  /** ImageFileName (15 bytes: Windows keeps 14 characters). */
  readonly name: string;
  readonly parentPid: number | undefined;
  readonly createTime: FileTime | undefined;
  readonly exitTime: FileTime | undefined;
  readonly exitStatus: number | undefined;
  readonly lastThreadExitStatus: number | undefined;
  readonly activeThreads: number | undefined;
  /** ObjectTable is non-null; undefined when unreadable. */
  readonly hasObjectTable: boolean | undefined;
  readonly debugPort: boolean | undefined;
  readonly exiting: boolean | undefined;
  readonly deleting: boolean | undefined;
  /** Flags3.Crashed; undefined when this build has no such bit. */
  readonly crashed: boolean | undefined;
  /** Why some fields could not be read. */
  readonly problem: string | undefined;
}

export interface KThread {
  readonly address: Int64;
  readonly process: KProcess;
  readonly tid: number;
  readonly pid: number | undefined;
  readonly state: number | undefined;
  readonly waitReason: number | undefined;
  /** 0 KernelMode, 1 UserMode. */
  readonly waitMode: number | undefined;
  readonly alertable: boolean | undefined;
  /** Tick count when the wait began (32 bits). */
  readonly waitTime: number | undefined;
  readonly waitBlockList: Int64 | undefined;
  /** WaitBlockCount; undefined when the build has no such field (the list is then read as one block). */
  readonly waitBlockCount: number | undefined;
  readonly suspendCount: number | undefined;
  readonly freezeCount: number | undefined;
  /** Deep freeze (22H2's FreezeFlags.FreezeDeep); undefined on builds without it. */
  readonly deepFrozen: boolean | undefined;
  readonly kernelTime: number | undefined;
  readonly userTime: number | undefined;
  readonly priority: number | undefined;
  readonly initialStack: Int64 | undefined;
  readonly stackLimit: Int64 | undefined;
  readonly stackBase: Int64 | undefined;
  readonly kernelStack: Int64 | undefined;
  readonly stackResident: boolean | undefined;
  readonly teb: Int64 | undefined;
  readonly win32Thread: boolean | undefined;
  readonly systemThread: boolean | undefined;
  readonly createTime: FileTime | undefined;
  readonly exitTime: FileTime | undefined;
  readonly exitStatus: number | undefined;
  readonly terminated: boolean | undefined;
  readonly startAddress: Int64 | undefined;
  readonly win32StartAddress: Int64 | undefined;
  readonly nextProcessor: number | undefined;
  readonly problem: string | undefined;
}

export interface Walk<T> {
  readonly items: T[];
  /** Why the walk stopped early (unreadable entry, loop, cap), if it did. */
  readonly problem: string | undefined;
}

export interface Processor {
  readonly number: number;
  readonly prcb: Int64;
  readonly current: Int64 | undefined;
  readonly next: Int64 | undefined;
  readonly idle: Int64 | undefined;
  /** DpcRoutineActive; undefined when this build's KPRCB type does not list it. */
  readonly dpcActive: boolean | undefined;
  readonly problem: string | undefined;
}

export interface ObjectHeaderInfo {
  readonly header: Int64;
  readonly pointerCount: number | undefined;
  readonly handleCount: number | undefined;
  readonly name: string | undefined;
}

export interface WaitBlockInfo {
  readonly object: Int64;
  /** Dispatcher type (enum _KOBJECTS), undefined when the object is unreadable. */
  readonly type: number | undefined;
  readonly typeName: string;
  readonly name: string | undefined;
  /** Mutants: the owning thread (null pointer: not owned). */
  readonly owner: Int64 | undefined;
  readonly signalState: number | undefined;
  readonly problem: string | undefined;
}

export interface ResourceInfo {
  readonly address: Int64;
  /** Owner threads (exclusive owner, or shared owners), flag bits masked. */
  readonly owners: Int64[];
  readonly exclusive: boolean;
  readonly active: number;
  readonly exclusiveWaiters: number;
  readonly sharedWaiters: number;
}

/** Fallback names when the target's symbols lack the enums (patterns.md §0.5, Windows 10 naming). */
export const THREAD_STATE_NAMES: readonly string[] = [
  "Initialized", "Ready", "Running", "Standby", "Terminated", "Waiting", "Transition", "DeferredReady", "GateWaitObsolete",
  "WaitingForProcessInSwap",
];
export const WAIT_REASON_NAMES: readonly string[] = [
  "Executive", "FreePage", "PageIn", "PoolAllocation", "DelayExecution", "Suspended", "UserRequest", "WrExecutive", "WrFreePage",
  "WrPageIn", "WrPoolAllocation", "WrDelayExecution", "WrSuspended", "WrUserRequest", "WrSpare0", "WrQueue", "WrLpcReceive",
  "WrLpcReply", "WrVirtualMemory", "WrPageOut", "WrRendezvous", "WrKeyedEvent", "WrTerminated", "WrProcessInSwap",
  "WrCpuRateControl", "WrCalloutStack", "WrKernel", "WrResource", "WrPushLock", "WrMutex", "WrQuantumEnd", "WrDispatchInt",
  "WrPreempted", "WrYieldExecution", "WrFastMutex", "WrGuardedMutex", "WrRundown", "WrAlertByThreadId", "WrDeferredPreempt",
];
export const DISPATCHER_NAMES: readonly string[] = [
  "EventNotificationObject", "EventSynchronizationObject", "MutantObject", "ProcessObject", "QueueObject", "SemaphoreObject",
  "ThreadObject", "GateObject", "TimerNotificationObject", "TimerSynchronizationObject",
];

export const STATE = { Ready: 1, Running: 2, Standby: 3, Terminated: 4, Waiting: 5, DeferredReady: 7 } as const;

/** Where Windows maps KUSER_SHARED_DATA in kernel space on x64 (the fallback for the tick count and the dump time). */
const SHARED_DATA_X64 = [0xfffff780, 0x00000000] as const;

const PROCESS_FIELDS: FieldSpec = {
  pid: "UniqueProcessId", next: "ActiveProcessLinks.Flink", parent: "InheritedFromUniqueProcessId", create: "CreateTime",
  exit: "ExitTime", exitStatus: "ExitStatus", lastExit: "LastThreadExitStatus", active: "ActiveThreads", table: "ObjectTable",
  debugPort: "DebugPort", exiting: "ProcessExiting", deleting: "ProcessDelete", crashed: "Crashed", image: "ImageFileName",
  threads: ["ThreadListHead.Flink", "Pcb.ThreadListHead.Flink"],
};

const THREAD_FIELDS: FieldSpec = {
  tid: "Cid.UniqueThread", pid: "Cid.UniqueProcess", state: "Tcb.State", waitReason: "Tcb.WaitReason", waitMode: "Tcb.WaitMode",
  alertable: "Tcb.Alertable", waitTime: "Tcb.WaitTime", waitList: "Tcb.WaitBlockList", waitCount: "Tcb.WaitBlockCount",
  suspend: "Tcb.SuspendCount", freeze: ["Tcb.FreezeCount", "Tcb.ThreadFlags.FreezeCount"], deep: "Tcb.FreezeDeep",
  kernelTime: "Tcb.KernelTime", userTime: "Tcb.UserTime", priority: "Tcb.Priority", initial: "Tcb.InitialStack",
  limit: "Tcb.StackLimit", base: "Tcb.StackBase", kstack: "Tcb.KernelStack", resident: "Tcb.KernelStackResident", teb: "Tcb.Teb",
  win32: "Tcb.Win32Thread", system: "Tcb.SystemThread", create: "CreateTime", exit: "ExitTime", exitStatus: "ExitStatus",
  terminated: "Terminated", start: "StartAddress", win32Start: "Win32StartAddress", processor: "Tcb.NextProcessor",
  next: "ThreadListEntry.Flink",
};

/** The same fields, linked through KTHREAD.ThreadListEntry (when the symbols lack the executive list). */
const KTHREAD_LIST_FIELDS: FieldSpec = (() => {
  const out: { [key: string]: string | readonly string[] } = {};
  for (const k of Object.keys(THREAD_FIELDS)) out[k] = THREAD_FIELDS[k]!;
  out.next = "Tcb.ThreadListEntry.Flink";
  return out;
})();

/** The two ways a process links its threads (executive list first, the KPROCESS list as the fallback). */
const THREAD_LISTS: readonly (readonly [head: string, entry: string])[] = [
  ["ThreadListHead", "ThreadListEntry"],
  ["Pcb.ThreadListHead", "Tcb.ThreadListEntry"],
];

export interface KernelLimits {
  readonly maxProcesses: number;
  readonly maxThreadsPerProcess: number;
}

const DEFAULT_LIMITS: KernelLimits = { maxProcesses: 0x10000, maxThreadsPerProcess: 0x10000 };

const kernels: WeakMap<Target, Kernel> = new WeakMap();

/** Kernel structures of one call; `Kernel.of(target)` shares one per Target. */
export class Kernel {
  static of(t: Target): Kernel {
    let k = kernels.get(t);
    if (!k) {
      k = new Kernel(t);
      kernels.set(t, k);
    }
    return k;
  }

  limits: KernelLimits = DEFAULT_LIMITS;
  private readonly fieldObjects: { [type: string]: { [name: string]: DbgModel.FieldObject } | null } = {};
  private readonly locs: { [key: string]: FieldLoc | null } = {};
  private readonly readers: { [key: string]: StructReader } = {};
  private readonly symbols: { [name: string]: Int64 | null } = {};
  private readonly enums: { [type: string]: { [value: number]: string } | null } = {};
  private processList: Walk<KProcess> | undefined;
  private readonly threadLists: { [process: string]: Walk<KThread> } = {};
  private threadIndex: { [address: string]: KThread } | undefined;
  private tickValue: { ticks: number; source: string } | Unavailable | undefined;
  private incrementValue: { value: number; source: string } | undefined;
  private dumpTimeValue: { time: FileTime; source: string } | Unavailable | undefined;
  private modelProcesses: { [pid: number]: DbgModel.Process | null } = {};
  /** Each walked process's ThreadListHead.Flink, read with the process (the thread walk starts there). */
  private readonly threadHeads: { [process: string]: Pair | undefined } = {};

  private constructor(readonly t: Target) {}

  // ---- availability ----

  /** Why kernel structures cannot be read (a user target, nt types or symbols missing), or undefined when they can. */
  missing(): string | undefined {
    if (!this.t.isKernel()) return "this is a user-mode target: the pattern needs a kernel or complete dump (.dump /f from a kernel debugger, or a complete memory dump)";
    if (!this.t.type("nt", "_EPROCESS") || !this.t.type("nt", "_ETHREAD")) {
      return "the nt symbols have no _EPROCESS/_ETHREAD types (.reload /f nt, check .sympath)";
    }
    if (!this.symbol("PsActiveProcessHead")) return "nt!PsActiveProcessHead is not in the symbols (.reload /f nt)";
    return undefined;
  }

  // ---- types ----

  private fieldsOf(type: string): { [name: string]: DbgModel.FieldObject } | null {
    let f = this.fieldObjects[type];
    if (f === undefined) {
      const to = this.t.type("nt", type);
      try { f = to ? (to.fields as { [name: string]: DbgModel.FieldObject }) : null; } catch (e) { f = null; }
      this.fieldObjects[type] = f;
    }
    return f;
  }

  /** A field path (`Tcb.State`) of an nt type, or undefined when the type or a part of the path is missing. */
  loc(type: string, path: string): FieldLoc | undefined {
    const key = type + "." + path;
    let hit = this.locs[key];
    if (hit === undefined) {
      hit = this.resolve(type, path) || null;
      this.locs[key] = hit;
    }
    return hit || undefined;
  }

  /** The first path that exists (version aliases, patterns.md §0.6). */
  locAny(type: string, paths: string | readonly string[]): FieldLoc | undefined {
    const list = typeof paths === "string" ? [paths] : paths;
    for (const p of list) {
      const f = this.loc(type, p);
      if (f) return f;
    }
    return undefined;
  }

  private resolve(type: string, path: string): FieldLoc | undefined {
    const parts = path.split(".");
    let fields = this.fieldsOf(type);
    let offset = 0;
    for (let i = 0; i < parts.length; i++) {
      if (!fields) return undefined;
      let f: DbgModel.FieldObject | undefined;
      try { f = fields[parts[i]!]; } catch (e) { f = undefined; }
      if (!f) return undefined;
      let ft: DbgModel.TypeObject | undefined;
      try {
        offset += toNumber(f.offset);
        ft = f.type;
      } catch (e) { return undefined; }
      if (i === parts.length - 1) {
        let size = 0;
        try { size = ft ? toNumber(ft.size) : 0; } catch (e) { size = 0; }
        // Bit fields: the provider describes them on the field's type; some hosts on the field itself.
        const holder = bitHolder(f, ft);
        if (holder) return { path, offset, size: size || 4, lsb: toNumber(holder.lsb), length: toNumber(holder.length) };
        if (!size) return undefined;
        return { path, offset, size, lsb: 0, length: 0 };
      }
      try { fields = ft ? (ft.fields as { [name: string]: DbgModel.FieldObject }) : null; } catch (e) { fields = null; }
    }
    return undefined;
  }

  /** Size of an nt type, or undefined. */
  sizeOf(type: string): number | undefined {
    return this.t.typeSize("nt", type);
  }

  reader(type: string, spec: FieldSpec): StructReader {
    const key = type + "|" + Object.keys(spec).join(",");
    let r = this.readers[key];
    if (!r) {
      const fields: { [key: string]: FieldLoc | undefined } = {};
      for (const k of Object.keys(spec)) fields[k] = this.locAny(type, spec[k]!);
      r = new StructReader(type, fields);
      this.readers[key] = r;
    }
    return r;
  }

  /** One memory request for the reader's fields; the fields are read one by one only when it fails. */
  read(r: StructReader, address: Int64 | Pair): Snapshot {
    const at: Pair = isPair(address) ? address : halvesOf(address);
    const length = r.hi - r.lo;
    if (length <= 0) return new Snapshot(at, r, undefined, {}, false);
    const block = this.t.readBytes(pairAddress(at, r.lo), length);
    if (block) return new Snapshot(at, r, block, {}, true);
    const single: { [key: string]: ArrayLike<number> | undefined } = {};
    let any = false;
    for (const k of Object.keys(r.fields)) {
      const f = r.fields[k];
      if (!f) continue;
      const b = this.t.readBytes(pairAddress(at, f.offset), f.size);
      single[k] = b;
      if (b) any = true;
    }
    return new Snapshot(at, r, undefined, single, any);
  }

  /**
   * A LIST_ENTRY list: entries from `first` (the head's Flink) to the head, each object read once (its Flink
   * in the same read, field `next`), with a visited set and a cap. Halves, not Int64, between the reads.
   */
  private walkList<T>(head: Int64, first: Pair | undefined, entryOffset: number, r: StructReader, cap: number,
    list: string, unit: string, capNote: string, make: (s: Snapshot) => T): Walk<T> {
    const items: T[] = [];
    const headPair = halvesOf(head);
    const headKey = pairKey(headPair);
    const visited: { [key: string]: true } = {};
    visited[headKey] = true;
    let entry = first;
    if (!entry) return { items, problem: "the head of the " + list + " at " + this.t.formatAddress(head) + " is unreadable" };
    const where = (e: Pair) => this.t.formatAddress(fromHalves(e[0], e[1]));
    while (pairKey(entry) !== headKey) {
      const key = pairKey(entry);
      if (visited[key]) return { items, problem: "the " + list + " loops back to " + where(entry) + " after " + items.length + " " + unit };
      if (items.length >= cap) return { items, problem: "the walk stopped at " + cap + " " + unit + " (" + capNote + ")" };
      if (entry[0] === 0 && entry[1] === 0) return { items, problem: "the " + list + " has a null link after " + items.length + " " + unit };
      visited[key] = true;
      const snap = this.read(r, pairAdd(entry, -entryOffset));
      if (!snap.readable) return { items, problem: "the " + list + " breaks at " + where(entry) + " (unreadable) after " + items.length + " " + unit };
      items.push(make(snap));
      const next = snap.pair("next");
      if (!next) return { items, problem: "the " + list + " link at " + where(entry) + " is unreadable" };
      entry = next;
    }
    return { items, problem: undefined };
  }

  /** Names of an nt enum's values from the symbols, or undefined when the symbols lack the enum. */
  enumNames(type: string): { [value: number]: string } | undefined {
    let e = this.enums[type];
    if (e === undefined) {
      e = null;
      const to = this.t.type("nt", type);
      try {
        if (to && to.typeKind === "enum") {
          const map: { [value: number]: string } = {};
          const fields = to.fields as { [name: string]: DbgModel.FieldObject };
          for (const name of Object.keys(fields)) {
            const v = (fields[name] as unknown as { value?: unknown }).value;
            if (typeof v === "number") map[v] = name;
            else if (v !== undefined) map[toNumber(v)] = name;
          }
          e = map;
        }
      } catch (err) { e = null; }
      this.enums[type] = e;
    }
    return e || undefined;
  }

  /** An enum value's name: from the symbols (`_KWAIT_REASON`), else the fallback table, else `Name(0x2a)`. */
  enumName(type: string, fallback: readonly string[], value: number | undefined): string | undefined {
    if (value === undefined) return undefined;
    const e = this.enumNames(type);
    const name = e ? e[value] : fallback[value];
    return name !== undefined ? name : type.replace(/^_/, "") + "(" + value + ")";
  }

  stateName(v: number | undefined): string | undefined {
    return this.enumName("_KTHREAD_STATE", THREAD_STATE_NAMES, v);
  }

  waitReasonName(v: number | undefined): string | undefined {
    return this.enumName("_KWAIT_REASON", WAIT_REASON_NAMES, v);
  }

  // ---- symbols and globals ----

  symbol(name: string): Int64 | undefined {
    let s = this.symbols[name];
    if (s === undefined) {
      try { s = toInt64(host.getModuleSymbolAddress("nt", name, this.t.process)); } catch (e) { s = null; }
      this.symbols[name] = s;
    }
    return s || undefined;
  }

  /** A pointer-sized value at an address, or undefined. */
  readPointer(address: Int64): Int64 | undefined {
    const ps = this.t.pointerSize();
    const w = this.t.readPointerWords(address, 1);
    if (!w) return undefined;
    return ps === 8 ? fromHalves(w[1]! >>> 0, w[0]! >>> 0) : fromHalves(0, w[0]! >>> 0);
  }

  private readU32(address: Int64): number | undefined {
    const b = this.t.readBytes(address, 4);
    return b ? (b[0]! + b[1]! * 256 + b[2]! * 65536 + b[3]! * 16777216) : undefined;
  }

  private sharedData(): Int64 | undefined {
    return this.t.pointerSize() === 8 ? fromHalves(SHARED_DATA_X64[0], SHARED_DATA_X64[1]) : undefined;
  }

  /** The low 32 bits of the tick count: nt!KeTickCount, else KUSER_SHARED_DATA.TickCount. */
  tickCount(): { ticks: number; source: string } | Unavailable {
    if (this.tickValue === undefined) {
      const sym = this.symbol("KeTickCount");
      const low = sym ? this.readU32(sym) : undefined;
      if (low !== undefined) this.tickValue = { ticks: low, source: "nt!KeTickCount" };
      else {
        const shared = this.sharedData();
        const f = this.loc("_KUSER_SHARED_DATA", "TickCount.LowPart") || this.loc("_KUSER_SHARED_DATA", "TickCountQuad");
        const v = shared && f ? this.readU32(addOffset(shared, f.offset)) : undefined;
        this.tickValue = v !== undefined ? { ticks: v, source: "KUSER_SHARED_DATA.TickCount" }
          : new Unavailable("unreadable", "neither nt!KeTickCount nor KUSER_SHARED_DATA.TickCount could be read (dd nt!KeTickCount L1)");
      }
    }
    return this.tickValue;
  }

  /** 100 ns per clock tick: nt!KeMaximumIncrement, else the usual 156250 (15.625 ms), said so in `source`. */
  tickIncrement(): { value: number; source: string } {
    if (!this.incrementValue) {
      const sym = this.symbol("KeMaximumIncrement");
      const v = sym ? this.readU32(sym) : undefined;
      this.incrementValue = v ? { value: v, source: "nt!KeMaximumIncrement" } : { value: 156250, source: "assumed 15.625 ms per tick (nt!KeMaximumIncrement unreadable)" };
    }
    return this.incrementValue;
  }

  /** Seconds for a tick count. */
  ticksToSeconds(ticks: number): number {
    return ticks * this.tickIncrement().value / 1e7;
  }

  /** Seconds since a wait that began at `waitTime` (32-bit tick counters wrap). */
  waitSeconds(waitTime: number | undefined): number | Unavailable {
    if (waitTime === undefined) return new Unavailable("unreadable", "WaitTime could not be read");
    const now = this.tickCount();
    if (now instanceof Unavailable) return now;
    const ticks = (now.ticks - waitTime + 4294967296) % 4294967296;
    return this.ticksToSeconds(ticks);
  }

  /** When the dump was written: KUSER_SHARED_DATA.SystemTime, else `.time`'s session time. */
  dumpTime(): { time: FileTime; source: string } | Unavailable {
    if (this.dumpTimeValue === undefined) {
      const shared = this.sharedData();
      const lo = this.loc("_KUSER_SHARED_DATA", "SystemTime.LowPart");
      const hi = this.loc("_KUSER_SHARED_DATA", "SystemTime.High1Time");
      let value: { time: FileTime; source: string } | Unavailable | undefined;
      if (shared && lo && hi) {
        const l = this.readU32(addOffset(shared, lo.offset));
        const h = this.readU32(addOffset(shared, hi.offset));
        if (l !== undefined && h !== undefined && (h !== 0 || l !== 0)) value = { time: { hi: h, lo: l }, source: "KUSER_SHARED_DATA.SystemTime" };
      }
      if (!value) {
        const out = runCommand(".time");
        const parsed = out instanceof Unavailable ? undefined : parseSessionTime(out);
        value = parsed ? { time: { hi: parsed.fileTimeHi, lo: parsed.fileTimeLo }, source: ".time (" + parsed.line + ")" }
          : new Unavailable("not available", "the dump time is unknown: KUSER_SHARED_DATA.SystemTime is unreadable and .time gives no session time");
      }
      this.dumpTimeValue = value;
    }
    return this.dumpTimeValue;
  }

  // ---- processes and threads ----

  /** Processes from nt!PsActiveProcessHead, in list order (System first; Idle is not in the list). */
  processes(): Walk<KProcess> {
    if (!this.processList) this.processList = this.walkProcesses();
    return this.processList;
  }

  private walkProcesses(): Walk<KProcess> {
    const head = this.symbol("PsActiveProcessHead");
    const links = this.loc("_EPROCESS", "ActiveProcessLinks");
    if (!head || !links) return { items: [], problem: "nt!PsActiveProcessHead or _EPROCESS.ActiveProcessLinks is missing from the symbols" };
    const first = this.readPointer(head);
    return this.walkList(head, first ? halvesOf(first) : undefined, links.offset, this.reader("_EPROCESS", PROCESS_FIELDS), this.limits.maxProcesses,
      "process list", "processes", "MaxProcesses", (snap) => this.processOf(snap));
  }

  private processOf(s: Snapshot): KProcess {
    const image = s.raw("image");
    let name = "";
    if (image) for (const c of image) { if (c === 0) break; name += String.fromCharCode(c); }
    const pid = s.pair("pid");
    const parent = s.pair("parent");
    const table = s.ptr("table");
    const debugPort = s.ptr("debugPort");
    const missing: string[] = [];
    if (pid === undefined) missing.push("UniqueProcessId");
    if (table === undefined) missing.push("ObjectTable");
    if (!image) missing.push("ImageFileName");
    const p: KProcess = {
      address: s.address,
      pid: pid ? pid[1] : -1,
      name: image ? name : "<unreadable>",
      parentPid: parent ? parent[1] : undefined,
      createTime: s.time("create"),
      exitTime: s.time("exit"),
      exitStatus: s.u32("exitStatus"),
      lastThreadExitStatus: s.u32("lastExit"),
      activeThreads: s.u32("active"),
      hasObjectTable: table === undefined ? undefined : !isNull(table),
      debugPort: debugPort === undefined ? undefined : !isNull(debugPort),
      exiting: s.flag("exiting"),
      deleting: s.flag("deleting"),
      crashed: s.has("crashed") ? s.flag("crashed") : undefined,
      problem: missing.length ? missing.join(", ") + " unreadable" : undefined,
    };
    this.threadHeads[pairKey(s.halves)] = s.pair("threads");
    return p;
  }

  /** A process read directly at an address (not walked). */
  processAt(address: Int64): KProcess | undefined {
    const s = this.read(this.reader("_EPROCESS", PROCESS_FIELDS), address);
    return s.readable ? this.processOf(s) : undefined;
  }

  /** The process's threads from its thread list (ETHREAD.ThreadListEntry, else KTHREAD.ThreadListEntry). */
  threadsOf(p: KProcess): Walk<KThread> {
    const key = addressKey(p.address);
    let w = this.threadLists[key];
    if (!w) {
      w = this.walkThreads(p);
      this.threadLists[key] = w;
    }
    return w;
  }

  private walkThreads(p: KProcess): Walk<KThread> {
    let pair: readonly [string, string] | undefined;
    for (const x of THREAD_LISTS) if (this.loc("_EPROCESS", x[0]) && this.loc("_ETHREAD", x[1])) { pair = x; break; }
    if (!pair) return { items: [], problem: "_EPROCESS.ThreadListHead / _ETHREAD.ThreadListEntry are missing from the symbols" };
    const head = addOffset(p.address, this.loc("_EPROCESS", pair[0])!.offset);
    // The process snapshot read the head's Flink with the rest (the executive list, else the KPROCESS one).
    const fromSnapshot = this.threadHeads[addressKey(p.address)];
    const usesSnapshot = pair[0] === "ThreadListHead" || !this.loc("_EPROCESS", "ThreadListHead");
    let first: Pair | undefined = usesSnapshot ? fromSnapshot : undefined;
    if (!first) {
      const f = this.readPointer(head);
      first = f ? halvesOf(f) : undefined;
    }
    const reader = this.reader("_ETHREAD", pair[1] === "ThreadListEntry" ? THREAD_FIELDS : KTHREAD_LIST_FIELDS);
    return this.walkList(head, first, this.loc("_ETHREAD", pair[1])!.offset, reader, this.limits.maxThreadsPerProcess,
      "thread list of " + p.name, "threads", "MaxThreadsPerProcess", (snap) => this.threadOf(snap, p));
  }

  private threadOf(s: Snapshot, p: KProcess): KThread {
    return new ThreadRecord(s, p);
  }

  /** A thread read directly at its ETHREAD address (not walked); its process from Tcb.Process. */
  threadAt(address: Int64): KThread | undefined {
    const known = this.threadIndex ? this.threadIndex[addressKey(address)] : undefined;
    if (known) return known;
    const s = this.read(this.reader("_ETHREAD", THREAD_FIELDS), address);
    if (!s.readable) return undefined;
    const pr = this.read(this.reader("_ETHREAD", { process: ["Tcb.Process", "Tcb.ApcState.Process"] }), address).ptr("process");
    const p = pr && !isNull(pr) ? this.processAt(pr) : undefined;
    return this.threadOf(s, p || unknownProcess(pr || address));
  }

  /** Every thread of every listed process (problems per process collected). */
  allThreads(filter?: (p: KProcess) => boolean): { threads: KThread[]; processes: KProcess[]; problems: string[] } {
    const procs = this.processes();
    const threads: KThread[] = [];
    const problems: string[] = [];
    if (procs.problem) problems.push(procs.problem);
    const chosen: KProcess[] = [];
    for (const p of procs.items) {
      if (filter && !filter(p)) continue;
      chosen.push(p);
      const w = this.threadsOf(p);
      if (w.problem) problems.push(w.problem);
      for (const th of w.items) threads.push(th);
    }
    return { threads, processes: chosen, problems };
  }

  /** Every walked thread by ETHREAD address (walks all processes once). */
  threadByAddress(address: Int64): KThread | undefined {
    if (!this.threadIndex) {
      const index: { [address: string]: KThread } = {};
      for (const th of this.allThreads().threads) index[addressKey(th.address)] = th;
      this.threadIndex = index;
    }
    return this.threadIndex[addressKey(address)];
  }

  // ---- processors ----

  /** KPRCBs from nt!KiProcessorBlock, up to nt!KeNumberProcessors (or the first null entry). */
  processors(): Walk<Processor> {
    const items: Processor[] = [];
    const block = this.symbol("KiProcessorBlock");
    if (!block) return { items, problem: "nt!KiProcessorBlock is not in the symbols" };
    const countSym = this.symbol("KeNumberProcessors");
    const declared = countSym ? this.readU32(countSym) : undefined;
    const max = declared !== undefined && declared > 0 && declared <= 2048 ? declared : 64;
    const ps = this.t.pointerSize();
    const words = this.t.readPointerWords(block, max);
    if (!words) return { items, problem: "nt!KiProcessorBlock at " + this.t.formatAddress(block) + " is unreadable" };
    const r = this.reader("_KPRCB", { current: "CurrentThread", next: "NextThread", idle: "IdleThread", number: "Number", dpc: "DpcRoutineActive" });
    for (let i = 0; i < max; i++) {
      const lo = words[i * (ps / 4)]! >>> 0;
      const hi = ps === 8 ? words[i * 2 + 1]! >>> 0 : 0;
      if (hi === 0 && lo === 0) break;
      const prcb = fromHalves(hi, lo);
      const s = this.read(r, prcb);
      items.push({
        number: s.u32("number") ?? i, prcb, current: s.ptr("current"), next: s.ptr("next"), idle: s.ptr("idle"),
        dpcActive: s.has("dpc") ? s.flag("dpc") : undefined, problem: s.readable ? undefined : "KPRCB unreadable",
      });
    }
    return { items, problem: declared === undefined ? "nt!KeNumberProcessors is unreadable: stopped at the first null KiProcessorBlock entry" : undefined };
  }

  // ---- objects ----

  /** The object header before an object body: counts and the name (when a name info precedes the header). */
  objectHeader(body: Int64): ObjectHeaderInfo | Unavailable {
    const bodyLoc = this.loc("_OBJECT_HEADER", "Body");
    if (!bodyLoc) return new Unavailable("not available", "the symbols have no _OBJECT_HEADER.Body");
    const header = addOffset(body, -bodyLoc.offset);
    const s = this.read(this.reader("_OBJECT_HEADER", { pointers: "PointerCount", handles: "HandleCount", mask: "InfoMask" }), header);
    if (!s.readable) return new Unavailable("unreadable", "the object header at " + this.t.formatAddress(header) + " is not in the dump");
    const pc = s.pair("pointers");
    const hc = s.pair("handles");
    return { header, pointerCount: pc ? signed64(pc) : undefined, handleCount: hc ? signed64(hc) : undefined, name: this.objectName(header, s.u32("mask")) };
  }

  private objectName(header: Int64, mask: number | undefined): string | undefined {
    if (mask === undefined || (mask & 2) === 0) return undefined;
    const nameInfo = this.sizeOf("_OBJECT_HEADER_NAME_INFO");
    const creator = (mask & 1) ? this.sizeOf("_OBJECT_HEADER_CREATOR_INFO") : 0;
    if (!nameInfo || creator === undefined) return undefined;
    const info = addOffset(header, -(nameInfo + creator));
    const s = this.read(this.reader("_OBJECT_HEADER_NAME_INFO", { length: "Name.Length", buffer: "Name.Buffer" }), info);
    const length = s.u32("length");
    const buffer = s.ptr("buffer");
    if (!length || !buffer || isNull(buffer)) return undefined;
    try {
      return host.memory.readWideString(buffer, Math.min(length, 0x400) / 2, this.t.process);
    } catch (e) {
      return undefined;
    }
  }

  /** The wait blocks of a waiting thread: each object with its dispatcher type, name and (mutants) owner. */
  waitBlocks(th: KThread, max: number): { blocks: WaitBlockInfo[]; problem: string | undefined } {
    const blocks: WaitBlockInfo[] = [];
    const first = th.waitBlockList;
    if (!first || isNull(first)) return { blocks, problem: "WaitBlockList is " + (first ? "null" : "unreadable") };
    const size = this.sizeOf("_KWAIT_BLOCK");
    if (!size) return { blocks, problem: "the symbols have no _KWAIT_BLOCK type" };
    const count = th.waitBlockCount !== undefined ? th.waitBlockCount : 1;
    const wr = this.reader("_KWAIT_BLOCK", { object: "Object", thread: "Thread" });
    const or = this.reader("_KMUTANT", { type: "Header.Type", signal: "Header.SignalState", owner: "OwnerThread" });
    let problem: string | undefined = th.waitBlockCount === undefined ? "no WaitBlockCount in this build: the first wait block only" : undefined;
    for (let i = 0; i < Math.min(count, max); i++) {
      const wb = this.read(wr, addOffset(first, i * size));
      const object = wb.ptr("object");
      if (!object) { problem = "wait block " + i + " at " + this.t.formatAddress(addOffset(first, i * size)) + " is unreadable"; break; }
      if (isNull(object)) continue;
      const o = this.read(or, object);
      const type = o.u32("type");
      const hdr = o.readable ? this.objectHeader(object) : undefined;
      blocks.push({
        object, type, typeName: type === undefined ? "unreadable" : dispatcherTypeName(this, type),
        name: hdr && !(hdr instanceof Unavailable) ? hdr.name : undefined,
        owner: type === 2 ? o.ptr("owner") : undefined, signalState: o.i32("signal"),
        problem: o.readable ? undefined : "the object is not in the dump",
      });
    }
    if (count > max) problem = (problem ? problem + "; " : "") + count + " wait blocks, the first " + max + " read";
    return { blocks, problem };
  }

  // ---- executive resources ----

  /**
   * ERESOURCEs from nt!ExpSystemResourcesList with their owner threads (OwnerEntry, and the shared owners of
   * OwnerTable), the owner pointers masked of their low flag bits.
   */
  resources(max: number): Walk<ResourceInfo> {

    const head = this.symbol("ExpSystemResourcesList");
    const link = this.loc("_ERESOURCE", "SystemResourcesList");
    if (!head || !link) return { items: [], problem: "nt!ExpSystemResourcesList or the _ERESOURCE type is missing from the symbols" };
    const r = this.reader("_ERESOURCE", {
      next: "SystemResourcesList.Flink", owner: "OwnerEntry.OwnerThread", table: "OwnerTable", active: "ActiveCount", flag: "Flag",
      exclusiveWaiters: "NumberOfExclusiveWaiters", sharedWaiters: "NumberOfSharedWaiters",
    });
    const entrySize = this.sizeOf("_OWNER_ENTRY");
    const er = this.reader("_OWNER_ENTRY", { thread: "OwnerThread", size: "TableSize" });
    const first = this.readPointer(head);
    return this.walkList(head, first ? halvesOf(first) : undefined, link.offset, r, max, "resource list", "resources", "MaxResources", (s) => {
      const owners: Int64[] = [];
      const active = s.i32("active") || 0;
      const own = s.pair("owner");
      if (active !== 0 && own && (own[0] !== 0 || own[1] !== 0)) owners.push(fromHalves(own[0], (own[1] & ~7) >>> 0));
      const table = s.ptr("table");
      if (active !== 0 && table && !isNull(table) && entrySize) {
        // OwnerTable[0].TableSize counts the entries; entry 0 is the header.
        const size = Math.min(this.read(er, table).u32("size") || 0, 64);
        for (let i = 1; i < size; i++) {
          const e = this.read(er, addOffset(table, i * entrySize)).pair("thread");
          if (e && (e[0] !== 0 || e[1] !== 0)) owners.push(fromHalves(e[0], (e[1] & ~7) >>> 0));
        }
      }
      return {
        address: s.address, owners, exclusive: ((s.u32("flag") || 0) & 0x80) !== 0, active,
        exclusiveWaiters: s.u32("exclusiveWaiters") || 0, sharedWaiters: s.u32("sharedWaiters") || 0,
      };
    });
  }

  // ---- the data model's threads (for stacks) ----

  /** The debugger's thread object for a kernel thread (its stack comes from there), or undefined. */
  modelThread(th: KThread): ThreadRef | undefined {
    if (th.tid <= 0) return undefined; // idle threads share id 0: no unique model thread by id
    const pid = th.pid !== undefined ? th.pid : th.process.pid;
    let proc = this.modelProcesses[pid];
    if (proc === undefined) {
      proc = null;
      try { proc = host.currentSession.Processes.getValueAt(pid) || null; } catch (e) { proc = null; }
      this.modelProcesses[pid] = proc;
    }
    if (!proc) return undefined;
    try {
      const model = proc.Threads.getValueAt(th.tid);
      return model ? { id: th.tid, model } : undefined;
    } catch (e) {
      return undefined;
    }
  }
}

/**
 * A thread's fields, decoded once; pointer fields become Int64 only when read (20,000 threads make
 * 200,000 pointers, nearly all of them never looked at).
 */
class ThreadRecord implements KThread {
  readonly tid: number;
  readonly pid: number | undefined;
  readonly state: number | undefined;
  readonly waitReason: number | undefined;
  readonly waitMode: number | undefined;
  readonly alertable: boolean | undefined;
  readonly waitTime: number | undefined;
  readonly waitBlockCount: number | undefined;
  readonly suspendCount: number | undefined;
  readonly freezeCount: number | undefined;
  readonly deepFrozen: boolean | undefined;
  readonly kernelTime: number | undefined;
  readonly userTime: number | undefined;
  readonly priority: number | undefined;
  readonly stackResident: boolean | undefined;
  readonly win32Thread: boolean | undefined;
  readonly systemThread: boolean | undefined;
  readonly createTime: FileTime | undefined;
  readonly exitTime: FileTime | undefined;
  readonly exitStatus: number | undefined;
  readonly terminated: boolean | undefined;
  readonly nextProcessor: number | undefined;
  readonly problem: string | undefined;
  private readonly pointers: { [key: string]: [number, number] | undefined } = {};

  private readonly halves: Pair;
  private addressValue: Int64 | undefined;

  constructor(s: Snapshot, readonly process: KProcess) {
    this.halves = s.halves;
    const tid = s.pair("tid");
    const pid = s.pair("pid");
    this.tid = tid ? tid[1] : -1;
    this.pid = pid ? pid[1] : undefined;
    this.state = s.u32("state");
    this.waitReason = s.u32("waitReason");
    this.waitMode = s.u32("waitMode");
    this.alertable = s.flag("alertable");
    this.waitTime = s.u32("waitTime");
    this.waitBlockCount = s.u32("waitCount");
    this.suspendCount = s.u32("suspend");
    this.freezeCount = s.u32("freeze");
    this.deepFrozen = s.has("deep") ? s.flag("deep") : undefined;
    this.kernelTime = s.u32("kernelTime");
    this.userTime = s.u32("userTime");
    this.priority = s.i32("priority");
    this.stackResident = s.flag("resident");
    const win32 = s.pair("win32");
    this.win32Thread = s.has("win32") ? !!win32 && (win32[0] !== 0 || win32[1] !== 0) : undefined;
    this.systemThread = s.flag("system");
    this.createTime = s.time("create");
    this.exitTime = s.time("exit");
    this.exitStatus = s.u32("exitStatus");
    this.terminated = s.flag("terminated");
    this.nextProcessor = s.u32("processor");
    this.problem = tid === undefined ? "Cid unreadable" : undefined;
    for (const k of ["waitList", "initial", "limit", "base", "kstack", "teb", "start", "win32Start"]) this.pointers[k] = s.pair(k);
  }

  get address(): Int64 {
    if (!this.addressValue) this.addressValue = fromHalves(this.halves[0], this.halves[1]);
    return this.addressValue;
  }

  private ptr(key: string): Int64 | undefined {
    const p = this.pointers[key];
    return p ? fromHalves(p[0], p[1]) : undefined;
  }
  get waitBlockList(): Int64 | undefined { return this.ptr("waitList"); }
  get initialStack(): Int64 | undefined { return this.ptr("initial"); }
  get stackLimit(): Int64 | undefined { return this.ptr("limit"); }
  get stackBase(): Int64 | undefined { return this.ptr("base"); }
  get kernelStack(): Int64 | undefined { return this.ptr("kstack"); }
  get teb(): Int64 | undefined { return this.ptr("teb"); }
  get startAddress(): Int64 | undefined { return this.ptr("start"); }
  get win32StartAddress(): Int64 | undefined { return this.ptr("win32Start"); }
}

function unknownProcess(address: Int64): KProcess {
  return {
    address, pid: -1, name: "<unknown process>", parentPid: undefined, createTime: undefined, exitTime: undefined,
    exitStatus: undefined, lastThreadExitStatus: undefined, activeThreads: undefined, hasObjectTable: undefined, debugPort: undefined,
    exiting: undefined, deleting: undefined, crashed: undefined, problem: "Tcb.Process unreadable",
  };
}

function bitHolder(f: DbgModel.FieldObject, ft: DbgModel.TypeObject | undefined): { lsb: unknown; length: unknown } | undefined {
  try {
    const own = f as unknown as { isBitField?: boolean; bitFieldPositions?: { lsb: unknown; length: unknown } };
    if (own.isBitField && own.bitFieldPositions) return own.bitFieldPositions;
    if (ft && ft.isBitField && ft.bitFieldPositions) return ft.bitFieldPositions;
  } catch (e) { /* no bit-field information */ }
  return undefined;
}

function signed64(p: [number, number]): number {
  return p[0] >= 0x80000000 ? -((4294967295 - p[0]) * 4294967296 + (4294967296 - p[1])) : p[0] * 4294967296 + p[1];
}

/** address + n (n may be negative). */
export function addOffset(a: Int64, n: number): Int64 {
  let [hi, lo] = halvesOf(a);
  lo += n;
  while (lo >= 4294967296) { lo -= 4294967296; hi++; }
  while (lo < 0) { lo += 4294967296; hi--; }
  return fromHalves(hi >>> 0, lo >>> 0);
}

export function dispatcherTypeName(k: Kernel, type: number): string {
  const n = k.enumName("_KOBJECTS", DISPATCHER_NAMES, type)!;
  // EventNotificationObject → NotificationEvent, MutantObject → Mutant: the names !object and !thread use.
  const short: { [name: string]: string } = {
    EventNotificationObject: "NotificationEvent", EventSynchronizationObject: "SynchronizationEvent", TimerNotificationObject: "NotificationTimer",
    TimerSynchronizationObject: "SynchronizationTimer",
  };
  return short[n] || n.replace(/Object$/, "");
}

/** Compares two addresses. */
export function sameAddress(a: Int64 | undefined, b: Int64 | undefined): boolean {
  if (!a || !b) return false;
  const [ah, al] = halvesOf(a);
  const [bh, bl] = halvesOf(b);
  return comparePair(ah, al, bh, bl) === 0;
}

// ---- exit codes ----

/** Exit statuses that are never crash-like, by default: success, exit code 1, Ctrl+C, a debugger's kill, STATUS_PENDING. */
export const BENIGN_EXIT_CODES: readonly string[] = ["0x0", "0x1", "0xc000013a", "0x40010004", "0x103"];

/** Codes from a settings list of hex strings (entries that do not parse are skipped). */
export function parseCodeList(list: readonly string[]): number[] {
  const out: number[] = [];
  for (const s of list) {
    const v = parseAddress(s);
    if (v) out.push(toNumber(v) >>> 0);
  }
  return out;
}

/** An error-severity NTSTATUS (0xC...) or a known exception code (0x8..., 0xE...), unless listed as benign. */
export function isCrashExitCode(code: number, benign: readonly number[]): boolean {
  const c = code >>> 0;
  if (benign.indexOf(c) >= 0) return false;
  const info = exceptionCodeInfo(c);
  if (info && info.benign) return false;
  return c >= 0xc0000000 || (info !== undefined && c >= 0x80000000);
}

// ---- options shared by the kernel branches of the thread analyses ----

export interface KernelSelection {
  readonly flags: { [name: string]: boolean };
  /** Process predicate: a pid, or an image-name glob (`svchost*`). */
  readonly process: string | number | undefined;
  /** Module predicate: threads with a frame in this module (symbol or file name glob). */
  readonly module: string | undefined;
}

/**
 * Options of the kernel branches: the analysis's booleans plus `Process` (pid or image-name glob) and
 * `Module` (a module one of the thread's frames must be in), from a dx object or a `name=value` string.
 */
export function readKernelOptions(arg: unknown, bools: readonly string[]): KernelSelection | string {
  const bag = readOptions(arg, bools.concat(["Process", "Module"]), undefined);
  if (typeof bag === "string") {
    // Bare flags ("all", "includeidle") as the user-mode form accepts them.
    if (typeof arg === "string") {
      const flags: { [name: string]: boolean } = {};
      for (const n of bools) flags[n] = false;
      let process: string | number | undefined;
      let module: string | undefined;
      for (const part of arg.split(/[\s,;]+/)) {
        if (part === "") continue;
        const name = bools.filter((n) => n.toLowerCase() === part.toLowerCase())[0];
        if (name) { flags[name] = true; continue; }
        const eq = part.indexOf("=");
        const key = eq > 0 ? part.slice(0, eq).toLowerCase() : "";
        const value = eq > 0 ? part.slice(eq + 1) : "";
        if (key === "process") process = processValue(value);
        else if (key === "module") module = value;
        else if (eq > 0 && bools.some((n) => n.toLowerCase() === key)) {
          const v = truth(value);
          if (v === undefined) return key + " must be true or false, not " + value;
          flags[bools.filter((n) => n.toLowerCase() === key)[0]!] = v;
        } else return "unknown option \"" + part + "\" (options: " + bools.concat(["Process", "Module"]).join(", ") + ")";
      }
      return { flags, process, module };
    }
    return bag;
  }
  const flags: { [name: string]: boolean } = {};
  for (const n of bools) {
    const v = bag[n];
    if (v === undefined) { flags[n] = false; continue; }
    const b = typeof v === "boolean" ? v : truth(String(v));
    if (b === undefined) return n + " must be true or false, not " + String(v);
    flags[n] = b;
  }
  const ps = kernelPredicates(bag);
  return typeof ps === "string" ? ps : { flags, process: ps.process, module: ps.module };
}

/** The `Process` and `Module` predicates from an option bag already read (analyses with options of their own add these two). */
export function kernelPredicates(bag: { readonly [name: string]: unknown }): KernelSelection | string {
  const pv = bag.Process;
  const process = pv === undefined ? undefined : typeof pv === "string" ? processValue(pv) : toNumberSafe(pv);
  if (pv !== undefined && process === undefined) return "Process must be a pid or an image name, not " + String(pv);
  return { flags: {}, process, module: bag.Module === undefined ? undefined : String(bag.Module) };
}

function truth(v: string): boolean | undefined {
  if (/^(true|yes|1)$/i.test(v.trim())) return true;
  if (/^(false|no|0)$/i.test(v.trim())) return false;
  return undefined;
}

function processValue(v: string): string | number {
  const t = v.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16);
  if (/^0n\d+$/i.test(t)) return parseInt(t.slice(2), 10);
  if (/^\d+$/.test(t)) return parseInt(t, 10);
  return t;
}

function toNumberSafe(v: unknown): number | undefined {
  try { return toNumber(v); } catch (e) { return undefined; }
}

/** The process predicate as a filter. */
export function processFilter(sel: KernelSelection): ((p: KProcess) => boolean) | undefined {
  const want = sel.process;
  if (want === undefined) return undefined;
  if (typeof want === "number") return (p) => p.pid === want;
  const pattern = want.toLowerCase();
  return (p) => globMatch(p.name.toLowerCase(), pattern) || globMatch(p.name.toLowerCase().replace(/\.[^.]*$/, ""), pattern);
}

export function describeSelection(sel: KernelSelection): string {
  const parts: string[] = [];
  if (sel.process !== undefined) parts.push("process " + (typeof sel.process === "number" ? "0x" + sel.process.toString(16) : sel.process));
  if (sel.module !== undefined) parts.push("module " + sel.module);
  return parts.join(", ");
}

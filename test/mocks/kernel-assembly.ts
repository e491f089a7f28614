/** How the kernel fake target is assembled: arenas of memory, fields written by name, the kernel's links. */
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { SparseMemory, readUnsigned, writeUnsigned } from "../../src/emulator/memory";
import type { ModuleSpec, ProcessSpec, SymbolSpec, TargetSpec, ThreadSpec } from "../../src/emulator/target-spec";
import { fieldLocation, hasField, typeSize } from "./layout-writer";
import { DISPATCHER_TYPE, OBJECT_TYPE_INDEX, SHARED_DATA_ADDRESS, STATUS_PENDING, THREAD_STATE, WAIT_REASON } from "./kernel-facts";
import type {
  BuiltKernelTarget, DispatcherObjectOptions, DriverOptions, KernelProcessOptions, KernelStackInfo, KernelStackValue, KernelTargetOptions,
  KernelThreadOptions, MemoryRef, KernelTime, ResourceOptions, WaitTarget,
} from "./kernel-facts";

// ---------------------------------------------------------------- memory under construction

const PAGE = 0x1000;
const POOL_BASE = 0xffff_a000_0000_0000n;
const PRCB_BASE = 0xffff_b000_0000_0000n;
const STACK_BASE = 0xffff_c000_0000_0000n;
const DRIVER_BASE = 0xffff_f800_1600_0000n;
const NT_SIZE = 0x00a4_6000;
const NT_DATA_RVA = 0x0034_0000;
const KERNEL_STACK_SIZE = 0x6000;
/** Room before each object header for the pool header and optional header infos (left zero). */
const OBJECT_SLACK = 0x50;
const NT_FUNCTIONS: Readonly<Record<string, [rva: number, size: number]>> = {
  KeBugCheckEx: [0x16_0000, 0x100], KiSwapContext: [0x17_0000, 0x200], KiIdleLoop: [0x18_0000, 0x300],
  ExpWorkerThread: [0x19_0000, 0x400], PspSystemThreadStartup: [0x1a_0000, 0x80],
  KiSwapThread: [0x1b_0000, 0x300], KiCommitThreadWait: [0x1b_1000, 0x300], KeWaitForSingleObject: [0x1b_2000, 0x400],
  KeWaitForMultipleObjects: [0x1b_3000, 0x400], KeDelayExecutionThread: [0x1b_4000, 0x200], ExpWaitForResource: [0x1b_5000, 0x200],
  ExAcquireResourceExclusiveLite: [0x1b_6000, 0x200], ExAcquirePushLockExclusiveEx: [0x1b_7000, 0x200],
  KiFreezeTargetExecution: [0x1c_0000, 0x200], KxWaitForSpinLockAndAcquire: [0x1c_1000, 0x80], KeAcquireSpinLockRaiseToDpc: [0x1c_2000, 0x80],
  KiExecuteAllDpcs: [0x1c_3000, 0x400], KiRetireDpcList: [0x1c_4000, 0x300], KiInterruptDispatch: [0x1c_5000, 0x200],
  KiSystemServiceCopyEnd: [0x1c_6000, 0x40], NtWaitForSingleObject: [0x1c_7000, 0x100], NtSuspendThread: [0x1c_8000, 0x100],
  PsSuspendThread: [0x1c_9000, 0x100], KeFreezeExecution: [0x1c_a000, 0x200], KiDispatchInterrupt: [0x1c_b000, 0x200],
};
const USER_THREAD_START = 0x7ffb_2a30_aa40n; // ntdll!RtlUserThreadStart in a typical layout
const USER_APP_ENTRY = 0x7ff6_1000_1100n;
const USER_REGION = 0x0000_0050_0000_0000n;

class Arena {
  private buf: Uint8Array;
  used = 0;
  constructor(readonly base: bigint, capacity = 0x10000) {
    this.buf = new Uint8Array(capacity);
  }

  alloc(size: number, align: number): bigint {
    const at = Math.ceil(this.used / align) * align;
    if (at + size > this.buf.length) {
      let len = this.buf.length;
      while (len < at + size) len *= 2;
      const b = new Uint8Array(len);
      b.set(this.buf);
      this.buf = b;
    }
    this.used = at + size;
    return this.base + BigInt(at);
  }

  view(address: bigint, length: number): Uint8Array | undefined {
    if (address < this.base) return undefined;
    const off = Number(address - this.base);
    return off + length <= this.used ? this.buf.subarray(off, off + length) : undefined;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }
}

/** Arenas plus by-name field access through the layout. */
class KernelSpace {
  readonly arenas: Arena[] = [];
  constructor(readonly layout: LayoutSet) {}

  arena(base: bigint, capacity?: number): Arena {
    const a = new Arena(base, capacity);
    this.arenas.push(a);
    return a;
  }

  private view(address: bigint, length: number): Uint8Array {
    for (const a of this.arenas) {
      const v = a.view(address, length);
      if (v) return v;
    }
    throw new Error(`kernel-target: 0x${address.toString(16)} (+${length}) is outside the built memory`);
  }

  /** Address of a field of the object at `obj`. */
  at(obj: bigint, type: string, path: string): bigint {
    return obj + BigInt(fieldLocation(this.layout, type, path).offset);
  }

  has(type: string, path: string): boolean {
    return hasField(this.layout, type, path);
  }

  set(obj: bigint, type: string, path: string, value: bigint | number | boolean): void {
    const f = fieldLocation(this.layout, type, path);
    const v = BigInt(value);
    const where = `${this.layout.id} ${type}.${path}`;
    if (f.bits) {
      if (v < 0n || v >= 1n << BigInt(f.bits.length)) throw new Error(`${where}: ${v} does not fit ${f.bits.length} bits`);
      const bytes = this.view(obj + BigInt(f.offset), f.size);
      const mask = ((1n << BigInt(f.bits.length)) - 1n) << BigInt(f.bits.lsb);
      writeUnsigned(bytes, 0, f.size, (readUnsigned(bytes, 0, f.size) & ~mask) | (v << BigInt(f.bits.lsb)));
      return;
    }
    this.write(obj + BigInt(f.offset), f.size, v, where);
  }

  /** Sets a field only when this build has it (build-specific members such as 22H2's EPROCESS.Machine). */
  setIfPresent(obj: bigint, type: string, path: string, value: bigint | number | boolean): void {
    if (this.has(type, path)) this.set(obj, type, path, value);
  }

  get(obj: bigint, type: string, path: string): bigint {
    const f = fieldLocation(this.layout, type, path);
    if (f.bits || f.size > 8) throw new Error(`kernel-target: get(${type}.${path}) reads whole integers only`);
    return readUnsigned(this.view(obj + BigInt(f.offset), f.size), 0, f.size);
  }

  setBytes(obj: bigint, type: string, path: string, data: Uint8Array): void {
    const f = fieldLocation(this.layout, type, path);
    if (data.length > f.size) throw new Error(`${this.layout.id} ${type}.${path}: ${data.length} bytes do not fit ${f.size}`);
    this.view(obj + BigInt(f.offset), data.length).set(data);
  }

  /** A value of `type` (an intrinsic or pointer) at an address, e.g. a global. */
  store(address: bigint, type: string, value: bigint | number): void {
    this.write(address, typeSize(this.layout, type), BigInt(value), type);
  }

  private write(address: bigint, size: number, v: bigint, where: string): void {
    if (size > 8) throw new Error(`${where}: a ${size}-byte member needs setBytes`);
    const bits = BigInt(size * 8);
    if (v >= 1n << bits || v < -(1n << (bits - 1n))) throw new Error(`${where}: ${v} does not fit ${size} bytes`);
    writeUnsigned(this.view(address, size), 0, size, v);
  }
}

export function toFileTime(t: KernelTime): bigint {
  return typeof t === "bigint" ? t : BigInt(t.getTime()) * 10_000n + 116_444_736_000_000_000n;
}

function utf16(text: string): Uint8Array {
  const b = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) writeUnsigned(b, i * 2, 2, BigInt(text.charCodeAt(i)));
  return b;
}

// ---------------------------------------------------------------- builder

interface ProcRec {
  readonly o: KernelProcessOptions;
  readonly name: string;
  readonly ordinal: number;
  readonly idle: boolean;
  readonly system: boolean;
  readonly exited: boolean;
  readonly threads: ThreadRec[];
  eprocess: bigint;
  header?: bigint;
  handleTable: bigint;
  token: bigint;
}

interface ObjRec {
  readonly o: DispatcherObjectOptions;
  header: bigint;
  body: bigint;
  readonly typeName: string;
}

interface ResRec {
  readonly o: ResourceOptions;
  address: bigint;
}

interface ThreadRec {
  readonly o: KernelThreadOptions;
  readonly tid: number;
  readonly proc: ProcRec;
  readonly index: number;
  readonly idleProcessor?: number;
  readonly terminated: boolean;
  ethread: bigint;
  header?: bigint;
  stack: KernelStackInfo;
}

/** What the fluent calls declared; `build()` hands it to an Assembly. */
export interface Declared {
  readonly layout: LayoutSet;
  readonly options: KernelTargetOptions;
  readonly procs: ReadonlyMap<number, { o: KernelProcessOptions; declared: boolean }>;
  readonly threads: readonly KernelThreadOptions[];
  readonly drivers: readonly DriverOptions[];
  readonly objects: readonly DispatcherObjectOptions[];
  readonly resources: readonly ResourceOptions[];
  readonly commands: Readonly<Record<string, string[]>>;
  readonly unreadables: readonly { ref: MemoryRef; size?: number }[];
  readonly raw: readonly { address: bigint; bytes: Uint8Array }[];
  readonly current: { pid?: number; tid?: number } | undefined;
}

const LE = "_LIST_ENTRY", EP = "_EPROCESS", ET = "_ETHREAD", OH = "_OBJECT_HEADER";

/** One build: records first, then addresses, then bytes, then the TargetSpec. */
export class Assembly {
  private readonly L: LayoutSet;
  private readonly S: KernelSpace;
  private readonly processors: number;
  private readonly ntBase: bigint;
  private readonly tick: bigint;
  private readonly cookie: number;
  private readonly boot: bigint;
  private readonly ntData: Arena;
  private readonly pool: Arena;
  private readonly ntSymbols: SymbolSpec[];
  private readonly g: Record<"activeHead" | "loadedModules" | "handleTables" | "processors" | "maxIncrement" | "cookie" | "tickCount" |
    "idleProcess" | "systemProcess" | "processorBlock" | "initialProcess" | "initialThread" | "resources", bigint>;
  private readonly procs: ProcRec[];
  private readonly threads: ThreadRec[] = [];
  private readonly objects: ObjRec[] = [];
  private readonly resources: ResRec[] = [];
  /** Tiny code mappings: a call instruction before each return address a stack value names. */
  private readonly code: { address: bigint; bytes: Uint8Array }[] = [];
  private readonly stackSize: number;
  private readonly current: ThreadRec;
  private readonly modules: ModuleSpec[];

  constructor(private readonly d: Declared) {
    const o = d.options;
    this.L = d.layout;
    this.S = new KernelSpace(d.layout);
    this.processors = o.processors ?? 1;
    if (!Number.isInteger(this.processors) || this.processors < 1 || this.processors > 64) throw new Error("kernel-target: processors must be 1..64");
    this.ntBase = o.ntBase ?? 0xffff_f800_1200_0000n;
    this.tick = o.tickCount ?? 0x41e20n;
    this.cookie = o.headerCookie ?? 0x3c;
    this.boot = toFileTime(o.bootTime ?? new Date(Date.UTC(2024, 0, 15, 8, 0, 0)));
    this.stackSize = o.kernelStackSize ?? KERNEL_STACK_SIZE;
    this.ntData = this.S.arena(this.ntBase + BigInt(NT_DATA_RVA));
    this.pool = this.S.arena(POOL_BASE);
    this.ntSymbols = Object.entries(NT_FUNCTIONS).map(([name, [rva, size]]) => ({ name, rva, size }));
    for (const [name, rva] of Object.entries(o.ntSymbols ?? {})) this.ntSymbols.push({ name, rva });
    this.g = this.defineGlobals();
    this.modules = this.moduleSpecs();
    this.procs = this.processRecords();
    this.threadRecords();
    this.current = this.currentThread();
    this.allocate();
    for (const head of [this.g.activeHead, this.g.loadedModules, this.g.handleTables, this.g.resources]) this.listInit(head);
    for (const p of this.procs) this.writeProcess(p);
    for (const x of this.objects) this.writeObject(x);
    for (const r of this.resources) this.writeResource(r);
    for (const t of this.threads) this.writeWaits(t);
    for (const t of this.threads) this.writeStack(t);
    this.writeProcessors();
    this.writeSharedData();
  }

  private sizeOf(type: string): number {
    return typeSize(this.L, type);
  }

  private ntFn(name: string, offset = 0): bigint {
    return this.ntBase + BigInt(NT_FUNCTIONS[name]![0] + offset);
  }

  /** `nt!KiSwapContext+0x76`, `mydrv!Worker+0x40`, `mydrv+0x1000`: an address in a module. */
  codeAddress(text: string): bigint {
    const m = /^([^!+]+)(?:!([^+]+))?(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(text.trim());
    if (!m) throw new Error(`kernel-target: cannot read the code address ${text}`);
    const offset = m[3] ? BigInt(m[3]) : 0n;
    if (!m[2]) return this.module(m[1]!).base + offset;
    return this.symbol(`${m[1]}!${m[2]}`).address + offset;
  }

  // ---- records

  /** nt's globals live in its data area; functions are RVAs only (code is not in the dump). */
  private defineGlobals(): Assembly["g"] {
    const global = (name: string, type: string | undefined, size: number, align = 8): bigint => {
      const address = this.ntData.alloc(size, align);
      this.ntSymbols.push({ name, rva: Number(address - this.ntBase), size, ...(type ? { type } : {}) });
      return address;
    };
    const size = (t: string) => this.sizeOf(t);
    return {
      activeHead: global("PsActiveProcessHead", LE, size(LE)),
      loadedModules: global("PsLoadedModuleList", LE, size(LE)),
      handleTables: global("HandleTableListHead", LE, size(LE)),
      processors: global("KeNumberProcessors", "ULONG", size("ULONG")),
      maxIncrement: global("KeMaximumIncrement", "ULONG", size("ULONG")),
      cookie: global("ObHeaderCookie", "UCHAR", size("UCHAR")),
      tickCount: global("KeTickCount", "_KSYSTEM_TIME", size("_KSYSTEM_TIME")),
      idleProcess: global("PsIdleProcess", "_EPROCESS*", this.L.pointerSize),
      systemProcess: global("PsInitialSystemProcess", "_EPROCESS*", this.L.pointerSize),
      processorBlock: global("KiProcessorBlock", "_KPRCB*[64]", size("_KPRCB*[64]")),
      initialProcess: global("KiInitialProcess", EP, size(EP), 0x40),
      initialThread: global("KiInitialThread", ET, size(ET), 0x40),
      resources: global("ExpSystemResourcesList", LE, size(LE)),
    };
  }

  /** Idle, System, then the declared processes in declaration order. */
  private processRecords(): ProcRec[] {
    const pids = [0, 4, ...[...this.d.procs.keys()].filter((p) => p !== 0 && p !== 4)];
    return pids.map((pid, ordinal) => {
      const o = this.d.procs.get(pid)!.o;
      return {
        o, name: o.name ?? `process${pid}.exe`, ordinal, idle: pid === 0, system: pid === 0 || pid === 4,
        exited: o.exitTime !== undefined, threads: [], eprocess: 0n, handleTable: 0n, token: 0n,
      };
    });
  }

  /** One idle thread per processor (tid 0), the declared threads, then default threads for processes without any. */
  private threadRecords(): void {
    const used = new Set<number>([...this.procs.map((p) => p.o.pid), ...this.d.threads.flatMap((t) => (t.tid === undefined ? [] : [t.tid]))]);
    const seen = new Set<number>();
    let next = 0x1000;
    const add = (proc: ProcRec, o: KernelThreadOptions, idleProcessor?: number) => {
      let tid = 0;
      if (idleProcessor === undefined) {
        if (o.tid === undefined) { while (used.has(next)) next += 4; used.add(next); }
        tid = o.tid ?? next;
        if (seen.has(tid)) throw new Error(`kernel-target: thread 0x${tid.toString(16)} declared twice`);
        seen.add(tid);
      }
      const t: ThreadRec = {
        o, tid, proc, index: proc.threads.length, idleProcessor, terminated: o.terminated ?? o.exitTime !== undefined,
        ethread: 0n, stack: { base: 0n, limit: 0n, initial: 0n, current: 0n },
      };
      proc.threads.push(t);
      this.threads.push(t);
    };
    for (let i = 0; i < this.processors; i++) add(this.proc(0), { pid: 0 }, i);
    for (const o of this.d.threads) add(this.proc(o.process ?? o.pid!), o);
    for (const p of this.procs) {
      if (p.idle || p.threads.length > 0) continue;
      for (let i = 0; i < (p.o.threadCount ?? (p.exited ? 0 : 1)); i++) add(p, {});
    }
  }

  private currentThread(): ThreadRec {
    const ref = this.d.current ?? { pid: 4 };
    const match = this.threads.find((t) => (ref.pid === undefined || t.proc.o.pid === ref.pid) && (ref.tid === undefined || t.tid === ref.tid));
    // Without .current(), a System with no threads leaves processor 0's idle thread current.
    const thread = match ?? (this.d.current ? undefined : this.threads.find((t) => t.idleProcessor === 0));
    if (!thread) throw new Error(`kernel-target: current(${JSON.stringify(ref)}) names no thread`);
    if (thread.proc.o.unlinked) throw new Error("kernel-target: the current process cannot be unlinked");
    return thread;
  }

  proc(ref: number | string): ProcRec {
    const p = this.procs.find((x) => (typeof ref === "number" ? x.o.pid === ref : x.o.label === ref));
    if (!p) throw new Error(`kernel-target: no process ${typeof ref === "number" ? "0x" + ref.toString(16) : ref}`);
    return p;
  }

  thread(ref: number | string): ThreadRec {
    const t = this.threads.find((x) => (typeof ref === "number" ? x.tid === ref && x.idleProcessor === undefined : x.o.label === ref)) ??
      (ref === 0 ? this.threads.find((x) => x.idleProcessor === 0) : undefined);
    if (!t) throw new Error(`kernel-target: no thread ${typeof ref === "number" ? "0x" + ref.toString(16) : ref}`);
    return t;
  }

  object(label: string): ObjRec {
    const x = this.objects.find((o) => o.o.label === label);
    if (!x) throw new Error(`kernel-target: no object ${label}`);
    return x;
  }

  /** A process, thread or object by pid / tid / label. */
  private addressOf(ref: string | { readonly pid: number } | { readonly tid: number }): bigint {
    if (typeof ref !== "string") return "pid" in ref ? this.proc(ref.pid).eprocess : this.thread(ref.tid).ethread;
    if (this.objects.some((o) => o.o.label === ref)) return this.object(ref).body;
    if (this.procs.some((p) => p.o.label === ref)) return this.proc(ref).eprocess;
    return this.thread(ref).ethread;
  }

  /** A thread given as tid / label, or a raw address. */
  private threadAddress(ref: number | string | bigint): bigint {
    return typeof ref === "bigint" ? ref : this.thread(ref).ethread;
  }

  // ---- addresses

  private allocObject(type: string, typeIndex: number, handles: number, pointers: number): { header: bigint; body: bigint } {
    const bodyOffset = BigInt(fieldLocation(this.L, OH, "Body").offset);
    const header = this.pool.alloc(OBJECT_SLACK + Number(bodyOffset) + this.sizeOf(type), PAGE) + BigInt(OBJECT_SLACK);
    if (OBJECT_SLACK < this.sizeOf("_OBJECT_HEADER_NAME_INFO")) throw new Error("kernel-target: no room for a name info before the header");
    this.S.set(header, OH, "PointerCount", pointers);
    this.S.set(header, OH, "HandleCount", handles);
    this.S.set(header, OH, "TypeIndex", typeIndex ^ this.cookie ^ Number((header >> 8n) & 0xffn));
    return { header, body: header + bodyOffset };
  }

  private allocate(): void {
    for (const p of this.procs) {
      if (p.idle) { p.eprocess = this.g.initialProcess; continue; }
      const handles = p.o.handleCount ?? (p.exited ? 0 : 4);
      const obj = this.allocObject(EP, OBJECT_TYPE_INDEX.Process, handles, p.o.pointerCount ?? handles + p.threads.length + 1);
      p.eprocess = obj.body;
      p.header = obj.header;
    }
    let stackSlot = 0;
    for (const t of this.threads) {
      if (t.idleProcessor === 0) t.ethread = this.g.initialThread;
      else if (t.idleProcessor !== undefined) t.ethread = this.pool.alloc(this.sizeOf(ET), PAGE);
      else {
        const handles = t.o.handleCount ?? (t.terminated ? 0 : 1);
        const obj = this.allocObject(ET, OBJECT_TYPE_INDEX.Thread, handles, t.o.pointerCount ?? handles + 1);
        t.ethread = obj.body;
        t.header = obj.header;
      }
      const ks = t.o.kernelStack;
      if (ks && ks.base <= ks.limit) throw new Error(`kernel-target: thread 0x${t.tid.toString(16)}: kernelStack base must be above limit`);
      // Each default stack is its own arena with an unmapped guard page below it.
      const size = this.stackSize || KERNEL_STACK_SIZE;
      const limit = ks?.limit ?? STACK_BASE + BigInt(stackSlot++ * (size + PAGE) + PAGE);
      const base = ks?.base ?? limit + BigInt(size);
      if (ks || this.stackSize > 0) this.S.arena(limit, Number(base - limit)).alloc(Number(base - limit), 1);
      const initial = ks?.initial ?? (base - 0x370n > limit ? base - 0x370n : base);
      const current = ks?.current ?? (initial - 0x800n > limit ? initial - 0x800n : limit);
      t.stack = { base, limit, initial, current };
    }
    for (const o of this.d.objects) {
      if (this.objects.some((x) => x.o.label === o.label)) throw new Error(`kernel-target: object ${o.label} declared twice`);
      const typeName = o.type === "Mutant" ? "_KMUTANT" : o.type === "Semaphore" ? "_KSEMAPHORE" : o.type === "Queue" ? "_KQUEUE" :
        o.type === "Gate" ? "_KGATE" : "_KEVENT"; // no _KTIMER layout: a timer's header is all that is read
      const index = o.type.endsWith("Event") ? OBJECT_TYPE_INDEX.Event : o.type.endsWith("Timer") ? OBJECT_TYPE_INDEX.Timer :
        OBJECT_TYPE_INDEX[o.type as "Mutant" | "Semaphore" | "Queue" | "Gate"];
      const obj = this.allocObject(typeName, index, o.handleCount ?? 1, o.pointerCount ?? (o.handleCount ?? 1) + 1);
      this.objects.push({ o, header: obj.header, body: obj.body, typeName });
    }
    for (const o of this.d.resources) this.resources.push({ o, address: this.pool.alloc(this.sizeOf("_ERESOURCE"), 0x10) });
  }

  // ---- bytes

  private unicodeString(at: bigint, text: string): void {
    const bytes = utf16(text);
    const buffer = this.pool.alloc(bytes.length + 2, 0x10);
    this.pool.view(buffer, bytes.length)!.set(bytes);
    this.S.set(at, "_UNICODE_STRING", "Length", bytes.length);
    this.S.set(at, "_UNICODE_STRING", "MaximumLength", bytes.length + 2);
    this.S.set(at, "_UNICODE_STRING", "Buffer", buffer);
  }

  private listInit(head: bigint): void {
    this.S.set(head, LE, "Flink", head);
    this.S.set(head, LE, "Blink", head);
  }

  private listAppend(head: bigint, entry: bigint): void {
    const S = this.S;
    const tail = S.get(head, LE, "Blink");
    S.set(entry, LE, "Flink", head);
    S.set(entry, LE, "Blink", tail);
    S.set(tail, LE, "Flink", entry);
    S.set(head, LE, "Blink", entry);
  }

  private writeProcess(p: ProcRec): void {
    const { S, g } = this;
    const e = p.eprocess, o = p.o;
    const live = p.threads.filter((t) => !t.terminated).length;
    S.set(e, EP, "Pcb.Header.Type", DISPATCHER_TYPE.Process);
    this.listInit(S.at(e, EP, "Pcb.Header.WaitListHead"));
    S.set(e, EP, "Pcb.DirectoryTableBase", 0x1aa000n + BigInt(p.ordinal * PAGE));
    S.set(e, EP, "Pcb.BasePriority", 8);
    this.listInit(S.at(e, EP, "Pcb.ThreadListHead"));
    this.listInit(S.at(e, EP, "ThreadListHead"));
    S.set(e, EP, "UniqueProcessId", o.pid);
    S.set(e, EP, "InheritedFromUniqueProcessId", o.parentPid ?? (p.system ? 0 : 4));
    if (o.unlinked) this.listInit(S.at(e, EP, "ActiveProcessLinks"));
    else if (!p.idle) this.listAppend(g.activeHead, S.at(e, EP, "ActiveProcessLinks"));
    S.set(e, EP, "CreateReported", 1);
    S.set(e, EP, "ProcessInserted", 1);
    S.set(e, EP, "HasAddressSpace", p.system ? 0 : 1);
    S.set(e, EP, "ProcessExiting", p.exited ? 1 : 0);
    S.setIfPresent(e, EP, "SystemProcess", p.system ? 1 : 0);
    S.setIfPresent(e, EP, "Machine", o.wow64 ? 0x14c : 0x8664);
    S.set(e, EP, "CreateTime.QuadPart", o.createTime !== undefined ? toFileTime(o.createTime) : p.idle ? 0n : this.boot + BigInt(p.ordinal - 1) * 100_000_000n);
    if (o.exitTime !== undefined) S.set(e, EP, "ExitTime.QuadPart", toFileTime(o.exitTime));
    S.set(e, EP, "ExitStatus", o.exitStatus ?? (p.exited ? 0 : STATUS_PENDING));
    S.set(e, EP, "ActiveThreads", o.activeThreads ?? live);
    S.set(e, EP, "ActiveThreadsHighWatermark", Math.max(o.activeThreads ?? live, p.threads.length));
    // Windows keeps 14 characters and a NUL.
    const image = new TextEncoder().encode(p.name.replace(/[^\x20-\x7e]/g, "?")).subarray(0, this.sizeOf("UCHAR[15]") - 1);
    S.setBytes(e, EP, "ImageFileName", image);
    S.set(e, EP, "Peb", this.peb(p));
    if (o.crashed) S.set(e, EP, "Crashed", 1);
    if (o.debugPort) S.set(e, EP, "DebugPort", POOL_BASE + 0xdeb0n);
    S.set(e, EP, "LastThreadExitStatus", o.lastThreadExitStatus ?? (p.exited ? o.exitStatus ?? 0 : 0));
    if (o.wow64) this.writeWow64(p);
    if (o.objectTable ?? (!p.exited && !p.idle)) this.writeHandleTable(p);
    if (!p.idle) this.writeToken(p);
    const path = o.imagePath === undefined ? (p.system ? null : `\\Device\\HarddiskVolume3\\Windows\\System32\\${p.name}`) : o.imagePath;
    if (path !== null) {
      const info = this.pool.alloc(this.sizeOf("_OBJECT_NAME_INFORMATION"), 0x10);
      this.unicodeString(S.at(info, "_OBJECT_NAME_INFORMATION", "Name"), path);
      S.set(e, EP, "SeAuditProcessCreationInfo.ImageFileName", info);
    }
    for (const t of p.threads) this.writeThread(t);
  }

  private peb(p: ProcRec): bigint {
    return p.o.peb ?? (p.system ? 0n : USER_REGION + BigInt(p.ordinal) * 0x1_0000_0000n);
  }

  private writeWow64(p: ProcRec): void {
    const peb = this.peb(p);
    if (peb === 0n) throw new Error(`kernel-target: process 0x${p.o.pid.toString(16)}: a WOW64 process needs a PEB`);
    const w = this.pool.alloc(this.sizeOf("_EWOW64PROCESS"), 0x10);
    this.S.set(w, "_EWOW64PROCESS", "Peb", peb + BigInt(PAGE));
    this.S.setIfPresent(w, "_EWOW64PROCESS", "Machine", 0x14c); // 1607
    this.S.setIfPresent(w, "_EWOW64PROCESS", "NtdllType", 1); // 22H2: PsNativeSystemDll + 1 = the WOW64 ntdll
    this.S.set(p.eprocess, EP, "WoW64Process", w);
  }

  private writeHandleTable(p: ProcRec): void {
    const S = this.S, HT = "_HANDLE_TABLE";
    const ht = this.pool.alloc(this.sizeOf(HT), 0x40);
    p.handleTable = ht;
    S.set(ht, HT, "UniqueProcessId", p.o.pid);
    if (p.o.pid !== 4) S.set(ht, HT, "QuotaProcess", p.eprocess); // the kernel's own table charges no process
    // FreeLists is an array of _HANDLE_TABLE_FREE_LIST; the first one counts the handles.
    S.set(S.at(ht, HT, "FreeLists"), "_HANDLE_TABLE_FREE_LIST", "HandleCount", p.o.ownHandleCount ?? (p.o.pid === 4 ? 0x400 : 0x40));
    this.listAppend(this.g.handleTables, S.at(ht, HT, "HandleTableList"));
    S.set(p.eprocess, EP, "ObjectTable", ht);
  }

  private writeToken(p: ProcRec): void {
    const S = this.S, T = "_TOKEN";
    const tok = this.allocObject(T, OBJECT_TYPE_INDEX.Token, 0, 1).body;
    p.token = tok;
    S.set(tok, T, "SessionId", p.o.sessionId ?? (p.system ? 0 : 1));
    S.set(tok, T, "TokenId.LowPart", 0x1000 + p.ordinal);
    S.set(tok, T, "AuthenticationId.LowPart", p.system ? 0x3e7 : 0x2_0000 + p.ordinal); // 0x3e7: SYSTEM_LUID
    S.set(tok, T, "TokenType", 1); // TokenPrimary
    S.set(p.eprocess, EP, "Token.Object", tok);
    S.set(p.eprocess, EP, "Token.RefCnt", 0xa); // _EX_FAST_REF keeps a reference count in the low bits
  }

  private writeThread(t: ThreadRec): void {
    const S = this.S, p = t.proc, o = t.o, e = t.ethread, system = p.system;
    const processor = this.processorOf(t);
    const running = processor !== undefined;
    const state = named(o.state, THREAD_STATE) ??
      (t.terminated ? THREAD_STATE.Terminated : running ? THREAD_STATE.Running : o.standby !== undefined ? THREAD_STATE.Standby :
        t.idleProcessor !== undefined ? THREAD_STATE.Ready : THREAD_STATE.Waiting);
    const waiting = state === THREAD_STATE.Waiting;
    S.set(e, ET, "Tcb.Header.Type", DISPATCHER_TYPE.Thread);
    this.listInit(S.at(e, ET, "Tcb.Header.WaitListHead"));
    this.listInit(S.at(e, ET, "Tcb.MutantListHead"));
    S.set(e, ET, "Tcb.InitialStack", t.stack.initial);
    S.set(e, ET, "Tcb.StackBase", t.stack.base);
    S.set(e, ET, "Tcb.StackLimit", t.stack.limit);
    S.set(e, ET, "Tcb.KernelStack", t.stack.current);
    S.set(e, ET, "Tcb.KernelStackResident", o.kernelStackResident === false ? 0 : 1);
    S.set(e, ET, "Tcb.State", state);
    S.set(e, ET, "Tcb.WaitReason", named(o.waitReason, WAIT_REASON) ?? (waiting ? (system ? WAIT_REASON.WrQueue : WAIT_REASON.UserRequest) : WAIT_REASON.Executive));
    S.set(e, ET, "Tcb.WaitMode", o.waitMode ?? (system ? 0 : 1));
    S.set(e, ET, "Tcb.WaitTime", o.waitTime ?? Number(BigInt.asUintN(32, this.tick - (waiting ? 0x100n + BigInt(t.index) : 0n))));
    S.set(e, ET, "Tcb.Priority", o.priority ?? (system ? 13 : 8));
    if (o.suspendCount !== undefined) S.set(e, ET, "Tcb.SuspendCount", o.suspendCount);
    if (o.frozen) S.set(e, ET, "Tcb.FreezeCount", 1);
    if (o.deepFrozen) S.setIfPresent(e, ET, "Tcb.FreezeDeep", 1);
    if (o.alertable) S.set(e, ET, "Tcb.Alertable", 1);
    S.set(e, ET, "Tcb.KernelTime", o.kernelTime ?? 0);
    S.set(e, ET, "Tcb.UserTime", o.userTime ?? 0);
    S.set(e, ET, "Tcb.BasePriority", system ? 13 : 8);
    S.set(e, ET, "Tcb.SystemThread", system ? 1 : 0);
    S.set(e, ET, "Tcb.NextProcessor", processor ?? o.standby ?? t.idleProcessor ?? 0);
    S.set(e, ET, "Tcb.Teb", this.teb(t));
    S.set(e, ET, "Tcb.Process", p.eprocess);
    S.set(e, ET, "Tcb.ApcState.Process", p.eprocess);
    this.listAppend(S.at(p.eprocess, EP, "Pcb.ThreadListHead"), S.at(e, ET, "Tcb.ThreadListEntry"));
    this.listAppend(S.at(p.eprocess, EP, "ThreadListHead"), S.at(e, ET, "ThreadListEntry"));
    const created = o.createTime !== undefined ? toFileTime(o.createTime) : S.get(p.eprocess, EP, "CreateTime.QuadPart") + BigInt(t.index + 1) * 10_000n;
    S.set(e, ET, "CreateTime.QuadPart", created);
    if (t.terminated) {
      const exit = o.exitTime ?? p.o.exitTime;
      S.set(e, ET, "ExitTime.QuadPart", exit !== undefined ? toFileTime(exit) : created + 10_000_000n);
      S.set(e, ET, "ExitStatus", o.exitStatus ?? p.o.exitStatus ?? 0);
      S.set(e, ET, "Terminated", 1);
    }
    S.set(e, ET, "ThreadInserted", 1);
    const start = o.startAddress ?? (p.idle ? this.ntFn("KiIdleLoop") : system ? this.ntFn("ExpWorkerThread") : USER_THREAD_START);
    S.set(e, ET, "StartAddress", start);
    S.set(e, ET, "Win32StartAddress", o.win32StartAddress ?? (system ? start : USER_APP_ENTRY));
    S.set(e, ET, "Cid.UniqueProcess", p.o.pid);
    S.set(e, ET, "Cid.UniqueThread", t.tid);
    if (o.name !== undefined) {
      const us = this.pool.alloc(this.sizeOf("_UNICODE_STRING"), 0x10);
      this.unicodeString(us, o.name);
      S.set(e, ET, "ThreadName", us);
    }
  }

  /** The processor a thread runs on: the current thread on 0, idle threads on their own, `running` ones where they say. */
  private processorOf(t: ThreadRec): number | undefined {
    if (t.o.running !== undefined) return t.o.running;
    if (t === this.current) return 0;
    if (t.idleProcessor !== undefined && t.idleProcessor > 0 && !this.threads.some((x) => x.o.running === t.idleProcessor)) return t.idleProcessor;
    return undefined;
  }

  private writeObject(x: ObjRec): void {
    const S = this.S, o = x.o, DH = "_DISPATCHER_HEADER";
    const type = DISPATCHER_TYPE[o.type];
    S.set(x.body, DH, "Type", type);
    S.set(x.body, DH, "Size", Math.ceil(this.sizeOf(x.typeName) / 4)); // in ULONGs, as the kernel records it
    this.listInit(S.at(x.body, DH, "WaitListHead"));
    if (o.type === "Mutant") {
      const owner = o.owner !== undefined ? this.threadAddress(o.owner) : 0n;
      S.set(x.body, "_KMUTANT", "OwnerThread", owner);
      S.set(x.body, DH, "SignalState", o.signalState ?? (owner === 0n ? 1 : 0));
      if (o.abandoned) S.set(x.body, "_KMUTANT", "Abandoned", 1);
      this.listInit(S.at(x.body, "_KMUTANT", "MutantListEntry"));
      if (owner !== 0n && typeof o.owner !== "bigint") {
        // An owned mutant is on its owner's MutantListHead.
        this.listAppend(S.at(owner, ET, "Tcb.MutantListHead"), S.at(x.body, "_KMUTANT", "MutantListEntry"));
      }
    } else {
      if (o.owner !== undefined) throw new Error(`kernel-target: object ${o.label}: only a mutant has an owner`);
      S.set(x.body, DH, "SignalState", o.signalState ?? 0);
      if (o.type === "Queue") this.listInit(S.at(x.body, "_KQUEUE", "EntryListHead"));
      if (o.type === "Queue") this.listInit(S.at(x.body, "_KQUEUE", "ThreadListHead"));
    }
    if (o.name !== undefined) {
      const NI = "_OBJECT_HEADER_NAME_INFO";
      const info = x.header - BigInt(this.sizeOf(NI));
      this.unicodeString(S.at(info, NI, "Name"), o.name);
      S.set(info, NI, "ReferenceCount", 1);
      S.set(x.header, OH, "InfoMask", 0x2); // OB_INFOMASK_NAME: only a name info sits before the header
    }
  }

  private writeResource(r: ResRec): void {
    const S = this.S, o = r.o, ER = "_ERESOURCE";
    this.listAppend(this.g.resources, S.at(r.address, ER, "SystemResourcesList"));
    S.set(r.address, ER, "OwnerEntry.OwnerThread", this.threadAddress(o.owner));
    S.set(r.address, ER, "OwnerEntry.OwnerCount", 1);
    S.set(r.address, ER, "ActiveCount", 1);
    S.set(r.address, ER, "ActiveEntries", 1);
    S.set(r.address, ER, "Flag", o.shared ? 0 : 0x80); // ResourceOwnedExclusive
    S.set(r.address, ER, "NumberOfExclusiveWaiters", o.exclusiveWaiters ?? 0);
    S.set(r.address, ER, "NumberOfSharedWaiters", o.sharedWaiters ?? 0);
  }

  /** Wait blocks: the thread's own four in Tcb.WaitBlock, a pool array beyond that; each linked into its object's wait list. */
  private writeWaits(t: ThreadRec): void {
    const list = t.o.waitOn;
    if (!list || list.length === 0) return;
    const S = this.S, WB = "_KWAIT_BLOCK";
    const size = this.sizeOf(WB);
    const builtIn = fieldLocation(this.L, ET, "Tcb.WaitBlock");
    const first = list.length <= builtIn.size / size ? t.ethread + BigInt(builtIn.offset) : this.pool.alloc(size * list.length, 0x10);
    list.forEach((target, i) => {
      const block = first + BigInt(i * size);
      const object = this.waitObject(target);
      S.set(block, WB, "Object", object);
      S.set(block, WB, "Thread", t.ethread);
      S.set(block, WB, "WaitType", t.o.waitAll ? 0 : 1); // WaitAll 0, WaitAny 1
      S.set(block, WB, "BlockState", 4); // WaitBlockActive
      S.set(block, WB, "WaitKey", i);
      if (typeof target === "object" && "address" in target) S.set(block, LE, "Flink", block);
      else this.listAppend(S.at(object, "_DISPATCHER_HEADER", "WaitListHead"), S.at(block, WB, "WaitListEntry"));
    });
    S.set(t.ethread, ET, "Tcb.WaitBlockList", first);
    S.set(t.ethread, ET, "Tcb.WaitBlockCount", list.length);
  }

  private waitObject(target: WaitTarget): bigint {
    if (typeof target === "object" && "address" in target) return target.address;
    return this.addressOf(target);
  }

  /** Stack values from the saved stack pointer up (`stack`) and below it (`residue`), and a call before each return address. */
  private writeStack(t: ThreadRec): void {
    const { stack, residue } = t.o;
    if (!stack && !residue) return;
    const ps = this.L.pointerSize;
    const put = (address: bigint, v: KernelStackValue) => {
      if (address < t.stack.limit || address + BigInt(ps) > t.stack.base) throw new Error(`kernel-target: thread 0x${t.tid.toString(16)}: stack values overflow its stack`);
      this.S.store(address, "ULONGLONG", BigInt.asUintN(64, this.stackValue(v)));
    };
    (stack ?? []).forEach((v, i) => put(t.stack.current + BigInt(i * ps), v));
    (residue ?? []).forEach((v, i) => put(t.stack.current - BigInt((i + 1) * ps), v));
  }

  private stackValue(v: KernelStackValue): bigint {
    if (typeof v === "bigint") return v;
    if (typeof v === "number") return BigInt(v);
    if (v.kind === "stack") return this.thread(v.tid).stack.base - BigInt(v.offset);
    if (v.kind === "object") return this.addressOf(v.ref);
    const address = this.codeAddress(v.name) + BigInt(v.offset);
    // E8 rel32 (after three int 3 of padding, the window a return-address check reads): a call returning here.
    if (v.returnSite) this.code.push({ address: address - 8n, bytes: new Uint8Array([0xcc, 0xcc, 0xcc, 0xe8, 0, 0, 0, 0]) });
    return address;
  }

  private writeSharedData(): void {
    if (this.d.options.sharedData === false) return;
    const S = this.S, K = "_KUSER_SHARED_DATA";
    const k = S.arena(SHARED_DATA_ADDRESS, this.sizeOf(K)).alloc(this.sizeOf(K), PAGE);
    const dump = this.d.options.dumpTime !== undefined ? toFileTime(this.d.options.dumpTime) : this.boot + this.tick * 156_250n;
    S.set(k, K, "SystemTime.LowPart", BigInt.asUintN(32, dump));
    S.set(k, K, "SystemTime.High1Time", BigInt.asIntN(32, dump >> 32n));
    S.set(k, K, "SystemTime.High2Time", BigInt.asIntN(32, dump >> 32n));
    S.set(k, K, "TickCountQuad", this.tick);
    S.set(k, K, "TickCountMultiplier", 0x0fa00000); // 15.625 ms × 2^24 / 10^4... as Windows sets it for a 15.625 ms tick
    S.set(k, K, "NtBuildNumber", this.L.id.startsWith("win10-1607") ? 14393 : 22621);
    S.set(k, K, "NtMajorVersion", 10);
    S.set(k, K, "ActiveProcessorCount", this.processors);
  }

  private teb(t: ThreadRec): bigint {
    return t.o.teb ?? (t.proc.system ? 0n : USER_REGION + BigInt(t.proc.ordinal) * 0x1_0000_0000n + 0x0200_0000n + BigInt(t.index) * 0x2000n);
  }

  private prcbAddress(i: number): bigint {
    return PRCB_BASE + BigInt(i * Math.ceil(this.sizeOf("_KPRCB") / PAGE) * PAGE);
  }

  private writeProcessors(): void {
    const { S, g } = this;
    const arena = S.arena(PRCB_BASE);
    for (let i = 0; i < this.processors; i++) {
      const prcb = arena.alloc(this.sizeOf("_KPRCB"), PAGE);
      if (prcb !== this.prcbAddress(i)) throw new Error("kernel-target: KPRCB allocation out of step");
      const idle = this.threads.find((t) => t.idleProcessor === i)!;
      S.set(prcb, "_KPRCB", "Number", i);
      S.set(prcb, "_KPRCB", "LegacyNumber", i);
      S.set(prcb, "_KPRCB", "IdleThread", idle.ethread);
      const running = this.threads.find((t) => t.idleProcessor === undefined && this.processorOf(t) === i);
      S.set(prcb, "_KPRCB", "CurrentThread", running ? running.ethread : i === 0 ? this.current.ethread : idle.ethread);
      const next = this.threads.find((t) => t.o.standby === i);
      if (next) S.set(prcb, "_KPRCB", "NextThread", next.ethread);
      if ((this.d.options.dpcActive ?? []).indexOf(i) >= 0) S.setIfPresent(prcb, "_KPRCB", "DpcRoutineActive", 1);
      S.store(g.processorBlock + BigInt(i * this.L.pointerSize), "_KPRCB*", prcb);
    }
    const ulong = this.sizeOf("ULONG");
    S.store(g.processors, "ULONG", this.processors);
    S.store(g.maxIncrement, "ULONG", 156_250); // 15.625 ms in 100 ns units
    S.store(g.cookie, "UCHAR", this.cookie);
    S.store(g.tickCount, "ULONG", BigInt.asUintN(32, this.tick));
    S.store(g.tickCount + BigInt(ulong), "ULONG", this.tick >> 32n);
    S.store(g.tickCount + BigInt(2 * ulong), "ULONG", this.tick >> 32n);
    S.store(g.idleProcess, "_EPROCESS*", this.proc(0).eprocess);
    S.store(g.systemProcess, "_EPROCESS*", this.proc(4).eprocess);
  }

  private moduleSpecs(): ModuleSpec[] {
    const types = this.d.options.ntTypes ? this.d.options.ntTypes(this.L) : this.L;
    const modules: ModuleSpec[] = [{ name: "ntoskrnl.exe", base: this.ntBase, size: NT_SIZE, symbols: this.ntSymbols, types }];
    let next = DRIVER_BASE;
    for (const d of this.d.drivers) {
      const size = d.size ?? 0x20000;
      const base = d.base ?? next;
      if (d.base === undefined) next += BigInt(Math.ceil((size + 0x10000) / 0x10000) * 0x10000);
      const symbols = d.symbols === undefined ? undefined
        : Array.isArray(d.symbols) ? [...(d.symbols as readonly SymbolSpec[])]
          : Object.entries(d.symbols as Readonly<Record<string, number>>).map(([name, rva]) => ({ name, rva }));
      // The debugger serves a module's types only with its PDB loaded, so types come with (possibly no) symbols.
      const withSymbols = symbols ?? (d.types ? [] : undefined);
      modules.push({ name: d.name, base, size, ...(withSymbols ? { symbols: withSymbols } : {}), ...(d.types ? { types: d.types } : {}) });
    }
    return modules;
  }

  module(name: string): ModuleSpec {
    const n = name.toLowerCase();
    const m = n === "nt" ? this.modules[0] : this.modules.find((x) => x.name.toLowerCase() === n || x.name.toLowerCase().replace(/\.[^.]*$/, "") === n);
    if (!m) throw new Error(`kernel-target: no module ${name}`);
    return m;
  }

  /** `PsActiveProcessHead` (nt), `nt!KiSwapContext`, `mydrv!DriverEntry`. */
  symbol(name: string): { address: bigint; size?: number } {
    const bang = name.indexOf("!");
    const m = this.module(bang >= 0 ? name.slice(0, bang) : "nt");
    const s = m.symbols?.find((x) => x.name === name.slice(bang + 1));
    if (!s) throw new Error(`kernel-target: no symbol ${name}`);
    return { address: m.base + BigInt(s.rva), size: s.size };
  }

  /** The byte range a MemoryRef names. */
  private range(ref: MemoryRef, size?: number): { address: bigint; size: number } {
    if (typeof ref === "bigint") return size !== undefined ? { address: ref, size } : { address: ref & ~BigInt(PAGE - 1), size: PAGE };
    const within = (obj: bigint, type: string, field?: string) => {
      if (!field) return { address: obj, size: size ?? this.sizeOf(type) };
      const f = fieldLocation(this.L, type, field);
      return { address: obj + BigInt(f.offset), size: size ?? f.size };
    };
    if (typeof ref === "string") {
      if (ref.includes("!")) {
        const s = this.symbol(ref);
        return { address: s.address, size: size ?? s.size ?? this.L.pointerSize };
      }
      const dot = ref.indexOf(".");
      const label = dot >= 0 ? ref.slice(0, dot) : ref;
      const field = dot >= 0 ? ref.slice(dot + 1) : undefined;
      const p = this.procs.find((x) => x.o.label === label);
      return p ? within(p.eprocess, EP, field) : within(this.thread(label).ethread, ET, field);
    }
    if ("pid" in ref) return within(this.proc(ref.pid).eprocess, EP, ref.field);
    const t = this.thread(ref.tid);
    if ("stack" in ref && ref.stack) return { address: t.stack.limit, size: Number(t.stack.base - t.stack.limit) };
    return within(t.ethread, ET, ref.field);
  }

  private memory(): SparseMemory {
    const memory = new SparseMemory();
    for (const a of this.S.arenas) if (a.used > 0) memory.map(a.base, a.bytes());
    for (const c of this.code) memory.map(c.address, c.bytes);
    for (const r of this.d.raw) memory.map(r.address, r.bytes);
    for (const u of this.d.unreadables) {
      const r = this.range(u.ref, u.size);
      memory.unmap(r.address, BigInt(r.size));
    }
    return memory;
  }

  private threadSpec(t: ThreadRec): ThreadSpec {
    const rip = t === this.current ? this.ntFn("KeBugCheckEx") : t.idleProcessor !== undefined ? this.ntFn("KiIdleLoop", 0x6b) :
      t.o.running !== undefined ? this.ntFn("KiFreezeTargetExecution", 0x110) : this.ntFn("KiSwapContext", 0x76);
    const regs = x64Registers(rip, t.stack.current);
    const teb = this.teb(t);
    return {
      id: t.tid,
      registers: { ...regs, ...t.o.registers },
      kernelRegisters: { ...regs, ...t.o.kernelRegisters },
      kernelObjectAddress: t.ethread,
      ...(teb !== 0n ? { tebAddress: teb } : {}),
      ...(t.o.frames ? { frames: t.o.frames.map((f, i) => (typeof f === "string" ? { instructionOffset: this.codeAddress(f), stackOffset: t.stack.current + BigInt(i * 0x40) } : f)) } : {}),
      ...(t.o.name !== undefined ? { name: t.o.name } : {}),
    };
  }

  private handleSpecs(p: ProcRec): HandleSpecOut[] {
    return (p.o.handles ?? []).map((h, i) => {
      let header: bigint | undefined;
      let type: string;
      if (h.process !== undefined) { header = this.proc(h.process).header; type = "Process"; }
      else if (h.thread !== undefined) { header = this.thread(h.thread).header; type = "Thread"; }
      else if (h.object !== undefined) {
        const x = this.object(h.object);
        header = x.header;
        type = x.o.type.endsWith("Event") ? "Event" : x.o.type.endsWith("Timer") ? "Timer" : x.o.type === "Gate" ? "Event" : x.o.type;
      } else type = h.type ?? "File";
      return {
        handle: h.handle ?? (i + 1) * 4, type: h.type ?? type,
        ...(h.access !== undefined ? { grantedAccess: h.access } : {}),
        ...(header !== undefined ? { objectHeaderAddress: header } : {}),
      };
    });
  }

  result(): BuiltKernelTarget {
    const memory = this.memory();
    const processes: ProcessSpec[] = this.procs.filter((p) => !p.o.unlinked).map((p) => ({
      id: p.o.pid,
      name: p.name,
      kernelObjectAddress: p.eprocess,
      ...(this.peb(p) !== 0n ? { pebAddress: this.peb(p) } : {}),
      threads: p.threads.map((t) => this.threadSpec(t)),
      modules: [],
      ...(p.o.handles ? { handles: this.handleSpecs(p) } : {}),
    }));
    const spec: TargetSpec = {
      kind: "kernel", arch: "x64", pointerSize: 8, pageSize: PAGE, memory, processes,
      currentProcessId: this.current.proc.o.pid,
      currentThreadId: this.current.tid,
      kernelModules: this.modules,
      commands: this.d.commands,
      isLive: false,
      ...(this.d.options.dumpFileName !== undefined ? { dumpFileName: this.d.options.dumpFileName } : {}),
    };
    const headerOf = (x: { header?: bigint }, what: string) => {
      if (x.header === undefined) throw new Error(`kernel-target: ${what} has no object header`);
      return x.header;
    };
    return {
      spec, memory, layout: this.L,
      addresses: {
        process: (ref) => this.proc(ref).eprocess,
        thread: (ref) => this.thread(ref).ethread,
        objectHeader: (ref) => ("pid" in ref ? headerOf(this.proc(ref.pid), `process 0x${ref.pid.toString(16)}`) : headerOf(this.thread(ref.tid), `thread 0x${ref.tid.toString(16)}`)),
        handleTable: (ref) => this.proc(ref).handleTable,
        token: (ref) => this.proc(ref).token,
        kernelStack: (ref) => this.thread(ref).stack,
        prcb: (i) => {
          if (!Number.isInteger(i) || i < 0 || i >= this.processors) throw new Error(`kernel-target: no processor ${i}`);
          return this.prcbAddress(i);
        },
        symbol: (name) => this.symbol(name).address,
        module: (name) => this.module(name).base,
        object: (label) => this.object(label).body,
        resource: (label) => {
          const r = this.resources.find((x) => x.o.label === label);
          if (!r) throw new Error(`kernel-target: no resource ${label}`);
          return r.address;
        },
        code: (text) => this.codeAddress(text),
      },
    };
  }
}

type HandleSpecOut = NonNullable<ProcessSpec["handles"]>[number];

function named<T extends Record<string, number>>(v: number | keyof T | undefined, table: T): number | undefined {
  if (v === undefined || typeof v === "number") return v;
  const n = table[v];
  if (n === undefined) throw new Error(`kernel-target: unknown name ${String(v)}`);
  return n;
}

function x64Registers(rip: bigint, rsp: bigint): Record<string, bigint> {
  const zero = Object.fromEntries(["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"].map((r) => [r, 0n]));
  return { ...zero, rip, rsp, rbp: rsp + 0x40n, efl: 0x282n, cs: 0x10n, ss: 0x18n };
}
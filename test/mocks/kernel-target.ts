/**
 * Fluent builder of fake KERNEL targets for the emulated debugger: ntoskrnl with its globals
 * (`PsActiveProcessHead`, `KiProcessorBlock`, ...), processes and threads as real-layout `_EPROCESS` /
 * `_ETHREAD` objects (with their `_OBJECT_HEADER`, handle table, token, kernel stack), linked the way the
 * kernel links them, for Windows 10 1607 or Windows 11 22H2 field offsets.
 *
 * Every field has a default, so a test states only the facts it needs; `build()` assigns addresses and
 * resolves references (threads name their process by pid or label), so no test computes an address or an
 * offset. Fields are written by name through the LayoutSet (`layout-writer.ts`); nothing here knows an
 * offset. The builder encodes data-model facts only and does not import the bundle's code (src/lib).
 *
 * Memory map (canonical kernel addresses): nt image at `ntBase` with its globals in a data area;
 * objects in a pool area at 0xffffa000`00000000 (one page per object: pool slack, `_OBJECT_HEADER`, body);
 * `_KPRCB`s at 0xffffb000`00000000; kernel stacks (0x6000 bytes each, an unmapped guard page below each) at
 * 0xffffc000`00000000. User space (PEB, TEB) is not in the dump: those are addresses only.
 *
 * Facts encoded (Windows 10+ x64): dispatcher types ProcessObject 3 / ThreadObject 6; object type indexes
 * Token 5, Process 7, Thread 8, stored in `_OBJECT_HEADER.TypeIndex` xor `nt!ObHeaderCookie` xor byte 1 of
 * the header address; a live process's ExitStatus is STATUS_PENDING (0x103); `ImageFileName` keeps 14
 * characters and a NUL; the Idle process is `nt!KiInitialProcess`, is not in `PsActiveProcessHead`'s list
 * and has no object header, but the debugger lists it as process 0.
 *
 * Also: dispatcher objects (`.object()`: events, mutants with owners, semaphores, queues, gates, timers; named ones
 * carry an `_OBJECT_HEADER_NAME_INFO`), wait blocks (`waitOn`), ERESOURCEs in `nt!ExpSystemResourcesList`
 * (`.resource()`), KPRCB current / next / idle threads (`running`, `standby`), kernel stack content (`stack`,
 * `residue`, with `ksym`/`kret`/`kstackref`/`kobj`), KUSER_SHARED_DATA (SystemTime = the dump time, TickCount),
 * `Io.Handles` per process (`handles`), and symbolic frames (`"nt!KiSwapContext+0x76"`).
 *
 * Not modelled (no layout in the LayoutSets): `PsLoadedModuleList` entries (`_KLDR_DATA_TABLE_ENTRY`; the
 * list is empty unless the layout gains that type), `_HANDLE_TABLE_ENTRY` tables (TableCode is 0),
 * `ObTypeIndexTable`.
 */
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { Assembly } from "./kernel-assembly";
import {
  KERNEL_LAYOUTS, type BuiltKernelTarget, type DispatcherObjectOptions, type DriverOptions, type KernelProcessOptions, type KernelStackValue,
  type KernelTargetOptions, type KernelThreadOptions, type MemoryRef, type ResourceOptions,
} from "./kernel-facts";

export * from "./kernel-facts";
export { toFileTime } from "./kernel-assembly";

/** A pointer to `module!Function+offset` in a kernel stack (coincidental: no call is written before it). */
export function ksym(name: string, offset = 0): KernelStackValue {
  return { kind: "symbol", name, offset, returnSite: false };
}
/** A return address `module!Function+offset`: a call instruction is put in the dump right before it. */
export function kret(name: string, offset: number): KernelStackValue {
  return { kind: "symbol", name, offset, returnSite: true };
}
/** A pointer into thread `tid`'s kernel stack, `offsetBelowBase` bytes below its base. */
export function kstackref(tid: number, offsetBelowBase: number): KernelStackValue {
  return { kind: "stack", tid, offset: offsetBelowBase };
}
/** The address of a process (`{ pid }`), thread (`{ tid }`) or dispatcher object (label). */
export function kobj(ref: string | { readonly pid: number } | { readonly tid: number }): KernelStackValue {
  return { kind: "object", ref };
}


export class KernelTargetBuilder {
  private readonly layout: LayoutSet;
  private readonly procs = new Map<number, { o: KernelProcessOptions; declared: boolean }>();
  private readonly threads: KernelThreadOptions[] = [];
  private readonly drivers: DriverOptions[] = [];
  private readonly objects: DispatcherObjectOptions[] = [];
  private readonly resources: ResourceOptions[] = [];
  private readonly commands: Record<string, string[]> = {};
  private readonly unreadables: { ref: MemoryRef; size?: number }[] = [];
  private readonly raw: { address: bigint; bytes: Uint8Array }[] = [];
  private currentRef: { pid?: number; tid?: number } | undefined;
  private lastPid: number | undefined;

  constructor(private readonly options: KernelTargetOptions = {}) {
    const layout = KERNEL_LAYOUTS[options.build ?? "win10-1607"];
    if (!layout) throw new Error(`kernel-target: unknown build ${String(options.build)}`);
    this.layout = layout;
    this.procs.set(0, { o: { pid: 0, name: "Idle", parentPid: 0, peb: 0n, imagePath: null }, declared: false });
    this.procs.set(4, { o: { pid: 4, name: "System", parentPid: 0, peb: 0n, imagePath: null }, declared: false });
  }

  /** Adds a process; declaring pid 0 (Idle) or 4 (System) changes the default one. */
  process(o: KernelProcessOptions): this {
    const old = this.procs.get(o.pid);
    if (old?.declared) throw new Error(`kernel-target: process 0x${o.pid.toString(16)} declared twice`);
    this.procs.set(o.pid, { o: { ...old?.o, ...o }, declared: true });
    this.lastPid = o.pid;
    return this;
  }

  /** Adds a thread to the process named by `pid` or `process` (label), else to the process declared last. */
  thread(o: KernelThreadOptions = {}): this {
    if (o.pid === undefined && o.process === undefined) {
      if (this.lastPid === undefined) throw new Error("kernel-target: thread() without pid or process, and no process declared yet");
      o = { ...o, pid: this.lastPid };
    }
    this.threads.push(o);
    return this;
  }

  driver(o: DriverOptions): this {
    this.drivers.push(o);
    return this;
  }

  /** A dispatcher object (event, mutant, semaphore, queue, gate, timer) threads can wait on (`waitOn: ["label"]`). */
  object(o: DispatcherObjectOptions): this {
    this.objects.push(o);
    return this;
  }

  /** An ERESOURCE in `nt!ExpSystemResourcesList`, owned by a thread (or a raw address: a thread that no longer exists). */
  resource(o: ResourceOptions): this {
    this.resources.push(o);
    return this;
  }

  /** The process and thread the debugger starts on (default: System's first thread). */
  current(ref: { pid?: number; tid?: number }): this {
    this.currentRef = ref;
    return this;
  }

  command(text: string, lines: readonly string[]): this {
    this.commands[text] = [...lines];
    return this;
  }

  /** Takes memory out of the dump after everything is built. */
  unreadable(ref: MemoryRef, size?: number): this {
    this.unreadables.push({ ref, size });
    return this;
  }

  /** Raw bytes at an address (mapped over whatever the builder put there). */
  memory(address: bigint, bytes: Uint8Array): this {
    this.raw.push({ address, bytes });
    return this;
  }

  build(): BuiltKernelTarget {
    return new Assembly({
      layout: this.layout, options: this.options, procs: this.procs, threads: this.threads, drivers: this.drivers,
      objects: this.objects, resources: this.resources,
      commands: this.commands, unreadables: this.unreadables, raw: this.raw, current: this.currentRef,
    }).result();
  }
}


export function kernelTarget(options: KernelTargetOptions = {}): KernelTargetBuilder {
  return new KernelTargetBuilder(options);
}

// ---------------------------------------------------------------- standard targets (conformance)

/** Idle and System only. */
export function emptyKernel(options: KernelTargetOptions = {}): BuiltKernelTarget {
  return kernelTarget(options).build();
}

const BENIGN_NAMES = ["smss.exe", "csrss.exe", "wininit.exe", "services.exe", "lsass.exe", "svchost.exe", "explorer.exe", "conhost.exe", "RuntimeBroker.exe", "SearchProtocolHost.exe"];

/** `n` live, benign processes (pids from 0x100, step 4) with one to three waiting threads each. */
export function noisyKernel(n: number, options: KernelTargetOptions = {}): BuiltKernelTarget {
  const b = kernelTarget(options);
  for (let i = 0; i < n; i++) {
    const pid = 0x100 + i * 4;
    b.process({ pid, name: BENIGN_NAMES[i % BENIGN_NAMES.length]!, parentPid: i === 0 ? 4 : 0x100 });
    for (let k = 0; k < 1 + (i % 3); k++) b.thread({ pid, waitReason: k === 0 ? "UserRequest" : "WrQueue" });
  }
  return b.build();
}

/** One exited process (pid 0x1a4, label "zombie") still referenced: ObjectTable null, no active threads, ExitTime set, 3 handles. */
export function kernelWithZombie(options: KernelTargetOptions = {}): BuiltKernelTarget {
  return kernelTarget({ dumpTime: new Date(Date.UTC(2024, 0, 15, 10, 0, 0)), ...options })
    .process({ pid: 0x2c0, name: "explorer.exe" })
    .process({
      pid: 0x1a4, name: "notepad.exe", label: "zombie", parentPid: 0x2c0,
      createTime: new Date(Date.UTC(2024, 0, 15, 9, 0, 0)), exitTime: new Date(Date.UTC(2024, 0, 15, 9, 30, 0)),
      objectTable: false, activeThreads: 0, handleCount: 3,
    })
    .build();
}

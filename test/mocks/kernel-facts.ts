/** Public facts and options of the kernel fake-target builder (see kernel-target.ts). */
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { WIN10_1607_X64, WIN11_22H2_X64 } from "../../src/emulator/layouts/windows-kernel";
import type { FrameSpec, SymbolSpec, TargetSpec } from "../../src/emulator/target-spec";
import type { SparseMemory } from "../../src/emulator/memory";


export type KernelBuild = "win10-1607" | "win11-22h2";
export const KERNEL_LAYOUTS: Readonly<Record<KernelBuild, LayoutSet>> = { "win10-1607": WIN10_1607_X64, "win11-22h2": WIN11_22H2_X64 };

/** `_KTHREAD.State` values (KTHREAD_STATE). */
export const THREAD_STATE = {
  Initialized: 0, Ready: 1, Running: 2, Standby: 3, Terminated: 4, Waiting: 5, Transition: 6, DeferredReady: 7,
  GateWaitObsolete: 8, WaitingForProcessInSwap: 9,
} as const;
/** `_KTHREAD.WaitReason` values (KWAIT_REASON). */
export const WAIT_REASON = {
  Executive: 0, FreePage: 1, PageIn: 2, PoolAllocation: 3, DelayExecution: 4, Suspended: 5, UserRequest: 6,
  WrExecutive: 7, WrFreePage: 8, WrPageIn: 9, WrPoolAllocation: 10, WrDelayExecution: 11, WrSuspended: 12,
  WrUserRequest: 13, WrSpare0: 14, WrQueue: 15, WrLpcReceive: 16, WrLpcReply: 17, WrVirtualMemory: 18, WrPageOut: 19,
  WrRendezvous: 20, WrKeyedEvent: 21, WrTerminated: 22, WrProcessInSwap: 23, WrCpuRateControl: 24, WrCalloutStack: 25,
  WrKernel: 26, WrResource: 27, WrPushLock: 28, WrMutex: 29, WrQuantumEnd: 30, WrDispatchInt: 31, WrPreempted: 32,
  WrYieldExecution: 33, WrFastMutex: 34, WrGuardedMutex: 35, WrRundown: 36, WrAlertByThreadId: 37, WrDeferredPreempt: 38,
} as const;
/** Object type indexes of Windows 10/11 (before the header cookie is applied). */
export const OBJECT_TYPE_INDEX = {
  Token: 5, Process: 7, Thread: 8, Event: 16, Mutant: 17, Semaphore: 19, Timer: 20, Queue: 0x2a, Gate: 0x2b,
} as const;
/** `_DISPATCHER_HEADER.Type` values (enum _KOBJECTS). */
export const DISPATCHER_TYPE = {
  NotificationEvent: 0, SynchronizationEvent: 1, Mutant: 2, Process: 3, Queue: 4, Semaphore: 5, Thread: 6, Gate: 7,
  NotificationTimer: 8, SynchronizationTimer: 9,
} as const;
/** Where Windows maps KUSER_SHARED_DATA in kernel space (x64). */
export const SHARED_DATA_ADDRESS = 0xffff_f780_0000_0000n;
export const STATUS_PENDING = 0x103;

/** A time as a JS Date or a raw FILETIME (100 ns units since 1601). */
export type KernelTime = Date | bigint;

export interface KernelTargetOptions {
  readonly build?: KernelBuild;
  readonly processors?: number;
  readonly ntBase?: bigint;
  /** Extra nt symbols (name → RVA), e.g. functions a stack should resolve to. */
  readonly ntSymbols?: Readonly<Record<string, number>>;
  readonly bootTime?: KernelTime;
  /** `nt!KeTickCount` (default 0x41e20). */
  readonly tickCount?: bigint;
  /** `nt!ObHeaderCookie` (default 0x3c). */
  readonly headerCookie?: number;
  readonly dumpFileName?: string;
  /** `KUSER_SHARED_DATA.SystemTime`, the time the dump was written (default: boot time plus KeTickCount ticks of 15.625 ms). */
  readonly dumpTime?: KernelTime;
  /** Map KUSER_SHARED_DATA at 0xfffff780`00000000 (default true). */
  readonly sharedData?: boolean;
  /** Bytes of each default kernel stack (default 0x6000); 0 leaves stacks out of the dump (addresses only, for very large targets). */
  readonly kernelStackSize?: number;
  /** Processors whose KPRCB says a DPC routine is active (`DpcRoutineActive`, where the build's layout has it). */
  readonly dpcActive?: readonly number[];
  /**
   * The nt types the debugger serves, derived from the build's layout (the builder still writes with the full layout):
   * drop a field or an enum to test what an analysis does when the symbols lack it.
   */
  readonly ntTypes?: (layout: LayoutSet) => LayoutSet;
}

/** A handle in a process's handle table, as the debugger's `Io.Handles` lists it. */
export interface KernelHandleOptions {
  /** Handle value (default: 0x4, 0x8, ... in declaration order). */
  readonly handle?: number;
  /** The object: a process (pid or label), a thread (tid or label), or a dispatcher object's label. */
  readonly process?: number | string;
  readonly thread?: number | string;
  readonly object?: string;
  /** Type name (default: from the object: Process, Thread, Mutant, Event...). */
  readonly type?: string;
  readonly access?: number;
}

export interface KernelProcessOptions {
  readonly pid: number;
  /** Image file name (default `process<pid>.exe`); `ImageFileName` holds its first 14 characters. */
  readonly name?: string;
  readonly label?: string;
  /** `InheritedFromUniqueProcessId` (default: 4 for user processes, 0 for System). */
  readonly parentPid?: number;
  readonly createTime?: KernelTime;
  /** Sets `ExitTime`; the process then defaults to no threads, no handle table, ExitStatus 0, ProcessExiting. */
  readonly exitTime?: KernelTime;
  readonly exitStatus?: number;
  /** `ActiveThreads` (default: the threads not terminated). */
  readonly activeThreads?: number;
  /** Whether `ObjectTable` points to a `_HANDLE_TABLE` (default: not exited). */
  readonly objectTable?: boolean;
  /** Handles the process holds (its handle table's `FreeLists[0].HandleCount`). */
  readonly ownHandleCount?: number;
  /** `_OBJECT_HEADER.HandleCount`: handles to this process (default 4 live, 0 exited). */
  readonly handleCount?: number;
  readonly pointerCount?: number;
  /** `Peb` (user-space address, not in the dump; 0n for none). */
  readonly peb?: bigint;
  /** `Flags3.Crashed`. */
  readonly crashed?: boolean;
  /** A 32-bit process: `WoW64Process` points to an `_EWOW64PROCESS` whose Peb is the 32-bit PEB. */
  readonly wow64?: boolean;
  /** The token's SessionId (default 0 for System, 1 otherwise). */
  readonly sessionId?: number;
  /** `SeAuditProcessCreationInfo.ImageFileName` (default `\Device\HarddiskVolume3\Windows\System32\<name>`; null for none). */
  readonly imagePath?: string | null;
  /** Threads made when the test declares none (default 1 live, 0 exited). */
  readonly threadCount?: number;
  /** Unlinked from `PsActiveProcessHead` (hidden): in memory, not in the debugger's process list. */
  readonly unlinked?: boolean;
  /** Handles this process holds, listed by the debugger's `Io.Handles`. */
  readonly handles?: readonly KernelHandleOptions[];
  /** `DebugPort` set: a user-mode debugger is attached. */
  readonly debugPort?: boolean;
  /** `LastThreadExitStatus` (default: the exit status when exited, else 0). */
  readonly lastThreadExitStatus?: number;
}

/** What a thread waits on: a dispatcher object's label, a process or thread, or a raw address. */
export type WaitTarget = string | { readonly pid: number } | { readonly tid: number } | { readonly address: bigint };

/** A value in a kernel stack: a number, or a reference resolved at build (see ksym, kret, kstackref, kobj). */
export type KernelStackValue =
  | bigint
  | number
  | { readonly kind: "symbol"; readonly name: string; readonly offset: number; readonly returnSite: boolean }
  | { readonly kind: "stack"; readonly tid: number; readonly offset: number }
  | { readonly kind: "object"; readonly ref: string | { readonly pid: number } | { readonly tid: number } };

/** A dispatcher object in pool with an object header (and a name when given). */
export interface DispatcherObjectOptions {
  readonly label: string;
  readonly type: "NotificationEvent" | "SynchronizationEvent" | "Mutant" | "Semaphore" | "Queue" | "Gate" | "NotificationTimer" | "SynchronizationTimer";
  /** Object name (in `_OBJECT_HEADER_NAME_INFO`, which the header's InfoMask announces). */
  readonly name?: string;
  /** Mutants: the owning thread (tid or label) or a raw address (a thread that no longer exists). */
  readonly owner?: number | string | bigint;
  readonly abandoned?: boolean;
  /** `Header.SignalState` (default: 0, not signaled; a mutant without owner is signaled: 1). */
  readonly signalState?: number;
  readonly handleCount?: number;
  readonly pointerCount?: number;
}

/** An ERESOURCE linked in `nt!ExpSystemResourcesList`. */
export interface ResourceOptions {
  readonly label?: string;
  /** The owning thread (tid or label) or a raw address. */
  readonly owner: number | string | bigint;
  /** Owned shared rather than exclusively (default exclusive). */
  readonly shared?: boolean;
  readonly exclusiveWaiters?: number;
  readonly sharedWaiters?: number;
}

export interface KernelStackOptions {
  readonly base: bigint;
  readonly limit: bigint;
  readonly initial?: bigint;
  readonly current?: bigint;
}

export interface KernelThreadOptions {
  /** The owning process by pid or label (default: the process declared last). */
  readonly pid?: number;
  readonly process?: string;
  readonly tid?: number;
  readonly label?: string;
  /** SetThreadDescription name (`ThreadName`). */
  readonly name?: string;
  readonly state?: number | keyof typeof THREAD_STATE;
  readonly waitReason?: number | keyof typeof WAIT_REASON;
  /** `WaitTime` in ticks (default a little before `KeTickCount`). */
  readonly waitTime?: number;
  readonly createTime?: KernelTime;
  readonly exitTime?: KernelTime;
  readonly exitStatus?: number;
  /** `CrossThreadFlags.Terminated` and State Terminated (default: when exitTime is given). */
  readonly terminated?: boolean;
  readonly startAddress?: bigint;
  readonly win32StartAddress?: bigint;
  /** `Tcb.Teb` (default: a user address for user threads, 0 for system threads). */
  readonly teb?: bigint;
  /** A stack of the test's own (mapped as zeros); default: a fresh 0x6000-byte stack. */
  readonly kernelStack?: KernelStackOptions;
  readonly registers?: Readonly<Record<string, bigint>>;
  readonly kernelRegisters?: Readonly<Record<string, bigint>>;
  /** The unwound stack: frames as the debugger gives them, or `module!Function+0xoff` text resolved at build. */
  readonly frames?: readonly (FrameSpec | string)[];
  readonly handleCount?: number;
  readonly pointerCount?: number;
  /** `Tcb.SuspendCount`. */
  readonly suspendCount?: number;
  /** `Tcb.FreezeCount` (a ThreadFlags bit in both builds): frozen by a debugger. */
  readonly frozen?: boolean;
  /** `Tcb.FreezeDeep` (22H2's FreezeFlags; ignored on builds without it): deep-frozen by the lifecycle manager. */
  readonly deepFrozen?: boolean;
  /** CPU time in clock ticks (`Tcb.KernelTime`, `Tcb.UserTime`). */
  readonly kernelTime?: number;
  readonly userTime?: number;
  readonly priority?: number;
  readonly alertable?: boolean;
  /** `Tcb.WaitMode`: 0 KernelMode, 1 UserMode (default: kernel for system threads). */
  readonly waitMode?: 0 | 1;
  /** Objects the thread waits on: wait blocks in `Tcb.WaitBlock` (or a pool array beyond four), linked into each object's wait list. */
  readonly waitOn?: readonly WaitTarget[];
  /** Wait for all the objects (WaitAll) rather than any (default WaitAny). */
  readonly waitAll?: boolean;
  /** Running on this processor: its KPRCB's CurrentThread (State Running, NextProcessor). */
  readonly running?: number;
  /** Selected to run next on this processor: its KPRCB's NextThread (State Standby). */
  readonly standby?: number;
  /** Values from the saved kernel stack pointer upwards (the live part). */
  readonly stack?: readonly KernelStackValue[];
  /** Values just below the saved kernel stack pointer (dead residue), nearest first. */
  readonly residue?: readonly KernelStackValue[];
  /** `Tcb.KernelStackResident` (default true). */
  readonly kernelStackResident?: boolean;
}

export interface DriverOptions {
  readonly name: string;
  readonly base?: bigint;
  readonly size?: number;
  readonly symbols?: Readonly<Record<string, number>> | readonly SymbolSpec[];
  /** Type information from the module's PDB (win32kbase's `_W32PROCESS`); gives the module (empty) symbols when it has none. */
  readonly types?: LayoutSet;
}

/**
 * Memory to take out of the dump: an address (its page, or `size` bytes), `nt!Symbol`, a process or thread
 * label (its body) or `label.Field.Path`, or `{ pid | tid, field? }`, or `{ tid, stack: true }` (its kernel stack).
 */
export type MemoryRef =
  | bigint
  | string
  | { readonly pid: number; readonly field?: string }
  | { readonly tid: number; readonly field?: string; readonly stack?: boolean };

export interface KernelStackInfo { readonly base: bigint; readonly limit: bigint; readonly initial: bigint; readonly current: bigint }

export interface KernelTargetAddresses {
  /** `_EPROCESS` by pid or label. */
  process(ref: number | string): bigint;
  /** `_ETHREAD` by tid or label (tid 0: processor 0's idle thread). */
  thread(ref: number | string): bigint;
  objectHeader(ref: { pid: number } | { tid: number }): bigint;
  /** `ObjectTable` (0n when null). */
  handleTable(ref: number | string): bigint;
  token(ref: number | string): bigint;
  kernelStack(ref: number | string): KernelStackInfo;
  prcb(processor: number): bigint;
  /** A dispatcher object's body by label. */
  object(label: string): bigint;
  /** An ERESOURCE by label. */
  resource(label: string): bigint;
  /** Address of a `module!Function+0xoff` text (as frames use it). */
  code(text: string): bigint;
  /** `PsActiveProcessHead`, `nt!KiSwapContext`, `mydrv!DriverEntry`. */
  symbol(name: string): bigint;
  module(name: string): bigint;
}

export interface BuiltKernelTarget {
  readonly spec: TargetSpec;
  readonly memory: SparseMemory;
  readonly layout: LayoutSet;
  readonly addresses: KernelTargetAddresses;
}

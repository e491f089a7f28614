/**
 * The facts about a debug target that the emulated debugger serves through the data model.
 * Test builders (`test/mocks`) produce one; the Linux runner builds one over a minidump file.
 * All addresses are bigint; the emulator turns them into `host.Int64` for scripts.
 */
import type { LayoutSet } from "./layouts/layout-set";
import type { AddressSpace } from "./memory";

export type Architecture = "x64" | "x86" | "arm64";

export interface TargetSpec {
  readonly kind: "user" | "kernel";
  readonly arch: Architecture;
  readonly pointerSize: 4 | 8;
  readonly pageSize?: number;
  /** The address space (for user dumps: the process; for kernel dumps: kernel space, plus the current process's user space). */
  readonly memory: AddressSpace;
  readonly processes: readonly ProcessSpec[];
  /** The process and thread the debugger starts on (a dump with an exception opens on the faulting thread). */
  readonly currentProcessId: number;
  readonly currentThreadId?: number;
  /** Kernel modules (nt, drivers): present in every process's module list on kernel targets. */
  readonly kernelModules?: readonly ModuleSpec[];
  /** Canned output of debugger commands (`!runaway`, `lm`, ...), or a function answering them. */
  readonly commands?: CommandTable;
  readonly dumpFileName?: string;
  readonly isLive?: boolean;
}

export type CommandTable =
  | Readonly<Record<string, readonly string[]>>
  | ((command: string) => readonly string[] | undefined);

export interface ProcessSpec {
  readonly id: number;
  /** Image file name (user dumps: the main module's file name). */
  readonly name: string;
  /** This process's own view of memory when it differs from the target's (kernel dumps with user space). */
  readonly memory?: AddressSpace;
  readonly pebAddress?: bigint;
  /** Kernel targets: the `_EPROCESS` address. */
  readonly kernelObjectAddress?: bigint;
  readonly threads: readonly ThreadSpec[];
  /** User-mode modules in load order; module names are full paths in user mode. */
  readonly modules: readonly ModuleSpec[];
  /** `Io.Handles` (kernel targets; user dumps only when handle data was captured). */
  readonly handles?: readonly HandleSpec[];
}

export interface ThreadSpec {
  readonly id: number;
  readonly tebAddress?: bigint;
  /** User-mode registers by WinDbg name (`rip`, `rsp`, `eax`, `pc`, `x29`...). */
  readonly registers: Readonly<Record<string, bigint>>;
  /** Kernel-mode registers, kernel targets only. */
  readonly kernelRegisters?: Readonly<Record<string, bigint>>;
  /** The unwound stack as the debugger would show it (frame 0 first). */
  readonly frames?: readonly FrameSpec[];
  /** Kernel targets: the `_ETHREAD` address. */
  readonly kernelObjectAddress?: bigint;
  /** SetThreadDescription name, when the dump has one. */
  readonly name?: string;
}

export interface FrameSpec {
  readonly instructionOffset: bigint;
  readonly stackOffset: bigint;
  readonly frameOffset?: bigint;
  readonly returnOffset?: bigint;
  /** How the frame was recovered (runner reports only; the data model does not expose it, as WinDbg's does not). */
  readonly foundBy?: "context" | "frame-pointer" | "leaf" | "scan";
}

export interface ModuleSpec {
  /** Full path in user mode (`C:\Windows\System32\ntdll.dll`); kernel modules may use the base name. */
  readonly name: string;
  readonly base: bigint;
  readonly size: number;
  /** Symbols from the PDB; undefined means the module's symbols did not load. */
  readonly symbols?: readonly SymbolSpec[];
  /** Export names, which the debugger falls back to without a PDB. */
  readonly exports?: readonly SymbolSpec[];
  /** Type information from the PDB (only used when `symbols` is present). */
  readonly types?: LayoutSet;
}

export interface SymbolSpec {
  readonly name: string;
  readonly rva: number;
  readonly size?: number;
  /** Type of a data symbol, as a type string of the module's types (`_LIST_ENTRY`, `ULONG`). */
  readonly type?: string;
}

export interface HandleSpec {
  readonly handle: number;
  readonly type: string;
  readonly grantedAccess?: number;
  readonly objectName?: string;
  /** Kernel targets: address of the object's `_OBJECT_HEADER`. */
  readonly objectHeaderAddress?: bigint;
}

/** Base name of a module path: `C:\x\ntdll.dll` → `ntdll.dll`. */
export function moduleFileName(path: string): string {
  const i = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
  return i >= 0 ? path.slice(i + 1) : path;
}

/** The name WinDbg uses in symbols: base name without extension (`ntdll`), `nt` for the kernel image. */
export function moduleSymbolName(path: string): string {
  const file = moduleFileName(path);
  const lower = file.toLowerCase();
  if (lower === "ntoskrnl.exe" || lower === "ntkrnlmp.exe" || lower === "ntkrnlpa.exe" || lower === "ntkrpamp.exe") return "nt";
  const dot = file.lastIndexOf(".");
  return dot > 0 ? file.slice(0, dot) : file;
}

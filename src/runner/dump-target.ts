/**
 * A target over a minidump for the emulated debugger: one session, one process, its threads (registers
 * from the thread contexts, frames from the stack walker, typed TEBs), the PEB, modules (names from
 * Breakpad .sym files when given), captured memory (uncaptured reads fail), handles, and generated
 * command output. What WinDbg would take from ntdll's PDB (the _TEB/_PEB types) comes from the public
 * Windows layouts: the fields used (NtTib, ClientId, ProcessEnvironmentBlock, ...) sit at the same
 * offsets on every Windows release ewmda targets.
 */
import { WINDOWS_USER_X64, WINDOWS_USER_X86 } from "../emulator/layouts/windows-user";
import type { AddressSpace, MemoryRange } from "../emulator/memory";
import { ModuleSet } from "../emulator/symbols";
import type { Architecture, FrameSpec, HandleSpec, ModuleSpec, TargetSpec, ThreadSpec } from "../emulator/target-spec";
import { TypeTable } from "../emulator/types";
import { MinidumpError, type DumpThread, type MinidumpReader, type ThreadContext } from "../minidump/types";
import type { SymbolStore } from "./breakpad-symbols";
import { walkStack, type WalkedFrame } from "./stack-walker";
import { commandTable } from "./windbg-commands";

export interface DumpTargetOptions {
  readonly symbols?: SymbolStore;
  /** The path WinDbg would report as the dump file (default: as given). */
  readonly dumpFileName?: string;
}

export interface WalkedThread {
  readonly id: number;
  readonly frames: readonly WalkedFrame[];
}

export interface DumpTarget {
  readonly spec: TargetSpec;
  readonly dump: MinidumpReader;
  readonly arch: Architecture;
  readonly threads: readonly WalkedThread[];
  /** Frames of the faulting thread walked from the exception's context (what `.ecxr; k` shows). */
  readonly exceptionFrames: readonly WalkedFrame[] | undefined;
  readonly warnings: readonly string[];
}

export function dumpArchitecture(dump: MinidumpReader): Architecture {
  const a = dump.systemInfo()?.arch;
  if (a === "x86" || a === "x64" || a === "arm64") return a;
  // No system info: guess from the first context.
  const c = dump.threads().find((t) => t.context)?.context;
  if (c && (c.arch === "x86" || c.arch === "x64" || c.arch === "arm64")) return c.arch;
  throw new MinidumpError("not usable: cannot tell the processor architecture (no system info stream and no thread context)");
}

function addressSpace(dump: MinidumpReader): AddressSpace {
  return {
    read: (address, length) => dump.readMemory(address, length),
    ranges: function* (): Iterable<MemoryRange> {
      for (const r of dump.memoryRanges()) yield { base: r.start, size: BigInt(r.size) };
    },
  };
}

export function buildDumpTarget(dump: MinidumpReader, options: DumpTargetOptions = {}): DumpTarget {
  const warnings: string[] = [];
  const arch = dumpArchitecture(dump);
  const pointerSize: 4 | 8 = arch === "x86" ? 4 : 8;
  const layout = arch === "x86" ? WINDOWS_USER_X86 : WINDOWS_USER_X64;
  const types = new TypeTable(layout);
  const memory = addressSpace(dump);
  const readPointer = (address: bigint): bigint | undefined => {
    const b = dump.readMemory(address, pointerSize);
    if (!b) return undefined;
    let v = 0n;
    for (let i = pointerSize - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  };
  const fieldOffset = (type: string, field: string): number => {
    const t = types.resolve(type);
    const f = t && t.kind === "udt" ? t.field(field) : undefined;
    if (!f) throw new Error(`layout ${layout.id} has no ${type}.${field}`);
    return f.offset;
  };

  // Modules, symbols from .sym files where they match.
  const modules: ModuleSpec[] = dump.modules().map((m) => {
    const file = options.symbols?.lookup(m.codeView?.pdbName, m.codeView?.debugId);
    const isNtdll = m.name.toLowerCase() === "ntdll.dll";
    return {
      name: m.path, base: m.base, size: m.size,
      symbols: file ? file.symbols : isNtdll ? [] : undefined,
      types: isNtdll ? layout : undefined,
    };
  });
  const moduleSet = new ModuleSet(modules);
  const isCode = (address: bigint) => moduleSet.at(address) !== undefined;

  const walk = (context: ThreadContext | undefined): WalkedFrame[] => {
    if (!context) return [];
    return walkStack({ arch, registers: context.registers, memory: { readPointer }, isCode });
  };
  const toFrames = (walked: readonly WalkedFrame[]): FrameSpec[] => walked.map((f, i) => ({
    instructionOffset: f.ip, stackOffset: f.sp, frameOffset: f.fp, returnOffset: walked[i + 1]?.ip, foundBy: f.foundBy,
  }));

  // Process id: misc info, else the TEB's ClientId.
  const threadsRaw: readonly DumpThread[] = dump.threads();
  let processId = dump.miscInfo()?.processId;
  if (processId === undefined) {
    for (const t of threadsRaw) {
      const v = t.teb ? readPointer(t.teb + BigInt(fieldOffset("_TEB", "ClientId") + fieldOffset("_CLIENT_ID", "UniqueProcess"))) : undefined;
      if (v !== undefined && v > 0n && v < 0xffffffffn) { processId = Number(v); break; }
    }
    if (processId === undefined) warnings.push("no process id in the dump (no misc info stream, no readable TEB)");
  }
  let pebAddress: bigint | undefined;
  for (const t of threadsRaw) {
    const v = t.teb ? readPointer(t.teb + BigInt(fieldOffset("_TEB", "ProcessEnvironmentBlock"))) : undefined;
    if (v !== undefined && v !== 0n) { pebAddress = v; break; }
  }

  const names = dump.threadNames();
  const walkedThreads: WalkedThread[] = [];
  const threadSpecs: ThreadSpec[] = threadsRaw.map((t) => {
    if (!t.context) warnings.push(`thread 0x${t.id.toString(16)} has no readable context`);
    const frames = walk(t.context);
    walkedThreads.push({ id: t.id, frames });
    return {
      id: t.id,
      tebAddress: t.teb !== 0n ? t.teb : undefined,
      registers: t.context?.registers ?? {},
      frames: toFrames(frames),
      name: names.get(t.id),
    };
  });
  const exception = dump.exception();
  const exceptionFrames = exception?.context ? walk(exception.context) : undefined;

  const handles: HandleSpec[] | undefined = dump.handles()?.map((h) => ({
    handle: Number(h.handle), type: h.typeName ?? "", grantedAccess: h.grantedAccess, objectName: h.objectName,
  }));

  const mainModule = dump.modules()[0];
  const currentThreadId = exception?.threadId ?? threadSpecs[0]?.id;
  const pid = processId ?? 0;
  const spec: TargetSpec = {
    kind: "user", arch, pointerSize, memory,
    processes: [{ id: pid, name: mainModule?.name ?? "<unknown>", pebAddress, threads: threadSpecs, modules, handles }],
    currentProcessId: pid,
    currentThreadId,
    dumpFileName: options.dumpFileName,
    commands: commandTable({
      dump, pointerSize, processId: pid, currentThreadId, modules: moduleSet, dumpFileName: options.dumpFileName ?? "",
      currentFrames: () => walkedThreads.find((w) => w.id === currentThreadId)?.frames ?? [],
      exceptionFrames: () => exceptionFrames,
    }),
  };
  return { spec, dump, arch, threads: walkedThreads, exceptionFrames, warnings };
}

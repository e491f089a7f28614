/**
 * Synthetic Windows minidumps for tests, in the spirit of rust-minidump's `minidump-synth`: a fluent
 * builder that emits real minidump bytes, so each reader feature and each analysis can be tested on a dump
 * whose content is exactly known. Every field has a default; a test states only what it needs.
 *
 *   const bytes = synthMinidump({ arch: "x64" })
 *     .thread({ id: 0x1a4, registers: { rip: 0x7ff6_1234_5678n }, stack: { start: 0x9f_f000n, size: 0x100, words: [0x7ff6_1234_0000n] } })
 *     .module({ name: "C:\\app\\app.exe", base: 0x7ff6_1230_0000n, size: 0x5000, pdb: { name: "app.pdb", guid: "...32 hex...", age: 1 } })
 *     .exception({ threadId: 0x1a4, code: 0xc0000005, address: 0x7ff6_1234_5678n })
 *     .build();
 *
 * Layout: MINIDUMP_HEADER at 0, the directory right after it, then each stream's fixed part followed by
 * the data it references (strings, CodeView records, contexts, stack bytes); Memory64List data last.
 * `layout()` says where everything landed; `corrupt()` and `headerOffsets` damage it for robustness tests.
 * Written from the public format documentation; it shares no code with src/minidump.
 */
import { writeFileSync } from "node:fs";
import type { SynthArch } from "./context";
import { writeDump } from "./streams";

export type { SynthArch } from "./context";
export { CONTEXT_SIZE, DEFAULT_CONTEXT_FLAGS, DEFAULT_REGISTERS, REGISTER_SLOTS, encodeContext } from "./context";

// ---------------------------------------------------------------- format constants

export const MINIDUMP_SIGNATURE = 0x504d444d; // "MDMP"
export const MINIDUMP_VERSION = 0xa793;
export const HEADER_SIZE = 32;
export const DIRECTORY_ENTRY_SIZE = 12;

/** Byte offsets of MINIDUMP_HEADER's fields. */
export const headerOffsets = {
  signature: 0, version: 4, streamCount: 8, directoryRva: 12, checksum: 16, timestamp: 20, flags: 24,
} as const;

/** Byte offsets inside one MINIDUMP_DIRECTORY entry (add `layout().streams[i].entryOffset`). */
export const directoryEntryOffsets = { streamType: 0, dataSize: 4, rva: 8 } as const;

/** MINIDUMP_STREAM_TYPE values (and Breakpad's two). */
export const StreamType = {
  Unused: 0, ThreadList: 3, ModuleList: 4, MemoryList: 5, Exception: 6, SystemInfo: 7, ThreadExList: 8,
  Memory64List: 9, CommentA: 10, CommentW: 11, HandleData: 12, FunctionTable: 13, UnloadedModuleList: 14,
  MiscInfo: 15, MemoryInfoList: 16, ThreadInfoList: 17, HandleOperationList: 18, Token: 19, ThreadNames: 24,
  BreakpadInfo: 0x47670001, AssertionInfo: 0x47670002,
} as const;

/** MINIDUMP_TYPE flags the builder sets by default from the content (see SynthOptions.flags). */
export const MiniDumpType = {
  Normal: 0n, WithDataSegs: 1n, WithFullMemory: 2n, WithHandleData: 4n, WithUnloadedModules: 0x20n,
  WithProcessThreadData: 0x100n, WithFullMemoryInfo: 0x800n, WithThreadInfo: 0x1000n,
} as const;

// ---------------------------------------------------------------- specs

export interface SynthOptions {
  readonly arch: SynthArch;
  readonly os?: { readonly major: number; readonly minor: number; readonly build: number; readonly csd?: string };
  readonly processorCount?: number;
  /** Header TimeDateStamp (time_t); default 0x60000000. */
  readonly timestamp?: number;
  /** Header MINIDUMP_TYPE flags; default derived from the content (full memory, handles, unloaded modules, memory info, thread info). */
  readonly flags?: bigint;
  /** High 16 bits of the header's Version (default 0). */
  readonly implementationVersion?: number;
  readonly checksum?: number;
  /**
   * Where thread stacks' bytes go: "memory-list" (default: written once, referenced by the thread and by a
   * MemoryListStream entry, as MiniDumpWriteDump does), "memory64" (in the Memory64List data, as full dumps
   * do) or "thread-only" (referenced by the thread's descriptor only).
   */
  readonly stackStorage?: "memory-list" | "memory64" | "thread-only";
  /** Write ThreadExListStream (MINIDUMP_THREAD_EX, 64-byte entries) instead of ThreadListStream. */
  readonly threadListEx?: boolean;
  /** Unused (type 0, empty) directory entries at the end, as Windows leaves them. */
  readonly reservedStreams?: number;
}

export type StackSpec =
  | { readonly start: bigint; readonly bytes: Uint8Array }
  | { readonly start: bigint; readonly size: number; readonly words?: readonly bigint[] };

export interface ThreadSpec {
  readonly id: number;
  readonly suspendCount?: number;
  /** Default 0x20 (NORMAL_PRIORITY_CLASS). */
  readonly priorityClass?: number;
  readonly priority?: number;
  readonly teb?: bigint;
  /** Captured stack; `start` is its lowest address. Without one, the descriptor is all zero. */
  readonly stack?: StackSpec;
  /** Descriptor Rva 0 (DataSize kept), bytes only in the memory list, as some Windows/Mozilla dumps have. */
  readonly stackInMemoryListOnly?: boolean;
  /** WinDbg register names; DEFAULT_REGISTERS fill selectors/flags, and the stack pointer defaults to stack.start. */
  readonly registers?: Readonly<Record<string, bigint>>;
  readonly contextFlags?: number;
  /** Raw CONTEXT bytes instead of an encoded one (e.g. a short or odd one). */
  readonly contextBytes?: Uint8Array;
  /** No context at all: location {0, 0}. */
  readonly noContext?: boolean;
  /** ThreadNamesStream entry. */
  readonly name?: string;
  /** ThreadInfoListStream entry (FILETIMEs and 100 ns units); any thread with times makes the stream. */
  readonly times?: {
    readonly create?: bigint; readonly exit?: bigint; readonly kernel?: bigint; readonly user?: bigint;
    readonly startAddress?: bigint; readonly affinity?: bigint; readonly exitStatus?: number;
    readonly dumpFlags?: number; readonly dumpError?: number;
  };
  /** ThreadExList only: the backing-store range's bytes. */
  readonly backingStore?: { readonly start: bigint; readonly bytes: Uint8Array };
}

export interface ModuleSpec {
  /** Full path as the loader recorded it. */
  readonly name: string;
  readonly base: bigint;
  readonly size: number;
  /** Default 0x5f000000. */
  readonly timestamp?: number;
  readonly checksum?: number;
  /** "1.2.3.4": a VS_FIXEDFILEINFO; without it the 52 bytes are zero (no signature). */
  readonly version?: string;
  readonly productVersion?: string;
  readonly fileFlags?: number;
  /** VFT_APP (1) for *.exe, else VFT_DLL (2). */
  readonly fileType?: number;
  /** CodeView RSDS record; guid as 32 hex digits in Breakpad's print order (Data1 Data2 Data3 Data4). */
  readonly pdb?: { readonly name: string; readonly guid: string; readonly age: number };
  /** Raw CodeView bytes instead (NB10, garbage, ...). */
  readonly codeView?: Uint8Array;
  /** Raw MiscRecord bytes (IMAGE_DEBUG_MISC), default none. */
  readonly miscRecord?: Uint8Array;
}

export interface UnloadedModuleSpec {
  readonly name: string;
  readonly base: bigint;
  readonly size: number;
  readonly timestamp?: number;
  readonly checksum?: number;
}

export interface ExceptionSpec {
  readonly threadId: number;
  readonly code: number;
  readonly address: bigint;
  readonly flags?: number;
  /** ExceptionInformation (at most 15). */
  readonly parameters?: readonly bigint[];
  readonly nestedRecord?: bigint;
  /** Its own context; default: the thread's registers (when declared). */
  readonly registers?: Readonly<Record<string, bigint>>;
  readonly contextFlags?: number;
  readonly noContext?: boolean;
}

export interface MiscSpec {
  /** MINIDUMP_MISC_INFO version by size: 1 → 24, 2 → 44, 3 → 232, 4 → 832, 5 → 1364 bytes (default 5). */
  readonly version?: 1 | 2 | 3 | 4 | 5;
  /** Default: the MINIDUMP_MISC* bits of the fields given. */
  readonly flags1?: number;
  readonly processId?: number;
  /** time_t. */
  readonly createTime?: number;
  /** Seconds. */
  readonly userTime?: number;
  readonly kernelTime?: number;
  readonly processorMaxMhz?: number;
  readonly processorCurrentMhz?: number;
  readonly processorMhzLimit?: number;
  readonly processorMaxIdleState?: number;
  readonly processorCurrentIdleState?: number;
  readonly processIntegrityLevel?: number;
  readonly processExecuteFlags?: number;
  readonly protectedProcess?: number;
  readonly timeZoneId?: number;
  readonly timeZone?: { readonly bias?: number; readonly standardName?: string; readonly daylightName?: string };
  readonly buildString?: string;
  readonly dbgBuildString?: string;
  readonly processCookie?: number;
}

export interface HandleSpec {
  readonly handle: bigint;
  readonly type: string;
  readonly name?: string;
  readonly attributes?: number;
  readonly grantedAccess?: number;
  readonly handleCount?: number;
  readonly pointerCount?: number;
}

export interface MemoryInfoSpec {
  readonly base: bigint;
  readonly size: bigint | number;
  /** MEM_COMMIT 0x1000, MEM_RESERVE 0x2000, MEM_FREE 0x10000. */
  readonly state: number;
  readonly protect: number;
  /** MEM_IMAGE 0x1000000, MEM_MAPPED 0x40000, MEM_PRIVATE 0x20000. */
  readonly type: number;
  /** Default base. */
  readonly allocationBase?: bigint;
  /** Default protect. */
  readonly allocationProtect?: number;
}

export interface SystemInfoSpec {
  readonly processorArchitecture?: number;
  readonly processorLevel?: number;
  readonly processorRevision?: number;
  readonly processorCount?: number;
  readonly productType?: number;
  readonly majorVersion?: number;
  readonly minorVersion?: number;
  readonly buildNumber?: number;
  readonly platformId?: number;
  readonly csdVersion?: string;
  readonly suiteMask?: number;
  /** x86 only (X86CpuInfo): 12 ASCII characters, default "GenuineIntel". */
  readonly vendor?: string;
  readonly cpuVersion?: number;
  readonly cpuFeatures?: number;
  readonly amdFeatures?: number;
  /** Other architectures (OtherCpuInfo.ProcessorFeatures). */
  readonly processorFeatures?: readonly [bigint, bigint];
}

/** Everything the builder collected; what minidump-synth-streams.ts writes. */
export interface DumpModel {
  readonly options: SynthOptions;
  readonly threads: readonly ThreadSpec[];
  readonly modules: readonly ModuleSpec[];
  readonly unloaded: readonly UnloadedModuleSpec[];
  readonly memory: readonly { readonly start: bigint; readonly bytes: Uint8Array }[];
  readonly memory64: readonly { readonly start: bigint; readonly bytes: Uint8Array }[];
  readonly exception?: ExceptionSpec;
  readonly misc?: MiscSpec;
  readonly handles?: { readonly list: readonly HandleSpec[]; readonly descriptorSize: 32 | 40 };
  readonly memoryInfo?: readonly MemoryInfoSpec[];
  readonly comments: readonly { readonly text: string; readonly wide: boolean }[];
  readonly raw: readonly { readonly type: number; readonly bytes: Uint8Array }[];
  readonly systemInfo: SystemInfoSpec;
  readonly breakpadInfo?: { readonly dumpThreadId?: number; readonly requestingThreadId?: number };
  readonly assertion?: { readonly expression?: string; readonly function?: string; readonly file?: string; readonly line?: number; readonly type?: number };
  readonly omitted: ReadonlySet<number>;
}

// ---------------------------------------------------------------- layout

export interface StreamLayout {
  readonly index: number;
  readonly type: number;
  readonly name: string;
  /** Stream data RVA and DataSize as written in the directory. */
  readonly offset: number;
  readonly size: number;
  /** File offset of this stream's MINIDUMP_DIRECTORY entry. */
  readonly entryOffset: number;
}

export interface MemoryLayout {
  readonly start: bigint;
  readonly size: number;
  /** File offset of the bytes. */
  readonly rva: number;
  readonly list: "MemoryList" | "Memory64List";
  /** File offset of its MINIDUMP_MEMORY_DESCRIPTOR(64). */
  readonly descriptorOffset: number;
  /** Thread id whose stack this is. */
  readonly stackOf?: number;
}

export interface SynthLayout {
  readonly size: number;
  readonly directory: { readonly offset: number; readonly count: number };
  readonly streams: readonly StreamLayout[];
  readonly threads: readonly {
    readonly id: number; readonly entryOffset: number; readonly contextOffset: number; readonly contextSize: number;
    readonly stack: { readonly start: bigint; readonly size: number; readonly rva: number };
  }[];
  readonly modules: readonly { readonly path: string; readonly entryOffset: number; readonly nameRva: number; readonly cvRva: number; readonly cvSize: number }[];
  readonly exception?: { readonly contextOffset: number; readonly contextSize: number };
  readonly memory: readonly MemoryLayout[];
  readonly memory64BaseRva?: number;
  /** The stream of a type (the first one); throws when the dump has none. */
  stream(type: number): StreamLayout;
}

// ---------------------------------------------------------------- builder

export class MinidumpSynth {
  private readonly threads: ThreadSpec[] = [];
  private readonly modules: ModuleSpec[] = [];
  private readonly unloaded: UnloadedModuleSpec[] = [];
  private readonly memoryRanges: { start: bigint; bytes: Uint8Array }[] = [];
  private readonly memory64Ranges: { start: bigint; bytes: Uint8Array }[] = [];
  private exceptionSpec: ExceptionSpec | undefined;
  private miscSpec: MiscSpec | undefined;
  private handleSpec: { list: readonly HandleSpec[]; descriptorSize: 32 | 40 } | undefined;
  private memoryInfoSpec: readonly MemoryInfoSpec[] | undefined;
  private readonly comments: { text: string; wide: boolean }[] = [];
  private readonly raw: { type: number; bytes: Uint8Array }[] = [];
  private sysInfo: SystemInfoSpec = {};
  private breakpad: DumpModel["breakpadInfo"];
  private assertionSpec: DumpModel["assertion"];
  private readonly omitted = new Set<number>();
  private cached: { bytes: Uint8Array; layout: SynthLayout } | undefined;

  constructor(readonly options: SynthOptions) {}

  private touch(): this {
    this.cached = undefined;
    return this;
  }

  thread(spec: ThreadSpec): this {
    if (this.threads.some((t) => t.id === spec.id)) throw new Error(`minidump-synth: thread ${spec.id} declared twice`);
    this.threads.push(spec);
    return this.touch();
  }

  module(spec: ModuleSpec): this {
    this.modules.push(spec);
    return this.touch();
  }

  unloadedModule(spec: UnloadedModuleSpec): this {
    this.unloaded.push(spec);
    return this.touch();
  }

  /** A MemoryListStream range. */
  memory(start: bigint, bytes: Uint8Array): this {
    this.memoryRanges.push({ start, bytes });
    return this.touch();
  }

  /** A Memory64ListStream range (its bytes go, contiguous with the other ranges', at the end of the file). */
  memory64(start: bigint, bytes: Uint8Array): this {
    this.memory64Ranges.push({ start, bytes });
    return this.touch();
  }

  exception(spec: ExceptionSpec): this {
    if ((spec.parameters?.length ?? 0) > 15) throw new Error("minidump-synth: at most 15 exception parameters");
    this.exceptionSpec = spec;
    return this.touch();
  }

  misc(spec: MiscSpec): this {
    this.miscSpec = spec;
    return this.touch();
  }

  /** HandleDataStream; descriptorSize 40 (MINIDUMP_HANDLE_DESCRIPTOR_2, default) or 32. */
  handles(list: readonly HandleSpec[], opts: { descriptorSize?: 32 | 40 } = {}): this {
    this.handleSpec = { list, descriptorSize: opts.descriptorSize ?? 40 };
    return this.touch();
  }

  memoryInfo(list: readonly MemoryInfoSpec[]): this {
    this.memoryInfoSpec = list;
    return this.touch();
  }

  /** CommentStreamA (ASCII) or, with wide, CommentStreamW (UTF-16LE); NUL-terminated. */
  comment(text: string, opts: { wide?: boolean } = {}): this {
    this.comments.push({ text, wide: opts.wide ?? false });
    return this.touch();
  }

  /** A stream of any type with the given bytes. */
  rawStream(type: number, bytes: Uint8Array): this {
    this.raw.push({ type, bytes });
    return this.touch();
  }

  /** Overrides of MINIDUMP_SYSTEM_INFO fields (merged with earlier calls). */
  systemInfo(spec: SystemInfoSpec): this {
    this.sysInfo = { ...this.sysInfo, ...spec };
    return this.touch();
  }

  /** Breakpad's MDRawBreakpadInfo stream (0x47670001). */
  breakpadInfo(spec: { dumpThreadId?: number; requestingThreadId?: number }): this {
    this.breakpad = spec;
    return this.touch();
  }

  /** Breakpad's MDRawAssertionInfo stream (0x47670002). */
  assertion(spec: NonNullable<DumpModel["assertion"]>): this {
    this.assertionSpec = spec;
    return this.touch();
  }

  /** Leaves out a stream the builder writes by default (ThreadList, ModuleList, SystemInfo) or would write from content. */
  omitStream(type: number): this {
    this.omitted.add(type);
    return this.touch();
  }

  private model(): DumpModel {
    return {
      options: this.options, threads: this.threads, modules: this.modules, unloaded: this.unloaded,
      memory: this.memoryRanges, memory64: this.memory64Ranges, exception: this.exceptionSpec, misc: this.miscSpec,
      handles: this.handleSpec, memoryInfo: this.memoryInfoSpec, comments: this.comments, raw: this.raw,
      systemInfo: this.sysInfo, breakpadInfo: this.breakpad, assertion: this.assertionSpec, omitted: this.omitted,
    };
  }

  private run(): { bytes: Uint8Array; layout: SynthLayout } {
    this.cached ??= writeDump(this.model());
    return this.cached;
  }

  /** The dump's bytes (a fresh copy each call). */
  build(): Uint8Array {
    return this.run().bytes.slice();
  }

  /** Where each stream, thread context, module record and memory range landed in `build()`'s bytes. */
  layout(): SynthLayout {
    return this.run().layout;
  }

  writeTo(path: string): string {
    writeFileSync(path, this.run().bytes);
    return path;
  }
}

export function synthMinidump(options: SynthOptions): MinidumpSynth {
  return new MinidumpSynth(options);
}

// ---------------------------------------------------------------- corruption

export type Corruption =
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "flip"; readonly offset: number; readonly mask: number }
  | { readonly kind: "setU32"; readonly offset: number; readonly value: number }
  | { readonly kind: "setU64"; readonly offset: number; readonly value: bigint };

/** A damaged copy of a dump: cut at `at`, XOR a byte with `mask`, or overwrite a little-endian u32/u64. */
export function corrupt(bytes: Uint8Array, damage: Corruption | readonly Corruption[]): Uint8Array {
  let out = bytes.slice();
  for (const d of Array.isArray(damage) ? damage : [damage as Corruption]) {
    const inside = (offset: number, width: number): void => {
      if (offset < 0 || offset + width > out.length) throw new Error(`corrupt: ${d.kind} at ${offset} is outside ${out.length} bytes`);
    };
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    switch (d.kind) {
      case "truncate":
        if (d.at < 0 || d.at > out.length) throw new Error(`corrupt: truncate at ${d.at} is outside ${out.length} bytes`);
        out = out.slice(0, d.at);
        break;
      case "flip":
        inside(d.offset, 1);
        out[d.offset] = (out[d.offset]! ^ d.mask) & 0xff;
        break;
      case "setU32":
        inside(d.offset, 4);
        dv.setUint32(d.offset, d.value >>> 0, true);
        break;
      case "setU64":
        inside(d.offset, 8);
        dv.setBigUint64(d.offset, BigInt.asUintN(64, d.value), true);
        break;
    }
  }
  return out;
}

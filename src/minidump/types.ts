/**
 * The minidump reader's public shapes (Node side; not in the WinDbg bundle). A `Minidump` reads a
 * Windows minidump lazily from a byte source: the stream directory at open time, each stream when first
 * asked for, memory ranges on demand. Every accessor returns `undefined` when its stream is absent, and
 * adds a warning (rather than throwing) when a stream is damaged but partly usable.
 *
 * Format facts: MINIDUMP_HEADER / MINIDUMP_DIRECTORY and the stream layouts of minidumpapiset.h
 * (Microsoft Learn "MINIDUMP_TYPE", "MINIDUMP_STREAM_TYPE", "MINIDUMP_THREAD", "MINIDUMP_MODULE",
 * "MINIDUMP_MISC_INFO_5", ...), CONTEXT layouts of winnt.h for x86, AMD64 and ARM64, CONTEXT_EX/XSAVE
 * from the Intel SDM and winnt.h.
 */

/** Random access to the dump's bytes without loading the file. */
export interface ByteSource {
  readonly size: number;
  /** Bytes [offset, offset+length) — fewer when the source ends first (never throws for a short read). */
  read(offset: number, length: number): Uint8Array;
  close?(): void;
}

export type DumpArch = "x86" | "x64" | "arm64" | "unknown";

/** Thrown by `Minidump.open` when the bytes are not a usable minidump; the message is one line a user can act on. */
export class MinidumpError extends Error {
  override name = "MinidumpError";
}

export interface StreamInfo {
  readonly type: number;
  /** `ThreadListStream`, `ModuleListStream`, ... or `Unknown(0x47670001)`; Breakpad/Crashpad streams by their names. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface DumpHeader {
  readonly version: number;
  readonly implementationVersion: number;
  readonly streamCount: number;
  /** Seconds since 1970 (time_t) when the dump was written. */
  readonly timestamp: number;
  /** MINIDUMP_TYPE flags. */
  readonly flags: bigint;
  /** Names of the set MINIDUMP_TYPE flags (`MiniDumpWithFullMemory`, ...). */
  readonly flagNames: readonly string[];
}

export interface SystemInfo {
  readonly arch: DumpArch;
  /** PROCESSOR_ARCHITECTURE_* value. */
  readonly processorArchitecture: number;
  readonly processorLevel: number;
  readonly processorRevision: number;
  readonly processorCount: number;
  /** VER_NT_WORKSTATION (1), DOMAIN_CONTROLLER (2), SERVER (3). */
  readonly productType: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly buildNumber: number;
  /** VER_PLATFORM_WIN32_NT (2) etc. */
  readonly platformId: number;
  /** "Windows NT" for platform 2. */
  readonly platform: string;
  /** Service pack text (CSDVersion), "" when none. */
  readonly csdVersion: string;
  readonly suiteMask: number;
  /** x86: vendor id ("GenuineIntel"); other architectures: undefined. */
  readonly vendor?: string;
}

export interface MiscInfo {
  /** Which MINIDUMP_MISC_INFO version (1..5) the stream holds, from its size. */
  readonly version: number;
  readonly flags1: number;
  readonly processId?: number;
  /** Seconds since 1970. */
  readonly processCreateTime?: number;
  /** Seconds of CPU time. */
  readonly processUserTime?: number;
  readonly processKernelTime?: number;
  readonly processorMaxMhz?: number;
  readonly processorCurrentMhz?: number;
  readonly processIntegrityLevel?: number;
  readonly processExecuteFlags?: number;
  readonly protectedProcess?: number;
  readonly timeZoneId?: number;
  readonly timeZoneName?: string;
  /** e.g. "19041.1.amd64fre.vb_release.191206-1406". */
  readonly buildString?: string;
  readonly dbgBuildString?: string;
}

/** Registers by WinDbg's names: rax..r15, rip, rsp, rbp, efl, cs, ss... (x64); eax..edi, eip, esp, ebp, efl (x86); x0..x28, fp, lr, sp, pc, cpsr (arm64). */
export interface ThreadContext {
  readonly arch: DumpArch;
  readonly contextFlags: number;
  readonly registers: Readonly<Record<string, bigint>>;
  /** Extended state (CONTEXT_EX + XSAVE), when the context carries it. */
  readonly xstate?: {
    readonly mask: bigint;
    /** `x87`, `SSE`, `AVX`, `MPX`, `AVX-512`, `PKRU`, `CET_U`, `CET_S`, or `bit<n>`. */
    readonly features: readonly string[];
    /** CET shadow stack pointer, when the CET_U component is present. */
    readonly ssp?: bigint;
  };
}

export interface MemoryDescriptor {
  readonly start: bigint;
  readonly size: number;
  /** File offset of the bytes. */
  readonly rva: number;
}

export interface DumpThread {
  readonly id: number;
  readonly suspendCount: number;
  readonly priorityClass: number;
  readonly priority: number;
  readonly teb: bigint;
  /** The captured stack (start = lowest address). Its bytes may live only in the memory list (rva 0). */
  readonly stack: MemoryDescriptor;
  /** Parsed thread context, or undefined when it is missing or unreadable (a warning says why). */
  readonly context: ThreadContext | undefined;
  /** ThreadExListStream: the backing store (IA64) range, when present. */
  readonly backingStore?: MemoryDescriptor;
}

export interface VersionInfo {
  /** "10.0.19041.662" */
  readonly fileVersion: string;
  readonly productVersion: string;
  readonly fileFlags: number;
  readonly fileOs: number;
  readonly fileType: number;
}

export interface CodeViewRecord {
  readonly kind: "RSDS" | "NB10" | "ELF" | "unknown";
  readonly pdbName?: string;
  /** Breakpad's debug id: GUID (uppercase hex, no dashes, fields as Breakpad prints them) + age in hex. */
  readonly debugId?: string;
  readonly guid?: string;
  readonly age?: number;
  readonly signature?: number;
}

export interface DumpModule {
  readonly base: bigint;
  readonly size: number;
  readonly checksum: number;
  /** time_t of the image's link time (TimeDateStamp). */
  readonly timestamp: number;
  /** Full path as the loader recorded it. */
  readonly path: string;
  /** File name only. */
  readonly name: string;
  /** undefined when the module has no VS_FIXEDFILEINFO (signature 0xfeef04bd missing). */
  readonly version?: VersionInfo;
  readonly codeView?: CodeViewRecord;
  /** Breakpad's code id: TimeDateStamp (8 hex digits, uppercase) + SizeOfImage (hex, lowercase). */
  readonly codeId: string;
}

export interface UnloadedModule {
  readonly base: bigint;
  readonly size: number;
  readonly checksum: number;
  readonly timestamp: number;
  readonly path: string;
  readonly name: string;
}

export interface ExceptionRecord {
  readonly code: number;
  readonly flags: number;
  readonly address: bigint;
  readonly parameters: readonly bigint[];
  /** Nested record address (ExceptionRecord field), 0 when none. */
  readonly nestedRecord: bigint;
}

export interface DumpException {
  readonly threadId: number;
  readonly record: ExceptionRecord;
  /** The context at the time of the exception (what `.ecxr` switches to). */
  readonly context: ThreadContext | undefined;
}

export interface MemoryInfo {
  readonly base: bigint;
  readonly allocationBase: bigint;
  readonly allocationProtect: number;
  readonly regionSize: bigint;
  /** MEM_COMMIT 0x1000, MEM_RESERVE 0x2000, MEM_FREE 0x10000. */
  readonly state: number;
  readonly protect: number;
  /** MEM_IMAGE 0x1000000, MEM_MAPPED 0x40000, MEM_PRIVATE 0x20000. */
  readonly type: number;
}

export interface HandleDescriptor {
  readonly handle: bigint;
  readonly typeName?: string;
  readonly objectName?: string;
  readonly attributes: number;
  readonly grantedAccess: number;
  readonly handleCount: number;
  readonly pointerCount: number;
  /** MINIDUMP_HANDLE_DESCRIPTOR_2 only. */
  readonly objectInfoRva?: number;
}

export interface ThreadInfo {
  readonly threadId: number;
  readonly dumpFlags: number;
  readonly dumpError: number;
  readonly exitStatus: number;
  /** FILETIMEs (100 ns since 1601) as bigint; 0 when not known. */
  readonly createTime: bigint;
  readonly exitTime: bigint;
  /** 100 ns units. */
  readonly kernelTime: bigint;
  readonly userTime: bigint;
  readonly startAddress: bigint;
  readonly affinity: bigint;
}

export interface TokenInfo {
  readonly count: number;
  readonly entries: readonly { readonly tokenId: number; readonly size: number }[];
}

export interface FunctionTableInfo {
  readonly entrySize: number;
  readonly count: number;
  readonly tables: readonly { readonly minimumAddress: bigint; readonly maximumAddress: bigint; readonly baseAddress: bigint; readonly entryCount: number }[];
}

/** Breakpad's own streams (0x47670001 BreakpadInfo, 0x47670002 AssertionInfo). */
export interface BreakpadInfo {
  readonly dumpThreadId?: number;
  readonly requestingThreadId?: number;
}
export interface AssertionInfo {
  readonly expression: string;
  readonly function: string;
  readonly file: string;
  readonly line: number;
  readonly type: number;
}

/** What `Minidump` offers; implemented in reader.ts. */
export interface MinidumpReader {
  readonly header: DumpHeader;
  /** Problems found while reading (damaged streams, counts cut to the file size, ...); grows as streams are read. */
  readonly warnings: readonly string[];
  streams(): readonly StreamInfo[];
  /** Streams the reader does not interpret. */
  unknownStreams(): readonly StreamInfo[];
  systemInfo(): SystemInfo | undefined;
  miscInfo(): MiscInfo | undefined;
  threads(): readonly DumpThread[];
  threadNames(): ReadonlyMap<number, string>;
  threadInfo(): ReadonlyMap<number, ThreadInfo>;
  modules(): readonly DumpModule[];
  unloadedModules(): readonly UnloadedModule[];
  exception(): DumpException | undefined;
  /** Captured memory from MemoryListStream and Memory64ListStream, sorted by start, overlaps removed. */
  memoryRanges(): readonly MemoryDescriptor[];
  /** Bytes of captured memory, or undefined if any byte of the range was not captured. */
  readMemory(address: bigint, length: number): Uint8Array | undefined;
  memoryInfo(): readonly MemoryInfo[] | undefined;
  /** undefined when the dump has no handle stream. */
  handles(): readonly HandleDescriptor[] | undefined;
  token(): TokenInfo | undefined;
  comments(): { readonly ascii?: string; readonly wide?: string };
  functionTable(): FunctionTableInfo | undefined;
  breakpadInfo(): BreakpadInfo | undefined;
  assertion(): AssertionInfo | undefined;
  close(): void;
}

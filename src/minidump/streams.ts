/**
 * Parsers of the individual minidump streams (minidumpapiset.h layouts, 4-byte packed; Breakpad's
 * BreakpadInfo/AssertionInfo and Crashpad's CrashpadInfo extensions). Each takes the stream's bytes and
 * an environment that reads other parts of the file (strings, CodeView records) and collects warnings.
 * Every count is cut to what the stream's bytes can hold; nothing allocates by a claimed size.
 */
import { LeView, decodeUtf16, hex } from "./byte-source";
import type {
  AssertionInfo, BreakpadInfo, CodeViewRecord, DumpModule, DumpThread, ExceptionRecord, FunctionTableInfo, HandleDescriptor,
  MemoryDescriptor, MemoryInfo, MiscInfo, SystemInfo, ThreadInfo, TokenInfo, UnloadedModule, VersionInfo, DumpArch,
} from "./types";
import type { XStateFeature } from "./context";

export interface ParseEnv {
  readonly fileSize: number;
  warn(message: string): void;
  /** File bytes [rva, rva+size), cut to the file (with a warning naming `what`). */
  read(rva: number, size: number, what: string): Uint8Array;
  /** The MINIDUMP_STRING at `rva` (undefined for rva 0 or when unreadable, with a warning). */
  string(rva: number, what: string): string | undefined;
}

const STREAM_NAMES: Readonly<Record<number, string>> = {
  0: "UnusedStream", 1: "ReservedStream0", 2: "ReservedStream1", 3: "ThreadListStream", 4: "ModuleListStream",
  5: "MemoryListStream", 6: "ExceptionStream", 7: "SystemInfoStream", 8: "ThreadExListStream", 9: "Memory64ListStream",
  10: "CommentStreamA", 11: "CommentStreamW", 12: "HandleDataStream", 13: "FunctionTableStream",
  14: "UnloadedModuleListStream", 15: "MiscInfoStream", 16: "MemoryInfoListStream", 17: "ThreadInfoListStream",
  18: "HandleOperationListStream", 19: "TokenStream", 20: "JavaScriptDataStream", 21: "SystemMemoryInfoStream",
  22: "ProcessVmCountersStream", 23: "IptTraceStream", 24: "ThreadNamesStream",
  0x47670001: "BreakpadInfoStream", 0x47670002: "AssertionInfoStream", 0x47670003: "LinuxCpuInfo",
  0x47670004: "LinuxProcStatus", 0x47670005: "LinuxLsbRelease", 0x47670006: "LinuxCmdLine", 0x47670007: "LinuxEnviron",
  0x47670008: "LinuxAuxv", 0x47670009: "LinuxMaps", 0x4767000a: "LinuxDsoDebug", 0x43500001: "CrashpadInfoStream",
  0x4d7a0001: "MozMacosCrashInfoStream", 0x4d7a0002: "MozMacosBootargsStream", 0x4d7a0003: "MozLinuxLimits",
};

export function streamName(type: number): string {
  return STREAM_NAMES[type] ?? `Unknown(${hex(type)})`;
}

const TYPE_FLAGS: readonly string[] = [
  "MiniDumpWithDataSegs", "MiniDumpWithFullMemory", "MiniDumpWithHandleData", "MiniDumpFilterMemory", "MiniDumpScanMemory",
  "MiniDumpWithUnloadedModules", "MiniDumpWithIndirectlyReferencedMemory", "MiniDumpFilterModulePaths",
  "MiniDumpWithProcessThreadData", "MiniDumpWithPrivateReadWriteMemory", "MiniDumpWithoutOptionalData",
  "MiniDumpWithFullMemoryInfo", "MiniDumpWithThreadInfo", "MiniDumpWithCodeSegs", "MiniDumpWithoutAuxiliaryState",
  "MiniDumpWithFullAuxiliaryState", "MiniDumpWithPrivateWriteCopyMemory", "MiniDumpIgnoreInaccessibleMemory",
  "MiniDumpWithTokenInformation", "MiniDumpWithModuleHeaders", "MiniDumpFilterTriage", "MiniDumpWithAvxXStateContext",
  "MiniDumpWithIptTrace", "MiniDumpScanInaccessiblePartialPages", "MiniDumpFilterWriteCombinedMemory",
];

export function dumpTypeFlagNames(flags: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((flags >> BigInt(bit)) & 1n) names.push(TYPE_FLAGS[bit] ?? `bit${bit}`);
  }
  return names;
}

/** Warn and say so when a stream is shorter than the `need` bytes of its fixed part. */
function short(v: LeView, need: number, what: string, env: ParseEnv): boolean {
  if (v.has(0, need)) return false;
  env.warn(`${what}: ${v.length} bytes, shorter than the ${need} bytes of its fixed part`);
  return true;
}

/** How many `entrySize`-byte entries fit in `available` bytes; warns when `claimed` is more. */
export function fitCount(claimed: number | bigint, available: number, entrySize: number, what: string, env: ParseEnv): number {
  const max = entrySize > 0 ? Math.floor(Math.max(0, available) / entrySize) : 0;
  if (BigInt(claimed) > BigInt(max)) {
    env.warn(`${what}: claims ${claimed} entries but its ${Math.max(0, available)} bytes hold ${max}; read ${max}`);
    return max;
  }
  return Number(claimed);
}

/** `NumberOfX` followed by fixed entries; some writers pad 4 bytes after the count. */
function countedList(v: LeView, entrySize: number, what: string, env: ParseEnv): { start: number; count: number } {
  if (!v.has(0, 4)) {
    env.warn(`${what}: stream is ${v.length} bytes, too short for its count`);
    return { start: 4, count: 0 };
  }
  const claimed = v.u32(0);
  const start = v.length === 8 + claimed * entrySize && claimed > 0 ? 8 : 4;
  return { start, count: fitCount(claimed, v.length - start, entrySize, what, env) };
}

/** Header-sized lists (UnloadedModuleList, ThreadInfoList, MemoryInfoList, HandleData): SizeOfHeader, SizeOfEntry, count. */
function sizedList(v: LeView, minHeader: number, minEntry: number, count: number | bigint, what: string, env: ParseEnv) {
  const header = v.u32(0);
  const entry = v.u32(4);
  if (header < minHeader || header > v.length) {
    env.warn(`${what}: header size ${header} is not usable (expected ${minHeader}..${v.length})`);
    return undefined;
  }
  if (entry < minEntry) {
    env.warn(`${what}: entry size ${entry} is smaller than the ${minEntry} bytes an entry needs`);
    return undefined;
  }
  return { header, entry, count: fitCount(count, v.length - header, entry, what, env) };
}

/** VER_PLATFORM_* values and Breakpad's extensions. */
const PLATFORMS: Readonly<Record<number, string>> = {
  0: "Windows 3.1 (Win32s)", 1: "Windows", 2: "Windows NT", 3: "Windows CE", 0x8000: "Unix", 0x8101: "Mac OS X",
  0x8102: "iOS", 0x8201: "Linux", 0x8202: "Solaris", 0x8203: "Android", 0x8204: "PS3", 0x8205: "NaCl", 0x8206: "Fuchsia",
};

export function parseSystemInfo(v: LeView, env: ParseEnv): SystemInfo | undefined {
  if (short(v, 32, "SystemInfoStream", env)) return undefined;
  if (v.length < 56) env.warn(`SystemInfoStream: ${v.length} bytes, shorter than 56; CPU information missing`);
  const processorArchitecture = v.u16(0);
  const arch: DumpArch = ({ 0: "x86", 10: "x86", 9: "x64", 12: "arm64" } as Record<number, DumpArch>)[processorArchitecture] ?? "unknown";
  const platformId = v.u32(20);
  const csdRva = v.u32(24);
  let vendor: string | undefined;
  if (arch === "x86" && v.has(32, 24)) {
    const raw = v.bytes.subarray(32, 44);
    if (raw.some((b) => b !== 0)) vendor = String.fromCharCode(...raw).replace(/\0+$/, "");
  }
  const info: SystemInfo = {
    arch, processorArchitecture, processorLevel: v.u16(2), processorRevision: v.u16(4), processorCount: v.u8(6), productType: v.u8(7),
    majorVersion: v.u32(8), minorVersion: v.u32(12), buildNumber: v.u32(16), platformId,
    platform: PLATFORMS[platformId] ?? `platform ${hex(platformId)}`,
    csdVersion: (csdRva ? env.string(csdRva, "SystemInfoStream CSDVersion") : undefined) ?? "",
    suiteMask: v.has(28, 2) ? v.u16(28) : 0,
  };
  return vendor !== undefined ? { ...info, vendor } : info;
}

/** MiscInfo plus what later parsers need: the XSAVE layout of MINIDUMP_MISC_INFO_5. */
export interface MiscInfoEx extends MiscInfo {
  readonly processCookie?: number;
  readonly xstateEnabled?: bigint;
  readonly xstateContextSize?: number;
  readonly xstateFeatures?: ReadonlyMap<number, XStateFeature>;
}

export function parseMiscInfo(v: LeView, env: ParseEnv): MiscInfoEx | undefined {
  if (short(v, 8, "MiscInfoStream", env)) return undefined;
  const declared = v.u32(0);
  if (declared > v.length) env.warn(`MiscInfoStream: SizeOfInfo ${declared} is larger than the ${v.length}-byte stream`);
  const size = Math.min(declared, v.length);
  const version = size >= 1364 ? 5 : size >= 832 ? 4 : size >= 232 ? 3 : size >= 44 ? 2 : size >= 24 ? 1 : 0;
  if (version === 0) {
    env.warn(`MiscInfoStream: SizeOfInfo ${declared} is smaller than MINIDUMP_MISC_INFO (24)`);
    return undefined;
  }
  const flags1 = v.u32(4);
  const out: { -readonly [K in keyof MiscInfoEx]: MiscInfoEx[K] } = { version, flags1 };
  if (flags1 & 0x1) out.processId = v.u32(8);
  if (flags1 & 0x2) [out.processCreateTime, out.processUserTime, out.processKernelTime] = [v.u32(12), v.u32(16), v.u32(20)];
  if (version >= 2 && flags1 & 0x4) [out.processorMaxMhz, out.processorCurrentMhz] = [v.u32(24), v.u32(28)];
  if (version >= 3) {
    if (flags1 & 0x10) out.processIntegrityLevel = v.u32(44);
    if (flags1 & 0x20) out.processExecuteFlags = v.u32(48);
    if (flags1 & 0x80) out.protectedProcess = v.u32(52);
    if (flags1 & 0x40) [out.timeZoneId, out.timeZoneName] = [v.u32(56), v.fixedUtf16(64, 64)];
  }
  if (version >= 4 && flags1 & 0x100) [out.buildString, out.dbgBuildString] = [v.fixedUtf16(232, 520), v.fixedUtf16(752, 80)];
  if (version >= 5) {
    if (flags1 & 0x200) out.processCookie = v.u32(1360);
    out.xstateContextSize = v.u32(836);
    const enabled = v.u64(840);
    out.xstateEnabled = enabled;
    const features = new Map<number, XStateFeature>();
    for (let i = 0; i < 64; i++) {
      if ((enabled >> BigInt(i)) & 1n) features.set(i, { offset: v.u32(848 + i * 8), size: v.u32(852 + i * 8) });
    }
    out.xstateFeatures = features;
  }
  return out;
}

/** A thread entry before its context is parsed. */
export type RawThread = Omit<DumpThread, "context"> & { readonly contextSize: number; readonly contextRva: number };

/** ThreadListStream (48-byte MINIDUMP_THREAD) or ThreadExListStream (64-byte MINIDUMP_THREAD_EX). */
export function parseThreadList(v: LeView, ex: boolean, env: ParseEnv): RawThread[] {
  const entry = ex ? 64 : 48;
  const what = ex ? "ThreadExListStream" : "ThreadListStream";
  const { start, count } = countedList(v, entry, what, env);
  const threads: RawThread[] = [];
  for (let i = 0; i < count; i++) {
    const o = start + i * entry;
    const t: RawThread = {
      id: v.u32(o), suspendCount: v.u32(o + 4), priorityClass: v.u32(o + 8), priority: v.u32(o + 12), teb: v.u64(o + 16),
      stack: { start: v.u64(o + 24), size: v.u32(o + 32), rva: v.u32(o + 36) },
      contextSize: v.u32(o + 40), contextRva: v.u32(o + 44),
    };
    threads.push(ex ? { ...t, backingStore: { start: v.u64(o + 48), size: v.u32(o + 56), rva: v.u32(o + 60) } } : t);
  }
  return threads;
}

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, "0");
const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, "0");

function guidText(v: LeView, o: number): { plain: string; dashed: string } {
  const d4 = Array.from(v.bytes.subarray(o + 8, o + 16), (b) => b.toString(16).toUpperCase().padStart(2, "0")).join("");
  const d1 = hex8(v.u32(o));
  const d2 = hex4(v.u16(o + 4));
  const d3 = hex4(v.u16(o + 6));
  return { plain: d1 + d2 + d3 + d4, dashed: `${d1}-${d2}-${d3}-${d4.slice(0, 4)}-${d4.slice(4)}` };
}

export function parseCodeView(bytes: Uint8Array): CodeViewRecord {
  const v = new LeView(bytes);
  if (!v.has(0, 4)) return { kind: "unknown" };
  const sig = v.u32(0);
  if (sig === 0x53445352 && v.has(4, 20)) {
    const g = guidText(v, 4);
    const age = v.u32(20);
    return { kind: "RSDS", pdbName: v.cString(24), guid: g.dashed, age, debugId: g.plain + age.toString(16) };
  }
  if (sig === 0x3031424e && v.has(4, 12)) {
    const signature = v.u32(8);
    const age = v.u32(12);
    return { kind: "NB10", pdbName: v.cString(16), signature, age, debugId: hex8(signature) + age.toString(16) };
  }
  if (sig === 0x4270454c) {
    const id = new Uint8Array(16);
    id.set(bytes.subarray(4, 20));
    const g = guidText(new LeView(id), 0);
    return { kind: "ELF", guid: g.dashed, debugId: g.plain + "0" };
  }
  return { kind: "unknown" };
}

function versionOf(v: LeView, o: number): VersionInfo | undefined {
  if (v.u32(o) !== 0xfeef04bd) return undefined;
  const quad = (ms: number, ls: number): string => `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
  return {
    fileVersion: quad(v.u32(o + 8), v.u32(o + 12)),
    productVersion: quad(v.u32(o + 16), v.u32(o + 20)),
    fileFlags: v.u32(o + 28),
    fileOs: v.u32(o + 32),
    fileType: v.u32(o + 36),
  };
}

export function fileName(path: string): string {
  const cut = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
  return path.slice(cut + 1);
}

const CV_MAX = 64 * 1024;

export function parseModuleList(v: LeView, env: ParseEnv): DumpModule[] {
  const { start, count } = countedList(v, 108, "ModuleListStream", env);
  const modules: DumpModule[] = [];
  for (let i = 0; i < count; i++) {
    const o = start + i * 108;
    const base = v.u64(o);
    const size = v.u32(o + 8);
    const timestamp = v.u32(o + 16);
    const path = env.string(v.u32(o + 20), `module ${i} (${hex(base)}) name`) ?? "";
    const cvSize = v.u32(o + 76);
    const cvRva = v.u32(o + 80);
    let codeView: CodeViewRecord | undefined;
    if (cvSize > 0 && cvRva > 0) {
      if (cvSize > CV_MAX) env.warn(`module ${fileName(path) || i}: CodeView record claims ${cvSize} bytes; read ${CV_MAX}`);
      codeView = parseCodeView(env.read(cvRva, Math.min(cvSize, CV_MAX), `module ${fileName(path) || i} CodeView record`));
    }
    const version = versionOf(v, o + 24);
    const m: DumpModule = {
      base, size, checksum: v.u32(o + 12), timestamp, path, name: fileName(path),
      codeId: hex8(timestamp) + size.toString(16),
      ...(version ? { version } : {}),
      ...(codeView ? { codeView } : {}),
    };
    modules.push(m);
  }
  return modules;
}

export function parseUnloadedModules(v: LeView, env: ParseEnv): UnloadedModule[] {
  if (short(v, 12, "UnloadedModuleListStream", env)) return [];
  const list = sizedList(v, 12, 24, v.u32(8), "UnloadedModuleListStream", env);
  if (!list) return [];
  const out: UnloadedModule[] = [];
  for (let i = 0; i < list.count; i++) {
    const o = list.header + i * list.entry;
    const path = env.string(v.u32(o + 20), `unloaded module ${i} name`) ?? "";
    out.push({ base: v.u64(o), size: v.u32(o + 8), checksum: v.u32(o + 12), timestamp: v.u32(o + 16), path, name: fileName(path) });
  }
  return out;
}

export interface RawException {
  readonly threadId: number;
  readonly record: ExceptionRecord;
  readonly contextSize: number;
  readonly contextRva: number;
}

export function readExceptionRecord(v: LeView, o: number, env: ParseEnv, what: string): ExceptionRecord {
  const n = v.u32(o + 24);
  if (n > 15) env.warn(`${what}: NumberParameters ${n} is more than the 15 a record holds; read 15`);
  const parameters: bigint[] = [];
  for (let i = 0; i < Math.min(n, 15); i++) parameters.push(v.u64(o + 32 + i * 8));
  return { code: v.u32(o), flags: v.u32(o + 4), nestedRecord: v.u64(o + 8), address: v.u64(o + 16), parameters };
}

export function parseException(v: LeView, env: ParseEnv): RawException | undefined {
  if (!v.has(0, 168)) {
    env.warn(`ExceptionStream: ${v.length} bytes, shorter than MINIDUMP_EXCEPTION_STREAM (168)`);
    if (!v.has(0, 40)) return undefined;
    const padded = new Uint8Array(168);
    padded.set(v.bytes);
    v = new LeView(padded);
  }
  return { threadId: v.u32(0), record: readExceptionRecord(v, 8, env, "ExceptionStream"), contextSize: v.u32(160), contextRva: v.u32(164) };
}

/** Cut a descriptor whose bytes run past the end of the file. */
function fitDescriptor(d: MemoryDescriptor, env: ParseEnv, what: string): MemoryDescriptor | undefined {
  if (d.size === 0) return undefined;
  if (d.rva >= env.fileSize) {
    env.warn(`${what}: range ${hex(d.start)} (${d.size} bytes) has its data at ${hex(d.rva)}, past the end of the file; dropped`);
    return undefined;
  }
  if (d.rva + d.size > env.fileSize) {
    const size = env.fileSize - d.rva;
    env.warn(`${what}: range ${hex(d.start)} claims ${d.size} bytes but the file ends after ${size}; cut`);
    return { ...d, size };
  }
  return d;
}

export function parseMemoryList(v: LeView, env: ParseEnv): MemoryDescriptor[] {
  const { start, count } = countedList(v, 16, "MemoryListStream", env);
  const out: MemoryDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    const o = start + i * 16;
    const d = fitDescriptor({ start: v.u64(o), size: v.u32(o + 8), rva: v.u32(o + 12) }, env, "MemoryListStream");
    if (d) out.push(d);
  }
  return out;
}

export function parseMemory64List(v: LeView, env: ParseEnv): MemoryDescriptor[] {
  if (short(v, 16, "Memory64ListStream", env)) return [];
  const count = fitCount(v.u64(0), v.length - 16, 16, "Memory64ListStream", env);
  let rva = v.u64(8);
  const out: MemoryDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    const o = 16 + i * 16;
    const start = v.u64(o);
    const size = v.u64(o + 8);
    if (rva >= BigInt(env.fileSize)) {
      env.warn(`Memory64ListStream: ranges ${i}..${count - 1} have their data past the end of the file; dropped`);
      break;
    }
    const avail = BigInt(env.fileSize) - rva;
    const d = fitDescriptor({ start, size: Number(size > avail ? avail + 1n : size), rva: Number(rva) }, env, "Memory64ListStream");
    if (d) out.push(d);
    rva += size;
  }
  return out;
}

export function parseMemoryInfoList(v: LeView, env: ParseEnv): MemoryInfo[] {
  if (short(v, 16, "MemoryInfoListStream", env)) return [];
  const list = sizedList(v, 16, 48, v.u64(8), "MemoryInfoListStream", env);
  if (!list) return [];
  const out: MemoryInfo[] = [];
  for (let i = 0; i < list.count; i++) {
    const o = list.header + i * list.entry;
    out.push({
      base: v.u64(o), allocationBase: v.u64(o + 8), allocationProtect: v.u32(o + 16), regionSize: v.u64(o + 24),
      state: v.u32(o + 32), protect: v.u32(o + 36), type: v.u32(o + 40),
    });
  }
  return out;
}

export function parseHandleData(v: LeView, env: ParseEnv): HandleDescriptor[] {
  if (short(v, 16, "HandleDataStream", env)) return [];
  const list = sizedList(v, 16, 32, v.u32(8), "HandleDataStream", env);
  if (!list) return [];
  const out: HandleDescriptor[] = [];
  for (let i = 0; i < list.count; i++) {
    const o = list.header + i * list.entry;
    const handle = v.u64(o);
    const typeRva = v.u32(o + 8);
    const nameRva = v.u32(o + 12);
    const typeName = typeRva ? env.string(typeRva, `handle ${hex(handle)} type name`) : undefined;
    const objectName = nameRva ? env.string(nameRva, `handle ${hex(handle)} object name`) : undefined;
    out.push({
      handle,
      ...(typeName !== undefined ? { typeName } : {}),
      ...(objectName !== undefined ? { objectName } : {}),
      attributes: v.u32(o + 16), grantedAccess: v.u32(o + 20), handleCount: v.u32(o + 24), pointerCount: v.u32(o + 28),
      ...(list.entry >= 40 ? { objectInfoRva: v.u32(o + 32) } : {}),
    });
  }
  return out;
}

export function parseThreadNames(v: LeView, env: ParseEnv): Map<number, string> {
  const { start, count } = countedList(v, 12, "ThreadNamesStream", env);
  const names = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const o = start + i * 12;
    const id = v.u32(o);
    const rva = v.u64(o + 4);
    if (rva === 0n) continue;
    if (rva >= BigInt(env.fileSize)) {
      env.warn(`ThreadNamesStream: thread ${hex(id)} name at ${hex(rva)} is past the end of the file`);
      continue;
    }
    const name = env.string(Number(rva), `thread ${hex(id)} name`);
    if (name !== undefined) names.set(id, name);
  }
  return names;
}

export function parseThreadInfoList(v: LeView, env: ParseEnv): Map<number, ThreadInfo> {
  if (short(v, 12, "ThreadInfoListStream", env)) return new Map();
  const list = sizedList(v, 12, 64, v.u32(8), "ThreadInfoListStream", env);
  const out = new Map<number, ThreadInfo>();
  if (!list) return out;
  for (let i = 0; i < list.count; i++) {
    const o = list.header + i * list.entry;
    const threadId = v.u32(o);
    out.set(threadId, {
      threadId, dumpFlags: v.u32(o + 4), dumpError: v.u32(o + 8), exitStatus: v.u32(o + 12), createTime: v.u64(o + 16),
      exitTime: v.u64(o + 24), kernelTime: v.u64(o + 32), userTime: v.u64(o + 40), startAddress: v.u64(o + 48), affinity: v.u64(o + 56),
    });
  }
  return out;
}

export function parseToken(v: LeView, env: ParseEnv): TokenInfo | undefined {
  if (short(v, 16, "TokenStream", env)) return undefined;
  const claimed = v.u32(4);
  const headerSize = v.u32(8);
  const elementHeader = v.u32(12);
  const entries: { tokenId: number; size: number }[] = [];
  let o = Math.max(16, headerSize);
  for (let i = 0; i < claimed; i++) {
    if (!v.has(o, 16)) {
      env.warn(`TokenStream: claims ${claimed} tokens but the stream ends after ${i}`);
      break;
    }
    const size = v.u32(o);
    if (size < Math.max(16, elementHeader)) {
      env.warn(`TokenStream: token ${i} has size ${size}, smaller than its header; stopped`);
      break;
    }
    entries.push({ tokenId: v.u32(o + 4), size });
    o += size;
  }
  return { count: claimed, entries };
}

export function parseFunctionTable(v: LeView, env: ParseEnv): FunctionTableInfo | undefined {
  if (short(v, 24, "FunctionTableStream", env)) return undefined;
  const headerSize = v.u32(0);
  const descSize = v.u32(4);
  const nativeSize = v.u32(8);
  const entrySize = v.u32(12);
  const count = v.u32(16);
  const tables: { minimumAddress: bigint; maximumAddress: bigint; baseAddress: bigint; entryCount: number }[] = [];
  if (descSize < 32) {
    env.warn(`FunctionTableStream: descriptor size ${descSize} is smaller than 32`);
    return { entrySize, count, tables };
  }
  // The header's SizeOfAlignPad bytes follow the header; each descriptor's own pad follows its entries.
  let o = Math.max(24, headerSize) + v.u32(20);
  for (let i = 0; i < count; i++) {
    if (!v.has(o, descSize)) {
      env.warn(`FunctionTableStream: claims ${count} tables but the stream ends after ${i}`);
      break;
    }
    const entryCount = v.u32(o + 24);
    tables.push({ minimumAddress: v.u64(o), maximumAddress: v.u64(o + 8), baseAddress: v.u64(o + 16), entryCount });
    o += descSize + nativeSize + entryCount * entrySize + v.u32(o + 28);
  }
  return { entrySize, count, tables };
}

export function parseBreakpadInfo(v: LeView, env: ParseEnv): BreakpadInfo | undefined {
  if (short(v, 12, "BreakpadInfoStream", env)) return undefined;
  const validity = v.u32(0);
  return {
    ...(validity & 1 ? { dumpThreadId: v.u32(4) } : {}),
    ...(validity & 2 ? { requestingThreadId: v.u32(8) } : {}),
  };
}

export function parseAssertion(v: LeView, env: ParseEnv): AssertionInfo | undefined {
  if (short(v, 776, "AssertionInfoStream", env)) return undefined;
  return { expression: v.fixedUtf16(0, 256), function: v.fixedUtf16(256, 256), file: v.fixedUtf16(512, 256), line: v.u32(768), type: v.u32(772) };
}

export interface CrashpadInfo {
  readonly version: number;
  readonly reportId: string;
  readonly clientId: string;
}

export function parseCrashpadInfo(v: LeView, env: ParseEnv): CrashpadInfo | undefined {
  if (short(v, 36, "CrashpadInfoStream", env)) return undefined;
  return { version: v.u32(0), reportId: guidText(v, 4).dashed, clientId: guidText(v, 20).dashed };
}

const latin1 = new TextDecoder("latin1");

export function parseComment(bytes: Uint8Array, wide: boolean): string {
  if (!wide) {
    const end = bytes.indexOf(0);
    return latin1.decode(bytes.subarray(0, end < 0 ? bytes.length : end));
  }
  let end = 0;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return decodeUtf16(bytes.subarray(0, end));
}

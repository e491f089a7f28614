/**
 * `Minidump`: a lazy, cached, damage-tolerant reader of Windows minidumps (see types.ts for the shapes).
 * `open` reads only the header and stream directory and throws `MinidumpError` when they are unusable;
 * every stream is parsed when first asked for and cached. Damage inside a stream never throws from an
 * accessor: the reader returns what it could read and adds a line to `warnings`.
 */
import { LeView, decodeUtf16, hex, openFileSource } from "./byte-source";
import { archFromContextFlags, guessContextArch, parseContext } from "./context";
import {
  type CrashpadInfo, type MiscInfoEx, type ParseEnv, type RawThread, dumpTypeFlagNames, parseAssertion, parseBreakpadInfo,
  parseComment, parseCrashpadInfo, parseException, parseFunctionTable, parseHandleData, parseMemory64List, parseMemoryInfoList,
  parseMemoryList, parseMiscInfo, parseModuleList, parseSystemInfo, parseThreadInfoList, parseThreadList, parseThreadNames,
  parseToken, parseUnloadedModules, readExceptionRecord, streamName,
} from "./streams";
import {
  type AssertionInfo, type BreakpadInfo, type ByteSource, type DumpArch, type DumpException, type DumpHeader, type DumpModule,
  type DumpThread, type ExceptionRecord, type FunctionTableInfo, type HandleDescriptor, type MemoryDescriptor, type MemoryInfo,
  MinidumpError, type MinidumpReader, type StreamInfo, type SystemInfo, type ThreadContext, type ThreadInfo, type TokenInfo,
  type UnloadedModule,
} from "./types";

const SIGNATURE = 0x504d444d;
const VERSION = 0xa793;
const MAX_STREAMS = 0x10000;
const MAX_STRING_BYTES = 0x10000;
const MAX_CONTEXT_BYTES = 0x10000;
const MAX_WARNINGS = 500;
const MAX_NESTED_EXCEPTIONS = 32;
/** Bytes compared to tell duplicate memory captures from conflicting ones. */
const OVERLAP_COMPARE_BUDGET = 16 << 20;

const S = {
  threads: 3, modules: 4, memory: 5, exception: 6, system: 7, threadsEx: 8, memory64: 9, commentA: 10, commentW: 11,
  handles: 12, functionTable: 13, unloaded: 14, misc: 15, memoryInfo: 16, threadInfo: 17, token: 19, threadNames: 24,
  breakpad: 0x47670001, assertion: 0x47670002, crashpad: 0x43500001,
} as const;
const INTERPRETED = new Set<number>(Object.values(S));

function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
}

export class Minidump implements MinidumpReader {
  readonly header: DumpHeader;
  private readonly warningList: string[] = [];
  private readonly warned = new Set<string>();
  private readonly cache = new Map<string, unknown>();
  private readonly env: ParseEnv;
  private closed = false;
  /**
   * Bytes that names, CodeView records and contexts may read in all: damaged counts can make thousands of
   * entries point at large garbage strings; this keeps the work proportional to the file, not the claims.
   */
  private structureBudget: number;
  private compareBudget = OVERLAP_COMPARE_BUDGET;

  private constructor(
    private readonly source: ByteSource,
    header: DumpHeader,
    private readonly directory: readonly StreamInfo[],
    openWarnings: readonly string[],
  ) {
    this.header = header;
    this.structureBudget = (16 << 20) + 4 * source.size;
    for (const w of openWarnings) this.warn(w);
    this.env = {
      fileSize: source.size,
      warn: (m) => this.warn(m),
      read: (rva, size, what) => this.readFile(rva, size, what),
      string: (rva, what) => this.readString(rva, what),
    };
  }

  /** Validate the header and stream directory; throws MinidumpError with a one-line reason. */
  static open(source: ByteSource): Minidump {
    try {
      return Minidump.openUnchecked(source);
    } catch (e) {
      if (e instanceof MinidumpError) throw e;
      throw new MinidumpError(`cannot read the dump: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
  }

  private static openUnchecked(source: ByteSource): Minidump {
    const size = source.size;
    if (size === 0) throw new MinidumpError("not a minidump: the file is empty");
    const head = source.read(0, 32);
    const v = new LeView(head);
    if (head.length < 4 || v.u32(0) !== SIGNATURE) {
      throw new MinidumpError(`not a minidump: the file starts with '${printable(head.subarray(0, 4))}' (expected 'MDMP')`);
    }
    if (head.length < 32) throw new MinidumpError(`truncated: the ${size}-byte file is shorter than the 32-byte minidump header`);
    const version = v.u32(4);
    if ((version & 0xffff) !== VERSION) {
      throw new MinidumpError(`not a minidump: version ${hex(version & 0xffff)} in the header (expected 0xa793)`);
    }
    const count = v.u32(8);
    const dirRva = v.u32(12);
    if (count > MAX_STREAMS) throw new MinidumpError(`damaged header: it claims ${count} streams (at most ${MAX_STREAMS} are plausible)`);
    if (dirRva + count * 12 > size) {
      throw new MinidumpError(`truncated: the stream directory (${count} entries at ${hex(dirRva)}) runs past the end of the ${size}-byte file`);
    }
    const dir = new LeView(source.read(dirRva, count * 12));
    if (dir.length < count * 12) throw new MinidumpError(`truncated: the stream directory at ${hex(dirRva)} could not be read whole`);
    const warnings: string[] = [];
    const streams: StreamInfo[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) {
      const type = dir.u32(i * 12);
      let length = dir.u32(i * 12 + 4);
      const offset = dir.u32(i * 12 + 8);
      if (type === 0) continue;
      const name = streamName(type);
      const label = name.startsWith("Unknown(") ? name : `${name} (${hex(type)})`;
      if (offset + length > size) {
        const fit = Math.max(0, size - offset);
        warnings.push(`${label} at ${hex(offset)} claims ${length} bytes but the ${size}-byte file holds ${fit}; cut`);
        length = fit;
      }
      if (seen.has(type)) warnings.push(`${label} appears more than once; the first is used`);
      seen.add(type);
      streams.push({ type, name, offset, size: length });
    }
    const flags = v.u64(24);
    const header: DumpHeader = {
      version: version & 0xffff, implementationVersion: version >>> 16, streamCount: count, timestamp: v.u32(20), flags,
      flagNames: dumpTypeFlagNames(flags),
    };
    return new Minidump(source, header, streams, warnings);
  }

  /** Open a dump file (positional reads; the file is never loaded whole). */
  static openFile(path: string): Minidump {
    let source: ByteSource;
    try {
      source = openFileSource(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new MinidumpError(`cannot open the dump file: ${code}`, { cause: e });
    }
    try {
      return Minidump.open(source);
    } catch (e) {
      source.close?.();
      throw e;
    }
  }

  get warnings(): readonly string[] {
    return this.warningList;
  }

  streams(): readonly StreamInfo[] {
    return this.directory;
  }

  unknownStreams(): readonly StreamInfo[] {
    return this.directory.filter((s) => !INTERPRETED.has(s.type));
  }

  /** The raw bytes of the first stream of a type (cut to the file), for streams the reader does not interpret. */
  readStream(type: number): Uint8Array | undefined {
    const s = this.directory.find((d) => d.type === type);
    return s ? this.safe(() => this.source.read(s.offset, s.size), undefined) : undefined;
  }

  systemInfo(): SystemInfo | undefined {
    return this.parsed(S.system, undefined, (v) => parseSystemInfo(v, this.env));
  }

  miscInfo(): MiscInfoEx | undefined {
    return this.parsed(S.misc, undefined, (v) => parseMiscInfo(v, this.env));
  }

  threads(): readonly DumpThread[] {
    return this.memo("threads", [], () => {
      // ThreadExListStream (with IA64 backing stores) is read only when there is no ThreadListStream.
      const list: readonly RawThread[] =
        this.parsed(S.threads, undefined, (v) => parseThreadList(v, false, this.env)) ??
        this.parsed(S.threadsEx, undefined, (v) => parseThreadList(v, true, this.env)) ?? [];
      return list.map((t): DumpThread => {
        const what = `thread ${hex(t.id)}`;
        const bs = t.backingStore;
        return {
          id: t.id, suspendCount: t.suspendCount, priorityClass: t.priorityClass, priority: t.priority, teb: t.teb, stack: t.stack,
          context: this.context(t.contextSize, t.contextRva, what),
          ...(bs && bs.size > 0 ? { backingStore: bs } : {}),
        };
      });
    });
  }

  threadNames(): ReadonlyMap<number, string> {
    return this.parsed(S.threadNames, new Map<number, string>(), (v) => parseThreadNames(v, this.env));
  }

  threadInfo(): ReadonlyMap<number, ThreadInfo> {
    return this.parsed(S.threadInfo, new Map<number, ThreadInfo>(), (v) => parseThreadInfoList(v, this.env));
  }

  modules(): readonly DumpModule[] {
    return this.parsed(S.modules, [], (v) => parseModuleList(v, this.env));
  }

  unloadedModules(): readonly UnloadedModule[] {
    return this.parsed(S.unloaded, [], (v) => parseUnloadedModules(v, this.env));
  }

  exception(): DumpException | undefined {
    return this.parsed(S.exception, undefined, (v) => {
      const raw = parseException(v, this.env);
      if (!raw) return undefined;
      return { threadId: raw.threadId, record: raw.record, context: this.context(raw.contextSize, raw.contextRva, "the exception") };
    });
  }

  /**
   * The exception record followed by its nested records (EXCEPTION_RECORD32/64 read from captured memory
   * through each record's ExceptionRecord pointer); stops at a cycle, uncaptured memory or 32 records.
   */
  exceptionChain(): readonly ExceptionRecord[] {
    return this.memo("exceptionChain", [], () => {
      const first = this.exception()?.record;
      if (!first) return [];
      const chain: ExceptionRecord[] = [first];
      const seen = new Set<bigint>();
      const x86 = this.systemInfo()?.arch === "x86";
      let next = first.nestedRecord;
      while (next !== 0n) {
        if (seen.has(next)) {
          this.warn(`nested exception records form a cycle at ${hex(next)}; stopped after ${chain.length}`);
          break;
        }
        if (chain.length >= MAX_NESTED_EXCEPTIONS) {
          this.warn(`more than ${MAX_NESTED_EXCEPTIONS} nested exception records; stopped`);
          break;
        }
        seen.add(next);
        const bytes = this.readMemory(next, x86 ? 80 : 152);
        if (!bytes) {
          this.warn(`nested exception record at ${hex(next)} is not in captured memory`);
          break;
        }
        const rec = x86 ? widenRecord32(new LeView(bytes)) : new LeView(bytes);
        const record = readExceptionRecord(rec, 0, this.env, `nested exception record at ${hex(next)}`);
        chain.push(record);
        next = record.nestedRecord;
      }
      return chain;
    });
  }

  memoryRanges(): readonly MemoryDescriptor[] {
    return this.memo("memoryRanges", [], () => {
      // Stacks stored only behind their thread descriptors (not in a memory list) are captured memory too;
      // they come last so a memory-list copy of the same bytes is the one kept.
      const stacks: MemoryDescriptor[] = [];
      for (const t of this.threads()) {
        const { start, rva } = t.stack;
        if (rva === 0 || t.stack.size === 0 || rva >= this.source.size) continue;
        const size = Math.min(t.stack.size, this.source.size - rva);
        if (size < t.stack.size) this.warn(`thread 0x${t.id.toString(16)}'s stack runs past the end of the file; cut to ${size} bytes`);
        stacks.push({ start, size, rva });
      }
      const all = [
        ...this.parsed(S.memory, [], (v) => parseMemoryList(v, this.env)),
        ...this.parsed(S.memory64, [], (v) => parseMemory64List(v, this.env)),
        ...stacks,
      ];
      const sorted = all.map((d, i) => ({ d, i })).sort((a, b) => (a.d.start < b.d.start ? -1 : a.d.start > b.d.start ? 1 : a.i - b.i));
      const out: MemoryDescriptor[] = [];
      let end = 0n;
      let overlaps = 0;
      const top = 1n << 64n;
      for (const { d } of sorted) {
        let { start, size, rva } = d;
        if (start + BigInt(size) > top) {
          this.warn(`memory range ${hex(start)} (${size} bytes) runs past the top of the address space; cut`);
          size = Number(top - start);
        }
        if (out.length > 0 && start < end) {
          const skip = end - start;
          if (!this.sameBytes(out, start, rva, Number(skip < BigInt(size) ? skip : BigInt(size)))) overlaps++;
          if (skip >= BigInt(size)) continue;
          start = end;
          rva += Number(skip);
          size -= Number(skip);
        }
        if (size <= 0) continue;
        out.push({ start, size, rva });
        end = start + BigInt(size);
      }
      if (overlaps > 0) {
        this.warn(`${overlaps} memory range(s) overlap earlier ones with different bytes; the later range's overlapping bytes were dropped`);
      }
      return out;
    });
  }

  /** The captured range containing `address`, if any. */
  rangeAt(address: bigint): MemoryDescriptor | undefined {
    const ranges = this.memoryRanges();
    const r = ranges[this.lastRangeAtOrBelow(ranges, address)];
    return r && address < r.start + BigInt(r.size) ? r : undefined;
  }

  readMemory(address: bigint, length: number): Uint8Array | undefined {
    if (typeof address !== "bigint" || address < 0n || !Number.isSafeInteger(length) || length < 0) return undefined;
    if (length === 0) return new Uint8Array(0);
    return this.safe(() => {
      const ranges = this.memoryRanges();
      const end = address + BigInt(length);
      let i = this.lastRangeAtOrBelow(ranges, address);
      if (i < 0) return undefined;
      const pieces: [number, number][] = [];
      let cur = address;
      while (cur < end) {
        const r = ranges[i++];
        if (!r || r.start > cur) return undefined;
        const rEnd = r.start + BigInt(r.size);
        if (cur >= rEnd) return undefined;
        const take = Number((end < rEnd ? end : rEnd) - cur);
        pieces.push([r.rva + Number(cur - r.start), take]);
        cur += BigInt(take);
      }
      const read = (rva: number, n: number): Uint8Array | undefined => {
        const b = this.source.read(rva, n);
        return b.length === n ? b : undefined;
      };
      const [only] = pieces;
      if (pieces.length === 1 && only) return read(only[0], only[1]);
      const out = new Uint8Array(length);
      let pos = 0;
      for (const [rva, n] of pieces) {
        const b = read(rva, n);
        if (!b) return undefined;
        out.set(b, pos);
        pos += n;
      }
      return out;
    }, undefined);
  }

  memoryInfo(): readonly MemoryInfo[] | undefined {
    return this.parsed(S.memoryInfo, undefined, (v) => parseMemoryInfoList(v, this.env));
  }

  handles(): readonly HandleDescriptor[] | undefined {
    return this.parsed(S.handles, undefined, (v) => parseHandleData(v, this.env));
  }

  token(): TokenInfo | undefined {
    return this.parsed(S.token, undefined, (v) => parseToken(v, this.env));
  }

  comments(): { readonly ascii?: string; readonly wide?: string } {
    return this.memo("comments", {}, () => {
      const ascii = this.parsed(S.commentA, undefined, (v) => parseComment(v.bytes, false));
      const wide = this.parsed(S.commentW, undefined, (v) => parseComment(v.bytes, true));
      return { ...(ascii !== undefined ? { ascii } : {}), ...(wide !== undefined ? { wide } : {}) };
    });
  }

  functionTable(): FunctionTableInfo | undefined {
    return this.parsed(S.functionTable, undefined, (v) => parseFunctionTable(v, this.env));
  }

  breakpadInfo(): BreakpadInfo | undefined {
    return this.parsed(S.breakpad, undefined, (v) => parseBreakpadInfo(v, this.env));
  }

  assertion(): AssertionInfo | undefined {
    return this.parsed(S.assertion, undefined, (v) => parseAssertion(v, this.env));
  }

  /** Crashpad's CrashpadInfo stream (0x43500001): version and report/client ids. */
  crashpadInfo(): CrashpadInfo | undefined {
    return this.parsed(S.crashpad, undefined, (v) => parseCrashpadInfo(v, this.env));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.close?.();
  }

  // ---- internals ----

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    if (this.warningList.length < MAX_WARNINGS) this.warningList.push(message);
    else if (this.warningList.length === MAX_WARNINGS) this.warningList.push(`more than ${MAX_WARNINGS} warnings; the rest are not listed`);
  }

  private safe<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      this.warn(`read failed: ${(e as Error)?.message ?? String(e)}`);
      return fallback;
    }
  }

  private memo<T>(key: string, fallback: T, fn: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    this.cache.set(key, fallback); // a re-entrant call sees the fallback rather than recursing
    let value: T;
    try {
      value = fn();
    } catch (e) {
      this.warn(`${key}: could not be read (${(e as Error)?.message ?? String(e)})`);
      value = fallback;
    }
    this.cache.set(key, value);
    return value;
  }

  /** Parse the first stream of `type` (cached); `fallback` when it is absent or unreadable. */
  private parsed<T>(type: number, fallback: T, parse: (v: LeView) => T): T {
    return this.memo(streamName(type), fallback, () => {
      const s = this.directory.find((d) => d.type === type);
      return s ? parse(new LeView(this.source.read(s.offset, s.size))) : fallback;
    });
  }

  /** Take `bytes` from the structure-read budget; false (and one warning) once it is spent. */
  private spend(bytes: number): boolean {
    this.structureBudget -= bytes;
    if (this.structureBudget >= 0) return true;
    this.warn("names, CodeView records and contexts need more bytes than the whole file several times over (damaged counts?); the rest are skipped");
    return false;
  }

  private readFile(rva: number, size: number, what: string): Uint8Array {
    if (!this.spend(Math.min(size, this.source.size))) return new Uint8Array(0);
    if (rva >= this.source.size) {
      this.warn(`${what}: at ${hex(rva)}, past the end of the ${this.source.size}-byte file`);
      return new Uint8Array(0);
    }
    if (rva + size > this.source.size) {
      this.warn(`${what}: ${size} bytes at ${hex(rva)} run past the end of the file; cut`);
    }
    return this.source.read(rva, size);
  }

  private readString(rva: number, what: string): string | undefined {
    if (rva === 0) return undefined;
    if (rva + 4 > this.source.size) {
      this.warn(`${what}: string at ${hex(rva)} is past the end of the file`);
      return undefined;
    }
    const len = new LeView(this.source.read(rva, 4)).u32(0);
    let n = len;
    if (n > MAX_STRING_BYTES) {
      this.warn(`${what}: string at ${hex(rva)} claims ${len} bytes; read ${MAX_STRING_BYTES}`);
      n = MAX_STRING_BYTES;
    }
    if (rva + 4 + n > this.source.size) {
      this.warn(`${what}: string at ${hex(rva)} runs past the end of the file; cut`);
      n = this.source.size - rva - 4;
    }
    if (!this.spend(n + 4)) return undefined;
    return decodeUtf16(this.source.read(rva + 4, n));
  }

  private context(size: number, rva: number, what: string): ThreadContext | undefined {
    if (size === 0 || rva === 0) {
      this.warn(`${what}: no context in the dump`);
      return undefined;
    }
    const bytes = this.readFile(rva, Math.min(size, MAX_CONTEXT_BYTES), `${what} context`);
    let arch: DumpArch = this.systemInfo()?.arch ?? "unknown";
    const guess = guessContextArch(bytes);
    if (arch === "unknown") arch = guess;
    else if (guess !== "unknown" && guess !== arch && !flagsSay(bytes, arch)) {
      this.warn(`${what}: SystemInfo says ${arch} but the ${bytes.length}-byte context looks ${guess}; read as ${guess}`);
      arch = guess;
    }
    const features = this.miscInfo()?.xstateFeatures;
    return parseContext(bytes, arch, { warn: (m) => this.warn(m), what, ...(features ? { xstateFeatures: features } : {}) });
  }

  /** Whether `length` bytes at file offset `rva` equal the already-kept memory at `address` (a duplicate capture). */
  private sameBytes(kept: readonly MemoryDescriptor[], address: bigint, rva: number, length: number): boolean {
    if (length > this.compareBudget) return false;
    this.compareBudget -= length;
    const r = kept[this.lastRangeAtOrBelow(kept, address)];
    if (!r || address + BigInt(length) > r.start + BigInt(r.size)) return false;
    const a = this.source.read(r.rva + Number(address - r.start), length);
    const b = this.source.read(rva, length);
    return a.length === length && b.length === length && Buffer.compare(a, b) === 0;
  }

  private lastRangeAtOrBelow(ranges: readonly MemoryDescriptor[], address: bigint): number {
    let lo = 0;
    let hi = ranges.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = ranges[mid];
      if (r && r.start <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/** Whether a context's ContextFlags carry the CPU bit of `arch` (CONTEXT_i386 / _AMD64 / _ARM64). */
function flagsSay(bytes: Uint8Array, arch: "x86" | "x64" | "arm64"): boolean {
  const v = new LeView(bytes);
  const at = arch === "x64" ? 0x30 : 0;
  return v.has(at, 4) && archFromContextFlags(v.u32(at)) === arch;
}

/** An EXCEPTION_RECORD32 (80 bytes) rewritten in the 64-bit MINIDUMP_EXCEPTION layout. */
function widenRecord32(v: LeView): LeView {
  const out = new Uint8Array(152);
  const w = new DataView(out.buffer);
  w.setUint32(0, v.u32(0), true);
  w.setUint32(4, v.u32(4), true);
  w.setBigUint64(8, BigInt(v.u32(8)), true);
  w.setBigUint64(16, BigInt(v.u32(12)), true);
  w.setUint32(24, v.u32(16), true);
  for (let i = 0; i < 15; i++) w.setBigUint64(32 + i * 8, BigInt(v.u32(20 + i * 4)), true);
  return new LeView(out);
}

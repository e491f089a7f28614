/**
 * The stream writers of the synthetic minidump builder (minidump-synth.ts): turns a DumpModel into bytes
 * plus a layout. Structure sizes and field orders follow minidumpapiset.h as documented on Microsoft Learn
 * (all structures there are 4-byte packed): MINIDUMP_THREAD 48 bytes, MINIDUMP_THREAD_EX 64,
 * MINIDUMP_MODULE 108, MINIDUMP_UNLOADED_MODULE 24, MINIDUMP_MEMORY_DESCRIPTOR 16 (64-bit: 16),
 * MINIDUMP_EXCEPTION_STREAM 168, MINIDUMP_SYSTEM_INFO 56, MINIDUMP_HANDLE_DESCRIPTOR 32 (_2: 40),
 * MINIDUMP_MEMORY_INFO 48, MINIDUMP_THREAD_INFO 64, MINIDUMP_THREAD_NAME 12.
 */
import { ascii, ByteSink, fixedFileInfo, rsdsRecord, utf16le, wordsToBytes } from "./bytes";
import { encodeContext, POINTER_REGISTERS } from "./context";
import {
  DIRECTORY_ENTRY_SIZE, HEADER_SIZE, MINIDUMP_SIGNATURE, MINIDUMP_VERSION, MiniDumpType, StreamType,
  type DumpModel, type MemoryLayout, type StreamLayout, type SynthLayout, type ThreadSpec,
} from "./index";

/** MINIDUMP_MISC_INFO sizes by version. */
export const MISC_INFO_SIZE: Readonly<Record<1 | 2 | 3 | 4 | 5, number>> = { 1: 24, 2: 44, 3: 232, 4: 832, 5: 1364 };

const PROCESSOR_ARCHITECTURE = { x86: 0, x64: 9, arm64: 12 } as const;

interface StackPlan {
  readonly threadId: number;
  readonly start: bigint;
  readonly bytes: Uint8Array;
  readonly where: "thread" | "memory-list" | "memory64";
  readonly only: boolean;
  rva: number | undefined;
}

interface ThreadLayoutW { id: number; entryOffset: number; contextOffset: number; contextSize: number; stack: { start: bigint; size: number; rva: number } }
interface ModuleLayoutW { path: string; entryOffset: number; nameRva: number; cvRva: number; cvSize: number }

/** MINIDUMP_STREAM_TYPE spellings where they differ from `<Key>Stream`. */
const OFFICIAL_NAMES: Record<string, string> = { Unused: "UnusedStream", CommentA: "CommentStreamA", CommentW: "CommentStreamW" };

function streamName(type: number): string {
  for (const [name, value] of Object.entries(StreamType)) if (value === type) return OFFICIAL_NAMES[name] ?? `${name}Stream`;
  return `Unknown(0x${type.toString(16)})`;
}

/** Writes a UTF-16 string into a fixed WCHAR[n] field (NUL-terminated, so at most n-1 characters). */
function fixedWide(sink: ByteSink, offset: number, chars: number, text: string, what: string): void {
  if (text.length > chars - 1) throw new Error(`minidump-synth: ${what} longer than ${chars - 1} characters`);
  sink.bytes(offset, utf16le(text));
}

export function writeDump(m: DumpModel): { bytes: Uint8Array; layout: SynthLayout } {
  const arch = m.options.arch;
  const pointerSize = arch === "x86" ? 4 : 8;
  const sink = new ByteSink();
  const storage = m.options.stackStorage ?? "memory-list";
  const deferred: (() => void)[] = [];
  const threadLayouts: ThreadLayoutW[] = [];
  const moduleLayouts: ModuleLayoutW[] = [];
  const memoryLayouts: MemoryLayout[] = [];
  let exceptionLayout: { contextOffset: number; contextSize: number } | undefined;
  let memory64BaseRva: number | undefined;

  // ---- plan where each stack's bytes live
  const stacks = new Map<number, StackPlan>();
  for (const t of m.threads) {
    if (!t.stack) continue;
    const bytes = "bytes" in t.stack ? t.stack.bytes : wordsToBytes(t.stack.words ?? [], pointerSize, t.stack.size);
    const only = t.stackInMemoryListOnly ?? false;
    const where = storage === "thread-only" ? (only ? "memory-list" : "thread") : storage;
    stacks.set(t.id, { threadId: t.id, start: t.stack.start, bytes, where, only, rva: undefined });
  }
  const memList = [
    ...[...stacks.values()].filter((s) => s.where === "memory-list").map((s) => ({ start: s.start, bytes: s.bytes, stack: s })),
    ...m.memory.map((r) => ({ start: r.start, bytes: r.bytes, stack: undefined })),
  ];
  const mem64 = [
    ...[...stacks.values()].filter((s) => s.where === "memory64").map((s) => ({ start: s.start, bytes: s.bytes, stack: s })),
    ...m.memory64.map((r) => ({ start: r.start, bytes: r.bytes, stack: undefined })),
  ];

  const threadRegisters = (t: ThreadSpec): Record<string, bigint> => {
    const regs: Record<string, bigint> = { ...(t.registers ?? {}) };
    const sp = POINTER_REGISTERS[arch].sp;
    if (t.stack && regs[sp] === undefined) regs[sp] = t.stack.start;
    return regs;
  };
  const putContext = (regs: Record<string, bigint>, contextFlags?: number, raw?: Uint8Array): { offset: number; size: number } => {
    const bytes = raw ?? encodeContext(arch, { registers: regs, contextFlags });
    return { offset: sink.put(bytes, 16), size: bytes.length };
  };

  // ---- the streams, in the order Windows writes them
  type Writer = { type: number; write(): { offset: number; size: number } };
  const writers: Writer[] = [];
  const add = (type: number, present: boolean, write: () => { offset: number; size: number }): void => {
    if (present && !m.omitted.has(type)) writers.push({ type, write });
  };
  const threadInfoWanted = m.threads.some((t) => t.times !== undefined);

  add(m.options.threadListEx ? StreamType.ThreadExList : StreamType.ThreadList, true, () => {
    const ex = m.options.threadListEx ?? false;
    const entrySize = ex ? 64 : 48;
    const at = sink.alloc(4 + entrySize * m.threads.length, 8);
    sink.u32(at, m.threads.length);
    m.threads.forEach((t, i) => {
      const e = at + 4 + i * entrySize;
      sink.u32(e, t.id);
      sink.u32(e + 4, t.suspendCount ?? 0);
      sink.u32(e + 8, t.priorityClass ?? 0x20);
      sink.u32(e + 12, t.priority ?? 0);
      sink.u64(e + 16, t.teb ?? 0n);
      const layout: ThreadLayoutW = { id: t.id, entryOffset: e, contextOffset: 0, contextSize: 0, stack: { start: 0n, size: 0, rva: 0 } };
      threadLayouts.push(layout);
      if (!t.noContext) {
        const ctx = putContext(threadRegisters(t), t.contextFlags, t.contextBytes);
        sink.u32(e + 40, ctx.size);
        sink.u32(e + 44, ctx.offset);
        layout.contextOffset = ctx.offset;
        layout.contextSize = ctx.size;
      }
      const plan = stacks.get(t.id);
      if (plan) {
        sink.u64(e + 24, plan.start);
        sink.u32(e + 32, plan.bytes.length);
        layout.stack = { start: plan.start, size: plan.bytes.length, rva: 0 };
        if (!plan.only && plan.where !== "memory64") plan.rva = sink.put(plan.bytes, 16);
        if (plan.rva !== undefined) {
          sink.u32(e + 36, plan.rva);
          layout.stack.rva = plan.rva;
        } else if (!plan.only) {
          deferred.push(() => { sink.u32(e + 36, plan.rva ?? 0); layout.stack.rva = plan.rva ?? 0; });
        }
      }
      if (ex && t.backingStore) {
        sink.u64(e + 48, t.backingStore.start);
        sink.u32(e + 56, t.backingStore.bytes.length);
        sink.u32(e + 60, sink.put(t.backingStore.bytes, 16));
      }
    });
    return { offset: at, size: 4 + entrySize * m.threads.length };
  });

  const named = m.threads.filter((t) => t.name !== undefined);
  add(StreamType.ThreadNames, named.length > 0, () => {
    const at = sink.alloc(4 + 12 * named.length, 8);
    sink.u32(at, named.length);
    named.forEach((t, i) => {
      sink.u32(at + 4 + 12 * i, t.id);
      sink.u64(at + 4 + 12 * i + 4, BigInt(sink.minidumpString(t.name ?? "")));
    });
    return { offset: at, size: 4 + 12 * named.length };
  });

  add(StreamType.ModuleList, true, () => {
    const at = sink.alloc(4 + 108 * m.modules.length, 8);
    sink.u32(at, m.modules.length);
    m.modules.forEach((mod, i) => {
      const e = at + 4 + 108 * i;
      sink.u64(e, mod.base);
      sink.u32(e + 8, mod.size);
      sink.u32(e + 12, mod.checksum ?? 0);
      sink.u32(e + 16, mod.timestamp ?? 0x5f000000);
      const nameRva = sink.minidumpString(mod.name);
      sink.u32(e + 20, nameRva);
      if (mod.version !== undefined) {
        const fileType = mod.fileType ?? (/\.exe$/i.test(mod.name) ? 1 : 2);
        sink.bytes(e + 24, fixedFileInfo({ fileVersion: mod.version, productVersion: mod.productVersion, fileFlags: mod.fileFlags, fileType }));
      }
      const cv = mod.codeView ?? (mod.pdb ? rsdsRecord(mod.pdb) : undefined);
      const layout: ModuleLayoutW = { path: mod.name, entryOffset: e, nameRva, cvRva: 0, cvSize: 0 };
      if (cv) {
        layout.cvRva = sink.put(cv, 4);
        layout.cvSize = cv.length;
        sink.u32(e + 76, cv.length);
        sink.u32(e + 80, layout.cvRva);
      }
      if (mod.miscRecord) {
        sink.u32(e + 84, mod.miscRecord.length);
        sink.u32(e + 88, sink.put(mod.miscRecord, 4));
      }
      moduleLayouts.push(layout);
    });
    return { offset: at, size: 4 + 108 * m.modules.length };
  });

  add(StreamType.UnloadedModuleList, m.unloaded.length > 0, () => {
    const at = sink.alloc(12 + 24 * m.unloaded.length, 8);
    sink.u32(at, 12);
    sink.u32(at + 4, 24);
    sink.u32(at + 8, m.unloaded.length);
    m.unloaded.forEach((u, i) => {
      const e = at + 12 + 24 * i;
      sink.u64(e, u.base);
      sink.u32(e + 8, u.size);
      sink.u32(e + 12, u.checksum ?? 0);
      sink.u32(e + 16, u.timestamp ?? 0x5f000000);
      sink.u32(e + 20, sink.minidumpString(u.name));
    });
    return { offset: at, size: 12 + 24 * m.unloaded.length };
  });

  add(StreamType.MemoryList, memList.length > 0, () => {
    const at = sink.alloc(4 + 16 * memList.length, 8);
    sink.u32(at, memList.length);
    memList.forEach((r, i) => {
      const d = at + 4 + 16 * i;
      const rva = r.stack?.rva ?? sink.put(r.bytes, 16);
      if (r.stack) r.stack.rva = rva;
      sink.u64(d, r.start);
      sink.u32(d + 8, r.bytes.length);
      sink.u32(d + 12, rva);
      memoryLayouts.push({ start: r.start, size: r.bytes.length, rva, list: "MemoryList", descriptorOffset: d, stackOf: r.stack?.threadId });
    });
    return { offset: at, size: 4 + 16 * memList.length };
  });

  add(StreamType.Memory64List, mem64.length > 0, () => {
    const at = sink.alloc(16 + 16 * mem64.length, 8);
    sink.u64(at, BigInt(mem64.length));
    mem64.forEach((r, i) => {
      sink.u64(at + 16 + 16 * i, r.start);
      sink.u64(at + 24 + 16 * i, BigInt(r.bytes.length));
    });
    deferred.unshift(() => {
      // The ranges' bytes, back to back from BaseRva, at the end of the file.
      const base = sink.alloc(0, 16);
      memory64BaseRva = base;
      sink.u64(at + 8, BigInt(base));
      mem64.forEach((r, i) => {
        const rva = sink.put(r.bytes, 1);
        if (r.stack) r.stack.rva = rva;
        memoryLayouts.push({ start: r.start, size: r.bytes.length, rva, list: "Memory64List", descriptorOffset: at + 16 + 16 * i, stackOf: r.stack?.threadId });
      });
    });
    return { offset: at, size: 16 + 16 * mem64.length };
  });

  const exc = m.exception;
  add(StreamType.Exception, exc !== undefined, () => {
    if (!exc) throw new Error("unreachable");
    const at = sink.alloc(168, 8);
    const params = exc.parameters ?? [];
    sink.u32(at, exc.threadId);
    sink.u32(at + 8, exc.code);
    sink.u32(at + 12, exc.flags ?? 0);
    sink.u64(at + 16, exc.nestedRecord ?? 0n);
    sink.u64(at + 24, exc.address);
    sink.u32(at + 32, params.length);
    params.forEach((p, i) => sink.u64(at + 40 + 8 * i, p));
    if (!exc.noContext) {
      const thread = m.threads.find((t) => t.id === exc.threadId);
      const regs = exc.registers ? { ...exc.registers } : thread ? threadRegisters(thread) : {};
      const ctx = putContext(regs, exc.contextFlags);
      sink.u32(at + 160, ctx.size);
      sink.u32(at + 164, ctx.offset);
      exceptionLayout = { contextOffset: ctx.offset, contextSize: ctx.size };
    }
    return { offset: at, size: 168 };
  });

  add(StreamType.SystemInfo, true, () => {
    const s = m.systemInfo;
    const os = m.options.os ?? { major: 10, minor: 0, build: 19041 };
    const at = sink.alloc(56, 8);
    sink.u16(at, s.processorArchitecture ?? PROCESSOR_ARCHITECTURE[arch]);
    sink.u16(at + 2, s.processorLevel ?? (arch === "arm64" ? 8 : 6));
    sink.u16(at + 4, s.processorRevision ?? (arch === "arm64" ? 0 : 0x9e0a));
    sink.u8(at + 6, s.processorCount ?? m.options.processorCount ?? 4);
    sink.u8(at + 7, s.productType ?? 1);
    sink.u32(at + 8, s.majorVersion ?? os.major);
    sink.u32(at + 12, s.minorVersion ?? os.minor);
    sink.u32(at + 16, s.buildNumber ?? os.build);
    sink.u32(at + 20, s.platformId ?? 2);
    sink.u16(at + 28, s.suiteMask ?? 0x100);
    if (arch === "x86") {
      const vendor = s.vendor ?? "GenuineIntel";
      if (vendor.length !== 12) throw new Error("minidump-synth: vendor must be 12 characters");
      sink.bytes(at + 32, ascii(vendor));
      sink.u32(at + 44, s.cpuVersion ?? 0x000906ea);
      sink.u32(at + 48, s.cpuFeatures ?? 0xbfebfbff);
      sink.u32(at + 52, s.amdFeatures ?? 0);
    } else {
      sink.u64(at + 32, s.processorFeatures?.[0] ?? 0n);
      sink.u64(at + 40, s.processorFeatures?.[1] ?? 0n);
    }
    sink.u32(at + 24, sink.minidumpString(s.csdVersion ?? os.csd ?? ""));
    return { offset: at, size: 56 };
  });

  const misc = m.misc;
  add(StreamType.MiscInfo, misc !== undefined, () => writeMisc(sink, misc ?? {}));

  const handles = m.handles;
  add(StreamType.HandleData, handles !== undefined, () => {
    const list = handles?.list ?? [];
    const size = handles?.descriptorSize ?? 40;
    const at = sink.alloc(16 + size * list.length, 8);
    sink.u32(at, 16);
    sink.u32(at + 4, size);
    sink.u32(at + 8, list.length);
    list.forEach((h, i) => {
      const e = at + 16 + size * i;
      sink.u64(e, h.handle);
      sink.u32(e + 8, sink.minidumpString(h.type));
      if (h.name !== undefined) sink.u32(e + 12, sink.minidumpString(h.name));
      sink.u32(e + 16, h.attributes ?? 0);
      sink.u32(e + 20, h.grantedAccess ?? 0);
      sink.u32(e + 24, h.handleCount ?? 1);
      sink.u32(e + 28, h.pointerCount ?? 1);
    });
    return { offset: at, size: 16 + size * list.length };
  });

  const infos = m.memoryInfo;
  add(StreamType.MemoryInfoList, infos !== undefined, () => {
    const list = infos ?? [];
    const at = sink.alloc(16 + 48 * list.length, 8);
    sink.u32(at, 16);
    sink.u32(at + 4, 48);
    sink.u64(at + 8, BigInt(list.length));
    list.forEach((r, i) => {
      const e = at + 16 + 48 * i;
      sink.u64(e, r.base);
      sink.u64(e + 8, r.allocationBase ?? r.base);
      sink.u32(e + 16, r.allocationProtect ?? r.protect);
      sink.u64(e + 24, BigInt(r.size));
      sink.u32(e + 32, r.state);
      sink.u32(e + 36, r.protect);
      sink.u32(e + 40, r.type);
    });
    return { offset: at, size: 16 + 48 * list.length };
  });

  add(StreamType.ThreadInfoList, threadInfoWanted, () => {
    const at = sink.alloc(12 + 64 * m.threads.length, 8);
    sink.u32(at, 12);
    sink.u32(at + 4, 64);
    sink.u32(at + 8, m.threads.length);
    m.threads.forEach((t, i) => {
      const e = at + 12 + 64 * i;
      const x = t.times ?? {};
      sink.u32(e, t.id);
      sink.u32(e + 4, x.dumpFlags ?? 0);
      sink.u32(e + 8, x.dumpError ?? 0);
      sink.u32(e + 12, x.exitStatus ?? 0);
      sink.u64(e + 16, x.create ?? 0n);
      sink.u64(e + 24, x.exit ?? 0n);
      sink.u64(e + 32, x.kernel ?? 0n);
      sink.u64(e + 40, x.user ?? 0n);
      sink.u64(e + 48, x.startAddress ?? 0n);
      sink.u64(e + 56, x.affinity ?? 0n);
    });
    return { offset: at, size: 12 + 64 * m.threads.length };
  });

  for (const c of m.comments) {
    add(c.wide ? StreamType.CommentW : StreamType.CommentA, true, () => {
      const text = c.wide ? utf16le(c.text) : ascii(c.text);
      const bytes = new Uint8Array(text.length + (c.wide ? 2 : 1));
      bytes.set(text);
      return { offset: sink.put(bytes, 4), size: bytes.length };
    });
  }

  const bp = m.breakpadInfo;
  add(StreamType.BreakpadInfo, bp !== undefined, () => {
    const at = sink.alloc(12, 4);
    sink.u32(at, (bp?.dumpThreadId !== undefined ? 1 : 0) | (bp?.requestingThreadId !== undefined ? 2 : 0));
    sink.u32(at + 4, bp?.dumpThreadId ?? 0);
    sink.u32(at + 8, bp?.requestingThreadId ?? 0);
    return { offset: at, size: 12 };
  });

  const as = m.assertion;
  add(StreamType.AssertionInfo, as !== undefined, () => {
    // MDRawAssertionInfo: expression, function, file as UTF-16 [128] each, then line and type.
    const at = sink.alloc(776, 4);
    fixedWide(sink, at, 128, as?.expression ?? "", "assertion expression");
    fixedWide(sink, at + 256, 128, as?.function ?? "", "assertion function");
    fixedWide(sink, at + 512, 128, as?.file ?? "", "assertion file");
    sink.u32(at + 768, as?.line ?? 0);
    sink.u32(at + 772, as?.type ?? 0);
    return { offset: at, size: 776 };
  });

  for (const r of m.raw) add(r.type, true, () => ({ offset: sink.put(r.bytes, 8), size: r.bytes.length }));

  // ---- header and directory, then the streams
  const reserved = m.options.reservedStreams ?? 0;
  const count = writers.length + reserved;
  sink.alloc(HEADER_SIZE, 1);
  const dir = sink.alloc(DIRECTORY_ENTRY_SIZE * count, 4);
  const streams: StreamLayout[] = [];
  writers.forEach((w, i) => {
    const { offset, size } = w.write();
    const entry = dir + DIRECTORY_ENTRY_SIZE * i;
    sink.u32(entry, w.type);
    sink.u32(entry + 4, size);
    sink.u32(entry + 8, offset);
    streams.push({ index: i, type: w.type, name: streamName(w.type), offset, size, entryOffset: entry });
  });
  for (let i = writers.length; i < count; i++) {
    streams.push({ index: i, type: 0, name: "Unused", offset: 0, size: 0, entryOffset: dir + DIRECTORY_ENTRY_SIZE * i });
  }
  for (const f of deferred) f();

  const present = (type: number): boolean => writers.some((w) => w.type === type);
  let flags = m.options.flags;
  if (flags === undefined) {
    flags = MiniDumpType.Normal;
    if (present(StreamType.Memory64List)) flags |= MiniDumpType.WithFullMemory;
    if (present(StreamType.HandleData)) flags |= MiniDumpType.WithHandleData;
    if (present(StreamType.UnloadedModuleList)) flags |= MiniDumpType.WithUnloadedModules;
    if (present(StreamType.MemoryInfoList)) flags |= MiniDumpType.WithFullMemoryInfo;
    if (present(StreamType.ThreadInfoList)) flags |= MiniDumpType.WithThreadInfo;
  }
  sink.u32(0, MINIDUMP_SIGNATURE);
  sink.u32(4, (MINIDUMP_VERSION | ((m.options.implementationVersion ?? 0) << 16)) >>> 0);
  sink.u32(8, count);
  sink.u32(12, dir);
  sink.u32(16, m.options.checksum ?? 0);
  sink.u32(20, m.options.timestamp ?? 0x60000000);
  sink.u64(24, flags);

  const bytes = sink.result();
  const layout: SynthLayout = {
    size: bytes.length,
    directory: { offset: dir, count },
    streams,
    threads: threadLayouts,
    modules: moduleLayouts,
    exception: exceptionLayout,
    memory: memoryLayouts,
    memory64BaseRva,
    stream(type: number): StreamLayout {
      const s = streams.find((x) => x.type === type);
      if (!s) throw new Error(`minidump-synth: the dump has no stream of type ${type} (${streamName(type)})`);
      return s;
    },
  };
  return { bytes, layout };
}

/** MINIDUMP_MISC_INFO .. _5: the fields up to the version's size, Flags1 from the fields given. */
function writeMisc(sink: ByteSink, s: NonNullable<DumpModel["misc"]>): { offset: number; size: number } {
  const version = s.version ?? 5;
  const size = MISC_INFO_SIZE[version];
  const at = sink.alloc(size, 8);
  let flags = 0;
  const field = (offset: number, value: number | undefined, flag: number, minVersion: number, what: string): void => {
    if (value === undefined) return;
    if (version < minVersion) throw new Error(`minidump-synth: misc ${what} needs MINIDUMP_MISC_INFO_${minVersion}`);
    sink.u32(at + offset, value);
    flags |= flag;
  };
  field(8, s.processId, 0x1, 1, "processId");
  field(12, s.createTime, 0x2, 1, "createTime");
  field(16, s.userTime, 0x2, 1, "userTime");
  field(20, s.kernelTime, 0x2, 1, "kernelTime");
  field(24, s.processorMaxMhz, 0x4, 2, "processorMaxMhz");
  field(28, s.processorCurrentMhz, 0x4, 2, "processorCurrentMhz");
  field(32, s.processorMhzLimit, 0x4, 2, "processorMhzLimit");
  field(36, s.processorMaxIdleState, 0x4, 2, "processorMaxIdleState");
  field(40, s.processorCurrentIdleState, 0x4, 2, "processorCurrentIdleState");
  field(44, s.processIntegrityLevel, 0x10, 3, "processIntegrityLevel");
  field(48, s.processExecuteFlags, 0x20, 3, "processExecuteFlags");
  field(52, s.protectedProcess, 0x80, 3, "protectedProcess");
  field(56, s.timeZoneId, 0x40, 3, "timeZoneId");
  if (s.timeZone) {
    if (version < 3) throw new Error("minidump-synth: misc timeZone needs MINIDUMP_MISC_INFO_3");
    flags |= 0x40;
    // TIME_ZONE_INFORMATION at 60: Bias, StandardName[32], StandardDate, StandardBias, DaylightName[32], DaylightDate, DaylightBias.
    sink.u32(at + 60, s.timeZone.bias ?? 0);
    fixedWide(sink, at + 64, 32, s.timeZone.standardName ?? "", "time zone standard name");
    fixedWide(sink, at + 148, 32, s.timeZone.daylightName ?? "", "time zone daylight name");
  }
  if (s.buildString !== undefined || s.dbgBuildString !== undefined) {
    if (version < 4) throw new Error("minidump-synth: misc buildString needs MINIDUMP_MISC_INFO_4");
    flags |= 0x100;
    fixedWide(sink, at + 232, 260, s.buildString ?? "", "build string");
    fixedWide(sink, at + 752, 40, s.dbgBuildString ?? "", "debug build string");
  }
  field(1360, s.processCookie, 0x200, 5, "processCookie");
  sink.u32(at, size);
  sink.u32(at + 4, s.flags1 ?? flags);
  return { offset: at, size };
}

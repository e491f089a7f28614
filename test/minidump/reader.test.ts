/**
 * The minidump reader against every real dump in ../shared/testdata, checked field by field against
 * Breakpad's minidump_stackwalk output for the same files, plus known facts, damaged inputs built by
 * mutating real dumps in memory, tiny synthetic dumps for what no real dump has, and a seeded fuzz loop.
 *
 * Privacy: these dumps hold real user data. Assertions use counts, module file names, ids and structure;
 * nothing here prints paths, command lines or environment values.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { type ByteSource, type DumpThread, MinidumpError, type ThreadContext } from "../../src/minidump/types";

const SHARED = path.resolve(import.meta.dirname, "../../../shared/testdata");
const DUMPS = path.join(SHARED, "dumps");
const ORACLE = path.join(SHARED, "oracle", "breakpad-stackwalk");
const ORACLE_PREFIX: Record<string, string> = {
  breakpad: "google-breakpad", electron: "electron-node-minidump", lldb: "llvm-lldb", mozilla: "mozilla-minidump-stackwalk",
  "rust-minidump": "rust-minidump", sentry: "getsentry-sentry-desktop-crash-reporter", symbolic: "getsentry-symbolic",
};

const ALL_DUMPS: string[] = readdirSync(DUMPS)
  .flatMap((dir) => readdirSync(path.join(DUMPS, dir)).filter((f) => f.endsWith(".dmp")).map((f) => `${dir}/${f}`))
  .sort();
const dumpPath = (rel: string): string => path.join(DUMPS, rel);
const bytesCache = new Map<string, Uint8Array>();
/** The whole file, for building damaged copies in memory (the reader itself never loads a whole file). */
function dumpBytes(rel: string): Uint8Array {
  let b = bytesCache.get(rel);
  if (!b) bytesCache.set(rel, (b = new Uint8Array(readFileSync(dumpPath(rel)))));
  return b;
}

// ---------------------------------------------------------------------------------------------------
// Breakpad oracle

interface OracleModule { name: string; version: string; debugFile: string; debugId: string; base: bigint; end: bigint; main: boolean }
interface Oracle {
  os: { platform: string; version: string };
  cpu: { arch: string; info: string; count: number };
  crash?: { reason: string; address: bigint; thread: number };
  modules: OracleModule[];
  threadCount: number;
  /** Breakpad thread index → registers of frame 0 ("given as instruction pointer in context"). */
  frame0: Map<number, Map<string, bigint>>;
}

function readOracle(rel: string): Oracle {
  const [dir, file] = rel.split("/") as [string, string];
  const base = path.join(ORACLE, `${ORACLE_PREFIX[dir]}__${file}`);
  const lines = readFileSync(`${base}.m.txt`, "utf8").split("\n");
  const field = (tag: string): string[] => (lines.find((l) => l.startsWith(`${tag}|`)) ?? "").split("|").slice(1);
  const [platform = "", version = ""] = field("OS");
  const [arch = "", info = "", count = "0"] = field("CPU");
  const [reason = "", address = "", thread = ""] = field("Crash");
  const modules = lines.filter((l) => l.startsWith("Module|")).map((l): OracleModule => {
    const [, name = "", ver = "", debugFile = "", debugId = "", b = "0", e = "0", main = "0"] = l.split("|");
    return { name, version: ver, debugFile, debugId, base: BigInt(b), end: BigInt(e), main: main === "1" };
  });
  const human = readFileSync(`${base}.txt`, "utf8").split("\n");
  const frame0 = new Map<number, Map<string, bigint>>();
  let threadCount = 0;
  for (let i = 0; i < human.length; i++) {
    const m = /^Thread (\d+)/.exec(human[i] ?? "");
    if (!m) continue;
    threadCount++;
    if (!/^\s*0\s+\S/.test(human[i + 1] ?? "")) continue;
    const regs = new Map<string, bigint>();
    for (let j = i + 2; j < human.length && !/Found by/.test(human[j] ?? ""); j++) {
      for (const r of (human[j] ?? "").matchAll(/(\w+) = (0x[0-9a-f]+)/g)) regs.set(r[1] ?? "", BigInt(r[2] ?? "0"));
    }
    frame0.set(Number(m[1]), regs);
  }
  return {
    os: { platform, version },
    cpu: { arch, info, count: Number(count) },
    ...(reason && reason !== "No crash" ? { crash: { reason, address: BigInt(address), thread: Number(thread) } } : {}),
    modules,
    threadCount,
    frame0,
  };
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

/** Breakpad's crash reason text for a Windows exception record (the codes these dumps hold). */
function breakpadReason(code: number, flags: number, params: readonly bigint[]): string {
  switch (code >>> 0) {
    case 0xc0000005: {
      const op = params[0];
      return `EXCEPTION_ACCESS_VIOLATION${op === 0n ? "_READ" : op === 1n ? "_WRITE" : op === 8n ? "_EXEC" : ""}`;
    }
    case 0xc00000fd: return "EXCEPTION_STACK_OVERFLOW";
    case 0x80000003: return "EXCEPTION_BREAKPOINT";
    case 0xc0000409: return params[0] === 7n ? "FAST_FAIL_FATAL_APP_EXIT" : "EXCEPTION_STACK_BUFFER_OVERRUN";
    default: return `0x${hex8(code)} / 0x${hex8(flags)}`;
  }
}

/** Breakpad skips the thread that wrote the dump (BreakpadInfo's dump thread). */
function breakpadThreads(m: Minidump): DumpThread[] {
  const skip = m.breakpadInfo()?.dumpThreadId;
  return m.threads().filter((t) => t.id !== skip);
}

describe.each(ALL_DUMPS)("%s against Breakpad", (rel) => {
  const oracle = readOracle(rel);
  const m = Minidump.openFile(dumpPath(rel));

  it("has the same OS and CPU", () => {
    const si = m.systemInfo();
    expect(si).toBeDefined();
    if (!si) return;
    expect(si.platform).toBe(oracle.os.platform);
    expect(`${si.majorVersion}.${si.minorVersion}.${si.buildNumber} ${si.csdVersion}`).toBe(oracle.os.version);
    expect({ x86: "x86", x64: "amd64", arm64: "arm64", unknown: "?" }[si.arch]).toBe(oracle.cpu.arch);
    expect(si.processorCount).toBe(oracle.cpu.count);
    if (si.arch !== "arm64") {
      const fms = `family ${si.processorLevel} model ${si.processorRevision >> 8} stepping ${si.processorRevision & 0xff}`;
      expect(si.arch === "x86" ? `${si.vendor} ${fms}` : fms).toBe(oracle.cpu.info);
    }
  });

  it("has the same crash", () => {
    const ex = m.exception();
    if (!oracle.crash) {
      expect(ex).toBeUndefined();
      return;
    }
    expect(ex).toBeDefined();
    if (!ex) return;
    const { code, flags, parameters } = ex.record;
    expect(breakpadReason(code, flags, parameters)).toBe(oracle.crash.reason);
    let address = code >>> 0 === 0xc0000005 && parameters.length >= 2 ? (parameters[1] ?? 0n) : ex.record.address;
    if (m.systemInfo()?.arch === "x86") address &= 0xffffffffn;
    expect(address).toBe(oracle.crash.address);
    expect(breakpadThreads(m).findIndex((t) => t.id === ex.threadId)).toBe(oracle.crash.thread);
  });

  it("has the same modules", () => {
    const mods = m.modules();
    expect(mods.length).toBe(oracle.modules.length);
    const byBase = new Map(mods.map((x) => [x.base, x]));
    for (const o of oracle.modules) {
      const mod = byBase.get(o.base);
      expect(mod, `module at 0x${o.base.toString(16)}`).toBeDefined();
      if (!mod) continue;
      const pdb = mod.codeView?.pdbName?.split(/[\\/]/).pop() ?? "";
      expect({ name: mod.name, version: mod.version?.fileVersion ?? "", debugFile: pdb, debugId: mod.codeView?.debugId ?? "", end: mod.base + BigInt(mod.size) - 1n, main: mod === mods[0] })
        .toEqual({ name: o.name, version: o.version, debugFile: o.debugFile, debugId: o.debugId, end: o.end, main: o.main });
      expect(mod.codeId).toMatch(/^[0-9A-F]{8}[0-9a-f]+$/);
    }
  });

  it("has the same threads and frame-0 registers", () => {
    const threads = breakpadThreads(m);
    expect(threads.length).toBe(oracle.threadCount);
    const ex = m.exception();
    for (const [index, regs] of oracle.frame0) {
      const t = threads[index];
      expect(t, `thread ${index}`).toBeDefined();
      const ctx: ThreadContext | undefined = ex && t && ex.threadId === t.id ? ex.context : t?.context;
      expect(ctx, `thread ${index} context`).toBeDefined();
      const ours = Object.fromEntries([...regs.keys()].map((k) => [k, ctx?.registers[k]]));
      expect(ours).toEqual(Object.fromEntries(regs));
    }
  });

  it("reads every stream without exceptions, and every thread stack", () => {
    exerciseAll(m);
    for (const t of m.threads()) expect(m.readMemory(t.stack.start, t.stack.size)?.length, `stack of thread ${t.id}`).toBe(t.stack.size);
    const ranges = m.memoryRanges();
    for (let i = 1; i < ranges.length; i++) expect(ranges[i - 1]!.start + BigInt(ranges[i - 1]!.size) <= ranges[i]!.start).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// Helpers for damaged input

/** Call every accessor (and a few memory reads); none may throw. */
function exerciseAll(m: Minidump): void {
  m.streams();
  m.unknownStreams();
  m.systemInfo();
  m.miscInfo();
  const threads = m.threads();
  m.threadNames();
  m.threadInfo();
  m.modules();
  m.unloadedModules();
  m.exception();
  m.exceptionChain();
  const ranges = m.memoryRanges();
  m.memoryInfo();
  m.handles();
  m.token();
  m.comments();
  m.functionTable();
  m.breakpadInfo();
  m.assertion();
  m.crashpadInfo();
  for (const s of m.streams().slice(0, 4)) m.readStream(s.type);
  for (const t of threads.slice(0, 8)) m.readMemory(t.stack.start, Math.min(t.stack.size, 4096));
  for (const r of ranges.slice(0, 8)) {
    m.readMemory(r.start, r.size);
    m.readMemory(r.start + BigInt(r.size) - 8n, 64);
    m.rangeAt(r.start);
  }
  m.readMemory(0xffff_ffff_ffff_fff0n, 64);
  m.readMemory(0n, 1);
  expect(Array.isArray(m.warnings)).toBe(true);
}

/** Open damaged bytes: a MinidumpError at open is fine; otherwise every accessor must return. */
function openDamaged(bytes: Uint8Array | ByteSource): Minidump | MinidumpError {
  let m: Minidump;
  try {
    m = Minidump.open(bytes instanceof Uint8Array ? bufferSource(bytes) : bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(MinidumpError);
    expect(String((e as Error).message)).not.toContain("\n");
    return e as MinidumpError;
  }
  exerciseAll(m);
  return m;
}

const u32 = (b: Uint8Array, o: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
const setU32 = (b: Uint8Array, o: number, v: number): void => new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(o, v >>> 0, true);
const setU64 = (b: Uint8Array, o: number, v: bigint): void => new DataView(b.buffer, b.byteOffset, b.byteLength).setBigUint64(o, v, true);
function streamOf(b: Uint8Array, type: number): { entry: number; rva: number; size: number } {
  const count = u32(b, 8);
  const dir = u32(b, 12);
  for (let i = 0; i < count; i++) {
    if (u32(b, dir + i * 12) === type) return { entry: dir + i * 12, size: u32(b, dir + i * 12 + 4), rva: u32(b, dir + i * 12 + 8) };
  }
  throw new Error(`stream ${type} not in the test dump`);
}


// ---------------------------------------------------------------------------------------------------
// Known facts

const open = (rel: string): Minidump => Minidump.openFile(dumpPath(rel));

describe("known facts", () => {
  it("lldb fizzbuzz_no_heap: pid 4440, one thread, access violation, the only ThreadInfoList", () => {
    const m = open("lldb/fizzbuzz_no_heap.dmp");
    expect(m.miscInfo()?.processId).toBe(4440);
    expect(m.miscInfo()?.version).toBe(3);
    expect(m.threads()).toHaveLength(1);
    expect(m.exception()?.record.code).toBe(0xc0000005);
    const info = [...m.threadInfo().values()];
    expect(info).toHaveLength(1);
    expect(info[0]?.threadId).toBe(m.threads()[0]?.id);
    expect(info[0]?.kernelTime).toBe(0n);
    expect(m.warnings).toEqual([]);
  });

  it("lldb sigsegv: faults at 0x7ff7a13110d9 (record address and the exception context's rip)", () => {
    const m = open("lldb/sigsegv.dmp");
    const ex = m.exception();
    expect(ex?.record.address).toBe(0x7ff7a13110d9n);
    expect(ex?.context?.arch).toBe("x64");
    expect(ex?.context?.registers.rip).toBe(0x7ff7a13110d9n);
  });

  it("breakpad thread_name_list: names for threads of the thread list", () => {
    const m = open("breakpad/thread_name_list.dmp");
    const names = m.threadNames();
    expect(names.size).toBeGreaterThan(0);
    const ids = new Set(m.threads().map((t) => t.id));
    for (const id of names.keys()) expect(ids.has(id)).toBe(true);
    for (const name of names.values()) expect(name.length).toBeGreaterThan(0);
  });

  it("breakpad tiny-exe-with-cet-xsave: handles, memory info, an unloaded module, no exception, CET shadow stack pointer", () => {
    const m = open("breakpad/tiny-exe-with-cet-xsave.dmp");
    expect(m.exception()).toBeUndefined();
    expect(m.handles()?.length).toBeGreaterThan(0);
    expect(m.memoryInfo()?.length).toBeGreaterThan(0);
    expect(m.unloadedModules()).toHaveLength(1);
    const ctx = m.threads()[0]?.context;
    expect(ctx?.arch).toBe("x64");
    expect(ctx?.xstate?.features).toContain("CET_U");
    expect(ctx?.xstate?.mask).toBe(0x800n);
    expect(ctx?.xstate?.ssp).toBe(0xcbc83fefc8n);
    // The shadow stack pointer points into a captured region of memory-info's committed pages.
    const ssp = ctx?.xstate?.ssp ?? 0n;
    expect(m.memoryInfo()?.some((r) => r.base <= ssp && ssp < r.base + r.regionSize && r.state === 0x1000)).toBe(true);
    expect(m.warnings).toEqual([]);
  });

  it("breakpad tiny-exe-with-cet-xsave-x86: a WOW64 dump with extended x86 contexts", () => {
    const m = open("breakpad/tiny-exe-with-cet-xsave-x86.dmp");
    expect(m.systemInfo()?.arch).toBe("x86");
    expect(m.modules().some((x) => x.name.toLowerCase() === "wow64cpu.dll")).toBe(true);
    for (const t of m.threads()) {
      expect(t.context?.arch).toBe("x86");
      expect(t.context?.registers.eip).toBeGreaterThan(0n);
      const xs = t.context?.xstate as { saved?: bigint; compacted?: boolean; ssp?: bigint } | undefined;
      expect(xs?.compacted).toBe(true);
      expect(xs?.saved).toBe(0x804n); // AVX and CET_U laid out, both in their initial state
      expect(xs?.ssp).toBe(0n);
    }
    expect(m.warnings).toEqual([]);
  });

  it("sentry minidump.dmp: the exception context carries AVX state", () => {
    const m = open("sentry/minidump.dmp");
    expect(m.exception()?.context?.xstate?.features).toContain("AVX");
    expect(m.threads()[0]?.context?.xstate?.features).toContain("CET_U");
    expect(m.header.flagNames).toContain("MiniDumpWithAvxXStateContext");
  });

  it("sentry crashpad-from-envelope: 448 handles, 5 unloaded modules, 102 modules, an unknown stream", () => {
    const m = open("sentry/crashpad-from-envelope.dmp");
    expect(m.handles()).toHaveLength(448);
    expect(m.handles()?.every((h) => h.objectInfoRva === undefined && h.objectName === undefined)).toBe(true);
    expect(m.handles()?.filter((h) => h.typeName).length).toBeGreaterThan(0);
    expect(m.unloadedModules()).toHaveLength(5);
    expect(m.modules()).toHaveLength(102);
    expect(m.unknownStreams().map((s) => s.name)).toEqual(["Unknown(0x53790001)"]);
    expect(m.crashpadInfo()?.version).toBe(1);
    expect(m.systemInfo()?.buildNumber).toBe(26200);
    expect(m.miscInfo()?.version).toBe(4);
    expect(m.warnings).toEqual([]);
  });

  it.each(["mozilla/windows-x86.dmp", "mozilla/windows-x86_64.dmp"])("%s: stacks stored only in the memory list are readable", (rel) => {
    const m = open(rel);
    const onlyInList = m.threads().filter((t) => t.stack.rva === 0);
    expect(onlyInList.length).toBeGreaterThan(50);
    for (const t of onlyInList) {
      const bytes = m.readMemory(t.stack.start, t.stack.size);
      expect(bytes?.length).toBe(t.stack.size);
      const sp = t.context?.registers[m.systemInfo()?.arch === "x86" ? "esp" : "rsp"] ?? 0n;
      expect(sp >= t.stack.start && sp <= t.stack.start + BigInt(t.stack.size)).toBe(true);
    }
  });

  it("mozilla: thread names, unloaded modules, memory info, MiscInfo 5 with a build string", () => {
    for (const rel of ["mozilla/windows-x86.dmp", "mozilla/windows-x86_64.dmp", "mozilla/windows-aarch64.dmp"]) {
      const m = open(rel);
      expect(m.threadNames().size).toBeGreaterThan(80);
      expect(m.unloadedModules()).toHaveLength(2);
      expect(m.memoryInfo()?.length).toBeGreaterThan(2000);
      const misc = m.miscInfo();
      expect(misc?.version).toBe(5);
      expect(misc?.buildString).toMatch(/^\d+\.\d+\./);
      expect(misc?.processUserTime).toBeGreaterThanOrEqual(0);
      expect(m.warnings).toEqual([]);
    }
  });

  it("rust-minidump invalid-parameter and electron: Breakpad assertion stream; electron: a function table", () => {
    const a = open("rust-minidump/invalid-parameter.dmp").assertion();
    expect(a).toBeDefined();
    expect(typeof a?.expression).toBe("string");
    const e = open("electron/windows.dmp");
    expect(e.assertion()).toBeDefined();
    expect(e.functionTable()?.tables).toHaveLength(1);
    expect(e.functionTable()?.entrySize).toBe(12);
    expect(open("sentry/minidump.dmp").functionTable()?.tables.map((t) => t.entryCount)).toEqual([4, 1, 1]);
  });

  it("minidump2: MINIDUMP_MISC_INFO version 1, Breakpad info with the dump thread", () => {
    const m = open("breakpad/minidump2.dmp");
    expect(m.miscInfo()?.version).toBe(1);
    expect(m.breakpadInfo()?.dumpThreadId).toBe(m.threads()[1]?.id);
    expect(m.modules()[0]?.codeId).toMatch(/^[0-9A-F]{8}[0-9a-f]+$/);
    expect(m.modules()[0]?.codeView?.kind).toBe("RSDS");
  });

  it("real dumps give warnings only where they are damaged", () => {
    const noisy: Record<string, string[]> = {};
    for (const rel of ALL_DUMPS) {
      const m = open(rel);
      exerciseAll(m);
      if (m.warnings.length) noisy[rel] = [...m.warnings];
      m.close();
    }
    // exec_av_on_stack's instruction window lies inside its stack range with the same bytes: not damage.
    expect(Object.keys(noisy).sort()).toEqual(["sentry/minidump.dmp"]);
    expect(noisy["sentry/minidump.dmp"]).toEqual([expect.stringMatching(/^the exception: CONTEXT_EX XState chunk runs \d+ bytes past the context/)]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Tiny synthetic dumps for what no real dump holds (Memory64List, comments, touching ranges, ...)

class W {
  private readonly parts: number[] = [];
  u8(v: number): this { this.parts.push(v & 0xff); return this; }
  u16(v: number): this { return this.u8(v).u8(v >>> 8); }
  u32(v: number): this { return this.u16(v & 0xffff).u16(v >>> 16); }
  u64(v: bigint | number): this { const b = BigInt(v); return this.u32(Number(b & 0xffffffffn)).u32(Number((b >> 32n) & 0xffffffffn)); }
  bytes(b: Iterable<number>): this { for (const x of b) this.u8(x); return this; }
  fill(n: number, v = 0): this { for (let i = 0; i < n; i++) this.u8(v); return this; }
  utf16(s: string): this { for (const ch of s) this.u16(ch.charCodeAt(0)); return this; }
  get length(): number { return this.parts.length; }
  done(): Uint8Array { return Uint8Array.from(this.parts); }
}

/** A minidump with the given streams; `build` places stream data and extra bytes through `put`, which returns file offsets. */
function synth(build: (put: (b: Uint8Array | W) => number) => [type: number, rva: number, size: number][], streamCount = 8): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 32 + streamCount * 12;
  const put = (b: Uint8Array | W): number => {
    const bytes = b instanceof W ? b.done() : b;
    const at = size;
    chunks.push(bytes);
    size += bytes.length;
    return at;
  };
  const dir = build(put);
  const out = new Uint8Array(size);
  out.set(new W().u32(0x504d444d).u32(0xa793).u32(streamCount).u32(32).u32(0).u32(0x5f000000).u64(0).done());
  dir.forEach(([type, rva, len], i) => out.set(new W().u32(type).u32(len).u32(rva).done(), 32 + i * 12));
  let at = 32 + streamCount * 12;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
const stream = (put: (b: Uint8Array | W) => number, type: number, w: W): [number, number, number] => [type, put(w), w.length];
const minidumpString = (s: string): W => new W().u32(s.length * 2).utf16(s).u16(0);
const x64SystemInfo = (): W => new W().u16(9).u16(6).u16(0x3d04).u8(8).u8(1).u32(10).u32(0).u32(19041).u32(2).u32(0).u16(0).u16(0).fill(24);

describe("synthetic dumps", () => {
  it("Memory64List: consecutive data, touching ranges stitched, gaps and tails refused", () => {
    const data = new Uint8Array(0x210).map((_, i) => i & 0xff);
    const bytes = synth((put) => {
      const list = new W().u64(3).u64(0); // BaseRva patched below
      list.u64(0x5000).u64(0x10).u64(0x1000).u64(0x100).u64(0x1100).u64(0x100);
      const listBytes = list.done();
      const listAt = put(listBytes);
      const base = put(data);
      new DataView(listBytes.buffer).setBigUint64(8, BigInt(base), true);
      return [[9, listAt, listBytes.length]];
    });
    const m = Minidump.open(bufferSource(bytes));
    expect(m.memoryRanges().map((r) => [r.start, r.size])).toEqual([[0x1000n, 0x100], [0x1100n, 0x100], [0x5000n, 0x10]]);
    expect(m.readMemory(0x10f0n, 0x20)).toEqual(data.slice(0x10 + 0xf0, 0x10 + 0x110));
    expect(m.readMemory(0x1000n, 0x200)).toEqual(data.slice(0x10, 0x210));
    expect(m.readMemory(0x5000n, 0x10)).toEqual(data.slice(0, 0x10));
    expect(m.readMemory(0x11f0n, 0x20)).toBeUndefined();
    expect(m.readMemory(0xff0n, 0x20)).toBeUndefined();
    expect(m.readMemory(0x1000n, 0)).toEqual(new Uint8Array(0));
    expect(m.readMemory(0x1000n, 2 ** 40)).toBeUndefined();
    expect(m.rangeAt(0x1180n)?.start).toBe(0x1100n);
    expect(m.rangeAt(0x2000n)).toBeUndefined();
    expect(m.warnings).toEqual([]);
  });

  it("Memory64List with absurd counts and sizes is cut to the file", () => {
    const bytes = synth((put) => {
      const dataAt = put(new Uint8Array(64).fill(7));
      return [stream(put, 9, new W().u64(0xffff_ffff_ffffn).u64(dataAt).u64(0x7000).u64(0xffff_ffff_0000n))];
    });
    const m = Minidump.open(bufferSource(bytes));
    expect(m.memoryRanges()).toHaveLength(1);
    expect(m.memoryRanges()[0]?.size).toBeLessThanOrEqual(bytes.length);
    expect(m.readMemory(0x7000n, 16)).toEqual(new Uint8Array(16).fill(7));
    expect(m.warnings.join("\n")).toMatch(/claims 281474976710655 entries/);
    expect(m.warnings.join("\n")).toMatch(/file ends/);
  });

  it("overlapping memory ranges with different bytes: the earlier wins, with a warning", () => {
    const bytes = synth((put) => {
      const a = put(new Uint8Array(0x100).fill(0xaa));
      const b = put(new Uint8Array(0x100).fill(0xbb));
      return [stream(put, 5, new W().u32(2).u64(0x1080).u32(0x100).u32(b).u64(0x1000).u32(0x100).u32(a))];
    });
    const m = Minidump.open(bufferSource(bytes));
    expect(m.memoryRanges().map((r) => [r.start, r.size])).toEqual([[0x1000n, 0x100], [0x1100n, 0x80]]);
    expect(m.readMemory(0x10f0n, 0x20)).toEqual(Uint8Array.from([...new Array(16).fill(0xaa), ...new Array(16).fill(0xbb)]));
    expect(m.warnings).toEqual([expect.stringMatching(/1 memory range\(s\) overlap/)]);
  });

  it("strings: absurd lengths are cut, RVA64 names past the end are skipped, comments decode", () => {
    const bytes = synth((put) => {
      const name = put(new W().u32(0x7fff_fffe).utf16("a.dll"));
      const module = new W().u32(1).u64(0x10000).u32(0x1000).u32(0).u32(0x5f000000).u32(name).fill(52).fill(32);
      const good = put(minidumpString("main"));
      const names = new W().u32(3).u32(1).u64(good).u32(2).u64(0xffff_ffff_0000n).u32(3).u64(0);
      return [
        stream(put, 4, module),
        stream(put, 24, names),
        stream(put, 10, new W().bytes(Buffer.from("hello\0junk"))),
        stream(put, 11, new W().utf16("wide\0x")),
        stream(put, 0x47670001, new W().u32(3).u32(11).u32(22)),
      ];
    });
    const m = Minidump.open(bufferSource(bytes));
    expect(m.modules()[0]?.name.startsWith("a.dll")).toBe(true);
    expect(m.modules()[0]?.codeId).toBe("5F0000001000");
    expect(m.modules()[0]?.version).toBeUndefined();
    expect([...m.threadNames()]).toEqual([[1, "main"]]);
    expect(m.comments()).toEqual({ ascii: "hello", wide: "wide" });
    expect(m.breakpadInfo()).toEqual({ dumpThreadId: 11, requestingThreadId: 22 });
    expect(m.warnings.join("\n")).toMatch(/claims 2147483646 bytes/);
    expect(m.warnings.join("\n")).toMatch(/thread 0x2 name at 0xffffffff0000 is past the end/);
  });

  it("nested exception records: followed through memory, cycles stop with a warning", () => {
    const record = (nested: bigint, code: number): W => new W().u32(code).u32(1).u64(nested).u64(0x4000).u32(2).u32(0).u64(1).u64(0x20).fill(13 * 8);
    const bytes = synth((put) => {
      const mem = put(new W().bytes(record(0x2098n, 0xc0000001).done()).bytes(record(0x2000n, 0xc0000002).done()));
      const ex = new W().u32(42).u32(0).bytes(record(0x2000n, 0xc0000005).done()).u32(0).u32(0);
      return [stream(put, 7, x64SystemInfo()), stream(put, 6, ex), stream(put, 5, new W().u32(1).u64(0x2000).u32(0x130).u32(mem))];
    });
    const m = Minidump.open(bufferSource(bytes));
    expect(m.exception()?.record.parameters).toEqual([1n, 0x20n]);
    expect(m.exception()?.context).toBeUndefined();
    expect(m.exceptionChain().map((r) => r.code.toString(16))).toEqual(["c0000005", "c0000001", "c0000002"]);
    expect(m.warnings).toEqual(["the exception: no context in the dump", expect.stringMatching(/cycle at 0x2000/)]);
  });

  it("MiscInfo versions by size; ThreadExList alone gives threads with backing stores; handle descriptor _2", () => {
    for (const [size, version] of [[24, 1], [44, 2], [232, 3], [832, 4], [1364, 5]] as const) {
      const m = Minidump.open(bufferSource(synth((put) => [stream(put, 15, new W().u32(size).u32(1).u32(77).fill(size - 12))])));
      expect(m.miscInfo()).toMatchObject({ version, processId: 77 });
    }
    const bytes = synth((put) => {
      const typeName = put(minidumpString("Event"));
      const handles = new W().u32(16).u32(40).u32(1).u32(0).u64(0x44).u32(typeName).u32(0).u32(0).u32(0x1f0003).u32(1).u32(2).u32(0x99).u32(0);
      const thread = new W().u32(1).u32(1).u32(7).u32(0x20).u32(0).u64(0x7ffe0000).u64(0x3000).u32(0).u32(0).u32(0).u32(0).u64(0x9000).u32(0x10).u32(0);
      return [stream(put, 8, thread), stream(put, 12, handles)];
    });
    const m = Minidump.open(bufferSource(bytes));
    expect(m.threads()).toHaveLength(1);
    expect(m.threads()[0]).toMatchObject({ id: 1, suspendCount: 7, teb: 0x7ffe0000n, backingStore: { start: 0x9000n, size: 0x10 }, context: undefined });
    expect(m.handles()).toEqual([{ handle: 0x44n, typeName: "Event", attributes: 0, grantedAccess: 0x1f0003, handleCount: 1, pointerCount: 2, objectInfoRva: 0x99 }]);
    expect(m.handles()).toBe(m.handles()); // cached
    const tokens = synth((put) => [stream(put, 19, new W().u32(56).u32(3).u32(16).u32(16).u32(24).u32(4440).u64(0x80).fill(8).u32(16).u32(17).u64(0x84).u32(2).u32(9))]);
    const t = Minidump.open(bufferSource(tokens));
    expect(t.token()).toEqual({ count: 3, entries: [{ tokenId: 4440, size: 24 }, { tokenId: 17, size: 16 }] });
    expect(t.warnings).toEqual([expect.stringMatching(/TokenStream: claims 3 tokens but the stream ends after 2/)]);
  });

  it("open refuses what is not a minidump, with one-line reasons", () => {
    const good = synth(() => [], 1);
    const reasons = (b: Uint8Array): string => {
      try {
        Minidump.open(bufferSource(b));
        return "opened";
      } catch (e) {
        expect(e).toBeInstanceOf(MinidumpError);
        return (e as Error).message;
      }
    };
    expect(reasons(new Uint8Array(0))).toBe("not a minidump: the file is empty");
    expect(reasons(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]))).toBe("not a minidump: the file starts with 'PK\\x03\\x04' (expected 'MDMP')");
    expect(reasons(good.slice(0, 20))).toBe("truncated: the 20-byte file is shorter than the 32-byte minidump header");
    const badVersion = good.slice();
    setU32(badVersion, 4, 0x1234);
    expect(reasons(badVersion)).toMatch(/^not a minidump: version 0x1234/);
    const longDir = good.slice();
    setU32(longDir, 8, 12);
    expect(reasons(longDir)).toBe(`truncated: the stream directory (12 entries at 0x20) runs past the end of the ${good.length}-byte file`);
    const hugeDir = good.slice();
    setU32(hugeDir, 8, 0xffffffff);
    expect(reasons(hugeDir)).toMatch(/^damaged header: it claims 4294967295 streams/);
    expect(reasons(good)).toBe("opened");
    expect(() => Minidump.openFile(path.join(SHARED, "no-such.dmp"))).toThrow(MinidumpError);
    expect(() => Minidump.openFile(path.join(SHARED, "README.md"))).toThrow(/^not a minidump: the file starts with '# Re'/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Real dumps damaged in memory

const SAMPLES = ["breakpad/minidump2.dmp", "sentry/minidump.dmp", "lldb/sigsegv.dmp", "mozilla/windows-x86_64.dmp"];

describe("damaged real dumps", () => {
  it.each(SAMPLES)("%s cut at several points", (rel) => {
    const full = dumpBytes(rel);
    const dirEnd = u32(full, 12) + u32(full, 8) * 12;
    for (const cut of [0, 3, 4, 31, 32, dirEnd - 1, dirEnd, dirEnd + 100, full.length >> 2, full.length >> 1, full.length - 1]) {
      const r = openDamaged(full.subarray(0, cut));
      if (cut < dirEnd) {
        expect(r, `cut at ${cut}`).toBeInstanceOf(MinidumpError);
        continue;
      }
      expect(r, `cut at ${cut}`).toBeInstanceOf(Minidump);
      expect((r as Minidump).warnings.length, `cut at ${cut}`).toBeGreaterThan(0);
    }
  });

  it.each(SAMPLES)("%s with a damaged directory count", (rel) => {
    const full = dumpBytes(rel);
    for (const count of [0xffffffff, 0x10001, u32(full, 8) + 1, 0]) {
      const b = full.slice();
      setU32(b, 8, count);
      const r = openDamaged(b);
      if (count === 0) expect((r as Minidump).threads()).toEqual([]);
      if (count > 0x10000) expect(r).toBeInstanceOf(MinidumpError);
    }
  });

  it.each(SAMPLES)("%s with stream RVAs pointing past the end or into other streams", (rel) => {
    const full = dumpBytes(rel);
    const b = full.slice();
    setU32(b, streamOf(b, 4).entry + 8, full.length + 100);
    const m = openDamaged(b) as Minidump;
    expect(m.modules()).toEqual([]);
    expect(m.warnings.join("\n")).toMatch(/ModuleListStream \(0x4\) at 0x[0-9a-f]+ claims \d+ bytes but the \d+-byte file holds 0/);
    const c = full.slice();
    setU32(c, streamOf(c, 3).entry + 8, streamOf(c, 4).rva + 8); // the thread list now reads module records
    expect(openDamaged(c)).toBeInstanceOf(Minidump);
  });

  it.each(SAMPLES)("%s with a huge thread count and huge module count", (rel) => {
    const b = dumpBytes(rel).slice();
    const realThreads = u32(b, streamOf(b, 3).rva);
    setU32(b, streamOf(b, 3).rva, 0x7fffffff);
    setU32(b, streamOf(b, 4).rva, 0xffffffff);
    const m = openDamaged(b) as Minidump;
    expect(m.threads()).toHaveLength(realThreads);
    expect(m.warnings.join("\n")).toMatch(/ThreadListStream: claims 2147483647 entries/);
    expect(m.warnings.join("\n")).toMatch(/ModuleListStream: claims 4294967295 entries/);
  });

  it.each(SAMPLES)("%s with overlapping memory ranges, absurd string lengths and context sizes", (rel) => {
    const b = dumpBytes(rel).slice();
    const list = streamOf(b, 5).rva;
    const d0 = new DataView(b.buffer).getBigUint64(list + 4, true);
    setU64(b, list + 4 + 16, d0 + 8n); // descriptor 1 now starts inside descriptor 0
    setU32(b, u32(b, streamOf(b, 4).rva + 4 + 20), 0xfffffff0); // first module name's length
    setU32(b, streamOf(b, 3).rva + 4 + 40, 0xffffffff); // first thread's context size
    const m = openDamaged(b) as Minidump;
    const ranges = m.memoryRanges();
    for (let i = 1; i < ranges.length; i++) expect(ranges[i - 1]!.start + BigInt(ranges[i - 1]!.size) <= ranges[i]!.start).toBe(true);
    expect(m.warnings.join("\n")).toMatch(/overlap earlier ones/);
    expect(m.warnings.join("\n")).toMatch(/claims 4294967280 bytes; read 65536/);
    expect(m.modules().length).toBe(readOracle(rel).modules.length);
    expect(m.threads()[0]?.context?.registers).toEqual(Minidump.openFile(dumpPath(rel)).threads()[0]?.context?.registers);
  });

  it.each(["breakpad/minidump2.dmp", "lldb/sigsegv.dmp", "mozilla/windows-aarch64.dmp", "breakpad/tiny-exe-with-cet-xsave-x86.dmp"])(
    "%s: contexts without SystemInfo, or with a SystemInfo that names the wrong CPU, are read by their flags",
    (rel) => {
      const truth = Minidump.openFile(dumpPath(rel));
      const regs = truth.threads().map((t) => t.context?.registers);
      const noSys = dumpBytes(rel).slice();
      setU32(noSys, streamOf(noSys, 7).entry, 0x7777); // SystemInfo becomes an unknown stream
      const a = openDamaged(noSys) as Minidump;
      expect(a.systemInfo()).toBeUndefined();
      expect(a.threads().map((t) => t.context?.registers)).toEqual(regs);
      const lying = dumpBytes(rel).slice();
      const arch = truth.systemInfo()?.arch;
      lying[streamOf(lying, 7).rva] = arch === "x64" ? 0 : 9; // PROCESSOR_ARCHITECTURE_INTEL <-> AMD64
      const b = openDamaged(lying) as Minidump;
      expect(b.threads().map((t) => t.context?.registers)).toEqual(regs);
      expect(b.warnings.join("\n")).toMatch(/SystemInfo says (x86|x64) but the \d+-byte context looks/);
    },
  );

  it("a cyclic nested exception record in a real x64 dump stops with a warning", () => {
    const b = dumpBytes("lldb/sigsegv.dmp").slice();
    const m0 = Minidump.open(bufferSource(b));
    const target = m0.memoryRanges().find((r) => r.size >= 152);
    expect(target).toBeDefined();
    if (!target) return;
    const rec = new W().u32(0xc0000374).u32(0).u64(target.start).u64(0x1234).u32(0).u32(0).fill(120).done();
    b.set(rec, target.rva);
    setU64(b, streamOf(b, 6).rva + 16, target.start);
    const m = openDamaged(b) as Minidump;
    expect(m.exceptionChain().map((r) => r.code)).toEqual([0xc0000005, 0xc0000374]);
    expect(m.warnings).toEqual([expect.stringMatching(/cycle/)]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Seeded fuzz over every real dump

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A damaged view of `base` without copying it: byte patches, and sometimes a shorter length. */
function mutatedSource(base: Uint8Array, rng: () => number): { source: ByteSource; what: string } {
  const patches = new Map<number, number>();
  const pick = (n: number): number => Math.floor(rng() * n);
  const dirRva = u32(base, 12);
  const count = Math.min(u32(base, 8), 64);
  const entries = Array.from({ length: count }, (_, i) => ({ rva: u32(base, dirRva + i * 12 + 8), size: u32(base, dirRva + i * 12 + 4) }));
  /** A structural spot: the header, the directory, or a place inside a stream (biased to its start). */
  const spot = (): number => {
    const r = rng();
    if (r < 0.1) return pick(32);
    if (r < 0.3) return dirRva + pick(count * 12);
    const e = entries[pick(entries.length)];
    if (!e || e.size === 0) return pick(base.length);
    return e.rva + (rng() < 0.6 ? pick(Math.min(e.size, 64)) : pick(e.size));
  };
  const interesting = [0, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, base.length, base.length + 1, 1, 0xfffffff0];
  const kinds: string[] = [];
  for (let n = 1 + pick(3); n > 0; n--) {
    const kind = pick(3);
    if (kind === 0) {
      kinds.push("flip");
      for (let k = 1 + pick(16); k > 0; k--) patches.set(rng() < 0.8 ? spot() : pick(base.length), pick(256));
    } else if (kind === 1) {
      kinds.push("field");
      const at = spot() & ~3;
      const v = interesting[pick(interesting.length)] ?? 0;
      for (let k = 0; k < 4; k++) patches.set(at + k, (v >>> (8 * k)) & 0xff);
    } else {
      kinds.push("cut");
    }
  }
  const size = kinds.includes("cut") ? pick(base.length + 1) : base.length;
  return {
    what: kinds.join("+"),
    source: {
      size,
      read(offset: number, length: number): Uint8Array {
        const start = Math.max(0, Math.min(size, Math.floor(offset)));
        const end = Math.max(start, Math.min(size, start + Math.max(0, Math.floor(length))));
        const out = base.slice(start, end);
        for (const [at, v] of patches) if (at >= start && at < end) out[at - start] = v;
        return out;
      },
    },
  };
}

describe("fuzz", () => {
  it("300 seeded mutations: only MinidumpError at open, every accessor returns, no parser fault", () => {
    const rng = mulberry32(0x6577_6d64);
    let opened = 0;
    let refused = 0;
    for (let iter = 0; iter < 300; iter++) {
      const rel = ALL_DUMPS[Math.floor(rng() * ALL_DUMPS.length)] ?? "";
      const { source, what } = mutatedSource(dumpBytes(rel), rng);
      const t0 = performance.now();
      const r = openDamaged(source);
      const ms = performance.now() - t0;
      expect(ms, `iteration ${iter}: ${rel} ${what}`).toBeLessThan(10_000);
      if (r instanceof Minidump) {
        opened++;
        // The accessors' safety net must never be what caught a fault: parsers check their bounds.
        expect(r.warnings.filter((w) => /could not be read|read failed/.test(w)), `iteration ${iter}: ${rel} ${what}`).toEqual([]);
      } else refused++;
    }
    expect(opened).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Byte sources

describe("byte sources", () => {
  it("openFileSource reads what the file holds, across blocks, past the end, after many reads", async () => {
    const { openFileSource } = await import("../../src/minidump/byte-source");
    const rel = "mozilla/windows-aarch64.dmp";
    const whole = dumpBytes(rel);
    const src = openFileSource(dumpPath(rel));
    expect(src.size).toBe(whole.length);
    const rng = mulberry32(7);
    const cases: [number, number][] = [[0, 32], [65530, 20], [65536 * 3 - 1, 65536 * 5 + 3], [whole.length - 10, 100], [whole.length, 10], [-5, 10], [10, 0]];
    for (let i = 0; i < 300; i++) cases.push([Math.floor(rng() * whole.length), Math.floor(rng() * (rng() < 0.1 ? 400_000 : 3000))]);
    for (const [off, len] of cases) {
      const s = Math.max(0, Math.min(whole.length, off));
      const expected = off < 0 || len <= 0 ? new Uint8Array(0) : whole.subarray(s, Math.min(whole.length, s + len));
      expect(Buffer.from(src.read(off, len)).equals(Buffer.from(expected)), `read(${off}, ${len})`).toBe(true);
    }
    src.close?.();
    expect(() => src.read(0, 4)).toThrow();
  });

  it("bufferSource returns copies", () => {
    const bytes = Uint8Array.from([1, 2, 3, 4]);
    const src = bufferSource(bytes);
    const r = src.read(1, 10);
    expect([...r]).toEqual([2, 3, 4]);
    r[0] = 9;
    expect(bytes[1]).toBe(2);
    expect(existsSync(DUMPS)).toBe(true);
  });
});

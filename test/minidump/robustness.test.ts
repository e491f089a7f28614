/**
 * The minidump reader on damaged input: real dumps cut, with damaged directories, counts, RVAs, strings,
 * contexts and exception chains (built in memory with minidump-synth's `corrupt`), a seeded fuzz loop
 * over every real dump, and the byte sources underneath. A MinidumpError at open is the only exception
 * allowed; once open, every accessor returns.
 *
 * Privacy: these dumps hold real user data. Assertions use counts, ids and structure; nothing here prints
 * paths, command lines or environment values.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bufferSource, openFileSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { type ByteSource, MinidumpError } from "../../src/minidump/types";
import { corrupt, directoryEntryOffsets, headerOffsets, StreamType } from "../../src/minidump-synth";
import { ALL_DUMPS, DUMPS, dumpPath, exceptionRecord64, exerciseAll, expectSortedDisjoint, openDump, oracleOf } from "./helpers";

const bytesCache = new Map<string, Uint8Array>();
/** The whole file, for building damaged copies in memory (the reader itself never loads a whole file). */
function dumpBytes(rel: string): Uint8Array {
  let b = bytesCache.get(rel);
  if (!b) bytesCache.set(rel, (b = new Uint8Array(readFileSync(dumpPath(rel)))));
  return b;
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

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u32 = (b: Uint8Array, o: number): number => view(b).getUint32(o, true);
/** A real dump's directory: each entry's offset, and its stream's type, RVA and size. */
function directory(b: Uint8Array, max = Infinity): { entry: number; type: number; rva: number; size: number }[] {
  const dir = u32(b, headerOffsets.directoryRva);
  return Array.from({ length: Math.min(u32(b, headerOffsets.streamCount), max) }, (_, i) => {
    const entry = dir + i * 12;
    const at = (field: number): number => u32(b, entry + field);
    return { entry, type: at(directoryEntryOffsets.streamType), size: at(directoryEntryOffsets.dataSize), rva: at(directoryEntryOffsets.rva) };
  });
}
function streamOf(b: Uint8Array, type: number): { entry: number; rva: number; size: number } {
  const s = directory(b).find((e) => e.type === type);
  if (!s) throw new Error(`stream ${type} not in the test dump`);
  return s;
}
const setU32 = (b: Uint8Array, offset: number, value: number): Uint8Array => corrupt(b, { kind: "setU32", offset, value });

// ---------------------------------------------------------------------------------------------------
// Real dumps damaged in memory

const SAMPLES = ["breakpad/minidump2.dmp", "sentry/minidump.dmp", "lldb/sigsegv.dmp", "mozilla/windows-x86_64.dmp"];

describe("damaged real dumps", () => {
  it.each(SAMPLES)("%s cut at several points", (rel) => {
    const full = dumpBytes(rel);
    const dirEnd = u32(full, headerOffsets.directoryRva) + u32(full, headerOffsets.streamCount) * 12;
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
    for (const count of [0xffffffff, 0x10001, u32(full, headerOffsets.streamCount) + 1, 0]) {
      const r = openDamaged(setU32(full, headerOffsets.streamCount, count));
      if (count === 0) expect((r as Minidump).threads()).toEqual([]);
      if (count > 0x10000) expect(r).toBeInstanceOf(MinidumpError);
    }
  });

  it.each(SAMPLES)("%s with stream RVAs pointing past the end or into other streams", (rel) => {
    const full = dumpBytes(rel);
    const modules = streamOf(full, StreamType.ModuleList);
    const m = openDamaged(setU32(full, modules.entry + directoryEntryOffsets.rva, full.length + 100)) as Minidump;
    expect(m.modules()).toEqual([]);
    expect(m.warnings.join("\n")).toMatch(/ModuleListStream \(0x4\) at 0x[0-9a-f]+ claims \d+ bytes but the \d+-byte file holds 0/);
    // The thread list now reads module records.
    expect(openDamaged(setU32(full, streamOf(full, StreamType.ThreadList).entry + directoryEntryOffsets.rva, modules.rva + 8))).toBeInstanceOf(Minidump);
  });

  it.each(SAMPLES)("%s with a huge thread count and huge module count", (rel) => {
    const full = dumpBytes(rel);
    const threads = streamOf(full, StreamType.ThreadList).rva;
    const realThreads = u32(full, threads);
    const m = openDamaged(corrupt(full, [
      { kind: "setU32", offset: threads, value: 0x7fffffff },
      { kind: "setU32", offset: streamOf(full, StreamType.ModuleList).rva, value: 0xffffffff },
    ])) as Minidump;
    expect(m.threads()).toHaveLength(realThreads);
    expect(m.warnings.join("\n")).toMatch(/ThreadListStream: claims 2147483647 entries/);
    expect(m.warnings.join("\n")).toMatch(/ModuleListStream: claims 4294967295 entries/);
  });

  it.each(SAMPLES)("%s with overlapping memory ranges, absurd string lengths and context sizes", (rel) => {
    const full = dumpBytes(rel);
    const list = streamOf(full, StreamType.MemoryList).rva;
    const firstModule = streamOf(full, StreamType.ModuleList).rva + 4;
    const firstThread = streamOf(full, StreamType.ThreadList).rva + 4;
    const m = openDamaged(corrupt(full, [
      { kind: "setU64", offset: list + 4 + 16, value: view(full).getBigUint64(list + 4, true) + 8n }, // descriptor 1 now starts inside descriptor 0
      { kind: "setU32", offset: u32(full, firstModule + 20), value: 0xfffffff0 }, // first module name's length
      { kind: "setU32", offset: firstThread + 40, value: 0xffffffff }, // first thread's context size
    ])) as Minidump;
    expectSortedDisjoint(m.memoryRanges());
    expect(m.warnings.join("\n")).toMatch(/overlap earlier ones/);
    expect(m.warnings.join("\n")).toMatch(/claims 4294967280 bytes; read 65536/);
    expect(m.modules().length).toBe(oracleOf(rel).modules.length);
    expect(m.threads()[0]?.context?.registers).toEqual(openDump(rel).threads()[0]?.context?.registers);
  });

  it.each(["breakpad/minidump2.dmp", "lldb/sigsegv.dmp", "mozilla/windows-aarch64.dmp", "breakpad/tiny-exe-with-cet-xsave-x86.dmp"])(
    "%s: contexts without SystemInfo, or with a SystemInfo that names the wrong CPU, are read by their flags",
    (rel) => {
      const truth = openDump(rel);
      const regs = truth.threads().map((t) => t.context?.registers);
      const full = dumpBytes(rel);
      const systemInfo = streamOf(full, StreamType.SystemInfo);
      const a = openDamaged(setU32(full, systemInfo.entry + directoryEntryOffsets.streamType, 0x7777)) as Minidump; // SystemInfo becomes an unknown stream
      expect(a.systemInfo()).toBeUndefined();
      expect(a.threads().map((t) => t.context?.registers)).toEqual(regs);
      const lying = full.slice();
      lying[systemInfo.rva] = truth.systemInfo()?.arch === "x64" ? 0 : 9; // PROCESSOR_ARCHITECTURE_INTEL <-> AMD64
      const b = openDamaged(lying) as Minidump;
      expect(b.threads().map((t) => t.context?.registers)).toEqual(regs);
      expect(b.warnings.join("\n")).toMatch(/SystemInfo says (x86|x64) but the \d+-byte context looks/);
    },
  );

  it("a cyclic nested exception record in a real x64 dump stops with a warning", () => {
    const b = dumpBytes("lldb/sigsegv.dmp").slice();
    const target = Minidump.open(bufferSource(b)).memoryRanges().find((r) => r.size >= 152);
    expect(target).toBeDefined();
    if (!target) return;
    b.set(exceptionRecord64({ code: 0xc0000374, nested: target.start, address: 0x1234n }), target.rva);
    const m = openDamaged(corrupt(b, { kind: "setU64", offset: streamOf(b, StreamType.Exception).rva + 16, value: target.start })) as Minidump;
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
  const dirRva = u32(base, headerOffsets.directoryRva);
  const entries = directory(base, 64);
  /** A structural spot: the header, the directory, or a place inside a stream (biased to its start). */
  const spot = (): number => {
    const r = rng();
    if (r < 0.1) return pick(32);
    if (r < 0.3) return dirRva + pick(entries.length * 12);
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
  it("openFileSource reads what the file holds, across blocks, past the end, after many reads", () => {
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

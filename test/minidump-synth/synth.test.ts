/**
 * Proves the synthetic minidump writer's bytes against the documented format with a small decoder
 * written here (DataView reads at minidumpapiset.h / winnt.h offsets), not with the writer's own code.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { corrupt, directoryEntryOffsets, headerOffsets, synthMinidump, type SynthArch } from "../../src/minidump-synth";
import { roundTripSuite } from "./roundtrip";

// ---------------------------------------------------------------- an independent little decoder

class Dec {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u8 = (o: number): number => this.dv.getUint8(o);
  u16 = (o: number): number => this.dv.getUint16(o, true);
  u32 = (o: number): number => this.dv.getUint32(o, true);
  u64 = (o: number): bigint => this.dv.getBigUint64(o, true);
  /** MINIDUMP_STRING: ULONG32 byte length, UTF-16LE, then a 2-byte NUL. */
  str(rva: number): string {
    const len = this.u32(rva);
    expect(this.u16(rva + 4 + len)).toBe(0);
    return new TextDecoder("utf-16le").decode(this.b.subarray(rva + 4, rva + 4 + len));
  }
  wide(o: number, maxChars: number): string {
    let s = "";
    for (let i = 0; i < maxChars && this.u16(o + 2 * i) !== 0; i++) s += String.fromCharCode(this.u16(o + 2 * i));
    return s;
  }
  dir(): { type: number; size: number; rva: number }[] {
    const n = this.u32(8), at = this.u32(12);
    return Array.from({ length: n }, (_, i) => ({ type: this.u32(at + 12 * i), size: this.u32(at + 12 * i + 4), rva: this.u32(at + 12 * i + 8) }));
  }
  stream(type: number): { size: number; rva: number } {
    const s = this.dir().find((d) => d.type === type);
    if (!s) throw new Error(`no stream ${type}`);
    return s;
  }
  has(type: number): boolean {
    return this.dir().some((d) => d.type === type);
  }
  slice(rva: number, size: number): Uint8Array {
    return this.b.slice(rva, rva + size);
  }
}

const dec = (b: Uint8Array): Dec => new Dec(b);
const bytesOf = (...v: number[]): Uint8Array => new Uint8Array(v);

// ---------------------------------------------------------------- header and directory

describe("header and directory", () => {
  it("writes the MDMP header, a directory right after it, and the default streams", () => {
    const d = dec(synthMinidump({ arch: "x64", timestamp: 0x61234567, flags: 0x1234n, implementationVersion: 0xa0bc, checksum: 7 }).build());
    expect(d.u32(0)).toBe(0x504d444d);
    expect(d.u32(4) & 0xffff).toBe(0xa793);
    expect(d.u32(4) >>> 16).toBe(0xa0bc);
    expect(d.u32(8)).toBe(3);
    expect(d.u32(12)).toBe(32);
    expect(d.u32(16)).toBe(7);
    expect(d.u32(20)).toBe(0x61234567);
    expect(d.u64(24)).toBe(0x1234n);
    expect(d.dir().map((e) => e.type)).toEqual([3, 4, 7]);
    for (const e of d.dir()) {
      expect(e.rva % 4).toBe(0);
      expect(e.rva + e.size).toBeLessThanOrEqual(d.b.length);
    }
  });

  it("derives MINIDUMP_TYPE flags from the content unless given", () => {
    const d = dec(synthMinidump({ arch: "x64" }).memory64(0x1000n, bytesOf(1)).handles([{ handle: 4n, type: "Event" }])
      .unloadedModule({ name: "x.dll", base: 0x10000n, size: 0x1000 }).memoryInfo([{ base: 0n, size: 0x1000, state: 0x10000, protect: 1, type: 0 }])
      .thread({ id: 1, times: {} }).build());
    expect(d.u64(24)).toBe(0x2n | 0x4n | 0x20n | 0x800n | 0x1000n);
    expect(dec(synthMinidump({ arch: "x86" }).build()).u64(24)).toBe(0n);
  });

  it("adds raw streams and Unused directory entries, and omits streams on request", () => {
    const d = dec(synthMinidump({ arch: "x64", reservedStreams: 2 }).rawStream(0x47670099, bytesOf(9, 8, 7)).omitStream(4).build());
    const dir = d.dir();
    expect(dir.map((e) => e.type)).toEqual([3, 7, 0x47670099, 0, 0]);
    const raw = dir[2]!;
    expect(raw.size).toBe(3);
    expect([...d.slice(raw.rva, 3)]).toEqual([9, 8, 7]);
    expect(dir[4]).toEqual({ type: 0, size: 0, rva: 0 });
  });
});

// ---------------------------------------------------------------- system info

describe("SystemInfoStream", () => {
  it.each([
    ["x64", 9], ["x86", 0], ["arm64", 12],
  ] as const)("%s: architecture %i, OS version, processor count and CSD string", (arch, code) => {
    const d = dec(synthMinidump({ arch, os: { major: 6, minor: 1, build: 7601, csd: "Service Pack 1" }, processorCount: 12 }).build());
    const s = d.stream(7);
    expect(s.size).toBe(56);
    expect(d.u16(s.rva)).toBe(code);
    expect(d.u8(s.rva + 6)).toBe(12);
    expect(d.u8(s.rva + 7)).toBe(1);
    expect([d.u32(s.rva + 8), d.u32(s.rva + 12), d.u32(s.rva + 16), d.u32(s.rva + 20)]).toEqual([6, 1, 7601, 2]);
    expect(d.str(d.u32(s.rva + 24))).toBe("Service Pack 1");
    if (arch === "x86") expect(new TextDecoder().decode(d.slice(s.rva + 32, 12))).toBe("GenuineIntel");
  });

  it("takes overrides", () => {
    const d = dec(synthMinidump({ arch: "x64" }).systemInfo({ productType: 3, suiteMask: 0x112, processorLevel: 25, processorFeatures: [5n, 6n] }).build());
    const s = d.stream(7);
    expect([d.u8(s.rva + 7), d.u16(s.rva + 28), d.u16(s.rva + 2)]).toEqual([3, 0x112, 25]);
    expect([d.u64(s.rva + 32), d.u64(s.rva + 40)]).toEqual([5n, 6n]);
    expect(d.str(d.u32(s.rva + 24))).toBe("");
  });
});

// ---------------------------------------------------------------- threads and contexts

/** Documented CONTEXT facts: size, ContextFlags offset and value, [register, offset, width] samples. */
const CONTEXTS: { arch: SynthArch; size: number; flagsAt: number; flags: number; regs: [string, number, number][] }[] = [
  { arch: "x64", size: 0x4d0, flagsAt: 0x30, flags: 0x10000f, regs: [["rip", 0xf8, 8], ["rsp", 0x98, 8], ["rbp", 0xa0, 8], ["rax", 0x78, 8], ["r15", 0xf0, 8], ["efl", 0x44, 4], ["cs", 0x38, 2]] },
  { arch: "x86", size: 0x2cc, flagsAt: 0, flags: 0x1000f, regs: [["eip", 0xb8, 4], ["esp", 0xc4, 4], ["ebp", 0xb4, 4], ["eax", 0xb0, 4], ["edi", 0x9c, 4], ["efl", 0xc0, 4]] },
  { arch: "arm64", size: 0x390, flagsAt: 0, flags: 0x400007, regs: [["pc", 0x108, 8], ["sp", 0x100, 8], ["fp", 0xf0, 8], ["lr", 0xf8, 8], ["x0", 0x08, 8], ["x28", 0xe8, 8], ["cpsr", 0x04, 4]] },
];

function readUnsigned(d: Dec, at: number, width: number): bigint {
  return width === 8 ? d.u64(at) : BigInt(width === 4 ? d.u32(at) : d.u16(at));
}

describe("ThreadListStream and contexts", () => {
  it.each(CONTEXTS)("$arch: a $size-byte CONTEXT with ContextFlags and registers at their winnt.h offsets", ({ arch, size, flagsAt, flags, regs }) => {
    const values = Object.fromEntries(regs.map(([name, , width], i) => [name, BigInt(0x11 * (i + 1)) << BigInt(8 * (width - 1))]));
    const d = dec(synthMinidump({ arch }).thread({ id: 0x1a4, registers: values }).build());
    const list = d.stream(3);
    expect(d.u32(list.rva)).toBe(1);
    expect(list.size).toBe(4 + 48);
    const e = list.rva + 4;
    expect(d.u32(e + 40)).toBe(size);
    const ctx = d.u32(e + 44);
    expect(d.u32(ctx + flagsAt)).toBe(flags);
    for (const [name, off, width] of regs) expect(readUnsigned(d, ctx + off, width), name).toBe(values[name]);
  });

  it("writes the thread entry's fields and stack words, with the stack pointer defaulting to the stack start", () => {
    const d = dec(synthMinidump({ arch: "x86" }).thread({ id: 7, suspendCount: 2, priority: -2 >>> 0, priorityClass: 0x80, teb: 0x7ffde000n,
      stack: { start: 0x0012f000n, size: 16, words: [0xdeadbeefn, 0x401000n] } }).build());
    const e = d.stream(3).rva + 4;
    expect([d.u32(e), d.u32(e + 4), d.u32(e + 8), d.u32(e + 12)]).toEqual([7, 2, 0x80, 0xfffffffe]);
    expect(d.u64(e + 16)).toBe(0x7ffde000n);
    expect(d.u64(e + 24)).toBe(0x12f000n);
    expect(d.u32(e + 32)).toBe(16);
    const rva = d.u32(e + 36);
    expect([d.u32(rva), d.u32(rva + 4), d.u32(rva + 8)]).toEqual([0xdeadbeef, 0x401000, 0]);
    expect(d.u32(d.u32(e + 44) + 0xc4)).toBe(0x12f000);
  });

  it("lists a stack in the MemoryListStream with the thread's RVA by default", () => {
    const stack = bytesOf(1, 2, 3, 4, 5, 6, 7, 8);
    const d = dec(synthMinidump({ arch: "x64" }).thread({ id: 1, stack: { start: 0x5000n, bytes: stack } }).memory(0x9000n, bytesOf(0xaa)).build());
    const e = d.stream(3).rva + 4;
    const m = d.stream(5);
    expect(d.u32(m.rva)).toBe(2);
    expect(m.size).toBe(4 + 2 * 16);
    expect([d.u64(m.rva + 4), d.u32(m.rva + 12), d.u32(m.rva + 16)]).toEqual([0x5000n, 8, d.u32(e + 36)]);
    expect([...d.slice(d.u32(e + 36), 8)]).toEqual([...stack]);
    expect(d.u64(m.rva + 20)).toBe(0x9000n);
    expect(d.u8(d.u32(m.rva + 32))).toBe(0xaa);
  });

  it("stackInMemoryListOnly: descriptor RVA 0 with its size, bytes only in the memory list", () => {
    const d = dec(synthMinidump({ arch: "x64" }).thread({ id: 1, stackInMemoryListOnly: true, stack: { start: 0x5000n, size: 16, words: [0x1122n] } }).build());
    const e = d.stream(3).rva + 4;
    expect([d.u64(e + 24), d.u32(e + 32), d.u32(e + 36)]).toEqual([0x5000n, 16, 0]);
    const m = d.stream(5);
    expect([d.u32(m.rva), d.u64(m.rva + 4), d.u32(m.rva + 12)]).toEqual([1, 0x5000n, 16]);
    expect(d.u64(d.u32(m.rva + 16))).toBe(0x1122n);
  });

  it("stackStorage memory64 puts the stack in the Memory64List data; thread-only writes no memory list", () => {
    const d = dec(synthMinidump({ arch: "x64", stackStorage: "memory64" }).thread({ id: 1, stack: { start: 0x5000n, size: 8, words: [0x77n] } }).build());
    const e = d.stream(3).rva + 4;
    const m = d.stream(9);
    expect(d.u32(e + 36)).toBe(Number(d.u64(m.rva + 8)));
    expect(d.u64(d.u32(e + 36))).toBe(0x77n);
    expect(d.has(5)).toBe(false);
    const t = dec(synthMinidump({ arch: "x64", stackStorage: "thread-only" }).thread({ id: 1, stack: { start: 0x5000n, size: 8 } }).build());
    expect(t.has(5) || t.has(9)).toBe(false);
  });

  it("ThreadExListStream: 64-byte entries with the backing store", () => {
    const d = dec(synthMinidump({ arch: "x64", threadListEx: true }).thread({ id: 3, backingStore: { start: 0x8000n, bytes: bytesOf(4, 5) } }).build());
    expect(d.has(3)).toBe(false);
    const s = d.stream(8);
    expect(s.size).toBe(4 + 64);
    expect([d.u32(s.rva + 4), d.u64(s.rva + 4 + 48), d.u32(s.rva + 4 + 56)]).toEqual([3, 0x8000n, 2]);
    expect(d.u8(d.u32(s.rva + 4 + 60) + 1)).toBe(5);
  });

  it("raw or missing contexts, context flags overrides and unknown registers", () => {
    const d = dec(synthMinidump({ arch: "x64" }).thread({ id: 1, noContext: true }).thread({ id: 2, contextBytes: bytesOf(1, 2, 3) })
      .thread({ id: 3, contextFlags: 0x100003 }).build());
    const e = d.stream(3).rva + 4;
    expect([d.u32(e + 40), d.u32(e + 44)]).toEqual([0, 0]);
    expect(d.u32(e + 48 + 40)).toBe(3);
    expect(d.u32(d.u32(e + 96 + 44) + 0x30)).toBe(0x100003);
    expect(() => synthMinidump({ arch: "x86" }).thread({ id: 1, registers: { rip: 1n } }).build()).toThrow(/no register "rip"/);
    expect(() => synthMinidump({ arch: "x86" }).thread({ id: 1, registers: { eip: 1n << 32n } }).build()).toThrow(/does not fit/);
  });

  it("ThreadNamesStream (24): 12-byte entries whose RVA64 points to a MINIDUMP_STRING", () => {
    const d = dec(synthMinidump({ arch: "x64" }).thread({ id: 1, name: "main" }).thread({ id: 2 }).thread({ id: 3, name: "Wörker" }).build());
    const s = d.stream(24);
    expect(d.u32(s.rva)).toBe(2);
    expect(s.size).toBe(4 + 2 * 12);
    expect(d.u32(s.rva + 4)).toBe(1);
    expect(d.str(Number(d.u64(s.rva + 8)))).toBe("main");
    expect(d.u32(s.rva + 16)).toBe(3);
    expect(d.str(Number(d.u64(s.rva + 20)))).toBe("Wörker");
  });

  it("ThreadInfoListStream: header 12/64 and one entry per thread", () => {
    const d = dec(synthMinidump({ arch: "x64" }).thread({ id: 1, times: { create: 0x1d0000000000000n, kernel: 5n, user: 6n, startAddress: 0x7ff000n, exitStatus: 259 } })
      .thread({ id: 2 }).build());
    const s = d.stream(17);
    expect([d.u32(s.rva), d.u32(s.rva + 4), d.u32(s.rva + 8)]).toEqual([12, 64, 2]);
    const e = s.rva + 12;
    expect([d.u32(e), d.u32(e + 12)]).toEqual([1, 259]);
    expect([d.u64(e + 16), d.u64(e + 24), d.u64(e + 32), d.u64(e + 40), d.u64(e + 48)]).toEqual([0x1d0000000000000n, 0n, 5n, 6n, 0x7ff000n]);
    expect(d.u32(e + 64)).toBe(2);
  });
});

// ---------------------------------------------------------------- modules

describe("ModuleListStream and UnloadedModuleListStream", () => {
  const GUID = "0123456789ABCDEF0011223344556677";

  it("writes 108-byte modules with name, VS_FIXEDFILEINFO and a CodeView RSDS record", () => {
    const d = dec(synthMinidump({ arch: "x64" }).module({ name: "C:\\app\\app.exe", base: 0x7ff600000000n, size: 0x23000, timestamp: 0x5f3e2a1b, checksum: 0x1234,
      version: "10.0.19041.662", pdb: { name: "app.pdb", guid: GUID, age: 3 } }).module({ name: "C:\\Windows\\System32\\ntdll.dll", base: 0x7ffe0000n, size: 0x1000 }).build());
    const s = d.stream(4);
    expect(d.u32(s.rva)).toBe(2);
    expect(s.size).toBe(4 + 2 * 108);
    const e = s.rva + 4;
    expect([d.u64(e), d.u32(e + 8), d.u32(e + 12), d.u32(e + 16)]).toEqual([0x7ff600000000n, 0x23000, 0x1234, 0x5f3e2a1b]);
    expect(d.str(d.u32(e + 20))).toBe("C:\\app\\app.exe");
    const vi = e + 24;
    expect([d.u32(vi), d.u32(vi + 4), d.u32(vi + 8), d.u32(vi + 12), d.u32(vi + 16), d.u32(vi + 20)]).toEqual([0xfeef04bd, 0x10000, 0x000a0000, 0x4a610296, 0x000a0000, 0x4a610296]);
    expect(d.u32(vi + 36)).toBe(1); // VFT_APP
    const cvSize = d.u32(e + 76), cv = d.u32(e + 80);
    expect(cvSize).toBe(24 + "app.pdb".length + 1);
    expect(d.u32(cv)).toBe(0x53445352);
    expect(d.u32(cv + 4)).toBe(0x01234567);
    expect([d.u16(cv + 8), d.u16(cv + 10)]).toEqual([0x89ab, 0xcdef]);
    expect([...d.slice(cv + 12, 8)]).toEqual([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);
    expect(d.u32(cv + 20)).toBe(3);
    expect(new TextDecoder().decode(d.slice(cv + 24, cvSize - 24))).toBe("app.pdb\0");
    const e2 = e + 108;
    expect([...d.slice(e2 + 24, 52)].every((b) => b === 0)).toBe(true);
    expect([d.u32(e2 + 76), d.u32(e2 + 80), d.u32(e2 + 84), d.u32(e2 + 88)]).toEqual([0, 0, 0, 0]);
    expect(d.u32(e2 + 24 + 36)).toBe(0);
  });

  it("writes unloaded modules with a 12-byte header and 24-byte entries", () => {
    const d = dec(synthMinidump({ arch: "x86" }).unloadedModule({ name: "C:\\old.dll", base: 0x10000000n, size: 0x5000, timestamp: 0x4000, checksum: 9 }).build());
    const s = d.stream(14);
    expect([d.u32(s.rva), d.u32(s.rva + 4), d.u32(s.rva + 8), s.size]).toEqual([12, 24, 1, 36]);
    const e = s.rva + 12;
    expect([d.u64(e), d.u32(e + 8), d.u32(e + 12), d.u32(e + 16)]).toEqual([0x10000000n, 0x5000, 9, 0x4000]);
    expect(d.str(d.u32(e + 20))).toBe("C:\\old.dll");
  });
});

// ---------------------------------------------------------------- memory, exception, misc, handles, info, comments

describe("memory streams", () => {
  it("Memory64ListStream: count, BaseRva and ranges back to back at the end of the file", () => {
    const b = synthMinidump({ arch: "x64" }).memory64(0x1000n, bytesOf(1, 2, 3)).memory64(0x9000n, bytesOf(4, 5)).memory(0x20000n, bytesOf(6)).build();
    const d = dec(b);
    const s = d.stream(9);
    expect(d.u64(s.rva)).toBe(2n);
    expect(s.size).toBe(16 + 2 * 16);
    const base = Number(d.u64(s.rva + 8));
    expect([d.u64(s.rva + 16), d.u64(s.rva + 24), d.u64(s.rva + 32), d.u64(s.rva + 40)]).toEqual([0x1000n, 3n, 0x9000n, 2n]);
    expect([...d.slice(base, 5)]).toEqual([1, 2, 3, 4, 5]);
    expect(base + 5).toBe(b.length);
    expect(d.u8(d.u32(d.stream(5).rva + 16))).toBe(6);
  });
});

describe("ExceptionStream", () => {
  it("writes the 168-byte stream with its record and its own context", () => {
    const d = dec(synthMinidump({ arch: "x64" }).thread({ id: 9, registers: { rip: 0x1111n } })
      .exception({ threadId: 9, code: 0xc0000005, flags: 1, address: 0x7ff612345678n, parameters: [1n, 0xdeadn], registers: { rip: 0x7ff612345678n, rsp: 0x5000n } }).build());
    const s = d.stream(6);
    expect(s.size).toBe(168);
    expect([d.u32(s.rva), d.u32(s.rva + 8), d.u32(s.rva + 12), d.u64(s.rva + 16), d.u64(s.rva + 24), d.u32(s.rva + 32)])
      .toEqual([9, 0xc0000005, 1, 0n, 0x7ff612345678n, 2]);
    expect([d.u64(s.rva + 40), d.u64(s.rva + 48), d.u64(s.rva + 56)]).toEqual([1n, 0xdeadn, 0n]);
    expect(d.u32(s.rva + 160)).toBe(0x4d0);
    const ctx = d.u32(s.rva + 164);
    expect([d.u64(ctx + 0xf8), d.u64(ctx + 0x98)]).toEqual([0x7ff612345678n, 0x5000n]);
    const own = dec(synthMinidump({ arch: "arm64" }).thread({ id: 9, registers: { pc: 0x4242n } }).exception({ threadId: 9, code: 0x80000003, address: 0x4242n }).build());
    expect(own.u64(own.u32(own.stream(6).rva + 164) + 0x108)).toBe(0x4242n);
  });
});

describe("MiscInfoStream", () => {
  it.each([[1, 24], [2, 44], [3, 232], [4, 832], [5, 1364]] as const)("version %i is %i bytes with SizeOfInfo", (version, size) => {
    const d = dec(synthMinidump({ arch: "x64" }).misc({ version, processId: 42 }).build());
    const s = d.stream(15);
    expect([s.size, d.u32(s.rva), d.u32(s.rva + 4), d.u32(s.rva + 8)]).toEqual([size, size, 1, 42]);
  });

  it("sets Flags1 from the fields and writes times, time zone and build strings at their offsets", () => {
    const d = dec(synthMinidump({ arch: "x64" }).misc({ processId: 1, createTime: 0x60000001, userTime: 3, kernelTime: 4, processorMaxMhz: 3000,
      timeZone: { bias: 480, standardName: "Pacific Standard Time" }, buildString: "19041.1.amd64fre.vb_release.191206-1406", processCookie: 77 }).build());
    const s = d.stream(15).rva;
    expect(d.u32(s + 4)).toBe(0x1 | 0x2 | 0x4 | 0x40 | 0x100 | 0x200);
    expect([d.u32(s + 12), d.u32(s + 16), d.u32(s + 20), d.u32(s + 24), d.u32(s + 60)]).toEqual([0x60000001, 3, 4, 3000, 480]);
    expect(d.wide(s + 64, 32)).toBe("Pacific Standard Time");
    expect(d.wide(s + 232, 260)).toBe("19041.1.amd64fre.vb_release.191206-1406");
    expect(d.u32(s + 1360)).toBe(77);
    expect(() => synthMinidump({ arch: "x64" }).misc({ version: 2, buildString: "x" }).build()).toThrow(/MISC_INFO_4/);
  });
});

describe("HandleDataStream", () => {
  it.each([40, 32] as const)("descriptors of %i bytes with type and object names", (size) => {
    const d = dec(synthMinidump({ arch: "x64" }).handles([{ handle: 0x4n, type: "Event", name: "\\BaseNamedObjects\\Ready", attributes: 2, grantedAccess: 0x1f0003, handleCount: 3, pointerCount: 65 },
      { handle: 0x8n, type: "File" }], { descriptorSize: size }).build());
    const s = d.stream(12);
    expect([d.u32(s.rva), d.u32(s.rva + 4), d.u32(s.rva + 8), s.size]).toEqual([16, size, 2, 16 + 2 * size]);
    const e = s.rva + 16;
    expect(d.u64(e)).toBe(4n);
    expect([d.str(d.u32(e + 8)), d.str(d.u32(e + 12))]).toEqual(["Event", "\\BaseNamedObjects\\Ready"]);
    expect([d.u32(e + 16), d.u32(e + 20), d.u32(e + 24), d.u32(e + 28)]).toEqual([2, 0x1f0003, 3, 65]);
    expect([d.u64(e + size), d.str(d.u32(e + size + 8)), d.u32(e + size + 12)]).toEqual([8n, "File", 0]);
  });
});

describe("MemoryInfoListStream", () => {
  it("writes a 16-byte header and 48-byte MINIDUMP_MEMORY_INFO entries", () => {
    const d = dec(synthMinidump({ arch: "x64" }).memoryInfo([{ base: 0x10000n, size: 0x3000n, state: 0x1000, protect: 0x04, type: 0x20000 },
      { base: 0x20000n, size: 0x1000, state: 0x2000, protect: 0, type: 0x20000, allocationBase: 0x1f000n, allocationProtect: 0x40 }]).build());
    const s = d.stream(16);
    expect([d.u32(s.rva), d.u32(s.rva + 4), d.u64(s.rva + 8), s.size]).toEqual([16, 48, 2n, 16 + 96]);
    const e = s.rva + 16;
    expect([d.u64(e), d.u64(e + 8), d.u32(e + 16), d.u64(e + 24), d.u32(e + 32), d.u32(e + 36), d.u32(e + 40)]).toEqual([0x10000n, 0x10000n, 4, 0x3000n, 0x1000, 4, 0x20000]);
    expect([d.u64(e + 56), d.u32(e + 64), d.u64(e + 72)]).toEqual([0x1f000n, 0x40, 0x1000n]);
  });
});

describe("comment and Breakpad streams", () => {
  it("CommentStreamA is NUL-terminated ASCII, CommentStreamW NUL-terminated UTF-16LE", () => {
    const d = dec(synthMinidump({ arch: "x64" }).comment("hi there").comment("wide ☃", { wide: true }).build());
    const a = d.stream(10), w = d.stream(11);
    expect([a.size, d.u8(a.rva + 8)]).toEqual([9, 0]);
    expect(new TextDecoder().decode(d.slice(a.rva, 8))).toBe("hi there");
    expect(w.size).toBe(2 * 6 + 2);
    expect(d.wide(w.rva, 7)).toBe("wide ☃");
  });

  it("BreakpadInfo (validity, dump and requesting thread) and AssertionInfo (776 bytes)", () => {
    const d = dec(synthMinidump({ arch: "x64" }).breakpadInfo({ dumpThreadId: 5, requestingThreadId: 6 }).assertion({ expression: "x != 0", function: "f", file: "a.cc", line: 12, type: 1 }).build());
    const bp = d.stream(0x47670001);
    expect([bp.size, d.u32(bp.rva), d.u32(bp.rva + 4), d.u32(bp.rva + 8)]).toEqual([12, 3, 5, 6]);
    const as = d.stream(0x47670002);
    expect([as.size, d.wide(as.rva, 128), d.wide(as.rva + 256, 128), d.wide(as.rva + 512, 128), d.u32(as.rva + 768), d.u32(as.rva + 772)]).toEqual([776, "x != 0", "f", "a.cc", 12, 1]);
  });
});

// ---------------------------------------------------------------- layout, corruption, files

describe("layout() and corrupt()", () => {
  const builder = synthMinidump({ arch: "x64" }).thread({ id: 1, stack: { start: 0x5000n, size: 8 } }).module({ name: "a.dll", base: 0x10000n, size: 0x1000, pdb: { name: "a.pdb", guid: "00000000000000000000000000000001", age: 1 } })
    .exception({ threadId: 1, code: 1, address: 2n }).memory64(0x8000n, bytesOf(1));
  const bytes = builder.build();
  const layout = builder.layout();
  const d = dec(bytes);

  it("reports where the directory, streams, contexts, records and memory landed", () => {
    expect(layout.size).toBe(bytes.length);
    expect(layout.directory).toEqual({ offset: d.u32(12), count: d.u32(8) });
    expect(layout.streams.map((s) => ({ type: s.type, size: s.size, rva: s.offset }))).toEqual(d.dir());
    const t = layout.threads[0]!;
    expect([t.contextOffset, t.contextSize, t.stack.rva]).toEqual([d.u32(t.entryOffset + 44), 0x4d0, d.u32(t.entryOffset + 36)]);
    expect(layout.modules[0]!.cvRva).toBe(d.u32(layout.modules[0]!.entryOffset + 80));
    expect(layout.exception?.contextOffset).toBe(d.u32(layout.stream(6).offset + 164));
    expect(layout.memory.map((m) => [m.list, m.stackOf])).toEqual([["MemoryList", 1], ["Memory64List", undefined]]);
    expect(layout.memory64BaseRva).toBe(Number(d.u64(layout.stream(9).offset + 8)));
    expect(() => layout.stream(16)).toThrow(/no stream/);
  });

  it("truncates, flips and overwrites copies, leaving the original alone", () => {
    expect(corrupt(bytes, { kind: "truncate", at: 40 }).length).toBe(40);
    const flipped = corrupt(bytes, { kind: "flip", offset: headerOffsets.signature, mask: 0xff });
    expect(flipped[0]).toBe(0x4d ^ 0xff);
    expect(bytes[0]).toBe(0x4d);
    const more = corrupt(bytes, [
      { kind: "setU32", offset: headerOffsets.streamCount, value: 0xffffffff },
      { kind: "setU32", offset: layout.streams[0]!.entryOffset + directoryEntryOffsets.rva, value: 0x7fff0000 },
      { kind: "setU64", offset: headerOffsets.flags, value: 3n },
    ]);
    const m = dec(more);
    expect([m.u32(8), m.u32(d.u32(12) + 8), m.u64(24)]).toEqual([0xffffffff, 0x7fff0000, 3n]);
    expect(() => corrupt(bytes, { kind: "setU32", offset: bytes.length - 2, value: 1 })).toThrow(/outside/);
  });

  it("writeTo writes the same bytes as build()", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "synth-"));
    try {
      const file = builder.writeTo(path.join(dir, "t.dmp"));
      expect(new Uint8Array(readFileSync(file))).toEqual(bytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- through the real reader, once it exists

const READER = path.resolve(import.meta.dirname, "../../src/minidump/reader.ts");
describe.skipIf(!existsSync(READER))("round trip through src/minidump/reader.ts", () => roundTripSuite());

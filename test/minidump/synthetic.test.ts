/**
 * The minidump reader on small synthetic dumps (src/minidump-synth) for what no real dump holds:
 * Memory64List, overlapping and touching ranges, absurd string lengths, comments, nested exception
 * records, every MiscInfo size, ThreadExList, 40-byte handle descriptors, a short Token stream, and
 * files that are not minidumps at all.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { MinidumpError } from "../../src/minidump/types";
import { corrupt, headerOffsets, StreamType, synthMinidump } from "../../src/minidump-synth";
import { TESTDATA } from "../oracle/breakpad-output";
import { concat, exceptionRecord64, u32s, u64s } from "./helpers";

const x64 = () => synthMinidump({ arch: "x64" });
const openBytes = (bytes: Uint8Array): Minidump => Minidump.open(bufferSource(bytes));

describe("synthetic dumps", () => {
  it("Memory64List: consecutive data, touching ranges stitched, gaps and tails refused", () => {
    const data = new Uint8Array(0x210).map((_, i) => i & 0xff);
    // The writer puts the ranges' bytes back to back, in this order, from BaseRva.
    const m = openBytes(x64().memory64(0x5000n, data.slice(0, 0x10)).memory64(0x1000n, data.slice(0x10, 0x110)).memory64(0x1100n, data.slice(0x110)).build());
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
    const synth = x64().memory64(0x7000n, new Uint8Array(64).fill(7));
    const list = synth.layout().stream(StreamType.Memory64List).offset;
    const bytes = corrupt(synth.build(), [
      { kind: "setU64", offset: list, value: 0xffff_ffff_ffffn }, // NumberOfMemoryRanges
      { kind: "setU64", offset: list + 16 + 8, value: 0xffff_ffff_0000n }, // the one range's DataSize
    ]);
    const m = openBytes(bytes);
    expect(m.memoryRanges()).toHaveLength(1);
    expect(m.memoryRanges()[0]?.size).toBeLessThanOrEqual(bytes.length);
    expect(m.readMemory(0x7000n, 16)).toEqual(new Uint8Array(16).fill(7));
    expect(m.warnings.join("\n")).toMatch(/claims 281474976710655 entries/);
    expect(m.warnings.join("\n")).toMatch(/file ends/);
  });

  it("overlapping memory ranges with different bytes: the earlier wins, with a warning", () => {
    const m = openBytes(x64().memory(0x1080n, new Uint8Array(0x100).fill(0xbb)).memory(0x1000n, new Uint8Array(0x100).fill(0xaa)).build());
    expect(m.memoryRanges().map((r) => [r.start, r.size])).toEqual([[0x1000n, 0x100], [0x1100n, 0x80]]);
    expect(m.readMemory(0x10f0n, 0x20)).toEqual(Uint8Array.from([...new Array(16).fill(0xaa), ...new Array(16).fill(0xbb)]));
    expect(m.warnings).toEqual([expect.stringMatching(/1 memory range\(s\) overlap/)]);
  });

  it("strings: absurd lengths are cut, RVA64 names past the end are skipped, comments decode", () => {
    // Names for threads 1..3 and no thread list; thread 2's name then points past the end, thread 3's at 0.
    const synth = x64()
      .omitStream(StreamType.ThreadList)
      .thread({ id: 1, name: "main" }).thread({ id: 2, name: "two" }).thread({ id: 3, name: "three" })
      .module({ name: "a.dll", base: 0x10000n, size: 0x1000 })
      .comment("hello\0junk")
      .comment("wide\0x", { wide: true })
      .breakpadInfo({ dumpThreadId: 11, requestingThreadId: 22 });
    const layout = synth.layout();
    const names = layout.stream(StreamType.ThreadNames).offset + 4; // MINIDUMP_THREAD_NAME: ThreadId, RvaOfThreadName (64-bit)
    const m = openBytes(corrupt(synth.build(), [
      { kind: "setU32", offset: layout.modules[0]!.nameRva, value: 0x7fff_fffe },
      { kind: "setU64", offset: names + 12 + 4, value: 0xffff_ffff_0000n },
      { kind: "setU64", offset: names + 24 + 4, value: 0n },
    ]));
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
    const record = (nested: bigint, code: number): Uint8Array => exceptionRecord64({ code, flags: 1, nested, address: 0x4000n, parameters: [1n, 0x20n] });
    const m = openBytes(x64()
      .exception({ threadId: 42, code: 0xc0000005, flags: 1, nestedRecord: 0x2000n, address: 0x4000n, parameters: [1n, 0x20n], noContext: true })
      .memory(0x2000n, concat(record(0x2098n, 0xc0000001), record(0x2000n, 0xc0000002)))
      .build());
    expect(m.exception()?.record.parameters).toEqual([1n, 0x20n]);
    expect(m.exception()?.context).toBeUndefined();
    expect(m.exceptionChain().map((r) => r.code.toString(16))).toEqual(["c0000005", "c0000001", "c0000002"]);
    expect(m.warnings).toEqual(["the exception: no context in the dump", expect.stringMatching(/cycle at 0x2000/)]);
  });

  it("MiscInfo versions by size; ThreadExList alone gives threads with backing stores; handle descriptor _2", () => {
    for (const [size, version] of [[24, 1], [44, 2], [232, 3], [832, 4], [1364, 5]] as const) {
      const synth = x64().misc({ version, processId: 77 });
      expect(synth.layout().stream(StreamType.MiscInfo).size).toBe(size);
      expect(openBytes(synth.build()).miscInfo()).toMatchObject({ version, processId: 77 });
    }
    const synth = synthMinidump({ arch: "x64", threadListEx: true })
      .thread({ id: 1, suspendCount: 7, teb: 0x7ffe0000n, noContext: true, backingStore: { start: 0x9000n, bytes: new Uint8Array(0x10) } })
      .handles([{ handle: 0x44n, type: "Event", grantedAccess: 0x1f0003, handleCount: 1, pointerCount: 2 }], { descriptorSize: 40 });
    const handles = synth.layout().stream(StreamType.HandleData);
    expect(handles.size).toBe(16 + 40);
    // The writer leaves MINIDUMP_HANDLE_DESCRIPTOR_2's ObjectInfoRva (offset 32) zero.
    const m = openBytes(corrupt(synth.build(), { kind: "setU32", offset: handles.offset + 16 + 32, value: 0x99 }));
    expect(m.streams().map((s) => s.type)).toContain(StreamType.ThreadExList);
    expect(m.streams().map((s) => s.type)).not.toContain(StreamType.ThreadList);
    expect(m.threads()).toHaveLength(1);
    expect(m.threads()[0]).toMatchObject({ id: 1, suspendCount: 7, teb: 0x7ffe0000n, backingStore: { start: 0x9000n, size: 0x10 }, context: undefined });
    expect(m.handles()).toEqual([{ handle: 0x44n, typeName: "Event", attributes: 0, grantedAccess: 0x1f0003, handleCount: 1, pointerCount: 2, objectInfoRva: 0x99 }]);
    expect(m.handles()).toBe(m.handles()); // cached
    // MINIDUMP_TOKEN_INFO_LIST (TotalListSize, count 3, header 16, element header 16), two tokens, then 8 bytes of a third.
    const tokens = concat(u32s(56, 3, 16, 16), u32s(24, 4440), u64s(0x80), new Uint8Array(8), u32s(16, 17), u64s(0x84), u32s(2, 9));
    const t = openBytes(x64().rawStream(StreamType.Token, tokens).build());
    expect(t.token()).toEqual({ count: 3, entries: [{ tokenId: 4440, size: 24 }, { tokenId: 17, size: 16 }] });
    expect(t.warnings).toEqual([expect.stringMatching(/TokenStream: claims 3 tokens but the stream ends after 2/)]);
  });

  it("open refuses what is not a minidump, with one-line reasons", () => {
    // A header and one unused directory entry: the smallest dump that opens (44 bytes).
    const good = synthMinidump({ arch: "x64", reservedStreams: 1 })
      .omitStream(StreamType.ThreadList).omitStream(StreamType.ModuleList).omitStream(StreamType.SystemInfo)
      .build();
    expect(good.length).toBe(44);
    const reasons = (b: Uint8Array): string => {
      try {
        openBytes(b);
        return "opened";
      } catch (e) {
        expect(e).toBeInstanceOf(MinidumpError);
        return (e as Error).message;
      }
    };
    const withU32 = (offset: number, value: number): Uint8Array => corrupt(good, { kind: "setU32", offset, value });
    expect(reasons(new Uint8Array(0))).toBe("not a minidump: the file is empty");
    expect(reasons(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]))).toBe("not a minidump: the file starts with 'PK\\x03\\x04' (expected 'MDMP')");
    expect(reasons(corrupt(good, { kind: "truncate", at: 20 }))).toBe("truncated: the 20-byte file is shorter than the 32-byte minidump header");
    expect(reasons(withU32(headerOffsets.version, 0x1234))).toMatch(/^not a minidump: version 0x1234/);
    expect(reasons(withU32(headerOffsets.streamCount, 12))).toBe(`truncated: the stream directory (12 entries at 0x20) runs past the end of the ${good.length}-byte file`);
    expect(reasons(withU32(headerOffsets.streamCount, 0xffffffff))).toMatch(/^damaged header: it claims 4294967295 streams/);
    expect(reasons(good)).toBe("opened");
    expect(() => Minidump.openFile(path.join(TESTDATA, "no-such.dmp"))).toThrow(MinidumpError);
    expect(() => Minidump.openFile(path.join(TESTDATA, "README.md"))).toThrow(/^not a minidump: the file starts with '# Re'/);
  });
});

/**
 * The round-trip checks of minidump-synth.test.ts: dumps written by the synthetic writer, opened with the
 * real reader (src/minidump/reader.ts, loaded by path so this file compiles before the reader exists),
 * must read back exactly what was written, with no warnings.
 */
import path from "node:path";
import { expect, it } from "vitest";
import type { ByteSource, MinidumpReader } from "../../src/minidump/types";
import { StreamType, corrupt, headerOffsets, synthMinidump } from "../../src/minidump-synth";

interface ReaderModule {
  Minidump: { open(source: ByteSource): MinidumpReader | Promise<MinidumpReader> };
}
interface ByteSourceModule {
  bufferSource(bytes: Uint8Array): ByteSource;
}

const here = import.meta.dirname;

async function open(bytes: Uint8Array): Promise<MinidumpReader> {
  const readerPath = path.resolve(here, "../../src/minidump/reader.ts");
  const sourcePath = path.resolve(here, "../../src/minidump/byte-source.ts");
  const { Minidump } = (await import(/* @vite-ignore */ readerPath)) as ReaderModule;
  const { bufferSource } = (await import(/* @vite-ignore */ sourcePath)) as ByteSourceModule;
  return await Minidump.open(bufferSource(bytes));
}

const GUID = "3F2504E04F8911D39A0C0305E82C3301";
const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

export function roundTripSuite(): void {
  it("x64: every stream reads back as written, with no warnings", async () => {
    const builder = synthMinidump({ arch: "x64", timestamp: 0x61000000, os: { major: 10, minor: 0, build: 22621 }, processorCount: 8 })
      .thread({ id: 0x100, suspendCount: 1, priority: 2, teb: 0x7ff5f000n, name: "main",
        stack: { start: 0xa000n, size: 0x40, words: [0x7ff600001234n, 0xa030n] },
        registers: { rip: 0x7ff600001000n, rbp: 0xa020n, rax: 5n, r15: 0xfn },
        times: { create: 132000000000000000n, kernel: 10n, user: 20n, startAddress: 0x7ff600001000n } })
      .thread({ id: 0x104, stackInMemoryListOnly: true, stack: { start: 0xc000n, bytes: fill(32, 0xcc) } })
      .module({ name: "C:\\app\\app.exe", base: 0x7ff600000000n, size: 0x23000, timestamp: 0x5f3e2a1b, checksum: 0x4567, version: "1.2.3.4",
        pdb: { name: "C:\\build\\app.pdb", guid: GUID, age: 0x2a } })
      .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: 0x7ffe00000000n, size: 0x1f0000 })
      .unloadedModule({ name: "C:\\gone.dll", base: 0x180000000n, size: 0x4000, timestamp: 0x11223344, checksum: 5 })
      .memory(0x20000n, fill(16, 0x20))
      .memory64(0x30000n, fill(0x100, 0x30)).memory64(0x40000n, fill(8, 0x40))
      .exception({ threadId: 0x100, code: 0xc0000005, flags: 1, address: 0x7ff600001000n, parameters: [1n, 0x10n], registers: { rip: 0x7ff600001000n, rsp: 0xa008n } })
      .misc({ processId: 4321, createTime: 0x60ffffff, userTime: 2, kernelTime: 3, buildString: "22621.1.amd64fre.ni_release.220506-1250" })
      .handles([{ handle: 0x4n, type: "Event", name: "\\BaseNamedObjects\\Ready", attributes: 2, grantedAccess: 0x1f0003, handleCount: 3, pointerCount: 65 }, { handle: 0x8n, type: "File" }])
      .memoryInfo([{ base: 0x10000n, size: 0x3000n, state: 0x1000, protect: 0x04, type: 0x20000, allocationBase: 0xf000n, allocationProtect: 0x40 }])
      .comment("ascii comment").comment("wide comment", { wide: true })
      .rawStream(0x7a7a0001, fill(5, 1))
      .breakpadInfo({ dumpThreadId: 0x104, requestingThreadId: 0x100 })
      .assertion({ expression: "p != 0", function: "run", file: "app.cc", line: 77, type: 1 });
    const layout = builder.layout();
    const r = await open(builder.build());

    expect(r.header.streamCount).toBe(layout.directory.count);
    expect(r.header.timestamp).toBe(0x61000000);
    expect(r.header.flags).toBe(0x2n | 0x4n | 0x20n | 0x800n | 0x1000n);
    expect(r.streams().map((s) => [s.type, s.offset, s.size])).toEqual(layout.streams.map((s) => [s.type, s.offset, s.size]));

    expect(r.systemInfo()).toMatchObject({ arch: "x64", processorArchitecture: 9, processorCount: 8, majorVersion: 10, minorVersion: 0, buildNumber: 22621, platformId: 2, productType: 1, csdVersion: "" });

    const [t0, t1] = r.threads();
    expect(r.threads()).toHaveLength(2);
    expect(t0).toMatchObject({ id: 0x100, suspendCount: 1, priority: 2, priorityClass: 0x20, teb: 0x7ff5f000n, stack: { start: 0xa000n, size: 0x40 } });
    expect(t0?.context?.arch).toBe("x64");
    expect(t0?.context?.contextFlags).toBe(0x10000f);
    expect(t0?.context?.registers).toMatchObject({ rip: 0x7ff600001000n, rsp: 0xa000n, rbp: 0xa020n, rax: 5n, r15: 0xfn, cs: 0x33n, efl: 0x202n });
    expect(t1).toMatchObject({ id: 0x104, stack: { start: 0xc000n, size: 32, rva: 0 } });
    expect(r.threadNames().get(0x100)).toBe("main");
    expect(r.threadNames().has(0x104)).toBe(false);
    expect(r.threadInfo().get(0x100)).toMatchObject({ createTime: 132000000000000000n, kernelTime: 10n, userTime: 20n, startAddress: 0x7ff600001000n, exitTime: 0n });

    const [exe, dll] = r.modules();
    expect(exe).toMatchObject({ base: 0x7ff600000000n, size: 0x23000, checksum: 0x4567, timestamp: 0x5f3e2a1b, path: "C:\\app\\app.exe", name: "app.exe", codeId: "5F3E2A1B23000" });
    expect(exe?.version).toMatchObject({ fileVersion: "1.2.3.4", productVersion: "1.2.3.4", fileType: 1 });
    expect(exe?.codeView).toMatchObject({ kind: "RSDS", pdbName: "C:\\build\\app.pdb", age: 0x2a, debugId: `${GUID}2a` }); // Breakpad prints the age with %x (lowercase)
    expect(exe?.codeView?.guid?.replace(/[-{}]/g, "").toUpperCase()).toBe(GUID);
    expect(dll?.version).toBeUndefined();
    expect(dll?.codeView).toBeUndefined();
    expect(r.unloadedModules()).toEqual([{ base: 0x180000000n, size: 0x4000, checksum: 5, timestamp: 0x11223344, path: "C:\\gone.dll", name: "gone.dll" }]);

    const ex = r.exception();
    expect(ex?.threadId).toBe(0x100);
    expect(ex?.record).toEqual({ code: 0xc0000005, flags: 1, address: 0x7ff600001000n, parameters: [1n, 0x10n], nestedRecord: 0n });
    expect(ex?.context?.registers).toMatchObject({ rip: 0x7ff600001000n, rsp: 0xa008n });

    expect(r.memoryRanges().map((m) => [m.start, m.size])).toEqual([[0xa000n, 0x40], [0xc000n, 32], [0x20000n, 16], [0x30000n, 0x100], [0x40000n, 8]]);
    expect(new DataView(r.readMemory(0xa000n, 16)!.buffer).getBigUint64(8, true)).toBe(0xa030n);
    expect(r.readMemory(0xc000n, 32)).toEqual(fill(32, 0xcc));
    expect(r.readMemory(0x20000n, 16)).toEqual(fill(16, 0x20));
    expect(r.readMemory(0x300f8n, 8)).toEqual(fill(8, 0x30));
    expect(r.readMemory(0x40000n, 8)).toEqual(fill(8, 0x40));
    expect(r.readMemory(0x300f8n, 9)).toBeUndefined();

    expect(r.memoryInfo()).toEqual([{ base: 0x10000n, allocationBase: 0xf000n, allocationProtect: 0x40, regionSize: 0x3000n, state: 0x1000, protect: 0x04, type: 0x20000 }]);
    const handles = r.handles();
    expect(handles).toHaveLength(2);
    expect(handles?.[0]).toMatchObject({ handle: 4n, typeName: "Event", objectName: "\\BaseNamedObjects\\Ready", attributes: 2, grantedAccess: 0x1f0003, handleCount: 3, pointerCount: 65 });
    expect(handles?.[1]?.typeName).toBe("File");
    expect(handles?.[1]?.objectName).toBeUndefined();
    expect(r.miscInfo()).toMatchObject({ version: 5, flags1: 0x1 | 0x2 | 0x100, processId: 4321, processCreateTime: 0x60ffffff, processUserTime: 2, processKernelTime: 3,
      buildString: "22621.1.amd64fre.ni_release.220506-1250" });
    expect(r.comments()).toEqual({ ascii: "ascii comment", wide: "wide comment" });
    expect(r.unknownStreams().map((s) => [s.type, s.offset, s.size])).toEqual([[0x7a7a0001, layout.stream(0x7a7a0001).offset, 5]]);
    expect(r.breakpadInfo()).toEqual({ dumpThreadId: 0x104, requestingThreadId: 0x100 });
    expect(r.assertion()).toEqual({ expression: "p != 0", function: "run", file: "app.cc", line: 77, type: 1 });
    expect(r.warnings).toEqual([]);
    r.close();
  });

  it.each([
    ["x86", { eip: 0x401000n, esp: 0x12f000n, ebp: 0x12f010n, eax: 1n, edi: 2n }, 0x1000f],
    ["arm64", { pc: 0x140001000n, sp: 0x5000n, fp: 0x5010n, lr: 0x140001100n, x0: 7n, x28: 28n, cpsr: 0x60000000n }, 0x400007],
  ] as const)("%s: the system info, thread context and a stack read back as written", async (arch, registers, flags) => {
    const r = await open(synthMinidump({ arch }).thread({ id: 1, registers, stack: { start: 0x5000n, size: 16, words: [0x1234n, 0x5678n] } }).build());
    expect(r.systemInfo()?.arch).toBe(arch);
    const t = r.threads()[0];
    expect(t?.context?.arch).toBe(arch);
    expect(t?.context?.contextFlags).toBe(flags);
    expect(t?.context?.registers).toMatchObject(registers);
    const word = arch === "x86" ? 4 : 8;
    const bytes = r.readMemory(0x5000n + BigInt(word), word)!;
    expect(arch === "x86" ? new DataView(bytes.buffer).getUint32(0, true) : Number(new DataView(bytes.buffer).getBigUint64(0, true))).toBe(0x5678);
    expect(r.warnings).toEqual([]);
  });

  it("a dump without the optional streams reads as absent, and a bad signature is refused", async () => {
    const b = synthMinidump({ arch: "x64" }).omitStream(StreamType.ModuleList).build();
    const r = await open(b);
    expect(r.modules()).toEqual([]);
    expect(r.exception()).toBeUndefined();
    expect(r.miscInfo()).toBeUndefined();
    expect(r.handles()).toBeUndefined();
    expect(r.memoryInfo()).toBeUndefined();
    await expect(open(corrupt(b, { kind: "flip", offset: headerOffsets.signature, mask: 0x20 }))).rejects.toThrow();
  });

  it("a dump cut inside its Memory64List data still opens; the cut bytes read as not captured", async () => {
    const builder = synthMinidump({ arch: "x64" }).thread({ id: 1, registers: { rip: 0x1000n } }).memory64(0x10000n, fill(0x100, 1)).memory64(0x20000n, fill(0x100, 2));
    const cut = corrupt(builder.build(), { kind: "truncate", at: builder.layout().memory64BaseRva! + 0x180 });
    const r = await open(cut);
    expect(r.threads()[0]?.context?.registers.rip).toBe(0x1000n);
    expect(r.readMemory(0x10000n, 0x100)).toEqual(fill(0x100, 1));
    expect(r.readMemory(0x20000n, 0x80)).toEqual(fill(0x80, 2));
    expect(r.readMemory(0x20000n, 0x100)).toBeUndefined();
    expect(r.warnings.length).toBeGreaterThan(0);
  });
}

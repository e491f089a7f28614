/**
 * buildDumpTarget on synthetic x64, x86 and ARM64 dumps whose TEBs and PEB are written by field name
 * (the public Windows layouts, as src/cli/demo.ts does), seen through the emulated debugger's data model.
 * Every expected value is one written into the dump here.
 */
import { describe, expect, it } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { WINDOWS_USER_X64, WINDOWS_USER_X86 } from "../../src/emulator/layouts/windows-user";
import { TypeTable, type EmuType } from "../../src/emulator/types";
import { StreamType, synthMinidump, type MinidumpSynth } from "../../src/minidump-synth";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { MinidumpError } from "../../src/minidump/types";
import { buildDumpTarget } from "../../src/runner/dump-target";

/** Byte offset of a field path (`_TEB.NtTib.StackBase`) in a layout. */
function offsetOf(layout: LayoutSet, dotted: string): number {
  const [typeName, ...fields] = dotted.split(".");
  let t: EmuType | undefined = new TypeTable(layout).resolve(typeName!);
  let offset = 0;
  for (const name of fields) {
    const f = t && t.kind === "udt" ? t.field(name) : undefined;
    if (!f) throw new Error(`no ${dotted} in ${layout.id}`);
    offset += f.offset;
    t = f.type;
  }
  return offset;
}

function put(bytes: Uint8Array, offset: number, size: number, v: bigint): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  if (size === 8) dv.setBigUint64(offset, v, true);
  else dv.setUint32(offset, Number(v), true);
}

interface TebFacts { readonly stackBase: bigint; readonly stackLimit: bigint; readonly self: bigint; readonly pid: number; readonly tid: number; readonly peb: bigint }

function teb(layout: LayoutSet, v: TebFacts): Uint8Array {
  const ps = layout.pointerSize;
  const b = new Uint8Array(ps === 8 ? 0x1800 : 0x1000);
  put(b, offsetOf(layout, "_TEB.NtTib.StackBase"), ps, v.stackBase);
  put(b, offsetOf(layout, "_TEB.NtTib.StackLimit"), ps, v.stackLimit);
  put(b, offsetOf(layout, "_TEB.NtTib.Self"), ps, v.self);
  put(b, offsetOf(layout, "_TEB.ClientId.UniqueProcess"), ps, BigInt(v.pid));
  put(b, offsetOf(layout, "_TEB.ClientId.UniqueThread"), ps, BigInt(v.tid));
  put(b, offsetOf(layout, "_TEB.ProcessEnvironmentBlock"), ps, v.peb);
  return b;
}

function peb(layout: LayoutSet, imageBase: bigint): Uint8Array {
  const b = new Uint8Array(0x800);
  put(b, offsetOf(layout, "_PEB.ImageBaseAddress"), layout.pointerSize, imageBase);
  return b;
}

function open(b: MinidumpSynth) {
  const target = buildDumpTarget(Minidump.open(bufferSource(b.build())));
  return { target, dbg: new EmulatedDebugger(target.spec) };
}

/** Int64 (`.bits`), number or bigint as a bigint. */
function big(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  return (v as { bits: bigint }).bits;
}

// ---------------------------------------------------------------- x64

const APP = 0x7ff6_1000_0000n;
const NTDLL = 0x7ffb_2000_0000n;
const PID = 0x1138;
const PEB64 = 0x0000_0047_9fff_e000n;
const MAIN = 0x1a4;
const FAULT = 0x2b0;
const IDLE = 0x2c8;
const STACK_SIZE = 0x2000;
const THREADS = [MAIN, FAULT, IDLE] as const;
const stackStart = (i: number) => 0x0000_00e8_0000_0000n + BigInt(i + 1) * 0x10_0000n - BigInt(STACK_SIZE);
const spOf = (i: number) => stackStart(i) + 0x1000n;
const tebOf = (i: number) => 0x0000_0047_a000_0000n + BigInt(i) * 0x2000n;
const RIP = { [MAIN]: NTDLL + 0x9d4d4n, [FAULT]: APP + 0x1234n, [IDLE]: NTDLL + 0x9d4d4n } as Record<number, bigint>;
const EXC_RIP = APP + 0x2000n;
const EXC_RSP = spOf(1) + 0x400n;

interface X64Options { readonly misc?: number | false; readonly tebPid?: number; readonly handles?: boolean; readonly exception?: boolean }

function x64Dump(o: X64Options = {}): MinidumpSynth {
  const b = synthMinidump({ arch: "x64" })
    .module({ name: "C:\\app\\crashy.exe", base: APP, size: 0x20000 })
    .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000 })
    .memory(PEB64, peb(WINDOWS_USER_X64, APP));
  if (o.misc !== false) b.misc({ processId: o.misc ?? PID });
  THREADS.forEach((id, i) => {
    const start = stackStart(i);
    const sp = spOf(i);
    const words = new Array<bigint>(STACK_SIZE / 8).fill(0n);
    const at = (address: bigint, v: bigint) => { words[Number(address - start) / 8] = v; };
    if (id === FAULT) {
      at(sp, APP + 0x1500n); // leaf
      at(sp + 0x40n, NTDLL + 0x5aa58n); // scan
      at(EXC_RSP + 8n, APP + 0x1700n); // the exception context's leaf
    } else {
      at(sp + 0x28n, NTDLL + 0x5aa58n);
    }
    b.memory(tebOf(i), teb(WINDOWS_USER_X64, { stackBase: start + BigInt(STACK_SIZE), stackLimit: start, self: tebOf(i), pid: o.tebPid ?? PID, tid: id, peb: PEB64 }));
    b.thread({
      id, teb: tebOf(i), stack: { start, size: STACK_SIZE, words }, registers: { rip: RIP[id]!, rsp: sp, rbp: 0n, rax: BigInt(id) },
      name: id === MAIN ? "main" : id === FAULT ? "worker" : undefined,
    });
  });
  if (o.exception !== false) {
    b.exception({ threadId: FAULT, code: 0xc0000005, address: APP + 0x1234n, parameters: [0n, 0n], registers: { rip: EXC_RIP, rsp: EXC_RSP, rbp: 0n } });
  }
  if (o.handles) {
    b.handles([
      { handle: 0x4n, type: "Event", name: "\\BaseNamedObjects\\Ready", grantedAccess: 0x1f0003 },
      { handle: 0x8n, type: "File", grantedAccess: 0x120089 },
    ]);
  }
  return b;
}

describe("x64: the process", () => {
  it("takes the process id from the misc info stream, before the TEBs", () => {
    expect(open(x64Dump()).dbg.dx("@$curprocess.Id")).toBe(PID);
    expect(open(x64Dump({ misc: 0x2222 })).dbg.dx("@$curprocess.Id")).toBe(0x2222);
  });

  it("falls back to a TEB's ClientId.UniqueProcess without a misc info stream", () => {
    const { dbg, target } = open(x64Dump({ misc: false, tebPid: 0x3344 }));
    expect(dbg.dx("@$curprocess.Id")).toBe(0x3344);
    expect(target.warnings).toEqual([]);
  });

  it("is named after the first module's file name", () => {
    expect(open(x64Dump()).dbg.dx("@$curprocess.Name")).toBe("crashy.exe");
  });

  it("has the PEB the TEBs point to, typed", () => {
    const { dbg } = open(x64Dump());
    expect(big(dbg.dx("@$curprocess.Environment.EnvironmentBlock.ImageBaseAddress.address"))).toBe(APP);
    expect(big(dbg.dx("@$curprocess.Environment.EnvironmentBlock.address"))).toBe(PEB64);
  });

  it("lists the modules with their paths and bases", () => {
    const { dbg } = open(x64Dump());
    expect(dbg.dx("@$curprocess.Modules.Count()")).toBe(2);
    expect([0, 1].map((i) => [dbg.dx(`@$curprocess.Modules[${i}].Name`), big(dbg.dx(`@$curprocess.Modules[${i}].BaseAddress`))])).toEqual([
      ["C:\\app\\crashy.exe", APP], ["C:\\Windows\\System32\\ntdll.dll", NTDLL],
    ]);
  });

  it("has Io.Handles from a handle stream, and no Io without one", () => {
    const { dbg } = open(x64Dump({ handles: true }));
    expect(dbg.dx("@$curprocess.Io.Handles.Count()")).toBe(2);
    expect(dbg.dx("@$curprocess.Io.Handles[0x4].Type")).toBe("Event");
    expect(dbg.dx("@$curprocess.Io.Handles[0x4].ObjectName")).toBe("\\BaseNamedObjects\\Ready");
    expect(dbg.dx("@$curprocess.Io.Handles[0x4].GrantedAccess")).toBe(0x1f0003);
    expect(dbg.dx("@$curprocess.Io.Handles[0x8].Type")).toBe("File");
    expect(() => open(x64Dump()).dbg.dx("@$curprocess.Io")).toThrow(/Couldn't resolve/);
  });
});

describe("x64: threads", () => {
  it("makes the exception's thread current, else the first thread", () => {
    expect(open(x64Dump()).dbg.dx("@$curthread.Id")).toBe(FAULT);
    expect(open(x64Dump({ exception: false })).dbg.dx("@$curthread.Id")).toBe(MAIN);
  });

  it("has each thread's registers from its context", () => {
    const { dbg } = open(x64Dump());
    THREADS.forEach((id, i) => {
      expect(big(dbg.dx(`@$curprocess.Threads[${id}].Registers.User.rip`))).toBe(RIP[id]);
      expect(big(dbg.dx(`@$curprocess.Threads[${id}].Registers.User.rsp`))).toBe(spOf(i));
      expect(big(dbg.dx(`@$curprocess.Threads[${id}].Registers.User.rax`))).toBe(BigInt(id));
    });
  });

  it("has typed TEBs: NtTib's stack limits, Self and ClientId", () => {
    const { dbg } = open(x64Dump());
    THREADS.forEach((id, i) => {
      const t = `@$curprocess.Threads[${id}].Environment.EnvironmentBlock`;
      expect(big(dbg.dx(`${t}.NtTib.StackBase.address`))).toBe(stackStart(i) + BigInt(STACK_SIZE));
      expect(big(dbg.dx(`${t}.NtTib.StackLimit.address`))).toBe(stackStart(i));
      expect(big(dbg.dx(`${t}.NtTib.Self.address`))).toBe(tebOf(i));
      expect(big(dbg.dx(`${t}.ClientId.UniqueThread.address`))).toBe(BigInt(id));
    });
  });

  it("has the walked frames: context, leaf and scanned return addresses", () => {
    const { dbg } = open(x64Dump());
    const offsets = (id: number) => {
      const n = dbg.dx(`@$curprocess.Threads[${id}].Stack.Frames.Count()`) as number;
      return Array.from({ length: n }, (_, k) => big(dbg.dx(`@$curprocess.Threads[${id}].Stack.Frames[${k}].Attributes.InstructionOffset`)));
    };
    expect(offsets(FAULT)).toEqual([APP + 0x1234n, APP + 0x1500n, NTDLL + 0x5aa58n]);
    expect(offsets(MAIN)).toEqual([NTDLL + 0x9d4d4n, NTDLL + 0x5aa58n]);
    expect(big(dbg.dx(`@$curprocess.Threads[${FAULT}].Stack.Frames[2].Attributes.StackOffset`))).toBe(spOf(1) + 0x48n);
  });

  it("names the threads of the thread names stream, and only those", () => {
    const { dbg } = open(x64Dump());
    expect(dbg.dx(`@$curprocess.Threads[${MAIN}].Name`)).toBe("main");
    expect(dbg.dx(`@$curprocess.Threads[${FAULT}].Name`)).toBe("worker");
    expect(() => dbg.dx(`@$curprocess.Threads[${IDLE}].Name`)).toThrow(/Couldn't resolve/);
  });

  it("walks the exception's own context for exceptionFrames", () => {
    const { target } = open(x64Dump());
    expect(target.exceptionFrames).toEqual([
      { ip: EXC_RIP, sp: EXC_RSP, fp: 0n, foundBy: "context" },
      { ip: APP + 0x1700n, sp: EXC_RSP + 16n, fp: 0n, foundBy: "leaf" },
    ]);
    expect(target.threads.find((t) => t.id === FAULT)?.frames[0]?.ip).toBe(APP + 0x1234n);
    expect(open(x64Dump({ exception: false })).target.exceptionFrames).toBeUndefined();
  });
});

describe("x64: memory seen by a script", () => {
  const SCRIPT = [
    "function readAt(a) { return host.memory.readMemoryValues(a, 1, 8)[0]; }",
    "function tryRead(a) { try { host.memory.readMemoryValues(a, 1, 8); return 'read'; } catch (e) { return 'threw: ' + e.message; } }",
  ].join("\n");

  it("reads captured memory and throws, catchably, for an uncaptured address", () => {
    const { dbg } = open(x64Dump());
    dbg.scriptLoad(SCRIPT, "C:\\t\\x.js");
    const self = tebOf(0) + BigInt(offsetOf(WINDOWS_USER_X64, "_TEB.NtTib.Self"));
    expect(big(dbg.dx(`@$scriptContents.readAt(0x${self.toString(16)})`))).toBe(tebOf(0));
    // Between the PEB page and the first TEB: not in the dump.
    const hole = PEB64 + 0x1000n;
    expect(() => dbg.dx(`@$scriptContents.readAt(0x${hole.toString(16)})`)).toThrow(new RegExp(`Unable to read memory at Address 0x${hole.toString(16)}`));
    expect(dbg.dx(`@$scriptContents.tryRead(0x${hole.toString(16)})`)).toMatch(/^threw: Unable to read memory/);
    expect(dbg.dx(`@$scriptContents.tryRead(0x${PEB64.toString(16)})`)).toBe("read");
  });
});

// ---------------------------------------------------------------- x86

describe("x86", () => {
  const APP32 = 0x0040_0000n;
  const NT32 = 0x7c90_0000n;
  const PEB32 = 0x7ffd_3000n;
  const TEB_MISSING = 0x7ffd_e000n;
  const TEB32 = 0x7ffd_f000n;
  const START = 0x0012_e000n;
  const ESP = 0x0012_fe84n;
  const EBP0 = 0x0012_fe88n;
  const EBP1 = 0x0012_ff70n;

  const dump = () => {
    const words = new Array<bigint>(0x2000 / 4).fill(0n);
    const at = (a: bigint, v: bigint) => { words[Number(a - START) / 4] = v; };
    at(EBP0, EBP1);
    at(EBP0 + 4n, APP32 + 0x4200n);
    at(EBP1 + 4n, NT32 + 0x100n); // [EBP1] = 0: the next ebp is unreadable, and nothing above is code
    return synthMinidump({ arch: "x86" })
      .module({ name: "C:\\app\\app32.exe", base: APP32, size: 0x2d000 })
      .module({ name: "C:\\WINDOWS\\system32\\ntdll.dll", base: NT32, size: 0xb0000 })
      .memory(PEB32, peb(WINDOWS_USER_X86, APP32))
      .memory(TEB32, teb(WINDOWS_USER_X86, { stackBase: START + 0x2000n, stackLimit: START, self: TEB32, pid: 0x9a0, tid: 0x104, peb: PEB32 }))
      .thread({ id: 0x100, teb: TEB_MISSING, registers: { eip: NT32 + 0x200n, esp: 0x0011_0000n, ebp: 0n } })
      .thread({ id: 0x104, teb: TEB32, stack: { start: START, size: 0x2000, words }, registers: { eip: APP32 + 0x429en, esp: ESP, ebp: EBP0 } });
  };

  it("takes the process id from the first readable TEB (4-byte ClientId) without misc info", () => {
    expect(open(dump()).dbg.dx("@$curprocess.Id")).toBe(0x9a0);
  });

  it("has a typed 32-bit TEB and PEB", () => {
    const { dbg } = open(dump());
    const t = "@$curprocess.Threads[0x104].Environment.EnvironmentBlock";
    expect(big(dbg.dx(`${t}.NtTib.StackBase.address`))).toBe(START + 0x2000n);
    expect(big(dbg.dx(`${t}.ProcessEnvironmentBlock.address`))).toBe(PEB32);
    expect(big(dbg.dx("@$curprocess.Environment.EnvironmentBlock.ImageBaseAddress.address"))).toBe(APP32);
  });

  it("walks the ebp chain and keeps eip", () => {
    const { dbg } = open(dump());
    expect(dbg.dx("@$curthread.Id")).toBe(0x100);
    expect(big(dbg.dx("@$curprocess.Threads[0x104].Registers.User.eip"))).toBe(APP32 + 0x429en);
    const t = "@$curprocess.Threads[0x104].Stack.Frames";
    expect(dbg.dx(`${t}.Count()`)).toBe(3);
    expect([0, 1, 2].map((k) => big(dbg.dx(`${t}[${k}].Attributes.InstructionOffset`)))).toEqual([APP32 + 0x429en, APP32 + 0x4200n, NT32 + 0x100n]);
    expect(big(dbg.dx(`${t}[1].Attributes.FrameOffset`))).toBe(EBP1);
  });

  it("tells the architecture from a context when the system info stream is missing", () => {
    expect(open(dump().omitStream(StreamType.SystemInfo)).target.arch).toBe("x86");
  });
});

// ---------------------------------------------------------------- ARM64

describe("ARM64", () => {
  const APPA = 0x7ff7_0000_0000n;
  const NTA = 0x7ffc_0000_0000n;
  const S = 0x0000_0050_0000_1000n;
  const START = S - 0x1000n;
  const FP0 = S + 0x20n;
  const FP1 = S + 0x60n;
  const TEBA = 0x0000_0060_0000_0000n;

  const dump = () => {
    const words = new Array<bigint>(0x2000 / 8).fill(0n);
    const at = (a: bigint, v: bigint) => { words[Number(a - START) / 8] = v; };
    at(FP0, FP1);
    at(FP0 + 8n, APPA + 0x300n);
    return synthMinidump({ arch: "arm64" })
      .module({ name: "C:\\app\\arm.exe", base: APPA, size: 0x10000 })
      .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTA, size: 0x200000 })
      .misc({ processId: 0x77 })
      .memory(TEBA, teb(WINDOWS_USER_X64, { stackBase: START + 0x2000n, stackLimit: START, self: TEBA, pid: 0x77, tid: 0x500, peb: 0n }))
      .thread({ id: 0x500, teb: TEBA, stack: { start: START, size: 0x2000, words }, registers: { pc: APPA + 0x100n, sp: S, fp: FP0, lr: APPA + 0x200n } })
      .thread({ id: 0x504, registers: { pc: NTA + 0x10n, sp: 0x10_0000n, fp: 0n, lr: 0n } });
  };

  it("makes the first thread current and walks the frame records", () => {
    const { dbg, target } = open(dump());
    expect(target.arch).toBe("arm64");
    expect(dbg.dx("@$curthread.Id")).toBe(0x500);
    expect(dbg.dx("@$curprocess.Name")).toBe("arm.exe");
    expect(big(dbg.dx("@$curthread.Registers.User.pc"))).toBe(APPA + 0x100n);
    expect(dbg.dx("@$curthread.Stack.Frames.Count()")).toBe(3);
    // pc, lr, then [FP0+8]; [FP1] = [FP1+8] = 0 ends the walk.
    expect([0, 1, 2].map((k) => big(dbg.dx(`@$curthread.Stack.Frames[${k}].Attributes.InstructionOffset`)))).toEqual([APPA + 0x100n, APPA + 0x200n, APPA + 0x300n]);
    expect(big(dbg.dx("@$curthread.Stack.Frames[2].Attributes.StackOffset"))).toBe(FP1 + 16n);
  });

  it("has a typed TEB (the x64 layout) but no PEB when the TEB's pointer is 0", () => {
    const { dbg } = open(dump());
    expect(big(dbg.dx("@$curthread.Environment.EnvironmentBlock.NtTib.StackBase.address"))).toBe(START + 0x2000n);
    expect(dbg.dx("@$curprocess.Environment.EnvironmentBlock")).toBeUndefined();
  });
});

describe("unusable dumps", () => {
  it("refuses a dump with neither a system info stream nor any thread context (MinidumpError)", () => {
    const bytes = synthMinidump({ arch: "x64" }).omitStream(StreamType.SystemInfo).thread({ id: 1, noContext: true }).build();
    const dump = Minidump.open(bufferSource(bytes));
    expect(() => buildDumpTarget(dump)).toThrow(MinidumpError);
    expect(() => buildDumpTarget(dump)).toThrow(/cannot tell the processor architecture/);
  });
});

/**
 * `ewmda demo`: a synthetic x64 dump with known problems, written with the project's minidump writer, and
 * Breakpad symbol files for its modules, so a new user sees what ewmda does without a dump of their own:
 * - thread 0x1a4 faulted: an access violation reading address 0 in demoapp.exe (the exception stream);
 * - thread 0x2b0 is spiking: 41 s of user time in the last minute (thread info stream);
 * - threads 0x2c8 and 0x2d4 are deadlocked: each owns one critical section and waits for the other's
 *   (both sections are on ntdll's RtlCriticalSectionList, as Windows keeps them);
 * - thread 0x300's stack still holds a pointer into plugin.dll, which has been unloaded.
 * Every thread has a TEB in the dump (stack limits, client id, PEB), as a real minidump has.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { WINDOWS_USER_X64 } from "../emulator/layouts/windows-user";
import { TypeTable } from "../emulator/types";
import { synthMinidump } from "../minidump-synth";

const PID = 0x1138;
const APP = 0x7ff6_1000_0000n;
const NTDLL = 0x7ffb_2000_0000n;
const KERNEL32 = 0x7ffb_1e00_0000n;
const PLUGIN = 0x7ffa_5000_0000n;
const PEB = 0x0000_0047_9fff_e000n;
const HEAP = 0x0000_01d0_0000_1000n;
const STACK_SIZE = 0x2000;
const TIMESTAMP = 1_795_000_000; // when the dump was written (time_t)
const DUMP_FILETIME = BigInt(TIMESTAMP) * 10_000_000n + 116_444_736_000_000_000n;
const SECOND = 10_000_000n; // FILETIME units

interface Sym { name: string; rva: number; size: number }
const SYMBOLS: Record<string, { pdb: string; guid: string; functions: Sym[]; publics: Sym[] }> = {
  ntdll: {
    pdb: "ntdll.pdb", guid: "1EB9FACB04C73C5DEA7160764CD33301",
    functions: [
      { name: "RtlUserThreadStart", rva: 0x5aa40, size: 0x40 },
      { name: "RtlpWaitOnCriticalSection", rva: 0x6b200, size: 0x200 },
      { name: "RtlpEnterCriticalSectionContended", rva: 0x6b400, size: 0x100 },
      { name: "RtlEnterCriticalSection", rva: 0x6b500, size: 0x80 },
      { name: "NtWaitForSingleObject", rva: 0x9d4c0, size: 0x20 },
      { name: "NtWaitForAlertByThreadId", rva: 0x9e000, size: 0x20 },
    ],
    publics: [{ name: "RtlCriticalSectionList", rva: 0x16d100, size: 0 }],
  },
  kernel32: { pdb: "kernel32.pdb", guid: "54448D8EEFC5AB3C7193D2C7A6DF9008", functions: [{ name: "BaseThreadInitThunk", rva: 0x17030, size: 0x40 }], publics: [] },
  demoapp: {
    pdb: "demoapp.pdb", guid: "0DEC0DE0000000000000000000000001",
    functions: [
      { name: "main", rva: 0x1100, size: 0x100 }, { name: "CrashFunction", rva: 0x1200, size: 0x100 }, { name: "WorkerA", rva: 0x1600, size: 0x40 },
      { name: "WorkerB", rva: 0x1640, size: 0x40 }, { name: "Loader", rva: 0x1700, size: 0x40 }, { name: "SpinForever", rva: 0x1800, size: 0x40 },
    ],
    publics: [],
  },
};

/** What the demo dump contains, for the report and the tests. */
export const DEMO_FACTS = {
  processId: PID,
  faultingThread: 0x1a4,
  spikingThread: 0x2b0,
  deadlockedThreads: [0x2c8, 0x2d4] as const,
  unloadedResidueThread: 0x300,
  faultAddress: APP + 0x1234n,
  unloadedModule: "plugin.dll",
};

const threads = [
  { id: 0x1a4, name: "main", user: 120_000n },
  { id: 0x2b0, name: "spinner", user: 41n * SECOND },
  { id: 0x2c8, name: "worker A", user: 20_000n },
  { id: 0x2d4, name: "worker B", user: 30_000n },
  { id: 0x300, name: "loader", user: 10_000n },
];

function field(type: string, name: string): number {
  const t = new TypeTable(WINDOWS_USER_X64).resolve(type);
  const f = t && t.kind === "udt" ? t.field(name) : undefined;
  if (!f) throw new Error(`no ${type}.${name}`);
  return f.offset;
}

function u64(bytes: Uint8Array, offset: number, v: bigint): void {
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(offset, v, true);
}
function i32(bytes: Uint8Array, offset: number, v: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(offset, v, true);
}

const fn = (module: keyof typeof SYMBOLS, name: string, offset: number): bigint => {
  const base = module === "ntdll" ? NTDLL : module === "kernel32" ? KERNEL32 : APP;
  const s = SYMBOLS[module]!.functions.find((f) => f.name === name);
  if (!s) throw new Error(`demo: no ${module}!${name}`);
  return base + BigInt(s.rva + offset);
};

/** The demo dump's bytes. */
export function demoDump(): Uint8Array {
  const pdb = (m: keyof typeof SYMBOLS) => ({ name: SYMBOLS[m]!.pdb, guid: SYMBOLS[m]!.guid, age: 1 });
  const b = synthMinidump({ arch: "x64", os: { major: 10, minor: 0, build: 19045 }, processorCount: 8, timestamp: TIMESTAMP })
    .module({ name: "C:\\Program Files\\Demo\\demoapp.exe", base: APP, size: 0x20000, version: "1.0.0.0", pdb: pdb("demoapp") })
    .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000, version: "10.0.19041.3636", pdb: pdb("ntdll") })
    .module({ name: "C:\\Windows\\System32\\kernel32.dll", base: KERNEL32, size: 0xc0000, version: "10.0.19041.3636", pdb: pdb("kernel32") })
    .unloadedModule({ name: "C:\\Program Files\\Demo\\plugin.dll", base: PLUGIN, size: 0x30000 })
    .misc({ processId: PID, createTime: TIMESTAMP - 120, userTime: 42, kernelTime: 1 });

  // Two critical sections, each owned by one worker and wanted by the other, on ntdll's lock list.
  const csA = HEAP;
  const csB = HEAP + 0x40n;
  const dbgA = HEAP + 0x80n;
  const dbgB = HEAP + 0xc0n;
  const listHead = NTDLL + 0x16d100n;
  const heap = new Uint8Array(0x100);
  const cs = (at: number, debug: bigint, owner: number) => {
    u64(heap, at + field("_RTL_CRITICAL_SECTION", "DebugInfo"), debug);
    i32(heap, at + field("_RTL_CRITICAL_SECTION", "LockCount"), -6); // locked, one waiter
    i32(heap, at + field("_RTL_CRITICAL_SECTION", "RecursionCount"), 1);
    u64(heap, at + field("_RTL_CRITICAL_SECTION", "OwningThread"), BigInt(owner));
  };
  cs(0, dbgA, 0x2c8);
  cs(0x40, dbgB, 0x2d4);
  const links = field("_RTL_CRITICAL_SECTION_DEBUG", "ProcessLocksList");
  const debug = (at: number, section: bigint, flink: bigint, blink: bigint) => {
    u64(heap, at + field("_RTL_CRITICAL_SECTION_DEBUG", "CriticalSection"), section);
    u64(heap, at + links, flink);
    u64(heap, at + links + 8, blink);
  };
  debug(0x80, csA, dbgB + BigInt(links), listHead);
  debug(0xc0, csB, listHead, dbgA + BigInt(links));
  b.memory(HEAP, heap);
  const head = new Uint8Array(16);
  u64(head, 0, dbgA + BigInt(links));
  u64(head, 8, dbgB + BigInt(links));
  b.memory(listHead, head);

  const peb = new Uint8Array(0x400);
  u64(peb, field("_PEB", "ImageBaseAddress"), APP);
  b.memory(PEB, peb);

  threads.forEach((t, i) => {
    const start = 0x0000_00e8_0000_0000n + BigInt(i + 1) * 0x10_0000n - BigInt(STACK_SIZE);
    const base = start + BigInt(STACK_SIZE);
    const sp = base - 0x400n;
    const words = new Array<bigint>(STACK_SIZE / 8).fill(0n);
    const put = (slot: number, v: bigint) => { words[Number(sp - start) / 8 + slot] = v; };
    // Every thread started in kernel32!BaseThreadInitThunk from ntdll!RtlUserThreadStart.
    put(36, fn("kernel32", "BaseThreadInitThunk", 0x14));
    put(40, fn("ntdll", "RtlUserThreadStart", 0x21));
    let rip = fn("ntdll", "NtWaitForSingleObject", 0x14);
    if (t.id === 0x1a4) { rip = APP + 0x1234n; put(0, fn("demoapp", "main", 0x50)); }
    if (t.id === 0x2b0) { rip = fn("demoapp", "SpinForever", 0x12); put(0, fn("demoapp", "main", 0x80)); }
    if (t.id === 0x2c8 || t.id === 0x2d4) {
      // Waiting inside EnterCriticalSection for the other worker's section.
      rip = fn("ntdll", "NtWaitForAlertByThreadId", 0x14);
      put(0, fn("ntdll", "RtlpWaitOnCriticalSection", 0x11c));
      put(4, fn("ntdll", "RtlpEnterCriticalSectionContended", 0xd4));
      put(6, t.id === 0x2c8 ? csB : csA);
      put(8, fn("ntdll", "RtlEnterCriticalSection", 0x42));
      put(12, fn("demoapp", t.id === 0x2c8 ? "WorkerA" : "WorkerB", 0x1f));
    }
    if (t.id === 0x300) { put(-6, PLUGIN + 0x1234n); put(0, fn("demoapp", "Loader", 0x20)); }
    const teb = 0x0000_0047_a000_0000n + BigInt(i) * 0x2000n;
    const tebBytes = new Uint8Array(0x1800);
    u64(tebBytes, field("_TEB", "NtTib") + field("_NT_TIB", "StackBase"), base);
    u64(tebBytes, field("_TEB", "NtTib") + field("_NT_TIB", "StackLimit"), start);
    u64(tebBytes, field("_TEB", "NtTib") + field("_NT_TIB", "Self"), teb);
    u64(tebBytes, field("_TEB", "ClientId") + field("_CLIENT_ID", "UniqueProcess"), BigInt(PID));
    u64(tebBytes, field("_TEB", "ClientId") + field("_CLIENT_ID", "UniqueThread"), BigInt(t.id));
    u64(tebBytes, field("_TEB", "ProcessEnvironmentBlock"), PEB);
    b.memory(teb, tebBytes);
    b.thread({
      id: t.id, teb, name: t.name, suspendCount: 1,
      stack: { start, size: STACK_SIZE, words },
      registers: { rip, rsp: sp, rbp: 0n },
      times: { create: DUMP_FILETIME - 60n * SECOND, user: t.user, kernel: 5_000n, startAddress: APP + 0x1100n },
    });
  });
  b.exception({ threadId: 0x1a4, code: 0xc0000005, address: APP + 0x1234n, parameters: [0n, 0n] });
  return b.build();
}

/** Breakpad .sym files for the demo's modules, in symbol-server layout under `dir`. */
export function writeDemoSymbols(dir: string): void {
  for (const [module, s] of Object.entries(SYMBOLS)) {
    const id = s.guid + "1";
    const folder = path.join(dir, s.pdb, id);
    mkdirSync(folder, { recursive: true });
    const lines = [`MODULE windows x86_64 ${id} ${s.pdb}`];
    for (const f of s.functions) lines.push(`FUNC ${f.rva.toString(16)} ${f.size.toString(16)} 0 ${f.name}`);
    for (const p of s.publics) lines.push(`PUBLIC ${p.rva.toString(16)} 0 ${p.name}`);
    writeFileSync(path.join(folder, `${module}.sym`), lines.join("\n") + "\n");
  }
}

/** Writes the demo dump and its symbols; returns the dump's path and the symbols folder. */
export function runDemo(out: string): { dump: string; symbols: string } {
  writeFileSync(out, demoDump());
  const symbols = out.replace(/\.dmp$/i, "") + ".symbols";
  writeDemoSymbols(symbols);
  return { dump: out, symbols };
}

/** Lines explaining what was planted and what ewmda finds today. */
export function demoNotes(): string[] {
  return [
    "What the demo dump holds, and what finds it:",
    "  - an access violation reading address 0 on thread 0x1a4 at demoapp.exe+0x1234: ExceptionStackTraces (and the Event row)",
    "  - thread 0x2b0 spinning (41 s of user time in its last minute): SpikingThreads and ActiveThreads",
    "  - threads 0x2c8 and 0x2d4 deadlocked on two critical sections: LockWaitChains (and BlockedThreads)",
    "  - a pointer into the unloaded plugin.dll (0x7ffa50001234) just below thread 0x300's stack pointer: ExecutionResidue,",
    "    RawPointers and HistoricalInformation (the slot itself: dx @$ewmda.RawStack(0x300, \"all\"))",
  ];
}

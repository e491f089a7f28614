/**
 * The generated WinDbg command output, through `dbg.execute(...)` on synthetic dumps. Each expected line
 * is written out from the dump built here, in the layout WinDbg prints.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import { ModuleSet } from "../../src/emulator/symbols";
import { MiniDumpType, synthMinidump, type ExceptionSpec, type MinidumpSynth } from "../../src/minidump-synth";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { SymbolStore } from "../../src/runner/breakpad-symbols";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { commandTable } from "../../src/runner/windbg-commands";

const PID = 0x1138;
const APP = 0x7ff6_1000_0000n;
const NTDLL = 0x7ffb_2000_0000n;
const KERNEL32 = 0x7ffb_1e00_0000n;
const TIMESTAMP = 1_700_000_000; // Tue Nov 14 22:13:20 2023 UTC
const DUMP_FILETIME = BigInt(TIMESTAMP) * 10_000_000n + 116_444_736_000_000_000n;
const MS = 10_000n; // 100 ns units per millisecond
const GUID = "0123456789ABCDEF0123456789ABCDEF";

interface X64 { readonly exception?: Partial<ExceptionSpec> | false; readonly times?: boolean; readonly handles?: boolean; readonly pdb?: boolean; readonly flags?: bigint }

function x64Dump(o: X64 = {}): MinidumpSynth {
  const b = synthMinidump({ arch: "x64", timestamp: TIMESTAMP, implementationVersion: 0x6903, flags: o.flags })
    .module({ name: "C:\\app\\crashy.exe", base: APP, size: 0x20000, pdb: o.pdb ? { name: "crashy.pdb", guid: GUID, age: 1 } : undefined })
    .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000 })
    .module({ name: "C:\\Windows\\System32\\kernel32.dll", base: KERNEL32, size: 0xc0000 })
    .unloadedModule({ name: "C:\\app\\plugin.dll", base: 0x7ffa_5000_0000n, size: 0x30000 })
    .misc({ processId: PID });
  const t = o.times !== false;
  b.thread({ id: 0x1a4, name: "main", suspendCount: 1, teb: 0x47_a000_0000n, registers: { rip: NTDLL + 0x10n },
    times: t ? { user: 12n * MS, kernel: 5n * MS, create: DUMP_FILETIME - 600_000n * MS } : undefined });
  b.thread({ id: 0x2b0, name: "worker", suspendCount: 0, teb: 0x47_a000_2000n, registers: { rip: APP + 0x1234n },
    times: t ? { user: (((86_400n + 2n * 3600n + 3n * 60n + 4n) * 1000n) + 567n) * MS, kernel: 0n, create: DUMP_FILETIME - 3_600_250n * MS } : undefined });
  b.thread({ id: 0x2c8, suspendCount: 2, teb: 0x47_a000_4000n, registers: { rip: NTDLL + 0x20n },
    times: t ? { user: 41_000n * MS, kernel: 2n * MS, create: 0n } : undefined });
  if (o.exception !== false) b.exception({ threadId: 0x2b0, code: 0xc0000005, address: APP + 0x1234n, parameters: [0n, 0n], ...o.exception });
  if (o.handles) {
    b.handles([{ handle: 0x4n, type: "Event" }, { handle: 0x8n, type: "File" }, { handle: 0xcn, type: "Event" }, { handle: 0x10n, type: "Directory" }]);
  }
  return b;
}

function dbgOf(b: MinidumpSynth, symbolsDir?: string): EmulatedDebugger {
  const target = buildDumpTarget(Minidump.open(bufferSource(b.build())), { symbols: symbolsDir ? new SymbolStore(symbolsDir) : undefined });
  return new EmulatedDebugger(target.spec);
}

describe("~", () => {
  it("lists threads with ids in hex, Teb with a backtick, names quoted, the current thread marked", () => {
    expect(dbgOf(x64Dump()).execute("~")).toEqual([
      "   0  Id: 1138.1a4 Suspend: 1 Teb: 00000047`a0000000 Unfrozen \"main\"",
      ".  1  Id: 1138.2b0 Suspend: 0 Teb: 00000047`a0002000 Unfrozen \"worker\"",
      "   2  Id: 1138.2c8 Suspend: 2 Teb: 00000047`a0004000 Unfrozen",
    ]);
  });

  it("marks the exception's thread with # when another thread is current", () => {
    const dump = Minidump.open(bufferSource(x64Dump().build()));
    const spec = buildDumpTarget(dump).spec;
    const commands = commandTable({ dump, pointerSize: 8, processId: PID, currentThreadId: 0x1a4, modules: new ModuleSet(spec.processes[0]!.modules), dumpFileName: "" });
    const lines = new EmulatedDebugger({ ...spec, currentThreadId: 0x1a4, commands }).execute("~");
    expect(lines.map((l) => l.slice(0, 20))).toEqual([".  0  Id: 1138.1a4 S", "#  1  Id: 1138.2b0 S", "   2  Id: 1138.2c8 S"]);
  });

  it("prints a 32-bit Teb without a backtick; the first thread is current without an exception", () => {
    const b = synthMinidump({ arch: "x86" }).misc({ processId: 0x9a0 })
      .thread({ id: 0x100, teb: 0x7ffd_f000n, registers: { eip: 0x0040_1000n } })
      .thread({ id: 0x104, teb: 0x7ffd_e000n, registers: { eip: 0x0040_1000n }, name: "io" });
    expect(dbgOf(b).execute("~")).toEqual([
      ".  0  Id: 9a0.100 Suspend: 0 Teb: 7ffdf000 Unfrozen",
      "   1  Id: 9a0.104 Suspend: 0 Teb: 7ffde000 Unfrozen \"io\"",
    ]);
  });
});

describe("!runaway", () => {
  it("shows user time by default, longest first, as D days H:MM:SS.mmm", () => {
    expect(dbgOf(x64Dump()).execute("!runaway")).toEqual([
      " User Mode Time",
      "  Thread       Time",
      "   1:2b0      1 days 2:03:04.567",
      "   2:2c8      0 days 0:00:41.000",
      "   0:1a4      0 days 0:00:00.012",
    ]);
  });

  it("!runaway 7 adds kernel time and the time since each thread was created", () => {
    expect(dbgOf(x64Dump()).execute("!runaway 7")).toEqual([
      " User Mode Time",
      "  Thread       Time",
      "   1:2b0      1 days 2:03:04.567",
      "   2:2c8      0 days 0:00:41.000",
      "   0:1a4      0 days 0:00:00.012",
      " Kernel Mode Time",
      "  Thread       Time",
      "   0:1a4      0 days 0:00:00.005",
      "   2:2c8      0 days 0:00:00.002",
      "   1:2b0      0 days 0:00:00.000",
      " Elapsed Time",
      "  Thread       Time",
      "   1:2b0      0 days 1:00:00.250",
      "   0:1a4      0 days 0:10:00.000",
      "   2:2c8      0 days 0:00:00.000", // no create time
    ]);
  });

  it("says what WinDbg says when the dump has no thread info stream", () => {
    expect(dbgOf(x64Dump({ times: false })).execute("!runaway 7")).toEqual([
      "ERROR: !runaway: extension exception 0x80004002.",
      "    \"Unable to get thread times - dumps may not have time information\"",
    ]);
  });
});

describe(".exr -1", () => {
  it("shows an access violation reading: module+offset pointer-wide, code name, parameters, the read line", () => {
    expect(dbgOf(x64Dump({ exception: { parameters: [0n, 0x18n] } })).execute(".exr -1")).toEqual([
      "ExceptionAddress: 00007ff610001234 (crashy+0x0000000000001234)",
      "   ExceptionCode: c0000005 (Access violation)",
      "  ExceptionFlags: 00000000",
      "NumberParameters: 2",
      "   Parameter[0]: 0000000000000000",
      "   Parameter[1]: 0000000000000018",
      "Attempt to read from address 0000000000000018",
    ]);
  });

  it.each([
    [1n, "Attempt to write to address 0000000000000045"],
    [8n, "Attempt to execute non-executable address 0000000000000045"],
  ])("says which access failed (Parameter[0] = %s)", (kind, line) => {
    const lines = dbgOf(x64Dump({ exception: { parameters: [kind, 0x45n] } })).execute(".exr -1");
    expect(lines.at(-1)).toBe(line);
    expect(lines).toHaveLength(7);
  });

  it("names the function from a .sym file, with its displacement, and no displacement at its start", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ewmda-sym-"));
    mkdirSync(path.join(dir, "crashy.pdb", `${GUID}1`), { recursive: true });
    writeFileSync(path.join(dir, "crashy.pdb", `${GUID}1`, "crashy.sym"), `MODULE windows x86_64 ${GUID}1 crashy.pdb\nFUNC 1200 80 0 main\n`);
    expect(dbgOf(x64Dump({ pdb: true }), dir).execute(".exr -1")[0]).toBe("ExceptionAddress: 00007ff610001234 (crashy!main+0x0000000000000034)");
    expect(dbgOf(x64Dump({ pdb: true, exception: { address: APP + 0x1200n } }), dir).execute(".exr -1")[0]).toBe("ExceptionAddress: 00007ff610001200 (crashy!main)");
  });

  it("leaves out the location outside every module", () => {
    const lines = dbgOf(x64Dump({ exception: { code: 0x80000003, address: 0x1234_5678n, parameters: [] } })).execute(".exr -1");
    expect(lines).toEqual([
      "ExceptionAddress: 0000000012345678",
      "   ExceptionCode: 80000003 (Break instruction exception)",
      "  ExceptionFlags: 00000000",
      "NumberParameters: 0",
    ]);
  });

  it("shows a fast-fail subcode for 0xc0000409, with 32-bit widths", () => {
    const b = synthMinidump({ arch: "x86" })
      .module({ name: "C:\\app\\app32.exe", base: 0x0040_0000n, size: 0x2d000 })
      .thread({ id: 0x100, registers: { eip: 0x0040_429en } })
      .exception({ threadId: 0x100, code: 0xc0000409, flags: 1, address: 0x0040_429en, parameters: [7n] });
    expect(dbgOf(b).execute(".exr -1")).toEqual([
      "ExceptionAddress: 0040429e (app32+0x0000429e)",
      "   ExceptionCode: c0000409 (Security check failure or stack buffer overrun)",
      "  ExceptionFlags: 00000001",
      "NumberParameters: 1",
      "   Parameter[0]: 00000007",
      "Subcode: 0x7 FAST_FAIL_FATAL_APP_EXIT",
    ]);
  });
});

describe(".lastevent", () => {
  it("names the exception, its process and thread, and the dump's time as the debugger time", () => {
    expect(dbgOf(x64Dump()).execute(".lastevent")).toEqual([
      "Last event: 1138.2b0: Access violation - code c0000005 (first/second chance not available)",
      "  debugger time: Tue Nov 14 22:13:20.000 2023 (UTC + 0:00)",
    ]);
  });

  it("pads a one-digit day with a space", () => {
    const b = synthMinidump({ arch: "x86", timestamp: 1_694_145_905 }).misc({ processId: 0x9a0 })
      .thread({ id: 0x100, registers: { eip: 0x0040_1000n } })
      .exception({ threadId: 0x100, code: 0xc00000fd, address: 0x0040_1000n });
    expect(dbgOf(b).execute(".lastevent")).toEqual([
      "Last event: 9a0.100: Stack overflow - code c00000fd (first/second chance not available)",
      "  debugger time: Fri Sep  8 04:05:05.000 2023 (UTC + 0:00)",
    ]);
  });
});

describe("lm", () => {
  it("lists modules by address with start and end, then the unloaded modules", () => {
    expect(dbgOf(x64Dump()).execute("lm")).toEqual([
      "start             end                 module name",
      "00007ff6`10000000 00007ff6`10020000   crashy     (deferred)",
      "00007ffb`1e000000 00007ffb`1e0c0000   kernel32   (deferred)",
      "00007ffb`20000000 00007ffb`201f0000   ntdll      (deferred)",
      "",
      "Unloaded modules:",
      "00007ffa`50000000 00007ffa`50030000   plugin.dll",
    ]);
  });

  it("uses 8-digit columns on x86 and has no unloaded section without unloaded modules", () => {
    const b = synthMinidump({ arch: "x86" })
      .module({ name: "C:\\WINDOWS\\system32\\ntdll.dll", base: 0x7c90_0000n, size: 0xb0000 })
      .module({ name: "C:\\app\\app32.exe", base: 0x0040_0000n, size: 0x2d000 })
      .thread({ id: 0x100, registers: { eip: 0x0040_1000n } });
    expect(dbgOf(b).execute("lm")).toEqual([
      "start    end        module name",
      "00400000 0042d000   app32      (deferred)",
      "7c900000 7c9b0000   ntdll      (deferred)",
    ]);
  });
});

describe("!handle", () => {
  it("lists each handle's type, then the count per type", () => {
    expect(dbgOf(x64Dump({ handles: true })).execute("!handle")).toEqual([
      "Handle 4", "  Type         \tEvent",
      "Handle 8", "  Type         \tFile",
      "Handle c", "  Type         \tEvent",
      "Handle 10", "  Type         \tDirectory",
      "4 Handles",
      "Type           \tCount",
      "Directory      \t1",
      "Event          \t2",
      "File           \t1",
    ]);
  });

  it("says what WinDbg says without a handle stream", () => {
    expect(dbgOf(x64Dump()).execute("!handle")).toEqual([
      "ERROR: !handle: extension exception 0x80004002.",
      "    \"Unable to read handle information\"",
    ]);
  });
});

/** MINIDUMP_STREAM_TYPE names (minidumpapiset.h) of the streams these dumps have. */
const STREAM_NAMES: Record<number, string> = {
  3: "ThreadListStream", 4: "ModuleListStream", 6: "ExceptionStream", 7: "SystemInfoStream", 10: "CommentStreamA",
  12: "HandleDataStream", 14: "UnloadedModuleListStream", 15: "MiscInfoStream", 17: "ThreadInfoListStream", 24: "ThreadNamesStream",
};

describe(".dumpdebug", () => {
  it("shows the header, its flags one per line, every stream of the directory, and the comment", () => {
    const flags = MiniDumpType.WithHandleData | MiniDumpType.WithUnloadedModules | MiniDumpType.WithThreadInfo;
    const b = x64Dump({ handles: true, flags }).comment("written by a test");
    const layout = b.layout();
    const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
    const names = new Set(layout.streams.map((s) => s.type));
    expect(dbgOf(b).execute(".dumpdebug")).toEqual([
      "----- User Mini Dump Analysis",
      "",
      "MINIDUMP_HEADER:",
      "Version         A793 (6903)",
      `NumberOfStreams ${layout.directory.count}`,
      "Flags           1024",
      "                0004 MiniDumpWithHandleData",
      "                0020 MiniDumpWithUnloadedModules",
      "                1000 MiniDumpWithThreadInfo",
      "",
      "Streams:",
      ...layout.streams.map((s) => `Stream ${s.index}: type ${STREAM_NAMES[s.type]} (${s.type}), size ${hex8(s.size)}, RVA ${hex8(s.offset)}`),
      "",
      "Comment: written by a test",
    ]);
    expect(names).toEqual(new Set([3, 4, 6, 7, 10, 12, 14, 15, 17, 24]));
  });
});

describe("kn and .ecxr;kn;.cxr", () => {
  it("print the walked frames in WinDbg's kn layout, the exception's under .ecxr", () => {
    // The exception context's stack holds a return address into kernel32 right at its rsp.
    const stack = 0x0000_00e8_0000_0000n;
    const b = synthMinidump({ arch: "x64", timestamp: TIMESTAMP })
      .module({ name: "C:\\app\\crashy.exe", base: APP, size: 0x20000 })
      .module({ name: "C:\\Windows\\System32\\kernel32.dll", base: KERNEL32, size: 0xc0000 })
      .misc({ processId: PID })
      .thread({ id: 0x2b0, stack: { start: stack, size: 0x100, words: [KERNEL32 + 0x17034n] }, registers: { rip: APP + 0x10n, rsp: stack + 0x80n } })
      .exception({ threadId: 0x2b0, code: 0xc0000005, address: APP + 0x1234n, parameters: [0n, 0n], registers: { rip: APP + 0x1234n, rsp: stack } });
    const dbg = dbgOf(b);
    expect(dbg.execute(".ecxr;kn;.cxr")).toEqual([
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`00000000 00007ffb`1e017034     crashy+0x1234",
      "01 000000e8`00000008 00000000`00000000     kernel32+0x17034",
    ]);
    expect(dbg.execute("kn")).toEqual([
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`00000080 00000000`00000000     crashy+0x10",
    ]);
  });
});

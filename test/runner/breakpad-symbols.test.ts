/**
 * Breakpad .sym files: the parser on small inline texts, the symbol-server lookup over
 * ../shared/testdata/symbols, and the whole path on Breakpad's minidump2.dmp compared with
 * minidump_stackwalk's own output (../shared/testdata/oracle/breakpad-upstream).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openSession } from "../../src/cli/session";
import { parseSymbolFile, SymbolStore } from "../../src/runner/breakpad-symbols";
import { BUNDLE_PATH, rowsOf } from "../helpers";

const TESTDATA = path.resolve(import.meta.dirname, "../../../shared/testdata");
const SYMBOLS = path.join(TESTDATA, "symbols");
const DUMP = path.join(TESTDATA, "dumps", "breakpad", "minidump2.dmp");
const ORACLE = path.join(TESTDATA, "oracle", "breakpad-upstream");

describe("parseSymbolFile", () => {
  it("reads the MODULE line, FUNC records with sizes and PUBLIC records without, sorted by address", () => {
    const file = parseSymbolFile([
      "MODULE windows x86 5a9832e5287241c1838ed98914e9b7ff1 app.pdb",
      "INFO CODE_ID 45D35F6C2d000 app.exe",
      "FILE 1 c:\\src\\app.cc",
      "PUBLIC 2000 4 _start",
      "FUNC 1040 8 0 `anonymous namespace'::Crash",
      "1040 3 58 1",
      "1043 5 59 1",
      "FUNC 1000 20 4 main",
      "STACK WIN 4 1000 20 3 0 4 0 0 0 1 $T0 .raSearch = $eip $T0 ^ =",
      "STACK CFI INIT 1000 20 .cfa: $esp 4 + .ra: .cfa 4 - ^",
    ].join("\n"));
    expect(file.module).toEqual({ os: "windows", arch: "x86", id: "5A9832E5287241C1838ED98914E9B7FF1", name: "app.pdb" });
    expect(file.symbols).toEqual([
      { name: "main", rva: 0x1000, size: 0x20 },
      { name: "`anonymous namespace'::Crash", rva: 0x1040, size: 8 },
      { name: "_start", rva: 0x2000 },
    ]);
    expect(file.symbols[2]!.size).toBeUndefined();
    expect(file.skipped).toBe(0);
  });

  it("takes the m (multiple) flag on FUNC and PUBLIC, and CRLF line ends", () => {
    const file = parseSymbolFile("MODULE windows x86_64 ABCDEF01ABCDEF01ABCDEF01ABCDEF011 m.pdb\r\nFUNC m 10 4 0 folded\r\nPUBLIC m 30 0 thunk\r\n");
    expect(file.module?.arch).toBe("x86_64");
    expect(file.symbols).toEqual([{ name: "folded", rva: 0x10, size: 4 }, { name: "thunk", rva: 0x30 }]);
  });

  it("keeps the FUNC where a FUNC and a PUBLIC share an address, in either order", () => {
    const expected = [{ name: "Func", rva: 0x500, size: 0x10 }, { name: "Next", rva: 0x600 }];
    expect(parseSymbolFile("PUBLIC 500 0 Public\nFUNC 500 10 0 Func\nPUBLIC 600 0 Next\n").symbols).toEqual(expected);
    expect(parseSymbolFile("FUNC 500 10 0 Func\nPUBLIC 500 0 Public\nPUBLIC 600 0 Next\n").symbols).toEqual(expected);
  });

  it("gives a zero-size FUNC one byte", () => {
    expect(parseSymbolFile("FUNC 700 0 0 empty\n").symbols).toEqual([{ name: "empty", rva: 0x700, size: 1 }]);
  });

  it("counts malformed MODULE, FUNC and PUBLIC lines in skipped and keeps the rest", () => {
    const file = parseSymbolFile([
      "MODULE windows",
      "FUNC zz 10 0 bad_address",
      "FUNC 10 20",
      "PUBLIC 40",
      "PUBLIC q 0 bad",
      "FUNC 100 10 0 good",
      "BOGUS line that is no record",
      "1000 10 58 1",
    ].join("\n"));
    expect(file.skipped).toBe(5);
    expect(file.module).toBeUndefined();
    expect(file.symbols).toEqual([{ name: "good", rva: 0x100, size: 0x10 }]);
  });
});

/** Addresses of FUNC and PUBLIC records and the FUNC ranges of a .sym text, read here without the parser. */
function records(text: string) {
  const addresses = new Set<number>();
  const funcs: { name: string; rva: number; size: number }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const f = /^FUNC (?:m )?([0-9a-f]+) ([0-9a-f]+) [0-9a-f]+ (.*)$/.exec(line);
    const p = /^PUBLIC (?:m )?([0-9a-f]+) [0-9a-f]+ (.*)$/.exec(line);
    if (f) { addresses.add(parseInt(f[1]!, 16)); funcs.push({ rva: parseInt(f[1]!, 16), size: parseInt(f[2]!, 16), name: f[3]! }); }
    if (p) addresses.add(parseInt(p[1]!, 16));
  }
  return { addresses, funcs };
}

const TEST_APP_ID = "5A9832E5287241C1838ED98914E9B7FF1";
const KERNEL32_ID = "BCE8785C57B44245A669896B6A19B9542";
const symText = (pdb: string, id: string) => readFileSync(path.join(SYMBOLS, pdb, id, pdb.replace(/\.pdb$/, ".sym")), "utf8");

describe.skipIf(!existsSync(SYMBOLS))("SymbolStore over ../shared/testdata/symbols", () => {
  const store = new SymbolStore(SYMBOLS);

  it("finds test_app.pdb by debug file and id, with every FUNC and PUBLIC address of the file", () => {
    const file = store.lookup("test_app.pdb", TEST_APP_ID);
    expect(file?.module).toEqual({ os: "windows", arch: "x86", id: TEST_APP_ID, name: "test_app.pdb" });
    const { addresses, funcs } = records(symText("test_app.pdb", TEST_APP_ID));
    expect(file?.symbols.map((s) => s.rva)).toEqual([...addresses].sort((a, b) => a - b));
    const main = funcs.find((f) => f.name === "main")!;
    expect(file?.symbols.find((s) => s.name === "main")).toEqual({ name: "main", rva: main.rva, size: main.size });
    expect(file?.skipped).toBe(0);
  });

  it("finds kernel32.pdb, also from a full path and with the id in lowercase, and reads it once", () => {
    const file = store.lookup("kernel32.pdb", KERNEL32_ID);
    expect(file?.module?.id).toBe(KERNEL32_ID);
    expect(file?.symbols.length).toBe(records(symText("kernel32.pdb", KERNEL32_ID)).addresses.size);
    expect(file?.symbols.find((s) => s.name === "BaseProcessStart")).toEqual({ name: "BaseProcessStart", rva: 0x16fb4 });
    expect(store.lookup("C:\\WINDOWS\\symbols\\kernel32.pdb", KERNEL32_ID)).toBe(file);
    expect(store.lookup("kernel32.pdb", KERNEL32_ID.toLowerCase())).toBe(file);
  });

  it("gives undefined for a missing id, a missing file, or no debug information", () => {
    expect(store.lookup("kernel32.pdb", "00000000000000000000000000000000" + "1")).toBeUndefined();
    expect(store.lookup("kernel32.pdb", KERNEL32_ID.slice(0, 32) + "3")).toBeUndefined();
    expect(store.lookup("nosuch.pdb", KERNEL32_ID)).toBeUndefined();
    expect(store.lookup(undefined, KERNEL32_ID)).toBeUndefined();
    expect(store.lookup("kernel32.pdb", undefined)).toBeUndefined();
  });
});

describe("SymbolStore: where the age is written in lowercase", () => {
  it("finds a folder whose age is lowercase when the id asks in uppercase", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ewmda-symstore-"));
    const guid = "0123456789ABCDEF0123456789ABCDEF";
    mkdirSync(path.join(dir, "lib.pdb", `${guid}1a`), { recursive: true });
    writeFileSync(path.join(dir, "lib.pdb", `${guid}1a`, "lib.sym"), `MODULE windows x86_64 ${guid}1a lib.pdb\nFUNC 10 8 0 f\n`);
    const file = new SymbolStore(dir).lookup("lib.pdb", `${guid}1A`);
    expect(file?.symbols).toEqual([{ name: "f", rva: 0x10, size: 8 }]);
    expect(file?.module?.id).toBe(`${guid}1A`);
  });

  it("finds an all-uppercase folder when the id asks in lowercase, age included", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ewmda-symstore-"));
    const id = "FEDCBA9876543210FEDCBA98765432102B";
    mkdirSync(path.join(dir, "up.pdb", id), { recursive: true });
    writeFileSync(path.join(dir, "up.pdb", id, "up.sym"), `MODULE windows x86_64 ${id} up.pdb\nPUBLIC 20 0 g\n`);
    expect(new SymbolStore(dir).lookup("up.pdb", id.toLowerCase())?.symbols).toEqual([{ name: "g", rva: 0x20 }]);
  });
});

// ---------------------------------------------------------------- minidump2.dmp end to end

/** `offset` is from the function when Breakpad has no source line (else from the line). */
interface OracleFrame { readonly module: string; readonly function: string; readonly line: string; readonly offset: string; readonly eip: bigint; readonly esp: bigint }

/** minidump_stackwalk's crashed thread: its index, and per frame the module, function, eip and esp. */
function oracleCrash(): { readonly thread: number; readonly frames: readonly OracleFrame[]; readonly bases: ReadonlyMap<string, bigint>; readonly ends: ReadonlyMap<string, bigint> } {
  const machine = readFileSync(path.join(ORACLE, "minidump2.stackwalk.machine_readable.out"), "utf8").split(/\r?\n/);
  const human = readFileSync(path.join(ORACLE, "minidump2.stackwalk.out"), "utf8");
  const thread = Number(machine.find((l) => l.startsWith("Crash|"))!.split("|")[3]);
  const modules = machine.filter((l) => l.startsWith("Module|")).map((l) => l.split("|"));
  const bases = new Map(modules.map((f) => [f[1]!, BigInt(f[5]!)] as const));
  const ends = new Map(modules.map((f) => [f[1]!, BigInt(f[6]!) + 1n] as const));
  const registers = [...human.split(/^Thread \d+ \(crashed\)$/m)[1]!.matchAll(/eip = (0x[0-9a-f]+)\s+esp = (0x[0-9a-f]+)/g)];
  const frames = machine.filter((l) => l.startsWith(`${thread}|`)).map((l, i) => {
    const f = l.split("|");
    return { module: f[2]!, function: f[3]!, line: f[5]!, offset: f[6]!, eip: BigInt(registers[i]![1]!), esp: BigInt(registers[i]![2]!) };
  });
  return { thread, frames, bases, ends };
}

/** `module!function+0xdisp` for an address, from the .sym file's FUNC records (read here). */
function symbolize(address: bigint, moduleFile: string, base: bigint, funcs: readonly { name: string; rva: number; size: number }[]): string {
  const rva = Number(address - base);
  const f = funcs.find((x) => rva >= x.rva && rva < x.rva + x.size);
  const stem = moduleFile.replace(/\.[^.]*$/, "");
  if (!f) return `${stem}+0x${rva.toString(16)}`;
  return rva === f.rva ? `${stem}!${f.name}` : `${stem}!${f.name}+0x${(rva - f.rva).toString(16)}`;
}

const e2eReady = existsSync(DUMP) && existsSync(SYMBOLS) && existsSync(path.join(ORACLE, "minidump2.stackwalk.out"));

describe.skipIf(!e2eReady)("minidump2.dmp with its symbols, against minidump_stackwalk", () => {
  const open = () => openSession(DUMP, { symbolsDir: SYMBOLS, bundlePath: BUNDLE_PATH });
  const appFuncs = () => records(symText("test_app.pdb", TEST_APP_ID)).funcs;

  it("makes the crashed thread current and walks its exception context to Breakpad's frames and functions", () => {
    const oracle = oracleCrash();
    const s = open();
    try {
      expect(s.dbg.dx("@$curthread.Id")).toBe(s.dump.threads()[oracle.thread]!.id);
      const frames = s.target.exceptionFrames!;
      expect(frames.map((f) => [f.ip, f.sp])).toEqual(oracle.frames.map((f) => [f.eip, f.esp]));
      // Frame 0 (the crash) and its callers by name, as `.ecxr; k` shows them.
      const modules = s.dbg.currentContext().modules;
      const names = frames.map((f) => modules.format(f.ip));
      expect(names[0]).toMatch(/^test_app!/);
      expect(names.map((n) => n.replace(/^[^!]*!/, "").replace(/\+0x[0-9a-f]+$/, ""))).toEqual(oracle.frames.map((f) => f.function));
      expect(names[0]).toBe(symbolize(oracle.frames[0]!.eip, "test_app.exe", oracle.bases.get("test_app.exe")!, appFuncs()));
      // Without a source line Breakpad's offset is the function's: "kernel32.dll!BaseProcessStart + 0x23".
      const k32 = oracle.frames[3]!;
      expect(k32.line).toBe("");
      expect(names[3]).toBe(`kernel32!${k32.function}+${k32.offset}`);
    } finally {
      s.close();
    }
  });

  it("shows the thread's own frames (where the dump was written) with test_app! symbols in their display strings", () => {
    const oracle = oracleCrash();
    const s = open();
    try {
      const base = oracle.bases.get("test_app.exe")!;
      const end = oracle.ends.get("test_app.exe")!;
      const n = s.dbg.dx("@$curthread.Stack.Frames.Count()") as number;
      const inApp: string[] = [];
      for (let k = 0; k < n; k++) {
        const ip = (s.dbg.dx(`@$curthread.Stack.Frames[${k}].Attributes.InstructionOffset`) as { bits: bigint }).bits;
        if (ip < base || ip >= end) continue;
        const text = String(s.dbg.dx(`@$curthread.Stack.Frames[${k}]`));
        expect(text).toBe(`${symbolize(ip, "test_app.exe", base, appFuncs())} (${ip.toString(16).padStart(8, "0")})`);
        inApp.push(text);
      }
      expect(inApp.length).toBeGreaterThan(0);
      expect(inApp.every((t) => t.startsWith("test_app!"))).toBe(true);
    } finally {
      s.close();
    }
  });

  it("gives RawStack rows test_app! and kernel32! symbols for the crash stack's return addresses", () => {
    const oracle = oracleCrash();
    const s = open();
    try {
      // The TEB is not in this dump and the captured stack starts mid-page: scan word by word, one page.
      const cfg = s.dbg.dx("Debugger.Utility.Ewmda.Config.RawStack") as Record<string, unknown>;
      cfg.PageBytes = 4;
      cfg.FallbackScanBytes = 0x1000;
      const rows = rowsOf(s.dbg.dx("Debugger.Utility.Ewmda.RawStack()"));
      const at = (address: bigint) => rows.find((r) => (r.Address as { bits: bigint } | undefined)?.bits === address);
      // Each caller's return address sits just below its frame's esp.
      const [, main, , k32] = oracle.frames;
      expect(at(main!.esp - 4n)?.Symbol).toBe(symbolize(main!.eip, "test_app.exe", oracle.bases.get("test_app.exe")!, appFuncs()));
      expect(at(k32!.esp - 4n)?.Symbol).toBe(`kernel32!${k32!.function}+${k32!.offset}`);
      const symbols = rows.map((r) => r.Symbol).filter((x): x is string => typeof x === "string");
      expect(symbols.some((x) => x.startsWith("test_app!"))).toBe(true);
      expect(symbols.some((x) => x.startsWith("kernel32!"))).toBe(true);
    } finally {
      s.close();
    }
  });
});

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { addressLines, lmLines, pointers, withCommands } from "../mocks/memory-target";
import { HEAP_BASE, ret, stackref, sym, userTarget } from "../mocks/user-target";
import { expectValidDocument } from "../schema-check";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function profile(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.RegionProfile()") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(expr);
  return { dbg, result, rows: rowsOf(result) as Row[], summary: String(result) };
}

const slotsOf = (rows: Row[]) => rows.filter((r) => r.Section === "Slot");
const section = (rows: Row[], s: string) => rows.filter((r) => r.Section === s);

/** A heap block: a code pointer, a string, a status code, zeros, small integers, a pointer into the thread's stack. */
function heapTarget(arch: "x64" | "x86" = "x64") {
  const probe = userTarget({ arch }).module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } }).thread({ tid: 0x1a4 }).build();
  const ps = arch === "x86" ? 4 : 8;
  const heap = HEAP_BASE[arch];
  const text = new Uint8Array(ps * 2);
  text.set([...Buffer.from("C:\\Temp\\", "ascii")].slice(0, ps * 2));
  const values = [
    probe.at.symbol("ntdll!NtWaitForSingleObject", 0x14), // 0: code pointer, return site
    0n, // 1
    7n, // 2: small integer
    0xc0000005n, // 3: NTSTATUS
    probe.at.stackBase(0x1a4) - 0x10n, // 4: a pointer into thread 0x1a4's stack
  ];
  const bytes = new Uint8Array(0x100);
  bytes.set(pointers(ps, values), 0);
  bytes.set(text, values.length * ps); // 5, 6 (x64: one 16-byte string over two slots)
  const t = userTarget({ arch }).module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
    .thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14)] }).memory(heap, bytes).build();
  return { t, heap, ps };
}

describe("RegionProfile: what it classifies", () => {
  it("lists every slot of a range with its kind, symbol and text, then the profile", () => {
    const { t, heap } = heapTarget();
    const { rows, summary } = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x100)`);
    const slots = slotsOf(rows);
    expect(slots).toHaveLength(0x100 / 8);
    expect(slots.slice(0, 7).map((r) => [r.Kind, r.Symbol ?? "", r.Text ?? ""])).toEqual([
      ["CodePointer", "ntdll!NtWaitForSingleObject+0x14", ""],
      ["Zero", "", ""],
      ["SmallInt", "", ""],
      ["Status", "", "NTSTATUS 0xc0000005 STATUS_ACCESS_VIOLATION"],
      ["OtherStackPointer", "", ""],
      ["String", "", "ASCII \"C:\\Temp\\\""],
      ["Zero", "", ""],
    ]);
    expect(slots[0]!.ReturnAddress).toBe(true);
    expect(slots.map((r) => r.Offset)).toEqual(Array.from({ length: 32 }, (_, i) => i * 8));
    expect(big(slots[3]!.Address)).toBe(heap + 24n);
    expect(String(slots[0]!.Evidence)).toBe(`dps 000001d0\`00000000 L0x1; ub 00007ff8\`0009d4d4 L1`.replace("00007ff8`0009d4d4", windbg(t.at.symbol("ntdll!NtWaitForSingleObject", 0x14))));
    const byKind = section(rows, "ByKind");
    // 32 slots: 1 code pointer, 1 small integer, 1 status, 1 stack pointer, 1 string slot (8 chars), 27 zeros.
    expect(byKind.map((r) => [r.Kind, r.Count])).toEqual([["Zero", 27], ["CodePointer", 1], ["OtherStackPointer", 1], ["SmallInt", 1], ["Status", 1], ["String", 1]]);
    expect(byKind[0]!.Percent).toBe((27 / 32 * 100).toFixed(1) + "%");
    expect(section(rows, "ByModule").map((r) => [r.Module, r.Count])).toEqual([["ntdll.dll", 1]]);
    expect(section(rows, "BySymbol").map((r) => [r.Symbol, r.Count])).toEqual([["ntdll!NtWaitForSingleObject", 1]]);
    expect(summary).toContain("32 slots, 32 readable");
  });

  it("profiles the current thread's stack by default, marking pointers into it as StackPointer", () => {
    const t = userTarget().thread({ tid: 0x1a4, stackSize: 0x1000, stack: [stackref(0x1a4, 0x8), sym("kernel32!Sleep", 0x10)] }).build();
    const { rows, summary } = profile(t.spec);
    expect(slotsOf(rows)).toHaveLength(0x1000 / 8);
    expect(summary).toContain("stack of thread 0x1a4");
    expect(slotsOf(rows).filter((r) => r.Kind !== "Zero").map((r) => [r.Kind, r.Symbol ?? ""])).toEqual([["StackPointer", ""], ["CodePointer", "kernel32!Sleep+0x10"]]);
  });

  it("takes a thread id and profiles that thread's stack", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).thread({ tid: 0x2b0, stackSize: 0x2000, stack: [sym("kernel32!Sleep", 0x10)] }).build();
    const { rows, summary } = profile(t.spec, "Debugger.Utility.Ewmda.RegionProfile(0x2b0)");
    expect(summary).toContain("stack of thread 0x2b0");
    expect(big(slotsOf(rows)[0]!.Address)).toBe(t.at.stackLimit(0x2b0));
    expect(slotsOf(rows)).toHaveLength(0x2000 / 8);
  });

  it("reads x86 regions in 4-byte slots", () => {
    const { t, heap } = heapTarget("x86");
    const { rows } = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x40)`);
    const slots = slotsOf(rows);
    expect(slots).toHaveLength(0x10);
    expect(slots.slice(0, 6).map((r) => r.Kind)).toEqual(["CodePointer", "Zero", "SmallInt", "Status", "OtherStackPointer", "String"]);
    expect(slots[5]!.Text).toBe("ASCII \"C:\\Temp\\\"");
    expect(slots[6]!.Kind).toBe("String"); // the second half of the 8-character fragment
    expect(slots[6]!.Text).toBeUndefined();
  });

  it("tells pointers into unloaded modules, heaps and raw executable memory (lm, !address)", () => {
    const heap = HEAP_BASE.x64;
    const jit = 0x0000_01e0_0000_0000n;
    const gone = 0x7ff8_7000_0000n;
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, pointers(8, [gone + 0x1a20n, heap + 0x800n, jit + 0x40n])).build();
    const spec = withCommands(t.spec, {
      lm: lmLines(t.spec, [{ name: "oldplugin.dll", base: gone, size: 0x20000 }]),
      "!address": addressLines(8, [
        { base: heap, size: 0x10000, type: "MEM_PRIVATE", state: "MEM_COMMIT", protect: "PAGE_READWRITE", usage: "Heap", details: "ID: 0; Handle: 000001d000000000; Type: Segment" },
        { base: jit, size: 0x10000, type: "MEM_PRIVATE", state: "MEM_COMMIT", protect: "PAGE_EXECUTE_READWRITE", usage: "<unknown>" },
      ]),
    });
    const { rows } = profile(spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x18, new { Regions = true })`);
    expect(slotsOf(rows).map((r) => [r.Kind, r.Text])).toEqual([
      ["UnloadedModulePointer", "<Unloaded_oldplugin.dll>+0x1a20"],
      ["HeapPointer", undefined],
      ["RawCodePointer", "MEM_PRIVATE MEM_COMMIT PAGE_EXECUTE_READWRITE <unknown>"],
    ]);
    expect(rows.some((r) => r.Verdict === "Info" && /not checked/.test(String(r.Evidence)))).toBe(false);
  });

  it("shows only the profile with View = profile, and only slots with View = slots", () => {
    const { t, heap } = heapTarget();
    const only = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x100, new { View = "profile" })`).rows;
    expect(slotsOf(only)).toEqual([]);
    expect(section(only, "ByKind").length).toBeGreaterThan(0);
    const slots = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x100, "view=slots")`).rows;
    expect(section(slots, "ByKind")).toEqual([]);
    expect(slotsOf(slots)).toHaveLength(32);
  });
});

describe("RegionProfile: ranges that are not simple", () => {
  it("refuses a zero-length range with a message", () => {
    const { t, heap } = heapTarget();
    const { rows } = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0)`);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(rows[0]!.Evidence)).toMatch(/is empty \(size 0\)/);
  });

  it("widens a misaligned address to whole slots and says so", () => {
    const { t, heap } = heapTarget();
    const { rows } = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${(heap + 3n).toString(16)}, 0x10)`);
    expect(String(rows[0]!.Evidence)).toBe("the address 000001d0`00000003 is not 8-byte aligned: reading whole slots from 000001d0`00000000");
    const slots = slotsOf(rows);
    expect(big(slots[0]!.Address)).toBe(heap);
    expect(slots).toHaveLength(3); // 0x10 bytes from +3 end at +0x13: three slots
  });

  it("cuts a range larger than the budget, and says so", () => {
    const { t, heap } = heapTarget();
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.RegionProfile.MaxBytes = 0x40");
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x1000000)`)) as Row[];
    expect(String(rows[0]!.Evidence)).toBe("the range is 0x1000000 bytes; only the first 0x40 (the MaxBytes budget) are read; raise it or split the range");
    expect(slotsOf(rows)).toHaveLength(8);
  });

  it("marks a partly unmapped range as unreadable runs and profiles the rest", () => {
    const heap = HEAP_BASE.x64;
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, new Uint8Array(0x1000).fill(1)).memory(heap + 0x3000n, new Uint8Array(0x1000)).build();
    const { rows, summary } = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x4000)`);
    const unreadable = slotsOf(rows).filter((r) => r.Kind === "Unreadable");
    expect(unreadable).toHaveLength(1);
    expect(big(unreadable[0]!.Address)).toBe(heap + 0x1000n);
    expect((unreadable[0]!.Value as { reason: string }).reason).toBe("0x2000 bytes are not in the dump");
    expect(slotsOf(rows)).toHaveLength(0x1000 / 8 + 1 + 0x1000 / 8);
    expect(summary).toContain("2048 slots, 1024 readable, 0x2000 bytes unreadable");
    expect(section(rows, "ByKind").map((r) => [r.Kind, r.Count])).toEqual([["Value", 512], ["Zero", 512]]);
  });

  it("says so when nothing of the range is in the dump", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    const { rows } = profile(t.spec, "Debugger.Utility.Ewmda.RegionProfile(0x1d000000000, 0x100)");
    expect(rows.map((r) => [r.Kind ?? "", r.Verdict])).toEqual([["Unreadable", "Info"], ["", "Info"]]);
    expect(String(rows[1]!.Evidence)).toMatch(/^none of the region's 0x100 bytes is in the dump/);
  });

  it("answers a number that is not a thread id, and bad options, with messages", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    for (const [expr, text] of [
      ["RegionProfile(0x999)", "0x999 is not a thread id of this process (1 threads: 0x1a4); for an address range give the size too, such as (0x999, 0x1000)"],
      ["RegionProfile(0x1a4, new { View = \"sideways\" })", "View must be \"all\", \"slots\" or \"profile\", not \"sideways\""],
      ["RegionProfile(0x1a4, \"colour=blue\")", "unknown option \"colour=blue\""],
      ["RegionProfile(\"0xzz\", 0x10)", "unknown option \"0xzz\""],
      ["RegionProfile(0x1a4, new { Export = \"C:\\\\temp\\\\x.txt\" })", "Export: cannot tell the format from"],
    ] as const) {
      const { rows } = profile(t.spec, "Debugger.Utility.Ewmda." + expr);
      expect(rows.map((r) => r.Verdict), expr).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), expr).toContain(text);
    }
  });

  it("keeps MaxRows slot rows and counts the rest in the profile", () => {
    const t = userTarget().thread({ tid: 0x1a4, stackSize: 0x1000 }).build();
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.RegionProfile.MaxRows = 10");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.RegionProfile()")) as Row[];
    expect(slotsOf(rows)).toHaveLength(10);
    expect(rows.find((r) => /more slot rows were not kept/.test(String(r.Evidence)))!.Evidence).toBe("502 more slot rows were not kept (Config.RegionProfile.MaxRows = 10); the profile counts them; Export streams every row to a file");
    expect(section(rows, "ByKind").map((r) => [r.Kind, r.Count])).toEqual([["Zero", 512]]);
  });
});

describe("RegionProfile: exports", () => {
  it("streams every slot row to a CSV file with Export, which a CSV parser reads back", () => {
    const { t, heap } = heapTarget();
    const { dbg, rows } = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x100, new { Export = "C:\\\\temp\\\\heap.csv" })`);
    expect(slotsOf(rows)).toEqual([]);
    expect(rows[0]!.Evidence).toBe("32 slot rows written to C:\\temp\\heap.csv (CSV)");
    const records = parse(readFileSync(dbg.fileSystem.hostPath("C:\\temp\\heap.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(32);
    expect(Object.keys(records[0]!)).toEqual(["Section", "Offset", "Address", "Value", "Kind", "Symbol", "Module", "ReturnAddress", "Text", "Count", "Percent", "Verdict", "Evidence", "Source", "_absent"]);
    expect(records[0]).toMatchObject({ Section: "Slot", Offset: "0x0", Address: "0x1d000000000", Kind: "CodePointer", Symbol: "ntdll!NtWaitForSingleObject+0x14", ReturnAddress: "true", Verdict: "Info" });
    expect(records[0]!.Value).toBe("0x" + t.at.symbol("ntdll!NtWaitForSingleObject", 0x14).toString(16));
    // The string with a backslash and quotes survives CSV quoting.
    expect(records[5]!.Text).toBe("ASCII \"C:\\Temp\\\"");
    expect(records.map((r) => r.Offset)).toEqual(Array.from({ length: 32 }, (_, i) => "0x" + (i * 8).toString(16)));
  });

  it("writes JSON lines that are the export document's rows", () => {
    const { t, heap } = heapTarget();
    const { dbg } = loadEwmda(t.spec);
    const expr = `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x100)`;
    const message = dbg.dx(`${expr}.ExportTable("C:\\\\temp\\\\heap.jsonl")`);
    expect(message).toBe("Exported 41 rows to C:\\temp\\heap.jsonl (JSON lines)");
    const lines = readFileSync(dbg.fileSystem.hostPath("C:\\temp\\heap.jsonl"), "utf8").split("\n");
    expect(lines.pop()).toBe("");
    const fileRows = lines.map((l) => JSON.parse(l));
    const doc = JSON.parse(dbg.dx(`${expr}.ToJson()`) as string);
    expect(fileRows).toEqual(doc.rows);
    expectValidDocument({ ...doc, rows: fileRows });
    expect(fileRows.filter((r: Row) => r.Section === "Slot")).toHaveLength(32);
  });

  it("streams to JSON lines too, and says when the path cannot be written", () => {
    const { t, heap } = heapTarget();
    const { dbg, rows } = profile(t.spec, `Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x40, new { Export = "C:\\\\temp\\\\h.ndjson" })`);
    expect(rows[0]!.Evidence).toBe("8 slot rows written to C:\\temp\\h.ndjson (JSON lines)");
    const lines = readFileSync(dbg.fileSystem.hostPath("C:\\temp\\h.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((r) => r.Kind)).toEqual(["CodePointer", "Zero", "SmallInt", "Status", "OtherStackPointer", "String", "Zero", "Zero"]);
    // A directory where the file should be: the analysis says so instead of throwing.
    mkdirSync(dbg.fileSystem.hostPath("C:\\temp\\adir.csv"), { recursive: true });
    const bad = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x40, new { Export = "C:\\\\temp\\\\adir.csv" })`)) as Row[];
    expect(bad.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(bad[0]!.Evidence)).toMatch(/^Export: cannot write C:\\temp\\adir.csv: /);
  });

  it("appends to a CSV file of the same table, writing the header once", () => {
    const { t, heap } = heapTarget();
    const { dbg } = loadEwmda(t.spec);
    const run = (opts: string) => rowsOf(dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x40, ${opts})`)) as Row[];
    run(`new { Export = "C:\\\\temp\\\\a.csv" }`);
    const appended = run(`new { Export = "C:\\\\temp\\\\a.csv", Append = true }`);
    expect(appended[0]!.Evidence).toBe("8 slot rows written to C:\\temp\\a.csv (CSV, appended)");
    const text = readFileSync(dbg.fileSystem.hostPath("C:\\temp\\a.csv"), "utf8");
    expect(text.split("\n").filter((l) => l.startsWith("Section,"))).toHaveLength(1);
    expect(parse(text, { columns: true })).toHaveLength(16);
  });

  it("never corrupts a file it appends to: another table's file is refused, a cut last line is ended first", () => {
    const { t, heap } = heapTarget();
    const { dbg } = loadEwmda(t.spec);
    const other = dbg.fileSystem.hostPath("C:\\temp\\other.csv");
    mkdirSync(path.dirname(other), { recursive: true });
    writeFileSync(other, "a,b\n1,2\n");
    const refused = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x40, new { Export = "C:\\\\temp\\\\other.csv", Append = true })`)) as Row[];
    expect(String(refused[0]!.Evidence)).toMatch(/^Export: not appending to C:\\temp\\other.csv: its header is not this table's \(a,b\)/);
    expect(readFileSync(other, "utf8")).toBe("a,b\n1,2\n");

    dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x10, new { Export = "C:\\\\temp\\\\cut.jsonl" })`);
    const cut = dbg.fileSystem.hostPath("C:\\temp\\cut.jsonl");
    const whole = readFileSync(cut, "utf8");
    writeFileSync(cut, whole.slice(0, whole.length - 10)); // an export that stopped mid-line
    dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x10, new { Export = "C:\\\\temp\\\\cut.jsonl", Append = true })`);
    const lines = readFileSync(cut, "utf8").trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(() => JSON.parse(lines[1]!)).toThrow(); // the damaged line stays damaged, alone
    expect(JSON.parse(lines[2]!).Kind).toBe("CodePointer");
    expect(JSON.parse(lines[3]!).Kind).toBe("Zero");
  });
});

describe("RegionProfile: cost and faces", () => {
  it("reads in chunks and looks up each distinct in-module value once", () => {
    const heap = HEAP_BASE.x64;
    const probe = userTarget().thread({ tid: 0x1a4 }).build();
    const sleep = probe.at.symbol("kernel32!Sleep", 0);
    const values = Array.from({ length: 0x4000 }, (_, i) => (i % 16 === 0 ? sleep + BigInt((i / 16) % 4) : BigInt(i)));
    const t = userTarget().thread({ tid: 0x1a4 }).memory(heap, pointers(8, values)).build();
    const { dbg } = loadEwmda(t.spec);
    dbg.counters.reset();
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${heap.toString(16)}, 0x20000, new { View = "profile" })`)) as Row[];
    const c = dbg.counters.snapshot();
    expect(section(rows, "ByModule").map((r) => [r.Module, r.Count])).toEqual([["kernel32.dll", 0x4000 / 16]]);
    expect(c.symbolLookups).toBe(4);
    // 0x20000 bytes in 64 KiB chunks: 2 reads, plus section headers (3 reads per image), 4 call-site checks and
    // the one thread's TEB stack range (StackBase, StackLimit).
    expect(c.memoryReads).toBeLessThanOrEqual(2 + 3 + 4 + 2);
    expect(c.total).toBeLessThan(0x4000 / 100);
  });

  it("prints the profile as a table through !ewmda.regionprofile", () => {
    const { t, heap } = heapTarget();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute(`!ewmda.regionprofile (0x${heap.toString(16)}, 0x30)`);
    expect(out).toEqual(dbg.execute(`!ewmda_regionprofile (0x${heap.toString(16)}, 0x30)`));
    expect(out).toMatchSnapshot();
  });
});

function windbg(v: bigint): string {
  const h = v.toString(16).padStart(16, "0");
  return `${h.slice(0, 8)}\`${h.slice(8)}`;
}

/**
 * The table side of the charts: which columns are read (columns.ts), how files and documents are loaded
 * (tables.ts), and what each aggregation counts (aggregate.ts), on small tables whose answers are known.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as agg from "../../src/viz/aggregate";
import { detectRole, namespaceOfSymbolSql, resolveColumns } from "../../src/viz/columns";
import { synthRawStackDocuments, writeSynthRegionTable } from "../../src/viz/synthetic";
import { isResultDocument, sniffFormat, VizDb, VizInputError } from "../../src/viz/tables";
import { tempDir } from "./support";

const dir = tempDir("tables");
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

let db: VizDb;
beforeEach(async () => { db = await VizDb.open(); });
afterEach(() => db.close());

describe("columns", () => {
  it("tells each documented table apart by its columns, whatever their case", () => {
    expect(detectRole(["Thread", "Address", "Value", "Kind", "Symbol", "Module", "ReturnAddress", "Live", "Verdict"])).toBe("slots"); // RawStack
    expect(detectRole(["offset", "address", "value", "class", "symbol"])).toBe("slots"); // Region Profile's CSV (§35)
    expect(detectRole(["Class", "Count", "%"])).toBe("profile"); // Region Profile's summary rows
    expect(detectRole(["Cluster", "Low", "High", "Count", "Distinct", "Label", "Examples"])).toBe("clusters"); // §36
    expect(detectRole(["Namespace", "Depth", "Frames", "Threads", "Modules", "Technology", "ExampleFrame"])).toBe("namespaces"); // §31
    expect(detectRole(["Count", "Threads", "FirstThread", "Wait", "TopFrame", "FrameCount", "Stack"])).toBe("stacks"); // UniqueStacks
    expect(detectRole(["Type", "Count"])).toBe("handles");
    expect(detectRole(["Handle", "TypeName", "Name"])).toBe("handles");
    expect(detectRole(["Section", "Pattern", "Analysis", "Finding", "Verdict"])).toBeUndefined(); // Triage
    expect(resolveColumns(["ADDRESS", "value", "Class"])).toEqual({ address: "ADDRESS", value: "value", kind: "Class" });
  });

  it("reads addresses as 0x strings, WinDbg's backtick form and decimals, exact to 64 bits; anything else is NULL", async () => {
    await db.loadFile(file("hex.csv", "Address,Value,Kind\n0x10,0xffffffffffffffff,Value\n000000e8`000ffbf8,18446744073709551615,Value\n16,not-a-number,Value\n,,Value\n"));
    const rows = await db.query(`SELECT address::VARCHAR AS a, value::VARCHAR AS v FROM ${db.source("slots")}`);
    expect(rows).toEqual([
      { a: "16", v: "18446744073709551615" },
      { a: String(0xe8_000f_fbf8), v: "18446744073709551615" },
      { a: "16", v: null },
      { a: null, v: null },
    ]);
  });

  it("takes the module from Module (path stripped) or else from the symbol, and the namespace from the symbol", async () => {
    await db.loadFile(file("sym.csv", [
      "Address,Value,Symbol,Module",
      "0x8,0x1,app!render::Scene::draw+0x1c,C:\\app\\app.exe",
      '0x10,0x2,"app!std::vector<std::pair<int,int> >::push_back+0x4",',
      "0x18,0x3,ntdll!NtWaitForSingleObject+0x14,",
      "0x20,0x4,engine!`anonymous namespace'::Helper::run,",
      "0x28,0x5,kernel32+0x1234,",
      "0x30,0x6,,",
    ].join("\n")));
    const rows = await db.query(`SELECT module, ${namespaceOfSymbolSql("symbol")} AS namespace FROM ${db.source("slots")} ORDER BY address`);
    expect(rows).toEqual([
      { module: "app.exe", namespace: "render::Scene" },
      { module: "app", namespace: "std::vector" },
      { module: "ntdll", namespace: null },
      { module: "engine", namespace: "(anonymous)::Helper" },
      { module: "kernel32", namespace: null },
      { module: null, namespace: null },
    ]);
  });

  it("sniffs dumps, documents, JSON lines, JSON arrays, Parquet and CSV from the bytes, not the extension", async () => {
    expect(sniffFormat(file("a.json", '{"Address":"0x1"}\n'))).toBe("jsonl");
    expect(sniffFormat(file("b.txt", '{"schema":"ewmda.result","rows":[]}\n'))).toBe("documents");
    expect(sniffFormat(file("c.json", '[{"schema": "ewmda.result"}]'))).toBe("documents");
    expect(sniffFormat(file("d.json", '[{"Address":"0x1"}]'))).toBe("json-array");
    expect(sniffFormat(file("e.dat", "MDMP\x93\xa7"))).toBe("minidump");
    expect(sniffFormat(file("f.jsonl", "Address,Value\n"))).toBe("csv");
    expect(() => sniffFormat(file("g.csv", ""))).toThrow(VizInputError);
    const parquet = path.join(dir, "h.parquet");
    await db.query(`COPY (SELECT '0x10' AS Address, '0x20' AS Value) TO '${parquet}' (FORMAT parquet)`);
    expect(sniffFormat(parquet)).toBe("parquet");
  });

  it("refuses a table with no column it knows, naming the columns it found", async () => {
    await expect(db.loadFile(file("odd.csv", "Foo,Bar\n1,2\n"))).rejects.toThrow(/no column the charts know \(found: Foo, Bar/);
    await expect(db.loadFile(file("broken.jsonl", '{"Address": "0x1"\n'), "jsonl")).rejects.toThrow(VizInputError);
  });
});

describe("aggregations", () => {
  const table = [
    "Thread,Address,Value,Kind,Symbol,Module",
    "0x1a4,0x1000,0x7ff800001000,CodePointer,ntdll!A+0x1,ntdll.dll",
    "0x1a4,0x1008,0x7ff800001004,CodePointer,ntdll!A+0x4,ntdll.dll",
    "0x1a4,0x1010,0x7ff600002000,DataPointer,app+0x2000,app.exe",
    "0x1a4,0x1018,0x0,Value,,",
    "0x2b0,0x9000,0x7ff800001000,CodePointer,ntdll!A+0x1,ntdll.dll",
    "0x2b0,0x9008,0x9010,StackPointer,,",
  ].join("\n");

  it("profile: values per module and kind; the modules past the limit fold into one bar", async () => {
    await db.loadFile(file("p.csv", table));
    const d = await agg.profile(db, db.source("slots")!);
    expect(d.total).toBe(6);
    expect(d.modules).toBe(3);
    expect(d.bars).toEqual([
      { module: "ntdll.dll", kind: "CodePointer", count: 3, rank: 1 },
      { module: agg.NO_MODULE, kind: "StackPointer", count: 1, rank: 2 },
      { module: agg.NO_MODULE, kind: "Value", count: 1, rank: 2 },
      { module: "app.exe", kind: "DataPointer", count: 1, rank: 3 },
    ]);
    expect((await agg.profile(db, db.source("slots")!, "0x2B0")).total).toBe(2);

    const many = ["Address,Value,Kind,Module", ...Array.from({ length: 40 }, (_, i) => `0x${i.toString(16)},0x1,CodePointer,m${String(i).padStart(2, "0")}.dll`)];
    await db.loadFile(file("many.csv", many.join("\n")));
    const wide = await agg.profile(db, db.source("slots")!);
    expect(wide.modules).toBe(43);
    expect(new Set(wide.bars.map((b) => b.module)).size).toBe(agg.LIMITS.profileModules + 1);
    // ntdll (3), no module (2), then 41 modules of one value each by name: app.exe and m00-m21 are drawn.
    expect(wide.bars.filter((b) => b.module === agg.OTHER_MODULES).reduce((s, b) => s + b.count, 0)).toBe(18);
    expect(wide.total).toBe(46);
  });

  it("profile: a summary table (Class, Count) is summed, not counted", async () => {
    await db.loadFile(file("summary.csv", "Class,Count,%\nzero,120,60\nsmall,80,40\n"));
    const d = await agg.profile(db, db.source("slots", "profile")!);
    expect(d.total).toBe(200);
    expect(d.bars.map((b) => [b.kind, b.count])).toEqual([["small", 80], ["zero", 120]]);
  });

  it("clusters: one point per slot, offsets within each thread's region when there are several", async () => {
    await db.loadFile(file("c.csv", table));
    const d = await agg.clusters(db, db.source("slots")!);
    expect(d.mode).toBe("points");
    expect(d.x).toBe("offset");
    expect(d.regions).toBe(2);
    expect(d.points.map((p) => p.x).sort((a, b) => a - b)).toEqual([0, 0, 8, 8, 16, 24]);
  });

  it("clusters: past the limit, a density grid whose cells add up to every slot", async () => {
    const big = path.join(dir, "big.csv");
    const n = await writeSynthRegionTable(big, { rows: 20_000, threads: 8 });
    await db.loadFile(big);
    const d = await agg.clusters(db, db.source("slots")!);
    expect(d.mode).toBe("density");
    expect(d.cells.length).toBeLessThanOrEqual(agg.LIMITS.binsX * agg.LIMITS.binsY);
    const unreadable = Number((await db.query(`SELECT count(*)::DOUBLE AS n FROM ${db.source("slots")} WHERE value IS NULL`))[0]!.n);
    expect(d.total).toBe(n - unreadable);
    expect(d.cells.reduce((s, c) => s + c.count, 0)).toBe(d.total);
    for (const c of d.cells) expect(c.x1).toBeGreaterThan(c.x0);
  });

  it("clusters: the density grid spans the smallest to the largest value, not 0 to the largest", async () => {
    const lines = ["Thread,Address,Value"];
    for (let i = 0; i < 4000; i++) {
      const value = i % 2 ? 0x7ff8_0000_0000 + i * 0x1000 : 0xe8_0000_0000 + i * 0x4000_0000;
      lines.push(`0x${(i % 4).toString(16)},0x${(0x10000 + i * 8).toString(16)},0x${value.toString(16)}`);
    }
    await db.loadFile(file("pointers.csv", lines.join("\n") + "\n"));
    const d = await agg.clusters(db, db.source("slots")!);
    expect(d.mode).toBe("density");
    const y0 = Math.min(...d.cells.map((c) => c.y0));
    const y1 = Math.max(...d.cells.map((c) => c.y1));
    expect(y0).toBeCloseTo(0xe8_0000_0000, -3);
    expect(y1).toBeCloseTo(0x7ff8_0000_0000 + 3999 * 0x1000, -5);
    // The lower band (values 0xe8`00000000 to five times that) spans many rows of cells; bins from 0 would give it 3.
    expect(new Set(d.cells.filter((c) => c.y0 < 0x1000_0000_0000).map((c) => c.y0)).size).toBeGreaterThan(8);
  });

  it("namespaces and heat map from the slots' symbols and threads", async () => {
    await db.loadFile(file("n.csv", table));
    const ns = await agg.namespaces(db, db.source("slots")!, false);
    expect(ns.bars).toEqual([
      { name: "ntdll.dll (no namespace)", count: 3, threads: 2, namespaced: false },
      { name: "app.exe (no namespace)", count: 1, threads: 1, namespaced: false },
    ]);
    const hm = await agg.heatmap(db, db.source("slots")!);
    expect(hm.cells.map((c) => [c.thread, c.module, c.count])).toEqual([["0x1a4", "ntdll.dll", 2], ["0x1a4", "app.exe", 1], ["0x2b0", "ntdll.dll", 1]]);
    expect([hm.threads, hm.modules]).toEqual([2, 2]);
  });

  it("namespaces from a Namespace table use one depth, so nested prefixes are not counted twice", async () => {
    await db.loadFile(file("ns.csv", "Namespace,Depth,Frames,Threads\nv8,1,50,3\nv8::internal,2,45,3\nv8::internal::Heap,3,20,2\nstd,1,7,1\n"));
    const d = await agg.namespaces(db, db.source("namespaces")!, true);
    expect(d.bars.map((b) => [b.name, b.count])).toEqual([["v8::internal", 45]]);
  });

  it("mixed tables: RegionProfile's slots without its profile rows, RegionClusters' clusters without Repeated values", async () => {
    await db.loadFile(file("rp.csv", [
      "Section,Offset,Address,Value,Kind,Symbol,Module,Text,Count,Percent",
      "Slot,0x0,0x1000,0x0,Zero,,,,,",
      "Slot,0x8,0x1008,0x7ff800001004,CodePointer,ntdll!A+0x4,ntdll.dll,,,",
      "Slot,0x10,0x1010,0x7ff800001008,CodePointer,ntdll!A+0x8,ntdll.dll,,,",
      "ByKind,,,,CodePointer,,,,2,66.7%",
      "ByKind,,,,Zero,,,,1,33.3%",
      "ByModule,,,,,,ntdll.dll,,2,66.7%",
      "BySymbol,,,,,ntdll!A,ntdll.dll,,2,66.7%",
    ].join("\n")));
    const p = await agg.profile(db, db.source("slots")!);
    expect(p.total).toBe(3);
    expect(p.bars.map((b) => [b.module, b.kind, b.count])).toEqual([["ntdll.dll", "CodePointer", 2], [agg.NO_MODULE, "Zero", 1]]);
    await db.loadFile(file("rc.csv", "Section,Cluster,Label,Low,High,Count,Distinct\nCluster,1,Zero,0x0,0x0,40,1\nCluster,2,Module:ntdll.dll,0x7ff800001000,0x7ff800009000,12,5\nRepeated,,,0x0,0x0,40,1\n"));
    const c = await agg.clusterRanges(db, db.source("clusters")!);
    expect(c.ranges.map((r) => [r.label, r.count])).toEqual([["Zero", 40], ["Module:ntdll.dll", 12]]);
    await db.loadFile(file("nsm.csv", "Section,Namespace,Depth,Module,Frames,Threads\nNamespace,v8,1,,9,2\nModule,,,engine.dll,30,3\n"));
    expect((await agg.namespaces(db, db.source("namespaces")!, true)).bars.map((b) => [b.name, b.count])).toEqual([["v8", 9]]);
  });

  it("handles per type and unique-stack groups", async () => {
    await db.loadFile(file("h.csv", "Type,Count\nEvent,12\nFile,3\nEvent,1\n"));
    expect(await agg.handles(db, db.source("handles")!)).toEqual({ bars: [{ type: "Event", count: 13 }, { type: "File", count: 3 }], total: 16 });
    await db.loadFile(file("s.jsonl", '{"Count":3,"TopFrame":"ntdll!NtWaitForSingleObject","Wait":"sync-object"}\n{"Count":1,"TopFrame":"app!main","Wait":"running"}\n'));
    const s = await agg.stacks(db, db.source("stacks")!);
    expect(s.bars.map((b) => [b.label, b.wait, b.threads])).toEqual([["#1 ntdll!NtWaitForSingleObject", "sync-object", 3], ["#2 app!main", "running", 1]]);
    expect([s.groups, s.threads]).toEqual([2, 4]);
  });

  it("unique-stack groups are labelled by their first frame outside system modules when the Stack column has one", async () => {
    await db.loadFile(file("s2.jsonl", [
      { Count: 5, TopFrame: "ntdll+0x9f9a4", Wait: "unknown", Stack: "ntdll+0x9f9a4\nKERNELBASE.dll+0x6ba89\nmozglue+0x51c92\nxul+0xe1f368" },
      { Count: 2, TopFrame: "ntdll+0x9f9a4", Wait: "unknown", Stack: "ntdll+0x9f9a4\nkernel32!BaseThreadInitThunk\nntdll!RtlUserThreadStart" },
      { Count: 1, TopFrame: "app!main", Wait: "running", Stack: "app!main\nkernel32!BaseThreadInitThunk" },
    ].map((r) => JSON.stringify(r)).join("\n") + "\n"));
    const s = await agg.stacks(db, db.source("stacks")!);
    expect(s.bars.map((b) => [b.label, b.caller])).toEqual([
      ["#1 ntdll+0x9f9a4 \u2190 mozglue+0x51c92", "mozglue+0x51c92"],
      ["#2 ntdll+0x9f9a4", undefined],
      ["#3 app!main", undefined],
    ]);
  });

  it("the same table as CSV, JSON lines and Parquet, read in place or into memory, gives the same profile", async () => {
    const csv = path.join(dir, "same.csv");
    const jsonl = path.join(dir, "same.jsonl");
    const parquet = path.join(dir, "same.parquet");
    await writeSynthRegionTable(csv, { rows: 3000, seed: 3 });
    await writeSynthRegionTable(jsonl, { rows: 3000, seed: 3 });
    await db.query(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
    const profiles = [];
    for (const [f, materialize] of [[csv, false], [jsonl, false], [parquet, false], [csv, true]] as const) {
      const one = await VizDb.open({ materialize });
      try {
        await one.loadFile(f);
        profiles.push(await agg.profile(one, one.source("slots")!));
      } finally {
        one.close();
      }
    }
    expect(profiles[1]).toEqual(profiles[0]);
    expect(profiles[2]).toEqual(profiles[0]);
    expect(profiles[3]).toEqual(profiles[0]);
  });

  it("an --all export: each role reads one analysis, not every one with look-alike columns", async () => {
    const doc = (name: string, columns: string[], rows: Record<string, unknown>[]) =>
      ({ schema: "ewmda.result", analysis: { name }, columns: columns.map((c) => ({ name: c, type: "string" })), rows });
    const raw = synthRawStackDocuments({ rows: 300, threads: 3 });
    const rawRows = raw.reduce((s, d) => s + (d.rows as unknown[]).length, 0);
    const docs = [
      ...raw,
      doc("RegionProfile", ["Section", "Address", "Value", "Kind"], [{ Section: "Slot", Address: "0x10", Value: "0x0", Kind: "Zero" }]),
      doc("ValueReferences", ["Value", "Address", "Region"], [{ Value: "0x1", Address: "0x20", Region: "heap" }]),
      doc("UniqueStacks", ["Count", "TopFrame", "Wait"], [{ Count: 4, TopFrame: "ntdll!NtWaitForSingleObject", Wait: "sync-object" }]),
      doc("StackTraces", ["Thread", "TopFrame", "Wait"], [{ Thread: "0x1", TopFrame: "app!main", Wait: "running" }]),
      doc("SystemObjects", ["Path", "Type"], [{ Path: "\\BaseNamedObjects", Type: "Directory" }]),
    ];
    const tables = await db.loadDocuments(docs as never, "all.jsonl");
    expect(tables.map((t) => [t.role, t.origin])).toEqual([["slots", "RawStack documents in all.jsonl"], ["stacks", "UniqueStacks documents in all.jsonl"]]);
    expect((await agg.profile(db, db.source("slots")!)).total).toBe(rawRows);
    expect((await agg.stacks(db, db.source("stacks")!)).threads).toBe(4);
    expect(db.source("handles")).toBeUndefined();
    expect(db.notes).toEqual(["all.jsonl: the region charts read RawStack's rows; RegionProfile holds the same kind of rows and was not counted again"]);
  });

  it("RawStack export documents load as one slot table, their Info rows without an address left out", async () => {
    const docs = synthRawStackDocuments({ rows: 2000, threads: 4 });
    expect(docs.every(isResultDocument)).toBe(true);
    const withInfo = [...docs, { ...docs[0]!, rows: [{ Verdict: "Info", Evidence: "TEB unreadable", Source: "heuristic" }] }];
    const tables = await db.loadDocuments(withInfo as never, "test");
    expect(tables.map((t) => t.role)).toEqual(["slots"]);
    const rows = docs.reduce((s, d) => s + (d.rows as unknown[]).length, 0);
    expect((await agg.profile(db, db.source("slots")!)).total).toBe(rows);
  });
});

/**
 * `ewmda report`: from the demo dump (run through dist/ewmda.js), from a dump with a handle stream, and from
 * export documents plus a region table; the HTML's content and self-containment, the chart files, the tables
 * written for the notebook, and the command's exit statuses.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_FACTS, runDemo } from "../../src/cli/demo";
import { openSession } from "../../src/cli/session";
import { ANALYSES } from "../../src/extensions/registry";
import { profile } from "../../src/viz/aggregate";
import { VizDb, type ResultDocument } from "../../src/viz/tables";
import { buildReport, FINDINGS_JSONL, REGION_CSV, REPORT_CHARTS, type ReportResult } from "../../src/viz/report";
import { writeSynthRegionTable } from "../../src/viz/synthetic";
import { expectValidDocument } from "../schema-check";
import { decodePng, pixelStats } from "./png";
import { dumpWithHandles, fullReport, NOW, runViz, tempDir } from "./support";

const dir = tempDir("report");

function drawn(r: ReportResult): string[] {
  return r.charts.filter((c) => c.drawn).map((c) => c.id);
}

/** What makes the page self-contained: nothing to fetch, nothing to run. */
function expectSelfContained(html: string): void {
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/\b(src|href)="(?!#)/i); // only in-page links
  expect(html).not.toMatch(/url\((?!#)/i);
  expect(html).not.toMatch(/@import/i);
}

describe("ewmda report from the demo dump", () => {
  let r: ReportResult;
  let html: string;
  const charts = path.join(dir, "demo-charts");
  beforeAll(async () => {
    const { dump, symbols } = runDemo(path.join(dir, "demo.dmp"));
    r = await buildReport([dump], { out: path.join(dir, "demo.html"), chartsDir: charts, symbolsDir: symbols, now: NOW });
    html = readFileSync(path.join(dir, "demo.html"), "utf8");
  });

  it("shows the triage: the access violation, the deadlock and the spinning thread", () => {
    expect(html).toContain("<title>ewmda report: demoapp.exe</title>");
    expect(html).toContain("demoapp.exe, pid 4408 (0x1138) · x64 · user dump · demo.dmp");
    expect(html).toMatch(/written for an exception: STATUS_ACCESS_VIOLATION/);
    expect(html).toMatch(/Deadlock: 0x2c8 waits for/);
    expect(html).toMatch(/0x2b0 single cpu 41000 ms/);
    expect(html).toContain('<span class="verdict v-Positive">Positive</span>');
  });

  it("draws every chart the dump has data for, and says why the handle chart is not drawn", () => {
    expect(drawn(r)).toEqual(["profile", "clusters", "namespace", "heatmap", "stacks"]);
    expect(r.charts.find((c) => c.id === "handles")).toEqual({ id: "handles", drawn: false, reason: expect.stringMatching(/the dump has no handle stream/) });
    expect(html).toContain("Not drawn: the dump has no handle stream");
    for (const id of drawn(r)) expect(html).toMatch(new RegExp(`<section class="chart" id="chart-${id}" data-chart="${id}"><h2>[^<]+</h2><p class="caption">[^<]+</p>\\s*<figure data-marks="\\d+"><svg`));
    // The five threads' residue: demoapp, kernel32 and ntdll, as RawStack classified it.
    expect(html).toMatch(/<td>0x2c8<\/td><td>ntdll\.dll<\/td><td class="num">\d+<\/td>/);
    expect(r.warnings).toEqual([]);
    expectSelfContained(html);
  });

  it("writes each drawn chart as SVG and PNG, and the tables behind them", () => {
    for (const id of drawn(r)) {
      expect(readFileSync(path.join(charts, `${id}.svg`), "utf8")).toMatch(/^<svg[^>]+class="marks"/);
      const img = decodePng(readFileSync(path.join(charts, `${id}.png`)));
      expect(img.width).toBeGreaterThan(400);
      expect(pixelStats(img).stdev).toBeGreaterThan(20);
    }
    expect(existsSync(path.join(charts, "handles.png"))).toBe(false);
    const csv = readFileSync(path.join(charts, REGION_CSV), "utf8").trim().split("\n");
    expect(csv[0]).toBe("Thread,Address,Value,Kind,Symbol,Module");
    expect(csv.slice(1).every((l) => /^0x[0-9a-f]+,0x[0-9a-f]+,(0x[0-9a-f]+)?,\w+,/.test(l))).toBe(true);
    const docs = readFileSync(path.join(charts, FINDINGS_JSONL), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(docs.map((d) => d.analysis.name)).toEqual(["Triage", "UniqueStacks", "Handles"]);
    docs.forEach(expectValidDocument);
  });
});

describe("ewmda report from other inputs", () => {
  it("counts handles per type from the dump's handle stream while the Handles analysis gives none", async () => {
    const dump = path.join(dir, "handles.dmp");
    writeFileSync(dump, dumpWithHandles());
    const out = path.join(dir, "handles.html");
    const r = await buildReport([dump], { out, now: NOW });
    expect(drawn(r)).toContain("handles");
    const html = readFileSync(out, "utf8");
    expect(html).toContain("15 handles of 4 types, from the dump&#39;s handle stream");
    expect(html).toMatch(/<td>Event<\/td><td class="num">7<\/td><\/tr>\n<tr><td>File<\/td><td class="num">4<\/td>/);
  });

  it("draws all six charts from export documents and a region table, with the documents' target", async () => {
    const r = await fullReport(tempDir("report-full"));
    expect(drawn(r)).toEqual([...REPORT_CHARTS]);
    expect(r.warnings).toEqual([]);
    const html = readFileSync(r.out, "utf8");
    expect(html).toContain("<title>ewmda report: app.exe</title>");
    expect(html).toContain("692 handles of 8 types, from the Handles analysis"); // synthDocuments' counts
    expect(html).toMatch(/5,000 values by the module they point into/);
    expect(html).toContain("export documents (Triage, UniqueStacks, Handles)");
    expectSelfContained(html);
  });

  it("escapes what the data says: a symbol cannot inject markup", async () => {
    const table = path.join(dir, "evil.csv");
    writeFileSync(table, 'Thread,Address,Value,Kind,Symbol,Module\n0x1,0x10,0x7ff800000010,CodePointer,"evil!<script>alert(1)</script>::x+0x1","<img src=x onerror=alert(1)>.dll"\n');
    const out = path.join(dir, "evil.html");
    await buildReport([table], { out, now: NOW });
    const html = readFileSync(out, "utf8");
    expectSelfContained(html);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;.dll");
  });
});

describe("ewmda report as a command", () => {
  it("prints what it drew and what it could not, and exits 0", async () => {
    const table = path.join(dir, "cmd.csv");
    await writeSynthRegionTable(table, { rows: 800 });
    const r = runViz(["report", table, "--out", path.join(dir, "cmd.html")], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe([
      `${path.join(dir, "cmd.html")}: 4 of 6 charts drawn`,
      "  handles: not drawn: no handle data in the inputs (a dump written with handle data, or Handles export documents)",
      "  stacks: not drawn: no UniqueStacks result in the inputs (give a dump, or ewmda analyze --jsonl --pattern UniqueStacks output)",
      "",
    ].join("\n"));
  });

  it("exits 2 for usage errors and 1 for inputs it cannot use, with one line saying why", () => {
    writeFileSync(path.join(dir, "bad.dmp"), Buffer.concat([Buffer.from("MDMP"), Buffer.alloc(28)]));
    writeFileSync(path.join(dir, "notes.txt"), "just some words\nand more\n");
    const cases: [string[], number, RegExp][] = [
      [[path.join(dir, "cmd.csv")], 2, /--out report.html is required/],
      [[path.join(dir, "cmd.csv"), "--out", "r.pdf"], 2, /--out must name an .html file/],
      [[path.join(dir, "nothing.dmp"), "--out", path.join(dir, "x.html")], 1, /ENOENT|no such file/],
      [[path.join(dir, "bad.dmp"), "--out", path.join(dir, "x.html")], 1, /bad\.dmp: not a minidump: version 0x0 in the header/],
      [[path.join(dir, "notes.txt"), "--out", path.join(dir, "x.html")], 1, /notes\.txt: no column the charts know/],
    ];
    for (const [args, status, message] of cases) {
      const r = runViz(["report", ...args], dir);
      expect(r.status, args.join(" ")).toBe(status);
      expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(path.join(dir, "x.html"))).toBe(false);
  });
});

describe("the analyses' own tables", () => {
  // RegionProfile's documents as the analysis writes them today: the charts must read its Slot rows and leave
  // its profile rows out, so a change of its columns shows here.
  const regionProfile = ANALYSES.find((a) => a.meta.name === "RegionProfile")?.meta;
  it.skipIf(!regionProfile || regionProfile.version === "0.0.0")("RegionProfile documents of the demo dump feed the profile chart, one count per slot", async () => {
    const { dump, symbols } = runDemo(path.join(tempDir("region-profile"), "demo.dmp"));
    const session = openSession(dump, { symbolsDir: symbols });
    let doc: ResultDocument;
    try {
      doc = JSON.parse(String(session.dbg.dx(`Debugger.Utility.Ewmda.RegionProfile(0x${DEMO_FACTS.faultingThread.toString(16)}).ToJson()`)));
    } finally {
      session.close();
    }
    const slots = doc.rows.filter((r) => r.Section === "Slot");
    expect(slots.length).toBeGreaterThan(0);
    const db = await VizDb.open();
    try {
      expect((await db.loadDocuments([doc], "RegionProfile")).map((t) => t.role)).toEqual(["slots"]);
      const p = await profile(db, db.source("slots")!);
      expect(p.total).toBe(slots.length);
    } finally {
      db.close();
    }
  });
});

/**
 * `ewmda plot`: each kind of chart from a synthetic region table, as PNG (decoded and looked at: size, ink,
 * colours) and as SVG (its marks counted), and the command's answers to wrong input, run as a user runs it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runCommand } from "citty";
import { describe, expect, it } from "vitest";
import { plotCommand } from "../../src/cli/commands/plot";
import { LIMITS } from "../../src/viz/aggregate";
import { PLOT_KINDS, plotFile } from "../../src/viz/plot";
import { synthRawStackDocuments, writeSynthRegionTable } from "../../src/viz/synthetic";
import { decodePng, pixelStats } from "./png";
import { runViz, tempDir } from "./support";

const dir = tempDir("plot");
const small = path.join(dir, "region.csv");
const large = path.join(dir, "region-large.jsonl");
const ready = Promise.all([
  writeSynthRegionTable(small, { rows: 2000, threads: 12 }),
  writeSynthRegionTable(large, { rows: 60_000, threads: 40 }),
]);

/** Data marks in a Vega SVG: the children of its mark groups (role-mark), legends and axes excluded. */
function svgMarks(svg: string): number {
  let n = 0;
  // Items are leaf elements (path, text, line), so a mark group ends at the first </g>.
  for (const m of svg.matchAll(/<g class="mark-\w+ role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)) n += (m[1]!.match(/<(path|text|line)\b/g) ?? []).length;
  return n;
}

function expectReadablePng(file: string, minWidth = 600): void {
  const bytes = readFileSync(file);
  expect(bytes.length).toBeGreaterThan(10_000);
  const img = decodePng(bytes);
  expect(img.width).toBeGreaterThanOrEqual(minWidth);
  expect(img.height).toBeGreaterThanOrEqual(300);
  const s = pixelStats(img);
  expect(s.stdev, "a blank picture").toBeGreaterThan(20);
  expect(s.inked).toBeGreaterThan(0.02);
  expect(s.colors, "text, axes and coloured marks").toBeGreaterThan(20);
}

describe("ewmda plot", () => {
  for (const kind of PLOT_KINDS) {
    it(`draws ${kind} as PNG and SVG`, async () => {
      await ready;
      const png = path.join(dir, `${kind}.png`);
      const svg = path.join(dir, `${kind}.svg`);
      const r = await plotFile(small, kind, png);
      expect(r.warnings).toEqual([]);
      expectReadablePng(png);
      await plotFile(small, kind, svg);
      const text = readFileSync(svg, "utf8");
      expect(text.startsWith("<svg")).toBe(true);
      expect(svgMarks(text)).toBeGreaterThanOrEqual(r.chart.marks);
      expect(r.chart.marks).toBeGreaterThan(0);
    });
  }

  it("keeps sixty thousand rows to a few thousand marks (density grid, top threads and modules)", async () => {
    await ready;
    const clusters = await plotFile(large, "clusters", path.join(dir, "large-clusters.svg"));
    expect(clusters.chart.subtitle).toMatch(/cells/);
    expect(clusters.chart.marks).toBeLessThanOrEqual(LIMITS.binsX * LIMITS.binsY);
    const heat = await plotFile(large, "heatmap", path.join(dir, "large-heatmap.png"));
    expect(heat.chart.marks).toBeLessThanOrEqual(LIMITS.heatmapThreads * LIMITS.heatmapModules);
    expect(heat.chart.subtitle).toBe("40 threads × 7 modules");
    expectReadablePng(path.join(dir, "large-heatmap.png"));
    expect(readFileSync(path.join(dir, "large-clusters.svg"), "utf8").length).toBeLessThan(3_000_000);
  });

  it("reads RawStack export documents as a table", async () => {
    const docs = path.join(dir, "rawstack.jsonl");
    writeFileSync(docs, synthRawStackDocuments({ rows: 1500, threads: 6 }).map((d) => JSON.stringify(d)).join("\n") + "\n");
    const r = await plotFile(docs, "profile", path.join(dir, "docs-profile.png"));
    expect(r.chart.subtitle).toMatch(/^\d[\d,]* values by the module/);
    expectReadablePng(path.join(dir, "docs-profile.png"));
  });

  it("profiles one thread with --region", async () => {
    await ready;
    const r = await plotFile(small, "profile", path.join(dir, "one.svg"), { region: "0x1a4" });
    expect(r.chart.title).toBe("Region profile of 0x1a4: values per module and kind");
    expect(r.chart.subtitle).toMatch(/^167 values/);
  });

  it("runs as a command: writes the file, prints what it drew, leaves the exit status alone", async () => {
    await ready;
    const out = path.join(dir, "cmd.svg");
    await runCommand(plotCommand, { rawArgs: [small, "--kind", "namespace", "--out", out] });
    expect(process.exitCode ?? 0).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("Namespaces in the symbols");
  });

  it("exits 2 for usage errors and 1 for input it cannot use, with one line saying why", async () => {
    await ready;
    const cases: [string[], number, RegExp][] = [
      [[small, "--kind", "pie", "--out", "x.png"], 2, /--kind must be one of profile, clusters, namespace, heatmap \(not "pie"\)/],
      [[small, "--kind", "profile"], 2, /--out FILE.png or --out FILE.svg is required/],
      [[small, "--kind", "profile", "--out", "x.jpg"], 2, /not "x.jpg"/],
      [[path.join(dir, "missing.csv"), "--kind", "profile", "--out", path.join(dir, "x.png")], 1, /ENOENT|no such file/],
      [[path.join(dir, "odd.csv"), "--kind", "profile", "--out", path.join(dir, "x.png")], 1, /no column the charts know \(found: Foo, Bar; they read Address and Value/],
      [[path.join(dir, "nothread.csv"), "--kind", "heatmap", "--out", path.join(dir, "x.png")], 1, /cannot draw heatmap: the region table has no Thread or Tid or ThreadId \(or Region\) column/],
      [[path.join(dir, "fake.dmp"), "--kind", "profile", "--out", path.join(dir, "x.png")], 1, /a dump, not a table \(ewmda report/],
    ];
    writeFileSync(path.join(dir, "odd.csv"), "Foo,Bar\n1,2\n");
    writeFileSync(path.join(dir, "nothread.csv"), "Address,Value,Kind,Module\n0x8,0x7ff800001000,CodePointer,ntdll.dll\n");
    writeFileSync(path.join(dir, "fake.dmp"), Buffer.concat([Buffer.from("MDMP"), Buffer.alloc(60)]));
    for (const [args, status, message] of cases) {
      const r = runViz(["plot", ...args], dir);
      expect(r.status, args.join(" ")).toBe(status);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const ok = runViz(["plot", small, "--kind", "heatmap", "--out", path.join(dir, "cli.png")], dir);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/cli\.png: Execution residue: modules in each thread's stack \(12 threads × 7 modules\)/);
    expectReadablePng(path.join(dir, "cli.png"), 300);
  });
});

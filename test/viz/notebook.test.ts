/**
 * notebooks/residue-analysis.ipynb run headless, as an analyst's Jupyter would run it: nbclient executes every
 * cell on exports made the way the README says (`ewmda report ... --charts DIR` writes region.csv and
 * findings.jsonl; here from synthetic tables), and each of the six charts must come out as a PNG that shows
 * something.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { synthDocuments, writeSynthRegionTable } from "../../src/viz/synthetic";
import { decodePng, pixelStats } from "./png";
import { findPython, ROOT, tempDir } from "./support";

const python = findPython();

const NOTEBOOK = path.join(ROOT, "notebooks", "residue-analysis.ipynb");

/** Executes the notebook with nbclient; every cell must run (an exception fails the run and names the cell). */
function execute(env: Record<string, string>, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const script = [
    "import sys, nbformat, nbclient",
    "nb = nbformat.read(sys.argv[1], as_version=4)",
    "nbclient.NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': sys.argv[2]}}).execute()",
    "for c in nb.cells:",
    "    for o in c.get('outputs', []):",
    "        if o.get('output_type') == 'stream': print(o['text'], end='')",
  ].join("\n");
  const r = spawnSync(python.path!, ["-c", script, NOTEBOOK, cwd], { cwd, encoding: "utf8", env: { ...process.env, ...env }, timeout: 600_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(python.skip !== undefined)(`notebooks/residue-analysis.ipynb, executed headless${python.skip ? ` (skipped: ${python.skip})` : ""}`, () => {
  // Generous: a fresh venv builds matplotlib's font cache on its first import.
  it("draws all six charts from exported files", { timeout: 300_000 }, async () => {
    const dir = tempDir("notebook");
    const data = path.join(dir, "exported");
    mkdirSync(data);
    await writeSynthRegionTable(path.join(data, "region.csv"), { rows: 6000, threads: 16 });
    writeFileSync(path.join(data, "findings.jsonl"), synthDocuments(16).map((d) => JSON.stringify(d)).join("\n") + "\n");
    const charts = path.join(dir, "charts");
    const r = execute({ EWMDA_DATA: data, EWMDA_CHARTS: charts }, dir);
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toContain("6,000 slots; documents:");
    expect(r.stdout).toContain("charts written: clusters.png, handles.png, heatmap.png, namespace.png, profile.png, stacks.png");
    expect(readdirSync(charts).sort()).toEqual(["clusters.png", "handles.png", "heatmap.png", "namespace.png", "profile.png", "stacks.png"]);
    for (const f of readdirSync(charts)) {
      const img = decodePng(readFileSync(path.join(charts, f)));
      expect(img.width, f).toBeGreaterThan(500);
      expect(img.height, f).toBeGreaterThan(250);
      const s = pixelStats(img);
      expect(s.stdev, f).toBeGreaterThan(20);
      expect(s.colors, f).toBeGreaterThan(10);
    }
  });

  it("reads RegionProfile's export by its Slot rows, not its profile rows", { timeout: 300_000 }, () => {
    const dir = tempDir("notebook-rp");
    writeFileSync(path.join(dir, "region.csv"), [
      "Section,Offset,Address,Value,Kind,Symbol,Module,Text,Count,Percent",
      "Slot,0x0,0x1000,0x0,Zero,,,,,",
      "Slot,0x8,0x1008,0x7ff800001004,CodePointer,ntdll!A+0x4,ntdll.dll,,,",
      "Slot,0x10,0x1010,0x7ff800001008,CodePointer,ntdll!A+0x8,ntdll.dll,,,",
      "ByKind,,,,CodePointer,,,,2,66.7%",
      "ByModule,,,,,,ntdll.dll,,2,66.7%",
    ].join("\n") + "\n");
    const r = execute({ EWMDA_DATA: dir, EWMDA_CHARTS: path.join(dir, "out") }, dir);
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toContain("3 slots; documents: {}");
    expect(r.stdout).toContain("charts written: clusters.png, namespace.png, profile.png");
  });

  it("runs on JSON lines export documents alone, and says which charts it skipped", { timeout: 300_000 }, () => {
    const dir = tempDir("notebook-docs");
    writeFileSync(path.join(dir, "findings.jsonl"), synthDocuments(8).map((d) => JSON.stringify(d)).join("\n") + "\n");
    const r = execute({ EWMDA_DATA: dir, EWMDA_CHARTS: path.join(dir, "out") }, dir);
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toContain("profile: skipped, no region table");
    expect(r.stdout).toContain("charts written: handles.png, stacks.png");
  });
});

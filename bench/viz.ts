/**
 * `npm run bench` (charts): a 1,000,000-row synthetic region table (RawStack's columns, as CSV) to the region
 * profile as a PNG (`ewmda plot --kind profile`) and to the HTML report (`ewmda report`, every chart the table
 * feeds), beside pandas + matplotlib drawing the same chart from the same CSV in the same run
 * (bench/viz_pandas.py, read as notebooks/residue-analysis.ipynb reads it). Wall time and peak resident memory
 * of each command (GNU time), medians of BENCH_RUNS runs, as BENCH lines and ratios. The ewmda commands run as
 * users run them (bin/ewmda.mjs) once src/cli/main.ts registers them, and until then from the TypeScript sources
 * through tsx (scripts/ewmda-viz.ts); `viz_cli_startup` is that command's floor (printing its help).
 * Without a Python that has pandas and matplotlib (EWMDA_PYTHON, or the venv .ci/viz.sh makes), the peer's
 * figures are skipped and said so.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeSynthRegionTable } from "../src/viz/synthetic";
import { bench, median } from "./report";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROWS = Number(process.env.BENCH_VIZ_ROWS ?? 1_000_000);
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const tsx = pathToFileURL(path.join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** The built command line when it has `report` and `plot`, else the sources' entry through tsx. */
function cliPrefix(): { args: string[]; what: string } {
  const bin = path.join(root, "bin", "ewmda.mjs");
  const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  const usage = /USAGE\s+ewmda\s+(\S+)/.exec(`${help.stdout}`.replace(/\x1b\[[0-9;]*m/g, ""))?.[1]?.split("|") ?? [];
  if (help.status === 0 && usage.includes("report") && usage.includes("plot")) return { args: [bin], what: "bin/ewmda.mjs" };
  return { args: ["--import", tsx, path.join(root, "scripts", "ewmda-viz.ts")], what: "scripts/ewmda-viz.ts through tsx (report and plot are not in dist/ewmda-cli.mjs yet)" };
}

function findPython(): string | undefined {
  const venv = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "ewmda", "viz-venv", "bin", "python");
  for (const p of [process.env.EWMDA_PYTHON, venv, "python3"]) {
    if (!p) continue;
    const r = spawnSync(p, ["-c", "import pandas, matplotlib"], { encoding: "utf8" });
    if (r.status === 0) return p;
  }
  return undefined;
}

/** One run: wall milliseconds and peak resident kilobytes. */
function measure(cmd: string, args: string[]): { ms: number; kb: number | undefined } {
  const t0 = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync(gnuTime, ["-f", "%M", cmd, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
    : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  const kb = gnuTime ? Number(r.stderr.trim().split("\n").pop()) : undefined;
  return { ms, kb: Number.isFinite(kb) ? kb : undefined };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "ewmda-bench-viz-"));
try {
  const csv = path.join(dir, "region.csv");
  const t0 = performance.now();
  const rows = await writeSynthRegionTable(csv, { rows: ROWS, threads: 200 });
  bench("viz_table_rows", rows, "rows");
  bench("viz_table_csv_size", statSync(csv).size / 1024 / 1024, "MiB");
  console.log(`# synthetic table written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const python = findPython();
  if (!python) console.log("# Python with pandas and matplotlib not found (bash .ci/viz.sh, or EWMDA_PYTHON): pandas figures skipped");
  const cli = cliPrefix();
  console.log(`# ewmda commands: ${cli.what}`);
  const node = (...args: string[]) => [process.execPath, [...cli.args, ...args]] as const;
  const jobs: [string, readonly [string, readonly string[]]][] = [
    ["viz_cli_startup", node("--help")],
    ["plot_profile_png", node("plot", csv, "--kind", "profile", "--out", path.join(dir, "profile.png"))],
    ["report_html", node("report", csv, "--out", path.join(dir, "report.html"))],
  ];
  if (python) jobs.push(["pandas_profile_png", [python, [path.join(root, "bench", "viz_pandas.py"), csv, path.join(dir, "pandas-profile.png")]]]);
  const runs = new Map<string, { ms: number[]; kb: number[] }>(jobs.map(([k]) => [k, { ms: [], kb: [] }]));
  for (let i = 0; i < RUNS; i++) {
    for (const [key, [cmd, args]] of jobs) {
      const m = measure(cmd, [...args]);
      runs.get(key)!.ms.push(m.ms);
      if (m.kb !== undefined) runs.get(key)!.kb.push(m.kb);
    }
  }
  for (const [key, r] of runs) {
    bench(`${key}_wall_median`, median(r.ms), "ms");
    if (r.kb.length) bench(`${key}_peak_rss`, median(r.kb), "KiB");
  }
  bench("plot_profile_png_size", statSync(path.join(dir, "profile.png")).size, "bytes");
  bench("report_html_size", statSync(path.join(dir, "report.html")).size, "bytes");
  const p = runs.get("pandas_profile_png");
  if (p) {
    const ewmda = runs.get("plot_profile_png")!;
    bench("plot_vs_pandas_profile_time_ratio", median(ewmda.ms) / median(p.ms), "x");
    if (ewmda.kb.length && p.kb.length) bench("plot_vs_pandas_profile_memory_ratio", median(ewmda.kb) / median(p.kb), "x");
    const report = runs.get("report_html")!;
    bench("report_vs_pandas_profile_time_ratio", median(report.ms) / median(p.ms), "x");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

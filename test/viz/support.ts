/**
 * What the chart tests share: the chart commands run as a user runs them (a child process), and the outside
 * tools the "as a person sees it" tests need: Debian's Chromium and a Python with pandas, matplotlib and
 * nbclient (.ci/viz.sh installs both). Without them those tests skip and say why; with EWMDA_VIZ_REQUIRED=1
 * (set by CI) a missing tool fails the run instead, so CI cannot pass by skipping.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { synthMinidump } from "../../src/minidump-synth";
import { buildReport, type ReportResult } from "../../src/viz/report";
import { synthDocuments, writeSynthRegionTable } from "../../src/viz/synthetic";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const VIZ_ENTRY = path.join(ROOT, "scripts", "ewmda-viz.ts");
/** tsx's loader by path, so the command also runs from a folder outside the project. */
const TSX = pathToFileURL(path.join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `ewmda-${prefix}-`));
}

/** `ewmda report|plot ...` from the sources, in a child process: exit status, standard output and error. */
export function runViz(args: readonly string[], cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", TSX, VIZ_ENTRY, ...args], { cwd, encoding: "utf8", timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const required = process.env.EWMDA_VIZ_REQUIRED === "1";

export interface Tool { readonly path: string | undefined; readonly skip: string | undefined }

/**
 * A tool that is there, or why not (said once on standard error, since a skipped test shows no reason);
 * fails instead when CI requires it. Looked for on first use only: finding Python imports pandas.
 */
function tool(name: string, find: () => string | undefined, hint: string): () => Tool {
  let found: Tool | undefined;
  return () => {
    if (found) return found;
    const p = find();
    if (p) return (found = { path: p, skip: undefined });
    const why = `${name} not found (${hint})`;
    if (required) throw new Error(`EWMDA_VIZ_REQUIRED=1 but ${why}`);
    process.stderr.write(`[ewmda viz tests] skipped: ${why}\n`);
    return (found = { path: undefined, skip: why });
  };
}

export const findChromium = tool("Chromium", () => {
  const p = process.env.EWMDA_CHROMIUM ?? "/usr/bin/chromium";
  return existsSync(p) ? p : undefined;
}, "apt-get install -y chromium, or bash .ci/viz.sh; EWMDA_CHROMIUM=PATH for another build");

/** The venv .ci/viz.sh makes, unless EWMDA_PYTHON names another interpreter. */
export const DEFAULT_VENV = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "ewmda", "viz-venv");

export const findPython = tool("Python with pandas, matplotlib and nbclient", () => {
  for (const p of [process.env.EWMDA_PYTHON, path.join(DEFAULT_VENV, "bin", "python")]) {
    if (!p || !existsSync(p)) continue;
    const r = spawnSync(p, ["-c", "import pandas, matplotlib, nbclient, nbformat, ipykernel"], { encoding: "utf8" });
    if (r.status === 0) return p;
  }
  return undefined;
}, `bash .ci/viz.sh makes ${DEFAULT_VENV}; or EWMDA_PYTHON=PATH to a Python with notebooks/requirements.txt installed`);

/** The flags the project starts Chromium with: headless, no network of its own, nothing persisted. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

/**
 * A small x64 dump with a handle stream: two threads whose stacks hold pointers into two modules, and handles
 * of four types. No TEB, so RawStack scans from each stack pointer (heuristic rows, as on a damaged dump).
 */
export function dumpWithHandles(): Uint8Array {
  const APP = 0x7ff6_1000_0000n;
  const NTDLL = 0x7ffb_2000_0000n;
  const b = synthMinidump({ arch: "x64" })
    .module({ name: "C:\\app\\viewer.exe", base: APP, size: 0x20000 })
    .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000 });
  [0x1a4, 0x2b0].forEach((id, i) => {
    const start = 0xe8_0000_0000n + BigInt(i) * 0x10_0000n;
    const words = new Array<bigint>(0x200).fill(0n);
    for (let k = 0; k < 40; k++) words[0x100 + k * 3] = (k % 2 ? APP + 0x1000n : NTDLL + 0x9d4d4n) + BigInt(k * 8);
    b.thread({ id, stack: { start, size: 0x1000, words }, registers: { rip: NTDLL + 0x9d4d4n, rsp: start + 0x800n, rbp: 0n } });
  });
  const types: [string, number][] = [["Event", 7], ["File", 4], ["Key", 2], ["Thread", 2]];
  let h = 4n;
  b.handles(types.flatMap(([type, n]) => Array.from({ length: n }, () => ({ handle: (h += 4n), type }))));
  return b.build();
}

/** The time the report tests write into their reports. */
export const NOW = new Date("2026-01-02T03:04:05Z");

/** A report of synthetic findings (Triage, UniqueStacks, Handles) and a synthetic region table: every chart has data. */
export async function fullReport(into: string, rows = 5000): Promise<ReportResult & { out: string }> {
  const findings = path.join(into, "findings-in.jsonl");
  const table = path.join(into, "region-in.csv");
  writeFileSync(findings, synthDocuments().map((d) => JSON.stringify(d)).join("\n") + "\n");
  await writeSynthRegionTable(table, { rows });
  const out = path.join(into, "full.html");
  return { ...(await buildReport([findings, table], { out, chartsDir: path.join(into, "charts"), now: NOW })), out };
}

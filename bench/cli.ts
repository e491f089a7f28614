/**
 * `npm run bench` (second part): wall time and peak memory of `ewmda info` and `ewmda analyze` on the
 * Mozilla dumps of ../shared/testdata, beside Breakpad's minidump_stackwalk on the same files in the same
 * run, printed as BENCH lines and ratios. The peer comes from the npm package `minidump` installed with
 * --ignore-scripts into bench/.peer (its prebuilt Linux binary); it is never used by the tests.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bench, median } from "./report";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const testdata = path.resolve(root, "..", "shared", "testdata", "dumps", "mozilla");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PEER_VERSION = "0.26.0";


function peerBinary(): string | undefined {
  const dir = path.join(root, "bench", ".peer");
  const bin = path.join(dir, "node_modules", "minidump", "bin", `${process.platform}-${process.arch}`, "minidump_stackwalk");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync("npm", ["install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", dir, `minidump@${PEER_VERSION}`], { stdio: "inherit" });
    if (r.status !== 0) return undefined;
  }
  return existsSync(bin) ? bin : undefined;
}

const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs a command once; wall milliseconds and peak resident kilobytes (GNU time when available). */
function measure(cmd: string, args: string[]): { ms: number; kb: number | undefined; status: number | null } {
  const t0 = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync(gnuTime, ["-f", "%M", cmd, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 })
    : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const kb = gnuTime ? Number(r.stderr.trim().split("\n").pop()) : undefined;
  return { ms, kb: Number.isFinite(kb) ? kb : undefined, status: r.status };
}


if (!existsSync(testdata)) {
  console.log("# ../shared/testdata/dumps/mozilla not found: CLI benchmark skipped");
  process.exit(0);
}
const peer = peerBinary();
if (!peer) console.log("# minidump_stackwalk could not be installed: peer figures skipped");
const cli = path.join(root, "bin", "ewmda.mjs");

// The floor every Node command pays: starting Node itself.
const floor = Array.from({ length: RUNS }, () => measure(process.execPath, ["-e", ""]));
bench("node_startup_wall_median", median(floor.map((m) => m.ms)), "ms");
if (floor[0]?.kb !== undefined) bench("node_startup_peak_rss", median(floor.map((m) => m.kb!)), "KiB");

for (const file of ["windows-x86_64.dmp", "windows-x86.dmp", "windows-aarch64.dmp"]) {
  const dump = path.join(testdata, file);
  if (!existsSync(dump)) continue;
  const name = file.replace(/\.dmp$/, "").replace(/[^a-z0-9]+/gi, "_");
  const size = readFileSync(dump).length;
  console.log(`# ${file}: ${(size / 1024 / 1024).toFixed(1)} MB`);
  const runs: Record<string, { ms: number[]; kb: number[] }> = { info: { ms: [], kb: [] }, analyze: { ms: [], kb: [] }, stackwalk: { ms: [], kb: [] } };
  for (let i = 0; i < RUNS; i++) {
    const jobs: [string, string, string[]][] = [
      ["info", process.execPath, [cli, "info", dump, "--json"]],
      ["analyze", process.execPath, [cli, "analyze", dump, "--jsonl"]],
    ];
    if (peer) jobs.push(["stackwalk", peer, [dump]]);
    for (const [key, cmd, args] of jobs) {
      const m = measure(cmd, args);
      if (m.status !== 0) throw new Error(`${key} failed on ${file} (status ${m.status})`);
      runs[key]!.ms.push(m.ms);
      if (m.kb !== undefined) runs[key]!.kb.push(m.kb);
    }
  }
  for (const [key, r] of Object.entries(runs)) {
    if (!r.ms.length) continue;
    bench(`${key}_${name}_wall_median`, median(r.ms), "ms");
    if (r.kb.length) bench(`${key}_${name}_peak_rss`, median(r.kb), "KiB");
  }
  const s = runs.stackwalk!;
  if (s.ms.length) {
    bench(`info_vs_stackwalk_${name}_time_ratio`, median(runs.info!.ms) / median(s.ms), "x");
    bench(`analyze_vs_stackwalk_${name}_time_ratio`, median(runs.analyze!.ms) / median(s.ms), "x");
    if (s.kb.length && runs.analyze!.kb.length) bench(`analyze_vs_stackwalk_${name}_memory_ratio`, median(runs.analyze!.kb) / median(s.kb), "x");
  }
}

/**
 * `npm run bench` (event stream): against the services of .ci/services.sh, in one run on one broker:
 * - publish throughput of `ewmda publish` (documents/s and MB/s; a first run in the process, then a warm
 *   one) beside `kcat -P -l` (librdkafka) producing the same file to the same broker, both with gzip,
 *   acks from all replicas and an idempotent producer;
 * - end-to-end latency from a line appended to a followed log to the document stored in MongoDB;
 * - consumer insert throughput into MongoDB (FerretDB here) and into the embedded DuckDB store, and
 *   `ewmda store` from a file.
 * Prints BENCH lines; skips (exit 0) when EWMDA_KAFKA / EWMDA_MONGO are not set.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { consume } from "../src/pipeline/consume";
import { publish } from "../src/pipeline/publish";
import { store } from "../src/pipeline/store";
import { idsOf, lines, resultDocuments } from "../test/pipeline/fixtures";
import { topicCount, uniquePrefix } from "../test/pipeline/services";
import { bench, median } from "./report";

const KAFKA = process.env.EWMDA_KAFKA;
const MONGO = process.env.EWMDA_MONGO;
const N = Number(process.env.BENCH_DOCUMENTS ?? 20_000);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 30);

if (!KAFKA || !MONGO) {
  console.log("# EWMDA_KAFKA / EWMDA_MONGO not set: event-stream benchmark skipped (eval \"$(bash .ci/services.sh start)\" starts the services)");
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "ewmda-bench-"));
const docs = resultDocuments(N, { tag: "bench", targets: 16, rows: 3 });
const file = path.join(dir, "documents.jsonl");
writeFileSync(file, lines(docs));
const bytes = statSync(file).size;
const mb = bytes / 1e6;
console.log(`# ${N} documents, ${mb.toFixed(1)} MB, broker ${KAFKA}, MongoDB ${MONGO}`);

// Publish: ewmda.
const prefix = uniquePrefix("bench");
let t0 = performance.now();
const tally = await publish({ brokers: [KAFKA], prefix, inputs: [file], checkpoints: false });
let s = (performance.now() - t0) / 1000;
if (tally.done !== N) throw new Error(`published ${tally.done} of ${N}`);
bench("pipeline_publish_ewmda_docs_per_s", Math.round(N / s), "docs/s");
bench("pipeline_publish_ewmda_mb_per_s", mb / s, "MB/s");
const ewmdaRate = N / s;
// Again in the same process, to a new prefix: the Kafka client is loaded (importing @platformatic/kafka
// compiles its option schemas, about a second) and the JIT warm; the first figure is what one
// `ewmda publish` run gets, this one the steady rate of a long `--follow`.
{
  const warmPrefix = uniquePrefix("bench-warm");
  t0 = performance.now();
  const warm = await publish({ brokers: [KAFKA], prefix: warmPrefix, inputs: [file], checkpoints: false });
  s = (performance.now() - t0) / 1000;
  if (warm.done !== N) throw new Error(`published ${warm.done} of ${N} (warm)`);
  bench("pipeline_publish_ewmda_warm_docs_per_s", Math.round(N / s), "docs/s");
  bench("pipeline_publish_ewmda_warm_mb_per_s", mb / s, "MB/s");
}
const ewmdaWarmRate = N / s;

// Publish: kcat, the same file to the same broker, one message per line, gzip, acks from all replicas.
const kcat = spawnSync("sh", ["-c", "command -v kcat"], { encoding: "utf8" }).stdout.trim();
if (!kcat) {
  console.log("# kcat not installed (Debian package kcat): peer figures skipped");
} else {
  const topic = `${prefix}.kcat`;
  t0 = performance.now();
  const r = spawnSync(kcat, ["-b", KAFKA, "-P", "-t", topic, "-z", "gzip", "-X", "acks=all", "-X", "enable.idempotence=true", "-l", file], { encoding: "utf8" });
  s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`);
  const n = await topicCount(KAFKA, topic);
  if (n !== N) throw new Error(`kcat produced ${n} of ${N}`);
  bench("pipeline_publish_kcat_docs_per_s", Math.round(N / s), "docs/s");
  bench("pipeline_publish_kcat_mb_per_s", mb / s, "MB/s");
  bench("pipeline_publish_ewmda_vs_kcat", ewmdaRate / (N / s), "ratio");
  bench("pipeline_publish_ewmda_warm_vs_kcat", ewmdaWarmRate / (N / s), "ratio");
}

// Consumer insert throughput: MongoDB, then the embedded store (each a fresh group reading the N documents).
const db = `${MONGO}/${prefix.replace(/[^a-zA-Z0-9]/g, "_")}`;
for (const [name, to] of [["mongodb", db], ["duckdb", path.join(dir, "store")]] as const) {
  let first = 0;
  let last = 0;
  const c = await consume({
    brokers: [KAFKA], prefix, group: `bench-${name}`, to, idleExitMs: 2000,
    onWrite: (t) => {
      if (first === 0) first = performance.now();
      last = performance.now();
      void t;
    },
  });
  if (c.done !== N) throw new Error(`${name}: stored ${c.done} of ${N}`);
  // From the first write to the last: the group's join and the idle wait are not insert time.
  bench(`pipeline_consume_${name}_docs_per_s`, Math.round(N / ((last - first) / 1000)), "docs/s");
}
t0 = performance.now();
await store({ inputs: [file], db: path.join(dir, "file-store.duckdb") });
bench("pipeline_store_duckdb_docs_per_s", Math.round(N / ((performance.now() - t0) / 1000)), "docs/s");

// End-to-end latency: a line appended to a followed log -> the document stored in MongoDB.
{
  const latencyPrefix = uniquePrefix("latency");
  const logDir = path.join(dir, "logs");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(logDir);
  const log = path.join(logDir, "session.jsonl");
  writeFileSync(log, "");
  const samples = resultDocuments(LATENCY_SAMPLES + 1, { tag: latencyPrefix });
  const ids = samples.map((d) => idsOf([d])[0]!);
  const stop = new AbortController();
  const storedAt = new Map<string, number>();
  let storedCount = 0;
  const pub = publish({ brokers: [KAFKA], prefix: latencyPrefix, inputs: [logDir], follow: true, checkpoints: false, signal: stop.signal, pollMs: 250 });
  const con = consume({
    brokers: [KAFKA], prefix: latencyPrefix, group: "latency", to: `${MONGO}/${latencyPrefix.replace(/[^a-zA-Z0-9]/g, "_")}`, signal: stop.signal,
    onWrite: (t) => {
      while (storedCount < t.done) storedAt.set(ids[storedCount++]!, performance.now());
    },
  });
  const wait = async (n: number) => {
    const deadline = Date.now() + 60_000;
    while (storedCount < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    if (storedCount < n) throw new Error("latency: a document did not arrive within 60 s");
  };
  // The first document warms up the group (join, topic metadata); it is not counted.
  appendFileSync(log, JSON.stringify(samples[0]) + "\n");
  await wait(1);
  const ms: number[] = [];
  for (let i = 1; i <= LATENCY_SAMPLES; i++) {
    const appended = performance.now();
    appendFileSync(log, JSON.stringify(samples[i]) + "\n");
    await wait(i + 1);
    ms.push(storedAt.get(ids[i]!)! - appended);
    await new Promise((r) => setTimeout(r, 50));
  }
  stop.abort();
  await Promise.all([pub, con]);
  const sorted = [...ms].sort((a, b) => a - b);
  bench("pipeline_e2e_latency_median", median(ms), "ms");
  bench("pipeline_e2e_latency_p95", sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!, "ms");
}
process.exit(0);

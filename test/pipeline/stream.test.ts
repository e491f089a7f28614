/**
 * The event stream against real services (.ci/services.sh): Apache Kafka 4.x and FerretDB (MongoDB wire).
 * Nothing is mocked. Skipped, with the reason, when EWMDA_KAFKA / EWMDA_MONGO are not set.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { consume } from "../../src/pipeline/consume";
import { publish } from "../../src/pipeline/publish";
import { DocumentChecker } from "../../src/pipeline/documents";
import { MONGO_INDEXES } from "../../src/pipeline/mongodb";
import { query } from "../../src/pipeline/store";
import { runWorker, childAnalyzer } from "../../src/pipeline/worker";
import { runDemo } from "../../src/cli/demo";
import { brokenLines, idsOf, KAFKA, lines, MONGO, resultDocuments, runPipeline, spawnPipeline, tempDir } from "./fixtures";
import { groupState, readTopic, storedIds, topicCount, uniquePrefix, waitFor, withMongo } from "./services";

const services = KAFKA && MONGO;
if (!services) console.warn("test/pipeline/stream.test.ts: skipped: EWMDA_KAFKA and EWMDA_MONGO are not set (eval \"$(bash .ci/services.sh start)\" starts Kafka and FerretDB)");

describe.skipIf(!services)("publish and consume through Kafka into MongoDB and DuckDB", () => {
  it("publishes valid documents by kind and broken lines to the dead-letter topic with reasons; consumers store each document once", async () => {
    const prefix = uniquePrefix("flow");
    const dir = tempDir("flow");
    const docs = resultDocuments(2000, { tag: prefix });
    const broken = brokenLines(64 * 1024);
    const file = path.join(dir, "session.jsonl");
    writeFileSync(file, lines(docs.slice(0, 1000)) + broken.map((b) => `${b.text}\n`).join("") + lines(docs.slice(1000)));

    const pub = runPipeline(["publish", file, "--brokers", KAFKA!, "--topic-prefix", prefix, "--checkpoints", path.join(dir, "cp"), "--max-document-bytes", String(64 * 1024)]);
    expect(pub.stderr).toBe("");
    expect(pub.status).toBe(0);
    expect(pub.stdout).toContain("ewmda publish: 2005 documents read, 2000 published, 5 rejected");
    expect(pub.stdout).toContain(`rejected lines are on ${prefix}.dead-letter with their reasons`);
    expect(await topicCount(KAFKA!, `${prefix}.result`)).toBe(2000);

    const dead = await readTopic(KAFKA!, `${prefix}.dead-letter`, 5);
    const headers = dead.map((m) => Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])));
    expect(headers.map((h) => h["ewmda-category"]).sort()).toEqual(broken.map((b) => b.category).sort());
    expect(headers.map((h) => h["ewmda-source"]).sort()).toEqual([1001, 1002, 1003, 1004, 1005].map((n) => `${file}:${n}`));
    const oversized = dead[headers.findIndex((h) => h["ewmda-category"] === "oversized")]!;
    expect(oversized.headers?.["ewmda-truncated"]?.toString()).toBe("true");
    expect(headers.find((h) => h["ewmda-category"] === "unsupported-version")!["ewmda-reason"]).toBe("unsupported schemaVersion 7 of ewmda.result (supported: 1)");

    // Publishing again publishes nothing: the checkpoint says the file is done.
    const again = runPipeline(["publish", file, "--brokers", KAFKA!, "--topic-prefix", prefix, "--checkpoints", path.join(dir, "cp")]);
    expect(again.stdout).toContain("ewmda publish: 0 documents read, 0 published, 0 rejected");
    expect(await topicCount(KAFKA!, `${prefix}.result`)).toBe(2000);

    // Into MongoDB, twice with two groups: still one document per id, with the indexes.
    const mongo = `${MONGO}/${prefix.replace(/[^a-zA-Z0-9]/g, "_")}`;
    for (const group of ["g1", "g2"]) {
      const c = runPipeline(["consume", "--brokers", KAFKA!, "--topic-prefix", prefix, "--group", group, "--to", mongo, "--idle-exit", "3"]);
      expect(c.status, c.stderr).toBe(0);
      expect(c.stdout).toContain("ewmda consume: 2000 documents read, 2000 stored, 0 rejected");
    }
    const stored = await storedIds(mongo);
    expect(stored.count).toBe(2000);
    expect(stored.ids).toEqual(idsOf(docs));
    const indexes = await withMongo(mongo, (db) => db.collection("result").indexes());
    for (const key of MONGO_INDEXES) expect(indexes.map((i) => i.key)).toContainEqual(key);
    const one = await withMongo(mongo, (db) => db.collection("result").findOne({ summary: docs[5]!.summary as string }));
    expect(one).toMatchObject({ ...docs[5], _id: idsOf([docs[5]!])[0] });

    // Into the embedded store: the same documents.
    const store = path.join(dir, "store");
    const tally = await consume({ brokers: [KAFKA!], prefix, group: "g3", to: store, idleExitMs: 3000 });
    expect(tally.done).toBe(2000);
    const ids = await query({ db: path.join(store, "ewmda.duckdb"), sql: "SELECT id FROM result ORDER BY id", format: "jsonl" });
    expect(ids.trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(idsOf(docs));
  }, 240_000);

  it("splits a batch the broker refuses as too large (over 1 MiB for one partition) and publishes each document once", async () => {
    const prefix = uniquePrefix("split");
    const dir = tempDir("split");
    // One target: every document goes to one partition, about 2.7 MB uncompressed in one batch.
    const docs = resultDocuments(3000, { tag: prefix, targets: 1, rows: 3 });
    const file = path.join(dir, "docs.jsonl");
    writeFileSync(file, lines(docs));
    const tally = await publish({ brokers: [KAFKA!], prefix, inputs: [file], checkpoints: false, compression: "none", batchBytes: 16 * 1024 * 1024 });
    expect(tally.done).toBe(3000);
    expect(await topicCount(KAFKA!, `${prefix}.result`)).toBe(3000);
    const checker = new DocumentChecker();
    const got = await readTopic(KAFKA!, `${prefix}.result`, 3000);
    expect(got.map((m) => { const c = checker.checkText(m.value!.toString()); return c.ok ? c.id : "?"; }).sort()).toEqual(idsOf(docs));
  }, 120_000);

  it("follows a log folder that a session appends to and rotates; a restart neither loses nor repeats documents", async () => {
    const prefix = uniquePrefix("follow");
    const dir = tempDir("follow");
    const logs = path.join(dir, "logs");
    mkdirSync(logs);
    const log = path.join(logs, "session.jsonl");
    const docs = resultDocuments(400, { tag: prefix });
    const args = ["publish", logs, "--follow", "--brokers", KAFKA!, "--topic-prefix", prefix, "--checkpoints", path.join(dir, "cp")];
    writeFileSync(log, lines(docs.slice(0, 100)));
    let publisher = spawnPipeline(args);
    const count = () => topicCount(KAFKA!, `${prefix}.result`);
    await waitFor("the first 100 documents", async () => (await count().catch(() => 0)) === 100);
    appendFileSync(log, lines(docs.slice(100, 150)));
    await waitFor("150 documents", async () => (await count()) === 150);
    // Stop it (Ctrl-C), write while it is down, rotate, and start it again.
    publisher.kill("SIGINT");
    const out = await new Promise<string>((resolve) => { let s = ""; publisher.stdout!.on("data", (b) => (s += b)); publisher.on("close", () => resolve(s)); });
    expect(out).toContain("150 published");
    appendFileSync(log, lines(docs.slice(150, 200)));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(docs.slice(200, 300)));
    publisher = spawnPipeline(args);
    await waitFor("300 documents", async () => (await count()) === 300);
    appendFileSync(log, lines(docs.slice(300, 400)));
    await waitFor("400 documents", async () => (await count()) === 400);
    await new Promise((r) => setTimeout(r, 500));
    publisher.kill("SIGTERM");
    await new Promise((r) => publisher.on("close", r));
    expect(await count()).toBe(400); // nothing repeated
    const got = await readTopic(KAFKA!, `${prefix}.result`, 400);
    const checker = new DocumentChecker();
    expect(got.map((m) => { const c = checker.checkText(m.value!.toString()); return c.ok ? c.id : "?"; }).sort()).toEqual(idsOf(docs));
  }, 180_000);

  it("workers in one group share the queued dumps; each dump is analyzed once and its documents published", async () => {
    const prefix = uniquePrefix("work");
    const dir = tempDir("work");
    const { dump } = runDemo(path.join(dir, "demo.dmp"));
    const dumps = Array.from({ length: 6 }, (_, i) => {
      const p = path.join(dir, `crash-${i}.dmp`);
      copyFileSync(dump, p);
      return p;
    });
    writeFileSync(path.join(dir, "not-a-dump.dmp"), "MDMP? no");
    const analyzed: string[][] = [[], []];
    const workers = [0, 1].map((w) => runWorker({
      brokers: [KAFKA!], prefix, group: "workers", idleExitMs: 8000,
      analyzer: async (request, signal) => {
        analyzed[w]!.push(request.dump);
        return childAnalyzer()(request, signal);
      },
    }));
    // Both members joined before the dumps arrive, so both get partitions.
    await waitFor("two workers in the group", async () => {
      const g = await groupState(KAFKA!, "workers");
      return g?.state === "STABLE" && g.members === 2;
    }, 60_000, 500);
    const sub = runPipeline(["publish", "--dumps", ...dumps, path.join(dir, "not-a-dump.dmp"), "--brokers", KAFKA!, "--topic-prefix", prefix]);
    expect(sub.stdout).toContain("ewmda publish: 7 dumps queued on");
    const results = await Promise.all(workers);
    expect(results.reduce((n, r) => n + r.dumps, 0)).toBe(7);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(1);
    expect(analyzed.every((a) => a.length > 0)).toBe(true);
    expect([...analyzed[0]!, ...analyzed[1]!].sort()).toEqual([...dumps, path.join(dir, "not-a-dump.dmp")].sort());
    // What the workers published is what ewmda analyze prints for each dump, checked against the schemas.
    const checker = new DocumentChecker();
    const expected = dumps.flatMap((d) => runPipelineAnalyze(d)).map((l) => checker.checkText(l));
    const valid = expected.filter((c) => c.ok).length;
    expect(await topicCount(KAFKA!, `${prefix}.result`)).toBe(valid);
    expect(await topicCount(KAFKA!, `${prefix}.dead-letter`)).toBe(1 + expected.length - valid);
    const deadLetters = await readTopic(KAFKA!, `${prefix}.dead-letter`, 1 + expected.length - valid);
    const failed = deadLetters.find((m) => m.headers?.["ewmda-category"]?.toString() === "analysis-failed");
    expect(failed?.headers?.["ewmda-reason"]?.toString()).toContain("not-a-dump.dmp");
  }, 180_000);
});

/** What `ewmda analyze DUMP --jsonl` prints, line by line. */
function runPipelineAnalyze(dump: string): string[] {
  const r = spawnSync(process.execPath, [path.resolve(import.meta.dirname, "..", "..", "bin", "ewmda.mjs"), "analyze", dump, "--jsonl"], { encoding: "utf8" });
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

/**
 * Faults, bounded in time and count, against the real services (.ci/services.sh): afterwards every
 * document is in MongoDB exactly once (count and ids checked).
 * - the broker is killed (SIGKILL) in the middle of a publish and started again;
 * - the consumer is killed (SIGKILL) in the middle of a batch and started again;
 * - MongoDB is unreachable for a while (every connection dropped and refused) in the middle of a consume.
 * The broker test uses a broker of its own, so killing it does not disturb the other tests.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consume } from "../../src/pipeline/consume";
import { idsOf, KAFKA, lines, MONGO, resultDocuments, runPipeline, spawnPipeline, tempDir } from "./fixtures";
import { CuttableProxy, PrivateBroker, storedIds, uniquePrefix, waitFor } from "./services";

const services = KAFKA && MONGO;
if (!services) console.warn("test/pipeline/faults.test.ts: skipped: EWMDA_KAFKA and EWMDA_MONGO are not set (eval \"$(bash .ci/services.sh start)\" starts Kafka and FerretDB)");

const dbName = (prefix: string) => prefix.replace(/[^a-zA-Z0-9]/g, "_");
const exited = (child: ReturnType<typeof spawnPipeline>) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (b) => (stdout += b));
  child.stderr!.on("data", (b) => (stderr += b));
  child.on("close", (code) => resolve({ code, stdout, stderr }));
});

describe.skipIf(!services)("faults", () => {
  const brokers: PrivateBroker[] = [];
  afterAll(() => {
    for (const b of brokers) b.remove();
  });

  it("a broker killed and restarted in the middle of a publish: every document in MongoDB once", async () => {
    const dir = tempDir("fault-broker");
    const broker = new PrivateBroker(path.join(dir, "kafka"), 19000 + Math.floor(Math.random() * 900) * 2);
    brokers.push(broker);
    broker.start();
    const prefix = uniquePrefix("kill-broker");
    const docs = resultDocuments(8000, { tag: prefix, rows: 3 });
    const file = path.join(dir, "big.jsonl");
    writeFileSync(file, lines(docs));
    const size = readFileSync(file).length;
    const checkpoints = path.join(dir, "cp");
    const publisher = spawnPipeline(["publish", file, "--brokers", broker.address, "--topic-prefix", prefix, "--checkpoints", checkpoints]);
    const done = exited(publisher);
    // Mid-publish: its checkpoint shows part of the file acknowledged.
    const progress = () => {
      const f = existsSync(checkpoints) ? readdirSync(checkpoints).find((n) => n.endsWith(".json")) : undefined;
      return f ? (JSON.parse(readFileSync(path.join(checkpoints, f), "utf8")) as { offset: number }).offset : 0;
    };
    await waitFor("the first acknowledged batch", () => progress() > 0, 60_000, 5);
    const atKill = progress();
    expect(atKill).toBeLessThan(size);
    broker.kill();
    await new Promise((r) => setTimeout(r, 3000));
    broker.start();
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("8000 documents read, 8000 published, 0 rejected");
    expect(progress()).toBe(size);

    const mongo = `${MONGO}/${dbName(prefix)}`;
    const c = runPipeline(["consume", "--brokers", broker.address, "--topic-prefix", prefix, "--group", "g", "--to", mongo, "--idle-exit", "5"], { timeoutMs: 240_000 });
    expect(c.status, c.stderr).toBe(0);
    const stored = await storedIds(mongo);
    expect(stored.count).toBe(8000);
    expect(stored.ids).toEqual(idsOf(docs));
  }, 300_000);

  it("a consumer killed in the middle of a batch and started again: every document in MongoDB once", async () => {
    const dir = tempDir("fault-consumer");
    const prefix = uniquePrefix("kill-consumer");
    const docs = resultDocuments(6000, { tag: prefix });
    const file = path.join(dir, "docs.jsonl");
    writeFileSync(file, lines(docs));
    expect(runPipeline(["publish", file, "--brokers", KAFKA!, "--topic-prefix", prefix, "--checkpoints", path.join(dir, "cp")]).status).toBe(0);
    const mongo = `${MONGO}/${dbName(prefix)}`;
    const args = ["consume", "--brokers", KAFKA!, "--topic-prefix", prefix, "--group", "g", "--to", mongo, "--write-batch", "200"];
    const first = spawnPipeline(args);
    const firstDone = exited(first);
    await waitFor("some documents stored", async () => (await storedIds(mongo).catch(() => ({ count: 0 }))).count >= 400, 60_000, 20);
    first.kill("SIGKILL");
    await firstDone;
    const atKill = (await storedIds(mongo)).count;
    expect(atKill).toBeLessThan(6000);
    const second = runPipeline([...args, "--idle-exit", "4"], { timeoutMs: 120_000 });
    expect(second.status, second.stderr).toBe(0);
    // It read what the first had not committed: at least the rest, and possibly some already stored.
    const storedBySecond = Number(/(\d+) stored/.exec(second.stdout)?.[1]);
    expect(storedBySecond).toBeGreaterThanOrEqual(6000 - atKill);
    const stored = await storedIds(mongo);
    expect(stored.count).toBe(6000);
    expect(stored.ids).toEqual(idsOf(docs));
  }, 240_000);

  it("MongoDB unreachable for a while in the middle of a consume: the batch waits, nothing is lost or repeated", async () => {
    const dir = tempDir("fault-mongo");
    const prefix = uniquePrefix("cut-mongo");
    const docs = resultDocuments(4000, { tag: prefix });
    const file = path.join(dir, "docs.jsonl");
    writeFileSync(file, lines(docs));
    expect(runPipeline(["publish", file, "--brokers", KAFKA!, "--topic-prefix", prefix, "--checkpoints", path.join(dir, "cp")]).status).toBe(0);
    const mongoUrl = new URL(MONGO!);
    const proxy = new CuttableProxy(mongoUrl.hostname, Number(mongoUrl.port || 27017));
    await proxy.open();
    const viaProxy = `mongodb://127.0.0.1:${proxy.port}/${dbName(prefix)}`;
    let cutAt = -1;
    let cutDone: Promise<void> | undefined;
    const log: string[] = [];
    const tally = await consume({
      brokers: [KAFKA!], prefix, group: "g", to: viaProxy, writeBatch: 250, idleExitMs: 4000, log: (m) => log.push(m),
      onWrite: (t) => {
        if (cutAt < 0 && t.done >= 1000) {
          cutAt = t.done;
          cutDone = (async () => {
            await proxy.cut();
            await new Promise((r) => setTimeout(r, 6000));
            await proxy.open(proxy.port);
          })();
        }
      },
    });
    await cutDone;
    await proxy.cut();
    expect(cutAt).toBeGreaterThanOrEqual(1000);
    expect(log.some((l) => /storing into mongodb failed .*retrying/.test(l)), log.join("\n")).toBe(true);
    expect(tally.done).toBe(4000);
    const stored = await storedIds(`${MONGO}/${dbName(prefix)}`);
    expect(stored.count).toBe(4000);
    expect(stored.ids).toEqual(idsOf(docs));
  }, 180_000);
});

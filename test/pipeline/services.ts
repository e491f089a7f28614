/**
 * Helpers of the tests that use the real services of .ci/services.sh: counting and reading topics,
 * reading MongoDB, a private broker the fault tests can kill, and a TCP proxy that can cut MongoDB off.
 */
import { execFileSync } from "node:child_process";
import net from "node:net";
import { kafkaAdmin, readMessages, topicMessageCount, type SourceMessage } from "../../src/pipeline/kafka";
import { SERVICES_SCRIPT } from "./fixtures";

/** A prefix no other test run uses. */
export function uniquePrefix(name: string): string {
  return `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}-${name}`;
}

/** Messages in a topic (the sum of its partitions' end offsets minus their start offsets). */
export function topicCount(brokers: string, topic: string): Promise<number> {
  return topicMessageCount({ brokers: [brokers], clientId: "ewmda-test" }, topic);
}

/** Reads `count` messages of a topic from its start (within `timeoutMs`). */
export function readTopic(brokers: string, topic: string, count: number, timeoutMs = 30_000): Promise<SourceMessage[]> {
  return readMessages({ brokers: [brokers], clientId: "ewmda-test" }, topic, count, timeoutMs);
}

/** A consumer group's state (`STABLE`, ...) and how many members it has; undefined when it cannot be described. */
export async function groupState(brokers: string, group: string): Promise<{ state: string; members: number } | undefined> {
  const admin = await kafkaAdmin({ brokers: [brokers], clientId: "ewmda-test" });
  try {
    const g = (await admin.describeGroups({ groups: [group] })).get(group);
    return g ? { state: g.state, members: g.members.size } : undefined;
  } catch {
    return undefined;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export async function withMongo<T>(url: string, fn: (db: import("mongodb").Db) => Promise<T>): Promise<T> {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    return await fn(client.db());
  } finally {
    await client.close();
  }
}

/** Ids stored in a collection, sorted, and how many documents it holds. */
export async function storedIds(url: string, collection = "result"): Promise<{ count: number; ids: string[] }> {
  return withMongo(url, async (db) => {
    const c = db.collection<{ _id: string }>(collection);
    const count = await c.countDocuments();
    const ids = (await c.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id).sort();
    return { count, ids };
  });
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A broker of the test's own (.ci/services.sh kafka-start), which it may kill and start again. */
export class PrivateBroker {
  constructor(readonly dir: string, readonly port: number) {}
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
  start(): void {
    execFileSync("bash", [SERVICES_SCRIPT, "kafka-start", this.dir, String(this.port)], { stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
  }
  kill(): void {
    execFileSync("bash", [SERVICES_SCRIPT, "kafka-kill", this.dir], { stdio: "ignore", timeout: 60_000 });
  }
  remove(): void {
    execFileSync("bash", [SERVICES_SCRIPT, "kafka-stop", this.dir], { stdio: "ignore", timeout: 60_000 });
  }
}

/** A TCP proxy to a server that a test can cut (refusing and dropping connections) and restore. */
export class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly host: string, private readonly targetPort: number) {}

  async open(port = 0): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Drops every connection and refuses new ones until `open` again. */
  async cut(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}

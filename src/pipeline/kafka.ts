/**
 * The Kafka side, behind small functions so the client library stays in one file: @platformatic/kafka
 * 1.35.0 (the version pinned in package.json: the newest release that supports Node 20), imported lazily.
 * It speaks the protocol versions of Kafka 3.5 to 4.1 (tested against a 4.1 broker in KRaft mode).
 */
import type { Admin, Consumer, Message, MessagesStream, MessageToProduce, Producer } from "@platformatic/kafka";
import { defineSink, type StoredDocument } from "./sink";
import { deadLetterTopic, topicFor, type RejectCategory } from "./documents";

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Print the client's connection and group events on standard error. */
  readonly verbose?: boolean;
}

type KafkaModule = typeof import("@platformatic/kafka");
let loaded: Promise<KafkaModule> | undefined;

/** @platformatic/kafka, loaded on first use (so `ewmda store` and `ewmda query` never load it). */
export function kafkaModule(): Promise<KafkaModule> {
  loaded ??= import("@platformatic/kafka");
  return loaded;
}

/** `host:port,host:port` -> list; bare hosts get port 9092. */
export function parseBrokers(list: string): string[] {
  const brokers = list.split(",").map((b) => b.trim()).filter(Boolean).map((b) => (/:\d+$/.test(b) ? b : `${b}:9092`));
  if (brokers.length === 0) throw new Error("no brokers given (--brokers HOST:PORT,...)");
  return brokers;
}

/** The options every client of ours shares: short connect timeout, a few quick retries (callers retry more). */
function baseOptions(options: KafkaOptions) {
  return {
    clientId: options.clientId ?? "ewmda",
    bootstrapBrokers: [...options.brokers],
    connectTimeout: 3_000,
    timeout: 30_000,
    retries: 5,
    retryDelay: 300,
  };
}

/** Strings in, strings out (keys, values, header keys and values). */
type StringProducer = Producer<string, string, string, string>;
type StringMessage = MessageToProduce<string, string, string, string>;

/** With `verbose`, the client's connection and group events on standard error. */
function verboseEvents(options: KafkaOptions, client: { on(event: string, listener: (payload?: unknown) => void): unknown }, name: string): void {
  if (!options.verbose) return;
  const events = ["client:broker:connect", "client:broker:disconnect", "client:broker:failed", "consumer:group:join", "consumer:group:leave", "consumer:group:rebalance", "consumer:heartbeat:error"];
  for (const event of events) {
    client.on(event, (payload?: unknown) => {
      const p = payload as { broker?: { host?: string; port?: number }; error?: Error; memberId?: string } | undefined;
      const detail = p?.broker ? `${p.broker.host}:${p.broker.port}` : p?.error ? p.error.message : p?.memberId ?? "";
      process.stderr.write(`kafka ${name}: ${event} ${detail}\n`);
    });
  }
}

/** An admin client (close it with `close()`). */
export async function kafkaAdmin(options: KafkaOptions): Promise<Admin> {
  const { Admin } = await kafkaModule();
  const admin = new Admin(baseOptions(options));
  verboseEvents(options, admin as never, "admin");
  return admin;
}

/** True when an error (or any error it aggregates) is a protocol error with this id. */
function hasProtocolError(e: unknown, ids: readonly string[], depth = 0): boolean {
  const err = e as { apiId?: string; errors?: unknown[]; cause?: unknown };
  if (!err || typeof err !== "object" || depth > 4) return false;
  if (typeof err.apiId === "string" && ids.includes(err.apiId)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => hasProtocolError(x, ids, depth + 1))) return true;
  return err.cause !== undefined && hasProtocolError(err.cause, ids, depth + 1);
}

/** True when the broker refused a batch as larger than it takes (its compressed size is only known once compressed). */
export function isMessageTooLarge(e: unknown): boolean {
  return hasProtocolError(e, ["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE"]);
}

/** Creates the topics that do not exist yet (a new topic gets `partitions` partitions). */
export async function ensureTopics(admin: Admin, topics: readonly string[], partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, partitions, replicas: -1 });
  } catch (e) {
    // Another process created them meanwhile.
    if (!hasProtocolError(e, ["TOPIC_ALREADY_EXISTS"])) throw e;
  }
  // Wait until the new topics have leaders, so the first produce does not fail on stale metadata.
  for (let i = 0; i < 50; i++) {
    const metadata = await admin.metadata({ topics: missing, forceUpdate: true }).catch(() => undefined);
    if (metadata && missing.every((t) => metadata.topics.get(t)?.partitions.every((p) => p.leader >= 0))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * An idempotent producer: acks from all in-sync replicas and one request in flight per connection (the
 * client forces both for idempotence), so retries never reorder or repeat.
 */
export async function idempotentProducer(options: KafkaOptions, compression: Compression = "gzip"): Promise<StringProducer> {
  const { Producer, stringSerializers } = await kafkaModule();
  const producer = new Producer<string, string, string, string>({
    ...baseOptions(options),
    idempotent: true,
    acks: -1,
    compression,
    autocreateTopics: true,
    serializers: stringSerializers,
  });
  verboseEvents(options, producer as never, "producer");
  return producer;
}

/** A document that could not be accepted, on its way to the dead-letter topic. */
export interface DeadLetter {
  /** Where it came from: `file:line` or `topic/partition@offset`. */
  readonly source: string;
  readonly category: RejectCategory | "analysis-failed";
  readonly reason: string;
  /** The text as it arrived (only its start for an oversized one). */
  readonly text: string;
  readonly size: number;
  readonly key?: string | null;
}

/** The message of a dead letter: the original text, the reason in headers. */
export function deadLetterMessage(topic: string, d: DeadLetter): StringMessage {
  return {
    topic,
    ...(d.key != null ? { key: d.key } : {}),
    value: d.text,
    headers: {
      "ewmda-reason": d.reason,
      "ewmda-category": d.category,
      "ewmda-source": d.source,
      "ewmda-size": String(d.size),
      ...(Buffer.byteLength(d.text) < d.size ? { "ewmda-truncated": "true" } : {}),
    },
  };
}

/** The message of a document: keyed by its target, its id and kind in headers. */
export function documentMessage(topic: string, d: StoredDocument): StringMessage {
  return { topic, key: d.targetId, value: d.text, headers: { "ewmda-id": d.id, "ewmda-kind": d.kind } };
}

export type Compression = "gzip" | "none";

export interface KafkaSinkOptions extends KafkaOptions {
  readonly prefix: string;
  readonly compression?: Compression;
}

/**
 * Publishes documents to `<prefix>.<kind>` topics, and dead letters to `<prefix>.dead-letter`, with one
 * idempotent producer. `send` resolves once every message is acknowledged.
 */
export const kafkaSink = defineSink((options: KafkaSinkOptions) => {
  let producer: StringProducer | undefined;
  /** Documents to their kinds' topics and dead letters to theirs, in one request per broker. */
  const sendWithDeadLetters = async (batch: readonly StoredDocument[], dead: readonly DeadLetter[]): Promise<void> => {
    if (!producer) throw new Error("kafka sink: not connected");
    const messages = batch.map((d) => documentMessage(topicFor(options.prefix, d.kind), d));
    const deadTopic = deadLetterTopic(options.prefix);
    for (const d of dead) messages.push(deadLetterMessage(deadTopic, d));
    if (messages.length === 0) return;
    await producer.send({ messages });
  };
  return {
    name: "kafka",
    async connect() {
      producer = await idempotentProducer(options, options.compression ?? "gzip");
      // Fails now (and is retried by the caller) when no broker answers, rather than on the first send.
      await producer.metadata({ topics: [] });
    },
    send: (batch: readonly StoredDocument[]) => sendWithDeadLetters(batch, []),
    sendWithDeadLetters,
    async dispose() {
      await producer?.close().catch(() => undefined);
      producer = undefined;
    },
  };
});

export type KafkaSink = ReturnType<typeof kafkaSink>;

/** One message as a source gives it. */
export interface SourceMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Messages of one partition, in order, with what the handler needs to keep its group membership and commit. */
export interface SourceBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly SourceMessage[];
  /** Tells the group this member is alive (the client heartbeats on its own; kept for long work). */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or a rebalance took the partition: stop working on the batch. */
  active(): boolean;
  /** Commits: the group resumes after `message` (call only once it is stored). */
  commit(message: SourceMessage): Promise<void>;
}

export interface KafkaSourceOptions extends KafkaOptions {
  readonly group: string;
  readonly topics: readonly string[];
  /** Largest fetch per partition (bytes); small for work queues, so one member does not take them all. */
  readonly maxBytesPerPartition?: number;
  /** Called when this member joined the group (or rejoined after a rebalance). */
  readonly onJoin?: () => void;
  /** Most messages handed to the handler at once (over all partitions); default 1000. */
  readonly maxBatch?: number;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

const REJOIN_ERRORS = ["ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS", "MEMBER_ID_REQUIRED", "FENCED_INSTANCE_ID", "NOT_COORDINATOR", "COORDINATOR_NOT_AVAILABLE"];

function toSourceMessage(m: RawMessage): SourceMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of m.headers ?? []) headers[String(k)] = v == null ? "" : v.toString("utf8");
  return { offset: m.offset.toString(), key: m.key ?? null, value: m.value ?? null, headers };
}

/** Closes a consumer without waiting for its streams' pending commits; never rejects. */
function forceClose(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  return new Promise((resolve) => consumer.close(true, () => resolve()));
}

/** Waits until the stream can be read, ends, or fails. */
function readable(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<"readable" | "end" | Error> {
  return new Promise((resolve) => {
    const done = (what: "readable" | "end" | Error) => {
      stream.off("readable", onReadable);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      stream.off("error", onError);
      resolve(what);
    };
    const onReadable = () => done("readable");
    const onEnd = () => done("end");
    const onError = (e: Error) => done(e);
    stream.on("readable", onReadable);
    stream.on("end", onEnd);
    stream.on("close", onEnd);
    stream.on("error", onError);
    if (stream.readableLength > 0) done("readable");
    else if (stream.destroyed || stream.readableEnded) done("end");
  });
}

/**
 * A consumer group behind the smallest interface the commands need: `run(handler)` starts handing the
 * handler each partition's messages, one batch at a time, and returns; offsets are committed only by the
 * handler. From the start of the topics for a new group; only committed transactions are read.
 */
export function kafkaSource(options: KafkaSourceOptions) {
  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  const maxBatch = options.maxBatch ?? 1000;
  const log = (m: string) => { if (options.verbose) process.stderr.write(`kafka consumer: ${m}\n`); };

  const assigned = (topic: string, partition: number): boolean =>
    consumer?.assignments?.some((a) => a.topic === topic && a.partitions.includes(partition)) ?? false;

  const openStream = async () => {
    const c = consumer!;
    stream = await c.consume({
      topics: [...options.topics],
      mode: "committed",
      fallbackMode: "earliest",
      autocommit: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 2_000,
      rebalanceTimeout: 20_000,
      maxWaitTime: 1_000,
      ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
    });
    stream.on("error", (e) => log(`stream: ${e.message}`));
  };

  return {
    async connect(): Promise<void> {
      const { Consumer, FetchIsolationLevels } = await kafkaModule();
      consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
        ...baseOptions(options),
        groupId: options.group,
        autocommit: false,
        sessionTimeout: 10_000,
        heartbeatInterval: 2_000,
        rebalanceTimeout: 20_000,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        autocreateTopics: false,
        maxWaitTime: 1_000,
      });
      verboseEvents(options, consumer as never, "consumer");
      consumer.on("consumer:group:join", () => options.onJoin?.());
      try {
        await openStream();
      } catch (e) {
        await forceClose(consumer);
        consumer = undefined;
        throw e;
      }
    },
    async run(handler: (batch: SourceBatch) => Promise<void>): Promise<void> {
      if (!consumer || !stream) throw new Error("kafka source: not connected");
      running = true;
      loop = (async () => {
        while (running) {
          const s = stream;
          if (!s) break;
          const what = await readable(s);
          if (!running) break;
          if (what !== "readable") {
            // The stream failed (the broker went away for longer than the client retries) or ended: open a new one.
            log(`stream ${what === "end" ? "ended" : `failed: ${what.message}`}; reopening`);
            await s.close().catch(() => undefined);
            stream = undefined;
            while (running && !stream) {
              try {
                await openStream();
              } catch (e) {
                log(`reopening failed: ${(e as Error).message}`);
                await new Promise((r) => setTimeout(r, 1_000));
              }
            }
            continue;
          }
          // Everything buffered (up to maxBatch), grouped by partition in arrival order.
          const byPartition = new Map<string, RawMessage[]>();
          let count = 0;
          let m: RawMessage | null;
          while (count < maxBatch && (m = s.read() as RawMessage | null) !== null) {
            const key = `${m.topic}\u0000${m.partition}`;
            const list = byPartition.get(key) ?? [];
            list.push(m);
            byPartition.set(key, list);
            count++;
          }
          for (const raw of byPartition.values()) {
            if (!running) break;
            const { topic, partition } = raw[0]!;
            if (!assigned(topic, partition)) continue; // fetched before a rebalance took the partition away
            const byOffset = new Map(raw.map((r) => [r.offset.toString(), r]));
            await handler({
              topic,
              partition,
              messages: raw.map(toSourceMessage),
              heartbeat: async () => undefined,
              active: () => running && s.isActive() && assigned(topic, partition),
              commit: async (message) => {
                const original = byOffset.get(message.offset);
                if (!original) throw new Error(`kafka source: offset ${message.offset} is not in this batch`);
                try {
                  await original.commit();
                } catch (e) {
                  if (hasProtocolError(e, REJOIN_ERRORS)) throw new Error(`group rebalanced before the commit of ${topic}/${partition}@${message.offset}: ${(e as Error).message}`, { cause: e });
                  throw e;
                }
              },
            });
          }
        }
      })().catch((e) => log(`stopped: ${(e as Error).message}`));
    },
    async disconnect(): Promise<void> {
      running = false;
      const s = stream;
      stream = undefined;
      // Wakes the loop (its wait ends with the stream) and lets the current handler finish.
      await s?.close().catch(() => undefined);
      await loop;
      await (consumer && forceClose(consumer));
      consumer = undefined;
    },
  };
}

/** An idempotent producer of dead letters only (the consumer's). */
export function deadLetterSink(options: KafkaOptions & { readonly prefix: string }) {
  let producer: StringProducer | undefined;
  return {
    async connect(): Promise<void> {
      producer = await idempotentProducer(options);
      await producer.metadata({ topics: [] });
    },
    async send(dead: readonly DeadLetter[]): Promise<void> {
      if (!producer) throw new Error("dead-letter sink: not connected");
      const topic = deadLetterTopic(options.prefix);
      if (dead.length) await producer.send({ messages: dead.map((d) => deadLetterMessage(topic, d)) });
    },
    async dispose(): Promise<void> {
      await producer?.close().catch(() => undefined);
      producer = undefined;
    },
  };
}

/** Creates topics that do not exist yet, with a client of its own. */
export async function createTopics(options: KafkaOptions, topics: readonly string[], partitions: number): Promise<void> {
  const admin = await kafkaAdmin(options);
  try {
    await ensureTopics(admin, topics, partitions);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** How many partitions a topic has. */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
  const t = metadata.topics.get(topic);
  if (!t) throw new Error(`topic ${topic} does not exist`);
  return t.partitionsCount;
}

/** Puts values on a work-queue topic (created with `partitions` when missing), spread over its partitions in turn. */
export async function enqueue(options: KafkaOptions, topic: string, values: readonly string[], partitions: number): Promise<void> {
  const admin = await kafkaAdmin(options);
  let count: number;
  try {
    await ensureTopics(admin, [topic], partitions);
    count = await partitionCount(admin, topic);
  } finally {
    await admin.close().catch(() => undefined);
  }
  const producer = await idempotentProducer(options);
  try {
    await producer.send({ messages: values.map((value, i) => ({ topic, partition: i % count, value })) });
  } finally {
    await producer.close().catch(() => undefined);
  }
}

/** Messages a topic holds now (the sum over its partitions of end offset minus start offset). */
export async function topicMessageCount(options: KafkaOptions, topic: string): Promise<number> {
  const { Consumer, ListOffsetTimestamps } = await kafkaModule();
  const consumer = new Consumer({ ...baseOptions(options), groupId: `ewmda-count-${process.pid}-${Date.now()}` });
  try {
    const [low, high] = await Promise.all([ListOffsetTimestamps.EARLIEST, ListOffsetTimestamps.LATEST].map((timestamp) =>
      consumer.listOffsets({ topics: [topic], timestamp, isolationLevel: 0 })));
    const lows = low!.get(topic) ?? [];
    const highs = high!.get(topic) ?? [];
    return highs.reduce((n, h, i) => n + Number(h - (lows[i] ?? 0n)), 0);
  } finally {
    await forceClose(consumer);
  }
}

/** Reads up to `count` messages of a topic from its start, without a group (within `timeoutMs`). */
export async function readMessages(options: KafkaOptions, topic: string, count: number, timeoutMs = 30_000): Promise<SourceMessage[]> {
  const { Consumer } = await kafkaModule();
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({ ...baseOptions(options), groupId: `ewmda-read-${process.pid}-${Date.now()}`, autocommit: false, maxWaitTime: 500 });
  const got: SourceMessage[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
    const timer = setTimeout(() => void stream.close().catch(() => undefined), timeoutMs);
    try {
      for await (const m of stream) {
        got.push(toSourceMessage(m as RawMessage));
        if (got.length >= count) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close().catch(() => undefined);
    }
  } finally {
    await forceClose(consumer);
  }
  return got;
}

/**
 * The Kafka side, behind small functions so the client library stays in one file: kafkajs 2.2.4 (the
 * version pinned in package.json), imported lazily. It speaks the protocol versions Kafka 4.x still
 * serves (tested against a 4.1 broker in KRaft mode).
 */
import type { Admin, Kafka, Message, Producer } from "kafkajs";
import { defineSink, type StoredDocument } from "./sink";
import { deadLetterTopic, topicFor, type RejectCategory } from "./documents";

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Print the client's own log lines on standard error. */
  readonly verbose?: boolean;
}

type KafkaModule = typeof import("kafkajs");
let loaded: Promise<KafkaModule> | undefined;

/** kafkajs, loaded on first use. */
export function kafkajs(): Promise<KafkaModule> {
  loaded ??= import("kafkajs").then((m) => ((m as unknown as { default?: KafkaModule }).default ?? m));
  return loaded;
}

/** `host:port,host:port` -> list; bare hosts get port 9092. */
export function parseBrokers(list: string): string[] {
  const brokers = list.split(",").map((b) => b.trim()).filter(Boolean).map((b) => (/:\d+$/.test(b) ? b : `${b}:9092`));
  if (brokers.length === 0) throw new Error("no brokers given (--brokers HOST:PORT,...)");
  return brokers;
}

export async function kafkaClient(options: KafkaOptions): Promise<Kafka> {
  const { Kafka, logLevel } = await kafkajs();
  return new Kafka({
    clientId: options.clientId ?? "ewmda",
    brokers: [...options.brokers],
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: options.verbose ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => ({ namespace, level, log }) => {
      const { message, ...extra } = log as { message: string };
      process.stderr.write(`kafkajs ${logLevel[level]} ${namespace}: ${message} ${JSON.stringify(extra)}\n`);
    },
  });
}

/** Creates the topics that do not exist yet (a new topic gets `partitions` partitions). */
export async function ensureTopics(admin: Admin, topics: readonly string[], partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })) });
  } catch (e) {
    // Another process created them meanwhile.
    if (!/already exists/i.test(String((e as Error).message)) && (e as { type?: string }).type !== "TOPIC_ALREADY_EXISTS") throw e;
  }
}

/** An idempotent producer (acks from all in-sync replicas, one request in flight, so retries never reorder or repeat). */
export async function idempotentProducer(kafka: Kafka): Promise<Producer> {
  const { Partitioners } = await kafkajs();
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
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
export function deadLetterMessage(d: DeadLetter): Message {
  return {
    key: d.key ?? null,
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
export function documentMessage(d: StoredDocument): Message {
  return { key: d.targetId, value: d.text, headers: { "ewmda-id": d.id, "ewmda-kind": d.kind } };
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
  let producer: Producer | undefined;
  let codec = 0;
  const sendAll = async (topicMessages: { topic: string; messages: Message[] }[]) => {
    if (!producer) throw new Error("kafka sink: not connected");
    if (topicMessages.length === 0) return;
    await producer.sendBatch({ topicMessages, acks: -1, compression: codec });
  };
  /** Documents to their kinds' topics and dead letters to theirs, in one request. */
  const sendWithDeadLetters = async (batch: readonly StoredDocument[], dead: readonly DeadLetter[]): Promise<void> => {
    const byTopic = new Map<string, Message[]>();
    for (const d of batch) {
      const topic = topicFor(options.prefix, d.kind);
      const list = byTopic.get(topic) ?? [];
      list.push(documentMessage(d));
      byTopic.set(topic, list);
    }
    if (dead.length) byTopic.set(deadLetterTopic(options.prefix), dead.map(deadLetterMessage));
    await sendAll([...byTopic].map(([topic, messages]) => ({ topic, messages })));
  };
  return {
    name: "kafka",
    async connect() {
      const { CompressionTypes } = await kafkajs();
      codec = options.compression === "none" ? CompressionTypes.None : CompressionTypes.GZIP;
      producer = await idempotentProducer(await kafkaClient(options));
      await producer.connect();
    },
    send: (batch: readonly StoredDocument[]) => sendWithDeadLetters(batch, []),
    sendWithDeadLetters,
    async dispose() {
      await producer?.disconnect().catch(() => undefined);
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
  /** Tells the group this member is alive (call it during long work). */
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
}

/**
 * A consumer group behind the smallest interface the commands need: `run(handler)` calls the handler with
 * each partition's batch, one at a time; offsets are committed only by the handler. From the start of the
 * topics for a new group; only committed transactions are read.
 */
export function kafkaSource(options: KafkaSourceOptions) {
  let consumer: import("kafkajs").Consumer | undefined;
  return {
    async connect(): Promise<void> {
      const kafka = await kafkaClient(options);
      consumer = kafka.consumer({
        groupId: options.group, sessionTimeout: 10_000, heartbeatInterval: 2_000, readUncommitted: false, allowAutoTopicCreation: false,
        maxBytesPerPartition: options.maxBytesPerPartition, retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
      });
      consumer.on(consumer.events.GROUP_JOIN, () => options.onJoin?.());
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    },
    async run(handler: (batch: SourceBatch) => Promise<void>): Promise<void> {
      const c = consumer;
      if (!c) throw new Error("kafka source: not connected");
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          await handler({
            topic: batch.topic,
            partition: batch.partition,
            messages: batch.messages.map((m) => ({
              offset: m.offset, key: m.key ?? null, value: m.value ?? null,
              headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v ?? "")])),
            })),
            heartbeat,
            active: () => isRunning() && !isStale(),
            commit: async (m) => {
              resolveOffset(m.offset);
              await c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(m.offset) + 1n).toString() }]);
            },
          });
        },
      });
    },
    async disconnect(): Promise<void> {
      await consumer?.disconnect().catch(() => undefined);
      consumer = undefined;
    },
  };
}

/** An idempotent producer of dead letters only (the consumer's). */
export function deadLetterSink(options: KafkaOptions & { readonly prefix: string }) {
  let producer: Producer | undefined;
  return {
    async connect(): Promise<void> {
      producer = await idempotentProducer(await kafkaClient(options));
      await producer.connect();
    },
    async send(dead: readonly DeadLetter[]): Promise<void> {
      if (!producer) throw new Error("dead-letter sink: not connected");
      if (dead.length) await producer.send({ topic: deadLetterTopic(options.prefix), acks: -1, messages: dead.map(deadLetterMessage) });
    },
    async dispose(): Promise<void> {
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
    },
  };
}

/** Creates topics that do not exist yet, with a client of its own. */
export async function createTopics(options: KafkaOptions, topics: readonly string[], partitions: number): Promise<void> {
  const admin = (await kafkaClient(options)).admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topics, partitions);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Puts values on a work-queue topic (created with `partitions` when missing), spread over its partitions in turn. */
export async function enqueue(options: KafkaOptions, topic: string, values: readonly string[], partitions: number): Promise<void> {
  const kafka = await kafkaClient(options);
  const admin = kafka.admin();
  await admin.connect();
  let count: number;
  try {
    await ensureTopics(admin, [topic], partitions);
    count = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const producer = await idempotentProducer(kafka);
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ partition: i % count, value })) });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

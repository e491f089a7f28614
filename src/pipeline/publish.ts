/**
 * `ewmda publish`: JSON-lines documents from files and folders into Kafka, one topic per document kind
 * (`<prefix>.<kind>`), keyed by target id, through an idempotent producer with compression; lines that are
 * not valid documents go to `<prefix>.dead-letter` with the reason. A file's checkpoint moves only after
 * the broker acknowledged its documents, so a restart (or a broker that went away and came back) neither
 * loses nor repeats them.
 */
import { CheckpointStore, defaultCheckpointDir } from "./checkpoint";
import { checkTopicPrefix, deadLetterTopic, DEFAULT_MAX_DOCUMENT_BYTES, DocumentChecker, dumpsTopic, oversized, topicFor } from "./documents";
import { createTopics, enqueue, isMessageTooLarge, kafkaSink, type Compression, type DeadLetter } from "./kafka";
import { isTransient, type StoredDocument } from "./sink";
import { retrying, startProgress, Tally } from "./tally";
import { FileSource } from "./tail";

export interface PublishOptions {
  readonly brokers: readonly string[];
  readonly prefix: string;
  readonly inputs: readonly string[];
  readonly follow?: boolean;
  /** Folder of the checkpoints (default: per destination under $XDG_STATE_HOME/ewmda/publish); false: none. */
  readonly checkpoints?: string | false;
  readonly fromStart?: boolean;
  readonly maxDocumentBytes?: number;
  /** Largest batch sent at once: documents, and bytes before compression. */
  readonly batchDocuments?: number;
  readonly batchBytes?: number;
  readonly compression?: Compression;
  /** Partitions of the topics this run creates. */
  readonly partitions?: number;
  /** How long an unreachable broker is waited for before giving up (ms); default 5 minutes, forever with follow. */
  readonly patienceMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  readonly progress?: boolean;
  readonly verbose?: boolean;
}

export async function publish(options: PublishOptions): Promise<Tally> {
  checkTopicPrefix(options.prefix);
  const log = options.log ?? (() => undefined);
  const checker = new DocumentChecker();
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const batchDocuments = options.batchDocuments ?? 5000;
  // Kafka takes 1 MiB per partition's batch by default, after compression: gzip shrinks JSON several times.
  const batchBytes = Math.max(options.batchBytes ?? (options.compression === "none" ? 1 : 4) * 1024 * 1024, maxBytes);
  const patience = options.patienceMs ?? (options.follow ? Number.POSITIVE_INFINITY : 5 * 60_000);
  const destination = `${[...options.brokers].sort().join(",")}/${options.prefix}`;
  const checkpoints = options.checkpoints === false ? undefined : new CheckpointStore(options.checkpoints ?? defaultCheckpointDir(destination));
  const source = new FileSource({
    inputs: options.inputs, follow: options.follow === true, checkpoints, fromStart: options.fromStart,
    maxLineBytes: maxBytes, pollMs: options.pollMs, signal: options.signal, log,
  });

  const tally = new Tally();
  const retry = <T>(what: string, fn: () => Promise<T>) => retrying(what, fn, { transient: isTransient, giveUpAt: Date.now() + patience, signal: options.signal, log });
  const kafkaOptions = { brokers: options.brokers, verbose: options.verbose, clientId: "ewmda-publish" };
  await retry(`creating topics on ${options.brokers.join(",")}`, () => createTopics(kafkaOptions, [...checker.kinds().map((k) => topicFor(options.prefix, k)), deadLetterTopic(options.prefix)], options.partitions ?? 3));
  const sink = kafkaSink({ brokers: options.brokers, prefix: options.prefix, compression: options.compression, verbose: options.verbose, clientId: "ewmda-publish" });
  await retry("connecting the producer", () => sink.connect());
  const stopProgress = startProgress("ewmda publish", "published", tally, options.progress === true);

  let docs: StoredDocument[] = [];
  let dead: DeadLetter[] = [];
  let pendingBytes = 0;
  // One batch in flight while the next is read and checked; checkpoints move in order behind them.
  let inflight: Promise<void> = Promise.resolve();
  const send = async (d: StoredDocument[], x: DeadLetter[]): Promise<void> => {
    try {
      await retry("publishing", () => sink.sendWithDeadLetters(d, x));
    } catch (e) {
      // A batch larger than the broker takes (its compressed size is only known once compressed): halves.
      if (!isMessageTooLarge(e) || d.length + x.length < 2) throw e;
      const half = (n: number) => Math.ceil(n / 2);
      await send(d.slice(0, half(d.length)), x.slice(0, half(x.length)));
      await send(d.slice(half(d.length)), x.slice(half(x.length)));
      return;
    }
    tally.done += d.length;
  };
  const flush = async () => {
    if (docs.length === 0 && dead.length === 0) return;
    const d = docs;
    const x = dead;
    docs = [];
    dead = [];
    pendingBytes = 0;
    await inflight;
    inflight = send(d, x);
    inflight.catch(() => undefined); // awaited (and thrown) by the next flush or at the end
  };
  try {
    for await (const chunk of source.chunks()) {
      for (const line of chunk.lines) {
        tally.read++;
        const where = `${chunk.file}:${line.lineNo}`;
        const size = line.oversizedBytes ?? Buffer.byteLength(line.text);
        tally.bytes += size;
        const checked = line.oversizedBytes !== undefined ? oversized(line.oversizedBytes, maxBytes) : checker.checkText(line.text, maxBytes);
        if (checked.ok) {
          docs.push({ id: checked.id, kind: checked.kind, targetId: checked.targetId, doc: checked.doc, text: line.text });
        } else {
          tally.reject(where, checked.category, checked.reason);
          dead.push({ source: where, category: checked.category, reason: checked.reason, text: line.text, size });
        }
        pendingBytes += line.oversizedBytes !== undefined ? Buffer.byteLength(line.text) : size;
        if (docs.length + dead.length >= batchDocuments || pendingBytes >= batchBytes) await flush();
      }
      await flush();
      inflight = inflight.then(() => chunk.commit());
      // Following, a chunk is done once its lines are out: do not keep an appended line waiting for more.
      if (options.follow) await inflight;
    }
    await inflight;
  } finally {
    stopProgress();
    await inflight.catch(() => undefined);
    await sink.dispose();
  }
  return tally;
}

/** `ewmda publish --dumps`: dump paths for `ewmda worker`, spread over the dumps topic's partitions. */
export async function submitDumps(options: { brokers: readonly string[]; prefix: string; dumps: readonly string[]; patterns?: readonly string[]; partitions?: number; verbose?: boolean }): Promise<number> {
  checkTopicPrefix(options.prefix);
  const requests = options.dumps.map((dump) => JSON.stringify({ dump, ...(options.patterns?.length ? { patterns: options.patterns } : {}) }));
  await enqueue({ brokers: options.brokers, verbose: options.verbose, clientId: "ewmda-publish" }, dumpsTopic(options.prefix), requests, options.partitions ?? 6);
  return options.dumps.length;
}

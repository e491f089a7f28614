/**
 * `ewmda consume`: a consumer group that stores the documents of every kind's topic into MongoDB or the
 * embedded DuckDB store. Offsets are committed only after the documents before them are stored (at most
 * `writeBatch` documents are ever stored and not yet committed), and stores upsert by document id, so a
 * consumer killed mid-batch, a rebalance or a redelivery never loses or duplicates a document. Messages
 * that are not valid documents go to the dead-letter topic with the reason. While the store is
 * unreachable, the batch is retried (heartbeats keep the group membership) until `patienceMs`.
 */
import { checkTopicPrefix, deadLetterTopic, DEFAULT_MAX_DOCUMENT_BYTES, DocumentChecker, topicFor } from "./documents";
import { databasePath, duckdbSink } from "./duckdb";
import { createTopics, deadLetterSink, kafkaSource, type DeadLetter, type SourceMessage } from "./kafka";
import { mongoSink } from "./mongodb";
import { isTransient, type Sink, type StoredDocument } from "./sink";
import { retrying, sleep, startProgress, Tally } from "./tally";

export interface ConsumeOptions {
  readonly brokers: readonly string[];
  readonly prefix: string;
  readonly group: string;
  /** mongodb://... or a DuckDB file or folder. */
  readonly to: string;
  readonly maxDocumentBytes?: number;
  /** Documents stored per write (and most documents stored but not yet committed). */
  readonly writeBatch?: number;
  /** Stop once no message came for this long (ms); run until the signal aborts when undefined. */
  readonly idleExitMs?: number;
  /** How long an unreachable store or broker is waited for before giving up (ms); default forever. */
  readonly patienceMs?: number;
  readonly partitions?: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  readonly progress?: boolean;
  readonly verbose?: boolean;
  /** Called after each write with the running tally (tests and the benchmark watch progress with it). */
  readonly onWrite?: (tally: Tally) => void;
}

export function isMongoUrl(to: string): boolean {
  return /^mongodb(\+srv)?:\/\//.test(to);
}

/** The sink a `--to` value names. */
export function sinkFor(to: string): Sink {
  return isMongoUrl(to) ? mongoSink({ url: to }) : duckdbSink({ path: databasePath(to) });
}

export async function consume(options: ConsumeOptions): Promise<Tally> {
  checkTopicPrefix(options.prefix);
  const log = options.log ?? (() => undefined);
  const checker = new DocumentChecker();
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const writeBatch = options.writeBatch ?? 500;
  const patience = options.patienceMs ?? Number.POSITIVE_INFINITY;
  const topics = checker.kinds().map((k) => topicFor(options.prefix, k));
  const tally = new Tally();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const retry = <T>(what: string, fn: () => Promise<T>, onWait?: () => Promise<void>) =>
    retrying(what, fn, { transient: isTransient, giveUpAt: Date.now() + patience, signal: stop.signal, log, onWait });
  const kafkaOptions = { brokers: options.brokers, verbose: options.verbose, clientId: "ewmda-consume" };

  const sink = sinkFor(options.to);
  await retry(`connecting to ${sink.name}`, () => sink.connect());
  await retry(`creating topics on ${options.brokers.join(",")}`, () => createTopics(kafkaOptions, [...topics, deadLetterTopic(options.prefix)], options.partitions ?? 3));
  const deadLetters = deadLetterSink({ ...kafkaOptions, prefix: options.prefix });
  await retry("connecting the dead-letter producer", () => deadLetters.connect());
  let failure: unknown;
  let busy = false;
  let lastActivity = Date.now();
  // Idle time counts from the last assignment: a member waiting for a rebalance is not idle.
  let joined = false;
  const source = kafkaSource({ ...kafkaOptions, group: options.group, topics, onJoin: () => { joined = true; lastActivity = Date.now(); } });
  const stopProgress = startProgress("ewmda consume", "stored", tally, options.progress === true);

  const toDocuments = (topic: string, partition: number, messages: readonly SourceMessage[]) => {
    const good: StoredDocument[] = [];
    const dead: DeadLetter[] = [];
    for (const m of messages) {
      const text = m.value ? m.value.toString("utf8") : "";
      const size = m.value?.length ?? 0;
      tally.read++;
      tally.bytes += size;
      const checked = checker.checkText(text, maxBytes);
      const where = `${topic}/${partition}@${m.offset}`;
      if (checked.ok) good.push({ id: checked.id, kind: checked.kind, targetId: checked.targetId, doc: checked.doc, text });
      else {
        tally.reject(where, checked.category, checked.reason);
        dead.push({ source: where, category: checked.category, reason: checked.reason, text: size > maxBytes ? text.slice(0, 16 * 1024) : text, size, key: m.key?.toString("utf8") ?? null });
      }
    }
    return { good, dead };
  };

  try {
    await retry("joining the group", () => source.connect());
    await source.run(async (batch) => {
      busy = true;
      // Heartbeats while a write is slow or retried, so the group does not hand the partition to another member.
      const beat = setInterval(() => void batch.heartbeat().catch(() => undefined), 3_000);
      try {
        for (let i = 0; i < batch.messages.length; i += writeBatch) {
          if (!batch.active() || stop.signal.aborted) return;
          const part = batch.messages.slice(i, i + writeBatch);
          const { good, dead } = toDocuments(batch.topic, batch.partition, part);
          if (good.length) await retry(`storing into ${sink.name}`, () => sink.send(good), batch.heartbeat);
          if (dead.length) await retry("sending dead letters", () => deadLetters.send(dead), batch.heartbeat);
          tally.done += good.length;
          await batch.commit(part[part.length - 1]!);
          lastActivity = Date.now();
          options.onWrite?.(tally);
        }
      } catch (e) {
        if (options.signal?.aborted) return; // asked to stop while retrying: nothing committed past what was stored
        // A rebalance took the partition away (its new owner reads from the last commit), or the store
        // stayed unreachable past the patience: stop, with nothing committed past what was stored.
        if (/rebalanc|coordinator|generation|member/i.test((e as Error).message ?? "")) {
          log(`batch of ${batch.topic}/${batch.partition} left to the group's new owner: ${(e as Error).message}`);
          return;
        }
        failure = e;
        stop.abort();
      } finally {
        clearInterval(beat);
        busy = false;
        lastActivity = Date.now();
      }
    });
    // Run until stopped, failed, or idle.
    while (!stop.signal.aborted) {
      await sleep(200, stop.signal);
      if (options.idleExitMs !== undefined && joined && !busy && Date.now() - lastActivity > options.idleExitMs) break;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    stopProgress();
    await source.disconnect();
    await deadLetters.dispose();
    await sink.dispose();
  }
  if (failure) throw failure;
  return tally;
}

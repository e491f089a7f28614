/**
 * `ewmda worker`: takes dump paths from `<prefix>.dumps` as one of a consumer group, runs `ewmda analyze`
 * on each (in a child process, so the group's heartbeats go on during a long analysis), and publishes the
 * documents it prints to their kinds' topics. Several workers in one group share the dumps (Kafka gives
 * each a share of the topic's partitions), the way a crash pipeline runs ewmda on many machines. A dump's
 * offset is committed after its documents are acknowledged; a worker that dies mid-dump leaves it to
 * another, and the documents of the rerun have the same ids, so stores keep one of each.
 * A dump that cannot be analyzed goes to the dead-letter topic with the reason.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkTopicPrefix, deadLetterTopic, DEFAULT_MAX_DOCUMENT_BYTES, DocumentChecker, dumpsTopic, topicFor } from "./documents";
import { createTopics, kafkaSink, kafkaSource, type DeadLetter, type SourceMessage } from "./kafka";
import { isTransient, type StoredDocument } from "./sink";
import { retrying, sleep, Tally } from "./tally";

/** A request on the dumps topic. */
export interface DumpRequest {
  readonly dump: string;
  /** Analyses or patterns to run (`ewmda analyze --pattern`); Triage when absent. */
  readonly patterns?: readonly string[];
}

export interface AnalysisOutcome {
  /** Lines the analysis printed (export documents, one per line). */
  readonly lines: readonly string[];
  /** Why it failed, when it did. */
  readonly error?: string;
}

export type Analyzer = (request: DumpRequest, signal: AbortSignal) => Promise<AnalysisOutcome>;

export interface WorkerOptions {
  readonly brokers: readonly string[];
  readonly prefix: string;
  readonly group: string;
  readonly analyzer?: Analyzer;
  readonly idleExitMs?: number;
  readonly partitions?: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  readonly verbose?: boolean;
}

/** A message value: `{"dump": PATH, "patterns": [...]}`, or a bare path. */
export function parseDumpRequest(text: string): DumpRequest | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  if (t.startsWith("{")) {
    try {
      const o = JSON.parse(t) as { dump?: unknown; patterns?: unknown };
      if (typeof o.dump !== "string" || o.dump === "") return undefined;
      const patterns = Array.isArray(o.patterns) ? o.patterns.filter((p): p is string => typeof p === "string") : undefined;
      return { dump: o.dump, ...(patterns?.length ? { patterns } : {}) };
    } catch {
      return undefined;
    }
  }
  return { dump: t };
}

/** bin/ewmda.mjs of this installation. */
function ewmdaBin(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = path.join(dir, "bin", "ewmda.mjs");
    if (existsSync(bin)) return bin;
    dir = path.dirname(dir);
  }
  throw new Error("bin/ewmda.mjs not found beside the worker");
}

/** Runs `ewmda analyze DUMP --jsonl [--pattern P]...` in a child process. */
export function childAnalyzer(command: readonly string[] = [process.execPath, ewmdaBin()]): Analyzer {
  return (request, signal) => new Promise((resolve) => {
    const args = [...command.slice(1), "analyze", request.dump, "--jsonl", ...(request.patterns ?? []).flatMap((p) => ["--pattern", p])];
    const child = spawn(command[0]!, args, { stdio: ["ignore", "pipe", "pipe"], signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => resolve({ lines: [], error: e.message }));
    child.on("close", (code, sig) => {
      const lines = Buffer.concat(out).toString("utf8").split("\n").filter((l) => l.trim() !== "");
      if (code === 0) resolve({ lines });
      else resolve({ lines: [], error: Buffer.concat(err).toString("utf8").trim().split("\n")[0] || `ewmda analyze exited with ${code ?? sig}` });
    });
  });
}

export interface WorkerTally {
  readonly dumps: number;
  readonly failed: number;
  readonly documents: Tally;
}

export async function runWorker(options: WorkerOptions): Promise<WorkerTally> {
  checkTopicPrefix(options.prefix);
  const log = options.log ?? (() => undefined);
  const checker = new DocumentChecker();
  const analyzer = options.analyzer ?? childAnalyzer();
  const tally = new Tally();
  let dumps = 0;
  let failed = 0;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const retry = <T>(what: string, fn: () => Promise<T>) => retrying(what, fn, { transient: isTransient, giveUpAt: Number.POSITIVE_INFINITY, signal: stop.signal, log });

  const kafkaOptions = { brokers: options.brokers, verbose: options.verbose, clientId: `ewmda-worker-${os.hostname()}-${process.pid}` };
  await retry(`creating topics on ${options.brokers.join(",")}`, async () => {
    await createTopics(kafkaOptions, [dumpsTopic(options.prefix)], options.partitions ?? 6);
    await createTopics(kafkaOptions, [...checker.kinds().map((k) => topicFor(options.prefix, k)), deadLetterTopic(options.prefix)], 3);
  });
  const sink = kafkaSink({ ...kafkaOptions, prefix: options.prefix });
  await retry("connecting the producer", () => sink.connect());
  let failure: unknown;
  let busy = false;
  let lastActivity = Date.now();
  let joined = false;
  // Small fetches: a member takes a few dumps at a time, not a partition's whole backlog.
  const source = kafkaSource({
    ...kafkaOptions, group: options.group, topics: [dumpsTopic(options.prefix)], maxBytesPerPartition: 64 * 1024,
    onJoin: () => { joined = true; lastActivity = Date.now(); },
  });

  /** Analyzes one queued dump and publishes what it gave; the caller commits. */
  const handle = async (topic: string, partition: number, message: SourceMessage): Promise<boolean> => {
    const text = message.value?.toString("utf8") ?? "";
    const where = `${topic}/${partition}@${message.offset}`;
    const request = parseDumpRequest(text);
    const good: StoredDocument[] = [];
    const dead: DeadLetter[] = [];
    if (!request) {
      failed++;
      const reason = "not a dump request ({\"dump\": PATH} or a path)";
      tally.reject(where, "malformed", reason);
      dead.push({ source: where, category: "malformed", reason, text, size: text.length });
    } else {
      log(`analyzing ${request.dump}`);
      const outcome = await analyzer(request, stop.signal);
      if (stop.signal.aborted) return false; // stopped mid-analysis: the dump stays uncommitted for the group
      if (outcome.error !== undefined) {
        failed++;
        dead.push({ source: where, category: "analysis-failed", reason: `${request.dump}: ${outcome.error}`, text, size: text.length });
        tally.reject(where, "analysis-failed", `${request.dump}: ${outcome.error}`);
      }
      for (const line of outcome.lines) {
        tally.read++;
        const checked = checker.checkText(line, DEFAULT_MAX_DOCUMENT_BYTES);
        if (checked.ok) good.push({ id: checked.id, kind: checked.kind, targetId: checked.targetId, doc: checked.doc, text: line });
        else {
          tally.reject(`${request.dump}`, checked.category, checked.reason);
          dead.push({ source: `${where} ${request.dump}`, category: checked.category, reason: checked.reason, text: line.slice(0, 16 * 1024), size: Buffer.byteLength(line) });
        }
      }
    }
    await retry("publishing findings", () => sink.sendWithDeadLetters(good, dead));
    tally.done += good.length;
    dumps++;
    log(`done ${request?.dump ?? where}: ${good.length} documents`);
    return true;
  };

  try {
    await retry("joining the group", () => source.connect());
    await source.run(async (batch) => {
      busy = true;
      // The analysis runs in a child process; heartbeats go on meanwhile.
      const beat = setInterval(() => void batch.heartbeat().catch(() => undefined), 2_000);
      try {
        for (const message of batch.messages) {
          if (!batch.active() || stop.signal.aborted) return;
          if (!(await handle(batch.topic, batch.partition, message))) return;
          await batch.commit(message);
          lastActivity = Date.now();
        }
      } catch (e) {
        if (stop.signal.aborted) return;
        if (/rebalanc|coordinator|generation|member/i.test((e as Error).message ?? "")) {
          log(`dumps of ${batch.topic}/${batch.partition} left to the group's new owner: ${(e as Error).message}`);
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
    while (!stop.signal.aborted) {
      await sleep(200, stop.signal);
      if (options.idleExitMs !== undefined && joined && !busy && Date.now() - lastActivity > options.idleExitMs) break;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await source.disconnect();
    await sink.dispose();
  }
  if (failure) throw failure;
  return { dumps, failed, documents: tally };
}

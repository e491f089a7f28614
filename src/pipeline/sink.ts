/**
 * Where documents go: a sink, in the spirit of unstorage's drivers. `defineSink` wraps a factory from
 * options to `{ name, connect, send, dispose }`; each sink imports its client library inside `connect`, so
 * `ewmda store` never loads the Kafka or MongoDB clients and the command line starts fast.
 */

/** One checked document on its way to a store. */
export interface StoredDocument {
  /** The id stores upsert by (ids.ts). */
  readonly id: string;
  /** `result`, `finding`, ...: the collection, table or topic it belongs to. */
  readonly kind: string;
  readonly targetId: string;
  readonly doc: Readonly<Record<string, unknown>>;
  /** The document's JSON text as it arrived. */
  readonly text: string;
}

export interface Sink {
  readonly name: string;
  connect(): Promise<void>;
  /**
   * Stores a batch: when it resolves, every document is stored; when it rejects, any of them may be, and
   * sending the batch again stores each once (stores upsert by id).
   */
  send(batch: readonly StoredDocument[]): Promise<void>;
  dispose(): Promise<void>;
}

export function defineSink<O, S extends Sink>(factory: (options: O) => S): (options: O) => S {
  return factory;
}

/** An error worth retrying (the service is down or restarting), as opposed to one that will repeat. */
export function isTransient(e: unknown, depth = 0): boolean {
  const err = e as { name?: string; code?: unknown; retriable?: boolean; canRetry?: boolean; message?: string; cause?: unknown; errors?: unknown; hasErrorLabel?: (l: string) => boolean };
  if (!err || typeof err !== "object") return false;
  if (err.retriable === true || err.canRetry === true) return true;
  // @platformatic/kafka: network and timeout errors, and aggregates (one error per broker or partition) holding one.
  if (err.code === "PLT_KFK_NETWORK" || err.code === "PLT_KFK_TIMEOUT") return true;
  if (depth < 3 && Array.isArray(err.errors) && err.errors.some((x) => isTransient(x, depth + 1))) return true;
  if (typeof err.hasErrorLabel === "function" && (err.hasErrorLabel("RetryableWriteError") || err.hasErrorLabel("TransientTransactionError"))) return true;
  const name = err.name ?? "";
  if (/^(MongoNetwork|MongoServerSelection|MongoNotConnected|MongoPoolCleared|MongoTopologyClosed)/.test(name)) return true;
  if (/ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|connection( \d+ to \S+)? closed|not connected|timed out/i.test(err.message ?? "")) return true;
  return depth < 3 && err.cause !== undefined && isTransient(err.cause, depth + 1);
}

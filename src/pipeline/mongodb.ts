/**
 * The MongoDB sink: one collection per document kind (`result`, `finding`, ...) in one database, each
 * document stored under `_id` = its document id (replace-or-insert, so redelivery never duplicates), with
 * `_target` = its target id. Indexes on the target, the analysis and pattern, and the time. Works with
 * MongoDB and with MongoDB-wire servers such as FerretDB. The official driver is imported on connect.
 */
import type { Collection, MongoClient } from "mongodb";
import { defineSink, type StoredDocument } from "./sink";

export interface MongoSinkOptions {
  /** mongodb:// or mongodb+srv:// URL; its path names the database (default `ewmda`). */
  readonly url: string;
  readonly database?: string;
  /** How long one operation waits for a reachable server before failing (ms). */
  readonly serverSelectionTimeoutMS?: number;
}

/** The indexes every kind's collection gets. */
export const MONGO_INDEXES: readonly Record<string, 1>[] = [
  { _target: 1 },
  { "target.dumpFile": 1, "target.processId": 1 },
  { "analysis.name": 1 },
  { "analysis.patterns": 1 },
  { pattern: 1 },
  { time: 1 },
];

/** The collection name of a kind (MongoDB allows `-` in names; `$` and NUL are refused by `kindOf` schemas anyway). */
export const collectionOf = (kind: string): string => kind;

/** The database named in a MongoDB URL's path, if any. */
export function databaseOf(url: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(url);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/**
 * Stores documents by `_id`, replacing any stored under the same id. New documents (the common case) go in
 * with one unordered insertMany; the ids it reports as duplicates (a redelivery) are deleted and inserted
 * again in two bulk operations. That is not atomic per document, but the caller commits its offsets only
 * after both, so a crash between them is repaired by the redelivery; and it is fast on every MongoDB-wire
 * server (FerretDB's replace-upserts take seconds per hundred documents on its SQLite backend).
 */
async function upsertAll(c: Collection, docs: readonly Record<string, unknown>[]): Promise<void> {
  const byId = new Map<unknown, Record<string, unknown>>();
  for (const d of docs) byId.set(d._id, d); // the last of one id wins, as it would across batches
  const unique = [...byId.values()];
  let duplicates: Record<string, unknown>[] = [];
  try {
    await c.insertMany(unique as never[], { ordered: false });
  } catch (e) {
    const errors = (e as { writeErrors?: { code?: number; index: number }[] | { code?: number; index: number } }).writeErrors;
    const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
    if ((e as { code?: number }).code !== 11000 && !list.some((w) => w.code === 11000)) throw e;
    if (list.some((w) => w.code !== 11000)) throw e;
    duplicates = list.map((w) => unique[w.index]!);
  }
  if (duplicates.length === 0) return;
  await c.deleteMany({ _id: { $in: duplicates.map((d) => d._id) } } as never);
  await c.insertMany(duplicates as never[], { ordered: false });
}

export const mongoSink = defineSink((options: MongoSinkOptions) => {
  let client: MongoClient | undefined;
  const indexed = new Set<string>();
  const collection = async (kind: string): Promise<Collection> => {
    if (!client) throw new Error("mongodb sink: not connected");
    const c = client.db(options.database ?? databaseOf(options.url) ?? "ewmda").collection(collectionOf(kind));
    if (!indexed.has(kind)) {
      // Only the missing ones: asking again for existing indexes is a no-op on MongoDB but breaks the
      // connection on FerretDB 1.24 when there are several.
      const existing = await c.listIndexes().toArray().catch(() => [] as { key: unknown }[]);
      const have = new Set(existing.map((i) => JSON.stringify(i.key)));
      const missing = MONGO_INDEXES.filter((key) => !have.has(JSON.stringify(key)));
      if (missing.length) await c.createIndexes(missing.map((key) => ({ key })));
      indexed.add(kind);
    }
    return c;
  };
  return {
    name: "mongodb",
    async connect() {
      const { MongoClient } = await import("mongodb");
      client = new MongoClient(options.url, {
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
        connectTimeoutMS: 5000,
        appName: "ewmda",
      });
      await client.connect();
    },
    async send(batch: readonly StoredDocument[]) {
      const byKind = new Map<string, StoredDocument[]>();
      for (const d of batch) {
        const list = byKind.get(d.kind) ?? [];
        list.push(d);
        byKind.set(d.kind, list);
      }
      for (const [kind, docs] of byKind) {
        const c = await collection(kind);
        await upsertAll(c, docs.map((d) => ({ ...d.doc, _id: d.id, _target: d.targetId })));
      }
    },
    async dispose() {
      await client?.close().catch(() => undefined);
      client = undefined;
    },
  };
});

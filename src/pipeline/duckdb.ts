/**
 * The embedded store: a DuckDB database file holding the same documents as MongoDB would, one table per
 * kind (`result`, `finding`, ...; `-` becomes `_`), upserted by document id. Each table has the columns
 * people filter on (target, dump, process, analysis, patterns, time) and the whole document as JSON in
 * `doc`; `<table>_rows` views give one row per row of documents that have `rows`, and `documents` is every
 * kind together. DuckDB is imported on connect, so commands that do not store never load it.
 *
 * One process at a time may write a DuckDB file (`ewmda query` opens it read-only, so it waits for a
 * writer such as `ewmda consume --to DIR` to finish).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { defineSink, type StoredDocument } from "./sink";

export const DEFAULT_DB = "ewmda.duckdb";

export interface DuckSinkOptions {
  /** The database file (created with its folder when missing). */
  readonly path: string;
}

/** The table of a kind. */
export function tableOf(kind: string): string {
  return kind.replace(/[^a-zA-Z0-9_]/g, "_").toLowerCase();
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A `--to` value that is not a MongoDB URL: a database file (`*.duckdb`, `*.db`), or a folder holding ewmda.duckdb. */
export function databasePath(to: string): string {
  return /\.(duckdb|db)$/i.test(to) ? to : path.join(to, DEFAULT_DB);
}

export async function openDatabase(file: string, readOnly: boolean): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  if (!readOnly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, readOnly ? { access_mode: "READ_ONLY" } : {});
  } catch (e) {
    const msg = (e as Error).message;
    if (/lock/i.test(msg)) throw new Error(`${file} is open in another process (DuckDB lets one process write a database): ${msg.split("\n")[0]}`);
    throw e;
  }
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return { instance, connection };
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

/** The columns a table keeps beside `doc`. */
function columnsOf(d: StoredDocument): (string | number | null)[] {
  const doc = d.doc as Record<string, unknown>;
  const target = (doc.target ?? {}) as Record<string, unknown>;
  const analysis = (doc.analysis ?? {}) as Record<string, unknown>;
  const patterns = Array.isArray(analysis.patterns) ? analysis.patterns.filter((p) => typeof p === "string")
    : typeof doc.pattern === "string" ? [doc.pattern] : [];
  return [
    d.id, d.targetId, str(target.dumpFile), typeof target.processId === "number" ? target.processId : null, str(target.processName),
    str(analysis.name) ?? str(doc.command), JSON.stringify(patterns), str(doc.time), typeof doc.schemaVersion === "number" ? doc.schemaVersion : null,
    d.text,
  ];
}

export const duckdbSink = defineSink((options: DuckSinkOptions) => {
  let db: { instance: DuckDBInstance; connection: DuckDBConnection } | undefined;
  const tables = new Set<string>();
  const ensureTable = async (c: DuckDBConnection, kind: string, sample: StoredDocument): Promise<void> => {
    const t = tableOf(kind);
    if (tables.has(t)) return;
    await c.run(`CREATE TABLE IF NOT EXISTS ${quote(t)} (
      id VARCHAR PRIMARY KEY, target_id VARCHAR, dump_file VARCHAR, process_id BIGINT, process_name VARCHAR,
      analysis VARCHAR, patterns VARCHAR[], time TIMESTAMPTZ, schema_version INTEGER, doc JSON)`);
    if (Array.isArray((sample.doc as Record<string, unknown>).rows)) {
      await c.run(`CREATE OR REPLACE VIEW ${quote(`${t}_rows`)} AS
        SELECT d.id, d.target_id, d.dump_file, d.process_id, d.analysis, d.time, u.row_index, u.row,
               u.row->>'Verdict' AS verdict, u.row->>'Evidence' AS evidence, u.row->>'Source' AS source
        FROM ${quote(t)} d, LATERAL (SELECT generate_subscripts(CAST(d.doc->'rows' AS JSON[]), 1) AS row_index,
                                            unnest(CAST(d.doc->'rows' AS JSON[])) AS row) u`);
    }
    tables.add(t);
    await refreshDocumentsView(c);
  };
  return {
    name: "duckdb",
    async connect() {
      db = await openDatabase(options.path, false);
      const r = await db.connection.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'");
      for (const row of r.getRowObjectsJson()) tables.add(String(row.table_name));
    },
    async send(batch) {
      if (!db) throw new Error("duckdb sink: not connected");
      const c = db.connection;
      // Last one wins within a batch, as it would across batches.
      const byId = new Map<string, StoredDocument>();
      for (const d of batch) byId.set(`${d.kind}\u0000${d.id}`, d);
      const byKind = new Map<string, StoredDocument[]>();
      for (const d of byId.values()) {
        const list = byKind.get(d.kind) ?? [];
        list.push(d);
        byKind.set(d.kind, list);
      }
      for (const [kind, docs] of byKind) await ensureTable(c, kind, docs[0]!);
      // Rows go through the appender into a staging table of text columns, then into the kind's table in
      // one INSERT OR REPLACE (row-by-row prepared inserts are two orders of magnitude slower).
      await c.run(`CREATE TEMP TABLE IF NOT EXISTS ewmda_staging (id VARCHAR, target_id VARCHAR, dump_file VARCHAR,
        process_id BIGINT, process_name VARCHAR, analysis VARCHAR, patterns VARCHAR, time VARCHAR, schema_version INTEGER, doc VARCHAR)`);
      await c.run("BEGIN TRANSACTION");
      try {
        for (const [kind, docs] of byKind) {
          await c.run("DELETE FROM ewmda_staging");
          const appender = await c.createAppender("ewmda_staging", "main", "temp");
          for (const d of docs) {
            columnsOf(d).forEach((v, i) => {
              if (v === null) appender.appendNull();
              else if (i === 3) appender.appendBigInt(BigInt(v));
              else if (i === 8) appender.appendInteger(Number(v));
              else appender.appendVarchar(String(v));
            });
            appender.endRow();
          }
          appender.flushSync();
          appender.closeSync();
          await c.run(`INSERT OR REPLACE INTO ${quote(tableOf(kind))}
            SELECT id, target_id, dump_file, process_id, process_name, analysis, CAST(CAST(patterns AS JSON) AS VARCHAR[]),
                   CAST(time AS TIMESTAMPTZ), schema_version, CAST(doc AS JSON) FROM ewmda_staging`);
        }
        await c.run("COMMIT");
      } catch (e) {
        await c.run("ROLLBACK").catch(() => undefined);
        throw e;
      }
    },
    async dispose() {
      if (!db) return;
      await db.connection.run("CHECKPOINT").catch(() => undefined);
      db.connection.closeSync();
      db.instance.closeSync();
      db = undefined;
    },
  };
});

/** `documents`: every kind's table together (kind, id, target, analysis, time, doc). */
async function refreshDocumentsView(c: DuckDBConnection): Promise<void> {
  const r = await c.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY table_name");
  const names = r.getRowObjectsJson().map((row) => String(row.table_name));
  if (names.length === 0) return;
  await c.run(`CREATE OR REPLACE VIEW documents AS ${names
    .map((n) => `SELECT '${n.replace(/'/g, "''")}' AS kind, id, target_id, dump_file, process_id, process_name, analysis, patterns, time, doc FROM ${quote(n)}`)
    .join(" UNION ALL ")}`);
}

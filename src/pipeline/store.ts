/**
 * The embedded default, for users with no servers: `ewmda store` puts documents from files into a local
 * DuckDB database (the same tables for every kind as `ewmda consume --to DIR` fills), and `ewmda query`
 * runs SQL over it. Nothing but Node is needed.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { DEFAULT_MAX_DOCUMENT_BYTES, DocumentChecker, type Checked } from "./documents";
import { duckdbSink, openDatabase } from "./duckdb";
import type { StoredDocument } from "./sink";
import { startProgress, Tally } from "./tally";
import { FileSource } from "./tail";

export interface StoreOptions {
  readonly inputs: readonly string[];
  readonly db: string;
  readonly maxDocumentBytes?: number;
  readonly progress?: boolean;
  readonly log?: (message: string) => void;
}

/** A file holding one JSON array of documents (`ewmda analyze --json`), rather than JSON lines. */
function isJsonArrayFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    const fd = openSync(file, "r");
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    return buf.subarray(0, n).toString("utf8").replace(/^\uFEFF/, "").trimStart().startsWith("[");
  } catch {
    return false;
  }
}

export async function store(options: StoreOptions): Promise<Tally> {
  const checker = new DocumentChecker();
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  for (const input of options.inputs) if (!existsSync(input)) throw new Error(`${input}: no such file or folder`);
  const tally = new Tally();
  const sink = duckdbSink({ path: options.db });
  await sink.connect();
  const stopProgress = startProgress("ewmda store", "stored", tally, options.progress === true);
  let batch: StoredDocument[] = [];
  const take = (where: string, text: string, checked: Checked) => {
    tally.read++;
    tally.bytes += Buffer.byteLength(text);
    if (checked.ok) batch.push({ id: checked.id, kind: checked.kind, targetId: checked.targetId, doc: checked.doc, text });
    else tally.reject(where, checked.category, checked.reason);
  };
  const flush = async () => {
    if (batch.length === 0) return;
    await sink.send(batch);
    tally.done += batch.length;
    batch = [];
  };
  try {
    const arrays = options.inputs.filter(isJsonArrayFile);
    for (const file of arrays) {
      let docs: unknown;
      try {
        docs = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
      } catch (e) {
        tally.reject(file, "malformed", `malformed JSON: ${(e as Error).message}`);
        continue;
      }
      for (const [i, doc] of (docs as unknown[]).entries()) {
        const text = JSON.stringify(doc);
        take(`${file}[${i}]`, text, Buffer.byteLength(text) > maxBytes ? checker.checkText(text, maxBytes) : checker.check(doc));
        if (batch.length >= 1000) await flush();
      }
    }
    const lines = options.inputs.filter((i) => !arrays.includes(i));
    if (lines.length) {
      const source = new FileSource({ inputs: lines, follow: false, maxLineBytes: maxBytes, log: options.log });
      for await (const chunk of source.chunks()) {
        for (const line of chunk.lines) {
          const where = `${chunk.file}:${line.lineNo}`;
          if (line.oversizedBytes !== undefined) {
            tally.read++;
            tally.reject(where, "oversized", `oversized: ${line.oversizedBytes} bytes > ${maxBytes} bytes allowed`);
          } else {
            take(where, line.text, checker.checkText(line.text, maxBytes));
          }
          if (batch.length >= 1000) await flush();
        }
      }
    }
    await flush();
  } finally {
    stopProgress();
    await sink.dispose();
  }
  return tally;
}

export type QueryFormat = "table" | "json" | "jsonl" | "csv";

/** Runs SQL over the store (opened read-only) and renders the result. */
export async function query(options: { db: string; sql: string; format?: QueryFormat }): Promise<string> {
  if (!existsSync(options.db)) throw new Error(`no database at ${options.db} (ewmda store FILE... creates it)`);
  const { instance, connection } = await openDatabase(options.db, true);
  try {
    const reader = await connection.runAndReadAll(options.sql);
    const columns = reader.columnNames();
    const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
    return render(columns, rows, options.format ?? "table");
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function render(columns: readonly string[], rows: readonly Record<string, unknown>[], format: QueryFormat): string {
  if (format === "json") return JSON.stringify(rows, null, 2) + "\n";
  if (format === "jsonl") return rows.map((r) => JSON.stringify(r) + "\n").join("");
  if (format === "csv") {
    const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    return [columns.map(esc).join(","), ...rows.map((r) => columns.map((c) => esc(cell(r[c]))).join(","))].join("\n") + "\n";
  }
  // A table for people: one line per row, long values cut to keep lines readable.
  const MAX = 60;
  const text = rows.map((r) => columns.map((c) => {
    const s = cell(r[c]).replace(/\s+/g, " ");
    return s.length > MAX ? `${s.slice(0, MAX - 3)}...` : s;
  }));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i]!.length)));
  const line = (vals: readonly string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns), ...text.map(line), `(${rows.length} row${rows.length === 1 ? "" : "s"})`].join("\n") + "\n";
}

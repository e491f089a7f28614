/**
 * The table engine behind the charts: an in-memory DuckDB that reads each input where it lies (CSV, JSON lines,
 * Parquet) through a view, and maps its columns to the canonical ones (columns.ts), so that millions of rows are
 * counted and binned in SQL and only the aggregates reach the chart grammar. Rows that arrive in memory (export
 * documents, a dump's handle stream) are written once to a JSON lines file in a private temporary folder and
 * read the same way. DuckDB is loaded on first use, so commands that draw nothing never pay for it.
 */
import { mkdtempSync, openSync, readSync, closeSync, rmSync, createWriteStream, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { REQUIRED_FIELD, canonicalSelect, detectRole, literal, resolveColumns, type Field, type TableRole } from "./columns";

/** An input the charts cannot use (unreadable, empty, no column they know): the command exits 1 with this message. */
export class VizInputError extends Error {}

export interface LoadedTable {
  /** Canonical view name (over `<name>_rows`, a table or a view; the file's own view is `<name>_raw`). */
  readonly name: string;
  /** Where the rows came from (a file, or "RawStack documents in crash.dmp"). */
  readonly origin: string;
  readonly columns: readonly string[];
  readonly role: TableRole;
  /** Rows that came from memory (documents, a dump), not from a table file the user already has. */
  readonly fromMemory: boolean;
}

/**
 * The analyses whose export documents each chart role can read: a role takes the rows of the one present with most
 * rows (the list's order breaks ties). Others with look-alike columns (StackTraces and ActiveThreads have a TopFrame, ValueReferences
 * an Address and a Value, SystemObjects a Type) are not what the charts show. KernelExecutionResidue is a kernel
 * dump's residue (a user dump has RawStack); RegionProfile's Slot rows are one region's.
 */
export const DOCUMENT_SOURCES: Readonly<Record<TableRole, readonly string[]>> = {
  slots: ["RawStack", "ExecutionResidue", "KernelExecutionResidue", "RegionProfile"],
  profile: [],
  clusters: ["RegionClusters"],
  namespaces: ["Namespaces"],
  handles: ["Handles"],
  stacks: ["UniqueStacks"],
};

/** One export document (docs/schema.md), as far as the charts read it. */
export interface ResultDocument {
  readonly schema: "ewmda.result";
  readonly target?: { readonly dumpFile?: string | null; readonly processName?: string | null; readonly processId?: number | null; readonly arch?: string; readonly kind?: string };
  readonly analysis: { readonly name: string; readonly version?: string };
  readonly summary?: string;
  readonly time?: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Record<string, unknown>[];
}

export function isResultDocument(x: unknown): x is ResultDocument {
  return typeof x === "object" && x !== null && (x as { schema?: unknown }).schema === "ewmda.result" && Array.isArray((x as { rows?: unknown }).rows);
}

export type FileFormat = "csv" | "jsonl" | "json-array" | "parquet" | "documents" | "minidump";

/** What a file holds, from its first bytes (extensions lie: a `.json` may be JSON lines). */
export function sniffFormat(file: string): FileFormat {
  const fd = openSync(file, "r");
  let head: Buffer;
  try {
    const buf = Buffer.alloc(64 * 1024);
    head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
  if (head.length === 0) throw new VizInputError(`${file}: the file is empty`);
  const magic = head.subarray(0, 4).toString("latin1");
  if (magic === "MDMP") return "minidump";
  if (magic === "PAR1") return "parquet";
  const text = head.toString("utf8").replace(/^\uFEFF/, "");
  const first = text.trimStart()[0];
  if (first === "[") {
    return /^\s*\[\s*\{\s*"schema"\s*:\s*"ewmda\.result"/.test(text) ? "documents" : "json-array";
  }
  if (first === "{") {
    // Export documents carry "schema" first (export-json.ts); a plain row never has it.
    return /^\s*\{\s*"schema"\s*:\s*"ewmda\.result"/.test(text) ? "documents" : "jsonl";
  }
  return "csv";
}

/** Export documents of a `--jsonl` or `--json` file. */
export function readDocuments(file: string): ResultDocument[] {
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  const parsed: unknown[] = [];
  try {
    if (text.trimStart().startsWith("[")) parsed.push(...(JSON.parse(text) as unknown[]));
    else for (const line of text.split("\n")) if (line.trim()) parsed.push(JSON.parse(line));
  } catch (e) {
    throw new VizInputError(`${file}: not valid JSON lines of export documents (${(e as Error).message})`);
  }
  const docs = parsed.filter(isResultDocument);
  if (docs.length !== parsed.length) throw new VizInputError(`${file}: ${parsed.length - docs.length} of ${parsed.length} entries are not ewmda.result documents`);
  return docs;
}

/** The DuckDB session of one command run. */
export class VizDb {
  private counter = 0;
  private readonly tables: LoadedTable[] = [];
  /** What loading passed over and why, for the report's notes. */
  readonly notes: string[] = [];
  private tmp: string | undefined;

  private constructor(private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection, private readonly materialize: boolean) {}

  /**
   * `materialize`: read each table's canonical columns into memory once, for callers that draw several charts
   * from it (the report); otherwise each chart reads the file in place (one chart: one scan, no copy).
   */
  static async open(o: { readonly materialize?: boolean } = {}): Promise<VizDb> {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:");
    return new VizDb(instance, await instance.connect(), o.materialize ?? false);
  }

  /** Rows as JSON-safe objects (BIGINTs as strings: cast to DOUBLE in SQL what must be a number). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  loaded(): readonly LoadedTable[] {
    return this.tables;
  }

  /** SQL FROM text over every loaded table of these roles (canonical columns), or undefined when there is none. */
  source(...roles: TableRole[]): string | undefined {
    const views = this.tables.filter((t) => roles.includes(t.role)).map((t) => `SELECT * FROM ${t.name}`);
    return views.length ? `(${views.join(" UNION ALL ")})` : undefined;
  }

  /** Which canonical fields a role's tables have (e.g. whether slot tables carry a thread). */
  has(role: TableRole, field: Field): boolean {
    return this.tables.some((t) => t.role === role && resolveColumns(t.columns)[field] !== undefined);
  }

  /**
   * A table file read in place: CSV (every column as text, so hex values survive), JSON lines, a JSON array of
   * rows, or Parquet. Export-document files go through `loadRows` (their rows are nested in documents).
   */
  async loadFile(file: string, format: Exclude<FileFormat, "documents" | "minidump"> = sniffFormat(file) as never): Promise<LoadedTable> {
    const p = literal(path.resolve(file));
    const reader = format === "csv" ? `read_csv(${p}, header = true, all_varchar = true)`
      : format === "parquet" ? `read_parquet(${p})`
        : format === "json-array" ? `read_json(${p}, format = 'array')`
          : `read_json(${p}, format = 'newline_delimited')`;
    return this.register(reader, file, false);
  }

  /** Rows already in memory (export documents' rows, handles from a dump), with the column names they use. */
  async loadRows(rows: readonly Record<string, unknown>[], columns: readonly string[], origin: string): Promise<LoadedTable> {
    if (!rows.length) throw new VizInputError(`${origin}: no rows`);
    this.tmp ??= mkdtempSync(path.join(os.tmpdir(), "ewmda-viz-"));
    const file = path.join(this.tmp, `rows-${this.counter + 1}.jsonl`);
    const out = createWriteStream(file);
    for (const r of rows) {
      const line: Record<string, unknown> = {};
      for (const c of columns) if (r[c] !== undefined && r[c] !== null) line[c] = typeof r[c] === "object" ? JSON.stringify(r[c]) : String(r[c]);
      if (!out.write(JSON.stringify(line) + "\n")) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    // Every column declared as text: sampling cannot miss a column that only later rows have.
    const cols = `{${columns.map((c) => `${literal(c)}: 'VARCHAR'`).join(", ")}}`;
    return this.register(`read_json(${literal(file)}, format = 'newline_delimited', columns = ${cols})`, origin, true);
  }

  /**
   * The rows of export documents, one table per analysis (a RawStack document per thread makes one slot
   * table). Each role reads the documents of one analysis only (of DOCUMENT_SOURCES' list for the role, the one with
   * most usable rows), so an `ewmda analyze --all` export does not count the same slots three times
   * (RawStack, ExecutionResidue, RegionProfile) nor mix per-thread tables (StackTraces, ActiveThreads) into the
   * unique-stack groups. Rows without the field their role needs (a Negative or Info row saying what was
   * examined) are left out. What was passed over is said in `notes`.
   */
  async loadDocuments(docs: readonly ResultDocument[], origin: string): Promise<LoadedTable[]> {
    const byAnalysis = new Map<string, ResultDocument[]>();
    for (const d of docs) {
      const list = byAnalysis.get(d.analysis.name);
      if (list) list.push(d);
      else byAnalysis.set(d.analysis.name, [d]);
    }
    const usable = new Map<string, { role: TableRole; columns: string[]; rows: Record<string, unknown>[] }>();
    for (const [analysis, group] of byAnalysis) {
      const columns = [...new Set(group.flatMap((d) => d.columns.map((c) => c.name)))];
      const role = detectRole(columns);
      if (!role || !DOCUMENT_SOURCES[role].includes(analysis)) continue;
      const need = resolveColumns(columns)[REQUIRED_FIELD[role]]!;
      const rows = group.flatMap((d) => d.rows.filter((r) => r[need] !== undefined && r[need] !== null));
      if (rows.length) usable.set(analysis, { role, columns, rows });
    }
    const out: LoadedTable[] = [];
    for (const role of Object.keys(DOCUMENT_SOURCES) as TableRole[]) {
      // The one with most rows (the fullest picture of the same memory), the list's order breaking ties.
      const present = DOCUMENT_SOURCES[role].filter((a) => usable.has(a)).sort((a, b) => usable.get(b)!.rows.length - usable.get(a)!.rows.length);
      if (!present.length) continue;
      const [chosen, ...passed] = present;
      const u = usable.get(chosen!)!;
      out.push(await this.loadRows(u.rows, u.columns, `${chosen} documents in ${origin}`));
      if (passed.length) this.notes.push(`${origin}: the ${role === "slots" ? "region" : role} charts read ${chosen}'s rows; ${passed.join(", ")} ${passed.length === 1 ? "holds" : "hold"} the same kind of rows and ${passed.length === 1 ? "was" : "were"} not counted again`);
    }
    return out;
  }

  private async register(reader: string, origin: string, fromMemory: boolean): Promise<LoadedTable> {
    const name = `t${++this.counter}`;
    try {
      await this.conn.run(`CREATE VIEW ${name}_raw AS SELECT * FROM ${reader}`);
    } catch (e) {
      throw new VizInputError(`${origin}: cannot be read as a table (${firstLine((e as Error).message)})`);
    }
    const described = await this.query(`DESCRIBE ${name}_raw`);
    const columns = described.map((r) => String(r.column_name));
    const role = detectRole(columns);
    if (!role) {
      await this.conn.run(`DROP VIEW ${name}_raw`);
      throw new VizInputError(`${origin}: no column the charts know (found: ${columns.join(", ")}; they read Address and Value, Kind or Class and Count, Low and High, Namespace, Type, or TopFrame)`);
    }
    // Materialized, the canonical rows are read once: every chart then aggregates from memory instead of parsing
    // the file again (a report draws four charts from one table; the clusters query reads it three times).
    await this.conn.run(`CREATE ${this.materialize ? "TABLE" : "VIEW"} ${name}_rows AS ${canonicalSelect(columns, `${name}_raw`, role)}`);
    // A region is the Region column's, or else the thread's (each thread's stack is one region).
    await this.conn.run(`CREATE VIEW ${name} AS SELECT * REPLACE (coalesce(region, thread) AS region) FROM ${name}_rows`);
    const t: LoadedTable = { name, origin, columns, role, fromMemory };
    this.tables.push(t);
    return t;
  }

  close(): void {
    try { this.conn.closeSync(); } catch { /* already closed */ }
    try { this.instance.closeSync(); } catch { /* already closed */ }
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = undefined;
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}


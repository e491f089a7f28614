/**
 * Rows as a table file for pandas and spreadsheets: CSV (RFC 4180) or JSON lines, written row by row
 * through `Debugger.Utility.FileSystem` (reference §6.9), so a table of millions of rows never becomes one
 * string. Cell values follow the export document's rules (docs/schema.md): addresses and 64-bit values are
 * "0x..." strings, booleans true/false, a value that could not be read is empty (CSV) or null (JSON) with
 * the reason in `_absent`. Every JSON line is a row of the export document's `rows` array.
 *
 * Appending adds rows to an existing file without damaging it: a CSV file must have the same header (else
 * nothing is written), the writer starts after the file's last byte (never over it), and a last line left
 * without its line end by an interrupted export is ended first. The file is closed even when writing fails.
 */
import { BASE_COLUMNS, type ColumnSpec, type Row } from "./analysis";
import { hex, isInt64, toNumber } from "./int64";
import { errorMessage, Unavailable } from "./values";

export type TableFormat = "csv" | "jsonl";

/** The format from an explicit name, else from the file extension (.csv; .jsonl, .ndjson, .json). */
export function tableFormat(path: string, format?: string): TableFormat | string {
  const f = (format || "").toLowerCase().replace(/[\s_-]/g, "");
  if (f === "csv") return "csv";
  if (f === "jsonl" || f === "jsonlines" || f === "ndjson" || f === "json") return "jsonl";
  if (f !== "") return "unknown table format \"" + format + "\" (use \"csv\" or \"jsonl\")";
  const lower = path.toLowerCase();
  if (/\.csv$/.test(lower)) return "csv";
  if (/\.(jsonl|ndjson|json)$/.test(lower)) return "jsonl";
  return "cannot tell the format from \"" + path + "\": name it .csv or .jsonl, or pass the format (\"csv\" or \"jsonl\")";
}

/** A cell's JSON value under the export rules (undefined: the cell is absent from the row). */
export function jsonCell(v: unknown, column: ColumnSpec): unknown {
  if (v === undefined) return undefined;
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if ((column.type === "address" || column.type === "hex") && typeof v === "number" && v >= 0 && v === Math.floor(v)) {
    return v <= 9007199254740991 ? "0x" + v.toString(16) : hex(v);
  }
  if (typeof v === "number") return isFinite(v) ? v : String(v);
  if (isInt64(v)) return hex(v);
  if (v instanceof Unavailable) return null;
  return String(v);
}

/** The row as the export document's row object: own columns, then Verdict / Evidence / Source, then `_absent`. */
export function jsonRow(row: Row, columns: readonly ColumnSpec[]): { [key: string]: unknown } {
  const out: { [key: string]: unknown } = {};
  let absent: { [key: string]: string } | undefined;
  for (const c of columns) {
    const v = row[c.name];
    if (v instanceof Unavailable) (absent || (absent = {}))[c.name] = v.kind + ": " + v.reason;
    const j = jsonCell(v, c);
    if (j !== undefined) out[c.name] = j;
  }
  if (absent) out._absent = absent;
  return out;
}

/** JSON text with every character outside ASCII escaped, so the line is the same in any file encoding. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => "\\u" + ("0000" + c.charCodeAt(0).toString(16)).slice(-4));
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF, or starts or ends with a space. */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? "\"" + text.replace(/"/g, "\"\"") + "\"" : text;
}

export function csvHeader(columns: readonly ColumnSpec[]): string {
  return columns.map((c) => csvField(c.name)).concat(["_absent"]).join(",");
}

export function csvLine(row: Row, columns: readonly ColumnSpec[]): string {
  const cells: string[] = [];
  const absent: string[] = [];
  for (const c of columns) {
    const v = row[c.name];
    if (v instanceof Unavailable) absent.push(c.name + "=" + v.kind + ": " + v.reason);
    const j = jsonCell(v, c);
    cells.push(j === undefined || j === null ? "" : csvField(String(j)));
  }
  cells.push(csvField(absent.join("; ")));
  return cells.join(",");
}

/** Every column of an analysis's rows in export order. */
export function tableColumns(own: readonly ColumnSpec[]): readonly ColumnSpec[] {
  return own.concat(BASE_COLUMNS);
}

/** Bytes of lines collected before one WriteLine: few host calls per row, and never the whole table at once. */
const FLUSH_BYTES = 0x10000;

/**
 * A table file being written: `write` each row, then `close` (also after an error). Lines go out in batches of
 * about 64 KiB, one WriteLine each.
 */
export class TableFile {
  /** Rows written to the file so far (rows still in the batch are not counted until it is written). */
  rows = 0;
  private closed = false;
  private batch: string[] = [];
  private batchBytes = 0;

  private constructor(readonly path: string, readonly format: TableFormat, private readonly columns: readonly ColumnSpec[],
    private readonly file: DbgModel.File, private readonly writer: DbgModel.TextWriter) {}

  /** Opens (creates, or with `append` extends) a table file; a message instead when it cannot be written. */
  static open(path: string, format: TableFormat, columns: readonly ColumnSpec[], append: boolean): TableFile | string {
    let fsys: DbgModel.FileSystemNs;
    try {
      fsys = host.namespace.Debugger.Utility.FileSystem;
    } catch (e) {
      return "Debugger.Utility.FileSystem is not available: " + errorMessage(e);
    }
    const header = csvHeader(columns);
    let file: DbgModel.File | undefined;
    try {
      let exists = false;
      try { exists = append && fsys.FileExists(path) === true; } catch (e) { exists = false; }
      let size = 0;
      let needsLineEnd = false;
      if (exists) {
        const check = existingFile(fsys, path, format, header);
        if (typeof check === "string") return check;
        size = check.size;
        needsLineEnd = check.needsLineEnd;
      }
      file = fsys.CreateFile(path, exists ? "OpenExisting" : "CreateAlways");
      // Writers write at the file's position: start after the last byte, never over it.
      if (exists) file.Position = size;
      const writer = fsys.CreateTextWriter(file, "Utf8");
      const t = new TableFile(path, format, columns, file, writer);
      if (needsLineEnd) writer.WriteLine("");
      if (format === "csv" && size === 0) writer.WriteLine(header);
      return t;
    } catch (e) {
      if (file) { try { file.Close(); } catch (e2) { /* already failing */ } }
      return "cannot write " + path + ": " + errorMessage(e);
    }
  }

  write(row: Row): void {
    const line = this.format === "csv" ? csvLine(row, this.columns) : asciiJson(jsonRow(row, this.columns));
    this.batch.push(line);
    this.batchBytes += line.length + 1;
    if (this.batchBytes >= FLUSH_BYTES) this.flush();
  }

  /** Writes the collected lines (whole lines only: a failed write leaves no half row behind in the batch's place). */
  flush(): void {
    if (this.batch.length === 0) return;
    const lines = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.writer.WriteLine(lines.join("\n"));
    this.rows += lines.length;
  }

  /** Writes what is left and closes the file; the file is closed even when that last write fails. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      this.file.Close();
    }
  }
}

/** An existing file to append to: its size, whether its last line lacks its end, or why it must not be extended. */
function existingFile(fsys: DbgModel.FileSystemNs, path: string, format: TableFormat, header: string): { size: number; needsLineEnd: boolean } | string {
  let file: DbgModel.File | undefined;
  try {
    file = fsys.OpenFile(path);
    const size = toNumber(file.Size);
    if (!(size > 0)) return { size: 0, needsLineEnd: false };
    file.Position = size - 1;
    let last = -1;
    for (const b of file.ReadBytes(1) as unknown as Iterable<unknown>) last = Number(b);
    file.Close();
    file = undefined;
    if (format === "csv") {
      const first = String(fsys.CreateTextReader(path, "Utf8").ReadLine()).replace(/^\ufeff/, "").replace(/\r$/, "");
      if (first !== header) {
        return "not appending to " + path + ": its header is not this table's (" + first.slice(0, 80) + (first.length > 80 ? "..." : "") + "); write to a new file";
      }
    }
    return { size, needsLineEnd: last !== 0x0a };
  } catch (e) {
    return "cannot read " + path + " to append to it: " + errorMessage(e);
  } finally {
    if (file) { try { file.Close(); } catch (e) { /* reading failed already */ } }
  }
}

/** Writes rows to a table file; the text says how many rows went where, or why none did. */
export function exportRows(rows: Iterable<Row>, own: readonly ColumnSpec[], path: string, format: string | undefined, append: boolean): string {
  if (typeof path !== "string" || path.trim() === "") return "ExportTable needs a file path, such as \"C:\\\\temp\\\\stack.csv\"";
  const f = tableFormat(path, format);
  if (f !== "csv" && f !== "jsonl") return "ExportTable: " + f;
  const t = TableFile.open(path, f, tableColumns(own), append);
  if (typeof t === "string") return "ExportTable: " + t;
  try {
    for (const row of rows) t.write(row);
    t.close();
  } catch (e) {
    try { t.close(); } catch (e2) { /* the write that failed is reported */ }
    return "ExportTable: writing " + path + " failed after " + t.rows + " rows: " + errorMessage(e);
  }
  return "Exported " + t.rows + " rows to " + path + " (" + (f === "csv" ? "CSV" : "JSON lines") + (append ? ", appended" : "") + ")";
}

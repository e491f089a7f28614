/**
 * The dx face of an analysis result: a collection that is iterable and indexable (`[0x3]`), whose
 * display string is the one-line summary, and whose rows are objects with flat getter properties and
 * help text, so `dx -g`, `.Where(...)` and `.Select(...)` behave as on built-in collections.
 */
import { BASE_COLUMNS, type Analysis, type AnalysisResult, type Row } from "../lib/analysis";
import { toNumber } from "../lib/int64";
import { exportRows } from "../lib/table-export";

export interface RowConstructor {
  new (record: Row, pointerSize: number): object;
}

/** Makes the row class of an analysis: one getter per column, `toString` = the row's one-line text. */
export function rowClass(analysis: Analysis): RowConstructor {
  const columns = analysis.meta.columns.concat(BASE_COLUMNS);
  const text = analysis.rowText;
  // A constructor function rather than a class: its prototype gets generated getters.
  const ResultRow = function (this: { __record: Row; __pointerSize: number }, record: Row, pointerSize: number) {
    this.__record = record;
    this.__pointerSize = pointerSize;
  } as unknown as RowConstructor;
  const proto = ResultRow.prototype as Record<string, unknown>;
  const descriptor: DbgModel.MetadataDescriptor = {};
  for (const c of columns) {
    const name = c.name;
    Object.defineProperty(proto, name, {
      // undefined hides the property in dx (not applicable to this row).
      get(this: { __record: Row }) { return this.__record[name]; },
      enumerable: true,
      configurable: true,
    });
    descriptor[name] = { Help: c.help };
  }
  Object.defineProperty(proto, "toString", {
    value: function (this: { __record: Row; __pointerSize: number }) {
      const r = this.__record;
      return text ? text(r, { pointerSize: this.__pointerSize }) : r.Verdict + ": " + r.Evidence;
    },
    enumerable: false, configurable: true, writable: true,
  });
  defineMetadataDescriptor(proto, descriptor);
  return ResultRow;
}

/** Adds `[Symbol.metadataDescriptor]` when the provider defines that symbol (it does before loading scripts). */
export function defineMetadataDescriptor(target: object, descriptor: DbgModel.MetadataDescriptor): void {
  const sym = (Symbol as unknown as { metadataDescriptor?: symbol }).metadataDescriptor;
  if (typeof sym !== "symbol") return;
  Object.defineProperty(target, sym, { get: () => descriptor, enumerable: false, configurable: true });
}

export class ResultSet {
  private readonly __rows: object[];
  private readonly __summary: string;
  private readonly __json: () => string;
  private readonly __result: AnalysisResult;

  constructor(result: AnalysisResult, RowClass: RowConstructor, json: () => string) {
    this.__rows = result.rows.map((r) => new RowClass(r, result.pointerSize));
    this.__summary = result.summary;
    this.__json = json;
    this.__result = result;
  }

  /** The result as one export document (docs/schema.md), as JSON text. */
  ToJson(): string {
    return this.__json();
  }

  /**
   * Writes the rows to a table file, row by row: CSV or JSON lines (one export-document row per line), the
   * format from `format` ("csv", "jsonl") or the file's extension. `format` may also be an object
   * `new { Format = "csv", Append = true }`: Append adds the rows to an existing file of the same table.
   * Returns what was written (or why nothing was); never throws.
   */
  ExportTable(path: unknown, format?: unknown): string {
    let f: string | undefined;
    let append = false;
    if (typeof format === "string") f = format;
    else if (format !== undefined && format !== null && typeof format === "object") {
      const o = format as { Format?: unknown; Append?: unknown };
      if (o.Format !== undefined && o.Format !== null) f = String(o.Format);
      append = o.Append === true;
    } else if (format !== undefined && format !== null) {
      return "ExportTable: the format must be \"csv\", \"jsonl\" or an object such as new { Format = \"csv\", Append = true }";
    }
    return exportRows(this.__result.rows, this.__result.meta.columns, typeof path === "string" ? path : String(path ?? ""), f, append);
  }

  *[Symbol.iterator](): Iterator<unknown> {
    const rows = this.__rows;
    for (let i = 0; i < rows.length; i++) yield new host.indexedValue(rows[i], [i]);
  }

  getDimensionality(): number {
    return 1;
  }

  getValueAt(index: unknown): object {
    const i = toNumber(index);
    const row = this.__rows[i];
    if (row === undefined) throw new RangeError("no row at index " + i + " (" + this.__rows.length + " rows)");
    return row;
  }

  toString(): string {
    return this.__summary;
  }
}

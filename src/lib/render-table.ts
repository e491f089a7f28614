/**
 * The `!` face: one renderer for every analysis, formatting each cell by its column type (addresses
 * as WinDbg prints them, hex ids, yes/no, unreadable markers). Rows that carry only a verdict and a
 * message (Info / Negative rows) print as one line.
 */
import { BASE_COLUMNS, type AnalysisResult, type ColumnSpec, type Row } from "./analysis";
import { formatAddress, hex, isInt64 } from "./int64";
import { Unavailable, trimRight } from "./values";

const MAX_CELL = 80;

export function formatCell(value: unknown, column: ColumnSpec, pointerSize: number): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Unavailable) return value.toString();
  switch (column.type) {
    case "address":
      return isInt64(value) || typeof value === "number" ? formatAddress(value, pointerSize) : String(value);
    case "hex":
      return isInt64(value) || typeof value === "number" ? hex(value) : String(value);
    case "bool":
      return value === true ? "yes" : value === false ? "no" : String(value);
    case "int":
      return isInt64(value) ? value.toString(10) : String(value);
    default:
      return String(value);
  }
}

function isMessageRow(row: Row, own: readonly ColumnSpec[]): boolean {
  let defined = 0;
  for (const c of own) if (row[c.name] !== undefined && c.table !== false) defined++;
  return defined === 0;
}

/** The whole table as text lines: a title, a header, one line per row. */
export function renderTable(result: AnalysisResult): string[] {
  const own = result.meta.columns;
  const filled = (c: ColumnSpec) => !c.sparse || result.rows.some((r) => r[c.name] !== undefined);
  const columns = own.filter((c) => c.table !== false && filled(c)).concat(BASE_COLUMNS.filter((c) => c.table !== false));
  const lines: string[] = [result.summary];
  const data: string[][] = [];
  const messages: { index: number; text: string }[] = [];
  result.rows.forEach((row, i) => {
    if (isMessageRow(row, own)) {
      messages.push({ index: i, text: row.Verdict + ": " + row.Evidence });
      return;
    }
    data.push(columns.map((c) => {
      const s = formatCell(row[c.name], c, result.pointerSize);
      return s.length > MAX_CELL ? s.slice(0, MAX_CELL - 3) + "..." : s;
    }));
  });
  if (data.length) {
    const widths = columns.map((c, k) => {
      let w = c.name.length;
      for (const d of data) if (d[k]!.length > w) w = d[k]!.length;
      return w;
    });
    const line = (cells: readonly string[]) => trimRight(cells.map((s, k) => (k === cells.length - 1 ? s : s.padEnd(widths[k]!))).join("  "));
    lines.push(line(columns.map((c) => c.name)));
    // Data rows in order, with message rows in their original place.
    let d = 0;
    let m = 0;
    result.rows.forEach((_row, i) => {
      if (m < messages.length && messages[m]!.index === i) { lines.push(messages[m]!.text); m++; }
      else lines.push(line(data[d++]!));
    });
  } else {
    for (const msg of messages) lines.push(msg.text);
  }
  return lines;
}

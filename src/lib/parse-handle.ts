/**
 * `!handle` in a user dump (handle data captured with MiniDumpWithHandleData): with the default flags one
 * block per handle, then a summary by type; `!handle 0 0` prints only the summary. WinDbg's layout:
 *
 *     Handle 0000000000000004
 *       Type         	Directory
 *     Handle 0000000000000008
 *       Type         	File
 *     377 Handles
 *     Type           	Count
 *     None           	26
 *     Event          	74
 *     ALPC Port      	9
 *
 * Type names may contain spaces (`ALPC Port`); the count is the last field. Without handle data the
 * extension fails ("ERROR: !handle: extension exception 0x80004002." / "Unable to read handle information").
 */
import { trimRight } from "./values";

export interface HandleTypeCount {
  readonly type: string;
  readonly count: number;
}

export interface HandleSummary {
  /** From the `N Handles` line, else the number of handle blocks. */
  readonly total: number;
  /** Per type, largest first (ties by name). */
  readonly byType: readonly HandleTypeCount[];
  /** summary: the `Type Count` table; listing: counted from the per-handle blocks. */
  readonly from: "summary" | "listing";
  /** Non-blank lines that fit neither form. */
  readonly unparsed: number;
}

export interface HandleError {
  readonly error: string;
}

export function isHandleError(r: HandleSummary | HandleError): r is HandleError {
  return (r as HandleError).error !== undefined;
}

const ERROR = /^ERROR:|^No export|unable to (?:read|get|find) handle|no handle information|extension exception|not available in this dump/i;

export function parseHandles(lines: readonly string[]): HandleSummary | HandleError {
  let total: number | undefined;
  const summary: { [type: string]: number } = {};
  const listed: { [type: string]: number } = {};
  let summaryRows = 0;
  let blocks = 0;
  let unparsed = 0;
  let inSummary = false;
  let firstError: string | undefined;
  for (const raw of lines) {
    const line = trimRight(String(raw));
    const t = line.trim();
    if (t === "") continue;
    if (ERROR.test(t)) { if (!firstError) firstError = t; continue; }
    let m = /^(\d+)\s+Handles?$/i.exec(t);
    if (m) { total = Number(m[1]); continue; }
    if (/^Type\s+Count$/i.test(t)) { inSummary = true; continue; }
    if (/^Handle\s+[0-9a-f`]+$/i.test(t)) { blocks++; inSummary = false; continue; }
    m = /^Type(?:\s+(.*))?$/.exec(t);
    if (m && !inSummary) {
      const type = !m[1] || m[1].trim() === "" ? "None" : m[1].trim();
      listed[type] = (listed[type] || 0) + 1;
      continue;
    }
    if (inSummary) {
      m = /^(.*?)\s+(\d+)$/.exec(t);
      if (m && m[1]!.trim() !== "") { summary[m[1]!.trim()] = (summary[m[1]!.trim()] || 0) + Number(m[2]); summaryRows++; continue; }
    }
    // Detail lines of `!handle h f` (Attributes, GrantedAccess, HandleCount, Name, Object specific...) are not counted as noise.
    if (/^(Attributes|GrantedAccess|HandleCount|PointerCount|Name|Object [Ss]pecific|No object specific|[A-Za-z]+,)/.test(t)) continue;
    unparsed++;
  }
  const from: "summary" | "listing" = summaryRows > 0 ? "summary" : "listing";
  const counts = from === "summary" ? summary : listed;
  const byType: HandleTypeCount[] = Object.keys(counts).map((type) => ({ type, count: counts[type]! }));
  byType.sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  if (byType.length === 0 && total === undefined) {
    return { error: firstError ?? (lines.length ? "the !handle output was not recognized" : "!handle printed nothing") };
  }
  let sum = 0;
  for (const c of byType) sum += c.count;
  return { total: total !== undefined ? total : from === "listing" ? blocks || sum : sum, byType, from, unparsed };
}

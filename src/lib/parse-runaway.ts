/**
 * `!runaway 7` text → per-thread CPU times (patterns.md §12). In user dumps this is the only way to
 * get thread times: the data model has no API for them. WinDbg prints up to three sections (the flags
 * pick them: 1 user, 2 kernel, 4 elapsed), each a header line, a "Thread Time" line and one line per
 * thread, busiest first:
 *
 *      User Mode Time
 *       Thread       Time
 *        0:1a4       0 days 0:00:41.015
 *
 * (the documentation's older example prints `0:00:00.0093`, without days and with four fraction digits).
 * `0:1a4` is the debugger's thread index (decimal) and the thread id (hex). A dump without the thread
 * info stream gives an error instead ("Unable to get thread times - dumps may not have time
 * information"). The parser is tolerant: unknown lines are counted, not fatal.
 */

export interface ThreadTimes {
  /** The debugger's thread index (`~` number). */
  readonly index: number;
  readonly tid: number;
  /** Milliseconds; undefined when its section was missing. */
  userMs: number | undefined;
  kernelMs: number | undefined;
  /** Time since the thread was created (0 when the dump has no create time). */
  elapsedMs: number | undefined;
}

export interface RunawayTimes {
  /** Threads in the order they first appear. */
  readonly threads: readonly ThreadTimes[];
  /** Sections that were present: "user", "kernel", "elapsed". */
  readonly sections: readonly ("user" | "kernel" | "elapsed")[];
  /** Lines that were neither headers nor thread lines (blank lines excluded). */
  readonly unparsed: number;
}

export interface RunawayError {
  /** Why there are no times: WinDbg's message, or what the text looked like. */
  readonly error: string;
}

const SECTION = /^\s*(User Mode|Kernel Mode|Elapsed) Time\s*$/i;
const COLUMNS = /^\s*Thread\s+Time\s*$/i;
// The days are absent and the fraction has four digits in the documentation's older example (`0:55c  0:00:00.0093`).
const ROW = /^\s*(\d+):([0-9a-f]+)\s+(?:(\d+)\s+days?\s+)?(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?\s*$/i;

/** Milliseconds of `D days H:MM:SS.fff` (the fraction is a decimal fraction of a second, whatever its digits). */
function millis(days: string | undefined, h: string, m: string, s: string, frac: string | undefined): number {
  const f = frac === undefined ? 0 : Math.round(parseFloat("0." + frac) * 1000);
  return (((parseInt(days || "0", 10) * 24 + parseInt(h, 10)) * 60 + parseInt(m, 10)) * 60 + parseInt(s, 10)) * 1000 + f;
}

export function parseRunaway(lines: readonly string[]): RunawayTimes | RunawayError {
  const byTid: { [tid: number]: ThreadTimes } = {};
  const threads: ThreadTimes[] = [];
  const sections: ("user" | "kernel" | "elapsed")[] = [];
  let section: "user" | "kernel" | "elapsed" | undefined;
  let unparsed = 0;
  let rows = 0;
  let message: string | undefined;
  for (const raw of lines) {
    const line = String(raw);
    if (line.trim() === "") continue;
    const head = SECTION.exec(line);
    if (head) {
      const word = head[1]!.toLowerCase();
      section = word === "user mode" ? "user" : word === "kernel mode" ? "kernel" : "elapsed";
      if (sections.indexOf(section) < 0) sections.push(section);
      continue;
    }
    if (COLUMNS.test(line)) continue;
    const row = ROW.exec(line);
    if (row && section) {
      const tid = parseInt(row[2]!, 16);
      let t = byTid[tid];
      if (!t) {
        t = { index: parseInt(row[1]!, 10), tid, userMs: undefined, kernelMs: undefined, elapsedMs: undefined };
        byTid[tid] = t;
        threads.push(t);
      }
      const ms = millis(row[3], row[4]!, row[5]!, row[6]!, row[7]);
      if (section === "user") t.userMs = ms;
      else if (section === "kernel") t.kernelMs = ms;
      else t.elapsedMs = ms;
      rows++;
      continue;
    }
    unparsed++;
    // Keep WinDbg's own explanation: the quoted reason beats the generic "extension exception" line.
    const text = line.trim().replace(/^"(.*)"$/, "$1");
    if (/unable|error|not|fail|invalid|no export/i.test(text) && (message === undefined || /^ERROR:/.test(message))) message = text;
  }
  if (rows === 0) {
    if (message !== undefined) return { error: message };
    const first = lines.map(String).filter((l) => l.trim() !== "")[0];
    return { error: first === undefined ? "!runaway printed nothing" : "no thread times in the output (it starts \"" + clip(first.trim()) + "\")" };
  }
  return { threads, sections, unparsed };
}

export function isRunawayError(r: RunawayTimes | RunawayError): r is RunawayError {
  return (r as RunawayError).error !== undefined;
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

/** `0:00:41.015`, with `N days ` in front when a day or more, as !runaway prints it. */
export function formatDuration(ms: number): string {
  const days = Math.floor(ms / 86400000);
  let rest = ms - days * 86400000;
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const m = Math.floor(rest / 60000);
  rest -= m * 60000;
  const s = Math.floor(rest / 1000);
  const f = Math.round(rest - s * 1000);
  const two = (n: number) => (n < 10 ? "0" : "") + n;
  const three = (n: number) => (n < 10 ? "00" : n < 100 ? "0" : "") + n;
  return (days ? days + " days " : "") + h + ":" + two(m) + ":" + two(s) + "." + three(f);
}

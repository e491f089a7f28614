/**
 * The dump's time from `.time` ("Debug session time: Mon Jan 15 10:00:00.000 2024 (UTC + 1:00)"), for
 * targets where KUSER_SHARED_DATA.SystemTime cannot be read. The debugger prints local time with its UTC
 * offset; the result is UTC, as milliseconds since 1970 and as a FILETIME (100 ns units since 1601).
 */

export interface SessionTime {
  /** Milliseconds since 1970-01-01 UTC. */
  readonly utcMs: number;
  /** The same instant as FILETIME halves (100 ns since 1601). */
  readonly fileTimeHi: number;
  readonly fileTimeLo: number;
  /** The line it came from. */
  readonly line: string;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const SESSION = /Debug session time:\s*(?:[A-Za-z]{3}\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?\s+(\d{4})(?:\s*\(\s*UTC\s*([+-])\s*(\d{1,2}):(\d{2})\s*\))?/;

/** The session time from `.time` output, or undefined when no line has it (or it makes no sense). */
export function parseSessionTime(lines: readonly string[]): SessionTime | undefined {
  for (const line of lines) {
    const m = SESSION.exec(line);
    if (!m) continue;
    const month = MONTHS.indexOf(m[1]!.toLowerCase());
    const day = Number(m[2]);
    const h = Number(m[3]);
    const min = Number(m[4]);
    const s = Number(m[5]);
    if (month < 0 || day < 1 || day > 31 || h > 23 || min > 59 || s > 60) continue;
    const ms = m[6] ? Number((m[6] + "00").slice(0, 3)) : 0;
    let utc = Date.UTC(Number(m[7]), month, day, h, min, s, ms);
    if (m[8]) utc -= (m[8] === "-" ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) * 60000;
    const [hi, lo] = fileTimeOfMs(utc);
    return { utcMs: utc, fileTimeHi: hi, fileTimeLo: lo, line: line.trim() };
  }
  return undefined;
}

/** FILETIME halves of a time in ms since 1970 (precise to a few microseconds: FILETIMEs exceed 2^53). */
export function fileTimeOfMs(ms: number): [number, number] {
  const ft = ms * 10000 + 116444736000000000;
  const hi = Math.floor(ft / 4294967296);
  const lo = ft - hi * 4294967296;
  return [hi >>> 0, Math.max(0, Math.min(4294967295, Math.round(lo))) >>> 0];
}

/** Milliseconds since 1970 of FILETIME halves. */
export function msOfFileTime(hi: number, lo: number): number {
  return (hi * 4294967296 + lo - 116444736000000000) / 10000;
}

/** `2024-01-15 09:30:00` (UTC) for FILETIME halves. */
export function formatFileTime(hi: number, lo: number): string {
  const d = new Date(Math.round(msOfFileTime(hi, lo)));
  if (isNaN(d.getTime())) return "?";
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
}

/** `3 d 04:05:06`, `04:05:06`, `12.5 s` for a duration in seconds. */
export function formatSeconds(seconds: number): string {
  if (!isFinite(seconds)) return "?";
  const neg = seconds < 0;
  let s = Math.abs(seconds);
  if (s < 60) return (neg ? "-" : "") + (Math.round(s * 10) / 10) + " s";
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s = Math.floor(s - m * 60);
  const two = (n: number) => (n < 10 ? "0" : "") + n;
  return (neg ? "-" : "") + (days ? days + " d " : "") + two(h) + ":" + two(m) + ":" + two(s);
}

/**
 * Dump-level facts from two commands: `.dumpdebug` (the MINIDUMP_HEADER flags with their names, the stream
 * directory, the dump writer's comment streams) and `.time` (session time, system and process uptime).
 *
 *     ----- User Mini Dump Analysis
 *
 *     MINIDUMP_HEADER:
 *     Version         A793 (A063)
 *     NumberOfStreams 17
 *     Flags           1806
 *                     0002 MiniDumpWithFullMemory
 *                     0004 MiniDumpWithHandleData
 *                     0800 MiniDumpWithFullMemoryInfo
 *                     1000 MiniDumpWithThreadInfo
 *
 *     Streams:
 *     Stream 0: type ThreadListStream (3), size 00000034, RVA 000003D0
 *     Stream 9: type CommentStreamW (11), size 00000088, RVA 00001A28
 *       *** procdump64.exe -accepteula -ma -e 1 1234
 *
 * Comments appear either indented under their CommentStream line or as `Comment: <text>` lines (both are read).
 *
 *     Debug session time: Thu Sep  8 12:55:08.000 2016 (UTC + 0:00)
 *     System Uptime: 3 days 4:40:45.796
 *     Process Uptime: 0 days 0:00:29.000
 *       Kernel time: 0 days 0:00:00.015
 *       User time: 0 days 0:00:00.031
 */
import { trimRight } from "./values";

export interface DumpStream {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly size: number;
}

export interface DumpDebug {
  /** MINIDUMP_TYPE flags, when the Flags line was there. */
  readonly flags: number | undefined;
  readonly flagNames: readonly string[];
  readonly streams: readonly DumpStream[];
  readonly comments: readonly string[];
  /** `User Mini Dump` / `Kernel ... Dump` from the banner line, when present. */
  readonly kind: string | undefined;
}

export function parseDumpDebug(lines: readonly string[]): DumpDebug | { error: string } {
  let flags: number | undefined;
  const flagNames: string[] = [];
  const streams: DumpStream[] = [];
  const comments: string[] = [];
  let kind: string | undefined;
  let inFlags = false;
  let inComment = false;
  let first = "";
  for (const raw of lines) {
    const line = trimRight(String(raw));
    const t = line.trim();
    if (t === "") { inFlags = false; continue; }
    if (first === "") first = t;
    let m = /^-+\s*(.*?)\s*Analysis\s*$/i.exec(t);
    if (m) { kind = m[1]; continue; }
    m = /^Flags\s+([0-9a-f]+)$/i.exec(t);
    if (m) { flags = parseInt(m[1]!, 16) >>> 0; inFlags = true; inComment = false; continue; }
    if (inFlags) {
      m = /^([0-9a-f]+)\s+(MiniDump\w+)$/i.exec(t);
      if (m) { flagNames.push(m[2]!); continue; }
      inFlags = false;
    }
    m = /^Stream\s+(\d+):\s*type\s+(\S+)\s*\((\d+)\)(?:,\s*size\s+([0-9a-f]+))?/i.exec(t);
    if (m) {
      streams.push({ index: Number(m[1]), name: m[2]!, type: Number(m[3]), size: m[4] ? parseInt(m[4], 16) : 0 });
      inComment = /^CommentStream/i.test(m[2]!);
      continue;
    }
    m = /^Comment:\s*(.*)$/i.exec(t);
    if (m) { const c = unquote(m[1]!); if (c !== "") comments.push(c); continue; }
    if (inComment && /^\s/.test(line)) { const c = unquote(t); if (c !== "") comments.push(c); continue; }
    inComment = false;
  }
  if (flags === undefined && streams.length === 0 && comments.length === 0) {
    return { error: first === "" ? ".dumpdebug printed nothing" : ".dumpdebug output was not recognized: " + first };
  }
  return { flags, flagNames, streams, comments, kind };
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && ((t[0] === "'" && t[t.length - 1] === "'") || (t[0] === "\"" && t[t.length - 1] === "\"")) ? t.slice(1, -1) : t;
}

export interface TimeFacts {
  /** The `Debug session time:` text after the colon. */
  readonly sessionTime: string | undefined;
  /** Seconds; undefined when the line is missing or says "not available". */
  readonly systemUptime: number | undefined;
  readonly processUptime: number | undefined;
  readonly processKernelTime: number | undefined;
  readonly processUserTime: number | undefined;
}

/** `0 days 0:00:29.000` (also `0:00:29.000` and `29.000`) → seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)\s+days?\s+)?(?:(\d+):)?(?:(\d+):)?(\d+)(?:\.(\d+))?\s*$/i.exec(text.trim());
  if (!m) return undefined;
  const days = m[1] ? Number(m[1]) : 0;
  // With two colons: h:m:s; with one: m:s; with none: s.
  const h = m[2] !== undefined && m[3] !== undefined ? Number(m[2]) : 0;
  const min = m[3] !== undefined ? Number(m[3]) : m[2] !== undefined ? Number(m[2]) : 0;
  const s = Number(m[4]);
  const frac = m[5] ? Number("0." + m[5]) : 0;
  return days * 86400 + h * 3600 + min * 60 + s + frac;
}

export function parseTimeCommand(lines: readonly string[]): TimeFacts {
  let sessionTime: string | undefined;
  let systemUptime: number | undefined;
  let processUptime: number | undefined;
  let processKernelTime: number | undefined;
  let processUserTime: number | undefined;
  let inProcess = false;
  for (const raw of lines) {
    const t = String(raw).trim();
    let m = /^Debug session time:\s*(.*)$/i.exec(t);
    if (m) { sessionTime = m[1]!.trim(); continue; }
    m = /^System Uptime:\s*(.*)$/i.exec(t);
    if (m) { systemUptime = parseDuration(m[1]!); inProcess = false; continue; }
    m = /^Process Uptime:\s*(.*)$/i.exec(t);
    if (m) { processUptime = parseDuration(m[1]!); inProcess = true; continue; }
    m = /^Kernel time:\s*(.*)$/i.exec(t);
    if (m && inProcess) { processKernelTime = parseDuration(m[1]!); continue; }
    m = /^User time:\s*(.*)$/i.exec(t);
    if (m && inProcess) { processUserTime = parseDuration(m[1]!); continue; }
  }
  return { sessionTime, systemUptime, processUptime, processKernelTime, processUserTime };
}

/**
 * Why a dump exists (patterns.md §34, Evental Dumps): the exception or event it was written for, first or
 * second chance, the dump writer (a thread in MiniDumpWriteDump, WER, a debugger's break-in thread, Breakpad
 * or Crashpad), the writer's comment (ProcDump records its command line and trigger there), the dump flags and
 * times. One implementation for EventalDump (the analysis) and Triage (whose report starts with this row).
 *
 * Sources: `.lastevent` and `.exr -1` (the event and its record), `.dumpdebug` (flags, comment streams),
 * `.time` (session time, process uptime), and the threads' stacks (read once through the Target).
 * Every source may be missing; what was missing is listed, and the class says "Unknown" rather than guessing.
 */
import { exceptionCodeText } from "./exception-codes";
import { parseDumpDebug, parseTimeCommand, type DumpDebug, type TimeFacts } from "./parse-dumpdebug";
import { parseExr, parseLastEvent, type ExrRecord, type LastEvent } from "./parse-exr";
import { runCommand } from "./run-command";
import { formatSeconds } from "./parse-time";
import { frameMatches, parseFramePattern, type FramePattern } from "./stack-filter";
import type { FrameInfo } from "./stacks";
import type { Target } from "./target";
import { errorMessage, Unavailable, type Source, type Verdict } from "./values";

/**
 * Crash: an unhandled (second-chance) exception. Exception: an exception whose chance the dump does not record
 * and nothing else tells. EventalException: a first-chance exception (ProcDump -e 1, a debugger's first-chance
 * dump). EventalPerformance: a CPU, memory or performance-counter trigger. EventalExit: written at process exit.
 * Hang: a WER hang report or a hung-window trigger. Manual: written on demand (a debugger break-in, `.dump`,
 * Task Manager, ProcDump without a trigger). Unknown: nothing says.
 */
export type EventClass = "Crash" | "Exception" | "EventalException" | "EventalPerformance" | "EventalExit" | "Hang" | "Manual" | "Unknown";

export interface EventalException {
  readonly code: number;
  /** `STATUS_ACCESS_VIOLATION (Access violation)` */
  readonly codeText: string;
  /** As `.exr` printed it (hex digits). */
  readonly address: string;
  readonly location: string | undefined;
  readonly threadId: number | undefined;
  readonly firstChance: boolean | undefined;
}

export interface DumpWriter {
  /** WER, MiniDumpWriteDump, debugger break-in, Breakpad, Crashpad, unhandled-exception filter. */
  readonly kind: string;
  readonly threadId: number;
  readonly frame: string;
}

export interface EventalFacts {
  readonly eventClass: EventClass;
  /** One line: what triggered the dump. */
  readonly trigger: string;
  readonly verdict: Verdict;
  readonly exception: EventalException | undefined;
  /** Why there is no exception, when there is none. */
  readonly noException: string | undefined;
  readonly lastEvent: string | undefined;
  readonly comments: readonly string[];
  readonly writers: readonly DumpWriter[];
  readonly dumpFlags: readonly string[] | undefined;
  readonly flagsValue: number | undefined;
  readonly dumpTime: string | undefined;
  readonly processUptime: number | undefined;
  /** Sources that could not be read, each with why. */
  readonly missing: readonly string[];
  readonly evidence: string;
  readonly source: Source;
}

/** Frames that show who wrote the dump, and what kind of writer that is. */
const WRITER_FRAMES: readonly [string, string][] = [
  ["*!WerpReportFault*", "WER (Windows Error Reporting)"],
  ["faultrep", "WER (Windows Error Reporting)"],
  ["*!*UnhandledExceptionFilter*", "the unhandled-exception filter"],
  ["ntdll!RtlReportException*", "RtlReportException (WER)"],
  ["ntdll!DbgUiRemoteBreakin", "a debugger's break-in thread"],
  ["*!google_breakpad::ExceptionHandler::*", "Breakpad"],
  ["*!crashpad::*", "Crashpad"],
  ["*!MiniDumpWriteDump*", "MiniDumpWriteDump (the process dumped itself, or a tool injected into it)"],
  ["dbgcore", "MiniDumpWriteDump (the process dumped itself, or a tool injected into it)"],
];

const WRITER_PATTERNS: readonly { pattern: FramePattern; kind: string }[] = (() => {
  const out: { pattern: FramePattern; kind: string }[] = [];
  for (const [text, kind] of WRITER_FRAMES) {
    const p = parseFramePattern(text);
    if (typeof p !== "string") out.push({ pattern: p, kind });
  }
  return out;
})();

/** Threads whose stacks show a dump writer, the top-most matching frame per thread. */
export function findWriters(t: Target): DumpWriter[] | Unavailable {
  const out: DumpWriter[] = [];
  try {
    for (const s of t.threadStacks()) {
      if (!Array.isArray(s.frames)) continue;
      let hit: { frame: FrameInfo; kind: string } | undefined;
      for (const f of s.frames as readonly FrameInfo[]) {
        for (const w of WRITER_PATTERNS) if (frameMatches(f, w.pattern)) { hit = { frame: f, kind: w.kind }; break; }
        if (hit) break;
      }
      if (hit) out.push({ kind: hit.kind, threadId: s.thread.id, frame: hit.frame.symbol });
    }
  } catch (e) {
    return new Unavailable("not available", "the threads' stacks could not be read: " + errorMessage(e));
  }
  return out;
}

interface CommentTrigger { readonly eventClass: EventClass; readonly text: string }

/** What a writer's comment says triggered the dump (ProcDump, DebugDiag and WER wording), if anything. */
export function commentTrigger(comment: string): CommentTrigger | undefined {
  const c = comment.toLowerCase();
  if (/hung window|\bhang\b|hung\b|not responding/.test(c)) return { eventClass: "Hang", text: "a hang trigger in the comment" };
  if (/second chance|unhandled/.test(c)) return { eventClass: "Crash", text: "an unhandled exception in the comment" };
  if (/first chance/.test(c)) return { eventClass: "EventalException", text: "a first-chance exception in the comment" };
  if (/\bcpu\b|processor/.test(c)) return { eventClass: "EventalPerformance", text: "a CPU threshold in the comment" };
  if (/commit|private bytes|working set|memory/.test(c)) return { eventClass: "EventalPerformance", text: "a memory threshold in the comment" };
  if (/performance counter|perf counter/.test(c)) return { eventClass: "EventalPerformance", text: "a performance-counter trigger in the comment" };
  if (/process exit|terminat|exit code/.test(c)) return { eventClass: "EventalExit", text: "process exit in the comment" };
  if (/manual|on demand|user request|procdump/.test(c)) return { eventClass: "Manual", text: "an on-demand dump in the comment" };
  return undefined;
}

const BREAK_CODES: { [code: number]: string } = { 0x80000003: "breakpoint", 0x4000001f: "WOW64 breakpoint" };

export function readEventalFacts(t: Target): EventalFacts {
  const missing: string[] = [];
  const exrOut = runCommand(".exr -1");
  const lastOut = runCommand(".lastevent");
  const ddOut = runCommand(".dumpdebug");
  const timeOut = runCommand(".time");
  const last: LastEvent | undefined = lastOut instanceof Unavailable ? undefined : parseLastEvent(lastOut);
  if (lastOut instanceof Unavailable) missing.push(lastOut.reason);
  const exr = exrOut instanceof Unavailable ? undefined : parseExr(exrOut);
  let dd: DumpDebug | undefined;
  if (ddOut instanceof Unavailable) missing.push(ddOut.reason);
  else {
    const p = parseDumpDebug(ddOut);
    if ("error" in p) missing.push(p.error); else dd = p;
  }
  let time: TimeFacts | undefined;
  if (timeOut instanceof Unavailable) missing.push(timeOut.reason);
  else time = parseTimeCommand(timeOut);

  let exception: EventalException | undefined;
  let noException: string | undefined;
  if (exr && exr.kind === "record") {
    const r: ExrRecord = exr;
    exception = {
      code: r.code, codeText: exceptionCodeText(r.code), address: r.address, location: r.location,
      threadId: last ? last.threadId : undefined, firstChance: last ? last.firstChance : undefined,
    };
  } else {
    noException = exrOut instanceof Unavailable ? exrOut.reason : exr && exr.kind === "none" ? "the dump has no exception record" : "the .exr -1 output was not recognized";
  }
  const writers = findWriters(t);
  if (writers instanceof Unavailable) missing.push(writers.reason);
  const writerList = writers instanceof Unavailable ? [] : writers;
  const comments = dd ? dd.comments : [];
  const fromComment = comments.length ? commentTrigger(comments.join(" ")) : undefined;

  let eventClass: EventClass = "Unknown";
  let trigger: string;
  const hasWriter = (kind: RegExp) => writerList.some((w) => kind.test(w.kind));
  if (exception) {
    const c = exception.code >>> 0;
    const onBreakIn = writerList.some((w) => /break-in/.test(w.kind));
    if (c === 0xcfffffff) { eventClass = "Hang"; trigger = "WER hang report (pseudo-exception 0xCFFFFFFF)"; }
    else if (BREAK_CODES[c] && onBreakIn) { eventClass = "Manual"; trigger = "a debugger broke in (" + BREAK_CODES[c] + " on its break-in thread) and saved the dump"; }
    else if (exception.firstChance === true) { eventClass = "EventalException"; trigger = "a first-chance exception (it may have been handled)"; }
    else if (exception.firstChance === false) { eventClass = "Crash"; trigger = "a second-chance (unhandled) exception"; }
    else if (fromComment && fromComment.eventClass !== "Manual") { eventClass = fromComment.eventClass; trigger = fromComment.text; }
    else if (hasWriter(/WER|unhandled-exception|RtlReportException/)) { eventClass = "Crash"; trigger = "an unhandled exception (the unhandled-exception filter or WER is on a stack)"; }
    else if (hasWriter(/Breakpad|Crashpad/)) { eventClass = "Crash"; trigger = "an exception caught by an in-process crash reporter"; }
    else { eventClass = "Exception"; trigger = "an exception (the dump does not record first or second chance)"; }
  } else if (fromComment) {
    eventClass = fromComment.eventClass;
    trigger = fromComment.text;
  } else if (hasWriter(/break-in/)) {
    eventClass = "Manual"; trigger = "a debugger broke in and saved the dump";
  } else if (hasWriter(/MiniDumpWriteDump|WER/)) {
    eventClass = "Manual"; trigger = "written on demand by a writer inside the process (no exception)";
  } else if (noException && !(exrOut instanceof Unavailable)) {
    eventClass = "Manual"; trigger = "no exception: a manual, hang or on-demand dump";
  } else {
    trigger = "nothing says why the dump was written";
  }
  const verdict: Verdict = eventClass === "Manual" || eventClass === "Unknown" ? "Info" : "Positive";
  const dumpFlags = dd && dd.flagNames.length ? dd.flagNames : undefined;
  const evidence = exception ? ".exr -1; .lastevent; .ecxr; kn" + (dd ? "; .dumpdebug" : "") : ".lastevent; .dumpdebug; .time";
  return {
    eventClass, trigger, verdict, exception, noException, lastEvent: last ? last.description : undefined, comments,
    writers: writerList, dumpFlags, flagsValue: dd ? dd.flags : undefined,
    dumpTime: time ? time.sessionTime : undefined, processUptime: time ? time.processUptime : undefined,
    missing, evidence, source: "command",
  };
}

function shortComment(comments: readonly string[]): string {
  const c = comments.join(" | ");
  return c.length > 160 ? c.slice(0, 157) + "..." : c;
}

/** The one-line text of the evental row (Triage's first Finding). */
export function eventalText(f: EventalFacts): string {
  const parts: string[] = [];
  if (f.exception) {
    const e = f.exception;
    const thread = e.threadId !== undefined ? " on thread 0x" + e.threadId.toString(16) : "";
    const chance = e.firstChance !== undefined ? (e.firstChance ? " (first chance)" : " (second chance)") : "";
    parts.push("written for an exception: " + e.codeText + " at " + e.address + (e.location ? " (" + e.location + ")" : "") + thread + chance);
  } else {
    parts.push("no exception: a manual, hang or on-demand dump (" + (f.noException ?? "no exception record") + ")");
  }
  parts.push("class " + f.eventClass + ": " + f.trigger);
  if (f.writers.length) parts.push("writer: " + f.writers[0]!.kind + " on thread 0x" + f.writers[0]!.threadId.toString(16));
  if (f.comments.length) parts.push("comment \"" + shortComment(f.comments) + "\"");
  if (f.processUptime !== undefined) parts.push("process up " + formatSeconds(f.processUptime));
  if (!f.exception && !f.comments.length) parts.push("see .dumpdebug for the writer's flags and comment");
  return parts.join("; ");
}

import { defineAnalysis, type Row } from "../lib/analysis";
import { eventalText, readEventalFacts } from "../lib/evental";
import { formatSeconds } from "../lib/parse-time";
import { notAvailable } from "../lib/values";

/**
 * EventalDump: why this dump was written, in one row every triage report can start with.
 *
 * The pattern (Evental Dumps): dumps are written for a crash, but also for a first-chance exception, a
 * CPU or memory threshold, a hung window, process exit, or on demand; each reading shifts what the rest
 * of the dump means (an active thread is normal in a CPU-triggered dump, an exception may have been
 * handled in a first-chance one). The class is one of Crash (second-chance or unhandled exception),
 * Exception (an exception whose chance the dump does not record), EventalException (first chance),
 * EventalPerformance (CPU, memory or counter trigger), EventalExit, Hang (WER hang report 0xCFFFFFFF or a
 * hung-window trigger), Manual (a debugger break-in, `.dump`, an on-demand writer) and Unknown.
 *
 * Detection: `.exr -1` and `.lastevent` (code, address, thread, first or second chance), `.dumpdebug`
 * (MINIDUMP_TYPE flags and the writer's comment: ProcDump records its command line and trigger there),
 * `.time` (dump time, process uptime), and the threads' stacks (read once, shared): a thread in
 * MiniDumpWriteDump/dbgcore, WER (WerpReportFault, faultrep), the unhandled-exception filter,
 * ntdll!DbgUiRemoteBreakin (a debugger's break-in), Breakpad or Crashpad names the writer. A breakpoint
 * (0x80000003) on a break-in thread is a manual dump, not a crash.
 *
 * False positives: comments are free text and read by keywords ("hung window", "first chance", "CPU");
 * without a chance in `.lastevent` a handled exception written by an in-process reporter may be classed
 * Crash. Triage starts with this row, so Triage does not run EventalDump again.
 *
 * @function EventalDump
 * @memberof Ewmda
 * @returns {ResultSet} One row: Class, Trigger, ExceptionCode, Exception, Thread, FirstChance, Writer, Comment, DumpFlags, DumpTime, ProcessUptime, Verdict, Evidence, Source; then Info rows for sources that could not be read.
 * @example dx @$ewmda.EventalDump()
 * @example dx @$ewmda.EventalDump()[0].Class
 * @example !ewmda.evental
 */
export const eventalDump = defineAnalysis({
  meta: {
    name: "EventalDump",
    command: "evental",
    summary: "Why this dump was written: crash, first-chance exception, hang, performance trigger or manual, with the writer and its comment",
    patterns: ["Eventual (Evental) Dumps"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Class", type: "string", help: "Crash, Exception, EventalException, EventalPerformance, EventalExit, Hang, Manual or Unknown" },
      { name: "Trigger", type: "string", help: "What triggered the dump, in words" },
      { name: "ExceptionCode", type: "hex", help: "Code of the exception the dump was written for (.exr -1)" },
      { name: "Exception", type: "string", help: "The code's name and where it happened", table: false },
      { name: "Thread", type: "hex", help: "Thread of the last event (.lastevent)" },
      { name: "FirstChance", type: "bool", help: "First chance (yes), second chance (no), or not recorded in the dump" },
      { name: "Writer", type: "string", help: "Who wrote the dump, from the threads' stacks (WER, MiniDumpWriteDump, a debugger's break-in, Breakpad, Crashpad)" },
      { name: "Comment", type: "string", help: "The dump writer's comment (.dumpdebug comment streams)" },
      { name: "DumpFlags", type: "string", help: "MINIDUMP_TYPE flags the writer used (.dumpdebug)", table: false },
      { name: "DumpTime", type: "string", help: "Debug session time (.time)", table: false },
      { name: "ProcessUptime", type: "string", help: "Process uptime at the dump (.time)", table: false },
    ],
  },

  *run(ctx) {
    const f = readEventalFacts(ctx.target);
    const e = f.exception;
    const row: Row = {
      Class: f.eventClass,
      Trigger: f.trigger,
      ExceptionCode: e ? e.code : undefined,
      Exception: e ? e.codeText + " at " + e.address + (e.location ? " (" + e.location + ")" : "") : f.noException,
      Thread: e ? e.threadId : undefined,
      FirstChance: e ? (e.firstChance !== undefined ? e.firstChance : notAvailable("the dump does not record first or second chance")) : undefined,
      Writer: f.writers.length ? f.writers.map((w) => w.kind + " (thread 0x" + w.threadId.toString(16) + ", " + w.frame + ")").join("; ") : undefined,
      Comment: f.comments.length ? f.comments.join(" | ") : undefined,
      DumpFlags: f.dumpFlags ? f.dumpFlags.join(", ") : f.flagsValue !== undefined ? "0x" + f.flagsValue.toString(16) : undefined,
      DumpTime: f.dumpTime,
      ProcessUptime: f.processUptime !== undefined ? formatSeconds(f.processUptime) : undefined,
      Verdict: f.verdict,
      Evidence: f.evidence,
      Source: f.source,
    };
    yield row;
    for (const m of f.missing) yield { Verdict: "Info", Evidence: "not read: " + m, Source: "command" };
    ctx.summary("EventalDump: " + eventalText(f));
  },

  rowText(row) {
    if (row.Class === undefined) return row.Verdict + ": " + row.Evidence;
    return String(row.Class) + ": " + String(row.Trigger) + (row.Writer ? "; writer " + String(row.Writer) : "");
  },
});

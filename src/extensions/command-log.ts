import { defineAnalysis, type AnalysisResult, type Row } from "../lib/analysis";
import { isStackCommand, printsParameters, refusal } from "../lib/command-guard";
import { appendDocuments, choosePath } from "../lib/document-file";
import { commandDocument, describeTargetInfo, type CommandContext, type CommandStack } from "../lib/export-json";
import { parseAddress, toNumber } from "../lib/int64";
import { hexValue, parseStackCommand, splitCallSite } from "../lib/parse-stack-command";
import { errorMessage } from "../lib/values";

const DEFAULT_FILE = "ewmda-commands.jsonl";

/**
 * Stack Trace (Command) and Stack Trace Collection (Commands): runs one debugger command, shows its
 * output, and appends one command document (docs/schema.md, `ewmda.command`) to the session's log file:
 * the command, its output lines, when it ran and for how long, the target (dump path, kind, architecture,
 * OS build) and where the debugger stood (current process, thread and frame). For stack commands (`k` and
 * its variants, `~*k`, `~*e kv`, `!uniqstack`, `!process`, `!thread`, `!findstack`) the frames are parsed
 * into the document too (thread, frame number, Child-SP, return address, module, function, offset), so a
 * sheaf of stack traces from many commands and many dumps can be queried later (`ewmda diff`, the event
 * stream). The same command with the same output in the same place gives the same document id, so a
 * consumer drops repeats.
 *
 * The pattern: a stack trace is the output of a particular command in a particular context (`k` vs `kv`
 * vs `kc`, after `.cxr` or `.thread`); keeping the command and the context with the trace makes it
 * reproducible and comparable, and a collection of them shows where commands disagree.
 *
 * Safety: the log runs exactly the command given and nothing else. It refuses commands that would resume
 * or change the target (`g`, `p`, `t`, `.kill`, `.restart`, `q`, memory and register writes, breakpoints),
 * anything that runs other commands (`;`, `.block`, `.foreach`, `$<`, `.shell`, `!!`, aliases, dx
 * expressions calling ExecuteCommand), with a message saying why (src/lib/command-guard.ts has the list).
 * View commands (`.cxr`, `.ecxr`, `.thread`, `.frame`, `~3s`) are allowed: they change what later commands
 * show, not the target, and being logged in order they keep the provenance of every later trace.
 *
 * False positives: none (it records). The frame parser reads WinDbg's documented layouts; a line it does
 * not recognize is left out of the frames, never guessed, and the full text is always in `output`.
 *
 * Settings: `File` (the log file; empty: ewmda-commands.jsonl in the debugger's temp directory),
 * `MaxLines` (output lines kept per document).
 *
 * @function Log
 * @memberof Ewmda
 * @param {string} command The debugger command to run, as typed at the prompt (`"~*kv"`).
 * @param {string} [file] Log file to append to (default: `Config.Log.File`, else ewmda-commands.jsonl in the temp directory).
 * @returns {ResultSet} A Logged row (file, document id, line and frame counts), then one row per parsed frame (stack commands) or per output line: Kind, File, Id, Line, Text, Thread, Frame, ChildSP, ReturnAddress, Module, Function, Offset, CallSite.
 * @example dx @$ewmda.Log("~*kv")
 * @example dx -g @$ewmda.Log("kn").Where(r => r.Kind == "Frame")
 * @example dx @$ewmda.Log("!uniqstack", "C:\\logs\\case 42\\commands.jsonl")
 * @example !ewmda.log "~*kv"
 * @example !ewmda.log ".ecxr"
 */
export const commandLog = defineAnalysis({
  meta: {
    name: "Log",
    command: "log",
    summary: "Runs one debugger command and appends its output (and parsed stack frames) to the session's JSON-lines log",
    patterns: ["Stack Trace (Command)", "Stack Trace Collection (Commands)"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "command", help: "the debugger command to run, as typed at the prompt (\"~*kv\")", optional: false },
      { name: "file", help: "log file to append to (default: Config.Log.File, else ewmda-commands.jsonl in the temp directory)", optional: true },
    ],
    options: [],
    columns: [
      { name: "Kind", type: "string", help: "Logged (where the document went), Frame (a parsed stack frame), Line (an output line) or Refused" },
      { name: "File", type: "string", help: "The log file the command document was appended to", table: false },
      { name: "Id", type: "string", help: "The command document's id (the same command, output and context give the same id)", table: false },
      { name: "Line", type: "int", help: "Output line number (from 0)" },
      { name: "Text", type: "string", help: "The output line, or what was logged" },
      { name: "Thread", type: "hex", help: "Thread id of the stack the frame belongs to" },
      { name: "Frame", type: "int", help: "Frame number in its stack" },
      { name: "ChildSP", type: "address", help: "Child-SP (x64) or ChildEBP (x86) of the frame" },
      { name: "ReturnAddress", type: "address", help: "Return address printed for the frame" },
      { name: "Module", type: "string", help: "Module of the call site" },
      { name: "Function", type: "string", help: "Function of the call site (without module and displacement)" },
      { name: "Offset", type: "hex", help: "Displacement from the function (or from the module without symbols)" },
      { name: "CallSite", type: "string", help: "The call site as printed", table: false },
    ],
    settings: {
      File: { default: "", help: "Log file the command documents are appended to (empty: ewmda-commands.jsonl in the debugger's temp directory)", reason: "the temp directory is writable in every session; one file per machine keeps a case's commands together" },
      MaxLines: { default: 100000, help: "Output lines kept in one command document (the rest are counted, not kept)", reason: "!process 0 ff on a large server prints millions of lines; 100,000 lines stay under the event stream's document size" },
    },
  },

  *run(ctx, args) {
    const command = args[0];
    if (typeof command !== "string" || command.trim() === "") {
      ctx.summary("Log: no command given");
      yield refused("give the command to run and log, in quotes: dx @$ewmda.Log(\"~*kv\") or !ewmda.log \"~*kv\"");
      return;
    }
    const why = refusal(command);
    if (why !== undefined) {
      ctx.summary("Log: not run: " + command);
      yield refused("not run: " + why + " (" + command + ")");
      return;
    }
    const path = choosePath(args[1], ctx.settings.File, DEFAULT_FILE);
    if (path === undefined) {
      ctx.summary("Log: no file");
      yield refused("the log file name is empty; give a path such as \"C:\\\\logs\\\\commands.jsonl\"");
      return;
    }
    const text = command.trim();
    const context = currentContext();
    const started = new Date();
    const t0 = Date.now();
    const output: string[] = [];
    let lineCount = 0;
    let error: string | null = null;
    try {
      // Every line is read: whether the command runs before its output is iterated is unconfirmed.
      for (const line of host.namespace.Debugger.Utility.Control.ExecuteCommand(text)) {
        if (lineCount < ctx.settings.MaxLines) output.push(String(line));
        lineCount++;
      }
    } catch (e) {
      error = errorMessage(e);
    }
    const durationMs = Date.now() - t0;
    const stacks = isStackCommand(text) ? stacksOf(output, context, printsParameters(text)) : null;
    const doc = commandDocument({ command: text, context, output, lineCount, error, started, durationMs, stacks }, describeTargetInfo(ctx.target));
    const id = (doc as { id: string }).id;
    const written = appendDocuments(path, [doc]);
    const frames = stacks ? stacks.reduce((n, s) => n + s.frames.length, 0) : 0;
    const what = lineCount + " line" + (lineCount === 1 ? "" : "s") + (stacks ? ", " + frames + " frame(s) in " + stacks.length + " stack(s)" : "") +
      (lineCount > output.length ? " (" + output.length + " kept)" : "") + ", " + durationMs + " ms";
    const logged = typeof written === "string"
      ? "ran " + text + " (" + what + ") but could not log it: " + written
      : "logged " + text + " (" + what + ") to " + path + " as document " + id;
    ctx.summary("Log: " + (error !== null ? text + " failed: " + error : logged));
    yield {
      Kind: "Logged", File: typeof written === "string" ? undefined : path, Id: id, Text: error !== null ? text + " failed: " + error + "; " + logged : logged,
      Verdict: "Info", Evidence: text + (typeof written === "string" ? "" : " (document " + id + " in " + path + ")"), Source: "command",
      _output: output,
    };
    if (stacks && frames > 0) {
      for (const s of stacks) {
        for (const f of s.frames) {
          yield {
            Kind: "Frame", Thread: s.thread.threadId === null ? undefined : s.thread.threadId, Frame: f.frame,
            ChildSP: address(f.childSp), ReturnAddress: address(f.returnAddress), Module: f.module ?? undefined, Function: f.function ?? undefined,
            Offset: f.offset === null ? undefined : address(f.offset), CallSite: f.callSite, Text: f.callSite,
            Verdict: "Info", Evidence: text + ", frame " + f.frame + (s.thread.threadId !== null ? " of thread 0x" + s.thread.threadId.toString(16) : ""), Source: "command",
          };
        }
      }
    } else {
      for (let i = 0; i < output.length; i++) {
        yield { Kind: "Line", Line: i, Text: output[i], Verdict: "Info", Evidence: text + ", line " + i, Source: "command" };
      }
    }
  },

  rowText(row) {
    if (row.Kind === "Frame") return (row.Thread !== undefined ? "0x" + Number(row.Thread).toString(16) + " " : "") + String(row.Frame) + " " + String(row.CallSite);
    if (row.Kind === "Line") return String(row.Text);
    return String(row.Text ?? row.Evidence);
  },

  renderText(result: AnalysisResult): string[] {
    const first = result.rows[0];
    if (!first || first.Kind !== "Logged") return [result.summary].concat(result.rows.map((r) => r.Verdict + ": " + r.Evidence));
    const out = Array.isArray(first._output) ? (first._output as string[]).slice() : [];
    out.push("ewmda: " + String(first.Text));
    return out;
  },
});

function refused(text: string): Row {
  return { Kind: "Refused", Text: text, Verdict: "Info", Evidence: text, Source: "heuristic" };
}

function address(hexText: string | null): unknown {
  if (hexText === null) return undefined;
  const v = parseAddress(hexText);
  return v === undefined ? hexText : v;
}

/** Current process, thread and frame, as the data model says (null for what it does not). */
function currentContext(): CommandContext {
  let processId: number | null = null;
  let threadId: number | null = null;
  let frame: number | null = null;
  try { processId = toNumber(host.currentProcess.Id); } catch (e) { processId = null; }
  try { threadId = host.currentThread ? toNumber(host.currentThread.Id) : null; } catch (e) { threadId = null; }
  try {
    const vars = host.namespace.Debugger.State.DebuggerVariables as unknown as { curframe?: { Attributes?: { FrameNumber?: unknown } } };
    const f = vars.curframe;
    if (f && f.Attributes && f.Attributes.FrameNumber !== undefined) frame = toNumber(f.Attributes.FrameNumber);
  } catch (e) { frame = null; }
  return { processId, threadId, frame };
}

/** The parsed stacks as the document holds them; a block without a thread header is the current thread's. */
function stacksOf(output: readonly string[], context: CommandContext, withParams: boolean): CommandStack[] {
  return parseStackCommand(output).map((b) => ({
    thread: b.thread
      ? { index: b.thread.index ?? null, processId: b.thread.processId ?? null, threadId: b.thread.threadId ?? null, object: b.thread.object ? hexValue(b.thread.object) ?? null : null }
      : { index: null, processId: context.processId, threadId: context.threadId, object: null },
    warnings: b.warnings,
    frames: b.frames.map((f) => {
      const parts = splitCallSite(f.callSite, withParams);
      return {
        frame: f.index,
        childSp: hexValue(f.childSp) ?? null,
        returnAddress: hexValue(f.returnAddress) ?? null,
        module: parts.module ?? null,
        function: parts.func ?? null,
        offset: parts.offset ?? null,
        address: parts.address ?? null,
        callSite: f.callSite,
        inline: f.inline,
        sourceLine: f.sourceLine ?? null,
      };
    }),
  }));
}

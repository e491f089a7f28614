import { defineAnalysis, type Row } from "../lib/analysis";
import { describeParameters, exceptionCodeInfo, exceptionCodeText, exceptionFlagsText } from "../lib/exception-codes";
import { cppThrowType, exceptionTypes, recoverThread, type Recovered, type RecordValues } from "../lib/exception-context";
import { addTo, compareU64, fromHalves, hex, parseAddress, type Int64 } from "../lib/int64";
import { parseExr, parseLastEvent, parseStackText, type ExrRecord, type LastEvent } from "../lib/parse-exr";
import { matchesFunction, type FrameInfo } from "../lib/stacks";
import type { Target, ThreadRef } from "../lib/target";
import { errorMessage, notAvailable, Unavailable, type Source } from "../lib/values";

/** Frames that show a thread dispatching, raising or reporting an exception (module!function, `*` wildcards). */
const DISPATCH_FUNCTIONS: readonly string[] = [
  "ntdll!KiUserExceptionDispatch*", "ntdll!KiRaiseUserExceptionDispatcher", "ntdll!RtlDispatchException", "ntdll!RtlRaiseException",
  "kernelbase!RaiseException", "kernel32!RaiseException", "kernelbase!RaiseFailFastException", "kernel32!RaiseFailFastException",
  "*!_CxxThrowException", "kernelbase!UnhandledExceptionFilter", "kernel32!UnhandledExceptionFilter",
  "*!WerpReportFault*", "ntdll!RtlReportException*",
];
/** Where the kernel puts the CONTEXT and EXCEPTION_RECORD of a user-mode exception. */
const DISPATCHER = "ntdll!KiUserExceptionDispatch*";
/** Frames that mean WER is reporting (the Exception Reporting Thread). */
const REPORTING = ["*!WerpReportFault*", "kernelbase!UnhandledExceptionFilter", "kernel32!UnhandledExceptionFilter", "ntdll!RtlReportException*"];
/** Modules of the exception machinery itself: the faulting module is the first frame outside them. */
const SYSTEM_MODULES = ["ntdll", "kernelbase", "kernel32", "vcruntime*", "msvcr*", "msvcp*", "ucrtbase*", "wow64*", "clr", "coreclr", "mscorwks"];

type Kind = "Primary" | "Hidden" | "Dispatching";

function matchesAny(func: string, patterns: readonly string[]): boolean {
  for (const p of patterns) if (matchesFunction(func, p)) return true;
  return false;
}

function run(command: string): string[] | Unavailable {
  try {
    const out: string[] = [];
    for (const line of host.namespace.Debugger.Utility.Control.ExecuteCommand(command)) out.push(String(line));
    return out;
  } catch (e) {
    return notAvailable("`" + command + "` failed: " + errorMessage(e));
  }
}

function same(a: Int64, b: Int64): boolean {
  return compareU64(a, b) === 0;
}

function hexList(values: readonly Int64[]): string[] {
  return values.map((v) => hex(v));
}

/**
 * Exception Stack Trace: the exception that ended the process (the dump's exception record) and the
 * hidden ones that threads are still dispatching, each with its CONTEXT, record and stack.
 *
 * The pattern: the stack of the thread on which an exception was raised is the first thing to read in a
 * crash dump. A dump often holds more than one: the primary exception (`.exr -1`, `.ecxr`), threads whose
 * frames show exception dispatching that never reached the debugger (handled, nested, or still in progress
 * when the dump was written: Multiple Exceptions), and the thread that reports a crash to WER (Exception
 * Reporting Thread).
 *
 * Detection: the primary exception is `.exr -1` (parsed; WinDbg's and the Linux runner's format) with its
 * thread and chance from `.lastevent` and its stack from `.ecxr; kn` (then `.cxr` resets the scope; turn off
 * with `Config.ExceptionStackTraces.EcxrStack`). Hidden exceptions: every thread's frames are checked for
 * KiUserExceptionDispatcher, RtlDispatchException, RtlRaiseException, RaiseException, RaiseFailFastException,
 * _CxxThrowException, UnhandledExceptionFilter, WerpReportFault and RtlReportException. The CONTEXT and
 * EXCEPTION_RECORD are recovered where dispatching leaves them: at an x64 KiUserExceptionDispatcher frame's
 * stack pointer (the record after it, at sizeof(_CONTEXT) plus the CONTEXT_EX gap, from ntdll's types),
 * from the (record, context) pointer pairs x86 passes and EXCEPTION_POINTERS hold, or from CONTEXT-shaped
 * data above the dispatching frames. A CONTEXT is reported only when its ContextFlags name the architecture
 * with CONTEXT_CONTROL, its stack pointer is in the thread's stack and its instruction pointer in a module.
 * Codes are named (NTSTATUS, C++ 0xE06D7363 with the thrown type when the dump holds the throw information,
 * CLR, fail-fast subcodes); access violations say read / write / execute (DEP) and flag NULL-ish addresses.
 *
 * Verdicts: Positive for the primary exception and for each hidden exception with a valid CONTEXT; Info for
 * benign codes (thread naming, debug output, WER hang reports); Suspicious for a thread that shows
 * dispatching but whose CONTEXT could not be recovered; Negative when `.exr -1` has no record and no thread
 * dispatches; Info when `.exr -1` is not available or ntdll's types are missing.
 *
 * False positives: a thread may be dispatching an exception it will handle (first chance, C++ exceptions
 * used for control flow); RaiseException frames of the dump writer itself; a stale copy of a CONTEXT above
 * the dispatching frames (the scan; its rows say Source "heuristic"). The primary exception of a hang dump
 * written by WER is the pseudo-code 0xCFFFFFFF, not a fault.
 *
 * @function ExceptionStackTraces
 * @memberof Ewmda
 * @returns {ResultSet} One row per exception: Kind (Primary / Hidden / Dispatching), Thread, Code, Exception, Detail, Address, Symbol, FaultingModule, FirstChance, ContextAddress, ExceptionRecordAddress, Anchor, Frames, FramesFrom, Verdict, Evidence, Source.
 * @example dx @$ewmda.ExceptionStackTraces()
 * @example dx -g @$ewmda.ExceptionStackTraces().Where(r => r.Kind == "Hidden")
 * @example !ewmda.exceptions
 */
export const exceptionStackTraces = defineAnalysis({
  meta: {
    name: "ExceptionStackTraces",
    command: "exceptions",
    summary: "The primary exception (.exr -1, .ecxr) and hidden ones recovered from dispatching threads, with their stacks",
    patterns: ["Exception Stack Trace"],
    targets: "user",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Kind", type: "string", help: "Primary (.exr -1), Hidden (recovered from a dispatching thread) or Dispatching (no record recovered)" },
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "Code", type: "hex", help: "Exception code (NTSTATUS or application-defined)" },
      { name: "Exception", type: "string", help: "Name and meaning of the code" },
      { name: "Detail", type: "string", help: "What the parameters say: access kind and address, fail-fast subcode, C++ type" },
      { name: "Address", type: "address", help: "ExceptionAddress: where the exception was raised" },
      { name: "Symbol", type: "string", help: "Symbol of the exception address" },
      { name: "FaultingModule", type: "string", help: "First module of the exception stack outside the exception machinery (ntdll, kernelbase, C runtime)" },
      { name: "FirstChance", type: "bool", help: "First chance (true) or second chance (false), from .lastevent; primary exception only", table: false },
      { name: "ContextAddress", type: "address", help: "Address of the recovered CONTEXT (.cxr <address>)", table: false },
      { name: "ExceptionRecordAddress", type: "address", help: "Address of the recovered EXCEPTION_RECORD (.exr <address>)", table: false },
      { name: "Anchor", type: "string", help: "The dispatching frame the exception was found from", table: false },
      { name: "Frames", type: "string", help: "The exception stack, innermost frame first", table: false },
      { name: "FramesFrom", type: "string", help: "Where Frames come from: .ecxr (kn under the exception context), context (the thread's frames from the CONTEXT's instruction pointer on) or thread (its current stack)", table: false },
    ],
    settings: {
      EcxrStack: {
        default: true,
        help: "Read the primary exception's stack with `.ecxr; kn` (then `.cxr` resets the register scope)",
        reason: "the exception context's stack is the exact faulting stack; without it the faulting thread's own frames are used",
      },
      ScanBytes: {
        default: 0x3000,
        help: "Stack bytes scanned above the first dispatching frame for CONTEXT / EXCEPTION_RECORD pairs",
        reason: "RtlDispatchException, RaiseException and the unhandled-exception filter keep their records within a few KiB; 12 KiB holds an x64 CONTEXT (0x4d0) many times over",
      },
      RecordProbeBytes: {
        default: 0x40,
        help: "Bytes past the end of a KiUserExceptionDispatcher CONTEXT searched for its EXCEPTION_RECORD",
        reason: "Windows 7+ puts a CONTEXT_EX (0x18-0x20 bytes, 16-byte aligned) between them, older systems nothing",
      },
      MaxCandidates: {
        default: 64,
        help: "CONTEXT / EXCEPTION_RECORD candidates validated per thread",
        reason: "bounds typed reads on stacks full of pointers; a real dispatch needs a handful",
      },
      MaxFrames: {
        default: 16,
        help: "Frames kept in the Frames column",
        reason: "the faulting function and its callers; kn on the row's Evidence shows the rest",
      },
      FallbackStackBytes: {
        default: 0x100000,
        help: "Stack size assumed above the stack pointer when the TEB cannot be read",
        reason: "1 MiB is the default reserved stack size of Windows executables",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    for (const a of args) {
      if (a !== undefined && a !== null) {
        ctx.summary("ExceptionStackTraces: takes no arguments");
        yield { Verdict: "Info", Evidence: "ExceptionStackTraces takes no arguments (got " + String(a) + "); filter the rows instead: .Where(r => r.Thread == 0x1a4)", Source: "heuristic" };
        return;
      }
    }
    if (t.isKernel()) {
      ctx.summary("ExceptionStackTraces: kernel target");
      yield { Verdict: "Info", Evidence: "kernel target: this analysis reads a process dump's exception; use .bugcheck, !analyze -v and .trap/.cxr from the bugcheck parameters", Source: "typed" };
      return;
    }

    const ps = t.pointerSize();
    const threads = t.threads();
    const types = exceptionTypes(t);
    const exrLines = run(".exr -1");
    const exr = exrLines instanceof Unavailable ? undefined : parseExr(exrLines);
    const lastLines = run(".lastevent");
    const last = lastLines instanceof Unavailable ? undefined : parseLastEvent(lastLines);

    // Hidden exceptions: every thread whose frames show dispatching.
    interface Found { thread: ThreadRef; frames: readonly FrameInfo[]; anchors: FrameInfo[]; recovered: Recovered[]; problem: string | undefined }
    const dispatching: Found[] = [];
    let unreadableStacks = 0;
    for (const s of t.threadStacks()) {
      if (s.frames instanceof Unavailable) { unreadableStacks++; continue; }
      const frames = s.frames as readonly FrameInfo[];
      const anchors = frames.filter((f) => matchesAny(f.func, DISPATCH_FUNCTIONS));
      if (!anchors.length) continue;
      if (typeof types === "string") {
        dispatching.push({ thread: s.thread, frames, anchors, recovered: [], problem: types });
        continue;
      }
      const dispatcherSps: Int64[] = [];
      let lowest: Int64 | undefined;
      for (const f of anchors) {
        if (!f.sp) continue;
        if (matchesFunction(f.func, DISPATCHER)) dispatcherSps.push(f.sp);
        if (!lowest || compareU64(f.sp, lowest) < 0) lowest = f.sp;
      }
      // x86 passes (record, context) pointers just below or at the dispatcher's frame: start a little lower.
      const scanFrom = lowest ? addTo(lowest, types.arch === "x86" ? -8 * ps : 0) : undefined;
      const r = recoverThread(t, types, s.thread, dispatcherSps, scanFrom, {
        recordProbeBytes: cfg.RecordProbeBytes, scanBytes: cfg.ScanBytes, maxCandidates: cfg.MaxCandidates, fallbackStackBytes: cfg.FallbackStackBytes,
      });
      dispatching.push({ thread: s.thread, frames, anchors, recovered: r.found, problem: r.problem });
    }

    const rows: Row[] = [];
    let primaryThread: number | undefined;
    let merged: Recovered | undefined;
    if (exr && exr.kind === "record") {
      const address = parseAddress(exr.address);
      // The same exception recovered from a thread's stack gives the primary row its CONTEXT and record.
      let owner: Found | undefined;
      for (const d of dispatching) {
        for (const r of d.recovered) {
          if (!merged && r.record && address && r.record.code === exr.code && same(r.record.exceptionAddress, address) &&
            (!last || last.threadId === d.thread.id)) { merged = r; owner = d; }
        }
      }
      const current = t.currentThread();
      primaryThread = last ? last.threadId : owner ? owner.thread.id : current ? current.id : undefined;
      rows.push(primaryRow(t, cfg, exr, address, last, primaryThread, owner, merged, current !== undefined && primaryThread === current.id));
    }

    let hidden = 0;
    let unrecovered = 0;
    for (const d of dispatching) {
      for (const r of d.recovered) {
        if (r === merged) continue;
        hidden++;
        rows.push(hiddenRow(t, cfg, d.thread, d.frames, d.anchors, r));
      }
      if (!d.recovered.length) {
        unrecovered++;
        rows.push(unrecoveredRow(t, d.thread, d.anchors, d.problem, typeof types === "string", d.thread.id === primaryThread));
      }
    }
    for (const r of rows) yield r;

    const examined = threads.length + " threads" + (unreadableStacks ? " (" + unreadableStacks + " without readable frames)" : "");
    if (typeof types === "string" && dispatching.length) {
      yield { Verdict: "Info", Evidence: types + ": the CONTEXT and EXCEPTION_RECORD of " + dispatching.length + " dispatching thread(s) cannot be recovered", Source: "typed" };
    }
    if (!exr || exr.kind === "unrecognized") {
      const why = exrLines instanceof Unavailable ? exrLines.reason : "its output is not an exception record: \"" + (exr ? exr.text : "") + "\"";
      yield {
        Verdict: "Info", Source: "command",
        Evidence: ".exr -1 is not available (" + why + "): the primary exception is unknown; " + dispatching.length + " of " + examined +
          " show exception dispatching (.lastevent and .ecxr on the dump in WinDbg give the primary exception)",
      };
    } else if (exr.kind === "none" && !dispatching.length) {
      yield {
        Verdict: "Negative", Source: "command",
        Evidence: "no exception: .exr -1 says \"" + exr.text + "\" and 0 of " + examined + " show exception dispatching (KiUserExceptionDispatcher, RtlDispatchException, RaiseException, _CxxThrowException, UnhandledExceptionFilter, WerpReportFault)",
      };
    }
    const primaryText = exr && exr.kind === "record" ? "primary " + hex(exr.code) + (primaryThread !== undefined ? " on thread 0x" + primaryThread.toString(16) : "") : exr && exr.kind === "none" ? "no primary exception" : "primary exception unknown";
    ctx.summary("ExceptionStackTraces: " + primaryText + ", " + hidden + " hidden recovered, " + unrecovered + " dispatching thread(s) without a record; " + examined + " examined");
  },

  rowText(row) {
    if (row.Kind === undefined) return row.Verdict + ": " + row.Evidence;
    if (row.Kind === "Dispatching") return "Dispatching thread 0x" + Number(row.Thread).toString(16) + ": " + String(row.Anchor) + " (no record recovered)";
    const tid = typeof row.Thread === "number" ? "thread 0x" + row.Thread.toString(16) : "thread ?";
    const code = typeof row.Code === "number" ? " " + hex(row.Code) : "";
    const at = typeof row.Symbol === "string" ? " at " + row.Symbol : "";
    return String(row.Kind) + " " + tid + code + at + (typeof row.Detail === "string" ? ": " + row.Detail : "");
  },
});

interface Settings { readonly EcxrStack: boolean; readonly MaxFrames: number }

function symbolOf(t: Target, address: Int64): string {
  const m = t.modules().find(address);
  return m ? t.symbolize(address, m).text : t.formatAddress(address);
}

/** The frames from the one whose address is `ip` on (searching from `from`), else from `from`. */
function framesFrom(frames: readonly FrameInfo[], ip: Int64, from: number): { list: readonly FrameInfo[]; fromContext: boolean } {
  for (let j = Math.max(0, from); j < frames.length; j++) if (same(frames[j]!.ip, ip)) return { list: frames.slice(j), fromContext: true };
  return { list: frames.slice(Math.max(0, from)), fromContext: false };
}

function faultingModule(t: Target, frames: readonly FrameInfo[], address: Int64 | undefined): string | undefined {
  for (const f of frames) {
    if (f.module && !matchesAny(f.module.symbolName, SYSTEM_MODULES)) return f.module.name;
  }
  const m = address ? t.modules().find(address) : undefined;
  return m ? m.name : undefined;
}

/** The same from `kn` call sites (`module!function+0x..`, `module+0x..`). */
function faultingModuleOfText(t: Target, callSites: readonly string[], address: Int64 | undefined): string | undefined {
  for (const site of callSites) {
    const name = site.split(/[!+]/)[0]!;
    if (name && !matchesAny(name, SYSTEM_MODULES)) {
      const m = t.modules().byName(name);
      return m ? m.name : name;
    }
  }
  return faultingModule(t, [], address);
}

function frameText(list: readonly string[], max: number): string {
  return list.slice(0, max).join(" <- ") + (list.length > max ? " <- ... (" + (list.length - max) + " more)" : "");
}

function detailOf(t: Target, code: number, parameters: readonly string[], flags: number | undefined, cppType: string | undefined, nested: Int64 | undefined): string | undefined {
  const parts: string[] = [];
  const meaning = describeParameters(code, parameters, t.pointerSize());
  if (meaning) parts.push(meaning.detail);
  if (cppType) parts.push("type " + cppType);
  if (flags) parts.push("flags " + exceptionFlagsText(flags));
  if (nested && !same(nested, fromHalves(0, 0))) parts.push("chained record at " + t.formatAddress(nested) + " (.exr " + t.formatAddress(nested) + ")");
  return parts.length ? parts.join("; ") : undefined;
}

function verdictOf(code: number): "Positive" | "Info" {
  const info = exceptionCodeInfo(code);
  return info && info.benign ? "Info" : "Positive";
}

function benignNote(code: number): string {
  const info = exceptionCodeInfo(code);
  return info && info.benign ? " (benign: " + info.benign + ")" : "";
}

function primaryRow(t: Target, cfg: Settings, exr: ExrRecord, address: Int64 | undefined, last: LastEvent | undefined, tid: number | undefined,
  owner: { frames: readonly FrameInfo[]; anchors: FrameInfo[] } | undefined, merged: Recovered | undefined, isCurrent: boolean): Row {
  // The stack: .ecxr; kn, else the recovered context's frames, else the thread's own frames.
  let frames: string[] | undefined;
  let from = "thread";
  let exceptionFrames: readonly FrameInfo[] = [];
  if (cfg.EcxrStack) {
    const lines = run(".ecxr;kn;.cxr");
    if (!(lines instanceof Unavailable) && !/unable to get exception context|no exception/i.test(lines.join("\n"))) {
      const parsed = parseStackText(lines);
      if (parsed.length) { frames = parsed.map((f) => f.callSite); from = ".ecxr"; }
    }
  }
  const thread = tid !== undefined ? t.findThread(tid) : undefined;
  const threadFrames = owner ? owner.frames : thread ? t.threadStack(thread).frames : undefined;
  if (Array.isArray(threadFrames) && address) {
    const list = threadFrames as readonly FrameInfo[];
    const anchor = merged && owner ? owner.anchors.filter((a) => a.sp && same(a.sp, merged.context.address))[0] : undefined;
    const r = framesFrom(list, merged ? merged.context.ip : address, anchor ? anchor.index + 1 : 0);
    exceptionFrames = r.list;
    if (!frames) { frames = r.list.map((f) => f.symbol); from = r.fromContext ? "context" : "thread"; }
  }
  let cppType = exr.cppTypes.length ? exr.cppTypes[0] : undefined;
  if (!cppType && exr.code === 0xe06d7363) cppType = cppThrowType(t, exr.parameters.map((p) => parseAddress(p)).filter((p): p is Int64 => p !== undefined));
  const cxr = merged ? "; .cxr " + t.formatAddress(merged.context.address) + "; kn" : "; .ecxr; kn";
  const tidText = tid !== undefined ? "0x" + tid.toString(16) : "?";
  return {
    Kind: "Primary" as Kind,
    Thread: tid,
    Code: exr.code,
    Exception: exceptionCodeText(exr.code) + benignNote(exr.code),
    Detail: detailOf(t, exr.code, exr.parameters, exr.flags, cppType, merged && merged.record ? merged.record.nested : undefined),
    Address: address,
    Symbol: address ? symbolOf(t, address) : exr.location,
    FaultingModule: from === ".ecxr" && frames ? faultingModuleOfText(t, frames, address) : faultingModule(t, exceptionFrames, address),
    FirstChance: last ? (last.firstChance === undefined ? notAvailable(".lastevent: " + last.description) : last.firstChance) : notAvailable(".lastevent gave no event"),
    ContextAddress: merged ? merged.context.address : undefined,
    ExceptionRecordAddress: merged && merged.record ? merged.record.address : undefined,
    Anchor: merged ? "the dump's exception record; also at the thread's KiUserExceptionDispatcher frame" : "the dump's exception record (.exr -1)",
    Frames: frames ? frameText(frames, cfg.MaxFrames) : notAvailable("no frames for thread " + tidText + (isCurrent ? "" : " (.ecxr; kn shows them)")),
    FramesFrom: frames ? from : undefined,
    Verdict: verdictOf(exr.code),
    Evidence: (tid !== undefined ? "~~[" + tid.toString(16) + "]s; " : "") + ".exr -1" + cxr + (last ? "; .lastevent: " + last.description : ""),
    Source: "command" as Source,
  };
}

function hiddenRow(t: Target, cfg: Settings, thread: ThreadRef, frames: readonly FrameInfo[], anchors: readonly FrameInfo[], r: Recovered): Row {
  const c = r.context;
  const rec: RecordValues | undefined = r.record;
  // The frame the record was found at, else the dispatcher frame (x86 arguments), else the first dispatching frame.
  const atFrame = anchors.filter((a) => a.sp && same(a.sp, c.address))[0];
  const dispatcher = anchors.filter((a) => matchesFunction(a.func, DISPATCHER))[0];
  const anchor = atFrame || dispatcher || anchors[0]!;
  const start = atFrame || dispatcher ? anchor.index + 1 : anchor.index;
  const f = framesFrom(frames, c.ip, start);
  const address = rec ? rec.exceptionAddress : c.ip;
  const reporting = anchors.some((a) => matchesAny(a.func, REPORTING));
  let cppType: string | undefined;
  if (rec && rec.code === 0xe06d7363) cppType = cppThrowType(t, rec.parameters);
  const tid = thread.id.toString(16);
  return {
    Kind: "Hidden" as Kind,
    Thread: thread.id,
    Code: rec ? rec.code : undefined,
    Exception: rec ? exceptionCodeText(rec.code) + benignNote(rec.code) : notAvailable("no EXCEPTION_RECORD was found next to the CONTEXT"),
    Detail: rec ? detailOf(t, rec.code, hexList(rec.parameters), rec.flags, cppType, rec.nested) : undefined,
    Address: address,
    Symbol: symbolOf(t, address),
    FaultingModule: faultingModule(t, f.list, address),
    FirstChance: undefined,
    ContextAddress: c.address,
    ExceptionRecordAddress: rec ? rec.address : undefined,
    Anchor: anchor.func + " (frame " + anchor.index + ", " + r.method + ")" + (reporting ? "; the thread is reporting it to WER" : ""),
    Frames: frameText(f.list.map((x) => x.symbol), cfg.MaxFrames),
    FramesFrom: f.fromContext ? "context" : "thread",
    Verdict: rec ? verdictOf(rec.code) : "Positive",
    Evidence: "~~[" + tid + "]s; .cxr " + t.formatAddress(c.address) + "; kn" + (rec ? "; .exr " + t.formatAddress(rec.address) : "") +
      (f.fromContext ? "" : " (the thread's frames do not pass through the CONTEXT's " + t.formatAddress(c.ip) + ": kn after .cxr shows its stack)"),
    Source: (r.method === "dispatcher frame" ? "typed" : "heuristic") as Source,
  };
}

function unrecoveredRow(t: Target, thread: ThreadRef, anchors: readonly FrameInfo[], problem: string | undefined, noTypes: boolean, isPrimary: boolean): Row {
  const a = anchors[0]!;
  const tid = thread.id.toString(16);
  const names = anchors.map((x) => x.func + " (frame " + x.index + ")");
  const unique = names.filter((n, i) => names.indexOf(n) === i);
  const why = noTypes ? problem || "ntdll's types are missing" : problem ? "no valid CONTEXT found: " + problem : "no CONTEXT or EXCEPTION_RECORD found above the dispatching frames";
  return {
    Kind: "Dispatching" as Kind,
    Thread: thread.id,
    Anchor: unique.join(", "),
    // The primary exception's thread dispatches the exception the Primary row already names: context, not a finding.
    Verdict: isPrimary ? "Info" : "Suspicious",
    Evidence: "~~[" + tid + "]s; kn: thread 0x" + tid + " shows exception dispatching at " + unique[0] + (a.sp ? " (Child-SP " + t.formatAddress(a.sp) + ")" : "") + "; " + why +
      (isPrimary ? " (the primary exception's thread: .ecxr gives its context)" : ""),
    Source: "heuristic" as Source,
  };
}

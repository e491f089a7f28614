import { defineAnalysis, type Row } from "../lib/analysis";
import { comparePair, formatAddress, fromHalves, halvesOf, isInt64, type Int64 } from "../lib/int64";
import { memoryRegions, unloadedModules } from "../lib/memory-places";
import { boolOptions, parseBool, selectThreads, threadArguments } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { threadStackRanges, type StackToScan } from "../lib/stack-ranges";
import { matchesFunction, type FrameInfo } from "../lib/stacks";
import type { Target, ThreadRef } from "../lib/target";
import { ValueClassifier } from "../lib/value-class";
import { notAvailable, Unavailable, type Source, type Verdict } from "../lib/values";

const OPTION_NAMES = ["Threads", "Details", "Strings", "Regions"];

/** What one stack's residue holds. */
interface StackFindings {
  slots: number;
  unreadableBytes: number;
  /** Code pointers per module (live and dead), by module name. */
  readonly codeByModule: { [m: string]: number };
  /** Residue return addresses (not disproved) per module absent from the live stack: verified / unverifiable. */
  readonly notLive: { [m: string]: { verified: number; unverified: number } };
  /** Dead return addresses, ascending address: `symbol` (verified) or `symbol?`. */
  readonly pastCalls: string[];
  readonly hints: { text: string; address: Int64; value: Int64 }[];
  readonly unloaded: { text: string; address: Int64 }[];
  readonly rawCode: { text: string; address: Int64 }[];
  strings: number;
  readonly statuses: string[];
  /** Live return addresses above the outermost walked frame: the walk may have stopped early, so they are not judged. */
  beyondWalk: number;
}

/**
 * Execution Residue (unmanaged space, user), in depth: for each thread, what its stack remembers beyond its
 * live frames: modules whose code was called but is no longer on the stack, the past call sequence, exception
 * dispatching that left no live frame, pointers into unloaded modules, strings and status codes.
 *
 * The pattern: a thread's stack keeps return addresses, code and data pointers, strings and error codes of
 * calls that already returned, below the stack pointer (dead residue) and between live frames. They show
 * components that were recently involved, hidden exceptions and partial past stack traces.
 *
 * Detection: each stack (TEB NtTib range; both stacks of a WOW64 thread) is read in bulk chunks and every slot
 * classified against the module index, the threads' stacks and the unloaded-module ranges `lm` lists (one `lm`
 * per call). A code pointer counts as a return address unless the bytes before it are in the dump and are not a
 * call instruction (`ub` shows them); each distinct value is symbolized and checked once. Slots below the stack
 * pointer are dead (Live false). Per stack, a summary row gives: modules in the residue (code pointers per
 * module), modules with return addresses in the residue but absent from the live stack (verified: a call
 * precedes them), the past call sequence (dead return addresses in ascending address order, innermost first,
 * like `k`; `?` marks those whose call could not be checked), exception-dispatch residue
 * (`Config.ExecutionResidue.DispatchFunctions` not on the live stack), unloaded-module and raw-code pointers,
 * strings and NTSTATUS / HRESULT values.
 *
 * Verdicts: Positive when the residue points to something absent from the live stack: exception dispatching,
 * an unloaded module, executable memory outside images (with Regions), or a module reached by a verified call.
 * Info summarizes a stack with nothing of that; one Negative row says what was examined when no stack has any.
 *
 * False positives: any value inside a module looks like a code pointer ("coincidental symbolic information");
 * only verified return addresses make a module-not-live finding, and a dispatch function counts only when its
 * call is not disproved. Old residue can come from an exception that was handled long ago.
 *
 * Options: Threads (ids, default all; or the thread id argument), Details (one row per notable slot: code
 * pointers, strings, status codes, unloaded and raw-code pointers; default on for one thread), Strings (false:
 * leave string fragments out of the details), Regions (run `!address` once to tell executable memory outside
 * images).
 *
 * @function ExecutionResidue
 * @memberof Ewmda
 * @param {number} [tid] Thread id (default: every thread, summaries only).
 * @param {object|string} [options] `Threads`, `Details`, `Strings`, `Regions`; or a string such as `"details=true strings=false"`.
 * @returns {ResultSet} Per stack a summary row (Kind "Summary"), after its detail rows with Details: Thread, Stack, Address, Value, Kind, Symbol, Module, ReturnAddress, Live, Text, ModulesInResidue, ModulesNotLive, PastCalls, ExceptionHints, Strings, Verdict, Evidence, Source.
 * @example dx @$ewmda.ExecutionResidue()
 * @example dx -g @$ewmda.ExecutionResidue(0x1a4).Where(r => r.Live == false)
 * @example dx @$ewmda.ExecutionResidue().Where(r => r.Verdict == "Positive")
 * @example dx @$ewmda.ExecutionResidue(0x1a4, new { Strings = false })
 * @example !ewmda.residue
 * @example !ewmda.residue 0x1a4
 */
export const executionResidue = defineAnalysis({
  meta: {
    name: "ExecutionResidue",
    command: "residue",
    summary: "What each thread's stack remembers beyond its live frames: past calls, absent modules, hidden exceptions, unloaded modules, strings",
    patterns: ["Execution Residue (Unmanaged Space, User)"],
    targets: "user",
    version: "1.0.0",
    params: [
      { name: "tid", help: "thread id (default: every thread, summaries only)", optional: true },
      { name: "options", help: "Threads, Details, Strings, Regions", optional: true },
    ],
    options: [
      { name: "Threads", type: "string", help: "thread ids to examine (comma-separated), default all" },
      { name: "Details", type: "bool", help: "one row per notable slot besides the summaries (default: on for one thread)" },
      { name: "Strings", type: "bool", help: "false: leave string fragments out of the detail rows" },
      { name: "Regions", type: "bool", help: "run !address once to find pointers to executable memory outside images" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "Stack", type: "string", help: "native, or x86 (WOW64) / x64 (WOW64) for the other stack of a WOW64 thread" },
      { name: "Address", type: "address", help: "Address of the slot (detail rows)" },
      { name: "Value", type: "address", help: "Value stored in the slot (detail rows)" },
      { name: "Kind", type: "string", help: "Summary, or the slot's kind: CodePointer, ImagePointer, UnloadedModulePointer, RawCodePointer, String, Status" },
      { name: "Symbol", type: "string", help: "module!symbol+0xoff of a code pointer, <Unloaded_x.dll>+0xoff of an unloaded-module pointer" },
      { name: "Module", type: "string", help: "Image a code pointer points into" },
      { name: "ReturnAddress", type: "bool", help: "A call instruction ends right before the code pointer; unreadable when the code is not in the dump", table: false },
      { name: "Live", type: "bool", help: "The slot is at or above the stack pointer (live frames) rather than below it (dead residue)" },
      { name: "Text", type: "string", help: "String fragment or status code at the slot" },
      { name: "ModulesInResidue", type: "string", help: "Summary: code pointers per module in the whole stack, most first", table: false },
      { name: "ModulesNotLive", type: "string", help: "Summary: modules with return addresses in the residue that no live frame is in (verified: a call precedes them)" },
      { name: "PastCalls", type: "string", help: "Summary: dead return addresses in ascending address order (innermost first, like k); ? marks unverifiable ones", table: false },
      { name: "ExceptionHints", type: "string", help: "Summary: exception-dispatch functions in the residue that are not on the live stack" },
      { name: "Strings", type: "int", help: "Summary: string fragments in the stack", table: false },
    ],
    settings: {
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request", reason: "64 KiB reads a 1 MiB stack in 16 requests; larger reads fail more often on partly captured stacks" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
      FallbackScanBytes: { default: 0x100000, help: "How far above the stack pointer to scan when the TEB cannot be read", reason: "1 MiB is the default reserved stack size of Windows executables" },
      MaxRows: { default: 100000, help: "Detail rows kept per call", reason: "summaries are always complete; more detail than this belongs in RawStack or RegionProfile with Export" },
      MaxPastCalls: { default: 24, help: "Return addresses listed in PastCalls", reason: "a screenful of the innermost past calls; RawStack lists all" },
      MinStringChars: { default: 5, help: "Printable characters a string fragment needs", reason: "one more than strings(1): stacks hold many 4-byte printable numbers" },
      MaxStringChars: { default: 64, help: "Characters of a fragment shown in Text", reason: "enough to recognize a path or a message" },
      DispatchFunctions: {
        default: [
          "ntdll!KiUserExceptionDispatch*", "ntdll!KiRaiseUserExceptionDispatcher", "ntdll!RtlDispatchException", "ntdll!RtlRaiseException",
          "ntdll!RtlpExecuteHandlerForException", "ntdll!RtlpCallVectoredHandlers", "ntdll!RtlUnwindEx", "ntdll!__C_specific_handler",
          "kernelbase!RaiseException", "kernelbase!RaiseFailFastException", "kernelbase!UnhandledExceptionFilter", "*!_CxxThrowException", "*!__CxxFrameHandler*",
        ],
        help: "Functions whose return addresses in residue show exception dispatching (module!function, * wildcards)",
        reason: "the user-mode exception path: the kernel's dispatcher entry, the dispatch and handler loop, raising, the unhandled filter, C++ throw and frame handlers",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const parsed = parseArguments(args);
    if (typeof parsed === "string") {
      ctx.summary("ExecutionResidue: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    if (t.isKernel()) {
      ctx.summary("ExecutionResidue: user threads only");
      yield info("ExecutionResidue reads user-mode stacks; on a kernel target use KernelExecutionResidue (or .process /r /p <process> first in a complete dump)", "heuristic");
      return;
    }
    const selected = selectThreads(t, parsed.threads);
    for (const p of selected.problems) yield info(p, "typed");
    const threads = selected.threads;
    if (threads.length === 0 && parsed.threads) { ctx.summary("ExecutionResidue: no such thread"); return; }
    const details = parsed.details !== undefined ? parsed.details : parsed.threads !== undefined && parsed.threads.length === 1;

    const unloaded = unloadedModules(t);
    const regions = parsed.regions ? memoryRegions(t) : undefined;
    const patterns = cfg.DispatchFunctions;
    let shown = 0;
    let dropped = 0;
    let positives = 0;
    let stacksScanned = 0;
    let slotsScanned = 0;
    let slotsUnreadable = 0;
    let stopped = false;

    for (const thread of threads) {
      if (ctx.budget.exceeded()) { stopped = true; break; }
      const tidText = "0x" + thread.id.toString(16);
      const { stacks, problem } = threadStackRanges(t, thread, cfg.FallbackScanBytes);
      if (problem) {
        yield { Thread: thread.id, Kind: "Summary", Verdict: "Info", Evidence: "thread " + tidText + ": no stack range: " + problem + " (try !teb, .reload /f ntdll.dll)", Source: "typed" };
        continue;
      }
      const live = t.threadStack(thread);
      const frames: readonly FrameInfo[] | undefined = live.frames instanceof Unavailable ? undefined : live.frames as readonly FrameInfo[];
      const liveModules: { [m: string]: boolean } = {};
      const liveFunctions: string[] = [];
      if (frames) for (const f of frames) { if (f.module) liveModules[f.module.name] = true; liveFunctions.push(f.func); }
      const onLiveStack = (fn: string) => liveFunctions.some((x) => x.toLowerCase() === fn.toLowerCase());

      for (const stack of stacks) {
        stacksScanned++;
        const source: Source = stack.source === "teb" ? "typed" : "heuristic";
        if (stack.note) {
          yield info("thread " + tidText + ": " + stack.note + "; scanning " + t.formatAddress(stack.limit) + " - " + t.formatAddress(stack.base) + " from the stack pointer instead", "heuristic");
        }
        const found: StackFindings = {
          slots: 0, unreadableBytes: 0, codeByModule: {}, notLive: {}, pastCalls: [], hints: [], unloaded: [], rawCode: [], strings: 0, statuses: [], beyondWalk: 0,
        };
        const detailRows: Row[] = [];
        const keep = (row: Row) => {
          if (!details) return;
          if (shown < cfg.MaxRows) { shown++; detailRows.push(row); } else dropped++;
        };
        scanStack(t, stack, thread, cfg, unloaded, regions, found, patterns, onLiveStack, liveModules, frames !== undefined,
          stack.label === "native" && frames ? walkEnd(frames) : undefined, parsed.strings, keep);
        slotsScanned += found.slots;
        slotsUnreadable += found.unreadableBytes / stack.slotBytes;
        yield* detailRows;
        const row = summaryRow(t, thread, stack, found, frames, source);
        if (row.Verdict === "Positive") positives++;
        yield row;
      }
    }

    if (stopped) yield info("stopped at the time budget after " + stacksScanned + " stacks; the rows above are complete for those", "heuristic");
    if (dropped > 0) yield info(dropped + " more detail rows were not kept (Config.ExecutionResidue.MaxRows = " + cfg.MaxRows + ")", "heuristic");
    if (unloaded.note) yield info(unloaded.note, "command");
    if (regions && regions.note) yield info(regions.note, "command");
    if (positives === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 stacks with residue absent from their live stacks (exception dispatching, unloaded modules, verified calls into other modules) among " +
          stacksScanned + " stacks of " + threads.length + " threads (" + slotsText(slotsScanned, slotsUnreadable) + ")",
      };
    }
    ctx.summary("ExecutionResidue: " + positives + " of " + stacksScanned + " stacks with residue absent from the live stack; " + threads.length + " threads, " + slotsScanned + " slots scanned" + (slotsUnreadable ? " (" + slotsUnreadable + " not in the dump)" : ""));
  },

  rowText(row, c) {
    if (row.Kind === "Summary") {
      return "Thread 0x" + Number(row.Thread).toString(16) + " " + String(row.Stack ?? "") + ": " + row.Verdict + ": " + row.Evidence;
    }
    if (row.Kind === undefined || !isInt64(row.Address)) return row.Verdict + ": " + row.Evidence;
    const parts = [formatAddress(row.Address, c.pointerSize), isInt64(row.Value) ? formatAddress(row.Value, c.pointerSize) : "", String(row.Kind)];
    if (typeof row.Symbol === "string") parts.push(row.Symbol);
    if (typeof row.Text === "string") parts.push(row.Text);
    if (row.Live === false) parts.push("(dead)");
    return parts.filter((p) => p !== "").join("  ");
  },
});

type Cfg = { ChunkBytes: number; PageBytes: number; MinStringChars: number; MaxStringChars: number; MaxPastCalls: number };

function scanStack(t: Target, stack: StackToScan, thread: ThreadRef, cfg: Cfg,
  unloaded: ReturnType<typeof unloadedModules>, regions: ReturnType<typeof memoryRegions> | undefined, found: StackFindings,
  patterns: readonly string[], onLiveStack: (fn: string) => boolean, liveModules: { [m: string]: boolean }, haveLive: boolean,
  walkTop: readonly [number, number] | undefined, withStrings: boolean, keep: (row: Row) => void): void {
  const ps = stack.slotBytes;
  const per = ps / 4;
  const classifier = new ValueClassifier(t, stack, {
    unloaded: unloaded.available ? unloaded : undefined, regions: regions && regions.available ? regions : undefined,
    minStringChars: cfg.MinStringChars, maxStringChars: cfg.MaxStringChars,
  });
  const [spHi, spLo] = stack.sp ? halvesOf(stack.sp) : [0, 0];
  const source: Source = stack.source === "teb" ? "typed" : "heuristic";
  const dispatchCache: { [fn: string]: boolean } = {};
  const isDispatch = (fn: string) => {
    let v = dispatchCache[fn];
    if (v === undefined) { v = patterns.some((p) => matchesFunction(fn, p)); dispatchCache[fn] = v; }
    return v;
  };
  const base = { Thread: thread.id, Stack: stack.label, Source: source };
  const limitBytes = (() => { const [bh, bl] = halvesOf(stack.base); const [lh, ll] = halvesOf(stack.limit); return (bh - lh) * 4294967296 + (bl - ll); })();
  for (const block of slotBlocks(t, stack.limit, limitBytes, { slotBytes: ps, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes })) {
    found.slots += block.count;
    if (!block.words) { found.unreadableBytes += block.count * ps; continue; }
    classifier.startBlock();
    const words = block.words;
    let [aHi, aLo] = halvesOf(block.address);
    for (let i = 0; i < block.count; i++, aLo += ps) {
      if (aLo >= 4294967296) { aLo -= 4294967296; aHi++; }
      const kind = classifier.slot(words, i, block.count, per);
      if (kind !== "CodePointer" && kind !== "ImagePointer" && kind !== "UnloadedModulePointer" && kind !== "RawCodePointer" &&
        !(kind === "String" && classifier.text !== undefined) && kind !== "Status") continue;
      const address = fromHalves(aHi, aLo);
      const value = fromHalves(per === 2 ? words[i * 2 + 1]! >>> 0 : 0, words[i * per]! >>> 0);
      const liveSlot: boolean | Unavailable = stack.sp ? comparePair(aHi, aLo, spHi, spLo) >= 0 : notAvailable("no stack pointer for the " + stack.label + " stack");
      const evidence = "dps " + t.formatAddress(address) + " L1";
      if (kind === "String") {
        found.strings++;
        if (withStrings) keep({ ...base, Address: address, Value: value, Kind: kind, Text: classifier.text, Live: liveSlot, Verdict: "Info", Evidence: "dpa / dpu " + t.formatAddress(address) + " L1" });
        continue;
      }
      if (kind === "Status") {
        if (found.statuses.length < 8 && found.statuses.indexOf(classifier.text!) < 0) found.statuses.push(classifier.text!);
        keep({ ...base, Address: address, Value: value, Kind: kind, Text: classifier.text, Live: liveSlot, Verdict: "Info", Evidence: evidence + "; !error " + t.formatAddress(value) });
        continue;
      }
      if (kind === "UnloadedModulePointer" || kind === "RawCodePointer") {
        (kind === "UnloadedModulePointer" ? found.unloaded : found.rawCode).push({ text: classifier.text!, address });
        keep({ ...base, Address: address, Value: value, Kind: kind, Symbol: kind === "UnloadedModulePointer" ? classifier.text : undefined,
          Text: kind === "RawCodePointer" ? classifier.text : undefined, Live: liveSlot, Verdict: "Positive",
          Evidence: evidence + (kind === "UnloadedModulePointer" ? "; lm shows the module under Unloaded modules" : "; !address " + t.formatAddress(value)) });
        continue;
      }
      // Code pointers into loaded images.
      const m = classifier.module!;
      found.codeByModule[m.symbolName] = (found.codeByModule[m.symbolName] || 0) + 1;
      const ret = t.isReturnSite(value);
      const s = t.symbolize(value, m);
      let verdict: Verdict = "Info";
      // A live slot above the outermost frame the walk found: the walk may have stopped early (no unwind data in
      // the dump), so the slot can belong to a live frame it did not reach; neither "not live" nor a hidden dispatch.
      const beyond = ret !== false && liveSlot === true && walkTop !== undefined && comparePair(aHi, aLo, walkTop[0], walkTop[1]) > 0;
      if (beyond) found.beyondWalk++;
      if (ret !== false && !beyond) {
        const dead = liveSlot === false;
        if (dead && found.pastCalls.length < cfg.MaxPastCalls) {
          const text = s.text + (ret === true ? "" : "?");
          if (found.pastCalls[found.pastCalls.length - 1] !== text) found.pastCalls.push(text);
        }
        const plus = s.text.lastIndexOf("+0x");
        const fn = s.hasSymbol && plus > 0 ? s.text.slice(0, plus) : s.text;
        if (s.hasSymbol && isDispatch(fn) && !onLiveStack(fn)) {
          found.hints.push({ text: s.text, address, value });
          verdict = "Positive";
        }
        if (haveLive && !liveModules[m.name]) {
          const e = found.notLive[m.symbolName] || (found.notLive[m.symbolName] = { verified: 0, unverified: 0 });
          if (ret === true) { e.verified++; verdict = "Positive"; } else e.unverified++;
        }
      }
      keep({ ...base, Address: address, Value: value, Kind: kind, Symbol: s.text, Module: m.name, ReturnAddress: ret, Live: liveSlot, Verdict: verdict, Evidence: evidence + "; ub " + t.formatAddress(value) + " L1" });
    }
  }
}

function summaryRow(t: Target, thread: ThreadRef, stack: StackToScan, f: StackFindings,
  frames: readonly FrameInfo[] | undefined, source: Source): Row {
  const tidText = "0x" + thread.id.toString(16);
  const modules = Object.keys(f.codeByModule).sort((a, b) => f.codeByModule[b]! - f.codeByModule[a]! || (a < b ? -1 : 1));
  const notLiveNames = Object.keys(f.notLive).sort();
  const verified = notLiveNames.filter((m) => f.notLive[m]!.verified > 0);
  const notLive = frames === undefined ? notAvailable("the live stack of thread " + tidText + " could not be read") :
    notLiveNames.map((m) => {
      const e = f.notLive[m]!;
      return m + " (" + (e.verified ? e.verified + " verified" : "") + (e.verified && e.unverified ? ", " : "") + (e.unverified ? e.unverified + " unverifiable" : "") + ")";
    }).join(", ");
  const range = t.formatAddress(stack.limit) + " " + t.formatAddress(stack.base);
  const findings: string[] = [];
  if (f.hints.length) findings.push("exception dispatching not on the live stack: " + f.hints.slice(0, 3).map((h) => h.text).join(", "));
  if (f.unloaded.length) findings.push(f.unloaded.length + " pointers into unloaded modules (" + f.unloaded.slice(0, 3).map((u) => u.text).join(", ") + ")");
  if (f.rawCode.length) findings.push(f.rawCode.length + " pointers into executable memory outside images");
  if (verified.length) findings.push("verified calls into modules not on the live stack: " + verified.join(", "));
  const positive = findings.length > 0;
  const first = f.hints[0] || f.unloaded[0] || f.rawCode[0];
  const examined = f.slots + " slots of " + range + (f.unreadableBytes ? " (0x" + f.unreadableBytes.toString(16) + " bytes unreadable)" : "") +
    ", " + modules.length + " modules in the residue, " + (frames ? frames.length + " live frames" : "live stack unreadable") +
    (f.beyondWalk ? "; " + f.beyondWalk + " return addresses above the outermost walked frame not judged (the walk may have stopped early)" : "");
  const evidence = positive
    ? "thread " + tidText + " " + stack.label + " stack: " + findings.join("; ") + " (" + (first ? "dps " + t.formatAddress(first.address) + " L1; " : "") + "dpS " + range + "; k)"
    : "thread " + tidText + " " + stack.label + " stack: nothing absent from the live stack among " + examined + " (dpS " + range + ")";
  return {
    Thread: thread.id, Stack: stack.label, Kind: "Summary",
    ModulesInResidue: modules.slice(0, 12).map((m) => m + " (" + f.codeByModule[m] + ")").join(", ") + (modules.length > 12 ? ", ..." : ""),
    ModulesNotLive: notLive, PastCalls: f.pastCalls.join(" | "),
    ExceptionHints: f.hints.map((h) => h.text).join(", ") || (f.statuses.length ? "status codes only: " + f.statuses.join(", ") : ""),
    Strings: f.strings, Verdict: positive ? "Positive" : "Info", Evidence: evidence, Source: source,
  };
}

/** `2048 slots`, or `524288 slots, 523000 not in the dump`. */
function slotsText(slots: number, unreadable: number): string {
  return slots + " slots" + (unreadable ? ", " + unreadable + " not in the dump" : "");
}

/**
 * The stack pointer of the outermost frame the live walk found, as halves (undefined when no frame has one).
 * Slots above it are beyond what the walk can vouch for.
 */
function walkEnd(frames: readonly FrameInfo[]): [number, number] | undefined {
  let top: [number, number] | undefined;
  for (const f of frames) {
    let sp: Int64 | undefined;
    try { sp = f.sp; } catch (e) { sp = undefined; }
    if (!sp) continue;
    const h = halvesOf(sp);
    if (!top || comparePair(h[0], h[1], top[0], top[1]) > 0) top = h;
  }
  return top;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

/** (tid?, options?) from dx or a `!` command; a message when they make no sense. */
function parseArguments(args: readonly unknown[]): { threads: number[] | undefined; details: boolean | undefined; strings: boolean; regions: boolean } | string {
  const a = threadArguments(args, OPTION_NAMES);
  if (typeof a === "string") return a;
  const flags = boolOptions(a.options, { Strings: true, Regions: false });
  if (typeof flags === "string") return flags;
  let details: boolean | undefined;
  if (a.options.Details !== undefined) {
    const d = parseBool(a.options.Details, "Details");
    if (typeof d === "string") return d;
    details = d;
  }
  return { threads: a.threads, details, strings: flags.Strings, regions: flags.Regions };
}

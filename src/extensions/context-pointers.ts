import { defineAnalysis, type Row } from "../lib/analysis";
import { addTo, compareU64, formatAddress, halvesOf, isInt64, type Int64 } from "../lib/int64";
import { exceptionCodeText } from "../lib/exception-codes";
import { contextFlagsPlausible, contextProblems, exceptionTypes, readContext, readRecord, type ContextValues, type ExceptionTypes, type RecordValues } from "../lib/exception-context";
import { selectThreads, threadArguments } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { matchesFunction } from "../lib/stacks";
import type { Target, ThreadRef } from "../lib/target";
import { Unavailable, type Source } from "../lib/values";

const OPTION_NAMES = ["Threads"];

/** User-mode and kernel-mode code selectors (x64: 0x33 / 0x10; x86: 0x1b / 0x08, 0x23 for a WOW64 32-bit context). */
const CODE_SELECTORS: { readonly [arch: string]: readonly number[] } = { x64: [0x33, 0x10, 0x23], x86: [0x1b, 0x08, 0x23] };

interface Candidate {
  readonly context: ContextValues;
  readonly record: RecordValues | undefined;
  readonly anchor: string;
  readonly score: number;
}

/**
 * Context Pointer: saved processor contexts (CONTEXT records) on thread stacks, found by their signature and
 * validated, each offered as something to switch to (`.cxr <address>`), with the exception record that goes with
 * it when one is beside it.
 *
 * The pattern (Context Pointer): exception dispatching, SetThreadContext/GetThreadContext, APC delivery and fibers
 * leave CONTEXT records on stacks. Applying one with `.cxr` shows a stack the normal unwind hides: the original
 * exception under a secondary one, or the code a thread ran before it was redirected.
 *
 * Detection: each thread's stack is read in bulk chunks and every aligned offset (16 bytes on x64 and ARM64, 4 on
 * x86) is tested in the script: ContextFlags (at its offset in ntdll's `_CONTEXT`) must name the target's
 * architecture with CONTEXT_CONTROL, and on x86/x64 SegCs must be a code selector. Survivors are read as typed
 * `_CONTEXT` objects and validated as ExceptionStackTraces validates them (shared code): the stack pointer inside
 * the stack that holds the record, the instruction pointer inside a module. An EXCEPTION_RECORD whose
 * ExceptionAddress is the context's instruction pointer is looked for right after the CONTEXT (where
 * KiUserExceptionDispatcher's frame has it) and in the pointer pairs around it. Anchor says how a context was
 * found: "dispatcher frame" (at the stack pointer of a KiUserExceptionDispatcher frame) or "scan". Score counts
 * the checks passed (flags, selector, stack pointer, instruction pointer, record). Identical contexts (same
 * instruction and stack pointer) are reported once.
 *
 * Verdicts: Positive for a valid context whose instruction pointer is not one of the thread's live frames (a
 * hidden stack trace: switch to it); Info for one that matches a live frame (the context of the current
 * dispatch); Negative when no stack holds one.
 *
 * False positives: stale partial copies of a CONTEXT pass the checks; the 32-bit CONTEXT of a WOW64 thread's
 * other stack is not searched.
 *
 * @function ContextPointers
 * @memberof Ewmda
 * @param {number} [tid] Thread id (default: every thread).
 * @param {object|string} [options] `Threads` (comma-separated ids); or a string such as `"threads=0x1a4,0x2b0"`.
 * @returns {ResultSet} One row per saved context: Thread, Address, Anchor, IP, Symbol, SP, Record, Code, Score, Live, Verdict, Evidence (the .cxr command), Source.
 * @example dx @$ewmda.ContextPointers()
 * @example dx -g @$ewmda.ContextPointers(0x1a4)
 * @example !ewmda.contextpointers
 * @example !ewmda.contextpointers 0x1a4
 */
export const contextPointers = defineAnalysis({
  meta: {
    name: "ContextPointers",
    command: "contextpointers",
    summary: "Saved CONTEXT records on thread stacks, found by signature and validated, each a .cxr to switch to (hidden stack traces)",
    patterns: ["Context Pointer"],
    targets: "user",
    version: "1.0.0",
    params: [
      { name: "tid", help: "thread id (default: every thread)", optional: true },
      { name: "options", help: "Threads", optional: true },
    ],
    options: [{ name: "Threads", type: "string", help: "thread ids to search (comma-separated), default all" }],
    columns: [
      { name: "Thread", type: "hex", help: "Thread whose stack holds the context" },
      { name: "Address", type: "address", help: "Address of the CONTEXT (.cxr this)" },
      { name: "Anchor", type: "string", help: "dispatcher frame (at a KiUserExceptionDispatcher frame's stack pointer) or scan" },
      { name: "IP", type: "address", help: "The context's instruction pointer" },
      { name: "Symbol", type: "string", help: "Symbol of the instruction pointer" },
      { name: "SP", type: "address", help: "The context's stack pointer", table: false },
      { name: "Record", type: "address", help: "The EXCEPTION_RECORD beside it whose ExceptionAddress is the instruction pointer (.exr this)", table: false },
      { name: "Code", type: "string", help: "That record's exception code" },
      { name: "Score", type: "int", help: "Checks passed of 5: context flags, code selector, stack pointer in the stack, instruction pointer in a module, exception record" },
      { name: "Live", type: "bool", help: "The context lies at or above the thread's stack pointer (in a live frame)", table: false },
    ],
    settings: {
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request", reason: "64 KiB reads a 1 MiB stack in 16 requests" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
      FallbackScanBytes: { default: 0x100000, help: "How far above the stack pointer to scan when the TEB cannot be read", reason: "1 MiB is the default reserved stack size" },
      MaxCandidates: { default: 256, help: "Signature matches validated per thread (each costs typed reads)", reason: "real stacks hold a handful of contexts; a stack full of lookalikes is not worth more" },
      RecordProbeBytes: { default: 0x100, help: "Bytes after a CONTEXT searched for its exception record", reason: "covers the CONTEXT_EX and alignment KiUserExceptionDispatcher puts in between" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const a = threadArguments(args, OPTION_NAMES);
    if (typeof a === "string") {
      ctx.summary("ContextPointers: " + a);
      yield info(a, "heuristic");
      return;
    }
    if (t.isKernel()) {
      ctx.summary("ContextPointers: user stacks only");
      yield info("ContextPointers searches user-mode stacks for CONTEXT records; kernel trap frames (KTRAP_FRAME) are not searched yet", "heuristic");
      return;
    }
    const types = exceptionTypes(t);
    if (typeof types === "string") {
      ctx.summary("ContextPointers: no CONTEXT layout");
      yield info("cannot recognize CONTEXT records: " + types, "typed");
      return;
    }
    const selected = selectThreads(t, a.threads);
    for (const p of selected.problems) yield info(p, "typed");
    if (selected.threads.length === 0 && a.threads) { ctx.summary("ContextPointers: no such thread"); return; }

    let found = 0;
    let positives = 0;
    let slots = 0;
    let rejected = 0;
    let lastProblem: string | undefined;
    let stopped = false;
    for (const thread of selected.threads) {
      if (ctx.budget.exceeded()) { stopped = true; break; }
      const r = scanThread(t, types, thread, cfg);
      slots += r.slots;
      rejected += r.rejected;
      if (r.problem) lastProblem = r.problem;
      if (r.note) yield info(r.note, "heuristic");
      if (r.capped) {
        yield info("thread 0x" + thread.id.toString(16) + ": stopped validating after " + cfg.MaxCandidates + " signature matches (Config.ContextPointers.MaxCandidates); the rest of its stack was not searched", "heuristic");
      }
      const live = t.threadStack(thread);
      const liveIps = live.frames instanceof Unavailable ? [] : live.frames.map((f) => f.ip);
      const sp = t.stackPointer(thread);
      for (const c of r.found) {
        found++;
        const frame = liveIps.findIndex((ip) => compareU64(ip, c.context.ip) === 0);
        const m = t.modules().find(c.context.ip);
        const symbol = m ? t.symbolize(c.context.ip, m).text : t.formatAddress(c.context.ip);
        const positive = frame < 0;
        if (positive) positives++;
        const cxr = ".cxr " + t.formatAddress(c.context.address) + "; kb";
        yield {
          Thread: thread.id, Address: c.context.address, Anchor: c.anchor, IP: c.context.ip, Symbol: symbol, SP: c.context.sp,
          Record: c.record ? c.record.address : undefined, Code: c.record ? exceptionCodeText(c.record.code) : undefined, Score: c.score,
          Live: sp ? compareU64(c.context.address, sp) >= 0 : undefined,
          Verdict: positive ? "Positive" : "Info",
          Evidence: cxr + (c.record ? "; .exr " + t.formatAddress(c.record.address) : "") + (positive ? " (a stack the live unwind does not show)" : " (the same instruction pointer as live frame " + frame + ")") + "; .cxr to return",
          Source: "typed",
        };
      }
    }
    if (stopped) yield info("stopped at the time budget; the threads searched so far are reported", "heuristic");
    if (found === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 CONTEXT records among " + slots + " slots of " + selected.threads.length + " thread stacks" +
          (rejected ? " (" + rejected + " lookalikes rejected; last: " + (lastProblem || "?") + ")" : "") + " (s -d <stack range> 0x" + flagsHint(types) + ")",
      };
    }
    ctx.summary("ContextPointers: " + found + " saved contexts (" + positives + " not on the live stack) in " + selected.threads.length + " threads, " + slots + " slots searched");
  },

  rowText(row, c) {
    if (!isInt64(row.Address)) return row.Verdict + ": " + row.Evidence;
    return "Thread 0x" + Number(row.Thread).toString(16) + ": .cxr " + formatAddress(row.Address, c.pointerSize) + "  " + String(row.Symbol) + (row.Code ? "  " + String(row.Code) : "") + "  (" + String(row.Anchor) + ", score " + row.Score + ")";
  },
});

/** The ContextFlags value KiUserExceptionDispatcher contexts usually carry (for the s command in the Negative row). */
function flagsHint(types: ExceptionTypes): string {
  return types.arch === "x64" ? "10005f" : types.arch === "x86" ? "1003f" : "40000f";
}

interface ScanConfig { ChunkBytes: number; PageBytes: number; FallbackScanBytes: number; MaxCandidates: number; RecordProbeBytes: number }

interface ThreadScan {
  readonly found: Candidate[];
  readonly slots: number;
  readonly rejected: number;
  readonly problem: string | undefined;
  readonly note: string | undefined;
  /** MaxCandidates was reached: the rest of the stack was not searched. */
  readonly capped?: boolean;
}

function scanThread(t: Target, types: ExceptionTypes, thread: ThreadRef, cfg: ScanConfig): ThreadScan {
  const found: Candidate[] = [];
  const range = t.stackRange(thread, cfg.FallbackScanBytes);
  if (range instanceof Unavailable) return { found, slots: 0, rejected: 0, problem: undefined, note: "thread 0x" + thread.id.toString(16) + ": no stack range: " + range.reason };
  const ps = t.pointerSize();
  const step = ps === 8 ? 16 : 4;
  const flagsWord = types.flagsOffset / 4;
  const csOffset = t.fieldOffset("ntdll", "_CONTEXT", "SegCs");
  const selectors = CODE_SELECTORS[types.arch];
  const dispatcherSps: Int64[] = [];
  const live = t.threadStack(thread);
  if (!(live.frames instanceof Unavailable)) {
    for (const f of live.frames) if (matchesFunction(f.func, "ntdll!KiUserExceptionDispatch*") && f.sp) dispatcherSps.push(f.sp);
  }
  const seen: { [key: string]: boolean } = {};
  let slots = 0;
  let rejected = 0;
  let problem: string | undefined;
  let capped = false;
  const [bh, bl] = halvesOf(range.base);
  const [lh, ll] = halvesOf(range.limit);
  const bytes = (bh - lh) * 4294967296 + (bl - ll);
  if (types.flagsOffset % 4 !== 0) return { found, slots: 0, rejected: 0, problem: "ContextFlags is not 4-byte aligned in this _CONTEXT", note: undefined };
  for (const block of slotBlocks(t, range.limit, bytes, { slotBytes: ps, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes })) {
    if (capped) break;
    slots += block.count;
    if (!block.words) continue;
    const w = block.words;
    const nWords = block.count * ps / 4;
    const [, aLo] = halvesOf(block.address);
    for (let off = (step - (aLo % step)) % step; off / 4 + flagsWord < nWords; off += step) {
      const flags = w[off / 4 + flagsWord]! >>> 0;
      if (!contextFlagsPlausible(types.arch, flags)) continue;
      let score = 1;
      if (selectors && csOffset !== undefined && csOffset % 2 === 0) {
        const k = off + csOffset;
        if (k / 4 < nWords) {
          const cs = (w[k >> 2]! >>> ((k & 2) * 8)) & 0xffff;
          if (selectors.indexOf(cs) < 0) continue;
          score++;
        }
      } else score++;
      if (rejected + found.length >= cfg.MaxCandidates) { capped = true; break; }
      const address = addTo(block.address, off);
      const c = readContext(t, types, address);
      if (typeof c === "string") { rejected++; problem = c; continue; }
      const problems = contextProblems(t, types, thread, c, undefined, cfg.FallbackScanBytes);
      if (problems.length) { rejected++; problem = "the CONTEXT-like data at " + t.formatAddress(address) + ": " + problems.join("; "); continue; }
      score += 2;
      const key = halvesOf(c.ip).join(":") + "/" + halvesOf(c.sp).join(":");
      if (seen[key]) continue;
      seen[key] = true;
      const record = recordNear(t, types, c, w, off, nWords, block.address, cfg.RecordProbeBytes);
      if (record) score++;
      const anchor = dispatcherSps.some((sp) => compareU64(sp, address) === 0) ? "dispatcher frame" : "scan";
      found.push({ context: c, record, anchor, score });
    }
  }
  return { found, slots, rejected, problem, note: undefined, capped };
}

/**
 * The EXCEPTION_RECORD whose ExceptionAddress is the context's instruction pointer: searched in the block from
 * the end of the CONTEXT over `probeBytes` (KiUserExceptionDispatcher's layout), each candidate validated.
 */
function recordNear(t: Target, types: ExceptionTypes, c: ContextValues, w: ArrayLike<number>, off: number, nWords: number, blockAddress: Int64, probeBytes: number): RecordValues | undefined {
  const ps = t.pointerSize();
  const [ih, il] = halvesOf(c.ip);
  const from = off + types.contextSize + types.recordAddressOffset;
  for (let k = from; k <= from + probeBytes && (k + ps) / 4 <= nWords; k += ps) {
    if (k % 4 !== 0) continue;
    const lo = w[k / 4]! >>> 0;
    const hi = ps === 8 ? w[k / 4 + 1]! >>> 0 : 0;
    if (lo !== il || hi !== ih) continue;
    const r = readRecord(t, types, addTo(blockAddress, k - types.recordAddressOffset));
    if (typeof r !== "string" && compareU64(r.exceptionAddress, c.ip) === 0) return r;
  }
  return undefined;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

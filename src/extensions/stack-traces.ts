import { defineAnalysis, type Row } from "../lib/analysis";
import { isInt64 } from "../lib/int64";
import { EXCLUDE_OPTION, type FramePattern, type OptionBag, STACK_OPTION_NAMES, type StackOptions, THREADS_OPTION, describeOptions, firstMatchingFrame, frameMatches, functionName, hexId, listItems, missingThreadText, parseFramePattern, parseFramePatterns, readOptions, selectStacks, stackCommand, stackOptions, threadName } from "../lib/stack-filter";
import type { FrameInfo, ThreadStack } from "../lib/stacks";
import { errorMessage, type Source } from "../lib/values";
import { classifyWait, GENERIC_WAITS, IDLE_CATEGORIES, SPECIFIC_WAITS, type WaitClass } from "../lib/wait-classes";

/** The predicate's clauses (all given ones must hold), or a function called per thread. */
interface Clauses {
  /** Any frame matches any of these. */
  readonly frame: readonly FramePattern[];
  /** One frame matches all of these (Module and Function together). */
  readonly sameFrame: readonly FramePattern[];
  /** Frame 0 matches any of these. */
  readonly top: readonly FramePattern[];
  /** The wait kind is one of these. */
  readonly wait: readonly string[] | undefined;
  readonly fn: ((stack: unknown) => unknown) | undefined;
  /** One line for summaries and MatchedBy. */
  readonly text: string;
}

const PREDICATE_NAMES: readonly string[] = ["Frame", "Module", "Function", "TopFrame", "Wait"];
const ALL_NAMES: readonly string[] = PREDICATE_NAMES.concat(STACK_OPTION_NAMES);

/**
 * Stack Trace Collection (Predicate): the threads whose stacks satisfy a condition a dx user writes:
 * a frame pattern, clauses on module, function, top frame, wait kind and thread ids, or a function.
 *
 * The pattern: a subset of the stack trace collection chosen by a predicate (stacks through a given
 * module or function, threads in a given kind of wait, a vendor's threads) turns thousands of stacks
 * into the few that matter; the classic tools are `!findstack module!symbol 2`, `!stacks 2 module!symbol`
 * and `~*e` with `.if`.
 *
 * Detection: each thread's frames are read once per call (symbolized once per distinct address) and
 * tested. A string is a `module!function` pattern (`*` wildcards) matched against every frame, or
 * `name=value` clauses (`"module=ntdll function=*Wait* wait=critical-section"`). An object takes the
 * clauses as properties: Frame (patterns, any frame), Module and Function (one frame matching both;
 * Module is the module name with or without extension), TopFrame (frame 0), Wait (wait kinds from the
 * shared classification: critical-section, srw-lock, condition-variable, address-wait, sync-object,
 * io, alpc, rpc-call, message-send, message-box, sleep, message-loop, thread-pool-idle, io-completion,
 * rpc-listen, system-call, running, unknown; "idle" stands for the idle kinds), plus Threads, Exclude
 * and MaxFrames as in StackTraceCollection. All given clauses must hold. A function (a dx lambda or a
 * script's function) gets one object per thread, `{ Thread, ThreadName, FrameCount, TopFrame, Wait,
 * Idle, Stack, Frames: [{ Index, Module, Function, Symbol, IP, ChildSP }] }` (Module is the file name
 * such as "ntdll.dll"; Module and Function are "" when unknown) and returns true to keep the thread; an
 * exception it throws becomes an Info row naming the thread. Threads whose stack cannot be read are not
 * tested and give an Info row each.
 *
 * False positives: with exports-only symbols, function names are the nearest export and can mislead;
 * frames without symbols only match module patterns or `module+0xoffset*` patterns.
 *
 * @function StackTraces
 * @memberof Ewmda
 * @param {string|object|function} [predicate] A `module!function` pattern; or `Frame`, `Module`, `Function`, `TopFrame`, `Wait`, `Threads`, `Exclude`, `MaxFrames`; or a function of a thread's stack object returning true to keep it.
 * @param {object|string} [options] `Threads`, `Exclude`, `MaxFrames` (as in StackTraceCollection), when the predicate is a pattern or a function.
 * @returns {ResultSet} One row per matching thread: Thread, ThreadName, FrameCount, TopFrame, MatchedFrame, MatchedBy, Wait, WaitReason, Stack, Verdict, Evidence, Source.
 * @example dx @$ewmda.StackTraces("ntdll!NtWaitFor*")
 * @example dx @$ewmda.StackTraces(new { Module = "ntdll", Function = "*Wait*", Threads = "0x1a4,0x2b0", Wait = "critical-section" })
 * @example dx @$ewmda.StackTraces(s => s.Frames.Any(f => f.Module == "app.exe") && s.Wait != "thread-pool-idle")
 * @example dx @$ewmda.StackTraces("app!*", new { MaxFrames = 5, Exclude = "win32u" })
 * @example !ewmda.stacktraces "ntdll!NtWaitFor*"
 * @example !ewmda.stacktraces "wait=critical-section,srw-lock"
 */
export const stackTraces = defineAnalysis({
  meta: {
    name: "StackTraces",
    command: "stacktraces",
    summary: "Threads whose stacks match a predicate: a module!function pattern, clauses (module, function, wait kind, threads) or a function",
    patterns: ["Stack Trace Collection (Predicate)"],
    targets: "user",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "predicate", help: "\"module!function\" pattern; or Frame, Module, Function, TopFrame, Wait, Threads, Exclude, MaxFrames; or a function of a stack object", optional: true },
      { name: "options", help: "Threads, Exclude, MaxFrames (with a pattern or function predicate)", optional: true },
    ],
    options: [
      { name: "Frame", type: "string", help: "module!function patterns (* wildcards), any frame matches any of them" },
      { name: "Module", type: "string", help: "a frame in this module (name with or without extension; * wildcards)" },
      { name: "Function", type: "string", help: "a frame in this function (with Module: the same frame)" },
      { name: "TopFrame", type: "string", help: "module!function patterns frame 0 must match" },
      { name: "Wait", type: "string", help: "wait kinds (critical-section, sync-object, io, sleep, ..., or idle)" },
      THREADS_OPTION,
      EXCLUDE_OPTION,
      { name: "MaxFrames", type: "number", help: "frames shown in Stack (matching uses the whole stack)" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "ThreadName", type: "string", help: "Thread description (SetThreadDescription), when the dump has one", table: false },
      { name: "FrameCount", type: "int", help: "Frames in the thread's stack" },
      { name: "TopFrame", type: "string", help: "Frame 0 (module!function+0xoffset)" },
      { name: "MatchedFrame", type: "string", help: "The frame that satisfied the frame clause (with its number)" },
      { name: "MatchedBy", type: "string", help: "Which clauses matched, and where", table: false },
      { name: "Wait", type: "string", help: "What the thread waits for (shared wait classification)" },
      { name: "WaitReason", type: "string", help: "The frame that decided Wait, or why it could not be decided", table: false },
      { name: "Stack", type: "string", help: "The frames from the top (module!function+0xoffset), one per line (top MaxFrames)", table: false },
    ],
    settings: {
      MaxPredicateErrors: {
        default: 10,
        help: "Threads whose predicate call threw that get their own Info row; the rest are counted in one row",
        reason: "a broken predicate throws on every thread; ten rows show the pattern without burying the matches",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const parsed = parseArguments(args);
    if (typeof parsed === "string") {
      ctx.summary("StackTraces: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    const { clauses, opts } = parsed;
    const sel = selectStacks(t, opts);
    if (sel.missing.length) yield info(missingThreadText(sel.missing, t), "typed");

    let matched = 0;
    let tested = 0;
    let unreadable = 0;
    let errors = 0;
    const maxErrors = ctx.settings.MaxPredicateErrors;
    for (const stack of sel.stacks) {
      const id = stack.thread.id;
      if (!Array.isArray(stack.frames) || stack.frames.length === 0) {
        unreadable++;
        const why = Array.isArray(stack.frames) ? "thread " + hexId(id) + " has no frames" : (stack.frames as { reason: string }).reason;
        yield info(why + "; not tested against " + clauses.text + " (" + stackCommand(id) + ")", "typed");
        continue;
      }
      const frames = stack.frames as readonly FrameInfo[];
      tested++;
      const wait = classifyWait(stack);
      let hit: Match | undefined;
      if (clauses.fn) {
        let result: unknown;
        try {
          result = clauses.fn(stackObject(stack, frames, wait, opts.maxFrames));
        } catch (e) {
          errors++;
          if (errors <= maxErrors) yield info("the predicate threw on thread " + hexId(id) + ": " + errorMessage(e) + "; the thread is left out", "heuristic");
          continue;
        }
        if (result) hit = { frame: undefined, by: "predicate function" };
      } else {
        hit = matchClauses(clauses, frames, wait);
      }
      if (!hit) continue;
      matched++;
      const shown = opts.maxFrames !== undefined && frames.length > opts.maxFrames ? frames.slice(0, opts.maxFrames) : frames;
      yield {
        Thread: id,
        ThreadName: threadName(stack.thread),
        FrameCount: frames.length,
        TopFrame: frames[0]!.symbol,
        MatchedFrame: hit.frame ? "#" + frameNumber(hit.frame) + " " + hit.frame.symbol : undefined,
        MatchedBy: hit.by,
        Wait: wait.category,
        WaitReason: wait.reason,
        Stack: shown.map((f) => f.symbol).join("\n") + (shown.length < frames.length ? "\n... " + (frames.length - shown.length) + " more frames" : ""),
        Verdict: "Info",
        Evidence: stackCommand(id) + (hit.frame ? " frame " + frameNumber(hit.frame) + " is " + hit.frame.symbol : " (" + wait.reason + ")"),
        Source: "typed",
      };
    }

    if (errors > maxErrors) {
      yield info("the predicate threw on " + (errors - maxErrors) + " more threads (Config.StackTraces.MaxPredicateErrors = " + maxErrors + ")", "heuristic");
    }
    const optText = describeOptions(opts);
    const scope = sel.total + " threads in the process" + (sel.excluded.length ? ", " + sel.excluded.length + " left out by Exclude" : "") +
      (optText ? " (" + optText + ")" : "");
    if (matched === 0 && tested > 0 && errors < tested) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 of " + tested + " threads match " + clauses.text + "; " + scope + commandHint(clauses),
      };
    } else if (tested === 0 && unreadable === 0 && sel.missing.length === 0) {
      yield { Verdict: "Negative", Source: "typed", Evidence: "0 threads to test against " + clauses.text + ": " + scope };
    }
    ctx.summary("StackTraces: " + matched + " of " + tested + " threads match " + clauses.text +
      (unreadable ? ", " + unreadable + " stacks unreadable" : "") + (errors ? ", the predicate threw on " + errors : "") + "; " + scope);
  },

  rowText(row) {
    if (row.Thread === undefined) return row.Verdict + ": " + row.Evidence;
    return hexId(row.Thread as number) + "  " + String(row.Wait) + "  " + String(row.MatchedFrame !== undefined ? row.MatchedFrame : row.TopFrame);
  },
});

interface Match {
  readonly frame: FrameInfo | undefined;
  readonly by: string;
}

function frameNumber(f: FrameInfo): string {
  return ("0" + f.index.toString(16)).slice(-2);
}

/** All given clauses must hold; the frame reported is the first frame clause's match. */
function matchClauses(c: Clauses, frames: readonly FrameInfo[], wait: WaitClass): Match | undefined {
  const by: string[] = [];
  let frame: FrameInfo | undefined;
  if (c.sameFrame.length) {
    let f: FrameInfo | undefined;
    for (const x of frames) if (c.sameFrame.every((p) => frameMatches(x, p))) { f = x; break; }
    if (!f) return undefined;
    frame = f;
    by.push(c.sameFrame.map((p) => p.text).join(" and ") + " at #" + frameNumber(f));
  }
  if (c.frame.length) {
    const m = firstMatchingFrame(frames, c.frame);
    if (!m) return undefined;
    if (!frame) frame = m.frame;
    by.push("Frame " + m.pattern.text + " at #" + frameNumber(m.frame));
  }
  if (c.top.length) {
    const top = frames[0]!;
    const p = c.top.find((x) => frameMatches(top, x));
    if (!p) return undefined;
    if (!frame) frame = top;
    by.push("TopFrame " + p.text);
  }
  if (c.wait) {
    if (c.wait.indexOf(wait.category) < 0) return undefined;
    if (!frame) frame = wait.frame;
    by.push("Wait " + wait.category + " (" + wait.reason + ")");
  }
  return { frame, by: by.length ? by.join("; ") : "no predicate: every thread" };
}

/**
 * What a predicate function gets for one thread: plain values, strings never undefined. ThreadName and
 * each frame's ChildSP are getters, so a predicate that does not look at them costs no host call for them.
 */
function stackObject(stack: ThreadStack, frames: readonly FrameInfo[], wait: WaitClass, maxFrames: number | undefined): object {
  const shown = maxFrames !== undefined && frames.length > maxFrames ? frames.slice(0, maxFrames) : frames;
  const view = {
    Thread: stack.thread.id,
    FrameCount: frames.length,
    TopFrame: frames[0]!.symbol,
    Wait: wait.category,
    Idle: IDLE_CATEGORIES.indexOf(wait.category) >= 0,
    Stack: shown.map((f) => f.symbol).join("\n"),
    Frames: frames.map((f) => {
      const frame = { Index: f.index, Module: f.module ? f.module.name : "", Function: functionName(f), Symbol: f.symbol, IP: f.ip };
      Object.defineProperty(frame, "ChildSP", { get: () => f.sp, enumerable: true });
      return frame;
    }),
  };
  Object.defineProperty(view, "ThreadName", { get: () => threadName(stack.thread) || "", enumerable: true });
  return view;
}

function waitCategories(): string[] {
  const out: string[] = [];
  for (const r of SPECIFIC_WAITS.concat(GENERIC_WAITS)) if (out.indexOf(r.category) < 0) out.push(r.category);
  return out.concat(["system-call", "running", "unknown"]);
}

/** (predicate?, options?) → clauses and stack options, or a message. */
function parseArguments(args: readonly unknown[]): { clauses: Clauses; opts: StackOptions } | string {
  let pred = args[0];
  const extra = args[1];
  let fn: ((stack: unknown) => unknown) | undefined;
  let bag: OptionBag = {};
  if (typeof pred === "function") {
    fn = pred as (stack: unknown) => unknown;
    pred = undefined;
  }
  if (typeof pred === "number" || isInt64(pred)) {
    bag.Threads = pred;
  } else if (pred !== undefined && pred !== null) {
    const b = readOptions(pred, ALL_NAMES, "Frame");
    if (typeof b === "string") return b;
    if (typeof pred === "object" && !PREDICATE_NAMES.concat(STACK_OPTION_NAMES).some((n) => b[n] !== undefined)) {
      return "the predicate object has none of " + ALL_NAMES.join(", ") + " (names are case-sensitive: new { Module = \"ntdll\" })";
    }
    bag = b;
  }
  if (extra !== undefined && extra !== null) {
    const b = readOptions(extra, STACK_OPTION_NAMES, "Threads");
    if (typeof b === "string") return "options: " + b;
    for (const k of Object.keys(b)) if (bag[k] === undefined) bag[k] = b[k];
  }
  const opts = stackOptions(bag);
  if (typeof opts === "string") return opts;

  const parts: string[] = [];
  let frame: FramePattern[] = [];
  if (bag.Frame !== undefined) {
    const p = parseFramePatterns(bag.Frame, "Frame");
    if (typeof p === "string") return p;
    frame = p;
    parts.push("Frame = " + p.map((x) => x.text).join(","));
  }
  const sameFrame: FramePattern[] = [];
  if (bag.Module !== undefined) {
    const m = String(bag.Module).trim();
    if (m === "" || m.indexOf("!") >= 0) return "Module is a module name such as ntdll or ntdll.dll, not \"" + m + "\" (use Frame for module!function)";
    sameFrame.push({ text: "Module " + m, module: m.toLowerCase(), func: undefined, symbol: undefined });
    parts.push("Module = " + m);
  }
  if (bag.Function !== undefined) {
    const text = String(bag.Function).trim();
    const p = parseFramePattern(text.indexOf("!") >= 0 ? text : "*!" + text);
    if (typeof p === "string") return "Function: " + p;
    sameFrame.push({ text: "Function " + text, module: p.module, func: p.func, symbol: p.symbol });
    parts.push("Function = " + text);
  }
  let top: FramePattern[] = [];
  if (bag.TopFrame !== undefined) {
    const p = parseFramePatterns(bag.TopFrame, "TopFrame");
    if (typeof p === "string") return p;
    top = p;
    parts.push("TopFrame = " + p.map((x) => x.text).join(","));
  }
  let wait: string[] | undefined;
  if (bag.Wait !== undefined) {
    const known = waitCategories();
    wait = [];
    for (const item of listItems(bag.Wait, true)) {
      const w = String(item).toLowerCase();
      if (w === "idle") { for (const c of IDLE_CATEGORIES) wait.push(c); continue; }
      if (known.indexOf(w) < 0) return "unknown wait kind \"" + String(item) + "\" (kinds: " + known.join(", ") + ", or idle)";
      wait.push(w);
    }
    parts.push("Wait = " + listItems(bag.Wait, true).join(","));
  }
  const text = fn ? "the predicate function" : parts.length ? parts.join(", ") : "no predicate (every thread)";
  return { clauses: { frame, sameFrame, top, wait, fn, text }, opts };
}

/** The classic command for the same question, when there is one. */
function commandHint(c: Clauses): string {
  if (c.frame.length === 1) return " (!findstack " + c.frame[0]!.text + " 2)";
  return " (~*kn)";
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

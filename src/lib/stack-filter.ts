/**
 * What the stack-collection analyses (StackTraceCollection, UniqueStacks, StackTraces) share: their
 * options (thread ids, MaxFrames, Exclude patterns), read the same way from a dx object
 * (`new { Threads = "0x1a4,0x2b0", MaxFrames = 8 }`) or a string (`"threads=0x1a4,0x2b0 maxframes=8"`),
 * frame patterns (`ntdll!NtWaitFor*`, `ntdll`, `*!*Wait*`, `plugin+0x10*`) and the thread selection.
 * Frames come from Target.threadStack, so all three read each thread's stack once per call.
 */
import type { OptionSpec } from "./analysis";
import { isInt64, toNumber } from "./int64";
import { globMatch, type FrameInfo, type ThreadStack } from "./stacks";
import type { Target, ThreadRef } from "./target";

/** A parsed frame pattern; every part is lower case, `*` is a wildcard, an absent part matches anything. */
export interface FramePattern {
  /** As the user wrote it (for messages). */
  readonly text: string;
  /** Glob on the module's symbol name (`ntdll`) or file name (`ntdll.dll`). */
  readonly module: string | undefined;
  /** Glob on the function name without the module (`NtWaitForSingleObject`); symbol-less frames have "". */
  readonly func: string | undefined;
  /** Glob on the whole frame text with offset (`plugin+0x1010`), for patterns with `+` and no `!`. */
  readonly symbol: string | undefined;
}

/**
 * `module!function` (either side may use `*`; `ntdll!` or `ntdll` alone means any frame in ntdll,
 * `!Func` or `*!Func` any module), or `module+0xoff*` to match frames without symbols by their offset.
 */
export function parseFramePattern(text: string): FramePattern | string {
  const p = text.trim().toLowerCase();
  if (p === "") return "an empty frame pattern";
  const bang = p.indexOf("!");
  if (bang < 0) {
    if (p.indexOf("+") >= 0) return { text: text.trim(), module: undefined, func: undefined, symbol: p };
    return { text: text.trim(), module: p, func: undefined, symbol: undefined };
  }
  const mod = p.slice(0, bang);
  const fn = p.slice(bang + 1);
  return { text: text.trim(), module: mod === "" || mod === "*" ? undefined : mod, func: fn === "" || fn === "*" ? undefined : fn, symbol: undefined };
}

/** The function name without module and offset (`NtWaitForSingleObject`); "" for frames without symbols. */
export function functionName(f: FrameInfo): string {
  if (!f.hasSymbol) return "";
  const bang = f.func.indexOf("!");
  return bang >= 0 ? f.func.slice(bang + 1) : f.func;
}

export function frameMatches(f: FrameInfo, p: FramePattern): boolean {
  if (p.symbol !== undefined) return globMatch(f.symbol.toLowerCase(), p.symbol);
  if (p.module !== undefined) {
    const m = f.module;
    if (!m) return false;
    if (!globMatch(m.symbolName.toLowerCase(), p.module) && !globMatch(m.name.toLowerCase(), p.module)) return false;
  }
  if (p.func !== undefined && !globMatch(functionName(f).toLowerCase(), p.func)) return false;
  return true;
}

/** The first frame (top down) that matches any of the patterns. */
export function firstMatchingFrame(frames: readonly FrameInfo[], patterns: readonly FramePattern[]): { frame: FrameInfo; pattern: FramePattern } | undefined {
  for (const f of frames) {
    for (const p of patterns) if (frameMatches(f, p)) return { frame: f, pattern: p };
  }
  return undefined;
}

// ---- options ----

/** Option values by their dx (PascalCase) name; absent options are missing keys. */
export type OptionBag = { [name: string]: unknown };

/**
 * Reads an options argument: a dx object (`new { MaxFrames = 8 }`, read by the names in `allowed`) or a
 * string of `name=value` parts separated by spaces or `;` (names case-insensitive). A string (or a part)
 * that is not `name=value` goes to `bare` when given (a thread list, a frame pattern). A number goes to
 * `bare` too. Returns a message instead of throwing when the argument makes no sense.
 */
export function readOptions(arg: unknown, allowed: readonly string[], bare: string | undefined): OptionBag | string {
  const bag: OptionBag = {};
  if (arg === undefined || arg === null) return bag;
  if (typeof arg === "number" || isInt64(arg)) {
    if (!bare) return "expected options such as new { " + allowed[0] + " = ... }, not a number";
    bag[bare] = arg;
    return bag;
  }
  if (typeof arg === "string") {
    const named = (part: string): { name: string; value: string } | undefined => {
      const eq = part.indexOf("=");
      if (eq <= 0) return undefined;
      const key = part.slice(0, eq).trim().toLowerCase();
      for (const a of allowed) if (a.toLowerCase() === key) return { name: a, value: part.slice(eq + 1).trim() };
      return undefined;
    };
    // "threads=0x1a4, 0x2b0": spaces around list commas do not separate options.
    const parts = arg.replace(/\s*,\s*/g, ",").split(/[\s;]+/).filter((s) => s !== "");
    // A string without any name=value part is one bare value (a frame pattern may contain spaces).
    if (!parts.some((p) => named(p) !== undefined)) {
      if (arg.trim() === "") return bag;
      if (/^\s*[A-Za-z]+\s*=/.test(arg)) return "unknown option \"" + arg.trim() + "\" (options: " + allowed.join(", ") + ")";
      if (!bare) return "unknown option \"" + arg.trim() + "\" (use name=value with " + allowed.join(", ") + ")";
      bag[bare] = arg.trim();
      return bag;
    }
    for (const part of parts) {
      const n = named(part);
      if (n) bag[n.name] = n.value;
      else if (bare && bag[bare] === undefined && !/^[A-Za-z]+=/.test(part)) bag[bare] = part;
      else return "unknown option \"" + part + "\" (options: " + allowed.join(", ") + ")";
    }
    return bag;
  }
  if (typeof arg === "object") {
    for (const name of allowed) {
      let v: unknown;
      try { v = (arg as { [k: string]: unknown })[name]; } catch (e) { v = undefined; }
      if (v !== undefined && v !== null) bag[name] = v;
    }
    return bag;
  }
  return "options must be an object such as new { " + allowed[0] + " = ... } or a string such as \"" + allowed[0]!.toLowerCase() + "=...\", not " + typeof arg;
}

/** Items of a list option: a string split on `,` `;` `|` or spaces, or any iterable of values. */
export function listItems(v: unknown, splitSpaces: boolean): unknown[] {
  if (typeof v === "string") return v.split(splitSpaces ? /[\s,;|]+/ : /[,;|]+/).map((s) => s.trim()).filter((s) => s !== "");
  if (typeof v === "number" || isInt64(v)) return [v];
  if (v && typeof v === "object" && typeof (v as Iterable<unknown>)[Symbol.iterator] === "function") {
    const out: unknown[] = [];
    for (const x of v as Iterable<unknown>) out.push(x);
    return out;
  }
  return [v];
}

/** Thread ids: `0x1a4` (hex), `0n420` or `420` (decimal), numbers; a message for anything else. */
export function parseThreadIds(v: unknown): number[] | string {
  const out: number[] = [];
  for (const item of listItems(v, true)) {
    let id: number;
    if (typeof item === "string") {
      if (/^0x[0-9a-f]+$/i.test(item)) id = parseInt(item.slice(2), 16);
      else if (/^0n[0-9]+$/i.test(item)) id = parseInt(item.slice(2), 10);
      else if (/^[0-9]+$/.test(item)) id = parseInt(item, 10);
      else return "thread ids are numbers such as 0x1a4 (hex needs 0x), not \"" + item + "\"";
    } else {
      try { id = toNumber(item); } catch (e) { return "thread ids are numbers such as 0x1a4, not " + String(item); }
      if (!(id >= 0) || id !== Math.floor(id)) return "thread ids are non-negative integers, not " + String(item);
    }
    out.push(id);
  }
  return out;
}

export function parseCount(v: unknown, name: string): number | string {
  let n: number;
  if (typeof v === "string") {
    const s = v.trim();
    n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s.slice(2), 16) : /^[0-9]+$/.test(s) ? parseInt(s, 10) : NaN;
  } else {
    try { n = toNumber(v); } catch (e) { n = NaN; }
  }
  if (!(n >= 1) || n !== Math.floor(n)) return name + " must be a positive integer, not " + String(v);
  return n;
}

export function parseFramePatterns(v: unknown, name: string): FramePattern[] | string {
  const out: FramePattern[] = [];
  for (const item of listItems(v, false)) {
    const p = parseFramePattern(String(item));
    if (typeof p === "string") return name + ": " + p;
    out.push(p);
  }
  return out;
}

/** The options every stack collection takes. */
export interface StackOptions {
  /** Only these threads (undefined: all). */
  readonly threads: readonly number[] | undefined;
  /** Frames shown (and, in UniqueStacks, compared) per thread (undefined: all). */
  readonly maxFrames: number | undefined;
  /** Threads with a frame matching any of these are left out. */
  readonly exclude: readonly FramePattern[];
}

export const STACK_OPTION_NAMES: readonly string[] = ["Threads", "MaxFrames", "Exclude"];

/** StackOptions out of a bag read by readOptions; a message when a value is bad. */
export function stackOptions(bag: OptionBag): StackOptions | string {
  let threads: number[] | undefined;
  if (bag.Threads !== undefined) {
    const t = parseThreadIds(bag.Threads);
    if (typeof t === "string") return t;
    threads = t;
  }
  let maxFrames: number | undefined;
  if (bag.MaxFrames !== undefined) {
    const n = parseCount(bag.MaxFrames, "MaxFrames");
    if (typeof n === "string") return n;
    maxFrames = n;
  }
  let exclude: FramePattern[] = [];
  if (bag.Exclude !== undefined) {
    const e = parseFramePatterns(bag.Exclude, "Exclude");
    if (typeof e === "string") return e;
    exclude = e;
  }
  return { threads, maxFrames, exclude };
}

/** One line describing the options (for summaries and Negative rows); "" when none are set. */
export function describeOptions(o: StackOptions): string {
  const parts: string[] = [];
  if (o.threads) parts.push("Threads = " + o.threads.map(hexId).join(","));
  if (o.maxFrames !== undefined) parts.push("MaxFrames = " + o.maxFrames);
  if (o.exclude.length) parts.push("Exclude = " + o.exclude.map((p) => p.text).join(","));
  return parts.join(", ");
}

// ---- selection ----

export interface Selection {
  /** Stacks of the selected threads (readable or not), in thread-list order. */
  readonly stacks: ThreadStack[];
  /** Threads in the process. */
  readonly total: number;
  /** Requested ids that are not threads of the process. */
  readonly missing: number[];
  /** Threads left out by Exclude, with the pattern that matched. */
  readonly excluded: { readonly stack: ThreadStack; readonly frame: FrameInfo; readonly pattern: FramePattern }[];
}

/** Applies Threads and Exclude; reads (through the Target's cache) only the selected threads' stacks. */
export function selectStacks(t: Target, o: StackOptions): Selection {
  const all = t.threads();
  let chosen: ThreadRef[] = all;
  const missing: number[] = [];
  if (o.threads) {
    const wanted = o.threads;
    chosen = all.filter((x) => wanted.indexOf(x.id) >= 0);
    for (const id of wanted) if (missing.indexOf(id) < 0 && !all.some((x) => x.id === id)) missing.push(id);
  }
  const stacks: ThreadStack[] = [];
  const excluded: Selection["excluded"] = [];
  for (const thread of chosen) {
    const s = t.threadStack(thread);
    if (o.exclude.length && Array.isArray(s.frames)) {
      const hit = firstMatchingFrame(s.frames as readonly FrameInfo[], o.exclude);
      if (hit) { excluded.push({ stack: s, frame: hit.frame, pattern: hit.pattern }); continue; }
    }
    stacks.push(s);
  }
  return { stacks, total: all.length, missing, excluded };
}

/** "thread 0x999 is not in this process (3 threads: 0x1a4, 0x2b0, 0x3c4; ~ lists them)". */
export function missingThreadText(missing: readonly number[], t: Target): string {
  const known = t.threads().map((x) => hexId(x.id));
  return (missing.length === 1 ? "thread " + hexId(missing[0]!) + " is" : "threads " + missing.map(hexId).join(", ") + " are") +
    " not in this process (" + known.length + " threads: " + known.slice(0, 12).join(", ") + (known.length > 12 ? ", ..." : "") + "; ~ lists them)";
}

export function hexId(id: number): string {
  return "0x" + id.toString(16);
}

/** The thread's name (SetThreadDescription), when the debugger knows one. */
export function threadName(thread: ThreadRef): string | undefined {
  try {
    const n = thread.model.Name;
    return typeof n === "string" && n !== "" ? n : undefined;
  } catch (e) {
    return undefined;
  }
}

/** `~~[0x1a4]kn`: the classic command that shows a thread's stack. */
export function stackCommand(id: number): string {
  return "~~[" + hexId(id) + "]kn";
}

/** The thread-selection options the stack collections share (one wording for dx help and docs). */
export const THREADS_OPTION: OptionSpec = { name: "Threads", type: "string", help: "only these thread ids (\"0x1a4,0x2b0\")" };
export const EXCLUDE_OPTION: OptionSpec = { name: "Exclude", type: "string", help: "leave out threads with a frame matching any of these module!function patterns (* wildcards)" };

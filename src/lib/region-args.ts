/**
 * Arguments of the memory analyses: a value (`0x1a4`, an Int64, `"0n420"`), a byte count, a flag, and the
 * region a profile covers, given as `(address, size)`, a thread id (that thread's stack), or nothing (the
 * current thread's stack), with an options argument after them. Every problem becomes a message, never
 * an exception: zero-length ranges, ranges past the top of the address space, sizes over the budget (cut to
 * the budget, with a note), and addresses that are not pointer-aligned (widened to whole slots, with a note).
 */
import { hexHalves } from "./exception-codes";
import { addTo, compareU64, differenceOf, fromHalves, halvesOf, hex, isInt64, toInt64, type Int64 } from "./int64";
import { parseThreadIds, readOptions, type OptionBag } from "./stack-filter";
import type { Target, ThreadRef } from "./target";
import { Unavailable } from "./values";

/** A 64-bit value from a number, an Int64 or a string (`0x1a4`, `0n420` or `420` decimal, `00000000`000001a4`). */
export function parseValue(v: unknown, name: string): Int64 | string {
  if (isInt64(v)) return v;
  if (typeof v === "number") {
    if (v >= 0 && v === Math.floor(v) && v <= 9007199254740991) return toInt64(v);
    return name + " must be a non-negative integer, not " + String(v);
  }
  if (typeof v === "string") {
    const s = v.trim();
    const dec = /^(?:0n)?([0-9]{1,15})$/i.exec(s);
    if (dec) return toInt64(parseInt(dec[1]!, 10));
    const halves = /^0x[0-9a-f]{1,16}$/i.test(s) || /^[0-9a-f]{1,8}`[0-9a-f]{8}$/i.test(s) ? hexHalves(s) : undefined;
    if (halves) return fromHalves(halves[0], halves[1]);
  }
  return name + " must be a number such as 0x1a4, not " + (typeof v === "string" ? "\"" + v + "\"" : String(v));
}

/** A byte count as a JS number (up to 2^53); a message when it is not one. */
export function parseBytes(v: unknown, name: string): number | string {
  const x = parseValue(v, name);
  if (typeof x === "string") return x;
  const [hi, lo] = halvesOf(x);
  if (hi >= 0x200000) return name + " " + hex(x) + " is not a usable byte count";
  return hi * 4294967296 + lo;
}

/** true / false from a bool, `"true"` / `"false"` (also yes / no), `1` / `0`; a message otherwise. */
export function parseBool(v: unknown, name: string): boolean | string {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "true" || s === "1" || s === "yes" || s === "") return true;
    if (s === "false" || s === "0" || s === "no") return false;
  }
  if (v === 0 || v === 1) return v === 1;
  return name + " must be true or false, not " + String(v);
}

function isNumberLike(v: unknown): boolean {
  return typeof v === "number" || isInt64(v) || (typeof v === "string" && /^\s*(0x[0-9a-f]+|0n[0-9]+|[0-9]+|[0-9a-f]{1,8}`[0-9a-f]{8})\s*$/i.test(v));
}

export interface RegionChoice {
  /** First slot (pointer-aligned). */
  readonly start: Int64;
  /** Bytes to read (whole slots, at most the budget). */
  readonly bytes: number;
  /** `stack of thread 0x1a4 (000000e8`000fc000 - 000000e8`00100000)`, `range 000001d0`00000000 L0x1000`. */
  readonly label: string;
  /** Set when the region is a thread's stack. */
  readonly thread?: ThreadRef;
  readonly stack?: { readonly limit: Int64; readonly base: Int64 };
  /** typed: a TEB stack range or an explicit range; heuristic: a range guessed from the stack pointer. */
  readonly source: "typed" | "heuristic";
  /** What was changed or guessed (alignment, budget cut, fallback range); each becomes an Info row. */
  readonly notes: readonly string[];
}

export interface RegionArguments {
  readonly region: RegionChoice;
  readonly options: OptionBag;
}

/**
 * `()`, `(options)`, `(tid, options?)` or `(address, size, options?)`; options may also name the region
 * (`Thread`, `Address` and `Size`, for the `!` form: `"address=0x1d000000000 size=0x1000"`).
 */
export function regionArguments(t: Target, args: readonly unknown[], optionNames: readonly string[], limits: { maxBytes: number; fallbackStackBytes: number }): RegionArguments | string {
  const names = optionNames.concat(["Thread", "Address", "Size"]);
  let a0 = args[0];
  let a1 = args[1];
  let optArg: unknown = args[2];
  if (a0 !== undefined && a0 !== null && !isNumberLike(a0)) { optArg = a0; a0 = undefined; a1 = undefined; }
  else if (a1 !== undefined && a1 !== null && !isNumberLike(a1)) { optArg = a1; a1 = undefined; }
  const options = readOptions(optArg, names, undefined);
  if (typeof options === "string") return options;
  if (options.Address !== undefined) { if (a0 !== undefined) return "give the address either as an argument or as the Address option, not both"; a0 = options.Address; a1 = options.Size; }
  if (options.Thread !== undefined) { if (a0 !== undefined) return "give either a thread or an address range, not both"; }

  const ps = t.pointerSize();
  if (a0 !== undefined && a0 !== null && a1 !== undefined && a1 !== null) {
    const address = parseValue(a0, "the address");
    if (typeof address === "string") return address;
    const size = parseBytes(a1, "the size");
    if (typeof size === "string") return size;
    return explicitRange(t, address, size, ps, limits.maxBytes, options);
  }
  if (options.Size !== undefined && a0 === undefined) return "Size needs an address too: (address, size) or \"address=0x... size=0x...\"";

  let thread: ThreadRef | undefined;
  const tidArg = a0 !== undefined && a0 !== null ? a0 : options.Thread;
  if (tidArg !== undefined) {
    const v = parseValue(tidArg, "the thread id");
    if (typeof v === "string") return v;
    const [hi, lo] = halvesOf(v);
    thread = hi === 0 ? t.findThread(lo) : undefined;
    if (!thread) {
      const known = t.threads().map((x) => "0x" + x.id.toString(16));
      return hex(v) + " is not a thread id of this process (" + known.length + " threads: " + known.slice(0, 8).join(", ") + (known.length > 8 ? ", ..." : "") +
        "); for an address range give the size too, such as (" + hex(v) + ", 0x1000)";
    }
  } else {
    thread = t.currentThread();
    if (!thread) return "there is no current thread; give a thread id or (address, size)";
  }
  const range = t.stackRange(thread, limits.fallbackStackBytes);
  const tidText = "0x" + thread.id.toString(16);
  if (range instanceof Unavailable) return "no stack range for thread " + tidText + ": " + range.reason + " (try !teb, .reload /f ntdll.dll, or give (address, size))";
  const notes: string[] = [];
  if (range.note) notes.push("thread " + tidText + ": " + range.note + "; using " + t.formatAddress(range.limit) + " - " + t.formatAddress(range.base) + " from the stack pointer instead");
  let bytes = differenceOf(range.base, range.limit) || 0;
  if (bytes <= 0) return "thread " + tidText + "'s stack range is empty";
  if (bytes > limits.maxBytes) {
    notes.push("the stack of thread " + tidText + " is 0x" + bytes.toString(16) + " bytes; only the first 0x" + limits.maxBytes.toString(16) + " (the MaxBytes budget) are read");
    bytes = limits.maxBytes - (limits.maxBytes % ps);
  }
  return {
    region: {
      start: range.limit, bytes, thread, stack: { limit: range.limit, base: range.base }, notes,
      source: range.source === "teb" ? "typed" : "heuristic",
      label: "stack of thread " + tidText + " (" + t.formatAddress(range.limit) + " - " + t.formatAddress(range.base) + ")",
    },
    options,
  };
}

function explicitRange(t: Target, address: Int64, size: number, ps: number, maxBytes: number, options: OptionBag): RegionArguments | string {
  if (size === 0) return "the range at " + t.formatAddress(address) + " is empty (size 0): give a size such as 0x1000";
  const notes: string[] = [];
  const [, lo] = halvesOf(address);
  const mis = lo % ps;
  let start = address;
  let bytes = size;
  if (mis !== 0) {
    start = addTo(address, -mis);
    bytes += mis;
    notes.push("the address " + t.formatAddress(address) + " is not " + ps + "-byte aligned: reading whole slots from " + t.formatAddress(start));
  }
  if (bytes % ps !== 0) bytes += ps - (bytes % ps);
  const end = addTo(start, bytes);
  if (compareU64(end, start) <= 0) return "the range " + t.formatAddress(address) + " L0x" + size.toString(16) + " runs past the top of the address space";
  if (bytes > maxBytes) {
    notes.push("the range is 0x" + bytes.toString(16) + " bytes; only the first 0x" + maxBytes.toString(16) + " (the MaxBytes budget) are read; raise it or split the range");
    bytes = maxBytes - (maxBytes % ps);
  }
  // A range inside a thread's stack is profiled as that stack (its pointers are StackPointer).
  const [sh, sl] = halvesOf(start);
  const owner = t.stackOwner(sh, sl);
  const thread = owner ? t.findThread(owner.threadId) : undefined;
  const stack = owner ? { limit: fromHalves(owner.limitHi, owner.limitLo), base: fromHalves(owner.baseHi, owner.baseLo) } : undefined;
  return {
    region: { start, bytes, thread, stack, notes, source: "typed", label: "range " + t.formatAddress(start) + " L0x" + bytes.toString(16) + (owner ? " (in the stack of thread 0x" + owner.threadId.toString(16) + ")" : "") },
    options,
  };
}

/**
 * `(tid?, options?)`: a thread id (number or "0x1a4") and/or options (a dx object or a string); a `Threads`
 * option (comma-separated ids) adds threads. `threads` is undefined when none was named (all threads).
 */
export function threadArguments(args: readonly unknown[], optionNames: readonly string[]): { threads: number[] | undefined; options: OptionBag } | string {
  let tidArg = args[0];
  let optArg = args[1];
  if (typeof tidArg === "string" && !/^\s*(0x[0-9a-f]+|0n[0-9]+|[0-9]+)\s*$/i.test(tidArg)) { optArg = tidArg; tidArg = undefined; }
  else if (tidArg !== undefined && tidArg !== null && typeof tidArg === "object" && !isInt64(tidArg)) { optArg = tidArg; tidArg = undefined; }
  const names = optionNames.indexOf("Threads") >= 0 ? optionNames : optionNames.concat(["Threads"]);
  const options = readOptions(optArg, names, undefined);
  if (typeof options === "string") return options;
  let threads: number[] | undefined;
  if (tidArg !== undefined && tidArg !== null) {
    const ids = parseThreadIds(tidArg);
    if (typeof ids === "string") return ids;
    threads = ids;
  }
  if (options.Threads !== undefined) {
    const ids = parseThreadIds(options.Threads);
    if (typeof ids === "string") return ids;
    threads = (threads || []).concat(ids);
  }
  return { threads, options };
}

/** Named flags of an option bag with their defaults; a message for a value that is not a boolean. */
export function boolOptions<K extends string>(bag: OptionBag, defaults: { readonly [k in K]: boolean }): { [k in K]: boolean } | string {
  const out = {} as { [k in K]: boolean };
  for (const k of Object.keys(defaults) as K[]) {
    if (bag[k] === undefined) { out[k] = defaults[k]; continue; }
    const b = parseBool(bag[k], k);
    if (typeof b === "string") return b;
    out[k] = b;
  }
  return out;
}

/** The threads named (each checked), or all; messages for ids that are not threads of the process. */
export function selectThreads(t: Target, ids: readonly number[] | undefined): { threads: ThreadRef[]; problems: string[] } {
  if (!ids) return { threads: t.threads(), problems: [] };
  const threads: ThreadRef[] = [];
  const problems: string[] = [];
  for (const id of ids) {
    const th = t.findThread(id);
    if (th) { threads.push(th); continue; }
    const known = t.threads().map((x) => "0x" + x.id.toString(16));
    problems.push("thread 0x" + id.toString(16) + " is not in this process (" + known.length + " threads: " + known.slice(0, 12).join(", ") + (known.length > 12 ? ", ..." : "") + "; ~ lists them)");
  }
  return { threads, problems };
}

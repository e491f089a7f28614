/**
 * What a pointer-sized value in raw memory is, beyond "points into a module or a stack": zero, small
 * integers, NTSTATUS / HRESULT codes, the start of an ASCII or UTF-16 string, pointers into unloaded modules,
 * heaps and executable memory outside images. Used by the residue and region analyses; every test works on
 * the block's 32-bit words (no host call per slot), and strings are read from the same words.
 */
import { exceptionCodeInfo } from "./exception-codes";
import { placeOf, type MemoryRegions, type UnloadedModules } from "./memory-places";
import type { ModuleInfo } from "./module-index";
import type { LmRange } from "./parse-lm";
import type { AddressRegion } from "./parse-address";
import { SlotClassifier, type SlotKind } from "./slot-scan";
import type { StackExtent, Target } from "./target";
import type { Int64 } from "./int64";

export type ValueKind =
  | SlotKind
  | "Zero"
  | "SmallInt" // below 0x10000: counts, flags, characters, handles
  | "Status" // an NTSTATUS or HRESULT error / warning code
  | "String" // the start (or continuation) of an ASCII or UTF-16 run of printable characters
  | "UnloadedModulePointer" // into the range of an unloaded module (lm)
  | "HeapPointer" // into a heap region (!address)
  | "RawCodePointer"; // into executable memory outside every image (!address): JIT code, trampolines, injected code

/** Printable ASCII plus tab, CR, LF: what `dpa` / `dpu` and `s -sa` / `s -su` show as text. */
function printable(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d;
}

function byteAt(words: ArrayLike<number>, k: number): number {
  return (words[k >> 2]! >>> ((k & 3) * 8)) & 0xff;
}

export interface StringFragment {
  readonly text: string;
  readonly encoding: "ASCII" | "UTF-16";
  /** Bytes the run covers (characters times 1 or 2). */
  readonly bytes: number;
}

/**
 * A run of at least `minChars` printable characters starting at byte `offset` of a block of words, as ASCII
 * or UTF-16LE (whichever is longer), ending at a non-printable character, the end of the block, or `maxChars`
 * (the text is cut there; `bytes` still covers the whole run). Undefined when there is none.
 */
export function stringAt(words: ArrayLike<number>, offset: number, length: number, minChars: number, maxChars: number): StringFragment | undefined {
  let ascii = 0;
  while (offset + ascii < length && printable(byteAt(words, offset + ascii))) ascii++;
  let wide = 0;
  while (offset + wide * 2 + 1 < length && byteAt(words, offset + wide * 2 + 1) === 0 && printable(byteAt(words, offset + wide * 2))) wide++;
  if (ascii < minChars && wide < minChars) return undefined;
  const useWide = wide > ascii;
  const n = useWide ? wide : ascii;
  let text = "";
  for (let i = 0; i < n && i < maxChars; i++) {
    const c = byteAt(words, offset + (useWide ? i * 2 : i));
    // Control characters stay visible and keep the text on one line (tables, CSV cells).
    text += c === 0x09 ? "\\t" : c === 0x0a ? "\\n" : c === 0x0d ? "\\r" : String.fromCharCode(c);
  }
  return { text: n > maxChars ? text + "..." : text, encoding: useWide ? "UTF-16" : "ASCII", bytes: useWide ? n * 2 : n };
}

/**
 * `NTSTATUS 0xc0000005 STATUS_ACCESS_VIOLATION`, `HRESULT 0x80070005 (Win32 error 5)`, or undefined: error and
 * warning NTSTATUS codes of facility 0 below 0x1000 or named in the exception table, and HRESULTs of the
 * common facilities (NULL, RPC, ITF, WIN32). A 32-bit value (the upper half of an 8-byte slot zero).
 */
export function statusText(hi: number, lo: number): string | undefined {
  if (hi !== 0) return undefined;
  const v = lo >>> 0;
  const known = exceptionCodeInfo(v);
  if (known && v >= 0x80000000) return "NTSTATUS 0x" + v.toString(16) + " " + known.name;
  if ((v >= 0xc0000001 && v <= 0xc0000fff) || (v >= 0x80000001 && v <= 0x8000002f)) return "NTSTATUS 0x" + v.toString(16);
  const facility = (v >>> 16) & 0x1fff;
  const code = v & 0xffff;
  if ((v >>> 16) >>> 0 === 0x8007 && code > 0 && code < 0x4000) return "HRESULT 0x" + v.toString(16) + " (Win32 error " + code + ")";
  if ((v >>> 16) >>> 0 === 0x8000 && ((code >= 0x4001 && code <= 0x4005) || code === 0xffff)) return "HRESULT 0x" + v.toString(16);
  if (((v >>> 16) >>> 0 === 0x8001 || (v >>> 16) >>> 0 === 0x8004) && facility !== 0 && code < 0x1000) return "HRESULT 0x" + v.toString(16);
  return undefined;
}

export interface ValueClassifierOptions {
  readonly unloaded?: UnloadedModules;
  readonly regions?: MemoryRegions;
  readonly minStringChars: number;
  readonly maxStringChars: number;
}

/**
 * Classifies the slots of a block in order; after `slot(...)` the public fields describe the value. Call
 * `startBlock` before each block (string runs do not continue across blocks).
 */
export class ValueClassifier {
  module: ModuleInfo | undefined;
  stack: StackExtent | undefined;
  unloaded: LmRange | undefined;
  region: AddressRegion | undefined;
  /** The string or status text of the last slot, when it has one (undefined on a string's continuation slots). */
  text: string | undefined;
  private readonly slots: SlotClassifier;
  private stringEnd = 0;

  constructor(private readonly t: Target, own: { readonly limit: Int64; readonly base: Int64 } | undefined, private readonly opts: ValueClassifierOptions) {
    this.slots = new SlotClassifier(t, own);
  }

  startBlock(): void {
    this.stringEnd = 0;
  }

  /** Slot `i` of a block of `count` slots (words as from slotBlocks; `perSlot` 1 or 2 words). */
  slot(words: ArrayLike<number>, i: number, count: number, perSlot: number): ValueKind {
    this.module = undefined;
    this.stack = undefined;
    this.unloaded = undefined;
    this.region = undefined;
    this.text = undefined;
    const lo = words[i * perSlot]! >>> 0;
    const hi = perSlot === 2 ? words[i * 2 + 1]! >>> 0 : 0;
    const kind = this.slots.classify(hi, lo);
    if (kind !== "Value") {
      this.module = this.slots.module;
      this.stack = this.slots.stack;
      return kind;
    }
    if (hi === 0 && lo === 0) return "Zero";
    const offset = i * perSlot * 4;
    if (offset < this.stringEnd) return "String";
    const s = stringAt(words, offset, count * perSlot * 4, this.opts.minStringChars, this.opts.maxStringChars);
    if (s) {
      this.stringEnd = offset + s.bytes;
      this.text = (s.encoding === "UTF-16" ? "UTF-16 \"" : "ASCII \"") + s.text + "\"";
      return "String";
    }
    if (hi === 0 && lo < 0x10000) return "SmallInt";
    if (this.opts.unloaded || this.opts.regions) {
      const p = placeOf(this.t, hi, lo, this.opts.unloaded, this.opts.regions);
      if (p.kind === "UnloadedModule") { this.unloaded = p.unloaded; this.text = p.text; return "UnloadedModulePointer"; }
      if (p.kind === "Heap") { this.region = p.region; return "HeapPointer"; }
      if (p.kind === "PrivateExecutable" || p.kind === "MappedExecutable") { this.region = p.region; this.text = p.text; return "RawCodePointer"; }
    }
    const status = statusText(hi, lo);
    if (status) { this.text = status; return "Status"; }
    return "Value";
  }
}

/**
 * Saved exception state on a thread's stack: CONTEXT and EXCEPTION_RECORD read through ntdll's types
 * (sizes and field offsets come from the symbols, never from constants), validated before anyone is told
 * about them, and recovered from the places exception dispatching leaves them:
 *
 * - x64 / ARM64 `KiUserExceptionDispatcher`: the kernel builds the CONTEXT at the frame's stack pointer and
 *   the EXCEPTION_RECORD after it (Windows 7+ puts a CONTEXT_EX in between: the record is at
 *   sizeof(CONTEXT) + 0x20 on x64; earlier systems put it right after the CONTEXT). The record's place is
 *   probed from sizeof(CONTEXT) on in 16-byte steps and accepted where its ExceptionAddress equals the
 *   CONTEXT's instruction pointer.
 * - x86 `KiUserExceptionDispatcher(EXCEPTION_RECORD*, CONTEXT*)`: the two pointer arguments on the stack.
 * - Any other dispatching frame (RtlDispatchException, RaiseException, UnhandledExceptionFilter...): a
 *   bounded scan of the stack above it for (EXCEPTION_RECORD*, CONTEXT*) pairs (arguments, EXCEPTION_POINTERS)
 *   and for CONTEXT-shaped data, then for a record whose ExceptionAddress is that CONTEXT's instruction pointer.
 *
 * A CONTEXT counts only when its ContextFlags name the target's architecture with CONTEXT_CONTROL, its stack
 * pointer is inside the stack that holds it, and its instruction pointer is inside a module (or is the
 * address an execute fault names).
 *
 * Also here: the thrown type of an MSVC C++ exception, from the throw information its record points to.
 */
import { addTo, compareU64, comparePair, differenceOf, fromHalves, halvesOf, toInt64, toNumber, type Int64 } from "./int64";
import { asAddress, type Architecture, type Target, type ThreadRef } from "./target";
import { demangleTypeName } from "./exception-codes";
import { errorMessage, Unavailable } from "./values";

/** The architecture bit of ContextFlags (winnt.h CONTEXT_i386 / CONTEXT_AMD64 / CONTEXT_ARM64). */
const ARCH_FLAG: { readonly [a: string]: number } = { x86: 0x10000, x64: 0x100000, arm64: 0x400000 };
/** CONTEXT_CONTROL's low bit: the instruction and stack pointers are valid. */
const CONTEXT_CONTROL = 0x1;
/** Bits 8..23 hold the architecture bit; the low byte holds feature bits, the high byte status bits (CONTEXT_EXCEPTION_*). */
const ARCH_MASK = 0x00ffff00;
/** EXCEPTION_MAXIMUM_PARAMETERS (winnt.h). */
const MAX_PARAMETERS = 15;

const REGISTER_FIELDS: { readonly [a: string]: { readonly ip: string; readonly sp: string } } = {
  x64: { ip: "Rip", sp: "Rsp" }, x86: { ip: "Eip", sp: "Esp" }, arm64: { ip: "Pc", sp: "Sp" },
};

/** True when ContextFlags name the architecture with CONTEXT_CONTROL (the in-memory prefilter of a CONTEXT scan). */
export function contextFlagsPlausible(arch: Architecture, flags: number): boolean {
  const want = ARCH_FLAG[arch];
  return want !== undefined && ((flags >>> 0) & ARCH_MASK) === want && (flags & CONTEXT_CONTROL) !== 0;
}

export interface ExceptionTypes {
  readonly arch: Architecture;
  readonly contextSize: number;
  readonly flagsOffset: number;
  readonly ipField: string;
  readonly spField: string;
  readonly recordSize: number;
  readonly recordAddressOffset: number;
  readonly recordParametersOffset: number;
  /** sizeof(_CONTEXT_EX) when the symbols have it (the gap before the record on x64). */
  readonly contextExSize: number | undefined;
}

/** ntdll's `_CONTEXT` / `_EXCEPTION_RECORD` for the target's architecture, or why they cannot be used. */
export function exceptionTypes(t: Target): ExceptionTypes | string {
  const arch = t.architecture();
  const regs = REGISTER_FIELDS[arch];
  if (!regs) return "no CONTEXT layout is known for " + arch;
  const contextSize = t.typeSize("ntdll", "_CONTEXT");
  const recordSize = t.typeSize("ntdll", "_EXCEPTION_RECORD");
  if (contextSize === undefined || recordSize === undefined) {
    return "ntdll's _CONTEXT / _EXCEPTION_RECORD types are not available (ntdll symbols not loaded: .reload /f ntdll.dll, check .sympath)";
  }
  const flagsOffset = t.fieldOffset("ntdll", "_CONTEXT", "ContextFlags");
  const ip = t.fieldOffset("ntdll", "_CONTEXT", regs.ip);
  const sp = t.fieldOffset("ntdll", "_CONTEXT", regs.sp);
  const addressOffset = t.fieldOffset("ntdll", "_EXCEPTION_RECORD", "ExceptionAddress");
  const parametersOffset = t.fieldOffset("ntdll", "_EXCEPTION_RECORD", "ExceptionInformation");
  if (flagsOffset === undefined || ip === undefined || sp === undefined) {
    return "ntdll's _CONTEXT has no ContextFlags/" + regs.ip + "/" + regs.sp + " fields: its symbols are not those of an " + arch + " ntdll";
  }
  if (addressOffset === undefined || parametersOffset === undefined) return "ntdll's _EXCEPTION_RECORD lacks ExceptionAddress/ExceptionInformation";
  return {
    arch, contextSize, flagsOffset, ipField: regs.ip, spField: regs.sp, recordSize,
    recordAddressOffset: addressOffset, recordParametersOffset: parametersOffset,
    contextExSize: t.typeSize("ntdll", "_CONTEXT_EX"),
  };
}

export interface ContextValues {
  readonly address: Int64;
  readonly flags: number;
  readonly ip: Int64;
  readonly sp: Int64;
}

export interface RecordValues {
  readonly address: Int64;
  readonly code: number;
  readonly flags: number;
  /** ExceptionRecord: the chained (nested) record, 0 when none. */
  readonly nested: Int64;
  readonly exceptionAddress: Int64;
  readonly parameters: readonly Int64[];
}

export function readContext(t: Target, types: ExceptionTypes, address: Int64): ContextValues | string {
  const o = t.typedObject(address, "ntdll", "_CONTEXT");
  if (!o) return "no _CONTEXT type";
  try {
    return { address, flags: toNumber(o.ContextFlags) >>> 0, ip: toInt64(o[types.ipField]), sp: toInt64(o[types.spField]) };
  } catch (e) {
    return "the CONTEXT at " + t.formatAddress(address) + " could not be read: " + errorMessage(e);
  }
}

export function readRecord(t: Target, types: ExceptionTypes, address: Int64): RecordValues | string {
  const o = t.typedObject(address, "ntdll", "_EXCEPTION_RECORD");
  if (!o) return "no _EXCEPTION_RECORD type";
  let code: number;
  let flags: number;
  let count: number;
  let nested: Int64;
  let exceptionAddress: Int64;
  try {
    code = toNumber(o.ExceptionCode) >>> 0;
    flags = toNumber(o.ExceptionFlags) >>> 0;
    count = toNumber(o.NumberParameters) >>> 0;
    nested = asAddress(o.ExceptionRecord);
    exceptionAddress = asAddress(o.ExceptionAddress);
  } catch (e) {
    return "the EXCEPTION_RECORD at " + t.formatAddress(address) + " could not be read: " + errorMessage(e);
  }
  if (code === 0) return "ExceptionCode is 0";
  if (flags > 0xff) return "ExceptionFlags 0x" + flags.toString(16) + " has undefined bits";
  if (count > MAX_PARAMETERS) return "NumberParameters " + count + " exceeds " + MAX_PARAMETERS;
  const parameters: Int64[] = [];
  if (count > 0) {
    const words = t.readPointerWords(addTo(address, types.recordParametersOffset), count);
    if (!words) return "the parameters of the EXCEPTION_RECORD at " + t.formatAddress(address) + " are not in the dump";
    const per = t.pointerSize() / 4;
    for (let i = 0; i < count; i++) parameters.push(fromHalves(per === 2 ? words[i * 2 + 1]! : 0, words[i * per]!));
  }
  return { address, code, flags, nested, exceptionAddress, parameters };
}

/** The stack that holds an address: the owning thread's TEB range, else this thread's range. */
function stackHolding(t: Target, thread: ThreadRef, address: Int64, fallbackBytes: number): { limit: Int64; base: Int64 } | undefined {
  const [hi, lo] = halvesOf(address);
  const owner = t.stackOwner(hi, lo);
  if (owner) return { limit: fromHalves(owner.limitHi, owner.limitLo), base: fromHalves(owner.baseHi, owner.baseLo) };
  const r = t.stackRange(thread, fallbackBytes);
  return r instanceof Unavailable ? undefined : { limit: r.limit, base: r.base };
}

function inside(v: Int64, r: { limit: Int64; base: Int64 }): boolean {
  return compareU64(v, r.limit) >= 0 && compareU64(v, r.base) < 0;
}

/** Why a CONTEXT is not plausible (empty when it is). `record` lets an execute fault outside modules pass. */
export function contextProblems(t: Target, types: ExceptionTypes, thread: ThreadRef, c: ContextValues, record: RecordValues | undefined, fallbackBytes: number): string[] {
  const problems: string[] = [];
  const want = ARCH_FLAG[types.arch]!;
  if ((c.flags & ARCH_MASK) !== want || !(c.flags & CONTEXT_CONTROL)) {
    problems.push("ContextFlags 0x" + c.flags.toString(16) + " is not an " + types.arch + " CONTEXT with CONTEXT_CONTROL (0x" + (want | CONTEXT_CONTROL).toString(16) + ")");
  }
  const stack = stackHolding(t, thread, c.address, fallbackBytes);
  if (!stack) problems.push("the thread's stack range is unknown");
  else if (!inside(c.sp, stack)) {
    problems.push("its stack pointer " + t.formatAddress(c.sp) + " is outside the stack " + t.formatAddress(stack.limit) + " - " + t.formatAddress(stack.base));
  }
  if (!t.modules().find(c.ip) && !(record && compareU64(record.exceptionAddress, c.ip) === 0)) {
    problems.push("its instruction pointer " + t.formatAddress(c.ip) + " is not in a loaded module");
  }
  return problems;
}

export type RecoveryMethod = "dispatcher frame" | "argument pair" | "context scan";

export interface Recovered {
  readonly context: ContextValues;
  readonly record: RecordValues | undefined;
  readonly method: RecoveryMethod;
}

export interface RecoveryOptions {
  /** Bytes past the end of the CONTEXT probed for the record (x64/ARM64 KiUserExceptionDispatcher). */
  readonly recordProbeBytes: number;
  /** Bytes of stack scanned from a dispatching frame's stack pointer. */
  readonly scanBytes: number;
  /** CONTEXT / record validations per scan. */
  readonly maxCandidates: number;
  /** Stack bytes assumed above the stack pointer when the TEB is unreadable. */
  readonly fallbackStackBytes: number;
}

/** Reads and validates candidates, each address once. */
class Validator {
  private readonly contexts: { [key: string]: ContextValues | string } = {};
  private readonly records: { [key: string]: RecordValues | string } = {};
  attempts = 0;
  /** The last reason a CONTEXT candidate was rejected (for the Suspicious row). */
  lastProblem: string | undefined;

  constructor(private readonly t: Target, private readonly types: ExceptionTypes, private readonly thread: ThreadRef, private readonly opts: RecoveryOptions) {}

  context(address: Int64, record?: RecordValues): ContextValues | undefined {
    const key = halvesOf(address).join(":");
    let c = this.contexts[key];
    if (c === undefined) {
      this.attempts++;
      c = readContext(this.t, this.types, address);
      this.contexts[key] = c;
    }
    if (typeof c === "string") { this.lastProblem = c; return undefined; }
    const problems = contextProblems(this.t, this.types, this.thread, c, record, this.opts.fallbackStackBytes);
    if (problems.length) { this.lastProblem = "the CONTEXT at " + this.t.formatAddress(address) + ": " + problems.join("; "); return undefined; }
    return c;
  }

  record(address: Int64): RecordValues | undefined {
    const key = halvesOf(address).join(":");
    let r = this.records[key];
    if (r === undefined) {
      this.attempts++;
      r = readRecord(this.t, this.types, address);
      this.records[key] = r;
    }
    return typeof r === "string" ? undefined : r;
  }

  exhausted(): boolean {
    return this.attempts >= this.opts.maxCandidates;
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** x64 / ARM64 KiUserExceptionDispatcher: the CONTEXT at the frame's stack pointer, the record after it. */
function atDispatcherFrame(v: Validator, types: ExceptionTypes, sp: Int64, probeBytes: number): Recovered | undefined {
  const offsets: number[] = [];
  if (types.contextExSize !== undefined) offsets.push(align(types.contextSize + types.contextExSize, 16));
  for (let off = types.contextSize; off <= types.contextSize + probeBytes; off += 16) if (offsets.indexOf(off) < 0) offsets.push(off);
  // The record's ExceptionAddress is the CONTEXT's instruction pointer, for faults and RtlRaiseException alike.
  for (const off of offsets) {
    const record = v.record(addTo(sp, off));
    if (!record) continue;
    const context = v.context(sp, record);
    if (context && compareU64(record.exceptionAddress, context.ip) === 0) return { context, record, method: "dispatcher frame" };
  }
  const context = v.context(sp);
  return context ? { context, record: undefined, method: "dispatcher frame" } : undefined;
}

/** A slot of a block of pointer-sized words as (hi, lo). */
function slot(words: ArrayLike<number>, i: number, per: number): [number, number] {
  return [per === 2 ? words[i * 2 + 1]! >>> 0 : 0, words[i * per]! >>> 0];
}

/**
 * Scans `bytes` of stack from `start`: (record*, context*) pairs first, then CONTEXT-shaped data with a
 * record whose ExceptionAddress is its instruction pointer. Distinct contexts (by instruction and stack
 * pointer), nearest to the top of the stack first.
 */
function scanStack(t: Target, v: Validator, types: ExceptionTypes, thread: ThreadRef, start: Int64, bytes: number): Recovered[] {
  const ps = t.pointerSize();
  const per = ps / 4;
  // The whole window, else as much of its start as is in the dump.
  let count = Math.floor(bytes / ps);
  let words = count >= 2 ? t.readPointerWords(start, count) : undefined;
  while (!words && count > 2) {
    count = Math.max(2, count >> 1);
    words = t.readPointerWords(start, count);
  }
  if (!words) return [];
  const found: Recovered[] = [];
  const seen: { [key: string]: boolean } = {};
  const add = (r: Recovered) => {
    const key = halvesOf(r.context.ip).join(":") + "/" + halvesOf(r.context.sp).join(":");
    if (seen[key]) return;
    seen[key] = true;
    found.push(r);
  };
  const range = t.stackRange(thread, 0x100000);
  const inStack = (hi: number, lo: number): boolean => {
    if (lo % ps !== 0 || (hi === 0 && lo === 0)) return false;
    if (t.stackOwner(hi, lo)) return true;
    if (range instanceof Unavailable) return false;
    const [lh, ll] = halvesOf(range.limit);
    const [bh, bl] = halvesOf(range.base);
    return comparePair(hi, lo, lh, ll) >= 0 && comparePair(hi, lo, bh, bl) < 0;
  };

  // 1. (EXCEPTION_RECORD*, CONTEXT*) pairs: dispatcher arguments and EXCEPTION_POINTERS.
  for (let i = 0; i + 1 < count && !v.exhausted(); i++) {
    const [h0, l0] = slot(words, i, per);
    const [h1, l1] = slot(words, i + 1, per);
    if (!inStack(h0, l0) || !inStack(h1, l1) || (h0 === h1 && l0 === l1)) continue;
    const record = v.record(fromHalves(h0, l0));
    if (!record) continue;
    const context = v.context(fromHalves(h1, l1), record);
    if (context) add({ context, record, method: "argument pair" });
  }
  if (found.length) return found;

  // 2. CONTEXT-shaped data (ContextFlags at its offset, aligned as the compiler aligns CONTEXT locals).
  const step = ps === 8 ? 16 : 4;
  const want = ARCH_FLAG[types.arch]!;
  const flagsWord = types.flagsOffset / 4;
  if (types.flagsOffset % 4 !== 0) return found;
  const [sh, sl] = halvesOf(start);
  for (let off = (step - (sl % step)) % step; off / 4 + flagsWord < count * per && !v.exhausted(); off += step) {
    const flags = words[off / 4 + flagsWord]! >>> 0;
    if ((flags & ARCH_MASK) !== want || !(flags & CONTEXT_CONTROL)) continue;
    const address = addTo(fromHalves(sh, sl), off);
    const context = v.context(address);
    if (!context) continue;
    // The record whose ExceptionAddress is this CONTEXT's instruction pointer.
    const [ih, il] = halvesOf(context.ip);
    let record: RecordValues | undefined;
    for (let j = 0; j < count && !record && !v.exhausted(); j++) {
      const [h, l] = slot(words, j, per);
      if (h !== ih || l !== il) continue;
      const at = addTo(start, j * ps - types.recordAddressOffset);
      const r = v.record(at);
      if (r && compareU64(r.exceptionAddress, context.ip) === 0) record = r;
    }
    add({ context, record, method: "context scan" });
  }
  return found;
}

/**
 * Recovers the exception state of one thread from its dispatching frames. `dispatcherSps` are the stack
 * pointers of its KiUserExceptionDispatcher frames; `scanFrom` is the lowest stack pointer of any
 * dispatching frame (where the scan starts when the dispatcher frames give nothing).
 */
export function recoverThread(t: Target, types: ExceptionTypes, thread: ThreadRef, dispatcherSps: readonly Int64[], scanFrom: Int64 | undefined,
  opts: RecoveryOptions): { found: Recovered[]; problem: string | undefined } {
  const v = new Validator(t, types, thread, opts);
  const found: Recovered[] = [];
  if (types.arch !== "x86") {
    for (const sp of dispatcherSps) {
      const r = atDispatcherFrame(v, types, sp, opts.recordProbeBytes);
      if (r) found.push(r);
    }
  }
  if (found.length === 0 && scanFrom) {
    // x86 passes pointers; elsewhere the records may sit in RtlRaiseException's or the filter's frame.
    const range = t.stackRange(thread, opts.fallbackStackBytes);
    let bytes = opts.scanBytes;
    if (!(range instanceof Unavailable)) {
      const room = differenceOf(range.base, scanFrom);
      if (room !== undefined && room > 0) bytes = Math.min(bytes, room);
    }
    for (const r of scanStack(t, v, types, thread, scanFrom, bytes)) found.push(r);
  }
  return { found, problem: found.length ? undefined : v.lastProblem };
}

/**
 * The thrown C++ type from the MSVC throw information (ehdata.h layouts: ThrowInfo.pCatchableTypeArray at
 * +0xc, CatchableTypeArray.arrayOfCatchableTypes[0] at +4, CatchableType.pType at +4, TypeDescriptor.name
 * after two pointers). 64-bit throws store image-relative offsets from Parameter[3]; 32-bit ones pointers.
 * Undefined when the module's data is not in the dump (minidumps rarely hold it).
 */
export function cppThrowType(t: Target, params: readonly Int64[]): string | undefined {
  if (params.length < 3) return undefined;
  const ps = t.pointerSize();
  const base = ps === 8 ? params[3] : undefined;
  if (ps === 8 && !base) return undefined;
  const at = (v: number): Int64 => base ? addTo(base, v) : fromHalves(0, v);
  const u32 = (address: Int64, offset: number): number | undefined => {
    const b = t.readBytes(addTo(address, offset), 4);
    return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : undefined;
  };
  const array = u32(params[2]!, 0xc);
  if (!array) return undefined;
  const first = u32(at(array), 4);
  if (!first) return undefined;
  const descriptor = u32(at(first), 4);
  if (!descriptor) return undefined;
  // The name, 16 bytes at a time up to its terminator (a byte at a time where a piece crosses the end of the dump).
  const start = addTo(at(descriptor), 2 * ps);
  let name = "";
  for (let off = 0; off < 256; off += 16) {
    let piece = t.readBytes(addTo(start, off), 16);
    if (!piece) {
      const partial: number[] = [];
      for (let i = 0; i < 16; i++) {
        const b = t.readBytes(addTo(start, off + i), 1);
        if (!b) break;
        partial.push(b[0]!);
      }
      piece = partial;
    }
    for (let i = 0; i < piece.length; i++) {
      if (piece[i] === 0) return name.indexOf(".?A") === 0 ? demangleTypeName(name) : undefined;
      name += String.fromCharCode(piece[i]!);
    }
    if (piece.length < 16) return undefined;
  }
  return undefined;
}

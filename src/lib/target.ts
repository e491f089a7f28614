/**
 * The one thin typed layer between analyses and `host`: processes, threads, stack ranges, modules,
 * memory in bulk, symbols. How each thing is fetched, and its fallbacks for missing symbols and
 * unconfirmed provider behaviour, is written once here. A Target is made per analysis call and caches
 * what it fetched for that call only.
 */
import { endsWithCall, callWindow, type CallArch } from "./call-site";
import { addTo, comparePair, compareU64, differenceOf, formatAddress, halvesOf, isInt64, toInt64, toNumber, type Int64 } from "./int64";
import { ModuleIndex, moduleInfo, type ModuleInfo } from "./module-index";
import { readSections, sectionAt, type Section } from "./pe";
import { readThreadStack, type ThreadStack } from "./stacks";
import { errorMessage, notAvailable, unreadable, Unavailable } from "./values";

export type Architecture = CallArch;

export interface ThreadRef {
  readonly id: number;
  readonly model: DbgModel.Thread;
}

export interface StackRange {
  readonly limit: Int64;
  readonly base: Int64;
  /** teb: NtTib.StackLimit..StackBase; stack-pointer: a bounded scan up from the stack pointer (no TEB). */
  readonly source: "teb" | "stack-pointer";
  /** Why the fallback was used, when it was. */
  readonly note?: string;
}

export interface StackExtent {
  readonly threadId: number;
  readonly limitHi: number;
  readonly limitLo: number;
  readonly baseHi: number;
  readonly baseLo: number;
}

export interface SymbolName {
  /** `ntdll!NtWaitForSingleObject+0x14`, or `ntdll+0x9d4d4` without symbols. */
  readonly text: string;
  readonly hasSymbol: boolean;
}

/** Frames read per thread: deeper than any real stack needs, bounded against corrupt frame chains. */
const MAX_FRAMES = 512;

export class Target {
  private ptrSize: number | undefined;
  private archCache: Architecture | undefined;
  private index: ModuleIndex | undefined;
  private threadsCache: ThreadRef[] | undefined;
  private stacksCache: StackExtent[] | undefined;
  private readonly symbolCache: { [key: string]: SymbolName } = {};
  private readonly sectionCache: { [base: string]: Section[] | null } = {};
  private readonly callSiteCache: { [key: string]: boolean | Unavailable } = {};
  private readonly stackCache: { [threadId: number]: ThreadStack } = {};
  private readonly typeCache: { [key: string]: DbgModel.TypeObject | null } = {};

  constructor(readonly process: DbgModel.Process = host.currentProcess) {}

  isKernel(): boolean {
    try {
      return host.currentSession.Attributes.Target.IsKernelTarget === true;
    } catch (e) {
      return false;
    }
  }

  /** 4 or 8, from the session's machine attributes, else the $ptrsize pseudo-register. */
  pointerSize(): number {
    if (this.ptrSize === undefined) {
      let size: number | undefined;
      try { size = toNumber(host.currentSession.Attributes.Machine.PointerSize); } catch (e) { size = undefined; }
      if (size !== 4 && size !== 8) {
        try { size = toNumber(host.namespace.Debugger.State.PseudoRegisters.General.ptrsize); } catch (e) { size = undefined; }
      }
      this.ptrSize = size === 4 ? 4 : 8;
    }
    return this.ptrSize;
  }

  /** x64, x86 or arm64, from the register names the current thread has. */
  architecture(): Architecture {
    if (this.archCache === undefined) {
      let arch: Architecture = this.pointerSize() === 4 ? "x86" : "x64";
      try {
        const regs = host.currentThread.Registers.User;
        if (regs.rip !== undefined) arch = "x64";
        else if (regs.eip !== undefined) arch = "x86";
        else if (regs.pc !== undefined || regs.x0 !== undefined) arch = "arm64";
      } catch (e) { /* keep the guess from the pointer size */ }
      this.archCache = arch;
    }
    return this.archCache;
  }

  formatAddress(v: DbgModel.Numeric): string {
    return formatAddress(v, this.pointerSize());
  }

  // ---- threads ----

  threads(): ThreadRef[] {
    if (!this.threadsCache) {
      const list: ThreadRef[] = [];
      for (const t of this.process.Threads) list.push({ id: toNumber(t.Id), model: t });
      this.threadsCache = list;
    }
    return this.threadsCache;
  }

  currentThread(): ThreadRef | undefined {
    const t = host.currentThread;
    if (!t) return undefined;
    return { id: toNumber(t.Id), model: t };
  }

  /** The thread with this id in the process, or undefined. */
  findThread(id: number): ThreadRef | undefined {
    try {
      const t = this.process.Threads.getValueAt(id);
      if (t) return { id: toNumber(t.Id), model: t };
    } catch (e) { /* not keyed by that id: search below */ }
    for (const t of this.threads()) if (t.id === id) return t;
    return undefined;
  }

  stackPointer(thread: ThreadRef): Int64 | undefined {
    try {
      const regs = thread.model.Registers.User;
      const sp = regs.rsp !== undefined ? regs.rsp : regs.esp !== undefined ? regs.esp : regs.sp;
      if (sp !== undefined) return toInt64(sp);
    } catch (e) { /* fall through to the frame */ }
    try {
      const frames = thread.model.Stack.Frames;
      for (const f of frames) return toInt64(f.Attributes.StackOffset);
    } catch (e) { /* no registers and no frames */ }
    return undefined;
  }

  /**
   * The thread's stack: NtTib.StackLimit..StackBase from the TEB; without a readable TEB, a bounded
   * range above the stack pointer (`fallbackBytes`), marked as such.
   */
  stackRange(thread: ThreadRef, fallbackBytes: number): StackRange | Unavailable {
    let note: string;
    try {
      const teb = thread.model.Environment.EnvironmentBlock;
      if (teb === undefined || teb === null) {
        note = "the thread has no typed TEB (ntdll symbols or the _TEB type are missing)";
      } else {
        const tib = teb.NtTib;
        const base = asAddress(tib.StackBase);
        const limit = asAddress(tib.StackLimit);
        if (compareU64(limit, base) < 0) return { limit, base, source: "teb" };
        note = "the TEB's stack range is empty or inverted (" + this.formatAddress(limit) + " - " + this.formatAddress(base) + ")";
      }
    } catch (e) {
      note = "the TEB could not be read: " + errorMessage(e);
    }
    const sp = this.stackPointer(thread);
    if (!sp) return notAvailable(note + "; and the thread has no stack pointer");
    const pageMask = 0xfff;
    const [hi, lo] = halvesOf(sp);
    const limit = toInt64(host.Int64((lo & ~pageMask) >>> 0, hi));
    return { limit, base: addTo(limit, fallbackBytes), source: "stack-pointer", note };
  }

  /**
   * Every thread's TEB stack range, sorted by address, for "is this a pointer into some thread's stack".
   * Costs a TEB read per thread, once per Target; threads without a readable TEB are left out.
   */
  stackRanges(): readonly StackExtent[] {
    if (!this.stacksCache) {
      const out: StackExtent[] = [];
      for (const t of this.threads()) {
        const r = this.stackRange(t, 0);
        if (r instanceof Unavailable || r.source !== "teb") continue;
        const [limitHi, limitLo] = halvesOf(r.limit);
        const [baseHi, baseLo] = halvesOf(r.base);
        out.push({ threadId: t.id, limitHi, limitLo, baseHi, baseLo });
      }
      out.sort((a, b) => comparePair(a.limitHi, a.limitLo, b.limitHi, b.limitLo));
      this.stacksCache = out;
    }
    return this.stacksCache;
  }

  /** The thread whose stack holds the address (given as halves), if any. */
  stackOwner(hi: number, lo: number): StackExtent | undefined {
    const list = this.stackRanges();
    let a = 0;
    let b = list.length - 1;
    let best = -1;
    while (a <= b) {
      const mid = (a + b) >> 1;
      if (comparePair(list[mid]!.limitHi, list[mid]!.limitLo, hi, lo) <= 0) { best = mid; a = mid + 1; } else b = mid - 1;
    }
    if (best < 0) return undefined;
    const s = list[best]!;
    return comparePair(hi, lo, s.baseHi, s.baseLo) < 0 ? s : undefined;
  }

  /** A thread's frames, read once per Target (shared by every analysis of the call). */
  threadStack(thread: ThreadRef): ThreadStack {
    let s = this.stackCache[thread.id];
    if (!s) {
      s = readThreadStack(this, thread, MAX_FRAMES);
      this.stackCache[thread.id] = s;
    }
    return s;
  }

  /** Every thread's stack, in thread-list order. */
  threadStacks(): ThreadStack[] {
    return this.threads().map((t) => this.threadStack(t));
  }

  // ---- modules ----

  modules(): ModuleIndex {
    if (!this.index) {
      const list: ModuleInfo[] = [];
      for (const m of this.process.Modules) {
        list.push(moduleInfo(String(m.Name), m.BaseAddress, toNumber(m.Size)));
      }
      this.index = new ModuleIndex(list);
    }
    return this.index;
  }

  /** Sections of a loaded image, read from its headers in memory; undefined when the headers are not in the dump. */
  sections(m: ModuleInfo): Section[] | undefined {
    const key = m.baseHi + ":" + m.baseLo;
    let s = this.sectionCache[key];
    if (s === undefined) {
      s = readSections((offset, length) => this.readBytes(addTo(m.base, offset), length)) || null;
      this.sectionCache[key] = s;
    }
    return s || undefined;
  }

  /** Whether an address inside an image is in an executable section: true / false / undefined (headers not in the dump). */
  isExecutable(m: ModuleInfo, address: DbgModel.Numeric): boolean | undefined {
    const sections = this.sections(m);
    if (!sections) return undefined;
    const rva = differenceOf(address, m.base);
    if (rva === undefined) return undefined;
    const s = sectionAt(sections, rva);
    return s ? s.executable : false; // headers and gaps between sections are not code
  }

  // ---- memory ----

  /** `count` pointer-sized slots at `address` as 32-bit words (two per slot on 64-bit), or undefined if unreadable. */
  readPointerWords(address: Int64, count: number): ArrayLike<number> | undefined {
    const words = count * (this.pointerSize() / 4);
    try {
      return host.memory.readMemoryValues(address, words, 4, false, this.process);
    } catch (e) {
      return undefined;
    }
  }

  readBytes(address: Int64, length: number): ArrayLike<number> | undefined {
    try {
      return host.memory.readMemoryValues(address, length, 1, false, this.process);
    } catch (e) {
      return undefined;
    }
  }

  /**
   * Is the code address a plausible return address (a call instruction ends right before it)?
   * Unavailable when the code bytes are not in the dump. Cached per address.
   */
  isReturnSite(address: Int64): boolean | Unavailable {
    const [hi, lo] = halvesOf(address);
    const key = hi + ":" + lo;
    let v = this.callSiteCache[key];
    if (v === undefined) {
      const arch = this.architecture();
      const n = callWindow(arch);
      const bytes = this.readBytes(addTo(address, -n), n);
      v = bytes ? endsWithCall(bytes, arch) : unreadable("code bytes before " + this.formatAddress(address) + " are not in the dump");
      this.callSiteCache[key] = v;
    }
    return v;
  }

  // ---- types ----

  /** A module's type (`ntdll`, `_CONTEXT`) from its symbols, or undefined when they do not have it; cached per Target. */
  type(module: string, typeName: string): DbgModel.TypeObject | undefined {
    const key = module.toLowerCase() + "!" + typeName;
    let t = this.typeCache[key];
    if (t === undefined) {
      try { t = host.getModuleType(module, typeName, this.process) || null; } catch (e) { t = null; } // API 1.0 throws, 1.1+ returns null
      this.typeCache[key] = t;
    }
    return t || undefined;
  }

  /** sizeof(module!typeName), or undefined without the type. */
  typeSize(module: string, typeName: string): number | undefined {
    const t = this.type(module, typeName);
    if (!t) return undefined;
    try { return toNumber(t.size); } catch (e) { return undefined; }
  }

  /** Offset of a field of module!typeName (one level, by name), or undefined when the type or the field is missing. */
  fieldOffset(module: string, typeName: string, field: string): number | undefined {
    const t = this.type(module, typeName);
    if (!t) return undefined;
    try {
      const f = t.fields[field];
      return f ? toNumber(f.offset) : undefined;
    } catch (e) { return undefined; }
  }

  /**
   * The typed object module!typeName at an address, or undefined without the type. Its fields are read
   * when accessed, so a read of memory missing from the dump throws there; callers catch.
   */
  typedObject(address: Int64, module: string, typeName: string): DbgModel.NativeObject | undefined {
    const t = this.type(module, typeName);
    if (!t) return undefined;
    try { return host.createTypedObject(address, t, this.process); } catch (e) { return undefined; }
  }

  // ---- symbols ----

  /** `module!symbol+0xoff` (or `module+0xoff` without symbols) for an address inside a module; cached per address. */
  symbolize(address: Int64, m: ModuleInfo): SymbolName {
    const [hi, lo] = halvesOf(address);
    const key = hi + ":" + lo;
    const hit = this.symbolCache[key];
    if (hit) return hit;
    let result: SymbolName | undefined;
    try {
      const info = host.getModuleContainingSymbolInformation(address, this.process);
      if (info && typeof info.name === "string" && info.name !== "") {
        const name = info.name.indexOf("!") >= 0 ? info.name : m.symbolName + "!" + info.name;
        const disp = info.address !== undefined ? differenceOf(address, info.address) : undefined;
        if (disp !== undefined && disp >= 0) {
          result = { text: disp ? name + "+0x" + disp.toString(16) : name, hasSymbol: true };
        }
      }
    } catch (e) { /* no symbol covers the address (the provider throws or returns null) */ }
    if (!result) {
      const off = differenceOf(address, m.base);
      result = { text: m.symbolName + "+0x" + (off === undefined ? "?" : off.toString(16)), hasSymbol: false };
    }
    this.symbolCache[key] = result;
    return result;
  }
}

/** A pointer-valued field as an address: Int64, number, or a native pointer (its `.address`). */
export function asAddress(v: unknown): Int64 {
  if (isInt64(v) || typeof v === "number") return toInt64(v);
  if (v && typeof v === "object" && (v as { address?: unknown }).address !== undefined) {
    return toInt64((v as { address: unknown }).address);
  }
  throw new TypeError("not an address");
}

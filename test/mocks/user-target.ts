/**
 * Fluent builder of fake user-mode targets for the emulated debugger: a process with threads (stack
 * memory, TEBs, registers, frames), modules (PE headers, symbols, exports, optional code bytes) and
 * handles. Every field has a default, so a test states only the facts it needs; `build()` assigns
 * addresses and resolves references (`sym("ntdll!NtWaitForSingleObject", 0x14)`), so no test computes
 * an address by hand.
 *
 * It encodes data-model facts from the reference and the Windows layouts, and does not import the
 * bundle's own code (src/lib), so a wrong assumption there fails a test instead of being mirrored here.
 */
import { WINDOWS_USER_X64, WINDOWS_USER_X86 } from "../../src/emulator/layouts/windows-user";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { SparseMemory, writeUnsigned } from "../../src/emulator/memory";
import type { Architecture, FrameSpec, HandleSpec, ModuleSpec, SymbolSpec, TargetSpec, ThreadSpec } from "../../src/emulator/target-spec";
import { StructWriter } from "./layout-writer";
import {
  debugDirectory, exportDirectory, peHeaders, resourceSection, rsdsRecord, SectionBuilder, sectionLayout, utf16, versionResource,
  type PdbSpec, type VersionResourceSpec,
} from "./pe-image";

// ---------------------------------------------------------------- stack values (deferred references)

export type StackValue =
  | bigint
  | number
  | { readonly kind: "symbol"; readonly name: string; readonly offset: number; readonly returnSite: boolean }
  | { readonly kind: "module"; readonly module: string; readonly offset: number }
  | { readonly kind: "stack"; readonly tid: number; readonly offset: number }
  | { readonly kind: "teb"; readonly tid: number };

/** A pointer to `module!symbol+offset` (a coincidental code or data pointer: no call is written before it). */
export function sym(name: string, offset = 0): StackValue {
  return { kind: "symbol", name, offset, returnSite: false };
}
/** A return address `module!symbol+offset`: when the module's code is in the dump, a call instruction ends right before it. */
export function ret(name: string, offset: number): StackValue {
  return { kind: "symbol", name, offset, returnSite: true };
}
/** `module+offset` (no symbol needed). */
export function modref(module: string, offset: number): StackValue {
  return { kind: "module", module, offset };
}
/** A pointer into thread `tid`'s stack, `offset` bytes below its stack base. */
export function stackref(tid: number, offsetBelowBase: number): StackValue {
  return { kind: "stack", tid, offset: offsetBelowBase };
}
export function tebref(tid: number): StackValue {
  return { kind: "teb", tid };
}

// ---------------------------------------------------------------- options

export interface ModuleOptions {
  /** File name or full path; a bare name is placed in C:\Windows\System32 (or the app folder for .exe). */
  readonly name: string;
  readonly base?: bigint;
  readonly size?: number;
  /** PDB symbols (name → RVA); false: symbols did not load (exports are used). Default: a few per well-known module. */
  readonly symbols?: Readonly<Record<string, number>> | false;
  readonly exports?: Readonly<Record<string, number>>;
  /** Typed data symbols (with PDB symbols only): `{ RtlCriticalSectionList: { rva: 0x16d100, type: "_LIST_ENTRY" } }`. */
  readonly data?: Readonly<Record<string, { readonly rva: number; readonly type: string }>>;
  /** Write PE headers at the base (default true). */
  readonly headers?: boolean;
  /** Put the .text section's bytes in the dump (default false: minidumps rarely hold code). */
  readonly code?: boolean;
  /** Size of .text (default: half the image). */
  readonly textSize?: number;
  /** COFF TimeDateStamp (default 0). */
  readonly timestamp?: number;
  /** Optional header CheckSum (default 0). */
  readonly checksum?: number;
  /** A debug directory with a CodeView (RSDS) record naming this PDB, in the dump. */
  readonly pdb?: PdbSpec;
  /** The debug directory also has an IMAGE_DEBUG_TYPE_REPRO entry (the timestamp is a hash, not a date). */
  readonly repro?: boolean;
  /** A version resource (VS_VERSIONINFO) in the dump. */
  readonly version?: VersionResourceSpec;
  /** An export directory in the dump listing `exports` (or, without them, the PDB symbols). */
  readonly exportTable?: boolean;
}

export interface ThreadOptions {
  readonly tid: number;
  /** Committed stack size (default 0x4000). */
  readonly stackSize?: number;
  /** Values from the stack pointer upwards (live part). */
  readonly stack?: readonly StackValue[];
  /** Values just below the stack pointer (dead residue), nearest to the stack pointer first. */
  readonly residue?: readonly StackValue[];
  /** Bytes between the stack pointer and the stack base (default 0x400, or enough for `stack`). */
  readonly liveBytes?: number;
  /** Fill every other slot of the stack with this function (slot index from the limit). */
  readonly fill?: (slot: number) => bigint;
  /** Symbolic frames (`ntdll!NtWaitForSingleObject+0x14`); default: one frame at ntdll!NtWaitForSingleObject+0x14. */
  readonly frames?: readonly string[];
  readonly registers?: Readonly<Record<string, bigint>>;
  /** false: no TEB for this thread. */
  readonly teb?: boolean;
  /** Ranges of the stack (offsets from the stack limit) missing from the dump. */
  readonly unreadable?: readonly { readonly offset: number; readonly size: number }[];
  /** The TEB itself is not in the dump. */
  readonly tebUnreadable?: boolean;
  readonly name?: string;
  /** TEB.LastErrorValue / LastStatusValue. */
  readonly lastError?: number;
  readonly lastStatus?: number;
}

/** The PEB's process parameters (_RTL_USER_PROCESS_PARAMETERS) and the environment block they point to. */
export interface ProcessParametersOptions {
  readonly commandLine?: string;
  /** Default: the first module's path. */
  readonly imagePath?: string;
  readonly currentDirectory?: string;
  readonly dllPath?: string;
  readonly windowTitle?: string;
  readonly desktopInfo?: string;
  readonly shellInfo?: string;
  /** Variables in block order: `{ PATH: "C:\\x" }`, or raw entries such as `"=C:=C:\\work"`. */
  readonly environment?: Readonly<Record<string, string>> | readonly string[];
  /** The EnvironmentSize field (default: the block's size in bytes; 0 as older systems leave it). */
  readonly environmentSize?: number;
  /** Parts missing from the dump. */
  readonly unreadable?: readonly ("parameters" | "environment" | "commandLine")[];
}

export interface Wow64Options {
  /** Extra _PEB32 fields (NtGlobalFlag, ...); x64 targets only. */
  readonly peb32?: Readonly<Record<string, bigint | number>>;
  /** 32-bit process parameters of the _PEB32; x64 targets only. */
  readonly processParameters32?: ProcessParametersOptions;
  /** Set TEB64.WowTebOffset (default true); false leaves it 0 (older systems: the TEB32 is at TEB64 + 0x2000 by convention). */
  readonly wowTebOffset?: boolean;
  /** Add wow64.dll, wow64win.dll, wow64cpu.dll and the 32-bit ntdll/kernel32 (default true). */
  readonly modules?: boolean;
}

/** Cells of the GDI shared handle table: `count` objects of `type` owned by process `pid` (default: the target's). */
export interface GdiCells { readonly pid?: number; readonly type: number; readonly count: number }

/** An entry of ntdll's unload event trace ring (RTL_UNLOAD_EVENT_TRACE). */
export interface UnloadEvent {
  readonly name: string;
  readonly base: bigint;
  readonly size: number;
  readonly sequence?: number;
  readonly timestamp?: number;
  readonly checksum?: number;
}

/** Code bytes at `module!symbol`, or bytes computed from the symbol's address and the address resolver (jump targets). */
export type CodeBytes = ArrayLike<number> | ((address: bigint, resolve: (qualified: string, offset?: number) => bigint) => ArrayLike<number>);

export interface UserTargetOptions {
  readonly arch?: Architecture;
  readonly pid?: number;
  readonly processName?: string;
  /** ntdll's symbols (and with them the _TEB/_PEB types) loaded (default true). */
  readonly ntdllSymbols?: boolean;
  /** Add the default modules (app, ntdll, kernel32/kernelbase) (default true). */
  readonly defaultModules?: boolean;
  readonly dumpFileName?: string;
}

// ---------------------------------------------------------------- builder

const DEFAULT_SYMBOLS: Record<string, Record<string, number>> = {
  ntdll: {
    NtWaitForSingleObject: 0x9d4c0, NtWaitForMultipleObjects: 0x9e0b0, NtDelayExecution: 0x9d8a0, NtRemoveIoCompletion: 0x9d600,
    RtlUserThreadStart: 0x5aa40, KiUserExceptionDispatcher: 0xa0c20, RtlDispatchException: 0x27940, LdrpInitializeProcess: 0x6f000,
    RtlpUnloadEventTrace: 0x16d000,
  },
  kernel32: { BaseThreadInitThunk: 0x17030, WaitForSingleObjectEx: 0x1b000, Sleep: 0x1c100 },
  kernelbase: { WaitForSingleObjectEx: 0x2f000, SleepEx: 0x31000, RaiseException: 0x3a000 },
};

interface PendingModule { opts: ModuleOptions; path: string; file: string; symbolName: string; base: bigint; size: number }
interface PendingThread { opts: ThreadOptions }

export interface BuiltUserTarget {
  readonly spec: TargetSpec;
  readonly memory: SparseMemory;
  /** Addresses assigned by build(). */
  readonly at: {
    module(name: string): bigint;
    symbol(qualified: string, offset?: number): bigint;
    teb(tid: number): bigint;
    stackBase(tid: number): bigint;
    stackLimit(tid: number): bigint;
    stackPointer(tid: number): bigint;
    peb(): bigint;
    /** WOW64 (x64 view): the _PEB32, and a thread's _TEB32. */
    peb32(): bigint;
    teb32(tid: number): bigint;
    /** Where processParameters() puts the _RTL_USER_PROCESS_PARAMETERS and the environment block. */
    processParameters(): bigint;
    environment(): bigint;
    gdiTable(): bigint;
  };
}

export class UserTargetBuilder {
  private readonly arch: Architecture;
  private readonly ps: 4 | 8;
  private readonly layout: LayoutSet;
  private readonly modules: PendingModule[] = [];
  private readonly threads: PendingThread[] = [];
  private readonly handles: HandleSpec[] = [];
  private readonly commands: Record<string, string[]> = {};
  private readonly unmaps: { address: bigint; size: number }[] = [];
  private readonly raw: { address: bigint; bytes: Uint8Array }[] = [];
  private pebFields: Record<string, bigint | number> = {};
  private params: ProcessParametersOptions | undefined;
  private wow: Wow64Options | undefined;
  private gdi: GdiCells[] | undefined;
  private unloads: UnloadEvent[] | undefined;
  private readonly patches: { symbol: string; bytes: CodeBytes }[] = [];
  private currentTid: number | undefined;
  private nextBase: bigint;

  constructor(private readonly options: UserTargetOptions = {}) {
    this.arch = options.arch ?? "x64";
    this.ps = this.arch === "x86" ? 4 : 8;
    this.layout = this.arch === "x86" ? WINDOWS_USER_X86 : WINDOWS_USER_X64;
    this.nextBase = this.ps === 8 ? 0x7ff8_0000_0000n : 0x7700_0000n;
    if (options.defaultModules !== false) {
      const app = options.processName ?? "app.exe";
      this.module({ name: app, base: this.ps === 8 ? 0x7ff6_1000_0000n : 0x0040_0000n, size: 0x20000, symbols: { main: 0x1100, worker: 0x1400 } });
      this.module({ name: "ntdll.dll", size: 0x1f0000, symbols: options.ntdllSymbols === false ? false : DEFAULT_SYMBOLS.ntdll,
        exports: { NtWaitForSingleObject: 0x9d4c0, RtlUserThreadStart: 0x5aa40, KiUserExceptionDispatcher: 0xa0c20 } });
      this.module({ name: "kernel32.dll", size: 0xc0000, symbols: DEFAULT_SYMBOLS.kernel32 });
      this.module({ name: "kernelbase.dll", size: 0x2a0000, symbols: DEFAULT_SYMBOLS.kernelbase });
    }
  }

  /** Adds a module, or changes a default one of the same file name (options given here win). */
  module(options: ModuleOptions): this {
    // A bare name changes the module of that file name; a full path only the module at that path (WOW64 has two ntdll.dll).
    const existing = options.name.includes("\\")
      ? this.modules.findIndex((m) => m.path.toLowerCase() === options.name.toLowerCase())
      : this.modules.findIndex((m) => m.file.toLowerCase() === fileOf(options.name).toLowerCase());
    let opts = options;
    if (existing >= 0) {
      const old = this.modules[existing]!;
      // Keep the old base unless the module grew (it could overlap its neighbour).
      const keepBase = options.size === undefined || options.size <= old.size;
      opts = { ...old.opts, ...(keepBase ? { base: old.base } : { base: undefined }), ...options };
    }
    const hasPath = opts.name.includes("\\");
    const file = hasPath ? opts.name.slice(opts.name.lastIndexOf("\\") + 1) : opts.name;
    const path = hasPath ? opts.name : (file.toLowerCase().endsWith(".exe") ? "C:\\Program Files\\App\\" : "C:\\Windows\\System32\\") + file;
    const size = opts.size ?? 0x40000;
    const base = opts.base ?? this.allocateModuleBase(size);
    const dot = file.lastIndexOf(".");
    const entry = { opts, path, file, symbolName: dot > 0 ? file.slice(0, dot) : file, base, size };
    if (existing >= 0) this.modules.splice(existing, 1, entry);
    else this.modules.push(entry);
    return this;
  }

  private allocateModuleBase(size: number): bigint {
    const base = this.nextBase;
    this.nextBase += BigInt(Math.ceil((size + 0x10000) / 0x10000) * 0x10000);
    return base;
  }

  thread(opts: ThreadOptions): this {
    if (this.threads.some((t) => t.opts.tid === opts.tid)) throw new Error(`thread 0x${opts.tid.toString(16)} added twice`);
    this.threads.push({ opts });
    return this;
  }

  /** The thread the debugger starts on (default: the first). */
  current(tid: number): this {
    this.currentTid = tid;
    return this;
  }

  handle(h: HandleSpec): this {
    this.handles.push(h);
    return this;
  }

  /** Raw bytes in the dump at an address (heap objects, globals); mapped before `unmap`s apply. */
  memory(address: bigint, bytes: Uint8Array): this {
    this.raw.push({ address, bytes });
    return this;
  }

  /**
   * A structure of the target's layout (`_RTL_CRITICAL_SECTION`, `_LIST_ENTRY`...) at an address, fields set
   * by name (dotted paths for nested fields); unnamed fields are zero. Addresses in `HEAP_BASE` are free.
   */
  struct(typeName: string, address: bigint, fields: Readonly<Record<string, bigint | number>>): this {
    const w = new StructWriter(this.layout, typeName);
    for (const [path, value] of Object.entries(fields)) w.set(path, value);
    return this.memory(address, w.bytes);
  }

  /** Fields of the PEB by name (`{ NtGlobalFlag: 0x70, BeingDebugged: 1 }`). */
  peb(fields: Readonly<Record<string, bigint | number>>): this {
    this.pebFields = { ...this.pebFields, ...fields };
    return this;
  }

  /** Process parameters (command line, current directory, environment block...) for the PEB to point to. */
  processParameters(opts: ProcessParametersOptions): this {
    this.params = opts;
    return this;
  }

  /**
   * A 32-bit process under WOW64. On x64 targets (the 64-bit view): a _PEB32 and a _TEB32 per thread
   * (TEB64.WowTebOffset = 0x2000), TEBs below 4 GiB. On x86 targets (a 32-bit dump of such a process):
   * TEB32.WowTebOffset = -0x2000 (the TEB64s are not in the dump). Both add the WOW64 modules.
   */
  wow64(opts: Wow64Options = {}): this {
    this.wow = opts;
    if (opts.modules !== false) {
      if (this.ps === 8) {
        this.module({ name: "wow64.dll", size: 0x59000 });
        this.module({ name: "wow64win.dll", size: 0x7a000 });
        this.module({ name: "wow64cpu.dll", base: 0x77a7_0000n, size: 0xa000 });
        this.module({ name: "C:\\Windows\\SysWOW64\\ntdll.dll", base: 0x77a8_0000n, size: 0x1a3000, symbols: false });
        this.module({ name: "C:\\Windows\\SysWOW64\\kernel32.dll", base: 0x7650_0000n, size: 0xf0000, symbols: false });
      } else {
        // A 32-bit dump lists the 64-bit WOW64 DLLs that are mapped below 4 GiB (wow64cpu.dll).
        this.module({ name: "wow64cpu.dll", base: 0x7707_0000n, size: 0xa000 });
      }
    }
    return this;
  }

  /** The GDI shared handle table (PEB.GdiSharedHandleTable) with these cells in use. */
  gdiHandles(cells: readonly GdiCells[]): this {
    this.gdi = [...cells];
    return this;
  }

  /** ntdll's unload event trace (ntdll!RtlpUnloadEventTrace, 64 entries) with these entries, in ring order. */
  unloadEvents(events: readonly UnloadEvent[]): this {
    this.unloads = [...events];
    return this;
  }

  /** Code bytes at a function (`kernel32!CreateFileW`), e.g. a hook's jump; mapped after the modules' code. */
  code(symbol: string, bytes: CodeBytes): this {
    this.patches.push({ symbol, bytes });
    return this;
  }

  command(text: string, lines: readonly string[]): this {
    this.commands[text] = [...lines];
    return this;
  }

  /** Removes a range from the dump after everything is built. */
  unmap(address: bigint, size: number): this {
    this.unmaps.push({ address, size });
    return this;
  }

  build(): BuiltUserTarget {
    const memory = new SparseMemory();
    const ps = this.ps;
    const pid = this.options.pid ?? 0x1234;
    if (this.threads.length === 0) this.thread({ tid: 0x1a4 });

    // Modules: headers, code, symbols.
    const moduleSpecs: ModuleSpec[] = [];
    const byName = (name: string) => {
      const n = name.toLowerCase();
      const m = this.modules.find((x) => x.symbolName.toLowerCase() === n || x.file.toLowerCase() === n);
      if (!m) throw new Error(`no module ${name} in the fake target`);
      return m;
    };
    const symbolAddress = (qualified: string, offset = 0): bigint => {
      const bang = qualified.indexOf("!");
      if (bang < 0) throw new Error(`expected module!symbol, got ${qualified}`);
      const m = byName(qualified.slice(0, bang));
      const name = qualified.slice(bang + 1);
      // The binary has the symbol whether or not the debugger loaded it.
      const rva = (m.opts.symbols || undefined)?.[name] ?? m.opts.exports?.[name] ?? DEFAULT_SYMBOLS[m.symbolName.toLowerCase()]?.[name];
      if (rva === undefined) throw new Error(`no symbol ${qualified} in the fake target`);
      return m.base + BigInt(rva + offset);
    };
    for (const m of this.modules) {
      const textSize = m.opts.textSize ?? Math.max(0x1000, Math.floor(m.size / 2 / 0x1000) * 0x1000);
      if (m.opts.headers !== false) {
        const layout = sectionLayout(m.size, textSize);
        const rdata = new SectionBuilder(layout.rdata);
        let exportDir: { rva: number; size: number } | undefined;
        let debugDir: { rva: number; size: number } | undefined;
        let resourceDir: { rva: number; size: number } | undefined;
        if (m.opts.exportTable) {
          const table = m.opts.exports ?? (m.opts.symbols || {});
          const rva = rdata.next();
          const bytes = exportDirectory(rva, m.file, table);
          rdata.add(bytes);
          exportDir = { rva, size: bytes.length };
        }
        if (m.opts.pdb || m.opts.repro) {
          const cv = m.opts.pdb ? rsdsRecord(m.opts.pdb) : undefined;
          const cvRva = cv ? rdata.add(cv) : undefined;
          const dir = debugDirectory(cvRva, cv?.length ?? 0, !!m.opts.repro);
          debugDir = { rva: rdata.add(dir), size: dir.length };
        }
        if (m.opts.version) {
          const rva = rdata.next(8);
          const bytes = resourceSection(rva, versionResource(m.opts.version));
          rdata.add(bytes, 8);
          resourceDir = { rva, size: bytes.length };
        }
        if (rdata.size > layout.rdataSize) throw new Error(`module ${m.file}: export/debug/resource data (0x${rdata.size.toString(16)} bytes) does not fit its .rdata`);
        memory.map(m.base, peHeaders({ pointerSize: ps, imageSize: m.size, textSize, timestamp: m.opts.timestamp, checksum: m.opts.checksum, exportDir, debugDir, resourceDir }));
        if (rdata.size) memory.map(m.base + BigInt(layout.rdata), rdata.bytes());
      }
      if (m.opts.code) memory.map(m.base + 0x1000n, new Uint8Array(textSize));
      const toSymbols = (t: Readonly<Record<string, number>>): SymbolSpec[] => Object.entries(t).map(([name, rva]) => ({ name, rva }));
      const isNtdll = m.symbolName.toLowerCase() === "ntdll";
      moduleSpecs.push({
        name: m.path, base: m.base, size: m.size,
        symbols: m.opts.symbols === false ? undefined : [
          ...toSymbols(m.opts.symbols ?? {}),
          ...Object.entries(m.opts.data ?? {}).map(([name, d]) => ({ name, rva: d.rva, type: d.type })),
        ],
        exports: m.opts.exports ? toSymbols(m.opts.exports) : undefined,
        types: isNtdll && m.opts.symbols !== false ? this.layout : undefined,
      });
    }
    const codeInDump = (address: bigint) => this.modules.some((m) => m.opts.code && address >= m.base + 0x1000n && address < m.base + 0x1000n + BigInt(m.opts.textSize ?? Math.max(0x1000, Math.floor(m.size / 2 / 0x1000) * 0x1000)));

    // Threads: stacks and TEBs.
    const stackArea = ps === 8 ? 0x0000_00e8_0000_0000n : 0x0010_0000n;
    // WOW64: every TEB below 4 GiB, with room for the TEB32 0x2000 above each TEB64 (x64) or the TEB64 below each TEB32 (x86).
    const wow = this.wow;
    const tebArea = wow ? (ps === 8 ? 0x7ef0_0000n : 0x7ef0_2000n) : ps === 8 ? 0x0000_0047_a000_0000n : 0x7efd_0000n;
    const tebStride = wow ? 0x4000n : 0x2000n;
    const layoutOf = new Map<number, { base: bigint; limit: bigint; sp: bigint; teb: bigint }>();
    this.threads.forEach((t, i) => {
      const size = t.opts.stackSize ?? 0x4000;
      const base = stackArea + BigInt(i + 1) * 0x10_0000n;
      const limit = base - BigInt(size);
      const live = t.opts.liveBytes ?? Math.max(0x400, ((t.opts.stack?.length ?? 0) * ps + 0xff) & ~0xff);
      if (live > size) throw new Error(`thread 0x${t.opts.tid.toString(16)}: live part larger than the stack`);
      layoutOf.set(t.opts.tid, { base, limit, sp: base - BigInt(live), teb: tebArea + BigInt(i) * tebStride });
    });
    const resolve = (v: StackValue): bigint => {
      if (typeof v === "bigint") return v;
      if (typeof v === "number") return BigInt(v);
      switch (v.kind) {
        case "symbol": return symbolAddress(v.name, v.offset);
        case "module": return byName(v.module).base + BigInt(v.offset);
        case "stack": {
          const l = layoutOf.get(v.tid);
          if (!l) throw new Error(`no thread 0x${v.tid.toString(16)}`);
          return l.base - BigInt(v.offset);
        }
        case "teb": {
          const l = layoutOf.get(v.tid);
          if (!l) throw new Error(`no thread 0x${v.tid.toString(16)}`);
          return l.teb;
        }
      }
    };
    const returnSites: bigint[] = [];
    const threadSpecs: ThreadSpec[] = [];
    for (const t of this.threads) {
      const l = layoutOf.get(t.opts.tid)!;
      const size = Number(l.base - l.limit);
      const bytes = new Uint8Array(size);
      if (t.opts.fill) for (let s = 0; s < size / ps; s++) writeUnsigned(bytes, s * ps, ps, t.opts.fill(s));
      const put = (address: bigint, v: StackValue) => {
        const value = resolve(v);
        if (typeof v === "object" && v.kind === "symbol" && v.returnSite) returnSites.push(value);
        writeUnsigned(bytes, Number(address - l.limit), ps, value);
      };
      (t.opts.stack ?? []).forEach((v, k) => put(l.sp + BigInt(k * ps), v));
      (t.opts.residue ?? []).forEach((v, k) => put(l.sp - BigInt((k + 1) * ps), v));
      memory.map(l.limit, bytes);
      for (const u of t.opts.unreadable ?? []) this.unmaps.push({ address: l.limit + BigInt(u.offset), size: u.size });

      if (t.opts.teb !== false) {
        const teb = new StructWriter(this.layout, "_TEB");
        teb.set("NtTib.StackBase", l.base).set("NtTib.StackLimit", l.limit).set("NtTib.Self", l.teb)
          .set("ClientId.UniqueProcess", pid).set("ClientId.UniqueThread", t.opts.tid)
          .set("ProcessEnvironmentBlock", pebAddress(ps)).set("DeallocationStack", l.base - 0x10_0000n + 0x1000n);
        if (t.opts.lastError !== undefined) teb.set("LastErrorValue", t.opts.lastError);
        if (t.opts.lastStatus !== undefined) teb.set("LastStatusValue", t.opts.lastStatus);
        if (wow && ps === 4) teb.set("WowTebOffset", -0x2000);
        if (wow && ps === 8 && wow.wowTebOffset !== false) teb.set("WowTebOffset", 0x2000);
        teb.mapAt(memory, l.teb);
        if (wow && ps === 8) {
          const teb32 = new StructWriter(this.layout, "_TEB32");
          const self32 = l.teb + 0x2000n;
          const stack32 = 0x0030_0000n + BigInt(this.threads.indexOf(t)) * 0x10_0000n;
          teb32.set("NtTib.StackBase", stack32).set("NtTib.StackLimit", stack32 - 0x4000n).set("NtTib.Self", self32)
            .set("ClientId.UniqueProcess", pid).set("ClientId.UniqueThread", t.opts.tid).set("ProcessEnvironmentBlock", PEB32_ADDRESS)
            .set("WowTebOffset", -0x2000);
          if (t.opts.lastError !== undefined) teb32.set("LastErrorValue", t.opts.lastError);
          teb32.mapAt(memory, self32);
        }
        if (t.opts.tebUnreadable) this.unmaps.push({ address: l.teb, size: teb.bytes.length });
      }

      const hasNtdll = this.modules.some((m) => m.symbolName.toLowerCase() === "ntdll");
      const frameNames = t.opts.frames ?? (hasNtdll ? ["ntdll!NtWaitForSingleObject+0x14"] : []);
      const frames: FrameSpec[] = frameNames.map((f, k) => {
        const plus = f.lastIndexOf("+");
        const ip = plus > 0 ? symbolAddress(f.slice(0, plus), Number(f.slice(plus + 1))) : symbolAddress(f);
        return { instructionOffset: ip, stackOffset: l.sp + BigInt(k * 0x40), frameOffset: l.sp + BigInt(k * 0x40 + 0x30) };
      });
      const ip = frames[0]?.instructionOffset ?? 0n;
      const regs: Record<string, bigint> = this.arch === "x64"
        ? { rip: ip, rsp: l.sp, rbp: l.sp + 0x30n, rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, efl: 0x246n }
        : this.arch === "x86"
          ? { eip: ip, esp: l.sp, ebp: l.sp + 0x30n, eax: 0n, ebx: 0n, ecx: 0n, edx: 0n, esi: 0n, edi: 0n, efl: 0x246n }
          : { pc: ip, sp: l.sp, fp: l.sp + 0x30n, lr: 0n, ...Object.fromEntries(Array.from({ length: 29 }, (_, k) => [`x${k}`, 0n])) };
      threadSpecs.push({
        id: t.opts.tid, tebAddress: t.opts.teb === false ? undefined : l.teb, registers: { ...regs, ...(t.opts.registers ?? {}) },
        frames, name: t.opts.name,
      });
    }

    // Return sites get a call instruction right before them when their module's code is in the dump.
    for (const r of returnSites) {
      if (!codeInDump(r)) continue;
      memory.map(r - BigInt(callBytes(this.arch).length), callBytes(this.arch));
    }

    // PEB.
    const peb = new StructWriter(this.layout, "_PEB");
    const app = this.modules[0];
    peb.set("ImageBaseAddress", app ? app.base : 0n).set("OSMajorVersion", 10).set("OSMinorVersion", 0).set("OSBuildNumber", 19045);
    if (this.params) peb.set("ProcessParameters", writeProcessParameters(this.layout, memory, this.unmaps, PARAMS_AREA[ps], this.params, app?.path));
    if (this.gdi) peb.set("GdiSharedHandleTable", writeGdiTable(memory, GDI_AREA[ps], ps === 8 || !!wow, pid, this.gdi));
    for (const [name, v] of Object.entries(this.pebFields)) peb.set(name, v);
    peb.mapAt(memory, pebAddress(ps));
    if (wow && ps === 8) {
      const peb32 = new StructWriter(this.layout, "_PEB32");
      const app32 = app ? app.base : 0n;
      peb32.set("ImageBaseAddress", app32 < 0x1_0000_0000n ? app32 : 0x0040_0000n).set("OSMajorVersion", 10).set("OSBuildNumber", 19045);
      if (wow.processParameters32) peb32.set("ProcessParameters", writeProcessParameters(WINDOWS_USER_X86, memory, this.unmaps, PARAMS_AREA[4], wow.processParameters32, app?.path));
      if (this.gdi) peb32.set("GdiSharedHandleTable", GDI_AREA[8]);
      for (const [name, v] of Object.entries(wow.peb32 ?? {})) peb32.set(name, v);
      peb32.mapAt(memory, PEB32_ADDRESS);
    }
    if (this.unloads) {
      const trace = symbolAddress("ntdll!RtlpUnloadEventTrace");
      const size = new StructWriter(this.layout, "_RTL_UNLOAD_EVENT_TRACE").bytes.length;
      const ring = new Uint8Array(size * 64);
      this.unloads.slice(0, 64).forEach((u, i) => {
        const e = new StructWriter(this.layout, "_RTL_UNLOAD_EVENT_TRACE");
        e.set("BaseAddress", u.base).set("SizeOfImage", u.size).set("Sequence", u.sequence ?? i).set("TimeDateStamp", u.timestamp ?? 0)
          .set("CheckSum", u.checksum ?? 0).setBytes("ImageName", utf16(u.name.slice(0, 31)));
        ring.set(e.bytes, i * size);
      });
      memory.map(trace, ring);
    }
    for (const p of this.patches) {
      const address = symbolAddress(p.symbol);
      const bytes = typeof p.bytes === "function" ? p.bytes(address, symbolAddress) : p.bytes;
      memory.map(address, Uint8Array.from(bytes as ArrayLike<number>));
    }

    for (const r of this.raw) memory.map(r.address, r.bytes);
    for (const u of this.unmaps) memory.unmap(u.address, BigInt(u.size));

    const spec: TargetSpec = {
      kind: "user", arch: this.arch, pointerSize: ps, memory,
      processes: [{ id: pid, name: this.options.processName ?? (app?.file ?? "app.exe"), pebAddress: pebAddress(ps), threads: threadSpecs, modules: moduleSpecs, handles: this.handles.length ? this.handles : undefined }],
      currentProcessId: pid,
      currentThreadId: this.currentTid ?? threadSpecs[0]!.id,
      commands: this.commands,
      dumpFileName: this.options.dumpFileName ?? "C:\\dumps\\app.dmp",
    };
    const need = (tid: number) => { const l = layoutOf.get(tid); if (!l) throw new Error(`no thread 0x${tid.toString(16)}`); return l; };
    return {
      spec, memory,
      at: {
        module: (name) => byName(name).base,
        symbol: symbolAddress,
        teb: (tid) => need(tid).teb,
        stackBase: (tid) => need(tid).base,
        stackLimit: (tid) => need(tid).limit,
        stackPointer: (tid) => need(tid).sp,
        peb: () => pebAddress(ps),
        peb32: () => PEB32_ADDRESS,
        teb32: (tid) => need(tid).teb + (ps === 8 ? 0x2000n : 0n),
        processParameters: () => PARAMS_AREA[ps],
        environment: () => PARAMS_AREA[ps] + ENVIRONMENT_OFFSET,
        gdiTable: () => GDI_AREA[ps],
      },
    };
  }
}

/** Free addresses for test-placed structures (`.struct`, `.memory`): nothing else is mapped there. */
export const HEAP_BASE = { x64: 0x0000_01d0_0000_0000n, arm64: 0x0000_01d0_0000_0000n, x86: 0x0050_0000n } as const;

export function userTarget(options: UserTargetOptions = {}): UserTargetBuilder {
  return new UserTargetBuilder(options);
}

function fileOf(name: string): string {
  return name.includes("\\") ? name.slice(name.lastIndexOf("\\") + 1) : name;
}

function pebAddress(ps: 4 | 8): bigint {
  return ps === 8 ? 0x0000_0047_9fff_e000n : 0x7efd_e000n;
}

/** A call that ends where the bytes end: `E8 rel32` on x86/x64, `BL` on ARM64. */
function callBytes(arch: Architecture): Uint8Array {
  return arch === "arm64" ? Uint8Array.from([0x10, 0x00, 0x00, 0x94]) : Uint8Array.from([0xe8, 0x10, 0x20, 0x00, 0x00]);
}

/** Where the parameters, the environment block and the GDI table go (nothing else is mapped there); the PEB32 of WOW64 targets. */
const PARAMS_AREA = { 8: 0x0000_0220_0000_0000n, 4: 0x6000_0000n } as const;
const ENVIRONMENT_OFFSET = 0x8000n;
const GDI_AREA = { 8: 0x6100_0000n, 4: 0x6100_0000n } as const;
const PEB32_ADDRESS = 0x7efd_e000n;

/**
 * Writes _RTL_USER_PROCESS_PARAMETERS at `address` in `layout`, its strings after it, and the environment block
 * (`NAME=value\0...\0\0`, UTF-16) at address + ENVIRONMENT_OFFSET; returns `address`.
 */
function writeProcessParameters(layout: LayoutSet, memory: SparseMemory, unmaps: { address: bigint; size: number }[], address: bigint,
  o: ProcessParametersOptions, defaultImage: string | undefined): bigint {
  const pp = new StructWriter(layout, "_RTL_USER_PROCESS_PARAMETERS");
  let cursor = address + BigInt((pp.bytes.length + 0xf) & ~0xf);
  const strings: { at: bigint; bytes: Uint8Array; field: string }[] = [];
  const put = (field: string, text: string | undefined) => {
    if (text === undefined) return;
    const bytes = utf16(text);
    pp.set(field + ".Length", bytes.length - 2).set(field + ".MaximumLength", bytes.length).set(field + ".Buffer", cursor);
    strings.push({ at: cursor, bytes, field });
    cursor += BigInt((bytes.length + 0xf) & ~0xf);
  };
  put("CurrentDirectory.DosPath", o.currentDirectory);
  put("DllPath", o.dllPath);
  put("ImagePathName", o.imagePath ?? defaultImage);
  put("CommandLine", o.commandLine);
  put("WindowTitle", o.windowTitle);
  put("DesktopInfo", o.desktopInfo);
  put("ShellInfo", o.shellInfo);
  const env = address + ENVIRONMENT_OFFSET;
  if (o.environment) {
    const entries = Array.isArray(o.environment) ? (o.environment as readonly string[]) : Object.entries(o.environment).map(([k, v]) => `${k}=${v}`);
    const block = utf16(entries.join("\0") + "\0");
    memory.map(env, block);
    pp.set("Environment", env).set("EnvironmentSize", o.environmentSize ?? block.length);
    if (o.unreadable?.includes("environment")) unmaps.push({ address: env, size: block.length });
  }
  pp.set("MaximumLength", pp.bytes.length).set("Length", pp.bytes.length).set("Flags", 1); // RTL_USER_PROC_PARAMS_NORMALIZED
  memory.map(address, pp.bytes);
  for (const s of strings) {
    memory.map(s.at, s.bytes);
    if (s.field === "CommandLine" && o.unreadable?.includes("commandLine")) unmaps.push({ address: s.at, size: s.bytes.length });
  }
  if (o.unreadable?.includes("parameters")) unmaps.push({ address, size: pp.bytes.length });
  return address;
}

/**
 * The GDI shared handle table: 0x10000 cells of GDICELL { pKernelAddress, wProcessId, wCount, wUpper, wType,
 * pUserAddress } (24 bytes with 64-bit pointers, which is also what WOW64 processes see; 16 bytes on 32-bit
 * Windows). Returns the table's address.
 */
function writeGdiTable(memory: SparseMemory, address: bigint, wide: boolean, pid: number, cells: readonly GdiCells[]): bigint {
  const size = wide ? 24 : 16;
  const p = wide ? 8 : 4;
  const table = new Uint8Array(0x10000 * size);
  let index = 0x10; // the first cells are reserved (stock objects live further up; any unused index works here)
  for (const c of cells) {
    for (let k = 0; k < c.count; k++, index++) {
      if (index >= 0x10000) throw new Error("too many GDI cells");
      const o = index * size;
      writeUnsigned(table, o + p, 2, BigInt((c.pid ?? pid) & 0xffff));
      writeUnsigned(table, o + p + 2, 2, 1n);
      writeUnsigned(table, o + p + 4, 2, BigInt(index >>> 16));
      writeUnsigned(table, o + p + 6, 2, BigInt(c.type));
    }
  }
  memory.map(address, table);
  return address;
}

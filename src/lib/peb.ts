/**
 * The process environment block and what hangs off it, for the process-context analyses: the PEB of the
 * debugger's view (typed `Process.Environment.EnvironmentBlock`, else `@$peb`, else a TEB's
 * ProcessEnvironmentBlock), the WOW64 32-bit PEB/TEB seen from a 64-bit view (TEB64.WowTebOffset, else the
 * TEB64 + 0x2000 convention checked against TEB32.NtTib.Self), and the process parameters (command line,
 * image path, current directory, window title, the environment block).
 *
 * Field offsets come from the target's types by name (`_PEB`, `_PEB32`, `_TEB32`, `_RTL_USER_PROCESS_PARAMETERS`);
 * without ntdll symbols they fall back to the documented layouts below (unchanged since Windows Vista for
 * these fields), and every result says which (`typed` or `heuristic`). Values are read as raw memory, a few
 * host calls per structure; strings and the environment block in one request each.
 */
import { addTo, compareU64, fromHalves, halvesOf, isInt64, toInt64, type Int64 } from "./int64";
import { asAddress, type Target, type ThreadRef } from "./target";
import { notAvailable, unreadable, Unavailable } from "./values";

export type Bits = 32 | 64;

/** Documented offsets (Windows 10; the same since Vista for every field here), used only without types. */
const PEB_FALLBACK: { [bits: number]: { [field: string]: number } } = {
  64: { BeingDebugged: 0x2, ReadImageFileExecOptions: 0x1, ImageBaseAddress: 0x10, ProcessParameters: 0x20, ProcessHeap: 0x30, NtGlobalFlag: 0xbc,
    NumberOfHeaps: 0xe8, ProcessHeaps: 0xf0, GdiSharedHandleTable: 0xf8, OSMajorVersion: 0x118, OSMinorVersion: 0x11c, OSBuildNumber: 0x120, SessionId: 0x2c0, TracingFlags: 0x378 },
  32: { BeingDebugged: 0x2, ReadImageFileExecOptions: 0x1, ImageBaseAddress: 0x8, ProcessParameters: 0x10, ProcessHeap: 0x18, NtGlobalFlag: 0x68,
    NumberOfHeaps: 0x88, ProcessHeaps: 0x90, GdiSharedHandleTable: 0x94, OSMajorVersion: 0xa4, OSMinorVersion: 0xa8, OSBuildNumber: 0xac, SessionId: 0x1d4, TracingFlags: 0x240 },
};
const TEB_FALLBACK: { [bits: number]: { [field: string]: number } } = {
  64: { "NtTib.Self": 0x30, ProcessEnvironmentBlock: 0x60, LastErrorValue: 0x68, LastStatusValue: 0x1250, WowTebOffset: 0x180c },
  32: { "NtTib.Self": 0x18, ProcessEnvironmentBlock: 0x30, LastErrorValue: 0x34, LastStatusValue: 0xbf4, WowTebOffset: 0xfdc },
};
const PARAMS_FALLBACK: { [bits: number]: { [field: string]: number } } = {
  64: { CurrentDirectory: 0x38, DllPath: 0x50, ImagePathName: 0x60, CommandLine: 0x70, Environment: 0x80, WindowTitle: 0xb0, DesktopInfo: 0xc0,
    ShellInfo: 0xd0, EnvironmentSize: 0x3f0 },
  32: { CurrentDirectory: 0x24, DllPath: 0x30, ImagePathName: 0x38, CommandLine: 0x40, Environment: 0x48, WindowTitle: 0x70, DesktopInfo: 0x78,
    ShellInfo: 0x80, EnvironmentSize: 0x290 },
};

/** A PEB (or TEB) in memory and how its fields are found. */
export interface BlockView {
  readonly address: Int64;
  readonly bits: Bits;
  /** The native view of the debugger, or the WOW64 32-bit structure seen from a 64-bit view. */
  readonly kind: "native" | "wow64";
  /** Type name in the target's symbols (`_PEB`, `_PEB32`, `_TEB`, `_TEB32`). */
  readonly typeName: string;
  /** typed: offsets from the target's types; heuristic: documented offsets (no ntdll symbols). */
  readonly source: "typed" | "heuristic";
  /** How the address was found (`Process.Environment.EnvironmentBlock`, `@$peb`, `TEB.ProcessEnvironmentBlock`, ...). */
  readonly via: string;
}

// ---- raw reads ----

export function readU8(t: Target, address: Int64): number | undefined {
  const b = t.readBytes(address, 1);
  return b ? b[0]! : undefined;
}
export function readU16(t: Target, address: Int64): number | undefined {
  const b = t.readBytes(address, 2);
  return b ? (b[0]! | (b[1]! << 8)) >>> 0 : undefined;
}
export function readU32(t: Target, address: Int64): number | undefined {
  const b = t.readBytes(address, 4);
  return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : undefined;
}
/** A pointer of the given width (a 32-bit structure's pointers are ULONG even in a 64-bit view). */
export function readPointer(t: Target, address: Int64, bits: Bits): Int64 | undefined {
  const b = t.readBytes(address, bits / 8);
  if (!b) return undefined;
  const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  const hi = bits === 64 ? (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0 : 0;
  return fromHalves(hi, lo);
}

function isNull(v: Int64): boolean {
  const [hi, lo] = halvesOf(v);
  return hi === 0 && lo === 0;
}

/** Offset of a (dotted) field of a view's type: the target's types first, then the documented table. */
export function fieldOffsetOf(t: Target, typeName: string, path: string, fallback: { [field: string]: number }): { offset: number; typed: boolean } | undefined {
  const parts = path.split(".");
  let type = typeName;
  let offset = 0;
  let typed = true;
  for (let i = 0; i < parts.length && typed; i++) {
    const f = t.fieldOffset("ntdll", type, parts[i]!);
    if (f === undefined) { typed = false; break; }
    offset += f;
    if (i + 1 < parts.length) {
      const ty = t.type("ntdll", type);
      let next: string | undefined;
      try { next = String(ty!.fields[parts[i]!]!.type.name); } catch (e) { next = undefined; }
      if (!next) { typed = false; break; }
      type = next;
    }
  }
  if (typed) return { offset, typed: true };
  const f = fallback[path];
  return f === undefined ? undefined : { offset: f, typed: false };
}

function pebFallback(bits: Bits): { [field: string]: number } {
  return PEB_FALLBACK[bits]!;
}

/** A field of a PEB view as an unsigned number (bytes 1/2/4) or pointer; undefined when unreadable or unknown. */
export function pebField(t: Target, peb: BlockView, field: string, size: 1 | 2 | 4 | "ptr"): number | Int64 | undefined {
  const f = fieldOffsetOf(t, peb.typeName, field, pebFallback(peb.bits));
  if (!f) return undefined;
  const at = addTo(peb.address, f.offset);
  if (size === "ptr") return readPointer(t, at, peb.bits);
  return size === 1 ? readU8(t, at) : size === 2 ? readU16(t, at) : readU32(t, at);
}

export function tebField(t: Target, teb: BlockView, field: string, size: 4 | "ptr"): number | Int64 | undefined {
  const f = fieldOffsetOf(t, teb.typeName, field === "Self" ? "NtTib.Self" : field, TEB_FALLBACK[teb.bits]!);
  if (!f) return undefined;
  const at = addTo(teb.address, f.offset);
  return size === "ptr" ? readPointer(t, at, teb.bits) : readU32(t, at);
}

// ---- finding the blocks ----

function nativeBits(t: Target): Bits {
  return t.pointerSize() === 4 ? 32 : 64;
}

function hasType(t: Target, name: string): boolean {
  return t.type("ntdll", name) !== undefined;
}

/** The PEB of the debugger's view, or why it cannot be found. */
export function nativePeb(t: Target): BlockView | Unavailable {
  const bits = nativeBits(t);
  const source = hasType(t, "_PEB") ? "typed" : "heuristic";
  const view = (address: Int64, via: string): BlockView => ({ address, bits, kind: "native", typeName: "_PEB", source, via });
  try {
    const peb = t.process.Environment.EnvironmentBlock;
    if (peb !== undefined && peb !== null) {
      const a = (peb as { address?: unknown }).address;
      if (a !== undefined && !isNull(toInt64(a))) return view(toInt64(a), "Process.Environment.EnvironmentBlock");
    }
  } catch (e) { /* no typed PEB: try the pseudo-register */ }
  try {
    const v: unknown = host.namespace.Debugger.State.PseudoRegisters.General.peb;
    if (v !== undefined && v !== null) {
      const a = isInt64(v) || typeof v === "number" ? toInt64(v) : asAddress(v);
      if (!isNull(a)) return view(a, "@$peb");
    }
  } catch (e) { /* no pseudo-register: try a TEB */ }
  for (const thread of t.threads().slice(0, 4)) {
    const teb = nativeTeb(t, thread);
    if (teb instanceof Unavailable) continue;
    const p = tebField(t, teb, "ProcessEnvironmentBlock", "ptr");
    if (p !== undefined && typeof p !== "number" && !isNull(p)) return view(p, "TEB.ProcessEnvironmentBlock of thread 0x" + thread.id.toString(16));
  }
  return notAvailable("no PEB: the process has no typed environment block, @$peb is not set, and no TEB is readable (.reload /f ntdll.dll; !peb)");
}

/** A thread's TEB in the debugger's view. */
export function nativeTeb(t: Target, thread: ThreadRef): BlockView | Unavailable {
  const bits = nativeBits(t);
  const source = hasType(t, "_TEB") ? "typed" : "heuristic";
  try {
    const teb = thread.model.Environment.EnvironmentBlock;
    if (teb !== undefined && teb !== null) {
      const a = (teb as { address?: unknown }).address;
      if (a !== undefined) return { address: toInt64(a), bits, kind: "native", typeName: "_TEB", source, via: "Thread.Environment.EnvironmentBlock" };
    }
  } catch (e) { /* fall through */ }
  // Without ntdll types the model has no TEB object; the current thread's @$teb still gives the address.
  try {
    const cur = t.currentThread();
    if (cur && cur.id === thread.id) {
      const v: unknown = host.namespace.Debugger.State.PseudoRegisters.General.teb;
      if (v !== undefined && v !== null) {
        const a = isInt64(v) || typeof v === "number" ? toInt64(v) : asAddress(v);
        if (!isNull(a)) return { address: a, bits, kind: "native", typeName: "_TEB", source, via: "@$teb" };
      }
    }
  } catch (e) { /* no pseudo-register */ }
  return notAvailable("thread 0x" + thread.id.toString(16) + " has no TEB address (no ntdll symbols and not the current thread)");
}

export interface WowTeb {
  readonly teb32: BlockView;
  /** How the TEB32 was found: `WowTebOffset` or the `+0x2000` convention. */
  readonly method: string;
}

/**
 * The WOW64 TEB32 of a thread, seen from a 64-bit view: TEB64 + WowTebOffset when the field is set, else
 * TEB64 + 0x2000 when that is a TEB32 whose NtTib.Self points to itself.
 */
export function wowTeb(t: Target, teb64: BlockView): WowTeb | Unavailable {
  if (teb64.bits !== 64) return notAvailable("not a 64-bit TEB");
  const typeName = "_TEB32";
  const source = hasType(t, typeName) ? "typed" : "heuristic";
  const offset = tebField(t, teb64, "WowTebOffset", 4);
  let delta: number | undefined;
  let method = "";
  if (typeof offset === "number" && offset !== 0) {
    delta = offset | 0;
    method = "TEB64.WowTebOffset " + (delta < 0 ? "-0x" + (-delta).toString(16) : "0x" + delta.toString(16));
  }
  if (delta === undefined) { delta = 0x2000; method = "TEB64 + 0x2000 (convention; WowTebOffset is 0 or missing)"; }
  const address = addTo(teb64.address, delta);
  const view: BlockView = { address, bits: 32, kind: "wow64", typeName, source, via: method };
  const self = tebField(t, view, "Self", "ptr");
  if (self === undefined || typeof self === "number") return unreadable("the TEB32 at " + t.formatAddress(address) + " (" + method + ") is not in the dump");
  if (compareU64(self, address) !== 0) return notAvailable("no TEB32 at " + t.formatAddress(address) + " (" + method + "): its NtTib.Self is " + t.formatAddress(self));
  return { teb32: view, method };
}

/** The WOW64 PEB32 from the first thread whose TEB32 is readable (64-bit views of 32-bit processes). */
export function wowPeb(t: Target): { peb32: BlockView; teb32: BlockView; thread: number } | Unavailable {
  let why = "no thread has a TEB";
  for (const thread of t.threads().slice(0, 8)) {
    const teb = nativeTeb(t, thread);
    if (teb instanceof Unavailable) { why = teb.reason; continue; }
    const w = wowTeb(t, teb);
    if (w instanceof Unavailable) { why = w.reason; continue; }
    const p = tebField(t, w.teb32, "ProcessEnvironmentBlock", "ptr");
    if (p === undefined || typeof p === "number" || isNull(p)) { why = "TEB32.ProcessEnvironmentBlock is not readable"; continue; }
    const source = hasType(t, "_PEB32") ? "typed" : "heuristic";
    return { peb32: { address: p, bits: 32, kind: "wow64", typeName: "_PEB32", source, via: "TEB32.ProcessEnvironmentBlock (" + w.method + ")" }, teb32: w.teb32, thread: thread.id };
  }
  return notAvailable(why);
}

// ---- process parameters ----

export interface EnvVariable {
  /** `PATH`, or `=C:` for the per-drive current directories cmd.exe keeps. */
  readonly name: string;
  readonly value: string;
  readonly index: number;
}

export interface EnvironmentBlock {
  readonly address: Int64;
  /** EnvironmentSize in bytes, when the field exists and is set. */
  readonly declaredSize: number | undefined;
  readonly bytesRead: number;
  readonly variables: readonly EnvVariable[];
  /** The block ended without its terminating empty string (cut by the dump or the size limit). */
  readonly truncated: boolean;
  readonly note: string | undefined;
}

export interface ProcessParameters {
  readonly address: Int64;
  readonly peb: BlockView;
  readonly source: "typed" | "heuristic";
  readonly imagePath: string | Unavailable;
  readonly commandLine: string | Unavailable;
  readonly currentDirectory: string | Unavailable;
  readonly dllPath: string | Unavailable;
  readonly windowTitle: string | Unavailable;
  readonly desktopInfo: string | Unavailable;
  readonly shellInfo: string | Unavailable;
  readonly environment: EnvironmentBlock | Unavailable;
}

/** UTF-16LE bytes to a string (stops at `count` code units). */
export function decodeUtf16(b: ArrayLike<number>, count: number): string {
  let s = "";
  const n = Math.min(count, Math.floor(b.length / 2));
  for (let i = 0; i < n; i += 2048) {
    const codes: number[] = [];
    for (let k = i; k < Math.min(n, i + 2048); k++) codes.push((b[k * 2]! | (b[k * 2 + 1]! << 8)) >>> 0);
    s += String.fromCharCode.apply(null, codes);
  }
  return s;
}

/** A UNICODE_STRING (or STRING32 in a 32-bit structure) at `address`: Length bytes of UTF-16 at Buffer. */
export function readUnicodeString(t: Target, address: Int64, bits: Bits, what: string): string | Unavailable {
  const length = readU16(t, address);
  const buffer = readPointer(t, addTo(address, bits === 64 ? 8 : 4), bits);
  if (length === undefined || buffer === undefined) return unreadable(what + " (UNICODE_STRING at " + t.formatAddress(address) + ") is not in the dump");
  if (length === 0) return "";
  if (isNull(buffer)) return notAvailable(what + " has a length but no buffer");
  const bytes = t.readBytes(buffer, length & ~1);
  if (!bytes) return unreadable(what + " (0x" + length.toString(16) + " bytes at " + t.formatAddress(buffer) + ") is not in the dump");
  return decodeUtf16(bytes, length >> 1);
}

/** Splits an environment block's text (entries separated by NUL, ended by an empty entry) into variables. */
export function parseEnvironmentText(text: string): { variables: EnvVariable[]; terminated: boolean } {
  const variables: EnvVariable[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\u0000", start);
    if (end === start) return { variables, terminated: true };
    const entry = end < 0 ? text.slice(start) : text.slice(start, end);
    if (end < 0) {
      // A last entry without its NUL: keep it only if it looks whole (has a name and "=").
      if (entry.indexOf("=", 1) > 0) variables.push(split(entry, variables.length));
      return { variables, terminated: false };
    }
    variables.push(split(entry, variables.length));
    start = end + 1;
  }
  return { variables, terminated: false };
}

function split(entry: string, index: number): EnvVariable {
  // `=C:=C:\work`: the name starts with "=", so the separator is the first "=" after the first character.
  const eq = entry.indexOf("=", 1);
  return eq < 0 ? { name: entry, value: "", index } : { name: entry.slice(0, eq), value: entry.slice(eq + 1), index };
}

/** Reads the environment block: EnvironmentSize bytes when known, else pages until the empty entry (at most `maxBytes`). */
export function readEnvironment(t: Target, address: Int64, declaredSize: number | undefined, maxBytes: number): EnvironmentBlock | Unavailable {
  const page = 0x1000;
  let bytes: number[] = [];
  let note: string | undefined;
  const wanted = declaredSize !== undefined && declaredSize > 0 ? Math.min(declaredSize, maxBytes) : 0;
  if (declaredSize !== undefined && declaredSize > maxBytes) note = "EnvironmentSize 0x" + declaredSize.toString(16) + " exceeds the limit; read 0x" + maxBytes.toString(16) + " bytes";
  const whole = wanted ? t.readBytes(address, wanted) : undefined;
  if (whole) {
    for (let i = 0; i < whole.length; i++) bytes.push(whole[i]!);
  } else {
    // Unknown size, or the block is only partly in the dump: read page by page (to the page end first).
    const [, lo] = halvesOf(address);
    let at = address;
    let chunk = page - (lo % page);
    const limit = wanted || maxBytes;
    while (bytes.length < limit) {
      const full = Math.min(chunk, limit - bytes.length);
      let n = full;
      let b = t.readBytes(at, n);
      // The readable prefix of a piece that does not read whole (the block ends where the dump's memory ends).
      while (!b && n > 16) { n = Math.floor(n / 2) & ~1; b = t.readBytes(at, n); }
      if (!b || n < full) { if (wanted) note = "the block is only partly in the dump"; }
      if (!b) break;
      let ended = false;
      for (let i = 0; i < b.length; i++) bytes.push(b[i]!);
      if (!wanted) {
        // Stop at the double NUL (an empty entry) on a UTF-16 boundary.
        for (let i = Math.max(0, bytes.length - b.length - 2) & ~1; i + 3 < bytes.length; i += 2) {
          if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 0 && bytes[i + 3] === 0) { bytes = bytes.slice(0, i + 4); ended = true; break; }
        }
      }
      if (ended || n < full) break;
      at = addTo(at, n);
      chunk = page;
    }
    if (bytes.length === 0) return unreadable("the environment block at " + t.formatAddress(address) + " is not in the dump");
  }
  const text = decodeUtf16(bytes, bytes.length >> 1);
  const parsed = parseEnvironmentText(text);
  return {
    address, declaredSize, bytesRead: bytes.length, variables: parsed.variables, truncated: !parsed.terminated,
    note: note ?? (!parsed.terminated ? "no terminating empty entry within 0x" + bytes.length.toString(16) + " bytes" : undefined),
  };
}

/** The process parameters a PEB points to; Unavailable when the PEB or the structure is not in the dump. */
export function readProcessParameters(t: Target, peb: BlockView, maxEnvironmentBytes: number): ProcessParameters | Unavailable {
  const p = pebField(t, peb, "ProcessParameters", "ptr");
  if (p === undefined || typeof p === "number") return unreadable("PEB.ProcessParameters (PEB at " + t.formatAddress(peb.address) + ") is not in the dump");
  if (isNull(p)) return notAvailable("PEB.ProcessParameters is null (a process that has not finished initializing)");
  const typeName = peb.kind === "wow64" ? "_RTL_USER_PROCESS_PARAMETERS32" : "_RTL_USER_PROCESS_PARAMETERS";
  const fallback = PARAMS_FALLBACK[peb.bits]!;
  let typed = true;
  const offset = (field: string): number | undefined => {
    const f = fieldOffsetOf(t, typeName, field, fallback);
    if (f && !f.typed) typed = false;
    return f ? f.offset : undefined;
  };
  const head = t.readBytes(p, 4);
  if (!head) return unreadable("the process parameters at " + t.formatAddress(p) + " are not in the dump");
  const str = (field: string, what: string): string | Unavailable => {
    const o = offset(field);
    return o === undefined ? notAvailable("the parameters have no " + field) : readUnicodeString(t, addTo(p, o), peb.bits, what);
  };
  const imagePath = str("ImagePathName", "ImagePathName");
  const commandLine = str("CommandLine", "CommandLine");
  const currentDirectory = str("CurrentDirectory", "CurrentDirectory");
  const dllPath = str("DllPath", "DllPath");
  const windowTitle = str("WindowTitle", "WindowTitle");
  const desktopInfo = str("DesktopInfo", "DesktopInfo");
  const shellInfo = str("ShellInfo", "ShellInfo");
  let environment: EnvironmentBlock | Unavailable;
  const envOffset = offset("Environment");
  const env = envOffset === undefined ? undefined : readPointer(t, addTo(p, envOffset), peb.bits);
  if (env === undefined) environment = unreadable("ProcessParameters.Environment is not in the dump");
  else if (isNull(env)) environment = notAvailable("ProcessParameters.Environment is null");
  else {
    const sizeOffset = offset("EnvironmentSize");
    const size = sizeOffset === undefined ? undefined : readU32(t, addTo(p, sizeOffset));
    environment = readEnvironment(t, env, size, maxEnvironmentBytes);
  }
  return {
    address: p, peb, source: typed && peb.source === "typed" ? "typed" : "heuristic",
    imagePath, commandLine, currentDirectory, dllPath, windowTitle, desktopInfo, shellInfo, environment,
  };
}

/** The native PEB's parameters; for a WOW64 process whose 64-bit parameters are unreadable, the PEB32's. */
export function processParameters(t: Target, maxEnvironmentBytes: number): ProcessParameters | Unavailable {
  const peb = nativePeb(t);
  if (peb instanceof Unavailable) return peb;
  const native = readProcessParameters(t, peb, maxEnvironmentBytes);
  if (!(native instanceof Unavailable) || peb.bits === 32) return native;
  const wow = wowPeb(t);
  if (wow instanceof Unavailable) return native;
  const p32 = readProcessParameters(t, wow.peb32, maxEnvironmentBytes);
  return p32 instanceof Unavailable ? native : p32;
}

/** toInt64 for values that may be numbers (readers return numbers for small fields). */
export function asInt64(v: number | Int64): Int64 {
  return typeof v === "number" ? toInt64(v) : v;
}

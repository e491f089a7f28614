/**
 * Reading kernel objects for the object, handle, token and ALPC analyses: field offsets looked up by name in
 * the nt types (once per call), structures read in one memory request each, and the object manager's
 * conventions decoded once here: body -> _OBJECT_HEADER, the optional headers selected by InfoMask, the
 * Windows 10+ TypeIndex encoding (nt!ObHeaderCookie and a byte of the header address, patterns.md §0.2)
 * and nt!ObTypeIndexTable. The data model's own `ObjectName` / `ObjectType` on `_OBJECT_HEADER` are
 * preferred where the debugger provides them; decoding is the fallback.
 *
 * Every list or tree walk here has a visited set and a length cap: a corrupted dump must not loop.
 * Processes and threads come from src/lib/kernel.ts (`Kernel.of(target)`); this file reads the objects.
 */
import { fromHalves, halvesOf, toNumber, type Int64 } from "./int64";
import type { Target } from "./target";

// ---------------------------------------------------------------- addresses as halves

/** A target address as unsigned 32-bit halves (hot paths avoid Int64 objects). */
export interface Addr {
  readonly hi: number;
  readonly lo: number;
}

export const NULL_ADDR: Addr = { hi: 0, lo: 0 };

export function addrOf(v: DbgModel.Numeric): Addr {
  const [hi, lo] = halvesOf(v);
  return { hi, lo };
}

export function isNullAddr(a: Addr): boolean {
  return a.hi === 0 && a.lo === 0;
}

export function sameAddr(a: Addr, b: Addr): boolean {
  return a.hi === b.hi && a.lo === b.lo;
}

/** A map key for an address. */
export function addrKey(a: Addr): string {
  return a.hi + ":" + a.lo;
}

export function toInt64Addr(a: Addr): Int64 {
  return fromHalves(a.hi, a.lo);
}

/** a + n for a small signed n. */
export function addrAdd(a: Addr, n: number): Addr {
  let lo = a.lo + n;
  let hi = a.hi;
  while (lo >= 4294967296) { lo -= 4294967296; hi = (hi + 1) >>> 0; }
  while (lo < 0) { lo += 4294967296; hi = (hi - 1) >>> 0; }
  return { hi, lo: lo >>> 0 };
}

/** Clears the low `bits` bits (e.g. `_EX_FAST_REF` reference counts). */
export function addrMask(a: Addr, bits: number): Addr {
  return { hi: a.hi, lo: (a.lo & ~((1 << bits) - 1)) >>> 0 };
}

/** A plausible kernel pointer: canonical upper half on 64-bit, above 0x80000000 on 32-bit. */
export function isKernelAddr(a: Addr, pointerSize: number): boolean {
  if (pointerSize === 4) return a.hi === 0 && a.lo >= 0x80000000;
  return a.hi >= 0xffff8000;
}

function hex8(n: number): string {
  const s = (n >>> 0).toString(16);
  return "00000000".slice(s.length) + s;
}

/** `ffffd000`00001230` (64-bit) or `81230000` (32-bit), as WinDbg prints addresses. */
export function formatAddr(a: Addr, pointerSize: number): string {
  return pointerSize === 4 && a.hi === 0 ? hex8(a.lo) : hex8(a.hi) + "`" + hex8(a.lo);
}

// ---------------------------------------------------------------- types and fields by name

export interface FieldInfo {
  /** Offset from the start of the structure (nested paths summed). */
  readonly offset: number;
  /** Size of the storage unit in bytes. */
  readonly size: number;
  /** Bit field position; length 0 for a whole field. */
  readonly lsb: number;
  readonly bits: number;
  readonly pointer: boolean;
}

export class TypeInfo {
  private readonly cache: { [path: string]: FieldInfo | null } = {};

  constructor(readonly name: string, readonly size: number, private readonly type: DbgModel.TypeObject, private readonly pointerSize: number) {}

  /** The first of the dotted paths (`Tcb.WaitReason`, `u1.s1.Canceled`) that this build has; undefined when none. */
  field(...paths: string[]): FieldInfo | undefined {
    for (const p of paths) {
      let f = this.cache[p];
      if (f === undefined) {
        f = resolvePath(this.type, p, this.pointerSize) || null;
        this.cache[p] = f;
      }
      if (f) return f;
    }
    return undefined;
  }
}

function resolvePath(type: DbgModel.TypeObject, path: string, pointerSize: number): FieldInfo | undefined {
  let t: DbgModel.TypeObject | undefined = type;
  let offset = 0;
  let found: FieldInfo | undefined;
  for (const part of path.split(".")) {
    if (!t) return undefined;
    let f: DbgModel.FieldObject | undefined;
    try { f = t.fields[part]; } catch (e) { f = undefined; }
    if (!f) return undefined;
    try {
      offset += toNumber(f.offset);
      const ft: DbgModel.TypeObject = f.type;
      const pointer = ft.typeKind === "pointer";
      const size = pointer ? pointerSize : toNumber(ft.size);
      const fo = f as unknown as { isBitField?: boolean; bitFieldPositions?: { lsb: number; length: number } };
      const pos = fo.isBitField ? fo.bitFieldPositions : undefined;
      found = { offset, size, lsb: pos ? toNumber(pos.lsb) : 0, bits: pos ? toNumber(pos.length) : 0, pointer };
      t = ft;
    } catch (e) {
      return undefined;
    }
  }
  return found;
}

// ---------------------------------------------------------------- bytes of one read

/** The bytes of one memory read, decoded by field (little-endian). */
export class View {
  /** `start`: the offset, within the structure, of bytes[0]. */
  constructor(readonly bytes: ArrayLike<number>, readonly start: number, private readonly pointerSize: number) {}

  covers(f: FieldInfo | undefined): f is FieldInfo {
    return f !== undefined && f.offset >= this.start && f.offset + f.size <= this.start + this.bytes.length;
  }

  u8(offset: number): number {
    return this.bytes[offset - this.start]! & 0xff;
  }

  u16(offset: number): number {
    return this.u8(offset) | (this.u8(offset + 1) << 8);
  }

  u32(offset: number): number {
    return (this.u8(offset) | (this.u8(offset + 1) << 8) | (this.u8(offset + 2) << 16) | (this.u8(offset + 3) << 24)) >>> 0;
  }

  /** 8 bytes (or 4 on 32-bit targets when `pointer`) as an address. */
  pair(offset: number, size: number): Addr {
    if (size === 4) return { hi: 0, lo: this.u32(offset) };
    return { hi: this.u32(offset + 4), lo: this.u32(offset) };
  }

  /** An unsigned field of up to 32 bits (bit fields included); undefined when not covered. */
  num(f: FieldInfo | undefined): number | undefined {
    if (!this.covers(f)) return undefined;
    if (f.bits > 0) {
      const v = f.size >= 8 ? this.pair(f.offset, 8) : { hi: 0, lo: f.size === 4 ? this.u32(f.offset) : f.size === 2 ? this.u16(f.offset) : this.u8(f.offset) };
      return bitsOf(v, f.lsb, f.bits);
    }
    if (f.size === 1) return this.u8(f.offset);
    if (f.size === 2) return this.u16(f.offset);
    if (f.size === 4) return this.u32(f.offset);
    const p = this.pair(f.offset, 8);
    return p.hi * 4294967296 + p.lo;
  }

  /** A signed 32-bit or 64-bit count (PointerCount, HandleCount, ExitStatus as a number). */
  signed(f: FieldInfo | undefined): number | undefined {
    if (!this.covers(f)) return undefined;
    if (f.size === 4) return this.u32(f.offset) | 0;
    if (f.size === 8) {
      const p = this.pair(f.offset, 8);
      return (p.hi | 0) * 4294967296 + p.lo;
    }
    return this.num(f);
  }

  /** A pointer-sized field as an address. */
  ptr(f: FieldInfo | undefined): Addr | undefined {
    if (!this.covers(f)) return undefined;
    return this.pair(f.offset, f.pointer ? this.pointerSize : f.size >= 8 ? 8 : 4);
  }
}

/** Bits [lsb, lsb+len) of a 64-bit value given as halves, as a number (len <= 52). */
export function bitsOf(v: Addr, lsb: number, len: number): number {
  let out = 0;
  let scale = 1;
  for (let i = 0; i < len; i++) {
    const b = lsb + i;
    const bit = b < 32 ? (v.lo >>> b) & 1 : (v.hi >>> (b - 32)) & 1;
    out += bit * scale;
    scale *= 2;
  }
  return out;
}

// ---------------------------------------------------------------- the reader

/** Per-call reader of kernel memory and nt types (one per analysis run; caches what it looked up). */
export class KernelReader {
  readonly pointerSize: number;
  private readonly types: { [name: string]: TypeInfo | null } = {};
  private readonly symbols: { [name: string]: Addr | null } = {};

  constructor(readonly t: Target) {
    this.pointerSize = t.pointerSize();
  }

  /** module!typeName (nt by default), or undefined without it. */
  type(name: string, module = "nt"): TypeInfo | undefined {
    const key = module === "nt" ? name : module + "!" + name;
    let ti = this.types[key];
    if (ti === undefined) {
      ti = null;
      const to = this.t.type(module, name);
      if (to) {
        try { ti = new TypeInfo(name, toNumber(to.size), to, this.pointerSize); } catch (e) { ti = null; }
      }
      this.types[key] = ti;
    }
    return ti || undefined;
  }

  /** Address of nt!name, or undefined (missing symbol). */
  symbol(name: string): Addr | undefined {
    let a = this.symbols[name];
    if (a === undefined) {
      a = null;
      try { a = addrOf(host.getModuleSymbolAddress("nt", name)); } catch (e) { a = null; }
      this.symbols[name] = a;
    }
    return a || undefined;
  }

  /** `length` bytes at address + start, as a view whose offsets are relative to `address`. */
  read(address: Addr, start: number, length: number): View | undefined {
    if (length <= 0) return undefined;
    const bytes = this.t.readBytes(toInt64Addr(addrAdd(address, start)), length);
    return bytes ? new View(bytes, start, this.pointerSize) : undefined;
  }

  /** One read covering the given fields of the structure at `address` (missing fields are skipped). */
  readFields(address: Addr, fields: readonly (FieldInfo | undefined)[]): View | undefined {
    let lo = Infinity;
    let hi = -Infinity;
    for (const f of fields) {
      if (!f) continue;
      if (f.offset < lo) lo = f.offset;
      if (f.offset + f.size > hi) hi = f.offset + f.size;
    }
    if (lo === Infinity) return undefined;
    return this.read(address, lo, hi - lo);
  }

  /** `count` pointers at an address (one read). */
  readPointers(address: Addr, count: number): Addr[] | undefined {
    const v = this.read(address, 0, count * this.pointerSize);
    if (!v) return undefined;
    const out: Addr[] = [];
    for (let i = 0; i < count; i++) out.push(v.pair(i * this.pointerSize, this.pointerSize));
    return out;
  }

  readPointer(address: Addr): Addr | undefined {
    const p = this.readPointers(address, 1);
    return p ? p[0] : undefined;
  }

  readU32(address: Addr): number | undefined {
    const v = this.read(address, 0, 4);
    return v ? v.u32(0) : undefined;
  }

  /** UTF-16 text of `chars` characters; undefined when unreadable. */
  readWide(address: Addr, chars: number): string | undefined {
    if (chars <= 0) return "";
    const v = this.read(address, 0, chars * 2);
    if (!v) return undefined;
    let s = "";
    for (let i = 0; i < chars; i++) s += String.fromCharCode(v.u16(i * 2));
    return s;
  }

  /** A _UNICODE_STRING inside a view: its text, "" when empty, undefined when the buffer is unreadable. */
  unicodeString(view: View, field: FieldInfo | undefined, maxChars = 1024): string | undefined {
    const us = this.type("_UNICODE_STRING");
    if (!field || !us) return undefined;
    const len = us.field("Length");
    const buf = us.field("Buffer");
    if (!len || !buf) return undefined;
    const lenInfo: FieldInfo = { offset: field.offset + len.offset, size: len.size, lsb: 0, bits: 0, pointer: false };
    const bufInfo: FieldInfo = { offset: field.offset + buf.offset, size: buf.size, lsb: 0, bits: 0, pointer: true };
    const n = view.num(lenInfo);
    const b = view.ptr(bufInfo);
    if (n === undefined || !b) return undefined;
    if (n === 0) return "";
    if (isNullAddr(b)) return undefined;
    return this.readWide(b, Math.min(Math.floor(n / 2), maxChars));
  }
}

// ---------------------------------------------------------------- object headers

/** _OBJECT_HEADER.InfoMask bits, lowest first; each optional header sits below the ones with lower bits. */
export const INFO_HEADERS: readonly { readonly bit: number; readonly type: string; readonly size: number }[] = [
  { bit: 0x01, type: "_OBJECT_HEADER_CREATOR_INFO", size: 0x20 },
  { bit: 0x02, type: "_OBJECT_HEADER_NAME_INFO", size: 0x20 },
  { bit: 0x04, type: "_OBJECT_HEADER_HANDLE_INFO", size: 0x10 },
  { bit: 0x08, type: "_OBJECT_HEADER_QUOTA_INFO", size: 0x20 },
  { bit: 0x10, type: "_OBJECT_HEADER_PROCESS_INFO", size: 0x10 },
  { bit: 0x20, type: "_OBJECT_HEADER_AUDIT_INFO", size: 0x10 },
  { bit: 0x40, type: "_OBJECT_HEADER_EXTENDED_INFO", size: 0x10 },
  { bit: 0x80, type: "_OBJECT_HEADER_PADDING_INFO", size: 0x4 },
];

export interface ObjectInfo {
  readonly body: Addr;
  readonly header: Addr;
  /** The type name ("Mutant", "ALPC Port"), or undefined when neither the data model nor the type table gives it. */
  readonly typeName: string | undefined;
  /** The decoded type index (undefined when the type came from the data model). */
  readonly typeIndex: number | undefined;
  /** The object's own name (no path), undefined for unnamed objects. */
  readonly name: string | undefined;
  /** The directory holding the name (name info), or undefined. */
  readonly directory: Addr | undefined;
  readonly pointerCount: number | undefined;
  readonly handleCount: number | undefined;
  readonly infoMask: number;
  /** Where the type and name came from. */
  readonly source: "data model" | "decoded";
}

export interface TypeEntry {
  readonly index: number;
  readonly name: string;
  readonly address: Addr;
  readonly objects: number | undefined;
  readonly handles: number | undefined;
  readonly highWaterObjects: number | undefined;
  readonly highWaterHandles: number | undefined;
}

/** Longest chain of directories above an object (an object path deeper than this is treated as corrupt). */
const MAX_PATH_DEPTH = 32;
/** Most object types a type table holds (the index is a byte). */
const MAX_TYPES = 256;

/** Decodes object headers: type, name, counts; paths through the directory chain. Cached per object. */
export class ObjectDecoder {
  private readonly cache: { [key: string]: ObjectInfo | null } = {};
  private readonly pathCache: { [key: string]: string } = {};
  private typeTable: (TypeEntry | null)[] | undefined;
  private cookie: number | null | undefined;
  /** undefined: not tried yet; false: the data model has no ObjectType/ObjectName on _OBJECT_HEADER. */
  private modelNames: boolean | undefined;
  private rootCache: Addr | null | undefined;

  constructor(readonly r: KernelReader) {}

  /** Offset of _OBJECT_HEADER.Body (0x30 on x64, 0x18 on x86 when the type is missing). */
  bodyOffset(): number {
    const oh = this.r.type("_OBJECT_HEADER");
    const f = oh ? oh.field("Body") : undefined;
    return f ? f.offset : this.r.pointerSize === 8 ? 0x30 : 0x18;
  }

  headerOf(body: Addr): Addr {
    return addrAdd(body, -this.bodyOffset());
  }

  bodyOf(header: Addr): Addr {
    return addrAdd(header, this.bodyOffset());
  }

  /** nt!ObpRootDirectoryObject (the body of the root directory), or undefined. */
  root(): Addr | undefined {
    if (this.rootCache === undefined) {
      const at = this.r.symbol("ObpRootDirectoryObject");
      const v = at ? this.r.readPointer(at) : undefined;
      this.rootCache = v && !isNullAddr(v) ? v : null;
    }
    return this.rootCache || undefined;
  }

  /** nt!ObHeaderCookie (Windows 10+); null when the build does not encode TypeIndex, -1 when the cookie is unreadable. */
  private headerCookie(): number | null {
    if (this.cookie === undefined) {
      const at = this.r.symbol("ObHeaderCookie");
      const v = at ? this.r.read(at, 0, 1) : undefined;
      this.cookie = !at ? null : v ? v.u8(0) : -1;
    }
    return this.cookie;
  }

  /**
   * The real type index from `_OBJECT_HEADER.TypeIndex` (xor cookie and byte 1 of the header address, Windows 10+);
   * -1 when the build encodes it but the cookie is not in the dump.
   */
  decodeTypeIndex(header: Addr, raw: number): number {
    const cookie = this.headerCookie();
    if (cookie === null) return raw;
    if (cookie < 0) return -1;
    return (raw ^ cookie ^ ((header.lo >>> 8) & 0xff)) & 0xff;
  }

  /** The object types from nt!ObTypeIndexTable (index 2 upward until the first empty slot), cached. */
  types(): TypeEntry[] {
    this.loadTypes();
    const out: TypeEntry[] = [];
    for (const t of this.typeTable!) if (t) out.push(t);
    return out;
  }

  typeByIndex(index: number): TypeEntry | undefined {
    this.loadTypes();
    return this.typeTable![index] || undefined;
  }

  private loadTypes(): void {
    if (this.typeTable) return;
    const table: (TypeEntry | null)[] = [];
    this.typeTable = table;
    const at = this.r.symbol("ObTypeIndexTable");
    const ot = this.r.type("_OBJECT_TYPE");
    if (!at || !ot) return;
    const slots = this.r.readPointers(at, MAX_TYPES);
    if (!slots) return;
    const name = ot.field("Name");
    const fields = [name, ot.field("TotalNumberOfObjects"), ot.field("TotalNumberOfHandles"), ot.field("HighWaterNumberOfObjects"), ot.field("HighWaterNumberOfHandles")];
    for (let i = 2; i < slots.length; i++) {
      const p = slots[i]!;
      if (isNullAddr(p)) break; // the table is filled from index 2 without gaps
      if (!isKernelAddr(p, this.r.pointerSize)) continue;
      const v = this.r.readFields(p, fields);
      const text = v ? this.r.unicodeString(v, name, 128) : undefined;
      if (text === undefined) { table[i] = null; continue; }
      table[i] = {
        index: i, name: text, address: p,
        objects: v ? v.num(fields[1]) : undefined, handles: v ? v.num(fields[2]) : undefined,
        highWaterObjects: v ? v.num(fields[3]) : undefined, highWaterHandles: v ? v.num(fields[4]) : undefined,
      };
    }
  }

  /** Offset below the header of the optional header `bit`, from the InfoMask (sizes from the types when present). */
  infoOffset(infoMask: number, bit: number): number | undefined {
    if ((infoMask & bit) === 0) return undefined;
    let off = 0;
    for (const h of INFO_HEADERS) {
      if (h.bit > bit) break;
      if (infoMask & h.bit) {
        const t = this.r.type(h.type);
        off += t ? t.size : h.size;
      }
    }
    return off;
  }

  /** Type, name, counts of the object whose body is at `body`; undefined when its header is unreadable. */
  decode(body: Addr): ObjectInfo | undefined {
    const key = addrKey(body);
    const hit = this.cache[key];
    if (hit !== undefined) return hit || undefined;
    let info: ObjectInfo | null = null;
    try { info = this.decodeUncached(body) || null; } catch (e) { info = null; }
    this.cache[key] = info;
    return info || undefined;
  }

  private decodeUncached(body: Addr): ObjectInfo | undefined {
    const oh = this.r.type("_OBJECT_HEADER");
    if (!oh) return undefined;
    const header = this.headerOf(body);
    const fPointer = oh.field("PointerCount");
    const fHandle = oh.field("HandleCount");
    const fType = oh.field("TypeIndex");
    const fMask = oh.field("InfoMask");
    const ni = this.r.type("_OBJECT_HEADER_NAME_INFO");
    // Header and the name info below it in one read when the pool memory before the header is there
    // (the name info is at most creator + name info sizes below the header).
    const below = 0x40;
    let view = this.r.read(header, -below, below + this.bodyOffset());
    if (!view) view = this.r.readFields(header, [fPointer, fHandle, fType, fMask]);
    if (!view) return undefined;
    const infoMask = view.num(fMask) || 0;
    let typeName: string | undefined;
    let name: string | undefined;
    let typeIndex: number | undefined;
    let source: "data model" | "decoded" = "decoded";
    const fromModel = this.modelView(header);
    if (fromModel) {
      typeName = fromModel.type;
      name = fromModel.name;
      source = "data model";
    }
    if (typeName === undefined) {
      const raw = view.num(fType);
      const index = raw !== undefined ? this.decodeTypeIndex(header, raw) : -1;
      if (index >= 0) {
        typeIndex = index;
        const te = this.typeByIndex(index);
        typeName = te ? te.name : undefined;
      }
    }
    let directory: Addr | undefined;
    const nameOff = this.infoOffset(infoMask, 0x02);
    if (nameOff !== undefined && ni) {
      const fDir = ni.field("Directory");
      const fName = ni.field("Name");
      let nv: View | undefined;
      if (view.start <= -nameOff && fName && -nameOff + fName.offset + fName.size <= 0) {
        nv = new View(sliceView(view, -nameOff, ni.size), 0, this.r.pointerSize);
      } else {
        nv = this.r.read(addrAdd(header, -nameOff), 0, ni.size);
      }
      if (nv) {
        directory = nv.ptr(fDir);
        if (directory && isNullAddr(directory)) directory = undefined;
        if (name === undefined) name = this.r.unicodeString(nv, fName, 512);
      }
    }
    return {
      body, header, typeName, typeIndex, name, directory, infoMask, source,
      pointerCount: view.signed(fPointer), handleCount: view.signed(fHandle),
    };
  }

  /** The data model's ObjectType / ObjectName on a typed _OBJECT_HEADER, when the debugger provides them. */
  private modelView(header: Addr): { type: string | undefined; name: string | undefined } | undefined {
    if (this.modelNames === false) return undefined;
    let type: string | undefined;
    let name: string | undefined;
    try {
      const h = this.r.t.typedObject(toInt64Addr(header), "nt", "_OBJECT_HEADER") as unknown as { ObjectType?: unknown; ObjectName?: unknown } | undefined;
      if (h) {
        const ty = h.ObjectType;
        const nm = h.ObjectName;
        if (typeof ty === "string" && ty !== "") type = ty;
        if (typeof nm === "string" && nm !== "") name = nm;
      }
    } catch (e) { /* no model keys on this header */ }
    if (this.modelNames === undefined) this.modelNames = type !== undefined;
    return this.modelNames ? { type, name } : undefined;
  }

  /** `\Device\HarddiskVolume3`: names up the directory chain; `<unnamed>` parts when a name is missing. */
  pathOf(body: Addr): string | undefined {
    const key = addrKey(body);
    const hit = this.pathCache[key];
    if (hit !== undefined) return hit;
    const root = this.root();
    if (root && sameAddr(root, body)) return "\\";
    const parts: string[] = [];
    const seen: { [k: string]: boolean } = {};
    let cur: Addr | undefined = body;
    let depth = 0;
    let prefix = "";
    while (cur && depth < MAX_PATH_DEPTH) {
      const k = addrKey(cur);
      if (seen[k]) { prefix = "<loop>"; break; }
      seen[k] = true;
      const cached = this.pathCache[k];
      if (cached !== undefined && cur !== body) { prefix = cached === "\\" ? "" : cached; break; }
      const info = this.decode(cur);
      if (!info || info.name === undefined) {
        if (cur === body) return undefined;
        prefix = "<unnamed>";
        break;
      }
      parts.unshift(info.name);
      const dir = info.directory;
      if (!dir || (root && sameAddr(dir, root))) break;
      cur = dir;
      depth++;
    }
    if (depth >= MAX_PATH_DEPTH) prefix = "<too deep>";
    const path = prefix + "\\" + parts.join("\\");
    this.pathCache[key] = path;
    return path;
  }

  /** Remembers a path found by a directory walk (saves the chain look-up). */
  notePath(body: Addr, path: string): void {
    this.pathCache[addrKey(body)] = path;
  }
}

function sliceView(view: View, start: number, length: number): ArrayLike<number> {
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.push(view.u8(start + i));
  return out;
}

// ---------------------------------------------------------------- object directories

export interface DirectoryEntry {
  readonly name: string | undefined;
  readonly object: Addr;
  readonly info: ObjectInfo | undefined;
}

export interface DirectoryListing {
  readonly entries: DirectoryEntry[];
  /** Chains cut at the cap or at a repeated entry, and unreadable buckets/entries. */
  readonly truncated: number;
  readonly unreadable: number;
}

/** Hash buckets of an object directory (nt!_OBJECT_DIRECTORY has 37). */
export const DIRECTORY_BUCKETS = 37;

/** The entries of one _OBJECT_DIRECTORY: every bucket's ChainLink chain, each with a visited set and a cap. */
export function listDirectory(d: ObjectDecoder, directory: Addr, maxChain: number): DirectoryListing | undefined {
  const r = d.r;
  const od = r.type("_OBJECT_DIRECTORY");
  const de = r.type("_OBJECT_DIRECTORY_ENTRY");
  const fBuckets = od ? od.field("HashBuckets") : undefined;
  const fChain = de ? de.field("ChainLink") : undefined;
  const fObject = de ? de.field("Object") : undefined;
  if (!fBuckets || !fChain || !fObject) return undefined;
  const buckets = r.readPointers(addrAdd(directory, fBuckets.offset), Math.floor(fBuckets.size / r.pointerSize) || DIRECTORY_BUCKETS);
  if (!buckets) return undefined;
  const entries: DirectoryEntry[] = [];
  let truncated = 0;
  let unreadable = 0;
  const seen: { [k: string]: boolean } = {};
  for (const head of buckets) {
    let e: Addr | undefined = head;
    let n = 0;
    while (e && !isNullAddr(e)) {
      const k = addrKey(e);
      if (seen[k] || n >= maxChain) { truncated++; break; }
      seen[k] = true;
      n++;
      const v = r.readFields(e, [fChain, fObject]);
      if (!v) { unreadable++; break; }
      const obj = v.ptr(fObject);
      if (obj && !isNullAddr(obj)) {
        const info = d.decode(obj);
        entries.push({ name: info ? info.name : undefined, object: obj, info });
      }
      e = v.ptr(fChain);
    }
  }
  return { entries, truncated, unreadable };
}

/** Case-insensitive look-up of one name in a directory. */
export function findInDirectory(d: ObjectDecoder, directory: Addr, name: string, maxChain: number): DirectoryEntry | undefined {
  const listing = listDirectory(d, directory, maxChain);
  if (!listing) return undefined;
  const want = name.toLowerCase();
  for (const e of listing.entries) if (e.name !== undefined && e.name.toLowerCase() === want) return e;
  return undefined;
}

/** The target of a SymbolicLink object (`\Device\HarddiskVolume3`), or undefined. */
export function symbolicLinkTarget(d: ObjectDecoder, body: Addr): string | undefined {
  const sl = d.r.type("_OBJECT_SYMBOLIC_LINK");
  const f = sl ? sl.field("LinkTarget") : undefined;
  if (!f) return undefined;
  const v = d.r.read(body, f.offset, f.size);
  return v ? d.r.unicodeString(v, f, 1024) : undefined;
}

/** Splits `\BaseNamedObjects\Foo` into its names; undefined when the path is not absolute. */
export function splitObjectPath(path: string): string[] | undefined {
  const p = path.trim();
  if (p.charAt(0) !== "\\") return undefined;
  const parts: string[] = [];
  for (const s of p.split("\\")) if (s !== "") parts.push(s);
  return parts;
}

export interface PathLookup {
  readonly body: Addr | undefined;
  readonly info: ObjectInfo | undefined;
  /** The part that could not be found, when the look-up failed. */
  readonly missing?: string;
  /** Symbolic links followed on the way (`\??` -> `\GLOBAL??`). */
  readonly followed: string[];
}

/** Resolves an absolute object path from the root, following symbolic links in the middle of the path. */
export function lookupObjectPath(d: ObjectDecoder, path: string, maxChain: number): PathLookup {
  const followed: string[] = [];
  const root = d.root();
  const parts = splitObjectPath(path);
  if (!root || !parts) return { body: undefined, info: undefined, missing: root ? path : "nt!ObpRootDirectoryObject", followed };
  let cur: Addr = root;
  let info = d.decode(root);
  const queue = parts.slice();
  let hops = 0;
  while (queue.length > 0) {
    const name = queue.shift()!;
    const hit = findInDirectory(d, cur, name, maxChain);
    if (!hit) return { body: undefined, info: undefined, missing: name, followed };
    cur = hit.object;
    info = hit.info;
    if (queue.length > 0 && info && info.typeName === "SymbolicLink" && hops < 8) {
      const target = symbolicLinkTarget(d, cur);
      const tparts = target !== undefined ? splitObjectPath(target) : undefined;
      if (!tparts) return { body: undefined, info: undefined, missing: name + " (link target unreadable)", followed };
      followed.push(name + " -> " + target);
      hops++;
      cur = root;
      queue.unshift(...tparts);
    }
  }
  return { body: cur, info, followed };
}

// ---------------------------------------------------------------- SIDs

/** Well-known SIDs (the dump has no account database; these names are fixed by Windows). */
export const WELL_KNOWN_SIDS: { readonly [sid: string]: string } = {
  "S-1-5-18": "NT AUTHORITY\\SYSTEM",
  "S-1-5-19": "NT AUTHORITY\\LOCAL SERVICE",
  "S-1-5-20": "NT AUTHORITY\\NETWORK SERVICE",
  "S-1-5-7": "NT AUTHORITY\\ANONYMOUS LOGON",
  "S-1-5-32-544": "BUILTIN\\Administrators",
  "S-1-5-32-545": "BUILTIN\\Users",
  "S-1-1-0": "Everyone",
  "S-1-16-0": "Untrusted Mandatory Level",
  "S-1-16-4096": "Low Mandatory Level",
  "S-1-16-8192": "Medium Mandatory Level",
  "S-1-16-8448": "Medium Plus Mandatory Level",
  "S-1-16-12288": "High Mandatory Level",
  "S-1-16-16384": "System Mandatory Level",
  "S-1-16-20480": "Protected Process Mandatory Level",
};

/** Reads a _SID at an address as `S-1-5-21-...`; undefined when unreadable or malformed. */
export function readSid(r: KernelReader, at: Addr): string | undefined {
  const head = r.read(at, 0, 8);
  if (!head) return undefined;
  const revision = head.u8(0);
  const count = head.u8(1);
  if (revision !== 1 || count > 15) return undefined;
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + head.u8(i);
  let text = "S-1-" + authority;
  if (count > 0) {
    const subs = r.read(at, 8, count * 4);
    if (!subs) return undefined;
    for (let i = 0; i < count; i++) text += "-" + subs.u32(8 + i * 4);
  }
  return text;
}

/** Privilege names by LUID (SE_*_PRIVILEGE constants, winnt.h). */
export const PRIVILEGE_NAMES: { readonly [luid: number]: string } = {
  2: "SeCreateTokenPrivilege", 3: "SeAssignPrimaryTokenPrivilege", 4: "SeLockMemoryPrivilege", 5: "SeIncreaseQuotaPrivilege",
  6: "SeMachineAccountPrivilege", 7: "SeTcbPrivilege", 8: "SeSecurityPrivilege", 9: "SeTakeOwnershipPrivilege",
  10: "SeLoadDriverPrivilege", 11: "SeSystemProfilePrivilege", 12: "SeSystemtimePrivilege", 13: "SeProfileSingleProcessPrivilege",
  14: "SeIncreaseBasePriorityPrivilege", 15: "SeCreatePagefilePrivilege", 16: "SeCreatePermanentPrivilege", 17: "SeBackupPrivilege",
  18: "SeRestorePrivilege", 19: "SeShutdownPrivilege", 20: "SeDebugPrivilege", 21: "SeAuditPrivilege",
  22: "SeSystemEnvironmentPrivilege", 23: "SeChangeNotifyPrivilege", 24: "SeRemoteShutdownPrivilege", 25: "SeUndockPrivilege",
  26: "SeSyncAgentPrivilege", 27: "SeEnableDelegationPrivilege", 28: "SeManageVolumePrivilege", 29: "SeImpersonatePrivilege",
  30: "SeCreateGlobalPrivilege", 31: "SeTrustedCredManAccessPrivilege", 32: "SeRelabelPrivilege", 33: "SeIncreaseWorkingSetPrivilege",
  34: "SeTimeZonePrivilege", 35: "SeCreateSymbolicLinkPrivilege", 36: "SeDelegateSessionUserImpersonatePrivilege",
};

/** The privilege LUIDs whose bits are set in a 64-bit mask given as halves. */
export function privilegesIn(mask: Addr): number[] {
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if (bitsOf(mask, i, 1)) out.push(i);
  return out;
}

// ---------------------------------------------------------------- wait blocks

/** The object of a thread's first wait block (`Tcb.WaitBlockList->Object`), or undefined. */
export function firstWaitObject(r: KernelReader, waitBlockList: Addr | undefined): Addr | undefined {
  const wb = r.type("_KWAIT_BLOCK");
  const f = wb ? wb.field("Object") : undefined;
  if (!f || !waitBlockList || isNullAddr(waitBlockList)) return undefined;
  const v = r.read(waitBlockList, f.offset, f.size);
  return v ? v.ptr(f) : undefined;
}

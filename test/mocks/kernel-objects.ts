/**
 * Kernel objects for the object, handle, token and ALPC tests, built on top of the kernel fake-target
 * builder's public API: object-manager objects (headers with name and creator info, the encoded TypeIndex),
 * directories with hash chains, symbolic links, object types in nt!ObTypeIndexTable, events and mutants,
 * tokens with SIDs and privileges, handle tables, ALPC ports and messages. Everything lives in this helper's
 * own area (0xffffd000`00000000) and nt globals at fixed RVAs; links into the builder's processes and threads
 * (EPROCESS.Token, ETHREAD.AlpcMessage, ...) are written as patches.
 *
 * The builder assigns addresses at build(), so `withObjects(make, add)` builds twice: once to learn the
 * addresses (the layout is deterministic), then again with this helper's bytes mapped by `.memory()`.
 * Fields are written by name through the build's LayoutSet; nothing here knows an offset.
 */
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { readUnsigned, writeUnsigned } from "../../src/emulator/memory";
import { W32PROCESS_X64 } from "../../src/emulator/layouts/windows-kernel-objects";
import { fieldLocation, typeSize } from "./layout-writer";
import { kernelTarget, OBJECT_TYPE_INDEX, type BuiltKernelTarget, type KernelTargetAddresses, type KernelTargetBuilder, type KernelTargetOptions } from "./kernel-target";

/** Where this helper allocates its objects. */
export const OBJECT_AREA = 0xffff_d000_0000_0000n;

/** nt globals this helper defines (RVAs in the nt image, above the builder's data area). */
export const OBJECT_NT_SYMBOLS = {
  ObTypeIndexTable: 0x00a0_0000,
  ObpRootDirectoryObject: 0x00a0_1000,
  AlpcpPortList: 0x00a0_1010,
  ExpFreeListCount: 0x00a0_1020,
} as const;

/** Object type names by index: the builder's indexes (Token, Process, ...) and these in the free slots. */
const EXTRA_TYPES = [
  "Type", "Directory", "SymbolicLink", "Job", "DebugObject", "Callback", "Profile", "KeyedEvent", "WindowStation", "Desktop",
  "TpWorkerFactory", "Adapter", "Controller", "Device", "Driver", "IoCompletion", "WaitCompletionPacket", "File", "Section",
  "Session", "Key", "ALPC Port", "PowerRequest", "EtwRegistration", "FilterConnectionPort", "FilterCommunicationPort",
];

/** The type table the helper writes: index -> name, contiguous from 2. */
export function objectTypeNames(): Record<number, string> {
  const out: Record<number, string> = {};
  const taken = OBJECT_TYPE_INDEX as unknown as Record<string, number>;
  for (const [name, index] of Object.entries(taken)) out[index] = name;
  let next = 2;
  for (const name of EXTRA_TYPES) {
    if (Object.values(out).includes(name)) continue;
    while (out[next] !== undefined) next++;
    out[next] = name;
  }
  const max = Math.max(...Object.keys(out).map(Number));
  for (let i = 2; i <= max; i++) if (out[i] === undefined) out[i] = `Type${i}`;
  return out;
}

/** A kernel fake target with this helper's nt symbols. */
export function objectTarget(options: KernelTargetOptions = {}): KernelTargetBuilder {
  return kernelTarget({ ...options, ntSymbols: { ...OBJECT_NT_SYMBOLS, ...options.ntSymbols } });
}

export interface ObjectRef {
  readonly header: bigint;
  readonly body: bigint;
}

export interface ObjectOptions {
  /** Name in `_OBJECT_HEADER_NAME_INFO` (the directory link is made by `insert`). */
  readonly name?: string;
  /** The containing directory (body) written in the name info. */
  readonly directory?: bigint;
  readonly handles?: number;
  readonly pointers?: number;
  /** Add `_OBJECT_HEADER_CREATOR_INFO` below the name info (default true): the name info is then 0x40 below the header. */
  readonly creatorInfo?: boolean;
  /** Body bytes beyond the body type (variable parts). */
  readonly extra?: number;
}

export interface SidAndAttributes {
  readonly sid: string;
  readonly attributes?: number;
}

export interface TokenOptions {
  readonly user: string;
  /** Groups after the user; the integrity SID (S-1-16-x) is appended from `integrity` when given. */
  readonly groups?: readonly string[];
  /** Mandatory level RID (0x2000 Medium, 0x3000 High, 0x4000 System). */
  readonly integrity?: number;
  readonly sessionId?: number;
  /** LUIDs of present / enabled privileges. */
  readonly present?: readonly number[];
  readonly enabled?: readonly number[];
  readonly authenticationId?: number;
  /** 1 primary, 2 impersonation. */
  readonly tokenType?: number;
  readonly impersonationLevel?: number;
  readonly restrictedSids?: number;
}

export interface HandleEntry {
  /** The object's body (the entry points at its header). */
  readonly object: bigint;
  readonly access?: number;
}

export interface PortOptions {
  /** The owning process (_EPROCESS address). */
  readonly owner: bigint;
  /** Name under its directory (connection ports). */
  readonly name?: string;
  readonly directory?: bigint;
  readonly mainQueue?: number;
  readonly pendingQueue?: number;
  readonly waitQueue?: number;
  readonly canceledQueue?: number;
  readonly largeQueue?: number;
  /** The completion port (an IoCompletion object) server threads wait on. */
  readonly completionPort?: bigint;
  /** The connection port this communication port belongs to (CommunicationInfo.ConnectionPort). */
  readonly connectionPort?: bigint;
  readonly closed?: boolean;
  /** Link into nt!AlpcpPortList. */
  readonly listed?: boolean;
}

export interface MessageOptions {
  readonly waitingThread?: bigint;
  readonly serverThread?: bigint;
  readonly portQueue?: bigint;
  readonly ownerPort?: bigint;
  readonly connectionPort?: bigint;
  readonly messageId?: number;
  readonly clientPid?: number;
  readonly clientTid?: number;
  readonly canceled?: boolean;
}

const LE = "_LIST_ENTRY";
const OH = "_OBJECT_HEADER";

function utf16(text: string): Uint8Array {
  const b = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) writeUnsigned(b, i * 2, 2, BigInt(text.charCodeAt(i)));
  return b;
}

/** A growing byte area at a fixed base. */
class Area {
  bytes = new Uint8Array(0x10000);
  used = 0;
  constructor(readonly base: bigint) {}

  alloc(size: number, align = 0x10): bigint {
    const at = Math.ceil(this.used / align) * align;
    while (at + size > this.bytes.length) {
      const b = new Uint8Array(this.bytes.length * 2);
      b.set(this.bytes);
      this.bytes = b;
    }
    this.used = at + size;
    return this.base + BigInt(at);
  }

  view(address: bigint, length: number): Uint8Array {
    const off = Number(address - this.base);
    if (address < this.base || off + length > this.used) throw new Error(`kernel-objects: 0x${address.toString(16)} is outside the object area`);
    return this.bytes.subarray(off, off + length);
  }
}

/** Builds kernel objects against the addresses of a probe build. */
export class KernelObjects {
  readonly area = new Area(OBJECT_AREA);
  readonly layout: LayoutSet;
  readonly at: KernelTargetAddresses;
  readonly cookie: number;
  readonly ntBase: bigint;
  /** Writes to memory outside the area (builder objects and nt globals). */
  private readonly patches = new Map<bigint, Uint8Array>();
  readonly types: Record<string, ObjectRef> = {};
  readonly root: ObjectRef;
  private readonly portList: bigint;
  private readonly probe: BuiltKernelTarget;

  constructor(probe: BuiltKernelTarget, options: { root?: boolean; types?: boolean } = {}) {
    this.probe = probe;
    this.layout = probe.layout;
    this.at = probe.addresses;
    this.ntBase = probe.addresses.module("nt");
    const cookieAt = probe.addresses.symbol("ObHeaderCookie");
    // When a test takes the cookie out of the dump, objects are still encoded with the builder's default.
    this.cookie = probe.memory.read(cookieAt, 1)?.[0] ?? 0x3c;
    if (options.types !== false) this.writeTypeTable();
    this.root = this.object("Directory", "_OBJECT_DIRECTORY", { creatorInfo: false });
    if (options.root !== false) this.patchPointer(this.symbol("ObpRootDirectoryObject"), this.root.body);
    this.portList = this.symbol("AlpcpPortList");
    this.patchPointer(this.portList, this.portList);
    this.patchPointer(this.portList + BigInt(this.layout.pointerSize), this.portList);
  }

  symbol(name: keyof typeof OBJECT_NT_SYMBOLS): bigint {
    return this.ntBase + BigInt(OBJECT_NT_SYMBOLS[name]);
  }

  size(type: string): number {
    return typeSize(this.layout, type);
  }

  // ---- writing fields

  /** Sets a field of a structure in this helper's area (bit fields included). */
  set(obj: bigint, type: string, path: string, value: bigint | number | boolean): this {
    const f = fieldLocation(this.layout, type, path);
    this.writeField(this.area.view(obj + BigInt(f.offset), f.size), f, BigInt(value));
    return this;
  }

  /** Sets a field of a structure the builder made (an EPROCESS, ETHREAD, handle table ...). */
  patch(obj: bigint, type: string, path: string, value: bigint | number | boolean): this {
    const f = fieldLocation(this.layout, type, path);
    const address = obj + BigInt(f.offset);
    const current = this.patches.get(address) ?? new Uint8Array(this.probe.memory.read(address, f.size) ?? new Uint8Array(f.size));
    const bytes = new Uint8Array(current);
    this.writeField(bytes, f, BigInt(value));
    this.patches.set(address, bytes);
    return this;
  }

  patchPointer(address: bigint, value: bigint): void {
    const b = new Uint8Array(this.layout.pointerSize);
    writeUnsigned(b, 0, b.length, value);
    this.patches.set(address, b);
  }

  patchBytes(address: bigint, bytes: Uint8Array): void {
    this.patches.set(address, bytes);
  }

  private writeField(bytes: Uint8Array, f: { size: number; bits?: { lsb: number; length: number } }, v: bigint): void {
    if (f.bits) {
      const mask = ((1n << BigInt(f.bits.length)) - 1n) << BigInt(f.bits.lsb);
      writeUnsigned(bytes, 0, f.size, (readUnsigned(bytes, 0, f.size) & ~mask) | ((v << BigInt(f.bits.lsb)) & mask));
    } else {
      writeUnsigned(bytes, 0, Math.min(f.size, 8), v);
    }
  }

  /** A _UNICODE_STRING at `at` (in the area) with its buffer in the area. */
  unicodeString(at: bigint, text: string): void {
    const bytes = utf16(text);
    const buffer = this.area.alloc(bytes.length + 2);
    this.area.view(buffer, bytes.length).set(bytes);
    this.set(at, "_UNICODE_STRING", "Length", bytes.length);
    this.set(at, "_UNICODE_STRING", "MaximumLength", bytes.length + 2);
    this.set(at, "_UNICODE_STRING", "Buffer", buffer);
  }

  listInit(head: bigint): void {
    this.set(head, LE, "Flink", head);
    this.set(head, LE, "Blink", head);
  }

  // ---- objects

  typeIndexOf(typeName: string): number {
    const names = objectTypeNames();
    const hit = Object.entries(names).find(([, n]) => n === typeName);
    if (!hit) throw new Error(`kernel-objects: no object type ${typeName}`);
    return Number(hit[0]);
  }

  /** An object of `typeName` (e.g. "Mutant") whose body is a `bodyType`, with optional name and creator info. */
  object(typeName: string, bodyType: string, o: ObjectOptions = {}): ObjectRef {
    const named = o.name !== undefined;
    const creator = o.creatorInfo ?? named;
    const creatorSize = creator ? this.size("_OBJECT_HEADER_CREATOR_INFO") : 0;
    const nameSize = named ? this.size("_OBJECT_HEADER_NAME_INFO") : 0;
    const bodyOffset = fieldLocation(this.layout, OH, "Body").offset;
    const total = 0x10 + nameSize + creatorSize + bodyOffset + this.size(bodyType) + (o.extra ?? 0);
    const start = this.area.alloc(total, 0x10);
    const header = start + BigInt(0x10 + nameSize + creatorSize);
    const body = header + BigInt(bodyOffset);
    this.set(header, OH, "PointerCount", o.pointers ?? (o.handles ?? 1) + 1);
    this.set(header, OH, "HandleCount", o.handles ?? 1);
    this.set(header, OH, "InfoMask", (creator ? 1 : 0) | (named ? 2 : 0));
    this.set(header, OH, "TypeIndex", this.typeIndexOf(typeName) ^ this.cookie ^ Number((header >> 8n) & 0xffn));
    if (named) {
      const info = header - BigInt(creatorSize + nameSize);
      this.unicodeString(info + BigInt(fieldLocation(this.layout, "_OBJECT_HEADER_NAME_INFO", "Name").offset), o.name!);
      if (o.directory !== undefined) this.set(info, "_OBJECT_HEADER_NAME_INFO", "Directory", o.directory);
    }
    if (creator) this.listInit(header - BigInt(creatorSize));
    return { header, body };
  }

  private writeTypeTable(): void {
    const names = objectTypeNames();
    const table = this.symbol("ObTypeIndexTable");
    const ps = this.layout.pointerSize;
    const slots = new Uint8Array(256 * ps);
    for (const [index, name] of Object.entries(names)) {
      const t = this.area.alloc(this.size("_OBJECT_TYPE"));
      this.unicodeString(t + BigInt(fieldLocation(this.layout, "_OBJECT_TYPE", "Name").offset), name);
      this.set(t, "_OBJECT_TYPE", "Index", Number(index));
      this.listInit(t);
      writeUnsigned(slots, Number(index) * ps, ps, t);
      this.types[name] = { header: t, body: t };
    }
    this.patchBytes(table, slots);
  }

  /** Sets an object type's totals (`_OBJECT_TYPE.TotalNumberOfObjects/Handles`). */
  typeTotals(typeName: string, objects: number, handles: number, highWater?: { objects: number; handles: number }): void {
    const t = this.types[typeName];
    if (!t) throw new Error(`kernel-objects: no object type ${typeName}`);
    this.set(t.body, "_OBJECT_TYPE", "TotalNumberOfObjects", objects);
    this.set(t.body, "_OBJECT_TYPE", "TotalNumberOfHandles", handles);
    this.set(t.body, "_OBJECT_TYPE", "HighWaterNumberOfObjects", highWater?.objects ?? objects);
    this.set(t.body, "_OBJECT_TYPE", "HighWaterNumberOfHandles", highWater?.handles ?? handles);
  }

  /** A simple name hash into 37 buckets (the reader walks every bucket, so any choice works). */
  bucketOf(name: string): number {
    let h = 0;
    for (const c of name.toUpperCase()) h = (h * 31 + c.charCodeAt(0)) % 37;
    return h;
  }

  /** Links an object into a directory's hash bucket (prepended to the chain). */
  insert(directory: bigint, object: bigint, name: string, bucket?: number): bigint {
    const b = bucket ?? this.bucketOf(name);
    const ps = this.layout.pointerSize;
    const slot = directory + BigInt(fieldLocation(this.layout, "_OBJECT_DIRECTORY", "HashBuckets").offset + b * ps);
    const head = readUnsigned(this.area.view(slot, ps), 0, ps);
    const entry = this.area.alloc(this.size("_OBJECT_DIRECTORY_ENTRY"));
    this.set(entry, "_OBJECT_DIRECTORY_ENTRY", "ChainLink", head);
    this.set(entry, "_OBJECT_DIRECTORY_ENTRY", "Object", object);
    writeUnsigned(this.area.view(slot, ps), 0, ps, entry);
    return entry;
  }

  /** A named object inserted into its directory. */
  named(typeName: string, bodyType: string, directory: ObjectRef, name: string, o: ObjectOptions = {}): ObjectRef {
    const obj = this.object(typeName, bodyType, { ...o, name, directory: directory.body });
    this.insert(directory.body, obj.body, name);
    return obj;
  }

  /** `\A\B`: the directories on the path, created when missing. */
  directory(path: string): ObjectRef {
    let cur = this.root;
    let sofar = "";
    for (const part of path.split("\\").filter((p) => p !== "")) {
      sofar += "\\" + part;
      const key = "dir:" + sofar.toLowerCase();
      let d = this.dirs.get(key);
      if (!d) {
        d = this.named("Directory", "_OBJECT_DIRECTORY", cur, part);
        this.dirs.set(key, d);
      }
      cur = d;
    }
    return cur;
  }

  private readonly dirs = new Map<string, ObjectRef>();

  /** A symbolic link `path` -> `target`. */
  symlink(path: string, target: string): ObjectRef {
    const { dir, name } = this.parent(path);
    const link = this.named("SymbolicLink", "_OBJECT_SYMBOLIC_LINK", dir, name);
    this.unicodeString(link.body + BigInt(fieldLocation(this.layout, "_OBJECT_SYMBOLIC_LINK", "LinkTarget").offset), target);
    return link;
  }

  parent(path: string): { dir: ObjectRef; name: string } {
    const parts = path.split("\\").filter((p) => p !== "");
    const name = parts.pop();
    if (name === undefined) throw new Error(`kernel-objects: ${path} names no object`);
    return { dir: this.directory(parts.join("\\")), name };
  }

  /** A named event: notification (type 0) or synchronization (1). */
  event(path: string, o: { signaled?: boolean; synchronization?: boolean; handles?: number } = {}): ObjectRef {
    const { dir, name } = this.parent(path);
    const ev = this.named("Event", "_KEVENT", dir, name, { handles: o.handles });
    this.set(ev.body, "_KEVENT", "Header.Type", o.synchronization ? 1 : 0);
    this.set(ev.body, "_KEVENT", "Header.SignalState", o.signaled ? 1 : 0);
    this.listInit(ev.body + BigInt(fieldLocation(this.layout, "_KEVENT", "Header.WaitListHead").offset));
    return ev;
  }

  /** A named mutant, owned by a thread (KTHREAD address) or free; `waiters` links that many wait blocks. */
  mutant(path: string, o: { owner?: bigint; abandoned?: boolean; waiters?: readonly bigint[] } = {}): ObjectRef {
    const { dir, name } = this.parent(path);
    const m = this.named("Mutant", "_KMUTANT", dir, name);
    this.set(m.body, "_KMUTANT", "Header.Type", 2);
    this.set(m.body, "_KMUTANT", "Header.SignalState", o.owner ? 0 : 1);
    if (o.owner) this.set(m.body, "_KMUTANT", "OwnerThread", o.owner);
    if (o.abandoned) this.set(m.body, "_KMUTANT", "Abandoned", 1);
    this.waitList(m.body + BigInt(fieldLocation(this.layout, "_KMUTANT", "Header.WaitListHead").offset), m.body, o.waiters ?? []);
    return m;
  }

  /** Wait blocks of `threads` (KTHREAD addresses) on `object`, linked into the object's wait list head. */
  waitList(head: bigint, object: bigint, threads: readonly bigint[]): bigint[] {
    const blocks = threads.map((t) => {
      const wb = this.area.alloc(this.size("_KWAIT_BLOCK"));
      this.set(wb, "_KWAIT_BLOCK", "Thread", t);
      this.set(wb, "_KWAIT_BLOCK", "Object", object);
      this.set(wb, "_KWAIT_BLOCK", "BlockState", 4); // WaitBlockActive
      return wb;
    });
    const entries = [head, ...blocks, head];
    for (let i = 1; i < entries.length - 1; i++) {
      this.set(entries[i]!, LE, "Flink", entries[i + 1]!);
      this.set(entries[i]!, LE, "Blink", entries[i - 1]!);
    }
    this.set(head, LE, "Flink", entries[1]!);
    this.set(head, LE, "Blink", entries[entries.length - 2]!);
    return blocks;
  }

  /** Makes a builder thread wait on `object`: a wait block in this area, `Tcb.WaitBlockList` patched to it. */
  waitOn(ethread: bigint, object: bigint): bigint {
    const wb = this.area.alloc(this.size("_KWAIT_BLOCK"));
    this.set(wb, "_KWAIT_BLOCK", "Thread", ethread);
    this.set(wb, "_KWAIT_BLOCK", "Object", object);
    this.set(wb, "_KWAIT_BLOCK", "BlockState", 4);
    this.listInit(wb);
    this.patch(ethread, "_ETHREAD", "Tcb.WaitBlockList", wb);
    return wb;
  }

  // ---- SIDs and tokens

  /** A _SID from `S-1-5-21-1-2-3` text; returns its address. */
  sid(text: string): bigint {
    const parts = text.split("-");
    if (parts[0] !== "S" || parts[1] !== "1") throw new Error(`kernel-objects: bad SID ${text}`);
    const authority = BigInt(parts[2]!);
    const subs = parts.slice(3).map((s) => BigInt(s));
    const at = this.area.alloc(8 + subs.length * 4, 4);
    const b = this.area.view(at, 8 + subs.length * 4);
    b[0] = 1;
    b[1] = subs.length;
    for (let i = 0; i < 6; i++) b[2 + i] = Number((authority >> BigInt(8 * (5 - i))) & 0xffn);
    subs.forEach((s, i) => writeUnsigned(b, 8 + i * 4, 4, s));
    return at;
  }

  /** A _TOKEN object with user, groups, integrity and privileges; returns its body. */
  token(o: TokenOptions): ObjectRef {
    const tok = this.object("Token", "_TOKEN", { handles: 0 });
    const T = "_TOKEN";
    const sids = [o.user, ...(o.groups ?? [])];
    let ilIndex = 0;
    if (o.integrity !== undefined) {
      ilIndex = sids.length;
      sids.push(`S-1-16-${o.integrity}`);
    }
    const saSize = this.size("_SID_AND_ATTRIBUTES");
    const array = this.area.alloc(saSize * sids.length, 8);
    sids.forEach((s, i) => {
      this.set(array + BigInt(i * saSize), "_SID_AND_ATTRIBUTES", "Sid", this.sid(s));
      this.set(array + BigInt(i * saSize), "_SID_AND_ATTRIBUTES", "Attributes", i === ilIndex && o.integrity !== undefined ? 0x60 : 7);
    });
    this.set(tok.body, T, "UserAndGroups", array);
    this.set(tok.body, T, "UserAndGroupCount", sids.length);
    this.set(tok.body, T, "IntegrityLevelIndex", ilIndex);
    this.set(tok.body, T, "SessionId", o.sessionId ?? 1);
    this.set(tok.body, T, "AuthenticationId.LowPart", o.authenticationId ?? 0x3e7);
    this.set(tok.body, T, "TokenType", o.tokenType ?? 1);
    this.set(tok.body, T, "ImpersonationLevel", o.impersonationLevel ?? 0);
    this.set(tok.body, T, "RestrictedSidCount", o.restrictedSids ?? 0);
    const mask = (luids: readonly number[] | undefined) => (luids ?? []).reduce((m, l) => m | (1n << BigInt(l)), 0n);
    this.set(tok.body, T, "Privileges.Present", mask(o.present ?? o.enabled));
    this.set(tok.body, T, "Privileges.Enabled", mask(o.enabled));
    this.set(tok.body, T, "Privileges.EnabledByDefault", mask(o.enabled));
    return tok;
  }

  /** Points a builder process's `Token` (_EX_FAST_REF) at a token of this helper, keeping a reference count. */
  useToken(eprocess: bigint, token: ObjectRef): void {
    this.patch(eprocess, "_EPROCESS", "Token.Value", token.body | 0x5n);
  }

  // ---- handle tables

  /**
   * A one-level handle table for a builder process (replacing its ObjectTable): entries for the objects
   * given, `FreeLists[i].HandleCount` from `counts` (default: one list holding them all).
   */
  handleTable(eprocess: bigint, pid: number, entries: readonly HandleEntry[], counts?: readonly number[]): bigint {
    const HT = "_HANDLE_TABLE";
    const freeLists = counts?.length ?? 1;
    const listSize = this.size("_HANDLE_TABLE_FREE_LIST");
    const listsAt = fieldLocation(this.layout, HT, "FreeLists").offset;
    const ht = this.area.alloc(Math.max(this.size(HT), listsAt + freeLists * listSize), 0x40);
    const perPage = 0x1000 / this.size("_HANDLE_TABLE_ENTRY");
    const pages = Math.max(1, Math.ceil((entries.length + 1) / (perPage - 1)));
    const leaves: bigint[] = [];
    for (let p = 0; p < pages; p++) leaves.push(this.area.alloc(0x1000, 0x1000));
    entries.forEach((e, i) => {
      const page = Math.floor(i / (perPage - 1));
      const slot = (i % (perPage - 1)) + 1; // entry 0 of each page is reserved
      const header = e.object - BigInt(fieldLocation(this.layout, OH, "Body").offset);
      const entry = leaves[page]! + BigInt(slot * this.size("_HANDLE_TABLE_ENTRY"));
      this.set(entry, "_HANDLE_TABLE_ENTRY", "Unlocked", 1);
      this.set(entry, "_HANDLE_TABLE_ENTRY", "RefCnt", 0x7fff);
      this.set(entry, "_HANDLE_TABLE_ENTRY", "ObjectPointerBits", (header >> 4n) & ((1n << 44n) - 1n));
      this.set(entry, "_HANDLE_TABLE_ENTRY", "GrantedAccessBits", e.access ?? 0x1f0001);
    });
    let tableCode: bigint;
    if (pages === 1) tableCode = leaves[0]!;
    else {
      const mid = this.area.alloc(0x1000, 0x1000);
      leaves.forEach((l, i) => writeUnsigned(this.area.view(mid + BigInt(i * 8), 8), 0, 8, l));
      tableCode = mid | 1n;
    }
    this.set(ht, HT, "TableCode", tableCode);
    this.set(ht, HT, "NextHandleNeedingPool", pages * perPage * 4);
    this.set(ht, HT, "UniqueProcessId", pid);
    this.set(ht, HT, "QuotaProcess", eprocess);
    const all = counts ?? [entries.length];
    all.forEach((c, i) => {
      const list = ht + BigInt(listsAt + i * listSize);
      this.set(list, "_HANDLE_TABLE_FREE_LIST", "HandleCount", BigInt.asUintN(32, BigInt(c)));
    });
    this.patch(eprocess, "_EPROCESS", "ObjectTable", ht);
    return ht;
  }

  /**
   * win32k's `_W32PROCESS` of a GUI process with its GDI and USER object counts, pointed to by EPROCESS.Win32Process.
   * The target also needs a win32k module with the type: `.driver({ name: "win32kbase.sys", types: WIN32K_TYPES })`.
   */
  win32Process(eprocess: bigint, counts: { gdi: number; user: number }): bigint {
    const at = this.area.alloc(W32PROCESS_X64.size);
    const put = (field: "GDIHandleCount" | "UserHandleCount" | "Process", size: number, value: bigint) => {
      writeUnsigned(this.area.view(at + BigInt(W32PROCESS_X64.fields[field]![0]), size), 0, size, value);
    };
    put("Process", 8, eprocess);
    put("GDIHandleCount", 4, BigInt(counts.gdi));
    put("UserHandleCount", 4, BigInt(counts.user));
    this.patch(eprocess, "_EPROCESS", "Win32Process", at);
    return at;
  }

  /** nt!ExpFreeListCount. */
  freeListCount(n: number): void {
    const b = new Uint8Array(4);
    writeUnsigned(b, 0, 4, BigInt(n));
    this.patchBytes(this.symbol("ExpFreeListCount"), b);
  }

  // ---- ALPC

  /** An ALPC port object owned by a process; linked into nt!AlpcpPortList unless `listed` is false. */
  port(o: PortOptions): ObjectRef {
    const P = "_ALPC_PORT";
    const p = o.name !== undefined && o.directory !== undefined
      ? this.named("ALPC Port", P, { header: 0n, body: o.directory }, o.name)
      : this.object("ALPC Port", P, {});
    this.set(p.body, P, "OwnerProcess", o.owner);
    for (const q of ["MainQueue", "LargeMessageQueue", "PendingQueue", "DirectQueue", "WaitQueue", "CanceledQueue"]) {
      this.listInit(p.body + BigInt(fieldLocation(this.layout, P, q).offset));
    }
    this.set(p.body, P, "MainQueueLength", o.mainQueue ?? 0);
    this.set(p.body, P, "PendingQueueLength", o.pendingQueue ?? 0);
    this.set(p.body, P, "WaitQueueLength", o.waitQueue ?? 0);
    this.set(p.body, P, "CanceledQueueLength", o.canceledQueue ?? 0);
    this.set(p.body, P, "LargeMessageQueueLength", o.largeQueue ?? 0);
    if (o.completionPort !== undefined) this.set(p.body, P, "CompletionPort", o.completionPort);
    this.set(p.body, P, "u1.s1.Initialized", 1);
    if (o.closed) this.set(p.body, P, "u1.s1.Closed", 1);
    const ci = this.area.alloc(this.size("_ALPC_COMMUNICATION_INFO"));
    this.set(ci, "_ALPC_COMMUNICATION_INFO", "ConnectionPort", o.connectionPort ?? p.body);
    this.listInit(ci + BigInt(fieldLocation(this.layout, "_ALPC_COMMUNICATION_INFO", "CommunicationList").offset));
    this.set(p.body, P, "CommunicationInfo", ci);
    if (o.listed !== false) this.linkPort(p.body);
    return p;
  }

  private readonly listedPorts: bigint[] = [];

  private linkPort(port: bigint): void {
    this.listedPorts.push(port);
    const head = this.portList;
    const entries = [head, ...this.listedPorts.map((b) => b + BigInt(fieldLocation(this.layout, "_ALPC_PORT", "PortListEntry").offset)), head];
    for (let i = 1; i < entries.length - 1; i++) {
      this.set(entries[i]!, LE, "Flink", entries[i + 1]!);
      this.set(entries[i]!, LE, "Blink", entries[i - 1]!);
    }
    this.patchPointer(head, entries[1]!);
    this.patchPointer(head + BigInt(this.layout.pointerSize), entries[entries.length - 2]!);
  }

  /** A _KALPC_MESSAGE (pool memory, not an object). */
  message(o: MessageOptions): bigint {
    const M = "_KALPC_MESSAGE";
    const m = this.area.alloc(this.size(M), 0x10);
    this.listInit(m);
    if (o.portQueue !== undefined) this.set(m, M, "PortQueue", o.portQueue);
    if (o.ownerPort !== undefined) this.set(m, M, "OwnerPort", o.ownerPort);
    if (o.waitingThread !== undefined) this.set(m, M, "WaitingThread", o.waitingThread);
    if (o.serverThread !== undefined) this.set(m, M, "ServerThread", o.serverThread);
    if (o.connectionPort !== undefined) this.set(m, M, "ConnectionPort", o.connectionPort);
    this.set(m, M, "PortMessage.MessageId", o.messageId ?? 0x1234);
    if (o.clientPid !== undefined) this.set(m, M, "PortMessage.ClientId.UniqueProcess", o.clientPid);
    if (o.clientTid !== undefined) this.set(m, M, "PortMessage.ClientId.UniqueThread", o.clientTid);
    if (o.canceled) this.set(m, M, "u1.s1.Canceled", 1);
    return m;
  }

  /** A client thread waiting for the reply to `message` (`ETHREAD.AlpcMessage`, `AlpcMessageId`). */
  waitForReply(ethread: bigint, message: bigint, messageId = 0x1234): void {
    this.patch(ethread, "_ETHREAD", "AlpcMessage", message);
    this.patch(ethread, "_ETHREAD", "AlpcMessageId", messageId);
  }

  /** The bytes to map: the area and the patches. */
  chunks(): { address: bigint; bytes: Uint8Array }[] {
    const out: { address: bigint; bytes: Uint8Array }[] = [{ address: this.area.base, bytes: this.area.bytes.slice(0, Math.max(this.area.used, 1)) }];
    for (const [address, bytes] of this.patches) out.push({ address, bytes });
    return out;
  }

  applyTo(b: KernelTargetBuilder): KernelTargetBuilder {
    for (const c of this.chunks()) b.memory(c.address, c.bytes);
    return b;
  }
}

/**
 * Builds a target with kernel objects: `make` declares the processes and threads (it is called twice and must
 * declare the same things), `add` creates objects against the first build's addresses.
 */
export function withObjects(
  make: () => KernelTargetBuilder,
  add: (o: KernelObjects, at: KernelTargetAddresses) => void,
  options: { root?: boolean; types?: boolean } = {},
): BuiltKernelTarget & { objects: KernelObjects } {
  const probe = make().build();
  const objects = new KernelObjects(probe, options);
  add(objects, probe.addresses);
  const built = objects.applyTo(make()).build();
  return { ...built, objects };
}

/** win32kbase's types for `.driver({ name: "win32kbase.sys", types: WIN32K_TYPES })`: `_W32PROCESS` only. */
export const WIN32K_TYPES: LayoutSet = {
  id: "win32kbase-x64", pointerSize: 8, source: "Windows 7 x64 win32k.sys public symbols (_W32PROCESS); see windows-kernel-objects.ts",
  types: { _W32PROCESS: W32PROCESS_X64 },
};

/**
 * What a loaded image's own bytes in the dump say about it, read without `Module.Contents` (which exists only
 * when another script is loaded): the COFF and optional headers (TimeDateStamp, SizeOfImage, CheckSum, data
 * directories), the debug directory's CodeView record (PDB name, GUID, age; a REPRO entry marks a hash in
 * place of a timestamp), the version resource (VS_VERSIONINFO: VS_FIXEDFILEINFO and the StringFileInfo
 * strings such as CompanyName), and the export directory. Formats: Microsoft "PE Format", "VS_VERSIONINFO",
 * "VS_FIXEDFILEINFO", "StringFileInfo". Minidumps rarely hold these pages, so every reader says which part
 * was missing instead of guessing.
 *
 * `read(rva, length)` reads at the image base + rva and returns undefined when the bytes are not in the dump.
 */
import { u16, u32 } from "./pe";

export type ImageReader = (rva: number, length: number) => ArrayLike<number> | undefined;

export interface DataDirectory {
  readonly rva: number;
  readonly size: number;
}

export interface PeHeaders {
  readonly machine: number;
  readonly timeDateStamp: number;
  readonly characteristics: number;
  /** PE32+ (64-bit) optional header. */
  readonly pe32plus: boolean;
  readonly sizeOfImage: number;
  readonly checkSum: number;
  readonly subsystem: number;
  /** The 16 data directories (export 0, import 1, resource 2, exception 3, security 4, reloc 5, debug 6, ...). */
  readonly directories: readonly DataDirectory[];
}

export const DIR_EXPORT = 0;
export const DIR_RESOURCE = 2;
export const DIR_DEBUG = 6;

/** The headers, or why they cannot be read. */
export function readPeHeaders(read: ImageReader): PeHeaders | string {
  const dos = read(0, 0x40);
  if (!dos) return "the image headers are not in the dump";
  if (dos[0] !== 0x4d || dos[1] !== 0x5a) return "the image base does not start with MZ (headers paged out or overwritten)";
  const lfanew = u32(dos, 0x3c);
  if (lfanew < 0x40 || lfanew > 0x10000) return "e_lfanew 0x" + lfanew.toString(16) + " is not plausible";
  const nt = read(lfanew, 24 + 0x70 + 16 * 8);
  if (!nt) return "the NT headers at +0x" + lfanew.toString(16) + " are not in the dump";
  if (nt[0] !== 0x50 || nt[1] !== 0x45 || nt[2] !== 0 || nt[3] !== 0) return "no PE signature at +0x" + lfanew.toString(16);
  const optionalSize = u16(nt, 20);
  const magic = u16(nt, 24);
  if (magic !== 0x10b && magic !== 0x20b) return "unknown optional header magic 0x" + magic.toString(16);
  const plus = magic === 0x20b;
  const opt = 24;
  const countAt = opt + (plus ? 108 : 92);
  const dirCount = Math.min(16, u32(nt, countAt), Math.max(0, Math.floor((optionalSize - (countAt - opt + 4)) / 8)));
  const directories: DataDirectory[] = [];
  for (let i = 0; i < 16; i++) {
    directories.push(i < dirCount ? { rva: u32(nt, countAt + 4 + i * 8), size: u32(nt, countAt + 8 + i * 8) } : { rva: 0, size: 0 });
  }
  return {
    machine: u16(nt, 4), timeDateStamp: u32(nt, 8), characteristics: u16(nt, 22), pe32plus: plus,
    sizeOfImage: u32(nt, opt + 56), checkSum: u32(nt, opt + 64), subsystem: u16(nt, opt + 68), directories,
  };
}

export interface CodeView {
  readonly pdbName: string;
  /** `{3844DBB9-2017-4967-BE6A-A02F2F6F7D6B}` as symbol stores and `!lmi` print it. */
  readonly guid: string;
  readonly age: number;
}

export interface DebugInfo {
  /** undefined when the debug directory has no RSDS record (or it is not in the dump). */
  readonly codeView: CodeView | undefined;
  /** An IMAGE_DEBUG_TYPE_REPRO entry: TimeDateStamp is a content hash, not a date. */
  readonly reproducible: boolean;
  /** Why the CodeView record is missing, when it is. */
  readonly note: string | undefined;
}

function hex8(n: number, width: number): string {
  const s = (n >>> 0).toString(16).toUpperCase();
  return s.length >= width ? s : "00000000".slice(0, width - s.length) + s;
}

/** Reads the debug directory (IMAGE_DEBUG_DIRECTORY, 28 bytes per entry) and its CodeView RSDS record. */
export function readDebugInfo(read: ImageReader, h: PeHeaders): DebugInfo | string {
  const dir = h.directories[DIR_DEBUG]!;
  if (dir.rva === 0 || dir.size === 0) return "the image has no debug directory";
  const count = Math.min(32, Math.floor(dir.size / 28));
  const entries = read(dir.rva, count * 28);
  if (!entries) return "the debug directory (rva 0x" + dir.rva.toString(16) + ") is not in the dump";
  let reproducible = false;
  let cvAt = -1;
  let cvSize = 0;
  for (let i = 0; i < count; i++) {
    const type = u32(entries, i * 28 + 12);
    if (type === 16) reproducible = true;
    if (type === 2 && cvAt < 0) { cvSize = u32(entries, i * 28 + 16); cvAt = u32(entries, i * 28 + 20); }
  }
  if (cvAt <= 0) return { codeView: undefined, reproducible, note: "no CodeView entry in the debug directory" };
  const cv = read(cvAt, Math.min(Math.max(cvSize, 24), 0x400));
  if (!cv) return { codeView: undefined, reproducible, note: "the CodeView record (rva 0x" + cvAt.toString(16) + ") is not in the dump" };
  if (!(cv[0] === 0x52 && cv[1] === 0x53 && cv[2] === 0x44 && cv[3] === 0x53)) return { codeView: undefined, reproducible, note: "the CodeView record is not RSDS (an old NB10 PDB reference)" };
  let d4 = "";
  for (let i = 0; i < 8; i++) d4 += (i === 2 ? "-" : "") + hex8(cv[12 + i]!, 2);
  const guid = "{" + hex8(u32(cv, 4), 8) + "-" + hex8(u16(cv, 8), 4) + "-" + hex8(u16(cv, 10), 4) + "-" + d4 + "}";
  let name = "";
  for (let i = 24; i < cv.length && cv[i] !== 0; i++) name += String.fromCharCode(cv[i]!);
  return { codeView: { pdbName: name, guid, age: u32(cv, 20) }, reproducible, note: undefined };
}

export interface VersionResource {
  /** From VS_FIXEDFILEINFO (`10.0.19041.1`), undefined when the fixed info is missing. */
  readonly fileVersion: string | undefined;
  readonly productVersion: string | undefined;
  /** StringFileInfo strings of the first string table (CompanyName, ProductName, FileVersion, FileDescription, ...). */
  readonly strings: { readonly [key: string]: string };
}

const MAX_RESOURCE_BYTES = 0x10000;

function wideString(b: ArrayLike<number>, at: number, end: number): { text: string; next: number } {
  let text = "";
  let i = at;
  for (; i + 1 < end; i += 2) {
    const c = u16(b, i);
    if (c === 0) { i += 2; break; }
    text += String.fromCharCode(c);
  }
  return { text, next: i };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

interface Block { key: string; valueAt: number; valueLength: number; text: boolean; childrenAt: number; end: number }

/** One VS_VERSIONINFO-style block at `at`: header, key, value, children; undefined when it does not fit. */
function block(b: ArrayLike<number>, at: number, limit: number): Block | undefined {
  if (at + 6 > limit) return undefined;
  const length = u16(b, at);
  if (length < 6 || at + length > limit) return undefined;
  const end = at + length;
  const valueLength = u16(b, at + 2);
  const text = u16(b, at + 4) === 1;
  const key = wideString(b, at + 6, end);
  const valueAt = align4(key.next);
  const valueBytes = text ? valueLength * 2 : valueLength;
  return { key: key.text, valueAt, valueLength: valueBytes, text, childrenAt: Math.min(end, align4(valueAt + valueBytes)), end };
}

function children(b: ArrayLike<number>, parent: Block): Block[] {
  const out: Block[] = [];
  let at = parent.childrenAt;
  while (at < parent.end && out.length < 256) {
    const c = block(b, at, parent.end);
    if (!c) break;
    out.push(c);
    at = align4(c.end);
  }
  return out;
}

function versionText(ms: number, ls: number): string {
  return (ms >>> 16) + "." + (ms & 0xffff) + "." + (ls >>> 16) + "." + (ls & 0xffff);
}

/** Parses a VS_VERSIONINFO blob (exported for tests of odd blobs). */
export function parseVersionInfo(b: ArrayLike<number>): VersionResource | string {
  const root = block(b, 0, b.length);
  if (!root || root.key !== "VS_VERSION_INFO") return "the version resource does not start with VS_VERSION_INFO";
  let fileVersion: string | undefined;
  let productVersion: string | undefined;
  if (root.valueLength >= 52 && u32(b, root.valueAt) === 0xfeef04bd) {
    fileVersion = versionText(u32(b, root.valueAt + 8), u32(b, root.valueAt + 12));
    productVersion = versionText(u32(b, root.valueAt + 16), u32(b, root.valueAt + 20));
  }
  const strings: { [key: string]: string } = {};
  for (const c of children(b, root)) {
    if (c.key !== "StringFileInfo") continue;
    const tables = children(b, c);
    // English (0409) first when there are several tables, else the first.
    let table = tables[0];
    for (const t of tables) if (t.key.toLowerCase().indexOf("0409") === 0) { table = t; break; }
    if (!table) continue;
    for (const s of children(b, table)) {
      if (strings[s.key] !== undefined) continue;
      strings[s.key] = s.valueLength > 0 ? wideString(b, s.valueAt, s.end).text : "";
    }
  }
  return { fileVersion, productVersion, strings };
}

/** Finds RT_VERSION in the resource directory and parses it. */
export function readVersionResource(read: ImageReader, h: PeHeaders): VersionResource | string {
  const dir = h.directories[DIR_RESOURCE]!;
  if (dir.rva === 0 || dir.size === 0) return "the image has no resources";
  // id → (offset relative to the resource section, subdirectory?) of the wanted entry, or the first entry when id < 0.
  const entry = (offset: number, id: number): { target: number; subdir: boolean } | string => {
    const head = read(dir.rva + offset, 16);
    if (!head) return "the resource directory (rva 0x" + (dir.rva + offset).toString(16) + ") is not in the dump";
    const named = u16(head, 12);
    const ids = u16(head, 14);
    const total = Math.min(named + ids, 4096);
    if (total === 0) return "an empty resource directory";
    const list = read(dir.rva + offset + 16, total * 8);
    if (!list) return "the resource directory entries (rva 0x" + (dir.rva + offset + 16).toString(16) + ") are not in the dump";
    for (let i = 0; i < total; i++) {
      const name = u32(list, i * 8);
      if (id >= 0 && (i < named || name !== id)) continue;
      const off = u32(list, i * 8 + 4);
      return { target: off & 0x7fffffff, subdir: (off & 0x80000000) !== 0 };
    }
    return id === 16 ? "the image has no version resource" : "the resource directory has no such entry";
  };
  const type = entry(0, 16);
  if (typeof type === "string") return type;
  if (!type.subdir) return "the RT_VERSION entry is malformed";
  const name = entry(type.target, -1);
  if (typeof name === "string") return name;
  let data = name;
  if (name.subdir) {
    const lang = entry(name.target, -1);
    if (typeof lang === "string") return lang;
    data = lang;
  }
  if (data.subdir) return "the version resource's directory is nested deeper than usual";
  const de = read(dir.rva + data.target, 16);
  if (!de) return "the version resource's data entry is not in the dump";
  const rva = u32(de, 0);
  const size = Math.min(u32(de, 4), MAX_RESOURCE_BYTES);
  if (size < 6) return "the version resource is empty";
  const blob = read(rva, size);
  if (!blob) return "the version resource data (rva 0x" + rva.toString(16) + ", 0x" + size.toString(16) + " bytes) is not in the dump";
  return parseVersionInfo(blob);
}

export interface ExportEntry {
  readonly name: string;
  readonly rva: number;
  /** The function RVA points into the export directory: a forwarder string (`NTDLL.RtlAllocateHeap`), not code. */
  readonly forwarder: boolean;
}

/**
 * Named exports (at most `max`), read with one request for the export directory's own range (names and
 * tables live there in images linked by Microsoft's linker) plus one per table that lies outside it.
 */
export function readExports(read: ImageReader, h: PeHeaders, max: number): ExportEntry[] | string {
  const dir = h.directories[DIR_EXPORT]!;
  if (dir.rva === 0 || dir.size === 0) return "the image exports nothing";
  const span = Math.min(dir.size, 0x100000);
  const all = read(dir.rva, span);
  if (!all) return "the export directory (rva 0x" + dir.rva.toString(16) + ") is not in the dump";
  const inDir = (rva: number, length: number) => rva >= dir.rva && rva + length <= dir.rva + span;
  const slice = (rva: number, length: number): ArrayLike<number> | undefined => {
    if (inDir(rva, length)) {
      const out: number[] = [];
      for (let i = 0; i < length; i++) out.push(all[rva - dir.rva + i]!);
      return out;
    }
    return read(rva, length);
  };
  const nFunctions = Math.min(u32(all, 20), 0x10000);
  const nNames = Math.min(u32(all, 24), nFunctions, max);
  const functions = slice(u32(all, 28), nFunctions * 4);
  const names = slice(u32(all, 32), nNames * 4);
  const ordinals = slice(u32(all, 36), nNames * 2);
  if (!functions || !names || !ordinals) return "the export tables are not in the dump";
  const out: ExportEntry[] = [];
  for (let i = 0; i < nNames; i++) {
    const nameRva = u32(names, i * 4);
    const ordinal = u16(ordinals, i * 2);
    if (ordinal >= nFunctions) continue;
    let name = "";
    if (inDir(nameRva, 1)) {
      for (let k = nameRva - dir.rva; k < span && all[k] !== 0 && name.length < 256; k++) name += String.fromCharCode(all[k]!);
    }
    if (name === "") continue; // a name outside the directory: not worth a read per export
    const rva = u32(functions, ordinal * 4);
    out.push({ name, rva, forwarder: rva >= dir.rva && rva < dir.rva + dir.size });
  }
  return out;
}

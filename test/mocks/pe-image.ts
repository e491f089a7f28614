/**
 * Encoders of the PE image data a fake module can carry in the dump: headers with the optional header's
 * data directories, an export directory, a debug directory with a CodeView (RSDS) record, and a version
 * resource (VS_VERSIONINFO). Written from the formats as Microsoft documents them ("PE Format",
 * "VS_VERSIONINFO", "VS_FIXEDFILEINFO", "String", "StringTable", "Var"), independently of src/lib, so a
 * wrong reading there fails a test instead of being mirrored here.
 */
import { writeUnsigned } from "../../src/emulator/memory";

export interface VersionResourceSpec {
  /** "10.0.19041.1" → VS_FIXEDFILEINFO.dwFileVersionMS/LS; also the FileVersion string unless `strings` has one. */
  readonly fileVersion: string;
  readonly productVersion?: string;
  /** StringFileInfo strings (CompanyName, ProductName, FileDescription, ...), in the 040904b0 table. */
  readonly strings?: Readonly<Record<string, string>>;
}

export interface PdbSpec {
  readonly name: string;
  /** "3844DBB9-2017-4967-BE6A-A02F2F6F7D6B" */
  readonly guid: string;
  readonly age: number;
}

export interface DataDirectory { readonly rva: number; readonly size: number }

export interface HeaderSpec {
  readonly pointerSize: 4 | 8;
  readonly imageSize: number;
  readonly textSize: number;
  readonly timestamp?: number;
  readonly checksum?: number;
  readonly exportDir?: DataDirectory;
  readonly resourceDir?: DataDirectory;
  readonly debugDir?: DataDirectory;
}

/** The image's section table (the same three sections the headers declare). */
export function sectionLayout(imageSize: number, textSize: number): { text: number; rdata: number; rdataSize: number; data: number } {
  const rest = imageSize - 0x1000 - textSize;
  const rdataSize = Math.floor(rest / 2 / 0x1000) * 0x1000;
  return { text: 0x1000, rdata: 0x1000 + textSize, rdataSize, data: 0x1000 + textSize + rdataSize };
}

/** DOS header, "PE\0\0", COFF header, optional header (PE32 or PE32+) with 16 data directories, section headers. */
export function peHeaders(h: HeaderSpec): Uint8Array {
  const b = new Uint8Array(0x400);
  b[0] = 0x4d; b[1] = 0x5a;
  const lfanew = 0x80;
  writeUnsigned(b, 0x3c, 4, BigInt(lfanew));
  b.set([0x50, 0x45, 0, 0], lfanew);
  const plus = h.pointerSize === 8;
  const optionalSize = plus ? 0xf0 : 0xe0;
  const coff = lfanew + 4;
  writeUnsigned(b, coff, 2, plus ? 0x8664n : 0x14cn);
  writeUnsigned(b, coff + 2, 2, 3n);
  writeUnsigned(b, coff + 4, 4, BigInt(h.timestamp ?? 0));
  writeUnsigned(b, coff + 16, 2, BigInt(optionalSize));
  writeUnsigned(b, coff + 18, 2, 0x2022n); // executable, large-address aware, DLL
  const opt = lfanew + 24;
  writeUnsigned(b, opt, 2, plus ? 0x20bn : 0x10bn);
  writeUnsigned(b, opt + 56, 4, BigInt(h.imageSize));
  writeUnsigned(b, opt + 60, 4, 0x400n); // SizeOfHeaders
  writeUnsigned(b, opt + 64, 4, BigInt(h.checksum ?? 0));
  writeUnsigned(b, opt + 68, 2, 3n); // console subsystem
  const countAt = opt + (plus ? 108 : 92);
  writeUnsigned(b, countAt, 4, 16n);
  const dirs = countAt + 4;
  const put = (index: number, d: DataDirectory | undefined) => {
    if (!d) return;
    writeUnsigned(b, dirs + index * 8, 4, BigInt(d.rva));
    writeUnsigned(b, dirs + index * 8 + 4, 4, BigInt(d.size));
  };
  put(0, h.exportDir);
  put(2, h.resourceDir);
  put(6, h.debugDir);
  const s = sectionLayout(h.imageSize, h.textSize);
  const sections: [string, number, number, number][] = [
    [".text", s.text, h.textSize, 0x60000020],
    [".rdata", s.rdata, s.rdataSize, 0x40000040],
    [".data", s.data, h.imageSize - s.data, 0xc0000040],
  ];
  let o = opt + optionalSize;
  for (const [name, rva, size, ch] of sections) {
    for (let k = 0; k < name.length; k++) b[o + k] = name.charCodeAt(k);
    writeUnsigned(b, o + 8, 4, BigInt(size));
    writeUnsigned(b, o + 12, 4, BigInt(rva));
    writeUnsigned(b, o + 36, 4, BigInt(ch));
    o += 40;
  }
  return b;
}

/** Appends blobs to a section's bytes at 4-byte (or more) aligned offsets; `rva` is where the section starts. */
export class SectionBuilder {
  private parts: Uint8Array[] = [];
  private length = 0;

  constructor(readonly rva: number) {}

  /** Reserves `bytes` (aligned) and returns its RVA. */
  add(bytes: Uint8Array, align = 4): number {
    const pad = (align - (this.length % align)) % align;
    if (pad) { this.parts.push(new Uint8Array(pad)); this.length += pad; }
    const at = this.rva + this.length;
    this.parts.push(bytes);
    this.length += bytes.length;
    return at;
  }

  /** The RVA the next blob would get (after `align`). */
  next(align = 4): number {
    return this.rva + this.length + ((align - (this.length % align)) % align);
  }

  get size(): number {
    return this.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

export function utf16(text: string, terminate = true): Uint8Array {
  const b = new Uint8Array((text.length + (terminate ? 1 : 0)) * 2);
  for (let i = 0; i < text.length; i++) writeUnsigned(b, i * 2, 2, BigInt(text.charCodeAt(i)));
  return b;
}

function ascii(text: string): Uint8Array {
  const b = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
  return b;
}

/** IMAGE_EXPORT_DIRECTORY with its function, name and ordinal tables, laid out at `rva` (names sorted, as the loader requires). */
export function exportDirectory(rva: number, dllName: string, exports: Readonly<Record<string, number>>): Uint8Array {
  const names = Object.keys(exports).sort();
  const n = names.length;
  const functionsAt = 40;
  const namesAt = functionsAt + n * 4;
  const ordinalsAt = namesAt + n * 4;
  let stringsAt = ordinalsAt + n * 2;
  const strings: { at: number; bytes: Uint8Array }[] = [];
  const dllNameAt = stringsAt;
  strings.push({ at: stringsAt, bytes: ascii(dllName) });
  stringsAt += strings[0]!.bytes.length;
  const nameRvas: number[] = [];
  for (const name of names) {
    const bytes = ascii(name);
    strings.push({ at: stringsAt, bytes });
    nameRvas.push(rva + stringsAt);
    stringsAt += bytes.length;
  }
  const b = new Uint8Array(stringsAt);
  writeUnsigned(b, 12, 4, BigInt(rva + dllNameAt));
  writeUnsigned(b, 16, 4, 1n); // ordinal base
  writeUnsigned(b, 20, 4, BigInt(n));
  writeUnsigned(b, 24, 4, BigInt(n));
  writeUnsigned(b, 28, 4, BigInt(rva + functionsAt));
  writeUnsigned(b, 32, 4, BigInt(rva + namesAt));
  writeUnsigned(b, 36, 4, BigInt(rva + ordinalsAt));
  names.forEach((name, i) => {
    writeUnsigned(b, functionsAt + i * 4, 4, BigInt(exports[name]!));
    writeUnsigned(b, namesAt + i * 4, 4, BigInt(nameRvas[i]!));
    writeUnsigned(b, ordinalsAt + i * 2, 2, BigInt(i));
  });
  for (const s of strings) b.set(s.bytes, s.at);
  return b;
}

/** A CodeView RSDS record: "RSDS", the GUID (Data1..Data3 little-endian, Data4 in order), age, PDB path (UTF-8). */
export function rsdsRecord(pdb: PdbSpec): Uint8Array {
  const hexes = pdb.guid.replace(/[{}-]/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hexes)) throw new Error(`bad GUID ${pdb.guid}`);
  const name = ascii(pdb.name);
  const b = new Uint8Array(24 + name.length);
  b.set([0x52, 0x53, 0x44, 0x53], 0);
  writeUnsigned(b, 4, 4, BigInt("0x" + hexes.slice(0, 8)));
  writeUnsigned(b, 8, 2, BigInt("0x" + hexes.slice(8, 12)));
  writeUnsigned(b, 10, 2, BigInt("0x" + hexes.slice(12, 16)));
  for (let i = 0; i < 8; i++) b[12 + i] = parseInt(hexes.slice(16 + i * 2, 18 + i * 2), 16);
  writeUnsigned(b, 20, 4, BigInt(pdb.age));
  b.set(name, 24);
  return b;
}

/** IMAGE_DEBUG_DIRECTORY entries (28 bytes each): type 2 (CodeView) pointing at `codeViewRva`, and type 16 (REPRO) when asked. */
export function debugDirectory(codeViewRva: number | undefined, codeViewSize: number, repro: boolean): Uint8Array {
  const entries: [number, number, number][] = [];
  if (codeViewRva !== undefined) entries.push([2, codeViewSize, codeViewRva]);
  if (repro) entries.push([16, 0, 0]);
  const b = new Uint8Array(entries.length * 28);
  entries.forEach(([type, size, rva], i) => {
    writeUnsigned(b, i * 28 + 12, 4, BigInt(type));
    writeUnsigned(b, i * 28 + 16, 4, BigInt(size));
    writeUnsigned(b, i * 28 + 20, 4, BigInt(rva));
  });
  return b;
}

interface VersionNode { key: string; value?: Uint8Array; text?: boolean; children?: VersionNode[] }

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One VS_VERSIONINFO-style block: wLength, wValueLength (WCHARs for text values), wType, key, padding, value, padding, children. */
function encodeNode(node: VersionNode): Uint8Array {
  const key = utf16(node.key);
  const valueAt = pad4(6 + key.length);
  const value = node.value ?? new Uint8Array(0);
  const children = (node.children ?? []).map(encodeNode);
  let length = valueAt + value.length;
  for (const c of children) length = pad4(length) + c.length;
  const b = new Uint8Array(length);
  writeUnsigned(b, 0, 2, BigInt(length));
  writeUnsigned(b, 2, 2, BigInt(node.text ? value.length / 2 : value.length));
  writeUnsigned(b, 4, 2, node.text ? 1n : 0n);
  b.set(key, 6);
  b.set(value, valueAt);
  let o = valueAt + value.length;
  for (const c of children) { o = pad4(o); b.set(c, o); o += c.length; }
  return b;
}

function versionWords(v: string): [number, number] {
  const p = v.split(".").map((x) => Number(x) || 0);
  while (p.length < 4) p.push(0);
  return [((p[0]! << 16) | p[1]!) >>> 0, ((p[2]! << 16) | p[3]!) >>> 0];
}

/** VS_VERSIONINFO: VS_FIXEDFILEINFO (signature 0xFEEF04BD), StringFileInfo\040904b0 strings, VarFileInfo\Translation. */
export function versionResource(v: VersionResourceSpec): Uint8Array {
  const fixed = new Uint8Array(52);
  const [fms, fls] = versionWords(v.fileVersion);
  const [pms, pls] = versionWords(v.productVersion ?? v.fileVersion);
  writeUnsigned(fixed, 0, 4, 0xfeef04bdn);
  writeUnsigned(fixed, 4, 4, 0x10000n);
  writeUnsigned(fixed, 8, 4, BigInt(fms));
  writeUnsigned(fixed, 12, 4, BigInt(fls));
  writeUnsigned(fixed, 16, 4, BigInt(pms));
  writeUnsigned(fixed, 20, 4, BigInt(pls));
  writeUnsigned(fixed, 24, 4, 0x3fn);
  writeUnsigned(fixed, 32, 4, 0x40004n);
  writeUnsigned(fixed, 36, 4, 2n); // VFT_DLL
  const strings: Record<string, string> = { FileVersion: v.fileVersion, ProductVersion: v.productVersion ?? v.fileVersion, ...(v.strings ?? {}) };
  const translation = new Uint8Array(4);
  writeUnsigned(translation, 0, 2, 0x409n);
  writeUnsigned(translation, 2, 2, 0x4b0n);
  return encodeNode({
    key: "VS_VERSION_INFO", value: fixed,
    children: [
      { key: "StringFileInfo", text: true, children: [{ key: "040904b0", text: true, children: Object.keys(strings).map((k) => ({ key: k, value: utf16(strings[k]!), text: true })) }] },
      { key: "VarFileInfo", text: true, children: [{ key: "Translation", value: translation }] },
    ],
  });
}

/**
 * A resource section holding one RT_VERSION (16) resource, name 1, language 0x409: three directory levels
 * (IMAGE_RESOURCE_DIRECTORY + one ID entry each), the data entry, then the data. Offsets in the directory are
 * relative to the section start (`rva`); the data entry's OffsetToData is an RVA.
 */
export function resourceSection(rva: number, data: Uint8Array): Uint8Array {
  const dataAt = 88;
  const b = new Uint8Array(dataAt + data.length);
  const dir = (at: number, id: number, target: number, subdir: boolean) => {
    writeUnsigned(b, at + 14, 2, 1n); // NumberOfIdEntries
    writeUnsigned(b, at + 16, 4, BigInt(id));
    writeUnsigned(b, at + 20, 4, BigInt((subdir ? 0x80000000 : 0) + target));
  };
  dir(0, 16, 24, true);
  dir(24, 1, 48, true);
  dir(48, 0x409, 72, false);
  writeUnsigned(b, 72, 4, BigInt(rva + dataAt));
  writeUnsigned(b, 76, 4, BigInt(data.length));
  b.set(data, dataAt);
  return b;
}

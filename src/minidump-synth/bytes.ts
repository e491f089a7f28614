/**
 * Low-level pieces of the synthetic minidump writer: an append-and-patch byte buffer and the encoders of
 * the format's small shared records (MINIDUMP_STRING, CodeView RSDS, VS_FIXEDFILEINFO). Facts from the
 * minidumpapiset.h / verrsrc.h documentation; nothing here is shared with the reader.
 */

/** A growing little-endian buffer: `alloc` appends zeroed, aligned space; the setters patch anywhere below `length`. */
export class ByteSink {
  private buf = new Uint8Array(4096);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private ensure(size: number): void {
    if (size <= this.buf.length) return;
    let n = this.buf.length;
    while (n < size) n *= 2;
    const next = new Uint8Array(n);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends `size` zero bytes after padding to `align`; returns their offset. */
  alloc(size: number, align = 4): number {
    const start = Math.ceil(this.len / align) * align;
    this.ensure(start + size);
    this.buf.fill(0, this.len, start + size);
    this.len = start + size;
    return start;
  }

  /** Appends a copy of `data` (aligned); returns its offset. */
  put(data: Uint8Array, align = 4): number {
    const at = this.alloc(data.length, align);
    this.buf.set(data, at);
    return at;
  }

  private check(offset: number, width: number): void {
    if (offset < 0 || offset + width > this.len) throw new Error(`minidump-synth: write at ${offset}+${width} outside ${this.len}`);
  }

  u8(offset: number, v: number): void {
    this.check(offset, 1);
    this.buf[offset] = v & 0xff;
  }

  u16(offset: number, v: number): void {
    this.check(offset, 2);
    this.buf[offset] = v & 0xff;
    this.buf[offset + 1] = (v >>> 8) & 0xff;
  }

  u32(offset: number, v: number): void {
    this.check(offset, 4);
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new Error(`minidump-synth: ${v} is not a 32-bit value`);
    const u = v >>> 0;
    for (let i = 0; i < 4; i++) this.buf[offset + i] = (u >>> (8 * i)) & 0xff;
  }

  u64(offset: number, v: bigint | number): void {
    this.check(offset, 8);
    let x = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 8; i++) {
      this.buf[offset + i] = Number(x & 0xffn);
      x >>= 8n;
    }
  }

  bytes(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    this.buf.set(data, offset);
  }

  /** A MINIDUMP_STRING: ULONG32 Length (bytes, without the terminator), UTF-16LE characters, a 2-byte NUL. */
  minidumpString(text: string): number {
    const chars = utf16le(text);
    const at = this.alloc(4 + chars.length + 2, 4);
    this.u32(at, chars.length);
    this.bytes(at + 4, chars);
    return at;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * A GUID from its Breakpad-style print (32 hex digits: Data1, Data2, Data3, then the 8 bytes of Data4;
 * dashes and braces ignored) into its 16 in-file bytes: Data1..Data3 little-endian, Data4 as is.
 */
export function guidBytes(guid: string): Uint8Array {
  const hex = guid.replace(/[-{}]/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`minidump-synth: GUID "${guid}" is not 32 hex digits`);
  const b = new Uint8Array(16);
  const byteAt = (i: number): number => parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  [3, 2, 1, 0].forEach((src, dst) => { b[dst] = byteAt(src); });
  b[4] = byteAt(5); b[5] = byteAt(4);
  b[6] = byteAt(7); b[7] = byteAt(6);
  for (let i = 8; i < 16; i++) b[i] = byteAt(i);
  return b;
}

/** CodeView RSDS record: "RSDS" (0x53445352), GUID (16), Age (u32), PDB path as NUL-terminated UTF-8. */
export function rsdsRecord(pdb: { readonly name: string; readonly guid: string; readonly age: number }): Uint8Array {
  const name = new TextEncoder().encode(pdb.name);
  const out = new Uint8Array(4 + 16 + 4 + name.length + 1);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x53445352, true);
  out.set(guidBytes(pdb.guid), 4);
  dv.setUint32(20, pdb.age >>> 0, true);
  out.set(name, 24);
  return out;
}

export const VS_FIXEDFILEINFO_SIZE = 52;
export const VS_FFI_SIGNATURE = 0xfeef04bd;

/** "1.2.3.4" → [MS, LS] = [1<<16 | 2, 3<<16 | 4]. */
export function versionWords(version: string): [number, number] {
  const parts = version.split(".").map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 0xffff)) {
    throw new Error(`minidump-synth: version "${version}" is not four 16-bit numbers a.b.c.d`);
  }
  const [a, b, c, d] = parts as [number, number, number, number];
  return [((a << 16) | b) >>> 0, ((c << 16) | d) >>> 0];
}

export interface FixedFileInfoSpec {
  readonly fileVersion: string;
  readonly productVersion?: string;
  readonly fileFlags?: number;
  /** VOS_NT_WINDOWS32 0x40004 by default. */
  readonly fileOs?: number;
  /** VFT_APP 1, VFT_DLL 2. */
  readonly fileType: number;
}

/**
 * VS_FIXEDFILEINFO (13 DWORDs): Signature 0xfeef04bd, StrucVersion 0x10000, FileVersionMS/LS,
 * ProductVersionMS/LS, FileFlagsMask 0x3f, FileFlags, FileOS, FileType, FileSubtype, FileDateMS/LS.
 */
export function fixedFileInfo(spec: FixedFileInfoSpec): Uint8Array {
  const out = new Uint8Array(VS_FIXEDFILEINFO_SIZE);
  const dv = new DataView(out.buffer);
  const [fms, fls] = versionWords(spec.fileVersion);
  const [pms, pls] = versionWords(spec.productVersion ?? spec.fileVersion);
  const words = [VS_FFI_SIGNATURE, 0x10000, fms, fls, pms, pls, 0x3f, spec.fileFlags ?? 0, spec.fileOs ?? 0x40004, spec.fileType, 0, 0, 0];
  words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
  return out;
}

/** Pointer-sized little-endian words (4 or 8 bytes each) into `size` bytes. */
export function wordsToBytes(words: readonly bigint[], pointerSize: number, size: number): Uint8Array {
  if (words.length * pointerSize > size) throw new Error(`minidump-synth: ${words.length} words do not fit a ${size}-byte stack`);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => {
    if (pointerSize === 8) dv.setBigUint64(8 * i, BigInt.asUintN(64, w), true);
    else dv.setUint32(4 * i, Number(BigInt.asUintN(32, w)), true);
  });
  return out;
}

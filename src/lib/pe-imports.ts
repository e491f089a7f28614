/**
 * The import tables of an image in memory (Microsoft PE/COFF specification): the optional header's data
 * directories (PE32: magic 0x10b, directories at +96; PE32+: 0x20b, at +112), the import directory's
 * IMAGE_IMPORT_DESCRIPTORs (20 bytes: OriginalFirstThunk, TimeDateStamp, ForwarderChain, Name, FirstThunk;
 * a zeroed one ends the array), the DLL names they point to, and the hint/name entries of the import name
 * table. Reads go through `read(offset, length)` relative to the image base, which returns undefined for bytes
 * that are not in the dump; names are read from one window when they sit together (they usually do).
 */

export interface DataDirectory {
  readonly rva: number;
  readonly size: number;
}

export interface ImportDescriptor {
  /** The DLL name (`KERNEL32.dll`, `api-ms-win-core-synch-l1-2-0.dll`), or undefined when it is not in the dump. */
  readonly dll: string | undefined;
  /** RVA of the import address table (the slots the loader fills). */
  readonly firstThunk: number;
  /** RVA of the import name table (0 when the image has none). */
  readonly originalFirstThunk: number;
}

export type Reader = (offset: number, length: number) => ArrayLike<number> | undefined;

export const IMAGE_DIRECTORY_ENTRY_IMPORT = 1;
export const IMAGE_DIRECTORY_ENTRY_IAT = 12;
const MAX_DESCRIPTORS = 4096;

function u16(b: ArrayLike<number>, o: number): number {
  return (b[o]! | (b[o + 1]! << 8)) >>> 0;
}
function u32(b: ArrayLike<number>, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** The data directories, or undefined when the headers are missing or malformed. */
export function readDataDirectories(read: Reader): { readonly directories: readonly DataDirectory[]; readonly pe32plus: boolean } | undefined {
  const dos = read(0, 0x40);
  if (!dos || dos[0] !== 0x4d || dos[1] !== 0x5a) return undefined;
  const lfanew = u32(dos, 0x3c);
  if (lfanew < 0x40 || lfanew > 0x10000) return undefined;
  const head = read(lfanew, 24 + 0x70 + 16 * 8);
  if (!head || head[0] !== 0x50 || head[1] !== 0x45 || head[2] !== 0 || head[3] !== 0) return undefined;
  const optionalSize = u16(head, 20);
  const magic = u16(head, 24);
  if (magic !== 0x10b && magic !== 0x20b) return undefined;
  const pe32plus = magic === 0x20b;
  const countAt = 24 + (pe32plus ? 108 : 92);
  const dirAt = 24 + (pe32plus ? 112 : 96);
  const count = Math.min(16, u32(head, countAt));
  const directories: DataDirectory[] = [];
  for (let i = 0; i < count && dirAt + i * 8 + 8 <= 24 + optionalSize; i++) directories.push({ rva: u32(head, dirAt + i * 8), size: u32(head, dirAt + i * 8 + 4) });
  return { directories, pe32plus };
}

/** A NUL-terminated ASCII string of at most `max` bytes from a block, or undefined when it does not end there. */
function cString(b: ArrayLike<number>, at: number, max: number): string | undefined {
  let s = "";
  for (let i = 0; i < max && at + i < b.length; i++) {
    const c = b[at + i]!;
    if (c === 0) return s;
    if (c < 0x20 || c > 0x7e) return undefined;
    s += String.fromCharCode(c);
  }
  return undefined;
}

/** The import descriptors, or why they cannot be read. */
export function readImportDescriptors(read: Reader, dir: DataDirectory | undefined): ImportDescriptor[] | string {
  if (!dir || dir.rva === 0) return "the image has no import directory";
  const bytes = Math.min(dir.size > 0 ? dir.size : 20 * 64, 20 * MAX_DESCRIPTORS);
  let table = read(dir.rva, bytes - (bytes % 20));
  if (!table) {
    // The directory's recorded size is sometimes larger than what the image maps; try the descriptors one by one.
    const one = read(dir.rva, 20);
    if (!one) return "the import directory (RVA 0x" + dir.rva.toString(16) + ") is not in the dump";
    table = one;
  }
  const raw: { nameRva: number; firstThunk: number; originalFirstThunk: number }[] = [];
  for (let o = 0; ; o += 20) {
    if (o + 20 > table.length) {
      if (raw.length >= MAX_DESCRIPTORS) break;
      const next = read(dir.rva + o, 20);
      if (!next) break;
      table = concat(table, next);
    }
    const originalFirstThunk = u32(table, o);
    const nameRva = u32(table, o + 12);
    const firstThunk = u32(table, o + 16);
    if (originalFirstThunk === 0 && nameRva === 0 && firstThunk === 0) break;
    raw.push({ nameRva, firstThunk, originalFirstThunk });
  }
  // DLL names: one read over the span that holds them, else one per name.
  let lo = Infinity;
  let hi = 0;
  for (const r of raw) { if (r.nameRva) { lo = Math.min(lo, r.nameRva); hi = Math.max(hi, r.nameRva); } }
  const window = hi >= lo && hi - lo < 0x10000 ? read(lo, hi - lo + 256) || read(lo, hi - lo + 1) : undefined;
  return raw.map((r) => {
    let dll: string | undefined;
    if (r.nameRva) {
      if (window && r.nameRva >= lo) dll = cString(window, r.nameRva - lo, 256);
      if (dll === undefined) { const b = read(r.nameRva, 64); if (b) dll = cString(b, 0, 64); }
    }
    return { dll, firstThunk: r.firstThunk, originalFirstThunk: r.originalFirstThunk };
  });
}

/** The name of import `index` of a descriptor from its name table: `Sleep`, `#12` (by ordinal), or undefined. */
export function importName(read: Reader, d: ImportDescriptor, index: number, pe32plus: boolean): string | undefined {
  if (!d.originalFirstThunk) return undefined;
  const size = pe32plus ? 8 : 4;
  const entry = read(d.originalFirstThunk + index * size, size);
  if (!entry) return undefined;
  const low = u32(entry, 0);
  const high = pe32plus ? u32(entry, 4) : 0;
  const byOrdinal = pe32plus ? (high & 0x80000000) !== 0 : (low & 0x80000000) !== 0;
  if (byOrdinal) return "#" + (low & 0xffff);
  const name = read(low + 2, 128) || read(low + 2, 32);
  return name ? cString(name, 0, name.length) : undefined;
}

function concat(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) out.push(a[i]!);
  for (let i = 0; i < b.length; i++) out.push(b[i]!);
  return out;
}

/**
 * PE section headers read from an image in memory (Microsoft PE/COFF specification: the DOS header's
 * e_lfanew at 0x3C, "PE\0\0", the 20-byte COFF header, then 40-byte section headers after the
 * optional header). Tells code sections from data sections without `Module.Contents`, which exists
 * only when another script is loaded.
 */

export interface Section {
  readonly name: string;
  readonly rva: number;
  readonly size: number;
  readonly executable: boolean;
  /** IMAGE_SCN_MEM_WRITE: a data section the program writes (globals, function-pointer tables it fills). */
  readonly writable: boolean;
}

const IMAGE_SCN_CNT_CODE = 0x20;
const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;
const MAX_SECTIONS = 96; // the loader's limit

/** Little-endian 16/32-bit reads from a byte array (shared with pe-resources.ts). */
export function u16(b: ArrayLike<number>, o: number): number {
  return (b[o]! | (b[o + 1]! << 8)) >>> 0;
}
export function u32(b: ArrayLike<number>, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/**
 * Parses the section table; `read(offset, length)` reads from the image base and returns undefined
 * when the bytes are not in the dump. Returns undefined when the headers are missing or malformed.
 */
export function readSections(read: (offset: number, length: number) => ArrayLike<number> | undefined): Section[] | undefined {
  const dos = read(0, 0x40);
  if (!dos || dos[0] !== 0x4d || dos[1] !== 0x5a) return undefined;
  const lfanew = u32(dos, 0x3c);
  if (lfanew < 0x40 || lfanew > 0x10000) return undefined;
  const nt = read(lfanew, 24);
  if (!nt || nt[0] !== 0x50 || nt[1] !== 0x45 || nt[2] !== 0 || nt[3] !== 0) return undefined;
  const count = u16(nt, 6);
  const optionalSize = u16(nt, 20);
  if (count === 0 || count > MAX_SECTIONS) return undefined;
  const table = read(lfanew + 24 + optionalSize, count * 40);
  if (!table) return undefined;
  const out: Section[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * 40;
    let name = "";
    for (let k = 0; k < 8 && table[o + k] !== 0; k++) name += String.fromCharCode(table[o + k]!);
    const ch = u32(table, o + 36);
    out.push({
      name,
      size: u32(table, o + 8),
      rva: u32(table, o + 12),
      executable: (ch & IMAGE_SCN_MEM_EXECUTE) !== 0 || (ch & IMAGE_SCN_CNT_CODE) !== 0,
      writable: ((ch & IMAGE_SCN_MEM_WRITE) >>> 0) !== 0,
    });
  }
  return out;
}

/** The section holding an RVA, if any. */
export function sectionAt(sections: readonly Section[], rva: number): Section | undefined {
  for (const s of sections) if (rva >= s.rva && rva < s.rva + Math.max(s.size, 1)) return s;
  return undefined;
}

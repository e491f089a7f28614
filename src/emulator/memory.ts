/**
 * The target's virtual address space as the emulator sees it. A target provides an `AddressSpace`;
 * reads of anything not captured fail, as WinDbg's do on a dump.
 */

export interface MemoryRange {
  readonly base: bigint;
  readonly size: bigint;
}

export interface AddressSpace {
  /** `length` bytes at `address`, or undefined when any of them is not in the target. */
  read(address: bigint, length: number): Uint8Array | undefined;
  /** Writes bytes if the whole range is mapped; returns false otherwise. */
  write?(address: bigint, bytes: Uint8Array): boolean;
  /** The readable ranges, in address order (for introspection and commands such as `!address`). */
  ranges?(): Iterable<MemoryRange>;
}

interface Region {
  base: bigint;
  bytes: Uint8Array;
}

/** A sparse, in-memory address space made of byte regions (merged when they touch). */
export class SparseMemory implements AddressSpace {
  private regions: Region[] = [];

  /** Maps `bytes` at `base`, overwriting what was there. */
  map(base: bigint, bytes: Uint8Array): this {
    if (bytes.length === 0) return this;
    const end = base + BigInt(bytes.length);
    // Collect every region that overlaps or touches [base, end) and merge them into one.
    const keep: Region[] = [];
    let lo = base;
    let hi = end;
    const merging: Region[] = [];
    for (const r of this.regions) {
      const rEnd = r.base + BigInt(r.bytes.length);
      if (rEnd < base || r.base > end) keep.push(r);
      else {
        merging.push(r);
        if (r.base < lo) lo = r.base;
        if (rEnd > hi) hi = rEnd;
      }
    }
    const merged = new Uint8Array(Number(hi - lo));
    for (const r of merging) merged.set(r.bytes, Number(r.base - lo));
    merged.set(bytes, Number(base - lo));
    keep.push({ base: lo, bytes: merged });
    keep.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
    this.regions = keep;
    return this;
  }

  /** Removes a range (e.g. to make part of a stack unreadable). */
  unmap(base: bigint, size: bigint): this {
    const end = base + size;
    const out: Region[] = [];
    for (const r of this.regions) {
      const rEnd = r.base + BigInt(r.bytes.length);
      if (rEnd <= base || r.base >= end) { out.push(r); continue; }
      if (r.base < base) out.push({ base: r.base, bytes: r.bytes.slice(0, Number(base - r.base)) });
      if (rEnd > end) out.push({ base: end, bytes: r.bytes.slice(Number(end - r.base)) });
    }
    this.regions = out;
    return this;
  }

  private find(address: bigint): Region | undefined {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid]!;
      if (address < r.base) hi = mid - 1;
      else if (address >= r.base + BigInt(r.bytes.length)) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  read(address: bigint, length: number): Uint8Array | undefined {
    if (length < 0) return undefined;
    const r = this.find(address);
    if (!r) return length === 0 ? new Uint8Array(0) : undefined;
    const offset = Number(address - r.base);
    if (offset + length > r.bytes.length) return undefined; // regions are merged, so a gap follows
    return r.bytes.subarray(offset, offset + length);
  }

  write(address: bigint, bytes: Uint8Array): boolean {
    const r = this.find(address);
    if (!r) return false;
    const offset = Number(address - r.base);
    if (offset + bytes.length > r.bytes.length) return false;
    r.bytes.set(bytes, offset);
    return true;
  }

  *ranges(): Iterable<MemoryRange> {
    for (const r of this.regions) yield { base: r.base, size: BigInt(r.bytes.length) };
  }
}

/** Little-endian helpers over byte arrays, shared by the emulator and the builders. */
export function readUnsigned(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

export function writeUnsigned(bytes: Uint8Array, offset: number, size: number, value: bigint): void {
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

export function hex(v: bigint, width = 0): string {
  return "0x" + v.toString(16).padStart(width, "0");
}

/**
 * Writes structure fields by name into fake target memory, using a LayoutSet (the same tables the
 * emulator reads types from), so builders never compute offsets by hand.
 */
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { writeUnsigned, type SparseMemory } from "../../src/emulator/memory";

const INTRINSIC_SIZES: Record<string, number> = {
  UCHAR: 1, CHAR: 1, BOOLEAN: 1, USHORT: 2, SHORT: 2, WCHAR: 2, ULONG: 4, LONG: 4, ULONG64: 8, LONG64: 8,
  ULONGLONG: 8, LONGLONG: 8,
};

export interface FieldLocation {
  readonly offset: number;
  readonly size: number;
  readonly bits?: { readonly lsb: number; readonly length: number };
}

/** Size of a type string in a layout set. */
export function typeSize(layout: LayoutSet, type: string): number {
  const t = type.trim();
  if (t.endsWith("*")) return layout.pointerSize;
  const arr = /^(.*)\[(\d+)\]$/.exec(t);
  if (arr) return typeSize(layout, arr[1]!) * Number(arr[2]);
  const intrinsic = INTRINSIC_SIZES[t];
  if (intrinsic !== undefined) return intrinsic;
  const udt = layout.types[t];
  if (!udt) throw new Error(`layout ${layout.id}: unknown type ${type}`);
  return udt.size;
}

/** Offset, size and bit position of a dotted field path (`NtTib.StackBase`) in a type. */
export function fieldLocation(layout: LayoutSet, typeName: string, path: string): FieldLocation {
  let type = typeName;
  let offset = 0;
  let last: FieldLocation | undefined;
  for (const part of path.split(".")) {
    const udt = layout.types[type];
    if (!udt) throw new Error(`layout ${layout.id}: ${type} is not a structure (in ${typeName}.${path})`);
    const f = udt.fields[part];
    if (!f) throw new Error(`layout ${layout.id}: ${type} has no field ${part}`);
    offset += f[0];
    type = f[1];
    last = f.length === 4 ? { offset, size: typeSize(layout, f[1]), bits: { lsb: f[2], length: f[3] } } : { offset, size: typeSize(layout, f[1]) };
  }
  if (!last) throw new Error("empty field path");
  return last;
}

export function hasField(layout: LayoutSet, typeName: string, path: string): boolean {
  try { fieldLocation(layout, typeName, path); return true; } catch { return false; }
}

/** A structure instance in a byte buffer that fields are written into by name. */
export class StructWriter {
  readonly bytes: Uint8Array;

  constructor(readonly layout: LayoutSet, readonly typeName: string, size?: number) {
    this.bytes = new Uint8Array(size ?? typeSize(layout, typeName));
  }

  /** Writes an integer (or a bit field) at a dotted field path. */
  set(path: string, value: bigint | number): this {
    const f = fieldLocation(this.layout, this.typeName, path);
    const v = BigInt(value);
    if (f.bits) {
      let current = 0n;
      for (let i = f.size - 1; i >= 0; i--) current = (current << 8n) | BigInt(this.bytes[f.offset + i]!);
      const mask = ((1n << BigInt(f.bits.length)) - 1n) << BigInt(f.bits.lsb);
      current = (current & ~mask) | ((v << BigInt(f.bits.lsb)) & mask);
      writeUnsigned(this.bytes, f.offset, f.size, current);
    } else {
      writeUnsigned(this.bytes, f.offset, Math.min(f.size, 8), v);
    }
    return this;
  }

  /** Writes raw bytes at a field (e.g. ImageFileName). */
  setBytes(path: string, data: Uint8Array): this {
    const f = fieldLocation(this.layout, this.typeName, path);
    this.bytes.set(data.subarray(0, f.size), f.offset);
    return this;
  }

  mapAt(memory: SparseMemory, address: bigint): void {
    memory.map(address, this.bytes);
  }
}

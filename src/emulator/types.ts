/**
 * Native types for the emulated target: built from layout tables (field name, offset, type string),
 * resolved lazily so that self-referencing structures (`_LIST_ENTRY*` inside `_LIST_ENTRY`) work.
 */
import type { LayoutSet } from "./layouts/layout-set";

export type EmuType = IntrinsicType | PointerType | ArrayType | UdtType | VoidType;

export interface IntrinsicType {
  readonly kind: "intrinsic";
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  readonly float?: boolean;
  /** Character types (`CHAR`, `WCHAR`) matter for readString's type check. */
  readonly char?: "narrow" | "wide";
  /** Set for enum types: enumerant name → value (the type object reports typeKind "enum"). */
  readonly enumerants?: { readonly [name: string]: number };
}
export interface VoidType { readonly kind: "void"; readonly name: "void"; readonly size: 0; }
export interface PointerType {
  readonly kind: "pointer";
  readonly name: string;
  readonly size: 4 | 8;
  readonly target: EmuType;
}
export interface ArrayType {
  readonly kind: "array";
  readonly name: string;
  readonly size: number;
  readonly element: EmuType;
  readonly count: number;
}
export interface EmuField {
  readonly name: string;
  readonly offset: number;
  readonly type: EmuType;
  readonly bits?: { readonly lsb: number; readonly length: number };
}
export interface UdtType {
  readonly kind: "udt";
  readonly name: string;
  readonly size: number;
  readonly fields: readonly EmuField[];
  readonly field: (name: string) => EmuField | undefined;
}

const INTRINSICS: Record<string, Omit<IntrinsicType, "kind" | "name">> = {
  UCHAR: { size: 1, signed: false, char: "narrow" },
  CHAR: { size: 1, signed: true, char: "narrow" },
  char: { size: 1, signed: true, char: "narrow" },
  "unsigned char": { size: 1, signed: false },
  BOOLEAN: { size: 1, signed: false },
  bool: { size: 1, signed: false },
  USHORT: { size: 2, signed: false },
  SHORT: { size: 2, signed: true },
  short: { size: 2, signed: true },
  "unsigned short": { size: 2, signed: false },
  WCHAR: { size: 2, signed: false, char: "wide" },
  wchar_t: { size: 2, signed: false, char: "wide" },
  ULONG: { size: 4, signed: false },
  LONG: { size: 4, signed: true },
  UINT4B: { size: 4, signed: false },
  INT4B: { size: 4, signed: true },
  int: { size: 4, signed: true },
  "unsigned int": { size: 4, signed: false },
  long: { size: 4, signed: true },
  "unsigned long": { size: 4, signed: false },
  ULONG64: { size: 8, signed: false },
  LONG64: { size: 8, signed: true },
  ULONGLONG: { size: 8, signed: false },
  LONGLONG: { size: 8, signed: true },
  UINT8B: { size: 8, signed: false },
  INT8B: { size: 8, signed: true },
  __int64: { size: 8, signed: true },
  "unsigned __int64": { size: 8, signed: false },
  float: { size: 4, signed: true, float: true },
  double: { size: 8, signed: true, float: true },
};

const VOID: VoidType = { kind: "void", name: "void", size: 0 };

/** The types of one module (e.g. `ntdll` or `nt`) built from a layout set. */
export class TypeTable {
  private readonly cache = new Map<string, EmuType>();

  constructor(readonly layout: LayoutSet) {}

  get pointerSize(): 4 | 8 {
    return this.layout.pointerSize;
  }

  /** Resolves a type string (`_TEB`, `_PEB*`, `UCHAR[15]`, `nt!_EPROCESS`); undefined when unknown. */
  resolve(typeName: string): EmuType | undefined {
    const name = normalize(typeName);
    const hit = this.cache.get(name);
    if (hit) return hit;
    const t = this.build(name);
    if (t) this.cache.set(name, t);
    return t;
  }

  private build(name: string): EmuType | undefined {
    if (name === "void") return VOID;
    if (name.endsWith("*")) {
      const inner = name.slice(0, -1).trim();
      const target = this.resolve(inner);
      if (!target) return undefined;
      return { kind: "pointer", name: `${target.name} *`, size: this.pointerSize, target };
    }
    const arr = /^(.*)\[(\d+)\]$/.exec(name);
    if (arr) {
      const element = this.resolve(arr[1]!);
      if (!element) return undefined;
      const count = Number(arr[2]);
      return { kind: "array", name: `${element.name}[${count}]`, size: element.size * count, element, count };
    }
    const intrinsic = INTRINSICS[name];
    if (intrinsic) return { kind: "intrinsic", name, ...intrinsic };
    const enumerants = this.layout.enums?.[name];
    if (enumerants) return { kind: "intrinsic", name, size: 4, signed: true, enumerants };
    const layout = this.layout.types[name];
    if (!layout) return undefined;
    // Placeholder first so recursive references resolve to the same object.
    const fields: EmuField[] = [];
    const byName = new Map<string, EmuField>();
    const udt: UdtType = { kind: "udt", name, size: layout.size, fields, field: (n) => byName.get(n) };
    this.cache.set(name, udt);
    for (const [fieldName, spec] of Object.entries(layout.fields)) {
      const type = this.resolve(spec[1]);
      if (!type) throw new Error(`layout ${this.layout.id}: ${name}.${fieldName} has unknown type ${spec[1]}`);
      const field: EmuField = spec.length === 4
        ? { name: fieldName, offset: spec[0], type, bits: { lsb: spec[2], length: spec[3] } }
        : { name: fieldName, offset: spec[0], type };
      fields.push(field);
      byName.set(fieldName, field);
    }
    return udt;
  }
}

function normalize(typeName: string): string {
  let s = typeName.trim();
  const bang = s.indexOf("!");
  if (bang >= 0) s = s.slice(bang + 1);
  s = s.replace(/\s+\*/g, "*").replace(/\s+/g, " ");
  if (s.startsWith("struct ")) s = s.slice(7);
  if (s === "PVOID" || s === "HANDLE") s = "void*";
  return s;
}

/** A throwaway table with only intrinsics and pointers, for `createPointerObject(addr, "ntdll", "void*")` without layouts. */
export function intrinsicTable(pointerSize: 4 | 8): TypeTable {
  return new TypeTable({ id: `intrinsics-${pointerSize * 8}`, pointerSize, source: "built in", types: {} });
}

/** One field: [offset, type] or [offset, type, bitLsb, bitLength] for bit fields. */
export type FieldLayout = readonly [offset: number, type: string] | readonly [offset: number, type: string, lsb: number, length: number];
export interface TypeLayout { readonly size: number; readonly fields: { readonly [name: string]: FieldLayout }; }
export interface LayoutSet {
  readonly id: string;            // e.g. "win10-1607-x64"
  readonly pointerSize: 4 | 8;
  readonly source: string;        // where the offsets come from (URL or repo path + build number)
  readonly types: { readonly [typeName: string]: TypeLayout };
  /** Enumerations by name (`_KWAIT_REASON`): enumerant → value; served as 4-byte enum types. */
  readonly enums?: { readonly [enumName: string]: { readonly [enumerant: string]: number } };
}

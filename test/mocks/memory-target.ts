/**
 * What the memory analyses' tests add to a fake user target, without touching the shared builder: command
 * output in WinDbg's formats (`lm` with an "Unloaded modules:" section, `!address`) generated from the built
 * target, PE images with import tables, CONTEXT / EXCEPTION_RECORD bytes and raw pointer arrays. Everything is
 * written from the formats' specifications (PE/COFF, winnt.h, WinDbg's output), never from the bundle's code.
 */
import { WINDOWS_USER_X64, WINDOWS_USER_X86 } from "../../src/emulator/layouts/windows-user";
import { writeUnsigned } from "../../src/emulator/memory";
import type { TargetSpec } from "../../src/emulator/target-spec";
import { fieldLocation, StructWriter } from "./layout-writer";

export type Arch = "x64" | "x86" | "arm64";
const LAYOUT = { x64: WINDOWS_USER_X64, x86: WINDOWS_USER_X86, arm64: WINDOWS_USER_X64 } as const;

/** `00007ff8`12340000` (64-bit) or `77000000` (32-bit), as WinDbg prints addresses. */
export function windbgAddress(v: bigint, ps: number): string {
  const h = v.toString(16).padStart(ps * 2, "0");
  return ps === 8 ? `${h.slice(0, 8)}\`${h.slice(8)}` : h;
}

/** The built spec with canned command output added (the builder's own commands kept). */
export function withCommands(spec: TargetSpec, commands: Readonly<Record<string, readonly string[]>>): TargetSpec {
  const old = spec.commands && typeof spec.commands !== "function" ? spec.commands : {};
  return { ...spec, commands: { ...old, ...commands } };
}

export interface Unloaded {
  readonly name: string;
  readonly base: bigint;
  readonly size: number;
}

/** `lm` as WinDbg prints it for the spec's modules, with an "Unloaded modules:" section when `unloaded` is given. */
export function lmLines(spec: TargetSpec, unloaded: readonly Unloaded[] | undefined): string[] {
  const ps = spec.pointerSize;
  const w = ps === 8 ? 17 : 8;
  const out = [`start${" ".repeat(w - 4)}end${" ".repeat(w)}module name`];
  const mods = [...spec.processes[0]!.modules].sort((a, b) => (a.base < b.base ? -1 : 1));
  for (const m of mods) {
    const file = m.name.slice(m.name.lastIndexOf("\\") + 1);
    const stem = file.replace(/\.[^.]*$/, "");
    out.push(`${windbgAddress(m.base, ps)} ${windbgAddress(m.base + BigInt(m.size), ps)}   ${stem.padEnd(10)} (deferred)             `);
  }
  if (unloaded) {
    out.push("", "Unloaded modules:");
    for (const u of unloaded) out.push(`${windbgAddress(u.base, ps)} ${windbgAddress(u.base + BigInt(u.size), ps)}   ${u.name}`);
  }
  return out;
}

export interface RegionLine {
  readonly base: bigint;
  readonly size: number;
  /** MEM_PRIVATE / MEM_MAPPED / MEM_IMAGE, or "" for free memory. */
  readonly type: string;
  readonly state: string;
  readonly protect: string;
  readonly usage: string;
  readonly details?: string;
  /** Print `+` (first region of an allocation); default true. */
  readonly allocationStart?: boolean;
}

/** `!address` as WinDbg prints it (progress lines, header, region lines, a summary). */
export function addressLines(ps: number, regions: readonly RegionLine[]): string[] {
  const a = (v: bigint) => {
    if (ps === 4) return v.toString(16).padStart(8);
    const h = v.toString(16).padStart(9, "0");
    return (h.slice(0, -8).replace(/^0+(?=.)/, "") + "`" + h.slice(-8)).padStart(17);
  };
  const out = ["", "Mapping file section regions...", "Mapping module regions...", "Mapping PEB regions...", "Mapping TEB and stack regions...",
    "Mapping heap regions...", "Mapping other regions...", "",
    ps === 8 ? "        BaseAddress      EndAddress+1        RegionSize     Type       State                 Protect             Usage"
      : "  BaseAddr EndAddr+1 RgnSize     Type       State                 Protect             Usage",
    "-".repeat(ps === 8 ? 122 : 95)];
  for (const r of regions) {
    out.push(`${r.allocationStart === false ? " " : "+"}${a(r.base)} ${a(r.base + BigInt(r.size))} ${a(BigInt(r.size))} ${r.type.padEnd(11)} ${r.state.padEnd(11)} ${r.protect.padEnd(34)} ${r.usage.padEnd(10)} ${r.details ? `[${r.details}]` : ""}`);
  }
  out.push("", "--- Usage Summary ---------------- RgnCount ----------- Total Size -------- %ofBusy %ofTotal", `Free                                      1        0\`7ffe0000 (   2.000 GB)          100.00%`);
  return out;
}

/** Pointer-sized values as little-endian bytes. */
export function pointers(ps: number, values: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * ps);
  values.forEach((v, i) => writeUnsigned(b, i * ps, ps, v));
  return b;
}

/** A CONTEXT as the kernel writes it for user mode: flags, instruction and stack pointer, user selectors. */
export function contextBytes(arch: Arch, c: { ip: bigint; sp: bigint; flags?: number; cs?: number }): Uint8Array {
  const w = new StructWriter(LAYOUT[arch], "_CONTEXT");
  if (arch === "x64") w.set("ContextFlags", c.flags ?? 0x10001f).set("Rip", c.ip).set("Rsp", c.sp).set("SegCs", c.cs ?? 0x33).set("SegSs", 0x2b);
  else if (arch === "x86") w.set("ContextFlags", c.flags ?? 0x1003f).set("Eip", c.ip).set("Esp", c.sp).set("SegCs", c.cs ?? 0x1b).set("SegSs", 0x23);
  else throw new Error("contextBytes: x64 and x86 only");
  return w.bytes;
}

export function contextSize(arch: Arch): number {
  return new StructWriter(LAYOUT[arch], "_CONTEXT").bytes.length;
}

export function recordBytes(arch: Arch, r: { code: number; address: bigint; params?: readonly bigint[]; flags?: number }): Uint8Array {
  const layout = LAYOUT[arch];
  const w = new StructWriter(layout, "_EXCEPTION_RECORD");
  w.set("ExceptionCode", r.code).set("ExceptionFlags", r.flags ?? 0).set("ExceptionAddress", r.address).set("NumberParameters", r.params?.length ?? 0);
  const at = fieldLocation(layout, "_EXCEPTION_RECORD", "ExceptionInformation").offset;
  (r.params ?? []).forEach((p, i) => writeUnsigned(w.bytes, at + i * layout.pointerSize, layout.pointerSize, p));
  return w.bytes;
}

/** Offset of a field in a layout's type (for patching one field of a built structure). */
export function fieldOffset(arch: Arch, type: string, path: string): number {
  return fieldLocation(LAYOUT[arch], type, path).offset;
}

export interface ImportSpec {
  /** The DLL name as the descriptor names it (`KERNEL32.dll`). */
  readonly dll: string;
  /** Function names, in IAT order (`#12` for an ordinal import). */
  readonly names: readonly string[];
  /** What the loader wrote into each IAT slot. */
  readonly values: readonly bigint[];
}

export interface PeImage {
  readonly bytes: Uint8Array;
  /** RVA of slot `index` of import `descriptor`. */
  slotRva(descriptor: number, index: number): number;
}

/**
 * A PE image's first 0x8000 bytes: headers (with the import and IAT data directories), a .text section at
 * 0x1000, .rdata at 0x2000 (import descriptors, DLL names, hint/name entries, name tables, the IAT) and a
 * writable .data at 0x6000 (its first bytes from `data`). Map it at the module's base (module size >= 0x8000).
 */
export function peImage(ps: 4 | 8, imports: readonly ImportSpec[], data: Uint8Array = new Uint8Array(0)): PeImage {
  const b = new Uint8Array(0x8000);
  const u16 = (o: number, v: number) => writeUnsigned(b, o, 2, BigInt(v));
  const u32 = (o: number, v: number) => writeUnsigned(b, o, 4, BigInt(v));
  b[0] = 0x4d; b[1] = 0x5a;
  const lfanew = 0x80;
  u32(0x3c, lfanew);
  b.set([0x50, 0x45, 0, 0], lfanew);
  const optionalSize = ps === 8 ? 0xf0 : 0xe0;
  u16(lfanew + 4, ps === 8 ? 0x8664 : 0x14c);
  u16(lfanew + 6, 3);
  u16(lfanew + 20, optionalSize);
  const opt = lfanew + 24;
  u16(opt, ps === 8 ? 0x20b : 0x10b);
  u32(opt + (ps === 8 ? 108 : 92), 16);
  const dirs = opt + (ps === 8 ? 112 : 96);

  // .rdata layout: descriptors at 0x2000, then names, hint/name entries, INTs; IAT at 0x4000.
  const descAt = 0x2000;
  let cursor = descAt + (imports.length + 1) * 20;
  const iatAt = 0x4000;
  let iatCursor = iatAt;
  const firstThunks: number[] = [];
  imports.forEach((imp, d) => {
    const nameRva = cursor;
    for (let k = 0; k < imp.dll.length; k++) b[cursor + k] = imp.dll.charCodeAt(k);
    cursor += imp.dll.length + 1;
    cursor = (cursor + 1) & ~1;
    const entries: bigint[] = [];
    for (const n of imp.names) {
      if (n.startsWith("#")) { entries.push((ps === 8 ? 1n << 63n : 1n << 31n) | BigInt(Number(n.slice(1)))); continue; }
      const at = cursor;
      u16(at, 0);
      for (let k = 0; k < n.length; k++) b[at + 2 + k] = n.charCodeAt(k);
      cursor += 2 + n.length + 1;
      cursor = (cursor + 1) & ~1;
      entries.push(BigInt(at));
    }
    cursor = (cursor + 7) & ~7;
    const intAt = cursor;
    entries.forEach((e, k) => writeUnsigned(b, intAt + k * ps, ps, e));
    cursor += (entries.length + 1) * ps;
    const firstThunk = iatCursor;
    imp.values.forEach((v, k) => writeUnsigned(b, firstThunk + k * ps, ps, v));
    iatCursor += (imp.values.length + 1) * ps;
    firstThunks.push(firstThunk);
    const o = descAt + d * 20;
    u32(o, intAt);
    u32(o + 12, nameRva);
    u32(o + 16, firstThunk);
  });
  if (cursor > iatAt || iatCursor > 0x6000) throw new Error("peImage: too many imports for the fixed layout");
  u32(dirs + 8, descAt);
  u32(dirs + 12, (imports.length + 1) * 20);
  u32(dirs + 12 * 8, iatAt);
  u32(dirs + 12 * 8 + 4, iatCursor - iatAt);

  const sections: [string, number, number, number][] = [
    [".text", 0x1000, 0x1000, 0x60000020],
    [".rdata", 0x2000, 0x4000, 0x40000040],
    [".data", 0x6000, 0x2000, 0xc0000040],
  ];
  let s = opt + optionalSize;
  for (const [name, rva, size, ch] of sections) {
    for (let k = 0; k < name.length; k++) b[s + k] = name.charCodeAt(k);
    u32(s + 8, size);
    u32(s + 12, rva);
    u32(s + 36, ch);
    s += 40;
  }
  b.set(data.subarray(0, 0x2000), 0x6000);
  return { bytes: b, slotRva: (d, k) => firstThunks[d]! + k * ps };
}

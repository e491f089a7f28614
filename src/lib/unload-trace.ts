/**
 * ntdll's unload event trace: a ring of RTL_UNLOAD_EVENT_TRACE records { BaseAddress, SizeOfImage, Sequence,
 * TimeDateStamp, CheckSum, ImageName[32], Version[2] } that the loader fills as DLLs unload (Microsoft Learn
 * "RtlGetUnloadEventTrace"; RtlGetUnloadEventTraceEx returns pointers to the element size, the element count
 * and the array, which are the ntdll globals RtlpUnloadEventTraceExSize / ...ExNumber / ...Ex). Read in one
 * request; offsets from the `_RTL_UNLOAD_EVENT_TRACE` type when ntdll's symbols have it, else the documented
 * layout. Needs ntdll's symbols to find the ring (its address is not exported).
 */
import { fromHalves, type Int64 } from "./int64";
import { decodeUtf16, readPointer, readU32 } from "./peb";
import type { Target } from "./target";
import { errorMessage } from "./values";

export interface UnloadEntry {
  readonly name: string;
  readonly base: Int64;
  readonly size: number;
  readonly sequence: number;
  readonly timeDateStamp: number;
  readonly checkSum: number;
}

export interface UnloadRing {
  readonly address: Int64;
  readonly entries: readonly UnloadEntry[];
  readonly capacity: number;
  /** typed: offsets from ntdll's type; heuristic: documented layout. */
  readonly source: "typed" | "heuristic";
}

function symbolAddress(name: string): Int64 | undefined {
  try {
    const a = host.getModuleSymbolAddress("ntdll", name);
    return a === undefined || a === null ? undefined : (a as unknown as Int64);
  } catch (e) {
    return undefined;
  }
}

/** The ring's entries in unload order (by Sequence), or why it cannot be read. */
export function readUnloadRing(t: Target): UnloadRing | string {
  const bits = t.pointerSize() === 8 ? 64 : 32;
  let array = symbolAddress("RtlpUnloadEventTrace");
  if (!array) {
    const ptr = symbolAddress("RtlpUnloadEventTraceEx");
    if (ptr) array = readPointer(t, ptr, bits);
  }
  if (!array) return "ntdll!RtlpUnloadEventTrace is not known (it needs ntdll's symbols: .reload /f ntdll.dll)";
  const typeName = "_RTL_UNLOAD_EVENT_TRACE";
  const typed = t.typeSize("ntdll", typeName) !== undefined;
  const off = (field: string, fallback64: number, fallback32: number) => {
    const f = t.fieldOffset("ntdll", typeName, field);
    return f !== undefined ? f : bits === 64 ? fallback64 : fallback32;
  };
  const sizeSym = symbolAddress("RtlpUnloadEventTraceExSize");
  const countSym = symbolAddress("RtlpUnloadEventTraceExNumber");
  let size = (sizeSym ? readU32(t, sizeSym) : undefined) ?? t.typeSize("ntdll", typeName) ?? (bits === 64 ? 0x68 : 0x5c);
  let count = (countSym ? readU32(t, countSym) : undefined) ?? 64;
  if (!(size >= 0x50 && size <= 0x200)) size = bits === 64 ? 0x68 : 0x5c;
  if (!(count > 0 && count <= 1024)) count = 64;
  const o = {
    base: off("BaseAddress", 0, 0), size: off("SizeOfImage", 8, 4), sequence: off("Sequence", 0x10, 8), stamp: off("TimeDateStamp", 0x14, 0xc),
    sum: off("CheckSum", 0x18, 0x10), name: off("ImageName", 0x1c, 0x14),
  };
  let bytes: ArrayLike<number> | undefined;
  try { bytes = t.readBytes(array, size * count); } catch (e) { return "reading the ring failed: " + errorMessage(e); }
  if (!bytes) return "the unload event trace at " + t.formatAddress(array) + " (0x" + (size * count).toString(16) + " bytes) is not in the dump";
  const u32 = (i: number) => (bytes![i]! | (bytes![i + 1]! << 8) | (bytes![i + 2]! << 16) | (bytes![i + 3]! << 24)) >>> 0;
  const entries: UnloadEntry[] = [];
  for (let k = 0; k < count; k++) {
    const e = k * size;
    const lo = u32(e + o.base);
    const hi = bits === 64 ? u32(e + o.base + 4) : 0;
    if (lo === 0 && hi === 0) continue;
    const nameBytes: number[] = [];
    for (let i = 0; i < 64; i++) nameBytes.push(bytes[e + o.name + i]!);
    let name = decodeUtf16(nameBytes, 32);
    const nul = name.indexOf("\u0000");
    if (nul >= 0) name = name.slice(0, nul);
    entries.push({ name, base: fromHalves(hi, lo), size: u32(e + o.size), sequence: u32(e + o.sequence), timeDateStamp: u32(e + o.stamp), checkSum: u32(e + o.sum) });
  }
  entries.sort((a, b) => a.sequence - b.sequence);
  return { address: array, entries, capacity: count, source: typed ? "typed" : "heuristic" };
}

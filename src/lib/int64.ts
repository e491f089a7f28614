/**
 * 64-bit values inside the script. The provider hands out `host.Int64` for 64-bit ordinals and
 * numbers for smaller ones, and which model properties are which is undocumented (reference §5.1),
 * so every value from the target goes through `toInt64` before arithmetic. Formatting uses the 32-bit
 * halves, never `Int64.toString(16)`, whose `0x` prefix is unconfirmed (§4.6).
 *
 * Hot loops work on `(hi, lo)` pairs of plain numbers instead of Int64 objects.
 */

export type Int64 = DbgModel.Int64;
export type Numeric = DbgModel.Numeric;

/** True for a `host.Int64` (reference §4.6: detect by the presence of `asNumber`). */
export function isInt64(v: unknown): v is Int64 {
  return typeof v === "object" && v !== null && typeof (v as Int64).asNumber === "function" &&
    typeof (v as Int64).getLowPart === "function";
}

/** Any ordinal from the target (number or Int64) as an Int64. Throws TypeError for anything else. */
export function toInt64(v: unknown): Int64 {
  if (isInt64(v)) return v;
  if (typeof v === "number" && v === Math.floor(v)) {
    if (v >= 0 && v <= 0xffffffff) return host.Int64(v, 0);
    return host.Int64(v);
  }
  throw new TypeError("expected a number or a 64-bit value, got " + describe(v));
}

/** An ordinal as a JS number; throws when it does not fit exactly (use for counts, ids, sizes). */
export function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (isInt64(v)) return v.asNumber();
  throw new TypeError("expected a number, got " + describe(v));
}

/** High and low 32-bit halves as unsigned numbers. */
export function halvesOf(v: Numeric): [number, number] {
  const x = toInt64(v);
  return [x.getHighPart() >>> 0, x.getLowPart() >>> 0];
}

export function fromHalves(hi: number, lo: number): Int64 {
  return host.Int64(lo >>> 0, hi >>> 0);
}

/** Unsigned comparison of two (hi, lo) pairs. */
export function comparePair(ahi: number, alo: number, bhi: number, blo: number): number {
  if (ahi !== bhi) return ahi < bhi ? -1 : 1;
  if (alo !== blo) return alo < blo ? -1 : 1;
  return 0;
}

/** Unsigned comparison of two 64-bit values given as numbers or Int64. */
export function compareU64(a: Numeric, b: Numeric): number {
  const [ahi, alo] = halvesOf(a);
  const [bhi, blo] = halvesOf(b);
  return comparePair(ahi, alo, bhi, blo);
}

/** a - b as a JS number (for distances known to be small); undefined when it does not fit 2^53. */
export function differenceOf(a: Numeric, b: Numeric): number | undefined {
  const [ahi, alo] = halvesOf(a);
  const [bhi, blo] = halvesOf(b);
  const d = (ahi - bhi) * 4294967296 + (alo - blo);
  return Math.abs(d) <= 9007199254740990 ? d : undefined;
}

/** a + n for a small non-negative or negative integer n. */
export function addTo(a: Numeric, n: number): Int64 {
  const [hi, lo] = halvesOf(a);
  let l = lo + n;
  let h = hi;
  while (l >= 4294967296) { l -= 4294967296; h++; }
  while (l < 0) { l += 4294967296; h--; }
  return fromHalves(h >>> 0, l >>> 0);
}

function hexDigits(hi: number, lo: number, width: number): string {
  const digits = hi ? hi.toString(16) + padHex(lo, 8) : lo.toString(16);
  return digits.length < width ? padHex(0, width - digits.length) + digits : digits;
}

function padHex(n: number, width: number): string {
  const s = (n >>> 0).toString(16);
  return s.length >= width ? s : "00000000".slice(0, width - s.length) + s;
}

/** `0x1a4`, or zero-padded to `width` digits. */
export function hex(v: Numeric, width = 0): string {
  const [hi, lo] = halvesOf(v);
  return "0x" + hexDigits(hi, lo, width);
}

/** An address as WinDbg prints it: `00007ffa`12345678` (64-bit) or `7ffe0000` (32-bit). */
export function formatAddress(v: Numeric, pointerSize: number): string {
  const [hi, lo] = halvesOf(v);
  if (pointerSize === 4 && hi === 0) return padHex(lo, 8);
  return padHex(hi, 8) + "`" + padHex(lo, 8);
}

/** `0x1a4` from 32-bit halves, without making an Int64 (for rows written by the million). */
export function hexOfHalves(hi: number, lo: number): string {
  return "0x" + hexDigits(hi >>> 0, lo >>> 0, 0);
}

/** An address as WinDbg prints it, from 32-bit halves, without making an Int64. */
export function formatHalves(hi: number, lo: number, pointerSize: number): string {
  if (pointerSize === 4 && hi === 0) return padHex(lo, 8);
  return padHex(hi, 8) + "`" + padHex(lo, 8);
}

/** Parses `0x1a4`, `1a4`, `00000000`00001a4`, or decimal with `0n`. */
export function parseAddress(text: string): Int64 | undefined {
  const t = text.trim().replace(/`/g, "");
  if (/^0x[0-9a-f]+$/i.test(t)) return host.parseInt64(t.slice(2), 16);
  if (/^0n[0-9]+$/i.test(t)) return host.parseInt64(t.slice(2), 10);
  if (/^[0-9a-f]+$/i.test(t)) return host.parseInt64(t, 16);
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  return typeof v;
}

/**
 * Stable document ids (docs/schema.md, "Document ids"): the FNV-1a 64-bit hash of the UTF-8 bytes of the
 * canonical JSON of what identifies a document (its kind, the target, the analysis or command, and the
 * content; never the time, the duration or the tool version), as 16 lowercase hex digits. The same content
 * gives the same id on every run and in every writer, so a consumer can drop duplicates.
 *
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no whitespace, members whose value is
 * undefined left out (as JSON.stringify does), strings and numbers as JSON.stringify writes them.
 *
 * The bundle has no BigInt (ES2017): the 64-bit state is two 32-bit halves in plain numbers (Fnv64).
 */

/** Canonical JSON text of a JSON-able value (objects with sorted keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") return isFinite(value) ? JSON.stringify(value) : "null";
  if (Array.isArray(value)) return "[" + value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",") + "]";
  if (typeof value === "object") {
    const o = value as { [key: string]: unknown };
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(o[k])).join(",") + "}";
  }
  return JSON.stringify(String(value));
}

/** UTF-8 bytes of a string; an unpaired surrogate becomes U+FFFD (as TextEncoder does). */
export function utf8Bytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

function hex8(n: number): string {
  const s = n.toString(16);
  return "00000000".slice(s.length) + s;
}

/**
 * FNV-1a 64 state fed with the UTF-8 bytes of strings, without building a byte array. The 64-bit state is
 * two 32-bit halves in plain numbers (the bundle has no BigInt); the multiplication by the FNV prime
 * 2^40 + 0x1b3 is lo * 0x1b3 (exact: below 2^41) with its carry, plus hi * 0x1b3 and lo shifted into hi
 * by 8 bits, all modulo 2^32 (`>>> 0`, exact on integers below 2^53).
 */
class Fnv64 {
  lo = 0x84222325;
  hi = 0xcbf29ce4;

  /** Feeds one byte. */
  byte(b: number): void {
    const x = (this.lo ^ b) >>> 0;
    const p = x * 0x1b3;
    const low = p >>> 0;
    this.hi = (this.hi * 0x1b3 + (p - low) / 4294967296 + ((x << 8) >>> 0)) >>> 0;
    this.lo = low;
  }

  /** Feeds the UTF-8 bytes of `text`; an unpaired surrogate is U+FFFD (as TextEncoder encodes it). */
  text(text: string): void {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        // Inlined for ASCII, which is nearly all of a document.
        lo = (lo ^ c) >>> 0;
        const p = lo * 0x1b3;
        const low = p >>> 0;
        hi = (hi * 0x1b3 + (p - low) / 4294967296 + ((lo << 8) >>> 0)) >>> 0;
        lo = low;
        continue;
      }
      this.lo = lo;
      this.hi = hi;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      } else if (c >= 0xd800 && c <= 0xdfff) {
        c = 0xfffd;
      }
      if (c < 0x800) { this.byte(0xc0 | (c >> 6)); this.byte(0x80 | (c & 0x3f)); }
      else if (c < 0x10000) { this.byte(0xe0 | (c >> 12)); this.byte(0x80 | ((c >> 6) & 0x3f)); this.byte(0x80 | (c & 0x3f)); }
      else { this.byte(0xf0 | (c >> 18)); this.byte(0x80 | ((c >> 12) & 0x3f)); this.byte(0x80 | ((c >> 6) & 0x3f)); this.byte(0x80 | (c & 0x3f)); }
      lo = this.lo;
      hi = this.hi;
    }
    this.lo = lo;
    this.hi = hi;
  }

  digest(): string {
    return hex8(this.hi) + hex8(this.lo);
  }
}

/** FNV-1a 64 of the UTF-8 bytes of `text`, as 16 lowercase hex digits. */
export function fnv1a64(text: string): string {
  const h = new Fnv64();
  h.text(text);
  return h.digest();
}

/** Characters JSON.stringify escapes (controls, quote, backslash) and surrogates (escaped when unpaired). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Feeds a JSON string literal: the common string without escapes directly, the others as JSON.stringify writes them. */
function feedString(h: Fnv64, s: string): void {
  if (NEEDS_ESCAPE.test(s)) {
    h.text(JSON.stringify(s));
  } else {
    h.byte(0x22);
    h.text(s);
    h.byte(0x22);
  }
}

/** Feeds the canonical JSON of `value` (exactly canonicalJson's text) without building it. */
function feedCanonical(h: Fnv64, value: unknown): void {
  if (value === null || value === undefined) { h.text("null"); return; }
  const type = typeof value;
  if (type === "string") { feedString(h, value as string); return; }
  if (type === "boolean") { h.text(value ? "true" : "false"); return; }
  if (type === "number") { h.text(isFinite(value as number) ? JSON.stringify(value) : "null"); return; }
  if (Array.isArray(value)) {
    h.byte(0x5b);
    for (let i = 0; i < value.length; i++) {
      if (i > 0) h.byte(0x2c);
      feedCanonical(h, value[i]);
    }
    h.byte(0x5d);
    return;
  }
  if (type === "object") {
    const o = value as { [key: string]: unknown };
    const keys = Object.keys(o).sort();
    let first = true;
    h.byte(0x7b);
    for (let i = 0; i < keys.length; i++) {
      const v = o[keys[i]!];
      if (v === undefined) continue;
      if (!first) h.byte(0x2c);
      first = false;
      feedString(h, keys[i]!);
      h.byte(0x3a);
      feedCanonical(h, v);
    }
    h.byte(0x7d);
    return;
  }
  h.text(JSON.stringify(String(value)));
}

/**
 * The id of a document: FNV-1a 64 of the canonical JSON of its identifying parts. The canonical text is
 * hashed as it is walked, never built (the same bytes as fnv1a64(canonicalJson(parts))).
 */
export function documentId(parts: { readonly [key: string]: unknown }): string {
  const h = new Fnv64();
  feedCanonical(h, parts);
  return h.digest();
}

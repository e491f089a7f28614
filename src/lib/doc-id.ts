/**
 * Stable document ids (docs/schema.md, "Document ids"): the FNV-1a 64-bit hash of the UTF-8 bytes of the
 * canonical JSON of what identifies a document (its kind, the target, the analysis or command, and the
 * content; never the time, the duration or the tool version), as 16 lowercase hex digits. The same content
 * gives the same id on every run and in every writer, so a consumer can drop duplicates.
 *
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no whitespace, members whose value is
 * undefined left out (as JSON.stringify does), strings and numbers as JSON.stringify writes them.
 *
 * The bundle has no BigInt (ES2017): the 64-bit state is four 16-bit limbs in plain numbers, and the
 * multiplication by the FNV prime 2^40 + 0x1b3 is a shift plus a small product, with carries.
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

function hex4(n: number): string {
  const s = n.toString(16);
  return "0000".slice(s.length) + s;
}

/** FNV-1a 64 of the UTF-8 bytes of `text`, as 16 lowercase hex digits. */
export function fnv1a64(text: string): string {
  // Offset basis 0xcbf29ce484222325, lowest limb first.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const bytes = utf8Bytes(text);
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i]!;
    // h * (2^40 + 0x1b3) mod 2^64: h * 0x1b3, plus h shifted left by 40 bits (two limbs and 8 bits).
    let t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    let t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    t3 += t2 >>> 16;
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0);
}

/** The id of a document: FNV-1a 64 of the canonical JSON of its identifying parts. */
export function documentId(parts: { readonly [key: string]: unknown }): string {
  return fnv1a64(canonicalJson(parts));
}

/**
 * Ids the event stream keys documents by.
 *
 * - Document id: the document's own `id` when it has one (the export face is adding stable ids, see
 *   src/lib/doc-id.ts); otherwise `contentDocumentId`, a hash of its canonical JSON. Stores upsert by it,
 *   so a document delivered twice is stored once.
 * - Target id: what a document was made from (dump path and process id). Kafka keys messages by it, so
 *   every document of one target lands in one partition, in order.
 */
import { createHash } from "node:crypto";

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, members whose value is
 * undefined left out, strings and numbers as JSON.stringify writes them. The same rules as the export
 * face's canonicalJson (src/lib/doc-id.ts), so both sides agree on what "the same document" is.
 */
export function canonicalJson(value: unknown): string {
  // Plain loops and string appends: this runs for every document that has no id of its own.
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "object": {
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          const v: unknown = value[i];
          out += v === undefined ? "null" : canonicalJson(v);
        }
        return out + "]";
      }
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let out = "{";
      let first = true;
      for (const k of keys) {
        const v = o[k];
        if (v === undefined) continue;
        out += (first ? "" : ",") + JSON.stringify(k) + ":" + canonicalJson(v);
        first = false;
      }
      return out + "}";
    }
    default:
      return JSON.stringify(String(value));
  }
}

/** Members that say when and by which build a document was made, not what it says. */
const NOT_CONTENT = new Set(["id", "time", "tool"]);

/**
 * The stand-in id of a document without an `id` member: the first 16 hex digits of the SHA-256 of the
 * canonical JSON of its content (everything but `id`, `time` and `tool`, as the export face leaves the
 * time and the tool version out of its ids). The same analysis of the same dump gives the same id, so a
 * rerun replaces its earlier document instead of adding one.
 */
export function contentDocumentId(doc: Readonly<Record<string, unknown>>): string {
  const content: Record<string, unknown> = {};
  for (const k of Object.keys(doc)) if (!NOT_CONTENT.has(k)) content[k] = doc[k];
  return createHash("sha256").update(canonicalJson(content)).digest("hex").slice(0, 16);
}

/** The id stores upsert a document by: its own `id`, or its content id. */
export function documentId(doc: Readonly<Record<string, unknown>>): string {
  return typeof doc.id === "string" && doc.id !== "" ? doc.id : contentDocumentId(doc);
}

/**
 * A dump path as one string per file: Windows paths (drive letter, UNC or backslashes) compare without
 * case and with one kind of separator, as Windows does; other paths are kept as they are.
 */
export function normalizeDumpPath(p: string): string {
  if (/^[a-zA-Z]:[\\/]/.test(p) || p.startsWith("\\\\") || p.includes("\\")) return p.replace(/\//g, "\\").toLowerCase();
  return p;
}

/**
 * The id of the target a document was made from: 16 hex digits of the SHA-256 of the canonical JSON of
 * `{ dumpFile, processId }` (the dump path normalized). Documents without a target (or live targets,
 * whose dumpFile is null) share the id of `{ dumpFile: null, processId }`.
 */
export function targetId(doc: Readonly<Record<string, unknown>>): string {
  const t = (doc.target && typeof doc.target === "object" ? doc.target : {}) as Record<string, unknown>;
  const dumpFile = typeof t.dumpFile === "string" ? normalizeDumpPath(t.dumpFile) : null;
  const processId = typeof t.processId === "number" ? t.processId : null;
  return createHash("sha256").update(canonicalJson({ dumpFile, processId })).digest("hex").slice(0, 16);
}

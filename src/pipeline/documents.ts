/**
 * What the event stream carries: export documents (docs/schema.md), one JSON Schema per kind and version
 * in schema/ (`<schema>.v<version>.schema.json`). Every document is checked against its schema before it
 * is published or stored; a line that fails says why, and goes to the dead-letter topic with that reason.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv, { type ValidateFunction } from "ajv";
import { documentId, targetId } from "./ids";

/** Why a line was not accepted, by kind of fault (summaries and dead-letter headers use it). */
export type RejectCategory = "malformed" | "unknown-kind" | "unsupported-version" | "schema" | "oversized";

export interface Accepted {
  readonly ok: true;
  readonly doc: Record<string, unknown>;
  /** `result`, `finding`, ...: the schema name without its `ewmda.` prefix. */
  readonly kind: string;
  readonly id: string;
  readonly targetId: string;
}

export interface Rejected {
  readonly ok: false;
  readonly category: RejectCategory;
  readonly reason: string;
}

export type Checked = Accepted | Rejected;

/** 900 KiB: under Kafka's default 1 MiB record-batch limit with room for headers; far under MongoDB's 16 MiB. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 900 * 1024;

/** The kind of a schema name: `ewmda.result` -> `result`. */
export function kindOf(schemaName: string): string {
  return schemaName.startsWith("ewmda.") ? schemaName.slice("ewmda.".length) : schemaName;
}

/** Topic names: one per kind, plus the dead letters and the dump paths for workers. */
export function topicFor(prefix: string, kind: string): string {
  return `${prefix}.${kind}`;
}
export const deadLetterTopic = (prefix: string): string => `${prefix}.dead-letter`;
export const dumpsTopic = (prefix: string): string => `${prefix}.dumps`;

/** Kafka topic names are [a-zA-Z0-9._-], at most 249 characters. */
export function checkTopicPrefix(prefix: string): void {
  if (!/^[a-zA-Z0-9._-]{1,200}$/.test(prefix)) throw new Error(`topic prefix "${prefix}" must be 1-200 characters of letters, digits, '.', '_' and '-'`);
}

/** The folder of the JSON Schemas: EWMDA_SCHEMA_DIR, or `schema/` beside the source or the bundle. */
export function schemaDir(): string {
  if (process.env.EWMDA_SCHEMA_DIR) return process.env.EWMDA_SCHEMA_DIR;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, "schema");
    if (existsSync(path.join(candidate, "ewmda.result.v1.schema.json"))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error("the export document schemas (schema/*.schema.json) were not found; set EWMDA_SCHEMA_DIR");
}

/** The document kinds and versions the schemas of one folder describe, with their validators. */
export class DocumentChecker {
  private readonly validators = new Map<string, Map<number, ValidateFunction>>();

  constructor(dir: string = schemaDir()) {
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".schema.json")).sort()) {
      const schema = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { properties?: { schema?: { const?: unknown }; schemaVersion?: { const?: unknown } } };
      const name = schema.properties?.schema?.const;
      const version = schema.properties?.schemaVersion?.const;
      if (typeof name !== "string" || typeof version !== "number") continue; // not a document schema (a shared definition)
      const byVersion = this.validators.get(name) ?? new Map<number, ValidateFunction>();
      byVersion.set(version, ajv.compile(schema));
      this.validators.set(name, byVersion);
    }
    if (this.validators.size === 0) throw new Error(`no document schemas in ${dir}`);
  }

  /** Every kind a schema describes (`result`, ...), sorted. */
  kinds(): string[] {
    return [...this.validators.keys()].map(kindOf).sort();
  }

  /** Checks one parsed document. */
  check(doc: unknown): Checked {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { ok: false, category: "malformed", reason: "not a JSON object" };
    const d = doc as Record<string, unknown>;
    if (typeof d.schema !== "string") return { ok: false, category: "unknown-kind", reason: "no \"schema\" member naming the document kind" };
    const byVersion = this.validators.get(d.schema);
    if (!byVersion) return { ok: false, category: "unknown-kind", reason: `unknown document kind "${d.schema}" (known: ${[...this.validators.keys()].join(", ")})` };
    const validate = typeof d.schemaVersion === "number" ? byVersion.get(d.schemaVersion) : undefined;
    if (!validate) {
      return { ok: false, category: "unsupported-version", reason: `unsupported schemaVersion ${JSON.stringify(d.schemaVersion)} of ${d.schema} (supported: ${[...byVersion.keys()].join(", ")})` };
    }
    if (!validate(doc)) {
      const e = validate.errors?.[0];
      const where = e?.instancePath || "/";
      const detail = e?.keyword === "additionalProperties" ? `has unknown member "${(e.params as { additionalProperty: string }).additionalProperty}"` : e?.message ?? "is invalid";
      return { ok: false, category: "schema", reason: `${d.schema} v${String(d.schemaVersion)}: ${where} ${detail}` };
    }
    return { ok: true, doc: d, kind: kindOf(d.schema), id: documentId(d), targetId: targetId(d) };
  }

  /** Checks one line of JSON text (its size in UTF-8 bytes against `maxBytes`). */
  checkText(text: string, maxBytes: number = DEFAULT_MAX_DOCUMENT_BYTES): Checked {
    const size = Buffer.byteLength(text);
    if (size > maxBytes) return oversized(size, maxBytes);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      return { ok: false, category: "malformed", reason: `malformed JSON: ${(e as Error).message}` };
    }
    return this.check(doc);
  }
}

export function oversized(size: number, maxBytes: number): Rejected {
  return { ok: false, category: "oversized", reason: `oversized: ${size} bytes > ${maxBytes} bytes allowed` };
}

/**
 * Validates export documents against their JSON Schemas (schema/<kind>.v<version>.schema.json, picked by
 * the document's `schema` and `schemaVersion`), plus the rules JSON Schema cannot say: typed row cells
 * (addresses and hex ids are "0x..." strings, bools are booleans) and ids of 16 hex digits.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { expect } from "vitest";

export const SCHEMA_DIR = path.resolve(import.meta.dirname, "..", "schema");

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = new Map<string, ValidateFunction>();
for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".schema.json"))) {
  const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), "utf8"));
  validators.set(`${schema.properties.schema.const}@${schema.properties.schemaVersion.const}`, ajv.compile(schema));
}

/** The schema kinds and versions on disk (`ewmda.result@1`, ...). */
export function schemaKinds(): string[] {
  return [...validators.keys()].sort();
}

function checkRow(row: Record<string, unknown>, columns: { name: string; type: string }[]): void {
  for (const c of columns) {
    const v = row[c.name];
    if (v === undefined || v === null) continue;
    if (c.type === "address" || c.type === "hex") expect(v, c.name).toMatch(/^0x[0-9a-f]+$/);
    if (c.type === "bool") expect(typeof v, c.name).toBe("boolean");
    // An int past 2^53 is written as hex, like every 64-bit value.
    if (c.type === "int" && typeof v !== "number") expect(v, c.name).toMatch(/^0x[0-9a-f]+$/);
  }
  // Every key of the row is a column (or the absent reasons).
  for (const k of Object.keys(row)) if (k !== "_absent") expect(columns.map((c) => c.name), `row key ${k}`).toContain(k);
}

export function expectValidDocument(doc: unknown): void {
  const d = doc as { schema: string; schemaVersion: number; id?: string; columns?: { name: string; type: string }[]; rows?: Record<string, unknown>[]; row?: Record<string, unknown> };
  const validate = validators.get(`${d.schema}@${d.schemaVersion}`);
  expect(validate, `a schema for ${d.schema} version ${d.schemaVersion}`).toBeDefined();
  const ok = validate!(doc);
  expect(validate!.errors ?? [], JSON.stringify(validate!.errors)).toEqual([]);
  expect(ok).toBe(true);
  if (d.id !== undefined) expect(d.id).toMatch(/^[0-9a-f]{16}$/);
  if (d.rows && d.columns) for (const row of d.rows) checkRow(row, d.columns);
  if (d.row && d.columns) checkRow(d.row, d.columns);
}

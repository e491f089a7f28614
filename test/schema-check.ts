/** Validates an export document against schema/ewmda.result.v1.schema.json, plus the column-type rules JSON Schema cannot say. */
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import { expect } from "vitest";

const schema = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "..", "schema", "ewmda.result.v1.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

export function expectValidDocument(doc: unknown): void {
  const ok = validate(doc);
  expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
  expect(ok).toBe(true);
  // Typed columns: addresses and hex ids are "0x..." strings (or null when unreadable).
  const d = doc as { columns: { name: string; type: string }[]; rows: Record<string, unknown>[] };
  for (const row of d.rows) {
    for (const c of d.columns) {
      const v = row[c.name];
      if (v === undefined || v === null) continue;
      if (c.type === "address" || c.type === "hex") expect(v, c.name).toMatch(/^0x[0-9a-f]+$/);
      if (c.type === "bool") expect(typeof v, c.name).toBe("boolean");
    }
  }
}


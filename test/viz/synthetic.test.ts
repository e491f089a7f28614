/** The synthetic tables and documents the chart tests, the notebook test and the benchmark stand on. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { SYNTH_COLUMNS, synthDocuments, synthRawStackDocuments, synthRegionRows, writeSynthRegionTable } from "../../src/viz/synthetic";
import { expectValidDocument } from "../schema-check";
import { tempDir } from "./support";

describe("synthetic region tables", () => {
  it("write exactly the rows asked for, the same for the same seed, as CSV a real parser reads back", async () => {
    const dir = tempDir("synth");
    const csv = path.join(dir, "t.csv");
    expect(await writeSynthRegionTable(csv, { rows: 5003, threads: 7, seed: 9 })).toBe(5003);
    const records = parse(readFileSync(csv), { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(5003);
    expect(Object.keys(records[0]!)).toEqual([...SYNTH_COLUMNS]);
    expect(new Set(records.map((r) => r.Thread)).size).toBe(7);
    expect(records.every((r) => /^0x[0-9a-f]+$/.test(r.Address!))).toBe(true);
    expect(records.some((r) => r.Symbol!.includes(","))).toBe(true); // template arguments, quoted
    const again = [...synthRegionRows({ rows: 5003, threads: 7, seed: 9 })];
    expect(again.map((r) => r.Value ?? "")).toEqual(records.map((r) => r.Value));
    expect([...synthRegionRows({ rows: 50, seed: 10 })]).not.toEqual([...synthRegionRows({ rows: 50, seed: 9 })]);
  });

  it("give export documents that follow docs/schema.md", () => {
    for (const d of [...synthDocuments(), ...synthRawStackDocuments({ rows: 400, threads: 3 })]) expectValidDocument(d);
  });
});

/**
 * ExportTable on every result: CSV that a CSV parser reads back, JSON lines whose every line is a row of the
 * export document (the same rows ToJson gives, valid against the schema), written through the emulated
 * Debugger.Utility.FileSystem and read back from the files.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { ANALYSES } from "../src/extensions/registry";
import { loadEwmda } from "./helpers";
import { ret, stackref, sym, userTarget } from "./mocks/user-target";
import { expectValidDocument } from "./schema-check";

function rawStackTarget() {
  return userTarget().module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
    .thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14), sym("kernel32!Sleep", 0x10), stackref(0x1a4, 8)] }).build();
}

describe("ExportTable", () => {
  it("writes CSV with the columns in order, hex addresses, booleans and absent reasons", () => {
    const t = rawStackTarget();
    const { dbg } = loadEwmda(t.spec);
    expect(dbg.dx("Debugger.Utility.Ewmda.RawStack().ExportTable(\"C:\\\\out\\\\raw.csv\")")).toBe("Exported 3 rows to C:\\out\\raw.csv (CSV)");
    const records = parse(readFileSync(dbg.fileSystem.hostPath("C:\\out\\raw.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0]!)).toEqual(["Thread", "Address", "Value", "Kind", "Symbol", "Module", "ReturnAddress", "Live", "Verdict", "Evidence", "Source", "_absent"]);
    expect(records.map((r) => [r.Thread, r.Kind, r.Symbol, r.ReturnAddress, r.Live])).toEqual([
      ["0x1a4", "CodePointer", "ntdll!NtWaitForSingleObject+0x14", "true", "true"],
      ["0x1a4", "CodePointer", "kernel32!Sleep+0x10", "", "true"],
      ["0x1a4", "StackPointer", "", "", "true"],
    ]);
    expect(records[0]!.Value).toBe("0x" + t.at.symbol("ntdll!NtWaitForSingleObject", 0x14).toString(16));
    expect(records[1]!._absent).toMatch(/^ReturnAddress=unreadable: code bytes before 00007ff8`[0-9a-f]{8} are not in the dump$/);
  });

  it("writes JSON lines equal to ToJson's rows, and takes the format from an argument or an object", () => {
    const t = rawStackTarget();
    const { dbg } = loadEwmda(t.spec);
    expect(dbg.dx("Debugger.Utility.Ewmda.RawStack().ExportTable(\"C:\\\\out\\\\raw.txt\", \"jsonl\")")).toBe("Exported 3 rows to C:\\out\\raw.txt (JSON lines)");
    const doc = JSON.parse(dbg.dx("Debugger.Utility.Ewmda.RawStack().ToJson()") as string);
    const rows = readFileSync(dbg.fileSystem.hostPath("C:\\out\\raw.txt"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows).toEqual(doc.rows);
    expect(dbg.dx("Debugger.Utility.Ewmda.RawStack().ExportTable(\"C:\\\\out\\\\raw.txt\", new { Format = \"jsonl\", Append = true })")).toBe("Exported 3 rows to C:\\out\\raw.txt (JSON lines, appended)");
    expect(readFileSync(dbg.fileSystem.hostPath("C:\\out\\raw.txt"), "utf8").trim().split("\n")).toHaveLength(6);
  });

  it("answers bad arguments with a message instead of throwing", () => {
    const { dbg } = loadEwmda(rawStackTarget().spec);
    expect(dbg.dx("Debugger.Utility.Ewmda.RawStack().ExportTable(\"C:\\\\out\\\\raw.xlsx\")")).toMatch(/^ExportTable: cannot tell the format from "C:\\out\\raw.xlsx"/);
    expect(dbg.dx("Debugger.Utility.Ewmda.RawStack().ExportTable(\"C:\\\\out\\\\raw.csv\", 7)")).toMatch(/^ExportTable: the format must be "csv", "jsonl" or an object/);
    expect(dbg.dx("Debugger.Utility.Ewmda.RawStack().ExportTable(\"\")")).toMatch(/^ExportTable needs a file path/);
  });

  it.each(ANALYSES.map((a) => [a.meta.name] as const))("%s exports CSV that parses and JSON lines that validate", (name) => {
    for (const spec of [rawStackTarget().spec, userTarget({ arch: "x86" }).thread({ tid: 4, stack: [sym("ntdll!NtDelayExecution", 4)] }).build().spec]) {
      const { dbg } = loadEwmda(spec);
      const expr = `Debugger.Utility.Ewmda.${name}()`;
      const doc = JSON.parse(dbg.dx(`${expr}.ToJson()`) as string);
      expect(dbg.dx(`${expr}.ExportTable("C:\\\\out\\\\t.csv")`)).toMatch(/^Exported \d+ rows to C:\\out\\t\.csv \(CSV\)$/);
      expect(dbg.dx(`${expr}.ExportTable("C:\\\\out\\\\t.jsonl")`)).toMatch(/^Exported \d+ rows to C:\\out\\t\.jsonl \(JSON lines\)$/);
      const records = parse(readFileSync(dbg.fileSystem.hostPath("C:\\out\\t.csv"), "utf8"), { columns: true }) as Record<string, string>[];
      expect(records.length).toBe(doc.rows.length);
      expect(records.map((r) => r.Verdict)).toEqual(doc.rows.map((r: { Verdict: string }) => r.Verdict));
      const lines = readFileSync(dbg.fileSystem.hostPath("C:\\out\\t.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(lines.map((r) => r.Verdict)).toEqual(doc.rows.map((r: { Verdict: string }) => r.Verdict));
      expectValidDocument({ ...doc, rows: lines });
    }
  });
});

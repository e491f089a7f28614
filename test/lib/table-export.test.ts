/**
 * The table writer against a recording fake of Debugger.Utility.FileSystem: rows go out one WriteLine each,
 * the file is closed even when a write fails, appending starts after the last byte and never rewrites a
 * header, and CSV cells follow RFC 4180.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ColumnSpec, Row } from "../../src/lib/analysis";
import { csvField, csvLine, exportRows, tableFormat } from "../../src/lib/table-export";
import { Unavailable } from "../../src/lib/values";

interface FakeFile { content: string; closed: boolean; position: number }

/** A file system whose files are strings; `failAfter` makes the writer throw after that many lines. */
function fakeFileSystem(files: Record<string, FakeFile>, failAfter = Infinity) {
  const log: string[] = [];
  let lines = 0;
  const file = (path: string) => {
    const f = files[path]!;
    return {
      get Size() { return f.content.length; },
      get Position() { return f.position; },
      set Position(v: number) { f.position = v; log.push("Position " + v); },
      Close() { f.closed = true; log.push("Close " + path); },
      ReadBytes(n: number) { const out = [...f.content.slice(f.position, f.position + n)].map((c) => c.charCodeAt(0)); f.position += out.length; return out; },
      __path: path,
    };
  };
  return {
    log,
    fs: {
      FileExists: (p: string) => p in files,
      OpenFile: (p: string) => { if (!(p in files)) throw new Error("no such file"); files[p]!.closed = false; files[p]!.position = 0; return file(p); },
      CreateFile: (p: string, disposition: string) => {
        if (p.endsWith("\\")) throw new Error("Access is denied");
        if (disposition === "CreateAlways" || !(p in files)) files[p] = { content: "", closed: false, position: 0 };
        files[p]!.closed = false;
        files[p]!.position = 0;
        log.push("CreateFile " + p + " " + disposition);
        return file(p);
      },
      CreateTextReader: (p: string) => ({ ReadLine: () => files[p]!.content.split("\n")[0]! }),
      CreateTextWriter: (f: { __path: string }, encoding: string) => {
        log.push("CreateTextWriter " + encoding);
        const target = files[f.__path]!;
        return {
          WriteLine: (s: string) => {
            if (lines++ >= failAfter) throw new Error("disk full");
            if (target.position !== target.content.length) throw new Error("would overwrite at " + target.position);
            target.content += s + "\n";
            target.position = target.content.length;
            log.push("WriteLine " + s.length);
          },
        };
      },
    },
  };
}

const COLUMNS: readonly ColumnSpec[] = [
  { name: "Name", type: "string", help: "a name" },
  { name: "Flag", type: "bool", help: "a flag" },
  { name: "Count", type: "int", help: "a count" },
];
const ROWS: Row[] = [
  { Name: "plain", Flag: true, Count: 3, Verdict: "Info", Evidence: "dps 1 L1", Source: "typed" },
  { Name: "has, comma and \"quotes\"", Flag: false, Count: 0, Verdict: "Info", Evidence: "line\nbreak", Source: "typed" },
  { Name: " padded ", Flag: new Unavailable("unreadable", "not in the dump"), Verdict: "Negative", Evidence: "e", Source: "heuristic" },
];

const g = globalThis as unknown as { host?: unknown };
let saved: unknown;
function install(fs: unknown) {
  g.host = { namespace: { Debugger: { Utility: { FileSystem: fs } } } };
}
beforeEach(() => { saved = g.host; });
afterEach(() => { g.host = saved; });

describe("table cells", () => {
  it("quotes CSV fields as RFC 4180 says", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe("\"a,b\"");
    expect(csvField("say \"hi\"")).toBe("\"say \"\"hi\"\"\"");
    expect(csvField("two\r\nlines")).toBe("\"two\r\nlines\"");
    expect(csvField(" lead")).toBe("\" lead\"");
  });

  it("writes absent values as empty cells with the reason in _absent", () => {
    expect(csvLine(ROWS[2]!, COLUMNS.concat([{ name: "Verdict", type: "verdict", help: "v" }]))).toBe("\" padded \",,,Negative,Flag=unreadable: not in the dump");
  });

  it("tells the format from the name or the extension", () => {
    expect(tableFormat("C:\\x\\a.CSV")).toBe("csv");
    expect(tableFormat("C:\\x\\a.jsonl")).toBe("jsonl");
    expect(tableFormat("C:\\x\\a.txt", "JSON lines")).toBe("jsonl");
    expect(tableFormat("C:\\x\\a.txt")).toMatch(/^cannot tell the format/);
    expect(tableFormat("C:\\x\\a.csv", "xml")).toBe("unknown table format \"xml\" (use \"csv\" or \"jsonl\")");
  });
});

describe("exportRows", () => {
  it("writes the header, then the rows in batches, and closes the file", () => {
    const files: Record<string, FakeFile> = {};
    const { fs, log } = fakeFileSystem(files);
    install(fs);
    expect(exportRows(ROWS, COLUMNS, "C:\\t\\a.csv", undefined, false)).toBe("Exported 3 rows to C:\\t\\a.csv (CSV)");
    expect(log.filter((l) => l.startsWith("WriteLine"))).toHaveLength(2);
    expect(log[log.length - 1]).toBe("Close C:\\t\\a.csv");
    expect(log).toContain("CreateTextWriter Utf8");
    expect(files["C:\\t\\a.csv"]!.content.split("\n")[0]).toBe("Name,Flag,Count,Verdict,Evidence,Source,_absent");
    expect(files["C:\\t\\a.csv"]!.content.split("\n")[1]).toBe("plain,true,3,Info,dps 1 L1,typed,");
  });

  it("never writes the whole table as one string: a large table goes out in bounded batches", () => {
    const files: Record<string, FakeFile> = {};
    const { fs, log } = fakeFileSystem(files);
    install(fs);
    const many: Row[] = Array.from({ length: 20000 }, (_, i) => ({ Name: "row " + i, Flag: i % 2 === 0, Count: i, Verdict: "Info", Evidence: "dps " + i + " L1", Source: "typed" }));
    expect(exportRows(many, COLUMNS, "C:\\t\\big.csv", undefined, false)).toBe("Exported 20000 rows to C:\\t\\big.csv (CSV)");
    const writes = log.filter((l) => l.startsWith("WriteLine")).map((l) => Number(l.slice(10)));
    const total = files["C:\\t\\big.csv"]!.content.length;
    expect(writes.length).toBeGreaterThan(5);
    expect(Math.max(...writes)).toBeLessThan(0x10000 + 100);
    expect(Math.max(...writes)).toBeLessThan(total / 5);
    expect(files["C:\\t\\big.csv"]!.content.split("\n")).toHaveLength(20002);
  });

  it("closes the file when a write fails, and says how many rows it wrote", () => {
    const files: Record<string, FakeFile> = {};
    const { fs } = fakeFileSystem(files, 0);
    install(fs);
    expect(exportRows(ROWS, COLUMNS, "C:\\t\\a.jsonl", undefined, false)).toBe("ExportTable: writing C:\\t\\a.jsonl failed after 0 rows: disk full");
    expect(files["C:\\t\\a.jsonl"]!.closed).toBe(true);
    const csv: Record<string, FakeFile> = {};
    install(fakeFileSystem(csv, 1).fs); // the header is written, the batch fails
    expect(exportRows(ROWS, COLUMNS, "C:\\t\\a.csv", undefined, false)).toBe("ExportTable: writing C:\\t\\a.csv failed after 0 rows: disk full");
    expect(csv["C:\\t\\a.csv"]!.closed).toBe(true);
  });

  it("says why a file cannot be created, without throwing", () => {
    const { fs } = fakeFileSystem({});
    install(fs);
    expect(exportRows(ROWS, COLUMNS, "C:\\t\\", "csv", false)).toBe("ExportTable: cannot write C:\\t\\: Access is denied");
    expect(exportRows(ROWS, COLUMNS, "", "csv", false)).toMatch(/^ExportTable needs a file path/);
  });

  it("appends after the last byte, with no second header, ending a cut last line first", () => {
    const files: Record<string, FakeFile> = {};
    const { fs, log } = fakeFileSystem(files);
    install(fs);
    exportRows(ROWS.slice(0, 1), COLUMNS, "C:\\t\\a.csv", undefined, false);
    files["C:\\t\\a.csv"]!.content += "cut,li"; // an export that stopped mid-line
    expect(exportRows(ROWS.slice(0, 1), COLUMNS, "C:\\t\\a.csv", undefined, true)).toBe("Exported 1 rows to C:\\t\\a.csv (CSV, appended)");
    expect(files["C:\\t\\a.csv"]!.content.split("\n")).toEqual(["Name,Flag,Count,Verdict,Evidence,Source,_absent", "plain,true,3,Info,dps 1 L1,typed,", "cut,li", "plain,true,3,Info,dps 1 L1,typed,", ""]);
    expect(log).toContain("CreateFile C:\\t\\a.csv OpenExisting");
    expect(files["C:\\t\\a.csv"]!.closed).toBe(true);
  });

  it("refuses to append to a CSV file of another table, leaving it untouched", () => {
    const files: Record<string, FakeFile> = { "C:\\t\\b.csv": { content: "x,y\n1,2\n", closed: true, position: 0 } };
    const { fs } = fakeFileSystem(files);
    install(fs);
    expect(exportRows(ROWS, COLUMNS, "C:\\t\\b.csv", undefined, true)).toBe("ExportTable: not appending to C:\\t\\b.csv: its header is not this table's (x,y); write to a new file");
    expect(files["C:\\t\\b.csv"]!.content).toBe("x,y\n1,2\n");
    expect(files["C:\\t\\b.csv"]!.closed).toBe(true);
  });

  it("writes JSON lines with every non-ASCII character escaped", () => {
    const files: Record<string, FakeFile> = {};
    install(fakeFileSystem(files).fs);
    exportRows([{ Name: "caf\u00e9 \u2013 \u00fcber", Verdict: "Info", Evidence: "e", Source: "typed" }], COLUMNS, "C:\\t\\u.jsonl", undefined, false);
    const line = files["C:\\t\\u.jsonl"]!.content.trim();
    expect(/^[\x20-\x7e]*$/.test(line)).toBe(true);
    expect(JSON.parse(line).Name).toBe("caf\u00e9 \u2013 \u00fcber");
  });
});

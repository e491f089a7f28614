/**
 * The embedded default: `ewmda store` into a local DuckDB file and `ewmda query` over it, run as a user
 * runs them, with nothing but Node.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { duckdbSink } from "../../src/pipeline/duckdb";
import { DocumentChecker } from "../../src/pipeline/documents";
import { query, render, store } from "../../src/pipeline/store";
import { brokenLines, idsOf, lines, resultDocuments, runPipeline, tempDir } from "./fixtures";

describe("ewmda store and ewmda query", () => {
  it("store documents once however often they are stored, reject broken lines with reasons, and answer SQL", () => {
    const dir = tempDir("store");
    const db = path.join(dir, "ewmda.duckdb");
    const docs = resultDocuments(300, { tag: "store", targets: 3 });
    const broken = brokenLines(64 * 1024);
    const file = path.join(dir, "session.jsonl");
    writeFileSync(file, lines(docs.slice(0, 150)) + broken.map((b) => b.text + "\n").join("") + lines(docs.slice(150)));
    const array = path.join(dir, "report.json");
    writeFileSync(array, JSON.stringify(docs.slice(0, 10), null, 2)); // ewmda analyze --json writes arrays

    const first = runPipeline(["store", file, array, "--db", db, "--max-document-bytes", String(64 * 1024)]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`ewmda store: 315 documents read, 310 stored in ${db}, 5 rejected`);
    expect(first.stdout).toContain("rejected: 1 malformed, 1 unsupported-version, 1 schema, 1 unknown-kind, 1 oversized");
    expect(first.stdout).toContain(`${file}:151: malformed JSON:`);
    expect(first.stdout).toContain(`${file}:152: unsupported schemaVersion 7 of ewmda.result (supported: 1)`);

    const again = runPipeline(["store", dir, "--db", db, "--max-document-bytes", String(64 * 1024)]); // the folder: session.jsonl again
    expect(again.status).toBe(0);
    const count = runPipeline(["query", "SELECT count(*) AS n, count(DISTINCT id) AS ids, count(DISTINCT target_id) AS targets FROM result", "--db", db, "--json"]);
    expect(count.status).toBe(0);
    expect(JSON.parse(count.stdout)).toEqual([{ n: "300", ids: "300", targets: "3" }]);

    const ids = runPipeline(["query", "SELECT id FROM result ORDER BY id", "--db", db, "--jsonl"]);
    expect(ids.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(idsOf(docs));

    const table = runPipeline(["query", "SELECT analysis, verdict, count(*) AS n FROM result_rows GROUP BY ALL ORDER BY verdict", "--db", db]);
    expect(table.stdout).toBe(["analysis  verdict   n", "RawStack  Info      300", "RawStack  Positive  300", "(2 rows)", ""].join("\n"));

    const csv = runPipeline(["query", "SELECT dump_file, process_id FROM result WHERE id = (SELECT min(id) FROM result)", "--db", db, "--csv"]);
    expect(csv.stdout).toMatch(/^dump_file,process_id\nC:\\dumps\\store-\d\.dmp,400\d\n$/);
  }, 180_000);

  it("report a bad query, a missing database and a missing input in one line each", () => {
    const dir = tempDir("store");
    const missing = runPipeline(["query", "SELECT 1", "--db", path.join(dir, "none.duckdb")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`ewmda query: error: no database at ${path.join(dir, "none.duckdb")} (ewmda store FILE... creates it)\n`);
    const noInput = runPipeline(["store", path.join(dir, "nothing.jsonl"), "--db", path.join(dir, "x.duckdb")]);
    expect(noInput.status).toBe(1);
    expect(noInput.stderr).toContain("nothing.jsonl: no such file or folder");
    const usage = runPipeline(["query", "SELECT 1", "--json", "--csv", "--db", path.join(dir, "x.duckdb")]);
    expect(usage.status).toBe(2);
  }, 120_000);

  it("store through the library as consume --to DIR does, and render query results", async () => {
    const dir = tempDir("store");
    const db = path.join(dir, "lib.duckdb");
    const checker = new DocumentChecker();
    const docs = resultDocuments(5, { tag: "lib" }).map((d) => {
      const c = checker.check(d);
      if (!c.ok) throw new Error(c.reason);
      return { id: c.id, kind: c.kind, targetId: c.targetId, doc: c.doc, text: JSON.stringify(d) };
    });
    const sink = duckdbSink({ path: db });
    await sink.connect();
    await sink.send([...docs, ...docs]);
    await sink.send(docs.slice(0, 2));
    await sink.dispose();
    expect(await query({ db, sql: "SELECT count(*) AS n FROM documents", format: "jsonl" })).toBe('{"n":"5"}\n');
    const t = await store({ inputs: [dir], db: path.join(dir, "other.duckdb") });
    expect(t.read).toBe(0);
    expect(render(["a"], [{ a: "x".repeat(100) }], "table")).toBe(`a\n${"x".repeat(57)}...\n(1 row)\n`);
  });
});

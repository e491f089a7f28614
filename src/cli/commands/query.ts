/**
 * `ewmda query "SQL" [--db PATH]`: SQL over the local store (`ewmda store`, `ewmda consume --to DIR`).
 * Tables: one per kind (`result`, ...) with id, target_id, dump_file, process_id, process_name, analysis,
 * patterns, time, schema_version and the document as JSON in `doc`; `result_rows` has one row per row of
 * the results (verdict, evidence, source, row); `documents` is every kind together.
 */
import { defineCommand } from "citty";
import { guarded, UsageError } from "../../pipeline/command-support";
import { DEFAULT_DB } from "../../pipeline/duckdb";
import { query, type QueryFormat } from "../../pipeline/store";

export const queryCommand = defineCommand({
  meta: { name: "query", description: "Run SQL over the local DuckDB store of documents (tables per kind, result_rows, documents)" },
  args: {
    sql: { type: "positional", description: "the SQL statement, e.g. \"SELECT analysis, verdict, evidence FROM result_rows WHERE verdict = 'Positive'\"", required: true },
    db: { type: "string", description: `the database file (default ${DEFAULT_DB})` },
    json: { type: "boolean", description: "print a JSON array of row objects" },
    jsonl: { type: "boolean", description: "print one JSON object per row" },
    csv: { type: "boolean", description: "print CSV with a header line" },
  },
  async run({ args }) {
    await guarded("query", async () => {
      const formats = (["json", "jsonl", "csv"] as const).filter((f) => args[f] === true);
      if (formats.length > 1) throw new UsageError("choose one of --json, --jsonl, --csv");
      if (!args.sql) throw new UsageError("give the SQL to run");
      const format: QueryFormat = formats[0] ?? "table";
      process.stdout.write(await query({ db: args.db ?? DEFAULT_DB, sql: String(args.sql), format }));
    });
  },
});

export default queryCommand;

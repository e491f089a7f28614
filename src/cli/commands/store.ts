/**
 * `ewmda store FILE|DIR... [--db PATH]`: export documents into a local DuckDB database, with no server:
 * the embedded default of the event stream (`ewmda query` reads it).
 */
import { defineCommand } from "citty";
import { guarded, logger, numberArg, UsageError } from "../../pipeline/command-support";
import { DEFAULT_DB } from "../../pipeline/duckdb";
import { store } from "../../pipeline/store";

export const storeCommand = defineCommand({
  meta: { name: "store", description: "Store export documents (JSON lines, or ewmda analyze --json arrays) in a local DuckDB database; no server needed" },
  args: {
    paths: { type: "positional", description: "JSON-lines or JSON-array files, or folders of *.jsonl / *.ndjson files", required: true },
    db: { type: "string", description: `the database file (default ${DEFAULT_DB})` },
    "max-document-bytes": { type: "string", description: "larger documents are rejected (default 921600)" },
    progress: { type: "boolean", description: "print progress on standard error every second" },
  },
  async run({ args }) {
    await guarded("store", async () => {
      const inputs = args._.map(String);
      if (inputs.length === 0) throw new UsageError("name at least one file or folder");
      const db = args.db ?? DEFAULT_DB;
      const tally = await store({ inputs, db, maxDocumentBytes: numberArg(args["max-document-bytes"], "max-document-bytes", undefined), progress: args.progress, log: logger("store") });
      const lines = tally.summary("ewmda store", `stored in ${db}`);
      process.stdout.write(lines.join("\n") + "\n");
    });
  },
});

export default storeCommand;

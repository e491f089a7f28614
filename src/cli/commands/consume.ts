/**
 * `ewmda consume --group NAME --to mongodb://...|DIR`: a consumer group storing every kind's documents
 * into MongoDB (one collection per kind) or the embedded DuckDB store, upserting by document id and
 * committing offsets only after the write; invalid messages go to the dead-letter topic.
 */
import { defineCommand } from "citty";
import { DEFAULT_BROKERS, DEFAULT_PREFIX, guarded, logger, numberArg, UsageError, withStopSignal } from "../../pipeline/command-support";
import { consume } from "../../pipeline/consume";
import { parseBrokers } from "../../pipeline/kafka";

export const consumeCommand = defineCommand({
  meta: { name: "consume", description: "Store the documents of the Kafka topics into MongoDB or a local DuckDB store, as a consumer group" },
  args: {
    brokers: { type: "string", description: `Kafka brokers, HOST:PORT,... (default ${DEFAULT_BROKERS})` },
    "topic-prefix": { type: "string", description: `topics are <prefix>.<kind> (default ${DEFAULT_PREFIX})` },
    group: { type: "string", description: "consumer group name (consumers of one group share the partitions)", required: true },
    to: { type: "string", description: "mongodb://HOST:PORT/DATABASE, or a DuckDB file (*.duckdb) or folder (DIR/ewmda.duckdb)", required: true },
    "idle-exit": { type: "string", description: "stop after this many seconds without a message (default: run until Ctrl-C)" },
    "write-batch": { type: "string", description: "documents per write, and most documents stored before a commit (default 500)" },
    "max-document-bytes": { type: "string", description: "larger documents go to the dead-letter topic (default 921600)" },
    progress: { type: "boolean", description: "print progress on standard error every second (default: when it is a terminal)" },
    verbose: { type: "boolean", description: "print the Kafka client's connection and group events on standard error" },
  },
  async run({ args }) {
    await guarded("consume", async () => {
      if (!args.group) throw new UsageError("--group NAME is required");
      if (!args.to) throw new UsageError("--to mongodb://...|DIR is required");
      const idle = numberArg(args["idle-exit"], "idle-exit", undefined);
      const tally = await withStopSignal((signal) => consume({
        brokers: parseBrokers(args.brokers ?? DEFAULT_BROKERS), prefix: args["topic-prefix"] ?? DEFAULT_PREFIX,
        group: args.group, to: args.to,
        idleExitMs: idle === undefined ? undefined : idle * 1000,
        writeBatch: numberArg(args["write-batch"], "write-batch", undefined),
        maxDocumentBytes: numberArg(args["max-document-bytes"], "max-document-bytes", undefined),
        signal, log: logger("consume"), progress: args.progress ?? process.stderr.isTTY === true, verbose: args.verbose,
      }));
      process.stdout.write(tally.summary("ewmda consume", "stored").join("\n") + "\n");
    });
  },
});

export default consumeCommand;

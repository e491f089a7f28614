/**
 * `ewmda publish FILE|DIR... [--follow]`: export documents (JSON lines) into Kafka, one topic per kind,
 * keyed by target, with an idempotent producer, batching and compression; invalid lines to the dead-letter
 * topic with the reason; a checkpoint per file. `--dumps`: the arguments are dump files for `ewmda worker`.
 */
import { defineCommand } from "citty";
import { DEFAULT_BROKERS, DEFAULT_PREFIX, guarded, logger, numberArg, repeated, UsageError, withStopSignal } from "../../pipeline/command-support";
import { deadLetterTopic } from "../../pipeline/documents";
import { parseBrokers } from "../../pipeline/kafka";
import { publish, submitDumps } from "../../pipeline/publish";
import path from "node:path";

export const publishCommand = defineCommand({
  meta: { name: "publish", description: "Publish export documents (JSON lines) to Kafka, one topic per kind; --follow tails logs that sessions still write" },
  args: {
    paths: { type: "positional", description: "JSON-lines files, or folders of *.jsonl / *.ndjson files (and their rotations)", required: true },
    brokers: { type: "string", description: `Kafka brokers, HOST:PORT,... (default ${DEFAULT_BROKERS})` },
    "topic-prefix": { type: "string", description: `topics are <prefix>.<kind> and <prefix>.dead-letter (default ${DEFAULT_PREFIX})` },
    follow: { type: "boolean", description: "keep reading what is appended, new files in the folders, and rotated files, until Ctrl-C" },
    checkpoints: { type: "string", description: "folder of the per-file checkpoints (default: per brokers and prefix under ~/.local/state/ewmda/publish)" },
    "from-start": { type: "boolean", description: "ignore the checkpoints and publish every file from its start" },
    "max-document-bytes": { type: "string", description: "larger documents go to the dead-letter topic (default 921600)" },
    compression: { type: "string", description: "gzip or none (default gzip)" },
    partitions: { type: "string", description: "partitions of topics this run creates (default 3; 6 for the dumps topic)" },
    dumps: { type: "boolean", description: "the arguments are dump files: publish their paths to <prefix>.dumps for ewmda worker" },
    pattern: { type: "string", description: "with --dumps: analyses or patterns the workers run (repeatable; default Triage)" },
    progress: { type: "boolean", description: "print progress on standard error every second (default: when it is a terminal)" },
    verbose: { type: "boolean", description: "print the Kafka client's connection and group events on standard error" },
  },
  async run({ args, rawArgs }) {
    await guarded("publish", async () => {
      const inputs = args._.map(String);
      if (inputs.length === 0) throw new UsageError("name at least one file or folder");
      const brokers = parseBrokers(args.brokers ?? DEFAULT_BROKERS);
      const prefix = args["topic-prefix"] ?? DEFAULT_PREFIX;
      const compression = args.compression ?? "gzip";
      if (compression !== "gzip" && compression !== "none") throw new UsageError("--compression must be gzip or none");
      const partitions = numberArg(args.partitions, "partitions", undefined);
      const log = logger("publish");
      if (args.dumps) {
        const n = await submitDumps({ brokers, prefix, dumps: inputs.map((d) => path.resolve(d)), patterns: repeated(rawArgs, "pattern"), partitions, verbose: args.verbose });
        process.stdout.write(`ewmda publish: ${n} dump${n === 1 ? "" : "s"} queued on ${prefix}.dumps\n`);
        return;
      }
      const tally = await withStopSignal((signal) => publish({
        brokers, prefix, inputs, follow: args.follow === true,
        checkpoints: args.checkpoints, fromStart: args["from-start"] === true,
        maxDocumentBytes: numberArg(args["max-document-bytes"], "max-document-bytes", undefined),
        compression, partitions, signal, log,
        progress: args.progress ?? process.stderr.isTTY === true, verbose: args.verbose,
      }));
      const lines = tally.summary("ewmda publish", "published");
      if (tally.rejected > 0) lines.push(`  rejected lines are on ${deadLetterTopic(prefix)} with their reasons`);
      process.stdout.write(lines.join("\n") + "\n");
    });
  },
});

export default publishCommand;

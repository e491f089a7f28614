/**
 * `ewmda worker --group NAME`: one of a group of workers sharing the dumps queued on `<prefix>.dumps`
 * (`ewmda publish --dumps`): each runs `ewmda analyze` on its dumps and publishes the documents.
 */
import { defineCommand } from "citty";
import { DEFAULT_BROKERS, DEFAULT_PREFIX, guarded, logger, numberArg, withStopSignal } from "../../pipeline/command-support";
import { parseBrokers } from "../../pipeline/kafka";
import { runWorker } from "../../pipeline/worker";

export const workerCommand = defineCommand({
  meta: { name: "worker", description: "Analyze the dumps queued on <prefix>.dumps and publish the findings; workers of one group share the dumps" },
  args: {
    brokers: { type: "string", description: `Kafka brokers, HOST:PORT,... (default ${DEFAULT_BROKERS})` },
    "topic-prefix": { type: "string", description: `topics are <prefix>.dumps and <prefix>.<kind> (default ${DEFAULT_PREFIX})` },
    group: { type: "string", description: "consumer group of the workers (default ewmda-workers)" },
    "idle-exit": { type: "string", description: "stop after this many seconds without a dump (default: run until Ctrl-C)" },
    verbose: { type: "boolean", description: "print the Kafka client's connection and group events on standard error" },
  },
  async run({ args }) {
    await guarded("worker", async () => {
      const idle = numberArg(args["idle-exit"], "idle-exit", undefined);
      const r = await withStopSignal((signal) => runWorker({
        brokers: parseBrokers(args.brokers ?? DEFAULT_BROKERS), prefix: args["topic-prefix"] ?? DEFAULT_PREFIX,
        group: args.group ?? "ewmda-workers", idleExitMs: idle === undefined ? undefined : idle * 1000,
        signal, log: logger("worker"), verbose: args.verbose,
      }));
      const lines = [`ewmda worker: ${r.dumps} dumps analyzed (${r.failed} failed), ${r.documents.done} documents published, ${r.documents.rejected} rejected`];
      for (const e of r.documents.examples) lines.push(`    ${e}`);
      process.stdout.write(lines.join("\n") + "\n");
    });
  },
});

export default workerCommand;

/**
 * The event-stream commands as a program of their own (`node --import tsx test/pipeline/ewmda-pipeline.ts
 * publish ...`), so the tests run them as processes (to kill them) before they are part of bin/ewmda.mjs.
 */
import { defineCommand, runMain } from "citty";
import { consumeCommand } from "../../src/cli/commands/consume";
import { publishCommand } from "../../src/cli/commands/publish";
import { queryCommand } from "../../src/cli/commands/query";
import { storeCommand } from "../../src/cli/commands/store";
import { workerCommand } from "../../src/cli/commands/worker";

void runMain(defineCommand({
  meta: { name: "ewmda", description: "ewmda's event-stream commands" },
  subCommands: { publish: publishCommand, consume: consumeCommand, worker: workerCommand, store: storeCommand, query: queryCommand },
}));

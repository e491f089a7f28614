/**
 * `ewmda report` and `ewmda plot` run from the TypeScript sources (node --import tsx scripts/ewmda-viz.ts
 * report ...), for the tests and the benchmark, whether or not the commands are registered in src/cli/main.ts.
 */
import { defineCommand, runMain } from "citty";
import { plotCommand } from "../src/cli/commands/plot";
import { reportCommand } from "../src/cli/commands/report";

void runMain(defineCommand({
  meta: { name: "ewmda", description: "ewmda's chart commands" },
  subCommands: { report: reportCommand, plot: plotCommand },
}));

/**
 * Exit statuses of the chart commands, the same as the rest of `ewmda`: 0 done, 1 an input that cannot be used
 * (one line on standard error says which and why), 2 a usage error, 3 an internal error (with its stack).
 */
import { MinidumpError } from "../minidump/types";
import { VizInputError } from "./tables";

export class VizUsageError extends Error {}

export async function guarded(command: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof VizUsageError) {
      process.stderr.write(`ewmda ${command}: ${e.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof VizInputError || e instanceof MinidumpError || code === "ENOENT" || code === "EISDIR" || code === "EACCES") {
      process.stderr.write(`ewmda ${command}: ${(e as Error).message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`ewmda ${command}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 3;
    }
  }
}

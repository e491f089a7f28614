/**
 * What the event-stream commands (src/cli/commands/*.ts) share: exit statuses as the rest of the command
 * line has them (0 done, 1 a failure with a one-line reason, 2 a usage error), stopping cleanly on the
 * first Ctrl-C or SIGTERM (a second one ends the process at once), and repeated options.
 */
export class UsageError extends Error {}

/** A signal that aborts on SIGINT or SIGTERM while `fn` runs. */
export async function withStopSignal<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === "SIGINT" ? 130 : 143);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Runs a command body: a usage error exits 2, any other error 1, each with one line on standard error. */
export async function guarded(command: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`ewmda ${command}: ${err instanceof UsageError ? "" : "error: "}${err?.message ?? String(e)}\n`);
    if (process.env.EWMDA_DEBUG && err?.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}

export function logger(command: string): (message: string) => void {
  return (message) => process.stderr.write(`ewmda ${command}: ${message}\n`);
}

/** Values of a repeatable option (`--pattern A --pattern B`, `--pattern=A`). */
export function repeated(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i]!;
    if (a === `--${name}` && i + 1 < raw.length) out.push(raw[++i]!);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out;
}

/** A positive number option, or its default. */
export function numberArg(value: unknown, name: string, fallback: number | undefined): number | undefined {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number (got ${String(value)})`);
  return n;
}

/** Where the brokers are by default: Kafka's own default address. */
export const DEFAULT_BROKERS = "127.0.0.1:9092";
export const DEFAULT_PREFIX = "ewmda";

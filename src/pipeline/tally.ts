/**
 * Counts of one run (documents read, stored or published, rejected by reason), the progress line on
 * standard error while it runs, and the summary at its end.
 */
import type { RejectCategory } from "./documents";

const EXAMPLES = 10;

export class Tally {
  read = 0;
  /** Published (publish, worker) or stored (consume, store). */
  done = 0;
  rejected = 0;
  bytes = 0;
  readonly byCategory = new Map<string, number>();
  readonly examples: string[] = [];
  readonly started = Date.now();

  reject(source: string, category: RejectCategory | "analysis-failed", reason: string): void {
    this.rejected++;
    this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + 1);
    if (this.examples.length < EXAMPLES) this.examples.push(`${source}: ${reason}`);
  }

  seconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** `12000 read, 11990 published, 10 rejected, 2.1 MB/s` */
  line(verb: string): string {
    const s = Math.max(this.seconds(), 1e-3);
    return `${this.read} read, ${this.done} ${verb}, ${this.rejected} rejected (${Math.round(this.done / s)} documents/s, ${(this.bytes / s / 1e6).toFixed(1)} MB/s)`;
  }

  /** The summary: the counts, the rejections by kind, and the first few reasons. */
  summary(command: string, verb: string): string[] {
    const out = [`${command}: ${this.read} documents read, ${this.done} ${verb}, ${this.rejected} rejected in ${this.seconds().toFixed(1)} s`];
    if (this.rejected > 0) {
      out.push(`  rejected: ${[...this.byCategory].map(([c, n]) => `${n} ${c}`).join(", ")}`);
      for (const e of this.examples) out.push(`    ${e}`);
      if (this.rejected > this.examples.length) out.push(`    ... and ${this.rejected - this.examples.length} more`);
    }
    return out;
  }
}

/** Prints `label: <tally line>` on standard error every second while enabled. */
export function startProgress(label: string, verb: string, tally: Tally, enabled: boolean): () => void {
  if (!enabled) return () => undefined;
  const timer = setInterval(() => process.stderr.write(`${label}: ${tally.line(verb)}\n`), 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Retries `fn` while it fails with errors `transient` accepts, until `giveUpAt` (epoch ms) or the signal aborts. */
export async function retrying<T>(
  what: string,
  fn: () => Promise<T>,
  opts: { transient: (e: unknown) => boolean; giveUpAt: number; signal?: AbortSignal; log?: (m: string) => void; onWait?: () => Promise<void> },
): Promise<T> {
  let delay = 200;
  let announced = false;
  for (;;) {
    try {
      const r = await fn();
      if (announced) opts.log?.(`${what}: succeeded again`);
      return r;
    } catch (e) {
      if (!opts.transient(e) || Date.now() + delay > opts.giveUpAt || opts.signal?.aborted) throw e;
      if (!announced) opts.log?.(`${what} failed (${(e as Error).message}); retrying`);
      announced = true;
      await opts.onWait?.().catch(() => undefined);
      await sleep(delay, opts.signal);
      delay = Math.min(delay * 2, 3000);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

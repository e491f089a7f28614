import { performance } from "node:perf_hooks";
/** What every benchmark prints: `BENCH <name> <value> <unit>` lines, and the median of repeated timings. */
export function bench(name: string, value: number, unit: string): void {
  console.log(`BENCH ${name} ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface NaiveComparison {
  readonly rows: number;
  readonly naiveRows: number;
  readonly ewmdaCalls: number;
  readonly naiveCalls: number;
  readonly ewmdaDetail: { readonly [kind: string]: number };
  readonly naiveDetail: { readonly [kind: string]: number };
  readonly ewmdaMs: readonly number[];
  readonly naiveMs: readonly number[];
}

/** The part of a debugger the comparison needs (EmulatedDebugger has it). */
interface CountingDebugger {
  dx(expression: string): unknown;
  readonly counters: { reset(): void; readonly total: number; snapshot(): { readonly [kind: string]: number } };
}

/**
 * One ewmda dx expression against a naive script's function on the same loaded debugger: host calls by kind
 * (deterministic) and wall times over `runs` alternating runs. The first ewmda call of a session also creates
 * `@$ewmda` (one command), so a warm-up call is left out of the count.
 */
export function compareWithNaive(dbg: CountingDebugger, expression: string, naive: () => readonly unknown[], runs: number): NaiveComparison {
  const runEwmda = () => { let n = 0; for (const _ of dbg.dx(expression) as Iterable<unknown>) n++; return n; };
  const runNaive = () => naive().length;
  runEwmda();
  dbg.counters.reset();
  const rows = runEwmda();
  const ewmdaCalls = dbg.counters.total;
  const ewmdaDetail = dbg.counters.snapshot();
  dbg.counters.reset();
  const naiveRows = runNaive();
  const naiveCalls = dbg.counters.total;
  const naiveDetail = dbg.counters.snapshot();
  const time = (fn: () => void) => { const t0 = performance.now(); fn(); return performance.now() - t0; };
  const ewmdaMs: number[] = [];
  const naiveMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    ewmdaMs.push(time(runEwmda));
    naiveMs.push(time(runNaive));
  }
  return { rows, naiveRows, ewmdaCalls, naiveCalls, ewmdaDetail, naiveDetail, ewmdaMs, naiveMs };
}

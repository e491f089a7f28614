/**
 * `npm run bench`: RawStack over a synthetic 1 MiB x64 stack whose values are mostly non-pointers, run
 * through the built dist/ewmda.js on the emulated provider, beside a naive per-slot scan (one memory read
 * and one symbol look-up per slot) run in the same process on the same target. Prints `BENCH` lines:
 * host calls per 100 scanned words (deterministic) and wall time (median of several runs; noisy on
 * shared machines, read the ratio).
 */
import { performance } from "node:perf_hooks";
import { EmulatedDebugger } from "../src/emulator";
import { bundleText } from "../test/helpers";
import { userTarget } from "../test/mocks/user-target";
import { bench, median } from "./report";

const STACK_BYTES = 0x100000;
const WORDS = STACK_BYTES / 8;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);



// A deterministic pseudo-random stack: 97% small integers and random data, 2% pointers into modules
// (64 distinct targets), 1% pointers into the stack itself.
function buildTarget() {
  let seed = 0x12345678;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  const builder = userTarget().thread({ tid: 0x1a4, stackSize: STACK_BYTES, liveBytes: 0x8000 });
  const probe = builder.build();
  const ntdll = probe.at.module("ntdll");
  const kernel32 = probe.at.module("kernel32");
  const stackBase = probe.at.stackBase(0x1a4);
  const fill = (slot: number): bigint => {
    const r = rand() % 100;
    if (r < 2) return (slot % 2 ? ntdll + 0x9d4c0n : kernel32 + 0x17030n) + BigInt((rand() % 32) * 0x10);
    if (r < 3) return stackBase - BigInt(8 + (rand() % 0x1000) * 8);
    if (r < 60) return BigInt(rand() % 0x10000);
    return (BigInt(rand() & 0x7fff) << 32n) | BigInt(rand());
  };
  return userTarget().thread({ tid: 0x1a4, stackSize: STACK_BYTES, liveBytes: 0x8000, fill }).build();
}

const NAIVE = `"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function naiveScan() {
  var teb = host.currentThread.Environment.EnvironmentBlock;
  var base = teb.NtTib.StackBase.address, limit = teb.NtTib.StackLimit.address;
  var rows = [];
  for (var a = limit; a.compareTo(base) < 0; a = a.add(8)) {
    var v = host.memory.readMemoryValues(a, 1, 8)[0];
    var s = null;
    try { s = host.getModuleContainingSymbolInformation(v); } catch (e) { s = null; }
    if (s) rows.push({ Address: a, Value: v, Symbol: s.name });
  }
  return rows.length;
}`;

const t = buildTarget();
const dbg = new EmulatedDebugger(t.spec);
dbg.scriptLoad(bundleText(), "C:\\tools\\ewmda.js");
const naive = dbg.scriptLoad(NAIVE, "C:\\tools\\naive.js");

// Host calls (deterministic).
dbg.counters.reset();
const result = dbg.dx("Debugger.Utility.Ewmda.RawStack()") as Iterable<unknown>;
let shown = 0;
for (const _ of result) shown++;
const ewmdaCalls = dbg.counters.total;
const ewmdaDetail = dbg.counters.snapshot();
dbg.counters.reset();
const naiveRows = (naive.global.naiveScan as () => number)();
const naiveCalls = dbg.counters.total;

// Wall time.
const time = (fn: () => void) => { const t0 = performance.now(); fn(); return performance.now() - t0; };
const ewmdaMs: number[] = [];
const naiveMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  ewmdaMs.push(time(() => { for (const _ of dbg.dx("Debugger.Utility.Ewmda.RawStack()") as Iterable<unknown>) void _; }));
  naiveMs.push(time(() => (naive.global.naiveScan as () => number)()));
}

console.log(`# RawStack over a ${STACK_BYTES / 1024} KiB x64 stack (${WORDS} words): ${shown} rows shown; naive scan found ${naiveRows} symbolic slots`);
console.log(`# ewmda host calls by kind: ${JSON.stringify(ewmdaDetail)}`);
bench("rawstack_host_calls_per_100_words", (ewmdaCalls / WORDS) * 100, "calls");
bench("naive_host_calls_per_100_words", (naiveCalls / WORDS) * 100, "calls");
bench("rawstack_host_calls", ewmdaCalls, "calls");
bench("naive_host_calls", naiveCalls, "calls");
bench("rawstack_wall_median", median(ewmdaMs), "ms");
bench("naive_wall_median", median(naiveMs), "ms");
bench("rawstack_speedup_vs_naive", median(naiveMs) / median(ewmdaMs), "x");
bench("rawstack_call_reduction_vs_naive", naiveCalls / ewmdaCalls, "x");

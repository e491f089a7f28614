/**
 * `npm run bench` (memory analyses): RegionProfile over a synthetic 16 MiB x64 region and ValueReferences over
 * a 100-thread process, run through the built dist/ewmda.js on the emulated provider, each beside a naive
 * per-slot script (one memory read and, for the profile, one symbol look-up per slot) run in the same process
 * on the same target. Prints `BENCH` lines: host calls (deterministic) and rows or slots per second (median of
 * several runs; noisy on shared machines, read the ratios).
 */
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { EmulatedDebugger } from "../src/emulator";
import { bundleText } from "../test/helpers";
import { HEAP_BASE, userTarget } from "../test/mocks/user-target";
import { bench, median } from "./report";

const REGION_BYTES = 16 * 1024 * 1024;
const REGION_SLOTS = REGION_BYTES / 8;
const THREADS = 100;
const STACK_BYTES = 0x10000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NEEDLE = 0x0000_01d0_dead_bee0n;

function rng(seed: number) {
  return () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
}

/** 16 MiB of heap-like data: 57% small integers, 2% pointers into two modules (64 distinct targets), 1% into a stack, the rest random. */
function regionTarget() {
  const probe = userTarget().thread({ tid: 0x1a4 }).build();
  const ntdll = probe.at.module("ntdll");
  const kernel32 = probe.at.module("kernel32");
  const stackBase = probe.at.stackBase(0x1a4);
  const rand = rng(0x12345678);
  const bytes = new Uint8Array(REGION_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < REGION_SLOTS; i++) {
    const r = rand() % 100;
    let v: bigint;
    if (r < 2) v = (i % 2 ? ntdll + 0x9d4c0n : kernel32 + 0x17030n) + BigInt((rand() % 32) * 0x10);
    else if (r < 3) v = stackBase - BigInt(8 + (rand() % 0x100) * 8);
    else if (r < 60) v = BigInt(rand() % 0x10000);
    else v = (BigInt(rand() & 0x7fff) << 32n) | BigInt(rand());
    view.setBigUint64(i * 8, v, true);
  }
  return userTarget().thread({ tid: 0x1a4 }).memory(HEAP_BASE.x64, bytes).build();
}

/** 100 threads with 64 KiB stacks of random data; every tenth holds the needle twice. */
function processTarget() {
  let b = userTarget();
  for (let t = 0; t < THREADS; t++) {
    const rand = rng(0x1000 + t);
    const planted = t % 10 === 0;
    b = b.thread({ tid: 0x100 + t * 4, stackSize: STACK_BYTES, liveBytes: 0x2000, fill: (slot) => planted && (slot === 100 || slot === 7000) ? NEEDLE : BigInt(rand() % 0x100000) });
  }
  return b.build();
}

const NAIVE = `"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function naiveProfile(start, count) {
  var kinds = {};
  for (var i = 0; i < count; i++) {
    var v = host.memory.readMemoryValues(start.add(i * 8), 1, 8)[0];
    var s = null;
    try { s = host.getModuleContainingSymbolInformation(v); } catch (e) { s = null; }
    var k = s ? "symbol" : v.compareTo(0) == 0 ? "zero" : "value";
    kinds[k] = (kinds[k] || 0) + 1;
  }
  return count;
}
function naiveRefs(needle) {
  var hits = 0, slots = 0;
  for (var t of host.currentProcess.Threads) {
    var tib = t.Environment.EnvironmentBlock.NtTib;
    var base = tib.StackBase.address, limit = tib.StackLimit.address;
    for (var a = limit; a.compareTo(base) < 0; a = a.add(8)) {
      slots++;
      if (host.memory.readMemoryValues(a, 1, 8)[0].compareTo(needle) == 0) hits++;
    }
  }
  return hits;
}`;

const time = (fn: () => void) => { const t0 = performance.now(); fn(); return performance.now() - t0; };
const drain = (x: unknown) => { let n = 0; for (const _ of x as Iterable<unknown>) n++; return n; };

// ---- RegionProfile over 16 MiB ----
{
  const t = regionTarget();
  const dbg = new EmulatedDebugger(t.spec);
  dbg.scriptLoad(bundleText(), "C:\\tools\\ewmda.js");
  const naive = dbg.scriptLoad(NAIVE, "C:\\tools\\naive.js");
  const heap = "0x" + HEAP_BASE.x64.toString(16);
  const profileExpr = `Debugger.Utility.Ewmda.RegionProfile(${heap}, 0x${REGION_BYTES.toString(16)}, new { View = "profile" })`;
  // Streaming every slot row to a CSV file, over the first 2 MiB (262144 rows; the emulated file system appends per write).
  const exportBytes = 2 * 1024 * 1024;
  const exportExpr = `Debugger.Utility.Ewmda.RegionProfile(${heap}, 0x${exportBytes.toString(16)}, new { Export = "C:\\\\temp\\\\region.csv" })`;

  dbg.counters.reset();
  const rows = drain(dbg.dx(profileExpr));
  const profileCalls = dbg.counters.total;
  const profileDetail = dbg.counters.snapshot();
  dbg.counters.reset();
  const exported = dbg.dx(exportExpr) as Iterable<{ value?: { Evidence?: unknown } }>;
  const exportCalls = dbg.counters.total;
  const csv = dbg.fileSystem.hostPath("C:\\temp\\region.csv");
  // Rows, not lines: string fragments may hold line breaks (quoted, as RFC 4180 allows).
  let csvLines = 0;
  for (const r of exported) { const m = /^(\d+) slot rows written/.exec(String((r.value ?? r as { Evidence?: unknown }).Evidence)); if (m) csvLines = Number(m[1]); }

  // The naive script on a 1 MiB prefix (per-slot host calls are linear; the full region would take minutes).
  const naiveSlots = REGION_SLOTS / 16;
  const naiveFn = naive.global.naiveProfile as (start: unknown, count: number) => number;
  const start = dbg.int64.make(HEAP_BASE.x64);
  dbg.counters.reset();
  naiveFn(start, naiveSlots);
  const naiveCalls = dbg.counters.total;

  const profileMs: number[] = [];
  const exportMs: number[] = [];
  const naiveMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    profileMs.push(time(() => drain(dbg.dx(profileExpr))));
    exportMs.push(time(() => drain(dbg.dx(exportExpr))));
    naiveMs.push(time(() => naiveFn(start, naiveSlots)));
  }
  console.log(`# RegionProfile over a ${REGION_BYTES >> 20} MiB x64 region (${REGION_SLOTS} slots): ${rows} profile rows; Export of the first ${exportBytes >> 20} MiB wrote ${csvLines} CSV rows (${(statSync(csv).size / 1048576).toFixed(1)} MiB); naive script over the first ${naiveSlots} slots`);
  console.log(`# ewmda host calls by kind (profile): ${JSON.stringify(profileDetail)}`);
  bench("regionprofile_host_calls", profileCalls, "calls");
  bench("regionprofile_export_2mib_host_calls", exportCalls, "calls");
  bench("naive_profile_host_calls_per_slot", naiveCalls / naiveSlots, "calls");
  bench("regionprofile_host_calls_per_1000_slots", (profileCalls / REGION_SLOTS) * 1000, "calls");
  bench("regionprofile_slots_per_s", REGION_SLOTS / (median(profileMs) / 1000), "rows/s");
  bench("regionprofile_export_rows_per_s", csvLines / (median(exportMs) / 1000), "rows/s");
  bench("naive_profile_slots_per_s", naiveSlots / (median(naiveMs) / 1000), "rows/s");
  bench("regionprofile_speedup_vs_naive", (REGION_SLOTS / median(profileMs)) / (naiveSlots / median(naiveMs)), "x");
  bench("regionprofile_call_reduction_vs_naive", (naiveCalls / naiveSlots) / (profileCalls / REGION_SLOTS), "x");
}

// ---- ValueReferences over 100 threads ----
{
  const t = processTarget();
  const dbg = new EmulatedDebugger(t.spec);
  dbg.scriptLoad(bundleText(), "C:\\tools\\ewmda.js");
  const naive = dbg.scriptLoad(NAIVE, "C:\\tools\\naive.js");
  const expr = `Debugger.Utility.Ewmda.ValueReferences(0x${NEEDLE.toString(16)}, "scope=stacks")`;
  const slots = THREADS * STACK_BYTES / 8;
  dbg.counters.reset();
  const rows = drain(dbg.dx(expr));
  const calls = dbg.counters.total;
  const naiveFn = naive.global.naiveRefs as (needle: unknown) => number;
  const needle = dbg.int64.make(NEEDLE);
  dbg.counters.reset();
  const naiveHits = naiveFn(needle);
  const naiveCalls = dbg.counters.total;
  const ms: number[] = [];
  const naiveMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ms.push(time(() => drain(dbg.dx(expr))));
    naiveMs.push(time(() => naiveFn(needle)));
  }
  console.log(`# ValueReferences over ${THREADS} threads x ${STACK_BYTES / 1024} KiB stacks (${slots} slots): ${rows - 1} locations found (naive: ${naiveHits})`);
  bench("valuerefs_host_calls", calls, "calls");
  bench("naive_valuerefs_host_calls", naiveCalls, "calls");
  bench("valuerefs_slots_per_s", slots / (median(ms) / 1000), "rows/s");
  bench("naive_valuerefs_slots_per_s", slots / (median(naiveMs) / 1000), "rows/s");
  bench("valuerefs_speedup_vs_naive", median(naiveMs) / median(ms), "x");
  bench("valuerefs_call_reduction_vs_naive", naiveCalls / calls, "x");
}

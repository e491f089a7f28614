/**
 * `npm run bench` (kernel part): ZombieProcesses and an all-threads collection (BlockedThreads and
 * SuspendedThreads, which read every thread of every process) on a fake kernel target with 1,000
 * processes and 20,000 threads, run through the built dist/ewmda.js on the emulated provider, beside a
 * naive script that walks the same lists with FromListEntry and reads each field as a typed property.
 * Prints `BENCH` lines: host calls (deterministic), calls per process / thread, and wall time (median of
 * several runs; noisy on shared machines, read the ratio).
 */
import { performance } from "node:perf_hooks";
import { EmulatedDebugger } from "../src/emulator";
import { bundleText } from "../test/helpers";
import { kernelTarget } from "../test/mocks/kernel-target";
import { bench, median } from "./report";

const PROCESSES = 1000; // System and 999 declared
const THREADS = 20000;
const ZOMBIES = 40;
const SYSTEM_THREADS = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NAMES = ["svchost.exe", "chrome.exe", "conhost.exe", "RuntimeBroker.exe", "sqlservr.exe", "w3wp.exe", "explorer.exe", "dllhost.exe"];

function buildTarget() {
  const at = (h: number, m = 0) => new Date(Date.UTC(2024, 0, 15, h, m));
  // Stacks are left out of the dump (addresses only): 20,000 mapped stacks would cost the builder, not the analysis.
  const b = kernelTarget({ processors: 8, kernelStackSize: 0, dumpTime: at(12), tickCount: 0x50000n });
  b.process({ pid: 4, name: "System", threadCount: SYSTEM_THREADS });
  const live = PROCESSES - 1 - ZOMBIES;
  const perProcess = Math.floor((THREADS - SYSTEM_THREADS) / live);
  let extra = THREADS - SYSTEM_THREADS - perProcess * live;
  let zombies = 0;
  for (let i = 0; i < PROCESSES - 1; i++) {
    const pid = 0x100 + i * 4;
    if (i % 24 === 23 && zombies < ZOMBIES) {
      zombies++;
      b.process({ pid, name: NAMES[i % NAMES.length]!, parentPid: 0x100, createTime: at(9), exitTime: at(10, i % 60), exitStatus: i % 2 ? 0xc0000005 : 0, handleCount: 1 });
      continue;
    }
    b.process({ pid, name: NAMES[i % NAMES.length]!, parentPid: i === 0 ? 4 : 0x100, threadCount: perProcess + (extra-- > 0 ? 1 : 0) });
  }
  return b.build();
}

/** What a script without the shared walker does: FromListEntry over both lists, each field a typed property. */
const NAIVE = `"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function naiveThreads() {
  var list = host.namespace.Debugger.Utility.Collections.FromListEntry;
  var n = 0;
  for (var p of list(host.getModuleSymbol("nt", "PsActiveProcessHead", "_LIST_ENTRY"), "nt!_EPROCESS", "ActiveProcessLinks")) {
    var pid = p.UniqueProcessId.address, name = p.ImageFileName;
    for (var t of list(p.ThreadListHead, "nt!_ETHREAD", "ThreadListEntry")) {
      var row = [t.Cid.UniqueThread.address, t.Tcb.State, t.Tcb.WaitReason, t.Tcb.WaitTime, t.Tcb.SuspendCount, t.Tcb.FreezeCount,
        t.Tcb.KernelTime, t.Tcb.UserTime, t.Terminated, t.CreateTime.QuadPart, t.Tcb.WaitBlockList.address];
      n++;
    }
  }
  return n;
}
function naiveZombies() {
  var list = host.namespace.Debugger.Utility.Collections.FromListEntry;
  var bodyOffset = host.getModuleType("nt", "_OBJECT_HEADER").fields.Body.offset;
  var z = 0;
  for (var p of list(host.getModuleSymbol("nt", "PsActiveProcessHead", "_LIST_ENTRY"), "nt!_EPROCESS", "ActiveProcessLinks")) {
    var row = [p.UniqueProcessId.address, p.ImageFileName, p.InheritedFromUniqueProcessId.address, p.CreateTime.QuadPart, p.ExitStatus];
    if (p.ObjectTable.isNull && p.ActiveThreads == 0 && String(p.ExitTime.QuadPart) !== "0") {
      var h = host.createTypedObject(p.address.subtract(bodyOffset), "nt", "_OBJECT_HEADER");
      row.push(p.ExitTime.QuadPart, h.PointerCount, h.HandleCount);
      z++;
    }
  }
  return z;
}`;

const t0 = performance.now();
const t = buildTarget();
const buildMs = performance.now() - t0;
const dbg = new EmulatedDebugger(t.spec);
dbg.scriptLoad(bundleText(), "C:\\tools\\ewmda.js");
const naive = dbg.scriptLoad(NAIVE, "C:\\tools\\naive.js");

const drain = (expr: string) => { let n = 0; for (const _ of dbg.dx(expr) as Iterable<unknown>) n++; return n; };
function calls(expr: string): { total: number; detail: unknown; rows: number; summary: string } {
  dbg.counters.reset();
  const result = dbg.dx(expr);
  let rows = 0;
  for (const _ of result as Iterable<unknown>) rows++;
  return { total: dbg.counters.total, detail: dbg.counters.snapshot(), rows, summary: String(result) };
}

const zombies = calls("Debugger.Utility.Ewmda.ZombieProcesses()");
const blocked = calls("Debugger.Utility.Ewmda.BlockedThreads()");
const suspended = calls("Debugger.Utility.Ewmda.SuspendedThreads()");
dbg.counters.reset();
const naiveCount = (naive.global.naiveThreads as () => number)();
const naiveCalls = dbg.counters.total;
dbg.counters.reset();
const naiveZombieCount = (naive.global.naiveZombies as () => number)();
const naiveZombieCalls = dbg.counters.total;

const time = (fn: () => void) => { const s = performance.now(); fn(); return performance.now() - s; };
const zMs: number[] = [];
const bMs: number[] = [];
const nMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  zMs.push(time(() => drain("Debugger.Utility.Ewmda.ZombieProcesses()")));
  bMs.push(time(() => drain("Debugger.Utility.Ewmda.BlockedThreads()")));
  nMs.push(time(() => (naive.global.naiveThreads as () => number)()));
}

const threadCount = t.spec.processes.filter((p) => p.id !== 0).reduce((n, p) => n + p.threads.length, 0);
console.log(`# kernel target: ${t.spec.processes.length - 1} listed processes (Idle not in the list), ${threadCount} threads besides the idle ones, built in ${Math.round(buildMs)} ms`);
console.log(`# ZombieProcesses: ${zombies.summary}`);
console.log(`#   host calls by kind: ${JSON.stringify(zombies.detail)}`);
console.log(`# BlockedThreads: ${blocked.summary}`);
console.log(`#   host calls by kind: ${JSON.stringify(blocked.detail)}`);
console.log(`# SuspendedThreads: ${suspended.summary}`);
console.log(`# naive typed walk read ${naiveCount} threads and found ${naiveZombieCount} zombies`);
bench("kernel_zombies_host_calls", zombies.total, "calls");
bench("kernel_zombies_calls_per_process", zombies.total / PROCESSES, "calls");
bench("kernel_naive_zombies_host_calls", naiveZombieCalls, "calls");
bench("kernel_zombies_call_reduction_vs_naive", naiveZombieCalls / zombies.total, "x");
bench("kernel_all_threads_host_calls", blocked.total, "calls");
bench("kernel_all_threads_calls_per_thread", blocked.total / THREADS, "calls");
bench("kernel_suspended_host_calls", suspended.total, "calls");
bench("kernel_naive_all_threads_host_calls", naiveCalls, "calls");
bench("kernel_all_threads_call_reduction_vs_naive", naiveCalls / blocked.total, "x");
bench("kernel_zombies_wall_median", median(zMs), "ms");
bench("kernel_all_threads_wall_median", median(bMs), "ms");
bench("kernel_naive_all_threads_wall_median", median(nMs), "ms");

/**
 * UniqueStacks over a synthetic 500-thread x64 process whose stacks repeat (36 distinct stacks of 4 to
 * 24 frames, most threads in a few of them, as in a server full of pool workers), run through the built
 * dist/ewmda.js on the emulated provider, beside a naive grouping script in the same process on the same
 * target: it walks each thread's frames and symbolizes every frame with a host call, without caching, as
 * a naive extension would. Prints `BENCH` lines: host calls (deterministic) and wall time (median of
 * several runs; noisy on shared machines, read the ratio).
 *
 * Run after `npm run build`: node --import tsx bench/unique-stacks.ts
 */
import { EmulatedDebugger } from "../src/emulator";
import { bundleText } from "../test/helpers";
import { userTarget } from "../test/mocks/user-target";
import { bench, compareWithNaive, median } from "./report";

const THREADS = 500;
const DISTINCT = 36;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);



// A deterministic process: an engine module with 48 functions, 36 stack shapes built from them (each
// ends in the usual thread start frames), threads spread over the shapes with a skew (shape k gets
// about twice the threads of shape k+4), so a few groups are large and many are small.
function buildTarget() {
  let seed = 0x2545f491;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 8; };
  const engine: Record<string, number> = {};
  for (let i = 0; i < 48; i++) engine[`Func${i}`] = 0x1000 + i * 0x400;
  const shapes: string[][] = [];
  const tops = ["ntdll!NtWaitForSingleObject+0x14", "ntdll!NtWaitForMultipleObjects+0x14", "ntdll!NtDelayExecution+0x14", "ntdll!NtRemoveIoCompletion+0x14"];
  for (let k = 0; k < DISTINCT; k++) {
    const depth = 2 + (rand() % 19);
    const frames = [tops[k % tops.length]!, "kernelbase!WaitForSingleObjectEx+0x8e"];
    for (let d = 0; d < depth; d++) frames.push(`engine!Func${rand() % 48}+0x${(0x10 + (rand() % 0x30) * 4).toString(16)}`);
    frames.push("kernel32!BaseThreadInitThunk+0x14", "ntdll!RtlUserThreadStart+0x21");
    shapes.push(frames);
  }
  const weights = shapes.map((_, k) => Math.pow(2, -k / 4));
  const total = weights.reduce((a, b) => a + b, 0);
  const b = userTarget().module({ name: "engine.dll", size: 0x40000, symbols: engine });
  for (let i = 0; i < THREADS; i++) {
    let r = (rand() / 0x1000000) * total;
    let k = 0;
    while (k < shapes.length - 1 && r >= weights[k]!) { r -= weights[k]!; k++; }
    b.thread({ tid: 0x100 + i * 4, frames: shapes[k]!, stackSize: 0x1000 });
  }
  return b.build();
}

const NAIVE = `"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function naiveUniqueStacks() {
  var groups = {};
  var order = [];
  for (var t of host.currentProcess.Threads) {
    var names = [];
    for (var f of t.Stack.Frames) {
      var ip = f.Attributes.InstructionOffset;
      var s = null;
      try { s = host.getModuleContainingSymbolInformation(ip); } catch (e) { s = null; }
      names.push(s ? s.name : ip.toString(16));
    }
    var key = names.join("\\n");
    if (!groups[key]) { groups[key] = []; order.push(key); }
    groups[key].push(t.Id);
  }
  order.sort(function (a, b) { return groups[b].length - groups[a].length; });
  return order.map(function (k) { return { Count: groups[k].length, Threads: groups[k].join(", "), Stack: k }; });
}`;

const t = buildTarget();
const dbg = new EmulatedDebugger(t.spec);
dbg.scriptLoad(bundleText(), "C:\\tools\\ewmda.js");
const naive = dbg.scriptLoad(NAIVE, "C:\\tools\\naive.js");
const { rows: groups, naiveRows: naiveGroups, ewmdaCalls, naiveCalls, ewmdaDetail, naiveDetail, ewmdaMs, naiveMs } = compareWithNaive(dbg, "Debugger.Utility.Ewmda.UniqueStacks()", naive.global.naiveUniqueStacks as () => unknown[], RUNS);

const frames = t.spec.processes[0]!.threads.reduce((n, th) => n + (th.frames?.length ?? 0), 0);
console.log(`# UniqueStacks over ${THREADS} x64 threads (${frames} frames, ${DISTINCT} stack shapes): ${groups} groups; naive script found ${naiveGroups}`);
console.log(`# ewmda host calls by kind: ${JSON.stringify(ewmdaDetail)}`);
console.log(`# naive host calls by kind: ${JSON.stringify(naiveDetail)}`);
bench("uniquestacks_host_calls", ewmdaCalls, "calls");
bench("uniquestacks_host_calls_per_thread", ewmdaCalls / THREADS, "calls");
bench("naive_uniquestacks_host_calls", naiveCalls, "calls");
bench("naive_uniquestacks_host_calls_per_thread", naiveCalls / THREADS, "calls");
// On a real debugger symbol look-ups go to the symbol engine; property reads stay in the data model.
bench("uniquestacks_symbol_lookups", ewmdaDetail.symbolLookups!, "calls");
bench("naive_uniquestacks_symbol_lookups", naiveDetail.symbolLookups!, "calls");
bench("uniquestacks_wall_median", median(ewmdaMs), "ms");
bench("naive_uniquestacks_wall_median", median(naiveMs), "ms");
bench("uniquestacks_speedup_vs_naive", median(naiveMs) / median(ewmdaMs), "x");
bench("uniquestacks_call_reduction_vs_naive", naiveCalls / ewmdaCalls, "x");

import { defineAnalysis, type Row } from "../lib/analysis";
import { fnv1a64 } from "../lib/doc-id";
import { appendDocuments, choosePath } from "../lib/document-file";
import { describeTargetInfo, snapshotDocument, type CountedPart, type RegionTotal, type SnapshotModule, type SnapshotThread } from "../lib/export-json";
import { hex, toNumber } from "../lib/int64";
import { parseAddress } from "../lib/parse-address";
import { isRunawayError, parseRunaway, type ThreadTimes } from "../lib/parse-runaway";
import { parseSessionTime } from "../lib/parse-time";
import { runCommand } from "../lib/run-command";
import type { Target } from "../lib/target";
import { errorMessage, Unavailable } from "../lib/values";

const DEFAULT_FILE = "ewmda-snapshots.jsonl";

type RegionTable = { [section: string]: { [name: string]: RegionTotal } };
type HandleCounts = { total: number; byType: { [type: string]: number } };

/**
 * Step Dumps (patterns.md §33): one snapshot document of the target (docs/schema.md, `ewmda.snapshot`)
 * appended to a JSON-lines file, so that two or more dumps of the same process can be compared outside the
 * debugger with `ewmda diff a.jsonl b.jsonl`: which threads appeared or vanished, which stacks appeared,
 * which modules were loaded or unloaded, which handle types grew, how the memory regions changed.
 *
 * The pattern: dumps written a short time apart show change: a thread whose stack is the same in every
 * step is stuck, a growing handle count is a leak, a thread whose CPU time grows by a core per second spins.
 *
 * What the snapshot holds: when the dump was written (`.time`); the processes the session lists; every thread of the current process with its
 * stack signature (FNV-1a 64 of the function names, frame 0 first; equal signatures are the same stack), its
 * top functions and, in user dumps with the thread-time stream, its CPU times (`!runaway 7`); the modules
 * (name, path, base, size); handle counts per object type (`Process.Io.Handles`: user dumps written with
 * handle data, kernel targets); memory totals per usage, type and state (`!address`, user mode). A part the
 * dump cannot give is marked not available with the reason, never left as zero.
 *
 * False positives: none (it records). For comparisons keep in mind that thread ids are reused and that
 * dumps written by different tools differ in what they contain (thread times, handle data).
 *
 * Settings: `File` (where snapshots go; empty: ewmda-snapshots.jsonl in the debugger's temp directory),
 * `MaxFrames` (function names kept per thread; the signature covers the whole stack).
 *
 * @function Snapshot
 * @memberof Ewmda
 * @param {string} [file] JSON-lines file to append the snapshot to (default: `Config.Snapshot.File`, else ewmda-snapshots.jsonl in the temp directory).
 * @returns {ResultSet} A Snapshot row (file and document id), then Thread, Module, Handles and Region rows (what the document holds), and Info rows for parts the dump lacks: Kind, Name, Thread, Frames, Top, Signature, UserMs, KernelMs, Address, Count, Size, File, Id.
 * @example dx @$ewmda.Snapshot()
 * @example dx @$ewmda.Snapshot("C:\\cases\\42\\step1.jsonl")
 * @example dx -g @$ewmda.Snapshot().Where(r => r.Kind == "Handles")
 * @example !ewmda.snapshot
 * @example !ewmda.snapshot "C:\\cases\\42\\step2.jsonl"
 */
export const snapshot = defineAnalysis({
  meta: {
    name: "Snapshot",
    command: "snapshot",
    summary: "Writes one snapshot of the target (threads and stack signatures, modules, handles per type, memory totals) for comparing step dumps",
    patterns: ["Step Dumps"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "file", help: "JSON-lines file to append the snapshot to (default: Config.Snapshot.File, else ewmda-snapshots.jsonl in the temp directory)", optional: true },
    ],
    options: [],
    columns: [
      { name: "Kind", type: "string", help: "Snapshot (where the document went), Process, Thread, Module, Handles (one object type), Region (one usage, type or state total)" },
      { name: "Name", type: "string", help: "Process or thread name, module file name, handle type, or region total (Usage Heap, State MEM_COMMIT...)" },
      { name: "Thread", type: "hex", help: "Thread id (Thread rows) or process id (Process rows)" },
      { name: "Frames", type: "int", help: "Number of frames of the thread's stack" },
      { name: "Top", type: "string", help: "The thread's frame 0 (function)" },
      { name: "Signature", type: "string", help: "FNV-1a 64 of the thread's function names: equal signatures are the same stack" },
      { name: "UserMs", type: "int", help: "User-mode CPU time of the thread (milliseconds, !runaway)", table: false },
      { name: "KernelMs", type: "int", help: "Kernel-mode CPU time of the thread (milliseconds, !runaway)", table: false },
      { name: "Address", type: "address", help: "Module base address" },
      { name: "Count", type: "int", help: "Handles of the type, or regions in the total" },
      { name: "Size", type: "hex", help: "Module size, or bytes in the region total" },
      { name: "File", type: "string", help: "The file the snapshot document was appended to", table: false },
      { name: "Id", type: "string", help: "The snapshot document's id (the same content gives the same id)", table: false },
    ],
    settings: {
      File: { default: "", help: "File the snapshot documents are appended to (empty: ewmda-snapshots.jsonl in the debugger's temp directory)", reason: "one file collects the steps of a case; ewmda diff compares the snapshots of two files" },
      MaxFrames: { default: 64, help: "Function names kept per thread in the snapshot (the signature covers every frame)", reason: "enough to tell stacks apart by eye; keeps a snapshot of 5,000 threads near 10 MB" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const path = choosePath(args[0], ctx.settings.File, DEFAULT_FILE);
    if (path === undefined) {
      ctx.summary("Snapshot: no file");
      yield { Kind: "Snapshot", Verdict: "Info", Evidence: "the file name is empty; give a path such as \"C:\\\\cases\\\\step1.jsonl\"", Source: "heuristic" };
      return;
    }
    const time = new Date();
    const processes = processList();
    const times = threadTimes(t);
    const threads = threadList(t, ctx.settings.MaxFrames, times.byTid);
    const loaded = t.modules().modules;
    const modules: SnapshotModule[] = loaded.map((m) => ({ name: m.name, path: m.path, base: hex(m.base), size: m.size }));
    const handles = handleCounts(t);
    const regions = regionTotals(t);
    const doc = snapshotDocument({ time, dumpTime: dumpTime(), processes, threads, threadTimes: { available: times.available, reason: times.reason }, modules, handles, regions }, describeTargetInfo(t));
    const id = (doc as { id: string }).id;
    const written = appendDocuments(path, [doc]);
    const counts = threads.length + " threads (" + distinct(threads) + " distinct stacks), " + modules.length + " modules" +
      (handles.value ? ", " + handles.value.total + " handles" : "") + (regions.value && regions.value.Usage ? ", " + Object.keys(regions.value.Usage).length + " region usages" : "");
    if (typeof written === "string") {
      ctx.summary("Snapshot: not written: " + written);
      yield { Kind: "Snapshot", Id: id, Verdict: "Info", Evidence: "the snapshot (" + counts + ") could not be written: " + written, Source: "typed" };
    } else {
      ctx.summary("Snapshot: " + counts + "; document " + id + " appended to " + path);
      yield { Kind: "Snapshot", Name: path, File: path, Id: id, Count: threads.length, Verdict: "Info", Evidence: "snapshot " + id + " of " + counts + " appended to " + path, Source: "typed" };
    }
    for (const p of processes) yield { Kind: "Process", Name: p.name, Thread: p.id, Verdict: "Info", Evidence: "|. (process 0x" + p.id.toString(16) + " " + p.name + ")", Source: "typed" };
    if (!times.available) yield { Kind: "Thread", Verdict: "Info", Evidence: "thread CPU times not in the snapshot: " + times.reason, Source: "command" };
    for (const th of threads) {
      const row: { [k: string]: unknown } = {
        Kind: "Thread", Name: th.name ?? undefined, Thread: th.id, Frames: th.frameCount ?? undefined, Top: th.top ?? undefined, Signature: th.signature ?? undefined,
        Verdict: "Info", Evidence: "~~[0x" + th.id.toString(16) + "]k" + (th.stackError ? " (" + th.stackError + ")" : ""), Source: "typed",
      };
      if (th.times) { row.UserMs = th.times.userMs ?? undefined; row.KernelMs = th.times.kernelMs ?? undefined; }
      yield row as Row;
    }
    for (const m of loaded) {
      yield { Kind: "Module", Name: m.name, Address: m.base, Size: m.size, Verdict: "Info", Evidence: "lm m " + m.symbolName, Source: "typed" };
    }
    if (handles.value) {
      for (const type of Object.keys(handles.value.byType).sort()) {
        yield { Kind: "Handles", Name: type, Count: handles.value.byType[type], Verdict: "Info", Evidence: "!handle 0 0 " + type, Source: "typed" };
      }
    } else {
      yield { Kind: "Handles", Verdict: "Info", Evidence: "handle counts not in the snapshot: " + handles.reason, Source: "typed" };
    }
    if (regions.value) {
      for (const section of Object.keys(regions.value)) {
        const table = regions.value[section]!;
        for (const name of Object.keys(table).sort()) {
          yield { Kind: "Region", Name: section + " " + name, Count: table[name]!.count, Size: table[name]!.bytes, Verdict: "Info", Evidence: "!address -summary", Source: "command" };
        }
      }
    } else {
      yield { Kind: "Region", Verdict: "Info", Evidence: "memory totals not in the snapshot: " + regions.reason, Source: "command" };
    }
  },

  rowText(row) {
    switch (row.Kind) {
      case "Thread": return row.Thread === undefined ? String(row.Evidence) : "Thread 0x" + Number(row.Thread).toString(16) + ": " + String(row.Frames ?? "?") + " frames, " + String(row.Top ?? "?") + " [" + String(row.Signature ?? "") + "]";
      case "Module": return "Module " + String(row.Name);
      case "Handles": return row.Name === undefined ? String(row.Evidence) : "Handles " + String(row.Name) + ": " + String(row.Count);
      case "Region": return row.Name === undefined ? String(row.Evidence) : "Region " + String(row.Name) + ": " + String(row.Count) + " regions, " + String(row.Size) + " bytes";
      case "Process": return "Process 0x" + Number(row.Thread).toString(16) + " " + String(row.Name);
      default: return String(row.Evidence);
    }
  },
});

/** When the dump was written: `.time`'s debug session time, as ISO 8601 UTC. */
function dumpTime(): string | null {
  const out = runCommand(".time");
  if (out instanceof Unavailable) return null;
  const t = parseSessionTime(out);
  if (!t) return null;
  const d = new Date(t.utcMs);
  return isNaN(d.getTime()) ? null : d.toISOString();
}

function distinct(threads: readonly SnapshotThread[]): number {
  const seen: { [s: string]: true } = {};
  let n = 0;
  for (const t of threads) if (t.signature !== null && !seen[t.signature]) { seen[t.signature] = true; n++; }
  return n;
}

function processList(): { id: number; name: string }[] {
  const out: { id: number; name: string }[] = [];
  try {
    for (const p of host.currentSession.Processes) {
      try { out.push({ id: toNumber(p.Id), name: String(p.Name) }); } catch (e) { /* a process without an id is left out */ }
    }
  } catch (e) { /* no process list */ }
  return out;
}

function threadTimes(t: Target): { available: boolean; reason: string | null; byTid: { [tid: number]: ThreadTimes } } {
  const byTid: { [tid: number]: ThreadTimes } = {};
  if (t.isKernel()) return { available: false, reason: "!runaway reads user-mode thread times; kernel thread times are in each KTHREAD", byTid };
  const out = runCommand("!runaway 7");
  if (out instanceof Unavailable) return { available: false, reason: out.reason, byTid };
  const parsed = parseRunaway(out);
  if (isRunawayError(parsed)) return { available: false, reason: "!runaway 7: " + parsed.error, byTid };
  for (const th of parsed.threads) byTid[th.tid] = th;
  return { available: true, reason: null, byTid };
}

function threadList(t: Target, maxFrames: number, times: { [tid: number]: ThreadTimes }): SnapshotThread[] {
  return t.threads().map((ref) => {
    const s = t.threadStack(ref);
    let name: string | null = null;
    try { const n: unknown = ref.model.Name; if (typeof n === "string" && n !== "") name = n; } catch (e) { name = null; }
    const tm = times[ref.id];
    const timesJson = tm ? { userMs: tm.userMs ?? null, kernelMs: tm.kernelMs ?? null, elapsedMs: tm.elapsedMs ?? null } : null;
    if (s.frames instanceof Unavailable) {
      return { id: ref.id, name, frameCount: null, stackError: s.frames.reason, signature: null, stack: [], top: null, times: timesJson };
    }
    const frames = s.frames;
    return {
      id: ref.id, name, frameCount: frames.length, stackError: null,
      signature: frames.length ? fnv1a64(s.signature) : null,
      stack: frames.slice(0, maxFrames).map((f) => f.func),
      top: frames.length ? frames[0]!.func : null,
      times: timesJson,
    };
  });
}

function handleCounts(t: Target): CountedPart<HandleCounts> {
  let io: { Handles: Iterable<DbgModel.Handle> } | undefined;
  try { io = t.process.Io as { Handles: Iterable<DbgModel.Handle> } | undefined; } catch (e) { io = undefined; }
  if (!io) {
    return { available: false, reason: "the dump has no handle data (Process.Io is missing: write the dump with handle data, .dump /mh or procdump -ma)", source: null, value: null };
  }
  const byType: { [type: string]: number } = {};
  let total = 0;
  try {
    for (const h of io.Handles) {
      let type = "";
      try { type = String(h.Type); } catch (e) { type = ""; }
      if (type === "" || type === "undefined") type = "(unknown)";
      byType[type] = (byType[type] || 0) + 1;
      total++;
    }
  } catch (e) {
    return { available: false, reason: "Process.Io.Handles could not be read: " + errorMessage(e), source: null, value: null };
  }
  return { available: true, reason: null, source: "typed", value: { total, byType } };
}

/** Totals of `!address` regions per usage, type and state (count and bytes), as `!address -summary` sums them. */
function regionTotals(t: Target): CountedPart<RegionTable> {
  if (t.isKernel()) return { available: false, reason: "!address lists user-mode regions only", source: null, value: null };
  const out = runCommand("!address");
  if (out instanceof Unavailable) return { available: false, reason: out.reason, source: null, value: null };
  const listing = parseAddress(out);
  if (listing.regions.length === 0) {
    const first = listing.unparsed.length ? listing.unparsed[0]!.trim().slice(0, 120) : "";
    // The extension that implements !address is not loaded (or not in this debugger): that says nothing about the dump.
    if (/no export .* found|is not extension gallery command|unknown command|not recognized/i.test(first)) {
      return { available: false, reason: "!address is not available in this debugger (it said: " + first + "); the dump's memory-info stream, if any, was not read", source: null, value: null };
    }
    return { available: false, reason: "!address listed no regions (the dump has no memory-info stream" + (first ? "; it said: " + first : "") + ")", source: null, value: null };
  }
  const sums: { [section: string]: { [name: string]: { count: number; bytes: number } } } = { Usage: {}, Type: {}, State: {} };
  const add = (section: string, name: string, bytes: number) => {
    const table = sums[section]!;
    const e = table[name] || (table[name] = { count: 0, bytes: 0 });
    e.count++;
    e.bytes += bytes;
  };
  for (const r of listing.regions) {
    const bytes = (r.endHi - r.baseHi) * 4294967296 + (r.endLo - r.baseLo);
    add("Usage", r.usage || "<unknown>", bytes);
    if (r.type) add("Type", r.type, bytes);
    add("State", r.state, bytes);
  }
  const value: RegionTable = {};
  for (const section of Object.keys(sums)) {
    const table: { [name: string]: RegionTotal } = {};
    for (const name of Object.keys(sums[section]!)) table[name] = { count: sums[section]![name]!.count, bytes: hex(sums[section]![name]!.bytes) };
    value[section] = table;
  }
  return { available: true, reason: null, source: "command", value };
}

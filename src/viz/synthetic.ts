/**
 * Synthetic region tables and export documents with the shape of RawStack's rows (Thread, Address, Value,
 * Kind, Symbol, Module, Live) and of UniqueStacks / Handles / Triage documents, for the chart tests, the
 * notebook test and the benchmark. Deterministic (seeded); no byte of a real dump goes into them. Rows are
 * streamed to the file, so a million-row table never sits in memory.
 */
import { createWriteStream } from "node:fs";
import { VERSION } from "../lib/version";

interface SynthModule { readonly name: string; readonly base: bigint; readonly functions: readonly string[] }

const MODULES: readonly SynthModule[] = [
  { name: "app.exe", base: 0x7ff6_1000_0000n, functions: ["main", "render::Scene::draw", "render::Scene::cull", "net::Socket::recv", "std::vector<int,std::allocator<int> >::push_back", "app::Worker::run"] },
  { name: "ntdll.dll", base: 0x7ffb_2000_0000n, functions: ["NtWaitForSingleObject", "RtlUserThreadStart", "RtlpWaitOnCriticalSection", "NtDelayExecution"] },
  { name: "kernel32.dll", base: 0x7ffb_1e00_0000n, functions: ["BaseThreadInitThunk", "Sleep", "WaitForSingleObjectEx"] },
  { name: "ucrtbase.dll", base: 0x7ffb_1c00_0000n, functions: ["malloc", "free", "memcpy"] },
  { name: "combase.dll", base: 0x7ffb_1a00_0000n, functions: ["Microsoft::WRL::Details::RuntimeClassImpl::AddRef", "CoWaitForMultipleHandles"] },
  { name: "engine.dll", base: 0x7ffa_5000_0000n, functions: ["v8::internal::Isolate::Run", "v8::internal::Heap::CollectGarbage", "Concurrency::details::SchedulerBase::Run"] },
  { name: "plugin.dll", base: 0x7ffa_4000_0000n, functions: ["PluginMain", "plugin::Hook::Call"] },
];

/** Share of slots per kind, roughly what RawStack sees on a busy process's stacks. */
const KINDS: readonly [string, number][] = [
  ["CodePointer", 0.2], ["ImagePointer", 0.08], ["DataPointer", 0.1], ["StackPointer", 0.2],
  ["OtherStackPointer", 0.03], ["Value", 0.37], ["Unreadable", 0.02],
];

export const SYNTH_COLUMNS = ["Thread", "Address", "Value", "Kind", "Symbol", "Module", "Live"] as const;
export type SynthRow = Partial<Record<(typeof SYNTH_COLUMNS)[number], string | boolean>>;

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SynthOptions {
  readonly rows: number;
  readonly threads?: number;
  readonly seed?: number;
}

export const threadId = (i: number) => `0x${(0x1a4 + i * 0xc).toString(16)}`;
const stackBase = (i: number) => 0xe8_0000_0000n + BigInt(i) * 0x10_0000n;
const hex = (v: bigint) => `0x${v.toString(16)}`;

/** The rows of a synthetic region table, thread after thread, each thread's slots in address order. */
export function* synthRegionRows(o: SynthOptions): Generator<SynthRow> {
  const rand = prng(o.seed ?? 11);
  const threads = Math.max(1, o.threads ?? 24);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  // Threads differ: each leans on a few modules, so the heat map has a pattern to show.
  const favourites = Array.from({ length: threads }, (_, i) => [MODULES[i % MODULES.length]!, MODULES[(i * 3 + 1) % MODULES.length]!, MODULES[1]!]);
  for (let i = 0; i < threads; i++) {
    const count = Math.floor(o.rows / threads) + (i < o.rows % threads ? 1 : 0);
    const base = stackBase(i);
    const sp = base + BigInt(Math.floor(count * 8 * 0.4)) * 1n;
    for (let s = 0; s < count; s++) {
      const address = base + BigInt(s * 8);
      const r = rand();
      let acc = 0;
      let kind = KINDS[KINDS.length - 1]![0];
      for (const [k, share] of KINDS) { acc += share; if (r < acc) { kind = k; break; } }
      const row: SynthRow = { Thread: threadId(i), Address: hex(address), Kind: kind, Live: address >= sp };
      if (kind === "CodePointer" || kind === "ImagePointer" || kind === "DataPointer") {
        const m = rand() < 0.8 ? pick(favourites[i]!) : pick(MODULES);
        const f = Math.floor(rand() * m.functions.length);
        const offset = kind === "DataPointer" ? 0x200000 + Math.floor(rand() * 0x1000) * 8 : 0x1000 + f * 0x400 + Math.floor(rand() * 0x100);
        row.Value = hex(m.base + BigInt(offset));
        row.Module = m.name;
        const mod = m.name.replace(/\.[^.]+$/, "");
        row.Symbol = kind === "DataPointer" ? `${mod}+0x${offset.toString(16)}` : `${mod}!${m.functions[f]}+0x${(offset - 0x1000 - f * 0x400).toString(16)}`;
      } else if (kind === "StackPointer") {
        row.Value = hex(base + BigInt(Math.floor(rand() * count) * 8));
      } else if (kind === "OtherStackPointer") {
        row.Value = hex(stackBase(Math.floor(rand() * threads)) + BigInt(Math.floor(rand() * 0x1000) * 8));
      } else if (kind === "Value") {
        const v = rand();
        row.Value = v < 0.45 ? "0x0" : v < 0.75 ? hex(BigInt(Math.floor(rand() * 0x10000))) : v < 0.82 ? pick(["0xc0000005", "0x80070057", "0xc000000d"]) : hex(BigInt(Math.floor(rand() * 2 ** 32)) * 0x1_0000_0000n + BigInt(Math.floor(rand() * 2 ** 32)));
      }
      yield row;
    }
  }
}

function csvField(v: string | boolean | undefined): string {
  if (v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes a synthetic region table as CSV (`.csv`) or JSON lines (anything else); resolves to the row count. */
export async function writeSynthRegionTable(file: string, o: SynthOptions): Promise<number> {
  const csv = file.toLowerCase().endsWith(".csv");
  const out = createWriteStream(file);
  const write = async (s: string) => { if (!out.write(s)) await new Promise<void>((r) => out.once("drain", () => r())); };
  if (csv) await write(SYNTH_COLUMNS.join(",") + "\n");
  let n = 0;
  let chunk = "";
  for (const row of synthRegionRows(o)) {
    chunk += csv ? SYNTH_COLUMNS.map((c) => csvField(row[c])).join(",") + "\n" : JSON.stringify(row) + "\n";
    if (++n % 4096 === 0) { await write(chunk); chunk = ""; }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return n;
}

/** An export document (docs/schema.md) around synthetic rows. */
function document(name: string, command: string, patterns: string[], summary: string, columns: [string, string][], rows: Record<string, unknown>[]): Record<string, unknown> {
  return {
    schema: "ewmda.result", schemaVersion: 1, tool: { name: "ewmda", version: VERSION },
    target: { kind: "user", dumpFile: "synthetic.dmp", processId: 4242, processName: "app.exe", pointerSize: 8, arch: "x64" },
    analysis: { name, command, version: "1.0.0", patterns },
    time: "2026-01-01T00:00:00.000Z", summary, partial: false,
    columns: [...columns, ["Verdict", "verdict"], ["Evidence", "string"], ["Source", "string"]].map(([n, t]) => ({ name: n, type: t })),
    rows,
  };
}

/** UniqueStacks, Handles (as Type and Count) and Triage documents of the same synthetic process. */
export function synthDocuments(threads = 24): Record<string, unknown>[] {
  const rand = prng(5);
  const tops = ["ntdll!NtWaitForSingleObject", "ntdll!NtDelayExecution", "app!render::Scene::draw", "engine!v8::internal::Isolate::Run", "combase!CoWaitForMultipleHandles"];
  const waits = ["sync-object", "sleep", "running", "running", "com-wait"];
  const groups = new Map<number, string[]>();
  for (let i = 0; i < threads; i++) {
    const g = Math.min(tops.length - 1, Math.floor(rand() * rand() * tops.length));
    groups.set(g, (groups.get(g) ?? []).concat(threadId(i)));
  }
  const stacks = [...groups.entries()].sort((a, b) => b[1].length - a[1].length).map(([g, ids]) => ({
    Count: ids.length, Threads: ids.join(", "), FirstThread: ids[0], Wait: waits[g], WaitReason: tops[g], TopFrame: tops[g], FrameCount: 6,
    Stack: `${tops[g]}\nkernel32!BaseThreadInitThunk\nntdll!RtlUserThreadStart`, Verdict: "Info", Evidence: `~~[${ids[0]}]kn`, Source: "typed",
  }));
  const handleCounts: [string, number][] = [["Event", 412], ["File", 97], ["Key", 61], ["Section", 33], ["Thread", threads], ["Mutant", 12], ["Semaphore", 9], ["WaitCompletionPacket", 44]];
  return [
    document("Triage", "triage", ["Eventual (Evental) Dumps"], "Triage: 1 positive finding(s) from 3 analyses", [["Section", "string"], ["Pattern", "string"], ["Analysis", "string"], ["Finding", "string"], ["Command", "string"]], [
      { Section: "Event", Pattern: "Eventual (Evental) Dumps", Analysis: "Triage", Finding: "written for an exception: STATUS_ACCESS_VIOLATION at app!render::Scene::draw+0x1c on thread 0x1a4", Command: "dx Debugger.Utility.Ewmda.ExceptionStackTraces()", Verdict: "Positive", Evidence: ".exr -1; .ecxr; kn", Source: "command" },
      { Section: "Clean", Pattern: "Wait Chain (Critical Sections)", Analysis: "LockWaitChains", Finding: "0 critical sections with waiters", Command: "dx Debugger.Utility.Ewmda.LockWaitChains()", Verdict: "Negative", Evidence: "!cs -l", Source: "typed" },
    ]),
    document("UniqueStacks", "uniqstack", ["Stack Trace Collection (Unmanaged Space)"], `UniqueStacks: ${stacks.length} distinct stacks among ${threads} threads`,
      [["Count", "int"], ["Threads", "string"], ["FirstThread", "hex"], ["Wait", "string"], ["WaitReason", "string"], ["TopFrame", "string"], ["FrameCount", "int"], ["Stack", "string"]], stacks),
    document("Handles", "handles", ["Handle Limit (GDI, kernel space)"], `Handles: ${handleCounts.reduce((s, [, n]) => s + n, 0)} handles`, [["Type", "string"], ["Count", "int"]],
      handleCounts.map(([Type, Count]) => ({ Type, Count, Verdict: "Info", Evidence: `!handle 0 0 ${Type}`, Source: "command" }))),
  ];
}

/** RawStack export documents (one per thread) of a synthetic region table, for tests of document input. */
export function synthRawStackDocuments(o: SynthOptions): Record<string, unknown>[] {
  const byThread = new Map<string, Record<string, unknown>[]>();
  for (const r of synthRegionRows(o)) {
    if (r.Kind === "Value") continue; // RawStack leaves plain values out unless asked for All
    const row: Record<string, unknown> = { ...r, Verdict: "Info", Evidence: `dps ${r.Address} L1`, Source: "typed" };
    if (r.Kind === "Unreadable") { row.Value = null; row._absent = { Value: "unreadable: not in the dump" }; }
    const list = byThread.get(String(r.Thread));
    if (list) list.push(row);
    else byThread.set(String(r.Thread), [row]);
  }
  const cols: [string, string][] = [["Thread", "hex"], ["Address", "address"], ["Value", "address"], ["Kind", "string"], ["Symbol", "string"], ["Module", "string"], ["Live", "bool"]];
  return [...byThread.entries()].map(([tid, rows]) => document("RawStack", "rawstack", ["Execution Residue (Unmanaged Space, User)"], `RawStack thread ${tid}: ${rows.length} shown`, cols, rows));
}

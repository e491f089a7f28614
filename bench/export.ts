/**
 * Document ids on the export path (src/lib/doc-id.ts): every `ewmda.result` document hashes the canonical
 * JSON of all its rows, every `ewmda.finding` / `ewmda.row` document the canonical JSON of its row. The
 * baseline is the first implementation (build the canonical JSON text, encode it to a UTF-8 byte array,
 * hash the bytes with four 16-bit limbs); the current one hashes the canonical text while walking the value.
 * Both must give the same ids (checked here on every document). Documents: every analysis's result on a
 * real dump when ../shared/testdata has it (`ewmda analyze <dump> --all --json`), and synthetic RawStack-like
 * rows. Prints `BENCH <name> <value> <unit>` (median of several runs; noisy on shared machines, read the ratio).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { analyze, selectAnalyses } from "../src/cli/analyze";
import { openSession } from "../src/cli/session";
import { documentId } from "../src/lib/doc-id";
import { bench, median } from "./report";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DUMP = path.resolve(import.meta.dirname, "..", "..", "shared", "testdata", "dumps", "breakpad", "stack_exhaustion.dmp");

// ---------------------------------------------------------------- the baseline (the first doc-id.ts)

function oldCanonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") return isFinite(value) ? JSON.stringify(value) : "null";
  if (Array.isArray(value)) return "[" + value.map((v) => (v === undefined ? "null" : oldCanonicalJson(v))).join(",") + "]";
  if (typeof value === "object") {
    const o = value as { [key: string]: unknown };
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + oldCanonicalJson(o[k])).join(",") + "}";
  }
  return JSON.stringify(String(value));
}

function oldUtf8Bytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; } else { c = 0xfffd; }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

const hex4 = (n: number) => { const s = n.toString(16); return "0000".slice(s.length) + s; };

function oldFnv1a64(text: string): string {
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  const bytes = oldUtf8Bytes(text);
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i]!;
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    let t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16; t2 += t1 >>> 16; t3 += t2 >>> 16;
    h0 = t0 & 0xffff; h1 = t1 & 0xffff; h2 = t2 & 0xffff; h3 = t3 & 0xffff;
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0);
}

const oldDocumentId = (parts: object) => oldFnv1a64(oldCanonicalJson(parts));

// ---------------------------------------------------------------- documents

type Doc = Record<string, any>;

/** The identifying parts of every result document and of every row as a row document. */
function idParts(docs: readonly Doc[]): object[] {
  const out: object[] = [];
  for (const d of docs) {
    out.push({ schema: d.schema, target: d.target, analysis: d.analysis, summary: d.summary, partial: d.partial, columns: d.columns, rows: d.rows });
    for (const row of d.rows as object[]) out.push({ schema: "ewmda.row", target: d.target, analysis: { name: d.analysis.name, version: d.analysis.version }, section: null, pattern: d.analysis.patterns[0] ?? null, row });
  }
  return out;
}

function realDocuments(): Doc[] | undefined {
  if (!existsSync(DUMP)) return undefined;
  const s = openSession(DUMP);
  try {
    return analyze(s, selectAnalyses([], true), "json", () => undefined).documents as Doc[];
  } finally {
    s.close();
  }
}

function syntheticDocuments(): Doc[] {
  const rows: Doc[] = [];
  for (let i = 0; i < 5000; i++) {
    rows.push({
      Thread: "0x1a4", Address: "0x" + (0xe8000fc000 + i * 8).toString(16), Value: "0x" + (0x7ff80009d8b4 + i * 13).toString(16),
      Kind: i % 3 ? "CodePointer" : "StackPointer", Symbol: "ntdll!NtDelayExecution+0x" + (i % 256).toString(16), Module: "ntdll.dll",
      ReturnAddress: null, _absent: { ReturnAddress: "unreadable: code bytes before the value are not in the dump" }, Live: i % 2 === 0,
      Verdict: "Info", Evidence: "dps 000000e8`000fc000 L1", Source: "typed",
    });
  }
  return [{
    schema: "ewmda.result", target: { kind: "user", dumpFile: "C:\\dumps\\Fälle\\app.dmp", processId: 0x1234, processName: "app.exe", pointerSize: 8, arch: "x64" },
    analysis: { name: "RawStack", command: "rawstack", version: "1.0.0", patterns: ["Execution Residue (Unmanaged Space, User)"] },
    summary: "RawStack thread 0x1a4", partial: false, columns: Object.keys(rows[0]!).filter((k) => k !== "_absent").map((name) => ({ name, type: "string" })), rows,
  }];
}

function time(parts: readonly object[], id: (p: object) => string): number {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (const p of parts) id(p);
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

function run(name: string, docs: readonly Doc[]): void {
  const parts = idParts(docs);
  const bytes = parts.reduce((n: number, p) => n + Buffer.byteLength(oldCanonicalJson(p)), 0);
  for (const p of parts) {
    if (documentId(p as { [k: string]: unknown }) !== oldDocumentId(p)) throw new Error(`${name}: the ids differ for ${oldCanonicalJson(p).slice(0, 200)}`);
  }
  const before = time(parts, oldDocumentId);
  const after = time(parts, (p) => documentId(p as { [k: string]: unknown }));
  bench(`export.${name}.documents`, parts.length, "ids");
  bench(`export.${name}.canonical_bytes`, bytes, "bytes");
  bench(`export.${name}.ids_baseline`, before, "ms");
  bench(`export.${name}.ids`, after, "ms");
  bench(`export.${name}.speedup`, before / after, "x");
}

run("synthetic_rawstack", syntheticDocuments());
const real = realDocuments();
if (real) run("stack_exhaustion_all", real);
else console.log(`(no ${DUMP}: the real-dump figures are left out)`);

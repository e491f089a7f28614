/**
 * Export documents for the event-stream tests: valid `ewmda.result` v1 documents (schema/), each different
 * (so each has its own id), spread over a few targets, and the broken lines the tests feed beside them.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { contentDocumentId, documentId } from "../../src/pipeline/ids";

export interface FixtureOptions {
  /** How many different targets (dump files) the documents come from. */
  readonly targets?: number;
  /** Rows per document (each about 150 bytes). */
  readonly rows?: number;
  /** Distinguishes the documents of one test run from another's. */
  readonly tag?: string;
  readonly start?: number;
}

/** The i-th document of a set. */
export function resultDocument(i: number, options: FixtureOptions = {}): Record<string, unknown> {
  const targets = options.targets ?? 4;
  const rows = options.rows ?? 2;
  const tag = options.tag ?? "t";
  return {
    schema: "ewmda.result",
    schemaVersion: 1,
    tool: { name: "ewmda", version: "0.1.0" },
    target: { kind: "user", dumpFile: `C:\\dumps\\${tag}-${i % targets}.dmp`, processId: 4000 + (i % targets), processName: "app.exe", pointerSize: 8, arch: "x64" },
    analysis: { name: "RawStack", command: "rawstack", version: "1.0.0", patterns: ["Execution Residue"] },
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i % 1000)).toISOString(),
    summary: `RawStack ${tag} document ${i}`,
    partial: false,
    columns: [{ name: "Address", type: "address" }, { name: "Verdict", type: "verdict" }, { name: "Evidence", type: "string" }, { name: "Source", type: "string" }],
    rows: Array.from({ length: rows }, (_, r) => ({ Address: `0x${(0x7ff800000000 + i * 16 + r).toString(16)}`, Verdict: r === 0 ? "Positive" : "Info", Evidence: `dps 0x${(i * 16 + r).toString(16)} L1 (document ${i} row ${r})`, Source: "typed" })),
  };
}

export function resultDocuments(n: number, options: FixtureOptions = {}): Record<string, unknown>[] {
  const start = options.start ?? 0;
  return Array.from({ length: n }, (_, i) => resultDocument(start + i, options));
}

export const lines = (docs: readonly unknown[]): string => docs.map((d) => JSON.stringify(d) + "\n").join("");

export function idsOf(docs: readonly Record<string, unknown>[]): string[] {
  return docs.map((d) => documentId(d)).sort();
}

export { contentDocumentId };

/** A fresh temporary folder. */
export function tempDir(name: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `ewmda-${name}-`));
}

export function writeLines(file: string, docs: readonly unknown[]): void {
  writeFileSync(file, lines(docs));
}

/** Broken lines, each with the category of its rejection. */
export function brokenLines(maxBytes: number): { text: string; category: string }[] {
  const wrongVersion = { ...resultDocument(1_000_001), schemaVersion: 7 };
  const badSchema = { ...resultDocument(1_000_002), target: { kind: "user" } };
  const unknown = { schema: "ewmda.nonsense", schemaVersion: 1 };
  const big = resultDocument(1_000_003, { rows: Math.ceil(maxBytes / 100) + 10 });
  return [
    { text: "{not json", category: "malformed" },
    { text: JSON.stringify(wrongVersion), category: "unsupported-version" },
    { text: JSON.stringify(badSchema), category: "schema" },
    { text: JSON.stringify(unknown), category: "unknown-kind" },
    { text: JSON.stringify(big), category: "oversized" },
  ];
}

/** Services the integration tests use, from .ci/services.sh (undefined when not running). */
export const KAFKA = process.env.EWMDA_KAFKA;
export const MONGO = process.env.EWMDA_MONGO;
export const REPO = path.resolve(import.meta.dirname, "..", "..");
export const SERVICES_SCRIPT = path.join(REPO, ".ci", "services.sh");

/** Runs the event-stream commands as a process (test/pipeline/ewmda-pipeline.ts) and waits for it. */
export function runPipeline(args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", PIPELINE_ENTRY, ...args], {
    cwd: REPO, encoding: "utf8", timeout: options.timeoutMs ?? 120_000, env: { ...process.env, ...options.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the event-stream commands as a process, for tests that kill it. */
export function spawnPipeline(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", PIPELINE_ENTRY, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

export const PIPELINE_ENTRY = path.join(REPO, "test", "pipeline", "ewmda-pipeline.ts");

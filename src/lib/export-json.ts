/**
 * The export face: versioned JSON document shapes, the same from WinDbg and from the Linux runner. The
 * contract is docs/schema.md (one JSON Schema per kind in schema/):
 * - `ewmda.result`: one analysis result (`dx @$ewmda.RawStack().ToJson()`, `ewmda analyze --json`);
 * - `ewmda.finding` / `ewmda.row`: one row of a result as its own document (`!ewmda.export`), findings for
 *   the analyses that give findings (and Triage), rows for listings and tables;
 * - `ewmda.command`: one logged debugger command (`!ewmda.log`);
 * - `ewmda.snapshot`: one snapshot of the target for Step Dumps (`!ewmda.snapshot`).
 * 64-bit values and addresses are "0x..." strings (JSON numbers lose precision past 2^53); a value that
 * could not be read is null with the reason in `_absent`. Every document carries a stable `id` (doc-id.ts).
 */
import type { Analysis, AnalysisMeta, AnalysisResult, ColumnSpec, Row } from "./analysis";
import { BASE_COLUMNS } from "./analysis";
import { documentId } from "./doc-id";
import { hex, isInt64, toNumber } from "./int64";
import type { Target } from "./target";
import { errorMessage, Unavailable } from "./values";
import { VERSION } from "./version";

export const SCHEMA_NAME = "ewmda.result";
export const SCHEMA_VERSION = 1;
export const FINDING_SCHEMA = "ewmda.finding";
export const ROW_SCHEMA = "ewmda.row";
export const COMMAND_SCHEMA = "ewmda.command";
export const SNAPSHOT_SCHEMA = "ewmda.snapshot";
/** Version of the finding, row, command and snapshot shapes (each kind is versioned on its own; all are 1 today). */
export const DOCUMENT_VERSION = 1;

const TOOL = { name: "ewmda", version: VERSION };

/** The target as version 1 of `ewmda.result` describes it (its fields are fixed by that schema). */
export interface TargetDescription {
  readonly kind: "user" | "kernel";
  readonly dumpFile: string | null;
  readonly processId: number | null;
  readonly processName: string | null;
  readonly pointerSize: number;
  readonly arch: string;
}

/** The target of the newer document kinds: version 1's fields plus the OS build. */
export interface TargetInfo extends TargetDescription {
  /** Windows build number (PEB.OSBuildNumber in user mode, nt!NtBuildNumber in kernel mode), null when unknown. */
  readonly osBuild: number | null;
}

/** What the target is, as far as the data model says (every field may be null when the debugger does not know). */
export function describeTarget(t: Target): TargetDescription {
  let dumpFile: string | null = null;
  let processId: number | null = null;
  let processName: string | null = null;
  try {
    const name = host.currentSession.Attributes.Target.Details.DumpFileName;
    if (typeof name === "string" && name !== "") dumpFile = name;
  } catch (e) { /* not a dump, or the attribute is missing */ }
  try { processId = Number(t.process.Id); } catch (e) { processId = null; }
  try { processName = String(t.process.Name); } catch (e) { processName = null; }
  return { kind: t.isKernel() ? "kernel" : "user", dumpFile, processId, processName, pointerSize: t.pointerSize(), arch: t.architecture() };
}

/** describeTarget plus the OS build. */
export function describeTargetInfo(t: Target): TargetInfo {
  const d = describeTarget(t);
  return { kind: d.kind, dumpFile: d.dumpFile, processId: d.processId, processName: d.processName, pointerSize: d.pointerSize, arch: d.arch, osBuild: osBuild(t) };
}

function osBuild(t: Target): number | null {
  try {
    if (t.isKernel()) {
      const at = host.getModuleSymbolAddress("nt", "NtBuildNumber");
      const words = host.memory.readMemoryValues(at, 1, 4, false);
      // The high nibble marks a checked or free build; the low 16 bits are the build number.
      return (words[0]! & 0xffff) || null;
    }
    const peb = t.process.Environment.EnvironmentBlock as unknown as { OSBuildNumber?: unknown } | undefined;
    if (!peb) return null;
    const n = toNumber(peb.OSBuildNumber);
    return n > 0 ? n : null;
  } catch (e) {
    return null;
  }
}

// ---------------------------------------------------------------- rows

function jsonValue(v: unknown, column: ColumnSpec): unknown {
  if (v === undefined) return undefined;
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  // Addresses and hex ids are always "0x..." strings, whatever JS type carried them.
  if ((column.type === "address" || column.type === "hex") && typeof v === "number" && v >= 0 && v === Math.floor(v)) return hex(v);
  if (typeof v === "number") return isFinite(v) ? v : String(v);
  if (isInt64(v)) {
    // Counts that arrive as 64-bit values stay numbers while exact; past 2^53 they are hex like every 64-bit value.
    if (column.type === "int") { try { return toNumber(v); } catch (e) { return hex(v); } }
    return hex(v);
  }
  if (v instanceof Unavailable) return null;
  return String(v);
}

/** One row as JSON: values by column (left out when not applicable), `_absent` for unreadable ones. */
export function rowJson(row: Row, columns: readonly ColumnSpec[]): { [key: string]: unknown } {
  const out: { [key: string]: unknown } = {};
  const absent: { [key: string]: string } = {};
  let anyAbsent = false;
  for (const c of columns) {
    const v = row[c.name];
    if (v instanceof Unavailable) {
      absent[c.name] = v.kind + ": " + v.reason;
      anyAbsent = true;
    }
    const j = jsonValue(v, c);
    if (j !== undefined) out[c.name] = j;
  }
  if (anyAbsent) out._absent = absent;
  return out;
}

/** A result's columns with the common ones, as documents list them. */
export function resultColumns(meta: AnalysisMeta): ColumnSpec[] {
  return meta.columns.concat(BASE_COLUMNS);
}

function analysisJson(meta: AnalysisMeta): object {
  return { name: meta.name, command: meta.command, version: meta.version, patterns: meta.patterns };
}

/** The target's identity in ids: the same dump seen the same way. */
function targetKey(target: TargetDescription): object {
  return { kind: target.kind, dumpFile: target.dumpFile, processId: target.processId, processName: target.processName, pointerSize: target.pointerSize, arch: target.arch };
}

// ---------------------------------------------------------------- ewmda.result

/** The export document of one analysis result. */
export function toDocument(result: AnalysisResult, target: TargetDescription, now: Date = new Date()): object {
  const columns = resultColumns(result.meta);
  const rows = result.rows.map((row) => rowJson(row, columns));
  const columnList = columns.map((c) => ({ name: c.name, type: c.type }));
  const analysis = analysisJson(result.meta);
  return {
    schema: SCHEMA_NAME,
    schemaVersion: SCHEMA_VERSION,
    id: documentId({ schema: SCHEMA_NAME, target: targetKey(target), analysis, summary: result.summary, partial: result.partial, columns: columnList, rows }),
    tool: TOOL,
    target,
    analysis,
    time: now.toISOString(),
    summary: result.summary,
    partial: result.partial,
    columns: columnList,
    rows,
  };
}

/** JSON text of a document; never throws (a serialization problem becomes a minimal error document). */
export function toJsonText(result: AnalysisResult, target: TargetDescription): string {
  try {
    return JSON.stringify(toDocument(result, target));
  } catch (e) {
    return JSON.stringify({ schema: SCHEMA_NAME, schemaVersion: SCHEMA_VERSION, error: errorMessage(e), summary: result.summary });
  }
}

// ---------------------------------------------------------------- ewmda.finding / ewmda.row

/** Whether an analysis's rows are findings (it gives findings, or it is Triage) or rows of a listing. */
export function givesFindings(meta: AnalysisMeta): boolean {
  return meta.triage !== false || meta.name === "Triage";
}

/** One document per row of a result. Triage's rows name the analysis that found them; that analysis is the document's `analysis`. */
export function rowDocuments(result: AnalysisResult, target: TargetInfo, analyses: readonly Analysis[], now: Date = new Date()): object[] {
  const meta = result.meta;
  const triage = meta.name === "Triage";
  const schema = givesFindings(meta) ? FINDING_SCHEMA : ROW_SCHEMA;
  const columns = resultColumns(meta);
  const columnList = columns.map((c) => ({ name: c.name, type: c.type }));
  const time = now.toISOString();
  return result.rows.map((row, index) => {
    let origin: AnalysisMeta = meta;
    if (triage && typeof row.Analysis === "string") {
      for (const a of analyses) if (a.meta.name === row.Analysis) origin = a.meta;
    }
    const pattern = triage ? (typeof row.Pattern === "string" ? row.Pattern : null) : (meta.patterns[0] !== undefined ? meta.patterns[0] : null);
    const section = triage && typeof row.Section === "string" ? row.Section : null;
    const values = rowJson(row, columns);
    let text: string;
    try {
      text = triage && typeof row.Finding === "string" ? row.Finding : analysisRowText(analyses, meta, row, result.pointerSize) || row.Evidence;
    } catch (e) {
      text = row.Evidence;
    }
    const analysis = analysisJson(origin);
    return {
      schema,
      schemaVersion: DOCUMENT_VERSION,
      id: documentId({ schema, target: targetKey(target), analysis: { name: origin.name, version: origin.version }, section, pattern, row: values }),
      tool: TOOL,
      target,
      time,
      analysis,
      pattern,
      section,
      rank: index,
      verdict: row.Verdict,
      evidence: row.Evidence,
      source: row.Source,
      text,
      command: triage && typeof row.Command === "string" ? row.Command : "dx Debugger.Utility.Ewmda." + meta.name + "()",
      partial: result.partial,
      via: triage ? "Triage" : null,
      columns: columnList,
      row: values,
    };
  });
}

function analysisRowText(analyses: readonly Analysis[], meta: AnalysisMeta, row: Row, pointerSize: number): string | undefined {
  for (const a of analyses) if (a.meta.name === meta.name && a.rowText) return a.rowText(row, { pointerSize });
  return undefined;
}

// ---------------------------------------------------------------- ewmda.command

/** Where the debugger stood when a command ran. */
export interface CommandContext {
  readonly processId: number | null;
  readonly threadId: number | null;
  /** The current frame number (`.frame`), null when the debugger does not say. */
  readonly frame: number | null;
}

/** One frame parsed from a stack command's output (values as in the document: "0x..." strings). */
export interface CommandFrame {
  readonly frame: number;
  readonly childSp: string | null;
  readonly returnAddress: string | null;
  readonly module: string | null;
  readonly function: string | null;
  readonly offset: string | null;
  /** A call site that is a bare address (no module). */
  readonly address: string | null;
  readonly callSite: string;
  readonly inline: boolean;
  /** `file @ line`, when the debugger printed source information. */
  readonly sourceLine: string | null;
}

export interface CommandStack {
  readonly thread: { readonly index: number | null; readonly processId: number | null; readonly threadId: number | null; readonly object: string | null };
  /** Unwind warnings the debugger printed with this stack. */
  readonly warnings: readonly string[];
  readonly frames: readonly CommandFrame[];
}

export interface CommandRecord {
  readonly command: string;
  readonly context: CommandContext;
  /** Output lines (at most the configured number; `lineCount` says how many there were). */
  readonly output: readonly string[];
  readonly lineCount: number;
  readonly error: string | null;
  readonly started: Date;
  readonly durationMs: number;
  /** Parsed frames for stack commands, null for other commands. */
  readonly stacks: readonly CommandStack[] | null;
}

export function commandDocument(r: CommandRecord, target: TargetInfo): object {
  return {
    schema: COMMAND_SCHEMA,
    schemaVersion: DOCUMENT_VERSION,
    id: documentId({ schema: COMMAND_SCHEMA, target: targetKey(target), command: r.command, context: r.context, error: r.error, lineCount: r.lineCount, output: r.output }),
    tool: TOOL,
    target,
    time: r.started.toISOString(),
    durationMs: r.durationMs,
    command: r.command,
    context: r.context,
    status: r.error === null ? "ok" : "error",
    error: r.error,
    lineCount: r.lineCount,
    truncated: r.output.length < r.lineCount,
    output: r.output,
    stacks: r.stacks,
  };
}

// ---------------------------------------------------------------- ewmda.snapshot

export interface SnapshotThread {
  readonly id: number;
  readonly name: string | null;
  readonly frameCount: number | null;
  /** Why the frames could not be read, when they could not. */
  readonly stackError: string | null;
  /** FNV-1a 64 of the stack's function names (frame 0 first, newline-separated); equal signatures are the same stack. */
  readonly signature: string | null;
  /** Function names from frame 0 (`ntdll!NtWaitForSingleObject`, `app+0x1234` without symbols), at most the configured number. */
  readonly stack: readonly string[];
  readonly top: string | null;
  readonly times: { readonly userMs: number | null; readonly kernelMs: number | null; readonly elapsedMs: number | null } | null;
}

export interface SnapshotModule { readonly name: string; readonly path: string; readonly base: string; readonly size: number }

export interface CountedPart<T> {
  readonly available: boolean;
  /** Why the part is empty, when it is not available. */
  readonly reason: string | null;
  readonly source: "typed" | "command" | null;
  readonly value: T | null;
}

export interface RegionTotal { readonly count: number; readonly bytes: string }

export interface SnapshotRecord {
  readonly time: Date;
  /** When the dump was written (`.time`'s debug session time, UTC), null when the debugger does not say. */
  readonly dumpTime: string | null;
  readonly processes: readonly { readonly id: number; readonly name: string }[];
  readonly threads: readonly SnapshotThread[];
  readonly threadTimes: { readonly available: boolean; readonly reason: string | null };
  readonly modules: readonly SnapshotModule[];
  readonly handles: CountedPart<{ readonly total: number; readonly byType: { readonly [type: string]: number } }>;
  readonly regions: CountedPart<{ readonly [section: string]: { readonly [name: string]: RegionTotal } }>;
}

export function snapshotDocument(s: SnapshotRecord, target: TargetInfo): object {
  const content = {
    dumpTime: s.dumpTime, processes: s.processes, threads: s.threads, threadTimes: s.threadTimes, modules: s.modules, handles: s.handles, regions: s.regions,
  };
  return {
    schema: SNAPSHOT_SCHEMA,
    schemaVersion: DOCUMENT_VERSION,
    id: documentId({ schema: SNAPSHOT_SCHEMA, target: targetKey(target), content }),
    tool: TOOL,
    target,
    time: s.time.toISOString(),
    dumpTime: s.dumpTime,
    processes: s.processes,
    threads: s.threads,
    threadTimes: s.threadTimes,
    modules: s.modules,
    handles: s.handles,
    regions: s.regions,
  };
}

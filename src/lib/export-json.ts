/**
 * The export face: one versioned JSON document shape for every analysis result, the same from WinDbg
 * (`dx @$ewmda.RawStack().ToJson()`) and from the Linux runner (`ewmda analyze --json`). The contract is
 * docs/schema.md. 64-bit values and addresses are "0x..." strings (JSON numbers lose precision past 2^53);
 * a value that could not be read is null with the reason in `_absent`.
 */
import type { AnalysisResult, ColumnSpec } from "./analysis";
import { BASE_COLUMNS } from "./analysis";
import { hex, isInt64 } from "./int64";
import type { Target } from "./target";
import { errorMessage, Unavailable } from "./values";
import { VERSION } from "./version";

export const SCHEMA_NAME = "ewmda.result";
export const SCHEMA_VERSION = 1;

export interface TargetDescription {
  readonly kind: "user" | "kernel";
  readonly dumpFile: string | null;
  readonly processId: number | null;
  readonly processName: string | null;
  readonly pointerSize: number;
  readonly arch: string;
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

function jsonValue(v: unknown, column: ColumnSpec): unknown {
  if (v === undefined) return undefined;
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  // Addresses and hex ids are always "0x..." strings, whatever JS type carried them.
  if ((column.type === "address" || column.type === "hex") && typeof v === "number" && v >= 0 && v === Math.floor(v)) return hex(v);
  if (typeof v === "number") return isFinite(v) ? v : String(v);
  if (isInt64(v)) return hex(v);
  if (v instanceof Unavailable) return null;
  return String(v);
}

/** The export document of one analysis result. */
export function toDocument(result: AnalysisResult, target: TargetDescription, now: Date = new Date()): object {
  const columns: readonly ColumnSpec[] = result.meta.columns.concat(BASE_COLUMNS);
  const rows = result.rows.map((row) => {
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
  });
  return {
    schema: SCHEMA_NAME,
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "ewmda", version: VERSION },
    target,
    analysis: { name: result.meta.name, command: result.meta.command, version: result.meta.version, patterns: result.meta.patterns },
    time: now.toISOString(),
    summary: result.summary,
    partial: result.partial,
    columns: columns.map((c) => ({ name: c.name, type: c.type })),
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

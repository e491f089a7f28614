/**
 * `ewmda analyze <dump>`: runs analyses through the loaded dist/ewmda.js and reports them as text tables
 * (the `!` face), or as export documents (docs/schema.md) for machines.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import type { AnalysisMeta } from "../lib/analysis";
import { ANALYSES } from "../extensions/registry";
import { ModuleSet } from "../emulator/symbols";
import { foundByText, type WalkedFrame } from "../runner/stack-walker";
import { windbgAddress } from "../runner/windbg-commands";
import { dumpInfo, renderInfo } from "./info";
import type { Session } from "./session";

/** text: tables; json / jsonl: ewmda.result documents; findings: ewmda.finding / ewmda.row documents, one per row (as !ewmda.export writes them). */
export type OutputFormat = "text" | "json" | "jsonl" | "findings";

/**
 * What `--all` leaves out: the actions that write files or run a command they are given (Export runs Triage
 * again and writes its findings, Snapshot writes a snapshot, Log needs a command; their command-line forms
 * are `--findings`, `ewmda snapshot`), and StructureSheaf, which needs a type and addresses. Named with
 * `--pattern`, they still run.
 */
const NOT_IN_ALL = ["Triage", "Export", "Snapshot", "Log", "StructureSheaf"];

/**
 * Analyses named by dx name, command name or catalogue pattern name (case-insensitive); when none are named,
 * Triage (which runs every finding analysis), or with `all` every analysis of the dump one by one.
 */
export function selectAnalyses(names: readonly string[], all_ = false): AnalysisMeta[] {
  const all = ANALYSES.map((a) => a.meta);
  if (names.length === 0) return all_ ? all.filter((m) => NOT_IN_ALL.indexOf(m.name) < 0) : all.filter((m) => m.name === "Triage");
  const out: AnalysisMeta[] = [];
  for (const n of names) {
    const k = n.toLowerCase();
    const hits = all.filter((m) => m.name.toLowerCase() === k || m.command === k || m.patterns.some((p) => p.toLowerCase() === k));
    if (hits.length === 0) {
      throw new Error(`unknown analysis or pattern "${n}" (known: ${all.map((m) => m.name).join(", ")})`);
    }
    for (const h of hits) if (!out.includes(h)) out.push(h);
  }
  return out;
}

export interface AnalyzeResult {
  readonly documents: readonly unknown[];
  readonly text: readonly string[];
}

function frameText(f: WalkedFrame, i: number, modules: ModuleSet, ps: number): string {
  const where = modules.at(f.ip) ? modules.format(f.ip) : windbgAddress(f.ip, ps);
  return `${String(i).padStart(3)}  ${where.padEnd(40)} sp=${windbgAddress(f.sp, ps)}  (${foundByText(f.foundBy)})`;
}

export function analyze(session: Session, metas: readonly AnalysisMeta[], format: OutputFormat, progress: (line: string) => void): AnalyzeResult {
  const { dbg, target } = session;
  const documents: unknown[] = [];
  const text: string[] = [];
  if (format === "text") {
    const info = dumpInfo(session.file, session.dump, target);
    text.push(...renderInfo(info, target).filter((l) => !l.startsWith("Streams:")));
    const frames = target.exceptionFrames ?? target.threads.find((t) => t.id === target.spec.currentThreadId)?.frames;
    if (frames && frames.length) {
      text.push("", `Stack of thread 0x${(target.spec.currentThreadId ?? 0).toString(16)}${target.exceptionFrames ? " at the exception (.ecxr)" : ""}:`);
      const modules = new ModuleSet(target.spec.processes[0]!.modules);
      frames.forEach((f, i) => text.push(frameText(f, i, modules, target.spec.pointerSize)));
    }
  }
  if (format === "findings") {
    progress(`[1/1] Export of ${metas.map((m) => m.name).join(", ")}`);
    const names = metas.map((m) => m.name).filter((n) => n !== "Export");
    return { documents: exportedDocuments(session, "Export", [names.join(",")]), text };
  }
  metas.forEach((m, i) => {
    progress(`[${i + 1}/${metas.length}] ${m.name}`);
    if (format === "text") {
      text.push("", ...dbg.execute(`!ewmda_${m.command}`));
    } else {
      const json = dbg.dx(`Debugger.Utility.Ewmda.${m.name}().ToJson()`);
      documents.push(JSON.parse(String(json)));
    }
  });
  return { documents, text };
}

/** The bundle could not write the documents asked for (reported on one line, exit status 3). */
export class ExportError extends Error {}

const dxString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`;

/**
 * Documents an analysis that writes files (Export, Snapshot) appends, read back: the analysis runs in the
 * emulated debugger exactly as in WinDbg, writing to a file of the emulated file system.
 */
export function exportedDocuments(session: Session, analysis: "Export" | "Snapshot", args: readonly string[]): unknown[] {
  const { dbg } = session;
  const file = `C:\\ewmda-cli\\${analysis.toLowerCase()}-${process.pid}-${Date.now()}.jsonl`;
  let result: unknown;
  try {
    result = dbg.dx(`Debugger.Utility.Ewmda.${analysis}(${[file, ...args].map(dxString).join(", ")})`);
  } catch (e) {
    throw new ExportError(`this build of dist/ewmda.js cannot run ${analysis}: ${(e as Error).message}`);
  }
  const host = dbg.fileSystem.hostPath(file);
  if (!existsSync(host)) {
    const first = [...(result as Iterable<unknown>)][0] as { value?: { Evidence?: unknown }; Evidence?: unknown } | undefined;
    const why = first ? String((first.value ?? first).Evidence) : "no result";
    throw new ExportError(`${analysis} wrote nothing: ${why}`);
  }
  const docs = readFileSync(host, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as unknown);
  rmSync(host, { force: true });
  return docs;
}

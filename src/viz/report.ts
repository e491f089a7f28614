/**
 * `ewmda report`: from dumps, export documents and tables to one self-contained HTML file (report-html.ts),
 * and every chart as SVG and PNG in a folder when asked.
 *
 * Inputs are told apart by their bytes: a minidump is opened with the very dist/ewmda.js a WinDbg user loads and
 * runs Triage, UniqueStacks, Handles and RawStack on every thread; export documents (`ewmda analyze --jsonl`)
 * give their rows; any other file is a table (CSV, JSON lines, Parquet) whose columns say what it holds
 * (columns.ts). Handle counts come from the Handles analysis when its documents carry a type column, and
 * otherwise from the dump's handle stream.
 */
import { mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { ANALYSES } from "../extensions/registry";
import { VERSION } from "../lib/version";
import { analyze } from "../cli/analyze";
import { openSession, type Session, type SessionOptions } from "../cli/session";
import { MinidumpError } from "../minidump/types";
import { untitled, type ChartId } from "./charts";
import { detectRole, literal } from "./columns";
import { CHART_TITLES, buildChart, writeAtomic } from "./plot";
import { prefetchRenderer, renderPng, renderSvg } from "./render";
import { renderReportHtml, targetText, type ReportChart, type ReportTarget, type TriageSection } from "./report-html";
import { readDocuments, sniffFormat, VizDb, VizInputError, type ResultDocument } from "./tables";

export const REPORT_CHARTS: readonly ChartId[] = ["profile", "clusters", "namespace", "heatmap", "handles", "stacks"];

export interface ReportOptions {
  /** Where the HTML goes. */
  readonly out: string;
  /** Folder for `<chart>.svg` and `<chart>.png`, and the tables behind them (created when missing). */
  readonly chartsDir?: string;
  readonly symbolsDir?: string;
  readonly session?: Pick<SessionOptions, "bundlePath">;
  readonly progress?: (line: string) => void;
  /** The time written in the report (tests fix it). */
  readonly now?: Date;
}

export interface ReportResult {
  readonly html: string;
  readonly charts: readonly ({ readonly id: ChartId; readonly drawn: true; readonly marks: number; readonly files: readonly string[] } | { readonly id: ChartId; readonly drawn: false; readonly reason: string })[];
  readonly warnings: readonly string[];
}

/** What one dump contributes: its documents, and its handle stream when the Handles analysis gives no counts. */
interface DumpResult {
  readonly docs: ResultDocument[];
  readonly handles: Record<string, unknown>[] | undefined;
  readonly hasHandleStream: boolean;
  /** Threads whose RawStack failed (the report goes on without their residue). */
  readonly failures: string[];
}

/** The analyses run on a dump (those of them that exist in this build), then RawStack per thread. */
const DUMP_ANALYSES = ["Triage", "UniqueStacks", "Handles"];

function analyzeDump(file: string, o: ReportOptions): DumpResult {
  let session: Session;
  try {
    session = openSession(file, { symbolsDir: o.symbolsDir, ...o.session });
  } catch (e) {
    if (e instanceof MinidumpError) throw new VizInputError(`${file}: ${e.message}`);
    throw e;
  }
  try {
    const metas = ANALYSES.map((a) => a.meta).filter((m) => DUMP_ANALYSES.includes(m.name));
    const progress = o.progress ?? (() => undefined);
    const docs = analyze(session, metas, "json", (l) => progress(`${path.basename(file)}: ${l}`)).documents as ResultDocument[];
    const threads = session.target.threads;
    const failures: string[] = [];
    threads.forEach((t, i) => {
      if (i % 50 === 0) progress(`${path.basename(file)}: RawStack, threads ${i + 1}-${Math.min(threads.length, i + 50)} of ${threads.length}`);
      const tid = `0x${t.id.toString(16)}`;
      try {
        docs.push(JSON.parse(String(session.dbg.dx(`Debugger.Utility.Ewmda.RawStack(${tid}).ToJson()`))) as ResultDocument);
      } catch (e) {
        failures.push(`${path.basename(file)}: RawStack failed on thread ${tid}: ${(e as Error).message.split("\n")[0]}`);
      }
    });
    const handlesDoc = docs.find((d) => d.analysis.name === "Handles");
    const handlesUsable = handlesDoc !== undefined && detectRole(handlesDoc.columns.map((c) => c.name)) === "handles";
    const stream = session.dump.handles();
    const handles = handlesUsable || !stream ? undefined : stream.map((h) => ({ Type: h.typeName ?? "(no type name)" }));
    return { docs, handles, hasHandleStream: stream !== undefined, failures };
  } finally {
    session.close();
  }
}

/** What the inputs gave, once loaded into the table engine. */
interface LoadedInputs {
  readonly docs: ResultDocument[];
  readonly described: { file: string; what: string }[];
  readonly notes: string[];
  /** Where handle counts came from, for the chart's subtitle. */
  readonly handleSource: string | undefined;
  /** A dump had no handle stream and nothing else gave handle counts: the chart says so. */
  readonly dumpWithoutHandles: boolean;
}

async function loadInputs(db: VizDb, inputs: readonly string[], o: ReportOptions): Promise<LoadedInputs> {
  const docs: ResultDocument[] = [];
  const described: { file: string; what: string }[] = [];
  const notes: string[] = [];
  const handleSources = new Set<string>();
  let dumpWithoutHandles = false;
  for (const file of inputs) {
    const format = sniffFormat(file);
    if (format === "minidump") {
      o.progress?.(`${file}: opening`);
      const r = analyzeDump(file, o);
      docs.push(...r.docs);
      notes.push(...r.failures);
      const tables = await db.loadDocuments(r.docs, file);
      if (tables.some((t) => t.role === "handles")) handleSources.add("the Handles analysis");
      if (r.handles?.length) {
        await db.loadRows(r.handles, ["Type"], `handle stream of ${file}`);
        handleSources.add("the dump's handle stream");
      }
      if (!r.hasHandleStream && !tables.some((t) => t.role === "handles")) dumpWithoutHandles = true;
      const threads = r.docs.filter((d) => d.analysis.name === "RawStack").length;
      described.push({ file, what: `minidump: ${r.docs.length - threads} analyses and RawStack on ${threads} threads` });
    } else if (format === "documents") {
      const fileDocs = readDocuments(file);
      docs.push(...fileDocs);
      const tables = await db.loadDocuments(fileDocs, file);
      if (tables.some((t) => t.role === "handles")) handleSources.add("the Handles analysis");
      const names = [...new Set(fileDocs.map((d) => d.analysis.name))];
      described.push({ file, what: `${fileDocs.length} export documents (${names.join(", ")})` });
    } else {
      const t = await db.loadFile(file, format);
      if (t.role === "handles") handleSources.add("a handle table");
      described.push({ file, what: `${format === "json-array" ? "JSON" : format.toUpperCase()} table (${t.role}: ${t.columns.join(", ")})` });
    }
  }
  if (db.loaded().some((t) => t.origin.startsWith("RawStack documents"))) {
    notes.push("Region charts from RawStack count the slots RawStack shows: every pointer-sized slot but plain values (dx @$ewmda.RawStack(tid, \"all\") lists those too).");
  }
  const handleSource = handleSources.size ? `from ${[...handleSources].join(" and ")}` : undefined;
  notes.push(...db.notes);
  return { docs, described, notes, handleSource, dumpWithoutHandles };
}

export async function buildReport(inputs: readonly string[], o: ReportOptions): Promise<ReportResult> {
  if (!inputs.length) throw new VizInputError("no input: give a dump, export documents (ewmda analyze --jsonl) or tables");
  prefetchRenderer();
  const db = await VizDb.open({ materialize: true });
  try {
    const { docs: allDocs, described, notes, handleSource, dumpWithoutHandles } = await loadInputs(db, inputs, o);

    const triage: TriageSection[] = allDocs.filter((d) => d.analysis.name === "Triage").map((d) => ({
      target: d.target ? targetText(d.target) : "unknown target",
      summary: d.summary ?? "",
      rows: d.rows,
    }));
    const targets = uniqueTargets(allDocs);

    const charts: ReportChart[] = [];
    const results: ReportResult["charts"][number][] = [];
    const warnings: string[] = [];
    mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    if (o.chartsDir) mkdirSync(o.chartsDir, { recursive: true });
    for (const id of REPORT_CHARTS) {
      o.progress?.(`chart: ${id}`);
      const r = await buildChart(db, id, { handleSource });
      if ("reason" in r) {
        const reason = id === "handles" && dumpWithoutHandles ? "the dump has no handle stream (it was written without handle data, e.g. MiniDumpWithHandleData)" : r.reason;
        charts.push({ id, title: CHART_TITLES[id], missing: reason });
        results.push({ id, drawn: false, reason });
        continue;
      }
      // The page shows the title and subtitle as text; the files carry them in the picture.
      const inPage = await renderSvg(untitled(r.chart.spec), `ewmda-${id}`);
      warnings.push(...inPage.warnings.map((w) => `${id}: ${w}`));
      const files: string[] = [];
      if (o.chartsDir) {
        const standalone = await renderSvg(r.chart.spec, id);
        const svgFile = path.join(o.chartsDir, `${id}.svg`);
        const pngFile = path.join(o.chartsDir, `${id}.png`);
        writeAtomic(svgFile, standalone.svg);
        writeAtomic(pngFile, await renderPng(standalone.svg));
        files.push(svgFile, pngFile);
      }
      charts.push({ id, title: r.chart.title, subtitle: r.chart.subtitle, svg: inPage.svg, marks: r.chart.marks, table: r.chart.table });
      results.push({ id, drawn: true, marks: r.chart.marks, files });
    }
    if (o.chartsDir) await exportTables(db, allDocs, o.chartsDir);
    const html = renderReportHtml({
      version: VERSION, generated: (o.now ?? new Date()).toISOString(), targets, inputs: described, triage, charts, notes,
    });
    writeAtomic(o.out, html);
    return { html, charts: results, warnings };
  } finally {
    db.close();
  }
}

/** The rows behind the region charts as one CSV (hex values, the column names of RawStack's export). */
export const REGION_CSV = "region.csv";
/** The export documents read or made (RawStack's rows are in the CSV), one per line. */
export const FINDINGS_JSONL = "findings.jsonl";

/**
 * Beside the pictures, the tables they were drawn from, so the notebook (notebooks/residue-analysis.ipynb)
 * draws the same charts with pandas: the slot rows as `region.csv` (when some came from a dump or documents),
 * and the documents other than RawStack's as `findings.jsonl`.
 */
async function exportTables(db: VizDb, docs: readonly ResultDocument[], dir: string): Promise<void> {
  // Only rows the user has no file of (from dumps and documents); a table file given as input is already one.
  const slots = db.loaded().some((t) => t.role === "slots" && t.fromMemory) ? db.source("slots") : undefined;
  if (slots) {
    const hex = (c: string) => `CASE WHEN ${c} IS NULL THEN NULL ELSE '0x' || lower(hex(${c})) END`;
    const final = path.join(dir, REGION_CSV);
    const tmp = path.join(dir, `.${REGION_CSV}.${process.pid}.tmp`);
    await db.query(`COPY (SELECT thread AS Thread, ${hex("address")} AS Address, ${hex("value")} AS Value, kind AS Kind, symbol AS Symbol, module AS Module
      FROM ${slots}) TO ${literal(tmp)} (FORMAT csv, HEADER true)`);
    renameSync(tmp, final);
  }
  const rest = docs.filter((d) => d.analysis.name !== "RawStack");
  if (rest.length) writeAtomic(path.join(dir, FINDINGS_JSONL), rest.map((d) => JSON.stringify(d)).join("\n") + "\n");
}

function uniqueTargets(docs: readonly ResultDocument[]): ReportTarget[] {
  const seen = new Map<string, ReportTarget>();
  for (const d of docs) {
    if (!d.target) continue;
    const key = `${d.target.dumpFile ?? ""}|${d.target.processId ?? ""}`;
    if (!seen.has(key)) seen.set(key, d.target);
  }
  return [...seen.values()];
}

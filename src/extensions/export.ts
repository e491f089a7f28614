import { defineAnalysis, runAnalysis, type Analysis, type AnalysisResult, type Row } from "../lib/analysis";
import { appendDocuments, choosePath } from "../lib/document-file";
import { describeTarget, describeTargetInfo, rowDocuments, toDocument } from "../lib/export-json";
import { exportRows } from "../lib/table-export";
import { errorMessage, type Verdict } from "../lib/values";

const DEFAULT_FILE = "ewmda-findings.jsonl";
/** Analyses Export does not run by name: itself (it would recurse). */
const NOT_EXPORTED = ["Export"];

type Format = "documents" | "results" | "csv";

/**
 * The export face to files: runs Triage (or the analyses named) and appends their documents
 * (docs/schema.md) to a JSON-lines file through `Debugger.Utility.FileSystem`, for the event stream, for
 * `ewmda diff` and for anything outside the debugger. Formats:
 * - `documents` (the default): one document per row: `ewmda.finding` for Triage and the analyses that give
 *   findings (with the analysis, the pattern, the target, the verdict and the row), `ewmda.row` for the rows
 *   of listings and tables (RawStack, RegionProfile, StructureSheaf...);
 * - `results`: one `ewmda.result` document per analysis (what `.ToJson()` gives);
 * - `csv`: the rows of one analysis as CSV (RFC 4180), the same cells as the documents.
 * Every document has a stable id (the same finding of the same dump gives the same id), so exporting twice
 * and streaming both files stores each finding once.
 *
 * Appending never corrupts the file: each document is one complete line of ASCII JSON; writing starts after
 * the file's last byte and first ends a line an interrupted write left open; the file is closed even when
 * writing fails. Paths may hold spaces and any Unicode characters (in dx strings, double the backslashes).
 *
 * The pattern: every pattern; this is how findings leave the debugger (Step Dumps compare two exports).
 *
 * Options (third argument, a string or `new { Format = "results" }`): Format (`documents`, `results`, `csv`).
 *
 * @function Export
 * @memberof Ewmda
 * @param {string} [file] File to append to (default: `Config.Export.File`, else ewmda-findings.jsonl in the temp directory).
 * @param {string|string[]} [analyses] Analyses to run and export (dx names, comma-separated or a list); default: Triage.
 * @param {object|string} [options] `Format`: `"documents"` (default), `"results"` or `"csv"`; or a string such as `"csv"` or `"format=results"`.
 * @returns {ResultSet} A Written row (file, number of documents), then one row per document written: Kind, File, Schema, Id, Analysis, Pattern, Text, Verdict, Evidence, Source.
 * @example dx @$ewmda.Export()
 * @example dx @$ewmda.Export("C:\\cases\\42\\findings.jsonl")
 * @example dx @$ewmda.Export("C:\\cases\\42\\locks.jsonl", "LockWaitChains,BlockedThreads")
 * @example dx @$ewmda.Export("C:\\cases\\42\\triage.csv", "Triage", "csv")
 * @example !ewmda.export "C:\\cases\\42\\findings.jsonl"
 */
export const exportDocuments = defineAnalysis({
  meta: {
    name: "Export",
    command: "export",
    summary: "Appends Triage's findings (or the named analyses' rows or results) to a JSON-lines file, one document per line",
    patterns: ["Step Dumps"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "file", help: "file to append to (default: Config.Export.File, else ewmda-findings.jsonl in the temp directory)", optional: true },
      { name: "analyses", help: "analyses to run and export (dx names, comma-separated or a list); default: Triage", optional: true },
      { name: "options", help: "Format: \"documents\" (default), \"results\" or \"csv\"; or a string such as \"csv\"", optional: true },
    ],
    options: [
      { name: "Format", type: "string", help: "documents (one document per row), results (one per analysis) or csv (one analysis's rows)" },
    ],
    columns: [
      { name: "Kind", type: "string", help: "Written (where the documents went) or Document (one document written)" },
      { name: "File", type: "string", help: "The file written to", table: false },
      { name: "Schema", type: "string", help: "The document kind: ewmda.finding, ewmda.row or ewmda.result" },
      { name: "Id", type: "string", help: "The document's id (the same content gives the same id)" },
      { name: "Analysis", type: "string", help: "The analysis the document comes from" },
      { name: "Pattern", type: "string", help: "The catalogue pattern of the finding", table: false },
      { name: "Text", type: "string", help: "The document's one-line text, or what was written" },
    ],
    settings: {
      File: { default: "", help: "File the documents are appended to (empty: ewmda-findings.jsonl in the debugger's temp directory)", reason: "the temp directory is writable in every session; one file per machine collects a case's exports" },
      BudgetMs: { default: 60000, help: "Time allowed per analysis named explicitly (Triage has its own budgets)", reason: "an analysis asked for by name gets a minute; a slower one is exported as partial" },
    },
  },

  *run(ctx, args) {
    const path = choosePath(args[0], ctx.settings.File, DEFAULT_FILE);
    if (path === undefined) {
      ctx.summary("Export: no file");
      yield note("the file name is empty; give a path such as \"C:\\\\cases\\\\findings.jsonl\"");
      return;
    }
    const format = parseFormat(args[2]);
    if (format.error) { ctx.summary("Export: " + format.error); yield note(format.error); return; }
    const chosen = chooseAnalyses(args[1], ctx.analyses);
    if (typeof chosen === "string") { ctx.summary("Export: " + chosen); yield note(chosen); return; }
    if (format.format === "csv" && chosen.length !== 1) {
      const text = "CSV holds the rows of one analysis; name one (\"Triage\", \"LockWaitChains\"...), not " + chosen.length;
      ctx.summary("Export: " + text);
      yield note(text);
      return;
    }

    const results: AnalysisResult[] = [];
    for (const a of chosen) {
      try {
        results.push(runAnalysis(a, ctx.target, ctx.config, [], { analyses: ctx.analyses, budgetMs: a.meta.name === "Triage" ? 0 : ctx.settings.BudgetMs }));
      } catch (e) {
        yield note(a.meta.name + " could not run: " + errorMessage(e));
      }
    }
    const names = chosen.map((a) => a.meta.name).join(", ");

    if (format.format === "csv") {
      const r = results[0];
      if (!r) return;
      const text = exportRows(r.rows, r.meta.columns, path, "csv", true);
      ctx.summary("Export: " + text);
      yield { Kind: "Written", File: path, Analysis: r.meta.name, Text: text, Verdict: "Info", Evidence: text, Source: "typed" };
      return;
    }

    let docs: object[];
    try {
      if (format.format === "results") {
        const target = describeTarget(ctx.target);
        docs = results.map((r) => toDocument(r, target));
      } else {
        const target = describeTargetInfo(ctx.target);
        docs = [];
        for (const r of results) docs.push(...rowDocuments(r, target, ctx.analyses));
      }
    } catch (e) {
      const text = "the documents of " + names + " could not be made: " + errorMessage(e);
      ctx.summary("Export: " + text);
      yield note(text);
      return;
    }
    const written = appendDocuments(path, docs);
    if (typeof written === "string") {
      ctx.summary("Export: nothing written: " + written);
      yield { Kind: "Written", Text: written, Verdict: "Info", Evidence: written, Source: "typed" };
      return;
    }
    const text = (written.appended ? "appended " : "wrote ") + written.documents + " document(s) from " + names + " to " + path;
    ctx.summary("Export: " + text);
    yield { Kind: "Written", File: path, Text: text, Verdict: "Info", Evidence: text, Source: "typed" };
    for (const d of docs) yield documentRow(d, path);
  },

  rowText(row) {
    return row.Kind === "Document" ? String(row.Schema) + " " + String(row.Id) + " [" + String(row.Analysis) + "] " + String(row.Text) : String(row.Text ?? row.Evidence);
  },
});

function note(text: string): Row {
  return { Verdict: "Info", Evidence: text, Source: "heuristic" };
}

function documentRow(d: object, path: string): Row {
  const doc = d as { schema: string; id: string; analysis: { name: string; patterns: string[] }; pattern?: string | null; text?: string; verdict?: Verdict; evidence?: string; source?: "typed" | "command" | "heuristic"; summary?: string };
  const verdict: Verdict = doc.verdict ?? "Info";
  return {
    Kind: "Document", File: path, Schema: doc.schema, Id: doc.id, Analysis: doc.analysis.name,
    Pattern: doc.pattern ?? doc.analysis.patterns[0], Text: doc.text ?? doc.summary ?? "",
    Verdict: verdict, Evidence: doc.evidence ?? (doc.summary || doc.schema + " " + doc.id), Source: doc.source ?? "typed",
  };
}

function parseFormat(arg: unknown): { format: Format; error?: string } {
  if (arg === undefined || arg === null) return { format: "documents" };
  let text: string;
  if (typeof arg === "string") text = arg.trim().toLowerCase().replace(/^format\s*=\s*/, "");
  else if (typeof arg === "object" && (arg as { Format?: unknown }).Format !== undefined) text = String((arg as { Format: unknown }).Format).trim().toLowerCase();
  else if (typeof arg === "object") return { format: "documents" };
  else return { format: "documents", error: "options must be a string such as \"csv\" or an object such as new { Format = \"results\" }" };
  if (text === "" || text === "documents" || text === "jsonl" || text === "findings" || text === "rows") return { format: "documents" };
  if (text === "results" || text === "result") return { format: "results" };
  if (text === "csv") return { format: "csv" };
  return { format: "documents", error: "unknown format \"" + text + "\" (use documents, results or csv)" };
}

function chooseAnalyses(arg: unknown, analyses: readonly Analysis[]): Analysis[] | string {
  let names: string[] = [];
  if (arg === undefined || arg === null) names = ["Triage"];
  else if (typeof arg === "string") names = arg.split(/[\s,;]+/).filter((s) => s !== "");
  else if (typeof (arg as Iterable<unknown>)[Symbol.iterator] === "function") { for (const x of arg as Iterable<unknown>) names.push(String(x)); }
  else return "the analyses must be names, comma-separated or a list, such as \"LockWaitChains,BlockedThreads\"";
  if (names.length === 0) names = ["Triage"];
  const out: Analysis[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const a = analyses.filter((x) => x.meta.name.toLowerCase() === n.toLowerCase() || x.meta.command === n.toLowerCase())[0];
    if (!a) unknown.push(n);
    else if (NOT_EXPORTED.indexOf(a.meta.name) >= 0) return a.meta.name + " cannot export itself";
    else if (out.indexOf(a) < 0) out.push(a);
  }
  if (unknown.length) return "unknown analysis name(s): " + unknown.join(", ") + " (known: " + analyses.map((a) => a.meta.name).join(", ") + ")";
  return out;
}

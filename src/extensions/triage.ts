import { defineAnalysis, runAnalysis, type Analysis, type Row } from "../lib/analysis";
import { eventalText, readEventalFacts } from "../lib/evental";
import type { Target } from "../lib/target";
import { errorMessage } from "../lib/values";

const RANK: { [v: string]: number } = { Positive: 0, Suspicious: 1, Negative: 2, Info: 3 };

/**
 * Triage: one report for the whole dump. It runs every analysis that gives findings (not the raw listings
 * such as RawStack and the stack collections), each under a time budget, and returns EventalDump's row
 * first (why this dump exists: the exception or event it was written for, its class, the dump writer, the
 * dump's comment; the same code as EventalDump, src/lib/evental.ts), then the findings ranked by verdict (Positive, then Suspicious) with their pattern and the
 * command that shows them in full, then what was checked and found nothing, then what could not be
 * checked and why. An analysis that fails becomes one row naming it; the report still completes.
 *
 * Ranking: verdict first, then the order of the registry (closest to a diagnosis first). Confidence
 * within a verdict is each analysis's own; Triage does not re-score findings.
 *
 * False positives are those of the analyses it runs; every finding row names its analysis so its own
 * documentation (and its dx result) can be checked.
 *
 * Options: Only (analysis names to run, comma-separated), Skip (names to leave out), MaxFindings (findings
 * kept per analysis).
 *
 * @function Triage
 * @memberof Ewmda
 * @param {object|string} [options] `Only` / `Skip` (comma-separated analysis names), `MaxFindings` (number); or a string such as `"skip=SpikingThreads"`.
 * @returns {ResultSet} The evental row, then findings, then checked-and-clean and not-checked rows: Section, Verdict, Pattern, Analysis, Finding, Command, Evidence, Source.
 * @example dx @$ewmda.Triage()
 * @example dx -g @$ewmda.Triage().Where(r => r.Verdict == "Positive")
 * @example !ewmda.triage
 * @example !ewmda.triage "skip=SpikingThreads"
 */
export const triage = defineAnalysis({
  meta: {
    name: "Triage",
    command: "triage",
    summary: "Every finding analysis in one ranked report: why the dump exists, findings, what was clean, what was not checked",
    patterns: ["Eventual (Evental) Dumps"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [{ name: "options", help: "Only, Skip, MaxFindings; or a string such as \"skip=SpikingThreads\"", optional: true }],
    options: [
      { name: "Only", type: "string", help: "run only these analyses (comma-separated dx names)" },
      { name: "Skip", type: "string", help: "leave these analyses out (comma-separated dx names)" },
      { name: "MaxFindings", type: "number", help: "findings kept per analysis (the rest are counted)" },
    ],
    columns: [
      { name: "Section", type: "string", help: "Event (why the dump exists), Finding, Clean (checked, nothing found), NotChecked (missing data or skipped), Error (the analysis failed)" },
      { name: "Pattern", type: "string", help: "Catalogue pattern the row gives evidence for" },
      { name: "Analysis", type: "string", help: "The analysis that produced the row" },
      { name: "Finding", type: "string", help: "The row's one-line text" },
      { name: "Command", type: "string", help: "dx command that shows the analysis's full result", table: false },
    ],
    settings: {
      BudgetMs: { default: 30000, help: "Time allowed per analysis, in milliseconds", reason: "enough for 20,000 threads on a workstation; a slower analysis is reported as partial rather than holding up the report" },
      TotalBudgetMs: { default: 300000, help: "Time allowed for the whole report", reason: "five minutes: analyses not started by then are listed as not checked" },
      MaxFindings: { default: 20, help: "Findings kept per analysis", reason: "the report stays readable; the analysis's own result has all of them" },
    },
  },

  *run(ctx, args) {
    const opts = parseOptions(args[0]);
    if (typeof opts === "string") {
      ctx.summary("Triage: " + opts);
      yield { Verdict: "Info", Evidence: opts, Source: "heuristic", Section: "NotChecked" };
      return;
    }
    const maxFindings = opts.maxFindings ?? ctx.settings.MaxFindings;
    yield eventRow(ctx.target);

    const candidates = ctx.analyses.filter((a) => a.meta.triage !== false && a.meta.name !== "Triage");
    const unknown = opts.only.concat(opts.skip).filter((n) => !ctx.analyses.some((a) => a.meta.name.toLowerCase() === n.toLowerCase()));
    if (unknown.length) yield notChecked(undefined, "unknown analysis name(s): " + unknown.join(", "));
    const chosen = candidates.filter((a) => (opts.only.length === 0 || has(opts.only, a.meta.name)) && !has(opts.skip, a.meta.name));
    const kernel = ctx.target.isKernel();

    const findings: Row[] = [];
    const clean: Row[] = [];
    const notRun: Row[] = [];
    let positives = 0;
    let suspicious = 0;
    const started = Date.now();
    for (const a of chosen) {
      if (a.meta.targets === "kernel" && !kernel) { notRun.push(notChecked(a, "needs a kernel or complete dump")); continue; }
      if (Date.now() - started > ctx.settings.TotalBudgetMs) { notRun.push(notChecked(a, "the report's time budget (" + ctx.settings.TotalBudgetMs + " ms) ran out before it started")); continue; }
      let result;
      try {
        result = runAnalysis(a, ctx.target, ctx.config, [], { analyses: ctx.analyses, budgetMs: ctx.settings.BudgetMs });
      } catch (e) {
        notRun.push(errorRow(a, errorMessage(e)));
        continue;
      }
      const kept: Row[] = [];
      let dropped = 0;
      for (const row of result.rows) {
        if (row.Verdict === "Positive" || row.Verdict === "Suspicious") {
          if (kept.length < maxFindings) kept.push(findingRow(a, row, result.pointerSize)); else dropped++;
          if (row.Verdict === "Positive") positives++; else suspicious++;
        }
      }
      findings.push(...kept);
      if (dropped) findings.push({ ...findingRow(a, { Verdict: "Info", Evidence: dropped + " more findings not shown (MaxFindings " + maxFindings + ")", Source: "heuristic" }, result.pointerSize), Section: "Finding" });
      if (result.partial) {
        const why = result.rows[result.rows.length - 1];
        notRun.push(errorRow(a, why ? why.Evidence : "stopped early"));
      } else if (kept.length === 0 && dropped === 0) {
        const negative = result.rows.find((r) => r.Verdict === "Negative");
        const info = result.rows.find((r) => r.Verdict === "Info");
        if (negative) {
          const row: { [k: string]: unknown } = { ...findingRow(a, negative, result.pointerSize), Section: "Clean" };
          // What limited the check (missing symbols, data the dump lacks) stays visible beside "nothing found".
          if (info) row.Finding = String(row.Finding) + " (limited: " + info.Evidence + ")";
          clean.push(row as Row);
        }
        else notRun.push(notChecked(a, info ? info.Evidence : result.summary));
      }
    }
    findings.sort((x, y) => (RANK[x.Verdict] ?? 9) - (RANK[y.Verdict] ?? 9));
    yield* findings;
    yield* clean;
    yield* notRun;
    ctx.summary("Triage: " + positives + " positive and " + suspicious + " suspicious finding(s) from " + chosen.length + " analyses; " +
      clean.length + " clean, " + notRun.length + " not checked or failed");
  },

  rowText(row) {
    return (row.Section === "Event" ? "Event" : String(row.Verdict)) + (row.Analysis ? " [" + String(row.Analysis) + "]" : "") + ": " + String(row.Finding ?? row.Evidence);
  },
});

function has(list: readonly string[], name: string): boolean {
  return list.some((n) => n.toLowerCase() === name.toLowerCase());
}

function command(a: Analysis): string {
  return "dx Debugger.Utility.Ewmda." + a.meta.name + "()";
}

function findingRow(a: Analysis, row: Row, pointerSize: number): Row {
  let text: string;
  try { text = a.rowText ? a.rowText(row, { pointerSize }) : row.Evidence; } catch (e) { text = row.Evidence; }
  return {
    Section: "Finding", Verdict: row.Verdict, Pattern: a.meta.patterns[0], Analysis: a.meta.name, Finding: text,
    Command: command(a), Evidence: row.Evidence, Source: row.Source,
  };
}

function notChecked(a: Analysis | undefined, why: string): Row {
  return {
    Section: "NotChecked", Verdict: "Info", Pattern: a ? a.meta.patterns[0] : undefined, Analysis: a ? a.meta.name : undefined,
    Finding: "not checked: " + why, Command: a ? command(a) : undefined, Evidence: why, Source: "heuristic",
  };
}

function errorRow(a: Analysis, why: string): Row {
  return {
    Section: "Error", Verdict: "Info", Pattern: a.meta.patterns[0], Analysis: a.meta.name,
    Finding: a.meta.name + " failed or stopped early: " + why, Command: command(a), Evidence: why, Source: "heuristic",
  };
}

/** Why the dump exists: EventalDump's row (src/lib/evental.ts), as the report's first row. */
function eventRow(t: Target): Row {
  const f = readEventalFacts(t);
  return {
    Section: "Event", Pattern: "Eventual (Evental) Dumps", Analysis: "Triage", Command: "dx Debugger.Utility.Ewmda.EventalDump()",
    Verdict: f.verdict, Finding: eventalText(f), Evidence: f.evidence, Source: f.source,
  };
}

interface TriageOptions { only: string[]; skip: string[]; maxFindings: number | undefined }

function parseOptions(arg: unknown): TriageOptions | string {
  const out: TriageOptions = { only: [], skip: [], maxFindings: undefined };
  const list = (v: unknown) => String(v).split(/[,;\s]+/).filter((s) => s !== "");
  if (arg === undefined || arg === null) return out;
  if (typeof arg === "string") {
    for (const part of arg.split(/\s+/)) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const key = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? "" : part.slice(eq + 1);
      if (key === "only") out.only = list(value);
      else if (key === "skip") out.skip = list(value);
      else if (key === "maxfindings" && /^\d+$/.test(value)) out.maxFindings = Number(value);
      else return "unknown option \"" + part + "\" (use only=A,B skip=C maxfindings=N)";
    }
    return out;
  }
  if (typeof arg !== "object") return "options must be an object such as new { Skip = \"SpikingThreads\" } or a string such as \"skip=SpikingThreads\"";
  const o = arg as { Only?: unknown; Skip?: unknown; MaxFindings?: unknown };
  if (o.Only !== undefined && o.Only !== null) out.only = list(o.Only);
  if (o.Skip !== undefined && o.Skip !== null) out.skip = list(o.Skip);
  if (o.MaxFindings !== undefined && o.MaxFindings !== null) {
    const n = Number(o.MaxFindings);
    if (!(n >= 0) || n !== Math.floor(n)) return "MaxFindings must be a non-negative integer";
    out.maxFindings = n;
  }
  return out;
}

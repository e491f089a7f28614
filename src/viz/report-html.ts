/**
 * The report as one HTML file that needs nothing else: styles inline, charts as inline SVG (no script at all),
 * and a Content-Security-Policy that forbids every fetch, so opening it offline or from a mail attachment
 * shows exactly what was written. Each chart is a `<section class="chart" data-chart="...">` with its SVG and
 * its aggregated data in a collapsible table; a chart that could not be drawn says why.
 */
import type { ChartId } from "./charts";
import { CHART_TITLES } from "./plot";

export interface ReportTarget {
  readonly processName?: string | null;
  readonly processId?: number | null;
  readonly arch?: string;
  readonly kind?: string;
  readonly dumpFile?: string | null;
}

export interface TriageSection {
  readonly target: string;
  readonly summary: string;
  readonly rows: readonly Record<string, unknown>[];
}

export type ReportChart =
  | { readonly id: ChartId; readonly title: string; readonly subtitle: string; readonly svg: string; readonly marks: number; readonly table: { readonly columns: readonly string[]; readonly rows: readonly (readonly (string | number)[])[] } }
  | { readonly id: ChartId; readonly title: string; readonly missing: string };

export interface ReportModel {
  readonly version: string;
  readonly generated: string;
  readonly targets: readonly ReportTarget[];
  readonly inputs: readonly { readonly file: string; readonly what: string }[];
  readonly triage: readonly TriageSection[];
  readonly charts: readonly ReportChart[];
  readonly notes: readonly string[];
}

/** Rows of a chart's data table shown in the page; the rest is in the chart and the notebook. */
const TABLE_ROWS = 200;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function targetText(t: ReportTarget): string {
  const who = t.processName ? `${t.processName}${t.processId !== null && t.processId !== undefined ? `, pid ${t.processId} (0x${t.processId.toString(16)})` : ""}` : "unknown process";
  return [who, t.arch, t.kind && `${t.kind} dump`, t.dumpFile && baseName(t.dumpFile)].filter(Boolean).join(" · ");
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.45 "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #1d1d1f; margin: 0; background: #f6f6f4; }
header { background: #20242c; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #c9ced6; }
main { max-width: 1180px; margin: 0 auto; padding: 8px 32px 48px; }
nav { margin: 18px 0 6px; font-size: 14px; }
nav a { margin-right: 14px; color: #2b5ea7; }
h2 { font-size: 19px; margin: 28px 0 6px; }
section { background: #fff; border: 1px solid #e2e2de; border-radius: 6px; padding: 14px 18px; margin: 16px 0; }
section h2 { margin-top: 0; }
.caption { color: #444; margin: 0 0 10px; }
figure { margin: 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; }
.missing { color: #7a4b00; background: #fff6e0; border-left: 4px solid #e0a000; padding: 8px 12px; margin: 0; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f0f0ec; }
details th { position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; }
details { margin-top: 10px; }
details > div { max-height: 360px; overflow: auto; }
.verdict { display: inline-block; min-width: 70px; text-align: center; border-radius: 3px; padding: 0 6px; font-size: 12px; font-weight: bold; }
.v-Positive { background: #fde2e1; color: #a1150e; }
.v-Suspicious { background: #fff1cc; color: #7a5200; }
.v-Info { background: #e3edf9; color: #1f4f8f; }
.v-Negative { background: #e4f4e4; color: #256b25; }
ul.inputs { margin: 6px 0 0; padding-left: 20px; }
`;

function triageHtml(t: TriageSection): string {
  const rows = t.rows.map((r) => {
    const verdict = String(r.Verdict ?? "");
    const cell = (k: string) => escapeHtml(r[k] === undefined || r[k] === null ? "" : String(r[k]));
    return `<tr><td>${cell("Section")}</td><td><span class="verdict v-${escapeHtml(verdict)}">${escapeHtml(verdict)}</span></td><td>${cell("Pattern")}</td><td>${cell("Finding")}<div class="mono">${cell("Command")}</div></td><td class="mono">${cell("Evidence")}</td></tr>`;
  });
  return `<p class="caption">${escapeHtml(t.target)}: ${escapeHtml(t.summary)}</p>
<table class="triage"><thead><tr><th>Section</th><th>Verdict</th><th>Pattern</th><th>Finding and how to see it</th><th>Evidence</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>`;
}

function chartHtml(c: ReportChart): string {
  const head = `<section class="chart" id="chart-${c.id}" data-chart="${c.id}"><h2>${escapeHtml(c.title)}</h2>`;
  if ("missing" in c) return `${head}<p class="missing" data-missing="true">Not drawn: ${escapeHtml(c.missing)}</p></section>`;
  const shown = c.table.rows.slice(0, TABLE_ROWS);
  const more = c.table.rows.length > shown.length ? ` (first ${shown.length} of ${c.table.rows.length})` : "";
  const body = shown.map((r) => `<tr>${r.map((v) => (typeof v === "number" ? `<td class="num">${v.toLocaleString("en-US")}</td>` : `<td>${escapeHtml(v)}</td>`)).join("")}</tr>`).join("\n");
  return `${head}<p class="caption">${escapeHtml(c.subtitle)}</p>
<figure data-marks="${c.marks}">${c.svg}</figure>
<details><summary>Data${more}</summary><div><table><thead><tr>${c.table.columns.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table></div></details></section>`;
}

export function renderReportHtml(m: ReportModel): string {
  const title = m.targets.length ? `ewmda report: ${m.targets.map((t) => t.processName ?? "unknown process").join(", ")}` : "ewmda report";
  const sub = m.targets.length ? m.targets.map(targetText).join(" | ") : "tables only";
  const nav = [`<a href="#triage">Triage</a>`, ...m.charts.map((c) => `<a href="#chart-${c.id}">${escapeHtml(CHART_TITLES[c.id])}</a>`)].join("");
  const triage = m.triage.length
    ? m.triage.map(triageHtml).join("\n")
    : `<p class="missing">No triage in the inputs: give a dump, or the output of <code>ewmda analyze DUMP --jsonl</code>.</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ewmda ${escapeHtml(m.version)}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(sub)}</p><p>Written ${escapeHtml(m.generated)} by ewmda ${escapeHtml(m.version)}</p></header>
<main>
<nav>${nav}</nav>
<section id="triage"><h2>Triage</h2>${triage}</section>
${m.charts.map(chartHtml).join("\n")}
<section id="inputs"><h2>Inputs</h2><ul class="inputs">${m.inputs.map((i) => `<li><code>${escapeHtml(i.file)}</code>: ${escapeHtml(i.what)}</li>`).join("")}</ul>
${m.notes.length ? `<ul class="inputs">${m.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : ""}</section>
</main>
</body>
</html>
`;
}

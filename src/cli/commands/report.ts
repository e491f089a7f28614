/**
 * `ewmda report <dump | findings.jsonl | table...> --out report.html [--charts DIR]`: one self-contained HTML
 * report (triage summary and charts, no network needed to open it), and each chart as SVG and PNG in DIR.
 */
import { defineCommand } from "citty";
import { guarded, VizUsageError } from "../../viz/command-guard";
import { buildReport } from "../../viz/report";

export const reportCommand = defineCommand({
  meta: { name: "report", description: "Write an HTML report (triage and charts) of dumps, export documents and tables; --charts DIR also writes each chart as SVG and PNG" },
  args: {
    inputs: { type: "positional", description: "minidumps, export documents (ewmda analyze --jsonl) and tables (CSV, JSON lines, Parquet), in any mix", required: true },
    out: { type: "string", description: "HTML file to write" },
    charts: { type: "string", description: "folder for every chart as <name>.svg and <name>.png, and the tables behind them (region.csv, findings.jsonl) for notebooks/residue-analysis.ipynb" },
    symbols: { type: "string", description: "folder of Breakpad .sym files (symbol-server layout) for function names in dumps" },
    progress: { type: "boolean", description: "show progress on standard error (default: when it is a terminal)" },
  },
  async run({ args }) {
    await guarded("report", async () => {
      if (!args.out) throw new VizUsageError("--out report.html is required");
      if (!/\.html?$/i.test(args.out)) throw new VizUsageError(`--out must name an .html file (not "${args.out}")`);
      const showProgress = args.progress ?? process.stderr.isTTY === true;
      const r = await buildReport(args._, {
        out: args.out, chartsDir: args.charts, symbolsDir: args.symbols,
        progress: showProgress ? (line) => process.stderr.write(`${line}\n`) : undefined,
      });
      for (const w of r.warnings) process.stderr.write(`ewmda report: ${w}\n`);
      const drawn = r.charts.filter((c) => c.drawn).length;
      const lines = [`${args.out}: ${drawn} of ${r.charts.length} charts drawn${args.charts ? `, each also as SVG and PNG in ${args.charts}` : ""}`];
      for (const c of r.charts) if (!c.drawn) lines.push(`  ${c.id}: not drawn: ${c.reason}`);
      process.stdout.write(lines.join("\n") + "\n");
    });
  },
});

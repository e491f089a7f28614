/**
 * `ewmda plot <table> --kind profile|clusters|namespace|heatmap --out FILE.png|.svg`: one chart of one exported
 * table (CSV, JSON lines, Parquet, or export documents), aggregated in DuckDB and drawn with Vega-Lite.
 */
import { defineCommand } from "citty";
import { guarded, VizUsageError } from "../../viz/command-guard";
import { imageFormatOf, PLOT_KINDS, plotFile, type PlotKind } from "../../viz/plot";

export const plotCommand = defineCommand({
  meta: { name: "plot", description: "Draw one chart of an exported table (region profile, clusters, namespaces, residue heat map) as PNG or SVG" },
  args: {
    table: { type: "positional", description: "table file: CSV, JSON lines or Parquet rows (RawStack / Region Profile / Region Clusters / Namespace), or export documents", required: true },
    kind: { type: "string", description: `chart: ${PLOT_KINDS.join(", ")}` },
    out: { type: "string", description: "image to write: FILE.png or FILE.svg" },
    region: { type: "string", description: "profile of one thread or region only (its Thread or Region value, e.g. 0x1a4)" },
  },
  async run({ args }) {
    await guarded("plot", async () => {
      const extra = args._.slice(1);
      if (extra.length) throw new VizUsageError(`one table at a time (also given: ${extra.join(" ")})`);
      if (!args.kind || !(PLOT_KINDS as readonly string[]).includes(args.kind)) throw new VizUsageError(`--kind must be one of ${PLOT_KINDS.join(", ")}${args.kind ? ` (not "${args.kind}")` : ""}`);
      if (!args.out || !imageFormatOf(args.out)) throw new VizUsageError(`--out FILE.png or --out FILE.svg is required${args.out ? ` (not "${args.out}")` : ""}`);
      const r = await plotFile(args.table, args.kind as PlotKind, args.out, { region: args.region });
      for (const w of r.warnings) process.stderr.write(`ewmda plot: ${w}\n`);
      process.stdout.write(`${args.out}: ${r.chart.title} (${r.chart.subtitle})\n`);
    });
  },
});

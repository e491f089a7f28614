/**
 * One chart from loaded tables (used by `ewmda plot` and by the report), and the files a chart is written to.
 * A chart that cannot be drawn from what was loaded says why, in words a person can act on.
 */
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as agg from "./aggregate";
import { clustersChart, handlesChart, heatmapChart, namespaceChart, profileChart, stacksChart, type Chart, type ChartId } from "./charts";
import { namesOf } from "./columns";
import { prefetchRenderer, renderPng, renderSvg } from "./render";
import { readDocuments, sniffFormat, VizDb, VizInputError, type LoadedTable } from "./tables";

export const CHART_TITLES: Readonly<Record<ChartId, string>> = {
  profile: "Region profile",
  clusters: "Region clusters",
  namespace: "Namespaces",
  heatmap: "Execution residue heat map",
  handles: "Handles per type",
  stacks: "Unique stacks",
};

/** The kinds `ewmda plot` draws from one table. */
export const PLOT_KINDS = ["profile", "clusters", "namespace", "heatmap"] as const;
export type PlotKind = (typeof PLOT_KINDS)[number];

export type ChartOrReason = { readonly chart: Chart } | { readonly reason: string };

export interface ChartOptions {
  /** Profile of one thread or region only. */
  readonly region?: string;
  /** Where the handle counts came from, for the chart's subtitle. */
  readonly handleSource?: string;
}

const REGION_INPUTS = "a region table (RawStack or Region Profile rows as CSV / JSON lines), RawStack export documents, or a dump";

/** Aggregates and specifies one chart from what `db` holds. */
export async function buildChart(db: VizDb, id: ChartId, o: ChartOptions = {}): Promise<ChartOrReason> {
  switch (id) {
    case "profile": {
      const from = db.source("slots", "profile");
      if (!from) return { reason: `no region table in the inputs (give ${REGION_INPUTS})` };
      const d = await agg.profile(db, from, o.region);
      return d.bars.length ? { chart: profileChart(d) } : { reason: o.region ? `no values of region or thread "${o.region}"` : "the region table has no rows" };
    }
    case "clusters": {
      const slots = db.source("slots");
      const ranges = db.source("clusters");
      if (!slots && !ranges) return { reason: `no region table with addresses and values, nor a Region Clusters table (give ${REGION_INPUTS})` };
      const d = slots ? await agg.clusters(db, slots) : await agg.clusterRanges(db, ranges!);
      return d.total > 0 ? { chart: clustersChart(d) } : { reason: `no row has both an address and a value (${namesOf("address")}, ${namesOf("value")})` };
    }
    case "namespace": {
      const table = db.source("namespaces");
      const slots = db.source("slots");
      if (!table && !slots) return { reason: `no symbols in the inputs (give a Namespace table or ${REGION_INPUTS})` };
      if (!table && !db.has("slots", "symbol")) return { reason: `the region table has no ${namesOf("symbol")} column` };
      const d = await agg.namespaces(db, table ?? slots!, table !== undefined);
      return d.bars.length ? { chart: namespaceChart(d) } : { reason: "no value in the region table resolves to a symbol" };
    }
    case "heatmap": {
      const slots = db.source("slots");
      if (!slots) return { reason: `no region table in the inputs (give ${REGION_INPUTS})` };
      if (!db.has("slots", "thread") && !db.has("slots", "region")) return { reason: `the region table has no ${namesOf("thread")} (or Region) column, so rows cannot be told apart by thread` };
      const d = await agg.heatmap(db, slots);
      return d.cells.length ? { chart: heatmapChart(d) } : { reason: "no slot of the region table points into a module" };
    }
    case "handles": {
      const from = db.source("handles");
      if (!from) return { reason: "no handle data in the inputs (a dump written with handle data, or Handles export documents)" };
      const d = await agg.handles(db, from);
      return d.bars.length ? { chart: handlesChart(d, o.handleSource ?? "from a handle table") } : { reason: "the handle table is empty" };
    }
    case "stacks": {
      const from = db.source("stacks");
      if (!from) return { reason: "no UniqueStacks result in the inputs (give a dump, or ewmda analyze --jsonl --pattern UniqueStacks output)" };
      const d = await agg.stacks(db, from);
      return d.bars.length ? { chart: stacksChart(d) } : { reason: "UniqueStacks found no thread with a stack" };
    }
  }
}

/** Loads one input of `ewmda plot`: a table file, or export documents; a dump is refused (that is the report's job). */
export async function loadTableInput(db: VizDb, file: string): Promise<LoadedTable[]> {
  const format = sniffFormat(file);
  if (format === "minidump") throw new VizInputError(`${file}: a dump, not a table (ewmda report ${file} --charts DIR draws every chart of a dump)`);
  if (format === "documents") {
    const tables = await db.loadDocuments(readDocuments(file), file);
    if (!tables.length) throw new VizInputError(`${file}: no document with rows the charts can use (RawStack, Region Profile, Region Clusters, Namespace, Handles, UniqueStacks)`);
    return tables;
  }
  return [await db.loadFile(file, format)];
}

/** Writes through a temporary name, so an interrupted run never leaves half a file. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export type ImageFormat = "svg" | "png";

export function imageFormatOf(file: string): ImageFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  return ext === ".svg" ? "svg" : ext === ".png" ? "png" : undefined;
}

export interface PlotResult {
  readonly chart: Chart;
  readonly bytes: number;
  readonly warnings: readonly string[];
}

/** `ewmda plot`: one chart of one table file to an SVG or PNG file. */
export async function plotFile(table: string, kind: PlotKind, out: string, o: ChartOptions = {}): Promise<PlotResult> {
  const format = imageFormatOf(out);
  if (!format) throw new Error(`--out must end in .png or .svg: ${out}`);
  prefetchRenderer();
  const db = await VizDb.open();
  try {
    await loadTableInput(db, table);
    const r = await buildChart(db, kind, o);
    if ("reason" in r) throw new VizInputError(`${table}: cannot draw ${kind}: ${r.reason}`);
    const svg = await renderSvg(r.chart.spec, kind);
    const data = format === "svg" ? svg.svg : await renderPng(svg.svg);
    writeAtomic(out, data);
    return { chart: r.chart, bytes: data.length, warnings: svg.warnings };
  } finally {
    db.close();
  }
}

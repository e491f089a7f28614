/**
 * Vega-Lite specifications of the six charts, from aggregated data (aggregate.ts). One look for all of them
 * (fonts, sizes, colours per slot kind), so the report, `ewmda plot` and the notebook agree; the notebook
 * copies KIND_COLORS.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ClustersData, HandlesData, HeatmapData, NamespaceData, ProfileData, StacksData } from "./aggregate";

export type ChartId = "profile" | "clusters" | "namespace" | "heatmap" | "handles" | "stacks";

export interface Chart {
  readonly id: ChartId;
  readonly title: string;
  /** One sentence under the title: what was counted, how much, what was left out. */
  readonly subtitle: string;
  readonly spec: TopLevelSpec;
  /** The aggregated data, for the report's data table. */
  readonly table: { readonly columns: readonly string[]; readonly rows: readonly (readonly (string | number)[])[] };
  /** Data marks the chart draws (bars, points, cells), for checks. */
  readonly marks: number;
}

/** Colours of the slot kinds of RawStack and RegionProfile (the notebook uses the same). */
export const KIND_COLORS: Readonly<Record<string, string>> = {
  CodePointer: "#e15759",
  ImagePointer: "#f28e2b",
  DataPointer: "#4e79a7",
  StackPointer: "#59a14f",
  OtherStackPointer: "#8cd17d",
  UnloadedModulePointer: "#b07aa1",
  RawCodePointer: "#d37295",
  HeapPointer: "#76b7b2",
  String: "#edc948",
  Status: "#9c755f",
  SmallInt: "#a0a0a0",
  Zero: "#d4d4d4",
  Value: "#bab0ac",
  Unreadable: "#79706e",
};
const EXTRA_COLORS = ["#ff9da7", "#a0cbe8", "#86bcb6", "#b6992d", "#499894", "#f1ce63", "#d4a6c8", "#fabfd2"];

const FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

const CONFIG = {
  font: FONT,
  background: "white",
  padding: 12,
  title: { fontSize: 16, anchor: "start", subtitleFontSize: 12, subtitleColor: "#444", offset: 10 },
  // maxExtent: Vega stops pushing the axis title away from long labels at 200 px by default.
  axis: { labelFontSize: 12, titleFontSize: 13, labelLimit: 360, maxExtent: 380, titlePadding: 10 },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 320 },
  view: { stroke: "#ddd" },
} as const;

const WIDTH = 640;

/** A category axis's title written horizontally above its labels: a rotated title runs past short bar charts. */
const TOP_TITLE = { titleAngle: 0, titleAlign: "right", titleAnchor: "end", titleBaseline: "bottom", titleX: -6, titleY: -6 } as const;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
/** "1 thread", "2 threads": a count and its noun, singular for one. */
const count = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${Math.round(n) === 1 ? one : many}`;
const hex = (n: number) => `0x${Math.round(n).toString(16)}`;

function kindScale(kinds: readonly string[]): { domain: string[]; range: string[] } {
  const known = Object.keys(KIND_COLORS).filter((k) => kinds.includes(k));
  const other = [...new Set(kinds)].filter((k) => !(k in KIND_COLORS)).sort();
  return { domain: [...known, ...other], range: [...known.map((k) => KIND_COLORS[k]!), ...other.map((_, i) => EXTRA_COLORS[i % EXTRA_COLORS.length]!)] };
}

/**
 * Ticks of a symlog value axis over [lo, hi]: powers of 0x10 (every other one, powers of 0x100, when there are
 * more than 9), and 0 when the axis starts there; values read as hex.
 */
export function hexTicks(lo: number, hi: number): number[] {
  const powers: number[] = [];
  for (let v = 0x10; v <= hi * 1.0001; v *= 0x10) if (v >= lo * 0.9999) powers.push(v);
  const even = powers.length > 9 ? powers.filter((v) => Math.round(Math.log2(v)) % 8 === 0) : powers;
  const ticks = [...(lo <= 0 ? [0] : []), ...even];
  return ticks.length >= 2 ? ticks : [...new Set([lo, ...ticks, hi])];
}

/** Ticks of a linear address or offset axis at multiples of a power of two (0x2000, not 10000 shown as 0x2710). */
export function hexStepTicks(lo: number, hi: number, most = 8): number[] {
  const span = Math.max(1, hi - lo);
  const step = 2 ** Math.max(0, Math.ceil(Math.log2(span / most)));
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(v);
  return ticks;
}

/** The value axis's domain: from a hex digit below the smallest value (or 0) to a hex digit above the largest. */
function valueDomain(min: number, max: number): [number, number] {
  return [min <= 0x10 ? 0 : min / 16, Math.max(1, max) * 16];
}

function base(title: string, subtitle: string): Pick<TopLevelSpec, "$schema" | "title" | "config" | "autosize"> {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle },
    config: CONFIG as TopLevelSpec["config"],
    autosize: { type: "pad" },
  };
}

/** The spec without its title and subtitle, for pages that show them as text above the chart. */
export function untitled(spec: TopLevelSpec): TopLevelSpec {
  const { title: _title, ...rest } = spec as TopLevelSpec & { title?: unknown };
  return rest as TopLevelSpec;
}

export function profileChart(d: ProfileData): Chart {
  const title = d.region ? `Region profile of ${d.region}: values per module and kind` : "Region profile: values per module and kind";
  const shown = new Set(d.bars.map((b) => b.module)).size;
  const subtitle = `${count(d.total, "value")} by the module they point into (${count(d.modules, "group")})` + (d.modules > shown ? `; the ${shown - 1} largest drawn, the rest as ${"(other modules)"}` : "");
  const scale = kindScale(d.bars.map((b) => b.kind));
  return {
    id: "profile", title, subtitle, marks: d.bars.length,
    table: { columns: ["Module", "Kind", "Values"], rows: d.bars.map((b) => [b.module, b.kind, b.count]) },
    spec: {
      ...base(title, subtitle),
      width: WIDTH, height: { step: 20 },
      data: { values: d.bars as unknown as Record<string, unknown>[] },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "module", type: "nominal", title: "Module", sort: { field: "rank", op: "min", order: "ascending" }, axis: TOP_TITLE },
        x: { field: "count", type: "quantitative", title: "Values (slots)", axis: { format: ",d" } },
        color: { field: "kind", type: "nominal", title: "Kind", scale },
        order: { field: "kind" },
      },
    },
  };
}

export function clustersChart(d: ClustersData): Chart {
  const title = "Region clusters: address against value";
  const xTitle = d.x === "offset" ? "Offset of the slot in its region (bytes)" : "Slot address";
  // The value axis reaches one hex digit past the largest value, so points at the top are not cut by the frame.
  const yAxis = (lo: number, hi: number) => ({ values: hexTicks(lo, hi), format: "#x", title: "Value (symlog scale)" });
  const yScale = (lo: number, hi: number) => ({ type: "symlog" as const, domain: [lo, hi], nice: false });
  const xAxis = (lo: number, hi: number) => ({ values: hexStepTicks(lo, hi), format: "#x", labelOverlap: true });
  if (d.mode === "ranges") {
    const subtitle = `${fmt(d.ranges.length)} clusters of ${fmt(d.total)} values, by value range and size`;
    const [lo, hi] = valueDomain(Math.min(...d.ranges.map((r) => r.low)), Math.max(...d.ranges.map((r) => r.high)));
    const scale = kindScale(d.ranges.map((r) => r.label));
    return {
      id: "clusters", title: "Region clusters: value ranges", subtitle, marks: d.ranges.length * 2,
      table: { columns: ["Low", "High", "Values", "Label"], rows: d.ranges.map((r) => [hex(r.low), hex(r.high), r.count, r.label]) },
      spec: {
        ...base("Region clusters: value ranges", subtitle),
        width: WIDTH, height: 360,
        data: { values: d.ranges as unknown as Record<string, unknown>[] },
        encoding: {
          x: { field: "low", type: "quantitative", scale: yScale(lo, hi), axis: { ...yAxis(lo, hi), title: "Value range (symlog scale)" } },
          y: { field: "count", type: "quantitative", scale: { type: "log" }, title: "Values in the cluster (log scale)" },
          color: { field: "label", type: "nominal", title: "Cluster", scale },
        },
        layer: [
          { mark: { type: "rule", strokeWidth: 3 }, encoding: { x2: { field: "high" } } },
          { mark: { type: "point", filled: true, size: 60, tooltip: true }, encoding: { x: { field: "mid", type: "quantitative" } } },
        ],
      },
    };
  }
  if (d.mode === "points") {
    const subtitle = `${count(d.total, "slot")} in ${count(d.regions, "region")}, one point each`;
    const [lo, hi] = valueDomain(Math.min(...d.points.map((p) => p.value)), Math.max(...d.points.map((p) => p.value)));
    const xs = d.points.map((p) => p.x);
    const scale = kindScale(d.points.map((p) => p.kind));
    return {
      id: "clusters", title, subtitle, marks: d.points.length,
      table: { columns: ["Kind", "Slots"], rows: countBy(d.points.map((p) => p.kind)) },
      spec: {
        ...base(title, subtitle),
        width: WIDTH, height: 360,
        data: { values: d.points as unknown as Record<string, unknown>[] },
        mark: { type: "point", filled: true, size: 22, opacity: 0.75, tooltip: true },
        encoding: {
          x: { field: "x", type: "quantitative", title: xTitle, scale: { zero: false }, axis: xAxis(Math.min(...xs), Math.max(...xs)) },
          y: { field: "value", type: "quantitative", scale: yScale(lo, hi), axis: yAxis(lo, hi) },
          color: { field: "kind", type: "nominal", title: "Kind", scale },
        },
      },
    };
  }
  const subtitle = `${count(d.total, "slot")} in ${count(d.regions, "region")}, counted in ${fmt(d.cells.length)} cells (too many to draw one by one)`;
  // Cells span the smallest to the largest value (aggregate.ts), and so does the axis.
  const lo = Math.min(...d.cells.map((c) => c.y0));
  const hi = Math.max(1, ...d.cells.map((c) => c.y1));
  const x0 = Math.min(...d.cells.map((c) => c.x0));
  const x1 = Math.max(...d.cells.map((c) => c.x1));
  return {
    id: "clusters", title, subtitle, marks: d.cells.length,
    table: { columns: ["Offset from", "Offset to", "Value from", "Value to", "Slots"], rows: d.cells.slice().sort((a, b) => b.count - a.count).map((c) => [hex(c.x0), hex(c.x1), hex(c.y0), hex(c.y1), c.count]) },
    spec: {
      ...base(title, subtitle),
      width: WIDTH, height: 360,
      data: { values: d.cells as unknown as Record<string, unknown>[] },
      mark: { type: "rect", tooltip: true },
      encoding: {
        x: { field: "x0", type: "quantitative", title: xTitle, scale: { zero: false, nice: false, domain: [x0, x1] }, axis: xAxis(x0, x1) },
        x2: { field: "x1" },
        y: { field: "y0", type: "quantitative", scale: yScale(lo < 1 ? 0 : lo, hi), axis: yAxis(lo < 1 ? 0 : lo, hi) },
        y2: { field: "y1" },
        color: { field: "count", type: "quantitative", title: "Slots per cell", scale: { type: "log", scheme: "viridis" } },
      },
    },
  };
}

export function namespaceChart(d: NamespaceData): Chart {
  const title = "Namespaces in the symbols";
  const subtitle = `${count(d.total, "symbolized value")} in ${fmt(d.namespaces)} namespaces and modules` + (d.namespaces > d.bars.length ? `; the ${d.bars.length} largest drawn` : "");
  const values = d.bars.map((b) => ({ ...b, group: b.namespaced ? "C++ namespace or class" : "module only (C-style names)" }));
  return {
    id: "namespace", title, subtitle, marks: values.length,
    table: { columns: ["Namespace", "Values", "Threads"], rows: d.bars.map((b) => [b.name, b.count, b.threads]) },
    spec: {
      ...base(title, subtitle),
      width: WIDTH, height: { step: 20 },
      data: { values },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "name", type: "nominal", sort: "-x", title: "module!namespace", axis: TOP_TITLE },
        x: { field: "count", type: "quantitative", title: "Values (slots or frames)", axis: { format: ",d" } },
        color: { field: "group", type: "nominal", title: "Symbol", scale: { domain: ["C++ namespace or class", "module only (C-style names)"], range: ["#4e79a7", "#bab0ac"] } },
      },
    },
  };
}

export function heatmapChart(d: HeatmapData): Chart {
  const title = "Execution residue: modules in each thread's stack";
  const shownThreads = new Set(d.cells.map((c) => c.thread)).size;
  const shownModules = new Set(d.cells.map((c) => c.module)).size;
  const subtitle = `${count(d.threads, "thread")} × ${count(d.modules, "module")}` + (d.threads > shownThreads || d.modules > shownModules ? `; the ${shownThreads} threads and ${shownModules} modules with most residue drawn` : "");
  return {
    id: "heatmap", title, subtitle, marks: d.cells.length,
    table: { columns: ["Thread", "Module", "Slots"], rows: d.cells.map((c) => [c.thread, c.module, c.count]) },
    spec: {
      ...base(title, subtitle),
      width: { step: 24 }, height: { step: 16 },
      data: { values: d.cells as unknown as Record<string, unknown>[] },
      mark: { type: "rect", tooltip: true },
      encoding: {
        x: { field: "module", type: "nominal", title: "Module", sort: { field: "moduleRank", op: "min", order: "ascending" }, axis: { labelAngle: -40, orient: "top" } },
        y: { field: "thread", type: "nominal", title: "Thread", sort: { field: "threadRank", op: "min", order: "ascending" }, axis: TOP_TITLE },
        color: { field: "count", type: "quantitative", title: "Slots", scale: { type: "log", scheme: "blues" } },
      },
    },
  };
}

export function handlesChart(d: HandlesData, source: string): Chart {
  const title = "Handles per object type";
  const subtitle = `${count(d.total, "handle")} of ${count(d.bars.length, "type")}, ${source}`;
  return {
    id: "handles", title, subtitle, marks: d.bars.length,
    table: { columns: ["Type", "Handles"], rows: d.bars.map((b) => [b.type, b.count]) },
    spec: {
      ...base(title, subtitle),
      width: WIDTH, height: { step: 20 },
      data: { values: d.bars as unknown as Record<string, unknown>[] },
      encoding: {
        // An explicit sort: "-x" means a different thing in each layer, and Vega-Lite warns when they differ.
        y: { field: "type", type: "nominal", sort: { field: "count", op: "sum", order: "descending" }, title: "Object type", axis: TOP_TITLE },
        x: { field: "count", type: "quantitative", title: "Handles", axis: { format: ",d" } },
      },
      layer: [
        { mark: { type: "bar", color: "#4e79a7", tooltip: true } },
        { mark: { type: "text", align: "left", dx: 4, fontSize: 12 }, encoding: { text: { field: "count", type: "quantitative", format: ",d" } } },
      ],
    },
  };
}

export function stacksChart(d: StacksData): Chart {
  const title = "Unique stacks: threads per stack";
  const subtitle = `${count(d.threads, "thread")} in ${count(d.groups, "distinct stack")}` + (d.groups > d.bars.length ? `; the ${d.bars.length} largest groups drawn` : "") + "; labelled by top frame" +
    (d.bars.some((b) => b.caller) ? " \u2190 first frame outside system modules" : "");
  const scale = kindScale(d.bars.map((b) => b.wait));
  return {
    id: "stacks", title, subtitle, marks: d.bars.length,
    table: { columns: ["Group", "Wait", "Threads"], rows: d.bars.map((b) => [b.label, b.wait, b.threads]) },
    spec: {
      ...base(title, subtitle),
      width: WIDTH, height: { step: 20 },
      data: { values: d.bars as unknown as Record<string, unknown>[] },
      encoding: {
        y: { field: "label", type: "nominal", sort: { field: "rank", op: "min", order: "ascending" }, title: "Stack group (top frame)", axis: TOP_TITLE },
        x: { field: "threads", type: "quantitative", title: "Threads", axis: { tickMinStep: 1, format: ",d" } },
      },
      layer: [
        { mark: { type: "bar", tooltip: true }, encoding: { color: { field: "wait", type: "nominal", title: "Wait", scale } } },
        { mark: { type: "text", align: "left", dx: 4, fontSize: 12 }, encoding: { text: { field: "threads", type: "quantitative" } } },
      ],
    },
  };
}

function countBy(xs: readonly string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

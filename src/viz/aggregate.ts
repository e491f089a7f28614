/**
 * The aggregations behind each chart, in SQL over the canonical views (tables.ts): whatever the number of
 * rows, a chart receives at most a few thousand aggregated marks. Limits (how many modules, threads,
 * namespaces are drawn; when points become a density grid) live in `LIMITS`, with their reasons.
 */
import { literal, namespaceOfSymbolSql } from "./columns";
import type { VizDb } from "./tables";

/** How much a chart draws; the rest is folded into "(other ...)" or binned, and the caption says so. */
export const LIMITS = {
  /** Modules drawn in the region profile: past 25 bars a horizontal bar chart stops being readable. */
  profileModules: 25,
  /** Namespaces drawn: the same reason. */
  namespaces: 30,
  /** Heat-map rows (threads) and columns (modules): 60 × 40 cells still show labels at 12 px. */
  heatmapThreads: 60,
  heatmapModules: 40,
  /** Unique-stack groups drawn. */
  stackGroups: 30,
  /** Points drawn one by one in the clusters chart; more become a density grid of binsX × binsY cells. */
  clusterPoints: 3000,
  binsX: 100,
  binsY: 60,
} as const;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));
const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

// ---------------------------------------------------------------- region profile

export interface ProfileData {
  readonly bars: readonly { module: string; kind: string; count: number; rank: number }[];
  /** Values counted (rows, or the sum of Count for summary tables). */
  readonly total: number;
  readonly modules: number;
  readonly region: string | undefined;
}

export const NO_MODULE = "(not in a module)";
export const OTHER_MODULES = "(other modules)";

/** Value counts per module and kind; `region` keeps one thread or region. */
export async function profile(db: VizDb, from: string, region?: string): Promise<ProfileData> {
  const where = region === undefined ? "" : `WHERE lower(region) = ${literal(region.toLowerCase())}`;
  const rows = await db.query(`
    WITH base AS (
      SELECT coalesce(module, '${NO_MODULE}') AS module, coalesce(kind, '(unclassified)') AS kind, sum(weight) AS n
      FROM ${from} ${where} GROUP BY ALL),
    mods AS (SELECT module, row_number() OVER (ORDER BY sum(n) DESC, module) AS rank FROM base GROUP BY module)
    SELECT CASE WHEN rank <= ${LIMITS.profileModules} THEN base.module ELSE '${OTHER_MODULES}' END AS module, kind,
      sum(n)::DOUBLE AS count, min(rank)::DOUBLE AS rank, (SELECT count(*) FROM mods)::DOUBLE AS modules
    FROM base JOIN mods USING (module) GROUP BY ALL ORDER BY rank, kind`);
  return {
    bars: rows.map((r) => ({ module: str(r.module), kind: str(r.kind), count: num(r.count), rank: num(r.rank) })),
    total: rows.reduce((s, r) => s + num(r.count), 0),
    modules: rows.length ? num(rows[0]!.modules) : 0,
    region,
  };
}

// ---------------------------------------------------------------- region clusters

export interface ClusterPoint { x: number; value: number; kind: string }
export interface DensityCell { x0: number; x1: number; y0: number; y1: number; count: number }
export interface ClusterRange { low: number; high: number; mid: number; count: number; label: string }

export interface ClustersData {
  /** points: every slot drawn; density: slots binned; ranges: a Region Clusters table's value ranges. */
  readonly mode: "points" | "density" | "ranges";
  readonly points: readonly ClusterPoint[];
  readonly cells: readonly DensityCell[];
  readonly ranges: readonly ClusterRange[];
  readonly total: number;
  readonly regions: number;
  /** x is the address itself (one region) or the offset from the start of each region (several). */
  readonly x: "address" | "offset";
}

/** Address vs value for slot tables (points, or a density grid past LIMITS.clusterPoints). */
export async function clusters(db: VizDb, from: string): Promise<ClustersData> {
  const valid = "address IS NOT NULL AND value IS NOT NULL";
  const [stats] = await db.query(`SELECT count(*)::DOUBLE AS n, count(DISTINCT region)::DOUBLE AS regions FROM ${from} WHERE ${valid}`);
  const total = num(stats?.n);
  const regions = Math.max(1, num(stats?.regions));
  const x: ClustersData["x"] = regions > 1 ? "offset" : "address";
  // Offsets from each region's lowest address: a join with the per-region minimum (a window would sort every row).
  const src = x === "offset"
    ? `(SELECT s.*, (s.address - r.a0)::DOUBLE AS x FROM ${from} s JOIN (SELECT region, min(address) AS a0 FROM ${from} WHERE ${valid} GROUP BY region) r
        ON s.region IS NOT DISTINCT FROM r.region WHERE s.address IS NOT NULL AND s.value IS NOT NULL)`
    : `(SELECT *, address::DOUBLE AS x FROM ${from} WHERE ${valid})`;
  if (total <= LIMITS.clusterPoints) {
    const rows = await db.query(`SELECT x, value::DOUBLE AS value, coalesce(kind, '(unclassified)') AS kind FROM ${src}`);
    return { mode: "points", points: rows.map((r) => ({ x: num(r.x), value: num(r.value), kind: str(r.kind) })), cells: [], ranges: [], total, regions, x };
  }
  // Bins are even in ln(1 + value), the same curve as the chart's symlog axis, so cells are even on screen; they
  // span the smallest to the largest value, not 0 to the largest: stack residue is mostly pointers, 2^39 to 2^47,
  // which bins from 0 would squeeze into two rows of cells.
  const rows = await db.query(`
    WITH p AS (SELECT x, ln(1 + value::DOUBLE) AS t FROM ${src}),
    e AS (SELECT min(x) AS x0, greatest(max(x) - min(x), 1) / ${LIMITS.binsX} AS bx, min(t) AS t0,
            greatest(max(t) - min(t), 1e-9) / ${LIMITS.binsY} AS bt FROM p),
    b AS (SELECT least(floor((x - x0) / bx), ${LIMITS.binsX - 1}) AS ix, least(floor((t - t0) / bt), ${LIMITS.binsY - 1}) AS iy, count(*) AS n
          FROM p, e GROUP BY ALL)
    SELECT (x0 + ix * bx)::DOUBLE AS x0, (x0 + (ix + 1) * bx)::DOUBLE AS x1, (exp(t0 + iy * bt) - 1)::DOUBLE AS y0,
      (exp(t0 + (iy + 1) * bt) - 1)::DOUBLE AS y1, n::DOUBLE AS count
    FROM b, e ORDER BY ix, iy`);
  return { mode: "density", points: [], cells: rows.map((r) => ({ x0: num(r.x0), x1: num(r.x1), y0: num(r.y0), y1: num(r.y1), count: num(r.count) })), ranges: [], total, regions, x };
}

/** A Region Clusters table: each cluster's value range and count. */
export async function clusterRanges(db: VizDb, from: string): Promise<ClustersData> {
  const rows = await db.query(`
    SELECT low::DOUBLE AS low, coalesce(high, low)::DOUBLE AS high, weight::DOUBLE AS count, coalesce(label, '(no label)') AS label
    FROM ${from} WHERE low IS NOT NULL ORDER BY low`);
  const ranges = rows.map((r) => ({ low: num(r.low), high: num(r.high), mid: (num(r.low) + num(r.high)) / 2, count: num(r.count), label: str(r.label) }));
  return { mode: "ranges", points: [], cells: [], ranges, total: ranges.reduce((s, r) => s + r.count, 0), regions: 1, x: "address" };
}

// ---------------------------------------------------------------- namespaces

export interface NamespaceData {
  readonly bars: readonly { name: string; count: number; threads: number; namespaced: boolean }[];
  readonly total: number;
  readonly namespaces: number;
}

/**
 * Symbols grouped by module and C++ namespace / class prefix (`module!A::B`); C-style symbols, which have
 * none, count under their module. From a Namespace table, its rows at depth 2 (or its deepest, if shallower).
 */
export async function namespaces(db: VizDb, from: string, fromNamespaceTable: boolean): Promise<NamespaceData> {
  // Symbols repeat (the same return address on many stacks): their namespace is derived once per distinct symbol.
  const base = fromNamespaceTable
    ? `SELECT namespace AS name, TRUE AS namespaced, weight AS n, NULL AS thread FROM ${from}
       WHERE namespace IS NOT NULL AND (depth IS NULL OR depth = (SELECT least(2, max(depth)) FROM ${from}))`
    : `WITH s AS (SELECT symbol, module, region, sum(weight) AS n FROM ${from} WHERE symbol IS NOT NULL GROUP BY ALL),
         d AS (SELECT symbol, ${namespaceOfSymbolSql("symbol")} AS ns FROM (SELECT DISTINCT symbol FROM s))
       SELECT CASE WHEN ns IS NULL THEN coalesce(module, '?') || ' (no namespace)' ELSE coalesce(module || '!', '') || ns END AS name,
         ns IS NOT NULL AS namespaced, n, region AS thread FROM s JOIN d USING (symbol)`;
  const rows = await db.query(`
    WITH b AS (${base}),
    g AS (SELECT name, bool_or(namespaced) AS namespaced, sum(n) AS n, count(DISTINCT thread) AS threads FROM b GROUP BY name)
    SELECT name, namespaced, n::DOUBLE AS count, threads::DOUBLE AS threads, (SELECT count(*) FROM g)::DOUBLE AS namespaces, (SELECT sum(n) FROM g)::DOUBLE AS total
    FROM g ORDER BY n DESC, name LIMIT ${LIMITS.namespaces}`);
  return {
    bars: rows.map((r) => ({ name: str(r.name), count: num(r.count), threads: num(r.threads), namespaced: r.namespaced === true || r.namespaced === "true" })),
    total: rows.length ? num(rows[0]!.total) : 0,
    namespaces: rows.length ? num(rows[0]!.namespaces) : 0,
  };
}

// ---------------------------------------------------------------- residue heat map

export interface HeatmapData {
  readonly cells: readonly { thread: string; module: string; count: number; threadRank: number; moduleRank: number }[];
  readonly threads: number;
  readonly modules: number;
}

/** Slots per thread and module (which modules each thread's residue holds). */
export async function heatmap(db: VizDb, from: string): Promise<HeatmapData> {
  const rows = await db.query(`
    WITH b AS (SELECT region AS thread, module, sum(weight) AS n FROM ${from} WHERE module IS NOT NULL AND region IS NOT NULL GROUP BY ALL),
    th AS (SELECT thread, row_number() OVER (ORDER BY sum(n) DESC, thread) AS r FROM b GROUP BY thread),
    mo AS (SELECT module, row_number() OVER (ORDER BY sum(n) DESC, module) AS r FROM b GROUP BY module)
    SELECT b.thread, b.module, n::DOUBLE AS count, th.r::DOUBLE AS thread_rank, mo.r::DOUBLE AS module_rank,
      (SELECT count(*) FROM th)::DOUBLE AS threads, (SELECT count(*) FROM mo)::DOUBLE AS modules
    FROM b JOIN th USING (thread) JOIN mo USING (module)
    WHERE th.r <= ${LIMITS.heatmapThreads} AND mo.r <= ${LIMITS.heatmapModules}
    ORDER BY th.r, mo.r`);
  return {
    cells: rows.map((r) => ({ thread: str(r.thread), module: str(r.module), count: num(r.count), threadRank: num(r.thread_rank), moduleRank: num(r.module_rank) })),
    threads: rows.length ? num(rows[0]!.threads) : 0,
    modules: rows.length ? num(rows[0]!.modules) : 0,
  };
}

// ---------------------------------------------------------------- handles and stacks

export interface HandlesData {
  readonly bars: readonly { type: string; count: number }[];
  readonly total: number;
}

export async function handles(db: VizDb, from: string): Promise<HandlesData> {
  const rows = await db.query(`SELECT coalesce(type, '(unknown type)') AS type, sum(weight)::DOUBLE AS count FROM ${from} GROUP BY ALL HAVING sum(weight) > 0 ORDER BY count DESC, type`);
  const bars = rows.map((r) => ({ type: str(r.type), count: num(r.count) }));
  return { bars, total: bars.reduce((s, b) => s + b.count, 0) };
}

export interface StacksData {
  readonly bars: readonly { label: string; top: string; caller: string | undefined; wait: string; threads: number; rank: number }[];
  readonly groups: number;
  readonly threads: number;
}

/**
 * Modules whose frames say little about which code a thread runs (the wait and thread-start functions every
 * thread has): a stack group's label names its first frame outside them, since on an unsymbolized dump most
 * groups share a top frame such as `ntdll+0x9f9a4`.
 */
export const SYSTEM_MODULES = [
  "ntdll", "kernelbase", "kernel32", "win32u", "user32", "gdi32", "combase", "rpcrt4", "sechost", "ucrtbase", "msvcrt",
  "ntoskrnl", "libc.so.6", "libpthread.so.0", "ld-linux-x86-64.so.2",
];

/** UniqueStacks groups: threads per distinct stack, labelled by top frame and the first frame outside system modules. */
export async function stacks(db: VizDb, from: string): Promise<StacksData> {
  const system = SYSTEM_MODULES.map(literal).join(", ");
  // A frame's module: `mod!fn+0x10` or `mod+0x10`, its extension dropped (ntdll.dll and ntdll are one).
  const mod = (f: string) => `lower(regexp_replace(regexp_extract(${f}, '^([^!+ ]+)[!+]', 1), '\\.(dll|exe|sys)$', ''))`;
  const rows = await db.query(`
    WITH g AS (SELECT coalesce(top_frame, '(no frames)') AS top, coalesce(wait, '(unknown)') AS wait, weight AS n,
      list_filter(string_split(coalesce(stack, ''), chr(10)), lambda f: ${mod("f")} NOT IN ('', ${system}))[1] AS caller,
      row_number() OVER (ORDER BY weight DESC, top_frame) AS rank FROM ${from} WHERE top_frame IS NOT NULL OR weight > 0)
    SELECT top, wait, caller, n::DOUBLE AS threads, rank::DOUBLE AS rank, (SELECT count(*) FROM g)::DOUBLE AS groups, (SELECT sum(n) FROM g)::DOUBLE AS total
    FROM g WHERE rank <= ${LIMITS.stackGroups} ORDER BY rank`);
  return {
    // The rank keeps two groups with the same top frame (different stacks below it) apart.
    bars: rows.map((r) => {
      const top = str(r.top);
      const caller = r.caller === null || r.caller === undefined || str(r.caller).trim() === top ? undefined : str(r.caller).trim();
      return { label: `#${num(r.rank)} ${top}${caller ? ` \u2190 ${caller}` : ""}`, top, caller, wait: str(r.wait), threads: num(r.threads), rank: num(r.rank) };
    }),
    groups: rows.length ? num(rows[0]!.groups) : 0,
    threads: rows.length ? num(rows[0]!.total) : 0,
  };
}

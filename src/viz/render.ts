/**
 * Drawing: a Vega-Lite spec compiled to Vega and rendered to SVG in Node with no canvas (a View with the
 * "none" renderer and toSVG, text widths estimated), then to PNG by resvg with the system's fonts. Vega and
 * resvg are loaded on first use. Warnings from Vega-Lite and Vega are collected, not printed, so callers
 * decide what a person sees.
 */
import type { TopLevelSpec } from "vega-lite";

export interface RenderedSvg {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
  readonly warnings: readonly string[];
}

/**
 * Starts loading Vega and Vega-Lite (a few hundred milliseconds of module evaluation) so that it overlaps with
 * DuckDB reading the table on its own threads; renderSvg awaits the same imports.
 */
export function prefetchRenderer(): void {
  void Promise.all([import("vega"), import("vega-lite"), import("@resvg/resvg-js")]).catch(() => undefined);
}

/** Renders a chart to a standalone SVG document; ids are prefixed so several SVGs can share one HTML page. */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<RenderedSvg> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const warnings: string[] = [];
  const handler = (_method: string, level: string, args: unknown[]) => warnings.push(`${level} ${args.map(String).join(" ")}`);
  const logger = vega.logger(vega.Warn, "warn", handler as never);
  const compiled = vl.compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger, logLevel: vega.Warn });
  try {
    const svg = prefixIds(await view.toSVG(), idPrefix);
    return { svg, width: view.width(), height: view.height(), warnings };
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers clip paths and gradients per renderer (`clip1`, `gradient_0`), so two charts inline in one
 * page would point at each other's definitions; a prefix per chart keeps every id and reference distinct.
 */
export function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}

/** Fonts resvg looks for first; the report's SVG names the same families for browsers. */
const PNG_FONT = "DejaVu Sans";

/** PNG bytes of an SVG at `scale` (2: sharp on high-density screens and in documents). */
export async function renderPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import("@resvg/resvg-js");
  const r = new Resvg(svg, { fitTo: { mode: "zoom", value: scale }, background: "white", font: { loadSystemFonts: true, defaultFontFamily: PNG_FONT } });
  return r.render().asPng();
}

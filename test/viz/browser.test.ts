/**
 * The HTML report as a person sees it: opened from disk in Debian's Chromium (headless, driven by
 * playwright-core, with every request that is not the file itself blocked and recorded), with no console
 * message, every chart drawn (its SVG marks counted in the page, its box on screen, its pixels not blank), and
 * a full-page screenshot written (to EWMDA_VIZ_ARTIFACTS when set, to look at).
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium as playwright, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo";
import { buildReport } from "../../src/viz/report";
import { decodePng, pixelStats } from "./png";
import { CHROMIUM_ARGS, findChromium, fullReport, NOW, tempDir } from "./support";

const chromium = findChromium();

const artifacts = process.env.EWMDA_VIZ_ARTIFACTS ?? tempDir("browser");
mkdirSync(artifacts, { recursive: true });

/** The little of the DOM the page checks use (this project's TypeScript has no DOM library). */
interface PageElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  getBoundingClientRect(): { width: number; height: number };
  readonly textContent: string | null;
}
declare const document: PageElement;

interface SectionState { id: string; marks: number; expected: number; width: number; height: number; missing: string | null }

async function openReport(context: BrowserContext, file: string, shot: string) {
  const page = await context.newPage();
  const messages: string[] = [];
  const blocked: string[] = [];
  page.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => messages.push(`pageerror: ${e.message}`));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const url = pathToFileURL(file).href;
  const response = await page.goto(url, { waitUntil: "load" });
  const sections = await page.evaluate((): SectionState[] => [...document.querySelectorAll("section.chart")].map((s) => {
    const svg = s.querySelector("figure svg");
    const box = svg?.getBoundingClientRect();
    return {
      id: s.getAttribute("data-chart") ?? "",
      marks: s.querySelectorAll("figure svg .role-mark > *").length,
      expected: Number(s.querySelector("figure")?.getAttribute("data-marks") ?? 0),
      width: box?.width ?? 0,
      height: box?.height ?? 0,
      missing: s.querySelector("[data-missing]")?.textContent ?? null,
    };
  }));
  const triageRows = await page.locator("table.triage tbody tr").count();
  const chartShots = new Map<string, Buffer>();
  for (const s of sections) if (!s.missing) chartShots.set(s.id, await page.locator(`#chart-${s.id} figure`).screenshot());
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  return { ok: response?.ok() ?? false, messages, blocked, sections, triageRows, chartShots };
}

describe.skipIf(chromium.skip !== undefined)(`the report in headless Chromium${chromium.skip ? ` (skipped: ${chromium.skip})` : ""}`, () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await playwright.launchPersistentContext(tempDir("chromium-profile"), {
      executablePath: chromium.path!, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
    });
  });
  afterAll(async () => { await context?.close(); });

  it("opens the report of synthetic findings and a region table with all six charts drawn", { timeout: 180_000 }, async () => {
    const r = await fullReport(tempDir("browser-full"));
    const shot = path.join(artifacts, "report-full.png");
    const page = await openReport(context, r.out, shot);
    expect(page.ok).toBe(true);
    expect(page.messages).toEqual([]);
    expect(page.blocked).toEqual([]);
    expect(page.triageRows).toBe(2);
    expect(page.sections.map((s) => s.id)).toEqual(["profile", "clusters", "namespace", "heatmap", "handles", "stacks"]);
    for (const s of page.sections) {
      expect(s.missing, s.id).toBeNull();
      expect(s.expected, s.id).toBeGreaterThan(0);
      expect(s.marks, s.id).toBeGreaterThanOrEqual(s.expected);
      expect(s.width, s.id).toBeGreaterThan(300);
      expect(s.height, s.id).toBeGreaterThan(100);
      const img = decodePng(page.chartShots.get(s.id)!);
      const stats = pixelStats(img);
      expect(stats.stdev, s.id).toBeGreaterThan(15);
      expect(stats.colors, s.id).toBeGreaterThan(8);
    }
    const full = decodePng(readFileSync(shot));
    expect(full.width).toBe(1280);
    expect(full.height).toBeGreaterThan(3000);
    expect(pixelStats(full).stdev).toBeGreaterThan(20);
  });

  it("opens the demo dump's report: five charts drawn, the handle chart's absence explained", { timeout: 180_000 }, async () => {
    const dir = tempDir("browser-demo");
    const { dump, symbols } = runDemo(path.join(dir, "demo.dmp"));
    const out = path.join(dir, "demo.html");
    await buildReport([dump], { out, symbolsDir: symbols, now: NOW });
    const page = await openReport(context, out, path.join(artifacts, "report-demo.png"));
    expect(page.messages).toEqual([]);
    expect(page.blocked).toEqual([]);
    expect(page.triageRows).toBeGreaterThan(8);
    const byId = new Map(page.sections.map((s) => [s.id, s]));
    expect(byId.get("handles")!.missing).toMatch(/^Not drawn: the dump has no handle stream/);
    for (const id of ["profile", "clusters", "namespace", "heatmap", "stacks"]) {
      const s = byId.get(id)!;
      expect(s.missing, id).toBeNull();
      expect(s.marks, id).toBeGreaterThanOrEqual(s.expected);
      expect(s.expected, id).toBeGreaterThan(0);
    }
  });
});

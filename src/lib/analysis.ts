/**
 * How an analysis is declared: metadata next to the logic (`defineAnalysis({ meta, run })`), typed
 * columns, and a generator that yields keyed records. Analyses never format text and never print; the
 * three faces (dx objects, `!` tables, exported documents) are built once from these declarations.
 */
import type { Config, SettingsSpec, SettingValues } from "./config";
import type { Target } from "./target";
import { errorMessage, type Source, type Verdict } from "./values";

/** How a column's values are shown: the `!` renderer and the export pick their formatting from this. */
export type ColumnType = "address" | "hex" | "int" | "string" | "bool" | "verdict";

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly help: string;
  /** false: left out of the `!` table (still in dx and exports). */
  readonly table?: boolean;
  /** true: left out of the `!` table when no row has a value (columns only some targets or options fill). */
  readonly sparse?: boolean;
}

export interface ParamSpec {
  readonly name: string;
  readonly help: string;
  readonly optional: boolean;
}

export interface OptionSpec {
  readonly name: string;
  readonly type: "bool" | "string" | "number";
  readonly help: string;
}

export type TargetKind = "user" | "kernel" | "any";

export interface AnalysisMeta<S extends SettingsSpec = SettingsSpec> {
  /** dx method name (PascalCase). */
  readonly name: string;
  /** `!` command name (lowercase); registered as `!ewmda.<command>` and `!ewmda_<command>`. */
  readonly command: string;
  /** One line; also the first line of the JSDoc. */
  readonly summary: string;
  /** Catalogue patterns this analysis gives evidence for (names from patterns.md's summary table). */
  readonly patterns: readonly string[];
  readonly targets: TargetKind;
  /** Semver of the analysis's output; bump when rows change meaning. */
  readonly version: string;
  readonly params: readonly ParamSpec[];
  readonly options: readonly OptionSpec[];
  readonly columns: readonly ColumnSpec[];
  /** Thresholds and budgets, each with default and reason; they become `@$ewmda.Config.<name>`. */
  readonly settings?: S;
  /** false for listings (raw stacks, stack collections) that Triage does not run; findings default to true. */
  readonly triage?: boolean;
}

/** Every row carries these; the rest are the analysis's own columns. */
export interface BaseRow {
  readonly Verdict: Verdict;
  readonly Evidence: string;
  readonly Source: Source;
}
export type Row = BaseRow & { readonly [column: string]: unknown };

export interface RunContext<V = { readonly [key: string]: unknown }> {
  readonly target: Target;
  /** This analysis's settings (its section of the configuration). */
  readonly settings: V;
  /** The whole configuration (other analyses' sections, for analyses that run others). */
  readonly config: Config;
  /** One line that describes what was examined (shown as the result's display string and the table title). */
  summary(text: string): void;
  /** Every registered analysis (for analyses that run others, such as Triage). */
  readonly analyses: readonly Analysis[];
  /** Cooperative time budget: long loops check `exceeded()` and stop with a partial result. */
  readonly budget: Budget;
  /**
   * Columns known only at run time (StructureSheaf's chosen fields), appended after the declared ones in
   * the result's meta, so the dx rows, the `!` table and the export documents all have them. Call it before
   * yielding the rows that use them; a name that is already a column is ignored.
   */
  addColumns(columns: readonly ColumnSpec[]): void;
}

export interface Budget {
  /** Milliseconds allowed (0: no limit). */
  readonly limitMs: number;
  exceeded(): boolean;
}

export function budget(limitMs: number): Budget {
  const start = Date.now();
  return { limitMs, exceeded: () => limitMs > 0 && Date.now() - start > limitMs };
}

export interface Analysis<S extends SettingsSpec = SettingsSpec> {
  readonly meta: AnalysisMeta<S>;
  /** Yields rows; may throw, in which case the rows so far are kept and the result is marked partial. */
  run(ctx: RunContext<SettingValues<S>>, args: readonly unknown[]): Iterable<Row>;
  /** One-line text of a row (dx display string); default: the first columns joined. */
  rowText?(row: Row, ctx: { pointerSize: number }): string;
  /** The `!` face when it is not a table (Log prints the command's own output); default: the table. */
  renderText?(result: AnalysisResult): string[];
}

/** The common columns, appended after an analysis's own. */
export const BASE_COLUMNS: readonly ColumnSpec[] = [
  { name: "Verdict", type: "verdict", help: "Positive, Suspicious, Info (context or missing data) or Negative (examined, nothing found)" },
  { name: "Evidence", type: "string", help: "One line a person can check with a classic debugger command", table: false },
  { name: "Source", type: "string", help: "typed (typed objects and memory), command (parsed command output) or heuristic", table: false },
];

/** Declares an analysis; its settings' types flow into `ctx.settings`. */
export function defineAnalysis<S extends SettingsSpec = {}>(a: Analysis<S>): Analysis {
  return a as unknown as Analysis;
}

export interface AnalysisResult {
  readonly meta: AnalysisMeta;
  readonly rows: readonly Row[];
  readonly summary: string;
  /** True when the analysis stopped early; the rows so far are kept. */
  readonly partial: boolean;
  readonly pointerSize: number;
}

export interface RunOptions {
  readonly analyses?: readonly Analysis[];
  /** Time budget in milliseconds (0 or absent: none). */
  readonly budgetMs?: number;
}

/** Runs an analysis and collects its rows; an unexpected error becomes an Info row and a partial result. */
export function runAnalysis(analysis: Analysis, target: Target, config: Config, args: readonly unknown[], options: RunOptions = {}): AnalysisResult {
  const rows: Row[] = [];
  let summary = analysis.meta.name;
  let partial = false;
  const settings = config[analysis.meta.name] ?? {};
  const b = budget(options.budgetMs ?? 0);
  const extra: ColumnSpec[] = [];
  const ctx: RunContext<SettingValues<SettingsSpec>> = {
    target, config, settings: settings as SettingValues<SettingsSpec>, analyses: options.analyses ?? [], budget: b,
    summary: (text) => { summary = text; },
    addColumns: (columns) => {
      for (const c of columns) {
        const taken = analysis.meta.columns.some((x) => x.name === c.name) || extra.some((x) => x.name === c.name) || BASE_COLUMNS.some((x) => x.name === c.name);
        if (!taken) extra.push(c);
      }
    },
  };
  try {
    for (const row of analysis.run(ctx, args)) {
      rows.push(row);
      if (b.exceeded()) {
        partial = true;
        rows.push({ Verdict: "Info", Evidence: analysis.meta.name + " stopped at its time budget (" + b.limitMs + " ms); the rows above are partial", Source: "heuristic" });
        break;
      }
    }
  } catch (e) {
    partial = true;
    rows.push({
      Verdict: "Info",
      Evidence: analysis.meta.name + " stopped early: " + errorMessage(e) + (rows.length ? "; the rows above are partial" : ""),
      Source: "heuristic",
    });
  }
  let pointerSize = 8;
  try { pointerSize = target.pointerSize(); } catch (e) { /* keep the default for display */ }
  const meta = extra.length ? { ...analysis.meta, columns: analysis.meta.columns.concat(extra) } : analysis.meta;
  return { meta, rows, summary: partial ? summary + " (partial)" : summary, partial, pointerSize };
}

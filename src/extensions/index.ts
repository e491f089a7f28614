/**
 * The bundle's entry: the three functions the provider looks for. `initializeScript` only turns the
 * registry into registration records (phase 1: the target is not touched); the `@$ewmda` user variable
 * is made later, from phase-2 code (invokeScript or the first call of any ewmda alias).
 */
import { runAnalysis, type Analysis, type AnalysisResult } from "../lib/analysis";
import { catalogue, renderCatalogue } from "../lib/catalogue";
import { createConfig, type Config } from "../lib/config";
import { describeTarget, toJsonText } from "../lib/export-json";
import { renderTable } from "../lib/render-table";
import { Target } from "../lib/target";
import { errorMessage } from "../lib/values";
import { VERSION } from "../lib/version";
import { namespaceClass } from "../dx-models/namespace";
import { ResultSet, rowClass, type RowConstructor } from "../dx-models/result-set";
import { ACCESS_NAME, aliasesFor, NAMESPACE_ALIAS, PARENT_MODEL, PATTERNS_ALIASES, SUB_NAMESPACE_MODEL } from "./aliases";
import { ANALYSES } from "./registry";

/** State of one loaded copy of the script (reloading the script makes a new one). */
class Runtime {
  readonly version = VERSION;
  readonly config: Config;
  private readonly rowClasses: { [name: string]: RowConstructor } = {};
  private variableState: "pending" | "set" | "failed" = "pending";
  variableError: string | undefined;

  constructor(readonly analyses: readonly Analysis[]) {
    this.config = createConfig(analyses);
  }

  /** The row class of a result: one per analysis, and one per set of run-time columns (StructureSheaf's fields). */
  rowClassOf(a: Analysis, result: AnalysisResult): RowConstructor {
    const columns = result.meta.columns;
    const key = a.meta.name + (columns === a.meta.columns ? "" : "|" + columns.map((c) => c.name + ":" + c.type).join(","));
    let c = this.rowClasses[key];
    if (!c) {
      c = rowClass(columns === a.meta.columns ? a : { meta: result.meta, run: a.run, rowText: a.rowText });
      this.rowClasses[key] = c;
    }
    return c;
  }

  /** dx face: a ResultSet of row objects. */
  invoke(a: Analysis, args: readonly unknown[]): unknown {
    this.ensureUserVariable();
    const target = new Target();
    const result = runAnalysis(a, target, this.config, args, { analyses: this.analyses });
    return new ResultSet(result, this.rowClassOf(a, result), () => toJsonText(result, describeTarget(target)));
  }

  /** `!` face: the same result as a table (or as the analysis's own text), printed. */
  command(a: Analysis, args: readonly unknown[]): void {
    this.ensureUserVariable();
    const result = runAnalysis(a, new Target(), this.config, args, { analyses: this.analyses });
    let lines: string[];
    try {
      lines = a.renderText ? a.renderText(result) : renderTable(result);
    } catch (e) {
      lines = renderTable(result);
    }
    // debugLog is the only console channel a script has (reference §4.3).
    host.diagnostics.debugLog(lines.join("\n") + "\n");
  }

  /**
   * `!ewmda.patterns`: the catalogue as a table. The analysis names are plain text: WinDbg renders
   * `<link cmd="...">` only in output marked as DML, and debugLog has no DML mode (reference §4.3).
   */
  patternsCommand(): void {
    this.ensureUserVariable();
    const lines = renderCatalogue(catalogue(this.analyses));
    lines.push("Details of one pattern: dx @$ewmda.Patterns[\"<pattern>\"]; run an analysis: dx @$ewmda.<Analysis>() or !ewmda.<command>");
    host.diagnostics.debugLog(lines.join("\n") + "\n");
  }

  /** The sub-namespace object, for the `ewmda` alias. */
  namespaceObject(): unknown {
    this.ensureUserVariable();
    return (host.namespace.Debugger.Utility as unknown as { [name: string]: unknown })[ACCESS_NAME];
  }

  /** `dx @$ewmda = Debugger.Utility.Ewmda`, once, from phase-2 code. */
  ensureUserVariable(): void {
    if (this.variableState !== "pending") return;
    try {
      const lines = host.namespace.Debugger.Utility.Control.ExecuteCommand("dx @$" + NAMESPACE_ALIAS + " = Debugger.Utility." + ACCESS_NAME);
      // Whether the command runs before its output is iterated is unconfirmed: iterate to be sure.
      let error: string | undefined;
      for (const line of lines) if (/^\s*Error/.test(String(line))) error = String(line);
      this.variableState = error ? "failed" : "set";
      this.variableError = error;
    } catch (e) {
      this.variableState = "failed";
      this.variableError = errorMessage(e);
    }
  }

  removeUserVariable(): void {
    if (this.variableState !== "set") return;
    try {
      for (const line of host.namespace.Debugger.Utility.Control.ExecuteCommand("dx @$vars.Remove(\"" + NAMESPACE_ALIAS + "\")")) void line;
    } catch (e) { /* the variable may already be gone */ }
    this.variableState = "pending";
  }
}

let runtime: Runtime | undefined;

export function initializeScript(): DbgModel.RegistrationRecord[] {
  const h = host as DbgModel.PhaseOneHost; // phase 1: only registration members exist
  const rt = new Runtime(ANALYSES);
  runtime = rt;
  const records: DbgModel.RegistrationRecord[] = [
    new h.apiVersionSupport(1, 9),
    new h.namespacePropertyParent(namespaceClass(ANALYSES, rt), PARENT_MODEL, SUB_NAMESPACE_MODEL, ACCESS_NAME),
    // Aliases are optional: functionAlias can fail ("Cannot modify debugger object model" under some
    // KD sessions); Debugger.Utility.Ewmda still works then.
    new h.optionalRecord(new h.functionAlias(() => rt.namespaceObject(), NAMESPACE_ALIAS)),
  ];
  const showPatterns = () => rt.patternsCommand();
  records.push(new h.optionalRecord(new h.functionAlias(showPatterns, PATTERNS_ALIASES.dotted)));
  records.push(new h.optionalRecord(new h.functionAlias(showPatterns, PATTERNS_ALIASES.plain)));
  for (const a of ANALYSES) {
    const names = aliasesFor(a);
    const fn = (...args: unknown[]) => rt.command(a, args);
    records.push(new h.optionalRecord(new h.functionAlias(fn, names.dotted)));
    records.push(new h.optionalRecord(new h.functionAlias(fn, names.plain)));
  }
  return records;
}

export function invokeScript(): void {
  if (!runtime) return;
  runtime.ensureUserVariable();
  const first = ANALYSES[0] ? ANALYSES[0].meta : undefined;
  host.diagnostics.debugLog(
    "ewmda " + VERSION + " loaded: dx Debugger.Utility.Ewmda lists " + ANALYSES.length + " analyses" +
    (first ? "; try dx @$ewmda." + first.name + "() or !ewmda." + first.command : "") +
    (runtime.variableError ? "\n(could not create @$ewmda: " + runtime.variableError + "; use dx @$ewmda() or Debugger.Utility.Ewmda)" : "") + "\n");
}

export function uninitializeScript(): void {
  if (runtime) runtime.removeUserVariable();
  runtime = undefined;
}

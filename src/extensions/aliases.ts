/**
 * How commands are named, in one place. Whether WinDbg routes a function alias whose name contains a
 * dot (`!ewmda.rawstack`) is unconfirmed (reference §7, §12.5), so each command is registered twice:
 * under the dotted name (optional: its failure does not fail the load) and under an undotted name with
 * the `ewmda_` prefix, which no other extension uses (`!ewmda_rawstack`). The namespace itself is the
 * function alias `ewmda` (`dx @$ewmda().RawStack()`).
 */
import type { Analysis } from "../lib/analysis";

export const NAMESPACE_ALIAS = "ewmda";
export const PARENT_MODEL = "Debugger.Models.Utility";
export const SUB_NAMESPACE_MODEL = "Debugger.Models.Utility.Ewmda";
export const ACCESS_NAME = "Ewmda";

export interface CommandAliases {
  /** dx method on Debugger.Utility.Ewmda. */
  readonly method: string;
  /** `ewmda.rawstack` (registered optionally). */
  readonly dotted: string;
  /** `ewmda_rawstack` (always attempted). */
  readonly plain: string;
}

export function aliasesFor(a: Analysis): CommandAliases {
  return { method: a.meta.name, dotted: NAMESPACE_ALIAS + "." + a.meta.command, plain: NAMESPACE_ALIAS + "_" + a.meta.command };
}

/** The full table for docs and tests. */
export function aliasTable(analyses: readonly Analysis[]): CommandAliases[] {
  return analyses.map(aliasesFor);
}

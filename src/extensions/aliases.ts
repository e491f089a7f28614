/**
 * How commands are named, in one place. Whether WinDbg routes a function alias whose name contains a
 * dot (`!ewmda.rawstack`) is unconfirmed (reference §7, §12.5), so each command is registered twice:
 * under the dotted name (optional: its failure does not fail the load) and under an undotted name with
 * the `ewmda_` prefix, which no other extension uses (`!ewmda_rawstack`). The namespace itself is the
 * function alias `ewmda` (`dx @$ewmda().RawStack()`). Besides the analyses' commands, the namespace has
 * its own: `!ewmda.patterns` / `!ewmda_patterns` prints the pattern catalogue (dx: the `Patterns` property);
 * no analysis may use a reserved command name.
 */
import type { Analysis } from "../lib/analysis";

export const NAMESPACE_ALIAS = "ewmda";
export const PARENT_MODEL = "Debugger.Models.Utility";
export const SUB_NAMESPACE_MODEL = "Debugger.Models.Utility.Ewmda";
export const ACCESS_NAME = "Ewmda";

export interface CommandAliases {
  /** dx member on Debugger.Utility.Ewmda (a method for analyses, a property for the catalogue). */
  readonly method: string;
  /** `ewmda.rawstack` (registered optionally). */
  readonly dotted: string;
  /** `ewmda_rawstack` (always attempted). */
  readonly plain: string;
}

function commandAliases(member: string, command: string): CommandAliases {
  return { method: member, dotted: NAMESPACE_ALIAS + "." + command, plain: NAMESPACE_ALIAS + "_" + command };
}

export function aliasesFor(a: Analysis): CommandAliases {
  return commandAliases(a.meta.name, a.meta.command);
}

/** `!ewmda.patterns` / `!ewmda_patterns`: the pattern catalogue as a table. */
export const PATTERNS_ALIASES: CommandAliases = commandAliases("Patterns", "patterns");

/** dx members and `!` command names the namespace uses itself; analyses must not take them. */
export const RESERVED_MEMBERS: readonly string[] = ["Config", "Objects", "Patterns", "Version"];
export const RESERVED_COMMANDS: readonly string[] = ["patterns"];

/** The full table for docs and tests. */
export function aliasTable(analyses: readonly Analysis[]): CommandAliases[] {
  return analyses.map(aliasesFor);
}

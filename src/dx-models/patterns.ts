/**
 * The dx face of the pattern catalogue: `dx @$ewmda.Patterns` is a collection of the 40 patterns,
 * iterable and indexable by pattern name, each an object with flat properties and help text.
 */
import { ACCESS_NAME } from "../extensions/aliases";
import { automationText, findPattern, NO_AUTOMATED_CHECK, type CatalogueEntry } from "../lib/catalogue";
import { defineMetadataDescriptor } from "./result-set";

/**
 * The catalogue of memory analysis patterns ewmda serves (40 of them), each with a definition, the dump
 * kinds it applies to, the classic commands a person would use, and the ewmda analyses that give evidence
 * for it (dx paths you can run), or "no automated check yet". Indexable by pattern name; each entry has
 * Name, Definition, DumpKinds, DumpNote (when there is one), Analyses, ClassicCommands and Automated.
 *
 * `!ewmda.patterns` (or `!ewmda_patterns`) prints the same catalogue as a table. The analysis names in
 * that table are plain text, not clickable links: WinDbg shows DML links only in output marked as DML,
 * and a script's only documented console channel, `host.diagnostics.debugLog`, has no DML mode. In dx,
 * the entries and their Analyses are navigable as usual.
 *
 * @member {PatternSet} Patterns
 * @memberof Ewmda
 * @example dx @$ewmda.Patterns
 * @example dx @$ewmda.Patterns["Zombie Processes"]
 * @example dx -g @$ewmda.Patterns.Where(p => p.Automated)
 * @example !ewmda.patterns
 */

const ENTRY_HELP: DbgModel.MetadataDescriptor = {
  Name: { Help: "Pattern name, as in the catalogue" },
  Definition: { Help: "What the pattern means, in a few sentences" },
  DumpKinds: { Help: "Dump kinds the pattern applies to: user, kernel, complete, kernel minidump, several (a series of dumps)" },
  DumpNote: { Help: "Partial support and limits by dump kind" },
  Analyses: { Help: "dx paths of the ewmda analyses that give evidence for the pattern, or \"" + NO_AUTOMATED_CHECK + "\"" },
  ClassicCommands: { Help: "Debugger commands a person would use to look for the pattern by hand" },
  Automated: { Help: "true when at least one ewmda analysis gives evidence for the pattern" },
};

/** `Debugger.Utility.Ewmda.RawStack()`: what the catalogue shows for an analysis in dx. */
export function analysisPath(name: string): string {
  return "Debugger.Utility." + ACCESS_NAME + "." + name + "()";
}

/** One catalogue entry as dx shows it. */
export class PatternEntry {
  private readonly __entry: CatalogueEntry;

  constructor(entry: CatalogueEntry) {
    this.__entry = entry;
  }

  get Name(): string { return this.__entry.name; }
  get Definition(): string { return this.__entry.definition; }
  get DumpKinds(): string[] { return this.__entry.dumpKinds.slice(); }
  /** undefined hides the property in dx. */
  get DumpNote(): string | undefined { return this.__entry.dumpNote; }
  get Analyses(): string[] | string {
    return this.__entry.automated ? this.__entry.analyses.map(analysisPath) : NO_AUTOMATED_CHECK;
  }
  get ClassicCommands(): string[] { return this.__entry.classicCommands.slice(); }
  get Automated(): boolean { return this.__entry.automated; }

  toString(): string {
    return this.__entry.name + " [" + this.__entry.dumpKinds.join(", ") + "]: " + automationText(this.__entry);
  }
}
defineMetadataDescriptor(PatternEntry.prototype, ENTRY_HELP);

/** `dx @$ewmda.Patterns`: iterable, indexable by name (`["Zombie Processes"]`). */
export class PatternSet {
  private readonly __entries: PatternEntry[];
  private readonly __catalogue: readonly CatalogueEntry[];

  constructor(entries: readonly CatalogueEntry[]) {
    this.__catalogue = entries;
    this.__entries = entries.map((e) => new PatternEntry(e));
  }

  *[Symbol.iterator](): Iterator<unknown> {
    const entries = this.__entries;
    for (let i = 0; i < entries.length; i++) yield new host.indexedValue(entries[i], [entries[i]!.Name]);
  }

  getDimensionality(): number {
    return 1;
  }

  getValueAt(name: unknown): PatternEntry {
    const key = String(name);
    const found = findPattern(this.__catalogue, key);
    if (!found) throw new RangeError("no pattern named \"" + key + "\" in the catalogue (dx @$ewmda.Patterns lists them)");
    return this.__entries[this.__catalogue.indexOf(found)]!;
  }

  toString(): string {
    const automated = this.__catalogue.filter((e) => e.automated).length;
    return this.__catalogue.length + " patterns, " + automated + " with an automated check";
  }
}

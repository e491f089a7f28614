/**
 * The ewmda namespace: `Debugger.Utility.Ewmda`, also reachable as `@$ewmda()` and, after
 * `.scriptrun` or the first ewmda call, as the user variable `@$ewmda`. One method per analysis; each
 * returns a collection of rows (iterable, indexable, with a one-line display string) and has a `!`
 * command that prints the same rows as a table.
 * @namespace Ewmda
 * @example dx Debugger.Utility.Ewmda
 * @example dx -v @$ewmda().RawStack
 * @example dx @$ewmda.Config
 */

/**
 * `Debugger.Utility.Ewmda`: one method per analysis (help text and PreferShow metadata, so
 * `dx Debugger.Utility.Ewmda` lists them and `dx -v` shows the help), plus `Config` and `Version`.
 */
import type { Analysis } from "../lib/analysis";
import { settingHelp, SETTINGS, type Config } from "../lib/config";
import { defineMetadataDescriptor } from "./result-set";

export interface NamespaceHost {
  readonly version: string;
  readonly config: Config;
  /** Runs an analysis for the dx face. */
  invoke(analysis: Analysis, args: readonly unknown[]): unknown;
}

/** `RawStack(tid?, options?) - summary. Options: ... Patterns: ...` */
export function methodHelp(a: Analysis): string {
  const m = a.meta;
  const params = m.params.map((p) => p.name + (p.optional ? "?" : "")).join(", ");
  let text = m.name + "(" + params + ") - " + m.summary + ".";
  if (m.options.length) text += " Options: " + m.options.map((o) => o.name + " (" + o.help + ")").join("; ") + ".";
  text += " Pattern: " + m.patterns.join(", ") + ". Command: !ewmda." + m.command + " (or !ewmda_" + m.command + ").";
  return text;
}

/** The class whose prototype becomes the parent model of Debugger.Utility.Ewmda. */
export function namespaceClass(analyses: readonly Analysis[], owner: NamespaceHost): Function {
  const Ewmda = function EwmdaNamespace() { /* instances are made by the data model */ };
  const proto = Ewmda.prototype as Record<string, unknown>;
  const descriptor: DbgModel.MetadataDescriptor = {};
  for (const a of analyses) {
    Object.defineProperty(proto, a.meta.name, {
      value: function (...args: unknown[]) { return owner.invoke(a, args); },
      enumerable: false, configurable: true, writable: true,
    });
    descriptor[a.meta.name] = { Help: methodHelp(a), PreferShow: true };
  }
  Object.defineProperty(proto, "Config", {
    get() { return configView(owner.config); }, enumerable: true, configurable: true,
  });
  descriptor.Config = { Help: "Thresholds and budgets of every analysis; each setting's help gives its default and the reason" };
  Object.defineProperty(proto, "Version", {
    get() { return owner.version; }, enumerable: true, configurable: true,
  });
  descriptor.Version = { Help: "ewmda version" };
  Object.defineProperty(proto, "toString", {
    value: () => "ewmda " + owner.version + ": " + analyses.length + " analyses (dx -v Debugger.Utility.Ewmda shows their help)",
    enumerable: false, configurable: true, writable: true,
  });
  defineMetadataDescriptor(proto, descriptor);
  return Ewmda;
}

/** Config sections as objects with getters/setters and help, so dx shows and changes them. */
function configView(config: Config): object {
  const view: Record<string, unknown> = {};
  const sections = config as unknown as Record<string, Record<string, number>>;
  for (const section of Object.keys(SETTINGS)) {
    const values = sections[section]!;
    const obj: Record<string, unknown> = {};
    const descriptor: DbgModel.MetadataDescriptor = {};
    for (const key of Object.keys(values)) {
      Object.defineProperty(obj, key, {
        get: () => values[key],
        set: (v: unknown) => {
          const n = Number(v);
          if (!(n > 0) || n !== Math.floor(n)) throw new RangeError(section + "." + key + " must be a positive integer");
          values[key] = n;
        },
        enumerable: true, configurable: true,
      });
      descriptor[key] = { Help: settingHelp(section, key) };
    }
    Object.defineProperty(obj, "toString", { value: () => section + " settings", enumerable: false });
    defineMetadataDescriptor(obj, descriptor);
    view[section] = obj;
  }
  Object.defineProperty(view, "toString", { value: () => "ewmda settings (dx -v shows defaults and reasons)", enumerable: false });
  return view;
}

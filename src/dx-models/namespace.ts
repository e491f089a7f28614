/**
 * The ewmda namespace: `Debugger.Utility.Ewmda`, also reachable as `@$ewmda()` and, after
 * `.scriptrun` or the first ewmda call, as the user variable `@$ewmda`. One method per analysis; each
 * returns a collection of rows (iterable, indexable, with a one-line display string) and has a `!`
 * command that prints the same rows as a table.
 * @namespace Ewmda
 * @example dx Debugger.Utility.Ewmda
 * @example dx -v @$ewmda().RawStack
 * @example dx @$ewmda.Config
 * @example dx @$ewmda.Patterns
 * @example dx @$ewmda.Objects["\\Driver"]
 */

/**
 * `Debugger.Utility.Ewmda`: one method per analysis (help text and PreferShow metadata, so
 * `dx Debugger.Utility.Ewmda` lists them and `dx -v` shows the help), plus `Config`, `Patterns`, `Objects` and `Version`.
 */
import type { Analysis } from "../lib/analysis";
import { catalogue } from "../lib/catalogue";
import { coerceSetting, formatSetting, settingHelp, type Config } from "../lib/config";
import { ObjectNamespace } from "./objects";
import { PatternSet } from "./patterns";
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
    get() { return configView(owner.config, analyses); }, enumerable: true, configurable: true,
  });
  descriptor.Config = { Help: "Thresholds and budgets of every analysis; each setting's help gives its default and the reason" };
  // The catalogue depends only on the registry: built on first use, then the same object every time.
  let patterns: PatternSet | undefined;
  Object.defineProperty(proto, "Patterns", {
    get() { return patterns || (patterns = new PatternSet(catalogue(analyses))); }, enumerable: true, configurable: true,
  });
  descriptor.Patterns = { Help: "The memory analysis patterns ewmda serves: definition, dump kinds, classic commands and the analyses that automate each (index by name: Patterns[\"Zombie Processes\"]); !ewmda.patterns prints them as a table" };
  // The namespace by path is SystemObjects indexed: the look-up and its refusal on user targets are written once.
  const systemObjects = analyses.filter((a) => a.meta.name === "SystemObjects")[0];
  if (systemObjects) {
    Object.defineProperty(proto, "Objects", {
      get() { return new ObjectNamespace((path) => owner.invoke(systemObjects, [path])); }, enumerable: true, configurable: true,
    });
    descriptor.Objects = { Help: "The kernel object manager namespace, navigable: index by path (Objects[\"\\\\Driver\"]) for that directory's objects or the object itself, iterate for the root's entries (SystemObjects(path) as dx objects; kernel or complete dumps)" };
  }
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
function configView(config: Config, analyses: readonly Analysis[]): object {
  const view: Record<string, unknown> = {};
  const descriptorOfView: DbgModel.MetadataDescriptor = {};
  for (const a of analyses) {
    const specs = a.meta.settings;
    const values = config[a.meta.name];
    if (!specs || !values) continue;
    const section = a.meta.name;
    const obj: Record<string, unknown> = {};
    const descriptor: DbgModel.MetadataDescriptor = {};
    for (const key of Object.keys(specs)) {
      const spec = specs[key]!;
      Object.defineProperty(obj, key, {
        get: () => values[key],
        set: (v: unknown) => { values[key] = coerceSetting(spec, v, section + "." + key); },
        enumerable: true, configurable: true,
      });
      descriptor[key] = { Help: settingHelp(spec) };
    }
    Object.defineProperty(obj, "toString", {
      value: () => Object.keys(specs).map((k) => k + " = " + formatSetting(values[k]!)).join(", "), enumerable: false,
    });
    defineMetadataDescriptor(obj, descriptor);
    view[section] = obj;
    descriptorOfView[section] = { Help: a.meta.name + " settings" };
  }
  Object.defineProperty(view, "toString", { value: () => "ewmda settings (dx -v shows defaults and reasons)", enumerable: false });
  defineMetadataDescriptor(view, descriptorOfView);
  return view;
}

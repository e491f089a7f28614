/**
 * Thresholds and budgets in one configuration object, each with its default and the reason for it.
 * Each analysis declares its own settings next to its logic (`meta.settings`); the configuration is
 * assembled from the registry, one section per analysis, and a fresh copy is made per loaded script.
 * Users read and change it through `dx @$ewmda.Config` (`dx @$ewmda.Config.RawStack.MaxRows = 0x1000`).
 */

export type SettingValue = number | string | boolean | readonly string[];

export interface SettingSpec<V extends SettingValue = SettingValue> {
  readonly default: V;
  readonly help: string;
  readonly reason: string;
}

export type SettingsSpec = { readonly [key: string]: SettingSpec };

/** The values of a settings declaration, widened to their kinds (number, string, boolean, string list). */
export type SettingValues<S extends SettingsSpec> = {
  -readonly [K in keyof S]: S[K]["default"] extends readonly string[] ? readonly string[]
    : S[K]["default"] extends number ? number : S[K]["default"] extends boolean ? boolean : string;
};

/** The whole configuration: section name (the analysis's dx name) → setting → value. */
export type Config = { [section: string]: { [key: string]: SettingValue } };

export interface ConfigSource {
  readonly meta: { readonly name: string; readonly settings?: SettingsSpec };
}

/** A fresh configuration with every default of every registered analysis. */
export function createConfig(analyses: readonly ConfigSource[]): Config {
  const out: Config = {};
  for (const a of analyses) {
    const specs = a.meta.settings;
    if (!specs) continue;
    const values: { [key: string]: SettingValue } = {};
    for (const key of Object.keys(specs)) {
      const d = specs[key]!.default;
      values[key] = typeof d === "object" ? d.slice() : d;
    }
    out[a.meta.name] = values;
  }
  return out;
}

export function formatSetting(v: SettingValue): string {
  if (typeof v === "number") return "0x" + v.toString(16);
  if (typeof v === "object") return "[" + v.join(", ") + "]";
  return String(v);
}

/** Help text of a setting: what it does, its default and why. */
export function settingHelp(spec: SettingSpec): string {
  return spec.help + " (default " + formatSetting(spec.default) + ": " + spec.reason + ")";
}

/** Checks a new value against the kind of the default; a comma-separated string sets a list. */
export function coerceSetting(spec: SettingSpec, value: unknown, name: string): SettingValue {
  const d = spec.default;
  if (typeof d === "number") {
    const n = Number(value);
    if (!(n >= 0) || n !== Math.floor(n)) throw new RangeError(name + " must be a non-negative integer");
    return n;
  }
  if (typeof d === "boolean") {
    if (typeof value !== "boolean") throw new TypeError(name + " must be true or false");
    return value;
  }
  if (typeof d === "object") {
    if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (value && typeof value === "object" && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function") {
      const out: string[] = [];
      for (const x of value as Iterable<unknown>) out.push(String(x));
      return out;
    }
    throw new TypeError(name + " must be a list of strings (or one comma-separated string)");
  }
  return String(value);
}

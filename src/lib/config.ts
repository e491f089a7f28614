/**
 * Thresholds and budgets in one place, each with its default and the reason for it. A fresh copy is
 * made per loaded script; users read and change it through `dx @$ewmda.Config`.
 */

export interface SettingSpec {
  readonly default: number;
  readonly help: string;
  readonly reason: string;
}

export const SETTINGS = {
  RawStack: {
    ChunkBytes: {
      default: 0x10000,
      help: "Bytes read per memory request while scanning a stack",
      reason: "64 KiB reads a 1 MiB stack in 16 requests; larger reads fail more often on partly captured stacks",
    },
    PageBytes: {
      default: 0x1000,
      help: "Granularity used to find the readable parts of a chunk that failed to read",
      reason: "the page size of every Windows architecture ewmda supports",
    },
    FallbackScanBytes: {
      default: 0x100000,
      help: "How far above the stack pointer to scan when the TEB cannot be read",
      reason: "1 MiB is the default reserved stack size of Windows executables",
    },
    MaxRows: {
      default: 200000,
      help: "Rows kept per call (the scan still covers the whole stack)",
      reason: "a 1 MiB x64 stack has 131072 slots; the limit protects dx from a runaway listing",
    },
  },
} as const;

export type Config = { -readonly [S in keyof typeof SETTINGS]: { -readonly [K in keyof (typeof SETTINGS)[S]]: number } };

/** A fresh configuration with every default. */
export function createConfig(): Config {
  const out: Record<string, Record<string, number>> = {};
  for (const section of Object.keys(SETTINGS)) {
    const specs = (SETTINGS as unknown as Record<string, Record<string, SettingSpec>>)[section]!;
    const values: Record<string, number> = {};
    for (const key of Object.keys(specs)) values[key] = specs[key]!.default;
    out[section] = values;
  }
  return out as unknown as Config;
}

/** Help text of a setting: what it does, its default and why. */
export function settingHelp(section: string, key: string): string {
  const spec = (SETTINGS as unknown as Record<string, Record<string, SettingSpec>>)[section]?.[key];
  if (!spec) return "";
  return spec.help + " (default 0x" + spec.default.toString(16) + ": " + spec.reason + ")";
}

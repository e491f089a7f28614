/**
 * The one place that says which columns of an exported table the charts read. Every table (CSV, JSON lines,
 * Parquet, or the rows of export documents) is turned into one canonical SQL view by `canonicalSelect`, and
 * the aggregations in aggregate.ts are written against the canonical names only. When an analysis's export
 * changes a column name, add the new name here.
 *
 * Sources of the names: RawStack's rows (Thread, Address, Value, Kind, Symbol, Module); RegionProfile's
 * (Section, Offset, Address, Value, Kind, Symbol, Module, Text, Count, Percent), RegionClusters' (Section,
 * Cluster, Label, Low, High, Count, Distinct) and Namespaces' (Section, Namespace, Depth, Module, Frames,
 * Threads), with the pattern reference's spellings (§35 `offset,address,value,class,symbol`); UniqueStacks
 * (Count, Threads, Wait, TopFrame, Stack: its frames, one a line) and a handle table (Type, Count).
 */

/** Canonical column → the names it is read from, first match wins (case-insensitive). */
export const FIELD_NAMES = {
  address: ["Address", "Slot", "Location"],
  value: ["Value"],
  kind: ["Kind", "Class", "Classification"],
  symbol: ["Symbol"],
  module: ["Module"],
  thread: ["Thread", "Tid", "ThreadId"],
  region: ["Region"],
  weight: ["Count", "Frames", "Occurrences"],
  namespace: ["Namespace"],
  depth: ["Depth"],
  low: ["Low"],
  high: ["High"],
  label: ["Label"],
  type: ["Type", "TypeName", "ObjectType"],
  topFrame: ["TopFrame"],
  stack: ["Stack"],
  wait: ["Wait"],
  section: ["Section"],
} as const;

export type Field = keyof typeof FIELD_NAMES;

/** What a table holds, from its columns; decides which charts it can feed. */
export type TableRole =
  | "slots" // one row per pointer-sized slot: RawStack, Region Profile's value table
  | "profile" // counts per kind (and module): Region Profile's summary rows
  | "clusters" // Region Clusters' value ranges
  | "namespaces" // Namespace rows
  | "handles" // handle counts per type
  | "stacks"; // UniqueStacks: groups of threads with the same stack

/** Column → actual column name in this table, for the fields it has. */
export function resolveColumns(columns: readonly string[]): Partial<Record<Field, string>> {
  const byLower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const out: Partial<Record<Field, string>> = {};
  for (const [field, names] of Object.entries(FIELD_NAMES) as [Field, readonly string[]][]) {
    for (const n of names) {
      const hit = byLower.get(n.toLowerCase());
      if (hit !== undefined) { out[field] = hit; break; }
    }
  }
  return out;
}

/** The role a table can play, or undefined when its columns fit none (the caller says which were found). */
export function detectRole(columns: readonly string[]): TableRole | undefined {
  const f = resolveColumns(columns);
  if (f.topFrame) return "stacks";
  if (f.low && f.high) return "clusters";
  if (f.namespace) return "namespaces";
  if (f.address && f.value) return "slots";
  if (f.kind && f.weight) return "profile";
  if (f.type) return "handles"; // one row per handle, or counts per type
  return undefined;
}

/**
 * Tables that mix row kinds in a Section column: the rows each role charts. RegionProfile puts its profile
 * (ByKind, ByModule, BySymbol counts) after the Slot rows, RegionClusters adds Repeated values inside its
 * clusters, Namespaces adds Module totals that include the namespaces' frames: counting those too would count
 * the same slots twice.
 */
export const ROLE_SECTIONS: Readonly<Partial<Record<TableRole, readonly string[]>>> = {
  slots: ["Slot"],
  clusters: ["Cluster"],
  namespaces: ["Namespace"],
};

/** The field a row must have to count for its table's role (export documents add Info rows without it). */
export const REQUIRED_FIELD: Readonly<Record<TableRole, Field>> = {
  slots: "address", profile: "kind", clusters: "low", namespaces: "namespace", handles: "type", stacks: "topFrame",
};

/** A SQL identifier in double quotes. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal. */
export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * SQL text of a value as text, empty as NULL (not trimmed: trimming a million strings costs more than the
 * rare padded export is worth; numbers are parsed trimmed). Values can arrive as numbers, booleans or strings
 * (JSON lines) or as text (CSV, read with every column as text).
 */
function text(col: string | undefined): string {
  return col ? `NULLIF(CAST(${ident(col)} AS VARCHAR), '')` : "CAST(NULL AS VARCHAR)";
}

/**
 * An address or 64-bit value: `"0x..."` (the export documents), WinDbg's `000000e8`000ffbf8`, or a decimal
 * number; anything else is NULL. UBIGINT keeps every 64-bit value exact.
 */
function address(col: string | undefined): string {
  if (!col) return "CAST(NULL AS UBIGINT)";
  const t = `trim(${text(col)})`;
  return `(CASE WHEN contains(${t}, '\`') THEN TRY_CAST('0x' || replace(${t}, '\`', '') AS UBIGINT) ELSE TRY_CAST(${t} AS UBIGINT) END)`;
}

/** Module name without path; from the Symbol's `module!` or `module+0x` prefix when there is no Module column. */
function moduleExpr(f: Partial<Record<Field, string>>): string {
  const fromSymbol = f.symbol ? `NULLIF(regexp_extract(${text(f.symbol)}, '^([^!+ ]+)[!+]', 1), '')` : "CAST(NULL AS VARCHAR)";
  if (!f.module) return fromSymbol;
  const m = text(f.module);
  // The regular expression only for values with a path: most exports (RawStack's) carry bare names.
  const bare = `CASE WHEN contains(${m}, '/') OR contains(${m}, '\\') THEN NULLIF(regexp_extract(${m}, '([^\\\\/]+)$', 1), '') ELSE ${m} END`;
  return `CASE WHEN ${m} IS NULL THEN ${fromSymbol} ELSE ${bare} END`;
}

/**
 * The C++ namespace / class prefix of a symbol (`mod!A::B::C::method+0x10` → `A::B`, at most two levels),
 * templates stripped; NULL for C-style names, which have none (the pattern's pitfall: fall back to modules).
 */
export function namespaceOfSymbolSql(symbol: string): string {
  let fn = `regexp_replace(regexp_replace(${symbol}, '^[^!]*!', ''), '\\+0x[0-9a-fA-F]+$', '')`;
  for (let i = 0; i < 3; i++) fn = `regexp_replace(${fn}, '<[^<>]*>', '', 'g')`; // nested templates, innermost first
  fn = `regexp_replace(${fn}, '\`anonymous namespace''', '(anonymous)', 'g')`;
  const prefix = `regexp_extract(${fn}, '^(.*)::[^:]*$', 1)`;
  return `NULLIF(array_to_string(list_slice(string_split(${prefix}, '::'), 1, 2), '::'), '')`;
}

/**
 * SELECT text that maps a table's columns to the canonical ones: address, value (UBIGINT), kind, symbol,
 * module, thread, region, namespace (a Namespace table's; symbols' namespaces are derived by the aggregation,
 * once per distinct symbol), label, type, top_frame, stack, wait (text), weight, depth (DOUBLE; weight 1 when the
 * table has one row per item), low, high (UBIGINT); with `role`, only the rows of a mixed table
 * (ROLE_SECTIONS) that role charts.
 */
export function canonicalSelect(columns: readonly string[], from: string, role?: TableRole): string {
  const f = resolveColumns(columns);
  const section = text(f.section);
  const sections = role && f.section ? ROLE_SECTIONS[role] : undefined;
  // A slot row is one value even where the table has a Count column for its profile rows.
  const count = f.weight ? `coalesce(TRY_CAST(${text(f.weight)} AS DOUBLE), 0)` : "CAST(1 AS DOUBLE)";
  const weight = f.section && f.weight ? `CASE WHEN ${section} = 'Slot' THEN CAST(1 AS DOUBLE) ELSE ${count} END` : count;
  const thread = f.thread ? `lower(${text(f.thread)})` : "CAST(NULL AS VARCHAR)";
  const select = [
    `${address(f.address)} AS address`,
    `${address(f.value)} AS value`,
    `${text(f.kind)} AS kind`,
    `${text(f.symbol)} AS symbol`,
    `${moduleExpr(f)} AS module`,
    `${thread} AS thread`,
    `${text(f.region)} AS region`,
    `${text(f.namespace)} AS namespace`,
    `${f.depth ? `TRY_CAST(${text(f.depth)} AS DOUBLE)` : "CAST(NULL AS DOUBLE)"} AS depth`,
    `${weight} AS weight`,
    `${address(f.low)} AS low`,
    `${address(f.high)} AS high`,
    `${text(f.label)} AS label`,
    `${text(f.type)} AS type`,
    `${text(f.topFrame)} AS top_frame`,
    `${text(f.stack)} AS stack`,
    `${text(f.wait)} AS wait`,
    `${section} AS section`,
  ];
  const where = sections ? `\nWHERE ${section} IS NULL OR ${section} IN (${sections.map(literal).join(", ")})` : "";
  return `SELECT ${select.join(",\n  ")}\nFROM ${from}${where}`;
}

/** A person-readable list of the names each field is read from (for "needs a ... column" messages). */
export function namesOf(field: Field): string {
  return FIELD_NAMES[field].join(" or ");
}

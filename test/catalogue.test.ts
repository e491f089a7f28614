/**
 * The pattern catalogue: the 40 patterns of patterns.md's summary table (read at test time), joined with
 * the registry in both directions, and its three faces: dx (`@$ewmda.Patterns`), `!ewmda.patterns`, and
 * `ewmda patterns [--json]` run as a process.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RESERVED_COMMANDS, RESERVED_MEMBERS } from "../src/extensions/aliases";
import { ANALYSES } from "../src/extensions/registry";
import { catalogue, catalogueProblems, NO_AUTOMATED_CHECK, PATTERNS, renderCatalogue, type DumpKind } from "../src/lib/catalogue";
import { loadEwmda, rowsOf } from "./helpers";
import { userTarget } from "./mocks/user-target";

const root = path.resolve(import.meta.dirname, "..");
const PATTERNS_MD = path.resolve(import.meta.dirname, "../../shared/reference/patterns.md");
const reference = readFileSync(PATTERNS_MD, "utf8");

interface TableRow { readonly number: string; readonly name: string; readonly dumpKinds: string }

/** The rows of patterns.md's summary table: `| 13a | Execution Residue (unmanaged, user) | user, complete | ... |`. */
function summaryTable(): TableRow[] {
  const section = reference.split(/^## Summary table$/m)[1]!.split(/^## /m)[0]!;
  const rows: TableRow[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (!/^\d+[a-z]?$/.test(cells[1] ?? "")) continue;
    rows.push({ number: cells[1]!, name: cells[2]!, dumpKinds: cells[3]! });
  }
  return rows;
}

/** Section headings by number: `## 13a. Execution Residue (Unmanaged Space, User)`. */
function sectionTitle(n: string): string {
  const m = new RegExp(`^## ${n}\\. (.+)$`, "m").exec(reference);
  if (!m) throw new Error(`no section ${n} in patterns.md`);
  return m[1]!;
}

// The table abbreviates the two Execution Residue rows ("(unmanaged, user)"); the catalogue uses their
// section headings' full names, which are also what the analyses name (RawStack's meta.patterns).
const FULL_NAME_FROM_SECTION = new Set(["13a", "13b"]);

function expectedName(row: TableRow): string {
  return FULL_NAME_FROM_SECTION.has(row.number) ? sectionTitle(row.number) : row.name;
}

/** Kinds the table lists outside parentheses; "any" is every single-dump kind; "several dumps" is "several". */
function expectedKinds(cell: string): DumpKind[] {
  if (/^any$/i.test(cell)) return ["user", "kernel", "complete", "kernel minidump"];
  if (/several/i.test(cell)) return ["several"];
  const outside = cell.replace(/\([^)]*\)/g, "");
  return (["user", "kernel", "complete"] as const).filter((k) => new RegExp(`\\b${k}\\b`, "i").test(outside));
}

const words = (s: string) => s.toLowerCase().replace(/[`*_]/g, "").split(/[^a-z0-9'-]+/).filter(Boolean);

describe("the catalogue", () => {
  const table = summaryTable();

  it("has the 40 patterns of patterns.md's summary table, in its order, with unique names", () => {
    expect(table).toHaveLength(40);
    expect(PATTERNS).toHaveLength(40);
    expect(new Set(PATTERNS.map((p) => p.name)).size).toBe(40);
    expect(PATTERNS.map((p) => p.name)).toEqual(table.map(expectedName));
    expect(table.filter((r) => FULL_NAME_FROM_SECTION.has(r.number)).map((r) => r.name)).toEqual(["Execution Residue (unmanaged, user)", "Execution Residue (unmanaged, kernel)"]);
  });

  it("gives each pattern the dump kinds the table lists", () => {
    for (const [i, row] of table.entries()) {
      expect([...PATTERNS[i]!.dumpKinds].sort(), `${row.name}: "${row.dumpKinds}"`).toEqual(expectedKinds(row.dumpKinds).sort());
    }
  });

  it("defines every pattern in one to three sentences of its own, and lists classic commands", () => {
    // No run of six words in common with patterns.md: the definitions are written, not copied.
    const ref = words(reference);
    const grams = new Set<string>();
    for (let i = 0; i + 6 <= ref.length; i++) grams.add(ref.slice(i, i + 6).join(" "));
    for (const p of PATTERNS) {
      const sentences = p.definition.split(/(?<=[.!?])\s+(?=[A-Z])/);
      expect(sentences.length, p.name).toBeGreaterThanOrEqual(1);
      expect(sentences.length, p.name).toBeLessThanOrEqual(3);
      expect(p.definition).toMatch(/\.$/);
      const w = words(p.definition);
      for (let i = 0; i + 6 <= w.length; i++) expect(grams.has(w.slice(i, i + 6).join(" ")), `${p.name}: "${w.slice(i, i + 6).join(" ")}"`).toBe(false);
      expect(p.classicCommands.length, p.name).toBeGreaterThan(0);
      for (const c of p.classicCommands) expect(c, p.name).toMatch(/^[!.~a-z|]/);
    }
  });
});

describe("the catalogue joined with the registry", () => {
  it("agrees with the registry: every pattern an analysis names is in the catalogue, every analysis the catalogue names exists", () => {
    expect(catalogueProblems(ANALYSES)).toEqual([]);
    const entries = catalogue(ANALYSES);
    for (const a of ANALYSES) {
      for (const p of a.meta.patterns) expect(entries.find((e) => e.name === p)!.analyses).toContain(a.meta.name);
    }
    for (const e of entries) {
      expect(e.automated).toBe(e.analyses.length > 0);
      for (const n of e.analyses) expect(ANALYSES.find((a) => a.meta.name === n)!.meta.patterns).toContain(e.name);
    }
  });

  it("reports an analysis that names a pattern the catalogue lacks", () => {
    const stray = { meta: { name: "Typo", patterns: ["Execution Residue (unmanaged, user)"] } };
    expect(catalogueProblems([...ANALYSES, stray])).toEqual(['Typo names the pattern "Execution Residue (unmanaged, user)", which is not in the catalogue']);
  });

  it("reports an entry that points to an analysis the registry lacks", () => {
    const entries = catalogue(ANALYSES).map((e) => (e.name === "Self-Diagnosis (registry)" ? { ...e, analyses: ["SelfDiagnosis"], automated: true } : e));
    expect(catalogueProblems(ANALYSES, entries)).toEqual(['"Self-Diagnosis (registry)" points to the analysis SelfDiagnosis, which is not in the registry']);
  });

  it("derives the analyses from meta.patterns, and says exactly \"no automated check yet\" otherwise", () => {
    const entries = catalogue([{ meta: { name: "A", patterns: ["Spiking Thread", "Active Thread"] } }, { meta: { name: "B", patterns: ["Spiking Thread"] } }]);
    expect(entries.find((e) => e.name === "Spiking Thread")).toMatchObject({ analyses: ["A", "B"], automated: true });
    expect(entries.find((e) => e.name === "Active Thread")).toMatchObject({ analyses: ["A"], automated: true });
    expect(entries.filter((e) => e.automated)).toHaveLength(2);
    const table = renderCatalogue(entries);
    expect(table[0]).toBe("ewmda pattern catalogue: 40 patterns, 2 with an automated check");
    expect(table.find((l) => l.startsWith("Zombie Processes"))).toMatch(/^Zombie Processes\s+kernel, complete\s+no automated check yet$/);
    expect(table.find((l) => l.startsWith("Spiking Thread"))).toMatch(/\sA, B$/);
  });

  it("keeps the namespace's own names free: no analysis is called Patterns, Config or Version, or uses the command patterns", () => {
    for (const a of ANALYSES) {
      expect(RESERVED_MEMBERS).not.toContain(a.meta.name);
      expect(RESERVED_COMMANDS).not.toContain(a.meta.command);
    }
  });
});

describe("dx @$ewmda.Patterns", () => {
  const load = () => loadEwmda(userTarget().thread({ tid: 0x1a4 }).build().spec);
  const automated = catalogue(ANALYSES).filter((e) => e.automated);

  it("lists the 40 patterns, indexed by name, with a one-line summary", () => {
    const { dbg } = load();
    const set = dbg.dx("Debugger.Utility.Ewmda.Patterns");
    expect(String(set)).toBe(`40 patterns, ${automated.length} with an automated check`);
    const entries = rowsOf(set);
    expect(entries.map((e) => e.Name)).toEqual(PATTERNS.map((p) => p.name));
    const lines = dbg.dxLines("Debugger.Utility.Ewmda.Patterns");
    expect(lines[1]).toMatch(/^\s+\[Zombie Processes\]\s*: Zombie Processes \[kernel, complete\]: ZombieProcesses$/);
    expect(lines.find((l) => l.includes("[Self-Diagnosis (registry)]"))).toMatch(/: Self-Diagnosis \(registry\) \[kernel, complete\]: no automated check yet$/);
    expect(dbg.dxLines("Debugger.Utility.Ewmda").find((l) => l.trim().startsWith("Patterns"))).toMatch(/: 40 patterns, \d+ with an automated check$/);
    expect(dbg.dxLines("Debugger.Utility.Ewmda", { verbose: true }).find((l) => l.trim().startsWith("Patterns"))).toContain("[The memory analysis patterns ewmda serves");
  });

  it("gives an automated entry its definition, dump kinds, dx paths of its analyses and classic commands", () => {
    const { dbg } = load();
    const e = dbg.dx('@$ewmda().Patterns["Execution Residue (Unmanaged Space, User)"]') as Record<string, unknown>;
    expect(e.Name).toBe("Execution Residue (Unmanaged Space, User)");
    expect(e.Automated).toBe(true);
    expect([...(e.DumpKinds as string[])]).toEqual(["user", "complete"]);
    expect([...(e.Analyses as string[])]).toContain("Debugger.Utility.Ewmda.RawStack()");
    expect([...(e.ClassicCommands as string[])]).toContain("!teb");
    expect(String(e.Definition)).toMatch(/stack/);
    expect(String(e)).toMatch(/^Execution Residue \(Unmanaged Space, User\) \[user, complete\]: .*RawStack/);
    const verbose = dbg.dxLines('@$ewmda().Patterns["Execution Residue (Unmanaged Space, User)"]', { verbose: true });
    expect(verbose.find((l) => l.trim().startsWith("DumpKinds"))).toContain("[Dump kinds the pattern applies to");
  });

  it("says exactly \"no automated check yet\" for a pattern nothing automates, and shows its dump note", () => {
    const { dbg } = load();
    const e = dbg.dx('@$ewmda().Patterns["Self-Diagnosis (registry)"]') as Record<string, unknown>;
    expect(e.Analyses).toBe(NO_AUTOMATED_CHECK);
    expect(e.Automated).toBe(false);
    expect(String(e.DumpNote)).toMatch(/process dumps/i);
    expect(dbg.dx('@$ewmda().Patterns["Structure Sheaf"]') as Record<string, unknown>).toMatchObject({ DumpNote: undefined });
  });

  it("points only to analyses that run: every dx path in Analyses evaluates", () => {
    const { dbg } = load();
    for (const e of rowsOf(dbg.dx("@$ewmda().Patterns"))) {
      if (!e.Automated) continue;
      for (const p of e.Analyses as string[]) expect(() => dbg.dx(p), p).not.toThrow();
    }
  });

  it("filters like a built-in collection and refuses unknown names clearly", () => {
    const { dbg } = load();
    expect(rowsOf(dbg.dx("@$ewmda().Patterns.Where(p => p.Automated)")).map((e) => e.Name)).toEqual(automated.map((e) => e.name));
    expect(rowsOf(dbg.dx('@$ewmda().Patterns.Where(p => p.Name == "Step Dumps")'))[0]!.DumpKinds).toEqual(["several"]);
    expect(() => dbg.dx('@$ewmda().Patterns["No Such Pattern"]')).toThrow(/no pattern named "No Such Pattern"/);
  });
});

describe("!ewmda.patterns", () => {
  it("prints the catalogue as a table under both names, without touching the target", () => {
    const { dbg } = loadEwmda(userTarget().thread({ tid: 0x1a4 }).build().spec);
    const before = dbg.counters.snapshot();
    const lines = dbg.execute("!ewmda_patterns");
    const after = dbg.counters.snapshot();
    expect([after.memoryReads, after.symbolLookups]).toEqual([before.memoryReads, before.symbolLookups]);
    expect(lines).toEqual([
      ...renderCatalogue(catalogue(ANALYSES)),
      'Details of one pattern: dx @$ewmda.Patterns["<pattern>"]; run an analysis: dx @$ewmda.<Analysis>() or !ewmda.<command>',
    ]);
    expect(lines[0]).toMatch(/^ewmda pattern catalogue: 40 patterns, \d+ with an automated check$/);
    expect(lines[1]).toMatch(/^Pattern\s+Dump kinds\s+ewmda analyses$/);
    expect(lines.find((l) => l.startsWith("Execution Residue (Unmanaged Space, User)"))).toMatch(/\s+user, complete\s+.*RawStack/);
    expect(lines.find((l) => l.startsWith("Stack Trace Collection (Commands)"))).toMatch(/user, kernel, complete, kernel minidump\s+Log$/);
    expect(lines.find((l) => l.startsWith("Driver Device Collection"))).toMatch(/kernel, complete\s+no automated check yet$/);
    // Plain text: the provider's console channel has no DML mode.
    expect(lines.join("\n")).not.toContain("<link");
    expect(dbg.execute("!ewmda.patterns")).toEqual(lines);
    // Like every ewmda command, the first call creates @$ewmda, so the hint on the last line works as written.
    expect(String(dbg.dx('@$ewmda.Patterns["Zombie Processes"]'))).toBe("Zombie Processes [kernel, complete]: ZombieProcesses");
  });
});

describe("ewmda patterns", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(root, "bin", "ewmda.mjs"), "patterns", ...args], { encoding: "utf8", cwd: path.join(root, "test") });

  it("prints an array of { name, dumpKinds, analyses, automated } with --json, needing no dump", () => {
    const r = run("--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as unknown[];
    expect(Array.isArray(doc)).toBe(true);
    expect(doc).toHaveLength(40);
    const kinds = new Set(["user", "kernel", "complete", "kernel minidump", "several"]);
    const names = new Set(ANALYSES.map((a) => a.meta.name));
    for (const item of doc as Record<string, unknown>[]) {
      expect(Object.keys(item).sort()).toEqual(["analyses", "automated", "dumpKinds", "name"]);
      expect(typeof item.name).toBe("string");
      expect(Array.isArray(item.dumpKinds) && (item.dumpKinds as unknown[]).length > 0).toBe(true);
      for (const k of item.dumpKinds as unknown[]) expect(kinds.has(k as string), String(k)).toBe(true);
      expect(Array.isArray(item.analyses)).toBe(true);
      for (const a of item.analyses as unknown[]) expect(names.has(a as string), String(a)).toBe(true);
      expect(item.automated).toBe((item.analyses as unknown[]).length > 0);
    }
    expect((doc as { name: string }[]).map((d) => d.name)).toEqual(PATTERNS.map((p) => p.name));
    expect(doc[12]).toMatchObject({ name: "Execution Residue (Unmanaged Space, User)", dumpKinds: ["user", "complete"], automated: true });
    expect((doc[12] as { analyses: string[] }).analyses).toContain("RawStack");
  });

  it("prints the table without --json", () => {
    const r = run();
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 42)).toEqual(renderCatalogue(catalogue(ANALYSES)));
    expect(lines[42]).toBe('Run the analyses of one pattern: ewmda analyze <dump> --pattern "<pattern>"');
  });
});

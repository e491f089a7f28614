/**
 * The built dist/ewmda.js, loaded as a user loads it, through the emulated provider: registrations,
 * the three ways to reach the analyses, the `!` commands, unload, and the same under the other reading
 * of every unconfirmed provider behaviour.
 */
import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, DEFAULT_VARIANT, EmulatedDebugger } from "../src/emulator";
import { aliasTable, PATTERNS_ALIASES } from "../src/extensions/aliases";
import { ANALYSES } from "../src/extensions/registry";
import { bundleText, loadEwmda, rowsOf, SCRIPT_PATH } from "./helpers";
import { stackref, sym, userTarget } from "./mocks/user-target";

// The namespace's own command (the pattern catalogue), then two aliases per analysis, in registry order.
const COMMANDS = [PATTERNS_ALIASES, ...aliasTable(ANALYSES)];

const target = () => userTarget().thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10), stackref(0x1a4, 8)] }).thread({ tid: 0x2b0 }).build();

describe("loading dist/ewmda.js", () => {
  it("registers the namespace, the ewmda alias and two aliases per command, touching nothing in the target", () => {
    const { dbg, script } = loadEwmda(target().spec);
    expect(script.applied.map((r) => r.kind)).toEqual([
      "ApiVersionSupport", "NamespacePropertyParent", "FunctionAlias", ...COMMANDS.flatMap(() => ["FunctionAlias", "FunctionAlias"]),
    ]);
    expect(script.skipped).toEqual([]);
    expect([...dbg.aliases.keys()]).toEqual(["ewmda", ...COMMANDS.flatMap((c) => [c.dotted, c.plain])]);
    expect([...dbg.aliases.keys()].slice(0, 3)).toEqual(["ewmda", "ewmda.patterns", "ewmda_patterns"]);
    expect([...dbg.aliases.keys()]).toContain("ewmda_rawstack");
    // initializeScript only registers: no memory, symbols, model properties or commands.
    const c = dbg.counters.snapshot();
    expect([c.memoryReads, c.symbolLookups, c.propertyReads, c.commands]).toEqual([0, 0, 0, 0]);
    expect(dbg.userVariables.has("ewmda")).toBe(false);
    // Private names stay private: only the entry points are bridged.
    expect(Object.keys(script.global).filter((k) => !k.startsWith("__") && k !== "host").sort()).toEqual(["initializeScript", "invokeScript", "uninitializeScript"]);
  });

  it("lists every analysis with help in dx Debugger.Utility.Ewmda", () => {
    const { dbg } = loadEwmda(target().spec);
    const lines = dbg.dxLines("Debugger.Utility.Ewmda");
    expect(lines[0]).toMatch(new RegExp(`^Debugger\\.Utility\\.Ewmda\\s+: ewmda \\d+\\.\\d+\\.\\d+: ${ANALYSES.length} analyses`));
    expect(lines.find((l) => l.trim().startsWith("RawStack"))).toMatch(/\[RawStack\(tid\?, options\?\) - Raw stack of a thread/);
    const verbose = dbg.dxLines("Debugger.Utility.Ewmda", { verbose: true });
    expect(verbose.find((l) => l.trim().startsWith("Version"))).toContain("[ewmda version]");
  });

  it("works as dx @$ewmda().RawStack() through the function alias", () => {
    const { dbg } = loadEwmda(target().spec);
    const rows = rowsOf(dbg.dx("@$ewmda().RawStack()"));
    expect(rows.map((r) => r.Symbol ?? r.Kind)).toEqual(["kernel32!Sleep+0x10", "StackPointer"]);
  });

  it("creates @$ewmda on the first alias call, so dx @$ewmda.RawStack() works as written", () => {
    const { dbg } = loadEwmda(target().spec);
    expect(() => dbg.dx("@$ewmda.RawStack()")).toThrow(/Couldn't resolve|not/);
    dbg.execute("!ewmda_rawstack");
    expect(dbg.commandLog).toContain("dx @$ewmda = Debugger.Utility.Ewmda");
    expect(rowsOf(dbg.dx("@$ewmda.RawStack(0x1a4)"))).toHaveLength(2);
  });

  it("creates @$ewmda on .scriptrun and prints how to start", () => {
    const dbg = new EmulatedDebugger(target().spec);
    const out = dbg.capture(() => { dbg.scriptRun(bundleText(), SCRIPT_PATH); });
    expect(out.join("\n")).toMatch(new RegExp(`^ewmda \\d+\\.\\d+\\.\\d+ loaded: dx Debugger\\.Utility\\.Ewmda lists ${ANALYSES.length} analyses; try dx @\\$ewmda\\.Triage\\(\\) or !ewmda\\.triage$`));
    expect(dbg.userVariables.has("ewmda")).toBe(true);
    expect(String(dbg.dx("@$ewmda.RawStack(0x2b0)"))).toContain("thread 0x2b0");
  });

  it("undoes everything on .scriptunload", () => {
    const { dbg } = loadEwmda(target().spec);
    dbg.execute("!ewmda_rawstack");
    dbg.scriptUnload(SCRIPT_PATH);
    expect(dbg.aliases.size).toBe(0);
    expect(dbg.userVariables.has("ewmda")).toBe(false);
    expect(() => dbg.dx("Debugger.Utility.Ewmda")).toThrow();
    expect(dbg.execute("!ewmda_rawstack")).toEqual(["No export ewmda_rawstack found"]);
  });
});

describe.each([
  ["default provider reading", DEFAULT_VARIANT],
  ["alternate provider reading", ALTERNATE_VARIANT],
])("under the %s", (_name, variant) => {
  it("runs RawStack through Debugger.Utility.Ewmda, @$ewmda and the undotted command", () => {
    const t = target();
    const { dbg, script } = loadEwmda(t.spec, { variant });
    const viaNamespace = rowsOf(dbg.dx("Debugger.Utility.Ewmda.RawStack()"));
    expect(viaNamespace.map((r) => r.Symbol ?? r.Kind)).toEqual(["kernel32!Sleep+0x10", "StackPointer"]);
    expect(rowsOf(dbg.dx("@$ewmda.RawStack()"))).toHaveLength(2); // the namespace call made the variable
    const table = dbg.execute("!ewmda_rawstack");
    expect(table[0]).toContain("2048 slots scanned, 2 shown");
    expect(table.some((l) => l.includes("kernel32!Sleep+0x10"))).toBe(true);
    if (variant.dottedAliases) {
      expect(dbg.execute("!ewmda.rawstack")).toEqual(table);
    } else {
      // A provider that refuses dotted names: only those optional records (one per command) are skipped, the load succeeds.
      expect(script.skipped.map((s) => s.kind)).toEqual(COMMANDS.map(() => "FunctionAlias"));
      expect(dbg.execute("!ewmda_patterns")[0]).toMatch(/^ewmda pattern catalogue: 40 patterns/);
      expect(dbg.execute("!ewmda.rawstack")).toEqual(["No export rawstack found"]);
    }
  });
});

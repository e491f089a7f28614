/**
 * Fidelity of the emulated dx evaluator and renderer against the reference
 * (shared/reference/dbgmodel-api.md §5.4, §5.5, §6.2, §7, §10, checklist §9.8).
 */
import { describe, it, expect } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import { userTarget } from "../mocks/user-target";

const PID = 0x1234;

const SCRIPT = `"use strict";
class Item {
  constructor(n) { this.Name = "item" + n; this.Value = n; this.__secret = "hidden"; }
  run() { return this.Value; }
  toString() { return "Item #" + this.Value; }
}
class WithMeta {
  constructor() { this.Size = 0x10; }
  go() { return 1; }
  shown() { return 2; }
  get [Symbol.metadataDescriptor]() {
    return { go: { Help: "Goes somewhere" }, shown: { PreferShow: true, Help: "Always shown" }, Size: { Help: "Size in bytes" } };
  }
}
class Defined {
  constructor() { this.Count = 3; host.metadata.defineMetadata(this, { act: { Help: "Acts on it" } }); }
  act() { return 0; }
}
function* gen() { yield 1; yield 2; }
function* indexed() { yield new host.indexedValue("a", ["first"]); yield new host.indexedValue("b", [5]); }
function initializeScript() {
  return [
    new host.apiVersionSupport(1, 9),
    new host.functionAlias(function (a, b) { return a + b; }, "add"),
    new host.functionAlias(function () { return { Visible: 1, __hidden: 2, Nested: { Inner: 3 } }; }, "plain"),
    new host.functionAlias(function () { return [10, 20, 30]; }, "list"),
    new host.functionAlias(gen, "gen"),
    new host.functionAlias(indexed, "indexed"),
    new host.functionAlias(function () { return new Item(3); }, "item"),
    new host.functionAlias(function () { return new WithMeta(); }, "meta"),
    new host.functionAlias(function () { return new Defined(); }, "defined"),
    new host.functionAlias(function () { return [{ A: 1, B: "x" }, { A: 0x20, B: "yy" }]; }, "rows"),
  ];
}`;

function newDbg(): EmulatedDebugger {
  const built = userTarget({ pid: PID }).thread({ tid: 0x1a4 }).thread({ tid: 0x2b8 }).build();
  const dbg = new EmulatedDebugger(built.spec);
  dbg.scriptLoad(SCRIPT, "C:\\t\\dxprobe.js");
  return dbg;
}

/** The line for child `name` at indentation level 1 (`    name   : value`), or undefined. */
function child(lines: string[], name: string): string | undefined {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return lines.find((l) => new RegExp(`^    ${esc}(\\s|:|$)`).test(l));
}

describe("dx evaluator (§6.2, §7, §10)", () => {
  it("§6.2 @$curprocess.Name", () => {
    const dbg = newDbg();
    expect(dbg.dx("@$curprocess.Name")).toBe("app.exe");
    expect(dbg.dx("@$curprocess.Id")).toBe(PID);
  });

  it("§6.1 Debugger.Sessions[0].Processes is the process collection, keyed by pid", () => {
    const dbg = newDbg();
    const procs = dbg.dx("Debugger.Sessions[0].Processes") as Iterable<unknown>;
    expect(Array.from(procs)).toEqual([dbg.dx("@$curprocess")]);
    expect(dbg.dx("Debugger.Sessions[0].Processes.Count()")).toBe(1);
    expect(dbg.dxLines("Debugger.Sessions[0].Processes").some((l) => /^    \[0x1234\]\s+: app\.exe$/.test(l))).toBe(true);
  });

  it("§6.2 dx @$x = 5 creates a user variable that later expressions read", () => {
    const dbg = newDbg();
    expect(dbg.dx("@$x = 5")).toBe(5);
    expect(dbg.userVariables.get("x")).toBe(5);
    expect(dbg.dx("@$x")).toBe(5);
    expect(dbg.dx("@$x + 1")).toBe(6);
    expect(dbg.dx("@$vars.x")).toBe(5);
  });

  it("§10 lambdas: .Where(t => t.Id == 0x1a4)", () => {
    const dbg = newDbg();
    expect(dbg.dx("@$curprocess.Threads.Where(t => t.Id == 0x1a4).Count()")).toBe(1);
    expect(dbg.dx("@$curprocess.Threads.Where(t => t.Id == 0x1a4).First().Id")).toBe(0x1a4);
    expect(dbg.dx("@$curprocess.Threads.Where(t => t.Id != 0x1a4).First().Id")).toBe(0x2b8);
    expect(dbg.dx("@$curprocess.Threads.Select(t => t.Id).Where(i => i > 0x200).First()")).toBe(0x2b8);
  });

  it("§10 anonymous objects: new { A = 1 }", () => {
    const dbg = newDbg();
    expect(dbg.dx("new { A = 1 }")).toEqual({ A: 1 });
    expect(dbg.dx("new { A = 1, Name = @$curprocess.Name }")).toEqual({ A: 1, Name: "app.exe" });
    const projected = Array.from(dbg.dx("@$curprocess.Threads.Select(t => new { Tid = t.Id })") as Iterable<unknown>);
    expect(projected).toEqual([{ Tid: 0x1a4 }, { Tid: 0x2b8 }]);
  });

  it("§7 function aliases are callable as @$name(args)", () => {
    const dbg = newDbg();
    expect(dbg.dx("@$add(5, 7)")).toBe(12);
  });

  it("§5.4 dx projects LINQ onto an iterable a script returns (g_array1D.Select(n => n * 3))", () => {
    const dbg = newDbg();
    expect(Array.from(dbg.dx("@$list().Select(n => n * 3)") as Iterable<unknown>)).toEqual([30, 60, 90]);
    expect(Array.from(dbg.dx("@$list().Where(n => n > 15)") as Iterable<unknown>)).toEqual([20, 30]);
    expect(dbg.dx("@$list().Count()")).toBe(3);
    // Arithmetic precedence in dx expressions.
    expect(dbg.dx("1 + 2 * 3")).toBe(7);
    expect(dbg.dx("0x10 / 3")).toBe(5);
    expect(dbg.dx("7 % 4")).toBe(3);
  });
});

describe("dx renderer (§5.5, §10, §9.8)", () => {
  it("§5.5 an integer number is shown in hex (@$add(5, 7) : 0xc)", () => {
    const dbg = newDbg();
    expect(dbg.dxLines("@$add(5, 7)")[0]).toMatch(/^@\$add\(5, 7\)\s+: 0xc$/);
  });

  it("§5.5 names starting with __ are hidden; a plain object shows [object Object]", () => {
    const dbg = newDbg();
    const lines = dbg.dxLines("@$plain()");
    expect(lines[0]).toMatch(/^@\$plain\(\)\s+: \[object Object\]$/);
    expect(child(lines, "Visible")).toMatch(/: 0x1$/);
    expect(child(lines, "Nested")).toBeDefined();
    expect(lines.some((l) => l.includes("__hidden"))).toBe(false);
    expect(dbg.dxLines("@$item()").some((l) => l.includes("__secret"))).toBe(false);
  });

  it("§5.5 iterable results show [0x0], [0x1] … indices", () => {
    const dbg = newDbg();
    const lines = dbg.dxLines("@$list()");
    expect(lines.filter((l) => /^    \[0x[0-9a-f]+\]/.test(l))).toEqual([
      expect.stringMatching(/^    \[0x0\]\s+: 0xa$/),
      expect.stringMatching(/^    \[0x1\]\s+: 0x14$/),
      expect.stringMatching(/^    \[0x2\]\s+: 0x1e$/),
    ]);
  });

  it("§5.5 a generator displays as [object Generator] with its elements indexed", () => {
    const dbg = newDbg();
    const lines = dbg.dxLines("@$gen()");
    expect(lines[0]).toMatch(/: \[object Generator\]$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^    \[0x0\]\s+: 0x1$/), expect.stringMatching(/^    \[0x1\]\s+: 0x2$/)]);
  });

  it("§4.7 yielded host.indexedValue elements show their explicit indices", () => {
    const dbg = newDbg();
    const lines = dbg.dxLines("@$indexed()");
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^    \[first\]\s+: a$/), expect.stringMatching(/^    \[0x5\]\s+: b$/)]);
    expect(lines.some((l) => /\[0x0\]/.test(l))).toBe(false);
  });

  it("§5.5 an object's custom toString() is its display string", () => {
    const dbg = newDbg();
    const lines = dbg.dxLines("@$item()");
    expect(lines[0]).toMatch(/^@\$item\(\)\s+: Item #3$/);
    expect(child(lines, "Name")).toMatch(/: item3$/);
    expect(child(lines, "Value")).toMatch(/: 0x3$/);
  });

  it("§10 methods are shown only with -v", () => {
    const dbg = newDbg();
    const plain = dbg.dxLines("@$item()");
    expect(child(plain, "run")).toBeUndefined();
    expect(child(plain, "Name")).toBeDefined();
    const verbose = dbg.dxLines("@$item()", { verbose: true });
    expect(child(verbose, "run")).toBeDefined();
    expect(child(verbose, "Name")).toMatch(/: item3$/);
  });

  it("§4.5 a method with PreferShow metadata is shown without -v; others stay hidden", () => {
    const dbg = newDbg();
    const lines = dbg.dxLines("@$meta()");
    expect(child(lines, "shown")).toBeDefined();
    expect(child(lines, "go")).toBeUndefined();
    expect(child(lines, "Size")).toMatch(/: 0x10/);
  });

  it("§4.5/§10 metadata Help text is shown ([Symbol.metadataDescriptor] and defineMetadata)", () => {
    const dbg = newDbg();
    expect(child(dbg.dxLines("@$meta()"), "shown")).toContain("Always shown");
    const verbose = dbg.dxLines("@$meta()", { verbose: true });
    expect(child(verbose, "go")).toContain("Goes somewhere");
    expect(child(verbose, "Size")).toContain("Size in bytes");
    expect(child(dbg.dxLines("@$defined()", { verbose: true }), "act")).toContain("Acts on it");
    // The same flags through the command line.
    expect(child(dbg.execute("dx -v @$meta()"), "go")).toContain("Goes somewhere");
  });

  it("§10 -g renders a grid: one row per element, one column per property", () => {
    const dbg = newDbg();
    const lines = dbg.dxLines("@$rows()", { grid: true });
    const header = lines.find((l) => /\bA\b/.test(l) && /\bB\b/.test(l));
    expect(header).toBeDefined();
    const row0 = lines.find((l) => l.includes("[0x0]"));
    const row1 = lines.find((l) => l.includes("[0x1]"));
    expect(row0).toMatch(/\[0x0\].*0x1.*\bx\b/);
    expect(row1).toMatch(/\[0x1\].*0x20.*\byy\b/);
    // Columns line up: the B column starts at the same offset in the header and both rows.
    const colB = header!.search(/\bB\b/);
    expect(row0!.indexOf("x", colB - 1)).toBe(colB);
    expect(row1!.indexOf("yy", colB - 1)).toBe(colB);
    // Without -g the same value renders as a tree.
    expect(dbg.dxLines("@$rows()").some((l) => l.includes("[0x0]") && l.includes("="))).toBe(false);
    expect(dbg.execute("dx -g @$rows()")).toEqual(lines);
  });
});

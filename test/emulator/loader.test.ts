/**
 * Fidelity of the emulated script loader and lifecycle against the reference
 * (shared/reference/dbgmodel-api.md §1.3, §1.4, §2, §2.1, §3, §4.3, §6.8, §6.9, §7, checklist §9.1, §9.2, §9.9, §9.10).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, it, expect } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import { ALTERNATE_VARIANT, type ProviderVariant } from "../../src/emulator/options";
import { userTarget } from "../mocks/user-target";

const PID = 0x1234;

function newDbg(variant?: Partial<ProviderVariant>, extra: { fileSystemRoot?: string } = {}): EmulatedDebugger {
  const built = userTarget({ pid: PID })
    .thread({ tid: 0x1a4 })
    .command("!runaway", [" User Mode Time", "  Thread       Time", "   0:1a4      0 days 0:00:01.000"])
    .build();
  return new EmulatedDebugger(built.spec, { ...(variant ? { variant } : {}), ...extra });
}

/** A classic script whose initializeScript returns `records` (a JS expression), with `rest` appended. */
function script(records: string, rest = ""): string {
  return `"use strict";
function initializeScript() { return ${records}; }
${rest}`;
}

const API = "new host.apiVersionSupport(1, 9)";

function call(s: { global: Record<string, unknown> }, name: string, ...args: unknown[]): unknown {
  return (s.global[name] as (...a: unknown[]) => unknown)(...args);
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("the script's global environment (§1.3, §1.4, §9.2, §9.9)", () => {
  it("§1.3 the script runs in a global with only host: no console/require/setTimeout/process/module/globalThis", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script("undefined", `
      var seen = [typeof console, typeof require, typeof setTimeout, typeof process, typeof module, typeof globalThis,
                  typeof Buffer, typeof __dirname, typeof exports, typeof host];`), "C:\\t\\env.js");
    expect(s.global.seen).toEqual(["undefined", "undefined", "undefined", "undefined", "undefined", "undefined", "undefined", "undefined", "undefined", "object"]);
  });

  it("§1.2 standard ECMAScript builtins are present", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script("undefined", `
      var seen = [typeof JSON, typeof Math, typeof Array, typeof Map, typeof Set, typeof WeakMap, typeof Promise, typeof Proxy,
                  typeof Reflect, typeof Symbol, typeof Uint8Array, typeof DataView, "abc".padStart(5, "-")];`), "C:\\t\\builtins.js");
    expect(s.global.seen).toEqual(["object", "object", "function", "function", "function", "function", "function", "function", "object", "function", "function", "function", "--abc"]);
  });

  it("§1.4 the script is a classic script: top-level this is the global object and top-level var/function are its properties", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script("undefined", "var topVar = 1; function topFn() { return 2; } var selfIsGlobal = (this.topVar === 1 && typeof this.topFn === 'function');"), "C:\\t\\classic.js");
    expect(s.global.topVar).toBe(1);
    expect(s.global.selfIsGlobal).toBe(true);
    expect(() => dbg.scriptLoad('export function initializeScript() {}', "C:\\t\\module.js")).toThrow(/module\.js/);
  });

  it("§9.9 Symbol.metadataDescriptor is defined before the script runs", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script("undefined", "var kind = typeof Symbol.metadataDescriptor; var sym = Symbol.metadataDescriptor;"), "C:\\t\\meta.js");
    expect(s.global.kind).toBe("symbol");
    expect(s.global.sym).toBe(dbg.metadataSymbol);
  });

  it("§1.4 names starting with __ are private: not bridged into @$scriptContents", () => {
    const dbg = newDbg();
    dbg.scriptLoad(script("undefined", "var visible = 7; var __hidden = 8;"), "C:\\t\\priv.js");
    expect(dbg.dx("@$scriptContents.visible")).toBe(7);
    expect(() => dbg.dx("@$scriptContents.__hidden")).toThrow();
    expect(dbg.dx("Debugger.State.Scripts.priv.Contents.visible")).toBe(7);
  });
});

describe("the two-phase host (§2.1, §9.1)", () => {
  const PHASE1 = ["diagnostics", "Int64", "parseInt64", "metadata", "apiVersionSupport", "namedModelParent", "namedModelRegistration",
    "typeSignatureRegistration", "typeSignatureExtension", "functionAlias", "namespacePropertyParent", "optionalRecord"];
  const PHASE2 = ["currentSession", "currentProcess", "currentThread", "namespace", "memory", "evaluateExpression", "getModuleSymbol",
    "getModuleType", "createTypedObject", "createPointerObject", "getNamedModel", "indexedValue"];
  const probe = (where: string) => `
    ${where}.phase1 = phase1Names.map(function (n) { return typeof host[n]; });
    ${where}.phase2 = phase2Names.map(function (n) { try { return typeof host[n]; } catch (e) { return "throws"; } });`;

  it("§2.1 during root code and initializeScript only the phase-1 members exist; phase-2 members are absent (default)", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(`"use strict";
      var phase1Names = ${JSON.stringify(PHASE1)}, phase2Names = ${JSON.stringify(PHASE2)};
      var root = {}, init = {}, later = {};
      ${probe("root")}
      var rootHasMemory = "memory" in host;
      function initializeScript() { ${probe("init")} return [${API}]; }
      function afterwards() { ${probe("later")} return later; }`, "C:\\t\\phases.js");
    const root = s.global.root as { phase1: string[]; phase2: string[] };
    const init = s.global.init as { phase1: string[]; phase2: string[] };
    expect(root.phase1.every((t) => t !== "undefined")).toBe(true);
    expect(root.phase2).toEqual(PHASE2.map(() => "undefined"));
    expect(s.global.rootHasMemory).toBe(false);
    expect(init.phase2).toEqual(PHASE2.map(() => "undefined"));
    const later = call(s, "afterwards") as { phase1: string[]; phase2: string[] };
    expect(later.phase1.every((t) => t !== "undefined")).toBe(true);
    expect(later.phase2.every((t) => t === "object" || t === "function")).toBe(true);
  });

  it("§2.1/§12.8 under the alternate variant phase-2 members throw during initialization", () => {
    const dbg = newDbg(ALTERNATE_VARIANT);
    const s = dbg.scriptLoad(`"use strict";
      var phase1Names = ${JSON.stringify(PHASE1)}, phase2Names = ${JSON.stringify(PHASE2)};
      var root = {}, init = {}, later = {};
      ${probe("root")}
      function initializeScript() { ${probe("init")} return [${API}]; }
      function afterwards() { ${probe("later")} return later; }`, "C:\\t\\phases_alt.js");
    expect((s.global.root as { phase2: string[] }).phase2).toEqual(PHASE2.map(() => "throws"));
    expect((s.global.init as { phase2: string[] }).phase2).toEqual(PHASE2.map(() => "throws"));
    expect((call(s, "afterwards") as { phase2: string[] }).phase2.every((t) => t === "object" || t === "function")).toBe(true);
  });

  it("§4.3 debugLog is phase 1: usable in root code, arguments concatenated without separators", () => {
    const dbg = newDbg();
    dbg.scriptLoad(script("undefined", 'host.diagnostics.debugLog("foo.a = ", 99, "\\n"); host.diagnostics.debugLog("a", 1, true, "b", "\\n");'), "C:\\t\\log.js");
    expect(dbg.output).toEqual(["foo.a = 99\n", "a1trueb\n"]);
  });
});

describe("lifecycle: initializeScript, records, invokeScript, uninitializeScript (§2, §3)", () => {
  it("§2 initializeScript is found as a global function (declared or assigned to a global var) and called once on load", () => {
    const dbg = newDbg();
    const a = dbg.scriptLoad(`"use strict"; var calls = 0; function initializeScript() { calls++; return [new host.functionAlias(function () { return 1; }, "viaDecl")]; }`, "C:\\t\\decl.js");
    expect(a.global.calls).toBe(1);
    expect(dbg.aliases.has("viaDecl")).toBe(true);
    dbg.scriptLoad(`"use strict"; var initializeScript = function () { return [new host.functionAlias(function () { return 2; }, "viaVar")]; };`, "C:\\t\\var.js");
    expect(dbg.aliases.has("viaVar")).toBe(true);
    // A function named main is just a function.
    const m = dbg.scriptLoad(`"use strict"; var ran = false; function main() { ran = true; }`, "C:\\t\\main.js");
    expect(m.global.ran).toBe(false);
  });

  it("§3 records are applied in the order initializeScript returns them", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return 1; }, "first"),
      new host.namedModelParent(ProcExt, "Debugger.Models.Process"), new host.functionAlias(function () { return 2; }, "second")]`,
    "class ProcExt { get Ordered() { return 1; } }"), "C:\\t\\order.js");
    expect(s.applied.map((r) => r.kind)).toEqual(["ApiVersionSupport", "FunctionAlias", "NamedModelParent", "FunctionAlias"]);
    expect(dbg.dx("@$first()")).toBe(1);
    expect(dbg.dx("@$second()")).toBe(2);
    expect(dbg.dx("@$curprocess.Ordered")).toBe(1);
  });

  it("§2 a failing record undoes the records already applied and the load fails naming the script", () => {
    const dbg = newDbg();
    const code = script(`[${API}, new host.functionAlias(function () { return 1; }, "keptAlias"),
      new host.namedModelParent(ProcExt, "Debugger.Models.Process"),
      new host.namespacePropertyParent(Ns, "Debugger.Models.Utility", "Debugger.Models.Utility.Failing", "Failing"),
      new host.functionAlias(function () { return 2; }, "not a valid name"),
      new host.functionAlias(function () { return 3; }, "neverApplied")]`,
    "class ProcExt { get FromFailing() { return 1; } } class Ns { hello() { return 1; } }");
    let err: unknown;
    try { dbg.scriptLoad(code, "C:\\t\\failing.js"); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("C:\\t\\failing.js");
    expect(dbg.aliases.has("keptAlias")).toBe(false);
    expect(dbg.aliases.has("neverApplied")).toBe(false);
    expect(() => dbg.dx("@$curprocess.FromFailing")).toThrow();
    expect(() => dbg.dx("Debugger.Utility.Failing")).toThrow();
    expect(dbg.scripts.has("failing")).toBe(false);
  });

  it("§3 an optionalRecord wrapping a failing record is skipped and the load succeeds", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}, new host.optionalRecord(new host.functionAlias(function () { return 1; }, "not valid")),
      new host.functionAlias(function () { return 2; }, "afterOptional")]`), "C:\\t\\optional.js");
    expect(s.skipped).toHaveLength(1);
    expect(s.skipped[0]!.kind).toBe("FunctionAlias");
    expect(dbg.dx("@$afterOptional()")).toBe(2);
    expect(dbg.scripts.has("optional")).toBe(true);
  });

  it("§7 a dotted alias name works by default as !ewmda.raw (not as @$ewmda.raw, a property access)", () => {
    const dbg = newDbg();
    dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return 0x2a; }, "ewmda.raw")]`), "C:\\t\\dotted.js");
    expect(dbg.aliases.has("ewmda.raw")).toBe(true);
    const out = dbg.execute("!ewmda.raw");
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^!ewmda\.raw\s+: 0x2a$/);
    // In dx, `@$ewmda.raw(...)` parses as a property access on @$ewmda (§7), so only the bang form reaches it.
    expect(() => dbg.dx("@$ewmda.raw()")).toThrow();
  });

  it("§7/§12.5 under the alternate variant a dotted alias is rejected: the load fails unless the record is optional", () => {
    const dbg = newDbg(ALTERNATE_VARIANT);
    expect(() => dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return 1; }, "ewmda.raw"),
      new host.functionAlias(function () { return 1; }, "ewraw")]`), "C:\\t\\dotted.js")).toThrow(/dotted\.js/);
    expect(dbg.aliases.has("ewraw")).toBe(false);
    const s = dbg.scriptLoad(script(`[${API}, new host.optionalRecord(new host.functionAlias(function () { return 1; }, "ewmda.raw")),
      new host.functionAlias(function () { return 1; }, "ewraw")]`), "C:\\t\\dotted.js");
    expect(s.skipped.map((r) => r.kind)).toEqual(["FunctionAlias"]);
    expect(dbg.aliases.has("ewmda.raw")).toBe(false);
    expect(dbg.aliases.has("ewraw")).toBe(true);
  });

  it("§2 invokeScript runs only on .scriptrun, after root code and initializeScript", () => {
    const dbg = newDbg();
    const code = `"use strict";
      host.diagnostics.debugLog("root\\n");
      function initializeScript() { host.diagnostics.debugLog("init\\n"); }
      function invokeScript() { host.diagnostics.debugLog("invoke " + host.currentProcess.Name + "\\n"); }`;
    dbg.scriptLoad(code, "C:\\t\\life.js");
    expect(dbg.output).toEqual(["root\n", "init\n"]);
    const other = newDbg();
    other.scriptRun(code, "C:\\t\\life.js");
    expect(other.output).toEqual(["root\n", "init\n", "invoke app.exe\n"]);
  });

  it("§2 .scriptunload calls uninitializeScript and undoes the records (and imperative registrations)", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return 1; }, "gone"),
      new host.namedModelParent(ProcExt, "Debugger.Models.Process"),
      new host.namespacePropertyParent(Ns, "Debugger.Models.Utility", "Debugger.Models.Utility.Gone", "Gone")]`,
    `class ProcExt { get Extra() { return 5; } } class Ns { hi() { return "hi"; } }
     function registerLater() { host.registerNamedModel({ x: 1 }, "Probe.Imperative"); }
     function uninitializeScript() { host.diagnostics.debugLog("uninit\\n"); }`), "C:\\t\\unload.js");
    call(s, "registerLater");
    expect(dbg.models.registered("Probe.Imperative")).toBeDefined();
    expect(dbg.dx("@$curprocess.Extra")).toBe(5);
    expect(dbg.dx("Debugger.Utility.Gone.hi()")).toBe("hi");
    dbg.scriptUnload("C:\\t\\unload.js");
    expect(dbg.output).toEqual(["uninit\n"]);
    expect(dbg.aliases.has("gone")).toBe(false);
    expect(() => dbg.dx("@$curprocess.Extra")).toThrow();
    expect(() => dbg.dx("Debugger.Utility.Gone")).toThrow();
    expect(dbg.models.registered("Probe.Imperative")).toBeUndefined();
    expect(dbg.scripts.has("unload")).toBe(false);
  });

  it("§2 loading changed content replaces the old registrations (old uninitializeScript runs first)", () => {
    const dbg = newDbg();
    dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return "v1"; }, "oldOnly"), new host.functionAlias(function () { return "v1"; }, "shared")]`,
      'function uninitializeScript() { host.diagnostics.debugLog("uninit v1\\n"); }'), "C:\\t\\reload.js");
    const v2 = dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return "v2"; }, "shared"), new host.functionAlias(function () { return "v2"; }, "newOnly")]`,
      "var version = 2;"), "C:\\t\\reload.js");
    expect(dbg.output).toEqual(["uninit v1\n"]);
    expect(dbg.aliases.has("oldOnly")).toBe(false);
    expect(dbg.dx("@$shared()")).toBe("v2");
    expect(dbg.dx("@$newOnly()")).toBe("v2");
    expect(v2.global.version).toBe(2);
    expect(dbg.scripts.get("reload")).toBe(v2);
  });

  it("§2 when changed content fails to load, the previous version is restored", () => {
    const dbg = newDbg();
    dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return "v1"; }, "stable")]`, "var version = 1;"), "C:\\t\\rollback.js");
    expect(() => dbg.scriptLoad(script(`[${API}, new host.functionAlias(function () { return "v2"; }, "stable"),
      new host.functionAlias(function () { return "v2"; }, "bad name")]`, "var version = 2;"), "C:\\t\\rollback.js")).toThrow(/rollback\.js/);
    expect(dbg.dx("@$stable()")).toBe("v1");
    expect(dbg.scripts.get("rollback")?.global.version).toBe(1);
    // A syntax error in the new content rolls back the same way.
    expect(() => dbg.scriptLoad("function initializeScript( {", "C:\\t\\rollback.js")).toThrow(/rollback\.js/);
    expect(dbg.dx("@$stable()")).toBe("v1");
  });

  it("§2 syntax errors report the file and the line", () => {
    const dbg = newDbg();
    const bad = '"use strict";\nfunction initializeScript() { return []; }\nvar x = ;\n';
    let err: Error | undefined;
    try { dbg.scriptLoad(bad, "C:\\scripts\\TestScript.js"); } catch (e) { err = e as Error; }
    expect(err).toBeDefined();
    expect(err!.message).toContain("C:\\scripts\\TestScript.js");
    expect(err!.message).toMatch(/line 3\b/);
    expect(err!.message).toMatch(/syntax error/i);
    expect(dbg.scripts.has("TestScript")).toBe(false);
  });

  it("§2 a root-code exception also fails the load and names the file and line", () => {
    const dbg = newDbg();
    expect(() => dbg.scriptLoad('"use strict";\n\n\nthrow new Error("boom");\n', "C:\\scripts\\throws.js")).toThrow(/throws\.js.*line 4.*boom/s);
  });
});

describe("extension records (§3, §6.8, §6.10)", () => {
  it("§3 namespacePropertyParent on Debugger.Models.Utility makes Debugger.Utility.X with the class's methods, this = the sub-namespace", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}, new host.namespacePropertyParent(Probe, "Debugger.Models.Utility", "Debugger.Models.Utility.Probe", "Probe")]`,
      `class Probe { hello(n) { return "hello " + n; } self() { return this; } get Answer() { return 42; } }
       function fromScript() { var ns = host.namespace.Debugger.Utility.Probe; return [ns.hello(1), ns.self() === ns, ns.Answer]; }`), "C:\\t\\ns.js");
    expect(dbg.dx('Debugger.Utility.Probe.hello("x")')).toBe("hello x");
    expect(dbg.dx("Debugger.Utility.Probe.self()")).toBe(dbg.dx("Debugger.Utility.Probe"));
    expect(dbg.dx("Debugger.Utility.Probe.Answer")).toBe(42);
    expect(call(s, "fromScript")).toEqual(["hello 1", true, 42]);
  });

  it("§3 namedModelParent on Debugger.Models.Process adds properties to processes, with this = the process", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}, new host.namedModelParent(ProcExt, "Debugger.Models.Process")]`,
      `class ProcExt { get DoubledId() { return this.Id * 2; } describe() { return this.Name + "#" + this.Id; } }
       function viaHost() { return [host.currentProcess.DoubledId, host.currentSession.Processes[${PID}].describe()]; }`), "C:\\t\\procext.js");
    expect(dbg.dx("@$curprocess.DoubledId")).toBe(PID * 2);
    expect(dbg.dx("@$curprocess.describe()")).toBe(`app.exe#${PID}`);
    expect(call(s, "viaHost")).toEqual([PID * 2, `app.exe#${PID}`]);
  });
});

describe("Debugger.Utility.Control.ExecuteCommand (§6.8, §9.10)", () => {
  const EXEC = "host.namespace.Debugger.Utility.Control.ExecuteCommand";

  it("§6.8 ExecuteCommand returns the output lines as a collection with LINQ and records the command", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}]`, `function run() {
      var out = ${EXEC}("!runaway");
      var lines = []; for (var l of out) lines.push(l);
      return [lines, out.First(), out.Last(), out.Where(function (l) { return l.indexOf("1a4") >= 0; }).Count(), typeof out.First()];
    }`), "C:\\t\\exec.js");
    expect(call(s, "run")).toEqual([[" User Mode Time", "  Thread       Time", "   0:1a4      0 days 0:00:01.000"],
      " User Mode Time", "   0:1a4      0 days 0:00:01.000", 1, "string"]);
    expect(dbg.commandLog).toEqual(["!runaway"]);
  });

  it("§6.8 ExecuteCommand runs dx: dx @$x = ... creates a user variable", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}]`, `function run() { return Array.from(${EXEC}("dx @$ewTest = 0x2a")); }`), "C:\\t\\dxvar.js");
    const lines = call(s, "run") as string[];
    expect(dbg.userVariables.get("ewTest")).toBe(0x2a);
    expect(dbg.dx("@$ewTest")).toBe(0x2a);
    expect(lines.join("\n")).toContain("0x2a");
    expect(dbg.commandLog).toEqual(["dx @$ewTest = 0x2a"]);
  });

  it("§6.8 ExecuteCommand throws for a command the target has no output for", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}]`, `function run() { try { ${EXEC}("lmv m nosuchmodule"); return "no throw"; } catch (e) { return "threw"; } }`), "C:\\t\\nocmd.js");
    expect(call(s, "run")).toBe("threw");
    expect(dbg.commandLog).toEqual(["lmv m nosuchmodule"]);
  });
});

describe("host-call counters (emulator instrumentation over §4)", () => {
  it("memory reads, symbol look-ups and property reads move their counters", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}]`, `
      function readMem(a) { return host.memory.readMemoryValues(a, 1, 8); }
      function lookUp() { return host.getModuleSymbolAddress("ntdll", "NtWaitForSingleObject"); }
      function readName() { return host.currentProcess.Name; }`), "C:\\t\\count.js");
    const peb = dbg.int64.make(dbg.target.processes[0]!.pebAddress!);
    dbg.counters.reset();
    call(s, "readMem", peb);
    expect(dbg.counters.memoryReads).toBe(1);
    expect(dbg.counters.symbolLookups).toBe(0);
    call(s, "lookUp");
    expect(dbg.counters.symbolLookups).toBe(1);
    const before = dbg.counters.propertyReads;
    expect(call(s, "readName")).toBe("app.exe");
    expect(dbg.counters.propertyReads).toBeGreaterThanOrEqual(before + 2); // host.currentProcess, .Name
    expect(dbg.counters.total).toBe(dbg.counters.memoryReads + dbg.counters.symbolLookups + dbg.counters.typeLookups +
      dbg.counters.propertyReads + dbg.counters.objectCreations + dbg.counters.commands + dbg.counters.other);
  });
});

describe("Debugger.Utility.FileSystem (§6.9)", () => {
  it("§6.9 CreateTextWriter(path) writes a file under the emulator's root", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ewmda-loader-test-"));
    tempDirs.push(root);
    const dbg = newDbg(undefined, { fileSystemRoot: root });
    const s = dbg.scriptLoad(script(`[${API}]`, `function write() {
      var fsns = host.namespace.Debugger.Utility.FileSystem;
      var w = fsns.CreateTextWriter("C:\\\\out\\\\a.txt");
      w.WriteLine("first line");
      w.Write("x=");
      w.Write(42);
      return fsns.FileExists("C:\\\\out\\\\a.txt");
    }`), "C:\\t\\fs.js");
    expect(call(s, "write")).toBe(true);
    const hostPath = dbg.fileSystem.hostPath("C:\\out\\a.txt");
    expect(path.relative(root, hostPath).startsWith("..")).toBe(false);
    expect(fs.readFileSync(hostPath, "latin1").split(/\r?\n/)).toEqual(["first line", "x=42"]);
  });
});

describe("values the host hands to the script belong to the script's realm", () => {
  it("§4.4/§5.5 host errors are the script's Error objects; memory arrays are the script's arrays", () => {
    const dbg = newDbg();
    const s = dbg.scriptLoad(script(`[${API}]`, `function probe(addr) {
      var out = {};
      try { host.memory.readMemoryValues(0x10, 1, 4); } catch (e) { out.error = e instanceof Error; out.message = e.message; }
      try { host.parseInt64("zz", 16); } catch (e) { out.parseError = e instanceof Error; }
      out.typed = host.memory.readMemoryValues(addr, 2, 4) instanceof Uint32Array;
      out.bytes = host.memory.readMemoryValues(addr, 2, 1) instanceof Uint8Array;
      out.wide = Array.isArray(host.memory.readMemoryValues(addr, 2, 8));
      return out;
    }`), "C:\\t\\realm.js");
    const stack = dbg.target.processes[0]!.threads[0]!.registers.rsp!;
    const out = call(s, "probe", dbg.int64.make(stack)) as Record<string, unknown>;
    expect(out).toEqual({ error: true, message: expect.stringMatching(/^Unable to read memory at Address 0x10/), parseError: true, typed: true, bytes: true, wide: true });
  });
});

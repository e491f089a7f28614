/** The export face: every document the bundle writes validates against its schema (schema/*.schema.json, docs/schema.md). */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { selectAnalyses } from "../src/cli/analyze";
import { ANALYSES } from "../src/extensions/registry";
import { loadEwmda } from "./helpers";
import { expectValidDocument, SCHEMA_DIR, schemaKinds } from "./schema-check";
import { ret, stackref, sym, userTarget } from "./mocks/user-target";

describe("ToJson()", () => {
  it("writes a valid document with hex strings, absent reasons and the target", () => {
    const t = userTarget({ dumpFileName: "C:\\dumps\\app.dmp" }).module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
      .thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14), sym("kernel32!Sleep", 0x10), stackref(0x1a4, 8)] }).build();
    const { dbg } = loadEwmda(t.spec);
    const doc = JSON.parse(dbg.dx("Debugger.Utility.Ewmda.RawStack().ToJson()") as string);
    expectValidDocument(doc);
    expect(doc.target).toEqual({ kind: "user", dumpFile: "C:\\dumps\\app.dmp", processId: 0x1234, processName: "app.exe", pointerSize: 8, arch: "x64" });
    expect(doc.analysis).toEqual({ name: "RawStack", command: "rawstack", version: "1.0.0", patterns: ["Execution Residue (Unmanaged Space, User)"] });
    expect(doc.rows[0]).toMatchObject({ Thread: "0x1a4", Kind: "CodePointer", Symbol: "ntdll!NtWaitForSingleObject+0x14", ReturnAddress: true, Live: true });
    expect(doc.rows[0].Value).toBe("0x" + t.at.symbol("ntdll!NtWaitForSingleObject", 0x14).toString(16));
    // kernel32's code is not in the dump: ReturnAddress is null with the reason.
    expect(doc.rows[1].ReturnAddress).toBeNull();
    expect(doc.rows[1]._absent.ReturnAddress).toMatch(/^unreadable: code bytes before .* are not in the dump$/);
    // Not applicable values are left out.
    expect("Symbol" in doc.rows[2]).toBe(false);
  });

  it.each(ANALYSES.map((a) => [a.meta.name] as const))("%s writes valid documents on standard targets", (name) => {
    for (const spec of [userTarget().build().spec, userTarget({ arch: "x86" }).build().spec, userTarget({ ntdllSymbols: false }).build().spec]) {
      const { dbg } = loadEwmda(spec);
      expectValidDocument(JSON.parse(dbg.dx(`Debugger.Utility.Ewmda.${name}().ToJson()`) as string));
    }
  });
});

describe("the document contract", () => {
  it("documents every schema on disk in docs/schema.md, and has a schema for every kind it documents", () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "..", "docs", "schema.md"), "utf8");
    const documented = [...doc.matchAll(/\[`(ewmda\.[a-z]+)`\]\(\.\.\/schema\/(ewmda\.[a-z]+)\.v(\d+)\.schema\.json\)/g)].map((m) => `${m[2]}@${m[3]}`);
    expect(documented.sort()).toEqual(schemaKinds());
    for (const file of readdirSync(SCHEMA_DIR)) expect(file).toMatch(/^ewmda\.[a-z]+\.v\d+\.schema\.json$/);
  });

  it("keeps a version 1 result written before ids existed valid", () => {
    expectValidDocument({
      schema: "ewmda.result", schemaVersion: 1, tool: { name: "ewmda", version: "0.1.0" },
      target: { kind: "user", dumpFile: null, processId: 1, processName: "a.exe", pointerSize: 8, arch: "x64" },
      analysis: { name: "RawStack", command: "rawstack", version: "1.0.0", patterns: ["Execution Residue (Unmanaged Space, User)"] },
      time: "2025-01-01T00:00:00.000Z", summary: "s", partial: false,
      columns: [{ name: "Verdict", type: "verdict" }, { name: "Evidence", type: "string" }, { name: "Source", type: "string" }],
      rows: [{ Verdict: "Negative", Evidence: "nothing", Source: "typed" }],
    });
  });

  it("gives ToJson the same id for the same content and another id for another dump", () => {
    const spec = (dumpFileName: string) => userTarget({ dumpFileName }).thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10)] }).build().spec;
    const { dbg } = loadEwmda(spec("C:\\dumps\\a.dmp"));
    const first = JSON.parse(dbg.dx("Debugger.Utility.Ewmda.RawStack().ToJson()") as string);
    const again = JSON.parse(dbg.dx("Debugger.Utility.Ewmda.RawStack().ToJson()") as string);
    expect(first.id).toMatch(/^[0-9a-f]{16}$/);
    expect(again.id).toBe(first.id);
    const other = JSON.parse(loadEwmda(spec("C:\\dumps\\b.dmp")).dbg.dx("Debugger.Utility.Ewmda.RawStack().ToJson()") as string);
    expect(other.id).not.toBe(first.id);
  });
});

describe("ewmda analyze --all", () => {
  it("runs every analysis of the dump, but not the actions that write files or need arguments", () => {
    const all = selectAnalyses([], true).map((m) => m.name);
    for (const action of ["Triage", "Export", "Snapshot", "Log", "StructureSheaf"]) expect(all).not.toContain(action);
    expect(all).toContain("RawStack");
    expect(all.length).toBe(ANALYSES.length - 5);
    // Named, they still run.
    expect(selectAnalyses(["Snapshot", "export"]).map((m) => m.name)).toEqual(["Snapshot", "Export"]);
  });
});

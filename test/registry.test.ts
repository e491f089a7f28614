/**
 * Meta-tests: every analysis file is registered, documented (JSDoc with the summary and dx and ! examples),
 * and tested; command names follow the alias scheme; the version matches package.json; the README's
 * example session is what the emulator prints.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aliasTable } from "../src/extensions/aliases";
import { ANALYSES } from "../src/extensions/registry";
import { VERSION } from "../src/lib/version";
import { loadEwmda } from "./helpers";
import { stackref, sym, userTarget } from "./mocks/user-target";

const root = path.resolve(import.meta.dirname, "..");
const NOT_ANALYSES = new Set(["index.ts", "registry.ts", "aliases.ts"]);

function analysisFiles(): string[] {
  return readdirSync(path.join(root, "src", "extensions")).filter((f) => f.endsWith(".ts") && !NOT_ANALYSES.has(f));
}

describe("the registry", () => {
  it("lists every analysis file exactly once, and nothing else", () => {
    const files = analysisFiles();
    expect(files.length).toBe(ANALYSES.length);
    for (const f of files) {
      const text = readFileSync(path.join(root, "src", "extensions", f), "utf8");
      const names = [...text.matchAll(/name: "([A-Za-z]+)",\s*\n\s*command:/g)].map((m) => m[1]);
      expect(names.length, `${f} defines one analysis`).toBe(1);
      expect(ANALYSES.map((a) => a.meta.name)).toContain(names[0]);
    }
    expect(new Set(ANALYSES.map((a) => a.meta.name)).size).toBe(ANALYSES.length);
    expect(new Set(ANALYSES.map((a) => a.meta.command)).size).toBe(ANALYSES.length);
  });

  it.each(ANALYSES.map((a) => [a.meta.name, a] as const))("%s is named, documented and tested", (name, a) => {
    const m = a.meta;
    expect(m.name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    expect(m.command).toMatch(/^[a-z][a-z0-9]*$/);
    expect(m.summary.length).toBeGreaterThan(20);
    expect(m.patterns.length).toBeGreaterThan(0);
    expect(m.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const c of m.columns) expect(c.help.length, `help of column ${c.name}`).toBeGreaterThan(5);
    const file = analysisFiles().find((f) => readFileSync(path.join(root, "src", "extensions", f), "utf8").includes(`name: "${name}"`))!;
    const text = readFileSync(path.join(root, "src", "extensions", file), "utf8");
    const jsdoc = /\/\*\*([\s\S]*?)\*\/\s*export const \w+ = defineAnalysis/.exec(text)?.[1] ?? "";
    expect(jsdoc, "JSDoc right above defineAnalysis").not.toBe("");
    expect(jsdoc).toContain(`@function ${name}`);
    expect(jsdoc).toContain("@memberof Ewmda");
    expect(jsdoc).toMatch(new RegExp(`@example dx .*${name}\\(`));
    expect(jsdoc).toContain(`@example !ewmda.${m.command}`);
    for (const o of m.options) expect(jsdoc, `option ${o.name} documented`).toContain(o.name);
    expect(existsSync(path.join(root, "test", "extensions", file.replace(/\.ts$/, ".test.ts"))), `test/extensions/${file.replace(/\.ts$/, ".test.ts")}`).toBe(true);
  });

  it("derives both command names from the analysis name", () => {
    expect(aliasTable(ANALYSES).find((a) => a.method === "RawStack")).toEqual({ method: "RawStack", dotted: "ewmda.rawstack", plain: "ewmda_rawstack" });
  });

  it("keeps the version equal to package.json", () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version);
  });
});

describe("the README", () => {
  it("shows the dx output the emulator gives for its example", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const block = /0:000> dx @\$ewmda\.RawStack\(\)\n([\s\S]*?)\n\n/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const t = userTarget().thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10), stackref(0x1a4, 0x8)], residue: [sym("ntdll!NtDelayExecution", 0x14)] }).build();
    const { dbg } = loadEwmda(t.spec);
    dbg.execute("!ewmda_rawstack");
    expect(dbg.dxLines("@$ewmda.RawStack()").join("\n")).toBe(block);
    const table = /0:000> !ewmda\.rawstack\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(dbg.execute("!ewmda.rawstack").join("\n")).toBe(table);
  });
});

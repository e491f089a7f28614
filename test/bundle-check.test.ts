/** The ES2017 classic-script check itself: it passes dist/ewmda.js and fails each thing the engines cannot run. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE_PATH } from "./helpers";

const script = path.resolve(import.meta.dirname, "..", "scripts", "check-bundle.mjs");
const dir = mkdtempSync(path.join(os.tmpdir(), "ewmda-check-"));

function check(file: string): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(process.execPath, [script, file], { encoding: "utf8", stdio: "pipe" }) };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

const GOOD = `"use strict";
var __x = (function () { var a = [1, 2].map(function (v) { return v * 2; }); return { initializeScript: function () { return a; } }; })();
function initializeScript() { return __x.initializeScript(); }
function invokeScript() { }
function uninitializeScript() { }`;

function variant(name: string, inner: string, topLevel = ""): string {
  const file = path.join(dir, `${name}.js`);
  writeFileSync(file, GOOD.replace("var a = [1, 2]", `${inner}; var a = [1, 2]`) + topLevel);
  return file;
}

describe("scripts/check-bundle.mjs", () => {
  it("passes the built dist/ewmda.js", () => {
    const r = check(BUNDLE_PATH);
    expect(r.output).toContain("ES2017 classic script");
    expect(r.ok).toBe(true);
  });

  it("passes a minimal good script", () => {
    expect(check(variant("good", "var ok = 1")).ok).toBe(true);
  });

  it.each([
    ["regex s flag", "var r = /a.b/s", "not an ES2017 classic script"],
    ["regex look-behind", "var r = /(?<=a)b/", "not an ES2017 classic script"],
    ["regex named group", "var r = /(?<year>\\d+)/", "not an ES2017 classic script"],
    ["BigInt literal", "var n = 10n", "not an ES2017 classic script"],
    ["optional chaining", "var q = a?.b", "not an ES2017 classic script"],
    ["object spread", "var o = { ...{ a: 1 } }", "not an ES2017 classic script"],
    ["globalThis", "var g = globalThis", "uses the global `globalThis`"],
    ["BigInt call", "var n = BigInt(1)", "uses the global `BigInt`"],
    ["require", "var fs = require('fs')", "uses the global `require`"],
    ["console", "console.log(1)", "uses the global `console`"],
    ["Array.prototype.flat", "var f = [[1]].flat()", "calls .flat"],
    ["Object.fromEntries", "var e = Object.fromEntries([])", "calls .fromEntries"],
    ["async function", "async function f() { }", "async function"],
    ["RegExp with s flag", "var r = new RegExp('a', 's')", "RegExp flags"],
  ])("fails on %s", (name, code, message) => {
    const r = check(variant(name.replace(/\W+/g, "-"), code));
    expect(r.ok).toBe(false);
    expect(r.output).toContain(message);
  });

  it("fails on module syntax, a missing entry point, public top-level names and let bindings", () => {
    const esm = path.join(dir, "esm.js");
    writeFileSync(esm, GOOD + "\nexport default 1;");
    expect(check(esm).output).toContain("not an ES2017 classic script");
    const noEntry = path.join(dir, "noentry.js");
    writeFileSync(noEntry, GOOD.replace("function invokeScript() { }", ""));
    expect(check(noEntry).output).toContain("missing top-level function declaration invokeScript()");
    expect(check(variant("public", "var z = 1", "\nvar helper = 1;")).output).toContain("top-level name `helper` is not private");
    expect(check(variant("let", "var z = 1", "\nlet __y = 1;")).output).toContain("top-level let binding");
    const noStrict = path.join(dir, "nostrict.js");
    writeFileSync(noStrict, GOOD.replace('"use strict";', ""));
    expect(check(noStrict).output).toContain('"use strict"');
  });
});

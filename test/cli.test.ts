/** The `ewmda` command line, run as a user runs it (node bin/ewmda.mjs), on synthetic and real dumps. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ANALYSES } from "../src/extensions/registry";
import { TESTDATA } from "./oracle/breakpad-output";
import { expectValidDocument } from "./schema-check";

const root = path.resolve(import.meta.dirname, "..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "ewmda-cli-"));

function ewmda(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, "bin", "ewmda.mjs"), ...args], { encoding: "utf8", cwd: tmp });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fizzbuzz = path.join(TESTDATA, "dumps", "lldb", "fizzbuzz_no_heap.dmp");
const realDataAvailable = existsSync(fizzbuzz);

describe("ewmda demo", () => {
  it("writes a synthetic dump and its symbols, and Triage finds every planted problem", () => {
    const r = ewmda("demo", "--out", path.join(tmp, "demo.dmp"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Exception:   0xc0000005 Access violation at 0x7ff610001234 (demoapp.exe+0x1234), thread 0x1a4");
    expect(r.stdout).toContain("Process:     demoapp.exe, pid 4408 (0x1138)");
    const findings = r.stdout.split("\n").filter((l) => l.startsWith("Finding "));
    const by = (analysis: string) => findings.filter((l) => l.includes(` ${analysis} `));
    expect(by("ExceptionStackTraces").join("\n")).toMatch(/0xc0000005 at demoapp!CrashFunction\+0x34: read from 0x0/);
    expect(by("SpikingThreads").join("\n")).toMatch(/0x2b0 .*41000 ms/);
    expect(by("LockWaitChains").some((l) => /Deadlock: 0x2c8 waits for .* owned by 0x2d4/.test(l))).toBe(true);
    expect(by("BlockedThreads").map((l) => /0x[0-9a-f]+ critical-section/.exec(l)?.[0])).toEqual(["0x2c8 critical-section", "0x2d4 critical-section"]);
    expect(r.stdout).toContain("demoapp!CrashFunction+0x34");
    // The pointer into the unloaded plugin.dll left on thread 0x300's stack.
    expect(by("ExecutionResidue").join("\n")).toMatch(/Thread 0x300 .*unl/);
    expect(by("RawPointers").join("\n")).toMatch(/0x300 .*00007ffa`50001234 UnloadedModule/);
    expect(by("HistoricalInformation").join("\n")).toMatch(/Unloaded plugin\.dll: 1 stack slot\(s\) of thread\(s\) 0x300/);
    expect(existsSync(path.join(tmp, "demo.dmp"))).toBe(true);
    expect(existsSync(path.join(tmp, "demo.symbols", "ntdll.pdb"))).toBe(true);
  });
});

describe("ewmda analyze", () => {
  it("prints valid export documents with --jsonl and --json, and writes --out through a temporary file", () => {
    const dump = path.join(tmp, "a.dmp");
    ewmda("demo", "--out", dump);
    const jsonl = ewmda("analyze", dump, "--jsonl");
    expect(jsonl.status).toBe(0);
    const docs = jsonl.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(docs.map((d) => d.analysis.name)).toEqual(["Triage"]);
    docs.forEach(expectValidDocument);
    // Result documents carry a stable id: a second run of the same dump gives the same one.
    expect(JSON.parse(ewmda("analyze", dump, "--jsonl").stdout.trim()).id).toBe(docs[0].id);
    expect(docs[0].target).toMatchObject({ kind: "user", processId: 0x1138, processName: "demoapp.exe", arch: "x64", pointerSize: 8 });
    const out = path.join(tmp, "report.json");
    const json = ewmda("analyze", dump, "--json", "--pattern", "RawStack", "--out", out);
    expect(json.status).toBe(0);
    expect(json.stdout).toBe("");
    const array = JSON.parse(readFileSync(out, "utf8"));
    expect(array).toHaveLength(1);
    expect(array[0].analysis.name).toBe("RawStack");
    array.forEach(expectValidDocument);
  });

  it("exits 1 with a one-line reason for a file that is not a dump, and for a missing file", () => {
    const notDump = path.join(tmp, "notes.txt");
    writeFileSync(notDump, "PK\u0003\u0004 not a minidump at all");
    for (const file of [notDump, path.join(tmp, "missing.dmp")]) {
      const r = ewmda("analyze", file);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^ewmda: .*: /);
    }
  });

  it("exits 2 for an unknown analysis name and lists the known ones", () => {
    const dump = path.join(tmp, "b.dmp");
    ewmda("demo", "--out", dump);
    const r = ewmda("analyze", dump, "--pattern", "NoSuchThing");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`unknown analysis or pattern "NoSuchThing" (known: ${ANALYSES.map((a) => a.meta.name).join(", ")})`);
  });
});

describe.skipIf(!realDataAvailable)("ewmda info on real dumps", () => {
  it("gives the documented JSON fields for lldb's fizzbuzz_no_heap.dmp (pid 4440, one thread, 0xC0000005)", () => {
    const r = ewmda("info", fizzbuzz, "--json");
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.arch).toBe("x86");
    expect(info.processId).toBe(4440);
    expect(info.threads).toHaveLength(1);
    expect(info.exception).toMatchObject({ code: "0xc0000005" });
    expect(info.exception.address).toMatch(/^0x[0-9a-f]+$/);
    expect(info.os).toMatchObject({ platform: "Windows NT", version: "6.1.7601", build: 7601 });
    expect(info.modules.map((m: { name: string }) => m.name)).toContain("fizzbuzz.exe");
    expect(info.modules.every((m: { base: string; size: number }) => /^0x[0-9a-f]+$/.test(m.base) && typeof m.size === "number")).toBe(true);
    expect(info.handles).toBeNull();
    expect(Array.isArray(info.streams)).toBe(true);
    expect(info.threads[0].stack.start).toMatch(/^0x[0-9a-f]+$/);
  });
});

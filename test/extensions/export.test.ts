/** Export: Triage's findings (or named analyses) appended as JSON lines, valid, stable ids, never corrupting the file. */
import fs, { readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { EmulatedDebugger } from "../../src/emulator";
import { extraBundle, loadExtra } from "../extra-bundle";
import { rowsOf } from "../helpers";
import { emptyKernel } from "../mocks/kernel-target";
import { sym, userTarget } from "../mocks/user-target";
import { expectValidDocument } from "../schema-check";

type Doc = Record<string, any>;

beforeAll(async () => { await extraBundle(); }, 120_000);

const EXR = ["ExceptionAddress: 00007ff6`10001234 (app+0x0000000000001234)", "   ExceptionCode: c0000005 (Access violation)",
  "  ExceptionFlags: 00000000", "NumberParameters: 2", "   Parameter[0]: 0000000000000000", "   Parameter[1]: 0000000000000000",
  "Attempt to read from address 0000000000000000"];

function crashed() {
  return userTarget()
    .thread({ tid: 0x1a4, frames: ["ntdll!NtDelayExecution+0x14"] })
    .thread({ tid: 0x2b0, stack: [sym("kernel32!Sleep", 0x10)] })
    .command(".exr -1", EXR)
    .command(".lastevent", ["Last event: 1234.1a4: Access violation - code c0000005 (first/second chance not available)"])
    .build();
}

function lines(dbg: EmulatedDebugger, winPath: string): string[] {
  return readFileSync(dbg.fileSystem.hostPath(winPath), "utf8").split("\n");
}
function docs(dbg: EmulatedDebugger, winPath = "C:\\temp\\ewmda-findings.jsonl"): Doc[] {
  return lines(dbg, winPath).filter((l) => l !== "").map((l) => JSON.parse(l));
}
const dxPath = (p: string) => "\"" + p.replace(/\\/g, "\\\\") + "\"";

describe("Export of Triage's findings", () => {
  it("writes one valid ewmda.finding per Triage row, in Triage's order, each naming the analysis that found it", () => {
    const { dbg } = loadExtra(crashed().spec);
    const triage = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Triage()"));
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Export()"));
    const written = docs(dbg);
    expect(written).toHaveLength(triage.length);
    written.forEach(expectValidDocument);
    expect(written.map((d) => d.schema)).toEqual(triage.map(() => "ewmda.finding"));
    expect(written.map((d) => [d.section, d.verdict, d.pattern, d.text, d.rank])).toEqual(triage.map((r, i) => [r.Section, r.Verdict, r.Pattern ?? null, r.Finding, i]));
    expect(written.map((d) => d.analysis.name)).toEqual(triage.map((r) => r.Analysis ?? "Triage"));
    expect(written[0]).toMatchObject({
      section: "Event", verdict: "Positive", via: "Triage", analysis: { name: "Triage", command: "triage" }, pattern: "Eventual (Evental) Dumps",
      target: { kind: "user", dumpFile: "C:\\dumps\\app.dmp", processId: 0x1234, processName: "app.exe", pointerSize: 8, arch: "x64", osBuild: 19045 },
    });
    const blocked = written.find((d) => d.analysis.name === "BlockedThreads")!;
    expect(blocked.analysis).toMatchObject({ command: "blocked", patterns: ["Blocked Thread (software)"] });
    expect(blocked.row.Analysis).toBe("BlockedThreads");
    // The dx rows say where the documents went and list them.
    expect(rows[0]).toMatchObject({ Kind: "Written", File: "C:\\temp\\ewmda-findings.jsonl", Text: `wrote ${triage.length} document(s) from Triage to C:\\temp\\ewmda-findings.jsonl` });
    expect(rows.slice(1).map((r) => [r.Schema, r.Id, r.Verdict])).toEqual(written.map((d) => ["ewmda.finding", d.id, d.verdict]));
  });

  it("gives every finding the same id on every export of the same dump, and appends whole lines after earlier ones", () => {
    const { dbg } = loadExtra(crashed().spec);
    dbg.dx("Debugger.Utility.Ewmda.Export()");
    const first = readFileSync(dbg.fileSystem.hostPath("C:\\temp\\ewmda-findings.jsonl"), "utf8");
    dbg.dx("Debugger.Utility.Ewmda.Export()");
    const text = readFileSync(dbg.fileSystem.hostPath("C:\\temp\\ewmda-findings.jsonl"), "utf8");
    expect(text.startsWith(first)).toBe(true);
    const all = text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
    const half = all.length / 2;
    expect(all.slice(half).map((d) => d.id)).toEqual(all.slice(0, half).map((d) => d.id));
    expect(new Set(all.slice(0, half).map((d) => d.id)).size).toBe(half);
    // Another dump (another target) gives other ids for the same kind of finding.
    const other = loadExtra(userTarget({ dumpFileName: "C:\\dumps\\other.dmp" }).thread({ tid: 0x1a4, frames: ["ntdll!NtDelayExecution+0x14"] }).command(".exr -1", EXR).build().spec).dbg;
    other.dx("Debugger.Utility.Ewmda.Export()");
    expect(docs(other)[0]!.id).not.toBe(all[0].id);
  });

  it("ends a line an interrupted write left open, and writes through paths with spaces and non-ASCII names", () => {
    const { dbg } = loadExtra(crashed().spec);
    const file = "C:\\Fälle\\Case 42 — 日本\\findings.jsonl";
    dbg.dx(`Debugger.Utility.Ewmda.Export(${dxPath(file)}, "BlockedThreads")`);
    const host = dbg.fileSystem.hostPath(file);
    writeFileSync(host, readFileSync(host, "utf8") + "{\"schema\":\"ewmda.finding\",\"cut off");
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.Export(${dxPath(file)}, "BlockedThreads")`));
    expect(String(rows[0]!.Text)).toMatch(/^appended \d+ document\(s\) from BlockedThreads to C:\\Fälle\\Case 42 — 日本\\findings\.jsonl$/);
    const all = lines(dbg, file);
    expect(all[all.length - 1]).toBe("");
    const broken = all.filter((l) => l !== "" && !l.endsWith("}"));
    expect(broken).toEqual(["{\"schema\":\"ewmda.finding\",\"cut off"]);
    const good = all.filter((l) => l.endsWith("}")).map((l) => JSON.parse(l));
    good.forEach(expectValidDocument);
    expect(good.length % 2).toBe(0);
    // Every line is pure ASCII (any encoding reads it the same).
    expect(all.every((l) => /^[\x20-\x7e]*$/.test(l))).toBe(true);
  });

  it("keeps non-ASCII text intact through the \\u escapes", () => {
    const t = userTarget({ processName: "Prüfer.exe" }).thread({ tid: 0x1a4 }).build();
    const { dbg } = loadExtra(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Export(\"C:\\\\out\\\\x.jsonl\", \"BlockedThreads\")");
    const raw = lines(dbg, "C:\\out\\x.jsonl")[0]!;
    expect(raw).toContain("Pr\\u00fcfer.exe");
    expect(JSON.parse(raw).target.processName).toBe("Prüfer.exe");
  });
});

describe("Export when the disk fails mid-write", () => {
  afterEach(() => { vi.restoreAllMocks(); });

  /** The emulated file system writes through fs.writeSync: let `whole` writes through, then write half of the next one and fail. */
  function failAfter(whole: number) {
    const real = fs.writeSync.bind(fs);
    let calls = 0;
    return vi.spyOn(fs, "writeSync").mockImplementation(((fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
      if (calls++ < whole) return real(fd, buffer, offset, length, position);
      real(fd, buffer, offset, Math.floor(length / 2), position);
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    }) as unknown as typeof fs.writeSync);
  }

  it("keeps the whole lines written before the failure, says how many, and ends the cut line on the next append", () => {
    const { dbg } = loadExtra(crashed().spec);
    const triage = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Triage()"));
    expect(triage.length).toBeGreaterThan(2);
    const spy = failAfter(2);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Export()"));
    spy.mockRestore();
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(new RegExp(`^writing C:\\\\temp\\\\ewmda-findings\\.jsonl failed after 2 of ${triage.length} documents: .*ENOSPC`));
    expect(rows[0]!.File).toBeUndefined();
    const cut = lines(dbg, "C:\\temp\\ewmda-findings.jsonl");
    expect(cut).toHaveLength(3);
    cut.slice(0, 2).forEach((l) => expectValidDocument(JSON.parse(l)));
    expect(() => JSON.parse(cut[2]!)).toThrow();
    // The next export ends the cut line first: every document it writes is a whole line of its own.
    const again = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Export()"));
    expect(String(again[0]!.Text)).toBe(`appended ${triage.length} document(s) from Triage to C:\\temp\\ewmda-findings.jsonl`);
    const all = lines(dbg, "C:\\temp\\ewmda-findings.jsonl");
    expect(all[2]).toBe(cut[2]);
    const whole = all.slice(3).filter((l) => l !== "").map((l) => JSON.parse(l));
    expect(whole).toHaveLength(triage.length);
    whole.forEach(expectValidDocument);
    // The documents written before the failure are the same as the first ones of the retry (same ids).
    expect(cut.slice(0, 2).map((l) => JSON.parse(l).id)).toEqual(whole.slice(0, 2).map((d) => d.id));
  });

  it("Log still shows the command's output when its document cannot be written, and says why", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).command("lm", ["start             end                 module name", "00007ff6`10000000 00007ff6`10020000   app        (deferred)"]).build();
    const { dbg } = loadExtra(t.spec);
    const spy = failAfter(0);
    const table = dbg.execute("!ewmda.log \"lm\"");
    spy.mockRestore();
    expect(table.slice(0, 2)).toEqual(["start             end                 module name", "00007ff6`10000000 00007ff6`10020000   app        (deferred)"]);
    expect(table[table.length - 1]).toMatch(/^ewmda: ran lm \(2 lines, \d+ ms\) but could not log it: writing C:\\temp\\ewmda-commands\.jsonl failed after 0 of 1 documents: .*ENOSPC/);
    // Without the failure the same call logs (the paired case).
    const ok = dbg.execute("!ewmda.log \"lm\"");
    expect(ok[ok.length - 1]).toMatch(/^ewmda: logged lm \(2 lines, \d+ ms\) to C:\\temp\\ewmda-commands\.jsonl as document [0-9a-f]{16}$/);
  });
});

describe("Export of named analyses and other formats", () => {
  it("writes ewmda.row documents for listings and ewmda.finding documents for finding analyses", () => {
    const { dbg } = loadExtra(crashed().spec);
    dbg.dx("Debugger.Utility.Ewmda.Export(\"C:\\\\out\\\\mixed.jsonl\", \"RawStack,BlockedThreads\")");
    const written = docs(dbg, "C:\\out\\mixed.jsonl");
    written.forEach(expectValidDocument);
    const raw = rowsOf(dbg.dx("Debugger.Utility.Ewmda.RawStack()"));
    const blocked = rowsOf(dbg.dx("Debugger.Utility.Ewmda.BlockedThreads()"));
    expect(written.map((d) => [d.schema, d.analysis.name, d.section, d.via])).toEqual([
      ...raw.map(() => ["ewmda.row", "RawStack", null, null]),
      ...blocked.map(() => ["ewmda.finding", "BlockedThreads", null, null]),
    ]);
    expect(written[0]!.command).toBe("dx Debugger.Utility.Ewmda.RawStack()");
  });

  it("writes one ewmda.result per analysis with the id ToJson gives", () => {
    const { dbg } = loadExtra(crashed().spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Export(\"C:\\\\out\\\\results.jsonl\", \"BlockedThreads,SuspendedThreads\", new { Format = \"results\" })"));
    const written = docs(dbg, "C:\\out\\results.jsonl");
    written.forEach(expectValidDocument);
    expect(written.map((d) => [d.schema, d.analysis.name])).toEqual([["ewmda.result", "BlockedThreads"], ["ewmda.result", "SuspendedThreads"]]);
    const toJson = JSON.parse(dbg.dx("Debugger.Utility.Ewmda.BlockedThreads().ToJson()") as string);
    expect(written[0]!.id).toBe(toJson.id);
    expect(rows.slice(1).map((r) => r.Schema)).toEqual(["ewmda.result", "ewmda.result"]);
  });

  it("writes one analysis's rows as CSV, with the header once when appending", () => {
    const { dbg } = loadExtra(crashed().spec);
    dbg.dx("Debugger.Utility.Ewmda.Export(\"C:\\\\out\\\\triage.csv\", \"Triage\", \"csv\")");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Export(\"C:\\\\out\\\\triage.csv\", \"Triage\", \"csv\")"));
    const text = lines(dbg, "C:\\out\\triage.csv").filter((l) => l !== "");
    const triage = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Triage()"));
    expect(text[0]).toBe("Section,Pattern,Analysis,Finding,Command,Verdict,Evidence,Source,_absent");
    expect(text).toHaveLength(1 + 2 * triage.length);
    expect(text.filter((l) => l.startsWith("Section,"))).toHaveLength(1);
    expect(String(rows[0]!.Text)).toMatch(/^Exported \d+ rows to C:\\out\\triage\.csv \(CSV, appended\)$/);
  });

  it("answers bad arguments with a message and writes nothing", () => {
    const { dbg } = loadExtra(crashed().spec);
    const first = (args: string) => String(rowsOf(dbg.dx(`Debugger.Utility.Ewmda.Export(${args})`))[0]!.Evidence);
    expect(first("\"C:\\\\x.jsonl\", \"NoSuchAnalysis\"")).toMatch(/^unknown analysis name\(s\): NoSuchAnalysis \(known: Triage, /);
    expect(first("\"C:\\\\x.jsonl\", \"Export\"")).toBe("Export cannot export itself");
    expect(first("\"C:\\\\x.jsonl\", \"Triage\", \"xml\"")).toBe("unknown format \"xml\" (use documents, results or csv)");
    expect(first("\"C:\\\\x.csv\", \"Triage,RawStack\", \"csv\"")).toMatch(/^CSV holds the rows of one analysis/);
    expect(first("\"\"")).toMatch(/^the file name is empty/);
    // A folder is not a file: the write fails with the reason, the call does not throw.
    expect(first("\"C:\\\\temp\", \"BlockedThreads\"")).toMatch(/^writing C:\\temp failed after 0 of \d+ documents: /);
  });

  it("prints what it wrote in the ! face, on a kernel target too", () => {
    const { dbg } = loadExtra(emptyKernel().spec);
    const table = dbg.execute("!ewmda.export \"C:\\\\k\\\\kernel findings.jsonl\"");
    expect(table[0]).toMatch(/^Export: wrote \d+ document\(s\) from Triage to C:\\k\\kernel findings\.jsonl$/);
    const written = docs(dbg, "C:\\k\\kernel findings.jsonl");
    written.forEach(expectValidDocument);
    expect(written[0]!.target.kind).toBe("kernel");
  });
});

describe("the bundle with the export and logging analyses", () => {
  it("is an ES2017 classic script WinDbg can load (scripts/check-bundle.mjs)", async () => {
    const { spawnSync } = await import("node:child_process");
    const path = await import("node:path");
    const r = spawnSync(process.execPath, [path.resolve(import.meta.dirname, "..", "..", "scripts", "check-bundle.mjs"), await extraBundle()], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

/**
 * `ewmda diff` (and the documents it reads: `ewmda snapshot`, `ewmda analyze --findings`): the comparison
 * logic on hand-written documents, then the command line end to end on two synthetic step dumps.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { diffDocument, diffFiles, readDocuments, renderDiff, type DiffReport } from "../src/cli/diff";
import { synthMinidump } from "../src/minidump-synth";
import { allRegistered, extraBundle } from "./extra-bundle";
import { expectValidDocument } from "./schema-check";

const root = path.resolve(import.meta.dirname, "..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "ewmda-diff-"));

type Doc = Record<string, any>;
const TARGET = { kind: "user", dumpFile: "C:\\dumps\\a.dmp", processId: 0x1234, processName: "app.exe", pointerSize: 8, arch: "x64", osBuild: 19045 };

function snapshot(over: Partial<Doc>): Doc {
  return {
    schema: "ewmda.snapshot", schemaVersion: 1, id: "0000000000000001", tool: { name: "ewmda", version: "0.1.0" }, target: TARGET, time: "2026-01-01T00:00:00.000Z", dumpTime: null,
    processes: [{ id: 0x1234, name: "app.exe" }], threads: [], threadTimes: { available: true, reason: null }, modules: [],
    handles: { available: true, reason: null, source: "typed", value: { total: 0, byType: {} } },
    regions: { available: false, reason: "!address lists user-mode regions only", source: null, value: null },
    ...over,
  };
}
const thread = (id: number, signature: string, stack: string[], userMs = 0, name: string | null = null): Doc =>
  ({ id, name, frameCount: stack.length, stackError: null, signature, stack, top: stack[0] ?? null, times: { userMs, kernelMs: 0, elapsedMs: 1000 } });
const WAIT = ["ntdll!NtWaitForSingleObject", "app!worker"];
const SPIN = ["app!Spin", "app!main"];

function write(name: string, docs: readonly Doc[], extra = ""): string {
  const p = path.join(tmp, name);
  writeFileSync(p, docs.map((d) => JSON.stringify(d)).join("\n") + "\n" + extra);
  return p;
}

describe("diffFiles on snapshots", () => {
  const a = snapshot({
    id: "00000000000000aa", dumpTime: "2025-06-01T10:00:00.000Z",
    threads: [thread(0x10, "1111111111111111", WAIT, 100), thread(0x20, "2222222222222222", SPIN, 5000), thread(0x30, "1111111111111111", WAIT)],
    modules: [{ name: "app.exe", path: "C:\\app\\app.exe", base: "0x7ff610000000", size: 0x20000 }, { name: "old.dll", path: "C:\\app\\old.dll", base: "0x7ffa00000000", size: 0x1000 }],
    handles: { available: true, reason: null, source: "typed", value: { total: 12, byType: { Event: 10, File: 2 } } },
    regions: { available: true, reason: null, source: "command", value: { Usage: { Heap: { count: 2, bytes: "0x100000" } }, Type: {}, State: {} } },
  });
  const b = snapshot({
    id: "00000000000000bb", time: "2026-01-01T00:01:00.000Z", dumpTime: "2025-06-01T10:01:00.000Z",
    threads: [thread(0x10, "1111111111111111", WAIT, 100), thread(0x20, "3333333333333333", ["app!Other"], 65000), thread(0x40, "4444444444444444", ["app!New", "app!main"], 0, "new one")],
    modules: [{ name: "app.exe", path: "C:\\app\\app.exe", base: "0x7ff610000000", size: 0x20000 }, { name: "plugin.dll", path: "C:\\app\\plugin.dll", base: "0x7ffa50000000", size: 0x1000 }],
    handles: { available: true, reason: null, source: "typed", value: { total: 61, byType: { Event: 58, Mutant: 3 } } },
    regions: { available: true, reason: null, source: "command", value: { Usage: { Heap: { count: 9, bytes: "0x900000" } }, Type: {}, State: {} } },
  });

  it("finds appeared, vanished, moved-on and unchanged threads, stacks, modules, CPU, handles and memory growth", () => {
    const r = diffFiles(readDocuments(write("a.jsonl", [a])), readDocuments(write("b.jsonl", [b]))) as DiffReport;
    expect(typeof r).toBe("object");
    const s = r.snapshot!;
    expect(s.threads.appeared).toEqual([{ id: 0x40, name: "new one", top: "app!New" }]);
    expect(s.threads.vanished).toEqual([{ id: 0x30, name: null, top: "ntdll!NtWaitForSingleObject" }]);
    expect(s.threads.movedOn).toEqual([{ id: 0x20, before: "app!Spin", after: "app!Other" }]);
    expect(s.threads.sameStack.map((t) => t.id)).toEqual([0x10]);
    expect(s.threads.cpuGrew).toEqual([{ id: 0x20, userMs: 60000, kernelMs: 0 }]);
    expect(s.intervalMs).toBe(60000);
    expect(s.stacks.appeared.map((x) => [x.signature, x.threads])).toEqual([["3333333333333333", [0x20]], ["4444444444444444", [0x40]]]);
    expect(s.stacks.vanished.map((x) => [x.signature, x.threads])).toEqual([["2222222222222222", [0x20]]]);
    expect(s.modules).toEqual({
      loaded: [{ name: "plugin.dll", path: "C:\\app\\plugin.dll", base: "0x7ffa50000000" }],
      unloaded: [{ name: "old.dll", path: "C:\\app\\old.dll", base: "0x7ffa00000000" }],
      moved: [],
    });
    expect(s.handles.total).toEqual({ name: "total", before: 12, after: 61, delta: 49 });
    expect(s.handles.grew).toEqual([{ name: "Event", before: 10, after: 58, delta: 48 }, { name: "Mutant", before: 0, after: 3, delta: 3 }]);
    expect(s.handles.shrank).toEqual([{ name: "File", before: 2, after: 0, delta: -2 }]);
    expect(s.regions.grew).toEqual([{ name: "Usage Heap", before: "0x100000", after: "0x900000", delta: "0x800000" }]);
    expect(r.sameProgram).toBe(true);
    expect(r.findings).toBeNull();
    const doc = diffDocument(r);
    expectValidDocument(doc);
    expect((doc as Doc).id).toBe((diffDocument(r, new Date(0)) as Doc).id);
    const text = renderDiff(r).join("\n");
    expect(text).toContain("Threads: 1 appeared, 1 vanished, 1 moved on, 1 with the same stack");
    expect(text).toContain("  + 0x40 \"new one\" app!New");
    expect(text).toContain("  ~ 0x20: app!Spin -> app!Other");
    expect(text).toContain("Time between the dumps: 60 s");
    expect(text).toContain("  0x20 +60000 ms (user +60000, kernel +0, 100% of one CPU)");
    expect(text).toContain("Handles: 12 -> 61 (+49); 2 type(s) grew");
    expect(text).toMatch(/ {2}Event {12}10 -> 58 \(\+48\)/);
    expect(text).toContain("  + plugin.dll at 0x7ffa50000000");
    expect(text).toContain("Usage Heap");
  });

  it("compares the last snapshot of each file, skips broken lines and counts repeated ids once, with warnings", () => {
    const older = snapshot({ id: "00000000000000a0", threads: [thread(0x99, "9999999999999999", ["x!y"])] });
    const fa = readDocuments(write("a2.jsonl", [older, a, a], "{\"schema\":\"ewmda.snap"));
    expect(fa.documents).toHaveLength(2);
    expect(fa.duplicates).toBe(1);
    expect(fa.skipped).toEqual([{ line: 4, reason: expect.stringMatching(/^not JSON .*an interrupted write\?$/) }]);
    const r = diffFiles(fa, readDocuments(write("b2.jsonl", [b]))) as DiffReport;
    expect(r.snapshot!.threads.vanished.map((t) => t.id)).toEqual([0x30]);
    expect(r.warnings).toEqual([
      `${fa.file}: line 4 skipped: ${fa.skipped[0]!.reason}`,
      `${fa.file}: 1 document(s) with an id seen before were counted once`,
      `${fa.file} holds 2 snapshots; the last one is compared`,
    ]);
  });

  it("matches threads by id only within one process: two runs of a program compare by stacks", () => {
    const other = { ...b, id: "00000000000000cc", target: { ...TARGET, dumpFile: "C:\\dumps\\b.dmp", processId: 0x2222 } };
    const r = diffFiles(readDocuments(write("a4.jsonl", [a])), readDocuments(write("b4.jsonl", [other]))) as DiffReport;
    expect(r.sameProgram).toBe(true);
    expect(r.sameProcess).toBe(false);
    const t = r.snapshot!.threads;
    expect(t.matchedById).toBe(false);
    expect(t.movedOn).toEqual([]);
    expect(t.sameStack).toEqual([]);
    expect(t.cpuGrew).toEqual([]);
    expect(t.vanished.map((x) => x.id)).toEqual([0x10, 0x20, 0x30]);
    expect(t.appeared.map((x) => x.id)).toEqual([0x10, 0x20, 0x40]);
    // Stacks still compare: the waiting stack is in both runs.
    expect(r.snapshot!.stacks.vanished.map((x) => x.signature)).toEqual(["2222222222222222"]);
    expect(r.warnings).toContain("the dumps are of two runs of app.exe, not steps of one process (other process ids (0x1234 and 0x2222)): threads are not matched by id");
    expect(renderDiff(r).join("\n")).toContain("Threads: 3 in a, 3 in b (two processes: not matched by id; compare their stacks below)");
    expectValidDocument(diffDocument(r));
    // The same process id on another architecture is another process too; the same process is a step.
    const wow = diffFiles(readDocuments(write("a5.jsonl", [a])), readDocuments(write("b5.jsonl", [{ ...b, target: { ...TARGET, arch: "x86", pointerSize: 4 } }]))) as DiffReport;
    expect(wow.sameProcess).toBe(false);
    expect(wow.snapshot!.threads.matchedById).toBe(false);
    const same = diffFiles(readDocuments(write("a6.jsonl", [a])), readDocuments(write("b6.jsonl", [b]))) as DiffReport;
    expect(same.sameProcess).toBe(true);
    expect(same.snapshot!.threads.matchedById).toBe(true);
    expect(same.warnings).toEqual([]);
  });

  it("warns when both snapshots are of one dump, and when only one of them had symbols", () => {
    const raw = { ...a, id: "00000000000000ab", threads: [thread(0x10, "5555555555555555", ["ntdll+0x9d4d4", "app+0x1100"], 100)] };
    const r = diffFiles(readDocuments(write("a7.jsonl", [raw])), readDocuments(write("b7.jsonl", [a]))) as DiffReport;
    expect(r.warnings).toContain(`both snapshots are of the same dump (C:\\dumps\\a.dmp): what differs comes from how it was read (symbols, ewmda version), not from the program`);
    expect(r.warnings.some((w) => w.startsWith(`${path.join(tmp, "b7.jsonl")} has function names in its stacks and ${path.join(tmp, "a7.jsonl")} mostly module+offset`))).toBe(true);
    // Two steps (other dump times), both with symbols: no such warning.
    const steps = diffFiles(readDocuments(write("a8.jsonl", [a])), readDocuments(write("b8.jsonl", [b]))) as DiffReport;
    expect(steps.warnings).toEqual([]);
  });

  it("says handles and memory were not compared when a snapshot lacks them, and warns about different programs", () => {
    const c = snapshot({ target: { ...TARGET, processName: "other.exe" }, handles: { available: false, reason: "the dump has no handle data", source: null, value: null } });
    const r = diffFiles(readDocuments(write("a3.jsonl", [a])), readDocuments(write("c3.jsonl", [c]))) as DiffReport;
    expect(r.snapshot!.handles).toEqual({ compared: false, reason: "the second snapshot has no handle counts (the dump has no handle data)", total: null, grew: [], shrank: [] });
    expect(r.snapshot!.regions.compared).toBe(false);
    expect(r.sameProgram).toBe(false);
    expect(r.warnings).toContain("the dumps are of different programs (app.exe and other.exe); the comparison may mean little");
    expectValidDocument(diffDocument(r));
  });
});

describe("diffFiles on findings", () => {
  const finding = (analysis: string, verdict: string, text: string, id: string, section = "Finding"): Doc => ({
    schema: "ewmda.finding", schemaVersion: 1, id, analysis: { name: analysis }, section, verdict, text, target: TARGET,
  });

  it("lists findings that appeared and vanished, and reads Triage result documents of older exports", () => {
    const a = [finding("LockWaitChains", "Positive", "Deadlock: 0x2c8 <-> 0x2d4", "0000000000000001"), finding("SpikingThreads", "Suspicious", "0x2b0 spins", "0000000000000002")];
    const triageResult = {
      schema: "ewmda.result", schemaVersion: 1, analysis: { name: "Triage" }, target: TARGET,
      rows: [{ Section: "Finding", Analysis: "SpikingThreads", Verdict: "Suspicious", Finding: "0x2b0 spins", Evidence: "e", Source: "typed" },
        { Section: "Finding", Analysis: "BlockedThreads", Verdict: "Positive", Finding: "0x300 waits forever", Evidence: "e", Source: "typed" }],
    };
    const r = diffFiles(readDocuments(write("fa.jsonl", a)), readDocuments(write("fb.jsonl", [triageResult]))) as DiffReport;
    expect(r.findings).toEqual({
      appeared: [{ analysis: "BlockedThreads", section: "Finding", verdict: "Positive", text: "0x300 waits forever" }],
      vanished: [{ analysis: "LockWaitChains", section: "Finding", verdict: "Positive", text: "Deadlock: 0x2c8 <-> 0x2d4" }],
      changed: [],
      unchanged: 1,
    });
    expect(renderDiff(r)).toContain("  + Positive Finding [BlockedThreads] 0x300 waits forever");
  });

  it("reports a finding whose counts changed as changed, but another thread's finding as appeared and vanished", () => {
    const a = [finding("BlockedThreads", "Negative", "0 blocked threads among 103 (1 dump writer)", "00000000000000c1", "Clean"),
      finding("SpikingThreads", "Suspicious", "0x2b0 spins", "00000000000000c2")];
    const b = [finding("BlockedThreads", "Negative", "0 blocked threads among 94 (1 dump writer)", "00000000000000d1", "Clean"),
      finding("SpikingThreads", "Suspicious", "0x2c0 spins", "00000000000000d2")];
    const r = diffFiles(readDocuments(write("fc.jsonl", a)), readDocuments(write("fd.jsonl", b))) as DiffReport;
    expect(r.findings!.changed).toEqual([{
      before: { analysis: "BlockedThreads", section: "Clean", verdict: "Negative", text: "0 blocked threads among 103 (1 dump writer)" },
      after: { analysis: "BlockedThreads", section: "Clean", verdict: "Negative", text: "0 blocked threads among 94 (1 dump writer)" },
    }]);
    // Another thread id is another finding, not a changed one.
    expect(r.findings!.appeared.map((f) => f.text)).toEqual(["0x2c0 spins"]);
    expect(r.findings!.vanished.map((f) => f.text)).toEqual(["0x2b0 spins"]);
    expect(r.findings!.unchanged).toBe(0);
    const text = renderDiff(r).join("\n");
    expect(text).toContain("Findings: 1 appeared, 1 vanished, 1 changed, 0 unchanged");
    expect(text).toContain("  ~ Negative Clean [BlockedThreads] 0 blocked threads among 103 (1 dump writer)\n      -> 0 blocked threads among 94 (1 dump writer)");
    expectValidDocument(diffDocument(r));
  });

  it("does not pair findings of one shape when several appeared or vanished", () => {
    const a = [finding("ActiveThreads", "Positive", "1 active thread", "00000000000000e1")];
    const b = [finding("ActiveThreads", "Positive", "2 active threads", "00000000000000f1"), finding("ActiveThreads", "Positive", "3 active threads", "00000000000000f2")];
    const r = diffFiles(readDocuments(write("fe.jsonl", a)), readDocuments(write("ff.jsonl", b))) as DiffReport;
    expect(r.findings!.changed).toEqual([]);
    expect(r.findings!.appeared).toHaveLength(2);
    expect(r.findings!.vanished).toHaveLength(1);
  });

  it("answers files with nothing comparable with a message", () => {
    const r = diffFiles(readDocuments(write("s.jsonl", [snapshot({})])), readDocuments(write("f.jsonl", [finding("X", "Positive", "t", "0000000000000009")])));
    expect(r).toMatch(/^nothing to compare: .*s\.jsonl has 1 snapshot\(s\) and 0 finding\(s\) \(1 document\(s\)\); .*f\.jsonl has 0 snapshot\(s\) and 1 finding\(s\)/);
  });
});

// ---------------------------------------------------------------- the command line on two step dumps

const APP = 0x7ff6_1000_0000n;
const NTDLL = 0x7ffb_2000_0000n;
const PLUGIN = 0x7ffa_5000_0000n;

/** A small x64 dump: threads (waiting in ntdll, called from app), modules, handles, optionally plugin.dll. */
function stepDump(threads: readonly number[], events: number, plugin: boolean): Uint8Array {
  const b = synthMinidump({ arch: "x64", os: { major: 10, minor: 0, build: 19045 }, timestamp: 1_795_000_000 })
    .module({ name: "C:\\app\\app.exe", base: APP, size: 0x20000 })
    .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000 })
    .misc({ processId: 0x1138 });
  if (plugin) b.module({ name: "C:\\app\\plugin.dll", base: PLUGIN, size: 0x30000 });
  threads.forEach((id, i) => {
    const start = 0x0000_00e8_0000_0000n + BigInt(i + 1) * 0x10_0000n;
    const words = new Array<bigint>(0x200).fill(0n);
    words[0] = APP + 0x1100n + BigInt(id);
    b.thread({ id, stack: { start, size: 0x1000, words }, registers: { rip: NTDLL + 0x9d4d4n, rsp: start, rbp: 0n } });
  });
  const handles = [];
  for (let i = 0; i < events; i++) handles.push({ handle: BigInt(4 + 4 * i), type: "Event" });
  handles.push({ handle: 0x400n, type: "File" });
  b.handles(handles);
  return b.build();
}

function ewmda(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  if (!allRegistered()) env.EWMDA_BUNDLE = bundle;
  const r = spawnSync(process.execPath, [path.join(root, "bin", "ewmda.mjs"), ...args], { encoding: "utf8", cwd: tmp, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let bundle = "";
beforeAll(async () => { bundle = await extraBundle(); }, 120_000);

describe("ewmda snapshot and ewmda diff", () => {
  it("snapshots two step dumps and reports the new thread, the loaded module and the handle growth", () => {
    writeFileSync(path.join(tmp, "step1.dmp"), stepDump([0x10, 0x20], 3, false));
    writeFileSync(path.join(tmp, "step2.dmp"), stepDump([0x10, 0x20, 0x30], 40, true));
    for (const n of [1, 2]) {
      const r = ewmda("snapshot", path.join(tmp, `step${n}.dmp`), "--out", path.join(tmp, `step${n}.jsonl`));
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
    const s1 = readDocuments(path.join(tmp, "step1.jsonl")).documents;
    expect(s1).toHaveLength(1);
    expectValidDocument(s1[0]);
    expect(s1[0]).toMatchObject({ schema: "ewmda.snapshot", target: { processId: 0x1138, arch: "x64", osBuild: null }, handles: { available: true, value: { total: 4, byType: { Event: 3, File: 1 } } } });

    const text = ewmda("diff", path.join(tmp, "step1.jsonl"), path.join(tmp, "step2.jsonl"));
    expect(text.stderr).toBe("");
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("Threads: 1 appeared, 0 vanished");
    expect(text.stdout).toMatch(/^ {2}\+ 0x30 /m);
    expect(text.stdout).toContain("Modules: 1 loaded, 0 unloaded, 0 at another base");
    expect(text.stdout).toContain("  + plugin.dll at 0x7ffa50000000");
    expect(text.stdout).toContain("Handles: 4 -> 41 (+37); 1 type(s) grew");

    const json = ewmda("diff", path.join(tmp, "step1.jsonl"), path.join(tmp, "step2.jsonl"), "--json");
    expect(json.status).toBe(0);
    const doc = JSON.parse(json.stdout);
    expectValidDocument(doc);
    expect(doc.snapshot.handles.grew).toEqual([{ name: "Event", before: 3, after: 40, delta: 37 }]);
    expect(doc.snapshot.threads.appeared.map((t: Doc) => t.id)).toEqual([0x30]);
  });

  it("diffs two triage exports written with ewmda analyze --findings", () => {
    writeFileSync(path.join(tmp, "f1.dmp"), stepDump([0x10], 1, false));
    const f1 = ewmda("analyze", path.join(tmp, "f1.dmp"), "--findings");
    expect(f1.stderr).toBe("");
    expect(f1.status).toBe(0);
    const docs = f1.stdout.trim().split("\n").map((l) => JSON.parse(l));
    docs.forEach(expectValidDocument);
    expect(docs[0]).toMatchObject({ schema: "ewmda.finding", section: "Event", via: "Triage" });
    writeFileSync(path.join(tmp, "f1.jsonl"), f1.stdout);
    writeFileSync(path.join(tmp, "f1-again.jsonl"), ewmda("analyze", path.join(tmp, "f1.dmp"), "--findings").stdout);
    const same = ewmda("diff", path.join(tmp, "f1.jsonl"), path.join(tmp, "f1-again.jsonl"));
    expect(same.status).toBe(0);
    expect(same.stdout).toContain(`Findings: 0 appeared, 0 vanished, 0 changed, ${docs.length} unchanged`);
    // A later step of the same process with one more thread: counts in the texts move ("among 1" -> "among 2"),
    // which is a change of those findings, not a vanishing and an appearance.
    writeFileSync(path.join(tmp, "f2.dmp"), stepDump([0x10, 0x20], 1, false));
    writeFileSync(path.join(tmp, "f2.jsonl"), ewmda("analyze", path.join(tmp, "f2.dmp"), "--findings").stdout);
    const step = ewmda("diff", path.join(tmp, "f1.jsonl"), path.join(tmp, "f2.jsonl"), "--json");
    expect(step.status).toBe(0);
    const d = JSON.parse(step.stdout);
    expectValidDocument(d);
    expect(d.sameProcess).toBe(true);
    expect(d.findings.changed.length).toBeGreaterThan(0);
    for (const c of d.findings.changed) {
      expect(c.before.text).not.toBe(c.after.text);
      expect(c.before.text.replace(/\b\d+\b/g, "#")).toBe(c.after.text.replace(/\b\d+\b/g, "#"));
    }
  });

  const MOZILLA = path.resolve(root, "..", "shared", "testdata", "dumps", "mozilla");
  it.skipIf(!existsSync(path.join(MOZILLA, "windows-x86_64.dmp")) || !existsSync(path.join(MOZILLA, "windows-x86.dmp")))("snapshots two real dumps of firefox (two runs) and compares them by stacks, not thread ids", () => {
    const files = ["windows-x86_64", "windows-x86"].map((n) => {
      const r = ewmda("snapshot", path.join(MOZILLA, `${n}.dmp`));
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout);
      expectValidDocument(doc);
      expect(doc.threads.length).toBeGreaterThan(50);
      expect(doc.threads.every((t: Doc) => t.signature === null || /^[0-9a-f]{16}$/.test(t.signature))).toBe(true);
      // These minidumps have a memory-info stream; whatever the reason for missing totals, it must not blame the dump for lacking one.
      if (!doc.regions.available) expect(doc.regions.reason).not.toMatch(/the dump has no memory-info stream/);
      const again = JSON.parse(ewmda("snapshot", path.join(MOZILLA, `${n}.dmp`)).stdout);
      expect(again.id).toBe(doc.id);
      const p = path.join(tmp, `moz-${n}.jsonl`);
      writeFileSync(p, r.stdout);
      return p;
    });
    const r = ewmda("diff", files[0]!, files[1]!, "--json");
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout);
    expectValidDocument(d);
    expect(d.sameProgram).toBe(true);
    expect(d.sameProcess).toBe(false);
    expect(d.snapshot.threads.matchedById).toBe(false);
    expect(d.snapshot.threads.movedOn).toEqual([]);
    expect(d.warnings.some((w: string) => /two runs of firefox\.exe/.test(w))).toBe(true);
  });

  it("exits 1 for a missing file and 2 when the files hold nothing to compare", () => {
    const missing = ewmda("diff", path.join(tmp, "nope.jsonl"), path.join(tmp, "nope2.jsonl"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^ewmda: .*nope\.jsonl: ENOENT/);
    writeFileSync(path.join(tmp, "junk.jsonl"), "hello\n");
    const junk = ewmda("diff", path.join(tmp, "junk.jsonl"), path.join(tmp, "junk.jsonl"));
    expect(junk.status).toBe(2);
    expect(junk.stderr).toMatch(/^ewmda: nothing to compare/);
    expect(readFileSync(path.join(tmp, "junk.jsonl"), "utf8")).toBe("hello\n");
  });
});

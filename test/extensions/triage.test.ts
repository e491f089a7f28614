import { afterEach, describe, expect, it } from "vitest";
import { defineAnalysis, runAnalysis, type Analysis } from "../../src/lib/analysis";
import { createConfig } from "../../src/lib/config";
import type { Target } from "../../src/lib/target";
import { triage } from "../../src/extensions/triage";
import { loadEwmda, rowsOf } from "../helpers";
import { sym, userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

describe("Triage through the bundle", () => {
  it("starts with the evental row, ranks findings, then clean and not-checked analyses", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, frames: ["ntdll!NtDelayExecution+0x14"] })
      .command(".exr -1", ["ExceptionAddress: 00007ff6`10001234 (app+0x0000000000001234)", "   ExceptionCode: c0000005 (Access violation)",
        "  ExceptionFlags: 00000000", "NumberParameters: 2", "   Parameter[0]: 0000000000000000", "   Parameter[1]: 0000000000000000",
        "Attempt to read from address 0000000000000000"])
      .command(".lastevent", ["Last event: 1234.1a4: Access violation - code c0000005 (first/second chance not available)"])
      .build();
    const { dbg } = loadEwmda(t.spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Triage()")) as Row[];
    expect(rows[0]).toMatchObject({ Section: "Event", Verdict: "Positive", Pattern: "Eventual (Evental) Dumps" });
    expect(String(rows[0]!.Finding)).toMatch(/^written for an exception: STATUS_ACCESS_VIOLATION \(Access violation\) at .* on thread 0x1a4/);
    const sections = rows.map((r) => r.Section);
    // Sections never go backwards: Event, Finding*, Clean*, NotChecked/Error*.
    const order = ["Event", "Finding", "Clean", "NotChecked", "Error"];
    const ranks = sections.map((s) => (s === "Error" ? 3 : order.indexOf(String(s))));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    const verdicts = rows.filter((r) => r.Section === "Finding").map((r) => r.Verdict);
    expect([...verdicts].sort()).toEqual(verdicts.length ? [...verdicts].sort((a, b) => (a === "Positive" ? -1 : b === "Positive" ? 1 : 0)) : []);
    // Listings are not part of triage; every finding analysis appears once in some section.
    const analyses = new Set(rows.filter((r) => r.Section !== "Event").map((r) => r.Analysis));
    expect(analyses.has("RawStack")).toBe(false);
    expect(analyses.has("StackTraceCollection")).toBe(false);
    expect(analyses.has("ExceptionStackTraces")).toBe(true);
    expect(rows.find((r) => r.Analysis === "SpikingThreads")).toMatchObject({ Section: "NotChecked" });
  });

  it("says a dump without an exception was written on demand, and honours Only and Skip", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10)] })
      .command(".exr -1", ["   ExceptionCode: 80000003?", "Minidump doesn't have an exception context"]).build();
    const { dbg } = loadEwmda(t.spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Triage(new { Only = \"BlockedThreads,SuspendedThreads\", Skip = \"SuspendedThreads\" })")) as Row[];
    expect(rows[0]).toMatchObject({ Section: "Event", Verdict: "Info" });
    expect(String(rows[0]!.Finding)).toMatch(/^no exception: a manual, hang or on-demand dump/);
    expect(rows.slice(1).map((r) => r.Analysis)).toEqual(["BlockedThreads"]);
  });

  it("answers bad options and unknown analysis names with a message", () => {
    const { dbg } = loadEwmda(userTarget().build().spec);
    const bad = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Triage(\"sideways\")")) as Row[];
    expect(bad.map((r) => r.Evidence)).toEqual(["unknown option \"sideways\" (use only=A,B skip=C maxfindings=N)"]);
    const unknown = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Triage(\"only=NoSuch\")")) as Row[];
    expect(unknown.some((r) => r.Section === "NotChecked" && String(r.Evidence).includes("unknown analysis name(s): NoSuch"))).toBe(true);
  });
});

describe("Triage's own loop", () => {
  afterEach(() => { delete (globalThis as { host?: unknown }).host; });

  it("turns an analysis that throws into an error row and keeps going", () => {
    // A host with no commands: the evental row says why, without throwing.
    (globalThis as { host?: unknown }).host = { namespace: { Debugger: { Utility: { Control: { ExecuteCommand: () => { throw new Error("no commands here"); } } } } } };
    const boom = defineAnalysis({
      meta: { name: "Boom", command: "boom", summary: "always fails", patterns: ["Active Thread"], targets: "user", version: "1.0.0", params: [], options: [], columns: [] },
      *run() { yield { Verdict: "Suspicious", Evidence: "first", Source: "heuristic" }; throw new Error("kaput"); },
    });
    const fine = defineAnalysis({
      meta: { name: "Fine", command: "fine", summary: "finds one", patterns: ["Spiking Thread"], targets: "user", version: "1.0.0", params: [], options: [], columns: [] },
      *run() { yield { Verdict: "Positive", Evidence: "found it", Source: "typed" }; },
    });
    const analyses: Analysis[] = [triage, boom, fine];
    const target = { isKernel: () => false, pointerSize: () => 8 } as unknown as Target;
    const result = runAnalysis(triage, target, createConfig(analyses), [], { analyses });
    const rows = result.rows as unknown as Row[];
    expect(rows.map((r) => [r.Section, r.Analysis, r.Verdict])).toEqual([
      ["Event", "Triage", "Info"],
      ["Finding", "Fine", "Positive"],
      ["Finding", "Boom", "Suspicious"],
      ["Error", "Boom", "Info"],
    ]);
    expect(String(rows[3]!.Finding)).toContain("Boom failed or stopped early: Boom stopped early: kaput");
    expect(String(rows[0]!.Finding)).toContain("no commands here");
    expect(result.partial).toBe(false);
  });
});

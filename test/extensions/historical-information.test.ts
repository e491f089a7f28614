import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel } from "../mocks/kernel-target";
import { DUMPS } from "../oracle/breakpad-output";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function history(spec: TargetSpec) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda.HistoricalInformation()");
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const PLUGIN = 0x7ff8_9000_0000n;
const OLD = 0x7ff8_9100_0000n;
const tick = (v: bigint) => { const h = v.toString(16).padStart(16, "0"); return `${h.slice(0, 8)}\`${h.slice(8)}`; };

function withUnloads() {
  return userTarget()
    .unloadEvents([
      { name: "old.dll", base: OLD, size: 0x10000, sequence: 0, timestamp: 0x42f1a3c0 },
      { name: "plugin.dll", base: PLUGIN, size: 0x20000, sequence: 1 },
    ])
    .thread({ tid: 0x1a4, stack: [PLUGIN + 0x1234n, 0x41n], residue: [PLUGIN + 0x10n] })
    .thread({ tid: 0x2b0 });
}

describe("HistoricalInformation: unloaded modules", () => {
  it("reads ntdll's unload trace and finds stack slots that still point into an unloaded module", () => {
    const { rows, summary } = history(withUnloads().build().spec);
    const un = rows.filter((r) => r.Origin === "Unloaded");
    expect(un.map((r) => [r.Subject, r.Time, r.Verdict, r.Thread, r.Source])).toEqual([
      ["old.dll", "unload #0", "Info", undefined, "typed"],
      ["plugin.dll", "unload #1", "Suspicious", 0x1a4, "typed"],
    ]);
    expect(un[0]!.Detail).toBe("nothing on the stacks points into it; linked 2005-08-04 (0x42f1a3c0)");
    expect(un[1]!.Detail).toBe("2 stack slot(s) of thread(s) 0x1a4 point into it");
    expect(un[1]!.Evidence).toBe("lm shows it under \"Unloaded modules\" (UnloadTrace); 00007ff8`90000000 - 00007ff8`90020000; dps on the stacks of the threads named");
    expect(rows.some((r) => r.Verdict === "Negative")).toBe(false);
    expect(summary).toBe("HistoricalInformation: 2 unloaded module(s), 1 still referenced; 0 thread(s) with a last error");
  });

  it("calls an exception address or a frame inside an unloaded module Positive", () => {
    const t = withUnloads().command(".exr -1", [`ExceptionAddress: ${tick(OLD + 0x500n).replace("`", "")}`, "   ExceptionCode: c0000005 (Access violation)", "  ExceptionFlags: 00000000", "NumberParameters: 0"]).build();
    const spec = t.spec;
    const p = spec.processes[0]!;
    const th = p.threads[1]!;
    // Thread 0x2b0 returns into plugin.dll's old code: a frame at an address no module holds any more.
    const patched: TargetSpec = { ...spec, processes: [{ ...p, threads: [p.threads[0]!, { ...th, frames: [...th.frames!, { instructionOffset: PLUGIN + 0x2000n, stackOffset: t.at.stackPointer(0x2b0) + 0x80n }] }] }] };
    const un = history(patched).rows.filter((r) => r.Origin === "Unloaded");
    expect(un.map((r) => [r.Subject, r.Verdict])).toEqual([["old.dll", "Positive"], ["plugin.dll", "Positive"]]);
    expect(un[0]!.Detail).toMatch(/^the exception address is inside it/);
    expect(un[1]!.Detail).toMatch(/^1 frame\(s\) are inside it \(thread 0x2b0 frame 1\); 2 stack slot\(s\)/);
  });

  it("merges the dump's unloaded-module list (lm) and ignores ranges a loaded module holds now", () => {
    const b = withUnloads().module({ name: "C:\\app\\reused.dll", base: 0x7ff8_9200_0000n, size: 0x10000 })
      .command("lm", ["start             end                 module name", `${tick(0x7ff6_1000_0000n)} ${tick(0x7ff6_1002_0000n)}   app        (deferred)`, "",
        "Unloaded modules:", `${tick(PLUGIN)} ${tick(PLUGIN + 0x20000n)}   plugin.dll`, `${tick(0x7ff8_9200_0000n)} ${tick(0x7ff8_9201_0000n)}   gone.dll`]);
    const rows = history(b.thread({ tid: 0x3c0, stack: [0x7ff8_9200_0040n] }).build().spec).rows.filter((r) => r.Origin === "Unloaded");
    expect(rows.map((r) => [r.Subject, r.Source, r.Verdict])).toEqual([["old.dll", "typed", "Info"], ["plugin.dll", "typed", "Suspicious"], ["gone.dll", "command", "Info"]]);
    expect(rows[1]!.Evidence).toMatch(/\(UnloadTrace, lm\)/);
  });

  it("reads a 32-bit ring", () => {
    const t = userTarget({ arch: "x86" }).unloadEvents([{ name: "x.dll", base: 0x6a00_0000n, size: 0x8000 }]).thread({ tid: 4, stack: [0x6a00_0100n] }).build();
    expect(history(t.spec).rows.filter((r) => r.Origin === "Unloaded").map((r) => [r.Subject, r.Verdict, r.Detail])).toEqual([["x.dll", "Suspicious", "1 stack slot(s) of thread(s) 0x4 point into it"]]);
  });

  it("says there are no unloaded modules, or that the trace could not be read", () => {
    const none = history(userTarget().command("lm", ["start             end                 module name"]).unloadEvents([]).build().spec).rows;
    expect(none.map((r) => [r.Verdict, r.Evidence]).filter((r) => r[0] === "Negative")).toEqual([["Negative", "no unloaded modules (the unload trace is empty, lm lists none)"]]);
    const noSyms = history(userTarget({ ntdllSymbols: false }).build().spec).rows;
    expect(noSyms.map((r) => r.Evidence)).toContain("unload event trace not read: ntdll!RtlpUnloadEventTrace is not known (it needs ntdll's symbols: .reload /f ntdll.dll)");
    const notInDump = history(userTarget().build().spec).rows;
    expect(notInDump.map((r) => r.Evidence)).toContain("unload event trace not read: the unload event trace at 00007ff8`0016d000 (0x1a00 bytes) is not in the dump");
    expect(notInDump[notInDump.length - 1]!.Evidence).toBe("unloaded modules not checked: the unload trace was not read and lm gave no list; ntdll's symbols give the trace (.reload /f ntdll.dll)");
  });

  it("does not call a dump without the trace or an unloaded-module stream clean (Info, not Negative)", () => {
    const lm = ["start             end                 module name"];
    const streams = (names: string[]) => ["----- User Mini Dump Analysis", "", "Streams:", ...names.map((n, i) => `Stream ${i}: type ${n} (${i + 3}), size 00000010, RVA 00000100`)];
    const without = history(userTarget({ ntdllSymbols: false }).command("lm", lm).command(".dumpdebug", streams(["ThreadListStream", "ModuleListStream"])).build().spec).rows;
    expect(without.filter((r) => r.Verdict === "Negative")).toEqual([]);
    expect(without[without.length - 1]!.Evidence).toBe("unloaded modules not checked: the unload trace was not read and the dump has no unloaded-module list (.dumpdebug lists no UnloadedModuleListStream); ntdll's symbols give the trace (.reload /f ntdll.dll)");
    const withList = history(userTarget({ ntdllSymbols: false }).command("lm", lm).command(".dumpdebug", streams(["ThreadListStream", "UnloadedModuleListStream"])).build().spec).rows;
    expect(withList.filter((r) => r.Verdict === "Negative").map((r) => r.Evidence)).toEqual(["no unloaded modules (the unload trace was not read, lm lists none)"]);
  });
});

describe("HistoricalInformation: ages and last errors", () => {
  it("gives the process uptime, the threads' ages with the recent ones, and last errors", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, lastError: 2, lastStatus: 0xc0000034 }).thread({ tid: 0x2b0 }).thread({ tid: 0x2c8, lastError: 5 })
      .thread({ tid: 0x2d0, lastStatus: 0x103 }).thread({ tid: 0x2d4, lastStatus: 0x80000005 }).thread({ tid: 0x2d8, lastStatus: 0xc0000135 })
      .command(".time", ["Debug session time: Thu Sep  8 12:55:08.000 2016 (UTC + 0:00)", "System Uptime: 3 days 4:40:45.796", "Process Uptime: 0 days 1:02:03.000",
        "  Kernel time: 0 days 0:00:01.500", "  User time: 0 days 0:00:10.000"])
      .command("!runaway 4", [" Elapsed Time", "  Thread       Time", "   0:1a4      0 days 1:02:02.000", "   1:2b0      0 days 0:30:00.000", "   2:2c8      0 days 0:00:04.250"])
      .build();
    const { rows } = history(t.spec);
    const pick = (o: string) => rows.filter((r) => r.Origin === o);
    expect(pick("Process").map((r) => [r.Time, r.Detail])).toEqual([["01:02:03 before the dump", "created 2016-09-08 11:53:05 UTC, started 01:02:03 before the dump; CPU: user 10 s, kernel 1.5 s"]]);
    expect(pick("Threads").map((r) => r.Detail)).toEqual(["newest 0x2c8 created 0:00:04.250 before the dump; oldest 0x1a4 1:02:02.000 (created 2016-09-08 11:53:06 UTC)"]);
    expect(pick("Thread").map((r) => [r.Thread, r.Time, r.Detail])).toEqual([[0x2c8, "0:00:04.250 before the dump", "created 2016-09-08 12:55:03 UTC, within 60 s of the dump"]]);
    expect(pick("LastError").map((r) => [r.Thread, r.Detail, r.LinkTo])).toEqual([
      [0x1a4, "LastErrorValue 2 (0x2), LastStatusValue 0xc0000034 (stale by nature: the last failure this thread saw)", "!error 2"],
      [0x2c8, "LastErrorValue 5 (0x5), LastStatusValue 0x0 (stale by nature: the last failure this thread saw)", "!error 5"],
      // A failed NTSTATUS alone links to !error as a status; STATUS_PENDING and warnings are no failures (0x2d0, 0x2d4).
      [0x2d8, "LastErrorValue 0 (0x0), LastStatusValue 0xc0000135 (stale by nature: the last failure this thread saw)", "!error 0xc0000135 1"],
    ]);
  });

  it("says when the dump has no times, and refuses kernel targets", () => {
    const rows = history(userTarget().command(".time", ["Debug session time: Thu Sep  8 12:55:08.000 2016 (UTC + 0:00)", "Process Uptime: not available"])
      .command("!runaway 4", ["ERROR: !runaway: extension exception 0x80004002.", "    \"Unable to get thread times - dumps may not have time information\""]).build().spec).rows;
    expect(rows.map((r) => r.Evidence)).toEqual(expect.arrayContaining([".time gives no process uptime (the dump has no process times)"]));
    expect(rows.some((r) => String(r.Evidence).startsWith("thread ages not read: "))).toBe(true);
    expect(history(emptyKernel().spec).rows.map((r) => r.Verdict)).toEqual(["Info"]);
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(withUnloads().build().spec);
    expect(dbg.execute("!ewmda.history")).toMatchSnapshot();
  });
});

const CRASHPAD = path.join(DUMPS, "sentry", "crashpad-from-envelope.dmp");
describe.skipIf(!existsSync(CRASHPAD))("HistoricalInformation on a real dump", () => {
  it("lists the 5 unloaded modules of sentry/crashpad-from-envelope.dmp from its module stream (lm)", () => {
    const rows = history(buildDumpTarget(Minidump.openFile(CRASHPAD)).spec).rows.filter((r) => r.Origin === "Unloaded");
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.Source === "command")).toBe(true);
  });
});

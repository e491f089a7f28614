import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, type TargetSpec } from "../../src/emulator";
import { synthMinidump } from "../../src/minidump-synth";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { loadEwmda, rowsOf } from "../helpers";
import { kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function spiking(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.SpikingThreads()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

interface Times { idx: number; tid: number; user: string; kernel: string; elapsed: string }

/** `!runaway 7` in WinDbg's layout; each section sorted by its own time, longest first, as WinDbg does. */
function runaway(threads: Times[]): string[] {
  const ms = (s: string) => {
    const m = /^(\d+) days (\d+):(\d\d):(\d\d)\.(\d{3})$/.exec(s)!;
    return (((Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000 + Number(m[5]);
  };
  const section = (title: string, pick: (t: Times) => string) => [
    ` ${title}`, "  Thread       Time",
    ...[...threads].sort((a, b) => ms(pick(b)) - ms(pick(a))).map((t) => `  ${String(t.idx).padStart(2)}:${t.tid.toString(16).padEnd(8)} ${pick(t)}`),
  ];
  return [...section("User Mode Time", (t) => t.user), ...section("Kernel Mode Time", (t) => t.kernel), ...section("Elapsed Time", (t) => t.elapsed)];
}

const ZERO = "0 days 0:00:00.000";
const WAIT = ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!main+0x20"];

describe("SpikingThreads: what it finds", () => {
  it("reports a thread with most of its lifetime on the CPU that is running now as Positive", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, frames: WAIT })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x20", "kernel32!BaseThreadInitThunk+0x14"] })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x1a4, user: "0 days 0:00:00.015", kernel: ZERO, elapsed: "0 days 0:01:00.000" },
        { idx: 1, tid: 0x2b0, user: "0 days 0:00:41.015", kernel: "0 days 0:00:01.000", elapsed: "0 days 0:01:00.000" },
      ]))
      .build();
    const { rows, summary } = spiking(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    // 41.015 s + 1 s = 42015 ms over 60000 ms = 70.0%; the next thread has 15 ms: 42015 / 15 = 2801.
    expect([r.Thread, r.UserTime, r.KernelTime, r.Elapsed, r.CpuMs, r.SharePercent, r.Rank, r.Dominance]).toEqual(
      [0x2b0, "0:00:41.015", "0:00:01.000", "0:01:00.000", 42015, 70, 1, 2801]);
    expect([r.Activity, r.TopFrame, r.Variant, r.Verdict, r.Source]).toEqual(["active", "app!worker+0x20", "single", "Positive", "command"]);
    expect(String(r.Evidence)).toMatch(/^running now \(frame 0 is app!worker\+0x20, .*\); !runaway 7 \(1:2b0\), ~~\[0x2b0\]kn$/);
    expect(summary).toBe("SpikingThreads: 1 spiking (1 running now) among 2 threads with times; busiest 0x2b0: 0:00:42.015 CPU, 70% of its 0:01:00.000 lifetime");
  });

  it("flags a long-lived thread far ahead of the others, as Suspicious when it waits now", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, frames: WAIT })
      .thread({ tid: 0x2b0, frames: WAIT })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x1a4, user: "0 days 0:00:03.000", kernel: "0 days 0:00:01.000", elapsed: "0 days 10:00:00.000" },
        { idx: 1, tid: 0x2b0, user: "0 days 0:00:20.000", kernel: ZERO, elapsed: "0 days 10:00:00.000" },
      ]))
      .build();
    const { rows } = spiking(t.spec);
    // 20 s is >= 10 s and 5x the next thread's 4 s; its share of 10 h is 0.06%.
    expect(rows.map((r) => [r.Thread, r.SharePercent, r.Dominance, r.Activity, r.Variant, r.Verdict])).toEqual([[0x2b0, 0, 5, "system-call", "single", "Suspicious"]]);
    expect(String(rows[0]!.Evidence)).toContain("waiting now (frame 0 is the system-call stub ntdll!NtWaitForSingleObject");
    expect(String(rows[0]!.Evidence)).toContain("the spike may be over");
  });

  it("counts a thread yielding in a busy-wait as running", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: { NtWaitForSingleObject: 0x9d4c0, NtYieldExecution: 0x9d900 } })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtYieldExecution+0x14", "app!worker+0x20"] })
      .command("!runaway 7", runaway([{ idx: 0, tid: 0x1a4, user: "0 days 0:00:30.000", kernel: "0 days 0:00:25.000", elapsed: "0 days 0:01:00.000" }]))
      .build();
    const r = spiking(t.spec).rows[0]!;
    expect([r.Activity, r.Verdict, r.SharePercent]).toEqual(["system-call", "Positive", 92]);
    expect(String(r.Evidence)).toContain("spinning: frame 0 is ntdll!NtYieldExecution+0x14 (busy-wait)");
  });

  it("finds a distributed spike: several moderately busy threads adding up to more than a core", () => {
    const t = userTarget()
      .thread({ tid: 0x10, frames: WAIT })
      .thread({ tid: 0x14, frames: ["app!worker+0x20"] })
      .thread({ tid: 0x18, frames: ["app!worker+0x30"] })
      .thread({ tid: 0x1c, frames: WAIT })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x10, user: "0 days 0:00:01.000", kernel: ZERO, elapsed: "0 days 0:01:00.000" },
        { idx: 1, tid: 0x14, user: "0 days 0:00:25.000", kernel: ZERO, elapsed: "0 days 0:01:00.000" },
        { idx: 2, tid: 0x18, user: "0 days 0:00:24.000", kernel: ZERO, elapsed: "0 days 0:01:00.000" },
        { idx: 3, tid: 0x1c, user: "0 days 0:00:20.000", kernel: "0 days 0:00:03.000", elapsed: "0 days 0:01:00.000" },
      ]))
      .build();
    const { rows, summary } = spiking(t.spec);
    // 25 + 24 + 23 = 72 s over 60 s each: 42% + 40% + 38% = 120% of a core; none reaches 50% alone.
    expect(rows.map((r) => [r.Thread, r.SharePercent, r.Rank, r.Variant, r.Verdict])).toEqual([
      [0x14, 42, 1, "distributed", "Positive"],
      [0x18, 40, 2, "distributed", "Positive"],
      [0x1c, 38, 3, "distributed", "Suspicious"],
    ]);
    expect(String(rows[0]!.Evidence)).toMatch(/^one of 3 busy threads adding up to 120% of a core; running now/);
    expect(summary).toContain("0 spiking, distributed spike over 3 threads (2 running now) among 4 threads with times");
  });

  it("says nothing spikes, with the busiest thread and the thresholds", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: WAIT }).thread({ tid: 0x2b0, frames: WAIT })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x1a4, user: "0 days 0:00:02.500", kernel: "0 days 0:00:00.500", elapsed: "0 days 1:00:00.000" },
        { idx: 1, tid: 0x2b0, user: "0 days 0:00:01.000", kernel: ZERO, elapsed: "0 days 1:00:00.000" },
      ]))
      .build();
    const { rows } = spiking(t.spec);
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Negative",
      "0 spiking threads among 2 with times (busiest 0x1a4: 0:00:03.000 CPU, 0% of its 1:00:00.000 lifetime; thresholds: share >= 50% with >= 1000 ms, or >= 10 s and 3x the next; !runaway 7)"]]);
  });

  it("lists every thread with All, those below the thresholds as Info", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: WAIT }).thread({ tid: 0x2b0, frames: ["app!worker+0x20"] })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x1a4, user: "0 days 0:00:00.100", kernel: ZERO, elapsed: "0 days 0:01:00.000" },
        { idx: 1, tid: 0x2b0, user: "0 days 0:00:50.000", kernel: ZERO, elapsed: "0 days 0:01:00.000" },
      ]))
      .build();
    const { rows } = spiking(t.spec, "Debugger.Utility.Ewmda.SpikingThreads(\"all\")");
    expect(rows.map((r) => [r.Thread, r.Variant, r.Verdict])).toEqual([[0x2b0, "single", "Positive"], [0x1a4, "none", "Info"]]);
    expect(String(rows[1]!.Dominance)).toBe("<not available>");
    expect((rows[1]!.Dominance as { reason: string }).reason).toBe("no thread after it");
  });

  it("ignores a high share built on a few milliseconds, and leaves out the dump writer", () => {
    const t = userTarget().module({ name: "dbghelp.dll", symbols: { MiniDumpWriteDump: 0x2000 } })
      .thread({ tid: 0x1a4, frames: ["app!worker+0x20"] })
      .thread({ tid: 0x2b0, frames: ["app!worker+0x40", "dbghelp!MiniDumpWriteDump+0x120"] })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x1a4, user: "0 days 0:00:00.040", kernel: ZERO, elapsed: "0 days 0:00:00.050" },
        { idx: 1, tid: 0x2b0, user: "0 days 0:00:05.000", kernel: ZERO, elapsed: "0 days 0:00:05.500" },
      ]))
      .build();
    const { rows, summary } = spiking(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(rows[0]!.Evidence)).toContain("1 dump writer thread left out");
    expect(summary).toContain("among 1 threads with times");
  });

  it("uses dominance alone when the dump has no create times", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: ["app!worker+0x20"] }).thread({ tid: 0x2b0, frames: WAIT })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x1a4, user: "0 days 0:00:30.000", kernel: ZERO, elapsed: ZERO },
        { idx: 1, tid: 0x2b0, user: ZERO, kernel: ZERO, elapsed: ZERO },
      ]))
      .build();
    const r = spiking(t.spec).rows[0]!;
    expect([r.Thread, r.Variant, r.Verdict, String(r.SharePercent), String(r.Dominance)]).toEqual([0x1a4, "single", "Positive", "<not available>", "<not available>"]);
    expect((r.Dominance as { reason: string }).reason).toBe("the next busiest thread used no CPU time");
  });
});

describe("SpikingThreads: dumps without thread times and bad output", () => {
  it("says the dump has no thread times when !runaway says so", () => {
    const t = userTarget().command("!runaway 7", ["ERROR: !runaway: extension exception 0x80004002.", "    \"Unable to get thread times - dumps may not have time information\""]).build();
    const { rows, summary } = spiking(t.spec);
    expect(rows.map((r) => [r.Verdict, r.Source])).toEqual([["Info", "command"]]);
    expect(rows[0]!.Evidence).toBe("the dump has no thread times (Unable to get thread times - dumps may not have time information); capture with .dump /ma or procdump -ma (MiniDumpWithThreadInfo), or compare two dumps (Step Dumps); ActiveThreads shows which threads were running");
    expect(summary).toBe("SpikingThreads: no thread times");
  });

  it("gives one Info row for garbage, for a failing command and for a partial listing", () => {
    const cases: [string[] | undefined, string][] = [
      [["gibberish", "0:0 ???"], "no thread times in the output (it starts \"gibberish\")"],
      [undefined, "(No export runaway found)"],
      [[" User Mode Time", "  Thread       Time", "   0:1a4      0 days 0:00:01.000"], "!runaway 7 printed only the user section(s)"],
    ];
    for (const [lines, text] of cases) {
      const b = userTarget();
      if (lines) b.command("!runaway 7", lines);
      const { rows } = spiking(b.build().spec);
      expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence)).toContain(text);
    }
  });

  it("rejects nonsense options", () => {
    const bad = spiking(userTarget().build().spec, "Debugger.Utility.Ewmda.SpikingThreads(new { All = \"often\" })").rows;
    expect(bad.map((r) => [r.Verdict, r.Evidence])).toEqual([["Info", "All must be true or false, not often"]]);
  });

  it("reads the times the runner generates from a minidump's thread info stream", () => {
    const MS = 10_000n;
    const timestamp = 1_700_000_000;
    const dumpTime = BigInt(timestamp) * 10_000_000n + 116_444_736_000_000_000n;
    const NTDLL = 0x7ffb_2000_0000n;
    const b = synthMinidump({ arch: "x64", timestamp })
      .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000 })
      .misc({ processId: 0x1138 })
      .thread({ id: 0x1a4, teb: 0x47_a000_0000n, registers: { rip: NTDLL + 0x10n }, times: { user: 12n * MS, kernel: 5n * MS, create: dumpTime - 600_000n * MS } })
      .thread({ id: 0x2b0, teb: 0x47_a000_2000n, registers: { rip: NTDLL + 0x20n }, times: { user: 45_000n * MS, kernel: 2_000n * MS, create: dumpTime - 60_000n * MS } });
    const target = buildDumpTarget(Minidump.open(bufferSource(b.build())));
    const { rows } = spiking(target.spec);
    // 47 s of CPU over 60 s: 78%; frame 0 is ntdll without symbols and without code, so whether it runs is unknown.
    expect(rows.map((r) => [r.Thread, r.CpuMs, r.SharePercent, r.Activity, r.Verdict])).toEqual([[0x2b0, 47000, 78, "unknown", "Suspicious"]]);
  });
});

describe("SpikingThreads: faces", () => {
  it("prints a table through !ewmda.spiking and !ewmda_spiking", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: WAIT }).thread({ tid: 0x2b0, frames: ["app!worker+0x20"] })
      .command("!runaway 7", runaway([
        { idx: 0, tid: 0x1a4, user: "0 days 0:00:00.100", kernel: ZERO, elapsed: "0 days 0:01:00.000" },
        { idx: 1, tid: 0x2b0, user: "0 days 0:00:50.000", kernel: "0 days 0:00:02.000", elapsed: "0 days 0:01:00.000" },
      ]))
      .build();
    const { dbg } = loadEwmda(t.spec);
    const dotted = dbg.execute("!ewmda.spiking");
    expect(dbg.execute("!ewmda_spiking")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });

  it("gives the same answers under the other reading of every unconfirmed provider behaviour", () => {
    const t = userTarget().thread({ tid: 0x2b0, frames: ["app!worker+0x20"] })
      .command("!runaway 7", runaway([{ idx: 0, tid: 0x2b0, user: "0 days 0:00:50.000", kernel: ZERO, elapsed: "0 days 0:01:00.000" }]))
      .build();
    const simplify = (rows: Row[]) => rows.map((r) => ({ ...r, Thread: Number(r.Thread), Dominance: String(r.Dominance), SharePercent: String(r.SharePercent) }));
    expect(simplify(spiking(t.spec, undefined, ALTERNATE_VARIANT).rows)).toEqual(simplify(spiking(t.spec).rows));
  });
});

describe.each(["win10-1607", "win11-22h2"] as KernelBuild[])("SpikingThreads on a kernel target (%s)", (build) => {
  // 64 ticks a second (15.625 ms); threads created an hour before the dump.
  const dump = new Date(Date.UTC(2024, 0, 15, 12));
  const created = new Date(Date.UTC(2024, 0, 15, 11));
  const target = () => kernelTarget({ build, processors: 2, dumpTime: dump })
    .process({ pid: 0x1a4, name: "app.exe" })
    .thread({ tid: 0x1a8, running: 1, createTime: created, userTime: 64 * 2700, kernelTime: 64 * 100 }) // 2800 s of 3600: 78 %
    .thread({ tid: 0x1ac, createTime: created, userTime: 64 * 20 })
    .thread({ tid: 0x1b0, createTime: created, userTime: 64 * 1900, state: "Waiting" }) // 53 %, waiting now
    .build();

  it("converts KTHREAD ticks, ranks across the system and says whether the spiking thread runs now", () => {
    const { rows } = spiking(target().spec);
    const top = rows.find((r) => r.Thread === 0x1a8)!;
    expect([top.UserTime, top.KernelTime, top.Elapsed, top.CpuMs, top.SharePercent, top.Rank, top.Activity, top.Variant, top.Process, top.Verdict])
      .toEqual(["0:45:00.000", "0:01:40.000", "1:00:00.000", 2800000, 78, 1, "Running", "single", "app.exe (0x1a4)", "Positive"]);
    expect(top.Dominance).toBe(1.5);
    const past = rows.find((r) => r.Thread === 0x1b0)!;
    expect([past.SharePercent, past.Activity, past.Verdict]).toEqual([53, "Waiting", "Suspicious"]);
    expect(rows.some((r) => r.Thread === 0x1ac)).toBe(false);
  });

  it("answers Negative without busy threads, and keeps the dominance rule when the dump time is unknown", () => {
    const quiet = spiking(kernelTarget({ build }).process({ pid: 0x1a4, name: "app.exe" }).thread({ tid: 0x1a8, userTime: 10 }).build().spec).rows;
    expect(quiet.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(quiet[0]!.Evidence)).toMatch(/^0 spiking threads among 2 threads of 2 processes/);
    const noTime = kernelTarget({ build, sharedData: false }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, userTime: 64 * 100 }).thread({ tid: 0x1ac, userTime: 64 * 5 }).build();
    const rows = spiking(noTime.spec).rows;
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/^thread ages are unknown/);
    const row = rows.find((r) => r.Thread === 0x1a8)!;
    expect([String(row.SharePercent), row.Dominance, row.Variant]).toEqual(["<not available>", 20, "single"]);
  });
});

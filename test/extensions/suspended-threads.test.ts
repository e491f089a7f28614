import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, type TargetSpec } from "../../src/emulator";
import { synthMinidump } from "../../src/minidump-synth";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel, kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function suspended(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.SuspendedThreads()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

/** `~` lines in WinDbg's layout for (tid, suspend count[, "Frozen"]) in order; the first is current. */
function tilde(pid: number, threads: [number, number, string?][]): string[] {
  return threads.map(([tid, count, frozen], i) =>
    `${i === 0 ? "." : " "}${String(i).padStart(3)}  Id: ${pid.toString(16)}.${tid.toString(16)} Suspend: ${count} Teb: 00000047\`a000${(i * 0x2000).toString(16).padStart(4, "0")} ${frozen ?? "Unfrozen"}`);
}

const WAIT = ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!worker+0x20"];

function threeThreads(counts: [number, number, number], frames: string[][] = [WAIT, WAIT, WAIT]): UserTargetBuilder {
  return userTarget()
    .thread({ tid: 0x1a4, frames: frames[0] })
    .thread({ tid: 0x2b0, frames: frames[1] })
    .thread({ tid: 0x2c8, frames: frames[2] })
    .command("~", tilde(0x1234, [[0x1a4, counts[0]], [0x2b0, counts[1]], [0x2c8, counts[2]]]));
}

describe("SuspendedThreads: what it finds", () => {
  it("reports a thread suspended above the dump writer's baseline", () => {
    const t = threeThreads([1, 2, 1]).build();
    const { rows, summary } = suspended(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect([r.Thread, r.Index, r.SuspendCount, r.Baseline, r.Frozen, r.ProcessWide, r.TopFrame, r.Verdict, r.Source]).toEqual(
      [0x2b0, 1, 2, 1, false, false, "ntdll!NtWaitForSingleObject+0x14", "Positive", "command"]);
    expect(r.LikelyCause).toBe("no thread of this process is suspending threads: another process (a debugger, an injector, a security product) or an unpaired SuspendThread/ResumeThread");
    expect(r.Evidence).toBe("~1 shows Suspend: 2 (baseline 1); ~~[0x2b0]kn");
    expect(summary).toBe("SuspendedThreads: 1 thread(s) above the baseline of 1 among 3 threads");
  });

  it("names a thread of the process that is suspending others", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: { NtWaitForSingleObject: 0x9d4c0, NtSuspendThread: 0x9e500 } })
      .module({ name: "kernelbase.dll", symbols: { WaitForSingleObjectEx: 0x2f000, SuspendThread: 0x40000 } })
      .thread({ tid: 0x1a4, frames: WAIT })
      .thread({ tid: 0x2b0, frames: WAIT })
      .thread({ tid: 0x2c8, frames: ["ntdll!NtSuspendThread+0x14", "kernelbase!SuspendThread+0x10", "app!worker+0x80"] })
      .command("~", tilde(0x1234, [[0x1a4, 1], [0x2b0, 3], [0x2c8, 1]]))
      .build();
    const r = suspended(t.spec).rows[0]!;
    expect(r.Thread).toBe(0x2b0);
    expect(r.LikelyCause).toBe("thread 0x2c8 is in ntdll!NtSuspendThread+0x14 (a suspender inside the process)");
  });

  it("says nothing is suspended when every count is the writer's one", () => {
    const { rows } = suspended(threeThreads([1, 1, 1]).build().spec);
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Negative", "0 suspended threads above the baseline of 1 among 3 threads (lowest count 1; ~)"]]);
  });

  it("takes a baseline of 0 from a snapshot writer that suspended nothing", () => {
    const { rows } = suspended(threeThreads([0, 0, 1]).build().spec);
    expect(rows.map((r) => [r.Thread, r.SuspendCount, r.Baseline, r.Verdict])).toEqual([[0x2c8, 1, 0, "Positive"]]);
  });

  it("sees a whole-process suspension, and still singles out a thread suspended more", () => {
    const { rows, summary } = suspended(threeThreads([2, 2, 3]).build().spec);
    expect(rows.map((r) => [r.Thread ?? "process", r.SuspendCount, r.Baseline, r.ProcessWide, r.Verdict])).toEqual([
      ["process", 2, 1, true, "Suspicious"],
      [0x2c8, 3, 1, true, "Positive"],
    ]);
    expect(rows[0]!.Evidence).toBe("all 3 threads have suspend count >= 2 (a dump writer explains 1): the whole process was suspended; ~");
    expect(String(rows[0]!.LikelyCause)).toMatch(/^no thread of this process is suspending threads/);
    expect(rows[1]!.Evidence).toBe("~2 shows Suspend: 3 (baseline 1, process-wide 2); ~~[0x2c8]kn");
    expect(summary).toBe("SuspendedThreads: the whole process is suspended (2), 1 thread(s) above that among 3 threads");
  });

  it("explains a whole-process suspension by an attached debugger (PEB.BeingDebugged)", () => {
    const b = threeThreads([2, 2, 2]);
    const peb = b.build().at.peb();
    const { rows } = suspended(b.memory(peb + 2n, Uint8Array.from([1])).build().spec);
    expect(rows.map((r) => [r.ProcessWide, r.Verdict])).toEqual([[true, "Info"]]);
    expect(String(rows[0]!.LikelyCause)).toBe("a debugger is attached (PEB.BeingDebugged = 1: dt ntdll!_PEB @$peb BeingDebugged)");
  });

  it("explains a process created suspended: one thread that never started", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: ["ntdll!RtlUserThreadStart"] }).command("~", tilde(0x1234, [[0x1a4, 2]])).build();
    const r = suspended(t.spec).rows[0]!;
    expect([r.ProcessWide, r.Verdict]).toEqual([true, "Info"]);
    expect(r.LikelyCause).toBe("created suspended (CREATE_SUSPENDED): the only thread has not started (frame 0 is ntdll!RtlUserThreadStart)");
  });

  it("explains a suspended packaged app as the lifecycle manager's doing", () => {
    const t = threeThreads([2, 2, 2]).module({ name: "twinapi.appcore.dll" }).build();
    const r = suspended(t.spec).rows[0]!;
    expect(r.Verdict).toBe("Info");
    expect(String(r.LikelyCause)).toContain("a packaged app (twinapi.appcore.dll loaded)");
  });

  it("says a single suspended thread that never ran was created suspended", () => {
    const t = threeThreads([1, 1, 2], [WAIT, WAIT, ["ntdll!RtlUserThreadStart"]]).build();
    const r = suspended(t.spec).rows[0]!;
    expect([r.Thread, r.LikelyCause]).toEqual([0x2c8, "created suspended and never resumed (frame 0 is ntdll!RtlUserThreadStart)"]);
  });

  it("reports threads frozen by the debugger as Info", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: WAIT }).thread({ tid: 0x2b0, frames: WAIT })
      .command("~", tilde(0x1234, [[0x1a4, 1], [0x2b0, 1, "Frozen"]])).build();
    const { rows } = suspended(t.spec);
    expect(rows.map((r) => [r.Thread, r.Frozen, r.Verdict, r.LikelyCause])).toEqual([[0x2b0, true, "Info", "frozen by the debugger (~1f); ~1u thaws it"]]);
  });

  it("leaves the dump writer's own thread out of the baseline", () => {
    const t = userTarget().module({ name: "dbghelp.dll", symbols: { MiniDumpWriteDump: 0x2000 } })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "dbghelp!MiniDumpWriteDump+0x120", "app!main+0x10"] })
      .thread({ tid: 0x2b0, frames: WAIT })
      .thread({ tid: 0x2c8, frames: WAIT })
      .command("~", tilde(0x1234, [[0x1a4, 0], [0x2b0, 1], [0x2c8, 1]]))
      .build();
    const { rows, summary } = suspended(t.spec);
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Negative", "0 suspended threads above the baseline of 1 among 2 threads (lowest count 1; dump-writer thread(s) 0x1a4 left out; ~)"]]);
    expect(summary).toContain("dump-writer thread(s) 0x1a4 left out");
  });

  it("lists every thread with All", () => {
    const { rows } = suspended(threeThreads([1, 2, 1]).build().spec, "Debugger.Utility.Ewmda.SuspendedThreads(\"all\")");
    expect(rows.map((r) => [r.Thread, r.Verdict])).toEqual([[0x1a4, "Info"], [0x2b0, "Positive"], [0x2c8, "Info"]]);
    expect(rows[0]!.Evidence).toBe("~0 shows Suspend: 1 (at the baseline)");
  });

  it("reads 32-bit ~ output", () => {
    const t = userTarget({ arch: "x86" }).thread({ tid: 0x100, frames: WAIT }).thread({ tid: 0x104, frames: WAIT })
      .command("~", [".  0  Id: 9a0.100 Suspend: 1 Teb: 7ffdf000 Unfrozen", "   1  Id: 9a0.104 Suspend: 4 Teb: 7ffde000 Unfrozen \"io\""]).build();
    expect(suspended(t.spec).rows.map((r) => [r.Thread, r.SuspendCount])).toEqual([[0x104, 4]]);
  });
});

describe("SuspendedThreads: missing data and bad input", () => {
  it("gives one Info row when ~ prints garbage, nothing, or fails", () => {
    const cases: [string[] | undefined, string][] = [
      [["$$$ nonsense", "Id: x"], "no suspend counts: ~ printed no thread lines (it starts \"$$$ nonsense\")"],
      [[], "no suspend counts: ~ printed nothing"],
      [undefined, "no suspend counts: ~ failed: The target has no output for the command '~'"],
    ];
    for (const [lines, text] of cases) {
      const b = userTarget();
      if (lines) b.command("~", lines);
      const { rows, summary } = suspended(b.build().spec);
      expect(rows.map((r) => [r.Verdict, r.Source])).toEqual([["Info", "command"]]);
      expect(String(rows[0]!.Evidence)).toContain(text);
      expect(summary).toBe("SuspendedThreads: no suspend counts");
    }
  });

  it("works without ntdll symbols (counts come from ~; stacks only name causes)", () => {
    const t = userTarget({ ntdllSymbols: false }).thread({ tid: 0x1a4 }).thread({ tid: 0x2b0 })
      .command("~", tilde(0x1234, [[0x1a4, 1], [0x2b0, 2]])).build();
    expect(suspended(t.spec).rows.map((r) => [r.Thread, r.Verdict])).toEqual([[0x2b0, "Positive"]]);
  });

  it("rejects nonsense options", () => {
    const bad = suspended(userTarget().build().spec, "Debugger.Utility.Ewmda.SuspendedThreads(\"loud\")").rows;
    expect(bad.map((r) => [r.Verdict, r.Evidence])).toEqual([["Info", "unknown option \"loud\" (options: All)"]]);
  });

  it("reads the ~ the runner generates from a minidump's thread list", () => {
    const NTDLL = 0x7ffb_2000_0000n;
    const b = synthMinidump({ arch: "x64" })
      .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000 })
      .misc({ processId: 0x1138 })
      .thread({ id: 0x1a4, suspendCount: 1, teb: 0x47_a000_0000n, registers: { rip: NTDLL + 0x10n } })
      .thread({ id: 0x2b0, suspendCount: 1, teb: 0x47_a000_2000n, registers: { rip: NTDLL + 0x20n } })
      .thread({ id: 0x2c8, suspendCount: 3, teb: 0x47_a000_4000n, registers: { rip: NTDLL + 0x30n } });
    const { rows } = suspended(buildDumpTarget(Minidump.open(bufferSource(b.build()))).spec);
    expect(rows.map((r) => [r.Thread, r.Index, r.SuspendCount, r.Baseline, r.Verdict])).toEqual([[0x2c8, 2, 3, 1, "Positive"]]);
  });
});

describe("SuspendedThreads: faces", () => {
  it("prints a table through !ewmda.suspended and !ewmda_suspended", () => {
    const t = userTarget().thread({ tid: 0x1a4, frames: WAIT }).thread({ tid: 0x2b0, frames: WAIT }).thread({ tid: 0x2c8, frames: WAIT })
      .command("~", tilde(0x1234, [[0x1a4, 1], [0x2b0, 2], [0x2c8, 1, "Frozen"]])).build();
    const { dbg } = loadEwmda(t.spec);
    const dotted = dbg.execute("!ewmda.suspended");
    expect(dbg.execute("!ewmda_suspended")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });

  it("gives the same answers under the other reading of every unconfirmed provider behaviour", () => {
    const t = threeThreads([2, 2, 3]).build();
    const simplify = (rows: Row[]) => rows.map((r) => ({ ...r, Thread: r.Thread === undefined ? undefined : Number(r.Thread) }));
    expect(simplify(suspended(t.spec, undefined, ALTERNATE_VARIANT).rows)).toEqual(simplify(suspended(t.spec).rows));
  });
});

describe.each(["win10-1607", "win11-22h2"] as KernelBuild[])("SuspendedThreads on a kernel target (%s)", (build) => {
  const target = () => kernelTarget({ build })
    .process({ pid: 0x1a4, name: "app.exe" })
    .thread({ tid: 0x1a8, suspendCount: 2, state: "Waiting", waitReason: "Suspended" })
    .thread({ tid: 0x1ac })
    .thread({ tid: 0x1b0, frozen: true })
    .process({ pid: 0x2c0, name: "debuggee.exe", debugPort: true })
    .thread({ tid: 0x2c4, suspendCount: 1 }).thread({ tid: 0x2c8, state: "Waiting", waitReason: "WrSuspended" })
    .process({ pid: 0x300, name: "stopped.exe" })
    .thread({ tid: 0x304, suspendCount: 1 })
    .build();

  it("reads KTHREAD suspend and freeze counts, and names whole-process suspensions", () => {
    const { rows, summary } = suspended(target().spec);
    const thread = rows.find((r) => r.Thread === 0x1a8)!;
    expect([thread.SuspendCount, thread.Baseline, thread.Frozen, thread.ProcessWide, thread.Process, thread.WaitReason, thread.Verdict])
      .toEqual([2, 0, false, false, "app.exe (0x1a4)", "Suspended", "Positive"]);
    const frozen = rows.find((r) => r.Thread === 0x1b0)!;
    expect([frozen.Frozen, frozen.Verdict, frozen.LikelyCause]).toEqual([true, "Info", "frozen by a debugger (FreezeCount)"]);
    const debuggee = rows.find((r) => r.ProcessWide === true && r.Process === "debuggee.exe (0x2c0)")!;
    expect(debuggee.Verdict).toBe("Info");
    expect(String(debuggee.LikelyCause)).toMatch(/a user-mode debugger is attached \(EPROCESS.DebugPort is set\)/);
    const stopped = rows.find((r) => r.ProcessWide === true && r.Process === "stopped.exe (0x300)")!;
    expect(stopped.Verdict).toBe("Suspicious");
    // Threads of a whole-process suspension are not listed one by one.
    expect(rows.some((r) => r.Thread === 0x2c4 || r.Thread === 0x304)).toBe(false);
    expect(summary).toMatch(/^SuspendedThreads: 1 suspended thread\(s\), 3 other row\(s\) among/);
  });

  it("says the system was frozen by a debugger instead of listing every frozen thread", () => {
    const b = kernelTarget({ build }).process({ pid: 0x1a4, name: "app.exe" });
    for (let i = 0; i < 4; i++) b.thread({ tid: 0x1a8 + i * 4, frozen: true });
    const { rows } = suspended(b.build().spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info", "Negative"]);
    expect(String(rows[0]!.Evidence)).toMatch(/^4 of 5 threads are frozen \(FreezeCount\): the dump was written while a kernel debugger held the system/);
  });

  it("answers Negative when no thread is suspended, and filters by process", () => {
    const { rows } = suspended(emptyKernel({ build }).spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(rows[0]!.Evidence)).toBe("0 suspended threads among 1 live threads of 1 processes (KTHREAD SuspendCount 0, no Suspended waits; !process 0 7)");
    const only = suspended(target().spec, "Debugger.Utility.Ewmda.SuspendedThreads(new { Process = 0x1a4 })").rows;
    expect(only.every((r) => r.Process === undefined || r.Process === "app.exe (0x1a4)")).toBe(true);
  });
});

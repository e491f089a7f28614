import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, type TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { withNoFrames, withRawFrames, withUnreadableStack } from "../mocks/stack-patches";
import { kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function run(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.UniqueStacks()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const NTDLL = {
  NtWaitForSingleObject: 0x9d4c0, NtWaitForWorkViaWorkerFactory: 0x9e500, NtDelayExecution: 0x9d8a0, RtlUserThreadStart: 0x5aa40,
  TppWorkerThread: 0x30000, RtlpWaitOnCriticalSection: 0x20000, RtlEnterCriticalSection: 0x21000,
};
const MAIN = ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!main+0x20", "ntdll!RtlUserThreadStart+0x21"];
const POOL = ["ntdll!NtWaitForWorkViaWorkerFactory+0x14", "ntdll!TppWorkerThread+0x2f0", "ntdll!RtlUserThreadStart+0x21"];
const LOCKED = ["ntdll!NtWaitForSingleObject+0x14", "ntdll!RtlpWaitOnCriticalSection+0x10", "ntdll!RtlEnterCriticalSection+0x40", "app!worker+0x20", "ntdll!RtlUserThreadStart+0x21"];

/** Normalized frames: the symbol without its offset. */
function normalized(frames: readonly string[]): string {
  return frames.map((f) => f.slice(0, f.lastIndexOf("+"))).join("\n");
}

function base(): UserTargetBuilder {
  return userTarget().module({ name: "ntdll.dll", symbols: NTDLL });
}

/** One main thread, three idle pool workers, two threads waiting for a critical section. */
function server() {
  return base()
    .thread({ tid: 0x1a4, frames: MAIN })
    .thread({ tid: 0x2b0, frames: POOL })
    .thread({ tid: 0x3c4, frames: LOCKED })
    .thread({ tid: 0x4d8, frames: POOL })
    .thread({ tid: 0x5ec, frames: LOCKED })
    .thread({ tid: 0x600, frames: POOL })
    .build();
}

describe("UniqueStacks: grouping", () => {
  it("groups threads with the same stack, most common first, with ids, wait kind and frames", () => {
    const { rows, summary } = run(server().spec);
    expect(rows.map((r) => [r.Count, r.Threads, r.Wait, r.TopFrame, r.FrameCount])).toEqual([
      [3, "0x2b0, 0x4d8, 0x600", "thread-pool-idle", "ntdll!NtWaitForWorkViaWorkerFactory", 3],
      [2, "0x3c4, 0x5ec", "critical-section", "ntdll!NtWaitForSingleObject", 5],
      [1, "0x1a4", "sync-object", "ntdll!NtWaitForSingleObject", 4],
    ]);
    expect(rows.map((r) => r.Stack)).toEqual([normalized(POOL), normalized(LOCKED), normalized(MAIN)]);
    expect(rows.map((r) => r.FirstThread)).toEqual([0x2b0, 0x3c4, 0x1a4]);
    expect(rows[1]!.WaitReason).toBe("ntdll!RtlpWaitOnCriticalSection");
    expect(rows.every((r) => r.Verdict === "Info" && r.Source === "typed")).toBe(true);
    expect(rows[0]!.Evidence).toBe("~~[0x2b0]kn (the same stack on 2 more threads; !uniqstack)");
    expect(rows[2]!.Evidence).toBe("~~[0x1a4]kn (a stack no other thread has; !uniqstack)");
    expect(summary).toBe("UniqueStacks: 3 distinct stacks among 6 threads (largest: 3 threads in ntdll!NtWaitForWorkViaWorkerFactory)");
  });

  it("puts stacks that differ only in offsets into one group", () => {
    const t = base()
      .thread({ tid: 0x10, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a", "app!worker+0x30"] })
      .thread({ tid: 0x14, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a", "app!worker+0x88"] })
      .build();
    const { rows } = run(t.spec);
    expect(rows.map((r) => [r.Count, r.Threads, r.Wait])).toEqual([[2, "0x10, 0x14", "sleep"]]);
  });

  it("keeps stacks apart when a deeper frame differs, and merges them when MaxFrames stops above it", () => {
    const t = base()
      .thread({ tid: 0x10, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a", "app!worker+0x30"] })
      .thread({ tid: 0x14, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a", "app!main+0x30"] })
      .build();
    expect(run(t.spec).rows.map((r) => r.Threads)).toEqual(["0x10", "0x14"]);
    const merged = run(t.spec, "Debugger.Utility.Ewmda.UniqueStacks(new { MaxFrames = 2 })");
    expect(merged.rows.map((r) => [r.Count, r.Threads, r.FrameCount, r.Stack])).toEqual([[2, "0x10, 0x14", 2, "ntdll!NtDelayExecution\nkernelbase!SleepEx"]]);
    expect(merged.summary).toContain("MaxFrames = 2");
  });

  it("lists the wait kinds of a MaxFrames group whose threads wait differently below the compared frames", () => {
    const t = base()
      .thread({ tid: 0x10, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!worker+0x20"] })
      .thread({ tid: 0x14, frames: LOCKED })
      .thread({ tid: 0x18, frames: LOCKED })
      .build();
    const { rows } = run(t.spec, "Debugger.Utility.Ewmda.UniqueStacks(\"maxframes=1\")");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Count).toBe(3);
    expect(rows[0]!.Wait).toBe("critical-section, sync-object");
    expect(rows[0]!.WaitReason).toBe("critical-section (2), sync-object (1) below the compared frames");
  });

  it("orders groups of equal size by their first thread", () => {
    const t = base()
      .thread({ tid: 0x20, frames: MAIN }).thread({ tid: 0x24, frames: POOL })
      .thread({ tid: 0x28, frames: POOL }).thread({ tid: 0x2c, frames: MAIN })
      .build();
    expect(run(t.spec).rows.map((r) => r.Threads)).toEqual(["0x20, 0x2c", "0x24, 0x28"]);
  });

  it("groups frames without symbols by module and offset", () => {
    const t = userTarget().module({ name: "plugin.dll", symbols: false })
      .thread({ tid: 0x10 }).thread({ tid: 0x14 }).thread({ tid: 0x18 }).build();
    const p = t.at.module("plugin.dll");
    let spec = withRawFrames(t.spec, 0x10, [p + 0x1010n, p + 0x2000n]);
    spec = withRawFrames(spec, 0x14, [p + 0x1010n, p + 0x2000n]);
    spec = withRawFrames(spec, 0x18, [p + 0x1018n, p + 0x2000n]);
    const { rows } = run(spec);
    expect(rows.map((r) => [r.Count, r.Threads, r.TopFrame, r.Wait])).toEqual([
      [2, "0x10, 0x14", "plugin+0x1010", "unknown"],
      [1, "0x18", "plugin+0x1018", "unknown"],
    ]);
    expect(rows[0]!.WaitReason).toBe("no symbols for the top frame (plugin+0x1010)");
  });

  it("groups x86 stacks", () => {
    const t = userTarget({ arch: "x86" })
      .thread({ tid: 4, frames: ["ntdll!NtDelayExecution+0xc", "kernelbase!SleepEx+0x20"] })
      .thread({ tid: 8, frames: ["ntdll!NtDelayExecution+0xc", "kernelbase!SleepEx+0x20"] })
      .build();
    expect(run(t.spec).rows.map((r) => [r.Count, r.Threads, r.Wait])).toEqual([[2, "0x4, 0x8", "sleep"]]);
  });
});

describe("UniqueStacks: options and missing data", () => {
  it("leaves out threads matching Exclude and keeps only the Threads asked for", () => {
    const t = server();
    const ex = run(t.spec, "Debugger.Utility.Ewmda.UniqueStacks(new { Exclude = \"ntdll!NtWaitForWorkViaWorkerFactory\" })");
    expect(ex.rows.map((r) => r.Threads)).toEqual(["0x3c4, 0x5ec", "0x1a4"]);
    expect(ex.summary).toContain("3 threads left out by Exclude");
    const only = run(t.spec, "Debugger.Utility.Ewmda.UniqueStacks(\"threads=0x1a4,0x600,0x4d8\")");
    expect(only.rows.map((r) => [r.Count, r.Threads])).toEqual([[2, "0x4d8, 0x600"], [1, "0x1a4"]]);
  });

  it("returns one Negative row with the counts when no thread is left", () => {
    const { rows } = run(server().spec, "Debugger.Utility.Ewmda.UniqueStacks(new { Exclude = \"ntdll\" })");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(rows[0]!.Evidence).toBe("0 stacks: 6 threads in the process, 6 selected, 6 left out by Exclude (Exclude = ntdll) (~*kn)");
  });

  it("lists the threads whose stacks cannot be read in one Info row, after the groups", () => {
    let spec = withUnreadableStack(server().spec, 0x2b0, "Unable to unwind");
    spec = withNoFrames(spec, 0x1a4);
    const { rows, summary } = run(spec);
    expect(rows.map((r) => r.Count ?? r.Verdict)).toEqual([2, 2, "Info"]);
    expect(rows[2]!.Evidence).toBe("2 threads have no readable stack: 0x1a4, 0x2b0 (first: thread 0x1a4 has no frames; ~~[0x1a4]kn)");
    expect(summary).toContain("2 distinct stacks among 4 threads");
    expect(summary).toContain("2 stacks unreadable");
  });

  it("names requested threads that do not exist", () => {
    const { rows } = run(server().spec, "Debugger.Utility.Ewmda.UniqueStacks(new { Threads = 0x777 })");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Evidence).toBe("thread 0x777 is not in this process (6 threads: 0x1a4, 0x2b0, 0x3c4, 0x4d8, 0x5ec, 0x600; ~ lists them)");
  });

  it("answers bad options with a message row", () => {
    for (const [arg, text] of [
      ["new { MaxFrames = \"x\" }", "MaxFrames must be a positive integer"],
      ["new { Threads = \"0x1a4;zz\" }", "thread ids are numbers such as 0x1a4 (hex needs 0x), not \"zz\""],
      ["\"frames=3\"", "unknown option \"frames=3\""],
    ] as const) {
      const { rows } = run(server().spec, `Debugger.Utility.Ewmda.UniqueStacks(${arg})`);
      expect(rows.map((r) => r.Verdict), arg).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), arg).toContain(text);
    }
  });

  it("gives the same groups under the other reading of every unconfirmed provider behaviour", () => {
    const t = server();
    expect(run(t.spec, undefined, ALTERNATE_VARIANT).rows).toEqual(run(t.spec).rows);
  });
});

describe("UniqueStacks: cost", () => {
  it("reads each thread's stack once and symbolizes each distinct frame address once", () => {
    let b = base();
    for (let i = 0; i < 60; i++) b = b.thread({ tid: 0x100 + i * 4, frames: i % 3 === 0 ? MAIN : i % 3 === 1 ? POOL : LOCKED });
    const t = b.build();
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.UniqueStacks()"); // the first call also creates @$ewmda
    dbg.counters.reset();
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.UniqueStacks()"));
    expect(rows.map((r) => r.Count)).toEqual([20, 20, 20]);
    const c = dbg.counters.snapshot();
    const distinctAddresses = new Set([...MAIN, ...POOL, ...LOCKED]).size;
    expect(c.symbolLookups).toBe(distinctAddresses);
    expect(c.memoryReads).toBe(0);
    // Per frame: Attributes and InstructionOffset; per thread: Id, Stack, Frames; plus the thread and module lists.
    const frames = 20 * (MAIN.length + POOL.length + LOCKED.length);
    expect(c.propertyReads).toBeLessThanOrEqual(2 * frames + 3 * 60 + 30);
  });
});

describe("UniqueStacks: faces", () => {
  it("prints the groups as a table through !ewmda.uniqstack and !ewmda_uniqstack", () => {
    const { dbg } = loadEwmda(server().spec);
    const dotted = dbg.execute("!ewmda.uniqstack");
    expect(dbg.execute("!ewmda_uniqstack")).toEqual(dotted);
    expect(dotted[1]).toMatch(/^Count +Threads +Wait +TopFrame +FrameCount +Verdict$/);
    expect(dotted).toMatchSnapshot();
  });

  it("shows a group as count, wait kind, top frame and threads, and its frames through Stack", () => {
    const { dbg } = loadEwmda(server().spec);
    expect(String(dbg.dx("Debugger.Utility.Ewmda.UniqueStacks()[1]"))).toBe("2 threads  critical-section  ntdll!NtWaitForSingleObject  (0x3c4, 0x5ec)");
    expect(dbg.dx("Debugger.Utility.Ewmda.UniqueStacks()[2].Stack")).toBe(normalized(MAIN));
    expect(dbg.dx("Debugger.Utility.Ewmda.UniqueStacks().Where(g => g.Wait == \"critical-section\").Count()")).toBe(1);
  });
});

/** Two processes besides System (its one thread is in KeBugCheckEx); app.exe's two threads share a stack. */
const kernelChain = (build: KernelBuild) => kernelTarget({ build })
  .driver({ name: "mydrv.sys", symbols: { Worker: 0x1000 } })
  .process({ pid: 0x1a4, name: "app.exe" })
  .thread({ tid: 0x1a8, state: "Waiting", waitReason: "UserRequest", frames: ["nt!KiSwapContext+0x76", "nt!KeWaitForSingleObject+0x40", "mydrv!Worker+0x40"] })
  .thread({ tid: 0x1ac, state: "Waiting", waitReason: "UserRequest", frames: ["nt!KiSwapContext+0x76", "nt!KeWaitForSingleObject+0x40", "mydrv!Worker+0x40"] })
  .process({ pid: 0x2c0, name: "other.exe" })
  .thread({ tid: 0x2c4, state: "Waiting", waitReason: "DelayExecution", frames: ["nt!KiSwapContext+0x76", "nt!KeDelayExecutionThread+0x10"] })
  .build();

describe.each(["win10-1607", "win11-22h2"] as KernelBuild[])("UniqueStacks on a kernel target (%s)", (build) => {
  it("groups the threads of every process, each group naming its processes", () => {
    const t = kernelChain(build);
    const { rows, summary } = run(t.spec);
    expect(rows.map((r) => [r.Count, r.Threads, r.Processes, r.TopFrame])).toEqual([
      [2, "0x1a8, 0x1ac", "app.exe (0x1a4) x2", "nt!KiSwapContext"],
      [1, "0x1000", "System (0x4)", "nt!KeBugCheckEx"],
      [1, "0x2c4", "other.exe (0x2c0)", "nt!KiSwapContext"],
    ]);
    expect(String(rows[0]!.Evidence)).toMatch(/^!thread ffffa000`[0-9a-f]{8} 17 \(the same stack on 1 more threads; !stacks\)$/);
    expect(summary).toBe("UniqueStacks: 3 distinct stacks among 4 threads (largest: 2 threads in nt!KiSwapContext)");
  });

  it("narrows by Process and Module, merging stacks across processes with MaxFrames; Negative when nothing is selected", () => {
    const t = kernelChain(build);
    const merged = run(t.spec, 'Debugger.Utility.Ewmda.UniqueStacks("process=*.exe maxframes=1")').rows;
    expect(merged.map((r) => [r.Count, r.Processes])).toEqual([[3, "app.exe (0x1a4) x2, other.exe (0x2c0)"]]);
    const mod = run(t.spec, 'Debugger.Utility.Ewmda.UniqueStacks(new { Module = "mydrv" })').rows;
    expect(mod.filter((r) => r.Count !== undefined).map((r) => r.Threads)).toEqual(["0x1a8, 0x1ac"]);
    const none = run(t.spec, "Debugger.Utility.Ewmda.UniqueStacks(new { Process = 0x999 })").rows;
    expect(none.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(none[0]!.Evidence).toBe("0 stacks: 0 threads in 0 processes (process 0x999), 0 selected (!stacks)");
  });
});

describe("UniqueStacks on a user-mode target", () => {
  it("does not take the kernel predicates", () => {
    const { rows } = run(userTarget().thread({ tid: 0x1a4 }).build().spec, 'Debugger.Utility.Ewmda.UniqueStacks("module=ntdll")');
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(rows[0]!.Evidence)).toMatch(/^unknown option "module=ntdll"/);
  });
});

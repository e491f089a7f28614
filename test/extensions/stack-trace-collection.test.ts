import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, type TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { withNoFrames, withRawFrames, withUnreadableStack } from "../mocks/stack-patches";
import { kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function run(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.StackTraceCollection()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const NTDLL = {
  NtWaitForSingleObject: 0x9d4c0, NtWaitForWorkViaWorkerFactory: 0x9e500, NtDelayExecution: 0x9d8a0, RtlUserThreadStart: 0x5aa40,
  TppWorkerThread: 0x30000,
};
const MAIN = ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!main+0x20", "kernel32!BaseThreadInitThunk+0x14", "ntdll!RtlUserThreadStart+0x21"];
const POOL = ["ntdll!NtWaitForWorkViaWorkerFactory+0x14", "ntdll!TppWorkerThread+0x2f0", "kernel32!BaseThreadInitThunk+0x14", "ntdll!RtlUserThreadStart+0x21"];

/** A main thread (named), two idle pool workers and a sleeping worker. */
function threeKinds() {
  return userTarget().module({ name: "ntdll.dll", symbols: NTDLL })
    .thread({ tid: 0x1a4, name: "main", frames: MAIN })
    .thread({ tid: 0x2b0, frames: POOL })
    .thread({ tid: 0x3c4, frames: POOL })
    .thread({ tid: 0x4d8, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a", "app!worker+0x30", "ntdll!RtlUserThreadStart+0x21"] })
    .build();
}

describe("StackTraceCollection: the collection", () => {
  it("gives one row per frame of every thread, in thread and frame order", () => {
    const t = threeKinds();
    const { rows, summary } = run(t.spec);
    expect(rows.map((r) => [r.Thread, r.Frame])).toEqual([
      [0x1a4, 0], [0x1a4, 1], [0x1a4, 2], [0x1a4, 3], [0x1a4, 4],
      [0x2b0, 0], [0x2b0, 1], [0x2b0, 2], [0x2b0, 3],
      [0x3c4, 0], [0x3c4, 1], [0x3c4, 2], [0x3c4, 3],
      [0x4d8, 0], [0x4d8, 1], [0x4d8, 2], [0x4d8, 3],
    ]);
    expect(rows.filter((r) => r.Thread === 0x1a4).map((r) => r.Symbol)).toEqual(MAIN);
    expect(rows.every((r) => r.Verdict === "Info" && r.Source === "typed")).toBe(true);
    expect(summary).toBe("StackTraceCollection: 17 frames of 4 threads (4 threads in the process)");
  });

  it("splits each frame into module, function, instruction address and return address, like k", () => {
    const t = threeKinds();
    const main = run(t.spec).rows.filter((r) => r.Thread === 0x1a4);
    const r0 = main[0]!;
    expect(r0.Module).toBe("ntdll.dll");
    expect(r0.Function).toBe("NtWaitForSingleObject");
    expect(r0.ThreadName).toBe("main");
    expect(big(r0.IP)).toBe(t.at.symbol("ntdll!NtWaitForSingleObject", 0x14));
    expect(big(r0.ChildSP)).toBe(t.at.stackPointer(0x1a4));
    // RetAddr of frame n is where frame n+1 executes; the last frame returns nowhere known.
    expect(big(r0.ReturnAddress)).toBe(t.at.symbol("kernelbase!WaitForSingleObjectEx", 0x8e));
    expect(big(main[2]!.ReturnAddress)).toBe(t.at.symbol("kernel32!BaseThreadInitThunk", 0x14));
    expect(main[4]!.ReturnAddress).toBeUndefined();
    expect(main.map((r) => r.Module)).toEqual(["ntdll.dll", "kernelbase.dll", "app.exe", "kernel32.dll", "ntdll.dll"]);
    expect(main.map((r) => r.Function)).toEqual(["NtWaitForSingleObject", "WaitForSingleObjectEx", "main", "BaseThreadInitThunk", "RtlUserThreadStart"]);
    const sps = main.map((r) => big(r.ChildSP));
    for (let i = 1; i < sps.length; i++) expect(sps[i]! > sps[i - 1]!).toBe(true);
    expect(String(r0.Evidence)).toBe("~~[0x1a4]kn frame 00; ln 00007ff8`" + (t.at.symbol("ntdll!NtWaitForSingleObject", 0x14) & 0xffffffffn).toString(16).padStart(8, "0"));
  });

  it("lets dx filter the frames by module and function", () => {
    const t = threeKinds();
    const { dbg } = loadEwmda(t.spec);
    const n = dbg.dx("Debugger.Utility.Ewmda.StackTraceCollection().Where(f => f.Module == \"app.exe\").Count()");
    expect(n).toBe(2);
    const threads = rowsOf(dbg.dx("Debugger.Utility.Ewmda.StackTraceCollection().Where(f => f.Symbol.Contains(\"TppWorkerThread\"))")).map((r) => r.Thread);
    expect(threads).toEqual([0x2b0, 0x3c4]);
  });
});

describe("StackTraceCollection: options", () => {
  it("keeps only the threads asked for, as a string, a number or an object", () => {
    const t = threeKinds();
    for (const expr of [
      "Debugger.Utility.Ewmda.StackTraceCollection(\"0x2b0,0x4d8\")",
      "Debugger.Utility.Ewmda.StackTraceCollection(\"threads=0x2b0, 0x4d8\")",
      "Debugger.Utility.Ewmda.StackTraceCollection(new { Threads = \"0x2b0 0n1240\" })",
    ]) {
      const threads = [...new Set(run(t.spec, expr).rows.map((r) => r.Thread))];
      expect(threads, expr).toEqual([0x2b0, 0x4d8]);
    }
    const one = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(0x3c4)");
    expect([...new Set(one.rows.map((r) => r.Thread))]).toEqual([0x3c4]);
    expect(one.summary).toContain("Threads = 0x3c4");
  });

  it("names the requested threads that do not exist, and still lists the others", () => {
    const t = threeKinds();
    const { rows } = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(\"0x999,0x2b0\")");
    expect(rows[0]!.Verdict).toBe("Info");
    expect(rows[0]!.Evidence).toBe("thread 0x999 is not in this process (4 threads: 0x1a4, 0x2b0, 0x3c4, 0x4d8; ~ lists them)");
    expect(rows.slice(1).map((r) => r.Thread)).toEqual([0x2b0, 0x2b0, 0x2b0, 0x2b0]);
  });

  it("cuts every stack to MaxFrames and says on how many threads it did", () => {
    const t = threeKinds();
    const { rows } = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(new { MaxFrames = 2 })");
    const frames = rows.filter((r) => r.Frame !== undefined);
    expect(frames.map((r) => [r.Thread, r.Frame])).toEqual([[0x1a4, 0], [0x1a4, 1], [0x2b0, 0], [0x2b0, 1], [0x3c4, 0], [0x3c4, 1], [0x4d8, 0], [0x4d8, 1]]);
    // Frame 1's return address is still frame 2's address, though frame 2 is not shown.
    expect(big(frames[1]!.ReturnAddress)).toBe(t.at.symbol("app!main", 0x20));
    const last = rows[rows.length - 1]!;
    expect(last.Verdict).toBe("Info");
    expect(last.Evidence).toBe("frames below the top 2 were left out on 4 of 4 threads (MaxFrames)");
  });

  it("leaves out threads with a frame matching an Exclude pattern (function glob or module name)", () => {
    const t = threeKinds();
    const byFunction = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(new { Exclude = \"ntdll!*WorkerFactory\" })");
    expect([...new Set(byFunction.rows.map((r) => r.Thread))]).toEqual([0x1a4, 0x4d8]);
    expect(byFunction.summary).toContain("2 threads left out by Exclude");
    const byModule = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(\"exclude=app\")");
    expect([...new Set(byModule.rows.map((r) => r.Thread))]).toEqual([0x2b0, 0x3c4]);
    const two = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(new { Exclude = \"app.exe,kernelbase!SleepEx\" })");
    expect([...new Set(two.rows.map((r) => r.Thread))]).toEqual([0x2b0, 0x3c4]);
  });

  it("returns one Negative row with the counts when every thread is left out", () => {
    const t = threeKinds();
    const { rows } = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(new { Exclude = \"ntdll!RtlUserThreadStart\" })");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(rows[0]!.Evidence).toBe("0 frames: 4 threads in the process, 4 selected, 4 left out by Exclude (Exclude = ntdll!RtlUserThreadStart) (~*kn)");
  });

  it("answers bad options with a message row, never an exception", () => {
    const t = threeKinds();
    for (const [expr, text] of [
      ["StackTraceCollection(new { MaxFrames = 0 })", "MaxFrames must be a positive integer, not 0"],
      ["StackTraceCollection(\"maxframes=many\")", "MaxFrames must be a positive integer, not many"],
      ["StackTraceCollection(\"1a4\")", "thread ids are numbers such as 0x1a4 (hex needs 0x), not \"1a4\""],
      ["StackTraceCollection(\"sideways=1\")", "unknown option \"sideways=1\""],
      ["StackTraceCollection(new { Exclude = \"\" })", ""],
      ["StackTraceCollection(true)", "options must be an object"],
    ] as const) {
      const { rows, summary } = run(t.spec, "Debugger.Utility.Ewmda." + expr);
      if (text === "") { expect(rows.length).toBeGreaterThan(1); continue; } // an empty Exclude list excludes nothing
      expect(rows.map((r) => r.Verdict), expr).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), expr).toContain(text);
      expect(summary).not.toMatch(/stopped early/);
    }
  });

  it("stops at Config.StackTraceCollection.MaxRows and says how many frames it dropped", () => {
    const t = threeKinds();
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.StackTraceCollection.MaxRows = 5");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.StackTraceCollection()"));
    expect(rows.filter((r) => r.Frame !== undefined)).toHaveLength(5);
    expect(rows[rows.length - 1]!.Evidence).toBe("12 more frames were not kept (Config.StackTraceCollection.MaxRows = 5); narrow with Threads, Exclude or MaxFrames");
  });
});

describe("StackTraceCollection: incomplete data", () => {
  it("gives an Info row for a thread whose stack cannot be read, and lists the others", () => {
    const t = threeKinds();
    const spec = withUnreadableStack(t.spec, 0x2b0, "Unable to unwind");
    const { rows, summary } = run(spec);
    const info = rows.filter((r) => r.Frame === undefined);
    expect(info).toHaveLength(1);
    expect(info[0]!.Verdict).toBe("Info");
    expect(info[0]!.Evidence).toBe("the stack of thread 0x2b0 could not be read: Unable to unwind (~~[0x2b0]kn shows what the debugger can unwind)");
    expect([...new Set(rows.filter((r) => r.Frame !== undefined).map((r) => r.Thread))]).toEqual([0x1a4, 0x3c4, 0x4d8]);
    expect(summary).toContain("1 stacks unreadable");
  });

  it("gives an Info row for a thread with no frames", () => {
    const t = threeKinds();
    const { rows } = run(withNoFrames(t.spec, 0x4d8));
    const info = rows.filter((r) => r.Frame === undefined);
    expect(info.map((r) => r.Evidence)).toEqual(["thread 0x4d8 has no frames: the debugger could not unwind it (~~[0x4d8]kn; RawStack shows the raw stack)"]);
  });

  it("shows frames without symbols as module+offset, with the function marked not available", () => {
    const t = userTarget().module({ name: "plugin.dll", symbols: false }).thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14"] }).build();
    const plugin = t.at.module("plugin.dll");
    const spec = withRawFrames(t.spec, 0x1a4, [t.at.symbol("ntdll!NtWaitForSingleObject", 0x14), plugin + 0x1010n, plugin + 0x2200n]);
    const rows = run(spec).rows;
    expect(rows.map((r) => r.Symbol)).toEqual(["ntdll!NtWaitForSingleObject+0x14", "plugin+0x1010", "plugin+0x2200"]);
    expect(rows[1]!.Module).toBe("plugin.dll");
    expect(String(rows[1]!.Function)).toBe("<not available>");
    expect((rows[1]!.Function as { reason: string }).reason).toMatch(/^no symbols cover plugin\+0x1010 \(\.reload \/f plugin\.dll/);
  });

  it("marks frames outside every module (JIT code) as having no module", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    const spec = withRawFrames(t.spec, 0x1a4, [0x1d0_0000_1234n, t.at.symbol("ntdll!RtlUserThreadStart", 0x21)]);
    const rows = run(spec).rows;
    expect(rows[0]!.Symbol).toBe("000001d0`00001234");
    expect(String(rows[0]!.Module)).toBe("<not available>");
    expect((rows[0]!.Module as { reason: string }).reason).toMatch(/not inside any loaded module/);
    expect(rows[1]!.Function).toBe("RtlUserThreadStart");
  });

  it("reads x86 stacks with 32-bit addresses", () => {
    const t = userTarget({ arch: "x86" }).thread({ tid: 0x10, frames: ["ntdll!NtDelayExecution+0xc", "kernelbase!SleepEx+0x20", "kernel32!BaseThreadInitThunk+0x19"] }).build();
    const { dbg, rows } = run(t.spec);
    expect(rows.map((r) => r.Symbol)).toEqual(["ntdll!NtDelayExecution+0xc", "kernelbase!SleepEx+0x20", "kernel32!BaseThreadInitThunk+0x19"]);
    expect(big(rows[0]!.ChildSP)).toBe(t.at.stackPointer(0x10));
    const table = dbg.execute("!ewmda.stacks");
    expect(table[2]).toMatch(/^0x10 +0x0 +[0-9a-f]{8} +[0-9a-f]{8} +ntdll!NtDelayExecution\+0xc +Info$/);
  });

  it("gives the same rows under the other reading of every unconfirmed provider behaviour", () => {
    const t = threeKinds();
    const simplify = (rows: Row[]) => rows.map((r) => ({ ...r, IP: big(r.IP), ChildSP: big(r.ChildSP), ReturnAddress: r.ReturnAddress === undefined ? undefined : big(r.ReturnAddress) }));
    expect(simplify(run(t.spec, undefined, ALTERNATE_VARIANT).rows)).toEqual(simplify(run(t.spec).rows));
  });
});

describe("StackTraceCollection: cost", () => {
  it("reads each frame once and symbolizes each distinct address once", () => {
    let b = userTarget().module({ name: "ntdll.dll", symbols: NTDLL });
    for (let i = 0; i < 40; i++) b = b.thread({ tid: 0x100 + i * 4, frames: i % 2 ? POOL : MAIN });
    const { dbg } = loadEwmda(b.build().spec);
    dbg.dx("Debugger.Utility.Ewmda.StackTraceCollection()"); // the first call also creates @$ewmda
    dbg.counters.reset();
    const frames = 20 * (POOL.length + MAIN.length);
    expect(rowsOf(dbg.dx("Debugger.Utility.Ewmda.StackTraceCollection()"))).toHaveLength(frames);
    const c = dbg.counters.snapshot();
    expect(c.symbolLookups).toBe(new Set([...POOL, ...MAIN]).size);
    expect(c.memoryReads).toBe(0);
    // Per frame: Attributes, InstructionOffset, StackOffset; per thread: Id, Name, Stack, Frames; plus the lists.
    expect(c.propertyReads).toBeLessThanOrEqual(3 * frames + 4 * 40 + 30);
  });
});

describe("StackTraceCollection: faces", () => {
  it("prints the frames as a table through !ewmda.stacks and !ewmda_stacks", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: NTDLL }).thread({ tid: 0x1a4, frames: MAIN.slice(0, 3) }).thread({ tid: 0x2b0, frames: POOL.slice(0, 2) }).build();
    const { dbg } = loadEwmda(t.spec);
    const dotted = dbg.execute("!ewmda.stacks");
    expect(dbg.execute("!ewmda_stacks")).toEqual(dotted);
    expect(dotted[0]).toBe("StackTraceCollection: 5 frames of 2 threads (2 threads in the process)");
    expect(dotted[1]).toMatch(/^Thread +Frame +ChildSP +ReturnAddress +Symbol +Verdict$/);
    expect(dotted).toMatchSnapshot();
  });

  it("takes options on the ! command", () => {
    const t = threeKinds();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda.stacks \"threads=0x4d8 maxframes=1\"");
    expect(out[0]).toContain("1 frames of 1 threads");
    expect(out[2]).toContain("ntdll!NtDelayExecution+0x14");
  });

  it("shows each row as thread, frame number and symbol", () => {
    const t = threeKinds();
    const { dbg } = loadEwmda(t.spec);
    expect(String(dbg.dx("Debugger.Utility.Ewmda.StackTraceCollection()[2]"))).toBe("0x1a4 #02 app!main+0x20");
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

describe.each(["win10-1607", "win11-22h2"] as KernelBuild[])("StackTraceCollection on a kernel target (%s)", (build) => {
  it("collects the frames of every process's threads, not only the current process's, each row naming its process", () => {
    const t = kernelChain(build);
    const { rows, summary } = run(t.spec);
    const frames = rows.filter((r) => r.Frame !== undefined);
    expect([...new Set(frames.map((r) => r.Thread))]).toEqual([0x1000, 0x1a8, 0x1ac, 0x2c4]);
    expect([...new Set(frames.map((r) => r.Process))]).toEqual(["System (0x4)", "app.exe (0x1a4)", "other.exe (0x2c0)"]);
    const top = frames.find((r) => r.Thread === 0x2c4 && r.Frame === 1)!;
    expect([top.Symbol, top.Module, top.Function]).toEqual(["nt!KeDelayExecutionThread+0x10", "ntoskrnl.exe", "KeDelayExecutionThread"]);
    expect(String(top.Evidence)).toMatch(/^!thread ffffa000`[0-9a-f]{8} 17 frame 01; ln /);
    expect(summary).toBe("StackTraceCollection: 9 frames of 4 threads (4 threads in 3 processes)");
  });

  it("narrows by Process and Module; says Negative when the predicate selects no thread", () => {
    const t = kernelChain(build);
    const other = run(t.spec, 'Debugger.Utility.Ewmda.StackTraceCollection("process=other*")').rows;
    expect([...new Set(other.map((r) => r.Thread))]).toEqual([0x2c4]);
    const byPid = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(new { Process = 0x1a4, MaxFrames = 1 })").rows;
    expect(byPid.filter((r) => r.Frame !== undefined).map((r) => [r.Thread, r.Symbol])).toEqual([[0x1a8, "nt!KiSwapContext+0x76"], [0x1ac, "nt!KiSwapContext+0x76"]]);
    const mod = run(t.spec, 'Debugger.Utility.Ewmda.StackTraceCollection(new { Module = "mydrv" })').rows;
    expect([...new Set(mod.filter((r) => r.Frame !== undefined).map((r) => r.Thread))]).toEqual([0x1a8, 0x1ac]);
    expect(mod.find((r) => r.Frame === undefined)!.Evidence).toBe("2 thread(s) left out: no frame in module mydrv");
    const none = run(t.spec, 'Debugger.Utility.Ewmda.StackTraceCollection("process=nosuch*")');
    expect(none.rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(none.rows[0]!.Evidence).toBe("0 frames: 0 threads in 0 processes (process nosuch*), 0 selected (!process 0 7)");
  });

  it("refuses a Process that is neither a pid nor a name, and keeps the user-mode options' checks", () => {
    const t = kernelChain(build);
    const bad = run(t.spec, "Debugger.Utility.Ewmda.StackTraceCollection(new { Process = true })").rows;
    expect(bad.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(bad[0]!.Evidence)).toMatch(/^Process must be a pid or an image name/);
    const missing = run(t.spec, 'Debugger.Utility.Ewmda.StackTraceCollection("threads=0x999")').rows;
    expect(missing.map((r) => r.Evidence)).toEqual(["thread 0x999 is not in 3 processes (!process 0 2 lists the threads)"]);
  });
});

describe("StackTraceCollection on a user-mode target", () => {
  it("does not take the kernel predicates", () => {
    const { rows } = run(userTarget().thread({ tid: 0x1a4 }).build().spec, 'Debugger.Utility.Ewmda.StackTraceCollection("process=app*")');
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(rows[0]!.Evidence)).toMatch(/^unknown option "process=app\*"/);
  });
});

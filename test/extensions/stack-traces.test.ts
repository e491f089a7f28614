import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT, type TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { withNoFrames, withRawFrames, withUnreadableStack } from "../mocks/stack-patches";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function run(spec: TargetSpec, args = "", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(`Debugger.Utility.Ewmda.StackTraces(${args})`);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

/** Calls StackTraces from JavaScript, as another script would, with a JS function as the predicate. */
function runWith(spec: TargetSpec, predicate: (stack: StackObject) => unknown, options?: unknown) {
  const { dbg } = loadEwmda(spec);
  const ns = dbg.dx("Debugger.Utility.Ewmda") as { StackTraces(...args: unknown[]): unknown };
  const result = options === undefined ? ns.StackTraces(predicate) : ns.StackTraces(predicate, options);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

interface StackObject {
  Thread: number; ThreadName: string; FrameCount: number; TopFrame: string; Wait: string; Idle: boolean; Stack: string;
  Frames: { Index: number; Module: string; Function: string; Symbol: string; IP: unknown; ChildSP: unknown }[];
}

const NTDLL = {
  NtWaitForSingleObject: 0x9d4c0, NtWaitForWorkViaWorkerFactory: 0x9e500, NtDelayExecution: 0x9d8a0, RtlUserThreadStart: 0x5aa40,
  TppWorkerThread: 0x30000, RtlpWaitOnCriticalSection: 0x20000, RtlEnterCriticalSection: 0x21000,
};
const MAIN = ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!main+0x20", "ntdll!RtlUserThreadStart+0x21"];
const POOL = ["ntdll!NtWaitForWorkViaWorkerFactory+0x14", "ntdll!TppWorkerThread+0x2f0", "ntdll!RtlUserThreadStart+0x21"];
const LOCKED = ["ntdll!NtWaitForSingleObject+0x14", "ntdll!RtlpWaitOnCriticalSection+0x10", "ntdll!RtlEnterCriticalSection+0x40", "app!worker+0x20", "ntdll!RtlUserThreadStart+0x21"];
const SLEEPER = ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a", "app!worker+0x30", "ntdll!RtlUserThreadStart+0x21"];

function process() {
  return userTarget().module({ name: "ntdll.dll", symbols: NTDLL })
    .thread({ tid: 0x1a4, name: "main", frames: MAIN })
    .thread({ tid: 0x2b0, frames: POOL })
    .thread({ tid: 0x3c4, frames: LOCKED })
    .thread({ tid: 0x4d8, frames: SLEEPER })
    .build();
}

describe("StackTraces: a frame pattern", () => {
  it("keeps the threads with a frame matching module!function, at any depth, and says which frame", () => {
    const { rows, summary } = run(process().spec, "\"ntdll!NtWaitFor*\"");
    expect(rows.map((r) => [r.Thread, r.MatchedFrame])).toEqual([
      [0x1a4, "#00 ntdll!NtWaitForSingleObject+0x14"],
      [0x2b0, "#00 ntdll!NtWaitForWorkViaWorkerFactory+0x14"],
      [0x3c4, "#00 ntdll!NtWaitForSingleObject+0x14"],
    ]);
    const deep = run(process().spec, "\"app!worker\"").rows;
    expect(deep.map((r) => [r.Thread, r.MatchedFrame])).toEqual([[0x3c4, "#03 app!worker+0x20"], [0x4d8, "#02 app!worker+0x30"]]);
    expect(summary).toBe("StackTraces: 3 of 4 threads match Frame = ntdll!NtWaitFor*; 4 threads in the process");
  });

  it("fills the row with the thread's stack, wait kind and the evidence to check it", () => {
    const r = run(process().spec, "\"kernelbase!WaitForSingleObjectEx\"").rows[0]!;
    expect(r.Thread).toBe(0x1a4);
    expect(r.ThreadName).toBe("main");
    expect(r.FrameCount).toBe(4);
    expect(r.TopFrame).toBe("ntdll!NtWaitForSingleObject+0x14");
    expect(r.Wait).toBe("sync-object");
    expect(r.WaitReason).toBe("ntdll!NtWaitForSingleObject");
    expect(r.Stack).toBe(MAIN.join("\n"));
    expect(r.MatchedBy).toBe("Frame kernelbase!WaitForSingleObjectEx at #01");
    expect(r.Evidence).toBe("~~[0x1a4]kn frame 01 is kernelbase!WaitForSingleObjectEx+0x8e");
    expect(r.Verdict).toBe("Info");
    expect(r.Source).toBe("typed");
  });

  it("returns one Negative row, with the classic command, when no thread matches", () => {
    const { rows } = run(process().spec, "\"user32!*\"");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(rows[0]!.Evidence).toBe("0 of 4 threads match Frame = user32!*; 4 threads in the process (!findstack user32!* 2)");
  });

  it("matches a module name alone, and frames without symbols by module+offset", () => {
    const t = userTarget().module({ name: "plugin.dll", symbols: false }).thread({ tid: 0x10 }).thread({ tid: 0x14 }).build();
    const p = t.at.module("plugin.dll");
    const spec = withRawFrames(t.spec, 0x14, [t.at.symbol("ntdll!NtWaitForSingleObject", 0x14), p + 0x1010n]);
    expect(run(spec, "\"plugin\"").rows.map((r) => [r.Thread, r.MatchedFrame])).toEqual([[0x14, "#01 plugin+0x1010"]]);
    expect(run(spec, "\"plugin.dll\"").rows.map((r) => r.Thread)).toEqual([0x14]);
    expect(run(spec, "\"plugin+0x10*\"").rows.map((r) => r.Thread)).toEqual([0x14]);
    // A function pattern needs symbols: the frame has none.
    expect(run(spec, "\"plugin!Entry*\"").rows.map((r) => r.Verdict)).toEqual(["Negative"]);
  });

  it("takes Threads, Exclude and MaxFrames as a second argument", () => {
    const { rows, summary } = run(process().spec, "\"app!*\", new { MaxFrames = 2, Exclude = \"kernelbase!SleepEx\" }");
    expect(rows.map((r) => r.Thread)).toEqual([0x1a4, 0x3c4]);
    expect(rows[1]!.FrameCount).toBe(5);
    expect(rows[1]!.Stack).toBe(LOCKED.slice(0, 2).join("\n") + "\n... 3 more frames");
    expect(summary).toContain("1 left out by Exclude");
  });
});

describe("StackTraces: clauses", () => {
  it("needs Module and Function on the same frame", () => {
    // 0x4d8 has kernelbase!SleepEx and ntdll frames, but no ntdll function containing "Wait".
    const { rows } = run(process().spec, "new { Module = \"ntdll\", Function = \"*Wait*\" }");
    expect(rows.map((r) => [r.Thread, r.MatchedFrame])).toEqual([
      [0x1a4, "#00 ntdll!NtWaitForSingleObject+0x14"],
      [0x2b0, "#00 ntdll!NtWaitForWorkViaWorkerFactory+0x14"],
      [0x3c4, "#00 ntdll!NtWaitForSingleObject+0x14"],
    ]);
    const kernelbase = run(process().spec, "new { Module = \"kernelbase.dll\", Function = \"Sleep*\" }").rows;
    expect(kernelbase.map((r) => [r.Thread, r.MatchedBy])).toEqual([[0x4d8, "Module kernelbase.dll and Function Sleep* at #01"]]);
  });

  it("combines clauses: all of them must hold", () => {
    const spec = process().spec;
    const both = run(spec, "new { Module = \"ntdll\", Function = \"*Wait*\", Threads = \"0x1a4,0x2b0,0x3c4\", Wait = \"critical-section\" }");
    expect(both.rows.map((r) => [r.Thread, r.Wait, r.MatchedBy])).toEqual([
      [0x3c4, "critical-section", "Module ntdll and Function *Wait* at #00; Wait critical-section (ntdll!RtlpWaitOnCriticalSection)"],
    ]);
    const none = run(spec, "new { Function = \"main\", Wait = \"critical-section\" }");
    expect(none.rows.map((r) => r.Verdict)).toEqual(["Negative"]);
  });

  it("selects by wait kind, and by the idle kinds together", () => {
    const spec = process().spec;
    expect(run(spec, "\"wait=sleep\"").rows.map((r) => [r.Thread, r.MatchedFrame])).toEqual([[0x4d8, "#00 ntdll!NtDelayExecution+0x14"]]);
    expect(run(spec, "new { Wait = \"sync-object, critical-section\" }").rows.map((r) => r.Thread)).toEqual([0x1a4, 0x3c4]);
    expect(run(spec, "\"wait=idle\"").rows.map((r) => [r.Thread, r.Wait])).toEqual([[0x2b0, "thread-pool-idle"]]);
  });

  it("matches TopFrame against frame 0 only", () => {
    const spec = process().spec;
    expect(run(spec, "new { TopFrame = \"ntdll!NtWaitForSingleObject\" }").rows.map((r) => r.Thread)).toEqual([0x1a4, 0x3c4]);
    expect(run(spec, "new { TopFrame = \"app!*\" }").rows.map((r) => r.Verdict)).toEqual(["Negative"]);
  });

  it("lists every thread, one row each, without a predicate", () => {
    const { rows, summary } = run(process().spec);
    expect(rows.map((r) => [r.Thread, r.MatchedBy])).toEqual([
      [0x1a4, "no predicate: every thread"], [0x2b0, "no predicate: every thread"], [0x3c4, "no predicate: every thread"], [0x4d8, "no predicate: every thread"],
    ]);
    expect(rows[0]!.MatchedFrame).toBeUndefined();
    expect(summary).toContain("4 of 4 threads match no predicate (every thread)");
  });

  it("answers bad predicates with a message row, never an exception", () => {
    const spec = process().spec;
    for (const [args, text] of [
      ["new { Wait = \"stuck\" }", "unknown wait kind \"stuck\" (kinds: critical-section, srw-lock"],
      ["new { Modul = \"ntdll\" }", "the predicate object has none of Frame, Module, Function, TopFrame, Wait, Threads, MaxFrames, Exclude"],
      ["new { Module = \"ntdll!Nt*\" }", "Module is a module name such as ntdll or ntdll.dll, not \"ntdll!Nt*\""],
      ["\"modul=ntdll\"", "unknown option \"modul=ntdll\""],
      ["\"app!*\", \"deep=1\"", "options: unknown option \"deep=1\""],
      ["true", "options must be an object"],
    ] as const) {
      const { rows } = run(spec, args);
      expect(rows.map((r) => r.Verdict), args).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), args).toContain(text);
    }
  });
});

describe("StackTraces: a predicate function", () => {
  it("takes a dx lambda over the stack object", () => {
    const spec = process().spec;
    const byFrame = run(spec, "s => s.Frames.Any(f => f.Function == \"worker\") && s.Wait != \"sleep\"");
    expect(byFrame.rows.map((r) => [r.Thread, r.MatchedBy])).toEqual([[0x3c4, "predicate function"]]);
    expect(byFrame.summary).toContain("1 of 4 threads match the predicate function");
    expect(run(spec, "s => s.Thread == 0x2b0 || s.ThreadName == \"main\"").rows.map((r) => r.Thread)).toEqual([0x1a4, 0x2b0]);
    expect(run(spec, "s => s.Frames.Any(f => f.Module == \"app.exe\") && s.FrameCount > 4").rows.map((r) => r.Thread)).toEqual([0x3c4]);
    expect(run(spec, "s => s.Idle").rows.map((r) => r.Thread)).toEqual([0x2b0]);
  });

  it("gives the function one object per thread with the frames split into module, function and symbol", () => {
    const t = process();
    const seen: StackObject[] = [];
    runWith(t.spec, (s) => { seen.push(s); return false; });
    expect(seen.map((s) => s.Thread)).toEqual([0x1a4, 0x2b0, 0x3c4, 0x4d8]);
    const main = seen[0]!;
    expect(main.ThreadName).toBe("main");
    expect(main.Wait).toBe("sync-object");
    expect(main.Idle).toBe(false);
    expect(main.TopFrame).toBe(MAIN[0]);
    expect(main.Stack).toBe(MAIN.join("\n"));
    expect(main.Frames.map((f) => [f.Index, f.Module, f.Function, f.Symbol])).toEqual([
      [0, "ntdll.dll", "NtWaitForSingleObject", MAIN[0]],
      [1, "kernelbase.dll", "WaitForSingleObjectEx", MAIN[1]],
      [2, "app.exe", "main", MAIN[2]],
      [3, "ntdll.dll", "RtlUserThreadStart", MAIN[3]],
    ]);
    expect((main.Frames[2]!.IP as { bits: bigint }).bits).toBe(t.at.symbol("app!main", 0x20));
    expect((main.Frames[0]!.ChildSP as { bits: bigint }).bits).toBe(t.at.stackPointer(0x1a4));
    expect(seen[1]!.ThreadName).toBe("");
  });

  it("turns an exception thrown by the function into an Info row naming the thread, and goes on", () => {
    const { rows, summary } = runWith(process().spec, (s) => {
      if (s.Thread === 0x2b0) throw new Error("no such field");
      return s.Wait === "thread-pool-idle" || s.Thread === 0x4d8;
    });
    expect(rows.map((r) => [r.Thread ?? "", r.Verdict, r.Thread === undefined ? r.Evidence : ""])).toEqual([
      ["", "Info", "the predicate threw on thread 0x2b0: no such field; the thread is left out"],
      [0x4d8, "Info", ""],
    ]);
    expect(summary).toContain("the predicate threw on 1");
  });

  it("keeps a few error rows and counts the rest when the function throws on every thread", () => {
    let b = userTarget();
    for (let i = 0; i < 14; i++) b = b.thread({ tid: 0x100 + i * 4 });
    const { rows } = runWith(b.build().spec, () => { throw new TypeError("broken"); });
    expect(rows).toHaveLength(11);
    expect(rows.slice(0, 10).every((r) => /^the predicate threw on thread 0x[0-9a-f]+: broken/.test(String(r.Evidence)))).toBe(true);
    expect(rows[10]!.Evidence).toBe("the predicate threw on 4 more threads (Config.StackTraces.MaxPredicateErrors = 10)");
  });

  it("applies Threads and MaxFrames given beside a function", () => {
    const seen: StackObject[] = [];
    const { rows } = runWith(process().spec, (s) => { seen.push(s); return true; }, "threads=0x3c4 maxframes=2");
    expect(seen.map((s) => [s.Thread, s.FrameCount, s.Frames.length, s.Stack])).toEqual([[0x3c4, 5, 5, LOCKED.slice(0, 2).join("\n")]]);
    expect(rows.map((r) => r.Thread)).toEqual([0x3c4]);
  });
});

describe("StackTraces: incomplete data", () => {
  it("does not test threads whose stack cannot be read, and says so for each", () => {
    let spec = withUnreadableStack(process().spec, 0x1a4, "Unable to unwind");
    spec = withNoFrames(spec, 0x4d8);
    const { rows, summary } = run(spec, "\"ntdll!*\"");
    expect(rows.map((r) => r.Thread ?? r.Evidence)).toEqual([
      "the stack of thread 0x1a4 could not be read: Unable to unwind; not tested against Frame = ntdll!* (~~[0x1a4]kn)",
      0x2b0, 0x3c4,
      "thread 0x4d8 has no frames; not tested against Frame = ntdll!* (~~[0x4d8]kn)",
    ]);
    expect(summary).toContain("2 of 2 threads match");
    expect(summary).toContain("2 stacks unreadable");
  });

  it("matches x86 stacks", () => {
    const t = userTarget({ arch: "x86" })
      .thread({ tid: 4, frames: ["ntdll!NtDelayExecution+0xc", "kernelbase!SleepEx+0x20"] })
      .thread({ tid: 8, frames: ["ntdll!NtWaitForSingleObject+0xc", "kernelbase!WaitForSingleObjectEx+0x40"] })
      .build();
    expect(run(t.spec, "\"kernelbase!Sleep*\"").rows.map((r) => [r.Thread, r.MatchedFrame, r.Wait])).toEqual([[4, "#01 kernelbase!SleepEx+0x20", "sleep"]]);
  });

  it("gives the same rows under the other reading of every unconfirmed provider behaviour", () => {
    const spec = process().spec;
    expect(run(spec, "\"ntdll!*Wait*\"", ALTERNATE_VARIANT).rows).toEqual(run(spec, "\"ntdll!*Wait*\"").rows);
  });
});

describe("StackTraces: cost", () => {
  it("reads each stack once, symbolizes each distinct address once, and reads no stack pointer it does not show", () => {
    let b = userTarget().module({ name: "ntdll.dll", symbols: NTDLL });
    for (let i = 0; i < 40; i++) b = b.thread({ tid: 0x100 + i * 4, frames: i % 2 ? POOL : LOCKED });
    const { dbg } = loadEwmda(b.build().spec);
    const frames = 20 * (POOL.length + LOCKED.length);
    const distinct = new Set([...POOL, ...LOCKED]).size;
    for (const expr of ["Debugger.Utility.Ewmda.StackTraces(\"ntdll!RtlEnterCriticalSection\")", "Debugger.Utility.Ewmda.StackTraces(s => s.Wait == \"critical-section\")"]) {
      dbg.dx(expr); // the first call also creates @$ewmda
      dbg.counters.reset();
      expect(rowsOf(dbg.dx(expr)), expr).toHaveLength(20);
      const c = dbg.counters.snapshot();
      expect(c.symbolLookups, expr).toBe(distinct);
      // Per frame: Attributes and InstructionOffset; per thread: Id, Stack, Frames (and Name for the 20 rows).
      expect(c.propertyReads, expr).toBeLessThanOrEqual(2 * frames + 4 * 40 + 30);
    }
  });
});

describe("StackTraces: faces", () => {
  it("prints the matching threads through !ewmda.stacktraces and !ewmda_stacktraces", () => {
    const { dbg } = loadEwmda(process().spec);
    const dotted = dbg.execute("!ewmda.stacktraces \"ntdll!RtlEnterCriticalSection\"");
    expect(dbg.execute("!ewmda_stacktraces \"ntdll!RtlEnterCriticalSection\"")).toEqual(dotted);
    expect(dotted[1]).toMatch(/^Thread +FrameCount +TopFrame +MatchedFrame +Wait +Verdict$/);
    expect(dotted).toMatchSnapshot();
  });

  it("takes clauses on the ! command", () => {
    const { dbg } = loadEwmda(process().spec);
    const out = dbg.execute("!ewmda.stacktraces \"wait=critical-section,sleep\"");
    expect(out.slice(2).map((l) => l.slice(0, 5))).toEqual(["0x3c4", "0x4d8"]);
  });

  it("shows each row as thread, wait kind and matched frame", () => {
    const { dbg } = loadEwmda(process().spec);
    expect(String(dbg.dx("Debugger.Utility.Ewmda.StackTraces(\"app!worker\")[0]"))).toBe("0x3c4  critical-section  #03 app!worker+0x20");
  });
});

import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { fieldOffset, lmLines, pointers, withCommands } from "../mocks/memory-target";
import { ret, sym, userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function residue(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.ExecutionResidue()") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const summaries = (rows: Row[]) => rows.filter((r) => r.Kind === "Summary");
const NTDLL = { NtWaitForSingleObject: 0x9d4c0, KiUserExceptionDispatcher: 0xa0c20, RtlDispatchException: 0x27940, NtDelayExecution: 0x9d8a0, RtlUserThreadStart: 0x5aa40 };

/** ntdll and plugin.dll with their code in the dump, so return addresses can be verified. */
function base(): UserTargetBuilder {
  return userTarget()
    .module({ name: "ntdll.dll", code: true, symbols: NTDLL })
    .module({ name: "plugin.dll", code: true, symbols: { Work: 0x1200, Helper: 0x1800 } });
}

describe("ExecutionResidue: what it finds", () => {
  it("finds exception dispatching and a module that left the live stack in the dead residue", () => {
    const t = base().thread({
      tid: 0x1a4,
      frames: ["ntdll!NtWaitForSingleObject+0x14", "kernel32!BaseThreadInitThunk+0x14"],
      stack: [ret("ntdll!NtWaitForSingleObject", 0x14)],
      residue: [ret("plugin!Work", 0x30), ret("ntdll!KiUserExceptionDispatcher", 0x2e), ret("ntdll!RtlDispatchException", 0x1c4)],
    }).build();
    const { rows, summary } = residue(t.spec);
    const s = summaries(rows);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({
      Thread: 0x1a4, Stack: "native", Verdict: "Positive",
      ModulesInResidue: "ntdll (3), plugin (1)",
      ModulesNotLive: "plugin (1 verified)",
      // Ascending addresses: the deepest (last pushed, lowest) first, like k.
      PastCalls: "ntdll!RtlDispatchException+0x1c4 | ntdll!KiUserExceptionDispatcher+0x2e | plugin!Work+0x30",
      ExceptionHints: "ntdll!RtlDispatchException+0x1c4, ntdll!KiUserExceptionDispatcher+0x2e",
    });
    expect(String(s[0]!.Evidence)).toMatch(/^thread 0x1a4 native stack: exception dispatching not on the live stack: ntdll!RtlDispatchException\+0x1c4, ntdll!KiUserExceptionDispatcher\+0x2e; verified calls into modules not on the live stack: plugin \(dps 000000e8`000ffbe8 L1; dpS /);
    expect(rows.some((r) => r.Verdict === "Negative")).toBe(false);
    expect(summary).toContain("1 of 1 stacks with residue absent from the live stack");
  });

  it("does not count a dispatch function that is on the live stack", () => {
    const t = base().thread({
      tid: 0x1a4,
      frames: ["ntdll!NtWaitForSingleObject+0x14", "ntdll!KiUserExceptionDispatcher+0x2e", "kernel32!BaseThreadInitThunk+0x14"],
      stack: [ret("ntdll!NtWaitForSingleObject", 0x14), ret("ntdll!KiUserExceptionDispatcher", 0x2e)],
    }).build();
    const s = summaries(residue(t.spec).rows);
    expect(s[0]).toMatchObject({ Verdict: "Info", ExceptionHints: "", ModulesNotLive: "" });
  });

  it("judges a live return address between walked frames, but not one above the outermost walked frame", () => {
    // plugin!Work is at sp+0x10: inside frame 0 when the walk found a frame at sp+0x40, beyond the walk when it found only frame 0.
    const make = (frames: string[]) => base().thread({
      tid: 0x1a4, frames, stack: [ret("ntdll!NtWaitForSingleObject", 0x14), 0n, ret("plugin!Work", 0x30)],
    }).build();
    const between = summaries(residue(make(["ntdll!NtWaitForSingleObject+0x14", "kernel32!BaseThreadInitThunk+0x14"]).spec).rows)[0]!;
    expect(between).toMatchObject({ Verdict: "Positive", ModulesNotLive: "plugin (1 verified)" });
    const { rows, summary } = residue(make(["ntdll!NtWaitForSingleObject+0x14"]).spec);
    const beyond = summaries(rows)[0]!;
    expect(beyond).toMatchObject({ Verdict: "Info", ModulesNotLive: "", ModulesInResidue: "ntdll (1), plugin (1)" });
    expect(String(beyond.Evidence)).toContain("; 1 return addresses above the outermost walked frame not judged (the walk may have stopped early)");
    expect(summary).toContain("0 of 1 stacks");
  });

  it("says how many slots were not in the dump in the Negative row", () => {
    const t = base().thread({ tid: 0x1a4, stackSize: 0x2000, unreadable: [{ offset: 0, size: 0x1000 }] }).build();
    const { rows, summary } = residue(t.spec);
    expect(rows.find((r) => r.Verdict === "Negative")!.Evidence).toMatch(/ \(1024 slots, 512 not in the dump\)$/);
    expect(summary).toContain("1024 slots scanned (512 not in the dump)");
    const whole = residue(base().thread({ tid: 0x1a4, stackSize: 0x2000 }).build().spec);
    expect(whole.rows.find((r) => r.Verdict === "Negative")!.Evidence).toMatch(/ \(1024 slots\)$/);
  });

  it("ignores coincidental code pointers (no call before them) and marks unverifiable ones", () => {
    const t = base().thread({
      tid: 0x1a4,
      stack: [ret("ntdll!NtWaitForSingleObject", 0x14)],
      residue: [sym("plugin!Helper", 0x10), sym("ntdll!KiUserExceptionDispatcher", 0x8), ret("kernelbase!SleepEx", 0x20)],
    }).build();
    const { rows } = residue(t.spec);
    const s = summaries(rows)[0]!;
    // plugin and the dispatcher are disproved (their code is in the dump, no call); kernelbase's code is not in the dump.
    expect(s).toMatchObject({ Verdict: "Info", ExceptionHints: "", ModulesNotLive: "kernelbase (1 unverifiable)", PastCalls: "kernelbase!SleepEx+0x20?" });
    expect(s.ModulesInResidue).toBe("ntdll (2), kernelbase (1), plugin (1)");
    const negative = rows.find((r) => r.Verdict === "Negative")!;
    expect(negative.Evidence).toBe("0 stacks with residue absent from their live stacks (exception dispatching, unloaded modules, verified calls into other modules) among 1 stacks of 1 threads (2048 slots)");
  });

  it("lists the notable slots of one thread, live and dead, with strings and status codes", () => {
    const t = base().thread({
      tid: 0x1a4,
      stack: [ret("ntdll!NtWaitForSingleObject", 0x14)],
      residue: [ret("plugin!Work", 0x30), 0xc0000005n, 0x0065006c00690066n, 0x0074007800740020n],
    }).build();
    const { rows } = residue(t.spec, "Debugger.Utility.Ewmda.ExecutionResidue(0x1a4)");
    const details = rows.filter((r) => r.Kind !== "Summary" && r.Address !== undefined);
    expect(details.map((r) => [r.Kind, r.Symbol ?? r.Text, r.Live])).toEqual([
      ["String", "UTF-16 \" txtfile\"", false],
      ["Status", "NTSTATUS 0xc0000005 STATUS_ACCESS_VIOLATION", false],
      ["CodePointer", "plugin!Work+0x30", false],
      ["CodePointer", "ntdll!NtWaitForSingleObject+0x14", true],
    ]);
    expect(details[2]).toMatchObject({ ReturnAddress: true, Verdict: "Positive", Module: "plugin.dll" });
    expect(big(details[3]!.Address)).toBe(t.at.stackPointer(0x1a4));
    expect(summaries(rows)[0]).toMatchObject({ Strings: 1, Verdict: "Positive" });
    const quiet = residue(t.spec, "Debugger.Utility.Ewmda.ExecutionResidue(0x1a4, new { Strings = false })").rows;
    expect(quiet.some((r) => r.Kind === "String")).toBe(false);
    const none = residue(t.spec, "Debugger.Utility.Ewmda.ExecutionResidue(0x1a4, \"details=false\")").rows;
    expect(none.filter((r) => r.Address !== undefined)).toEqual([]);
  });

  it("finds pointers into unloaded modules from lm's Unloaded modules section", () => {
    const gone = 0x7ff8_7000_0000n;
    const t = base().thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14)], residue: [gone + 0x1a20n] }).build();
    const spec = withCommands(t.spec, { lm: lmLines(t.spec, [{ name: "oldplugin.dll", base: gone, size: 0x20000 }]) });
    const { rows } = residue(spec, "Debugger.Utility.Ewmda.ExecutionResidue(0x1a4)");
    const u = rows.find((r) => r.Kind === "UnloadedModulePointer")!;
    expect(u).toMatchObject({ Symbol: "<Unloaded_oldplugin.dll>+0x1a20", Verdict: "Positive", Live: false });
    expect(String(summaries(rows)[0]!.Evidence)).toContain("1 pointers into unloaded modules (<Unloaded_oldplugin.dll>+0x1a20)");
    // No "not checked" note when lm answered.
    expect(rows.some((r) => /unloaded modules not checked/.test(String(r.Evidence)))).toBe(false);
  });

  it("says when lm has no Unloaded modules section", () => {
    const t = base().thread({ tid: 0x1a4 }).build();
    const spec = withCommands(t.spec, { lm: lmLines(t.spec, undefined) });
    const { rows } = residue(spec);
    expect(rows.map((r) => r.Evidence)).toContain("lm shows no \"Unloaded modules:\" section (the dump has no unloaded-module list, or nothing was unloaded)");
  });

  it("summarizes every thread by default", () => {
    const t = base()
      .thread({ tid: 0x1a4, residue: [ret("plugin!Work", 0x30)] })
      .thread({ tid: 0x2b0 })
      .thread({ tid: 0x3c0, residue: [ret("ntdll!KiUserExceptionDispatcher", 0x2e)] }).build();
    const { rows, summary } = residue(t.spec);
    expect(summaries(rows).map((r) => [r.Thread, r.Verdict])).toEqual([[0x1a4, "Positive"], [0x2b0, "Info"], [0x3c0, "Positive"]]);
    expect(summary).toContain("2 of 3 stacks");
  });

  it("reads x86 stacks in 4-byte slots", () => {
    const t = userTarget({ arch: "x86" }).module({ name: "ntdll.dll", code: true, symbols: NTDLL })
      .thread({ tid: 0x10, stackSize: 0x2000, stack: [ret("ntdll!NtWaitForSingleObject", 0xc)], residue: [ret("ntdll!KiUserExceptionDispatcher", 0x2e), 0n, 0x64636261n] }).build();
    const { rows } = residue(t.spec, "Debugger.Utility.Ewmda.ExecutionResidue(0x10)");
    // "abcd" is shorter than MinStringChars (5): not listed.
    expect(rows.filter((r) => r.Address !== undefined).map((r) => [r.Kind, r.Symbol ?? r.Text])).toEqual([
      ["CodePointer", "ntdll!KiUserExceptionDispatcher+0x2e"],
      ["CodePointer", "ntdll!NtWaitForSingleObject+0xc"],
    ]);
    expect(summaries(rows)[0]).toMatchObject({ Verdict: "Positive", ExceptionHints: "ntdll!KiUserExceptionDispatcher+0x2e" });
  });

  it("scans both stacks of a WOW64 thread", () => {
    const teb32 = (b: ReturnType<UserTargetBuilder["build"]>) => b.at.teb(0x1a4) + 0x8000n;
    const stack32 = 0x0030_0000n;
    const make = (probe?: ReturnType<UserTargetBuilder["build"]>) => {
      const b = base().module({ name: "C:\\Windows\\SysWOW64\\wow32.dll", base: 0x7700_0000n, size: 0x10000, code: false, symbols: { ThunkEntry: 0x1000 } })
        .thread({ tid: 0x1a4 });
      if (!probe) return b;
      const offset = Number(teb32(probe) - probe.at.teb(0x1a4));
      const o = new Uint8Array(4);
      new DataView(o.buffer).setInt32(0, offset, true);
      b.memory(probe.at.teb(0x1a4) + BigInt(fieldOffset("x64", "_TEB", "WowTebOffset")), o);
      b.memory(teb32(probe), pointers(4, [0xffffffffn, stack32 + 0x2000n, stack32])); // NT_TIB32: ExceptionList, StackBase, StackLimit
      const s = new Uint8Array(0x2000);
      s.set(pointers(4, [0x7700_1010n]), 0x1f00);
      b.memory(stack32, s);
      return b;
    };
    const t = make(make().build()).build();
    const { rows } = residue(t.spec);
    expect(summaries(rows).map((r) => r.Stack)).toEqual(["native", "x86 (WOW64)"]);
    expect(summaries(rows)[1]!.ModulesInResidue).toBe("wow32 (1)");
    const d = residue(t.spec, "Debugger.Utility.Ewmda.ExecutionResidue(0x1a4)").rows.filter((r) => r.Stack === "x86 (WOW64)" && r.Address !== undefined);
    expect(d.map((r) => [big(r.Address), r.Symbol])).toEqual([[stack32 + 0x1f00n, "wow32!ThunkEntry+0x10"]]);
    expect(String(d[0]!.Live)).toBe("<not available>");
  });
});

describe("ExecutionResidue: bad input", () => {
  it("answers an unknown thread and bad options with Info rows", () => {
    const t = base().thread({ tid: 0x1a4 }).build();
    for (const [expr, text] of [
      ["ExecutionResidue(0x999)", "thread 0x999 is not in this process (1 threads: 0x1a4; ~ lists them)"],
      ["ExecutionResidue(0x1a4, \"sideways\")", "unknown option \"sideways\""],
      ["ExecutionResidue(0x1a4, new { Strings = 5 })", "Strings must be true or false"],
    ] as const) {
      const { rows } = residue(t.spec, "Debugger.Utility.Ewmda." + expr);
      expect(rows.map((r) => r.Verdict), expr).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), expr).toContain(text);
    }
  });

  it("falls back to the stack pointer when the TEB is not in the dump, and says so", () => {
    const t = base().thread({ tid: 0x1a4, tebUnreadable: true, residue: [ret("plugin!Work", 0x30)] }).build();
    const { rows } = residue(t.spec);
    expect(String(rows[0]!.Evidence)).toMatch(/^thread 0x1a4: the TEB could not be read: .*; scanning .* from the stack pointer instead$/);
    // The fallback range starts at the stack pointer's page: dead residue below it in that page is still seen.
    expect(summaries(rows)[0]!.Source).toBe("heuristic");
  });

  it("counts a stack that is not in the dump, and still summarizes it", () => {
    const t = base().thread({ tid: 0x1a4, stackSize: 0x2000, unreadable: [{ offset: 0, size: 0x2000 }] }).build();
    const { rows } = residue(t.spec);
    expect(String(summaries(rows)[0]!.Evidence)).toContain("1024 slots of 000000e8`000fe000 000000e8`00100000 (0x2000 bytes unreadable)");
  });

  it("refuses kernel targets with a pointer to the kernel analysis", async () => {
    const { emptyKernel } = await import("../mocks/kernel-target");
    const { rows } = residue(emptyKernel().spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(rows[0]!.Evidence)).toContain("KernelExecutionResidue");
  });
});

describe("ExecutionResidue: cost and faces", () => {
  it("symbolizes and checks each distinct code pointer once across threads", () => {
    let b = base();
    for (let i = 0; i < 8; i++) b = b.thread({ tid: 0x100 + i, residue: [ret("plugin!Work", 0x30), ret("ntdll!NtDelayExecution", 0x14)] });
    const { dbg } = loadEwmda(b.build().spec);
    dbg.counters.reset();
    rowsOf(dbg.dx("Debugger.Utility.Ewmda.ExecutionResidue()"));
    const c = dbg.counters.snapshot();
    // 2 residue values + the frames' NtWaitForSingleObject+0x14 (shared stack walk).
    expect(c.symbolLookups).toBe(3);
    // Per thread: one 0x4000-byte stack read and the TEB range; per image: 3 header reads; per distinct code pointer: one call-site read.
    expect(c.memoryReads).toBeLessThanOrEqual(8 * (1 + 2) + 2 * 3 + 2 + 1 + 8 * 2);
  });

  it("prints summaries and details as a table through !ewmda.residue", () => {
    const t = base().thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14)], residue: [ret("plugin!Work", 0x30), 0xc0000005n] }).build();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda.residue 0x1a4");
    expect(out).toEqual(dbg.execute("!ewmda_residue 0x1a4"));
    expect(out).toMatchSnapshot();
  });
});

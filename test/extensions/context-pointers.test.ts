import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { contextBytes, contextSize, recordBytes, type Arch } from "../mocks/memory-target";
import { userTarget, type BuiltUserTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function contexts(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.ContextPointers()") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const NTDLL = { NtWaitForSingleObject: 0x9d4c0, NtWaitForMultipleObjects: 0x9e0b0, KiUserExceptionDispatcher: 0xa0c20, RtlDispatchException: 0x27940, RtlUserThreadStart: 0x5aa40 };
const FRAMES = ["ntdll!NtWaitForMultipleObjects+0x14", "ntdll!KiUserExceptionDispatcher+0x2e", "app!worker+0x34", "kernel32!BaseThreadInitThunk+0x14"];
/** x64: KiUserExceptionDispatcher puts a CONTEXT_EX (0x20 bytes, aligned) between the CONTEXT and the record. */
const CONTEXT_EX_GAP = 0x20;

function make(arch: Arch, ntdllSymbols = true): UserTargetBuilder {
  return userTarget({ arch, ntdllSymbols })
    .module({ name: "ntdll.dll", symbols: ntdllSymbols ? NTDLL : false })
    .module({ name: "plugin.dll", symbols: { Work: 0x1200 } })
    .thread({ tid: 0x1a4 })
    .thread({ tid: 0x2b0, frames: FRAMES, stackSize: 0x8000, liveBytes: 0x2000 });
}

/** Builds once to learn the addresses, then again with `place` writing memory at them (the builder is deterministic). */
function twice(arch: Arch, place: (probe: BuiltUserTarget, frameSp: (index: number) => bigint, b: UserTargetBuilder) => void, ntdllSymbols = true): BuiltUserTarget {
  const probe = make(arch, ntdllSymbols).build();
  const frameSp = (index: number) => probe.spec.processes[0]!.threads.find((t) => t.id === 0x2b0)!.frames![index]!.stackOffset;
  const b = make(arch, ntdllSymbols);
  place(probe, frameSp, b);
  return b.build();
}

describe("ContextPointers: saved contexts", () => {
  it("finds the dispatcher's CONTEXT and its exception record, and a hidden one in dead residue", () => {
    let dispatcher = 0n;
    let hidden = 0n;
    const t = twice("x64", (p, frameSp, b) => {
      dispatcher = frameSp(1);
      const ip = p.at.symbol("app!worker", 0x34);
      b.memory(dispatcher, contextBytes("x64", { ip, sp: frameSp(2) }));
      b.memory(dispatcher + BigInt(contextSize("x64") + CONTEXT_EX_GAP), recordBytes("x64", { code: 0xc0000005, address: ip, params: [1n, 0x18n] }));
      hidden = p.at.stackPointer(0x2b0) - 0x1000n;
      b.memory(hidden, contextBytes("x64", { ip: p.at.symbol("plugin!Work", 0x10), sp: p.at.stackPointer(0x2b0) - 0x200n }));
    });
    const { rows, summary } = contexts(t.spec);
    expect(rows.map((r) => [r.Thread, r.Anchor, r.Symbol, r.Score, r.Verdict])).toEqual([
      [0x2b0, "scan", "plugin!Work+0x10", 4, "Positive"],
      [0x2b0, "dispatcher frame", "app!worker+0x34", 5, "Info"],
    ]);
    expect(big(rows[0]!.Address)).toBe(hidden);
    expect(rows[0]!.Live).toBe(false);
    expect(rows[0]!.Evidence).toBe(".cxr 000000e8`001fd000; kb (a stack the live unwind does not show); .cxr to return");
    expect(big(rows[1]!.Address)).toBe(dispatcher);
    expect(rows[1]!.Code).toBe("STATUS_ACCESS_VIOLATION (Access violation)");
    expect(big(rows[1]!.Record)).toBe(dispatcher + BigInt(contextSize("x64") + CONTEXT_EX_GAP));
    expect(String(rows[1]!.Evidence)).toMatch(/^\.cxr 000000e8`[0-9a-f]{8}; kb; \.exr 000000e8`[0-9a-f]{8} \(the same instruction pointer as live frame 2\); \.cxr to return$/);
    expect(summary).toBe("ContextPointers: 2 saved contexts (1 not on the live stack) in 2 threads, 6144 slots searched");
  });

  it("reports a context copied twice once", () => {
    const t = twice("x64", (p, _f, b) => {
      const c = contextBytes("x64", { ip: p.at.symbol("plugin!Work", 0x10), sp: p.at.stackPointer(0x2b0) - 0x200n });
      b.memory(p.at.stackPointer(0x2b0) - 0x1000n, c).memory(p.at.stackPointer(0x2b0) - 0x1800n, c);
    });
    expect(contexts(t.spec).rows.filter((r) => r.Address !== undefined)).toHaveLength(1);
  });

  it("says when it stopped validating at MaxCandidates", () => {
    const t = twice("x64", (p, _f, b) => {
      const sp = p.at.stackPointer(0x2b0);
      b.memory(sp - 0x1800n, contextBytes("x64", { ip: p.at.symbol("plugin!Work", 0x10), sp: sp - 0x200n }))
        .memory(sp - 0x1000n, contextBytes("x64", { ip: p.at.symbol("plugin!Work", 0x20), sp: sp - 0x200n }));
    });
    const capNote = (rows: Row[]) => rows.filter((r) => /MaxCandidates/.test(String(r.Evidence)));
    const all = contexts(t.spec).rows;
    expect(all.filter((r) => r.Address !== undefined)).toHaveLength(2);
    expect(capNote(all)).toEqual([]);
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.ContextPointers.MaxCandidates = 1");
    const capped = rowsOf(dbg.dx("Debugger.Utility.Ewmda.ContextPointers(0x2b0)")) as Row[];
    expect(capped.filter((r) => r.Address !== undefined).map((r) => r.Symbol)).toEqual(["plugin!Work+0x10"]);
    expect(capNote(capped).map((r) => r.Evidence)).toEqual(["thread 0x2b0: stopped validating after 1 signature matches (Config.ContextPointers.MaxCandidates); the rest of its stack was not searched"]);
  });

  it("reads x86 contexts at 4-byte alignment", () => {
    const t = twice("x86", (p, _f, b) => {
      b.memory(p.at.stackPointer(0x2b0) - 0x804n, contextBytes("x86", { ip: p.at.symbol("plugin!Work", 0x10), sp: p.at.stackPointer(0x2b0) - 0x100n }));
    });
    const { rows } = contexts(t.spec, "Debugger.Utility.Ewmda.ContextPointers(0x2b0)");
    expect(rows.map((r) => [r.Symbol, r.Verdict])).toEqual([["plugin!Work+0x10", "Positive"]]);
    expect(big(rows[0]!.Address)).toBe(t.at.stackPointer(0x2b0) - 0x804n);
  });
});

describe("ContextPointers: lookalikes and missing data", () => {
  it("rejects CONTEXT-shaped data whose stack pointer is outside the stack, and says what it rejected", () => {
    const t = twice("x64", (p, _f, b) => {
      b.memory(p.at.stackPointer(0x2b0) - 0x1000n, contextBytes("x64", { ip: p.at.symbol("plugin!Work", 0x10), sp: 0x1234_5678n }));
      // A wrong code selector is not even a candidate.
      b.memory(p.at.stackPointer(0x2b0) - 0x1800n, contextBytes("x64", { ip: p.at.symbol("plugin!Work", 0x10), sp: p.at.stackPointer(0x2b0), cs: 0x77 }));
    });
    const { rows } = contexts(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(String(rows[0]!.Evidence)).toMatch(/^0 CONTEXT records among 6144 slots of 2 thread stacks \(1 lookalikes rejected; last: the CONTEXT-like data at 000000e8`001fd000: its stack pointer 00000000`12345678 is outside the stack /);
  });

  it("returns one Negative row when no stack holds a context", () => {
    const t = make("x64").build();
    const { rows } = contexts(t.spec);
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Negative", "0 CONTEXT records among 6144 slots of 2 thread stacks (s -d <stack range> 0x10005f)"]]);
  });

  it("says it cannot recognize contexts without ntdll's types", () => {
    const t = make("x64", false).build();
    const { rows } = contexts(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(rows[0]!.Evidence)).toMatch(/^cannot recognize CONTEXT records: ntdll's _CONTEXT \/ _EXCEPTION_RECORD types are not available/);
  });

  it("answers unknown threads and bad options, and refuses kernel targets", async () => {
    const t = make("x64").build();
    for (const [expr, text] of [["ContextPointers(0x999)", "thread 0x999 is not in this process"], ["ContextPointers(\"deep\")", "unknown option \"deep\""]] as const) {
      const { rows } = contexts(t.spec, "Debugger.Utility.Ewmda." + expr);
      expect(rows.map((r) => r.Verdict), expr).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence), expr).toContain(text);
    }
    const { emptyKernel } = await import("../mocks/kernel-target");
    expect(contexts(emptyKernel().spec).rows.map((r) => r.Verdict)).toEqual(["Info"]);
  });

  it("prints the contexts as a table through !ewmda.contextpointers", () => {
    const t = twice("x64", (p, _f, b) => {
      b.memory(p.at.stackPointer(0x2b0) - 0x1000n, contextBytes("x64", { ip: p.at.symbol("plugin!Work", 0x10), sp: p.at.stackPointer(0x2b0) - 0x200n }));
    });
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda.contextpointers 0x2b0");
    expect(out).toEqual(dbg.execute("!ewmda_contextpointers 0x2b0"));
    expect(out).toMatchSnapshot();
  });
});

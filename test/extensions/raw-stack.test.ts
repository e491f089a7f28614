import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { modref, ret, stackref, sym, userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

function rawStack(spec: Parameters<typeof loadEwmda>[0], expr = "Debugger.Utility.Ewmda.RawStack()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, result, rows: rowsOf(result) as Row[], summary: String(result) };
}

describe("RawStack: what it finds", () => {
  it("classifies a return address whose call instruction is in the dump", () => {
    const t = userTarget().module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
      .thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14)] }).build();
    const { rows, summary } = rawStack(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.Kind).toBe("CodePointer");
    expect(r.Symbol).toBe("ntdll!NtWaitForSingleObject+0x14");
    expect(r.Module).toBe("ntdll.dll");
    expect(r.ReturnAddress).toBe(true);
    expect(r.Live).toBe(true);
    expect(big(r.Value)).toBe(t.at.symbol("ntdll!NtWaitForSingleObject", 0x14));
    expect(big(r.Address)).toBe(t.at.stackPointer(0x1a4));
    expect(r.Verdict).toBe("Info");
    expect(r.Source).toBe("typed");
    expect(String(r.Evidence)).toContain("dps ");
    expect(summary).toContain("thread 0x1a4");
    expect(summary).toContain("2048 slots scanned, 1 shown");
  });

  it("says a code pointer without a call before it is not a return address (coincidental symbol)", () => {
    const t = userTarget().module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
      .thread({ tid: 0x1a4, stack: [sym("ntdll!NtWaitForSingleObject", 0x14)] }).build();
    const r = rawStack(t.spec).rows[0]!;
    expect(r.Kind).toBe("CodePointer");
    expect(r.ReturnAddress).toBe(false);
  });

  it("marks the return-address check unreadable when the code is not in the dump", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14)] }).build();
    const r = rawStack(t.spec).rows[0]!;
    expect(r.Kind).toBe("CodePointer");
    expect(String(r.ReturnAddress)).toBe("<unreadable>");
    expect((r.ReturnAddress as { reason: string }).reason).toMatch(/not in the dump/);
  });

  it("tells live slots (above the stack pointer) from dead residue below it", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [sym("kernel32!BaseThreadInitThunk", 0x14)], residue: [sym("kernelbase!SleepEx", 0x20)] }).build();
    const rows = rawStack(t.spec).rows;
    expect(rows.map((r) => [r.Symbol, r.Live])).toEqual([
      ["kernelbase!SleepEx+0x20", false],
      ["kernel32!BaseThreadInitThunk+0x14", true],
    ]);
  });

  it("recognizes pointers into this stack and into another thread's stack", () => {
    const t = userTarget()
      .thread({ tid: 0x1a4, stack: [stackref(0x1a4, 0x20), stackref(0x2b0, 0x40), 0x12345678n] })
      .thread({ tid: 0x2b0 }).build();
    const rows = rawStack(t.spec).rows;
    expect(rows.map((r) => r.Kind)).toEqual(["StackPointer", "OtherStackPointer"]);
    expect(big(rows[1]!.Value)).toBe(t.at.stackBase(0x2b0) - 0x40n);
  });

  it("tells data sections from code, and says so when the image headers are missing", () => {
    const t = userTarget()
      .module({ name: "data.dll", size: 0x10000, textSize: 0x4000 })
      .module({ name: "noheaders.dll", size: 0x10000, headers: false })
      .thread({ tid: 0x1a4, stack: [modref("data.dll", 0x1100), modref("data.dll", 0xc010), modref("noheaders.dll", 0x1100)] }).build();
    const rows = rawStack(t.spec).rows;
    expect(rows.map((r) => [r.Kind, r.Symbol])).toEqual([
      ["CodePointer", "data+0x1100"],
      ["DataPointer", "data+0xc010"],
      ["ImagePointer", "noheaders+0x1100"],
    ]);
  });

  it("symbolizes from exports when the PDB did not load", () => {
    const t = userTarget().module({ name: "plugin.dll", symbols: false, exports: { PluginEntry: 0x2000 } })
      .thread({ tid: 0x1a4, stack: [modref("plugin.dll", 0x2010), modref("plugin.dll", 0x1000)] }).build();
    const rows = rawStack(t.spec).rows;
    // 0x1000 is before the first export: no symbol covers it, so module+offset.
    expect(rows.map((r) => r.Symbol)).toEqual(["plugin!PluginEntry+0x10", "plugin+0x1000"]);
  });

  it("keeps only symbolic slots with SymbolsOnly, and only one module's pointers with Module", () => {
    const t = userTarget().module({ name: "plugin.dll", symbols: false })
      .thread({ tid: 0x1a4, stack: [modref("plugin.dll", 0x1010), sym("kernel32!Sleep", 0x8), stackref(0x1a4, 8), sym("ntdll!NtDelayExecution", 0x14)] }).build();
    const symbolsOnly = rawStack(t.spec, "Debugger.Utility.Ewmda.RawStack(0x1a4, new { SymbolsOnly = true })").rows;
    expect(symbolsOnly.map((r) => r.Symbol)).toEqual(["kernel32!Sleep+0x8", "ntdll!NtDelayExecution+0x14"]);
    const ntdll = rawStack(t.spec, "Debugger.Utility.Ewmda.RawStack(0x1a4, \"module=ntdll\")").rows;
    expect(ntdll.map((r) => r.Symbol)).toEqual(["ntdll!NtDelayExecution+0x14"]);
  });

  it("lists every slot with All, like dps", () => {
    const t = userTarget().thread({ tid: 0x1a4, stackSize: 0x1000 }).build();
    const { rows } = rawStack(t.spec, "Debugger.Utility.Ewmda.RawStack(0x1a4, new { All = true })");
    expect(rows).toHaveLength(0x1000 / 8);
    expect(rows.every((r) => r.Kind === "Value")).toBe(true);
    expect(big(rows[0]!.Address)).toBe(t.at.stackLimit(0x1a4));
  });

  it("scans the thread it is given, not the current one", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).thread({ tid: 0x2b0, stack: [sym("kernel32!Sleep", 0x10)] }).build();
    const { rows, summary } = rawStack(t.spec, "Debugger.Utility.Ewmda.RawStack(0x2b0)");
    expect(summary).toContain("thread 0x2b0");
    expect(rows.map((r) => r.Thread)).toEqual([0x2b0]);
  });

  it("reads x86 stacks in 4-byte slots", () => {
    const t = userTarget({ arch: "x86" }).module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
      .thread({ tid: 0x10, stackSize: 0x2000, stack: [ret("ntdll!NtWaitForSingleObject", 0xc), stackref(0x10, 0x10)] }).build();
    const { rows, summary } = rawStack(t.spec);
    expect(summary).toContain("2048 slots");
    expect(rows.map((r) => [r.Kind, r.Symbol ?? "", r.ReturnAddress])).toEqual([
      ["CodePointer", "ntdll!NtWaitForSingleObject+0xc", true],
      ["StackPointer", "", undefined],
    ]);
    expect(big(rows[1]!.Address) - big(rows[0]!.Address)).toBe(4n);
  });

  it("checks ARM64 return addresses against BL", () => {
    const t = userTarget({ arch: "arm64" }).module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
      .thread({ tid: 0x10, stack: [ret("ntdll!NtWaitForSingleObject", 0x8), sym("ntdll!NtWaitForSingleObject", 0x20)] }).build();
    const rows = rawStack(t.spec).rows;
    expect(rows.map((r) => r.ReturnAddress)).toEqual([true, false]);
  });
});

describe("RawStack: not found and not checked differ", () => {
  it("returns one Negative row that says what was examined when no slot points anywhere", () => {
    const t = userTarget().thread({ tid: 0x1a4, stackSize: 0x2000, stack: [0x41414141n, 7n] }).build();
    const { rows } = rawStack(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(String(rows[0]!.Evidence)).toMatch(/^0 pointers into images or stacks among 1024 slots of thread 0x1a4's stack/);
  });

  it("answers an unknown thread id with an Info row naming the threads that exist", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).thread({ tid: 0x2b0 }).build();
    const { rows } = rawStack(t.spec, "Debugger.Utility.Ewmda.RawStack(0x999)");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toBe("thread 0x999 is not in this process (2 threads: 0x1a4, 0x2b0; ~ lists them)");
  });

  it("rejects nonsense options with a clear message instead of throwing", () => {
    const t = userTarget().build();
    for (const [expr, text] of [
      ["Debugger.Utility.Ewmda.RawStack(0x1a4, \"sideways\")", "unknown option \"sideways\""],
      ["Debugger.Utility.Ewmda.RawStack(0x1a4, 5)", "options must be an object"],
      ["Debugger.Utility.Ewmda.RawStack(new { A = 1 })", "the thread id must be a number"],
    ] as const) {
      const { rows } = rawStack(t.spec, expr);
      expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
      expect(String(rows[0]!.Evidence)).toContain(text);
    }
  });

  it("says a module filter names no loaded module", () => {
    const t = userTarget().build();
    const { rows } = rawStack(t.spec, "Debugger.Utility.Ewmda.RawStack(0x1a4, \"module=nothere\")");
    expect(String(rows[0]!.Evidence)).toMatch(/no module named nothere is loaded/);
  });
});

describe("RawStack: bad input", () => {
  it("marks a partly unmapped stack as unreadable rows and keeps scanning the rest", () => {
    const t = userTarget().thread({
      tid: 0x1a4, stackSize: 0x8000, liveBytes: 0x400,
      stack: [sym("kernel32!Sleep", 0x10)],
      unreadable: [{ offset: 0x1000, size: 0x2000 }],
    }).build();
    const { rows, summary } = rawStack(t.spec);
    expect(rows.map((r) => r.Kind)).toEqual(["Unreadable", "CodePointer"]);
    expect(big(rows[0]!.Address)).toBe(t.at.stackLimit(0x1a4) + 0x1000n);
    expect((rows[0]!.Value as { reason: string }).reason).toBe("0x2000 bytes of the stack are not in the dump");
    expect(summary).toContain("4096 slots scanned");
    expect(summary).toContain("0x2000 bytes unreadable");
  });

  it("reads a stack captured from the middle of a page (dumps capture from the stack pointer up)", () => {
    const t = userTarget().thread({
      tid: 0x1a4, stackSize: 0x3000, liveBytes: 0x400,
      stack: [sym("kernel32!Sleep", 0x10)],
      residue: [sym("ntdll!NtDelayExecution", 0x14)],
      unreadable: [{ offset: 0, size: 0x2bf0 }], // captured from limit+0x2bf0, mid-page
    }).build();
    const { rows, summary } = rawStack(t.spec);
    expect(rows.map((r) => r.Kind)).toEqual(["Unreadable", "CodePointer", "CodePointer"]);
    expect((rows[0]!.Value as { reason: string }).reason).toBe("0x2bf0 bytes of the stack are not in the dump");
    expect(rows.slice(1).map((r) => r.Symbol)).toEqual(["ntdll!NtDelayExecution+0x14", "kernel32!Sleep+0x10"]);
    expect(summary).toContain("0x2bf0 bytes unreadable");
  });

  it("reports a stack that is entirely missing, and still says nothing was found", () => {
    const t = userTarget().thread({ tid: 0x1a4, stackSize: 0x2000, unreadable: [{ offset: 0, size: 0x2000 }] }).build();
    const { rows } = rawStack(t.spec);
    expect(rows.map((r) => [r.Kind ?? "", r.Verdict])).toEqual([["Unreadable", "Info"], ["", "Negative"]]);
    expect(String(rows[1]!.Evidence)).toContain("0x2000 bytes unreadable");
  });

  it("falls back to the stack pointer, and says why, when ntdll symbols are missing", () => {
    const t = userTarget({ ntdllSymbols: false }).thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10)] }).build();
    const { rows, summary } = rawStack(t.spec);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/no typed TEB \(ntdll symbols or the _TEB type are missing\)/);
    const found = rows.filter((r) => r.Kind === "CodePointer");
    expect(found.map((r) => [r.Symbol, r.Source])).toEqual([["kernel32!Sleep+0x10", "heuristic"]]);
    expect(summary).toContain("thread 0x1a4");
  });

  it("falls back when the TEB page is not in the dump", () => {
    const t = userTarget().thread({ tid: 0x1a4, tebUnreadable: true, stack: [sym("kernel32!Sleep", 0x10)] }).build();
    const { rows } = rawStack(t.spec);
    expect(String(rows[0]!.Evidence)).toMatch(/the TEB could not be read: Unable to read memory/);
    expect(rows.some((r) => r.Symbol === "kernel32!Sleep+0x10")).toBe(true);
  });

  it("says when there is neither a TEB nor a stack pointer", () => {
    const t = userTarget().thread({ tid: 0x1a4, teb: false, registers: {}, frames: [] }).build();
    // Remove the stack pointer registers entirely.
    const spec = { ...t.spec, processes: t.spec.processes.map((p) => ({ ...p, threads: p.threads.map((th) => ({ ...th, registers: {}, frames: [] })) })) };
    const { rows } = rawStack(spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/no stack range for thread 0x1a4: .* no stack pointer/);
  });
});

describe("RawStack: cost", () => {
  it("looks up each distinct in-module value once and reads the stack in chunks", () => {
    const values = Array.from({ length: 64 }, (_, i) => sym("kernel32!Sleep", (i % 4) * 8));
    const t = userTarget().thread({ tid: 0x1a4, stackSize: 0x20000, liveBytes: 0x1000, stack: values }).build();
    const { dbg } = loadEwmda(t.spec);
    dbg.counters.reset();
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.RawStack()"));
    expect(rows).toHaveLength(64);
    const c = dbg.counters.snapshot();
    expect(c.symbolLookups).toBe(4);
    // 0x20000 bytes in 64 KiB chunks: 2 stack reads; the rest are section headers and call-site checks (4 values).
    expect(c.memoryReads).toBeLessThanOrEqual(2 + 3 * 3 + 4);
    expect(c.total).toBeLessThan((0x20000 / 8) / 100);
  });
});

describe("RawStack: faces", () => {
  it("prints the same rows as a table through !ewmda.rawstack and !ewmda_rawstack", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10), stackref(0x1a4, 0x8)], residue: [sym("ntdll!NtDelayExecution", 0x14)] }).build();
    const { dbg } = loadEwmda(t.spec);
    const dotted = dbg.execute("!ewmda.rawstack");
    const plain = dbg.execute("!ewmda_rawstack");
    expect(plain).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });

  it("accepts a thread id and options on the ! command", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).thread({ tid: 0x2b0, stack: [sym("kernel32!Sleep", 0x10), sym("ntdll!NtDelayExecution", 0x4)] }).build();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda_rawstack (0x2b0, \"module=kernel32\")");
    expect(out[0]).toContain("thread 0x2b0");
    expect(out.slice(2).map((l) => l.includes("kernel32!Sleep+0x10"))).toEqual([true]);
  });

  it("renders in dx -g as a grid of the row properties", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10)] }).build();
    const { dbg } = loadEwmda(t.spec);
    const grid = dbg.dxLines("@$ewmda().RawStack()", { grid: true });
    expect(grid[2]).toMatch(/= Thread = Address += Value += Kind += Symbol += Module += ReturnAddress = Live = Verdict = Evidence += Source =/);
    expect(grid[4]).toContain("kernel32!Sleep+0x10");
  });

  it("is indexable and filterable like a built-in collection", () => {
    const t = userTarget().thread({ tid: 0x1a4, stack: [sym("kernel32!Sleep", 0x10), stackref(0x1a4, 8), sym("ntdll!NtDelayExecution", 0x14)] }).build();
    const { dbg } = loadEwmda(t.spec);
    expect(String(dbg.dx("Debugger.Utility.Ewmda.RawStack()[2].Symbol"))).toBe("ntdll!NtDelayExecution+0x14");
    const code = dbg.dx("Debugger.Utility.Ewmda.RawStack().Where(r => r.Kind == \"CodePointer\").Count()");
    expect(code).toBe(2);
    const row = dbg.dx("Debugger.Utility.Ewmda.RawStack()[0]");
    expect(String(row)).toMatch(/^000000e8`[0-9a-f]{8}  00007ff8`[0-9a-f]{8}  kernel32!Sleep\+0x10$/);
  });

  it("gives the same answers under the other reading of every unconfirmed provider behaviour", () => {
    const t = userTarget().module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
      .thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14), stackref(0x1a4, 8)], residue: [sym("kernel32!Sleep", 0x4)] }).build();
    const a = rawStack(t.spec).rows;
    const b = rawStack(t.spec, "Debugger.Utility.Ewmda.RawStack()", ALTERNATE_VARIANT).rows;
    const simplify = (rows: Row[]) => rows.map((r) => ({ ...r, Address: big(r.Address), Value: big(r.Value), Thread: Number(r.Thread) }));
    expect(simplify(b)).toEqual(simplify(a));
  });
});

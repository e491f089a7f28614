import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function instrumentation(spec: TargetSpec) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda.InstrumentationInfo()");
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

describe("InstrumentationInfo: what it finds", () => {
  it("decodes GFlags bits in NtGlobalFlag with the evidence each leaves", () => {
    const { rows, summary } = instrumentation(userTarget().peb({ NtGlobalFlag: 0x02001000 }).build().spec);
    expect(rows.map((r) => [r.Scope, r.Item, r.Value, r.Verdict, r.Source])).toEqual([
      ["PEB", "ust", 0x1000, "Positive", "typed"],
      ["PEB", "hpa", 0x2000000, "Positive", "typed"],
    ]);
    expect(rows[0]!.UsableEvidence).toBe("!heap -p -a <address> shows the stack that allocated a block; UMDH compares snapshots");
    expect(rows[0]!.Evidence).toBe("dt ntdll!_PEB 00000047`9fffe000 NtGlobalFlag shows 0x2001000; !gflag");
    expect(summary).toBe("InstrumentationInfo: 2 instrumentation item(s)");
  });

  it("reports exactly 0x70 as the debug heap of a debugger-started process, not as three GFlags", () => {
    const { rows } = instrumentation(userTarget().peb({ NtGlobalFlag: 0x70 }).build().spec);
    expect(rows.map((r) => [r.Item, r.Value])).toEqual([["debug heap", 0x70]]);
    expect(rows[0]!.Meaning).toMatch(/^the process was started by a debugger/);
    const more = instrumentation(userTarget().peb({ NtGlobalFlag: 0x72 }).build().spec).rows;
    expect(more.map((r) => r.Item)).toEqual(["sls", "htc", "hfc", "hpc"]);
  });

  it("finds Application Verifier DLLs, ETW heap tracing and an attached debugger", () => {
    const t = userTarget().module({ name: "verifier.dll" }).module({ name: "vfbasics.dll" }).peb({ TracingFlags: 1, BeingDebugged: 1 }).build();
    const { rows } = instrumentation(t.spec);
    expect(rows.map((r) => [r.Scope, r.Item, r.Verdict])).toEqual([
      ["PEB", "TracingFlags", "Positive"], ["PEB", "BeingDebugged", "Info"], ["Modules", "Application Verifier", "Positive"],
    ]);
    expect(rows[0]!.Meaning).toBe("ETW tracing on: heap (WPR/xperf -heap, CritSec or loader tracing)");
    expect(rows[2]!.Evidence).toBe("lm m v* shows verifier.dll, vfbasics.dll");
  });

  it("says nothing is on, with what was examined", () => {
    const { rows, summary } = instrumentation(userTarget().build().spec);
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Negative",
      "no instrumentation: NtGlobalFlag has no GFlags bits in the PEB, no heap is a page heap, heap/critical-section/loader tracing is off, and no Application Verifier DLL is among 4 modules; !gflag; !peb"]]);
    expect(summary).toBe("InstrumentationInfo: 0 instrumentation item(s)");
  });
});

/** A heap header (documented x64 offsets: SegmentSignature 0x10, Flags 0x70), and PEB.ProcessHeaps pointing to it. */
function withHeap(flags: number, signature = 0xffeeffee) {
  const heap = 0x0000_01e0_0000_0000n;
  const array = heap + 0x1000n;
  const header = new Uint8Array(0x80);
  new DataView(header.buffer).setUint32(0x10, signature, true);
  new DataView(header.buffer).setUint32(0x70, flags, true);
  const slot = new Uint8Array(8);
  new DataView(slot.buffer).setBigUint64(0, heap, true);
  return userTarget().memory(heap, header).memory(array, slot).peb({ ProcessHeap: heap, ProcessHeaps: array, NumberOfHeaps: 1 });
}

describe("InstrumentationInfo: system flags and page heap evidence", () => {
  it("keeps kernel and system-wide bits (ptg, copied into every PEB) out of the findings", () => {
    const { rows, summary } = instrumentation(userTarget().peb({ NtGlobalFlag: 0x400 }).build().spec);
    expect(rows.map((r) => [r.Scope, r.Item, r.Value, r.Verdict])).toEqual([["PEB", "system flags", 0x400, "Info"], [undefined, undefined, undefined, "Negative"]]);
    expect(rows[0]!.Meaning).toBe("kernel or system-wide GFlags copied into the PEB: ptg (Enable pool tagging); pool tagging is always on since Windows Server 2003");
    expect(rows[1]!.Evidence).toMatch(/^no instrumentation: NtGlobalFlag has no process GFlags bits in the PEB,/);
    expect(summary).toBe("InstrumentationInfo: 0 instrumentation item(s)");
    // With a process bit beside it, the process bit is the finding.
    const mixed = instrumentation(userTarget().peb({ NtGlobalFlag: 0x1400 }).build().spec).rows;
    expect(mixed.map((r) => [r.Item, r.Verdict])).toEqual([["ust", "Positive"], ["system flags", "Info"]]);
  });

  it("finds a page heap from the heap's own flags (HEAP_FLAG_PAGE_ALLOCS), without the hpa bit", () => {
    const { rows } = instrumentation(withHeap(0x01000002).build().spec);
    expect(rows.map((r) => [r.Scope, r.Item, r.Verdict, r.Source])).toEqual([["Heaps", "page heap", "Positive", "heuristic"]]);
    expect(rows[0]!.Meaning).toBe("1 of 1 heaps are page heaps (HEAP_FLAG_PAGE_ALLOCS in _HEAP.Flags/ForceFlags): 000001e0`00000000");
    expect(rows[0]!.Evidence).toBe("!heap -p; dt ntdll!_HEAP 000001e0`00000000 Flags ForceFlags");
  });

  it("finds no page heap in an ordinary heap, nor in a segment heap whose bytes there mean something else", () => {
    expect(instrumentation(withHeap(0x00000002).build().spec).rows.map((r) => r.Verdict)).toEqual(["Negative"]);
    expect(instrumentation(withHeap(0x01000002, 0xddeeddee).build().spec).rows.map((r) => r.Verdict)).toEqual(["Negative"]);
  });
});

describe("InstrumentationInfo: layouts and missing data", () => {
  it("reads x86 and WOW64 PEBs (both PEBs from a 64-bit view)", () => {
    expect(instrumentation(userTarget({ arch: "x86" }).peb({ NtGlobalFlag: 0x1000 }).build().spec).rows.map((r) => [r.Scope, r.Item])).toEqual([["PEB", "ust"]]);
    const wow = instrumentation(userTarget().wow64({ peb32: { NtGlobalFlag: 0x100 } }).thread({ tid: 0x1a4 }).build().spec).rows;
    expect(wow.map((r) => [r.Scope, r.Item])).toEqual([["PEB32", "vrf"]]);
    expect(wow[0]!.Evidence).toBe("dt ntdll!_PEB32 00000000`7efde000 NtGlobalFlag shows 0x100; !gflag");
  });

  it("uses the documented offset without ntdll symbols (Source heuristic)", () => {
    const { rows } = instrumentation(userTarget({ ntdllSymbols: false }).peb({ NtGlobalFlag: 0x1000 }).build().spec);
    expect(rows.map((r) => [r.Item, r.Source])).toEqual([["ust", "heuristic"]]);
  });

  it("says when the PEB is not in the dump (and then claims nothing is off)", () => {
    const b = userTarget();
    const peb = b.build().at.peb();
    const { rows } = instrumentation(b.unmap(peb, 0x1000).build().spec);
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Info", "PEB.NtGlobalFlag at 00000047`9fffe000 is not in the dump; !gflag"]]);
  });

  it("refuses kernel targets with an Info row", () => {
    expect(instrumentation(emptyKernel().spec).rows.map((r) => r.Verdict)).toEqual(["Info"]);
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(userTarget().peb({ NtGlobalFlag: 0x1010 }).build().spec);
    expect(dbg.execute("!ewmda.instrumentation")).toMatchSnapshot();
  });
});

import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { ret, userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function ns(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.Namespaces()") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const XUL = {
  "mozilla::net::Http2Session::ReadSegments": 0x1000,
  "mozilla::net::nsSocketTransportService::Run": 0x2000,
  "mozilla::ipc::MessageChannel::Send": 0x3000,
  "std::_Func_impl_no_alloc<std::_Binder<std::_Unforced,void (__cdecl*)(int),int>,void>::_Do_call": 0x4000,
  "js::RunScript": 0x5000,
  "XRE_main": 0x6000,
};

function base(): UserTargetBuilder {
  return userTarget().module({ name: "xul.dll", size: 0x100000, code: true, symbols: XUL });
}

const section = (rows: Row[], s: string) => rows.filter((r) => r.Section === s);

describe("Namespaces: what the stacks run", () => {
  it("counts namespace prefixes by frames and threads, with their technology", () => {
    const t = base()
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "xul!mozilla::net::Http2Session::ReadSegments+0x1f", "xul!mozilla::net::nsSocketTransportService::Run+0x40", "xul!XRE_main+0x10"] })
      .thread({ tid: 0x2b0, frames: ["ntdll!NtWaitForSingleObject+0x14", "xul!mozilla::ipc::MessageChannel::Send+0x8", "xul!std::_Func_impl_no_alloc<std::_Binder<std::_Unforced,void (__cdecl*)(int),int>,void>::_Do_call+0x12"] })
      .thread({ tid: 0x3c0, frames: ["xul!js::RunScript+0x4"] }).build();
    const { rows, summary } = ns(t.spec);
    expect(section(rows, "Namespace").map((r) => [r.Namespace, r.Depth, r.Frames, r.Threads, r.Technology ?? ""])).toEqual([
      ["mozilla", 1, 3, 2, "Mozilla"],
      ["mozilla::net", 2, 2, 1, "Mozilla"],
      // Ties: most threads, then most frames, then by name.
      ["js", 1, 1, 1, "SpiderMonkey"],
      ["mozilla::ipc", 2, 1, 1, "Mozilla"],
      ["mozilla::ipc::MessageChannel", 3, 1, 1, "Mozilla"],
      ["mozilla::net::Http2Session", 3, 1, 1, "Mozilla"],
      ["mozilla::net::nsSocketTransportService", 3, 1, 1, "Mozilla"],
      ["std", 1, 1, 1, "C++ Standard Library"],
      ["std::_Func_impl_no_alloc", 2, 1, 1, "C++ Standard Library"],
    ]);
    const moz = section(rows, "Namespace")[0]!;
    expect(moz).toMatchObject({ Modules: "xul.dll", ExampleFrame: "xul!mozilla::net::Http2Session::ReadSegments+0x1f", Verdict: "Info" });
    expect(moz.Evidence).toBe("3 frames on 2 threads are in mozilla:: (x xul!mozilla::*; ~*kc)");
    expect(section(rows, "Module").map((r) => [r.Module, r.Frames, r.Threads])).toEqual([["xul.dll", 6, 3], ["ntdll.dll", 2, 2]]);
    expect(section(rows, "Module")[0]!.Evidence).toBe("6 frames on 3 threads in 6 functions of xul.dll (5 with a namespace; lm m xul)");
    expect(summary).toBe("Namespaces: 9 namespace prefixes in 5 of 8 symbols (2 modules, 3 threads)");
  });

  it("flags namespaces listed as unexpected", () => {
    const t = base().thread({ tid: 0x1a4, frames: ["xul!js::RunScript+0x4"] }).build();
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.Namespaces.Unexpected = \"js\"");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Namespaces()")) as Row[];
    expect(section(rows, "Namespace").map((r) => [r.Namespace, r.Verdict])).toEqual([["js", "Suspicious"]]);
    expect(String(dbg.dx("Debugger.Utility.Ewmda.Namespaces()"))).toContain("; 1 unexpected");
  });

  it("adds symbols from the stacks' residue with Residue", () => {
    const t = base().thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14"], residue: [ret("xul!mozilla::ipc::MessageChannel::Send", 0x8)] }).build();
    expect(section(ns(t.spec).rows, "Namespace")).toEqual([]);
    const { rows, summary } = ns(t.spec, "Debugger.Utility.Ewmda.Namespaces(new { Residue = true })");
    expect(section(rows, "Namespace").map((r) => [r.Namespace, r.Frames])).toEqual([["mozilla", 1], ["mozilla::ipc", 1], ["mozilla::ipc::MessageChannel", 1]]);
    expect(summary).toContain("1 residue pointers");
  });

  it("looks at the threads it is given", () => {
    const t = base().thread({ tid: 0x1a4, frames: ["xul!js::RunScript+0x4"] }).thread({ tid: 0x2b0, frames: ["xul!mozilla::ipc::MessageChannel::Send+0x8"] }).build();
    expect(section(ns(t.spec, "Debugger.Utility.Ewmda.Namespaces(0x2b0)").rows, "Namespace").map((r) => r.Namespace)).toEqual(["mozilla", "mozilla::ipc", "mozilla::ipc::MessageChannel"]);
  });
});

describe("Namespaces: nothing to count, bad input, faces", () => {
  it("returns one Negative row when no symbol has a namespace, after the module rows", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    const { rows } = ns(t.spec);
    expect(rows.map((r) => [r.Section ?? "", r.Verdict])).toEqual([["Module", "Info"], ["", "Negative"]]);
    expect(rows[1]!.Evidence).toBe("0 C++ namespaces among 1 symbolic frames of 1 threads (C code, or export-only symbols: .reload /f and check the PDBs)");
  });

  it("says not checked, with no Negative row, when no frame has a symbol", () => {
    // ntdll with neither symbols nor exports: its frame is ntdll+0x9d4d4.
    const t = userTarget({ ntdllSymbols: false }).module({ name: "ntdll.dll", exports: {} }).thread({ tid: 0x1a4 }).build();
    const { rows, summary } = ns(t.spec);
    expect(rows.map((r) => [r.Section ?? "", r.Verdict])).toEqual([["", "Info"]]);
    expect(rows[0]!.Evidence).toBe("not checked: none of the 1 threads' frames has a symbol name (load symbols: .reload /f with the PDBs, or ewmda analyze --symbols <dir> with Breakpad .sym files)");
    expect(summary).toContain("in 0 of 0 symbols");
  });

  it("counts export-only symbols by module, without namespaces", () => {
    const t = userTarget().module({ name: "plugin.dll", symbols: false, exports: { Exported: 0x1000 } }).thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "plugin!Exported+0x10"] }).build();
    const { rows } = ns(t.spec);
    expect(section(rows, "Module").map((r) => [r.Module, r.Frames])).toEqual([["ntdll.dll", 1], ["plugin.dll", 1]]);
    expect(rows[rows.length - 1]!.Verdict).toBe("Negative");
  });

  it("answers bad options with a message", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    const { rows } = ns(t.spec, "Debugger.Utility.Ewmda.Namespaces(new { Residue = \"lots\" })");
    expect(rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Info", "Residue must be true or false, not lots"]]);
  });

  it("prints the ranking as a table through !ewmda.namespaces", () => {
    const t = base().thread({ tid: 0x1a4, frames: ["xul!mozilla::net::Http2Session::ReadSegments+0x1f", "xul!js::RunScript+0x4"] }).build();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda.namespaces");
    expect(out).toEqual(dbg.execute("!ewmda_namespaces"));
    expect(out).toMatchSnapshot();
  });
});

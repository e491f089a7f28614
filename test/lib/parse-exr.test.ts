/**
 * The `.exr`, `.lastevent` and `k` parsers on text in WinDbg's formats (written from its documented
 * output and the Linux runner's generator, src/runner/windbg-commands.ts) and on garbage.
 */
import { describe, expect, it } from "vitest";
import { parseExr, parseLastEvent, parseStackText } from "../../src/lib/parse-exr";

describe("parseExr", () => {
  it("reads an x64 access violation as WinDbg prints it", () => {
    expect(parseExr([
      "ExceptionAddress: 00007ff7e8b57919 (app!main+0x0000000000000049)",
      "   ExceptionCode: c0000005 (Access violation)",
      "  ExceptionFlags: 00000000",
      "NumberParameters: 2",
      "   Parameter[0]: 0000000000000001",
      "   Parameter[1]: 0000000000000000",
      "Attempt to write to address 0000000000000000",
    ])).toEqual({
      kind: "record", address: "00007ff7e8b57919", location: "app!main+0x49", code: 0xc0000005, codeText: "Access violation", flags: 0,
      parameters: ["0000000000000001", "0000000000000000"], notes: ["Attempt to write to address 0000000000000000"], cppTypes: [],
    });
  });

  it("reads a 32-bit record whose symbol has no displacement, after !analyze's heading", () => {
    const r = parseExr([
      "EXCEPTION_RECORD:  (.exr -1)",
      "ExceptionAddress: 102ce7cd (chrome_child!blink::PersistentBase::Get)",
      "   ExceptionCode: c0000005 (Access violation)",
      "  ExceptionFlags: 00000000",
      "NumberParameters: 2",
      "   Parameter[0]: 00000000",
      "   Parameter[1]: 41f21878",
      "Attempt to read from address 41f21878",
    ]);
    expect(r.kind).toBe("record");
    if (r.kind !== "record") return;
    expect(r.address).toBe("102ce7cd");
    expect(r.location).toBe("chrome_child!blink::PersistentBase::Get");
    expect(r.parameters).toEqual(["00000000", "41f21878"]);
  });

  it("takes a symbol wrapped onto the next line, and an address with a backtick", () => {
    const r = parseExr([
      "ExceptionAddress: 00000000`00411515",
      "(app+0x00011515)",
      "   ExceptionCode: c0000005 (Access violation)",
      "  ExceptionFlags: 00000008",
      "NumberParameters: 0",
    ]);
    expect(r.kind === "record" && [r.address, r.location, r.flags]).toEqual(["0000000000411515", "app+0x11515", 8]);
  });

  it("reads the runner's format (no symbol outside modules) and a fail-fast subcode note", () => {
    const r = parseExr([
      "ExceptionAddress: 0040429e (app32+0x0000429e)",
      "   ExceptionCode: c0000409 (Security check failure or stack buffer overrun)",
      "  ExceptionFlags: 00000001",
      "NumberParameters: 1",
      "   Parameter[0]: 00000007",
      "Subcode: 0x7 FAST_FAIL_FATAL_APP_EXIT",
    ]);
    expect(r).toMatchObject({ kind: "record", address: "0040429e", location: "app32+0x429e", code: 0xc0000409, flags: 1, parameters: ["00000007"], notes: ["Subcode: 0x7 FAST_FAIL_FATAL_APP_EXIT"] });
    expect(parseExr(["ExceptionAddress: 0000000012345678", "   ExceptionCode: 80000003 (Break instruction exception)", "  ExceptionFlags: 00000000", "NumberParameters: 0"]))
      .toMatchObject({ kind: "record", location: undefined, code: 0x80000003, parameters: [] });
  });

  it("keeps a C++ exception's Type lines, most derived first", () => {
    const r = parseExr([
      "ExceptionAddress: 00007ffd2f3e4fd9 (KERNELBASE!RaiseException+0x0000000000000069)",
      "   ExceptionCode: e06d7363 (C++ EH exception)",
      "  ExceptionFlags: 00000081",
      "NumberParameters: 4",
      "   Parameter[0]: 0000000019930520",
      "   Parameter[1]: 000000c6a2cff4a0",
      "   Parameter[2]: 00007ff7b3b94750",
      "   Parameter[3]: 00007ff7b3b80000",
      "  pExceptionObject: 000000c6a2cff4a0",
      "  _s_ThrowInfo    : 00007ff7b3b94750",
      "  Type            : class std::runtime_error",
      "  Type            : class std::exception",
    ]);
    expect(r).toMatchObject({
      kind: "record", code: 0xe06d7363, flags: 0x81, location: "KERNELBASE!RaiseException+0x69",
      cppTypes: ["class std::runtime_error", "class std::exception"],
      notes: ["pExceptionObject: 000000c6a2cff4a0", "_s_ThrowInfo    : 00007ff7b3b94750"],
    });
  });

  it("keeps the first of several records", () => {
    const r = parseExr([
      "ExceptionAddress: 00401000", "   ExceptionCode: c0000094 (Integer divide-by-zero)", "NumberParameters: 0",
      "ExceptionAddress: 00402000", "   ExceptionCode: c0000005 (Access violation)", "NumberParameters: 0",
    ]);
    expect(r).toMatchObject({ kind: "record", address: "00401000", code: 0xc0000094 });
  });

  it("says there is no exception when the debugger says so", () => {
    expect(parseExr(["The dump has no exception record (no exception stream)."])).toEqual({ kind: "none", text: "The dump has no exception record (no exception stream)." });
    expect(parseExr(["Last event was not an exception"]).kind).toBe("none");
    expect(parseExr(["ExceptionAddress: 00000000", "   ExceptionCode: 00000000", "NumberParameters: 0"]).kind).toBe("none");
  });

  it("calls anything else unrecognized, naming its first line", () => {
    expect(parseExr(["", "   ^ Syntax error in '.exr -1'", "junk"])).toEqual({ kind: "unrecognized", text: "^ Syntax error in '.exr -1'" });
    expect(parseExr([])).toEqual({ kind: "unrecognized", text: "(no output)" });
    expect(parseExr(["ExceptionAddress: zz", "ExceptionCode: nothex"]).kind).toBe("unrecognized");
    expect(parseExr(["   ExceptionCode: c0000005 (Access violation)"]).kind).toBe("unrecognized"); // no address
  });
});

describe("parseLastEvent", () => {
  it("reads the process, thread, code and chance", () => {
    expect(parseLastEvent(["Last event: 1138.2b0: Access violation - code c0000005 (first/second chance not available)", "  debugger time: Tue Nov 14 22:13:20.000 2023 (UTC + 0:00)"]))
      .toEqual({ processId: 0x1138, threadId: 0x2b0, description: "Access violation - code c0000005 (first/second chance not available)", code: 0xc0000005, firstChance: undefined });
    expect(parseLastEvent(["Last event: 3c8.1a70: Break instruction exception - code 80000003 (first chance)"])).toMatchObject({ threadId: 0x1a70, code: 0x80000003, firstChance: true });
    expect(parseLastEvent(["Last event: 950.768: Access violation - code c0000005 (!!! second chance !!!)"])).toMatchObject({ processId: 0x950, firstChance: false });
  });

  it("reads an event that is not an exception, and nothing from garbage", () => {
    expect(parseLastEvent(["Last event: 1138.1a4: the dump has no exception stream"])).toMatchObject({ threadId: 0x1a4, code: undefined });
    expect(parseLastEvent(["garbage", "Last event:"])).toBeUndefined();
    expect(parseLastEvent([])).toBeUndefined();
  });
});

describe("parseStackText", () => {
  it("reads x64 kn frames after .ecxr's registers and disassembly, dropping source suffixes", () => {
    expect(parseStackText([
      "rax=0000000000000000 rbx=0000000000000000",
      "00007ff6`10001434 c70018000000    mov     dword ptr [rax+18h],0",
      "  *** Stack trace for last set context - .thread/.cxr resets it",
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`0020f9a0 00007ffb`1e017034     app!worker+0x34 [c:\\src\\app.cpp @ 42]",
      "01 (Inline Function) --------`--------     app!inlined+0x5",
      "02 000000e8`0020f9d0 00007ffb`20a5aa61     kernel32!BaseThreadInitThunk+0x14",
    ])).toEqual([
      { index: 0, frame: "000000e80020f9a0", returnAddress: "00007ffb1e017034", callSite: "app!worker+0x34" },
      { index: 1, frame: "Inline", returnAddress: "----------------", callSite: "app!inlined+0x5" },
      { index: 2, frame: "000000e80020f9d0", returnAddress: "00007ffb20a5aa61", callSite: "kernel32!BaseThreadInitThunk+0x14" },
    ]);
  });

  it("reads x86 frames and ignores hex-looking lines before the header and out-of-order numbers", () => {
    expect(parseStackText([
      "0040429e 8b480c          mov     ecx,dword ptr [eax+0Ch]",
      " # ChildEBP RetAddr      ",
      "00 0019ff3c 00401234     app32!main+0x2e",
      "05 0019ff50 00401250     app32!bogus+0x1",
      "01 0019ff80 76fe6a14     kernel32!BaseThreadInitThunk+0x24",
    ])).toEqual([
      { index: 0, frame: "0019ff3c", returnAddress: "00401234", callSite: "app32!main+0x2e" },
      { index: 1, frame: "0019ff80", returnAddress: "76fe6a14", callSite: "kernel32!BaseThreadInitThunk+0x24" },
    ]);
  });

  it("finds no frames in garbage or in output without a header", () => {
    expect(parseStackText(["00 0019ff3c 00401234     app32!main+0x2e"])).toEqual([]);
    expect(parseStackText(["Unable to get exception context, HRESULT 0x8000FFFF", "junk"])).toEqual([]);
  });
});

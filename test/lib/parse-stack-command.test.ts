/** Stack command output in WinDbg's documented layouts (k variants, ~*k, !uniqstack, kernel !process), and garbage. */
import { describe, expect, it } from "vitest";
import { hexValue, parseStackCommand, splitCallSite } from "../../src/lib/parse-stack-command";

const ARGS = "00000000`00000000 00000000`00000000 00000000`00000000 00000000`00000000";

describe("parseStackCommand", () => {
  it("reads ~*kn: one block per thread, with the thread's index and ids, source suffix and inline frame", () => {
    const blocks = parseStackCommand([
      ".  0  Id: 1138.1a4 Suspend: 1 Teb: 00000047`a0000000 Unfrozen \"main\"",
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`0010fc00 00007ff6`10001150     demoapp!CrashFunction+0x34 [c:\\demo\\app.cpp @ 12]",
      "01 (Inline Function) --------`--------     demoapp!Helper+0x5",
      "02 000000e8`0010fc40 00000000`00000000     demoapp!main+0x50",
      "",
      "#  1  Id: 1138.2b0 Suspend: 1 Teb: 00000047`a0002000 Unfrozen",
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`0020fc00 00007ff6`10001180     demoapp!SpinForever+0x12",
    ]);
    expect(blocks.map((b) => b.thread)).toEqual([
      { index: 0, processId: 0x1138, threadId: 0x1a4, object: undefined },
      { index: 1, processId: 0x1138, threadId: 0x2b0, object: undefined },
    ]);
    expect(blocks[0]!.frames).toEqual([
      { index: 0, childSp: "000000e80010fc00", returnAddress: "00007ff610001150", callSite: "demoapp!CrashFunction+0x34", inline: false, sourceLine: "c:\\demo\\app.cpp @ 12", memory: undefined },
      { index: 1, childSp: "Inline", returnAddress: "----------------", callSite: "demoapp!Helper+0x5", inline: true, sourceLine: undefined, memory: undefined },
      { index: 2, childSp: "000000e80010fc40", returnAddress: "0000000000000000", callSite: "demoapp!main+0x50", inline: false, sourceLine: undefined, memory: undefined },
    ]);
    expect(blocks[1]!.frames.map((f) => f.callSite)).toEqual(["demoapp!SpinForever+0x12"]);
  });

  it("reads k without frame numbers, kv with arguments between colons, and keeps unwind warnings", () => {
    const plain = parseStackCommand([
      "Child-SP          RetAddr               Call Site",
      "000000e8`0010fc00 00007ff6`10001150     ntdll!NtWaitForSingleObject+0x14",
      "WARNING: Stack unwind information not available. Following frames may be wrong.",
      "000000e8`0010fc40 00000000`00000000     app+0x1234",
    ]);
    expect(plain).toHaveLength(1);
    expect(plain[0]!.thread).toBeUndefined();
    expect(plain[0]!.frames.map((f) => [f.index, f.childSp, f.callSite])).toEqual([[0, "000000e80010fc00", "ntdll!NtWaitForSingleObject+0x14"], [1, "000000e80010fc40", "app+0x1234"]]);
    expect(plain[0]!.warnings).toEqual(["WARNING: Stack unwind information not available. Following frames may be wrong."]);
    const kv = parseStackCommand([
      " # Child-SP          RetAddr               : Args to Child                                                           : Call Site",
      `00 000000e8\`0010fc00 00007ffb\`1e2a9d5e     : ${ARGS} : ntdll!NtWaitForSingleObject+0x14`,
      `01 000000e8\`0010fc40 00007ff6\`10001420     : ${ARGS} : KERNELBASE!WaitForSingleObjectEx+0x8e`,
    ]);
    expect(kv[0]!.frames.map((f) => [f.returnAddress, f.callSite])).toEqual([["00007ffb1e2a9d5e", "ntdll!NtWaitForSingleObject+0x14"], ["00007ff610001420", "KERNELBASE!WaitForSingleObjectEx+0x8e"]]);
  });

  it("reads x86 kb (three argument words, no colons, FPO annotations) and kf's memory column", () => {
    const kb = parseStackCommand([
      " # ChildEBP RetAddr  Args to Child              ",
      "00 0012f8d4 7c90e9c0 00000000 00000001 0012f91c ntdll!KiFastSystemCallRet (FPO: [0,0,0])",
      "01 0012f8d8 7c8025db 000007d0 00000000 00000000 ntdll!ZwWaitForSingleObject+0xc",
    ]);
    expect(kb[0]!.frames.map((f) => [f.childSp, f.returnAddress, f.callSite])).toEqual([["0012f8d4", "7c90e9c0", "ntdll!KiFastSystemCallRet"], ["0012f8d8", "7c8025db", "ntdll!ZwWaitForSingleObject+0xc"]]);
    const kf = parseStackCommand([
      " #   Memory  Child-SP          RetAddr               Call Site",
      "00           000000e8`0010fc00 00007ffb`1e2a9d5e     ntdll!NtWaitForSingleObject+0x14",
      "01        40 000000e8`0010fc40 00007ff6`10001420     KERNELBASE!WaitForSingleObjectEx+0x8e",
    ]);
    expect(kf[0]!.frames.map((f) => [f.memory, f.childSp])).toEqual([[undefined, "000000e80010fc00"], ["40", "000000e80010fc40"]]);
  });

  it("reads kc (call sites only), numbered or not", () => {
    expect(parseStackCommand([" # Call Site", "00 ntdll!NtWaitForSingleObject", "01 KERNELBASE!WaitForSingleObjectEx", "02 app!std::vector<int, std::allocator<int> >::push_back"])[0]!.frames
      .map((f) => [f.index, f.childSp, f.callSite])).toEqual([[0, undefined, "ntdll!NtWaitForSingleObject"], [1, undefined, "KERNELBASE!WaitForSingleObjectEx"], [2, undefined, "app!std::vector<int, std::allocator<int> >::push_back"]]);
    expect(parseStackCommand(["Call Site", "ntdll!NtDelayExecution", "this is a sentence, not a frame"])[0]!.frames.map((f) => f.callSite)).toEqual(["ntdll!NtDelayExecution"]);
  });

  it("reads !uniqstack (Start and Priority lines between the thread and its frames) and ignores its trailer", () => {
    const blocks = parseStackCommand([
      "Processing 3 threads, please wait",
      "",
      ".  0  Id: 1138.1a4 Suspend: 1 Teb: 00000047`a0000000 Unfrozen \"main\"",
      "      Start: demoapp!main (00007ff6`10001100)",
      "      Priority: 0  Priority class: 32  Affinity: ff",
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`0010fc00 00007ff6`10001150     demoapp!CrashFunction+0x34",
      "",
      "   2  Id: 1138.2c8 Suspend: 1 Teb: 00000047`a0004000 Unfrozen \"worker A\"",
      "      Start: demoapp!WorkerA (00007ff6`10001600)",
      "      Priority: 0  Priority class: 32  Affinity: ff",
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`0030fc00 00007ffb`2006b31c     ntdll!NtWaitForAlertByThreadId+0x14",
      "01 000000e8`0030fc40 00007ff6`1000161f     ntdll!RtlpWaitOnCriticalSection+0x11c",
      "",
      "Total threads: 3",
      "Duplicate callstacks: 1 (windbg thread #s follow):",
      "3",
    ]);
    expect(blocks.map((b) => [b.thread?.threadId, b.frames.length])).toEqual([[0x1a4, 1], [0x2c8, 2]]);
  });

  it("reads kernel !process blocks: THREAD headers, unnumbered frames, TrapFrame annotations", () => {
    const blocks = parseStackCommand([
      "PROCESS ffffe001`12345080",
      "    SessionId: 1  Cid: 0abc    Peb: 7ff5e000  ParentCid: 0568",
      "    Image: notepad.exe",
      "",
      "        THREAD ffffe001`23456080  Cid 0abc.0def  Teb: 000000d1`2f4e1000 Win32Thread: ffffe001`34567000 WAIT: (WrUserRequest) UserMode Non-Alertable",
      "            ffffe001`45678900  SynchronizationEvent",
      "        Not impersonating",
      "        Child-SP          RetAddr               : Args to Child                                                           : Call Site",
      `        ffffd000\`2a5e7830 fffff803\`5c4ad7ea     : ${ARGS} : nt!KiSwapContext+0x76`,
      `        ffffd000\`2a5e7970 fffff803\`5c4ad27f     : ${ARGS} : nt!KiSwapThread+0x15a`,
      `        ffffd000\`2a5e7a20 00007ffb\`22aa1234     : ${ARGS} : win32kfull!xxxRealSleepThread+0x2a6 (TrapFrame @ ffffd000\`2a5e7a80)`,
      "",
      "        THREAD ffffe001`23457080  Cid 0abc.0e10  Teb: 000000d1`2f4e3000 Win32Thread: 0000000000000000 WAIT: (UserRequest) UserMode Alertable",
      "        Child-SP          RetAddr               : Args to Child                                                           : Call Site",
      `        ffffd000\`2a6e7830 fffff803\`5c4ad7ea     : ${ARGS} : nt!KiSwapContext+0x76`,
    ]);
    expect(blocks.map((b) => b.thread)).toEqual([
      { index: undefined, processId: 0xabc, threadId: 0xdef, object: "ffffe00123456080" },
      { index: undefined, processId: 0xabc, threadId: 0xe10, object: "ffffe00123457080" },
    ]);
    expect(blocks[0]!.frames.map((f) => [f.index, f.callSite])).toEqual([[0, "nt!KiSwapContext+0x76"], [1, "nt!KiSwapThread+0x15a"], [2, "win32kfull!xxxRealSleepThread+0x2a6"]]);
  });

  it("finds nothing in garbage, in frames without a header, and skips out-of-order numbered lines", () => {
    expect(parseStackCommand([])).toEqual([]);
    expect(parseStackCommand(["00 000000e8`0010fc00 00007ff6`10001150     app!main+0x34"])).toEqual([]);
    expect(parseStackCommand(["Unable to get current machine context, HRESULT 0x80004002", "\u0000\u0001 binary junk", "Child-SP but nothing else"])
      .every((b) => b.frames.length === 0)).toBe(true);
    const blocks = parseStackCommand([
      " # Child-SP          RetAddr               Call Site",
      "00 000000e8`0010fc00 00007ff6`10001150     app!main+0x34",
      "07 000000e8`0010fc40 00007ff6`10001150     app!bogus+0x1",
      "01 not-an-address 00007ff6`10001150     app!x+0x1",
      "01 000000e8`0010fc80 00000000`00000000     kernel32!BaseThreadInitThunk+0x14",
    ]);
    expect(blocks[0]!.frames.map((f) => f.callSite)).toEqual(["app!main+0x34", "kernel32!BaseThreadInitThunk+0x14"]);
  });
});

describe("splitCallSite and hexValue", () => {
  it("splits module, function and displacement; module-only; bare addresses", () => {
    expect(splitCallSite("ntdll!NtWaitForSingleObject+0x14")).toEqual({ module: "ntdll", func: "NtWaitForSingleObject", offset: "0x14", address: undefined });
    expect(splitCallSite("app!std::_Func_impl<void>::operator()+0x0000000000000012")).toEqual({ module: "app", func: "std::_Func_impl<void>::operator()", offset: "0x12", address: undefined });
    expect(splitCallSite("ntdll!RtlUserThreadStart")).toEqual({ module: "ntdll", func: "RtlUserThreadStart", offset: undefined, address: undefined });
    expect(splitCallSite("xul+0x1a2b")).toEqual({ module: "xul", func: undefined, offset: "0x1a2b", address: undefined });
    expect(splitCallSite("00007ff6`10009999")).toEqual({ module: undefined, func: undefined, offset: undefined, address: "0x7ff610009999" });
    expect(splitCallSite("0x7700a000")).toEqual({ module: undefined, func: undefined, offset: undefined, address: "0x7700a000" });
  });

  it("drops kp's parameter list only when asked", () => {
    expect(splitCallSite("app!main(int argc = 0n1, char ** argv = 0x00000000`00a01230)+0x2a", true).func).toBe("main");
    expect(splitCallSite("app!Widget::operator()(int x = 0n5)+0x12", true).func).toBe("Widget::operator()");
    expect(splitCallSite("app!Widget::operator()+0x12", false).func).toBe("Widget::operator()");
  });

  it("normalizes addresses to lowercase 0x without padding", () => {
    expect(hexValue("00000000`0014F6D8")).toBe("0x14f6d8");
    expect(hexValue("0000000000000000")).toBe("0x0");
    expect(hexValue("--------`--------")).toBeUndefined();
    expect(hexValue("Inline")).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { loadEwmda, rowsOf } from "../helpers";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function evental(b: UserTargetBuilder) {
  const { dbg } = loadEwmda(b.build().spec);
  const result = dbg.dx("Debugger.Utility.Ewmda.EventalDump()");
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const AV_EXR = ["ExceptionAddress: 00007ff610001234 (app!main+0x0000000000000134)", "   ExceptionCode: c0000005 (Access violation)",
  "  ExceptionFlags: 00000000", "NumberParameters: 2", "   Parameter[0]: 0000000000000001", "   Parameter[1]: 0000000000000000",
  "Attempt to write to address 0000000000000000"];
const NO_EXR = ["The dump has no exception record (no exception stream)."];

function dumpdebug(flags: [string, string][], comment?: string): string[] {
  const value = flags.reduce((a, [v]) => a | parseInt(v, 16), 0);
  return ["----- User Mini Dump Analysis", "", "MINIDUMP_HEADER:", "Version         A793 (A063)", "NumberOfStreams 12", `Flags           ${value.toString(16)}`,
    ...flags.map(([v, n]) => `                ${v} ${n}`), "", "Streams:", "Stream 0: type ThreadListStream (3), size 00000064, RVA 000001E0",
    ...(comment ? ["Stream 9: type CommentStreamW (11), size 00000088, RVA 00001A28", `  ${comment}`] : [])];
}

const TIME = ["Debug session time: Thu Sep  8 12:55:08.000 2016 (UTC + 2:00)", "System Uptime: 3 days 4:40:45.796", "Process Uptime: 0 days 0:05:29.000",
  "  Kernel time: 0 days 0:00:00.015", "  User time: 0 days 0:00:00.031"];

describe("EventalDump: classes", () => {
  it("calls a second-chance exception a crash, with the thread, the flags, the dump time and the uptime", () => {
    const { rows, summary } = evental(userTarget().thread({ tid: 0x1a4 })
      .command(".exr -1", AV_EXR)
      .command(".lastevent", ["Last event: 1234.1a4: Access violation - code c0000005 (second chance)", "  debugger time: Thu Sep  8 12:55:08.000 2016"])
      .command(".dumpdebug", dumpdebug([["0002", "MiniDumpWithFullMemory"], ["0004", "MiniDumpWithHandleData"]]))
      .command(".time", TIME));
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect([r.Class, r.ExceptionCode, r.Thread, r.FirstChance, r.Verdict, r.Source]).toEqual(["Crash", 0xc0000005, 0x1a4, false, "Positive", "command"]);
    expect(r.Trigger).toBe("a second-chance (unhandled) exception");
    expect(r.Exception).toBe("STATUS_ACCESS_VIOLATION (Access violation) at 00007ff610001234 (app!main+0x134)");
    expect(r.DumpFlags).toBe("MiniDumpWithFullMemory, MiniDumpWithHandleData");
    expect(r.DumpTime).toBe("Thu Sep  8 12:55:08.000 2016 (UTC + 2:00)");
    expect(r.ProcessUptime).toBe("00:05:29");
    expect(r.Evidence).toBe(".exr -1; .lastevent; .ecxr; kn; .dumpdebug");
    expect(summary).toBe("EventalDump: written for an exception: STATUS_ACCESS_VIOLATION (Access violation) at 00007ff610001234 (app!main+0x134) on thread 0x1a4 (second chance); " +
      "class Crash: a second-chance (unhandled) exception; process up 00:05:29");
  });

  it("calls a first-chance exception evental and reads ProcDump's comment", () => {
    const comment = "*** procdump64.exe -accepteula -ma -e 1 -f C0000005 1234 *** First chance exception: C0000005.ACCESS_VIOLATION";
    const r = evental(userTarget().command(".exr -1", AV_EXR)
      .command(".lastevent", ["Last event: 1234.1a4: Access violation - code c0000005 (first chance)"])
      .command(".dumpdebug", dumpdebug([["0002", "MiniDumpWithFullMemory"]], comment))).rows[0]!;
    expect([r.Class, r.FirstChance, r.Verdict]).toEqual(["EventalException", true, "Positive"]);
    expect(r.Comment).toBe(comment);
  });

  it("calls a WER hang report a hang", () => {
    const r = evental(userTarget()
      .command(".exr -1", ["ExceptionAddress: 0000000000000000", "   ExceptionCode: cfffffff", "  ExceptionFlags: 00000000", "NumberParameters: 0"])
      .command(".lastevent", ["Last event: 1234.1a4: Unknown exception - code cfffffff (first/second chance not available)"])).rows[0]!;
    expect([r.Class, r.Trigger, r.Verdict]).toEqual(["Hang", "WER hang report (pseudo-exception 0xCFFFFFFF)", "Positive"]);
    expect(String(r.FirstChance)).toBe("<not available>");
  });

  it("calls a breakpoint on a debugger's break-in thread a manual dump", () => {
    const b = userTarget().module({ name: "ntdll.dll", symbols: { NtWaitForSingleObject: 0x9d4c0, DbgUiRemoteBreakin: 0xa1000, DbgBreakPoint: 0xa0ff0 } })
      .thread({ tid: 0x1a4 })
      .thread({ tid: 0x2c8, frames: ["ntdll!DbgBreakPoint", "ntdll!DbgUiRemoteBreakin+0x4e"] })
      .command(".exr -1", ["ExceptionAddress: 00007ff8000a0ff0 (ntdll!DbgBreakPoint)", "   ExceptionCode: 80000003 (Break instruction exception)", "  ExceptionFlags: 00000000", "NumberParameters: 1", "   Parameter[0]: 0000000000000000"])
      .command(".lastevent", ["Last event: 1234.2c8: Break instruction exception - code 80000003 (first chance)"]);
    const r = evental(b).rows[0]!;
    expect([r.Class, r.Verdict]).toEqual(["Manual", "Info"]);
    expect(r.Writer).toBe("a debugger's break-in thread (thread 0x2c8, ntdll!DbgUiRemoteBreakin+0x4e)");
  });

  it("takes an exception without a recorded chance as a crash when WER is on a stack", () => {
    const b = userTarget().module({ name: "kernelbase.dll", symbols: { WaitForSingleObjectEx: 0x2f000, UnhandledExceptionFilter: 0x50000 } })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!UnhandledExceptionFilter+0x1e0"] })
      .command(".exr -1", AV_EXR).command(".lastevent", ["Last event: 1234.1a4: Access violation - code c0000005 (first/second chance not available)"]);
    const r = evental(b).rows[0]!;
    expect([r.Class, String(r.FirstChance)]).toEqual(["Crash", "<not available>"]);
    expect(r.Writer).toBe("the unhandled-exception filter (thread 0x1a4, kernelbase!UnhandledExceptionFilter+0x1e0)");
  });

  it("says Exception (chance unknown) when nothing else tells", () => {
    const r = evental(userTarget().command(".exr -1", AV_EXR).command(".lastevent", ["Last event: 1234.1a4: Access violation - code c0000005 (first/second chance not available)"])).rows[0]!;
    expect([r.Class, r.Verdict]).toEqual(["Exception", "Positive"]);
  });

  it("reads a performance trigger and a hang trigger from the comment of a dump without an exception", () => {
    const cpu = evental(userTarget().command(".exr -1", NO_EXR)
      .command(".dumpdebug", dumpdebug([["0002", "MiniDumpWithFullMemory"]], "*** Process exceeded 80% CPU for 10 seconds. Thread consuming CPU: 6932 (0x1B14)"))).rows[0]!;
    expect([cpu.Class, cpu.Trigger, cpu.Verdict]).toEqual(["EventalPerformance", "a CPU threshold in the comment", "Positive"]);
    const hang = evental(userTarget().command(".exr -1", NO_EXR).command(".dumpdebug", dumpdebug([], "*** Hung window detected: 0000000000120ABC"))).rows[0]!;
    expect(hang.Class).toBe("Hang");
  });

  it("calls a dump with no exception and no writer a manual one (Info), and lists what it could not read", () => {
    const { rows } = evental(userTarget().command(".exr -1", NO_EXR));
    expect(rows[0]).toMatchObject({ Class: "Manual", Verdict: "Info", Trigger: "no exception: a manual, hang or on-demand dump" });
    expect(rows.slice(1).map((r) => [r.Verdict, String(r.Evidence).replace(/: The target has no output.*$/, "")])).toEqual([
      ["Info", "not read: .lastevent failed"], ["Info", "not read: .dumpdebug failed"], ["Info", "not read: .time failed"],
    ]);
  });

  it("says Unknown when no command answers, and never throws on garbage", () => {
    const none = evental(userTarget()).rows[0]!;
    expect([none.Class, none.Verdict]).toEqual(["Unknown", "Info"]);
    const garbage = evental(userTarget().command(".exr -1", ["%%%", "\u0000"]).command(".lastevent", ["zzz"]).command(".dumpdebug", ["<<<>>>"]).command(".time", ["?"]));
    expect(garbage.rows[0]).toMatchObject({ Class: "Manual", Verdict: "Info" });
    expect(garbage.rows.some((r) => String(r.Evidence).includes(".dumpdebug output was not recognized: <<<>>>"))).toBe(true);
  });
});

describe("EventalDump: faces", () => {
  it("prints the ! table, also on x86", () => {
    const b = userTarget({ arch: "x86" }).thread({ tid: 0x104, frames: ["ntdll!NtDelayExecution+0xc"] })
      .command(".exr -1", ["ExceptionAddress: 00401234 (app!main+0x00000134)", "   ExceptionCode: c0000005 (Access violation)", "  ExceptionFlags: 00000000", "NumberParameters: 2", "   Parameter[0]: 00000000", "   Parameter[1]: 00000000"])
      .command(".lastevent", ["Last event: 1234.104: Access violation - code c0000005 (second chance)"]);
    const { dbg } = loadEwmda(b.build().spec);
    const table = dbg.execute("!ewmda.evental");
    expect(table).toMatchSnapshot();
    expect(table[1]).toMatch(/^Class\s+Trigger\s+ExceptionCode\s+Thread\s+FirstChance\s+Writer\s+Comment\s+Verdict$/);
  });
});

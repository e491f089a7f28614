import { describe, expect, it } from "vitest";
import { parseDumpDebug, parseDuration, parseTimeCommand } from "../../src/lib/parse-dumpdebug";

describe("parseDumpDebug (.dumpdebug)", () => {
  it("reads the flags with their names, the streams and indented comments", () => {
    const r = parseDumpDebug([
      "----- User Mini Dump Analysis", "", "MINIDUMP_HEADER:", "Version         A793 (A063)", "NumberOfStreams 17", "Flags           1806",
      "                0002 MiniDumpWithFullMemory", "                0004 MiniDumpWithHandleData", "                0800 MiniDumpWithFullMemoryInfo", "                1000 MiniDumpWithThreadInfo",
      "", "Streams:", "Stream 0: type ThreadListStream (3), size 00000034, RVA 000003D0", "  1 threads",
      "Stream 9: type CommentStreamW (11), size 00000088, RVA 00001A28", "  *** procdump64.exe -accepteula -ma -e 1 1234", "  *** First chance exception: C0000005.ACCESS_VIOLATION",
      "Stream 10: type UnusedStream (0), size 00000000, RVA 00000000",
    ]);
    expect(r).toEqual({
      flags: 0x1806, flagNames: ["MiniDumpWithFullMemory", "MiniDumpWithHandleData", "MiniDumpWithFullMemoryInfo", "MiniDumpWithThreadInfo"],
      streams: [{ index: 0, name: "ThreadListStream", type: 3, size: 0x34 }, { index: 9, name: "CommentStreamW", type: 11, size: 0x88 }, { index: 10, name: "UnusedStream", type: 0, size: 0 }],
      comments: ["*** procdump64.exe -accepteula -ma -e 1 1234", "*** First chance exception: C0000005.ACCESS_VIOLATION"], kind: "User Mini Dump",
    });
  });

  it("reads `Comment:` lines (quoted or not) and reports garbage", () => {
    expect(parseDumpDebug(["Flags           0", "", "Comment: 'Dump taken by hand'", "Comment: plain"])).toMatchObject({ comments: ["Dump taken by hand", "plain"], flags: 0 });
    expect(parseDumpDebug(["#$%", "Stream x"])).toEqual({ error: ".dumpdebug output was not recognized: #$%" });
    expect(parseDumpDebug([])).toEqual({ error: ".dumpdebug printed nothing" });
  });
});

describe("parseTimeCommand (.time)", () => {
  it("reads the session time, the uptimes and the process times", () => {
    expect(parseTimeCommand(["Debug session time: Wed Sep 14 17:23:56.000 2016 (UTC - 7:00)", "System Uptime: 3 days 4:40:45.796", "Process Uptime: 0 days 0:00:29.000",
      "  Kernel time: 0 days 0:00:00.015", "  User time: 0 days 0:00:01.031"])).toEqual({
      sessionTime: "Wed Sep 14 17:23:56.000 2016 (UTC - 7:00)", systemUptime: 3 * 86400 + 4 * 3600 + 40 * 60 + 45.796, processUptime: 29, processKernelTime: 0.015, processUserTime: 1.031,
    });
  });

  it("leaves out what the dump does not have, and survives garbage", () => {
    expect(parseTimeCommand(["System Uptime: not available", "Process Uptime: not available"])).toEqual({ sessionTime: undefined, systemUptime: undefined, processUptime: undefined, processKernelTime: undefined, processUserTime: undefined });
    expect(parseTimeCommand(["User time: 0:01", "\u0000"]).processUserTime).toBeUndefined();
    expect([parseDuration("1:02:03"), parseDuration("2:03.5"), parseDuration("7"), parseDuration("x")]).toEqual([3723, 123.5, 7, undefined]);
  });
});

import { describe, expect, it } from "vitest";
import { fileTimeOfMs, formatFileTime, formatSeconds, msOfFileTime, parseSessionTime } from "../../src/lib/parse-time";

describe("parseSessionTime (.time)", () => {
  it("reads the session time in local time with its UTC offset, as UTC", () => {
    // WinDbg's .time output (kernel dump): local time and the offset from UTC.
    const lines = [
      "Debug session time: Mon Jan 15 13:00:00.000 2024 (UTC + 1:00)",
      "System Uptime: 0 days 5:00:00.125",
    ];
    const t = parseSessionTime(lines)!;
    expect(t.utcMs).toBe(Date.UTC(2024, 0, 15, 12, 0, 0));
    expect(t.line).toBe(lines[0]);
    expect(formatFileTime(t.fileTimeHi, t.fileTimeLo)).toBe("2024-01-15 12:00:00");
  });

  it("handles negative offsets, milliseconds and a missing offset", () => {
    expect(parseSessionTime(["Debug session time: Tue Mar  5 08:30:15.250 2024 (UTC - 5:30)"])!.utcMs).toBe(Date.UTC(2024, 2, 5, 14, 0, 15, 250));
    expect(parseSessionTime(["Debug session time: Tue Mar 5 08:30:15 2024"])!.utcMs).toBe(Date.UTC(2024, 2, 5, 8, 30, 15));
  });

  it("finds nothing in garbage or impossible dates", () => {
    expect(parseSessionTime([])).toBeUndefined();
    expect(parseSessionTime(["Debug session time: not available"])).toBeUndefined();
    expect(parseSessionTime(["Debug session time: Mon Foo 15 13:00:00.000 2024"])).toBeUndefined();
    expect(parseSessionTime(["Debug session time: Mon Jan 15 25:00:00.000 2024"])).toBeUndefined();
    expect(parseSessionTime(["\u0000\u0001 garbage"])).toBeUndefined();
  });
});

describe("FILETIME helpers", () => {
  it("convert both ways (to a few microseconds: FILETIMEs exceed 2^53)", () => {
    const ms = Date.UTC(2024, 0, 15, 9, 30);
    const [hi, lo] = fileTimeOfMs(ms);
    const exact = BigInt(ms) * 10_000n + 116_444_736_000_000_000n;
    const got = (BigInt(hi) << 32n) | BigInt(lo);
    expect(got - exact < 100n && exact - got < 100n).toBe(true);
    expect(Math.round(msOfFileTime(hi, lo))).toBe(ms);
    expect(formatFileTime(hi, lo)).toBe("2024-01-15 09:30:00");
  });

  it("format durations", () => {
    expect(formatSeconds(30)).toBe("30 s");
    expect(formatSeconds(12.34)).toBe("12.3 s");
    expect(formatSeconds(3600 * 2 + 61)).toBe("02:01:01");
    expect(formatSeconds(86400 * 3 + 5)).toBe("3 d 00:00:05");
    expect(formatSeconds(-90)).toBe("-00:01:30");
    expect(formatSeconds(Infinity)).toBe("?");
  });
});

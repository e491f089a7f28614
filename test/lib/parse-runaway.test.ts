/**
 * !runaway parsing on text in the layouts WinDbg prints: the modern `D days H:MM:SS.mmm` form, the
 * documentation's older example, the error a dump without thread times gives, and garbage.
 */
import { describe, expect, it } from "vitest";
import { formatDuration, isRunawayError, parseRunaway, type RunawayTimes } from "../../src/lib/parse-runaway";

function ok(lines: string[]): RunawayTimes {
  const r = parseRunaway(lines);
  if (isRunawayError(r)) throw new Error("unexpected error: " + r.error);
  return r;
}

describe("parseRunaway", () => {
  it("reads all three sections of !runaway 7 and joins them per thread", () => {
    const r = ok([
      " User Mode Time",
      "  Thread       Time",
      "   1:2b0      1 days 2:03:04.567",
      "   0:1a4      0 days 0:00:41.015",
      " Kernel Mode Time",
      "  Thread       Time",
      "   0:1a4      0 days 0:00:00.005",
      "   1:2b0      0 days 0:00:00.000",
      " Elapsed Time",
      "  Thread       Time",
      "   1:2b0      2 days 0:00:00.250",
      "   0:1a4      0 days 0:10:00.000",
    ]);
    expect(r.sections).toEqual(["user", "kernel", "elapsed"]);
    expect(r.unparsed).toBe(0);
    // 1 day 2 h 3 min 4.567 s = (86400 + 7200 + 180 + 4) s + 567 ms
    expect(r.threads).toEqual([
      { index: 1, tid: 0x2b0, userMs: 93784567, kernelMs: 0, elapsedMs: 2 * 86400000 + 250 },
      { index: 0, tid: 0x1a4, userMs: 41015, kernelMs: 5, elapsedMs: 600000 },
    ]);
  });

  it("reads the documentation's example (no days, four fraction digits, blank lines between sections)", () => {
    const r = ok([
      "",
      " User Mode Time",
      " Thread       Time",
      " 0:55c        0:00:00.0093",
      " 1:1a4        0:00:00.0000",
      "",
      " Kernel Mode Time",
      " Thread       Time",
      " 0:55c        0:00:00.0140",
      " 1:1a4        0:00:00.0000",
      "",
      " Elapsed Time",
      " Thread       Time",
      " 0:55c        0:00:43.0533",
      " 1:1a4        0:00:25.0876",
    ]);
    // .0093 s = 9.3 ms, rounded; 43.0533 s = 43053.3 ms
    expect(r.threads).toEqual([
      { index: 0, tid: 0x55c, userMs: 9, kernelMs: 14, elapsedMs: 43053 },
      { index: 1, tid: 0x1a4, userMs: 0, kernelMs: 0, elapsedMs: 25088 },
    ]);
  });

  it("keeps times undefined for sections that were not printed (!runaway 1)", () => {
    const r = ok([" User Mode Time", "  Thread       Time", "  12:3f08      0 days 0:01:00.000"]);
    expect(r.sections).toEqual(["user"]);
    expect(r.threads).toEqual([{ index: 12, tid: 0x3f08, userMs: 60000, kernelMs: undefined, elapsedMs: undefined }]);
  });

  it("returns WinDbg's reason when the dump has no thread times", () => {
    const r = parseRunaway([
      "ERROR: !runaway: extension exception 0x80004002.",
      "    \"Unable to get thread times - dumps may not have time information\"",
    ]);
    expect(r).toEqual({ error: "Unable to get thread times - dumps may not have time information" });
  });

  it("passes on the debugger's message when the extension is not there", () => {
    expect(parseRunaway(["No export runaway found"])).toEqual({ error: "No export runaway found" });
  });

  it("says there was no output", () => {
    expect(parseRunaway([])).toEqual({ error: "!runaway printed nothing" });
    expect(parseRunaway(["", "   "])).toEqual({ error: "!runaway printed nothing" });
  });

  it("does not take garbage for times", () => {
    const r = parseRunaway(["%%% line noise", "0:1a4 yesterday", "12:34"]);
    expect(r).toEqual({ error: "no thread times in the output (it starts \"%%% line noise\")" });
    // Thread-like lines outside any section are not times.
    expect(isRunawayError(parseRunaway(["   0:1a4      0 days 0:00:41.015"]))).toBe(true);
  });

  it("counts lines it did not understand among good ones", () => {
    const r = ok([" User Mode Time", "  Thread       Time", "   0:1a4      0 days 0:00:01.000", "   something else", " Kernel Mode Time", "   0:1a4      0 days 0:00:02.000"]);
    expect(r.unparsed).toBe(1);
    expect(r.threads[0]).toEqual({ index: 0, tid: 0x1a4, userMs: 1000, kernelMs: 2000, elapsedMs: undefined });
  });
});

describe("formatDuration", () => {
  it("prints H:MM:SS.mmm, with days only when there are any", () => {
    expect(formatDuration(41015)).toBe("0:00:41.015");
    expect(formatDuration(93784567)).toBe("1 days 2:03:04.567");
    expect(formatDuration(0)).toBe("0:00:00.000");
    expect(formatDuration(3600000 + 5)).toBe("1:00:00.005");
  });
});

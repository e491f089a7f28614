/** `~` parsing on lines in the layout WinDbg prints, and on garbage. */
import { describe, expect, it } from "vitest";
import { parseThreadList } from "../../src/lib/parse-threads";

describe("parseThreadList", () => {
  it("reads marks, index, ids, suspend count, TEB, freeze state and name", () => {
    const r = parseThreadList([
      ".  0  Id: 1138.1a4 Suspend: 1 Teb: 000000e8`0002e000 Unfrozen \"main\"",
      "#  1  Id: 1138.2b0 Suspend: 2 Teb: 000000e8`00030000 Unfrozen",
      "  12  Id: 1138.3f08 Suspend: 1 Teb: 000000e8`00050000 Frozen \"io worker\"",
    ]);
    expect(r.unparsed).toEqual([]);
    expect(r.threads).toEqual([
      { index: 0, processId: 0x1138, tid: 0x1a4, suspendCount: 1, teb: "000000e8`0002e000", frozen: false, current: true, lastEvent: false, name: "main" },
      { index: 1, processId: 0x1138, tid: 0x2b0, suspendCount: 2, teb: "000000e8`00030000", frozen: false, current: false, lastEvent: true, name: undefined },
      { index: 12, processId: 0x1138, tid: 0x3f08, suspendCount: 1, teb: "000000e8`00050000", frozen: true, current: false, lastEvent: false, name: "io worker" },
    ]);
  });

  it("reads 32-bit TEBs without a backtick", () => {
    const r = parseThreadList(["   1  Id: 9a0.104 Suspend: 0 Teb: 7ffde000 Unfrozen"]);
    expect(r.threads.map((t) => [t.tid, t.suspendCount, t.teb])).toEqual([[0x104, 0, "7ffde000"]]);
  });

  it("keeps what it does not understand apart, and skips blank lines", () => {
    const r = parseThreadList(["", "Unable to enumerate threads", "   0  Id: 1138.1a4 Suspend: lots Teb: 0 Unfrozen", "\u0000\u0001"]);
    expect(r.threads).toEqual([]);
    expect(r.unparsed).toEqual(["Unable to enumerate threads", "   0  Id: 1138.1a4 Suspend: lots Teb: 0 Unfrozen", "\u0000\u0001"]);
  });
});

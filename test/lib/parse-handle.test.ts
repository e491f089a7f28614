import { describe, expect, it } from "vitest";
import { isHandleError, parseHandles } from "../../src/lib/parse-handle";

describe("parseHandles (!handle)", () => {
  it("reads the per-type summary (type names with spaces, tab-separated counts)", () => {
    const r = parseHandles([
      "Handle 0000000000000004", "  Type         \tDirectory", "Handle 0000000000000008", "  Type         \tFile",
      "377 Handles", "Type           \tCount", "None           \t26", "Event          \t74", "ALPC Port      \t9", "WaitCompletionPacket\t4",
    ]);
    if (isHandleError(r)) throw new Error(r.error);
    expect([r.total, r.from, r.unparsed]).toEqual([377, "summary", 0]);
    expect(r.byType).toEqual([{ type: "Event", count: 74 }, { type: "None", count: 26 }, { type: "ALPC Port", count: 9 }, { type: "WaitCompletionPacket", count: 4 }]);
  });

  it("counts the per-handle listing when there is no summary (and an empty Type as None), ignoring detail lines", () => {
    const r = parseHandles(["Handle 10", "  Type         \tEvent", "  Attributes   \t0", "  GrantedAccess\t0x1f0003:", "         Delete,ReadControl,WriteDac,WriteOwner,Synch",
      "  HandleCount \t2", "  PointerCount \t65537", "  Name         \t<none>", "  No object specific information available", "Handle 14", "  Type"]);
    if (isHandleError(r)) throw new Error(r.error);
    expect([r.total, r.from, r.byType, r.unparsed]).toEqual([2, "listing", [{ type: "Event", count: 1 }, { type: "None", count: 1 }], 0]);
  });

  it("returns WinDbg's error when the dump has no handle data, and a message for garbage", () => {
    expect(parseHandles(["ERROR: !handle: extension exception 0x80004002.", "    \"Unable to read handle information\""])).toEqual({ error: "ERROR: !handle: extension exception 0x80004002." });
    expect(parseHandles(["No export handle found"])).toEqual({ error: "No export handle found" });
    expect(parseHandles(["@@@", "123abc"])).toEqual({ error: "the !handle output was not recognized" });
    expect(parseHandles([])).toEqual({ error: "!handle printed nothing" });
  });
});

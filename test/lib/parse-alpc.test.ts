/**
 * The `!thread` ALPC line parser on text in the format WinDbg prints for a thread waiting for an ALPC reply
 * (as quoted in Vostokov's Wait Chain (ALPC) pattern, Crash Dump Analysis Patterns part 42f), and on garbage.
 */
import { describe, expect, it } from "vitest";
import { parseAlpcWait } from "../../src/lib/parse-alpc";

const THREAD = [
  "THREAD fffffa8004f2d060  Cid 0c54.0ddc  Teb: 000007fffffd8000 Win32Thread: 0000000000000000 WAIT: (WrLpcReply) UserMode Non-Alertable",
  "    fffffa8004f2d420  Semaphore Limit 0x1",
  "Waiting for reply to ALPC Message fffff8a0024d4cf0 : queued at port fffffa8004a5a070 : owned by process fffffa8003e5d060",
  "Not impersonating",
  "DeviceMap                 fffff8a000008c10",
  "Owning Process            fffffa8004dd4b30       Image:         app.exe",
];

describe("parseAlpcWait", () => {
  it("reads the message, port and owning process of a waiting client", () => {
    expect(parseAlpcWait(THREAD)).toEqual({
      message: "fffff8a0024d4cf0", port: "fffffa8004a5a070", ownerProcess: "fffffa8003e5d060", line: THREAD[2],
    });
  });

  it("accepts WinDbg's backtick separator and indentation", () => {
    const r = parseAlpcWait(["        Waiting for reply to ALPC Message ffffc08b`1c2d3e40 : queued at port ffffc08b`19a0b5e0 : owned by process ffffc08b`17c4d080"]);
    expect(r!.message).toBe("ffffc08b1c2d3e40");
    expect(r!.port).toBe("ffffc08b19a0b5e0");
    expect(r!.ownerProcess).toBe("ffffc08b17c4d080");
  });

  it("keeps the message when the port part is missing", () => {
    const r = parseAlpcWait(["Waiting for reply to ALPC Message fffff8a0024d4cf0"]);
    expect(r).toEqual({ message: "fffff8a0024d4cf0", port: undefined, ownerProcess: undefined, line: "Waiting for reply to ALPC Message fffff8a0024d4cf0" });
  });

  it("gives undefined for a thread without the line and for garbage", () => {
    expect(parseAlpcWait(THREAD.filter((l) => !/ALPC/.test(l)))).toBeUndefined();
    expect(parseAlpcWait([])).toBeUndefined();
    expect(parseAlpcWait(["No export thread found", "^ Syntax error", "\u0000\u00ff"])).toBeUndefined();
    expect(parseAlpcWait(["Waiting for reply to ALPC Message zzzz"])).toBeUndefined();
  });
});

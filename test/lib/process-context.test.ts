/** The process-context helpers that need no target: environment block splitting, command-line redaction, evental comment triggers. */
import { describe, expect, it } from "vitest";
import { redactCommandLine, environmentRules } from "../../src/extensions/environment-hints";
import { commentTrigger } from "../../src/lib/evental";
import { decodeUtf16, parseEnvironmentText } from "../../src/lib/peb";

describe("parseEnvironmentText", () => {
  it("splits entries, keeps =C: drive entries, and stops at the empty entry", () => {
    expect(parseEnvironmentText("=C:=C:\\work\u0000PATH=C:\\x;D:\\y\u0000A=\u0000\u0000GARBAGE=1\u0000")).toEqual({
      variables: [{ name: "=C:", value: "C:\\work", index: 0 }, { name: "PATH", value: "C:\\x;D:\\y", index: 1 }, { name: "A", value: "", index: 2 }], terminated: true,
    });
  });

  it("keeps a whole last entry of a cut block and drops a broken one", () => {
    expect(parseEnvironmentText("A=1\u0000B=2")).toEqual({ variables: [{ name: "A", value: "1", index: 0 }, { name: "B", value: "2", index: 1 }], terminated: false });
    expect(parseEnvironmentText("A=1\u0000BROK").variables.map((v) => v.name)).toEqual(["A"]);
    expect(decodeUtf16([0x41, 0, 0x42, 0, 0x43], 5)).toBe("AB");
  });
});

describe("redactCommandLine", () => {
  it("hides the values of secret-looking arguments and URL credentials, nothing else", () => {
    expect(redactCommandLine("\"C:\\a b\\app.exe\" --password=pw1 /token:t0k -apikey KEY -v --key value url=https://u:p@h/x --user bob"))
      .toBe("\"C:\\a b\\app.exe\" --password=<hidden> /token:<hidden> -apikey <hidden> -v --key <hidden> url=https://<hidden>@h/x --user bob");
    expect(redactCommandLine("app.exe -p 80 --verbose")).toBe("app.exe -p 80 --verbose");
  });
});

describe("environmentRules", () => {
  it("reads WOW64's PROCESSOR_ARCHITECTURE=x86 as right for a 32-bit process", () => {
    const rules = environmentRules([{ name: "PROCESSOR_ARCHITECTURE", value: "x86", index: 0 }, { name: "PROCESSOR_ARCHITEW6432", value: "AMD64", index: 1 }], 8, 4095, false);
    expect(rules.map((r) => r.rule)).toEqual(["Wow64"]);
  });
});

describe("commentTrigger", () => {
  it("reads ProcDump, DebugDiag and WER wording", () => {
    expect(commentTrigger("*** Hung window detected: 0000000000120ABC")!.eventClass).toBe("Hang");
    expect(commentTrigger("*** First chance exception: C0000005.ACCESS_VIOLATION")!.eventClass).toBe("EventalException");
    expect(commentTrigger("*** Unhandled exception: E0434352.CLR")!.eventClass).toBe("Crash");
    expect(commentTrigger("*** Process exceeded 80% CPU for 10 seconds")!.eventClass).toBe("EventalPerformance");
    expect(commentTrigger("*** Commit usage exceeded 100 MB")!.eventClass).toBe("EventalPerformance");
    expect(commentTrigger("*** procdump64.exe -ma 1234")!.eventClass).toBe("Manual");
    expect(commentTrigger("hello")).toBeUndefined();
  });
});

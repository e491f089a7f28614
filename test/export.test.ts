/** The export face: every document the bundle writes validates against schema/ewmda.result.v1.schema.json. */
import { describe, expect, it } from "vitest";
import { ANALYSES } from "../src/extensions/registry";
import { loadEwmda } from "./helpers";
import { expectValidDocument } from "./schema-check";
import { ret, stackref, sym, userTarget } from "./mocks/user-target";

describe("ToJson()", () => {
  it("writes a valid document with hex strings, absent reasons and the target", () => {
    const t = userTarget({ dumpFileName: "C:\\dumps\\app.dmp" }).module({ name: "ntdll.dll", code: true, symbols: { NtWaitForSingleObject: 0x9d4c0 } })
      .thread({ tid: 0x1a4, stack: [ret("ntdll!NtWaitForSingleObject", 0x14), sym("kernel32!Sleep", 0x10), stackref(0x1a4, 8)] }).build();
    const { dbg } = loadEwmda(t.spec);
    const doc = JSON.parse(dbg.dx("Debugger.Utility.Ewmda.RawStack().ToJson()") as string);
    expectValidDocument(doc);
    expect(doc.target).toEqual({ kind: "user", dumpFile: "C:\\dumps\\app.dmp", processId: 0x1234, processName: "app.exe", pointerSize: 8, arch: "x64" });
    expect(doc.analysis).toEqual({ name: "RawStack", command: "rawstack", version: "1.0.0", patterns: ["Execution Residue (Unmanaged Space, User)"] });
    expect(doc.rows[0]).toMatchObject({ Thread: "0x1a4", Kind: "CodePointer", Symbol: "ntdll!NtWaitForSingleObject+0x14", ReturnAddress: true, Live: true });
    expect(doc.rows[0].Value).toBe("0x" + t.at.symbol("ntdll!NtWaitForSingleObject", 0x14).toString(16));
    // kernel32's code is not in the dump: ReturnAddress is null with the reason.
    expect(doc.rows[1].ReturnAddress).toBeNull();
    expect(doc.rows[1]._absent.ReturnAddress).toMatch(/^unreadable: code bytes before .* are not in the dump$/);
    // Not applicable values are left out.
    expect("Symbol" in doc.rows[2]).toBe(false);
  });

  it.each(ANALYSES.map((a) => [a.meta.name] as const))("%s writes valid documents on standard targets", (name) => {
    for (const spec of [userTarget().build().spec, userTarget({ arch: "x86" }).build().spec, userTarget({ ntdllSymbols: false }).build().spec]) {
      const { dbg } = loadEwmda(spec);
      expectValidDocument(JSON.parse(dbg.dx(`Debugger.Utility.Ewmda.${name}().ToJson()`) as string));
    }
  });
});

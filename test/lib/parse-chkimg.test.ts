import { describe, expect, it } from "vitest";
import { parseChkimg } from "../../src/lib/parse-chkimg";

describe("parseChkimg (!chkimg -lo 50 -d)", () => {
  it("reads ranges, single bytes and the summary", () => {
    const r = parseChkimg([
      "Searching for module with expression: kernel32", "Will apply relocation fixups to file used for comparison", "Will ignore NOP/LOCK errors",
      "Will ignore patched instructions", "Image specific ignores will be applied", "Comparison image path: c:\\symbols\\kernel32.dll\\4CE7B8F2e0000\\kernel32.dll",
      "No range specified", "", "Scanning section:    .text", "Size: 633532", "Range to scan: 76e11000-76eababc",
      "    76e3e6a5-76e3e6a9  5 bytes - kernel32!CreateFileW", "\t[ 8b ff 55 8b ec:e9 56 19 0c 09 ]",
      "    76e41234 - kernel32!GetProcAddress+4\t[ 55:cc ]",
      "Total bytes compared: 633532(100%)", "Number of errors: 6", "6 errors : kernel32 (76e3e6a5-76e41234)",
    ]);
    expect(r).toEqual({
      kind: "compared", module: "kernel32", errors: 6, imagePath: "c:\\symbols\\kernel32.dll\\4CE7B8F2e0000\\kernel32.dll",
      differences: [
        { start: "76e3e6a5", end: "76e3e6a9", length: 5, symbol: "kernel32!CreateFileW", expected: [0x8b, 0xff, 0x55, 0x8b, 0xec], actual: [0xe9, 0x56, 0x19, 0x0c, 0x09] },
        { start: "76e41234", end: "76e41234", length: 1, symbol: "kernel32!GetProcAddress+4", expected: [0x55], actual: [0xcc] },
      ],
    });
  });

  it("reads a clean comparison, and 64-bit addresses with backticks", () => {
    expect(parseChkimg(["0 errors : !ntdll"])).toMatchObject({ kind: "compared", module: "ntdll", errors: 0, differences: [] });
    const r = parseChkimg(["    00007ffa`b2f4e6a5-00007ffa`b2f4e6a9  5 bytes - ntdll!NtCreateFile", "\t[ 4c 8b d1 b8 55:e9 00 10 00 80 ]", "5 errors : ntdll (7ffab2f4e6a5-7ffab2f4e6a9)"]);
    expect(r).toMatchObject({ kind: "compared", differences: [{ start: "00007ffab2f4e6a5", end: "00007ffab2f4e6a9", length: 5 }] });
  });

  it("says not checked when the image file is missing, and for garbage (never clean)", () => {
    expect(parseChkimg(["Error for ntdll: Could not find image file for the module. Make sure binaries are included in the symbol path."]))
      .toEqual({ kind: "not checked", reason: "Error for ntdll: Could not find image file for the module. Make sure binaries are included in the symbol path." });
    expect(parseChkimg(["No export chkimg found"])).toEqual({ kind: "not checked", reason: "No export chkimg found" });
    expect(parseChkimg(["~~~", "12 34"])).toEqual({ kind: "not checked", reason: "the !chkimg output was not recognized: ~~~" });
    expect(parseChkimg([])).toEqual({ kind: "not checked", reason: "!chkimg printed nothing" });
  });
});

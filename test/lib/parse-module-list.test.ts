import { describe, expect, it } from "vitest";
import { parseModuleList } from "../../src/lib/parse-module-list";

/** `lmv` as WinDbg prints it for a minidump (module stream only) and for a mapped image with resources. */
const LMV = [
  "start             end                 module name",
  "00007ff6`a1b20000 00007ff6`a1b45000   notepad    (deferred)             ",
  "    Image path: C:\\Windows\\System32\\notepad.exe",
  "    Image name: notepad.exe",
  "    Browse all global symbols  functions  data",
  "    Image was built with /Brepro flag.",
  "    Timestamp:        1C5A3C41 (This is a reproducible build file hash, not a timestamp)",
  "    CheckSum:         0003D70E",
  "    ImageSize:        00025000",
  "    File version:     10.0.19041.1865",
  "    Product version:  10.0.19041.1865",
  "    File flags:       0 (Mask 3F)",
  "    File OS:          40004 NT Win32",
  "    File type:        1.0 App",
  "    File date:        00000000.00000000",
  "    Translations:     0409.04b0",
  "    Information from resource tables:",
  "        CompanyName:      Microsoft Corporation",
  "        ProductName:      Microsoft\u00ae Windows\u00ae Operating System",
  "        InternalName:     Notepad",
  "        FileVersion:      10.0.19041.1865 (WinBuild.160101.0800)",
  "00007ffa`b2f30000 00007ffa`b3128000   ntdll      (pdb symbols)          c:\\symbols\\ntdll.pdb\\8D5D5ED5D5D5\\ntdll.pdb",
  "    Loaded symbol image file: ntdll.dll",
  "    Image path: C:\\Windows\\SYSTEM32\\ntdll.dll",
  "    Image name: ntdll.dll",
  "    Timestamp:        Tue Oct 18 03:49:39 2016 (58058A63)",
  "    CheckSum:         001F79D5",
  "    ImageSize:        001F8000",
  "",
  "Unloaded modules:",
  "00007ffa`9e4f0000 00007ffa`9e51f000   dsreg.dll",
];

describe("parseModuleList (lmv)", () => {
  it("reads each module's line and its detail block", () => {
    const r = parseModuleList(LMV);
    expect(r.modules.map((m) => [m.name, m.symbolStatus, m.imagePath, m.timestamp, m.reproducible, m.checksum, m.imageSize, m.fileVersion])).toEqual([
      ["notepad", "deferred", "C:\\Windows\\System32\\notepad.exe", 0x1c5a3c41, true, 0x3d70e, 0x25000, "10.0.19041.1865"],
      ["ntdll", "pdb symbols", "C:\\Windows\\SYSTEM32\\ntdll.dll", 0x58058a63, false, 0x1f79d5, 0x1f8000, undefined],
    ]);
    expect(r.modules[0]!.resources).toEqual({
      CompanyName: "Microsoft Corporation", ProductName: "Microsoft\u00ae Windows\u00ae Operating System", InternalName: "Notepad", FileVersion: "10.0.19041.1865 (WinBuild.160101.0800)",
    });
    expect(r.modules[1]!.symbolFile).toBe("c:\\symbols\\ntdll.pdb\\8D5D5ED5D5D5\\ntdll.pdb");
    expect([r.modules[0]!.range.startHi, r.modules[0]!.range.startLo]).toEqual([0x7ff6, 0xa1b20000]);
    expect(r.unloaded.map((u) => u.name)).toEqual(["dsreg.dll"]);
    expect(r.unparsed).toBe(0);
  });

  it("reads 32-bit listings and plain lm", () => {
    const r = parseModuleList(["start    end        module name", "00400000 0041b000   app        (deferred)", "77080000 77223000   ntdll      (export symbols)       ntdll.dll"]);
    expect(r.modules.map((m) => [m.name, m.symbolStatus, m.range.startLo, m.fileVersion])).toEqual([["app", "deferred", 0x400000, undefined], ["ntdll", "export symbols", 0x77080000, undefined]]);
  });

  it("counts garbage instead of failing", () => {
    const r = parseModuleList(["%%%", "Image path: orphan", "\u0000\u0001", "zz   yy   xx"]);
    expect(r.modules).toEqual([]);
    expect(r.unparsed).toBe(4);
  });
});

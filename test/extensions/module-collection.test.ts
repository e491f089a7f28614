import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { loadEwmda, rowsOf } from "../helpers";
import { DUMPS } from "../oracle/breakpad-output";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function modules(spec: TargetSpec, expr = "Debugger.Utility.Ewmda.Modules()") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const GUID = "3844DBB9-2017-4967-BE6A-A02F2F6F7D6B";
const TIME_2016 = ["Debug session time: Tue Sep 20 10:00:00.000 2016 (UTC + 0:00)", "System Uptime: not available", "Process Uptime: 0 days 0:01:00.000"];

function product(): UserTargetBuilder {
  return userTarget()
    .module({ name: "C:\\Program Files\\Contoso\\hook.dll", size: 0x40000, timestamp: 0x42f1a3c0, pdb: { name: "d:\\build\\hook.pdb", guid: GUID, age: 3 },
      version: { fileVersion: "2.1.0.5", productVersion: "2.1.0.0", strings: { CompanyName: "Contoso Ltd", ProductName: "Contoso Hook" } } })
    .module({ name: "kernel32.dll", timestamp: 0x57e0a2f1, version: { fileVersion: "10.0.14393.0", strings: { CompanyName: "Microsoft Corporation" } } })
    .command(".time", TIME_2016);
}

describe("Modules: what the images in the dump say", () => {
  it("reads versions, company, link date and PDB from each image's headers and resources", () => {
    const { rows, summary } = modules(product().build().spec);
    const hook = rows.find((r) => r.Module === "hook.dll")!;
    expect([hook.FileVersion, hook.ProductVersion, hook.Company, hook.TimeDateStamp, hook.Pdb, hook.PdbId, hook.Flags, hook.Verdict, hook.Source]).toEqual([
      "2.1.0.5", "2.1.0.0", "Contoso Ltd", "2005-08-04 05:12:32 (0x42f1a3c0)", "hook.pdb", "{3844DBB9-2017-4967-BE6A-A02F2F6F7D6B} age 3",
      "NonMS, OutsideWindows, OldBuild", "Info", "typed",
    ]);
    expect(hook.Path).toBe("C:\\Program Files\\Contoso\\hook.dll");
    expect(hook.Evidence).toMatch(/^lmvm hook; !dh [0-9a-f`]+ -f$/);
    const k32 = rows.find((r) => r.Module === "kernel32.dll")!;
    expect([k32.FileVersion, k32.Company, k32.TimeDateStamp, k32.Flags]).toEqual(["10.0.14393.0", "Microsoft Corporation", "2016-09-20 02:46:09 (0x57e0a2f1)", ""]);
    expect(rows).toHaveLength(5);
    expect(summary).toBe("Modules: 5 modules; 2 with a version, 2 not Microsoft");
  });

  it("says per field why it is missing, and takes what lmv shows from the module stream", () => {
    const b = userTarget().module({ name: "C:\\Program Files\\App\\plugin.dll", headers: false }).command(".time", TIME_2016);
    const base = b.build().at.module("plugin");
    const start = base.toString(16).padStart(16, "0");
    const end = (base + 0x40000n).toString(16).padStart(16, "0");
    const tick = (h: string) => `${h.slice(0, 8)}\`${h.slice(8)}`;
    b.command("lmv", [
      "start             end                 module name",
      `${tick(start)} ${tick(end)}   plugin     (export symbols)       C:\\Program Files\\App\\plugin.dll`,
      "    Image path: C:\\Program Files\\App\\plugin.dll",
      "    Image name: plugin.dll",
      "    Timestamp:        1C5A3C41 (This is a reproducible build file hash, not a timestamp)",
      "    CheckSum:         0003D70E",
      "    ImageSize:        00040000",
      "    File version:     3.4.5.6",
      "    Product version:  3.4.0.0",
    ]);
    const { rows } = modules(b.build().spec);
    const p = rows.find((r) => r.Module === "plugin.dll")!;
    expect([p.FileVersion, p.ProductVersion, p.TimeDateStamp, p.Symbols, p.Flags, p.Source]).toEqual(["3.4.5.6", "3.4.0.0", "hash 0x1c5a3c41 (reproducible build, not a date)", "export symbols", "NonMS, OutsideWindows, HashStamp", "command"]);
    expect(String(p.Company)).toBe("<not available>");
    const app = rows.find((r) => r.Module === "app.exe")!;
    expect(String(app.Symbols)).toBe("<not available>");
  });

  it("takes the PDB id from the symbol store path lmv shows when the image's debug directory is not in the dump", () => {
    const listing = (status: string) => {
      const b = userTarget().module({ name: "C:\\Program Files\\App\\plugin.dll", headers: false }).command(".time", TIME_2016);
      const base = b.build().at.module("plugin");
      const hex = (v: bigint) => { const h = v.toString(16).padStart(16, "0"); return `${h.slice(0, 8)}\`${h.slice(8)}`; };
      b.command("lmv", ["start             end                 module name", `${hex(base)} ${hex(base + 0x40000n)}   plugin     ${status}`,
        "    Image path: C:\\Program Files\\App\\plugin.dll", "    Image name: plugin.dll"]);
      return modules(b.build().spec).rows.find((r) => r.Module === "plugin.dll")!;
    };
    const stored = listing("(pdb symbols)          c:\\symbols\\plugin.pdb\\3844DBB920174967BE6AA02F2F6F7D6B1A\\plugin.pdb");
    expect([stored.Pdb, stored.PdbId]).toEqual(["plugin.pdb", "{3844DBB9-2017-4967-BE6A-A02F2F6F7D6B} age 26 (the symbol store path lmv shows)"]);
    const local = listing("(pdb symbols)          d:\\build\\plugin.pdb");
    expect(local.Pdb).toBe("plugin.pdb");
    expect(String(local.PdbId)).toBe("<not available>");
  });

  it("flags reproducible-build stamps from the debug directory, odd paths and duplicates", () => {
    const t = userTarget()
      .module({ name: "C:\\Users\\eve\\AppData\\Local\\Temp\\x\\inject.dll", timestamp: 0x5f3e2a1b, repro: true })
      .module({ name: "C:\\app\\a\\util.dll" }).module({ name: "C:\\app\\b\\util.dll" })
      .build();
    const rows = modules(t.spec).rows;
    expect(rows.find((r) => r.Module === "inject.dll")!.Flags).toBe("NonMS, OutsideWindows, OddPath, HashStamp");
    expect(rows.filter((r) => r.Module === "util.dll").map((r) => r.Flags)).toEqual(["NonMS, OutsideWindows, Duplicate", "NonMS, OutsideWindows, Duplicate"]);
    expect(rows.find((r) => r.Module === "inject.dll")!.TimeDateStamp).toBe("hash 0x5f3e2a1b (reproducible build, not a date)");
  });

  it("reads the link stamps of a Windows build spread over decades as reproducible-build hashes (no OldBuild)", () => {
    const win = (name: string, timestamp: number, build: string) => ({ name, timestamp, version: { fileVersion: build, strings: { CompanyName: "Microsoft Corporation" } } });
    // 1979, 2001 and 2055: no release is linked over 76 years; minidumps lack the REPRO entry that would say so.
    const hashed = userTarget().module(win("dxgi.dll", 0x11b8e533, "10.0.19041.546")).module(win("dwmapi.dll", 0x3ae77153, "10.0.19041.546"))
      .module(win("uxtheme.dll", 0xa09a57c9, "10.0.19041.610")).module(win("bitsproxy.dll", 0x1e5b4994, "7.8.19041.1")).command(".time", TIME_2016).build();
    const { rows, summary } = modules(hashed.spec);
    // A component versioned apart (7.8) of the same OS build (19041) joins the group.
    expect(rows.find((r) => r.Module === "bitsproxy.dll")!.Flags).toBe("HashStamp");
    const dxgi = rows.find((r) => r.Module === "dxgi.dll")!;
    expect(dxgi.Flags).toBe("HashStamp");
    expect(dxgi.TimeDateStamp).toBe("hash 0x11b8e533 (reproducible build: the 4 Windows modules of build 19041 have stamps spread over 1979-2055, not dates)");
    expect(rows.filter((r) => String(r.Flags).indexOf("OldBuild") >= 0)).toEqual([]);
    expect(summary).toMatch(/; 4 link stamps read as reproducible-build hashes$/);
    // A build whose stamps lie within months stays dated; an old stamp of another build is OldBuild, not a hash.
    const dated = userTarget().module(win("dxgi.dll", 0x11b8e533, "6.1.7600.16385")).module(win("dwmapi.dll", 0x57899a86, "10.0.14393.0"))
      .module(win("uxtheme.dll", 0x57cf99bc, "10.0.14393.187")).module(win("version.dll", 0x57899b7f, "10.0.14393.0")).command(".time", TIME_2016).build();
    const d = modules(dated.spec).rows;
    expect(d.find((r) => r.Module === "dxgi.dll")!.Flags).toBe("OldBuild");
    expect(d.find((r) => r.Module === "dxgi.dll")!.TimeDateStamp).toBe("1979-06-04 07:39:31 (0x11b8e533)");
    expect(d.filter((r) => String(r.Flags).indexOf("HashStamp") >= 0)).toEqual([]);
    const few = userTarget().module(win("dxgi.dll", 0x11b8e533, "10.0.19041.546")).module(win("dwmapi.dll", 0xa09a57c9, "10.0.19041.546")).command(".time", TIME_2016).build();
    expect(modules(few.spec).rows.find((r) => r.Module === "dxgi.dll")!.Flags).toBe("OldBuild");
  });

  it("flags a relative module path as OddPath, not a drive path", () => {
    const t = userTarget().module({ name: "plugins\\rel.dll" }).module({ name: "D:\\tools\\abs.dll" }).build();
    const rows = modules(t.spec).rows;
    expect(rows.find((r) => r.Module === "rel.dll")!.Flags).toBe("NonMS, OutsideWindows, OddPath");
    expect(rows.find((r) => r.Module === "abs.dll")!.Flags).toBe("NonMS, OutsideWindows");
  });

  it("reads 32-bit images", () => {
    const t = userTarget({ arch: "x86" }).module({ name: "C:\\x\\old.dll", timestamp: 0x42f1a3c0, version: { fileVersion: "1.0.0.1", strings: { CompanyName: "Fabrikam" } } }).build();
    expect(modules(t.spec).rows.find((r) => r.Module === "old.dll")).toMatchObject({ FileVersion: "1.0.0.1", Company: "Fabrikam", TimeDateStamp: "2005-08-04 05:12:32 (0x42f1a3c0)" });
  });
});

describe("Modules: predicates", () => {
  it("selects non-Microsoft, out-of-Windows, old and named modules as Positive rows", () => {
    const spec = product().build().spec;
    const nonMs = modules(spec, "Debugger.Utility.Ewmda.Modules(new { NonMicrosoft = true })");
    expect(nonMs.rows.map((r) => [r.Module, r.Verdict])).toEqual([["app.exe", "Positive"], ["hook.dll", "Positive"]]);
    expect(nonMs.summary).toBe("Modules: 2 of 5 match NonMicrosoft; 2 with a version, 2 not Microsoft");
    expect(modules(spec, "Debugger.Utility.Ewmda.Modules(\"olderthandays=3650\")").rows.map((r) => r.Module)).toEqual(["hook.dll"]);
    expect(modules(spec, "Debugger.Utility.Ewmda.Modules(\"k*\")").rows.map((r) => r.Module)).toEqual(["kernel32.dll", "kernelbase.dll"]);
    expect(modules(spec, "Debugger.Utility.Ewmda.Modules(new { OutsideWindows = true, Name = \"h*\" })").rows.map((r) => r.Module)).toEqual(["hook.dll"]);
  });

  it("says what was examined when nothing matches, and answers bad predicates with a message", () => {
    const spec = product().build().spec;
    expect(modules(spec, "Debugger.Utility.Ewmda.Modules(\"name=zz*\")").rows.map((r) => [r.Verdict, r.Evidence])).toEqual([["Negative", "0 of 5 modules match Name zz*; lmv"]]);
    expect(modules(spec, "Debugger.Utility.Ewmda.Modules(\"olderthandays=soon\")").rows.map((r) => r.Evidence)).toEqual(["OlderThanDays must be a whole number of days, not soon"]);
    expect(modules(spec, "Debugger.Utility.Ewmda.Modules(\"colour=red\")").rows.map((r) => r.Evidence)).toEqual(["unknown option \"colour=red\" (options: NonMicrosoft, OutsideWindows, OlderThanDays, Name)"]);
  });

  it("gives an Info row without modules, and prints the ! table", () => {
    expect(modules(userTarget({ defaultModules: false }).thread({ tid: 1 }).build().spec).rows.map((r) => r.Verdict)).toEqual(["Info"]);
    const { dbg } = loadEwmda(product().build().spec);
    expect(dbg.execute("!ewmda.modules \"nonmicrosoft=true\"")).toMatchSnapshot();
  });
});

const ELECTRON = path.join(DUMPS, "electron", "windows.dmp");
describe.skipIf(!existsSync(ELECTRON))("Modules on a real minidump (no image pages: the module stream through lmv)", () => {
  it("gives electron/windows.dmp's 58 modules, 57 with a file version from the module stream", () => {
    const { rows } = modules(buildDumpTarget(Minidump.openFile(ELECTRON)).spec);
    expect(rows).toHaveLength(58);
    expect(rows.filter((r) => typeof r.FileVersion === "string")).toHaveLength(57);
    expect(rows.filter((r) => typeof r.FileVersion === "string").every((r) => r.Source === "command")).toBe(true);
    expect(rows.every((r) => r.Symbols === "deferred")).toBe(true);
    expect(String(rows[0]!.Company)).toBe("<not available>");
  });
});

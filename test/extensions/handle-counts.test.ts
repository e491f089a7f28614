import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel } from "../mocks/kernel-target";
import { DUMPS } from "../oracle/breakpad-output";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function handles(spec: TargetSpec) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda.Handles()");
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

function withHandles(b: UserTargetBuilder, counts: Record<string, number>): UserTargetBuilder {
  let h = 4;
  for (const [type, n] of Object.entries(counts)) for (let i = 0; i < n; i++, h += 4) b.handle({ handle: h, type });
  return b;
}

/** `!handle 0 0` in WinDbg's layout: the count line, the header, one tab-separated line per type. */
function summary(counts: Record<string, number>): string[] {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return [`${total} Handles`, "Type           \tCount", ...Object.entries(counts).map(([t, n]) => `${t.padEnd(15)}\t${n}`)];
}

const USER_NOTE = "USER objects (windows, menus, hooks) are counted by win32k in the kernel and are not in a user dump: GetGuiResources(GR_USEROBJECTS) live, or a kernel dump's W32PROCESS";

describe("Handles: handle counts", () => {
  it("counts Process.Io.Handles by type and flags a leaking type", () => {
    const { rows, summary: s } = handles(withHandles(userTarget(), { Event: 12000, Key: 40, File: 3 }).build().spec);
    const kinds = rows.filter((r) => r.Kind === "Total" || r.Kind === "Type");
    expect(kinds.map((r) => [r.Kind, r.Type, r.Count, r.Percent, r.Verdict, r.Source])).toEqual([
      ["Total", "(all)", 12043, "<0.1%", "Suspicious", "typed"],
      ["Type", "Event", 12000, "100%", "Suspicious", "typed"],
      ["Type", "Key", 40, "0.3%", "Info", "typed"],
      ["Type", "File", 3, "<0.1%", "Info", "typed"],
    ]);
    expect(kinds[0]!.Evidence).toBe("12043 handles in 3 types (at least 10000); dx @$curprocess.Io.Handles");
    expect(kinds[1]!.Evidence).toBe("12000 Event handles (at least 5000 of one type: the shape of a leak); !handle 0 f Event");
    expect(s).toBe("Handles: 12043 handles, GDI not counted; 2 finding(s)");
  });

  it("reads !handle 0 0's summary when the model has no handle list, and folds small types", () => {
    const counts: Record<string, number> = { Event: 74, Key: 104, Mutant: 115, "ALPC Port": 9 };
    for (let i = 0; i < 12; i++) counts[`Type${i}`] = 1;
    const { rows } = handles(userTarget().command("!handle 0 0", summary(counts)).build().spec);
    const types = rows.filter((r) => r.Kind === "Type");
    expect(types.slice(0, 4).map((r) => [r.Type, r.Count, r.Source])).toEqual([["Mutant", 115, "command"], ["Key", 104, "command"], ["Event", 74, "command"], ["ALPC Port", 9, "command"]]);
    expect(types[types.length - 1]).toMatchObject({ Type: "(4 more types)", Count: 4 });
    expect(rows.find((r) => r.Kind === "Total")!.Evidence).toBe("314 handles in 16 types (below 10000); !handle 0 0");
    expect(rows[rows.length - 1]).toMatchObject({ Verdict: "Negative", Evidence: "314 handles: below the thresholds (10000 handles, 5000 of one type, 5000 GDI objects)" });
  });

  it("counts the per-handle listing of !handle when there is no summary", () => {
    const listing = ["Handle 0000000000000004", "  Type         \tDirectory", "Handle 0000000000000008", "  Type         \tFile", "Handle 000000000000000c", "  Type         \tFile"];
    const t = userTarget().command("!handle 0 0", ["ERROR: !handle: extension exception 0x80004002."]).command("!handle", listing).build();
    const total = handles(t.spec).rows.find((r) => r.Kind === "Total")!;
    expect([total.Count, total.Evidence]).toEqual([3, "3 handles in 2 types (below 10000); !handle (counted from the listing)"]);
  });

  it("says the dump has no handle data, and survives garbage", () => {
    const none = handles(userTarget().build().spec).rows;
    expect(String(none[0]!.Evidence)).toBe("no handle counts: the process has no Io.Handles; !handle 0 0: No export handle found; !handle: No export handle found (a dump written with handle data has them: .dump /mh or /ma, procdump -ma)");
    const garbage = handles(userTarget().command("!handle 0 0", ["@@@", "%%%"]).command("!handle", ["zz"]).build().spec).rows;
    expect(String(garbage[0]!.Evidence)).toContain("!handle 0 0: the !handle output was not recognized");
    expect(garbage.some((r) => r.Verdict === "Negative")).toBe(false);
  });
});

describe("Handles: GDI objects", () => {
  it("counts this process's GDI cells by type against the quota and the session", () => {
    const t = userTarget({ pid: 0x1234 }).gdiHandles([{ type: 0x05, count: 9500 }, { type: 0x10, count: 20 }, { pid: 0x999, type: 0x0a, count: 100 }]).build();
    const { rows } = handles(t.spec);
    const gdi = rows.filter((r) => String(r.Kind).startsWith("Gdi") || r.Kind === "Session");
    expect(gdi.map((r) => [r.Kind, r.Type, r.Count, r.Limit, r.Percent, r.Verdict])).toEqual([
      ["Gdi", "(all GDI)", 9520, 10000, "95%", "Positive"],
      ["GdiType", "Bitmap", 9500, undefined, "100%", "Positive"],
      ["GdiType", "Brush", 20, undefined, "0.2%", "Info"],
      ["Session", "(all processes)", 9620, 65536, "15%", "Info"],
    ]);
    expect(gdi[0]!.Evidence).toBe("9520 GDI objects of process 4660 in the shared table at 00000000`61000000; dt ntdll!_PEB GdiSharedHandleTable");
    expect(rows[rows.length - 1]!.Evidence).toBe(USER_NOTE);
  });

  it("reads 16-byte cells on 32-bit Windows and 24-byte cells in a 32-bit dump of a WOW64 process", () => {
    const x86 = handles(userTarget({ arch: "x86" }).gdiHandles([{ type: 0x01, count: 7 }]).build().spec).rows.find((r) => r.Kind === "Gdi")!;
    expect(x86.Count).toBe(7);
    const wow = handles(userTarget({ arch: "x86" }).wow64().gdiHandles([{ type: 0x0a, count: 5 }]).build().spec).rows;
    expect(wow.filter((r) => r.Kind === "GdiType").map((r) => [r.Type, r.Count])).toEqual([["Font", 5]]);
  });

  it("reads 24-byte cells in a 32-bit dump whose module list shows WOW64 only by SysWOW64 paths (no wow64cpu.dll)", () => {
    // One chunk of the table, written by hand: three Bitmaps of this process in cells of the given size.
    const table = (cellBytes: number) => {
      const bytes = new Uint8Array(0x800 * cellBytes);
      const v = new DataView(bytes.buffer);
      const pidAt = cellBytes === 24 ? 8 : 4;
      for (let c = 0; c < 3; c++) { v.setUint16(c * cellBytes + pidAt, 0x1234, true); v.setUint16(c * cellBytes + pidAt + 6, 0x05, true); }
      return bytes;
    };
    const at = 0x0090_0000n;
    const target = (folder: string, cellBytes: number) => userTarget({ arch: "x86", pid: 0x1234, defaultModules: false })
      .module({ name: `C:\\Windows\\${folder}\\ntdll.dll` }).module({ name: `C:\\Windows\\${folder}\\kernel32.dll` }).module({ name: "C:\\app\\app.exe" })
      .thread({ tid: 0x104 }).memory(at, table(cellBytes)).peb({ GdiSharedHandleTable: at }).build().spec;
    const gdi = (spec: TargetSpec) => handles(spec).rows.filter((r) => r.Kind === "Gdi" || r.Kind === "GdiType").map((r) => [r.Kind, r.Type, r.Count]);
    expect(gdi(target("SysWOW64", 24))).toEqual([["Gdi", "(all GDI)", 3], ["GdiType", "Bitmap", 3]]);
    // A native 32-bit process (System32) keeps 16-byte cells.
    expect(gdi(target("System32", 16))).toEqual([["Gdi", "(all GDI)", 3], ["GdiType", "Bitmap", 3]]);
  });

  it("says when the process has no GDI table or the table is not in the dump", () => {
    expect(handles(userTarget().build().spec).rows.map((r) => r.Evidence)).toContain("GDI objects not counted: PEB.GdiSharedHandleTable is null: the process has not used GDI (not a GUI process)");
    const b = userTarget().gdiHandles([{ type: 1, count: 1 }]);
    const table = b.build().at.gdiTable();
    const rows = handles(b.unmap(table, 0x10000 * 24).build().spec).rows;
    expect(rows.map((r) => r.Evidence)).toContain("GDI objects not counted: the GDI shared handle table at 00000000`61000000 (PEB.GdiSharedHandleTable) is not in the dump (a mapped section; full-memory dumps usually have it)");
  });

  it("refuses kernel targets with an Info row and prints the ! table", () => {
    expect(handles(emptyKernel().spec).rows.map((r) => r.Verdict)).toEqual(["Info"]);
    const { dbg } = loadEwmda(withHandles(userTarget(), { Event: 5, Key: 2 }).gdiHandles([{ type: 0x05, count: 3 }]).build().spec);
    expect(dbg.execute("!ewmda.handles")).toMatchSnapshot();
  });
});

const CRASHPAD = path.join(DUMPS, "sentry", "crashpad-from-envelope.dmp");
describe.skipIf(!existsSync(CRASHPAD))("Handles on a real dump with a handle stream", () => {
  it("counts the 448 handles of sentry/crashpad-from-envelope.dmp by type", () => {
    const { rows } = handles(buildDumpTarget(Minidump.openFile(CRASHPAD)).spec);
    const total = rows.find((r) => r.Kind === "Total")!;
    expect([total.Count, total.Source]).toEqual([448, "typed"]);
    const types = rows.filter((r) => r.Kind === "Type").reduce((a, r) => a + Number(r.Count), 0);
    expect(types).toBe(448);
  });
});

import { describe, expect, it } from "vitest";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { loadEwmda, rowsOf } from "../helpers";
import { objectTarget, WIN32K_TYPES, withObjects } from "../mocks/kernel-objects";
import type { KernelBuild } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];

function run(spec: Parameters<typeof loadEwmda>[0], args = ""): Row[] {
  const { dbg } = loadEwmda(spec);
  return rowsOf(dbg.dx(`Debugger.Utility.Ewmda.KernelHandles(${args})`));
}

const processRow = (rows: Row[], name: string) => rows.find((r) => r.Kind === "Process" && r.Process === name);

describe("KernelHandles on a user-mode target", () => {
  it("answers with one Info row", () => {
    const rows = run(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/kernel or complete dump/);
  });
});

describe.each(BUILDS)("KernelHandles (%s)", (build) => {
  it("flags a process holding many handles and lists the top holders", () => {
    const t = objectTarget({ build })
      .process({ pid: 0x2c0, name: "leaky.exe", ownHandleCount: 12000 })
      .process({ pid: 0x300, name: "quiet.exe", ownHandleCount: 40 })
      .build();
    const rows = run(t.spec);
    const leaky = processRow(rows, "leaky.exe")!;
    expect(leaky.Verdict).toBe("Suspicious");
    expect(leaky.Handles).toBe(12000);
    expect(leaky.Limit).toBe(16777216);
    expect(leaky.PercentOfLimit).toBe("0.072%");
    expect(String(leaky.Evidence)).toMatch(/^12000 handles \(>= 10000\); !handle 0 0 /);
    expect(processRow(rows, "quiet.exe")!.Verdict).toBe("Info");
    expect(rows.some((r) => r.Verdict === "Negative")).toBe(false);
    expect(String(rows.find((r) => r.Kind === "Gdi")!.Evidence)).toMatch(/_W32PROCESS/);
  });

  it("reads GDI and USER counts from win32k's _W32PROCESS when the symbols have it, against the quota", () => {
    const t = withObjects(
      () => objectTarget({ build })
        .driver({ name: "win32kbase.sys", types: WIN32K_TYPES })
        .process({ pid: 0x2c0, name: "gdileak.exe", label: "leak", ownHandleCount: 50 })
        .process({ pid: 0x300, name: "userish.exe", label: "half", ownHandleCount: 50 })
        .process({ pid: 0x340, name: "calm.exe", label: "calm", ownHandleCount: 50 }),
      (o, at) => {
        o.win32Process(at.process("leak"), { gdi: 9500, user: 120 });
        o.win32Process(at.process("half"), { gdi: 30, user: 6000 });
        o.win32Process(at.process("calm"), { gdi: 40, user: 25 });
      },
    );
    const rows = run(t.spec);
    const leak = processRow(rows, "gdileak.exe")!;
    expect([leak.GdiHandles, leak.UserHandles, leak.Verdict]).toEqual([9500, 120, "Positive"]);
    expect(String(leak.Evidence)).toMatch(/^9500 GDI objects \(>= 90% of the 10000 quota\)/);
    const half = processRow(rows, "userish.exe")!;
    expect([half.GdiHandles, half.UserHandles, half.Verdict]).toEqual([30, 6000, "Suspicious"]);
    expect(String(half.Evidence)).toMatch(/^6000 USER objects \(>= 5000\)/);
    const calm = processRow(rows, "calm.exe")!;
    expect([calm.GdiHandles, calm.UserHandles, calm.Verdict]).toEqual([40, 25, "Info"]);
    // With the type there is no "symbols lack _W32PROCESS" row.
    expect(rows.some((r) => r.Kind === "Gdi")).toBe(false);
  });

  it("leaves GDI counts empty and says why when no win32k module has _W32PROCESS, even for a GUI process", () => {
    const t = withObjects(
      () => objectTarget({ build }).process({ pid: 0x2c0, name: "gdileak.exe", label: "leak", ownHandleCount: 50 }),
      (o, at) => { o.win32Process(at.process("leak"), { gdi: 9500, user: 120 }); },
    );
    const rows = run(t.spec);
    const leak = processRow(rows, "gdileak.exe")!;
    expect([leak.GdiHandles, leak.UserHandles, leak.Verdict]).toEqual([undefined, undefined, "Info"]);
    expect(rows.filter((r) => r.Kind === "Gdi").map((r) => r.Verdict)).toEqual(["Info"]);
    expect(rows.find((r) => r.Verdict === "Negative")).toBeDefined();
  });

  it("calls a six-figure count positive", () => {
    const t = objectTarget({ build }).process({ pid: 0x2c0, name: "leaky.exe", ownHandleCount: 150000 }).build();
    expect(processRow(run(t.spec), "leaky.exe")!.Verdict).toBe("Positive");
  });

  it("says which process is largest when none is over the threshold", () => {
    const t = objectTarget({ build })
      .process({ pid: 0x2c0, name: "a.exe", ownHandleCount: 300 })
      .process({ pid: 0x300, name: "b.exe", ownHandleCount: 900 })
      .build();
    const neg = run(t.spec).find((r) => r.Verdict === "Negative")!;
    // Idle is not on the process list; System (0x400 handles by default), a.exe and b.exe have tables: 1024 + 300 + 900.
    expect(String(neg.Evidence)).toMatch(/^no process holds >= 10000 handles among 3 processes, 3 with handle tables; largest System \(pid 0x4\) with 1024; 2224 handles in all$/);
  });

  it("breaks the top holders' handles down by type from the table entries", () => {
    const t = withObjects(
      () => objectTarget({ build }).process({ pid: 0x2c0, name: "app.exe", label: "app" }).process({ pid: 0x300, name: "other.exe" }),
      (o, at) => {
        const objs = [
          o.event("\\BaseNamedObjects\\E1"), o.event("\\BaseNamedObjects\\E2"), o.event("\\BaseNamedObjects\\E3"),
          o.mutant("\\BaseNamedObjects\\M1"), o.mutant("\\BaseNamedObjects\\M2"),
        ];
        o.handleTable(at.process("app"), 0x2c0, [...objs.map((x) => ({ object: x.body })), { object: at.process(0x300) }]);
      },
    );
    const app = processRow(run(t.spec), "app.exe")!;
    expect(app.Handles).toBe(6);
    expect(app.Entries).toBe(6);
    expect(app.ByType).toBe("Event 3, Mutant 2, Process 1");
  });

  it("stops the by-type walk at MaxEntries and marks it partial; the counts stay whole", () => {
    const t = withObjects(
      () => objectTarget({ build }).process({ pid: 0x2c0, name: "app.exe", label: "app" }),
      (o, at) => {
        const ev = o.event("\\BaseNamedObjects\\Shared");
        o.handleTable(at.process("app"), 0x2c0, Array.from({ length: 10 }, () => ({ object: ev.body })));
      },
    );
    const { dbg } = loadEwmda(t.spec);
    const whole = dbg.dx("Debugger.Utility.Ewmda.KernelHandles()");
    const wholeRows = rowsOf(whole);
    expect(processRow(wholeRows, "app.exe")!.Entries).toBe(10);
    expect(String(whole)).not.toMatch(/partial/);
    expect(wholeRows.some((r) => /MaxEntries|entry budget/.test(String(r.Evidence)))).toBe(false);
    dbg.dx("Debugger.Utility.Ewmda.Config.KernelHandles.MaxEntries = 4");
    const cut = dbg.dx("Debugger.Utility.Ewmda.KernelHandles()");
    const rows = rowsOf(cut);
    const app = processRow(rows, "app.exe")!;
    expect(app.Handles).toBe(10);
    expect(app.Entries).toBe(4);
    expect(String(app.Evidence)).toMatch(/stopped at the entry budget/);
    expect(rows.some((r) => /stopped at Config.KernelHandles.MaxEntries = 4 entries/.test(String(r.Evidence)))).toBe(true);
    expect(String(cut)).toMatch(/by-type breakdown partial: MaxEntries 4/);
  });

  it("walks a two-level table", () => {
    const t = withObjects(
      () => objectTarget({ build }).process({ pid: 0x2c0, name: "app.exe", label: "app" }),
      (o, at) => {
        const ev = o.event("\\BaseNamedObjects\\Shared");
        o.handleTable(at.process("app"), 0x2c0, Array.from({ length: 300 }, () => ({ object: ev.body })));
      },
    );
    const app = processRow(run(t.spec), "app.exe")!;
    expect(app.Entries).toBe(300);
    expect(app.ByType).toBe("Event 300");
  });

  it("sums the free lists nt!ExpFreeListCount announces", () => {
    const t = withObjects(
      () => objectTarget({ build }).process({ pid: 0x2c0, name: "app.exe", label: "app" }),
      (o, at) => {
        o.freeListCount(2);
        o.handleTable(at.process("app"), 0x2c0, [], [6000, 7000]);
      },
    );
    const app = processRow(run(t.spec), "app.exe")!;
    expect(app.Handles).toBe(13000);
    expect(app.Verdict).toBe("Suspicious");
    expect(String(app.Evidence)).toMatch(/2 free lists\)/);
  });

  it("reads _HANDLE_TABLE.HandleCount where the symbols have it instead of free lists (older builds)", () => {
    // The debugger's view: HandleCount where this build keeps FreeLists[0].HandleCount, and no FreeLists.
    const older = (l: LayoutSet): LayoutSet => {
      const ht = l.types._HANDLE_TABLE!;
      const fields: Record<string, (typeof ht.fields)[string]> = { ...ht.fields };
      const lists = fields.FreeLists![0];
      delete fields.FreeLists;
      fields.HandleCount = [lists + l.types._HANDLE_TABLE_FREE_LIST!.fields.HandleCount![0], "LONG"];
      return { ...l, types: { ...l.types, _HANDLE_TABLE: { ...ht, fields } } };
    };
    const t = objectTarget({ build, ntTypes: older }).process({ pid: 0x2c0, name: "leaky.exe", ownHandleCount: 12000 }).build();
    const leaky = processRow(run(t.spec), "leaky.exe")!;
    expect(leaky.Handles).toBe(12000);
    expect(String(leaky.Evidence)).toMatch(/, _HANDLE_TABLE\.HandleCount\)/);
  });

  it("lists the object types with the most handles system-wide", () => {
    const t = withObjects(() => objectTarget({ build }), (o) => {
      o.typeTotals("File", 5000, 9000);
      o.typeTotals("Event", 8000, 8500);
    });
    const types = run(t.spec).filter((r) => r.Kind === "Type");
    expect(types.map((r) => [r.Type, r.Handles])).toEqual([["File", 9000], ["Event", 8500]]);
  });
});

describe("KernelHandles edge cases", () => {
  it("selects processes with the Process option", () => {
    const t = objectTarget()
      .process({ pid: 0x2c0, name: "leaky.exe", ownHandleCount: 12000 })
      .process({ pid: 0x300, name: "quiet.exe", ownHandleCount: 40 })
      .build();
    const rows = run(t.spec, '"process=quiet*"');
    expect(rows.filter((r) => r.Kind === "Process" && r.Process !== undefined).map((r) => r.Process)).toEqual(["quiet.exe"]);
    expect(String(rows.find((r) => r.Verdict === "Negative")!.Evidence)).toMatch(/among 1 processes \(process quiet\*\)/);
  });

  it("counts a process whose handle table is not in the dump as unreadable", () => {
    const base = objectTarget().process({ pid: 0x2c0, name: "app.exe", label: "app" });
    const at = base.build().addresses;
    const t = objectTarget().process({ pid: 0x2c0, name: "app.exe", label: "app" }).unreadable(at.handleTable("app"), 0x80).build();
    expect(String(run(t.spec).find((r) => r.Verdict === "Negative")!.Evidence)).toMatch(/among 2 processes, 1 with handle tables, 1 unreadable/);
  });

  it("says when an entry page is missing", () => {
    let page = 0n;
    withObjects(() => objectTarget().process({ pid: 0x2c0, name: "app.exe", label: "app" }), (o, at) => {
      o.handleTable(at.process("app"), 0x2c0, [{ object: at.process(4) }]);
      page = o.area.base + 0x1000n * BigInt(Math.ceil(Number(o.area.used) / 0x1000) - 1);
    });
    const t = withObjects(() => objectTarget().process({ pid: 0x2c0, name: "app.exe", label: "app" }).unreadable(page, 0x1000), (o, at) => {
      o.handleTable(at.process("app"), 0x2c0, [{ object: at.process(4) }]);
    });
    const app = processRow(run(t.spec), "app.exe")!;
    expect(app.Entries).toBe(0);
    expect(String(app.Evidence)).toMatch(/1 entry pages are not in the dump/);
  });

  it("answers bad options with a message row", () => {
    const t = objectTarget().build();
    expect(String(run(t.spec, '"fast"')[0]!.Evidence)).toMatch(/unknown option "fast"/);
    expect(String(run(t.spec, '"module=ntdll"')[0]!.Evidence)).toMatch(/Module option does not apply/);
  });

  it("prints the ! table", () => {
    const t = objectTarget().process({ pid: 0x2c0, name: "leaky.exe", ownHandleCount: 12000 }).build();
    const { dbg } = loadEwmda(t.spec);
    const text = dbg.execute("!ewmda.khandles").join("\n");
    expect(text).toMatch(/leaky\.exe/);
    expect(text).toMatch(/Suspicious/);
  });
});

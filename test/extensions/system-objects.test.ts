import { describe, expect, it } from "vitest";
import { loadEwmda, rowsOf } from "../helpers";
import { withObjects, objectTarget, type KernelObjects } from "../mocks/kernel-objects";
import type { KernelBuild, KernelTargetBuilder } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];

function run(spec: Parameters<typeof loadEwmda>[0], args = ""): Row[] {
  const { dbg } = loadEwmda(spec);
  return rowsOf(dbg.dx(`Debugger.Utility.Ewmda.SystemObjects(${args})`));
}

function hex(v: unknown): bigint {
  return BigInt(String(v));
}

/** A system with the usual directories; `add` puts the test's objects in. */
function system(build: KernelBuild, add: (o: KernelObjects, make: { thread(label: string): bigint }) => void, make?: (b: KernelTargetBuilder) => KernelTargetBuilder) {
  return withObjects(
    () => (make ?? ((b) => b))(objectTarget({ build })
      .process({ pid: 0x2c0, name: "explorer.exe" })
      .thread({ tid: 0x2c4, label: "worker", waitReason: "UserRequest" })
      .thread({ tid: 0x2c8, label: "waiter", waitReason: "UserRequest" })
      .thread({ tid: 0x2cc, label: "gone", terminated: true })),
    (o, at) => {
      o.directory("\\Device");
      o.directory("\\Driver");
      o.event("\\KernelObjects\\HighMemoryCondition", { signaled: true });
      o.event("\\KernelObjects\\LowMemoryCondition", { signaled: false });
      add(o, { thread: (l) => at.thread(l) });
    },
  );
}

describe("SystemObjects on a user-mode target", () => {
  it("answers with one Info row", () => {
    const rows = run(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/kernel or complete dump/);
  });
});

describe.each(BUILDS)("SystemObjects (%s)", (build) => {
  it("flags a signaled low-memory condition", () => {
    const t = withObjects(() => objectTarget({ build }), (o) => {
      o.event("\\KernelObjects\\LowMemoryCondition", { signaled: true });
      o.event("\\KernelObjects\\HighMemoryCondition", { signaled: false });
    });
    const rows = run(t.spec);
    const finding = rows.find((r) => r.Kind === "Finding" && r.Verdict === "Positive");
    expect(finding).toBeDefined();
    expect(finding!.Path).toBe("\\KernelObjects\\LowMemoryCondition");
    expect(finding!.Type).toBe("Event");
    expect(finding!.State).toBe("signaled");
    expect(String(finding!.Meaning)).toMatch(/physical memory is low/);
    expect(rows.some((r) => r.Verdict === "Negative")).toBe(false);
  });

  it("says what it examined when the conditions are normal", () => {
    const t = system(build, () => {});
    const rows = run(t.spec);
    expect(rows.filter((r) => r.Verdict === "Positive" || r.Verdict === "Suspicious")).toEqual([]);
    const neg = rows.find((r) => r.Verdict === "Negative")!;
    // Root's entries: Device, Driver, KernelObjects (3 directories) + 2 events inside KernelObjects.
    expect(String(neg.Evidence)).toMatch(/^0 findings among 5 objects in 4 directories/);
    expect(String(neg.Evidence)).toMatch(/2 memory-condition events, 0 mutants checked/);
  });

  it("gives per-type rows with the system-wide totals of each object type", () => {
    const t = system(build, (o) => o.typeTotals("Mutant", 1234, 2345));
    const rows = run(t.spec);
    const mutant = rows.find((r) => r.Kind === "Type" && r.Type === "Mutant")!;
    expect(mutant.Objects).toBe(1234);
    expect(mutant.Handles).toBe(2345);
    const dirs = rows.find((r) => r.Kind === "Type" && r.Type === "Directory")!;
    expect(String(dirs.Meaning)).toMatch(/^3 named in the namespace/);
  });

  it("flags a named mutant owned by a terminated thread while others wait", () => {
    const t = system(build, (o, at) => {
      o.mutant("\\BaseNamedObjects\\AppSingleton", { owner: at.thread("gone"), waiters: [at.thread("waiter")] });
    });
    const rows = run(t.spec);
    const f = rows.find((r) => r.Path === "\\BaseNamedObjects\\AppSingleton")!;
    expect(f.Verdict).toBe("Positive");
    expect(f.Type).toBe("Mutant");
    expect(f.State).toBe("owned, threads waiting");
    expect(String(f.Owner)).toMatch(/^thread 0x2cc of explorer\.exe, Terminated/);
    expect(String(f.Meaning)).toMatch(/terminated thread/);
  });

  it("calls a contended mutant whose owner waits suspicious, and leaves a quiet owned one alone", () => {
    const t = system(build, (o, at) => {
      o.mutant("\\BaseNamedObjects\\Contended", { owner: at.thread("worker"), waiters: [at.thread("waiter")] });
      o.mutant("\\BaseNamedObjects\\Quiet", { owner: at.thread("worker") });
    });
    const rows = run(t.spec);
    const c = rows.find((r) => r.Path === "\\BaseNamedObjects\\Contended")!;
    expect(c.Verdict).toBe("Suspicious");
    expect(String(c.Owner)).toBe("thread 0x2c4 of explorer.exe, Waiting UserRequest");
    expect(rows.find((r) => r.Path === "\\BaseNamedObjects\\Quiet")).toBeUndefined();
    expect(rows.find((r) => r.Verdict === "Negative")).toBeUndefined();
  });

  it("flags an abandoned mutant", () => {
    const t = system(build, (o) => { o.mutant("\\BaseNamedObjects\\Left", { abandoned: true }); });
    const f = run(t.spec).find((r) => r.Path === "\\BaseNamedObjects\\Left")!;
    expect(f.Verdict).toBe("Suspicious");
    expect(f.State).toBe("free, abandoned");
  });

  it("lists a directory by path with symbolic link targets, and follows links in the middle of a path", () => {
    const t = system(build, (o) => {
      o.symlink("\\GLOBAL??\\C:", "\\Device\\HarddiskVolume3");
      o.symlink("\\??", "\\GLOBAL??");
      o.object("Device", "_KEVENT", {}); // an unnamed object: not in the namespace
      o.named("Device", "_KEVENT", o.directory("\\Device"), "HarddiskVolume3", { creatorInfo: false });
    });
    const listing = run(t.spec, '"\\\\GLOBAL??"');
    expect(listing).toHaveLength(1);
    expect(listing[0]!.Path).toBe("\\GLOBAL??\\C:");
    expect(listing[0]!.Type).toBe("SymbolicLink");
    expect(listing[0]!.Target).toBe("\\Device\\HarddiskVolume3");
    const dev = run(t.spec, '"\\\\Device"');
    expect(dev.map((r) => [r.Path, r.Type])).toEqual([["\\Device\\HarddiskVolume3", "Device"]]);
    const viaLink = run(t.spec, '"\\\\??\\\\C:"');
    expect(viaLink).toHaveLength(1);
    expect(viaLink[0]!.Target).toBe("\\Device\\HarddiskVolume3");
    expect(hex(viaLink[0]!.Address)).toBe(hex(listing[0]!.Address));
  });

  it("walks a subtree with Recursive and filters by Type", () => {
    const t = system(build, (o, at) => {
      o.mutant("\\Sessions\\1\\BaseNamedObjects\\M1", { owner: at.thread("worker") });
      o.event("\\Sessions\\1\\BaseNamedObjects\\E1");
    });
    const flat = run(t.spec, '"\\\\Sessions"');
    expect(flat.map((r) => r.Path)).toEqual(["\\Sessions\\1"]);
    const deep = run(t.spec, '"\\\\Sessions", new { Recursive = true, Type = "Mutant" }');
    expect(deep.map((r) => r.Path)).toEqual(["\\Sessions\\1\\BaseNamedObjects\\M1"]);
    expect(deep[0]!.State).toBe("owned");
    const none = run(t.spec, '"\\\\Sessions", "type=Section"');
    expect(none).toHaveLength(1);
    expect(none[0]!.Verdict).toBe("Negative");
  });

  it("finds every entry of a long hash chain and stops at a chain that loops", () => {
    const t = system(build, (o) => {
      const dir = o.directory("\\Chained");
      for (let i = 0; i < 5; i++) {
        const ev = o.object("Event", "_KEVENT", { name: `E${i}`, directory: dir.body });
        o.insert(dir.body, ev.body, `E${i}`, 7);
      }
      const loopDir = o.directory("\\Loop");
      const ev = o.object("Event", "_KEVENT", { name: "L", directory: loopDir.body });
      const entry = o.insert(loopDir.body, ev.body, "L", 3);
      o.set(entry, "_OBJECT_DIRECTORY_ENTRY", "ChainLink", entry); // points at itself
    });
    const chained = run(t.spec, '"\\\\Chained"');
    expect(chained.map((r) => r.Path)).toEqual([0, 1, 2, 3, 4].map((i) => `\\Chained\\E${i}`));
    const loop = run(t.spec, '"\\\\Loop"');
    expect(loop.filter((r) => r.Path === "\\Loop\\L")).toHaveLength(1);
    expect(String(loop.find((r) => r.Path === undefined)!.Evidence)).toMatch(/1 hash chains were cut/);
  });

  it("stops at MaxObjects and marks the listing and the summary partial; says nothing of the kind below the cap", () => {
    const t = system(build, (o) => {
      for (let i = 0; i < 6; i++) o.event(`\\Many\\E${i}`);
    });
    const { dbg } = loadEwmda(t.spec);
    const full = dbg.dx('Debugger.Utility.Ewmda.SystemObjects("\\\\Many")');
    const fullRows = rowsOf(full);
    expect(fullRows.filter((r) => r.Path !== undefined)).toHaveLength(6);
    expect(fullRows.some((r) => /partial/.test(String(r.Evidence)))).toBe(false);
    expect(String(full)).not.toMatch(/partial/);
    dbg.dx("Debugger.Utility.Ewmda.Config.SystemObjects.MaxObjects = 4");
    const capped = dbg.dx('Debugger.Utility.Ewmda.SystemObjects("\\\\Many")');
    const rows = rowsOf(capped);
    expect(rows.filter((r) => r.Path !== undefined).map((r) => r.Path)).toEqual([0, 1, 2, 3].map((i) => `\\Many\\E${i}`));
    expect(String(rows.find((r) => r.Path === undefined)!.Evidence)).toMatch(/MaxObjects = 4 objects; the rows above are partial/);
    expect(String(capped)).toMatch(/\(partial: MaxObjects 4\)/);
    const whole = dbg.dx("Debugger.Utility.Ewmda.SystemObjects()");
    expect(String(whole)).toMatch(/partial: stopped at MaxObjects 4/);
  });

  it("says when a path is not in the namespace", () => {
    const t = system(build, () => {});
    const rows = run(t.spec, '"\\\\Nope\\\\Thing"');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/no object \\Nope\\Thing in the namespace \("Nope" not found\)/);
  });
});

describe("dx @$ewmda.Objects on a user-mode target", () => {
  it("answers an index with the one Info row that says a kernel or complete dump is needed", () => {
    const { dbg } = loadEwmda(userTarget().build().spec);
    const rows = rowsOf(dbg.dx('Debugger.Utility.Ewmda.Objects["\\\\Driver"]'));
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(rows[0]!.Evidence)).toMatch(/needs a kernel or complete dump/);
    expect(rowsOf(dbg.dx("Debugger.Utility.Ewmda.Objects")).map((r) => r.Verdict)).toEqual(["Info"]);
  });
});

describe.each(BUILDS)("dx @$ewmda.Objects (%s)", (build) => {
  const target = () => system(build, (o) => {
    o.named("Driver", "_KEVENT", o.directory("\\Driver"), "mydrv");
    o.mutant("\\BaseNamedObjects\\AppSingleton", { owner: undefined });
  });

  it("indexes by object path: a directory's objects, one object, and the root's entries when iterated", () => {
    const { dbg } = loadEwmda(target().spec);
    const driver = rowsOf(dbg.dx('Debugger.Utility.Ewmda.Objects["\\\\Driver"]'));
    expect(driver.map((r) => [r.Path, r.Type])).toEqual([["\\Driver\\mydrv", "Driver"]]);
    const root = rowsOf(dbg.dx("@$ewmda().Objects"));
    expect(root.map((r) => r.Path)).toEqual(["\\BaseNamedObjects", "\\Device", "\\Driver", "\\KernelObjects"]);
    expect(root.every((r) => r.Type === "Directory")).toBe(true);
    // A row's Path is the index of the next step down.
    const one = rowsOf(dbg.dx('@$ewmda().Objects["\\\\BaseNamedObjects\\\\AppSingleton"]'));
    expect(one.map((r) => [r.Path, r.Type, r.Kind])).toEqual([["\\BaseNamedObjects\\AppSingleton", "Mutant", "Object"]]);
    expect(String(dbg.dx("@$ewmda().Objects"))).toMatch(/^Object manager namespace: index by path/);
    expect(dbg.dxLines("Debugger.Utility.Ewmda", { verbose: true }).find((l) => l.trim().startsWith("Objects"))).toContain("[The kernel object manager namespace, navigable");
  });

  it("says when a path is not in the namespace, and refuses an index that is not a path", () => {
    const { dbg } = loadEwmda(target().spec);
    const rows = rowsOf(dbg.dx('Debugger.Utility.Ewmda.Objects["\\\\Nope"]'));
    expect(rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(String(rows[0]!.Evidence)).toMatch(/no object \\Nope in the namespace \("Nope" not found\)/);
    expect(rows.some((r) => r.Path !== undefined)).toBe(false);
    expect(() => dbg.dx('Debugger.Utility.Ewmda.Objects["Driver"]')).toThrow(/index Objects by an object path/);
  });
});

describe("SystemObjects edge cases", () => {
  it("answers Info when nt!ObpRootDirectoryObject holds nothing", () => {
    const t = withObjects(() => objectTarget(), () => {}, { root: false });
    const rows = run(t.spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/ObpRootDirectoryObject/);
  });

  it("gives a type index instead of a name when nt!ObTypeIndexTable is empty", () => {
    const t = withObjects(() => objectTarget(), (o) => { o.directory("\\Device"); }, { types: false });
    const rows = run(t.spec, '"\\\\"');
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Type)).toMatch(/^type index 0x3$/);
  });

  it("leaves the type unknown when nt!ObHeaderCookie is not in the dump (the index cannot be decoded)", () => {
    const t = withObjects(() => objectTarget().unreadable("nt!ObHeaderCookie", 1), (o) => { o.directory("\\Device"); });
    const rows = run(t.spec, '"\\\\"');
    expect(rows.map((r) => [r.Path, r.Type])).toEqual([["\\Device", "<unknown type>"]]);
  });

  it("counts a directory whose memory is missing as unreadable", () => {
    // The objects' addresses do not depend on the builder's declarations, so a first build tells where \Lost is.
    let lost = 0n;
    withObjects(() => objectTarget(), (o) => { o.directory("\\Device"); lost = o.directory("\\Lost").body; });
    const again = withObjects(() => objectTarget().unreadable(lost, 0x158), (o) => { o.directory("\\Device"); o.directory("\\Lost"); });
    const neg = run(again.spec).find((r) => r.Verdict === "Negative")!;
    expect(String(neg.Evidence)).toMatch(/2 objects in 2 directories .*1 unreadable/);
  });

  it("answers bad arguments with a message row", () => {
    const t = withObjects(() => objectTarget(), () => {});
    expect(String(run(t.spec, '"Device"')[0]!.Evidence)).toMatch(/unknown option "Device"/);
    expect(String(run(t.spec, "42")[0]!.Evidence)).toMatch(/path must be a string/);
    expect(String(run(t.spec, '"\\\\", "fast"')[0]!.Evidence)).toMatch(/unknown option "fast"/);
  });

  it("prints the ! table", () => {
    const t = withObjects(() => objectTarget(), (o) => { o.event("\\KernelObjects\\LowMemoryCondition", { signaled: true }); });
    const { dbg } = loadEwmda(t.spec);
    const text = dbg.execute("!ewmda.objects").join("\n");
    expect(text).toMatch(/\\KernelObjects\\LowMemoryCondition/);
    expect(text).toMatch(/Positive/);
  });
});

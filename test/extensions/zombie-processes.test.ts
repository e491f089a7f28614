import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT } from "../../src/emulator";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { loadEwmda, rowsOf } from "../helpers";
import { fieldLocation } from "../mocks/layout-writer";
import { kernelTarget, kernelWithZombie, type KernelBuild, type KernelHandleOptions } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];
const at = (h: number, m = 0, s = 0) => new Date(Date.UTC(2024, 0, 15, h, m, s));
const DUMP = at(12);

function zombies(spec: Parameters<typeof loadEwmda>[0], args = "", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(`Debugger.Utility.Ewmda.ZombieProcesses(${args})`);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const zombieRows = (rows: Row[]) => rows.filter((r) => r.Kind === "Zombie");

/** A service that crashed three times and was restarted, a parent that keeps its children, and one live copy. */
function restartedService(build: KernelBuild) {
  const b = kernelTarget({ build, dumpTime: DUMP })
    .process({ pid: 0x2a0, name: "services.exe" })
    .process({ pid: 0x300, name: "spooler.exe", parentPid: 0x2a0 });
  for (const [i, pid] of [0x400, 0x404, 0x408].entries()) {
    b.process({ pid, name: "spooler.exe", parentPid: 0x2a0, createTime: at(9 + i), exitTime: at(9 + i, 30), exitStatus: 0xc0000005, handleCount: 1, pointerCount: 3 });
  }
  return b.build();
}

describe.each(BUILDS)("ZombieProcesses (%s)", (build) => {
  it("finds exited processes still referenced, with exit status, times, parent and header counts", () => {
    const t = restartedService(build);
    const { rows, summary } = zombies(t.spec);
    const z = zombieRows(rows);
    expect(z.map((r) => r.PID)).toEqual([0x400, 0x404, 0x408]);
    const first = z[0]!;
    expect(first.Process).toBe("spooler.exe");
    expect(first.Parent).toBe("services.exe (0x2a0)");
    expect(first.ExitStatus).toBe(0xc0000005);
    expect(first.ExitText).toMatch(/STATUS_ACCESS_VIOLATION/);
    expect(first.CrashLike).toBe(true);
    expect(first.Created).toBe("2024-01-15 09:00:00");
    expect(first.Exited).toBe("2024-01-15 09:30:00");
    expect(first.Lifetime).toBe("00:30:00");
    expect(first.ZombieAge).toBe("02:30:00"); // dump at 12:00
    expect([first.HandleCount, first.PointerCount]).toEqual([1, 3]);
    expect(first.TerminatedThreads).toBe(0);
    expect((first.Address as { bits: bigint }).bits).toBe(t.addresses.process(0x400));
    expect(first.Verdict).toBe("Positive");
    expect(String(first.Evidence)).toMatch(/crash-like exit STATUS_ACCESS_VIOLATION/);
    expect(String(first.Evidence)).toMatch(/3 zombies of spooler.exe beside 1 live instance\(s\): restarted/);
    expect(String(first.Evidence)).toContain("!process " + "ffffa000`" + (t.addresses.process(0x400) & 0xffffffffn).toString(16).padStart(8, "0") + " 1");
    const image = rows.find((r) => r.Kind === "ByImage")!;
    expect([image.Process, image.Count, image.LiveInstances, image.Verdict]).toEqual(["spooler.exe", 3, 1, "Positive"]);
    const parent = rows.find((r) => r.Kind === "ByParent")!;
    expect([parent.PID, parent.Count, parent.Verdict]).toEqual([0x2a0, 3, "Info"]); // below ParentThreshold 5
    expect(summary).toContain("3 zombie(s) among 6 processes (3 positive)");
  });

  it("names a parent that is itself a zombie, and one that is gone", () => {
    const t = kernelTarget({ build, dumpTime: DUMP })
      .process({ pid: 0x500, name: "launcher.exe", exitTime: at(10), createTime: at(9) })
      .process({ pid: 0x504, name: "child.exe", parentPid: 0x500, createTime: at(9, 10), exitTime: at(10, 5) })
      .process({ pid: 0x508, name: "orphan.exe", parentPid: 0x999, createTime: at(9, 10), exitTime: at(10, 5) })
      .build();
    const z = zombieRows(zombies(t.spec).rows);
    const parent = (pid: number) => z.find((r) => r.PID === pid)!.Parent;
    expect(parent(0x504)).toBe("launcher.exe (0x500, itself a zombie)");
    expect(parent(0x508)).toBe("0x999 (not in the process list: exited and freed)");
    expect(parent(0x500)).toBe("System (0x4)");
  });

  it("says an isolated zombie is Suspicious, a young one Info (teardown)", () => {
    const t = kernelTarget({ build, dumpTime: DUMP })
      .process({ pid: 0x600, name: "old.exe", createTime: at(8), exitTime: at(11) })
      .process({ pid: 0x604, name: "young.exe", createTime: at(11), exitTime: at(11, 59, 30) })
      .build();
    const z = zombieRows(zombies(t.spec).rows);
    const by = (pid: number) => z.find((r) => r.PID === pid)!;
    expect([by(0x600).Verdict, by(0x600).CrashLike]).toEqual(["Suspicious", false]);
    expect(String(by(0x600).Evidence)).toMatch(/isolated zombie/);
    expect(by(0x604).Verdict).toBe("Info");
    expect(String(by(0x604).Evidence)).toMatch(/exited 30 s before the dump: normal teardown/);
  });

  it("flags the Crashed bit (bit 4 in 1607, bit 2 in 22H2, found by name) even with a benign exit code", () => {
    const t = kernelTarget({ build, dumpTime: DUMP })
      .process({ pid: 0x608, name: "crashed.exe", createTime: at(8), exitTime: at(11), crashed: true, exitStatus: 1 })
      .build();
    const z = zombieRows(zombies(t.spec).rows)[0]!;
    expect([z.CrashLike, z.Verdict]).toEqual([true, "Positive"]);
    expect(String(z.Evidence)).toMatch(/Flags3.Crashed is set/);
  });

  it("counts the terminated threads still linked and the handles that keep them", () => {
    const t = kernelTarget({ build, dumpTime: DUMP })
      .process({ pid: 0x700, name: "worker.exe", createTime: at(8), exitTime: at(11), activeThreads: 0 })
      .thread({ tid: 0x704, exitTime: at(11), handleCount: 2 })
      .thread({ tid: 0x708, exitTime: at(11), handleCount: 0 })
      .build();
    const z = zombieRows(zombies(t.spec).rows)[0]!;
    expect([z.TerminatedThreads, z.ThreadHandles]).toEqual([2, 2]);
  });

  it("finds the processes holding handles to the zombies (Holders), and a parent holding many is Positive", () => {
    const b = kernelTarget({ build, dumpTime: DUMP });
    const kids = [0x800, 0x804, 0x808, 0x80c, 0x810];
    const handles: KernelHandleOptions[] = [...kids.map((pid) => ({ process: pid })), { thread: 0x818 }];
    b.process({ pid: 0x7f0, name: "factory.exe", handles });
    for (const pid of kids) b.process({ pid, name: "job" + pid.toString(16) + ".exe", parentPid: 0x7f0, createTime: at(9), exitTime: at(10), handleCount: 1 });
    b.process({ pid: 0x814, name: "lonely.exe", createTime: at(9), exitTime: at(10) }).thread({ tid: 0x818, exitTime: at(10), handleCount: 1 });
    const t = b.build();
    const { rows } = zombies(t.spec, "new { Holders = true }");
    const z = zombieRows(rows);
    const by = (pid: number) => z.find((r) => r.PID === pid)!;
    expect(by(0x800).Holders).toBe("factory.exe (0x7f0) handle 0x4");
    expect(by(0x80c).Holders).toBe("factory.exe (0x7f0) handle 0x10");
    expect(by(0x814).Holders).toBe("factory.exe (0x7f0) handle 0x18 (to a thread)");
    // Five zombies of one parent, all held by it: ParentThreshold (5) is reached both ways.
    expect(by(0x800).Verdict).toBe("Positive");
    expect(String(by(0x800).Evidence)).toMatch(/5 zombies of one parent/);
    expect(String(by(0x800).Evidence)).toMatch(/held by a process that holds 5 or more zombies/);
    expect(rows.find((r) => r.Kind === "ByParent")!.Verdict).toBe("Positive");
    // Without the option the column stays empty and no handle table is read.
    expect(zombieRows(zombies(t.spec).rows)[0]!.Holders).toBeUndefined();
  });

  it("stops the Holders search at MaxHolderHandles and marks what it could not search as partial", () => {
    const b = kernelTarget({ build, dumpTime: DUMP });
    const kids = [0x800, 0x804, 0x808];
    b.process({ pid: 0x7f0, name: "factory.exe", handles: kids.map((pid) => ({ process: pid })) });
    for (const pid of kids) b.process({ pid, name: "job.exe", parentPid: 0x7f0, createTime: at(9), exitTime: at(10), handleCount: 1 });
    const t = b.build();
    const { dbg } = loadEwmda(t.spec);
    const whole = dbg.dx("Debugger.Utility.Ewmda.ZombieProcesses(new { Holders = true })");
    expect(zombieRows(rowsOf(whole) as Row[]).map((r) => r.Holders)).toEqual(["0x4", "0x8", "0xc"].map((h) => "factory.exe (0x7f0) handle " + h));
    expect(String(whole)).not.toMatch(/partial/);
    dbg.dx("Debugger.Utility.Ewmda.Config.ZombieProcesses.MaxHolderHandles = 2");
    const cut = dbg.dx("Debugger.Utility.Ewmda.ZombieProcesses(new { Holders = true })");
    const rows = rowsOf(cut) as Row[];
    const z = zombieRows(rows);
    expect(z[0]!.Holders).toBe("factory.exe (0x7f0) handle 0x4 (search stopped early: maybe more)");
    expect(z[2]!.Holders).toBe("none found before the search stopped (partial)");
    expect(rows.some((r) => /stopped after 2 handles \(MaxHolderHandles\); holders may be missing/.test(String(r.Evidence)))).toBe(true);
    expect(String(cut)).toMatch(/\(holder search partial\)/);
  });

  it("reads the dump time from .time when KUSER_SHARED_DATA is not in the dump, and says so when neither is", () => {
    const z = () => kernelTarget({ build, sharedData: false }).process({ pid: 0x600, name: "old.exe", createTime: at(8), exitTime: at(11) });
    const withTime = z().command(".time", ["Debug session time: Mon Jan 15 13:00:00.000 2024 (UTC + 1:00)", "System Uptime: 0 days 5:00:00.000"]).build();
    expect(zombieRows(zombies(withTime.spec).rows)[0]!.ZombieAge).toBe("01:00:00");
    const without = zombies(z().build().spec).rows;
    const row = zombieRows(without)[0]!;
    expect(String(row.ZombieAge)).toBe("<not available>");
    expect(without.some((r) => r.Verdict === "Info" && /zombie ages are not available/.test(String(r.Evidence)))).toBe(true);
    // Still a zombie: the age only decides Info for young ones.
    expect(row.Verdict).toBe("Suspicious");
  });

  it("answers Negative with what it examined when nothing is a zombie (an exiting process with threads is not one)", () => {
    const t = kernelTarget({ build, dumpTime: DUMP })
      .process({ pid: 0x900, name: "exiting.exe", exitTime: at(11, 59), objectTable: true, activeThreads: 1 }).thread({ tid: 0x904 })
      .process({ pid: 0x908, name: "live.exe" })
      .build();
    const { rows, summary } = zombies(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    // System, exiting.exe and live.exe (Idle is not in the list).
    expect(String(rows[0]!.Evidence)).toBe("0 zombie processes among 3 processes (no process with ObjectTable null, ActiveThreads 0 and ExitTime set; " +
      "1 exited process(es) still have threads or a handle table: exiting now; !process 0 0)");
    expect(summary).toBe("ZombieProcesses: 0 zombies among 3 processes");
  });

  it("makes every zombie Positive when there are many of them (TotalThreshold and TotalPercent)", () => {
    const b = kernelTarget({ build, dumpTime: DUMP });
    for (let i = 0; i < 3; i++) b.process({ pid: 0xa00 + i * 4, name: "app" + i + ".exe", createTime: at(9), exitTime: at(10) });
    const z = zombieRows(zombies(b.build().spec).rows);
    // 3 zombies among 4 processes (with System): 75% >= 10%, with at least SameImageThreshold zombies.
    expect(z.every((r) => r.Verdict === "Positive")).toBe(true);
    expect(String(z[0]!.Evidence)).toContain("3 zombies among 4 processes");
  });
});

describe("ZombieProcesses: edges", () => {
  it("refuses a user-mode target with one Info row", () => {
    const { rows, summary } = zombies(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/^ZombieProcesses needs a kernel or complete dump: this is a user-mode target/);
    expect(summary).toBe("ZombieProcesses: needs a kernel or complete dump");
  });

  it("stops at a corrupted process list (a loop, an unreadable entry) with the processes read so far", () => {
    const t = restartedService("win10-1607");
    const links = BigInt(fieldLocation(t.layout, "_EPROCESS", "ActiveProcessLinks").offset);
    // The last zombie's Flink points back to the first zombie's links: a loop.
    const flink = new Uint8Array(8);
    new DataView(flink.buffer).setBigUint64(0, t.addresses.process(0x400) + links, true);
    const looped = { ...t.spec, memory: t.memory.map(t.addresses.process(0x408) + links, flink) };
    const { rows } = zombies(looped);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/the process list is incomplete: the process list loops back to ffffa000`[0-9a-f]+ after 6 processes/);
    expect(zombieRows(rows).map((r) => r.PID)).toEqual([0x400, 0x404, 0x408]);
    const broken = kernelTarget({ dumpTime: DUMP }).process({ pid: 0x100, name: "a.exe", createTime: at(9), exitTime: at(10) })
      .process({ pid: 0x104, name: "b.exe" }).process({ pid: 0x108, name: "c.exe", createTime: at(9), exitTime: at(10) }).unreadable({ pid: 0x104 }).build();
    const r2 = zombies(broken.spec).rows;
    expect(String(r2[0]!.Evidence)).toMatch(/breaks at .* \(unreadable\) after 2 processes/);
    expect(zombieRows(r2).map((r) => r.PID)).toEqual([0x100]);
  });

  it("reads an older build's symbols without Flags3.Crashed (only the exit code decides)", () => {
    const noCrashed = (l: LayoutSet): LayoutSet => {
      const fields = { ...l.types._EPROCESS!.fields };
      delete (fields as Record<string, unknown>).Crashed;
      return { ...l, types: { ...l.types, _EPROCESS: { ...l.types._EPROCESS!, fields } } };
    };
    const t = kernelTarget({ build: "win11-22h2", dumpTime: DUMP, ntTypes: noCrashed })
      .process({ pid: 0x608, name: "crashed.exe", createTime: at(8), exitTime: at(11), crashed: true, exitStatus: 1 }).build();
    const z = zombieRows(zombies(t.spec).rows)[0]!;
    expect([z.CrashLike, z.Verdict]).toEqual([false, "Suspicious"]);
  });

  it("rejects nonsense options with a message row", () => {
    const { rows } = zombies(kernelWithZombie().spec, "\"holders=maybe\"");
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toBe("Holders must be true or false, not maybe");
  });

  it("works the same on the alternate provider variant", () => {
    const t = restartedService("win11-22h2");
    const a = zombieRows(zombies(t.spec).rows).map((r) => [r.PID, r.Verdict, r.ZombieAge]);
    const b = zombieRows(zombies(t.spec, "", ALTERNATE_VARIANT).rows).map((r) => [r.PID, r.Verdict, r.ZombieAge]);
    expect(b).toEqual(a);
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(restartedService("win10-1607").spec);
    const dotted = dbg.execute("!ewmda.zombies");
    expect(dbg.execute("!ewmda_zombies")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });
});

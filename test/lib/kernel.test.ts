/**
 * The kernel walker (src/lib/kernel.ts) through the analyses that use it, on both builds: enum names from
 * the symbols and their fallback tables, the fallbacks of patterns.md §0.6 and of missing globals, each
 * exercised on a fake target whose nt types (or memory) lack what the first choice needs.
 */
import { describe, expect, it } from "vitest";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { loadEwmda, rowsOf } from "../helpers";
import { kernelTarget, type KernelBuild, type KernelTargetOptions } from "../mocks/kernel-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];
const TICK = 0x50000;
const LONG = TICK - 64 * 100; // a wait of 100 s

function run(spec: Parameters<typeof loadEwmda>[0], expr: string) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda." + expr);
  return { rows: rowsOf(result) as Row[], summary: String(result) };
}

/** nt types without some fields of a type (as older or stripped symbols would have). */
function without(type: string, ...names: string[]): (l: LayoutSet) => LayoutSet {
  return (l) => {
    const fields = { ...l.types[type]!.fields } as Record<string, unknown>;
    for (const n of names) delete fields[n];
    return { ...l, types: { ...l.types, [type]: { ...l.types[type]!, fields: fields as LayoutSet["types"][string]["fields"] } } };
  };
}
const noEnums = (l: LayoutSet): LayoutSet => ({ ...l, enums: {} });

/** Threads waiting for 100 s with wait reasons 37 (WrAlertByThreadId) and 40 (WrIoRing from 22H2 on). */
function waiters(options: KernelTargetOptions) {
  return kernelTarget({ tickCount: BigInt(TICK), ...options })
    .process({ pid: 0x1a4, name: "app.exe" })
    .thread({ tid: 0x1a8, state: "Waiting", waitReason: 37, waitTime: LONG })
    .thread({ tid: 0x1ac, state: "Waiting", waitReason: 40, waitTime: LONG })
    .build();
}

const reasons = (rows: Row[]) => rows.filter((r) => r.Thread !== undefined).map((r) => [r.Thread, r.WaitReason]);
const IDLE = "BlockedThreads(new { IncludeIdle = true })";

describe.each(BUILDS)("kernel walker (%s)", (build) => {
  it("names wait reasons from the _KWAIT_REASON enum in the symbols", () => {
    const { rows } = run(waiters({ build }).spec, IDLE);
    // 22H2's enum knows 40 (WrIoRing); 1607's stops at 38.
    expect(reasons(rows)).toEqual([[0x1a8, "WrAlertByThreadId"], [0x1ac, build === "win11-22h2" ? "WrIoRing" : "KWAIT_REASON(40)"]]);
  });

  it("falls back to the built-in table when the symbols lack the enums", () => {
    const { rows } = run(waiters({ build, ntTypes: noEnums }).spec, IDLE);
    expect(reasons(rows)).toEqual([[0x1a8, "WrAlertByThreadId"], [0x1ac, "KWAIT_REASON(40)"]]);
    // Thread states too (_KTHREAD_STATE): the running thread is still Running.
    const active = run(kernelTarget({ build, processors: 2, ntTypes: noEnums }).process({ pid: 0x1a4, name: "app.exe" }).thread({ tid: 0x1a8, running: 1 }).build().spec, "ActiveThreads()");
    expect(active.rows.find((r) => r.Thread === 0x1a8)!.State).toBe("Running");
  });

  it("walks the KPROCESS thread list when the executive one is not in the symbols", () => {
    const types = (l: LayoutSet) => without("_ETHREAD", "ThreadListEntry")(without("_EPROCESS", "ThreadListHead")(l));
    const { rows } = run(waiters({ build, ntTypes: types }).spec, IDLE);
    expect(reasons(rows).map((r) => r[0])).toEqual([0x1a8, 0x1ac]);
  });

  it("reads the tick count from KUSER_SHARED_DATA when nt!KeTickCount is unreadable, and says so when neither is", () => {
    const t = kernelTarget({ build, tickCount: BigInt(TICK) }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, state: "Waiting", waitReason: "WrResource", waitTime: LONG }).unreadable("nt!KeTickCount").build();
    expect(run(t.spec, "BlockedThreads()").rows[0]!.WaitSeconds).toBe(100);
    const none = kernelTarget({ build, tickCount: BigInt(TICK), sharedData: false }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, state: "Waiting", waitReason: "WrResource", waitTime: LONG }).unreadable("nt!KeTickCount").build();
    const rows = run(none.spec, "BlockedThreads()").rows;
    expect(String(rows[0]!.Evidence)).toMatch(/^wait ages are unknown: neither nt!KeTickCount nor KUSER_SHARED_DATA.TickCount could be read/);
    const row = rows.find((r) => r.Thread === 0x1a8)!;
    expect([String(row.WaitSeconds), row.Verdict]).toEqual(["<unreadable>", "Suspicious"]);
  });

  it("assumes 15.625 ms per tick when nt!KeMaximumIncrement is unreadable, and says so", () => {
    const t = kernelTarget({ build, dumpTime: new Date(Date.UTC(2024, 0, 15, 12)) }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, createTime: new Date(Date.UTC(2024, 0, 15, 11)), userTime: 64 * 3000 }).unreadable("nt!KeMaximumIncrement").build();
    const { rows } = run(t.spec, "SpikingThreads()");
    expect(String(rows[0]!.Evidence)).toBe("thread times use an assumed 15.625 ms per tick (nt!KeMaximumIncrement unreadable)");
    expect(rows.find((r) => r.Thread === 0x1a8)!.UserTime).toBe("0:50:00.000");
  });

  it("reads the freeze count by name, and reports it unreadable where the symbols lack it", () => {
    const t = (ntTypes?: (l: LayoutSet) => LayoutSet) => kernelTarget({ build, ntTypes }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, frozen: true }).thread({ tid: 0x1ac, suspendCount: 1 }).thread({ tid: 0x1b0 }).thread({ tid: 0x1b4 }).build();
    expect(run(t().spec, "SuspendedThreads()").rows.find((r) => r.Thread === 0x1a8)!.Frozen).toBe(true);
    const stripped = run(t(without("_KTHREAD", "FreezeCount")).spec, "SuspendedThreads()").rows;
    expect(stripped.some((r) => r.Thread === 0x1a8)).toBe(false);
    expect(String(stripped.find((r) => r.Thread === 0x1ac)!.Evidence)).toContain("FreezeCount unreadable");
  });

  it("names a deep freeze where the build has FreezeFlags (22H2), and cannot on 1607", () => {
    const t = kernelTarget({ build }).process({ pid: 0x1a4, name: "uwp.exe" }).thread({ tid: 0x1a8, suspendCount: 1, deepFrozen: true }).build();
    const wide = run(t.spec, "SuspendedThreads()").rows.find((r) => r.ProcessWide === true)!;
    if (build === "win11-22h2") {
      expect(wide.Verdict).toBe("Info");
      expect(String(wide.LikelyCause)).toMatch(/^deep-frozen/);
    } else {
      expect(wide.Verdict).toBe("Suspicious");
    }
  });

  it("reads one wait block when the symbols have no WaitBlockCount, and says so", () => {
    const t = kernelTarget({ build, tickCount: BigInt(TICK), ntTypes: without("_KTHREAD", "WaitBlockCount") })
      .process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, state: "Waiting", waitReason: "WrResource", waitTime: LONG, waitOn: ["a", "b"] })
      .object({ label: "a", type: "SynchronizationEvent", name: "First" }).object({ label: "b", type: "Semaphore" })
      .build();
    const row = run(t.spec, "BlockedThreads()").rows.find((r) => r.Thread === 0x1a8)!;
    expect(String(row.WaitObjects)).toMatch(/^SynchronizationEvent ffffa000`[0-9a-f]+ First$/);
    const full = run(kernelTarget({ build, tickCount: BigInt(TICK) }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, state: "Waiting", waitReason: "WrResource", waitTime: LONG, waitOn: ["a", "b"] })
      .object({ label: "a", type: "SynchronizationEvent", name: "First" }).object({ label: "b", type: "Semaphore" }).build().spec, "BlockedThreads()");
    expect(String(full.rows.find((r) => r.Thread === 0x1a8)!.WaitObjects)).toMatch(/^SynchronizationEvent .* First; Semaphore ffffa000`[0-9a-f]+$/);
  });

  it("leaves object names out when the symbols have no _OBJECT_HEADER_NAME_INFO", () => {
    const noNameInfo = (l: LayoutSet): LayoutSet => {
      const types = { ...l.types } as Record<string, unknown>;
      delete types._OBJECT_HEADER_NAME_INFO;
      return { ...l, types: types as LayoutSet["types"] };
    };
    const t = kernelTarget({ build, tickCount: BigInt(TICK), ntTypes: noNameInfo }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, state: "Waiting", waitReason: "WrResource", waitTime: LONG, waitOn: ["a"] })
      .object({ label: "a", type: "NotificationEvent", name: "Named" }).build();
    expect(String(run(t.spec, "BlockedThreads()").rows.find((r) => r.Thread === 0x1a8)!.WaitObjects)).toMatch(/^NotificationEvent ffffa000`[0-9a-f]+$/);
  });

  it("says what is missing when nt has no process types or no PsActiveProcessHead", () => {
    const noTypes = (l: LayoutSet): LayoutSet => {
      const types = { ...l.types } as Record<string, unknown>;
      delete types._EPROCESS;
      return { ...l, types: types as LayoutSet["types"] };
    };
    const { rows } = run(kernelTarget({ build, ntTypes: noTypes }).build().spec, "ZombieProcesses()");
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/the nt symbols have no _EPROCESS\/_ETHREAD types \(.reload \/f nt/);
  });
});

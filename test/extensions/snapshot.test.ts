/** Snapshot: one ewmda.snapshot document per call, appended; parts the dump lacks say why; the same content gives the same id. */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { EmulatedDebugger } from "../../src/emulator";
import { fnv1a64 } from "../../src/lib/doc-id";
import { extraBundle, loadExtra } from "../extra-bundle";
import { rowsOf } from "../helpers";
import { emptyKernel, kernelWithZombie } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";
import { expectValidDocument } from "../schema-check";

type Doc = Record<string, any>;

beforeAll(async () => { await extraBundle(); }, 120_000);

const ADDRESS = [
  "        BaseAddress      EndAddress+1        RegionSize     Type       State                 Protect             Usage",
  "--------------------------------------------------------------------------------------------------------------------------",
  "+        0`00000000        0`7ffe0000        0`7ffe0000             MEM_FREE    PAGE_NOACCESS                      Free       ",
  "+        0`7ffe0000        0`7ffe1000        0`00001000 MEM_PRIVATE MEM_COMMIT  PAGE_READONLY                      Other      [User Shared Data]",
  "+       e8`00000000       e8`000fc000        0`000fc000 MEM_PRIVATE MEM_RESERVE                                    Stack      [~0; 1234.1a4]",
  "        e8`000fc000       e8`00100000        0`00004000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE                     Stack      [~0; 1234.1a4]",
  "+      1d0`00000000      1d0`0000f000        0`0000f000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE                     Heap       [ID: 0; Handle: 000001d000000000; Type: Segment]",
  "+     7ff6`10000000     7ff6`10001000        0`00001000 MEM_IMAGE   MEM_COMMIT  PAGE_READONLY                      Image      [app; \"C:\\Program Files\\App\\app.exe\"]",
];
const RUNAWAY = [
  " User Mode Time", "  Thread       Time", "   1:2b0       0 days 0:00:41.015", "   0:1a4       0 days 0:00:00.120", "   2:2c8       0 days 0:00:00.000",
  " Kernel Mode Time", "  Thread       Time", "   0:1a4       0 days 0:00:00.005", "   1:2b0       0 days 0:00:00.005", "   2:2c8       0 days 0:00:00.000",
  " Elapsed Time", "  Thread       Time", "   0:1a4       0 days 0:01:00.000", "   1:2b0       0 days 0:01:00.000", "   2:2c8       0 days 0:00:30.000",
];
const WAIT = ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "kernel32!BaseThreadInitThunk+0x14"];

function rich() {
  return userTarget()
    .thread({ tid: 0x1a4, frames: WAIT })
    .thread({ tid: 0x2b0, frames: ["app!worker+0x20", "kernel32!BaseThreadInitThunk+0x14"], name: "spinner" })
    .thread({ tid: 0x2c8, frames: WAIT })
    .handle({ handle: 4, type: "Event" }).handle({ handle: 8, type: "Event" }).handle({ handle: 0xc, type: "File" }).handle({ handle: 0x10, type: "Mutant" })
    .command("!address", ADDRESS).command("!runaway 7", RUNAWAY)
    .command(".time", ["Debug session time: Thu Sep  8 12:55:08.250 2016 (UTC + 2:00)", "System Uptime: not available", "Process Uptime: 0 days 0:01:00.000"])
    .build();
}

function snapshots(dbg: EmulatedDebugger, winPath = "C:\\temp\\ewmda-snapshots.jsonl"): Doc[] {
  return readFileSync(dbg.fileSystem.hostPath(winPath), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

describe("Snapshot of a user dump", () => {
  it("writes threads with stack signatures and times, modules, handles per type and region totals", () => {
    const t = rich();
    const { dbg } = loadExtra(t.spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Snapshot()"));
    const docs = snapshots(dbg);
    expect(docs).toHaveLength(1);
    const doc = docs[0]!;
    expectValidDocument(doc);
    expect(doc.target).toEqual({ kind: "user", dumpFile: "C:\\dumps\\app.dmp", processId: 0x1234, processName: "app.exe", pointerSize: 8, arch: "x64", osBuild: 19045 });
    expect(doc.processes).toEqual([{ id: 0x1234, name: "app.exe" }]);
    // .time prints local time with its UTC offset: 12:55 at UTC+2 is 10:55 UTC.
    expect(doc.dumpTime).toBe("2016-09-08T10:55:08.250Z");
    const waitSig = fnv1a64("ntdll!NtWaitForSingleObject\nkernelbase!WaitForSingleObjectEx\nkernel32!BaseThreadInitThunk");
    expect(doc.threads).toEqual([
      { id: 0x1a4, name: null, frameCount: 3, stackError: null, signature: waitSig, stack: ["ntdll!NtWaitForSingleObject", "kernelbase!WaitForSingleObjectEx", "kernel32!BaseThreadInitThunk"], top: "ntdll!NtWaitForSingleObject", times: { userMs: 120, kernelMs: 5, elapsedMs: 60000 } },
      { id: 0x2b0, name: "spinner", frameCount: 2, stackError: null, signature: fnv1a64("app!worker\nkernel32!BaseThreadInitThunk"), stack: ["app!worker", "kernel32!BaseThreadInitThunk"], top: "app!worker", times: { userMs: 41015, kernelMs: 5, elapsedMs: 60000 } },
      { id: 0x2c8, name: null, frameCount: 3, stackError: null, signature: waitSig, stack: ["ntdll!NtWaitForSingleObject", "kernelbase!WaitForSingleObjectEx", "kernel32!BaseThreadInitThunk"], top: "ntdll!NtWaitForSingleObject", times: { userMs: 0, kernelMs: 0, elapsedMs: 30000 } },
    ]);
    expect(doc.threadTimes).toEqual({ available: true, reason: null });
    expect(doc.modules.map((m: Doc) => m.name).sort()).toEqual(["app.exe", "kernel32.dll", "kernelbase.dll", "ntdll.dll"]);
    expect(doc.modules.find((m: Doc) => m.name === "ntdll.dll")).toEqual({ name: "ntdll.dll", path: "C:\\Windows\\System32\\ntdll.dll", base: "0x" + t.at.module("ntdll").toString(16), size: 0x1f0000 });
    expect(doc.handles).toEqual({ available: true, reason: null, source: "typed", value: { total: 4, byType: { Event: 2, File: 1, Mutant: 1 } } });
    expect(doc.regions).toEqual({
      available: true, reason: null, source: "command",
      value: {
        Usage: { Free: { count: 1, bytes: "0x7ffe0000" }, Other: { count: 1, bytes: "0x1000" }, Stack: { count: 2, bytes: "0x100000" }, Heap: { count: 1, bytes: "0xf000" }, Image: { count: 1, bytes: "0x1000" } },
        Type: { MEM_PRIVATE: { count: 4, bytes: "0x110000" }, MEM_IMAGE: { count: 1, bytes: "0x1000" } },
        State: { MEM_FREE: { count: 1, bytes: "0x7ffe0000" }, MEM_COMMIT: { count: 4, bytes: "0x15000" }, MEM_RESERVE: { count: 1, bytes: "0xfc000" } },
      },
    });
    // The dx face mirrors the document.
    expect(rows[0]).toMatchObject({ Kind: "Snapshot", File: "C:\\temp\\ewmda-snapshots.jsonl", Id: doc.id, Count: 3 });
    expect(String(rows[0]!.Evidence)).toBe(`snapshot ${doc.id} of 3 threads (2 distinct stacks), 4 modules, 4 handles, 5 region usages appended to C:\\temp\\ewmda-snapshots.jsonl`);
    expect(rows.filter((r) => r.Kind === "Thread").map((r) => [Number(r.Thread), r.Frames, r.Top, r.Signature, r.UserMs])).toEqual([
      [0x1a4, 3, "ntdll!NtWaitForSingleObject", waitSig, 120], [0x2b0, 2, "app!worker", doc.threads[1].signature, 41015], [0x2c8, 3, "ntdll!NtWaitForSingleObject", waitSig, 0],
    ]);
    expect(rows.filter((r) => r.Kind === "Handles").map((r) => [r.Name, r.Count])).toEqual([["Event", 2], ["File", 1], ["Mutant", 1]]);
    expect(rows.find((r) => r.Kind === "Region" && r.Name === "Usage Stack")).toMatchObject({ Count: 2, Size: "0x100000" });
  });

  it("gives the same id to the same content (time left out) and appends every snapshot", () => {
    const { dbg } = loadExtra(rich().spec);
    dbg.dx("Debugger.Utility.Ewmda.Snapshot()");
    dbg.dx("Debugger.Utility.Ewmda.Snapshot()");
    const [a, b] = snapshots(dbg);
    expect(a!.id).toBe(b!.id);
    const other = loadExtra(userTarget().thread({ tid: 0x1a4, frames: WAIT }).build().spec).dbg;
    other.dx("Debugger.Utility.Ewmda.Snapshot()");
    expect(snapshots(other)[0]!.id).not.toBe(a!.id);
  });

  it("says which parts the dump lacks instead of writing zeros", () => {
    const { dbg } = loadExtra(userTarget().thread({ tid: 0x1a4 }).build().spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Snapshot()"));
    const doc = snapshots(dbg)[0]!;
    expectValidDocument(doc);
    expect(doc.handles).toMatchObject({ available: false, source: null, value: null });
    expect(doc.handles.reason).toMatch(/no handle data/);
    expect(doc.regions).toMatchObject({ available: false, value: null });
    // The debugger cannot run !address here: that says nothing about the dump's memory-info stream.
    expect(doc.regions.reason).toBe("!address is not available in this debugger (it said: No export address found); the dump's memory-info stream, if any, was not read");
    expect(doc.threadTimes.available).toBe(false);
    expect(doc.threadTimes.reason).toMatch(/!runaway 7/);
    expect(doc.threads[0].times).toBeNull();
    expect(doc.dumpTime).toBeNull();
    expect(rows.filter((r) => r.Name === undefined && r.Thread === undefined && r.Kind !== "Snapshot").map((r) => r.Kind)).toEqual(["Thread", "Handles", "Region"]);
  });

  it("blames the dump for missing region totals only when !address ran and listed no region", () => {
    const { dbg } = loadExtra(userTarget().thread({ tid: 0x1a4 }).command("!address", ADDRESS.slice(0, 2)).build().spec);
    dbg.dx("Debugger.Utility.Ewmda.Snapshot()");
    const doc = snapshots(dbg)[0]!;
    expectValidDocument(doc);
    expect(doc.regions).toMatchObject({ available: false, value: null });
    expect(doc.regions.reason).toMatch(/^!address listed no regions \(the dump has no memory-info stream/);
  });

  it("writes a thread whose stack cannot be read with the reason, on x86 and without ntdll symbols", () => {
    for (const b of [userTarget({ arch: "x86" }).thread({ tid: 4 }), userTarget({ ntdllSymbols: false }).thread({ tid: 4 })]) {
      const { dbg } = loadExtra(b.build().spec);
      dbg.dx("Debugger.Utility.Ewmda.Snapshot()");
      const doc = snapshots(dbg)[0]!;
      expectValidDocument(doc);
      expect(doc.threads[0].id).toBe(4);
    }
    const noSymbols = loadExtra(userTarget({ ntdllSymbols: false }).thread({ tid: 4 }).build().spec).dbg;
    noSymbols.dx("Debugger.Utility.Ewmda.Snapshot()");
    // Without symbols the function is module+offset.
    expect(snapshots(noSymbols)[0]!.threads[0].top).toMatch(/^ntdll(!NtWaitForSingleObject|\+0x[0-9a-f]+)$/);
  });

  it("writes to the file given, with spaces and non-ASCII characters, and prints a table", () => {
    const { dbg } = loadExtra(rich().spec);
    const file = "C:\\Step Dumps\\Schritt ü 1.jsonl";
    const table = dbg.execute(`!ewmda.snapshot "${file.replace(/\\/g, "\\\\")}"`);
    expect(table[0]).toMatch(/^Snapshot: 3 threads \(2 distinct stacks\), 4 modules, 4 handles, 5 region usages; document [0-9a-f]{16} appended to C:\\Step Dumps\\Schritt ü 1\.jsonl$/);
    expect(snapshots(dbg, file)).toHaveLength(1);
  });
});

describe("Snapshot of a kernel dump", () => {
  it("lists the processes, the current process's threads and handles, and says regions are user-mode only", () => {
    for (const k of [emptyKernel(), kernelWithZombie()]) {
      const { dbg } = loadExtra(k.spec);
      const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Snapshot()"));
      const doc = snapshots(dbg)[0]!;
      expectValidDocument(doc);
      expect(doc.target.kind).toBe("kernel");
      expect(doc.processes.map((p: Doc) => p.id)).toEqual(k.spec.processes.map((p) => p.id));
      expect(doc.regions.reason).toBe("!address lists user-mode regions only");
      expect(doc.threadTimes.reason).toMatch(/KTHREAD/);
      expect(rows.length).toBeGreaterThan(1);
    }
  });
});

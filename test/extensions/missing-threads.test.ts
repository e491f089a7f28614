import { describe, expect, it } from "vitest";
import { loadEwmda, rowsOf } from "../helpers";
import { kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];
const at = (h: number, m = 0) => new Date(Date.UTC(2024, 0, 15, h, m));

function missing(spec: Parameters<typeof loadEwmda>[0], args = "") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(`Debugger.Utility.Ewmda.MissingThreads(${args})`);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const big = (v: unknown) => (v as { bits: bigint }).bits;

describe.each(BUILDS)("MissingThreads (%s)", (build) => {
  it("finds a mutant owner that exited and an ERESOURCE owner that is gone", () => {
    const gone = 0xffff_a000_0bad_0000n;
    const t = kernelTarget({ build, dumpTime: at(12) })
      .process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, label: "dead", exitTime: at(11), exitStatus: 0xc0000005 })
      .thread({ tid: 0x1ac, state: "Waiting", waitReason: "UserRequest", waitOn: ["lock"] })
      .thread({ tid: 0x1b0 })
      .object({ label: "lock", type: "Mutant", name: "\\BaseNamedObjects\\Orphan", owner: "dead" })
      .resource({ owner: gone, exclusiveWaiters: 3 })
      .build();
    const { rows, summary } = missing(t.spec);
    const dangling = rows.filter((r) => r.Kind === "DanglingOwner");
    expect(dangling).toHaveLength(2);
    const mutant = dangling[0]!;
    expect(mutant.Referrer).toBe("mutant ffffa000`" + (t.addresses.object("lock") & 0xffffffffn).toString(16).padStart(8, "0") + " \\BaseNamedObjects\\Orphan waited on by 0x1ac of app.exe (0x1a4)");
    expect([mutant.Thread, mutant.Process, mutant.ExitStatus, mutant.Verdict]).toEqual([0x1a8, "app.exe (0x1a4)", 0xc0000005, "Positive"]);
    expect(big(mutant.ThreadAddress)).toBe(t.addresses.thread(0x1a8));
    expect(String(mutant.Evidence)).toMatch(/has exited with STATUS_ACCESS_VIOLATION .* without releasing it/);
    const res = dangling[1]!;
    expect(big(res.ThreadAddress)).toBe(gone);
    expect(String(res.Referrer)).toMatch(/^ERESOURCE ffffa000`[0-9a-f]+ \(exclusive, 3 exclusive and 0 shared waiters\)$/);
    expect(String(res.Evidence)).toMatch(/not a thread of any listed process: no thread is there any more/);
    // The crashed thread is also listed as Exited (crash-like exit status).
    const exited = rows.find((r) => r.Kind === "Exited")!;
    expect([exited.Thread, exited.Verdict]).toEqual([0x1a8, "Suspicious"]);
    expect(summary).toMatch(/^MissingThreads: 3 finding\(s\)/);
  });

  it("reads what an owner address holds now (a freed and reused thread)", () => {
    // The resource names a thread of a hidden (unlinked) process: the memory is a thread, not a listed one.
    const t = kernelTarget({ build }).process({ pid: 0x666, name: "hidden.exe", unlinked: true }).thread({ tid: 0x66c })
      .resource({ owner: 0x66c }).build();
    const row = missing(t.spec).rows.find((r) => r.Kind === "DanglingOwner")!;
    expect(row.Thread).toBe(0x66c);
    expect(String(row.Evidence)).toMatch(/reads as thread 0x66c of hidden.exe \(0x666\) \(freed and reused, or a hidden process\)/);
  });
});

describe("MissingThreads: counts and exits", () => {
  it("flags a live process whose last thread exit was a crash, and one with far fewer threads than its peers", () => {
    const b = kernelTarget().process({ pid: 0x300, name: "svc.exe", lastThreadExitStatus: 0xc0000409 });
    for (const pid of [0x304, 0x308, 0x30c]) b.process({ pid, name: "worker.exe", threadCount: 8 });
    b.process({ pid: 0x310, name: "worker.exe", threadCount: 1 });
    const { rows } = missing(b.build().spec);
    const last = rows.find((r) => r.Kind === "LastThreadExit")!;
    expect([last.Process, last.ExitStatus, last.Verdict]).toEqual(["svc.exe (0x300)", 0xc0000409, "Suspicious"]);
    const low = rows.filter((r) => r.Kind === "LowThreadCount");
    expect(low.map((r) => [r.Process, r.Expected])).toEqual([["worker.exe (0x310)", "peers' median 8, has 1"]]);
  });

  it("checks ExpectedThreads and the expected system threads", () => {
    const t = kernelTarget().process({ pid: 4, name: "System", threadCount: 0 }).thread({ pid: 4, startAddress: 0xfffff800_1234_0000n })
      .process({ pid: 0x400, name: "svchost.exe", threadCount: 1 }).build();
    const { dbg } = loadEwmda(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.MissingThreads.ExpectedThreads = \"svchost.exe=3\"");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.MissingThreads()")) as Row[];
    const expected = rows.find((r) => r.Kind === "LowThreadCount")!;
    expect([expected.Process, expected.Expected]).toEqual(["svchost.exe (0x400)", "at least 3, has 1"]);
    const sys = rows.find((r) => r.Kind === "MissingSystemThread")!;
    expect(sys.Expected).toBe("at least 1 thread starting at nt!ExpWorkerThread, has 0");
  });

  it("lists every terminated thread with All, and answers Negative with what it checked otherwise", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "app.exe" }).thread({ tid: 0x1a8 }).thread({ tid: 0x1ac, exitTime: at(9), exitStatus: 0 }).build();
    const plain = missing(t.spec).rows;
    expect(plain).toHaveLength(1);
    expect(plain[0]!.Verdict).toBe("Negative");
    // System, app.exe; threads: System's worker, 0x1a8, 0x1ac.
    expect(String(plain[0]!.Evidence)).toBe("0 missing threads among 3 threads of 2 processes (0 owner reference(s) checked from 1 waits and 0 ERESOURCEs; " +
      "1 terminated thread(s) still linked, none crash-like; !process 0 7, !locks)");
    const all = missing(t.spec, "\"all\"").rows;
    expect(all.filter((r) => r.Kind === "Exited").map((r) => [r.Thread, r.Verdict])).toEqual([[0x1ac, "Info"]]);
  });

  it("refuses a user-mode target with one Info row, and rejects nonsense options", () => {
    const { rows } = missing(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/^MissingThreads needs a kernel or complete dump: this is a user-mode target/);
    expect(String(missing(kernelTarget().build().spec, "42").rows[0]!.Evidence)).toMatch(/^options must be/);
  });

  it("prints the ! table", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "app.exe" }).thread({ tid: 0x1a8, label: "dead", exitTime: at(9), exitStatus: 0xc0000005 })
      .thread({ tid: 0x1ac, state: "Waiting", waitOn: ["lock"] }).object({ label: "lock", type: "Mutant", owner: "dead" }).build();
    const { dbg } = loadEwmda(t.spec);
    const dotted = dbg.execute("!ewmda.missingthreads");
    expect(dbg.execute("!ewmda_missingthreads")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });
});

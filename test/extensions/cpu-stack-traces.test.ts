import { describe, expect, it } from "vitest";
import { loadEwmda, rowsOf } from "../helpers";
import { kernelTarget, type KernelBuild } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];

function cpus(spec: Parameters<typeof loadEwmda>[0], args = "") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(`Debugger.Utility.Ewmda.CpuStackTraces(${args})`);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

/** Four processors: 0 bugchecks, 1 spins on a lock, 2 is idle, 3 runs a DPC; 2 has a thread on standby. */
function fourCpus(build: KernelBuild) {
  return kernelTarget({ build, processors: 4, dpcActive: [3] })
    .process({ pid: 0x1a4, name: "app.exe" })
    .thread({ tid: 0x1a8, running: 1, frames: ["nt!KiFreezeTargetExecution+0x110", "nt!KxWaitForSpinLockAndAcquire+0x20", "nt!KeAcquireSpinLockRaiseToDpc+0x40"] })
    .thread({ tid: 0x1ac, running: 3, frames: ["nt!KiFreezeTargetExecution+0x110", "nt!KiExecuteAllDpcs+0x1a0", "nt!KiRetireDpcList+0x30"] })
    .thread({ tid: 0x1b0, standby: 2 })
    .build();
}

describe.each(BUILDS)("CpuStackTraces (%s)", (build) => {
  it("shows each processor's current thread below the freeze frames, flags spinning and DPC processors", () => {
    const t = fourCpus(build);
    const { rows, summary } = cpus(t.spec);
    const byCpu = (n: number) => rows.find((r) => r.CPU === n)!;
    expect(rows.filter((r) => r.CPU !== undefined).map((r) => r.CPU)).toEqual([0, 1, 2, 3]);
    // 0: the current thread (System's first) bugchecked.
    expect([byCpu(0).Idle, byCpu(0).Process, byCpu(0).TopFrame, byCpu(0).Verdict]).toEqual([false, "System (0x4)", "nt!KeBugCheckEx", "Info"]);
    expect(byCpu(0).Note).toBe("bugcheck (nt!KeBugCheckEx)");
    // 1: spinning, below the freeze frame.
    expect([byCpu(1).Thread, byCpu(1).Process, byCpu(1).State, byCpu(1).TopFrame, byCpu(1).Verdict])
      .toEqual([0x1a8, "app.exe (0x1a4)", "Running", "nt!KxWaitForSpinLockAndAcquire+0x20", "Positive"]);
    expect(byCpu(1).TopFrames).toBe("nt!KxWaitForSpinLockAndAcquire+0x20 <- nt!KeAcquireSpinLockRaiseToDpc+0x40");
    // 2: idle, with a thread selected to run next.
    expect([byCpu(2).Idle, byCpu(2).Note, byCpu(2).NextThread, byCpu(2).Verdict]).toEqual([true, "idle", "0x1b0 app.exe (0x1a4)", "Info"]);
    // 3: in a DPC (the frames say so in both builds; DpcRoutineActive only where the KPRCB type lists it).
    expect([byCpu(3).Verdict, byCpu(3).Note]).toEqual(["Suspicious", "in a DPC or interrupt (nt!KiExecuteAllDpcs+0x1a0)"]);
    expect(byCpu(3).InDpc).toBe(true);
    expect((byCpu(1).Address as { bits: bigint }).bits).toBe(t.addresses.prcb(1));
    expect(summary).toBe("CpuStackTraces: 4 processor(s), 1 idle, 1 spinning, 1 in a DPC or interrupt; bugcheck on processor 0");
  });

  it("reads DpcRoutineActive where the build has it and says it is not available where it does not", () => {
    const t = kernelTarget({ build, processors: 2, dpcActive: [1] }).process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, running: 1, frames: ["nt!KiFreezeTargetExecution+0x110", "nt!KeWaitForSingleObject+0x10"] }).build();
    const row = cpus(t.spec).rows.find((r) => r.CPU === 1)!;
    if (build === "win10-1607") {
      expect([row.InDpc, row.Verdict]).toEqual([true, "Suspicious"]);
      expect(row.Note).toBe("in a DPC or interrupt (DpcRoutineActive)");
    } else {
      expect(String(row.InDpc)).toBe("<not available>");
      expect((row.InDpc as { reason: string }).reason).toBe("this build's KPRCB type has no DpcRoutineActive");
      expect(row.Verdict).toBe("Info");
    }
  });
});

describe("CpuStackTraces: negative and edges", () => {
  it("answers Negative when no processor spins or runs a DPC", () => {
    const t = kernelTarget({ processors: 2 }).build();
    const { rows } = cpus(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info", "Info", "Negative"]);
    expect(rows[1]!.Note).toBe("idle");
    expect(String(rows[2]!.Evidence)).toBe("0 processors spinning or in a DPC among 2 (1 idle, the bugcheck on 0; !running -t -i)");
  });

  it("refuses a user-mode target with one Info row", () => {
    const { rows } = cpus(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/^CpuStackTraces needs a kernel or complete dump: this is a user-mode target/);
  });

  it("says so when KiProcessorBlock cannot be read", () => {
    const t = kernelTarget().unreadable("nt!KiProcessorBlock").build();
    const { rows } = cpus(t.spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/^no processor could be read: nt!KiProcessorBlock at fffff800`[0-9a-f]+ is unreadable/);
  });

  it("shows every frame with All and rejects nonsense options", () => {
    const frames = ["nt!KiFreezeTargetExecution+0x110"].concat(new Array(14).fill("nt!KeWaitForSingleObject+0x10"));
    const t = kernelTarget({ processors: 2 }).process({ pid: 0x1a4, name: "app.exe" }).thread({ tid: 0x1a8, running: 1, frames }).build();
    expect(String(cpus(t.spec).rows[1]!.TopFrames).split(" <- ")).toHaveLength(13); // twelve and "..."
    expect(String(cpus(t.spec, "\"all\"").rows[1]!.TopFrames).split(" <- ")).toHaveLength(14);
    expect(String(cpus(t.spec, "\"sideways\"").rows[0]!.Evidence)).toMatch(/unknown option "sideways"/);
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(fourCpus("win10-1607").spec);
    const dotted = dbg.execute("!ewmda.cpustacks");
    expect(dbg.execute("!ewmda_cpustacks")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });
});

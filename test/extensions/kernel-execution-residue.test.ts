import { describe, expect, it } from "vitest";
import { loadEwmda, rowsOf } from "../helpers";
import { kernelTarget, kret, kstackref, ksym, type KernelBuild } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];
const big = (v: unknown) => (v as { bits: bigint }).bits;

function residue(spec: Parameters<typeof loadEwmda>[0], args = "") {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx(`Debugger.Utility.Ewmda.KernelExecutionResidue(${args})`);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

/** A thread whose live stack is in nt, with a filter driver's return address in the dead part below it. */
function withResidue(build: KernelBuild) {
  return kernelTarget({ build })
    .driver({ name: "mydrv.sys", symbols: { Worker: 0x1000 } })
    .driver({ name: "filter.sys", symbols: { Completion: 0x3000 } })
    .process({ pid: 0x1a4, name: "app.exe" })
    .thread({
      tid: 0x1a8, state: "Waiting", frames: ["nt!KiSwapContext+0x76", "nt!KeWaitForSingleObject+0x1a0", "mydrv!Worker+0x40"],
      stack: [kret("nt!KeWaitForSingleObject", 0x1a0), 0x1234n, kret("mydrv!Worker", 0x40), kstackref(0x1a8, 0x20)],
      residue: [kret("filter!Completion", 0x55), ksym("mydrv!Worker")],
    })
    .build();
}

describe.each(BUILDS)("KernelExecutionResidue (%s)", (build) => {
  it("lists the kernel stack's pointers, live and dead, with the return-address check, by thread id", () => {
    const t = withResidue(build);
    const { rows, summary } = residue(t.spec, "0x1a8");
    const st = t.addresses.kernelStack(0x1a8);
    const slots = rows.filter((r) => r.Kind !== undefined);
    // mydrv!Worker itself has no call before it in the dump: the check cannot be made.
    expect(slots.map((r) => [r.Symbol ?? r.Kind, r.Kind, String(r.ReturnAddress), r.Live])).toEqual([
      ["mydrv!Worker", "ImagePointer", "<unreadable>", false],
      ["filter!Completion+0x55", "ImagePointer", "true", false],
      ["nt!KeWaitForSingleObject+0x1a0", "ImagePointer", "true", true],
      ["mydrv!Worker+0x40", "ImagePointer", "true", true],
      ["StackPointer", "StackPointer", "undefined", true],
    ]);
    expect(big(slots[2]!.Address)).toBe(st.current);
    expect(big(slots[4]!.Value)).toBe(st.base - 0x20n);
    expect(slots.every((r) => r.Thread === 0x1a8 && r.StackKind === "thread" && r.Source === "typed")).toBe(true);
    // filter.sys returned already: it is in the dead part and not on the live stack.
    const note = rows.find((r) => r.Kind === undefined && r.Verdict === "Info")!;
    expect(String(note.Evidence)).toMatch(/^return addresses in the dead part of the stack into module\(s\) not on the live stack: filter.sys \(1\)/);
    const slotsScanned = Number(st.initial - st.limit) / 8;
    expect(summary).toBe("KernelExecutionResidue thread 0x1a8 of app.exe (0x1a4): kernel stack " + fmt(st.limit) + " - " + fmt(st.initial) + ", " + slotsScanned + " slots, 5 shown");
  });

  it("takes an ETHREAD address, keeps one module's pointers, or only symbols", () => {
    const t = withResidue(build);
    const address = "0x" + t.addresses.thread(0x1a8).toString(16);
    const mod = residue(t.spec, address + ", \"module=mydrv\"").rows.filter((r) => r.Kind !== undefined);
    expect(mod.map((r) => r.Symbol)).toEqual(["mydrv!Worker", "mydrv!Worker+0x40"]);
    const syms = residue(t.spec, "0x1a8, new { SymbolsOnly = true }").rows.filter((r) => r.Kind !== undefined);
    expect(syms.map((r) => r.Kind)).toEqual(["ImagePointer", "ImagePointer", "ImagePointer", "ImagePointer"]);
  });
});

describe("KernelExecutionResidue: edges", () => {
  it("says so when the kernel stack is not resident", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "app.exe" }).thread({ tid: 0x1a8, kernelStackResident: false }).build();
    const { rows } = residue(t.spec, "0x1a8");
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/thread 0x1a8 of app.exe \(0x1a4\): the kernel stack is not resident \(KernelStackResident = 0/);
  });

  it("reports the unreadable part of a stack as one row and scans the rest", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "app.exe" }).thread({ tid: 0x1a8, stack: [ksym("nt!KeBugCheckEx")] }).build();
    const st = t.addresses.kernelStack(0x1a8);
    const cut = { ...t.spec, memory: t.memory.unmap(st.limit, 0x1000n) };
    const rows = residue(cut, "0x1a8").rows;
    const gap = rows.find((r) => r.Kind === "Unreadable")!;
    expect(big(gap.Address)).toBe(st.limit);
    expect(String((gap.Value as { reason: string }).reason)).toBe("0x1000 bytes of the stack are not in the dump");
    expect(rows.some((r) => r.Symbol === "nt!KeBugCheckEx")).toBe(true);
  });

  it("uses the current thread by default, and names an unknown thread id", () => {
    const t = kernelTarget().build();
    const { summary } = residue(t.spec);
    expect(summary).toMatch(/^KernelExecutionResidue thread 0x1000 of System \(0x4\): kernel stack/);
    expect(String(residue(t.spec, "0x999").rows[0]!.Evidence)).toBe("thread 0x999 is not in any process's thread list (!process 0 2 lists them)");
  });

  it("refuses a user-mode target with one Info row, and rejects nonsense options", () => {
    const { rows } = residue(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/^KernelExecutionResidue needs a kernel or complete dump: this is a user-mode target/);
    expect(String(residue(kernelTarget().build().spec, "0x1000, \"everything\"").rows[0]!.Evidence)).toBe("unknown option \"everything\" (use all, symbols, module=<name>)");
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(withResidue("win10-1607").spec);
    const dotted = dbg.execute("!ewmda.kresidue 0x1a8");
    expect(dbg.execute("!ewmda_kresidue 0x1a8")).toEqual(dotted);
    expect(dotted).toMatchSnapshot();
  });
});

function fmt(v: bigint): string {
  const h = v.toString(16).padStart(16, "0");
  return h.slice(0, 8) + "`" + h.slice(8);
}

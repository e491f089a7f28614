/**
 * The minidump reader against every real dump in ../shared/testdata, checked field by field against
 * Breakpad's minidump_stackwalk output for the same file (parsed by ../oracle/breakpad-output).
 *
 * Privacy: these dumps hold real user data. Assertions use counts, module file names, ids and structure;
 * nothing here prints paths, command lines or environment values.
 */
import { describe, expect, it } from "vitest";
import type { Minidump } from "../../src/minidump/reader";
import type { DumpThread, ThreadContext } from "../../src/minidump/types";
import { ALL_DUMPS, exerciseAll, expectSortedDisjoint, openDump, oracleOf } from "./helpers";

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

/** Breakpad's crash reason text for a Windows exception record (the codes these dumps hold). */
function breakpadReason(code: number, flags: number, params: readonly bigint[]): string {
  switch (code >>> 0) {
    case 0xc0000005: {
      const op = params[0];
      return `EXCEPTION_ACCESS_VIOLATION${op === 0n ? "_READ" : op === 1n ? "_WRITE" : op === 8n ? "_EXEC" : ""}`;
    }
    case 0xc00000fd: return "EXCEPTION_STACK_OVERFLOW";
    case 0x80000003: return "EXCEPTION_BREAKPOINT";
    case 0xc0000409: return params[0] === 7n ? "FAST_FAIL_FATAL_APP_EXIT" : "EXCEPTION_STACK_BUFFER_OVERRUN";
    default: return `0x${hex8(code)} / 0x${hex8(flags)}`;
  }
}

/** Breakpad skips the thread that wrote the dump (BreakpadInfo's dump thread). */
function breakpadThreads(m: Minidump): DumpThread[] {
  const skip = m.breakpadInfo()?.dumpThreadId;
  return m.threads().filter((t) => t.id !== skip);
}

describe.each(ALL_DUMPS)("%s against Breakpad", (rel) => {
  const oracle = oracleOf(rel);
  // Breakpad writes "No crash" (address and thread 0) for a dump without an exception.
  const crash = oracle.crash?.reason === "No crash" ? undefined : oracle.crash;
  const m = openDump(rel);

  it("has the same OS and CPU", () => {
    const si = m.systemInfo();
    expect(si).toBeDefined();
    if (!si) return;
    expect(si.platform).toBe(oracle.os.platform);
    // The oracle's version is trimmed: Breakpad leaves a trailing space when there is no service pack.
    expect(`${si.majorVersion}.${si.minorVersion}.${si.buildNumber} ${si.csdVersion}`.trimEnd()).toBe(oracle.os.version);
    expect({ x86: "x86", x64: "amd64", arm64: "arm64", unknown: "?" }[si.arch]).toBe(oracle.cpu);
    expect(si.processorCount).toBe(oracle.cpuCount);
    if (si.arch !== "arm64") {
      const fms = `family ${si.processorLevel} model ${si.processorRevision >> 8} stepping ${si.processorRevision & 0xff}`;
      expect(si.arch === "x86" ? `${si.vendor} ${fms}` : fms).toBe(oracle.cpuDescription);
    } else {
      expect(oracle.cpuDescription).toBe("");
    }
  });

  it("has the same crash", () => {
    const ex = m.exception();
    if (!crash) {
      expect(ex).toBeUndefined();
      return;
    }
    expect(ex).toBeDefined();
    if (!ex) return;
    const { code, flags, parameters } = ex.record;
    expect(breakpadReason(code, flags, parameters)).toBe(crash.reason);
    let address = code >>> 0 === 0xc0000005 && parameters.length >= 2 ? (parameters[1] ?? 0n) : ex.record.address;
    if (m.systemInfo()?.arch === "x86") address &= 0xffffffffn;
    expect(address).toBe(crash.address);
    const crashed = oracle.threads.filter((t) => t.crashed).map((t) => t.index);
    expect(crashed).toEqual([crash.thread]);
    expect(breakpadThreads(m).findIndex((t) => t.id === ex.threadId)).toBe(crash.thread);
  });

  it("has the same modules", () => {
    const mods = m.modules();
    expect(mods.length).toBe(oracle.modules.length);
    const byBase = new Map(mods.map((x) => [x.base, x]));
    for (const o of oracle.modules) {
      const mod = byBase.get(o.base);
      expect(mod, `module at 0x${o.base.toString(16)}`).toBeDefined();
      if (!mod) continue;
      const pdb = mod.codeView?.pdbName?.split(/[\\/]/).pop() ?? "";
      expect({ name: mod.name, version: mod.version?.fileVersion ?? "", debugFile: pdb, debugId: mod.codeView?.debugId ?? "", end: mod.base + BigInt(mod.size) - 1n, main: mod === mods[0] })
        .toEqual({ name: o.name, version: o.version, debugFile: o.debugFile, debugId: o.debugId, end: o.end, main: o.main });
      expect(mod.codeId).toMatch(/^[0-9A-F]{8}[0-9a-f]+$/);
    }
  });

  it("has the same threads and frame-0 registers", () => {
    const threads = breakpadThreads(m);
    expect(threads.length).toBe(oracle.threads.length);
    const ex = m.exception();
    for (const { index, frames } of oracle.threads) {
      // Frame 0 is the thread's context ("given as instruction pointer in context").
      const regs = frames[0]?.index === 0 ? frames[0].registers : undefined;
      if (!regs) continue;
      const t = threads[index];
      expect(t, `thread ${index}`).toBeDefined();
      const ctx: ThreadContext | undefined = ex && t && ex.threadId === t.id ? ex.context : t?.context;
      expect(ctx, `thread ${index} context`).toBeDefined();
      const ours = Object.fromEntries(Object.keys(regs).map((k) => [k, ctx?.registers[k]]));
      expect(ours).toEqual({ ...regs });
    }
  });

  it("reads every stream without exceptions, and every thread stack", () => {
    exerciseAll(m);
    for (const t of m.threads()) expect(m.readMemory(t.stack.start, t.stack.size)?.length, `stack of thread ${t.id}`).toBe(t.stack.size);
    expectSortedDisjoint(m.memoryRanges());
  });
});

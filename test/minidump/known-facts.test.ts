/**
 * Facts about particular real dumps in ../shared/testdata that Breakpad's output does not show: process ids,
 * MiscInfo versions, thread names, handles, extended contexts, assertion and function-table streams, and
 * which dumps carry warnings at all.
 *
 * Privacy: these dumps hold real user data. Assertions use counts, module file names, ids and structure;
 * nothing here prints paths, command lines or environment values.
 */
import { describe, expect, it } from "vitest";
import { ALL_DUMPS, exerciseAll, openDump } from "./helpers";

describe("known facts", () => {
  it("lldb fizzbuzz_no_heap: pid 4440, one thread, access violation, the only ThreadInfoList", () => {
    const m = openDump("lldb/fizzbuzz_no_heap.dmp");
    expect(m.miscInfo()?.processId).toBe(4440);
    expect(m.miscInfo()?.version).toBe(3);
    expect(m.threads()).toHaveLength(1);
    expect(m.exception()?.record.code).toBe(0xc0000005);
    const info = [...m.threadInfo().values()];
    expect(info).toHaveLength(1);
    expect(info[0]?.threadId).toBe(m.threads()[0]?.id);
    expect(info[0]?.kernelTime).toBe(0n);
    expect(m.warnings).toEqual([]);
  });

  it("lldb sigsegv: faults at 0x7ff7a13110d9 (record address and the exception context's rip)", () => {
    const m = openDump("lldb/sigsegv.dmp");
    const ex = m.exception();
    expect(ex?.record.address).toBe(0x7ff7a13110d9n);
    expect(ex?.context?.arch).toBe("x64");
    expect(ex?.context?.registers.rip).toBe(0x7ff7a13110d9n);
  });

  it("breakpad thread_name_list: names for threads of the thread list", () => {
    const m = openDump("breakpad/thread_name_list.dmp");
    const names = m.threadNames();
    expect(names.size).toBeGreaterThan(0);
    const ids = new Set(m.threads().map((t) => t.id));
    for (const id of names.keys()) expect(ids.has(id)).toBe(true);
    for (const name of names.values()) expect(name.length).toBeGreaterThan(0);
  });

  it("breakpad tiny-exe-with-cet-xsave: handles, memory info, an unloaded module, no exception, CET shadow stack pointer", () => {
    const m = openDump("breakpad/tiny-exe-with-cet-xsave.dmp");
    expect(m.exception()).toBeUndefined();
    expect(m.handles()?.length).toBeGreaterThan(0);
    expect(m.memoryInfo()?.length).toBeGreaterThan(0);
    expect(m.unloadedModules()).toHaveLength(1);
    const ctx = m.threads()[0]?.context;
    expect(ctx?.arch).toBe("x64");
    expect(ctx?.xstate?.features).toContain("CET_U");
    expect(ctx?.xstate?.mask).toBe(0x800n);
    expect(ctx?.xstate?.ssp).toBe(0xcbc83fefc8n);
    // The shadow stack pointer points into a captured region of memory-info's committed pages.
    const ssp = ctx?.xstate?.ssp ?? 0n;
    expect(m.memoryInfo()?.some((r) => r.base <= ssp && ssp < r.base + r.regionSize && r.state === 0x1000)).toBe(true);
    expect(m.warnings).toEqual([]);
  });

  it("breakpad tiny-exe-with-cet-xsave-x86: a WOW64 dump with extended x86 contexts", () => {
    const m = openDump("breakpad/tiny-exe-with-cet-xsave-x86.dmp");
    expect(m.systemInfo()?.arch).toBe("x86");
    expect(m.modules().some((x) => x.name.toLowerCase() === "wow64cpu.dll")).toBe(true);
    for (const t of m.threads()) {
      expect(t.context?.arch).toBe("x86");
      expect(t.context?.registers.eip).toBeGreaterThan(0n);
      const xs = t.context?.xstate as { saved?: bigint; compacted?: boolean; ssp?: bigint } | undefined;
      expect(xs?.compacted).toBe(true);
      expect(xs?.saved).toBe(0x804n); // AVX and CET_U laid out, both in their initial state
      expect(xs?.ssp).toBe(0n);
    }
    expect(m.warnings).toEqual([]);
  });

  it("sentry minidump.dmp: the exception context carries AVX state", () => {
    const m = openDump("sentry/minidump.dmp");
    expect(m.exception()?.context?.xstate?.features).toContain("AVX");
    expect(m.threads()[0]?.context?.xstate?.features).toContain("CET_U");
    expect(m.header.flagNames).toContain("MiniDumpWithAvxXStateContext");
  });

  it("sentry crashpad-from-envelope: 448 handles, 5 unloaded modules, 102 modules, an unknown stream", () => {
    const m = openDump("sentry/crashpad-from-envelope.dmp");
    expect(m.handles()).toHaveLength(448);
    expect(m.handles()?.every((h) => h.objectInfoRva === undefined && h.objectName === undefined)).toBe(true);
    expect(m.handles()?.filter((h) => h.typeName).length).toBeGreaterThan(0);
    expect(m.unloadedModules()).toHaveLength(5);
    expect(m.modules()).toHaveLength(102);
    expect(m.unknownStreams().map((s) => s.name)).toEqual(["Unknown(0x53790001)"]);
    expect(m.crashpadInfo()?.version).toBe(1);
    expect(m.systemInfo()?.buildNumber).toBe(26200);
    expect(m.miscInfo()?.version).toBe(4);
    expect(m.warnings).toEqual([]);
  });

  it.each(["mozilla/windows-x86.dmp", "mozilla/windows-x86_64.dmp"])("%s: stacks stored only in the memory list are readable", (rel) => {
    const m = openDump(rel);
    const onlyInList = m.threads().filter((t) => t.stack.rva === 0);
    expect(onlyInList.length).toBeGreaterThan(50);
    for (const t of onlyInList) {
      const bytes = m.readMemory(t.stack.start, t.stack.size);
      expect(bytes?.length).toBe(t.stack.size);
      const sp = t.context?.registers[m.systemInfo()?.arch === "x86" ? "esp" : "rsp"] ?? 0n;
      expect(sp >= t.stack.start && sp <= t.stack.start + BigInt(t.stack.size)).toBe(true);
    }
  });

  it("mozilla: thread names, unloaded modules, memory info, MiscInfo 5 with a build string", () => {
    for (const rel of ["mozilla/windows-x86.dmp", "mozilla/windows-x86_64.dmp", "mozilla/windows-aarch64.dmp"]) {
      const m = openDump(rel);
      expect(m.threadNames().size).toBeGreaterThan(80);
      expect(m.unloadedModules()).toHaveLength(2);
      expect(m.memoryInfo()?.length).toBeGreaterThan(2000);
      const misc = m.miscInfo();
      expect(misc?.version).toBe(5);
      expect(misc?.buildString).toMatch(/^\d+\.\d+\./);
      expect(misc?.processUserTime).toBeGreaterThanOrEqual(0);
      expect(m.warnings).toEqual([]);
    }
  });

  it("rust-minidump invalid-parameter and electron: Breakpad assertion stream; electron: a function table", () => {
    const a = openDump("rust-minidump/invalid-parameter.dmp").assertion();
    expect(a).toBeDefined();
    expect(typeof a?.expression).toBe("string");
    const e = openDump("electron/windows.dmp");
    expect(e.assertion()).toBeDefined();
    expect(e.functionTable()?.tables).toHaveLength(1);
    expect(e.functionTable()?.entrySize).toBe(12);
    expect(openDump("sentry/minidump.dmp").functionTable()?.tables.map((t) => t.entryCount)).toEqual([4, 1, 1]);
  });

  it("minidump2: MINIDUMP_MISC_INFO version 1, Breakpad info with the dump thread", () => {
    const m = openDump("breakpad/minidump2.dmp");
    expect(m.miscInfo()?.version).toBe(1);
    expect(m.breakpadInfo()?.dumpThreadId).toBe(m.threads()[1]?.id);
    expect(m.modules()[0]?.codeId).toMatch(/^[0-9A-F]{8}[0-9a-f]+$/);
    expect(m.modules()[0]?.codeView?.kind).toBe("RSDS");
  });

  it("real dumps give warnings only where they are damaged", () => {
    const noisy: Record<string, string[]> = {};
    for (const rel of ALL_DUMPS) {
      const m = openDump(rel);
      exerciseAll(m);
      if (m.warnings.length) noisy[rel] = [...m.warnings];
      m.close();
    }
    // exec_av_on_stack's instruction window lies inside its stack range with the same bytes: not damage.
    expect(Object.keys(noisy).sort()).toEqual(["sentry/minidump.dmp"]);
    expect(noisy["sentry/minidump.dmp"]).toEqual([expect.stringMatching(/^the exception: CONTEXT_EX XState chunk runs \d+ bytes past the context/)]);
  });
});

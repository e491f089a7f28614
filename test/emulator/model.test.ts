/**
 * Fidelity of the emulated data model (collections, LINQ, processes, threads, modules, registers, frames,
 * session attributes) against the reference (shared/reference/dbgmodel-api.md §5.1, §5.3, §5.4, §6.3-§6.7,
 * checklist §9.7, open question §12.4).
 */
import { describe, it, expect } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import { ALTERNATE_VARIANT, type ProviderVariant } from "../../src/emulator/options";
import { probe, thrown as throwsIn } from "./probe";
import { userTarget, type UserTargetOptions } from "../mocks/user-target";

const PID = 0x1234;
const T1 = 0x1a4;
const T2 = 0x2b8;
const T3 = 0x3cc;


function target(options: UserTargetOptions = {}) {
  return userTarget({ pid: PID, ...options })
    .thread({ tid: T1, frames: ["ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "kernel32!BaseThreadInitThunk+0x14", "ntdll!RtlUserThreadStart+0x21"] })
    .thread({ tid: T2, frames: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9a"] })
    .thread({ tid: T3, frames: ["ntdll!NtRemoveIoCompletion+0x14"] })
    .build();
}

function newDbg(variant?: Partial<ProviderVariant>, options: UserTargetOptions = {}) {
  const built = target(options);
  return { built, dbg: new EmulatedDebugger(built.spec, variant ? { variant } : {}) };
}

const PRELUDE = "var proc = host.currentProcess; var threads = proc.Threads;";
const js = (dbg: EmulatedDebugger, body: string, ...args: unknown[]) => probe(dbg, body, args, { prelude: PRELUDE });

const thrown = (dbg: EmulatedDebugger, body: string) => throwsIn(dbg, body, [], { prelude: PRELUDE });

/** Plain numbers of a list of numbers / Int64 (for readable assertions). */
const ids = (list: unknown): number[] => Array.from(list as Iterable<unknown>, (x) => Number(x));

describe("collections keyed by their natural key (§5.3, §9.7)", () => {
  it("§5.3 Processes[pid] through the dx evaluator", () => {
    const { dbg } = newDbg();
    expect(dbg.dx("Debugger.Sessions[0].Processes[0x1234].Name")).toBe("app.exe");
    expect(dbg.dx("Debugger.Sessions[0].Processes[0x1234].Id")).toBe(PID);
    expect(dbg.dx("Debugger.Sessions[0].Processes[0x1234]")).toBe(dbg.dx("@$curprocess"));
  });

  it("§5.3 Processes[pid] and Processes.getValueAt(pid) from a script", () => {
    const { dbg } = newDbg();
    expect(js(dbg, "var ps = host.namespace.Debugger.Sessions[0].Processes; return [ps[0x1234].Name, ps.getValueAt(0x1234).Id, host.currentSession.Processes[a].Name];", PID))
      .toEqual(["app.exe", PID, "app.exe"]);
  });

  it("§5.3 Threads[tid] through the dx evaluator and from a script", () => {
    const { dbg } = newDbg();
    expect(dbg.dx("@$curprocess.Threads[0x2b8].Id")).toBe(T2);
    expect(dbg.dx("@$curprocess.Threads[0x3cc]")).toBe(js(dbg, "return threads[0x3cc];"));
    expect(js(dbg, "return [threads[0x1a4].Id, threads[a].Id, threads.getValueAt(0x3cc).Id];", T2)).toEqual([T1, T2, T3]);
  });

  it("§5.3 Modules.getValueAt accepts the file name and the name without extension", () => {
    const { built, dbg } = newDbg();
    const [byFile, byStem, same, base] = js(dbg, `var ms = proc.Modules;
      var a1 = ms.getValueAt("ntdll.dll"), a2 = ms.getValueAt("ntdll");
      return [a1.Name, a2.Name, a1 === a2, a1.BaseAddress];`) as unknown[];
    expect(byFile).toBe("C:\\Windows\\System32\\ntdll.dll");
    expect(byStem).toBe("C:\\Windows\\System32\\ntdll.dll");
    expect(same).toBe(true);
    expect(base).toBe(dbg.int64.make(built.at.module("ntdll")));
  });

  it("§6.7 module names are full paths in user mode; BaseAddress is Int64 and Size an ordinal", () => {
    const { built, dbg } = newDbg();
    const names = js(dbg, "var out = []; for (var m of proc.Modules) out.push(m.Name); return out;") as string[];
    expect(names).toEqual(["C:\\Program Files\\App\\app.exe", "C:\\Windows\\System32\\ntdll.dll", "C:\\Windows\\System32\\kernel32.dll", "C:\\Windows\\System32\\kernelbase.dll"]);
    expect(js(dbg, 'var m = proc.Modules[0]; return [m.BaseAddress instanceof host.Int64, m.Size];')).toEqual([true, 0x20000]);
    expect(js(dbg, 'return proc.Modules.getValueAt("C:\\\\Windows\\\\System32\\\\kernel32.dll").BaseAddress;')).toBe(dbg.int64.make(built.at.module("kernel32")));
  });
});

describe("LINQ on model collections with JavaScript callbacks (§5.4, §9.7)", () => {
  it("§5.4 Where filters and keeps the source keys", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var w = threads.Where(function (t) { return t.Id > 0x200; });
      var ids = []; for (var t of w) ids.push(t.Id);
      return [ids, w[0x3cc].Id, typeof w.Where];`)).toEqual([[T2, T3], T3, "function"]);
  });

  it("§5.4 Select projects and keeps the source keys (Processes stay keyed by pid, Threads by tid)", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var names = host.currentSession.Processes.Select(function (p) { return p.Name; });
      var doubled = threads.Select(function (t) { return t.Id * 2; });
      return [names[0x1234], doubled[0x2b8], Array.from(doubled)];`)).toEqual(["app.exe", T2 * 2, [T1 * 2, T2 * 2, T3 * 2]]);
    // dx shows the projected Processes list under [0x1234].
    expect(dbg.dxLines("Debugger.Sessions[0].Processes.Select(p => p.Name)").some((l) => /^\s+\[0x1234\]\s+: app\.exe$/.test(l))).toBe(true);
  });

  it("§5.4 First / Last with and without a predicate; First on an empty collection throws", () => {
    const { dbg } = newDbg();
    expect(js(dbg, "return [threads.First().Id, threads.Last().Id, threads.First(function (t) { return t.Id > 0x200; }).Id];")).toEqual([T1, T3, T2]);
    expect(thrown(dbg, "threads.Where(function () { return false; }).First()")).toMatch(/^threw: /);
    expect(thrown(dbg, "threads.First(function (t) { return t.Id === 1; })")).toMatch(/^threw: /);
  });

  it("§5.4/§12.4 Count() is a number by default", () => {
    const { dbg } = newDbg();
    expect(js(dbg, "return [threads.Count(), proc.Modules.Count(), threads.Where(function (t) { return t.Id < 0x300; }).Count()];")).toEqual([3, 4, 2]);
  });

  it("§5.4 OrderBy / OrderByDescending sort by a key projector, with an optional comparator", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `return [
      Array.from(threads.OrderBy(function (t) { return -t.Id; })).map(function (t) { return t.Id; }),
      Array.from(threads.OrderByDescending(function (t) { return t.Id; })).map(function (t) { return t.Id; }),
      Array.from(threads.OrderBy(function (t) { return t.Id; }, function (x, y) { return y - x; })).map(function (t) { return t.Id; })];`))
      .toEqual([[T3, T2, T1], [T3, T2, T1], [T3, T2, T1]]);
  });

  it("§5.4 GroupBy makes a collection of groups", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var g = threads.GroupBy(function (t) { return t.Id > 0x200 ? "high" : "low"; });
      var sizes = []; for (var grp of g) sizes.push(Array.from(grp).map(function (t) { return t.Id; }));
      return [g.Count(), sizes];`)).toEqual([2, [[T1], [T2, T3]]]);
  });

  it("§5.4 Any and All", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `return [threads.Any(), threads.Any(function (t) { return t.Id === 0x2b8; }), threads.Any(function (t) { return t.Id === 1; }),
      threads.All(function (t) { return t.Id > 0; }), threads.All(function (t) { return t.Id > 0x200; }),
      threads.Where(function () { return false; }).Any()];`)).toEqual([true, true, false, true, false, false]);
  });

  it("§5.4 Flatten with a children callback walks a tree (DeviceTree.Flatten(dev => dev.Children))", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var tree = host.namespace.Debugger.Utility.Collections.CreateArray(
        { n: 1, kids: [{ n: 2, kids: [] }, { n: 3, kids: [{ n: 4, kids: [] }] }] }, { n: 5, kids: [] });
      return Array.from(tree.Flatten(function (x) { return x.kids; }).Select(function (x) { return x.n; }));`)).toEqual([1, 2, 3, 4, 5]);
    // Without a callback, a collection of collections is flattened one level.
    expect(ids(js(dbg, "return threads.GroupBy(function (t) { return t.Id & 1; }).Flatten().Select(function (t) { return t.Id; });")).sort())
      .toEqual([T1, T2, T3].sort());
  });

  it("§5.4 Take and Skip", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var idOf = function (t) { return t.Id; };
      return [Array.from(threads.Take(2).Select(idOf)), Array.from(threads.Skip(1).Select(idOf)), Array.from(threads.Skip(1).Take(1).Select(idOf)), threads.Take(0).Count()];`))
      .toEqual([[T1, T2], [T2, T3], [T2], 0]);
  });

  it("§5.4 a plain JS array made inside the script does NOT have Where (or any LINQ method)", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var plain = [1, 2, 3]; var copied = Array.from(threads);
      return [typeof plain.Where, typeof plain.Select, typeof plain.First, typeof copied.Where, copied.length, typeof threads.Where];`))
      .toEqual(["undefined", "undefined", "undefined", "undefined", 3, "function"]);
    expect(thrown(dbg, "[1, 2, 3].Where(function (x) { return x > 1; })")).toMatch(/^threw: /);
  });

  it("§5.3 model collections are iterable with for..of and Array.from", () => {
    const { dbg } = newDbg();
    expect(js(dbg, "var out = []; for (var t of threads) out.push(t.Id); return [out, Array.from(proc.Threads).length];")).toEqual([[T1, T2, T3], 3]);
  });
});

describe("threads, registers and frames (§6.5, §6.6)", () => {
  it("§6.5 Registers.User.rip / rsp are Int64 on x64", () => {
    const { built, dbg } = newDbg();
    const [rip, rsp, isI64] = js(dbg, "var r = threads[a].Registers.User; return [r.rip, r.rsp, r.rip instanceof host.Int64];", T2) as unknown[];
    expect(rip).toBe(dbg.int64.make(built.at.symbol("ntdll!NtDelayExecution", 0x14)));
    expect(rsp).toBe(dbg.int64.make(built.at.stackPointer(T2)));
    expect(isI64).toBe(true);
    expect(js(dbg, 'return threads[a].Registers.User["rsp"] === threads[a].Registers.User.rsp;', T2)).toBe(true);
  });

  it("§6.6 Stack.Frames[0].Attributes.InstructionOffset is the Int64 address of frame 0", () => {
    const { built, dbg } = newDbg();
    const [ip0, ip1, ret0, n1, count] = js(dbg, `var f = threads[a].Stack.Frames;
      return [f[0].Attributes.InstructionOffset, f[1].Attributes.InstructionOffset, f[0].Attributes.ReturnOffset, f[1].Attributes.FrameNumber, f.Count()];`, T1) as unknown[];
    expect(ip0).toBe(dbg.int64.make(built.at.symbol("ntdll!NtWaitForSingleObject", 0x14)));
    expect(ip1).toBe(dbg.int64.make(built.at.symbol("kernelbase!WaitForSingleObjectEx", 0x8e)));
    expect(ret0).toBe(ip1);
    expect(n1).toBe(1);
    expect(count).toBe(4);
    expect(js(dbg, "return threads[a].Stack.Frames[0].Attributes.SourceInformation.FunctionName;", T1)).toMatch(/NtWaitForSingleObject$/);
  });
});

describe("model ordinals: number or Int64 (§5.1, §12.4)", () => {
  const ORDINALS = `return [proc.Id, threads[0x1a4].Id, threads.Count(), host.currentSession.Attributes.Machine.PointerSize,
    threads[0x1a4].Stack.Frames[1].Attributes.FrameNumber, proc.Modules[0].Size];`;

  it("§12.4 model ordinals are numbers in the default variant", () => {
    const { dbg } = newDbg();
    expect(js(dbg, ORDINALS)).toEqual([PID, T1, 3, 8, 1, 0x20000]);
  });

  it("§12.4 model ordinals are Int64 under the alternate variant", () => {
    const { dbg } = newDbg(ALTERNATE_VARIANT);
    const values = js(dbg, ORDINALS) as unknown[];
    expect(values).toEqual([PID, T1, 3, 8, 1, 0x20000].map((n) => dbg.int64.make(BigInt(n))));
    // Addresses are Int64 in both.
    expect(js(dbg, "return proc.Modules[0].BaseAddress instanceof host.Int64;")).toBe(true);
  });
});

describe("session attributes (§6.3)", () => {
  it("§6.3 a user dump: IsUserTarget true, IsKernelTarget false, PointerSize 8 on x64", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var at = host.currentSession.Attributes;
      return [at.Target.IsUserTarget, at.Target.IsKernelTarget, at.Target.IsLiveTarget, at.Machine.PointerSize, at.Target.Details.DumpFileName];`))
      .toEqual([true, false, false, 8, "C:\\dumps\\app.dmp"]);
    expect(dbg.dx("@$cursession.Attributes.Target.IsUserTarget")).toBe(true);
  });

  it("§6.3 PointerSize is 4 on an x86 target", () => {
    const { dbg } = newDbg(undefined, { arch: "x86" });
    expect(js(dbg, "return [host.currentSession.Attributes.Machine.PointerSize, host.currentSession.Attributes.Target.IsUserTarget];")).toEqual([4, true]);
  });
});

/**
 * The kernel fake-target builder, proved through the emulated debugger: every fact is read back the way a
 * WinDbg script or a dx user reads it (list walks from nt!PsActiveProcessHead, typed _EPROCESS/_ETHREAD
 * objects, host.memory), and offsets are checked against constants from the public symbols, for both builds.
 */
import { describe, expect, it } from "vitest";
import { EmulatedDebugger, type TargetSpec } from "../../src/emulator";
import {
  emptyKernel, kernelTarget, kernelWithZombie, kobj, kret, kstackref, ksym, noisyKernel, toFileTime, type BuiltKernelTarget, type KernelBuild,
} from "./kernel-target";

const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];

/** A classic script that walks kernel lists the way an extension would. */
const WALKER = `
"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function hostObject() { return host; }
function fromList(head, type, field) {
  var out = [];
  for (var o of host.namespace.Debugger.Utility.Collections.FromListEntry(head, type, field)) out.push(o);
  return out;
}
function activeProcesses() {
  return fromList(host.getModuleSymbol("nt", "PsActiveProcessHead", "_LIST_ENTRY"), "nt!_EPROCESS", "ActiveProcessLinks");
}
function activeProcessesBackwards() {
  var head = host.getModuleSymbol("nt", "PsActiveProcessHead", "_LIST_ENTRY");
  var links = host.getModuleType("nt", "_EPROCESS").fields.ActiveProcessLinks.offset;
  var out = [];
  for (var e = head.Blink; e.address.compareTo(head.address) != 0; e = e.Blink) out.push(e.address.subtract(links));
  return out;
}
function threadsOf(eprocess) { return fromList(eprocess.ThreadListHead, "nt!_ETHREAD", "ThreadListEntry"); }
function kthreadsOf(eprocess) { return fromList(eprocess.Pcb.ThreadListHead, "nt!_KTHREAD", "ThreadListEntry"); }
function handleTables() {
  return fromList(host.getModuleSymbol("nt", "HandleTableListHead", "_LIST_ENTRY"), "nt!_HANDLE_TABLE", "HandleTableList");
}
function imageName(eprocess) { return host.memory.readString(eprocess.ImageFileName.address); }
function objectHeader(body) {
  var offset = host.getModuleType("nt", "_OBJECT_HEADER").fields.Body.offset;
  return host.createTypedObject(body.address.subtract(offset), "nt", "_OBJECT_HEADER");
}
function decodedTypeIndex(header) {
  var cookie = host.getModuleSymbol("nt", "ObHeaderCookie", "UCHAR");
  return header.TypeIndex ^ cookie ^ header.address.bitwiseShiftRight(8).bitwiseAnd(0xff).asNumber();
}
function readQword(address) { return host.memory.readMemoryValues(address, 1, 8)[0]; }
`;

type Native = any;

interface Session {
  readonly dbg: EmulatedDebugger;
  readonly fn: Record<string, (...args: unknown[]) => Native>;
  readonly host: Native;
  /** An Int64 or number as a bigint. */
  big(v: unknown): bigint;
  /** The typed _EPROCESS the debugger's process model hands out. */
  eprocess(pid: number): Native;
  ethread(pid: number, tid: number): Native;
}

function open(spec: TargetSpec): Session {
  const dbg = new EmulatedDebugger(spec);
  const script = dbg.scriptLoad(WALKER, "walker.js");
  const fn = script.global as Session["fn"];
  return {
    dbg, fn, host: fn.hostObject!(),
    big: (v) => dbg.int64.toBigInt(v),
    eprocess: (pid) => dbg.dx(`@$cursession.Processes[${pid}].KernelObject`),
    ethread: (pid, tid) => dbg.dx(`@$cursession.Processes[${pid}].Threads[${tid}].KernelObject`),
  };
}

const addr = (s: Session, native: Native): bigint => s.big(native.address);

describe.each(BUILDS)("kernel target (%s)", (build) => {
  const target = () => kernelTarget({ build })
    .process({ pid: 0x2c0, name: "explorer.exe", label: "explorer" })
    .process({ pid: 0x1a4, name: "notepad.exe", parentPid: 0x2c0, label: "np" })
    .thread({ tid: 0x1a8 })
    .thread({ tid: 0x1ac, process: "np" })
    .process({ pid: 0x3e8, name: "svchost.exe" })
    .build();

  it("links System and the declared processes from nt!PsActiveProcessHead, in order, both ways, without Idle", () => {
    const t = target();
    const s = open(t.spec);
    const forward = s.fn.activeProcesses!() as Native[];
    expect(forward.map((p) => addr(s, p))).toEqual([4, 0x2c0, 0x1a4, 0x3e8].map((pid) => t.addresses.process(pid)));
    expect(forward.map((p) => s.big(p.UniqueProcessId.address))).toEqual([4n, 0x2c0n, 0x1a4n, 0x3e8n]);
    expect(forward.map((p) => s.fn.imageName!(p))).toEqual(["System", "explorer.exe", "notepad.exe", "svchost.exe"]);
    const backward = (s.fn.activeProcessesBackwards!() as Native[]).map((a) => s.big(a));
    expect(backward).toEqual([0x3e8, 0x1a4, 0x2c0, 4].map((pid) => t.addresses.process(pid)));
    // The debugger still lists Idle as process 0 (it is nt!PsIdleProcess, outside the list).
    expect(t.spec.processes.map((p) => p.id)).toEqual([0, 4, 0x2c0, 0x1a4, 0x3e8]);
    expect(addr(s, s.host.getModuleSymbol("nt", "PsIdleProcess", "_EPROCESS*"))).toBe(t.addresses.process(0));
    expect(s.fn.imageName!(s.eprocess(0))).toBe("Idle");
  });

  it("writes every process field the test gives, read back through the typed _EPROCESS", () => {
    const created = new Date(Date.UTC(2024, 2, 1, 12, 0, 0));
    const exited = 0x01da_6b00_1234_5678n;
    const t = kernelTarget({ build })
      .process({ pid: 0x4d0, name: "app.exe", parentPid: 0x2c0, createTime: created, exitTime: exited, exitStatus: 0xc0000005,
        activeThreads: 2, objectTable: true, crashed: true, wow64: true, peb: 0x0000_00e1_2f5c_4000n, sessionId: 3 })
      .thread({ tid: 0x4d4 }).thread({ tid: 0x4d8, terminated: false })
      .build();
    const s = open(t.spec);
    const p = s.eprocess(0x4d0);
    expect(addr(s, p)).toBe(t.addresses.process(0x4d0));
    expect(s.big(p.UniqueProcessId.address)).toBe(0x4d0n);
    expect(s.big(p.InheritedFromUniqueProcessId.address)).toBe(0x2c0n);
    expect(s.big(p.CreateTime.QuadPart)).toBe(toFileTime(created));
    expect(s.big(p.CreateTime.QuadPart)).toBe(133537680000000000n); // 2024-03-01 12:00 UTC as a FILETIME
    expect(s.big(p.ExitTime.QuadPart)).toBe(exited);
    expect(p.ExitStatus >>> 0).toBe(0xc0000005);
    expect(p.ActiveThreads).toBe(2);
    expect(p.ObjectTable.isNull).toBe(false);
    expect(addr(s, p.ObjectTable)).toBe(t.addresses.handleTable(0x4d0));
    expect(p.ObjectTable.UniqueProcessId).toBe(0x4d0);
    expect(p.Crashed).toBe(1);
    expect(p.ProcessExiting).toBe(1);
    expect(s.big(p.Peb.address)).toBe(0x0000_00e1_2f5c_4000n);
    expect(p.WoW64Process.isNull).toBe(false);
    expect(s.big(p.WoW64Process.Peb.address)).not.toBe(0n);
    expect(p.Token.Object.isNull).toBe(false);
    const token = s.host.createTypedObject(s.dbg.int64.make(s.big(p.Token.Object.address) & ~0xfn), "nt", "_TOKEN");
    expect(token.SessionId).toBe(3);
    expect(s.host.memory.readWideString(p.SeAuditProcessCreationInfo.ImageFileName.Name.Buffer))
      .toBe("\\Device\\HarddiskVolume3\\Windows\\System32\\app.exe");
  });

  it("puts fields at the offsets of the public symbols (constants from the ntdiff headers, not from the layout tables)", () => {
    // EPROCESS: UniqueProcessId, ActiveProcessLinks, ImageFileName, Flags3 (Crashed bit), ExitStatus, ThreadListHead;
    // ETHREAD: Cid, ThreadListEntry, Tcb.State.
    const OFFSETS = {
      "win10-1607": { pid: 0x2e8, links: 0x2f0, image: 0x450, flags3: 0x6c4, crashedBit: 4, exitStatus: 0x61c, threadHead: 0x488, cid: 0x630, threadLinks: 0x698, state: 0x184 },
      "win11-22h2": { pid: 0x440, links: 0x448, image: 0x5a8, flags3: 0x87c, crashedBit: 2, exitStatus: 0x7d4, threadHead: 0x5e0, cid: 0x4c8, threadLinks: 0x538, state: 0x184 },
    }[build];
    const t = kernelTarget({ build }).process({ pid: 0x1a4, name: "notepad.exe", crashed: true, exitStatus: 0x1234 })
      .thread({ tid: 0x1a8, state: "Waiting" }).build();
    const s = open(t.spec);
    const e = t.addresses.process(0x1a4);
    const th = t.addresses.thread(0x1a8);
    const q = (a: bigint) => s.big(s.fn.readQword!(s.dbg.int64.make(a)));
    const bytes = (a: bigint, n: number) => Array.from(s.host.memory.readMemoryValues(s.dbg.int64.make(a), n, 1) as ArrayLike<number>);
    expect(q(e + BigInt(OFFSETS.pid))).toBe(0x1a4n);
    expect(q(q(t.addresses.symbol("PsActiveProcessHead")) - BigInt(OFFSETS.links) + BigInt(OFFSETS.pid))).toBe(4n); // System first
    expect(String.fromCharCode(...bytes(e + BigInt(OFFSETS.image), 11))).toBe("notepad.exe");
    expect((Number(q(e + BigInt(OFFSETS.flags3)) & 0xffffffffn) >> OFFSETS.crashedBit) & 1).toBe(1);
    expect(Number(q(e + BigInt(OFFSETS.exitStatus)) & 0xffffffffn)).toBe(0x1234);
    expect(q(th + BigInt(OFFSETS.cid))).toBe(0x1a4n);
    expect(q(th + BigInt(OFFSETS.cid) + 8n)).toBe(0x1a8n);
    expect(bytes(th + BigInt(OFFSETS.state), 1)).toEqual([5]);
    // The only thread's ThreadListEntry and the process's ThreadListHead point at each other.
    expect(q(e + BigInt(OFFSETS.threadHead))).toBe(th + BigInt(OFFSETS.threadLinks));
    expect(q(th + BigInt(OFFSETS.threadLinks))).toBe(e + BigInt(OFFSETS.threadHead));
  });

  it("truncates ImageFileName to 14 characters and a NUL, as Windows does", () => {
    const t = kernelTarget({ build }).process({ pid: 0x88, name: "SearchProtocolHost.exe" }).build();
    const s = open(t.spec);
    const p = s.eprocess(0x88);
    const raw = [...p.ImageFileName] as number[];
    expect(raw).toHaveLength(15);
    expect(String.fromCharCode(...raw.slice(0, 14))).toBe("SearchProtocol");
    expect(raw[14]).toBe(0);
    expect(s.fn.imageName!(p)).toBe("SearchProtocol");
    expect(t.spec.processes.find((x) => x.id === 0x88)!.name).toBe("SearchProtocolHost.exe");
  });

  it("links threads through ThreadListHead and Tcb.ThreadListEntry, each pointing back to its process", () => {
    const t = target();
    const s = open(t.spec);
    const p = s.eprocess(0x1a4);
    const ethreads = s.fn.threadsOf!(p) as Native[];
    expect(ethreads.map((e) => s.big(e.Cid.UniqueThread.address))).toEqual([0x1a8n, 0x1acn]);
    expect(ethreads.map((e) => addr(s, e))).toEqual([t.addresses.thread(0x1a8), t.addresses.thread(0x1ac)]);
    expect((s.fn.kthreadsOf!(p) as Native[]).map((k) => addr(s, k))).toEqual(ethreads.map((e) => addr(s, e)));
    for (const e of ethreads) {
      expect(s.big(e.Cid.UniqueProcess.address)).toBe(0x1a4n);
      expect(addr(s, e.Tcb.Process)).toBe(addr(s, p));
      expect(addr(s, e.Tcb.ApcState.Process)).toBe(addr(s, p));
    }
    expect(p.ActiveThreads).toBe(2);
    // The thread model's KernelObject is the same _ETHREAD.
    expect(addr(s, s.ethread(0x1a4, 0x1ac))).toBe(t.addresses.thread(0x1ac));
    // A process declared without threads gets one waiting thread.
    expect((s.fn.threadsOf!(s.eprocess(0x3e8)) as Native[])).toHaveLength(1);
  });

  it("writes thread state, wait reason, times, TEB, start address and kernel stack", () => {
    const stack = { base: 0xffff_d000_1234_8000n, limit: 0xffff_d000_1234_2000n, current: 0xffff_d000_1234_7a00n };
    const created = new Date(Date.UTC(2024, 0, 15, 9, 0, 0));
    const t = kernelTarget({ build })
      .process({ pid: 0x1a4, name: "notepad.exe" })
      .thread({ tid: 0x1a8, state: "Waiting", waitReason: "WrLpcReceive", waitTime: 0x1234, createTime: created,
        teb: 0x0000_0047_a000_1000n, startAddress: 0x7ff6_1000_2000n, kernelStack: stack, name: "worker" })
      .thread({ tid: 0x1ac, exitTime: 0x01da_0000_0000_0000n, exitStatus: 0x40010004 })
      .build();
    const s = open(t.spec);
    const e = s.ethread(0x1a4, 0x1a8);
    expect(e.Tcb.State).toBe(5);
    expect(e.Tcb.WaitReason).toBe(16);
    expect(e.Tcb.WaitTime).toBe(0x1234);
    expect(s.big(e.CreateTime.QuadPart)).toBe(toFileTime(created));
    expect(s.big(e.Tcb.Teb.address)).toBe(0x0000_0047_a000_1000n);
    expect(s.big(e.StartAddress.address)).toBe(0x7ff6_1000_2000n);
    expect(s.big(e.Tcb.StackBase.address)).toBe(stack.base);
    expect(s.big(e.Tcb.StackLimit.address)).toBe(stack.limit);
    expect(s.big(e.Tcb.KernelStack.address)).toBe(stack.current);
    expect(s.big(e.Tcb.InitialStack.address) <= stack.base).toBe(true);
    expect(s.host.memory.readWideString(e.ThreadName.Buffer)).toBe("worker");
    expect(e.Terminated).toBe(0);
    // The stack the test gave is mapped; the model's thread has the TEB and the name.
    expect(s.big(s.fn.readQword!(s.dbg.int64.make(stack.base - 8n)))).toBe(0n);
    expect(s.dbg.dx("@$cursession.Processes[0x1a4].Threads[0x1a8].Name")).toBe("worker");
    const dead = s.ethread(0x1a4, 0x1ac);
    expect(dead.Tcb.State).toBe(4);
    expect(dead.Terminated).toBe(1);
    expect(s.big(dead.ExitTime.QuadPart)).toBe(0x01da_0000_0000_0000n);
    expect(dead.ExitStatus).toBe(0x40010004);
    expect(s.eprocess(0x1a4).ActiveThreads).toBe(1);
  });

  it("puts an _OBJECT_HEADER before each EPROCESS and ETHREAD with the counts and the cookie-encoded type index", () => {
    const t = kernelTarget({ build, headerCookie: 0x9b })
      .process({ pid: 0x1a4, name: "notepad.exe", handleCount: 7, pointerCount: 0x20 })
      .thread({ tid: 0x1a8 })
      .build();
    const s = open(t.spec);
    const h = s.fn.objectHeader!(s.eprocess(0x1a4));
    expect(addr(s, h)).toBe(t.addresses.objectHeader({ pid: 0x1a4 }));
    expect(s.big(h.HandleCount)).toBe(7n);
    expect(s.big(h.PointerCount)).toBe(0x20n);
    expect(s.fn.decodedTypeIndex!(h)).toBe(7); // Process
    expect(s.fn.decodedTypeIndex!(s.fn.objectHeader!(s.ethread(0x1a4, 0x1a8)))).toBe(8); // Thread
    expect(s.host.getModuleSymbol("nt", "ObHeaderCookie", "UCHAR")).toBe(0x9b);
  });

  it("lists handle tables from nt!HandleTableListHead with their owner and handle count", () => {
    const t = kernelTarget({ build })
      .process({ pid: 0x1a4, name: "notepad.exe", ownHandleCount: 0x55 })
      .process({ pid: 0x1b0, name: "gone.exe", exitTime: 0x01da_0000_0000_0000n })
      .build();
    const s = open(t.spec);
    const tables = s.fn.handleTables!() as Native[];
    expect(tables.map((h) => h.UniqueProcessId)).toEqual([4, 0x1a4]);
    const np = tables[1];
    expect(addr(s, np.QuotaProcess)).toBe(t.addresses.process(0x1a4));
    expect(np.FreeLists[0].HandleCount).toBe(0x55);
    expect(s.eprocess(0x1b0).ObjectTable.isNull).toBe(true);
  });
});

describe("kernel target: processors, globals, current thread, modules", () => {
  it("builds KPRCBs reachable from nt!KiProcessorBlock, one idle thread each", () => {
    const t = kernelTarget({ processors: 2 }).process({ pid: 0x1a4, name: "notepad.exe" }).thread({ tid: 0x1a8 })
      .current({ pid: 0x1a4, tid: 0x1a8 }).build();
    const s = open(t.spec);
    expect(s.host.getModuleSymbol("nt", "KeNumberProcessors")).toBe(2);
    const block = s.host.getModuleSymbol("nt", "KiProcessorBlock");
    for (const i of [0, 1]) {
      const prcb = block[i];
      expect(addr(s, prcb)).toBe(t.addresses.prcb(i));
      expect(prcb.Number).toBe(i);
      expect(addr(s, prcb.IdleThread.Process)).toBe(t.addresses.process(0));
      // Tcb is the ETHREAD's first member, so the KTHREAD pointer is the ETHREAD.
      const idle = s.host.createTypedObject(prcb.IdleThread.address, "nt", "_ETHREAD");
      expect([s.big(idle.Cid.UniqueProcess.address), s.big(idle.Cid.UniqueThread.address)]).toEqual([0n, 0n]);
    }
    expect(addr(s, block[0].CurrentThread)).toBe(t.addresses.thread(0x1a8));
    expect(addr(s, block[1].CurrentThread)).toBe(addr(s, block[1].IdleThread));
    expect(s.big(block[2].address)).toBe(0n);
    // The debugger opens on the current thread, which is running in nt!KeBugCheckEx.
    expect(s.dbg.dx("@$curprocess.Id")).toBe(0x1a4);
    expect(s.dbg.dx("@$curthread.Id")).toBe(0x1a8);
    expect(s.dbg.dx("@$curthread.KernelObject.Tcb.State")).toBe(2);
    expect(s.big(s.dbg.dx("@$curthread.Registers.User.rip"))).toBe(t.addresses.symbol("KeBugCheckEx"));
    expect(s.big(s.dbg.dx("@$curthread.Registers.Kernel.rsp"))).toBe(t.addresses.kernelStack(0x1a8).current);
    expect(t.spec.processes[0]!.threads.map((x) => x.id)).toEqual([0, 0]);
  });

  it("defines nt's globals with their types", () => {
    const t = kernelTarget({ tickCount: 0x1_0000_0123n }).build();
    const s = open(t.spec);
    expect(s.host.getModuleSymbol("nt", "KeMaximumIncrement")).toBe(156250);
    expect(addr(s, s.host.getModuleSymbol("nt", "PsInitialSystemProcess"))).toBe(t.addresses.process(4));
    const tick = s.big(s.host.getModuleSymbolAddress("nt", "KeTickCount"));
    expect(s.big(s.fn.readQword!(s.dbg.int64.make(tick)))).toBe(0x1_0000_0123n);
    const loaded = s.host.getModuleSymbol("nt", "PsLoadedModuleList");
    expect(s.big(loaded.Flink.address)).toBe(addr(s, loaded)); // no _KLDR_DATA_TABLE_ENTRY layout yet: an empty list
    expect(s.big(s.host.evaluateExpression("nt!PsActiveProcessHead"))).toBe(t.addresses.symbol("nt!PsActiveProcessHead"));
  });

  it("lists nt and the drivers as kernel modules, with symbols", () => {
    const t = kernelTarget().driver({ name: "mydrv.sys", symbols: { DriverEntry: 0x5000 } }).driver({ name: "nosyms.sys", size: 0x8000 }).build();
    const s = open(t.spec);
    expect(t.spec.kernelModules!.map((m) => m.name)).toEqual(["ntoskrnl.exe", "mydrv.sys", "nosyms.sys"]);
    expect(s.big(s.host.getModuleSymbolAddress("mydrv", "DriverEntry"))).toBe(t.addresses.module("mydrv") + 0x5000n);
    expect(s.big(s.dbg.dx("@$curprocess.Modules[\"nt\"].BaseAddress"))).toBe(0xffff_f800_1200_0000n);
    expect(s.dbg.dx("@$cursession.Attributes.Target.IsKernelTarget")).toBe(true);
  });

  it("answers canned commands", () => {
    const t = kernelTarget().command("!vm", ["Physical Memory: 1048576 ( 4194304 Kb)"]).build();
    expect(new EmulatedDebugger(t.spec).execute("!vm")).toEqual(["Physical Memory: 1048576 ( 4194304 Kb)"]);
  });
});

describe("kernel target: unreadable memory", () => {
  it("takes one field out of the dump: reading it throws, the rest of the EPROCESS reads", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "notepad.exe" }).unreadable({ pid: 0x1a4, field: "ImageFileName" }).build();
    const s = open(t.spec);
    const p = s.eprocess(0x1a4);
    expect(() => p.ImageFileName[0]).toThrow(/Unable to read memory/);
    expect(s.big(p.UniqueProcessId.address)).toBe(0x1a4n);
    expect(p.ActiveThreads).toBe(1);
  });

  it("accepts labels with field paths and nt!symbols", () => {
    const t = kernelTarget({ build: "win11-22h2" }).process({ pid: 0x1a4, name: "notepad.exe" }).thread({ tid: 0x1a8, label: "w" })
      .unreadable("w.Tcb.State").unreadable("nt!PsActiveProcessHead").build();
    const s = open(t.spec);
    expect(() => s.ethread(0x1a4, 0x1a8).Tcb.State).toThrow(/Unable to read memory/);
    expect(s.ethread(0x1a4, 0x1a8).Tcb.WaitReason).toBe(6);
    expect(() => s.fn.activeProcesses!()).toThrow(/Unable to read memory/);
  });

  it("breaks a list walk at an unreadable EPROCESS", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "a.exe" }).process({ pid: 0x1b0, name: "b.exe", label: "b" }).unreadable("b").build();
    const s = open(t.spec);
    expect(() => s.fn.activeProcesses!()).toThrow(/Unable to read memory/);
    expect(s.eprocess(0x1a4).ActiveThreads).toBe(1);
  });

  it("guards kernel stacks with an unmapped page, and can take a whole stack or a page out", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "a.exe" }).thread({ tid: 0x1a8 }).thread({ tid: 0x1ac })
      .unreadable({ tid: 0x1ac, stack: true }).build();
    const s = open(t.spec);
    const q = (a: bigint) => s.fn.readQword!(s.dbg.int64.make(a));
    const ks = t.addresses.kernelStack(0x1a8);
    expect(ks.base - ks.limit).toBe(0x6000n);
    expect(s.big(q(ks.base - 8n))).toBe(0n);
    expect(s.big(q(ks.limit))).toBe(0n);
    expect(() => q(ks.limit - 8n)).toThrow(/Unable to read memory/);
    expect(() => q(t.addresses.kernelStack(0x1ac).base - 8n)).toThrow(/Unable to read memory/);
    const paged = kernelTarget().unreadable(t.addresses.process(4) + 0x10n).build();
    const s2 = open(paged.spec);
    expect(() => s2.eprocess(4).ActiveThreads).toThrow(/Unable to read memory/);
  });
});

describe("kernel target: standard targets", () => {
  const walk = (t: BuiltKernelTarget) => {
    const s = open(t.spec);
    return { s, linked: (s.fn.activeProcesses!() as Native[]).map((p) => Number(s.big(p.UniqueProcessId.address))) };
  };

  it("emptyKernel: Idle and System only, System's thread is current", () => {
    for (const build of BUILDS) {
      const t = emptyKernel({ build });
      const { s, linked } = walk(t);
      expect(t.spec.processes.map((p) => [p.id, p.name])).toEqual([[0, "Idle"], [4, "System"]]);
      expect(linked).toEqual([4]);
      expect(s.dbg.dx("@$curprocess.Id")).toBe(4);
      expect(s.dbg.dx("@$curthread.KernelObject.Tcb.SystemThread")).toBe(1);
      expect(s.eprocess(4).ObjectTable.isNull).toBe(false);
    }
  });

  it("noisyKernel: n linked, live processes, each with its threads", () => {
    const t = noisyKernel(25, { build: "win11-22h2" });
    const { s, linked } = walk(t);
    expect(t.spec.processes).toHaveLength(27);
    expect(linked).toEqual(t.spec.processes.slice(1).map((p) => p.id));
    const tids = t.spec.processes.flatMap((p) => p.threads.map((x) => x.id)).filter((id) => id !== 0);
    expect(new Set(tids).size).toBe(tids.length);
    for (const p of t.spec.processes.slice(2)) {
      const e = s.eprocess(p.id);
      expect((s.fn.threadsOf!(e) as Native[]).length).toBe(p.threads.length);
      expect(e.ActiveThreads).toBe(p.threads.length);
      expect(e.ExitStatus).toBe(0x103);
      expect(e.ObjectTable.isNull).toBe(false);
      expect(s.big(e.ExitTime.QuadPart)).toBe(0n);
    }
  });

  it("kernelWithZombie: an exited process, no handle table, no threads, still referenced", () => {
    for (const build of BUILDS) {
      const t = kernelWithZombie({ build });
      const { s, linked } = walk(t);
      expect(linked).toContain(0x1a4);
      const z = s.eprocess(0x1a4);
      expect(addr(s, z)).toBe(t.addresses.process("zombie"));
      expect(z.ObjectTable.isNull).toBe(true);
      expect(z.ActiveThreads).toBe(0);
      expect(s.fn.threadsOf!(z)).toHaveLength(0);
      expect(s.big(z.ExitTime.QuadPart) > s.big(z.CreateTime.QuadPart)).toBe(true);
      expect(s.big(s.fn.objectHeader!(z).HandleCount)).toBe(3n);
      // The other processes are not zombies.
      expect(s.big(s.eprocess(0x2c0).ExitTime.QuadPart)).toBe(0n);
    }
  });
});

describe("kernel target: builder rules", () => {
  it("gives an exited process benign defaults: no handle table, no threads, no handles, exit status 0", () => {
    const t = kernelTarget().process({ pid: 0x1a4, name: "gone.exe", exitTime: new Date(Date.UTC(2024, 0, 15, 10)) }).build();
    const s = open(t.spec);
    const p = s.eprocess(0x1a4);
    expect([p.ObjectTable.isNull, p.ActiveThreads, p.ExitStatus, p.ProcessExiting]).toEqual([true, 0, 0, 1]);
    expect(s.big(s.fn.objectHeader!(p).HandleCount)).toBe(0n);
    expect(s.eprocess(4).ExitStatus).toBe(0x103);
  });

  it("keeps an unlinked (hidden) process in memory but out of the list and the debugger's processes", () => {
    const t = kernelTarget().process({ pid: 0x666, name: "evil.exe", unlinked: true }).thread({ tid: 0x66c }).build();
    const s = open(t.spec);
    expect((s.fn.activeProcesses!() as Native[]).map((p) => Number(s.big(p.UniqueProcessId.address)))).toEqual([4]);
    expect(t.spec.processes.map((p) => p.id)).toEqual([0, 4]);
    const hidden = s.host.createTypedObject(s.dbg.int64.make(t.addresses.process(0x666)), "nt", "_EPROCESS");
    expect(s.fn.imageName!(hidden)).toBe("evil.exe");
    expect(addr(s, (s.fn.threadsOf!(hidden) as Native[])[0].Tcb.Process)).toBe(t.addresses.process(0x666));
  });

  it("lets a test change System, and refuses contradictions", () => {
    const t = kernelTarget().process({ pid: 4, name: "System", threadCount: 3 }).build();
    expect(t.spec.processes[1]!.threads).toHaveLength(3);
    expect(() => kernelTarget().process({ pid: 8 }).process({ pid: 8 })).toThrow(/declared twice/);
    expect(() => kernelTarget().thread({ tid: 8 })).toThrow(/no process declared/);
    expect(() => kernelTarget().thread({ pid: 0x999 }).build()).toThrow(/no process 0x999/);
    expect(() => kernelTarget().process({ pid: 8 }).thread({ tid: 0x10 }).thread({ tid: 0x10 }).build()).toThrow(/declared twice/);
    expect(() => kernelTarget().current({ pid: 0x999 }).build()).toThrow(/names no thread/);
    expect(() => kernelTarget().process({ pid: 8 }).unreadable({ pid: 8, field: "NoSuchField" }).build()).toThrow(/_EPROCESS has no field NoSuchField/);
    expect(() => kernelTarget().process({ pid: 8 }).thread({ waitReason: "NotAReason" as never }).build()).toThrow(/unknown name/);
  });
});

describe.each(BUILDS)("kernel target: waits, objects, processors, stacks, shared data (%s)", (build) => {
  const waits = () => kernelTarget({ build, processors: 2, dumpTime: new Date(Date.UTC(2024, 0, 15, 10, 0, 0)), tickCount: 0x50000n })
    .process({ pid: 0x1a4, name: "app.exe", label: "app", debugPort: true, lastThreadExitStatus: 0xc0000005 })
    .thread({ tid: 0x1a8, label: "owner", running: 1, suspendCount: 3, frozen: true, kernelTime: 0x40, userTime: 0x1234, priority: 12 })
    .thread({ tid: 0x1ac, state: "Waiting", waitReason: "UserRequest", waitOn: ["lock", "evt"], alertable: true, waitMode: 1 })
    .thread({ tid: 0x1b0, state: "Waiting", waitReason: "WrResource", waitOn: ["lock", "evt", "sem", { pid: 0x1a4 }, { tid: 0x1a8 }] })
    .thread({ tid: 0x1b4, standby: 1 })
    .object({ label: "lock", type: "Mutant", name: "\\BaseNamedObjects\\AppLock", owner: "owner" })
    .object({ label: "evt", type: "NotificationEvent" })
    .object({ label: "sem", type: "Semaphore", name: "Sem" })
    .resource({ label: "res", owner: 0x1a8, exclusiveWaiters: 2 })
    .build();

  it("writes wait blocks in Tcb.WaitBlock, each on its object's wait list, and a pool array beyond four", () => {
    const t = waits();
    const s = open(t.spec);
    const two = s.ethread(0x1a4, 0x1ac).Tcb;
    expect(two.WaitBlockCount).toBe(2);
    expect(two.Alertable).toBe(1);
    expect(two.WaitMode).toBe(1);
    expect(s.big(two.WaitBlockList.address)).toBe(t.addresses.thread(0x1ac) + BigInt(s.host.getModuleType("nt", "_KTHREAD").fields.WaitBlock.offset));
    const first = two.WaitBlockList;
    expect(s.big(first.Object.address)).toBe(t.addresses.object("lock"));
    expect(s.big(first.Thread.address)).toBe(t.addresses.thread(0x1ac));
    expect(first.WaitType).toBe(1); // WaitAny
    expect(first.BlockState).toBe(4); // WaitBlockActive
    const size = BigInt(s.host.getModuleType("nt", "_KWAIT_BLOCK").size);
    const second = s.host.createTypedObject(s.dbg.int64.make(s.big(first.address) + size), "nt", "_KWAIT_BLOCK");
    expect(s.big(second.Object.address)).toBe(t.addresses.object("evt"));
    // Each object's WaitListHead lists the wait blocks of its waiters (here: two threads on the mutant).
    const mutant = s.host.createTypedObject(s.dbg.int64.make(t.addresses.object("lock")), "nt", "_KMUTANT");
    const blocks = s.fn.fromList!(mutant.Header.WaitListHead, "nt!_KWAIT_BLOCK", "WaitListEntry") as Native[];
    expect(blocks.map((b) => s.big(b.Thread.address))).toEqual([t.addresses.thread(0x1ac), t.addresses.thread(0x1b0)]);
    // Five objects do not fit the four built-in blocks: the list is a pool array.
    const five = s.ethread(0x1a4, 0x1b0).Tcb;
    expect(five.WaitBlockCount).toBe(5);
    expect(s.big(five.WaitBlockList.address) >= 0xffff_a000_0000_0000n && s.big(five.WaitBlockList.address) < 0xffff_b000_0000_0000n).toBe(true);
    const fifth = s.host.createTypedObject(s.dbg.int64.make(s.big(five.WaitBlockList.address) + 4n * size), "nt", "_KWAIT_BLOCK");
    expect(s.big(fifth.Object.address)).toBe(t.addresses.thread(0x1a8));
  });

  it("builds dispatcher objects with their type, owner, name info and cookie-encoded type index", () => {
    const t = waits();
    const s = open(t.spec);
    const mutant = s.host.createTypedObject(s.dbg.int64.make(t.addresses.object("lock")), "nt", "_KMUTANT");
    expect(mutant.Header.Type).toBe(2); // MutantObject
    expect(s.big(mutant.OwnerThread.address)).toBe(t.addresses.thread(0x1a8));
    expect(mutant.Header.SignalState).toBe(0);
    // The owner has the mutant on its MutantListHead.
    const owned = s.fn.fromList!(s.ethread(0x1a4, 0x1a8).Tcb.MutantListHead, "nt!_KMUTANT", "MutantListEntry") as Native[];
    expect(owned.map((m) => addr(s, m))).toEqual([t.addresses.object("lock")]);
    const header = s.fn.objectHeader!(mutant);
    expect(s.fn.decodedTypeIndex!(header)).toBe(17); // Mutant
    expect(header.InfoMask).toBe(2);
    const nameInfo = s.host.createTypedObject(s.dbg.int64.make(addr(s, header) - BigInt(s.host.getModuleType("nt", "_OBJECT_HEADER_NAME_INFO").size)), "nt", "_OBJECT_HEADER_NAME_INFO");
    expect(s.host.memory.readWideString(nameInfo.Name.Buffer, nameInfo.Name.Length / 2)).toBe("\\BaseNamedObjects\\AppLock");
    const evt = s.host.createTypedObject(s.dbg.int64.make(t.addresses.object("evt")), "nt", "_KEVENT");
    expect(evt.Header.Type).toBe(0);
    expect(s.fn.objectHeader!(evt).InfoMask).toBe(0);
    expect(s.host.createTypedObject(s.dbg.int64.make(t.addresses.object("sem")), "nt", "_KSEMAPHORE").Header.Type).toBe(5);
    expect(() => kernelTarget({ build }).object({ label: "e", type: "NotificationEvent", owner: 4 }).build()).toThrow(/only a mutant has an owner/);
  });

  it("links ERESOURCEs from nt!ExpSystemResourcesList with their owner", () => {
    const t = waits();
    const s = open(t.spec);
    const list = s.fn.fromList!(s.host.getModuleSymbol("nt", "ExpSystemResourcesList", "_LIST_ENTRY"), "nt!_ERESOURCE", "SystemResourcesList") as Native[];
    expect(list.map((r) => addr(s, r))).toEqual([t.addresses.resource("res")]);
    expect(s.big(list[0].OwnerEntry.OwnerThread)).toBe(t.addresses.thread(0x1a8));
    expect([list[0].ActiveCount, list[0].Flag, list[0].NumberOfExclusiveWaiters]).toEqual([1, 0x80, 2]);
  });

  it("puts running and standby threads in the KPRCBs, with their state, processor and registers", () => {
    const t = waits();
    const s = open(t.spec);
    const block = s.host.getModuleSymbol("nt", "KiProcessorBlock");
    expect(addr(s, block[1].CurrentThread)).toBe(t.addresses.thread(0x1a8));
    expect(addr(s, block[1].NextThread)).toBe(t.addresses.thread(0x1b4));
    expect(addr(s, block[0].CurrentThread)).toBe(t.addresses.thread(s.dbg.dx("@$curthread.Id") as number));
    const running = s.ethread(0x1a4, 0x1a8).Tcb;
    expect([running.State, running.NextProcessor, running.SuspendCount, running.FreezeCount, running.KernelTime, running.UserTime, running.Priority])
      .toEqual([2, 1, 3, 1, 0x40, 0x1234, 12]);
    expect([s.ethread(0x1a4, 0x1b4).Tcb.State, s.ethread(0x1a4, 0x1b4).Tcb.NextProcessor]).toEqual([3, 1]);
    // A processor frozen for the dump shows KiFreezeTargetExecution on top.
    expect(s.big(s.dbg.dx("@$cursession.Processes[0x1a4].Threads[0x1a8].Registers.User.rip"))).toBe(t.addresses.code("nt!KiFreezeTargetExecution+0x110"));
    expect(s.eprocess(0x1a4).DebugPort.isNull).toBe(false);
    expect(s.eprocess(0x1a4).LastThreadExitStatus >>> 0).toBe(0xc0000005);
  });

  it("maps KUSER_SHARED_DATA with the dump time and the tick count, and leaves it out on request", () => {
    const t = waits();
    const s = open(t.spec);
    const k = s.host.createTypedObject(s.dbg.int64.make(0xffff_f780_0000_0000n), "nt", "_KUSER_SHARED_DATA");
    const system = (BigInt(k.SystemTime.High1Time >>> 0) << 32n) | BigInt(k.SystemTime.LowPart >>> 0);
    expect(system).toBe(toFileTime(new Date(Date.UTC(2024, 0, 15, 10, 0, 0))));
    expect(k.TickCount.LowPart).toBe(0x50000);
    expect(s.host.getModuleSymbol("nt", "KeTickCount").LowPart).toBe(0x50000);
    const none = open(kernelTarget({ build, sharedData: false }).build().spec);
    expect(() => none.fn.readQword!(none.dbg.int64.make(0xffff_f780_0000_0014n))).toThrow(/Unable to read memory/);
    // Default dump time: boot time plus the tick count at 15.625 ms.
    const d = open(kernelTarget({ build, bootTime: new Date(Date.UTC(2024, 0, 15, 8)), tickCount: 0x100n }).build().spec);
    const kd = d.host.createTypedObject(d.dbg.int64.make(0xffff_f780_0000_0000n), "nt", "_KUSER_SHARED_DATA");
    expect(BigInt(kd.SystemTime.LowPart >>> 0) | (BigInt(kd.SystemTime.High1Time >>> 0) << 32n)).toBe(toFileTime(new Date(Date.UTC(2024, 0, 15, 8))) + 0x100n * 156_250n);
  });

  it("writes kernel stack content (live and residue), with a call before each return address, and resolves symbolic frames", () => {
    const t = kernelTarget({ build }).driver({ name: "mydrv.sys", symbols: { Worker: 0x1000, Dispatch: 0x2000 } })
      .process({ pid: 0x1a4, name: "app.exe" })
      .thread({ tid: 0x1a8, stack: [kret("mydrv!Worker", 0x40), ksym("nt!KeBugCheckEx"), kstackref(0x1a8, 0x10), kobj({ pid: 0x1a4 })], residue: [kret("mydrv!Dispatch", 0x22), 0x1234n],
        frames: ["nt!KiSwapContext+0x76", "mydrv!Worker+0x40"] })
      .build();
    const s = open(t.spec);
    const st = t.addresses.kernelStack(0x1a8);
    const q = (a: bigint) => s.big(s.fn.readQword!(s.dbg.int64.make(a)));
    expect(q(st.current)).toBe(t.addresses.code("mydrv!Worker+0x40"));
    expect(q(st.current + 8n)).toBe(t.addresses.symbol("nt!KeBugCheckEx"));
    expect(q(st.current + 16n)).toBe(st.base - 0x10n);
    expect(q(st.current + 24n)).toBe(t.addresses.process(0x1a4));
    expect(q(st.current - 8n)).toBe(t.addresses.code("mydrv!Dispatch+0x22"));
    expect(q(st.current - 16n)).toBe(0x1234n);
    const bytes = (a: bigint, n: number) => Array.from(s.host.memory.readMemoryValues(s.dbg.int64.make(a), n, 1) as ArrayLike<number>);
    expect(bytes(t.addresses.code("mydrv!Worker+0x40") - 8n, 8)).toEqual([0xcc, 0xcc, 0xcc, 0xe8, 0, 0, 0, 0]);
    const frames = t.spec.processes.find((p) => p.id === 0x1a4)!.threads[0]!.frames!;
    expect(frames.map((f) => f.instructionOffset)).toEqual([t.addresses.code("nt!KiSwapContext+0x76"), t.addresses.module("mydrv") + 0x1040n]);
    expect(() => kernelTarget({ build }).process({ pid: 8 }).thread({ stack: new Array(0x1000).fill(0n) }).build()).toThrow(/overflow/);
  });

  it("lists handles per process (Io.Handles) with the object headers, serves a reduced nt type set, and can leave stacks out", () => {
    const t = kernelTarget({ build, ntTypes: (l) => ({ ...l, enums: {} }) })
      .process({ pid: 0x2c0, name: "parent.exe", handles: [{ process: 0x1a4 }, { thread: 0x1a8, handle: 0x20 }, { type: "File" }] })
      .process({ pid: 0x1a4, name: "child.exe" }).thread({ tid: 0x1a8 })
      .build();
    const s = open(t.spec);
    const handles = s.dbg.dx("@$cursession.Processes[0x2c0].Io.Handles") as Iterable<Native>;
    const list = [...handles];
    expect(list.map((h) => [s.big(h.Handle), h.Type])).toEqual([[4n, "Process"], [0x20n, "Thread"], [0xcn, "File"]]);
    expect(addr(s, list[0].Object)).toBe(t.addresses.objectHeader({ pid: 0x1a4 }));
    expect(addr(s, list[1].Object)).toBe(t.addresses.objectHeader({ tid: 0x1a8 }));
    expect(s.host.getModuleType("nt", "_KWAIT_REASON")).toBeNull();
    const full = open(kernelTarget({ build }).build().spec);
    const reasons = full.host.getModuleType("nt", "_KWAIT_REASON");
    expect(reasons.typeKind).toBe("enum");
    expect(reasons.fields.WrAlertByThreadId.value).toBe(37);
    expect(reasons.fields.MaximumWaitReason.value).toBe(build === "win10-1607" ? 39 : 42);
    const bare = kernelTarget({ build, kernelStackSize: 0 }).process({ pid: 8 }).thread({ tid: 0xc }).build();
    const b = open(bare.spec);
    expect(() => b.fn.readQword!(b.dbg.int64.make(bare.addresses.kernelStack(0xc).current))).toThrow(/Unable to read memory/);
  });
});

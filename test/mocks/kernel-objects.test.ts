/**
 * The kernel-objects helper, proved through the emulated debugger the way a WinDbg script reads these
 * structures (typed objects from the nt types, host.memory), for both builds: headers with their optional
 * name and creator info, the encoded TypeIndex and nt!ObTypeIndexTable, directory hash chains, symbolic links,
 * tokens, handle table entries, ALPC ports and messages, and the links patched into the builder's objects.
 */
import { describe, expect, it } from "vitest";
import { EmulatedDebugger, type TargetSpec } from "../../src/emulator";
import { OBJECT_AREA, objectTarget, objectTypeNames, WIN32K_TYPES, withObjects } from "./kernel-objects";
import type { KernelBuild } from "./kernel-target";

const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];

const SCRIPT = `
"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function hostObject() { return host; }
function typed(address, type) { return host.createTypedObject(address, "nt", type); }
function header(body) { return typed(body.subtract(host.getModuleType("nt", "_OBJECT_HEADER").fields.Body.offset), "_OBJECT_HEADER"); }
function typeIndex(h) {
  var cookie = host.getModuleSymbol("nt", "ObHeaderCookie", "UCHAR");
  return h.TypeIndex ^ cookie ^ h.address.bitwiseShiftRight(8).bitwiseAnd(0xff).asNumber();
}
function typeName(index) {
  var table = host.getModuleSymbolAddress("nt", "ObTypeIndexTable");
  var p = host.memory.readMemoryValues(table.add(index * 8), 1, 8)[0];
  var t = typed(p, "_OBJECT_TYPE");
  return host.memory.readWideString(t.Name.Buffer.address, t.Name.Length / 2);
}
function nameOf(h, below) {
  var info = typed(h.address.subtract(below), "_OBJECT_HEADER_NAME_INFO");
  return host.memory.readWideString(info.Name.Buffer.address, info.Name.Length / 2);
}
function wide(us) { return host.memory.readWideString(us.Buffer.address, us.Length / 2); }
`;

type Native = any;

function open(spec: TargetSpec) {
  const dbg = new EmulatedDebugger(spec);
  const fn = dbg.scriptLoad(SCRIPT, "objects.js").global as Record<string, (...a: unknown[]) => Native>;
  const i64 = (v: bigint) => dbg.int64.make(v);
  return { dbg, fn, host: fn.hostObject!(), i64, big: (v: unknown) => dbg.int64.toBigInt(v) };
}

describe("objectTypeNames", () => {
  it("keeps the builder's indexes and fills the table contiguously from 2", () => {
    const names = objectTypeNames();
    expect(names[5]).toBe("Token");
    expect(names[7]).toBe("Process");
    expect(names[8]).toBe("Thread");
    expect(names[2]).toBe("Type");
    const indexes = Object.keys(names).map(Number).sort((a, b) => a - b);
    expect(indexes[0]).toBe(2);
    expect(indexes).toEqual(indexes.map((_, i) => i + 2));
    expect(new Set(Object.values(names)).size).toBe(indexes.length);
  });
});

describe.each(BUILDS)("kernel objects (%s)", (build) => {
  it("writes headers whose TypeIndex decodes through the type table and whose name info sits below the creator info", () => {
    let ev = { header: 0n, body: 0n };
    let dir = { header: 0n, body: 0n };
    const t = withObjects(() => objectTarget({ build }), (o) => {
      dir = o.directory("\\KernelObjects");
      ev = o.event("\\KernelObjects\\LowMemoryCondition", { signaled: true });
    });
    const s = open(t.spec);
    const h = s.fn.header!(s.i64(ev.body));
    expect(s.big(h.address)).toBe(ev.header);
    expect(ev.header >= OBJECT_AREA).toBe(true);
    expect(s.fn.typeName!(s.fn.typeIndex!(h))).toBe("Event");
    expect(h.InfoMask).toBe(3); // creator and name info
    expect(s.fn.nameOf!(h, 0x40)).toBe("LowMemoryCondition");
    const info = s.host.createTypedObject(s.i64(ev.header - 0x40n), "nt", "_OBJECT_HEADER_NAME_INFO");
    expect(s.big(info.Directory.address)).toBe(dir.body);
    expect(s.host.createTypedObject(s.i64(ev.body), "nt", "_KEVENT").Header.SignalState).toBe(1);
  });

  it("gives a GUI process a win32k _W32PROCESS that the module's types read, and none to the others", () => {
    let w32 = 0n;
    const t = withObjects(
      () => objectTarget({ build }).driver({ name: "win32kbase.sys", types: WIN32K_TYPES })
        .process({ pid: 0x2c0, name: "gui.exe", label: "gui" }).process({ pid: 0x300, name: "cli.exe", label: "cli" }),
      (o, at) => { w32 = o.win32Process(at.process("gui"), { gdi: 1234, user: 56 }); },
    );
    const s = open(t.spec);
    const gui = s.host.createTypedObject(s.i64(t.addresses.process(0x2c0)), "nt", "_EPROCESS");
    expect(s.big(gui.Win32Process.address)).toBe(w32);
    const w = s.host.createTypedObject(s.i64(w32), "win32kbase", "_W32PROCESS");
    expect([w.GDIHandleCount, w.UserHandleCount]).toEqual([1234, 56]);
    expect(s.big(w.Process.address)).toBe(t.addresses.process(0x2c0));
    expect(s.big(s.host.createTypedObject(s.i64(t.addresses.process(0x300)), "nt", "_EPROCESS").Win32Process.address)).toBe(0n);
  });

  it("roots the namespace at nt!ObpRootDirectoryObject and chains entries in a bucket", () => {
    let root = 0n;
    const bodies: bigint[] = [];
    const t = withObjects(() => objectTarget({ build }), (o) => {
      root = o.root.body;
      const d = o.directory("\\D");
      for (let i = 0; i < 3; i++) {
        const ev = o.object("Event", "_KEVENT", { name: `E${i}`, directory: d.body, creatorInfo: false });
        o.insert(d.body, ev.body, `E${i}`, 5);
        bodies.push(ev.body);
      }
    });
    const s = open(t.spec);
    const rootPtr = s.host.getModuleSymbol("nt", "ObpRootDirectoryObject", "void*");
    expect(s.big(rootPtr.address)).toBe(root);
    const dEntryAddr = (dirBody: bigint, bucket: number) => s.host.createTypedObject(s.i64(dirBody), "nt", "_OBJECT_DIRECTORY").HashBuckets[bucket];
    // Walk the bucket of \D: entries were prepended, so the chain holds E2, E1, E0.
    const rootDir = s.host.createTypedObject(s.i64(root), "nt", "_OBJECT_DIRECTORY");
    let dBody = 0n;
    for (let b = 0; b < 37; b++) {
      const e = rootDir.HashBuckets[b];
      if (!e.isNull) dBody = s.big(e.Object.address);
    }
    const chain: bigint[] = [];
    for (let e = dEntryAddr(dBody, 5); !e.isNull; e = e.ChainLink) chain.push(s.big(e.Object.address));
    expect(chain).toEqual(bodies.slice().reverse());
    const h = s.fn.header!(s.i64(bodies[0]!));
    expect(h.InfoMask).toBe(2);
    expect(s.fn.nameOf!(h, 0x20)).toBe("E0");
  });

  it("writes symbolic links, tokens with SIDs and privileges, and points a process at its token", () => {
    let link = 0n;
    let token = 0n;
    const t = withObjects(() => objectTarget({ build }).process({ pid: 0x300, name: "app.exe" }), (o, at) => {
      link = o.symlink("\\GLOBAL??\\C:", "\\Device\\HarddiskVolume3").body;
      const tk = o.token({ user: "S-1-5-21-1-2-3-1001", integrity: 0x2000, sessionId: 2, enabled: [20, 23] });
      token = tk.body;
      o.useToken(at.process(0x300), tk);
    });
    const s = open(t.spec);
    expect(s.fn.wide!(s.host.createTypedObject(s.i64(link), "nt", "_OBJECT_SYMBOLIC_LINK").LinkTarget)).toBe("\\Device\\HarddiskVolume3");
    const e = s.dbg.dx("@$cursession.Processes[0x300].KernelObject") as Native;
    expect(s.big(e.Token.Value) & ~0xfn).toBe(token);
    const tk = s.host.createTypedObject(s.i64(token), "nt", "_TOKEN");
    expect(tk.SessionId).toBe(2);
    expect(tk.UserAndGroupCount).toBe(2);
    expect(tk.IntegrityLevelIndex).toBe(1);
    expect(s.big(tk.Privileges.Enabled)).toBe((1n << 20n) | (1n << 23n));
    const sa = s.host.createTypedObject(tk.UserAndGroups.address, "nt", "_SID_AND_ATTRIBUTES");
    const sid = s.host.createTypedObject(sa.Sid.address, "nt", "_SID");
    expect(sid.Revision).toBe(1);
    expect(sid.SubAuthorityCount).toBe(5);
    expect(Array.from(s.host.memory.readMemoryValues(sid.address.add(8), 5, 4) as ArrayLike<number>)).toEqual([21, 1, 2, 3, 1001]);
  });

  it("writes handle entries whose ObjectPointerBits give the object header", () => {
    let table = 0n;
    let ev = { header: 0n, body: 0n };
    const t = withObjects(() => objectTarget({ build }).process({ pid: 0x300, name: "app.exe", label: "app" }), (o, at) => {
      ev = o.event("\\BaseNamedObjects\\E");
      table = o.handleTable(at.process("app"), 0x300, [{ object: ev.body, access: 0x1f0003 }]);
    });
    const s = open(t.spec);
    const e = s.dbg.dx("@$cursession.Processes[0x300].KernelObject") as Native;
    expect(s.big(e.ObjectTable.address)).toBe(table);
    const ht = s.host.createTypedObject(s.i64(table), "nt", "_HANDLE_TABLE");
    expect(s.big(ht.TableCode) & 3n).toBe(0n);
    expect(ht.FreeLists[0].HandleCount).toBe(1);
    const entry = s.host.createTypedObject(s.i64(s.big(ht.TableCode) + 0x10n), "nt", "_HANDLE_TABLE_ENTRY");
    expect((s.big(entry.ObjectPointerBits) << 4n) | 0xffff_0000_0000_0000n).toBe(ev.header);
    expect(entry.GrantedAccessBits).toBe(0x1f0003);
  });

  it("writes ALPC ports and messages and links a waiting client", () => {
    let msg = 0n;
    let port = 0n;
    const t = withObjects(
      () => objectTarget({ build }).process({ pid: 0x300, name: "app.exe" }).thread({ tid: 0x304, label: "c", waitReason: "WrLpcReply" }).process({ pid: 0x500, name: "svc.exe" }),
      (o, at) => {
        const p = o.port({ owner: at.process(0x500), name: "svcport", directory: o.directory("\\RPC Control").body, mainQueue: 3 });
        port = p.body;
        msg = o.message({ portQueue: p.body, waitingThread: at.thread("c"), messageId: 0x42 });
        o.waitForReply(at.thread("c"), msg, 0x42);
      },
    );
    const s = open(t.spec);
    const th = s.dbg.dx("@$cursession.Processes[0x300].Threads[0x304].KernelObject") as Native;
    expect(s.big(th.AlpcMessage.address)).toBe(msg);
    const m = s.host.createTypedObject(s.i64(msg), "nt", "_KALPC_MESSAGE");
    expect(s.big(m.PortQueue.address)).toBe(port);
    expect(m.PortMessage.MessageId).toBe(0x42);
    const p = s.host.createTypedObject(s.i64(port), "nt", "_ALPC_PORT");
    expect(p.MainQueueLength).toBe(3);
    expect(p.u1.s1.Initialized).toBe(1);
    const head = s.host.getModuleSymbol("nt", "AlpcpPortList", "_LIST_ENTRY");
    const linkOffset = BigInt(s.host.getModuleType("nt", "_ALPC_PORT").fields.PortListEntry.offset);
    expect(s.big(head.Flink.address) - linkOffset).toBe(port);
    expect(s.big(head.Blink.address) - linkOffset).toBe(port);
  });
});

import { describe, expect, it } from "vitest";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { loadEwmda, rowsOf } from "../helpers";
import { objectTarget, withObjects, type KernelObjects } from "../mocks/kernel-objects";
import type { KernelBuild, KernelTargetAddresses, KernelTargetBuilder } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];
const TICK = 0x41e20;
/** 0x1000 ticks of 15.625 ms: 64 s. */
const OLD = TICK - 0x1000;

function run(spec: Parameters<typeof loadEwmda>[0], args = ""): Row[] {
  const { dbg } = loadEwmda(spec);
  return rowsOf(dbg.dx(`Debugger.Utility.Ewmda.AlpcWaitChains(${args})`));
}

const chainRows = (rows: Row[]) => rows.filter((r) => r.Kind === "Chain" && r.Verdict !== "Negative");

/** app.exe (0x300) calls svc.exe (0x500) through \RPC Control\svcport. */
function base(build: KernelBuild, b?: (x: KernelTargetBuilder) => KernelTargetBuilder): () => KernelTargetBuilder {
  return () => {
    const x = objectTarget({ build })
      .process({ pid: 0x300, name: "app.exe" })
      .thread({ tid: 0x304, label: "client", waitReason: "WrLpcReply", waitTime: OLD })
      .process({ pid: 0x500, name: "svc.exe" })
      .thread({ tid: 0x504, label: "server", waitReason: "UserRequest", frames: ["nt!KiSwapContext+0x76", "nt!ExpWorkerThread+0x10"] });
    return b ? b(x) : x;
  };
}

/** A connection port, a server communication port, and a message from `client` served by `server` (or queued). */
function call(o: KernelObjects, at: KernelTargetAddresses, client: string, server: string | undefined, owner = 0x500, portName = "svcport", named = true) {
  const conn = o.port({ owner: at.process(owner), name: portName, directory: o.directory("\\RPC Control").body });
  const srv = o.port({ owner: at.process(owner), connectionPort: conn.body, listed: false, mainQueue: server ? 0 : 5, completionPort: 0xffff_d0ff_0000_1000n });
  const msg = o.message({
    portQueue: srv.body, ownerPort: srv.body, waitingThread: at.thread(client), serverThread: server ? at.thread(server) : undefined,
    connectionPort: named ? conn.body : undefined, messageId: 0x77,
  });
  o.waitForReply(at.thread(client), msg);
  return { conn, srv, msg };
}

describe("AlpcWaitChains on a user-mode target", () => {
  it("answers with one Info row naming the client threads it can see", () => {
    const t = userTarget()
      .module({ name: "ntdll.dll", symbols: { NtAlpcSendWaitReceivePort: 0x9f000, NtWaitForSingleObject: 0x9d4c0, RtlUserThreadStart: 0x5aa40 } })
      .thread({ tid: 0x1a4, frames: ["ntdll!NtAlpcSendWaitReceivePort+0x14", "ntdll!RtlUserThreadStart+0x21"] })
      .thread({ tid: 0x1b0, frames: ["ntdll!NtWaitForSingleObject+0x14", "ntdll!RtlUserThreadStart+0x21"] })
      .build();
    const rows = run(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/needs a kernel or complete dump; this user dump shows only the client side: 1 threads wait in NtAlpcSendWaitReceivePort \(0x1a4\)/);
  });
});

describe.each(BUILDS)("AlpcWaitChains (%s)", (build) => {
  it("follows a client to the server thread that blocks", () => {
    const t = withObjects(base(build), (o, at) => { call(o, at, "client", "server"); });
    const rows = chainRows(run(t.spec));
    expect(rows).toHaveLength(1);
    const c = rows[0]!;
    expect(c.Verdict).toBe("Positive");
    expect(c.Length).toBe(2);
    expect(c.Client).toBe("app.exe (0x300) 0x304");
    expect(c.Terminal).toBe("BlockedOn");
    expect(String(c.RootCause)).toMatch(/^svc\.exe \(0x500\) 0x504 waits \(UserRequest/);
    expect(c.Port).toBe("\\RPC Control\\svcport");
    expect(c.Server).toBe("svc.exe (0x500)");
    expect(c.WaitAge).toBe("64.0 s");
    expect(c.TopFrames).toBe("nt!KiSwapContext+0x76 <- nt!ExpWorkerThread+0x10");
    expect(String(c.Evidence)).toMatch(/^waited 64\.0 s \(>= 30 s\); !thread ffff.*; !alpc \/m ffffd000`[0-9a-f]{8}; !alpc \/p ffffd000`/);
    expect(String(c.Hops)).toMatch(/^app\.exe \(0x300\) 0x304 -\[msg ffffd000`[0-9a-f]{8} id 0x77 \\RPC Control\\svcport\]-> svc\.exe \(0x500\) 0x504$/);
  });

  it("names the port through the communication info when the message has no connection port", () => {
    const t = withObjects(base(build), (o, at) => { call(o, at, "client", "server", 0x500, "svcport", false); });
    expect(chainRows(run(t.spec))[0]!.Port).toBe("\\RPC Control\\svcport");
  });

  it("follows a server that itself waits for a reply, and shows the chain once", () => {
    const t = withObjects(
      base(build, (b) => b.process({ pid: 0x700, name: "db.exe" }).thread({ tid: 0x704, label: "db", state: "Running" }).thread({ pid: 0x500, tid: 0x508, label: "middle", waitReason: "WrLpcReply", waitTime: OLD + 0x10 })),
      (o, at) => {
        call(o, at, "client", "middle");
        call(o, at, "middle", "db", 0x700, "dbport");
      },
    );
    const rows = chainRows(run(t.spec));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Length).toBe(3);
    expect(rows[0]!.Terminal).toBe("Running");
    expect(String(rows[0]!.Hops)).toMatch(/0x304 -\[.*svcport\]-> svc\.exe \(0x500\) 0x508 -\[.*dbport\]-> db\.exe \(0x700\) 0x704$/);
    expect(String(rows[0]!.RootCause)).toMatch(/^db\.exe \(0x700\) 0x704 is Running/);
  });

  it("stops a chain longer than MaxDepth and says so, but ends a chain of exactly MaxDepth hops where it ends", () => {
    const t = withObjects(
      base(build, (b) => b.process({ pid: 0x700, name: "db.exe" }).thread({ tid: 0x704, label: "db", state: "Running" }).thread({ pid: 0x500, tid: 0x508, label: "middle", waitReason: "WrLpcReply", waitTime: OLD + 0x10 })),
      (o, at) => {
        call(o, at, "client", "middle");
        call(o, at, "middle", "db", 0x700, "dbport");
      },
    );
    const { dbg } = loadEwmda(t.spec);
    const chains = () => chainRows(rowsOf(dbg.dx("Debugger.Utility.Ewmda.AlpcWaitChains()")));
    dbg.dx("Debugger.Utility.Ewmda.Config.AlpcWaitChains.MaxDepth = 2");
    const exact = chains();
    expect(exact.map((r) => r.Terminal)).toEqual(["Running"]);
    expect(exact[0]!.Length).toBe(3);
    dbg.dx("Debugger.Utility.Ewmda.Config.AlpcWaitChains.MaxDepth = 1");
    const capped = chains();
    expect(capped.map((r) => r.Terminal)).toEqual(["DepthCap"]);
    expect(String(capped[0]!.Hops)).not.toMatch(/db\.exe/);
    expect(String(capped[0]!.RootCause) + String(capped[0]!.Evidence)).toMatch(/stopped after 1 hops \(Config\.AlpcWaitChains\.MaxDepth\): the chain goes on \(partial\)/);
  });

  it("finds a cycle and calls it a deadlock", () => {
    const t = withObjects(
      () => objectTarget({ build })
        .process({ pid: 0x300, name: "a.exe" }).thread({ tid: 0x304, label: "a", waitReason: "WrLpcReply" })
        .process({ pid: 0x500, name: "b.exe" }).thread({ tid: 0x504, label: "b", waitReason: "WrLpcReply" }),
      (o, at) => {
        call(o, at, "a", "b", 0x500, "bport");
        call(o, at, "b", "a", 0x300, "aport");
      },
    );
    const rows = chainRows(run(t.spec));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Terminal).toBe("Cycle");
    expect(rows[0]!.Verdict).toBe("Positive");
    expect(String(rows[0]!.Evidence)).toMatch(/^ALPC deadlock; /);
    expect(String(rows[0]!.RootCause)).toMatch(/^back to a\.exe \(0x300\) 0x304/);
  });

  it("finds a queued message nobody receives (Blocked ALPC Queue)", () => {
    const t = withObjects(base(build, (b) => b), (o, at) => { call(o, at, "client", undefined); });
    const c = chainRows(run(t.spec))[0]!;
    expect(c.Terminal).toBe("QueuedNotReceived");
    expect(c.IdleReceivers).toBe(0);
    expect(c.Queue).toBe("main 5, pending 0, wait 0, canceled 0");
    expect(String(c.RootCause)).toMatch(/Blocked ALPC Queue$/);
    expect(String(c.Evidence)).toMatch(/^Blocked ALPC Queue, waited 64\.0 s/);
  });

  it("counts idle receivers on the completion port and leaves young waits to All", () => {
    const young = () => objectTarget({ build })
      .process({ pid: 0x300, name: "app.exe" }).thread({ tid: 0x304, label: "client", waitReason: "WrLpcReply" })
      .process({ pid: 0x500, name: "svc.exe" })
      .thread({ tid: 0x504, label: "server", waitReason: "UserRequest" })
      .thread({ tid: 0x508, label: "rx1", waitReason: "WrLpcReceive" })
      .thread({ tid: 0x50c, label: "rx2", waitReason: "WrQueue" });
    const t = withObjects(young, (o, at) => {
      call(o, at, "client", undefined);
      o.waitOn(at.thread("rx2"), 0xffff_d0ff_0000_1000n);
    });
    const rows = run(t.spec);
    expect(chainRows(rows)).toEqual([]);
    expect(String(rows.find((r) => r.Verdict === "Negative")!.Evidence)).toMatch(/^1 chains, none deadlocked, blocked or older than 30 s \(longest 4\.0 s; All lists them\): 1 threads waiting/);
    const all = chainRows(run(t.spec, '"all"'));
    expect(all).toHaveLength(1);
    expect(all[0]!.Verdict).toBe("Info");
    expect(all[0]!.IdleReceivers).toBe(2);
  });

  it("says so when no thread waits for a reply", () => {
    const t = objectTarget({ build }).process({ pid: 0x300, name: "app.exe" }).build();
    const rows = run(t.spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/^no chains: 0 threads waiting for an ALPC reply \(WrLpcReply\) among \d+ threads in 2 processes/);
  });

  it("lists ports with long queues in the global view", () => {
    const t = withObjects(base(build), (o, at) => {
      call(o, at, "client", "server");
      o.port({ owner: at.process(0x500), name: "busy", directory: o.directory("\\RPC Control").body, mainQueue: 20, pendingQueue: 3 });
    });
    const rows = run(t.spec, "new { Ports = true }");
    const ports = rows.filter((r) => r.Kind === "Port");
    expect(ports).toHaveLength(1);
    expect(ports[0]!.Port).toBe("\\RPC Control\\busy");
    expect(ports[0]!.Verdict).toBe("Suspicious");
    expect(ports[0]!.Queue).toBe("main 20, pending 3, wait 0, canceled 0");
    expect(String(ports[0]!.Evidence)).toMatch(/^23 messages queued \(>= 16\)/);
  });
});

describe("AlpcWaitChains edge cases", () => {
  it("shows an unreadable message as the chain's end", () => {
    let msg = 0n;
    withObjects(base("win10-1607"), (o, at) => { msg = call(o, at, "client", "server").msg; });
    const t = withObjects(base("win10-1607", (b) => b.unreadable(msg, 0x100)), (o, at) => { call(o, at, "client", "server"); });
    const c = chainRows(run(t.spec))[0]!;
    expect(c.Terminal).toBe("Unreadable");
    expect(c.Verdict).toBe("Positive");
    expect(c.Length).toBe(1);
    expect(c.Client).toBe("app.exe (0x300) 0x304");
    expect(String(c.RootCause)).toMatch(/^the message ffffd000`[0-9a-f]{8} of app\.exe \(0x300\) 0x304 is not in the dump/);
  });

  it("selects clients with the Process option", () => {
    const t = withObjects(base("win10-1607"), (o, at) => { call(o, at, "client", "server"); });
    expect(chainRows(run(t.spec, '"process=other.exe"'))).toEqual([]);
    expect(chainRows(run(t.spec, '"process=app*"'))).toHaveLength(1);
  });

  it.each(BUILDS)("falls back to !thread when the symbols lack ETHREAD.AlpcMessage (%s)", (build) => {
    const drop = (l: LayoutSet): LayoutSet => {
      const et = l.types._ETHREAD!;
      const fields = { ...et.fields };
      delete (fields as Record<string, unknown>).AlpcMessage;
      return { ...l, types: { ...l.types, _ETHREAD: { ...et, fields } } };
    };
    const make = () => objectTarget({ build, ntTypes: drop })
      .process({ pid: 0x300, name: "app.exe" }).thread({ tid: 0x304, label: "client", waitReason: "WrLpcReply", waitTime: OLD })
      .process({ pid: 0x500, name: "svc.exe", label: "svc" });
    const at = make().build().addresses;
    const fmt = (v: bigint) => v.toString(16).padStart(16, "0").replace(/^(.{8})/, "$1`");
    const t = make().command(`!thread ${fmt(at.thread("client"))}`, [
      `THREAD ${fmt(at.thread("client"))}  Cid 0300.0304  Teb: 0000000000000000 Win32Thread: 0000000000000000 WAIT: (WrLpcReply) UserMode Non-Alertable`,
      `        Waiting for reply to ALPC Message ffffd000\`00001230 : queued at port ffffd000\`00004560 : owned by process ${fmt(at.process("svc"))}`,
    ]).build();
    const rows = run(t.spec);
    expect(String(rows[0]!.Evidence)).toMatch(/lack ETHREAD\.AlpcMessage/);
    const c = rows.find((r) => r.Kind === "Chain" && r.Verdict === "Positive")!;
    expect(c.Source).toBe("command");
    expect(c.Server).toBe("svc.exe (0x500)");
    expect(String(c.Hops)).toMatch(/-\[msg ffffd00000001230 port ffffd00000004560\]-> svc\.exe$/);
  });

  it("answers bad options with a message row", () => {
    const t = objectTarget().build();
    expect(String(run(t.spec, '"everything"')[0]!.Evidence)).toMatch(/unknown option "everything"/);
  });

  it("prints the ! table", () => {
    const t = withObjects(base("win11-22h2"), (o, at) => { call(o, at, "client", "server"); });
    const { dbg } = loadEwmda(t.spec);
    const text = dbg.execute("!ewmda.alpc").join("\n");
    expect(text).toMatch(/BlockedOn/);
    expect(text).toMatch(/Positive/);
  });
});

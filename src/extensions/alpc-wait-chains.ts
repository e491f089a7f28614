import { defineAnalysis, type Row } from "../lib/analysis";
import { parseAddress } from "../lib/int64";
import { addressKey, describeSelection, Kernel, processFilter, readKernelOptions, STATE, type KProcess, type KThread } from "../lib/kernel";
import {
  addrAdd, addrKey, addrMask, addrOf, firstWaitObject, formatAddr, isKernelAddr, isNullAddr, KernelReader, ObjectDecoder, sameAddr, toInt64Addr,
  type Addr, type TypeInfo,
} from "../lib/kernel-objects";
import { framesText, KernelStacks } from "../lib/kernel-threads";
import { parseAlpcWait } from "../lib/parse-alpc";
import { runCommand } from "../lib/run-command";
import type { FrameInfo, ThreadStack } from "../lib/stacks";
import { Unavailable, type Source, type Verdict } from "../lib/values";

const WR_LPC_REPLY = 17;
const WR_LPC_RECEIVE = 16;
const WR_QUEUE = 15;

/** A port as a chain shows it. */
interface PortFacts {
  readonly address: Addr;
  readonly name: string | undefined;
  readonly owner: KProcess | undefined;
  readonly ownerAddress: Addr | undefined;
  readonly main: number | undefined;
  readonly pending: number | undefined;
  readonly waiting: number | undefined;
  readonly canceled: number | undefined;
  readonly completionPort: Addr | undefined;
  readonly closed: boolean | undefined;
  /** CommunicationInfo.ConnectionPort (communication ports are unnamed; their connection port has the name). */
  readonly connection: Addr | undefined;
}

/** One client thread waiting for a reply: the message and where it went. */
interface Hop {
  readonly thread: KThread;
  readonly waitAge: number | undefined;
  readonly message: Addr;
  readonly messageId: number | undefined;
  readonly port: PortFacts | undefined;
  readonly serverThread: Addr | undefined;
}

type Terminal = "Running" | "BlockedOn" | "QueuedNotReceived" | "Cycle" | "DepthCap" | "Terminated" | "Unreadable" | "NoMessage" | "Other";

interface Chain {
  readonly client: KThread;
  readonly hops: Hop[];
  readonly terminal: Terminal;
  /** The thread the chain ends at (the server that is not itself waiting for a reply), if any. */
  readonly last: KThread | undefined;
  readonly detail: string;
  readonly idleReceivers: number | undefined;
  /** Thread keys in the chain, in order (for root selection and cycles). */
  readonly keys: string[];
}

/**
 * Wait Chain (ALPC): client thread → message → port → server process and thread → the next hop, to the
 * thread at the end of the chain; queued messages nobody receives (Blocked ALPC Queue); cycles (deadlocks).
 *
 * The pattern: RPC and COM calls over LRPC are ALPC messages. A client thread shows `WAIT: (WrLpcReply)` while
 * a server thread works on its request; that server may itself wait for another server, and so on. The end of
 * the chain is the real culprit: a thread blocked on something else, one that is running (spinning), a loop
 * back to an earlier thread (deadlock), or a message still queued because every server thread is busy.
 *
 * Detection: every thread (nt!PsActiveProcessHead and each process's thread list) waiting with `WrLpcReply`;
 * its `ETHREAD.AlpcMessage` (masked: the field shares its bytes with AlpcReceiveAttributeSet) → `_KALPC_MESSAGE`:
 * `PortQueue` (or `OwnerPort`), `ServerThread`, `ConnectionPort` (whose object name is the port name,
 * `\RPC Control\...`), `PortMessage.MessageId`. The port's `OwnerProcess` is the server; `ServerThread` is the
 * next hop, followed while it too waits for a reply, with a visited set (a thread seen twice is a cycle) and
 * `Config.AlpcWaitChains.MaxDepth`. Without a server thread the message is queued: the port's queue lengths
 * are shown and the server process's idle receivers counted (threads waiting `WrLpcReceive`, or `WrQueue` on
 * the port's completion port); none means a Blocked ALPC Queue. Wait ages come from `Tcb.WaitTime` and
 * nt!KeTickCount. `Ports` adds the global view: every port on nt!AlpcpPortList with long queues. When the
 * symbols lack `ETHREAD.AlpcMessage` or `_KALPC_MESSAGE`, `!thread` is parsed for its "Waiting for reply to ALPC
 * Message" line instead.
 *
 * False positives: short waits are normal (rows need `Config.AlpcWaitChains.WaitSeconds`, shown with `All`);
 * completed or cancelled messages may still hang off a thread; chains through COM STAs end in window messages
 * (MessageWaitChains) and through named pipes or sockets in I/O (pending IRPs); a server whose user space is
 * missing still shows its kernel stack only.
 *
 * @function AlpcWaitChains
 * @memberof Ewmda
 * @param {object|string} [options] `Process` (pid or image-name glob of the client), `All` (bool: also chains younger than the threshold), `Ports` (bool: also the ports on nt!AlpcpPortList with long queues); or a string such as `"all ports"`.
 * @returns {ResultSet} One row per chain: ChainId, Length, Client, Hops, Terminal, RootCause, WaitAge, Port, Server, Queue, IdleReceivers, TopFrames, Message, Verdict, Evidence, Source (and Port rows with Ports).
 * @example dx @$ewmda.AlpcWaitChains()
 * @example dx -g @$ewmda.AlpcWaitChains(new { All = true, Ports = true })
 * @example !ewmda.alpc
 * @example !ewmda.alpc "process=app.exe all"
 */
export const alpcWaitChains = defineAnalysis({
  meta: {
    name: "AlpcWaitChains",
    command: "alpc",
    summary: "ALPC wait chains: client thread, message, port, server thread and the next hop, with blocked queues and cycles",
    patterns: ["Wait Chain (ALPC)"],
    targets: "kernel",
    version: "1.0.0",
    params: [{ name: "options", help: "Process (client pid or image-name glob), All, Ports; or a string such as \"all ports\"", optional: true }],
    options: [
      { name: "Process", type: "string", help: "only chains whose client is in this process (pid or image-name glob)" },
      { name: "All", type: "bool", help: "also chains whose wait is younger than Config.AlpcWaitChains.WaitSeconds" },
      { name: "Ports", type: "bool", help: "also the global view: ports on nt!AlpcpPortList whose queues are long" },
    ],
    columns: [
      { name: "ChainId", type: "int", help: "Chain number" },
      { name: "Length", type: "int", help: "Threads in the chain, the client and the server at the end included" },
      { name: "Client", type: "string", help: "The first waiting thread: process (pid) and thread id" },
      { name: "Hops", type: "string", help: "client -[message, port]-> server thread, hop by hop" },
      { name: "Terminal", type: "string", help: "How the chain ends: BlockedOn, Running, QueuedNotReceived, Cycle, Terminated, DepthCap, ..." },
      { name: "RootCause", type: "string", help: "The thread at the end and what it does" },
      { name: "WaitAge", type: "string", help: "How long the client has waited (from WaitTime and KeTickCount)" },
      { name: "Port", type: "string", help: "The first port's name (the connection port's object name)" },
      { name: "Server", type: "string", help: "The first server process" },
      { name: "Queue", type: "string", help: "Queue lengths of the port where the last message waits (main, pending, wait, canceled)", table: false },
      { name: "IdleReceivers", type: "int", help: "Queued messages: server threads waiting to receive on the port (0: Blocked ALPC Queue)", table: false },
      { name: "TopFrames", type: "string", help: "Top frames of the thread at the end of the chain", table: false },
      { name: "Message", type: "address", help: "The client's _KALPC_MESSAGE (!alpc /m)", table: false },
      { name: "Kind", type: "string", help: "Chain, or Port (global view)", table: false },
    ],
    settings: {
      WaitSeconds: {
        default: 30,
        help: "A client waiting at least this long makes its chain Positive",
        reason: "RPC calls normally return within seconds; half a minute is a hang a user notices (patterns.md §6)",
      },
      MaxDepth: {
        default: 32,
        help: "Most hops followed in one chain",
        reason: "real chains are a few hops long; the cap ends corrupt ones (patterns.md §6)",
      },
      QueueLength: {
        default: 16,
        help: "Ports view: main plus pending queue length that makes a port Suspicious",
        reason: "a healthy server drains its queue; dozens of waiting messages mean its threads are all busy (Design Value pattern)",
      },
      MaxPorts: {
        default: 100000,
        help: "Most ports walked on nt!AlpcpPortList",
        reason: "busy systems have tens of thousands of ports; the cap ends a corrupt list",
      },
      MaxStacks: {
        default: 64,
        help: "Thread stacks read for TopFrames per call",
        reason: "one stack per chain end; the cap bounds calls with many chains",
      },
      MaxCommandThreads: {
        default: 32,
        help: "Fallback without ALPC types: threads whose !thread output is parsed",
        reason: "each !thread is a debugger command; a few dozen cover the waiting clients",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    if (!t.isKernel()) {
      yield userModeRow(ctx);
      return;
    }
    const sel = readKernelOptions(args[0], ["All", "Ports"]);
    if (typeof sel === "string") {
      ctx.summary("AlpcWaitChains: " + sel);
      yield info(sel, "heuristic");
      return;
    }
    const k = Kernel.of(t);
    const missing = k.missing();
    if (missing) {
      ctx.summary("AlpcWaitChains: " + missing);
      yield info(missing, "typed");
      return;
    }
    const r = new KernelReader(t);
    const d = new ObjectDecoder(r);
    const ps = r.pointerSize;
    const filter = processFilter(sel);
    const all = k.allThreads();
    const byThread: { [key: string]: KThread } = {};
    for (const th of all.threads) byThread[addressKey(th.address)] = th;
    const byProcess: { [key: string]: KProcess } = {};
    for (const p of all.processes) byProcess[addressKey(p.address)] = p;
    const waiters = all.threads.filter((th) => th.state === STATE.Waiting && th.waitReason === WR_LPC_REPLY);
    const stacks = new KernelStacks(t, k, cfg.MaxStacks, sel);
    const threadText = (th: KThread) => th.process.name + " (0x" + th.process.pid.toString(16) + ") 0x" + th.tid.toString(16);
    const ageText = (s: number | undefined) => (s === undefined ? undefined : s.toFixed(1) + " s");
    const ageOf = (th: KThread): number | undefined => {
      const s = k.waitSeconds(th.waitTime);
      return s instanceof Unavailable ? undefined : s;
    };

    const et = r.type("_ETHREAD")!;
    const fAlpc = et.field("AlpcMessage");
    const km = r.type("_KALPC_MESSAGE");
    const ap = r.type("_ALPC_PORT");
    if (!fAlpc || !km || !ap) {
      yield* commandFallback(ctx, k, waiters, filter, cfg.MaxCommandThreads, cfg.WaitSeconds, ageOf, threadText, !fAlpc ? "ETHREAD.AlpcMessage" : !km ? "_KALPC_MESSAGE" : "_ALPC_PORT");
      return;
    }
    const mf = {
      portQueue: km.field("PortQueue"), ownerPort: km.field("OwnerPort"), waiting: km.field("WaitingThread"), server: km.field("ServerThread"),
      connection: km.field("ConnectionPort"), comm: km.field("CommunicationInfo"), id: km.field("PortMessage.MessageId"),
    };
    const ports: { [key: string]: PortFacts | null } = {};
    const portFacts = (at: Addr): PortFacts | undefined => readPort(r, d, ap, at, ports, byProcess);

    /** Follows one client through its messages to the thread at the end. */
    const follow = (start: KThread): Chain => ({ client: start, ...walk(start) });
    const walk = (start: KThread): Omit<Chain, "client"> => {
      const hops: Hop[] = [];
      const keys: string[] = [];
      const seen: { [key: string]: boolean } = {};
      let th: KThread | undefined = start;
      while (th) {
        const key = addressKey(th.address);
        if (seen[key]) return { hops, terminal: "Cycle", last: th, detail: "back to " + threadText(th) + ": the threads wait for each other (deadlock)", idleReceivers: undefined, keys };
        seen[key] = true;
        keys.push(key);
        // A chain of exactly MaxDepth hops ends where it ends; the cap applies only when there is a next hop.
        if (th.state !== STATE.Waiting || th.waitReason !== WR_LPC_REPLY) return end(th, hops, keys);
        if (hops.length >= cfg.MaxDepth) return { hops, terminal: "DepthCap", last: th, detail: "stopped after " + cfg.MaxDepth + " hops (Config.AlpcWaitChains.MaxDepth): the chain goes on (partial)", idleReceivers: undefined, keys };
        const raw = r.read(addrOf(th.address), fAlpc.offset, ps);
        const msgRaw = raw ? raw.pair(fAlpc.offset, ps) : undefined;
        const msg = msgRaw ? addrMask(msgRaw, 3) : undefined;
        if (!msg || isNullAddr(msg) || !isKernelAddr(msg, ps)) {
          return { hops, terminal: "NoMessage", last: th, idleReceivers: undefined, keys,
            detail: threadText(th) + " waits for an ALPC reply but ETHREAD.AlpcMessage " + (msgRaw ? "is " + formatAddr(msgRaw, ps) + " (no message: completed or cancelled)" : "is unreadable") };
        }
        const v = r.readFields(msg, [mf.portQueue, mf.ownerPort, mf.waiting, mf.server, mf.connection, mf.comm, mf.id]);
        if (!v) return { hops, terminal: "Unreadable", last: th, idleReceivers: undefined, keys, detail: "the message " + formatAddr(msg, ps) + " of " + threadText(th) + " is not in the dump (!alpc /m " + formatAddr(msg, ps) + ")" };
        const queue = v.ptr(mf.portQueue);
        const owner = v.ptr(mf.ownerPort);
        let connection = v.ptr(mf.connection);
        if (!connection || isNullAddr(connection)) connection = connectionOf(r, v.ptr(mf.comm));
        const portAt = queue && !isNullAddr(queue) ? queue : owner && !isNullAddr(owner) ? owner : undefined;
        const port = portAt ? portFacts(portAt) : undefined;
        if ((!connection || isNullAddr(connection)) && port) connection = port.connection;
        const named = port && port.name === undefined && connection && !isNullAddr(connection) ? portFacts(connection) : undefined;
        const portShown = port && named && named.name !== undefined ? { ...port, name: named.name } : port;
        const server = v.ptr(mf.server);
        hops.push({ thread: th, waitAge: ageOf(th), message: msg, messageId: v.num(mf.id), port: portShown, serverThread: server && !isNullAddr(server) ? server : undefined });
        if (!server || isNullAddr(server)) {
          const receivers = portShown && portShown.owner ? idleReceivers(k, r, portShown) : undefined;
          const q = portShown ? queueText(portShown) : "port unreadable";
          return {
            hops, terminal: "QueuedNotReceived", last: undefined, idleReceivers: receivers, keys,
            detail: "message " + formatAddr(msg, ps) + " is queued, no server thread has it (" + q + ")" +
              (receivers === 0 ? "; no thread of " + (portShown && portShown.owner ? portShown.owner.name : "the server") + " waits to receive: Blocked ALPC Queue" : receivers !== undefined ? "; " + receivers + " idle receivers" : ""),
          };
        }
        const next: KThread | undefined = byThread[addrKey(server)] || k.threadAt(toInt64Addr(server));
        if (!next) return { hops, terminal: "Unreadable", last: undefined, idleReceivers: undefined, keys, detail: "the server thread " + formatAddr(server, ps) + " is not in the dump (!thread " + formatAddr(server, ps) + ")" };
        th = next;
      }
      return { hops, terminal: "Other", last: undefined, idleReceivers: undefined, keys, detail: "" };
    };

    /** How a chain ends at a thread that is not waiting for a reply. */
    const end = (th: KThread, hops: Hop[], keys: string[]): Omit<Chain, "client"> => {
      const who = threadText(th);
      if (th.state === STATE.Terminated || th.terminated) return { hops, terminal: "Terminated", last: th, idleReceivers: undefined, keys, detail: who + " has terminated: the reply will never come" };
      if (th.state === STATE.Running || th.state === STATE.Ready || th.state === STATE.Standby || th.state === STATE.DeferredReady) {
        return { hops, terminal: "Running", last: th, idleReceivers: undefined, keys, detail: who + " is " + k.stateName(th.state) + " (busy or spinning: see SpikingThreads)" };
      }
      if (th.state === STATE.Waiting) {
        const wb = k.waitBlocks(th, 4);
        const objs = wb.blocks.map((b) => b.typeName + (b.name ? " " + b.name : "") + " " + t.formatAddress(b.object)).join(", ");
        const age = ageOf(th);
        return {
          hops, terminal: "BlockedOn", last: th, idleReceivers: undefined, keys,
          detail: who + " waits (" + k.waitReasonName(th.waitReason) + (age !== undefined ? ", " + age.toFixed(1) + " s" : "") + ")" + (objs ? " on " + objs : ""),
        };
      }
      return { hops, terminal: "Other", last: th, idleReceivers: undefined, keys, detail: who + " is " + k.stateName(th.state) };
    };

    // Chains from every waiting client. Longest first, a chain whose client already appears in a kept chain is
    // part of that one (a server that itself waits, or another member of the same cycle).
    const chains = waiters.map((th, i) => ({ c: follow(th), i }));
    chains.sort((a, b) => b.c.keys.length - a.c.keys.length || a.i - b.i);
    const covered: { [key: string]: boolean } = {};
    const shown: Chain[] = [];
    for (const { c } of chains) {
      if (c.keys.length === 0 || covered[c.keys[0]!]) continue;
      for (const key of c.keys) covered[key] = true;
      if (filter && !filter(c.client.process)) continue;
      shown.push(c);
    }

    let id = 0;
    let positives = 0;
    let young = 0;
    let longest = 0;
    for (const c of shown) {
      const first = c.hops[0];
      const age = first ? first.waitAge : ageOf(c.client);
      if (age !== undefined && age > longest) longest = age;
      let verdict: Verdict = "Info";
      const why: string[] = [];
      if (c.terminal === "Cycle") { verdict = "Positive"; why.push("ALPC deadlock"); }
      if (c.terminal === "QueuedNotReceived" && c.idleReceivers === 0) { verdict = "Positive"; why.push("Blocked ALPC Queue"); }
      if (age !== undefined && age >= cfg.WaitSeconds) { verdict = "Positive"; why.push("waited " + age.toFixed(1) + " s (>= " + cfg.WaitSeconds + " s)"); }
      if (c.terminal === "Terminated" && verdict === "Info") { verdict = "Suspicious"; why.push("the server thread has terminated"); }
      if (verdict === "Info") { young++; if (!sel.flags.All) continue; }
      if (verdict === "Positive") positives++;
      id++;
      const lastHop = c.hops[c.hops.length - 1];
      const lastPort = lastHop ? lastHop.port : undefined;
      let frames: string | undefined;
      if (c.last) {
        const s: ThreadStack | undefined = stacks.stack(c.last);
        frames = s && Array.isArray(s.frames) ? framesText(s.frames as readonly FrameInfo[], 4) : undefined;
      }
      const hopsText = c.hops.length === 0 ? threadText(c.client) : c.hops.map((h) => threadText(h.thread) + " -[msg " + formatAddr(h.message, ps) +
        (h.messageId !== undefined ? " id 0x" + h.messageId.toString(16) : "") + (h.port && h.port.name ? " " + h.port.name : "") + "]->").join(" ") +
        " " + (c.last ? threadText(c.last) : c.terminal === "QueuedNotReceived" ? "(queued)" : "?");
      yield {
        ChainId: id, Length: Math.max(1, c.hops.length + (c.last && c.terminal !== "Cycle" && c.hops.length ? 1 : 0)), Client: threadText(c.client), Hops: hopsText,
        Terminal: c.terminal, RootCause: c.detail, WaitAge: ageText(age),
        Port: first && first.port ? first.port.name || formatAddr(first.port.address, ps) : undefined,
        Server: first && first.port && first.port.owner ? first.port.owner.name + " (0x" + first.port.owner.pid.toString(16) + ")" : undefined,
        Queue: lastPort ? queueText(lastPort) : undefined, IdleReceivers: c.idleReceivers, TopFrames: frames, Message: first ? toInt64Addr(first.message) : undefined,
        Kind: "Chain", Verdict: verdict, Source: "typed" as Source,
        Evidence: (why.length ? why.join(", ") + "; " : "") + "!thread " + t.formatAddress(c.client.address) + (first ? "; !alpc /m " + formatAddr(first.message, ps) : "") +
          (lastPort ? "; !alpc /p " + formatAddr(lastPort.address, ps) : ""),
      };
    }

    // The global view: ports with long queues on nt!AlpcpPortList.
    let portRows = 0;
    if (sel.flags.Ports) {
      const list = portList(r, d, ap, ports, byProcess, cfg.MaxPorts);
      if (list.problem && list.ports.length === 0) yield info(list.problem, "typed");
      for (const p of list.ports) {
        const queued = (p.main || 0) + (p.pending || 0);
        if (queued < cfg.QueueLength) continue;
        portRows++;
        yield {
          Kind: "Port", Port: p.name || formatAddr(p.address, ps), Server: p.owner ? p.owner.name + " (0x" + p.owner.pid.toString(16) + ")" : undefined,
          Queue: queueText(p), IdleReceivers: p.owner ? idleReceivers(k, r, p) : undefined, Verdict: "Suspicious", Source: "typed",
          Evidence: queued + " messages queued (>= " + cfg.QueueLength + "); !alpc /p " + formatAddr(p.address, ps),
        };
      }
      if (list.problem && list.ports.length > 0) yield info(list.problem, "typed");
      if (portRows === 0) {
        yield { Kind: "Port", Verdict: "Negative", Source: "typed", Evidence: "0 of " + list.ports.length + " ports on nt!AlpcpPortList have " + cfg.QueueLength + " or more messages queued; !alpc /lpp" };
      }
    }
    for (const p of all.problems) yield info(p, "typed");
    const scope = waiters.length + " threads waiting for an ALPC reply (WrLpcReply) among " + all.threads.length + " threads in " + all.processes.length + " processes" +
      (filter ? " (clients " + describeSelection(sel) + ")" : "");
    const note = stacks.note("Config.AlpcWaitChains.MaxStacks");
    if (note) yield info(note, "typed");
    if (positives === 0 && id === 0) {
      yield {
        Kind: "Chain", Verdict: "Negative", Source: "typed",
        Evidence: (waiters.length === 0 ? "no chains: " : shown.length + " chains, none deadlocked, blocked or older than " + cfg.WaitSeconds + " s" + (young ? " (longest " + longest.toFixed(1) + " s; All lists them)" : "") + ": ") +
          scope + "; !stacks 2 AlpcpSignalAndWait",
      };
    }
    ctx.summary("AlpcWaitChains: " + id + " chains shown (" + positives + " Positive) from " + scope);
  },

  rowText(row) {
    if (row.Kind === "Port") return (row.Verdict !== "Info" ? row.Verdict + ": " : "") + "port " + String(row.Port) + " " + String(row.Queue || row.Evidence);
    if (row.Hops === undefined) return row.Verdict + ": " + row.Evidence;
    return (row.Verdict !== "Info" ? row.Verdict + ": " : "") + String(row.Hops) + " [" + String(row.Terminal) + "]";
  },
});

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

function queueText(p: PortFacts): string {
  const n = (v: number | undefined) => (v === undefined ? "?" : String(v));
  return "main " + n(p.main) + ", pending " + n(p.pending) + ", wait " + n(p.waiting) + ", canceled " + n(p.canceled) + (p.closed ? ", closed" : "");
}

/** A port's owner, queue lengths and name (its own, when it is a named connection port); cached. */
function readPort(r: KernelReader, d: ObjectDecoder, ap: TypeInfo, at: Addr, cache: { [key: string]: PortFacts | null }, byProcess: { [key: string]: KProcess }): PortFacts | undefined {
  const key = addrKey(at);
  let p = cache[key];
  if (p === undefined) {
    p = null;
    const f = {
      owner: ap.field("OwnerProcess"), main: ap.field("MainQueueLength"), pending: ap.field("PendingQueueLength"), wait: ap.field("WaitQueueLength"),
      canceled: ap.field("CanceledQueueLength"), completion: ap.field("CompletionPort"), closed: ap.field("u1.s1.Closed", "Closed"),
      comm: ap.field("CommunicationInfo"),
    };
    const v = r.readFields(at, [f.owner, f.main, f.pending, f.wait, f.canceled, f.completion, f.closed, f.comm]);
    if (v) {
      const owner = v.ptr(f.owner);
      const info = d.decode(at);
      const completion = v.ptr(f.completion);
      const closed = v.num(f.closed);
      p = {
        address: at, name: info && info.name !== undefined ? d.pathOf(at) : undefined,
        owner: owner ? byProcess[addressKey(toInt64Addr(owner))] : undefined, ownerAddress: owner,
        main: v.num(f.main), pending: v.num(f.pending), waiting: v.num(f.wait), canceled: v.num(f.canceled),
        completionPort: completion && !isNullAddr(completion) ? completion : undefined, closed: closed === undefined ? undefined : closed !== 0,
        connection: connectionOf(r, v.ptr(f.comm)),
      };
    }
    cache[key] = p;
  }
  return p || undefined;
}

/** CommunicationInfo.ConnectionPort, when the message's own ConnectionPort is empty. */
function connectionOf(r: KernelReader, comm: Addr | undefined): Addr | undefined {
  const ci = r.type("_ALPC_COMMUNICATION_INFO");
  const f = ci ? ci.field("ConnectionPort") : undefined;
  if (!f || !comm || isNullAddr(comm)) return undefined;
  const v = r.read(comm, f.offset, f.size);
  return v ? v.ptr(f) : undefined;
}

/** Server threads waiting to receive: WrLpcReceive, or WrQueue on the port's completion port. */
function idleReceivers(k: Kernel, r: KernelReader, p: PortFacts): number | undefined {
  if (!p.owner) return undefined;
  const w = k.threadsOf(p.owner);
  let n = 0;
  for (const th of w.items) {
    if (th.state !== STATE.Waiting) continue;
    if (th.waitReason === WR_LPC_RECEIVE) { n++; continue; }
    if (th.waitReason === WR_QUEUE && p.completionPort) {
      const obj = firstWaitObject(r, th.waitBlockList ? addrOf(th.waitBlockList) : undefined);
      if (obj && sameAddr(obj, p.completionPort)) n++;
    }
  }
  return n;
}

/** Every port on nt!AlpcpPortList (through _ALPC_PORT.PortListEntry), with a visited set and a cap. */
function portList(r: KernelReader, d: ObjectDecoder, ap: TypeInfo, cache: { [key: string]: PortFacts | null }, byProcess: { [key: string]: KProcess }, max: number):
  { ports: PortFacts[]; problem: string | undefined } {
  const ports: PortFacts[] = [];
  const head = r.symbol("AlpcpPortList");
  const link = ap.field("PortListEntry");
  if (!head || !link) return { ports, problem: "nt!AlpcpPortList or _ALPC_PORT.PortListEntry is not in the symbols: no global port view (!alpc /lpp <process> lists a process's ports)" };
  const seen: { [key: string]: boolean } = {};
  let e = r.readPointer(head);
  while (e && !sameAddr(e, head)) {
    const key = addrKey(e);
    if (seen[key]) return { ports, problem: "nt!AlpcpPortList loops back to an entry seen before after " + ports.length + " ports" };
    if (ports.length >= max) return { ports, problem: "stopped at Config.AlpcWaitChains.MaxPorts = " + max + " ports" };
    seen[key] = true;
    const port = addrAdd(e, -link.offset);
    const p = readPort(r, d, ap, port, cache, byProcess);
    if (p) ports.push(p);
    e = r.readPointer(e);
  }
  return { ports, problem: e ? undefined : "nt!AlpcpPortList is broken after " + ports.length + " ports (an unreadable entry)" };
}

/** Without the ALPC types: each WrLpcReply waiter's !thread line (message, port, owning process). */
function* commandFallback(
  ctx: { summary(text: string): void; target: { formatAddress(v: DbgModel.Numeric): string } },
  k: Kernel, waiters: KThread[], filter: ((p: KProcess) => boolean) | undefined, max: number, waitSeconds: number,
  ageOf: (th: KThread) => number | undefined, threadText: (th: KThread) => string, lacking: string,
): Iterable<Row> {
  const chosen = waiters.filter((th) => !filter || filter(th.process));
  yield info("the nt symbols lack " + lacking + ": chains come from !thread's \"Waiting for reply to ALPC Message\" line (client, message, port and server process only)", "typed");
  let id = 0;
  let positives = 0;
  let parsedCount = 0;
  for (const th of chosen.slice(0, max)) {
    const cmd = "!thread " + ctx.target.formatAddress(th.address);
    const out = runCommand(cmd);
    const line = out instanceof Unavailable ? undefined : parseAlpcWait(out);
    if (!line) continue;
    parsedCount++;
    const owner = line.ownerProcess !== undefined ? parseAddress(line.ownerProcess) : undefined;
    const server = owner ? k.processes().items.filter((p) => addressKey(p.address) === addressKey(owner))[0] : undefined;
    const age = ageOf(th);
    const verdict: Verdict = age !== undefined && age >= waitSeconds ? "Positive" : "Info";
    if (verdict === "Info") continue;
    positives++;
    id++;
    yield {
      ChainId: id, Length: 1, Client: threadText(th), Hops: threadText(th) + " -[msg " + line.message + " port " + (line.port || "?") + "]-> " + (server ? server.name : "process " + (line.ownerProcess || "?")),
      Terminal: "ServerUnknown", RootCause: "server thread unknown without _KALPC_MESSAGE (!alpc /m " + line.message + " shows it)", WaitAge: age === undefined ? undefined : age.toFixed(1) + " s",
      Server: server ? server.name + " (0x" + server.pid.toString(16) + ")" : line.ownerProcess, Kind: "Chain", Verdict: verdict, Source: "command",
      Evidence: "waited " + (age || 0).toFixed(1) + " s (>= " + waitSeconds + " s); " + cmd + " (" + line.line + ")",
    };
  }
  if (positives === 0) {
    yield {
      Kind: "Chain", Verdict: "Negative", Source: "command",
      Evidence: "no ALPC wait of " + waitSeconds + " s or more: " + chosen.length + " WrLpcReply waiters, " + parsedCount + " with an ALPC line in !thread" + (chosen.length > max ? " (first " + max + " checked)" : ""),
    };
  }
  ctx.summary("AlpcWaitChains (from !thread): " + positives + " long waits among " + chosen.length + " WrLpcReply waiters");
}

/** User dumps: only the client side is visible; one Info row saying so, with the threads waiting in ALPC calls. */
function userModeRow(ctx: { target: import("../lib/target").Target; summary(text: string): void }): Row {
  const t = ctx.target;
  const clients: string[] = [];
  try {
    for (const s of t.threadStacks()) {
      if (!Array.isArray(s.frames)) continue;
      const top = (s.frames as readonly { func: string }[]).slice(0, 3);
      if (top.some((f) => /!(Nt|Zw)AlpcSendWaitReceivePort$/i.test(f.func))) clients.push("0x" + s.thread.id.toString(16));
    }
  } catch (e) { /* no stacks: the row still says what is needed */ }
  ctx.summary("AlpcWaitChains: needs a kernel or complete dump");
  return info("AlpcWaitChains follows ALPC messages through the kernel to the server threads: needs a kernel or complete dump" +
    (clients.length ? "; this user dump shows only the client side: " + clients.length + " threads wait in NtAlpcSendWaitReceivePort (" + clients.slice(0, 8).join(", ") + (clients.length > 8 ? ", ..." : "") + ") for RPC/COM servers in other processes" : "; no thread of this process waits in NtAlpcSendWaitReceivePort"), clients.length ? "heuristic" : "typed");
}

import { defineAnalysis, type Row } from "../lib/analysis";
import type { Config } from "../lib/config";
import type { CriticalSection } from "../lib/critical-sections";
import { comparePair, fromHalves, halvesOf, isInt64, type Int64 } from "../lib/int64";
import { matchesFunction, type FrameInfo, type ThreadStack } from "../lib/stacks";
import type { Target } from "../lib/target";
import { DEFAULT_UI_FUNCTIONS, uiThreadOf, type UiFunctions, type UiThread } from "../lib/ui-threads";
import { notAvailable, type Source, type Unavailable } from "../lib/values";
import { classifyWait, SPECIFIC_WAITS } from "../lib/wait-classes";
import { buildLockGraph, describeWait, lockEdge, lockWaitChains, type LockGraph, type LockSettings } from "./lock-wait-chains";

/** SendMessage-family functions (the shared wait rule) and the ones that do not wait for the receiver. */
const SEND_FUNCTIONS: readonly string[] = SPECIFIC_WAITS.filter((r) => r.category === "message-send").map((r) => r.functions).reduce((a, b) => a.concat(b), [] as string[]);
const NON_BLOCKING: readonly string[] = ["user32!SendMessageCallback*", "user32!SendNotifyMessage*"];
/** The system call under every SendMessage variant (win32u on Windows 10+, user32 before). */
const SEND_STUBS: readonly string[] = ["win32u!NtUserMessageCall", "user32!NtUserMessageCall", "user32!ZwUserMessageCall"];

interface Sender {
  readonly stack: ThreadStack;
  readonly tid: number;
  /** The SendMessage API frame (the deepest of the run of send frames), or the system-call stub. */
  readonly frame: FrameInfo;
  readonly func: string;
  readonly viaStub: boolean;
  readonly handle: Int64 | Unavailable;
  readonly message: number | undefined;
}

interface Receiver {
  readonly tid: number | undefined;
  readonly basis: string;
  /** Candidate receivers when more than one fits. */
  readonly candidates: number[];
}

/**
 * Wait Chain (Window Messaging), user part: threads blocked in SendMessage and, when the receiving
 * thread can be found in the same process, the chain sender -> receiver -> what the receiver waits for,
 * continuing through further SendMessage calls and critical sections, with cycles.
 *
 * The pattern (patterns.md §27): SendMessage to a window of another thread waits until that thread
 * processes the message. When the receiver is blocked (in a lock, an object wait, a message box, or its
 * own SendMessage), the sender is blocked too; a chain that comes back to the sender (for example the
 * receiver waits for a critical section the sender holds) is a deadlock.
 *
 * Detection: senders are threads whose top frames classify as a "message-send" wait (user32!SendMessage*,
 * SendMessageTimeout*, SendDlgItemMessage*; SendMessageCallback and SendNotifyMessage do not wait and are
 * left out), or whose top frames are the NtUserMessageCall system call under a user32 caller (no user32
 * symbols). On x86 the window handle and message are read from the SendMessage frame's arguments (the
 * slots after its return address, as `kb` shows them); x64 and ARM64 pass them in registers, so they are
 * not recovered. A user dump has no win32k window structures, so the receiver is inferred among the
 * process's UI threads (InputThreads' rules): the only UI thread other than the sender that is not
 * pumping messages, or else the process's only other UI thread. Several candidates, or none (the window
 * belongs to another process), are reported as such, without guessing. The chain then follows the
 * receiver: its own SendMessage (to its receiver), or the critical section it waits for (LockWaitChains'
 * rules) to the section's owner, until a thread that waits for something else, runs, or repeats (a cycle).
 *
 * False positives: the receiver is an inference (Source "heuristic"); confirm it with the window handle
 * (`!wnd` / MEX `!wnd <hwnd>` in a kernel or complete dump). A thread blocked in SendMessage still
 * processes messages sent to it, so a cycle made only of SendMessage calls resolves itself unless
 * SendMessageTimeout's SMTO_BLOCK is used (Suspicious); a cycle through a lock does not (Positive).
 * User dumps have no wait times: a chain seen in one dump may be seconds old or hours old.
 *
 * @function MessageWaitChains
 * @memberof Ewmda
 * @returns {ResultSet} One row per sender (one per cycle): Sender, Function, Handle, Message, Receiver, Basis, Hops, Terminal, Cycle, Verdict, Evidence, Source.
 * @example dx @$ewmda.MessageWaitChains()
 * @example dx -g @$ewmda.MessageWaitChains().Where(r => r.Cycle)
 * @example !ewmda.messagewaits
 */
export const messageWaitChains = defineAnalysis({
  meta: {
    name: "MessageWaitChains",
    command: "messagewaits",
    summary: "Threads blocked in SendMessage, the receiving UI thread and what it waits for, with cycles",
    patterns: ["Wait Chain (Window Messaging)"],
    targets: "user",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Sender", type: "hex", help: "Thread blocked in SendMessage" },
      { name: "Function", type: "string", help: "The SendMessage function it called (or the NtUserMessageCall system call without user32 symbols)" },
      { name: "Handle", type: "hex", help: "Window handle (first argument; recovered on x86 only)" },
      { name: "Message", type: "string", help: "Message sent (second argument; x86 only), with its WM_ name when known" },
      { name: "Receiver", type: "hex", help: "Thread inferred to own the window (same process)" },
      { name: "Basis", type: "string", help: "Why that thread is taken for the receiver, or why none could be", table: false },
      { name: "Hops", type: "string", help: "The chain: sender -> receiver -> lock owners / further receivers" },
      { name: "Terminal", type: "string", help: "What the last thread of the chain does", table: false },
      { name: "Cycle", type: "bool", help: "The chain comes back to one of its threads" },
    ],
  },

  *run(ctx, args) {
    const t = ctx.target;
    if (args.length > 0 && args[0] !== undefined) {
      const text = "MessageWaitChains takes no arguments (filter the result instead: .Where(r => r.Cycle))";
      ctx.summary("MessageWaitChains: " + text);
      yield { Verdict: "Info", Evidence: text, Source: "heuristic" };
      return;
    }
    const fns = uiFunctions(ctx.config);
    const stacks = t.threadStacks();
    const ui: { [tid: number]: UiThread } = {};
    const uiList: UiThread[] = [];
    const senders: { [tid: number]: Sender } = {};
    const senderList: Sender[] = [];
    for (const s of stacks) {
      const u = uiThreadOf(s, fns);
      if (u) { ui[s.thread.id] = u; uiList.push(u); }
      const snd = senderOf(t, s);
      if (snd) { senders[snd.tid] = snd; senderList.push(snd); }
    }
    let graph: LockGraph | undefined;
    const locks = () => graph || (graph = buildLockGraph(t, lockSettings(ctx.config)));

    const receiverOf = (s: Sender): Receiver => {
      const others = uiList.filter((u) => u.stack.thread.id !== s.tid);
      const stuck = others.filter((u) => u.state !== "Pumping");
      if (stuck.length === 1) return { tid: stuck[0]!.stack.thread.id, basis: "the only UI thread other than the sender that is not pumping messages", candidates: [] };
      if (stuck.length === 0 && others.length === 1) return { tid: others[0]!.stack.thread.id, basis: "the process's only other UI thread", candidates: [] };
      if (stuck.length > 1) return { tid: undefined, basis: stuck.length + " UI threads are not pumping messages; any of them may own the window", candidates: stuck.map((u) => u.stack.thread.id) };
      return { tid: undefined, basis: "no other UI thread in this process: the window belongs to another process (or its thread's stack did not resolve)", candidates: [] };
    };
    const tidText = (tid: number) => "0x" + tid.toString(16);
    const stateText = (tid: number): string => {
      const u = ui[tid];
      if (u) {
        switch (u.state) {
          case "Pumping": return "pumps messages (idle in " + u.loopFrame.symbol + ")";
          case "Modal": return "pumps messages in a modal loop under " + u.modalFrame!.symbol + " (Message Box)";
          case "Busy": return "is running above its message loop (" + (u.wait.frame ? u.wait.frame.symbol : u.wait.reason) + ")";
          default: break;
        }
      }
      return describeWait(classifyWait(t.threadStack(t.findThread(tid)!)));
    };

    const emitted: { [tid: number]: boolean } = {};
    let cycles = 0;
    const rows: Row[] = [];
    for (const s of senderList) {
      if (emitted[s.tid]) continue;
      const first = receiverOf(s);
      const path = [s.tid];
      const hops: string[] = [];
      const lockList: CriticalSection[] = [];
      let lockEdges = 0;
      let cycle = false;
      let terminal: string;
      let cur = s.tid;
      for (;;) {
        let next: number | undefined;
        const snd = senders[cur];
        const lock = !snd && classifyWait(t.threadStack(t.findThread(cur)!)).category === "critical-section" ? lockEdge(locks(), cur) : undefined;
        if (snd) {
          const r = cur === s.tid ? first : receiverOf(snd);
          if (r.tid === undefined) { terminal = tidText(cur) + " sends a message with no known receiver (" + r.basis + ")"; break; }
          hops.push(tidText(cur) + " sends to " + tidText(r.tid));
          next = r.tid;
        } else if (lock) {
          lockList.push(lock);
          lockEdges++;
          const name = "cs " + t.formatAddress(lock.address);
          if (lock.owner === undefined) { hops.push(tidText(cur) + " waits for " + name); terminal = name + " has no owner (OwningThread is 0)"; break; }
          hops.push(tidText(cur) + " waits for " + name + " owned by " + tidText(lock.owner));
          if (!locks().threadIds[lock.owner]) { terminal = "owner " + tidText(lock.owner) + " is no longer in the process (orphaned lock)"; break; }
          next = lock.owner;
        } else {
          terminal = tidText(cur) + " " + stateText(cur);
          break;
        }
        if (path.indexOf(next) >= 0) {
          cycle = true;
          terminal = "back to " + tidText(next) + ": a cycle of " + (path.length - path.indexOf(next)) + " threads";
          break;
        }
        path.push(next);
        cur = next;
      }
      if (cycle) { cycles++; for (const p of path) emitted[p] = true; }
      const receiver = first.tid;
      const receiverPumps = receiver !== undefined && path.length === 2 && ui[receiver] !== undefined && ui[receiver]!.state === "Pumping";
      const verdict: Row["Verdict"] = cycle ? (lockEdges > 0 ? "Positive" : "Suspicious") :
        receiver === undefined ? (first.candidates.length ? "Suspicious" : "Info") : receiverPumps ? "Info" : "Suspicious";
      const source: Source = receiver !== undefined || first.candidates.length ? "heuristic" : "typed";
      const handle = s.handle;
      const handleText = isInt64(handle) ? "hWnd 0x" + hexOf(handle) : "";
      rows.push({
        Sender: s.tid, Function: s.func, Handle: handle, Message: s.message !== undefined ? messageName(s.message) : undefined,
        Receiver: receiver, Basis: receiver !== undefined ? first.basis : first.basis + (first.candidates.length ? ": " + first.candidates.map(tidText).join(", ") : ""),
        Hops: hops.length ? hops.join(" -> ") + (cycle ? " (cycle)" : "") : tidText(s.tid) + " sends to an unknown receiver",
        Terminal: terminal, Cycle: cycle, Verdict: verdict, Source: source,
        Evidence: "~~[" + tidText(s.tid) + "]s; kb (" + (handleText ? handleText + " is" : "the window handle is") + " the first argument of " + s.frame.func + ")" +
          path.slice(1).map((p) => "; ~~[" + tidText(p) + "]s; k").join("") + lockList.map((l) => "; !cs " + t.formatAddress(l.address)).join("") +
          (cycle && lockEdges === 0 ? "; a SendMessage-only cycle resolves itself unless SMTO_BLOCK is used" : "") +
          (receiver === undefined ? "; a kernel or complete dump shows the receiver (!thread: WrUserRequest; !wnd <hwnd>)" : ""),
      });
    }
    for (const r of rows) yield r;
    if (senderList.length === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 threads blocked in SendMessage among " + count(stacks.length, "thread") + " (" + count(uiList.length, "UI thread") + ") (~*k)",
      };
    }
    ctx.summary("MessageWaitChains: " + count(senderList.length, "thread") + " in SendMessage among " + count(stacks.length, "thread") + ", " +
      count(uiList.length, "UI thread") + ", " + count(cycles, "cycle"));
  },

  rowText(row) {
    if (row.Sender === undefined) return row.Verdict + ": " + row.Evidence;
    return row.Verdict + ": " + String(row.Hops) + "; " + String(row.Terminal);
  },
});

function hexOf(v: Int64): string {
  const [hi, lo] = halvesOf(v);
  return hi ? hi.toString(16) + ("00000000" + lo.toString(16)).slice(-8) : lo.toString(16);
}

function uiFunctions(config: Config): UiFunctions {
  const s = config.InputThreads as unknown as UiFunctions | undefined;
  return s && s.PumpFunctions ? s : DEFAULT_UI_FUNCTIONS;
}

function lockSettings(config: Config): LockSettings {
  const s = config.LockWaitChains as unknown as LockSettings | undefined;
  if (s && s.MaxListEntries !== undefined) return s;
  const specs = lockWaitChains.meta.settings || {};
  const out: { [key: string]: unknown } = {};
  for (const k of Object.keys(specs)) out[k] = specs[k]!.default;
  return out as unknown as LockSettings;
}

function isSendFrame(f: FrameInfo): boolean {
  return f.hasSymbol && SEND_FUNCTIONS.some((p) => matchesFunction(f.func, p));
}

function isNonBlocking(f: FrameInfo): boolean {
  return f.hasSymbol && NON_BLOCKING.some((p) => matchesFunction(f.func, p));
}

/** The thread's blocking SendMessage call, if it is in one. */
function senderOf(t: Target, stack: ThreadStack): Sender | undefined {
  if (!Array.isArray(stack.frames)) return undefined;
  const frames = stack.frames as readonly FrameInfo[];
  const wait = classifyWait(stack);
  if (wait.category === "message-send" && wait.frame) {
    let a = wait.frame.index;
    while (a + 1 < frames.length && isSendFrame(frames[a + 1]!)) a++;
    for (let i = wait.frame.index; i <= a; i++) if (isNonBlocking(frames[i]!)) return undefined;
    const api = frames[a]!;
    const args = t.architecture() === "x86" ? x86Arguments(t, frames, a) : { handle: notAvailable("x64 and ARM64 pass hWnd in a register; the stack does not keep it reliably"), message: undefined };
    return { stack, tid: stack.thread.id, frame: api, func: api.func, viaStub: false, handle: args.handle, message: args.message };
  }
  for (let i = 0; i < Math.min(3, frames.length - 1); i++) {
    const f = frames[i]!;
    const caller = frames[i + 1]!;
    if (!f.hasSymbol || !SEND_STUBS.some((p) => matchesFunction(f.func, p))) continue;
    if (!caller.module || caller.module.symbolName.toLowerCase() !== "user32" || isNonBlocking(caller)) return undefined;
    return {
      stack, tid: stack.thread.id, frame: f, func: f.func + " (called from " + caller.symbol + ")", viaStub: true,
      handle: notAvailable("without user32 symbols the SendMessage frame and its arguments cannot be located"), message: undefined,
    };
  }
  return undefined;
}

/** x86 stdcall: the arguments follow the return address into the caller, as `kb` shows them. */
function x86Arguments(t: Target, frames: readonly FrameInfo[], api: number): { handle: Int64 | Unavailable; message: number | undefined } {
  const caller = frames[api + 1];
  const start = frames[api]!.sp || frames[0]!.sp;
  if (!caller || !start) return { handle: notAvailable("the SendMessage frame has no caller or stack pointer"), message: undefined };
  const slots = 64;
  const words = t.readPointerWords(start, slots + 2);
  if (!words) return { handle: notAvailable("the stack at " + t.formatAddress(start) + " is not in the dump"), message: undefined };
  const [rHi, rLo] = halvesOf(caller.ip);
  for (let i = 0; i < slots; i++) {
    if (comparePair(0, words[i]! >>> 0, rHi, rLo) === 0) {
      return { handle: fromHalves(0, words[i + 1]! >>> 0), message: words[i + 2]! >>> 0 };
    }
  }
  return { handle: notAvailable("the return address " + t.formatAddress(caller.ip) + " is not within 64 slots of " + t.formatAddress(start) + " (frame pointer omitted?)"), message: undefined };
}

const MESSAGES: { [n: number]: string } = {
  0x0: "WM_NULL", 0x2: "WM_DESTROY", 0x5: "WM_SIZE", 0x6: "WM_ACTIVATE", 0x7: "WM_SETFOCUS", 0x8: "WM_KILLFOCUS", 0xb: "WM_SETREDRAW",
  0xc: "WM_SETTEXT", 0xd: "WM_GETTEXT", 0xe: "WM_GETTEXTLENGTH", 0xf: "WM_PAINT", 0x10: "WM_CLOSE", 0x11: "WM_QUERYENDSESSION",
  0x16: "WM_ENDSESSION", 0x18: "WM_SHOWWINDOW", 0x1a: "WM_SETTINGCHANGE", 0x1c: "WM_ACTIVATEAPP", 0x30: "WM_SETFONT", 0x31: "WM_GETFONT",
  0x3d: "WM_GETOBJECT", 0x46: "WM_WINDOWPOSCHANGING", 0x47: "WM_WINDOWPOSCHANGED", 0x4a: "WM_COPYDATA", 0x4e: "WM_NOTIFY",
  0x7e: "WM_DISPLAYCHANGE", 0x80: "WM_SETICON", 0x82: "WM_NCDESTROY", 0x100: "WM_KEYDOWN", 0x102: "WM_CHAR", 0x111: "WM_COMMAND",
  0x112: "WM_SYSCOMMAND", 0x113: "WM_TIMER", 0x201: "WM_LBUTTONDOWN", 0x210: "WM_PARENTNOTIFY", 0x219: "WM_DEVICECHANGE",
};

/** `0x10 (WM_CLOSE)`, `0x401 (WM_USER+0x1)`. */
export function messageName(n: number): string {
  const text = "0x" + n.toString(16);
  if (MESSAGES[n] !== undefined) return text + " (" + MESSAGES[n] + ")";
  if (n >= 0x400 && n < 0x8000) return text + " (WM_USER+0x" + (n - 0x400).toString(16) + ")";
  if (n >= 0x8000 && n < 0xc000) return text + " (WM_APP+0x" + (n - 0x8000).toString(16) + ")";
  if (n >= 0xc000 && n <= 0xffff) return text + " (registered message)";
  return text;
}

/** `1 thread`, `2 threads`. */
function count(n: number, noun: string): string {
  return n + " " + noun + (n === 1 ? "" : "s");
}

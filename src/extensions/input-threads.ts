import { defineAnalysis, type Row } from "../lib/analysis";
import type { FrameInfo } from "../lib/stacks";
import { DEFAULT_UI_FUNCTIONS, uiThreadOf, type UiThread } from "../lib/ui-threads";

/**
 * Input Thread, user part: the process's UI threads (threads with a message loop) and whether each
 * pumps messages or is stuck above its loop, with the function it is stuck in.
 *
 * The pattern (Input Thread, patterns.md §7): the thread that owns a window's input queue must keep
 * returning to its message loop; when it does not, the window stops responding (Windows calls it hung
 * after 5 s without pumping). In a process dump the UI thread is the thread with GetMessage /
 * PeekMessage / MsgWaitForMultipleObjects / DispatchMessage frames, usually thread 0. The session-wide
 * input threads (csrss's raw input and desktop threads) need a kernel or complete dump and are not
 * examined here.
 *
 * Detection: a thread is a UI thread when a frame matches `Config.InputThreads.PumpFunctions`,
 * `LoopFunctions` or `ModalFunctions`. It pumps (State "Pumping", Info) when a message wait is at the top
 * of its stack with only system-call stubs above it; "Modal" (Suspicious) when that wait runs inside a
 * message box, dialog, menu or COM modal loop (the Message Box pattern: the UI waits for the user or for a
 * COM call); otherwise the frames above its topmost loop frame are classified with the shared wait
 * rules: "Blocked" (Positive) in a wait (lock, object, I/O, RPC, SendMessage...), "Busy" (Suspicious)
 * when running, "Unknown" (Info) without symbols for the top frame.
 *
 * False positives: a dump is a moment: a UI thread briefly waiting or computing looks the same as a
 * hung one (a second dump, or `!runaway`, tells them apart). Frameworks with their own loop functions
 * are recognized once they are added to the settings. Without user32/win32u symbols message-loop
 * frames cannot be named and UI threads are missed (an Info row says so).
 *
 * @function InputThreads
 * @memberof Ewmda
 * @returns {ResultSet} One row per UI thread: Thread, Main, State, Category, BlockingFunction, LoopFunction, LoopFrame, TopFrame, Verdict, Evidence, Source.
 * @example dx @$ewmda.InputThreads()
 * @example dx -g @$ewmda.InputThreads().Where(r => r.State != "Pumping")
 * @example !ewmda.inputthreads
 */
export const inputThreads = defineAnalysis({
  meta: {
    name: "InputThreads",
    command: "inputthreads",
    summary: "UI threads (threads with a message loop): pumping, or stuck above the loop and in what",
    patterns: ["Input Thread"],
    targets: "user",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "Main", type: "bool", help: "The process's first thread (thread 0, usually the main UI thread)" },
      { name: "State", type: "string", help: "Pumping (idle in the message wait), Modal (pumping in a message box, dialog, menu or COM call), Blocked, Busy (running above the loop) or Unknown" },
      { name: "Category", type: "string", help: "Wait category of the frames above the message loop (message-loop when pumping)" },
      { name: "BlockingFunction", type: "string", help: "Frame that decides the state: the wait function, the running function, the modal loop, or the message wait" },
      { name: "LoopFunction", type: "string", help: "The message-loop frame (message wait, dispatch or modal loop)" },
      { name: "LoopFrame", type: "int", help: "Frame number of LoopFunction", table: false },
      { name: "TopFrame", type: "string", help: "Frame 0", table: false },
    ],
    settings: {
      PumpFunctions: {
        default: DEFAULT_UI_FUNCTIONS.PumpFunctions,
        help: "Message waits an idle UI thread sits in (module!Function, * wildcards)",
        reason: "GetMessage, PeekMessage, WaitMessage and MsgWaitForMultipleObjects(Ex) end in these win32u/user32 system calls",
      },
      LoopFunctions: {
        default: DEFAULT_UI_FUNCTIONS.LoopFunctions,
        help: "Frames that show a message loop deeper in the stack (message dispatch, window procedure calls)",
        reason: "a thread running a window procedure has DispatchMessage or UserCallWinProc* under it; add framework loops here",
      },
      ModalFunctions: {
        default: DEFAULT_UI_FUNCTIONS.ModalFunctions,
        help: "Modal loops: a thread pumping inside one of these waits for the user or a COM call",
        reason: "MessageBox, DialogBox, TaskDialog, TrackPopupMenu and COM's modal loop (CCliModalLoop) pump messages in their own loop",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    if (args.length > 0 && args[0] !== undefined) {
      const text = "InputThreads takes no arguments (filter the result instead: .Where(r => r.State != \"Pumping\"))";
      ctx.summary("InputThreads: " + text);
      yield { Verdict: "Info", Evidence: text, Source: "heuristic" };
      return;
    }
    const stacks = t.threadStacks();
    const first = t.threads()[0];
    const ui: UiThread[] = [];
    let unreadable = 0;
    let unnamedUser = 0;
    for (const s of stacks) {
      if (!Array.isArray(s.frames)) { unreadable++; continue; }
      const u = uiThreadOf(s, ctx.settings);
      if (u) ui.push(u);
      else if ((s.frames as readonly FrameInfo[]).some((f) => !f.hasSymbol && f.module && /^(user32|win32u)$/i.test(f.module.symbolName))) unnamedUser++;
    }

    const counts: { [state: string]: number } = {};
    for (const u of ui) {
      counts[u.state] = (counts[u.state] || 0) + 1;
      const tid = "0x" + u.stack.thread.id.toString(16);
      const frames = u.stack.frames as readonly FrameInfo[];
      const decisive = u.state === "Modal" ? u.modalFrame : u.state === "Pumping" ? u.loopFrame : u.wait.frame;
      let verdict: Row["Verdict"];
      let what: string;
      switch (u.state) {
        case "Pumping":
          verdict = "Info";
          what = "pumps messages: idle in " + u.loopFrame.symbol;
          break;
        case "Modal":
          verdict = "Suspicious";
          what = "pumps messages in a modal loop under " + u.modalFrame!.symbol + " (frame " + u.modalFrame!.index +
            "): the UI waits for the user or a COM call (Message Box pattern)";
          break;
        case "Blocked":
          verdict = "Positive";
          what = "is blocked above its message loop: " + u.wait.category + " wait in " + u.wait.reason + " (frame " + (u.wait.frame ? u.wait.frame.index : 0) +
            ") over " + u.loopFrame.symbol + " (frame " + u.loopFrame.index + "); window messages are not processed" +
            (u.wait.category === "message-send" ? " (!ewmda.messagewaits)" : u.wait.category === "critical-section" ? " (!ewmda.locks)" : "");
          break;
        case "Busy":
          verdict = "Suspicious";
          what = "is running outside its message wait (" + frames[0]!.symbol + ") over " + u.loopFrame.symbol + " (frame " + u.loopFrame.index +
            "); a hang if it stays there (a second dump, !runaway)";
          break;
        default:
          verdict = "Info";
          what = "has a message loop (" + u.loopFrame.symbol + ", frame " + u.loopFrame.index + ") but its top frame has no symbols (" + frames[0]!.symbol + ")";
      }
      yield {
        Thread: u.stack.thread.id, Main: first !== undefined && first.id === u.stack.thread.id, State: u.state, Category: u.wait.category,
        BlockingFunction: decisive ? decisive.func : undefined, LoopFunction: u.loopFrame.symbol, LoopFrame: u.loopFrame.index, TopFrame: frames[0]!.symbol,
        Verdict: verdict, Source: "typed",
        Evidence: "~~[" + tid + "]s; k: thread " + tid + " " + what,
      };
    }

    const total = stacks.length;
    if (unnamedUser > 0) {
      yield {
        Verdict: "Info", Source: "typed",
        Evidence: count(unnamedUser, "thread") + (unnamedUser === 1 ? " has" : " have") + " user32/win32u frames without symbols: their message loops cannot be recognized (.reload /f user32.dll win32u.dll; ~*k)",
      };
    }
    const stuck = ui.filter((u) => u.state !== "Pumping").length;
    const breakdown = Object.keys(counts).map((k) => counts[k] + " " + k.toLowerCase()).join(", ");
    if (ui.length === 0) {
      const user32 = t.modules().byName("user32");
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 threads with a message loop among " + count(total, "thread") + (unreadable ? " (" + unreadable + " stacks unreadable)" : "") +
          (user32 ? "" : "; user32.dll is not loaded (not a GUI process)") + " (~*k)",
      };
    } else if (stuck === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 stuck UI threads: " + (ui.length === 1 ? "the UI thread pumps" : "all " + ui.length + " UI threads pump") + " messages (" + count(total, "thread") + ") (~*k)",
      };
    }
    ctx.summary("InputThreads: " + count(ui.length, "UI thread") + " among " + count(total, "thread") + (breakdown ? ": " + breakdown : ""));
  },

  rowText(row) {
    if (row.Thread === undefined) return row.Verdict + ": " + row.Evidence;
    return row.Verdict + " thread 0x" + (row.Thread as number).toString(16) + " " + String(row.State) + ": " + String(row.BlockingFunction);
  },
});

/** `1 thread`, `2 threads`. */
function count(n: number, noun: string): string {
  return n + " " + noun + (n === 1 ? "" : "s");
}

/**
 * User-interface threads of a process (patterns.md §7, user part): threads with a message loop on
 * their stack, and whether each pumps messages (idle in the message wait at the top) or is stuck above
 * its loop (in another wait, in a modal loop, or running). Shared by InputThreads and MessageWaitChains
 * (the receiver of a sent message is a UI thread).
 */
import { matchesFunction, type FrameInfo, type ThreadStack } from "./stacks";
import { classifyWait, SYSTEM_CALL_STUBS, type WaitClass } from "./wait-classes";

/** Function lists (module!Function, `*` wildcards) that decide what a UI thread does; InputThreads' settings. */
export interface UiFunctions {
  /** The message waits an idle UI thread sits in. */
  readonly PumpFunctions: readonly string[];
  /** Frames that show a message loop deeper in the stack (dispatching a message, running a window procedure). */
  readonly LoopFunctions: readonly string[];
  /** Modal loops: message boxes, dialogs, menus, COM calls that pump while waiting. */
  readonly ModalFunctions: readonly string[];
}

export const DEFAULT_UI_FUNCTIONS: UiFunctions = {
  PumpFunctions: [
    "win32u!NtUserGetMessage", "win32u!NtUserPeekMessage", "win32u!NtUserWaitMessage", "win32u!NtUserMsgWaitForMultipleObjectsEx",
    "user32!NtUserGetMessage", "user32!NtUserPeekMessage", "user32!NtUserWaitMessage", "user32!NtUserMsgWaitForMultipleObjectsEx",
    "user32!GetMessage*", "user32!PeekMessage*", "user32!WaitMessage", "user32!MsgWaitForMultipleObjects*", "user32!RealMsgWaitForMultipleObjectsEx",
  ],
  LoopFunctions: [
    "user32!DispatchMessage*", "user32!DispatchClientMessage", "user32!UserCallWinProc*", "user32!CallWindowProc*",
    "user32!IsDialogMessage*", "user32!TranslateMessage*", "user32!TranslateAccelerator*",
  ],
  ModalFunctions: [
    "user32!MessageBox*", "user32!SoftModalMessageBox", "user32!DialogBox*", "user32!InternalDialogBox", "comctl32!TaskDialog*",
    "user32!TrackPopupMenu*", "combase!CCliModalLoop::*", "ole32!CCliModalLoop::*",
  ],
};

/** Frames that may sit above the message wait of a pumping thread (system-call stubs, WOW64 transitions). */
const STUBS: readonly string[] = SYSTEM_CALL_STUBS.concat(["ntdll!KiFastSystemCall*", "wow64!*", "wow64win!*"]);

/** Pumping: idle in the message wait. Modal: pumping inside a modal loop. Blocked: in another wait above the loop. Busy: running above the loop. */
export type UiState = "Pumping" | "Modal" | "Blocked" | "Busy" | "Unknown";

export interface UiThread {
  readonly stack: ThreadStack;
  readonly state: UiState;
  /** The message wait (pumping) or the topmost message-loop frame under the stuck part. */
  readonly loopFrame: FrameInfo;
  /** The modal loop's frame (message box, dialog, COM call), when there is one. */
  readonly modalFrame: FrameInfo | undefined;
  /** What the frames above the loop do (the message wait itself when pumping). */
  readonly wait: WaitClass;
}

function matchesAny(f: FrameInfo, patterns: readonly string[]): boolean {
  return f.hasSymbol && patterns.some((p) => matchesFunction(f.func, p));
}

/** The thread's UI state, or undefined when no frame shows a message loop. */
export function uiThreadOf(stack: ThreadStack, fns: UiFunctions): UiThread | undefined {
  if (!Array.isArray(stack.frames)) return undefined;
  const frames = stack.frames as readonly FrameInfo[];
  const findModal = (from: number) => {
    for (let i = from; i < frames.length; i++) if (matchesAny(frames[i]!, fns.ModalFunctions)) return frames[i];
    return undefined;
  };
  // Pumping: the message wait, with nothing above it but system-call stubs.
  let i = 0;
  while (i < frames.length && !matchesAny(frames[i]!, fns.PumpFunctions) && matchesAny(frames[i]!, STUBS)) i++;
  if (i < frames.length && matchesAny(frames[i]!, fns.PumpFunctions)) {
    const modal = findModal(i + 1);
    const f = frames[i]!;
    return { stack, state: modal ? "Modal" : "Pumping", loopFrame: f, modalFrame: modal, wait: { category: "message-loop", frame: f, reason: f.func } };
  }
  let loop = -1;
  for (let k = 0; k < frames.length && loop < 0; k++) {
    const f = frames[k]!;
    if (matchesAny(f, fns.PumpFunctions) || matchesAny(f, fns.LoopFunctions) || matchesAny(f, fns.ModalFunctions)) loop = k;
  }
  if (loop < 0) return undefined;
  const loopFrame = frames[loop]!;
  const modal = findModal(loop);
  if (loop === 0) {
    return { stack, state: "Busy", loopFrame, modalFrame: modal, wait: { category: "running", frame: loopFrame, reason: "running in " + loopFrame.func } };
  }
  const wait = classifyWait({ thread: stack.thread, frames: frames.slice(0, loop), signature: "" });
  const state: UiState = wait.category === "running" ? "Busy" : wait.category === "unknown" ? "Unknown" :
    wait.category === "message-loop" ? "Pumping" : wait.category === "message-box" ? "Modal" : "Blocked";
  return { stack, state, loopFrame, modalFrame: modal, wait };
}

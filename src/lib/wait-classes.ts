/**
 * What a thread is waiting for, from its top frames (patterns.md §3, user part): the first frames name
 * the wait API and the frames below it say what kind of wait it is. Shared by the stack-trace predicates
 * and the blocked/active/idle thread analyses so every analysis classifies a stack the same way.
 *
 * Rules are checked in two passes over the top frames: specific waits first (a critical section calls
 * NtWaitForAlertByThreadId too, so the RtlpWaitOnCriticalSection frame below decides), then the generic
 * system-call waits. Patterns use `*` wildcards on `module!Function` names (case-insensitive).
 */
import { matchesFunction, type FrameInfo, type ThreadStack } from "./stacks";

export type WaitCategory =
  | "critical-section" | "srw-lock" | "condition-variable" | "address-wait" | "sync-object" | "io" | "alpc" | "rpc-call"
  | "message-send" | "message-box" | "sleep" | "message-loop" | "thread-pool-idle" | "io-completion" | "rpc-listen"
  | "system-call" | "running" | "unknown";

export interface WaitRule {
  readonly category: WaitCategory;
  readonly functions: readonly string[];
}

/** Waits that say exactly what the thread waits for; checked first, top frame downwards. */
export const SPECIFIC_WAITS: readonly WaitRule[] = [
  { category: "critical-section", functions: ["ntdll!RtlpWaitOnCriticalSection", "ntdll!RtlpEnterCriticalSectionContended", "ntdll!RtlEnterCriticalSection"] },
  { category: "srw-lock", functions: ["ntdll!RtlAcquireSRWLockExclusive", "ntdll!RtlAcquireSRWLockShared", "ntdll!RtlpAcquireSRWLock*", "ntdll!RtlpWaitOnSRWLock*"] },
  { category: "condition-variable", functions: ["ntdll!RtlSleepConditionVariable*", "kernelbase!SleepConditionVariable*"] },
  { category: "message-box", functions: ["user32!MessageBox*", "user32!SoftModalMessageBox", "user32!DialogBox*", "comctl32!TaskDialog*"] },
  { category: "message-send", functions: ["user32!SendMessage*", "user32!SendMessageTimeout*", "user32!SendDlgItemMessage*"] },
  { category: "rpc-call", functions: ["rpcrt4!NdrClientCall*", "rpcrt4!NdrpClientCall*", "rpcrt4!I_RpcSendReceive", "rpcrt4!LRPC_CCALL::SendReceive", "combase!*ClientCall*", "combase!CRpcChannelBuffer::SendReceive*", "ole32!CRpcChannelBuffer::SendReceive*"] },
  { category: "alpc", functions: ["ntdll!NtAlpcSendWaitReceivePort", "ntdll!ZwAlpcSendWaitReceivePort"] },
  { category: "io", functions: [
    "ntdll!NtReadFile", "ntdll!NtWriteFile", "ntdll!NtDeviceIoControlFile", "ntdll!NtFsControlFile", "ntdll!NtCreateFile",
    "ntdll!NtFlushBuffersFile", "ntdll!NtQueryDirectoryFile*", "kernelbase!ReadFile", "kernelbase!WriteFile", "kernelbase!DeviceIoControl",
    "kernelbase!GetOverlappedResult*", "ws2_32!recv*", "ws2_32!send*", "ws2_32!WSARecv*", "ws2_32!WSASend*", "ws2_32!select", "ws2_32!connect",
    "mswsock!*",
  ] },
  { category: "sleep", functions: ["ntdll!NtDelayExecution", "ntdll!ZwDelayExecution", "kernelbase!SleepEx", "kernel32!Sleep", "kernelbase!Sleep"] },
  { category: "message-loop", functions: [
    "win32u!NtUserGetMessage", "user32!GetMessage*", "win32u!NtUserWaitMessage", "user32!WaitMessage", "win32u!NtUserMsgWaitForMultipleObjectsEx",
    "user32!MsgWaitForMultipleObjects*", "user32!RealMsgWaitForMultipleObjectsEx",
  ] },
  { category: "thread-pool-idle", functions: ["ntdll!NtWaitForWorkViaWorkerFactory", "ntdll!ZwWaitForWorkViaWorkerFactory"] },
  { category: "io-completion", functions: ["ntdll!NtRemoveIoCompletion*", "ntdll!ZwRemoveIoCompletion*", "kernelbase!GetQueuedCompletionStatus*"] },
  { category: "rpc-listen", functions: ["rpcrt4!LRPC_ADDRESS::*", "rpcrt4!*ListenThread*"] },
];

/** Generic waits: the wait is known, not what for. */
export const GENERIC_WAITS: readonly WaitRule[] = [
  { category: "sync-object", functions: [
    "ntdll!NtWaitForSingleObject", "ntdll!NtWaitForMultipleObjects*", "ntdll!ZwWaitForSingleObject", "ntdll!ZwWaitForMultipleObjects*",
    "ntdll!NtSignalAndWaitForSingleObject", "ntdll!NtWaitForKeyedEvent", "kernelbase!WaitForSingleObject*", "kernelbase!WaitForMultipleObjects*",
    "kernel32!WaitForSingleObject*", "kernel32!WaitForMultipleObjects*",
  ] },
  { category: "address-wait", functions: ["ntdll!RtlWaitOnAddress", "kernelbase!WaitOnAddress", "ntdll!NtWaitForAlertByThreadId", "ntdll!ZwWaitForAlertByThreadId"] },
];

/** System-call stubs: a thread whose frame 0 is one of these is inside the kernel (waiting or not). */
export const SYSTEM_CALL_STUBS: readonly string[] = ["ntdll!Nt*", "ntdll!Zw*", "win32u!Nt*", "wow64cpu!*"];

/** Categories that are a thread's normal idle state, not a hang. */
export const IDLE_CATEGORIES: readonly WaitCategory[] = ["message-loop", "thread-pool-idle", "io-completion", "rpc-listen"];

export interface WaitClass {
  readonly category: WaitCategory;
  /** The frame whose function decided the category (undefined for running / unknown). */
  readonly frame: FrameInfo | undefined;
  /** Why, in one line (which function, or what was missing). */
  readonly reason: string;
}

function firstMatch(frames: readonly FrameInfo[], rules: readonly WaitRule[], depth: number): { rule: WaitRule; frame: FrameInfo } | undefined {
  for (const frame of frames.slice(0, depth)) {
    if (!frame.hasSymbol) continue;
    for (const rule of rules) {
      for (const f of rule.functions) if (matchesFunction(frame.func, f)) return { rule, frame };
    }
  }
  return undefined;
}

/**
 * The topmost match can hide what a wait is for: a message box pumps in NtUserWaitMessage (a message
 * loop at the top), an RPC call or an RPC listener waits in NtAlpcSendWaitReceivePort. A deeper frame
 * of one of these categories (within the same depth) refines the category.
 */
const REFINEMENTS: { readonly [category: string]: readonly WaitCategory[] } = {
  "message-loop": ["message-box"],
  "alpc": ["rpc-listen", "rpc-call"],
};

/** Classifies a thread's wait from its top `depth` frames. */
export function classifyWait(stack: ThreadStack, depth = 10): WaitClass {
  const frames = stack.frames;
  if (!Array.isArray(frames)) return { category: "unknown", frame: undefined, reason: "the stack could not be read" };
  const list = frames as readonly FrameInfo[];
  if (list.length === 0) return { category: "unknown", frame: undefined, reason: "the thread has no frames" };
  const specific = firstMatch(list, SPECIFIC_WAITS, depth) ?? firstMatch(list, GENERIC_WAITS, depth);
  const refine = specific ? REFINEMENTS[specific.rule.category] : undefined;
  if (specific && refine) {
    const rules = SPECIFIC_WAITS.filter((r) => refine.indexOf(r.category) >= 0);
    const deeper = firstMatch(list.slice(specific.frame.index + 1), rules, depth - specific.frame.index - 1);
    if (deeper) return { category: deeper.rule.category, frame: deeper.frame, reason: deeper.frame.func + " (waiting in " + specific.frame.func + ")" };
  }
  if (specific) return { category: specific.rule.category, frame: specific.frame, reason: specific.frame.func };
  const top = list[0]!;
  if (!top.hasSymbol) {
    return { category: "unknown", frame: top, reason: "no symbols for the top frame (" + top.symbol + ")" };
  }
  if (SYSTEM_CALL_STUBS.some((p) => matchesFunction(top.func, p))) {
    return { category: "system-call", frame: top, reason: "in the system call " + top.func };
  }
  return { category: "running", frame: top, reason: "not in a wait: " + top.func };
}

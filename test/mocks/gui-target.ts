/**
 * A GUI process for the fake-target builder: user32 and win32u with the message-loop, SendMessage and
 * modal-loop functions, ntdll with the critical-section wait path, and the usual stacks of UI threads
 * (pumping, blocked in a window procedure, in a message box, sending a message). Used by the
 * InputThreads and MessageWaitChains tests.
 */
import type { Architecture } from "../../src/emulator/target-spec";
import { userTarget, type UserTargetBuilder } from "./user-target";

export const NTDLL_GUI_SYMBOLS = {
  NtWaitForSingleObject: 0x9d4c0, NtDelayExecution: 0x9d8a0, RtlUserThreadStart: 0x5aa40,
  NtWaitForAlertByThreadId: 0x9e600, RtlpWaitOnCriticalSection: 0x3a100, RtlpEnterCriticalSectionContended: 0x3a400,
  RtlEnterCriticalSection: 0x3a800, KiUserCallbackDispatcher: 0xa0d00,
};

export const USER32_SYMBOLS = {
  GetMessageW: 0x1000, PeekMessageW: 0x1400, DispatchMessageWorker: 0x2100, DispatchMessageW: 0x2000, UserCallWinProcCheckWow: 0x2400,
  MessageBoxW: 0x5000, SoftModalMessageBox: 0x5400, SendMessageW: 0x6000, SendMessageWorker: 0x6400, SendMessageTimeoutW: 0x6800,
  SendMessageCallbackW: 0x6c00, RealMsgWaitForMultipleObjectsEx: 0x7400,
};

export const WIN32U_SYMBOLS = {
  NtUserGetMessage: 0x1000, NtUserPeekMessage: 0x1020, NtUserWaitMessage: 0x1040, NtUserMsgWaitForMultipleObjectsEx: 0x1060, NtUserMessageCall: 0x1080,
};

/** A process with user32, win32u and an app with a window procedure. */
export function guiTarget(arch: Architecture = "x64", options: { user32Symbols?: boolean } = {}): UserTargetBuilder {
  return userTarget({ arch })
    .module({ name: "app.exe", symbols: { main: 0x1100, worker: 0x1400, WndProc: 0x1800, WinMain: 0x1a00, RunLoop: 0x1c00 } })
    .module({ name: "ntdll.dll", symbols: NTDLL_GUI_SYMBOLS })
    // Without user32 symbols the frames keep their addresses but no symbol covers them (`user32+0x605c`).
    .module({ name: "user32.dll", symbols: options.user32Symbols === false ? {} : USER32_SYMBOLS, exports: options.user32Symbols === false ? USER32_SYMBOLS : undefined })
    .module({ name: "win32u.dll", symbols: WIN32U_SYMBOLS });
}

/** Stacks of UI threads, top frame first. */
export const STACKS = {
  pumping: ["win32u!NtUserGetMessage+0x14", "user32!GetMessageW+0x2e", "app!WinMain+0x80", "kernel32!BaseThreadInitThunk+0x14", "ntdll!RtlUserThreadStart+0x21"],
  /** A window procedure waiting for an event. */
  blockedInWndProc: [
    "ntdll!NtWaitForSingleObject+0x14", "kernelbase!WaitForSingleObjectEx+0x8e", "app!WndProc+0x40", "user32!UserCallWinProcCheckWow+0x2ad",
    "user32!DispatchMessageWorker+0x1a6", "app!WinMain+0x90", "kernel32!BaseThreadInitThunk+0x14",
  ],
  /** A window procedure waiting for a critical section. */
  lockedInWndProc: [
    "ntdll!NtWaitForAlertByThreadId+0x14", "ntdll!RtlpWaitOnCriticalSection+0x1a3", "ntdll!RtlpEnterCriticalSectionContended+0x1c4",
    "ntdll!RtlEnterCriticalSection+0x42", "app!WndProc+0x60", "user32!UserCallWinProcCheckWow+0x2ad", "user32!DispatchMessageWorker+0x1a6", "app!WinMain+0x90",
  ],
  messageBox: [
    "win32u!NtUserWaitMessage+0x14", "user32!SoftModalMessageBox+0x69e", "user32!MessageBoxW+0x120", "app!WndProc+0x70",
    "user32!UserCallWinProcCheckWow+0x2ad", "user32!DispatchMessageWorker+0x1a6", "app!WinMain+0x90",
  ],
  busyInWndProc: ["app!WndProc+0x55", "user32!UserCallWinProcCheckWow+0x2ad", "user32!DispatchMessageWorker+0x1a6", "app!WinMain+0x90"],
  /** A worker thread sending a message (SendMessageW -> SendMessageWorker -> the system call). */
  sending: ["win32u!NtUserMessageCall+0x14", "user32!SendMessageWorker+0x10f", "user32!SendMessageW+0x5c", "app!worker+0x30", "kernel32!BaseThreadInitThunk+0x14"],
  /** A UI thread sending a message from its window procedure. */
  sendingFromWndProc: [
    "win32u!NtUserMessageCall+0x14", "user32!SendMessageWorker+0x10f", "user32!SendMessageW+0x5c", "app!WndProc+0x80",
    "user32!UserCallWinProcCheckWow+0x2ad", "user32!DispatchMessageWorker+0x1a6", "app!WinMain+0x90",
  ],
  sleeping: ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9e", "app!worker+0x30"],
} as const;

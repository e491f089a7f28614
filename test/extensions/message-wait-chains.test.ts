import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { guiTarget, STACKS } from "../mocks/gui-target";
import { HEAP_BASE, ret, userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function chains(spec: Parameters<typeof loadEwmda>[0], expr = "Debugger.Utility.Ewmda.MessageWaitChains()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

describe("MessageWaitChains: chains", () => {
  it("follows a sender to the only UI thread that is not pumping, and to what that thread waits for", () => {
    const t = guiTarget().thread({ tid: 0x20, frames: STACKS.blockedInWndProc }).thread({ tid: 0x10, frames: STACKS.sending }).build();
    const { rows, summary } = chains(t.spec);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r).toMatchObject({
      Sender: 0x10, Function: "user32!SendMessageW", Receiver: 0x20, Basis: "the only UI thread other than the sender that is not pumping messages",
      Hops: "0x10 sends to 0x20", Terminal: "0x20 is in a sync-object wait (ntdll!NtWaitForSingleObject)", Cycle: false,
      Verdict: "Suspicious", Source: "heuristic",
    });
    expect(r.Message).toBeUndefined();
    expect(String(r.Handle)).toBe("<not available>");
    expect((r.Handle as { reason: string }).reason).toMatch(/x64 and ARM64 pass hWnd in a register/);
    expect(r.Evidence).toBe("~~[0x10]s; kb (the window handle is the first argument of user32!SendMessageW); ~~[0x20]s; k");
    expect(summary).toBe("MessageWaitChains: 1 thread in SendMessage among 2 threads, 1 UI thread, 0 cycles");
  });

  it("finds a deadlock through a critical section: the receiver waits for a lock the sender holds", () => {
    const A = HEAP_BASE.x64 + 0x1000n;
    const t = guiTarget()
      .thread({ tid: 0x20, frames: STACKS.lockedInWndProc, stack: [0n, 0x202n, A] })
      .thread({ tid: 0x10, frames: STACKS.sending })
      .struct("_RTL_CRITICAL_SECTION", A, { DebugInfo: 0xffff_ffff_ffff_ffffn, LockCount: -6, RecursionCount: 1, OwningThread: 0x10 })
      .build();
    const { rows, summary } = chains(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      Sender: 0x10, Receiver: 0x20, Cycle: true, Verdict: "Positive",
      Hops: "0x10 sends to 0x20 -> 0x20 waits for cs 000001d0`00001000 owned by 0x10 (cycle)",
      Terminal: "back to 0x10: a cycle of 2 threads",
    });
    expect(rows[0]!.Evidence).toBe("~~[0x10]s; kb (the window handle is the first argument of user32!SendMessageW); ~~[0x20]s; k; !cs 000001d0`00001000");
    expect(summary).toContain("1 cycle");
  });

  it("continues through a lock to an owner that is not part of the chain", () => {
    const A = HEAP_BASE.x64 + 0x1000n;
    const t = guiTarget()
      .thread({ tid: 0x20, frames: STACKS.lockedInWndProc, stack: [0n, 0x202n, A] })
      .thread({ tid: 0x10, frames: STACKS.sending })
      .thread({ tid: 0x30, frames: STACKS.sleeping })
      .struct("_RTL_CRITICAL_SECTION", A, { DebugInfo: 0xffff_ffff_ffff_ffffn, LockCount: -6, RecursionCount: 1, OwningThread: 0x30 })
      .build();
    expect(chains(t.spec).rows[0]).toMatchObject({
      Hops: "0x10 sends to 0x20 -> 0x20 waits for cs 000001d0`00001000 owned by 0x30", Terminal: "0x30 is in a sleep wait (ntdll!NtDelayExecution)",
      Cycle: false, Verdict: "Suspicious",
    });
  });

  it("calls a cycle of SendMessage calls alone Suspicious (senders still process sent messages), once", () => {
    const t = guiTarget().thread({ tid: 0x10, frames: STACKS.sendingFromWndProc }).thread({ tid: 0x20, frames: STACKS.sendingFromWndProc }).build();
    const { rows } = chains(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Sender: 0x10, Receiver: 0x20, Hops: "0x10 sends to 0x20 -> 0x20 sends to 0x10 (cycle)", Cycle: true, Verdict: "Suspicious" });
    expect(rows[0]!.Evidence).toContain("a SendMessage-only cycle resolves itself unless SMTO_BLOCK is used");
  });

  it("says the message should be delivered when the only other UI thread pumps", () => {
    const t = guiTarget().thread({ tid: 0x20, frames: STACKS.pumping }).thread({ tid: 0x10, frames: STACKS.sending }).build();
    expect(chains(t.spec).rows[0]).toMatchObject({
      Receiver: 0x20, Basis: "the process's only other UI thread", Terminal: "0x20 pumps messages (idle in win32u!NtUserGetMessage+0x14)", Verdict: "Info",
    });
  });

  it("ends at a receiver showing a message box", () => {
    const t = guiTarget().thread({ tid: 0x20, frames: STACKS.messageBox }).thread({ tid: 0x10, frames: STACKS.sending }).build();
    expect(chains(t.spec).rows[0]).toMatchObject({
      Receiver: 0x20, Terminal: "0x20 pumps messages in a modal loop under user32!SoftModalMessageBox+0x69e (Message Box)", Verdict: "Suspicious",
    });
  });
});

describe("MessageWaitChains: receivers that cannot be found", () => {
  it("does not guess between several stuck UI threads", () => {
    const t = guiTarget().thread({ tid: 0x20, frames: STACKS.blockedInWndProc }).thread({ tid: 0x30, frames: STACKS.busyInWndProc })
      .thread({ tid: 0x10, frames: STACKS.sending }).build();
    const r = chains(t.spec).rows[0]!;
    expect(r).toMatchObject({
      Receiver: undefined, Verdict: "Suspicious", Source: "heuristic", Cycle: false, Hops: "0x10 sends to an unknown receiver",
      Basis: "2 UI threads are not pumping messages; any of them may own the window: 0x20, 0x30",
    });
    expect(r.Terminal).toBe("0x10 sends a message with no known receiver (2 UI threads are not pumping messages; any of them may own the window)");
    expect(r.Evidence).toContain("a kernel or complete dump shows the receiver (!thread: WrUserRequest; !wnd <hwnd>)");
  });

  it("says the window belongs to another process when there is no other UI thread", () => {
    const t = guiTarget().thread({ tid: 0x10, frames: STACKS.sendingFromWndProc }).build();
    expect(chains(t.spec).rows[0]).toMatchObject({
      Sender: 0x10, Receiver: undefined, Verdict: "Info", Source: "typed",
      Basis: "no other UI thread in this process: the window belongs to another process (or its thread's stack did not resolve)",
    });
  });
});

describe("MessageWaitChains: senders", () => {
  it("reads the window handle and the message from the x86 SendMessageW frame's arguments", () => {
    // Frame 2 (SendMessageW) starts 0x80 bytes above the stack pointer: slot 32; its return address into
    // app!worker is followed by hWnd and Msg, as kb shows them.
    const stack = [...Array(33).fill(0n), ret("app!worker", 0x30), 0xa0b0cn, 0x10n, 0n, 0n];
    const t = guiTarget("x86").thread({ tid: 0x20, frames: STACKS.blockedInWndProc }).thread({ tid: 0x10, frames: STACKS.sending, stack }).build();
    for (const variant of [{}, ALTERNATE_VARIANT]) {
      const r = chains(t.spec, undefined, variant).rows[0]!;
      expect(big(r.Handle)).toBe(0xa0b0cn);
      expect(r.Message).toBe("0x10 (WM_CLOSE)");
      expect(r.Evidence).toBe("~~[0x10]s; kb (hWnd 0xa0b0c is the first argument of user32!SendMessageW); ~~[0x20]s; k");
    }
  });

  it("says so on x86 when the return address is not on the stack", () => {
    const t = guiTarget("x86").thread({ tid: 0x10, frames: STACKS.sending }).build();
    const r = chains(t.spec).rows[0]!;
    expect(String(r.Handle)).toBe("<not available>");
    expect((r.Handle as { reason: string }).reason).toMatch(/^the return address [0-9a-f]{8} is not within 64 slots/);
  });

  it("finds a sender by the NtUserMessageCall system call when user32 has no symbols", () => {
    const t = guiTarget("x64", { user32Symbols: false }).thread({ tid: 0x10, frames: STACKS.sending }).build();
    const r = chains(t.spec).rows[0]!;
    expect(r.Function).toBe("win32u!NtUserMessageCall (called from user32+0x650f)");
    expect((r.Handle as { reason: string }).reason).toMatch(/without user32 symbols/);
  });

  it("leaves out SendMessageCallback, which does not wait", () => {
    const t = guiTarget().thread({ tid: 0x10, frames: ["win32u!NtUserMessageCall+0x14", "user32!SendMessageCallbackW+0x40", "app!worker+0x30"] }).build();
    const { rows } = chains(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Verdict: "Negative", Evidence: "0 threads blocked in SendMessage among 1 thread (0 UI threads) (~*k)" });
  });

  it("gives one Negative row when no thread sends a message", () => {
    const { rows, summary } = chains(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Verdict: "Negative", Source: "typed" });
    expect(summary).toBe("MessageWaitChains: 0 threads in SendMessage among 1 thread, 0 UI threads, 0 cycles");
  });

  it("answers an argument with a message row, not an exception", () => {
    const { rows } = chains(userTarget().build().spec, "Debugger.Utility.Ewmda.MessageWaitChains(\"all\")");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Evidence).toMatch(/^MessageWaitChains takes no arguments/);
  });

  it("prints the ! table", () => {
    const t = guiTarget().thread({ tid: 0x20, frames: STACKS.blockedInWndProc }).thread({ tid: 0x10, frames: STACKS.sending }).build();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda.messagewaits");
    expect(out[0]).toBe("MessageWaitChains: 1 thread in SendMessage among 2 threads, 1 UI thread, 0 cycles");
    expect(out[1]).toMatch(/^Sender\s+Function\s+Handle\s+Message\s+Receiver\s+Hops\s+Cycle\s+Verdict$/);
    expect(out).toMatchSnapshot();
  });
});

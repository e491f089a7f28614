import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { guiTarget, STACKS } from "../mocks/gui-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;

function inputThreads(spec: Parameters<typeof loadEwmda>[0], expr = "Debugger.Utility.Ewmda.InputThreads()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

describe("InputThreads: UI threads that pump", () => {
  it("reports a UI thread idle in GetMessage as pumping, and says nothing is stuck", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.pumping }).thread({ tid: 0x2b0, frames: STACKS.sleeping }).build();
    const { rows, summary } = inputThreads(t.spec);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      Thread: 0x1a4, Main: true, State: "Pumping", Category: "message-loop", BlockingFunction: "win32u!NtUserGetMessage",
      LoopFunction: "win32u!NtUserGetMessage+0x14", LoopFrame: 0, TopFrame: "win32u!NtUserGetMessage+0x14", Verdict: "Info", Source: "typed",
    });
    expect(rows[0]!.Evidence).toBe("~~[0x1a4]s; k: thread 0x1a4 pumps messages: idle in win32u!NtUserGetMessage+0x14");
    expect(rows[1]).toMatchObject({ Verdict: "Negative", Evidence: "0 stuck UI threads: the UI thread pumps messages (2 threads) (~*k)" });
    expect(summary).toBe("InputThreads: 1 UI thread among 2 threads: 1 pumping");
  });

  it("counts system-call stubs above the message wait as pumping (older systems: KiFastSystemCallRet)", () => {
    const t = guiTarget().module({ name: "ntdll.dll", symbols: { KiFastSystemCallRet: 0xa1000, NtDelayExecution: 0x9d8a0 } })
      .thread({ tid: 0x1a4, frames: ["ntdll!KiFastSystemCallRet+0x0", "user32!GetMessageW+0x2e", "app!WinMain+0x80"] }).build();
    expect(inputThreads(t.spec).rows[0]).toMatchObject({ State: "Pumping", LoopFrame: 1, BlockingFunction: "user32!GetMessageW" });
  });

  it("says so when the process has no message loop at all", () => {
    const { rows, summary } = inputThreads(userTarget().thread({ tid: 0x10 }).thread({ tid: 0x20 }).build().spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Verdict: "Negative", Source: "typed" });
    expect(rows[0]!.Evidence).toBe("0 threads with a message loop among 2 threads; user32.dll is not loaded (not a GUI process) (~*k)");
    expect(summary).toBe("InputThreads: 0 UI threads among 2 threads");
  });
});

describe("InputThreads: UI threads that are stuck", () => {
  it("reports a UI thread blocked in its window procedure as Positive, with the blocking function", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.blockedInWndProc }).thread({ tid: 0x2b0, frames: STACKS.pumping }).build();
    const { rows, summary } = inputThreads(t.spec);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      Thread: 0x1a4, Main: true, State: "Blocked", Category: "sync-object", BlockingFunction: "ntdll!NtWaitForSingleObject",
      LoopFunction: "user32!UserCallWinProcCheckWow+0x2ad", LoopFrame: 3, Verdict: "Positive",
    });
    expect(rows[0]!.Evidence).toBe("~~[0x1a4]s; k: thread 0x1a4 is blocked above its message loop: sync-object wait in ntdll!NtWaitForSingleObject (frame 0) " +
      "over user32!UserCallWinProcCheckWow+0x2ad (frame 3); window messages are not processed");
    expect(rows[1]).toMatchObject({ Thread: 0x2b0, Main: false, State: "Pumping", Verdict: "Info" });
    expect(summary).toBe("InputThreads: 2 UI threads among 2 threads: 1 blocked, 1 pumping");
  });

  it("points to LockWaitChains when the UI thread waits for a critical section", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.lockedInWndProc }).build();
    const r = inputThreads(t.spec).rows[0]!;
    expect(r).toMatchObject({ State: "Blocked", Category: "critical-section", BlockingFunction: "ntdll!RtlpWaitOnCriticalSection", LoopFrame: 5 });
    expect(r.Evidence).toContain("(!ewmda.locks)");
  });

  it("recognizes a message box (modal loop) as Suspicious even though it pumps", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.messageBox }).build();
    const r = inputThreads(t.spec).rows[0]!;
    expect(r).toMatchObject({ State: "Modal", Category: "message-loop", BlockingFunction: "user32!SoftModalMessageBox", LoopFunction: "win32u!NtUserWaitMessage+0x14", Verdict: "Suspicious" });
    expect(r.Evidence).toBe("~~[0x1a4]s; k: thread 0x1a4 pumps messages in a modal loop under user32!SoftModalMessageBox+0x69e (frame 1): " +
      "the UI waits for the user or a COM call (Message Box pattern)");
  });

  it("reports a UI thread running in its window procedure as Busy", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.busyInWndProc }).build();
    expect(inputThreads(t.spec).rows[0]).toMatchObject({ State: "Busy", Category: "running", BlockingFunction: "app!WndProc", LoopFrame: 1, Verdict: "Suspicious" });
  });

  it("points to MessageWaitChains when the UI thread is in SendMessage", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.sendingFromWndProc }).build();
    const r = inputThreads(t.spec).rows[0]!;
    expect(r).toMatchObject({ State: "Blocked", Category: "message-send", BlockingFunction: "user32!SendMessageWorker" });
    expect(r.Evidence).toContain("(!ewmda.messagewaits)");
  });

  it("recognizes a framework's loop once it is added to Config.InputThreads.LoopFunctions", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: ["ntdll!NtWaitForSingleObject+0x14", "app!RunLoop+0x20", "app!main+0x10"] }).build();
    const { dbg } = loadEwmda(t.spec);
    expect((rowsOf(dbg.dx("Debugger.Utility.Ewmda.InputThreads()")) as Row[])[0]!.Verdict).toBe("Negative");
    dbg.dx("Debugger.Utility.Ewmda.Config.InputThreads.LoopFunctions = \"app!RunLoop\"");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.InputThreads()")) as Row[];
    expect(rows[0]).toMatchObject({ State: "Blocked", LoopFunction: "app!RunLoop+0x20", Verdict: "Positive" });
  });
});

describe("InputThreads: edge cases", () => {
  it("works on x86 and under the alternate provider reading", () => {
    const t = guiTarget("x86").thread({ tid: 0x10, frames: STACKS.blockedInWndProc }).thread({ tid: 0x20, frames: STACKS.pumping }).build();
    for (const variant of [{}, ALTERNATE_VARIANT]) {
      const { rows } = inputThreads(t.spec, undefined, variant);
      expect(rows.map((r) => [r.Thread, r.State, r.Verdict])).toEqual([[0x10, "Blocked", "Positive"], [0x20, "Pumping", "Info"]]);
    }
  });

  it("says UI threads may be missed when user32 frames have no symbols", () => {
    const t = guiTarget("x64", { user32Symbols: false }).thread({ tid: 0x1a4, frames: STACKS.blockedInWndProc }).build();
    const { rows } = inputThreads(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info", "Negative"]);
    expect(rows[0]!.Evidence).toBe("1 thread has user32/win32u frames without symbols: their message loops cannot be recognized (.reload /f user32.dll win32u.dll; ~*k)");
  });

  it("still sees a pumping thread through win32u when user32 has no symbols", () => {
    const t = guiTarget("x64", { user32Symbols: false }).thread({ tid: 0x1a4, frames: STACKS.pumping }).build();
    expect(inputThreads(t.spec).rows[0]).toMatchObject({ State: "Pumping", BlockingFunction: "win32u!NtUserGetMessage" });
  });

  it("answers an argument with a message row, not an exception", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.pumping }).build();
    const { rows } = inputThreads(t.spec, "Debugger.Utility.Ewmda.InputThreads(0x1a4)");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Verdict: "Info", Source: "heuristic" });
    expect(rows[0]!.Evidence).toMatch(/^InputThreads takes no arguments/);
  });

  it("does not fail on a thread whose stack memory is missing", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.blockedInWndProc, tebUnreadable: true }).build();
    t.memory.unmap(t.at.stackLimit(0x1a4), t.at.stackBase(0x1a4) - t.at.stackLimit(0x1a4));
    expect(inputThreads(t.spec).rows[0]).toMatchObject({ State: "Blocked" });
  });

  it("prints the ! table", () => {
    const t = guiTarget().thread({ tid: 0x1a4, frames: STACKS.blockedInWndProc }).thread({ tid: 0x2b0, frames: STACKS.messageBox })
      .thread({ tid: 0x2c0, frames: STACKS.sleeping }).build();
    const { dbg } = loadEwmda(t.spec);
    const out = dbg.execute("!ewmda.inputthreads");
    expect(out[0]).toBe("InputThreads: 2 UI threads among 3 threads: 1 blocked, 1 modal");
    expect(out[1]).toMatch(/^Thread\s+Main\s+State\s+Category\s+BlockingFunction\s+LoopFunction\s+Verdict$/);
    expect(out).toHaveLength(4);
    expect(out).toMatchSnapshot();
  });
});

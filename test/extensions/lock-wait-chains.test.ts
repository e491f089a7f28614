import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT } from "../../src/emulator";
import type { Architecture } from "../../src/emulator/target-spec";
import { WINDOWS_USER_X64, WINDOWS_USER_X86 } from "../../src/emulator/layouts/windows-user";
import { loadEwmda, rowsOf } from "../helpers";
import { fieldLocation } from "../mocks/layout-writer";
import { HEAP_BASE, userTarget, type StackValue, type ThreadOptions, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

// ---------------------------------------------------------------- a process with critical sections

const NTDLL_BASE = { x64: 0x7ffa_1000_0000n, x86: 0x7760_0000n, arm64: 0x7ffa_1000_0000n } as const;
const LIST_RVA = 0x16d100;
const LOADER_LOCK_RVA = 0x16d200;
/** ntdll's default symbols the tests use, plus the critical-section wait path. */
const NTDLL_SYMBOLS = {
  NtWaitForSingleObject: 0x9d4c0, NtDelayExecution: 0x9d8a0, RtlUserThreadStart: 0x5aa40,
  NtWaitForAlertByThreadId: 0x9e600, RtlpWaitOnCriticalSection: 0x3a100, RtlpEnterCriticalSectionContended: 0x3a400,
  RtlEnterCriticalSection: 0x3a800,
};
/** A thread blocked in EnterCriticalSection (Windows 10: RtlpWaitOnCriticalSection over NtWaitForAlertByThreadId). */
const CS_WAIT = [
  "ntdll!NtWaitForAlertByThreadId+0x14", "ntdll!RtlpWaitOnCriticalSection+0x1a3", "ntdll!RtlpEnterCriticalSectionContended+0x1c4",
  "ntdll!RtlEnterCriticalSection+0x42", "app!worker+0x20", "kernel32!BaseThreadInitThunk+0x14", "ntdll!RtlUserThreadStart+0x21",
];
const SLEEPING = ["ntdll!NtDelayExecution+0x14", "kernelbase!SleepEx+0x9e", "app!worker+0x30"];

interface LockSpec {
  readonly at: bigint;
  readonly lockCount: number;
  readonly owner?: number;
  readonly recursion?: number;
  /** On the list with a debug record (default), or created without debug information (DebugInfo = -1). */
  readonly debug?: "list" | "none";
}

function heap(arch: Architecture, offset: number): bigint {
  return HEAP_BASE[arch] + BigInt(offset);
}

/** Lock n's address (on the heap, 0x100 apart). */
function lockAt(arch: Architecture, n: number): bigint {
  return heap(arch, 0x1000 + n * 0x100);
}

/** Writes the critical sections and links the listed ones into ntdll!RtlCriticalSectionList. */
function addLocks(b: UserTargetBuilder, arch: Architecture, locks: readonly LockSpec[]): bigint[] {
  const layout = arch === "x86" ? WINDOWS_USER_X86 : WINDOWS_USER_X64;
  const listOffset = BigInt(fieldLocation(layout, "_RTL_CRITICAL_SECTION_DEBUG", "ProcessLocksList").offset);
  const head = NTDLL_BASE[arch] + BigInt(LIST_RVA);
  const all = arch === "x86" ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
  const listed = locks.filter((l) => l.debug !== "none");
  const debugs = listed.map((_l, i) => heap(arch, 0x8000 + i * 0x80));
  const entries = debugs.map((d) => d + listOffset);
  b.struct("_LIST_ENTRY", head, { Flink: entries[0] ?? head, Blink: entries[entries.length - 1] ?? head });
  listed.forEach((l, i) => {
    b.struct("_RTL_CRITICAL_SECTION_DEBUG", debugs[i]!, {
      CriticalSection: l.at, "ProcessLocksList.Flink": entries[i + 1] ?? head, "ProcessLocksList.Blink": i ? entries[i - 1]! : head,
    });
  });
  for (const l of locks) {
    const k = listed.indexOf(l);
    b.struct("_RTL_CRITICAL_SECTION", l.at, {
      DebugInfo: k >= 0 ? debugs[k]! : all, LockCount: l.lockCount, RecursionCount: l.recursion ?? (l.owner ? 1 : 0), OwningThread: l.owner ?? 0,
    });
  }
  return debugs;
}

function lockTarget(arch: Architecture, locks: readonly LockSpec[], threads: readonly ThreadOptions[], extra?: (b: UserTargetBuilder) => void) {
  const b = userTarget({ arch }).module({
    name: "ntdll.dll", base: NTDLL_BASE[arch], symbols: NTDLL_SYMBOLS,
    data: { RtlCriticalSectionList: { rva: LIST_RVA, type: "_LIST_ENTRY" }, LdrpLoaderLock: { rva: LOADER_LOCK_RVA, type: "_RTL_CRITICAL_SECTION" } },
  });
  for (const t of threads) b.thread(t);
  addLocks(b, arch, locks);
  if (extra) extra(b);
  return b.build();
}

/** A thread waiting for `cs`: its address is in the wait path's frame, as RtlpWaitOnCriticalSection keeps it. */
function waiter(tid: number, cs: bigint | undefined, more: readonly StackValue[] = []): ThreadOptions {
  return { tid, frames: CS_WAIT, stack: [0n, 0x202n, ...(cs === undefined ? [] : [cs]), ...more] };
}

function locks(spec: Parameters<typeof loadEwmda>[0], expr = "Debugger.Utility.Ewmda.LockWaitChains()", variant = {}) {
  const { dbg } = loadEwmda(spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

function big(v: unknown): bigint {
  return (v as { bits: bigint }).bits;
}

const byKind = (rows: Row[], kind: string) => rows.filter((r) => r.Kind === kind);

// ---------------------------------------------------------------- deadlocks

describe("LockWaitChains: deadlocks", () => {
  it("finds a two-thread deadlock: each thread owns the lock the other waits for", () => {
    const A = lockAt("x64", 0);
    const B = lockAt("x64", 1);
    // 0x10 owns A and waits for B; A is also on its stack (further up), and must not be taken for the waited lock.
    const t = lockTarget("x64", [
      { at: A, lockCount: -6, owner: 0x10 },
      { at: B, lockCount: -6, owner: 0x20 },
      { at: lockAt("x64", 2), lockCount: -1 },
    ], [waiter(0x10, B, [A]), waiter(0x20, A)]);
    const { rows, summary } = locks(t.spec);
    const dead = byKind(rows, "Deadlock");
    expect(dead).toHaveLength(1);
    const d = dead[0]!;
    expect(d.Verdict).toBe("Positive");
    expect(d.Source).toBe("typed");
    expect(d.Waiting).toBe("0x10, 0x20");
    expect(big(d.Lock)).toBe(B);
    expect(d.Owner).toBe(0x20);
    expect(d.Chain).toBe("0x10 waits for cs 000001d0`00001100 owned by 0x20; 0x20 waits for cs 000001d0`00001000 owned by 0x10 (cycle of 2 threads)");
    expect(d.Evidence).toBe("!cs 000001d0`00001100; !cs 000001d0`00001000; ~~[0x10]s; k; ~~[0x20]s; k");
    const held = byKind(rows, "Locked");
    expect(held.map((r) => [big(r.Lock), r.Owner, r.Waiting, r.Verdict])).toEqual([[A, 0x10, "0x20", "Positive"], [B, 0x20, "0x10", "Positive"]]);
    expect(held[0]!.Waiters).toBe(1); // LockCount -6: locked, one waiter
    expect(held[0]!.Chain).toBe("0x20 waits for it; owner 0x10 waits for cs 000001d0`00001100 owned by 0x20, which waits for cs 000001d0`00001000 owned by 0x10 (deadlock)");
    expect(rows.filter((r) => r.Verdict === "Negative")).toHaveLength(0);
    expect(summary).toBe("LockWaitChains: 3 critical sections on ntdll!RtlCriticalSectionList, 2 locked, 2 of 2 threads waiting for a critical section, 1 deadlock");
  });

  it("finds a three-thread cycle and reports it once, from its lowest thread id", () => {
    const A = lockAt("x64", 0);
    const B = lockAt("x64", 1);
    const C = lockAt("x64", 2);
    const t = lockTarget("x64", [
      { at: A, lockCount: -6, owner: 0x30 }, { at: B, lockCount: -6, owner: 0x10 }, { at: C, lockCount: -6, owner: 0x20 },
    ], [waiter(0x20, B), waiter(0x30, C), waiter(0x10, A)]);
    const { rows } = locks(t.spec);
    const dead = byKind(rows, "Deadlock");
    expect(dead).toHaveLength(1);
    expect(dead[0]!.Waiting).toBe("0x10, 0x30, 0x20"); // in the order of the cycle
    expect(dead[0]!.Chain).toBe(
      "0x10 waits for cs 000001d0`00001000 owned by 0x30; 0x30 waits for cs 000001d0`00001200 owned by 0x20; 0x20 waits for cs 000001d0`00001100 owned by 0x10 (cycle of 3 threads)");
    expect(byKind(rows, "Locked").every((r) => r.Verdict === "Positive")).toBe(true);
    expect(rows[0]!.Kind).toBe("Deadlock");
  });

  it("reports a chain that leads into a cycle without counting the outside waiter in the cycle", () => {
    const A = lockAt("x64", 0);
    const B = lockAt("x64", 1);
    const t = lockTarget("x64", [{ at: A, lockCount: -10, owner: 0x10 }, { at: B, lockCount: -6, owner: 0x20 }],
      [waiter(0x10, B), waiter(0x20, A), waiter(0x30, A)]);
    const { rows } = locks(t.spec);
    expect(byKind(rows, "Deadlock").map((r) => r.Waiting)).toEqual(["0x10, 0x20"]);
    const a = byKind(rows, "Locked").find((r) => big(r.Lock) === A)!;
    expect(a.Waiting).toBe("0x20, 0x30");
    expect(a.Waiters).toBe(2);
  });
});

// ---------------------------------------------------------------- contention, orphans, no locks

describe("LockWaitChains: contention and orphaned locks", () => {
  it("reports plain contention (no cycle) with the owner's own wait at the end of the chain", () => {
    const A = lockAt("x64", 0);
    const t = lockTarget("x64", [{ at: A, lockCount: -10, owner: 0x20, recursion: 2 }],
      [{ tid: 0x20, frames: SLEEPING }, waiter(0x30, A), waiter(0x40, A)]);
    const { rows } = locks(t.spec);
    expect(byKind(rows, "Deadlock")).toHaveLength(0);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r).toMatchObject({ Kind: "Locked", Owner: 0x20, Waiting: "0x30, 0x40", Waiters: 2, RecursionCount: 2, LockCount: -10, Verdict: "Suspicious", Source: "typed" });
    expect(r.Chain).toBe("0x30, 0x40 wait for it; owner 0x20 is in a sleep wait (ntdll!NtDelayExecution)");
    expect(r.Evidence).toBe("!cs 000001d0`00001000; ~~[0x20]s; k");
  });

  it("follows a chain through two locks to an owner that is running", () => {
    const A = lockAt("x64", 0);
    const B = lockAt("x64", 1);
    const t = lockTarget("x64", [{ at: A, lockCount: -6, owner: 0x20 }, { at: B, lockCount: -6, owner: 0x30 }],
      [waiter(0x10, A), waiter(0x20, B), { tid: 0x30, frames: ["app!main+0x40", "kernel32!BaseThreadInitThunk+0x14"] }]);
    const a = byKind(locks(t.spec).rows, "Locked").find((r) => big(r.Lock) === A)!;
    expect(a.Chain).toBe("0x10 waits for it; owner 0x20 waits for cs 000001d0`00001100 owned by 0x30, which is running (app!main+0x40)");
    expect(a.Verdict).toBe("Suspicious");
  });

  it("marks a lock whose owner exited as orphaned", () => {
    const A = lockAt("x64", 0);
    const t = lockTarget("x64", [{ at: A, lockCount: -6, owner: 0x998 }], [waiter(0x30, A)]);
    const { rows } = locks(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Kind: "Orphaned", Owner: 0x998, Waiting: "0x30", Verdict: "Suspicious", Source: "typed" });
    expect(rows[0]!.Chain).toBe("0x30 waits for it; owner 0x998 is no longer in the process: it exited holding the lock (orphaned critical section)");
    expect(rows[0]!.Evidence).toBe("!cs 000001d0`00001000; ~ (no thread 0x998)");
  });

  it("lists a lock held without waiters as Info, named when it is a module global", () => {
    const loaderLock = NTDLL_BASE.x64 + BigInt(LOADER_LOCK_RVA);
    const t = lockTarget("x64", [{ at: loaderLock, lockCount: -2, owner: 0x20 }], [{ tid: 0x20, frames: SLEEPING }]);
    const { rows } = locks(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Kind: "Locked", Symbol: "ntdll!LdrpLoaderLock", Owner: 0x20, Waiters: 0, Verdict: "Info" });
    expect(rows[0]!.Waiting).toBeUndefined();
  });

  it("gives one Negative row with counts when nothing is locked", () => {
    const t = lockTarget("x64", [0, 1, 2].map((n) => ({ at: lockAt("x64", n), lockCount: -1 })), [{ tid: 0x10, frames: SLEEPING }, { tid: 0x20 }]);
    const { rows } = locks(t.spec);
    expect(rows).toEqual([{
      Kind: undefined, Lock: undefined, Symbol: undefined, Owner: undefined, Waiting: undefined, Waiters: undefined, RecursionCount: undefined, LockCount: undefined, Chain: undefined,
      Verdict: "Negative", Source: "typed",
      Evidence: "0 locked critical sections: 3 critical sections on ntdll!RtlCriticalSectionList, 0 locked, 0 of 2 threads waiting for a critical section, 0 deadlocks (!cs -l, ~*k)",
    }]);
  });

  it("decodes the pre-Vista LockCount encoding when the PEB says Windows XP", () => {
    const A = lockAt("x64", 0);
    // XP: LockCount 1 with RecursionCount 1 = locked with one waiter; -1 = free.
    const t = lockTarget("x64", [{ at: A, lockCount: 1, owner: 0x20 }, { at: lockAt("x64", 1), lockCount: -1 }],
      [{ tid: 0x20, frames: SLEEPING }, waiter(0x30, A)]);
    // The builder writes a Windows 10 PEB; this process says 5.1 (XP).
    const pebVersion = fieldLocation(WINDOWS_USER_X64, "_PEB", "OSMajorVersion").offset;
    expect(t.memory.write(t.at.peb() + BigInt(pebVersion), Uint8Array.from([5, 0, 0, 0]))).toBe(true);
    const { rows } = locks(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Kind: "Locked", Waiters: 1, Waiting: "0x30", LockCount: 1 });
  });
});

// ---------------------------------------------------------------- waiters, list problems, fallbacks

describe("LockWaitChains: waiters, damaged lists and missing symbols", () => {
  it("finds a section without debug information (not on the list) on the waiter's stack, as a heuristic", () => {
    const A = lockAt("x64", 0);
    const t = lockTarget("x64", [{ at: A, lockCount: -6, owner: 0x20, debug: "none" }, { at: lockAt("x64", 1), lockCount: -1 }],
      [{ tid: 0x20, frames: SLEEPING }, waiter(0x30, A)]);
    const { rows, summary } = locks(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Kind: "Locked", Owner: 0x20, Waiting: "0x30", Source: "heuristic" });
    expect(rows[0]!.Evidence).toBe("!cs 000001d0`00001000; ~~[0x20]s; k (found on the stack of waiting thread 0x30, not on the lock list)");
    expect(summary).toContain("1 critical section on ntdll!RtlCriticalSectionList + 1 found on stacks");
  });

  it("does not take a value that is not a locked critical section for one", () => {
    const junk = heap("x64", 0x3000);
    const t = lockTarget("x64", [], [waiter(0x30, junk)], (b) => b.memory(junk, new Uint8Array(0x40).fill(0x41)));
    const { rows } = locks(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Kind).toBe("Waiter");
    expect(rows[0]!.Verdict).toBe("Info");
    expect(rows[0]!.Chain).toMatch(/^0x30 waits in ntdll!RtlpWaitOnCriticalSection; no critical section found among 40 stack slots /);
    const sp = t.at.stackPointer(0x30);
    expect(rows[0]!.Evidence).toBe(`dps ${fmt(sp)} ${fmt(sp + 40n * 8n)}; ~~[0x30]s; kv`);
  });

  it("prefers a section from the list over an unlisted value that only looks like one", () => {
    const A = lockAt("x64", 0);
    const lookalike = lockAt("x64", 1);
    const t = lockTarget("x64", [{ at: A, lockCount: -6, owner: 0x20 }, { at: lookalike, lockCount: -2, owner: 0x40, debug: "none" }],
      [{ tid: 0x20, frames: SLEEPING }, { tid: 0x40, frames: SLEEPING }, waiter(0x30, lookalike, [A])]);
    const { rows } = locks(t.spec);
    expect(rows.map((r) => [r.Kind, big(r.Lock), r.Waiting])).toEqual([["Locked", A, "0x30"]]);
  });

  it("reports a waiter whose stack is missing from the dump", () => {
    const t = lockTarget("x64", [], [{ ...waiter(0x30, undefined), unreadable: [{ offset: 0, size: 0x4000 }] }]);
    const { rows } = locks(t.spec);
    expect(rows[0]).toMatchObject({ Kind: "Waiter", Waiting: "0x30", Verdict: "Info" });
    expect(rows[0]!.Chain).toBe(`0x30 waits in ntdll!RtlpWaitOnCriticalSection; the stack at ${fmt(t.at.stackPointer(0x30))} is not in the dump`);
    expect(rows[0]!.Evidence).toBe("~~[0x30]s; kv");
  });

  it("says so when a waiter's section is not locked", () => {
    const A = lockAt("x64", 0);
    const t = lockTarget("x64", [{ at: A, lockCount: -1 }], [waiter(0x30, A)]);
    const { rows } = locks(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Kind: "Waiter", Waiting: "0x30", Verdict: "Info" });
    expect(big(rows[0]!.Lock)).toBe(A);
    expect(rows[0]!.Chain).toContain("which is not locked");
  });

  it("survives a list that loops without returning to its head, and keeps what it read", () => {
    const A = lockAt("x64", 0);
    const t = lockTarget("x64", [{ at: A, lockCount: -6, owner: 0x20 }, { at: lockAt("x64", 1), lockCount: -1 }, { at: lockAt("x64", 2), lockCount: -1 }],
      [{ tid: 0x20, frames: SLEEPING }, waiter(0x30, A)], (b) => {
        // Entry 3's Flink points back to entry 2 instead of the head.
        const listOffset = BigInt(fieldLocation(WINDOWS_USER_X64, "_RTL_CRITICAL_SECTION_DEBUG", "ProcessLocksList").offset);
        const d2 = heap("x64", 0x8000 + 0x80);
        const d3 = heap("x64", 0x8000 + 2 * 0x80);
        b.struct("_RTL_CRITICAL_SECTION_DEBUG", d3, { CriticalSection: lockAt("x64", 2), "ProcessLocksList.Flink": d2 + listOffset, "ProcessLocksList.Blink": d2 + listOffset });
      });
    const { rows } = locks(t.spec);
    const info = rows.filter((r) => r.Verdict === "Info" && r.Kind === undefined);
    expect(info).toHaveLength(1);
    expect(info[0]!.Evidence).toMatch(/^ntdll!RtlCriticalSectionList: the list loops back to 000001d0`00008090 after 3 entries without returning to its head \(the list is damaged\); the 3 sections read before that are used \(dl 00007ffa`1016d100\)$/);
    expect(byKind(rows, "Locked")).toHaveLength(1);
  });

  it("stops at a debug record missing from the dump, and at Config.LockWaitChains.MaxListEntries", () => {
    const specs = [0, 1, 2].map((n) => ({ at: lockAt("x64", n), lockCount: -1 }));
    const t = lockTarget("x64", specs, [{ tid: 0x10 }], (b) => b.unmap(heap("x64", 0x8000 + 2 * 0x80), 0x80));
    const first = locks(t.spec).rows;
    expect(first[0]!.Evidence).toBe("ntdll!RtlCriticalSectionList: the debug record at 000001d0`00008100 (entry 000001d0`00008110) is not in the dump; the walk stopped after 2 entries; the 2 sections read before that are used (dl 00007ffa`1016d100)");
    expect(first[1]!.Verdict).toBe("Negative");

    const t2 = lockTarget("x64", specs, [{ tid: 0x10 }]);
    const { dbg } = loadEwmda(t2.spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.LockWaitChains.MaxListEntries = 2");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.LockWaitChains()")) as Row[];
    expect(rows[0]!.Evidence).toContain("the walk stopped after 2 entries (Config.LockWaitChains.MaxListEntries)");
  });

  it("skips list entries whose section no longer points back to its debug record (freed or reused)", () => {
    const A = lockAt("x64", 0);
    const t = lockTarget("x64", [{ at: A, lockCount: -2, owner: 0x20 }], [{ tid: 0x20, frames: SLEEPING }],
      (b) => b.struct("_RTL_CRITICAL_SECTION", A, { DebugInfo: heap("x64", 0x9000), LockCount: -2, RecursionCount: 1, OwningThread: 0x20 }));
    const { rows } = locks(t.spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Evidence).toContain("0 locked critical sections: 0 critical sections on ntdll!RtlCriticalSectionList");
    expect(rows[0]!.Evidence).toContain("(1 stale list entry skipped)");
  });

  it("falls back to sections found on waiting threads' stacks without ntdll symbols, and says so", () => {
    const A = heap("x64", 0x1000);
    const b = userTarget().module({
      name: "ntdll.dll", symbols: false,
      exports: { NtWaitForAlertByThreadId: 0x9e600, NtDelayExecution: 0x9d8a0, RtlEnterCriticalSection: 0x3a800, RtlUserThreadStart: 0x5aa40 },
    }).thread({ tid: 0x20, frames: ["ntdll!NtDelayExecution+0x14", "app!worker+0x30"] })
      .thread({ tid: 0x30, frames: ["ntdll!NtWaitForAlertByThreadId+0x14", "ntdll!RtlEnterCriticalSection+0x2a0", "app!worker+0x20"], stack: [0n, A] })
      .thread({ tid: 0x40, frames: ["ntdll!NtWaitForAlertByThreadId+0x14", "ntdll!RtlEnterCriticalSection+0x2a0", "app!worker+0x20"], stack: [0n, 0n, A] });
    addLocksWithoutList(b, "x64", A, { lockCount: -10, owner: 0x20 });
    const { rows, summary } = locks(b.build().spec);
    expect(rows[0]).toMatchObject({ Verdict: "Info", Source: "heuristic" });
    expect(rows[0]!.Evidence).toBe("ntdll!RtlCriticalSectionList is not available (ntdll symbols are not loaded): only critical sections found on the stacks of 2 waiting threads were examined (.reload /f ntdll.dll, then !cs -l lists every locked section)");
    expect(rows[1]).toMatchObject({ Kind: "Locked", Owner: 0x20, Waiting: "0x30, 0x40", Waiters: 2, Source: "heuristic", Verdict: "Suspicious" });
    expect(summary).toBe("LockWaitChains: no lock list + 1 found on stacks, 1 locked, 2 of 3 threads waiting for a critical section, 0 deadlocks");
  });

  it("gives an Info row and a heuristic Negative row without ntdll symbols and without waiters", () => {
    const { rows } = locks(userTarget({ ntdllSymbols: false }).build().spec);
    expect(rows.map((r) => [r.Verdict, r.Source])).toEqual([["Info", "heuristic"], ["Negative", "heuristic"]]);
    expect(rows[1]!.Evidence).toBe("0 locked critical sections: no lock list, 0 locked, 0 of 1 thread waiting for a critical section, 0 deadlocks (!cs -l, ~*k)");
  });

  it("tells symbols without the list global from missing symbols", () => {
    const t = userTarget().module({ name: "ntdll.dll", symbols: NTDLL_SYMBOLS }).thread({ tid: 0x10, frames: SLEEPING }).build();
    expect(locks(t.spec).rows[0]!.Evidence).toMatch(/^ntdll!RtlCriticalSectionList is not available \(ntdll's symbols do not include it\): /);
  });

  it("finds a deadlock on x86 (32-bit layout and encoding)", () => {
    const A = lockAt("x86", 0);
    const B = lockAt("x86", 1);
    const t = lockTarget("x86", [{ at: A, lockCount: -6, owner: 0x10 }, { at: B, lockCount: -6, owner: 0x20 }], [waiter(0x10, B), waiter(0x20, A)]);
    for (const variant of [{}, ALTERNATE_VARIANT]) {
      const { rows } = locks(t.spec, undefined, variant);
      const dead = byKind(rows, "Deadlock");
      expect(dead).toHaveLength(1);
      expect(dead[0]!.Chain).toBe("0x10 waits for cs 00501100 owned by 0x20; 0x20 waits for cs 00501000 owned by 0x10 (cycle of 2 threads)");
      expect(byKind(rows, "Locked").map((r) => r.Waiters)).toEqual([1, 1]);
    }
  });

  it("reads the same under the alternate provider reading (Int64 ordinals, plain arrays)", () => {
    const A = lockAt("x64", 0);
    const t = lockTarget("x64", [{ at: A, lockCount: -6, owner: 0x20 }], [{ tid: 0x20, frames: SLEEPING }, waiter(0x30, A)]);
    const a = locks(t.spec).rows;
    const b = locks(t.spec, undefined, ALTERNATE_VARIANT).rows;
    expect(b.map((r) => [r.Kind, r.Waiting, r.Chain])).toEqual(a.map((r) => [r.Kind, r.Waiting, r.Chain]));
  });
});

// ---------------------------------------------------------------- arguments and the table

describe("LockWaitChains: arguments and the ! table", () => {
  const A = lockAt("x64", 0);
  const B = lockAt("x64", 1);
  const target = () => lockTarget("x64", [{ at: A, lockCount: -6, owner: 0x20 }, { at: B, lockCount: -2, owner: 0x20 }, { at: lockAt("x64", 2), lockCount: -1 }],
    [{ tid: 0x20, frames: SLEEPING }, waiter(0x30, A)]);

  it("reports one critical section when given its address", () => {
    const { rows } = locks(target().spec, "Debugger.Utility.Ewmda.LockWaitChains(0x1d000001100)");
    expect(rows).toHaveLength(1);
    expect(big(rows[0]!.Lock)).toBe(B);
  });

  it("says what a given address is when it is not locked", () => {
    const { rows } = locks(target().spec, "Debugger.Utility.Ewmda.LockWaitChains(\"0x1d000001200\")");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Negative");
    expect(rows[0]!.Evidence).toMatch(/^critical section 000001d0`00001200 is not locked \(LockCount -1\); /);
  });

  it("answers a bad argument with a message row, not an exception", () => {
    const { rows, summary } = locks(target().spec, "Debugger.Utility.Ewmda.LockWaitChains(\"lock\")");
    expect(rows).toEqual([{ Kind: undefined, Lock: undefined, Symbol: undefined, Owner: undefined, Waiting: undefined, Waiters: undefined, RecursionCount: undefined, LockCount: undefined, Chain: undefined,
      Verdict: "Info", Source: "heuristic", Evidence: "the address must be a number such as 0x1d000001000, not \"lock\"" }]);
    expect(summary).toContain("LockWaitChains: the address must be");
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(target().spec);
    const out = dbg.execute("!ewmda.locks");
    expect(out[0]).toBe("LockWaitChains: 3 critical sections on ntdll!RtlCriticalSectionList, 2 locked, 1 of 2 threads waiting for a critical section, 0 deadlocks");
    expect(out[1]).toMatch(/^Kind\s+Lock\s+Symbol\s+Owner\s+Waiting\s+Waiters\s+RecursionCount\s+Chain\s+Verdict$/);
    expect(out).toHaveLength(4);
    expect(out[2]).toMatch(/^Locked\s+000001d0`00001000\s+0x20\s+0x30\s+1\s+1\s+0x30 waits for it; owner 0x20 is in a sleep wait/);
    expect(out).toMatchSnapshot();
  });
});

function fmt(v: bigint): string {
  const h = v.toString(16).padStart(16, "0");
  return h.slice(0, 8) + "`" + h.slice(8);
}

/** A critical section without debug information (DebugInfo = -1), as Windows 8+ creates most of them. */
function addLocksWithoutList(b: UserTargetBuilder, arch: Architecture, at: bigint, l: { lockCount: number; owner: number }): void {
  b.struct("_RTL_CRITICAL_SECTION", at, {
    DebugInfo: arch === "x86" ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn, LockCount: l.lockCount, RecursionCount: 1, OwningThread: l.owner,
  });
}

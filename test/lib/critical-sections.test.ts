import { describe, expect, it } from "vitest";
import { decodeLockCount } from "../../src/lib/critical-sections";

// The encodings as Microsoft documents them ("Displaying a Critical Section", WinDbg docs): since Vista,
// bit 0 of LockCount is 0 when locked, bit 1 is 0 when a waiter was woken, and the other bits are the
// ones' complement of the number of waiters; before Vista, -1 is free and each further entry adds one.
describe("decodeLockCount", () => {
  it("decodes the Vista+ encoding", () => {
    expect(decodeLockCount(-1, 0, true)).toEqual({ locked: false, waiters: 0, valid: true });
    expect(decodeLockCount(-2, 1, true)).toEqual({ locked: true, waiters: 0, valid: true });
    expect(decodeLockCount(-6, 1, true)).toEqual({ locked: true, waiters: 1, valid: true });
    expect(decodeLockCount(-4, 1, true)).toEqual({ locked: true, waiters: 0, valid: true }); // a waiter was woken (bit 1 clear)
    expect(decodeLockCount(-10, 2, true)).toEqual({ locked: true, waiters: 2, valid: true });
    expect(decodeLockCount(-5, 0, true)).toEqual({ locked: false, waiters: 1, valid: true }); // released, a waiter not yet woken
    expect(decodeLockCount(0xfffffffa, 1, true)).toEqual({ locked: true, waiters: 1, valid: true }); // read as unsigned
  });

  it("rejects values that no live Vista+ critical section has (zeroed or garbage memory)", () => {
    expect(decodeLockCount(0, 0, true).valid).toBe(false);
    expect(decodeLockCount(0x41414141, 0, true).valid).toBe(false);
  });

  it("decodes the pre-Vista encoding", () => {
    expect(decodeLockCount(-1, 0, false)).toEqual({ locked: false, waiters: 0, valid: true });
    expect(decodeLockCount(0, 1, false)).toEqual({ locked: true, waiters: 0, valid: true });
    expect(decodeLockCount(1, 1, false)).toEqual({ locked: true, waiters: 1, valid: true });
    expect(decodeLockCount(2, 2, false)).toEqual({ locked: true, waiters: 1, valid: true }); // one recursive entry, one waiter
    expect(decodeLockCount(-7, 0, false).valid).toBe(false);
  });
});

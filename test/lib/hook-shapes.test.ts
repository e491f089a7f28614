import { describe, expect, it } from "vitest";
import { bytesText, hookForm, isSyscallStub } from "../../src/lib/hook-shapes";

describe("hookForm", () => {
  const at: [number, number] = [0x7ff8, 0x10001000];
  it("computes the targets of direct jumps and calls", () => {
    expect(hookForm([0xe9, 0xfb, 0x0f, 0x00, 0x00], at[0], at[1], "x64")).toEqual({ shape: "jmp", target: [0x7ff8, 0x10002000], slot: undefined, length: 5 });
    expect(hookForm([0xe9, 0xfb, 0xff, 0xff, 0xff], at[0], at[1], "x64")!.target).toEqual([0x7ff8, 0x10001000]);
    expect(hookForm([0xe8, 0x00, 0x00, 0x00, 0x80], 0, 0x10, "x86")!.target).toEqual([0xffffffff, 0x80000015]);
    expect(hookForm([0xeb, 0xf9], 0, 0x1000, "x86")).toMatchObject({ shape: "short jmp", target: [0, 0x0ffb] });
    expect(hookForm([0x68, 0x78, 0x56, 0x34, 0x12, 0xc3], 0, 0, "x86")).toMatchObject({ shape: "push/ret", target: [0, 0x12345678] });
    expect(hookForm([0x48, 0xb8, 1, 2, 3, 4, 5, 6, 0, 0, 0xff, 0xe0], 0, 0, "x64")).toMatchObject({ shape: "mov/jmp reg", target: [0x0605, 0x04030201] });
    expect(hookForm([0x49, 0xbb, 1, 0, 0, 0, 0, 0, 0, 0, 0x41, 0xff, 0xe3], 0, 0, "x64")).toMatchObject({ shape: "mov/jmp reg", target: [0, 1] });
  });

  it("gives the pointer slot of jmp/call [mem]: RIP-relative on x64, absolute on x86", () => {
    expect(hookForm([0xff, 0x25, 0x10, 0, 0, 0], at[0], at[1], "x64")).toEqual({ shape: "jmp [mem]", target: undefined, slot: [0x7ff8, 0x10001016], length: 6 });
    expect(hookForm([0xff, 0x15, 0x00, 0x20, 0x40, 0x00], 0, 0x401000, "x86")).toMatchObject({ shape: "call [mem]", slot: [0, 0x402000] });
  });

  it("sees breakpoints, leaves ordinary prologues and ARM64 alone, and checks system-call stubs", () => {
    expect(hookForm([0xcc], 0, 0, "x64")!.shape).toBe("int3");
    expect(hookForm([0x48, 0x89, 0x5c, 0x24, 0x08], 0, 0, "x64")).toBeUndefined();
    expect(hookForm([0x8b, 0xff, 0x55], 0, 0, "x86")).toBeUndefined();
    expect(hookForm([0xe9, 0, 0, 0, 0], 0, 0, "arm64")).toBeUndefined();
    expect(hookForm([0xe9, 0], 0, 0, "x64")).toBeUndefined();
    expect([isSyscallStub([0x4c, 0x8b, 0xd1, 0xb8], "x64"), isSyscallStub([0xe9, 0, 0, 0], "x64"), isSyscallStub([0xb8, 1], "x86")]).toEqual([true, false, true]);
    expect(bytesText([0xe9, 0x0a, 0xff], 2)).toBe("e9 0a");
  });
});

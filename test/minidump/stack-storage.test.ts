/** A thread's stack is readable wherever the writer put its bytes: memory list, Memory64List, or only behind the thread descriptor. */
import { describe, expect, it } from "vitest";
import { synthMinidump } from "../../src/minidump-synth";
import { bufferSource } from "../../src/minidump/byte-source";
import { Minidump } from "../../src/minidump/reader";

describe.each(["memory-list", "memory64", "thread-only"] as const)("stacks stored as %s", (stackStorage) => {
  it("reads back the stack words through readMemory", () => {
    const words = [0x1111n, 0x7ff6_1000_1234n, 0xdeadbeefn];
    const bytes = synthMinidump({ arch: "x64", stackStorage })
      .thread({ id: 0x10, stack: { start: 0xe8_0000_0000n, size: 0x100, words } })
      .build();
    const dump = Minidump.open(bufferSource(bytes));
    const b = dump.readMemory(0xe8_0000_0008n, 8);
    expect(b && new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)).toBe(0x7ff6_1000_1234n);
    expect(dump.readMemory(0xe8_0000_0000n, 0x101)).toBeUndefined();
    expect(dump.warnings).toEqual([]);
  });
});

/**
 * walkStack on hand-built memory: a Map of readable words (anything else is "not in the dump") and one or
 * two fake modules standing for code. Every expected frame is computed from the words written here.
 */
import { describe, expect, it } from "vitest";
import { foundByText, walkStack, type WalkArch, type WalkedFrame } from "../../src/runner/stack-walker";

interface Range { readonly base: bigint; readonly size: bigint }

/** Readable pointer-sized words; every other address is unreadable. */
class Words {
  private readonly map = new Map<bigint, bigint>();
  constructor(readonly word: bigint) {}
  /** `count` readable zero words from `start`. */
  region(start: bigint, count: number): this {
    for (let i = 0; i < count; i++) this.map.set(start + BigInt(i) * this.word, 0n);
    return this;
  }
  set(address: bigint, value: bigint): this {
    this.map.set(address, value);
    return this;
  }
  readonly readPointer = (address: bigint): bigint | undefined => this.map.get(address);
}

function walk(arch: WalkArch, registers: Record<string, bigint>, mem: Words, code: readonly Range[], maxFrames?: number): WalkedFrame[] {
  const isCode = (a: bigint) => code.some((r) => a >= r.base && a < r.base + r.size);
  return walkStack({ arch, registers, memory: { readPointer: mem.readPointer }, isCode, maxFrames });
}

const f = (ip: bigint, sp: bigint, fp: bigint | undefined, foundBy: WalkedFrame["foundBy"]): WalkedFrame => ({ ip, sp, fp, foundBy });

/** An address no test makes readable. */
const BAD = 0xdead_0000n;

// ---------------------------------------------------------------- x86

const APP32: Range = { base: 0x0040_0000n, size: 0x2d000n };
const K32: Range = { base: 0x7c80_0000n, size: 0xf4000n };
const STACK32 = 0x0012_f000n;
const stack32 = () => new Words(4n).region(STACK32, 0x400); // 0x12f000 .. 0x130000

describe("x86: the frame-pointer chain", () => {
  const EIP0 = APP32.base + 0x429en;
  const EBP0 = 0x0012_fe88n;
  const ESP0 = 0x0012_fe84n;
  const EBP1 = 0x0012_ff70n;
  const EBP2 = 0x0012_ffc0n;
  const EBP3 = 0x0012_fff0n;
  const RET1 = APP32.base + 0x4200n;
  const RET2 = APP32.base + 0x53ecn;
  const RET3 = K32.base + 0x16fd7n;
  const chain = () => stack32()
    .set(EBP0, EBP1).set(EBP0 + 4n, RET1)
    .set(EBP1, EBP2).set(EBP1 + 4n, RET2)
    .set(EBP2, EBP3).set(EBP2 + 4n, RET3);

  it("follows ebp (eip = [ebp+4], esp = ebp+8, ebp = [ebp]) until a return address below 0x1000", () => {
    const frames = walk("x86", { eip: EIP0, esp: ESP0, ebp: EBP0 }, chain(), [APP32, K32]);
    expect(frames).toEqual([
      f(EIP0, ESP0, EBP0, "context"),
      f(RET1, EBP0 + 8n, EBP1, "frame-pointer"),
      f(RET2, EBP1 + 8n, EBP2, "frame-pointer"),
      f(RET3, EBP2 + 8n, EBP3, "frame-pointer"), // [EBP3] and [EBP3+4] are 0: eip 0 ends the walk
    ]);
  });

  it("ends at eip 0xfff but takes 0x1000 (the chain does not require code)", () => {
    const low = walk("x86", { eip: EIP0, esp: ESP0, ebp: EBP0 }, chain().set(EBP1 + 4n, 0xfffn), [APP32, K32]);
    expect(low.map((x) => x.ip)).toEqual([EIP0, RET1]);
    const edge = walk("x86", { eip: EIP0, esp: ESP0, ebp: EBP0 }, chain().set(EBP1 + 4n, 0x1000n), [APP32, K32]);
    expect(edge.map((x) => x.ip)).toEqual([EIP0, RET1, 0x1000n, RET3]);
  });

  it("ends when esp stops growing: a record pointing to itself, or below the previous one", () => {
    const loop = walk("x86", { eip: EIP0, esp: ESP0, ebp: EBP0 }, chain().set(EBP1, EBP1), [APP32, K32]);
    // Frame 2 has esp EBP1+8 and ebp EBP1; frame 3 would have the same esp.
    expect(loop).toEqual([f(EIP0, ESP0, EBP0, "context"), f(RET1, EBP0 + 8n, EBP1, "frame-pointer"), f(RET2, EBP1 + 8n, EBP1, "frame-pointer")]);
    const down = walk("x86", { eip: EIP0, esp: ESP0, ebp: EBP0 }, chain().set(EBP1, EBP0 - 0x20n).set(EBP0 - 0x1cn, RET3), [APP32, K32]);
    // Frame 3 would return to RET3 (code) with esp EBP0-0x18, below frame 2's.
    expect(down.map((x) => x.sp)).toEqual([ESP0, EBP0 + 8n, EBP1 + 8n]);
  });

  it("accepts an unchanged esp on the first unwind only, and ends when the first caller's esp is below", () => {
    const equal = walk("x86", { eip: EIP0, esp: EBP0 + 8n, ebp: EBP0 }, chain(), [APP32, K32]);
    expect(equal).toHaveLength(4);
    expect(equal[1]).toEqual(f(RET1, EBP0 + 8n, EBP1, "frame-pointer"));
    // esp above ebp+8: the first frame-pointer frame breaks the invariant, and no scan replaces it.
    const below = walk("x86", { eip: EIP0, esp: EBP0 + 12n, ebp: EBP0 }, chain().set(EBP0 + 16n, RET2), [APP32, K32]);
    expect(below).toEqual([f(EIP0, EBP0 + 12n, EBP0, "context")]);
  });
});

describe("x86: scanning when [ebp] is unreadable", () => {
  const EIP0 = APP32.base + 0x1000n;
  const ESP0 = STACK32 + 0x100n;
  const RET1 = APP32.base + 0x1234n;
  const RET2 = K32.base + 0x100n;
  // [ESP0] the module's base (not a return address), [ESP0+4] data, [ESP0+8] the saved ebp, [ESP0+12] the return address.
  const L = ESP0 + 12n;
  const CHAIN = L - 4n; // the word below the return address
  const scanStack = (saved: bigint) => stack32().set(ESP0, APP32.base).set(ESP0 + 4n, 0x1234_5678n).set(CHAIN, saved).set(L, RET1);

  it("finds the return address and restores ebp from the word below it, then follows that chain", () => {
    const SAVED = STACK32 + 0x300n;
    const mem = scanStack(SAVED).set(SAVED + 4n, RET2); // [SAVED] = 0
    expect(walk("x86", { eip: EIP0, esp: ESP0, ebp: BAD }, mem, [APP32, K32])).toEqual([
      f(EIP0, ESP0, BAD, "context"),
      f(RET1, L + 4n, SAVED, "scan"),
      f(RET2, SAVED + 8n, 0n, "frame-pointer"),
    ]);
  });

  it.each([
    ["below its slot", CHAIN - 4n, false],
    ["equal to its slot", CHAIN, false],
    ["128 KiB above its slot", CHAIN + 0x20000n, true],
    ["128 KiB + 4 above its slot", CHAIN + 0x20004n, false],
  ])("restores ebp only from a plausible chain: %s", (_what, saved, restored) => {
    const frames = walk("x86", { eip: EIP0, esp: ESP0, ebp: BAD }, scanStack(saved), [APP32, K32]);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toEqual(f(RET1, L + 4n, restored ? saved : BAD, "scan"));
  });

  it("stops scanning at the first unreadable word", () => {
    const mem = new Words(4n).region(ESP0, 4).set(ESP0 + 20n, RET1); // ESP0+16 missing
    expect(walk("x86", { eip: EIP0, esp: ESP0, ebp: BAD }, mem, [APP32])).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- x64

const APP64: Range = { base: 0x7ff6_1000_0000n, size: 0x20000n };
const NT64: Range = { base: 0x7ffb_2000_0000n, size: 0x1f0000n };
const STACK64 = 0x0000_00e8_000f_e000n;
const RSP0 = STACK64 + 0x800n;
const RIP0 = APP64.base + 0x1234n;
const stack64 = () => new Words(8n).region(STACK64, 0x400); // 0x2000 bytes

describe("x64: the leaf rule, then scanning", () => {
  const RET1 = APP64.base + 0x1500n;
  const RET2 = NT64.base + 0x5aa58n;

  it("takes a return address at [rsp] as a leaf's caller (rbp kept), then scans", () => {
    const mem = stack64().set(RSP0, RET1).set(RSP0 + 0x28n, RET2);
    expect(walk("x64", { rip: RIP0, rsp: RSP0, rbp: 0n }, mem, [APP64, NT64])).toEqual([
      f(RIP0, RSP0, 0n, "context"),
      f(RET1, RSP0 + 8n, 0n, "leaf"),
      f(RET2, RSP0 + 0x30n, undefined, "scan"), // rbp 0 is neither the slot below nor above the return address
    ]);
  });

  it("takes [rsp+8] as a leaf too, [rsp+16] only by scanning", () => {
    const at8 = walk("x64", { rip: RIP0, rsp: RSP0, rbp: 0n }, stack64().set(RSP0 + 8n, RET1), [APP64]);
    expect(at8[1]).toEqual(f(RET1, RSP0 + 16n, 0n, "leaf"));
    const at16 = walk("x64", { rip: RIP0, rsp: RSP0, rbp: 0n }, stack64().set(RSP0 + 16n, RET1), [APP64]);
    expect(at16[1]).toEqual(f(RET1, RSP0 + 24n, undefined, "scan"));
  });

  it("applies the leaf rule to the context frame only", () => {
    const frames = walk("x64", { rip: RIP0, rsp: RSP0, rbp: 0n }, stack64().set(RSP0, RET1).set(RSP0 + 8n, RET2), [APP64, NT64]);
    expect(frames.map((x) => [x.ip, x.sp, x.foundBy])).toEqual([[RIP0, RSP0, "context"], [RET1, RSP0 + 8n, "leaf"], [RET2, RSP0 + 16n, "scan"]]);
  });

  it("does not take a module's base as a return address, but takes one past its end", () => {
    const END = APP64.base + APP64.size;
    const mem = stack64().set(RSP0, APP64.base).set(RSP0 + 0x10n, APP64.base).set(RSP0 + 0x18n, END);
    expect(walk("x64", { rip: RIP0, rsp: RSP0, rbp: 0n }, mem, [APP64, NT64])).toEqual([
      f(RIP0, RSP0, 0n, "context"),
      f(END, RSP0 + 0x20n, undefined, "scan"),
    ]);
  });

  it("does not follow an rbp chain: the lowest return address wins, rbp is only carried", () => {
    const L1 = RSP0 + 0x40n;
    const RBP0 = RSP0 + 0x100n;
    const RBP1 = RSP0 + 0x200n;
    const mem = stack64().set(L1, RET1).set(RBP0, RBP1).set(RBP0 + 8n, RET2);
    expect(walk("x64", { rip: RIP0, rsp: RSP0, rbp: RBP0 }, mem, [APP64, NT64])).toEqual([
      f(RIP0, RSP0, RBP0, "context"),
      f(RET1, L1 + 8n, RBP0, "scan"), // rbp above the return address: kept
      f(RET2, RBP0 + 16n, RBP1, "scan"), // found just above rbp: rbp = [rbp], which is above the return address
    ]);
  });

  describe("rbp carried into a scanned frame (return address at L = rsp+0x40)", () => {
    const L = RSP0 + 0x40n;
    it.each([
      ["rbp = L-8, [rbp] above L: the saved rbp", L - 8n, L + 0x100n, L + 0x100n],
      ["rbp = L-8, [rbp] = L: none", L - 8n, L, undefined],
      ["rbp = L-8, [rbp] below L: none", L - 8n, L - 0x20n, undefined],
      ["rbp = L+8: kept", L + 8n, 0n, L + 8n],
      ["rbp = L: none", L, 0n, undefined],
      ["rbp = L-16: none", L - 16n, 0n, undefined],
    ])("%s", (_what, rbp, saved, expected) => {
      const mem = stack64().set(L, RET1);
      if (rbp !== L) mem.set(rbp, saved);
      const frames = walk("x64", { rip: RIP0, rsp: RSP0, rbp }, mem, [APP64]);
      expect(frames[1]).toEqual(f(RET1, L + 8n, expected, "scan"));
    });
  });
});

// ---------------------------------------------------------------- the scan window, every architecture

describe.each([
  ["x86", 4n, { eip: APP32.base + 0x10n, esp: STACK32 + 0x100n, ebp: BAD }, APP32, STACK32],
  ["x64", 8n, { rip: RIP0, rsp: RSP0, rbp: BAD }, APP64, STACK64],
  ["arm64", 8n, { pc: 0x7ff7_0000_1000n, sp: 0x50_0000_0100n, fp: BAD, lr: 0x7ff7_0000_2000n }, { base: 0x7ff7_0000_0000n, size: 0x10000n }, 0x50_0000_0000n],
] as const)("%s: the scan window (160 words for the context frame, 40 after, both inclusive)", (arch, word, registers, code, stackStart) => {
  const sp0 = Object.values(registers)[1]!;
  const RET = code.base + 0x1234n;
  const RET2 = code.base + 0x2345n;
  const mem = () => new Words(word).region(stackStart, 0x800);

  it("finds a return address 160 words above the stack pointer, not 161", () => {
    const at160 = walk(arch, registers, mem().set(sp0 + 160n * word, RET), [code]);
    expect(at160).toHaveLength(2);
    expect(at160[1]).toMatchObject({ ip: RET, sp: sp0 + 161n * word, foundBy: "scan" });
    expect(walk(arch, registers, mem().set(sp0 + 161n * word, RET), [code])).toHaveLength(1);
  });

  it("finds the next one 40 words above the scanned frame's stack pointer, not 41", () => {
    const sp1 = sp0 + 3n * word;
    const base = () => mem().set(sp1 - word, RET);
    const at40 = walk(arch, registers, base().set(sp1 + 40n * word, RET2), [code]);
    expect(at40.map((x) => [x.ip, x.sp, x.foundBy])).toEqual([[Object.values(registers)[0], sp0, "context"], [RET, sp1, "scan"], [RET2, sp1 + 41n * word, "scan"]]);
    expect(walk(arch, registers, base().set(sp1 + 41n * word, RET2), [code])).toHaveLength(2);
  });
});

// ---------------------------------------------------------------- ARM64

describe("ARM64: the frame-pointer chain", () => {
  const M: Range = { base: 0x7ff7_0000_0000n, size: 0x10000n };
  const S = 0x0000_0050_0000_0100n;
  const PC0 = M.base + 0x100n;
  const LR0 = M.base + 0x200n;
  const FP0 = S + 0x20n;
  const FP1 = S + 0x60n;
  const FP2 = S + 0x100n;
  const LR1 = M.base + 0x300n;
  const LR2 = M.base + 0x400n;
  const stack = () => new Words(8n).region(S - 0x100n, 0x200);

  it("pc = lr, then lr = [fp+8], fp = [fp], sp = fp+16, stripping pointer-authentication bits", () => {
    const mem = stack().set(FP0, FP1).set(FP0 + 8n, 0x002a_0000_0000_0000n | LR1).set(FP1, FP2).set(FP1 + 8n, LR2);
    expect(walk("arm64", { pc: PC0, sp: S, fp: FP0, lr: LR0 }, mem, [M])).toEqual([
      f(PC0, S, FP0, "context"),
      f(LR0, FP0 + 16n, FP1, "frame-pointer"),
      f(LR1, FP1 + 16n, FP2, "frame-pointer"),
      f(LR2, FP2 + 16n, 0n, "frame-pointer"), // [FP2] = [FP2+8] = 0: the next pc would be 0
    ]);
  });

  it("with fp 0, the caller is lr at the same sp (allowed on the first unwind), then the walk ends", () => {
    expect(walk("arm64", { pc: PC0, sp: S, fp: 0n, lr: LR0 }, stack(), [M])).toEqual([
      f(PC0, S, 0n, "context"),
      f(LR0, S, 0n, "frame-pointer"),
    ]);
  });

  it("falls back to a scan when [fp] is unreadable (the scanned frame keeps fp)", () => {
    const FOUND = M.base + 0x500n;
    const mem = stack().set(S + 0x18n, FOUND);
    expect(walk("arm64", { pc: PC0, sp: S, fp: BAD, lr: LR0 }, mem, [M])).toEqual([
      f(PC0, S, BAD, "context"),
      f(FOUND, S + 0x20n, BAD, "scan"),
    ]);
  });

  it("ends at a frame-pointer frame that breaks the invariants, with no scan after it", () => {
    const SCANNABLE = M.base + 0x600n;
    // fp below sp: the caller's sp (fp+16) would be below the context's.
    const below = stack().set(S - 0x40n, FP1).set(S - 0x38n, LR1).set(S + 0x10n, SCANNABLE);
    expect(walk("arm64", { pc: PC0, sp: S, fp: S - 0x40n, lr: LR0 }, below, [M])).toEqual([f(PC0, S, S - 0x40n, "context")]);
    // lr 0: the caller's pc is below 0x1000.
    const noLr = stack().set(FP0, FP1).set(FP0 + 8n, LR1).set(S + 0x10n, SCANNABLE);
    expect(walk("arm64", { pc: PC0, sp: S, fp: FP0, lr: 0n }, noLr, [M])).toEqual([f(PC0, S, FP0, "context")]);
  });
});

// ---------------------------------------------------------------- limits

describe("limits", () => {
  const chain = (records: number) => {
    const mem = new Words(4n).region(STACK32, records * 4 + 16);
    for (let k = 0; k < records; k++) {
      const ebp = STACK32 + BigInt(k) * 0x10n;
      mem.set(ebp, ebp + 0x10n).set(ebp + 4n, APP32.base + 0x100n + BigInt(k));
    }
    return mem;
  };
  const regs = { eip: APP32.base + 0x10n, esp: STACK32, ebp: STACK32 };

  it("stops after 1024 frames", () => {
    const frames = walk("x86", regs, chain(1100), [APP32]);
    expect(frames).toHaveLength(1024);
    // Frame n (n >= 1) returns to the address in record n-1.
    expect(frames[1023]).toEqual(f(APP32.base + 0x100n + 1022n, STACK32 + 1022n * 0x10n + 8n, STACK32 + 1023n * 0x10n, "frame-pointer"));
  });

  it("takes maxFrames below the cap, never above it", () => {
    expect(walk("x86", regs, chain(1100), [APP32], 10)).toHaveLength(10);
    expect(walk("x86", regs, chain(1100), [APP32], 5000)).toHaveLength(1024);
  });

  it("returns nothing without an instruction pointer and a stack pointer", () => {
    const mem = stack64().set(RSP0, APP64.base + 0x10n);
    expect(walk("x64", {}, mem, [APP64])).toEqual([]);
    expect(walk("x64", { rip: RIP0 }, mem, [APP64])).toEqual([]);
    expect(walk("x64", { rsp: RSP0, rbp: 0n }, mem, [APP64])).toEqual([]);
    expect(walk("arm64", { pc: RIP0, fp: 0n, lr: 0n }, mem, [APP64])).toEqual([]);
  });

  it("names how each frame was found in Breakpad's words", () => {
    expect(["context", "frame-pointer", "leaf", "scan"].map((x) => foundByText(x as WalkedFrame["foundBy"]))).toEqual([
      "given as instruction pointer in context", "previous frame's frame pointer", "simulating a return from leaf function", "stack scanning",
    ]);
  });
});

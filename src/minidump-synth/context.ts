/**
 * Thread CONTEXT records for the synthetic minidump writer (minidump-synth.ts): the winnt.h layouts of
 * x86 (CONTEXT, 0x2cc bytes), AMD64 (CONTEXT, 0x4d0 bytes) and ARM64 (ARM64_NT_CONTEXT, 0x390 bytes),
 * with registers addressed by WinDbg's names. Written from the public layouts, not from the reader.
 */

export type SynthArch = "x86" | "x64" | "arm64";

/** A register's place in a CONTEXT: byte offset and width (2, 4, 8 or 16 bytes). Some registers have two places (MxCsr). */
export interface RegisterSlot {
  readonly offset: number;
  readonly width: 2 | 4 | 8 | 16;
}

export const CONTEXT_SIZE: Readonly<Record<SynthArch, number>> = { x86: 0x2cc, x64: 0x4d0, arm64: 0x390 };

/** CONTEXT_i386 0x10000, CONTEXT_AMD64 0x100000, CONTEXT_ARM64 0x400000 (the architecture bit of ContextFlags). */
export const CONTEXT_ARCH_FLAG: Readonly<Record<SynthArch, number>> = { x86: 0x10000, x64: 0x100000, arm64: 0x400000 };

/**
 * Default ContextFlags: x86/x64 arch | CONTROL 1 | INTEGER 2 | SEGMENTS 4 | FLOATING_POINT 8;
 * ARM64 arch | CONTROL 1 | INTEGER 2 | FLOATING_POINT 4 (ARM64 has no SEGMENTS; 8 is DEBUG there).
 */
export const DEFAULT_CONTEXT_FLAGS: Readonly<Record<SynthArch, number>> = { x86: 0x1000f, x64: 0x10000f, arm64: 0x400007 };

/** Offset of ContextFlags inside the CONTEXT (AMD64 starts with six 8-byte home slots). */
export const CONTEXT_FLAGS_OFFSET: Readonly<Record<SynthArch, number>> = { x86: 0, x64: 0x30, arm64: 0 };

/** Values written when a test gives none: user-mode selectors, IF set in EFLAGS, the default MXCSR. */
export const DEFAULT_REGISTERS: Readonly<Record<SynthArch, Readonly<Record<string, bigint>>>> = {
  x64: { cs: 0x33n, ds: 0x2bn, es: 0x2bn, fs: 0x53n, gs: 0x2bn, ss: 0x2bn, efl: 0x202n, mxcsr: 0x1f80n },
  x86: { cs: 0x1bn, ds: 0x23n, es: 0x23n, fs: 0x3bn, gs: 0n, ss: 0x23n, efl: 0x202n },
  arm64: {},
};

function slot(offset: number, width: RegisterSlot["width"]): readonly RegisterSlot[] {
  return [{ offset, width }];
}

function x86Slots(): Record<string, readonly RegisterSlot[]> {
  // ContextFlags 0, Dr0..Dr3 4..0x10, Dr6 0x14, Dr7 0x18, FloatSave (FLOATING_SAVE_AREA, 112 bytes) 0x1c,
  // SegGs 0x8c, SegFs, SegEs, SegDs, Edi 0x9c, Esi, Ebx, Edx, Ecx, Eax 0xb0, Ebp 0xb4, Eip 0xb8,
  // SegCs 0xbc, EFlags 0xc0, Esp 0xc4, SegSs 0xc8, ExtendedRegisters[512] 0xcc.
  const s: Record<string, readonly RegisterSlot[]> = {
    dr0: slot(0x04, 4), dr1: slot(0x08, 4), dr2: slot(0x0c, 4), dr3: slot(0x10, 4), dr6: slot(0x14, 4), dr7: slot(0x18, 4),
    fpcw: slot(0x1c, 4), fpsw: slot(0x20, 4), fptw: slot(0x24, 4),
    gs: slot(0x8c, 4), fs: slot(0x90, 4), es: slot(0x94, 4), ds: slot(0x98, 4),
    edi: slot(0x9c, 4), esi: slot(0xa0, 4), ebx: slot(0xa4, 4), edx: slot(0xa8, 4), ecx: slot(0xac, 4), eax: slot(0xb0, 4),
    ebp: slot(0xb4, 4), eip: slot(0xb8, 4), cs: slot(0xbc, 4), efl: slot(0xc0, 4), esp: slot(0xc4, 4), ss: slot(0xc8, 4),
  };
  return s;
}

function x64Slots(): Record<string, readonly RegisterSlot[]> {
  // P1Home..P6Home 0..0x28, ContextFlags 0x30, MxCsr 0x34, SegCs 0x38 .. SegSs 0x42 (USHORT), EFlags 0x44,
  // Dr0..Dr3, Dr6, Dr7 0x48..0x70, Rax 0x78, Rcx, Rdx, Rbx, Rsp 0x98, Rbp 0xa0, Rsi, Rdi, R8..R15 0xb8..0xf0,
  // Rip 0xf8, FltSave (XMM_SAVE_AREA32, 512 bytes) 0x100: MxCsr at +0x18, XmmRegisters[16] at +0xa0.
  const s: Record<string, readonly RegisterSlot[]> = {
    mxcsr: [{ offset: 0x34, width: 4 }, { offset: 0x100 + 0x18, width: 4 }],
    cs: slot(0x38, 2), ds: slot(0x3a, 2), es: slot(0x3c, 2), fs: slot(0x3e, 2), gs: slot(0x40, 2), ss: slot(0x42, 2),
    efl: slot(0x44, 4),
    dr0: slot(0x48, 8), dr1: slot(0x50, 8), dr2: slot(0x58, 8), dr3: slot(0x60, 8), dr6: slot(0x68, 8), dr7: slot(0x70, 8),
    rip: slot(0xf8, 8),
  };
  const gprs = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
  gprs.forEach((name, i) => { s[name] = slot(0x78 + 8 * i, 8); });
  for (let i = 0; i < 16; i++) s[`xmm${i}`] = slot(0x100 + 0xa0 + 16 * i, 16);
  return s;
}

function arm64Slots(): Record<string, readonly RegisterSlot[]> {
  // ContextFlags 0, Cpsr 4, X0..X28 8.., Fp (X29) 0xf0, Lr (X30) 0xf8, Sp 0x100, Pc 0x108, V[32] 0x110,
  // Fpcr 0x310, Fpsr 0x314, Bcr[8] 0x318, Bvr[8] 0x338, Wcr[2] 0x378, Wvr[2] 0x380.
  const s: Record<string, readonly RegisterSlot[]> = {
    cpsr: slot(0x04, 4), fp: slot(0xf0, 8), lr: slot(0xf8, 8), sp: slot(0x100, 8), pc: slot(0x108, 8),
    fpcr: slot(0x310, 4), fpsr: slot(0x314, 4),
  };
  for (let i = 0; i <= 28; i++) s[`x${i}`] = slot(0x08 + 8 * i, 8);
  s["x29"] = s["fp"]!;
  s["x30"] = s["lr"]!;
  for (let i = 0; i < 32; i++) s[`v${i}`] = slot(0x110 + 16 * i, 16);
  return s;
}

export const REGISTER_SLOTS: Readonly<Record<SynthArch, Readonly<Record<string, readonly RegisterSlot[]>>>> = {
  x86: x86Slots(),
  x64: x64Slots(),
  arm64: arm64Slots(),
};

/** WinDbg's names of the instruction, stack and frame pointers per architecture. */
export const POINTER_REGISTERS: Readonly<Record<SynthArch, { readonly ip: string; readonly sp: string; readonly fp: string }>> = {
  x86: { ip: "eip", sp: "esp", fp: "ebp" },
  x64: { ip: "rip", sp: "rsp", fp: "rbp" },
  arm64: { ip: "pc", sp: "sp", fp: "fp" },
};

function writeLE(bytes: Uint8Array, offset: number, width: number, value: bigint): void {
  let v = value;
  for (let i = 0; i < width; i++) {
    bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

export interface ContextSpec {
  readonly registers?: Readonly<Record<string, bigint>>;
  /** ContextFlags as written (default DEFAULT_CONTEXT_FLAGS[arch]). */
  readonly contextFlags?: number;
  /** Leave out DEFAULT_REGISTERS (default false). */
  readonly noDefaults?: boolean;
}

/** The merged register values a context will hold (defaults, then the test's values). */
export function contextRegisters(arch: SynthArch, spec: ContextSpec = {}): Record<string, bigint> {
  return { ...(spec.noDefaults ? {} : DEFAULT_REGISTERS[arch]), ...(spec.registers ?? {}) };
}

/** Encodes a CONTEXT for the architecture; throws on an unknown register name or a value wider than its slot. */
export function encodeContext(arch: SynthArch, spec: ContextSpec = {}): Uint8Array {
  const bytes = new Uint8Array(CONTEXT_SIZE[arch]);
  writeLE(bytes, CONTEXT_FLAGS_OFFSET[arch], 4, BigInt(spec.contextFlags ?? DEFAULT_CONTEXT_FLAGS[arch]));
  const slots = REGISTER_SLOTS[arch];
  for (const [rawName, value] of Object.entries(contextRegisters(arch, spec))) {
    const name = rawName.toLowerCase();
    const places = slots[name];
    if (!places) throw new Error(`minidump-synth: ${arch} context has no register "${rawName}" (known: ${Object.keys(slots).join(" ")})`);
    for (const p of places) {
      if (value < 0n || value >= 1n << BigInt(8 * p.width)) throw new Error(`minidump-synth: ${rawName}=0x${value.toString(16)} does not fit ${p.width} bytes`);
      writeLE(bytes, p.offset, p.width, value);
    }
  }
  return bytes;
}

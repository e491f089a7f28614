/**
 * Thread CONTEXT records (winnt.h layouts) for x86 (0x2cc bytes), AMD64 (0x4d0) and ARM64 (0x390), with
 * WinDbg register names, and the extended state that follows an x86/AMD64 CONTEXT when ContextFlags has
 * CONTEXT_XSTATE: a CONTEXT_EX (three {Offset, Length} chunks relative to itself: All, Legacy, XState)
 * whose XState chunk is an XSAVE area header (Mask, CompactionMask, 48 reserved bytes) followed by the
 * extended components, in the compacted format when bit 63 of CompactionMask is set (Intel SDM vol. 1
 * ch. 13), else at their standard offsets.
 */
import { LeView, hex } from "./byte-source";
import type { DumpArch, ThreadContext } from "./types";

export const CONTEXT_SIZE: Readonly<Record<"x86" | "x64" | "arm64", number>> = { x86: 0x2cc, x64: 0x4d0, arm64: 0x390 };
/** Bytes needed for the general registers: through SegSs (x86), Rip (x64), Pc (arm64). */
const MIN_SIZE: Readonly<Record<"x86" | "x64" | "arm64", number>> = { x86: 0xcc, x64: 0x100, arm64: 0x110 };

const CONTEXT_I386 = 0x10000;
const CONTEXT_AMD64 = 0x100000;
const CONTEXT_ARM64 = 0x400000;
const CONTEXT_XSTATE_BIT = 0x40;
const COMPACTED = 1n << 63n;

/** One XSAVE component's place in the standard layout (offset from the XSAVE start) and its size. */
export interface XStateFeature {
  readonly offset: number;
  readonly size: number;
}

/** Standard-format offsets and sizes of the user components (CPUID leaf 0xD values on current CPUs). */
const KNOWN_FEATURES: ReadonlyMap<number, XStateFeature> = new Map([
  [2, { offset: 576, size: 256 }], // AVX (YMM_Hi128)
  [3, { offset: 960, size: 64 }], // MPX BNDREGS
  [4, { offset: 1024, size: 64 }], // MPX BNDCSR
  [5, { offset: 1088, size: 64 }], // AVX-512 opmask
  [6, { offset: 1152, size: 512 }], // AVX-512 ZMM_Hi256
  [7, { offset: 1664, size: 1024 }], // AVX-512 Hi16_ZMM
  [8, { offset: 0, size: 128 }], // PT (supervisor)
  [9, { offset: 2688, size: 8 }], // PKRU
  [10, { offset: 0, size: 8 }], // PASID (supervisor)
  [11, { offset: 0, size: 16 }], // CET_U (supervisor): U_CET MSR, PL3_SSP
  [12, { offset: 0, size: 24 }], // CET_S (supervisor)
  [13, { offset: 0, size: 8 }], // HDC
  [14, { offset: 0, size: 48 }], // UINTR
  [16, { offset: 0, size: 8 }], // HWP
  [17, { offset: 2752, size: 64 }], // AMX TILECFG
  [18, { offset: 2816, size: 8192 }], // AMX TILEDATA
]);
/** Components that start on a 64-byte boundary in the compacted format. */
const ALIGNED_FEATURES = new Set([17, 18]);

export function xstateFeatureName(bit: number): string {
  if (bit === 0) return "x87";
  if (bit === 1) return "SSE";
  if (bit === 2) return "AVX";
  if (bit === 3 || bit === 4) return "MPX";
  if (bit >= 5 && bit <= 7) return "AVX-512";
  if (bit === 9) return "PKRU";
  if (bit === 11) return "CET_U";
  if (bit === 12) return "CET_S";
  return `bit${bit}`;
}

function featureNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 63; bit++) {
    if ((mask >> BigInt(bit)) & 1n) {
      const name = xstateFeatureName(bit);
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

/**
 * The architecture a context's flags claim: exactly one CPU bit (CONTEXT_i386 / _AMD64 / _ARM64) among bits
 * 8..26, ignoring the low feature bits and the high CONTEXT_EXCEPTION_* / UNWOUND_TO_CALL status bits.
 */
export function archFromContextFlags(flags: number): DumpArch {
  const cpu = flags & 0x07ffff00;
  return cpu === CONTEXT_AMD64 ? "x64" : cpu === CONTEXT_ARM64 ? "arm64" : cpu === CONTEXT_I386 ? "x86" : "unknown";
}

/** Guess a context's architecture without SystemInfo: its flags first, its size second. */
export function guessContextArch(bytes: Uint8Array): DumpArch {
  const v = new LeView(bytes);
  const at0 = v.has(0, 4) ? archFromContextFlags(v.u32(0)) : "unknown";
  const at30 = v.has(0x30, 4) ? archFromContextFlags(v.u32(0x30)) : "unknown";
  if (at30 === "x64" && bytes.length >= CONTEXT_SIZE.x64) return "x64";
  if (at0 === "x86" || at0 === "arm64") return at0;
  if (at30 === "x64") return "x64";
  if (bytes.length >= CONTEXT_SIZE.x64) return "x64";
  if (bytes.length >= CONTEXT_SIZE.arm64) return "arm64";
  if (bytes.length >= CONTEXT_SIZE.x86) return "x86";
  return "unknown";
}

const X86_REGS: readonly [string, number][] = [
  ["gs", 0x8c], ["fs", 0x90], ["es", 0x94], ["ds", 0x98], ["edi", 0x9c], ["esi", 0xa0], ["ebx", 0xa4], ["edx", 0xa8],
  ["ecx", 0xac], ["eax", 0xb0], ["ebp", 0xb4], ["eip", 0xb8], ["cs", 0xbc], ["efl", 0xc0], ["esp", 0xc4], ["ss", 0xc8],
  ["dr0", 0x04], ["dr1", 0x08], ["dr2", 0x0c], ["dr3", 0x10], ["dr6", 0x14], ["dr7", 0x18],
];
const X64_REGS64: readonly [string, number][] = [
  ["rax", 0x78], ["rcx", 0x80], ["rdx", 0x88], ["rbx", 0x90], ["rsp", 0x98], ["rbp", 0xa0], ["rsi", 0xa8], ["rdi", 0xb0],
  ["r8", 0xb8], ["r9", 0xc0], ["r10", 0xc8], ["r11", 0xd0], ["r12", 0xd8], ["r13", 0xe0], ["r14", 0xe8], ["r15", 0xf0],
  ["rip", 0xf8], ["dr0", 0x48], ["dr1", 0x50], ["dr2", 0x58], ["dr3", 0x60], ["dr6", 0x68], ["dr7", 0x70],
];
const X64_SEGS: readonly [string, number][] = [["cs", 0x38], ["ds", 0x3a], ["es", 0x3c], ["fs", 0x3e], ["gs", 0x40], ["ss", 0x42]];

export interface ContextOptions {
  /** XSAVE component offsets/sizes from MINIDUMP_MISC_INFO_5's XStateData (index → feature). */
  readonly xstateFeatures?: ReadonlyMap<number, XStateFeature>;
  readonly warn: (message: string) => void;
  /** Names the context in warnings ("thread 0x1a2c", "the exception"). */
  readonly what: string;
}

/** Parse one CONTEXT record of a known architecture; undefined (and a warning) when it is too short. */
export function parseContext(bytes: Uint8Array, arch: DumpArch, opts: ContextOptions): ThreadContext | undefined {
  if (arch === "unknown") {
    opts.warn(`${opts.what}: context of unknown architecture (${bytes.length} bytes) not parsed`);
    return undefined;
  }
  if (bytes.length < MIN_SIZE[arch]) {
    opts.warn(`${opts.what}: ${arch} context is ${bytes.length} bytes, shorter than the ${MIN_SIZE[arch]} bytes its registers need`);
    return undefined;
  }
  const v = new LeView(bytes);
  const registers: Record<string, bigint> = {};
  let contextFlags: number;
  if (arch === "x86") {
    contextFlags = v.u32(0);
    for (const [name, off] of X86_REGS) registers[name] = BigInt(v.u32(off));
  } else if (arch === "x64") {
    contextFlags = v.u32(0x30);
    for (const [name, off] of X64_REGS64) registers[name] = v.u64(off);
    for (const [name, off] of X64_SEGS) registers[name] = BigInt(v.u16(off));
    registers.efl = BigInt(v.u32(0x44));
    registers.mxcsr = BigInt(v.u32(0x34));
  } else {
    contextFlags = v.u32(0);
    registers.cpsr = BigInt(v.u32(4));
    for (let i = 0; i < 29; i++) registers[`x${i}`] = v.u64(8 + i * 8);
    registers.fp = v.u64(240);
    registers.lr = v.u64(248);
    registers.sp = v.u64(256);
    registers.pc = v.u64(264);
  }
  const xstate = arch === "arm64" ? undefined : parseXState(v, arch, contextFlags, opts);
  return xstate ? { arch, contextFlags, registers, xstate } : { arch, contextFlags, registers };
}

type XState = NonNullable<ThreadContext["xstate"]> & {
  /** Components laid out in the area (CompactionMask without bit 63, or Mask in the standard format). */
  readonly saved: bigint;
  readonly compacted: boolean;
};

function parseXState(v: LeView, arch: "x86" | "x64", flags: number, opts: ContextOptions): XState | undefined {
  const base = CONTEXT_SIZE[arch];
  if (!(flags & CONTEXT_XSTATE_BIT) || v.length <= base) return undefined;
  if (!v.has(base, 24)) {
    opts.warn(`${opts.what}: CONTEXT_XSTATE is set but the ${v.length}-byte context has no room for CONTEXT_EX`);
    return undefined;
  }
  const xOff = base + v.i32(base + 16);
  const xLen = v.u32(base + 20);
  if (xOff < base || xLen < 64 || !v.has(xOff, 64)) {
    opts.warn(`${opts.what}: CONTEXT_EX XState chunk (offset ${xOff - base}, ${xLen} bytes) is outside the ${v.length}-byte context`);
    return undefined;
  }
  const areaEnd = Math.min(v.length, xOff + xLen);
  if (xOff + xLen > v.length) opts.warn(`${opts.what}: CONTEXT_EX XState chunk runs ${xOff + xLen - v.length} bytes past the context; cut`);
  const mask = v.u64(xOff);
  const compaction = v.u64(xOff + 8);
  const compacted = (compaction & COMPACTED) !== 0n;
  const saved = compacted ? compaction & ~COMPACTED : mask;
  const feature = (i: number): XStateFeature | undefined => {
    const f = opts.xstateFeatures?.get(i);
    return f && f.size > 0 ? f : KNOWN_FEATURES.get(i);
  };
  /** Offset of component `bit` from the XSAVE area start, or undefined when it cannot be located. */
  const locate = (bit: number): number | undefined => {
    if (!((saved >> BigInt(bit)) & 1n)) return undefined;
    if (!compacted) {
      const f = feature(bit);
      return f && f.offset >= 576 ? f.offset : undefined;
    }
    let off = 576;
    for (let i = 2; i < 63; i++) {
      if (!((saved >> BigInt(i)) & 1n)) continue;
      if (ALIGNED_FEATURES.has(i)) off = (off + 63) & ~63;
      if (i === bit) return off;
      const f = feature(i);
      if (!f) return undefined;
      off += f.size;
    }
    return undefined;
  };
  const result: { mask: bigint; features: string[]; saved: bigint; compacted: boolean; ssp?: bigint } = {
    mask,
    features: featureNames(mask),
    saved,
    compacted,
  };
  const cetOff = locate(11);
  if (cetOff !== undefined) {
    // The area starts with the 64-byte header, which sits at offset 512 of an XSAVE image.
    const at = xOff + (cetOff - 512);
    if (at + 16 <= areaEnd) result.ssp = (mask >> 11n) & 1n ? v.u64(at + 8) : 0n;
    else opts.warn(`${opts.what}: CET_U state at ${hex(at)} lies outside the XState chunk`);
  }
  return result;
}

/**
 * The first bytes of a function read as a control transfer, the way SwishDbgExt classifies hooks
 * (`GetPointerHookType`): `E9 rel32` jmp, `EB rel8` short jmp, `E8 rel32` call, `68 imm32 C3` push/ret,
 * `FF 25` jmp [mem] and `FF 15` call [mem] (RIP-relative on x64, absolute on x86), `48 B8 imm64 FF E0`
 * (mov rax; jmp rax), `49 BB imm64 41 FF E3` (mov r11; jmp r11), `48 B8 imm64 50 C3` (mov rax; push; ret), and
 * `CC` (a breakpoint). Targets are computed as (hi, lo) halves; `[mem]` forms give the slot to read.
 */
import type { CallArch } from "./call-site";

export type HookShape = "jmp" | "short jmp" | "call" | "push/ret" | "jmp [mem]" | "call [mem]" | "mov/jmp reg" | "int3";

export interface HookForm {
  readonly shape: HookShape;
  /** Where it jumps, when the bytes say (undefined for int3 and for [mem] forms until the slot is read). */
  readonly target: [number, number] | undefined;
  /** For `[mem]` forms: the address of the pointer that holds the target. */
  readonly slot: [number, number] | undefined;
  /** Bytes the form occupies. */
  readonly length: number;
}

function add(hi: number, lo: number, delta: number): [number, number] {
  let l = lo + delta;
  let h = hi;
  while (l >= 4294967296) { l -= 4294967296; h++; }
  while (l < 0) { l += 4294967296; h--; }
  return [h >>> 0, l >>> 0];
}

function s32(b: ArrayLike<number>, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) | 0;
}

function u32(b: ArrayLike<number>, o: number): number {
  return s32(b, o) >>> 0;
}

/** The control transfer at the start of `b` (code at address hi:lo), or undefined for an ordinary prologue. */
export function hookForm(b: ArrayLike<number>, hi: number, lo: number, arch: CallArch): HookForm | undefined {
  if (arch === "arm64" || b.length < 1) return undefined;
  const x0 = b[0]!;
  if (x0 === 0xcc) return { shape: "int3", target: undefined, slot: undefined, length: 1 };
  if (x0 === 0xe9 && b.length >= 5) return { shape: "jmp", target: add(hi, lo, 5 + s32(b, 1)), slot: undefined, length: 5 };
  if (x0 === 0xe8 && b.length >= 5) return { shape: "call", target: add(hi, lo, 5 + s32(b, 1)), slot: undefined, length: 5 };
  if (x0 === 0xeb && b.length >= 2) {
    const d = b[1]! >= 0x80 ? b[1]! - 0x100 : b[1]!;
    return { shape: "short jmp", target: add(hi, lo, 2 + d), slot: undefined, length: 2 };
  }
  if (x0 === 0x68 && b.length >= 6 && b[5] === 0xc3) {
    // push imm32 sign-extends on x64.
    const v = s32(b, 1);
    return { shape: "push/ret", target: arch === "x64" && v < 0 ? [0xffffffff, v >>> 0] : [0, v >>> 0], slot: undefined, length: 6 };
  }
  if (x0 === 0xff && b.length >= 6 && (b[1] === 0x25 || b[1] === 0x15)) {
    const slot: [number, number] = arch === "x64" ? add(hi, lo, 6 + s32(b, 2)) : [0, u32(b, 2)];
    return { shape: b[1] === 0x25 ? "jmp [mem]" : "call [mem]", target: undefined, slot, length: 6 };
  }
  if (arch === "x64" && b.length >= 12) {
    const imm: [number, number] = [u32(b, 6), u32(b, 2)];
    if (x0 === 0x48 && b[1] === 0xb8 && ((b[10] === 0xff && b[11] === 0xe0) || (b[10] === 0x50 && b[11] === 0xc3))) return { shape: "mov/jmp reg", target: imm, slot: undefined, length: 12 };
    if (x0 === 0x49 && b[1] === 0xbb && b.length >= 13 && b[10] === 0x41 && b[11] === 0xff && b[12] === 0xe3) return { shape: "mov/jmp reg", target: imm, slot: undefined, length: 13 };
  }
  return undefined;
}

/** Whether an ntdll `Nt*`/`Zw*` export starts like a system-call stub (`4C 8B D1 B8` on x64, `B8` on x86). */
export function isSyscallStub(b: ArrayLike<number>, arch: CallArch): boolean {
  if (arch === "x64") return b.length >= 4 && b[0] === 0x4c && b[1] === 0x8b && b[2] === 0xd1 && b[3] === 0xb8;
  if (arch === "x86") return b.length >= 1 && b[0] === 0xb8;
  return true;
}

export function bytesText(b: ArrayLike<number>, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < Math.min(n, b.length); i++) out.push((b[i]! < 16 ? "0" : "") + b[i]!.toString(16));
  return out.join(" ");
}

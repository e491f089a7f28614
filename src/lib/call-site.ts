/**
 * Is a code address a plausible return address? Only if the instruction right before it is a call.
 * x86/x64: `E8 rel32`, and `FF /2` (call near indirect) in all its ModRM/SIB/displacement forms, with an
 * optional REX prefix on x64. ARM64: BL, BLR and the pointer-authenticated BLRAA/BLRAB/…Z forms.
 * (Intel SDM vol. 2 "CALL"; Arm ARM C6 "BL", "BLR", "BLRAA".)
 */

export type CallArch = "x86" | "x64" | "arm64";

/** How many bytes before a return address to read for `endsWithCall`. */
export function callWindow(arch: CallArch): number {
  return arch === "arm64" ? 4 : 8;
}

/** Length of the x86/x64 call instruction starting at `start`, or 0 if none. */
function callLength(b: ArrayLike<number>, start: number, x64: boolean): number {
  let i = start;
  if (x64 && b[i]! >= 0x40 && b[i]! <= 0x4f) i++;
  const op = b[i];
  if (op === 0xe8) return i + 5 - start;
  if (op !== 0xff) return 0;
  const modrm = b[i + 1];
  if (modrm === undefined || ((modrm >> 3) & 7) !== 2) return 0;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  let len = 2;
  if (mod !== 3 && rm === 4) {
    const sib = b[i + 2];
    if (sib === undefined) return 0;
    len++;
    if (mod === 0 && (sib & 7) === 5) len += 4;
  }
  if (mod === 0 && rm === 5) len += 4;
  else if (mod === 1) len += 1;
  else if (mod === 2) len += 4;
  return i + len - start;
}

/**
 * True when `before` (the bytes immediately preceding a candidate return address, `callWindow(arch)`
 * of them) ends with a complete call instruction.
 */
export function endsWithCall(before: ArrayLike<number>, arch: CallArch): boolean {
  const n = before.length;
  if (arch === "arm64") {
    if (n < 4) return false;
    const w = (before[n - 4]! | (before[n - 3]! << 8) | (before[n - 2]! << 16) | (before[n - 1]! << 24)) >>> 0;
    if (((w & 0xfc000000) >>> 0) === 0x94000000) return true; // BL imm26
    if (((w & 0xfffffc1f) >>> 0) === 0xd63f0000) return true; // BLR Xn
    if (((w & 0xfefff800) >>> 0) === 0xd63f0800) return true; // BLRAA/BLRAB/BLRAAZ/BLRABZ
    return false;
  }
  const x64 = arch === "x64";
  for (let len = 2; len <= 7 && len <= n; len++) {
    if (callLength(before, n - len, x64) === len) return true;
  }
  return false;
}

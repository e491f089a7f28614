/**
 * Stack reconstruction for the Linux runner, without symbols or unwind tables: the context frame, then
 * per architecture the unwinding a symbol-less debugger does (the rules Breakpad's processor documents and
 * applies when it has no CFI, so our frames can be compared with its output):
 *
 * - x86: the frame-pointer chain (`eip = [ebp+4]`, `esp = ebp+8`, `ebp = [ebp]`) while `[ebp]` is readable,
 *   else a scan for a return address, restoring `ebp` from the word below it when that looks like a chain.
 * - x64 (Windows): the leaf rule for the context frame (a return address at `[rsp]` or `[rsp+8]`), then a
 *   scan; Windows x64 code does not keep frame pointers, so `rbp` chains are not followed.
 * - ARM64: the frame-pointer chain (`pc = lr`, `lr = [fp+8]`, `fp = [fp]`, `sp = fp+16`), else a scan.
 *
 * A scan looks at up to 40 words above the stack pointer (160 for the context frame) for a value whose
 * previous byte lies inside a loaded module (the return address follows its call instruction). A walk ends at an instruction pointer below 0x1000, when the stack pointer stops
 * growing, after 1024 frames, or after 1024 scanned frames.
 */

export type WalkArch = "x86" | "x64" | "arm64";
export type FoundBy = "context" | "frame-pointer" | "leaf" | "scan";

export interface WalkMemory {
  /** A pointer-sized little-endian value, or undefined when the address is not in the dump. */
  readPointer(address: bigint): bigint | undefined;
}

export interface WalkInput {
  readonly arch: WalkArch;
  readonly registers: Readonly<Record<string, bigint>>;
  readonly memory: WalkMemory;
  /** Inside a loaded module (what a symbol-less walker accepts as an instruction address). */
  readonly isCode: (address: bigint) => boolean;
  readonly maxFrames?: number;
}

export interface WalkedFrame {
  /** The instruction pointer (frame 0) or the return address (callers). */
  readonly ip: bigint;
  readonly sp: bigint;
  readonly fp: bigint | undefined;
  readonly foundBy: FoundBy;
}

/** 40 words: what reproduces Breakpad's output on every real dump in ../shared/testdata (30 in some Breakpad versions). */
const SEARCH_WORDS = 40;
const MAX_FRAMES = 1024;
const MAX_SCANNED = 1024;
const MAX_REASONABLE_GAP = 128n * 1024n;
const MASK48 = (1n << 48n) - 1n;

interface Regs { ip: bigint; sp: bigint; fp: bigint | undefined; lr?: bigint; lrValid?: boolean }

export function walkStack(input: WalkInput): WalkedFrame[] {
  const { arch, memory, isCode } = input;
  const word = arch === "x86" ? 4n : 8n;
  const mask = arch === "x86" ? 0xffffffffn : (1n << 64n) - 1n;
  const reg = (...names: string[]) => { for (const n of names) { const v = input.registers[n]; if (v !== undefined) return v; } return undefined; };
  const ip0 = reg("rip", "eip", "pc");
  const sp0 = reg("rsp", "esp", "sp");
  if (ip0 === undefined || sp0 === undefined) return [];
  const frames: (WalkedFrame & { regs: Regs })[] = [];
  const current: Regs = { ip: ip0, sp: sp0, fp: reg("rbp", "ebp", "fp", "x29"), lr: reg("lr", "x30"), lrValid: true };
  frames.push({ ip: current.ip, sp: current.sp, fp: current.fp, foundBy: "context", regs: current });
  const limit = Math.min(input.maxFrames ?? MAX_FRAMES, MAX_FRAMES);
  let scanned = 0;

  const scan = (start: bigint, words: number): { location: bigint; ip: bigint } | undefined => {
    for (let i = 0; i <= words; i++) {
      const location = (start + BigInt(i) * word) & mask;
      const v = memory.readPointer(location);
      if (v === undefined) return undefined;
      // A return address follows its call: the byte before it must be code (a module's base is not a return address).
      if (isCode(v - 1n)) return { location, ip: v };
    }
    return undefined;
  };
  const stripPac = (v: bigint) => (isCode(v & MASK48) ? v & MASK48 : v);

  while (frames.length < limit) {
    const last = frames[frames.length - 1]!;
    const isContext = last.foundBy === "context";
    const scanAllowed = scanned < MAX_SCANNED;
    let next: { regs: Regs; foundBy: FoundBy } | undefined;

    if (arch === "x86") {
      const ebp = last.regs.fp ?? 0n;
      const ret = memory.readPointer((ebp + 4n) & mask);
      const savedEbp = memory.readPointer(ebp);
      if (ret !== undefined && savedEbp !== undefined) {
        next = { regs: { ip: ret, sp: (ebp + 8n) & mask, fp: savedEbp }, foundBy: "frame-pointer" };
      } else if (scanAllowed) {
        const found = scan(last.regs.sp, isContext ? SEARCH_WORDS * 4 : SEARCH_WORDS);
        if (found) {
          const sp = found.location + 4n;
          const chain = sp - 8n;
          const candidate = memory.readPointer(chain);
          const fp = candidate !== undefined && candidate > chain && candidate - chain <= MAX_REASONABLE_GAP ? candidate : last.regs.fp;
          next = { regs: { ip: found.ip, sp, fp }, foundBy: "scan" };
        }
      }
    } else if (arch === "x64") {
      if (isContext) {
        const leaf = scan(last.regs.sp, 1);
        if (leaf) next = { regs: { ip: leaf.ip, sp: leaf.location + 8n, fp: last.regs.fp }, foundBy: "leaf" };
      }
      if (!next && scanAllowed) {
        const found = scan(last.regs.sp, isContext ? SEARCH_WORDS * 4 : SEARCH_WORDS);
        if (found) {
          // Keep a plausible rbp for later frames (the callee's saved rbp just below the return address, or an unchanged one).
          let fp: bigint | undefined;
          const lastFp = last.regs.fp;
          if (lastFp !== undefined && found.location - 8n === lastFp) {
            const saved = memory.readPointer(lastFp);
            if (saved !== undefined && saved > found.location) fp = saved;
          } else if (lastFp !== undefined && lastFp >= found.location + 8n) {
            fp = lastFp;
          }
          next = { regs: { ip: found.ip, sp: found.location + 8n, fp }, foundBy: "scan" };
        }
      }
    } else {
      // A scanned frame's lr is stale; recover it from the callee's frame record when the fp chain agrees.
      let lr = last.regs.lr;
      if (!last.regs.lrValid && frames.length >= 2 && (last.regs.fp ?? 0n) > last.regs.sp) {
        const calleeFp = frames[frames.length - 2]!.regs.fp ?? 0n;
        if (calleeFp !== 0n && memory.readPointer(calleeFp) === last.regs.fp) {
          const saved = memory.readPointer(calleeFp + 8n);
          if (saved !== undefined) lr = stripPac(saved);
        }
      }
      const fp = last.regs.fp ?? 0n;
      let callerFp: bigint | undefined = 0n;
      let callerLr: bigint | undefined = 0n;
      if (fp !== 0n) {
        callerFp = memory.readPointer(fp);
        callerLr = memory.readPointer(fp + 8n);
      }
      if (callerFp !== undefined && callerLr !== undefined && lr !== undefined) {
        // A frame-pointer frame that breaks the invariants ends the walk (no scan after it).
        next = { regs: { ip: lr, sp: fp !== 0n ? fp + 16n : last.regs.sp, fp: callerFp, lr: stripPac(callerLr), lrValid: true }, foundBy: "frame-pointer" };
      }
      if (!next && scanAllowed) {
        const found = scan(last.regs.sp, isContext ? SEARCH_WORDS * 4 : SEARCH_WORDS);
        if (found) next = { regs: { ip: found.ip, sp: found.location + 8n, fp: last.regs.fp, lr: last.regs.lr, lrValid: false }, foundBy: "scan" };
      }
    }

    if (!next || terminates(next.regs, last.regs, isContext)) break;
    if (next.foundBy === "scan") scanned++;
    frames.push({ ip: next.regs.ip, sp: next.regs.sp, fp: next.regs.fp, foundBy: next.foundBy, regs: next.regs });
  }
  return frames.map(({ ip, sp, fp, foundBy }) => ({ ip, sp, fp, foundBy }));
}

/** End of stack: an instruction pointer below 4 KiB, or a stack pointer that did not grow (equal allowed on the first unwind). */
function terminates(caller: Regs, callee: Regs, firstUnwind: boolean): boolean {
  if (caller.ip < 0x1000n) return true;
  return firstUnwind ? caller.sp < callee.sp : caller.sp <= callee.sp;
}

/** Breakpad's words for how a frame was found, for reports compared with its output. */
export function foundByText(f: FoundBy): string {
  switch (f) {
    case "context": return "given as instruction pointer in context";
    case "frame-pointer": return "previous frame's frame pointer";
    case "leaf": return "simulating a return from leaf function";
    case "scan": return "stack scanning";
  }
}

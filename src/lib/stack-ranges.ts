/**
 * The stacks a thread has: its own (the TEB's NtTib range, or a bounded range above the stack pointer) and,
 * for a WOW64 thread, the other one. A WOW64 thread runs 32-bit code on a 32-bit stack (TEB32) and enters the
 * kernel through the 64-bit stack of its 64-bit TEB; `_TEB.WowTebOffset` (by name from ntdll's type) gives
 * the other TEB: positive in a 64-bit view (TEB32 = TEB64 + offset), negative in a 32-bit view of the process.
 *
 * The other TEB's type is not in the dump's symbols (ntdll's types are of one bitness), so its NT_TIB is read
 * as winnt.h lays it out: ExceptionList, StackBase, StackLimit, each pointer-sized for that bitness. NT_TIB is
 * what fs:[0] / gs:[0] address on every Windows version, so this layout does not drift.
 */
import { addTo, compareU64, fromHalves, toNumber, type Int64 } from "./int64";
import { readWords } from "./slot-scan";
import type { Target, ThreadRef } from "./target";
import { Unavailable } from "./values";

export interface StackToScan {
  /** native (the dump's bitness), or "x86 (WOW64)" / "x64 (WOW64)" for the other stack of a WOW64 thread. */
  readonly label: string;
  readonly limit: Int64;
  readonly base: Int64;
  readonly slotBytes: number;
  /** The thread's stack pointer on this stack (undefined for the other WOW64 stack: its context is not read). */
  readonly sp: Int64 | undefined;
  /** teb: from a TEB; stack-pointer: a bounded range above the stack pointer. */
  readonly source: "teb" | "stack-pointer";
  readonly note?: string;
}

/** The thread's stacks; a message when not even the native one has a range. */
export function threadStackRanges(t: Target, thread: ThreadRef, fallbackBytes: number): { stacks: StackToScan[]; problem: string | undefined } {
  const stacks: StackToScan[] = [];
  const r = t.stackRange(thread, fallbackBytes);
  if (r instanceof Unavailable) return { stacks, problem: r.reason };
  const ps = t.pointerSize();
  stacks.push({ label: "native", limit: r.limit, base: r.base, slotBytes: ps, sp: t.stackPointer(thread), source: r.source, note: r.note });
  const other = wow64Stack(t, thread);
  if (other) stacks.push(other);
  return { stacks, problem: undefined };
}

/** The other stack of a WOW64 thread, or undefined (not WOW64, no typed TEB, or its TEB not in the dump). */
export function wow64Stack(t: Target, thread: ThreadRef): StackToScan | undefined {
  let tebAddress: Int64;
  let offset: number;
  try {
    const teb = thread.model.Environment.EnvironmentBlock;
    if (teb === undefined || teb === null) return undefined;
    const o: unknown = (teb as unknown as { WowTebOffset?: unknown }).WowTebOffset;
    if (o === undefined || o === null) return undefined;
    offset = toNumber(o) | 0;
    tebAddress = (teb as unknown as { address: Int64 }).address;
    if (!tebAddress) return undefined;
  } catch (e) {
    return undefined; // no typed TEB, or it is not in the dump: the native stack is all there is
  }
  if (offset === 0) return undefined;
  const ps = t.pointerSize();
  const otherBytes = ps === 8 ? 4 : 8;
  // A positive offset from a 64-bit TEB leads to the 32-bit one; a negative one from a 32-bit TEB to the 64-bit one.
  if ((ps === 8) !== (offset > 0)) return undefined;
  const other = addTo(tebAddress, offset);
  const words = readWords(t, other, 3 * otherBytes / 4);
  if (!words) return undefined;
  const slot = (i: number): Int64 => otherBytes === 8 ? fromHalves(words[i * 2 + 1]! >>> 0, words[i * 2]! >>> 0) : fromHalves(0, words[i]! >>> 0);
  const base = slot(1);
  const limit = slot(2);
  if (compareU64(limit, base) >= 0) return undefined;
  return { label: otherBytes === 4 ? "x86 (WOW64)" : "x64 (WOW64)", limit, base, slotBytes: otherBytes, sp: undefined, source: "teb" };
}

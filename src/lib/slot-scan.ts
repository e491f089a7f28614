/**
 * A memory range read as pointer-sized slots, in bulk, and each slot's value classified against the
 * module index and the threads' stacks: the part of RawStack that every memory analysis shares (execution
 * residue, raw pointers, value references, region profiles).
 *
 * Reading: the range is read in chunks; a chunk that fails to read is split into pages, and a page that
 * fails into its readable prefix or suffix (binary search from whichever end reads), because dumps capture
 * ranges that start mid-page (a stack from its stack pointer up). Consecutive unreadable pieces come out
 * as one block. Slots are handed out as 32-bit little-endian words (two per slot for 8-byte slots), so the
 * hot loops work on plain numbers and never on host.Int64.
 */
import { addTo, comparePair, fromHalves, halvesOf, type Int64 } from "./int64";
import type { ModuleInfo } from "./module-index";
import type { StackExtent, Target } from "./target";

/** A run of slots: readable (with its words) or not in the dump. */
export interface SlotBlock {
  readonly address: Int64;
  /** Number of slots. */
  readonly count: number;
  /** `count * slotBytes / 4` 32-bit words, or undefined when the block is not in the dump. */
  readonly words?: ArrayLike<number>;
}

export interface SlotScanOptions {
  /** 4 or 8 (the target's pointer size, or the other one for the other stack of a WOW64 thread). */
  readonly slotBytes: number;
  /** Bytes per read request (rounded down to whole slots). */
  readonly chunkBytes: number;
  /** Granularity at which a failed chunk is searched for readable parts. */
  readonly pageBytes: number;
  /**
   * false: a page that does not read is searched for a readable prefix or suffix only when a neighbouring page
   * reads (the edge of a captured range) or it is the first or last page of the range. Saves two reads per
   * missing page on ranges that are mostly absent (module data and heaps of a minidump), at the cost of captured
   * pieces that touch a page edge between two missing pages. Default true: every page is searched (stacks).
   * Either way a captured piece strictly inside a page, touching neither of its edges, is not found.
   */
  readonly probeIsolatedPages?: boolean;
}

/** `count` 32-bit words at an address, or undefined when any of them is not in the dump. */
export function readWords(t: Target, address: Int64, count: number): ArrayLike<number> | undefined {
  try {
    return host.memory.readMemoryValues(address, count, 4, false, t.process);
  } catch (e) {
    return undefined;
  }
}

/** The value of slot `i` of a block as (hi, lo): `perSlot` is 1 (4-byte slots) or 2 (8-byte slots). */
export function slotHalves(words: ArrayLike<number>, i: number, perSlot: number): [number, number] {
  return perSlot === 2 ? [words[i * 2 + 1]! >>> 0, words[i * 2]! >>> 0] : [0, words[i]! >>> 0];
}

/**
 * The slots of `[start, start + bytes)` as readable and unreadable blocks, in address order. Trailing
 * bytes that do not fill a slot are left out. Costs one read per chunk when everything is in the dump.
 */
export function* slotBlocks(t: Target, start: Int64, bytes: number, opts: SlotScanOptions): IterableIterator<SlotBlock> {
  const ps = opts.slotBytes;
  const per = ps / 4;
  const chunkBytes = Math.max(ps, opts.chunkBytes - (opts.chunkBytes % ps));
  const pageBytes = Math.max(ps, opts.pageBytes - (opts.pageBytes % ps));
  const read = (address: Int64, slots: number) => readWords(t, address, slots * per);
  let gapStart: Int64 | undefined;
  let gapCount = 0;
  const total = bytes - (bytes % ps);

  /**
   * The readable and unreadable pieces of a page that did not read as a whole: a readable suffix or prefix
   * found by binary search from whichever end reads. A page with neither end readable is a gap.
   */
  const edges = (page: Int64, n: number): SlotBlock[] => {
    const at = (i: number) => addTo(page, i * ps);
    if (n > 1 && read(at(n - 1), 1)) {
      let lo = 0; // [lo, n) does not read
      let hi = n - 1; // [hi, n) reads
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (read(at(mid), n - mid)) hi = mid; else lo = mid;
      }
      return [{ address: page, count: hi }, { address: at(hi), count: n - hi, words: read(at(hi), n - hi)! }];
    }
    if (n > 1 && read(page, 1)) {
      let lo = 1; // [0, lo) reads
      let hi = n; // [0, hi) does not read
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (read(page, mid)) lo = mid; else hi = mid;
      }
      return [{ address: page, count: lo, words: read(page, lo)! }, { address: at(lo), count: n - lo }];
    }
    return [{ address: page, count: n }];
  };
  const probeAll = opts.probeIsolatedPages !== false;
  let previousReadable = false;

  for (let offset = 0; offset < total; offset += chunkBytes) {
    const n = Math.min(chunkBytes, total - offset) / ps;
    const address = addTo(start, offset);
    const words = read(address, n);
    const blocks = words ? [{ address, count: n, words }] : [] as SlotBlock[];
    if (!words) {
      // Part of the chunk is missing: the readable pages, then the readable part of a page at the edge of a
      // captured range (a captured stack usually starts mid-page, at the stack pointer).
      const pages: { address: Int64; count: number; words: ArrayLike<number> | undefined }[] = [];
      for (let p = 0; p < n * ps; p += pageBytes) {
        const pageAddress = addTo(address, p);
        const count = Math.min(pageBytes, n * ps - p) / ps;
        pages.push({ address: pageAddress, count, words: read(pageAddress, count) });
      }
      for (let k = 0; k < pages.length; k++) {
        const page = pages[k]!;
        if (page.words) { blocks.push({ address: page.address, count: page.count, words: page.words }); continue; }
        // The range's own first and last pages are always searched: what lies beyond them is not known.
        const before = k > 0 ? pages[k - 1]!.words !== undefined : offset === 0 || previousReadable;
        const after = k + 1 < pages.length ? pages[k + 1]!.words !== undefined
          : offset + n * ps >= total || (!probeAll && read(addTo(page.address, page.count * ps), 1) !== undefined);
        if (probeAll || before || after) for (const piece of edges(page.address, page.count)) blocks.push(piece);
        else blocks.push({ address: page.address, count: page.count });
      }
    }
    previousReadable = blocks.length > 0 && blocks[blocks.length - 1]!.words !== undefined;
    for (const b of blocks) {
      if (b.words) {
        if (gapStart) { yield { address: gapStart, count: gapCount }; gapStart = undefined; gapCount = 0; }
        yield b;
      } else {
        if (!gapStart) gapStart = b.address;
        gapCount += b.count;
      }
    }
  }
  if (gapStart) yield { address: gapStart, count: gapCount };
}

/** What a slot's value points to. */
export type SlotKind =
  | "CodePointer" // into an executable section of a loaded image
  | "DataPointer" // into a non-executable part of a loaded image
  | "ImagePointer" // into an image whose section headers are not in the dump
  | "StackPointer" // into the stack being scanned
  | "OtherStackPointer" // into another thread's stack
  | "Value" // anything else
  | "Unreadable"; // the slot's memory is not in the dump

/**
 * Classifies values (as halves) against the module index and the threads' TEB stack ranges, with no host
 * call per value beyond the cached section headers. After `classify`, `module` and `stack` hold what the
 * value points into.
 */
export class SlotClassifier {
  module: ModuleInfo | undefined;
  stack: StackExtent | undefined;
  private readonly ownLimit: [number, number] | undefined;
  private readonly ownBase: [number, number] | undefined;

  /** `own`: the range being scanned when it is a stack (its pointers are StackPointer rather than OtherStackPointer). */
  constructor(private readonly t: Target, own?: { readonly limit: Int64; readonly base: Int64 }) {
    this.ownLimit = own ? halvesOf(own.limit) : undefined;
    this.ownBase = own ? halvesOf(own.base) : undefined;
  }

  classify(hi: number, lo: number): SlotKind {
    this.module = undefined;
    this.stack = undefined;
    if (hi === 0 && lo < 0x10000) return "Value"; // the NULL region: never a pointer
    const m = this.t.modules().findPair(hi, lo);
    if (m) {
      this.module = m;
      const exec = this.t.isExecutable(m, fromHalves(hi, lo));
      return exec === true ? "CodePointer" : exec === false ? "DataPointer" : "ImagePointer";
    }
    const ol = this.ownLimit;
    const ob = this.ownBase;
    if (ol && ob && comparePair(hi, lo, ol[0], ol[1]) >= 0 && comparePair(hi, lo, ob[0], ob[1]) < 0) return "StackPointer";
    const s = this.t.stackOwner(hi, lo);
    if (s) {
      this.stack = s;
      return "OtherStackPointer";
    }
    return "Value";
  }
}

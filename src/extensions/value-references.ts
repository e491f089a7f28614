import { defineAnalysis, type Row } from "../lib/analysis";
import { addTo, comparePair, compareU64, formatAddress, fromHalves, halvesOf, hex, isInt64, type Int64 } from "../lib/int64";
import { memoryRegions, regionText } from "../lib/memory-places";
import { parseBool, parseBytes, parseValue } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { readOptions } from "../lib/stack-filter";
import { threadStackRanges } from "../lib/stack-ranges";
import type { ModuleInfo } from "../lib/module-index";
import type { Target } from "../lib/target";
import { notAvailable, type Source } from "../lib/values";

const OPTION_NAMES = ["Scope", "Width", "Unaligned", "Address", "Size", "MaxHits"];
const SCOPES = ["stacks", "modules", "heaps", "regions"];

/** One range to search and what to call a hit in it. */
interface SearchRange {
  readonly start: Int64;
  readonly bytes: number;
  /** Stack, Image, Region or Range. */
  readonly region: string;
  readonly owner: string;
  readonly module?: ModuleInfo;
  readonly sp?: Int64;
  readonly source: Source;
  /** Whole pages missing from the dump are common here (images, heaps): do not search them for islands. */
  readonly sparse: boolean;
}

/**
 * Value References: every location that holds a given value (a handle, an object or heap address, a thread id,
 * a magic number) in the threads' stacks, the modules' writable sections and, on request, every committed
 * region, with what each location belongs to.
 *
 * The pattern (Value References): the places where a value lives form a simple trace of who refers to it: the
 * threads whose stacks hold a handle, the global that keeps an object, the heap blocks that point to it.
 *
 * Detection: each range is read in `Config.ValueReferences.ChunkBytes` chunks and compared in the script (no
 * per-slot host call), `Width` bytes at a time at `Width` alignment (the pointer size by default; 4 for handles,
 * thread ids and other 32-bit values; Unaligned compares 8-byte values at every 4-byte offset). Scopes: stacks
 * (every thread's TEB stack range, both stacks of WOW64 threads), modules (the writable sections of every loaded
 * image, from its section headers; the whole image when they are not in the dump), heaps (the committed regions
 * `!address` says are heaps), regions (every committed
 * region `!address` lists that is not an image or a stack). An Address and Size option search one range instead.
 * A hit's row names its owner (thread and whether it is live, module section and the symbol of the containing
 * global, region) and shows the neighbouring slots. Coverage is reported: bytes searched, bytes not in the dump,
 * ranges left out by the `MaxBytes` budget (a range that does not fit in what is left of it is searched up to the
 * budget, and the bytes not searched are reported).
 *
 * False positives: small values (below 0x10000) and common constants occur by coincidence; a stale copy of a
 * value (dead stack residue, a freed block) is still a hit: check Live and the owner.
 *
 * @function ValueReferences
 * @memberof Ewmda
 * @param {number} value The value to find (a number, or a string such as "0x1a4").
 * @param {object|string} [options] `Scope` ("stacks,modules" by default; "heaps", "regions", "all"), `Width` (4 or 8), `Unaligned` (bool), `Address` and `Size` (search one range), `MaxHits`; or a string such as `"scope=all width=4"`.
 * @returns {ResultSet} One row per location: Value, Address, Region, Owner, Live, Symbol, Context, Verdict, Evidence, Source; then a coverage row.
 * @example dx @$ewmda.ValueReferences(0x2b0)
 * @example dx -g @$ewmda.ValueReferences(0x1d0000a1230, new { Scope = "all" })
 * @example dx @$ewmda.ValueReferences(0x1c4, new { Width = 4 })
 * @example !ewmda.valuerefs 0x1d0000a1230
 * @example !ewmda.valuerefs (0x1c4, "width=4 scope=stacks")
 */
export const valueReferences = defineAnalysis({
  meta: {
    name: "ValueReferences",
    command: "valuerefs",
    summary: "Every location in stacks, module data and memory regions that holds a given value, with its owner and neighbours",
    patterns: ["Value References"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "value", help: "the value to find", optional: false },
      { name: "options", help: "Scope, Width, Unaligned, Address, Size, MaxHits", optional: true },
    ],
    options: [
      { name: "Scope", type: "string", help: "where to search: stacks, modules, heaps (regions !address calls Heap), regions (every committed region that is not an image or a stack), comma-separated, or all; default stacks,modules" },
      { name: "Width", type: "number", help: "bytes compared: 4 or 8 (default: the pointer size)" },
      { name: "Unaligned", type: "bool", help: "compare 8-byte values at every 4-byte offset too" },
      { name: "Address", type: "number", help: "search only this range (with Size)" },
      { name: "Size", type: "number", help: "bytes of the Address range" },
      { name: "MaxHits", type: "number", help: "stop after this many locations" },
    ],
    columns: [
      { name: "Value", type: "address", help: "The value searched for", table: false },
      { name: "Address", type: "address", help: "Location that holds the value" },
      { name: "Region", type: "string", help: "Stack, Image (a module's section), Heap or Region (from !address), or Range (an explicit range)" },
      { name: "Owner", type: "string", help: "Thread and stack, module and section, or the region's type and usage" },
      { name: "Live", type: "bool", help: "Stack hits: at or above the thread's stack pointer (a live frame) rather than dead residue" },
      { name: "Symbol", type: "string", help: "Image hits: the global that holds the value (module!symbol+0xoff)" },
      { name: "Context", type: "string", help: "The neighbouring slots, the hit in brackets", table: false },
    ],
    settings: {
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request", reason: "64 KiB: few requests per stack, and a failed read costs little" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
      MaxBytes: { default: 0x20000000, help: "Bytes searched per call (ranges past it are left out and reported)", reason: "512 MiB: a few seconds of comparisons; a full-memory scan of a large process needs an explicit raise" },
      MaxHits: { default: 10000, help: "Locations reported per call", reason: "a value found more often than this is a constant, not a reference" },
      ContextSlots: { default: 2, help: "Neighbouring slots shown on each side of a hit", reason: "enough to see the structure around a field" },
      FallbackScanBytes: { default: 0x100000, help: "Stack bytes above the stack pointer searched when a TEB cannot be read", reason: "1 MiB is the default reserved stack size" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const parsed = parseArguments(t, args, cfg.MaxHits);
    if (typeof parsed === "string") {
      ctx.summary("ValueReferences: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    const { value, width, unaligned, maxHits } = parsed;
    const ps = t.pointerSize();
    const valueText = hex(value);
    const [vHi, vLo] = halvesOf(value);
    if (vHi === 0 && vLo < 0x10000) {
      yield info("0x" + vLo.toString(16) + " is a small value: expect coincidental hits (counts, flags, characters)", "heuristic");
    }

    const notes: string[] = [];
    const ranges = searchRanges(t, parsed, cfg.FallbackScanBytes, notes);
    for (const n of notes) yield info(n, "command");

    let searched = 0;
    let unreadableBytes = 0;
    let hits = 0;
    let skipped = 0;
    let skippedBytes = 0;
    let cutBytes = 0;
    let stopped: string | undefined;
    const per = width / 4;
    const step = unaligned ? 1 : per;
    const scanned: { [kind: string]: number } = {};
    const dump = width === ps ? "dps " : width === 4 ? "dd " : "dq ";

    for (const r of ranges) {
      if (stopped) { skipped++; skippedBytes += r.bytes; continue; }
      let bytes = r.bytes;
      if (searched + bytes > cfg.MaxBytes) {
        // The budget's remainder is searched from the range's start; the rest of it is reported as not searched.
        const room = Math.max(0, cfg.MaxBytes - searched);
        const part = room - (room % width);
        if (part <= 0) { skipped++; skippedBytes += r.bytes; continue; }
        cutBytes += bytes - part;
        bytes = part;
      }
      scanned[r.region] = (scanned[r.region] || 0) + 1;
      const [spHi, spLo] = r.sp ? halvesOf(r.sp) : [0, 0];
      const hitRow = (address: Int64, words: ArrayLike<number>, j: number, nWords: number): Row => {
        const [aHi, aLo] = halvesOf(address);
        const symbol = r.module ? t.symbolize(address, r.module).text : undefined;
        return {
          Value: value, Address: address, Region: r.region, Owner: r.owner,
          Live: r.region === "Stack" ? (r.sp ? comparePair(aHi, aLo, spHi, spLo) >= 0 : notAvailable("no stack pointer for this stack")) : undefined,
          Symbol: symbol, Context: context(words, j, per, nWords, cfg.ContextSlots),
          Verdict: "Positive", Evidence: dump + t.formatAddress(addTo(address, -Math.min(cfg.ContextSlots, Math.floor(j / per)) * width)) + " L" + (2 * cfg.ContextSlots + 1) +
            (r.module ? "; ln " + t.formatAddress(address) : "") + (r.region === "Region" || r.region === "Heap" ? "; !address " + t.formatAddress(address) : "") + (r.region === "Heap" ? "; !heap -x " + t.formatAddress(address) : ""),
          Source: r.source,
        };
      };
      // Unaligned: the last word of a block and the first of the next one (contiguous) can hold the value too.
      let previousEnd: Int64 | undefined;
      let previousLast = 0;
      for (const block of slotBlocks(t, r.start, bytes, { slotBytes: width, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes, probeIsolatedPages: !r.sparse })) {
        if (!block.words) { unreadableBytes += block.count * width; previousEnd = undefined; continue; }
        searched += block.count * width;
        const words = block.words;
        const nWords = block.count * per;
        if (unaligned && per === 2 && previousEnd !== undefined && previousLast === vLo && (words[0]! >>> 0) === vHi && compareU64(previousEnd, block.address) === 0) {
          yield hitRow(addTo(block.address, -4), [previousLast, words[0]!, nWords > 1 ? words[1]! : 0], 0, 2);
          hits++;
          if (hits >= maxHits) { stopped = "MaxHits (" + maxHits + ")"; break; }
        }
        previousEnd = addTo(block.address, nWords * 4);
        previousLast = words[nWords - 1]! >>> 0;
        for (let j = 0; j + per <= nWords; j += step) {
          if ((words[j]! >>> 0) !== vLo || (per === 2 && (words[j + 1]! >>> 0) !== vHi)) continue;
          yield hitRow(addTo(block.address, j * 4), words, j, nWords);
          hits++;
          if (hits >= maxHits) { stopped = "MaxHits (" + maxHits + ")"; break; }
        }
        if (stopped) break;
        if (ctx.budget.exceeded()) { stopped = "the time budget"; break; }
      }
    }

    const plural: { [k: string]: string } = { Stack: "stack", Image: "image section", Heap: "heap region", Region: "region", Range: "range" };
    const where = Object.keys(scanned).map((k) => scanned[k] + " " + plural[k] + (scanned[k] === 1 ? "" : "s")).join(", ") || "no ranges";
    const coverage = "0x" + searched.toString(16) + " bytes searched in " + where +
      (unreadableBytes ? "; 0x" + unreadableBytes.toString(16) + " bytes not in the dump" : "") +
      (cutBytes ? "; the last range searched was cut at the MaxBytes budget (0x" + cfg.MaxBytes.toString(16) + "): its last 0x" + cutBytes.toString(16) + " bytes were not searched" : "") +
      (skipped ? "; " + skipped + " ranges (0x" + skippedBytes.toString(16) + " bytes) left out" + (stopped ? " after stopping at " + stopped : " by the MaxBytes budget (0x" + cfg.MaxBytes.toString(16) + ")") : stopped ? "; stopped at " + stopped : "");
    const how = (width === 4 ? "s -d" : "s -q") + " <range> " + valueText;
    if (hits === 0) {
      yield { Value: value, Verdict: "Negative", Evidence: "0 locations hold " + valueText + " (" + width + "-byte" + (unaligned ? ", every 4-byte offset" : ", aligned") + "): " + coverage + " (" + how + ")", Source: "typed" };
    } else {
      yield info("coverage: " + coverage + " (" + how + " checks a range)", "typed");
    }
    ctx.summary("ValueReferences " + valueText + ": " + hits + " locations; " + coverage);
  },

  rowText(row, c) {
    if (!isInt64(row.Address)) return row.Verdict + ": " + row.Evidence;
    return formatAddress(row.Address, c.pointerSize) + "  " + String(row.Region) + "  " + String(row.Owner) +
      (typeof row.Symbol === "string" ? "  " + row.Symbol : "") + (row.Live === false ? "  (dead)" : "");
  },
});

/** `00000000 [000001a4] 00000001` from the words around a hit (only what the block holds). */
function context(words: ArrayLike<number>, j: number, per: number, nWords: number, slots: number): string {
  const cell = (k: number): string => {
    const lo = ("00000000" + (words[k]! >>> 0).toString(16)).slice(-8);
    return per === 2 ? ("00000000" + (words[k + 1]! >>> 0).toString(16)).slice(-8) + "`" + lo : lo;
  };
  const out: string[] = [];
  for (let s = -slots; s <= slots; s++) {
    const k = j + s * per;
    if (k < 0 || k + per > nWords) continue;
    out.push(s === 0 ? "[" + cell(k) + "]" : cell(k));
  }
  return out.join(" ");
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

interface Parsed {
  readonly value: Int64;
  readonly width: number;
  readonly unaligned: boolean;
  readonly scopes: readonly string[];
  readonly range: { start: Int64; bytes: number } | undefined;
  readonly maxHits: number;
}

function parseArguments(t: Target, args: readonly unknown[], defaultMaxHits: number): Parsed | string {
  if (args[0] === undefined || args[0] === null) {
    return "give the value to find, such as dx @$ewmda.ValueReferences(0x1a4) (a handle, an address, a thread id, a magic number)";
  }
  const value = parseValue(args[0], "the value");
  if (typeof value === "string") return value;
  const bag = readOptions(args[1], OPTION_NAMES, undefined);
  if (typeof bag === "string") return bag;
  const ps = t.pointerSize();
  let width = ps;
  if (bag.Width !== undefined) {
    const w = Number(bag.Width);
    if (w !== 4 && w !== 8) return "Width must be 4 or 8, not " + String(bag.Width);
    width = w;
  }
  const [vHi] = halvesOf(value);
  if (width === 4 && vHi !== 0) return hex(value) + " does not fit in 4 bytes (Width 4)";
  let unaligned = false;
  if (bag.Unaligned !== undefined) {
    const u = parseBool(bag.Unaligned, "Unaligned");
    if (typeof u === "string") return u;
    unaligned = u && width === 8;
  }
  let scopes = ["stacks", "modules"];
  if (bag.Scope !== undefined) {
    const list = String(bag.Scope).toLowerCase().split(/[\s,;|+]+/).filter((s) => s !== "");
    if (list.length === 1 && list[0] === "all") scopes = ["stacks", "modules", "regions"];
    else {
      for (const s of list) if (SCOPES.indexOf(s) < 0) return "unknown scope \"" + s + "\" (use stacks, modules, heaps, regions or all)";
      scopes = list;
    }
  }
  let range: { start: Int64; bytes: number } | undefined;
  if (bag.Address !== undefined || bag.Size !== undefined) {
    if (bag.Address === undefined || bag.Size === undefined) return "Address and Size go together: new { Address = 0x..., Size = 0x1000 }";
    const start = parseValue(bag.Address, "Address");
    if (typeof start === "string") return start;
    const bytes = parseBytes(bag.Size, "Size");
    if (typeof bytes === "string") return bytes;
    if (bytes === 0) return "the range at " + t.formatAddress(start) + " is empty (Size 0)";
    const [, lo] = halvesOf(start);
    if (lo % 4 !== 0) return "Address " + t.formatAddress(start) + " is not 4-byte aligned: values are compared at 4-byte boundaries (start at " + t.formatAddress(addTo(start, -(lo % 4))) + ")";
    range = { start, bytes };
  }
  let maxHits = defaultMaxHits;
  if (bag.MaxHits !== undefined) {
    const n = parseBytes(bag.MaxHits, "MaxHits");
    if (typeof n === "string") return n;
    if (n < 1) return "MaxHits must be at least 1";
    maxHits = n;
  }
  return { value, width, unaligned, scopes, range, maxHits };
}

/** The ranges to search, in scope order: stacks, module sections, regions; or the one explicit range. */
function searchRanges(t: Target, p: Parsed, fallbackBytes: number, notes: string[]): SearchRange[] {
  const out: SearchRange[] = [];
  if (p.range) {
    const bytes = p.range.bytes - (p.range.bytes % p.width);
    out.push({ start: p.range.start, bytes, region: "Range", owner: "range " + t.formatAddress(p.range.start) + " L0x" + bytes.toString(16), source: "typed", sparse: true });
    return out;
  }
  if (p.scopes.indexOf("stacks") >= 0) {
    if (t.isKernel()) notes.push("stacks: user-mode stacks of the current process only (TEB ranges)");
    for (const thread of t.threads()) {
      const { stacks, problem } = threadStackRanges(t, thread, fallbackBytes);
      if (problem) { notes.push("thread 0x" + thread.id.toString(16) + ": no stack range (" + problem + ")"); continue; }
      for (const s of stacks) {
        const [bh, bl] = halvesOf(s.base);
        const [lh, ll] = halvesOf(s.limit);
        const bytes = (bh - lh) * 4294967296 + (bl - ll);
        // A value wider than the stack's slots (8 bytes on the 32-bit stack of a WOW64 thread) is still found 4-byte aligned.
        out.push({
          start: s.limit, bytes: bytes - (bytes % p.width), region: "Stack", source: s.source === "teb" ? "typed" : "heuristic", sparse: false,
          owner: "thread 0x" + thread.id.toString(16) + (s.label === "native" ? "" : " " + s.label), sp: s.sp,
        });
      }
    }
  }
  if (p.scopes.indexOf("modules") >= 0) {
    let noHeaders = 0;
    for (const m of t.modules().modules) {
      const sections = t.sections(m);
      if (!sections) {
        noHeaders++;
        out.push({ start: m.base, bytes: m.size - (m.size % p.width), region: "Image", owner: m.name + " (whole image: no section headers in the dump)", module: m, source: "typed", sparse: true });
        continue;
      }
      for (const s of sections) {
        if (!s.writable || s.size === 0) continue;
        const bytes = s.size - (s.size % p.width);
        if (bytes > 0) out.push({ start: addTo(m.base, s.rva), bytes, region: "Image", owner: m.name + " " + s.name, module: m, source: "typed", sparse: true });
      }
    }
    if (noHeaders) notes.push(noHeaders + " modules have no section headers in the dump: their whole images are searched");
  }
  const all = p.scopes.indexOf("regions") >= 0;
  if (all || p.scopes.indexOf("heaps") >= 0) {
    const regions = memoryRegions(t);
    const scope = all ? "regions" : "heaps";
    if (!regions.available) notes.push(scope + ": " + (regions.note || "!address gave no regions"));
    else {
      let heaps = 0;
      for (const r of regions.list) {
        if (r.state !== "MEM_COMMIT" || r.type === "MEM_IMAGE" || /^Stack/i.test(r.usage) || /PAGE_NOACCESS|PAGE_GUARD/i.test(r.protect)) continue;
        const heap = /Heap/i.test(r.usage);
        if (!all && !heap) continue;
        if (heap) heaps++;
        const start = fromHalves(r.baseHi, r.baseLo);
        const bytes = (r.endHi - r.baseHi) * 4294967296 + (r.endLo - r.baseLo);
        out.push({ start, bytes: bytes - (bytes % p.width), region: heap ? "Heap" : "Region", owner: regionText(r), source: "command", sparse: true });
      }
      if (!all && heaps === 0) notes.push("heaps: !address lists no committed region whose usage is Heap");
    }
  }
  return out;
}

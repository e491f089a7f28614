import { defineAnalysis, type Row } from "../lib/analysis";
import { comparePair, differenceOf, fromHalves, halvesOf, isInt64, toNumber, type Int64 } from "../lib/int64";
import type { ModuleInfo } from "../lib/module-index";
import { SlotClassifier, slotBlocks, type SlotKind } from "../lib/slot-scan";
import { Unavailable, unreadable, type Source } from "../lib/values";

export type { SlotKind } from "../lib/slot-scan";

interface RawStackOptions {
  all: boolean;
  symbolsOnly: boolean;
  module: string | undefined;
}

/**
 * Execution Residue, raw stack: every pointer-sized slot of a thread's stack that is worth showing,
 * classified and symbolized, from the TEB's stack limit to its base.
 *
 * The pattern (Execution Residue, unmanaged user space): a thread's stack keeps return addresses,
 * code and data pointers of past calls below the stack pointer and between live frames. They show
 * components that were recently involved even when the live stack no longer does. This listing is
 * the raw material (what `dps StackLimit StackBase` shows) with each value classified: CodePointer
 * (into an executable section of an image), DataPointer (into an image's data), ImagePointer (into an
 * image whose section headers are not in the dump), StackPointer (into this stack), OtherStackPointer
 * (into another thread's stack), Value (anything else), Unreadable (slots missing from the dump).
 *
 * Detection: the stack range comes from `Thread.Environment.EnvironmentBlock.NtTib`; without a
 * readable TEB the scan starts at the stack pointer's page and covers `Config.RawStack.FallbackScanBytes`
 * (rows say Source "heuristic"). Memory is read in `Config.RawStack.ChunkBytes` chunks, values are
 * matched against a module range index built once, and only values inside a module are symbolized, each
 * distinct value once. A code pointer is a plausible return address when the bytes right before it decode
 * as a call instruction (x86/x64 `E8`/`FF /2`, ARM64 `BL`/`BLR`); when those bytes are not in the dump the
 * column says so instead of guessing.
 *
 * False positives: any value that happens to fall inside a module looks like a symbol ("coincidental
 * symbolic information"); prefer rows whose ReturnAddress is true. Live is false for slots below the
 * stack pointer: dead residue of calls that already returned.
 *
 * Options (a dx object `new { All = true, Module = "ntdll" }`, or a string `"all"`, `"symbols"`,
 * `"module=ntdll"`): All lists every slot like `dps`; SymbolsOnly keeps only slots that resolve to a
 * symbol in a module, like `dpS`; Module keeps only pointers into that module.
 *
 * @function RawStack
 * @memberof Ewmda
 * @param {number} [tid] Thread id (default: the current thread).
 * @param {object|string} [options] `All` (bool), `SymbolsOnly` (bool), `Module` (string); or a string such as `"all"`, `"symbols"`, `"module=ntdll"`.
 * @returns {ResultSet} One row per slot worth showing: Thread, Address, Value, Kind, Symbol, Module, ReturnAddress, Live, Verdict, Evidence, Source.
 * @example dx @$ewmda.RawStack()
 * @example dx -g @$ewmda.RawStack(0x1a4).Where(r => r.Kind == "CodePointer")
 * @example dx @$ewmda.RawStack(0x1a4, new { All = true })
 * @example !ewmda.rawstack
 * @example !ewmda.rawstack (0x1a4, "module=ntdll")
 */
export const rawStack = defineAnalysis({
  meta: {
    name: "RawStack",
    command: "rawstack",
    summary: "Raw stack of a thread (execution residue): every slot worth showing, classified and symbolized",
    patterns: ["Execution Residue (Unmanaged Space, User)"],
    targets: "user",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "tid", help: "thread id (default: the current thread)", optional: true },
      { name: "options", help: "All, SymbolsOnly, Module; or a string such as \"all\", \"symbols\", \"module=ntdll\"", optional: true },
    ],
    options: [
      { name: "All", type: "bool", help: "list every slot, like dps" },
      { name: "SymbolsOnly", type: "bool", help: "only slots that resolve to a symbol in a module, like dpS" },
      { name: "Module", type: "string", help: "only pointers into this module (name with or without extension)" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id", table: false },
      { name: "Address", type: "address", help: "Address of the stack slot" },
      { name: "Value", type: "address", help: "Pointer-sized value stored in the slot" },
      { name: "Kind", type: "string", help: "CodePointer, DataPointer, ImagePointer, StackPointer, OtherStackPointer, Value or Unreadable" },
      { name: "Symbol", type: "string", help: "module!symbol+0xoff, or module+0xoff without symbols (pointers into images)" },
      { name: "Module", type: "string", help: "Image the value points into" },
      { name: "ReturnAddress", type: "bool", help: "A call instruction ends right before the value (plausible return address); unreadable when the code is not in the dump" },
      { name: "Live", type: "bool", help: "The slot is at or above the stack pointer (live frames) rather than below it (dead residue)" },
    ],
    settings: {
      ChunkBytes: {
        default: 0x10000,
        help: "Bytes read per memory request while scanning a stack",
        reason: "64 KiB reads a 1 MiB stack in 16 requests; larger reads fail more often on partly captured stacks",
      },
      PageBytes: {
        default: 0x1000,
        help: "Granularity used to find the readable parts of a chunk that failed to read",
        reason: "the page size of every Windows architecture ewmda supports",
      },
      FallbackScanBytes: {
        default: 0x100000,
        help: "How far above the stack pointer to scan when the TEB cannot be read",
        reason: "1 MiB is the default reserved stack size of Windows executables",
      },
      MaxRows: {
        default: 200000,
        help: "Rows kept per call (the scan still covers the whole stack)",
        reason: "a 1 MiB x64 stack has 131072 slots; the limit protects dx from a runaway listing",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const parsed = parseArguments(args);
    if (typeof parsed === "string") {
      ctx.summary("RawStack: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    const { tid, options } = parsed;

    const thread = tid === undefined ? t.currentThread() : t.findThread(tid);
    if (!thread) {
      const known = t.threads().map((x) => "0x" + x.id.toString(16));
      const text = tid === undefined ? "there is no current thread" :
        "thread 0x" + tid.toString(16) + " is not in this process (" + known.length + " threads: " + known.slice(0, 12).join(", ") + (known.length > 12 ? ", ..." : "") + "; ~ lists them)";
      ctx.summary("RawStack: " + text);
      yield info(text, "typed");
      return;
    }
    const tidText = "0x" + thread.id.toString(16);
    const range = t.stackRange(thread, cfg.FallbackScanBytes);
    if (range instanceof Unavailable) {
      ctx.summary("RawStack thread " + tidText + ": no stack range");
      yield info("no stack range for thread " + tidText + ": " + range.reason + " (try !teb, .reload /f ntdll.dll)", "typed");
      return;
    }
    const source: Source = range.source === "teb" ? "typed" : "heuristic";
    if (range.note) {
      yield info("thread " + tidText + ": " + range.note + "; scanning " + t.formatAddress(range.limit) + " - " + t.formatAddress(range.base) +
        " from the stack pointer instead (.reload /f ntdll.dll may restore the TEB)", "heuristic");
    }

    const ps = t.pointerSize();
    const total = differenceOf(range.base, range.limit);
    if (total === undefined || total <= 0) {
      yield info("thread " + tidText + ": the stack range is empty", source);
      return;
    }
    const sp = t.stackPointer(thread);
    const [spHi, spLo] = sp ? halvesOf(sp) : [0, 0];
    const modules = t.modules();
    const wanted = options.module !== undefined ? modules.byName(options.module) : undefined;
    if (options.module !== undefined && !wanted) {
      yield info("no module named " + options.module + " is loaded (lm lists them); nothing can point into it", "typed");
      return;
    }

    const classifier = new SlotClassifier(t, range);
    const slotsPerWord = ps / 4;
    let slots = 0;
    let shown = 0;
    let dropped = 0;
    let unreadableBytes = 0;

    const makeRow = (addrHi: number, addrLo: number, hi: number, lo: number, kind: SlotKind, m: ModuleInfo | undefined): Row | undefined => {
      const value = fromHalves(hi, lo);
      let symbol: string | undefined;
      let hasSymbol = false;
      let ret: boolean | Unavailable | undefined;
      if (m) {
        const s = t.symbolize(value, m);
        symbol = s.text;
        hasSymbol = s.hasSymbol;
        if (kind === "CodePointer" || kind === "ImagePointer") ret = t.isReturnSite(value);
      }
      if (options.symbolsOnly && !hasSymbol) return undefined;
      const address = fromHalves(addrHi, addrLo);
      const live = sp ? comparePair(addrHi, addrLo, spHi, spLo) >= 0 : unreadable("no stack pointer");
      const evidence = "dps " + t.formatAddress(address) + " L1" + (ret !== undefined ? "; ub " + t.formatAddress(value) + " L1" : "");
      return {
        Thread: thread.id, Address: address, Value: value, Kind: kind, Symbol: symbol, Module: m ? m.name : undefined,
        ReturnAddress: ret, Live: live, Verdict: "Info", Evidence: evidence, Source: source,
      };
    };

    const unreadableRow = (start: Int64, length: number): Row => ({
      Thread: thread.id, Address: start,
      Value: unreadable("0x" + length.toString(16) + " bytes of the stack are not in the dump"),
      Kind: "Unreadable", Symbol: undefined, Module: undefined, ReturnAddress: undefined, Live: undefined,
      Verdict: "Info", Evidence: "dps " + t.formatAddress(start) + " L0x" + (length / ps).toString(16) + " shows ????????", Source: source,
    });

    // Classifies the slots of one readable block; hot loop: no host calls but the cached look-ups.
    const classify = function* (blockAddress: Int64, words: ArrayLike<number>, count: number): Iterable<Row> {
      let [aHi, aLo] = halvesOf(blockAddress);
      for (let i = 0; i < count; i++) {
        const lo = words[i * slotsPerWord]! >>> 0;
        const hi = slotsPerWord === 2 ? words[i * 2 + 1]! >>> 0 : 0;
        slots++;
        const kind = classifier.classify(hi, lo);
        const m = classifier.module;
        const keep = options.all || (wanted ? m === wanted : options.symbolsOnly ? m !== undefined : kind !== "Value");
        if (keep) {
          const row = makeRow(aHi, aLo, hi, lo, kind, m);
          if (row) {
            if (shown < cfg.MaxRows) { shown++; yield row; } else dropped++;
          }
        }
        aLo += ps;
        if (aLo >= 4294967296) { aLo -= 4294967296; aHi++; }
      }
    };

    const scan = { slotBytes: ps, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes };
    for (const block of slotBlocks(t, range.limit, total, scan)) {
      if (block.words) {
        yield* classify(block.address, block.words, block.count);
      } else {
        slots += block.count;
        unreadableBytes += block.count * ps;
        yield unreadableRow(block.address, block.count * ps);
      }
    }

    const rangeText = t.formatAddress(range.limit) + " - " + t.formatAddress(range.base);
    if (dropped > 0) {
      yield info(dropped + " more rows were not kept (Config.RawStack.MaxRows = " + cfg.MaxRows + "); narrow with Module or SymbolsOnly", source);
    }
    if (shown === 0 && dropped === 0) {
      const what = wanted ? "pointers into " + wanted.name : options.symbolsOnly ? "symbolic values" : "pointers into images or stacks";
      yield {
        Thread: thread.id, Verdict: "Negative", Source: source,
        Evidence: "0 " + what + " among " + slots + " slots of thread " + tidText + "'s stack " + rangeText +
          (unreadableBytes ? " (0x" + unreadableBytes.toString(16) + " bytes unreadable)" : "") + "; dps " + t.formatAddress(range.limit) + " " + t.formatAddress(range.base),
      };
    }
    ctx.summary("RawStack thread " + tidText + ": stack " + rangeText + ", " + slots + " slots scanned, " + shown + " shown" +
      (unreadableBytes ? ", 0x" + unreadableBytes.toString(16) + " bytes unreadable" : ""));
  },

  rowText(row, c) {
    const parts: string[] = [];
    const addr = row.Address;
    const value = row.Value;
    parts.push(isInt64(addr) ? formatSlot(addr, c.pointerSize) : "");
    parts.push(value instanceof Unavailable ? value.reason : isInt64(value) ? formatSlot(value, c.pointerSize) : "");
    if (typeof row.Symbol === "string") parts.push(row.Symbol);
    else if (row.Kind !== undefined && row.Kind !== "Value" && row.Kind !== "Unreadable") parts.push(String(row.Kind));
    if (row.Verdict !== "Info" || row.Kind === undefined) return row.Verdict + ": " + row.Evidence;
    return parts.filter((p) => p !== "").join("  ");
  },
});

function formatSlot(v: Int64, ps: number): string {
  const [hi, lo] = halvesOf(v);
  const h = ("00000000" + hi.toString(16)).slice(-8);
  const l = ("00000000" + lo.toString(16)).slice(-8);
  return ps === 4 && hi === 0 ? l : h + "`" + l;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

/** (tid?, options?) from dx or a `!` command; a string describing the problem when they make no sense. */
function parseArguments(args: readonly unknown[]): { tid: number | undefined; options: RawStackOptions } | string {
  let tidArg = args[0];
  let optArg = args[1];
  if (typeof tidArg === "string" && !/^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(tidArg)) {
    optArg = tidArg;
    tidArg = undefined;
  }
  let tid: number | undefined;
  if (tidArg !== undefined && tidArg !== null) {
    try {
      tid = typeof tidArg === "string" ? parseInt(tidArg, /^\s*0x/i.test(tidArg) ? 16 : 10) : toNumber(tidArg);
    } catch (e) {
      return "the thread id must be a number such as 0x1a4, not " + String(tidArg);
    }
    if (!(tid >= 0) || tid !== Math.floor(tid)) return "the thread id must be a non-negative integer, not " + String(tidArg);
  }
  const options: RawStackOptions = { all: false, symbolsOnly: false, module: undefined };
  if (typeof optArg === "string") {
    for (const part of optArg.split(/[\s,;]+/)) {
      const p = part.toLowerCase();
      if (p === "") continue;
      if (p === "all") options.all = true;
      else if (p === "symbols" || p === "symbolsonly") options.symbolsOnly = true;
      else if (p.indexOf("module=") === 0) options.module = part.slice(7);
      else return "unknown option \"" + part + "\" (use all, symbols, module=<name>)";
    }
  } else if (optArg !== undefined && optArg !== null) {
    if (typeof optArg !== "object") return "options must be an object such as new { All = true } or a string such as \"all\"";
    const o = optArg as { All?: unknown; SymbolsOnly?: unknown; Module?: unknown };
    options.all = o.All === true;
    options.symbolsOnly = o.SymbolsOnly === true;
    if (o.Module !== undefined && o.Module !== null) options.module = String(o.Module);
  }
  return { tid, options };
}

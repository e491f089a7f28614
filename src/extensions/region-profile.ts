import { defineAnalysis, type ColumnSpec, type Row } from "../lib/analysis";
import { formatAddress, formatHalves, fromHalves, halvesOf, hexOfHalves, type Int64 } from "../lib/int64";
import { memoryRegions, unloadedModules } from "../lib/memory-places";
import { regionArguments, parseBool } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { TableFile, tableColumns, tableFormat } from "../lib/table-export";
import { ValueClassifier, type ValueKind } from "../lib/value-class";
import { errorMessage, Unavailable, unreadable, type Source } from "../lib/values";

const OPTIONS = ["View", "Export", "Format", "Append", "Regions", "Symbols"] as const;

const COLUMNS: readonly ColumnSpec[] = [
  { name: "Section", type: "string", help: "Slot (one pointer-sized value), or a profile row: ByKind, ByModule, BySymbol" },
  { name: "Offset", type: "hex", help: "Offset of the slot from the start of the region" },
  { name: "Address", type: "address", help: "Address of the slot" },
  { name: "Value", type: "address", help: "Pointer-sized value stored in the slot" },
  { name: "Kind", type: "string", help: "Zero, SmallInt, CodePointer, DataPointer, ImagePointer, StackPointer, OtherStackPointer, UnloadedModulePointer, HeapPointer, RawCodePointer, String, Status, Value or Unreadable" },
  { name: "Symbol", type: "string", help: "module!symbol+0xoff (or module+0xoff) of a pointer into an image; on BySymbol rows the function" },
  { name: "Module", type: "string", help: "Image the value points into" },
  { name: "ReturnAddress", type: "bool", help: "A call instruction ends right before the code pointer; unreadable when the code is not in the dump", table: false },
  { name: "Text", type: "string", help: "The string fragment starting at the slot, the status code's name, or the unloaded module" },
  { name: "Count", type: "int", help: "Profile rows: slots of this kind / pointing into this module / into this function" },
  { name: "Percent", type: "string", help: "Profile rows: share of the region's readable slots" },
];

/**
 * Region Profile: every pointer-sized value of a memory region (a thread's stack, a heap block, any range)
 * with its classification, then the region's profile: counts per kind, per module and per symbol.
 *
 * The pattern (Region Profile): a region's values, each annotated with what it is, exported as data
 * (Vostokov's `stack.csv`) to inspect, chart, cluster (RegionClusters) or compare across dumps. Kinds: Zero;
 * SmallInt (below 0x10000); CodePointer / DataPointer / ImagePointer (into a loaded image, with the symbol and,
 * for code, whether a call instruction precedes it); StackPointer (into the region's own stack) and
 * OtherStackPointer (another thread's); UnloadedModulePointer (into a range `lm` lists under "Unloaded
 * modules"); HeapPointer and RawCodePointer (into a heap, or executable memory outside every image, when
 * `!address` is used: option Regions); String (the start of an ASCII or UTF-16 run of at least
 * `Config.RegionProfile.MinStringChars` printable characters; the slots it continues over are String without
 * text); Status (NTSTATUS / HRESULT error codes); Value (anything else); Unreadable (not in the dump).
 *
 * Detection: the region is read in `Config.RegionProfile.ChunkBytes` chunks (a partly captured range is split
 * down to its readable pieces), values are matched against a module index and the threads' stack ranges built
 * once, and each distinct in-image value is symbolized once. Rows are the slots (up to `MaxRows`; the rest are
 * counted) followed by the profile rows. With Export the slot rows are streamed to a CSV or JSON-lines file as
 * they are classified (millions of rows never held in memory) and only the profile is returned; any result can
 * also be written with `.ExportTable(path)`.
 *
 * False positives: classification is by value only: a number that happens to fall inside a module reads as a
 * pointer (coincidental symbolic information; check ReturnAddress), four printable bytes read as a string, and a
 * 32-bit x86 heap address in 0x8000xxxx-0x800xxxxx can read as an HRESULT.
 *
 * Arguments: `(address, size)`, a thread id (its stack, from the TEB), or nothing (the current thread's stack).
 * A size above `Config.RegionProfile.MaxBytes` is cut to it (an Info row says so); an address that is not
 * pointer-aligned is widened to whole slots (an Info row says so); a size of 0 is refused with a message.
 * Options: View ("all", "slots" or "profile"), Export (file path: stream the slot rows there), Format ("csv" or
 * "jsonl"; default from the extension), Append (add to an existing file of the same table), Regions (run
 * `!address` once to tell heap and raw executable memory), Symbols (false: do not symbolize, faster).
 *
 * @function RegionProfile
 * @memberof Ewmda
 * @param {number} [addressOrTid] Start address (with a size), or a thread id; default: the current thread's stack.
 * @param {number} [size] Bytes to profile from the address.
 * @param {object|string} [options] `View`, `Export`, `Format`, `Append`, `Regions`, `Symbols`; or a string such as `"view=profile export=C:\\temp\\stack.csv"`.
 * @returns {ResultSet} One row per slot (Section "Slot"), then the profile rows (ByKind, ByModule, BySymbol): Section, Offset, Address, Value, Kind, Symbol, Module, ReturnAddress, Text, Count, Percent, Verdict, Evidence, Source.
 * @example dx @$ewmda.RegionProfile()
 * @example dx -g @$ewmda.RegionProfile(0x1a4).Where(r => r.Section == "ByModule")
 * @example dx @$ewmda.RegionProfile(0x1d000000000, 0x10000, new { View = "profile" })
 * @example dx @$ewmda.RegionProfile(0x1a4, new { Export = "C:\\temp\\stack.csv" })
 * @example dx @$ewmda.RegionProfile(0x1a4).ExportTable("C:\\temp\\stack.jsonl")
 * @example !ewmda.regionprofile
 * @example !ewmda.regionprofile (0x1d000000000, 0x1000)
 */
export const regionProfile = defineAnalysis({
  meta: {
    name: "RegionProfile",
    command: "regionprofile",
    summary: "Every pointer-sized value of a memory region classified, with counts per kind, module and symbol (exportable as CSV / JSON lines)",
    patterns: ["Region Profile"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "addressOrTid", help: "start address (with a size), or a thread id; default: the current thread's stack", optional: true },
      { name: "size", help: "bytes to profile from the address", optional: true },
      { name: "options", help: "View, Export, Format, Append, Regions, Symbols", optional: true },
    ],
    options: [
      { name: "View", type: "string", help: "all (slots then profile), slots, or profile" },
      { name: "Export", type: "string", help: "file to stream the slot rows to (CSV or JSON lines), instead of keeping them" },
      { name: "Format", type: "string", help: "csv or jsonl (default: from the Export file's extension)" },
      { name: "Append", type: "bool", help: "add the rows to an existing Export file of the same table" },
      { name: "Regions", type: "bool", help: "run !address once to classify heap and executable memory outside images" },
      { name: "Symbols", type: "bool", help: "false: leave pointers unsymbolized (faster on large regions)" },
    ],
    columns: COLUMNS,
    settings: {
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request", reason: "64 KiB reads a 16 MiB region in 256 requests; larger reads fail more often on partly captured ranges" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
      MaxBytes: { default: 0x4000000, help: "Largest region read per call (larger ones are cut, with a note)", reason: "64 MiB is 8 million slots on x64: seconds, not minutes, and a heap segment or a whole stack fits" },
      FallbackScanBytes: { default: 0x100000, help: "Stack bytes above the stack pointer profiled when the TEB cannot be read", reason: "1 MiB is the default reserved stack size" },
      MaxRows: { default: 100000, help: "Slot rows kept in the result (all slots are still profiled; use Export for more)", reason: "a 1 MiB x64 stack has 131072 slots; more rows than this belong in a file" },
      MaxSymbols: { default: 50, help: "BySymbol rows (the most frequent functions)", reason: "the head of the distribution is what an analyst reads; the file has every slot" },
      MinStringChars: { default: 4, help: "Printable characters a string fragment needs", reason: "the default of strings(1) and s -sa" },
      MaxStringChars: { default: 64, help: "Characters of a fragment shown in Text", reason: "enough to recognize a path or a message; the memory has the rest" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const parsed = regionArguments(t, args, OPTIONS, { maxBytes: cfg.MaxBytes, fallbackStackBytes: cfg.FallbackScanBytes });
    if (typeof parsed === "string") {
      ctx.summary("RegionProfile: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    const { region, options } = parsed;
    const opts = profileOptions(options);
    if (typeof opts === "string") {
      ctx.summary("RegionProfile: " + opts);
      yield info(opts, "heuristic");
      return;
    }
    const source: Source = region.source;
    for (const n of region.notes) yield info(n, source);

    let file: TableFile | undefined;
    if (opts.exportPath !== undefined) {
      const f = tableFormat(opts.exportPath, opts.format);
      if (f !== "csv" && f !== "jsonl") { yield info("Export: " + f, "heuristic"); ctx.summary("RegionProfile: " + f); return; }
      const opened = TableFile.open(opts.exportPath, f, tableColumns(COLUMNS), opts.append);
      if (typeof opened === "string") { yield info("Export: " + opened, "heuristic"); ctx.summary("RegionProfile: " + opened); return; }
      file = opened;
    }

    const ps = t.pointerSize();
    const per = ps / 4;
    const unloaded = unloadedModules(t);
    const regions = opts.regions ? memoryRegions(t) : undefined;
    const classifier = new ValueClassifier(t, region.stack, {
      unloaded: unloaded.available ? unloaded : undefined, regions: regions && regions.available ? regions : undefined,
      minStringChars: cfg.MinStringChars, maxStringChars: cfg.MaxStringChars,
    });
    const byKind: { [k: string]: number } = {};
    const byModule: { [m: string]: number } = {};
    const bySymbol: { [s: string]: { count: number; module: string } } = {};
    let readable = 0;
    let unreadableBytes = 0;
    let kept = 0;
    let dropped = 0;
    let stopped = false;
    const showSlots = opts.view !== "profile";
    const [startHi, startLo] = halvesOf(region.start);
    const offsetOf = (a: Int64) => { const [h, l] = halvesOf(a); return (h - startHi) * 4294967296 + (l - startLo); };
    const evidence = (a: Int64, n: number) => "dps " + t.formatAddress(a) + " L0x" + n.toString(16);

    try {
      for (const block of slotBlocks(t, region.start, region.bytes, { slotBytes: ps, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes })) {
        if (ctx.budget.exceeded()) { stopped = true; break; }
        if (!block.words) {
          unreadableBytes += block.count * ps;
          byKind.Unreadable = (byKind.Unreadable || 0) + block.count;
          const row: Row = {
            Section: "Slot", Offset: offsetOf(block.address), Address: block.address,
            Value: unreadable("0x" + (block.count * ps).toString(16) + " bytes are not in the dump"), Kind: "Unreadable",
            Verdict: "Info", Evidence: evidence(block.address, block.count) + " shows ????????", Source: source,
          };
          if (file) file.write(row);
          else if (showSlots) { if (kept < cfg.MaxRows) { kept++; yield row; } else dropped++; }
          continue;
        }
        classifier.startBlock();
        const words = block.words;
        let [aHi, aLo] = halvesOf(block.address);
        for (let i = 0; i < block.count; i++) {
          const kind: ValueKind = classifier.slot(words, i, block.count, per);
          readable++;
          byKind[kind] = (byKind[kind] || 0) + 1;
          const m = classifier.module;
          const vLo = words[i * per]! >>> 0;
          const vHi = per === 2 ? words[i * 2 + 1]! >>> 0 : 0;
          let symbol: string | undefined;
          let ret: boolean | Unavailable | undefined;
          if (m) {
            byModule[m.name] = (byModule[m.name] || 0) + 1;
            if (opts.symbols) {
              const v = fromHalves(vHi, vLo);
              const s = t.symbolize(v, m);
              symbol = s.text;
              const fn = s.hasSymbol ? functionOf(s.text) : m.symbolName;
              const e = bySymbol[fn];
              if (e) e.count++; else bySymbol[fn] = { count: 1, module: m.name };
              if (kind === "CodePointer" || kind === "ImagePointer") ret = t.isReturnSite(v);
            }
          }
          if (file || (showSlots && kept < cfg.MaxRows)) {
            // Rows for the file carry hex strings: no host.Int64 is made per slot (millions of rows).
            const address = file ? hexOfHalves(aHi, aLo) : fromHalves(aHi, aLo);
            const row: Row = {
              Section: "Slot", Offset: (aHi - startHi) * 4294967296 + (aLo - startLo), Address: address, Value: file ? hexOfHalves(vHi, vLo) : fromHalves(vHi, vLo),
              Kind: kind, Symbol: symbol, Module: m ? m.name : undefined, ReturnAddress: ret, Text: classifier.text,
              Verdict: "Info", Evidence: "dps " + formatHalves(aHi, aLo, ps) + " L0x1" + (ret !== undefined ? "; ub " + formatHalves(vHi, vLo, ps) + " L1" : ""), Source: source,
            };
            if (file) file.write(row);
            else { kept++; yield row; }
          } else if (showSlots) dropped++;
          aLo += ps;
          if (aLo >= 4294967296) { aLo -= 4294967296; aHi++; }
        }
      }
    } catch (e) {
      if (file) { try { file.close(); } catch (e2) { /* reported below */ } }
      throw e;
    }
    let written = 0;
    if (file) {
      try { file.close(); } catch (e) { yield info("Export: writing the last rows to " + file.path + " failed: " + errorMessage(e), "heuristic"); }
      written = file.rows;
    }

    const total = readable + unreadableBytes / ps;
    const pct = (n: number) => (readable ? (100 * n / readable).toFixed(1) : "0.0") + "%";
    if (stopped) yield info("stopped at the time budget after " + total + " of " + region.bytes / ps + " slots; the profile covers those", source);
    if (file) yield info(written + " slot rows written to " + file.path + " (" + (file.format === "csv" ? "CSV" : "JSON lines") + (opts.append ? ", appended" : "") + ")", source);
    if (dropped > 0) yield info(dropped + " more slot rows were not kept (Config.RegionProfile.MaxRows = " + cfg.MaxRows + "); the profile counts them; Export streams every row to a file", source);
    if (readable === 0) {
      yield info("none of the region's 0x" + region.bytes.toString(16) + " bytes is in the dump (" + region.label + "); " + evidence(region.start, region.bytes / ps) + " shows ????????", source);
    }
    if (opts.view !== "slots" && readable > 0) {
      const kinds = Object.keys(byKind).filter((k) => k !== "Unreadable").sort((a, b) => byKind[b]! - byKind[a]! || (a < b ? -1 : 1));
      for (const k of kinds) {
        yield { Section: "ByKind", Kind: k, Count: byKind[k], Percent: pct(byKind[k]!), Verdict: "Info", Evidence: byKind[k] + " of " + readable + " readable slots of the " + region.label + " are " + k, Source: source };
      }
      const mods = Object.keys(byModule).sort((a, b) => byModule[b]! - byModule[a]! || (a < b ? -1 : 1));
      for (const m of mods) {
        yield { Section: "ByModule", Module: m, Count: byModule[m], Percent: pct(byModule[m]!), Verdict: "Info", Evidence: byModule[m] + " slots point into " + m + " (lm m " + m.replace(/\.[^.]*$/, "") + "; dpS " + t.formatAddress(region.start) + " L0x" + (region.bytes / ps).toString(16) + ")", Source: source };
      }
      const syms = Object.keys(bySymbol).sort((a, b) => bySymbol[b]!.count - bySymbol[a]!.count || (a < b ? -1 : 1));
      for (const s of syms.slice(0, cfg.MaxSymbols)) {
        const e = bySymbol[s]!;
        yield { Section: "BySymbol", Symbol: s, Module: e.module, Count: e.count, Percent: pct(e.count), Verdict: "Info", Evidence: e.count + " slots point into " + s + " (ln " + s + ")", Source: source };
      }
      if (syms.length > cfg.MaxSymbols) yield info((syms.length - cfg.MaxSymbols) + " more functions are pointed to (Config.RegionProfile.MaxSymbols = " + cfg.MaxSymbols + ")", source);
    }
    if (unloaded.note && readable > 0) yield info(unloaded.note, "command");
    if (regions && regions.note) yield info(regions.note, "command");
    ctx.summary("RegionProfile " + region.label + ": " + total + " slots, " + readable + " readable" +
      (unreadableBytes ? ", 0x" + unreadableBytes.toString(16) + " bytes unreadable" : "") + (file ? ", " + written + " rows written to " + file.path : ""));
  },

  rowText(row, c) {
    if (row.Section === "Slot" && row.Address !== undefined) {
      const v = row.Value;
      const parts = [
        "+0x" + Number(row.Offset).toString(16),
        v instanceof Unavailable ? v.reason : v !== undefined ? formatAddress(v as Int64, c.pointerSize) : "",
        String(row.Kind),
      ];
      if (typeof row.Symbol === "string") parts.push(row.Symbol);
      if (typeof row.Text === "string") parts.push(row.Text);
      return parts.filter((p) => p !== "").join("  ");
    }
    if (row.Count !== undefined) return row.Section + ": " + String(row.Symbol ?? row.Module ?? row.Kind) + " " + row.Count + " (" + row.Percent + ")";
    return row.Verdict + ": " + row.Evidence;
  },
});

interface ProfileOptions {
  readonly view: "all" | "slots" | "profile";
  readonly exportPath: string | undefined;
  readonly format: string | undefined;
  readonly append: boolean;
  readonly regions: boolean;
  readonly symbols: boolean;
}

function profileOptions(bag: { [name: string]: unknown }): ProfileOptions | string {
  let view: ProfileOptions["view"] = "all";
  if (bag.View !== undefined) {
    const v = String(bag.View).toLowerCase();
    if (v !== "all" && v !== "slots" && v !== "profile") return "View must be \"all\", \"slots\" or \"profile\", not \"" + String(bag.View) + "\"";
    view = v;
  }
  const flags: { [k: string]: boolean } = { Append: false, Regions: false, Symbols: true };
  for (const k of Object.keys(flags)) {
    if (bag[k] === undefined) continue;
    const b = parseBool(bag[k], k);
    if (typeof b === "string") return b;
    flags[k] = b;
  }
  const exportPath = bag.Export !== undefined ? String(bag.Export) : undefined;
  if (exportPath !== undefined && exportPath.trim() === "") return "Export needs a file path, such as C:\\temp\\stack.csv";
  return { view, exportPath, format: bag.Format !== undefined ? String(bag.Format) : undefined, append: flags.Append!, regions: flags.Regions!, symbols: flags.Symbols! };
}

/** `ntdll!NtWaitForSingleObject+0x14` → `ntdll!NtWaitForSingleObject`. */
function functionOf(symbol: string): string {
  const plus = symbol.lastIndexOf("+0x");
  return plus > 0 ? symbol.slice(0, plus) : symbol;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

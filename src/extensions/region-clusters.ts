import { defineAnalysis, type Row } from "../lib/analysis";
import { comparePair, formatAddress, fromHalves, isInt64 } from "../lib/int64";
import { memoryRegions, unloadedModules } from "../lib/memory-places";
import { boolOptions, parseBytes, regionArguments } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { ValueClassifier, type ValueKind } from "../lib/value-class";
import type { Source } from "../lib/values";

const OPTIONS = ["GapBytes", "MinRepeats", "Regions", "Values"];

/** One distinct value of the region: how often it occurs and what it is. */
interface Distinct {
  readonly hi: number;
  readonly lo: number;
  count: number;
  readonly label: string;
  readonly kind: ValueKind;
  /** The cluster the value fell in (set while clustering). */
  cluster?: number;
}

/**
 * Region Clusters: the values of a memory region sorted and grouped into clusters of values close together
 * and of the same kind (pointers into one module, into one stack, small integers, error codes), and the values
 * that repeat; the companion of RegionProfile for the same region.
 *
 * The pattern (Region Clusters): sorting a region's values with their counts makes structure visible: runs of
 * small integers, error codes, flag words, pointers into the same module, heap or stack. Vostokov sorts the
 * `stack.csv` of a Region Profile; this does it in the debugger.
 *
 * Detection: the region is read and classified as RegionProfile does (bulk reads, module index, stack ranges,
 * unloaded modules from `lm`, heaps with Regions). Distinct values are counted, sorted numerically and split into
 * clusters where the gap to the previous value exceeds `Config.RegionClusters.GapBytes` or the label changes.
 * Labels: Zero, SmallInts, ErrorCodes, Module:<name>, Stack(self), Stack(0xTID), UnloadedModule:<name>, Heap,
 * RawCode, Strings, Other. Each cluster row gives its range, occurrences, distinct values and example symbols;
 * values that occur at least `MinRepeats` times get their own rows (Section "Repeated"). With Values, every
 * distinct value follows in value order with its count and cluster (Section "Value"): the sorted list with counts
 * that Vostokov builds from `stack.csv`, up to `Config.RegionClusters.MaxValues` rows.
 *
 * False positives: as for RegionProfile (classification by value); the gap threshold is heuristic, so it is an
 * option.
 *
 * Arguments: `(address, size)`, a thread id (its stack), or nothing (the current thread's stack), as for
 * RegionProfile (zero-length ranges are refused, larger ones than `MaxBytes` cut, misaligned ones widened).
 * Options: GapBytes (cluster gap), MinRepeats (threshold for Repeated rows), Regions (run `!address` once),
 * Values (also list every distinct value).
 *
 * @function RegionClusters
 * @memberof Ewmda
 * @param {number} [addressOrTid] Start address (with a size), or a thread id; default: the current thread's stack.
 * @param {number} [size] Bytes from the address.
 * @param {object|string} [options] `GapBytes`, `MinRepeats`, `Regions`, `Values`; or a string such as `"gapbytes=0x1000 values=true"`.
 * @returns {ResultSet} Cluster rows in value order, then Repeated rows (most frequent first), then with Values one row per distinct value: Section, Cluster, Label, Low, High, Count, Distinct, Examples, Verdict, Evidence, Source.
 * @example dx @$ewmda.RegionClusters()
 * @example dx -g @$ewmda.RegionClusters(0x1a4).Where(r => r.Section == "Cluster")
 * @example dx @$ewmda.RegionClusters(0x1d000000000, 0x10000, new { GapBytes = 0x1000 })
 * @example !ewmda.regionclusters
 */
export const regionClusters = defineAnalysis({
  meta: {
    name: "RegionClusters",
    command: "regionclusters",
    summary: "A memory region's values sorted into clusters (same module, stack, small integers, error codes) and repeated values",
    patterns: ["Region Clusters"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "addressOrTid", help: "start address (with a size), or a thread id; default: the current thread's stack", optional: true },
      { name: "size", help: "bytes from the address", optional: true },
      { name: "options", help: "GapBytes, MinRepeats, Regions, Values", optional: true },
    ],
    options: [
      { name: "GapBytes", type: "number", help: "start a new cluster when the next value is further than this" },
      { name: "MinRepeats", type: "number", help: "values occurring at least this often get a Repeated row" },
      { name: "Regions", type: "bool", help: "run !address once to label heap and raw-code values" },
      { name: "Values", type: "bool", help: "also list every distinct value in value order with its count and cluster (Section Value)" },
    ],
    columns: [
      { name: "Section", type: "string", help: "Cluster (values close together with one label), Repeated (one value that occurs often) or Value (one distinct value, with Values)" },
      { name: "Cluster", type: "int", help: "Cluster number, in value order (Value rows: the cluster the value is in)" },
      { name: "Label", type: "string", help: "Zero, SmallInts, ErrorCodes, Module:<name>, Stack(self), Stack(0xTID), UnloadedModule:<name>, Heap, RawCode, Strings or Other" },
      { name: "Low", type: "address", help: "Smallest value (Repeated and Value rows: the value)" },
      { name: "High", type: "address", help: "Largest value" },
      { name: "Count", type: "int", help: "Slots holding values of the cluster (Repeated: slots holding the value)" },
      { name: "Distinct", type: "int", help: "Distinct values in the cluster" },
      { name: "Examples", type: "string", help: "Symbols or values of the cluster's most frequent members" },
    ],
    settings: {
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request", reason: "64 KiB reads a 16 MiB region in 256 requests" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
      MaxBytes: { default: 0x4000000, help: "Largest region read per call (larger ones are cut, with a note)", reason: "64 MiB is 8 million slots on x64" },
      FallbackScanBytes: { default: 0x100000, help: "Stack bytes above the stack pointer read when the TEB cannot be read", reason: "1 MiB is the default reserved stack size" },
      GapBytes: { default: 0x10000, help: "A new cluster starts when consecutive distinct values are further apart than this", reason: "64 KiB, the allocation granularity: pointers into one allocation stay together" },
      MinRepeats: { default: 3, help: "Occurrences that make a value a Repeated row", reason: "twice is common by chance in a stack (a saved register and its copy); three times is a pattern" },
      MaxRepeated: { default: 50, help: "Repeated rows kept (most frequent first)", reason: "the head of the distribution is what an analyst reads" },
      MaxClusters: { default: 2000, help: "Cluster rows kept (in value order)", reason: "a region with more clusters than this has no structure worth reading row by row" },
      MaxValues: { default: 100000, help: "Value rows kept with Values (in value order)", reason: "the distinct values of a 1 MiB x64 stack fit; larger lists belong in a file (ExportTable)" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const parsed = regionArguments(t, args, OPTIONS, { maxBytes: cfg.MaxBytes, fallbackStackBytes: cfg.FallbackScanBytes });
    if (typeof parsed === "string") {
      ctx.summary("RegionClusters: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    const { region, options } = parsed;
    const flags = boolOptions(options, { Regions: false, Values: false });
    const gapArg = options.GapBytes !== undefined ? parseBytes(options.GapBytes, "GapBytes") : cfg.GapBytes;
    const repeatsArg = options.MinRepeats !== undefined ? parseBytes(options.MinRepeats, "MinRepeats") : cfg.MinRepeats;
    const bad = typeof flags === "string" ? flags : typeof gapArg === "string" ? gapArg : typeof repeatsArg === "string" ? repeatsArg : undefined;
    if (bad !== undefined || typeof flags === "string" || typeof gapArg === "string" || typeof repeatsArg === "string") {
      ctx.summary("RegionClusters: " + bad);
      yield info(bad!, "heuristic");
      return;
    }
    const gap = gapArg;
    const minRepeats = Math.max(2, repeatsArg);
    const source: Source = region.source;
    for (const n of region.notes) yield info(n, source);

    const ps = t.pointerSize();
    const per = ps / 4;
    const unloaded = unloadedModules(t);
    const regions = flags.Regions ? memoryRegions(t) : undefined;
    const classifier = new ValueClassifier(t, region.stack, {
      unloaded: unloaded.available ? unloaded : undefined, regions: regions && regions.available ? regions : undefined, minStringChars: 4, maxStringChars: 16,
    });
    const ownTid = region.thread ? region.thread.id : undefined;
    const distinct: { [key: string]: Distinct } = {};
    let readable = 0;
    let unreadableBytes = 0;
    let stopped = false;
    for (const block of slotBlocks(t, region.start, region.bytes, { slotBytes: ps, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes })) {
      if (ctx.budget.exceeded()) { stopped = true; break; }
      if (!block.words) { unreadableBytes += block.count * ps; continue; }
      classifier.startBlock();
      const w = block.words;
      for (let i = 0; i < block.count; i++) {
        const kind = classifier.slot(w, i, block.count, per);
        readable++;
        const lo = w[i * per]! >>> 0;
        const hi = per === 2 ? w[i * 2 + 1]! >>> 0 : 0;
        const key = hi + ":" + lo;
        const d = distinct[key];
        if (d) { d.count++; continue; }
        distinct[key] = { hi, lo, count: 1, kind, label: labelOf(kind, classifier, ownTid) };
      }
    }

    const values = Object.keys(distinct).map((k) => distinct[k]!).sort((a, b) => comparePair(a.hi, a.lo, b.hi, b.lo));
    const symbolOf = (d: Distinct): string => {
      const m = t.modules().findPair(d.hi, d.lo);
      const v = fromHalves(d.hi, d.lo);
      return m ? t.symbolize(v, m).text : t.formatAddress(v);
    };
    let clusters = 0;
    let kept = 0;
    let i = 0;
    while (i < values.length) {
      let j = i + 1;
      while (j < values.length && values[j]!.label === values[i]!.label && distance(values[j - 1]!, values[j]!) <= gap) j++;
      clusters++;
      for (let k = i; k < j; k++) values[k]!.cluster = clusters;
      if (kept < cfg.MaxClusters) {
        kept++;
        const members = values.slice(i, j);
        let count = 0;
        for (const m of members) count += m.count;
        const top = members.slice().sort((a, b) => b.count - a.count).slice(0, 3);
        const low = fromHalves(members[0]!.hi, members[0]!.lo);
        const high = fromHalves(members[members.length - 1]!.hi, members[members.length - 1]!.lo);
        yield {
          Section: "Cluster", Cluster: clusters, Label: members[0]!.label, Low: low, High: high, Count: count, Distinct: members.length,
          Examples: top.map((m) => symbolOf(m) + (m.count > 1 ? " x" + m.count : "")).join(", "), Verdict: "Info",
          Evidence: count + " slots hold " + members.length + " distinct values in " + t.formatAddress(low) + " - " + t.formatAddress(high) + " (" + members[0]!.label + "); dps " + t.formatAddress(region.start) + " L0x" + (region.bytes / ps).toString(16) + " and sort",
          Source: source,
        };
      }
      i = j;
    }
    if (clusters > kept) yield info((clusters - kept) + " more clusters were not listed (Config.RegionClusters.MaxClusters = " + cfg.MaxClusters + ")", source);
    const repeated = values.filter((d) => d.count >= minRepeats).sort((a, b) => b.count - a.count || comparePair(a.hi, a.lo, b.hi, b.lo));
    for (const d of repeated.slice(0, cfg.MaxRepeated)) {
      const v = fromHalves(d.hi, d.lo);
      yield {
        Section: "Repeated", Label: d.label, Low: v, Count: d.count, Distinct: 1, Examples: symbolOf(d), Verdict: "Info",
        Evidence: t.formatAddress(v) + " occurs " + d.count + " times in the " + region.label + " (" + (ps === 8 ? "s -q " : "s -d ") + t.formatAddress(region.start) + " L?0x" + region.bytes.toString(16) + " " + t.formatAddress(v) + ")",
        Source: source,
      };
    }
    if (repeated.length > cfg.MaxRepeated) yield info((repeated.length - cfg.MaxRepeated) + " more values repeat at least " + minRepeats + " times (Config.RegionClusters.MaxRepeated = " + cfg.MaxRepeated + ")", source);
    if (flags.Values) {
      for (const d of values.slice(0, cfg.MaxValues)) {
        const v = fromHalves(d.hi, d.lo);
        yield {
          Section: "Value", Cluster: d.cluster, Label: d.label, Low: v, Count: d.count, Distinct: 1, Examples: symbolOf(d), Verdict: "Info",
          Evidence: t.formatAddress(v) + " occurs " + d.count + " times in the " + region.label, Source: source,
        };
      }
      if (values.length > cfg.MaxValues) yield info((values.length - cfg.MaxValues) + " more distinct values were not listed (Config.RegionClusters.MaxValues = " + cfg.MaxValues + "); ExportTable writes what is listed", source);
    }
    if (stopped) yield info("stopped at the time budget; the clusters cover the slots read so far", "heuristic");
    if (readable === 0) yield info("none of the region's 0x" + region.bytes.toString(16) + " bytes is in the dump (" + region.label + ")", source);
    ctx.summary("RegionClusters " + region.label + ": " + readable + " readable slots, " + values.length + " distinct values, " + clusters + " clusters, " + repeated.length + " repeated values" +
      (unreadableBytes ? "; 0x" + unreadableBytes.toString(16) + " bytes unreadable" : ""));
  },

  rowText(row, c) {
    if (!isInt64(row.Low)) return row.Verdict + ": " + row.Evidence;
    if (row.Section === "Repeated" || row.Section === "Value") return String(row.Section) + " " + formatAddress(row.Low, c.pointerSize) + " x" + row.Count + "  " + String(row.Examples);
    return "Cluster " + row.Cluster + " " + String(row.Label) + ": " + formatAddress(row.Low, c.pointerSize) + " - " + (isInt64(row.High) ? formatAddress(row.High, c.pointerSize) : "") + ", " + row.Count + " slots, " + row.Distinct + " values";
  },
});

function labelOf(kind: ValueKind, c: ValueClassifier, ownTid: number | undefined): string {
  switch (kind) {
    case "Zero": return "Zero";
    case "SmallInt": return "SmallInts";
    case "Status": return "ErrorCodes";
    case "CodePointer": case "DataPointer": case "ImagePointer": return "Module:" + (c.module ? c.module.name : "?");
    case "StackPointer": return "Stack(self)";
    case "OtherStackPointer": return c.stack ? (c.stack.threadId === ownTid ? "Stack(self)" : "Stack(0x" + c.stack.threadId.toString(16) + ")") : "Stack";
    case "UnloadedModulePointer": return "UnloadedModule:" + (c.unloaded ? c.unloaded.name : "?");
    case "HeapPointer": return "Heap";
    case "RawCodePointer": return "RawCode";
    case "String": return "Strings";
    default: return "Other";
  }
}

/** b - a for sorted values, as a number (Infinity past 2^53). */
function distance(a: Distinct, b: Distinct): number {
  const d = (b.hi - a.hi) * 4294967296 + (b.lo - a.lo);
  return d > 9007199254740991 ? Infinity : d;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}


import { defineAnalysis, type Row } from "../lib/analysis";
import { namespacePath } from "../lib/cpp-names";
import { fromHalves, halvesOf } from "../lib/int64";
import { boolOptions, selectThreads, threadArguments } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { threadStackRanges } from "../lib/stack-ranges";
import { Unavailable, type Source } from "../lib/values";

const OPTION_NAMES = ["Threads", "Residue"];

interface Tally {
  frames: number;
  readonly threads: { [tid: number]: boolean };
  readonly modules: { [m: string]: boolean };
  example: string;
}

/**
 * Namespace: the C++ namespaces and classes of the code on the threads' stacks (and optionally in their stack
 * residue), grouped and counted, with the technology each belongs to; and the same symbols grouped by module.
 *
 * The pattern (Namespace): the qualified names in stack traces tell which technology, framework, subsystem or
 * vendor code was running (`Concurrency::details::`, `Microsoft::WRL::`, `Windows::UI::Xaml::`, `v8::`,
 * `mozilla::`), which narrows an analysis faster than module names, especially in large modules.
 *
 * Detection: every frame of the shared stack walk (read once per call); with Residue, also every code pointer in
 * the threads' stacks that is not disproved as a return address (bulk scan, each distinct value symbolized once).
 * The function part of each symbol is split at `::` (outside template arguments), template arguments are taken
 * out and lambdas and anonymous namespaces dropped; each prefix of depth 1 to `Config.Namespaces.MaxDepth` is
 * counted: frames, distinct threads, modules. `Config.Namespaces.Technologies` maps prefixes to technologies
 * (the longest matching prefix wins); prefixes in `Config.Namespaces.Unexpected` are flagged.
 *
 * Verdicts: Info for every namespace and module row (a ranking); Suspicious for a namespace listed in
 * Unexpected; one Negative row when no symbol has a namespace (C code, or export-only symbols); one Info row
 * (not checked) when no frame has a symbol at all.
 *
 * False positives: export-only symbols (no PDB) carry no namespaces; a class and a namespace look alike
 * (`Foo::Bar::method`: Bar may be either); residue symbols can be coincidental.
 *
 * @function Namespaces
 * @memberof Ewmda
 * @param {number} [tid] Thread id (default: every thread).
 * @param {object|string} [options] `Threads` (comma-separated ids), `Residue` (bool: also symbols from stack residue); or a string such as `"residue=true"`.
 * @returns {ResultSet} Namespace rows (most threads first), then module rows: Section, Namespace, Depth, Module, Frames, Threads, Modules, Technology, ExampleFrame, Verdict, Evidence, Source.
 * @example dx @$ewmda.Namespaces()
 * @example dx -g @$ewmda.Namespaces().Where(r => r.Depth == 1)
 * @example dx @$ewmda.Namespaces(new { Residue = true })
 * @example !ewmda.namespaces
 */
export const namespaces = defineAnalysis({
  meta: {
    name: "Namespaces",
    command: "namespaces",
    summary: "C++ namespaces and classes on the threads' stacks (and residue), counted by frames and threads, with their technology",
    patterns: ["Namespace"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "tid", help: "thread id (default: every thread)", optional: true },
      { name: "options", help: "Threads, Residue", optional: true },
    ],
    options: [
      { name: "Threads", type: "string", help: "thread ids (comma-separated), default all" },
      { name: "Residue", type: "bool", help: "also count symbols of code pointers in the stacks' residue" },
    ],
    columns: [
      { name: "Section", type: "string", help: "Namespace (a namespace or class prefix) or Module (all symbols of a module)" },
      { name: "Namespace", type: "string", help: "The prefix (std, mozilla::net, Concurrency::details)" },
      { name: "Depth", type: "int", help: "Components in the prefix" },
      { name: "Module", type: "string", help: "Module rows: the module" },
      { name: "Frames", type: "int", help: "Frames (and residue pointers) whose symbol has the prefix / is in the module" },
      { name: "Threads", type: "int", help: "Distinct threads with such a frame" },
      { name: "Modules", type: "string", help: "Modules the prefix's symbols are in", table: false },
      { name: "Technology", type: "string", help: "What the prefix belongs to (Config.Namespaces.Technologies)" },
      { name: "ExampleFrame", type: "string", help: "One symbol with the prefix", table: false },
    ],
    settings: {
      MaxDepth: { default: 3, help: "Longest prefix counted", reason: "vendor::product::component is as deep as grouping stays useful" },
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request when Residue is on", reason: "64 KiB reads a 1 MiB stack in 16 requests" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
      FallbackScanBytes: { default: 0x100000, help: "Stack bytes above the stack pointer scanned when a TEB cannot be read (Residue)", reason: "1 MiB is the default reserved stack size" },
      Technologies: {
        default: [
          "std=C++ Standard Library", "stdext=C++ Standard Library (MSVC extensions)", "Concurrency=Concurrency Runtime (PPL)", "concurrency=Concurrency Runtime (PPL)",
          "Microsoft::WRL=Windows Runtime C++ Template Library", "winrt=C++/WinRT", "Windows::UI::Xaml=XAML", "Microsoft::UI::Xaml=WinUI", "Windows=Windows Runtime (C++/CX)",
          "Microsoft::CoreUI=CoreMessaging", "wil=Windows Implementation Libraries", "ATL=Active Template Library", "WTL=Windows Template Library", "boost=Boost",
          "Concurrency::details=Concurrency Runtime scheduler", "v8=V8 JavaScript engine", "node=Node.js", "blink=Chromium Blink", "base=Chromium base", "content=Chromium content",
          "mozilla=Mozilla", "js=SpiderMonkey", "JS=SpiderMonkey", "Qt=Qt", "QtPrivate=Qt", "google=Google libraries", "absl=Abseil", "grpc=gRPC", "folly=Folly",
          "DirectX=DirectX", "D3D12=Direct3D 12", "CDXGI=DXGI", "Json=JsonCpp", "nlohmann=nlohmann::json", "tbb=oneTBB", "CryptoPP=Crypto++", "WEX=TAEF (Test Authoring and Execution Framework)",
        ],
        help: "prefix=Technology pairs; the longest matching prefix names a namespace's technology",
        reason: "the frameworks and vendors most often seen in Windows dumps; extend with your product's namespaces",
      },
      Unexpected: { default: [] as string[], help: "Namespace prefixes not expected in this product: their rows are Suspicious", reason: "none is assumed: list the technologies your product should not load" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const a = threadArguments(args, OPTION_NAMES);
    const flags = typeof a === "string" ? a : boolOptions(a.options, { Residue: false });
    if (typeof a === "string" || typeof flags === "string") {
      const text = typeof a === "string" ? a : flags as string;
      ctx.summary("Namespaces: " + text);
      yield info(text, "heuristic");
      return;
    }
    const selected = selectThreads(t, a.threads);
    for (const p of selected.problems) yield info(p, "typed");
    if (selected.threads.length === 0 && a.threads) { ctx.summary("Namespaces: no such thread"); return; }

    const technologies = parseTechnologies(cfg.Technologies);
    const unexpected = cfg.Unexpected.map((u) => u.trim()).filter((u) => u !== "");
    const byPrefix: { [p: string]: Tally & { depth: number } } = {};
    const byModule: { [m: string]: Tally & { functions: { [f: string]: boolean }; namespaced: number } } = {};
    let symbols = 0;
    let namespaced = 0;
    let unreadableStacks = 0;
    let residuePointers = 0;
    let stopped = false;

    const count = (symbol: string, module: string, tid: number) => {
      symbols++;
      const mt = byModule[module] || (byModule[module] = { frames: 0, threads: {}, modules: {}, example: symbol, functions: {}, namespaced: 0 });
      mt.frames++;
      mt.threads[tid] = true;
      const plus = symbol.lastIndexOf("+0x");
      mt.functions[plus > 0 ? symbol.slice(0, plus) : symbol] = true;
      const path = namespacePath(symbol);
      if (path.length === 0) return;
      namespaced++;
      mt.namespaced++;
      for (let d = 1; d <= Math.min(cfg.MaxDepth, path.length); d++) {
        const key = path.slice(0, d).join("::");
        const e = byPrefix[key] || (byPrefix[key] = { frames: 0, threads: {}, modules: {}, example: symbol, depth: d });
        e.frames++;
        e.threads[tid] = true;
        e.modules[module] = true;
      }
    };

    for (const thread of selected.threads) {
      if (ctx.budget.exceeded()) { stopped = true; break; }
      const s = t.threadStack(thread);
      if (s.frames instanceof Unavailable) unreadableStacks++;
      else for (const f of s.frames) if (f.module && f.hasSymbol) count(f.symbol, f.module.name, thread.id);
      if (!flags.Residue) continue;
      const { stacks } = threadStackRanges(t, thread, cfg.FallbackScanBytes);
      for (const st of stacks) {
        const [bh, bl] = halvesOf(st.base);
        const [lh, ll] = halvesOf(st.limit);
        const per = st.slotBytes / 4;
        for (const block of slotBlocks(t, st.limit, (bh - lh) * 4294967296 + (bl - ll), { slotBytes: st.slotBytes, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes })) {
          if (!block.words) continue;
          const w = block.words;
          for (let i = 0; i < block.count; i++) {
            const lo = w[i * per]! >>> 0;
            const hi = per === 2 ? w[i * 2 + 1]! >>> 0 : 0;
            if (hi === 0 && lo < 0x10000) continue;
            const m = t.modules().findPair(hi, lo);
            if (!m) continue;
            const value = fromHalves(hi, lo);
            if (t.isExecutable(m, value) === false) continue;
            const sym = t.symbolize(value, m);
            if (!sym.hasSymbol || t.isReturnSite(value) === false) continue;
            residuePointers++;
            count(sym.text, m.name, thread.id);
          }
        }
      }
    }

    const threadCount = (x: Tally) => Object.keys(x.threads).length;
    const prefixes = Object.keys(byPrefix).sort((p, q) => threadCount(byPrefix[q]!) - threadCount(byPrefix[p]!) || byPrefix[q]!.frames - byPrefix[p]!.frames || (p < q ? -1 : 1));
    let flagged = 0;
    for (const p of prefixes) {
      const e = byPrefix[p]!;
      const tech = technologyOf(p, technologies);
      const odd = unexpected.some((u) => p === u || p.indexOf(u + "::") === 0);
      if (odd) flagged++;
      const mods = Object.keys(e.modules).sort();
      yield {
        Section: "Namespace", Namespace: p, Depth: e.depth, Frames: e.frames, Threads: threadCount(e), Modules: mods.join(", "), Technology: tech, ExampleFrame: e.example,
        Verdict: odd ? "Suspicious" : "Info",
        Evidence: e.frames + " frames on " + threadCount(e) + " threads are in " + p + "::" + (odd ? " (listed in Config.Namespaces.Unexpected)" : "") + " (x " + mods[0]!.replace(/\.[^.]*$/, "") + "!" + p + "::*; ~*kc)",
        Source: flags.Residue ? "heuristic" : "typed",
      };
    }
    const modules = Object.keys(byModule).sort((p, q) => byModule[q]!.frames - byModule[p]!.frames || (p < q ? -1 : 1));
    for (const m of modules) {
      const e = byModule[m]!;
      yield {
        Section: "Module", Module: m, Frames: e.frames, Threads: threadCount(e), ExampleFrame: e.example, Verdict: "Info",
        Evidence: e.frames + " frames on " + threadCount(e) + " threads in " + Object.keys(e.functions).length + " functions of " + m + " (" + e.namespaced + " with a namespace; lm m " + m.replace(/\.[^.]*$/, "") + ")",
        Source: flags.Residue ? "heuristic" : "typed",
      };
    }
    if (stopped) yield info("stopped at the time budget; the threads read so far are counted", "heuristic");
    if (unreadableStacks) yield info(unreadableStacks + " threads' stacks could not be read", "typed");
    if (symbols === 0) {
      // No frame has a symbol: nothing could be checked (not "no namespaces").
      yield info("not checked: none of the " + selected.threads.length + " threads' frames" + (flags.Residue ? " or residue pointers" : "") + " has a symbol name (load symbols: .reload /f with the PDBs, or ewmda analyze --symbols <dir> with Breakpad .sym files)", "typed");
    } else if (prefixes.length === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 C++ namespaces among " + symbols + " symbolic frames" + (flags.Residue ? " and residue pointers" : "") + " of " + selected.threads.length + " threads (C code, or export-only symbols: .reload /f and check the PDBs)",
      };
    }
    ctx.summary("Namespaces: " + prefixes.length + " namespace prefixes in " + namespaced + " of " + symbols + " symbols (" + modules.length + " modules, " + selected.threads.length + " threads" +
      (flags.Residue ? ", " + residuePointers + " residue pointers" : "") + ")" + (flagged ? "; " + flagged + " unexpected" : ""));
  },

  rowText(row) {
    if (row.Section === "Namespace") return String(row.Namespace) + ": " + row.Frames + " frames, " + row.Threads + " threads" + (row.Technology ? " (" + String(row.Technology) + ")" : "");
    if (row.Section === "Module") return String(row.Module) + ": " + row.Frames + " frames, " + row.Threads + " threads";
    return row.Verdict + ": " + row.Evidence;
  },
});

function parseTechnologies(list: readonly string[]): { prefix: string; name: string }[] {
  const out: { prefix: string; name: string }[] = [];
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    out.push({ prefix: item.slice(0, eq).trim(), name: item.slice(eq + 1).trim() });
  }
  return out.sort((a, b) => b.prefix.length - a.prefix.length);
}

/** The technology of the longest configured prefix that the namespace starts with. */
function technologyOf(ns: string, list: readonly { prefix: string; name: string }[]): string | undefined {
  for (const t of list) if (ns === t.prefix || ns.indexOf(t.prefix + "::") === 0) return t.name;
  return undefined;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

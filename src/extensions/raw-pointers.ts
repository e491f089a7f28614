import { defineAnalysis, type Row } from "../lib/analysis";
import { formatAddress, fromHalves, halvesOf, isInt64, type Int64 } from "../lib/int64";
import { allocationBase, memoryRegions, nearestModule, placeOf, unloadedModules, type Place, type PlaceKind } from "../lib/memory-places";
import { boolOptions, selectThreads, threadArguments } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { threadStackRanges } from "../lib/stack-ranges";
import { Unavailable, type Source, type Verdict } from "../lib/values";

const OPTION_NAMES = ["Threads", "Residue", "Regions"];

/** Managed runtimes whose JIT code lives in private executable memory. */
const RUNTIMES = ["clr.dll", "coreclr.dll", "mscorwks.dll", "mrt100_app.dll", "libcoreclr.dll"];

/** A raw pointer's class: where it points, by the most specific evidence (JIT for runtime code). */
type PointerClass = PlaceKind | "JIT";

interface Found {
  readonly thread: number;
  readonly where: string;
  readonly address: Int64 | undefined;
  readonly pointer: Int64;
  readonly place: Place;
  readonly cls: PointerClass;
  readonly live: boolean;
}

/**
 * Raw Pointer: code pointers that no loaded module explains: live stack frames whose instruction pointer is
 * outside every module, and stack residue that points into an unloaded module's range or into executable
 * memory outside images; each classified by the region it points into, and grouped by region so that many raw
 * frames show as a few unknown components.
 *
 * The pattern (Raw Pointer): a pointer the debugger cannot associate with any module and shows as a bare address:
 * JIT-compiled code, dynamically generated thunks, code of an unloaded module, injected code. Which of them it is
 * decides between benign (JIT), a crash after unload, and hooks or injection.
 *
 * Detection: frames come from the shared stack walk (`k`); residue from a bulk scan of each thread's stack (both
 * stacks of a WOW64 thread). Classes, from the most specific evidence: UnloadedModule (inside a range `lm` lists
 * under "Unloaded modules"), JIT (private executable memory in a process with a managed runtime loaded),
 * PrivateExecutable / MappedExecutable (committed, PAGE_EXECUTE*, not an image: `!address`), UnlistedImage (an
 * image the module list lacks), Heap, Stack (code on a stack), Private / Mapped (not executable), Reserved /
 * Free (nothing can execute there: a wild pointer or a corrupted stack), Unknown (no region information: the
 * Regions option or `!address` was not available). `!address` runs once per call (option Regions, default on).
 *
 * Verdicts: Positive for a live frame in an unloaded module, executable memory outside images, a heap, a stack,
 * or unmapped memory; Suspicious for a live frame with no region information or in an unlisted image, and for
 * residue pointers; Info for JIT code. One Negative row when every frame is inside a module.
 *
 * False positives: minidumps without a complete module list make ordinary code look raw (check `lm` for
 * deferred and unloaded modules); x86 frames recovered by frame-pointer chains can be garbage.
 *
 * Options: Threads (ids; default all, or the thread id argument), Residue (false: frames only), Regions (false:
 * do not run `!address`).
 *
 * @function RawPointers
 * @memberof Ewmda
 * @param {number} [tid] Thread id (default: every thread).
 * @param {object|string} [options] `Threads`, `Residue`, `Regions`; or a string such as `"residue=false"`.
 * @returns {ResultSet} One row per raw pointer (Section "Pointer"), then one per region they fall in (Section "Component"): Section, Thread, Where, Address, Pointer, Class, Region, NearestModule, Count, Threads, Verdict, Evidence, Source.
 * @example dx @$ewmda.RawPointers()
 * @example dx -g @$ewmda.RawPointers().Where(r => r.Section == "Component")
 * @example dx @$ewmda.RawPointers(0x1a4, new { Residue = false })
 * @example !ewmda.rawpointers
 */
export const rawPointers = defineAnalysis({
  meta: {
    name: "RawPointers",
    command: "rawpointers",
    summary: "Code pointers no loaded module explains (frames and stack residue), classified by region: unloaded module, JIT, private executable, heap",
    patterns: ["Raw Pointer"],
    targets: "user",
    version: "1.0.0",
    params: [
      { name: "tid", help: "thread id (default: every thread)", optional: true },
      { name: "options", help: "Threads, Residue, Regions", optional: true },
    ],
    options: [
      { name: "Threads", type: "string", help: "thread ids to examine (comma-separated), default all" },
      { name: "Residue", type: "bool", help: "false: live frames only, no stack scan" },
      { name: "Regions", type: "bool", help: "false: do not run !address (classes are then UnloadedModule, Stack or Unknown)" },
    ],
    columns: [
      { name: "Section", type: "string", help: "Pointer (one raw pointer) or Component (the raw pointers that fall in one region)" },
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "Where", type: "string", help: "frame N (a live frame's instruction pointer), or residue (a stack slot)" },
      { name: "Address", type: "address", help: "The stack slot that holds a residue pointer" },
      { name: "Pointer", type: "address", help: "The raw pointer; on Component rows the region's allocation base" },
      { name: "Class", type: "string", help: "UnloadedModule, JIT, PrivateExecutable, MappedExecutable, UnlistedImage, Heap, Stack, Private, Mapped, Reserved, Free or Unknown" },
      { name: "Region", type: "string", help: "What the pointer falls in: <Unloaded_x.dll>+0xoff, the !address region, or the stack" },
      { name: "NearestModule", type: "string", help: "The closest loaded module and the distance to it", table: false },
      { name: "Count", type: "int", help: "Component rows: raw pointers in the region" },
      { name: "Threads", type: "string", help: "Component rows: threads whose stacks hold them", table: false },
    ],
    settings: {
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request while scanning stacks", reason: "64 KiB reads a 1 MiB stack in 16 requests" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
      FallbackScanBytes: { default: 0x100000, help: "How far above the stack pointer to scan when the TEB cannot be read", reason: "1 MiB is the default reserved stack size" },
      MaxRows: { default: 5000, help: "Pointer rows kept per call (components still count all)", reason: "raw pointers come in groups; the components summarize the rest" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const a = threadArguments(args, OPTION_NAMES);
    const flags = typeof a === "string" ? a : boolOptions(a.options, { Residue: true, Regions: true });
    if (typeof a === "string" || typeof flags === "string") {
      const text = typeof a === "string" ? a : flags as string;
      ctx.summary("RawPointers: " + text);
      yield info(text, "heuristic");
      return;
    }
    if (t.isKernel()) {
      ctx.summary("RawPointers: user threads only");
      yield info("RawPointers reads user-mode threads; on a kernel target switch to a process first (.process /r /p <process>)", "heuristic");
      return;
    }
    const selected = selectThreads(t, a.threads);
    for (const p of selected.problems) yield info(p, "typed");
    if (selected.threads.length === 0 && a.threads) { ctx.summary("RawPointers: no such thread"); return; }
    const unloaded = unloadedModules(t);
    const regions = flags.Regions ? memoryRegions(t) : undefined;
    const u = unloaded.available ? unloaded : undefined;
    const r = regions && regions.available ? regions : undefined;
    const jit = t.modules().modules.some((m) => RUNTIMES.indexOf(m.name.toLowerCase()) >= 0);
    const classOf = (p: Place): PointerClass => (jit && (p.kind === "PrivateExecutable" || p.kind === "MappedExecutable") ? "JIT" : p.kind);

    const found: Found[] = [];
    let frames = 0;
    let framesRead = 0;
    let slots = 0;
    let stopped = false;
    // Residue can only be classified with unloaded ranges or regions; without either, only frames are checked.
    const scanResidue = flags.Residue && (u !== undefined || r !== undefined);
    for (const thread of selected.threads) {
      if (ctx.budget.exceeded()) { stopped = true; break; }
      const s = t.threadStack(thread);
      if (!(s.frames instanceof Unavailable)) {
        framesRead++;
        for (const f of s.frames) {
          frames++;
          if (f.module) continue;
          const [hi, lo] = halvesOf(f.ip);
          const place = placeOf(t, hi, lo, u, r);
          found.push({ thread: thread.id, where: "frame " + f.index, address: undefined, pointer: f.ip, place, cls: classOf(place), live: true });
        }
      }
      if (!scanResidue) continue;
      const { stacks } = threadStackRanges(t, thread, cfg.FallbackScanBytes);
      for (const st of stacks) {
        const [bh, bl] = halvesOf(st.base);
        const [lh, ll] = halvesOf(st.limit);
        const per = st.slotBytes / 4;
        for (const block of slotBlocks(t, st.limit, (bh - lh) * 4294967296 + (bl - ll), { slotBytes: st.slotBytes, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes })) {
          slots += block.count;
          if (!block.words) continue;
          const w = block.words;
          const [aHi, aLo] = halvesOf(block.address);
          for (let i = 0; i < block.count; i++) {
            const lo = w[i * per]! >>> 0;
            const hi = per === 2 ? w[i * 2 + 1]! >>> 0 : 0;
            if (hi === 0 && lo < 0x10000) continue;
            if (t.modules().findPair(hi, lo) || t.stackOwner(hi, lo)) continue;
            const place = placeOf(t, hi, lo, u, r);
            if (place.kind !== "UnloadedModule" && place.kind !== "PrivateExecutable" && place.kind !== "MappedExecutable") continue;
            const off = i * st.slotBytes;
            const address = fromHalves(aHi + Math.floor((aLo + off) / 4294967296), (aLo + off) % 4294967296);
            found.push({ thread: thread.id, where: "residue" + (st.label === "native" ? "" : " (" + st.label + ")"), address, pointer: fromHalves(hi, lo), place, cls: classOf(place), live: false });
          }
        }
      }
    }

    let kept = 0;
    let positives = 0;
    for (const f of found) {
      const verdict = verdictOf(f);
      if (verdict === "Positive") positives++;
      if (kept >= cfg.MaxRows) continue;
      kept++;
      const ptr = t.formatAddress(f.pointer);
      yield {
        Section: "Pointer", Thread: f.thread, Where: f.where, Address: f.address, Pointer: f.pointer, Class: f.cls, Region: f.place.text,
        NearestModule: nearestModule(t, f.pointer), Verdict: verdict,
        Evidence: (f.address ? "dps " + t.formatAddress(f.address) + " L1; " : "~~[0x" + f.thread.toString(16) + "]k; ") + "!address " + ptr + "; u " + ptr + (f.cls === "UnloadedModule" ? "; lm (Unloaded modules)" : ""),
        Source: sourceOf(f),
      };
    }
    if (found.length > kept) yield info((found.length - kept) + " more raw pointers were not listed (Config.RawPointers.MaxRows = " + cfg.MaxRows + "); the components below count them", "heuristic");

    // Components: raw pointers grouped by the region (allocation) or unloaded module they fall in.
    const groups: { [key: string]: { base: Int64; cls: PointerClass; region: string; count: number; threads: number[]; live: number; source: Source } } = {};
    const order: string[] = [];
    for (const f of found) {
      const p = f.place;
      const [ph, pl] = halvesOf(f.pointer);
      // Without a region, pointers within the same 64 KiB (the allocation granularity) form one component.
      const key = p.unloaded ? "u:" + p.unloaded.name + ":" + p.unloaded.startHi + ":" + p.unloaded.startLo
        : p.region ? "r:" + p.region.allocationHi + ":" + p.region.allocationLo
          : p.stack ? "s:" + p.stack.threadId : "p:" + ph + ":" + (pl >>> 16);
      let g = groups[key];
      if (!g) {
        const base = p.unloaded ? fromHalves(p.unloaded.startHi, p.unloaded.startLo) : p.region ? allocationBase(p.region) : fromHalves(ph, (pl & 0xffff0000) >>> 0);
        const region = p.unloaded ? "<Unloaded_" + p.unloaded.name + ">" : p.region || p.stack ? p.text : "the 64 KiB at " + t.formatAddress(base) + " (" + p.text + ")";
        g = { base, cls: f.cls, region, count: 0, threads: [], live: 0, source: p.region || p.unloaded ? "command" : "typed" };
        groups[key] = g;
        order.push(key);
      }
      g.count++;
      if (f.live) g.live++;
      if (g.threads.indexOf(f.thread) < 0) g.threads.push(f.thread);
    }
    for (const key of order) {
      const g = groups[key]!;
      yield {
        Section: "Component", Pointer: g.base, Class: g.cls, Region: g.region, Count: g.count,
        Threads: g.threads.map((x) => "0x" + x.toString(16)).join(", "),
        Verdict: g.live ? verdictOf({ cls: g.cls, live: true } as Found) : "Info",
        Evidence: g.count + " raw pointers (" + g.live + " in live frames) of " + g.threads.length + " threads fall in " + g.region + " (!address " + t.formatAddress(g.base) + ")",
        Source: g.source,
      };
    }

    if (stopped) yield info("stopped at the time budget; the threads examined so far are listed", "heuristic");
    if (unloaded.note) yield info(unloaded.note, "command");
    if (regions && regions.note) yield info(regions.note, "command");
    if (flags.Residue && !scanResidue) yield info("stack residue not scanned: it needs unloaded-module ranges (lm) or regions (!address) to tell raw code pointers from data", "heuristic");
    const rawFrames = found.filter((f) => f.live).length;
    if (found.length === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 raw pointers: every one of " + frames + " frames of " + framesRead + " threads is inside a loaded module" +
          (scanResidue ? ", and none of " + slots + " stack slots points into an unloaded module or executable memory outside images" : "") + " (~*k)",
      };
    }
    ctx.summary("RawPointers: " + rawFrames + " frames outside modules among " + frames + " frames of " + framesRead + " threads" +
      (scanResidue ? ", " + (found.length - rawFrames) + " residue pointers in " + slots + " slots" : "") + "; " + positives + " positive");
  },

  rowText(row, c) {
    if (row.Section === "Pointer" && isInt64(row.Pointer)) {
      return "Thread 0x" + Number(row.Thread).toString(16) + " " + String(row.Where) + ": " + formatAddress(row.Pointer, c.pointerSize) + " " + String(row.Class) + " " + String(row.Region);
    }
    if (row.Section === "Component") return "Component: " + String(row.Region) + " (" + String(row.Class) + "): " + row.Count + " pointers";
    return row.Verdict + ": " + row.Evidence;
  },
});

function verdictOf(f: Pick<Found, "cls" | "live">): Verdict {
  if (f.cls === "JIT") return "Info";
  if (!f.live) return "Suspicious";
  switch (f.cls) {
    case "UnloadedModule": case "PrivateExecutable": case "MappedExecutable": case "Heap": case "Stack": case "Free": case "Reserved":
      return "Positive";
    default:
      return "Suspicious";
  }
}

function sourceOf(f: Found): Source {
  return f.place.region || f.place.unloaded ? "command" : "typed";
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

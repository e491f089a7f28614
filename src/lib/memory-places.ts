/**
 * Where an address lies, beyond the loaded modules and the threads' stacks: unloaded-module ranges from `lm`
 * and memory regions (type, protection, usage) from `!address`, each command run at most once per Target
 * and parsed into a sorted range index, so classifying a value costs a binary search. Both commands are
 * optional: when the debugger does not answer, or the dump lacks the data, the answer says so and the
 * analyses carry on without that classification.
 */
import { comparePair, fromHalves, halvesOf, type Int64 } from "./int64";
import type { ModuleInfo } from "./module-index";
import { isExecutableRegion, parseAddress, type AddressRegion } from "./parse-address";
import { parseLm, type LmRange } from "./parse-lm";
import { runCommand } from "./run-command";
import type { StackExtent, Target } from "./target";
import { Unavailable } from "./values";

/** Ranges sorted by start, searched by (hi, lo); overlapping ranges resolve to the one starting last. */
export class RangeIndex<T> {
  private readonly items: { readonly sHi: number; readonly sLo: number; readonly eHi: number; readonly eLo: number; readonly value: T }[];

  constructor(values: readonly T[], bounds: (v: T) => readonly [number, number, number, number]) {
    this.items = values.map((value) => {
      const [sHi, sLo, eHi, eLo] = bounds(value);
      return { sHi, sLo, eHi, eLo, value };
    }).sort((a, b) => comparePair(a.sHi, a.sLo, b.sHi, b.sLo));
  }

  get size(): number {
    return this.items.length;
  }

  findPair(hi: number, lo: number): T | undefined {
    const list = this.items;
    let a = 0;
    let b = list.length - 1;
    let best = -1;
    while (a <= b) {
      const mid = (a + b) >> 1;
      if (comparePair(list[mid]!.sHi, list[mid]!.sLo, hi, lo) <= 0) { best = mid; a = mid + 1; } else b = mid - 1;
    }
    if (best < 0) return undefined;
    const r = list[best]!;
    return comparePair(hi, lo, r.eHi, r.eLo) < 0 ? r.value : undefined;
  }
}

export interface UnloadedModules {
  readonly list: readonly LmRange[];
  readonly index: RangeIndex<LmRange>;
  /** False when `lm` could not be run or parsed at all. */
  readonly available: boolean;
  /** Why there are no unloaded-module ranges, when there are none. */
  readonly note: string | undefined;
}

export interface MemoryRegions {
  readonly list: readonly AddressRegion[];
  readonly index: RangeIndex<AddressRegion>;
  readonly available: boolean;
  readonly note: string | undefined;
}

const unloadedCache = new WeakMap<Target, UnloadedModules>();
const regionCache = new WeakMap<Target, MemoryRegions>();

/** The unloaded modules `lm` lists (one `lm` per Target). */
export function unloadedModules(t: Target): UnloadedModules {
  let u = unloadedCache.get(t);
  if (!u) {
    const out = runCommand("lm");
    if (out instanceof Unavailable) {
      u = { list: [], index: new RangeIndex<LmRange>([], lmBounds), available: false, note: "unloaded modules not checked: " + out.reason };
    } else {
      const lm = parseLm(out);
      const note = lm.unloaded.length ? undefined
        : lm.unloadedProblem ? "lm could not list unloaded modules: " + lm.unloadedProblem
          : lm.hasUnloadedSection ? "lm's \"Unloaded modules:\" section is empty"
            : lm.loaded.length ? "lm shows no \"Unloaded modules:\" section (the dump has no unloaded-module list, or nothing was unloaded)"
              : "lm gave no module lines (" + (out.length ? "unrecognized output" : "no output") + ")";
      u = { list: lm.unloaded, index: new RangeIndex(lm.unloaded, lmBounds), available: lm.loaded.length > 0 || lm.hasUnloadedSection, note };
    }
    unloadedCache.set(t, u);
  }
  return u;
}

/** The regions `!address` lists (one `!address` per Target; user targets only). */
export function memoryRegions(t: Target): MemoryRegions {
  let r = regionCache.get(t);
  if (!r) {
    const out = t.isKernel() ? undefined : runCommand("!address");
    if (out === undefined) {
      r = { list: [], index: new RangeIndex<AddressRegion>([], regionBounds), available: false, note: "region types not checked: !address lists user-mode regions only" };
    } else if (out instanceof Unavailable) {
      r = { list: [], index: new RangeIndex<AddressRegion>([], regionBounds), available: false, note: "region types not checked: " + out.reason };
    } else {
      const listing = parseAddress(out);
      r = {
        list: listing.regions, index: new RangeIndex(listing.regions, regionBounds), available: listing.regions.length > 0,
        note: listing.regions.length ? undefined : noRegionsNote(listing.unparsed),
      };
    }
    regionCache.set(t, r);
  }
  return r;
}

/** Why `!address` gave no regions: the command is missing from this debugger, it said something else, or nothing. */
function noRegionsNote(unparsed: readonly string[]): string {
  const first = unparsed.length ? unparsed[0]!.trim().slice(0, 120) : "";
  if (/^No export /i.test(first)) return "region types not checked: this debugger has no !address command (" + first + "); in WinDbg, !address lists the regions of a dump with a memory-info stream";
  return "region types not checked: !address listed no regions (" + (first ? "it said: " + first : "the dump has no memory-info stream") + ")";
}

function lmBounds(m: LmRange): [number, number, number, number] {
  return [m.startHi, m.startLo, m.endHi, m.endLo];
}

function regionBounds(r: AddressRegion): [number, number, number, number] {
  return [r.baseHi, r.baseLo, r.endHi, r.endLo];
}

/** What an address outside the loaded modules is, by the most specific evidence available. */
export type PlaceKind =
  | "Module" // inside a loaded module
  | "UnloadedModule" // inside the range of a module that was unloaded
  | "Stack" // inside a thread's stack
  | "Heap" // !address usage Heap
  | "PrivateExecutable" // committed MEM_PRIVATE with PAGE_EXECUTE*: JIT code, trampolines, injected code
  | "MappedExecutable" // committed MEM_MAPPED with PAGE_EXECUTE*
  | "UnlistedImage" // MEM_IMAGE that is not in the loaded-module list
  | "Private" // other committed private memory
  | "Mapped" // other mapped memory
  | "Reserved" // reserved, not committed: nothing can be there
  | "Free" // free address space: a wild pointer
  | "Unknown"; // no region information

export interface Place {
  readonly kind: PlaceKind;
  readonly module?: ModuleInfo;
  readonly unloaded?: LmRange;
  readonly stack?: StackExtent;
  readonly region?: AddressRegion;
  /** `<Unloaded_foo.dll>+0x1a20`, `stack of thread 0x1a4`, `Heap [ID: 0; ...]`, `MEM_PRIVATE PAGE_EXECUTE_READWRITE`... */
  readonly text: string;
}

/** Classifies an address (given as halves) against modules, unloaded modules, stacks and regions. */
export function placeOf(t: Target, hi: number, lo: number, unloaded: UnloadedModules | undefined, regions: MemoryRegions | undefined): Place {
  const m = t.modules().findPair(hi, lo);
  if (m) return { kind: "Module", module: m, text: m.name };
  const u = unloaded ? unloaded.index.findPair(hi, lo) : undefined;
  if (u) return { kind: "UnloadedModule", unloaded: u, text: unloadedName(u, hi, lo) };
  const s = t.stackOwner(hi, lo);
  if (s) return { kind: "Stack", stack: s, text: "stack of thread 0x" + s.threadId.toString(16) };
  const r = regions ? regions.index.findPair(hi, lo) : undefined;
  if (!r) return { kind: "Unknown", text: regions && regions.available ? "not in any region !address lists" : "no region information" };
  const text = regionText(r);
  if (r.state === "MEM_FREE") return { kind: "Free", region: r, text };
  if (r.state === "MEM_RESERVE") return { kind: "Reserved", region: r, text };
  if (/^Stack/i.test(r.usage)) return { kind: "Stack", region: r, text };
  if (/Heap/i.test(r.usage)) return { kind: "Heap", region: r, text };
  if (r.type === "MEM_IMAGE") return { kind: "UnlistedImage", region: r, text };
  if (isExecutableRegion(r)) return { kind: r.type === "MEM_MAPPED" ? "MappedExecutable" : "PrivateExecutable", region: r, text };
  return { kind: r.type === "MEM_MAPPED" ? "Mapped" : "Private", region: r, text };
}

/** `<Unloaded_foo.dll>+0x1a20`, as WinDbg names addresses in unloaded modules. */
export function unloadedName(u: LmRange, hi: number, lo: number): string {
  const off = (hi - u.startHi) * 4294967296 + (lo - u.startLo);
  return "<Unloaded_" + u.name + ">+0x" + off.toString(16);
}

/** `MEM_PRIVATE MEM_COMMIT PAGE_EXECUTE_READWRITE <unknown>` with the details, as one line. */
export function regionText(r: AddressRegion): string {
  const parts = [r.type, r.state, r.protect, r.usage].filter((x) => x !== "");
  return parts.join(" ") + (r.details ? " [" + r.details + "]" : "");
}

export function regionStart(r: AddressRegion): Int64 {
  return fromHalves(r.baseHi, r.baseLo);
}

export function allocationBase(r: AddressRegion): Int64 {
  return fromHalves(r.allocationHi, r.allocationLo);
}

/** The closest loaded module below or above an address, as `ntdll.dll+0x1f0000` / `ntdll.dll-0x2000`. */
export function nearestModule(t: Target, address: Int64): string | undefined {
  const [hi, lo] = halvesOf(address);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const m of t.modules().modules) {
    const below = (hi - m.endHi) * 4294967296 + (lo - m.endLo); // address - end (>= 0: above the module)
    const above = (m.baseHi - hi) * 4294967296 + (m.baseLo - lo); // base - address (> 0: below the module)
    if (below >= 0 && below < bestDistance) { bestDistance = below; best = m.name + "+0x" + (m.size + below).toString(16); }
    if (above > 0 && above < bestDistance) { bestDistance = above; best = m.name + "-0x" + above.toString(16); }
  }
  return best;
}

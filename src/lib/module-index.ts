/**
 * Address → module, built once per analysis from the process's module list and searched with a
 * binary search on (hi, lo) halves, so classifying a stack slot costs no host call.
 */
import { comparePair, fromHalves, halvesOf, type Int64, type Numeric } from "./int64";

export interface ModuleInfo {
  /** File name as loaded (`ntdll.dll`). */
  readonly name: string;
  /** Full path as the debugger reports it. */
  readonly path: string;
  /** Name used in symbols (`ntdll`, `nt`). */
  readonly symbolName: string;
  readonly base: Int64;
  readonly size: number;
  readonly baseHi: number;
  readonly baseLo: number;
  readonly endHi: number;
  readonly endLo: number;
}

export function moduleInfo(path: string, base: Numeric, size: number): ModuleInfo {
  const slash = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
  const name = slash >= 0 ? path.slice(slash + 1) : path;
  const lower = name.toLowerCase();
  const dot = name.lastIndexOf(".");
  const kernel = lower === "ntoskrnl.exe" || lower === "ntkrnlmp.exe" || lower === "ntkrnlpa.exe" || lower === "ntkrpamp.exe";
  const symbolName = kernel ? "nt" : dot > 0 ? name.slice(0, dot) : name;
  const [baseHi, baseLo] = halvesOf(base);
  let endLo = baseLo + size;
  let endHi = baseHi;
  while (endLo >= 4294967296) { endLo -= 4294967296; endHi++; }
  return { name, path, symbolName, base: fromHalves(baseHi, baseLo), size, baseHi, baseLo, endHi: endHi >>> 0, endLo };
}

export class ModuleIndex {
  private readonly sorted: ModuleInfo[];

  constructor(modules: readonly ModuleInfo[]) {
    this.sorted = modules.slice().sort((a, b) => comparePair(a.baseHi, a.baseLo, b.baseHi, b.baseLo));
  }

  get modules(): readonly ModuleInfo[] {
    return this.sorted;
  }

  /** The module whose [base, base+size) holds the address given as halves. */
  findPair(hi: number, lo: number): ModuleInfo | undefined {
    const list = this.sorted;
    let a = 0;
    let b = list.length - 1;
    while (a <= b) {
      const mid = (a + b) >> 1;
      const m = list[mid]!;
      if (comparePair(hi, lo, m.baseHi, m.baseLo) < 0) b = mid - 1;
      else if (comparePair(hi, lo, m.endHi, m.endLo) >= 0) a = mid + 1;
      else return m;
    }
    return undefined;
  }

  find(address: Numeric): ModuleInfo | undefined {
    const [hi, lo] = halvesOf(address);
    return this.findPair(hi, lo);
  }

  /** By file name, symbol name or path, case-insensitive. */
  byName(name: string): ModuleInfo | undefined {
    const n = name.toLowerCase();
    for (const m of this.sorted) {
      if (m.name.toLowerCase() === n || m.symbolName.toLowerCase() === n || m.path.toLowerCase() === n) return m;
    }
    return undefined;
  }
}

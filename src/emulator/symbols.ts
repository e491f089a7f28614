/**
 * Module and symbol look-up for the emulated target: which module holds an address, the nearest
 * symbol (PDB symbols when loaded, exports otherwise, as dbgeng falls back), symbols by name, and the
 * module's types.
 */
import type { ModuleSpec, SymbolSpec } from "./target-spec";
import { moduleFileName, moduleSymbolName } from "./target-spec";
import { TypeTable } from "./types";

export interface SymbolHit {
  readonly module: ModuleSpec;
  readonly symbol: SymbolSpec;
  readonly address: bigint;
  readonly displacement: bigint;
  /** `ntdll!NtWaitForSingleObject` */
  readonly qualifiedName: string;
}

export class ModuleSet {
  private readonly sorted: ModuleSpec[];
  private readonly symbolLists = new Map<ModuleSpec, SymbolSpec[]>();
  private readonly typeTables = new Map<ModuleSpec, TypeTable | null>();

  constructor(readonly modules: readonly ModuleSpec[]) {
    this.sorted = [...modules].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  }

  /** The module a name refers to: `ntdll`, `ntdll.dll`, a full path, or `nt` for the kernel. */
  byName(name: string): ModuleSpec | undefined {
    const wanted = name.toLowerCase();
    return this.modules.find((m) =>
      m.name.toLowerCase() === wanted ||
      moduleFileName(m.name).toLowerCase() === wanted ||
      moduleSymbolName(m.name).toLowerCase() === wanted);
  }

  at(address: bigint): ModuleSpec | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.sorted[mid]!;
      if (address < m.base) hi = mid - 1;
      else if (address >= m.base + BigInt(m.size)) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  /** Symbols the debugger would use for a module: the PDB's, else its exports. */
  private symbolsOf(m: ModuleSpec): SymbolSpec[] {
    let list = this.symbolLists.get(m);
    if (!list) {
      list = [...(m.symbols ?? m.exports ?? [])].sort((a, b) => a.rva - b.rva);
      this.symbolLists.set(m, list);
    }
    return list;
  }

  /** The symbol containing an address (nearest preceding; bounded by its size when known). */
  symbolAt(address: bigint): SymbolHit | undefined {
    const m = this.at(address);
    if (!m) return undefined;
    const rva = Number(address - m.base);
    const list = this.symbolsOf(m);
    let lo = 0;
    let hi = list.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.rva <= rva) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    const s = list[best]!;
    if (s.size !== undefined && rva >= s.rva + Math.max(s.size, 1)) return undefined;
    const address0 = m.base + BigInt(s.rva);
    return { module: m, symbol: s, address: address0, displacement: address - address0, qualifiedName: `${moduleSymbolName(m.name)}!${s.name}` };
  }

  symbolByName(m: ModuleSpec, name: string): SymbolSpec | undefined {
    return this.symbolsOf(m).find((s) => s.name === name);
  }

  /** Type information of a module (only when its symbols loaded and carry types). */
  types(m: ModuleSpec): TypeTable | undefined {
    let t = this.typeTables.get(m);
    if (t === undefined) {
      t = m.symbols && m.types ? new TypeTable(m.types) : null;
      this.typeTables.set(m, t);
    }
    return t ?? undefined;
  }

  /** `module!symbol+0xoff` or `module+0xoff` as WinDbg prints an address. */
  format(address: bigint): string {
    const hit = this.symbolAt(address);
    if (hit) return hit.displacement ? `${hit.qualifiedName}+0x${hit.displacement.toString(16)}` : hit.qualifiedName;
    const m = this.at(address);
    if (m) return `${moduleSymbolName(m.name)}+0x${(address - m.base).toString(16)}`;
    return address.toString(16).padStart(16, "0");
  }
}

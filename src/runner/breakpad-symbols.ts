/**
 * Function names from Breakpad `.sym` files (the text format Breakpad's dump_syms writes: `MODULE`,
 * `FILE`, `FUNC [m] address size param_size name`, line records, `PUBLIC [m] address param_size name`,
 * `STACK ...`, `INFO ...`). Files are looked up the way symbol servers lay them out:
 * `DIR/<debug file>/<debug id>/<debug file without .pdb>.sym`. Each file is read once, when a module
 * that matches it is first symbolized. Stack unwinding records (STACK WIN / STACK CFI) are not used yet.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { SymbolSpec } from "../emulator/target-spec";

export interface SymbolFile {
  readonly module: { readonly os: string; readonly arch: string; readonly id: string; readonly name: string } | undefined;
  readonly symbols: readonly SymbolSpec[];
  /** Lines that could not be read (malformed records are skipped, not fatal). */
  readonly skipped: number;
}

/** Parses the text of a .sym file. FUNC records carry sizes; PUBLIC records do not (they extend to the next symbol). */
export function parseSymbolFile(text: string): SymbolFile {
  let module: SymbolFile["module"];
  const symbols: SymbolSpec[] = [];
  let skipped = 0;
  const lines = text.split(/\r?\n/);
  for (const line of lines) {
    if (line === "") continue;
    const space = line.indexOf(" ");
    const keyword = space < 0 ? line : line.slice(0, space);
    if (keyword === "MODULE") {
      const m = /^MODULE (\S+) (\S+) ([0-9A-Fa-f]+) (.+)$/.exec(line);
      if (m) module = { os: m[1]!, arch: m[2]!, id: m[3]!.toUpperCase(), name: m[4]! };
      else skipped++;
    } else if (keyword === "FUNC") {
      const m = /^FUNC (?:m )?([0-9a-fA-F]+) ([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
      if (m) symbols.push({ name: m[4]!, rva: parseInt(m[1]!, 16), size: Math.max(1, parseInt(m[2]!, 16)) });
      else skipped++;
    } else if (keyword === "PUBLIC") {
      const m = /^PUBLIC (?:m )?([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
      if (m) symbols.push({ name: m[3]!, rva: parseInt(m[1]!, 16) });
      else skipped++;
    }
    // FILE, INLINE*, line records, STACK and INFO records are not needed for names.
  }
  // Where a FUNC and a PUBLIC share an address, keep the FUNC (it has a size).
  symbols.sort((a, b) => a.rva - b.rva || (a.size === undefined ? 1 : 0) - (b.size === undefined ? 1 : 0));
  const unique: SymbolSpec[] = [];
  for (const s of symbols) if (unique.length === 0 || unique[unique.length - 1]!.rva !== s.rva) unique.push(s);
  return { module, symbols: unique, skipped };
}

/** A folder of .sym files in the symbol-server layout. */
export class SymbolStore {
  private readonly cache = new Map<string, SymbolFile | null>();

  constructor(readonly root: string) {}

  /** The symbols for a module's debug file and debug id, or undefined when no file matches. */
  lookup(debugFile: string | undefined, debugId: string | undefined): SymbolFile | undefined {
    if (!debugFile || !debugId) return undefined;
    const file = debugFile.split(/[\\/]/).pop() ?? debugFile;
    const key = `${file.toLowerCase()}/${debugId.toUpperCase()}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const base = file.toLowerCase().endsWith(".pdb") ? file.slice(0, -4) : file;
      // Breakpad writes the age in lowercase hex, symbol stores often in uppercase: try both.
      const ids = [debugId, debugId.toUpperCase(), debugId.slice(0, 32).toUpperCase() + debugId.slice(32).toLowerCase()];
      const candidate = ids.map((id) => path.join(this.root, file, id, `${base}.sym`)).find((p) => existsSync(p));
      hit = candidate ? parseSymbolFile(readFileSync(candidate, "utf8")) : null;
      this.cache.set(key, hit);
    }
    return hit ?? undefined;
  }
}

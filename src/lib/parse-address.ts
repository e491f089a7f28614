/**
 * The `!address` region listing (user mode), for what the data model does not give in user dumps: the type,
 * state, protection and usage of the memory around an address (patterns.md §20, §24). After a few "Mapping
 * ... regions..." progress lines, WinDbg prints a header and one line per region, `+` marking the first
 * region of an allocation:
 *
 *       BaseAddress      EndAddress+1        RegionSize     Type       State                 Protect             Usage
 *     --------------------------------------------------------------------------------------------------------------------------
 *     +        0`7ffe0000        0`7ffe1000        0`00001000 MEM_PRIVATE MEM_COMMIT  PAGE_READONLY                      Other      [User Shared Data]
 *     +       d6`a3a00000       d6`a3afb000        0`000fb000 MEM_PRIVATE MEM_RESERVE                                    Stack      [~0; 2a0c.2a10]
 *             d6`a3afb000       d6`a3afe000        0`00003000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE | PAGE_GUARD        Stack      [~0; 2a0c.2a10]
 *     +      20b`6e7d0000      20b`6e7df000        0`0000f000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE                     Heap       [ID: 0; Handle: 0000020b6e7d0000; Type: Segment]
 *
 * (free regions have no Type; reserved ones no Protect; 32-bit targets print plain 8-digit addresses), then
 * "--- Usage Summary ---" tables that are not region lines. A dump without a memory-info stream gives no
 * region lines (WinDbg says it cannot get the memory information).
 */
import { hexHalves } from "./exception-codes";

export interface AddressRegion {
  readonly baseHi: number;
  readonly baseLo: number;
  /** Exclusive end. */
  readonly endHi: number;
  readonly endLo: number;
  /** Base of the allocation the region belongs to (the last `+` line). */
  readonly allocationHi: number;
  readonly allocationLo: number;
  /** MEM_PRIVATE / MEM_MAPPED / MEM_IMAGE, or "" for free memory. */
  readonly type: string;
  /** MEM_COMMIT / MEM_RESERVE / MEM_FREE. */
  readonly state: string;
  /** `PAGE_READWRITE | PAGE_GUARD`, or "" (reserved and free regions may print none). */
  readonly protect: string;
  /** Free, Image, Stack, Heap, TEB, PEB, Other, `<unknown>`, ... */
  readonly usage: string;
  /** The bracketed details (`~0; 2a0c.2a10`, `ID: 0; Handle: ...`), or "". */
  readonly details: string;
}

export interface AddressListing {
  readonly regions: readonly AddressRegion[];
  /** Non-blank lines that are not region lines, headers, progress or summary lines. */
  readonly unparsed: readonly string[];
}

/** `+`, then base, end and size (`d6`a3a00000` or `7ffe0000`), then the rest from the first MEM_ word. */
const REGION = /^\s*(\+)?\s*([0-9a-f]{1,8}(?:`[0-9a-f]{8})?|[0-9a-f]{9,16})\s+([0-9a-f]{1,8}(?:`[0-9a-f]{8})?|[0-9a-f]{9,16})\s+([0-9a-f]{1,8}(?:`[0-9a-f]{8})?|[0-9a-f]{9,16})\s+(MEM_\w+.*)$/i;
const IGNORED = /^\s*(?:Mapping .*\.\.\.|-{5,}.*|BaseAddr(?:ess)?\s+EndAddr.*|---.*---.*)\s*$/i;
const TYPES: { readonly [t: string]: boolean } = { MEM_PRIVATE: true, MEM_MAPPED: true, MEM_IMAGE: true };
const STATES: { readonly [t: string]: boolean } = { MEM_COMMIT: true, MEM_RESERVE: true, MEM_FREE: true };

export function parseAddress(lines: readonly string[]): AddressListing {
  const regions: AddressRegion[] = [];
  const unparsed: string[] = [];
  let allocation: [number, number] | undefined;
  let summary = false;
  for (const raw of lines) {
    const line = String(raw);
    if (line.trim() === "") continue;
    if (/^\s*---.*Summary/i.test(line) || /^\s*---.*Largest Region/i.test(line)) summary = true;
    if (IGNORED.test(line) || summary) continue;
    const m = REGION.exec(line);
    const base = m ? hexHalves(m[2]!) : undefined;
    const end = m ? hexHalves(m[3]!) : undefined;
    if (!m || !base || !end) {
      unparsed.push(line);
      continue;
    }
    let rest = m[5]!;
    let details = "";
    const bracket = /\[(.*)\]\s*$/.exec(rest);
    if (bracket) {
      details = bracket[1]!;
      rest = rest.slice(0, bracket.index);
    }
    const tokens = rest.split(/\s+/).filter((x) => x !== "");
    let k = 0;
    let type = "";
    let state = "";
    if (k < tokens.length && TYPES[tokens[k]!.toUpperCase()]) type = tokens[k++]!.toUpperCase();
    if (k < tokens.length && STATES[tokens[k]!.toUpperCase()]) state = tokens[k++]!.toUpperCase();
    if (!state) {
      unparsed.push(line);
      continue;
    }
    const protect: string[] = [];
    while (k < tokens.length && (/^PAGE_/i.test(tokens[k]!) || tokens[k] === "|")) protect.push(tokens[k++]!);
    const usage = tokens.slice(k).join(" ");
    if (m[1] === "+" || !allocation) allocation = base;
    regions.push({
      baseHi: base[0], baseLo: base[1], endHi: end[0], endLo: end[1], allocationHi: allocation[0], allocationLo: allocation[1],
      type, state, protect: protect.join(" "), usage, details,
    });
  }
  return { regions, unparsed };
}

/** True when the region's protection allows execution. */
export function isExecutableRegion(r: AddressRegion): boolean {
  return r.state === "MEM_COMMIT" && /PAGE_EXECUTE/i.test(r.protect);
}

/**
 * The `lm` module listing, for the unloaded modules the data model does not list in user dumps
 * (patterns.md §24, §15): loaded modules first, then, when the dump has an unloaded-module list, a section
 *
 *     start             end                 module name
 *     00007ff6`1a2d0000 00007ff6`1a2f5000   notepad    (deferred)
 *     00007ffa`b2f30000 00007ffa`b3128000   ntdll      (pdb symbols)          c:\symbols\ntdll.pdb\...\ntdll.pdb
 *
 *     Unloaded modules:
 *     00007ffa`9e4f0000 00007ffa`9e51f000   dsreg.dll
 *
 * (32-bit targets print 8-digit addresses without a backtick). `end` is exclusive. Without an unloaded-module
 * list (a minidump written without it, or a kernel minidump) the section is missing, or the debugger says it
 * could not enumerate them ("Unable to enumerate user-mode unloaded modules, Win32 error 0n30").
 */
import { hexHalves } from "./exception-codes";

export interface LmRange {
  readonly name: string;
  readonly startHi: number;
  readonly startLo: number;
  readonly endHi: number;
  readonly endLo: number;
  /** The symbol status column of a loaded module (`deferred`, `pdb symbols`, ...); undefined for unloaded ones. */
  readonly status?: string;
}

export interface LmListing {
  readonly loaded: readonly LmRange[];
  readonly unloaded: readonly LmRange[];
  /** The listing has an "Unloaded modules:" section (possibly empty). */
  readonly hasUnloadedSection: boolean;
  /** What the debugger said instead of listing unloaded modules, when it said something. */
  readonly unloadedProblem: string | undefined;
  /** Non-blank lines that are neither the header nor a module line. */
  readonly unparsed: readonly string[];
}

const LINE = /^\s*([0-9a-f]{1,8}(?:`[0-9a-f]{8})?|[0-9a-f]{9,16})\s+([0-9a-f]{1,8}(?:`[0-9a-f]{8})?|[0-9a-f]{9,16})\s+(\S+)(?:\s+[A-Z#]{1,3}(?=\s))?(?:\s+\(([^)]*)\))?/i;
const HEADER = /^\s*start\s+end\s+module name\s*$/i;
const UNLOADED = /^\s*Unloaded modules:\s*$/i;
const UNLOADED_PROBLEM = /unloaded (?:module|driver)s?|unable to enumerate/i;

export function parseLm(lines: readonly string[]): LmListing {
  const loaded: LmRange[] = [];
  const unloaded: LmRange[] = [];
  const unparsed: string[] = [];
  let inUnloaded = false;
  let hasUnloadedSection = false;
  let unloadedProblem: string | undefined;
  for (const raw of lines) {
    const line = String(raw);
    if (line.trim() === "" || HEADER.test(line)) continue;
    if (UNLOADED.test(line)) {
      inUnloaded = true;
      hasUnloadedSection = true;
      continue;
    }
    const m = LINE.exec(line);
    const start = m ? hexHalves(m[1]!) : undefined;
    const end = m ? hexHalves(m[2]!) : undefined;
    if (!m || !start || !end || end[0] < start[0] || (end[0] === start[0] && end[1] <= start[1])) {
      if (!unloadedProblem && UNLOADED_PROBLEM.test(line)) unloadedProblem = line.trim();
      else unparsed.push(line);
      continue;
    }
    const range: LmRange = { name: m[3]!, startHi: start[0], startLo: start[1], endHi: end[0], endLo: end[1], status: inUnloaded ? undefined : m[4] };
    (inUnloaded ? unloaded : loaded).push(range);
  }
  return { loaded, unloaded, hasUnloadedSection, unloadedProblem, unparsed };
}

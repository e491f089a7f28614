import { defineAnalysis, type Row } from "../lib/analysis";
import { addTo, hex, type Int64 } from "../lib/int64";
import { nativePeb, pebField, readPointer, readU32, wowPeb, type BlockView } from "../lib/peb";
import type { Target } from "../lib/target";
import { Unavailable, type Verdict } from "../lib/values";

interface FlagInfo { readonly bit: number; readonly item: string; readonly meaning: string; readonly evidence: string }

/** NtGlobalFlag bits as GFlags names them (Microsoft Learn "GFlags Flag Table"); the ones that matter in a process dump get evidence hints. */
const FLAGS: readonly FlagInfo[] = [
  { bit: 0x1, item: "soe", meaning: "Stop on exception", evidence: "a debugger stopped on every exception (dumps at first chance are likely)" },
  { bit: 0x2, item: "sls", meaning: "Show loader snaps", evidence: "loader diagnostics went to the debugger's output (not in the dump); explains slow starts under a debugger" },
  { bit: 0x4, item: "dic", meaning: "Debug initial command", evidence: "" },
  { bit: 0x8, item: "shg", meaning: "Stop on hung GUI", evidence: "" },
  { bit: 0x10, item: "htc", meaning: "Enable heap tail checking", evidence: "heap blocks carry fill patterns after their end: !heap -s, !heap -x <address>; overruns are caught at free" },
  { bit: 0x20, item: "hfc", meaning: "Enable heap free checking", evidence: "freed blocks are filled and checked: use-after-free writes are caught at the next allocation" },
  { bit: 0x40, item: "hpc", meaning: "Enable heap parameter checking", evidence: "heap API parameters are validated (bad handles and pointers break in)" },
  { bit: 0x80, item: "hvc", meaning: "Enable heap validation on call", evidence: "the whole heap is validated on every call: corruption is caught close to the culprit (and the process is slow)" },
  { bit: 0x100, item: "vrf", meaning: "Enable application verifier", evidence: "!avrf shows verifier stops and logs" },
  { bit: 0x200, item: "0x200", meaning: "Silent process exit monitoring (registry) / pool tail check (system)", evidence: "" },
  { bit: 0x400, item: "ptg", meaning: "Enable pool tagging", evidence: "" },
  { bit: 0x800, item: "htg", meaning: "Enable heap tagging", evidence: "!heap -t shows allocations by tag" },
  { bit: 0x1000, item: "ust", meaning: "Create user mode stack trace database", evidence: "!heap -p -a <address> shows the stack that allocated a block; UMDH compares snapshots" },
  { bit: 0x2000, item: "kst", meaning: "Create kernel mode stack trace database", evidence: "" },
  { bit: 0x4000, item: "otl", meaning: "Maintain a list of objects for each type", evidence: "" },
  { bit: 0x8000, item: "htd", meaning: "Enable heap tagging by DLL", evidence: "!heap -t groups allocations by DLL" },
  { bit: 0x10000, item: "dse", meaning: "Disable stack extension", evidence: "" },
  { bit: 0x20000, item: "d32", meaning: "Enable debugging of Win32 subsystem", evidence: "" },
  { bit: 0x40000, item: "ksl", meaning: "Enable loading of kernel debugger symbols", evidence: "" },
  { bit: 0x80000, item: "dps", meaning: "Disable paging of kernel stacks", evidence: "" },
  { bit: 0x100000, item: "scb", meaning: "Enable system critical breaks", evidence: "" },
  { bit: 0x200000, item: "dhc", meaning: "Disable heap coalesce on free", evidence: "heap fragmentation looks worse than it would be" },
  { bit: 0x400000, item: "ece", meaning: "Enable close exception", evidence: "closing an invalid handle raises an exception" },
  { bit: 0x800000, item: "eel", meaning: "Enable exception logging", evidence: "" },
  { bit: 0x1000000, item: "eot", meaning: "Enable object handle type tagging", evidence: "" },
  { bit: 0x2000000, item: "hpa", meaning: "Enable page heap", evidence: "every allocation sits against a guard page: the faulting instruction is the corruptor; !heap -p -a <address> for the allocation stack" },
  { bit: 0x4000000, item: "dwl", meaning: "Debug WinLogon", evidence: "" },
  { bit: 0x8000000, item: "ddp", meaning: "Disable debug prints", evidence: "" },
  { bit: 0x10000000, item: "cse", meaning: "Early critical section event creation", evidence: "" },
  { bit: 0x20000000, item: "sue", meaning: "Stop on unhandled user-mode exception (ltd: load DLLs top-down, on older systems)", evidence: "" },
  { bit: 0x40000000, item: "bhd", meaning: "Enable bad handles detection", evidence: "using a bad handle raises an exception" },
  { bit: 0x80000000, item: "dpd", meaning: "Disable protected DLL verification", evidence: "" },
];

/**
 * Bits that change what a process does or records. The others (ptg, kst, otl, dps, ...) are kernel or
 * system-wide flags the loader copies into every PEB: pool tagging (ptg, 0x400) is on for good since Windows
 * Server 2003, so most Windows 10 dumps show it; they leave no evidence in a process dump.
 */
const PROCESS_BITS = 0x1 | 0x2 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x800 | 0x1000 | 0x8000 | 0x200000 | 0x400000 | 0x2000000 | 0x10000000 | 0x40000000;

/** HEAP_FLAG_PAGE_ALLOCS: set in a heap's Flags/ForceFlags when the page heap (DPH) serves it. */
const HEAP_FLAG_PAGE_ALLOCS = 0x01000000;
/** The heaps whose Flags are read at most (PEB.NumberOfHeaps is usually under 30). */
const MAX_HEAPS = 128;

/** The debug heap a debugger turns on when it starts a process: htc | hfc | hpc and nothing else. */
const LAUNCHED_BY_DEBUGGER = 0x70;

const VERIFIER_DLLS = ["verifier.dll", "vrfcore.dll", "vfbasics.dll", "vfcompat.dll", "vfluapriv.dll", "vfprint.dll", "vfnet.dll", "vfntlmless.dll",
  "vfnws.dll", "vfcuzz.dll", "vfrdvcompat.dll", "vfdebug.dll"];

/**
 * InstrumentationInfo: which diagnostic instrumentation was on in the process when the dump was written,
 * and what evidence it leaves to use.
 *
 * The pattern (Instrumentation Information): GFlags settings (user-mode stack trace database, heap tail,
 * free and parameter checking, page heap, loader snaps), Application Verifier and ETW heap tracing change
 * how a process behaves and leave extra evidence: allocation stack traces (`!heap -p -a`), verifier logs
 * (`!avrf`), heap fill patterns. Knowing they were on explains odd-looking heaps and guard-page faults, and
 * says which commands now have data.
 *
 * Detection: PEB.NtGlobalFlag (typed `_PEB`, else the documented offset; both PEBs of a WOW64 process
 * seen from a 64-bit view), decoded bit by bit (kernel and system-wide bits such as ptg, which every PEB
 * copies, make one Info row); exactly 0x70 (htc, hfc, hpc) is the debug heap a debugger
 * enables when it starts the process, reported as such rather than as GFlags. PEB.TracingFlags (heap,
 * critical-section and loader ETW tracing) and PEB.BeingDebugged. Application Verifier DLLs (verifier.dll,
 * vrfcore.dll, vfbasics.dll, ...) in the module list. Page heap evidence from the heaps themselves: the
 * heaps of PEB.ProcessHeaps whose `_HEAP` Flags/ForceFlags carry HEAP_FLAG_PAGE_ALLOCS (0x01000000).
 *
 * False positives: the PEB holds the flags at process start (image-specific GFlags from the IFEO registry
 * key, or the debugger's); BeingDebugged is also set by the debugger that wrote the dump.
 *
 * @function InstrumentationInfo
 * @memberof Ewmda
 * @returns {ResultSet} One row per enabled item: Scope, Item, Value, Meaning, UsableEvidence, Verdict (Positive: instrumentation on; Negative: none), Evidence, Source.
 * @example dx @$ewmda.InstrumentationInfo()
 * @example dx -g @$ewmda.InstrumentationInfo().Where(r => r.Item == "ust")
 * @example !ewmda.instrumentation
 */
export const instrumentationInfo = defineAnalysis({
  meta: {
    name: "InstrumentationInfo",
    command: "instrumentation",
    summary: "Diagnostic instrumentation on in the process (GFlags in NtGlobalFlag, Application Verifier, ETW heap tracing) and the evidence it leaves",
    patterns: ["Instrumentation Information"],
    targets: "any",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Scope", type: "string", help: "Where it was found: PEB (NtGlobalFlag), PEB32 (the WOW64 32-bit PEB), TracingFlags, BeingDebugged, Modules" },
      { name: "Item", type: "string", help: "GFlags mnemonic (ust, hpa, htc, ...) or the item's name" },
      { name: "Value", type: "hex", help: "The flag's bit, or the field's value" },
      { name: "Meaning", type: "string", help: "What the item does" },
      { name: "UsableEvidence", type: "string", help: "What evidence it leaves and the command that shows it" },
    ],
  },

  *run(ctx) {
    const t = ctx.target;
    if (t.isKernel()) {
      ctx.summary("InstrumentationInfo: kernel target (system flags not read)");
      yield { Verdict: "Info", Evidence: "on kernel targets the system-wide flags are nt!NtGlobalFlag (!gflag) and Driver Verifier's state (!verifier); this analysis reads a process's PEB: switch to a process (.process /p /r) in a complete dump", Source: "heuristic" };
      return;
    }
    const rows: Row[] = [];
    const notes: Row[] = [];
    let flagsRead = 0;
    const peb = nativePeb(t);
    if (peb instanceof Unavailable) notes.push({ Verdict: "Info", Evidence: "NtGlobalFlag not read: " + peb.reason, Source: "typed" });
    else {
      flagsRead += readPeb(t, peb, "PEB", rows, notes);
      if (peb.bits === 64) {
        const w = wowPeb(t);
        if (!(w instanceof Unavailable)) flagsRead += readPeb(t, w.peb32, "PEB32", rows, notes);
      }
    }
    const modules = t.modules().modules;
    const verifier = modules.filter((m) => VERIFIER_DLLS.indexOf(m.name.toLowerCase()) >= 0);
    if (verifier.length) {
      rows.push({
        Scope: "Modules", Item: "Application Verifier", Value: undefined, Meaning: "Application Verifier layers are loaded: " + verifier.map((m) => m.name).join(", "),
        UsableEvidence: "!avrf shows verifier stops and its logs; verifier's page heap (with hpa) puts guard pages after allocations",
        Verdict: "Positive", Evidence: "lm m v* shows " + verifier.map((m) => m.name).join(", "), Source: "typed",
      });
    }
    yield* rows;
    yield* notes;
    const positives = rows.filter((r) => r.Verdict === "Positive").length;
    if (positives === 0 && flagsRead > 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "no instrumentation: NtGlobalFlag has no " + (rows.length ? "process " : "") + "GFlags bits in " + (flagsRead === 2 ? "either PEB" : "the PEB") + ", no heap is a page heap, heap/critical-section/loader tracing is off, and no Application Verifier DLL is among " +
          modules.length + " modules; !gflag; !peb",
      };
    }
    ctx.summary("InstrumentationInfo: " + positives + " instrumentation item(s)" + (flagsRead === 0 ? " (NtGlobalFlag not read)" : ""));
  },

  rowText(row) {
    if (row.Item === undefined) return row.Verdict + ": " + row.Evidence;
    return String(row.Scope) + " " + String(row.Item) + ": " + String(row.Meaning);
  },
});

/** Rows for one PEB; returns 1 when NtGlobalFlag was read. */
function readPeb(t: Target, peb: BlockView, scope: string, rows: Row[], notes: Row[]): number {
  const at = t.formatAddress(peb.address);
  const dt = (field: string) => "dt ntdll!" + peb.typeName + " " + at + " " + field;
  const flags = pebField(t, peb, "NtGlobalFlag", 4);
  let read = 0;
  if (typeof flags !== "number") {
    notes.push({ Verdict: "Info", Evidence: scope + ".NtGlobalFlag at " + at + " is not in the dump; !gflag", Source: peb.source });
  } else {
    read = 1;
    if (flags === LAUNCHED_BY_DEBUGGER) {
      rows.push({
        Scope: scope, Item: "debug heap", Value: flags, Meaning: "the process was started by a debugger: htc, hfc and hpc (0x70) are the debug heap it turns on, not GFlags settings",
        UsableEvidence: "heap blocks have tail and free fill patterns (!heap -x <address>); the heap is slower and larger than in production (_NO_DEBUG_HEAP=1 turns it off)",
        Verdict: "Positive", Evidence: dt("NtGlobalFlag") + " shows 0x70; !gflag", Source: peb.source,
      });
    } else {
      const system = FLAGS.filter((f) => ((flags >>> 0) & f.bit) !== 0 && (f.bit & PROCESS_BITS) === 0);
      for (const f of FLAGS) {
        if (((flags >>> 0) & f.bit) === 0 || (f.bit & PROCESS_BITS) === 0) continue;
        rows.push({
          Scope: scope, Item: f.item, Value: f.bit, Meaning: f.meaning, UsableEvidence: f.evidence || undefined,
          Verdict: "Positive", Evidence: dt("NtGlobalFlag") + " shows " + hex(flags) + "; !gflag", Source: peb.source,
        });
      }
      if (system.length) {
        const mask = system.reduce((a, f) => (a | f.bit) >>> 0, 0);
        rows.push({
          Scope: scope, Item: "system flags", Value: mask, Meaning: "kernel or system-wide GFlags copied into the PEB: " + system.map((f) => f.item + " (" + f.meaning + ")").join(", ") +
            (system.some((f) => f.bit === 0x400) ? "; pool tagging is always on since Windows Server 2003" : ""),
          UsableEvidence: "none in a process dump (a kernel dump's !poolused, !obtrace use them)", Verdict: "Info",
          Evidence: dt("NtGlobalFlag") + " shows " + hex(flags) + "; !gflag", Source: peb.source,
        });
      }
    }
  }
  if (scope === "PEB") rows.push(...pageHeapRows(t, peb));
  const tracing = pebField(t, peb, "TracingFlags", 4);
  if (typeof tracing === "number" && (tracing & 7) !== 0) {
    const names = [[1, "heap"], [2, "critical section"], [4, "loader"]].filter(([b]) => (tracing & (b as number)) !== 0).map(([, n]) => n as string);
    rows.push({
      Scope: scope, Item: "TracingFlags", Value: tracing, Meaning: "ETW tracing on: " + names.join(", ") + " (WPR/xperf -heap, CritSec or loader tracing)",
      UsableEvidence: "the events went to an ETW trace of the same run, not into the dump: ask for the .etl", Verdict: "Positive",
      Evidence: dt("TracingFlags") + " shows " + hex(tracing), Source: peb.source,
    });
  }
  if (scope === "PEB") {
    const debugged = pebField(t, peb, "BeingDebugged", 1);
    if (typeof debugged === "number" && debugged !== 0) {
      const v: Verdict = "Info";
      rows.push({
        Scope: scope, Item: "BeingDebugged", Value: debugged, Meaning: "a debugger was attached when the dump was written (often the one that wrote it)",
        UsableEvidence: "first-chance exceptions went to the debugger; IsDebuggerPresent() was true for the process", Verdict: v,
        Evidence: dt("BeingDebugged") + " shows " + debugged, Source: peb.source,
      });
    }
  }
  return read;
}

/**
 * Page heap evidence from the heaps themselves: each heap in PEB.ProcessHeaps (PEB.ProcessHeap first) whose
 * `_HEAP` Flags or ForceFlags has HEAP_FLAG_PAGE_ALLOCS is served by the page heap, whether the GFlags bit
 * (hpa) or Application Verifier turned it on. Offsets from ntdll's `_HEAP`, else the documented ones
 * (SegmentSignature at 0x10/0x8, Flags/ForceFlags at 0x70/0x74 on x64, 0x40/0x44 on x86, since Vista); segment
 * heaps are left out. Nothing when no heap is readable.
 */
function pageHeapRows(t: Target, peb: BlockView): Row[] {
  const heaps: Int64[] = [];
  const count = pebField(t, peb, "NumberOfHeaps", 4);
  const array = pebField(t, peb, "ProcessHeaps", "ptr");
  if (typeof count === "number" && array !== undefined && typeof array !== "number") {
    for (let i = 0; i < Math.min(count, MAX_HEAPS); i++) {
      const h = readPointer(t, addTo(array, i * (peb.bits / 8)), peb.bits);
      if (h && !isZero(h)) heaps.push(h);
    }
  }
  if (heaps.length === 0) {
    const h = pebField(t, peb, "ProcessHeap", "ptr");
    if (h !== undefined && typeof h !== "number" && !isZero(h)) heaps.push(h);
  }
  const off = (field: string, x64: number, x86: number) => {
    const f = t.fieldOffset("ntdll", "_HEAP", field);
    return { offset: f !== undefined ? f : peb.bits === 64 ? x64 : x86, typed: f !== undefined };
  };
  const flagsAt = off("Flags", 0x70, 0x40);
  const forceAt = off("ForceFlags", 0x74, 0x44);
  const signatureAt = off("SegmentSignature", 0x10, 0x8);
  const paged: Int64[] = [];
  let read = 0;
  for (const h of heaps) {
    // Only NT heaps (segment signature 0xFFEEFFEE) and the page heap's fake header (filled with 0xEE bytes) have
    // these fields; a segment heap (0xDDEEDDEE) keeps other things there.
    const signature = readU32(t, addTo(h, signatureAt.offset));
    if (signature !== 0xffeeffee && signature !== 0xeeeeeeee) continue;
    const flags = readU32(t, addTo(h, flagsAt.offset));
    const force = readU32(t, addTo(h, forceAt.offset));
    if (flags === undefined && force === undefined) continue;
    read++;
    if ((((flags ?? 0) | (force ?? 0)) & HEAP_FLAG_PAGE_ALLOCS) !== 0) paged.push(h);
  }
  if (paged.length === 0) return [];
  const list = paged.slice(0, 4).map((h) => t.formatAddress(h)).join(", ") + (paged.length > 4 ? ", ..." : "");
  return [{
    Scope: "Heaps", Item: "page heap", Value: HEAP_FLAG_PAGE_ALLOCS,
    Meaning: paged.length + " of " + read + " heaps are page heaps (HEAP_FLAG_PAGE_ALLOCS in _HEAP.Flags/ForceFlags): " + list,
    UsableEvidence: "every allocation of these heaps sits against a guard page: an overrun faults at the culprit; !heap -p -a <address> gives the allocation stack",
    Verdict: "Positive", Evidence: "!heap -p; dt ntdll!_HEAP " + t.formatAddress(paged[0]!) + " Flags ForceFlags", Source: flagsAt.typed ? peb.source : "heuristic",
  }];
}

function isZero(v: Int64): boolean {
  return v.getHighPart() === 0 && v.getLowPart() === 0;
}

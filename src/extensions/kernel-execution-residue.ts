import { defineAnalysis, type Row } from "../lib/analysis";
import { addTo, comparePair, differenceOf, fromHalves, halvesOf, isInt64, toInt64, toNumber, type Int64 } from "../lib/int64";
import { isNull, Kernel, STATE, type KThread } from "../lib/kernel";
import { processLabel, tidText } from "../lib/kernel-threads";
import type { ModuleInfo } from "../lib/module-index";
import { readOptions } from "../lib/stack-filter";
import type { FrameInfo } from "../lib/stacks";
import { unreadable, type Source } from "../lib/values";

type Kind = "CodePointer" | "DataPointer" | "ImagePointer" | "StackPointer" | "KernelPointer" | "UserPointer" | "Value" | "Unreadable";

/**
 * Execution Residue (kernel): a thread's kernel stack, slot by slot: return addresses of past calls,
 * pointers into drivers and into the stack itself, classified and symbolized, live part and dead part
 * told apart.
 *
 * The pattern: a kernel stack keeps traces of the drivers and kernel routines a thread went through
 * (completion routines, filter drivers, callbacks) below the current stack pointer and between live
 * frames, after the calls returned. They show components the live stack no longer names.
 *
 * Detection: the region is KTHREAD.StackLimit to InitialStack (StackBase when InitialStack is outside the
 * stack), read only when KernelStackResident is set (a swapped-out stack is not in the dump). The live
 * top is KTHREAD.KernelStack (the stack pointer saved at the last context switch), or the thread's
 * register for a Running thread. Memory is read in `ChunkBytes` chunks (page by page where a chunk fails);
 * each value is matched against the loaded modules (nt and the drivers): CodePointer (executable
 * section), DataPointer, ImagePointer (section headers not in the dump), StackPointer (into this stack),
 * KernelPointer / UserPointer (other addresses, with All), Value. A code pointer is a plausible return
 * address when a call instruction ends right before it (when those bytes are in the dump). A last row
 * names the modules seen in the dead part that are not on the live stack.
 *
 * False positives: any value that happens to fall inside a driver looks like a symbol; prefer rows whose
 * ReturnAddress is true. DPC and interrupt (IST) stacks are per processor and not scanned here.
 *
 * Options (a dx object `new { All = true, Module = "mydrv" }`, or a string `"all"`, `"symbols"`,
 * `"module=mydrv"`): All lists every slot like `dps`; SymbolsOnly keeps only slots that resolve to a
 * symbol; Module keeps only pointers into that module.
 *
 * @function KernelExecutionResidue
 * @memberof Ewmda
 * @param {number} [thread] Thread id, or ETHREAD address (default: the current thread).
 * @param {object|string} [options] `All` (bool), `SymbolsOnly` (bool), `Module` (string); or a string such as `"all"`, `"symbols"`, `"module=mydrv"`.
 * @returns {ResultSet} One row per slot worth showing: Thread, StackKind, Address, Value, Kind, Symbol, Module, ReturnAddress, Live, Verdict, Evidence, Source.
 * @example dx @$ewmda.KernelExecutionResidue()
 * @example dx -g @$ewmda.KernelExecutionResidue(0x1a8).Where(r => r.ReturnAddress == true)
 * @example dx @$ewmda.KernelExecutionResidue(0x1a8, new { Module = "mydrv" })
 * @example !ewmda.kresidue
 * @example !ewmda.kresidue (0x1a8, "symbols")
 */
export const kernelExecutionResidue = defineAnalysis({
  meta: {
    name: "KernelExecutionResidue",
    command: "kresidue",
    summary: "Raw kernel stack of a thread (execution residue): slots classified and symbolized, live and dead parts",
    patterns: ["Execution Residue (Unmanaged Space, Kernel)"],
    targets: "kernel",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "thread", help: "thread id or ETHREAD address (default: the current thread)", optional: true },
      { name: "options", help: "All, SymbolsOnly, Module; or a string such as \"all\", \"symbols\", \"module=mydrv\"", optional: true },
    ],
    options: [
      { name: "All", type: "bool", help: "list every slot, like dps" },
      { name: "SymbolsOnly", type: "bool", help: "only slots that resolve to a symbol in a module, like dpS" },
      { name: "Module", type: "string", help: "only pointers into this module" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id", table: false },
      { name: "StackKind", type: "string", help: "thread (the thread's kernel stack)", table: false },
      { name: "Address", type: "address", help: "Address of the stack slot" },
      { name: "Value", type: "address", help: "Pointer-sized value in the slot" },
      { name: "Kind", type: "string", help: "CodePointer, DataPointer, ImagePointer, StackPointer, KernelPointer, UserPointer, Value or Unreadable" },
      { name: "Symbol", type: "string", help: "module!symbol+0xoff (pointers into modules)" },
      { name: "Module", type: "string", help: "Module the value points into" },
      { name: "ReturnAddress", type: "bool", help: "A call instruction ends right before the value; unreadable when the code is not in the dump" },
      { name: "Live", type: "bool", help: "At or above the stack pointer (live frames) rather than below it (dead residue)" },
    ],
    settings: {
      ChunkBytes: { default: 0x6000, help: "Bytes read per memory request", reason: "a whole x64 kernel stack (24 KiB) in one request" },
      MaxRows: { default: 20000, help: "Rows kept per call", reason: "a large (GUI) kernel stack has about 9000 slots" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const parsed = parseArguments(args);
    if (typeof parsed === "string") {
      ctx.summary("KernelExecutionResidue: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    const k = Kernel.of(t);
    const missing = k.missing();
    if (missing) {
      ctx.summary("KernelExecutionResidue: needs a kernel or complete dump");
      yield info("KernelExecutionResidue needs a kernel or complete dump: " + missing + "; RawStack reads user-mode stacks", "heuristic");
      return;
    }
    const th = findThread(k, t, parsed.thread);
    if (typeof th === "string") {
      ctx.summary("KernelExecutionResidue: " + th);
      yield info(th, "typed");
      return;
    }
    const label = "thread " + tidText(th) + " of " + processLabel(th.process);
    if (th.stackResident === false) {
      ctx.summary("KernelExecutionResidue " + label + ": kernel stack not resident");
      yield info(label + ": the kernel stack is not resident (KernelStackResident = 0: swapped out, not in the dump); !thread " + t.formatAddress(th.address), "typed");
      return;
    }
    const limit = th.stackLimit;
    const base = inRange(th.initialStack, th.stackLimit, th.stackBase) ? th.initialStack : th.stackBase;
    const size = limit && base ? differenceOf(base, limit) : undefined;
    if (!limit || !base || size === undefined || size <= 0 || size > 0x100000) {
      ctx.summary("KernelExecutionResidue " + label + ": no stack range");
      yield info(label + ": KTHREAD.StackLimit / InitialStack / StackBase give no usable range; !thread " + t.formatAddress(th.address), "typed");
      return;
    }
    let sp = th.kernelStack;
    if (th.state === STATE.Running) {
      const ref = k.modelThread(th);
      const live = ref ? t.stackPointer(ref) : undefined;
      if (live && inRange(live, limit, base)) sp = live;
    }
    const spOk = sp && inRange(sp, limit, base);
    const [spHi, spLo] = spOk ? halvesOf(sp!) : [0, 0];
    const modules = t.modules();
    const wanted = parsed.module !== undefined ? modules.byName(parsed.module) : undefined;
    if (parsed.module !== undefined && !wanted) {
      yield info("no module named " + parsed.module + " is loaded (lm lists them)", "typed");
      return;
    }
    // Pointers into any part of this stack, the save area above InitialStack included.
    const [limHi, limLo] = halvesOf(limit);
    const [baseHi, baseLo] = halvesOf(th.stackBase && inRange(base, limit, th.stackBase) ? th.stackBase : base);
    const ps = t.pointerSize();
    const perSlot = ps / 4;
    let shown = 0;
    let dropped = 0;
    let slots = 0;
    let missingBytes = 0;
    const deadModules: { [name: string]: number } = {};
    const liveFrames = liveModules(k, th);

    const row = (aHi: number, aLo: number, hi: number, lo: number, kind: Kind, m: ModuleInfo | undefined): Row | undefined => {
      const value = fromHalves(hi, lo);
      let symbol: string | undefined;
      let hasSymbol = false;
      let ret: boolean | ReturnType<typeof unreadable> | undefined;
      if (m) {
        const s = t.symbolize(value, m);
        symbol = s.text;
        hasSymbol = s.hasSymbol;
        if (kind === "CodePointer" || kind === "ImagePointer") ret = t.isReturnSite(value);
      }
      if (parsed.symbolsOnly && !hasSymbol) return undefined;
      const live = spOk ? comparePair(aHi, aLo, spHi, spLo) >= 0 : unreadable("no stack pointer inside the stack");
      if (m && live === false && ret === true) deadModules[m.name] = (deadModules[m.name] || 0) + 1;
      const address = fromHalves(aHi, aLo);
      return {
        Thread: th.tid, StackKind: "thread", Address: address, Value: value, Kind: kind, Symbol: symbol, Module: m ? m.name : undefined,
        ReturnAddress: ret, Live: live, Verdict: "Info", Source: "typed",
        Evidence: "dps " + t.formatAddress(address) + " L1" + (ret !== undefined ? "; ub " + t.formatAddress(value) + " L1" : ""),
      };
    };

    for (let offset = 0; offset < size; offset += cfg.ChunkBytes) {
      const bytes = Math.min(cfg.ChunkBytes, size - offset);
      const start = addTo(limit, offset);
      const pieces: { start: Int64; n: number; words: ArrayLike<number> | undefined }[] = [];
      const whole = t.readPointerWords(start, bytes / ps);
      if (whole) pieces.push({ start, n: bytes / ps, words: whole });
      else for (let p = 0; p < bytes; p += 0x1000) {
        const n = Math.min(0x1000, bytes - p) / ps;
        const at = addTo(start, p);
        pieces.push({ start: at, n, words: t.readPointerWords(at, n) });
      }
      for (const piece of pieces) {
        if (!piece.words) {
          missingBytes += piece.n * ps;
          slots += piece.n;
          yield {
            Thread: th.tid, StackKind: "thread", Address: piece.start, Value: unreadable("0x" + (piece.n * ps).toString(16) + " bytes of the stack are not in the dump"),
            Kind: "Unreadable", Verdict: "Info", Source: "typed", Evidence: "dps " + t.formatAddress(piece.start) + " shows ????????",
          };
          continue;
        }
        let [aHi, aLo] = halvesOf(piece.start);
        for (let i = 0; i < piece.n; i++, slots++) {
          const lo = piece.words[i * perSlot]! >>> 0;
          const hi = perSlot === 2 ? piece.words[i * 2 + 1]! >>> 0 : 0;
          let kind: Kind = "Value";
          const m = hi !== 0 || lo >= 0x10000 ? modules.findPair(hi, lo) : undefined;
          if (m) {
            const exec = t.isExecutable(m, fromHalves(hi, lo));
            kind = exec === true ? "CodePointer" : exec === false ? "DataPointer" : "ImagePointer";
          } else if (comparePair(hi, lo, limHi, limLo) >= 0 && comparePair(hi, lo, baseHi, baseLo) < 0) kind = "StackPointer";
          else if (ps === 8 && hi >= 0xffff8000) kind = "KernelPointer";
          else if (ps === 8 && hi > 0 && hi < 0x8000) kind = "UserPointer";
          const keep = parsed.all || (wanted ? m === wanted : parsed.symbolsOnly ? m !== undefined : kind !== "Value" && kind !== "KernelPointer" && kind !== "UserPointer");
          if (keep) {
            const r = row(aHi, aLo, hi, lo, kind, m);
            if (r) { if (shown < cfg.MaxRows) { shown++; yield r; } else dropped++; }
          }
          aLo += ps;
          if (aLo >= 4294967296) { aLo -= 4294967296; aHi++; }
        }
      }
    }
    if (dropped) yield info(dropped + " more rows were not kept (MaxRows = " + cfg.MaxRows + "); narrow with Module or SymbolsOnly", "typed");
    const range = t.formatAddress(limit) + " - " + t.formatAddress(base);
    const absent = Object.keys(deadModules).filter((m) => liveFrames.indexOf(m.toLowerCase()) < 0).sort();
    if (absent.length) {
      yield info("return addresses in the dead part of the stack into module(s) not on the live stack: " + absent.map((m) => m + " (" + deadModules[m] + ")").join(", ") +
        " (recent calls that already returned; dps " + t.formatAddress(limit) + " " + t.formatAddress(sp && spOk ? sp : base) + ")", "typed");
    }
    if (!spOk) yield info(label + ": the saved stack pointer " + (sp ? t.formatAddress(sp) : "(unreadable)") + " is outside the stack: live and dead parts cannot be told apart", "typed");
    if (shown === 0 && dropped === 0) {
      yield {
        Thread: th.tid, Verdict: "Negative", Source: "typed",
        Evidence: "0 pointers into modules or the stack among " + slots + " slots of " + label + "'s kernel stack " + range +
          (missingBytes ? " (0x" + missingBytes.toString(16) + " bytes unreadable)" : "") + "; dps " + t.formatAddress(limit) + " " + t.formatAddress(base),
      };
    }
    ctx.summary("KernelExecutionResidue " + label + ": kernel stack " + range + ", " + slots + " slots, " + shown + " shown" +
      (missingBytes ? ", 0x" + missingBytes.toString(16) + " bytes unreadable" : ""));
  },

  rowText(row, c) {
    if (row.Kind === undefined) return row.Verdict + ": " + row.Evidence;
    const fmt = (v: unknown) => (isInt64(v) ? formatSlot(v, c.pointerSize) : v instanceof Object && "reason" in v ? String((v as { reason: string }).reason) : "");
    return [fmt(row.Address), fmt(row.Value), typeof row.Symbol === "string" ? row.Symbol : String(row.Kind)].filter((p) => p !== "").join("  ");
  },
});

interface Parsed { thread: Int64 | number | undefined; all: boolean; symbolsOnly: boolean; module: string | undefined }

function parseArguments(args: readonly unknown[]): Parsed | string {
  let first = args[0];
  let second = args[1];
  if (typeof first === "string" && !/^\s*(0x[0-9a-f`]+|\d+)\s*$/i.test(first)) { second = first; first = undefined; }
  let thread: Int64 | number | undefined;
  if (first !== undefined && first !== null) {
    if (typeof first === "string") {
      const s = first.trim().replace(/`/g, "");
      thread = /^0x/i.test(s) ? (s.length > 10 ? toInt64(host.parseInt64(s.slice(2), 16)) : parseInt(s, 16)) : parseInt(s, 10);
    } else if (isInt64(first) || typeof first === "number") thread = first as Int64 | number;
    else {
      const addr = (first as { address?: unknown }).address;
      if (isInt64(addr)) thread = addr;
      else return "the thread must be a thread id (0x1a8) or an ETHREAD address, not " + String(first);
    }
  }
  const bag = readOptions(second, ["All", "SymbolsOnly", "Module"], undefined);
  let all = false;
  let symbolsOnly = false;
  let module: string | undefined;
  if (typeof bag === "string") {
    if (typeof second !== "string") return bag;
    for (const part of second.split(/[\s,;]+/)) {
      const p = part.toLowerCase();
      if (p === "") continue;
      if (p === "all") all = true;
      else if (p === "symbols" || p === "symbolsonly") symbolsOnly = true;
      else if (p.indexOf("module=") === 0) module = part.slice(7);
      else return "unknown option \"" + part + "\" (use all, symbols, module=<name>)";
    }
  } else {
    all = bag.All === true || bag.All === "true";
    symbolsOnly = bag.SymbolsOnly === true || bag.SymbolsOnly === "true";
    if (bag.Module !== undefined) module = String(bag.Module);
  }
  return { thread, all, symbolsOnly, module };
}

/** The thread by id (any process), by ETHREAD address, or the current thread. */
function findThread(k: Kernel, t: { currentThread(): { model: DbgModel.Thread } | undefined; formatAddress(v: DbgModel.Numeric): string }, want: Int64 | number | undefined): KThread | string {
  if (want === undefined) {
    const cur = t.currentThread();
    let address: Int64 | undefined;
    try { address = cur ? toInt64((cur.model as unknown as { KernelObject: { address: Int64 } }).KernelObject.address) : undefined; } catch (e) { address = undefined; }
    const th = address ? k.threadAt(address) : undefined;
    return th || "the current thread has no readable ETHREAD (give a thread id or an ETHREAD address; !thread)";
  }
  const big = typeof want !== "number" ? want : want > 0xffffffff ? toInt64(want) : undefined;
  if (big && halvesOf(big)[0] !== 0) {
    const th = k.threadByAddress(big) || k.threadAt(big);
    return th || "no readable ETHREAD at " + t.formatAddress(big) + " (!thread " + t.formatAddress(big) + ")";
  }
  const tid = typeof want === "number" ? want : toNumber(want);
  const match = k.allThreads().threads.filter((th) => th.tid === tid && th.process.pid !== 0)[0];
  return match || "thread 0x" + tid.toString(16) + " is not in any process's thread list (!process 0 2 lists them)";
}

function inRange(v: Int64 | undefined, lo: Int64 | undefined, hi: Int64 | undefined): boolean {
  if (!v || !lo || !hi || isNull(v)) return false;
  const [a, b] = halvesOf(v);
  const [c, d] = halvesOf(lo);
  const [e, f] = halvesOf(hi);
  return comparePair(a, b, c, d) >= 0 && comparePair(a, b, e, f) <= 0;
}

/** Lower-case names of the modules on the thread's live stack (empty when there is no stack). */
function liveModules(k: Kernel, th: KThread): string[] {
  const ref = k.modelThread(th);
  if (!ref) return [];
  const s = k.t.threadStack(ref);
  if (!Array.isArray(s.frames)) return [];
  const out: string[] = [];
  for (const f of s.frames as readonly FrameInfo[]) if (f.module && out.indexOf(f.module.name.toLowerCase()) < 0) out.push(f.module.name.toLowerCase());
  return out;
}

function formatSlot(v: Int64, ps: number): string {
  const [hi, lo] = halvesOf(v);
  const h = ("00000000" + hi.toString(16)).slice(-8);
  const l = ("00000000" + lo.toString(16)).slice(-8);
  return ps === 4 && hi === 0 ? l : h + "`" + l;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

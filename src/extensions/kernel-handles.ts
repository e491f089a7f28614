import { defineAnalysis, type Row } from "../lib/analysis";
import { describeSelection, Kernel, processFilter, readKernelOptions, type KProcess } from "../lib/kernel";
import {
  addrKey, addrMask, addrOf, bitsOf, formatAddr, isKernelAddr, isNullAddr, KernelReader, ObjectDecoder, type Addr, type FieldInfo,
} from "../lib/kernel-objects";
import type { Source, Verdict } from "../lib/values";

/** What one process's handle table gave. */
interface Holder {
  readonly p: KProcess;
  readonly handles: number;
  readonly table: Addr;
  readonly tableCode: Addr | undefined;
  readonly nextHandle: number | undefined;
  readonly win32: Addr | undefined;
}

/** Per-type counts of one handle table walk. */
interface TableWalk {
  readonly byType: { [type: string]: number };
  readonly entries: number;
  readonly problem: string | undefined;
  /** True when entries were left over at the budget. */
  readonly capped?: boolean;
}

/** Most free lists a handle table can have (nt!ExpFreeListCount is bounded by the processor count). */
const MAX_FREE_LISTS = 128;
/** win32k modules that may carry the _W32PROCESS type, newest split first. */
const WIN32K_MODULES = ["win32kbase", "win32kfull", "win32k"];

/**
 * Handle Limit (kernel space): handle counts per process and per type from the kernel's handle tables, the
 * top holders with what they hold, compared with the limits; GDI and USER counts from win32k's process
 * structure where its types are in the symbols.
 *
 * The pattern: a process that leaks handles (events, files, registry keys, threads, sections) grows its
 * handle table until a limit or the pool behind the objects runs out; a GUI process that leaks GDI objects
 * hits the per-process GDI quota (10,000 by default) and its drawing starts to fail.
 *
 * Detection: for every process on nt!PsActiveProcessHead, `EPROCESS.ObjectTable` → `_HANDLE_TABLE`, whose
 * handle count is the sum of `FreeLists[i].HandleCount` over nt!ExpFreeListCount lists (one when that symbol is
 * missing; Windows 10 has no HandleCount member). The top holders' tables (`Config.KernelHandles.TopProcesses`,
 * or every selected process with `Types`) are walked: `TableCode` gives the levels, leaf pages are read one
 * page at a time, each entry's `ObjectPointerBits` gives the object header, whose decoded `TypeIndex` names the
 * type. System-wide per-type totals come from each `_OBJECT_TYPE.TotalNumberOfHandles`. GDI/USER counts come
 * from `EPROCESS.Win32Process` typed as `_W32PROCESS` (win32kbase/win32kfull/win32k), when the symbols have it.
 *
 * False positives: services such as lsass.exe, svchost.exe hosting many services, and antivirus engines
 * hold many thousands of handles by design; compare with the same process on a healthy machine, or take a
 * second dump later and see whether the count grows (Step Dumps). Handle counts include handles being closed.
 *
 * @function KernelHandles
 * @memberof Ewmda
 * @param {object|string} [options] `Process` (pid or image-name glob), `Types` (bool: walk every selected process's table by type, not just the top holders); or a string such as `"process=svchost* types"`.
 * @returns {ResultSet} Rows with Process, PID, Handles, Limit, PercentOfLimit, Entries, ByType, GdiHandles, UserHandles, Type, Kind, Verdict, Evidence, Source.
 * @example dx @$ewmda.KernelHandles()
 * @example dx -g @$ewmda.KernelHandles(new { Process = "svchost*", Types = true })
 * @example !ewmda.khandles
 * @example !ewmda.khandles "process=0x2c0 types"
 */
export const kernelHandles = defineAnalysis({
  meta: {
    name: "KernelHandles",
    command: "khandles",
    summary: "Handle counts per process and per type from the kernel handle tables, top holders against the limits, GDI/USER counts",
    patterns: ["Handle Limit (GDI, kernel space)"],
    targets: "kernel",
    version: "1.0.0",
    params: [{ name: "options", help: "Process (pid or image-name glob), Types; or a string such as \"process=svchost* types\"", optional: true }],
    options: [
      { name: "Process", type: "string", help: "only processes with this pid or image-name glob" },
      { name: "Types", type: "bool", help: "walk every selected process's handle table by type (default: the top holders only)" },
    ],
    columns: [
      { name: "Process", type: "string", help: "Image file name" },
      { name: "PID", type: "hex", help: "Process id" },
      { name: "Handles", type: "int", help: "Handles the process holds (sum of its handle table's FreeLists[].HandleCount), or of the type (type rows)" },
      { name: "Limit", type: "int", help: "The limit compared with: 2^24 handles per process, or the GDI/USER quota" },
      { name: "PercentOfLimit", type: "string", help: "Handles as a share of the limit" },
      { name: "Entries", type: "int", help: "Entries in use found by walking the table (top holders)", table: false },
      { name: "ByType", type: "string", help: "Most held types from the table walk: File 1200, Event 300, ..." },
      { name: "GdiHandles", type: "int", help: "GDI objects (W32PROCESS.GDIHandleCount), where win32k types are in the symbols" },
      { name: "UserHandles", type: "int", help: "USER objects (W32PROCESS.UserHandleCount), where win32k types are in the symbols" },
      { name: "Type", type: "string", help: "Type rows: the object type" },
      { name: "Kind", type: "string", help: "Process (one process), Type (system-wide per type) or Gdi", table: false },
    ],
    settings: {
      SuspiciousHandles: {
        default: 10000,
        help: "Handles in one process that make it Suspicious",
        reason: "most processes hold hundreds to a few thousand handles; ten thousand is where leaks usually show",
      },
      PositiveHandles: {
        default: 100000,
        help: "Handles in one process that make it Positive",
        reason: "a hundred thousand handles is a leak in almost any process, and its objects weigh on paged and nonpaged pool",
      },
      ProcessLimit: {
        default: 16777216,
        help: "Per-process handle limit compared with",
        reason: "the kernel's handle table allows 2^24 handles per process",
      },
      TopProcesses: {
        default: 5,
        help: "Largest holders whose handle tables are walked by type",
        reason: "the type breakdown costs one read per distinct object; the top few explain a leak",
      },
      TopTypes: {
        default: 10,
        help: "System-wide object types listed (by handle count)",
        reason: "a few types hold most handles",
      },
      MaxEntries: {
        default: 200000,
        help: "Handle-table entries decoded per call",
        reason: "bounds the by-type walk on systems with millions of handles",
      },
      GdiQuota: {
        default: 10000,
        help: "Per-process GDI and USER object quota (GDIProcessHandleQuota / USERProcessHandleQuota)",
        reason: "the Windows default of both registry values",
      },
      GdiSuspicious: {
        default: 5000,
        help: "GDI or USER objects in one process that make it Suspicious (Positive at 90% of the quota)",
        reason: "half the default quota: leaks are usually visible well before the limit",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    if (!t.isKernel()) {
      ctx.summary("KernelHandles: needs a kernel or complete dump");
      yield info("KernelHandles reads the kernel's handle tables; this is a user-mode target (needs a kernel or complete dump; for this process's own handles use !ewmda.handles, which reads !handle)", "heuristic");
      return;
    }
    const sel = readKernelOptions(args[0], ["Types"]);
    if (typeof sel === "string") {
      ctx.summary("KernelHandles: " + sel);
      yield info(sel, "heuristic");
      return;
    }
    if (sel.module !== undefined) {
      ctx.summary("KernelHandles: Module does not apply");
      yield info("the Module option does not apply to handle tables (use Process)", "heuristic");
      return;
    }
    const k = Kernel.of(t);
    const missing = k.missing();
    if (missing) {
      ctx.summary("KernelHandles: " + missing);
      yield info(missing, "typed");
      return;
    }
    const r = new KernelReader(t);
    const d = new ObjectDecoder(r);
    const ps = r.pointerSize;
    const ep = r.type("_EPROCESS")!;
    const ht = r.type("_HANDLE_TABLE");
    const fl = r.type("_HANDLE_TABLE_FREE_LIST");
    const fTable = ep.field("ObjectTable");
    const fWin32 = ep.field("Win32Process");
    const fCode = ht ? ht.field("TableCode") : undefined;
    const fNext = ht ? ht.field("NextHandleNeedingPool") : undefined;
    const fLists = ht ? ht.field("FreeLists") : undefined;
    const fListCount = fl ? fl.field("HandleCount") : undefined;
    const fDirectCount = ht ? ht.field("HandleCount") : undefined; // builds before Windows 8.1 kept the count here
    if (!fTable || !ht || !fCode || (!fDirectCount && (!fLists || !fListCount || !fl))) {
      ctx.summary("KernelHandles: no handle table types");
      yield info("the nt symbols lack _EPROCESS.ObjectTable or _HANDLE_TABLE's count fields (.reload /f nt; !handle 0 0 <process> counts without them)", "typed");
      return;
    }
    const listCountAt = r.symbol("ExpFreeListCount");
    const declaredLists = listCountAt ? r.readU32(listCountAt) : undefined;
    const freeLists = declaredLists !== undefined && declaredLists >= 1 && declaredLists <= MAX_FREE_LISTS ? declaredLists : 1;
    const countNote = fDirectCount ? "_HANDLE_TABLE.HandleCount"
      : freeLists + " free list" + (freeLists === 1 ? "" : "s") + (declaredLists === undefined ? " (nt!ExpFreeListCount unreadable: the first list only)" : "");

    // ---- counts per process
    const filter = processFilter(sel);
    const procs = k.processes();
    const holders: Holder[] = [];
    let withoutTable = 0;
    let unreadable = 0;
    let examined = 0;
    for (const p of procs.items) {
      if (filter && !filter(p)) continue;
      examined++;
      const at = addrOf(p.address);
      const v = r.readFields(at, [fTable, fWin32]);
      const table = v ? v.ptr(fTable) : undefined;
      if (!table) { unreadable++; continue; }
      if (isNullAddr(table)) { withoutTable++; continue; }
      // One read: the table's head and (Windows 8.1+) its free lists.
      const listsEnd: FieldInfo | undefined = fDirectCount ? undefined : { offset: fLists!.offset, size: freeLists * fl!.size, lsb: 0, bits: 0, pointer: false };
      const head = r.readFields(table, [fCode, fNext, fDirectCount, listsEnd]);
      const lists = fDirectCount ? undefined : head;
      if (!head || (!fDirectCount && !lists)) { unreadable++; continue; }
      let handles = 0;
      if (fDirectCount) handles = head.signed(fDirectCount) || 0;
      else {
        for (let i = 0; i < freeLists; i++) {
          const f: FieldInfo = { offset: fLists!.offset + i * fl!.size + fListCount!.offset, size: fListCount!.size, lsb: 0, bits: 0, pointer: false };
          handles += lists!.signed(f) || 0;
        }
      }
      const win32 = v ? v.ptr(fWin32) : undefined;
      holders.push({ p, handles, table, tableCode: head.ptr(fCode), nextHandle: head.num(fNext), win32: win32 && !isNullAddr(win32) ? win32 : undefined });
    }
    holders.sort((a, b) => b.handles - a.handles);
    const total = holders.reduce((s, h) => s + h.handles, 0);

    // ---- what the top holders hold, by type
    const walkAll = sel.flags.Types === true;
    const walked: { [key: string]: TableWalk } = {};
    const entryType = r.type("_HANDLE_TABLE_ENTRY");
    let budget = cfg.MaxEntries;
    let capped = false;
    const typeCache: { [header: string]: string } = {};
    const oh = r.type("_OBJECT_HEADER");
    const fTypeIndex = oh ? oh.field("TypeIndex") : undefined;
    const typeOfHeader = (header: Addr): string => {
      const key = addrKey(header);
      let name = typeCache[key];
      if (name === undefined) {
        const v = fTypeIndex ? r.read(header, fTypeIndex.offset, 1) : undefined;
        const raw = v ? v.num(fTypeIndex) : undefined;
        if (raw === undefined) name = "<unreadable object>";
        else {
          const index = d.decodeTypeIndex(header, raw);
          const te = index >= 0 ? d.typeByIndex(index) : undefined;
          name = te ? te.name : index >= 0 ? "type index 0x" + index.toString(16) : "<type unknown: nt!ObHeaderCookie unreadable>";
        }
        typeCache[key] = name;
      }
      return name;
    };
    holders.forEach((h, i) => {
      if (!walkAll && i >= cfg.TopProcesses) return;
      if (!entryType) return;
      if (budget <= 0) { capped = true; return; }
      const w = walkTable(r, h, entryType, budget, typeOfHeader);
      budget -= w.entries;
      if (w.capped) capped = true;
      walked[addrKey(h.table)] = w;
    });

    // ---- GDI and USER counts from win32k's process structure
    let w32: { module: string; gdi: FieldInfo | undefined; user: FieldInfo | undefined } | undefined;
    for (const m of WIN32K_MODULES) {
      const to = r.type("_W32PROCESS", m);
      if (to) {
        w32 = { module: m, gdi: to.field("GDIHandleCount"), user: to.field("UserHandleCount") };
        break;
      }
    }

    // ---- rows
    let flagged = 0;
    const rowsOut: Row[] = [];
    holders.forEach((h, i) => {
      const w = walked[addrKey(h.table)];
      let gdi: number | undefined;
      let user: number | undefined;
      if (w32 && h.win32) {
        const v = r.readFields(h.win32, [w32.gdi, w32.user]);
        gdi = v ? v.num(w32.gdi) : undefined;
        user = v ? v.num(w32.user) : undefined;
      }
      let verdict: Verdict = "Info";
      const reasons: string[] = [];
      if (h.handles >= cfg.PositiveHandles) { verdict = "Positive"; reasons.push(h.handles + " handles (>= " + cfg.PositiveHandles + ")"); }
      else if (h.handles >= cfg.SuspiciousHandles) { verdict = "Suspicious"; reasons.push(h.handles + " handles (>= " + cfg.SuspiciousHandles + ")"); }
      const gdiBad = (n: number | undefined, what: string) => {
        if (n === undefined) return;
        if (n >= cfg.GdiQuota * 0.9) { verdict = "Positive"; reasons.push(n + " " + what + " objects (>= 90% of the " + cfg.GdiQuota + " quota)"); }
        else if (n >= cfg.GdiSuspicious) { if (verdict !== "Positive") verdict = "Suspicious"; reasons.push(n + " " + what + " objects (>= " + cfg.GdiSuspicious + ")"); }
      };
      gdiBad(gdi, "GDI");
      gdiBad(user, "USER");
      const top = i < cfg.TopProcesses;
      if (verdict === "Info" && !top && !w) return;
      if (verdict !== "Info") flagged++;
      const proc = formatAddr(addrOf(h.p.address), ps);
      rowsOut.push({
        Process: h.p.name, PID: h.p.pid, Handles: h.handles, Limit: cfg.ProcessLimit, PercentOfLimit: percent(h.handles, cfg.ProcessLimit),
        Entries: w ? w.entries : undefined, ByType: w ? byTypeText(w) : undefined, GdiHandles: gdi, UserHandles: user,
        Type: undefined, Kind: "Process", Verdict: verdict, Source: "typed" as Source,
        Evidence: (reasons.length ? reasons.join(", ") + "; " : "") + "!handle 0 0 " + proc + " (process " + proc + ", handle table " + formatAddr(h.table, ps) + ", " + countNote + ")" +
          (w && w.problem ? "; " + w.problem : ""),
      });
    });
    yield* rowsOut;
    const types = d.types().filter((te) => te.handles !== undefined && te.handles > 0);
    types.sort((a, b) => (b.handles || 0) - (a.handles || 0));
    for (const te of types.slice(0, cfg.TopTypes)) {
      yield {
        Type: te.name, Handles: te.handles, Kind: "Type", Verdict: "Info", Source: "typed",
        Evidence: te.objects + " objects, " + te.handles + " handles system-wide (peak " + te.highWaterHandles + "); dt nt!_OBJECT_TYPE " + formatAddr(te.address, ps) + " TotalNumberOfHandles",
      };
    }
    if (!w32) {
      yield {
        Kind: "Gdi", Verdict: "Info", Source: "typed",
        Evidence: "GDI/USER object counts need win32k's _W32PROCESS type (win32kbase, win32kfull or win32k symbols), which this dump's symbols lack; use !poolused 8 for session pool, or a user dump of the GUI process (its PEB's GdiSharedHandleTable)",
      };
    }
    const notes: string[] = [];
    if (procs.problem) notes.push(procs.problem);
    if (capped) notes.push("the by-type walk stopped at Config.KernelHandles.MaxEntries = " + cfg.MaxEntries + " entries; the ByType and Entries columns are partial");
    if (notes.length) yield info(notes.join("; "), "typed");
    const scope = examined + " processes" + (filter ? " (" + describeSelection(sel) + ")" : "") + ", " + holders.length + " with handle tables" +
      (withoutTable ? ", " + withoutTable + " without (exited)" : "") + (unreadable ? ", " + unreadable + " unreadable" : "");
    if (flagged === 0) {
      const largest = holders[0];
      yield {
        Kind: "Process", Verdict: "Negative", Source: "typed",
        Evidence: "no process holds >= " + cfg.SuspiciousHandles + " handles" + (w32 ? " or >= " + cfg.GdiSuspicious + " GDI/USER objects" : "") + " among " + scope +
          (largest ? "; largest " + largest.p.name + " (pid 0x" + largest.p.pid.toString(16) + ") with " + largest.handles + "; " + total + " handles in all" : ""),
      };
    }
    ctx.summary("KernelHandles: " + flagged + " flagged among " + scope + "; " + total + " handles" +
      (capped ? " (by-type breakdown partial: MaxEntries " + cfg.MaxEntries + ")" : ""));
  },

  rowText(row) {
    if (row.Kind === "Type") return "Type " + String(row.Type) + ": " + String(row.Handles) + " handles";
    if (row.Process === undefined) return row.Verdict + ": " + row.Evidence;
    return (row.Verdict !== "Info" ? row.Verdict + ": " : "") + String(row.Process) + " (0x" + Number(row.PID).toString(16) + "): " + String(row.Handles) + " handles" +
      (row.ByType ? " [" + String(row.ByType) + "]" : "");
  },
});

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

function percent(n: number, of: number): string {
  if (!(of > 0)) return "";
  const p = (n * 100) / of;
  return (p >= 10 ? p.toFixed(0) : p >= 0.1 ? p.toFixed(1) : p.toFixed(3)) + "%";
}

function byTypeText(w: TableWalk): string {
  const names = Object.keys(w.byType);
  names.sort((a, b) => w.byType[b]! - w.byType[a]! || (a < b ? -1 : 1));
  return names.slice(0, 6).map((n) => n + " " + w.byType[n]).join(", ") + (names.length > 6 ? ", ..." : "");
}

/**
 * Walks a handle table's entries: TableCode's low two bits give the levels (0: one page of entries; 1: a page
 * of pointers to entry pages; 2: pointers to such pages), NextHandleNeedingPool bounds the handles in use.
 * Each leaf page is read in one request; entry 0 of every page is reserved.
 */
function walkTable(r: KernelReader, h: Holder, et: NonNullable<ReturnType<KernelReader["type"]>>, budget: number, typeOf: (header: Addr) => string): TableWalk {
  const byType: { [type: string]: number } = {};
  const ps = r.pointerSize;
  if (!h.tableCode || isNullAddr(h.tableCode)) return { byType, entries: 0, problem: "TableCode is " + (h.tableCode ? "null" : "unreadable") };
  const entrySize = et.size || (ps === 8 ? 16 : 8);
  const perPage = Math.floor(0x1000 / entrySize);
  const pointersPerPage = Math.floor(0x1000 / ps);
  const fBits = et.field("ObjectPointerBits");
  const fObject = et.field("Object");
  const fLow = et.field("LowValue", "VolatileLowValue");
  if (!fBits && !fObject) return { byType, entries: 0, problem: "_HANDLE_TABLE_ENTRY has neither ObjectPointerBits nor Object: no by-type counts" };
  // The ObjectPointerBits encoding decoded below (header address bits 4..47, sign-extended) is the x64 one.
  if (fBits && ps !== 8) return { byType, entries: 0, problem: "by-type counts are decoded on x64 targets only (32-bit ObjectPointerBits encoding not handled)" };
  const level = h.tableCode.lo & 3;
  const base = addrMask(h.tableCode, 2);
  const handlesInUse = h.nextHandle !== undefined && h.nextHandle > 0 ? h.nextHandle : perPage * 4;
  const leafCount = Math.max(1, Math.ceil(handlesInUse / 4 / perPage));
  const leaves: Addr[] = [];
  let problem: string | undefined;
  if (level === 0) leaves.push(base);
  else if (level === 1) {
    const mids = r.readPointers(base, Math.min(leafCount, pointersPerPage));
    if (!mids) problem = "the table's directory page at " + formatAddr(base, ps) + " is not in the dump";
    else for (const m of mids) if (!isNullAddr(m)) leaves.push(m);
  } else if (level === 2) {
    const tops = r.readPointers(base, Math.min(Math.ceil(leafCount / pointersPerPage), pointersPerPage));
    if (!tops) problem = "the table's top page at " + formatAddr(base, ps) + " is not in the dump";
    else {
      let left = leafCount;
      for (const top of tops) {
        if (isNullAddr(top) || left <= 0) continue;
        const mids = r.readPointers(top, Math.min(left, pointersPerPage));
        left -= pointersPerPage;
        if (!mids) { problem = "a directory page of the table is not in the dump"; continue; }
        for (const m of mids) if (!isNullAddr(m)) leaves.push(m);
      }
    }
  } else problem = "TableCode " + formatAddr(h.tableCode, ps) + " has an unknown level " + level;
  let entries = 0;
  let missingPages = 0;
  const seen: { [k: string]: boolean } = {};
  let capped = false;
  for (const leaf of leaves) {
    if (capped) break;
    const k = addrKey(leaf);
    if (seen[k] || !isKernelAddr(leaf, ps)) continue; // a repeated or bogus page pointer in a corrupt table
    seen[k] = true;
    const page = r.read(leaf, 0, perPage * entrySize);
    if (!page) { missingPages++; continue; }
    for (let i = 1; i < perPage; i++) {
      const at = i * entrySize;
      const low = page.pair(at + (fLow ? fLow.offset : 0), ps === 8 ? 8 : 4);
      if (low.hi === 0 && low.lo === 0) continue;
      let header: Addr;
      if (fBits) {
        const bits = bitsOf(low, fBits.lsb, fBits.bits);
        if (bits === 0) continue;
        // The entry keeps the header's address bits 4..47 (headers are 16-byte aligned); kernel addresses are sign-extended.
        const full = bits * 16;
        header = { hi: ((Math.floor(full / 4294967296) >>> 0) | 0xffff0000) >>> 0, lo: full % 4294967296 };
      } else {
        header = addrMask(page.pair(at + fObject!.offset, ps), 3);
        if (isNullAddr(header)) continue;
      }
      // The cap is hit only when an entry is left over: a table of exactly MaxEntries entries is whole.
      if (entries >= budget) { capped = true; problem = "stopped at the entry budget"; break; }
      entries++;
      const type = typeOf(header);
      byType[type] = (byType[type] || 0) + 1;
    }
  }
  if (missingPages) problem = (problem ? problem + "; " : "") + missingPages + " entry pages are not in the dump";
  return { byType, entries, problem, capped };
}

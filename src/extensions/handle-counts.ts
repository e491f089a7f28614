import { defineAnalysis, type Row } from "../lib/analysis";
import { addTo, toNumber } from "../lib/int64";
import { isHandleError, parseHandles, type HandleTypeCount } from "../lib/parse-handle";
import { nativePeb, pebField, wowPeb } from "../lib/peb";
import { runCommand } from "../lib/run-command";
import type { Target } from "../lib/target";
import { errorMessage, Unavailable, type Source, type Verdict } from "../lib/values";

/** GDI object types (the low 7 bits of GDICELL.wType), as gdi32 and ReactOS's gdihv name them. */
const GDI_TYPES: { [type: number]: string } = { 0x01: "DC", 0x04: "Region", 0x05: "Bitmap", 0x08: "Palette", 0x0a: "Font", 0x10: "Brush", 0x21: "Metafile (EMF)", 0x06: "ClientObject", 0x07: "Path", 0x09: "ColorSpace" };
const GDI_CELLS = 0x10000;
const SESSION_GDI_LIMIT = 65536;
/** The kernel's per-process handle table limit: 2^24 handles. */
const PROCESS_HANDLE_LIMIT = 16777216;

interface Counts { total: number; byType: HandleTypeCount[]; source: Source; evidence: string }

/**
 * Handles: the process's handle counts by type against the limits that matter, and its GDI objects from
 * the GDI shared handle table, for Handle Leak and Handle Limit (GDI).
 *
 * The pattern (Handle Limit, GDI; Handle Leak): a process that leaks handles grows its handle table until
 * allocations fail (commit or the 16,777,216-handle table limit); a process that leaks GDI objects hits
 * the per-process GDI quota (10,000 by default, GDIProcessHandleQuota) or the session's 65,536 cells, and
 * then drawing fails: blank windows, failed CreateCompatibleBitmap, crashes on NULL objects. One type
 * dominating (tens of thousands of Events, Keys or Threads) names the leak.
 *
 * Detection: handle counts from `Process.Io.Handles` (typed, when the dump has handle data and at most
 * `Config.Handles.MaxTypedHandles` handles) or from `!handle 0 0` (its per-type summary, or the per-handle
 * listing of `!handle`). GDI objects: PEB.GdiSharedHandleTable (the 32-bit PEB's for a WOW64 process seen
 * from a 64-bit view), 0x10000 GDICELL entries (24 bytes with 64-bit pointers, which WOW64 processes also
 * see; 16 bytes on 32-bit Windows), read in chunks; cells whose wProcessId is this process's id (low 16
 * bits) are counted by type (wType & 0x7f); all used cells give the session's total. USER objects live in
 * win32k and are not in a user dump.
 *
 * False positives: a busy server can legitimately hold tens of thousands of handles; 16-bit process ids in
 * GDI cells can collide with another process's id; since Windows 10 1607 the cells' kernel addresses are
 * zero (counts stay valid).
 *
 * @function Handles
 * @memberof Ewmda
 * @returns {ResultSet} Rows: Total and Type (handles), Gdi and GdiType (this process's GDI objects), Session (the session's GDI cells): Kind, Type, Count, Limit, Percent, Verdict, Evidence, Source.
 * @example dx @$ewmda.Handles()
 * @example dx -g @$ewmda.Handles().Where(r => r.Kind == "Type")
 * @example !ewmda.handles
 */
export const handleCounts = defineAnalysis({
  meta: {
    name: "Handles",
    command: "handles",
    summary: "Handle counts by type and GDI objects against the per-process and session limits (handle leaks, GDI handle limit)",
    patterns: ["Handle Limit (GDI, kernel space)"],
    targets: "user",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Kind", type: "string", help: "Total or Type (kernel handles), Gdi or GdiType (this process's GDI objects), Session (GDI cells used in the session)" },
      { name: "Type", type: "string", help: "Object type (Event, Key, File...; DC, Bitmap, Font... for GDI)" },
      { name: "Count", type: "int", help: "Handles or objects" },
      { name: "Limit", type: "int", help: "The limit it is measured against (process handle table, GDI quota, session GDI cells)" },
      { name: "Percent", type: "string", help: "Count as a share of the limit (Total, Gdi, Session) or of all handles (Type, GdiType)" },
    ],
    settings: {
      HandleSuspicious: { default: 10000, help: "Handles in the process from which the total is Suspicious", reason: "typical desktop and service processes hold a few hundred to a few thousand handles" },
      HandlePositive: { default: 100000, help: "Handles in the process from which the total is Positive (a leak)", reason: "a process with 100,000 handles has leaked almost surely; commit and kernel pool run short before the 2^24 table limit" },
      TypeSuspicious: { default: 5000, help: "Handles of one type from which the type is Suspicious", reason: "thousands of one type (Event, Key, Thread, Section) is the shape of a leak" },
      GdiQuota: { default: 10000, help: "The per-process GDI object quota", reason: "the default of GDIProcessHandleQuota (HKLM\\...\\Windows NT\\CurrentVersion\\Windows)" },
      GdiSuspicious: { default: 5000, help: "GDI objects from which the process is Suspicious (Positive from 90% of GdiQuota, or 5,000 of one type)", reason: "half the default quota; patterns.md §26" },
      SessionGdiPositive: { default: 60000, help: "Used GDI cells in the session from which the session is Positive", reason: "the session table has 65,536 cells; above 60,000 every GUI process in the session is about to fail" },
      MaxTypedHandles: { default: 100000, help: "Handles counted through Process.Io.Handles before falling back to !handle's summary", reason: "one model read per handle; the command's summary costs one call" },
      MaxTypes: { default: 12, help: "Handle types listed (largest first; the rest are summed into one row)", reason: "a leak shows in the top few types" },
    },
  },

  *run(ctx) {
    const t = ctx.target;
    const s = ctx.settings;
    if (t.isKernel()) {
      ctx.summary("Handles: kernel target");
      yield { Verdict: "Info", Evidence: "this is the user-dump analysis of handle counts; on kernel targets see KernelHandles (handle tables of all processes) and !process 0 1 (HandleCount)", Source: "heuristic" };
      return;
    }
    const rows: Row[] = [];
    let findings = 0;
    const checked: string[] = [];
    const counts = handleCountsOf(t, s.MaxTypedHandles);
    if (typeof counts === "string") {
      rows.push({ Verdict: "Info", Evidence: "no handle counts: " + counts + " (a dump written with handle data has them: .dump /mh or /ma, procdump -ma)", Source: "command" });
    } else {
      const total = counts.total;
      const verdict: Verdict = total >= s.HandlePositive ? "Positive" : total >= s.HandleSuspicious ? "Suspicious" : "Info";
      if (verdict !== "Info") findings++;
      rows.push({
        Kind: "Total", Type: "(all)", Count: total, Limit: PROCESS_HANDLE_LIMIT, Percent: percent(total, PROCESS_HANDLE_LIMIT), Verdict: verdict, Source: counts.source,
        Evidence: total + " handles in " + counts.byType.length + " types" + (verdict === "Info" ? " (below " + s.HandleSuspicious + ")" : " (" + (verdict === "Positive" ? "at least " + s.HandlePositive : "at least " + s.HandleSuspicious) + ")") + "; " + counts.evidence,
      });
      let other = 0;
      counts.byType.forEach((c, i) => {
        if (i >= s.MaxTypes) { other += c.count; return; }
        const v: Verdict = c.count >= s.TypeSuspicious ? "Suspicious" : "Info";
        if (v !== "Info") findings++;
        rows.push({
          Kind: "Type", Type: c.type, Count: c.count, Limit: undefined, Percent: percent(c.count, total), Verdict: v, Source: counts.source,
          Evidence: c.count + " " + c.type + " handles" + (v === "Suspicious" ? " (at least " + s.TypeSuspicious + " of one type: the shape of a leak)" : "") + "; !handle 0 f " + c.type,
        });
      });
      if (other) rows.push({ Kind: "Type", Type: "(" + (counts.byType.length - s.MaxTypes) + " more types)", Count: other, Percent: percent(other, total), Verdict: "Info", Source: counts.source, Evidence: "!handle 0 0" });
      checked.push(total + " handles");
    }

    const gdi = gdiCounts(t);
    if (typeof gdi === "string") {
      rows.push({ Verdict: "Info", Evidence: "GDI objects not counted: " + gdi, Source: "typed" });
    } else {
      const gv: Verdict = gdi.mine >= Math.floor(s.GdiQuota * 0.9) ? "Positive" : gdi.mine >= s.GdiSuspicious ? "Suspicious" : "Info";
      if (gv !== "Info") findings++;
      rows.push({
        Kind: "Gdi", Type: "(all GDI)", Count: gdi.mine, Limit: s.GdiQuota, Percent: percent(gdi.mine, s.GdiQuota), Verdict: gv, Source: "typed",
        Evidence: gdi.mine + " GDI objects of process " + gdi.pid + " in the shared table at " + gdi.table + gdi.note + "; dt ntdll!_PEB GdiSharedHandleTable",
      });
      for (const c of gdi.byType) {
        const v: Verdict = c.count >= s.GdiSuspicious ? "Positive" : "Info";
        if (v !== "Info") findings++;
        rows.push({ Kind: "GdiType", Type: c.type, Count: c.count, Percent: percent(c.count, gdi.mine), Verdict: v, Source: "typed",
          Evidence: c.count + " " + c.type + " objects" + (v === "Positive" ? " (at least " + s.GdiSuspicious + " of one type: a GDI leak)" : "") });
      }
      const sv: Verdict = gdi.session >= s.SessionGdiPositive ? "Positive" : "Info";
      if (sv !== "Info") findings++;
      rows.push({ Kind: "Session", Type: "(all processes)", Count: gdi.session, Limit: SESSION_GDI_LIMIT, Percent: percent(gdi.session, SESSION_GDI_LIMIT), Verdict: sv, Source: "typed",
        Evidence: gdi.session + " of " + SESSION_GDI_LIMIT + " GDI cells in use in the session (all processes)" });
      checked.push(gdi.mine + " GDI objects");
    }
    rows.push({ Verdict: "Info", Source: "heuristic", Evidence: "USER objects (windows, menus, hooks) are counted by win32k in the kernel and are not in a user dump: GetGuiResources(GR_USEROBJECTS) live, or a kernel dump's W32PROCESS" });
    yield* rows;
    if (findings === 0 && checked.length) {
      yield { Verdict: "Negative", Source: typeof counts === "string" ? "typed" : counts.source,
        Evidence: checked.join(" and ") + ": below the thresholds (" + s.HandleSuspicious + " handles, " + s.TypeSuspicious + " of one type, " + s.GdiSuspicious + " GDI objects)" };
    }
    ctx.summary("Handles: " + (typeof counts === "string" ? "no handle data" : counts.total + " handles") + ", " + (typeof gdi === "string" ? "GDI not counted" : gdi.mine + " GDI objects") + "; " + findings + " finding(s)");
  },

  rowText(row) {
    if (row.Kind === undefined) return row.Verdict + ": " + row.Evidence;
    return String(row.Kind) + " " + String(row.Type) + ": " + String(row.Count) + (row.Percent ? " (" + String(row.Percent) + ")" : "");
  },
});

function percent(n: number, of: number): string {
  if (!of) return "";
  const p = (n * 100) / of;
  return (p < 0.1 && n > 0 ? "<0.1" : p >= 10 ? String(Math.round(p)) : String(Math.round(p * 10) / 10)) + "%";
}

/** Handle counts by type: the data model's handle list when small enough, else `!handle 0 0`, else `!handle`. */
function handleCountsOf(t: Target, maxTyped: number): Counts | string {
  let typedProblem: string | undefined;
  try {
    const io = (t.process as unknown as { Io?: { Handles?: Iterable<{ Type?: unknown }> } }).Io;
    if (io && io.Handles) {
      const by: { [type: string]: number } = {};
      let n = 0;
      for (const h of io.Handles) {
        if (++n > maxTyped) break;
        let type = "None";
        try { const ty = h.Type; if (ty !== undefined && ty !== null && String(ty) !== "") type = String(ty); } catch (e) { /* keep None */ }
        by[type] = (by[type] || 0) + 1;
      }
      if (n <= maxTyped) return { total: n, byType: sortCounts(by), source: "typed", evidence: "dx @$curprocess.Io.Handles" };
      typedProblem = "more than " + maxTyped + " handles in Io.Handles";
    }
  } catch (e) {
    typedProblem = "Io.Handles failed: " + errorMessage(e);
  }
  let why = typedProblem ?? "the process has no Io.Handles";
  for (const cmd of ["!handle 0 0", "!handle"]) {
    const out = runCommand(cmd);
    if (out instanceof Unavailable) { why += "; " + out.reason; continue; }
    const parsed = parseHandles(out);
    if (isHandleError(parsed)) { why += "; " + cmd + ": " + parsed.error; continue; }
    return { total: parsed.total, byType: parsed.byType.slice(), source: "command", evidence: cmd + (parsed.from === "listing" ? " (counted from the listing)" : "") };
  }
  return why;
}

function sortCounts(by: { [type: string]: number }): HandleTypeCount[] {
  const out = Object.keys(by).map((type) => ({ type, count: by[type]! }));
  out.sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return out;
}

interface GdiCounts { mine: number; session: number; byType: HandleTypeCount[]; pid: number; table: string; note: string }

/** This process's cells of the GDI shared handle table, by type, and the session's used cells. */
function gdiCounts(t: Target): GdiCounts | string {
  const peb = nativePeb(t);
  if (peb instanceof Unavailable) return peb.reason;
  let table = pebField(t, peb, "GdiSharedHandleTable", "ptr");
  // 64-bit Windows keeps 24-byte cells, also for WOW64 processes; a 32-bit writer's module list of one has
  // no wow64cpu.dll, only DLLs from SysWOW64.
  const wide = t.pointerSize() === 8 || t.modules().modules.some((m) => m.name.toLowerCase() === "wow64cpu.dll" || /\\syswow64\\/i.test(m.path));
  let via = "PEB";
  if (table === undefined || typeof table === "number") return "PEB.GdiSharedHandleTable is not in the dump";
  const [thi, tlo] = [table.getHighPart() >>> 0, table.getLowPart() >>> 0];
  if (thi === 0 && tlo === 0 && peb.bits === 64) {
    const w = wowPeb(t);
    if (!(w instanceof Unavailable)) {
      const t32 = pebField(t, w.peb32, "GdiSharedHandleTable", "ptr");
      if (t32 !== undefined && typeof t32 !== "number") { table = t32; via = "PEB32"; }
    }
  }
  if (table.getHighPart() === 0 && table.getLowPart() === 0) return "PEB.GdiSharedHandleTable is null: the process has not used GDI (not a GUI process)";
  let pid: number;
  try { pid = toNumber(t.process.Id); } catch (e) { return "the process id is not known"; }
  const cellBytes = wide ? 24 : 16;
  const words = cellBytes / 2;
  const pidWord = wide ? 4 : 2;
  const typeWord = pidWord + 3;
  const chunkCells = 0x800;
  const by: { [type: string]: number } = {};
  let mine = 0;
  let session = 0;
  let readCells = 0;
  for (let first = 0; first < GDI_CELLS; first += chunkCells) {
    let values: ArrayLike<number> | undefined;
    try { values = host.memory.readMemoryValues(addTo(table, first * cellBytes), chunkCells * words, 2, false, t.process); } catch (e) { values = undefined; }
    if (!values) continue;
    readCells += chunkCells;
    for (let c = 0; c < chunkCells; c++) {
      const type = values[c * words + typeWord]! & 0x7f;
      if (type === 0) continue;
      session++;
      if (values[c * words + pidWord] === (pid & 0xffff)) {
        mine++;
        const name = GDI_TYPES[type] ?? "Other (0x" + type.toString(16) + ")";
        by[name] = (by[name] || 0) + 1;
      }
    }
  }
  const at = t.formatAddress(table);
  if (readCells === 0) return "the GDI shared handle table at " + at + " (" + via + ".GdiSharedHandleTable) is not in the dump (a mapped section; full-memory dumps usually have it)";
  const note = readCells < GDI_CELLS ? " (" + (GDI_CELLS - readCells) + " of " + GDI_CELLS + " cells not in the dump)" : "";
  return { mine, session, byType: sortCounts(by), pid, table: at + (via === "PEB32" ? " (from the PEB32)" : ""), note };
}

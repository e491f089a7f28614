import { defineAnalysis, type Row } from "../lib/analysis";
import { addTo, differenceOf, formatAddress, fromHalves, isInt64, type Int64 } from "../lib/int64";
import { memoryRegions, placeOf, unloadedModules, type Place } from "../lib/memory-places";
import type { ModuleInfo } from "../lib/module-index";
import { IMAGE_DIRECTORY_ENTRY_IAT, IMAGE_DIRECTORY_ENTRY_IMPORT, importName, readDataDirectories, readImportDescriptors, type ImportDescriptor, type Reader } from "../lib/pe-imports";
import { boolOptions } from "../lib/region-args";
import { slotBlocks } from "../lib/slot-scan";
import { readOptions } from "../lib/stack-filter";
import type { Source, Verdict } from "../lib/values";

const OPTION_NAMES = ["Module", "Data", "Regions"];

/** How a slot's target relates to where it should point. */
type SlotClass = "OutOfModule" | "Stale" | "Redirected";

interface Finding {
  readonly container: ModuleInfo;
  readonly table: string;
  readonly slot: string;
  readonly slotAddress: Int64;
  readonly pointer: Int64;
  readonly expected: string;
  readonly place: Place;
  readonly cls: SlotClass;
  readonly symbol: string | undefined;
}

/**
 * Out-of-Module Pointer (user part): pointers stored inside a module (import address tables, function-pointer
 * tables in writable sections) that point outside every loaded module, into an unloaded module's range, or into
 * a module other than the one the table says.
 *
 * The pattern (Out-of-Module Pointer): a module's import slots and callback tables should point into the
 * modules they name. A slot that points into private executable memory is the structural sign of a hook (an IAT
 * hook, a detour trampoline), one that points into an unloaded module's range is stale (a crash waiting for its
 * call), and one that points into an unrelated module is redirected.
 *
 * Detection: for each loaded image whose headers are in the dump, the import directory's descriptors give each
 * imported DLL and its import address table; every filled slot is looked up in the module index (no host call
 * per slot). A slot is fine when it points into the DLL it names, into any module for an API set (api-ms-*,
 * ext-ms-*), or into a module of `Config.OutOfModulePointers.ForwardingHosts` (export forwarding: kernel32's
 * HeapAlloc is ntdll's RtlAllocateHeap). Slots that still hold name-table RVAs or ordinals (not yet bound) are
 * counted as unresolved. With Data (default on when `!address` answers), the writable sections are scanned too for
 * values outside every module that land in executable memory or an unloaded module's range. Targets are classified
 * as for Raw Pointer (`lm` once, `!address` once per call).
 *
 * Verdicts: Positive for OutOfModule (a slot into non-image memory) and Stale (into an unloaded module's range);
 * Suspicious for Redirected; Info when the target module is in `AllowedTargets` (monitoring or security products
 * that hook by design). One Negative row says how many slots of how many modules were checked, and how many
 * modules' import tables are not in the dump.
 *
 * False positives: delay-load tables are not checked (their slots point at stubs inside the module until first
 * use); shims (AcLayers, apphelp) and hot patches redirect on purpose; a module list missing entries (minidumps)
 * makes real targets look out of module.
 *
 * Options: Module (check one module only), Data (scan writable sections: true / false), Regions (false: do not
 * run `!address`).
 *
 * @function OutOfModulePointers
 * @memberof Ewmda
 * @param {object|string} [options] `Module` (name), `Data` (bool), `Regions` (bool); or a string such as `"module=app.exe"`.
 * @returns {ResultSet} One row per slot that points where it should not: Container, Table, Slot, SlotAddress, Pointer, Expected, Actual, Class, Symbol, Verdict, Evidence, Source.
 * @example dx @$ewmda.OutOfModulePointers()
 * @example dx -g @$ewmda.OutOfModulePointers(new { Module = "app.exe" })
 * @example !ewmda.oompointers
 * @example !ewmda.oompointers "data=false"
 */
export const outOfModulePointers = defineAnalysis({
  meta: {
    name: "OutOfModulePointers",
    command: "oompointers",
    summary: "Import slots and function-pointer tables of modules that point outside every module, into unloaded modules, or into the wrong module",
    patterns: ["Out-of-Module Pointer"],
    targets: "user",
    version: "1.0.0",
    params: [{ name: "options", help: "Module, Data, Regions", optional: true }],
    options: [
      { name: "Module", type: "string", help: "check only this module (name with or without extension)" },
      { name: "Data", type: "bool", help: "scan the modules' writable sections for pointers into executable memory outside images (default: when !address answers)" },
      { name: "Regions", type: "bool", help: "false: do not run !address (non-module targets are then Unknown unless in an unloaded module)" },
    ],
    columns: [
      { name: "Container", type: "string", help: "The module that holds the slot" },
      { name: "Table", type: "string", help: "IAT (import address table) or the writable section scanned (.data)" },
      { name: "Slot", type: "string", help: "The import (DLL!function, DLL!#ordinal), or the offset in the section" },
      { name: "SlotAddress", type: "address", help: "Address of the slot" },
      { name: "Pointer", type: "address", help: "The value in the slot" },
      { name: "Expected", type: "string", help: "Where the slot should point: the imported DLL, or the containing module's own code" },
      { name: "Actual", type: "string", help: "Where it points: a module, <Unloaded_x.dll>+0xoff, or the !address region" },
      { name: "Class", type: "string", help: "OutOfModule (not an image), Stale (an unloaded module's range) or Redirected (another module)" },
      { name: "Symbol", type: "string", help: "Symbol of the target when it is inside a module", table: false },
    ],
    settings: {
      ForwardingHosts: {
        default: ["ntdll", "kernelbase", "kernel32", "ucrtbase", "msvcrt", "msvcp_win", "combase", "sechost", "advapi32", "rpcrt4", "win32u", "gdi32full",
          "user32", "ole32", "oleaut32", "shcore", "shlwapi", "bcryptprimitives", "bcrypt", "cfgmgr32", "windows.storage", "kernel.appcore", "ws2_32", "crypt32", "apphelp"],
        help: "Modules an import may legitimately resolve into whatever DLL it names (export forwarding, API sets)",
        reason: "Windows forwards exports of kernel32, advapi32, ole32, user32 and others into these system modules",
      },
      AllowedTargets: { default: [] as string[], help: "Modules whose redirection is expected (security or monitoring products): their findings are Info", reason: "none is assumed: add the products installed where the dump was taken" },
      MaxSlots: { default: 4096, help: "Import slots read per descriptor at most", reason: "larger than any real import list; bounds a corrupt table" },
      MaxDataBytes: { default: 0x4000000, help: "Bytes of writable sections scanned per call", reason: "64 MiB: every module's data in a large process, still seconds" },
      ChunkBytes: { default: 0x10000, help: "Bytes read per memory request in section scans", reason: "64 KiB keeps the request count low" },
      PageBytes: { default: 0x1000, help: "Granularity used to find the readable parts of a chunk that failed to read", reason: "the page size of every Windows architecture ewmda supports" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const bag = readOptions(args[0], OPTION_NAMES, "Module");
    const flags = typeof bag === "string" ? bag : boolOptions(bag, { Regions: true });
    if (typeof bag === "string" || typeof flags === "string") {
      const text = typeof bag === "string" ? bag : flags as string;
      ctx.summary("OutOfModulePointers: " + text);
      yield info(text, "heuristic");
      return;
    }
    if (t.isKernel()) {
      ctx.summary("OutOfModulePointers: user modules only");
      yield info("OutOfModulePointers checks user-mode modules' import tables; driver dispatch tables and kernel callback arrays are not checked yet", "heuristic");
      return;
    }
    let modules = t.modules().modules.slice();
    if (bag.Module !== undefined) {
      const m = t.modules().byName(String(bag.Module));
      if (!m) {
        ctx.summary("OutOfModulePointers: no module " + String(bag.Module));
        yield info("no module named " + String(bag.Module) + " is loaded (lm lists them)", "typed");
        return;
      }
      modules = [m];
    }
    const unloaded = unloadedModules(t);
    const regions = flags.Regions ? memoryRegions(t) : undefined;
    const u = unloaded.available ? unloaded : undefined;
    const r = regions && regions.available ? regions : undefined;
    let data = r !== undefined;
    if (bag.Data !== undefined) {
      const d = boolOptions(bag, { Data: false });
      if (typeof d === "string") { yield info(d, "heuristic"); return; }
      data = d.Data;
    }
    const hosts = cfg.ForwardingHosts.map((h) => h.toLowerCase());
    const allowed = cfg.AllowedTargets.map((h) => h.toLowerCase().replace(/\.dll$/, ""));
    const ps = t.pointerSize();
    const per = ps / 4;

    const findings: Finding[] = [];
    let checkedModules = 0;
    let slotsChecked = 0;
    let unresolved = 0;
    const missing: string[] = [];
    let dataBytes = 0;
    let dataUnreadable = 0;
    let stopped = false;

    for (const m of modules) {
      if (ctx.budget.exceeded()) { stopped = true; break; }
      const read: Reader = (offset, length) => t.readBytes(addTo(m.base, offset), length);
      const headers = readDataDirectories(read);
      if (!headers) { missing.push(m.name); continue; }
      const descriptors = readImportDescriptors(read, headers.directories[IMAGE_DIRECTORY_ENTRY_IMPORT]);
      if (typeof descriptors === "string") {
        if (descriptors !== "the image has no import directory") missing.push(m.name);
        else checkedModules++;
      } else {
        checkedModules++;
        const iatDir = headers.directories[IMAGE_DIRECTORY_ENTRY_IAT];
        // The whole IAT in one read when the directory is there; else per descriptor.
        const iat = iatDir && iatDir.rva && iatDir.size && iatDir.size <= 0x100000 ? t.readPointerWords(addTo(m.base, iatDir.rva), Math.floor(iatDir.size / ps)) : undefined;
        for (const d of descriptors) {
          const slotsOf = (): ArrayLike<number> | undefined => {
            if (iat && iatDir && d.firstThunk >= iatDir.rva && d.firstThunk < iatDir.rva + iatDir.size) {
              const first = (d.firstThunk - iatDir.rva) / ps;
              if (first === Math.floor(first)) return sliceWords(iat, first * per, Math.floor(iatDir.size / ps) * per);
            }
            for (let n = 256; n >= 1; n >>= 2) { const w = t.readPointerWords(addTo(m.base, d.firstThunk), n); if (w) return w; }
            return undefined;
          };
          const words = d.firstThunk ? slotsOf() : undefined;
          if (!words) continue;
          const count = Math.min(cfg.MaxSlots, words.length / per);
          for (let i = 0; i < count; i++) {
            const lo = words[i * per]! >>> 0;
            const hi = per === 2 ? words[i * 2 + 1]! >>> 0 : 0;
            if (hi === 0 && lo === 0) break; // the table's terminator
            slotsChecked++;
            // Not yet bound: an RVA of a hint/name entry, or an ordinal with the high bit set.
            const ordinal = per === 2 ? hi === 0x80000000 && lo <= 0xffff : lo >= 0x80000000 && lo <= 0x8000ffff;
            if ((hi === 0 && lo < m.size) || ordinal) { unresolved++; continue; }
            const place = placeOf(t, hi, lo, u, r);
            const cls = classify(place, d, hosts);
            if (!cls) continue;
            const slotAddress = addTo(m.base, d.firstThunk + i * ps);
            const pointer = fromHalves(hi, lo);
            const name = importName(read, d, i, headers.pe32plus);
            findings.push({
              container: m, table: "IAT", slot: (d.dll || "?") + "!" + (name || "#" + i), slotAddress, pointer,
              expected: d.dll || "(name not in the dump)", place, cls, symbol: place.module ? t.symbolize(pointer, place.module).text : undefined,
            });
          }
        }
      }
      if (!data) continue;
      const sections = t.sections(m);
      if (!sections) continue;
      for (const s of sections) {
        if (!s.writable || s.size < ps) continue;
        if (dataBytes + s.size > cfg.MaxDataBytes) { stopped = true; break; }
        const start = addTo(m.base, s.rva);
        for (const block of slotBlocks(t, start, s.size, { slotBytes: ps, chunkBytes: cfg.ChunkBytes, pageBytes: cfg.PageBytes, probeIsolatedPages: false })) {
          if (!block.words) { dataUnreadable += block.count * ps; continue; }
          dataBytes += block.count * ps;
          const w = block.words;
          for (let i = 0; i < block.count; i++) {
            const lo = w[i * per]! >>> 0;
            const hi = per === 2 ? w[i * 2 + 1]! >>> 0 : 0;
            if (hi === 0 && lo < 0x10000) continue;
            if (t.modules().findPair(hi, lo)) continue;
            const place = placeOf(t, hi, lo, u, r);
            if (place.kind !== "PrivateExecutable" && place.kind !== "MappedExecutable" && place.kind !== "UnloadedModule") continue;
            const slotAddress = addTo(block.address, i * ps);
            const offset = differenceOf(slotAddress, start) || 0;
            findings.push({
              container: m, table: s.name, slot: s.name + "+0x" + offset.toString(16), slotAddress, pointer: fromHalves(hi, lo),
              expected: m.name + " code, or another module", place, cls: place.kind === "UnloadedModule" ? "Stale" : "OutOfModule", symbol: undefined,
            });
          }
        }
      }
    }

    let positives = 0;
    for (const f of findings) {
      const target = f.place.module ? f.place.module.symbolName.toLowerCase() : "";
      const verdict: Verdict = allowed.indexOf(target) >= 0 ? "Info" : f.cls === "Redirected" ? "Suspicious" : "Positive";
      if (verdict === "Positive") positives++;
      yield {
        Container: f.container.name, Table: f.table, Slot: f.slot, SlotAddress: f.slotAddress, Pointer: f.pointer, Expected: f.expected,
        Actual: f.place.module ? f.place.module.name : f.place.text, Class: f.cls, Symbol: f.symbol, Verdict: verdict,
        Evidence: "dps " + t.formatAddress(f.slotAddress) + " L1; !address " + t.formatAddress(f.pointer) + "; u " + t.formatAddress(f.pointer) +
          (f.table === "IAT" ? "; !dh -f " + f.container.symbolName + " (import directory)" : ""),
        Source: f.place.region || f.place.unloaded ? "command" : "typed",
      };
    }
    if (stopped) yield info("stopped early (time budget or Config.OutOfModulePointers.MaxDataBytes); the modules examined so far are reported", "heuristic");
    if (missing.length) {
      yield info(missing.length + " of " + modules.length + " modules have no import table in the dump (" + missing.slice(0, 6).join(", ") + (missing.length > 6 ? ", ..." : "") +
        "): their slots were not checked; a full-memory dump (.dump /ma) has them", "typed");
    }
    if (unloaded.note) yield info(unloaded.note, "command");
    if (regions && regions.note) yield info(regions.note, "command");
    if (!data) yield info("writable sections not scanned for function pointers" + (r ? " (Data = false)" : ": without !address regions only unloaded-module targets could be told from data (Data = true scans anyway)"), "heuristic");
    const examined = slotsChecked + " import slots of " + checkedModules + " modules" + (unresolved ? " (" + unresolved + " not yet bound)" : "") +
      (data ? ", 0x" + dataBytes.toString(16) + " bytes of writable sections" + (dataUnreadable ? " (0x" + dataUnreadable.toString(16) + " not in the dump)" : "") : "");
    // Nothing examined is "not checked", not "clean": no Negative row when no import table and no section was read.
    const nothing = checkedModules === 0 && dataBytes === 0;
    if (findings.length === 0 && nothing) {
      yield info("not checked: " + (modules.length ? "none of the " + modules.length + " modules has its import table" + (data ? " or a writable section" : "") + " in the dump (a full-memory dump, .dump /ma, has them)" : "the process lists no loaded modules (lm)"), "typed");
    } else if (findings.length === 0) {
      yield { Verdict: "Negative", Source: "typed", Evidence: "0 slots point outside their modules among " + examined + " (!dh -f <module>; dps <IAT>)" };
    }
    ctx.summary("OutOfModulePointers: " + (nothing && findings.length === 0 ? "nothing checked: no import table in the dump" : findings.length + " slots point where they should not (" + positives + " positive) among " + examined));
  },

  rowText(row, c) {
    if (!isInt64(row.Pointer)) return row.Verdict + ": " + row.Evidence;
    return String(row.Container) + " " + String(row.Table) + " " + String(row.Slot) + " -> " + formatAddress(row.Pointer, c.pointerSize) + " " + String(row.Actual) + " (" + String(row.Class) + ")";
  },
});

/** Why a filled import slot is wrong, or undefined when it is fine. */
function classify(place: Place, d: ImportDescriptor, hosts: readonly string[]): SlotClass | undefined {
  if (place.kind === "UnloadedModule") return "Stale";
  if (!place.module) return "OutOfModule";
  const dll = (d.dll || "").toLowerCase();
  const target = place.module.name.toLowerCase();
  if (dll === "" || dll === target || dll.replace(/\.[^.]*$/, "") === place.module.symbolName.toLowerCase()) return undefined;
  if (/^(api|ext)-ms-/.test(dll)) return undefined;
  if (hosts.indexOf(place.module.symbolName.toLowerCase()) >= 0) return undefined;
  return "Redirected";
}

function sliceWords(words: ArrayLike<number>, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to && i < words.length; i++) out.push(words[i]!);
  return out;
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}


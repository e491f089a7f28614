import { defineAnalysis } from "../lib/analysis";
import { addTo, comparePair, isInt64, toNumber } from "../lib/int64";
import type { ModuleInfo } from "../lib/module-index";
import { readDebugInfo, readPeHeaders, readVersionResource, type DebugInfo, type ImageReader, type PeHeaders, type VersionResource } from "../lib/pe-resources";
import { parseModuleList, type ModuleDetails } from "../lib/parse-module-list";
import { parseSessionTime } from "../lib/parse-time";
import { runCommand } from "../lib/run-command";
import { readOptions } from "../lib/stack-filter";
import { globMatch } from "../lib/stacks";
import type { Target } from "../lib/target";
import { notAvailable, Unavailable, type Source, type Verdict } from "../lib/values";

const OPTION_NAMES = ["NonMicrosoft", "OutsideWindows", "OlderThanDays", "Name"];
const DAY_MS = 86400000;

interface Predicates {
  nonMicrosoft: boolean;
  outsideWindows: boolean;
  olderThanDays: number | undefined;
  name: string | undefined;
}

/**
 * Modules: every loaded module with base, size, path, file and product version, company, link timestamp
 * as a date, PDB name and id, and symbol status; filtered by predicates (vendor not Microsoft, path outside
 * the Windows directory, older than N days, name pattern) it becomes Module Collection (predicate).
 *
 * The pattern (Module Collection): the modules of a process with their identity are the base of Not My
 * Version (an old or unexpected build), Module Variety, injected products (non-Microsoft modules in a
 * system process) and Subsystem Modules. This is what `lmv`, MEX `!mods` and SwishDbgExt `!ms_process
 * /dlls` show, as objects dx can filter (`.Where(m => m.Company != "Microsoft Corporation")`).
 *
 * Detection: the module list from the data model (name, base, size, path). Each module's own headers in
 * the dump, read without `Module.Contents`: the COFF TimeDateStamp and CheckSum, the debug directory's
 * CodeView record (PDB name, GUID, age; a REPRO entry marks the timestamp as a content hash), and the
 * version resource (VS_FIXEDFILEINFO and the StringFileInfo's CompanyName and ProductName). Where those
 * pages are not in the dump (most minidumps), one `lmv` gives what the dump's module stream records
 * (timestamp, checksum, file and product version) and the symbol status; each field that neither has says
 * so. Flags: NonMS (company not Microsoft, or unknown company outside the Windows directory), OutsideWindows,
 * OddPath (user-writable folders, network shares, relative paths), Duplicate (the same file name from
 * another folder, not System32/SysWOW64 pairs), OldBuild (linked more than `Config.Modules.OldBuildDays`
 * before the dump), HashStamp (a reproducible-build hash or a date after the dump: not a date).
 *
 * False positives: company names are what the vendor wrote in the resource; timestamps of reproducible
 * builds are hashes (never read as dates here when the image or the debugger says so, and dates after the
 * dump are flagged HashStamp; so are the stamps of Windows modules of one OS build (19041 in 10.0.19041.1)
 * that spread over more than `Config.Modules.HashSpreadYears`, which a minidump without the REPRO debug
 * entry cannot tell otherwise); the dump time comes from `.time` (else the analysis's own clock, said so).
 *
 * @function Modules
 * @memberof Ewmda
 * @param {object|string} [options] Predicates: `NonMicrosoft` (bool), `OutsideWindows` (bool), `OlderThanDays` (number), `Name` (file-name pattern with `*`); or a string such as `"nonmicrosoft=true olderthandays=1825"`.
 * @returns {ResultSet} One row per module (per matching module with predicates): Module, Base, Size, Path, FileVersion, ProductVersion, Company, TimeDateStamp, Pdb, PdbId, Symbols, Flags, Verdict, Evidence, Source.
 * @example dx @$ewmda.Modules()
 * @example dx -g @$ewmda.Modules().Where(m => m.Flags.Contains("NonMS"))
 * @example dx @$ewmda.Modules(new { NonMicrosoft = true, OlderThanDays = 1825 })
 * @example !ewmda.modules
 * @example !ewmda.modules "name=vf*"
 */
export const moduleCollection = defineAnalysis({
  meta: {
    name: "Modules",
    command: "modules",
    summary: "Every module with path, versions, company, link date, PDB and symbol status; predicates select non-Microsoft, out-of-Windows, old or named modules",
    patterns: ["Module Collection"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [{ name: "options", help: "NonMicrosoft, OutsideWindows, OlderThanDays, Name; or a string such as \"nonmicrosoft=true name=vf*\"", optional: true }],
    options: [
      { name: "NonMicrosoft", type: "bool", help: "only modules whose company is not Microsoft (or unknown, outside the Windows directory)" },
      { name: "OutsideWindows", type: "bool", help: "only modules loaded from outside the Windows directory" },
      { name: "OlderThanDays", type: "number", help: "only modules linked more than this many days before the dump" },
      { name: "Name", type: "string", help: "only modules whose file name matches this pattern (* wildcards)" },
    ],
    columns: [
      { name: "Module", type: "string", help: "File name" },
      { name: "Base", type: "address", help: "Load address" },
      { name: "Size", type: "hex", help: "Size of the image in memory", table: false },
      { name: "Path", type: "string", help: "Full path as loaded", table: false },
      { name: "FileVersion", type: "string", help: "VS_FIXEDFILEINFO file version (image resource, else the dump's module stream via lmv)" },
      { name: "ProductVersion", type: "string", help: "VS_FIXEDFILEINFO product version", table: false },
      { name: "Company", type: "string", help: "CompanyName from the version resource's string table" },
      { name: "TimeDateStamp", type: "string", help: "Link time (UTC), or the value with why it is not a date" },
      { name: "Pdb", type: "string", help: "PDB file name from the CodeView record", table: false },
      { name: "PdbId", type: "string", help: "PDB GUID and age (the symbol store key)", table: false },
      { name: "Symbols", type: "string", help: "Symbol status as lm shows it (deferred, pdb symbols, export symbols...)" },
      { name: "Flags", type: "string", help: "NonMS, OutsideWindows, OddPath, Duplicate, OldBuild, HashStamp" },
    ],
    settings: {
      OldBuildDays: { default: 1825, help: "A module linked more days than this before the dump is flagged OldBuild", reason: "five years: older than the Windows release it runs on, the Not My Version suspect" },
      HashSpreadYears: { default: 4, help: "Windows modules of one OS build (the file version's third part, 19041 in 10.0.19041.1) whose link stamps spread over more years than this have hash stamps, not dates", reason: "one Windows release is built and serviced within a few years; reproducible-build hashes (Windows 10 1709 and later) fall anywhere in 1970-2106, so a wide spread shows them when the image's debug directory (the REPRO entry) is not in the dump" },
      RunLmv: { default: true, help: "Run lmv once for what the dump's module stream records (versions, timestamps, symbol status) when the images' pages are not in the dump", reason: "minidumps rarely hold resources; lmv reads the module stream in one command" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const bag = readOptions(args[0], OPTION_NAMES, "Name");
    if (typeof bag === "string") {
      ctx.summary("Modules: " + bag);
      yield { Verdict: "Info", Evidence: bag, Source: "heuristic" };
      return;
    }
    const pred = predicates(bag);
    if (typeof pred === "string") {
      ctx.summary("Modules: " + pred);
      yield { Verdict: "Info", Evidence: pred, Source: "heuristic" };
      return;
    }
    const filtering = pred.nonMicrosoft || pred.outsideWindows || pred.olderThanDays !== undefined || pred.name !== undefined;
    const modules = t.modules().modules;
    if (modules.length === 0) {
      ctx.summary("Modules: no modules");
      yield { Verdict: "Info", Evidence: "the module list is empty (lm); the dump has no module stream or the target is not a process", Source: "typed" };
      return;
    }
    // The dump's time: `.time`, else this machine's clock (said so in the summary).
    const timeOut = runCommand(".time");
    const session = timeOut instanceof Unavailable ? undefined : parseSessionTime(timeOut);
    const nowMs = session ? session.utcMs : Date.now();
    const listing = ctx.settings.RunLmv ? lmvListing() : undefined;
    const byFile: { [name: string]: ModuleInfo[] } = {};
    for (const m of modules) (byFile[m.name.toLowerCase()] = byFile[m.name.toLowerCase()] || []).push(m);

    let shown = 0;
    let nonMs = 0;
    let withVersion = 0;
    const allFacts = modules.map((m) => moduleFacts(t, m, listing ? findListed(listing.modules, m) : undefined, listing ? listing.problem : "lmv was not run (Config.Modules.RunLmv)"));
    const hashed = markHashStamps(modules, allFacts, ctx.settings.HashSpreadYears);
    for (let i = 0; i < modules.length; i++) {
      const m = modules[i]!;
      const facts = allFacts[i]!;
      const flags = moduleFlags(m, facts, byFile, nowMs, ctx.settings.OldBuildDays);
      if (flags.indexOf("NonMS") >= 0) nonMs++;
      if (typeof facts.fileVersion === "string") withVersion++;
      const date = facts.date;
      if (filtering) {
        if (pred.nonMicrosoft && flags.indexOf("NonMS") < 0) continue;
        if (pred.outsideWindows && flags.indexOf("OutsideWindows") < 0) continue;
        if (pred.name !== undefined && !globMatch(m.name.toLowerCase(), pred.name)) continue;
        if (pred.olderThanDays !== undefined && (date === undefined || nowMs - date < pred.olderThanDays * DAY_MS)) continue;
      }
      shown++;
      const verdict: Verdict = filtering ? "Positive" : "Info";
      yield {
        Module: m.name, Base: m.base, Size: m.size, Path: m.path, FileVersion: facts.fileVersion, ProductVersion: facts.productVersion, Company: facts.company,
        TimeDateStamp: facts.timestamp, Pdb: facts.pdb, PdbId: facts.pdbId, Symbols: facts.symbols, Flags: flags.join(", "),
        Verdict: verdict, Evidence: "lmvm " + m.symbolName + (facts.fromImage ? "; !dh " + t.formatAddress(m.base) + " -f" : ""), Source: facts.source,
      };
    }
    const what = describePredicates(pred);
    if (filtering && shown === 0) {
      yield { Verdict: "Negative", Evidence: "0 of " + modules.length + " modules match " + what + "; lmv", Source: "typed" };
    }
    ctx.summary("Modules: " + (filtering ? shown + " of " + modules.length + " match " + what : modules.length + " modules") + "; " + withVersion + " with a version, " + nonMs + " not Microsoft" +
      (hashed ? "; " + hashed + " link stamps read as reproducible-build hashes" : "") +
      (session ? "" : "; ages measured from this machine's clock (.time gave no dump time)"));
  },

  rowText(row) {
    if (row.Module === undefined) return row.Verdict + ": " + row.Evidence;
    const v = typeof row.FileVersion === "string" ? " " + row.FileVersion : "";
    const c = typeof row.Company === "string" ? " (" + row.Company + ")" : "";
    return String(row.Module) + v + c + (row.Flags ? " [" + String(row.Flags) + "]" : "");
  },
});

function predicates(bag: { [name: string]: unknown }): Predicates | string {
  const bool = (v: unknown) => v === true || String(v).toLowerCase() === "true" || String(v) === "1";
  let older: number | undefined;
  if (bag.OlderThanDays !== undefined) {
    let n: number;
    try { n = isInt64(bag.OlderThanDays) ? toNumber(bag.OlderThanDays) : Number(bag.OlderThanDays); } catch (e) { n = NaN; }
    if (!(n >= 0) || n !== Math.floor(n)) return "OlderThanDays must be a whole number of days, not " + String(bag.OlderThanDays);
    older = n;
  }
  return {
    nonMicrosoft: bag.NonMicrosoft !== undefined && bool(bag.NonMicrosoft),
    outsideWindows: bag.OutsideWindows !== undefined && bool(bag.OutsideWindows),
    olderThanDays: older,
    name: bag.Name !== undefined ? String(bag.Name).toLowerCase() : undefined,
  };
}

function describePredicates(p: Predicates): string {
  const parts: string[] = [];
  if (p.nonMicrosoft) parts.push("NonMicrosoft");
  if (p.outsideWindows) parts.push("OutsideWindows");
  if (p.olderThanDays !== undefined) parts.push("OlderThanDays " + p.olderThanDays);
  if (p.name !== undefined) parts.push("Name " + p.name);
  return parts.join(" and ");
}

function lmvListing(): { modules: readonly ModuleDetails[]; problem: string } | undefined {
  const out = runCommand("lmv");
  if (out instanceof Unavailable) return { modules: [], problem: out.reason };
  const parsed = parseModuleList(out);
  return { modules: parsed.modules, problem: parsed.modules.length ? "lmv does not list the module" : "lmv listed no modules" };
}

function findListed(list: readonly ModuleDetails[], m: ModuleInfo): ModuleDetails | undefined {
  for (const d of list) if (comparePair(d.range.startHi, d.range.startLo, m.baseHi, m.baseLo) === 0) return d;
  return undefined;
}

interface ModuleFacts {
  fileVersion: string | Unavailable;
  productVersion: string | Unavailable;
  company: string | Unavailable;
  timestamp: string | Unavailable;
  /** Link time in ms since 1970, when it is a date. */
  date: number | undefined;
  hashStamp: boolean;
  pdb: string | Unavailable;
  pdbId: string | Unavailable;
  symbols: string | Unavailable;
  fromImage: boolean;
  source: Source;
}

/** What the image's pages say, else what lmv says, field by field; each missing field says why. */
function moduleFacts(t: Target, m: ModuleInfo, listed: ModuleDetails | undefined, listProblem: string): ModuleFacts {
  const read: ImageReader = (rva, length) => (rva >= 0 && rva + length <= Math.max(m.size, 0x1000) ? t.readBytes(addTo(m.base, rva), length) : undefined);
  const headers: PeHeaders | string = readPeHeaders(read);
  const debug: DebugInfo | string = typeof headers === "string" ? headers : readDebugInfo(read, headers);
  const version: VersionResource | string = typeof headers === "string" ? headers : readVersionResource(read, headers);
  const noImage = typeof headers === "string" ? headers : undefined;
  const fromListing = listed ? "" : "; " + listProblem;

  let fileVersion: string | Unavailable;
  let productVersion: string | Unavailable;
  let company: string | Unavailable;
  let source: Source = "typed";
  if (typeof version !== "string") {
    fileVersion = version.fileVersion ?? version.strings.FileVersion ?? notAvailable("the version resource has no file version");
    productVersion = version.productVersion ?? version.strings.ProductVersion ?? notAvailable("the version resource has no product version");
    company = version.strings.CompanyName !== undefined ? version.strings.CompanyName : notAvailable("the version resource has no CompanyName");
  } else {
    if (listed && (listed.fileVersion || listed.resources.CompanyName)) source = "command";
    fileVersion = listed && listed.fileVersion ? listed.fileVersion : notAvailable(version + fromListing);
    productVersion = listed && listed.productVersion ? listed.productVersion : notAvailable(version + fromListing);
    company = listed && listed.resources.CompanyName ? listed.resources.CompanyName : notAvailable(version + (listed ? "; lmv shows no resource tables (the image is not mapped)" : fromListing));
  }

  const stamp: number | undefined = typeof headers !== "string" ? headers.timeDateStamp : listed ? listed.timestamp : undefined;
  const hashed = (typeof debug !== "string" && debug.reproducible) || (!!listed && listed.reproducible);
  let timestamp: string | Unavailable;
  let date: number | undefined;
  if (stamp === undefined) timestamp = notAvailable((noImage ?? "the headers give no timestamp") + fromListing);
  else if (stamp === 0) timestamp = "none (0)";
  else if (hashed) timestamp = "hash 0x" + stamp.toString(16) + " (reproducible build, not a date)";
  else {
    date = stamp * 1000;
    timestamp = new Date(date).toISOString().replace("T", " ").replace(/\.\d+Z$/, "") + " (0x" + stamp.toString(16) + ")";
  }
  if (typeof headers === "string" && listed && listed.timestamp !== undefined && source === "typed") source = "command";

  let pdb: string | Unavailable;
  let pdbId: string | Unavailable;
  if (typeof debug !== "string" && debug.codeView) {
    const slash = Math.max(debug.codeView.pdbName.lastIndexOf("\\"), debug.codeView.pdbName.lastIndexOf("/"));
    pdb = slash >= 0 ? debug.codeView.pdbName.slice(slash + 1) : debug.codeView.pdbName;
    pdbId = debug.codeView.guid + " age " + debug.codeView.age;
  } else {
    const why = typeof debug === "string" ? debug : debug.note ?? "no CodeView record";
    pdb = listed && listed.symbolFile ? listed.symbolFile.replace(/^.*[\\/]/, "") : notAvailable(why);
    // A PDB the debugger loaded from a symbol store sits in <name>.pdb\<GUID><age>\<name>.pdb: the id it matched.
    const store = listed && listed.symbolFile ? /[\\/]([0-9a-f]{32})([0-9a-f]{1,8})[\\/][^\\/]+\.pdb$/i.exec(listed.symbolFile) : null;
    if (store) {
      const g = store[1]!.toUpperCase();
      pdbId = "{" + g.slice(0, 8) + "-" + g.slice(8, 12) + "-" + g.slice(12, 16) + "-" + g.slice(16, 20) + "-" + g.slice(20) + "} age " + parseInt(store[2]!, 16) + " (the symbol store path lmv shows)";
    } else pdbId = notAvailable(why + " (!lmi " + m.symbolName + " shows the id the debugger used)");
  }
  const symbols: string | Unavailable = listed && listed.symbolStatus ? listed.symbolStatus : notAvailable(listProblem);
  return { fileVersion, productVersion, company, timestamp, date, hashStamp: hashed, pdb, pdbId, symbols, fromImage: typeof headers !== "string", source };
}

/**
 * Reproducible builds (Windows 10 1709 on) put a content hash where the link time was; the image's REPRO
 * debug entry says so, but minidumps rarely hold it. Windows modules of one OS build are linked within a few
 * years, hashes spread over 1970-2106: a build group (the file version's third part, at least 3 dated modules
 * from the Windows directory) spread over more than `years` is a group of hashes. Returns how many were marked.
 */
function markHashStamps(modules: readonly ModuleInfo[], facts: ModuleFacts[], years: number): number {
  const groups: { [build: string]: number[] } = {};
  modules.forEach((m, i) => {
    const f = facts[i]!;
    // The OS build is the version's third part (10.0.19041.x; also 7.8.19041.x for components versioned apart).
    const v = typeof f.fileVersion === "string" ? /^\d+\.\d+\.(\d+)/.exec(f.fileVersion) : null;
    if (!v || f.date === undefined || !WINDOWS_DIR.test(m.path)) return;
    (groups[v[1]!] = groups[v[1]!] || []).push(i);
  });
  let marked = 0;
  for (const build of Object.keys(groups)) {
    const members = groups[build]!;
    if (members.length < 3) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of members) { lo = Math.min(lo, facts[i]!.date!); hi = Math.max(hi, facts[i]!.date!); }
    if (hi - lo <= years * 365.25 * DAY_MS) continue;
    const span = new Date(lo).getUTCFullYear() + "-" + new Date(hi).getUTCFullYear();
    for (const i of members) {
      const f = facts[i]!;
      const stamp = Math.round(f.date! / 1000);
      f.timestamp = "hash 0x" + stamp.toString(16) + " (reproducible build: the " + members.length + " Windows modules of build " + build + " have stamps spread over " + span + ", not dates)";
      f.date = undefined;
      f.hashStamp = true;
      marked++;
    }
  }
  return marked;
}

const WINDOWS_DIR = /^(?:[a-z]:\\windows\\|\\systemroot\\|\\\?\?\\[a-z]:\\windows\\)/i;
const SYSTEM_PAIR = /^[a-z]:\\windows\\(?:system32|syswow64|sysarm32|winsxs)\\/i;

function moduleFlags(m: ModuleInfo, f: ModuleFacts, byFile: { [name: string]: ModuleInfo[] }, nowMs: number, oldDays: number): string[] {
  const flags: string[] = [];
  const inWindows = WINDOWS_DIR.test(m.path);
  const company = typeof f.company === "string" ? f.company : undefined;
  if (company !== undefined ? !/microsoft/i.test(company) : !inWindows) flags.push("NonMS");
  if (!inWindows && m.path.indexOf("\\") >= 0) flags.push("OutsideWindows");
  const relative = m.path.indexOf("\\") >= 0 && !/^(?:[a-z]:\\|\\\\|\\systemroot\\|\\\?\?\\)/i.test(m.path);
  if (relative || /^\\\\/.test(m.path) || /\\users\\[^\\]+\\(appdata|downloads|desktop)\\|\\temp\\|\\tmp\\/i.test(m.path)) flags.push("OddPath");
  const same = byFile[m.name.toLowerCase()] || [];
  if (same.length > 1 && same.some((o) => o !== m && o.path.toLowerCase() !== m.path.toLowerCase() && !(SYSTEM_PAIR.test(o.path) && SYSTEM_PAIR.test(m.path)))) flags.push("Duplicate");
  if (f.hashStamp || (f.date !== undefined && f.date > nowMs + 2 * DAY_MS)) flags.push("HashStamp");
  else if (f.date !== undefined && nowMs - f.date > oldDays * DAY_MS) flags.push("OldBuild");
  return flags;
}

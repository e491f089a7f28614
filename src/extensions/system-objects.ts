import { defineAnalysis, type Row } from "../lib/analysis";
import { Kernel, STATE } from "../lib/kernel";
import {
  addrAdd, addrKey, formatAddr, isNullAddr, KernelReader, listDirectory, lookupObjectPath, ObjectDecoder, sameAddr,
  symbolicLinkTarget, toInt64Addr, type Addr, type ObjectInfo,
} from "../lib/kernel-objects";
import type { Source, Verdict } from "../lib/values";

/** Memory-condition events under \KernelObjects: what a signaled state means and how much it matters. */
const CONDITIONS: { readonly [name: string]: { readonly signaled: string; readonly verdict: Verdict | undefined } } = {
  lowmemorycondition: { signaled: "available physical memory is low", verdict: "Positive" },
  highmemorycondition: { signaled: "plenty of physical memory is available (normal)", verdict: undefined },
  lowpagedpoolcondition: { signaled: "free paged pool is low", verdict: "Positive" },
  highpagedpoolcondition: { signaled: "plenty of free paged pool (normal)", verdict: undefined },
  lownonpagedpoolcondition: { signaled: "free nonpaged pool is low", verdict: "Positive" },
  highnonpagedpoolcondition: { signaled: "plenty of free nonpaged pool (normal)", verdict: undefined },
  maximumcommitcondition: { signaled: "commit charge is near the maximum commit limit (the page files cannot grow further)", verdict: "Positive" },
  highcommitcondition: { signaled: "commit charge is high relative to the current commit limit", verdict: "Suspicious" },
  lowcommitcondition: { signaled: "commit charge is low relative to the commit limit (normal)", verdict: undefined },
};

interface Options {
  recursive: boolean;
  type: string | undefined;
  all: boolean;
}

interface Walked {
  readonly path: string;
  readonly body: Addr;
  readonly info: ObjectInfo | undefined;
}

/**
 * System Object and the object-manager side of Namespace: the object directory from nt!ObpRootDirectoryObject,
 * with types, names, symbolic-link targets and per-type counts; look-up by path; and the named objects whose
 * state carries system-wide meaning.
 *
 * The pattern: named kernel objects in the object manager namespace say things about the whole system. The
 * memory-condition events under `\KernelObjects` (LowMemoryCondition, LowPagedPoolCondition,
 * LowNonPagedPoolCondition, HighCommitCondition, MaximumCommitCondition) are signaled when a resource runs
 * short; named mutants in `\BaseNamedObjects` and `\Sessions\N\BaseNamedObjects` coordinate processes, and one
 * owned by a terminated or blocked thread while others wait on it stops them all.
 *
 * Detection: every directory's 37 hash buckets, following each `_OBJECT_DIRECTORY_ENTRY.ChainLink` chain (not
 * just the first entry), recursing into Directory objects, with visited sets and caps
 * (`Config.SystemObjects.MaxObjects`, `MaxDepth`, `MaxChainLength`). For each object the header gives type
 * and name: the data model's `ObjectType`/`ObjectName` where the debugger provides them, else `TypeIndex`
 * decoded with nt!ObHeaderCookie and nt!ObTypeIndexTable, and the name info found through `InfoMask`.
 * Events report `Header.SignalState`; mutants report `OwnerThread` (its state and wait reason), `Abandoned` and
 * whether threads wait on them (`Header.WaitListHead`). Per-type rows give the namespace count and the
 * system-wide totals from each `_OBJECT_TYPE`.
 *
 * With a path (`\Device`, `\BaseNamedObjects\Foo`, symbolic links followed on the way) the rows are that
 * directory's objects (or the object itself), like `!object \Device`; `Recursive` walks the subtree. Without one
 * the rows are the findings, the per-type counts, and a Negative row saying what was examined.
 *
 * False positives: HighCommitCondition is signaled on busy systems that are fine; a mutant owned by a waiting
 * thread is normal contention unless the owner is itself stuck (follow it with BlockedThreads or !thread);
 * session namespaces of sessions whose memory is missing are skipped (counted as unreadable).
 *
 * @function SystemObjects
 * @memberof Ewmda
 * @param {string} [path] An object path such as `\Device` or `\BaseNamedObjects` (default: the whole namespace, findings only).
 * @param {object|string} [options] `Recursive` (bool: walk the subtree of `path`), `Type` (string: only objects of this type), `All` (bool: without a path, list every object instead of findings); or a string such as `"recursive type=Mutant"`.
 * @returns {ResultSet} Rows with Path, Type, Address, State, Owner, Target, Handles, Pointers, Objects, Meaning, Kind, Verdict, Evidence, Source.
 * @example dx @$ewmda.SystemObjects()
 * @example dx -g @$ewmda.SystemObjects("\\Device")
 * @example dx @$ewmda.SystemObjects("\\BaseNamedObjects", new { Type = "Mutant" })
 * @example !ewmda.objects
 * @example !ewmda.objects "\\KernelObjects"
 */
export const systemObjects = defineAnalysis({
  meta: {
    name: "SystemObjects",
    command: "objects",
    summary: "Object manager namespace: named objects with system-wide meaning, per-type counts, and look-up by path",
    patterns: ["System Object", "Namespace"],
    targets: "kernel",
    version: "1.0.0",
    params: [
      { name: "path", help: "object path such as \\Device or \\BaseNamedObjects\\Name (default: the whole namespace, findings only)", optional: true },
      { name: "options", help: "Recursive, Type, All; or a string such as \"recursive type=Mutant\"", optional: true },
    ],
    options: [
      { name: "Recursive", type: "bool", help: "walk the whole subtree of the path" },
      { name: "Type", type: "string", help: "only objects of this type (Mutant, Event, SymbolicLink, Device, ...)" },
      { name: "All", type: "bool", help: "without a path: list every object rather than the findings" },
    ],
    columns: [
      { name: "Path", type: "string", help: "Object path in the namespace (\\KernelObjects\\LowMemoryCondition)" },
      { name: "Type", type: "string", help: "Object type (Directory, SymbolicLink, Event, Mutant, Device ...)" },
      { name: "Address", type: "address", help: "Object body (what !object shows as Object)" },
      { name: "State", type: "string", help: "Signaled or not (events), owned or free (mutants)" },
      { name: "Owner", type: "string", help: "Mutants: the owning thread, its process and state" },
      { name: "Target", type: "string", help: "Symbolic links: the target path" },
      { name: "Handles", type: "int", help: "Handles to the object (header HandleCount), or to all objects of the type (type rows)" },
      { name: "Pointers", type: "int", help: "References to the object (header PointerCount)", table: false },
      { name: "Objects", type: "int", help: "Type rows: objects of this type in the system (_OBJECT_TYPE.TotalNumberOfObjects)" },
      { name: "Meaning", type: "string", help: "What the object's state means (known names) or why it is flagged" },
      { name: "Kind", type: "string", help: "Object (one namespace entry), Finding, or Type (per-type counts)", table: false },
    ],
    settings: {
      MaxObjects: {
        default: 100000,
        help: "Most namespace entries visited in one call",
        reason: "a busy server holds tens of thousands of named objects; the cap keeps a corrupt directory from running away",
      },
      MaxDepth: {
        default: 12,
        help: "Deepest directory level walked",
        reason: "real namespaces are about 6 levels deep (\\Sessions\\1\\BaseNamedObjects\\...)",
      },
      MaxChainLength: {
        default: 4096,
        help: "Most entries followed in one hash bucket's ChainLink chain",
        reason: "37 buckets of at most a few hundred entries each in practice; a longer chain is a loop in a corrupt dump",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    if (!t.isKernel()) {
      ctx.summary("SystemObjects: needs a kernel or complete dump");
      yield info("SystemObjects reads the kernel's object manager namespace; this is a user-mode target (needs a kernel or complete dump; in a user dump, !handle lists the process's own handles)", "heuristic");
      return;
    }
    const parsed = parseArguments(args);
    if (typeof parsed === "string") {
      ctx.summary("SystemObjects: " + parsed);
      yield info(parsed, "heuristic");
      return;
    }
    const r = new KernelReader(t);
    const d = new ObjectDecoder(r);
    const ps = r.pointerSize;
    if (!r.type("_OBJECT_DIRECTORY") || !r.type("_OBJECT_HEADER")) {
      ctx.summary("SystemObjects: no object manager types");
      yield info("the nt symbols lack _OBJECT_DIRECTORY or _OBJECT_HEADER (.reload /f nt; !object \\ works without them only in part)", "typed");
      return;
    }
    const root = d.root();
    if (!root) {
      ctx.summary("SystemObjects: no root directory");
      yield info("nt!ObpRootDirectoryObject is not in the symbols or not readable (.reload /f nt; dq nt!ObpRootDirectoryObject L1)", "typed");
      return;
    }
    const k = Kernel.of(t);
    /** The row for one object, with its state and the finding rules applied. */
    const objectRow = (w: Walked, kind: string): Row => {
      const typeName = w.info ? w.info.typeName : undefined;
      const row: { [k: string]: unknown } = {
        Path: w.path, Type: typeName !== undefined ? typeName : unknownType(w.info), Address: toInt64Addr(w.body),
        State: undefined, Owner: undefined, Target: undefined,
        Handles: w.info ? w.info.handleCount : undefined, Pointers: w.info ? w.info.pointerCount : undefined,
        Objects: undefined, Meaning: undefined, Kind: kind,
        Verdict: "Info" as Verdict, Evidence: "!object " + formatAddr(w.body, ps), Source: "typed" as Source,
      };
      if (typeName === "SymbolicLink") {
        const target = symbolicLinkTarget(d, w.body);
        row.Target = target !== undefined ? target : "<unreadable>";
      } else if (typeName === "Event") {
        const s = eventState(r, w.body);
        row.State = s === undefined ? "<unreadable>" : s ? "signaled" : "not signaled";
        const leaf = w.path.slice(w.path.lastIndexOf("\\") + 1).toLowerCase();
        const cond = /^\\kernelobjects\\/i.test(w.path) ? CONDITIONS[leaf] : undefined;
        if (cond) {
          row.Meaning = s ? cond.signaled : "condition not present";
          if (s && cond.verdict) {
            row.Verdict = cond.verdict;
            row.Kind = "Finding";
          }
          row.Evidence = "!object " + w.path + "; dt nt!_KEVENT " + formatAddr(w.body, ps) + " Header.SignalState";
        }
      } else if (typeName === "Mutant") {
        const m = mutantState(r, w.body);
        row.Evidence = "dt nt!_KMUTANT " + formatAddr(w.body, ps) + "; !object " + w.path;
        if (!m) row.State = "<unreadable>";
        else {
          row.State = (m.owner ? "owned" : "free") + (m.abandoned ? ", abandoned" : "") + (m.waiters ? ", threads waiting" : "");
          if (m.owner) {
            const f = k.threadAt(toInt64Addr(m.owner));
            const reason = f && f.state === STATE.Waiting ? " " + k.waitReasonName(f.waitReason) : "";
            row.Owner = f && f.tid !== undefined && !f.problem
              ? "thread 0x" + f.tid.toString(16) + " of " + (f.process.name || "pid 0x" + (f.pid || 0).toString(16)) + ", " + k.stateName(f.state) + reason
              : "thread " + formatAddr(m.owner, ps) + " (unreadable)";
            row.Evidence += "; !thread " + formatAddr(m.owner, ps);
            if (f && !f.problem && (f.state === STATE.Terminated || f.terminated)) {
              row.Verdict = "Positive";
              row.Kind = "Finding";
              row.Meaning = "owned by a terminated thread" + (m.waiters ? "; the waiting threads will not be released normally" : "");
            } else if (!f || f.problem) {
              row.Verdict = m.waiters ? "Positive" : "Suspicious";
              row.Kind = "Finding";
              row.Meaning = "owned by a thread whose _ETHREAD is not readable (gone or not in the dump)" + (m.waiters ? " while threads wait" : "");
            } else if (m.waiters && f.state === STATE.Waiting) {
              row.Verdict = "Suspicious";
              row.Kind = "Finding";
              row.Meaning = "threads wait for it while its owner itself waits (" + k.waitReasonName(f.waitReason) + "): a chain to follow";
            }
          }
          if (m.abandoned && row.Kind !== "Finding") {
            row.Verdict = "Suspicious";
            row.Kind = "Finding";
            row.Meaning = "abandoned: its owner exited while holding it";
          }
        }
      }
      return row as Row;
    };

    // ---- a path: that directory (or object)
    if (parsed.path !== undefined) {
      const hit = lookupObjectPath(d, parsed.path, cfg.MaxChainLength);
      if (!hit.body) {
        ctx.summary("SystemObjects " + parsed.path + ": not found");
        yield info("no object " + parsed.path + " in the namespace (" + (hit.missing !== undefined ? "\"" + hit.missing + "\" not found" : "not readable") +
          (hit.followed.length ? "; followed " + hit.followed.join(", ") : "") + "); !object " + parsed.path, "typed");
        return;
      }
      const isDir = sameAddr(hit.body, root) || (hit.info && hit.info.typeName === "Directory");
      const base = normalizePath(parsed.path);
      d.notePath(hit.body, base);
      if (!isDir) {
        const row = objectRow({ path: base, body: hit.body, info: hit.info }, "Object");
        ctx.summary("SystemObjects " + base + ": " + String(row.Type));
        yield row;
        return;
      }
      let shown = 0;
      const walk = walkNamespace(d, hit.body, base === "\\" ? "" : base, parsed.options.recursive ? cfg.MaxDepth : 1, cfg.MaxObjects, cfg.MaxChainLength, parsed.options.recursive);
      for (const w of walk.objects) {
        if (parsed.options.type !== undefined && !sameType(w.info, parsed.options.type)) continue;
        shown++;
        yield objectRow(w, "Object");
      }
      if (walk.note) yield info(walk.note, "typed");
      if (shown === 0) {
        yield {
          Verdict: "Negative", Source: "typed", Path: base,
          Evidence: "0 " + (parsed.options.type !== undefined ? parsed.options.type + " objects" : "objects") + " in " + base + " (" + walk.objects.length + " entries, " + walk.directories + " directories examined" +
            (walk.capped ? "; partial: stopped at MaxObjects" : "") + "); !object " + base,
        };
      }
      ctx.summary("SystemObjects " + base + ": " + shown + " objects" + (parsed.options.recursive ? " (recursive)" : "") + (walk.capped ? " (partial: MaxObjects " + cfg.MaxObjects + ")" : ""));
      return;
    }

    // ---- no path: the whole namespace
    const walk = walkNamespace(d, root, "", cfg.MaxDepth, cfg.MaxObjects, cfg.MaxChainLength, true);
    const byType: { [type: string]: number } = {};
    let findings = 0;
    let conditions = 0;
    let mutants = 0;
    for (const w of walk.objects) {
      const ty = w.info && w.info.typeName !== undefined ? w.info.typeName : unknownType(w.info);
      byType[ty] = (byType[ty] || 0) + 1;
      if (parsed.options.type !== undefined && !sameType(w.info, parsed.options.type)) continue;
      // Findings come from the memory-condition events and from mutants; other objects are only listed with All.
      const interesting = (ty === "Event" && /^\\KernelObjects\\/i.test(w.path)) || ty === "Mutant" || parsed.options.all;
      if (!interesting) continue;
      const row = objectRow(w, "Object");
      if (ty === "Event" && row.Meaning !== undefined) conditions++;
      if (ty === "Mutant") mutants++;
      if (row.Kind === "Finding") {
        findings++;
        yield row;
      } else if (parsed.options.all) {
        yield row;
      }
    }
    if (walk.note) yield info(walk.note, "typed");
    // Per-type rows: the namespace count and the system-wide totals of each object type.
    const seenTypes: { [name: string]: boolean } = {};
    const typeRows: Row[] = [];
    for (const te of d.types()) {
      seenTypes[te.name] = true;
      typeRows.push({
        Path: undefined, Type: te.name, Address: toInt64Addr(te.address), Objects: te.objects, Handles: te.handles,
        Meaning: (byType[te.name] || 0) + " named in the namespace" + (te.highWaterObjects !== undefined ? "; peak " + te.highWaterObjects + " objects, " + te.highWaterHandles + " handles" : ""),
        Kind: "Type", Verdict: "Info", Source: "typed", Evidence: "dt nt!_OBJECT_TYPE " + formatAddr(te.address, ps) + " Name TotalNumberOfObjects TotalNumberOfHandles",
      });
    }
    for (const name of Object.keys(byType)) {
      if (seenTypes[name]) continue;
      typeRows.push({
        Path: undefined, Type: name, Objects: undefined, Handles: undefined, Meaning: byType[name] + " named in the namespace",
        Kind: "Type", Verdict: "Info", Source: "typed", Evidence: "!object \\ (nt!ObTypeIndexTable gave no totals for this type)",
      });
    }
    typeRows.sort((a, b) => ((b.Objects as number) || 0) - ((a.Objects as number) || 0));
    if (parsed.options.type === undefined) yield* typeRows;
    const examined = walk.objects.length + " objects in " + walk.directories + " directories (" + Object.keys(byType).length + " types; " +
      conditions + " memory-condition events, " + mutants + " mutants checked" + (walk.unreadable ? "; " + walk.unreadable + " unreadable" : "") + ")" +
      (walk.capped ? " (partial: stopped at MaxObjects " + cfg.MaxObjects + ")" : "");
    if (findings === 0) {
      yield {
        Verdict: "Negative", Source: "typed", Kind: "Finding",
        Evidence: "0 findings among " + examined + ": no low-resource condition signaled, no named mutant held by a terminated or stuck owner; !object \\KernelObjects",
      };
    }
    ctx.summary("SystemObjects: " + findings + " findings among " + examined);
  },

  rowText(row) {
    if (row.Kind === "Type") return "Type " + String(row.Type) + ": " + (row.Objects !== undefined ? row.Objects + " objects, " + row.Handles + " handles" : "") + " (" + String(row.Meaning) + ")";
    if (row.Path === undefined) return row.Verdict + ": " + row.Evidence;
    const extra = row.Target !== undefined ? " -> " + String(row.Target) : row.State !== undefined ? " [" + String(row.State) + "]" : "";
    return (row.Verdict !== "Info" ? row.Verdict + ": " : "") + String(row.Path) + " (" + String(row.Type) + ")" + extra + (row.Meaning !== undefined ? ": " + String(row.Meaning) : "");
  },
});

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

function unknownType(o: ObjectInfo | undefined): string {
  return o && o.typeIndex !== undefined ? "type index 0x" + o.typeIndex.toString(16) : "<unknown type>";
}

function sameType(o: ObjectInfo | undefined, want: string): boolean {
  return !!o && o.typeName !== undefined && o.typeName.toLowerCase() === want.toLowerCase();
}

function normalizePath(p: string): string {
  const parts = p.split("\\").filter((s) => s !== "");
  return "\\" + parts.join("\\");
}

/** `_KEVENT.Header.SignalState` != 0, or undefined when unreadable. */
function eventState(r: KernelReader, body: Addr): boolean | undefined {
  const ev = r.type("_KEVENT") || r.type("_DISPATCHER_HEADER");
  const f = ev ? ev.field("Header.SignalState", "SignalState") : undefined;
  const v = f ? r.read(body, f.offset, f.size) : undefined;
  const s = v ? v.signed(f) : undefined;
  return s === undefined ? undefined : s !== 0;
}

/** A mutant's owner, abandoned flag and whether its wait list is non-empty. */
function mutantState(r: KernelReader, body: Addr): { owner: Addr | undefined; abandoned: boolean; waiters: boolean } | undefined {
  const km = r.type("_KMUTANT");
  if (!km) return undefined;
  const fOwner = km.field("OwnerThread");
  const fAb = km.field("Abandoned", "MutantFlags");
  const fWait = km.field("Header.WaitListHead");
  const v = r.readFields(body, [fOwner, fAb, fWait]);
  if (!v) return undefined;
  const owner = v.ptr(fOwner);
  const ab = v.num(fAb);
  // Threads wait when the list head's Flink points anywhere but back at the head.
  const flink = fWait ? v.pair(fWait.offset, r.pointerSize) : undefined;
  const waiters = !!flink && !!fWait && !isNullAddr(flink) && !sameAddr(flink, addrAdd(body, fWait.offset));
  return { owner: owner && !isNullAddr(owner) ? owner : undefined, abandoned: ab !== undefined && (ab & 1) === 1, waiters };
}

/** Breadth-first walk of a directory tree with a visited set and caps. */
function walkNamespace(d: ObjectDecoder, start: Addr, startPath: string, maxDepth: number, maxObjects: number, maxChain: number, reportDepth: boolean):
  { objects: Walked[]; directories: number; unreadable: number; note: string | undefined; capped: boolean } {
  const objects: Walked[] = [];
  const visited: { [k: string]: boolean } = {};
  const queue: { body: Addr; path: string; depth: number }[] = [{ body: start, path: startPath, depth: 0 }];
  visited[addrKey(start)] = true;
  let directories = 0;
  let unreadable = 0;
  let truncated = 0;
  let capped = false;
  let deep = 0;
  while (queue.length > 0 && !capped) {
    const dir = queue.shift()!;
    const listing = listDirectory(d, dir.body, maxChain);
    if (!listing) { unreadable++; continue; }
    directories++;
    unreadable += listing.unreadable;
    truncated += listing.truncated;
    const entries = listing.entries.slice().sort((a, b) => (a.name || "").toLowerCase() < (b.name || "").toLowerCase() ? -1 : 1);
    for (const e of entries) {
      if (objects.length >= maxObjects) { capped = true; break; }
      const path = dir.path + "\\" + (e.name !== undefined ? e.name : "<unnamed " + formatAddr(e.object, d.r.pointerSize) + ">");
      d.notePath(e.object, path);
      objects.push({ path, body: e.object, info: e.info });
      if (e.info && e.info.typeName === "Directory") {
        const k = addrKey(e.object);
        if (visited[k]) continue;
        visited[k] = true;
        if (dir.depth + 1 < maxDepth) queue.push({ body: e.object, path, depth: dir.depth + 1 });
        else deep++;
      }
    }
  }
  const notes: string[] = [];
  if (capped) notes.push("stopped at Config.SystemObjects.MaxObjects = " + maxObjects + " objects; the rows above are partial");
  if (deep && reportDepth) notes.push(deep + " directories below Config.SystemObjects.MaxDepth were not walked");
  if (truncated) notes.push(truncated + " hash chains were cut (a repeated entry or Config.SystemObjects.MaxChainLength): the directory may be corrupt");
  return { objects, directories, unreadable, note: notes.length ? notes.join("; ") : undefined, capped };
}

/** (path?, options?) from dx or a `!` command; a string describing the problem when they make no sense. */
function parseArguments(args: readonly unknown[]): { path: string | undefined; options: Options } | string {
  let pathArg = args[0];
  let optArg = args[1];
  const options: Options = { recursive: false, type: undefined, all: false };
  if (typeof pathArg === "string" && pathArg.trim().charAt(0) !== "\\" && optArg === undefined) {
    optArg = pathArg;
    pathArg = undefined;
  }
  let path: string | undefined;
  if (pathArg !== undefined && pathArg !== null) {
    if (typeof pathArg !== "string") return "the path must be a string such as \"\\\\Device\", not " + typeof pathArg;
    const p = pathArg.trim();
    if (p === "") path = undefined;
    else if (p.charAt(0) !== "\\") return "the path must start with a backslash, such as \\Device or \\BaseNamedObjects (got " + p + ")";
    else path = p;
  }
  if (typeof optArg === "string") {
    for (const part of optArg.split(/[\s,;]+/)) {
      const low = part.toLowerCase();
      if (low === "") continue;
      if (low === "recursive" || low === "r") options.recursive = true;
      else if (low === "all") options.all = true;
      else if (low.indexOf("type=") === 0) options.type = part.slice(5);
      else return "unknown option \"" + part + "\" (use recursive, all, type=<name>)";
    }
  } else if (optArg !== undefined && optArg !== null) {
    if (typeof optArg !== "object") return "options must be an object such as new { Recursive = true } or a string such as \"recursive\"";
    const o = optArg as { Recursive?: unknown; Type?: unknown; All?: unknown };
    options.recursive = o.Recursive === true;
    options.all = o.All === true;
    if (o.Type !== undefined && o.Type !== null) options.type = String(o.Type);
  }
  return { path, options };
}

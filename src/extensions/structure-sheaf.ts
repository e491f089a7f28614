import { defineAnalysis, type ColumnSpec, type ColumnType, type Row } from "../lib/analysis";
import { formatAddress, hex, isInt64, parseAddress, toInt64, toNumber, type Int64 } from "../lib/int64";
import { errorMessage, notAvailable, unreadable, Unavailable } from "../lib/values";

/** How a field's value becomes a cell. */
type Reader = "address" | "hex" | "int" | "narrow" | "wide" | "unicode" | "ansi" | "large" | "location" | "text";

interface FieldPlan {
  /** The dot path as given (`Pcb.State`). */
  readonly path: string;
  readonly column: string;
  readonly type: ColumnType;
  readonly reader: Reader;
  /** Element count of character arrays. */
  readonly length: number;
  /** The type's name of the field, for the help text. */
  readonly typeName: string;
  /** Why the field is not in the type (this build's symbols), when it is not. */
  readonly missing: string | undefined;
}

const NARROW = ["CHAR", "UCHAR", "char", "unsigned char", "signed char"];
const WIDE = ["WCHAR", "wchar_t"];
const RESERVED = ["Index", "Address", "Verdict", "Evidence", "Source"];

/**
 * Structure Sheaf (patterns.md §37): many objects read through the same type and kept together as one
 * table, one row per object with the chosen fields, so instances can be compared with each other (the
 * summary row gives each field's distinct values and the most common one) and, exported (`!ewmda.export`,
 * `.ToJson()`, `.ExportTable()`), with the same objects in another dump.
 *
 * Input: a type (`"nt!_EPROCESS"`; without a module, `nt` on kernel targets and `ntdll` on user targets),
 * the objects (an address, a list of addresses, a string of addresses, or a dx collection of addresses,
 * typed objects or pointers such as `@$cursession.Processes.Select(p => p.KernelObject)`), and the fields
 * (a list or a comma-separated string of dot paths such as `Pcb.State`; none: the type's own fields, up to
 * `Config.StructureSheaf.MaxFields`). Each object is read with `host.createTypedObject`, each field by name,
 * so the table works on every build whose symbols have the fields. Columns are typed from the field types:
 * pointers as addresses, 64-bit integers as hex, character arrays and UNICODE_STRINGs as text,
 * LARGE_INTEGERs by QuadPart, embedded structures by their address.
 *
 * A field the type does not have on this build is reported once and its cells say so; a field that could
 * not be read (memory missing from the dump) is unreadable in that row; an item that is neither an address
 * nor a typed object gets a row saying so. Nothing is left as a silent zero.
 *
 * False positives: none (a table of what memory holds); union fields show whichever member was named.
 *
 * @function StructureSheaf
 * @memberof Ewmda
 * @param {string} type The type: `"nt!_EPROCESS"`, `"_RTL_CRITICAL_SECTION"`.
 * @param {*} items An address, a list or string of addresses, or a dx collection of addresses or typed objects.
 * @param {string|string[]} [fields] Field paths (`["UniqueProcessId", "ImageFileName"]` or `"UniqueProcessId,Pcb.State"`); default: the type's fields.
 * @returns {ResultSet} One row per object: Index, Address and one column per field (dots become underscores), then a summary row per table; Verdict, Evidence (the `dt` command), Source.
 * @example dx -g @$ewmda.StructureSheaf("nt!_EPROCESS", @$cursession.Processes.Select(p => p.KernelObject), "UniqueProcessId,ImageFileName,ActiveThreads")
 * @example dx @$ewmda.StructureSheaf("_RTL_CRITICAL_SECTION", "0x1d000001000 0x1d000001040", "LockCount,OwningThread")
 * @example dx @$ewmda.StructureSheaf("nt!_EPROCESS", @$cursession.Processes.Select(p => p.KernelObject), "UniqueProcessId").ToJson()
 * @example !ewmda.structuresheaf ("nt!_ETHREAD", @$curprocess.Threads.Select(t => t.KernelObject), "Cid.UniqueThread,Tcb.State")
 */
export const structureSheaf = defineAnalysis({
  meta: {
    name: "StructureSheaf",
    command: "structuresheaf",
    summary: "A table of the chosen fields of many objects of one type, one row per object, comparable and exportable",
    patterns: ["Structure Sheaf"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "type", help: "the type, such as \"nt!_EPROCESS\" (module default: nt in kernel mode, ntdll in user mode)", optional: false },
      { name: "items", help: "an address, a list or string of addresses, or a dx collection of addresses or typed objects", optional: false },
      { name: "fields", help: "field paths, a list or a comma-separated string (default: the type's own fields)", optional: true },
    ],
    options: [],
    columns: [
      { name: "Index", type: "int", help: "Position of the object in the input (from 0)" },
      { name: "Address", type: "address", help: "Address of the object" },
    ],
    settings: {
      MaxItems: { default: 100000, help: "Objects read per call (the rest are counted)", reason: "a kernel dump's thread list can hold 100,000 threads; more rows make dx unusable" },
      MaxFields: { default: 16, help: "Fields shown when none are named (the type's first ones)", reason: "keeps dx -g readable; name the fields to see others" },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const typeArg = args[0];
    if (typeof typeArg !== "string" || typeArg.trim() === "") {
      ctx.summary("StructureSheaf: no type given");
      yield message("give a type, the objects and the fields: dx @$ewmda.StructureSheaf(\"nt!_EPROCESS\", @$cursession.Processes.Select(p => p.KernelObject), \"UniqueProcessId,ImageFileName\")");
      return;
    }
    const bang = typeArg.indexOf("!");
    const module = bang > 0 ? typeArg.slice(0, bang).trim() : t.isKernel() ? "nt" : "ntdll";
    const typeName = (bang >= 0 ? typeArg.slice(bang + 1) : typeArg).trim();
    const qualified = module + "!" + typeName;
    const type = t.type(module, typeName);
    if (!type) {
      ctx.summary("StructureSheaf: no type " + qualified);
      yield message("the type " + qualified + " is not in the symbols (check with dt " + qualified + "; .reload /f " + module + " loads its symbols)", "typed");
      return;
    }
    const items = collectItems(args[1], ctx.settings.MaxItems);
    if (typeof items === "string") {
      ctx.summary("StructureSheaf: " + items);
      yield message(items);
      return;
    }
    const fieldPaths = fieldList(args[2]);
    if (typeof fieldPaths === "string") {
      ctx.summary("StructureSheaf: " + fieldPaths);
      yield message(fieldPaths);
      return;
    }
    const paths = fieldPaths.length ? fieldPaths : ownFields(type).slice(0, ctx.settings.MaxFields);
    const plans = plan(type, qualified, paths);
    ctx.addColumns(plans.map((p): ColumnSpec => ({ name: p.column, type: p.type, help: p.path + " (" + p.typeName + ")" })));
    for (const p of plans) if (p.missing) yield message(p.missing, "typed");

    const values: { [column: string]: { [v: string]: number } } = {};
    for (const p of plans) values[p.column] = {};
    let read = 0;
    for (let i = 0; i < items.list.length; i++) {
      if (ctx.budget.exceeded()) break;
      const item = items.list[i]!;
      if (typeof item === "string") {
        yield { Index: i, Address: notAvailable(item), Verdict: "Info", Evidence: "item " + i + ": " + item, Source: "typed" };
        continue;
      }
      const address = item;
      const row: { [k: string]: unknown } = {
        Index: i, Address: address, Verdict: "Info", Source: "typed",
        Evidence: "dt " + qualified + " " + formatAddress(address, t.pointerSize()) + (paths.length ? " " + paths.map((p) => p.split(".")[0]).filter((v, k, a) => a.indexOf(v) === k).join(" ") : ""),
      };
      let obj: unknown;
      try { obj = host.createTypedObject(address, type, t.process); } catch (e) { obj = undefined; }
      for (const p of plans) {
        const v = p.missing ? notAvailable("not a field of " + qualified + " in these symbols") : obj === undefined ? unreadable("no typed object at " + hex(address)) : readField(obj, p);
        row[p.column] = v;
        if (!(v instanceof Unavailable)) {
          const key = cellKey(v);
          const counts = values[p.column]!;
          counts[key] = (counts[key] || 0) + 1;
        }
      }
      read++;
      yield row as Row;
    }
    const stats = plans.filter((p) => !p.missing).map((p) => statistic(p.column, values[p.column]!));
    const more = items.dropped ? "; " + items.dropped + " more objects not read (MaxItems " + ctx.settings.MaxItems + ")" : "";
    const partial = read < items.list.length ? "; stopped at the time budget after " + read : "";
    if (items.list.length === 0) {
      ctx.summary("StructureSheaf " + qualified + ": no objects");
      yield { Verdict: "Negative", Evidence: "0 objects of " + qualified + ": the collection was empty", Source: "typed" };
      return;
    }
    ctx.summary("StructureSheaf " + qualified + ": " + items.list.length + " objects, " + plans.length + " fields" + partial + more);
    yield { Verdict: "Info", Evidence: items.list.length + " objects of " + qualified + (stats.length ? ": " + stats.join("; ") : "") + partial + more, Source: "typed" };
  },

  rowText(row, ctx) {
    if (row.Index === undefined) return row.Verdict + ": " + row.Evidence;
    const parts: string[] = [];
    for (const k of Object.keys(row)) {
      if (k === "Index" || k === "Address" || k === "Verdict" || k === "Evidence" || k === "Source") continue;
      const v = row[k];
      parts.push(k + "=" + (v instanceof Unavailable ? v.toString() : isInt64(v) ? hex(v) : String(v)));
    }
    const a = row.Address;
    return "#" + String(row.Index) + " " + (isInt64(a) || typeof a === "number" ? formatAddress(a, ctx.pointerSize) : String(a)) + " " + parts.join(" ");
  },
});

function message(text: string, source: "typed" | "heuristic" = "heuristic"): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

/** The objects' addresses (a string explains an item that is neither), or why the input is unusable. */
function collectItems(arg: unknown, max: number): { list: (Int64 | string)[]; dropped: number } | string {
  if (arg === undefined || arg === null) return "give the objects: an address, a list of addresses, or a dx collection such as @$cursession.Processes.Select(p => p.KernelObject)";
  const list: (Int64 | string)[] = [];
  let dropped = 0;
  const push = (v: Int64 | string) => { if (list.length < max) list.push(v); else dropped++; };
  if (typeof arg === "string") {
    for (const part of arg.split(/[\s,;]+/)) {
      if (part === "") continue;
      const a = parseAddress(part);
      if (a === undefined) return "\"" + part + "\" is not an address (use 0x1a4, 1a4 or 00000000`000001a4)";
      push(a);
    }
    return { list, dropped };
  }
  const one = addressOf(arg);
  if (typeof one !== "string") { push(one); return { list, dropped }; }
  if (typeof (arg as Iterable<unknown>)[Symbol.iterator] !== "function") return "the objects must be an address, a list of addresses or a collection (" + one + ")";
  try {
    for (const item of arg as Iterable<unknown>) push(addressOf(item));
  } catch (e) {
    if (list.length === 0) return "the collection could not be read: " + errorMessage(e);
    push("the rest of the collection could not be read: " + errorMessage(e));
  }
  return { list, dropped };
}

/** The address an item stands for: a number, a 64-bit value, a typed object (its location) or a pointer (its target). */
function addressOf(item: unknown): Int64 | string {
  let v = item;
  // An indexed value made by a script: the value inside.
  if (v && typeof v === "object" && (v as { address?: unknown }).address === undefined && (v as { value?: unknown }).value !== undefined) v = (v as { value: unknown }).value;
  if (typeof v === "number" && v >= 0 && v === Math.floor(v)) return toInt64(v);
  if (isInt64(v)) return v;
  if (typeof v === "string") {
    const a = parseAddress(v);
    return a === undefined ? "\"" + v + "\" is not an address" : a;
  }
  if (v && typeof v === "object") {
    try {
      const a: unknown = (v as { address?: unknown }).address;
      if (isInt64(a) || typeof a === "number") return toInt64(a);
    } catch (e) { return "its address could not be read: " + errorMessage(e); }
    return "not an address or a typed object (" + (String(v) || "an object") + ")";
  }
  return "not an address or a typed object (" + (v === undefined ? "undefined" : typeof v) + ")";
}

function fieldList(arg: unknown): string[] | string {
  if (arg === undefined || arg === null) return [];
  const out: string[] = [];
  const add = (s: string) => { for (const p of s.split(/[\s,;]+/)) if (p !== "" && out.indexOf(p) < 0) out.push(p); };
  if (typeof arg === "string") { add(arg); return out; }
  if (typeof (arg as Iterable<unknown>)[Symbol.iterator] === "function") {
    for (const x of arg as Iterable<unknown>) add(String(x));
    return out;
  }
  return "the fields must be a list of field names or a comma-separated string, such as \"UniqueProcessId,ImageFileName\"";
}

function ownFields(type: DbgModel.TypeObject): string[] {
  try { return Object.keys(type.fields); } catch (e) { return []; }
}

interface TypeLike { readonly name?: unknown; readonly typeKind?: unknown; readonly size?: unknown; readonly baseType?: TypeLike; readonly fields?: { readonly [name: string]: { readonly type: TypeLike } } }

/** Resolves each path against the type: its column name, column type and how to read it. */
function plan(type: DbgModel.TypeObject, qualified: string, paths: readonly string[]): FieldPlan[] {
  const used: string[] = [];
  return paths.map((path) => {
    let column = path.replace(/[^A-Za-z0-9_]/g, "_");
    if (RESERVED.indexOf(column) >= 0) column = "Field_" + column;
    while (used.indexOf(column) >= 0) column += "_";
    used.push(column);
    let t: TypeLike | undefined = type as unknown as TypeLike;
    for (const part of path.split(".")) {
      let holder: TypeLike | undefined = t;
      // Through pointers (the provider dereferences them on member access) and typedefs.
      for (let k = 0; k < 4 && holder && (holder.typeKind === "pointer" || holder.typeKind === "typedef"); k++) holder = holder.baseType;
      let f: { readonly type: TypeLike } | undefined;
      try { f = holder && holder.fields ? holder.fields[part] : undefined; } catch (e) { f = undefined; }
      if (!f) {
        return { path, column, type: "string", reader: "text", length: 0, typeName: "?", missing: path + " is not a field of " + qualified + " in these symbols (" + part + " not found); its cells are not available" };
      }
      t = f.type;
    }
    const r = readerOf(t!);
    return { path, column, type: r.type, reader: r.reader, length: r.length, typeName: String(t!.name), missing: undefined };
  });
}

function readerOf(t: TypeLike): { type: ColumnType; reader: Reader; length: number } {
  const kind = String(t.typeKind);
  const name = String(t.name).replace(/^.*!/, "");
  let size = 0;
  try { size = toNumber(t.size); } catch (e) { size = 0; }
  if (kind === "pointer") return { type: "address", reader: "address", length: 0 };
  if (kind === "array") {
    const el = t.baseType ? String(t.baseType.name).replace(/^.*!/, "") : "";
    let elSize = 1;
    try { elSize = t.baseType ? toNumber(t.baseType.size) || 1 : 1; } catch (e) { elSize = 1; }
    if (NARROW.indexOf(el) >= 0) return { type: "string", reader: "narrow", length: Math.floor(size / elSize) };
    if (WIDE.indexOf(el) >= 0) return { type: "string", reader: "wide", length: Math.floor(size / elSize) };
    return { type: "address", reader: "location", length: 0 };
  }
  if (kind === "udt") {
    if (name === "_UNICODE_STRING" || name === "UNICODE_STRING") return { type: "string", reader: "unicode", length: 0 };
    if (name === "_STRING" || name === "STRING" || name === "_ANSI_STRING") return { type: "string", reader: "ansi", length: 0 };
    if (name === "_LARGE_INTEGER" || name === "_ULARGE_INTEGER" || name === "LARGE_INTEGER") return { type: "hex", reader: "large", length: 0 };
    return { type: "address", reader: "location", length: 0 };
  }
  if (kind === "intrinsic" || kind === "enum") {
    if (/float|double/i.test(name)) return { type: "string", reader: "text", length: 0 };
    return size === 8 ? { type: "hex", reader: "hex", length: 0 } : { type: "int", reader: "int", length: 0 };
  }
  return { type: "string", reader: "text", length: 0 };
}

/** One cell: the value by its reader, or why it could not be read. */
function readField(obj: unknown, p: FieldPlan): unknown {
  let v: unknown = obj;
  try {
    for (const part of p.path.split(".")) {
      if (v === undefined || v === null) return notAvailable("a containing field of " + p.path + " is empty");
      v = (v as { [k: string]: unknown })[part];
    }
    if (v === undefined) return notAvailable(p.path + " has no value in this object");
    switch (p.reader) {
      case "address": {
        const a: unknown = typeof v === "object" && v !== null ? (v as { address?: unknown }).address : v;
        return isInt64(a) || typeof a === "number" ? toInt64(a) : String(v);
      }
      case "location": {
        const a: unknown = (v as { address?: unknown }).address;
        return isInt64(a) || typeof a === "number" ? toInt64(a) : notAvailable("no address for " + p.path);
      }
      case "hex": return isInt64(v) || typeof v === "number" ? toInt64(v) : String(v);
      case "large": {
        const q: unknown = (v as { QuadPart?: unknown }).QuadPart;
        return isInt64(q) || typeof q === "number" ? toInt64(q) : notAvailable("no QuadPart in " + p.path);
      }
      case "int": {
        if (typeof v === "number" || typeof v === "boolean") return Number(v);
        if (isInt64(v)) { try { return toNumber(v); } catch (e) { return hex(v); } }
        return String(v);
      }
      case "narrow":
      case "wide": return arrayText(v, p.reader === "wide" ? 2 : 1, p.length);
      case "unicode":
      case "ansi": {
        const s = v as { Length?: unknown; Buffer?: unknown };
        const length = toNumber(s.Length);
        if (length === 0) return "";
        return p.reader === "unicode" ? host.memory.readWideString(s.Buffer as DbgModel.Location, length / 2) : host.memory.readString(s.Buffer as DbgModel.Location, length);
      }
      default: return String(v);
    }
  } catch (e) {
    return unreadable(p.path + " could not be read: " + errorMessage(e));
  }
}

/** A fixed character array (`UCHAR ImageFileName[15]`) up to its first NUL. */
function arrayText(v: unknown, unit: 1 | 2, length: number): string {
  const at: unknown = (v as { address?: unknown }).address;
  const codes = host.memory.readMemoryValues(toInt64(at), length, unit, false);
  let s = "";
  for (let i = 0; i < codes.length; i++) {
    const c = Number(codes[i]);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function cellKey(v: unknown): string {
  return isInt64(v) ? hex(v) : String(v);
}

/** `Field: N distinct, most common X (n)`. */
function statistic(column: string, counts: { [v: string]: number }): string {
  const keys = Object.keys(counts);
  let best = "";
  let bestN = 0;
  for (const k of keys) if (counts[k]! > bestN) { best = k; bestN = counts[k]!; }
  return column + ": " + keys.length + " distinct" + (keys.length > 1 && bestN > 1 ? ", most common " + (best === "" ? "\"\"" : best) + " (" + bestN + ")" : "");
}

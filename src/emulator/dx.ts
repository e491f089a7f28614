/**
 * A small `dx`: evaluates the expressions users type against the emulated data model and renders
 * values the way dx shows them (reference §5.5, §10): display strings, keys without `__` names,
 * iterable children with `indexedValue` indices, LINQ projected onto script-returned iterables,
 * `-g` grids, `-v` help text from metadata.
 *
 * Grammar (enough for the documented forms): `@$var = expr`, member access, calls, indexing,
 * numbers (hex, decimal, backtick), strings, true/false, `new { A = expr, ... }`, lambdas
 * `x => expr` and `(x, y) => expr`, comparisons, `&&`, `||`, `!`, `+`, `-`, `*`, `/`, `%`.
 */
import { collectionKeys, isModelCollection, modelCollection } from "./collection";
import type { EmulatedDebugger } from "./debugger";
import { IndexedValue, ValueWithMetadata } from "./host";
import { allKeys, MODEL_KEYS } from "./named-models";
import { nativeInfo } from "./native";

// ---------------------------------------------------------------- tokens

type Tok = { t: "num"; v: bigint } | { t: "str"; v: string } | { t: "id"; v: string } | { t: "var"; v: string } | { t: "op"; v: string } | { t: "end" };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "@" && src[i + 1] === "$") {
      const m = /^@\$([A-Za-z_]\w*)/.exec(src.slice(i));
      if (!m) throw new Error(`Syntax error at '${src.slice(i)}'`);
      out.push({ t: "var", v: m[1]! });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-f`]+|[0-9]+)/i.exec(src.slice(i))!;
      const text = m[0].replace(/`/g, "");
      out.push({ t: "num", v: BigInt(text) });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== '"') { if (src[j] === "\\" && j + 1 < src.length) { s += src[j + 1]; j += 2; } else s += src[j++]; }
      if (j >= src.length) throw new Error("Syntax error: unterminated string");
      out.push({ t: "str", v: s });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i))!;
      out.push({ t: "id", v: m[0] });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||", "=>"].includes(two)) { out.push({ t: "op", v: two }); i += 2; continue; }
    if ("().[],={}<>!+-*/%".includes(c)) { out.push({ t: "op", v: c }); i++; continue; }
    throw new Error(`Syntax error at '${src.slice(i)}'`);
  }
  out.push({ t: "end" });
  return out;
}

// ---------------------------------------------------------------- parser (to closures)

type Scope = Map<string, unknown>;
type Node = (scope: Scope) => unknown;
/** A member expression that can be called with its receiver. */
interface Ref { get(scope: Scope): unknown; call?(scope: Scope, args: unknown[]): unknown; set?(scope: Scope, value: unknown): void }

export function evaluateDx(dbg: EmulatedDebugger, source: string): unknown {
  const toks = tokenize(source);
  let p = 0;
  const peek = () => toks[p]!;
  const isOp = (v: string) => { const t = peek(); return t.t === "op" && t.v === v; };
  const expect = (v: string) => { if (!isOp(v)) throw new Error(`Syntax error: expected '${v}' in '${source}'`); p++; };

  const statement = (): Node => {
    const t = peek();
    if (t.t === "var" && toks[p + 1]?.t === "op" && (toks[p + 1] as { v: string }).v === "=") {
      p += 2;
      const rhs = expression();
      return (scope) => { const v = rhs(scope); dbg.userVariables.set(t.v, v); return v; };
    }
    // `expr.Member = value`: assignment to a property (settings such as @$ewmda.Config.RawStack.MaxRows).
    const start = p;
    try {
      const target = postfixRef();
      if (target.set && isOp("=") && !(toks[p + 1]?.t === "op" && (toks[p + 1] as { v: string }).v === "=")) {
        p++;
        const rhs = expression();
        const set = target.set;
        return (scope) => { const v = rhs(scope); set(scope, v); return v; };
      }
    } catch {
      // not an assignment target; parse as an expression below
    }
    p = start;
    return expression();
  };

  const expression = (): Node => lambdaOr();

  const lambdaOr = (): Node => {
    // x => expr   |   (x, y) => expr
    const t = peek();
    if (t.t === "id" && toks[p + 1]?.t === "op" && (toks[p + 1] as { v: string }).v === "=>") {
      p += 2;
      return makeLambda([t.v], expression());
    }
    if (isOp("(")) {
      let q = p + 1;
      const names: string[] = [];
      while (toks[q]?.t === "id") {
        names.push((toks[q] as { v: string }).v);
        q++;
        if (toks[q]?.t === "op" && (toks[q] as { v: string }).v === ",") q++;
        else break;
      }
      if (toks[q]?.t === "op" && (toks[q] as { v: string }).v === ")" && toks[q + 1]?.t === "op" && (toks[q + 1] as { v: string }).v === "=>") {
        p = q + 2;
        return makeLambda(names, expression());
      }
    }
    return or();
  };

  const makeLambda = (names: string[], body: Node): Node => (scope) => (...args: unknown[]) => {
    const inner = new Map(scope);
    names.forEach((n, i) => inner.set(n, args[i]));
    return body(inner);
  };

  const binary = (next: () => Node, ops: string[], apply: (op: string, a: unknown, b: unknown) => unknown) => (): Node => {
    let left = next();
    while (peek().t === "op" && ops.includes((peek() as { v: string }).v)) {
      const op = (toks[p++] as { v: string }).v;
      const right = next();
      const l = left;
      left = (scope) => apply(op, l(scope), right(scope));
    }
    return left;
  };

  const cmp = (a: unknown, b: unknown): number => {
    const i64 = dbg.int64;
    if ((typeof a === "number" || i64.is(a)) && (typeof b === "number" || i64.is(b))) {
      const x = typeof a === "number" ? BigInt(Math.trunc(a)) : a.bits;
      const y = typeof b === "number" ? BigInt(Math.trunc(b)) : b.bits;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const s = String(a), u = String(b);
    return s < u ? -1 : s > u ? 1 : 0;
  };

  const unary = (): Node => {
    if (isOp("!")) { p++; const inner = unary(); return (s) => !inner(s); }
    if (isOp("-")) { p++; const inner = unary(); return (s) => { const v = inner(s); return typeof v === "number" ? -v : dbg.int64.make(-dbg.int64.toBigInt(v), true); }; }
    return postfix();
  };
  // `g_array1D.Select(n => n * 3)` (reference §5.4): integer arithmetic on ordinals, exact to 64 bits.
  const multiplicative = binary(unary, ["*", "/", "%"], (op, a, b) => {
    if (typeof a === "number" && typeof b === "number" && !(Number.isInteger(a) && Number.isInteger(b))) {
      return op === "*" ? a * b : op === "/" ? a / b : a % b;
    }
    const i64 = dbg.int64;
    const x = typeof a === "number" ? BigInt(a) : i64.toBigInt(a);
    const y = typeof b === "number" ? BigInt(b) : i64.toBigInt(b);
    if (op !== "*" && y === 0n) throw new Error("Division by zero");
    const r = op === "*" ? x * y : op === "/" ? x / y : x % y;
    return r > -(2n ** 53n) && r < 2n ** 53n ? Number(r) : i64.make(r);
  });
  const additive = binary(multiplicative, ["+", "-"], (op, a, b) => {
    if (typeof a === "string" || typeof b === "string") return op === "+" ? String(a) + String(b) : NaN;
    const i64 = dbg.int64;
    const x = i64.toBigInt(a), y = i64.toBigInt(b);
    const r = op === "+" ? x + y : x - y;
    return r >= 0n && r < 2n ** 53n ? Number(r) : i64.make(r);
  });
  const relational = binary(additive, ["<", ">", "<=", ">="], (op, a, b) => {
    const c = cmp(a, b);
    return op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
  });
  const equality = binary(relational, ["==", "!="], (op, a, b) => {
    const eq = (a === b) || ((typeof a === "number" || dbg.int64.is(a)) && (typeof b === "number" || dbg.int64.is(b)) && cmp(a, b) === 0);
    return op === "==" ? eq : !eq;
  });
  const and = binary(equality, ["&&"], (_op, a, b) => !!a && !!b);
  const or = binary(and, ["||"], (_op, a, b) => !!a || !!b);

  const postfix = (): Node => postfixRef().get;

  const postfixRef = (): Ref => {
    let ref = primary();
    for (;;) {
      if (isOp(".")) {
        p++;
        const t = toks[p++]!;
        if (t.t !== "id") throw new Error(`Syntax error: expected a name after '.' in '${source}'`);
        const base = ref;
        const name = t.v;
        ref = {
          set: (s, v) => {
            const obj = base.get(s);
            if (obj === null || typeof obj !== "object") throw new Error(`Cannot set '${name}' on a value with no object`);
            (obj as Record<string, unknown>)[name] = v;
          },
          get: (s) => member(dbg, base.get(s), name),
          call: (s, args) => {
            const recv = base.get(s);
            const fn = member(dbg, recv, name);
            if (typeof fn !== "function") throw new Error(`'${name}' is not a method`);
            return (fn as (...a: unknown[]) => unknown).apply(projectLinq(dbg, recv, name), args);
          },
        };
      } else if (isOp("(")) {
        p++;
        const args: Node[] = [];
        while (!isOp(")")) { args.push(expression()); if (isOp(",")) p++; else break; }
        expect(")");
        const target = ref;
        const node: Node = (s) => {
          const values = args.map((a) => a(s));
          if (target.call) return target.call(s, values);
          const fn = target.get(s);
          if (typeof fn !== "function") throw new Error("Value is not callable");
          return (fn as (...a: unknown[]) => unknown)(...values);
        };
        ref = { get: node };
      } else if (isOp("[")) {
        p++;
        const idx = expression();
        expect("]");
        const base = ref;
        ref = { get: (s) => index(dbg, base.get(s), idx(s)) };
      } else {
        return ref;
      }
    }
  };

  const primary = (): Ref => {
    const t = toks[p++]!;
    switch (t.t) {
      case "num":
        return { get: () => (t.v < 2n ** 53n ? Number(t.v) : dbg.int64.make(t.v)) };
      case "str":
        return { get: () => t.v };
      case "var":
        return {
          get: () => variable(dbg, t.v, false),
          call: (_s, args) => {
            const fn = variable(dbg, t.v, true);
            if (typeof fn !== "function") throw new Error(`@$${t.v} is not callable`);
            return (fn as (...a: unknown[]) => unknown)(...args);
          },
        };
      case "id": {
        if (t.v === "true" || t.v === "false") return { get: () => t.v === "true" };
        if (t.v === "Debugger") return { get: () => dbg.model.root() };
        if (t.v === "new" && isOp("{")) {
          p++;
          const fields: [string, Node][] = [];
          while (!isOp("}")) {
            const n = toks[p++]!;
            if (n.t !== "id") throw new Error("Syntax error in anonymous object");
            expect("=");
            fields.push([n.v, expression()]);
            if (isOp(",")) p++; else break;
          }
          expect("}");
          return { get: (s) => Object.freeze(Object.fromEntries(fields.map(([k, v]) => [k, v(s)]))) };
        }
        return { get: (s) => { if (s.has(t.v)) return s.get(t.v); throw new Error(`Couldn't resolve error at '${t.v}'`); } };
      }
      case "op":
        if (t.v === "(") { const inner = expression(); expect(")"); return { get: inner }; }
        throw new Error(`Syntax error at '${t.v}' in '${source}'`);
      default:
        throw new Error(`Syntax error: unexpected end of '${source}'`);
    }
  };

  const node = statement();
  if (peek().t !== "end") throw new Error(`Syntax error: unexpected text after the expression in '${source}'`);
  return node(new Map());
}

function variable(dbg: EmulatedDebugger, name: string, calling: boolean): unknown {
  const alias = dbg.aliases.get(name)?.fn;
  const hasVar = dbg.userVariables.has(name);
  if (calling && alias && (dbg.variant.aliasVersusVariable === "alias-first" || !hasVar)) return alias;
  if (hasVar) return dbg.userVariables.get(name);
  const builtin = ((dbg.model.root() as Record<string, Record<string, Record<string, unknown>>>).State!.DebuggerVariables!)[name];
  if (builtin !== undefined) return builtin;
  if (alias) return alias;
  throw new Error(`Couldn't resolve error at '@$${name}'`);
}

const STRING_MEMBERS: Record<string, (s: string) => unknown> = {
  Length: (s) => s.length,
  Contains: (s) => (x: string) => s.includes(x),
  StartsWith: (s) => (x: string) => s.startsWith(x),
  EndsWith: (s) => (x: string) => s.endsWith(x),
  ToLower: (s) => () => s.toLowerCase(),
  ToUpper: (s) => () => s.toUpperCase(),
  IndexOf: (s) => (x: string) => s.indexOf(x),
};

const LINQ = new Set(["Aggregate", "All", "Any", "Average", "Concat", "Contains", "Count", "Distinct", "First", "Flatten", "GroupBy",
  "Last", "Max", "Min", "OrderBy", "OrderByDescending", "Reverse", "Select", "Single", "Skip", "Sum", "Take", "Where", "Except", "Intersect", "Union"]);

/** dx projects LINQ onto anything iterable that a script returns (reference §5.4). */
function projectLinq(dbg: EmulatedDebugger, value: unknown, name: string): unknown {
  if (!LINQ.has(name) || isModelCollection(value) || !isIterable(value)) return value;
  if (typeof (value as unknown as Record<string, unknown>)[name] === "function") return value;
  const items = children(dbg, value);
  return modelCollection(dbg.collectionEnv, items.map((c) => c.value), { keyOf: (_v, i) => keyOfIndex(items[i]!.index) });
}

function keyOfIndex(index: unknown[]): string | number {
  const k = index[0];
  return typeof k === "number" || typeof k === "string" ? k : String(k);
}

function member(dbg: EmulatedDebugger, value: unknown, name: string): unknown {
  if (value === undefined || value === null) throw new Error(`Couldn't resolve '.${name}' on a value with no object`);
  if (typeof value === "string") {
    const m = STRING_MEMBERS[name];
    if (m) return m(value);
    throw new Error(`String has no member '${name}'`);
  }
  if (name.startsWith("__")) throw new Error(`Couldn't resolve '${name}': names starting with __ are private`);
  const projected = projectLinq(dbg, value, name);
  if (projected !== value) return (projected as Record<string, unknown>)[name];
  if (value instanceof ValueWithMetadata) return member(dbg, value.value, name);
  const v = (value as Record<string, unknown>)[name];
  if (v === undefined && !(name in (value as object))) throw new Error(`Couldn't resolve '.${name}'`);
  return v instanceof ValueWithMetadata ? v.value : v;
}

function index(dbg: EmulatedDebugger, value: unknown, key: unknown): unknown {
  if (isModelCollection(value)) return (value as unknown as { getValueAt(k: unknown): unknown }).getValueAt(key);
  const v = value as Record<string, unknown>;
  if (typeof v?.getValueAt === "function") return (v.getValueAt as (k: unknown) => unknown).call(value, key);
  if (isIterable(value)) {
    const want = dbg.int64.is(key) ? Number(key.bits) : key;
    for (const c of children(dbg, value)) if (c.index.length === 1 && c.index[0] === want) return c.value;
  }
  throw new Error(`Index ${String(key)} is out of bounds or not indexable`);
}

// ---------------------------------------------------------------- rendering

export interface DxRenderOptions {
  /** -r<n>: recursion depth (default 1). */
  readonly recursion?: number;
  /** -g: grid of the children's keys. */
  readonly grid?: boolean;
  /** -v: show methods with their help text. */
  readonly verbose?: boolean;
}

interface Child { readonly index: unknown[]; readonly value: unknown }

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === "object" && v !== null && typeof (v as Record<symbol, unknown>)[Symbol.iterator] === "function";
}

/** Elements of an iterable value with their indices (explicit `indexedValue` indices or ordinals). */
export function children(dbg: EmulatedDebugger, value: unknown): Child[] {
  if (!isIterable(value) || typeof value === "string") return [];
  const keys = collectionKeys(value);
  const out: Child[] = [];
  let i = 0;
  for (const item of value) {
    if (item instanceof IndexedValue) out.push({ index: [...item.indices], value: item.value });
    else out.push({ index: [keys ? keys[i] : i], value: item });
    i++;
  }
  void dbg;
  return out;
}

const PROTOCOL = new Set(["getDimensionality", "getValueAt", "setValueAt", "compareTo", "equals", "getPreferredRuntimeTypedObject", "toString", "valueOf"]);

/** The keys dx shows for a value: [name, kind] where kind is "property" or "method". */
export function keysOf(dbg: EmulatedDebugger, value: unknown): { name: string; method: boolean }[] {
  if (typeof value !== "object" || value === null) return [];
  if (dbg.int64.is(value)) return [];
  const modelKeys = (value as Record<symbol, unknown>)[MODEL_KEYS];
  const info = nativeInfo(value);
  let names: string[];
  if (typeof modelKeys === "function") names = (modelKeys as () => string[])();
  else if (info) names = info.kind === "udt" ? Object.keys(value) : [];
  else if (isModelCollection(value)) names = [];
  else names = allKeys(value).filter((k) => !PROTOCOL.has(k));
  const out: { name: string; method: boolean }[] = [];
  for (const name of names) {
    let method = false;
    const d = descriptorOf(value, name);
    if (d && !d.get && typeof d.value === "function") method = true;
    out.push({ name, method });
  }
  return out;
}

function descriptorOf(obj: object, name: string): PropertyDescriptor | undefined {
  for (let o: object | null = obj; o; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return d;
  }
  return undefined;
}

function hasCustomToString(value: object): boolean {
  for (let o: object | null = value; o; o = Object.getPrototypeOf(o)) {
    if (Object.getPrototypeOf(o) === null) return false; // reached some realm's Object.prototype
    if (Object.prototype.hasOwnProperty.call(o, "toString")) return true;
  }
  return false;
}

/** What dx prints after the colon for a value. */
export function displayString(dbg: EmulatedDebugger, value: unknown, radix = 16): string {
  if (value instanceof ValueWithMetadata) return displayString(dbg, value.value, Number(value.metadata.PreferredRadix ?? radix));
  if (value === undefined) return "";
  if (value === null) return "null";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return radix === 10 ? String(value) : (value < 0 ? "-0x" + (-value).toString(16) : "0x" + value.toString(16));
    return value.toFixed(6);
  }
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "function") return "";
  if (dbg.int64.is(value)) return radix === 10 ? value.bits.toString(10) : "0x" + value.bits.toString(16);
  if (nativeInfo(value) || typeof (value as Record<symbol, unknown>)[MODEL_KEYS] === "function" || isModelCollection(value)) {
    return String(value);
  }
  if (hasCustomToString(value as object)) {
    try { return String((value as { toString(): string }).toString()); } catch (e) { return `Error: ${(e as Error).message}`; }
  }
  if (isIterable(value)) return Object.prototype.toString.call(value) === "[object Generator]" ? "[object Generator]" : "";
  return "[object Object]";
}

function fmtIndex(k: unknown): string {
  if (typeof k === "number") return "0x" + k.toString(16);
  if (typeof k === "bigint") return "0x" + k.toString(16);
  return String(k);
}

/** `dx` output lines for an expression and its value. */
export function renderDx(dbg: EmulatedDebugger, expression: string, value: unknown, options: DxRenderOptions = {}): string[] {
  const depth = options.recursion ?? 1;
  const lines: string[] = [];
  const head = displayString(dbg, value);
  lines.push(head ? `${expression}${" ".repeat(Math.max(1, 17 - expression.length))}: ${head}` : expression);
  if (options.grid) {
    lines.push(...renderGrid(dbg, value));
    return lines;
  }
  renderChildren(dbg, value, 1, depth, options.verbose ?? false, lines);
  return lines;
}

function renderChildren(dbg: EmulatedDebugger, value: unknown, level: number, depth: number, verbose: boolean, lines: string[]): void {
  if (level > depth) return;
  const pad = "    ".repeat(level);
  const base = value instanceof ValueWithMetadata ? value.value : value;
  for (const k of keysOf(dbg, base)) {
    const md = dbg.metadataFor(base, k.name);
    let method = k.method;
    let v: unknown;
    if (!method) {
      try { v = (base as Record<string, unknown>)[k.name]; } catch (e) { lines.push(`${pad}${k.name.padEnd(17)}: Error: ${(e as Error).message}`); continue; }
      method = typeof v === "function";
    }
    if (method) {
      if (!verbose && !md?.PreferShow) continue;
      lines.push(`${pad}${k.name.padEnd(17)}${md?.Help ? ` [${String(md.Help)}]` : ""}`);
      continue;
    }
    if (v === undefined) continue; // a getter returning undefined hides the property
    const radix = Number(md?.PreferredRadix ?? 16);
    lines.push(`${pad}${k.name.padEnd(17)}: ${displayString(dbg, v, radix)}${verbose && md?.Help ? ` [${String(md.Help)}]` : ""}`);
    renderChildren(dbg, v, level + 1, depth, verbose, lines);
  }
  for (const c of children(dbg, base)) {
    lines.push(`${pad}${("[" + c.index.map(fmtIndex).join(",") + "]").padEnd(17)}: ${displayString(dbg, c.value)}`);
    renderChildren(dbg, c.value, level + 1, depth, verbose, lines);
  }
}

function renderGrid(dbg: EmulatedDebugger, value: unknown): string[] {
  const rows = children(dbg, value instanceof ValueWithMetadata ? value.value : value);
  const columns: string[] = [];
  for (const r of rows) for (const k of keysOf(dbg, r.value)) if (!k.method && !columns.includes(k.name)) columns.push(k.name);
  const table = rows.map((r) => [
    "[" + r.index.map(fmtIndex).join(",") + "]",
    ...columns.map((c) => {
      try {
        const v = (r.value as Record<string, unknown>)[c];
        return displayString(dbg, v, Number(dbg.metadataFor(r.value, c)?.PreferredRadix ?? 16));
      } catch (e) { return `Error: ${(e as Error).message}`; }
    }),
  ]);
  const header = ["", ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => "= " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" = ") + " =";
  const rule = "=".repeat(line(header).length);
  return [rule, line(header), rule, ...table.map(line)];
}

/**
 * Data-model collections as scripts see them (reference §5.3-§5.4): iterable, indexed by their natural
 * key (`Processes[pid]`, `Threads[tid]`, `Handles[value]`), `getValueAt(...)` for names, and the LINQ
 * methods with JavaScript callbacks. Plain JS arrays never get these methods; only collections the
 * provider hands out do.
 */
import type { Int64Factory } from "./int64";
import type { HostCounters } from "./options";

export type CollectionKey = number | bigint | string;

export interface CollectionOptions<T> {
  /** Natural key of an element (pid, tid, handle value, ordinal by default). */
  readonly keyOf?: (item: T, index: number) => CollectionKey;
  /** Extra look-up for `getValueAt(name)` (module names with or without extension, paths). */
  readonly lookup?: (items: readonly T[], index: unknown) => T | undefined;
  /** Display string of the collection itself. */
  readonly display?: string;
}

export interface CollectionEnv {
  readonly int64: Int64Factory;
  readonly counters: HostCounters;
  /** Count() result: number, or Int64 when the variant says model ordinals are Int64. */
  ordinal(n: number): unknown;
}

const LINQ_NAMES = [
  "Aggregate", "All", "AllNonError", "Any", "Average", "Concat", "Contains", "Count", "Distinct", "Except", "First",
  "FirstNonError", "Flatten", "GroupBy", "Intersect", "Join", "Last", "LastNonError", "Max", "Min", "OrderBy",
  "OrderByDescending", "Reverse", "Select", "SequenceEqual", "Single", "Skip", "SkipWhile", "Sum", "Take",
  "TakeWhile", "Union", "Where",
] as const;

export const COLLECTION_MARK = Symbol("ewmda.emulator.collection");

export interface ModelCollection<T> extends Iterable<T> {
  readonly [COLLECTION_MARK]: true;
  toArray(): T[];
}

function normalizeKey(env: CollectionEnv, key: unknown): string {
  if (env.int64.is(key)) return "n" + key.bits.toString();
  if (typeof key === "number" && Number.isInteger(key)) return "n" + BigInt(key).toString();
  if (typeof key === "bigint") return "n" + key.toString();
  if (typeof key === "string") {
    if (/^\d+$/.test(key)) return "n" + key;
    if (/^0x[0-9a-f]+$/i.test(key)) return "n" + BigInt(key).toString();
    return "s" + key.toLowerCase();
  }
  return "?" + String(key);
}

function compareValues(env: CollectionEnv, a: unknown, b: unknown): number {
  if ((env.int64.is(a) || typeof a === "number") && (env.int64.is(b) || typeof b === "number")) {
    const x = env.int64.toBigInt(a);
    const y = env.int64.toBigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

function valueEquals(env: CollectionEnv, a: unknown, b: unknown): boolean {
  if (env.int64.is(a) || env.int64.is(b)) {
    try { return env.int64.toBigInt(a) === env.int64.toBigInt(b); } catch { return false; }
  }
  return a === b;
}

/** Makes a model collection over `source` (an array, or a function producing the elements on demand). */
export function modelCollection<T>(env: CollectionEnv, source: readonly T[] | (() => Iterable<T>), options: CollectionOptions<T> = {}): ModelCollection<T> {
  let cached: T[] | undefined;
  const items = (): T[] => {
    if (!cached) cached = Array.isArray(source) ? (source as T[]) : Array.from((source as () => Iterable<T>)());
    return cached;
  };
  const keyOf = options.keyOf ?? ((_item: T, i: number) => i);
  const derive = <U>(next: readonly U[], keep?: (u: U, i: number) => CollectionKey) =>
    modelCollection<U>(env, next, keep ? { keyOf: keep } : {});
  const byKey = (key: unknown): T | undefined => {
    const wanted = normalizeKey(env, key);
    const list = items();
    for (let i = 0; i < list.length; i++) {
      if (normalizeKey(env, keyOf(list[i]!, i)) === wanted) return list[i];
    }
    return options.lookup ? options.lookup(list, key) : undefined;
  };
  const fn = (f: unknown, what: string): ((...a: unknown[]) => unknown) => {
    if (typeof f !== "function") throw new TypeError(`${what}: expected a function`);
    return f as (...a: unknown[]) => unknown;
  };
  const cmpFn = (c: unknown) => (typeof c === "function" ? (c as (a: unknown, b: unknown) => number) : (a: unknown, b: unknown) => compareValues(env, a, b));
  const nonEmpty = (list: readonly T[], what: string) => {
    if (list.length === 0) throw new Error(`${what}: the collection is empty`);
    return list;
  };
  const other = (o: unknown): unknown[] => {
    if (o && typeof (o as Iterable<unknown>)[Symbol.iterator] === "function") return Array.from(o as Iterable<unknown>);
    throw new TypeError("expected an iterable");
  };

  const linq: Record<(typeof LINQ_NAMES)[number], (...args: unknown[]) => unknown> = {
    Aggregate: (seedOrFn, maybeFn) => {
      const list = items();
      if (typeof seedOrFn === "function") {
        const f = fn(seedOrFn, "Aggregate");
        const [first, ...rest] = nonEmpty(list, "Aggregate");
        return rest.reduce<unknown>((acc, x) => f(acc, x), first);
      }
      const f = fn(maybeFn, "Aggregate");
      return list.reduce<unknown>((acc, x) => f(acc, x), seedOrFn);
    },
    All: (p) => items().every((x) => !!fn(p, "All")(x)),
    AllNonError: (p) => items().every((x) => { try { return !!fn(p, "AllNonError")(x); } catch { return true; } }),
    Any: (p) => (p === undefined ? items().length > 0 : items().some((x) => !!fn(p, "Any")(x))),
    Average: (proj) => {
      const list = nonEmpty(items(), "Average").map((x) => Number(proj ? fn(proj, "Average")(x) : x));
      return list.reduce((a, b) => a + b, 0) / list.length;
    },
    Concat: (o) => derive([...items(), ...(other(o) as T[])]),
    Contains: (v) => items().some((x) => valueEquals(env, x, v)),
    Count: (p) => env.ordinal(p === undefined ? items().length : items().filter((x) => !!fn(p, "Count")(x)).length),
    Distinct: () => {
      const out: T[] = [];
      for (const x of items()) if (!out.some((y) => valueEquals(env, x, y))) out.push(x);
      return derive(out);
    },
    Except: (o) => { const ex = other(o); return derive(items().filter((x) => !ex.some((y) => valueEquals(env, x, y)))); },
    First: (p) => {
      const list = p === undefined ? items() : items().filter((x) => !!fn(p, "First")(x));
      return nonEmpty(list, "First")[0];
    },
    FirstNonError: () => nonEmpty(items(), "FirstNonError")[0],
    Flatten: (children) => {
      const out: unknown[] = [];
      const visit = (x: unknown) => {
        out.push(x);
        const kids = children ? fn(children, "Flatten")(x) : undefined;
        if (kids && typeof (kids as Iterable<unknown>)[Symbol.iterator] === "function") for (const k of kids as Iterable<unknown>) visit(k);
      };
      if (children) items().forEach(visit);
      else for (const x of items()) {
        const xi = x as unknown as Iterable<unknown> | null;
        if (xi && typeof xi[Symbol.iterator] === "function" && typeof x !== "string") out.push(...xi);
        else out.push(x);
      }
      return derive(out);
    },
    GroupBy: (keyFn) => {
      const f = fn(keyFn, "GroupBy");
      const groups: { key: unknown; members: T[] }[] = [];
      for (const x of items()) {
        const k = f(x);
        const g = groups.find((gr) => valueEquals(env, gr.key, k));
        if (g) g.members.push(x); else groups.push({ key: k, members: [x] });
      }
      return derive(groups.map((g) => modelCollection(env, g.members, { display: String(g.key) })),
        (_g, i) => { const k = groups[i]!.key; return (typeof k === "number" || typeof k === "string") ? k : String(k); });
    },
    Intersect: (o) => { const os = other(o); return derive(items().filter((x) => os.some((y) => valueEquals(env, x, y)))); },
    Join: (o, outerKey, innerKey, result) => {
      const inner = other(o);
      const ok = fn(outerKey, "Join"), ik = fn(innerKey, "Join"), rf = fn(result, "Join");
      const out: unknown[] = [];
      for (const x of items()) for (const y of inner) if (valueEquals(env, ok(x), ik(y))) out.push(rf(x, y));
      return derive(out);
    },
    Last: (p) => {
      const list = p === undefined ? items() : items().filter((x) => !!fn(p, "Last")(x));
      return nonEmpty(list, "Last")[list.length - 1];
    },
    LastNonError: () => { const list = nonEmpty(items(), "LastNonError"); return list[list.length - 1]; },
    Max: (proj) => nonEmpty(items(), "Max").map((x) => (proj ? fn(proj, "Max")(x) : x)).reduce((a, b) => (compareValues(env, a, b) >= 0 ? a : b)),
    Min: (proj) => nonEmpty(items(), "Min").map((x) => (proj ? fn(proj, "Min")(x) : x)).reduce((a, b) => (compareValues(env, a, b) <= 0 ? a : b)),
    OrderBy: (keyFn, cmp) => {
      const f = fn(keyFn, "OrderBy"), c = cmpFn(cmp);
      const list = items().map((x, i) => ({ x, i, k: f(x) }));
      list.sort((a, b) => c(a.k, b.k) || a.i - b.i);
      return derive(list.map((e) => e.x), (_x, j) => keyOf(list[j]!.x, list[j]!.i));
    },
    OrderByDescending: (keyFn, cmp) => {
      const f = fn(keyFn, "OrderByDescending"), c = cmpFn(cmp);
      const list = items().map((x, i) => ({ x, i, k: f(x) }));
      list.sort((a, b) => c(b.k, a.k) || a.i - b.i);
      return derive(list.map((e) => e.x), (_x, j) => keyOf(list[j]!.x, list[j]!.i));
    },
    Reverse: () => derive([...items()].reverse()),
    // Select keeps the source keys (a projected Processes list still shows [0x4], [0x1b4]).
    Select: (proj) => { const f = fn(proj, "Select"); const list = items(); return derive(list.map((x) => f(x)), (_y, i) => keyOf(list[i]!, i)); },
    SequenceEqual: (o) => { const os = other(o); const list = items(); return list.length === os.length && list.every((x, i) => valueEquals(env, x, os[i])); },
    Single: (p) => {
      const list = p === undefined ? items() : items().filter((x) => !!fn(p, "Single")(x));
      if (list.length !== 1) throw new Error(`Single: expected exactly one element, found ${list.length}`);
      return list[0];
    },
    Skip: (n) => derive(items().slice(Number(n))),
    SkipWhile: (p) => { const f = fn(p, "SkipWhile"); const list = items(); let i = 0; while (i < list.length && f(list[i])) i++; return derive(list.slice(i)); },
    Sum: (proj) => items().map((x) => (proj ? fn(proj, "Sum")(x) : x)).reduce<unknown>((a, b) => {
      if (env.int64.is(a) || env.int64.is(b)) return env.int64.make(env.int64.toBigInt(a) + env.int64.toBigInt(b));
      return Number(a) + Number(b);
    }, 0),
    Take: (n) => { const list = items(); return derive(list.slice(0, Number(n)), (_x, i) => keyOf(list[i]!, i)); },
    TakeWhile: (p) => { const f = fn(p, "TakeWhile"); const out: T[] = []; for (const x of items()) { if (!f(x)) break; out.push(x); } return derive(out); },
    Union: (o) => {
      const out: unknown[] = [];
      for (const x of [...items(), ...other(o)]) if (!out.some((y) => valueEquals(env, x, y))) out.push(x);
      return derive(out);
    },
    Where: (p) => {
      const f = fn(p, "Where");
      const list = items();
      const kept: number[] = [];
      list.forEach((x, i) => { if (f(x)) kept.push(i); });
      return derive(kept.map((i) => list[i]!), (_x, j) => keyOf(list[kept[j]!]!, kept[j]!));
    },
  };

  const base: Record<string | symbol, unknown> = {
    ...linq,
    getDimensionality: () => 1,
    getValueAt: (...indices: unknown[]) => {
      env.counters.propertyReads++;
      const hit = byKey(indices[0]);
      if (hit === undefined) throw new RangeError(`No element at index ${String(indices[0])}`);
      return hit;
    },
    toString: () => options.display ?? `{ Count = ${items().length} }`,
    toArray: () => [...items()],
    [COLLECTION_MARK]: true,
    [Symbol.iterator]: function* () { yield* items(); },
  };
  // Natural keys of the elements, for the dx renderer ([0x4], [0x1b4]).
  Object.defineProperty(base, "__keys", { enumerable: false, value: () => items().map((x, i) => keyOf(x, i)) });

  return new Proxy(base, {
    get(target, prop) {
      if (typeof prop === "string" && !(prop in target) && (/^\d+$/.test(prop) || /^0x[0-9a-f]+$/i.test(prop) || /^-\d+$/.test(prop))) {
        env.counters.propertyReads++;
        return byKey(prop);
      }
      if (typeof prop === "string" && (LINQ_NAMES as readonly string[]).includes(prop)) env.counters.other++;
      return target[prop];
    },
    set() { throw new Error("model collections are read-only"); },
  }) as unknown as ModelCollection<T>;
}

/** Natural keys of a collection made by `modelCollection`, in iteration order. */
export function collectionKeys(c: unknown): CollectionKey[] | undefined {
  const k = (c as { __keys?: () => CollectionKey[] } | null)?.__keys;
  return typeof k === "function" ? k() : undefined;
}

export function isModelCollection(value: unknown): value is ModelCollection<unknown> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[COLLECTION_MARK] === true;
}

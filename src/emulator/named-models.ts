/**
 * Named models and model objects: the emulator's version of the data model's extensibility
 * (reference §3, §6.10). A model object has built-in keys; scripts extend it by adding parent models
 * (`namedModelParent`) and sub-namespaces (`namespacePropertyParent`) to the model's name.
 */
import type { HostCounters } from "./options";

interface SubNamespace {
  readonly accessName: string;
  readonly subModelName: string;
}

/** Keys a model object shows, for the dx renderer. */
export const MODEL_KEYS = Symbol("ewmda.emulator.modelKeys");
/** Names of the models an object belongs to. */
export const MODEL_NAMES = Symbol("ewmda.emulator.modelNames");

export type Getter = () => unknown;

export class NamedModels {
  private readonly parents = new Map<string, object[]>();
  private readonly subNamespaces = new Map<string, SubNamespace[]>();
  private readonly registrations = new Map<string, object>();
  /** Sub-namespace objects, one per (owner object, access name), so `Debugger.Utility.Ewmda` is stable. */
  private readonly subObjects = new WeakMap<object, Map<string, object>>();

  constructor(private readonly counters: HostCounters) {}

  addParent(modelName: string, parent: object): () => void {
    const list = this.parents.get(modelName) ?? [];
    list.push(parent);
    this.parents.set(modelName, list);
    return () => {
      const l = this.parents.get(modelName);
      if (l) l.splice(l.indexOf(parent), 1);
    };
  }

  register(modelName: string, model: object): () => void {
    if (this.registrations.has(modelName)) throw new Error(`A model named '${modelName}' is already registered`);
    this.registrations.set(modelName, model);
    return () => { this.registrations.delete(modelName); };
  }

  registered(modelName: string): object | undefined {
    return this.registrations.get(modelName);
  }

  addSubNamespace(parentModelName: string, subModelName: string, accessName: string, parent: object): () => void {
    const subs = this.subNamespaces.get(parentModelName) ?? [];
    const existing = subs.find((s) => s.accessName === accessName);
    if (existing && existing.subModelName !== subModelName) {
      throw new Error(`'${accessName}' on ${parentModelName} is already the sub-namespace ${existing.subModelName}`);
    }
    const added = !existing;
    if (added) subs.push({ accessName, subModelName });
    this.subNamespaces.set(parentModelName, subs);
    const undoParent = this.addParent(subModelName, parent);
    return () => {
      undoParent();
      if (added) {
        const l = this.subNamespaces.get(parentModelName);
        if (l) l.splice(l.findIndex((s) => s.accessName === accessName), 1);
      }
    };
  }

  /**
   * Makes a model object: built-in keys from `own` (getters, counted as property reads), then
   * sub-namespaces and parent models registered for any of `modelNames`, most recent first.
   */
  object(modelNames: readonly string[], own: Record<string, Getter>, display?: () => string): object {
    const self = this;
    const target: Record<string | symbol, unknown> = Object.create(null);
    const proxy: object = new Proxy(target, {
      get(_t, prop, receiver) {
        if (prop === MODEL_KEYS) return () => self.keysOf(modelNames, own);
        if (prop === MODEL_NAMES) return modelNames;
        if (prop === "toString" && !Object.prototype.hasOwnProperty.call(own, "toString")) {
          // A parent model's own toString is the display string (IStringDisplayableConcept).
          const custom = self.lookup(modelNames, "toString", receiver);
          if (custom.found && typeof custom.value === "function") return (custom.value as () => string).bind(receiver);
          return () => (display ? display() : `[${modelNames[0] ?? "object"}]`);
        }
        if (typeof prop === "symbol") {
          // Parent models can carry symbol-keyed protocol members ([Symbol.metadataDescriptor]).
          for (const name of modelNames) {
            const parents = self.parents.get(name) ?? [];
            for (let i = parents.length - 1; i >= 0; i--) {
              const d = findDescriptor(parents[i]!, prop);
              if (d) return d.get ? d.get.call(receiver) : d.value;
            }
          }
          return undefined;
        }
        if (Object.prototype.hasOwnProperty.call(own, prop)) {
          self.counters.propertyReads++;
          return own[prop]!();
        }
        const found = self.lookup(modelNames, prop, receiver);
        if (found.found) self.counters.propertyReads++;
        return found.value;
      },
      has(_t, prop) {
        if (typeof prop !== "string") return false;
        return Object.prototype.hasOwnProperty.call(own, prop) || self.lookup(modelNames, prop, proxy, true).found;
      },
      set(_t, prop, value) {
        // Writable only through parent models' setters.
        if (typeof prop === "string") {
          for (const name of modelNames) {
            for (const p of [...(self.parents.get(name) ?? [])].reverse()) {
              const d = findDescriptor(p, prop);
              if (d?.set) { d.set.call(proxy, value); return true; }
            }
          }
        }
        throw new Error(`Cannot set '${String(prop)}' on a data model object`);
      },
    });
    return proxy;
  }

  private lookup(modelNames: readonly string[], prop: string, receiver: object, probeOnly = false): { found: boolean; value?: unknown } {
    for (const name of modelNames) {
      const sub = this.subNamespaces.get(name)?.find((s) => s.accessName === prop);
      if (sub) {
        if (probeOnly) return { found: true };
        let perOwner = this.subObjects.get(receiver);
        if (!perOwner) { perOwner = new Map(); this.subObjects.set(receiver, perOwner); }
        let obj = perOwner.get(prop);
        if (!obj) {
          obj = this.object([sub.subModelName], {}, () => "");
          perOwner.set(prop, obj);
        }
        return { found: true, value: obj };
      }
      const parents = this.parents.get(name) ?? [];
      for (let i = parents.length - 1; i >= 0; i--) {
        const p = parents[i]!;
        if (prop === "constructor" || prop.startsWith("__")) continue;
        const d = findDescriptor(p, prop);
        // Object.prototype's toString (of either realm) is not a custom display string.
        if (prop === "toString" && d && isBaseToString(d.value)) continue;
        if (!d) continue;
        if (probeOnly) return { found: true };
        if (d.get) return { found: true, value: d.get.call(receiver) };
        return { found: true, value: d.value };
      }
    }
    return { found: false };
  }

  private keysOf(modelNames: readonly string[], own: Record<string, Getter>): string[] {
    const keys = Object.keys(own).filter((k) => k !== "toString");
    for (const name of modelNames) {
      for (const s of this.subNamespaces.get(name) ?? []) if (!keys.includes(s.accessName)) keys.push(s.accessName);
      for (const p of this.parents.get(name) ?? []) {
        for (const k of allKeys(p)) if (!keys.includes(k)) keys.push(k);
      }
    }
    return keys;
  }
}

/** Own and inherited string keys of a JS object, without Object.prototype's, `constructor` or `__` names. */
export function allKeys(obj: object): string[] {
  const out: string[] = [];
  for (let o: object | null = obj; o && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
    // Objects from another realm (the script's vm context) have their own Object.prototype.
    if (Object.getPrototypeOf(o) === null && Object.prototype.hasOwnProperty.call(o, "hasOwnProperty")) break;
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k === "constructor" || k === "toString" || k.startsWith("__") || out.includes(k)) continue;
      out.push(k);
    }
  }
  return out;
}

function isBaseToString(f: unknown): boolean {
  return typeof f === "function" && /\[native code\]/.test(Function.prototype.toString.call(f)) && (f as { name?: string }).name === "toString";
}

function findDescriptor(obj: object, prop: string | symbol): PropertyDescriptor | undefined {
  for (let o: object | null = obj; o; o = Object.getPrototypeOf(o)) {
    if (Object.getPrototypeOf(o) === null && Object.prototype.hasOwnProperty.call(o, "hasOwnProperty")) return undefined;
    const d = Object.getOwnPropertyDescriptor(o, prop);
    if (d) return d;
  }
  return undefined;
}

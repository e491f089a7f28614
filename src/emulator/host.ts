/**
 * The `host` object a script sees (reference §3-§4), in two phases: while root code and
 * `initializeScript` run, only the phase-1 members exist; the rest appear after `initializeScript`
 * returns (§2.1). Registration records are opaque objects the debugger applies afterwards.
 */
import type { EmulatedDebugger, ScriptState } from "./debugger";
import { nativeInfo, locationAddress, pointerObject, typedValue, readFailure } from "./native";
import type { ProcessContext } from "./model";
import type { EmuType, TypeTable } from "./types";
import { intrinsicTable } from "./types";

export type RecordKind =
  | "ApiVersionSupport" | "NamedModelParent" | "NamedModelRegistration" | "TypeSignatureRegistration"
  | "TypeSignatureExtension" | "FunctionAlias" | "NamespacePropertyParent" | "OptionalRecord"
  | "ResourceFile" | "AllowOutsidePropertyWrites";

export interface RecordInfo {
  readonly kind: RecordKind;
  readonly args: readonly unknown[];
}

const recordInfos = new WeakMap<object, RecordInfo>();
export function recordInfo(value: unknown): RecordInfo | undefined {
  return typeof value === "object" && value !== null ? recordInfos.get(value) : undefined;
}

/** `new host.indexedValue(value, indices)` instances. */
export class IndexedValue {
  constructor(readonly value: unknown, readonly indices: readonly unknown[]) {}
}
/** `new host.metadata.valueWithMetadata(value, metadata)` instances. */
export class ValueWithMetadata {
  constructor(readonly value: unknown, readonly metadata: Record<string, unknown>) {}
}

function recordConstructor(kind: RecordKind, arity: number): unknown {
  const ctor = function (this: unknown, ...args: unknown[]) {
    if (!new.target) throw new TypeError(`host.${kind[0]!.toLowerCase()}${kind.slice(1)} must be called with new`);
    if (args.length < arity) throw new TypeError(`${kind}: expected at least ${arity} arguments`);
    recordInfos.set(this as object, { kind, args });
  };
  Object.defineProperty(ctor, "name", { value: kind });
  return ctor;
}

export interface ScriptHost {
  readonly host: Record<string, unknown>;
  enterPhase2(): void;
}

export function createScriptHost(dbg: EmulatedDebugger, script: ScriptState): ScriptHost {
  const counters = dbg.counters;
  const i64 = dbg.int64;
  const model = dbg.model;

  // Errors the host throws are the script realm's errors, as the provider's are the engine's own.
  const inRealm = (e: unknown): unknown => {
    const realm = script.realm;
    if (!realm || !(e instanceof Error)) return e;
    const Ctor = e instanceof TypeError ? realm.TypeError : e instanceof RangeError ? realm.RangeError : realm.Error;
    return new Ctor(e.message);
  };
  const guard = <F extends (...args: never[]) => unknown>(f: F): F => {
    const wrapped = function (this: unknown, ...args: unknown[]) {
      try { return (f as unknown as (...a: unknown[]) => unknown).apply(this, args); } catch (e) { throw inRealm(e); }
    };
    return wrapped as unknown as F;
  };
  const realmArray = <T>(items: T[]): T[] => (script.realm ? script.realm.Array.from(items) as T[] : items);

  const debugLog = (...args: unknown[]) => {
    counters.other++;
    dbg.writeOutput(args.map((a) => String(a)).join(""));
  };

  const phaseOne: Record<string, unknown> = {
    currentApiVersionSupported: { major: 1, minor: 9 },
    currentApiVersionInitialized: { major: 1, minor: 0 },
    diagnostics: { debugLog, logUnhandledExceptions: false },
    metadata: {
      defineMetadata: (target: object, descriptor: Record<string, unknown>) => { counters.other++; dbg.defineMetadata(target, descriptor); },
      valueWithMetadata: ValueWithMetadata,
    },
    typeSignatureRegistration: recordConstructor("TypeSignatureRegistration", 2),
    typeSignatureExtension: recordConstructor("TypeSignatureExtension", 2),
    namedModelRegistration: recordConstructor("NamedModelRegistration", 2),
    namedModelParent: recordConstructor("NamedModelParent", 2),
    functionAlias: recordConstructor("FunctionAlias", 2),
    namespacePropertyParent: recordConstructor("NamespacePropertyParent", 4),
    optionalRecord: recordConstructor("OptionalRecord", 1),
    apiVersionSupport: recordConstructor("ApiVersionSupport", 2),
    resourceFileName: recordConstructor("ResourceFile", 1),
    allowOutsidePropertyWrites: recordConstructor("AllowOutsidePropertyWrites", 0),
    Int64: i64.ctor,
    parseInt64: guard((s: string, radix?: number) => { counters.other++; return i64.parse(s, radix); }),
  };

  // ---- phase 2 ----

  const contextOf = (ctx: unknown): ProcessContext => {
    const info = nativeInfo(ctx);
    const viaHost = model.contextOfHostContext(info ? info.ctx.hostContext : ctx);
    if (viaHost) return viaHost;
    const viaModel = dbg.processContextOfModelObject(ctx);
    return viaModel ?? model.processContext(model.currentProcessSpec());
  };

  const toAddress = (location: unknown): bigint => {
    if (i64.is(location)) return location.bits;
    if (typeof location === "number") {
      if (!Number.isInteger(location) || location < 0) throw new TypeError(`invalid address ${location}`);
      return BigInt(location);
    }
    const loc = locationAddress(location);
    if (loc !== undefined) return loc;
    const info = nativeInfo(location);
    if (info) {
      if (info.kind === "pointer") return info.value!;
      if (info.location !== undefined) return info.location;
    }
    throw new TypeError("expected an address (number, Int64, location or native object)");
  };

  const moduleOf = (c: ProcessContext, m: unknown) => {
    if (typeof m === "string") return c.modules.byName(m);
    const spec = dbg.moduleSpecOfModelObject(m);
    return spec;
  };

  const typeOf = (c: ProcessContext, moduleArg: unknown, typeName: string): { type: EmuType; table: TypeTable } | undefined => {
    const m = moduleOf(c, moduleArg);
    const table = m ? c.modules.types(m) : undefined;
    let type = table?.resolve(typeName);
    if (table && type) return { type, table };
    // Intrinsic and pointer-to-intrinsic types exist without module types (e.g. "void*", "ULONG").
    const basic = intrinsicTable(dbg.target.pointerSize);
    type = m ? basic.resolve(typeName) : undefined;
    return type ? { type, table: basic } : undefined;
  };

  const notFound = (what: string) => {
    // API 1.1+: getModuleSymbol/getModuleType return null instead of throwing (reference §3.1).
    if (script.apiVersion >= 1.1) return null;
    throw new Error(what);
  };

  const readStringImpl = (wide: boolean, location: unknown, a?: unknown, b?: unknown): string => {
    counters.memoryReads++;
    const length = typeof a === "number" ? a : undefined;
    const ctxArg = typeof a === "number" ? b : a;
    const info = nativeInfo(location);
    if (info && info.kind === "pointer" && info.type.kind === "pointer") {
      const target = info.type.target;
      // The provider validates that the pointee is a character type, not just its size (reference §4.4).
      const ok = target.kind === "intrinsic" && target.char === (wide ? "wide" : "narrow");
      if (!ok) throw new TypeError(`${wide ? "readWideString" : "readString"}: the object's type ${info.type.name} is not a ${wide ? "wide " : ""}character pointer`);
    }
    const address = toAddress(location);
    const c = contextOf(ctxArg ?? location);
    const unit = wide ? 2 : 1;
    const codes: number[] = [];
    const limit = length ?? 0x100000;
    let cursor = address;
    while (codes.length < limit) {
      const n = Math.min(256, limit - codes.length);
      let bytes = c.space.read(cursor, n * unit);
      if (!bytes) {
        // Read as far as memory goes (string ends at a page boundary); fail if nothing at all is readable.
        let k = n;
        while (k > 0 && !bytes) { k = k >> 1; bytes = k > 0 ? c.space.read(cursor, k * unit) : undefined; }
        if (!bytes) {
          if (codes.length === 0) throw readFailure(cursor, unit);
          break;
        }
      }
      let ended = false;
      for (let i = 0; i + unit <= bytes.length; i += unit) {
        const code = wide ? bytes[i]! | (bytes[i + 1]! << 8) : bytes[i]!;
        if (code === 0 && length === undefined) { ended = true; break; }
        codes.push(code);
        if (codes.length >= limit) break;
      }
      if (ended) break;
      cursor += BigInt(bytes.length);
      // A short read is not the end: the next round reads on until memory really stops.
    }
    let out = "";
    for (let i = 0; i < codes.length; i += 4096) out += String.fromCharCode(...codes.slice(i, i + 4096));
    return out;
  };

  const symbolInformation = (location: unknown, ctx?: unknown) => {
    counters.symbolLookups++;
    const address = toAddress(location);
    const c = contextOf(ctx ?? location);
    const hit = c.modules.symbolAt(address);
    if (!hit) {
      if (dbg.variant.noSymbolInformation === "null") return null;
      throw new Error(`No symbol information for address 0x${address.toString(16)}`);
    }
    const info = {
      name: hit.symbol.name,
      address: i64.make(hit.address),
      type: null,
      value: undefined,
      toString: () => hit.qualifiedName,
    };
    return Object.freeze(info);
  };

  const phaseTwo: Record<string, () => unknown> = {
    namespace: () => ({ Debugger: model.root() }),
    currentSession: () => model.session(),
    currentProcess: () => model.process(model.currentProcessSpec()),
    currentThread: () => {
      const p = model.currentProcessSpec();
      const t = model.currentThreadSpec();
      return t ? model.thread(p, t) : undefined;
    },
    evaluateExpression: () => (expr: string, ctx?: unknown) => { counters.other++; return dbg.evaluateTargetExpression(expr, contextOf(ctx)); },
    evaluateExpressionInContext: () => (ctx: unknown, expr: string) => { counters.other++; return dbg.evaluateTargetExpression(expr, contextOf(ctx)); },
    getModuleSymbol: () => (moduleArg: unknown, symbolName: string, a?: unknown, b?: unknown) => {
      counters.symbolLookups++;
      const typeName = typeof a === "string" ? a : undefined;
      const c = contextOf(typeof a === "string" ? b : a);
      const m = moduleOf(c, moduleArg);
      const sym = m ? c.modules.symbolByName(m, symbolName) : undefined;
      if (!m || !sym) return notFound(`Could not find symbol ${String(moduleArg)}!${symbolName}`);
      const t = typeOf(c, m.name, typeName ?? sym.type ?? "");
      if (!t) {
        if (typeName) return notFound(`Could not find type ${typeName} for ${symbolName}`);
        throw new Error(`No type information for ${symbolName}; public symbols need an explicit type name`);
      }
      counters.objectCreations++;
      return typedValue(dbg.nativeEnv, model.nativeContext(c, t.table), t.type, m.base + BigInt(sym.rva));
    },
    getModuleSymbolAddress: () => (moduleArg: unknown, symbolName: string, a?: unknown, b?: unknown) => {
      counters.symbolLookups++;
      const c = contextOf(typeof a === "string" ? b : a);
      const m = moduleOf(c, moduleArg);
      const sym = m ? c.modules.symbolByName(m, symbolName) : undefined;
      // Unconfirmed whether this throws or returns null when missing; throwing is the stricter reading.
      if (!m || !sym) throw new Error(`Could not find symbol ${String(moduleArg)}!${symbolName}`);
      return i64.make(m.base + BigInt(sym.rva));
    },
    setModuleSymbol: () => () => { throw new Error("setModuleSymbol is not supported by the emulator"); },
    getModuleContainingSymbol: () => (location: unknown, ctx?: unknown) => {
      counters.symbolLookups++;
      const c = contextOf(ctx ?? location);
      const hit = c.modules.symbolAt(toAddress(location));
      const table = hit ? c.modules.types(hit.module) : undefined;
      const type = hit?.symbol.type ? table?.resolve(hit.symbol.type) : undefined;
      // Only works with private symbols (reference §4.2).
      if (!hit || !table || !type) throw new Error("getModuleContainingSymbol needs private symbols for this address");
      return typedValue(dbg.nativeEnv, model.nativeContext(c, table), type, hit.address);
    },
    getModuleContainingSymbolInformation: () => symbolInformation,
    getModuleType: () => (moduleArg: unknown, typeName: string, ctx?: unknown) => {
      counters.typeLookups++;
      const c = contextOf(ctx);
      const t = typeOf(c, moduleArg, typeName);
      if (!t) return notFound(`Could not find type ${typeName} in ${String(moduleArg)}`);
      return dbg.typeObject(t.type, t.table);
    },
    createInstance: () => () => { throw new Error("host.createInstance is undocumented and not emulated"); },
    createPointerObject: () => (location: unknown, moduleOrType: unknown, a?: unknown, b?: unknown) => {
      counters.objectCreations++;
      const address = toAddress(location);
      const fromType = dbg.emuTypeOfTypeObject(moduleOrType);
      const c = contextOf(fromType ? a : b);
      let resolved = fromType ? { type: fromType.type, table: fromType.table } : typeOf(c, moduleOrType, String(a));
      if (!resolved) throw new Error(`Could not find type ${String(a)} in ${String(moduleOrType)}`);
      if (resolved.type.kind !== "pointer") {
        const ptr = resolved.table.resolve(resolved.type.name + "*");
        if (!ptr) throw new Error(`Cannot make a pointer to ${resolved.type.name}`);
        resolved = { type: ptr, table: resolved.table };
      }
      return pointerObject(dbg.nativeEnv, model.nativeContext(c, resolved.table), resolved.type as Extract<EmuType, { kind: "pointer" }>, address);
    },
    createTypedObject: () => (location: unknown, moduleOrType: unknown, a?: unknown, b?: unknown) => {
      counters.objectCreations++;
      const address = toAddress(location);
      const fromType = dbg.emuTypeOfTypeObject(moduleOrType);
      const c = contextOf(fromType ? a : b ?? location);
      const resolved = fromType ?? typeOf(c, moduleOrType, String(a));
      if (!resolved) throw new Error(`Could not find type ${String(a)} in ${String(moduleOrType)}`);
      return typedValue(dbg.nativeEnv, model.nativeContext(c, resolved.table), resolved.type, address);
    },
    indexedValue: () => IndexedValue,
    getNamedModel: () => (name: string) => { counters.other++; return dbg.models.registered(name) ?? Object.freeze({ toString: () => `[stub model ${name}]` }); },
    registerNamedModel: () => (obj: object, name: string) => { counters.other++; script.imperativeUndo.push(dbg.models.register(name, obj)); },
    unregisterNamedModel: () => () => { counters.other++; },
    registerPrototypeForTypeSignature: () => () => { counters.other++; },
    registerExtensionForTypeSignature: () => () => { counters.other++; },
    unregisterPrototypeForTypeSignature: () => () => { counters.other++; },
    unregisterExtensionForTypeSignature: () => () => { counters.other++; },
    resourceLookup: () => () => { throw new Error("host.resourceLookup is undocumented and not emulated"); },
    memory: () => memory,
    typeSystem: () => typeSystem,
  };

  const memory = {
    readMemoryValues(location: unknown, numElements: number, elementSize: number = 1, isSigned: unknown = false, ctx?: unknown) {
      counters.memoryReads++;
      if (![1, 2, 4, 8].includes(elementSize)) throw new RangeError("readMemoryValues: element size must be 1, 2, 4 or 8");
      if (!Number.isInteger(numElements) || numElements < 0) throw new RangeError("readMemoryValues: invalid element count");
      const address = toAddress(location);
      const c = contextOf(ctx ?? location);
      const bytes = model.read(c, address, numElements * elementSize);
      const copy = new Uint8Array(bytes); // aligned, detached from the target's buffer
      const signed = !!isSigned;
      if (elementSize === 8) {
        const view = new DataView(copy.buffer);
        const out: unknown[] = new Array(numElements);
        for (let i = 0; i < numElements; i++) {
          out[i] = i64.make(view.getBigUint64(i * 8, true), signed);
        }
        return realmArray(out);
      }
      // Typed arrays of the script's realm over a private copy of the bytes.
      const r = script.realm ?? { Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array };
      let arr: ArrayLike<number>;
      if (elementSize === 1) arr = signed ? new r.Int8Array(copy.buffer) : new r.Uint8Array(copy.buffer);
      else if (elementSize === 2) arr = signed ? new r.Int16Array(copy.buffer) : new r.Uint16Array(copy.buffer);
      else arr = signed ? new r.Int32Array(copy.buffer) : new r.Uint32Array(copy.buffer);
      return dbg.variant.readMemoryPlainArrays ? realmArray(Array.from(arr)) : arr;
    },
    writeMemoryValues(location: unknown, numElements: number, elements: unknown, elementSize: number = 1, _isSigned?: unknown, ctx?: unknown) {
      counters.memoryReads++;
      const address = toAddress(location);
      const c = contextOf(ctx ?? location);
      const list = numElements === 1 && (typeof elements === "number" || i64.is(elements)) ? [elements] : Array.from(elements as ArrayLike<unknown>);
      const bytes = new Uint8Array(numElements * elementSize);
      for (let i = 0; i < numElements; i++) {
        const v = i64.toBigInt(list[i]);
        if (elementSize < 8 && v >= 1n << BigInt(elementSize * 8)) throw new RangeError("writeMemoryValues: value does not fit the element size");
        for (let k = 0; k < elementSize; k++) bytes[i * elementSize + k] = Number((v >> BigInt(8 * k)) & 0xffn);
      }
      if (!c.space.write || !c.space.write(address, bytes)) throw new Error(`Unable to write memory at Address 0x${address.toString(16)}`);
    },
    readString(location: unknown, a?: unknown, b?: unknown) { return readStringImpl(false, location, a, b); },
    readWideString(location: unknown, a?: unknown, b?: unknown) { return readStringImpl(true, location, a, b); },
    physicalAddress() { throw new Error("physical memory is not available on this target"); },
    collectGarbage() { counters.other++; },
  };

  const typeSystem = {
    marshalAs: (value: unknown) => value,
    arrayDimension: function (this: Record<string, unknown>, lowerBound: unknown, length: unknown, stride: unknown) {
      this.lowerBound = lowerBound; this.length = length; this.stride = stride;
    },
    pointerKind: Object.freeze({ standard: 0, reference: 1, rValueReference: 2, cxHat: 3 }),
  };

  for (const k of Object.keys(memory) as (keyof typeof memory)[]) {
    (memory as Record<string, unknown>)[k] = guard(memory[k] as (...a: never[]) => unknown);
  }

  const host: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(phaseOne)) host[k] = v;
  if (dbg.variant.phaseOneMembers === "throw") {
    for (const name of Object.keys(phaseTwo)) {
      Object.defineProperty(host, name, {
        configurable: true, enumerable: true,
        get() { throw new Error(`host.${name} is not available during script initialization`); },
      });
    }
  }

  return {
    host,
    enterPhase2() {
      for (const [name, make] of Object.entries(phaseTwo)) {
        const isValue = name === "currentSession" || name === "currentProcess" || name === "currentThread" || name === "namespace";
        if (isValue) {
          Object.defineProperty(host, name, { configurable: true, enumerable: true, get() { counters.propertyReads++; return make(); } });
        } else {
          const value = make();
          const guarded = typeof value === "function" && name !== "indexedValue" ? guard(value as (...a: never[]) => unknown) : value;
          Object.defineProperty(host, name, { configurable: true, enumerable: true, writable: false, value: guarded });
        }
      }
    },
  };
}

/**
 * Typed native objects as scripts see them (reference §5.2, §5.6): structures whose fields are
 * properties, pointers that dereference themselves on property access, arrays, location objects, and
 * the projected members every native object carries (`address`, `targetLocation`, `targetType`,
 * `targetSize`, `hostContext`, `getObjectValue`, `dereference`, `isNull`, `add`).
 *
 * Property resolution follows the documented order: projected members first, then native fields,
 * then (for pointers) the pointee's members. A field that does not exist is `undefined`; a field whose
 * memory is not in the target throws.
 */
import type { Int64Factory } from "./int64";
import type { AddressSpace } from "./memory";
import { readUnsigned, hex } from "./memory";
import type { HostCounters, ProviderVariant } from "./options";
import type { ArrayType, EmuType, PointerType, TypeTable, UdtType } from "./types";

export interface NativeEnv {
  readonly int64: Int64Factory;
  readonly counters: HostCounters;
  readonly variant: ProviderVariant;
  /** The script-visible type object for a native type. */
  typeObject(type: EmuType, table: TypeTable | undefined): object;
}

/** Where native objects live: an address space plus the opaque context object scripts pass around. */
export interface NativeContext {
  readonly space: AddressSpace;
  readonly hostContext: object;
  readonly table: TypeTable | undefined;
}

export interface NativeInfo {
  readonly kind: "udt" | "pointer" | "array";
  readonly type: EmuType;
  /** Where the object itself lives (undefined for pointer values not read from memory). */
  readonly location: bigint | undefined;
  /** For pointers: the address pointed to. */
  readonly value?: bigint;
  readonly ctx: NativeContext;
}

const infos = new WeakMap<object, NativeInfo>();
const locations = new WeakMap<object, bigint>();

/** Internal facts about a native object made by the emulator, or undefined for anything else. */
export function nativeInfo(value: unknown): NativeInfo | undefined {
  return typeof value === "object" && value !== null ? infos.get(value) : undefined;
}

/** The address behind a location object, or undefined. */
export function locationAddress(value: unknown): bigint | undefined {
  return typeof value === "object" && value !== null ? locations.get(value) : undefined;
}

export function readFailure(address: bigint, length: number): Error {
  // The provider's exact text is unconfirmed (reference §12.8); WinDbg prints this for failed reads.
  return new Error(`Unable to read memory at Address ${hex(address)} (${length} bytes)`);
}

export function readBytesOrThrow(space: AddressSpace, address: bigint, length: number): Uint8Array {
  const bytes = space.read(address, length);
  if (!bytes) throw readFailure(address, length);
  return bytes;
}

export function locationObject(env: NativeEnv, address: bigint): object {
  const loc = {
    add(bytes: unknown) { env.counters.other++; return locationObject(env, address + env.int64.toBigInt(bytes)); },
    subtract(bytes: unknown) { env.counters.other++; return locationObject(env, address - env.int64.toBigInt(bytes)); },
    toString() { return hex(address); },
  };
  locations.set(loc, address);
  return loc;
}

/** Reads an intrinsic at an address: numbers up to 4 bytes, Int64 for 8 bytes. */
function readIntrinsic(env: NativeEnv, ctx: NativeContext, type: EmuType, address: bigint): unknown {
  const size = type.size;
  const bytes = readBytesOrThrow(ctx.space, address, size);
  env.counters.memoryReads++;
  const raw = readUnsigned(bytes, 0, size);
  const signed = type.kind === "intrinsic" && type.signed;
  if (type.kind === "intrinsic" && type.float) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, size);
    return size === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
  }
  if (size === 8) return env.int64.make(raw, signed);
  if (signed) return Number(BigInt.asIntN(size * 8, raw));
  return Number(raw);
}

/** The value of a native type at an address, as it arrives in JavaScript. */
export function typedValue(env: NativeEnv, ctx: NativeContext, type: EmuType, address: bigint): unknown {
  switch (type.kind) {
    case "intrinsic":
      return readIntrinsic(env, ctx, type, address);
    case "pointer": {
      const bytes = readBytesOrThrow(ctx.space, address, type.size);
      env.counters.memoryReads++;
      return pointerObject(env, ctx, type, readUnsigned(bytes, 0, type.size), address);
    }
    case "array":
      return arrayObject(env, ctx, type, address);
    case "udt":
      return udtObject(env, ctx, type, address);
    case "void":
      return undefined;
  }
}

function readField(env: NativeEnv, ctx: NativeContext, base: bigint, udt: UdtType, name: string): unknown {
  const field = udt.field(name);
  if (!field) return undefined;
  const address = base + BigInt(field.offset);
  if (field.bits) {
    const bytes = readBytesOrThrow(ctx.space, address, field.type.size);
    env.counters.memoryReads++;
    const raw = readUnsigned(bytes, 0, field.type.size);
    const v = (raw >> BigInt(field.bits.lsb)) & ((1n << BigInt(field.bits.length)) - 1n);
    return field.bits.length > 32 ? env.int64.make(v) : Number(v);
  }
  return typedValue(env, ctx, field.type, address);
}

/** Members the provider projects onto every native object (reference §5.2). */
function projectedCommon(env: NativeEnv, obj: object, info: NativeInfo): Record<string, () => unknown> {
  // No prototype: `projected.toString` must not find Object.prototype's members.
  return Object.assign(Object.create(null) as Record<string, () => unknown>, {
    hostContext: () => info.ctx.hostContext,
    targetLocation: () => {
      if (info.location === undefined) throw new Error("Object has no location");
      return locationObject(env, info.location);
    },
    targetType: () => env.typeObject(info.type, info.ctx.table),
    targetSize: () => (env.variant.ordinalsAsInt64 ? env.int64.make(BigInt(info.type.size)) : info.type.size),
    runtimeTypedObject: () => obj,
  });
}

const COMMON_NAMES = ["hostContext", "targetLocation", "targetType", "targetSize", "runtimeTypedObject"];

function udtObject(env: NativeEnv, ctx: NativeContext, type: UdtType, address: bigint): object {
  const info: NativeInfo = { kind: "udt", type, location: address, ctx };
  const methods: Record<string, unknown> = {
    getObjectValue: (name: string) => { env.counters.propertyReads++; return readField(env, ctx, address, type, name); },
    setObjectValue: () => { throw new Error("setObjectValue is not supported by the emulator"); },
    addParentModel: () => { throw new Error("addParentModel is not supported by the emulator"); },
    removeParentModel: () => { throw new Error("removeParentModel is not supported by the emulator"); },
    toString: () => `[Type: ${type.name}]`,
    compareTo: (other: unknown) => compareLocations(address, other),
    equals: (other: unknown) => compareLocations(address, other) === 0,
  };
  const target: Record<string, unknown> = Object.create(null);
  const proxy: object = new Proxy(target, {
    get(_t, prop) {
      if (typeof prop === "symbol") return undefined;
      env.counters.propertyReads++;
      if (prop === "address") return env.int64.make(address);
      const common = projected[prop];
      if (common) return common();
      if (Object.prototype.hasOwnProperty.call(methods, prop)) return methods[prop];
      return readField(env, ctx, address, type, prop);
    },
    has(_t, prop) {
      return typeof prop === "string" && (prop === "address" || COMMON_NAMES.includes(prop) || prop in methods || !!type.field(prop));
    },
    ownKeys() { return type.fields.map((f) => f.name); },
    getOwnPropertyDescriptor(_t, prop) {
      if (typeof prop === "string" && type.field(prop)) {
        return { enumerable: true, configurable: true, get: () => (proxy as Record<string, unknown>)[prop] };
      }
      return undefined;
    },
    set() { throw new Error("Cannot write a native field through property assignment in the emulator"); },
  });
  const projected = projectedCommon(env, proxy, info);
  infos.set(proxy, info);
  return proxy;
}

function compareLocations(address: bigint, other: unknown): number {
  const o = nativeInfo(other)?.location ?? locationAddress(other);
  if (o === undefined) throw new Error("compareTo: the other value is not a native object");
  return address < o ? -1 : address > o ? 1 : 0;
}

export function pointerObject(env: NativeEnv, ctx: NativeContext, type: PointerType, value: bigint, location?: bigint): object {
  const info: NativeInfo = { kind: "pointer", type, location, value, ctx };
  const deref = () => {
    if (type.target.kind === "void") throw new Error("Cannot dereference a void pointer");
    return typedValue(env, ctx, type.target, value);
  };
  const methods: Record<string, unknown> = {
    dereference: () => { env.counters.other++; return deref(); },
    add: (n: unknown) => {
      env.counters.other++;
      const step = BigInt(Math.max(type.target.size, 1));
      return pointerObject(env, ctx, type, BigInt.asUintN(type.size * 8, value + env.int64.toBigInt(n) * step));
    },
    getObjectValue: (name: string) => {
      const target = deref();
      return nativeInfo(target) ? (target as { getObjectValue(n: string): unknown }).getObjectValue(name) : undefined;
    },
    toString: () => `${hex(value, type.size * 2)} [Type: ${type.name}]`,
    compareTo: (other: unknown) => {
      const o = nativeInfo(other)?.value ?? env.int64.toBigInt(other);
      return value < o ? -1 : value > o ? 1 : 0;
    },
    equals: (other: unknown) => (nativeInfo(other)?.value ?? env.int64.toBigInt(other)) === value,
  };
  const target: Record<string, unknown> = Object.create(null);
  const proxy: object = new Proxy(target, {
    get(_t, prop) {
      if (typeof prop === "symbol") return undefined;
      env.counters.propertyReads++;
      // For pointers, `.address` is the pointer's value (reference §5.2).
      if (prop === "address") return env.int64.make(value);
      if (prop === "isNull") return value === 0n;
      const common = projected[prop];
      if (common) return common();
      if (Object.prototype.hasOwnProperty.call(methods, prop)) return methods[prop];
      // Auto-dereference: the pointee's members.
      if (type.target.kind === "udt") {
        if (!type.target.field(prop)) return undefined;
        return readField(env, ctx, value, type.target, prop);
      }
      return undefined;
    },
    has(_t, prop) {
      return typeof prop === "string" && (prop === "address" || prop === "isNull" || COMMON_NAMES.includes(prop) || prop in methods ||
        (type.target.kind === "udt" && !!type.target.field(prop)));
    },
    set() { throw new Error("Cannot write through a native pointer in the emulator"); },
  });
  const projected = projectedCommon(env, proxy, info);
  infos.set(proxy, info);
  return proxy;
}

function arrayObject(env: NativeEnv, ctx: NativeContext, type: ArrayType, address: bigint): object {
  const info: NativeInfo = { kind: "array", type, location: address, ctx };
  const element = (i: number) => typedValue(env, ctx, type.element, address + BigInt(i * type.element.size));
  const methods: Record<string, unknown> = {
    getDimensionality: () => 1,
    getValueAt: (i: unknown) => {
      const n = Number(i);
      if (!Number.isInteger(n) || n < 0 || n >= type.count) throw new RangeError(`index ${String(i)} out of bounds`);
      return element(n);
    },
    toString: () => `[Type: ${type.name}]`,
  };
  const target: Record<string, unknown> = Object.create(null);
  const proxy: object = new Proxy(target, {
    get(_t, prop) {
      if (prop === Symbol.iterator) {
        return function* () { for (let i = 0; i < type.count; i++) yield element(i); };
      }
      if (typeof prop === "symbol") return undefined;
      env.counters.propertyReads++;
      if (prop === "address") return env.int64.make(address);
      if (/^\d+$/.test(prop)) {
        const n = Number(prop);
        return n < type.count ? element(n) : undefined;
      }
      const common = projected[prop];
      if (common) return common();
      if (Object.prototype.hasOwnProperty.call(methods, prop)) return methods[prop];
      return undefined;
    },
    set() { throw new Error("Cannot write a native array element in the emulator"); },
  });
  const projected = projectedCommon(env, proxy, info);
  infos.set(proxy, info);
  return proxy;
}

/** The display string dx would show for a value coming from the target (used by the dx renderer). */
export function isNativeObject(value: unknown): boolean {
  return nativeInfo(value) !== undefined;
}

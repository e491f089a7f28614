/**
 * `host.Int64` as the provider documents it (reference §4.6), exact to 64 bits through BigInt.
 *
 * - Interned by value: the provider returns the same immutable object for a live 64-bit value, so
 *   `a == b` compares values. We keep weak references so unused values can be collected.
 * - `valueOf`/`asNumber` throw "64 bit value loses precision on conversion to number" at the
 *   documented data point: 2^53-2 converts, 2^53-1 throws (one stricter than Number.isSafeInteger).
 * - Values are 64-bit patterns. A negative value (built from a negative number, or read signed)
 *   remembers that it is signed; everything else, including every non-negative value, is unsigned,
 *   so addresses compare unsigned with `compareTo` and equal values are one object.
 * - Callable with and without `new`; `(low, high)` builds from halves.
 */
import type { ProviderVariant } from "./options";

const MASK64 = (1n << 64n) - 1n;
const SIGN_BIT = 1n << 63n;
/** Documented: 9007199254740990 converts, 9007199254740991 throws. */
const MAX_EXACT = 9007199254740990n;
export const PRECISION_MESSAGE = "64 bit value loses precision on conversion to number";

export interface Int64Like {
  /** The unsigned 64-bit pattern. */
  readonly bits: bigint;
  readonly signed: boolean;
}

/** The emulated `host.Int64` constructor function plus its helpers. */
export interface Int64Factory {
  /** `host.Int64` as scripts see it. */
  readonly ctor: (...args: unknown[]) => unknown;
  /** Interned instance for a bit pattern. */
  make(value: bigint, signed?: boolean): Int64Instance;
  /** `host.parseInt64`. */
  parse(text: string, radix?: number): Int64Instance;
  /** True for instances made by this factory. */
  is(value: unknown): value is Int64Instance;
  /** A number or Int64 (of this factory) as a bigint; throws TypeError on anything else. */
  toBigInt(value: unknown): bigint;
}

export interface Int64Instance extends Int64Like {
  valueOf(): number;
  asNumber(): number;
  convertToNumber(): number;
  getLowPart(): number;
  getHighPart(): number;
  compareTo(other: unknown): number;
  toString(radix?: number): string;
}

function signedValue(bits: bigint, signed: boolean): bigint {
  return signed && (bits & SIGN_BIT) !== 0n ? bits - (1n << 64n) : bits;
}

export function createInt64Factory(variant: Pick<ProviderVariant, "int64HexPrefix" | "int64DefaultRadix">): Int64Factory {
  const interned = new Map<string, WeakRef<Int64Instance>>();
  const cleanup = new FinalizationRegistry<string>((key) => {
    const ref = interned.get(key);
    if (ref && ref.deref() === undefined) interned.delete(key);
  });

  // The constructor the script sees. Instances are created through Object.create so that both
  // `host.Int64(5)` and `new host.Int64(5)` return the interned object.
  const Int64 = function Int64(this: unknown, a?: unknown, b?: unknown): Int64Instance {
    if (arguments.length === 0) throw new TypeError("Int64: expected a value or (low, high)");
    if (arguments.length >= 2) {
      const low = halfToBigInt(a, "low");
      const high = halfToBigInt(b, "high");
      return make((high << 32n) | low, false);
    }
    if (is(a)) return a;
    if (typeof a !== "number" || !Number.isInteger(a)) {
      throw new TypeError("Int64: the value must be an integer number or an Int64");
    }
    if (a < -(2 ** 63) || a >= 2 ** 64) throw new RangeError("Int64: value does not fit in 64 bits");
    return make(BigInt(a) & MASK64, a < 0);
  } as unknown as { prototype: object } & ((...args: unknown[]) => Int64Instance);

  const proto: Record<string, unknown> = {};
  Object.defineProperty(Int64, "prototype", { value: proto, writable: false });
  Object.defineProperty(proto, "constructor", { value: Int64, enumerable: false, writable: true, configurable: true });

  function halfToBigInt(v: unknown, which: string): bigint {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`Int64: ${which} part must be an integer number`);
    return BigInt(v >>> 0);
  }

  function make(value: bigint, signed = false): Int64Instance {
    const bits = value & MASK64;
    // Interned by value (reference §4.6): a non-negative value is one object whether it was made signed or not.
    if ((bits & SIGN_BIT) === 0n) signed = false;
    const key = (signed ? "s" : "u") + bits.toString(16);
    const existing = interned.get(key)?.deref();
    if (existing) return existing;
    const inst = Object.create(proto) as Int64Instance & { bits: bigint; signed: boolean };
    Object.defineProperty(inst, "bits", { value: bits, enumerable: false });
    Object.defineProperty(inst, "signed", { value: signed, enumerable: false });
    Object.freeze(inst);
    interned.set(key, new WeakRef(inst));
    cleanup.register(inst, key);
    return inst;
  }

  function is(value: unknown): value is Int64Instance {
    return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === proto;
  }

  function toBigInt(value: unknown): bigint {
    if (is(value)) return value.bits;
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value) & MASK64;
    if (typeof value === "bigint") return value & MASK64;
    throw new TypeError(`expected a number or Int64, got ${describe(value)}`);
  }

  function isNegative(value: unknown): boolean {
    if (is(value)) return value.signed && (value.bits & SIGN_BIT) !== 0n;
    return typeof value === "number" && value < 0;
  }

  function exactNumber(self: Int64Instance): number {
    const v = signedValue(self.bits, self.signed);
    if (v > MAX_EXACT || v < -MAX_EXACT) throw new Error(PRECISION_MESSAGE);
    return Number(v);
  }

  const methods: Record<string, (this: Int64Instance, ...args: never[]) => unknown> = {
    valueOf(this: Int64Instance) { return exactNumber(this); },
    asNumber(this: Int64Instance) { return exactNumber(this); },
    convertToNumber(this: Int64Instance) { return Number(signedValue(this.bits, this.signed)); },
    getLowPart(this: Int64Instance) { return Number(this.bits & 0xffffffffn); },
    getHighPart(this: Int64Instance) { return Number(this.bits >> 32n); },
    add(this: Int64Instance, v: unknown) { return make(this.bits + toBigInt(v), this.signed); },
    subtract(this: Int64Instance, v: unknown) { return make(this.bits - toBigInt(v), this.signed); },
    multiply(this: Int64Instance, v: unknown) { return make(this.bits * toBigInt(v), this.signed); },
    divide(this: Int64Instance, v: unknown) {
      const d = toBigInt(v);
      if (d === 0n) throw new RangeError("Int64: division by zero");
      if (this.signed || isNegative(v)) {
        return make(signedValue(this.bits, this.signed) / signedValue(d, true), true);
      }
      return make(this.bits / d, false);
    },
    modulo(this: Int64Instance, v: unknown) {
      const d = toBigInt(v);
      if (d === 0n) throw new RangeError("Int64: division by zero");
      if (this.signed || isNegative(v)) {
        return make(signedValue(this.bits, this.signed) % signedValue(d, true), true);
      }
      return make(this.bits % d, false);
    },
    bitwiseAnd(this: Int64Instance, v: unknown) { return make(this.bits & toBigInt(v), this.signed); },
    bitwiseOr(this: Int64Instance, v: unknown) { return make(this.bits | toBigInt(v), this.signed); },
    bitwiseXor(this: Int64Instance, v: unknown) { return make(this.bits ^ toBigInt(v), this.signed); },
    bitwiseNot(this: Int64Instance) { return make(~this.bits, this.signed); },
    bitwiseShiftLeft(this: Int64Instance, n: unknown) { return make(this.bits << BigInt(shiftCount(n)), this.signed); },
    bitwiseShiftRight(this: Int64Instance, n: unknown) {
      const count = BigInt(shiftCount(n));
      return make(this.signed ? signedValue(this.bits, true) >> count : this.bits >> count, this.signed);
    },
    compareTo(this: Int64Instance, v: unknown) {
      // Addresses compare unsigned; a negative operand on either side makes it a signed comparison.
      let a: bigint = this.bits;
      let b: bigint = toBigInt(v);
      if (isNegative(this) || isNegative(v)) {
        a = signedValue(this.bits, this.signed);
        b = is(v) ? signedValue(v.bits, v.signed) : BigInt(v as number);
      }
      return a < b ? -1 : a > b ? 1 : 0;
    },
    toString(this: Int64Instance, radix?: unknown) {
      const r = radix === undefined ? variant.int64DefaultRadix : Number(radix);
      if (![2, 8, 10, 16].includes(r)) throw new RangeError("Int64.toString: radix must be 2, 8, 10 or 16");
      const v = signedValue(this.bits, this.signed);
      const digits = v < 0n ? "-" + (-v).toString(r) : v.toString(r);
      return r === 16 && variant.int64HexPrefix ? (v < 0n ? "-0x" + digits.slice(1) : "0x" + digits) : digits;
    },
  };
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(proto, name, { value: fn, enumerable: false, writable: true, configurable: true });
  }
  // Runtime enumeration shows `Min` and `Max` on host.Int64 (reference §4.6; meaning unconfirmed).
  Object.defineProperty(Int64, "Min", { value: make(SIGN_BIT, true), enumerable: true });
  Object.defineProperty(Int64, "Max", { value: make(SIGN_BIT - 1n, true), enumerable: true });

  function parse(text: string, radix?: number): Int64Instance {
    if (typeof text !== "string") throw new TypeError("parseInt64: expected a string");
    let s = text.trim().replace(/`/g, "");
    let negative = false;
    if (s.startsWith("-")) { negative = true; s = s.slice(1); }
    let r = radix;
    if (/^0x/i.test(s)) {
      if (r === undefined || r === 16) { r = 16; s = s.slice(2); }
    }
    if (r === undefined) r = 10;
    const alphabet = "0123456789abcdef".slice(0, r);
    if (!s || [...s.toLowerCase()].some((c) => !alphabet.includes(c))) {
      throw new Error(`parseInt64: "${text}" is not a base-${r} integer`);
    }
    let v = 0n;
    for (const c of s.toLowerCase()) v = v * BigInt(r) + BigInt(alphabet.indexOf(c));
    if (v > MASK64) throw new RangeError(`parseInt64: "${text}" does not fit in 64 bits`);
    return make(negative ? -v : v, negative);
  }

  return { ctor: Int64 as unknown as (...args: unknown[]) => unknown, make, parse, is, toBigInt };
}

function shiftCount(n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 63) {
    throw new RangeError("Int64: shift count must be an integer 0..63");
  }
  return n;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return Object.prototype.toString.call(v);
  return typeof v;
}

/**
 * Adds the Int64 math methods to a realm's `Number.prototype`, as the provider does for script numbers
 * (release notes 1.0.14.0). Only used when the variant asks for it.
 */
export function patchNumberPrototype(numberProto: object, factory: Int64Factory): void {
  const names = ["add", "subtract", "multiply", "divide", "modulo", "bitwiseAnd", "bitwiseOr", "bitwiseXor",
    "bitwiseShiftLeft", "bitwiseShiftRight", "compareTo", "getLowPart", "getHighPart", "asNumber", "convertToNumber"];
  const proto = Object.getPrototypeOf(factory.make(0n)) as Record<string, (...a: unknown[]) => unknown>;
  for (const name of names) {
    const method = proto[name]!;
    Object.defineProperty(numberProto, name, {
      value: function (this: number, ...args: unknown[]) {
        const self = factory.ctor(Number(this)) as Int64Instance;
        const result = method.apply(self, args);
        // Results that fit stay numbers, as script code expects `(8).compareTo(8) === 0` and `(3).add(4) == 7`.
        if (factory.is(result)) {
          try { return result.asNumber(); } catch { return result; }
        }
        return result;
      },
      enumerable: false, writable: true, configurable: true,
    });
  }
}

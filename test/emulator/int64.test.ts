/**
 * Fidelity of the emulated `host.Int64` / `host.parseInt64` against the reference
 * (shared/reference/dbgmodel-api.md §4.6, checklist §9.3, open questions §12.3).
 * Everything runs inside a classic script loaded into the emulator, i.e. exactly as a script sees it.
 */
import { describe, it, expect } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import { ALTERNATE_VARIANT, type ProviderVariant } from "../../src/emulator/options";
import { probe, thrown as throwsIn } from "./probe";
import { userTarget } from "../mocks/user-target";

const PRECISION = "64 bit value loses precision on conversion to number";


function newDbg(variant?: Partial<ProviderVariant>): EmulatedDebugger {
  return new EmulatedDebugger(userTarget().build().spec, variant ? { variant } : {});
}

const js = (dbg: EmulatedDebugger, body: string, ...args: unknown[]) => probe(dbg, body, args);

/** The message of what `body` throws inside the script, or "no throw". */
const thrown = (dbg: EmulatedDebugger, body: string) => throwsIn(dbg, body).replace(/^threw: /, "");

describe("host.Int64 identity (§4.6 Identity/equality, §9.3)", () => {
  it("§4.6 host.Int64(5) === host.Int64(5): instances are interned by value", () => {
    const dbg = newDbg();
    expect(js(dbg, "return host.Int64(5) === host.Int64(5);")).toBe(true);
    expect(js(dbg, "return host.Int64(5) === host.Int64(6);")).toBe(false);
    // The test side's factory hands out the same objects the script sees.
    expect(js(dbg, "return host.Int64(0x1000);")).toBe(dbg.int64.make(0x1000n));
  });

  it("§4.6 == on Int64 values above 2^53 is a value comparison (same object)", () => {
    const dbg = newDbg();
    // 0xfffff800`00000012 built three different ways.
    expect(js(dbg, `
      var a = host.parseInt64("0xfffff80000000012", 16);
      var b = host.Int64(0x12, 0xfffff800);
      var c = host.Int64(0x10, 0xfffff800).add(2);
      return [a == b, b == c, a === c, a == host.Int64(0x13, 0xfffff800)];`)).toEqual([true, true, true, false]);
  });

  it("§4.6 interning is by value: 5 reached from a negative value or read as signed is the same object as host.Int64(5)", () => {
    const dbg = newDbg();
    expect(js(dbg, "return host.Int64(-5).add(10) === host.Int64(5);")).toBe(true);
    expect(js(dbg, "return host.Int64(-5).add(10) == host.Int64(5);")).toBe(true);
    // A signed read of a non-negative value is still the value 5.
    const built = userTarget().build();
    const bytes = new Uint8Array(8);
    bytes[0] = 5;
    built.memory.map(0x5000_0000n, bytes);
    const d2 = new EmulatedDebugger(built.spec);
    expect(js(d2, "return host.memory.readMemoryValues(a, 1, 8, true)[0] === host.Int64(5);", 0x5000_0000)).toBe(true);
    // Different values stay different objects: -1 and 0xffffffff`ffffffff are distinct values.
    expect(js(dbg, "return host.Int64(-1) === host.Int64(0xffffffff, 0xffffffff);")).toBe(false);
  });
});

describe("host.Int64 precision rule (§4.6 Precision rule, §9.3)", () => {
  it("§4.6 valueOf converts 9007199254740990 (2^53-2)", () => {
    const dbg = newDbg();
    expect(js(dbg, `
      var v = host.parseInt64("9007199254740990");
      return [v.valueOf(), v.asNumber(), v + 0, v < 9007199254740991, v > 1];`)).toEqual([9007199254740990, 9007199254740990, 9007199254740990, true, true]);
  });

  it("§4.6 valueOf throws past 2^53-2: 9007199254740991 (2^53-1) loses precision", () => {
    const dbg = newDbg();
    const v = 'host.parseInt64("9007199254740991")';
    expect(thrown(dbg, `${v}.valueOf()`)).toBe(PRECISION);
    expect(thrown(dbg, `${v}.asNumber()`)).toBe(PRECISION);
  });

  it("§4.6 implicit conversions (+, <, ==, string +) go through valueOf and throw past 2^53-2", () => {
    const dbg = newDbg();
    const v = 'host.parseInt64("9007199254740991")';
    expect(thrown(dbg, `${v} + 1`)).toBe(PRECISION);
    expect(thrown(dbg, `${v} + ${v}`)).toBe(PRECISION);
    expect(thrown(dbg, `${v} < 5`)).toBe(PRECISION);
    expect(thrown(dbg, `${v} == 42`)).toBe(PRECISION);
    expect(thrown(dbg, `"x" + ${v}`)).toBe(PRECISION);
    // A template literal calls toString, not valueOf (INFERRED in §4.6 from standard JS semantics).
    expect(js(dbg, `return \`\${${v}}\`;`)).toBe("9007199254740991");
  });

  it("§4.6 large addresses throw through valueOf, small values convert", () => {
    const dbg = newDbg();
    expect(thrown(dbg, "host.Int64(0, 0xfffff800).valueOf()")).toBe(PRECISION);
    expect(js(dbg, "return host.Int64(0x1234) + 1;")).toBe(0x1235);
    expect(js(dbg, "return host.Int64(0x1234) == 0x1234;")).toBe(true);
  });

  it("§4.6 convertToNumber never throws (it may lose precision)", () => {
    const dbg = newDbg();
    expect(js(dbg, 'return host.parseInt64("9007199254740991").convertToNumber();')).toBe(9007199254740991);
    expect(js(dbg, "return host.Int64(0xffffffff, 0xffffffff).convertToNumber();")).toBe(18446744073709551615);
    expect(js(dbg, "return host.Int64(0, 0xfffff800).convertToNumber();")).toBe(0xfffff800 * 2 ** 32);
  });
});

describe("host.Int64 construction (§4.6 constructor)", () => {
  it("§4.6 (low, high) constructor and getLowPart/getHighPart return 32-bit halves as numbers", () => {
    const dbg = newDbg();
    expect(js(dbg, `
      var v = host.Int64(0x89abcdef, 0x01234567);
      return [v.toString(16), v.getLowPart(), v.getHighPart(), typeof v.getLowPart()];`))
      .toEqual(["123456789abcdef", 0x89abcdef, 0x01234567, "number"]);
    expect(js(dbg, "var v = host.Int64(0x1234); return [v.getLowPart(), v.getHighPart()];")).toEqual([0x1234, 0]);
    expect(js(dbg, 'var v = host.parseInt64("0xfffff80012345678", 16); return [v.getLowPart(), v.getHighPart()];'))
      .toEqual([0x12345678, 0xfffff800]);
  });

  it("§4.6 host.Int64 is callable with and without new, and both give the interned instance", () => {
    const dbg = newDbg();
    expect(js(dbg, `
      var a = new host.Int64(1337), b = host.Int64(1337), c = new host.Int64(0x39, 0x5);
      return [a === b, a instanceof host.Int64, b instanceof host.Int64, c === host.Int64(0x39, 0x5), c.toString(16), typeof b.add];`))
      .toEqual([true, true, true, true, "500000039", "function"]);
  });

  it("§4.6 the value must pack into 64 bits without conversion: non-integers are rejected", () => {
    const dbg = newDbg();
    expect(thrown(dbg, "host.Int64(1.5)")).not.toBe("no throw");
    expect(thrown(dbg, "host.Int64(2 ** 64)")).not.toBe("no throw");
    expect(thrown(dbg, "host.Int64(-1)")).toBe("no throw");
  });
});

describe("host.Int64 methods (§4.6 method table)", () => {
  it("§4.6 add/subtract/multiply wrap at 64 bits", () => {
    const dbg = newDbg();
    expect(js(dbg, `
      var max = host.Int64(0xffffffff, 0xffffffff);
      var z = max.add(1);
      var m = host.Int64(0).subtract(1);
      var w = host.Int64(0, 0x10000).multiply(0x10000);
      var big = host.Int64(0, 0x1).multiply(host.Int64(3));
      return [z.getHighPart(), z.getLowPart(), m.getHighPart(), m.getLowPart(), w.getHighPart(), w.getLowPart(), big.toString(16)];`))
      .toEqual([0, 0, 0xffffffff, 0xffffffff, 0, 0, "300000000"]);
  });

  it("§4.6 divide and modulo", () => {
    const dbg = newDbg();
    expect(js(dbg, "return [host.Int64(100).divide(7).asNumber(), host.Int64(100).modulo(7).asNumber(), host.Int64(0, 1).divide(host.Int64(0x10)).toString(16)];"))
      .toEqual([14, 2, "10000000"]);
  });

  it("§4.6 bitwise methods work on all 64 bits and wrap", () => {
    const dbg = newDbg();
    expect(js(dbg, `
      var a = host.parseInt64("0xff00ff00ff00ff00", 16);
      return [
        a.bitwiseAnd(host.parseInt64("0x0ff00000000000ff", 16)).toString(16),
        a.bitwiseOr(0xff).toString(16),
        a.bitwiseXor(host.Int64(0xffffffff, 0xffffffff)).toString(16),
        a.bitwiseNot().toString(16),
        host.Int64(0, 0x80000000).bitwiseShiftLeft(1).toString(16),
        host.Int64(1).bitwiseShiftLeft(40).toString(16),
        host.Int64(0, 0x100).bitwiseShiftRight(36).toString(16),
      ];`)).toEqual(["f00000000000000", "ff00ff00ff00ffff", "ff00ff00ff00ff", "ff00ff00ff00ff", "0", "10000000000", "10"]);
  });

  it("§4.6 JS bitwise operators go through valueOf and are limited to 32 bits", () => {
    const dbg = newDbg();
    expect(js(dbg, "return host.Int64(0x1, 0x1) & 0xffffffff;")).toBe(1);
    expect(js(dbg, "return host.Int64(0x80000000) | 0;")).toBe(-2147483648);
  });

  it("§4.6 compareTo returns -1/0/1 and compares addresses unsigned (0xfffff800`00000000 > 0x7fff`ffffffff)", () => {
    const dbg = newDbg();
    expect(js(dbg, `
      var kernel = host.parseInt64("0xfffff80000000000", 16);
      var user = host.parseInt64("0x7fffffffffff", 16);
      var probe = host.parseInt64("0x7fffffff0000", 16);
      return [kernel.compareTo(user), user.compareTo(kernel), kernel.compareTo(host.Int64(0, 0xfffff800)),
              kernel.compareTo(probe), host.Int64(5).compareTo(7), host.Int64(7).compareTo(5), host.Int64(5).compareTo(5)];`))
      .toEqual([1, -1, 0, 1, -1, 1, 0]);
  });

  it("§4.6 toString(16) prints bare hex digits by default", () => {
    const dbg = newDbg();
    expect(js(dbg, 'return [host.Int64(0x1000).toString(16), host.parseInt64("0xfffff80000000000", 16).toString(16), host.Int64(255).toString(10), host.Int64(5).toString(2)];'))
      .toEqual(["1000", "fffff80000000000", "255", "101"]);
    // The default radix (unconfirmed, §12.3) is 10 in the default variant.
    expect(js(dbg, "return host.Int64(0x1000).toString();")).toBe("4096");
  });

  it("§4.6/§12.3 toString(16) prints a 0x prefix under the alternate variant (and default radix 16)", () => {
    const dbg = newDbg(ALTERNATE_VARIANT);
    expect(js(dbg, 'return [host.Int64(0x1000).toString(16), host.parseInt64("0xfffff80000000000", 16).toString(16), host.Int64(255).toString(10)];'))
      .toEqual(["0x1000", "0xfffff80000000000", "255"]);
    expect(js(dbg, "return host.Int64(0x1000).toString();")).toMatch(/^(0x)?1000$/);
  });
});

describe("host.parseInt64 and the constructor's statics (§4.6)", () => {
  it("§4.6 parseInt64 parses decimal by default and honours the radix", () => {
    const dbg = newDbg();
    expect(js(dbg, `return [
      host.parseInt64("1234").asNumber(),
      host.parseInt64("ff", 16).asNumber(),
      host.parseInt64("777", 8).asNumber(),
      host.parseInt64("1010", 2).asNumber(),
      host.parseInt64("18446744073709551615").toString(16)];`)).toEqual([1234, 255, 511, 10, "ffffffffffffffff"]);
  });

  it("§4.6 parseInt64 accepts a 0x prefix with radix 16 (parseInt64('0xdeadbeefbaadc0de', 16))", () => {
    const dbg = newDbg();
    expect(js(dbg, `
      var v = host.parseInt64("0xdeadbeefbaadc0de", 16);
      return [v.getHighPart(), v.getLowPart(), v === host.Int64(0xbaadc0de, 0xdeadbeef), host.parseInt64("0x10", 16).asNumber()];`))
      .toEqual([0xdeadbeef, 0xbaadc0de, true, 16]);
  });

  it("§4.6 parseInt64 rejects text that is not a number in the radix", () => {
    const dbg = newDbg();
    expect(thrown(dbg, 'host.parseInt64("zz", 16)')).not.toBe("no throw");
    expect(thrown(dbg, 'host.parseInt64("12", 2)')).not.toBe("no throw");
  });

  it("§4.6 host.Int64 enumerates Min and Max", () => {
    const dbg = newDbg();
    expect(js(dbg, "return Object.keys(host.Int64);")).toEqual(expect.arrayContaining(["Min", "Max"]));
    expect(js(dbg, "return [host.Int64.Min instanceof host.Int64, host.Int64.Max instanceof host.Int64, host.Int64.Max.compareTo(host.Int64.Min) !== 0];"))
      .toEqual([true, true, true]);
  });

  it("§4.6 the instance carries the enumerated method set", () => {
    const dbg = newDbg();
    const names = ["toString", "valueOf", "asNumber", "convertToNumber", "getLowPart", "getHighPart", "add", "subtract", "multiply",
      "divide", "modulo", "bitwiseAnd", "bitwiseOr", "bitwiseXor", "bitwiseNot", "bitwiseShiftLeft", "bitwiseShiftRight", "compareTo"];
    expect(js(dbg, "var v = host.Int64(1); return a.filter(function (n) { return typeof v[n] !== 'function'; });", names)).toEqual([]);
  });
});

describe("Int64 math on JS numbers (§4.6, RN 1.0.14.0; whether every method is there is unconfirmed)", () => {
  it("§4.6 numbers carry add/compareTo/bitwiseAnd/multiply under the alternate variant only", () => {
    expect(js(newDbg(), "return typeof (5).add;")).toBe("undefined");
    const alt = newDbg(ALTERNATE_VARIANT);
    expect(js(alt, "return [(5).add(1), (8).compareTo(8), (0x30).bitwiseAnd(0x10), (3).multiply(0x28)];")).toEqual([6, 0, 0x10, 0x78]);
  });
});

/**
 * Fidelity of the emulated `host.memory` against the reference (shared/reference/dbgmodel-api.md §4.4,
 * checklist §9.5, open question §12.10), exercised from a classic script as a script sees it.
 */
import { describe, it, expect } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import { ALTERNATE_VARIANT, type ProviderVariant } from "../../src/emulator/options";
import { probe, thrown as throwsIn } from "./probe";
import { userTarget } from "../mocks/user-target";

/** Test data placed where the fake target has nothing else. */
const DATA = 0x5000_0000n;
const DATA_SIZE = 0x40;
const NARROW = 0x5000_1000n; // "hello\0world\0"
const WIDE = 0x5000_2000n; // L"wide\0more\0"
const TAIL = 0x5000_3000n; // "abc" right before unmapped memory (no terminator)


function target() {
  const built = userTarget().build();
  const data = new Uint8Array(DATA_SIZE);
  data.set([0x01, 0x02, 0xff, 0x80, 0x78, 0x56, 0x34, 0x12]);
  // qwords at DATA+8: 0x11223344_55667788, 0xfffff800_00001000, 0xffffffff_fffffffe
  const view = new DataView(data.buffer);
  view.setBigUint64(8, 0x1122334455667788n, true);
  view.setBigUint64(16, 0xfffff80000001000n, true);
  view.setBigUint64(24, 0xfffffffffffffffen, true);
  built.memory.map(DATA, data);
  built.memory.map(NARROW, new TextEncoder().encode("hello\0world\0"));
  built.memory.map(WIDE, new Uint8Array(Buffer.from("wide\0more\0", "utf16le")));
  built.memory.map(TAIL, new TextEncoder().encode("abc"));
  return built;
}

function newDbg(variant?: Partial<ProviderVariant>): EmulatedDebugger {
  return new EmulatedDebugger(target().spec, variant ? { variant } : {});
}

const js = (dbg: EmulatedDebugger, body: string, ...args: unknown[]) => probe(dbg, body, args);

const thrown = (dbg: EmulatedDebugger, body: string, ...args: unknown[]) => throwsIn(dbg, body, args);

describe("host.memory.readMemoryValues (§4.4, §9.5)", () => {
  it("§4.4 default element size is 1 byte unsigned, returned as a typed array of numbers", () => {
    const dbg = newDbg();
    const out = js(dbg, "return host.memory.readMemoryValues(a, 4);", dbg.int64.make(DATA)) as ArrayLike<number>;
    expect(ArrayBuffer.isView(out)).toBe(true);
    expect(Object.prototype.toString.call(out)).toBe("[object Uint8Array]"); // the script realm's typed array
    expect(Array.from(out)).toEqual([0x01, 0x02, 0xff, 0x80]);
  });

  it("§4.4 element sizes 2 and 4 give little-endian numbers in typed arrays", () => {
    const dbg = newDbg();
    const a = dbg.int64.make(DATA);
    const words = js(dbg, "return host.memory.readMemoryValues(a, 2, 2);", a) as ArrayLike<number>;
    expect(Object.prototype.toString.call(words)).toBe("[object Uint16Array]"); // the script realm's typed array
    expect(Array.from(words)).toEqual([0x0201, 0x80ff]);
    const dwords = js(dbg, "return host.memory.readMemoryValues(a, 2, 4);", a) as ArrayLike<number>;
    expect(Object.prototype.toString.call(dwords)).toBe("[object Uint32Array]"); // the script realm's typed array
    expect(Array.from(dwords)).toEqual([0x80ff0201, 0x12345678]);
    // The script can use them as numbers (ImageInfo.js: thunkEntry[0] & 0x80000000).
    expect(js(dbg, "var v = host.memory.readMemoryValues(a, 1, 4); return [typeof v[0], (v[0] & 0x80000000) !== 0, v.length];", a))
      .toEqual(["number", true, 1]);
  });

  it("§4.4/§12.10 element sizes 1/2/4 are plain arrays of numbers under the alternate variant", () => {
    const dbg = newDbg(ALTERNATE_VARIANT);
    const out = js(dbg, "return host.memory.readMemoryValues(a, 2, 4);", dbg.int64.make(DATA)) as unknown[];
    expect(Array.isArray(out)).toBe(true);
    expect(ArrayBuffer.isView(out)).toBe(false);
    expect(out).toEqual([0x80ff0201, 0x12345678]);
  });

  it("§4.4 element size 8 gives an array of Int64", () => {
    const dbg = newDbg();
    const out = js(dbg, "return host.memory.readMemoryValues(a, 3, 8);", dbg.int64.make(DATA + 8n)) as unknown[];
    expect(out).toHaveLength(3);
    expect(out[0]).toBe(dbg.int64.make(0x1122334455667788n));
    expect(out[1]).toBe(dbg.int64.make(0xfffff80000001000n));
    expect(out[2]).toBe(dbg.int64.make(0xfffffffffffffffen));
    // ImageInfo.js: thunkEntry[0].getHighPart()
    expect(js(dbg, "var v = host.memory.readMemoryValues(a, 1, 8); return [v[0].getHighPart(), v[0].getLowPart(), v[0] instanceof host.Int64];",
      dbg.int64.make(DATA + 8n))).toEqual([0x11223344, 0x55667788, true]);
  });

  it("§4.4 isSigned reads signed elements", () => {
    const dbg = newDbg();
    const a = dbg.int64.make(DATA);
    expect(Array.from(js(dbg, "return host.memory.readMemoryValues(a, 4, 1, true);", a) as ArrayLike<number>)).toEqual([1, 2, -1, -128]);
    expect(Array.from(js(dbg, "return host.memory.readMemoryValues(a, 2, 2, true);", a) as ArrayLike<number>)).toEqual([0x0201, 0x80ff - 0x10000]);
    expect(Array.from(js(dbg, "return host.memory.readMemoryValues(a, 1, 4, true);", a) as ArrayLike<number>)).toEqual([0x80ff0201 - 2 ** 32]);
    expect(Array.from(js(dbg, "return host.memory.readMemoryValues(a, 1, 4, false);", a) as ArrayLike<number>)).toEqual([0x80ff0201]);
    // An 8-byte signed read of 0xffffffff`fffffffe is -2.
    expect(js(dbg, "var v = host.memory.readMemoryValues(a, 1, 8, true)[0]; return [v.asNumber(), v.compareTo(0), v === host.Int64(-2)];",
      dbg.int64.make(DATA + 24n))).toEqual([-2, -1, true]);
  });

  it("§4.4 reading unmapped memory throws", () => {
    const dbg = newDbg();
    expect(thrown(dbg, "host.memory.readMemoryValues(a, 4)", dbg.int64.make(0x1000n))).toMatch(/^threw: /);
    expect(thrown(dbg, "host.memory.readMemoryValues(a, 1, 8)", dbg.int64.make(0x6000_0000n))).toMatch(/^threw: /);
  });

  it("§4.4 reading a range that is only partly mapped throws", () => {
    const dbg = newDbg();
    const lastQword = dbg.int64.make(DATA + BigInt(DATA_SIZE) - 8n);
    expect(thrown(dbg, "host.memory.readMemoryValues(a, 1, 8)", lastQword)).toBe("no throw");
    expect(thrown(dbg, "host.memory.readMemoryValues(a, 2, 8)", lastQword)).toMatch(/^threw: /);
    expect(thrown(dbg, "host.memory.readMemoryValues(a, 9)", lastQword)).toMatch(/^threw: /);
  });

  it("§4.4 the location may be an Int64, a number, a native pointer or a location object", () => {
    const dbg = newDbg();
    const expected = [0x80ff0201, 0x12345678];
    const read = (body: string, ...args: unknown[]) => Array.from(js(dbg, body, ...args) as ArrayLike<number>);
    expect(read("return host.memory.readMemoryValues(a, 2, 4);", dbg.int64.make(DATA))).toEqual(expected);
    expect(read("return host.memory.readMemoryValues(a, 2, 4);", Number(DATA))).toEqual(expected);
    expect(read('return host.memory.readMemoryValues(host.createPointerObject(a, "ntdll", "ULONG*"), 2, 4);', dbg.int64.make(DATA))).toEqual(expected);
    expect(read('return host.memory.readMemoryValues(host.createTypedObject(a, "ntdll", "_LIST_ENTRY").targetLocation, 2, 4);', dbg.int64.make(DATA)))
      .toEqual(expected);
    // A location object moved with add(bytes).
    expect(read('return host.memory.readMemoryValues(host.createTypedObject(a, "ntdll", "_LIST_ENTRY").targetLocation.add(4), 1, 4);',
      dbg.int64.make(DATA))).toEqual([0x12345678]);
    // A pointer read from the target: the TEB's ProcessEnvironmentBlock points at the PEB, whose ImageBaseAddress is the app's base.
    const built = target();
    const d2 = new EmulatedDebugger(built.spec);
    const peb = js(d2, "var teb = host.currentThread.Environment.EnvironmentBlock; return host.memory.readMemoryValues(teb.ProcessEnvironmentBlock, 3, 8)[2];");
    expect(peb).toBe(d2.int64.make(built.at.module("app.exe")));
  });

  it("§4.4 a context argument (a process) is accepted as the fifth argument", () => {
    const dbg = newDbg();
    expect(Array.from(js(dbg, "return host.memory.readMemoryValues(a, 2, 1, false, host.currentProcess);", dbg.int64.make(DATA)) as ArrayLike<number>))
      .toEqual([1, 2]);
  });
});

describe("host.memory.readString / readWideString (§4.4)", () => {
  it("§4.4 readString stops at the NUL terminator", () => {
    const dbg = newDbg();
    expect(js(dbg, "return host.memory.readString(a);", dbg.int64.make(NARROW))).toBe("hello");
    expect(js(dbg, "return host.memory.readString(a);", Number(NARROW) + 6)).toBe("world");
  });

  it("§4.4 readWideString reads UTF-16 and stops at the NUL terminator", () => {
    const dbg = newDbg();
    expect(js(dbg, "return host.memory.readWideString(a);", dbg.int64.make(WIDE))).toBe("wide");
    expect(js(dbg, "return host.memory.readWideString(a);", dbg.int64.make(WIDE + 10n))).toBe("more");
  });

  it("§4.4 a length argument reads that many characters", () => {
    const dbg = newDbg();
    expect(js(dbg, "return host.memory.readString(a, 3);", dbg.int64.make(NARROW))).toBe("hel");
    expect(js(dbg, "return host.memory.readWideString(a, 2);", dbg.int64.make(WIDE))).toBe("wi");
  });

  it("§4.4 overloads: a second argument that is an object is the context, a number is the length", () => {
    const dbg = newDbg();
    const a = dbg.int64.make(NARROW);
    expect(js(dbg, "return host.memory.readString(a, host.currentProcess);", a)).toBe("hello");
    expect(js(dbg, "return host.memory.readString(a, 4, host.currentProcess);", a)).toBe("hell");
    const ntdll = 'host.currentProcess.Modules.getValueAt("ntdll.dll")';
    expect(js(dbg, `return host.memory.readString(a, ${ntdll});`, a)).toBe("hello");
    expect(js(dbg, "return host.memory.readWideString(a, host.currentProcess);", dbg.int64.make(WIDE))).toBe("wide");
    expect(js(dbg, "return host.memory.readWideString(a, 3, host.currentProcess);", dbg.int64.make(WIDE))).toBe("wid");
  });

  it("§4.4 a location object is accepted", () => {
    const dbg = newDbg();
    expect(js(dbg, 'return host.memory.readString(host.createTypedObject(a, "ntdll", "_LIST_ENTRY").targetLocation);', dbg.int64.make(NARROW)))
      .toBe("hello");
  });

  it("§4.4 a char* / wchar_t* typed pointer is accepted as the location", () => {
    const dbg = newDbg();
    expect(js(dbg, 'return host.memory.readString(host.createPointerObject(a, "ntdll", "CHAR*"));', dbg.int64.make(NARROW))).toBe("hello");
    expect(js(dbg, 'return host.memory.readString(host.createPointerObject(a, "ntdll", "char*"), 2);', dbg.int64.make(NARROW))).toBe("he");
    expect(js(dbg, 'return host.memory.readWideString(host.createPointerObject(a, "ntdll", "WCHAR*"));', dbg.int64.make(WIDE))).toBe("wide");
    expect(js(dbg, 'return host.memory.readWideString(host.createPointerObject(a, "ntdll", "wchar_t*"));', dbg.int64.make(WIDE))).toBe("wide");
    // readWideString(buf) and readWideString(buf.address) read the same string (0vercl0k readmemory.js).
    expect(js(dbg, 'var p = host.createPointerObject(a, "ntdll", "WCHAR*"); return host.memory.readWideString(p.address);', dbg.int64.make(WIDE)))
      .toBe("wide");
  });

  it("§4.4 a typed pointer to something that is not a character is rejected", () => {
    const dbg = newDbg();
    expect(thrown(dbg, 'host.memory.readString(host.createPointerObject(a, "ntdll", "ULONG*"))', dbg.int64.make(NARROW))).toMatch(/^threw: /);
    expect(thrown(dbg, 'host.memory.readWideString(host.createPointerObject(a, "ntdll", "_PEB*"))', dbg.int64.make(WIDE))).toMatch(/^threw: /);
    expect(thrown(dbg, 'host.memory.readWideString(host.createPointerObject(a, "ntdll", "CHAR*"))', dbg.int64.make(WIDE))).toMatch(/^threw: /);
    expect(thrown(dbg, 'host.memory.readString(host.createPointerObject(a, "ntdll", "WCHAR*"))', dbg.int64.make(NARROW))).toMatch(/^threw: /);
  });

  it("§4.4 reading a string from unmapped memory throws", () => {
    const dbg = newDbg();
    expect(thrown(dbg, "host.memory.readString(a)", dbg.int64.make(0x1000n))).toMatch(/^threw: /);
    expect(thrown(dbg, "host.memory.readWideString(a)", dbg.int64.make(0x1000n))).toMatch(/^threw: /);
  });

  it("§4.4 readString with a length past the end of mapped memory does not invent characters", () => {
    const dbg = newDbg();
    const out = thrown(dbg, "var s = host.memory.readString(a, 10); if (s.length > 3 || s.indexOf('abc') !== 0) throw new Error('read ' + JSON.stringify(s))", dbg.int64.make(TAIL));
    // Either the read fails or it stops where memory ends; it never returns bytes that are not in the dump.
    expect(out === "no throw" || out.startsWith("threw: ")).toBe(true);
    expect(out).not.toMatch(/^threw: read /);
  });
});

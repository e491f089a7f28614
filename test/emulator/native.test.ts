/**
 * Fidelity of typed native objects and the symbol/type look-ups against the reference
 * (shared/reference/dbgmodel-api.md §3.1, §4.2, §5.1, §5.2, §5.3, §5.6, §6.5, §6.11, checklist §9.6, §9.11).
 */
import { describe, it, expect } from "vitest";
import { EmulatedDebugger } from "../../src/emulator/debugger";
import { ALTERNATE_VARIANT, type ProviderVariant } from "../../src/emulator/options";
import { writeUnsigned } from "../../src/emulator/memory";
import { WINDOWS_USER_X64 } from "../../src/emulator/layouts/windows-user";
import { fieldLocation } from "../mocks/layout-writer";
import { probe, thrown as throwsIn } from "./probe";
import { userTarget, type UserTargetOptions } from "../mocks/user-target";

const TID = 0x1a4;
const OTHER_TID = 0x2b8;


/** Writes an integer into the fake TEB of `tid` at a field path (offsets from the layout tables, never by hand). */
function pokeTeb(built: ReturnType<ReturnType<typeof userTarget>["build"]>, tid: number, path: string, value: bigint): void {
  const f = fieldLocation(WINDOWS_USER_X64, "_TEB", path);
  const bytes = new Uint8Array(f.size);
  writeUnsigned(bytes, 0, f.size, value);
  built.memory.map(built.at.teb(tid) + BigInt(f.offset), bytes);
}

function target(options: UserTargetOptions = {}) {
  const built = userTarget(options)
    .thread({ tid: TID })
    .thread({ tid: OTHER_TID, tebUnreadable: true })
    .build();
  if (options.ntdllSymbols !== false) {
    pokeTeb(built, TID, "LastErrorValue", 5n);
    pokeTeb(built, TID, "ExceptionCode", 0xc0000005n);
    pokeTeb(built, TID, "InstrumentationCallbackSp", 0x1122334455667788n);
    const u32 = fieldLocation(WINDOWS_USER_X64, "_TEB", "User32Reserved");
    const arr = new Uint8Array(26 * 4);
    for (let i = 0; i < 26; i++) writeUnsigned(arr, i * 4, 4, BigInt(i * 7));
    built.memory.map(built.at.teb(TID) + BigInt(u32.offset), arr);
    pokeTeb(built, TID, "SameTebFlags", 1n << 10n); // InitialThread (bit 10)
  }
  return built;
}

function newDbg(variant?: Partial<ProviderVariant>, options: UserTargetOptions = {}) {
  const built = target(options);
  return { built, dbg: new EmulatedDebugger(built.spec, variant ? { variant } : {}) };
}

const js = (dbg: EmulatedDebugger, body: string, args: unknown[] = [], records?: string) => probe(dbg, body, args, { records });

const thrown = (dbg: EmulatedDebugger, body: string, args: unknown[] = [], records?: string) => throwsIn(dbg, body, args, { records });

const TEB = "host.currentProcess.Threads[a].Environment.EnvironmentBlock";

describe("typed objects: field values (§5.1, §5.2)", () => {
  it("§6.5 Thread.Environment.EnvironmentBlock is the thread's _TEB typed object", () => {
    const { built, dbg } = newDbg();
    expect(js(dbg, `var t = ${TEB}; return [t.targetType.name, t.address];`, [TID])).toEqual(["_TEB", dbg.int64.make(built.at.teb(TID))]);
  });

  it("§5.1 fields of 4 bytes or less are numbers (signed types negative), 8-byte fields are Int64", () => {
    const { dbg } = newDbg();
    const [last, code, sp, typeofLast] = js(dbg, `var t = ${TEB}; return [t.LastErrorValue, t.ExceptionCode, t.InstrumentationCallbackSp, typeof t.LastErrorValue];`, [TID]) as unknown[];
    expect(last).toBe(5);
    expect(typeofLast).toBe("number");
    expect(code).toBe(0xc0000005 - 2 ** 32); // LONG
    expect(sp).toBe(dbg.int64.make(0x1122334455667788n));
    // USHORT and bit fields are numbers too.
    expect(js(dbg, `var t = ${TEB}; return [t.SameTebFlags, t.InitialThread, t.SafeThunkCall];`, [TID])).toEqual([1 << 10, 1, 0]);
  });

  it("§5.2 nested structures are typed objects whose fields are properties", () => {
    const { built, dbg } = newDbg();
    const [stackBase, stackLimit, tid, nested] = js(dbg, `var t = ${TEB};
      return [t.NtTib.StackBase.address, t.NtTib.StackLimit.address, t.ClientId.UniqueThread.address, t.NtTib.targetType.name];`, [TID]) as unknown[];
    expect(stackBase).toBe(dbg.int64.make(built.at.stackBase(TID)));
    expect(stackLimit).toBe(dbg.int64.make(built.at.stackLimit(TID)));
    expect(tid).toBe(dbg.int64.make(BigInt(TID)));
    expect(nested).toBe("_NT_TIB");
  });

  it("§5.2 pointer fields dereference themselves on property access (teb.ProcessEnvironmentBlock.ImageBaseAddress)", () => {
    const { built, dbg } = newDbg();
    const [image, build, major] = js(dbg, `var t = ${TEB};
      return [t.ProcessEnvironmentBlock.ImageBaseAddress.address, t.ProcessEnvironmentBlock.OSBuildNumber, t.ProcessEnvironmentBlock.OSMajorVersion];`, [TID]) as unknown[];
    expect(image).toBe(dbg.int64.make(built.at.module("app.exe")));
    expect(build).toBe(19045);
    expect(major).toBe(10);
  });

  it("§5.2 .address is the pointer value for pointers and the object's location for structures", () => {
    const { built, dbg } = newDbg();
    const teb = built.at.teb(TID);
    const [tebAddr, pebPtr, clientId, tib] = js(dbg, `var t = ${TEB}; return [t.address, t.ProcessEnvironmentBlock.address, t.ClientId.address, t.NtTib.address];`, [TID]) as unknown[];
    expect(tebAddr).toBe(dbg.int64.make(teb));
    expect(pebPtr).toBe(dbg.int64.make(built.at.peb()));
    expect(clientId).toBe(dbg.int64.make(teb + BigInt(fieldLocation(WINDOWS_USER_X64, "_TEB", "ClientId").offset)));
    expect(tib).toBe(dbg.int64.make(teb)); // NtTib is at offset 0
  });

  it("§5.2 .targetLocation is a location object: where the object (or the pointer itself) lives, usable as an address", () => {
    const { built, dbg } = newDbg();
    // The pointer field lives in the TEB; reading 8 bytes there gives the PEB address.
    expect(js(dbg, `var t = ${TEB}; return host.memory.readMemoryValues(t.ProcessEnvironmentBlock.targetLocation, 1, 8)[0];`, [TID]))
      .toBe(dbg.int64.make(built.at.peb()));
    // The TEB's own location, moved 8 bytes: NtTib.StackBase.
    expect(js(dbg, `var t = ${TEB}; return host.memory.readMemoryValues(t.targetLocation.add(8), 1, 8)[0];`, [TID]))
      .toBe(dbg.int64.make(built.at.stackBase(TID)));
  });

  it("§5.6 .targetType carries name, size, typeKind and fields with offsets", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var ty = ${TEB}.targetType;
      return [ty.name, ty.size, ty.typeKind, ty.fields.LastErrorValue.offset, ty.fields.ProcessEnvironmentBlock.offset,
              ty.fields.LastErrorValue.type.name, ty.fields.ProcessEnvironmentBlock.type.typeKind, ty.fields.ProcessEnvironmentBlock.type.baseType.name];`, [TID]))
      .toEqual(["_TEB", 0x1838, "udt", 0x68, 0x60, "ULONG", "pointer", "_PEB"]);
    expect(js(dbg, `return ${TEB}.ProcessEnvironmentBlock.targetType.typeKind;`, [TID])).toBe("pointer");
  });

  it("§5.2 .dereference() gives the pointee; .isNull tells null pointers apart", () => {
    const { built, dbg } = newDbg();
    expect(js(dbg, `var p = ${TEB}.ProcessEnvironmentBlock.dereference(); return [p.targetType.name, p.address, p.OSBuildNumber];`, [TID]))
      .toEqual(["_PEB", dbg.int64.make(built.at.peb()), 19045]);
    expect(js(dbg, `var t = ${TEB}; return [t.ProcessEnvironmentBlock.isNull, t.ActiveRpcHandle.isNull, t.ActiveRpcHandle.address.asNumber()];`, [TID]))
      .toEqual([false, true, 0]);
  });

  it("§5.3 native arrays are indexable with [i] and iterable", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var r = ${TEB}.User32Reserved; return [r[0], r[3], r[25]];`, [TID])).toEqual([0, 21, 175]);
    const all = js(dbg, `var out = []; for (var v of ${TEB}.User32Reserved) out.push(v); return out;`, [TID]) as number[];
    expect(all).toHaveLength(26);
    expect(all[10]).toBe(70);
    expect(js(dbg, `return Array.from(${TEB}.User32Reserved).length;`, [TID])).toBe(26);
    // Arrays of pointers give pointer objects.
    expect(js(dbg, `return ${TEB}.TlsSlots[0].isNull;`, [TID])).toBe(true);
  });

  it("§5.2 a field that does not exist is undefined", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `var t = ${TEB}; return [typeof t.NoSuchField, typeof t.NtTib.NoSuchField, typeof t.ProcessEnvironmentBlock.NoSuchField];`, [TID]))
      .toEqual(["undefined", "undefined", "undefined"]);
  });

  it("§5.2 a field whose memory is not in the target throws (the object itself can still be made)", () => {
    const { built, dbg } = newDbg();
    expect(js(dbg, `return ${TEB}.address;`, [OTHER_TID])).toBe(dbg.int64.make(built.at.teb(OTHER_TID)));
    expect(thrown(dbg, `${TEB}.LastErrorValue`, [OTHER_TID])).toMatch(/^threw: /);
    expect(thrown(dbg, `${TEB}.NtTib.StackBase`, [OTHER_TID])).toMatch(/^threw: /);
  });

  it("§5.2/§3.1 getObjectValue reads a field by name (bypassing JS-name shadowing)", () => {
    const { built, dbg } = newDbg();
    expect(js(dbg, `var t = ${TEB}; return [t.getObjectValue("LastErrorValue"), t.getObjectValue("ProcessEnvironmentBlock").address];`, [TID]))
      .toEqual([5, dbg.int64.make(built.at.peb())]);
  });

  it("§4.2 host.createTypedObject(addr, \"ntdll\", \"_TEB\") gives the same view as the model's TEB", () => {
    const { built, dbg } = newDbg();
    const a = dbg.int64.make(built.at.teb(TID));
    expect(js(dbg, 'var t = host.createTypedObject(a, "ntdll", "_TEB"); return [t.targetType.name, t.LastErrorValue, t.address, t.NtTib.StackBase.address];', [a]))
      .toEqual(["_TEB", 5, a, dbg.int64.make(built.at.stackBase(TID))]);
    // With a type object, and with "ntdll.dll" as the module name.
    expect(js(dbg, 'return host.createTypedObject(a, host.getModuleType("ntdll.dll", "_TEB")).LastErrorValue;', [a])).toBe(5);
    // A module object as the module argument (SynTypes.js).
    expect(js(dbg, 'var m = host.currentProcess.Modules.getValueAt("ntdll.dll"); return host.createTypedObject(a, m, "_TEB").LastErrorValue;', [a])).toBe(5);
  });

  it("§6.11/§5.1 the TEB is undefined when ntdll's symbols (and so _TEB) are missing", () => {
    const { dbg } = newDbg(undefined, { ntdllSymbols: false });
    expect(js(dbg, `return [${TEB} === undefined, host.currentThread.Environment.EnvironmentBlock === undefined];`, [TID])).toEqual([true, true]);
    expect(js(dbg, 'return host.getModuleType("ntdll", "_TEB");')).toBeNull();
  });
});

describe("symbol and type look-ups (§3.1, §4.2)", () => {
  it("§3.1 getModuleType / getModuleSymbol return null for missing things under API 1.9", () => {
    const { dbg } = newDbg();
    expect(js(dbg, `return [host.getModuleType("ntdll", "_NO_SUCH_TYPE"), host.getModuleType("nosuchmodule", "_TEB"),
      host.getModuleSymbol("ntdll", "NoSuchSymbol"), host.getModuleSymbol("nosuchmodule", "X", "ULONG")];`)).toEqual([null, null, null, null]);
  });

  it("§3.1 getModuleType / getModuleSymbol throw for missing things without apiVersionSupport (API 1.0)", () => {
    const { dbg } = newDbg();
    expect(thrown(dbg, 'host.getModuleType("ntdll", "_NO_SUCH_TYPE")', [], "undefined")).toMatch(/^threw: /);
    expect(thrown(dbg, 'host.getModuleSymbol("ntdll", "NoSuchSymbol")', [], "undefined")).toMatch(/^threw: /);
    expect(thrown(dbg, 'host.getModuleType("ntdll", "_NO_SUCH_TYPE")', [], "[new host.apiVersionSupport(1, 0)]")).toMatch(/^threw: /);
    // Found things work the same in both.
    expect(js(dbg, 'return host.getModuleType("ntdll", "_TEB").name;', [], "undefined")).toBe("_TEB");
  });

  it("§4.2 getModuleSymbol with an explicit type name gives an object of that type at the symbol", () => {
    const { built, dbg } = newDbg();
    const expected = built.at.symbol("ntdll!RtlpUnloadEventTrace");
    expect(js(dbg, 'var o = host.getModuleSymbol("ntdll", "RtlpUnloadEventTrace", "_LIST_ENTRY"); return [o.targetType.name, o.address];'))
      .toEqual(["_LIST_ENTRY", dbg.int64.make(expected)]);
  });

  it("§4.2 getModuleSymbolAddress returns the symbol's address as Int64 (module name with or without extension)", () => {
    const { built, dbg } = newDbg();
    const expected = dbg.int64.make(built.at.symbol("ntdll!NtWaitForSingleObject"));
    expect(js(dbg, 'return host.getModuleSymbolAddress("ntdll", "NtWaitForSingleObject");')).toBe(expected);
    expect(js(dbg, 'return host.getModuleSymbolAddress("ntdll.dll", "NtWaitForSingleObject");')).toBe(expected);
    expect(js(dbg, 'return host.getModuleSymbolAddress("kernel32", "BaseThreadInitThunk");')).toBe(dbg.int64.make(built.at.symbol("kernel32!BaseThreadInitThunk")));
    expect(js(dbg, 'return host.getModuleSymbolAddress("ntdll", "NtWaitForSingleObject") instanceof host.Int64;')).toBe(true);
  });

  it("§4.2 getModuleContainingSymbolInformation gives the symbol's name and start address", () => {
    const { built, dbg } = newDbg();
    const inside = dbg.int64.make(built.at.symbol("ntdll!NtWaitForSingleObject", 0x14));
    const info = js(dbg, "var i = host.getModuleContainingSymbolInformation(a); return { name: i.name, address: i.address, text: `${i}` };", [inside]) as Record<string, unknown>;
    expect(info.name).toMatch(/(^|!)NtWaitForSingleObject$/);
    expect(info.address).toBe(dbg.int64.make(built.at.symbol("ntdll!NtWaitForSingleObject")));
    expect(info.text).toContain("NtWaitForSingleObject");
  });

  it("§4.2/§12.8 getModuleContainingSymbolInformation on an address without a symbol throws (default) or returns null (alternate)", () => {
    const stack = (b: ReturnType<typeof target>) => b.at.stackPointer(TID);
    const d = newDbg();
    expect(thrown(d.dbg, "host.getModuleContainingSymbolInformation(a)", [d.dbg.int64.make(stack(d.built))])).toMatch(/^threw: /);
    const alt = newDbg(ALTERNATE_VARIANT);
    expect(js(alt.dbg, "return host.getModuleContainingSymbolInformation(a);", [alt.dbg.int64.make(stack(alt.built))])).toBeNull();
  });
});

describe("display strings of native objects (§5.2 String Conversion)", () => {
  it("§5.2 toString() and String() give the dx display string for structures and pointers", () => {
    const t = userTarget().thread({ tid: 0x1a4 }).build();
    const dbg = new EmulatedDebugger(t.spec);
    const s = dbg.scriptLoad(`"use strict"; function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
      function show() { var teb = host.currentThread.Environment.EnvironmentBlock; return [String(teb), teb.toString(), String(teb.NtTib.Self), "" + teb.ProcessEnvironmentBlock.toString()]; }`, "C:\\t\\show.js");
    const out = (s.global.show as () => string[])();
    expect(out[0]).toBe("[Type: _TEB]");
    expect(out[1]).toBe("[Type: _TEB]");
    expect(out[2]).toBe(`0x${t.at.teb(0x1a4).toString(16).padStart(16, "0")} [Type: _NT_TIB *]`);
    expect(out[3]).toMatch(/^0x[0-9a-f]{16} \[Type: _PEB \*\]$/);
  });
});

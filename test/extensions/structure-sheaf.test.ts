/** StructureSheaf: one row per object with the chosen fields, typed by the field types; missing fields and memory say so. */
import { beforeAll, describe, expect, it } from "vitest";
import { extraBundle, loadExtra } from "../extra-bundle";
import { rowsOf } from "../helpers";
import { kernelWithZombie } from "../mocks/kernel-target";
import { HEAP_BASE, userTarget } from "../mocks/user-target";
import { expectValidDocument } from "../schema-check";

type Row = Record<string, unknown>;

beforeAll(async () => { await extraBundle(); }, 120_000);

const CS_A = HEAP_BASE.x64 + 0x1000n;
const CS_B = HEAP_BASE.x64 + 0x1040n;
const CS_C = HEAP_BASE.x64 + 0x1080n;

function sections() {
  return userTarget()
    .struct("_RTL_CRITICAL_SECTION", CS_A, { LockCount: -6, RecursionCount: 1, OwningThread: 0x1a4, SpinCount: 0x20007d0 })
    .struct("_RTL_CRITICAL_SECTION", CS_B, { LockCount: -1, OwningThread: 0 })
    .struct("_RTL_CRITICAL_SECTION", CS_C, { LockCount: -6, RecursionCount: 2, OwningThread: 0x2b0 })
    .build();
}

const hex = (v: bigint) => "0x" + v.toString(16);
const num = (v: unknown) => (v === undefined || v === null ? v : Number(v));

describe("StructureSheaf on a user dump", () => {
  it("reads the chosen fields of every address, typed by the field types, with a summary of each field", () => {
    const { dbg } = loadExtra(sections().spec);
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.StructureSheaf("ntdll!_RTL_CRITICAL_SECTION", "${hex(CS_A)} ${hex(CS_B)}, ${hex(CS_C)}", "LockCount,OwningThread,SpinCount")`)) as Row[];
    const objects = rows.filter((r) => r.Index !== undefined);
    expect(objects.map((r) => [r.Index, num(r.Address), r.LockCount, num(r.OwningThread), num(r.SpinCount)])).toEqual([
      [0, Number(CS_A), -6, 0x1a4, 0x20007d0], [1, Number(CS_B), -1, 0, 0], [2, Number(CS_C), -6, 0x2b0, 0],
    ]);
    expect(objects[0]!.Evidence).toBe(`dt ntdll!_RTL_CRITICAL_SECTION 000001d0\`00001000 LockCount OwningThread SpinCount`);
    expect(rows[rows.length - 1]!.Evidence).toBe("3 objects of ntdll!_RTL_CRITICAL_SECTION: LockCount: 2 distinct, most common -6 (2); OwningThread: 3 distinct; SpinCount: 2 distinct, most common 0x0 (2)");
    // The export document carries the run-time columns with their types.
    const doc = JSON.parse(dbg.dx(`Debugger.Utility.Ewmda.StructureSheaf("_RTL_CRITICAL_SECTION", "${hex(CS_A)}", "LockCount,OwningThread,SpinCount").ToJson()`) as string);
    expectValidDocument(doc);
    expect(doc.columns.map((c: Row) => [c.name, c.type]).slice(0, 5)).toEqual([["Index", "int"], ["Address", "address"], ["LockCount", "int"], ["OwningThread", "address"], ["SpinCount", "hex"]]);
    expect(doc.rows[0]).toMatchObject({ Index: 0, Address: hex(CS_A), LockCount: -6, OwningThread: "0x1a4", SpinCount: "0x20007d0" });
  });

  it("shows the type's own fields when none are named, and prints a table with them", () => {
    const { dbg } = loadExtra(sections().spec);
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.StructureSheaf("_RTL_CRITICAL_SECTION", ${hex(CS_C)})`)) as Row[];
    expect(Object.keys(rows[0]!).filter((k) => !["Index", "Address", "Verdict", "Evidence", "Source"].includes(k)))
      .toEqual(["DebugInfo", "LockCount", "RecursionCount", "OwningThread", "LockSemaphore", "SpinCount"]);
    expect(rows[0]).toMatchObject({ LockCount: -6, RecursionCount: 2 });
    const table = dbg.execute(`!ewmda.structuresheaf ("_RTL_CRITICAL_SECTION", ${hex(CS_C)}, "LockCount,RecursionCount")`);
    expect(table[0]).toBe("StructureSheaf ntdll!_RTL_CRITICAL_SECTION: 1 objects, 2 fields");
    expect(table[1]).toMatch(/^Index\s+Address\s+LockCount\s+RecursionCount\s+Verdict$/);
    expect(table[2]).toMatch(/^0\s+000001d0`00001080\s+-6\s+2\s+Info$/);
  });

  it("says which fields this build's type lacks, and which objects are not in the dump", () => {
    const { dbg } = loadExtra(sections().spec);
    const missing = HEAP_BASE.x64 + 0x9000n;
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.StructureSheaf("_RTL_CRITICAL_SECTION", "${hex(CS_A)} ${hex(missing)}", "LockCount,NoSuchField")`)) as Row[];
    expect(rows[0]!.Evidence).toBe("NoSuchField is not a field of ntdll!_RTL_CRITICAL_SECTION in these symbols (NoSuchField not found); its cells are not available");
    const objects = rows.filter((r) => r.Index !== undefined);
    expect(objects[0]!.LockCount).toBe(-6);
    expect(String(objects[0]!.NoSuchField)).toBe("<not available>");
    expect(String(objects[1]!.LockCount)).toBe("<unreadable>");
    const doc = JSON.parse(dbg.dx(`Debugger.Utility.Ewmda.StructureSheaf("_RTL_CRITICAL_SECTION", "${hex(missing)}", "LockCount").ToJson()`) as string);
    expectValidDocument(doc);
    expect(doc.rows[0].LockCount).toBeNull();
    expect(doc.rows[0]._absent.LockCount).toMatch(/^unreadable: LockCount could not be read: /);
  });

  it("answers bad arguments with a message and an unknown type with what would help", () => {
    const { dbg } = loadExtra(sections().spec);
    const first = (e: string) => String((rowsOf(dbg.dx(`Debugger.Utility.Ewmda.StructureSheaf(${e})`)) as Row[])[0]!.Evidence);
    expect(first("")).toMatch(/^give a type, the objects and the fields/);
    expect(first("\"_RTL_CRITICAL_SECTION\"")).toMatch(/^give the objects/);
    expect(first("\"_RTL_CRITICAL_SECTION\", \"banana\"")).toBe("\"banana\" is not an address (use 0x1a4, 1a4 or 00000000`000001a4)");
    expect(first("\"ntdll!_NO_SUCH_TYPE\", 0x1000")).toBe("the type ntdll!_NO_SUCH_TYPE is not in the symbols (check with dt ntdll!_NO_SUCH_TYPE; .reload /f ntdll loads its symbols)");
    expect(first("\"_RTL_CRITICAL_SECTION\", 0x1000, 5")).toMatch(/^the fields must be a list/);
    expect(dbg.execute("!ewmda_structuresheaf").join("\n")).toMatch(/Info: give a type/);
  });

  it("answers without ntdll symbols (no types) and on x86", () => {
    const { dbg } = loadExtra(userTarget({ ntdllSymbols: false }).build().spec);
    expect(String((rowsOf(dbg.dx("Debugger.Utility.Ewmda.StructureSheaf(\"_RTL_CRITICAL_SECTION\", 0x1000)")) as Row[])[0]!.Evidence)).toMatch(/not in the symbols/);
    const x86 = userTarget({ arch: "x86" }).struct("_RTL_CRITICAL_SECTION", HEAP_BASE.x86 + 0x100n, { LockCount: -2, OwningThread: 0x44 }).build();
    const d = loadExtra(x86.spec).dbg;
    const rows = rowsOf(d.dx(`Debugger.Utility.Ewmda.StructureSheaf("_RTL_CRITICAL_SECTION", ${hex(HEAP_BASE.x86 + 0x100n)}, "LockCount,OwningThread")`)) as Row[];
    expect([rows[0]!.LockCount, num(rows[0]!.OwningThread)]).toEqual([-2, 0x44]);
  });
});

describe("StructureSheaf on a kernel dump", () => {
  it("tabulates _EPROCESS fields over a dx collection of typed objects, nested paths and character arrays included", () => {
    const k = kernelWithZombie();
    const { dbg } = loadExtra(k.spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.StructureSheaf(\"nt!_EPROCESS\", @$cursession.Processes.Select(p => p.KernelObject), \"UniqueProcessId,ImageFileName,ActiveThreads,Pcb.Header.Type\")")) as Row[];
    const objects = rows.filter((r) => r.Index !== undefined);
    const big = (v: unknown) => dbg.int64.toBigInt(v);
    expect(objects.map((r) => [big(r.Address), num(r.UniqueProcessId), r.ImageFileName])).toEqual(
      k.spec.processes.map((p) => [k.addresses.process(p.id), p.id, p.name.slice(0, 14)]));
    expect(objects.find((r) => num(r.UniqueProcessId) === 0x1a4)!.ActiveThreads).toBe(0);
    expect(objects.filter((r) => num(r.UniqueProcessId) !== 0).every((r) => r.Pcb_Header_Type === 3)).toBe(true);
    const doc = JSON.parse(dbg.dx("Debugger.Utility.Ewmda.StructureSheaf(\"_EPROCESS\", @$cursession.Processes.Select(p => p.KernelObject), \"UniqueProcessId,ImageFileName,CreateTime\").ToJson()") as string);
    expectValidDocument(doc);
    expect(doc.columns.slice(2, 5)).toEqual([{ name: "UniqueProcessId", type: "address" }, { name: "ImageFileName", type: "string" }, { name: "CreateTime", type: "hex" }]);
  });

  it("says an item that is not an address or a typed object is not one, and an empty collection was empty", () => {
    const { dbg } = loadExtra(kernelWithZombie().spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.StructureSheaf(\"nt!_EPROCESS\", @$cursession.Processes, \"UniqueProcessId\")")) as Row[];
    expect(String(rows[0]!.Evidence)).toMatch(/^item 0: not an address or a typed object/);
    const empty = rowsOf(dbg.dx("Debugger.Utility.Ewmda.StructureSheaf(\"nt!_EPROCESS\", @$cursession.Processes.Where(p => p.Id == 0x999).Select(p => p.KernelObject), \"UniqueProcessId\")")) as Row[];
    expect(empty.map((r) => [r.Verdict, r.Evidence])).toEqual([["Negative", "0 objects of nt!_EPROCESS: the collection was empty"]]);
  });
});

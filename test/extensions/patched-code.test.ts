import { describe, expect, it } from "vitest";
import type { TargetSpec } from "../../src/emulator";
import { loadEwmda, rowsOf } from "../helpers";
import { emptyKernel } from "../mocks/kernel-target";
import { HEAP_BASE, userTarget, type CodeBytes, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function patched(spec: TargetSpec) {
  const { dbg } = loadEwmda(spec);
  const result = dbg.dx("Debugger.Utility.Ewmda.PatchedCode()");
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le64 = (v: bigint) => [...le32(Number(v & 0xffffffffn)), ...le32(Number(v >> 32n))];
/** `E9 rel32` to a symbol. */
const jmpTo = (target: string): CodeBytes => (at, r) => [0xe9, ...le32(Number(BigInt.asIntN(32, r(target) - (at + 5n))))];
/** `FF 25` through a pointer 0x40 bytes further on (a kernel32-style forwarder stub). */
const jmpMemTo = (target: string): CodeBytes => (at, r) => { const b = new Array(0x48).fill(0xcc); b.splice(0, 6, 0xff, 0x25, ...le32(0x40 - 6)); b.splice(0x40, 8, ...le64(r(target))); return b; };
const STUB = (n: number): CodeBytes => [0x4c, 0x8b, 0xd1, 0xb8, n, 0, 0, 0, 0x0f, 0x05, 0xc3];
const PROLOGUE: CodeBytes = [0x48, 0x89, 0x5c, 0x24, 0x08, 0x57, 0x48, 0x83, 0xec, 0x20];

/** ntdll, kernel32 and kernelbase with export tables and code in the dump, every export starting as it should. */
function system(): UserTargetBuilder {
  return userTarget()
    .module({ name: "ntdll.dll", exportTable: true, code: true, exports: { NtCreateFile: 0x9d000, NtClose: 0x9d100, RtlAllocateHeap: 0x20000 } })
    .module({ name: "kernelbase.dll", exportTable: true, code: true, exports: { CreateFileW: 0x2000, ReadFile: 0x2100 } })
    .module({ name: "kernel32.dll", exportTable: true, code: true, exports: { CreateFileW: 0x3000 } })
    .code("ntdll!NtCreateFile", STUB(0x55)).code("ntdll!NtClose", STUB(0x0f)).code("ntdll!RtlAllocateHeap", PROLOGUE)
    .code("kernelbase!CreateFileW", PROLOGUE).code("kernelbase!ReadFile", PROLOGUE)
    .code("kernel32!CreateFileW", jmpMemTo("kernelbase!CreateFileW"));
}

describe("PatchedCode: hooks in function starts", () => {
  it("finds a jump from an export into another product's module, and counts forwarders and clean starts", () => {
    const t = system().module({ name: "C:\\Program Files\\Contoso\\hook.dll", symbols: { Detour: 0x1000 } })
      .code("kernelbase!ReadFile", jmpTo("hook!Detour")).build();
    const { rows, summary } = patched(t.spec);
    const hooks = rows.filter((r) => r.Class === "Hook");
    expect(hooks.map((r) => [r.Symbol, r.Shape, r.TargetModule, r.Verdict, r.Source])).toEqual([["kernelbase!ReadFile", "jmp", "hook.dll", "Positive", "heuristic"]]);
    expect(BigInt(String((hooks[0]!.JumpTarget as { toString(r: number): string }).toString(16)).replace(/^/, "0x"))).toBe(t.at.symbol("hook!Detour"));
    expect(hooks[0]!.Bytes).toMatch(/^e9 /);
    expect(hooks[0]!.Evidence).toMatch(/^jmp at the function's start leads into hook.dll; u [0-9a-f`]+ L3; !address [0-9a-f`]+$/);
    expect(summary).toMatch(/^PatchedCode: 1 patch\(es\) in ntdll, kernelbase, kernel32; 6 function starts read, !chkimg compared 0 of 3$/);
  });

  it("calls a jump into memory no module holds a hook, and a CC a breakpoint", () => {
    const t = system()
      .code("kernelbase!CreateFileW", [0x48, 0xb8, ...le64(HEAP_BASE.x64 + 0x500n), 0xff, 0xe0])
      .code("ntdll!RtlAllocateHeap", [0xcc, 0x89, 0x5c]).build();
    const rows = patched(t.spec).rows.filter((r) => r.Class !== undefined);
    expect(rows.map((r) => [r.Symbol, r.Class, r.Shape, r.TargetModule, r.Verdict])).toEqual([
      ["ntdll!RtlAllocateHeap", "Breakpoint", "int3", undefined, "Positive"],
      ["kernelbase!CreateFileW", "Hook", "mov/jmp reg", "(no module)", "Positive"],
    ]);
  });

  it("flags an ntdll system call that is not a stub, and treats allowed hook modules as Info", () => {
    const b = system().module({ name: "C:\\Program Files\\Shield\\av64.dll", symbols: { Hook: 0x100 } })
      .code("ntdll!NtClose", [0x90, 0x90, 0x90, 0x90]).code("kernelbase!ReadFile", jmpTo("av64!Hook"));
    const { dbg } = loadEwmda(b.build().spec);
    dbg.dx("Debugger.Utility.Ewmda.Config.PatchedCode.AllowedHookModules = \"av64.dll\"");
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.PatchedCode()")) as Row[];
    expect(rows.filter((r) => r.Class).map((r) => [r.Symbol, r.Class, r.Verdict])).toEqual([
      ["ntdll!NtClose", "Differs", "Suspicious"], ["kernelbase!ReadFile", "Hook", "Info"],
    ]);
  });

  it("checks watched functions through symbols when the export directory is not in the dump, also on x86", () => {
    const t = userTarget({ arch: "x86" })
      .module({ name: "kernelbase.dll", code: true, symbols: { CreateFileW: 0x2000, LoadLibraryExW: 0x2100 } })
      .module({ name: "C:\\x\\evil.dll", symbols: { Fake: 0x10 } })
      .code("kernelbase!CreateFileW", jmpTo("evil!Fake")).code("kernelbase!LoadLibraryExW", [0x8b, 0xff, 0x55, 0x8b, 0xec]).build();
    const rows = patched(t.spec).rows;
    expect(rows.filter((r) => r.Class).map((r) => [r.Symbol, r.TargetModule])).toEqual([["kernelbase!CreateFileW", "evil.dll"]]);
  });
});

describe("PatchedCode: !chkimg", () => {
  it("turns !chkimg's differences into rows (a jump is a hook, one flipped bit a corruption)", () => {
    const t = system().command("!chkimg -lo 50 -d kernelbase", [
      "Scanning section:    .text", "Size: 633532", "Range to scan: 7ff800381000-7ff80042babc",
      "    7ff800382000-7ff800382004  5 bytes - kernelbase!CreateFileW", "\t[ 48 89 5c 24 08:e9 fb ef 0f 00 ]",
      "    7ff800382100 - kernelbase!ReadFile+0", "\t[ 48:49 ]",
      "Total bytes compared: 633532(100%)", "Number of errors: 6", "6 errors : kernelbase (7ff800382000-7ff800382100)",
    ]).command("!chkimg -lo 50 -d ntdll", ["0 errors : ntdll"]).build();
    const rows = patched(t.spec).rows.filter((r) => r.Source === "command" && r.Class);
    expect(rows.map((r) => [r.Symbol, r.Class, r.Shape, r.Bytes, r.Expected, r.Verdict])).toEqual([
      ["kernelbase!CreateFileW", "Hook", "jmp", "e9 fb ef 0f 00", "48 89 5c 24 08", "Positive"],
      ["kernelbase!ReadFile+0", "Corruption (one bit: suspect hardware)", undefined, "49", "48", "Positive"],
    ]);
  });

  it("says which modules !chkimg could not compare, and names a clean comparison in the Negative row", () => {
    const t = system().command("!chkimg -lo 50 -d ntdll", ["0 errors : ntdll"])
      .command("!chkimg -lo 50 -d kernelbase", ["Error for kernelbase: Could not find image file for the module. Make sure binaries are included in the symbol path."]).build();
    const rows = patched(t.spec).rows;
    expect(String(rows.find((r) => String(r.Evidence).startsWith("!chkimg did not compare"))!.Evidence)).toMatch(
      /^!chkimg did not compare kernelbase \(Error for kernelbase: Could not find image file.*\); kernel32 \(.*\) \(it needs the image files/);
    expect(rows[rows.length - 1]).toMatchObject({ Verdict: "Negative" });
    expect(rows[rows.length - 1]!.Evidence).toBe("0 patched functions among 6 function starts of ntdll, kernelbase, kernel32 (1 forwarder stubs, 0 jumps inside their module); !chkimg: 0 errors in ntdll");
    expect(rows.map((r) => r.Evidence)).toContain("not loaded, so not checked: user32");
  });
});

describe("PatchedCode: missing data and other targets", () => {
  it("says nothing was checked when no code is in the dump and !chkimg cannot compare", () => {
    // user32's export directory is in the dump, its code is not.
    const rows = patched(userTarget().module({ name: "user32.dll", exportTable: true, exports: { MessageBoxW: 0x1000, GetMessageW: 0x1400 } }).build().spec).rows;
    expect(rows[rows.length - 1]).toMatchObject({ Verdict: "Info" });
    expect(rows[rows.length - 1]!.Evidence).toBe("nothing was checked in ntdll, kernelbase, kernel32, user32: 2 function starts are not in the dump, and !chkimg did not compare");
  });

  it("says why nothing was checked when not even the function starts are known (no headers, no symbols)", () => {
    const t = userTarget({ defaultModules: false }).module({ name: "ntdll.dll", headers: false, symbols: false }).thread({ tid: 0x1a4 }).build();
    const rows = patched(t.spec).rows;
    expect(rows.map((r) => r.Verdict)).not.toContain("Negative");
    expect(rows[rows.length - 1]!.Evidence).toBe("nothing was checked in ntdll: no module's export directory or watched function could be read, so no function start was found, and !chkimg did not compare");
  });

  it("gives Info rows on ARM64 (not classified), on kernel targets, and when no module is loaded", () => {
    expect(patched(userTarget({ arch: "arm64" }).build().spec).rows.map((r) => r.Evidence)).toContain("ARM64 code is not classified (only !chkimg's comparison applies)");
    expect(patched(emptyKernel().spec).rows.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(patched(userTarget({ defaultModules: false }).thread({ tid: 1 }).build().spec).rows.map((r) => r.Evidence)).toEqual(["none of ntdll, kernelbase, kernel32, user32 is loaded (lm); nothing to check"]);
  });

  it("prints the ! table", () => {
    const t = system().module({ name: "C:\\Program Files\\Contoso\\hook.dll", symbols: { Detour: 0x1000 } }).code("kernelbase!ReadFile", jmpTo("hook!Detour")).build();
    const { dbg } = loadEwmda(t.spec);
    expect(dbg.execute("!ewmda.patchedcode")).toMatchSnapshot();
  });
});

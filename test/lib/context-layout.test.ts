/**
 * The `_CONTEXT` layouts of the emulator's ntdll types (from the public-symbol dumps) against the CONTEXT
 * encoder of minidump-synth (written separately from winnt.h): every register the encoder places must be
 * where the layout's field of that name says.
 */
import { describe, expect, it } from "vitest";
import { WINDOWS_USER_X64, WINDOWS_USER_X86 } from "../../src/emulator/layouts/windows-user";
import { CONTEXT_SIZE, encodeContext } from "../../src/minidump-synth";
import { fieldLocation, typeSize } from "../mocks/layout-writer";

function read(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

const CASES = [
  {
    arch: "x64" as const, layout: WINDOWS_USER_X64,
    fields: { ContextFlags: "flags", Rax: "rax", Rcx: "rcx", Rsp: "rsp", Rbp: "rbp", R15: "r15", Rip: "rip", SegCs: "cs", SegSs: "ss", EFlags: "efl", MxCsr: "mxcsr", "FltSave.MxCsr": "mxcsr", Dr7: "dr7" },
  },
  {
    arch: "x86" as const, layout: WINDOWS_USER_X86,
    fields: { ContextFlags: "flags", Eax: "eax", Ecx: "ecx", Esp: "esp", Ebp: "ebp", Edi: "edi", Eip: "eip", SegCs: "cs", SegSs: "ss", SegFs: "fs", EFlags: "efl", Dr7: "dr7" },
  },
];

describe.each(CASES)("_CONTEXT ($arch)", ({ arch, layout, fields }) => {
  it("has the winnt.h size", () => {
    expect(typeSize(layout, "_CONTEXT")).toBe(CONTEXT_SIZE[arch]);
  });

  it("puts every register where minidump-synth's encoder writes it", () => {
    const registers: Record<string, bigint> = {};
    let n = 1n;
    for (const reg of Object.values(fields)) if (reg !== "flags") registers[reg] = reg === "cs" || reg === "ss" || reg === "fs" ? 0x10n + n++ : 0x1000n + n++;
    const bytes = encodeContext(arch, { registers, contextFlags: arch === "x64" ? 0x10001f : 0x1003f, noDefaults: true });
    for (const [field, reg] of Object.entries(fields)) {
      const f = fieldLocation(layout, "_CONTEXT", field);
      const expected = reg === "flags" ? BigInt(arch === "x64" ? 0x10001f : 0x1003f) : registers[reg]!;
      expect(read(bytes, f.offset, f.size), `${field}`).toBe(expected);
    }
  });
});

describe("_EXCEPTION_RECORD", () => {
  it("holds 15 pointer-sized parameters after NumberParameters", () => {
    expect(typeSize(WINDOWS_USER_X64, "_EXCEPTION_RECORD")).toBe(fieldLocation(WINDOWS_USER_X64, "_EXCEPTION_RECORD", "ExceptionInformation").offset + 15 * 8);
    expect(typeSize(WINDOWS_USER_X86, "_EXCEPTION_RECORD")).toBe(fieldLocation(WINDOWS_USER_X86, "_EXCEPTION_RECORD", "ExceptionInformation").offset + 15 * 4);
  });
});

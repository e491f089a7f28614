/** String fragments and status codes recognized in raw words (no host needed). */
import { describe, expect, it } from "vitest";
import { statusText, stringAt } from "../../src/lib/value-class";

/** Little-endian 32-bit words of a byte string. */
function words(bytes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24)) >>> 0);
  return out;
}
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const wide = (s: string) => [...s].flatMap((c) => [c.charCodeAt(0), 0]);

describe("stringAt", () => {
  it("finds ASCII and UTF-16 runs and says which", () => {
    expect(stringAt(words([...ascii("hello"), 0, 0, 0]), 0, 8, 4, 64)).toEqual({ text: "hello", encoding: "ASCII", bytes: 5 });
    expect(stringAt(words([...wide("C:\\x"), 0, 0]), 0, 10, 4, 64)).toEqual({ text: "C:\\x", encoding: "UTF-16", bytes: 8 });
  });

  it("needs the minimum length, and stops at the end of the block", () => {
    expect(stringAt(words([...ascii("abc"), 0]), 0, 4, 4, 64)).toBeUndefined();
    expect(stringAt(words(ascii("abcdefgh")), 0, 6, 4, 64)).toEqual({ text: "abcdef", encoding: "ASCII", bytes: 6 });
  });

  it("cuts long runs and keeps control characters visible", () => {
    expect(stringAt(words([...ascii("abcdefgh"), 0, 0, 0, 0]), 0, 12, 4, 5)).toEqual({ text: "abcde...", encoding: "ASCII", bytes: 8 });
    expect(stringAt(words([...ascii("ab\r\ncd\t"), 0]), 0, 8, 4, 64)!.text).toBe("ab\\r\\ncd\\t");
  });

  it("starts at the offset given", () => {
    expect(stringAt(words([1, 2, 3, 4, ...ascii("word"), 0, 0, 0, 0]), 4, 12, 4, 64)!.text).toBe("word");
  });
});

describe("statusText", () => {
  it("names known NTSTATUS codes and recognizes facility-0 errors and warnings", () => {
    expect(statusText(0, 0xc0000005)).toBe("NTSTATUS 0xc0000005 STATUS_ACCESS_VIOLATION");
    expect(statusText(0, 0xc0000034)).toBe("NTSTATUS 0xc0000034");
    expect(statusText(0, 0x80000005)).toBe("NTSTATUS 0x80000005");
  });

  it("recognizes HRESULTs of the common facilities", () => {
    expect(statusText(0, 0x80070005)).toBe("HRESULT 0x80070005 (Win32 error 5)");
    expect(statusText(0, 0x80004005)).toBe("HRESULT 0x80004005");
    expect(statusText(0, 0x8001010e)).toBe("HRESULT 0x8001010e");
  });

  it("leaves other values alone", () => {
    expect(statusText(0, 0x12345678)).toBeUndefined();
    expect(statusText(1, 0xc0000005)).toBeUndefined();
    expect(statusText(0, 0xc1234567)).toBeUndefined();
    expect(statusText(0, 0x80071234 + 0x4000)).toBeUndefined();
  });
});

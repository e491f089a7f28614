/** Document ids: FNV-1a 64 over the canonical JSON, computed without BigInt, checked against a BigInt reference. */
import { describe, expect, it } from "vitest";
import { canonicalJson, documentId, fnv1a64, utf8Bytes } from "../../src/lib/doc-id";

/** The reference: FNV-1a 64 with BigInt over Node's UTF-8 encoding. */
function reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(text, "utf8")) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

describe("fnv1a64", () => {
  it("gives the published FNV-1a 64 test vectors", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
  });

  it("agrees with a BigInt implementation on ASCII, non-ASCII, astral and lone-surrogate text", () => {
    const samples = ["ewmda", "{\"a\":1}", "Dämpfer 日本", "emoji \u{1f600} here", "lone \ud800 surrogate", "\udc00 low first", "x".repeat(10000)];
    let seed = 7;
    for (let n = 0; n < 200; n++) {
      let s = "";
      for (let k = 0; k < n % 37; k++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; s += String.fromCharCode(seed % 0x3000); }
      samples.push(s);
    }
    for (const s of samples) expect(fnv1a64(s), JSON.stringify(s.slice(0, 20))).toBe(reference(s));
  });

  it("encodes UTF-8 as Node does (an unpaired surrogate becomes U+FFFD)", () => {
    for (const s of ["aé€\u{10348}", "\ud800x", "x\udfff"]) expect(utf8Bytes(s)).toEqual([...Buffer.from(s, "utf8")]);
  });
});

describe("canonicalJson and documentId", () => {
  it("sorts keys at every level, drops undefined members and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [{ d: "x", c: null }, 2], u: undefined })).toBe("{\"a\":[{\"c\":null,\"d\":\"x\"},2],\"b\":1}");
    expect(canonicalJson([undefined, 1])).toBe("[null,1]");
  });

  it("gives the same id to the same content whatever the key order, and another id to other content", () => {
    const a = documentId({ schema: "ewmda.finding", target: { kind: "user", processId: 1 }, row: { Thread: "0x1a4", Verdict: "Positive" } });
    const b = documentId({ row: { Verdict: "Positive", Thread: "0x1a4" }, target: { processId: 1, kind: "user" }, schema: "ewmda.finding" });
    const c = documentId({ schema: "ewmda.finding", target: { kind: "user", processId: 1 }, row: { Thread: "0x1a8", Verdict: "Positive" } });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(a).toBe(reference(canonicalJson({ schema: "ewmda.finding", target: { kind: "user", processId: 1 }, row: { Thread: "0x1a4", Verdict: "Positive" } })));
  });
});

describe("documentId hashes the canonical text without building it", () => {
  // Values with everything the canonical text escapes or drops: quotes, backslashes, controls, lone and
  // paired surrogates, non-ASCII keys, undefined members, non-finite numbers, nesting.
  let seed = 11;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const text = () => {
    let s = "";
    for (let k = rnd(12); k > 0; k--) {
      const r = rnd(8);
      s += r < 4 ? String.fromCharCode(32 + rnd(95)) : r === 4 ? String.fromCharCode(rnd(32)) : r === 5 ? "\"\\" : r === 6 ? String.fromCharCode(0xd800 + rnd(0x800)) : "é\u{1f600}日";
    }
    return s;
  };
  const value = (depth: number): unknown => {
    const r = rnd(depth > 2 ? 6 : 9);
    if (r === 0) return text();
    if (r === 1) return [1.5, -0, 1e21, NaN, Infinity, 42][rnd(6)];
    if (r === 2) return null;
    if (r === 3) return rnd(2) === 1;
    if (r === 4) return undefined;
    if (r === 5) return "0x" + rnd(0x7fffffff).toString(16);
    if (r <= 6) return Array.from({ length: rnd(4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = rnd(5); i > 0; i--) o[text()] = value(depth + 1);
    return o;
  };

  it("gives exactly the FNV-1a 64 of canonicalJson's UTF-8 text", () => {
    for (let i = 0; i < 3000; i++) {
      const v = { schema: "ewmda.row", row: value(0), more: value(0) };
      expect(documentId(v), canonicalJson(v).slice(0, 80)).toBe(reference(canonicalJson(v)));
    }
  });

  it("changes when any one value changes, and not when only key order or undefined members do", () => {
    const base = { schema: "ewmda.finding", target: { kind: "user", dumpFile: "C:\\dumps\\ä.dmp", processId: 1 }, row: { Thread: "0x1a4", Text: "a \"b\"\n", N: 3 } };
    const id = documentId(base);
    expect(documentId({ row: { N: 3, Text: "a \"b\"\n", Thread: "0x1a4", Gone: undefined }, target: { processId: 1, dumpFile: "C:\\dumps\\ä.dmp", kind: "user" }, schema: "ewmda.finding" })).toBe(id);
    const variants = [
      { ...base, row: { ...base.row, Thread: "0x1a5" } },
      { ...base, row: { ...base.row, Text: "a \"b\"\r" } },
      { ...base, row: { ...base.row, N: 4 } },
      { ...base, row: { ...base.row, N: "3" } },
      { ...base, target: { ...base.target, dumpFile: "C:\\dumps\\a.dmp" } },
      { ...base, row: { ...base.row, Extra: null } },
    ];
    for (const v of variants) expect(documentId(v), JSON.stringify(v)).not.toBe(id);
  });
});

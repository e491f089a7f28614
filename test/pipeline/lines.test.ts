/** Splitting byte chunks into JSON lines with offsets, whatever the chunk boundaries. */
import { describe, expect, it } from "vitest";
import { LineSplitter, OVERSIZED_HEAD_BYTES } from "../../src/pipeline/lines";

function splitAll(text: Buffer, max: number, chunk: number) {
  const s = new LineSplitter(max);
  const out = [];
  for (let i = 0; i < text.length; i += chunk) out.push(...s.push(text.subarray(i, i + chunk)));
  return { out, s };
}

describe("LineSplitter", () => {
  it("gives the same lines and end offsets for every chunk size, and holds back an unfinished line", () => {
    const text = Buffer.from('\uFEFF{"a":1}\r\n\n{"b":"é"}\n  \n{"c":3}');
    for (const size of [1, 2, 3, 7, 64]) {
      const { out, s } = splitAll(text, 1000, size);
      expect(out.map((l) => [l.lineNo, l.text, l.end])).toEqual([[1, '{"a":1}', 12], [3, '{"b":"é"}', 24]]);
      expect(s.pendingStart).toBe(27);
      expect(s.flush()).toMatchObject({ lineNo: 5, text: '{"c":3}', end: 34 });
    }
  });

  it("skips a line longer than the limit to its end, keeping its first bytes and its size", () => {
    const big = "x".repeat(OVERSIZED_HEAD_BYTES * 3);
    const text = Buffer.from(`{"a":1}\n${big}\n{"b":2}\n`);
    const { out } = splitAll(text, 1000, 4096);
    expect(out.map((l) => l.lineNo)).toEqual([1, 2, 3]);
    expect(out[1]!.oversizedBytes).toBe(big.length);
    expect(out[1]!.text.length).toBeLessThanOrEqual(OVERSIZED_HEAD_BYTES);
    expect(out[2]).toMatchObject({ text: '{"b":2}', end: text.length });
  });

  it("resumes at a checkpoint's offset and line number", () => {
    const s = new LineSplitter(100, 500, 41);
    expect(s.push(Buffer.from('{"x":1}\n'))).toEqual([{ lineNo: 42, text: '{"x":1}', end: 508 }]);
  });
});

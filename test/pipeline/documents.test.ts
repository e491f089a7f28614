/** Checking documents against the schemas in schema/: accepted with kind and ids, or rejected with a reason. */
import { describe, expect, it } from "vitest";
import { DocumentChecker, kindOf, topicFor } from "../../src/pipeline/documents";
import { contentDocumentId, targetId } from "../../src/pipeline/ids";
import { brokenLines, resultDocument } from "./fixtures";

const checker = new DocumentChecker();

describe("DocumentChecker", () => {
  it("knows every kind the schemas describe", () => {
    expect(checker.kinds()).toContain("result");
    expect(kindOf("ewmda.command")).toBe("command");
    expect(topicFor("ewmda", "result")).toBe("ewmda.result");
  });

  it("accepts a valid document with its kind, id and target id", () => {
    const doc = resultDocument(3);
    const r = checker.checkText(JSON.stringify(doc));
    expect(r).toMatchObject({ ok: true, kind: "result", id: contentDocumentId(doc), targetId: targetId(doc) });
  });

  it("rejects each kind of broken line with a reason that says what is wrong", () => {
    const max = 64 * 1024;
    const got = brokenLines(max).map((b) => ({ b, r: checker.checkText(b.text, max) }));
    for (const { b, r } of got) {
      expect(r.ok, b.category).toBe(false);
      if (!r.ok) expect(r.category).toBe(b.category);
    }
    const reasons = Object.fromEntries(got.map(({ b, r }) => [b.category, r.ok ? "" : r.reason]));
    expect(reasons.malformed).toMatch(/^malformed JSON: /);
    expect(reasons["unsupported-version"]).toBe("unsupported schemaVersion 7 of ewmda.result (supported: 1)");
    expect(reasons.schema).toMatch(/^ewmda\.result v1: \/target must have required property/);
    expect(reasons["unknown-kind"]).toMatch(/^unknown document kind "ewmda\.nonsense" \(known: .*ewmda\.result/);
    expect(reasons.oversized).toMatch(/^oversized: \d+ bytes > 65536 bytes allowed$/);
    expect(checker.checkText("[1,2]")).toMatchObject({ ok: false, category: "malformed", reason: "not a JSON object" });
    expect(checker.checkText(JSON.stringify({ ...resultDocument(1), extra: 1 }))).toMatchObject({ ok: false, reason: 'ewmda.result v1: / has unknown member "extra"' });
  });
});

/** Document and target ids: stable across key order and formatting, different for different content. */
import { describe, expect, it } from "vitest";
import { canonicalJson as exportCanonicalJson } from "../../src/lib/doc-id";
import { canonicalJson, contentDocumentId, documentId, normalizeDumpPath, targetId } from "../../src/pipeline/ids";
import { resultDocument } from "./fixtures";

describe("canonicalJson", () => {
  it("sorts keys by UTF-16 code units at every depth, drops undefined members and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [{ z: null, y: "é" }, 2.5], c: undefined, B: true })).toBe('{"B":true,"a":[{"y":"é","z":null},2.5],"b":1}');
    expect(canonicalJson({ "\u00e9": 1, z: 2, "\ud83d\ude00": 3 })).toBe('{"z":2,"é":1,"😀":3}');
  });

  it("agrees with the export face's canonical JSON, so both sides hash the same text", () => {
    const doc = resultDocument(7);
    expect(canonicalJson(doc)).toBe(exportCanonicalJson(doc));
  });
});

describe("document ids", () => {
  it("are the same for the same content whatever the key order, time or tool version", () => {
    const a = resultDocument(1);
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    const later = { ...a, time: "2027-05-05T00:00:00.000Z", tool: { name: "ewmda", version: "9.9.9" } };
    expect(contentDocumentId(reordered)).toBe(contentDocumentId(a));
    expect(contentDocumentId(later)).toBe(contentDocumentId(a));
    expect(contentDocumentId(a)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("differ when the content differs", () => {
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => contentDocumentId(resultDocument(i))));
    expect(ids.size).toBe(1000);
    const a = resultDocument(1);
    expect(contentDocumentId({ ...a, partial: true })).not.toBe(contentDocumentId(a));
  });

  it("use the document's own id when it has one", () => {
    expect(documentId({ ...resultDocument(1), id: "2943c98b66b6c2f7" })).toBe("2943c98b66b6c2f7");
    expect(documentId({ ...resultDocument(1), id: "" })).toBe(contentDocumentId(resultDocument(1)));
  });
});

describe("target ids", () => {
  it("are one per dump and process, with Windows paths compared as Windows does", () => {
    const t = (dumpFile: string | null, processId: number | null) => targetId({ target: { dumpFile, processId } });
    expect(t("C:\\Dumps\\App.dmp", 4)).toBe(t("c:/dumps/app.dmp", 4));
    expect(t("C:\\Dumps\\App.dmp", 4)).not.toBe(t("C:\\Dumps\\App.dmp", 5));
    expect(t("/var/dumps/App.dmp", 4)).not.toBe(t("/var/dumps/app.dmp", 4));
    expect(t(null, 4)).toBe(targetId({ target: { processId: 4 } }));
    expect(targetId({})).toMatch(/^[0-9a-f]{16}$/);
    expect(normalizeDumpPath("\\\\server\\Share\\A.dmp")).toBe("\\\\server\\share\\a.dmp");
  });
});

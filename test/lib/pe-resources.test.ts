import { describe, expect, it } from "vitest";
import { parseVersionInfo, readDebugInfo, readExports, readPeHeaders, readVersionResource, type ImageReader } from "../../src/lib/pe-resources";
import { debugDirectory, exportDirectory, peHeaders, resourceSection, rsdsRecord, versionResource } from "../mocks/pe-image";

/** An image as sparse byte ranges by RVA (what a dump may hold of it). */
function image(parts: [number, Uint8Array][]): ImageReader {
  return (rva, length) => {
    for (const [at, bytes] of parts) if (rva >= at && rva + length <= at + bytes.length) return bytes.subarray(rva - at, rva - at + length);
    return undefined;
  };
}

const GUID = "3844DBB9-2017-4967-BE6A-A02F2F6F7D6B";

describe("pe-resources", () => {
  it("reads headers, the CodeView record, the version resource and exports of a PE32+ image", () => {
    const exp = exportDirectory(0x3000, "lib.dll", { Beta: 0x1010, Alpha: 0x1000, Fwd: 0x3010 });
    const cv = rsdsRecord({ name: "d:\\b\\lib.pdb", guid: GUID, age: 7 });
    const dbg = debugDirectory(0x4000, cv.length, true);
    const res = resourceSection(0x5000, versionResource({ fileVersion: "1.2.3.4", productVersion: "1.2.0.0", strings: { CompanyName: "Fabrikam", ProductName: "Lib" } }));
    const read = image([
      [0, peHeaders({ pointerSize: 8, imageSize: 0x10000, textSize: 0x2000, timestamp: 0x5f3e2a1b, checksum: 0x1234, exportDir: { rva: 0x3000, size: exp.length }, resourceDir: { rva: 0x5000, size: res.length }, debugDir: { rva: 0x4100, size: dbg.length } })],
      [0x3000, exp], [0x4000, cv], [0x4100, dbg], [0x5000, res],
    ]);
    const h = readPeHeaders(read);
    if (typeof h === "string") throw new Error(h);
    expect([h.machine, h.timeDateStamp, h.pe32plus, h.sizeOfImage, h.checkSum, h.directories[2]!.rva]).toEqual([0x8664, 0x5f3e2a1b, true, 0x10000, 0x1234, 0x5000]);
    expect(readDebugInfo(read, h)).toEqual({ codeView: { pdbName: "d:\\b\\lib.pdb", guid: "{" + GUID + "}", age: 7 }, reproducible: true, note: undefined });
    expect(readVersionResource(read, h)).toEqual({ fileVersion: "1.2.3.4", productVersion: "1.2.0.0", strings: { FileVersion: "1.2.3.4", ProductVersion: "1.2.0.0", CompanyName: "Fabrikam", ProductName: "Lib" } });
    // A function RVA inside the export directory is a forwarder string.
    expect(readExports(read, h, 100)).toEqual([{ name: "Alpha", rva: 0x1000, forwarder: false }, { name: "Beta", rva: 0x1010, forwarder: false }, { name: "Fwd", rva: 0x3010, forwarder: true }]);
    expect(readExports(read, h, 1)).toHaveLength(1);
  });

  it("reads a PE32 image's headers", () => {
    const h = readPeHeaders(image([[0, peHeaders({ pointerSize: 4, imageSize: 0x8000, textSize: 0x1000, timestamp: 0x42f1a3c0 })]]));
    expect(h).toMatchObject({ machine: 0x14c, pe32plus: false, timeDateStamp: 0x42f1a3c0, sizeOfImage: 0x8000 });
  });

  it("says which part is missing", () => {
    expect(readPeHeaders(image([]))).toBe("the image headers are not in the dump");
    expect(readPeHeaders(image([[0, new Uint8Array(0x400)]]))).toBe("the image base does not start with MZ (headers paged out or overwritten)");
    const hdr = peHeaders({ pointerSize: 8, imageSize: 0x10000, textSize: 0x2000, resourceDir: { rva: 0x5000, size: 0x200 }, debugDir: { rva: 0x4100, size: 28 }, exportDir: { rva: 0x3000, size: 0x100 } });
    const h = readPeHeaders(image([[0, hdr]]));
    if (typeof h === "string") throw new Error(h);
    expect(readVersionResource(image([[0, hdr]]), h)).toBe("the resource directory (rva 0x5000) is not in the dump");
    expect(readDebugInfo(image([[0, hdr]]), h)).toBe("the debug directory (rva 0x4100) is not in the dump");
    expect(readExports(image([[0, hdr]]), h, 10)).toBe("the export directory (rva 0x3000) is not in the dump");
    const bare = readPeHeaders(image([[0, peHeaders({ pointerSize: 8, imageSize: 0x10000, textSize: 0x2000 })]]));
    if (typeof bare === "string") throw new Error(bare);
    expect(readVersionResource(image([]), bare)).toBe("the image has no resources");
  });

  it("rejects a blob that is not VS_VERSIONINFO and tolerates truncation", () => {
    expect(parseVersionInfo(new Uint8Array([1, 2, 3]))).toBe("the version resource does not start with VS_VERSION_INFO");
    const v = versionResource({ fileVersion: "5.6.7.8", strings: { CompanyName: "X" } });
    const cut = parseVersionInfo(v.subarray(0, 0x60));
    expect(typeof cut === "string" ? cut : cut.fileVersion).toBe("the version resource does not start with VS_VERSION_INFO");
    expect(parseVersionInfo(v)).toMatchObject({ fileVersion: "5.6.7.8", strings: { CompanyName: "X" } });
  });
});

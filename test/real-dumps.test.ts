/**
 * The whole Linux path on every real dump in ../shared/testdata: read, build the target, load
 * dist/ewmda.js, run every analysis, export valid documents; then the same on mutated copies (bytes
 * flipped, lengths changed, files cut) for a fixed number of iterations: never an exception other than a
 * clear "not a usable dump" at open, never a hang.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, selectAnalyses } from "../src/cli/analyze";
import { openSession } from "../src/cli/session";
import { MinidumpError } from "../src/minidump/types";
import { BUNDLE_PATH } from "./helpers";
import { ALL_DUMPS, DUMPS } from "./oracle/breakpad-output";
import { expectValidDocument } from "./schema-check";

const files = ALL_DUMPS.map((rel) => path.join(DUMPS, rel));

function runAll(file: string, formats: readonly ("json" | "text")[] = ["json", "text"]) {
  const s = openSession(file, { bundlePath: BUNDLE_PATH });
  try {
    const every = [...selectAnalyses([]), ...selectAnalyses([], true)]; // Triage, then each analysis on its own
    const json = analyze(s, every, "json", () => undefined);
    // The text face renders the same results; the damaged-dump loop checks only the documents, to stay quick.
    const text = formats.includes("text") ? analyze(s, every, "text", () => undefined).text : [];
    return { documents: json.documents, text, session: s };
  } finally {
    s.close();
  }
}

describe.skipIf(files.length === 0)("ewmda analyze on every real dump", () => {
  it.each(files.map((f) => [path.relative(DUMPS, f), f] as const))("%s", (_name, file) => {
    const { documents, text } = runAll(file);
    expect(documents.length).toBe(selectAnalyses([]).length + selectAnalyses([], true).length);
    documents.forEach(expectValidDocument);
    expect(text.join("\n")).not.toMatch(/^Error:/m);
    expect(text.join("\n")).not.toMatch(/stopped early/);
  }, 240_000); // every analysis twice (documents and tables) on up to a 1 MB stack
});

describe.skipIf(files.length === 0)("damaged dumps", () => {
  it("never throw past open, across 120 seeded mutations of the real dumps", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ewmda-fuzz-"));
    let seed = 0x5eed;
    const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    const small = files.filter((f) => readFileSync(f).length < 300_000);
    let opened = 0;
    let refused = 0;
    for (let i = 0; i < 120; i++) {
      const source = small[rand(small.length)]!;
      const bytes = new Uint8Array(readFileSync(source));
      const kind = rand(3);
      let mutated: Uint8Array;
      if (kind === 0) {
        mutated = bytes.slice(0, rand(bytes.length));
      } else {
        mutated = bytes;
        for (let k = 0; k < 1 + rand(16); k++) {
          // Mostly the header, directory and fixed stream parts, where damage matters.
          const at = rand(100) < 70 ? rand(Math.min(bytes.length, 0x1000)) : rand(bytes.length);
          mutated[at] = kind === 1 ? mutated[at]! ^ (1 << rand(8)) : rand(256);
        }
      }
      const file = path.join(dir, `m${i}.dmp`);
      writeFileSync(file, mutated);
      const t0 = Date.now();
      try {
        const { documents } = runAll(file, ["json"]);
        documents.forEach(expectValidDocument);
        opened++;
      } catch (e) {
        // The only acceptable failure: a clear "not a usable dump" (the CLI's exit status 1).
        expect(e, `${path.basename(source)} mutation ${i}: ${(e as Error)?.message}`).toBeInstanceOf(MinidumpError);
        refused++;
      }
      expect(Date.now() - t0, `mutation ${i} took too long`).toBeLessThan(20_000);
    }
    expect(opened + refused).toBe(120);
    expect(opened).toBeGreaterThan(30);
  }, 600_000); // 120 runs of every analysis; each one is bounded above
});

/**
 * Reading documents from files that sessions are still writing: appends, rotation by rename, copy-truncate
 * rotation, new files in a folder, and restarts from checkpoints that neither lose nor repeat a line.
 */
import { appendFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointStore } from "../../src/pipeline/checkpoint";
import { FileSource, type Chunk } from "../../src/pipeline/tail";
import { tempDir } from "./fixtures";

const line = (i: number) => `{"n":${i}}\n`;
const numbers = (chunks: readonly Chunk[]) => chunks.flatMap((c) => c.lines.map((l) => (JSON.parse(l.text) as { n: number }).n));

/** Follows `inputs` in the background, committing every chunk; `until` waits for a count of lines. */
function follow(inputs: string[], checkpoints?: CheckpointStore) {
  const controller = new AbortController();
  const got: number[] = [];
  const source = new FileSource({ inputs, follow: true, checkpoints, maxLineBytes: 1 << 20, pollMs: 20, signal: controller.signal });
  const done = (async () => {
    for await (const c of source.chunks()) {
      got.push(...numbers([c]));
      c.commit();
    }
  })();
  const until = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100)); // and nothing more comes
    return [...got];
  };
  /** What has come once nothing more comes for a while. */
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 300));
    return [...got];
  };
  const stop = async () => {
    controller.abort();
    await done;
  };
  return { got, until, settle, stop };
}

describe("FileSource", () => {
  it("reads complete files, the last line even without a line feed", async () => {
    const dir = tempDir("tail");
    writeFileSync(path.join(dir, "a.jsonl"), line(1) + line(2) + '{"n":3}');
    writeFileSync(path.join(dir, "ignored.txt"), line(99));
    const chunks: Chunk[] = [];
    for await (const c of new FileSource({ inputs: [dir], follow: false, maxLineBytes: 1000 }).chunks()) chunks.push(c);
    expect(numbers(chunks)).toEqual([1, 2, 3]);
  });

  it("fails on a missing input unless following", async () => {
    const source = new FileSource({ inputs: ["/nonexistent/x.jsonl"], follow: false, maxLineBytes: 1000 });
    await expect(source.chunks().next()).rejects.toThrow("/nonexistent/x.jsonl: no such file or folder");
  });

  it("follows appends, takes a line only once it is complete, and picks up new files in the folder", async () => {
    const dir = tempDir("tail");
    const a = path.join(dir, "a.jsonl");
    writeFileSync(a, line(1));
    const f = follow([dir]);
    expect(await f.until(1)).toEqual([1]);
    appendFileSync(a, '{"n":');
    expect(await f.settle()).toEqual([1]);
    appendFileSync(a, "2}\n" + line(3));
    writeFileSync(path.join(dir, "b.ndjson"), line(10));
    expect((await f.until(4)).sort((x, y) => x - y)).toEqual([1, 2, 3, 10]);
    await f.stop();
  });

  it("survives rotation by rename: the old file is read to its end, the new one from its start", async () => {
    const dir = tempDir("tail");
    const a = path.join(dir, "session.jsonl");
    writeFileSync(a, line(1));
    const f = follow([a]);
    expect(await f.until(1)).toEqual([1]);
    appendFileSync(a, line(2));
    renameSync(a, path.join(dir, "session.jsonl.1"));
    appendFileSync(path.join(dir, "session.jsonl.1"), line(3)); // the writer had it open
    writeFileSync(a, line(4));
    appendFileSync(a, line(5));
    expect(await f.until(5)).toEqual([1, 2, 3, 4, 5]);
    await f.stop();
  });

  it("reads a file truncated in place (copy-truncate rotation) again from its start", async () => {
    const dir = tempDir("tail");
    const a = path.join(dir, "session.jsonl");
    writeFileSync(a, line(1) + line(2));
    const f = follow([a]);
    expect(await f.until(2)).toEqual([1, 2]);
    truncateSync(a, 0);
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(a, line(3));
    expect(await f.until(3)).toEqual([1, 2, 3]);
    await f.stop();
  });

  it("restarts from its checkpoints: nothing lost and nothing repeated, across a rotation while it was down", async () => {
    const dir = tempDir("tail");
    const store = new CheckpointStore(path.join(dir, ".checkpoints"));
    const logs = path.join(dir, "logs");
    const a = path.join(logs, "session.jsonl");
    await import("node:fs").then((fs) => fs.mkdirSync(logs));
    writeFileSync(a, line(1) + line(2));
    const first = follow([logs], store);
    expect(await first.until(2)).toEqual([1, 2]);
    appendFileSync(a, line(3));
    expect(await first.until(3)).toEqual([1, 2, 3]);
    await first.stop();
    // While it is down: more lines, then the log is rotated and a new one started.
    appendFileSync(a, line(4));
    renameSync(a, `${a}.1`);
    writeFileSync(a, line(5));
    const second = follow([logs], store);
    expect(await second.until(2)).toEqual([4, 5]);
    await second.stop();
    // A third start finds everything done.
    const third = follow([logs], store);
    expect(await third.settle()).toEqual([]);
    await third.stop();
  });

  it("does not take over the checkpoint of another file that got the same inode", () => {
    const dir = tempDir("tail");
    const store = new CheckpointStore(dir);
    store.save({ path: "x", dev: 1, ino: 2, fingerprint: "00", fingerprintBytes: 4, offset: 100, line: 3 });
    expect(store.load(1, 2, () => Buffer.from("abcd"))).toBeUndefined();
    expect(store.load(1, 3, () => Buffer.from("abcd"))).toBeUndefined();
  });
});

/**
 * Reads JSON-lines documents from files and folders, and with `follow` keeps reading what WinDbg sessions
 * append, across rotation:
 * - a folder means its `*.jsonl` / `*.ndjson` files and their numbered rotations (`session.jsonl.1`),
 *   oldest first, and in follow mode every such file that appears later;
 * - files are tracked by identity (device and inode), so a file renamed by rotation is read to its end
 *   under its new name and the new file at the old name is read from its start; a file truncated in place
 *   (copy-truncate rotation) is read again from its start;
 * - a line is only taken once it ends with a line feed, except at the end of a file that is complete
 *   (no follow) or was rotated away;
 * - reading resumes from each file's checkpoint, and `commit()` of a chunk moves the checkpoint past it,
 *   which the caller does once the chunk's documents are safely stored.
 * Changes are noticed with fs.watch and, where that says nothing (network file systems), by polling.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { CheckpointStore, FINGERPRINT_BYTES, fingerprintOf } from "./checkpoint";
import { LineSplitter, type Line } from "./lines";

export const DOCUMENT_FILE = /\.(jsonl|ndjson)(\.\d+)?$/;

export interface SourceOptions {
  /** Files and folders. */
  readonly inputs: readonly string[];
  readonly follow: boolean;
  /** Where checkpoints are kept; none when undefined. */
  readonly checkpoints?: CheckpointStore;
  /** Ignore existing checkpoints (they are still written). */
  readonly fromStart?: boolean;
  readonly maxLineBytes: number;
  /** How often files are looked at when fs.watch says nothing (ms). */
  readonly pollMs?: number;
  /** Largest read from one file at a time. */
  readonly readBytes?: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

export interface Chunk {
  readonly file: string;
  readonly lines: readonly Line[];
  /** Moves the file's checkpoint past these lines. */
  commit(): void;
}

interface Tracked {
  path: string;
  readonly fd: number;
  readonly dev: number;
  readonly ino: number;
  pos: number;
  splitter: LineSplitter;
  fingerprint: string;
  fingerprintBytes: number;
  /** No longer at any path we read (rotated away or deleted): read to its end, then closed. */
  orphan: boolean;
}

export class FileSource {
  private readonly tracked = new Map<string, Tracked>();
  private readonly watchers: FSWatcher[] = [];
  private wake: (() => void) | undefined;
  private changed = false;
  private readonly pollMs: number;
  private readonly readBytes: number;

  constructor(private readonly options: SourceOptions) {
    this.pollMs = options.pollMs ?? 250;
    this.readBytes = options.readBytes ?? 1024 * 1024;
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  /** The files the inputs name now, oldest first within a folder. Missing inputs are an error unless following. */
  private discover(): string[] {
    const files: string[] = [];
    for (const input of this.options.inputs) {
      let st;
      try {
        st = statSync(input);
      } catch (e) {
        if (this.options.follow) continue; // a session may not have started its log yet
        throw new Error(`${input}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : (e as Error).message}`);
      }
      if (st.isDirectory()) {
        const inDir = readdirSync(input)
          .filter((n) => DOCUMENT_FILE.test(n))
          .map((n) => path.join(input, n))
          .flatMap((p) => {
            try {
              const s = statSync(p);
              return s.isFile() ? [{ p, rank: rotationRank(p), mtime: s.mtimeMs }] : [];
            } catch {
              return [];
            }
          });
        // Older rotations first: a higher rotation number is older; then by modification time.
        inDir.sort((a, b) => b.rank - a.rank || a.mtime - b.mtime || a.p.localeCompare(b.p));
        files.push(...inDir.map((f) => f.p));
      } else {
        files.push(input);
      }
    }
    return files;
  }

  private head(fd: number, bytes: number): Buffer {
    const buf = Buffer.alloc(bytes);
    const n = bytes > 0 ? readSync(fd, buf, 0, bytes, 0) : 0;
    return buf.subarray(0, n);
  }

  private open(file: string): Tracked | undefined {
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch {
      return undefined; // rotated away between readdir and open
    }
    const st = fstatSync(fd);
    let start = 0;
    let line = 0;
    if (this.options.checkpoints && !this.options.fromStart) {
      const cp = this.options.checkpoints.load(st.dev, st.ino, (n) => this.head(fd, n));
      if (cp && cp.offset <= st.size) {
        start = cp.offset;
        line = cp.line;
        if (start > 0) this.log(`${file}: resuming after line ${line} (byte ${start}) from its checkpoint`);
      }
    }
    const fpBytes = Math.min(st.size, FINGERPRINT_BYTES);
    return {
      path: file, fd, dev: st.dev, ino: st.ino, pos: start,
      splitter: new LineSplitter(this.options.maxLineBytes, start, line),
      fingerprint: fingerprintOf(this.head(fd, fpBytes)), fingerprintBytes: fpBytes, orphan: false,
    };
  }

  private refresh(): void {
    const seen = new Set<string>();
    for (const file of this.discover()) {
      let st;
      try {
        st = statSync(file);
      } catch {
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      seen.add(key);
      const t = this.tracked.get(key);
      if (t) {
        if (t.path !== file) this.log(`${t.path}: rotated to ${file}`);
        t.path = file;
        t.orphan = false;
        continue;
      }
      const opened = this.open(file);
      if (opened) this.tracked.set(`${opened.dev}:${opened.ino}`, opened);
    }
    for (const [key, t] of this.tracked) {
      if (!seen.has(key) && !t.orphan) {
        t.orphan = true;
        this.log(`${t.path}: rotated away; reading it to its end`);
      }
    }
  }

  private commitTo(t: Tracked, end: number, line: number): void {
    if (!this.options.checkpoints) return;
    if (t.fingerprintBytes < FINGERPRINT_BYTES) {
      const h = this.head(t.fd, FINGERPRINT_BYTES);
      t.fingerprint = fingerprintOf(h);
      t.fingerprintBytes = h.length;
    }
    this.options.checkpoints.save({ path: t.path, dev: t.dev, ino: t.ino, fingerprint: t.fingerprint, fingerprintBytes: t.fingerprintBytes, offset: end, line });
  }

  private chunk(t: Tracked, lines: Line[], end: number, lineNo: number): Chunk {
    return { file: t.path, lines, commit: () => this.commitTo(t, end, lineNo) };
  }

  /** One read from a file: the chunk of complete lines it gave, or undefined at its end. */
  private readOnce(t: Tracked): Chunk | undefined {
    const size = fstatSync(t.fd).size;
    if (size < t.pos) {
      this.log(`${t.path}: truncated (${size} < ${t.pos} bytes); reading it again from its start`);
      t.pos = 0;
      t.splitter = new LineSplitter(this.options.maxLineBytes, 0, 0);
      t.fingerprintBytes = 0;
    }
    if (size === t.pos) return undefined;
    const buf = Buffer.allocUnsafe(Math.min(this.readBytes, size - t.pos));
    const n = readSync(t.fd, buf, 0, buf.length, t.pos);
    if (n <= 0) return undefined;
    t.pos += n;
    const lines = t.splitter.push(buf.subarray(0, n));
    return this.chunk(t, lines, t.splitter.pendingStart, t.splitter.linesSeen);
  }

  /** The last line of a file that will not grow any more (one without a final line feed). */
  private finishFile(t: Tracked): Chunk | undefined {
    const last = t.splitter.flush();
    const end = t.pos;
    return this.chunk(t, last ? [last] : [], end, t.splitter.linesSeen);
  }

  private startWatching(): void {
    const dirs = new Set<string>();
    for (const input of this.options.inputs) {
      let isDir = false;
      try { isDir = statSync(input).isDirectory(); } catch { /* not there yet */ }
      dirs.add(isDir ? input : path.dirname(input));
    }
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.poke());
        w.on("error", () => undefined); // the folder went away: polling goes on
        this.watchers.push(w);
      } catch {
        // fs.watch is not available here: polling alone
      }
    }
  }

  private poke(): void {
    this.changed = true;
    this.wake?.();
  }

  private async idle(): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.options.signal?.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wake = done;
      this.options.signal?.addEventListener("abort", done, { once: true });
    });
    this.changed = false;
  }

  /** Chunks of lines, file by file, until the files end (or, following, until the signal aborts). */
  async *chunks(): AsyncGenerator<Chunk> {
    const aborted = () => this.options.signal?.aborted === true;
    if (this.options.follow) this.startWatching();
    try {
      this.refresh();
      for (;;) {
        let progressed = false;
        for (const [key, t] of [...this.tracked]) {
          for (;;) {
            if (aborted()) return;
            const c = this.readOnce(t);
            if (!c) break;
            progressed = true;
            yield c;
          }
          if (!this.options.follow || t.orphan) {
            const last = this.finishFile(t);
            if (last && last.lines.length > 0) yield last;
            else last?.commit();
            if (t.orphan) {
              closeSync(t.fd);
              this.tracked.delete(key);
            }
          }
        }
        if (!this.options.follow) return;
        if (!progressed) await this.idle();
        if (aborted()) return;
        this.refresh();
      }
    } finally {
      for (const w of this.watchers) w.close();
      for (const t of this.tracked.values()) closeSync(t.fd);
      this.tracked.clear();
    }
  }
}

/** `x.jsonl.3` -> 3, `x.jsonl` -> 0. */
function rotationRank(p: string): number {
  const m = /\.(\d+)$/.exec(p);
  return m ? Number(m[1]) : 0;
}

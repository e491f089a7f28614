/**
 * Per-file checkpoints: how far into a file its documents have been published, so a restart neither
 * loses nor repeats them. A file is known by its identity (device and inode) and a fingerprint of its
 * first bytes, not by its name: a log rotated to another name keeps its checkpoint, and a new file that
 * reuses an old inode does not inherit one. Each checkpoint is its own small JSON file, written to a
 * temporary name and renamed, so a crash leaves the old checkpoint or the new one, never half of one.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Bytes at the start of a file that identify it beside its inode. */
export const FINGERPRINT_BYTES = 512;

export interface Checkpoint {
  /** The path the file had when the checkpoint was written (for people; identity is dev, ino, fingerprint). */
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  /** SHA-256 of the first `fingerprintBytes` bytes of the file. */
  readonly fingerprint: string;
  readonly fingerprintBytes: number;
  /** Byte offset after the last line done, and that line's number. */
  readonly offset: number;
  readonly line: number;
  readonly updated: string;
}

export function fingerprintOf(head: Buffer): string {
  return createHash("sha256").update(head).digest("hex");
}

/** The default folder of a destination's checkpoints: $XDG_STATE_HOME/ewmda/publish/<destination hash>. */
export function defaultCheckpointDir(destination: string): string {
  const state = process.env.XDG_STATE_HOME || path.join(os.homedir(), ".local", "state");
  return path.join(state, "ewmda", "publish", createHash("sha256").update(destination).digest("hex").slice(0, 16));
}

export class CheckpointStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(dev: number, ino: number): string {
    return path.join(this.dir, `${dev}-${ino}.json`);
  }

  /** The checkpoint of a file, when one was written for the same file (same inode and first bytes). */
  load(dev: number, ino: number, head: (bytes: number) => Buffer): Checkpoint | undefined {
    let cp: Checkpoint;
    try {
      cp = JSON.parse(readFileSync(this.file(dev, ino), "utf8")) as Checkpoint;
    } catch {
      return undefined;
    }
    if (cp.dev !== dev || cp.ino !== ino) return undefined;
    const h = head(cp.fingerprintBytes);
    if (h.length < cp.fingerprintBytes || fingerprintOf(h) !== cp.fingerprint) return undefined; // another file on a reused inode
    return cp;
  }

  save(cp: Omit<Checkpoint, "updated">): void {
    const target = this.file(cp.dev, cp.ino);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...cp, updated: new Date().toISOString() }));
    renameSync(tmp, target);
  }
}

/**
 * Byte sources for the minidump reader: a file read with positional reads through a small block cache
 * (the file is never loaded whole), and an in-memory buffer. Also `LeView`, the little-endian field reader
 * every parser uses over the bytes of one stream or record.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ByteSource } from "./types";

const BLOCK = 64 * 1024;
const CACHE_BLOCKS = 32;

function clampRange(size: number, offset: number, length: number): [number, number] {
  if (!Number.isFinite(offset) || !Number.isFinite(length) || offset < 0 || length <= 0 || offset >= size) return [0, 0];
  const start = Math.floor(offset);
  return [start, Math.min(size, start + Math.floor(length))];
}

/** A read-only file as a ByteSource: positional `fs.readSync`, 64 KiB blocks, up to 32 blocks cached (LRU). */
export function openFileSource(path: string): ByteSource {
  const fd = openSync(path, "r");
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const cache = new Map<number, Uint8Array>();
  let closed = false;

  const readAt = (into: Uint8Array, position: number): number => {
    let done = 0;
    while (done < into.length) {
      const n = readSync(fd, into, done, into.length - done, position + done);
      if (n <= 0) break;
      done += n;
    }
    return done;
  };
  const block = (index: number): Uint8Array => {
    const hit = cache.get(index);
    if (hit) {
      cache.delete(index);
      cache.set(index, hit);
      return hit;
    }
    const start = index * BLOCK;
    const buf = new Uint8Array(Math.min(BLOCK, size - start));
    const got = readAt(buf, start);
    const data = got === buf.length ? buf : buf.subarray(0, got);
    cache.set(index, data);
    if (cache.size > CACHE_BLOCKS) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return data;
  };

  return {
    size,
    read(offset: number, length: number): Uint8Array {
      if (closed) throw new Error("the dump file is closed");
      const [start, end] = clampRange(size, offset, length);
      if (end <= start) return new Uint8Array(0);
      const first = Math.floor(start / BLOCK);
      const last = Math.floor((end - 1) / BLOCK);
      if (first === last) {
        const b = block(first);
        return b.slice(start - first * BLOCK, Math.min(b.length, end - first * BLOCK));
      }
      if (end - start > 4 * BLOCK) {
        // Large reads (memory ranges) go straight to the file rather than through the cache.
        const buf = new Uint8Array(end - start);
        const got = readAt(buf, start);
        return got === buf.length ? buf : buf.subarray(0, got);
      }
      const out = new Uint8Array(end - start);
      let pos = start;
      while (pos < end) {
        const index = Math.floor(pos / BLOCK);
        const b = block(index);
        const from = pos - index * BLOCK;
        const take = Math.min(b.length - from, end - pos);
        if (take <= 0) return out.subarray(0, pos - start);
        out.set(b.subarray(from, from + take), pos - start);
        pos += take;
      }
      return out;
    },
    close(): void {
      if (closed) return;
      closed = true;
      cache.clear();
      closeSync(fd);
    },
  };
}

/** Bytes already in memory as a ByteSource (reads return copies, so callers may keep them). */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset: number, length: number): Uint8Array {
      const [start, end] = clampRange(bytes.length, offset, length);
      return bytes.slice(start, end);
    },
  };
}

const utf16 = new TextDecoder("utf-16le");
const utf8 = new TextDecoder("utf-8");

/** Little-endian reads over a byte array; callers check `has` first (an out-of-range read throws RangeError). */
export class LeView {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  has(offset: number, size: number): boolean {
    return offset >= 0 && size >= 0 && offset + size <= this.bytes.length;
  }
  u8(o: number): number {
    return this.dv.getUint8(o);
  }
  u16(o: number): number {
    return this.dv.getUint16(o, true);
  }
  u32(o: number): number {
    return this.dv.getUint32(o, true);
  }
  i32(o: number): number {
    return this.dv.getInt32(o, true);
  }
  u64(o: number): bigint {
    return this.dv.getBigUint64(o, true);
  }
  sub(offset: number, length: number): LeView {
    const start = Math.max(0, Math.min(offset, this.bytes.length));
    return new LeView(this.bytes.subarray(start, Math.max(start, Math.min(this.bytes.length, offset + length))));
  }
  /** A NUL-terminated UTF-16LE string in a fixed-size field of `bytes` bytes. */
  fixedUtf16(offset: number, bytes: number): string {
    const end = Math.min(this.bytes.length, offset + bytes);
    let stop = offset;
    while (stop + 1 < end && (this.bytes[stop] !== 0 || this.bytes[stop + 1] !== 0)) stop += 2;
    return utf16.decode(this.bytes.subarray(offset, stop));
  }
  /** A NUL-terminated 8-bit string (UTF-8) starting at `offset`, at most up to the end of the view. */
  cString(offset: number, maxBytes = this.bytes.length): string {
    const end = Math.min(this.bytes.length, offset + maxBytes);
    let stop = Math.max(0, offset);
    while (stop < end && this.bytes[stop] !== 0) stop++;
    return utf8.decode(this.bytes.subarray(offset, stop));
  }
}

export function decodeUtf16(bytes: Uint8Array): string {
  return utf16.decode(bytes.subarray(0, bytes.length & ~1));
}

export function hex(value: number | bigint, width = 0): string {
  return "0x" + value.toString(16).padStart(width, "0");
}

/**
 * JSON lines out of byte chunks, with the byte offset after each line (what a checkpoint records), without
 * ever holding more than `maxLineBytes` of one line: a longer line is skipped to its end and reported
 * as oversized with its first bytes, so one runaway line cannot exhaust memory.
 */

export interface Line {
  /** 1-based line number in the file. */
  readonly lineNo: number;
  /** The text without its line end (and without a UTF-8 byte-order mark at the start of the file). */
  readonly text: string;
  /** Offset of the byte after the line end: where reading resumes once this line is done. */
  readonly end: number;
  /** Set for a line longer than the limit: its size in bytes; `text` then holds only its first bytes. */
  readonly oversizedBytes?: number;
}

const NL = 0x0a;
/** How much of an oversized line is kept for the dead-letter topic. */
export const OVERSIZED_HEAD_BYTES = 16 * 1024;

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** Bytes of an oversized line skipped so far (its head is in `carry`), or -1 when not skipping. */
  private skipped = -1;
  private lineNo: number;
  private offset: number;

  constructor(private readonly maxLineBytes: number, startOffset = 0, startLine = 0) {
    this.offset = startOffset;
    this.lineNo = startLine;
  }

  /** Offset of the first byte not yet part of a complete line. */
  get pendingStart(): number {
    return this.offset - this.carryBytes - Math.max(0, this.skipped);
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  /** Splits the next chunk of the file (which starts where the previous one ended). Empty lines are dropped. */
  push(chunk: Buffer): Line[] {
    const out: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
      this.offset += piece.length + (nl < 0 ? 0 : 1);
      this.take(piece);
      if (nl < 0) break;
      const line = this.finish();
      if (line) out.push(line);
      start = nl + 1;
    }
    return out;
  }

  /** The last line when the file ends without a line end (only when the file is complete). */
  flush(): Line | undefined {
    if (this.carryBytes === 0 && this.skipped < 0) return undefined;
    return this.finish();
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.skipped >= 0) {
      this.skipped += piece.length;
      return;
    }
    if (this.carryBytes + piece.length > this.maxLineBytes) {
      // Keep a head for the dead letter and count the rest.
      const keep = Math.max(0, Math.min(piece.length, OVERSIZED_HEAD_BYTES - this.carryBytes));
      if (keep > 0) {
        this.carry.push(Buffer.from(piece.subarray(0, keep)));
        this.carryBytes += keep;
      }
      this.skipped = piece.length - keep;
      return;
    }
    this.carry.push(Buffer.from(piece));
    this.carryBytes += piece.length;
  }

  private finish(): Line | undefined {
    this.lineNo++;
    let bytes = this.carry.length === 1 ? this.carry[0]! : Buffer.concat(this.carry, this.carryBytes);
    const total = this.carryBytes + Math.max(0, this.skipped);
    const wasOversized = this.skipped >= 0;
    this.carry = [];
    this.carryBytes = 0;
    this.skipped = -1;
    if (this.lineNo === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (wasOversized) bytes = bytes.subarray(0, OVERSIZED_HEAD_BYTES);
    else if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const text = bytes.toString("utf8");
    if (wasOversized) return { lineNo: this.lineNo, text, end: this.offset, oversizedBytes: total };
    if (text.trim() === "") return undefined;
    return { lineNo: this.lineNo, text, end: this.offset };
  }
}

/**
 * The `~` thread listing, for the suspend counts the data model does not give in user dumps
 * (patterns.md §5): one line per thread with its suspend count and freeze state,
 *
 *     .  0  Id: 1138.1a4 Suspend: 1 Teb: 000000e8`0002e000 Unfrozen "main"
 *
 * where the first column marks the current thread (`.`) or the last event's thread (`#`), then the
 * debugger's index (decimal), process and thread ids (hex), the suspend count (decimal), the TEB, Frozen
 * or Unfrozen (the debugger's own freeze, `~f`), and the thread's description in quotes when it has one.
 */

export interface ThreadLine {
  readonly index: number;
  readonly processId: number;
  readonly tid: number;
  readonly suspendCount: number;
  /** As printed (`000000e8`0002e000`). */
  readonly teb: string;
  /** Frozen by the debugger (`~f`). */
  readonly frozen: boolean;
  /** Marked `.` (current thread). */
  readonly current: boolean;
  /** Marked `#` (the last event's thread). */
  readonly lastEvent: boolean;
  readonly name: string | undefined;
}

export interface ThreadList {
  readonly threads: readonly ThreadLine[];
  /** Non-blank lines that are not thread lines. */
  readonly unparsed: readonly string[];
}

const THREAD = /^\s*([.#])?\s*(\d+)\s+Id:\s*([0-9a-f]+)\.([0-9a-f]+)\s+Suspend:\s*(\d+)\s+Teb:\s*([0-9a-f`]+)\s+(Frozen|Unfrozen)\b\s*(?:"(.*)")?/i;

export function parseThreadList(lines: readonly string[]): ThreadList {
  const threads: ThreadLine[] = [];
  const unparsed: string[] = [];
  for (const raw of lines) {
    const line = String(raw);
    if (line.trim() === "") continue;
    const m = THREAD.exec(line);
    if (!m) {
      unparsed.push(line);
      continue;
    }
    threads.push({
      index: parseInt(m[2]!, 10),
      processId: parseInt(m[3]!, 16),
      tid: parseInt(m[4]!, 16),
      suspendCount: parseInt(m[5]!, 10),
      teb: m[6]!,
      frozen: m[7]!.toLowerCase() === "frozen",
      current: m[1] === ".",
      lastEvent: m[1] === "#",
      name: m[8],
    });
  }
  return { threads, unparsed };
}

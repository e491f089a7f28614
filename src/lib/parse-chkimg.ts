/**
 * `!chkimg -lo 50 -d <module>`: the module's image in memory compared with the file from the symbol path
 * (Microsoft Learn "!chkimg"). WinDbg prints the ranges that differ, each with the original and the memory
 * bytes, then a summary line:
 *
 *     Scanning section:    .text
 *     Size: 633532
 *     Range to scan: 76e11000-76eababc
 *         76e3e6a5-76e3e6a9  5 bytes - kernel32!CreateFileW
 *     	[ 8b ff 55 8b ec:e9 56 19 0c 09 ]
 *         76e41234 - kernel32!GetProcAddress+4
 *     	[ 55:cc ]
 *     Total bytes compared: 633532(100%)
 *     Number of errors: 6
 *     6 errors : kernel32 (76e3e6a5-76e41234)
 *
 * (`N errors : !kernel32` when the module was given as `!kernel32`; `0 errors : kernel32` when clean). When
 * the image file cannot be found it says so ("Could not find image file for the module. Make sure binaries
 * are included in the symbol path."), which is "not checked", never "clean".
 */

export interface ChkimgDifference {
  /** Start and end as hex digits (backticks removed); equal for a one-byte difference. */
  readonly start: string;
  readonly end: string;
  readonly length: number;
  /** `kernel32!CreateFileW` (+offset), as printed. */
  readonly symbol: string | undefined;
  /** Bytes of the file and of memory, when the `[ file:memory ]` line follows. */
  readonly expected: readonly number[];
  readonly actual: readonly number[];
}

export interface ChkimgResult {
  readonly kind: "compared";
  readonly module: string;
  readonly errors: number;
  readonly differences: readonly ChkimgDifference[];
  /** The "Comparison image path:" line's path, when printed. */
  readonly imagePath: string | undefined;
}

export interface ChkimgNotChecked {
  readonly kind: "not checked";
  /** WinDbg's reason, or what the output looked like. */
  readonly reason: string;
}

const NOT_CHECKED = /^No export|could not find image|unable to (?:determine|find|load|read|get)|make sure binaries|no image file|not found in the|image file not found|failed to|error:/i;

function bytesOf(text: string): number[] {
  return text.trim().split(/\s+/).filter((s) => /^[0-9a-f]{1,2}$/i.test(s)).map((s) => parseInt(s, 16));
}

export function parseChkimg(lines: readonly string[]): ChkimgResult | ChkimgNotChecked {
  const differences: { start: string; end: string; length: number; symbol: string | undefined; expected: number[]; actual: number[] }[] = [];
  let module: string | undefined;
  let errors: number | undefined;
  let imagePath: string | undefined;
  let problem: string | undefined;
  let first = "";
  for (const raw of lines) {
    const t = String(raw).trim();
    if (t === "") continue;
    if (first === "") first = t;
    let m = /^(\d+)\s+errors?\s*:\s*!?(\S+)(?:\s+\(([^)]*)\))?/i.exec(t);
    if (m) { errors = Number(m[1]); module = m[2]; continue; }
    m = /^Comparison image path:\s*(.+)$/i.exec(t);
    if (m) { imagePath = m[1]!.trim(); continue; }
    m = /^([0-9a-f`]+)-([0-9a-f`]+)\s+(\d+)\s+bytes?\s*-\s*(.*)$/i.exec(t);
    if (m) {
      differences.push({ start: m[1]!.replace(/`/g, ""), end: m[2]!.replace(/`/g, ""), length: Number(m[3]), symbol: m[4]!.trim() || undefined, expected: [], actual: [] });
      continue;
    }
    m = /^([0-9a-f`]{8,17})\s+-\s+(.*?)\s*(?:\[\s*([0-9a-f ]+):([0-9a-f ]+)\])?$/i.exec(t);
    if (m) {
      const a = m[1]!.replace(/`/g, "");
      const d = { start: a, end: a, length: 1, symbol: m[2]!.trim() || undefined, expected: m[3] ? bytesOf(m[3]) : [], actual: m[4] ? bytesOf(m[4]) : [] };
      differences.push(d);
      continue;
    }
    m = /^\[\s*([0-9a-f ]+):([0-9a-f ]+)\]$/i.exec(t);
    if (m && differences.length) {
      const d = differences[differences.length - 1]!;
      if (d.expected.length === 0) { d.expected = bytesOf(m[1]!); d.actual = bytesOf(m[2]!); }
      continue;
    }
    if (!problem && NOT_CHECKED.test(t)) problem = t;
  }
  if (errors !== undefined && module !== undefined) return { kind: "compared", module, errors, differences, imagePath };
  return { kind: "not checked", reason: problem ?? (first === "" ? "!chkimg printed nothing" : "the !chkimg output was not recognized: " + first) };
}

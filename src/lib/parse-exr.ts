/**
 * Parsers for the debugger output the exception analysis reads: `.exr -1` (the most recent exception
 * record), `.lastevent` (which thread, first or second chance) and the frame lines of `k`/`kn` (the stack
 * under `.ecxr`). Formats as WinDbg prints them:
 *
 *   ExceptionAddress: 00007ff7e8b57919 (app!main+0x0000000000000049)
 *      ExceptionCode: c0000005 (Access violation)
 *     ExceptionFlags: 00000000
 *   NumberParameters: 2
 *      Parameter[0]: 0000000000000001
 *      Parameter[1]: 0000000000000000
 *   Attempt to write to address 0000000000000000
 *
 *   Last event: 1138.2b0: Access violation - code c0000005 (first/second chance not available)
 *
 *    # Child-SP          RetAddr               Call Site
 *   00 000000e8`0010ff40 00007ff6`10001500     app!main+0x34 [c:\src\app.cpp @ 12]
 *
 * Values stay text (hex digits without the backtick) so the parsers need no host; the analysis turns
 * them into 64-bit values. Anything that is not in these formats is reported as such, never guessed.
 */
import { parseStackCommand } from "./parse-stack-command";
import { trimRight } from "./values";

export interface ExrRecord {
  readonly kind: "record";
  /** ExceptionAddress as hex digits (`00007ff7e8b57919`). */
  readonly address: string;
  /** The symbol WinDbg printed after the address, displacement without padding (`app!main+0x49`). */
  readonly location: string | undefined;
  readonly code: number;
  /** WinDbg's own name of the code (`Access violation`). */
  readonly codeText: string | undefined;
  readonly flags: number | undefined;
  /** Parameter[i] as hex digits. */
  readonly parameters: readonly string[];
  /** The lines WinDbg adds after the parameters (`Attempt to write to address 0`, `Subcode: 0x7 FAST_FAIL_FATAL_APP_EXIT`). */
  readonly notes: readonly string[];
  /** C++ exceptions: the `Type` lines (`class std::runtime_error`), most derived first. */
  readonly cppTypes: readonly string[];
}

export interface ExrNone {
  readonly kind: "none";
  /** The line that says there is no exception. */
  readonly text: string;
}

export interface ExrUnrecognized {
  readonly kind: "unrecognized";
  /** The first non-empty line of the output (for the Info row). */
  readonly text: string;
}

export type ExrResult = ExrRecord | ExrNone | ExrUnrecognized;

const NO_EXCEPTION = /no exception|not an exception|not a valid exception|no last event|unable to (?:get|read|find) (?:the )?(?:last |most recent )?exception/i;

/** `(app!main+0x0000000000000049)` → `app!main+0x49`. */
function normalizeLocation(text: string): string {
  return text.replace(/\+0x0*([0-9a-f]+)$/i, "+0x$1");
}

/** Parses `.exr -1` (or `.exr <address>`) output; the first record when there are several. */
export function parseExr(lines: readonly string[]): ExrResult {
  let address: string | undefined;
  let location: string | undefined;
  let code: number | undefined;
  let codeText: string | undefined;
  let flags: number | undefined;
  const parameters: string[] = [];
  const notes: string[] = [];
  const cppTypes: string[] = [];
  let expectLocation = false;
  let first = "";
  for (const raw of lines) {
    const line = trimRight(raw);
    const t = line.trim();
    if (t === "") continue;
    if (first === "") first = t;
    if (expectLocation) {
      expectLocation = false;
      const wrapped = /^\((.+)\)$/.exec(t);
      if (wrapped && location === undefined) { location = normalizeLocation(wrapped[1]!); continue; }
    }
    let m = /^ExceptionAddress:\s*([0-9a-f`]+)(?:\s+\((.*)\))?$/i.exec(t);
    if (m) {
      if (address !== undefined) break; // a second record: keep the first
      address = m[1]!.replace(/`/g, "");
      location = m[2] !== undefined ? normalizeLocation(m[2]) : undefined;
      expectLocation = m[2] === undefined;
      continue;
    }
    m = /^ExceptionCode:\s*([0-9a-f]{1,8})(?:\s+\((.*)\))?$/i.exec(t);
    if (m) { code = parseInt(m[1]!, 16) >>> 0; codeText = m[2]; continue; }
    m = /^ExceptionFlags:\s*([0-9a-f]{1,8})$/i.exec(t);
    if (m) { flags = parseInt(m[1]!, 16) >>> 0; continue; }
    if (/^NumberParameters:/i.test(t)) continue;
    m = /^Parameter\[(\d+)\]:\s*([0-9a-f`]+)/i.exec(t);
    if (m) { parameters[Number(m[1])] = m[2]!.replace(/`/g, ""); continue; }
    m = /^Type\s*:\s*(.+)$/.exec(t);
    if (m && code !== undefined) { cppTypes.push(m[1]!.trim()); continue; }
    if (code !== undefined && (/^Attempt to /i.test(t) || /^Subcode:/i.test(t) || /^pExceptionObject\s*:/i.test(t) || /^_s_ThrowInfo\s*:/i.test(t))) {
      notes.push(t);
    }
  }
  if (code !== undefined && code !== 0 && address !== undefined) {
    const params: string[] = [];
    for (let i = 0; i < parameters.length; i++) params.push(parameters[i] !== undefined ? parameters[i]! : "0");
    return { kind: "record", address, location, code, codeText, flags, parameters: params, notes, cppTypes };
  }
  for (const raw of lines) {
    if (NO_EXCEPTION.test(raw)) return { kind: "none", text: raw.trim() };
  }
  if (code === 0) return { kind: "none", text: "ExceptionCode: 00000000" };
  return { kind: "unrecognized", text: first === "" ? "(no output)" : first };
}

export interface LastEvent {
  readonly processId: number;
  readonly threadId: number;
  /** `Access violation - code c0000005 (first/second chance not available)` */
  readonly description: string;
  readonly code: number | undefined;
  /** true: first chance; false: second chance; undefined: the dump does not say. */
  readonly firstChance: boolean | undefined;
}

/** Parses `.lastevent`: `Last event: 1138.2b0: Access violation - code c0000005 (first chance)`. */
export function parseLastEvent(lines: readonly string[]): LastEvent | undefined {
  for (const raw of lines) {
    const m = /Last event:\s*([0-9a-f]+)\.([0-9a-f]+):\s*(.*)$/i.exec(raw);
    if (!m) continue;
    const description = m[3]!.trim();
    const c = /\bcode\s+([0-9a-f]{1,8})\b/i.exec(description);
    let firstChance: boolean | undefined;
    if (/not available/i.test(description)) firstChance = undefined;
    else if (/second chance/i.test(description)) firstChance = false;
    else if (/first chance/i.test(description)) firstChance = true;
    return {
      processId: parseInt(m[1]!, 16), threadId: parseInt(m[2]!, 16), description,
      code: c ? parseInt(c[1]!, 16) >>> 0 : undefined, firstChance,
    };
  }
  return undefined;
}

export interface StackTextFrame {
  readonly index: number;
  /** Child-SP (x64) or ChildEBP (x86) as hex digits; `--------` for inline frames. */
  readonly frame: string;
  readonly returnAddress: string;
  /** `app!main+0x34` (the source suffix ` [file @ line]` dropped). */
  readonly callSite: string;
}

/**
 * The frame lines of `k`/`kn` output (after its ` # Child-SP RetAddr Call Site` header), in order;
 * lines before the header (registers, disassembly printed by `.ecxr`) are ignored. The first stack of
 * parseStackCommand (parse-stack-command.ts reads every `k` variant and thread blocks).
 */
export function parseStackText(lines: readonly string[]): StackTextFrame[] {
  const block = parseStackCommand(lines)[0];
  if (!block) return [];
  return block.frames.map((f) => ({ index: f.index, frame: f.childSp ?? "", returnAddress: f.returnAddress ?? "", callSite: f.callSite }));
}

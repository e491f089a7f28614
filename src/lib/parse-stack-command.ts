/**
 * Frames from the output of the stack commands (patterns.md §38, §39): `k` and its variants (`kn`, `kb`,
 * `kv`, `kp`, `kc`, `kf`, with or without frame numbers), `~*k` / `~*e kv` (one block per thread),
 * `!uniqstack`, and the kernel's `!process` / `!thread` (one block per THREAD). Formats as WinDbg prints them:
 *
 *   .  0  Id: 1138.1a4 Suspend: 1 Teb: 00000047`a0000000 Unfrozen "main"
 *    # Child-SP          RetAddr               Call Site
 *   00 000000e8`0020f9a0 00007ffb`1e017034     app!worker+0x34 [c:\src\app.cpp @ 42]
 *   01 (Inline Function) --------`--------     app!inlined+0x5
 *
 *    # Child-SP          RetAddr               : Args to Child                                                           : Call Site
 *   00 000000e8`0020f9a0 00007ffb`1e017034     : 00000000`00000000 00000000`00000001 00000000`00000000 00000000`00000000 : ntdll!NtWaitForSingleObject+0x14
 *
 *    # ChildEBP RetAddr  Args to Child
 *   00 0019ff3c 00401234 00000000 00000001 0019ff80 app32!main+0x2e (FPO: [0,0,0])
 *
 *    #   Memory  Child-SP          RetAddr               Call Site          (kf: bytes between frames)
 *    # Call Site                                                             (kc)
 *
 *           THREAD ffffe001`23456080  Cid 0abc.0def  Teb: 000000d1`2f4e1000 Win32Thread: 0000000000000000 WAIT: ...
 *           Child-SP          RetAddr               : Args to Child                                                           : Call Site
 *           ffffd000`2a5e7830 fffff803`5c4ad7ea     : ... : nt!KiSwapContext+0x76
 *
 * A frame line is read only after a column header (`Child-SP`, `ChildEBP` or `Call Site`) and up to the next
 * blank line; numbered frames must come in order (a line whose number is not the next one is something
 * else). Addresses stay text (the parser needs no host); `frameValue` turns them into "0x..." strings.
 * Unwind warnings printed inside a block are kept with the block.
 */
import { parseThreadList } from "./parse-threads";
import { trimRight } from "./values";

export interface StackFrameText {
  readonly index: number;
  /** Child-SP (x64) or ChildEBP (x86) as printed without the backtick; `Inline` for an inline frame; undefined for `kc`. */
  readonly childSp: string | undefined;
  /** As printed without the backtick (`----------------` for an inline frame); undefined for `kc`. */
  readonly returnAddress: string | undefined;
  /** The call site without the source suffix and without annotations (`(FPO: ...)`, `(CONV: ...)`, `(TrapFrame @ ...)`). */
  readonly callSite: string;
  readonly inline: boolean;
  /** `c:\src\app.cpp @ 42`, when printed. */
  readonly sourceLine: string | undefined;
  /** Bytes of stack between this frame and the previous one (`kf`), as hex digits. */
  readonly memory: string | undefined;
}

export interface StackBlockThread {
  /** The debugger's thread number (`~` index), when the block has a `~` header. */
  readonly index: number | undefined;
  readonly processId: number | undefined;
  readonly threadId: number | undefined;
  /** The ETHREAD address of a kernel THREAD header, as printed without the backtick. */
  readonly object: string | undefined;
}

export interface StackBlock {
  /** The thread the block belongs to; undefined when the output names none (a plain `k` of the current thread). */
  readonly thread: StackBlockThread | undefined;
  readonly frames: StackFrameText[];
  /** Lines such as "WARNING: Stack unwind information not available. Following frames may be wrong." */
  readonly warnings: string[];
}

interface Columns {
  readonly index: boolean;
  readonly memory: boolean;
  readonly childSp: boolean;
  readonly retAddr: boolean;
  readonly args: boolean;
  /** x64 `kb`/`kv` put the arguments between colons. */
  readonly colons: boolean;
}

const HEADER = /Child-SP|ChildEBP|Call Site/;
const KERNEL_THREAD = /^\s*THREAD\s+([0-9a-f`]+)\s+Cid\s+([0-9a-f]+)\.([0-9a-f]+)/i;
const ADDRESS = /^(?:[0-9a-f]{8}`[0-9a-f]{8}|[0-9a-f]{8,16})$/i;
const DASHES = /^-{8}`?-{0,8}$/;

function headerColumns(line: string): Columns {
  return {
    index: /^\s*#/.test(line),
    memory: /\bMemory\b/.test(line),
    childSp: /Child-SP|ChildEBP/.test(line),
    retAddr: /RetAddr/.test(line),
    args: /Args to Child/.test(line),
    colons: /:\s*Args to Child/.test(line) || /Args to Child\s*:/.test(line),
  };
}

/** One frame line under a header, or undefined when the line is not one. */
function frameLine(raw: string, c: Columns, expected: number): StackFrameText | undefined {
  let rest = trimRight(raw.replace(/\(Inline Function\)/, "Inline"));
  let index = expected;
  if (c.index) {
    const m = /^\s*([0-9a-f]{2,4})\s+/i.exec(rest);
    if (!m || parseInt(m[1]!, 16) !== expected) return undefined;
    index = expected;
    rest = rest.slice(m[0].length);
  } else {
    rest = rest.replace(/^\s+/, "");
  }
  let memory: string | undefined;
  if (c.memory) {
    const m = /^([0-9a-f]{1,7})\s+/i.exec(rest);
    if (m) { memory = m[1]!; rest = rest.slice(m[0].length); }
  }
  let childSp: string | undefined;
  let returnAddress: string | undefined;
  let inline = false;
  if (c.childSp) {
    const m = /^(\S+)\s+/.exec(rest);
    if (!m) return undefined;
    if (m[1] === "Inline") inline = true;
    else if (!ADDRESS.test(m[1]!)) return undefined;
    childSp = m[1]!.replace(/`/g, "");
    rest = rest.slice(m[0].length);
  }
  if (c.retAddr) {
    const m = /^(\S+)\s+/.exec(rest);
    if (!m || !(ADDRESS.test(m[1]!) || DASHES.test(m[1]!))) return undefined;
    returnAddress = m[1]!.replace(/`/g, "");
    rest = rest.slice(m[0].length);
  }
  if (c.args) {
    if (c.colons) {
      const m = /^:[^:]*:\s*/.exec(rest);
      if (m) rest = rest.slice(m[0].length);
    } else {
      // x86: three argument words before the call site.
      for (let k = 0; k < 3; k++) {
        const m = /^([0-9a-f]{8})\s+/i.exec(rest);
        if (!m) break;
        rest = rest.slice(m[0].length);
      }
    }
  }
  let sourceLine: string | undefined;
  const src = /\s+\[([^\]]*@[^\]]*)\]\s*$/.exec(rest);
  if (src) { sourceLine = src[1]!.trim(); rest = rest.slice(0, src.index); }
  // Annotations after the call site: `(FPO: [0,0,0])`, `(CONV: stdcall)`, `(TrapFrame @ ffffd000`2a5e7a80)`.
  const callSite = rest.replace(/\s+\([A-Za-z]+(?::| @)[^)]*\)/g, "").trim();
  if (callSite === "") return undefined;
  // Without addresses (kc), only lines that look like a call site count.
  if (!c.childSp && !c.retAddr && !/^[^\s!]+!|^[\w.-]+\+0x[0-9a-f]+$|^(?:0x)?[0-9a-f`]{8,17}$/i.test(callSite)) return undefined;
  return { index, childSp, returnAddress, callSite, inline, sourceLine, memory };
}

/** The stacks in a stack command's output, in order; empty when there is none (garbage gives none, never a guess). */
export function parseStackCommand(lines: readonly string[]): StackBlock[] {
  const blocks: StackBlock[] = [];
  let pendingThread: StackBlockThread | undefined;
  let current: StackBlock | undefined;
  let columns: Columns | undefined;
  for (const item of lines) {
    const line = String(item);
    if (line.trim() === "") { columns = undefined; continue; }
    const kernel = KERNEL_THREAD.exec(line);
    if (kernel) {
      pendingThread = { index: undefined, processId: parseInt(kernel[2]!, 16), threadId: parseInt(kernel[3]!, 16), object: kernel[1]!.replace(/`/g, "") };
      columns = undefined;
      continue;
    }
    if (/\bId:\s*[0-9a-f]+\.[0-9a-f]+\b/i.test(line)) {
      const t = parseThreadList([line]).threads[0];
      if (t) {
        pendingThread = { index: t.index, processId: t.processId, threadId: t.tid, object: undefined };
        columns = undefined;
        continue;
      }
    }
    if (HEADER.test(line) && !/^\s*[0-9a-f]{2,4}\s/i.test(line)) {
      columns = headerColumns(line);
      if (!current || pendingThread || current.frames.length > 0) {
        current = { thread: pendingThread, frames: [], warnings: [] };
        blocks.push(current);
      }
      pendingThread = undefined;
      continue;
    }
    if (!columns || !current) continue;
    const f = frameLine(line, columns, current.frames.length);
    if (f) { current.frames.push(f); continue; }
    if (/^\s*WARNING:|unwind/i.test(line)) current.warnings.push(line.trim());
  }
  return blocks;
}

export interface CallSiteParts {
  readonly module: string | undefined;
  readonly func: string | undefined;
  /** Displacement as "0x..." (lowercase, no padding). */
  readonly offset: string | undefined;
  /** A call site that is only an address, as "0x...". */
  readonly address: string | undefined;
}

/** `00000000`0014f6d8` → `0x14f6d8`; undefined for dashes, `Inline` and anything not hex. */
export function hexValue(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const t = text.replace(/`/g, "").replace(/^0x/i, "");
  if (!/^[0-9a-f]+$/i.test(t)) return undefined;
  const digits = t.toLowerCase().replace(/^0+/, "");
  return "0x" + (digits === "" ? "0" : digits);
}

/**
 * `module!Function+0x1a` → module, function, offset; `module+0x1a` → module and offset; a bare address →
 * address. With `withParams` (`kp`/`kP` output), the parameter list printed after the function is dropped
 * from the function name.
 */
export function splitCallSite(callSite: string, withParams = false): CallSiteParts {
  const site = callSite.trim();
  if (/^(?:0x)?[0-9a-f]{8}(?:`?[0-9a-f]{8})?$/i.test(site)) return { module: undefined, func: undefined, offset: undefined, address: hexValue(site) };
  const bang = site.indexOf("!");
  const off = /\+0x([0-9a-f]+)$/i.exec(site);
  const offset = off ? hexValue(off[1]) : undefined;
  const body = off ? site.slice(0, off.index) : site;
  if (bang < 0) return { module: body !== "" ? body : undefined, func: undefined, offset, address: undefined };
  const module = site.slice(0, bang);
  let func = body.slice(bang + 1);
  if (withParams && /\)$/.test(func)) {
    // Drop the last balanced "( ... )" group: the parameters kp prints.
    let depth = 0;
    for (let i = func.length - 1; i >= 0; i--) {
      const ch = func.charAt(i);
      if (ch === ")") depth++;
      else if (ch === "(") {
        depth--;
        if (depth === 0) { if (i > 0) func = func.slice(0, i); break; }
      }
    }
  }
  return { module: module !== "" ? module : undefined, func: func !== "" ? func : undefined, offset, address: undefined };
}

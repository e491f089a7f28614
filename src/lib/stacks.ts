/**
 * Every thread's stack, read once per call from the data model (`Thread.Stack.Frames`) and shared by all
 * analyses of that call (through the Target): frames with their module, symbol and normalized function
 * name, and a signature for grouping identical stacks. Symbols are looked up once per distinct address.
 */
import { isInt64, toInt64, type Int64 } from "./int64";
import type { ModuleInfo } from "./module-index";
import type { Target, ThreadRef } from "./target";
import { errorMessage, notAvailable, type Unavailable } from "./values";

export interface FrameInfo {
  readonly index: number;
  /** Instruction pointer (frame 0) or return address. */
  readonly ip: Int64;
  /** Stack pointer of the frame (Child-SP), when the model gives one; a getter that reads it on first use (spreading a frame drops it). */
  readonly sp: Int64 | undefined;
  readonly module: ModuleInfo | undefined;
  /** `ntdll!NtWaitForSingleObject+0x14`, `xul+0x1234` without symbols, or the address outside modules. */
  readonly symbol: string;
  /** `ntdll!NtWaitForSingleObject` (displacement dropped); without symbols the same as `symbol`. */
  readonly func: string;
  readonly hasSymbol: boolean;
}

export interface ThreadStack {
  readonly thread: ThreadRef;
  /** Frames from the top (frame 0), or why they could not be read. */
  readonly frames: readonly FrameInfo[] | Unavailable;
  /** Normalized function names joined by newlines: equal signatures are the same stack. */
  readonly signature: string;
}

/**
 * A frame whose stack pointer is read from the model on first use: grouping and matching stacks need
 * only the instruction addresses, and every property read is a host call (a third of a frame's cost).
 */
class Frame implements FrameInfo {
  private spRead = false;
  private spValue: Int64 | undefined;

  constructor(
    readonly index: number, readonly ip: Int64, private readonly attrs: DbgModel.StackFrameAttributes,
    readonly module: ModuleInfo | undefined, readonly symbol: string, readonly func: string, readonly hasSymbol: boolean,
  ) {}

  get sp(): Int64 | undefined {
    if (!this.spRead) {
      this.spRead = true;
      try { const s: unknown = this.attrs.StackOffset; this.spValue = isInt64(s) || typeof s === "number" ? toInt64(s) : undefined; } catch (e) { this.spValue = undefined; }
    }
    return this.spValue;
  }
}

/** Reads one thread's frames (at most `maxFrames`). */
export function readThreadStack(t: Target, thread: ThreadRef, maxFrames: number): ThreadStack {
  let frames: FrameInfo[] | Unavailable;
  try {
    const out: FrameInfo[] = [];
    const modules = t.modules();
    for (const f of thread.model.Stack.Frames) {
      if (out.length >= maxFrames) break;
      const attrs = f.Attributes;
      const ip = toInt64(attrs.InstructionOffset);
      const module = modules.find(ip);
      let symbol: string;
      let hasSymbol = false;
      if (module) {
        const s = t.symbolize(ip, module);
        symbol = s.text;
        hasSymbol = s.hasSymbol;
      } else {
        symbol = t.formatAddress(ip);
      }
      const plus = symbol.lastIndexOf("+0x");
      const func = hasSymbol && plus > 0 ? symbol.slice(0, plus) : symbol;
      out.push(new Frame(out.length, ip, attrs, module, symbol, func, hasSymbol));
    }
    frames = out;
  } catch (e) {
    frames = notAvailable("the stack of thread 0x" + thread.id.toString(16) + " could not be read: " + errorMessage(e));
  }
  const signature = Array.isArray(frames) ? (frames as FrameInfo[]).map((f) => f.func).join("\n") : "";
  return { thread, frames, signature };
}

/** True when a frame's function matches a pattern: `module!Function`, with `*` as a wildcard; case-insensitive. */
export function matchesFunction(func: string, pattern: string): boolean {
  return globMatch(func.toLowerCase(), pattern.toLowerCase());
}

/** `*` matches any run of characters (no RegExp: patterns come from users and must not need escaping). */
export function globMatch(text: string, pattern: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return text === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let pos = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i]!;
    const at = text.indexOf(p, pos);
    if (at < 0 || at + p.length > end) return false;
    pos = at + p.length;
  }
  return true;
}

/**
 * Was a thread executing code when the dump was written, or sitting in a system call (patterns.md §4)?
 * Shared by ActiveThreads, SpikingThreads and SuspendedThreads so they agree on which threads run and
 * which thread wrote the dump.
 *
 * A thread inside a system call has its instruction pointer right after the syscall instruction of a
 * stub (x64 `syscall` 0F 05 or `int 2e` CD 2E, x86 `sysenter` 0F 34 or `int 2e`, ARM64 `svc #n`), so when
 * the code before the IP is in the dump the bytes decide. x86 stubs that leave through a call (WOW64's
 * `call edx` to the transition code) are in a system call too when frame 0 is a stub. Without the code
 * bytes, frame 0's function decides (SYSTEM_CALL_STUBS).
 */
import type { CallArch } from "./call-site";
import { endsWithCall } from "./call-site";
import { addTo, halvesOf } from "./int64";
import { frameMatches, parseFramePattern, type FramePattern } from "./stack-filter";
import { globMatch, matchesFunction, type FrameInfo, type ThreadStack } from "./stacks";
import type { Target } from "./target";
import { SYSTEM_CALL_STUBS } from "./wait-classes";

export type Activity = "active" | "system-call" | "unknown";

export interface ThreadActivity {
  readonly activity: Activity;
  /** Frame 0, when the stack could be read. */
  readonly top: FrameInfo | undefined;
  /** bytes: the code before the IP was read; symbol: decided from frame 0's function (code not in the dump); none: could not tell. */
  readonly checked: "bytes" | "symbol" | "none";
  /** The instruction found right before the IP (`syscall`, `sysenter`, `int 2e`, `svc`, `call`), when bytes were checked. */
  readonly instruction: string | undefined;
  /** One line: why. */
  readonly reason: string;
}

/**
 * Frames of threads that write dumps or break into the process for a debugger (not the process's own
 * work): dbghelp/dbgcore, WER, the debugger's break-in thread, Breakpad and Crashpad handlers.
 */
export const DUMP_WRITER_FUNCTIONS: readonly string[] = [
  "*!MiniDumpWriteDump*", "dbgcore", "faultrep", "*!WerpReportFault*", "ntdll!DbgUiRemoteBreakin",
  "*!google_breakpad::ExceptionHandler::*", "*!crashpad::*",
];

/** x86 stub return point after `sysenter` (XP-era `KiFastSystemCall`), not named Nt*. */
const EXTRA_STUBS: readonly string[] = ["ntdll!KiFastSystemCallRet"];

/** The system-call instruction that ends right before the IP, or undefined. */
export function syscallBefore(before: ArrayLike<number>, arch: CallArch): string | undefined {
  const n = before.length;
  if (arch === "arm64") {
    if (n < 4) return undefined;
    const w = (before[n - 4]! | (before[n - 3]! << 8) | (before[n - 2]! << 16) | (before[n - 1]! << 24)) >>> 0;
    // SVC #imm16: 1101 0100 000 imm16 000 01 (Arm ARM C6 "SVC").
    return ((w & 0xffe0001f) >>> 0) === 0xd4000001 ? "svc" : undefined;
  }
  if (n < 2) return undefined;
  const a = before[n - 2];
  const b = before[n - 1];
  if (a === 0xcd && b === 0x2e) return "int 2e";
  if (arch === "x64" && a === 0x0f && b === 0x05) return "syscall";
  if (arch === "x86" && a === 0x0f && b === 0x34) return "sysenter";
  return undefined;
}

/** Frame patterns from a settings list; patterns that make no sense are skipped. */
export function framePatterns(list: readonly string[]): FramePattern[] {
  const out: FramePattern[] = [];
  for (const s of list) {
    const p = parseFramePattern(s);
    if (typeof p !== "string") out.push(p);
  }
  return out;
}

/** The first frame (top down) matching any pattern, or undefined (also for unreadable stacks). */
export function findFrame(stack: ThreadStack, patterns: readonly FramePattern[]): FrameInfo | undefined {
  if (!Array.isArray(stack.frames) || patterns.length === 0) return undefined;
  for (const f of stack.frames as readonly FrameInfo[]) {
    for (const p of patterns) if (frameMatches(f, p)) return f;
  }
  return undefined;
}

function isStub(f: FrameInfo): boolean {
  if (!f.hasSymbol) return false;
  for (const p of SYSTEM_CALL_STUBS) if (matchesFunction(f.func, p)) return true;
  for (const p of EXTRA_STUBS) if (matchesFunction(f.func, p)) return true;
  return false;
}

/** Classifies threads; code bytes are read once per distinct IP (threads in the same stub share them). */
export class ActivityClassifier {
  private readonly bytesCache: { [ip: string]: ArrayLike<number> | null } = {};
  private readonly arch: CallArch;

  constructor(private readonly target: Target) {
    this.arch = target.architecture();
  }

  private codeBefore(top: FrameInfo): ArrayLike<number> | undefined {
    const [hi, lo] = halvesOf(top.ip);
    const key = hi + ":" + lo;
    let b = this.bytesCache[key];
    if (b === undefined) {
      const wide = this.arch === "arm64" ? 4 : 8;
      b = this.target.readBytes(addTo(top.ip, -wide), wide) || null;
      // The wide window may reach into a page that is not in the dump; the syscall check needs only 2 bytes.
      if (!b && this.arch !== "arm64") b = this.target.readBytes(addTo(top.ip, -2), 2) || null;
      this.bytesCache[key] = b;
    }
    return b || undefined;
  }

  classify(stack: ThreadStack): ThreadActivity {
    if (!Array.isArray(stack.frames)) {
      return { activity: "unknown", top: undefined, checked: "none", instruction: undefined, reason: (stack.frames as { reason: string }).reason };
    }
    const frames = stack.frames as readonly FrameInfo[];
    const top = frames[0];
    if (!top) return { activity: "unknown", top: undefined, checked: "none", instruction: undefined, reason: "the thread has no frames" };
    const where = top.symbol;
    const bytes = this.codeBefore(top);
    if (bytes) {
      const insn = syscallBefore(bytes, this.arch);
      if (insn) {
        const outside = isStub(top) || !top.hasSymbol ? "" : " (outside the system-call stubs: a direct system call or a patched stub)";
        return { activity: "system-call", top, checked: "bytes", instruction: insn, reason: "IP right after " + insn + " in " + where + outside };
      }
      if (this.arch === "x86" && isStub(top) && bytes.length >= 8 && endsWithCall(bytes, "x86")) {
        return { activity: "system-call", top, checked: "bytes", instruction: "call", reason: "IP after the call to the system-call gate in " + where + " (WOW64 or sysenter stub)" };
      }
      return { activity: "active", top, checked: "bytes", instruction: undefined, reason: "no system-call instruction right before the IP (" + where + ")" };
    }
    if (isStub(top)) {
      return { activity: "system-call", top, checked: "symbol", instruction: undefined, reason: "frame 0 is the system-call stub " + top.func + " (code bytes not in the dump: byte check skipped)" };
    }
    if (top.hasSymbol) {
      return { activity: "active", top, checked: "symbol", instruction: undefined, reason: "frame 0 is " + where + ", not a system-call stub (code bytes not in the dump: byte check skipped)" };
    }
    const m = top.module;
    const sys = m ? m.symbolName.toLowerCase() : "";
    if (sys === "ntdll" || sys === "win32u") {
      return { activity: "unknown", top, checked: "none", instruction: undefined,
        reason: "frame 0 " + where + " has no symbol and the code is not in the dump: it may be a system-call stub (.reload /f " + m!.name + ")" };
    }
    return { activity: "active", top, checked: "symbol", instruction: undefined,
      reason: "frame 0 " + where + (m ? " is outside the system-call modules" : " is outside every module") + " (code bytes not in the dump: byte check skipped)" };
  }
}

/**
 * Boolean options of the thread-state analyses, from a dx object (`new { All = true }`) or a string
 * (`"all"`, `"all=false"`, several separated by spaces or commas). A message when they make no sense.
 */
export function readFlags(arg: unknown, names: readonly string[]): { [name: string]: boolean } | string {
  const out: { [name: string]: boolean } = {};
  for (const n of names) out[n] = false;
  if (arg === undefined || arg === null) return out;
  const truth = (v: unknown, name: string): boolean | string => {
    if (v === true || v === 1 || (typeof v === "string" && /^(true|yes|1)$/i.test(v.trim()))) return true;
    if (v === false || v === 0 || (typeof v === "string" && /^(false|no|0)$/i.test(v.trim()))) return false;
    return name + " must be true or false, not " + String(v);
  };
  if (typeof arg === "string") {
    for (const part of arg.split(/[\s,;]+/)) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const key = (eq >= 0 ? part.slice(0, eq) : part).toLowerCase();
      const name = names.filter((n) => n.toLowerCase() === key)[0];
      if (!name) return "unknown option \"" + part + "\" (options: " + names.join(", ") + ")";
      const v = eq >= 0 ? truth(part.slice(eq + 1), name) : true;
      if (typeof v === "string") return v;
      out[name] = v;
    }
    return out;
  }
  if (typeof arg === "object") {
    for (const n of names) {
      let v: unknown;
      try { v = (arg as { [k: string]: unknown })[n]; } catch (e) { v = undefined; }
      if (v === undefined || v === null) continue;
      const b = truth(v, n);
      if (typeof b === "string") return b;
      out[n] = b;
    }
    return out;
  }
  return "options must be an object such as new { " + names[0] + " = true } or a string such as \"" + names[0]!.toLowerCase() + "\", not " + String(arg);
}

/** Modules whose frames are the OS's plumbing around a call, not the code that decided to make it. */
export const SYSTEM_MODULES: readonly string[] = ["ntdll", "kernelbase", "kernel32", "win32u", "user32", "rpcrt4", "combase", "ole32", "wow64*"];

export function isSystemFrame(f: FrameInfo, modules: readonly string[]): boolean {
  const m = f.module;
  if (!m) return false;
  const name = m.symbolName.toLowerCase();
  for (const p of modules) if (globMatch(name, p.toLowerCase())) return true;
  return false;
}

/** The first frame at or after `from` that is not in a system module (the code that made the call), or undefined. */
export function firstNonSystemFrame(frames: readonly FrameInfo[], from: number, modules: readonly string[]): FrameInfo | undefined {
  for (let i = from; i < frames.length; i++) if (!isSystemFrame(frames[i]!, modules)) return frames[i];
  return undefined;
}

/**
 * What the kernel branches of the thread analyses (BlockedThreads, SuspendedThreads, SpikingThreads,
 * ActiveThreads) share: the thread selection across all processes (Process and Module predicates), the
 * stacks of the threads they report (read through the Target, at most `max` per call), and the row
 * fragments every kernel thread row carries.
 */
import { hex } from "./int64";
import { addressKey, describeSelection, Kernel, processFilter, type KernelSelection, type KProcess, type KThread } from "./kernel";
import { frameMatches, parseFramePattern, type FramePattern } from "./stack-filter";
import type { FrameInfo, ThreadStack } from "./stacks";
import type { Target } from "./target";

export interface KernelThreadSet {
  readonly threads: KThread[];
  readonly processes: KProcess[];
  /** Walk problems (broken lists), one line each. */
  readonly problems: string[];
  /** "of process svchost*" etc., for summaries. */
  readonly scope: string;
}

/** Every thread of the selected processes (Idle's threads left out: they are the processors' idle loops). */
export function selectKernelThreads(k: Kernel, sel: KernelSelection): KernelThreadSet {
  const filter = processFilter(sel);
  const all = k.allThreads((p) => p.pid !== 0 && (!filter || filter(p)));
  const scope = describeSelection(sel);
  return { threads: all.threads, processes: all.processes, problems: all.problems, scope: scope ? " (" + scope + ")" : "" };
}

/** Stacks of kernel threads through the debugger's thread objects, read once each and at most `max` per call. */
export class KernelStacks {
  private read = 0;
  private readonly cache: { [thread: string]: ThreadStack | null } = {};
  private skipped = 0;
  private readonly module: FramePattern | undefined;

  constructor(private readonly t: Target, private readonly k: Kernel, private readonly max: number, sel: KernelSelection) {
    const p = sel.module !== undefined ? parseFramePattern(sel.module) : undefined;
    this.module = p && typeof p !== "string" ? p : undefined;
  }

  /** The thread's frames, or undefined (no debugger thread object, unreadable, or past the cap). */
  frames(th: KThread): readonly FrameInfo[] | undefined {
    const s = this.stack(th);
    return s && Array.isArray(s.frames) ? (s.frames as readonly FrameInfo[]) : undefined;
  }

  stack(th: KThread): ThreadStack | undefined {
    const key = addressKey(th.address);
    if (key in this.cache) return this.cache[key] || undefined;
    let s: ThreadStack | null = null;
    const ref = this.k.modelThread(th);
    if (ref) {
      if (this.read >= this.max) this.skipped++;
      else { this.read++; s = this.t.threadStack(ref); }
    }
    this.cache[key] = s;
    return s || undefined;
  }

  /** With a Module predicate: whether one of the thread's frames is in that module (threads without a stack fail it). */
  keep(th: KThread): boolean {
    if (!this.module) return true;
    const frames = this.frames(th);
    if (!frames) return false;
    for (const f of frames) if (frameMatches(f, this.module)) return true;
    return false;
  }

  /** A line for the summary when the cap cut stacks. */
  note(setting: string): string | undefined {
    return this.skipped ? this.skipped + " thread stack(s) not read (" + setting + " = " + this.max + ")" : undefined;
  }
}

/** `app.exe (0x1a4)`. */
export function processLabel(p: KProcess): string {
  return p.name + " (0x" + (p.pid >= 0 ? p.pid.toString(16) : "?") + ")";
}

/** Frames as `a <- b <- c`, at most `n`. */
export function framesText(frames: readonly FrameInfo[] | undefined, n: number): string | undefined {
  if (!frames || frames.length === 0) return undefined;
  return frames.slice(0, n).map((f) => f.symbol).join(" <- ") + (frames.length > n ? " <- ..." : "");
}

/** `!thread <ethread>` for a thread, the classic command that shows what the rows say. */
export function threadCommand(t: Target, th: KThread): string {
  return "!thread " + t.formatAddress(th.address) + " 17";
}

export function tidText(th: KThread): string {
  return th.tid >= 0 ? hex(th.tid) : "?";
}

/** The walk problems as one Info line, or undefined. */
export function problemsText(problems: readonly string[]): string | undefined {
  if (problems.length === 0) return undefined;
  return "the process or thread lists are incomplete: " + problems.slice(0, 3).join("; ") + (problems.length > 3 ? "; and " + (problems.length - 3) + " more" : "") +
    " (!process 0 0 walks them too)";
}

/**
 * What the kernel branches of the thread analyses (BlockedThreads, SuspendedThreads, SpikingThreads,
 * ActiveThreads) share: the thread selection across all processes (Process and Module predicates), the
 * stacks of the threads they report (read through the Target, at most `max` per call), and the row
 * fragments every kernel thread row carries.
 */
import { hex } from "./int64";
import { addressKey, describeSelection, Kernel, kernelPredicates, processFilter, type KernelSelection, type KProcess, type KThread } from "./kernel";
import { firstMatchingFrame, frameMatches, hexId, missingThreadText, parseFramePattern, readOptions, selectStacks, stackCommand, stackOptions, STACK_OPTION_NAMES, type FramePattern, type Selection, type StackOptions } from "./stack-filter";
import type { Row } from "./analysis";
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

/** StackTraceCollection and UniqueStacks on a kernel target: the user-mode selection's shape, over all processes. */
export interface KernelStackSelection extends Selection {
  /** What `total` counts threads of: "3 processes (process svchost*)". */
  readonly scope: string;
  /** Threads asked for by id that no selected process has, as an Info line (undefined when none). */
  readonly missingText: string | undefined;
  /** Info lines: broken lists, threads without a debugger thread object, threads left out by Module. */
  readonly notes: string[];
  /** The kernel thread of a selected stack (its process, `!thread` address). */
  threadOf(s: ThreadStack): KThread | undefined;
}

/**
 * The stacks of every thread of the selected processes (what `!process 0 7` unwinds), filtered like the
 * user-mode selection (Threads, Exclude) plus the kernel predicates (Process, Module).
 */
export function selectKernelStacks(t: Target, k: Kernel, o: StackOptions, sel: KernelSelection): KernelStackSelection {
  const set = selectKernelThreads(k, sel);
  const reader = new KernelStacks(t, k, set.threads.length, sel);
  const wanted = o.threads;
  const chosen = wanted ? set.threads.filter((th) => wanted.indexOf(th.tid) >= 0) : set.threads;
  const missing = wanted ? wanted.filter((id, i) => wanted.indexOf(id) === i && !set.threads.some((th) => th.tid === id)) : [];
  const stacks: ThreadStack[] = [];
  const excluded: Selection["excluded"] = [];
  const owner: { [tid: string]: KThread } = {};
  let noModel = 0;
  let otherModule = 0;
  for (const th of chosen) {
    const s = reader.stack(th);
    if (!s) { noModel++; continue; }
    if (!reader.keep(th)) { otherModule++; continue; }
    owner[String(s.thread.id)] = th;
    if (o.exclude.length && Array.isArray(s.frames)) {
      const hit = firstMatchingFrame(s.frames as readonly FrameInfo[], o.exclude);
      if (hit) { excluded.push({ stack: s, frame: hit.frame, pattern: hit.pattern }); continue; }
    }
    stacks.push(s);
  }
  const notes: string[] = [];
  const problems = problemsText(set.problems);
  if (problems) notes.push(problems);
  if (noModel) notes.push(noModel + " thread(s) have no debugger thread object, so no stack (!process 0 7 lists them)");
  if (otherModule) notes.push(otherModule + " thread(s) left out: no frame in module " + sel.module);
  const scope = set.processes.length + " processes" + set.scope;
  return {
    stacks, total: set.threads.length, missing, excluded, scope, notes,
    missingText: missing.length ? (missing.length === 1 ? "thread " + hexId(missing[0]!) + " is" : "threads " + missing.map(hexId).join(", ") + " are") +
      " not in " + scope + " (!process 0 2 lists the threads)" : undefined,
    threadOf: (s) => owner[String(s.thread.id)],
  };
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


/** What a stack collection works on: the options, the threads (all processes' on a kernel target) and each one's command. */
export interface CollectionSelection {
  readonly opts: StackOptions;
  readonly sel: Selection;
  /** Set on a kernel target. */
  readonly kernel?: KernelStackSelection;
  /** The command that shows one thread's stack (`~~[tid]k` in user mode, `!thread <addr> 17` in kernel). */
  readonly command: (s: ThreadStack) => string;
}

/**
 * The option reading and thread selection StackTraceCollection and UniqueStacks share: yields their Info rows
 * (bad options, unreadable kernel lists, selection notes) and returns the selection, or undefined when there is
 * nothing to collect. `kernelCommands` names the classic commands for the kernel-lists message.
 */
export function* selectCollection(
  t: Target,
  args: readonly unknown[],
  name: string,
  kernelCommands: string,
  summary: (text: string) => void,
): Generator<Row, CollectionSelection | undefined, unknown> {
  const kernel = t.isKernel();
  const bag = readOptions(args[0], kernel ? STACK_OPTION_NAMES.concat(["Process", "Module"]) : STACK_OPTION_NAMES, "Threads");
  const opts = typeof bag === "string" ? bag : stackOptions(bag);
  const pred = typeof bag === "string" || !kernel ? undefined : kernelPredicates(bag);
  if (typeof opts === "string" || typeof pred === "string") {
    const why = typeof opts === "string" ? opts : (pred as string);
    summary(name + ": " + why);
    yield collectionInfo(why, "heuristic");
    return undefined;
  }
  if (!pred) {
    const sel = selectStacks(t, opts);
    if (sel.missing.length) yield collectionInfo(missingThreadText(sel.missing, t), "typed");
    return { opts, sel, command: (s) => stackCommand(s.thread.id) };
  }
  const k = Kernel.of(t);
  const missing = k.missing();
  if (missing) {
    summary(name + ": kernel structures unavailable");
    yield collectionInfo(name + " on a kernel target reads the process and thread lists: " + missing + " (" + kernelCommands + ")", "heuristic");
    return undefined;
  }
  const ks = selectKernelStacks(t, k, opts, pred);
  for (const note of ks.notes) yield collectionInfo(note, "typed");
  if (ks.missingText) yield collectionInfo(ks.missingText, "typed");
  return {
    opts,
    sel: ks,
    kernel: ks,
    command: (s) => {
      const th = ks.threadOf(s);
      return th ? threadCommand(t, th) : stackCommand(s.thread.id);
    },
  };
}

function collectionInfo(text: string, source: "typed" | "heuristic"): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

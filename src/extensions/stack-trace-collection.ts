import { defineAnalysis, type Row } from "../lib/analysis";
import { processLabel, selectCollection } from "../lib/kernel-threads";
import { EXCLUDE_OPTION, THREADS_OPTION, describeOptions, functionName, hexId, threadName } from "../lib/stack-filter";
import type { FrameInfo } from "../lib/stacks";
import { notAvailable, type Source } from "../lib/values";

/**
 * Stack Trace Collection (Unmanaged Space): every thread's native stack, one row per frame, so that dx
 * can filter the whole collection by module, function or thread like `~*kn` cannot.
 *
 * The pattern: many problems (blocked threads, coupled components, procedure call chains) only show
 * when all stacks of a process are looked at together, not one at a time. This is the collection itself
 * (what `~*kn` prints) as keyed rows: Thread, ThreadName, Frame, ChildSP, IP (the frame's instruction
 * address), ReturnAddress (where the frame returns, the next frame's IP: `k`'s RetAddr), Symbol,
 * Module and Function. UniqueStacks groups the same stacks; StackTraces selects threads by a predicate.
 *
 * Detection: the frames the debugger unwound (`Thread.Stack.Frames`), read once per thread per call
 * and symbolized once per distinct address. Frames without symbols show as `module+0xoffset` and
 * their Function is "not available"; frames outside every module (JIT code, unloaded modules) have no
 * Module. A thread whose stack cannot be read, or that has no frames, gives an Info row.
 *
 * False positives: the frames are the debugger's unwind; with missing symbols or frame-pointer-less
 * code it can skip frames or stop early (Incorrect Stack Trace); RawStack shows the raw stack memory.
 *
 * Options (a dx object `new { Threads = "0x1a4,0x2b0", MaxFrames = 10, Exclude = "ntdll!NtWaitForWorkViaWorkerFactory" }`,
 * or a string `"threads=0x1a4,0x2b0 maxframes=10 exclude=ntdll!*Worker*,win32u"`, or a thread id):
 * Threads keeps only these threads; MaxFrames keeps the top frames of each stack; Exclude leaves out
 * threads with a frame matching any of the `module!function` patterns (`*` wildcards; a module name
 * alone matches any frame in it).
 *
 * Kernel and complete dumps: the threads of every process (what `!process 0 7` unwinds), System's included,
 * the processors' idle threads left out; each row also names its Process. `Process` (a pid or an image-name
 * pattern, `"process=svchost*"`) and `Module` (only threads with a frame in that module) narrow the selection.
 *
 * @function StackTraceCollection
 * @memberof Ewmda
 * @param {object|string|number} [options] `Threads` (ids, "0x1a4,0x2b0"), `MaxFrames` (number), `Exclude` (patterns, "ntdll!*Worker*,win32u"); kernel targets also `Process` (pid or image name) and `Module`; or a string such as `"threads=0x1a4 maxframes=5"`, or one thread id.
 * @returns {ResultSet} One row per frame: Thread, ThreadName, Process (kernel targets), Frame, ChildSP, IP, ReturnAddress, Symbol, Module, Function, Verdict, Evidence, Source.
 * @example dx @$ewmda.StackTraceCollection()
 * @example dx -g @$ewmda.StackTraceCollection().Where(f => f.Module == "ntdll.dll" && f.Function.Contains("Wait"))
 * @example dx @$ewmda.StackTraceCollection(new { MaxFrames = 5, Exclude = "ntdll!NtWaitForWorkViaWorkerFactory" })
 * @example !ewmda.stacks
 * @example !ewmda.stacks "threads=0x1a4,0x2b0 maxframes=8"
 * @example !ewmda.stacks "process=svchost* maxframes=8"
 */
export const stackTraceCollection = defineAnalysis({
  meta: {
    name: "StackTraceCollection",
    command: "stacks",
    summary: "Every thread's native stack, one row per frame (like ~*kn), filterable by thread, module and function",
    patterns: ["Stack Trace Collection (Unmanaged Space)"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "options", help: "Threads, MaxFrames, Exclude; or a string such as \"threads=0x1a4 maxframes=5\"; or a thread id", optional: true },
    ],
    options: [
      THREADS_OPTION,
      { name: "MaxFrames", type: "number", help: "keep the top frames of each stack" },
      EXCLUDE_OPTION,
      { name: "Process", type: "string", help: "kernel targets: only this process (pid, or image name with * wildcards)" },
      { name: "Module", type: "string", help: "kernel targets: only threads with a frame in this module" },
    ],
    columns: [
      { name: "Thread", type: "hex", help: "Thread id" },
      { name: "ThreadName", type: "string", help: "Thread description (SetThreadDescription), when the dump has one", table: false },
      { name: "Process", type: "string", help: "Kernel targets: the thread's process, name (pid)", sparse: true },
      { name: "Frame", type: "hex", help: "Frame number (0 is the top, as in kn)" },
      { name: "ChildSP", type: "address", help: "Stack pointer of the frame (k's Child-SP)" },
      { name: "IP", type: "address", help: "Instruction address of the frame (k's Call Site address)", table: false },
      { name: "ReturnAddress", type: "address", help: "Where the frame returns to: the next frame's instruction address (k's RetAddr)" },
      { name: "Symbol", type: "string", help: "module!function+0xoffset, or module+0xoffset without symbols, or the address outside modules" },
      { name: "Module", type: "string", help: "Image the frame's code is in", table: false },
      { name: "Function", type: "string", help: "Function name without module and offset (not available without symbols)", table: false },
    ],
    settings: {
      MaxRows: {
        default: 100000,
        help: "Frame rows kept per call",
        reason: "500 threads of 200 frames; beyond that dx becomes slow, narrow with Threads, Exclude or MaxFrames",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const chosen = yield* selectCollection(t, args, "StackTraceCollection", "!process 0 7", (text) => ctx.summary(text));
    if (!chosen) return;
    const { opts, sel, command } = chosen;
    const ks = chosen.kernel;
    const scope = ks ? ks.scope : "the process";

    let rows = 0;
    let dropped = 0;
    let unreadable = 0;
    let cut = 0;
    const maxRows = ctx.settings.MaxRows;
    for (const stack of sel.stacks) {
      const id = stack.thread.id;
      if (!Array.isArray(stack.frames)) {
        unreadable++;
        const reason = (stack.frames as { reason: string }).reason;
        yield info(reason + " (" + command(stack) + " shows what the debugger can unwind)", "typed");
        continue;
      }
      const all = stack.frames as readonly FrameInfo[];
      if (all.length === 0) {
        unreadable++;
        yield info("thread " + hexId(id) + " has no frames: the debugger could not unwind it (" + command(stack) + "; RawStack shows the raw stack)", "typed");
        continue;
      }
      const frames = opts.maxFrames !== undefined && all.length > opts.maxFrames ? all.slice(0, opts.maxFrames) : all;
      if (frames.length < all.length) cut++;
      const name = threadName(stack.thread);
      const th = ks ? ks.threadOf(stack) : undefined;
      const where = { process: th ? processLabel(th.process) : undefined, command: command(stack) };
      for (const f of frames) {
        if (rows >= maxRows) { dropped++; continue; }
        rows++;
        const next = all[f.index + 1];
        yield frameRow(id, name, where, f, next, t.formatAddress(f.ip));
      }
    }

    const optText = describeOptions(opts);
    if (dropped) yield info(dropped + " more frames were not kept (Config.StackTraceCollection.MaxRows = " + maxRows + "); narrow with Threads, Exclude or MaxFrames", "typed");
    if (cut) yield info("frames below the top " + opts.maxFrames + " were left out on " + cut + " of " + sel.stacks.length + " threads (MaxFrames)", "typed");
    if (rows === 0 && unreadable === 0 && sel.missing.length === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 frames: " + selectionText(sel.total, scope, sel.stacks.length, sel.excluded.length, optText) + (ks ? " (!process 0 7)" : " (~*kn)"),
      };
    }
    ctx.summary("StackTraceCollection: " + rows + " frames of " + (sel.stacks.length - unreadable) + " threads" +
      (unreadable ? ", " + unreadable + " stacks unreadable" : "") +
      (sel.excluded.length ? ", " + sel.excluded.length + " threads left out by Exclude" : "") +
      " (" + sel.total + " threads in " + scope + (optText ? "; " + optText : "") + ")");
  },

  rowText(row) {
    if (row.Frame === undefined) return row.Verdict + ": " + row.Evidence;
    const frame = typeof row.Frame === "number" ? ("0" + row.Frame.toString(16)).slice(-2) : String(row.Frame);
    return hexId(row.Thread as number) + " #" + frame + " " + String(row.Symbol);
  },
});

function frameRow(id: number, name: string | undefined, where: { process: string | undefined; command: string }, f: FrameInfo, next: FrameInfo | undefined, ipText: string): Row {
  const fn = functionName(f);
  const noModule = "not inside any loaded module (JIT code, or an unloaded module: lm, !address " + ipText + ")";
  return {
    Thread: id,
    ThreadName: name,
    Process: where.process,
    Frame: f.index,
    ChildSP: f.sp !== undefined ? f.sp : notAvailable("the debugger gave no stack offset for this frame"),
    IP: f.ip,
    ReturnAddress: next ? next.ip : undefined,
    Symbol: f.symbol,
    Module: f.module ? f.module.name : notAvailable(noModule),
    Function: fn !== "" ? fn : notAvailable(f.module ? "no symbols cover " + f.symbol + " (.reload /f " + f.module.name + ", ln " + ipText + ")" : noModule),
    Verdict: "Info",
    Evidence: where.command + " frame " + ("0" + f.index.toString(16)).slice(-2) + "; ln " + ipText,
    Source: "typed",
  };
}

function selectionText(total: number, scope: string, kept: number, excluded: number, optText: string): string {
  return total + " threads in " + scope + ", " + (kept + excluded) + " selected" + (excluded ? ", " + excluded + " left out by Exclude" : "") +
    (optText ? " (" + optText + ")" : "");
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

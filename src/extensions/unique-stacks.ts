import { defineAnalysis, type Row } from "../lib/analysis";
import { processLabel, selectCollection, type KernelStackSelection } from "../lib/kernel-threads";
import { EXCLUDE_OPTION, THREADS_OPTION, describeOptions, hexId } from "../lib/stack-filter";
import type { FrameInfo, ThreadStack } from "../lib/stacks";
import { classifyWait } from "../lib/wait-classes";
import type { Source } from "../lib/values";

interface Group {
  readonly order: number;
  readonly frames: readonly FrameInfo[];
  readonly members: ThreadStack[];
}

/**
 * Unique stacks: threads grouped by identical stacks, with their thread ids and counts, most common
 * first (what `!uniqstack` and MEX `!us` print, as objects).
 *
 * The pattern (Stack Trace Collection, Unmanaged Space; its compact form is Vostokov's Unified Stack
 * Trace): in a process with hundreds of threads most stacks repeat (idle pool workers, message loops,
 * RPC listeners). Grouping them leaves the few distinct stacks to read, and a large group waiting in
 * the same place (many threads in one critical section, a pool exhausted by blocked work items) stands
 * out by its count.
 *
 * Detection: each thread's frames are read once per call and normalized to `module!function` without
 * offsets (frames without symbols keep `module+0xoffset`); threads whose normalized stacks are equal
 * form one group. With MaxFrames only the top frames are compared, so stacks that differ only deeper
 * down merge. Each group says what its threads wait for (the shared wait classification: critical
 * section, SRW lock, sync object, I/O, ALPC, sleep, message loop, thread-pool idle...). Threads whose
 * stack cannot be read are listed in one Info row.
 *
 * False positives: offsets are ignored, so calls from two places in the same functions form one group
 * (compare the Symbol column of StackTraceCollection); stacks the debugger unwound wrongly split groups.
 *
 * Options (a dx object `new { Threads = "0x1a4,0x2b0", MaxFrames = 5, Exclude = "ntdll!NtWaitForWorkViaWorkerFactory" }`,
 * or a string `"maxframes=5 exclude=ntdll!*Worker*,win32u"`): Threads keeps only these threads;
 * MaxFrames compares and shows the top frames only; Exclude leaves out threads with a frame matching
 * any of the `module!function` patterns (`*` wildcards; a module name alone matches any frame in it).
 *
 * Kernel and complete dumps: the threads of every process are grouped (what `!stacks` and `!process 0 7`
 * give), the processors' idle threads left out; each group also lists its Processes. `Process` (a pid or an
 * image-name pattern, `"process=svchost*"`) and `Module` (only threads with a frame in that module) narrow it.
 *
 * @function UniqueStacks
 * @memberof Ewmda
 * @param {object|string} [options] `Threads` ("0x1a4,0x2b0"), `MaxFrames` (number), `Exclude` ("ntdll!*Worker*,win32u"); kernel targets also `Process` (pid or image name) and `Module`; or a string such as `"maxframes=5"`.
 * @returns {ResultSet} One row per distinct stack, most common first: Count, Threads, FirstThread, Processes (kernel targets), Wait, WaitReason, TopFrame, FrameCount, Stack, Verdict, Evidence, Source.
 * @example dx @$ewmda.UniqueStacks()
 * @example dx @$ewmda.UniqueStacks()[0].Stack
 * @example dx -g @$ewmda.UniqueStacks(new { MaxFrames = 5 }).Where(g => g.Wait == "critical-section")
 * @example !ewmda.uniqstack
 * @example !ewmda.uniqstack "exclude=ntdll!NtWaitForWorkViaWorkerFactory"
 * @example !ewmda.uniqstack "process=svchost*"
 */
export const uniqueStacks = defineAnalysis({
  meta: {
    name: "UniqueStacks",
    command: "uniqstack",
    summary: "Threads grouped by identical stacks, with thread ids, counts and wait kind, most common first",
    patterns: ["Stack Trace Collection (Unmanaged Space)"],
    targets: "any",
    triage: false,
    version: "1.0.0",
    params: [
      { name: "options", help: "Threads, MaxFrames, Exclude; or a string such as \"maxframes=5 exclude=ntdll!*Worker*\"", optional: true },
    ],
    options: [
      THREADS_OPTION,
      { name: "MaxFrames", type: "number", help: "compare and show the top frames only (stacks that differ deeper down merge)" },
      EXCLUDE_OPTION,
      { name: "Process", type: "string", help: "kernel targets: only this process (pid, or image name with * wildcards)" },
      { name: "Module", type: "string", help: "kernel targets: only threads with a frame in this module" },
    ],
    columns: [
      { name: "Count", type: "int", help: "Threads with this stack" },
      { name: "Threads", type: "string", help: "Their thread ids (\"0x1a4, 0x2b0\")" },
      { name: "FirstThread", type: "hex", help: "The first of them, to look at with RawStack or ~~[id]kn", table: false },
      { name: "Processes", type: "string", help: "Kernel targets: the processes of the threads, name (pid), most threads first", sparse: true },
      { name: "Wait", type: "string", help: "What the threads wait for: critical-section, srw-lock, sync-object, io, alpc, sleep, message-loop, thread-pool-idle, running, ..." },
      { name: "WaitReason", type: "string", help: "The frame that decided Wait, or why it could not be decided", table: false },
      { name: "TopFrame", type: "string", help: "Frame 0 as module!function" },
      { name: "FrameCount", type: "int", help: "Frames in the stack (compared frames with MaxFrames)" },
      { name: "Stack", type: "string", help: "The frames, module!function from the top, one per line", table: false },
    ],
  },

  *run(ctx, args) {
    const t = ctx.target;
    const chosen = yield* selectCollection(t, args, "UniqueStacks", "!stacks, !process 0 7", (text) => ctx.summary(text));
    if (!chosen) return;
    const { opts, sel, command } = chosen;
    const ks = chosen.kernel;

    // Group by signature; Object.create(null) so that no signature collides with a prototype member.
    const bySignature: { [signature: string]: Group } = Object.create(null);
    const groups: Group[] = [];
    const unreadable: ThreadStack[] = [];
    const max = opts.maxFrames;
    for (const s of sel.stacks) {
      if (!Array.isArray(s.frames) || s.frames.length === 0) { unreadable.push(s); continue; }
      const all = s.frames as readonly FrameInfo[];
      const frames = max !== undefined && all.length > max ? all.slice(0, max) : all;
      const signature = frames === all ? s.signature : frames.map((f) => f.func).join("\n");
      let g = bySignature[signature];
      if (!g) {
        g = { order: groups.length, frames, members: [] };
        bySignature[signature] = g;
        groups.push(g);
      }
      g.members.push(s);
    }
    groups.sort((a, b) => b.members.length - a.members.length || a.order - b.order);

    for (const g of groups) {
      const ids = g.members.map((s) => s.thread.id);
      const wait = groupWait(g, max !== undefined);
      yield {
        Count: ids.length,
        Threads: ids.map(hexId).join(", "),
        FirstThread: ids[0],
        Processes: ks ? processesText(ks, g.members) : undefined,
        Wait: wait.category,
        WaitReason: wait.reason,
        TopFrame: g.frames[0]!.func,
        FrameCount: g.frames.length,
        Stack: g.frames.map((f) => f.func).join("\n"),
        Verdict: "Info",
        Evidence: command(g.members[0]!) + (ids.length > 1 ? " (the same stack on " + (ids.length - 1) + " more threads; " + (ks ? "!stacks" : "!uniqstack") + ")" : " (a stack no other thread has; " + (ks ? "!stacks" : "!uniqstack") + ")"),
        Source: "typed",
      };
    }

    if (unreadable.length) {
      const first = unreadable[0]!;
      const why = Array.isArray(first.frames) ? "thread " + hexId(first.thread.id) + " has no frames" : (first.frames as { reason: string }).reason;
      yield info(unreadable.length + " threads have no readable stack: " + unreadable.map((s) => hexId(s.thread.id)).join(", ") +
        " (first: " + why + "; " + command(first) + ")", "typed");
    }
    const optText = describeOptions(opts);
    if (groups.length === 0 && unreadable.length === 0 && sel.missing.length === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 stacks: " + sel.total + " threads in " + (ks ? ks.scope : "the process") + ", " + (sel.stacks.length + sel.excluded.length) + " selected" +
          (sel.excluded.length ? ", " + sel.excluded.length + " left out by Exclude" : "") + (optText ? " (" + optText + ")" : "") + (ks ? " (!stacks)" : " (~*kn)"),
      };
    }
    const grouped = sel.stacks.length - unreadable.length;
    const top = groups[0];
    ctx.summary("UniqueStacks: " + groups.length + " distinct stacks among " + grouped + " threads" +
      (top && top.members.length > 1 ? " (largest: " + top.members.length + " threads in " + top.frames[0]!.func + ")" : "") +
      (unreadable.length ? ", " + unreadable.length + " stacks unreadable" : "") +
      (sel.excluded.length ? ", " + sel.excluded.length + " threads left out by Exclude" : "") +
      (optText ? "; " + optText : ""));
  },

  rowText(row) {
    if (row.Count === undefined) return row.Verdict + ": " + row.Evidence;
    return row.Count + (row.Count === 1 ? " thread  " : " threads  ") + String(row.Wait) + "  " + String(row.TopFrame) + "  (" + String(row.Threads) + ")";
  },
});

/**
 * The group's wait kind. Without MaxFrames every member has the same functions, so one classification
 * holds for all; with it, members may differ below the compared frames, so each is classified and the
 * distinct kinds are listed, most common first.
 */
function groupWait(g: Group, perMember: boolean): { category: string; reason: string } {
  if (!perMember) {
    const w = classifyWait(g.members[0]!);
    return { category: w.category, reason: w.reason };
  }
  const counts: { [category: string]: number } = Object.create(null);
  const order: string[] = [];
  let reason = "";
  for (const s of g.members) {
    const w = classifyWait(s);
    if (counts[w.category] === undefined) { counts[w.category] = 0; order.push(w.category); if (!reason) reason = w.reason; }
    counts[w.category]!++;
  }
  const firstSeen = order.slice();
  order.sort((a, b) => counts[b]! - counts[a]! || firstSeen.indexOf(a) - firstSeen.indexOf(b));
  if (order.length === 1) return { category: order[0]!, reason };
  return { category: order.join(", "), reason: order.map((c) => c + " (" + counts[c] + ")").join(", ") + " below the compared frames" };
}

/** Kernel targets: the group's processes, most threads first (`app.exe (0x1a4) x3, System (0x4)`). */
function processesText(ks: KernelStackSelection, members: readonly ThreadStack[]): string {
  const counts: { [label: string]: number } = Object.create(null);
  const order: string[] = [];
  for (const s of members) {
    const th = ks.threadOf(s);
    const label = th ? processLabel(th.process) : "?";
    if (counts[label] === undefined) { counts[label] = 0; order.push(label); }
    counts[label]!++;
  }
  const firstSeen = order.slice();
  order.sort((a, b) => counts[b]! - counts[a]! || firstSeen.indexOf(a) - firstSeen.indexOf(b));
  return order.map((l) => l + (counts[l]! > 1 ? " x" + counts[l] : "")).join(", ");
}

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

import { defineAnalysis, type Row } from "../lib/analysis";
import { hexHalves } from "../lib/exception-codes";
import { addTo, comparePair, fromHalves, halvesOf } from "../lib/int64";
import { parseDumpDebug, parseTimeCommand } from "../lib/parse-dumpdebug";
import { parseExr } from "../lib/parse-exr";
import { parseLm } from "../lib/parse-lm";
import { formatDuration, isRunawayError, parseRunaway } from "../lib/parse-runaway";
import { formatSeconds, parseSessionTime } from "../lib/parse-time";
import { nativeTeb, tebField } from "../lib/peb";
import { runCommand } from "../lib/run-command";
import { slotBlocks, slotHalves } from "../lib/slot-scan";
import type { FrameInfo } from "../lib/stacks";
import { readUnloadRing } from "../lib/unload-trace";
import { Unavailable, type Source, type Verdict } from "../lib/values";

interface Unloaded {
  name: string;
  baseHi: number;
  baseLo: number;
  endHi: number;
  endLo: number;
  size: number;
  sequence: number | undefined;
  timeDateStamp: number | undefined;
  from: string[];
  slots: number;
  slotThreads: number[];
  frames: string[];
  exception: boolean;
}

/**
 * HistoricalInformation: what the dump remembers of the past: modules that were unloaded (and whether
 * stacks or the exception still point into them), how long the process and its threads had been running,
 * and the threads' last error values.
 *
 * The pattern (Historical Information): a dump is a snapshot that keeps traces of earlier events. The
 * unloaded-module list with pointers into unloaded ranges on stacks (a callback into a DLL that is gone:
 * Unloaded Module), thread and process ages (a thread created a second before a hang dump), and last
 * error values reconstruct what happened before the dump.
 *
 * Detection: ntdll's unload event trace ring in memory (`ntdll!RtlpUnloadEventTrace`, element size and count
 * from RtlpUnloadEventTraceExSize/ExNumber, offsets from `_RTL_UNLOAD_EVENT_TRACE`) and the dump's own
 * unloaded-module list as `lm` prints it ("Unloaded modules:"), merged by base and name. Every thread's
 * stack (TEB range) is scanned in chunks for values inside an unloaded range that no loaded module covers
 * now, the threads' frames (read once, shared) and the exception address (`.exr -1`) are checked against the
 * same ranges. `.time` gives the process uptime, `!runaway 4` each thread's age (both also as create times,
 * from the dump time), the TEBs LastErrorValue and LastStatusValue (threads with an error value or a failed
 * status; STATUS_PENDING and warnings are no failures).
 *
 * Verdicts: Positive when a frame or the exception address is inside an unloaded module (code ran in a
 * DLL after it was unloaded); Suspicious when stack slots hold pointers into one (stale residue or a
 * dangling callback); Info for the rest of the history; Negative when there are unloaded modules and
 * nothing points into them.
 *
 * False positives: an unloaded range later reused by a heap or a mapped file makes its values look like
 * unloaded-module pointers (a loaded module at the address wins); last errors are stale by nature.
 *
 * @function HistoricalInformation
 * @memberof Ewmda
 * @returns {ResultSet} Rows: Origin (UnloadTrace/lm, Process, Threads, Thread, LastError), Subject, Time, Detail, Base, End, Thread, LinkTo, Verdict, Evidence, Source.
 * @example dx @$ewmda.HistoricalInformation()
 * @example dx -g @$ewmda.HistoricalInformation().Where(r => r.Origin == "Unloaded")
 * @example !ewmda.history
 */
export const historicalInformation = defineAnalysis({
  meta: {
    name: "HistoricalInformation",
    command: "history",
    summary: "What the dump remembers: unloaded modules still referenced from stacks, process and thread ages, last errors",
    patterns: ["Historical Information"],
    targets: "user",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Origin", type: "string", help: "Unloaded (unloaded module), Process, Threads (ages summary), Thread (a recent thread), LastError" },
      { name: "Subject", type: "string", help: "The module or thread the row is about" },
      { name: "Time", type: "string", help: "When: unload order (#sequence), age before the dump" },
      { name: "Detail", type: "string", help: "What is known (references on stacks, link time, last error value)" },
      { name: "Base", type: "address", help: "Start of an unloaded module's range", table: false },
      { name: "End", type: "address", help: "End of an unloaded module's range (exclusive)", table: false },
      { name: "Thread", type: "hex", help: "Thread id (Thread and LastError rows)" },
      { name: "LinkTo", type: "string", help: "The dx call that shows more", table: false },
    ],
    settings: {
      MaxStackBytes: { default: 0x100000, help: "Bytes of each thread's stack scanned for pointers into unloaded modules", reason: "1 MiB is the default reserved stack; the committed part is usually far smaller" },
      ChunkBytes: { default: 0x10000, help: "Bytes per read while scanning stacks", reason: "64 KiB: a 1 MiB stack in 16 requests" },
      RecentThreadSeconds: { default: 60, help: "Threads created this many seconds or less before the dump get their own row", reason: "threads started during the incident are history worth seeing; older ones are summarized" },
      MaxThreadRows: { default: 32, help: "Rows for recent threads and for last errors, each", reason: "the summary row counts the rest" },
    },
  },

  *run(ctx) {
    const t = ctx.target;
    const s = ctx.settings;
    if (t.isKernel()) {
      ctx.summary("HistoricalInformation: kernel target");
      yield { Verdict: "Info", Evidence: "the user-mode history (unload trace, thread ages, last errors) needs a process context; kernel history is in MmUnloadedDrivers (lm shows \"Unloaded modules\") and the zombie processes (ZombieProcesses)", Source: "heuristic" };
      return;
    }
    const rows: Row[] = [];
    const notes: Row[] = [];

    // ---- unloaded modules: the ring in memory and the dump's list ----
    const unloaded: Unloaded[] = [];
    const key = (name: string, hi: number, lo: number) => name.toLowerCase() + "@" + hi + ":" + lo;
    const seen: { [k: string]: Unloaded } = {};
    const ring = readUnloadRing(t);
    let ringSource: Source = "typed";
    if (typeof ring === "string") notes.push({ Verdict: "Info", Evidence: "unload event trace not read: " + ring, Source: "typed" });
    else {
      ringSource = ring.source;
      for (const e of ring.entries) {
        const [hi, lo] = halvesOf(e.base);
        const [ehi, elo] = halvesOf(addTo(e.base, e.size));
        const u: Unloaded = { name: e.name, baseHi: hi, baseLo: lo, endHi: ehi, endLo: elo, size: e.size, sequence: e.sequence, timeDateStamp: e.timeDateStamp,
          from: ["UnloadTrace"], slots: 0, slotThreads: [], frames: [], exception: false };
        const k = key(e.name, hi, lo);
        if (!seen[k]) { seen[k] = u; unloaded.push(u); }
      }
    }
    const lm = runCommand("lm");
    if (lm instanceof Unavailable) notes.push({ Verdict: "Info", Evidence: "the dump's unloaded-module list not read: " + lm.reason, Source: "command" });
    else {
      const listing = parseLm(lm);
      if (listing.unloadedProblem) notes.push({ Verdict: "Info", Evidence: "lm: " + listing.unloadedProblem, Source: "command" });
      for (const r of listing.unloaded) {
        const k = key(r.name, r.startHi, r.startLo);
        if (seen[k]) { if (seen[k]!.from.indexOf("lm") < 0) seen[k]!.from.push("lm"); continue; }
        const size = (r.endHi - r.startHi) * 4294967296 + (r.endLo - r.startLo);
        const u: Unloaded = { name: r.name, baseHi: r.startHi, baseLo: r.startLo, endHi: r.endHi, endLo: r.endLo, size, sequence: undefined, timeDateStamp: undefined,
          from: ["lm"], slots: 0, slotThreads: [], frames: [], exception: false };
        seen[k] = u;
        unloaded.push(u);
      }
    }
    const modules = t.modules();
    const inUnloaded = (hi: number, lo: number): Unloaded | undefined => {
      if (modules.findPair(hi, lo)) return undefined; // a loaded module now holds the address
      for (const u of unloaded) if (comparePair(hi, lo, u.baseHi, u.baseLo) >= 0 && comparePair(hi, lo, u.endHi, u.endLo) < 0) return u;
      return undefined;
    };

    // ---- references: frames, the exception address, stack slots ----
    let scannedSlots = 0;
    let scannedThreads = 0;
    if (unloaded.length) {
      for (const st of t.threadStacks()) {
        if (!Array.isArray(st.frames)) continue;
        for (const f of st.frames as readonly FrameInfo[]) {
          const [hi, lo] = halvesOf(f.ip);
          const u = inUnloaded(hi, lo);
          if (u) u.frames.push("thread 0x" + st.thread.id.toString(16) + " frame " + f.index);
        }
      }
      const exr = runCommand(".exr -1");
      if (!(exr instanceof Unavailable)) {
        const r = parseExr(exr);
        const a = r.kind === "record" ? hexHalves(r.address) : undefined;
        const u = a ? inUnloaded(a[0], a[1]) : undefined;
        if (u) u.exception = true;
      }
      const ps = t.pointerSize();
      const per = ps / 4;
      for (const thread of t.threads()) {
        if (ctx.budget.exceeded()) { notes.push({ Verdict: "Info", Evidence: "the stack scan stopped at the time budget after " + scannedThreads + " threads", Source: "heuristic" }); break; }
        const range = t.stackRange(thread, 0x10000);
        if (range instanceof Unavailable) continue;
        const [bhi, blo] = halvesOf(range.base);
        const [lhi, llo] = halvesOf(range.limit);
        let bytes = (bhi - lhi) * 4294967296 + (blo - llo);
        if (!(bytes > 0)) continue;
        bytes = Math.min(bytes, s.MaxStackBytes);
        const start = addTo(range.base, -bytes);
        scannedThreads++;
        for (const block of slotBlocks(t, start, bytes, { slotBytes: ps, chunkBytes: s.ChunkBytes, pageBytes: 0x1000 })) {
          if (!block.words) continue;
          scannedSlots += block.count;
          for (let i = 0; i < block.count; i++) {
            const [hi, lo] = slotHalves(block.words, i, per);
            if (hi === 0 && lo < 0x10000) continue;
            const u = inUnloaded(hi, lo);
            if (!u) continue;
            u.slots++;
            if (u.slotThreads.indexOf(thread.id) < 0) u.slotThreads.push(thread.id);
          }
        }
      }
    }
    let referenced = 0;
    for (const u of unloaded) {
      const base = fromHalves(u.baseHi, u.baseLo);
      const end = fromHalves(u.endHi, u.endLo);
      const refs: string[] = [];
      if (u.exception) refs.push("the exception address is inside it");
      if (u.frames.length) refs.push(u.frames.length + " frame(s) are inside it (" + u.frames.slice(0, 3).join(", ") + (u.frames.length > 3 ? ", ..." : "") + ")");
      if (u.slots) refs.push(u.slots + " stack slot(s) of thread(s) " + u.slotThreads.slice(0, 6).map((x) => "0x" + x.toString(16)).join(", ") + (u.slotThreads.length > 6 ? ", ..." : "") + " point into it");
      const verdict: Verdict = u.exception || u.frames.length ? "Positive" : u.slots ? "Suspicious" : "Info";
      if (verdict !== "Info") referenced++;
      rows.push({
        Origin: "Unloaded", Subject: u.name, Time: u.sequence !== undefined ? "unload #" + u.sequence : undefined,
        Detail: (refs.length ? refs.join("; ") : "nothing on the stacks points into it") + (u.timeDateStamp ? "; linked " + stampText(u.timeDateStamp) : ""),
        Base: base, End: end, Thread: u.slotThreads.length === 1 && !u.frames.length ? u.slotThreads[0] : undefined, LinkTo: "dx @$ewmda.RawStack(<tid>, \"all\")",
        Verdict: verdict, Source: u.from.indexOf("UnloadTrace") >= 0 ? ringSource : "command",
        Evidence: "lm shows it under \"Unloaded modules\" (" + u.from.join(", ") + "); " + t.formatAddress(base) + " - " + t.formatAddress(end) +
          (u.slots ? "; dps on the stacks of the threads named" : "") + (u.exception ? "; .exr -1" : ""),
      });
    }

    // ---- ages ----
    const time = runCommand(".time");
    // The dump's own time, so ages become create times (UTC).
    const session = time instanceof Unavailable ? undefined : parseSessionTime(time);
    const createdAt = (agoMs: number) => (session ? "created " + new Date(session.utcMs - agoMs).toISOString().replace("T", " ").replace(/\.\d+Z$/, "") + " UTC, " : "");
    if (time instanceof Unavailable) notes.push({ Verdict: "Info", Evidence: "process uptime not read: " + time.reason, Source: "command" });
    else {
      const tf = parseTimeCommand(time);
      if (tf.processUptime !== undefined) {
        rows.push({ Origin: "Process", Subject: "process", Time: formatSeconds(tf.processUptime) + " before the dump", Detail: createdAt(tf.processUptime * 1000) + "started " + formatSeconds(tf.processUptime) + " before the dump" +
          (tf.processUserTime !== undefined ? "; CPU: user " + formatSeconds(tf.processUserTime) + ", kernel " + formatSeconds(tf.processKernelTime ?? 0) : ""),
          LinkTo: "dx @$ewmda.SpikingThreads()", Verdict: "Info", Evidence: ".time (Process Uptime)" + (tf.sessionTime ? "; dump time " + tf.sessionTime : ""), Source: "command" });
      } else notes.push({ Verdict: "Info", Evidence: ".time gives no process uptime (the dump has no process times)", Source: "command" });
    }
    const runaway = runCommand("!runaway 4");
    if (runaway instanceof Unavailable) notes.push({ Verdict: "Info", Evidence: "thread ages not read: " + runaway.reason, Source: "command" });
    else {
      const r = parseRunaway(runaway);
      if (isRunawayError(r)) notes.push({ Verdict: "Info", Evidence: "thread ages not read: " + r.error, Source: "command" });
      else {
        const aged = r.threads.filter((x) => x.elapsedMs !== undefined && x.elapsedMs > 0);
        if (aged.length) {
          const sorted = aged.slice().sort((a, b) => a.elapsedMs! - b.elapsedMs!);
          const newest = sorted[0]!;
          const oldest = sorted[sorted.length - 1]!;
          rows.push({ Origin: "Threads", Subject: aged.length + " threads", Time: formatDuration(newest.elapsedMs!) + " .. " + formatDuration(oldest.elapsedMs!),
            Detail: "newest 0x" + newest.tid.toString(16) + " created " + formatDuration(newest.elapsedMs!) + " before the dump; oldest 0x" + oldest.tid.toString(16) + " " + formatDuration(oldest.elapsedMs!) +
              (session ? " (" + createdAt(oldest.elapsedMs!).replace(/, $/, "") + ")" : ""),
            LinkTo: "dx @$ewmda.StackTraceCollection()", Verdict: "Info", Evidence: "!runaway 4 (Elapsed Time)", Source: "command" });
          let n = 0;
          for (const x of sorted) {
            if (x.elapsedMs! > s.RecentThreadSeconds * 1000 || n >= s.MaxThreadRows) break;
            n++;
            rows.push({ Origin: "Thread", Subject: "thread 0x" + x.tid.toString(16), Time: formatDuration(x.elapsedMs!) + " before the dump", Thread: x.tid,
              Detail: createdAt(x.elapsedMs!) + "within " + s.RecentThreadSeconds + " s of the dump", LinkTo: "dx @$ewmda.StackTraces(\"threads=0x" + x.tid.toString(16) + "\")",
              Verdict: "Info", Evidence: "!runaway 4; ~~[0x" + x.tid.toString(16) + "]kn", Source: "command" });
          }
        } else notes.push({ Verdict: "Info", Evidence: "!runaway 4 gives no thread create times (the dump has no thread info stream)", Source: "command" });
      }
    }

    // ---- last errors ----
    let errors = 0;
    let errorsShown = 0;
    for (const thread of t.threads()) {
      const teb = nativeTeb(t, thread);
      if (teb instanceof Unavailable) continue;
      const le = tebField(t, teb, "LastErrorValue", 4);
      const ls = tebField(t, teb, "LastStatusValue", 4);
      const err = typeof le === "number" ? le : 0;
      const st = typeof ls === "number" ? ls : 0;
      // A status without an error (STATUS_PENDING 0x103, warnings such as 0x80000005) is no failure.
      if (err === 0 && (st >>> 30) !== 3) continue;
      errors++;
      if (errorsShown >= s.MaxThreadRows) continue;
      errorsShown++;
      rows.push({ Origin: "LastError", Subject: "thread 0x" + thread.id.toString(16), Thread: thread.id,
        Detail: "LastErrorValue " + err + " (0x" + err.toString(16) + "), LastStatusValue 0x" + st.toString(16) + " (stale by nature: the last failure this thread saw)",
        LinkTo: err !== 0 ? "!error " + err : "!error 0x" + st.toString(16) + " 1", Verdict: "Info", Evidence: "~~[0x" + thread.id.toString(16) + "]s; !gle", Source: teb.source });
    }
    if (errors > errorsShown) notes.push({ Verdict: "Info", Evidence: (errors - errorsShown) + " more threads have a last error (Config.HistoricalInformation.MaxThreadRows); !gle -all", Source: "typed" });

    // "No unloaded modules" is only a finding when a list was there to read: the ring, or the dump's stream.
    let notChecked: string | undefined;
    if (typeof ring === "string" && unloaded.length === 0) {
      if (lm instanceof Unavailable) notChecked = "lm gave no list";
      else {
        const dd = runCommand(".dumpdebug");
        const parsed = dd instanceof Unavailable ? undefined : parseDumpDebug(dd);
        if (parsed && !("error" in parsed) && parsed.streams.length && !parsed.streams.some((x) => /unloadedmodule/i.test(x.name))) {
          notChecked = "the dump has no unloaded-module list (.dumpdebug lists no UnloadedModuleListStream)";
        }
      }
    }
    yield* rows;
    yield* notes;
    if (notChecked) {
      yield { Verdict: "Info", Source: "command", Evidence: "unloaded modules not checked: the unload trace was not read and " + notChecked + "; ntdll's symbols give the trace (.reload /f ntdll.dll)" };
    } else if (referenced === 0) {
      yield {
        Verdict: "Negative", Source: "heuristic",
        Evidence: unloaded.length
          ? "0 of " + unloaded.length + " unloaded modules are referenced: no frame, no exception address and none of " + scannedSlots + " stack slots of " + scannedThreads + " threads point into them"
          : "no unloaded modules (" + (typeof ring === "string" ? "the unload trace was not read" : "the unload trace is empty") + (lm instanceof Unavailable ? "" : ", lm lists none") + ")",
      };
    }
    ctx.summary("HistoricalInformation: " + unloaded.length + " unloaded module(s), " + referenced + " still referenced; " + errors + " thread(s) with a last error");
  },

  rowText(row) {
    if (row.Origin === undefined) return row.Verdict + ": " + row.Evidence;
    return String(row.Origin) + " " + String(row.Subject) + (row.Time ? " (" + String(row.Time) + ")" : "") + ": " + String(row.Detail);
  },
});

function stampText(stamp: number): string {
  const d = new Date(stamp * 1000);
  return isNaN(d.getTime()) ? "0x" + stamp.toString(16) : d.toISOString().slice(0, 10) + " (0x" + stamp.toString(16) + ")";
}


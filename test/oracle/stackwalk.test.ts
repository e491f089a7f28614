/**
 * Our stacks against Breakpad's on every real dump (../shared/testdata): per frame, the same instruction
 * pointer and stack pointer at the same position. Prints the agreement table. Targets: every context
 * frame and every frame-pointer frame; at least 90% of the scanned frames of crashing threads. For the
 * Mozilla dumps, also the crashing stack the application unwound itself (CFI) from the .extra files.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import type { WalkedFrame } from "../../src/runner/stack-walker";
import { ALL_DUMPS, DUMPS, oracleStem, readOracle, type OracleFrame } from "./breakpad-output";

const files = ALL_DUMPS.map((rel) => path.join(DUMPS, rel));

type Kind = "context" | "frame-pointer" | "leaf" | "scan";
const KIND: Record<string, Kind> = {
  "given as instruction pointer in context": "context",
  "previous frame's frame pointer": "frame-pointer",
  "simulating a return from leaf function": "leaf",
  "stack scanning": "scan",
};
interface Tally { total: number; matched: number }
const blank = (): Record<Kind, Tally> => ({ context: { total: 0, matched: 0 }, "frame-pointer": { total: 0, matched: 0 }, leaf: { total: 0, matched: 0 }, scan: { total: 0, matched: 0 } });

function sameFrame(o: OracleFrame, f: WalkedFrame | undefined): boolean {
  if (!f) return false;
  const ip = o.registers.rip ?? o.registers.eip ?? o.registers.pc;
  const sp = o.registers.rsp ?? o.registers.esp ?? o.registers.sp;
  return ip === f.ip && sp === f.sp;
}

interface Row { dump: string; all: Record<Kind, Tally>; crashedScan: Tally; extra?: Tally }
const rows: Row[] = [];

describe.skipIf(files.length === 0)("stack reconstruction agrees with Breakpad", () => {
  it.each(files.map((f) => [path.relative(DUMPS, f), f] as const))("%s", (_name, file) => {
    const stem = oracleStem(file);
    if (!stem) return;
    const oracle = readOracle(stem);
    const dump = Minidump.openFile(file);
    try {
      const target = buildDumpTarget(dump);
      // Breakpad leaves the thread that wrote the dump out of its list.
      const writer = dump.breakpadInfo()?.dumpThreadId;
      const threads = target.threads.filter((t) => t.id !== writer);
      const exceptionTid = dump.exception()?.threadId;
      const all = blank();
      const crashedScan: Tally = { total: 0, matched: 0 };
      for (const ot of oracle.threads) {
        const ours = threads[ot.index];
        if (!ours) continue;
        const frames = ot.crashed && ours.id === exceptionTid && target.exceptionFrames ? target.exceptionFrames : ours.frames;
        ot.frames.forEach((of, j) => {
          const kind = KIND[of.foundBy];
          if (!kind) return;
          const ok = sameFrame(of, frames[j]);
          all[kind].total++;
          if (ok) all[kind].matched++;
          if (ot.crashed && kind === "scan") { crashedScan.total++; if (ok) crashedScan.matched++; }
        });
      }
      const row: Row = { dump: path.relative(DUMPS, file), all, crashedScan };
      const extraFile = file.replace(/\.dmp$/, ".extra");
      if (existsSync(extraFile) && target.exceptionFrames) {
        const st = JSON.parse(readFileSync(extraFile, "utf8")).StackTraces as { crash_info?: { crashing_thread?: number }; threads?: { frames: { ip: string }[] }[] } | undefined;
        const crashing = st?.threads?.[st.crash_info?.crashing_thread ?? 0]?.frames ?? [];
        const ours = new Set(target.exceptionFrames.map((f) => f.ip));
        // The application's unwinder reports return addresses minus one after frame 0.
        const matched = crashing.filter((f, i) => ours.has(BigInt(f.ip) + (i > 0 ? 1n : 0n)) || ours.has(BigInt(f.ip))).length;
        row.extra = { total: crashing.length, matched };
      }
      rows.push(row);
      expect(all.context.matched).toBe(all.context.total);
      expect(all["frame-pointer"].matched).toBe(all["frame-pointer"].total);
      expect(all.leaf.matched).toBe(all.leaf.total);
      if (crashedScan.total > 0) expect(crashedScan.matched / crashedScan.total).toBeGreaterThanOrEqual(0.9);
    } finally {
      dump.close();
    }
  });

  it("prints the agreement table", () => {
    const pct = (t: Tally) => (t.total ? `${t.matched}/${t.total}` : "-");
    const lines = ["dump | context | frame pointer | leaf | scan (all threads) | scan (crashing) | app CFI stack (.extra)", "---|---|---|---|---|---|---"];
    const sum = blank();
    for (const r of rows) {
      for (const k of Object.keys(sum) as Kind[]) { sum[k].total += r.all[k].total; sum[k].matched += r.all[k].matched; }
      lines.push(`${r.dump} | ${pct(r.all.context)} | ${pct(r.all["frame-pointer"])} | ${pct(r.all.leaf)} | ${pct(r.all.scan)} | ${pct(r.crashedScan)} | ${r.extra ? pct(r.extra) : "-"}`);
    }
    lines.push(`TOTAL | ${pct(sum.context)} | ${pct(sum["frame-pointer"])} | ${pct(sum.leaf)} | ${pct(sum.scan)} | | `);
    console.log(lines.join("\n"));
    expect(rows.length).toBeGreaterThan(0);
  });
});

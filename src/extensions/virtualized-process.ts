import { defineAnalysis, type Row } from "../lib/analysis";
import { addTo, hex, type Int64 } from "../lib/int64";
import { parseLastEvent } from "../lib/parse-exr";
import { nativeTeb, tebField, wowPeb, wowTeb } from "../lib/peb";
import { runCommand } from "../lib/run-command";
import type { FrameInfo } from "../lib/stacks";
import { Unavailable, notAvailable, unreadable } from "../lib/values";

/** WOW64 layer DLLs by host: x64 runs 32-bit code with wow64cpu, ARM64 with xtajit (x86) or wowarmhw (ARM32). */
const WOW64_DLLS: { [file: string]: string } = {
  "wow64.dll": "", "wow64win.dll": "", "wow64base.dll": "", "wow64con.dll": "",
  "wow64cpu.dll": "x64", "xtajit.dll": "ARM64", "wowarmhw.dll": "ARM64",
};

/**
 * VirtualizedProcess: is this a 32-bit process running under WOW64, which view of it the dump gives, how
 * to switch, and where its 32-bit PEB and TEBs are.
 *
 * The pattern (Virtualized Process): a 32-bit process on 64-bit Windows runs on the WOW64 layer. A dump
 * written by a 64-bit tool shows the 64-bit view: every thread seems to sit in `wow64cpu`/`wow64`
 * thunks, exceptions come from `wow64.dll`, and the real 32-bit stacks appear only after `.effmach x86`
 * (or `!wow64exts.sw`). A dump written by a 32-bit tool is already the 32-bit view and needs no switch,
 * but the 64-bit side (64-bit ntdll, WOW64 DLLs' state) is not in it.
 *
 * Detection: the module list has the WOW64 layer (`wow64.dll`, `wow64win.dll`, `wow64cpu.dll` on x64
 * hosts; `xtajit.dll`/`wowarmhw.dll` on ARM64 hosts) and, in a 64-bit view, 32-bit DLLs from `SysWOW64`.
 * In a 64-bit view the 32-bit TEB of each thread is TEB64 + `WowTebOffset` (or + 0x2000 by convention,
 * accepted only when its NtTib.Self points to itself), and the 32-bit PEB is TEB32.ProcessEnvironmentBlock;
 * in a 32-bit view the TEB32's negative `WowTebOffset` points to the TEB64. Threads with a frame in a
 * WOW64 DLL are counted (the "everything waits in wow64cpu" symptom), and a last event of 0x4000001F
 * (STATUS_WX86_BREAKPOINT) or 0x4000001E (single step) is named as coming from the 32-bit code.
 *
 * False positives: x64 emulation on ARM64 (`xtajit64.dll`) is not WOW64 and is reported as Info; a dump
 * whose module list was trimmed can hide the WOW64 DLLs (then the Negative row says what was examined).
 * Switching the effective machine is debugger state this analysis never changes.
 *
 * @function VirtualizedProcess
 * @memberof Ewmda
 * @returns {ResultSet} One row: View, ProcessBits, HostMachine, Wow64Modules, Peb32, Teb32, Threads32, InWow64Layer, Recommendation, Verdict (Positive: WOW64 process; Negative: native), Evidence, Source.
 * @example dx @$ewmda.VirtualizedProcess()
 * @example dx @$ewmda.VirtualizedProcess()[0].Recommendation
 * @example !ewmda.wow64
 */
export const virtualizedProcess = defineAnalysis({
  meta: {
    name: "VirtualizedProcess",
    command: "wow64",
    summary: "Detects a 32-bit process under WOW64, says which view the dump gives and how to switch, with the 32-bit PEB and TEBs",
    patterns: ["Virtualized Process (WOW64)"],
    targets: "any",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "View", type: "string", help: "The debugger's view of the process: 64-bit (x64, ARM64) or 32-bit (x86)" },
      { name: "ProcessBits", type: "int", help: "Bitness of the process's own code: 32 under WOW64, else the view's" },
      { name: "HostMachine", type: "string", help: "The machine WOW64 runs on (x64 for wow64cpu.dll, ARM64 for xtajit.dll/wowarmhw.dll)" },
      { name: "Wow64Modules", type: "string", help: "WOW64 layer DLLs in the module list" },
      { name: "Peb32", type: "address", help: "The 32-bit PEB (64-bit view: from TEB32.ProcessEnvironmentBlock; 32-bit view: the native PEB)" },
      { name: "Teb32", type: "address", help: "The first thread's 32-bit TEB (64-bit view), or its 64-bit TEB (32-bit view)", table: false },
      { name: "Threads32", type: "string", help: "Threads whose 32-bit TEB was found, of all threads (64-bit view)" },
      { name: "InWow64Layer", type: "int", help: "Threads with a frame in a WOW64 DLL (in a 64-bit view, usually all of them)" },
      { name: "Recommendation", type: "string", help: "What to do to see the 32-bit side" },
    ],
    settings: {
      MaxThreads: { default: 4096, help: "Threads whose TEB32 is looked up", reason: "a few reads per thread; more threads than this are counted from the first ones" },
    },
  },

  *run(ctx) {
    const t = ctx.target;
    const modules = t.modules().modules;
    const ps = t.pointerSize();
    const arch = t.architecture();
    const view = ps === 8 ? "64-bit (" + arch + ")" : "32-bit (x86)";
    if (t.isKernel()) {
      ctx.summary("VirtualizedProcess: kernel target");
      yield { Verdict: "Info", Evidence: "in a kernel or complete dump each process's WOW64 state is EPROCESS.WoW64Process (!process 0 0 shows a Wow64 line); switch to a process (.process /p /r) and run this again for its 32-bit PEB", Source: "heuristic" };
      return;
    }
    if (modules.length === 0) {
      ctx.summary("VirtualizedProcess: no modules");
      yield { Verdict: "Info", Evidence: "the module list is empty, so WOW64 cannot be told from it (lm)", Source: "typed" };
      return;
    }
    const wow = modules.filter((m) => WOW64_DLLS[m.name.toLowerCase()] !== undefined);
    const sysWow = modules.filter((m) => /\\syswow64\\/i.test(m.path));
    const emulated = modules.filter((m) => m.name.toLowerCase() === "xtajit64.dll");
    let host = "";
    for (const m of wow) host = host || WOW64_DLLS[m.name.toLowerCase()]!;
    const wowNames = wow.map((m) => m.name).join(", ");

    // Threads inside the WOW64 layer (frames read once, shared).
    let inLayer = 0;
    const stacks = t.threadStacks();
    for (const s of stacks) {
      if (!Array.isArray(s.frames)) continue;
      if ((s.frames as readonly FrameInfo[]).some((f) => !!f.module && WOW64_DLLS[f.module.name.toLowerCase()] !== undefined)) inLayer++;
    }
    const lastEvent = lastEventNote();

    if (wow.length === 0 && sysWow.length === 0) {
      if (emulated.length) {
        ctx.summary("VirtualizedProcess: x64 emulation on ARM64 (not WOW64)");
        yield { View: view, ProcessBits: ps * 8, HostMachine: "ARM64", Wow64Modules: "xtajit64.dll", Verdict: "Info", Source: "typed",
          Evidence: "xtajit64.dll is loaded: x64 code emulated on ARM64 (ARM64EC/x64 emulation), not a 32-bit WOW64 process; lm m xtajit*" };
        return;
      }
      ctx.summary("VirtualizedProcess: native " + (ps * 8) + "-bit process");
      yield {
        View: view, ProcessBits: ps * 8, Verdict: "Negative", Source: "typed",
        Evidence: "native " + (ps * 8) + "-bit process: no WOW64 DLL (wow64*.dll, xtajit.dll, wowarmhw.dll) and no SysWOW64 module among " + modules.length + " modules; lm m wow64*",
      };
      return;
    }

    if (ps === 8) {
      const peb = wowPeb(t);
      let found = 0;
      let firstTeb32: Int64 | Unavailable = notAvailable("no TEB32 found");
      const threads = t.threads();
      const limit = Math.min(threads.length, ctx.settings.MaxThreads);
      let method = "";
      for (let i = 0; i < limit; i++) {
        const teb = nativeTeb(t, threads[i]!);
        if (teb instanceof Unavailable) continue;
        const w = wowTeb(t, teb);
        if (w instanceof Unavailable) { if (found === 0) firstTeb32 = w; continue; }
        if (found === 0) { firstTeb32 = w.teb32.address; method = w.method; }
        found++;
      }
      const peb32: Int64 | Unavailable = peb instanceof Unavailable ? peb : peb.peb32.address;
      const row: Row = {
        View: view, ProcessBits: 32, HostMachine: host || "x64", Wow64Modules: wowNames || "(none; " + sysWow.length + " SysWOW64 DLLs)",
        Peb32: peb32, Teb32: firstTeb32, Threads32: found + " of " + threads.length + (limit < threads.length ? " (first " + limit + " checked)" : ""),
        InWow64Layer: inLayer,
        Recommendation: ".effmach x86 (or !wow64exts.sw), then ~*k for the 32-bit stacks; .effmach . returns to the 64-bit view" +
          (lastEvent ? "; " + lastEvent : ""),
        Verdict: "Positive", Source: "typed",
        Evidence: "32-bit process under WOW64 seen from the 64-bit view: " + (wowNames ? wowNames + " loaded" : "") + (sysWow.length ? (wowNames ? ", " : "") + sysWow.length + " modules from SysWOW64" : "") +
          "; " + inLayer + " of " + stacks.length + " threads have a WOW64 frame" + (peb instanceof Unavailable ? "; no PEB32: " + peb.reason : "; PEB32 at " + t.formatAddress(peb.peb32.address) + " (" + method + ")") +
          "; lm m wow64*; !wow64exts.info",
      };
      yield row;
      ctx.summary("VirtualizedProcess: 32-bit process under WOW64 in the 64-bit view" + (peb instanceof Unavailable ? "" : ", PEB32 " + t.formatAddress(peb.peb32.address)));
      return;
    }

    // A 32-bit view of a WOW64 process: the 32-bit PEB is the native one; the TEB32's WowTebOffset leads to the TEB64.
    const first = t.threads()[0];
    let teb64: Int64 | Unavailable = notAvailable("no thread");
    let peb32: Int64 | Unavailable = notAvailable("no PEB");
    if (first) {
      const teb = nativeTeb(t, first);
      if (teb instanceof Unavailable) teb64 = teb;
      else {
        const off = tebField(t, teb, "WowTebOffset", 4);
        teb64 = typeof off === "number" && off !== 0 ? addTo(teb.address, off | 0) : unreadable("TEB32.WowTebOffset is 0 or not in the dump");
        const p = tebField(t, teb, "ProcessEnvironmentBlock", "ptr");
        if (p !== undefined && typeof p !== "number") peb32 = p;
      }
    }
    const teb64Text = teb64 instanceof Unavailable ? teb64.reason : t.formatAddress(teb64) + (t.readBytes(teb64, 8) ? "" : " (not in the dump)");
    // A 32-bit writer does not see the 64-bit WOW64 DLLs; then only the SysWOW64 paths tell, and not the host.
    const seen = wowNames ? wowNames + " in the module list" : sysWow.length + " of " + modules.length + " modules loaded from SysWOW64 (the 64-bit WOW64 DLLs are not in a 32-bit module list)";
    yield {
      View: view, ProcessBits: 32, HostMachine: host || (wowNames ? "x64" : "x64 or ARM64 (not in the dump)"), Wow64Modules: wowNames || "(none; " + sysWow.length + " SysWOW64 DLLs)",
      Peb32: peb32, Teb32: teb64, Threads32: undefined, InWow64Layer: inLayer,
      Recommendation: "none needed: the dump is already the 32-bit view (written by a 32-bit tool); the 64-bit side (64-bit ntdll, WOW64 state) is not in it" +
        (lastEvent ? "; " + lastEvent : ""),
      Verdict: "Positive", Source: "typed",
      Evidence: "32-bit dump of a process under WOW64: " + seen + "; first thread's TEB64 " + teb64Text + "; lm m wow64*",
    };
    ctx.summary("VirtualizedProcess: 32-bit process under WOW64, dump in the 32-bit view");
  },

  rowText(row) {
    if (row.View === undefined) return row.Verdict + ": " + row.Evidence;
    return String(row.Verdict) + ": " + String(row.View) + " view, " + String(row.ProcessBits) + "-bit process" + (row.Recommendation ? "; " + String(row.Recommendation) : "");
  },
});

/** The last event when it is a WOW64 debug event (the 32-bit code's breakpoint or single step). */
function lastEventNote(): string | undefined {
  const out = runCommand(".lastevent");
  if (out instanceof Unavailable) return undefined;
  const e = parseLastEvent(out);
  if (!e || e.code === undefined) return undefined;
  if (e.code === 0x4000001f) return "the last event is " + hex(e.code) + " (STATUS_WX86_BREAKPOINT) from the 32-bit code: look at it after .effmach x86";
  if (e.code === 0x4000001e) return "the last event is " + hex(e.code) + " (STATUS_WX86_SINGLE_STEP) from the 32-bit code";
  return undefined;
}


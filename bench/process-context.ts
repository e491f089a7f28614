/**
 * Modules over a synthetic x64 process with 400 modules (half with their headers, debug directory and version
 * resource in the dump, as in a full-memory dump; half without pages, as in a minidump), run through the built
 * dist/ewmda.js on the emulated provider, beside a naive script in the same process on the same target: per
 * module one `lmvm <module>` command (what patterns.md §14 suggests for versions and company) and the PE
 * header fields read one host call each (e_lfanew, TimeDateStamp, SizeOfImage, the debug directory and each
 * entry's fields), as a script without bulk reads would. Prints `BENCH` lines: host calls and commands
 * (deterministic) and wall time (median of several runs; noisy on shared machines, read the ratio).
 *
 * Run after `npm run build`: node --import tsx bench/process-context.ts
 */
import { EmulatedDebugger } from "../src/emulator";
import { bundleText } from "../test/helpers";
import { userTarget } from "../test/mocks/user-target";
import { bench, compareWithNaive, median } from "./report";

const MODULES = 400;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function buildTarget() {
  const b = userTarget();
  for (let i = 0; i < MODULES; i++) {
    const mapped = i % 2 === 0;
    const guid = `3844DBB9-2017-4967-BE6A-${(0xa02f2f6f7d00 + i).toString(16).toUpperCase().padStart(12, "0")}`;
    b.module({
      name: `C:\\Program Files\\Product\\part${i}.dll`, size: 0x20000, headers: mapped, timestamp: 0x5f000000 + i * 0x1000,
      pdb: mapped ? { name: `d:\\build\\part${i}.pdb`, guid, age: 1 + (i % 7) } : undefined,
      version: mapped ? { fileVersion: `1.2.${i}.0`, productVersion: "1.2.0.0", strings: { CompanyName: "Contoso Ltd", ProductName: "Contoso" } } : undefined,
    });
  }
  // The naive script's per-module command: lmvm answers with the module's block, as WinDbg prints it.
  for (const m of b.build().spec.processes[0]!.modules) {
    const stem = m.name.replace(/^.*\\/, "").replace(/\.[^.]*$/, "");
    b.command(`lmvm ${stem}`, ["start             end                 module name", `00007ff8\`00000000 00007ff8\`00020000   ${stem}     (deferred)`,
      `    Image path: ${m.name}`, `    Image name: ${stem}.dll`, "    Timestamp:        Sat Jul  4 12:00:00 2020 (5F000000)", "    CheckSum:         00000000",
      "    ImageSize:        00020000", "    File version:     1.2.0.0", "    Product version:  1.2.0.0", "    CompanyName:      Contoso Ltd"]);
  }
  return b.build();
}

const NAIVE = `"use strict";
function initializeScript() { return [new host.apiVersionSupport(1, 9)]; }
function u32(a) { try { return host.memory.readMemoryValues(a, 1, 4)[0]; } catch (e) { return undefined; } }
function u16(a) { try { return host.memory.readMemoryValues(a, 1, 2)[0]; } catch (e) { return undefined; } }
function naiveModules() {
  var out = [];
  var ctl = host.namespace.Debugger.Utility.Control;
  for (var m of host.currentProcess.Modules) {
    var base = m.BaseAddress;
    var row = { Name: m.Name, Lines: 0, Stamp: undefined, Cv: 0 };
    for (var line of ctl.ExecuteCommand("lmvm " + m.Name.replace(/^.*\\\\/, "").replace(/\\.[^.]*$/, ""))) row.Lines++;
    var lfanew = u32(base.add(0x3c));
    if (lfanew !== undefined) {
      var nt = base.add(lfanew);
      row.Stamp = u32(nt.add(8));
      var magic = u16(nt.add(0x18));
      u32(nt.add(0x18 + 0x38));
      var dd = nt.add(0x18 + (magic === 0x20b ? 0x70 : 0x60) + 6 * 8);
      var rva = u32(dd);
      var size = u32(dd.add(4));
      for (var k = 0; rva && k < size / 28; k++) {
        var e = base.add(rva + k * 28);
        for (var f = 0; f < 7; f++) u32(e.add(f * 4));
        var type = u32(e.add(12));
        var raw = u32(e.add(20));
        if (type === 2 && raw) { for (var g = 0; g < 6; g++) u32(base.add(raw + g * 4)); row.Cv++; }
      }
    }
    out.push(row);
  }
  return out;
}`;

const t = buildTarget();
const dbg = new EmulatedDebugger(t.spec);
dbg.scriptLoad(bundleText(), "C:\\tools\\ewmda.js");
const naive = dbg.scriptLoad(NAIVE, "C:\\tools\\naive.js");
const { rows, naiveRows, ewmdaCalls, naiveCalls, ewmdaDetail, naiveDetail, ewmdaMs, naiveMs } = compareWithNaive(dbg, "Debugger.Utility.Ewmda.Modules()", naive.global.naiveModules as () => unknown[], RUNS);

const total = t.spec.processes[0]!.modules.length;
console.log(`# Modules over ${total} x64 modules (${MODULES / 2} with headers, debug directory and version resource in the dump): ${rows} rows; naive script ${naiveRows}`);
console.log(`# ewmda host calls by kind: ${JSON.stringify(ewmdaDetail)}`);
console.log(`# naive host calls by kind: ${JSON.stringify(naiveDetail)}`);
bench("modules_host_calls", ewmdaCalls, "calls");
bench("modules_host_calls_per_module", ewmdaCalls / total, "calls");
bench("modules_commands", ewmdaDetail.commands!, "calls");
bench("naive_modules_host_calls", naiveCalls, "calls");
bench("naive_modules_host_calls_per_module", naiveCalls / total, "calls");
bench("naive_modules_commands", naiveDetail.commands!, "calls");
bench("modules_wall_median", median(ewmdaMs), "ms");
bench("naive_modules_wall_median", median(naiveMs), "ms");
bench("modules_call_reduction_vs_naive", naiveCalls / ewmdaCalls, "x");

import { defineAnalysis, type Row } from "../lib/analysis";
import { hexHalves } from "../lib/exception-codes";
import { bytesText, hookForm, isSyscallStub, type HookForm } from "../lib/hook-shapes";
import { addTo, fromHalves, halvesOf, toInt64, type Int64 } from "../lib/int64";
import type { ModuleInfo } from "../lib/module-index";
import { parseChkimg } from "../lib/parse-chkimg";
import { readExports, readPeHeaders, type ImageReader } from "../lib/pe-resources";
import { readPointer } from "../lib/peb";
import { runCommand } from "../lib/run-command";
import type { Target } from "../lib/target";
import { Unavailable, type Verdict } from "../lib/values";

const PAGE = 0x1000;
const PROLOGUE = 16;

interface Checked { functions: number; unreadable: number; internal: number; forwarders: number; allowed: number }

/**
 * PatchedCode: code of the key system modules that differs from what it should be: `!chkimg`'s comparison
 * with the image files, and the first bytes of exported functions checked for jumps that lead out of the
 * module (inline hooks), breakpoints, and ntdll system-call stubs that are not stubs.
 *
 * The pattern (Patched Code): inline hooks planted by security products, monitoring tools or malware,
 * hot patches, breakpoints left in code, and corrupted code pages (bit flips) explain crashes inside
 * well-known functions and unexpected control flow.
 *
 * Detection: for each module of `Config.PatchedCode.Modules` that is loaded, `!chkimg -lo 50 -d <module>`
 * (its summary `N errors : module (start-end)` and each differing range with the file's and memory's bytes;
 * "could not find image file" is reported as not checked, never as clean). Then, from memory: the export
 * directory (or, when it is not in the dump, the `Config.PatchedCode.WatchedFunctions` found through symbols)
 * gives function addresses; their first bytes are read page by page (one read per code page) and classified
 * as SwishDbgExt does: `E9` jmp, `EB` short jmp, `E8` call, `68 imm32 C3` push/ret, `FF 25` jmp [mem],
 * `FF 15` call [mem], `mov rax/r11, imm64; jmp`, `CC`. A transfer into no module is a Hook (Positive), into
 * another module a Hook naming it (Positive; Info when the module is in `AllowedHookModules`); `jmp [mem]`
 * stubs into Windows modules (kernel32's forwarders to kernelbase) and jumps inside the module are normal
 * and only counted. ntdll's `Nt*`/`Zw*` exports must start with the system-call stub.
 *
 * False positives: security products hook by design (list them in AllowedHookModules); !chkimg needs the
 * exact image files (a symbol path with binaries); a debugger's breakpoints in a live target's code are
 * benign. ARM64 code is not classified.
 *
 * @function PatchedCode
 * @memberof Ewmda
 * @returns {ResultSet} One row per patch: Module, Address, Symbol, Class (Hook, Breakpoint, Corruption, Differs), Shape, Bytes, Expected, JumpTarget, TargetModule, Verdict, Evidence, Source; Info rows for what could not be checked; a Negative row with counts when clean.
 * @example dx @$ewmda.PatchedCode()
 * @example dx -g @$ewmda.PatchedCode().Where(r => r.Class == "Hook")
 * @example !ewmda.patchedcode
 */
export const patchedCode = defineAnalysis({
  meta: {
    name: "PatchedCode",
    command: "patchedcode",
    summary: "Inline hooks, breakpoints and corrupted code in ntdll/kernel32/kernelbase/user32: !chkimg and the first bytes of their exported functions",
    patterns: ["Patched Code"],
    targets: "user",
    version: "1.0.0",
    params: [],
    options: [],
    columns: [
      { name: "Module", type: "string", help: "Module whose code is patched" },
      { name: "Address", type: "address", help: "First patched byte" },
      { name: "Symbol", type: "string", help: "Function (export name or symbol)" },
      { name: "Class", type: "string", help: "Hook (jump out of the module), Breakpoint (CC), Corruption (differs without a jump shape), Differs (a system-call stub that is not one)" },
      { name: "Shape", type: "string", help: "jmp, short jmp, call, push/ret, jmp [mem], call [mem], mov/jmp reg, int3", table: false },
      { name: "Bytes", type: "string", help: "Bytes in memory" },
      { name: "Expected", type: "string", help: "Bytes of the image file (!chkimg rows)", table: false },
      { name: "JumpTarget", type: "address", help: "Where the patch jumps to" },
      { name: "TargetModule", type: "string", help: "Module holding the jump target, or (no module) for private memory" },
    ],
    settings: {
      Modules: { default: ["ntdll", "kernelbase", "kernel32", "user32"], help: "Modules checked", reason: "the APIs hooks are planted in; add a product's own modules to check them too" },
      RunChkimg: { default: true, help: "Run !chkimg for each module", reason: "the authoritative comparison when the symbol path has the images; it says so when it has not" },
      MaxExports: { default: 5000, help: "Exported functions checked per module", reason: "ntdll and kernelbase export about 2,500 each" },
      AllowedHookModules: { default: [], help: "Modules whose hooks are expected (security products); their hooks are Info", reason: "nothing is allowed until you say which product is yours" },
      WatchedFunctions: {
        default: ["ntdll!NtCreateFile", "ntdll!NtOpenProcess", "ntdll!NtProtectVirtualMemory", "ntdll!NtAllocateVirtualMemory", "ntdll!NtWriteVirtualMemory",
          "ntdll!NtCreateUserProcess", "ntdll!NtQuerySystemInformation", "ntdll!NtMapViewOfSection", "ntdll!LdrLoadDll", "ntdll!LdrGetProcedureAddress",
          "kernelbase!CreateProcessW", "kernelbase!LoadLibraryExW", "kernelbase!VirtualProtect", "kernelbase!CreateFileW", "kernelbase!GetProcAddress",
          "kernel32!CreateProcessW", "kernel32!LoadLibraryW", "user32!SetWindowsHookExW", "user32!MessageBoxW", "user32!GetMessageW"],
        help: "Functions checked through symbols when a module's export directory is not in the dump",
        reason: "the functions hooking products and malware patch most",
      },
    },
  },

  *run(ctx) {
    const t = ctx.target;
    const s = ctx.settings;
    if (t.isKernel()) {
      ctx.summary("PatchedCode: kernel target");
      yield { Verdict: "Info", Evidence: "this checks a process's system modules; for the kernel run !chkimg -lo 50 -d !nt and see OutOfModulePointers for SSDT/IRP tables", Source: "heuristic" };
      return;
    }
    const arch = t.architecture();
    const index = t.modules();
    const targets = s.Modules.map((n) => index.byName(n)).filter((m): m is ModuleInfo => !!m);
    const missing = s.Modules.filter((n) => !index.byName(n));
    if (targets.length === 0) {
      ctx.summary("PatchedCode: none of the modules is loaded");
      yield { Verdict: "Info", Evidence: "none of " + s.Modules.join(", ") + " is loaded (lm); nothing to check", Source: "typed" };
      return;
    }
    const findings: Row[] = [];
    const notes: Row[] = [];
    const allowed = s.AllowedHookModules.map((x) => x.toLowerCase());

    // ---- !chkimg ----
    const clean: string[] = [];
    const notChecked: string[] = [];
    if (s.RunChkimg) {
      for (const m of targets) {
        const out = runCommand("!chkimg -lo 50 -d " + m.symbolName);
        if (out instanceof Unavailable) { notChecked.push(m.symbolName + " (" + out.reason + ")"); continue; }
        const r = parseChkimg(out);
        if (r.kind === "not checked") { notChecked.push(m.symbolName + " (" + r.reason + ")"); continue; }
        if (r.errors === 0) { clean.push(m.symbolName); continue; }
        for (const d of r.differences) {
          const a = hexHalves(d.start);
          const address = a ? fromHalves(a[0], a[1]) : undefined;
          const form = a && d.actual.length ? hookForm(d.actual, a[0], a[1], arch) : undefined;
          const cls = form ? (form.shape === "int3" ? "Breakpoint" : "Hook") : "Corruption";
          const bits = d.expected.length === 1 && d.actual.length === 1 ? popcount(d.expected[0]! ^ d.actual[0]!) : 0;
          const tm = form && form.target ? index.findPair(form.target[0], form.target[1]) : undefined;
          findings.push({
            Module: m.name, Address: address, Symbol: d.symbol, Class: cls + (cls === "Corruption" && bits === 1 ? " (one bit: suspect hardware)" : ""),
            Shape: form ? form.shape : undefined, Bytes: bytesText(d.actual, 16), Expected: bytesText(d.expected, 16),
            JumpTarget: form && form.target ? fromHalves(form.target[0], form.target[1]) : undefined,
            TargetModule: form && form.target ? (tm ? tm.name : "(no module)") : undefined,
            Verdict: tm && allowed.indexOf(tm.name.toLowerCase()) >= 0 ? "Info" : "Positive",
            Evidence: "!chkimg -d " + m.symbolName + ": " + d.length + " byte(s) at " + d.start + " differ from the image file; u " + d.start, Source: "command",
          });
        }
        if (r.differences.length === 0) notes.push({ Verdict: "Info", Evidence: "!chkimg reports " + r.errors + " error(s) in " + m.symbolName + " but listed none (run !chkimg -d -v " + m.symbolName + ")", Source: "command" });
      }
      if (notChecked.length) notes.push({ Verdict: "Info", Evidence: "!chkimg did not compare " + notChecked.join("; ") + " (it needs the image files: a symbol path with binaries, or .exepath)", Source: "command" });
    }

    // ---- the first bytes of exported functions ----
    const checked: Checked = { functions: 0, unreadable: 0, internal: 0, forwarders: 0, allowed: 0 };
    const pages = new PageCache(t);
    const pointers: { [key: string]: Int64 | null } = {};
    if (arch === "arm64") notes.push({ Verdict: "Info", Evidence: "ARM64 code is not classified (only !chkimg's comparison applies)", Source: "heuristic" });
    else {
      for (const m of targets) {
        const functions = functionsOf(t, m, s.MaxExports, s.WatchedFunctions);
        if (typeof functions === "string") { notes.push({ Verdict: "Info", Evidence: m.name + ": " + functions, Source: "typed" }); continue; }
        const isNtdll = m.symbolName.toLowerCase() === "ntdll";
        for (const f of functions.list) {
          const b = pages.bytes(f.address, PROLOGUE);
          if (!b) { checked.unreadable++; continue; }
          checked.functions++;
          const [hi, lo] = halvesOf(f.address);
          const form = hookForm(b, hi, lo, arch);
          if (!form) {
            if (isNtdll && /^(Nt|Zw)[A-Z]/.test(f.name) && !isSyscallStub(b, arch) && functions.fromExports) {
              findings.push(row(m, f.name, f.address, "Differs", undefined, b, undefined, undefined, "Suspicious",
                "an ntdll system-call export that does not start with the system-call stub; u " + t.formatAddress(f.address)));
            }
            continue;
          }
          if (form.shape === "int3") {
            findings.push(row(m, f.name, f.address, "Breakpoint", form, b, undefined, undefined, "Positive", "CC at the function's first byte (a breakpoint left in code, or a patch); u " + t.formatAddress(f.address)));
            continue;
          }
          const target = resolveTarget(t, form, pointers);
          if (target === undefined) {
            findings.push(row(m, f.name, f.address, "Hook", form, b, undefined, "(target not in the dump)", "Suspicious", form.shape + " whose pointer is not in the dump; u " + t.formatAddress(f.address)));
            continue;
          }
          const tm = index.find(target);
          if (tm === m) { checked.internal++; continue; }
          if (tm && form.shape === "jmp [mem]" && /\\windows\\/i.test(tm.path)) { checked.forwarders++; continue; }
          const ok = !!tm && allowed.indexOf(tm.name.toLowerCase()) >= 0;
          if (ok) checked.allowed++;
          const v: Verdict = ok ? "Info" : "Positive";
          findings.push(row(m, f.name, f.address, "Hook", form, b, target, tm ? tm.name : "(no module)", v,
            form.shape + " at the function's start leads " + (tm ? "into " + tm.name : "into memory no module holds") + "; u " + t.formatAddress(f.address) + " L3; !address " + t.formatAddress(target)));
        }
      }
    }
    if (missing.length) notes.push({ Verdict: "Info", Evidence: "not loaded, so not checked: " + missing.join(", "), Source: "typed" });
    yield* findings;
    yield* notes;
    const positives = findings.filter((r) => r.Verdict === "Positive" || r.Verdict === "Suspicious").length;
    if (positives === 0 && (checked.functions > 0 || clean.length > 0)) {
      yield {
        Verdict: "Negative", Source: checked.functions > 0 ? "heuristic" : "command",
        Evidence: "0 patched functions among " + checked.functions + " function starts of " + targets.map((m) => m.symbolName).join(", ") +
          " (" + checked.forwarders + " forwarder stubs, " + checked.internal + " jumps inside their module" + (checked.allowed ? ", " + checked.allowed + " allowed hooks" : "") + ")" +
          (checked.unreadable ? "; " + checked.unreadable + " not in the dump" : "") + (clean.length ? "; !chkimg: 0 errors in " + clean.join(", ") : ""),
      };
    } else if (positives === 0 && checked.functions === 0) {
      const why = checked.unreadable ? checked.unreadable + " function starts are not in the dump" : "no module's export directory or watched function could be read, so no function start was found";
      yield { Verdict: "Info", Source: "typed", Evidence: "nothing was checked in " + targets.map((m) => m.symbolName).join(", ") + ": " + why + (s.RunChkimg ? ", and !chkimg did not compare" : ", and !chkimg was not run (Config.PatchedCode.RunChkimg)") };
    }
    ctx.summary("PatchedCode: " + positives + " patch(es) in " + targets.map((m) => m.symbolName).join(", ") + "; " + checked.functions + " function starts read" +
      (s.RunChkimg ? ", !chkimg compared " + (targets.length - notChecked.length) + " of " + targets.length : ""));
  },

  rowText(row) {
    if (row.Class === undefined) return row.Verdict + ": " + row.Evidence;
    return String(row.Class) + " " + String(row.Symbol ?? row.Module) + (row.TargetModule ? " -> " + String(row.TargetModule) : "");
  },
});

function row(m: ModuleInfo, name: string, address: Int64, cls: string, form: HookForm | undefined, b: ArrayLike<number>,
  target: Int64 | undefined, targetModule: string | undefined, verdict: Verdict, evidence: string): Row {
  return {
    Module: m.name, Address: address, Symbol: m.symbolName + "!" + name, Class: cls, Shape: form ? form.shape : undefined,
    Bytes: bytesText(b, form ? form.length : 8), Expected: undefined, JumpTarget: target, TargetModule: targetModule,
    Verdict: verdict, Evidence: evidence, Source: "heuristic",
  };
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

/** The target of a form; for `[mem]` forms the pointer is read (once per slot). */
function resolveTarget(t: Target, form: HookForm, cache: { [key: string]: Int64 | null }): Int64 | undefined {
  if (form.target) return fromHalves(form.target[0], form.target[1]);
  if (!form.slot) return undefined;
  const key = form.slot[0] + ":" + form.slot[1];
  if (cache[key] === undefined) {
    const p = readPointer(t, fromHalves(form.slot[0], form.slot[1]), t.pointerSize() === 8 ? 64 : 32);
    cache[key] = p ?? null;
  }
  return cache[key] ?? undefined;
}

/** Exported functions from the export directory in memory, else the watched functions found through symbols. */
function functionsOf(t: Target, m: ModuleInfo, max: number, watched: readonly string[]): { list: { name: string; address: Int64 }[]; fromExports: boolean } | string {
  const read: ImageReader = (rva, length) => (rva >= 0 && rva + length <= m.size ? t.readBytes(addTo(m.base, rva), length) : undefined);
  const h = readPeHeaders(read);
  const exports = typeof h === "string" ? h : readExports(read, h, max);
  if (typeof exports !== "string") {
    return { list: exports.filter((e) => !e.forwarder && e.rva > 0 && e.rva < m.size).map((e) => ({ name: e.name, address: addTo(m.base, e.rva) })), fromExports: true };
  }
  const list: { name: string; address: Int64 }[] = [];
  const prefix = m.symbolName.toLowerCase() + "!";
  for (const w of watched) {
    if (w.toLowerCase().indexOf(prefix) !== 0) continue;
    const name = w.slice(prefix.length);
    try {
      const a = host.getModuleSymbolAddress(m.symbolName, name);
      if (a !== undefined && a !== null) list.push({ name, address: toInt64(a) });
    } catch (e) { /* not in this module's symbols */ }
  }
  if (list.length === 0) return "the export directory is not readable (" + exports + ") and no watched function of it resolves through symbols";
  return { list, fromExports: false };
}

/** Code pages read once each (a prologue that crosses into the next page reads that one too). */
class PageCache {
  private readonly pages: { [key: string]: ArrayLike<number> | null } = {};
  constructor(private readonly t: Target) {}

  private page(hi: number, lo: number): ArrayLike<number> | undefined {
    const key = hi + ":" + lo;
    let p = this.pages[key];
    if (p === undefined) {
      p = this.t.readBytes(fromHalves(hi, lo), PAGE) ?? null;
      this.pages[key] = p;
    }
    return p ?? undefined;
  }

  bytes(address: Int64, n: number): ArrayLike<number> | undefined {
    const [hi, lo] = halvesOf(address);
    const pageLo = (lo - (lo % PAGE)) >>> 0;
    const first = this.page(hi, pageLo);
    if (!first) return undefined;
    const off = lo - pageLo;
    if (off + n <= PAGE) return Array.prototype.slice.call(first, off, off + n) as number[];
    const [nhi, nlo] = halvesOf(addTo(fromHalves(hi, pageLo), PAGE));
    const second = this.page(nhi, nlo);
    const out: number[] = Array.prototype.slice.call(first, off) as number[];
    if (second) for (let i = 0; out.length < n; i++) out.push(second[i]!);
    return out;
  }
}

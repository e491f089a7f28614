import { defineAnalysis, type Row } from "../lib/analysis";
import { processParameters, type EnvVariable } from "../lib/peb";
import { readOptions } from "../lib/stack-filter";
import { globMatch } from "../lib/stacks";
import { Unavailable, type Source, type Verdict } from "../lib/values";

const OPTION_NAMES = ["ShowValues", "Name"];

/** Argument keys whose values are hidden in the command line unless ShowValues is set. */
const SECRET_KEY = /pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|\bkey\b|auth|cred|signature|\bsig\b|connection[-_]?string|cookie|session/i;

interface Hint {
  readonly variable: string;
  readonly rule: string;
  readonly verdict: Verdict;
  /** What the rule found, without the variable's value. */
  readonly text: string;
  /** A value part that is safe to show (or the value when ShowValues is set). */
  readonly shown?: string;
}

/**
 * EnvironmentHints: the process's command line, image path, current directory, window title and
 * environment variables from the PEB's process parameters, with the variables that explain
 * environment-dependent behaviour flagged.
 *
 * The pattern (Environment Hint): the environment block and process parameters say how and where the
 * process ran: unusual PATH entries (DLL search order hijacks, product directories), compatibility shims
 * (`__COMPAT_LAYER`), runtime switches and profilers (`COR_ENABLE_PROFILING`, `CORECLR_*`, `DOTNET_*`,
 * `COMPlus_*`), symbol paths (`_NT_SYMBOL_PATH`), proxies, WOW64 markers (`PROCESSOR_ARCHITEW6432`), a
 * TEMP on a network share, the session and identity variables.
 *
 * Detection: PEB.ProcessParameters (typed `_PEB`/`_RTL_USER_PROCESS_PARAMETERS` from ntdll's symbols,
 * else the documented x86/x64 layouts, marked heuristic): ImagePathName, CommandLine,
 * CurrentDirectory.DosPath, DllPath, WindowTitle, DesktopInfo, and the environment block (EnvironmentSize
 * bytes, or read up to its terminating empty entry, at most `Config.EnvironmentHints.MaxEnvironmentBytes`).
 * A WOW64 process seen from a 64-bit view uses the 64-bit block (both PEBs share it); when that is not in
 * the dump, the 32-bit PEB's parameters. Entries such as `=C:=C:\work` are cmd.exe's per-drive directories.
 *
 * Privacy: values can hold secrets. By default the listing shows every variable's name but only the values
 * of `Config.EnvironmentHints.SafeVariables` (architecture, OS and well-known directories), and the command
 * line and window title with the values of secret-looking arguments (`--password=`, `token`, `key`...)
 * hidden, and profile folder names in the parameters masked (`C:\\Users\\<user>`). The option
 * ShowValues shows everything. Rules read values to decide, but their rows describe what they found ("PATH entry 4 of 21 is on a network share") without the value.
 *
 * False positives: the block is the current one (a process can change its environment after start); PATH
 * entries in user-writable folders are normal for per-user installs; profilers include legitimate APM agents.
 *
 * @function EnvironmentHints
 * @memberof Ewmda
 * @param {object|string} [options] `ShowValues` (bool: show every value), `Name` (a variable-name pattern, `*` wildcards); or a string such as `"showvalues=true name=PATH"`.
 * @returns {ResultSet} Parameter rows (ImagePath, CommandLine, CurrentDirectory, WindowTitle, DesktopInfo, DllPath), hint rows, and one row per variable: Kind, Variable, Value, Rule, Verdict, Evidence, Source.
 * @example dx @$ewmda.EnvironmentHints()
 * @example dx -g @$ewmda.EnvironmentHints().Where(r => r.Kind == "Hint")
 * @example dx @$ewmda.EnvironmentHints(new { ShowValues = true, Name = "PATH" })
 * @example !ewmda.environment
 * @example !ewmda.environment "name=PROCESSOR*"
 */
export const environmentHints = defineAnalysis({
  meta: {
    name: "EnvironmentHints",
    command: "environment",
    summary: "Command line, directories and environment variables from the PEB, with the variables that explain environment-dependent behaviour",
    patterns: ["Environment Hint"],
    targets: "user",
    version: "1.0.0",
    params: [{ name: "options", help: "ShowValues, Name; or a string such as \"showvalues=true name=PATH\"", optional: true }],
    options: [
      { name: "ShowValues", type: "bool", help: "show every value (by default only SafeVariables' values and a redacted command line)" },
      { name: "Name", type: "string", help: "only variables whose name matches this pattern (* wildcards, case-insensitive)" },
    ],
    columns: [
      { name: "Kind", type: "string", help: "Parameter (from the process parameters), Hint (a rule matched) or Variable (one environment variable)" },
      { name: "Variable", type: "string", help: "Parameter or variable name" },
      { name: "Value", type: "string", help: "The value, when it is safe to show or ShowValues is set; <hidden> otherwise" },
      { name: "Rule", type: "string", help: "The rule that matched (Hint rows)" },
    ],
    settings: {
      MaxEnvironmentBytes: { default: 0x100000, help: "Bytes of the environment block read at most", reason: "1 MiB holds any real block (32,767 characters per variable); it bounds a corrupt EnvironmentSize" },
      LongPathChars: { default: 4095, help: "PATH longer than this many characters is flagged", reason: "setx and many installers truncate PATH beyond 1024-4095 characters, and cmd.exe's 8191-character line limit bites soon after" },
      SafeVariables: {
        default: ["NUMBER_OF_PROCESSORS", "OS", "PROCESSOR_ARCHITECTURE", "PROCESSOR_ARCHITEW6432", "PROCESSOR_IDENTIFIER", "PROCESSOR_LEVEL",
          "PROCESSOR_REVISION", "SESSIONNAME", "SystemDrive", "SystemRoot", "windir", "ComSpec", "PATHEXT", "ProgramData", "ProgramFiles",
          "ProgramFiles(x86)", "ProgramW6432", "CommonProgramFiles", "CommonProgramFiles(x86)", "CommonProgramW6432", "PUBLIC", "DriverData",
          "__COMPAT_LAYER", "COR_ENABLE_PROFILING", "CORECLR_ENABLE_PROFILING"],
        help: "Variables whose values the default listing shows (case-insensitive)",
        reason: "architecture, OS and machine-wide directories carry no user data or secrets; user names, paths under a profile, tokens and proxies may",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const bag = readOptions(args[0], OPTION_NAMES, "Name");
    if (typeof bag === "string") {
      ctx.summary("EnvironmentHints: " + bag);
      yield { Verdict: "Info", Evidence: bag, Source: "heuristic" };
      return;
    }
    const showValues = bag.ShowValues === true || String(bag.ShowValues).toLowerCase() === "true";
    const namePattern = bag.Name !== undefined ? String(bag.Name).toLowerCase() : undefined;
    if (t.isKernel()) {
      ctx.summary("EnvironmentHints: needs a user-mode process context");
      yield { Verdict: "Info", Evidence: "EnvironmentHints reads the current process's PEB; a kernel dump has no user space for it (a complete dump does: .process /p /r <EPROCESS>, then run it again)", Source: "heuristic" };
      return;
    }
    const pp = processParameters(t, ctx.settings.MaxEnvironmentBytes);
    if (pp instanceof Unavailable) {
      ctx.summary("EnvironmentHints: no process parameters (" + pp.kind + ")");
      yield { Verdict: "Info", Evidence: "the process parameters are not available: " + pp.reason + "; a full-memory dump (.dump /ma) has them; !peb shows what the debugger sees", Source: "typed" };
      return;
    }
    const source: Source = pp.source;
    const safe = ctx.settings.SafeVariables.map((s) => s.toLowerCase());
    const isSafe = (name: string) => safe.indexOf(name.toLowerCase()) >= 0;
    const where = pp.peb.kind === "wow64" ? " (the WOW64 32-bit PEB's parameters)" : "";
    const ppAddr = t.formatAddress(pp.address);

    // Parameters.
    const param = (name: string, value: string | Unavailable, shown: string | Unavailable): Row => ({
      Kind: "Parameter", Variable: name, Value: shown, Verdict: "Info", Source: source,
      Evidence: value instanceof Unavailable ? value.reason : "!peb; dt ntdll!_RTL_USER_PROCESS_PARAMETERS " + ppAddr + " " + name + where,
    });
    // By default: secret-looking arguments hidden (the window title of a console started from cmd.exe is the
    // command line as typed) and profile folder names masked in every parameter.
    const shown = (v: string | Unavailable, line: boolean): string | Unavailable => (typeof v !== "string" || showValues ? v : maskProfile(line ? redactCommandLine(v) : v));
    if (namePattern === undefined) {
      yield param("ImagePath", pp.imagePath, shown(pp.imagePath, false));
      yield param("CommandLine", pp.commandLine, shown(pp.commandLine, true));
      yield param("CurrentDirectory", pp.currentDirectory, shown(pp.currentDirectory, false));
      if (pp.windowTitle !== "") yield param("WindowTitle", pp.windowTitle, shown(pp.windowTitle, true));
      if (pp.desktopInfo !== "") yield param("DesktopInfo", pp.desktopInfo, shown(pp.desktopInfo, false));
      if (pp.dllPath !== "") yield param("DllPath", pp.dllPath, shown(pp.dllPath, false));
    }

    const env = pp.environment;
    if (env instanceof Unavailable) {
      yield { Verdict: "Info", Evidence: "the environment block is not available: " + env.reason + where, Source: source };
      ctx.summary("EnvironmentHints: process parameters at " + ppAddr + "; no environment block");
      return;
    }
    const envEvidence = "!peb (Environment: " + t.formatAddress(env.address) + "); du " + t.formatAddress(env.address);
    if (env.note) yield { Verdict: "Info", Evidence: "environment block at " + t.formatAddress(env.address) + ": " + env.note, Source: source };

    const hints = environmentRules(env.variables, t.pointerSize(), ctx.settings.LongPathChars, showValues);
    const selected = env.variables.filter((v) => namePattern === undefined || globMatch(v.name.toLowerCase(), namePattern));
    let hintCount = 0;
    for (const h of hints) {
      if (namePattern !== undefined && !globMatch(h.variable.toLowerCase(), namePattern)) continue;
      hintCount++;
      yield {
        Kind: "Hint", Variable: h.variable, Value: h.shown !== undefined ? h.shown : showValues || isSafe(h.variable) ? valueOf(env.variables, h.variable) : undefined,
        Rule: h.rule, Verdict: h.verdict, Evidence: h.text + "; !envvar " + h.variable, Source: source,
      };
    }
    for (const v of selected) {
      yield {
        Kind: "Variable", Variable: v.name, Value: showValues || isSafe(v.name) ? v.value : "<hidden>",
        Verdict: "Info", Evidence: "!envvar " + v.name, Source: source,
      };
    }
    const flagged = hints.filter((h) => h.verdict !== "Info").length;
    if (flagged === 0) {
      yield {
        Verdict: "Negative", Source: source,
        Evidence: "0 environment hints that explain behaviour among " + env.variables.length + " variables (PATH, TEMP, profilers, compatibility shims, architecture)" +
          (hints.length ? "; " + hints.length + " informational" : "") + "; " + envEvidence,
      };
    }
    ctx.summary("EnvironmentHints: " + env.variables.length + " variables" + (namePattern !== undefined ? " (" + selected.length + " match " + String(bag.Name) + ")" : "") +
      ", " + hintCount + " hint(s)" + (showValues ? "" : "; values hidden except SafeVariables (ShowValues shows them)") + where);
  },

  rowText(row) {
    if (row.Kind === undefined) return row.Verdict + ": " + row.Evidence;
    const value = row.Value instanceof Unavailable ? row.Value.toString() : row.Value === undefined ? "" : "=" + String(row.Value);
    return String(row.Kind) + " " + String(row.Variable) + value + (row.Rule ? " [" + String(row.Rule) + "]" : "");
  },
});

function valueOf(vars: readonly EnvVariable[], name: string): string | undefined {
  const n = name.toLowerCase();
  for (const v of vars) if (v.name.toLowerCase() === n) return v.value;
  return undefined;
}

/** Splits a command line into arguments, keeping quotes (CommandLineToArgvW-like, enough for redaction). */
function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\"") quoted = !quoted;
    if (!quoted && (c === " " || c === "\t")) { if (cur !== "") { out.push(cur); cur = ""; } continue; }
    cur += c;
  }
  if (cur !== "") out.push(cur);
  return out;
}

/** `C:\Users\bob\...` as `C:\Users\<user>\...`: a profile folder names the person. */
export function maskProfile(text: string): string {
  return text.replace(/(\\(?:users|documents and settings)\\)[^\\;"]+/gi, "$1<user>");
}

/** The command line with the values of secret-looking arguments replaced by <hidden> (`--password=x`, `/token:x`, `-key x`, `user:pw@host`). */
export function redactCommandLine(line: string): string {
  const args = splitArgs(line);
  let hideNext = false;
  const out = args.map((a, i) => {
    if (hideNext) { hideNext = false; return "<hidden>"; }
    const sep = /^([-/]{0,2}[A-Za-z0-9_.-]+)([=:])(.+)$/.exec(a);
    if (i > 0 && sep && SECRET_KEY.test(sep[1]!)) return sep[1]! + sep[2]! + "<hidden>";
    if (i > 0 && /^[-/]{1,2}[A-Za-z0-9_.-]+$/.test(a) && SECRET_KEY.test(a) && i + 1 < args.length && !/^[-/]/.test(args[i + 1]!)) hideNext = true;
    return a.replace(/(\/\/)[^/@\s:]+:[^/@\s]+@/g, "$1<hidden>@");
  });
  return out.join(" ");
}

/** The rules, on the whole block; values are read here but rows show only what is safe. */
export function environmentRules(vars: readonly EnvVariable[], pointerSize: number, longPath: number, showValues: boolean): Hint[] {
  const out: Hint[] = [];
  const get = (name: string) => valueOf(vars, name);
  const names = vars.map((v) => v.name);
  const upper = names.map((n) => n.toUpperCase());

  for (const n of ["_NT_SYMBOL_PATH", "_NT_ALT_SYMBOL_PATH", "_NT_SOURCE_PATH"]) {
    if (upper.indexOf(n) >= 0) out.push({ variable: names[upper.indexOf(n)]!, rule: "DebuggerPath", verdict: "Info", text: n + " is set: the process (or its debugger) resolves symbols from these paths" });
  }
  for (const n of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]) {
    const i = upper.indexOf(n);
    if (i >= 0) out.push({ variable: names[i]!, rule: "Proxy", verdict: "Info", text: names[i] + " is set: network clients that honour it go through a proxy (the value can hold credentials)" });
  }
  for (const prefix of ["COR_", "CORECLR_"]) {
    const flag = get(prefix + "ENABLE_PROFILING");
    if (flag !== undefined) {
      const on = flag.trim() === "1";
      const profiler = get(prefix + "PROFILER");
      out.push({
        variable: prefix + "ENABLE_PROFILING", rule: "Profiler", verdict: on ? "Suspicious" : "Info", shown: flag,
        text: on ? "a " + (prefix === "COR_" ? ".NET Framework" : ".NET Core") + " profiler is attached (" + prefix + "PROFILER " + (profiler !== undefined ? "is set" : "is missing") + "): profilers rewrite IL and can change timing, memory and exceptions"
          : prefix + "ENABLE_PROFILING is set but not 1: no profiler loads",
      });
    }
  }
  const knobs = names.filter((n) => /^(COMPlus_|DOTNET_)/i.test(n) && !/^DOTNET_(ROOT|CLI_|NOLOGO|SKIP_FIRST_TIME)/i.test(n));
  if (knobs.length) out.push({ variable: knobs[0]!, rule: "RuntimeKnobs", verdict: "Info", text: knobs.length + " .NET runtime setting(s) by environment (" + knobs.slice(0, 6).join(", ") + (knobs.length > 6 ? ", ..." : "") + "): they change GC, JIT or diagnostics behaviour" });
  const compat = get("__COMPAT_LAYER");
  if (compat !== undefined && compat.trim() !== "") {
    out.push({ variable: "__COMPAT_LAYER", rule: "CompatShim", verdict: "Suspicious", shown: compat, text: "compatibility shims requested (" + compat.trim() + "): the process runs with changed API behaviour (version lies, elevation, DPI)" });
  }
  if (get("_NO_DEBUG_HEAP") !== undefined) out.push({ variable: "_NO_DEBUG_HEAP", rule: "DebugHeap", verdict: "Info", text: "_NO_DEBUG_HEAP is set: a process started under a debugger uses the normal heap" });
  const w6432 = get("PROCESSOR_ARCHITEW6432");
  if (w6432 !== undefined) out.push({ variable: "PROCESSOR_ARCHITEW6432", rule: "Wow64", verdict: "Info", shown: w6432, text: "PROCESSOR_ARCHITEW6432 is set: a 32-bit process under WOW64 on a " + w6432 + " machine (see VirtualizedProcess)" });
  const arch = get("PROCESSOR_ARCHITECTURE");
  if (arch !== undefined) {
    const a = arch.trim().toUpperCase();
    // Under WOW64 a 32-bit process sees x86 here (and the machine's in PROCESSOR_ARCHITEW6432), also from a 64-bit view.
    const bits = w6432 !== undefined ? 32 : pointerSize * 8;
    const expected = bits === 64 ? ["AMD64", "ARM64", "IA64"] : ["X86", "ARM"];
    if (expected.indexOf(a) < 0) out.push({ variable: "PROCESSOR_ARCHITECTURE", rule: "ArchitectureMismatch", verdict: "Suspicious", shown: arch, text: "PROCESSOR_ARCHITECTURE is " + arch + " but the process is " + bits + "-bit: an environment inherited from a process of the other bitness" });
  }
  for (const n of ["TEMP", "TMP"]) {
    const v = get(n);
    if (v === undefined) continue;
    if (/^\\\\/.test(v.trim())) out.push({ variable: n, rule: "NetworkTemp", verdict: "Suspicious", text: n + " is on a network share: temporary files go over the network (slow, fails when the share is unreachable)" });
    else if (/%[^%]+%/.test(v)) out.push({ variable: n, rule: "Unexpanded", verdict: "Suspicious", text: n + " holds an unexpanded %VARIABLE%" });
  }
  const path = vars.filter((v) => v.name.toUpperCase() === "PATH")[0];
  if (path) {
    const entries = path.value.split(";");
    const total = entries.length;
    const where = (label: string, idx: number[]) => "PATH entries " + label + ": " + idx.slice(0, 8).map((i) => String(i + 1)).join(", ") + (idx.length > 8 ? ", ..." : "") +
      " of " + total + (showValues ? " (" + idx.slice(0, 4).map((i) => entries[i]).join("; ") + ")" : "");
    const relative: number[] = [];
    const network: number[] = [];
    const writable: number[] = [];
    const unexpanded: number[] = [];
    const empty: number[] = [];
    const seen: { [k: string]: boolean } = {};
    const dup: number[] = [];
    entries.forEach((e0, i) => {
      const e = e0.trim().replace(/^"|"$/g, "");
      if (e === "") { if (i < entries.length - 1) empty.push(i); return; }
      if (/%[^%]+%/.test(e)) unexpanded.push(i);
      else if (/^\\\\/.test(e)) network.push(i);
      else if (!/^[A-Za-z]:\\/.test(e)) relative.push(i);
      if (/\\users\\[^\\]+\\(appdata|downloads|desktop)|\\temp(\\|$)|\\tmp(\\|$)/i.test(e)) writable.push(i);
      const key = e.toLowerCase().replace(/\\+$/, "");
      if (seen[key]) dup.push(i); else seen[key] = true;
    });
    if (relative.length) out.push({ variable: path.name, rule: "PathRelative", verdict: "Suspicious", text: where("that are relative (resolved against the current directory: a DLL search-order risk)", relative) });
    if (network.length) out.push({ variable: path.name, rule: "PathNetwork", verdict: "Suspicious", text: where("on network shares (slow or failing loads when the share is unreachable)", network) });
    if (writable.length) out.push({ variable: path.name, rule: "PathUserWritable", verdict: "Suspicious", text: where("in user-writable folders (a DLL planted there is found by the search order)", writable) });
    if (unexpanded.length) out.push({ variable: path.name, rule: "PathUnexpanded", verdict: "Suspicious", text: where("with unexpanded %VARIABLES% (never searched)", unexpanded) });
    if (path.value.length > longPath) out.push({ variable: path.name, rule: "PathLong", verdict: "Suspicious", text: "PATH is " + path.value.length + " characters (more than " + longPath + "): tools that edit or expand it may have truncated it" });
    if (empty.length) out.push({ variable: path.name, rule: "PathEmptyEntry", verdict: "Info", text: where("that are empty", empty) });
    if (dup.length) out.push({ variable: path.name, rule: "PathDuplicate", verdict: "Info", text: where("that repeat an earlier entry", dup) });
  }
  const identity = ["COMPUTERNAME", "USERNAME", "USERDOMAIN", "USERDNSDOMAIN", "LOGONSERVER"].filter((n) => upper.indexOf(n) >= 0);
  if (identity.length) out.push({ variable: names[upper.indexOf(identity[0]!)]!, rule: "Identity", verdict: "Info", text: "identity variables present: " + identity.join(", ") + (showValues ? "" : " (values hidden; ShowValues shows them)") });
  return out;
}

/**
 * Which debugger commands the command log may run (patterns.md §38, §39): it runs exactly the one
 * command asked for, and refuses commands that would resume or change the target, and anything that
 * would run other commands. The rules, each with the reason given to the user:
 *
 * - Separators and embedded commands: `;` anywhere (even in quotes), line breaks, `.block`, `.if`/`.else`,
 *   `.for`/`.foreach`/`.while`/`.do`, `.catch`/`.leave`/`.break`/`.continue`, `j` and `z` (conditional and
 *   loop commands), script files (`$<`, `$><`, `$$<`, `$$><`, `$$>a<`), `.shell` and `!!`, aliases (`as`,
 *   `aS`, `ad`; `${...}` and `$u0`..`$u9` expand to other text), `.pcmd` (a command run at every prompt),
 *   `.ocommand` (commands the target prints), `sx* -c` (commands run at an event),
 *   `.load`/`.loadby`/`.unload`/`.scriptload`/`.scriptrun`/`.scriptunload` (code that runs on load), dx
 *   expressions that call `ExecuteCommand`, and `!ewmda.log` itself.
 * - Execution: `g`, `gc`, `gh`, `gn`, `gu`, `p`, `pa`, `pc`, `pct`, `ph`, `pt`, `t`, `ta`, `tb`, `tc`,
 *   `tct`, `th`, `tt`, `wt`, `q`, `qq`, `qd`, `.kill`, `.restart`, `.reboot`, `.crash`, `.detach`,
 *   `.abandon`, `.attach`, `.create`, `.opendump`, `.breakin`, `.wake`, `.pagein`, `.call`, `!bpid`; thread
 *   freeze/suspend changes (`~f`, `~u`, `~n`, `~m`).
 * - Writes: memory (`e` and every `e*` command, `f`, `fp`, `m`, `a`), registers (`r` with `=`), I/O
 *   ports and MSRs (`i*`, `o*`, `wrmsr`), breakpoints (`bp`, `bu`, `bm`, `ba`, `bc`, `bd`, `be`, `br`, `bs`,
 *   `bsc`), C++ expressions with assignments or `++`/`--` (`??`), dx assignments outside `new { ... }`
 *   initializers, `.closehandle`, `.send_file`, `!gflag` with arguments, `!htrace -enable/-disable/-snapshot`,
 *   and `.server`/`.remote` (they open the session to others).
 *
 * View commands are allowed: `.cxr`, `.ecxr`, `.trap`, `.thread`, `.process`, `.frame`, `.effmach`,
 * `~<n>s`, `|<n>s`. They change what later commands show, not the target; the log keeps them as documents
 * of their own, in order, so the provenance of every later stack trace is in the log (Stack Trace (Command)).
 *
 * Limits: a user-named alias that is a whole word is expanded by the debugger and cannot be seen here,
 * and dx calls into other scripts' functions and extension commands other than the ones above run code
 * this guard cannot inspect.
 */

const RESUME = ["g", "gc", "gh", "gn", "gu", "p", "pa", "pc", "pct", "ph", "pt", "t", "ta", "tb", "tc", "tct", "th", "tt", "wt", "q", "qq", "qd"];
const BREAKPOINTS = ["bp", "bu", "bm", "ba", "bc", "bd", "be", "br", "bs", "bsc"];
const PORTS = ["i", "ib", "id", "iw", "o", "ob", "od", "ow", "wrmsr"];
const CONTROL_DOT = [".block", ".if", ".elsif", ".else", ".for", ".foreach", ".while", ".do", ".catch", ".leave", ".break", ".continue"];
const CODE_DOT = [".load", ".loadby", ".unload", ".unloadall", ".scriptload", ".scriptrun", ".scriptunload", ".pcmd", ".ocommand", ".shell"];
const EXECUTION_DOT = [".kill", ".restart", ".reboot", ".crash", ".detach", ".abandon", ".attach", ".create", ".opendump", ".breakin", ".wake", ".pagein", ".call"];
const WRITE_DOT = [".closehandle", ".send_file", ".server", ".remote"];

function within(list: readonly string[], verb: string): boolean {
  return list.indexOf(verb) >= 0;
}

/** Why the command must not run through the log, or undefined when it may. */
export function refusal(command: string): string | undefined {
  if (typeof command !== "string" || command.trim() === "") return "no command given";
  if (/[\r\n\u0000]/.test(command)) return "the command holds a line break; log one command at a time";
  if (command.indexOf(";") >= 0) return "\";\" separates commands (even inside quotes here); log one command at a time";
  if (/\$\{/.test(command) || /\$u[0-9]/i.test(command)) return "aliases (${...}, $u0-$u9) expand to other commands";
  return check(command.trim(), 0);
}

function check(text: string, depth: number): string | undefined {
  if (depth > 4) return "too many nested command prefixes";
  if (text === "") return undefined;
  const c = text.charAt(0);
  if (c === "~") return threadPrefix(text.slice(1), depth);
  if (c === "|") return processPrefix(text.slice(1), depth);
  if (c === "$") {
    if (/^\$\$?>?a?</.test(text) || /^\$\$>a</.test(text)) return "script files ($<, $><, $$<, $$><, $$>a<) run other commands";
    return undefined; // `$$ comment`
  }
  if (c === "*") return undefined; // comment line
  if (c === "?") {
    if (text.charAt(1) === "?" && (hasAssignment(text.slice(2)) || /\+\+|--/.test(text))) return "the C++ expression assigns or increments (it would write memory)";
    return undefined;
  }
  if (c === "!") {
    if (text.charAt(1) === "!") return "!! runs a shell command";
    const m = /^!([A-Za-z_][\w.]*)\s*(.*)$/.exec(text);
    if (!m) return undefined;
    const name = m[1]!.toLowerCase();
    const bare = name.slice(name.lastIndexOf(".") + 1);
    const args = m[2]!.trim();
    if (name === "ewmda.log" || name === "ewmda_log") return "!ewmda.log cannot log itself";
    if (bare === "bpid") return "!bpid breaks into a process (it resumes the target)";
    if (bare === "gflag" && args !== "") return "!gflag with arguments changes the target's global flags";
    if (bare === "htrace" && /-(enable|disable|snapshot)/i.test(args)) return "!htrace " + args + " changes handle tracing in the target";
    return undefined;
  }
  if (c === ".") {
    const m = /^(\.[A-Za-z_]+)/.exec(text);
    const verb = m ? m[1]!.toLowerCase() : ".";
    if (within(CONTROL_DOT, verb)) return verb + " runs other commands";
    if (within(CODE_DOT, verb)) return verb + (verb === ".shell" ? " runs a shell command" : verb === ".pcmd" ? " sets a command that runs at every prompt" : verb === ".ocommand" ? " runs commands the target prints" : " loads or runs code");
    if (within(EXECUTION_DOT, verb)) return verb + " resumes, ends or changes the target";
    if (within(WRITE_DOT, verb)) return verb + (verb === ".server" || verb === ".remote" ? " opens the session to other debuggers" : " changes the target");
    return undefined;
  }
  const vm = /^([A-Za-z]+)/.exec(text);
  if (!vm) return undefined;
  const verb = vm[1]!.toLowerCase();
  const after = text.slice(vm[1]!.length);
  if (verb === "dx") return dxRefusal(after);
  if (within(RESUME, verb)) return "\"" + vm[1] + "\" resumes or ends the target";
  if (verb.charAt(0) === "e") return "\"" + vm[1] + "\" writes memory";
  if (verb === "f" || verb === "fp" || verb === "m" || verb === "a") return "\"" + vm[1] + "\" writes memory";
  if (within(PORTS, verb)) return "\"" + vm[1] + "\" reads or writes I/O ports or MSRs (side effects on hardware)";
  if (within(BREAKPOINTS, verb)) return "\"" + vm[1] + "\" sets or changes breakpoints";
  if (verb === "r" && after.indexOf("=") >= 0) return "\"r ...=...\" writes a register";
  if (verb === "j" || verb === "z") return "\"" + vm[1] + "\" runs other commands";
  if (verb === "as" || verb === "ad") return "\"" + vm[1] + "\" defines aliases, which change what later commands run";
  // `sxe -c "cmd" av`: commands the debugger runs by itself at the next such event.
  if (/^sx[deinr]?$/.test(verb) && /(^|\s)-c2?(\s|"|$)/i.test(after)) return "\"" + vm[1] + " -c\" sets commands that run by themselves at an event";
  return undefined;
}

/** `~` thread prefix: `~`, `~.`, `~#`, `~*`, `~3`, `~~[1a4]`, `~[expr]`, then `s`, `f`/`u`/`n`/`m`, `e cmd` or a command. */
function threadPrefix(rest: string, depth: number): string | undefined {
  const sel = /^(?:[.#*]|\d+|~\[[^\]]*\]|\[[^\]]*\])?/.exec(rest);
  const after = rest.slice(sel ? sel[0].length : 0).replace(/^\s+/, "");
  if (after === "" || /^s$/i.test(after)) return undefined; // list threads, or make one current (a view change)
  if (/^[fumn]$/i.test(after)) return "~" + after + " freezes, unfreezes, suspends or resumes threads";
  if (/^e(\s|$)/i.test(after)) return check(after.slice(1).trim(), depth + 1);
  if (/^e/i.test(after)) return check(after.slice(1).trim(), depth + 1) || check(after, depth + 1);
  return check(after, depth + 1);
}

/** `|` process prefix (and `||` systems): `|`, `|.`, `|#`, `|*`, `|1`, then `s` or a command. */
function processPrefix(rest: string, depth: number): string | undefined {
  const r = rest.charAt(0) === "|" ? rest.slice(1) : rest;
  const sel = /^(?:[.#*]|\d+|~\[[^\]]*\]|\[[^\]]*\])?/.exec(r);
  const after = r.slice(sel ? sel[0].length : 0).replace(/^\s+/, "");
  if (after === "" || /^s$/i.test(after)) return undefined;
  return check(after, depth + 1);
}

function dxRefusal(expression: string): string | undefined {
  if (/ExecuteCommand/i.test(expression)) return "the dx expression runs commands through ExecuteCommand";
  if (/\.Log\s*\(/.test(expression)) return "the dx expression calls the command log itself";
  if (hasAssignment(expression)) return "the dx expression assigns a value (it can write memory); only reads are logged";
  return undefined;
}

/**
 * A single `=` that is an assignment: not part of `==`, `!=`, `<=`, `>=`, `=>`, not inside a string, and
 * not a member initializer of `new { Name = value, ... }`.
 */
export function hasAssignment(expr: string): boolean {
  const braces: { parens: number; expectInit: boolean }[] = [];
  let parens = 0;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr.charAt(i);
    if (ch === "\"" || ch === "'") {
      // Skip the literal (backslash escapes the next character).
      let j = i + 1;
      while (j < expr.length && expr.charAt(j) !== ch) j += expr.charAt(j) === "\\" ? 2 : 1;
      i = j;
      continue;
    }
    if (ch === "(" || ch === "[") parens++;
    else if (ch === ")" || ch === "]") parens--;
    else if (ch === "{") braces.push({ parens, expectInit: true });
    else if (ch === "}") braces.pop();
    else if (ch === ",") {
      const top = braces[braces.length - 1];
      if (top && top.parens === parens) top.expectInit = true;
    } else if (ch === "=") {
      const prev = i > 0 ? expr.charAt(i - 1) : "";
      const next = i + 1 < expr.length ? expr.charAt(i + 1) : "";
      if (next === "=" || next === ">") { i++; continue; }
      if (prev === "=" || prev === "!" || prev === "<" || prev === ">") continue;
      const top = braces[braces.length - 1];
      if (top && top.parens === parens && top.expectInit) { top.expectInit = false; continue; }
      return true;
    }
  }
  return false;
}

/**
 * Whether the output is stack traces to parse: `k` and its variants (`kb`, `kv`, `kn`, `kp`, `kc`, `kf`...),
 * with a thread prefix (`~*k`, `~3kv`, `~*e kn`), `!uniqstack`, `!process`, `!thread` and `!findstack`.
 */
export function isStackCommand(command: string): boolean {
  let t = command.trim();
  for (let guard = 0; guard < 4; guard++) {
    if (t.charAt(0) === "~") {
      const sel = /^~(?:[.#*]|\d+|~\[[^\]]*\]|\[[^\]]*\])?\s*/.exec(t);
      t = t.slice(sel ? sel[0].length : 1);
      if (/^e(\s|$)/i.test(t)) t = t.slice(1).trim();
      continue;
    }
    if (t.charAt(0) === "|") {
      const sel = /^\|{1,2}(?:[.#*]|\d+)?\s*/.exec(t);
      t = t.slice(sel ? sel[0].length : 1);
      continue;
    }
    break;
  }
  if (/^k[a-z]*(\s|$|=)/i.test(t)) return true;
  return /^!(?:[\w]+\.)?(uniqstack|process|thread|findstack)\b/i.test(t);
}

/** Whether `kp`/`kP` parameters follow the function names (they are dropped from the parsed function). */
export function printsParameters(command: string): boolean {
  const m = /(?:^|[\s~*.#\]\d])k([a-z]*)/i.exec(command.trim());
  return !!m && /p/i.test(m[1]!);
}

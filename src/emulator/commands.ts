/**
 * Debugger commands as `Debugger.Utility.Control.ExecuteCommand` and a user at the prompt run them:
 * `dx`, `!alias` (function aliases registered by scripts), `.echo`, and the target's canned output
 * for everything else (`!runaway`, `lm`, `.lastevent`, ...). A command the target has no answer for
 * fails loudly, so an analysis that depends on one must cope with its absence.
 */
import type { EmulatedDebugger } from "./debugger";
import { evaluateDx, renderDx } from "./dx";

export function runCommand(dbg: EmulatedDebugger, command: string): string[] {
  const text = command.trim();
  if (text === "") return [];

  const dx = /^dx((?:\s+-(?:r\d+|g|v|s|h))*)\s+(.+)$/s.exec(text);
  if (dx) {
    const flags = dx[1] ?? "";
    const expr = dx[2]!.trim();
    const recursion = /-r(\d+)/.exec(flags);
    const quiet = /-s/.test(flags);
    try {
      const lines: string[] = [];
      const printed = dbg.capture(() => {
        const value = evaluateDx(dbg, expr);
        if (!quiet) lines.push(...renderDx(dbg, expr, value, { recursion: recursion ? Number(recursion[1]) : 1, grid: /-g/.test(flags), verbose: /-v/.test(flags) }));
      });
      return [...printed, ...lines];
    } catch (e) {
      return [`Error: ${(e as Error).message}`];
    }
  }

  const bang = /^!([A-Za-z_][\w.]*)\s*(.*)$/s.exec(text);
  if (bang) {
    const name = bang[1]!;
    const alias = dbg.aliases.get(name);
    if (!alias) {
      // Not a function alias: an extension command (`!runaway`) answers with the target's canned output.
      const canned = cannedOutput(dbg, text);
      if (canned) return [...canned];
      // dbgeng reads `!a.b` as command b of extension a.
      const dot = name.lastIndexOf(".");
      return [dot >= 0 ? `No export ${name.slice(dot + 1)} found` : `No export ${name} found`];
    }
    const out: string[] = [];
    try {
      const printed = dbg.capture(() => {
        const args = parseArguments(dbg, bang[2]!.trim());
        const value = alias.fn(...args);
        if (value !== undefined) out.push(...renderDx(dbg, `!${name}`, value));
      });
      return [...printed, ...out];
    } catch (e) {
      return [`Error: ${(e as Error).message}`];
    }
  }

  const echo = /^\.echo\s?(.*)$/s.exec(text);
  if (echo) return [echo[1]!];

  const canned = cannedOutput(dbg, text);
  if (canned) return [...canned];
  throw new Error(`The target has no output for the command '${text}' (not emulated for this target)`);
}

/** `!alias expr` passes one expression; `!alias (a, b)` passes several (reference §7). */
function parseArguments(dbg: EmulatedDebugger, text: string): unknown[] {
  if (text === "") return [];
  if (text.startsWith("(") && text.endsWith(")")) {
    const inner = text.slice(1, -1);
    const parts = splitTopLevel(inner);
    if (parts.length > 1) return parts.map((p) => evaluateDx(dbg, p));
  }
  return [evaluateDx(dbg, text)];
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') inString = !inString;
    if (inString) continue;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) { parts.push(s.slice(start, i).trim()); start = i + 1; }
  }
  parts.push(s.slice(start).trim());
  return parts.filter((p) => p !== "");
}

function cannedOutput(dbg: EmulatedDebugger, text: string): readonly string[] | undefined {
  const table = dbg.target.commands;
  if (!table) return undefined;
  if (typeof table === "function") return table(text);
  const normalized = text.replace(/\s+/g, " ");
  return table[normalized] ?? table[text];
}

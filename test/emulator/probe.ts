/** Runs a snippet inside a freshly loaded classic script, the way the fidelity tests look at `host` from the inside. */
import type { EmulatedDebugger } from "../../src/emulator/debugger";

export interface ProbeOptions {
  /** What initializeScript returns (default: API version 1.9). */
  readonly records?: string;
  /** Statements run before `body` inside `probe(a, b, c)`. */
  readonly prelude?: string;
}

let counter = 0;

/** Runs `body` as the body of `function probe(a, b, c)` in a new script (phase 2) and returns its result. */
export function probe(dbg: EmulatedDebugger, body: string, args: readonly unknown[] = [], options: ProbeOptions = {}): unknown {
  const code = `"use strict";
function initializeScript() { return ${options.records ?? "[new host.apiVersionSupport(1, 9)]"}; }
function probe(a, b, c) {
${options.prelude ?? ""}
${body}
}`;
  const s = dbg.scriptLoad(code, `C:\\tests\\probe_${++counter}.js`);
  return (s.global.probe as (...a: unknown[]) => unknown)(...args);
}

/** "no throw", or "threw: <message>" for what `body` throws inside the script. */
export function thrown(dbg: EmulatedDebugger, body: string, args: readonly unknown[] = [], options: ProbeOptions = {}): string {
  return probe(dbg, `try { ${body}; return "no throw"; } catch (e) { return "threw: " + String(e && e.message); }`, args, options) as string;
}

/** Loads the built bundle into an emulated debugger, the way a user's `.scriptload` does. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { EmulatedDebugger, type EmulatorOptions, type ScriptState, type TargetSpec } from "../src/emulator";

export const BUNDLE_PATH = path.resolve(import.meta.dirname, "..", "dist", "ewmda.js");
export const SCRIPT_PATH = "C:\\tools\\ewmda.js";

export function bundleText(): string {
  return readFileSync(BUNDLE_PATH, "utf8");
}

export interface Loaded {
  readonly dbg: EmulatedDebugger;
  readonly script: ScriptState;
}

/** `.scriptload C:\tools\ewmda.js` on a target. */
export function loadEwmda(spec: TargetSpec, options: EmulatorOptions = {}): Loaded {
  const dbg = new EmulatedDebugger(spec, options);
  const script = dbg.scriptLoad(bundleText(), SCRIPT_PATH);
  return { dbg, script };
}

/** Rows of a dx result as plain objects of their visible properties. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const item of result as Iterable<unknown>) {
    const row = (item as { value?: unknown }).value ?? item;
    const plain: Record<string, unknown> = {};
    let o: object | null = row as object;
    const names = new Set<string>();
    while (o && Object.getPrototypeOf(o) !== null) {
      for (const k of Object.getOwnPropertyNames(o)) if (!k.startsWith("__") && k !== "constructor" && k !== "toString") names.add(k);
      o = Object.getPrototypeOf(o);
    }
    for (const k of names) plain[k] = (row as Record<string, unknown>)[k];
    out.push(plain);
  }
  return out;
}

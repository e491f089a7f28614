/**
 * One analysis session over a dump file: the minidump reader, the target over it, and the emulated
 * debugger with the very dist/ewmda.js a WinDbg user loads.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EmulatedDebugger } from "../emulator/debugger";
import { Minidump } from "../minidump/reader";
import type { MinidumpReader } from "../minidump/types";
import { SymbolStore } from "../runner/breakpad-symbols";
import { buildDumpTarget, type DumpTarget } from "../runner/dump-target";

export interface SessionOptions {
  readonly symbolsDir?: string;
  /** Path of the bundle (default: dist/ewmda.js beside this program). */
  readonly bundlePath?: string;
}

export interface Session {
  readonly file: string;
  readonly dump: MinidumpReader;
  readonly target: DumpTarget;
  readonly dbg: EmulatedDebugger;
  close(): void;
}

/** Where dist/ewmda.js is: beside the CLI bundle (dist/), or ../../dist from the TypeScript sources. */
export function defaultBundlePath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, "ewmda.js"), path.join(here, "..", "..", "dist", "ewmda.js")]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("dist/ewmda.js not found: run npm run build");
}

/** Opens a dump (throws MinidumpError with a one-line reason when it is not usable) and loads ewmda into it. */
export function openSession(file: string, options: SessionOptions = {}): Session {
  const dump = Minidump.openFile(file);
  try {
    const target = buildDumpTarget(dump, {
      symbols: options.symbolsDir ? new SymbolStore(options.symbolsDir) : undefined,
      dumpFileName: path.resolve(file),
    });
    const dbg = new EmulatedDebugger(target.spec);
    // EWMDA_BUNDLE: run another build of the extension (a development build) on the same dump.
    const bundle = options.bundlePath ?? (process.env.EWMDA_BUNDLE || defaultBundlePath());
    dbg.scriptLoad(readFileSync(bundle, "utf8"), "C:\\ewmda\\ewmda.js");
    const close = () => {
      dump.close();
      // The emulated file system (Export, Snapshot write there) lives in a temporary folder of its own.
      try { rmSync(dbg.fileSystem.root, { recursive: true, force: true }); } catch { /* already gone */ }
    };
    return { file, dump, target, dbg, close };
  } catch (e) {
    dump.close();
    throw e;
  }
}

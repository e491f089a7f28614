/**
 * Builds dist/ (the extension and the command line) when missing or older than a source file, so `vitest`
 * alone tests the current code. Builds are serialized with a lock directory and each output is written to
 * a temporary file and renamed into place, so test runs in parallel never read a half-written bundle.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { rollup, type OutputOptions, type RollupOptions } from "rollup";

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a crashed run.
      try { if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
      if (Date.now() > deadline) throw new Error(`could not take the build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export default async function setup(): Promise<void> {
  const root = path.resolve(import.meta.dirname, "..");
  const stale = () => {
    const outputs = [path.join(root, "dist", "ewmda.js"), path.join(root, "dist", "ewmda-cli.mjs")];
    const sources = Math.max(newest(path.join(root, "src")), statSync(path.join(root, "rollup.config.mjs")).mtimeMs);
    return outputs.some((o) => !existsSync(o) || statSync(o).mtimeMs < sources);
  };
  if (!stale()) return;
  mkdirSync(path.join(root, "dist"), { recursive: true });
  await withLock(path.join(root, "dist", ".build-lock"), async () => {
    if (!stale()) return; // another run built it while we waited
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const configs = (await import(pathToFileURL(path.join(root, "rollup.config.mjs")).href)).default as RollupOptions[];
      for (const config of configs) {
        const bundle = await rollup(config);
        const output = config.output as OutputOptions;
        const final = path.resolve(root, output.file!);
        const tmp = `${final}.${process.pid}.tmp`;
        await bundle.write({ ...output, file: tmp });
        await bundle.close();
        renameSync(tmp, final);
      }
    } finally {
      process.chdir(cwd);
    }
  });
}

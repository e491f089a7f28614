/** Builds dist/ (the extension and the command line) when missing or older than a source file, so `vitest` alone tests the current code. */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "..");
  const outputs = [path.join(root, "dist", "ewmda.js"), path.join(root, "dist", "ewmda-cli.mjs")];
  const sources = Math.max(newest(path.join(root, "src")), statSync(path.join(root, "rollup.config.mjs")).mtimeMs);
  if (outputs.some((o) => !existsSync(o) || statSync(o).mtimeMs < sources)) {
    execFileSync(process.execPath, [path.join(root, "node_modules", "rollup", "dist", "bin", "rollup"), "-c", "rollup.config.mjs"], { cwd: root, stdio: "inherit" });
  }
}

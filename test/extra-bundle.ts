/**
 * The bundle with the export and command-logging analyses (Log, StructureSheaf, Snapshot, Export) added to
 * the registry, for testing them end to end (dx, `!` aliases, Debugger.Utility.FileSystem) before the
 * registry lists them. Once registry.ts has all of them, this is the ordinary dist/ewmda.js.
 *
 * Built with rollup from the same configuration as dist/ewmda.js, with `./registry` (as index.ts imports
 * it) replaced by a module that appends the missing analyses; cached in the temp directory by the hash of
 * the sources, written to a temporary name and renamed, so parallel test files share one build.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import typescript from "@rollup/plugin-typescript";
import { rollup, type OutputOptions, type Plugin, type RollupOptions } from "rollup";
import { EmulatedDebugger, type EmulatorOptions, type TargetSpec } from "../src/emulator";
import { ANALYSES } from "../src/extensions/registry";
import { BUNDLE_PATH, SCRIPT_PATH, type Loaded } from "./helpers";

const root = path.resolve(import.meta.dirname, "..");

/** The analyses this suite adds: file, export name, dx name. */
export const EXTRA = [
  { file: "src/extensions/command-log.ts", exportName: "commandLog", name: "Log" },
  { file: "src/extensions/structure-sheaf.ts", exportName: "structureSheaf", name: "StructureSheaf" },
  { file: "src/extensions/snapshot.ts", exportName: "snapshot", name: "Snapshot" },
  { file: "src/extensions/export.ts", exportName: "exportDocuments", name: "Export" },
] as const;

export function allRegistered(): boolean {
  return EXTRA.every((e) => ANALYSES.some((a) => a.meta.name === e.name));
}

function sourceHash(): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) h.update(p).update(readFileSync(p));
    }
  };
  walk(path.join(root, "src"));
  h.update(readFileSync(path.join(root, "rollup.config.mjs")));
  return h.digest("hex").slice(0, 16);
}

function registryPlugin(): Plugin {
  const id = "\0ewmda-extra-registry";
  return {
    name: "ewmda-extra-registry",
    resolveId(source, importer) {
      if (source === "./registry" && importer && importer.replace(/\\/g, "/").endsWith("src/extensions/index.ts")) return id;
      return null;
    },
    load(loadId) {
      if (loadId !== id) return null;
      const abs = (f: string) => JSON.stringify(path.join(root, f));
      return [
        `import { ANALYSES as BASE } from ${abs("src/extensions/registry.ts")};`,
        ...EXTRA.map((e) => `import { ${e.exportName} } from ${abs(e.file)};`),
        `const EXTRA = [${EXTRA.map((e) => e.exportName).join(", ")}];`,
        "export const ANALYSES = BASE.concat(EXTRA.filter((a) => !BASE.some((b) => b.meta.name === a.meta.name)));",
      ].join("\n");
    },
  };
}

let built: string | undefined;

/** Path of the bundle to load: dist/ewmda.js when everything is registered, else the extra build. */
export async function extraBundle(): Promise<string> {
  if (allRegistered()) return BUNDLE_PATH;
  if (built && existsSync(built)) return built;
  const dir = path.join(os.tmpdir(), "ewmda-extra-bundles");
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `ewmda-extra-${sourceHash()}.js`);
  if (!existsSync(out) || statSync(out).size === 0) {
    const configs = (await import(pathToFileURL(path.join(root, "rollup.config.mjs")).href)).default as RollupOptions[];
    const ext = configs[0]!;
    const cwd = process.cwd();
    process.chdir(root);
    try {
      // Type errors elsewhere in the tree (other work in progress) must not stop these tests: emit anyway.
      const plugins = [registryPlugin(), typescript({ tsconfig: "./tsconfig.json", noEmit: false, noEmitOnError: false, outputToFilesystem: false })];
      const bundle = await rollup({ ...ext, plugins, onwarn: () => undefined });
      const tmp = `${out}.${process.pid}.tmp`;
      await bundle.write({ ...(ext.output as OutputOptions), file: tmp });
      await bundle.close();
      renameSync(tmp, out);
    } finally {
      process.chdir(cwd);
    }
  }
  built = out;
  return out;
}

/** `.scriptload` of the extra bundle (call `await extraBundle()` first, e.g. in beforeAll). */
export function loadExtra(spec: TargetSpec, options: EmulatorOptions = {}): Loaded {
  if (!built && !allRegistered()) throw new Error("call await extraBundle() before loadExtra()");
  const dbg = new EmulatedDebugger(spec, options);
  const script = dbg.scriptLoad(readFileSync(allRegistered() ? BUNDLE_PATH : built!, "utf8"), SCRIPT_PATH);
  return { dbg, script };
}

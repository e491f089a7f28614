// Builds dist/ewmda.js: ONE classic script for WinDbg's JavaScript provider (ChakraCore and V8).
// Everything lives inside the private IIFE `__ewmda`; the provider finds the three entry points as
// real top-level function declarations (reference §1.4), which the footer adds.
import typescript from "@rollup/plugin-typescript";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

const banner = `/*!
 * ewmda ${pkg.version}: memory analysis patterns for WinDbg (JavaScript provider, ChakraCore and V8).
 * Load:   .scriptload C:\\tools\\ewmda.js       (path without spaces)
 * Then:   dx Debugger.Utility.Ewmda            dx @$ewmda().RawStack()          !ewmda.rawstack
 * After .scriptrun or the first ewmda call:   dx @$ewmda.RawStack()
 * Built from ewmda's TypeScript sources; do not edit.
 */
"use strict";`;

const footer = `function initializeScript() { return __ewmda.initializeScript(); }
function invokeScript() { return __ewmda.invokeScript(); }
function uninitializeScript() { return __ewmda.uninitializeScript(); }`;

const extension = {
  input: "src/extensions/index.ts",
  output: {
    file: "dist/ewmda.js",
    format: "iife",
    name: "__ewmda",
    exports: "named",
    strict: false, // the banner's file-level "use strict" covers the IIFE and the footer
    banner,
    footer,
    generatedCode: { preset: "es2015", arrowFunctions: true, constBindings: false, objectShorthand: true, symbols: false },
    freeze: false,
  },
  treeshake: { moduleSideEffects: false },
  plugins: [typescript({ tsconfig: "./tsconfig.json", noEmit: false, noEmitOnError: true, outputToFilesystem: false })],
};

// The Node side: the `ewmda` command line (minidump reader, emulated provider, runner), as one ES module.
const cli = {
  input: "src/cli/main.ts",
  output: { file: "dist/ewmda-cli.mjs", format: "es", banner: `// ewmda ${pkg.version} command line (Node ${pkg.engines.node}). Built from ewmda's TypeScript sources; do not edit.` },
  // Packages stay imports (node_modules at run time); the heavy ones are imported lazily by the commands that use them.
  external: [/^node:/, "citty", "ajv", /^@platformatic\//, "mongodb", /^@duckdb\//, "vega", "vega-lite", /^@resvg\//],
  plugins: [typescript({ tsconfig: "./tsconfig.cli.json", noEmit: false, noEmitOnError: true, outputToFilesystem: false })],
};

export default [extension, cli];

// Checks that dist/ewmda.js is what both WinDbg engines (legacy ChakraCore and V8) can load:
// one ES2017 classic script (acorn rejects later syntax, the regex `s` flag, look-behind and named
// groups at ecmaVersion 2017), no module syntax, no Node or browser globals, no ES2019+ library calls,
// "use strict", one private `__` wrapper and the three entry points as top-level function declarations.
import { readFileSync } from "node:fs";
import * as acorn from "acorn";
import * as walk from "acorn-walk";

const file = process.argv[2] ?? "dist/ewmda.js";
const text = readFileSync(file, "utf8");
const problems = [];
let ast;
try {
  ast = acorn.parse(text, { ecmaVersion: 2017, sourceType: "script", locations: true });
} catch (e) {
  console.error(`${file}: not an ES2017 classic script: ${e.message}`);
  process.exit(1);
}

const where = (node) => `${file}:${node.loc.start.line}:${node.loc.start.column + 1}`;
const forbiddenGlobals = new Set([
  "globalThis", "BigInt", "require", "module", "exports", "process", "console", "setTimeout",
  "setInterval", "setImmediate", "queueMicrotask", "Promise", "window", "self", "__dirname", "Buffer",
  "WeakRef", "FinalizationRegistry", "AggregateError",
]);
// ES2018+ library members (ChakraCore support unconfirmed, reference §1.2).
const forbiddenMembers = new Set([
  "flat", "flatMap", "fromEntries", "matchAll", "replaceAll", "trimStart", "trimEnd", "allSettled",
  "findLast", "findLastIndex", "hasOwn", "at", "asyncIterator", "toSorted", "toReversed", "toSpliced",
]);

// Identifiers declared anywhere in the bundle (a local `process` variable is not the Node global).
const declared = new Set();
walk.full(ast, (node) => {
  if (node.type === "VariableDeclarator" && node.id.type === "Identifier") declared.add(node.id.name);
  if ((node.type === "FunctionDeclaration" || node.type === "FunctionExpression") && node.id) declared.add(node.id.name);
  if (node.type === "ClassDeclaration" && node.id) declared.add(node.id.name);
  if (node.type.indexOf("Function") >= 0 || node.type === "ArrowFunctionExpression") {
    for (const p of node.params ?? []) walk.full(p, (q) => { if (q.type === "Identifier") declared.add(q.name); });
  }
  if (node.type === "CatchClause" && node.param && node.param.type === "Identifier") declared.add(node.param.name);
});

walk.ancestor(ast, {
  Identifier(node, _state, ancestors) {
    if (!forbiddenGlobals.has(node.name) || declared.has(node.name)) return;
    const parent = ancestors[ancestors.length - 2];
    if (parent && parent.type === "MemberExpression" && parent.property === node && !parent.computed) return;
    if (parent && parent.type === "Property" && parent.key === node && !parent.computed) return;
    problems.push(`${where(node)}: uses the global \`${node.name}\` (not available in WinDbg's provider or not ES2017)`);
  },
  MemberExpression(node) {
    if (!node.computed && forbiddenMembers.has(node.property.name)) {
      problems.push(`${where(node)}: calls .${node.property.name} (ES2018+ library member)`);
    }
  },
  Function(node) {
    if (node.async) problems.push(`${where(node)}: async function (no job queue is documented in the provider)`);
  },
  NewExpression(node) { checkRegExpCall(node); },
  CallExpression(node) { checkRegExpCall(node); },
});

function checkRegExpCall(node) {
  if (node.callee.type !== "Identifier" || node.callee.name !== "RegExp") return;
  const [pattern, flags] = node.arguments;
  if (flags && flags.type === "Literal" && typeof flags.value === "string" && /[^gimuy]/.test(flags.value)) {
    problems.push(`${where(node)}: RegExp flags "${flags.value}" are not ES2017`);
  }
  if (pattern && pattern.type === "Literal" && typeof pattern.value === "string" && /\(\?<[=!a-zA-Z]/.test(pattern.value)) {
    problems.push(`${where(node)}: RegExp with look-behind or a named group`);
  }
  if (pattern && pattern.type !== "Literal") {
    problems.push(`${where(node)}: RegExp built from a non-literal pattern (cannot be checked)`);
  }
}

// Shape of the script.
const body = ast.body;
const first = body[0];
if (!first || first.type !== "ExpressionStatement" || first.directive !== "use strict") {
  problems.push(`${file}: the first statement must be the "use strict" directive`);
}
const topFunctions = new Set();
for (const stmt of body.slice(1)) {
  if (stmt.type === "FunctionDeclaration") {
    topFunctions.add(stmt.id.name);
  } else if (stmt.type === "VariableDeclaration") {
    for (const d of stmt.declarations) {
      if (stmt.kind !== "var") problems.push(`${where(stmt)}: top-level ${stmt.kind} binding (not bridged to the global object)`);
      if (!d.id.name || !d.id.name.startsWith("__")) problems.push(`${where(stmt)}: top-level name \`${d.id.name}\` is not private (must start with __)`);
    }
  } else {
    problems.push(`${where(stmt)}: unexpected top-level ${stmt.type}; everything but the entry points must live inside the __ewmda wrapper`);
  }
}
for (const name of ["initializeScript", "invokeScript", "uninitializeScript"]) {
  if (!topFunctions.has(name)) problems.push(`${file}: missing top-level function declaration ${name}()`);
}
for (const name of topFunctions) {
  if (!["initializeScript", "invokeScript", "uninitializeScript"].includes(name)) {
    problems.push(`${file}: unexpected top-level function ${name}() would be bridged into @$scriptContents`);
  }
}

if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`${file}: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`${file}: ES2017 classic script, ${text.length} bytes, entry points present, no forbidden globals or members`);

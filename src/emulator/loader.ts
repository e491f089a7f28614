/**
 * Evaluates a script the way JsProvider does (reference §1.4, §2): a classic script (not a module)
 * in a fresh global whose only non-standard member is `host`. No console, timers, require, module
 * or globalThis (ChakraCore support is unconfirmed, so we take it away).
 */
import vm from "node:vm";

export interface EvaluatedScript {
  readonly context: vm.Context;
  /** The script's global object: where the provider looks for initializeScript & co. */
  readonly global: Record<string, unknown>;
}

export class ScriptError extends Error {
  constructor(message: string, readonly fileName: string, readonly line?: number, readonly column?: number) {
    super(message);
    this.name = "ScriptError";
  }
}

/** Constructors of the script's own realm, so values the host hands over are the script's kind of objects. */
export interface Realm {
  readonly Error: ErrorConstructor;
  readonly TypeError: TypeErrorConstructor;
  readonly RangeError: RangeErrorConstructor;
  readonly Array: ArrayConstructor;
  readonly Int8Array: Int8ArrayConstructor;
  readonly Uint8Array: Uint8ArrayConstructor;
  readonly Int16Array: Int16ArrayConstructor;
  readonly Uint16Array: Uint16ArrayConstructor;
  readonly Int32Array: Int32ArrayConstructor;
  readonly Uint32Array: Uint32ArrayConstructor;
}

export interface LoaderOptions {
  /** The `Symbol.metadataDescriptor` the provider defines before loading scripts (reference §9.9). */
  readonly metadataSymbol: symbol;
  /** Called with the realm's Number.prototype when numbers should carry Int64 methods. */
  readonly patchNumbers?: (numberPrototype: object) => void;
  /** Called with the new realm's constructors before the script's code runs. */
  readonly onRealm?: (realm: Realm) => void;
}

export function evaluateScript(code: string, fileName: string, host: object, options: LoaderOptions): EvaluatedScript {
  const sandbox: Record<string, unknown> = Object.create(null);
  sandbox.host = host;
  const context = vm.createContext(sandbox, { name: fileName, codeGeneration: { strings: false, wasm: false } });
  const setup = vm.runInContext(
    `(function (sym) {
       Object.defineProperty(Symbol, "metadataDescriptor", { value: sym, writable: false, enumerable: false, configurable: false });
       delete this.globalThis;
       delete this.console; // V8 puts a console in every context; the provider has none (reference §1.3)
       return Number.prototype;
     })`,
    context,
  ) as (this: unknown, sym: symbol) => object;
  const numberPrototype = setup.call(vm.runInContext("this", context), options.metadataSymbol);
  options.patchNumbers?.(numberPrototype);
  options.onRealm?.(vm.runInContext(
    "({ Error: Error, TypeError: TypeError, RangeError: RangeError, Array: Array, Int8Array: Int8Array, Uint8Array: Uint8Array, " +
    "Int16Array: Int16Array, Uint16Array: Uint16Array, Int32Array: Int32Array, Uint32Array: Uint32Array })", context) as Realm);

  try {
    new vm.Script(code, { filename: fileName }).runInContext(context);
  } catch (e) {
    throw asScriptError(e, fileName, code);
  }
  return { context, global: vm.runInContext("this", context) as Record<string, unknown> };
}

/** Load errors print file, line and message like the provider: `"file" (line 11 (@ 1)): Error (0x80004005): ...`. */
function asScriptError(e: unknown, fileName: string, code: string): ScriptError {
  const err = e as { message?: string; stack?: string; name?: string };
  let line: number | undefined;
  let column: number | undefined;
  const m = /:(\d+)(?::(\d+))?\)?\s*$/m.exec((err.stack ?? "").split("\n").find((l) => l.includes(fileName)) ?? "");
  if (m) { line = Number(m[1]); column = m[2] ? Number(m[2]) : undefined; }
  if (line === undefined && err.name === "SyntaxError") {
    const first = (err.stack ?? "").split("\n")[0] ?? "";
    const lm = /:(\d+)$/.exec(first);
    if (lm) line = Number(lm[1]);
  }
  void code;
  const where = line !== undefined ? ` (line ${line} (@ ${column ?? 1}))` : "";
  const kind = err.name === "SyntaxError" ? "Syntax error: " : "";
  return new ScriptError(`"${fileName}"${where}: Error (0x80004005): ${kind}${err.message ?? String(e)}`, fileName, line, column);
}

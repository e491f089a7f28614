/**
 * The emulated debugger: one target, the data model over it, scripts loaded into it through the
 * emulated JavaScript provider, and the `dx`, `!alias` and `ExecuteCommand` paths a user or a script
 * takes. This is what every test and the Linux runner trust in place of WinDbg.
 */
import { modelCollection, type CollectionEnv } from "./collection";
import { runCommand } from "./commands";
import { createFileSystem } from "./filesystem";
import { createScriptHost, recordInfo, type RecordInfo } from "./host";
import { createInt64Factory, patchNumberPrototype, type Int64Factory } from "./int64";
import { evaluateScript, ScriptError, type Realm } from "./loader";
import { DataModel, type ModelWorld, type ProcessContext } from "./model";
import { NamedModels } from "./named-models";
import { nativeInfo, typedValue, type NativeEnv } from "./native";
import { DEFAULT_VARIANT, HostCounters, type ProviderVariant } from "./options";
import type { ModuleSpec, ProcessSpec, TargetSpec } from "./target-spec";
import type { EmuType, TypeTable } from "./types";
import { evaluateDx, renderDx, type DxRenderOptions } from "./dx";

export interface EmulatorOptions {
  readonly variant?: Partial<ProviderVariant>;
  /** Folder that stands for the Windows file system of `Debugger.Utility.FileSystem` (default: a new temp folder). */
  readonly fileSystemRoot?: string;
}

export interface SkippedRecord {
  readonly kind: string;
  readonly reason: string;
}

export class ScriptState {
  apiVersion = 1.0;
  readonly undo: (() => void)[] = [];
  readonly imperativeUndo: (() => void)[] = [];
  readonly skipped: SkippedRecord[] = [];
  readonly applied: RecordInfo[] = [];
  global: Record<string, unknown> = {};
  /** The script realm's constructors (set before its code runs). */
  realm: Realm | undefined;
  constructor(readonly name: string, readonly path: string, readonly code: string) {}
}

export interface AliasEntry {
  readonly fn: (...args: unknown[]) => unknown;
  readonly script: ScriptState;
}

const METADATA_SYMBOL = Symbol("Symbol.metadataDescriptor");

export class EmulatedDebugger {
  readonly variant: ProviderVariant;
  readonly counters = new HostCounters();
  readonly int64: Int64Factory;
  readonly models: NamedModels;
  readonly nativeEnv: NativeEnv;
  readonly collectionEnv: CollectionEnv;
  readonly model: DataModel;
  /** Everything the debugger printed (debugLog and command output), in order. */
  readonly output: string[] = [];
  /** Commands run through ExecuteCommand / execute(), in order. */
  readonly commandLog: string[] = [];
  readonly aliases = new Map<string, AliasEntry>();
  readonly userVariables = new Map<string, unknown>();
  readonly scripts = new Map<string, ScriptState>();
  readonly metadataSymbol = METADATA_SYMBOL;
  readonly fileSystem: ReturnType<typeof createFileSystem>;

  private readonly metadata = new WeakMap<object, Record<string, unknown>>();
  private readonly typeObjects = new Map<EmuType, object>();
  private readonly typeOfObject = new WeakMap<object, { type: EmuType; table: TypeTable }>();
  private processByModel: WeakMap<object, ProcessSpec> | undefined;
  private captures: string[][] = [];
  private readonly world: ModelWorld;

  constructor(readonly target: TargetSpec, options: EmulatorOptions = {}) {
    this.variant = { ...DEFAULT_VARIANT, ...options.variant };
    this.int64 = createInt64Factory(this.variant);
    this.models = new NamedModels(this.counters);
    this.nativeEnv = {
      int64: this.int64, counters: this.counters, variant: this.variant,
      typeObject: (t, table) => this.typeObject(t, table),
    };
    this.collectionEnv = {
      int64: this.int64, counters: this.counters,
      ordinal: (n) => (this.variant.ordinalsAsInt64 ? this.int64.make(BigInt(n)) : n),
    };
    this.fileSystem = createFileSystem(this, options.fileSystemRoot);
    const self = this;
    this.world = {
      target, variant: this.variant, counters: this.counters, int64: this.int64, models: this.models,
      nativeEnv: this.nativeEnv, collectionEnv: this.collectionEnv,
      currentProcessId: target.currentProcessId,
      currentThreadId: target.currentThreadId,
      utility: () => this.utilityMembers(),
      debuggerVariables: () => this.debuggerVariables(),
      userVariables: () => self.models.object(["Debugger.Models.UserVariables"], {
        ...Object.fromEntries([...self.userVariables.keys()].map((k) => [k, () => self.userVariables.get(k)])),
        // `dx @$vars.Remove("name")` (reference §6.2).
        Remove: () => (name: string) => self.userVariables.delete(String(name)),
      }),
      scriptsObject: () => self.models.object(["Debugger.Models.Scripts"], Object.fromEntries(
        [...self.scripts.values()].map((s) => [s.name, () => self.models.object(["Debugger.Models.Script"], {
          Name: () => s.name, Path: () => s.path, Contents: () => self.scriptContents(s),
        })]))),
    };
    this.model = new DataModel(this.world);
  }

  // ---- output ----

  writeOutput(text: string): void {
    this.output.push(text);
    for (const c of this.captures) c.push(text);
  }

  /** Runs `fn` and returns what was printed meanwhile, split into lines. */
  capture(fn: () => void): string[] {
    const buf: string[] = [];
    this.captures.push(buf);
    try { fn(); } finally { this.captures.splice(this.captures.indexOf(buf), 1); }
    const text = buf.join("");
    if (text === "") return [];
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return lines;
  }

  // ---- metadata and types ----

  defineMetadata(target: object, descriptor: Record<string, unknown>): void {
    this.metadata.set(target, { ...(this.metadata.get(target) ?? {}), ...descriptor });
  }

  /** Metadata for a key of an object: defineMetadata first, then `[Symbol.metadataDescriptor]` along the prototype chain. */
  metadataFor(obj: unknown, key: string): Record<string, unknown> | undefined {
    if (typeof obj !== "object" || obj === null) return undefined;
    const defined = this.metadata.get(obj)?.[key];
    if (defined) return defined as Record<string, unknown>;
    try {
      const d = (obj as Record<symbol, unknown>)[this.metadataSymbol] as Record<string, Record<string, unknown>> | undefined;
      return d?.[key];
    } catch {
      return undefined;
    }
  }

  typeObject(type: EmuType, table: TypeTable | undefined): object {
    let o = this.typeObjects.get(type);
    if (o) return o;
    const self = this;
    const enumerants = type.kind === "intrinsic" ? type.enumerants : undefined;
    const kindName = type.kind === "void" ? "intrinsic" : enumerants ? "enum" : type.kind;
    const obj: Record<string, unknown> = {
      name: type.name,
      size: this.variant.ordinalsAsInt64 ? this.int64.make(BigInt(type.size)) : type.size,
      typeKind: kindName,
      get baseType() { return type.kind === "pointer" ? self.typeObject(type.target, table) : type.kind === "array" ? self.typeObject(type.element, table) : undefined; },
      get fields() {
        const out: Record<string, unknown> = {};
        // An enum's fields are its enumerants: constants with a value (reference §5.6 FieldObject).
        if (enumerants) {
          for (const [name, value] of Object.entries(enumerants)) {
            out[name] = Object.freeze({ name, type: self.typeObject(type, table), locationKind: "constant", value });
          }
        }
        if (type.kind === "udt") {
          for (const f of type.fields) {
            out[f.name] = Object.freeze({
              name: f.name, type: self.typeObject(f.type, table), locationKind: "member",
              offset: f.offset, isBitField: !!f.bits, bitFieldPositions: f.bits ? { lsb: f.bits.lsb, length: f.bits.length } : undefined,
            });
          }
        }
        return Object.freeze(out);
      },
      baseClasses: Object.freeze([]),
      isGeneric: false,
      genericArguments: Object.freeze([]),
      isBitField: false,
      pointerKind: type.kind === "pointer" ? "standard" : undefined,
      toString: () => type.name,
    };
    o = Object.freeze(obj);
    this.typeObjects.set(type, o);
    if (table) this.typeOfObject.set(o, { type, table });
    return o;
  }

  emuTypeOfTypeObject(o: unknown): { type: EmuType; table: TypeTable } | undefined {
    return typeof o === "object" && o !== null ? this.typeOfObject.get(o) : undefined;
  }

  processContextOfModelObject(o: unknown): ProcessContext | undefined {
    if (typeof o !== "object" || o === null) return undefined;
    // One map instead of a scan per call: every memory read asks, and kernel targets have a thousand processes.
    if (!this.processByModel) {
      this.processByModel = new WeakMap();
      for (const p of this.target.processes) this.processByModel.set(this.model.process(p), p);
    }
    const p = this.processByModel.get(o);
    return p ? this.model.processContext(p) : undefined;
  }

  moduleSpecOfModelObject(o: unknown): ModuleSpec | undefined {
    if (typeof o !== "object" || o === null) return undefined;
    for (const p of this.target.processes) {
      for (const m of [...p.modules, ...(this.target.kernelModules ?? [])]) if (this.model.module(m) === o) return m;
    }
    return undefined;
  }

  // ---- the model root's utility members and variables ----

  private utilityMembers(): Record<string, () => unknown> {
    const m = this.models;
    const control = m.object(["Debugger.Models.Utility.Control"], {
      ExecuteCommand: () => (command: string) => {
        this.counters.commands++;
        return modelCollection(this.collectionEnv, this.execute(String(command)));
      },
      SetBreakpointAtSourceLocation: () => () => { throw new Error("breakpoints are not available on a dump"); },
      SetBreakpointAtOffset: () => () => { throw new Error("breakpoints are not available on a dump"); },
      SetBreakpointForReadWrite: () => () => { throw new Error("breakpoints are not available on a dump"); },
    }, () => "");
    const collections = m.object(["Debugger.Models.Utility.Collections"], {
      FromListEntry: () => (head: unknown, typeName: string, fieldPath: string) => this.fromListEntry(head, typeName, fieldPath),
      CreateArray: () => (...values: unknown[]) => modelCollection(this.collectionEnv, values),
    }, () => "");
    const fs = this.fileSystem.namespace;
    return {
      Control: () => control,
      Collections: () => collections,
      FileSystem: () => fs,
    };
  }

  private debuggerVariables(): Record<string, () => unknown> {
    return {
      cursession: () => this.model.session(),
      curprocess: () => this.model.process(this.model.currentProcessSpec()),
      curthread: () => {
        const t = this.model.currentThreadSpec();
        return t ? this.model.thread(this.model.currentProcessSpec(), t) : undefined;
      },
      scripts: () => (this.model.root() as Record<string, Record<string, unknown>>).State!.Scripts,
      scriptContents: () => this.mergedScriptContents(),
      vars: () => (this.model.root() as Record<string, Record<string, unknown>>).State!.UserVariables,
    };
  }

  private scriptContents(s: ScriptState): object {
    // The global object is bridged; `__` names stay private (reference §1.4).
    const own: Record<string, () => unknown> = {};
    for (const k of Object.keys(s.global)) {
      if (k.startsWith("__") || k === "host") continue;
      own[k] = () => s.global[k];
    }
    return this.models.object(["Debugger.Models.ScriptContents"], own, () => "");
  }

  private mergedScriptContents(): object {
    const own: Record<string, () => unknown> = {};
    for (const s of this.scripts.values()) {
      for (const k of Object.keys(s.global)) {
        if (k.startsWith("__") || k === "host") continue;
        own[k] = () => s.global[k];
      }
    }
    return this.models.object(["Debugger.Models.ScriptContents"], own, () => "");
  }

  private fromListEntry(head: unknown, typeName: string, fieldPath: string): unknown {
    const info = nativeInfo(head);
    if (!info || info.location === undefined) throw new TypeError("FromListEntry: expected a LIST_ENTRY object");
    const c = this.model.contextOfHostContext(info.ctx.hostContext) ?? this.model.processContext(this.model.currentProcessSpec());
    const bare = typeName.includes("!") ? typeName.slice(typeName.indexOf("!") + 1) : typeName;
    const table = this.model.typesFor(c, bare);
    const type = table?.resolve(bare);
    if (!table || !type || type.kind !== "udt") throw new Error(`FromListEntry: unknown type ${typeName}`);
    let offset = 0;
    let t: EmuType = type;
    for (const part of fieldPath.split(".")) {
      if (t.kind !== "udt") throw new Error(`FromListEntry: ${fieldPath} is not a field path of ${typeName}`);
      const f = t.field(part);
      if (!f) throw new Error(`FromListEntry: ${typeName} has no field ${part}`);
      offset += f.offset;
      t = f.type;
    }
    const ps = this.target.pointerSize;
    const headAddress = info.location;
    const entries: unknown[] = [];
    const seen = new Set<bigint>();
    let cursor = this.readPointer(c, headAddress, ps);
    while (cursor !== headAddress && cursor !== 0n && !seen.has(cursor) && entries.length < 1_000_000) {
      seen.add(cursor);
      entries.push(typedValue(this.nativeEnv, this.model.nativeContext(c, table), type, cursor - BigInt(offset)));
      cursor = this.readPointer(c, cursor, ps);
    }
    return modelCollection(this.collectionEnv, entries);
  }

  private readPointer(c: ProcessContext, address: bigint, size: number): bigint {
    const b = this.model.read(c, address, size);
    this.counters.memoryReads++;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }

  // ---- target expressions (host.evaluateExpression) ----

  evaluateTargetExpression(expr: string, c: ProcessContext): unknown {
    const e = expr.trim();
    const num = /^(?:0x)?[0-9a-f`]+$/i.test(e) && /^0x|[a-f`]/i.test(e) ? this.int64.parse(e.replace(/`/g, ""), 16) : /^\d+$/.test(e) ? this.int64.parse(e, 10) : undefined;
    if (num) return num.bits <= 0xffffffffn ? Number(num.bits) : num;
    const sizeOf = /^sizeof\((.+)\)$/.exec(e);
    if (sizeOf) {
      const t = this.model.typesFor(c, sizeOf[1]!.trim())?.resolve(sizeOf[1]!.trim());
      if (!t) throw new Error(`Couldn't resolve type '${sizeOf[1]}'`);
      return t.size;
    }
    const sym = /^([A-Za-z_][\w.]*)!([\w:@?$]+)$/.exec(e);
    if (sym) {
      const m = c.modules.byName(sym[1]!);
      const s = m ? c.modules.symbolByName(m, sym[2]!) : undefined;
      if (!m || !s) throw new Error(`Couldn't resolve error at '${e}'`);
      return this.int64.make(m.base + BigInt(s.rva));
    }
    const reg = /^@?\$?(\w+)$/.exec(e);
    const t = this.model.currentThreadSpec();
    if (reg && t && t.registers[reg[1]!.toLowerCase()] !== undefined) return this.int64.make(t.registers[reg[1]!.toLowerCase()]!);
    throw new Error(`The emulator cannot evaluate the target expression '${expr}'`);
  }

  // ---- scripts ----

  /** `.scriptload`: root code, initializeScript, then the returned records (undone together if one fails). */
  scriptLoad(code: string, path: string): ScriptState {
    const name = scriptName(path);
    const previous = this.scripts.get(name);
    if (previous && previous.code === code) return previous;
    if (previous) this.scriptUnload(path);
    try {
      return this.load(code, path, name);
    } catch (e) {
      // Reload of changed content that fails: roll back to the previous version (reference §2).
      if (previous) this.load(previous.code, previous.path, name);
      throw e;
    }
  }

  /** `.scriptrun`: load if needed, then invokeScript. */
  scriptRun(code: string, path: string): ScriptState {
    const s = this.scriptLoad(code, path);
    const invoke = s.global.invokeScript;
    if (typeof invoke === "function") this.callScript(s, () => invoke.call(s.global));
    return s;
  }

  scriptUnload(path: string): void {
    const s = this.scripts.get(scriptName(path));
    if (!s) throw new Error(`Script ${path} is not loaded`);
    const uninit = s.global.uninitializeScript;
    try {
      if (typeof uninit === "function") this.callScript(s, () => uninit.call(s.global));
    } finally {
      for (const u of [...s.imperativeUndo].reverse()) u();
      for (const u of [...s.undo].reverse()) u();
      this.scripts.delete(s.name);
    }
  }

  private callScript(s: ScriptState, fn: () => unknown): unknown {
    try {
      return fn();
    } catch (e) {
      throw new ScriptError(`"${s.path}": Error: ${(e as Error)?.message ?? String(e)}`, s.path);
    }
  }

  private load(code: string, path: string, name: string): ScriptState {
    const s = new ScriptState(name, path, code);
    const { host, enterPhase2 } = createScriptHost(this, s);
    const evaluated = evaluateScript(code, path, host, {
      metadataSymbol: this.metadataSymbol,
      patchNumbers: this.variant.numberInt64Methods ? (proto) => patchNumberPrototype(proto, this.int64) : undefined,
      onRealm: (realm) => { s.realm = realm; },
    });
    s.global = evaluated.global;
    const init = s.global.initializeScript;
    const records = typeof init === "function" ? this.callScript(s, () => init.call(s.global)) : undefined;
    enterPhase2();
    if (records !== undefined && records !== null) {
      if (!Array.isArray(records) && !(typeof records === "object" && Symbol.iterator in (records as object))) {
        throw new ScriptError(`"${path}": initializeScript must return an array of registration records`, path);
      }
      try {
        for (const r of Array.from(records as Iterable<unknown>)) this.applyRecord(s, r, false);
      } catch (e) {
        for (const u of [...s.undo].reverse()) u();
        throw new ScriptError(`Unable to execute JavaScript script '${path}': ${(e as Error).message}`, path);
      }
    }
    this.scripts.set(name, s);
    return s;
  }

  private applyRecord(s: ScriptState, record: unknown, optional: boolean): void {
    const info = recordInfo(record);
    if (!info) throw new Error("initializeScript returned something that is not a registration record");
    const [a, b, c, d] = info.args;
    const asParent = (o: unknown): object => {
      if (typeof o === "function") return (o as { prototype: object }).prototype;
      if (typeof o === "object" && o !== null) return o;
      throw new TypeError(`${info.kind}: expected a class or an object`);
    };
    switch (info.kind) {
      case "ApiVersionSupport":
        s.apiVersion = Number(a) + Number(b) / 10;
        break;
      case "NamedModelParent":
        s.undo.push(this.models.addParent(String(b), asParent(a)));
        break;
      case "NamedModelRegistration":
        s.undo.push(this.models.register(String(b), asParent(a)));
        break;
      case "NamespacePropertyParent":
        s.undo.push(this.models.addSubNamespace(String(b), String(c), String(d), asParent(a)));
        break;
      case "FunctionAlias": {
        const aliasName = String(b);
        if (typeof a !== "function") throw new TypeError(`functionAlias ${aliasName}: expected a function`);
        const valid = this.variant.dottedAliases ? /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/ : /^[A-Za-z_]\w*$/;
        if (!valid.test(aliasName)) throw new Error(`Invalid function alias name '${aliasName}'`);
        if (this.aliases.has(aliasName)) throw new Error(`A function alias named '${aliasName}' already exists`);
        this.aliases.set(aliasName, { fn: a as (...args: unknown[]) => unknown, script: s });
        s.undo.push(() => { this.aliases.delete(aliasName); });
        break;
      }
      case "OptionalRecord":
        try {
          this.applyRecord(s, a, true);
        } catch (e) {
          s.skipped.push({ kind: recordInfo(a)?.kind ?? "unknown", reason: (e as Error).message });
        }
        return;
      case "TypeSignatureRegistration":
      case "TypeSignatureExtension":
        // Recorded; the emulator does not yet apply visualizers to native objects.
        break;
      case "ResourceFile":
      case "AllowOutsidePropertyWrites":
        throw new Error(`${info.kind} records are not emulated`);
    }
    void optional;
    s.applied.push(info);
  }

  // ---- what a user types ----

  /** Evaluates a dx expression (`@$ewmda.RawStack()`, `Debugger.Utility.Ewmda`, `@$x = ...`) and returns the value. */
  dx(expression: string): unknown {
    return evaluateDx(this, expression);
  }

  /** `dx [-r<n>] [-g] [-v] expr` as text lines. */
  dxLines(expression: string, options: DxRenderOptions = {}): string[] {
    const value = this.dx(expression);
    return renderDx(this, expression, value, options);
  }

  /** Runs a debugger command as a user or ExecuteCommand would, and returns its output lines. */
  execute(command: string): string[] {
    this.commandLog.push(command);
    return runCommand(this, command);
  }

  /** The process context of the current process (for the runner and tests). */
  currentContext(): ProcessContext {
    return this.model.processContext(this.model.currentProcessSpec());
  }

  get world_(): ModelWorld {
    return this.world;
  }
}

function scriptName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path;
  return file.replace(/\.js$/i, "");
}

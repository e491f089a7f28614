/**
 * The data model over a target: Debugger root, sessions, processes, threads, stack frames, modules,
 * handles, registers (reference §6). Objects are cached per target fact so identity is stable, every
 * property read is counted, and scripts can extend them through named models.
 */
import { modelCollection, type CollectionEnv } from "./collection";
import type { Int64Factory } from "./int64";
import { readBytesOrThrow, typedValue, pointerObject, type NativeContext, type NativeEnv } from "./native";
import type { AddressSpace } from "./memory";
import type { NamedModels } from "./named-models";
import type { HostCounters, ProviderVariant } from "./options";
import { ModuleSet } from "./symbols";
import type { FrameSpec, HandleSpec, ModuleSpec, ProcessSpec, TargetSpec, ThreadSpec } from "./target-spec";
import { moduleFileName } from "./target-spec";
import type { TypeTable } from "./types";

export interface ModelWorld {
  readonly target: TargetSpec;
  readonly variant: ProviderVariant;
  readonly counters: HostCounters;
  readonly int64: Int64Factory;
  readonly models: NamedModels;
  readonly nativeEnv: NativeEnv;
  readonly collectionEnv: CollectionEnv;
  currentProcessId: number;
  currentThreadId: number | undefined;
  /** The Debugger.Utility.Control / FileSystem / Collections objects and DebuggerVariables are supplied by the host. */
  utility(): Record<string, () => unknown>;
  debuggerVariables(): Record<string, () => unknown>;
  userVariables(): object;
  scriptsObject(): unknown;
}

/** Per-process facts the host needs (module set, address space, context object). */
export interface ProcessContext {
  readonly spec: ProcessSpec;
  readonly modules: ModuleSet;
  readonly space: AddressSpace;
  /** The opaque object scripts see as `hostContext` and pass as context inheritors. */
  readonly hostContext: object;
}

export class DataModel {
  private readonly processObjects = new Map<ProcessSpec, object>();
  private readonly threadObjects = new Map<ThreadSpec, object>();
  private readonly moduleObjects = new Map<ModuleSpec, object>();
  private readonly contexts = new Map<ProcessSpec, ProcessContext>();
  private readonly contextByHost = new WeakMap<object, ProcessContext>();
  private sessionObject: object | undefined;
  private rootObject: object | undefined;

  constructor(private readonly w: ModelWorld) {}

  // ---- contexts ----

  processContext(p: ProcessSpec): ProcessContext {
    let c = this.contexts.get(p);
    if (!c) {
      const hostContext = Object.freeze({ toString: () => `[host context: process 0x${p.id.toString(16)}]` });
      c = { spec: p, modules: new ModuleSet([...p.modules, ...(this.w.target.kernelModules ?? [])]), space: p.memory ?? this.w.target.memory, hostContext };
      this.contexts.set(p, c);
      this.contextByHost.set(hostContext, c);
    }
    return c;
  }

  contextOfHostContext(o: unknown): ProcessContext | undefined {
    return typeof o === "object" && o !== null ? this.contextByHost.get(o) : undefined;
  }

  currentProcessSpec(): ProcessSpec {
    const p = this.w.target.processes.find((x) => x.id === this.w.currentProcessId) ?? this.w.target.processes[0];
    if (!p) throw new Error("The target has no process");
    return p;
  }

  currentThreadSpec(): ThreadSpec | undefined {
    const p = this.currentProcessSpec();
    return p.threads.find((t) => t.id === this.w.currentThreadId) ?? p.threads[0];
  }

  nativeContext(c: ProcessContext, table: TypeTable | undefined): NativeContext {
    return { space: c.space, hostContext: c.hostContext, table };
  }

  /** The type table holding a type for this process (ntdll for user types, nt for kernel types). */
  typesFor(c: ProcessContext, typeName: string): TypeTable | undefined {
    const prefer = this.w.target.kind === "kernel" ? ["nt", "ntdll"] : ["ntdll", "nt"];
    for (const name of prefer) {
      const m = c.modules.byName(name);
      const t = m ? c.modules.types(m) : undefined;
      if (t?.resolve(typeName)) return t;
    }
    return undefined;
  }

  private ordinal(n: number): unknown {
    return this.w.variant.ordinalsAsInt64 ? this.w.int64.make(BigInt(n)) : n;
  }

  // ---- root ----

  root(): object {
    if (!this.rootObject) {
      const m = this.w.models;
      const state = m.object(["Debugger.Models.State"], {
        DebuggerVariables: () => m.object(["Debugger.Models.DebuggerVariables"], this.w.debuggerVariables()),
        PseudoRegisters: () => this.pseudoRegisters(),
        UserVariables: () => this.w.userVariables(),
        Scripts: () => this.w.scriptsObject(),
      });
      const utility = m.object(["Debugger.Models.Utility"], this.w.utility(), () => "");
      this.rootObject = m.object(["Debugger.Models.Debugger"], {
        Sessions: () => modelCollection(this.w.collectionEnv, [this.session()]),
        Settings: () => m.object(["Debugger.Models.Settings"], {}),
        State: () => state,
        Utility: () => utility,
        LastEvent: () => undefined,
      }, () => "");
    }
    return this.rootObject;
  }

  session(): object {
    if (!this.sessionObject) {
      const t = this.w.target;
      const m = this.w.models;
      const attributes = m.object(["Debugger.Models.Session.Attributes"], {
        Target: () => m.object(["Debugger.Models.Session.Attributes.Target"], {
          IsKernelTarget: () => t.kind === "kernel",
          IsUserTarget: () => t.kind === "user",
          IsLiveTarget: () => !!t.isLive,
          IsTTDTarget: () => false,
          Details: () => m.object(["Debugger.Models.Session.Attributes.Target.Details"], {
            DumpFileName: () => t.dumpFileName,
          }),
        }),
        Machine: () => m.object(["Debugger.Models.Session.Attributes.Machine"], {
          PointerSize: () => this.ordinal(t.pointerSize),
          PageSize: () => this.ordinal(t.pageSize ?? 0x1000),
        }),
      });
      this.sessionObject = m.object(["Debugger.Models.Session"], {
        Processes: () => modelCollection(this.w.collectionEnv, t.processes.map((p) => this.process(p)), {
          keyOf: (_p, i) => t.processes[i]!.id,
        }),
        Id: () => this.ordinal(0),
        Attributes: () => attributes,
      }, () => (t.dumpFileName ? `Dump ${t.dumpFileName}: ${t.kind === "kernel" ? "Kernel" : "User"} mode` : `${t.kind === "kernel" ? "Kernel" : "User"} mode target`));
    }
    return this.sessionObject;
  }

  // ---- processes ----

  process(p: ProcessSpec): object {
    let o = this.processObjects.get(p);
    if (o) return o;
    const c = this.processContext(p);
    const m = this.w.models;
    const own: Record<string, () => unknown> = {
      Name: () => p.name,
      Id: () => this.ordinal(p.id),
      Threads: () => modelCollection(this.w.collectionEnv, p.threads.map((t) => this.thread(p, t)), {
        keyOf: (_t, i) => p.threads[i]!.id,
      }),
      Modules: () => {
        const list = this.w.target.kind === "kernel" ? [...p.modules, ...(this.w.target.kernelModules ?? [])] : p.modules;
        return modelCollection(this.w.collectionEnv, list.map((x) => this.module(x)), {
          lookup: (_items, index) => {
            if (typeof index !== "string") return undefined;
            const spec = c.modules.byName(index);
            return spec ? this.module(spec) : undefined;
          },
        });
      },
      Environment: () => m.object(["Debugger.Models.Process.Environment"], {
        EnvironmentBlock: () => this.typedAt(c, p.pebAddress, "_PEB"),
      }, () => ""),
      SwitchTo: () => () => { this.w.currentProcessId = p.id; this.w.currentThreadId = p.threads[0]?.id; },
    };
    if (this.w.target.kind === "kernel") {
      own.KernelObject = () => this.typedAt(c, p.kernelObjectAddress, "_EPROCESS");
    }
    if (p.handles) {
      const handles = p.handles;
      own.Io = () => m.object(["Debugger.Models.Process.Io"], {
        Handles: () => modelCollection(this.w.collectionEnv, handles.map((h) => this.handle(c, h)), {
          keyOf: (_h, i) => handles[i]!.handle,
        }),
      }, () => "");
    }
    o = m.object(["Debugger.Models.Process"], own, () => p.name);
    this.processObjects.set(p, o);
    return o;
  }

  private handle(c: ProcessContext, h: HandleSpec): object {
    return this.w.models.object(["Debugger.Models.Handle"], {
      Handle: () => this.ordinal(h.handle),
      Type: () => h.type,
      GrantedAccess: () => this.ordinal(h.grantedAccess ?? 0),
      ObjectName: () => h.objectName,
      Object: () => this.typedAt(c, h.objectHeaderAddress, "_OBJECT_HEADER"),
    }, () => `Handle 0x${h.handle.toString(16)} ${h.type}`);
  }

  /** A typed object of this process's types, or undefined when the address or the type is missing. */
  typedAt(c: ProcessContext, address: bigint | undefined, typeName: string): unknown {
    if (address === undefined) return undefined;
    const table = this.typesFor(c, typeName);
    const type = table?.resolve(typeName);
    if (!table || !type) return undefined;
    this.w.counters.objectCreations++;
    return typedValue(this.w.nativeEnv, this.nativeContext(c, table), type, address);
  }

  // ---- threads ----

  thread(p: ProcessSpec, t: ThreadSpec): object {
    let o = this.threadObjects.get(t);
    if (o) return o;
    const c = this.processContext(p);
    const m = this.w.models;
    const own: Record<string, () => unknown> = {
      Id: () => this.ordinal(t.id),
      Stack: () => m.object(["Debugger.Models.Stack"], {
        Frames: () => modelCollection(this.w.collectionEnv, this.frames(c, t)),
      }, () => ""),
      Registers: () => m.object(["Debugger.Models.Registers"], {
        User: () => this.registers(t.registers),
        ...(t.kernelRegisters ? { Kernel: () => this.registers(t.kernelRegisters!) } : {}),
      }, () => ""),
      Environment: () => m.object(["Debugger.Models.Thread.Environment"], {
        EnvironmentBlock: () => this.typedAt(c, t.tebAddress, "_TEB"),
      }, () => ""),
      SwitchTo: () => () => { this.w.currentProcessId = p.id; this.w.currentThreadId = t.id; },
    };
    if (t.name !== undefined) own.Name = () => t.name;
    if (this.w.target.kind === "kernel") own.KernelObject = () => this.typedAt(c, t.kernelObjectAddress, "_ETHREAD");
    o = m.object(["Debugger.Models.Thread"], own, () => {
      const ip = t.frames?.[0]?.instructionOffset ?? t.registers.rip ?? t.registers.eip ?? t.registers.pc;
      return ip === undefined ? `Thread 0x${t.id.toString(16)}` : `${c.modules.format(ip)} (${ip.toString(16).padStart(this.w.target.pointerSize * 2, "0")})`;
    });
    this.threadObjects.set(t, o);
    return o;
  }

  private registers(values: Readonly<Record<string, bigint>>): object {
    // Registers are Int64 (reference §6.5); on x86 the variant may hand out numbers.
    const asNumbers = this.w.target.pointerSize === 4 && this.w.variant.x86RegistersAsNumbers;
    const own: Record<string, () => unknown> = {};
    for (const [name, v] of Object.entries(values)) {
      own[name] = () => (asNumbers && v <= 0xffffffffn ? Number(v) : this.w.int64.make(v));
    }
    return this.w.models.object(["Debugger.Models.Registers.User"], own, () => "");
  }

  private frames(c: ProcessContext, t: ThreadSpec): object[] {
    const specs: FrameSpec[] = t.frames ? [...t.frames] : [];
    if (specs.length === 0) {
      const ip = t.registers.rip ?? t.registers.eip ?? t.registers.pc;
      const sp = t.registers.rsp ?? t.registers.esp ?? t.registers.sp;
      if (ip !== undefined && sp !== undefined) specs.push({ instructionOffset: ip, stackOffset: sp, frameOffset: t.registers.rbp ?? t.registers.ebp ?? t.registers.fp });
    }
    return specs.map((f, i) => this.frame(c, f, i, specs[i + 1]));
  }

  private frame(c: ProcessContext, f: FrameSpec, index: number, next: FrameSpec | undefined): object {
    const m = this.w.models;
    const i64 = this.w.int64;
    const hit = c.modules.symbolAt(f.instructionOffset);
    const attributes = m.object(["Debugger.Models.StackFrame.Attributes"], {
      InstructionOffset: () => i64.make(f.instructionOffset),
      ReturnOffset: () => i64.make(f.returnOffset ?? next?.instructionOffset ?? 0n),
      FrameOffset: () => i64.make(f.frameOffset ?? 0n),
      StackOffset: () => i64.make(f.stackOffset),
      FrameNumber: () => this.ordinal(index),
      SourceInformation: () => (hit ? m.object(["Debugger.Models.StackFrame.SourceInformation"], {
        FunctionName: () => hit.symbol.name,
        Module: () => this.module(hit.module),
      }) : undefined),
    });
    const text = `${c.modules.format(f.instructionOffset)} (${f.instructionOffset.toString(16).padStart(this.w.target.pointerSize * 2, "0")})`;
    return m.object(["Debugger.Models.StackFrame"], {
      Attributes: () => attributes,
      LocalVariables: () => m.object(["Debugger.Models.LocalVariables"], {}),
      Parameters: () => m.object(["Debugger.Models.Parameters"], {}),
      SwitchTo: () => () => undefined,
    }, () => text);
  }

  // ---- modules ----

  module(spec: ModuleSpec): object {
    let o = this.moduleObjects.get(spec);
    if (o) return o;
    const m = this.w.models;
    const own: Record<string, () => unknown> = {
      Name: () => spec.name,
      BaseAddress: () => this.w.int64.make(spec.base),
      Size: () => this.ordinal(spec.size),
    };
    if (spec.symbols) {
      own.Symbols = () => m.object(["Debugger.Models.Module.Symbols"], { Name: () => moduleFileName(spec.name).replace(/\.[^.]*$/, ".pdb") });
    }
    o = m.object(["Debugger.Models.Module"], own, () => spec.name);
    this.moduleObjects.set(spec, o);
    return o;
  }

  // ---- pseudo-registers ----

  private pseudoRegisters(): object {
    const m = this.w.models;
    const t = this.w.target;
    return m.object(["Debugger.Models.PseudoRegisters"], {
      General: () => m.object(["Debugger.Models.PseudoRegisters.General"], {
        ptrsize: () => this.ordinal(t.pointerSize),
        pagesize: () => this.ordinal(t.pageSize ?? 0x1000),
        teb: () => this.pseudoPointer(this.currentThreadSpec()?.tebAddress, "_TEB"),
        peb: () => this.pseudoPointer(this.currentProcessSpec().pebAddress, "_PEB"),
      }),
      RegisterAliases: () => m.object(["Debugger.Models.PseudoRegisters.RegisterAliases"], {
        ip: () => { const r = this.currentThreadSpec()?.registers; const v = r?.rip ?? r?.eip ?? r?.pc; return v === undefined ? undefined : this.w.int64.make(v); },
        sp: () => { const r = this.currentThreadSpec()?.registers; const v = r?.rsp ?? r?.esp ?? r?.sp; return v === undefined ? undefined : this.w.int64.make(v); },
      }),
    });
  }

  private pseudoPointer(address: bigint | undefined, typeName: string): unknown {
    if (address === undefined) return undefined;
    const c = this.processContext(this.currentProcessSpec());
    const table = this.typesFor(c, typeName);
    const ptr = table?.resolve(typeName + "*");
    if (!table || !ptr || ptr.kind !== "pointer") return this.w.int64.make(address);
    return pointerObject(this.w.nativeEnv, this.nativeContext(c, table), ptr, address);
  }

  /** Raw read for host.memory with the provider's failure behaviour. */
  read(c: ProcessContext, address: bigint, length: number): Uint8Array {
    return readBytesOrThrow(c.space, address, length);
  }
}

/**
 * The emulated WinDbg JavaScript provider: load `dist/ewmda.js` into an emulated debugger over a
 * target description and use it as a user would (`dx`, `!commands`) or as a script would (`host`).
 */
export { EmulatedDebugger, ScriptState, type EmulatorOptions, type SkippedRecord } from "./debugger";
export { DEFAULT_VARIANT, ALTERNATE_VARIANT, HostCounters, type ProviderVariant } from "./options";
export { SparseMemory, readUnsigned, writeUnsigned, type AddressSpace, type MemoryRange } from "./memory";
export { ScriptError } from "./loader";
export { IndexedValue, ValueWithMetadata } from "./host";
export { children as dxChildren, keysOf as dxKeys, displayString as dxDisplayString, type DxRenderOptions } from "./dx";
export { TypeTable } from "./types";
export { ModuleSet } from "./symbols";
export * from "./target-spec";
export type { LayoutSet, TypeLayout, FieldLayout } from "./layouts/layout-set";

/**
 * Behaviours of the WinDbg JavaScript provider that the reference marks UNCONFIRMED
 * (`../shared/reference/dbgmodel-api.md` §12). The emulator can play each one either way, so the
 * test suite can run the bundle under every plausible provider and show that our code does not
 * depend on the guess. The defaults are the stricter (less forgiving) reading.
 */
export interface ProviderVariant {
  /** §4.6: does `Int64.toString(16)` print a `0x` prefix? Evidence conflicts. Default: bare digits. */
  readonly int64HexPrefix: boolean;
  /** §4.6: radix of `Int64.toString()` with no argument. Default 10. */
  readonly int64DefaultRadix: 10 | 16;
  /** §4.6: do JS numbers carry the Int64 math methods (`(5).add(1)`)? Default: no, so code relying on them fails. */
  readonly numberInt64Methods: boolean;
  /** §5.1: are model ordinals (Process.Id, Thread.Id, Module.Size, PointerSize, Count()) numbers or Int64? */
  readonly ordinalsAsInt64: boolean;
  /** §6.5: on x86 targets, are 32-bit registers numbers or Int64? */
  readonly x86RegistersAsNumbers: boolean;
  /** §4.4: readMemoryValues for 1/2/4-byte elements: a typed array, or a plain array of numbers. */
  readonly readMemoryPlainArrays: boolean;
  /** §2.1: phase-2 members during root code / initializeScript: absent (undefined) or present but throwing. */
  readonly phaseOneMembers: "absent" | "throw";
  /** §7: is a function alias whose name contains a dot accepted? If not, registering it fails. */
  readonly dottedAliases: boolean;
  /** §7: when a user variable and a function alias share a name, which does `@$name(...)` reach first? */
  readonly aliasVersusVariable: "alias-first" | "variable-first";
  /** §4.2: getModuleContainingSymbolInformation on an address with no symbol: throw, or return null. */
  readonly noSymbolInformation: "throw" | "null";
}

export const DEFAULT_VARIANT: ProviderVariant = {
  int64HexPrefix: false,
  int64DefaultRadix: 10,
  numberInt64Methods: false,
  ordinalsAsInt64: false,
  x86RegistersAsNumbers: false,
  readMemoryPlainArrays: false,
  phaseOneMembers: "absent",
  dottedAliases: true,
  aliasVersusVariable: "alias-first",
  noSymbolInformation: "throw",
};

/** The other reading of every unconfirmed behaviour at once: a provider as unlike the default as the reference allows. */
export const ALTERNATE_VARIANT: ProviderVariant = {
  int64HexPrefix: true,
  int64DefaultRadix: 16,
  numberInt64Methods: true,
  ordinalsAsInt64: true,
  x86RegistersAsNumbers: true,
  readMemoryPlainArrays: true,
  phaseOneMembers: "throw",
  dottedAliases: false,
  aliasVersusVariable: "variable-first",
  noSymbolInformation: "null",
};

/**
 * Boundary crossings between the script and the provider, so benchmarks can say what an analysis costs.
 * Every call of a host function and every read of a model or native-object property counts once.
 */
export class HostCounters {
  memoryReads = 0;
  symbolLookups = 0;
  typeLookups = 0;
  propertyReads = 0;
  objectCreations = 0;
  commands = 0;
  other = 0;

  get total(): number {
    return this.memoryReads + this.symbolLookups + this.typeLookups + this.propertyReads +
      this.objectCreations + this.commands + this.other;
  }

  reset(): void {
    this.memoryReads = this.symbolLookups = this.typeLookups = this.propertyReads = 0;
    this.objectCreations = this.commands = this.other = 0;
  }

  snapshot(): Record<string, number> {
    return {
      memoryReads: this.memoryReads, symbolLookups: this.symbolLookups, typeLookups: this.typeLookups,
      propertyReads: this.propertyReads, objectCreations: this.objectCreations, commands: this.commands,
      other: this.other, total: this.total,
    };
  }
}

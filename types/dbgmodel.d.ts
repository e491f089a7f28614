// ewmda's own declaration of the WinDbg JavaScript provider (`host`) and the Debugger Data Model.
//
// Written from /work/shared/reference/dbgmodel-api.md; "§n" comments point at that document's sections.
// It is a global script declaration (no import/export): the bundle runs as one classic script.
// Nothing here was checked against a live WinDbg. Members marked UNCONFIRMED follow the reference's open questions (§12).
//
// Conventions:
// - Ordinal values coming from the data model are typed `Numeric` (number | Int64): the reference says
//   whether a given property arrives as a JS number or an Int64 is undocumented (§5.1). Normalize in code.
// - Values whose native type is only known at run time (typed objects, symbol values) are `any` or `NativeObject`.
// - `Number.prototype` is NOT augmented with the Int64 math methods, although the provider adds some of them (§4.6).

declare namespace DbgModel {
    // ---------------------------------------------------------------------------------------------
    // Shared aliases (§0)

    /** A JS number or a provider 64-bit value. */
    type Numeric = number | Int64;
    /** Anything the provider accepts as a target address. */
    type Location = Numeric | LocationObject | NativePointer;

    /**
     * A native object (module, process, typed object, `hostContext`) whose address space / target is used to
     * resolve a lookup. Without it the debugger's current context is used (§4.2).
     */
    type ContextInheritor = object;

    /** Opaque handle for the address space / target an object lives in (`NativeObject.hostContext`). */
    interface HostContext { readonly __hostContext?: never; }

    // ---------------------------------------------------------------------------------------------
    // §2 Script lifecycle

    /** What a script's global `initializeScript` may return. */
    type InitializeScriptResult = RegistrationRecord[] | undefined | void;

    // ---------------------------------------------------------------------------------------------
    // §3 Registration records (phase 1, constructed with `new`)

    /**
     * Marker for objects created by the `host.*` record constructors and returned from `initializeScript`.
     * The optional brands make these "weak" types: an implementation (e.g. the emulator) must declare its brand,
     * e.g. `declare readonly __recordKind?: "FunctionAlias"`. Record fields are not part of the documented API.
     */
    interface RegistrationRecord { readonly __registrationRecord?: never; }

    interface ApiVersionSupportRecord extends RegistrationRecord { readonly __recordKind?: "ApiVersionSupport"; }
    interface NamedModelParentRecord extends RegistrationRecord { readonly __recordKind?: "NamedModelParent"; }
    interface NamedModelRegistrationRecord extends RegistrationRecord { readonly __recordKind?: "NamedModelRegistration"; }
    interface TypeSignatureRegistrationRecord extends RegistrationRecord { readonly __recordKind?: "TypeSignatureRegistration"; }
    interface TypeSignatureExtensionRecord extends RegistrationRecord { readonly __recordKind?: "TypeSignatureExtension"; }
    interface FunctionAliasRecord extends RegistrationRecord { readonly __recordKind?: "FunctionAlias"; }
    interface NamespacePropertyParentRecord extends RegistrationRecord { readonly __recordKind?: "NamespacePropertyParent"; }
    interface OptionalRecordRecord extends RegistrationRecord { readonly __recordKind?: "OptionalRecord"; }

    /**
     * Declares the provider API version the script targets (e.g. 1, 9). Versions ≥ 1.1 make missing symbols/types
     * return null and add `.address`/`getObjectValue`; ≥ 1.2 adds compareTo/equals support. What 1.3–1.9 change is UNCONFIRMED.
     */
    interface ApiVersionSupportConstructor { new (major: number, minor: number): ApiVersionSupportRecord; }

    /** Makes `object` (a class or prototype) a parent model of the named model `modelName` (e.g. "Debugger.Models.Process"). */
    interface NamedModelParentConstructor { new (object: object, modelName: string): NamedModelParentRecord; }

    /** Publishes `object` as a data model under `modelName` so other scripts can find or extend it. */
    interface NamedModelRegistrationConstructor { new (object: object, modelName: string): NamedModelRegistrationRecord; }

    /**
     * Canonical visualizer for a native type (replaces the default view). `typeSignature` uses NatVis syntax for C/C++;
     * module name and "1.2.3.4"-style versions restrict where it applies.
     */
    interface TypeSignatureRegistrationConstructor {
        new (object: object, typeSignature: string, moduleName?: string, minVersion?: string, maxVersion?: string): TypeSignatureRegistrationRecord;
    }

    /** Adds members to a native type's view (same arguments as typeSignatureRegistration). */
    interface TypeSignatureExtensionConstructor {
        new (object: object, typeSignature: string, moduleName?: string, minVersion?: string, maxVersion?: string): TypeSignatureExtensionRecord;
    }

    /**
     * Exposes `fn` as `!aliasName <expression>` and `@$aliasName(args)` in dx. Arguments are parsed as expressions.
     * Alias names containing a dot are UNCONFIRMED/risky (§7).
     */
    interface FunctionAliasConstructor { new (fn: Function, aliasName: string): FunctionAliasRecord; }

    /**
     * Adds property `accessName` to model `parentModelName`; its value is the sub-namespace model `subNamespaceModelName`,
     * which gets `object` as a parent model. Example: (Ns, "Debugger.Models.Utility", "Debugger.Models.Utility.Ewmda", "Ewmda").
     */
    interface NamespacePropertyParentConstructor {
        new (object: object, parentModelName: string, subNamespaceModelName: string, accessName: string): NamespacePropertyParentRecord;
    }

    /** Wraps a record so that failing to apply it does not fail the whole script load (INFERRED from the Python port). */
    interface OptionalRecordConstructor { new (record: RegistrationRecord): OptionalRecordRecord; }

    // ---------------------------------------------------------------------------------------------
    // §4.5 Metadata and type system helpers

    /** Display metadata for one property / value (keys as used by dx and the data model). */
    interface PropertyMetadata {
        /** Help text shown by `dx -v` / `dx -h`. */ Help?: string;
        /** Show a method in normal (non-verbose) dx output. */ PreferShow?: boolean;
        /** Radix for ordinals, e.g. 10 or 16. */ PreferredRadix?: number;
        /** Default recursion depth when displaying the value. */ PreferredExpansionDepth?: number;
        /** Prefer the grid (table) view. */ PreferTabularFormat?: boolean;
        /** Graph view form in the UI (e.g. 2). */ PreferredGraphForm?: number;
        /** Display format; dbgmodel.h defines it as the PreferredFormat enum. How JS should express it is UNCONFIRMED. */
        PreferredFormat?: unknown;
        [key: string]: unknown;
    }

    /** Property name → metadata; returned from `[Symbol.metadataDescriptor]` or passed to `defineMetadata`. */
    type MetadataDescriptor = { [name: string]: PropertyMetadata };

    /** An object that documents its own properties through the provider's well-known symbol. */
    interface MetadataDescribable {
        readonly [Symbol.metadataDescriptor]?: MetadataDescriptor;
    }

    /** A value paired with metadata (created by `host.metadata.valueWithMetadata`). */
    interface ValueWithMetadata { readonly __valueWithMetadata?: never; }

    /** Attaches metadata to a single returned / yielded value. */
    interface ValueWithMetadataConstructor { new (value: unknown, metadata: PropertyMetadata): ValueWithMetadata; }

    interface Metadata {
        /** Attach per-property metadata to an object (e.g. top-level `this` to document bridged globals). */
        defineMetadata(target: object, descriptor: MetadataDescriptor): void;
        readonly valueWithMetadata: ValueWithMetadataConstructor;
    }

    /** One dimension of a multi-dimensional indexable object. */
    interface ArrayDimension { readonly lowerBound: Numeric; readonly length: Numeric; readonly stride: Numeric; }
    interface ArrayDimensionConstructor { new (lowerBound: Numeric, length: Numeric, stride: Numeric): ArrayDimension; }

    interface TypeSystem {
        /** Give an outgoing value a native type (e.g. an enum) so dx displays it as such. Since 1.0.14.0. */
        marshalAs(value: unknown, moduleName: string, typeName: string): unknown;
        readonly arrayDimension: ArrayDimensionConstructor;
        /** Numeric constants for pointer kinds (contrast `TypeObject.pointerKind`, which is a string). */
        readonly pointerKind: { readonly standard: number; readonly reference: number; readonly rValueReference: number; readonly cxHat: number };
    }

    // ---------------------------------------------------------------------------------------------
    // §4.6 Int64

    /**
     * The provider's 64-bit integer. Equal values are the same interned object, so `==` compares values.
     * Signedness tracking is UNCONFIRMED; address comparisons behave unsigned.
     */
    interface Int64 {
        /**
         * Implicit conversion (used by `+`, `<`, `==` with numbers). Throws "64 bit value loses precision on conversion
         * to number" when the value does not fit (documented: 2^53-2 converts, 2^53-1 throws; negative bound UNCONFIRMED).
         */
        valueOf(): number;
        /** Same as valueOf: throws on precision loss. */ asNumber(): number;
        /** Converts to a JS number, silently losing precision if needed. */ convertToNumber(): number;
        /** Low 32 bits. */ getLowPart(): number;
        /** High 32 bits. */ getHighPart(): number;
        add(value: Numeric): Int64;
        subtract(value: Numeric): Int64;
        multiply(value: Numeric): Int64;
        divide(value: Numeric): Int64;
        /** Since 1.1712.15003.0. */ modulo(value: Numeric): Int64;
        bitwiseAnd(value: Numeric): Int64;
        bitwiseOr(value: Numeric): Int64;
        bitwiseXor(value: Numeric): Int64;
        bitwiseNot(): Int64;
        bitwiseShiftLeft(count: number): Int64;
        bitwiseShiftRight(count: number): Int64;
        /** Negative, zero or positive (observed -1 / 0 / 1). */ compareTo(value: Numeric): number;
        /**
         * Digits in `radix`. Whether radix 16 output carries a "0x" prefix is UNCONFIRMED (evidence conflicts; expect bare
         * digits and tolerate a prefix). The default radix is UNCONFIRMED: always pass one.
         */
        toString(radix?: number): string;
    }

    /** `host.Int64`: usable with or without `new`. */
    interface Int64Constructor {
        /** `value` must fit in 64 bits without conversion. */ new (value: Numeric): Int64;
        /** Build from low and high 32-bit halves. */ new (low: number, high: number): Int64;
        (value: Numeric): Int64;
        (low: number, high: number): Int64;
        readonly prototype: Int64;
        /** Seen via Object.keys(host.Int64); shape and meaning UNCONFIRMED. */ readonly Min?: unknown;
        /** Seen via Object.keys(host.Int64); shape and meaning UNCONFIRMED. */ readonly Max?: unknown;
    }

    // ---------------------------------------------------------------------------------------------
    // §4.3 Diagnostics

    interface Diagnostics {
        /**
         * Stringifies and concatenates the arguments with no separator; add "\n" yourself. Meant for printf-style
         * debugging; Microsoft warns it may stop reaching the console. How an Int64 argument is printed is UNCONFIRMED.
         */
        debugLog(...args: unknown[]): void;
        /** Only known from the SDK typings; behaviour UNCONFIRMED. */ logUnhandledExceptions?: boolean;
    }

    // ---------------------------------------------------------------------------------------------
    // §4.7 indexedValue

    /** A yielded element carrying explicit index(es); the index count must match getDimensionality(). */
    interface IndexedValue { readonly __indexedValue?: never; }
    /** Indices may be numbers or strings. */
    interface IndexedValueConstructor { new (value: unknown, indices: unknown[]): IndexedValue; }

    // ---------------------------------------------------------------------------------------------
    // §2.1, §4.1 The host object, phase 1

    /**
     * What `host` holds while root code and `initializeScript` run. The target must not be touched in this phase;
     * phase-2 members are expected to be absent (whether they are absent or throw is UNCONFIRMED).
     */
    interface PhaseOneHost {
        readonly diagnostics: Diagnostics;
        readonly metadata: Metadata;
        readonly Int64: Int64Constructor;
        /** Like parseInt for 64-bit values; radix 2/8/10/16, "0x…" accepted with radix 16. */
        parseInt64(text: string, radix?: number): Int64;

        readonly apiVersionSupport: ApiVersionSupportConstructor;
        readonly namedModelParent: NamedModelParentConstructor;
        readonly namedModelRegistration: NamedModelRegistrationConstructor;
        readonly typeSignatureRegistration: TypeSignatureRegistrationConstructor;
        readonly typeSignatureExtension: TypeSignatureExtensionConstructor;
        readonly functionAlias: FunctionAliasConstructor;
        readonly namespacePropertyParent: NamespacePropertyParentConstructor;
        readonly optionalRecord: OptionalRecordConstructor;

        /** Present at runtime; shape UNCONFIRMED. */ readonly currentApiVersionSupported?: unknown;
        /** Present at runtime; shape UNCONFIRMED. */ readonly currentApiVersionInitialized?: unknown;
        /** Record kind "ResourceFile"; semantics UNCONFIRMED. */ readonly resourceFileName?: unknown;
        /** Record kind "AllowOutsidePropertyWrites"; semantics UNCONFIRMED. */ readonly allowOutsidePropertyWrites?: unknown;
    }

    // ---------------------------------------------------------------------------------------------
    // §4.4 host.memory (phase 2)

    type ElementSize = 1 | 2 | 4 | 8;

    interface Memory {
        /**
         * Reads `numElements` values (default 1-byte unsigned). Sizes 1/2/4 give a fast view of JS numbers (exact class,
         * typed array or plain array, UNCONFIRMED). Throws on unreadable memory (message UNCONFIRMED).
         */
        readMemoryValues(location: Location, numElements: number, elementSize?: 1 | 2 | 4, isSigned?: boolean, contextInheritor?: ContextInheritor): ArrayLike<number>;
        /** 8-byte elements come back as an array of Int64 (noticeably slower). */
        readMemoryValues(location: Location, numElements: number, elementSize: 8, isSigned?: boolean, contextInheritor?: ContextInheritor): Int64[];
        readMemoryValues(location: Location, numElements: number, elementSize?: ElementSize, isSigned?: boolean, contextInheritor?: ContextInheritor): ArrayLike<number> | Int64[];
        /** Writes values; throws if one does not fit `elementSize`. A single value is allowed when numElements is 1. */
        writeMemoryValues(location: Location, numElements: number, elements: Numeric | ArrayLike<Numeric>, elementSize?: ElementSize, isSigned?: boolean, contextInheritor?: ContextInheritor): void;
        /**
         * Reads a narrow (current code page) string up to NUL, or `length` chars. A typed `char*` object is accepted but
         * its type is validated; pass `.address` for other types. May throw.
         */
        readString(location: Location, contextInheritor?: ContextInheritor): string;
        readString(location: Location, length?: number, contextInheritor?: ContextInheritor): string;
        /** Like readString for UTF-16 strings. */
        readWideString(location: Location, contextInheritor?: ContextInheritor): string;
        readWideString(location: Location, length?: number, contextInheritor?: ContextInheritor): string;
        /** Kernel targets: a location in physical memory usable with the read/write functions. */
        physicalAddress(value: Numeric, highValue?: number): LocationObject;
        collectGarbage(): void;
    }

    // ---------------------------------------------------------------------------------------------
    // §4.2 The host object, phase 2

    interface ModelNamespaceRoot { readonly Debugger: DebuggerRoot; }

    /** `host` after `initializeScript` has returned. */
    interface Host extends PhaseOneHost {
        /** Same as dx `@$cursession`. */ readonly currentSession: Session;
        /** Same as dx `@$curprocess`. */ readonly currentProcess: Process;
        /** Same as dx `@$curthread`. */ readonly currentThread: Thread;
        /** Root of the data model: `host.namespace.Debugger`. */ readonly namespace: ModelNamespaceRoot;

        /** Evaluates a target-language (C++) expression, not dx/LINQ. Returns a native object or value. */
        evaluateExpression(expression: string, contextInheritor?: ContextInheritor): any;
        /** Like evaluateExpression with `context` as the implicit `this`. */
        evaluateExpressionInContext(context: object, expression: string): any;

        /**
         * Object for a global symbol. Missing symbol: null with API ≥ 1.1 (throws on 1.0). Pass `typeName` when only public
         * symbols may be available. Module names work with or without extension; a Module object is accepted too.
         */
        getModuleSymbol(moduleName: string | Module, symbolName: string, contextInheritor?: ContextInheritor): any;
        getModuleSymbol(moduleName: string | Module, symbolName: string, typeName?: string, contextInheritor?: ContextInheritor): any;
        /** Address of a global symbol. Behaviour for a missing symbol is UNCONFIRMED (probably throws). */
        getModuleSymbolAddress(moduleName: string, symbolName: string, contextInheritor?: ContextInheritor): Int64;
        getModuleSymbolAddress(moduleName: string, symbolName: string, typeName?: string, contextInheritor?: ContextInheritor): Int64;
        /** Writes a global symbol's value. Since 1.0.14.0. */
        setModuleSymbol(moduleName: string, symbolName: string, value: unknown, typeName?: string, contextInheritor?: ContextInheritor): void;
        /** The symbol containing `location`; needs private symbols and may throw. */
        getModuleContainingSymbol(location: Location, contextInheritor?: ContextInheritor): any;
        /** Name/address/type/value of the symbol containing `location`. */
        getModuleContainingSymbolInformation(location: Location, contextInheritor?: ContextInheritor): SymbolInformation;
        /** Type object, or null when missing (API ≥ 1.1). */
        getModuleType(moduleName: string | Module, typeName: string, contextInheritor?: ContextInheritor): TypeObject | null;

        /** A pointer object of type `typeName*` pointing at `address`. */
        createPointerObject(address: Location, moduleName: string | Module, typeName: string, contextInheritor?: ContextInheritor): NativePointer;
        createPointerObject(address: Location, typeObject: TypeObject, contextInheritor?: ContextInheritor): NativePointer;
        /** A typed object of type `typeName` living at `location`. */
        createTypedObject(location: Location, moduleName: string | Module, typeName: string, contextInheritor?: ContextInheritor): NativeObject;
        createTypedObject(location: Location, typeObject: TypeObject, contextInheritor?: ContextInheritor): NativeObject;

        /** Listed as phase 2 by the docs. */ readonly indexedValue: IndexedValueConstructor;

        /** The named model; a stub is created if nobody registered it yet. */ getNamedModel(modelName: string): object;
        /** Imperative registration: undo it in `uninitializeScript`. */
        registerNamedModel(object: object, modelName: string): void;
        unregisterNamedModel(modelName: string): void;
        registerPrototypeForTypeSignature(object: object, typeSignature: string, moduleName?: string, minVersion?: string, maxVersion?: string): void;
        registerExtensionForTypeSignature(object: object, typeSignature: string, moduleName?: string, minVersion?: string, maxVersion?: string): void;
        unregisterPrototypeForTypeSignature(object: object, typeSignature: string, moduleName?: string, minVersion?: string, maxVersion?: string): void;
        unregisterExtensionForTypeSignature(object: object, typeSignature: string, moduleName?: string, minVersion?: string, maxVersion?: string): void;

        readonly memory: Memory;
        readonly typeSystem: TypeSystem;

        /** Present at runtime, undocumented: UNCONFIRMED. */ readonly createInstance?: unknown;
        /** Present at runtime, undocumented: UNCONFIRMED. */ readonly resourceLookup?: unknown;
    }

    /** Result of getModuleContainingSymbolInformation. Its string form is a display string; an offset member is UNCONFIRMED. */
    interface SymbolInformation {
        readonly name: string;
        readonly address: Int64;
        readonly type: TypeObject | null;
        readonly value: unknown;
        toString(): string;
    }

    // ---------------------------------------------------------------------------------------------
    // §5.2 Native objects

    /** Where an object lives (virtual address, register, …). Equality beyond `==` in one sample is UNCONFIRMED. */
    interface LocationObject {
        add(bytes: Numeric): LocationObject;
        subtract(bytes: Numeric): LocationObject;
        toString(): string;
    }

    /**
     * A native (typed) object. Property access resolves: provider members below, then data-model keys, then native
     * fields, then (for pointers) the same on the pointee. Missing fields read as undefined; unreadable memory throws.
     */
    interface NativeObject {
        /** Address space / target; usable as a context and as a key: `Sessions.getValueAt(o.hostContext)`. */
        readonly hostContext: HostContext;
        readonly targetLocation: LocationObject;
        /** sizeof the object's type. */ readonly targetSize: Numeric;
        readonly targetType: TypeObject;
        /** The most-derived object (RTTI / v-table analysis). */ readonly runtimeTypedObject: NativeObject;
        /** API ≥ 1.1. Where the object lives; for pointers, the pointer value. Throws if there is no address. */
        readonly address: Int64;
        addParentModel(model: object): void;
        removeParentModel(model: object): void;
        /** API ≥ 1.1: reach a key shadowed by a provider name (e.g. a field called `address`). */
        getObjectValue(name: string): any;
        setObjectValue(name: string, value: unknown): void;
        /** API ≥ 1.2. */ compareTo?(other: unknown): number;
        /** API ≥ 1.2. */ equals?(other: unknown): boolean;
        /** The display string dx shows. */ toString(): string;
        getDimensionality?(): number;
        getValueAt?(...indices: unknown[]): any;
        setValueAt?(value: unknown, ...indices: unknown[]): void;
        /** Present only when the model considers the object iterable. */ [Symbol.iterator]?(): Iterator<any>;
        /** Fields and model keys are dynamic. */ [field: string]: any;
    }

    interface NativePointer extends NativeObject {
        /** Pointer arithmetic in units of the pointee size. */ add(n: Numeric): NativePointer;
        dereference(): NativeObject;
        readonly isNull: boolean;
    }

    // ---------------------------------------------------------------------------------------------
    // §5.4 Model collections (LINQ as seen from JS)

    type Predicate<T> = (item: T) => boolean;
    /** Returns negative / zero / positive. */
    type Comparator<T> = (a: T, b: T) => number;

    /**
     * A data-model collection. Iterable; `[key]` indexes by natural key (Processes[pid], Threads[tid], Handles[value]),
     * not by position; `getValueAt` handles names and several dimensions. Some collections are one-shot (consumed while
     * iterating). Plain JS arrays do not have these methods. Signatures beyond the evidenced calls (Where, Select, First,
     * Last, Any, Count, Flatten, Take) follow C# LINQ and are UNCONFIRMED in detail.
     */
    interface ModelCollection<T> extends Iterable<T> {
        Aggregate(fn: (accumulator: T, item: T) => T): T;
        Aggregate<A>(seed: A, fn: (accumulator: A, item: T) => A): A;
        All(predicate: Predicate<T>): boolean;
        /** Error-tolerant All. Exact semantics UNCONFIRMED. */ AllNonError(predicate: Predicate<T>): boolean;
        Any(predicate?: Predicate<T>): boolean;
        Average(selector?: (item: T) => Numeric): Numeric;
        Concat(other: Iterable<T>): ModelCollection<T>;
        Contains(value: T, comparator?: Comparator<T>): boolean;
        /** Observed to return an Int64 by one project; UNCONFIRMED. */ Count(): Numeric;
        Distinct(comparator?: Comparator<T>): ModelCollection<T>;
        Except(other: Iterable<T>, comparator?: Comparator<T>): ModelCollection<T>;
        /** Behaviour on an empty collection UNCONFIRMED (expect an error). */ First(predicate?: Predicate<T>): T;
        /** Error-tolerant First. Exact semantics UNCONFIRMED. */ FirstNonError(predicate?: Predicate<T>): T;
        /** Recursively flattens a tree: `children` returns each node's child collection. */
        Flatten(children?: (item: T) => Iterable<T> | undefined): ModelCollection<T>;
        GroupBy<K>(key: (item: T) => K, comparator?: Comparator<K>): ModelCollection<ModelCollection<T>>;
        Intersect(other: Iterable<T>, comparator?: Comparator<T>): ModelCollection<T>;
        Join<U, K, R>(inner: Iterable<U>, outerKey: (item: T) => K, innerKey: (item: U) => K, result: (outer: T, inner: U) => R, comparator?: Comparator<K>): ModelCollection<R>;
        Last(predicate?: Predicate<T>): T;
        /** Error-tolerant Last. Exact semantics UNCONFIRMED. */ LastNonError(predicate?: Predicate<T>): T;
        Max(): T;
        Max<K>(selector: (item: T) => K): K;
        Min(): T;
        Min<K>(selector: (item: T) => K): K;
        OrderBy<K>(key: (item: T) => K, comparator?: Comparator<K>): ModelCollection<T>;
        OrderByDescending<K>(key: (item: T) => K, comparator?: Comparator<K>): ModelCollection<T>;
        Reverse(): ModelCollection<T>;
        /** Keeps the source keys (a projected Processes list is still keyed by PID). */
        Select<U>(projection: (item: T) => U): ModelCollection<U>;
        SequenceEqual(other: Iterable<T>, comparator?: Comparator<T>): boolean;
        Single(predicate?: Predicate<T>): T;
        Skip(count: Numeric): ModelCollection<T>;
        SkipWhile(predicate: Predicate<T>): ModelCollection<T>;
        Sum(selector?: (item: T) => Numeric): Numeric;
        Take(count: Numeric): ModelCollection<T>;
        TakeWhile(predicate: Predicate<T>): ModelCollection<T>;
        Union(other: Iterable<T>, comparator?: Comparator<T>): ModelCollection<T>;
        Where(predicate: Predicate<T>): ModelCollection<T>;

        /** Index by name, natural key, hostContext, or several dimensions: `Modules.getValueAt("ntdll.dll")`. */
        getValueAt(...indices: unknown[]): T;
        getDimensionality?(): number;
        /** Natural-key indexing. */ readonly [key: number]: T | undefined;
    }

    // ---------------------------------------------------------------------------------------------
    // §5.5 Protocols a script object may implement for dx

    /** Makes a returned JS object indexable in dx (`obj[k]`). */
    interface ScriptIndexable {
        getDimensionality(): number;
        getValueAt(...indices: any[]): unknown;
        setValueAt?(value: unknown, ...indices: any[]): void;
    }

    /** API ≥ 1.2: custom ordering / equality used by dx operators and LINQ. */
    interface ScriptComparable {
        compareTo?(other: unknown): number;
        equals?(other: unknown): boolean;
    }

    /** Only for classes registered on native types: overrides runtime-type conversion. */
    interface ScriptRuntimeTyped {
        getPreferredRuntimeTypedObject(): unknown;
    }

    // ---------------------------------------------------------------------------------------------
    // §5.6 Type objects (phase 2)

    type TypeKind = "udt" | "pointer" | "memberPointer" | "array" | "function" | "typedef" | "enum" | "intrinsic";
    type FieldLocationKind = "member" | "static" | "constant" | "none";
    type PointerKind = "standard" | "reference" | "rValueReference" | "cxHat";
    type CallingConvention = "unknown" | "__cdecl" | "fastcall" | "stdcall" | "thiscall";

    /** A native type. Kind-specific members are meaningful only for that kind; what they hold otherwise is UNCONFIRMED. */
    interface TypeObject {
        readonly name: string;
        /** Size in bytes (documented as a 64-bit value). */ readonly size: Numeric;
        readonly typeKind: TypeKind;
        /** Pointee / element / underlying type (not a C++ base class). */ readonly baseType: TypeObject;
        readonly fields: { readonly [name: string]: FieldObject };
        readonly baseClasses: readonly BaseClassObject[];
        /** typeKind "function". */ readonly functionReturnType: TypeObject;
        /** typeKind "function". */ readonly functionParameterTypes: readonly TypeObject[];
        /** typeKind "function". */ readonly functionCallingConvention: CallingConvention;
        /** typeKind "pointer". */ readonly pointerKind: PointerKind;
        /** typeKind "memberPointer". */ readonly memberType: TypeObject;
        readonly isGeneric: boolean;
        readonly genericArguments: readonly unknown[];
        readonly isBitField: boolean;
        readonly bitFieldPositions: { readonly lsb: number; readonly length: number };
        /** Since 1.0.14.0. */ readonly containingModule: Module;
    }

    interface FieldObject {
        readonly name: string;
        readonly type: TypeObject;
        readonly locationKind: FieldLocationKind;
        /** For locationKind "member". */ readonly offset: Numeric;
        /** For locationKind "static". */ readonly location: LocationObject;
        /** For locationKind "constant". */ readonly value: unknown;
    }

    interface BaseClassObject {
        readonly name: string;
        readonly offset: Numeric;
        readonly type: TypeObject;
    }

    // ---------------------------------------------------------------------------------------------
    // §6 Data model hierarchy. Property lists are "known to exist", not exhaustive.

    /** A model object with dynamic keys (settings trees, variables, TTD objects, …). */
    interface ModelObject {
        [key: string]: any;
    }

    // §6.1
    interface DebuggerRoot {
        /** Indexable by ordinal (Sessions[0]) and by hostContext via getValueAt. */ readonly Sessions: ModelCollection<Session>;
        readonly Settings: ModelObject;
        readonly State: DebuggerState;
        readonly Utility: DebuggerUtility;
        readonly LastEvent: ModelObject;
    }

    // §6.2
    interface DebuggerState {
        /** `@$cursession`, `@$curprocess`, `@$curthread`, `@$curstack`, `@$curframe`, `@$scripts`, `@$scriptContents`, `@$vars`. */
        readonly DebuggerVariables: ModelObject;
        /** Categorized pseudo-registers, e.g. `General.ptrsize`, `General.teb`, `RegisterAliases.ip`. */
        readonly PseudoRegisters: ModelObject;
        /** User `@$name` variables; `Remove("name")` deletes one. */ readonly UserVariables: ModelObject;
        /** Loaded scripts by file name without extension; each has `Contents` (its bridged globals). */
        readonly Scripts: { readonly [scriptName: string]: { readonly Contents: ModelObject } | undefined };
        /** 1.2502+. */ readonly StepFilters?: ModelCollection<ModelObject>;
    }

    // §6.3
    interface SessionAttributes {
        readonly Target: {
            readonly IsKernelTarget: boolean;
            readonly IsUserTarget: boolean;
            readonly IsLiveTarget: boolean;
            readonly IsTTDTarget: boolean;
            readonly Details: { readonly DumpFileName?: string };
        };
        readonly Machine: {
            readonly PointerSize: Numeric;
            readonly PageSize: Numeric;
        };
    }

    /** Kernel PnP device node (Session.Devices.DeviceTree). */
    interface DeviceNode {
        readonly InstancePath: string;
        readonly ServiceName: string;
        /** Enum-like value; representation UNCONFIRMED. */ readonly State: unknown;
        readonly Children: ModelCollection<DeviceNode>;
        readonly DeviceNodeObject: NativeObject;
        readonly PhysicalDeviceObject: NativeObject;
        readonly Resources: unknown;
    }

    interface Session {
        /** Keyed by PID. */ readonly Processes: ModelCollection<Process>;
        readonly Id: Numeric;
        readonly Attributes: SessionAttributes;
        /** Kernel targets only. */ readonly Devices?: { readonly DeviceTree: ModelCollection<DeviceNode> };
        /** TTD traces only. */ readonly TTD?: ModelObject;
        /** E.g. "Live user mode: <Local>". */ toString(): string;
    }

    // §6.4
    interface Handle {
        readonly Handle: Numeric;
        /** E.g. "File", "ALPC Port". */ readonly Type: string;
        readonly GrantedAccess: Numeric;
        readonly ObjectName?: string;
        /** The _OBJECT_HEADER, with model keys ObjectType (string), UnderlyingObject and Body. */ readonly Object: NativeObject;
    }

    /** A debugger breakpoint. Field names from a community enumeration; types INFERRED. */
    interface Breakpoint {
        readonly Id: Numeric;
        readonly IsEnabled: boolean;
        readonly Address: Numeric;
        readonly OffsetExpression: string;
        /** Debugger command run when hit (writable). */ Command: string;
        [key: string]: any;
    }

    interface EnvironmentView {
        /** _PEB / _TEB typed object; undefined without symbols, may be unreadable. */ readonly EnvironmentBlock?: NativeObject;
    }

    interface Process {
        /** Image name ("System" in kernel sessions; whether user dumps give a full path is UNCONFIRMED). */
        readonly Name: string;
        readonly Id: Numeric;
        readonly Handle?: Numeric;
        /** Keyed by TID. */ readonly Threads: ModelCollection<Thread>;
        /** Ordinal-indexed; `getValueAt("ntdll.dll")` by name. */ readonly Modules: ModelCollection<Module>;
        readonly Environment: EnvironmentView;
        /** WOW64: the 64-bit view (1.2104+). */ readonly NativeEnvironment?: EnvironmentView;
        /** Kernel sessions: _EPROCESS (Linux: task_struct). */ readonly KernelObject?: NativeObject;
        /** Documented as kernel only; handles keyed by handle value. */
        readonly Io?: { readonly Handles: ModelCollection<Handle> };
        readonly Devices?: ModelObject;
        /** Sub-namespace "Debugger.Models.Process.Memory". */ readonly Memory?: ModelObject;
        readonly Debug?: { readonly Breakpoints: ModelCollection<Breakpoint> };
        readonly TTD?: ModelObject;
        SwitchTo(): void;
        toString(): string;
    }

    // §6.5
    /** Registers by name (`User["rax"]`); 64-bit registers are Int64. Names/values on x86 targets UNCONFIRMED. */
    type Registers = { readonly [name: string]: Numeric | undefined };

    interface Thread {
        readonly Id: Numeric;
        /** Only known from the SDK typings; UNCONFIRMED. */ readonly Index?: Numeric;
        /** SetThreadDescription name, live user mode (1.0.2007+). */ readonly Name?: string;
        readonly Stack: { readonly Frames: ModelCollection<StackFrame> };
        /** WOW64: the 64-bit view. */ readonly NativeStack?: { readonly Frames: ModelCollection<StackFrame> };
        readonly Registers: {
            readonly User: Registers;
            /** Kernel targets only. */ readonly Kernel?: Registers;
            readonly SIMD?: ModelObject;
            readonly FloatingPoint?: ModelObject;
        };
        readonly Environment: EnvironmentView;
        readonly NativeEnvironment?: EnvironmentView;
        /** Kernel sessions: _ETHREAD. */ readonly KernelObject?: NativeObject;
        readonly TTD?: ModelObject;
        SwitchTo(): void;
        toString(): string;
    }

    // §6.6
    interface StackFrameAttributes {
        readonly InstructionOffset: Int64;
        readonly ReturnOffset: Int64;
        readonly FrameOffset: Int64;
        readonly StackOffset: Int64;
        readonly FrameNumber: Numeric;
        /** SourceFile / SourceLine members UNCONFIRMED. */
        readonly SourceInformation?: {
            readonly FunctionName?: string;
            readonly Module?: Module;
            /** 1.2508+. */ readonly AlternateFunctions?: unknown;
        };
        // FuncTableEntry / Virtual: UNCONFIRMED, not declared.
    }

    interface StackFrame {
        readonly Attributes: StackFrameAttributes;
        /** One property per local. */ readonly LocalVariables: ModelObject;
        /** One property per parameter. */ readonly Parameters: ModelObject;
        SwitchTo(): void;
        /** E.g. "nt!KiSwapContext+0x76 (fffff806`4466a186)". */ toString(): string;
    }

    // §6.7
    interface Module {
        /** In user mode the full path; strip to the base name yourself. */ readonly Name: string;
        readonly BaseAddress: Int64;
        readonly Size: Numeric;
        readonly Symbols?: { readonly Name: string };
        /** 1.2407+. */ DisableSymbolDownload?(): void;
        /** 1.2407+. */ EnableSymbolDownload?(): void;
        /**
         * Only exists when Microsoft's ImageInfo.js is loaded (it may be auto-loaded from the extension gallery).
         * Never rely on it; parse PE headers yourself or guard.
         */
        readonly Contents?: unknown;
        toString(): string;
    }

    // §6.8 Debugger.Utility
    interface UtilityControl {
        /**
         * Runs a debugger command to completion and returns its output lines. `captureOutput` false is used by Microsoft
         * docs and shows the output on the console; exact meaning UNCONFIRMED, as is `[i]` indexing of the result.
         */
        ExecuteCommand(command: string, captureOutput?: boolean): ModelCollection<string>;
        SetBreakpointAtSourceLocation(sourceFile: string, sourceLine: number, moduleName?: string): Breakpoint;
        SetBreakpointAtOffset(functionName: string, functionOffset: Numeric, moduleName?: string): Breakpoint;
        SetBreakpointForReadWrite(address: Numeric, type?: string, size?: number): Breakpoint;
        ChangeRegisterContext(inheritUnspecifiedValues: boolean, pc: Numeric, sp: Numeric, fp?: Numeric, registerContext?: object): unknown;
        WalkStackForRegisterContext(inheritUnspecifiedValues: boolean, pc: Numeric, sp: Numeric, fp?: Numeric, registerContext?: object): unknown;
        /** 1.2502+. */ CreateStepFilter?(type: string, pattern: string): unknown;
    }

    interface UtilityCollections {
        /**
         * Walks a LIST_ENTRY list. `listHead` is the LIST_ENTRY object (not a pointer), `typeName` like "nt!_ETHREAD",
         * `fieldPath` like "Tail.Overlay.ListEntry".
         */
        FromListEntry(listHead: NativeObject, typeName: string, fieldPath: string): ModelCollection<NativeObject>;
        CreateArray<T>(...values: T[]): ModelCollection<T>;
    }

    type DisassemblerArchitecture = "ARM" | "ARM64" | "X64" | "X86";

    interface Disassembler {
        /** Instructions from `address` on (lazy; combine with Take). Instruction shape not in the reference. */
        DisassembleInstructions(address: Location): ModelCollection<ModelObject>;
    }

    interface UtilityCode {
        CreateDisassembler(architecture?: DisassemblerArchitecture): Disassembler;
        TraceDataFlow(address?: Numeric): unknown;
    }

    // §6.9 Debugger.Utility.FileSystem ("under active development and will change")
    type FileDisposition = "OpenExisting" | "CreateNew" | "CreateAlways";
    type TextEncoding = "Ascii" | "Utf8" | "Utf16";

    interface FileSystemNs {
        /** Opens for writing. */ CreateFile(path: string, disposition?: FileDisposition): File;
        CreateTempFile(): File;
        /** Default encoding "Ascii". */ CreateTextReader(fileOrPath: File | string, encoding?: TextEncoding): TextReader;
        /** Default encoding "Ascii". */ CreateTextWriter(fileOrPath: File | string, encoding?: TextEncoding): TextWriter;
        DeleteFile(path: string): void;
        FileExists(path: string): boolean;
        /** Opens for reading. */ OpenFile(path: string): File;
        readonly CurrentDirectory: Directory;
        readonly TempDirectory: Directory;
    }

    /** Close files explicitly rather than waiting for garbage collection. */
    interface File {
        Close(): void;
        Delete(): void;
        Open(disposition: FileDisposition): void;
        /** Returned collection shape UNCONFIRMED. */ ReadBytes(byteCount: Numeric): ModelCollection<number>;
        WriteBytes(bytes: Iterable<number> | ArrayLike<number>, byteCount?: Numeric): void;
        readonly Extension: string;
        readonly Name: string;
        readonly Path: string;
        /** Observed as Int64. */ Position: Numeric;
        /** Observed as Int64. */ readonly Size: Numeric;
    }

    interface TextReader {
        ReadLine(): string;
        /** One-shot: iterating consumes the lines. */ ReadLineContents(): ModelCollection<string>;
    }

    interface TextWriter {
        Write(value: unknown): void;
        WriteLine(value: unknown): void;
        WriteContents(values: Iterable<unknown>): void;
        WriteLineContents(values: Iterable<unknown>): void;
    }

    interface Directory {
        CreateFile(relativePath: string, disposition?: FileDisposition): File;
        CreateSubDirectory(name: string): Directory;
        Delete(): void;
        OpenFile(relativePath: string): File;
        readonly Files: ModelCollection<File>;
        readonly SubDirectories: ModelCollection<Directory>;
    }

    interface DebuggerUtility {
        readonly Control: UtilityControl;
        readonly Collections: UtilityCollections;
        readonly FileSystem: FileSystemNs;
        /** Added by an extension (API extension / CodeFlow). */ readonly Code?: UtilityCode;
        /** 1.2502+. */ readonly Symbols?: { GetTypeInformation(object: unknown, derefPointers?: boolean): unknown };
        readonly Objects?: ModelObject;
        readonly Events?: ModelObject;
        readonly DbgDocumentation?: ModelObject;
        /** Added by SynTypes.js. */ readonly Analysis?: ModelObject;
    }
}

/**
 * The provider's root object. Typed with all phase-2 members; during root code and `initializeScript`
 * only the `DbgModel.PhaseOneHost` members exist (§2.1).
 */
declare var host: DbgModel.Host;

/** Provider-defined well-known symbol for property metadata (§4.5). */
interface SymbolConstructor {
    readonly metadataDescriptor: unique symbol;
}

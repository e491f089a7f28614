/**
 * What an exception code and its parameters mean: NTSTATUS names (ntstatus.h / winnt.h), the codes
 * compilers and runtimes raise (C++ 0xE06D7363, CLR 0xE0434352), fail-fast subcodes (winnt.h
 * FAST_FAIL_*), EXCEPTION_RECORD flags, and access-violation parameters (read / write / execute and the
 * address, with NULL-ish addresses flagged). Plain numbers and hex strings in, text out: no host calls,
 * so the command-output parser and the typed reader share one decoder.
 */

export interface ExceptionCodeInfo {
  /** `STATUS_ACCESS_VIOLATION` (the header's name). */
  readonly name: string;
  /** `Access violation` (what it means, in the words WinDbg uses where it has some). */
  readonly text: string;
  /** Set for codes that are not faults (thread naming, debug output, WER hang reports): why. */
  readonly benign?: string;
}

const CODES: { readonly [code: number]: ExceptionCodeInfo } = {
  0x40010006: { name: "DBG_PRINTEXCEPTION_C", text: "OutputDebugStringA", benign: "debug output raised by OutputDebugString, handled by the system" },
  0x4001000a: { name: "DBG_PRINTEXCEPTION_WIDE_C", text: "OutputDebugStringW", benign: "debug output raised by OutputDebugString, handled by the system" },
  0x406d1388: { name: "MS_VC_EXCEPTION", text: "Thread naming (SetThreadName convention)", benign: "the Visual C++ thread-naming convention; the raiser catches it" },
  0x4000001f: { name: "STATUS_WX86_BREAKPOINT", text: "WOW64 breakpoint" },
  0x80000001: { name: "STATUS_GUARD_PAGE_VIOLATION", text: "Guard page violation" },
  0x80000002: { name: "STATUS_DATATYPE_MISALIGNMENT", text: "Data misaligned" },
  0x80000003: { name: "STATUS_BREAKPOINT", text: "Break instruction exception" },
  0x80000004: { name: "STATUS_SINGLE_STEP", text: "Single step exception" },
  0x80000029: { name: "STATUS_UNWIND_CONSOLIDATE", text: "Unwind consolidation (C++ catch)" },
  0xc0000005: { name: "STATUS_ACCESS_VIOLATION", text: "Access violation" },
  0xc0000006: { name: "STATUS_IN_PAGE_ERROR", text: "In-page I/O error" },
  0xc0000008: { name: "STATUS_INVALID_HANDLE", text: "Invalid handle" },
  0xc000000d: { name: "STATUS_INVALID_PARAMETER", text: "Invalid parameter" },
  0xc0000017: { name: "STATUS_NO_MEMORY", text: "Out of memory (heap or virtual memory)" },
  0xc000001d: { name: "STATUS_ILLEGAL_INSTRUCTION", text: "Illegal instruction" },
  0xc0000025: { name: "STATUS_NONCONTINUABLE_EXCEPTION", text: "Noncontinuable exception" },
  0xc0000026: { name: "STATUS_INVALID_DISPOSITION", text: "Invalid exception disposition" },
  0xc0000028: { name: "STATUS_BAD_STACK", text: "Bad stack (unwind found an invalid stack)" },
  0xc0000029: { name: "STATUS_INVALID_UNWIND_TARGET", text: "Invalid unwind target" },
  0xc000008c: { name: "STATUS_ARRAY_BOUNDS_EXCEEDED", text: "Array bounds exceeded" },
  0xc000008d: { name: "STATUS_FLOAT_DENORMAL_OPERAND", text: "Floating-point denormal operand" },
  0xc000008e: { name: "STATUS_FLOAT_DIVIDE_BY_ZERO", text: "Floating-point divide-by-zero" },
  0xc000008f: { name: "STATUS_FLOAT_INEXACT_RESULT", text: "Floating-point inexact result" },
  0xc0000090: { name: "STATUS_FLOAT_INVALID_OPERATION", text: "Floating-point invalid operation" },
  0xc0000091: { name: "STATUS_FLOAT_OVERFLOW", text: "Floating-point overflow" },
  0xc0000092: { name: "STATUS_FLOAT_STACK_CHECK", text: "Floating-point stack check" },
  0xc0000093: { name: "STATUS_FLOAT_UNDERFLOW", text: "Floating-point underflow" },
  0xc0000094: { name: "STATUS_INTEGER_DIVIDE_BY_ZERO", text: "Integer divide-by-zero" },
  0xc0000095: { name: "STATUS_INTEGER_OVERFLOW", text: "Integer overflow" },
  0xc0000096: { name: "STATUS_PRIVILEGED_INSTRUCTION", text: "Privileged instruction" },
  0xc00000fd: { name: "STATUS_STACK_OVERFLOW", text: "Stack overflow" },
  0xc0000135: { name: "STATUS_DLL_NOT_FOUND", text: "DLL not found" },
  0xc000013a: { name: "STATUS_CONTROL_C_EXIT", text: "Ctrl+C exit" },
  0xc0000142: { name: "STATUS_DLL_INIT_FAILED", text: "DLL initialization failed" },
  0xc0000194: { name: "STATUS_POSSIBLE_DEADLOCK", text: "Possible deadlock (critical section timeout)" },
  0xc000027b: { name: "STATUS_STOWED_EXCEPTION", text: "Stowed exception (WinRT errors reported together)" },
  0xc0000374: { name: "STATUS_HEAP_CORRUPTION", text: "A heap has been corrupted" },
  0xc0000409: { name: "STATUS_STACK_BUFFER_OVERRUN", text: "Security check failure or stack buffer overrun" },
  0xc0000417: { name: "STATUS_INVALID_CRUNTIME_PARAMETER", text: "Invalid C runtime parameter" },
  0xc0000420: { name: "STATUS_ASSERTION_FAILURE", text: "Assertion failure" },
  0xc0000602: { name: "STATUS_FAIL_FAST_EXCEPTION", text: "Fail fast exception (RaiseFailFastException)" },
  0xcfffffff: { name: "WER_HANG_REPORT", text: "Pseudo-exception of a WER hang report", benign: "Windows Error Reporting wrote it for a hang dump; the thread did not fault" },
  0xe0434352: { name: "CLR_EXCEPTION", text: "CLR exception (.NET 4+)" },
  0xe0434f4d: { name: "CLR_EXCEPTION_V2", text: "CLR exception (.NET 2.0-3.5)" },
  0xe06d7363: { name: "CPP_EH_EXCEPTION", text: "C++ EH exception (throw)" },
};

/** The known facts about a code, or undefined for a code not in the table. */
export function exceptionCodeInfo(code: number): ExceptionCodeInfo | undefined {
  return CODES[code >>> 0];
}

/** `STATUS_ACCESS_VIOLATION (Access violation)`, or what the code's severity and customer bits say. */
export function exceptionCodeText(code: number): string {
  const c = code >>> 0;
  const info = CODES[c];
  if (info) return info.name + " (" + info.text + ")";
  const severity = ["success", "informational", "warning", "error"][c >>> 30];
  const customer = (c & 0x20000000) !== 0;
  return (customer ? "application-defined " : "") + severity + " code 0x" + c.toString(16) + (customer ? " (raised with RaiseException)" : " (!error 0x" + c.toString(16) + ")");
}

/** winnt.h FAST_FAIL_* codes (the subcode of 0xC0000409 / __fastfail). */
const FAST_FAIL: readonly string[] = [
  "LEGACY_GS_VIOLATION", "VTGUARD_CHECK_FAILURE", "STACK_COOKIE_CHECK_FAILURE", "CORRUPT_LIST_ENTRY", "INCORRECT_STACK",
  "INVALID_ARG", "GS_COOKIE_INIT", "FATAL_APP_EXIT", "RANGE_CHECK_FAILURE", "UNSAFE_REGISTRY_ACCESS",
  "GUARD_ICALL_CHECK_FAILURE", "GUARD_WRITE_CHECK_FAILURE", "INVALID_FIBER_SWITCH", "INVALID_SET_OF_CONTEXT", "INVALID_REFERENCE_COUNT",
  "", "", "", "INVALID_JUMP_BUFFER", "MRDATA_MODIFIED",
  "CERTIFICATION_FAILURE", "INVALID_EXCEPTION_CHAIN", "CRYPTO_LIBRARY", "INVALID_CALL_IN_DLL_CALLOUT", "INVALID_IMAGE_BASE",
  "DLOAD_PROTECTION_FAILURE", "UNSAFE_EXTENSION_CALL", "DEPRECATED_SERVICE_INVOKED", "INVALID_BUFFER_ACCESS", "INVALID_BALANCED_TREE",
  "INVALID_NEXT_THREAD", "GUARD_ICALL_CHECK_SUPPRESSED", "APCS_DISABLED", "INVALID_IDLE_STATE", "MRDATA_PROTECTION_FAILURE",
  "UNEXPECTED_HEAP_EXCEPTION", "INVALID_LOCK_STATE", "GUARD_JUMPTABLE", "INVALID_LONGJUMP_TARGET", "INVALID_DISPATCH_CONTEXT",
  "INVALID_THREAD", "INVALID_SYSCALL_NUMBER", "INVALID_FILE_OPERATION", "LPAC_ACCESS_DENIED", "GUARD_SS_FAILURE",
  "LOADER_CONTINUITY_FAILURE", "GUARD_EXPORT_SUPPRESSION_FAILURE", "INVALID_CONTROL_STACK", "SET_CONTEXT_DENIED", "INVALID_IAT",
  "HEAP_METADATA_CORRUPTION", "PAYLOAD_RESTRICTION_VIOLATION", "LOW_LABEL_ACCESS_DENIED", "ENCLAVE_CALL_FAILURE", "UNHANDLED_LSS_EXCEPTON",
  "ADMINLESS_ACCESS_DENIED", "UNEXPECTED_CALL", "CONTROL_INVALID_RETURN_ADDRESS", "UNEXPECTED_HOST_BEHAVIOR", "FLAGS_CORRUPTION",
  "VEH_CORRUPTION", "ETW_CORRUPTION", "RIO_ABORT", "INVALID_PFN", "GUARD_ICALL_CHECK_FAILURE_XFG",
  "CAST_GUARD", "HOST_VISIBILITY_CHANGE", "KERNEL_CET_SHADOW_STACK_ASSIST", "PATCH_CALLBACK_FAILED", "NTDLL_PATCH_FAILED",
  "INVALID_FLS_DATA",
];

/** `FAST_FAIL_FATAL_APP_EXIT`, or `FAST_FAIL_<unknown 0x..>`. */
export function fastFailName(subcode: number): string {
  const name = subcode >= 0 && subcode < FAST_FAIL.length ? FAST_FAIL[subcode] : undefined;
  if (name) return "FAST_FAIL_" + name;
  return subcode >>> 0 === 0xffffffff ? "FAST_FAIL_INVALID_FAST_FAIL_CODE" : "FAST_FAIL_<unknown 0x" + (subcode >>> 0).toString(16) + ">";
}

const FLAG_NAMES: readonly [number, string][] = [
  [0x1, "NONCONTINUABLE"], [0x2, "UNWINDING"], [0x4, "EXIT_UNWIND"], [0x8, "STACK_INVALID"],
  [0x10, "NESTED_CALL"], [0x20, "TARGET_UNWIND"], [0x40, "COLLIDED_UNWIND"], [0x80, "SOFTWARE_ORIGINATE"],
];

/** EXCEPTION_RECORD.ExceptionFlags as names (`NONCONTINUABLE|SOFTWARE_ORIGINATE`), `0` when none is set. */
export function exceptionFlagsText(flags: number): string {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of FLAG_NAMES) {
    if (rest & bit) { names.push(name); rest &= ~bit; }
  }
  if (rest) names.push("0x" + (rest >>> 0).toString(16));
  return names.length ? names.join("|") : "0";
}

/** An ExceptionInformation value as 32-bit halves, from a hex string (`0x1a`, `00000000001a`, with or without a backtick). */
export function hexHalves(text: string): [number, number] | undefined {
  let t = text.trim().replace(/`/g, "");
  if (/^0x/i.test(t)) t = t.slice(2);
  if (!/^[0-9a-f]{1,16}$/i.test(t)) return undefined;
  const lo = parseInt(t.slice(-8), 16);
  const hi = t.length > 8 ? parseInt(t.slice(0, -8), 16) : 0;
  return [hi >>> 0, lo >>> 0];
}

function hexOf(hi: number, lo: number): string {
  const low = lo.toString(16);
  return "0x" + (hi ? hi.toString(16) + "00000000".slice(low.length) + low : low);
}

/** Addresses below this are never mapped in user mode (MM_LOWEST_USER_ADDRESS, the 64 KiB NULL region). */
const NULL_REGION = 0x10000;

/** What an address says about a fault: NULL plus an offset, a small negative offset, -1, non-canonical (x64). */
export function addressNote(hi: number, lo: number, pointerSize: number): string | undefined {
  if (hi === 0 && lo < NULL_REGION) return lo === 0 ? "NULL pointer" : "NULL-ish: NULL + 0x" + lo.toString(16) + ", a field of a NULL object";
  const top = pointerSize === 8 ? hi === 0xffffffff : hi === 0;
  if (top && lo === 0xffffffff) return "-1: on x64 usually a non-canonical address (general protection fault: disassemble the faulting instruction)";
  if (top && lo >= 0xffff0000) return "NULL-ish: a small negative offset from NULL (-0x" + (0x100000000 - lo).toString(16) + ")";
  if (pointerSize === 8 && hi >= 0x8000 && hi <= 0xffff7fff) return "non-canonical address (not a valid x64 pointer: corrupted or uninitialized)";
  return undefined;
}

export interface ParameterMeaning {
  /** One line: `write to 0x0 (NULL pointer)`, `FAST_FAIL_FATAL_APP_EXIT (subcode 7)`. */
  readonly detail: string;
  /** Access violation / in-page error: the kind of access. */
  readonly access?: "read" | "write" | "execute" | "unknown";
  /** Access violation / in-page error: the address that could not be accessed (hex). */
  readonly faultAddress?: string;
  /** The fault address is in the NULL region (or just below 0). */
  readonly nullish?: boolean;
}

/** What the ExceptionInformation values of a code mean (hex strings, as `.exr` prints them or read from the record). */
export function describeParameters(code: number, parameters: readonly string[], pointerSize: number): ParameterMeaning | undefined {
  const c = code >>> 0;
  const p = parameters.map(hexHalves);
  if ((c === 0xc0000005 || c === 0xc0000006) && p.length >= 2 && p[0] && p[1]) {
    const kind = p[0][1];
    const access = p[0][0] === 0 && kind === 0 ? "read" : p[0][0] === 0 && kind === 1 ? "write" : p[0][0] === 0 && kind === 8 ? "execute" : "unknown";
    const [hi, lo] = p[1];
    const addr = hexOf(hi, lo);
    const note = addressNote(hi, lo, pointerSize);
    const what = access === "execute" ? "execute at " + addr + " (DEP: the address is not executable)" : access === "unknown" ? "access (kind " + hexOf(p[0][0], kind) + ") to " + addr : access + " from/to " + addr;
    const verb = access === "read" ? "read from " + addr : access === "write" ? "write to " + addr : what;
    let detail = verb + (note ? " (" + note + ")" : "");
    if (c === 0xc0000006 && p[2]) detail += "; I/O status 0x" + p[2][1].toString(16);
    return { detail, access, faultAddress: addr, nullish: note !== undefined && note.indexOf("NULL") >= 0 };
  }
  if (c === 0xc0000409 && p.length >= 1 && p[0]) {
    return { detail: fastFailName(p[0][1]) + " (subcode " + p[0][1] + ")" };
  }
  if (c === 0xe06d7363 && p.length >= 3 && p[0] && p[1] && p[2]) {
    const magic = p[0][1];
    const known = magic === 0x19930520 || magic === 0x19930521 || magic === 0x19930522 || magic === 0x01994000;
    return {
      detail: "C++ throw: object " + hexOf(p[1][0], p[1][1]) + ", ThrowInfo " + hexOf(p[2][0], p[2][1]) +
        (p[3] ? ", module " + hexOf(p[3][0], p[3][1]) : "") + (known ? "" : " (unexpected magic 0x" + magic.toString(16) + ": not an MSVC throw?)"),
    };
  }
  if ((c === 0xe0434352 || c === 0xe0434f4d) && p.length >= 1 && p[0]) {
    return { detail: "managed exception; Parameter[0] 0x" + p[0][1].toString(16) + " is its HRESULT on .NET 4+ (SOS !pe shows the object)" };
  }
  if (c === 0xc00000fd) return { detail: "the thread's stack is exhausted: look for recursion in the frames (kc)" };
  if (c === 0xc0000374) return { detail: "the heap manager found a corrupted block (!heap -s; page heap: gflags /p /enable)" };
  if (c === 0xc000000d) return { detail: "an API or the C runtime's invalid-parameter handler rejected an argument" };
  if (c === 0x80000003) return { detail: "int 3 / DebugBreak (a debugger break-in through ntdll!DbgUiRemoteBreakin is not a fault)" };
  return undefined;
}

/** An MSVC type descriptor name as C++: `.?AVruntime_error@std@@` → `class std::runtime_error`; names with templates stay mangled. */
export function demangleTypeName(mangled: string): string {
  const m = /^\.\?A([VUT])(.*)@@$/.exec(mangled);
  if (!m || m[2]!.indexOf("?") >= 0) return mangled;
  const kind = m[1] === "V" ? "class " : m[1] === "U" ? "struct " : "union ";
  return kind + m[2]!.split("@").reverse().join("::");
}

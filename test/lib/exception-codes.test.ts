/**
 * The exception-code table and parameter decoder: names from ntstatus.h / winnt.h, fail-fast subcodes,
 * record flags, access-violation parameters with NULL-ish addresses flagged, C++ type names.
 */
import { describe, expect, it } from "vitest";
import {
  addressNote, demangleTypeName, describeParameters, exceptionCodeInfo, exceptionCodeText, exceptionFlagsText, fastFailName, hexHalves,
} from "../../src/lib/exception-codes";

describe("exception codes", () => {
  it.each([
    [0xc0000005, "STATUS_ACCESS_VIOLATION (Access violation)"],
    [0xc00000fd, "STATUS_STACK_OVERFLOW (Stack overflow)"],
    [0xc0000374, "STATUS_HEAP_CORRUPTION (A heap has been corrupted)"],
    [0xc000000d, "STATUS_INVALID_PARAMETER (Invalid parameter)"],
    [0x80000003, "STATUS_BREAKPOINT (Break instruction exception)"],
    [0xe06d7363, "CPP_EH_EXCEPTION (C++ EH exception (throw))"],
    [0xe0434352, "CLR_EXCEPTION (CLR exception (.NET 4+))"],
  ])("names 0x%s", (code, text) => {
    expect(exceptionCodeText(code)).toBe(text);
  });

  it("accepts codes read as signed LONGs", () => {
    expect(exceptionCodeText(-1073741819)).toBe("STATUS_ACCESS_VIOLATION (Access violation)");
  });

  it("describes unknown codes by their severity and customer bits", () => {
    expect(exceptionCodeText(0xe0001234)).toBe("application-defined error code 0xe0001234 (raised with RaiseException)");
    expect(exceptionCodeText(0xc0001234)).toBe("error code 0xc0001234 (!error 0xc0001234)");
    expect(exceptionCodeText(0x40001234)).toBe("informational code 0x40001234 (!error 0x40001234)");
  });

  it("marks only the codes that are not faults as benign", () => {
    for (const c of [0x406d1388, 0x40010006, 0x4001000a, 0xcfffffff]) expect(exceptionCodeInfo(c)?.benign).toBeTruthy();
    for (const c of [0xc0000005, 0x80000003, 0xe06d7363, 0xc0000409]) expect(exceptionCodeInfo(c)?.benign).toBeUndefined();
    expect(exceptionCodeInfo(0x12345678)).toBeUndefined();
  });

  it("names fail-fast subcodes as winnt.h numbers them", () => {
    expect(fastFailName(0)).toBe("FAST_FAIL_LEGACY_GS_VIOLATION");
    expect(fastFailName(2)).toBe("FAST_FAIL_STACK_COOKIE_CHECK_FAILURE");
    expect(fastFailName(7)).toBe("FAST_FAIL_FATAL_APP_EXIT");
    expect(fastFailName(18)).toBe("FAST_FAIL_INVALID_JUMP_BUFFER");
    expect(fastFailName(50)).toBe("FAST_FAIL_HEAP_METADATA_CORRUPTION");
    expect(fastFailName(70)).toBe("FAST_FAIL_INVALID_FLS_DATA");
    expect(fastFailName(15)).toBe("FAST_FAIL_<unknown 0xf>"); // 15-17 are not assigned
    expect(fastFailName(0x1000)).toBe("FAST_FAIL_<unknown 0x1000>");
    expect(fastFailName(0xffffffff)).toBe("FAST_FAIL_INVALID_FAST_FAIL_CODE");
  });

  it("names record flags", () => {
    expect(exceptionFlagsText(0)).toBe("0");
    expect(exceptionFlagsText(0x81)).toBe("NONCONTINUABLE|SOFTWARE_ORIGINATE");
    expect(exceptionFlagsText(0x112)).toBe("UNWINDING|NESTED_CALL|0x100");
  });
});

describe("parameters", () => {
  it("splits hex text into halves without losing the high part", () => {
    expect(hexHalves("0000000000000018")).toEqual([0, 0x18]);
    expect(hexHalves("00007ff6`10001234")).toEqual([0x7ff6, 0x10001234]);
    expect(hexHalves("0xffffffffffffffff")).toEqual([0xffffffff, 0xffffffff]);
    expect(hexHalves("nothex")).toBeUndefined();
    expect(hexHalves("12345678901234567")).toBeUndefined();
  });

  it("says read, write or execute, and where", () => {
    expect(describeParameters(0xc0000005, ["0", "00007ff610002000"], 8)).toEqual({ detail: "read from 0x7ff610002000", access: "read", faultAddress: "0x7ff610002000", nullish: false });
    expect(describeParameters(0xc0000005, ["1", "0"], 8)).toEqual({ detail: "write to 0x0 (NULL pointer)", access: "write", faultAddress: "0x0", nullish: true });
    expect(describeParameters(0xc0000005, ["8", "1d000002000"], 8)?.detail).toBe("execute at 0x1d000002000 (DEP: the address is not executable)");
    expect(describeParameters(0xc0000005, ["3", "10"], 8)).toMatchObject({ access: "unknown" });
  });

  it("flags NULL-ish, -1 and non-canonical addresses", () => {
    expect(describeParameters(0xc0000005, ["0", "18"], 8)?.detail).toBe("read from 0x18 (NULL-ish: NULL + 0x18, a field of a NULL object)");
    expect(describeParameters(0xc0000005, ["0", "ffffffffffffffff"], 8)?.detail).toContain("-1: on x64 usually a non-canonical address");
    expect(describeParameters(0xc0000005, ["0", "fffffffffffffff0"], 8)?.nullish).toBe(true);
    expect(addressNote(0xffffffff, 0xfffffff0, 8)).toBe("NULL-ish: a small negative offset from NULL (-0x10)");
    expect(addressNote(0x00008000, 0, 8)).toContain("non-canonical");
    expect(addressNote(0, 0xfffffff8, 4)).toBe("NULL-ish: a small negative offset from NULL (-0x8)");
    expect(addressNote(0, 0x10000, 8)).toBeUndefined();
    expect(addressNote(0x7ff6, 0x10, 8)).toBeUndefined();
  });

  it("adds the I/O status of an in-page error", () => {
    expect(describeParameters(0xc0000006, ["0", "7ff610002000", "c000009c"], 8)?.detail).toBe("read from 0x7ff610002000; I/O status 0xc000009c");
  });

  it("decodes fail-fast, C++ and CLR parameters", () => {
    expect(describeParameters(0xc0000409, ["00000002"], 4)?.detail).toBe("FAST_FAIL_STACK_COOKIE_CHECK_FAILURE (subcode 2)");
    expect(describeParameters(0xe06d7363, ["19930520", "6ff46c", "372294"], 4)?.detail).toBe("C++ throw: object 0x6ff46c, ThrowInfo 0x372294");
    expect(describeParameters(0xe06d7363, ["19930520", "c6a2cff4a0", "7ff7b3b94750", "7ff7b3b80000"], 8)?.detail)
      .toBe("C++ throw: object 0xc6a2cff4a0, ThrowInfo 0x7ff7b3b94750, module 0x7ff7b3b80000");
    expect(describeParameters(0xe06d7363, ["12345678", "1", "2"], 4)?.detail).toContain("unexpected magic 0x12345678");
    expect(describeParameters(0xe0434352, ["80131509", "0", "0", "0", "7ffa00000000"], 8)?.detail).toContain("0x80131509 is its HRESULT");
  });

  it("explains codes without parameters, and knows nothing of others", () => {
    expect(describeParameters(0xc00000fd, [], 8)?.detail).toContain("recursion");
    expect(describeParameters(0xc0000374, [], 8)?.detail).toContain("!heap");
    expect(describeParameters(0xc000000d, [], 8)?.detail).toContain("argument");
    expect(describeParameters(0x80000003, [], 8)?.detail).toContain("DbgUiRemoteBreakin");
    expect(describeParameters(0xc0000005, ["0"], 8)).toBeUndefined(); // too few parameters
    expect(describeParameters(0x12345678, ["1"], 8)).toBeUndefined();
  });
});

describe("demangleTypeName", () => {
  it("turns MSVC type descriptor names into C++", () => {
    expect(demangleTypeName(".?AVruntime_error@std@@")).toBe("class std::runtime_error");
    expect(demangleTypeName(".?AUmy_error@app@@")).toBe("struct app::my_error");
    expect(demangleTypeName(".?AVInner@Outer@ns@@")).toBe("class ns::Outer::Inner");
  });

  it("leaves templates and anything else mangled", () => {
    expect(demangleTypeName(".?AV?$basic_string@DU?$char_traits@D@std@@@std@@")).toBe(".?AV?$basic_string@DU?$char_traits@D@std@@@std@@");
    expect(demangleTypeName("garbage")).toBe("garbage");
  });
});

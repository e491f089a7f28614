/** Namespace paths of C++ symbols as WinDbg prints them. */
import { describe, expect, it } from "vitest";
import { namespacePath, splitQualified, stripTemplates } from "../../src/lib/cpp-names";

describe("namespacePath", () => {
  it("drops the module, the displacement and the function", () => {
    expect(namespacePath("xul!mozilla::net::Http2Session::ReadSegments+0x1f")).toEqual(["mozilla", "net", "Http2Session"]);
    expect(namespacePath("ntdll!RtlUserThreadStart+0x21")).toEqual([]);
    expect(namespacePath("app+0x1234")).toEqual([]);
  });

  it("takes template arguments out, also when they contain ::", () => {
    expect(namespacePath("app!std::_Func_impl_no_alloc<std::_Binder<std::_Unforced,void (__cdecl*)(int),int>,void>::_Do_call+0x12"))
      .toEqual(["std", "_Func_impl_no_alloc"]);
    expect(namespacePath("msvcp140!std::basic_string<char,std::char_traits<char>,std::allocator<char> >::append+0x5")).toEqual(["std", "basic_string"]);
  });

  it("drops lambdas and anonymous namespaces", () => {
    expect(namespacePath("app!Concurrency::details::`anonymous namespace'::_TaskProcThunk::_Bridge+0x8")).toEqual(["Concurrency", "details", "_TaskProcThunk"]);
    expect(namespacePath("app!Foo::Bar::<lambda_1a2b3c4d5e>::operator()+0x3")).toEqual(["Foo", "Bar"]);
  });

  it("keeps operators whole", () => {
    expect(splitQualified("std::ostream::operator<<")).toEqual(["std", "ostream", "operator<<"]);
    expect(namespacePath("app!Foo::operator->+0x2")).toEqual(["Foo"]);
    expect(namespacePath("app!operator new+0x10")).toEqual([]);
  });

  it("strips templates from one component", () => {
    expect(stripTemplates("ComPtr<IUnknown>")).toBe("ComPtr");
    expect(stripTemplates("Plain")).toBe("Plain");
  });
});

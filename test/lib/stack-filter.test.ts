/**
 * The option and frame-pattern reading shared by StackTraceCollection, UniqueStacks and StackTraces,
 * on the strings users type (`!ewmda.stacks "threads=0x1a4, 0x2b0 maxframes=5"`) and on nonsense.
 */
import { describe, expect, it } from "vitest";
import type { ModuleInfo } from "../../src/lib/module-index";
import {
  frameMatches, functionName, parseCount, parseFramePattern, parseThreadIds, readOptions, stackOptions, STACK_OPTION_NAMES, type FramePattern,
} from "../../src/lib/stack-filter";
import type { FrameInfo } from "../../src/lib/stacks";

function mod(name: string): ModuleInfo {
  const dot = name.lastIndexOf(".");
  return { name, path: "C:\\Windows\\System32\\" + name, symbolName: name.slice(0, dot), base: undefined as never, size: 0x1000, baseHi: 0, baseLo: 0, endHi: 0, endLo: 0 };
}

function frame(symbol: string, module: ModuleInfo | undefined, hasSymbol: boolean): FrameInfo {
  const plus = symbol.lastIndexOf("+0x");
  return { index: 0, ip: undefined as never, sp: undefined, module, symbol, func: hasSymbol && plus > 0 ? symbol.slice(0, plus) : symbol, hasSymbol };
}

function pattern(text: string): FramePattern {
  const p = parseFramePattern(text);
  if (typeof p === "string") throw new Error(p);
  return p;
}

const ntdll = mod("ntdll.dll");
const plugin = mod("plugin.dll");
const wait = frame("ntdll!NtWaitForSingleObject+0x14", ntdll, true);
const bare = frame("plugin+0x1010", plugin, false);
const jit = frame("000001d0`00001234", undefined, false);

describe("frame patterns", () => {
  it("reads module!function, a module alone, any module, and module+offset", () => {
    expect(parseFramePattern("ntdll!NtWaitFor*")).toEqual({ text: "ntdll!NtWaitFor*", module: "ntdll", func: "ntwaitfor*", symbol: undefined });
    expect(parseFramePattern(" ntdll ")).toEqual({ text: "ntdll", module: "ntdll", func: undefined, symbol: undefined });
    expect(parseFramePattern("*!*Wait*")).toEqual({ text: "*!*Wait*", module: undefined, func: "*wait*", symbol: undefined });
    expect(parseFramePattern("ntdll!")).toEqual({ text: "ntdll!", module: "ntdll", func: undefined, symbol: undefined });
    expect(parseFramePattern("plugin+0x10*")).toEqual({ text: "plugin+0x10*", module: undefined, func: undefined, symbol: "plugin+0x10*" });
    expect(parseFramePattern("   ")).toBe("an empty frame pattern");
  });

  it("matches case-insensitively on the module's symbol or file name and on the function name", () => {
    expect(frameMatches(wait, pattern("NTDLL!ntwaitforsingleobject"))).toBe(true);
    expect(frameMatches(wait, pattern("ntdll.dll!NtWait*"))).toBe(true);
    expect(frameMatches(wait, pattern("nt*"))).toBe(true);
    expect(frameMatches(wait, pattern("kernelbase!NtWait*"))).toBe(false);
    expect(frameMatches(wait, pattern("ntdll!NtWait"))).toBe(false); // no wildcard: the whole name
  });

  it("matches frames without symbols by module or module+offset only", () => {
    expect(functionName(bare)).toBe("");
    expect(frameMatches(bare, pattern("plugin"))).toBe(true);
    expect(frameMatches(bare, pattern("plugin!*"))).toBe(true);
    expect(frameMatches(bare, pattern("plugin!Entry"))).toBe(false);
    expect(frameMatches(bare, pattern("plugin+0x1010"))).toBe(true);
    expect(frameMatches(bare, pattern("plugin+0x2*"))).toBe(false);
  });

  it("matches code outside modules only with module-free patterns", () => {
    expect(frameMatches(jit, pattern("*!*"))).toBe(true);
    expect(frameMatches(jit, pattern("*"))).toBe(false); // a module pattern needs a module
    expect(frameMatches(jit, pattern("*+0x1234"))).toBe(false); // the text has no module+offset form
  });
});

describe("options", () => {
  it("reads name=value parts from a string, case-insensitively, with spaces around list commas", () => {
    expect(readOptions("threads=0x1a4, 0x2b0 MAXFRAMES=5; exclude=ntdll!*Worker*,win32u", STACK_OPTION_NAMES, "Threads")).toEqual({
      Threads: "0x1a4,0x2b0", MaxFrames: "5", Exclude: "ntdll!*Worker*,win32u",
    });
  });

  it("takes a string without name=value parts as the bare value, spaces included", () => {
    expect(readOptions("app!`anonymous namespace'::Worker", ["Frame"], "Frame")).toEqual({ Frame: "app!`anonymous namespace'::Worker" });
    expect(readOptions("app!operator==", ["Frame"], "Frame")).toEqual({ Frame: "app!operator==" });
    expect(readOptions("0x1a4,0x2b0", STACK_OPTION_NAMES, "Threads")).toEqual({ Threads: "0x1a4,0x2b0" });
    expect(readOptions("", STACK_OPTION_NAMES, "Threads")).toEqual({});
  });

  it("refuses unknown names and stray words", () => {
    expect(readOptions("depth=3", STACK_OPTION_NAMES, "Threads")).toBe("unknown option \"depth=3\" (options: Threads, MaxFrames, Exclude)");
    expect(readOptions("maxframes=3 depth=3", STACK_OPTION_NAMES, "Threads")).toBe("unknown option \"depth=3\" (options: Threads, MaxFrames, Exclude)");
    expect(readOptions("maxframes=3 0x1a4 0x2b0", STACK_OPTION_NAMES, "Threads")).toBe("unknown option \"0x2b0\" (options: Threads, MaxFrames, Exclude)");
    expect(readOptions("all", STACK_OPTION_NAMES, undefined)).toBe("unknown option \"all\" (use name=value with Threads, MaxFrames, Exclude)");
    expect(readOptions(true, STACK_OPTION_NAMES, "Threads")).toMatch(/^options must be an object such as new \{ Threads = \.\.\. \}/);
  });

  it("reads a dx object by the option names, and a number as the bare value", () => {
    expect(readOptions({ MaxFrames: 4, Exclude: "win32u", Other: 1 }, STACK_OPTION_NAMES, "Threads")).toEqual({ MaxFrames: 4, Exclude: "win32u" });
    expect(readOptions(0x1a4, STACK_OPTION_NAMES, "Threads")).toEqual({ Threads: 0x1a4 });
  });

  it("parses thread ids in hex with 0x and in decimal, and nothing else", () => {
    expect(parseThreadIds("0x1a4, 0n420 16")).toEqual([0x1a4, 420, 16]);
    expect(parseThreadIds([0x10, 0x20])).toEqual([0x10, 0x20]);
    expect(parseThreadIds("1a4")).toBe("thread ids are numbers such as 0x1a4 (hex needs 0x), not \"1a4\"");
    expect(parseThreadIds(-1)).toBe("thread ids are non-negative integers, not -1");
  });

  it("parses counts and turns a bag into stack options", () => {
    expect(parseCount("0x10", "MaxFrames")).toBe(16);
    expect(parseCount(0, "MaxFrames")).toBe("MaxFrames must be a positive integer, not 0");
    expect(parseCount(2.5, "MaxFrames")).toBe("MaxFrames must be a positive integer, not 2.5");
    const o = stackOptions({ Threads: "0x1a4", MaxFrames: "3", Exclude: "ntdll!*Worker*;win32u" });
    expect(typeof o === "string" ? o : [o.threads, o.maxFrames, o.exclude.map((p) => p.text)]).toEqual([[0x1a4], 3, ["ntdll!*Worker*", "win32u"]]);
    expect(stackOptions({ Exclude: "a,,b" })).toMatchObject({ exclude: [{ text: "a" }, { text: "b" }] });
  });
});

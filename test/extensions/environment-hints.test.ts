import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ALTERNATE_VARIANT } from "../../src/emulator";
import { Minidump } from "../../src/minidump/reader";
import { buildDumpTarget } from "../../src/runner/dump-target";
import { loadEwmda, rowsOf } from "../helpers";
import { DUMPS } from "../oracle/breakpad-output";
import { userTarget, type UserTargetBuilder } from "../mocks/user-target";

type Row = Record<string, unknown>;

function hints(b: UserTargetBuilder, expr = "Debugger.Utility.Ewmda.EnvironmentHints()", variant = {}) {
  const { dbg } = loadEwmda(b.build().spec, { variant });
  const result = dbg.dx(expr);
  return { dbg, rows: rowsOf(result) as Row[], summary: String(result) };
}

const SECRET = "hunter2-Zq9";
const ENV = {
  PATH: "C:\\Windows\\system32;\\\\fileserver\\tools\\bin;bin;C:\\Users\\bob\\AppData\\Local\\tools;%JAVA_HOME%\\bin;C:\\Windows\\system32",
  TEMP: "C:\\Users\\bob\\AppData\\Local\\Temp",
  USERNAME: "bob",
  COMPUTERNAME: "BUILD-07",
  __COMPAT_LAYER: "RunAsInvoker HighDpiAware",
  PROCESSOR_ARCHITECTURE: "AMD64",
  COR_ENABLE_PROFILING: "1",
  COR_PROFILER: "{cf0d821e-299b-5307-a3d8-b283c03916dd}",
  API_TOKEN: SECRET,
  HTTPS_PROXY: `http://bob:${SECRET}@proxy:8080`,
};

function full(): UserTargetBuilder {
  return userTarget().processParameters({
    commandLine: `"C:\\Program Files\\App\\app.exe" --password=${SECRET} --token ${SECRET} -v`,
    currentDirectory: "C:\\work\\",
    windowTitle: "C:\\Program Files\\App\\app.exe",
    desktopInfo: "Winsta0\\Default",
    environment: ["=C:=C:\\work", ...Object.entries(ENV).map(([k, v]) => `${k}=${v}`)],
  });
}

describe("EnvironmentHints: what it reads and flags", () => {
  it("lists the parameters, the hints and every variable name, with values hidden except the safe ones", () => {
    const { dbg, rows, summary } = hints(full());
    const params = rows.filter((r) => r.Kind === "Parameter");
    expect(params.map((r) => [r.Variable, r.Value])).toEqual([
      ["ImagePath", "C:\\Program Files\\App\\app.exe"],
      ["CommandLine", "\"C:\\Program Files\\App\\app.exe\" --password=<hidden> --token <hidden> -v"],
      ["CurrentDirectory", "C:\\work\\"],
      ["WindowTitle", "C:\\Program Files\\App\\app.exe"],
      ["DesktopInfo", "Winsta0\\Default"],
    ]);
    expect(params[0]!.Evidence).toMatch(/^!peb; dt ntdll!_RTL_USER_PROCESS_PARAMETERS 00000220`00000000 ImagePath$/);
    const vars = rows.filter((r) => r.Kind === "Variable");
    expect(vars.map((r) => r.Variable)).toEqual(["=C:", ...Object.keys(ENV)]);
    expect(vars.filter((r) => r.Value !== "<hidden>").map((r) => [r.Variable, r.Value])).toEqual([
      ["__COMPAT_LAYER", "RunAsInvoker HighDpiAware"], ["PROCESSOR_ARCHITECTURE", "AMD64"], ["COR_ENABLE_PROFILING", "1"],
    ]);
    const hint = (rule: string) => rows.find((r) => r.Kind === "Hint" && r.Rule === rule);
    expect(hint("Profiler")).toMatchObject({ Variable: "COR_ENABLE_PROFILING", Verdict: "Suspicious", Value: "1" });
    expect(hint("CompatShim")).toMatchObject({ Verdict: "Suspicious", Value: "RunAsInvoker HighDpiAware" });
    expect(hint("Proxy")).toMatchObject({ Variable: "HTTPS_PROXY", Verdict: "Info", Value: undefined });
    expect(hint("PathNetwork")!.Evidence).toBe("PATH entries on network shares (slow or failing loads when the share is unreachable): 2 of 6; !envvar PATH");
    expect(hint("PathRelative")!.Evidence).toMatch(/^PATH entries that are relative .*: 3 of 6; /);
    expect(hint("PathUserWritable")!.Evidence).toMatch(/^PATH entries in user-writable folders .*: 4 of 6; /);
    expect(hint("PathUnexpanded")!.Evidence).toMatch(/^PATH entries with unexpanded %VARIABLES% \(never searched\): 5 of 6; /);
    expect(hint("PathDuplicate")).toMatchObject({ Verdict: "Info" });
    expect(hint("Identity")!.Evidence).toBe("identity variables present: COMPUTERNAME, USERNAME (values hidden; ShowValues shows them); !envvar COMPUTERNAME");
    expect(rows.some((r) => r.Verdict === "Negative")).toBe(false);
    expect(summary).toBe("EnvironmentHints: 11 variables, 9 hint(s); values hidden except SafeVariables (ShowValues shows them)");
    // No default face shows a secret or a private value.
    const everything = JSON.stringify(rows) + dbg.execute("!ewmda.environment").join("\n") + dbg.dxLines("@$ewmda.EnvironmentHints()").join("\n");
    for (const s of [SECRET, "bob", "BUILD-07", "fileserver"]) expect(everything).not.toContain(s);
  });

  it("hides secrets in the window title and profile names in the parameters, and ShowValues shows them", () => {
    const b = () => userTarget().processParameters({
      commandLine: "tool.exe -v", currentDirectory: "C:\\Users\\bob\\work\\", imagePath: "C:\\Users\\bob\\bin\\tool.exe",
      windowTitle: `C:\\Users\\bob\\bin\\tool.exe --password=${SECRET} -v`, environment: { OS: "Windows_NT" },
    });
    const { dbg, rows } = hints(b());
    const value = (name: string) => rows.find((r) => r.Variable === name)!.Value;
    expect([value("ImagePath"), value("CurrentDirectory"), value("WindowTitle"), value("CommandLine")]).toEqual([
      "C:\\Users\\<user>\\bin\\tool.exe", "C:\\Users\\<user>\\work\\", "C:\\Users\\<user>\\bin\\tool.exe --password=<hidden> -v", "tool.exe -v",
    ]);
    const everything = JSON.stringify(rows) + dbg.execute("!ewmda.environment").join("\n");
    for (const s of [SECRET, "bob"]) expect(everything).not.toContain(s);
    const all = hints(b(), "Debugger.Utility.Ewmda.EnvironmentHints(new { ShowValues = true })").rows;
    expect(all.find((r) => r.Variable === "WindowTitle")!.Value).toBe(`C:\\Users\\bob\\bin\\tool.exe --password=${SECRET} -v`);
    expect(all.find((r) => r.Variable === "CurrentDirectory")!.Value).toBe("C:\\Users\\bob\\work\\");
  });

  it("shows every value with ShowValues, and filters by name", () => {
    const { rows } = hints(full(), "Debugger.Utility.Ewmda.EnvironmentHints(new { ShowValues = true })");
    expect(rows.find((r) => r.Variable === "API_TOKEN")!.Value).toBe(SECRET);
    expect(rows.find((r) => r.Variable === "CommandLine")!.Value).toContain("--password=" + SECRET);
    expect(rows.find((r) => r.Rule === "PathNetwork")!.Evidence).toContain("\\\\fileserver\\tools\\bin");
    const only = hints(full(), "Debugger.Utility.Ewmda.EnvironmentHints(\"name=PROCESSOR*\")");
    expect(only.rows.map((r) => [r.Kind, r.Variable])).toEqual([["Variable", "PROCESSOR_ARCHITECTURE"]]);
    expect(only.summary).toMatch(/^EnvironmentHints: 11 variables \(1 match PROCESSOR\*\), 0 hint\(s\)/);
  });

  it("says nothing stands out in a plain environment, with the count", () => {
    const { rows } = hints(userTarget().processParameters({ commandLine: "app.exe", environment: { PATH: "C:\\Windows\\system32;C:\\Windows", TEMP: "C:\\Temp", OS: "Windows_NT" } }));
    const negative = rows.filter((r) => r.Verdict === "Negative");
    expect(negative.map((r) => r.Evidence)).toEqual([
      "0 environment hints that explain behaviour among 3 variables (PATH, TEMP, profilers, compatibility shims, architecture); !peb (Environment: 00000220`00008000); du 00000220`00008000",
    ]);
    expect(rows.filter((r) => r.Kind === "Variable").map((r) => [r.Variable, r.Value])).toEqual([["PATH", "<hidden>"], ["TEMP", "<hidden>"], ["OS", "Windows_NT"]]);
  });

  it("flags a network TEMP, an architecture mismatch and a long PATH", () => {
    const { rows } = hints(userTarget({ arch: "x86" }).processParameters({
      environment: { PATH: "C:\\x;".repeat(900), TEMP: "\\\\srv\\temp", PROCESSOR_ARCHITECTURE: "AMD64" },
    }));
    expect(rows.filter((r) => r.Kind === "Hint" && r.Verdict === "Suspicious").map((r) => r.Rule)).toEqual(["ArchitectureMismatch", "NetworkTemp", "PathLong"]);
  });

  it("reads an environment block without EnvironmentSize up to its empty entry", () => {
    const { rows } = hints(userTarget().processParameters({ environment: { A: "1", OS: "Windows_NT" }, environmentSize: 0 }));
    expect(rows.filter((r) => r.Kind === "Variable").map((r) => r.Variable)).toEqual(["A", "OS"]);
  });
});

describe("EnvironmentHints: layouts and missing data", () => {
  it("reads an x86 PEB's parameters", () => {
    const { rows } = hints(userTarget({ arch: "x86" }).processParameters({ commandLine: "app.exe /s", currentDirectory: "D:\\", environment: { OS: "Windows_NT" } }));
    expect(rows.filter((r) => r.Kind === "Parameter").map((r) => [r.Variable, r.Value])).toEqual([
      ["ImagePath", "C:\\Program Files\\App\\app.exe"], ["CommandLine", "app.exe /s"], ["CurrentDirectory", "D:\\"],
    ]);
    expect(rows[0]!.Evidence).toBe("!peb; dt ntdll!_RTL_USER_PROCESS_PARAMETERS 60000000 ImagePath");
  });

  it("falls back to the documented layout without ntdll symbols (Source heuristic)", () => {
    const { rows } = hints(userTarget({ ntdllSymbols: false }).processParameters({ commandLine: "app.exe", environment: { OS: "Windows_NT" } }));
    expect(rows.find((r) => r.Variable === "CommandLine")).toMatchObject({ Value: "app.exe", Source: "heuristic" });
    expect(rows.find((r) => r.Variable === "OS")).toMatchObject({ Value: "Windows_NT", Source: "heuristic" });
  });

  it("uses the WOW64 32-bit PEB's parameters when the 64-bit ones are not in the dump", () => {
    const b = userTarget().thread({ tid: 0x1a4 })
      .processParameters({ commandLine: "app.exe", unreadable: ["parameters"] })
      .wow64({ processParameters32: { commandLine: "app32.exe -x", environment: { PROCESSOR_ARCHITEW6432: "AMD64", PROCESSOR_ARCHITECTURE: "x86" } } });
    const { rows, summary } = hints(b);
    expect(rows.find((r) => r.Variable === "CommandLine")!.Value).toBe("app32.exe -x");
    expect(rows.find((r) => r.Rule === "Wow64")).toMatchObject({ Verdict: "Info", Value: "AMD64" });
    expect(rows.some((r) => r.Rule === "ArchitectureMismatch")).toBe(false); // x86 is right for a 32-bit process under WOW64
    expect(summary).toContain("(the WOW64 32-bit PEB's parameters)");
  });

  it("says so when the parameters, the environment or the command line are not in the dump", () => {
    const noParams = hints(userTarget().processParameters({ commandLine: "x", unreadable: ["parameters"] })).rows;
    expect(noParams.map((r) => r.Verdict)).toEqual(["Info"]);
    expect(noParams[0]!.Evidence).toMatch(/^the process parameters are not available: the process parameters at 00000220`00000000 are not in the dump; a full-memory dump/);
    const noEnv = hints(userTarget().processParameters({ commandLine: "x", environment: { A: "1" }, unreadable: ["environment", "commandLine"] })).rows;
    expect(String(noEnv.find((r) => r.Variable === "CommandLine")!.Value)).toBe("<unreadable>");
    expect(noEnv[noEnv.length - 1]!.Evidence).toBe("the environment block is not available: the environment block at 00000220`00008000 is not in the dump");
    const noPp = hints(userTarget()).rows;
    expect(noPp.map((r) => r.Evidence)).toEqual(["the process parameters are not available: PEB.ProcessParameters is null (a process that has not finished initializing); a full-memory dump (.dump /ma) has them; !peb shows what the debugger sees"]);
  });

  it("answers bad options with a message, and works on the alternate provider", () => {
    expect(hints(full(), "Debugger.Utility.Ewmda.EnvironmentHints(\"colour=blue\")").rows.map((r) => r.Evidence)).toEqual(["unknown option \"colour=blue\" (options: ShowValues, Name)"]);
    expect(hints(full(), undefined, ALTERNATE_VARIANT).rows.filter((r) => r.Kind === "Variable")).toHaveLength(11);
  });

  it("prints the ! table", () => {
    const { dbg } = loadEwmda(userTarget().processParameters({ commandLine: "app.exe -v", currentDirectory: "C:\\work\\", environment: { OS: "Windows_NT", __COMPAT_LAYER: "RunAsAdmin" } }).build().spec);
    expect(dbg.execute("!ewmda.environment")).toMatchSnapshot();
  });
});

const ELECTRON = path.join(DUMPS, "electron", "windows.dmp");

describe.skipIf(!existsSync(ELECTRON))("EnvironmentHints on a real dump (names and counts only: values never printed)", () => {
  it("reads the 56 variables of electron/windows.dmp from the PEB's process parameters", () => {
    const t = buildDumpTarget(Minidump.openFile(ELECTRON));
    const { dbg } = loadEwmda(t.spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.EnvironmentHints()")) as Row[];
    const vars = rows.filter((r) => r.Kind === "Variable");
    expect(vars).toHaveLength(56);
    const names = vars.map((r) => String(r.Variable));
    expect(names).toEqual(expect.arrayContaining(["Path", "PATHEXT", "TEMP", "USERNAME", "COMPUTERNAME", "PROCESSOR_ARCHITECTURE", "windir"]));
    // Only SafeVariables carry values; everything else says <hidden>.
    const shown = vars.filter((r) => r.Value !== "<hidden>").map((r) => String(r.Variable));
    expect(shown.every((n) => ["NUMBER_OF_PROCESSORS", "OS", "PROCESSOR_ARCHITECTURE", "PROCESSOR_IDENTIFIER", "PROCESSOR_LEVEL", "PROCESSOR_REVISION", "SESSIONNAME",
      "SystemDrive", "SystemRoot", "windir", "ComSpec", "PATHEXT", "ProgramData", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432", "CommonProgramFiles",
      "CommonProgramFiles(x86)", "CommonProgramW6432", "PUBLIC"].indexOf(n) >= 0)).toBe(true);
    expect(shown.length).toBeGreaterThan(5);
    expect(rows.filter((r) => r.Kind === "Parameter").map((r) => r.Variable)).toEqual(expect.arrayContaining(["ImagePath", "CommandLine", "CurrentDirectory"]));
  });
});

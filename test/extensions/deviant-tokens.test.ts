import { describe, expect, it } from "vitest";
import type { LayoutSet } from "../../src/emulator/layouts/layout-set";
import { loadEwmda, rowsOf } from "../helpers";
import { objectTarget, withObjects, type KernelObjects, type TokenOptions } from "../mocks/kernel-objects";
import type { KernelBuild, KernelTargetAddresses, KernelTargetBuilder } from "../mocks/kernel-target";
import { userTarget } from "../mocks/user-target";

type Row = Record<string, unknown>;
const BUILDS: KernelBuild[] = ["win10-1607", "win11-22h2"];

const USER = "S-1-5-21-1004336348-1177238915-682003330-1001";
const OTHER_USER = "S-1-5-21-1004336348-1177238915-682003330-1002";
const SYSTEM = "S-1-5-18";
const DEBUG = 20;
const TCB = 7;
const CHANGE_NOTIFY = 23;
const MEDIUM = 0x2000;
const HIGH = 0x3000;
const SYSTEM_IL = 0x4000;
const LOW = 0x1000;

function run(spec: Parameters<typeof loadEwmda>[0], args = ""): Row[] {
  const { dbg } = loadEwmda(spec);
  return rowsOf(dbg.dx(`Debugger.Utility.Ewmda.DeviantTokens(${args})`));
}

interface Proc { pid: number; name: string; parent?: number; token: TokenOptions }

/** Processes with the tokens given (others keep the builder's default tokens, which name no user). */
function system(build: KernelBuild, procs: Proc[], extra?: (o: KernelObjects, at: KernelTargetAddresses) => void, make?: (b: KernelTargetBuilder) => KernelTargetBuilder) {
  return withObjects(
    () => {
      let b = objectTarget({ build });
      for (const p of procs) b = b.process({ pid: p.pid, name: p.name, parentPid: p.parent ?? 4 });
      return make ? make(b) : b;
    },
    (o, at) => {
      for (const p of procs) o.useToken(at.process(p.pid), o.token(p.token));
      extra?.(o, at);
    },
  );
}

const user = (o: Partial<TokenOptions> = {}): TokenOptions => ({ user: USER, integrity: MEDIUM, sessionId: 1, enabled: [CHANGE_NOTIFY], ...o });
const system_ = (o: Partial<TokenOptions> = {}): TokenOptions => ({ user: SYSTEM, integrity: SYSTEM_IL, sessionId: 0, enabled: [TCB, CHANGE_NOTIFY], ...o });

describe.each(BUILDS)("DeviantTokens (%s)", (build) => {
  it("flags a SYSTEM token in a user session, but not for csrss.exe", () => {
    const t = system(build, [
      { pid: 0x200, name: "csrss.exe", token: system_({ sessionId: 1 }) },
      { pid: 0x300, name: "updater.exe", token: system_({ sessionId: 1 }) },
    ]);
    const rows = run(t.spec);
    const bad = rows.find((r) => r.Process === "updater.exe")!;
    expect(bad.Verdict).toBe("Positive");
    expect(bad.User).toBe("S-1-5-18 (NT AUTHORITY\\SYSTEM)");
    expect(bad.Integrity).toBe("System");
    expect(bad.Session).toBe(1);
    expect(String(bad.Deviation)).toMatch(/^SYSTEM token in user session 1/);
    expect(rows.find((r) => r.Process === "csrss.exe")).toBeUndefined();
  });

  it("flags powerful privileges enabled outside service accounts, unless the image is a debugger", () => {
    const t = system(build, [
      { pid: 0x300, name: "app.exe", token: user({ enabled: [DEBUG, CHANGE_NOTIFY] }) },
      { pid: 0x304, name: "tool.exe", token: user({ enabled: [TCB] }) },
      { pid: 0x308, name: "windbg.exe", token: user({ integrity: HIGH, enabled: [DEBUG] }) },
      { pid: 0x30c, name: "lsass.exe", token: system_() },
    ]);
    const rows = run(t.spec);
    const app = rows.find((r) => r.Process === "app.exe")!;
    expect(app.Verdict).toBe("Suspicious");
    expect(app.Privileges).toBe("SeDebugPrivilege, SeChangeNotifyPrivilege");
    expect(app.Deviation).toBe("SeDebugPrivilege enabled in a non-service process");
    const tool = rows.find((r) => r.Process === "tool.exe")!;
    expect(tool.Verdict).toBe("Positive");
    expect(tool.Deviation).toBe("SeTcbPrivilege enabled in a non-service process");
    expect(rows.find((r) => r.Process === "windbg.exe")).toBeUndefined();
    expect(rows.find((r) => r.Process === "lsass.exe")).toBeUndefined();
  });

  it("flags integrity above the parent's but not UAC elevation or a broker's child", () => {
    const t = system(build, [
      { pid: 0x400, name: "explorer.exe", token: user() },
      { pid: 0x404, name: "cmd.exe", parent: 0x400, token: user({ integrity: HIGH }) },
      { pid: 0x408, name: "sandbox.exe", token: user({ integrity: LOW }) },
      { pid: 0x40c, name: "escape.exe", parent: 0x408, token: user() },
      { pid: 0x410, name: "svchost.exe", token: system_() },
      { pid: 0x414, name: "elevated.exe", parent: 0x410, token: user({ integrity: HIGH }) },
      { pid: 0x418, name: "odd.exe", parent: 0x400, token: user({ user: OTHER_USER, integrity: HIGH }) },
    ]);
    const rows = run(t.spec);
    expect(rows.find((r) => r.Process === "cmd.exe")).toBeUndefined();
    expect(rows.find((r) => r.Process === "elevated.exe")).toBeUndefined();
    const esc = rows.find((r) => r.Process === "escape.exe")!;
    expect(esc.Verdict).toBe("Positive");
    expect(esc.Deviation).toBe("integrity Medium above its parent sandbox.exe (0x408, Low)");
    const odd = rows.find((r) => r.Process === "odd.exe")!;
    expect(odd.Verdict).toBe("Suspicious");
    expect(odd.Deviation).toBe("integrity High above its parent explorer.exe (0x400, Medium)");
  });

  it("flags a token unlike its peers', except for hosts listed as mixed", () => {
    const t = system(build, [
      { pid: 0x500, name: "worker.exe", token: user() },
      { pid: 0x504, name: "worker.exe", token: user() },
      { pid: 0x508, name: "worker.exe", token: user() },
      { pid: 0x50c, name: "worker.exe", token: user({ user: OTHER_USER }) },
      { pid: 0x600, name: "svchost.exe", token: system_() },
      { pid: 0x604, name: "svchost.exe", token: system_() },
      { pid: 0x608, name: "svchost.exe", token: system_({ user: "S-1-5-19" }) },
    ]);
    const rows = run(t.spec);
    const odd = rows.filter((r) => r.Verdict !== "Info" && r.Verdict !== "Negative");
    expect(odd.map((r) => r.PID)).toEqual([0x50c]);
    expect(odd[0]!.Deviation).toBe(`unlike its peers: 3 of 4 worker.exe run as ${USER} at Medium`);
  });

  it("says what it examined when no token deviates", () => {
    const t = system(build, [
      { pid: 0x400, name: "explorer.exe", token: user() },
      { pid: 0x404, name: "notepad.exe", parent: 0x400, token: user() },
    ]);
    const rows = run(t.spec);
    expect(rows).toHaveLength(1);
    // System plus the two processes (Idle is not on the process list).
    expect(String(rows[0]!.Evidence)).toMatch(/^0 deviations among 3 process tokens: /);
  });

  it("lists every token with All", () => {
    const t = system(build, [{ pid: 0x400, name: "explorer.exe", token: user() }]);
    const rows = run(t.spec, "new { All = true }");
    const ex = rows.find((r) => r.Process === "explorer.exe")!;
    expect(ex.Verdict).toBe("Info");
    expect(ex.User).toBe(USER);
    expect(ex.Integrity).toBe("Medium");
    expect(String(ex.Evidence)).toMatch(/^!token ffffd000`[0-9a-f]{8}; !process ffff/);
  });
});

describe("DeviantTokens edge cases (kernel)", () => {
  it("counts tokens that are not in the dump", () => {
    let tokenBody = 0n;
    withObjects(() => objectTarget().process({ pid: 0x400, name: "explorer.exe" }), (o, at) => { const tk = o.token(user()); tokenBody = tk.body; o.useToken(at.process(0x400), tk); });
    const t = withObjects(() => objectTarget().process({ pid: 0x400, name: "explorer.exe" }).unreadable(tokenBody, 0x100), (o, at) => o.useToken(at.process(0x400), o.token(user())));
    const neg = run(t.spec).find((r) => r.Verdict === "Negative")!;
    expect(String(neg.Evidence)).toMatch(/^0 deviations among 1 process tokens, 1 unreadable/);
  });

  it("answers Info when the symbols have no _TOKEN", () => {
    const drop = (l: LayoutSet): LayoutSet => {
      const types = { ...l.types };
      delete (types as Record<string, unknown>)._TOKEN;
      return { ...l, types };
    };
    const t = objectTarget({ ntTypes: drop }).build();
    const rows = run(t.spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/lack _TOKEN/);
  });

  it("reports impersonating threads whose token the symbols cannot reach", () => {
    const t = withObjects(
      () => objectTarget().process({ pid: 0x400, name: "server.exe" }).thread({ tid: 0x404, label: "imp" }),
      (o, at) => { o.patch(at.thread("imp"), "_ETHREAD", "ActiveImpersonationInfo", 1); },
    );
    const rows = run(t.spec, '"threads"');
    expect(String(rows.find((r) => r.Verdict === "Info")!.Evidence)).toMatch(/^1 impersonating threads \(0x404\) whose impersonation token could not be read \(the symbols lack ETHREAD\.ClientSecurity\)/);
    expect(String(rows.find((r) => r.Verdict === "Negative")!.Evidence)).toMatch(/, 1 impersonating threads/);
  });

  it("answers bad options with a message row", () => {
    const t = objectTarget().build();
    expect(String(run(t.spec, '"everything"')[0]!.Evidence)).toMatch(/unknown option "everything"/);
  });

  it("prints the ! table", () => {
    const t = system("win10-1607", [{ pid: 0x300, name: "updater.exe", token: system_({ sessionId: 1 }) }]);
    const { dbg } = loadEwmda(t.spec);
    const text = dbg.execute("!ewmda.tokens").join("\n");
    expect(text).toMatch(/updater\.exe/);
    expect(text).toMatch(/Positive/);
  });
});

const TOKEN_SYSTEM_DEBUG = [
  "Thread is not impersonating. Using process token...",
  "_TOKEN 0x0000000000000000",
  "TS Session ID: 0x1",
  "User: S-1-5-18",
  "User Groups: ",
  " 00 S-1-16-16384",
  "    Attributes - GroupIntegrity GroupIntegrityEnabled ",
  " 01 S-1-5-32-544",
  "    Attributes - Default Enabled Owner ",
  "Primary Group: S-1-5-18",
  "Privs: ",
  " 07 0x000000007 SeTcbPrivilege                    Attributes - Enabled Default ",
  " 20 0x000000014 SeDebugPrivilege                  Attributes - Enabled Default ",
  "Authentication ID:         (0,3e7)",
  "Impersonation Level:       Anonymous",
  "TokenType:                 Primary",
];

const TOKEN_USER = [
  "Thread is not impersonating. Using process token...",
  "TS Session ID: 0x1",
  `User: ${USER}`,
  "User Groups: ",
  " 00 S-1-16-8192",
  "    Attributes - GroupIntegrity GroupIntegrityEnabled ",
  "Privs: ",
  " 19 0x000000013 SeShutdownPrivilege               Attributes - ",
  " 23 0x000000017 SeChangeNotifyPrivilege           Attributes - Enabled Default ",
  "Authentication ID:         (0,2a4f1)",
  "TokenType:                 Primary",
];

describe("DeviantTokens on user dumps (limited)", () => {
  it("says the token is not captured when !token shows none", () => {
    const rows = run(userTarget().build().spec);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Verdict).toBe("Info");
    expect(String(rows[0]!.Evidence)).toMatch(/^limited \(user dump\): the process token is generally not captured, and !token shows none here \(No export token found\)/);
  });

  it("flags a SYSTEM token in a user session and enabled privileges from !token", () => {
    const t = userTarget({ processName: "agent.exe" }).command("!token", TOKEN_SYSTEM_DEBUG).build();
    const rows = run(t.spec);
    const sys = rows.find((r) => /SYSTEM token/.test(String(r.Deviation)))!;
    expect(sys.Verdict).toBe("Positive");
    expect(sys.Process).toBe("agent.exe");
    expect(sys.Source).toBe("command");
    expect(String(sys.Deviation)).toMatch(/\(limited: user dump, !token only; no parent or peers to compare\)$/);
    expect(String(rows.find((r) => r.Verdict === "Info")!.Evidence)).toMatch(/^limited \(user dump\): !token shows S-1-5-18 \(NT AUTHORITY\\SYSTEM\) at System, session 1/);
  });

  it("finds nothing in an ordinary user's token", () => {
    const t = userTarget({ processName: "notepad.exe" }).command("!token", TOKEN_USER).build();
    const rows = run(t.spec);
    expect(rows.map((r) => r.Verdict)).toEqual(["Info", "Negative"]);
    expect(rows[0]!.Integrity).toBe("Medium");
    expect(rows[0]!.Privileges).toBe("SeChangeNotifyPrivilege");
    expect(String(rows[1]!.Evidence)).toMatch(/^0 deviations in this process's token \(limited: user dump, the one token !token shows; 1 privileges enabled/);
  });

  it("treats garbage output as no token", () => {
    const t = userTarget().command("!token", ["Unable to get thread token", "^ Syntax error in '!token zz'"]).build();
    const rows = run(t.spec);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.Evidence)).toMatch(/\(Unable to get thread token\)/);
  });
});

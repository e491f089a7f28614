import { describe, expect, it } from "vitest";
import { integrityName, parseToken } from "../../src/lib/parse-token";

const TOKEN = [
  "Thread is not impersonating. Using process token...",
  "TS Session ID: 0x1",
  "User: S-1-5-21-1004336348-1177238915-682003330-1001",
  "User Groups: ",
  " 00 S-1-16-12288",
  "    Attributes - GroupIntegrity GroupIntegrityEnabled ",
  " 01 S-1-1-0",
  "    Attributes - Mandatory Default Enabled ",
  " 02 S-1-5-32-544",
  "    Attributes - Mandatory Default Enabled Owner ",
  "Primary Group: S-1-5-21-1004336348-1177238915-682003330-1001",
  "Privs: ",
  " 05 0x000000005 SeIncreaseQuotaPrivilege          Attributes - ",
  " 20 0x000000014 SeDebugPrivilege                  Attributes - Enabled ",
  " 23 0x000000017 SeChangeNotifyPrivilege           Attributes - Enabled Default ",
  "Authentication ID:         (0,2a4f1)",
  "Impersonation Level:       Anonymous",
  "TokenType:                 Primary",
  "Source: User32             TokenFlags: 0x2a00 ( Token in use )",
  "Is restricted token: no.",
  "Elevation Type: TokenElevationTypeFull",
];

describe("parseToken (!token)", () => {
  it("reads user, groups, integrity level and privileges", () => {
    const r = parseToken(TOKEN);
    if (r.kind !== "token") throw new Error(r.reason);
    expect([r.impersonating, r.sessionId, r.user, r.integrityRid, r.authenticationId, r.impersonationLevel, r.tokenType, r.elevationType, r.restricted]).toEqual([
      false, 1, "S-1-5-21-1004336348-1177238915-682003330-1001", 0x3000, "(0,2a4f1)", "Anonymous", "Primary", "TokenElevationTypeFull", false,
    ]);
    expect(r.groups.map((g) => [g.sid, g.attributes.join(" ")])).toEqual([
      ["S-1-16-12288", "GroupIntegrity GroupIntegrityEnabled"], ["S-1-1-0", "Mandatory Default Enabled"], ["S-1-5-32-544", "Mandatory Default Enabled Owner"],
    ]);
    expect(r.privileges.map((p) => [p.luid, p.name, p.enabled])).toEqual([[5, "SeIncreaseQuotaPrivilege", false], [20, "SeDebugPrivilege", true], [23, "SeChangeNotifyPrivilege", true]]);
    expect(integrityName(r.integrityRid!)).toBe("High");
  });

  it("reads names that -n adds", () => {
    const r = parseToken(["User: S-1-5-18 (Well Known Group: NT AUTHORITY\\SYSTEM)", "User Groups:", " 00 S-1-16-16384 (Label: Mandatory Label\\System Mandatory Level)", "    Attributes - GroupIntegrity GroupIntegrityEnabled"]);
    expect(r).toMatchObject({ kind: "token", user: "S-1-5-18", userName: "Well Known Group: NT AUTHORITY\\SYSTEM", integrityRid: 0x4000 });
    expect(integrityName(0x2000)).toBe("Medium");
    expect(integrityName(0x1000)).toBe("Low");
  });

  it("says there is no token for errors and garbage", () => {
    expect(parseToken(["Unable to get token information: the dump has no token stream"])).toEqual({ kind: "none", reason: "Unable to get token information: the dump has no token stream" });
    expect(parseToken([])).toEqual({ kind: "none", reason: "!token printed nothing" });
    expect(parseToken(["Privs:", " 20 0x14 SeDebugPrivilege Attributes - Enabled"])).toMatchObject({ kind: "none" });
  });
});

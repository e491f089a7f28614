/**
 * `!token` (Microsoft Learn "!token"): in a user dump it shows the token the dump captured
 * (MiniDumpWithTokenInformation) or says it cannot; kernel targets print the same layout for a _TOKEN.
 *
 *     Thread is not impersonating. Using process token...
 *     TS Session ID: 0x1
 *     User: S-1-5-21-1004336348-1177238915-682003330-1001
 *     User Groups:
 *      00 S-1-16-12288
 *         Attributes - GroupIntegrity GroupIntegrityEnabled
 *      01 S-1-1-0
 *         Attributes - Mandatory Default Enabled
 *     Primary Group: S-1-5-21-1004336348-1177238915-682003330-1001
 *     Privs:
 *      05 0x000000005 SeIncreaseQuotaPrivilege          Attributes -
 *      20 0x000000014 SeDebugPrivilege                  Attributes - Enabled
 *      23 0x000000017 SeChangeNotifyPrivilege           Attributes - Enabled Default
 *     Authentication ID:         (0,2a4f1)
 *     Impersonation Level:       Anonymous
 *     TokenType:                 Primary
 *     Is restricted token: no.
 *     SandBoxInert: 0
 *     Elevation Type: TokenElevationTypeFull
 *
 * With `-n` the SIDs are followed by names (`S-1-1-0 (Well Known Group: localhost\Everyone)`). Unknown lines
 * are ignored; output with no `User:` line is reported as not a token.
 */

export interface TokenGroup {
  readonly sid: string;
  readonly name: string | undefined;
  readonly attributes: readonly string[];
}

export interface TokenPrivilege {
  readonly luid: number;
  readonly name: string;
  readonly enabled: boolean;
  readonly attributes: readonly string[];
}

export interface TokenInfo {
  readonly kind: "token";
  readonly impersonating: boolean | undefined;
  readonly sessionId: number | undefined;
  readonly user: string;
  readonly userName: string | undefined;
  readonly groups: readonly TokenGroup[];
  readonly privileges: readonly TokenPrivilege[];
  /** The S-1-16-x group's RID (0x1000 Low, 0x2000 Medium, 0x3000 High, 0x4000 System), when present. */
  readonly integrityRid: number | undefined;
  readonly authenticationId: string | undefined;
  readonly impersonationLevel: string | undefined;
  readonly tokenType: string | undefined;
  readonly elevationType: string | undefined;
  readonly restricted: boolean | undefined;
}

export interface TokenNone {
  readonly kind: "none";
  readonly reason: string;
}

const SID = /(S-1-\d+(?:-\d+)*)/;

function sidAndName(text: string): { sid: string; name: string | undefined } | undefined {
  const m = SID.exec(text);
  if (!m) return undefined;
  const rest = text.slice(m.index + m[1]!.length).trim();
  const n = /^\((.*)\)$/.exec(rest);
  return { sid: m[1]!, name: n ? n[1]! : undefined };
}

/** Integrity level name of an S-1-16-x RID. */
export function integrityName(rid: number): string {
  if (rid >= 0x5000) return "Protected";
  if (rid >= 0x4000) return "System";
  if (rid >= 0x3000) return "High";
  if (rid >= 0x2100) return "Medium Plus";
  if (rid >= 0x2000) return "Medium";
  if (rid >= 0x1000) return "Low";
  return "Untrusted";
}

export function parseToken(lines: readonly string[]): TokenInfo | TokenNone {
  let user: string | undefined;
  let userName: string | undefined;
  let sessionId: number | undefined;
  let impersonating: boolean | undefined;
  const groups: { sid: string; name: string | undefined; attributes: string[] }[] = [];
  const privileges: TokenPrivilege[] = [];
  let authenticationId: string | undefined;
  let impersonationLevel: string | undefined;
  let tokenType: string | undefined;
  let elevationType: string | undefined;
  let restricted: boolean | undefined;
  let section: "groups" | "privs" | "other" = "other";
  let first = "";
  for (const raw of lines) {
    const t = String(raw).trim();
    if (t === "") continue;
    if (first === "") first = t;
    if (/is not impersonating/i.test(t)) { impersonating = false; continue; }
    if (/is impersonating/i.test(t)) { impersonating = true; continue; }
    let m = /^TS Session ID:\s*(0x[0-9a-f]+|\d+)/i.exec(t);
    if (m) { sessionId = parseInt(m[1]!, m[1]!.toLowerCase().indexOf("0x") === 0 ? 16 : 10); continue; }
    m = /^User:\s*(.*)$/i.exec(t);
    if (m) { const s = sidAndName(m[1]!); if (s) { user = s.sid; userName = s.name; } section = "other"; continue; }
    if (/^(User )?Groups:/i.test(t)) { section = "groups"; continue; }
    if (/^Privs:/i.test(t)) { section = "privs"; continue; }
    if (/^Primary Group:/i.test(t)) { section = "other"; continue; }
    m = /^Authentication ID:\s*(.*)$/i.exec(t);
    if (m) { authenticationId = m[1]!.trim(); section = "other"; continue; }
    m = /^Impersonation Level:\s*(.*)$/i.exec(t);
    if (m) { impersonationLevel = m[1]!.trim(); continue; }
    m = /^TokenType:\s*(.*)$/i.exec(t);
    if (m) { tokenType = m[1]!.trim(); continue; }
    m = /^Elevation Type:\s*(.*)$/i.exec(t);
    if (m) { elevationType = m[1]!.trim(); continue; }
    m = /^Is restricted token:\s*(yes|no)/i.exec(t);
    if (m) { restricted = m[1]!.toLowerCase() === "yes"; continue; }
    if (section === "groups") {
      m = /^([0-9a-f]{2,3})\s+(S-1-.*)$/i.exec(t);
      if (m) { const s = sidAndName(m[2]!); if (s) groups.push({ sid: s.sid, name: s.name, attributes: [] }); continue; }
      m = /^Attributes\s*-\s*(.*)$/i.exec(t);
      if (m && groups.length) { groups[groups.length - 1]!.attributes = m[1]!.split(/\s+/).filter((x) => x !== ""); continue; }
    }
    if (section === "privs") {
      m = /^([0-9a-f]{2,3})\s+0x([0-9a-f]+)\s+(\S+)\s+Attributes\s*-\s*(.*)$/i.exec(t);
      if (m) {
        const attributes = m[4]!.split(/\s+/).filter((x) => x !== "");
        privileges.push({ luid: parseInt(m[2]!, 16), name: m[3]!, enabled: attributes.some((a) => a.toLowerCase() === "enabled"), attributes });
        continue;
      }
    }
  }
  if (user === undefined) {
    return { kind: "none", reason: first === "" ? "!token printed nothing" : first };
  }
  let integrityRid: number | undefined;
  for (const g of groups) {
    const m = /^S-1-16-(\d+)$/.exec(g.sid);
    if (m) { integrityRid = Number(m[1]); break; }
  }
  return {
    kind: "token", impersonating, sessionId, user, userName, groups, privileges, integrityRid, authenticationId, impersonationLevel,
    tokenType, elevationType, restricted,
  };
}

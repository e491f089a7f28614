import { defineAnalysis, type Row } from "../lib/analysis";
import { toNumber } from "../lib/int64";
import { describeSelection, Kernel, processFilter, readKernelOptions, type KProcess } from "../lib/kernel";
import {
  addrAdd, addrKey, addrMask, addrOf, formatAddr, isNullAddr, KernelReader, PRIVILEGE_NAMES, privilegesIn, readSid, toInt64Addr,
  WELL_KNOWN_SIDS, type Addr,
} from "../lib/kernel-objects";
import { integrityName, parseToken } from "../lib/parse-token";
import { runCommand } from "../lib/run-command";
import { globMatch } from "../lib/stacks";
import { Unavailable, type Source, type Verdict } from "../lib/values";

/** What one token says, read from a _TOKEN (kernel) or parsed from !token (user dumps). */
interface Profile {
  readonly user: string | undefined;
  readonly integrity: number | undefined;
  readonly session: number | undefined;
  /** Enabled privileges by name. */
  readonly enabled: readonly string[];
  readonly restricted: boolean | undefined;
  readonly appContainer: boolean | undefined;
  readonly impersonationLevel: number | undefined;
}

interface TokenRow {
  readonly p: KProcess;
  readonly token: Addr;
  readonly profile: Profile;
}

interface Finding {
  readonly verdict: Verdict;
  readonly text: string;
}

const SERVICE_ACCOUNTS = ["S-1-5-18", "S-1-5-19", "S-1-5-20"];
const SYSTEM_SID = "S-1-5-18";
const HIGH_RID = 0x3000;
const MEDIUM_RID = 0x2000;
const IMPERSONATION_LEVELS = ["Anonymous", "Identification", "Impersonation", "Delegation"];

/**
 * Deviant Token: processes whose security token differs from what is expected of them: a SYSTEM token in a
 * user-session process, powerful privileges (debug, tcb, load-driver, create-token) enabled where a process
 * should not need them, an integrity level above the parent's, a token unlike its peers' (same image), and
 * (with `Threads`) threads impersonating SYSTEM or at delegation level.
 *
 * The pattern: access-denied failures, broken IPC and security incidents often come down to a token that is
 * not what the process was meant to run with. In kernel and complete dumps every process's token is in
 * memory; in a user dump only what `!token` can show (the dump's token stream), and nothing about parents or
 * peers, so that path is clearly marked as limited.
 *
 * Detection (kernel): `EPROCESS.Token` (`_EX_FAST_REF`, reference count bits masked) → `_TOKEN`:
 * `UserAndGroups[0]` (user SID), `UserAndGroups[IntegrityLevelIndex]` (S-1-16-x), `Privileges.Enabled`,
 * `SessionId`, `RestrictedSidCount`, `Package` (AppContainer). Rules, configurable in `Config.DeviantTokens`:
 * SYSTEM user in a session other than 0 unless the image is listed in `SystemInUserSession`; a privilege of
 * `PositivePrivileges` / `SuspiciousPrivileges` enabled in a process that is not a service account unless
 * the image is in `PrivilegedImages`; integrity above the parent's (parent alive and older than the child),
 * except UAC elevation (High over Medium for the same user) and parents in `ElevationBrokers`; a minority
 * profile (user and integrity) among three or more processes of the same image (`PeerExclude` left out).
 * With `Threads`, threads with `CrossThreadFlags.ActiveImpersonationInfo` have their impersonation token read
 * from `ETHREAD.ClientSecurity` where the symbols have it. User dumps: `!token`, parsed.
 *
 * False positives: vendor helpers (display drivers' session agents) run as SYSTEM in user sessions; admin
 * tools enable SeDebugPrivilege; hosts such as svchost.exe mix accounts by design. Add them to the lists.
 * UAC's linked tokens make High and Medium for the same user normal. Token memory is paged pool and may be
 * missing (counted as unreadable).
 *
 * @function DeviantTokens
 * @memberof Ewmda
 * @param {object|string} [options] `Process` (pid or image-name glob), `All` (bool: a row for every process token), `Threads` (bool: also check every thread's impersonation); or a string such as `"all process=svchost*"`.
 * @returns {ResultSet} Rows with Process, PID, User, Integrity, Session, Privileges, Deviation, Peers, Thread, Token, Verdict, Evidence, Source.
 * @example dx @$ewmda.DeviantTokens()
 * @example dx -g @$ewmda.DeviantTokens(new { All = true })
 * @example dx @$ewmda.DeviantTokens(new { Threads = true, Process = "lsass.exe" })
 * @example !ewmda.tokens
 * @example !ewmda.tokens "all"
 */
export const deviantTokens = defineAnalysis({
  meta: {
    name: "DeviantTokens",
    command: "tokens",
    summary: "Process tokens that deviate from what is expected: SYSTEM in user sessions, powerful privileges, integrity above the parent, peer minorities",
    patterns: ["Deviant Token"],
    targets: "any",
    version: "1.0.0",
    params: [{ name: "options", help: "Process (pid or image-name glob), All, Threads; or a string such as \"all process=svchost*\"", optional: true }],
    options: [
      { name: "Process", type: "string", help: "only processes with this pid or image-name glob" },
      { name: "All", type: "bool", help: "a row for every process token, not only the deviations" },
      { name: "Threads", type: "bool", help: "also check every thread for impersonation (SYSTEM or delegation level)" },
    ],
    columns: [
      { name: "Process", type: "string", help: "Image file name" },
      { name: "PID", type: "hex", help: "Process id" },
      { name: "User", type: "string", help: "User SID, with the well-known name when it has one" },
      { name: "Integrity", type: "string", help: "Integrity level (from the S-1-16-x group)" },
      { name: "Session", type: "int", help: "Token SessionId" },
      { name: "Privileges", type: "string", help: "Enabled privileges" },
      { name: "Deviation", type: "string", help: "Which rule the token breaks" },
      { name: "Peers", type: "string", help: "Peer rule: the majority profile of processes with the same image", table: false },
      { name: "Thread", type: "hex", help: "Impersonation rows: the thread id" },
      { name: "Token", type: "address", help: "The _TOKEN (!token <address>)" },
    ],
    settings: {
      SystemInUserSession: {
        default: ["csrss.exe", "winlogon.exe", "LogonUI.exe", "consent.exe"],
        help: "Images expected to run as SYSTEM in a user session (glob patterns)",
        reason: "Windows starts these per session as SYSTEM; everything else in a user session normally runs as the user or a service account",
      },
      PositivePrivileges: {
        default: ["SeTcbPrivilege", "SeCreateTokenPrivilege", "SeLoadDriverPrivilege", "SeAssignPrimaryTokenPrivilege"],
        help: "Privileges whose being enabled outside service accounts is Positive",
        reason: "a user process has no business acting as the OS, minting tokens or loading drivers",
      },
      SuspiciousPrivileges: {
        default: ["SeDebugPrivilege", "SeTakeOwnershipPrivilege"],
        help: "Privileges whose being enabled outside service accounts is Suspicious",
        reason: "administrators' tools enable them legitimately, but malware and misconfigured services do too",
      },
      PrivilegedImages: {
        default: ["windbg*.exe", "cdb.exe", "kd.exe", "ntsd.exe", "DbgX.Shell.exe", "EngHost.exe", "procexp*.exe", "procmon*.exe", "Taskmgr.exe", "vmmap*.exe"],
        help: "Images allowed to enable the listed privileges (glob patterns)",
        reason: "debuggers and Sysinternals tools enable SeDebugPrivilege by design",
      },
      ElevationBrokers: {
        default: ["svchost.exe", "services.exe", "wininit.exe", "smss.exe", "winlogon.exe", "consent.exe", "System"],
        help: "Parents that may start children above their own integrity level (glob patterns)",
        reason: "AppInfo (in svchost), the service control manager and the session managers create elevated or SYSTEM processes",
      },
      PeerExclude: {
        default: ["svchost.exe", "dllhost.exe", "conhost.exe", "RuntimeBroker.exe", "backgroundTaskHost.exe", "taskhostw.exe", "WmiPrvSE.exe"],
        help: "Images whose instances legitimately run under different accounts (no peer rule)",
        reason: "service and COM hosts run under SYSTEM, LocalService, NetworkService and users side by side",
      },
    },
  },

  *run(ctx, args) {
    const t = ctx.target;
    const cfg = ctx.settings;
    const sel = readKernelOptions(args[0], ["All", "Threads"]);
    if (typeof sel === "string") {
      ctx.summary("DeviantTokens: " + sel);
      yield info(sel, "heuristic");
      return;
    }
    const suspiciousPrivs = cfg.SuspiciousPrivileges;
    const positivePrivs = cfg.PositivePrivileges;
    // ImageFileName keeps 14 characters: a truncated name also matches the pattern's first 14.
    const matchesAny = (name: string, globs: readonly string[]) => {
      const n = name.toLowerCase();
      return globs.some((g) => globMatch(n, g.toLowerCase()) || (n.length === 14 && globMatch(n, g.toLowerCase().slice(0, 14))));
    };
    /** The process-local rules: SYSTEM in a user session, powerful privileges. */
    const localRules = (image: string, pr: Profile): Finding[] => {
      const out: Finding[] = [];
      if (pr.user === SYSTEM_SID && pr.session !== undefined && pr.session !== 0 && !matchesAny(image, cfg.SystemInUserSession)) {
        out.push({ verdict: "Positive", text: "SYSTEM token in user session " + pr.session + " (not in Config.DeviantTokens.SystemInUserSession)" });
      }
      const service = pr.user !== undefined && SERVICE_ACCOUNTS.indexOf(pr.user) >= 0;
      if (!service && !matchesAny(image, cfg.PrivilegedImages)) {
        const pos = pr.enabled.filter((n) => positivePrivs.indexOf(n) >= 0);
        const sus = pr.enabled.filter((n) => suspiciousPrivs.indexOf(n) >= 0);
        if (pos.length) out.push({ verdict: "Positive", text: pos.join(", ") + " enabled in a non-service process" });
        if (sus.length) out.push({ verdict: "Suspicious", text: sus.join(", ") + " enabled in a non-service process" });
      }
      return out;
    };

    if (!t.isKernel()) {
      yield* userMode(ctx, localRules);
      return;
    }
    const k = Kernel.of(t);
    const missing = k.missing();
    if (missing) {
      ctx.summary("DeviantTokens: " + missing);
      yield info(missing, "typed");
      return;
    }
    const r = new KernelReader(t);
    const ps = r.pointerSize;
    const ep = r.type("_EPROCESS")!;
    const tok = r.type("_TOKEN");
    const fToken = ep.field("Token");
    if (!tok || !fToken) {
      ctx.summary("DeviantTokens: no _TOKEN type");
      yield info("the nt symbols lack _TOKEN or _EPROCESS.Token (.reload /f nt; !process 0 1 shows each process's token address, !token <address> its contents)", "typed");
      return;
    }
    const fields = {
      groups: tok.field("UserAndGroups"), count: tok.field("UserAndGroupCount"), il: tok.field("IntegrityLevelIndex"),
      enabled: tok.field("Privileges.Enabled"), session: tok.field("SessionId"), restricted: tok.field("RestrictedSidCount"),
      package: tok.field("Package"), level: tok.field("ImpersonationLevel"),
    };
    const sa = r.type("_SID_AND_ATTRIBUTES");
    const saSize = sa ? sa.size : ps * 2;
    const fSid = sa ? sa.field("Sid") : undefined;
    const profiles: { [token: string]: Profile | null } = {};
    /** A _TOKEN's profile (cached per token), or undefined when its memory is not in the dump. */
    const readProfile = (token: Addr): Profile | undefined => {
      const key = addrKey(token);
      let pr = profiles[key];
      if (pr === undefined) {
        pr = null;
        const v = r.readFields(token, [fields.groups, fields.count, fields.il, fields.enabled, fields.session, fields.restricted, fields.level, fields.package]);
        if (v) {
          const groups = v.ptr(fields.groups);
          const count = v.num(fields.count);
          const il = v.num(fields.il);
          const sidAt = (i: number): string | undefined => {
            if (!groups || isNullAddr(groups) || count === undefined || i >= count || i >= 1024) return undefined;
            const p = r.readPointer(addrAdd(groups, i * saSize + (fSid ? fSid.offset : 0)));
            return p && !isNullAddr(p) ? readSid(r, p) : undefined;
          };
          const user = sidAt(0);
          const ilSid = il !== undefined && il > 0 ? sidAt(il) : undefined;
          const m = ilSid ? /^S-1-16-(\d+)$/.exec(ilSid) : null;
          const en = v.ptr(fields.enabled);
          const pkgPtr = v.ptr(fields.package);
          const restricted = v.num(fields.restricted);
          pr = {
            user, integrity: m ? Number(m[1]) : undefined, session: v.num(fields.session),
            enabled: en ? privilegesIn(en).map((l) => PRIVILEGE_NAMES[l] || "Privilege" + l) : [],
            restricted: restricted === undefined ? undefined : restricted > 0, appContainer: pkgPtr ? !isNullAddr(pkgPtr) : undefined,
            impersonationLevel: v.num(fields.level),
          };
        }
        profiles[key] = pr;
      }
      return pr || undefined;
    };

    const filter = processFilter(sel);
    const procs = k.processes();
    const byPid: { [pid: number]: KProcess } = {};
    for (const p of procs.items) byPid[p.pid] = p;
    const tokens: TokenRow[] = [];
    const tokenOf: { [pid: number]: TokenRow } = {};
    let unreadable = 0;
    let examined = 0;
    const readProcess = (p: KProcess): TokenRow | undefined => {
      const v = r.read(addrOf(p.address), fToken.offset, ps);
      const ref = v ? v.pair(fToken.offset, ps) : undefined;
      if (!ref) return undefined;
      const token = addrMask(ref, ps === 8 ? 4 : 3);
      if (isNullAddr(token)) return undefined;
      const profile = readProfile(token);
      return profile ? { p, token, profile } : undefined;
    };
    for (const p of procs.items) {
      const selected = !filter || filter(p);
      if (selected) examined++;
      const tr = readProcess(p);
      if (!tr) { if (selected) unreadable++; continue; }
      tokenOf[p.pid] = tr;
      if (selected) tokens.push(tr);
    }
    if (examined > 0 && tokens.length === 0) {
      ctx.summary("DeviantTokens: no readable token");
      yield info("none of the " + examined + " process tokens is readable (token memory is paged pool, often missing from kernel dumps; a complete dump has it); !process 0 1 lists the token addresses", "typed");
      return;
    }

    // Peer profiles: the majority (user, integrity) per image among three or more.
    const peerKey = (pr: Profile) => (pr.user || "?") + "/" + (pr.integrity !== undefined ? pr.integrity : "?");
    const groups: { [image: string]: TokenRow[] } = {};
    for (const tr of tokens) {
      const image = tr.p.name.toLowerCase();
      if (matchesAny(image, cfg.PeerExclude)) continue;
      (groups[image] = groups[image] || []).push(tr);
    }
    const majority: { [image: string]: { key: string; count: number; size: number; sample: Profile } } = {};
    for (const image of Object.keys(groups)) {
      const g = groups[image]!;
      if (g.length < 3) continue;
      const counts: { [key: string]: number } = {};
      for (const tr of g) counts[peerKey(tr.profile)] = (counts[peerKey(tr.profile)] || 0) + 1;
      let best = "";
      for (const key of Object.keys(counts)) if (best === "" || counts[key]! > counts[best]!) best = key;
      if (counts[best]! * 2 > g.length) majority[image] = { key: best, count: counts[best]!, size: g.length, sample: g.filter((x) => peerKey(x.profile) === best)[0]!.profile };
    }

    let flagged = 0;
    for (const tr of tokens) {
      const { p, profile } = tr;
      const findings = localRules(p.name, profile);
      // Lineage: integrity above a living, older parent's.
      const parent = p.parentPid !== undefined ? byPid[p.parentPid] : undefined;
      const parentToken = parent ? tokenOf[parent.pid] : undefined;
      const older = parent && (!parent.createTime || !p.createTime || compareTimes(parent.createTime, p.createTime) <= 0);
      if (parent && parentToken && older && profile.integrity !== undefined && parentToken.profile.integrity !== undefined &&
          profile.integrity > parentToken.profile.integrity && !matchesAny(parent.name, cfg.ElevationBrokers)) {
        const uac = profile.integrity === HIGH_RID && parentToken.profile.integrity === MEDIUM_RID && profile.user === parentToken.profile.user;
        if (!uac) {
          findings.push({
            verdict: parentToken.profile.integrity < MEDIUM_RID || profile.user === SYSTEM_SID ? "Positive" : "Suspicious",
            text: "integrity " + integrityName(profile.integrity) + " above its parent " + parent.name + " (0x" + parent.pid.toString(16) + ", " + integrityName(parentToken.profile.integrity) + ")",
          });
        }
      }
      const maj = majority[p.name.toLowerCase()];
      let peers: string | undefined;
      if (maj) {
        peers = maj.count + " of " + maj.size + " " + p.name + " run as " + userText(maj.sample.user) + " at " + ilText(maj.sample.integrity);
        if (peerKey(profile) !== maj.key) findings.push({ verdict: "Suspicious", text: "unlike its peers: " + peers });
      }
      if (findings.length === 0 && !sel.flags.All) continue;
      const verdict: Verdict = findings.some((f) => f.verdict === "Positive") ? "Positive" : findings.length ? "Suspicious" : "Info";
      if (findings.length) flagged++;
      yield tokenRow(tr, verdict, findings.map((f) => f.text).join("; ") || undefined, peers, ps);
    }

    // Threads: impersonation (opt-in: one read per thread).
    let impersonating = 0;
    if (sel.flags.Threads) {
      const et = r.type("_ETHREAD")!;
      const fActive = et.field("ActiveImpersonationInfo");
      const fClient = et.field("ClientSecurity.ImpersonationToken", "ClientSecurity.ImpersonationData", "ClientSecurity");
      if (!fActive) {
        yield info("the nt symbols lack ETHREAD.CrossThreadFlags.ActiveImpersonationInfo: thread impersonation not checked (!thread shows an impersonation token)", "typed");
      } else {
        const { threads } = k.allThreads(filter);
        const noToken: string[] = [];
        for (const th of threads) {
          const v = r.read(addrOf(th.address), fActive.offset, fActive.size);
          if (!v || !v.num(fActive)) continue;
          impersonating++;
          const cv = fClient ? r.read(addrOf(th.address), fClient.offset, ps) : undefined;
          const raw = cv ? cv.pair(fClient!.offset, ps) : undefined;
          const token = raw ? addrMask(raw, 3) : undefined; // ImpersonationLevel and EffectiveOnly live in the low bits
          const profile = token && !isNullAddr(token) ? readProfile(token) : undefined;
          if (!profile) { noToken.push("0x" + th.tid.toString(16)); continue; }
          const procToken = tokenOf[th.process.pid];
          const level = raw ? raw.lo & 3 : undefined;
          const findings: Finding[] = [];
          if (profile.user === SYSTEM_SID && (!procToken || procToken.profile.user !== SYSTEM_SID)) {
            findings.push({ verdict: "Suspicious", text: "impersonates SYSTEM in a process that does not run as SYSTEM" });
          }
          if (level === 3) findings.push({ verdict: "Suspicious", text: "impersonates at Delegation level" });
          if (findings.length === 0 && !sel.flags.All) continue;
          if (findings.length) flagged++;
          const row = tokenRow({ p: th.process, token: token!, profile }, findings.length ? "Suspicious" : "Info",
            (findings.map((f) => f.text).join("; ") || "impersonating") + (level !== undefined ? " (" + IMPERSONATION_LEVELS[level] + ")" : ""), undefined, ps) as { [k: string]: unknown };
          row.Thread = th.tid;
          row.Evidence = "!thread " + formatAddr(addrOf(th.address), ps) + "; !token " + formatAddr(token!, ps);
          yield row as Row;
        }
        if (noToken.length) {
          yield info(noToken.length + " impersonating threads (" + noToken.slice(0, 8).join(", ") + (noToken.length > 8 ? ", ..." : "") + ") whose impersonation token could not be read" +
            (fClient ? " (not in the dump)" : " (the symbols lack ETHREAD.ClientSecurity)") + "; !thread shows it", "typed");
        }
      }
    }

    const scope = tokens.length + " process tokens" + (filter ? " (" + describeSelection(sel) + ")" : "") + (unreadable ? ", " + unreadable + " unreadable" : "") +
      (sel.flags.Threads ? ", " + impersonating + " impersonating threads" : "");
    if (procs.problem) yield info(procs.problem, "typed");
    if (flagged === 0) {
      yield {
        Verdict: "Negative", Source: "typed",
        Evidence: "0 deviations among " + scope + ": no SYSTEM token in a user session, no listed privilege enabled outside service accounts, no integrity above the parent, no peer minority; !process 0 1",
      };
    }
    ctx.summary("DeviantTokens: " + flagged + " deviations among " + scope);
  },

  rowText(row) {
    if (row.Process === undefined) return row.Verdict + ": " + row.Evidence;
    return (row.Verdict !== "Info" ? row.Verdict + ": " : "") + String(row.Process) + " (0x" + Number(row.PID).toString(16) + ") " + String(row.User) + " " + String(row.Integrity) +
      (row.Deviation !== undefined ? ": " + String(row.Deviation) : "");
  },
});

function info(text: string, source: Source): Row {
  return { Verdict: "Info", Evidence: text, Source: source };
}

function userText(sid: string | undefined): string {
  if (sid === undefined) return "<unreadable>";
  const name = WELL_KNOWN_SIDS[sid];
  return name ? sid + " (" + name + ")" : sid;
}

function ilText(rid: number | undefined): string {
  return rid === undefined ? "<unknown>" : integrityName(rid);
}

function compareTimes(a: { hi: number; lo: number }, b: { hi: number; lo: number }): number {
  return a.hi !== b.hi ? (a.hi < b.hi ? -1 : 1) : a.lo !== b.lo ? (a.lo < b.lo ? -1 : 1) : 0;
}

function tokenRow(tr: TokenRow, verdict: Verdict, deviation: string | undefined, peers: string | undefined, ps: number): Row {
  const pr = tr.profile;
  const extra = (pr.restricted ? ", restricted" : "") + (pr.appContainer ? ", AppContainer" : "");
  return {
    Process: tr.p.name, PID: tr.p.pid, User: userText(pr.user), Integrity: ilText(pr.integrity) + extra, Session: pr.session,
    Privileges: pr.enabled.join(", "), Deviation: deviation, Peers: peers, Thread: undefined, Token: toInt64Addr(tr.token),
    Verdict: verdict, Source: "typed" as Source,
    Evidence: "!token " + formatAddr(tr.token, ps) + "; !process " + formatAddr(addrOf(tr.p.address), ps) + " 1",
  };
}

/** User dumps: what !token can say about this process's token, marked as limited. */
function* userMode(ctx: { target: { process: DbgModel.Process }; summary(text: string): void }, localRules: (image: string, pr: Profile) => Finding[]): Iterable<Row> {
  let image = "";
  try { image = String(ctx.target.process.Name); } catch (e) { image = ""; }
  image = image.slice(image.lastIndexOf("\\") + 1);
  const out = runCommand("!token");
  const parsed = out instanceof Unavailable ? { kind: "none" as const, reason: out.reason } : parseToken(out);
  if (parsed.kind === "none") {
    ctx.summary("DeviantTokens: no token in this user dump");
    yield info("limited (user dump): the process token is generally not captured, and !token shows none here (" + parsed.reason +
      "); a dump with token information (.dump /ma), or a kernel or complete dump, lets DeviantTokens compare every process's token", "command");
    return;
  }
  const enabled = parsed.privileges.filter((p) => p.enabled).map((p) => p.name);
  const profile: Profile = {
    user: parsed.user, integrity: parsed.integrityRid, session: parsed.sessionId, enabled, restricted: parsed.restricted,
    appContainer: undefined, impersonationLevel: undefined,
  };
  const findings = localRules(image, profile);
  const base = {
    Process: image || undefined, PID: undefined as number | undefined, User: userText(parsed.user) + (parsed.userName ? " " + parsed.userName : ""),
    Integrity: ilText(parsed.integrityRid), Session: parsed.sessionId, Privileges: enabled.join(", "), Source: "command" as Source,
  };
  try { base.PID = toNumber(ctx.target.process.Id); } catch (e) { base.PID = undefined; }
  for (const f of findings) {
    yield { ...base, Deviation: f.text + " (limited: user dump, !token only; no parent or peers to compare)", Verdict: f.verdict, Evidence: "!token" };
  }
  yield {
    ...base, Verdict: "Info", Evidence: "limited (user dump): !token shows " + userText(parsed.user) + " at " + ilText(parsed.integrityRid) +
      (parsed.sessionId !== undefined ? ", session " + parsed.sessionId : "") + (parsed.elevationType ? ", " + parsed.elevationType : "") +
      (parsed.impersonating ? " (the thread is impersonating: this is the impersonation token)" : "") + "; parents and peers need a kernel or complete dump",
  };
  if (findings.length === 0) {
    yield {
      Verdict: "Negative", Source: "command",
      Evidence: "0 deviations in this process's token (limited: user dump, the one token !token shows; " + enabled.length + " privileges enabled, none of the listed ones outside a service account)",
    };
  }
  ctx.summary("DeviantTokens (user dump, limited): " + findings.length + " deviations");
}

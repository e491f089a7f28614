/**
 * `ewmda diff <a.jsonl> <b.jsonl>`: what changed between two dumps of the same program (Step Dumps,
 * patterns.md §33), from the documents ewmda wrote for each (docs/schema.md):
 * - two snapshots (`!ewmda.snapshot`, `ewmda snapshot`): threads that appeared or vanished, threads whose
 *   stack moved on or stayed the same, stacks (signatures) that appeared or vanished, CPU time that grew,
 *   modules loaded or unloaded (or moved), processes, handle counts per type that grew, memory totals that grew;
 * - two triage exports (`!ewmda.export`, `ewmda analyze --findings`, or `ewmda analyze --jsonl` result
 *   documents): findings that appeared, vanished or stayed.
 * Files may hold several documents of each kind (appended over time): the last snapshot of each file is
 * compared, findings are merged, documents with the same id are counted once, and lines that are not
 * JSON documents (an interrupted write) are skipped with a warning.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { documentId } from "../lib/doc-id";
import { VERSION } from "../lib/version";

export const DIFF_SCHEMA = "ewmda.diff";

type Doc = Record<string, any>;

export interface DocumentFile {
  readonly file: string;
  readonly documents: readonly Doc[];
  /** Lines that were not JSON objects, by line number. */
  readonly skipped: readonly { readonly line: number; readonly reason: string }[];
  /** Documents dropped because an earlier one had the same id. */
  readonly duplicates: number;
}

/** Reads a JSON-lines file (or a JSON array, as `ewmda analyze --json` writes). Throws only when the file cannot be read. */
export function readDocuments(file: string): DocumentFile {
  const text = readFileSync(file, "utf8").replace(/^\ufeff/, "");
  const documents: Doc[] = [];
  const skipped: { line: number; reason: string }[] = [];
  let duplicates = 0;
  const ids = new Set<string>();
  const take = (d: unknown, line: number) => {
    if (!d || typeof d !== "object" || Array.isArray(d) || typeof (d as Doc).schema !== "string") {
      skipped.push({ line, reason: "not an ewmda document (no \"schema\")" });
      return;
    }
    const id = (d as Doc).id;
    if (typeof id === "string") {
      if (ids.has(id)) { duplicates++; return; }
      ids.add(id);
    }
    documents.push(d as Doc);
  };
  if (/^\s*\[/.test(text)) {
    try {
      const array = JSON.parse(text) as unknown[];
      array.forEach((d, i) => take(d, i + 1));
      return { file, documents, skipped, duplicates };
    } catch {
      // Not one JSON array after all: read it line by line.
    }
  }
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") return;
    try {
      take(JSON.parse(line), i + 1);
    } catch (e) {
      skipped.push({ line: i + 1, reason: `not JSON (${(e as Error).message}); an interrupted write?` });
    }
  });
  return { file, documents, skipped, duplicates };
}

// ---------------------------------------------------------------- the report

export interface ThreadRef { readonly id: number; readonly name: string | null; readonly top: string | null }
export interface Counted { readonly name: string; readonly before: number; readonly after: number; readonly delta: number }
export interface Sized { readonly name: string; readonly before: string; readonly after: string; readonly delta: string }
export interface StackChange { readonly signature: string; readonly threads: readonly number[]; readonly stack: readonly string[] }
export interface FindingRef { readonly analysis: string; readonly section: string | null; readonly verdict: string; readonly text: string }

export interface SnapshotDiff {
  /** Time between the dumps (their dumpTime), null when either is unknown. */
  readonly intervalMs: number | null;
  readonly processes: { readonly appeared: readonly { id: number; name: string }[]; readonly vanished: readonly { id: number; name: string }[] };
  readonly threads: {
    readonly appeared: readonly ThreadRef[];
    readonly vanished: readonly ThreadRef[];
    /** Same thread id, another stack: it moved on (or the id was reused). */
    readonly movedOn: readonly { readonly id: number; readonly before: string | null; readonly after: string | null }[];
    /** Same thread id, same stack signature in both: possibly stuck. */
    readonly sameStack: readonly ThreadRef[];
    /** CPU time (user + kernel) that grew, most first; empty when either snapshot lacks thread times. */
    readonly cpuGrew: readonly { readonly id: number; readonly userMs: number; readonly kernelMs: number }[];
    /**
     * Whether threads were matched by id: only within one process. Dumps of two processes (other process
     * ids) reuse thread ids by chance, so their threads are all appeared / vanished and only stacks compare.
     */
    readonly matchedById: boolean;
  };
  readonly stacks: { readonly appeared: readonly StackChange[]; readonly vanished: readonly StackChange[] };
  readonly modules: {
    readonly loaded: readonly { name: string; path: string; base: string }[];
    readonly unloaded: readonly { name: string; path: string; base: string }[];
    readonly moved: readonly { name: string; before: string; after: string }[];
  };
  readonly handles: { readonly compared: boolean; readonly reason: string | null; readonly total: Counted | null; readonly grew: readonly Counted[]; readonly shrank: readonly Counted[] };
  readonly regions: { readonly compared: boolean; readonly reason: string | null; readonly grew: readonly Sized[]; readonly shrank: readonly Sized[] };
}

export interface FindingsDiff {
  readonly appeared: readonly FindingRef[];
  readonly vanished: readonly FindingRef[];
  /**
   * The same finding (analysis, section, verdict) whose text differs only in decimal numbers ("0 blocked
   * threads among 103" then "among 94"), paired one to one: reported as changed, not as vanished and appeared.
   */
  readonly changed: readonly { readonly before: FindingRef; readonly after: FindingRef }[];
  readonly unchanged: number;
}

export interface Side {
  readonly file: string;
  readonly documents: number;
  readonly snapshot: { readonly id: string; readonly time: string; readonly dumpTime: string | null } | null;
  readonly findings: number;
  readonly target: Doc | null;
}

export interface DiffReport {
  readonly a: Side;
  readonly b: Side;
  /** Both documents name the same process image (null when either does not say). */
  readonly sameProgram: boolean | null;
  /** The same process (same image, process id and architecture): step dumps proper; null when either does not say. */
  readonly sameProcess: boolean | null;
  readonly warnings: readonly string[];
  readonly snapshot: SnapshotDiff | null;
  readonly findings: FindingsDiff | null;
}

function snapshots(f: DocumentFile): Doc[] {
  return f.documents.filter((d) => d.schema === "ewmda.snapshot");
}

/** Findings of a file: finding documents, and the rows of Triage result documents (older exports). */
function findings(f: DocumentFile): FindingRef[] {
  const out: FindingRef[] = [];
  for (const d of f.documents) {
    if (d.schema === "ewmda.finding") {
      out.push({ analysis: String(d.analysis?.name ?? "?"), section: d.section ?? null, verdict: String(d.verdict), text: String(d.text) });
    } else if (d.schema === "ewmda.result" && Array.isArray(d.rows)) {
      const triage = d.analysis?.name === "Triage";
      for (const r of d.rows as Doc[]) {
        out.push({
          analysis: triage && typeof r.Analysis === "string" ? r.Analysis : String(d.analysis?.name ?? "?"),
          section: triage && typeof r.Section === "string" ? r.Section : null,
          verdict: String(r.Verdict),
          text: triage && typeof r.Finding === "string" ? r.Finding : String(r.Evidence),
        });
      }
    }
  }
  return out;
}

const findingKey = (f: FindingRef) => `${f.analysis}\n${f.section ?? ""}\n${f.verdict}\n${f.text}`;

function side(f: DocumentFile): Side {
  const s = snapshots(f);
  const last = s[s.length - 1];
  const target = last?.target ?? f.documents.find((d) => d.target)?.target ?? null;
  return { file: f.file, documents: f.documents.length, snapshot: last ? { id: String(last.id), time: String(last.time), dumpTime: typeof last.dumpTime === "string" ? last.dumpTime : null } : null, findings: findings(f).length, target };
}

const big = (h: string | undefined) => (typeof h === "string" && /^0x[0-9a-f]+$/i.test(h) ? BigInt(h) : 0n);
const hexOf = (v: bigint) => "0x" + v.toString(16);

function diffSnapshots(a: Doc, b: Doc, matchById: boolean): SnapshotDiff {
  const ref = (t: Doc): ThreadRef => ({ id: t.id, name: t.name ?? null, top: t.top ?? null });
  const ta = new Map<number, Doc>((a.threads ?? []).map((t: Doc) => [t.id, t]));
  const tb = new Map<number, Doc>((b.threads ?? []).map((t: Doc) => [t.id, t]));
  const appeared = [...tb.values()].filter((t) => !matchById || !ta.has(t.id)).map(ref);
  const vanished = [...ta.values()].filter((t) => !matchById || !tb.has(t.id)).map(ref);
  const movedOn: { id: number; before: string | null; after: string | null }[] = [];
  const sameStack: ThreadRef[] = [];
  const cpuGrew: { id: number; userMs: number; kernelMs: number }[] = [];
  for (const t of tb.values()) {
    const o = matchById ? ta.get(t.id) : undefined;
    if (!o) continue;
    if (o.signature !== null && o.signature === t.signature) sameStack.push(ref(t));
    else movedOn.push({ id: t.id, before: o.top ?? null, after: t.top ?? null });
    if (o.times && t.times) {
      const userMs = (t.times.userMs ?? 0) - (o.times.userMs ?? 0);
      const kernelMs = (t.times.kernelMs ?? 0) - (o.times.kernelMs ?? 0);
      if (userMs + kernelMs > 0) cpuGrew.push({ id: t.id, userMs, kernelMs });
    }
  }
  cpuGrew.sort((x, y) => y.userMs + y.kernelMs - (x.userMs + x.kernelMs) || x.id - y.id);

  const stacksOf = (s: Doc) => {
    const m = new Map<string, { signature: string; threads: number[]; stack: string[] }>();
    for (const t of (s.threads ?? []) as Doc[]) {
      if (!t.signature) continue;
      const e = m.get(t.signature) ?? { signature: String(t.signature), threads: [] as number[], stack: (t.stack ?? []) as string[] };
      e.threads.push(t.id);
      m.set(t.signature, e);
    }
    return m;
  };
  const sa = stacksOf(a);
  const sb = stacksOf(b);

  const modKey = (m: Doc) => String(m.path ?? m.name).toLowerCase();
  const ma = new Map<string, Doc>((a.modules ?? []).map((m: Doc) => [modKey(m), m]));
  const mb = new Map<string, Doc>((b.modules ?? []).map((m: Doc) => [modKey(m), m]));
  const mod = (m: Doc) => ({ name: String(m.name), path: String(m.path), base: String(m.base) });

  const pa = new Map<string, Doc>((a.processes ?? []).map((p: Doc) => [`${p.id}:${p.name}`, p]));
  const pb = new Map<string, Doc>((b.processes ?? []).map((p: Doc) => [`${p.id}:${p.name}`, p]));

  let handles: SnapshotDiff["handles"];
  if (a.handles?.available && b.handles?.available) {
    const before = a.handles.value.byType as Record<string, number>;
    const after = b.handles.value.byType as Record<string, number>;
    const types = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    const rows = types.map((name) => ({ name, before: before[name] ?? 0, after: after[name] ?? 0, delta: (after[name] ?? 0) - (before[name] ?? 0) }));
    handles = {
      compared: true, reason: null,
      total: { name: "total", before: a.handles.value.total, after: b.handles.value.total, delta: b.handles.value.total - a.handles.value.total },
      grew: rows.filter((r) => r.delta > 0).sort((x, y) => y.delta - x.delta || x.name.localeCompare(y.name)),
      shrank: rows.filter((r) => r.delta < 0).sort((x, y) => x.delta - y.delta || x.name.localeCompare(y.name)),
    };
  } else {
    const why = !a.handles?.available ? `the first snapshot has no handle counts (${a.handles?.reason ?? "not recorded"})` : `the second snapshot has no handle counts (${b.handles?.reason ?? "not recorded"})`;
    handles = { compared: false, reason: why, total: null, grew: [], shrank: [] };
  }

  let regions: SnapshotDiff["regions"];
  if (a.regions?.available && b.regions?.available) {
    const grew: Sized[] = [];
    const shrank: Sized[] = [];
    for (const section of ["Usage", "Type", "State"]) {
      const before = (a.regions.value[section] ?? {}) as Record<string, { bytes: string }>;
      const after = (b.regions.value[section] ?? {}) as Record<string, { bytes: string }>;
      for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
        const x = big(before[name]?.bytes);
        const y = big(after[name]?.bytes);
        if (y > x) grew.push({ name: `${section} ${name}`, before: hexOf(x), after: hexOf(y), delta: hexOf(y - x) });
        else if (y < x) shrank.push({ name: `${section} ${name}`, before: hexOf(x), after: hexOf(y), delta: hexOf(x - y) });
      }
    }
    regions = { compared: true, reason: null, grew, shrank };
  } else {
    const why = !a.regions?.available ? `the first snapshot has no memory totals (${a.regions?.reason ?? "not recorded"})` : `the second snapshot has no memory totals (${b.regions?.reason ?? "not recorded"})`;
    regions = { compared: false, reason: why, grew: [], shrank: [] };
  }

  const ta0 = typeof a.dumpTime === "string" ? Date.parse(a.dumpTime) : NaN;
  const tb0 = typeof b.dumpTime === "string" ? Date.parse(b.dumpTime) : NaN;
  return {
    intervalMs: isNaN(ta0) || isNaN(tb0) ? null : tb0 - ta0,
    processes: {
      appeared: [...pb.values()].filter((p) => !pa.has(`${p.id}:${p.name}`)).map((p) => ({ id: p.id, name: p.name })),
      vanished: [...pa.values()].filter((p) => !pb.has(`${p.id}:${p.name}`)).map((p) => ({ id: p.id, name: p.name })),
    },
    threads: { appeared, vanished, movedOn, sameStack, cpuGrew, matchedById: matchById },
    stacks: {
      appeared: [...sb.values()].filter((s) => !sa.has(s.signature)),
      vanished: [...sa.values()].filter((s) => !sb.has(s.signature)),
    },
    modules: {
      loaded: [...mb.entries()].filter(([k]) => !ma.has(k)).map(([, m]) => mod(m)),
      unloaded: [...ma.entries()].filter(([k]) => !mb.has(k)).map(([, m]) => mod(m)),
      moved: [...mb.entries()].filter(([k, m]) => ma.has(k) && ma.get(k)!.base !== m.base).map(([k, m]) => ({ name: String(m.name), before: String(ma.get(k)!.base), after: String(m.base) })),
    },
    handles,
    regions,
  };
}

/**
 * A finding's text with its decimal numbers blanked (counts, times, sizes): what stays when only counts
 * moved. Hex numbers (thread ids, addresses) are kept: another thread or another address is another finding.
 */
const shapeKey = (f: FindingRef) => `${f.analysis}\n${f.section ?? ""}\n${f.verdict}\n${f.text.replace(/\b\d+\b/g, "#")}`;

function diffFindings(a: readonly FindingRef[], b: readonly FindingRef[]): FindingsDiff {
  const ka = new Map(a.map((f) => [findingKey(f), f]));
  const kb = new Map(b.map((f) => [findingKey(f), f]));
  const gone = [...ka.entries()].filter(([k]) => !kb.has(k)).map(([, f]) => f);
  const added = [...kb.entries()].filter(([k]) => !ka.has(k)).map(([, f]) => f);
  // Pair what vanished with what appeared when the text has the same shape, but only one to one: several
  // findings of one shape (one per thread) that differ are real appearances and vanishings.
  const byShape = (xs: readonly FindingRef[]) => {
    const m = new Map<string, FindingRef[]>();
    for (const x of xs) { const k = shapeKey(x); m.set(k, [...(m.get(k) ?? []), x]); }
    return m;
  };
  const ga = byShape(gone);
  const gb = byShape(added);
  const changed: { before: FindingRef; after: FindingRef }[] = [];
  const paired = new Set<FindingRef>();
  for (const [k, before] of ga) {
    const after = gb.get(k);
    if (before.length === 1 && after && after.length === 1) {
      changed.push({ before: before[0]!, after: after[0]! });
      paired.add(before[0]!);
      paired.add(after[0]!);
    }
  }
  return {
    appeared: added.filter((f) => !paired.has(f)),
    vanished: gone.filter((f) => !paired.has(f)),
    changed,
    unchanged: [...kb.keys()].filter((k) => ka.has(k)).length,
  };
}

/** Compares two files; a message (no report) when they hold nothing comparable. */
export function diffFiles(a: DocumentFile, b: DocumentFile): DiffReport | string {
  const warnings: string[] = [];
  for (const f of [a, b]) {
    for (const s of f.skipped) warnings.push(`${f.file}: line ${s.line} skipped: ${s.reason}`);
    if (f.duplicates) warnings.push(`${f.file}: ${f.duplicates} document(s) with an id seen before were counted once`);
    const n = snapshots(f).length;
    if (n > 1) warnings.push(`${f.file} holds ${n} snapshots; the last one is compared`);
  }
  const sa = snapshots(a);
  const sb = snapshots(b);
  const fa = findings(a);
  const fb = findings(b);
  const A = side(a);
  const B = side(b);
  const na = A.target?.processName;
  const nb = B.target?.processName;
  const sameProgram = typeof na === "string" && typeof nb === "string" ? na.toLowerCase() === nb.toLowerCase() : null;
  const pa = A.target?.processId;
  const pb = B.target?.processId;
  const archA = A.target?.arch;
  const archB = B.target?.arch;
  const sameProcess = sameProgram === false || (typeof archA === "string" && typeof archB === "string" && archA !== archB) ? false
    : sameProgram === true && typeof pa === "number" && typeof pb === "number" ? pa === pb : null;
  const snapshot = sa.length && sb.length ? diffSnapshots(sa[sa.length - 1]!, sb[sb.length - 1]!, sameProcess !== false) : null;
  const found = fa.length && fb.length ? diffFindings(fa, fb) : null;
  if (!snapshot && !found) {
    const what = (f: DocumentFile, s: number, n: number) => `${f.file} has ${s} snapshot(s) and ${n} finding(s) (${f.documents.length} document(s))`;
    return `nothing to compare: ${what(a, sa.length, fa.length)}; ${what(b, sb.length, fb.length)}. Compare two snapshots (!ewmda.snapshot, ewmda snapshot) or two triage exports (!ewmda.export, ewmda analyze --findings)`;
  }
  if (sa.length && !sb.length) warnings.push(`${b.file} has no snapshot: only findings are compared`);
  if (sb.length && !sa.length) warnings.push(`${a.file} has no snapshot: only findings are compared`);
  if (sameProgram === false) warnings.push(`the dumps are of different programs (${na} and ${nb}); the comparison may mean little`);
  else if (sameProcess === false) {
    const what = typeof archA === "string" && typeof archB === "string" && archA !== archB ? `architectures (${archA} and ${archB})` : `process ids (0x${Number(pa).toString(16)} and 0x${Number(pb).toString(16)})`;
    const consequences = [snapshot ? "threads are not matched by id" : "", found ? "findings naming threads and addresses differ by nature" : ""].filter((x) => x !== "");
    warnings.push(`the dumps are of two runs of ${na}, not steps of one process (other ${what}): ${consequences.join("; ")}`);
  }
  if (snapshot) {
    const x = sa[sa.length - 1]!;
    const y = sb[sb.length - 1]!;
    if (typeof x.target?.dumpFile === "string" && x.target.dumpFile === y.target?.dumpFile && x.dumpTime === y.dumpTime) {
      warnings.push(`both snapshots are of the same dump (${x.target.dumpFile}): what differs comes from how it was read (symbols, ewmda version), not from the program`);
    }
    const named = (d: Doc) => {
      let all = 0;
      let withNames = 0;
      for (const t of (d.threads ?? []) as Doc[]) for (const f of (t.stack ?? []) as string[]) { all++; if (f.indexOf("!") >= 0) withNames++; }
      return all === 0 ? null : withNames / all >= 0.5;
    };
    const nx = named(x);
    const ny = named(y);
    if (nx !== null && ny !== null && nx !== ny) {
      warnings.push(`${nx ? a.file : b.file} has function names in its stacks and ${nx ? b.file : a.file} mostly module+offset (no symbols): the same stack has another signature, so stacks and threads that "moved on" may not have moved (snapshot both with the same symbols)`);
    }
  }
  return { a: A, b: B, sameProgram, sameProcess, warnings, snapshot, findings: found };
}

// ---------------------------------------------------------------- faces

/** The report as an `ewmda.diff` document (schema/ewmda.diff.v1.schema.json). */
export function diffDocument(r: DiffReport, now: Date = new Date()): object {
  const content = { a: r.a, b: r.b, sameProgram: r.sameProgram, sameProcess: r.sameProcess, warnings: r.warnings, snapshot: r.snapshot, findings: r.findings };
  return {
    schema: DIFF_SCHEMA, schemaVersion: 1,
    id: documentId({ schema: DIFF_SCHEMA, content }),
    tool: { name: "ewmda", version: VERSION },
    time: now.toISOString(),
    ...content,
  };
}

const idText = (id: number) => `0x${id.toString(16)}`;
const threadText = (t: ThreadRef) => `${idText(t.id)}${t.name ? ` "${t.name}"` : ""}${t.top ? ` ${t.top}` : ""}`;

function describeSide(label: string, s: Side): string {
  const t = s.target;
  const what = t ? `${t.processName ?? "?"}${typeof t.processId === "number" ? ` (pid ${idText(t.processId)})` : ""}${t.dumpFile ? `, ${t.dumpFile}` : ""}` : "no target";
  const snap = s.snapshot ? `snapshot ${s.snapshot.id} (dump written ${s.snapshot.dumpTime ?? "at an unknown time"})` : "no snapshot";
  return `${label} ${path.basename(s.file)}: ${what}; ${snap}; ${s.findings} finding(s)`;
}

const MAX_LIST = 20;

function list<T>(out: string[], items: readonly T[], line: (x: T) => string): void {
  for (const x of items.slice(0, MAX_LIST)) out.push(`  ${line(x)}`);
  if (items.length > MAX_LIST) out.push(`  ... and ${items.length - MAX_LIST} more (--json has all)`);
}

/** The report for people. */
export function renderDiff(r: DiffReport): string[] {
  const out = [describeSide("a:", r.a), describeSide("b:", r.b)];
  for (const w of r.warnings) out.push(`warning: ${w}`);
  const s = r.snapshot;
  if (s) {
    const t = s.threads;
    out.push("", t.matchedById
      ? `Threads: ${t.appeared.length} appeared, ${t.vanished.length} vanished, ${t.movedOn.length} moved on, ${t.sameStack.length} with the same stack`
      : `Threads: ${t.vanished.length} in a, ${t.appeared.length} in b (two processes: not matched by id; compare their stacks below)`);
    list(out, t.appeared, (x) => `+ ${threadText(x)}`);
    list(out, t.vanished, (x) => `- ${threadText(x)}`);
    list(out, t.movedOn, (x) => `~ ${idText(x.id)}: ${x.before ?? "?"} -> ${x.after ?? "?"}`);
    list(out, t.sameStack, (x) => `= ${threadText(x)}`);
    if (s.intervalMs !== null) out.push(`Time between the dumps: ${s.intervalMs / 1000} s`);
    if (t.cpuGrew.length) {
      out.push("CPU time that grew (user + kernel):");
      const share = (ms: number) => (s.intervalMs && s.intervalMs > 0 ? `, ${Math.round((ms / s.intervalMs) * 100)}% of one CPU` : "");
      list(out, t.cpuGrew, (x) => `${idText(x.id)} +${x.userMs + x.kernelMs} ms (user +${x.userMs}, kernel +${x.kernelMs}${share(x.userMs + x.kernelMs)})`);
    }
    out.push(`Stacks: ${s.stacks.appeared.length} appeared, ${s.stacks.vanished.length} vanished`);
    const stackLine = (sign: string) => (x: StackChange) => `${sign} ${x.signature} [${x.threads.length} thread(s): ${x.threads.map(idText).join(", ")}] ${x.stack.slice(0, 4).join(" <- ")}${x.stack.length > 4 ? " <- ..." : ""}`;
    list(out, s.stacks.appeared, stackLine("+"));
    list(out, s.stacks.vanished, stackLine("-"));
    out.push(`Modules: ${s.modules.loaded.length} loaded, ${s.modules.unloaded.length} unloaded, ${s.modules.moved.length} at another base`);
    list(out, s.modules.loaded, (m) => `+ ${m.name} at ${m.base}`);
    list(out, s.modules.unloaded, (m) => `- ${m.name} (was at ${m.base})`);
    list(out, s.modules.moved, (m) => `~ ${m.name}: ${m.before} -> ${m.after}`);
    if (s.processes.appeared.length || s.processes.vanished.length) {
      out.push(`Processes: ${s.processes.appeared.length} appeared, ${s.processes.vanished.length} vanished`);
      list(out, s.processes.appeared, (p) => `+ ${idText(p.id)} ${p.name}`);
      list(out, s.processes.vanished, (p) => `- ${idText(p.id)} ${p.name}`);
    }
    if (s.handles.compared && s.handles.total) {
      const h = s.handles.total;
      out.push(`Handles: ${h.before} -> ${h.after} (${h.delta >= 0 ? "+" : ""}${h.delta}); ${s.handles.grew.length} type(s) grew`);
      list(out, s.handles.grew, (x) => `${x.name.padEnd(16)} ${x.before} -> ${x.after} (+${x.delta})`);
      list(out, s.handles.shrank, (x) => `${x.name.padEnd(16)} ${x.before} -> ${x.after} (${x.delta})`);
    } else {
      out.push(`Handles: not compared: ${s.handles.reason}`);
    }
    if (s.regions.compared) {
      out.push(`Memory: ${s.regions.grew.length} total(s) grew, ${s.regions.shrank.length} shrank`);
      list(out, s.regions.grew, (x) => `${x.name.padEnd(24)} ${x.before} -> ${x.after} (+${x.delta} bytes)`);
      list(out, s.regions.shrank, (x) => `${x.name.padEnd(24)} ${x.before} -> ${x.after} (-${x.delta} bytes)`);
    } else {
      out.push(`Memory: not compared: ${s.regions.reason}`);
    }
  }
  const f = r.findings;
  if (f) {
    out.push("", `Findings: ${f.appeared.length} appeared, ${f.vanished.length} vanished, ${f.changed.length} changed, ${f.unchanged} unchanged`);
    const line = (sign: string) => (x: FindingRef) => `${sign} ${x.verdict}${x.section ? ` ${x.section}` : ""} [${x.analysis}] ${x.text}`;
    list(out, f.appeared, line("+"));
    list(out, f.vanished, line("-"));
    list(out, f.changed, (x) => `~ ${x.after.verdict}${x.after.section ? ` ${x.after.section}` : ""} [${x.after.analysis}] ${x.before.text}\n      -> ${x.after.text}`);
  }
  return out;
}

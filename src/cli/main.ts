/**
 * The `ewmda` command line: the same dist/ewmda.js that users load into WinDbg, run headless on a
 * minidump; `ewmda patterns` prints the pattern catalogue and `ewmda diff` compares two files of export
 * documents (no dump needed); `publish` / `consume` / `worker` / `store` / `query` move export documents through
 * Kafka into MongoDB or a local DuckDB database (docs/pipeline.md); `report` and `plot` draw them (docs/visualization.md). Exit status: 0 when the run completed (findings or not), 1 when a file is not
 * usable (with a one-line reason), 2 for a usage error.
 */
import { renameSync, writeFileSync } from "node:fs";
import { defineCommand, runMain } from "citty";
import { ANALYSES } from "../extensions/registry";
import { catalogue, renderCatalogue } from "../lib/catalogue";
import { MinidumpError } from "../minidump/types";
import { VERSION } from "../lib/version";
import { analyze, exportedDocuments, ExportError, selectAnalyses, type OutputFormat } from "./analyze";
import { diffDocument, diffFiles, readDocuments, renderDiff, type DocumentFile } from "./diff";
import { demoNotes, runDemo } from "./demo";
import { dumpInfo, renderInfo } from "./info";
import { openSession, type Session } from "./session";
import { consumeCommand } from "./commands/consume";
import { plotCommand } from "./commands/plot";
import { publishCommand } from "./commands/publish";
import { queryCommand } from "./commands/query";
import { reportCommand } from "./commands/report";
import { storeCommand } from "./commands/store";
import { workerCommand } from "./commands/worker";

class UsageError extends Error {}

/** Values of a repeatable option (`--pattern A --pattern B`, `--pattern=A`). */
function repeated(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i]!;
    if (a === `--${name}` && i + 1 < raw.length) out.push(raw[++i]!);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out;
}

/** Writes to a file through a temporary name, so an interrupted run never leaves half a report. */
function emit(text: string, out: string | undefined): void {
  if (!out) {
    process.stdout.write(text);
    return;
  }
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, out);
}

function withSession<T>(file: string, symbols: string | undefined, fn: (s: Session) => T): T {
  let session: Session;
  try {
    session = openSession(file, { symbolsDir: symbols });
  } catch (e) {
    if (e instanceof MinidumpError || (e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR") {
      process.stderr.write(`ewmda: ${file}: ${(e as Error).message}\n`);
      process.exitCode = 1;
      throw new HandledError();
    }
    throw e;
  }
  try {
    return fn(session);
  } finally {
    session.close();
  }
}

class HandledError extends Error {}

function guard(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (e instanceof HandledError) return;
    if (e instanceof UsageError) {
      process.stderr.write(`ewmda: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (e instanceof ExportError) {
      process.stderr.write(`ewmda: ${e.message}\n`);
      process.exitCode = 3;
      return;
    }
    process.stderr.write(`ewmda: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 3;
  }
}

const info = defineCommand({
  meta: { name: "info", description: "What a dump holds: system, process, exception, threads, modules, streams, and what each analysis can use" },
  args: {
    dump: { type: "positional", description: "minidump file", required: true },
    json: { type: "boolean", description: "print one JSON object instead of text" },
  },
  run({ args }) {
    guard(() => withSession(args.dump, undefined, (s) => {
      const i = dumpInfo(s.file, s.dump, s.target);
      emit(args.json ? JSON.stringify(i, null, 2) + "\n" : renderInfo(i, s.target).join("\n") + "\n", undefined);
    }));
  },
});

const analyzeCommand = defineCommand({
  meta: { name: "analyze", description: "Run ewmda's Triage on a dump (or the analyses named with --pattern, or --all of them) and print the report" },
  args: {
    dump: { type: "positional", description: "minidump file", required: true },
    pattern: { type: "string", description: "analysis (RawStack), command (rawstack) or catalogue pattern name; repeatable (default: Triage)" },
    all: { type: "boolean", description: "run every analysis separately instead of Triage" },
    json: { type: "boolean", description: "print a JSON array of result documents (ewmda.result, docs/schema.md)" },
    jsonl: { type: "boolean", description: "print one result document (ewmda.result) per line" },
    findings: { type: "boolean", description: "print one document per row, as !ewmda.export writes them (ewmda.finding, ewmda.row), one per line" },
    text: { type: "boolean", description: "print tables for people (the default)" },
    out: { type: "string", description: "write the report to this file instead of standard output" },
    symbols: { type: "string", description: "folder of Breakpad .sym files (symbol-server layout) for function names" },
    progress: { type: "boolean", description: "show progress on standard error (default: when it is a terminal)" },
  },
  run({ args, rawArgs }) {
    guard(() => {
      const formats = [args.json && "json", args.jsonl && "jsonl", args.findings && "findings", args.text && "text"].filter(Boolean) as OutputFormat[];
      if (formats.length > 1) throw new UsageError("choose one of --json, --jsonl, --findings, --text");
      const format: OutputFormat = formats[0] ?? "text";
      let metas;
      try { metas = selectAnalyses(repeated(rawArgs, "pattern"), args.all === true); } catch (e) { throw new UsageError((e as Error).message); }
      const showProgress = args.progress ?? process.stderr.isTTY === true;
      withSession(args.dump, args.symbols, (s) => {
        const r = analyze(s, metas, format, (line) => { if (showProgress) process.stderr.write(`${line}\n`); });
        const text = format === "text" ? r.text.join("\n") + "\n"
          : format === "json" ? JSON.stringify(r.documents, null, 2) + "\n"
            : r.documents.map((d) => JSON.stringify(d)).join("\n") + "\n";
        emit(text, args.out);
      });
    });
  },
});

const snapshotCommand = defineCommand({
  meta: { name: "snapshot", description: "Print one snapshot document of a dump (threads and stack signatures, modules, handles, memory totals) for ewmda diff" },
  args: {
    dump: { type: "positional", description: "minidump file", required: true },
    out: { type: "string", description: "write the snapshot to this file instead of standard output" },
    symbols: { type: "string", description: "folder of Breakpad .sym files (symbol-server layout) for function names" },
  },
  run({ args }) {
    guard(() => withSession(args.dump, args.symbols, (s) => {
      const docs = exportedDocuments(s, "Snapshot", []);
      emit(docs.map((d) => JSON.stringify(d)).join("\n") + "\n", args.out);
    }));
  },
});

function readOrFail(file: string): DocumentFile {
  try {
    return readDocuments(file);
  } catch (e) {
    process.stderr.write(`ewmda: ${file}: ${(e as Error).message}\n`);
    process.exitCode = 1;
    throw new HandledError();
  }
}

const diff = defineCommand({
  meta: { name: "diff", description: "Compare two snapshots or two triage exports of the same program: threads, stacks, modules, handles, memory, findings" },
  args: {
    a: { type: "positional", description: "the earlier file of export documents (JSON lines)", required: true },
    b: { type: "positional", description: "the later file of export documents (JSON lines)", required: true },
    json: { type: "boolean", description: "print one ewmda.diff document (docs/schema.md) instead of text" },
    out: { type: "string", description: "write the comparison to this file instead of standard output" },
  },
  run({ args }) {
    guard(() => {
      const a = readOrFail(args.a);
      const b = readOrFail(args.b);
      const report = diffFiles(a, b);
      if (typeof report === "string") throw new UsageError(report);
      emit(args.json ? JSON.stringify(diffDocument(report), null, 2) + "\n" : renderDiff(report).join("\n") + "\n", args.out);
    });
  },
});

const demo = defineCommand({
  meta: { name: "demo", description: "Write a synthetic dump with known problems and analyze it (no dump of your own needed)" },
  args: {
    out: { type: "string", description: "where to write the synthetic dump", default: "ewmda-demo.dmp" },
  },
  run({ args }) {
    guard(() => {
      const { dump, symbols } = runDemo(args.out);
      withSession(dump, symbols, (s) => {
        const r = analyze(s, selectAnalyses([]), "text", () => undefined);
        emit([`Wrote ${dump}, a synthetic dump, and its symbols in ${symbols} (ewmda analyze ${dump} --symbols ${symbols} reproduces this report).`, "", ...r.text, "", ...demoNotes()].join("\n") + "\n", undefined);
      });
    });
  },
});

const patterns = defineCommand({
  meta: { name: "patterns", description: "The memory analysis patterns ewmda serves and the analyses that automate each (no dump needed)" },
  args: {
    json: { type: "boolean", description: "print a JSON array of { name, dumpKinds, analyses, automated }" },
  },
  run({ args }) {
    guard(() => {
      const entries = catalogue(ANALYSES);
      const text = args.json
        ? JSON.stringify(entries.map((e) => ({ name: e.name, dumpKinds: e.dumpKinds, analyses: e.analyses, automated: e.automated })), null, 2)
        : renderCatalogue(entries).concat("Run the analyses of one pattern: ewmda analyze <dump> --pattern \"<pattern>\"").join("\n");
      emit(text + "\n", undefined);
    });
  },
});

export const main = defineCommand({
  meta: { name: "ewmda", version: VERSION, description: "Memory-dump analysis patterns: the WinDbg extension's analyses, headless on Linux" },
  subCommands: {
    analyze: analyzeCommand,
    info,
    snapshot: snapshotCommand,
    diff,
    demo,
    patterns,
    publish: publishCommand,
    consume: consumeCommand,
    worker: workerCommand,
    store: storeCommand,
    query: queryCommand,
    report: reportCommand,
    plot: plotCommand,
  },
});

void runMain(main);

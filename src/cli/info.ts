/**
 * `ewmda info <dump>`: what the dump holds and what each analysis can use. With --json, one object whose
 * fields are a documented contract (README): addresses and codes are "0x..." lowercase hex strings,
 * counts are numbers.
 */
import path from "node:path";
import type { MinidumpReader } from "../minidump/types";
import type { DumpTarget } from "../runner/dump-target";
import { exceptionName } from "../runner/windbg-commands";

const hex = (v: bigint | number) => "0x" + (typeof v === "bigint" ? v : BigInt(v >>> 0)).toString(16);

export interface InfoJson {
  readonly file: string;
  readonly arch: "x86" | "x64" | "arm64";
  readonly os: { readonly platform: string; readonly version: string; readonly build: number; readonly servicePack: string | null } | null;
  readonly cpuCount: number | null;
  readonly processId: number | null;
  readonly processName: string | null;
  readonly dumpTime: string;
  readonly threads: readonly { readonly id: number; readonly name?: string; readonly stack: { readonly start: string; readonly size: number } }[];
  readonly modules: readonly { readonly name: string; readonly path: string; readonly base: string; readonly size: number; readonly version?: string }[];
  readonly unloadedModules: readonly { readonly name: string; readonly path: string; readonly base: string; readonly size: number }[];
  readonly handles: number | null;
  readonly exception: { readonly threadId: number; readonly code: string; readonly address: string; readonly name: string } | null;
  readonly streams: readonly string[];
  readonly unknownStreams: readonly string[];
  readonly memory: { readonly ranges: number; readonly bytes: number; readonly regions: number | null };
  readonly capabilities: readonly { readonly analysis: string; readonly usable: boolean; readonly why: string }[];
  readonly warnings: readonly string[];
}

/** What the dump offers each analysis (so a user knows why a result says "not available"). */
function capabilities(dump: MinidumpReader, target: DumpTarget): InfoJson["capabilities"] {
  const threads = dump.threads();
  const withStack = threads.filter((t) => t.stack.size > 0 && dump.readMemory(t.stack.start, Math.min(t.stack.size, 16)) !== undefined).length;
  const withTeb = threads.filter((t) => t.teb !== 0n && dump.readMemory(t.teb, target.spec.pointerSize * 3) !== undefined).length;
  return [{
    analysis: "RawStack",
    usable: withStack > 0,
    why: `${withStack} of ${threads.length} threads have captured stack memory; ${withTeb} have a readable TEB (the others are scanned up from the stack pointer)`,
  }];
}

export function dumpInfo(file: string, dump: MinidumpReader, target: DumpTarget): InfoJson {
  const sys = dump.systemInfo();
  const misc = dump.miscInfo();
  const names = dump.threadNames();
  const ranges = dump.memoryRanges();
  const e = dump.exception();
  const handles = dump.handles();
  const mi = dump.memoryInfo();
  return {
    file: path.basename(file),
    arch: target.arch,
    os: sys ? { platform: sys.platform, version: `${sys.majorVersion}.${sys.minorVersion}.${sys.buildNumber}`, build: sys.buildNumber, servicePack: sys.csdVersion || null } : null,
    cpuCount: sys ? sys.processorCount : null,
    processId: misc?.processId ?? (target.spec.processes[0]!.id || null),
    processName: dump.modules()[0]?.name ?? null,
    dumpTime: new Date(dump.header.timestamp * 1000).toISOString(),
    threads: dump.threads().map((t) => {
      const name = names.get(t.id);
      return { id: t.id, ...(name !== undefined ? { name } : {}), stack: { start: hex(t.stack.start), size: t.stack.size } };
    }),
    modules: dump.modules().map((m) => ({ name: m.name, path: m.path, base: hex(m.base), size: m.size, ...(m.version ? { version: m.version.fileVersion } : {}) })),
    unloadedModules: dump.unloadedModules().map((u) => ({ name: u.name, path: u.path, base: hex(u.base), size: u.size })),
    handles: handles ? handles.length : null,
    exception: e ? { threadId: e.threadId, code: hex(e.record.code), address: hex(e.record.address), name: exceptionName(e.record.code) } : null,
    streams: dump.streams().map((s) => s.name),
    unknownStreams: dump.unknownStreams().map((s) => s.name),
    memory: { ranges: ranges.length, bytes: ranges.reduce((n, r) => n + r.size, 0), regions: mi ? mi.length : null },
    capabilities: capabilities(dump, target),
    warnings: [...dump.warnings, ...target.warnings],
  };
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

export function renderInfo(info: InfoJson, target: DumpTarget): string[] {
  const out: string[] = [];
  const os = info.os ? `${info.os.platform} ${info.os.version}${info.os.servicePack ? " " + info.os.servicePack : ""}` : "unknown OS (no system info stream)";
  out.push(`Dump:        ${info.file}, written ${info.dumpTime}`);
  out.push(`System:      ${os}, ${info.arch}${info.cpuCount ? `, ${info.cpuCount} CPUs` : ""}`);
  out.push(`Process:     ${info.processName ?? "?"}${info.processId !== null ? `, pid ${info.processId} (0x${info.processId.toString(16)})` : ""}`);
  if (info.exception) {
    const where = target.spec.processes[0]!.modules.find((m) => BigInt(info.exception!.address) >= m.base && BigInt(info.exception!.address) < m.base + BigInt(m.size));
    const at = where ? ` (${path.win32.basename(where.name)}+0x${(BigInt(info.exception.address) - where.base).toString(16)})` : "";
    out.push(`Exception:   ${info.exception.code} ${info.exception.name} at ${info.exception.address}${at}, thread 0x${info.exception.threadId.toString(16)}`);
  } else {
    out.push("Exception:   none (no exception stream)");
  }
  const named = info.threads.filter((t) => t.name !== undefined).length;
  out.push(`Threads:     ${info.threads.length}${named ? ` (${named} named)` : ""}`);
  out.push(`Modules:     ${info.modules.length} loaded, ${info.unloadedModules.length} unloaded`);
  out.push(`Handles:     ${info.handles === null ? "not captured" : info.handles}`);
  out.push(`Memory:      ${mb(info.memory.bytes)} captured in ${info.memory.ranges} ranges${info.memory.regions !== null ? `; ${info.memory.regions} regions described` : ""}`);
  out.push(`Streams:     ${info.streams.join(", ")}`);
  out.push("Analyses:");
  for (const c of info.capabilities) out.push(`  ${c.analysis.padEnd(12)} ${c.usable ? "usable" : "not usable"}: ${c.why}`);
  if (info.warnings.length) {
    out.push("Warnings:");
    for (const w of info.warnings) out.push(`  ${w}`);
  }
  return out;
}

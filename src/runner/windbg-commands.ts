/**
 * Answers for the debugger commands analyses may run through ExecuteCommand (`~`, `!runaway`, `.exr -1`,
 * `lm`, `lmv`, `!handle`, `.lastevent`, `.dumpdebug`, `.time`), generated from the dump's own data in the layout WinDbg
 * prints them, so analyses that parse command output can be tested headless. Where a dump lacks the data
 * the answer is WinDbg's error text for that case.
 */
import { moduleSymbolName, type CommandTable } from "../emulator/target-spec";
import type { ModuleSet } from "../emulator/symbols";
import { exceptionCodeInfo, fastFailName } from "../lib/exception-codes";
import type { DumpException, MinidumpReader } from "../minidump/types";
import type { WalkedFrame } from "./stack-walker";

export interface CommandFacts {
  readonly dump: MinidumpReader;
  /** Frames of the current thread, and of the faulting thread under the exception context (.ecxr). */
  readonly currentFrames?: () => readonly WalkedFrame[];
  readonly exceptionFrames?: () => readonly WalkedFrame[] | undefined;
  readonly pointerSize: 4 | 8;
  readonly processId: number;
  readonly currentThreadId: number | undefined;
  readonly modules: ModuleSet;
  readonly dumpFileName: string;
}

/** `00007ff6`1a2d0000` (64-bit) or `0040a000` (32-bit), as WinDbg prints addresses. */
export function windbgAddress(v: bigint, pointerSize: number): string {
  const digits = v.toString(16).padStart(pointerSize * 2, "0");
  return pointerSize === 8 ? `${digits.slice(0, 8)}\`${digits.slice(8)}` : digits;
}

/** The name WinDbg prints after an exception code (the same table the extension uses). */
export function exceptionName(code: number): string {
  return exceptionCodeInfo(code >>> 0)?.text ?? "Unknown exception";
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

function duration(hundredNs: bigint): string {
  const ms = hundredNs / 10000n;
  const days = ms / 86_400_000n;
  const h = (ms / 3_600_000n) % 24n;
  const m = (ms / 60_000n) % 60n;
  const s = (ms / 1000n) % 60n;
  const frac = ms % 1000n;
  return `${days} days ${h}:${m.toString().padStart(2, "0")}:${s.toString().padStart(2, "0")}.${frac.toString().padStart(3, "0")}`;
}

export function threadsCommand(f: CommandFacts): string[] {
  const exceptionTid = f.dump.exception()?.threadId;
  const names = f.dump.threadNames();
  return f.dump.threads().map((t, i) => {
    const mark = t.id === f.currentThreadId ? "." : t.id === exceptionTid ? "#" : " ";
    const name = names.get(t.id);
    return `${mark}${String(i).padStart(3)}  Id: ${f.processId.toString(16)}.${t.id.toString(16)} Suspend: ${t.suspendCount} Teb: ${windbgAddress(t.teb, f.pointerSize)} Unfrozen${name ? ` "${name}"` : ""}`;
  });
}

export function runawayCommand(f: CommandFacts, flags: number): string[] {
  const info = f.dump.threadInfo();
  if (info.size === 0) {
    return ["ERROR: !runaway: extension exception 0x80004002.", '    "Unable to get thread times - dumps may not have time information"'];
  }
  const index = new Map(f.dump.threads().map((t, i) => [t.id, i]));
  const dumpTime = BigInt(f.dump.header.timestamp) * 10_000_000n + 116_444_736_000_000_000n;
  const section = (title: string, value: (t: NonNullable<ReturnType<typeof info.get>>) => bigint) => {
    const rows = [...info.values()].map((t) => ({ t, v: value(t) })).sort((a, b) => (b.v > a.v ? 1 : b.v < a.v ? -1 : 0));
    return [` ${title}`, "  Thread       Time", ...rows.map(({ t, v }) => `  ${String(index.get(t.threadId) ?? "?").padStart(2)}:${t.threadId.toString(16).padEnd(8)} ${duration(v)}`)];
  };
  const out: string[] = [];
  if (flags & 1) out.push(...section("User Mode Time", (t) => t.userTime));
  if (flags & 2) out.push(...section("Kernel Mode Time", (t) => t.kernelTime));
  if (flags & 4) out.push(...section("Elapsed Time", (t) => (t.createTime > 0n && dumpTime > t.createTime ? dumpTime - t.createTime : 0n)));
  return out;
}

/** `.exr` names the address with a pointer-wide displacement: `(app!main+0x0000000000000024)`, `(app+0x00001234)`. */
function exrLocation(f: CommandFacts, address: bigint): string {
  const wide = (d: bigint) => (d ? `+0x${d.toString(16).padStart(f.pointerSize * 2, "0")}` : "");
  const hit = f.modules.symbolAt(address);
  if (hit) return `${hit.qualifiedName}${wide(hit.displacement)}`;
  const m = f.modules.at(address);
  return m ? `${moduleSymbolName(m.name)}${wide(address - m.base)}` : "";
}

function exceptionLines(f: CommandFacts, e: DumpException): string[] {
  const r = e.record;
  const code = r.code >>> 0;
  const ps = f.pointerSize;
  const where = f.modules.at(r.address) ? ` (${exrLocation(f, r.address)})` : "";
  const lines = [
    `ExceptionAddress: ${windbgAddress(r.address, ps).replace("`", "")}${where}`,
    `   ExceptionCode: ${hex8(code)} (${exceptionName(code)})`,
    `  ExceptionFlags: ${hex8(r.flags)}`,
    `NumberParameters: ${r.parameters.length}`,
    ...r.parameters.map((p, i) => `   Parameter[${i}]: ${p.toString(16).padStart(ps * 2, "0")}`),
  ];
  if (code === 0xc0000005 && r.parameters.length >= 2) {
    const kind = r.parameters[0]!;
    const target = r.parameters[1]!.toString(16).padStart(ps * 2, "0");
    lines.push(kind === 8n ? `Attempt to execute non-executable address ${target}` : kind === 1n ? `Attempt to write to address ${target}` : `Attempt to read from address ${target}`);
  }
  if (code === 0xc0000409 && r.parameters.length >= 1) {
    const sub = Number(r.parameters[0]!);
    lines.push(`Subcode: 0x${sub.toString(16)} ${fastFailName(sub)}`);
  }
  return lines;
}

/** `Thu Sep  8 12:55:08.000 2016 (UTC + 0:00)`, as WinDbg prints the debugger time (here: the dump's, in UTC). */
function debuggerTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.000 ${d.getUTCFullYear()} (UTC + 0:00)`;
}

export function lastEventCommand(f: CommandFacts): string[] {
  const e = f.dump.exception();
  const time = debuggerTime(f.dump.header.timestamp);
  if (!e) return [`Last event: ${f.processId.toString(16)}.${(f.currentThreadId ?? 0).toString(16)}: the dump has no exception stream`, `  debugger time: ${time}`];
  const code = e.record.code >>> 0;
  return [`Last event: ${f.processId.toString(16)}.${e.threadId.toString(16)}: ${exceptionName(code)} - code ${hex8(code)} (first/second chance not available)`, `  debugger time: ${time}`];
}

export function lmCommand(f: CommandFacts): string[] {
  const ps = f.pointerSize;
  const width = ps === 8 ? 17 : 8;
  const out = [`start${" ".repeat(width - 5 + 1)}end${" ".repeat(width - 3 + 3)}module name`];
  for (const m of [...f.dump.modules()].sort((a, b) => (a.base < b.base ? -1 : 1))) {
    const stem = m.name.replace(/\.[^.]*$/, "");
    out.push(`${windbgAddress(m.base, ps)} ${windbgAddress(m.base + BigInt(m.size), ps)}   ${stem.padEnd(10)} (deferred)`);
  }
  const unloaded = f.dump.unloadedModules();
  if (unloaded.length) {
    out.push("", "Unloaded modules:");
    for (const u of unloaded) out.push(`${windbgAddress(u.base, ps)} ${windbgAddress(u.base + BigInt(u.size), ps)}   ${u.name}`);
  }
  return out;
}

/** `Tue Oct 18 03:49:39 2016` (UTC) for a time_t, as `lmv` prints a dated TimeDateStamp. */
function ctime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** `lmv`: each `lm` line with the module stream's facts (path, timestamp, checksum, size, VS_FIXEDFILEINFO versions). */
export function lmvCommand(f: CommandFacts): string[] {
  const ps = f.pointerSize;
  const width = ps === 8 ? 17 : 8;
  const out = [`start${" ".repeat(width - 5 + 1)}end${" ".repeat(width - 3 + 3)}module name`];
  for (const m of [...f.dump.modules()].sort((a, b) => (a.base < b.base ? -1 : 1))) {
    const stem = m.name.replace(/\.[^.]*$/, "");
    out.push(`${windbgAddress(m.base, ps)} ${windbgAddress(m.base + BigInt(m.size), ps)}   ${stem.padEnd(10)} (deferred)             `);
    out.push(`    Image path: ${m.path}`, `    Image name: ${m.name}`);
    out.push(`    Timestamp:        ${m.timestamp ? `${ctime(m.timestamp)} (${hex8(m.timestamp).toUpperCase()})` : "none"}`);
    out.push(`    CheckSum:         ${hex8(m.checksum).toUpperCase()}`, `    ImageSize:        ${hex8(m.size).toUpperCase()}`);
    if (m.version) {
      out.push(`    File version:     ${m.version.fileVersion}`, `    Product version:  ${m.version.productVersion}`,
        `    File flags:       ${m.version.fileFlags.toString(16)} (Mask 3F)`, `    File OS:          ${m.version.fileOs.toString(16)}`,
        `    File type:        ${m.version.fileType}.0`, "    File date:        00000000.00000000", "    Translations:     0000.04b0 0000.04e4 0409.04b0 0409.04e4");
    }
  }
  const unloaded = f.dump.unloadedModules();
  if (unloaded.length) {
    out.push("", "Unloaded modules:");
    for (const u of unloaded) out.push(`${windbgAddress(u.base, ps)} ${windbgAddress(u.base + BigInt(u.size), ps)}   ${u.name}`);
  }
  return out;
}

/** `.time`: the dump's time (UTC) and, with misc info, the process uptime and times. */
export function timeCommand(f: CommandFacts): string[] {
  const t = f.dump.header.timestamp;
  const misc = f.dump.miscInfo();
  const out = [`Debug session time: ${ctime(t).replace(/ (\d{4})$/, ".000 $1")} (UTC + 0:00)`, "System Uptime: not available"];
  const created = misc?.processCreateTime;
  if (created !== undefined && created > 0 && created <= t) {
    out.push(`Process Uptime: ${duration(BigInt(t - created) * 10_000_000n)}`);
    if (misc?.processKernelTime !== undefined) out.push(`  Kernel time: ${duration(BigInt(misc.processKernelTime) * 10_000_000n)}`);
    if (misc?.processUserTime !== undefined) out.push(`  User time: ${duration(BigInt(misc.processUserTime) * 10_000_000n)}`);
  } else {
    out.push("Process Uptime: not available");
  }
  return out;
}

export function handleCommand(f: CommandFacts): string[] {
  const handles = f.dump.handles();
  if (!handles) return ["ERROR: !handle: extension exception 0x80004002.", '    "Unable to read handle information"'];
  const out: string[] = [];
  const counts = new Map<string, number>();
  for (const h of handles) {
    const type = h.typeName ?? "None";
    counts.set(type, (counts.get(type) ?? 0) + 1);
    out.push(`Handle ${h.handle.toString(16)}`, `  Type         \t${type}`);
  }
  out.push(`${handles.length} Handles`, "Type           \tCount");
  for (const [type, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) out.push(`${type.padEnd(15)}\t${n}`);
  return out;
}

function setBits(flags: bigint): number[] {
  const bits: number[] = [];
  for (let b = 0; b < 64; b++) if ((flags >> BigInt(b)) & 1n) bits.push(b);
  return bits;
}

export function dumpDebugCommand(f: CommandFacts): string[] {
  const h = f.dump.header;
  const out = [
    "----- User Mini Dump Analysis", "",
    "MINIDUMP_HEADER:",
    `Version         A793 (${h.implementationVersion.toString(16).toUpperCase().padStart(4, "0")})`,
    `NumberOfStreams ${h.streamCount}`,
    `Flags           ${h.flags.toString(16)}`,
    // One line per set flag, its value then its name (flagNames are in bit order).
    ...h.flagNames.map((n, i) => `                ${(1n << BigInt(setBits(h.flags)[i] ?? 0)).toString(16).padStart(4, "0")} ${n}`),
    "", "Streams:",
  ];
  f.dump.streams().forEach((s, i) => {
    out.push(`Stream ${i}: type ${s.name} (${s.type}), size ${hex8(s.size).toUpperCase()}, RVA ${hex8(s.offset).toUpperCase()}`);
  });
  const comments = f.dump.comments();
  if (comments.ascii) out.push("", `Comment: ${comments.ascii}`);
  if (comments.wide) out.push("", `Comment: ${comments.wide}`);
  return out;
}

/** `kn` as WinDbg prints it: ` # Child-SP          RetAddr               Call Site` then one line per frame. */
export function stackCommand(f: CommandFacts, frames: readonly WalkedFrame[]): string[] {
  const ps = f.pointerSize;
  const header = ps === 8 ? " # Child-SP          RetAddr               Call Site" : " # ChildEBP RetAddr  Call Site";
  return [header, ...frames.map((fr, i) => {
    const ret = frames[i + 1]?.ip ?? 0n;
    // x64 shows Child-SP (the frame's stack pointer); x86 shows ChildEBP (the frame pointer).
    const child = ps === 8 ? fr.sp : fr.fp ?? fr.sp;
    const gap = ps === 8 ? "     " : " ";
    return `${i.toString(16).padStart(2, "0")} ${windbgAddress(child, ps)} ${windbgAddress(ret, ps)}${gap}${f.modules.format(fr.ip)}`;
  })];
}

/** The CommandTable the emulated debugger consults for commands it does not implement itself. */
export function commandTable(f: CommandFacts): CommandTable {
  return (command: string) => {
    const c = command.trim().replace(/\s+/g, " ");
    if (c === "~" || c === "~*") return threadsCommand(f);
    const runaway = /^!runaway(?: (\d+))?$/.exec(c);
    if (runaway) return runawayCommand(f, runaway[1] ? parseInt(runaway[1], 16) : 1);
    if (c === ".exr -1") {
      const e = f.dump.exception();
      return e ? exceptionLines(f, e) : ["The dump has no exception record (no exception stream)."];
    }
    if (c === ".lastevent") return lastEventCommand(f);
    if (c === "lm" || c === "lmn" || c === "lm n") return lmCommand(f);
    if (c === "lmv" || c === "lm v") return lmvCommand(f);
    if (c === ".time") return timeCommand(f);
    if (c === "!handle" || c === "!handle 0" || c === "!handle 0 0") return handleCommand(f);
    if (c === ".dumpdebug") return dumpDebugCommand(f);
    if ((c === "k" || c === "kn") && f.currentFrames) return stackCommand(f, f.currentFrames());
    // `.ecxr` switches to the exception context; the analyses run `.ecxr;kn;.cxr` to read the faulting stack.
    if (c === ".ecxr;kn;.cxr" || c === ".ecxr; kn; .cxr" || c === ".ecxr;kn" || c === ".ecxr; kn") {
      const frames = f.exceptionFrames?.();
      return frames ? stackCommand(f, frames) : ["Unable to get exception context, HRESULT 0x80004002"];
    }
    return undefined;
  };
}

/** Reads Breakpad minidump_stackwalk's human output (`.txt`) and machine output (`.m.txt`) from ../shared/testdata/oracle. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const TESTDATA = path.resolve(import.meta.dirname, "..", "..", "..", "shared", "testdata");
export const DUMPS = path.join(TESTDATA, "dumps");

/** Every real dump as `<folder>/<file>.dmp`, sorted; empty when ../shared is not beside the checkout. */
export const ALL_DUMPS: readonly string[] = existsSync(DUMPS)
  ? readdirSync(DUMPS).flatMap((dir) => readdirSync(path.join(DUMPS, dir)).filter((f) => f.endsWith(".dmp")).map((f) => `${dir}/${f}`)).sort()
  : [];

export interface OracleFrame {
  readonly index: number;
  /** "xul.dll + 0x38ab264" or a bare address. */
  readonly location: string;
  readonly registers: Readonly<Record<string, bigint>>;
  readonly foundBy: string;
}
export interface OracleThread { readonly index: number; readonly crashed: boolean; readonly frames: readonly OracleFrame[] }
export interface OracleModule { readonly name: string; readonly version: string; readonly debugFile: string; readonly debugId: string; readonly base: bigint; readonly end: bigint; readonly main: boolean }
export interface Oracle {
  readonly os: { readonly platform: string; readonly version: string };
  /** Breakpad's CPU name: "x86", "amd64", "arm64". */
  readonly cpu: string;
  /** The CPU line's description ("GenuineIntel family 6 model 26 stepping 5"; empty on arm64) and processor count. */
  readonly cpuDescription: string;
  readonly cpuCount: number;
  /** From the Crash line; a dump without an exception has reason "No crash" (address 0, thread 0). */
  readonly crash: { readonly reason: string; readonly address: bigint; readonly thread: number } | undefined;
  readonly modules: readonly OracleModule[];
  readonly threads: readonly OracleThread[];
}

/** `dumps/<folder>/<file>` → the oracle file stem (`.../<project>__<file>`), or undefined when there is none. */
export function oracleStem(dumpFile: string): string | undefined {
  const file = path.basename(dumpFile);
  const dir = path.join(TESTDATA, "oracle", "breakpad-stackwalk");
  if (!existsSync(dir)) return undefined;
  const hit = readdirSync(dir).find((f) => f.endsWith(`__${file}.txt`) && !f.endsWith(".m.txt"));
  return hit ? path.join(dir, hit.slice(0, -4)) : undefined;
}

export function readOracle(stem: string): Oracle {
  const m = readFileSync(`${stem}.m.txt`, "utf8").split(/\r?\n/);
  const h = readFileSync(`${stem}.txt`, "utf8").split(/\r?\n/);
  const fields = (prefix: string) => m.filter((l) => l.startsWith(prefix + "|")).map((l) => l.split("|"));
  const os = fields("OS")[0] ?? [];
  const cpu = fields("CPU")[0] ?? [];
  const crash = fields("Crash")[0];
  const modules = fields("Module").map((f) => ({
    name: f[1]!, version: f[2]!, debugFile: f[3]!, debugId: f[4]!, base: BigInt(f[5]!), end: BigInt(f[6]!), main: f[7] === "1",
  }));
  const threads: OracleThread[] = [];
  let current: { index: number; crashed: boolean; frames: OracleFrame[] } | undefined;
  let frame: { index: number; location: string; registers: Record<string, bigint>; foundBy: string } | undefined;
  const flushFrame = () => { if (current && frame) current.frames.push(frame); frame = undefined; };
  for (const line of h) {
    const t = /^Thread (\d+)( \(crashed\))?$/.exec(line);
    if (t) {
      flushFrame();
      current = { index: Number(t[1]), crashed: !!t[2], frames: [] };
      threads.push(current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith("Loaded modules:")) { flushFrame(); current = undefined; continue; }
    const f = /^\s{0,2}(\d+)\s{2}(\S.*)$/.exec(line);
    if (f) { flushFrame(); frame = { index: Number(f[1]), location: f[2]!.trim(), registers: {}, foundBy: "" }; continue; }
    if (!frame) continue;
    const by = /^\s+Found by: (.*)$/.exec(line);
    if (by) { frame.foundBy = by[1]!; continue; }
    for (const r of line.matchAll(/(\w+) = 0x([0-9a-f]+)/g)) frame.registers[r[1]!] = BigInt("0x" + r[2]!);
  }
  flushFrame();
  return {
    os: { platform: os[1] ?? "", version: (os[2] ?? "").trim() },
    cpu: cpu[1] ?? "",
    cpuDescription: cpu[2] ?? "",
    cpuCount: Number(cpu[3] ?? 0),
    crash: crash ? { reason: crash[1]!, address: BigInt(crash[2]!), thread: Number(crash[3]) } : undefined,
    modules,
    threads,
  };
}

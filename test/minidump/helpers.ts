/**
 * What several minidump reader tests share: the real dumps in ../shared/testdata, Breakpad's output for
 * each (parsed by ../oracle/breakpad-output), the "every accessor returns" sweep, and the few little-endian
 * encoders for bytes the synthetic writer has no builder for (an EXCEPTION_RECORD64 in memory, raw streams).
 *
 * Privacy: the real dumps hold user data; nothing here prints paths, command lines or environment values.
 */

import path from "node:path";
import { expect } from "vitest";
import { Minidump } from "../../src/minidump/reader";
import type { MemoryDescriptor } from "../../src/minidump/types";
import { ALL_DUMPS, DUMPS, oracleStem, readOracle, type Oracle } from "../oracle/breakpad-output";

export { ALL_DUMPS, DUMPS };

export const dumpPath = (rel: string): string => path.join(DUMPS, rel);
export const openDump = (rel: string): Minidump => Minidump.openFile(dumpPath(rel));

/** Breakpad minidump_stackwalk's output for a real dump; every real dump has one. */
export function oracleOf(rel: string): Oracle {
  const stem = oracleStem(dumpPath(rel));
  if (!stem) throw new Error(`no Breakpad output for ${rel}`);
  return readOracle(stem);
}

/** Call every accessor (and a few memory reads); none may throw. */
export function exerciseAll(m: Minidump): void {
  m.streams();
  m.unknownStreams();
  m.systemInfo();
  m.miscInfo();
  const threads = m.threads();
  m.threadNames();
  m.threadInfo();
  m.modules();
  m.unloadedModules();
  m.exception();
  m.exceptionChain();
  const ranges = m.memoryRanges();
  m.memoryInfo();
  m.handles();
  m.token();
  m.comments();
  m.functionTable();
  m.breakpadInfo();
  m.assertion();
  m.crashpadInfo();
  for (const s of m.streams().slice(0, 4)) m.readStream(s.type);
  for (const t of threads.slice(0, 8)) m.readMemory(t.stack.start, Math.min(t.stack.size, 4096));
  for (const r of ranges.slice(0, 8)) {
    m.readMemory(r.start, r.size);
    m.readMemory(r.start + BigInt(r.size) - 8n, 64);
    m.rangeAt(r.start);
  }
  m.readMemory(0xffff_ffff_ffff_fff0n, 64);
  m.readMemory(0n, 1);
  expect(Array.isArray(m.warnings)).toBe(true);
}

/** Memory ranges come sorted by address and never overlap. */
export function expectSortedDisjoint(ranges: readonly MemoryDescriptor[]): void {
  for (let i = 1; i < ranges.length; i++) expect(ranges[i - 1]!.start + BigInt(ranges[i - 1]!.size) <= ranges[i]!.start).toBe(true);
}

// ---------------------------------------------------------------- little-endian bytes for what minidump-synth cannot build

const fields = (width: 4 | 8, values: readonly (number | bigint)[]): Uint8Array => {
  const out = new Uint8Array(width * values.length);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => (width === 4 ? dv.setUint32(4 * i, Number(v) >>> 0, true) : dv.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(v)), true)));
  return out;
};
export const u32s = (...values: number[]): Uint8Array => fields(4, values);
export const u64s = (...values: (bigint | number)[]): Uint8Array => fields(8, values);
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** EXCEPTION_RECORD64 (152 bytes), as it lies in captured memory behind an ExceptionRecord pointer. */
export function exceptionRecord64(r: { code: number; flags?: number; nested: bigint; address: bigint; parameters?: readonly bigint[] }): Uint8Array {
  const params = r.parameters ?? [];
  const out = new Uint8Array(152);
  out.set(concat(u32s(r.code, r.flags ?? 0), u64s(r.nested, r.address), u32s(params.length, 0), u64s(...params)));
  return out;
}

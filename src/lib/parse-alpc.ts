/**
 * The ALPC line of `!thread <ethread>` (kernel targets), the fallback when the symbols lack
 * ETHREAD.AlpcMessage or _KALPC_MESSAGE (patterns.md §6 step 6). A client thread waiting for a reply prints
 *
 *         Waiting for reply to ALPC Message fffff8a0024d4cf0 : queued at port fffffa8004a5a070 : owned by process fffffa8003e5d060
 *
 * Addresses are returned as hex digits (WinDbg's ` separator removed). Other lines are ignored; no such
 * line gives undefined.
 */

export interface AlpcWaitLine {
  readonly message: string;
  readonly port: string | undefined;
  readonly ownerProcess: string | undefined;
  readonly line: string;
}

const WAIT_LINE = /Waiting for reply to ALPC Message\s+([0-9a-f`]+)(?:\s*:\s*queued at port\s+([0-9a-f`]+))?(?:\s*:\s*owned by process\s+([0-9a-f`]+))?/i;

function digits(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.replace(/`/g, "").toLowerCase();
}

export function parseAlpcWait(lines: readonly string[]): AlpcWaitLine | undefined {
  for (const raw of lines) {
    const m = WAIT_LINE.exec(String(raw));
    if (!m) continue;
    return { message: digits(m[1])!, port: digits(m[2]), ownerProcess: digits(m[3]), line: String(raw).trim() };
  }
  return undefined;
}

/**
 * Values that are not plain data: a cell that could not be read says why, and every row says how sure
 * it is and where it came from (STYLE: "Results people can trust").
 */

export type AbsenceKind = "unreadable" | "not available" | "not applicable";

/** A value the target could not give: never a silent 0 or "". */
export class Unavailable {
  constructor(readonly kind: AbsenceKind, readonly reason: string) {}
  toString(): string {
    return "<" + this.kind + ">";
  }
}

export function isUnavailable(v: unknown): v is Unavailable {
  return v instanceof Unavailable;
}

export function unreadable(reason: string): Unavailable {
  return new Unavailable("unreadable", reason);
}

export function notAvailable(reason: string): Unavailable {
  return new Unavailable("not available", reason);
}

/** Positive: the pattern is present. Suspicious: worth a look. Info: context, or data missing. Negative: examined, not found. */
export type Verdict = "Positive" | "Suspicious" | "Info" | "Negative";

/** typed: read through typed objects and memory; command: parsed from command output; heuristic: inferred. */
export type Source = "typed" | "command" | "heuristic";

export function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && typeof (e as Error).message === "string") return (e as Error).message;
  return String(e);
}

/**
 * `s` without trailing white space. A loop, not `/\s+$/` (quadratic on long padded lines in V8, and
 * `String.prototype.trimEnd` is ES2019, which the bundle may not use).
 */
export function trimRight(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 11 && c !== 12 && c !== 0xa0 && c !== 0xfeff) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
}

/**
 * Debugger commands as a fallback data source (patterns.md §0.2): some facts have no data-model API in
 * user dumps (thread times: `!runaway`; suspend counts: `~`), so analyses run the classic command and
 * parse its text. Output is collected into plain strings once; a command that fails says why.
 */
import { errorMessage, notAvailable, type Unavailable } from "./values";

/** The command's output lines, or why it gave none (the command threw or is unknown to the debugger). */
export function runCommand(command: string): string[] | Unavailable {
  try {
    const out: string[] = [];
    // Whether the command runs before its output is iterated is unconfirmed: iterate everything here.
    for (const line of host.namespace.Debugger.Utility.Control.ExecuteCommand(command)) out.push(String(line));
    return out;
  } catch (e) {
    return notAvailable(command + " failed: " + errorMessage(e));
  }
}

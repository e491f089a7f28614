/**
 * Every analysis, explicitly (rollup cannot discover files at run time). The order is the order dx
 * lists them in. A test checks that every file in src/extensions that defines an analysis is here.
 */
import type { Analysis } from "../lib/analysis";
import { rawStack } from "./raw-stack";
import { triage } from "./triage";
import { stackTraceCollection } from "./stack-trace-collection";
import { uniqueStacks } from "./unique-stacks";
import { stackTraces } from "./stack-traces";
import { blockedThreads } from "./blocked-threads";
import { activeThreads } from "./active-threads";
import { spikingThreads } from "./spiking-threads";
import { suspendedThreads } from "./suspended-threads";
import { exceptionStackTraces } from "./exception-stack-traces";
import { lockWaitChains } from "./lock-wait-chains";
import { inputThreads } from "./input-threads";
import { messageWaitChains } from "./message-wait-chains";

export const ANALYSES: readonly Analysis[] = [
  triage,
  rawStack,
  stackTraceCollection, uniqueStacks, stackTraces, blockedThreads, activeThreads, spikingThreads, suspendedThreads, exceptionStackTraces, lockWaitChains, inputThreads, messageWaitChains,
];

/**
 * Every analysis, explicitly (rollup cannot discover files at run time). The order is the order dx
 * lists them in. A test checks that every file in src/extensions that defines an analysis is here.
 */
import type { Analysis } from "../lib/analysis";
import { rawStack } from "./raw-stack";
import { triage } from "./triage";
import { executionResidue } from "./execution-residue";
import { rawPointers } from "./raw-pointers";
import { outOfModulePointers } from "./out-of-module-pointers";
import { valueReferences } from "./value-references";
import { contextPointers } from "./context-pointers";
import { regionProfile } from "./region-profile";
import { regionClusters } from "./region-clusters";
import { namespaces } from "./namespaces";
import { moduleCollection } from "./module-collection";
import { historicalInformation } from "./historical-information";
import { environmentHints } from "./environment-hints";
import { virtualizedProcess } from "./virtualized-process";
import { instrumentationInfo } from "./instrumentation-info";
import { handleCounts } from "./handle-counts";
import { patchedCode } from "./patched-code";
import { eventalDump } from "./evental-dump";
import { zombieProcesses } from "./zombie-processes";
import { missingThreads } from "./missing-threads";
import { cpuStackTraces } from "./cpu-stack-traces";
import { kernelExecutionResidue } from "./kernel-execution-residue";
import { alpcWaitChains } from "./alpc-wait-chains";
import { deviantTokens } from "./deviant-tokens";
import { systemObjects } from "./system-objects";
import { kernelHandles } from "./kernel-handles";
import { commandLog } from "./command-log";
import { structureSheaf } from "./structure-sheaf";
import { snapshot } from "./snapshot";
import { exportDocuments } from "./export";
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
  stackTraceCollection,
  uniqueStacks,
  stackTraces,
  blockedThreads,
  activeThreads,
  spikingThreads,
  suspendedThreads,
  exceptionStackTraces,
  lockWaitChains,
  inputThreads,
  messageWaitChains,
  executionResidue,
  rawPointers,
  outOfModulePointers,
  valueReferences,
  contextPointers,
  regionProfile,
  regionClusters,
  namespaces,
  moduleCollection,
  historicalInformation,
  environmentHints,
  virtualizedProcess,
  instrumentationInfo,
  handleCounts,
  patchedCode,
  eventalDump,
  zombieProcesses,
  missingThreads,
  cpuStackTraces,
  kernelExecutionResidue,
  alpcWaitChains,
  deviantTokens,
  systemObjects,
  kernelHandles,
  commandLog,
  structureSheaf,
  snapshot,
  exportDocuments,
];

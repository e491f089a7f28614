/** The emulated host's member lists against the runtime enumeration the reference records (§4.1). */
import { expect, it } from "vitest";
import { EmulatedDebugger } from "../src/emulator";
import { userTarget } from "./mocks/user-target";

const OBSERVED_HOST = ("currentApiVersionSupported, currentApiVersionInitialized, diagnostics, metadata, typeSignatureRegistration, typeSignatureExtension, " +
  "namedModelRegistration, namedModelParent, functionAlias, namespacePropertyParent, optionalRecord, apiVersionSupport, resourceFileName, " +
  "allowOutsidePropertyWrites, Int64, parseInt64, namespace, evaluateExpression, evaluateExpressionInContext, getModuleSymbol, " +
  "getModuleContainingSymbol, getModuleContainingSymbolInformation, getModuleSymbolAddress, setModuleSymbol, getModuleType, createInstance, " +
  "createPointerObject, createTypedObject, indexedValue, getNamedModel, registerNamedModel, unregisterNamedModel, " +
  "registerPrototypeForTypeSignature, registerExtensionForTypeSignature, unregisterPrototypeForTypeSignature, " +
  "unregisterExtensionForTypeSignature, resourceLookup, currentSession, currentProcess, currentThread, memory, typeSystem").split(/,\s*/);
const OBSERVED_MEMORY = ["collectGarbage", "readWideString", "readString", "readMemoryValues", "writeMemoryValues", "physicalAddress"];
const PHASE_ONE = ["currentApiVersionSupported", "currentApiVersionInitialized", "diagnostics", "metadata", "typeSignatureRegistration",
  "typeSignatureExtension", "namedModelRegistration", "namedModelParent", "functionAlias", "namespacePropertyParent", "optionalRecord",
  "apiVersionSupport", "resourceFileName", "allowOutsidePropertyWrites", "Int64", "parseInt64"];

it("§4.1 host has exactly the observed members, phase-1 ones during initializeScript", () => {
  const dbg = new EmulatedDebugger(userTarget().build().spec);
  const s = dbg.scriptLoad(`"use strict";
    var __atRoot = Object.keys(host);
    var __atInit;
    function initializeScript() { __atInit = Object.keys(host); }
    function keys() { return { root: __atRoot, init: __atInit, later: Object.keys(host), memory: Object.keys(host.memory) }; }`, "C:\\t\\keys.js");
  const k = (s.global.keys as () => Record<string, string[]>)();
  expect([...k.root!].sort()).toEqual([...PHASE_ONE].sort());
  expect([...k.init!].sort()).toEqual([...PHASE_ONE].sort());
  expect([...k.later!].sort()).toEqual([...OBSERVED_HOST].sort());
  expect([...k.memory!].sort()).toEqual([...OBSERVED_MEMORY].sort());
});

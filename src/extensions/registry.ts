/**
 * Every analysis, explicitly (rollup cannot discover files at run time). The order is the order dx
 * lists them in. A test checks that every file in src/extensions that defines an analysis is here.
 */
import type { Analysis } from "../lib/analysis";
import { rawStack } from "./raw-stack";

export const ANALYSES: readonly Analysis[] = [rawStack];

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { generateApiDocs } from "../scripts/gen-docs";

it("docs/api.md is what npm run docs generates from the current JSDoc and registry", async () => {
  const current = readFileSync(path.resolve(import.meta.dirname, "..", "docs", "api.md"), "utf8");
  const generated = await generateApiDocs();
  // On failure: run `npm run docs` and commit docs/api.md.
  expect(current).toBe(generated);
});

/**
 * @module aws-calls.setup: vitest's global setup, run once before the test files: empties the file
 * this package's tests record their AWS calls in (`AIPM_AWS_CALL_LOG`, set in vitest.config.ts),
 * so it holds only this run's calls. packages/infra/src/iam-contract.test.ts reads it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { TestProject } from "vitest/node";

export default function setup(project: TestProject): void {
  const file = project.config.env.AIPM_AWS_CALL_LOG;
  if (!file) throw new Error("vitest.config.ts must set test.env.AIPM_AWS_CALL_LOG.");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, "");
}

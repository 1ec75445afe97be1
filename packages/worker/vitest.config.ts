import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Every AWS call the worker's clients make (see @aipm/store's aws-call-log.ts), for the IAM
    // contract test in packages/infra; emptied at the start of each run by the global setup.
    env: { AIPM_AWS_CALL_LOG: fileURLToPath(new URL(".aws-calls/worker.jsonl", import.meta.url)) },
    globalSetup: ["test/aws-calls.setup.ts"],
  },
});

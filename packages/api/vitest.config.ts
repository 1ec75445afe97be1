import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The API's own tests use the shared test support, which depends on the API: a test-only
    // edge that the package graph (and so Turborepo) must not see as a cycle. tsconfig.json maps
    // the same name; turbo.json lists the package's sources as an input of this package's tasks.
    alias: { "@aipm/testing": fileURLToPath(new URL("../testing/src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Every AWS call the API's clients make (see @aipm/store's aws-call-log.ts), for the IAM
    // contract test in packages/infra; emptied at the start of each run by the global setup.
    env: { AIPM_AWS_CALL_LOG: fileURLToPath(new URL(".aws-calls/api.jsonl", import.meta.url)) },
    globalSetup: ["test/aws-calls.setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    // Each test starts AIPM (a local store, the API, a worker) more than once and waits for real
    // agents and git; they share the machine, so they run one file at a time.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});

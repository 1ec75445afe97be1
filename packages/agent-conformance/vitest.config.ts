import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file starts real agent CLIs (hundreds of MB each); one file at a time keeps a two-core
    // machine responsive and lets a test look for the processes of its own run only.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

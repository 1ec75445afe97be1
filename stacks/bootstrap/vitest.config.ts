import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*.test.ts"],
    // Loading the whole program (and, once, a child node process doing the same) takes seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

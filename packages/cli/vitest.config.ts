import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The operations tests start AIPM, git and fake CLIs as real processes; on a busy machine one
    // of them can take far longer than vitest's default 5 s, without being wrong.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

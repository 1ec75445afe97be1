import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Loading @pulumi/pulumi and @pulumi/aws costs seconds per file; sharing the module graph
    // between files pays it once per worker. Each file starts its own mock deployment.
    isolate: false,
    // CI runs several packages' tests at once on two cores; loading the Pulumi SDKs can then
    // take well over vitest's default 10 s.
    hookTimeout: 120_000,
    testTimeout: 60_000,
  },
});

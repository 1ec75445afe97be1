import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Loading @pulumi/pulumi and @pulumi/aws costs seconds per file; sharing the module graph
    // between files pays it once per worker. Each file starts its own mock deployment.
    isolate: false,
  },
});

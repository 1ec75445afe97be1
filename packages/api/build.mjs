// Bundles the Lambda handler into one minified ESM file, and the Node server beside it.
import { mkdir, writeFile } from "node:fs/promises";
import { build } from "esbuild";

/**
 * zod re-exports all of its ~50 message locales (about 250 KiB); the API speaks English only, so
 * its locale index is replaced by one that exports just `en`.
 */
const englishOnlyZodLocales = {
  name: "english-only-zod-locales",
  setup(builder) {
    builder.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${"/"}zod${"/"}`) ? { path: "zod-locales-en", namespace: "aipm" } : undefined,
    );
    builder.onLoad({ filter: /^zod-locales-en$/, namespace: "aipm" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: import.meta.dirname,
    }));
  },
};

const common = {
  // Prefer the ES module builds: the AWS SDK's CommonJS builds cannot be tree-shaken.
  mainFields: ["module", "main"],
  plugins: [englishOnlyZodLocales],
  bundle: true,
  platform: "node",
  format: "esm",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  metafile: true,
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import{createRequire as __aipmRequire}from'module';const require=__aipmRequire(import.meta.url);",
  },
};

const lambda = await build({
  ...common,
  entryPoints: ["src/lambda.ts"],
  outfile: "dist/lambda/index.mjs",
  target: "node22",
});
await build({ ...common, entryPoints: ["src/server.ts"], outfile: "dist/server.mjs", target: "node20" });

await mkdir("dist", { recursive: true });
await writeFile("dist/lambda-meta.json", JSON.stringify(lambda.metafile));
const bytes = Object.values(lambda.metafile.outputs).find((output) => output.entryPoint)?.bytes ?? 0;
console.log(`dist/lambda/index.mjs: ${(bytes / 1024).toFixed(0)} KiB`);

// Bundles the Lambda handler into one minified ESM file, and the Node server beside it.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { build as esbuild } from "esbuild";

/**
 * esbuild's build, with each output written to a temporary file and renamed into place: a test
 * that builds while another runs the bundle (vitest runs files in parallel) never loads half a file.
 */
async function build(options) {
  const result = await esbuild({ ...options, write: false });
  for (const file of result.outputFiles) {
    await mkdir(dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    await writeFile(temporary, file.contents);
    await rename(temporary, file.path);
  }
  return result;
}

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
const meta = `dist/lambda-meta.json.${process.pid}.tmp`;
await writeFile(meta, JSON.stringify(lambda.metafile));
await rename(meta, "dist/lambda-meta.json");
const bytes = Object.values(lambda.metafile.outputs).find((output) => output.entryPoint)?.bytes ?? 0;
console.log(`dist/lambda/index.mjs: ${(bytes / 1024).toFixed(0)} KiB`);

// Bundles the worker process into one file that the instances fetch and run with Node.
import { readFile } from "node:fs/promises";
import { build } from "esbuild";

/** The sandbox's forwarder script, inlined as text: an instance fetches one file. */
const inlineForwarder = {
  name: "inline-forwarder",
  setup(builder) {
    builder.onLoad({ filter: /forwarder-source\.ts$/ }, async () => ({
      contents: `export const forwarderSource = ${JSON.stringify(await readFile("src/sandbox/forwarder.mjs", "utf8"))};`,
      loader: "js",
    }));
  },
};

const result = await build({
  plugins: [inlineForwarder],
  entryPoints: ["src/main.ts"],
  outfile: "dist/worker.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  metafile: true,
  // Prefer the ES module builds: the AWS SDK's CommonJS builds cannot be tree-shaken.
  mainFields: ["module", "main"],
  banner: {
    js: "import{createRequire as __aipmRequire}from'module';const require=__aipmRequire(import.meta.url);",
  },
});
const bytes = Object.values(result.metafile.outputs).find((output) => output.entryPoint)?.bytes ?? 0;
console.log(`dist/worker.mjs: ${(bytes / 1024).toFixed(0)} KiB`);

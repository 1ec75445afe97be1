/**
 * @module build: bundles the web app with esbuild into dist/: content-hashed JS and CSS under
 * dist/assets/ (cached forever by the server and CloudFront) and an index.html that loads them
 * (always revalidated). Views loaded with `import()` become chunks of their own, fetched when first
 * shown, so the first load stays small as views are added. `node build.mjs` builds; `--dev` skips
 * minification.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const sharedSrc = join(here, "..", "shared", "src") + sep;

/**
 * @aipm/shared is pure (it has no I/O and its modules have no side effects), but esbuild cannot
 * know that, so importing one helper from its index would pull in every zod schema (~95 KB gzip).
 * Saying so lets esbuild drop the modules the app does not use.
 */
const sharedIsPure = {
  name: "aipm-shared-is-pure",
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "resolving") return undefined;
      const fromShared = args.importer.startsWith(sharedSrc);
      if (args.path !== "@aipm/shared" && !fromShared) return undefined;
      const result = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "resolving",
      });
      if (result.errors.length > 0 || !result.path.startsWith(sharedSrc)) return result;
      return { ...result, sideEffects: false };
    });
  },
};

const page = ({ script, style, preload }) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>AIPM</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/${style}" />
${preload.map((chunk) => `    <link rel="modulepreload" href="/${chunk}" />\n`).join("")}    <script type="module" src="/${script}"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>AIPM needs JavaScript.</noscript>
  </body>
</html>
`;

const isRunning = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
};

/** Removes the old builds swapped out, and the half-made builds of processes that are gone. */
async function sweepLeftovers(outdir) {
  const prefix = basename(outdir);
  for (const name of await readdir(dirname(outdir))) {
    const building = new RegExp(`^${prefix}\\.building-(\\d+)$`).exec(name);
    const leftover = name.startsWith(`${prefix}.previous-`) || (building && !isRunning(Number(building[1])));
    if (leftover) await rm(join(dirname(outdir), name), { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * The outputs `path` imports statically, and theirs, in load order: what the browser must fetch
 * before the script at `path` runs. Chunks reached only through `import()` are left out.
 */
function staticImports(outputs, path, seen = new Set()) {
  for (const { path: imported, kind } of outputs[path]?.imports ?? []) {
    if (kind !== "import-statement" || seen.has(imported)) continue;
    seen.add(imported);
    staticImports(outputs, imported, seen);
  }
  return [...seen];
}

const sizeOf = async (outdir, path) => {
  const bytes = await readFile(join(outdir, path));
  return { path, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
};

/**
 * Builds the app into `outdir`. Returns the files the first page load fetches (index.html, the
 * style, the entry script and the chunks it imports, which index.html preloads) and the chunks
 * fetched later, when a view loaded with `import()` is first shown; each with its sizes.
 *
 * @example const { files, lazy } = await buildWeb(); // files: [{ path: "assets/main-3KQ2.js", bytes, gzipBytes }, ...]
 */
export async function buildWeb({ outdir = join(here, "dist"), minify = true } = {}) {
  // Built aside and swapped in, so a server reading dist/ never sees it half written.
  const building = `${outdir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: here,
    entryPoints: { main: "src/main.tsx" },
    outdir: join(building, "assets"),
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    bundle: true,
    format: "esm",
    splitting: true,
    target: ["es2022", "chrome111", "firefox115", "safari16"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify,
    sourcemap: "linked",
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [sharedIsPure],
  });
  const zod = Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs).filter(
      ([input, used]) => input.includes("/zod/") && used.bytesInOutput > 0,
    ),
  );
  if (zod.length > 0) {
    throw new Error(
      "The web bundle pulled in zod through @aipm/shared. Import only types and pure helpers (no schemas) from @aipm/shared in packages/web/src.",
    );
  }
  const { outputs } = result.metafile;
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint === "src/main.tsx");
  if (!entry || !outputs[entry].cssBundle) throw new Error("esbuild produced no JS entry with a CSS bundle.");
  // index.html links one stylesheet; CSS imported by a lazily loaded module would never be loaded.
  const strayCss = Object.keys(outputs).filter(
    (path) => path.endsWith(".css") && path !== outputs[entry].cssBundle,
  );
  if (strayCss.length > 0) {
    throw new Error(
      `Only src/main.tsx may import CSS (put the rules in src/styles.css); esbuild also made ${strayCss.join(", ")}.`,
    );
  }
  const toUrl = (path) => relative(building, join(here, path)).split(sep).join("/");
  const script = toUrl(entry);
  const style = toUrl(outputs[entry].cssBundle);
  const preload = staticImports(outputs, entry).map(toUrl);
  const lazy = Object.keys(outputs)
    .filter((path) => path.endsWith(".js") && path !== entry && !preload.includes(toUrl(path)))
    .map(toUrl);
  await writeFile(join(building, "index.html"), page({ script, style, preload }));
  const previous = `${outdir}.previous-${process.pid}`;
  await rename(outdir, previous).catch((error) => {
    if (error.code !== "ENOENT") throw error;
  });
  await rename(building, outdir);
  await sweepLeftovers(outdir);
  const files = await Promise.all(
    ["index.html", style, script, ...preload].map((path) => sizeOf(outdir, path)),
  );
  return { outdir, files, lazy: await Promise.all(lazy.map((path) => sizeOf(outdir, path))) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const { files, lazy } = await buildWeb({ minify: !process.argv.includes("--dev") });
  const total = files.reduce((sum, file) => sum + file.gzipBytes, 0);
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  const list = (file) =>
    console.log(`  ${file.path.padEnd(32)} ${kb(file.bytes)} (${kb(file.gzipBytes)} gzip)`);
  files.forEach(list);
  if (lazy.length > 0) console.log("  loaded when first shown:");
  lazy.forEach(list);
  console.log(`web built in ${Math.round(performance.now() - started)} ms; first load ${kb(total)} gzip`);
}

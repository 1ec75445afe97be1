/**
 * @module test/build: what build.mjs leaves for the server and CloudFront: an index.html that
 * loads the style, the entry script and every chunk the entry imports, views loaded lazily in
 * chunks of their own, every asset under a content-hashed name, and a first load within budget.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface BuiltFile {
  path: string;
  bytes: number;
  gzipBytes: number;
}
type BuildWeb = (options: {
  outdir: string;
}) => Promise<{ outdir: string; files: BuiltFile[]; lazy: BuiltFile[] }>;

/** The product's budget for everything the first page load fetches. */
const FIRST_LOAD_LIMIT = 60 * 1024;
/** esbuild's `[name]-[hash]` names, which packages/infra caches forever and keeps across one deploy. */
const hashed = /^assets\/[A-Za-z]+-[A-Z2-7]{8}\.(js|css)$/;

let parent: string;
let built: Awaited<ReturnType<BuildWeb>>;
let html: string;

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), "aipm-web-build-"));
  const { buildWeb } = (await import(new URL("../build.mjs", import.meta.url).href)) as {
    buildWeb: BuildWeb;
  };
  built = await buildWeb({ outdir: join(parent, "dist") });
  html = await readFile(join(built.outdir, "index.html"), "utf8");
}, 60_000);

afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe("the web build", () => {
  it("loads the style, the entry and each chunk the entry imports from index.html, all hashed", async () => {
    const [index, style, script, ...chunks] = built.files.map((file) => file.path);
    expect(index).toBe("index.html");
    expect(html).toContain(`<link rel="stylesheet" href="/${style}" />`);
    expect(html).toContain(`<script type="module" src="/${script}"></script>`);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(html).toContain(`<link rel="modulepreload" href="/${chunk}" />`);
    for (const path of [style, script, ...chunks, ...built.lazy.map((file) => file.path)])
      expect(path).toMatch(hashed);
    // Every static import of the first-load scripts is itself preloaded: nothing waits on a second round trip.
    for (const path of [script, ...chunks]) {
      const code = await readFile(join(built.outdir, path ?? ""), "utf8");
      for (const [, imported] of code.matchAll(/\bfrom\s*"\.\/([^"]+\.js)"/g))
        expect(chunks).toContain(`assets/${imported}`);
    }
  });

  it("leaves the mindmap, pull request and operations views out of the first load", () => {
    const lazy = built.lazy.map((file) => file.path.replace(/-[A-Z2-7]{8}\.js$/, ""));
    expect(lazy).toEqual(
      expect.arrayContaining(["assets/Mindmap", "assets/PullRequest", "assets/Operations"]),
    );
    for (const view of lazy) expect(html).not.toContain(view);
  });

  it("keeps the first load within 60 KB gzip", () => {
    const total = built.files.reduce((sum, file) => sum + file.gzipBytes, 0);
    expect(total).toBeLessThanOrEqual(FIRST_LOAD_LIMIT);
  });
});

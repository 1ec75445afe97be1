/**
 * @module build-fixtures: stand-ins for the API, web and worker build outputs, for programs run
 * under mocks where nothing has been built.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BuildFixtures {
  /** A directory with `index.mjs`, like packages/api/dist/lambda. */
  apiBundleDir: string;
  /** A directory like packages/web/dist: index.html, hashed script and style, a favicon. */
  webAssetsDir: string;
  /** A file like packages/worker/dist/worker.mjs. */
  workerBundle: string;
}

/**
 * Stand-ins for the three build outputs, in a fresh temporary directory, for programs run under
 * mocks where nothing has been built.
 */
export function writeBuildFixtures(): BuildFixtures {
  const root = mkdtempSync(join(tmpdir(), "aipm-infra-"));
  const apiBundleDir = join(root, "api");
  const webAssetsDir = join(root, "web");
  mkdirSync(apiBundleDir);
  mkdirSync(join(webAssetsDir, "assets"), { recursive: true });
  writeFileSync(
    join(apiBundleDir, "index.mjs"),
    "export const handler = async () => ({ statusCode: 200 });\n",
  );
  writeFileSync(join(webAssetsDir, "index.html"), "<!doctype html><title>AIPM</title>\n");
  writeFileSync(join(webAssetsDir, "assets", "app-5XQ2ZK3A.js"), "console.log(1);\n");
  writeFileSync(join(webAssetsDir, "assets", "app-QW3RTY7U.css"), "body{}\n");
  writeFileSync(join(webAssetsDir, "favicon.ico"), "");
  const workerBundle = join(root, "worker.mjs");
  writeFileSync(workerBundle, "console.log('worker');\n");
  return { apiBundleDir, webAssetsDir, workerBundle };
}

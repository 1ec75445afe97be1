/**
 * @module web-assets: which files of the web app's esbuild output are uploaded, with which
 * Content-Type and Cache-Control.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const contentTypes: Record<string, string> = {
  css: "text/css; charset=utf-8",
  gif: "image/gif",
  html: "text/html; charset=utf-8",
  ico: "image/x-icon",
  jpeg: "image/jpeg",
  jpg: "image/jpeg",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  mjs: "text/javascript; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
  txt: "text/plain; charset=utf-8",
  webmanifest: "application/manifest+json",
  webp: "image/webp",
  woff: "font/woff",
  woff2: "font/woff2",
  xml: "application/xml",
};

/**
 * The Content-Type of an asset, from its extension; unknown extensions are served as bytes.
 *
 * @example contentTypeFor("app-5XQ2ZK3A.js") // "text/javascript; charset=utf-8"
 */
export function contentTypeFor(key: string): string {
  const extension = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  return contentTypes[extension] ?? "application/octet-stream";
}

/** esbuild's `[name]-[hash]` file names: an 8-character base32 hash before the extension. */
const hashedName = /-[A-Z2-7]{8}\.[a-z0-9]+(\.map)?$/;

export const immutableCacheControl = "public, max-age=31536000, immutable";
export const revalidateCacheControl = "no-cache";
/** Unhashed files other than index.html (favicon, manifest) may be a few minutes stale. */
export const shortCacheControl = "public, max-age=300";

/**
 * The Cache-Control of an asset: hashed files never change, so they are cached for a year;
 * index.html is revalidated on every load so a deploy is seen at once.
 *
 * @example cacheControlFor("index.html") // "no-cache"
 */
export function cacheControlFor(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1);
  if (name === "index.html") return revalidateCacheControl;
  if (hashedName.test(name)) return immutableCacheControl;
  return shortCacheControl;
}

export interface WebAsset {
  /** The object key: the path relative to the assets directory, with `/` separators. */
  key: string;
  /** The file on disk. */
  path: string;
  contentType: string;
  cacheControl: string;
}

/**
 * Every file under `dir` as an asset to upload, sorted by key. Throws, naming the build step,
 * when the directory or its index.html is missing.
 *
 * @example listWebAssets("../../packages/web/dist")
 */
export function listWebAssets(dir: string): WebAsset[] {
  if (!existsSync(join(dir, "index.html"))) {
    throw new Error(
      `The web assets directory "${dir}" has no index.html: build the web app first (pnpm --filter @aipm/web build) or point aipm:webAssetsDir at its output.`,
    );
  }
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(dir);
  return files
    .map((path) => {
      const key = relative(dir, path).split(sep).join("/");
      return { key, path, contentType: contentTypeFor(key), cacheControl: cacheControlFor(key) };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

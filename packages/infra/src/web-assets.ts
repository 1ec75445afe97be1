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

/**
 * Whether a key is one of esbuild's content-hashed files, which never change under their name
 * and so may be kept beside a newer release.
 *
 * @example isHashedAsset("assets/main-7BUJXFT6.js") // true
 */
export function isHashedAsset(key: string): boolean {
  return hashedName.test(key.slice(key.lastIndexOf("/") + 1));
}

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
  if (isHashedAsset(name)) return immutableCacheControl;
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

/** The object listing each release's hashed files, so the next deploy knows what to keep. */
export const releaseManifestKey = "aipm-release.json";

/** The manifest a deploy writes beside the assets: this release's hashed keys and the last one's. */
export interface ReleaseManifest {
  version: 1;
  /** The hashed keys this release's index.html may load. */
  current: string[];
  /** The previous release's hashed keys, kept in the bucket until the next deploy. */
  previous: string[];
}

/**
 * A manifest read back from the bucket; undefined for anything that is not one (no manifest yet,
 * or one written by a different version), which keeps nothing rather than failing the deploy.
 */
export function parseReleaseManifest(text: string | undefined): ReleaseManifest | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ReleaseManifest>;
    const keys = (list: unknown) =>
      Array.isArray(list) && list.every((key) => typeof key === "string") ? (list as string[]) : undefined;
    const current = keys(value.current);
    const previous = keys(value.previous);
    if (value.version !== 1 || !current || !previous) return undefined;
    return { version: 1, current, previous };
  } catch {
    return undefined;
  }
}

export interface ReleasePlan {
  /** Hashed keys of the previous release that this one lacks and that are still in the bucket. */
  keep: string[];
  /** The manifest to write for this release. */
  manifest: ReleaseManifest;
}

/**
 * What a deploy keeps of the previous release: its hashed files that this release does not upload
 * itself, so tabs still running the previous index.html can lazy-load them. Everything else not in
 * this release (the release before the previous one, and unhashed files such as an old
 * index.html) is left out, so the deploy deletes it.
 *
 * @example planRelease(listWebAssets(dir), parseReleaseManifest(text), new Set(bucketKeys))
 */
export function planRelease(
  assets: readonly WebAsset[],
  previous: ReleaseManifest | undefined,
  inBucket: ReadonlySet<string>,
): ReleasePlan {
  const current = assets.map((asset) => asset.key).filter(isHashedAsset);
  const uploaded = new Set(assets.map((asset) => asset.key));
  const previousKeys = (previous?.current ?? []).filter(isHashedAsset);
  const keep = previousKeys.filter((key) => !uploaded.has(key) && inBucket.has(key)).sort();
  return { keep, manifest: { version: 1, current, previous: previousKeys } };
}

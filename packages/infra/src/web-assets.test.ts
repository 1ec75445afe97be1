import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBuildFixtures } from "./build-fixtures.ts";
import {
  cacheControlFor,
  contentTypeFor,
  immutableCacheControl,
  isHashedAsset,
  listWebAssets,
  parseReleaseManifest,
  planRelease,
  revalidateCacheControl,
  shortCacheControl,
  type WebAsset,
} from "./web-assets.ts";

describe("contentTypeFor", () => {
  it.each([
    ["index.html", "text/html; charset=utf-8"],
    ["assets/app-5XQ2ZK3A.js", "text/javascript; charset=utf-8"],
    ["assets/app-QW3RTY7U.css", "text/css; charset=utf-8"],
    ["assets/app-5XQ2ZK3A.js.map", "application/json"],
    ["logo.SVG", "image/svg+xml"],
    ["fonts/inter.woff2", "font/woff2"],
    ["LICENSE", "application/octet-stream"],
  ])("%s is %s", (key, type) => {
    expect(contentTypeFor(key)).toBe(type);
  });
});

describe("cacheControlFor", () => {
  it("caches esbuild's hashed files for a year, immutable", () => {
    expect(cacheControlFor("assets/app-5XQ2ZK3A.js")).toBe(immutableCacheControl);
    expect(cacheControlFor("chunk-ABCDEFGH.css")).toBe(immutableCacheControl);
    expect(immutableCacheControl).toContain("immutable");
  });

  it("revalidates index.html on every load, wherever it is", () => {
    expect(cacheControlFor("index.html")).toBe(revalidateCacheControl);
    expect(revalidateCacheControl).toBe("no-cache");
  });

  it("gives unhashed files a short lifetime", () => {
    expect(cacheControlFor("favicon.ico")).toBe(shortCacheControl);
    expect(cacheControlFor("app.js")).toBe(shortCacheControl);
    expect(cacheControlFor("app-lowercase.js")).toBe(shortCacheControl);
  });
});

describe("listWebAssets", () => {
  it("lists every file with its key, type and caching", () => {
    const { webAssetsDir } = writeBuildFixtures();
    expect(
      listWebAssets(webAssetsDir).map(({ key, contentType, cacheControl }) => [
        key,
        contentType,
        cacheControl,
      ]),
    ).toEqual([
      ["assets/app-5XQ2ZK3A.js", "text/javascript; charset=utf-8", immutableCacheControl],
      ["assets/app-QW3RTY7U.css", "text/css; charset=utf-8", immutableCacheControl],
      ["favicon.ico", "image/x-icon", shortCacheControl],
      ["index.html", "text/html; charset=utf-8", revalidateCacheControl],
    ]);
  });

  it("refuses a directory without index.html, naming the build", () => {
    const empty = mkdtempSync(join(tmpdir(), "aipm-web-"));
    expect(() => listWebAssets(empty)).toThrow(/build the web app first/);
  });
});

const release = (...keys: string[]): WebAsset[] =>
  keys.map((key) => ({ key, path: `/dist/${key}`, contentType: "", cacheControl: "" }));

describe("planRelease", () => {
  const first = ["index.html", "favicon.ico", "assets/main-AAAAAAAA.js", "assets/main-SSSSSSSS.css"];
  const second = ["index.html", "favicon.ico", "assets/main-BBBBBBBB.js", "assets/main-SSSSSSSS.css"];

  it("keeps nothing on the first deploy and lists this release's hashed files", () => {
    expect(planRelease(release(...first), undefined, new Set())).toEqual({
      keep: [],
      manifest: {
        version: 1,
        current: ["assets/main-AAAAAAAA.js", "assets/main-SSSSSSSS.css"],
        previous: [],
      },
    });
  });

  it("keeps the previous release's hashed files this one does not upload, never its unhashed ones", () => {
    const previous = planRelease(release(...first), undefined, new Set()).manifest;
    const plan = planRelease(release(...second), previous, new Set(first));
    expect(plan.keep).toEqual(["assets/main-AAAAAAAA.js"]);
    expect(plan.manifest).toEqual({
      version: 1,
      current: ["assets/main-BBBBBBBB.js", "assets/main-SSSSSSSS.css"],
      previous: ["assets/main-AAAAAAAA.js", "assets/main-SSSSSSSS.css"],
    });
  });

  it("keeps only what is still in the bucket, and only the previous release's, not the one before", () => {
    const previous = {
      version: 1 as const,
      current: ["assets/main-BBBBBBBB.js"],
      previous: ["assets/main-AAAAAAAA.js"],
    };
    const plan = planRelease(
      release("index.html", "assets/main-CCCCCCCC.js"),
      previous,
      new Set(["assets/main-AAAAAAAA.js"]),
    );
    expect(plan.keep).toEqual([]);
  });
});

describe("parseReleaseManifest", () => {
  it("reads what planRelease writes", () => {
    const manifest = { version: 1, current: ["assets/a-AAAAAAAA.js"], previous: [] };
    expect(parseReleaseManifest(JSON.stringify(manifest))).toEqual(manifest);
  });

  it.each([
    undefined,
    "",
    "not json",
    "[]",
    '{"version":2,"current":[],"previous":[]}',
    '{"version":1,"current":[1],"previous":[]}',
  ])("keeps nothing for %j", (text) => {
    expect(parseReleaseManifest(text)).toBeUndefined();
  });

  it("treats only esbuild's hashed names as hashed", () => {
    expect(isHashedAsset("assets/main-7BUJXFT6.js.map")).toBe(true);
    expect(isHashedAsset("index.html")).toBe(false);
    expect(isHashedAsset("aipm-release.json")).toBe(false);
  });
});

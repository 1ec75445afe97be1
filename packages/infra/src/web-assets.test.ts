import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBuildFixtures } from "./build-fixtures.ts";
import { forwardedAuthorizationHeader, originRequestHandlerCode, spaRewriteCode } from "./edge-code.ts";
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

describe("the SPA rewrite (CloudFront Function)", () => {
  const handler = new Function(`${spaRewriteCode}; return handler;`)() as (event: {
    request: { uri: string };
  }) => { uri: string };
  const rewrite = (uri: string) => handler({ request: { uri } }).uri;

  it("serves index.html for client-side routes", () => {
    expect(rewrite("/")).toBe("/index.html");
    expect(rewrite("/projects/p1/stories/s2")).toBe("/index.html");
  });

  it("leaves files alone", () => {
    expect(rewrite("/assets/app-5XQ2ZK3A.js")).toBe("/assets/app-5XQ2ZK3A.js");
    expect(rewrite("/favicon.ico")).toBe("/favicon.ico");
  });
});

describe("the API origin request (Lambda@Edge)", () => {
  /** Runs the deployed source in a real Node process, the way Lambda loads index.mjs. */
  function runHandler(requests: unknown[]): unknown[] {
    const dir = mkdtempSync(join(tmpdir(), "aipm-edge-"));
    writeFileSync(join(dir, "index.mjs"), originRequestHandlerCode);
    const script = `const { handler } = await import(${JSON.stringify(join(dir, "index.mjs"))});
const requests = JSON.parse(process.argv[1]);
const results = [];
for (const request of requests) results.push(await handler({ Records: [{ cf: { request } }] }));
console.log(JSON.stringify(results));`;
    const output = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", script, JSON.stringify(requests)],
      {
        encoding: "utf8",
      },
    );
    return JSON.parse(output) as unknown[];
  }

  const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

  it("adds the body's SHA-256 so the signed request reaches the Function URL", () => {
    const payload = JSON.stringify({ action: "closed", pull_request: { merged: true } });
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    const [json, base64, empty] = runHandler([
      { method: "POST", uri: "/api/webhooks/github", headers: {}, body: { data: payload, encoding: "text" } },
      {
        method: "PUT",
        uri: "/api/x",
        headers: {},
        body: { data: binary.toString("base64"), encoding: "base64" },
      },
      { method: "DELETE", uri: "/api/x", headers: {} },
    ]) as { headers: Record<string, [{ value: string }]> }[];
    expect(json?.headers["x-amz-content-sha256"]?.[0].value).toBe(sha256(payload));
    expect(base64?.headers["x-amz-content-sha256"]?.[0].value).toBe(sha256(binary));
    expect(empty?.headers["x-amz-content-sha256"]?.[0].value).toBe(sha256(""));
  });

  it("moves the viewer's bearer token out of Authorization, which the signature overwrites", () => {
    const bearer = { authorization: [{ key: "Authorization", value: "Bearer aipm_token_123" }] };
    const [read, write] = runHandler([
      { method: "GET", uri: "/api/projects", headers: bearer },
      { method: "POST", uri: "/api/projects", headers: bearer, body: { data: "{}", encoding: "text" } },
    ]) as { headers: Record<string, [{ key: string; value: string }]> }[];
    for (const request of [read, write]) {
      expect(request?.headers[forwardedAuthorizationHeader]).toEqual([
        { key: "X-Aipm-Authorization", value: "Bearer aipm_token_123" },
      ]);
    }
  });

  it("passes anonymous reads through untouched and refuses bodies CloudFront truncated", () => {
    const get = { method: "GET", uri: "/api/projects", headers: {} };
    const [read, tooLarge] = runHandler([
      get,
      {
        method: "POST",
        uri: "/api/x",
        headers: {},
        body: { data: "x", encoding: "text", inputTruncated: true },
      },
    ]) as [unknown, { status: string; body: string }];
    expect(read).toEqual(get);
    expect(tooLarge.status).toBe("413");
    expect(JSON.parse(tooLarge.body)).toMatchObject({ status: 413, title: "Payload Too Large" });
  });
});

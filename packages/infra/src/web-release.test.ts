import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { startMockDeployment } from "./mock-deployment.ts";
import { immutableCacheControl, releaseManifestKey } from "./web-assets.ts";
import { readPreviousRelease } from "./web-release.ts";

/** The web bucket as S3 would hold it after a deploy: key to bytes. */
type Bucket = Map<string, Buffer>;

interface Deploy {
  /** The bucket after the deploy: exactly the objects the program declared, Pulumi deleting the rest. */
  bucket: Bucket;
  /** Each object's inputs other than its bytes, by key. */
  declared: Map<string, Record<string, unknown>>;
  /** The data source calls the program made, by token. */
  invokes: { token: string; inputs: Record<string, unknown> }[];
}

const bucketName = "aipm-dev-web-bucket-0000000";

/** A web build directory holding the given files. */
function build(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "aipm-web-release-"));
  for (const [key, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, key)), { recursive: true });
    writeFileSync(join(dir, key), text);
  }
  return dir;
}

/**
 * Runs WebHosting under mocks against a bucket holding `before`, the way `pulumi up` would: the
 * program's S3 data sources read `before`, and the bucket afterwards is what it declared.
 */
async function deploy(assetsDir: string, before: Bucket): Promise<Deploy> {
  const deployment = await startMockDeployment({ stack: "dev" });
  const invokes: Deploy["invokes"] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as { mocks: pulumi.runtime.Mocks };
  const mockCall = monitor.mocks.call.bind(monitor.mocks);
  monitor.mocks.call = (args) => {
    invokes.push({ token: args.token, inputs: args.inputs });
    if (args.token === "aws:s3/getObjects:getObjects") return { ...args.inputs, keys: [...before.keys()] };
    if (args.token === "aws:s3/getObject:getObject") {
      const body = before.get(String(args.inputs.key));
      if (!body) throw new Error(`NoSuchKey: ${args.inputs.key}`);
      return { ...args.inputs, bodyBase64: body.toString("base64") };
    }
    return mockCall(args);
  };
  const { WebHosting } = await import("./components/web-hosting.ts");
  new WebHosting("aipm-dev-web", {
    environment: "dev",
    assetsDir,
    apiFunctionUrl: "https://abcdefghij.lambda-url.us-east-1.on.aws/",
    apiFunctionName: "aipm-dev-api-function-1a2b3c",
  });
  await deployment.settle();
  const after: Bucket = new Map();
  const declared: Deploy["declared"] = new Map();
  for (const object of deployment.ofType("aws:s3/bucketObjectv2:BucketObjectv2")) {
    const { key, source, content } = object.inputs;
    expect(object.name).toBe(
      key === releaseManifestKey ? "aipm-dev-web-release-manifest" : `aipm-dev-web-asset-${key}`,
    );
    expect(after.has(key), `${key} declared twice`).toBe(false);
    after.set(key, source ? readFileSync(await source.path) : Buffer.from(content));
    const { source: _bytes, content: _text, ...rest } = object.inputs;
    declared.set(key, { name: object.name, ...rest });
  }
  return { bucket: after, declared, invokes };
}

const manifestOf = (bucket: Bucket) => JSON.parse(bucket.get(releaseManifestKey)?.toString("utf8") ?? "null");

// Three releases: the app chunk changes each time, the stylesheet stays the same, and the second
// release adds a lazy chunk the third drops.
const releases: Record<string, string>[] = [
  {
    "index.html": "<script src=/assets/app-AAAAAAAA.js>",
    "assets/app-AAAAAAAA.js": "one",
    "assets/app-SSSSSSSS.css": "css",
  },
  {
    "index.html": "<script src=/assets/app-BBBBBBBB.js>",
    "assets/app-BBBBBBBB.js": "two",
    "assets/app-SSSSSSSS.css": "css",
    "assets/lazy-LLLLLLLL.js": "lazy",
  },
  {
    "index.html": "<script src=/assets/app-CCCCCCCC.js>",
    "assets/app-CCCCCCCC.js": "three",
    "assets/app-SSSSSSSS.css": "css",
  },
];

describe("web releases over three deploys", () => {
  const deploys: Deploy[] = [];

  beforeAll(async () => {
    let bucket: Bucket = new Map();
    for (const files of releases) {
      const result = await deploy(build(files), bucket);
      deploys.push(result);
      bucket = result.bucket;
    }
  });

  it("first deploy: uploads the release and a manifest of its hashed files, keeping nothing", () => {
    const [first] = deploys;
    expect([...(first?.bucket.keys() ?? [])].sort()).toEqual([
      "aipm-release.json",
      "assets/app-AAAAAAAA.js",
      "assets/app-SSSSSSSS.css",
      "index.html",
    ]);
    expect(manifestOf(first?.bucket ?? new Map())).toEqual({
      version: 1,
      current: ["assets/app-AAAAAAAA.js", "assets/app-SSSSSSSS.css"],
      previous: [],
    });
    expect(first?.invokes.map((invoke) => invoke.token)).toEqual(["aws:s3/getObjects:getObjects"]);
    expect(first?.invokes[0]?.inputs).toEqual({ bucket: bucketName });
  });

  it("second deploy: keeps the first release's chunk with its bytes, replaces index.html", () => {
    const second = deploys[1]?.bucket ?? new Map();
    expect([...second.keys()].sort()).toEqual([
      "aipm-release.json",
      "assets/app-AAAAAAAA.js",
      "assets/app-BBBBBBBB.js",
      "assets/app-SSSSSSSS.css",
      "assets/lazy-LLLLLLLL.js",
      "index.html",
    ]);
    expect(second.get("assets/app-AAAAAAAA.js")?.toString()).toBe("one");
    expect(second.get("index.html")?.toString()).toContain("app-BBBBBBBB.js");
    expect(manifestOf(second)).toEqual({
      version: 1,
      current: ["assets/app-BBBBBBBB.js", "assets/app-SSSSSSSS.css", "assets/lazy-LLLLLLLL.js"],
      previous: ["assets/app-AAAAAAAA.js", "assets/app-SSSSSSSS.css"],
    });
    const reads = deploys[1]?.invokes.filter((invoke) => invoke.token === "aws:s3/getObject:getObject");
    expect(reads?.map((read) => read.inputs.key).sort()).toEqual([
      "aipm-release.json",
      "assets/app-AAAAAAAA.js",
    ]);
    expect(
      reads?.every((read) => read.inputs.downloadBody === "true" && read.inputs.bucket === bucketName),
    ).toBe(true);
  });

  it("third deploy: keeps the second release's chunks; the first release's are gone", () => {
    const third = deploys[2]?.bucket ?? new Map();
    expect([...third.keys()].sort()).toEqual([
      "aipm-release.json",
      "assets/app-BBBBBBBB.js",
      "assets/app-CCCCCCCC.js",
      "assets/app-SSSSSSSS.css",
      "assets/lazy-LLLLLLLL.js",
      "index.html",
    ]);
    expect(third.get("assets/lazy-LLLLLLLL.js")?.toString()).toBe("lazy");
    expect(third.has("assets/app-AAAAAAAA.js")).toBe(false);
    expect(manifestOf(third).previous).toEqual(manifestOf(deploys[1]?.bucket ?? new Map()).current);
  });

  it("declares a kept file as the very resource that uploaded it: same name, type and caching", () => {
    const uploaded = deploys[0]?.declared.get("assets/app-AAAAAAAA.js");
    expect(uploaded).toMatchObject({
      name: "aipm-dev-web-asset-assets/app-AAAAAAAA.js",
      contentType: "text/javascript; charset=utf-8",
      cacheControl: immutableCacheControl,
    });
    expect(deploys[1]?.declared.get("assets/app-AAAAAAAA.js")).toEqual(uploaded);
    expect(deploys[2]?.declared.get("assets/lazy-LLLLLLLL.js")).toEqual(
      deploys[1]?.declared.get("assets/lazy-LLLLLLLL.js"),
    );
  });
});

describe("readPreviousRelease", () => {
  it("refuses a manifest key that would be written outside its temporary directory", async () => {
    const evil = "../../outside-AAAAAAAA.js";
    const manifest = JSON.stringify({ version: 1, current: [evil], previous: [] });
    const reader = {
      keys: async () => [releaseManifestKey, evil],
      read: async (key: string) => Buffer.from(key === releaseManifestKey ? manifest : "x"),
    };
    await expect(readPreviousRelease(reader, [])).rejects.toThrow(/unsafe key/);
  });
});

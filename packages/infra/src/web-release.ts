/**
 * @module web-release: uploads a web release to its bucket while keeping the previous release's
 * hashed files, so a tab still running the previous index.html can lazy-load its chunks until the
 * next deploy.
 *
 * Pulumi deletes every object the program no longer declares, and re-declaring an object needs
 * its bytes (the engine reads a FileAsset it holds in state, and the previous build is gone). So
 * each deploy writes a manifest ({@link releaseManifestKey}) listing its hashed files; the next
 * deploy reads it back, downloads the files of that release which it does not upload itself, and
 * declares them again under their old names with the same bytes: Pulumi sees no change and
 * leaves them alone. Files only the release before the previous one had are not declared, so
 * Pulumi deletes them; index.html and other unhashed files are always replaced.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import {
  cacheControlFor,
  contentTypeFor,
  parseReleaseManifest,
  planRelease,
  type ReleasePlan,
  releaseManifestKey,
  revalidateCacheControl,
  type WebAsset,
} from "./web-assets.ts";

/** What a deploy reads of the bucket it is about to update. */
export interface BucketReader {
  /** Every key in the bucket. */
  keys(): Promise<string[]>;
  /** An object's bytes. */
  read(key: string): Promise<Buffer>;
}

/**
 * Reads the bucket through the AWS provider's data sources (ListObjectsV2 and GetObject), so
 * `pulumi preview` and `pulumi up` read it with the deploy's own credentials.
 */
export function s3BucketReader(bucket: string, opts?: pulumi.InvokeOptions): BucketReader {
  return {
    keys: async () => (await s3.getObjects({ bucket }, opts)).keys ?? [],
    read: async (key) => {
      const object = await s3.getObject({ bucket, key, downloadBody: "true" }, opts);
      return Buffer.from(object.bodyBase64 ?? "", "base64");
    },
  };
}

export interface PreviousRelease {
  plan: ReleasePlan;
  /** The previous release's files to declare again, downloaded to a temporary directory. */
  kept: WebAsset[];
}

/**
 * Reads the previous release's manifest and downloads the files of it to keep. A bucket without
 * a manifest (the first deploy, or one from before manifests) keeps nothing.
 */
export async function readPreviousRelease(
  reader: BucketReader,
  assets: readonly WebAsset[],
): Promise<PreviousRelease> {
  const inBucket = new Set(await reader.keys());
  const manifest = inBucket.has(releaseManifestKey)
    ? parseReleaseManifest((await reader.read(releaseManifestKey)).toString("utf8"))
    : undefined;
  const plan = planRelease(assets, manifest, inBucket);
  if (plan.keep.length === 0) return { plan, kept: [] };
  const dir = mkdtempSync(join(tmpdir(), "aipm-web-previous-"));
  const kept = await Promise.all(
    plan.keep.map(async (key) => {
      const path = resolve(dir, ...key.split("/"));
      if (!path.startsWith(dir + sep)) throw new Error(`The release manifest lists an unsafe key: ${key}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await reader.read(key));
      return { key, path, contentType: contentTypeFor(key), cacheControl: cacheControlFor(key) };
    }),
  );
  return { plan, kept };
}

export interface PublishedRelease {
  /** The objects of this release, declared up front. */
  uploaded: s3.BucketObjectv2[];
  /** The release manifest, written after this release's objects. */
  manifest: s3.BucketObjectv2;
  /** What was kept of the previous release (unknown in a preview before the bucket exists). */
  previous: pulumi.Output<PreviousRelease>;
}

/**
 * Declares this release's objects, the previous release's hashed files it lacks, and the manifest
 * the next deploy reads. Objects are named `<name>-asset-<key>`, so a file kept from the previous
 * release is the very resource that release created.
 *
 * @example publishRelease("aipm-dev-web", bucket, listWebAssets(dir), this)
 */
export function publishRelease(
  name: string,
  bucket: s3.Bucket,
  assets: readonly WebAsset[],
  parent: pulumi.Resource,
  reader: (bucketName: string) => BucketReader = (bucketName) => s3BucketReader(bucketName, { parent }),
): PublishedRelease {
  const upload = (asset: WebAsset) =>
    new s3.BucketObjectv2(
      `${name}-asset-${asset.key}`,
      {
        bucket: bucket.id,
        key: asset.key,
        source: new pulumi.asset.FileAsset(asset.path),
        contentType: asset.contentType,
        cacheControl: asset.cacheControl,
      },
      { parent },
    );
  const uploaded = assets.map(upload);
  // The read happens before anything in this deploy writes the manifest: the new manifest's
  // content is computed from it.
  const previous = bucket.bucket.apply(async (bucketName) => {
    const release = await readPreviousRelease(reader(bucketName), assets);
    release.kept.forEach(upload);
    return release;
  });
  const manifest = new s3.BucketObjectv2(
    `${name}-release-manifest`,
    {
      bucket: bucket.id,
      key: releaseManifestKey,
      content: previous.apply(({ plan }) => `${JSON.stringify(plan.manifest, null, 2)}\n`),
      contentType: contentTypeFor(releaseManifestKey),
      cacheControl: revalidateCacheControl,
    },
    { parent, dependsOn: uploaded },
  );
  return { uploaded, manifest, previous };
}

/**
 * @module private-bucket: an S3 bucket that is never public: every public access setting blocked,
 * ACLs disabled (the bucket owner owns every object), encrypted at rest by default. The web assets
 * and the worker artifacts both live in one.
 */
import * as s3 from "@pulumi/aws/s3";
import type * as pulumi from "@pulumi/pulumi";

export interface PrivateBucket {
  bucket: s3.Bucket;
  /**
   * The bucket's public access block. A bucket policy should depend on it: S3 refuses a policy
   * while the account's settings are still being applied.
   */
  publicAccessBlock: s3.BucketPublicAccessBlock;
}

/**
 * The bucket `name` and its public access block, ownership controls and default encryption, all
 * named `name` and children of `parent` (so each keeps the name and parent it had when the
 * components wrote them out themselves).
 *
 * @example const { bucket, publicAccessBlock } = privateBucket(`${name}-bucket`, this);
 */
export function privateBucket(name: string, parent: pulumi.Resource): PrivateBucket {
  const bucket = new s3.Bucket(name, { forceDestroy: true }, { parent });
  const publicAccessBlock = new s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new s3.BucketOwnershipControls(
    name,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  new s3.BucketServerSideEncryptionConfiguration(
    name,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );
  return { bucket, publicAccessBlock };
}

/**
 * @module pulumi-preview.recorded: `pulumi preview --json` output in the shape Pulumi prints it
 * (its `display.PreviewDigest`: `steps[]` with `op`, `urn`, `provider`, `oldState`/`newState` as
 * serialized resources, `diffReasons`/`replaceReasons`, `detailedDiff`; `diagnostics[]`;
 * `changeSummary`; `duration` in nanoseconds), trimmed to a few resources of the dev stack, for
 * the tests of the rollback's preview checks.
 */
import type { PreviewDigest } from "./pulumi-preview.ts";

const STACK = "urn:pulumi:dev::aipm::pulumi:pulumi:Stack::aipm-dev";
const ENVIRONMENT = "aipm:environment:AipmEnvironment";
const PROVIDER =
  "urn:pulumi:dev::aipm::pulumi:providers:aws::default_7_48_0::6b1c6a52-93f1-4a53-9d52-1f3f0c4a7e10";

/** A resource's URN in the dev stack, under the environment component. */
export const urnOf = (typeChain: string, name: string) =>
  `urn:pulumi:dev::aipm::${ENVIRONMENT}$${typeChain}::${name}`;

/** A serialized resource state (`apitype.ResourceV3`), as preview steps carry them. */
function state(type: string, urn: string, id: string, extra: Record<string, unknown> = {}) {
  return {
    urn,
    custom: true,
    id,
    type,
    inputs: {},
    outputs: { id },
    parent: STACK,
    provider: PROVIDER,
    created: "2026-11-01T12:04:00Z",
    modified: "2026-11-01T12:04:00Z",
    ...extra,
  };
}

const stackStep = {
  op: "same",
  urn: STACK,
  oldState: { urn: STACK, custom: false, type: "pulumi:pulumi:Stack" },
  newState: { urn: STACK, custom: false, type: "pulumi:pulumi:Stack" },
};

const LAMBDA = urnOf("aipm:api:Api$aws:lambda/function:Function", "aipm-dev-api");
const WORKER_TEMPLATE = urnOf(
  "aipm:workers:WorkerFleet$aws:ec2/launchTemplate:LaunchTemplate",
  "aipm-dev-workers",
);
export const EVENTS_TABLE = urnOf("aipm:data:Data$aws:dynamodb/table:Table", "aipm-dev-data-events");
export const WEB_BUCKET = urnOf("aipm:web:WebHosting$aws:s3/bucket:Bucket", "aipm-dev-web-assets");
const WEB_POLICY = urnOf("aipm:web:WebHosting$aws:s3/bucketPolicy:BucketPolicy", "aipm-dev-web-assets");
const ALARM = urnOf("aws:cloudwatch/metricAlarm:MetricAlarm", "aipm-dev-queue-age");
export const PROJECTS_TABLE = urnOf("aipm:data:Data$aws:dynamodb/table:Table", "aipm-prod-data-projects");

const lambda = (version: string) =>
  state("aws:lambda/function:Function", LAMBDA, "aipm-dev-api", {
    inputs: { environment: { variables: { AIPM_VERSION: version } } },
  });

const lambdaUpdate = {
  op: "update",
  urn: LAMBDA,
  provider: PROVIDER,
  oldState: lambda("9a8b7c6d5e4f"),
  newState: lambda("3f2c1ab9d0e4"),
  diffReasons: ["environment"],
  detailedDiff: { "environment.variables.AIPM_VERSION": { kind: "update", inputDiff: true } },
};

/** Back to an older build: the Lambda and the workers' launch template change, nothing else. */
export const updatesOnly: PreviewDigest = {
  config: { "aws:region": "us-east-1", "aipm:version": "3f2c1ab9d0e4" },
  steps: [
    stackStep,
    lambdaUpdate,
    {
      op: "update",
      urn: WORKER_TEMPLATE,
      provider: PROVIDER,
      oldState: state("aws:ec2/launchTemplate:LaunchTemplate", WORKER_TEMPLATE, "lt-0a1b2c3d4e5f"),
      newState: state("aws:ec2/launchTemplate:LaunchTemplate", WORKER_TEMPLATE, "lt-0a1b2c3d4e5f"),
      diffReasons: ["userData"],
      detailedDiff: { userData: { kind: "update", inputDiff: true } },
    },
  ],
  duration: 6_210_000_000,
  changeSummary: { same: 61, update: 2 },
};

/** The table added since the target update is not in the old program: it would be deleted, with an alarm. */
export const deletesTable: PreviewDigest = {
  steps: [
    stackStep,
    lambdaUpdate,
    {
      op: "delete",
      urn: EVENTS_TABLE,
      provider: PROVIDER,
      oldState: state("aws:dynamodb/table:Table", EVENTS_TABLE, "aipm-dev-events-5d1e2f3"),
    },
    {
      op: "delete",
      urn: ALARM,
      provider: PROVIDER,
      oldState: state("aws:cloudwatch/metricAlarm:MetricAlarm", ALARM, "aipm-dev-queue-age-1a2b3c4"),
    },
  ],
  duration: 5_480_000_000,
  changeSummary: { same: 60, update: 1, delete: 2 },
};

/** The old program names the web bucket differently: replaced (create, swap, delete the old one). */
export const replacesBucket: PreviewDigest = {
  steps: [
    stackStep,
    {
      op: "create-replacement",
      urn: WEB_BUCKET,
      provider: PROVIDER,
      oldState: state("aws:s3/bucket:Bucket", WEB_BUCKET, "aipm-dev-web-assets-7e8f9a0"),
      newState: state("aws:s3/bucket:Bucket", WEB_BUCKET, ""),
      replaceReasons: ["bucketPrefix"],
    },
    {
      op: "replace",
      urn: WEB_BUCKET,
      provider: PROVIDER,
      oldState: state("aws:s3/bucket:Bucket", WEB_BUCKET, "aipm-dev-web-assets-7e8f9a0"),
      newState: state("aws:s3/bucket:Bucket", WEB_BUCKET, ""),
      replaceReasons: ["bucketPrefix"],
    },
    {
      op: "update",
      urn: WEB_POLICY,
      provider: PROVIDER,
      oldState: state("aws:s3/bucketPolicy:BucketPolicy", WEB_POLICY, "aipm-dev-web-assets-7e8f9a0"),
      newState: state("aws:s3/bucketPolicy:BucketPolicy", WEB_POLICY, "aipm-dev-web-assets-7e8f9a0"),
      diffReasons: ["bucket"],
    },
    {
      op: "delete-replaced",
      urn: WEB_BUCKET,
      provider: PROVIDER,
      oldState: state("aws:s3/bucket:Bucket", WEB_BUCKET, "aipm-dev-web-assets-7e8f9a0"),
    },
  ],
  duration: 4_900_000_000,
  changeSummary: { same: 60, update: 1, replace: 1 },
};

const protectedTable = state("aws:dynamodb/table:Table", PROJECTS_TABLE, "aipm-prod-projects-0c9d8e7", {
  protect: true,
  retainOnDelete: true,
});

/** A protected table in a delete step: Pulumi refuses it, the preview fails (exit 255) with the digest printed. */
export const deletesProtectedTable: PreviewDigest = {
  steps: [stackStep, { op: "delete", urn: PROJECTS_TABLE, provider: PROVIDER, oldState: protectedTable }],
  diagnostics: [
    {
      urn: PROJECTS_TABLE,
      message: `unable to delete resource "${PROJECTS_TABLE}"\nas it is currently marked for protection. To unprotect the resource, either remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\` or use the command:\n\`pulumi state unprotect '${PROJECTS_TABLE}'\`\n`,
      severity: "error",
    },
  ],
  duration: 3_100_000_000,
  changeSummary: { same: 60 },
};

/** The old program fails to run: no steps past the stack, an error and a warning. */
export const programFails: PreviewDigest = {
  steps: [stackStep],
  diagnostics: [
    { urn: STACK, message: "aws:region is deprecated here; set it on the provider\n", severity: "warning" },
    {
      urn: STACK,
      message:
        "Running program '/tmp/aipm-rollback-x/tree/stacks/dev' failed with an unhandled exception:\nError: Missing required configuration variable 'aipm:apiToken'\n",
      severity: "error",
    },
  ],
  duration: 2_000_000_000,
};

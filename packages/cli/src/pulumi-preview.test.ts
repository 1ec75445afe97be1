import { describe, expect, it } from "vitest";
import {
  deletesProtectedTable,
  deletesTable,
  programFails,
  replacesBucket,
  updatesOnly,
  urnOf,
} from "./pulumi-preview.recorded.ts";
import {
  decideRollback,
  formatCounts,
  formatPreview,
  judgePreview,
  type PreviewDigest,
  readPreview,
  urnParts,
} from "./pulumi-preview.ts";

const TABLE = "aws:dynamodb/table:Table";
const onlyAlarmDeleted: PreviewDigest = {
  steps: deletesTable.steps?.filter((step) => !step.urn.includes("dynamodb")),
};
const stateful = (type: string): PreviewDigest => ({
  steps: [{ op: "delete", urn: urnOf(type, "it"), oldState: { type } }],
});

/** Each recorded or made-up preview: what it counts, what it lists, and whether a rollback goes on. */
const CASES: {
  name: string;
  digest: PreviewDigest;
  counts: Record<string, number>;
  listed: string[];
  proceeds: boolean;
  withForce: boolean;
  says?: string[];
}[] = [
  {
    name: "updates only",
    digest: updatesOnly,
    counts: { same: 1, update: 2 },
    listed: [],
    proceeds: true,
    withForce: true,
  },
  {
    name: "a deleted alarm (not stateful)",
    digest: onlyAlarmDeleted,
    counts: { same: 1, update: 1, delete: 1 },
    listed: ["delete aws:cloudwatch/metricAlarm:MetricAlarm aipm-dev-queue-age"],
    proceeds: true,
    withForce: true,
  },
  {
    name: "a deleted DynamoDB table",
    digest: deletesTable,
    counts: { same: 1, update: 1, delete: 2 },
    listed: [
      `delete ${TABLE} aipm-dev-data-events`,
      "delete aws:cloudwatch/metricAlarm:MetricAlarm aipm-dev-queue-age",
    ],
    proceeds: false,
    withForce: true,
    says: [`delete ${TABLE} aipm-dev-data-events`, "Rerun with --force", "Pulumi refuses those"],
  },
  {
    name: "a replaced S3 bucket (three steps, one resource)",
    digest: replacesBucket,
    counts: { same: 1, replace: 1, update: 1 },
    listed: ["replace aws:s3/bucket:Bucket aipm-dev-web-assets"],
    proceeds: false,
    withForce: true,
    says: ["replace aws:s3/bucket:Bucket aipm-dev-web-assets", "--force"],
  },
  {
    name: "a protected table in a delete step, the preview failed",
    digest: deletesProtectedTable,
    counts: { same: 1, delete: 1 },
    listed: [`delete ${TABLE} aipm-prod-data-projects`],
    proceeds: false,
    withForce: false,
    says: [
      "marked protect",
      "Pulumi refuses to replace or delete a protected resource",
      "--force does not get past this",
    ],
  },
  {
    name: "a failed program",
    digest: programFails,
    counts: { same: 1 },
    listed: [],
    proceeds: false,
    withForce: false,
    says: ["the preview failed (1 error", "--force does not get past a failed preview"],
  },
  {
    name: "a protected resource replaced, protect in the new state only",
    digest: {
      steps: [{ op: "replace", urn: urnOf("aws:iam/role:Role", "ci"), newState: { protect: true } }],
    },
    counts: { replace: 1 },
    listed: ["replace aws:iam/role:Role ci"],
    proceeds: false,
    withForce: false,
  },
  ...[
    "aws:s3/bucketV2:BucketV2",
    "aws:secretsmanager/secret:Secret",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:kms/key:Key",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  ].map((type) => ({
    name: `a deleted ${type}`,
    digest: stateful(type),
    counts: { delete: 1 },
    listed: [`delete ${type} it`],
    proceeds: false,
    withForce: true,
  })),
];

describe("the rollback's preview checks", () => {
  it.each(CASES)("$name", ({ digest, counts, listed, proceeds, withForce, says }) => {
    const verdict = judgePreview(readPreview(JSON.stringify(digest)));
    expect(verdict.counts).toEqual(counts);
    expect(verdict.changes.map((change) => `${change.op} ${change.type} ${change.name}`)).toEqual(listed);
    const decision = decideRollback(verdict, { force: false });
    expect(decision.proceed).toBe(proceeds);
    expect(decideRollback(verdict, { force: true }).proceed).toBe(withForce);
    for (const text of says ?? []) expect(decision.message).toContain(text);
    if (!proceeds) expect(decision.message).toContain("--force");
  });

  it("says what --force went ahead despite", () => {
    const decision = decideRollback(judgePreview(deletesTable), { force: true });
    expect(decision.message).toBe(
      `--force: going ahead although the rollback would delete ${TABLE} aipm-dev-data-events: stateful resources, whose data or trust would be lost.`,
    );
  });
});

describe("the preview, as the operator reads it", () => {
  it("counts per operation, then each replaced or deleted resource with its type, name and why", () => {
    expect(formatPreview(judgePreview(replacesBucket))).toBe(
      "  update 1, replace 1, same 1\n" +
        "  replace  aws:s3/bucket:Bucket  aipm-dev-web-assets  (S3 bucket; because of bucketPrefix)\n",
    );
    expect(formatPreview(judgePreview(deletesProtectedTable))).toContain(
      `  delete   ${TABLE}  aipm-prod-data-projects  (DynamoDB table; protected; retainOnDelete: kept in AWS, dropped from the stack)\n` +
        `  error: aipm-prod-data-projects: unable to delete resource`,
    );
    expect(formatPreview(judgePreview(updatesOnly))).toBe(
      "  update 2, same 1\n  nothing would be replaced or deleted\n",
    );
    expect(formatPreview(judgePreview(programFails))).toContain(
      "  warning: aipm-dev: aws:region is deprecated here; set it on the provider\n",
    );
  });

  it.each([
    [
      { same: 3, delete: 1, create: 2, refresh: 1, update: 1, replace: 1 },
      "create 2, update 1, replace 1, delete 1, refresh 1, same 3",
    ],
    [{}, "no resources"],
  ])("formatCounts(%o) is %s", (counts, text) => {
    expect(formatCounts(counts)).toBe(text);
  });

  it.each([
    [
      "urn:pulumi:dev::aipm::aipm:data:Data$aws:dynamodb/table:Table::aipm-dev-data-events",
      TABLE,
      "aipm-dev-data-events",
    ],
    ["urn:pulumi:dev::aipm::pulumi:pulumi:Stack::aipm-dev", "pulumi:pulumi:Stack", "aipm-dev"],
    ["urn:pulumi:dev::aipm::aws:s3/bucket:Bucket::odd::name", "aws:s3/bucket:Bucket", "odd::name"],
    ["not-a-urn", "", "not-a-urn"],
  ])("urnParts(%s)", (urn, type, name) => {
    expect(urnParts(urn)).toEqual({ type, name });
  });

  it.each(["[]", "null", '{"steps": {}}', '{"diagnostics": "x"}', "Previewing update (dev)"])(
    "readPreview refuses %s",
    (text) => {
      expect(() => readPreview(text)).toThrow();
    },
  );

  it("skips steps that are not steps", () => {
    const digest = { steps: [null, { op: "delete" }, { urn: "x" }] } as unknown as PreviewDigest;
    expect(judgePreview(digest)).toEqual({ counts: {}, changes: [], errors: [], warnings: [] });
  });
});

import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import {
  aipmPolicies,
  encryptionAtRest,
  githubTrustExact,
  imdsV2Required,
  lambdaRuntimeNode22,
  logRetentionSet,
  noIamWildcardActions,
  prodTablesProtected,
  s3PublicAccessBlocked,
} from "./policies.ts";

/** Calls a policy's validation directly (a PolicyPack would start a gRPC server) and returns the violations. */
function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  stack = "dev",
): string[] {
  const reported: string[] = [];
  const args = {
    type,
    props,
    urn: `urn:pulumi:${stack}::aipm::${type}::resource`,
    name: "resource",
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: {}, additionalSecretOutputs: [] },
    stackTags: new Map<string, string>(),
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}),
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as unknown as ResourceValidationArgs;
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const validate of validations) validate?.(args, (message) => reported.push(message));
  return reported;
}

const block = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const allBlocked = {
  bucket: "b",
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};

describe("s3-public-access-blocked", () => {
  it("passes a fully blocked bucket and fails one setting off", () => {
    expect(violations(s3PublicAccessBlocked, block, allBlocked)).toEqual([]);
    expect(violations(s3PublicAccessBlocked, block, { ...allBlocked, restrictPublicBuckets: false })).toEqual(
      ["restrictPublicBuckets must be true: AIPM's buckets are never public."],
    );
  });

  it("fails a public ACL", () => {
    expect(violations(s3PublicAccessBlocked, "aws:s3/bucket:Bucket", { forceDestroy: true })).toEqual([]);
    expect(violations(s3PublicAccessBlocked, "aws:s3/bucket:Bucket", { acl: "public-read" })).toHaveLength(1);
  });
});

describe("lambda-runtime-nodejs22", () => {
  it("passes nodejs22.x and fails anything else", () => {
    const fn = "aws:lambda/function:Function";
    expect(violations(lambdaRuntimeNode22, fn, { runtime: "nodejs22.x" })).toEqual([]);
    expect(violations(lambdaRuntimeNode22, fn, { runtime: "nodejs18.x" })).toEqual([
      'Lambda runtime "nodejs18.x" is not allowed; use nodejs22.x.',
    ]);
  });
});

describe("imdsv2-required", () => {
  const template = "aws:ec2/launchTemplate:LaunchTemplate";
  it("passes required tokens with hop limit 1, fails optional tokens or a larger hop limit", () => {
    expect(
      violations(imdsV2Required, template, {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      }),
    ).toEqual([]);
    expect(
      violations(imdsV2Required, template, {
        metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 },
      }),
    ).toHaveLength(2);
    expect(violations(imdsV2Required, "aws:ec2/instance:Instance", {})).toHaveLength(2);
  });
});

describe("prod-tables-protected", () => {
  const table = "aws:dynamodb/table:Table";
  const protectedTable = { pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: true };
  const bareTable = { pointInTimeRecovery: { enabled: false }, deletionProtectionEnabled: false };

  it("passes a protected prod table and fails a bare one", () => {
    expect(violations(prodTablesProtected, table, protectedTable, "prod")).toEqual([]);
    expect(violations(prodTablesProtected, table, bareTable, "prod")).toEqual([
      "Table resource needs point-in-time recovery in prod.",
      "Table resource needs deletion protection in prod.",
    ]);
  });

  it("leaves dev tables alone", () => {
    expect(violations(prodTablesProtected, table, bareTable, "dev")).toEqual([]);
  });
});

describe("no-iam-wildcard-actions", () => {
  const rolePolicy = "aws:iam/rolePolicy:RolePolicy";
  const document = (statement: Record<string, unknown>) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] });

  it("passes named actions, and PutMetricData on * (AWS allows nothing narrower)", () => {
    expect(
      violations(noIamWildcardActions, rolePolicy, {
        policy: document({
          Action: ["dynamodb:GetItem"],
          Resource: ["arn:aws:dynamodb:us-east-1:1:table/t"],
        }),
      }),
    ).toEqual([]);
    expect(
      violations(noIamWildcardActions, rolePolicy, {
        policy: document({ Action: "cloudwatch:PutMetricData", Resource: "*" }),
      }),
    ).toEqual([]);
  });

  it('fails "*" on "*", "*" on anything, and NotAction', () => {
    expect(
      violations(noIamWildcardActions, rolePolicy, { policy: document({ Action: "*", Resource: "*" }) }),
    ).toEqual([
      'A statement allows "*" on "*": that is administrator access; list the actions and resources the role needs.',
    ]);
    expect(
      violations(noIamWildcardActions, rolePolicy, {
        policy: document({ Action: ["*"], Resource: ["arn:aws:s3:::b"] }),
      }),
    ).toHaveLength(1);
    expect(
      violations(noIamWildcardActions, rolePolicy, {
        policy: document({ NotAction: "iam:*", Resource: "*" }),
      }),
    ).toHaveLength(1);
  });

  it("reads a role's inline policies and an IAM policy's document", () => {
    const wildcard = document({ Action: "*", Resource: "*" });
    expect(
      violations(noIamWildcardActions, "aws:iam/role:Role", {
        inlinePolicies: [{ name: "x", policy: wildcard }],
      }),
    ).toHaveLength(1);
    expect(violations(noIamWildcardActions, "aws:iam/policy:Policy", { policy: wildcard })).toHaveLength(1);
  });
});

describe("encryption-at-rest", () => {
  it("passes encrypted tables, volumes and buckets", () => {
    expect(
      violations(encryptionAtRest, "aws:dynamodb/table:Table", { serverSideEncryption: { enabled: true } }),
    ).toEqual([]);
    expect(
      violations(encryptionAtRest, "aws:ec2/launchTemplate:LaunchTemplate", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
      }),
    ).toEqual([]);
    expect(
      violations(
        encryptionAtRest,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {
          rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        },
      ),
    ).toEqual([]);
  });

  it("fails an unencrypted table, volume or bucket configuration", () => {
    expect(violations(encryptionAtRest, "aws:dynamodb/table:Table", {})).toHaveLength(1);
    expect(
      violations(encryptionAtRest, "aws:ec2/launchTemplate:LaunchTemplate", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }],
      }),
    ).toEqual(['Volume /dev/xvda must be encrypted (ebs.encrypted "true").']);
    expect(
      violations(
        encryptionAtRest,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {
          rules: [],
        },
      ),
    ).toHaveLength(1);
  });
});

describe("log-retention-set", () => {
  it("passes a retention and fails none", () => {
    const group = "aws:cloudwatch/logGroup:LogGroup";
    expect(violations(logRetentionSet, group, { retentionInDays: 30 })).toEqual([]);
    expect(violations(logRetentionSet, group, {})).toHaveLength(1);
  });
});

describe("github-oidc-trust-exact", () => {
  const trust = (sub: string, operator = "StringEquals") =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: {
            Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
          },
          Action: ["sts:AssumeRoleWithWebIdentity"],
          Condition:
            operator === "StringEquals"
              ? {
                  StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": sub,
                  },
                }
              : {
                  StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                  [operator]: { "token.actions.githubusercontent.com:sub": sub },
                },
        },
      ],
    });

  it("refuses a role GitHub may assume from any ref, and accepts one environment's jobs", () => {
    const role = "aws:iam/role:Role";
    expect(
      violations(githubTrustExact, role, { assumeRolePolicy: trust("repo:acme/aipm:*", "StringLike") }),
    ).not.toEqual([]);
    expect(
      violations(githubTrustExact, role, { assumeRolePolicy: trust("repo:acme/aipm:environment:prod") }),
    ).toEqual([]);
  });
});

describe("aipmPolicies", () => {
  it("has every policy once, mandatory, with a description", () => {
    const names = aipmPolicies.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(8);
    for (const policy of aipmPolicies) {
      expect(policy.enforcementLevel).toBe("mandatory");
      expect(policy.description.length).toBeGreaterThan(10);
    }
  });

  it("ignores resource types it does not govern", () => {
    for (const policy of aipmPolicies) {
      expect(violations(policy, "aws:sns/topic:Topic", { name: "t" })).toEqual([]);
    }
  });
});

/**
 * @module policies: resource validation policies for AIPM's stacks, as plain objects a
 * `PolicyPack` takes (see policy-pack/index.ts) and tests call directly.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { githubTrustViolations } from "./trust-policies.ts";

type Props = Record<string, unknown>;

interface Rule {
  name: string;
  description: string;
  /** The resource types the rule looks at; others pass untouched. */
  types: readonly string[];
  check: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void;
}

function policy(rule: Rule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (rule.types.includes(args.type)) rule.check(args.props, args, report);
    },
  };
}

const record = (value: unknown): Props =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Props) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const isTrue = (value: unknown) => value === true || value === "true";

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::...`). */
export function stackOf(urn: string): string {
  return urn.split(":")[2] ?? "";
}

/** Stacks whose data must be protected. */
export const protectedStacks = ["prod"];

export const s3PublicAccessBlocked = policy({
  name: "s3-public-access-blocked",
  description:
    "Every bucket's public access block turns on all four settings, and no bucket has a public ACL.",
  types: [
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
  ],
  check: (props, args, report) => {
    if (args.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
      for (const setting of [
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
      ]) {
        if (!isTrue(props[setting])) report(`${setting} must be true: AIPM's buckets are never public.`);
      }
    } else if (typeof props.acl === "string" && props.acl.startsWith("public-")) {
      report(`Bucket ACL "${props.acl}" makes it public; serve content through CloudFront instead.`);
    }
  },
});

export const lambdaRuntimeNode22 = policy({
  name: "lambda-runtime-nodejs22",
  description: "Lambda functions run nodejs22.x.",
  types: ["aws:lambda/function:Function"],
  check: (props, _args, report) => {
    if (props.runtime !== "nodejs22.x") {
      report(`Lambda runtime "${String(props.runtime)}" is not allowed; use nodejs22.x.`);
    }
  },
});

export const imdsV2Required = policy({
  name: "imdsv2-required",
  description: "Instances and launch templates require IMDSv2 tokens with a hop limit of 1.",
  types: ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
  check: (props, _args, report) => {
    const metadata = record(props.metadataOptions);
    if (metadata.httpTokens !== "required") {
      report('metadataOptions.httpTokens must be "required" (IMDSv2 only).');
    }
    if (metadata.httpPutResponseHopLimit !== 1) {
      report(
        "metadataOptions.httpPutResponseHopLimit must be 1, so containers cannot reach instance credentials.",
      );
    }
  },
});

export const prodTablesProtected = policy({
  name: "prod-tables-protected",
  description: "DynamoDB tables of protected stacks have point-in-time recovery and deletion protection.",
  types: ["aws:dynamodb/table:Table"],
  check: (props, args, report) => {
    if (!protectedStacks.includes(stackOf(args.urn))) return;
    if (!isTrue(record(props.pointInTimeRecovery).enabled)) {
      report(`Table ${args.name} needs point-in-time recovery in ${stackOf(args.urn)}.`);
    }
    if (!isTrue(props.deletionProtectionEnabled)) {
      report(`Table ${args.name} needs deletion protection in ${stackOf(args.urn)}.`);
    }
  },
});

function policyDocuments(props: Props, type: string): unknown[] {
  const parse = (value: unknown) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  };
  if (type === "aws:iam/role:Role") {
    return list(props.inlinePolicies).map((inline) => parse(record(inline).policy));
  }
  return [parse(props.policy)];
}

export const noIamWildcardActions = policy({
  name: "no-iam-wildcard-actions",
  description: 'No IAM policy allows the action "*" (let alone on "*"), or allows by NotAction.',
  types: [
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/role:Role",
    "aws:iam/userPolicy:UserPolicy",
  ],
  check: (props, args, report) => {
    for (const document of policyDocuments(props, args.type)) {
      for (const statement of list(record(document).Statement ?? []).map(record)) {
        if (statement.Effect !== "Allow") continue;
        const actions = typeof statement.Action === "string" ? [statement.Action] : list(statement.Action);
        const resources =
          typeof statement.Resource === "string" ? [statement.Resource] : list(statement.Resource);
        if (actions.includes("*")) {
          report(
            resources.includes("*")
              ? 'A statement allows "*" on "*": that is administrator access; list the actions and resources the role needs.'
              : 'A statement allows the action "*"; list the actions the role needs.',
          );
        }
        if (statement.NotAction !== undefined) {
          report(
            "A statement allows by NotAction, which grants every other action; list the actions instead.",
          );
        }
      }
    }
  },
});

export const encryptionAtRest = policy({
  name: "encryption-at-rest",
  description: "Tables, buckets and instance volumes are encrypted at rest.",
  types: [
    "aws:dynamodb/table:Table",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:ec2/launchTemplate:LaunchTemplate",
  ],
  check: (props, args, report) => {
    if (args.type === "aws:dynamodb/table:Table") {
      if (!isTrue(record(props.serverSideEncryption).enabled)) {
        report("serverSideEncryption.enabled must be true (KMS encryption of the table).");
      }
    } else if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
      for (const mapping of list(props.blockDeviceMappings).map(record)) {
        const ebs = record(mapping.ebs);
        if (Object.keys(ebs).length > 0 && !isTrue(ebs.encrypted)) {
          report(`Volume ${String(mapping.deviceName)} must be encrypted (ebs.encrypted "true").`);
        }
      }
    } else {
      const algorithms = list(props.rules).map(
        (rule) => record(record(rule).applyServerSideEncryptionByDefault).sseAlgorithm,
      );
      if (
        algorithms.length === 0 ||
        !algorithms.every((a) => a === "AES256" || a === "aws:kms" || a === "aws:kms:dsse")
      ) {
        report("The bucket's default encryption must be AES256 or aws:kms.");
      }
    }
  },
});

export const logRetentionSet = policy({
  name: "log-retention-set",
  description: "Log groups expire their logs.",
  types: ["aws:cloudwatch/logGroup:LogGroup"],
  check: (props, _args, report) => {
    if (typeof props.retentionInDays !== "number" || props.retentionInDays <= 0) {
      report("retentionInDays must be set; logs kept forever cost money and hold personal data.");
    }
  },
});

export const githubTrustExact = policy({
  name: "github-oidc-trust-exact",
  description:
    "A role GitHub Actions assumes through OIDC trusts exact subjects (an environment's or a branch's jobs of one repository), never any ref.",
  types: ["aws:iam/role:Role"],
  check: (props, _args, report) => {
    const document =
      typeof props.assumeRolePolicy === "string"
        ? (() => {
            try {
              return JSON.parse(props.assumeRolePolicy) as unknown;
            } catch {
              return undefined;
            }
          })()
        : props.assumeRolePolicy;
    for (const violation of githubTrustViolations(document)) report(violation);
  },
});

/** Every AIPM policy, in the order a PolicyPack lists them. */
export const aipmPolicies: ResourceValidationPolicy[] = [
  s3PublicAccessBlocked,
  lambdaRuntimeNode22,
  imdsV2Required,
  prodTablesProtected,
  noIamWildcardActions,
  encryptionAtRest,
  logRetentionSet,
  githubTrustExact,
];

/** A resource as policies see it: its type, name and inputs. */
export interface PolicySubject {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/**
 * Every violation of `policies` by `resources` of `stack`, as `<policy> <resource>: <message>`,
 * calling each validation directly as a policy pack would, without one.
 *
 * @example expect(policyViolations(deployment.resources, "prod")).toEqual([]);
 */
export function policyViolations(
  resources: readonly PolicySubject[],
  stack: string,
  policies: readonly ResourceValidationPolicy[] = aipmPolicies,
): string[] {
  const violations: string[] = [];
  for (const resource of resources) {
    const args = {
      type: resource.type,
      props: resource.inputs,
      urn: `urn:pulumi:${stack}::aipm::${resource.type}::${resource.name}`,
      name: resource.name,
    } as unknown as ResourceValidationArgs;
    for (const policy of policies) {
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      for (const validate of validations) {
        void validate?.(args, (message) => violations.push(`${policy.name} ${resource.name}: ${message}`));
      }
    }
  }
  return violations;
}

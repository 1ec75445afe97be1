/**
 * @module deploy-policy: what a CI deploy role may do to run `pulumi up` for one environment:
 * manage resources whose names start with `aipm-<environment>-`, and nothing of another
 * environment; create or change roles only under the environment's permissions boundary; and never
 * change the CI roles (its own included), the boundaries, or the account's GitHub OIDC provider.
 *
 * The CI roles and the boundaries are made once by an administrator (stacks/bootstrap) under the
 * IAM path {@link ciIamPath}, outside the `aipm-<environment>-*` names the deploy role manages.
 */
import { environmentNamePattern } from "@aipm/shared";
import { modelInvokeActions, type PolicyDocument, type PolicyStatement } from "./access-policies.ts";
import { githubOidcHost } from "./trust-policies.ts";

export interface DeployScope {
  /** The environment the role deploys; every physical name it manages starts with `aipm-<environment>-`. */
  environment: string;
  /** The AWS account id. */
  accountId: string;
  /** The AWS partition, `aws` unless GovCloud or China. */
  partition: string;
  /**
   * The deploy role's own ARN when it lives outside {@link ciIamPath} (a role an environment stack
   * made before stacks/bootstrap existed): denied every change like the CI roles. Default: none.
   */
  selfRoleArn?: string;
}

/** A named statement; it may deny, and may carry conditions. */
export type DeployStatement = PolicyStatement & { Sid: string };

/** The IAM path of the CI roles and the permissions boundaries: no deploy role may touch it. */
export const ciIamPath = "/aipm-ci/";

/** The names stacks/bootstrap gives one environment's CI roles, boundary and Pulumi secrets key. */
export function ciNames(environment: string) {
  return {
    deployRole: `aipm-${environment}-deploy`,
    previewRole: `aipm-${environment}-preview`,
    boundary: `aipm-${environment}-boundary`,
    /** The KMS alias of the key the stack's Pulumi secrets are encrypted with (`awskms://alias/...`). */
    secretsKeyAlias: `alias/aipm-${environment}-pulumi-secrets`,
  };
}

/** ARNs of one environment's CI roles and boundary in an account. */
export function ciArns(scope: Pick<DeployScope, "environment" | "accountId" | "partition">) {
  const names = ciNames(scope.environment);
  const iamArn = (kind: string, name: string) =>
    `arn:${scope.partition}:iam::${scope.accountId}:${kind}${ciIamPath}${name}`;
  return {
    deployRole: iamArn("role", names.deployRole),
    previewRole: iamArn("role", names.previewRole),
    boundary: iamArn("policy", names.boundary),
  };
}

/**
 * Actions that AWS cannot scope to a resource name when they are called: CloudFront and EC2 give
 * their resources generated ids, and Describe/List calls take no resource. Each stays on "*".
 */
export const unscopedDeployActions = [
  "autoscaling:Describe*",
  "cloudfront:*",
  "cloudwatch:DescribeAlarms",
  "ec2:AuthorizeSecurityGroupEgress",
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:CreateLaunchTemplate",
  "ec2:CreateLaunchTemplateVersion",
  "ec2:CreateSecurityGroup",
  "ec2:CreateTags",
  "ec2:DeleteLaunchTemplate",
  "ec2:DeleteLaunchTemplateVersions",
  "ec2:DeleteSecurityGroup",
  "ec2:DeleteTags",
  "ec2:Describe*",
  "ec2:GetLaunchTemplateData",
  "ec2:ModifyLaunchTemplate",
  "ec2:RevokeSecurityGroupEgress",
  "ec2:RevokeSecurityGroupIngress",
  "ec2:RunInstances",
  "events:ListRules",
  "logs:DescribeLogGroups",
] as const;

/** Changes to a role's permissions that AWS can condition on `iam:PermissionsBoundary`. */
export const boundaryConditionedRoleActions = [
  "iam:AttachRolePolicy",
  "iam:CreateRole",
  "iam:DeleteRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
] as const;

/** Every change to a role: denied on the CI roles (the deploy role's own included). */
export const roleChangeActions = [
  ...boundaryConditionedRoleActions,
  "iam:DeleteRole",
  "iam:DeleteRolePermissionsBoundary",
  "iam:PassRole",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
] as const;

/** Every change to a managed policy: denied on the boundaries. */
export const policyChangeActions = [
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:TagPolicy",
  "iam:UntagPolicy",
] as const;

/** Every change to the account's OIDC providers: the GitHub trust is the administrator's. */
export const oidcProviderChangeActions = [
  "iam:AddClientIDToOpenIDConnectProvider",
  "iam:CreateOpenIDConnectProvider",
  "iam:DeleteOpenIDConnectProvider",
  "iam:RemoveClientIDFromOpenIDConnectProvider",
  "iam:TagOpenIDConnectProvider",
  "iam:UntagOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
] as const;

function checkScope(scope: DeployScope): void {
  if (!environmentNamePattern.test(scope.environment)) {
    throw new Error(
      `Environment "${scope.environment}" is not a valid environment name (lower-case, e.g. "dev").`,
    );
  }
  if (!/^\d{12}$/.test(scope.accountId))
    throw new Error(`"${scope.accountId}" is not a 12-digit AWS account id.`);
  if (scope.selfRoleArn !== undefined && !/^arn:[a-z-]+:iam::\d{12}:role\/\S+$/.test(scope.selfRoleArn)) {
    throw new Error(`"${scope.selfRoleArn}" is not a role ARN.`);
  }
}

const allow = (Sid: string, Action: readonly string[], Resource: string[]): DeployStatement => ({
  Sid,
  Effect: "Allow",
  Action: [...Action],
  Resource,
});

/**
 * The explicit denies every deploy role and every role under its boundary carry: no change to
 * the CI roles (its own included) or to the boundaries, no role shedding its boundary, no change
 * to the OIDC providers.
 */
export function deployDenyStatements(scope: DeployScope): DeployStatement[] {
  checkScope(scope);
  const { partition: p, accountId: account } = scope;
  const deny = (Sid: string, Action: readonly string[], Resource: string[]): DeployStatement => ({
    Sid,
    Effect: "Deny",
    Action: [...Action],
    Resource,
  });
  return [
    deny("DenyCiRoleChanges", roleChangeActions, [
      `arn:${p}:iam::${account}:role${ciIamPath}*`,
      ...(scope.selfRoleArn === undefined ? [] : [scope.selfRoleArn]),
    ]),
    deny("DenyBoundaryChanges", policyChangeActions, [`arn:${p}:iam::${account}:policy${ciIamPath}*`]),
    deny("DenyShedBoundary", ["iam:DeleteRolePermissionsBoundary"], [`arn:${p}:iam::${account}:role/*`]),
    deny("DenyOidcProviderChanges", oidcProviderChangeActions, [`arn:${p}:iam::${account}:oidc-provider/*`]),
  ];
}

/**
 * The allows of the deploy role for one environment (without its denies).
 */
function deployAllowStatements(scope: DeployScope): DeployStatement[] {
  const { partition: p, accountId: account } = scope;
  const prefix = `aipm-${scope.environment}-`;
  const roles = `arn:${p}:iam::${account}:role/${prefix}*`;
  const boundaryArn = ciArns(scope).boundary;
  return [
    allow("Tables", ["dynamodb:*"], [`arn:${p}:dynamodb:*:${account}:table/${prefix}*`]),
    // Region "*": the API runs in the stack's region, its Lambda@Edge companion in us-east-1.
    allow("Functions", ["lambda:*"], [`arn:${p}:lambda:*:${account}:function:${prefix}*`]),
    allow("Buckets", ["s3:*"], [`arn:${p}:s3:::${prefix}*`, `arn:${p}:s3:::${prefix}*/*`]),
    // The model keys' secrets are named aipm/<env>/model/<KEY> (components/secrets.ts).
    allow(
      "Secrets",
      ["secretsmanager:*"],
      [
        `arn:${p}:secretsmanager:*:${account}:secret:${prefix}*`,
        `arn:${p}:secretsmanager:*:${account}:secret:aipm/${scope.environment}/*`,
      ],
    ),
    allow("LogGroups", ["logs:*"], [`arn:${p}:logs:*:${account}:log-group:/aipm/${scope.environment}/*`]),
    allow(
      "Alarms",
      [
        "cloudwatch:DeleteAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      [`arn:${p}:cloudwatch:*:${account}:alarm:${prefix}*`],
    ),
    // The alarms' topic aipm-<env>-alarms and its subscriptions.
    allow("AlarmTopics", ["sns:*"], [`arn:${p}:sns:*:${account}:${prefix}*`]),
    // The API's housekeeping schedule (an EventBridge rule and its target).
    allow("Schedules", ["events:*"], [`arn:${p}:events:*:${account}:rule/${prefix}*`]),
    allow(
      "WorkerGroups",
      ["autoscaling:*"],
      [`arn:${p}:autoscaling:*:${account}:autoScalingGroup:*:autoScalingGroupName/${prefix}*`],
    ),
    allow(
      "RoleReads",
      [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRolePolicies",
        "iam:ListRoleTags",
      ],
      [roles],
    ),
    {
      // A role is created, and its permissions changed, only with the environment's boundary on it:
      // whatever the deploy role writes into a role, that role can do no more than the boundary.
      ...allow("RolesUnderBoundary", boundaryConditionedRoleActions, [roles]),
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaryArn } },
    },
    allow(
      "RoleUpkeep",
      [
        "iam:DeleteRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
      ],
      [roles],
    ),
    {
      ...allow("PassRoles", ["iam:PassRole"], [roles]),
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "lambda.amazonaws.com"] } },
    },
    allow(
      "InstanceProfiles",
      ["iam:*InstanceProfile*"],
      [`arn:${p}:iam::${account}:instance-profile/${prefix}*`],
    ),
    allow(
      "OidcProviderReads",
      ["iam:GetOpenIDConnectProvider"],
      [`arn:${p}:iam::${account}:oidc-provider/${githubOidcHost}`],
    ),
    // The AWS managed policy the workers' role carries (Session Manager); it is read, never changed.
    allow("ManagedPolicyReads", ["iam:GetPolicy", "iam:GetPolicyVersion"], [`arn:${p}:iam::aws:policy/*`]),
    {
      Sid: "ServiceLinkedRoles",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: [`arn:${p}:iam::${account}:role/aws-service-role/*`],
      Condition: {
        StringEquals: {
          "iam:AWSServiceName": ["autoscaling.amazonaws.com", "replicator.lambda.amazonaws.com"],
        },
      },
    },
    allow(
      "AmiLookup",
      ["ssm:GetParameter", "ssm:GetParameters"],
      [`arn:${p}:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*`],
    ),
    {
      // The stack's config and state secrets (`awskms://alias/aipm-<env>-pulumi-secrets`): only this
      // environment's key, by its alias, so no other environment's role decrypts them.
      ...allow(
        "StackSecrets",
        ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        [`arn:${p}:kms:*:${account}:key/*`],
      ),
      Condition: {
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": ciNames(scope.environment).secretsKeyAlias },
      },
    },
    allow("Unscoped", [...unscopedDeployActions], ["*"]),
  ];
}

/**
 * The deploy role's permission document for one environment: {@link deployAllowStatements}, then
 * {@link deployDenyStatements}.
 *
 * @example deployPolicy({ environment: "dev", accountId: "123456789012", partition: "aws" })
 */
export function deployPolicy(scope: DeployScope): PolicyDocument {
  checkScope(scope);
  return {
    Version: "2012-10-17",
    Statement: [...deployAllowStatements(scope), ...deployDenyStatements(scope)],
  };
}

/**
 * The environment's permissions boundary: the most any role of the environment may do, the deploy
 * role included. It is the deploy policy plus what the runtime roles use that deploying does not
 * (the Lambda@Edge log groups, Session Manager on the workers, reading the secrets, the API's
 * Bedrock model), with the same denies.
 *
 * @example new iam.Policy("aipm-dev-boundary", { path: ciIamPath, policy: JSON.stringify(deployBoundaryPolicy(scope)) })
 */
export function deployBoundaryPolicy(scope: DeployScope): PolicyDocument {
  checkScope(scope);
  const { partition: p, accountId: account } = scope;
  const runtime: DeployStatement[] = [
    allow(
      "RuntimeEdgeLogs",
      ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
      [`arn:${p}:logs:*:${account}:log-group:/aws/lambda/us-east-1.aipm-${scope.environment}-*`],
    ),
    // AmazonSSMManagedInstanceCore's actions, which take no resource of the environment's.
    allow(
      "RuntimeSessionManager",
      [
        "ec2messages:*",
        "ssm:DescribeAssociation",
        "ssm:DescribeDocument",
        "ssm:GetDeployablePatchSnapshotForInstance",
        "ssm:GetDocument",
        "ssm:GetManifest",
        "ssm:ListAssociations",
        "ssm:ListInstanceAssociations",
        "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult",
        "ssm:PutInventory",
        "ssm:UpdateAssociationStatus",
        "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation",
        "ssmmessages:*",
      ],
      ["*"],
    ),
    // The API's AI actions with aipm:aiProvider bedrock. The boundary is made before any stack
    // names a model, so it admits any model of Bedrock's, in any region (an inference profile
    // routes to several) but only this account's profiles; the API's role is granted one model.
    allow(
      "RuntimeModelInvocation",
      [...modelInvokeActions],
      [
        `arn:${p}:bedrock:*::foundation-model/*`,
        `arn:${p}:bedrock:*:${account}:inference-profile/*`,
        `arn:${p}:bedrock:*:${account}:application-inference-profile/*`,
        `arn:${p}:bedrock:*:${account}:provisioned-model/*`,
      ],
    ),
  ];
  return {
    Version: "2012-10-17",
    Statement: [...deployAllowStatements(scope), ...runtime, ...deployDenyStatements(scope)],
  };
}

/**
 * The read-only role a pull request's `pulumi preview` of the environment may assume: it looks
 * resources up (the AMI, the default VPC) and decrypts the stack's secrets, and changes nothing.
 *
 * @example previewPolicy({ environment: "dev", accountId: "123456789012", partition: "aws" })
 */
export function previewPolicy(scope: DeployScope): PolicyDocument {
  checkScope(scope);
  const { partition: p, accountId: account } = scope;
  return {
    Version: "2012-10-17",
    Statement: [
      allow(
        "AmiLookup",
        ["ssm:GetParameter", "ssm:GetParameters"],
        [`arn:${p}:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*`],
      ),
      allow("Lookups", ["ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeAvailabilityZones"], ["*"]),
      {
        ...allow("StackSecrets", ["kms:Decrypt"], [`arn:${p}:kms:*:${account}:key/*`]),
        Condition: {
          "ForAnyValue:StringEquals": { "kms:ResourceAliases": ciNames(scope.environment).secretsKeyAlias },
        },
      },
      ...deployDenyStatements(scope),
    ],
  };
}

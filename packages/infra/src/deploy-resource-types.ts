/**
 * @module deploy-resource-types: what the deploy role must be allowed for each resource type the
 * environment stacks create, as a table from Pulumi type token to the IAM actions the AWS provider
 * calls to create, read, update, tag and delete one, on a resource named as AIPM names it.
 * deploy-resource-types.test.ts runs the stack programs under mocks and fails on a type that is
 * not in the table, so no new resource type can reach a stack without its grant being checked
 * against {@link deployPolicy}; `evaluatePolicy` (policy-evaluation.ts) decides a request as IAM would.
 */

/** An action the deploy role needs, on a resource ARN of the environment `env` in account `account`. */
export interface RequiredGrant {
  actions: readonly string[];
  /** An ARN such a resource has; `*` for actions AWS cannot scope. */
  resource: (env: string, account: string) => string;
}

const table = (env: string, account: string) =>
  `arn:aws:dynamodb:us-east-1:${account}:table/aipm-${env}-tasks`;
const fn = (env: string, account: string) =>
  `arn:aws:lambda:us-east-1:${account}:function:aipm-${env}-api-function-1a2b`;
const bucket = (env: string) => `arn:aws:s3:::aipm-${env}-web-assets-1a2b`;
const role = (env: string, account: string) => `arn:aws:iam::${account}:role/aipm-${env}-api-role-1a2b`;
const alarms = (env: string, account: string) => `arn:aws:sns:us-east-1:${account}:aipm-${env}-alarms`;
const secretArn = (env: string, account: string) =>
  `arn:aws:secretsmanager:us-east-1:${account}:secret:aipm-${env}-api-token-AbCdEf`;
const modelKeySecretArn = (env: string, account: string) =>
  `arn:aws:secretsmanager:us-east-1:${account}:secret:aipm/${env}/model/ANTHROPIC_API_KEY-AbCdEf`;
const any = () => "*";
const grant = (actions: readonly string[], resource: RequiredGrant["resource"]): RequiredGrant => ({
  actions,
  resource,
});

/**
 * The grants each AWS resource type needs; GitHub's types (and Pulumi's providers) need none of
 * AWS: they are listed with none, as decided rather than forgotten.
 */
export const deployGrantsByResourceType: Record<string, readonly RequiredGrant[]> = {
  "aws:dynamodb/table:Table": [
    grant(
      [
        "dynamodb:CreateTable",
        "dynamodb:DescribeTable",
        "dynamodb:UpdateTable",
        "dynamodb:DeleteTable",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
        "dynamodb:ListTagsOfResource",
      ],
      table,
    ),
  ],
  "aws:lambda/function:Function": [
    grant(
      [
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:PublishVersion",
        "lambda:ListVersionsByFunction",
        "lambda:DeleteFunction",
        "lambda:TagResource",
        "lambda:ListTags",
        "lambda:EnableReplication*",
      ],
      fn,
    ),
    grant(["iam:PassRole"], role),
    grant(
      ["iam:CreateServiceLinkedRole"],
      (_env, account) =>
        `arn:aws:iam::${account}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator`,
    ),
  ],
  "aws:lambda/functionUrl:FunctionUrl": [
    grant(
      [
        "lambda:CreateFunctionUrlConfig",
        "lambda:GetFunctionUrlConfig",
        "lambda:UpdateFunctionUrlConfig",
        "lambda:DeleteFunctionUrlConfig",
      ],
      fn,
    ),
  ],
  "aws:lambda/permission:Permission": [
    grant(["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"], fn),
  ],
  "aws:cloudwatch/eventRule:EventRule": [
    grant(
      [
        "events:PutRule",
        "events:DescribeRule",
        "events:DeleteRule",
        "events:TagResource",
        "events:ListTagsForResource",
      ],
      (env, account) => `arn:aws:events:us-east-1:${account}:rule/aipm-${env}-api-housekeeping-1a2b`,
    ),
  ],
  "aws:cloudwatch/eventTarget:EventTarget": [
    grant(
      ["events:PutTargets", "events:ListTargetsByRule", "events:RemoveTargets"],
      (env, account) => `arn:aws:events:us-east-1:${account}:rule/aipm-${env}-api-housekeeping-1a2b`,
    ),
  ],
  "aws:cloudwatch/logGroup:LogGroup": [
    grant(
      [
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteLogGroup",
        "logs:TagResource",
        "logs:ListTagsForResource",
      ],
      (env, account) => `arn:aws:logs:us-east-1:${account}:log-group:/aipm/${env}/api`,
    ),
    grant(["logs:DescribeLogGroups"], any),
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [
    grant(
      [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:ListTagsForResource",
      ],
      (env, account) => `arn:aws:cloudwatch:us-east-1:${account}:alarm:aipm-${env}-api-errors-1a2b`,
    ),
    grant(["cloudwatch:DescribeAlarms"], any),
  ],
  "aws:s3/bucket:Bucket": [
    grant(
      ["s3:CreateBucket", "s3:ListBucket", "s3:GetBucket*", "s3:PutBucketTagging", "s3:DeleteBucket"],
      bucket,
    ),
  ],
  "aws:s3/bucketObjectv2:BucketObjectv2": [
    grant(
      ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:PutObjectTagging"],
      (env) => `${bucket(env)}/index.html`,
    ),
  ],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [
    grant(["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"], bucket),
  ],
  "aws:s3/bucketPolicy:BucketPolicy": [
    grant(["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"], bucket),
  ],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [
    grant(["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"], bucket),
  ],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    grant(["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"], bucket),
  ],
  // The secrets Pulumi names, and the model keys' (aipm/<env>/model/<KEY>).
  "aws:secretsmanager/secret:Secret": [secretArn, modelKeySecretArn].map((secret) =>
    grant(
      [
        "secretsmanager:CreateSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:DeleteSecret",
        "secretsmanager:TagResource",
      ],
      secret,
    ),
  ),
  "aws:sns/topic:Topic": [
    grant(
      [
        "sns:CreateTopic",
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:DeleteTopic",
        "sns:TagResource",
        "sns:ListTagsForResource",
      ],
      alarms,
    ),
  ],
  "aws:sns/topicSubscription:TopicSubscription": [
    grant(["sns:Subscribe"], alarms),
    grant(
      ["sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"],
      (env, account) => `${alarms(env, account)}:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
    ),
  ],
  "aws:secretsmanager/secretVersion:SecretVersion": [
    grant(["secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue"], secretArn),
  ],
  "aws:iam/role:Role": [
    grant(
      [
        "iam:CreateRole",
        "iam:PutRolePermissionsBoundary",
        "iam:GetRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRole",
        "iam:TagRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
      ],
      role,
    ),
  ],
  "aws:iam/rolePolicy:RolePolicy": [
    grant(["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"], role),
  ],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [
    grant(["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"], role),
  ],
  "aws:iam/instanceProfile:InstanceProfile": [
    grant(
      [
        "iam:CreateInstanceProfile",
        "iam:GetInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:DeleteInstanceProfile",
      ],
      (env, account) => `arn:aws:iam::${account}:instance-profile/aipm-${env}-workers-profile-1a2b`,
    ),
    grant(["iam:PassRole"], (env, account) => `arn:aws:iam::${account}:role/aipm-${env}-workers-role-1a2b`),
  ],
  // Made by environment stacks deployed before stacks/bootstrap: they read it; only the administrator changes it.
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": [
    grant(
      ["iam:GetOpenIDConnectProvider"],
      (_env, account) => `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
    ),
  ],
  "aws:ec2/securityGroup:SecurityGroup": [
    grant(
      [
        "ec2:CreateSecurityGroup",
        "ec2:DescribeSecurityGroups",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:DeleteSecurityGroup",
        "ec2:CreateTags",
      ],
      any,
    ),
  ],
  "aws:ec2/launchTemplate:LaunchTemplate": [
    grant(
      [
        "ec2:CreateLaunchTemplate",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:ModifyLaunchTemplate",
        "ec2:DeleteLaunchTemplate",
      ],
      any,
    ),
  ],
  "aws:autoscaling/group:Group": [
    grant(
      [
        "autoscaling:CreateAutoScalingGroup",
        "autoscaling:UpdateAutoScalingGroup",
        "autoscaling:DeleteAutoScalingGroup",
        "autoscaling:CreateOrUpdateTags",
      ],
      (env, account) =>
        `arn:aws:autoscaling:us-east-1:${account}:autoScalingGroup:1a2b:autoScalingGroupName/aipm-${env}-workers-group-1a2b`,
    ),
    grant(
      ["autoscaling:DescribeAutoScalingGroups", "ec2:RunInstances", "ec2:DescribeLaunchTemplateVersions"],
      any,
    ),
    grant(
      ["iam:CreateServiceLinkedRole"],
      (_env, account) =>
        `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    ),
  ],
  "aws:autoscaling/lifecycleHook:LifecycleHook": [
    grant(
      ["autoscaling:PutLifecycleHook", "autoscaling:DeleteLifecycleHook"],
      (env, account) =>
        `arn:aws:autoscaling:us-east-1:${account}:autoScalingGroup:1a2b:autoScalingGroupName/aipm-${env}-workers`,
    ),
    grant(["autoscaling:DescribeLifecycleHooks"], any),
  ],
  "aws:autoscaling/policy:Policy": [
    grant(
      ["autoscaling:PutScalingPolicy", "autoscaling:DeletePolicy"],
      (env, account) =>
        `arn:aws:autoscaling:us-east-1:${account}:autoScalingGroup:1a2b:autoScalingGroupName/aipm-${env}-workers-group-1a2b`,
    ),
    grant(["autoscaling:DescribePolicies"], any),
  ],
  "aws:cloudfront/distribution:Distribution": [
    grant(
      [
        "cloudfront:CreateDistribution",
        "cloudfront:GetDistribution",
        "cloudfront:UpdateDistribution",
        "cloudfront:DeleteDistribution",
        "cloudfront:TagResource",
      ],
      any,
    ),
  ],
  "aws:cloudfront/function:Function": [
    grant(
      [
        "cloudfront:CreateFunction",
        "cloudfront:DescribeFunction",
        "cloudfront:PublishFunction",
        "cloudfront:UpdateFunction",
        "cloudfront:DeleteFunction",
      ],
      any,
    ),
  ],
  "aws:cloudfront/originAccessControl:OriginAccessControl": [
    grant(
      [
        "cloudfront:CreateOriginAccessControl",
        "cloudfront:GetOriginAccessControl",
        "cloudfront:UpdateOriginAccessControl",
        "cloudfront:DeleteOriginAccessControl",
      ],
      any,
    ),
  ],
  "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": [
    grant(
      [
        "cloudfront:CreateResponseHeadersPolicy",
        "cloudfront:GetResponseHeadersPolicy",
        "cloudfront:UpdateResponseHeadersPolicy",
        "cloudfront:DeleteResponseHeadersPolicy",
      ],
      any,
    ),
  ],
  "github:index/actionsVariable:ActionsVariable": [],
  "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": [],
  "github:index/repositoryEnvironment:RepositoryEnvironment": [],
  "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": [],
  "github:index/repositoryRuleset:RepositoryRuleset": [],
  "github:index/repositoryWebhook:RepositoryWebhook": [],
  "pulumi:providers:github": [],
};

/**
 * The resource types of `types` that have no entry in {@link deployGrantsByResourceType}.
 *
 * @example expect(unmappedResourceTypes(deployment.resources.map((r) => r.type))).toEqual([])
 */
export function unmappedResourceTypes(types: Iterable<string>): string[] {
  return [...new Set(types)].filter((type) => !(type in deployGrantsByResourceType)).sort();
}

export { evaluatePolicy, iamPatternMatches, type PolicyDecision } from "./policy-evaluation.ts";

/**
 * @module deploy-policy: what a CI deploy role may do to run `pulumi up` for one environment:
 * manage resources whose names start with `aipm-<environment>-`, and nothing of another environment.
 */
import { environmentNamePattern } from "@aipm/shared";
import type { PolicyDocument, PolicyStatement } from "./access-policies.ts";
import { githubOidcHost } from "./trust-policies.ts";

export interface DeployScope {
  /** The environment the role deploys; every physical name it manages starts with `aipm-<environment>-`. */
  environment: string;
  /** The AWS account id. */
  accountId: string;
  /** The AWS partition, `aws` unless GovCloud or China. */
  partition: string;
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
  "logs:DescribeLogGroups",
] as const;

/**
 * The deploy role's permission document for one environment.
 *
 * @example deployPolicy({ environment: "dev", accountId: "123456789012", partition: "aws" })
 */
export function deployPolicy(scope: DeployScope): PolicyDocument {
  if (!environmentNamePattern.test(scope.environment)) {
    throw new Error(
      `Environment "${scope.environment}" is not a valid environment name (lower-case, e.g. "dev").`,
    );
  }
  if (!/^\d{12}$/.test(scope.accountId))
    throw new Error(`"${scope.accountId}" is not a 12-digit AWS account id.`);
  const { partition: p, accountId: account } = scope;
  const prefix = `aipm-${scope.environment}-`;
  const statement = (Sid: string, Action: string[], Resource: string[]): PolicyStatement => ({
    Sid,
    Effect: "Allow",
    Action,
    Resource,
  });
  return {
    Version: "2012-10-17",
    Statement: [
      statement("Tables", ["dynamodb:*"], [`arn:${p}:dynamodb:*:${account}:table/${prefix}*`]),
      // Region "*": the API runs in the stack's region, its Lambda@Edge companion in us-east-1.
      statement("Functions", ["lambda:*"], [`arn:${p}:lambda:*:${account}:function:${prefix}*`]),
      statement("Buckets", ["s3:*"], [`arn:${p}:s3:::${prefix}*`, `arn:${p}:s3:::${prefix}*/*`]),
      statement("Secrets", ["secretsmanager:*"], [`arn:${p}:secretsmanager:*:${account}:secret:${prefix}*`]),
      statement(
        "LogGroups",
        ["logs:*"],
        [`arn:${p}:logs:*:${account}:log-group:/aipm/${scope.environment}/*`],
      ),
      statement(
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
      statement(
        "WorkerGroups",
        ["autoscaling:*"],
        [`arn:${p}:autoscaling:*:${account}:autoScalingGroup:*:autoScalingGroupName/${prefix}*`],
      ),
      statement(
        "Roles",
        ["iam:*Role*", "iam:*InstanceProfile*"],
        [`arn:${p}:iam::${account}:role/${prefix}*`, `arn:${p}:iam::${account}:instance-profile/${prefix}*`],
      ),
      statement(
        "OidcProvider",
        ["iam:*OpenIDConnectProvider*"],
        [`arn:${p}:iam::${account}:oidc-provider/${githubOidcHost}`],
      ),
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
      statement(
        "AmiLookup",
        ["ssm:GetParameter", "ssm:GetParameters"],
        [`arn:${p}:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*`],
      ),
      statement("Unscoped", [...unscopedDeployActions], ["*"]),
    ],
  };
}

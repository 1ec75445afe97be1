import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBuildFixtures } from "./build-fixtures.ts";
import { ciArns, deployBoundaryPolicy } from "./deploy-policy.ts";
import { type CapturedResource, mockAccount, startMockDeployment } from "./mock-deployment.ts";
import { evaluatePolicy } from "./policy-evaluation.ts";
import { runtimeBoundaryArn } from "./runtime-boundary.ts";
import { aipmStackProgram, type StackName } from "./stack-program.ts";

const fixtures = writeBuildFixtures();
const secrets = {
  "aipm:githubToken": "ghp_runtimeBoundaryTestToken000000000",
  "aipm:githubWebhookSecret": "runtime-boundary-webhook-secret",
  "aipm:apiToken": "runtime-boundary-admin-api-token",
  "aipm:githubAdminToken": "ghp_runtimeBoundaryAdminToken0000000",
};
const config = {
  ...secrets,
  "aws:region": "us-east-1",
  "aipm:githubOwner": "acme",
  "aipm:githubRepository": "aipm",
  "aipm:prodReviewers": JSON.stringify(["alice"]),
  "aipm:version": "1.2.3",
  "aipm:apiBundleDir": fixtures.apiBundleDir,
  "aipm:webAssetsDir": fixtures.webAssetsDir,
  "aipm:workerBundle": fixtures.workerBundle,
  // Model keys' secrets (aipm/<env>/model/<KEY>) the worker reads.
  "aipm:agents": JSON.stringify(["claude", "codex"]),
  // The API's AI actions on Bedrock: its role invokes a model (an inference profile's).
  "aipm:aiProvider": "bedrock",
};
const scope = (environment: string) => ({ environment, accountId: mockAccount, partition: "aws" });

/**
 * The actions of the AWS managed policy AmazonSSMManagedInstanceCore that Session Manager's agent
 * calls on an instance; its `ssm:GetParameter(s)` on "*" the boundary caps on purpose (the
 * workers read no parameters).
 */
const sessionManagerActions = [
  "ssm:UpdateInstanceInformation",
  "ssm:ListInstanceAssociations",
  "ssm:DescribeAssociation",
  "ssm:GetDocument",
  "ssm:DescribeDocument",
  "ssm:UpdateInstanceAssociationStatus",
  "ssm:PutInventory",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
];

async function deploy(stack: StackName, extra: Record<string, string> = {}): Promise<CapturedResource[]> {
  const deployment = await startMockDeployment({
    stack,
    config: { ...config, ...extra },
    secretKeys: Object.keys(secrets),
  });
  aipmStackProgram(stack, new pulumi.Config("aipm"), fixtures.apiBundleDir);
  await deployment.settle();
  return deployment.resources.filter((resource) => resource.custom);
}

const ofType = (resources: CapturedResource[], type: string) => resources.filter((r) => r.type === type);

/** Every (action, resource) a role's inline policies allow, by the role's logical name. */
function grantsByRole(resources: CapturedResource[]): Map<string, { action: string; resource: string }[]> {
  const roles = ofType(resources, "aws:iam/role:Role");
  const grants = new Map(roles.map((role) => [role.name, [] as { action: string; resource: string }[]]));
  for (const policy of ofType(resources, "aws:iam/rolePolicy:RolePolicy")) {
    // The mocks give a role the id `<name>-id`.
    const role = roles.find((r) => `${r.name}-id` === policy.inputs.role);
    if (!role) throw new Error(`${policy.name}: no role ${policy.inputs.role}`);
    const document = JSON.parse(policy.inputs.policy) as {
      Statement: { Effect: string; Action: string[]; Resource: string[] }[];
    };
    for (const statement of document.Statement.filter((s) => s.Effect === "Allow")) {
      for (const action of statement.Action)
        for (const resource of statement.Resource) grants.get(role.name)?.push({ action, resource });
    }
  }
  return grants;
}

const bootstrapped: Partial<Record<StackName, CapturedResource[]>> = {};
beforeAll(async () => {
  for (const stack of ["dev", "prod"] as const) {
    bootstrapped[stack] = await deploy(stack, { "aipm:ciDeployRoleArn": ciArns(scope(stack)).deployRole });
  }
});

describe("runtimeBoundaryArn", () => {
  it("gives the boundary of the environment whose bootstrap deploy role it is given", () => {
    expect(runtimeBoundaryArn("dev", "arn:aws:iam::123456789012:role/aipm-ci/aipm-dev-deploy")).toBe(
      "arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary",
    );
    expect(runtimeBoundaryArn("prod", "arn:aws-us-gov:iam::210987654321:role/aipm-ci/aipm-prod-deploy")).toBe(
      "arn:aws-us-gov:iam::210987654321:policy/aipm-ci/aipm-prod-boundary",
    );
  });

  it("refuses another environment's deploy role, a role not made by stacks/bootstrap, and a non-ARN", () => {
    for (const arn of [
      "arn:aws:iam::123456789012:role/aipm-ci/aipm-prod-deploy",
      "arn:aws:iam::123456789012:role/aipm-dev-ci-deploy-1a2b3c",
      "aipm-dev-deploy",
    ]) {
      expect(() => runtimeBoundaryArn("dev", arn), arn).toThrow(
        /is not dev's deploy role from stacks\/bootstrap/,
      );
    }
  });
});

describe("a bootstrapped environment's runtime roles (aipm:ciDeployRoleArn set)", () => {
  it("makes no CI resource, and every role it creates carries the environment's boundary", () => {
    for (const stack of ["dev", "prod"] as const) {
      const resources = bootstrapped[stack] ?? [];
      const roles = ofType(resources, "aws:iam/role:Role");
      expect(roles.map((role) => role.name).sort(), stack).toEqual([
        `aipm-${stack}-api-role`,
        `aipm-${stack}-web-edge-role`,
        `aipm-${stack}-workers-role`,
      ]);
      for (const role of roles) {
        expect(role.inputs.permissionsBoundary, role.name).toBe(ciArns(scope(stack)).boundary);
      }
      expect(ofType(resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), stack).toEqual([]);
      expect(
        resources.find(
          (r) => r.name === `aipm-${stack}-github-var-AWS_DEPLOY_ROLE_ARN_${stack.toUpperCase()}`,
        )?.inputs.value,
        stack,
      ).toBe(ciArns(scope(stack)).deployRole);
    }
  });

  it("lets each role, under the boundary, do everything its own policy grants", () => {
    for (const stack of ["dev", "prod"] as const) {
      const boundary = deployBoundaryPolicy(scope(stack));
      const grants = grantsByRole(bootstrapped[stack] ?? []);
      const refused: string[] = [];
      for (const [role, roleGrants] of grants) {
        expect(roleGrants.length, `${role} has no policy`).toBeGreaterThan(0);
        for (const { action, resource } of roleGrants) {
          if (evaluatePolicy(boundary, action, resource) !== "allow")
            refused.push(`${role}: ${action} on ${resource}`);
        }
      }
      expect(refused, stack).toEqual([]);
      // What each role is for reaches the check: the tables, the secrets (the model keys' too),
      // logs, the Bedrock model, the bundle, the group's lifecycle, the edge functions' log groups.
      const actions = (role: string) => new Set(grants.get(role)?.map((g) => g.action));
      expect([...actions(`aipm-${stack}-api-role`)]).toEqual(
        expect.arrayContaining([
          "dynamodb:PutItem",
          "secretsmanager:GetSecretValue",
          "logs:PutLogEvents",
          "bedrock:InvokeModelWithResponseStream",
        ]),
      );
      expect([...actions(`aipm-${stack}-workers-role`)]).toEqual(
        expect.arrayContaining([
          "dynamodb:UpdateItem",
          "secretsmanager:GetSecretValue",
          "autoscaling:CompleteLifecycleAction",
          "s3:GetObject",
          "logs:PutLogEvents",
        ]),
      );
      expect(
        grants
          .get(`aipm-${stack}-workers-role`)
          ?.some((g) => g.resource.includes(`:secret:aipm/${stack}/model/`)),
      ).toBe(true);
      expect([...actions(`aipm-${stack}-web-edge-role`)]).toEqual(
        expect.arrayContaining(["logs:CreateLogGroup", "logs:PutLogEvents"]),
      );
    }
  });

  it("lets the workers use Session Manager (their AWS managed policy) under the boundary", () => {
    for (const stack of ["dev", "prod"] as const) {
      const attachments = ofType(
        bootstrapped[stack] ?? [],
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      );
      expect(attachments.map((a) => a.inputs.policyArn)).toEqual([
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      ]);
      const boundary = deployBoundaryPolicy(scope(stack));
      for (const action of sessionManagerActions)
        expect(evaluatePolicy(boundary, action, "*"), action).toBe("allow");
    }
  });

  it("refuses a deploy role of another environment before any resource", async () => {
    await startMockDeployment({
      stack: "dev",
      config: { ...config, "aipm:ciDeployRoleArn": ciArns(scope("prod")).deployRole },
      secretKeys: Object.keys(secrets),
    });
    expect(() => aipmStackProgram("dev", new pulumi.Config("aipm"), fixtures.apiBundleDir)).toThrow(
      /aipm:ciDeployRoleArn .* is not dev's deploy role/,
    );
  });

  it("without aipm:ciDeployRoleArn, makes its own deploy role and puts no boundary on any role", async () => {
    const resources = await deploy("dev");
    const roles = ofType(resources, "aws:iam/role:Role");
    expect(roles.map((role) => role.name)).toContain("aipm-dev-ci-deploy");
    for (const role of roles) expect(role.inputs.permissionsBoundary, role.name).toBeUndefined();
  });
});

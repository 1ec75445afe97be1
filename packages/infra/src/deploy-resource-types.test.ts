import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBuildFixtures } from "./build-fixtures.ts";
import { deployBoundaryPolicy, deployPolicy } from "./deploy-policy.ts";
import {
  deployGrantsByResourceType,
  evaluatePolicy,
  unmappedResourceTypes,
} from "./deploy-resource-types.ts";
import { mockAccount, startMockDeployment } from "./mock-deployment.ts";
import { aipmStackProgram, type StackName } from "./stack-program.ts";

const fixtures = writeBuildFixtures();
const secrets = {
  "aipm:githubToken": "ghp_deployResourceTypesTestToken000000",
  "aipm:githubWebhookSecret": "deploy-resource-types-webhook-secret",
  "aipm:apiToken": "deploy-resource-types-admin-api-token",
  "aipm:githubAdminToken": "ghp_deployResourceTypesAdminToken0000",
};
const config = {
  ...secrets,
  "aws:region": "us-east-1",
  "aipm:githubOwner": "acme",
  "aipm:githubRepository": "aipm",
  "aipm:prodReviewers": JSON.stringify(["alice", "bob"]),
  "aipm:version": "1.2.3",
  "aipm:apiBundleDir": fixtures.apiBundleDir,
  "aipm:webAssetsDir": fixtures.webAssetsDir,
  "aipm:workerBundle": fixtures.workerBundle,
  // So that the alarm topic's e-mail subscriptions are among the types checked.
  "aipm:alarmEmails": JSON.stringify(["ops@acme.example"]),
};

/** The types of the provider resources the stack program of `stack` registers. */
async function resourceTypes(stack: StackName): Promise<string[]> {
  const deployment = await startMockDeployment({ stack, config, secretKeys: Object.keys(secrets) });
  aipmStackProgram(stack, new pulumi.Config("aipm"), fixtures.apiBundleDir);
  await deployment.settle();
  return [...new Set(deployment.resources.filter((r) => r.custom).map((r) => r.type))].sort();
}

const types: Record<string, string[]> = {};
beforeAll(async () => {
  for (const stack of ["dev", "prod"] as const) types[stack] = await resourceTypes(stack);
});

describe("the deploy role against the resource types the environment stacks create", () => {
  it("knows the IAM actions of every resource type dev and prod create (a new type must be added)", () => {
    for (const stack of ["dev", "prod"]) {
      expect(types[stack]?.length, stack).toBeGreaterThan(20);
      expect(unmappedResourceTypes(types[stack] ?? []), stack).toEqual([]);
    }
  });

  it("fails on a type it does not know", () => {
    expect(unmappedResourceTypes(["aws:sqs/queue:Queue", "aws:dynamodb/table:Table"])).toEqual([
      "aws:sqs/queue:Queue",
    ]);
  });

  it("is allowed, by its policy and under its boundary, every action those types need on its own environment's names", () => {
    for (const stack of ["dev", "prod"]) {
      const scope = { environment: stack, accountId: mockAccount, partition: "aws" };
      const documents = { policy: deployPolicy(scope), boundary: deployBoundaryPolicy(scope) };
      for (const type of types[stack] ?? []) {
        for (const grant of deployGrantsByResourceType[type] ?? []) {
          const resource = grant.resource(stack, mockAccount);
          for (const action of grant.actions) {
            for (const [name, document] of Object.entries(documents)) {
              expect(
                evaluatePolicy(document, action, resource),
                `${stack} ${name}: ${type} needs ${action} on ${resource}`,
              ).toBe("allow");
            }
          }
        }
      }
    }
  });

  it("is allowed none of them on another environment's names", () => {
    const devPolicy = deployPolicy({ environment: "dev", accountId: mockAccount, partition: "aws" });
    for (const grants of Object.values(deployGrantsByResourceType)) {
      for (const grant of grants) {
        const resource = grant.resource("prod", mockAccount);
        if (resource === "*" || resource.includes("aws-service-role") || resource.includes("oidc-provider"))
          continue;
        for (const action of grant.actions)
          expect(evaluatePolicy(devPolicy, action, resource), `${action} ${resource}`).not.toBe("allow");
      }
    }
  });
});

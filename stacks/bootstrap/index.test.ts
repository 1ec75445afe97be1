import { join } from "node:path";
import {
  ciArns,
  evaluatePolicy,
  githubTrustViolations,
  loadProgramLikePulumi,
  type MockDeployment,
  outputValue,
  readStackConfig,
  startMockDeployment,
} from "@aipm/infra";
import { beforeAll, describe, expect, it } from "vitest";

/** Pulumi.bootstrap.yaml as committed. */
const config = readStackConfig(join(import.meta.dirname, "Pulumi.bootstrap.yaml"), "aipm-bootstrap");
const outputNames = [
  "boundaryArns",
  "deployRoleArns",
  "oidcProviderArn",
  "previewRoleArns",
  "secretsProviders",
];
const account = { accountId: "123456789012", partition: "aws" };

let deployment: MockDeployment;
let program: Record<string, unknown>;

beforeAll(async () => {
  deployment = await startMockDeployment({ project: "aipm-bootstrap", stack: "bootstrap", config });
  program = await import("./index.ts");
  await deployment.settle();
});

const trustOf = (name: string) => JSON.parse(deployment.named(name).inputs.assumeRolePolicy);
const policyOf = (name: string) =>
  JSON.parse(deployment.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === name)?.inputs.policy);

describe("the bootstrap stack program", () => {
  it("exports the ARNs the environment stacks and the workflows need", async () => {
    expect(Object.keys(program).sort()).toEqual(outputNames);
    expect(await outputValue(program.deployRoleArns as Record<string, string>)).toEqual({
      dev: expect.stringMatching(/^arn:aws:iam::123456789012:role\/aipm-dev-deploy/),
      prod: expect.stringMatching(/^arn:aws:iam::123456789012:role\/aipm-prod-deploy/),
    });
    expect(Object.keys(await outputValue(program.previewRoleArns as Record<string, string>))).toEqual([
      "dev",
    ]);
    expect(await outputValue(program.secretsProviders as Record<string, string>)).toEqual({
      dev: "awskms://alias/aipm-dev-pulumi-secrets",
      prod: "awskms://alias/aipm-prod-pulumi-secrets",
    });
  });

  it("trusts dev's deploy role only to the dev environment's jobs, prod's to prod's, the preview role to preview's", () => {
    const sub = (name: string) =>
      trustOf(name).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"];
    expect(sub("aipm-ci-dev-deploy")).toBe("repo:your-org/aipm:environment:dev");
    expect(sub("aipm-ci-prod-deploy")).toBe("repo:your-org/aipm:environment:prod");
    expect(sub("aipm-ci-dev-preview")).toBe("repo:your-org/aipm:environment:preview");
  });

  it("lets no role be assumed by GitHub from any ref", () => {
    const roles = deployment.ofType("aws:iam/role:Role");
    expect(roles).toHaveLength(3);
    for (const role of roles) expect(githubTrustViolations(trustOf(role.name)), role.name).toEqual([]);
  });

  it("puts every role under its environment's boundary, which neither the role nor its policy may change", () => {
    for (const env of ["dev", "prod"]) {
      const arns = ciArns({ environment: env, ...account });
      expect(deployment.named(`aipm-ci-${env}-deploy`).inputs.permissionsBoundary).toBe(arns.boundary);
      const documents = [
        policyOf(`aipm-ci-${env}-deploy`),
        JSON.parse(deployment.named(`aipm-ci-${env}-boundary`).inputs.policy),
      ];
      for (const document of documents) {
        for (const action of [
          "iam:PutRolePolicy",
          "iam:AttachRolePolicy",
          "iam:UpdateAssumeRolePolicy",
          "iam:DeleteRolePermissionsBoundary",
        ]) {
          expect(evaluatePolicy(document, action, arns.deployRole), `${env} ${action}`).toBe("deny");
        }
        expect(evaluatePolicy(document, "iam:CreatePolicyVersion", arns.boundary)).toBe("deny");
      }
    }
  });

  it("loads in plain node as Pulumi.yaml tells Pulumi to run it", () => {
    const loaded = loadProgramLikePulumi(import.meta.dirname, "bootstrap", config, []);
    expect(loaded.nodeArgs).toEqual(["--import", "tsx"]);
    expect(loaded.outputs).toEqual(outputNames);
    expect(loaded.resources).toBe(deployment.resources.length);
  });
});

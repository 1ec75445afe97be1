import { beforeAll, describe, expect, it } from "vitest";
import { ciArns, roleChangeActions } from "../deploy-policy.ts";
import { evaluatePolicy } from "../deploy-resource-types.ts";
import { type MockDeployment, startMockDeployment } from "../mock-deployment.ts";
import { githubTrustViolations } from "../trust-policies.ts";

let deployment: MockDeployment;
const provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const bootstrapped = "arn:aws:iam::123456789012:role/aipm-ci/aipm-prod-deploy";

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "bootstrap" });
  const { CiAccess, CiBootstrap } = await import("./ci-access.ts");
  new CiBootstrap("aipm-ci", {
    owner: "acme",
    repository: "aipm",
    environments: [{ name: "dev", previewSubjects: [{ environment: "preview" }] }, { name: "prod" }],
  });
  // An environment stack from before the bootstrap stack, and one wired to it.
  new CiAccess("aipm-dev-ci", {
    environment: "dev",
    owner: "acme",
    repository: "aipm",
    oidcProviderArn: provider,
  });
  new CiAccess("aipm-prod-ci", {
    environment: "prod",
    owner: "acme",
    repository: "aipm",
    deployRoleArn: bootstrapped,
  });
  await deployment.settle();
});

const inputs = (name: string) => deployment.named(name).inputs;
const subjectOf = (name: string) =>
  JSON.parse(inputs(name).assumeRolePolicy).Statement[0].Condition.StringEquals[
    "token.actions.githubusercontent.com:sub"
  ];
const policyOf = (name: string) =>
  JSON.parse(deployment.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === name)?.inputs.policy);

describe("CiBootstrap", () => {
  it("creates the account's GitHub OIDC provider once, for sts.amazonaws.com", () => {
    const providers = deployment.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    expect(providers.map((p) => [p.name, p.inputs])).toEqual([
      [
        "aipm-ci-github-oidc",
        { url: "https://token.actions.githubusercontent.com", clientIdLists: ["sts.amazonaws.com"] },
      ],
    ]);
  });

  it("trusts dev's deploy role to the dev environment's jobs, prod's to prod's, the preview role to preview's", () => {
    expect(subjectOf("aipm-ci-dev-deploy")).toBe("repo:acme/aipm:environment:dev");
    expect(subjectOf("aipm-ci-prod-deploy")).toBe("repo:acme/aipm:environment:prod");
    expect(subjectOf("aipm-ci-dev-preview")).toBe("repo:acme/aipm:environment:preview");
    expect(() => deployment.named("aipm-ci-prod-preview")).toThrow();
  });

  it("names the CI roles and boundaries under /aipm-ci/, each role carrying its environment's boundary", () => {
    for (const env of ["dev", "prod"]) {
      const arns = ciArns({ environment: env, accountId: "123456789012", partition: "aws" });
      expect(inputs(`aipm-ci-${env}-deploy`)).toMatchObject({
        name: `aipm-${env}-deploy`,
        path: "/aipm-ci/",
        permissionsBoundary: arns.boundary,
      });
      expect(inputs(`aipm-ci-${env}-boundary`)).toMatchObject({
        name: `aipm-${env}-boundary`,
        path: "/aipm-ci/",
      });
    }
    expect(inputs("aipm-ci-dev-preview").permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary",
    );
  });

  it("denies each deploy role every change to itself and to its boundary, in its policy and its boundary", () => {
    for (const env of ["dev", "prod"]) {
      const arns = ciArns({ environment: env, accountId: "123456789012", partition: "aws" });
      const boundary = JSON.parse(inputs(`aipm-ci-${env}-boundary`).policy);
      for (const document of [policyOf(`aipm-ci-${env}-deploy`), boundary]) {
        for (const action of roleChangeActions)
          expect(evaluatePolicy(document, action, arns.deployRole)).toBe("deny");
        expect(evaluatePolicy(document, "iam:CreatePolicyVersion", arns.boundary)).toBe("deny");
      }
    }
    expect(JSON.stringify(policyOf("aipm-ci-dev-deploy"))).not.toContain("aipm-prod-");
  });

  it("makes each environment's Pulumi secrets key, kept on destroy", () => {
    const aliases = deployment.ofType("aws:kms/alias:Alias").map((a) => a.inputs.name);
    expect(aliases).toEqual(["alias/aipm-dev-pulumi-secrets", "alias/aipm-prod-pulumi-secrets"]);
    for (const key of deployment.ofType("aws:kms/key:Key")) {
      expect(key.inputs.enableKeyRotation).toBe(true);
      expect(key.retainOnDelete).toBe(true);
    }
  });
});

describe("CiAccess", () => {
  it("given the bootstrap stack's role, makes nothing and hands its ARN on", () => {
    expect(deployment.resources.filter((r) => r.name.startsWith("aipm-prod-ci") && r.custom)).toEqual([]);
  });

  it("without it, makes a role trusted by its environment's jobs only, denied every change to itself", async () => {
    expect(subjectOf("aipm-dev-ci-deploy")).toBe("repo:acme/aipm:environment:dev");
    const self = "arn:aws:iam::123456789012:role/aipm-dev-ci-deploy-0000000";
    for (const action of roleChangeActions)
      expect(evaluatePolicy(policyOf("aipm-dev-ci-deploy"), action, self)).toBe("deny");
  });

  it("never lets GitHub assume a role for any ref", () => {
    const roles = deployment.ofType("aws:iam/role:Role");
    expect(roles.length).toBe(4);
    for (const role of roles)
      expect(githubTrustViolations(JSON.parse(role.inputs.assumeRolePolicy)), role.name).toEqual([]);
  });
});

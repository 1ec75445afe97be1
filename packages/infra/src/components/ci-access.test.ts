import { beforeAll, describe, expect, it } from "vitest";
import { type MockDeployment, startMockDeployment } from "../mock-deployment.ts";

let deployment: MockDeployment;
const existingProvider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { CiAccess } = await import("./ci-access.ts");
  new CiAccess("aipm-dev-ci", { environment: "dev", owner: "acme", repository: "aipm" });
  new CiAccess("aipm-prod-ci", {
    environment: "prod",
    owner: "acme",
    repository: "aipm",
    githubEnvironment: "prod",
    oidcProviderArn: existingProvider,
  });
  await deployment.settle();
});

const trust = (name: string) => JSON.parse(deployment.named(name).inputs.assumeRolePolicy).Statement[0];

describe("CiAccess", () => {
  it("creates the GitHub OIDC provider for sts.amazonaws.com, unless one is given", () => {
    const providers = deployment.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    expect(providers.map((provider) => provider.inputs)).toEqual([
      { url: "https://token.actions.githubusercontent.com", clientIdLists: ["sts.amazonaws.com"] },
    ]);
    expect(providers[0]?.name).toBe("aipm-dev-ci-github-oidc");
  });

  it("lets dev's deploy role be assumed by any workflow of acme/aipm: repo:acme/aipm:*", () => {
    expect(trust("aipm-dev-ci-deploy")).toEqual({
      Effect: "Allow",
      Principal: { Federated: existingProvider },
      Action: ["sts:AssumeRoleWithWebIdentity"],
      Condition: {
        StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
        StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/aipm:*" },
      },
    });
  });

  it("lets prod's deploy role be assumed only from acme/aipm's prod environment", () => {
    expect(trust("aipm-prod-ci-deploy").Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/aipm:environment:prod",
      },
    });
  });

  it("scopes each deploy role's permissions to its own environment, in its own account", () => {
    const dev = deployment
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((p) => p.name === "aipm-dev-ci-deploy");
    const document = JSON.stringify(JSON.parse(dev?.inputs.policy));
    expect(document).toContain("table/aipm-dev-*");
    expect(document).toContain(":123456789012:");
    expect(document).not.toContain("aipm-prod-");
  });
});

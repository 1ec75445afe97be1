import { beforeAll, describe, expect, it } from "vitest";
import { type MockDeployment, startMockDeployment } from "../mock-deployment.ts";

const adminToken = "ghp_adminTokenForGithubRepositoryTest00";
const webhookSecret = "webhook-secret-for-github-test";
const devApiToken = "dev-api-token-for-github-test";
let deployment: MockDeployment;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "prod" });
  const { GithubRepository } = await import("./github-repository.ts");
  const common = { owner: "acme", repository: "aipm", token: adminToken, webhookSecret };
  new GithubRepository("aipm-dev-github", {
    ...common,
    environment: "dev",
    variables: {
      AWS_DEPLOY_ROLE_ARN_DEV: "arn:aws:iam::123456789012:role/aipm-dev-ci-deploy-1",
      AWS_REGION: "us-east-1",
    },
    webhookUrl: "https://dev.example.cloudfront.net/api/webhooks/github",
    environmentSecrets: { AIPM_API_TOKEN: devApiToken },
  });
  new GithubRepository("aipm-prod-github", {
    ...common,
    environment: "prod",
    reviewers: ["alice", "bob"],
    defaultBranchOnly: true,
    manageBranchRuleset: true,
    variables: { AWS_DEPLOY_ROLE_ARN_PROD: "arn:aws:iam::123456789012:role/aipm-prod-ci-deploy-1" },
    webhookUrl: "https://prod.example.cloudfront.net/api/webhooks/github",
  });
  // The same prod on the other plans, and with one reviewer, each in a repository of its own.
  const prodOn = (repository: string, plan: "free" | "team" | "enterprise", reviewers: string[]) =>
    new GithubRepository(`${repository}-prod-github`, {
      ...common,
      repository,
      plan,
      environment: "prod",
      reviewers,
      defaultBranchOnly: true,
      manageBranchRuleset: true,
      variables: {},
      environmentSecrets: { AIPM_API_TOKEN: "prod-api-token-for-plan-tests" },
      webhookUrl: "https://prod.example.cloudfront.net/api/webhooks/github",
    });
  prodOn("free", "free", ["alice", "bob"]);
  prodOn("team", "team", ["alice", "bob"]);
  prodOn("solo", "enterprise", ["alice"]);
  await deployment.settle();
});

describe("GithubRepository: environments", () => {
  // The mocked GitHub gives each login an id of 1000 plus the sum of its character codes.
  it("gives prod required reviewers (by user id), no self-review, and deployments from main only", () => {
    const prod = deployment.named("aipm-prod-github-environment").inputs;
    expect(prod).toMatchObject({
      repository: "aipm",
      environment: "prod",
      preventSelfReview: true,
      canAdminsBypass: false,
    });
    expect(prod.reviewers).toEqual([{ users: [1510, 1307] }]);
    expect(prod.deploymentBranchPolicy).toEqual({ protectedBranches: false, customBranchPolicies: true });
    expect(deployment.named("aipm-prod-github-deploy-from-default-branch").inputs).toMatchObject({
      environment: "prod",
      branchPattern: "main",
    });
  });

  it("leaves dev open to any branch without reviewers", () => {
    const dev = deployment.named("aipm-dev-github-environment").inputs;
    expect(dev).toMatchObject({ environment: "dev", reviewers: [] });
    expect(dev.deploymentBranchPolicy).toBeUndefined();
    expect(() => deployment.named("aipm-dev-github-deploy-from-default-branch")).toThrow();
  });

  it("publishes each stack's own repository variables, named as the deploy workflows read them", () => {
    const variables = deployment
      .ofType("github:index/actionsVariable:ActionsVariable")
      .map((v) => v.inputs)
      .filter((v) => v.repository === "aipm");
    expect(variables).toEqual([
      {
        repository: "aipm",
        variableName: "AWS_DEPLOY_ROLE_ARN_DEV",
        value: "arn:aws:iam::123456789012:role/aipm-dev-ci-deploy-1",
      },
      { repository: "aipm", variableName: "AWS_REGION", value: "us-east-1" },
      {
        repository: "aipm",
        variableName: "AWS_DEPLOY_ROLE_ARN_PROD",
        value: "arn:aws:iam::123456789012:role/aipm-prod-ci-deploy-1",
      },
    ]);
  });
});

describe("GithubRepository: the default branch's ruleset", () => {
  it("requires the CI check (ci.yml's job, by default) and a review, owned by the stack that manages it", () => {
    const rulesets = deployment.ofType("github:index/repositoryRuleset:RepositoryRuleset");
    expect(rulesets.map((ruleset) => ruleset.name)).toEqual([
      "aipm-prod-github-default-branch",
      "team-prod-github-default-branch",
      "solo-prod-github-default-branch",
    ]);
    expect(rulesets[0]?.inputs).toMatchObject({
      repository: "aipm",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        pullRequest: { requiredApprovingReviewCount: 1 },
        requiredStatusChecks: { requiredChecks: [{ context: "pnpm test" }] },
      },
    });
  });
});

describe("GithubRepository: the webhook", () => {
  it("delivers pull-request events as JSON to the API, signed with the webhook secret", () => {
    const hook = deployment.named("aipm-prod-github-webhook");
    expect(hook.inputs).toMatchObject({
      repository: "aipm",
      events: ["pull_request"],
      active: true,
      configuration: {
        url: "https://prod.example.cloudfront.net/api/webhooks/github",
        contentType: "json",
        insecureSsl: false,
        secret: webhookSecret,
      },
    });
    expect(hook.secretPaths).toEqual(["configuration.secret"]);
  });

  it("keeps the webhook secret and the admin token out of plain-text inputs", () => {
    for (const resource of deployment.resources) {
      expect(
        resource.plainStrings.some(
          (text) => text.includes(webhookSecret) || text.includes(adminToken) || text.includes(devApiToken),
        ),
      ).toBe(false);
    }
  });

  it("manages the repository through its own provider, owned by the repository's owner", () => {
    const providers = deployment.ofType("pulumi:providers:github");
    expect(new Set(providers.map((provider) => provider.inputs.owner))).toEqual(new Set(["acme"]));
    expect(providers[0]?.secretPaths).toContain("token");
  });
});

describe("GithubRepository: the GitHub plan", () => {
  const ofRepository = (type: string, repository: string) =>
    deployment.ofType(type).filter((resource) => resource.inputs.repository === repository);
  const variables = (repository: string) =>
    Object.fromEntries(
      ofRepository("github:index/actionsVariable:ActionsVariable", repository).map((v) => [
        v.inputs.variableName,
        v.inputs.value,
      ]),
    );

  it("keeps each environment's secrets in its GitHub environment, as secrets", () => {
    const secret = deployment.named("aipm-dev-github-secret-AIPM_API_TOKEN");
    expect(secret.inputs).toMatchObject({
      repository: "aipm",
      environment: "dev",
      secretName: "AIPM_API_TOKEN",
    });
    expect(secret.secretPaths).toEqual(["plaintextValue"]);
  });

  it("on free, makes no environment, ruleset or environment secret, and gates prod in the workflow", () => {
    for (const type of [
      "github:index/repositoryEnvironment:RepositoryEnvironment",
      "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
      "github:index/repositoryRuleset:RepositoryRuleset",
      "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
    ]) {
      expect(ofRepository(type, "free"), type).toEqual([]);
    }
    expect(variables("free")).toEqual({ AIPM_PROD_GATE: "workflow", AIPM_PROD_APPROVERS: "alice,bob" });
  });

  it("on team, makes the environment and the ruleset but no required reviewers, and gates prod in the workflow", () => {
    const [environment] = ofRepository("github:index/repositoryEnvironment:RepositoryEnvironment", "team");
    expect(environment?.inputs).toMatchObject({
      environment: "prod",
      reviewers: [],
      preventSelfReview: false,
    });
    expect(ofRepository("github:index/repositoryRuleset:RepositoryRuleset", "team")).toHaveLength(1);
    expect(variables("team")).toEqual({ AIPM_PROD_GATE: "workflow", AIPM_PROD_APPROVERS: "alice,bob" });
  });

  it("with one required reviewer, lets them approve their own deployment (else prod could never deploy)", () => {
    const [environment] = ofRepository("github:index/repositoryEnvironment:RepositoryEnvironment", "solo");
    expect(environment?.inputs).toMatchObject({ reviewers: [{ users: [1510] }], preventSelfReview: false });
    expect(variables("solo")).toEqual({});
  });
});

describe("requireGithubAdminToken", () => {
  it("names the config key when the admin token is missing, instead of falling back to the workers' token", async () => {
    const { requireGithubAdminToken, parseGithubPlan } = await import("./github-repository.ts");
    expect(() => requireGithubAdminToken({ getSecret: () => undefined })).toThrow(
      /aipm:githubAdminToken is required/,
    );
    expect(parseGithubPlan(undefined)).toBeUndefined();
    expect(parseGithubPlan("team")).toBe("team");
    expect(() => parseGithubPlan("pro")).toThrow(/aipm:githubPlan must be one of free, team, enterprise/);
  });
});

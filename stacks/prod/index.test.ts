import { join } from "node:path";
import {
  loadProgramLikePulumi,
  type MockDeployment,
  outputValue,
  policyViolations,
  readStackConfig,
  startMockDeployment,
  writeBuildFixtures,
} from "@aipm/infra";
import {
  tableNames as expectedTableNames,
  type NpmAgentName,
  npmAgents,
  pinnedAgentPackages,
} from "@aipm/shared";
import { beforeAll, describe, expect, it } from "vitest";

const secrets = {
  "aipm:githubToken": "ghp_prodStackTestToken0000000000000000",
  "aipm:githubWebhookSecret": "prod-stack-test-webhook-secret",
  "aipm:apiToken": "prod-stack-test-admin-api-token",
  "aipm:githubAdminToken": "ghp_prodStackTestAdminToken00000000000",
};
const fixtures = writeBuildFixtures();
/** Pulumi.prod.yaml as committed, plus what a deploy adds: the version, the secrets, and (here) stand-in builds. */
const config: Record<string, string> = {
  ...readStackConfig(join(import.meta.dirname, "Pulumi.prod.yaml")),
  ...secrets,
  "aipm:version": "1.0.0-test",
  "aipm:apiBundleDir": fixtures.apiBundleDir,
  "aipm:webAssetsDir": fixtures.webAssetsDir,
  "aipm:workerBundle": fixtures.workerBundle,
};
/** The agents Pulumi.prod.yaml names. */
const AGENTS: NpmAgentName[] = ["claude", "codex"];
const outputNames = ["alarmTopicArn", "apiUrl", "deployedVersion", "tableNames", "webUrl", "workerGroupName"];

let deployment: MockDeployment;
let program: Record<string, unknown>;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "prod", config, secretKeys: Object.keys(secrets) });
  program = await import("./index.ts");
  await deployment.settle();
});

describe("the prod stack program", () => {
  it("exports the stack outputs, named as operators and the CLI expect", async () => {
    expect(Object.keys(program).sort()).toEqual(outputNames);
    expect(await outputValue(program.apiUrl as string)).toBe(
      `${await outputValue(program.webUrl as string)}/api`,
    );
    expect(await outputValue(program.tableNames as Record<string, string>)).toEqual(
      expectedTableNames("prod"),
    );
    expect(await outputValue(program.workerGroupName as string)).toBe("aipm-prod-workers");
    expect(await outputValue(program.deployedVersion as string)).toBe("1.0.0-test");
  });

  it("protects every table: PITR, deletion protection, protect and retainOnDelete", () => {
    const tables = deployment.ofType("aws:dynamodb/table:Table");
    expect(tables).toHaveLength(Object.keys(expectedTableNames("prod")).length);
    for (const table of tables) {
      expect(table.inputs.pointInTimeRecovery).toEqual({ enabled: true });
      expect(table.inputs.deletionProtectionEnabled).toBe(true);
      expect(table.protect).toBe(true);
      expect(table.retainOnDelete).toBe(true);
    }
  });

  it("keeps deleted secrets recoverable for 30 days", () => {
    for (const secret of deployment.ofType("aws:secretsmanager/secret:Secret")) {
      expect(secret.inputs.recoveryWindowInDays).toBe(30);
    }
  });

  it("keeps prod's logs 90 days", () => {
    const logGroups = deployment.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(logGroups.map((group) => group.inputs.name).sort()).toEqual([
      "/aipm/prod/api",
      "/aipm/prod/worker",
    ]);
    for (const group of logGroups) expect(group.inputs.retentionInDays).toBe(90);
  });

  it("runs at least 2 workers, up to the configured maximum, across the availability zones' subnets", () => {
    expect(deployment.named("aipm-prod-workers-group").inputs).toMatchObject({
      minSize: 2,
      maxSize: 6,
      vpcZoneIdentifiers: ["subnet-0aaaa", "subnet-0bbbb", "subnet-0cccc"],
    });
    expect(deployment.named("aipm-prod-workers-template").inputs.instanceType).toBe("t4g.medium");
  });

  it("lets only the repository's prod environment assume the deploy role", () => {
    const trust = JSON.parse(deployment.named("aipm-prod-ci-deploy").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:your-org/aipm:environment:prod",
      },
    });
  });

  it("requires reviewers for prod and owns the default branch's ruleset", () => {
    const environment = deployment.named("aipm-prod-github-environment").inputs;
    // One reviewer may approve their own deployment: self-review is prevented only with two or more.
    expect(environment).toMatchObject({ environment: "prod", preventSelfReview: false });
    expect(environment.reviewers[0].users).toHaveLength(1);
    const [ruleset] = deployment.ofType("github:index/repositoryRuleset:RepositoryRuleset");
    expect(ruleset?.inputs.rules.requiredStatusChecks.requiredChecks).toEqual([{ context: "pnpm test" }]);
    expect(ruleset?.inputs.rules.pullRequest.requiredApprovingReviewCount).toBe(1);
  });

  it("publishes the prod deploy role as the variable deploy-prod.yml reads", () => {
    const variables = deployment
      .ofType("github:index/actionsVariable:ActionsVariable")
      .map((v) => v.inputs.variableName);
    expect(variables).toEqual(["AWS_DEPLOY_ROLE_ARN_PROD"]);
  });

  it("installs the agents the committed config names, at their pinned releases, and drains before it goes", () => {
    const script = Buffer.from(
      deployment.named("aipm-prod-workers-template").inputs.userData as string,
      "base64",
    ).toString("utf8");
    const packages = AGENTS.map((agent) => npmAgents[agent].package);
    expect(script).toContain(
      `--no-update-notifier ${packages.map((name) => `${name}@${pinnedAgentPackages[name]}`).join(" ")}\n`,
    );
    expect(script).toContain("Delegate=yes");
    expect(script).toContain("User=aipm");
    expect(deployment.named("aipm-prod-workers-drain").inputs).toMatchObject({
      name: "aipm-prod-drain",
      autoscalingGroupName: "aipm-prod-workers",
      lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      heartbeatTimeout: 2400,
    });
    expect(deployment.named("aipm-prod-workers-from-zero").inputs).toMatchObject({
      policyType: "StepScaling",
      adjustmentType: "ExactCapacity",
    });
  });

  it("keeps the model keys of those agents in empty secrets the workers, and only they, may read", () => {
    const keys = [...new Set(AGENTS.flatMap((agent) => npmAgents[agent].modelKeys))].sort();
    const modelSecrets = deployment
      .ofType("aws:secretsmanager/secret:Secret")
      .filter((secret) => String(secret.inputs.name ?? "").startsWith("aipm/prod/model/"));
    expect(modelSecrets.map((secret) => secret.inputs.name).sort()).toEqual(
      keys.map((key) => `aipm/prod/model/${key}`),
    );
    const versions = deployment.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    expect(versions.some((version) => version.name.includes("-model-"))).toBe(false);
    const grants = (policy: string): string[] =>
      JSON.parse(deployment.named(policy).inputs.policy).Statement.find(
        (statement: { Sid: string }) => statement.Sid === "Secrets",
      ).Resource;
    for (const key of keys) {
      expect(
        grants("aipm-prod-workers-access").some((arn) => arn.includes(`:secret:aipm/prod/model/${key}-`)),
      ).toBe(true);
    }
    expect(grants("aipm-prod-api-access").some((arn) => arn.includes("/model/"))).toBe(false);
  });

  it("keeps every secret out of plain-text inputs", () => {
    for (const resource of deployment.resources) {
      for (const value of Object.values(secrets)) {
        expect(
          resource.plainStrings.some((text) => text.includes(value)),
          resource.name,
        ).toBe(false);
      }
    }
  });

  it("passes every AIPM policy", () => {
    expect(
      policyViolations(
        deployment.resources.filter((resource) => resource.custom),
        "prod",
      ),
    ).toEqual([]);
  });

  it("notifies its alarm topic aipm-prod-alarms from the API's alarms, and outputs it", async () => {
    const topic = await outputValue(program.alarmTopicArn as string);
    expect(deployment.named("aipm-prod-alarms").inputs.name).toBe("aipm-prod-alarms");
    for (const alarm of ["aipm-prod-api-errors", "aipm-prod-api-throttles"]) {
      expect(deployment.named(alarm).inputs.alarmActions, alarm).toEqual([topic]);
    }
  });

  it("administers the repository with aipm:githubAdminToken, and gives prod's jobs the API token", () => {
    expect(deployment.named("aipm-prod-github-provider").inputs.token).toBe(secrets["aipm:githubAdminToken"]);
    expect(deployment.named("aipm-prod-github-secret-AIPM_API_TOKEN").inputs).toMatchObject({
      environment: "prod",
      secretName: "AIPM_API_TOKEN",
      plaintextValue: secrets["aipm:apiToken"],
    });
  });

  it("loads in plain node as Pulumi.yaml tells Pulumi to run it", () => {
    const loaded = loadProgramLikePulumi(import.meta.dirname, "prod", config, Object.keys(secrets));
    expect(loaded.nodeArgs).toEqual(["--import", "tsx"]);
    expect(loaded.outputs).toEqual(outputNames);
    expect(loaded.resources).toBe(deployment.resources.length);
  });
});

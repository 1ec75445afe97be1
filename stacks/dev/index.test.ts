import { join } from "node:path";
import {
  loadProgramLikePulumi,
  type MockDeployment,
  outputValue,
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
  "aipm:githubToken": "ghp_devStackTestToken00000000000000000",
  "aipm:githubWebhookSecret": "dev-stack-test-webhook-secret",
  "aipm:apiToken": "dev-stack-test-admin-api-token",
  // Required: the repository's administration never falls back to aipm:githubToken.
  "aipm:githubAdminToken": "ghp_devStackTestAdminToken000000000000",
};
const fixtures = writeBuildFixtures();
/** Pulumi.dev.yaml as committed, plus what a deploy adds: the version, the secrets, and (here) stand-in builds. */
const config: Record<string, string> = {
  ...readStackConfig(join(import.meta.dirname, "Pulumi.dev.yaml")),
  ...secrets,
  "aipm:version": "0.9.0-test",
  "aipm:apiBundleDir": fixtures.apiBundleDir,
  "aipm:webAssetsDir": fixtures.webAssetsDir,
  "aipm:workerBundle": fixtures.workerBundle,
};
/** The agents Pulumi.dev.yaml names. */
const AGENTS: NpmAgentName[] = ["claude"];
const outputNames = ["alarmTopicArn", "apiUrl", "deployedVersion", "tableNames", "webUrl", "workerGroupName"];

let deployment: MockDeployment;
let program: Record<string, unknown>;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev", config, secretKeys: Object.keys(secrets) });
  program = await import("./index.ts");
  await deployment.settle();
});

describe("the dev stack program", () => {
  it("exports the stack outputs, named as operators and the CLI expect", async () => {
    expect(Object.keys(program).sort()).toEqual(outputNames);
    expect(await outputValue(program.webUrl as string)).toMatch(/^https:\/\/[a-z0-9]+\.cloudfront\.net$/);
    expect(await outputValue(program.apiUrl as string)).toMatch(
      /^https:\/\/[a-z0-9]+\.cloudfront\.net\/api$/,
    );
    expect(await outputValue(program.tableNames as Record<string, string>)).toEqual(
      expectedTableNames("dev"),
    );
    expect(await outputValue(program.workerGroupName as string)).toBe("aipm-dev-workers");
    expect(await outputValue(program.deployedVersion as string)).toBe("0.9.0-test");
  });

  it("reads the committed config: the repository it manages", () => {
    expect(config["aipm:githubOwner"]).toBe("your-org");
    expect(deployment.named("aipm-dev-github-environment").inputs).toMatchObject({
      repository: "aipm",
      environment: "dev",
    });
  });

  it("leaves dev's tables unprotected", () => {
    const tables = deployment.ofType("aws:dynamodb/table:Table");
    expect(tables).toHaveLength(Object.keys(expectedTableNames("dev")).length);
    for (const table of tables) {
      expect(table.inputs.pointInTimeRecovery).toEqual({ enabled: false });
      expect(table.inputs.deletionProtectionEnabled).toBe(false);
      expect(table.protect).toBe(false);
      expect(table.retainOnDelete).toBe(false);
    }
  });

  it("runs 1 to 2 workers, t4g.small", () => {
    expect(deployment.named("aipm-dev-workers-group").inputs).toMatchObject({ minSize: 1, maxSize: 2 });
    expect(deployment.named("aipm-dev-workers-template").inputs.instanceType).toBe("t4g.small");
  });

  it("deletes dev's secrets at once, so a re-created stack can reuse their names", () => {
    const secrets = deployment.ofType("aws:secretsmanager/secret:Secret");
    // The API's three and the model key of claude.
    expect(secrets).toHaveLength(4);
    for (const secret of secrets) expect(secret.inputs.recoveryWindowInDays).toBe(0);
  });

  it("keeps dev's logs 14 days", () => {
    const logGroups = deployment.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(logGroups.map((group) => group.inputs.name).sort()).toEqual(["/aipm/dev/api", "/aipm/dev/worker"]);
    for (const group of logGroups) expect(group.inputs.retentionInDays).toBe(14);
  });

  it("lets dev's GitHub environment deploy dev, and leaves the branch ruleset to prod", () => {
    const trust = JSON.parse(deployment.named("aipm-dev-ci-deploy").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Condition.StringEquals).toMatchObject({
      "token.actions.githubusercontent.com:sub": "repo:your-org/aipm:environment:dev",
    });
    expect(deployment.ofType("github:index/repositoryRuleset:RepositoryRuleset")).toEqual([]);
    expect(deployment.named("aipm-dev-github-environment").inputs.reviewers).toEqual([]);
  });

  it("publishes the dev deploy role and the region as the variables deploy-dev.yml reads", () => {
    const variables = deployment
      .ofType("github:index/actionsVariable:ActionsVariable")
      .map((v) => v.inputs.variableName);
    expect(variables.sort()).toEqual(["AWS_DEPLOY_ROLE_ARN_DEV", "AWS_REGION"]);
  });

  it("installs the agents the committed config names, at their pinned releases, and drains before it goes", () => {
    const script = Buffer.from(
      deployment.named("aipm-dev-workers-template").inputs.userData as string,
      "base64",
    ).toString("utf8");
    const packages = AGENTS.map((agent) => npmAgents[agent].package);
    expect(script).toContain(
      `--no-update-notifier ${packages.map((name) => `${name}@${pinnedAgentPackages[name]}`).join(" ")}\n`,
    );
    expect(script).toContain("Delegate=yes");
    expect(script).toContain("User=aipm");
    expect(deployment.named("aipm-dev-workers-drain").inputs).toMatchObject({
      name: "aipm-dev-drain",
      autoscalingGroupName: "aipm-dev-workers",
      lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      heartbeatTimeout: 2400,
    });
    expect(deployment.named("aipm-dev-workers-from-zero").inputs).toMatchObject({
      policyType: "StepScaling",
      adjustmentType: "ExactCapacity",
    });
  });

  it("keeps the model keys of those agents in empty secrets the workers, and only they, may read", () => {
    const keys = [...new Set(AGENTS.flatMap((agent) => npmAgents[agent].modelKeys))].sort();
    const modelSecrets = deployment
      .ofType("aws:secretsmanager/secret:Secret")
      .filter((secret) => String(secret.inputs.name ?? "").startsWith("aipm/dev/model/"));
    expect(modelSecrets.map((secret) => secret.inputs.name).sort()).toEqual(
      keys.map((key) => `aipm/dev/model/${key}`),
    );
    const versions = deployment.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    expect(versions.some((version) => version.name.includes("-model-"))).toBe(false);
    const grants = (policy: string): string[] =>
      JSON.parse(deployment.named(policy).inputs.policy).Statement.find(
        (statement: { Sid: string }) => statement.Sid === "Secrets",
      ).Resource;
    for (const key of keys) {
      expect(
        grants("aipm-dev-workers-access").some((arn) => arn.includes(`:secret:aipm/dev/model/${key}-`)),
      ).toBe(true);
    }
    expect(grants("aipm-dev-api-access").some((arn) => arn.includes("/model/"))).toBe(false);
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

  it("notifies its alarm topic aipm-dev-alarms from the API's alarms, and outputs it", async () => {
    const topic = await outputValue(program.alarmTopicArn as string);
    expect(deployment.named("aipm-dev-alarms").inputs.name).toBe("aipm-dev-alarms");
    for (const alarm of ["aipm-dev-api-errors", "aipm-dev-api-throttles"]) {
      expect(deployment.named(alarm).inputs.alarmActions, alarm).toEqual([topic]);
    }
  });

  it("administers the repository with aipm:githubAdminToken, and gives dev's jobs the API token", () => {
    expect(deployment.named("aipm-dev-github-provider").inputs.token).toBe(secrets["aipm:githubAdminToken"]);
    expect(deployment.named("aipm-dev-github-secret-AIPM_API_TOKEN").inputs).toMatchObject({
      environment: "dev",
      secretName: "AIPM_API_TOKEN",
      plaintextValue: secrets["aipm:apiToken"],
    });
  });

  it("loads in plain node as Pulumi.yaml tells Pulumi to run it", () => {
    const loaded = loadProgramLikePulumi(import.meta.dirname, "dev", config, Object.keys(secrets));
    expect(loaded.nodeArgs).toEqual(["--import", "tsx"]);
    expect(loaded.main).toBe("index.ts");
    expect(loaded.outputs).toEqual(outputNames);
    expect(loaded.resources).toBe(deployment.resources.length);
  });
});

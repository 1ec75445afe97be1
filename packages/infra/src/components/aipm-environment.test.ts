import { pinnedAgentPackages, tableName, tableNames } from "@aipm/shared";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTables, workerTables } from "../access-policies.ts";
import { writeBuildFixtures } from "../build-fixtures.ts";
import {
  defaultApiMemoryMb,
  defaultGithubBranch,
  defaultLogRetentionDays,
  defaultPriceClass,
  defaultSecretRecoveryWindowInDays,
  defaultWorkerInstanceType,
} from "../defaults.ts";
import { type MockDeployment, outputValue, startMockDeployment } from "../mock-deployment.ts";
import { policyViolations } from "../policies.ts";

const secretValues = {
  githubToken: "ghp_environmentTestToken000000000000",
  webhookSecret: "environment-test-webhook-secret",
  apiToken: "environment-test-admin-api-token",
  adminToken: "ghp_environmentTestAdminToken0000000",
  aiApiKey: "sk-ant-environmentTestAiKey000000000",
};
const fixtures = writeBuildFixtures();
let deployment: MockDeployment;
let outputs: {
  webUrl: string;
  apiUrl: string;
  tableNames: Record<string, string>;
  workerGroupName: string;
  deployedVersion: string;
  deployRoleArn: string;
  alarmTopicArn: string;
};
const pagerTopic = "arn:aws:sns:us-east-1:123456789012:acme-pager";
let defaultAgent: string;
let agentInstall: typeof import("./aipm-environment.ts").agentInstall;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "prod" });
  const module = await import("./aipm-environment.ts");
  const { AipmEnvironment } = module;
  agentInstall = module.agentInstall;
  const environment = new AipmEnvironment("aipm-prod", {
    environment: "prod",
    version: "2024.06.1",
    protection: { pointInTimeRecovery: true, deletionProtection: true, protect: true, retainOnDelete: true },
    alarmActions: [pagerTopic],
    alarmEmails: ["ops@acme.example", "On.Call@acme.example"],
    api: { bundleDir: fixtures.apiBundleDir },
    web: { assetsDir: fixtures.webAssetsDir },
    workers: { bundlePath: fixtures.workerBundle, minSize: 2, maxSize: 6 },
    agents: { names: ["claude", "codex"], default: "codex" },
    ai: { provider: "anthropic", model: "claude-haiku-4-5" },
    secrets: {
      githubToken: pulumi.secret(secretValues.githubToken),
      webhookSecret: pulumi.secret(secretValues.webhookSecret),
      apiToken: pulumi.secret(secretValues.apiToken),
      aiApiKey: pulumi.secret(secretValues.aiApiKey),
    },
    github: {
      owner: "acme",
      repository: "aipm",
      adminToken: pulumi.secret(secretValues.adminToken),
      reviewers: ["alice"],
      defaultBranchOnly: true,
      manageBranchRuleset: true,
    },
    ci: { trustedGithubEnvironment: "prod" },
  });
  await deployment.settle();
  defaultAgent = environment.defaultAgent;
  outputs = {
    webUrl: await outputValue(environment.webUrl),
    apiUrl: await outputValue(environment.apiUrl),
    tableNames: await outputValue(environment.tableNames),
    workerGroupName: await outputValue(environment.workerGroupName),
    deployedVersion: await outputValue(environment.deployedVersion),
    deployRoleArn: await outputValue(environment.deployRoleArn),
    alarmTopicArn: await outputValue(environment.alarmTopicArn),
  };
});

describe("AipmEnvironment: outputs", () => {
  it("exposes the web and API URLs (the API through CloudFront), tables, worker group and version", () => {
    expect(outputs.webUrl).toBe("https://d111111abcdef8.cloudfront.net");
    expect(outputs.apiUrl).toBe("https://d111111abcdef8.cloudfront.net/api");
    expect(outputs.tableNames).toEqual(tableNames("prod"));
    expect(outputs.workerGroupName).toBe("aipm-prod-workers");
    expect(outputs.deployedVersion).toBe("2024.06.1");
  });
});

describe("AipmEnvironment: wiring", () => {
  it("points the GitHub webhook at the API's webhook route and publishes the deploy role", () => {
    expect(deployment.named("aipm-prod-github-webhook").inputs.configuration.url).toBe(
      `${outputs.apiUrl}/webhooks/github`,
    );
    expect(deployment.named("aipm-prod-github-var-AWS_DEPLOY_ROLE_ARN_PROD").inputs.value).toBe(
      outputs.deployRoleArn,
    );
    // AWS_REGION is one repository variable for every environment: only the stack asked to publishes it.
    expect(() => deployment.named("aipm-prod-github-var-AWS_REGION")).toThrow();
  });

  it("grants the API and the workers exactly their own tables", () => {
    const tableResources = (policy: string) =>
      (JSON.parse(deployment.named(policy).inputs.policy).Statement as { Sid: string; Resource: string[] }[])
        .find((statement) => statement.Sid === "Tables")
        ?.Resource.filter((arn) => !arn.endsWith("/index/*"));
    const arn = (logical: (typeof apiTables)[number]) =>
      `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName("prod", logical)}`;
    expect(tableResources("aipm-prod-api-access")).toEqual(apiTables.map(arn));
    expect(tableResources("aipm-prod-workers-access")).toEqual(workerTables.map(arn));
  });

  it("installs the configured agents' CLIs at their pinned releases, and reads their model keys' secrets", () => {
    const script = Buffer.from(
      deployment.named("aipm-prod-workers-template").inputs.userData as string,
      "base64",
    ).toString("utf8");
    expect(script).toContain(
      `@anthropic-ai/claude-code@${pinnedAgentPackages["@anthropic-ai/claude-code"]} @openai/codex@${pinnedAgentPackages["@openai/codex"]}`,
    );
    const modelSecrets = deployment
      .ofType("aws:secretsmanager/secret:Secret")
      .map((secret) => String(secret.inputs.name ?? ""))
      .filter((name) => name.includes("/model/"));
    expect(modelSecrets.sort()).toEqual([
      "aipm/prod/model/ANTHROPIC_API_KEY",
      "aipm/prod/model/OPENAI_API_KEY",
    ]);
    const arn = (key: string) =>
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm/prod/model/${key}-AbCdEf`;
    expect(script).toMatch(
      new RegExp(
        `^AIPM_MODEL_SECRET_ARNS=ANTHROPIC_API_KEY=${arn("ANTHROPIC_API_KEY")},OPENAI_API_KEY=${arn("OPENAI_API_KEY")}$`,
        "m",
      ),
    );
    const secretsGrant = (policy: string) =>
      (
        JSON.parse(deployment.named(policy).inputs.policy).Statement as { Sid: string; Resource: string[] }[]
      ).find((statement) => statement.Sid === "Secrets")?.Resource;
    expect(secretsGrant("aipm-prod-workers-access")).toEqual([
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-prod-secrets-github-token-0000000-AbCdEf",
      arn("ANTHROPIC_API_KEY"),
      arn("OPENAI_API_KEY"),
    ]);
    expect(secretsGrant("aipm-prod-api-access")?.some((resource) => resource.includes("/model/"))).toBe(
      false,
    );
    expect(defaultAgent).toBe("codex");
  });

  it("refuses agents that do not install from npm, and a default agent not installed", () => {
    expect(() => agentInstall({ names: ["kiro" as never] })).toThrow(/does not install from npm/);
    expect(() => agentInstall({ names: ["claude"], default: "gemini" })).toThrow(/not installed/);
    expect(() =>
      agentInstall({ names: ["claude"], versions: { "@anthropic-ai/claude-code": "latest" } }),
    ).toThrow(/exact release/);
    expect(agentInstall(undefined)).toEqual({ packages: [], modelKeys: [], defaultAgent: "scaffold" });
    expect(agentInstall({ names: ["opencode"], extraModelKeys: ["OPENROUTER_API_KEY"] }).modelKeys).toEqual([
      "OPENAI_API_KEY",
      "OPENROUTER_API_KEY",
    ]);
  });

  it("runs the workers in the default VPC's subnets across availability zones when no network is given", () => {
    expect(deployment.named("aipm-prod-workers-group").inputs.vpcZoneIdentifiers).toEqual([
      "subnet-0aaaa",
      "subnet-0bbbb",
      "subnet-0cccc",
    ]);
    expect(deployment.named("aipm-prod-workers-sg").inputs.vpcId).toBe("vpc-0123456789abcdef0");
  });

  it("gives every resource a parent: components under the environment, resources under their component", () => {
    for (const resource of deployment.resources) {
      if (resource.name === "aipm-prod") continue;
      expect(resource.parent, resource.name).toMatch(/aipm:[a-z]+:[A-Za-z]+::aipm-prod(-[a-z]+)?$/);
    }
  });
});

describe("AipmEnvironment: the API's AI actions", () => {
  const keySecretArn =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-prod-secrets-ai-api-key-0000000-AbCdEf";
  const secretsGrant = (policy: string) =>
    (
      JSON.parse(deployment.named(policy).inputs.policy).Statement as { Sid: string; Resource: string[] }[]
    ).find((statement) => statement.Sid === "Secrets")?.Resource ?? [];

  it("keeps the provider's key in its own secret, which the API reads by ARN", () => {
    expect(deployment.named("aipm-prod-secrets-ai-api-key").inputs.description).toMatch(/AI provider key/);
    expect(deployment.named("aipm-prod-api-function").inputs.environment.variables).toMatchObject({
      AIPM_AI_PROVIDER: "anthropic",
      AIPM_AI_MODEL: "claude-haiku-4-5",
      AIPM_AI_API_KEY_SECRET_ARN: keySecretArn,
    });
    expect(secretsGrant("aipm-prod-api-access")).toContain(keySecretArn);
  });

  it("gives the workers none of it: no AIPM_AI_* setting, no read of the key", () => {
    for (const resource of deployment.resources.filter((r) => r.name.startsWith("aipm-prod-workers"))) {
      const inputs = { ...resource.inputs };
      if (typeof inputs.userData === "string")
        inputs.userData = Buffer.from(inputs.userData, "base64").toString();
      expect(JSON.stringify(inputs), resource.name).not.toMatch(/AIPM_AI_|ai-api-key/);
    }
    expect(secretsGrant("aipm-prod-workers-access")).not.toContain(keySecretArn);
  });
});

describe("AipmEnvironment: the API's default agent", () => {
  it("hands the configured default agent to the API as AIPM_AGENT", () => {
    expect(defaultAgent).toBe("codex");
    expect(deployment.named("aipm-prod-api-function").inputs.environment.variables.AIPM_AGENT).toBe("codex");
  });
});

describe("AipmEnvironment: alarms", () => {
  it("creates the topic aipm-<env>-alarms, outputs its ARN, and subscribes the configured addresses by e-mail", () => {
    expect(deployment.named("aipm-prod-alarms").inputs.name).toBe("aipm-prod-alarms");
    expect(outputs.alarmTopicArn).toBe("arn:aws:sns:us-east-1:123456789012:aipm-prod-alarms");
    const subscriptions = deployment.ofType("aws:sns/topicSubscription:TopicSubscription");
    expect(subscriptions.map((s) => [s.name, s.inputs])).toEqual([
      [
        "aipm-prod-alarms-ops-acme-example",
        { topic: outputs.alarmTopicArn, protocol: "email", endpoint: "ops@acme.example" },
      ],
      [
        "aipm-prod-alarms-on-call-acme-example",
        { topic: outputs.alarmTopicArn, protocol: "email", endpoint: "On.Call@acme.example" },
      ],
    ]);
  });

  it("notifies the topic and the configured topics from every notifying alarm, not from the scaling alarm", () => {
    const alarms = deployment.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    const notifying = alarms.filter((alarm) => alarm.name !== "aipm-prod-workers-queued-at-zero");
    expect(notifying.map((alarm) => alarm.name).sort()).toEqual([
      "aipm-prod-api-errors",
      "aipm-prod-api-throttles",
    ]);
    for (const alarm of notifying) {
      expect(alarm.inputs.alarmActions, alarm.name).toEqual([outputs.alarmTopicArn, pagerTopic]);
      expect(alarm.inputs.okActions, alarm.name).toEqual([outputs.alarmTopicArn, pagerTopic]);
    }
    const scaling = deployment.named("aipm-prod-workers-queued-at-zero").inputs.alarmActions as string[];
    // Its one action is the step policy that starts a worker.
    expect(scaling).toEqual([expect.stringContaining(":autoscaling:")]);
  });

  it("refuses an address that is not one, or one given twice", async () => {
    const { alarmTopic } = await import("./alarm-topic.ts");
    const parent = deployment as never;
    expect(() => alarmTopic("x", parent, { environment: "prod", emails: ["ops"] })).toThrow(
      /not an e-mail address/,
    );
    expect(() =>
      alarmTopic("x", parent, { environment: "prod", emails: ["ops@acme.example", "OPS@acme.example"] }),
    ).toThrow(/repeats an address/);
  });
});

describe("AipmEnvironment: GitHub", () => {
  it("gives the environment's own jobs the API's admin token as the secret AIPM_API_TOKEN", () => {
    expect(deployment.named("aipm-prod-github-secret-AIPM_API_TOKEN").inputs).toMatchObject({
      environment: "prod",
      secretName: "AIPM_API_TOKEN",
      plaintextValue: secretValues.apiToken,
    });
    expect(deployment.named("aipm-prod-github-secret-AIPM_API_TOKEN").secretPaths).toContain(
      "plaintextValue",
    );
  });
});

describe("AipmEnvironment: defaults", () => {
  it("leaves unset settings to the components' defaults, stated once in defaults.ts", () => {
    for (const secret of deployment.ofType("aws:secretsmanager/secret:Secret")) {
      expect(secret.inputs.recoveryWindowInDays).toBe(defaultSecretRecoveryWindowInDays);
    }
    const logGroups = deployment.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(logGroups.map((group) => group.inputs.name).sort()).toEqual([
      "/aipm/prod/api",
      "/aipm/prod/worker",
    ]);
    for (const group of logGroups) expect(group.inputs.retentionInDays).toBe(defaultLogRetentionDays);
    expect(deployment.named("aipm-prod-workers-template").inputs.instanceType).toBe(
      defaultWorkerInstanceType,
    );
    expect(deployment.named("aipm-prod-api-function").inputs.memorySize).toBe(defaultApiMemoryMb);
    expect(deployment.named("aipm-prod-web-cdn").inputs.priceClass).toBe(defaultPriceClass);
    expect(deployment.named("aipm-prod-github-deploy-from-default-branch").inputs.branchPattern).toBe(
      defaultGithubBranch,
    );
  });

  it("keeps both of its buckets private with the one helper's settings", () => {
    const buckets = deployment.ofType("aws:s3/bucket:Bucket").map((bucket) => bucket.name);
    expect(buckets.sort()).toEqual(["aipm-prod-web-bucket", "aipm-prod-workers-artifacts"]);
    for (const type of [
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ]) {
      expect(
        deployment
          .ofType(type)
          .map((resource) => resource.name)
          .sort(),
        type,
      ).toEqual(buckets);
    }
  });
});

describe("AipmEnvironment: secrets", () => {
  it("never puts a secret value in a plain-text input", () => {
    for (const resource of deployment.resources) {
      for (const value of Object.values(secretValues)) {
        expect(
          resource.plainStrings.some((text) => text.includes(value)),
          `${resource.name} leaks a secret`,
        ).toBe(false);
      }
    }
  });

  it("sends secret values only to Secrets Manager, the webhook and the GitHub provider", () => {
    const holders = deployment.resources
      .filter((resource) => resource.secretPaths.length > 0)
      .map((r) => r.type);
    expect(new Set(holders)).toEqual(
      new Set([
        "aws:secretsmanager/secretVersion:SecretVersion",
        // The API token, to the prod environment's jobs only.
        "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
        "github:index/repositoryWebhook:RepositoryWebhook",
        "pulumi:providers:github",
      ]),
    );
  });
});

describe("AipmEnvironment: policies", () => {
  it("passes every AIPM policy, as prod", () => {
    const custom = deployment.resources.filter((resource) => resource.custom);
    expect(policyViolations(custom, "prod")).toEqual([]);
    const governed = new Set(custom.map((resource) => resource.type));
    for (const type of [
      "aws:dynamodb/table:Table",
      "aws:lambda/function:Function",
      "aws:ec2/launchTemplate:LaunchTemplate",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:cloudwatch/logGroup:LogGroup",
    ]) {
      expect(governed).toContain(type);
    }
  });
});

describe("AipmEnvironment: configuration", () => {
  it("takes every setting as an argument: no component reads pulumi.Config", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const sources = readdirSync(new URL("..", import.meta.url), { recursive: true, encoding: "utf8" }).filter(
      (file) => file.endsWith(".ts") && !file.endsWith(".test.ts"),
    );
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      expect(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"), file).not.toMatch(/\bConfig\(/);
    }
  });
});

import { type TableLogicalName, tableLogicalNames } from "@aipm/shared";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBuildFixtures } from "./build-fixtures.ts";
import { type CapturedResource, outputValue, startMockDeployment } from "./mock-deployment.ts";
import { policyViolations } from "./policies.ts";
import { aipmStackProgram, type StackName, stackProfiles } from "./stack-program.ts";

const fixtures = writeBuildFixtures();
const secrets = {
  "aipm:githubToken": "ghp_stackProgramTestToken00000000000",
  "aipm:githubWebhookSecret": "stack-program-test-webhook-secret",
  "aipm:apiToken": "stack-program-test-admin-api-token",
  "aipm:githubAdminToken": "ghp_stackProgramTestAdminToken000000",
};
/** One configuration for both stacks, so that every difference between them is the program's. */
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
  "aipm:agents": JSON.stringify(["claude", "codex"]),
};

/** Runs the stack program of `stack` under mocks and returns its provider resources. */
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

/** A resource's type and name, and its inputs with its environment's name replaced by `ENV`, user data decoded. */
function normalized(resource: CapturedResource, stack: StackName) {
  const inputs = { ...resource.inputs };
  if (typeof inputs.userData === "string")
    inputs.userData = Buffer.from(inputs.userData, "base64").toString();
  const replace = (text: string) =>
    text
      .replaceAll(`aipm-${stack}`, "aipm-ENV")
      .replaceAll(`/aipm/${stack}/`, "/aipm/ENV/")
      .replaceAll(`aipm/${stack}/model/`, "aipm/ENV/model/")
      .replaceAll(`secret:aipm/${stack}/`, "secret:aipm/ENV/")
      .replaceAll(`AIPM ${stack}`, "AIPM ENV")
      .replaceAll(`(${stack})`, "(ENV)")
      .replaceAll(`"${stack}"`, '"ENV"')
      .replaceAll(`=${stack}\\n`, "=ENV\\n")
      .replaceAll(`_${stack.toUpperCase()}`, "_ENV");
  return {
    name: `${resource.type.split(":").at(-1)} ${replace(resource.name)}`,
    fields: {
      ...Object.fromEntries(
        Object.entries(inputs).map(([key, value]) => [key, replace(JSON.stringify(value) ?? "")]),
      ),
      "(protect)": String(resource.protect),
      "(retainOnDelete)": String(resource.retainOnDelete),
    } as Record<string, string>,
  };
}

/** Every input (and option) whose value differs between the stacks, by `<Type> <name> <input>`. */
function differences(dev: CapturedResource[], prod: CapturedResource[]): Record<string, unknown> {
  const index = (list: CapturedResource[], stack: StackName) =>
    new Map(list.map((resource) => normalized(resource, stack)).map(({ name, fields }) => [name, fields]));
  const [devIndex, prodIndex] = [index(dev, "dev"), index(prod, "prod")];
  const parse = (text: string | undefined) => (text ? (JSON.parse(text) as unknown) : undefined);
  const found: Record<string, unknown> = {};
  for (const name of new Set([...devIndex.keys(), ...prodIndex.keys()])) {
    const [devFields, prodFields] = [devIndex.get(name), prodIndex.get(name)];
    if (!devFields || !prodFields) {
      found[name] = devFields ? "dev only" : "prod only";
      continue;
    }
    for (const field of new Set([...Object.keys(devFields), ...Object.keys(prodFields)])) {
      if (devFields[field] !== prodFields[field]) {
        found[`${name} ${field}`] = { dev: parse(devFields[field]), prod: parse(prodFields[field]) };
      }
    }
  }
  return found;
}

let resources: Record<StackName, CapturedResource[]>;

/** The instance types the workers' group offers: the preferred one, then the fallbacks. */
const fleetTypes = (preferred: string) =>
  [preferred, "m7g.medium", "m6g.medium"].map((instanceType) => ({ instanceType }));

beforeAll(async () => {
  resources = { dev: await deploy("dev"), prod: await deploy("prod") };
});

describe("the stack program: dev and prod side by side", () => {
  it("builds the same environment for both but for exactly these differences", () => {
    const table = (logical: TableLogicalName) => `Table aipm-ENV-data-${logical}`;
    const secret = (suffix: string) => `Secret aipm-ENV-secrets-${suffix} recoveryWindowInDays`;
    expect(differences(resources.dev, resources.prod)).toEqual({
      // Tables: prod's are protected four ways, dev's not at all.
      ...Object.fromEntries(
        tableLogicalNames.flatMap((logical) => [
          [`${table(logical)} pointInTimeRecovery`, { dev: { enabled: false }, prod: { enabled: true } }],
          [`${table(logical)} deletionProtectionEnabled`, { dev: false, prod: true }],
          [`${table(logical)} (protect)`, { dev: false, prod: true }],
          [`${table(logical)} (retainOnDelete)`, { dev: false, prod: true }],
        ]),
      ),
      // Secrets: deleted at once in dev, recoverable for 30 days in prod.
      [secret("github-token")]: { dev: 0, prod: 30 },
      [secret("webhook-secret")]: { dev: 0, prod: 30 },
      [secret("api-token")]: { dev: 0, prod: 30 },
      [secret("model-anthropic-api-key")]: { dev: 0, prod: 30 },
      [secret("model-openai-api-key")]: { dev: 0, prod: 30 },
      // Logs: 14 days in dev, 90 in prod.
      "LogGroup aipm-ENV-api-logs retentionInDays": { dev: 14, prod: 90 },
      "LogGroup aipm-ENV-workers-logs retentionInDays": { dev: 14, prod: 90 },
      // Workers: 1 to 2 t4g.small in dev, 2 to 6 t4g.medium in prod.
      "Group aipm-ENV-workers-group minSize": { dev: 1, prod: 2 },
      "Group aipm-ENV-workers-group maxSize": { dev: 2, prod: 6 },
      "LaunchTemplate aipm-ENV-workers-template instanceType": { dev: "t4g.small", prod: "t4g.medium" },
      "Group aipm-ENV-workers-group mixedInstancesPolicy": {
        dev: expect.objectContaining({
          launchTemplate: expect.objectContaining({ overrides: fleetTypes("t4g.small") }),
        }),
        prod: expect.objectContaining({
          launchTemplate: expect.objectContaining({ overrides: fleetTypes("t4g.medium") }),
        }),
      },
      // The deploy role: each trusts only its own GitHub environment's jobs.
      "Role aipm-ENV-ci-deploy assumeRolePolicy": {
        dev: expect.stringContaining(
          '"token.actions.githubusercontent.com:sub":"repo:acme/aipm:environment:dev"',
        ),
        prod: expect.stringContaining(
          '"token.actions.githubusercontent.com:sub":"repo:acme/aipm:environment:prod"',
        ),
      },
      // GitHub: prod has required reviewers, deploys from the default branch only and owns its
      // ruleset; dev publishes the one AWS_REGION variable.
      "RepositoryEnvironment aipm-ENV-github-environment reviewers": {
        dev: [],
        prod: [{ users: [expect.any(Number)] }],
      },
      "RepositoryEnvironment aipm-ENV-github-environment deploymentBranchPolicy": {
        dev: undefined,
        prod: { customBranchPolicies: true, protectedBranches: false },
      },
      "RepositoryEnvironmentDeploymentPolicy aipm-ENV-github-deploy-from-default-branch": "prod only",
      "RepositoryRuleset aipm-ENV-github-default-branch": "prod only",
      "ActionsVariable aipm-ENV-github-var-AWS_REGION": "dev only",
    });
  });

  it("states those differences in one place, one profile per environment, each setting in both", () => {
    const paths = (value: unknown, prefix = ""): string[] =>
      value !== null && typeof value === "object"
        ? Object.entries(value).flatMap(([key, child]) => paths(child, `${prefix}${key}.`))
        : [prefix];
    expect(Object.keys(stackProfiles).sort()).toEqual(["dev", "prod"]);
    expect(paths(stackProfiles.dev).sort()).toEqual(paths(stackProfiles.prod).sort());
  });

  it("passes every AIPM policy in both stacks", () => {
    expect(policyViolations(resources.dev, "dev")).toEqual([]);
    expect(policyViolations(resources.prod, "prod")).toEqual([]);
  });

  it("lets config override a profile's defaults the same way in both stacks", async () => {
    for (const stack of ["dev", "prod"] as const) {
      const overridden = await deploy(stack, {
        "aipm:logRetentionDays": "7",
        "aipm:workerMaxSize": "4",
        "aipm:workerInstanceType": "m7g.large",
      });
      const named = (name: string) => overridden.find((resource) => resource.name === name)?.inputs;
      expect(named(`aipm-${stack}-api-logs`)?.retentionInDays, stack).toBe(7);
      expect(named(`aipm-${stack}-workers-group`)?.maxSize, stack).toBe(4);
      expect(named(`aipm-${stack}-workers-template`)?.instanceType, stack).toBe("m7g.large");
    }
  });

  it("installs the agents config names, at config's releases or the pins, with their model keys' secrets", async () => {
    for (const stack of ["dev", "prod"] as const) {
      const deployed = await deploy(stack, {
        "aipm:agents": JSON.stringify(["gemini"]),
        "aipm:agentVersions": JSON.stringify({ "@google/gemini-cli": "0.62.0" }),
        "aipm:modelKeys": JSON.stringify(["GOOGLE_API_KEY"]),
        "aipm:workerMinSize": "0",
        "aipm:workerFallbackInstanceTypes": JSON.stringify(["c7g.medium"]),
      });
      const named = (name: string) => deployed.find((resource) => resource.name === name)?.inputs;
      const script = Buffer.from(
        String(named(`aipm-${stack}-workers-template`)?.userData),
        "base64",
      ).toString();
      expect(script, stack).toMatch(/ @google\/gemini-cli@0\.62\.0$/m);
      const modelSecrets = deployed
        .map((resource) => String(resource.inputs.name ?? ""))
        .filter((name) => name.includes("/model/"));
      expect(modelSecrets.sort(), stack).toEqual([
        `aipm/${stack}/model/GEMINI_API_KEY`,
        `aipm/${stack}/model/GOOGLE_API_KEY`,
      ]);
      const group = named(`aipm-${stack}-workers-group`);
      expect(group?.minSize, stack).toBe(0);
      expect(
        group?.mixedInstancesPolicy.launchTemplate.overrides.map(
          (o: { instanceType: string }) => o.instanceType,
        ),
      ).toEqual([stackProfiles[stack].workers.instanceType, "c7g.medium"]);
    }
  });

  it("refuses an agent that does not install from npm, and a default agent that is not installed", async () => {
    for (const [extra, message] of [
      [{ "aipm:agents": '["kiro"]' }, /does not install from npm/],
      [{ "aipm:defaultAgent": "gemini" }, /default agent "gemini" is not installed/],
    ] as const) {
      await startMockDeployment({
        stack: "dev",
        config: { ...config, ...extra },
        secretKeys: Object.keys(secrets),
      });
      expect(() => aipmStackProgram("dev", new pulumi.Config("aipm"), fixtures.apiBundleDir)).toThrow(
        message,
      );
    }
  });

  it("reads the GitHub plan and the alarm e-mails, gives each environment's jobs its API token, outputs the alarm topic", async () => {
    for (const stack of ["dev", "prod"] as const) {
      const deployment = await startMockDeployment({
        stack,
        config: {
          ...config,
          "aipm:githubPlan": "team",
          "aipm:alarmEmails": JSON.stringify(["ops@acme.example"]),
          "aipm:alarmTopicArns": JSON.stringify(["arn:aws:sns:us-east-1:123456789012:acme-pager"]),
        },
        secretKeys: Object.keys(secrets),
      });
      const outputs = aipmStackProgram(stack, new pulumi.Config("aipm"), fixtures.apiBundleDir);
      await deployment.settle();
      const topic = `arn:aws:sns:us-east-1:123456789012:aipm-${stack}-alarms`;
      expect(await outputValue(outputs.alarmTopicArn), stack).toBe(topic);
      expect(deployment.named(`aipm-${stack}-alarms-ops-acme-example`).inputs).toEqual({
        topic,
        protocol: "email",
        endpoint: "ops@acme.example",
      });
      expect(deployment.named(`aipm-${stack}-api-errors`).inputs.alarmActions).toEqual([
        topic,
        "arn:aws:sns:us-east-1:123456789012:acme-pager",
      ]);
      // Team has environments but no required reviewers: prod's workflow holds the gate.
      expect(deployment.named(`aipm-${stack}-github-environment`).inputs.reviewers).toEqual([]);
      const gate = deployment.resources.find((r) => r.name === `aipm-${stack}-github-var-AIPM_PROD_GATE`);
      expect(gate?.inputs.value, stack).toBe(stack === "prod" ? "workflow" : undefined);
      expect(deployment.named(`aipm-${stack}-github-secret-AIPM_API_TOKEN`).inputs).toMatchObject({
        environment: stack,
        plaintextValue: secrets["aipm:apiToken"],
      });
      // The repository's administration uses the admin token, never the workers' token.
      expect(deployment.named(`aipm-${stack}-github-provider`).inputs.token).toBe(
        secrets["aipm:githubAdminToken"],
      );
    }
  });

  it("refuses a stack without aipm:githubAdminToken (the workers' token is never used instead), and an unknown plan", async () => {
    const { "aipm:githubAdminToken": _admin, ...withoutAdmin } = config;
    for (const [stackConfig, message] of [
      [withoutAdmin, /aipm:githubAdminToken is required/],
      [{ ...config, "aipm:githubPlan": "pro" }, /aipm:githubPlan must be one of free, team, enterprise/],
    ] as const) {
      await startMockDeployment({ stack: "dev", config: stackConfig, secretKeys: Object.keys(secrets) });
      expect(() => aipmStackProgram("dev", new pulumi.Config("aipm"), fixtures.apiBundleDir)).toThrow(
        message,
      );
    }
  });

  it("turns on the API's AI actions from config: Bedrock's model granted, Anthropic's key kept as a secret", async () => {
    for (const stack of ["dev", "prod"] as const) {
      const bedrock = await deploy(stack, {
        "aipm:aiProvider": "bedrock",
        "aipm:aiModel": "anthropic.claude-haiku-4-5-20251001-v1:0",
      });
      const named = (list: CapturedResource[], name: string) => list.find((r) => r.name === name)?.inputs;
      expect(named(bedrock, `aipm-${stack}-api-function`)?.environment.variables, stack).toMatchObject({
        AIPM_AI_PROVIDER: "bedrock",
        AIPM_AI_MODEL: "anthropic.claude-haiku-4-5-20251001-v1:0",
      });
      expect(named(bedrock, `aipm-${stack}-api-access`)?.policy, stack).toContain(
        '"Resource":["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"]',
      );

      const deployment = await startMockDeployment({
        stack,
        config: { ...config, "aipm:aiProvider": "anthropic", "aipm:aiApiKey": "sk-ant-stackProgramKey00" },
        secretKeys: [...Object.keys(secrets), "aipm:aiApiKey"],
      });
      aipmStackProgram(stack, new pulumi.Config("aipm"), fixtures.apiBundleDir);
      await deployment.settle();
      const version = deployment
        .ofType("aws:secretsmanager/secretVersion:SecretVersion")
        .find((resource) => resource.name === `aipm-${stack}-secrets-ai-api-key`);
      expect(version?.inputs.secretString, stack).toBe("sk-ant-stackProgramKey00");
      expect(version?.secretPaths, stack).toContain("secretString");
      const variables = deployment.named(`aipm-${stack}-api-function`).inputs.environment.variables;
      expect(variables.AIPM_AI_API_KEY_SECRET_ARN, stack).toMatch(/:secret:aipm-.+-secrets-ai-api-key-/);
      for (const resource of deployment.resources) {
        expect(resource.plainStrings.join("\n"), resource.name).not.toContain("sk-ant-stackProgramKey00");
      }
    }
  });

  it("refuses AI settings the API could not use, before any resource", async () => {
    for (const [extra, message] of [
      [{ "aipm:aiProvider": "gemini" }, /aipm:aiProvider must be one of anthropic, openai, bedrock/],
      [{ "aipm:aiProvider": "openai" }, /aipm:aiApiKey is required with openai/],
      [{ "aipm:aiModel": "gpt-5" }, /need aipm:aiProvider/],
      [{ "aipm:aiProvider": "bedrock", "aipm:aiApiKey": "sk-x" }, /aipm:aiApiKey is not used with bedrock/],
    ] as const) {
      await startMockDeployment({
        stack: "dev",
        config: { ...config, ...extra },
        secretKeys: [...Object.keys(secrets), "aipm:aiApiKey"],
      });
      expect(() => aipmStackProgram("dev", new pulumi.Config("aipm"), fixtures.apiBundleDir)).toThrow(
        message,
      );
    }
  });

  it("refuses to deploy prod without at least one reviewer", async () => {
    await startMockDeployment({
      stack: "prod",
      config: { ...config, "aipm:prodReviewers": "[]" },
      secretKeys: Object.keys(secrets),
    });
    expect(() => aipmStackProgram("prod", new pulumi.Config("aipm"), fixtures.apiBundleDir)).toThrow(
      "aipm:prodReviewers must list at least one GitHub user who approves prod deployments.",
    );
  });
});

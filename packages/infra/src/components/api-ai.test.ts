/**
 * @module components/api-ai.test: the API function with its AI actions turned on, under mocks: on
 * Bedrock its role may invoke the one configured model; on Anthropic or OpenAI it reads the key's
 * secret by ARN and may invoke no Bedrock model.
 */
import { readFileSync } from "node:fs";
import { defaultAiModels } from "@aipm/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { modelInvokeActions } from "../access-policies.ts";
import { writeBuildFixtures } from "../build-fixtures.ts";
import { type MockDeployment, mockAccount, mockRegion, startMockDeployment } from "../mock-deployment.ts";

const secrets = (env: string) => ({
  githubToken: `arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-${env}-github-token-AbCdEf`,
  webhookSecret: `arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-${env}-webhook-secret-AbCdEf`,
  apiToken: `arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-${env}-api-token-AbCdEf`,
});
const keySecret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-ant-ai-api-key-AbCdEf";

/** The variable names packages/api/src/env.ts reads (the keys of its zod schema). */
function apiEnvKeys(): string[] {
  const source = readFileSync(new URL("../../../api/src/env.ts", import.meta.url), "utf8");
  return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] ?? "");
}

let deployment: MockDeployment;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { Api } = await import("./api.ts");
  const fixtures = writeBuildFixtures();
  const common = { version: "1", bundleDir: fixtures.apiBundleDir, tableArns: [] };
  new Api("aipm-br-api", {
    ...common,
    environment: "br",
    secrets: secrets("br"),
    ai: { provider: "bedrock" },
  });
  new Api("aipm-ant-api", {
    ...common,
    environment: "ant",
    secrets: secrets("ant"),
    timeoutSeconds: 15,
    ai: {
      provider: "anthropic",
      baseUrl: "https://llm-gateway.example/anthropic",
      apiKeySecretArn: keySecret,
    },
  });
  await deployment.settle();
});

const variables = (env: string) =>
  deployment.named(`aipm-${env}-api-function`).inputs.environment.variables as Record<string, string>;
const statements = (env: string) =>
  Object.fromEntries(
    (
      JSON.parse(deployment.named(`aipm-${env}-api-access`).inputs.policy).Statement as {
        Sid: string;
        Action: string[];
        Resource: string[];
      }[]
    ).map((statement) => [statement.Sid, statement]),
  );

describe("Api: AI actions on Bedrock", () => {
  it("tells the API its provider and model (the default, spelled out), variables the API reads", () => {
    const ai = Object.fromEntries(
      Object.entries(variables("br")).filter(([key]) => key.startsWith("AIPM_AI_")),
    );
    expect(ai).toEqual({
      AIPM_AI_PROVIDER: "bedrock",
      AIPM_AI_MODEL: defaultAiModels.bedrock,
      // The function's 60 s less 5: the API says the model timed out before Lambda cuts it off.
      AIPM_AI_TIMEOUT_MS: "55000",
    });
    for (const key of Object.keys(ai)) expect(apiEnvKeys()).toContain(key);
  });

  it("lets the role invoke that model alone: its inference profile here, its foundation model where the profile routes", () => {
    const model = defaultAiModels.bedrock;
    expect(statements("br").Models).toEqual({
      Sid: "Models",
      Effect: "Allow",
      Action: [...modelInvokeActions],
      Resource: [
        `arn:aws:bedrock:${mockRegion}:${mockAccount}:inference-profile/${model}`,
        `arn:aws:bedrock:*::foundation-model/${model.replace(/^us\./, "")}`,
      ],
    });
    expect(statements("br").Models?.Action).toContain("bedrock:InvokeModelWithResponseStream");
    // No key to read: Bedrock takes the role's credentials.
    expect(statements("br").Secrets?.Resource).toEqual(Object.values(secrets("br")));
  });
});

describe("Api: AI actions on Anthropic (or OpenAI)", () => {
  it("hands the API the key's secret by ARN, never a key, and lets the role read that secret", () => {
    expect(variables("ant")).toMatchObject({
      AIPM_AI_PROVIDER: "anthropic",
      AIPM_AI_MODEL: defaultAiModels.anthropic,
      AIPM_AI_BASE_URL: "https://llm-gateway.example/anthropic",
      AIPM_AI_API_KEY_SECRET_ARN: keySecret,
      AIPM_AI_TIMEOUT_MS: "10000",
    });
    expect(variables("ant")).not.toHaveProperty("AIPM_AI_API_KEY");
    expect(statements("ant").Secrets?.Resource).toEqual([...Object.values(secrets("ant")), keySecret]);
  });

  it("grants no Bedrock model", () => {
    expect(statements("ant")).not.toHaveProperty("Models");
    const actions = Object.values(statements("ant")).flatMap((statement) => statement.Action);
    expect(actions.some((action) => action.startsWith("bedrock:"))).toBe(false);
  });
});

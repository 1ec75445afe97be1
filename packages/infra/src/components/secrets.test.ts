import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { type MockDeployment, outputValue, startMockDeployment } from "../mock-deployment.ts";

const values = {
  githubToken: "ghp_secretsTestToken0000000000000000",
  webhookSecret: "webhook-secret-for-secrets-test",
  apiToken: "api-token-for-secrets-test-0000",
};
let deployment: MockDeployment;
let arns: string[];
let modelKeyArns: Record<string, string>;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { Secrets } = await import("./secrets.ts");
  // Plain inputs on purpose: the component must make them secret itself.
  const secrets = new Secrets("aipm-dev-secrets", {
    ...values,
    recoveryWindowInDays: 0,
    environment: "dev",
    modelKeys: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"],
  });
  await deployment.settle();
  modelKeyArns = await outputValue(pulumi.output(secrets.modelKeyArns));
  arns = await outputValue(
    pulumi.all([secrets.githubTokenArn, secrets.webhookSecretArn, secrets.apiTokenArn]),
  );
});

describe("Secrets", () => {
  it("stores each value in its own Secrets Manager secret, as a Pulumi secret", () => {
    const versions = deployment.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    expect(versions.map((version) => version.inputs.secretString).sort()).toEqual(
      Object.values(values).sort(),
    );
    for (const version of versions) {
      expect(version.secretPaths).toEqual(["secretString"]);
    }
  });

  it("keeps every value out of plain-text inputs", () => {
    for (const resource of deployment.resources) {
      for (const value of Object.values(values)) {
        expect(resource.plainStrings.some((text) => text.includes(value))).toBe(false);
      }
    }
  });

  it("gives out ARNs only, and takes the recovery window it is given", () => {
    expect(arns).toHaveLength(3);
    expect(Object.keys(modelKeyArns).sort()).toEqual(["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]);
    for (const arn of arns) expect(arn).toMatch(/^arn:aws:secretsmanager:/);
    for (const secret of deployment.ofType("aws:secretsmanager/secret:Secret")) {
      expect(secret.inputs.recoveryWindowInDays).toBe(0);
    }
  });
});

describe("Secrets: model keys", () => {
  it("creates one secret per model key, named aipm/<env>/model/<KEY>, with no value of Pulumi's", () => {
    const model = deployment
      .ofType("aws:secretsmanager/secret:Secret")
      .filter((secret) => String(secret.inputs.name ?? "").includes("/model/"));
    expect(model.map((secret) => secret.inputs.name).sort()).toEqual([
      "aipm/dev/model/ANTHROPIC_API_KEY",
      "aipm/dev/model/OPENAI_API_KEY",
    ]);
    expect(model.map((secret) => secret.name).sort()).toEqual([
      "aipm-dev-secrets-model-anthropic-api-key",
      "aipm-dev-secrets-model-openai-api-key",
    ]);
    expect(deployment.ofType("aws:secretsmanager/secretVersion:SecretVersion")).toHaveLength(3);
    expect(modelKeyArns.ANTHROPIC_API_KEY).toMatch(
      /^arn:aws:secretsmanager:[^:]+:\d+:secret:aipm\/dev\/model\/ANTHROPIC_API_KEY-/,
    );
  });

  it("refuses a key that is no variable name, and keys without an environment", async () => {
    const { Secrets } = await import("./secrets.ts");
    expect(
      () => new Secrets("bad-key", { ...values, environment: "dev", modelKeys: ["anthropic key"] }),
    ).toThrow(/environment variable names/);
    expect(() => new Secrets("no-env", { ...values, modelKeys: ["ANTHROPIC_API_KEY"] })).toThrow(
      /environment/,
    );
  });
});

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

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { Secrets } = await import("./secrets.ts");
  // Plain inputs on purpose: the component must make them secret itself.
  const secrets = new Secrets("aipm-dev-secrets", { ...values, recoveryWindowInDays: 0 });
  await deployment.settle();
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
    for (const arn of arns) expect(arn).toMatch(/^arn:aws:secretsmanager:/);
    for (const secret of deployment.ofType("aws:secretsmanager/secret:Secret")) {
      expect(secret.inputs.recoveryWindowInDays).toBe(0);
    }
  });
});

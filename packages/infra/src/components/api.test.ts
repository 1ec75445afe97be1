import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBuildFixtures } from "../build-fixtures.ts";
import { type MockDeployment, outputValue, startMockDeployment } from "../mock-deployment.ts";
import type { Api as ApiComponent } from "./api.ts";

const tableArns = [
  "arn:aws:dynamodb:us-east-1:123456789012:table/aipm-dev-tasks",
  "arn:aws:dynamodb:us-east-1:123456789012:table/aipm-dev-stories",
];
const secrets = {
  githubToken: "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-dev-github-token-AbCdEf",
  webhookSecret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-dev-webhook-secret-AbCdEf",
  apiToken: "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-dev-api-token-AbCdEf",
};

/** The variable names packages/api/src/env.ts reads (the keys of its zod schema). */
function apiEnvKeys(): string[] {
  const source = readFileSync(new URL("../../../api/src/env.ts", import.meta.url), "utf8");
  return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] ?? "");
}

let deployment: MockDeployment;
let api: ApiComponent;
const fixtures = writeBuildFixtures();

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { Api } = await import("./api.ts");
  api = new Api("aipm-dev-api", {
    environment: "dev",
    version: "1.2.3",
    commit: "abc1234",
    bundleDir: fixtures.apiBundleDir,
    tableArns,
    secrets,
    logRetentionDays: 14,
    alarmActions: ["arn:aws:sns:us-east-1:123456789012:aipm-alarms"],
    defaultAgent: "claude",
    permissionsBoundary: "arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary",
  });
  await deployment.settle();
});

describe("Api: the function", () => {
  it("runs the bundle on nodejs22.x arm64 with handler index.handler", async () => {
    const fn = deployment.named("aipm-dev-api-function");
    expect(fn.inputs).toMatchObject({
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      memorySize: 1024,
      timeout: 60,
    });
    expect(await fn.inputs.code.path).toBe(fixtures.apiBundleDir);
    expect(fn.inputs.role).toBe("arn:aws:iam::123456789012:role/aipm-dev-api-role-0000000");
  });

  it("sets the environment, version and secret ARNs the API reads, never a secret value", () => {
    const variables = deployment.named("aipm-dev-api-function").inputs.environment.variables as Record<
      string,
      string
    >;
    expect(variables).toMatchObject({
      AIPM_ENV: "dev",
      AIPM_VERSION: "1.2.3",
      AIPM_COMMIT: "abc1234",
      AIPM_GITHUB_TOKEN_SECRET_ARN: secrets.githubToken,
      AIPM_GITHUB_WEBHOOK_SECRET_ARN: secrets.webhookSecret,
      AIPM_API_TOKEN_SECRET_ARN: secrets.apiToken,
    });
    const read = apiEnvKeys();
    expect(read).toContain("AIPM_API_TOKEN_SECRET_ARN");
    for (const key of Object.keys(variables).filter((key) => key !== "NODE_OPTIONS"))
      expect(read).toContain(key);
    for (const direct of ["AIPM_GITHUB_TOKEN", "AIPM_GITHUB_WEBHOOK_SECRET", "AIPM_API_TOKEN"]) {
      expect(variables).not.toHaveProperty(direct);
    }
    // No AI settings given: the AI actions stay off (api-ai.test.ts turns them on).
    expect(Object.keys(variables).filter((key) => key.startsWith("AIPM_AI_"))).toEqual([]);
  });

  it("logs as JSON to its own log group, kept for the given days", () => {
    expect(deployment.named("aipm-dev-api-logs").inputs).toMatchObject({
      name: "/aipm/dev/api",
      retentionInDays: 14,
    });
    expect(deployment.named("aipm-dev-api-function").inputs.loggingConfig).toEqual({
      logFormat: "JSON",
      logGroup: "/aipm/dev/api",
    });
  });

  it("has a Function URL that requires IAM auth, so only CloudFront can call it", () => {
    expect(deployment.named("aipm-dev-api-url").inputs).toMatchObject({ authorizationType: "AWS_IAM" });
  });

  it("streams the Function URL's responses (the live task events), not buffers them", () => {
    expect(deployment.named("aipm-dev-api-url").inputs).toMatchObject({
      functionName: "aipm-dev-api-function-0000000",
      invokeMode: "RESPONSE_STREAM",
    });
  });
});

describe("Api: least privilege", () => {
  const statements = () =>
    JSON.parse(deployment.named("aipm-dev-api-access").inputs.policy).Statement as {
      Sid: string;
      Action: string[];
      Resource: string[];
    }[];

  it("lets the role trust only Lambda", () => {
    expect(JSON.parse(deployment.named("aipm-dev-api-role").inputs.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com"] }, Action: ["sts:AssumeRole"] },
    ]);
  });

  it("grants exactly the given tables (with their indexes), secrets and log group", () => {
    const bySid = Object.fromEntries(statements().map((statement) => [statement.Sid, statement]));
    expect(Object.keys(bySid).sort()).toEqual(["Logs", "Secrets", "Tables"]);
    expect(bySid.Tables?.Resource).toEqual(tableArns.flatMap((arn) => [arn, `${arn}/index/*`]));
    expect(bySid.Secrets?.Resource).toEqual(Object.values(secrets));
    expect(bySid.Secrets?.Action).toEqual(["secretsmanager:GetSecretValue"]);
    const logGroupArn = "arn:aws:logs:us-east-1:123456789012:log-group:/aipm/dev/api";
    expect(bySid.Logs?.Resource).toEqual([logGroupArn, `${logGroupArn}:*`]);
    expect(bySid.Tables?.Action).not.toContain("dynamodb:DeleteTable");
  });

  it("grants no cloudwatch:PutMetricData: the queue metrics go out as EMF log lines", () => {
    expect(statements().flatMap((statement) => statement.Action)).not.toContain("cloudwatch:PutMetricData");
    expect(statements().flatMap((statement) => statement.Resource)).not.toContain("*");
  });
});

describe("Api: housekeeping schedule", () => {
  const functionArn = "arn:aws:lambda:us-east-1:123456789012:function:aipm-dev-api-function-0000000";

  it("has an EventBridge rule firing once a minute", () => {
    const rules = deployment.ofType("aws:cloudwatch/eventRule:EventRule");
    expect(rules.map((rule) => rule.name)).toEqual(["aipm-dev-api-housekeeping"]);
    expect(rules[0]?.inputs).toMatchObject({ scheduleExpression: "rate(1 minute)" });
    expect(rules[0]?.inputs).not.toHaveProperty("eventPattern");
  });

  it("targets the API function with the rule's own Scheduled Event", () => {
    const targets = deployment.ofType("aws:cloudwatch/eventTarget:EventTarget");
    expect(targets.map((target) => target.name)).toEqual(["aipm-dev-api-housekeeping-target"]);
    expect(targets[0]?.inputs).toMatchObject({ rule: "aipm-dev-api-housekeeping-0000000", arn: functionArn });
    // A custom input would replace the Scheduled Event the handler recognises.
    for (const key of ["input", "inputPath", "inputTransformer"])
      expect(targets[0]?.inputs).not.toHaveProperty(key);
  });

  it("lets only EventBridge, and only from that rule, invoke the function", async () => {
    const permissions = deployment.ofType("aws:lambda/permission:Permission");
    expect(permissions.map((permission) => permission.name)).toEqual(["aipm-dev-api-housekeeping-invoke"]);
    expect(permissions[0]?.inputs).toEqual({
      function: "aipm-dev-api-function-0000000",
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: await outputValue(api.housekeepingSchedule.arn),
    });
    expect(permissions[0]?.inputs.sourceArn).toMatch(/housekeeping/);
  });
});

describe("Api: the default agent and the boundary", () => {
  it("tells the API its default agent (AIPM_AGENT), a variable the API reads", () => {
    expect(deployment.named("aipm-dev-api-function").inputs.environment.variables.AIPM_AGENT).toBe("claude");
    expect(apiEnvKeys()).toContain("AIPM_AGENT");
  });

  it("puts its role under the given permissions boundary", () => {
    expect(deployment.named("aipm-dev-api-role").inputs.permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary",
    );
  });
});

describe("Api: alarms", () => {
  it.each([
    ["errors", "Errors", 5],
    ["throttles", "Throttles", 1],
  ])("alarms on %s of the function", (suffix, metricName, threshold) => {
    const alarm = deployment.named(`aipm-dev-api-${suffix}`);
    expect(alarm.inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName,
      statistic: "Sum",
      threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      alarmActions: ["arn:aws:sns:us-east-1:123456789012:aipm-alarms"],
    });
    expect(alarm.inputs.dimensions).toEqual({ FunctionName: "aipm-dev-api-function-0000000" });
  });
});

describe("Api: arguments", () => {
  it("refuses a missing bundle, naming the build", async () => {
    const { Api } = await import("./api.ts");
    expect(
      () =>
        new Api("aipm-x-api", {
          environment: "x",
          version: "1",
          bundleDir: "/nonexistent",
          tableArns,
          secrets,
        }),
    ).toThrow(/build it first \(pnpm --filter @aipm\/api build\)/);
  });
});

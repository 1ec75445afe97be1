/**
 * The record of AWS calls (for the IAM contract test): what a recorded client appends, on dynalite
 * and against a fake Secrets Manager, and that it records nothing unless AIPM_AWS_CALL_LOG is set.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AwsCall, awsCallLogVariable, callResources, parseAwsCalls } from "./aws-call-log.ts";
import { createDynamo, type Dynamo, ensureTables, recordDynamoCalls } from "./dynamo.ts";
import { type LocalDynamo, startLocalDynamo } from "./local-dynamo.ts";
import { secretSource } from "./secrets.ts";

let local: LocalDynamo;
let harness: Dynamo;
let logFile = "";
const saved = { ...process.env };

beforeAll(async () => {
  local = await startLocalDynamo();
  harness = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `calls${process.pid}`);
  await ensureTables(harness);
});
afterAll(() => local.close());
afterEach(() => {
  process.env = { ...saved };
});

/** A fresh log file named by AIPM_AWS_CALL_LOG; `calls()` reads what it holds. */
function startLog() {
  logFile = join(mkdtempSync(join(tmpdir(), "aipm-calls-")), "calls.jsonl");
  process.env[awsCallLogVariable] = logFile;
  return { calls: (): AwsCall[] => parseAwsCalls(readFileSync(logFile, "utf8")) };
}

describe("recordDynamoCalls", () => {
  it("is the given Dynamo itself when AIPM_AWS_CALL_LOG is not set", () => {
    delete process.env[awsCallLogVariable];
    expect(recordDynamoCalls(harness, "api")).toBe(harness);
  });

  it("records each distinct call of the wrapped clients once, failed ones too, and none of the harness's", async () => {
    const log = startLog();
    const api = recordDynamoCalls(harness, "api");
    const { tasks, taskEvents, stories } = harness.tables;
    await api.doc.send(
      new PutCommand({ TableName: tasks, Item: { pk: "t1", status: "queued", createdAt: "1" } }),
    );
    await api.doc.send(
      new PutCommand({ TableName: tasks, Item: { pk: "t2", status: "queued", createdAt: "2" } }),
    );
    await harness.doc.send(new PutCommand({ TableName: stories, Item: { pk: "p", sk: "META" } }));
    await api.doc.send(
      new QueryCommand({
        TableName: tasks,
        IndexName: "byStatus",
        KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":s": "queued" },
      }),
    );
    await api.doc.send(new BatchGetCommand({ RequestItems: { [tasks]: { Keys: [{ pk: "t1" }] } } }));
    const failing = new TransactWriteCommand({
      TransactItems: [
        {
          ConditionCheck: {
            TableName: tasks,
            Key: { pk: "t1" },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName: taskEvents, Item: { pk: "t1", seq: 1 } } },
      ],
    });
    await expect(api.doc.send(failing)).rejects.toThrow();
    await api.client.send(new DescribeTableCommand({ TableName: stories }));

    expect(log.calls()).toEqual([
      { process: "api", service: "dynamodb", command: "PutItem", resources: [`table/${tasks}`] },
      { process: "api", service: "dynamodb", command: "Query", resources: [`table/${tasks}/index/byStatus`] },
      { process: "api", service: "dynamodb", command: "BatchGetItem", resources: [`table/${tasks}`] },
      {
        process: "api",
        service: "dynamodb",
        command: "TransactWriteItems",
        resources: [`table/${taskEvents}`, `table/${tasks}`].sort(),
        parts: [
          { operation: "ConditionCheck", resource: `table/${tasks}` },
          { operation: "Put", resource: `table/${taskEvents}` },
        ],
      },
      { process: "api", service: "dynamodb", command: "DescribeTable", resources: [`table/${stories}`] },
    ]);
  });

  it("tags the calls with the process whose wrapper sent them, on one shared client", async () => {
    const log = startLog();
    const item = { TableName: harness.tables.workers, Item: { pk: "w1" } };
    await recordDynamoCalls(harness, "api").doc.send(new PutCommand(item));
    await recordDynamoCalls(harness, "worker").doc.send(new PutCommand(item));
    expect(log.calls().map((call) => call.process)).toEqual(["api", "worker"]);
  });
});

describe("secretSource", () => {
  let server: Server;
  const requests: unknown[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        requests.push(JSON.parse(body));
        response.setHeader("content-type", "application/x-amz-json-1.1");
        response.end(JSON.stringify({ SecretString: " s3cret \n" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("records the read of a secret by ARN as its caller's", async () => {
    const log = startLog();
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-test-secrets-api-token-AbCdEf";
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = "local";
    process.env.AWS_SECRET_ACCESS_KEY = "local";
    expect(await secretSource("us-east-1", undefined, arn, undefined, "api")()).toBe("s3cret");
    expect(requests).toEqual([{ SecretId: arn }]);
    expect(log.calls()).toEqual([
      { process: "api", service: "secretsmanager", command: "GetSecretValue", resources: [arn] },
    ]);
  });
});

describe("callResources", () => {
  it("names the tables of batches and transactions, secrets, and other services' name fields (Bedrock's model)", () => {
    expect(callResources("dynamodb", { RequestItems: { b: [], a: [] } })).toEqual({
      resources: ["table/a", "table/b"],
    });
    expect(
      callResources("dynamodb", {
        TransactItems: [
          { Get: { TableName: "a" } },
          { Get: { TableName: "a" } },
          { Get: { TableName: "b" } },
        ],
      }),
    ).toEqual({
      resources: ["table/a", "table/b"],
      parts: [
        { operation: "Get", resource: "table/a" },
        { operation: "Get", resource: "table/b" },
      ],
    });
    expect(callResources("secretsmanager", { SecretId: "s" })).toEqual({ resources: ["s"] });
    expect(
      callResources("autoscaling", { AutoScalingGroupName: "g", LifecycleHookName: "h", InstanceId: "i" }),
    ).toEqual({ resources: ["AutoScalingGroupName=g", "LifecycleHookName=h"] });
    expect(
      callResources("bedrock", { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", messages: [] }),
    ).toEqual({ resources: ["modelId=us.anthropic.claude-sonnet-4-5-20250929-v1:0"] });
  });
});

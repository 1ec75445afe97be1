/**
 * @module lambda-bundle: the built Lambda bundle, loaded in a fresh Node process under a fake of
 * the Lambda runtime's response streaming (lambda-stream-runtime.ts), answers Function URL events
 * (payload format 2.0) and runs housekeeping on EventBridge Scheduled Events, against a local
 * DynamoDB. The live event stream itself is lambda-stream.test.ts's subject.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createDynamo, type Dynamo, dynamoTaskStore, ensureTables } from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { queuedTaskAt } from "./fixtures.ts";
import { readAll, type StreamingLambda, startStreamingLambda } from "./lambda-stream-runtime.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = new URL("../dist/lambda/index.mjs", import.meta.url);
/**
 * bench/project-read.ts's target for the Lambda bundle: at most 1.4 MB. It was 1 MB until the AI
 * actions brought the three providers' official SDKs (Anthropic's Messages client alone, OpenAI's,
 * Bedrock Runtime's: about 350 KB minified together).
 */
const BUNDLE_LIMIT = 1_400_000;
const TOKEN = "lambda-bundle-admin-token-0123456789";
const ENVIRONMENT = `lambda-${process.pid % 100_000}`;
const DOMAIN = "abc123example.lambda-url.us-east-1.on.aws";

/** What a Function URL in RESPONSE_STREAM mode answers, the body read to its end. */
interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  cookies: string[];
}

/** Invokes the bundle with an HTTP event and reads the whole streamed response. */
async function request(event: unknown): Promise<FunctionUrlResult> {
  const invocation = lambda.invoke(event);
  const response = await invocation.response();
  const { text } = await readAll(response);
  expect(await invocation.outcome).toEqual({ timedOut: false });
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    cookies: response.cookies,
    body: text,
  };
}

/** A Lambda Function URL event (payload format 2.0), as AWS sends it. */
function functionUrlEvent(
  method: string,
  rawPath: string,
  options: { query?: string; headers?: Record<string, string>; body?: string; base64?: boolean } = {},
) {
  const now = new Date();
  const body =
    options.body === undefined
      ? {}
      : { body: options.base64 ? Buffer.from(options.body).toString("base64") : options.body };
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: options.query ?? "",
    headers: {
      host: DOMAIN,
      "user-agent": "lambda-bundle-test",
      "x-amzn-trace-id": `Root=1-${randomUUID().slice(0, 8)}`,
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-proto": "https",
      "x-forwarded-port": "443",
      ...options.headers,
    },
    requestContext: {
      accountId: "anonymous",
      apiId: "abc123example",
      domainName: DOMAIN,
      domainPrefix: "abc123example",
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "lambda-bundle-test",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...body,
    isBase64Encoded: options.base64 === true,
  };
}

/** An EventBridge Scheduled Event, as the housekeeping rule (`rate(1 minute)`) sends it. */
function scheduledEvent() {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    region: "us-east-1",
    resources: ["arn:aws:events:us-east-1:123456789012:rule/aipm-dev-api-housekeeping-0000000"],
    detail: {},
  };
}

const json = (result: FunctionUrlResult) => JSON.parse(result.body) as Record<string, unknown>;

const parseLine = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/**
 * What the bundle writes for a non-HTTP `event` (JSON, as a synchronous Invoke would return it),
 * the lines it logged before it was done, and a wait for a log record: pino writes
 * asynchronously, so its records may follow the answer.
 */
async function invokeAndCapture(event: unknown) {
  const before = lambda.output.length;
  const invocation = lambda.invoke(event);
  const bytes = await invocation.bytes();
  expect(await invocation.outcome).toEqual({ timedOut: false });
  expect(await invocation.contentType).toBe("application/json");
  return {
    result: JSON.parse(bytes.toString("utf8")) as unknown,
    lines: lambda.output.slice(before),
    logged: (record: Record<string, unknown>) =>
      vi.waitFor(() => expect(lambda.output.slice(before).map(parseLine)).toContainEqual(record), {
        timeout: 5_000,
      }),
  };
}

let local: LocalDynamo;
let dynamo: Dynamo;
let lambda: StreamingLambda;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ["build.mjs"], { cwd: PACKAGE_DIR });
  local = await startLocalDynamo();
  dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, ENVIRONMENT);
  await ensureTables(dynamo);
  lambda = await startStreamingLambda({
    AIPM_ENV: ENVIRONMENT,
    AIPM_DYNAMODB_ENDPOINT: local.endpoint,
    AIPM_API_TOKEN: TOKEN,
  });
}, 60_000);

afterAll(async () => {
  await lambda?.stop();
  await local?.close();
});

describe("the Lambda bundle", () => {
  it(`is one file of at most ${BUNDLE_LIMIT / 1_000_000} MB whose handler the runtime streams`, () => {
    // startStreamingLambda refuses a handler without the runtime's streaming mark.
    expect(statSync(BUNDLE).size).toBeLessThanOrEqual(BUNDLE_LIMIT);
  });

  it("answers GET /health with 200 and a passing DynamoDB check", async () => {
    const result = await request(functionUrlEvent("GET", "/health"));
    expect(result).toMatchObject({ statusCode: 200 });
    expect(result.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(result)).toMatchObject({
      status: "ok",
      version: "0.0.0-dev",
      checks: { dynamodb: { status: "ok" } },
    });
  });

  it("answers GET /api/projects without a token with a 401 problem document", async () => {
    const result = await request(functionUrlEvent("GET", "/api/projects"));
    expect(result).toMatchObject({ statusCode: 401 });
    expect(result.headers["content-type"]).toBe("application/problem+json");
    expect(result.headers["www-authenticate"]).toMatch(/^Bearer /);
    expect(json(result)).toMatchObject({
      type: "https://aipm.dev/problems/unauthorized",
      title: "Unauthorized",
      status: 401,
      detail: expect.stringContaining("Authorization: Bearer"),
    });
  });

  it("creates a project with POST /api/projects (201) and reads it back with GET", async () => {
    const created = await request(
      functionUrlEvent("POST", "/api/projects", {
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "Shop",
          repository: { provider: "github", owner: "acme", name: "shop" },
        }),
      }),
    );
    expect(created).toMatchObject({ statusCode: 201 });
    expect(created.headers["content-type"]).toMatch(/^application\/json/);
    const project = json(created);
    expect(project).toMatchObject({
      id: expect.stringMatching(/^prj_[0-9a-z]{26}$/),
      name: "Shop",
      description: "",
      version: 1,
      repository: {
        provider: "github",
        owner: "acme",
        name: "shop",
        defaultBranch: "main",
        cloneUrl: "https://github.com/acme/shop.git",
      },
    });

    const read = await request(
      functionUrlEvent("GET", `/api/projects/${project.id}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(read).toMatchObject({ statusCode: 200 });
    expect(read.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(read)).toEqual(project);
  });

  it("takes a base64-encoded body and a query string, as Function URLs may send them", async () => {
    const created = await request(
      functionUrlEvent("POST", "/api/projects", {
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "Café ☕",
          repository: { provider: "github", owner: "acme", name: "cafe" },
        }),
        base64: true,
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created).name).toBe("Café ☕");

    const refused = await request(
      functionUrlEvent("DELETE", `/api/projects/${json(created).id}`, {
        query: "cascade=maybe",
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.headers["content-type"]).toBe("application/problem+json");
    expect(json(refused)).toMatchObject({ status: 400, errors: [{ path: "cascade" }] });
  });
});

describe("the Lambda bundle on other events", () => {
  it("runs housekeeping on an EventBridge Scheduled Event: requeues an expired lease, then writes one EMF line to stdout", async () => {
    // A worker claimed the task ten minutes ago with a one-minute lease, then died.
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const tasks = dynamoTaskStore(dynamo, () => tenMinutesAgo);
    const task = queuedTaskAt(tenMinutesAgo);
    await tasks.create(task, [{ type: "task.queued" }]);
    expect(await tasks.claimNext("worker-that-died", 60_000)).toMatchObject({
      id: task.id,
      status: "running",
    });

    const { result, lines, logged } = await invokeAndCapture(scheduledEvent());

    expect(result).toEqual({ changed: [{ taskId: task.id, to: "queued" }], queueDepth: 1, runningTasks: 0 });
    expect(await dynamoTaskStore(dynamo).get(task.id)).toMatchObject({
      status: "queued",
      attempt: 2,
      leaseOwner: null,
    });
    const emf = lines.filter((line) => parseLine(line)?._aws !== undefined);
    expect(emf, lines.join("\n")).toHaveLength(1);
    const document = JSON.parse(emf[0] ?? "") as { _aws: { Timestamp: number } };
    expect(document).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: "AIPM",
            Dimensions: [["Environment"]],
            Metrics: [
              { Name: "QueueDepth", Unit: "Count" },
              { Name: "RunningTasks", Unit: "Count" },
            ],
          },
        ],
      },
      Environment: ENVIRONMENT,
      QueueDepth: 1,
      RunningTasks: 0,
    });
    expect(Math.abs(document._aws.Timestamp - Date.now())).toBeLessThan(60_000);
    await logged(
      expect.objectContaining({ msg: "lease expired; task taken back", taskId: task.id, to: "queued" }),
    );
  });

  it.each([
    ["an SQS message", { Records: [{ eventSource: "aws:sqs", body: "{}" }] }],
    [
      "an EventBridge event that is not scheduled",
      { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification" },
    ],
    [
      "an API Gateway REST (payload 1.0) request",
      { version: "1.0", httpMethod: "GET", path: "/health", requestContext: {} },
    ],
    ["a string", "ping"],
    ["null", null],
  ])("logs an error naming the accepted events for %s, answers null and keeps serving", async (_, event) => {
    const { result, logged } = await invokeAndCapture(event);
    expect(result).toBeNull();
    await logged(
      expect.objectContaining({
        level: 50,
        msg: expect.stringMatching(/unrecognised Lambda event.*Function URL.*Scheduled Event/),
      }),
    );
    expect((await request(functionUrlEvent("GET", "/health"))).statusCode).toBe(200);
  });
});

/**
 * @module lambda-bundle: the built Lambda bundle, loaded in a fresh Node process as the Lambda
 * runtime loads it, answers Function URL events (payload format 2.0) and runs housekeeping on
 * EventBridge Scheduled Events, against a local DynamoDB.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createDynamo, type Dynamo, dynamoTaskStore, ensureTables } from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { queuedTaskAt } from "./fixtures.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = new URL("../dist/lambda/index.mjs", import.meta.url);
const TOKEN = "lambda-bundle-admin-token-0123456789";
const ENVIRONMENT = `lambda-${process.pid % 100_000}`;
const DOMAIN = "abc123example.lambda-url.us-east-1.on.aws";
/** Lines the driver writes start with this; the rest of stdout is the bundle's own logging. */
const REPLY = "@@reply ";

/** The child's program: import the bundle once, then answer one event per stdin line. */
const DRIVER = `
import { createInterface } from "node:readline";
const { handler } = await import(${JSON.stringify(BUNDLE.href)});
const reply = (value) => process.stdout.write(${JSON.stringify(REPLY)} + JSON.stringify(value) + "\\n");
reply({ ready: true });
for await (const line of createInterface({ input: process.stdin })) reply(await handler(JSON.parse(line), {}));
`;

interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  cookies?: string[];
}

/** The bundle running in its own Node process, invoked one event at a time. */
interface LambdaProcess {
  invoke<Result = FunctionUrlResult>(event: unknown): Promise<Result>;
  /** Every line the bundle itself has written to stdout (its logs), in order. */
  readonly output: readonly string[];
  stop(): Promise<void>;
}

async function startLambda(env: Record<string, string>): Promise<LambdaProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--input-type=module", "-e", DRIVER],
    {
      env: { PATH: process.env.PATH ?? "", ...env },
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void }[] = [];
  const output: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith(REPLY)) waiting.shift()?.resolve(JSON.parse(line.slice(REPLY.length)));
    else output.push(line);
  });
  child.on("exit", (code) => {
    for (const waiter of waiting.splice(0))
      waiter.reject(new Error(`The bundle's process exited (${code}):\n${stderr}`));
  });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  await next();
  return {
    invoke<Result>(event: unknown) {
      const result = next();
      child.stdin.write(`${JSON.stringify(event)}\n`);
      return result as Promise<Result>;
    },
    output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end();
      await exited;
    },
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
 * What the bundle returns for `event`, the lines it wrote before returning, and a wait for a log
 * record: pino writes asynchronously, so its records may follow the reply.
 */
async function invokeAndCapture<Result>(event: unknown) {
  const before = lambda.output.length;
  const result = await lambda.invoke<Result>(event);
  return {
    result,
    lines: lambda.output.slice(before),
    logged: (record: Record<string, unknown>) =>
      vi.waitFor(() => expect(lambda.output.slice(before).map(parseLine)).toContainEqual(record), {
        timeout: 5_000,
      }),
  };
}

let local: LocalDynamo;
let dynamo: Dynamo;
let lambda: LambdaProcess;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ["build.mjs"], { cwd: PACKAGE_DIR });
  local = await startLocalDynamo();
  dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, ENVIRONMENT);
  await ensureTables(dynamo);
  lambda = await startLambda({
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
  it("answers GET /health with 200 and a passing DynamoDB check", async () => {
    const result = await lambda.invoke(functionUrlEvent("GET", "/health"));
    expect(result).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(result.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(result)).toMatchObject({
      status: "ok",
      version: "0.0.0-dev",
      checks: { dynamodb: { status: "ok" } },
    });
  });

  it("answers GET /api/projects without a token with a 401 problem document", async () => {
    const result = await lambda.invoke(functionUrlEvent("GET", "/api/projects"));
    expect(result).toMatchObject({ statusCode: 401, isBase64Encoded: false });
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
    const created = await lambda.invoke(
      functionUrlEvent("POST", "/api/projects", {
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "Shop",
          repository: { provider: "github", owner: "acme", name: "shop" },
        }),
      }),
    );
    expect(created).toMatchObject({ statusCode: 201, isBase64Encoded: false });
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

    const read = await lambda.invoke(
      functionUrlEvent("GET", `/api/projects/${project.id}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(read).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(read.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(read)).toEqual(project);
  });

  it("takes a base64-encoded body and a query string, as Function URLs may send them", async () => {
    const created = await lambda.invoke(
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

    const refused = await lambda.invoke(
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
  ])("logs an error naming the accepted events for %s, returns null and keeps serving", async (_, event) => {
    const { result, logged } = await invokeAndCapture(event);
    expect(result).toBeNull();
    await logged(
      expect.objectContaining({
        level: 50,
        msg: expect.stringMatching(/unrecognised Lambda event.*Function URL.*Scheduled Event/),
      }),
    );
    expect((await lambda.invoke(functionUrlEvent("GET", "/health"))).statusCode).toBe(200);
  });
});

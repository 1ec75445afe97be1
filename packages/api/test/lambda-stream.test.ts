/**
 * @module lambda-stream: the built Lambda bundle streams a task's live events (SSE) through the
 * runtime's response streaming, as a Function URL in RESPONSE_STREAM mode delivers them: events
 * arrive while the task runs, the stream ends cleanly with a `retry:` field before the
 * function's timeout, and a reconnect with Last-Event-ID goes on without a gap. Against a local
 * DynamoDB, the task moved along by the test as a worker would.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createDynamo, type Dynamo, dynamoTaskStore, ensureTables, type TaskStore } from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queuedTaskAt } from "./fixtures.ts";
import {
  type StreamedResponse,
  type StreamingLambda,
  startStreamingLambda,
} from "./lambda-stream-runtime.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const TOKEN = "lambda-stream-admin-token-0123456789";
const ENVIRONMENT = `lstream-${process.pid % 100_000}`;
const DOMAIN = "abc123example.lambda-url.us-east-1.on.aws";
/** The function's timeout in these tests; the stream must end 5 s (the route's margin) before it. */
const TIMEOUT_MS = 8_000;
const MARGIN_MS = 5_000;
const WORKER = "lambda-stream-worker";

/** One SSE block: its fields as written (a block with no data dispatches no event). */
interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  /** When the chunk that completed the block arrived. */
  at: number;
}

/** Reads SSE blocks as they arrive; `onBlock` may act (move the task) while the stream is open. */
async function readSse(
  response: StreamedResponse,
  onBlock: (block: SseBlock) => Promise<void> | void = () => {},
) {
  const blocks: SseBlock[] = [];
  let buffer = "";
  for await (const chunk of response.body) {
    buffer += chunk.text;
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const block: SseBlock = { at: chunk.at };
      for (const line of buffer.slice(0, end).split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = line.slice(0, colon) as "id" | "event" | "data" | "retry";
        block[field] = line.slice(colon + 1).replace(/^ /, "");
      }
      buffer = buffer.slice(end + 2);
      blocks.push(block);
      await onBlock(block);
    }
  }
  expect(buffer, "the stream ended inside an event").toBe("");
  return blocks;
}

function eventsRequest(taskId: string, headers: Record<string, string> = {}) {
  const rawPath = `/api/tasks/${taskId}/events`;
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: "",
    headers: {
      host: DOMAIN,
      accept: "text/event-stream",
      authorization: `Bearer ${TOKEN}`,
      "x-forwarded-proto": "https",
      ...headers,
    },
    requestContext: {
      accountId: "anonymous",
      apiId: "abc123example",
      domainName: DOMAIN,
      domainPrefix: "abc123example",
      http: {
        method: "GET",
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "test",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

const seqs = (blocks: SseBlock[]) =>
  blocks.filter((block) => block.id !== undefined).map((block) => Number(block.id));

let local: LocalDynamo;
let dynamo: Dynamo;
let tasks: TaskStore;
let lambda: StreamingLambda;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ["build.mjs"], { cwd: PACKAGE_DIR });
  local = await startLocalDynamo();
  dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, ENVIRONMENT);
  await ensureTables(dynamo);
  tasks = dynamoTaskStore(dynamo);
  lambda = await startStreamingLambda({
    AIPM_ENV: ENVIRONMENT,
    AIPM_DYNAMODB_ENDPOINT: local.endpoint,
    AIPM_API_TOKEN: TOKEN,
    AIPM_LOG_LEVEL: "warn",
  });
}, 60_000);

afterAll(async () => {
  await lambda?.stop();
  await local?.close();
});

describe("the Lambda bundle's live task events", () => {
  it("streams events as they happen, ends before the timeout with retry:, and resumes from Last-Event-ID without a gap", async () => {
    const task = queuedTaskAt(new Date());
    await tasks.create(task, [{ type: "task.queued" }]);
    expect(await tasks.claimNext(WORKER, 60_000)).toMatchObject({ id: task.id, status: "running" });
    const log = (line: string) =>
      tasks.appendEvents(task.id, [{ type: "agent.output", data: { line } }], { leaseOwner: WORKER });

    // The first stream: what is there, then what the worker writes while it is open.
    const started = Date.now();
    const first = lambda.invoke(eventsRequest(task.id), TIMEOUT_MS);
    const response = await first.response();
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
    let written = 0;
    const blocks = await readSse(response, async (block) => {
      // Each event that arrives while the task runs makes the worker write the next line.
      if (block.id !== undefined && written < 3) {
        written += 1;
        await log(`line ${written}`);
      }
    });
    const ended = Date.now();
    expect(await first.outcome).toEqual({ timedOut: false });

    // Streamed, not buffered: the first event arrived long before the stream ended, and events
    // written after it (by the reaction above) arrived on the same stream.
    const events = blocks.filter((block) => block.id !== undefined);
    expect(events.map((block) => block.event)).toEqual([
      "task.queued",
      "task.claimed",
      "agent.output",
      "agent.output",
      "agent.output",
    ]);
    expect(seqs(blocks)).toEqual([1, 2, 3, 4, 5]);
    expect((events[0] as SseBlock).at - started).toBeLessThan(2_000);
    expect(ended - (events[0] as SseBlock).at).toBeGreaterThan(1_000);

    // The bound: what the invocation had left less the margin, so before the timeout; the last
    // block carries only retry:, which dispatches no event, and no `end` (the task goes on).
    const bound = TIMEOUT_MS - MARGIN_MS;
    expect(ended - started).toBeGreaterThanOrEqual(bound - 500);
    expect(ended - started).toBeLessThan(TIMEOUT_MS - 1_000);
    expect(blocks.at(-1)).toEqual({ retry: expect.stringMatching(/^\d+$/), at: expect.any(Number) });
    expect(blocks.some((block) => block.event === "end")).toBe(false);

    // Meanwhile the worker goes on; EventSource reconnects with the last id it saw.
    await log("line 4");
    const second = lambda.invoke(eventsRequest(task.id, { "last-event-id": "5" }), TIMEOUT_MS);
    const resumed = await readSse(await second.response(), async (block) => {
      if (block.id === "6") {
        await log("line 5");
        await tasks.transition(task.id, "succeed", { commit: "a".repeat(40) });
      }
    });
    expect(await second.outcome).toEqual({ timedOut: false });
    expect(seqs(resumed)).toEqual([6, 7, 8]);
    expect(resumed.map((block) => block.event)).toEqual([
      "agent.output",
      "agent.output",
      "task.succeeded",
      "end",
    ]);
    expect(JSON.parse(resumed.at(-1)?.data ?? "")).toEqual({ status: "succeeded" });
    expect(resumed.some((block) => block.retry !== undefined)).toBe(false);
  }, 30_000);

  it("answers a finished task's stream at once with its events and end", async () => {
    const task = queuedTaskAt(new Date());
    await tasks.create(task, [{ type: "task.queued" }]);
    await tasks.transition(task.id, "request_cancel");
    const started = Date.now();
    const invocation = lambda.invoke(eventsRequest(task.id), TIMEOUT_MS);
    const blocks = await readSse(await invocation.response());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(blocks.map((block) => block.event)).toEqual(["task.queued", "task.cancelled", "end"]);
    expect(await invocation.outcome).toEqual({ timedOut: false });
  });

  it("keeps the JSON pages (the web app's fallback) working through the same streaming handler", async () => {
    const task = queuedTaskAt(new Date());
    await tasks.create(task, [{ type: "task.queued" }]);
    const invocation = lambda.invoke(eventsRequest(task.id, { accept: "application/json" }), TIMEOUT_MS);
    const response = await invocation.response();
    expect(response.statusCode).toBe(200);
    let text = "";
    for await (const chunk of response.body) text += chunk.text;
    expect(JSON.parse(text)).toMatchObject({ taskStatus: "queued", nextAfter: 1, events: [{ seq: 1 }] });
  });
});

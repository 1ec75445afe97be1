import { type CodeGenerationTask, queueMetrics } from "@aipm/shared";
import { createDynamo, dynamoTaskStore, ensureTables, type TaskStore } from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queuedTaskAt } from "../test/fixtures.ts";
import type { Logger } from "./deps.ts";
import {
  type HousekeepingReport,
  isScheduledEvent,
  queueMetricsDocument,
  runHousekeeping,
} from "./housekeeping.ts";

/** A Scheduled Event as EventBridge delivers it for a `rate(1 minute)` rule. */
const scheduledEvent = {
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2030-01-01T12:00:00Z",
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/aipm-dev-api-housekeeping-0000000"],
  detail: {},
};

/**
 * Checks a line against the EMF specification as CloudWatch Logs applies it: one JSON object on
 * one line, and every metric it declares has a numeric top-level value and every dimension a
 * string value. Returns the document.
 */
function expectEmfLine(line: string): Record<string, unknown> {
  expect(line.endsWith("\n")).toBe(true);
  expect(line.slice(0, -1)).not.toContain("\n");
  const document = JSON.parse(line) as Record<string, unknown> & {
    _aws: {
      Timestamp: unknown;
      CloudWatchMetrics: { Namespace: unknown; Dimensions: string[][]; Metrics: { Name: string }[] }[];
    };
  };
  expect(Number.isInteger(document._aws.Timestamp)).toBe(true);
  expect(document._aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of document._aws.CloudWatchMetrics) {
    expect(typeof directive.Namespace).toBe("string");
    for (const dimension of directive.Dimensions.flat()) expect(typeof document[dimension]).toBe("string");
    for (const metric of directive.Metrics) expect(typeof document[metric.Name], metric.Name).toBe("number");
  }
  return document;
}

let local: LocalDynamo;
let environmentCounter = 0;

beforeAll(async () => {
  local = await startLocalDynamo();
});
afterAll(async () => {
  await local?.close();
});

/** A task store on fresh tables, its clock, and a housekeeping run that records what it writes and logs. */
async function setup() {
  const environment = `hk${process.pid % 100_000}-${++environmentCounter}`;
  const dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, environment);
  await ensureTables(dynamo);
  const clock = { ms: Date.parse("2030-01-01T12:00:00.000Z") };
  const now = () => new Date(clock.ms);
  const tasks = dynamoTaskStore(dynamo, now);
  const lines: string[] = [];
  const logged: { message: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = {
    info: (message, fields) => logged.push({ message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => logged.push({ message, ...(fields ? { fields } : {}) }),
  };
  const run = (): Promise<HousekeepingReport> =>
    runHousekeeping({ tasks, environment, now, write: (line) => lines.push(line), log });
  return { environment, clock, tasks, lines, logged, run };
}

/** A queued task, created now, that one worker then claims with a lease of `leaseMs`. */
async function runningTask(
  tasks: TaskStore,
  clock: { ms: number },
  maxAttempts: number,
  leaseMs: number,
): Promise<CodeGenerationTask> {
  const task = queuedTaskAt(new Date(clock.ms), { maxAttempts });
  await tasks.create(task, [{ type: "task.queued" }]);
  const claimed = await tasks.claimNext("worker-that-dies", leaseMs);
  expect(claimed).toMatchObject({ id: task.id, status: "running", leaseOwner: "worker-that-dies" });
  return task;
}

describe("isScheduledEvent", () => {
  it("recognises EventBridge's Scheduled Event", () => {
    expect(isScheduledEvent(scheduledEvent)).toBe(true);
  });

  it("rejects Function URL requests, other EventBridge events and non-objects", () => {
    expect(isScheduledEvent({ version: "2.0", requestContext: { http: { method: "GET" } } })).toBe(false);
    expect(
      isScheduledEvent({ ...scheduledEvent, "detail-type": "EC2 Instance State-change Notification" }),
    ).toBe(false);
    expect(isScheduledEvent({ ...scheduledEvent, source: "acme.scheduler" })).toBe(false);
    for (const value of [null, undefined, "Scheduled Event", 42, []])
      expect(isScheduledEvent(value)).toBe(false);
  });
});

describe("queueMetricsDocument", () => {
  it("is the EMF document the worker fleet's scaling policy reads: AIPM/QueueDepth and RunningTasks by Environment", () => {
    expect(queueMetricsDocument("dev", 1_893_499_200_000, { queued: 3, running: 1 })).toEqual({
      _aws: {
        Timestamp: 1_893_499_200_000,
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
      Environment: "dev",
      QueueDepth: 3,
      RunningTasks: 1,
    });
  });

  it("takes its names from @aipm/shared's queueMetrics", () => {
    const document = queueMetricsDocument("prod", 0, { queued: 0, running: 0 });
    const [directive] = document._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe(queueMetrics.namespace);
    expect(directive?.Dimensions).toEqual([[queueMetrics.environmentDimension]]);
    expect(directive?.Metrics.map((metric) => metric.Name)).toEqual([
      queueMetrics.queueDepth,
      queueMetrics.runningTasks,
    ]);
  });
});

describe("runHousekeeping", () => {
  it("requeues a running task whose lease expired, and QueueDepth counts it", async () => {
    const { environment, clock, tasks, lines, logged, run } = await setup();
    const task = await runningTask(tasks, clock, 3, 60_000);
    clock.ms += 61_000;

    const report = await run();

    expect(report).toEqual({ changed: [{ taskId: task.id, to: "queued" }], queueDepth: 1, runningTasks: 0 });
    expect(await tasks.get(task.id)).toMatchObject({
      status: "queued",
      attempt: 2,
      leaseOwner: null,
      leaseExpiresAt: null,
    });
    expect(logged).toEqual([
      { message: "lease expired; task taken back", fields: { taskId: task.id, to: "queued" } },
    ]);
    expect(lines).toHaveLength(1);
    expect(expectEmfLine(lines[0] ?? "")).toMatchObject({
      _aws: { Timestamp: clock.ms },
      Environment: environment,
      QueueDepth: 1,
      RunningTasks: 0,
    });
  });

  it("fails a task whose lease expired on its last attempt with lease_expired", async () => {
    const { clock, tasks, lines, run } = await setup();
    const task = await runningTask(tasks, clock, 1, 60_000);
    clock.ms += 61_000;

    expect(await run()).toEqual({
      changed: [{ taskId: task.id, to: "failed" }],
      queueDepth: 0,
      runningTasks: 0,
    });
    expect(await tasks.get(task.id)).toMatchObject({ status: "failed", error: { code: "lease_expired" } });
    expect(expectEmfLine(lines[0] ?? "")).toMatchObject({ QueueDepth: 0, RunningTasks: 0 });
  });

  it("leaves a live lease alone and counts its task as running", async () => {
    const { clock, tasks, lines, logged, run } = await setup();
    const task = await runningTask(tasks, clock, 3, 60_000);
    await tasks.create(
      // Another story's: a story has one active task at a time.
      queuedTaskAt(new Date(clock.ms), { projectId: task.projectId, pullRequest: 8 }),
      [{ type: "task.queued" }],
    );
    clock.ms += 30_000;

    expect(await run()).toEqual({ changed: [], queueDepth: 1, runningTasks: 1 });
    expect(await tasks.get(task.id)).toMatchObject({ status: "running", attempt: 1 });
    expect(logged).toEqual([]);
    expect(expectEmfLine(lines[0] ?? "")).toMatchObject({ QueueDepth: 1, RunningTasks: 1 });
  });

  it("publishes zeros for an empty queue, so the metric exists with no worker running", async () => {
    const { environment, lines, run } = await setup();
    expect(await run()).toEqual({ changed: [], queueDepth: 0, runningTasks: 0 });
    expect(lines).toHaveLength(1);
    expect(expectEmfLine(lines[0] ?? "")).toMatchObject({
      Environment: environment,
      QueueDepth: 0,
      RunningTasks: 0,
    });
  });
});

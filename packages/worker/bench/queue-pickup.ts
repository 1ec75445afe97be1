/**
 * @module queue-pickup: enqueue → claimed latency of a real worker (`createWorker`), with the
 * wake-up the API sends in local mode and without one (polling at the worker's default interval).
 */

import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  dynamoProjectStore,
  dynamoStoryStore,
  dynamoTaskStore,
  dynamoWorkerRegistry,
  type TaskStore,
} from "@aipm/store";
import type { LocalDynamo } from "@aipm/store/local";
import { startLocalDynamoProcess } from "@aipm/store/local-process";
import { createWorker, createWorkerMetrics, workerEnvSchema } from "../src/index.ts";
import { ms, printTable, sleep, summarize, verdict } from "./report.ts";
import { createBenchApi, queuedTask, seedProject } from "./setup.ts";

const TASKS_PER_CASE = 100;
/** Polling costs about a second per sample, so the polling case runs this many workers side by side. */
const POLLING_LANES = 4;
/** With a wake-up the phase hardly matters; a short gap still lets some enqueues land mid-claim. */
const WAKE_GAP_MS = 250;
const BRANCH = "aipm/bench-pickup";
const NO_REPOSITORY =
  "The pickup bench gives its worker no repository: each task ends right after its claim.";

interface PickupResult {
  latencies: number[];
  outcomes: Map<string, number>;
  timeouts: number;
  elapsedMs: number;
}

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function within<T>(promise: Promise<T>, timeoutMs: number): Promise<T | "timeout"> {
  return Promise.race([promise, sleep(timeoutMs).then(() => "timeout" as const)]);
}

/**
 * One lane: its own tables, one idle worker, and `count` tasks enqueued one at a time, each after
 * the previous one ended and a random gap.
 */
async function measureLane(
  local: LocalDynamo,
  lane: string,
  options: { wake: boolean; count: number; pollMs: number; gapMs: number },
): Promise<PickupResult> {
  const api = await createBenchApi(local);
  const {
    project,
    stories: [story],
  } = await seedProject(api, 1);
  if (!story) throw new Error("The bench project has no story.");

  const claimed = new Map<string, (at: number) => void>();
  const finished = new Map<string, (status: string) => void>();
  const store = dynamoTaskStore(api.dynamo);
  // The real store, reporting the moment a claim returns and a task ends.
  const tasks: TaskStore = {
    ...store,
    async claimNext(workerId, leaseMs) {
      const task = await store.claimNext(workerId, leaseMs);
      if (task) claimed.get(task.id)?.(performance.now());
      return task;
    },
    async transition(taskId, action, transitionOptions) {
      const task = await store.transition(taskId, action, transitionOptions);
      if (task.status !== "running" && task.status !== "queued") {
        const asDesigned = task.status === "failed" && task.error?.message === NO_REPOSITORY;
        finished.get(taskId)?.(asDesigned ? "ended after claim" : `${task.status} (${task.error?.code})`);
      }
      return task;
    },
  };
  const defaults = workerEnvSchema.parse({});
  const worker = createWorker({
    id: `bench-${lane}`,
    version: "bench",
    tasks,
    workers: dynamoWorkerRegistry(api.dynamo),
    stories: dynamoStoryStore(api.dynamo),
    projects: dynamoProjectStore(api.dynamo),
    repositoryAccess: async () => {
      throw new Error(NO_REPOSITORY);
    },
    cacheDir: join(tmpdir(), "aipm-bench-pickup-unused"),
    concurrency: 1,
    leaseMs: defaults.AIPM_LEASE_S * 1000,
    pollMs: options.pollMs,
    heartbeatMs: defaults.AIPM_HEARTBEAT_MS,
    agentTimeoutMs: 60_000,
    agentIdleTimeoutMs: 60_000,
    agentSandbox: "off",
    protectedGlobs: defaults.AIPM_PROTECTED_PATHS,
    parentEnv: {},
    gitAuthor: { name: "AIPM worker", email: "worker@aipm.local" },
    shutdownGraceMs: 5_000,
    metrics: createWorkerMetrics(),
    log: { info: () => {}, error: (message, fields) => console.error(message, fields) },
  });
  worker.start();
  // Let the first claim, heartbeat and reconcile pass, so every task finds the worker asleep.
  await sleep(300);

  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  let timeouts = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < options.count; i++) {
      await sleep(Math.random() * options.gapMs);
      const task = queuedTask({ projectId: project.id, storyId: story.id, branch: BRANCH });
      const claim = deferred<number>();
      const end = deferred<string>();
      claimed.set(task.id, claim.resolve);
      finished.set(task.id, end.resolve);
      const enqueued = performance.now();
      await tasks.create(task, [{ type: "task.queued", data: { agent: task.agent, attempt: 1 } }]);
      if (options.wake) worker.wake();
      const at = await within(claim.promise, options.pollMs * 5 + 5_000);
      if (at === "timeout") timeouts++;
      else latencies.push(at - enqueued);
      const status = await within(end.promise, 60_000);
      outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
      claimed.delete(task.id);
      finished.delete(task.id);
    }
  } finally {
    await worker.stop();
  }
  return { latencies, outcomes, timeouts, elapsedMs: performance.now() - started };
}

/** `lanes` lanes side by side, `count` tasks in all. */
async function measurePickup(
  local: LocalDynamo,
  options: { wake: boolean; count: number; lanes: number; pollMs: number; gapMs: number },
): Promise<PickupResult> {
  const started = performance.now();
  const perLane = Math.ceil(options.count / options.lanes);
  const results = await Promise.all(
    Array.from({ length: options.lanes }, (_, lane) =>
      measureLane(local, `${options.wake ? "wake" : "poll"}-${lane + 1}`, { ...options, count: perLane }),
    ),
  );
  const outcomes = new Map<string, number>();
  for (const result of results)
    for (const [status, n] of result.outcomes) outcomes.set(status, (outcomes.get(status) ?? 0) + n);
  return {
    latencies: results.flatMap((result) => result.latencies),
    outcomes,
    timeouts: results.reduce((sum, result) => sum + result.timeouts, 0),
    elapsedMs: performance.now() - started,
  };
}

/** Prints enqueue → claimed p50/p95 with and without the wake-up. */
export async function queuePickupBench(): Promise<void> {
  const pollMs = workerEnvSchema.parse({}).AIPM_POLL_MS;
  const local = await startLocalDynamoProcess();
  try {
    const wake = await measurePickup(local, {
      wake: true,
      count: TASKS_PER_CASE,
      lanes: 1,
      pollMs,
      gapMs: WAKE_GAP_MS,
    });
    const poll = await measurePickup(local, {
      wake: false,
      count: TASKS_PER_CASE,
      lanes: POLLING_LANES,
      pollMs,
      gapMs: pollMs,
    });
    const row = (label: string, result: PickupResult, targetMs: number) => {
      const s = summarize(result.latencies);
      const outcomes = [...result.outcomes].map(([status, n]) => `${n} ${status}`).join(", ");
      return [
        label,
        String(s.count),
        ms(s.p50),
        ms(s.p95),
        ms(s.max),
        `p50 ≤ ${ms(targetMs)}`,
        verdict(s.p50 <= targetMs && result.timeouts === 0),
        `${outcomes}${result.timeouts ? `, ${result.timeouts} not claimed in time` : ""}`,
        `${(result.elapsedMs / 1000).toFixed(1)} s`,
      ];
    };
    printTable(
      "1. Queue pickup latency (enqueue → claimed)",
      ["case", "tasks", "p50", "p95", "max", "target", "result", "task outcomes", "wall time"],
      [
        row("with wake-up (worker.wake() after enqueue)", wake, 250),
        row(`without wake-up (polling every ${pollMs} ms)`, poll, 2_000),
      ],
      [
        "Measured: the real worker loop (createWorker, concurrency 1, the worker's default poll interval)",
        "on dynamoTaskStore over an in-memory dynalite in its own process. Latency runs from the start of the",
        "enqueue write (tasks.create) to the worker's claimNext returning that task. Tasks are enqueued one",
        `at a time, each after the previous one ended and a random gap (0-${WAKE_GAP_MS} ms with the wake-up,`,
        `0-${pollMs} ms without), so the worker is idle and the poll phase is uniform. The polling case runs`,
        `${POLLING_LANES} workers side by side, each on its own tables, ${Math.ceil(TASKS_PER_CASE / POLLING_LANES)} tasks each.`,
        "Only the claim is measured: the worker gets no repository, so each task fails (worker_error) right",
        "after its claim, before any git or agent work.",
      ],
    );
  } finally {
    await local.close();
  }
}

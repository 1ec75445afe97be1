/**
 * @module claim-race: 8 workers' claim loops against one queue of 1,000 tasks. Every task must be
 * claimed exactly once and end `succeeded`: no duplicates, no losses.
 */

import { dynamoTaskStore, type TaskStore } from "@aipm/store";
import type { LocalDynamo } from "@aipm/store/local";
import { startLocalDynamoProcess } from "@aipm/store/local-process";
import { workerEnvSchema } from "../src/index.ts";
import { mapLimit, ms, printTable, sleep, summarize, verdict } from "./report.ts";
import { createBenchApi, queuedTask, seedProject } from "./setup.ts";

const WORKERS = 8;
const TASKS = 1_000;
const FAKE_COMMIT = "0".repeat(40);

interface LoopStats {
  workerId: string;
  claims: number;
  /** claimNext answered null while tasks were still queued (all candidates taken by others). */
  emptyClaims: number;
  transitionErrors: string[];
}

/**
 * What one worker does with concurrency 1 and an agent that finishes at once: claim, then mark the
 * task succeeded with its lease; when nothing is claimed, sleep the poll interval. Unlike the
 * worker, it stops once the queue is empty.
 */
async function claimLoop(
  tasks: TaskStore,
  workerId: string,
  options: { leaseMs: number; pollMs: number },
  claimsByTask: Map<string, string[]>,
): Promise<LoopStats> {
  const stats: LoopStats = { workerId, claims: 0, emptyClaims: 0, transitionErrors: [] };
  for (;;) {
    const task = await tasks.claimNext(workerId, options.leaseMs);
    if (task) {
      stats.claims++;
      claimsByTask.get(task.id)?.push(workerId);
      try {
        await tasks.transition(task.id, "succeed", { leaseOwner: workerId, commit: FAKE_COMMIT });
      } catch (error) {
        stats.transitionErrors.push(error instanceof Error ? error.message : String(error));
      }
      continue;
    }
    if ((await tasks.stats()).queued === 0) return stats;
    stats.emptyClaims++;
    await sleep(options.pollMs);
  }
}

async function seedQueue(local: LocalDynamo) {
  const api = await createBenchApi(local);
  const {
    project,
    stories: [story],
  } = await seedProject(api, 1);
  if (!story) throw new Error("The bench project has no story.");
  const tasks = dynamoTaskStore(api.dynamo);
  const base = Date.now();
  const ids = await mapLimit(Array.from({ length: TASKS }), 16, async (_, i) => {
    // Distinct, increasing createdAt: the queue's order is the order of creation.
    const task = queuedTask({
      projectId: project.id,
      storyId: story.id,
      branch: `aipm/bench-claims-${i}`,
      createdAt: new Date(base + i).toISOString(),
    });
    await tasks.create(task, [{ type: "task.queued", data: { agent: task.agent, attempt: 1 } }]);
    return task.id;
  });
  return { tasks, ids };
}

/** Prints total time, throughput, duplicates and lost tasks for 8 claim loops × 1,000 tasks. */
export async function claimRaceBench(): Promise<void> {
  const defaults = workerEnvSchema.parse({});
  const options = { leaseMs: defaults.AIPM_LEASE_S * 1000, pollMs: defaults.AIPM_POLL_MS };
  const local = await startLocalDynamoProcess();
  try {
    const seedStarted = performance.now();
    const { tasks, ids } = await seedQueue(local);
    const seedMs = performance.now() - seedStarted;

    const claimsByTask = new Map(ids.map((id) => [id, [] as string[]]));
    const started = performance.now();
    const loops = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        claimLoop(tasks, `bench-worker-${i + 1}`, options, claimsByTask),
      ),
    );
    const totalMs = performance.now() - started;

    // The store's own record: task.claimed events per task, and each task's final status.
    const audit = await mapLimit(ids, 16, async (id) => {
      const [task, events] = await Promise.all([tasks.get(id), tasks.listEvents(id, 0, 1_000)]);
      return {
        id,
        status: task?.status ?? "missing",
        claimedEvents: events.filter((event) => event.type === "task.claimed").length,
      };
    });
    const duplicates = audit.filter((task) => task.claimedEvents > 1).length;
    const lost = audit.filter((task) => task.status !== "succeeded");
    const neverClaimed = audit.filter((task) => task.claimedEvents === 0).length;
    const loopDuplicates = [...claimsByTask.values()].filter((owners) => owners.length > 1).length;
    const perWorker = summarize(loops.map((loop) => loop.claims));
    const transitionErrors = loops.flatMap((loop) => loop.transitionErrors);
    const emptyClaims = loops.reduce((sum, loop) => sum + loop.emptyClaims, 0);

    printTable(
      `2. ${WORKERS} workers × ${TASKS.toLocaleString("en-US")} tasks`,
      ["figure", "value", "target", "result"],
      [
        ["tasks queued", String(ids.length), "", ""],
        ["total time (first claim → queue empty)", ms(totalMs), "", ""],
        ["throughput", `${((ids.length / totalMs) * 1000).toFixed(1)} tasks/s`, "", ""],
        [
          "duplicates (tasks with > 1 task.claimed event)",
          String(duplicates),
          "0",
          verdict(duplicates === 0),
        ],
        ["lost (tasks not succeeded at the end)", String(lost.length), "0", verdict(lost.length === 0)],
        [
          "tasks claimed twice, as the loops saw it",
          String(loopDuplicates),
          "0",
          verdict(loopDuplicates === 0),
        ],
        ["tasks never claimed", String(neverClaimed), "0", ""],
        [
          "claims per worker (min / p50 / max)",
          `${perWorker.min} / ${perWorker.p50} / ${perWorker.max}`,
          "",
          "",
        ],
        [
          `empty claims while tasks were queued (each sleeps ${options.pollMs} ms)`,
          String(emptyClaims),
          "",
          "",
        ],
        ["succeed transitions refused", String(transitionErrors.length), "0", ""],
      ],
      [
        `Measured: ${WORKERS} concurrent loops in this process, each doing what a worker with concurrency 1 does`,
        "with an agent that finishes at once: dynamoTaskStore.claimNext (lease of the worker's default),",
        "then transition(succeed) holding that lease; on an empty claim it sleeps the default poll",
        "interval, and it stops once stats() shows nothing queued. All against one in-memory dynalite in",
        "its own process (one event loop serving every request, where DynamoDB would serve them in parallel).",
        `Heartbeats and the reconciler are left out: no lease can expire in this run. Seeding took ${ms(seedMs)}.`,
        ...(lost.length > 0
          ? [
              `Lost: ${lost
                .slice(0, 5)
                .map((task) => `${task.id} ${task.status}`)
                .join(", ")}${lost.length > 5 ? ", ..." : ""}`,
            ]
          : []),
        ...(transitionErrors.length > 0 ? [`First refusal: ${transitionErrors[0]}`] : []),
      ],
    );
  } finally {
    await local.close();
  }
}

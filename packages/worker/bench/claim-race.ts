/**
 * @module claim-race: `AIPM_BENCH_WORKERS` workers' claim loops (8 unless set) against one queue of
 * `AIPM_BENCH_TASKS` tasks (1,000 unless set). Every task must be claimed exactly once and end
 * `succeeded`: no duplicates, no losses. It counts the DynamoDB requests the workers send, per task,
 * and how much longer any task waited than a task queued after it.
 *
 * @example AIPM_BENCH_WORKERS=64 pnpm --filter @aipm/worker bench claims
 */

import { newId } from "@aipm/shared";
import { dynamoTaskStore, type TaskStore } from "@aipm/store";
import type { LocalDynamo } from "@aipm/store/local";
import { startLocalDynamoProcess } from "@aipm/store/local-process";
import { workerEnvSchema } from "../src/index.ts";
import { mapLimit, ms, printTable, sleep, summarize, verdict } from "./report.ts";
import { type CountedDynamo, countedDynamo, READ_OPERATIONS } from "./request-count.ts";
import { createBenchApi, queuedTask, seedProject } from "./setup.ts";

const FAKE_COMMIT = "0".repeat(40);

/** A positive whole number from the environment, or `fallback` when unset. */
function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number above 0, not "${raw}".`);
  return value;
}

interface RaceState {
  /** Tasks claimed so far, by any loop: while below the number seeded, some task waits. */
  claimed: number;
  total: number;
  claimsByTask: Map<string, string[]>;
  /** When each task was claimed (epoch ms), as the claiming loop saw it. */
  claimedAt: Map<string, number>;
  /** Loops inside claimNext right now: the most tasks that can be on their way to a claimer. */
  claiming: number;
  /** When the last task succeeded (performance.now()): the race's end, before loops wake from a poll. */
  lastDoneAt: number;
}

interface LoopStats {
  workerId: string;
  claims: number;
  /**
   * claimNext answered null while more tasks were unclaimed than other loops were claiming: so at
   * least one task waited with no worker on its way to it.
   */
  emptyClaims: number;
  transitionErrors: string[];
}

/**
 * What one worker does with concurrency 1 and an agent that finishes at once (the worker's loop,
 * run/loop.ts): claim, then mark the task succeeded with its lease; when nothing is claimed, sleep
 * the poll interval. It stops once every seeded task is claimed, which the bench knows without
 * asking the store, so no request but the worker's own is counted.
 */
async function claimLoop(
  tasks: TaskStore,
  counted: CountedDynamo,
  workerId: string,
  options: { leaseMs: number; pollMs: number },
  race: RaceState,
): Promise<LoopStats> {
  const stats: LoopStats = { workerId, claims: 0, emptyClaims: 0, transitionErrors: [] };
  while (race.claimed < race.total) {
    race.claiming++;
    const task = await counted
      .during("claim", () => tasks.claimNext(workerId, options.leaseMs))
      .finally(() => race.claiming--);
    if (task) {
      race.claimedAt.set(task.id, Date.now());
      race.claimed++;
      stats.claims++;
      race.claimsByTask.get(task.id)?.push(workerId);
      try {
        await counted.during("succeed", () =>
          tasks.transition(task.id, "succeed", { leaseOwner: workerId, commit: FAKE_COMMIT }),
        );
      } catch (error) {
        stats.transitionErrors.push(error instanceof Error ? error.message : String(error));
      }
      race.lastDoneAt = performance.now();
      continue;
    }
    if (race.claimed >= race.total) break;
    if (race.total - race.claimed > race.claiming) stats.emptyClaims++;
    await sleep(options.pollMs);
  }
  return stats;
}

async function seedQueue(local: LocalDynamo, count: number) {
  const api = await createBenchApi(local);
  const { project } = await seedProject(api, 0);
  const tasks = dynamoTaskStore(api.dynamo);
  const base = Date.now();
  // One at a time, with distinct, increasing createdAt: the queue's order is the order of
  // creation. A story has one active task at a time, so each task has a story of its own (the
  // task store needs only its id).
  const created = await mapLimit(Array.from({ length: count }), 1, async (_, i) => {
    const task = queuedTask({
      projectId: project.id,
      storyId: newId("story"),
      branch: `aipm/bench-claims-${i}`,
      createdAt: new Date(base + i).toISOString(),
    });
    await tasks.create(task, [{ type: "task.queued", data: { agent: task.agent, attempt: 1 } }]);
    return { id: task.id, createdAt: Date.parse(task.createdAt) };
  });
  return { api, tasks, created };
}

/**
 * The order fairness: for each task, how much longer it waited (queued → claimed) than the task
 * queued after it that waited least; the largest such excess over all tasks, in ms, and how many
 * tasks exceed `limitMs`.
 *
 * @example maxWaitOverNewer([{ createdAt: 0, claimedAt: 50 }, { createdAt: 1, claimedAt: 10 }], 1_000) // { maxMs: 41, over: 0 }
 */
export function maxWaitOverNewer(
  tasks: readonly { createdAt: number; claimedAt: number }[],
  limitMs: number,
): { maxMs: number; over: number } {
  const byAge = [...tasks].sort((a, b) => a.createdAt - b.createdAt);
  let leastNewerWait = Number.POSITIVE_INFINITY;
  let maxMs = 0;
  let over = 0;
  for (let i = byAge.length - 1; i >= 0; i--) {
    const task = byAge[i] as { createdAt: number; claimedAt: number };
    const wait = task.claimedAt - task.createdAt;
    const excess = wait - leastNewerWait;
    if (excess > maxMs) maxMs = excess;
    if (excess > limitMs) over++;
    leastNewerWait = Math.min(leastNewerWait, wait);
  }
  return { maxMs, over };
}

/** Prints total time, throughput, requests per task, fairness, duplicates and lost tasks. */
export async function claimRaceBench(): Promise<void> {
  const workers = sizeFromEnv("AIPM_BENCH_WORKERS", 8);
  const taskCount = sizeFromEnv("AIPM_BENCH_TASKS", 1_000);
  const defaults = workerEnvSchema.parse({});
  const options = { leaseMs: defaults.AIPM_LEASE_S * 1000, pollMs: defaults.AIPM_POLL_MS };
  const local = await startLocalDynamoProcess();
  try {
    const seedStarted = performance.now();
    const { api, tasks, created } = await seedQueue(local, taskCount);
    const seedMs = performance.now() - seedStarted;
    const ids = created.map((task) => task.id);

    // The workers get a client of their own: every request they send is counted, nothing else is.
    const counted = countedDynamo(local.endpoint, api.dynamo.tables);
    const racing = dynamoTaskStore(counted.dynamo);
    const race: RaceState = {
      claimed: 0,
      total: ids.length,
      claimsByTask: new Map(ids.map((id) => [id, [] as string[]])),
      claimedAt: new Map(),
      claiming: 0,
      lastDoneAt: 0,
    };
    const started = performance.now();
    const loops = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        claimLoop(racing, counted, `bench-worker-${i + 1}`, options, race),
      ),
    );
    const totalMs = race.lastDoneAt - started;
    await printRace({ workers, options, tasks, created, race, loops, counted, totalMs, seedMs });
  } finally {
    await local.close();
  }
}

async function printRace(run: {
  workers: number;
  options: { leaseMs: number; pollMs: number };
  tasks: TaskStore;
  created: { id: string; createdAt: number }[];
  race: RaceState;
  loops: LoopStats[];
  counted: CountedDynamo;
  totalMs: number;
  seedMs: number;
}): Promise<void> {
  const { workers, options, tasks, created, race, loops, counted, totalMs } = run;
  const ids = created.map((task) => task.id);
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
  const loopDuplicates = [...race.claimsByTask.values()].filter((owners) => owners.length > 1).length;
  const perWorker = summarize(loops.map((loop) => loop.claims));
  const transitionErrors = loops.flatMap((loop) => loop.transitionErrors);
  const emptyClaims = loops.reduce((sum, loop) => sum + loop.emptyClaims, 0);
  const fairness = maxWaitOverNewer(
    created.flatMap((task) => {
      const claimedAt = race.claimedAt.get(task.id);
      return claimedAt === undefined ? [] : [{ createdAt: task.createdAt, claimedAt }];
    }),
    options.pollMs,
  );

  const n = ids.length;
  const perTask = (operations: readonly string[], phases?: readonly string[]) =>
    (counted.total(operations, phases) / n).toFixed(2);
  const transactClaim = perTask(["TransactWriteItems"], ["claim"]);
  const readsClaim = perTask(READ_OPERATIONS, ["claim"]);
  const transactAll = perTask(["TransactWriteItems"]);
  const readsAll = perTask(READ_OPERATIONS);
  const operations = [...new Set([...counted.counts.values()].flatMap((byOp) => [...byOp.keys()]))].sort();
  const throughput = (n / totalMs) * 1000;

  printTable(
    `2. ${workers} workers × ${n.toLocaleString("en-US")} tasks`,
    ["figure", "value", "target", "result"],
    [
      ["tasks queued", String(n), "", ""],
      ["total time (first claim → every task claimed and succeeded)", ms(totalMs), "", ""],
      ["throughput", `${throughput.toFixed(1)} tasks/s`, "", ""],
      [
        "TransactWriteItems per task, claim path",
        transactClaim,
        "≤ 1.5",
        verdict(Number(transactClaim) <= 1.5),
      ],
      [
        "reads per task (GetItem + Query + BatchGetItem), claim path",
        readsClaim,
        "≤ 1.5",
        verdict(Number(readsClaim) <= 1.5),
      ],
      ["TransactWriteItems per task, claim + succeed", transactAll, "", ""],
      ["reads per task, claim + succeed", readsAll, "", ""],
      ...operations.map((operation) => [
        `  ${operation} per task (claim / succeed)`,
        `${perTask([operation], ["claim"])} / ${perTask([operation], ["succeed"])}`,
        "",
        "",
      ]),
      [
        `empty claims while tasks waited (each sleeps ${options.pollMs} ms)`,
        String(emptyClaims),
        "0",
        verdict(emptyClaims === 0),
      ],
      [
        "longest wait beyond a task queued later's",
        ms(fairness.maxMs),
        `≤ ${options.pollMs} ms`,
        verdict(fairness.over === 0),
      ],
      ["duplicates (tasks with > 1 task.claimed event)", String(duplicates), "0", verdict(duplicates === 0)],
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
      ["succeed transitions refused", String(transitionErrors.length), "0", ""],
    ],
    [
      `Measured: ${workers} concurrent loops in this process, each doing what a worker with concurrency 1 does`,
      "with an agent that finishes at once: dynamoTaskStore.claimNext (lease of the worker's default),",
      "then transition(succeed) holding that lease; on an empty claim it sleeps the default poll interval.",
      "An empty claim counts when more tasks were unclaimed than other loops were inside claimNext.",
      "A loop stops once the bench has seen every task claimed (no stats() query: only the workers' own",
      "requests are counted, at the SDK boundary, on a client of their own). All against one in-memory",
      "dynalite in its own process (one event loop serving every request, where DynamoDB would serve",
      "them in parallel). Claim path: the requests claimNext sends; succeed: transition(succeed)'s.",
      "Wait = claimed - createdAt; the seeded createdAt are 1 ms apart in queue order.",
      `Heartbeats and the reconciler are left out: no lease can expire in this run. Seeding took ${ms(run.seedMs)}.`,
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
  console.log(
    `claims: workers=${workers} tasks=${n} tasks_per_s=${throughput.toFixed(1)} transact_per_task=${transactClaim} reads_per_task=${readsClaim} empty_claims=${emptyClaims} duplicates=${duplicates} lost=${lost.length} max_wait_beyond_newer_ms=${Math.round(fairness.maxMs)} transact_per_task_total=${transactAll} reads_per_task_total=${readsAll} update_item_per_task=${perTask(["UpdateItem"], ["claim"])}`,
  );
}

/**
 * @module worker: claims tasks, runs each in its own worktree with the agent, commits and pushes,
 * and records every step as an event. One worker runs `concurrency` tasks at once. This module
 * wires the parts together: the claim loop (`run/loop`), each task's lease and attempt
 * (`run/task`, `run/lease`, `run/attempt`, `run/agent-step`), the mapping of an attempt's end to
 * the task's transition (`run/outcome`), the reconciler (`run/reconcile`) and the worker's
 * registry entry (`run/presence`).
 */
import { join } from "node:path";
import type { ProjectStore, StoryStore, TaskStore, WorkerRegistry } from "@aipm/store";
import { agentAvailability } from "./agent/availability.ts";
import { agentGroupRecord } from "./agent/leftovers.ts";
import type { Endpoint } from "./agent/profile.ts";
import { removeLeftoverScratch } from "./agent/scratch.ts";
import type { RepositoryAccess } from "./git/workspace.ts";
import type { WorkerMetrics } from "./metrics.ts";
import { claimLoop } from "./run/loop.ts";
import { workerPresence } from "./run/presence.ts";
import { reconcile, reconcileIntervalMs } from "./run/reconcile.ts";
import { runTask } from "./run/task.ts";
import type { ResourceLimits } from "./sandbox/limits.ts";

export interface WorkerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface WorkerOptions {
  id: string;
  version: string;
  tasks: TaskStore;
  workers: WorkerRegistry;
  stories: StoryStore;
  projects: ProjectStore;
  /** Where to fetch and push a project's repository, with the worker's (never the agent's) credentials. */
  repositoryAccess: (projectId: string) => Promise<RepositoryAccess>;
  cacheDir: string;
  concurrency: number;
  leaseMs: number;
  /** How often to look for work when nobody wakes the worker. */
  pollMs: number;
  /** How often a running task's lease is renewed, and its cancel flag read. */
  heartbeatMs: number;
  agentTimeoutMs: number;
  agentIdleTimeoutMs: number;
  /** `AIPM_AGENT_MODEL`: the model CLI agents are told to use; each CLI's default when absent. */
  agentModel?: string;
  /** `AIPM_AGENT_MAX_BUDGET_USD`: a run that costs more is stopped (`agent_budget_exceeded`). */
  maxBudgetUsd?: number;
  /**
   * `AIPM_AGENT_SANDBOX`: "on" runs every CLI agent in its sandbox, or fails its task
   * (`agent_sandbox_unavailable`) where no sandbox can be made; "off" runs agents unsandboxed.
   */
  agentSandbox: "on" | "off";
  /** `AIPM_AGENT_EGRESS`: hosts and ports every sandboxed agent may reach besides its provider's. */
  agentEgress?: readonly Endpoint[];
  /** `AIPM_AGENT_MAX_WORKTREE_MB`, in bytes: an agent whose worktree grows past it is stopped. */
  maxWorktreeBytes?: number;
  /** `AIPM_AGENT_MAX_MEMORY_MB` and `AIPM_AGENT_MAX_PROCESSES`: a sandboxed run's control group. */
  agentLimits?: ResourceLimits;
  protectedGlobs: readonly string[];
  /** The environment the agent's allow-list draws from. */
  parentEnv: Record<string, string | undefined>;
  gitAuthor: { name: string; email: string };
  /** How long SIGTERM waits for running tasks before handing them back. */
  shutdownGraceMs: number;
  metrics: WorkerMetrics;
  log: WorkerLogger;
}

export interface Worker {
  start(): void;
  /** Looks for work now instead of at the next poll. */
  wake(): void;
  /**
   * Stops claiming, lets running tasks finish within `graceMs` (default: the shutdown grace), hands
   * back the rest. A second call resolves with the first, ending its grace sooner if it asks to.
   */
  stop(graceMs?: number): Promise<void>;
  running(): string[];
  health(): {
    status: "ok" | "stopping";
    id: string;
    version: string;
    runningTasks: string[];
    lastLoopAt: string | null;
  };
}

/**
 * Creates a worker; `start()` begins claiming.
 *
 * @example const worker = createWorker(options); worker.start(); process.on("SIGTERM", () => worker.stop());
 */
export function createWorker(options: WorkerOptions): Worker {
  const { tasks, log, metrics } = options;
  const timers: NodeJS.Timeout[] = [];
  let started = false;
  let stopped: Promise<void> | null = null;
  const context = { options, agentGroups: agentGroupRecord(join(options.cacheDir, "agents")) };
  const loop = claimLoop({
    concurrency: options.concurrency,
    pollMs: options.pollMs,
    claim: () => tasks.claimNext(options.id, options.leaseMs),
    run: (task, abort) => runTask(context, task, abort),
    release: (task) => tasks.transition(task.id, "release", { leaseOwner: options.id }).then(() => {}),
    onClaimed: (task) =>
      metrics.claimLatency.observe(Math.max(0, Date.now() - Date.parse(task.createdAt)) / 1000),
    onRunningChanged: (count) => metrics.running.set(count),
    log,
  });
  const presence = workerPresence({
    workers: options.workers,
    id: options.id,
    version: options.version,
    leaseMs: options.leaseMs,
    // Installed CLIs and the worker's variables do not change while it runs.
    agents: agentAvailability(options.parentEnv),
    running: () => loop.running(),
    log,
  });
  const reconcileNow = () => reconcile({ tasks, metrics, log, wake: () => loop.wake() });

  return {
    start() {
      if (started) return;
      started = true;
      void context.agentGroups.killLeftovers().then(async (killed) => {
        if (killed > 0) log.info("ended agents left running by a worker that died", { killed });
        // Their agents ended, the HOMEs and sandbox dirs of worker processes that died can go.
        const removed = await removeLeftoverScratch();
        if (removed.length > 0) log.info("removed the scratch dirs of workers that died", { removed });
      });
      void presence.announce();
      timers.push(setInterval(() => void presence.announce(), 10_000));
      timers.push(setInterval(() => void reconcileNow(), reconcileIntervalMs(options.leaseMs)));
      void reconcileNow();
      loop.start();
    },
    wake: () => loop.wake(),
    stop(graceMs = options.shutdownGraceMs) {
      const loopStopped = loop.stop(graceMs);
      if (!stopped) {
        for (const timer of timers) clearInterval(timer);
        stopped = loopStopped.then(() => presence.leave());
      }
      return stopped;
    },
    running: () => loop.running(),
    health: () => ({
      status: loop.stopping() ? "stopping" : "ok",
      id: options.id,
      version: options.version,
      runningTasks: loop.running(),
      lastLoopAt: loop.lastLoopAt(),
    }),
  };
}

/**
 * @module worker: claims tasks, runs each in its own worktree with the agent, commits and pushes,
 * and records every step as an event. One worker runs `concurrency` tasks at once.
 */
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { NewEvent, ProjectStore, StoryStore, TaskStore, WorkerRegistry } from "@aipm/store";
import type { AgentUsage, CodeGenerationTask } from "@aipm/shared";
import { agentAvailability } from "./agent/availability.ts";
import { agentGroupRecord } from "./agent/leftovers.ts";
import { agentRunOutcome, failure, type Outcome } from "./agent/outcome.ts";
import type { Endpoint } from "./agent/profile.ts";
import { profileFor } from "./agent/profiles/index.ts";
import { runProfile } from "./agent/run-profile.ts";
import { runScaffoldAgent } from "./agents/scaffold.ts";
import { GitError, git } from "./git/git.ts";
import { commitAndPush, prepareWorktree, type RepositoryAccess, releaseWorktree } from "./git/workspace.ts";
import type { WorkerMetrics } from "./metrics.ts";
import { createOutputBuffer } from "./output-buffer.ts";
import { sandboxProblem } from "./sandbox/bwrap.ts";
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
  /** Stops claiming, lets running tasks finish within the grace period, hands back the rest. */
  stop(): Promise<void>;
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
  const active = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let stopping = false;
  let started = false;
  let lastLoopAt: string | null = null;
  let wakeUp: (() => void) | null = null;
  const timers: NodeJS.Timeout[] = [];
  const startedAt = new Date().toISOString();
  const agentGroups = agentGroupRecord(join(options.cacheDir, "agents"));
  // Installed CLIs and the worker's variables do not change while it runs.
  const agents = agentAvailability(options.parentEnv);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wakeUp = null;
        resolve();
      }, ms);
      wakeUp = () => {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      };
    });

  async function announce(): Promise<void> {
    await options.workers
      .heartbeat(
        {
          id: options.id,
          version: options.version,
          startedAt,
          lastHeartbeatAt: new Date().toISOString(),
          runningTasks: [...active.keys()],
          agents,
        },
        Math.max(30, Math.ceil((options.leaseMs * 2) / 1000)),
      )
      .catch((error) => log.error("worker heartbeat failed", { error: String(error) }));
  }

  async function reconcile(): Promise<void> {
    try {
      const changed = await tasks.reconcile();
      for (const change of changed) log.info("lease expired; task taken back", change);
      if (changed.some((change) => change.to === "queued")) wakeUp?.();
      metrics.queueDepth.set((await tasks.stats()).queued);
    } catch (error) {
      log.error("reconcile failed", { error: String(error) });
    }
  }

  /** Runs one attempt of `task`; what the agent consumed is left in `attempt.usage`, whatever the outcome. */
  async function execute(
    task: CodeGenerationTask,
    abort: AbortController,
    attempt: { usage: AgentUsage | null },
  ): Promise<Outcome> {
    const [record, project] = await Promise.all([
      options.stories.getStory(task.storyId),
      options.projects.get(task.projectId),
    ]);
    if (!record || !project)
      return failure("worker_error", "The story or its project was deleted before the agent ran.");
    const overheadStarted = performance.now();
    const access = await options.repositoryAccess(task.projectId);
    const worktree = await prepareWorktree({
      cacheDir: options.cacheDir,
      access,
      branch: task.branch,
    });
    try {
      const output = createOutputBuffer((events) =>
        tasks.appendEvents(task.id, events, { leaseOwner: options.id }),
      );
      await tasks.appendEvents(
        task.id,
        [
          {
            type: "agent.started",
            data: { agent: task.agent, baseCommit: worktree.baseSha, attempt: task.attempt },
          },
        ],
        { leaseOwner: options.id },
      );
      let overheadMs = performance.now() - overheadStarted;
      const agentStarted = performance.now();
      const profile = profileFor(task.agent);
      let result: Outcome | null = null;
      if (!profile) {
        const scaffold = await runScaffoldAgent({
          worktree: worktree.dir,
          story: record.story,
          acceptanceTests: record.acceptanceTests,
        });
        output.push("stdout", `${scaffold.summary}\n`);
      } else if (options.agentSandbox === "on" && sandboxProblem()) {
        result = failure("agent_sandbox_unavailable", `The agent was not started: ${sandboxProblem()}.`);
      } else {
        try {
          const run = await runProfile({
            profile,
            sandbox:
              options.agentSandbox === "on"
                ? {
                    egress: options.agentEgress ?? [],
                    // The worker's cache and, in local mode, the data dir around it; the worker's
                    // HOME and root's, where credentials live.
                    exclude: [options.cacheDir, dirname(options.cacheDir), homedir(), "/root"],
                  }
                : null,
            ...(options.maxWorktreeBytes !== undefined ? { maxWorktreeBytes: options.maxWorktreeBytes } : {}),
            ...(options.agentLimits ? { limits: options.agentLimits } : {}),
            taskId: task.id,
            storyId: task.storyId,
            worktree: worktree.dir,
            parentEnv: options.parentEnv,
            ...(options.agentModel ? { model: options.agentModel } : {}),
            ...(options.maxBudgetUsd !== undefined ? { maxBudgetUsd: options.maxBudgetUsd } : {}),
            totalTimeoutMs: options.agentTimeoutMs,
            idleTimeoutMs: options.agentIdleTimeoutMs,
            signal: abort.signal,
            onOutput: (stream, text) => output.push(stream, text),
            onSpawn: (processGroupId) => void agentGroups.add(task.id, processGroupId).catch(() => {}),
          });
          await output.flush();
          const exited: NewEvent = {
            type: "agent.exited",
            data: {
              reason: run.failure ? run.failure.code : run.run.reason,
              exitCode: run.run.exitCode,
              signal: run.run.signal,
              durationMs: Math.round(run.run.durationMs),
              truncated: run.run.truncated,
            },
          };
          attempt.usage = run.usage;
          await tasks.appendEvents(
            task.id,
            run.usage ? [exited, { type: "agent.usage", data: run.usage }] : [exited],
            { leaseOwner: options.id },
          );
          result = agentRunOutcome(
            run,
            { totalTimeoutMs: options.agentTimeoutMs, idleTimeoutMs: options.agentIdleTimeoutMs },
            output.tail(20),
          );
        } finally {
          await agentGroups.remove(task.id);
        }
      }
      await output.close();
      metrics.agentDuration.observe(
        { agent: task.agent.startsWith("command:") ? "command" : task.agent },
        (performance.now() - agentStarted) / 1000,
      );
      if (result) return result;

      const commitStarted = performance.now();
      const committed = await commitAndPush({
        worktree,
        access,
        message: `AIPM: ${record.story.title}\n\nStory ${record.story.id}, task ${task.id} (attempt ${task.attempt}, agent ${task.agent}).`,
        author: options.gitAuthor,
        protectedGlobs: options.protectedGlobs,
        leftoverGlobs: profile?.leftovers ?? [],
      });
      overheadMs += performance.now() - commitStarted;
      metrics.workerOverhead.observe(overheadMs / 1000);
      const events: NewEvent[] = [];
      if (committed.protectedPaths.length > 0) {
        events.push({
          type: "log",
          data: {
            message: "Protected paths were changed by the agent and left out of the commit.",
            paths: committed.protectedPaths,
          },
        });
      }
      if (committed.leftoverPaths.length > 0) {
        events.push({
          type: "log",
          data: {
            message: "Files the agent's CLI wrote for itself were left out of the commit.",
            paths: committed.leftoverPaths.slice(0, 50),
          },
        });
      }
      if (!committed.commit) {
        // An earlier attempt pushed this task's commit, then lost its lease before recording it
        // (a crash or an expired lease right after the push): the work is on the branch.
        const base = await git(["log", "-1", "--format=%B", worktree.baseSha], { cwd: worktree.dir });
        if (base.includes(`, task ${task.id} (attempt `)) {
          events.push({
            type: "log",
            data: {
              message: "An earlier attempt already pushed this task's commit.",
              commit: worktree.baseSha,
            },
          });
          return { action: "succeed", commit: worktree.baseSha, events };
        }
        return {
          ...failure(
            "nothing_to_commit",
            "The agent finished without changing any file that may be committed.",
          ),
          events,
        };
      }
      events.push(
        {
          type: "git.committed",
          data: {
            commit: committed.commit,
            files: committed.files.slice(0, 200),
            fileCount: committed.files.length,
          },
        },
        { type: "git.pushed", data: { commit: committed.commit, branch: task.branch } },
      );
      return { action: "succeed", commit: committed.commit, events };
    } finally {
      await releaseWorktree(worktree);
    }
  }

  async function runTask(task: CodeGenerationTask, abort: AbortController): Promise<void> {
    let leaseLost = false;
    // One heartbeat at a time: when the store is slow, overlapping ones queue on the task's item
    // and each lands later than the last, until the lease expires under a live worker.
    let beating = false;
    const heartbeat = setInterval(() => {
      if (beating) return;
      beating = true;
      tasks
        .heartbeat(task.id, options.id, options.leaseMs)
        .then((current) => {
          if (current === null) {
            leaseLost = true;
            abort.abort("lease lost");
          } else if (current.cancelRequested) abort.abort("cancel requested");
        })
        .catch((error) => log.error("task heartbeat failed", { taskId: task.id, error: String(error) }))
        .finally(() => {
          beating = false;
        });
    }, options.heartbeatMs);
    let outcome: Outcome;
    const attempt: { usage: AgentUsage | null } = { usage: null };
    try {
      outcome = await execute(task, abort, attempt);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof GitError && error.args[0] === "push")
        outcome = failure("push_rejected", `${message} The branch moved meanwhile; retry the task.`);
      else if (error instanceof GitError) outcome = failure("git_failed", message);
      else outcome = failure("worker_error", message);
    } finally {
      clearInterval(heartbeat);
    }
    if (leaseLost) {
      log.info("lease lost; leaving the task to its new owner", { taskId: task.id });
      return;
    }
    if (outcome.action === "confirm_cancel" && abort.signal.reason !== "cancel requested")
      outcome = { action: "release" };
    try {
      const finished = await tasks.transition(task.id, outcome.action, {
        leaseOwner: options.id,
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.commit ? { commit: outcome.commit } : {}),
        ...(outcome.events ? { events: outcome.events } : {}),
        ...(attempt.usage ? { usage: attempt.usage } : {}),
      });
      metrics.tasks.inc({ outcome: outcome.action === "release" ? "released" : finished.status });
      log.info("task finished", { taskId: task.id, status: finished.status, error: outcome.error?.code });
    } catch (error) {
      // A cancel that arrived while committing turns `succeed` into a conflict: cancel wins.
      if (outcome.action !== "confirm_cancel") {
        const current = await tasks.get(task.id);
        if (current?.cancelRequested && current.status === "running") {
          await tasks
            .transition(task.id, "confirm_cancel", {
              leaseOwner: options.id,
              ...(attempt.usage ? { usage: attempt.usage } : {}),
            })
            .catch(() => {});
          metrics.tasks.inc({ outcome: "cancelled" });
          return;
        }
      }
      log.error("could not record the task's outcome", { taskId: task.id, error: String(error) });
    }
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      lastLoopAt = new Date().toISOString();
      if (active.size < options.concurrency) {
        let task: CodeGenerationTask | null = null;
        try {
          task = await tasks.claimNext(options.id, options.leaseMs);
        } catch (error) {
          log.error("claim failed", { error: String(error) });
        }
        if (task && !stopping) {
          metrics.claimLatency.observe(Math.max(0, Date.now() - Date.parse(task.createdAt)) / 1000);
          const abort = new AbortController();
          const claimed = task;
          const done = runTask(claimed, abort).finally(() => {
            active.delete(claimed.id);
            metrics.running.set(active.size);
            wakeUp?.();
          });
          active.set(task.id, { abort, done });
          metrics.running.set(active.size);
          log.info("task claimed", { taskId: task.id, attempt: task.attempt });
          continue;
        }
        if (task && stopping)
          await tasks.transition(task.id, "release", { leaseOwner: options.id }).catch(() => {});
      }
      await sleep(options.pollMs);
    }
  }

  return {
    start() {
      if (started) return;
      started = true;
      void agentGroups.killLeftovers().then((killed) => {
        if (killed > 0) log.info("ended agents left running by a worker that died", { killed });
      });
      void announce();
      timers.push(setInterval(() => void announce(), 10_000));
      timers.push(
        setInterval(() => void reconcile(), Math.max(1_000, Math.min(15_000, options.leaseMs / 4))),
      );
      void reconcile();
      void loop();
    },
    wake() {
      wakeUp?.();
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      wakeUp?.();
      for (const timer of timers) clearInterval(timer);
      const all = Promise.all([...active.values()].map((entry) => entry.done));
      const grace = new Promise((resolve) => setTimeout(resolve, options.shutdownGraceMs).unref());
      await Promise.race([all, grace]);
      for (const entry of active.values()) entry.abort.abort("shutdown");
      await all;
      await options.workers
        .heartbeat(
          {
            id: options.id,
            version: options.version,
            startedAt,
            lastHeartbeatAt: new Date().toISOString(),
            runningTasks: [],
          },
          1,
        )
        .catch(() => {});
    },
    running: () => [...active.keys()],
    health: () => ({
      status: stopping ? "stopping" : "ok",
      id: options.id,
      version: options.version,
      runningTasks: [...active.keys()],
      lastLoopAt,
    }),
  };
}

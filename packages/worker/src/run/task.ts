/**
 * @module run/task: a claimed task from start to its recorded outcome: keeps its lease while the
 * attempt runs, maps how the attempt ended to the task's transition, and records it. A cancel
 * that lands while the outcome is recorded wins over it.
 */
import type { AgentUsage, CodeGenerationTask } from "@aipm/shared";
import type { Outcome } from "../agent/outcome.ts";
import { type AttemptContext, runAttempt } from "./attempt.ts";
import { keepLease } from "./lease.ts";
import { taskOutcome } from "./outcome.ts";

/**
 * Runs one attempt of a claimed `task` and records its outcome; never rejects.
 *
 * @example const done = runTask(context, task, new AbortController());
 */
export async function runTask(
  context: AttemptContext,
  task: CodeGenerationTask,
  abort: AbortController,
): Promise<void> {
  const { options } = context;
  const lease = keepLease({
    tasks: options.tasks,
    taskId: task.id,
    owner: options.id,
    leaseMs: options.leaseMs,
    heartbeatMs: options.heartbeatMs,
    abort,
    log: options.log,
  });
  const spent: { usage: AgentUsage | null } = { usage: null };
  let end: Awaited<ReturnType<typeof runAttempt>>;
  try {
    end = await runAttempt(context, task, abort, spent);
  } finally {
    lease.stop();
  }
  const outcome = taskOutcome(end, {
    leaseLost: lease.lost(),
    abortReason: abort.signal.reason,
    limits: { totalTimeoutMs: options.agentTimeoutMs, idleTimeoutMs: options.agentIdleTimeoutMs },
  });
  if (!outcome) {
    options.log.info("lease lost; leaving the task to its new owner", { taskId: task.id });
    return;
  }
  await recordOutcome(context, task, outcome, spent.usage).catch((error) =>
    options.log.error("could not record the task's outcome", { taskId: task.id, error: String(error) }),
  );
}

/** Asks the task's state machine for `outcome`; when that conflicts with a cancel requested meanwhile, confirms the cancel. */
async function recordOutcome(
  { options }: AttemptContext,
  task: CodeGenerationTask,
  outcome: Outcome,
  usage: AgentUsage | null,
): Promise<void> {
  const { tasks, metrics, log } = options;
  const spent = usage ? { usage } : {};
  try {
    const finished = await tasks.transition(task.id, outcome.action, {
      leaseOwner: options.id,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.commit ? { commit: outcome.commit } : {}),
      ...(outcome.events ? { events: outcome.events } : {}),
      ...spent,
    });
    metrics.tasks.inc({ outcome: outcome.action === "release" ? "released" : finished.status });
    log.info("task finished", { taskId: task.id, status: finished.status, error: outcome.error?.code });
  } catch (error) {
    // A cancel that arrived while committing turns `succeed` into a conflict: cancel wins.
    if (outcome.action !== "confirm_cancel") {
      const current = await tasks.get(task.id);
      if (current?.cancelRequested && current.status === "running") {
        await tasks
          .transition(task.id, "confirm_cancel", { leaseOwner: options.id, ...spent })
          .catch(() => {});
        metrics.tasks.inc({ outcome: "cancelled" });
        return;
      }
    }
    log.error("could not record the task's outcome", { taskId: task.id, error: String(error) });
  }
}

/**
 * @module task-state: the one state machine every change of a task's status goes through.
 */
import type { CodeGenerationTask } from "./task.ts";
import { type TaskErrorCode, type TaskEventType, type TaskStatus, terminalTaskStatuses } from "./values.ts";

/** What can happen to a task. Each action is valid only from some states. */
export const taskActions = [
  "claim",
  "succeed",
  /** The work was committed, and the project's test command then failed. */
  "succeed_with_failures",
  "fail",
  "time_out",
  "expire_lease",
  "release",
  "request_cancel",
  "confirm_cancel",
] as const;
export type TaskAction = (typeof taskActions)[number];

/** The part of a task the state machine reads. */
export type TaskState = Pick<CodeGenerationTask, "status" | "attempt" | "maxAttempts" | "cancelRequested">;

export interface TaskTransition {
  from: TaskStatus;
  to: TaskStatus;
  /** The event this transition records. */
  event: TaskEventType;
  attempt: number;
  cancelRequested: boolean;
  /** Set when the machine itself decides the failure (attempts used up). */
  errorCode?: TaskErrorCode;
}

export type TaskTransitionResult =
  | ({ ok: true } & TaskTransition)
  | { ok: false; from: TaskStatus; action: TaskAction; reason: string };

/** True for the states a task never leaves; a retry makes a new task instead. */
export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return (terminalTaskStatuses as readonly TaskStatus[]).includes(status);
}

/**
 * A failed, cancelled or timed-out task can be retried (as a new task on the same pull request), and
 * so can one whose tests failed: the agent gets another go at making them pass.
 */
export function canRetryTask(status: TaskStatus): boolean {
  return (
    status === "failed" ||
    status === "cancelled" ||
    status === "timed_out" ||
    status === "succeeded_with_failures"
  );
}

/**
 * Validates `action` against the task's current state and names the resulting state and the event
 * to record. It changes nothing: the caller writes the result with a condition on `from`.
 *
 * @example
 * decideTaskTransition({ status: "queued", attempt: 1, maxAttempts: 3, cancelRequested: false }, "claim")
 * // { ok: true, from: "queued", to: "running", event: "task.claimed", attempt: 1, cancelRequested: false }
 */
export function decideTaskTransition(task: TaskState, action: TaskAction): TaskTransitionResult {
  const { status: from, attempt, cancelRequested } = task;
  const to = (
    status: TaskStatus,
    event: TaskEventType,
    extra: Partial<TaskTransition> = {},
  ): TaskTransitionResult => ({
    ok: true,
    from,
    to: status,
    event,
    attempt,
    cancelRequested: isTerminalTaskStatus(status) ? false : cancelRequested,
    ...extra,
  });
  const refuse = (reason: string): TaskTransitionResult => ({ ok: false, from, action, reason });

  if (isTerminalTaskStatus(from))
    return refuse(`the task is ${from}, which is final; retry it to run it again`);

  switch (action) {
    case "claim":
      return from === "queued" ? to("running", "task.claimed") : refuse("only a queued task can be claimed");
    case "succeed":
      return from === "running"
        ? to("succeeded", "task.succeeded")
        : refuse("only a running task can succeed");
    case "succeed_with_failures":
      return from === "running"
        ? to("succeeded_with_failures", "task.succeeded_with_failures")
        : refuse("only a running task can succeed");
    case "fail":
      return from === "running" ? to("failed", "task.failed") : refuse("only a running task can fail");
    case "time_out":
      return from === "running"
        ? to("timed_out", "task.timed_out")
        : refuse("only a running task can time out");
    case "expire_lease":
      if (from !== "running") return refuse("only a running task holds a lease");
      if (cancelRequested) return to("cancelled", "task.cancelled");
      if (attempt >= task.maxAttempts) return to("failed", "task.failed", { errorCode: "lease_expired" });
      return to("queued", "task.lease_expired", { attempt: attempt + 1 });
    case "release":
      if (from !== "running") return refuse("only a running task can be handed back");
      return cancelRequested ? to("cancelled", "task.cancelled") : to("queued", "task.released");
    case "request_cancel":
      if (from === "queued") return to("cancelled", "task.cancelled");
      if (cancelRequested) return refuse("cancellation was already requested");
      return to("running", "task.cancel_requested", { cancelRequested: true });
    case "confirm_cancel":
      return from === "running" && cancelRequested
        ? to("cancelled", "task.cancelled")
        : refuse("only a running task whose cancellation was requested can be cancelled by its worker");
  }
}

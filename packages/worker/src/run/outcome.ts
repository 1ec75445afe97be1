/**
 * @module run/outcome: what one attempt's end means for its task: the transition the worker asks of
 * the task's state machine, or none when the lease is lost. A pure function, tested as a table.
 */
import type { NewEvent } from "@aipm/store";
import { agentRunOutcome, failure, type Outcome } from "../agent/outcome.ts";
import type { ProfileRunResult } from "../agent/run-profile.ts";
import { GitError } from "../git/git.ts";

/** How an attempt ended, as the attempt saw it. */
export type AttemptEnd =
  /** The story or its project was deleted before the agent ran. */
  | { type: "gone" }
  /** The sandbox is required and cannot be made here; the agent was not started. */
  | { type: "sandbox_unavailable"; problem: string }
  /** The agent's run ended the task (a failure, a timeout, a cancel); nothing was committed. */
  | { type: "agent_ended"; run: Pick<ProfileRunResult, "run" | "failure">; lastOutput: string }
  /**
   * The agent left nothing that may be committed; `earlierCommit` is this task's commit already on
   * the branch. `testsFailed`: the project's tests ran on it and did not pass.
   */
  | { type: "nothing_to_commit"; earlierCommit: string | null; events: NewEvent[]; testsFailed?: boolean }
  | { type: "committed"; commit: string; events: NewEvent[]; testsFailed?: boolean }
  /** Something threw: preparing the worktree, git, the store. */
  | { type: "threw"; error: unknown };

export interface AttemptCircumstances {
  /** The task's lease was lost while the attempt ran: someone else owns the task now. */
  leaseLost: boolean;
  /** Why the attempt was aborted, if it was: "cancel requested", "lease lost" or "shutdown". */
  abortReason: unknown;
  limits: { totalTimeoutMs: number; idleTimeoutMs: number };
}

/**
 * The outcome to record for an attempt that ended with `end`, or null when nothing may be recorded
 * because the lease was lost. A cancel that nobody requested (a shutdown) hands the task back.
 *
 * @example taskOutcome({ type: "committed", commit, events }, circumstances) // { action: "succeed", commit, events }
 */
export function taskOutcome(end: AttemptEnd, circumstances: AttemptCircumstances): Outcome | null {
  if (circumstances.leaseLost) return null;
  const outcome = endOutcome(end, circumstances.limits);
  if (outcome.action === "confirm_cancel" && circumstances.abortReason !== "cancel requested")
    return { action: "release" };
  return outcome;
}

function endOutcome(end: AttemptEnd, limits: AttemptCircumstances["limits"]): Outcome {
  switch (end.type) {
    case "gone":
      return failure("worker_error", "The story or its project was deleted before the agent ran.");
    case "sandbox_unavailable":
      return failure("agent_sandbox_unavailable", `The agent was not started: ${end.problem}.`);
    case "agent_ended":
      // A clean exit does not end an attempt here; should one arrive, nothing was committed.
      return (
        agentRunOutcome(end.run, limits, end.lastOutput) ??
        failure("worker_error", "The agent's run ended the attempt without a reason.")
      );
    case "nothing_to_commit":
      // An earlier attempt pushed this task's commit, then lost its lease before recording it
      // (a crash or an expired lease right after the push): the work is on the branch.
      if (end.earlierCommit)
        return {
          action: end.testsFailed ? "succeed_with_failures" : "succeed",
          commit: end.earlierCommit,
          events: [
            ...end.events,
            {
              type: "log",
              data: {
                message: "An earlier attempt already pushed this task's commit.",
                commit: end.earlierCommit,
              },
            },
          ],
        };
      return {
        ...failure(
          "nothing_to_commit",
          "The agent finished without changing any file that may be committed.",
        ),
        events: end.events,
      };
    case "committed":
      return {
        action: end.testsFailed ? "succeed_with_failures" : "succeed",
        commit: end.commit,
        events: end.events,
      };
    case "threw":
      return thrownOutcome(end.error);
  }
}

function thrownOutcome(error: unknown): Outcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof GitError && error.args[0] === "push")
    return failure("push_rejected", `${message} The branch moved meanwhile; retry the task.`);
  if (error instanceof GitError) return failure("git_failed", message);
  return failure("worker_error", message);
}

/** Whether an agent's run ends the attempt (failed, timed out, cancelled) rather than going on to commit. */
export function agentRunEndsAttempt(run: Pick<ProfileRunResult, "run" | "failure">): boolean {
  return agentRunOutcome(run, { totalTimeoutMs: 0, idleTimeoutMs: 0 }, "") !== null;
}

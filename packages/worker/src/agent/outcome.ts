/**
 * @module agent/outcome: which task outcome one agent run leads to. A pure function, tested as a table.
 */

import type { TaskAction, TaskError, TaskErrorCode } from "@aipm/shared";
import type { NewEvent } from "@aipm/store";
import type { ProfileRunResult } from "./run-profile.ts";

/** What the worker asks of the task's state machine when it is done with a task. */
export interface Outcome {
  action: TaskAction;
  error?: TaskError;
  commit?: string;
  events?: NewEvent[];
}

export const failure = (code: TaskErrorCode, message: string): Outcome => ({
  action: "fail",
  error: { code, message },
});

/**
 * The outcome of an agent run that ends the task, or null when the worker should go on and commit
 * what the agent left. `lastOutput` is the end of the agent's output, for a failed exit's message.
 *
 * @example agentRunOutcome(result, { totalTimeoutMs: 1_800_000, idleTimeoutMs: 600_000 }, tail) // null
 */
export function agentRunOutcome(
  { run, failure: reported }: Pick<ProfileRunResult, "run" | "failure">,
  limits: { totalTimeoutMs: number; idleTimeoutMs: number },
  lastOutput: string,
): Outcome | null {
  // runProfile reports no failure for a run cancelled from outside, so a failure wins here.
  if (reported) return failure(reported.code, reported.message);
  if (run.reason === "cancelled") return { action: "confirm_cancel" };
  if (run.reason === "total_timeout")
    return {
      action: "time_out",
      error: {
        code: "agent_timeout",
        message: `The agent ran longer than ${Math.round(limits.totalTimeoutMs / 1000)} s (AIPM_AGENT_TIMEOUT_S) and was stopped.`,
      },
    };
  if (run.reason === "idle_timeout")
    return {
      action: "time_out",
      error: {
        code: "agent_idle_timeout",
        message: `The agent printed nothing for ${Math.round(limits.idleTimeoutMs / 1000)} s (AIPM_AGENT_IDLE_TIMEOUT_S) and was stopped.`,
      },
    };
  if (run.reason === "spawn_failed")
    return failure("agent_not_found", run.error ?? "The agent could not be started.");
  if (run.exitCode !== 0)
    return failure(
      "agent_failed",
      `The agent exited with code ${run.exitCode ?? run.signal}. Last output:\n${lastOutput}`,
    );
  return null;
}

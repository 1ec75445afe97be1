/**
 * @module task-transitions: a task's changes of status through `decideTaskTransition`, each
 * written with the event that records it, retried when it loses a race with another write.
 */

import {
  type AgentUsage,
  type CodeGenerationTask,
  decideTaskTransition,
  sumUsage,
  type TaskAction,
  type TaskError,
} from "@aipm/shared";
import { StoreError } from "./errors.ts";
import {
  fromItem,
  isRace,
  MAX_RACE_RETRIES,
  type NewEvent,
  type TaskTable,
  TERMINAL_STATUSES,
} from "./task-table.ts";

export interface TransitionOptions {
  /** The worker that must hold the lease for the change to apply. */
  leaseOwner?: string;
  error?: TaskError | null;
  commit?: string | null;
  /** What the agent consumed in this attempt: added to the task's usage. */
  usage?: AgentUsage | null;
  /** Extra data for the event the transition records. */
  data?: Record<string, unknown>;
  /** Events that led to the transition, recorded just before its own event, atomically. */
  events?: readonly NewEvent[];
}

/**
 * Applies an action through the state machine; `invalid_transition` when the task's status does
 * not allow it. A transition that ends the task releases its story's lock in the same write.
 */
export async function transition(
  table: TaskTable,
  taskId: string,
  action: TaskAction,
  options: TransitionOptions = {},
): Promise<CodeGenerationTask> {
  for (let attempt = 0; ; attempt++) {
    const item = await table.getItem(taskId);
    if (!item) throw StoreError.notFound(`Task ${taskId} does not exist.`);
    const task = fromItem(item);
    if (options.leaseOwner !== undefined && task.leaseOwner !== options.leaseOwner) {
      throw new StoreError("lease_lost", `Task ${taskId} is not leased to ${options.leaseOwner}.`);
    }
    const decision = decideTaskTransition(task, action);
    if (!decision.ok)
      throw new StoreError(
        "invalid_transition",
        `Task ${taskId} cannot ${action.replace("_", " ")}: ${decision.reason}.`,
      );
    const at = table.now().toISOString();
    const terminal = TERMINAL_STATUSES.includes(decision.to);
    const error =
      options.error !== undefined
        ? options.error
        : decision.errorCode
          ? {
              code: decision.errorCode,
              message: `The worker's lease expired on the last of ${task.maxAttempts} attempts.`,
            }
          : undefined;
    const changes: Partial<CodeGenerationTask> = {
      status: decision.to,
      attempt: decision.attempt,
      cancelRequested: decision.cancelRequested,
      ...(decision.to === "queued" || terminal ? { leaseOwner: null, leaseExpiresAt: null } : {}),
      ...(terminal ? { finishedAt: at } : {}),
      ...(error !== undefined ? { error } : {}),
      ...(options.commit !== undefined ? { commit: options.commit } : {}),
      ...(options.usage ? { usage: sumUsage(task.usage, options.usage) } : {}),
    };
    const eventData = {
      from: decision.from,
      to: decision.to,
      attempt: decision.attempt,
      ...(error ? { error } : {}),
      ...(options.commit ? { commit: options.commit } : {}),
      ...options.data,
    };
    try {
      return await table.write(
        item,
        changes,
        [...(options.events ?? []), { type: decision.event, data: eventData }],
        options.leaseOwner,
      );
    } catch (raceError) {
      if (!isRace(raceError) || attempt >= MAX_RACE_RETRIES) throw raceError;
    }
  }
}

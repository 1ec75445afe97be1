/**
 * @module tasks: the durable code-generation queue on DynamoDB.
 *
 * Every change of a task goes through `decideTaskTransition` and is written in one transaction
 * with the event that records it (task-table.ts); claims, leases and the reconciler are in
 * task-queue.ts, status changes in task-transitions.ts. This module holds the store's interface,
 * the creation of a task and the reads.
 */

import {
  type CodeGenerationTask,
  summarizeUsage,
  type TaskAction,
  type TaskEvent,
  type TaskStatus,
  taskStatuses,
  type UsageSummary,
} from "@aipm/shared";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Dynamo, Item } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import { QUEUE_NUMBER } from "./queue-numbers.ts";
import { taskImportStore } from "./task-import.ts";
import { claimNext, heartbeat, type QueueStats, queueStats, reconcile } from "./task-queue.ts";
import { ACTIVE_TASK_PART, fromItem, type NewEvent, storyLockKey, taskTable } from "./task-table.ts";
import { type TransitionOptions, transition } from "./task-transitions.ts";
import { failedParts, isConditionFailure, TRANSACTION_LIMIT, type TransactionPart } from "./transactions.ts";

export type { QueueStats } from "./task-queue.ts";
export type { NewEvent } from "./task-table.ts";
export { ACTIVE_TASK_PART } from "./task-table.ts";
export type { TransitionOptions } from "./task-transitions.ts";

export interface TaskListFilter {
  projectId?: string;
  storyId?: string;
  status?: TaskStatus;
  limit?: number;
}

export interface TaskStore {
  /**
   * Writes a new queued task with its first events, and `parts` of other stores (a story's move,
   * say) in the same transaction: all of it or none. When a part's condition fails, throws a
   * `conflict` StoreError whose `parts` names the failed parts. The task becomes its story's
   * active task in the same transaction: when the story has another (or another request reserved
   * it), throws a `conflict` whose `parts` holds {@link ACTIVE_TASK_PART}.
   */
  create(
    task: CodeGenerationTask,
    events: readonly NewEvent[],
    parts?: readonly TransactionPart[],
  ): Promise<void>;
  /**
   * Reserves the story's lock for a task about to be created (`create` then confirms it), for
   * `seconds` at most; false when the story has an active task or another reservation.
   */
  reserveStory(storyId: string, taskId: string, seconds: number): Promise<boolean>;
  /** Gives back a reservation whose task was not created; a no-op once the task exists. */
  releaseReservation(storyId: string, taskId: string): Promise<void>;
  get(taskId: string): Promise<CodeGenerationTask | null>;
  /** The tasks with these ids that exist, in no particular order: BatchGetItem, 100 ids a request. */
  getMany(taskIds: readonly string[]): Promise<CodeGenerationTask[]>;
  list(filter: TaskListFilter): Promise<CodeGenerationTask[]>;
  /** What the project's agents consumed, in all and per story, over the tasks created since `since`. */
  usage(projectId: string, since: string | null): Promise<UsageSummary>;
  /**
   * Claims the oldest queued task for `workerId`, or returns null when none is left for it: none
   * is queued, or each queued one is already being claimed by another worker.
   */
  claimNext(workerId: string, leaseMs: number): Promise<CodeGenerationTask | null>;
  /** Extends the lease; null when the worker no longer holds it; throws when the task is too busy to renew now. */
  heartbeat(taskId: string, workerId: string, leaseMs: number): Promise<CodeGenerationTask | null>;
  /** Applies an action through the state machine; 409 when the task is not in a state that allows it. */
  transition(taskId: string, action: TaskAction, options?: TransitionOptions): Promise<CodeGenerationTask>;
  /** Appends events (e.g. agent output) with the next sequence numbers; returns the last one. */
  appendEvents(
    taskId: string,
    events: readonly NewEvent[],
    options?: { leaseOwner?: string },
  ): Promise<number>;
  listEvents(taskId: string, afterSeq: number, limit: number): Promise<TaskEvent[]>;
  /** Takes back expired leases: requeue, or fail after the last attempt. Returns what it changed. */
  reconcile(): Promise<{ taskId: string; to: TaskStatus }[]>;
  stats(): Promise<QueueStats>;
  /** Writes finished tasks as history (an import's; see task-import.ts), each only if its id is free. */
  importTasks(tasks: readonly CodeGenerationTask[]): Promise<void>;
  /** Deletes tasks by id: an import's, when the import failed after writing them. */
  deleteTasks(taskIds: readonly string[]): Promise<void>;
}

const ALL_STATUSES: readonly TaskStatus[] = taskStatuses;

export function dynamoTaskStore(dynamo: Dynamo, now: () => Date = () => new Date()): TaskStore {
  const table = taskTable(dynamo, now);
  const { TableName, EventsTable, query } = table;
  // Workers whose last claim found nothing queued: this process's memory, see claimNext.
  const idleWorkers = new Set<string>();

  return {
    async create(task, events, parts = []) {
      // A queued task takes its place in the queue now; if the write fails, the number is a hole.
      const queueNumber = task.status === "queued" ? { [QUEUE_NUMBER]: await table.numbers.next() } : {};
      const items = [
        {
          Put: {
            TableName,
            Item: { pk: task.id, ...task, lastEventSeq: events.length, ...queueNumber },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        table.lockAcquire(task.storyId, task.id),
        ...table.eventPuts(task.id, 1, events, task.createdAt),
      ];
      const own = items.length;
      const all = [...items, ...parts.flatMap((part) => part.items)];
      if (all.length > TRANSACTION_LIMIT)
        throw new Error(
          `A new task's write holds ${all.length} items, more than DynamoDB's ${TRANSACTION_LIMIT}.`,
        );
      try {
        await dynamo.doc.send(new TransactWriteCommand({ TransactItems: all }));
      } catch (error) {
        const lockFailed =
          error instanceof TransactionCanceledException &&
          error.CancellationReasons?.[1]?.Code === "ConditionalCheckFailed";
        const failed = [...(lockFailed ? [ACTIVE_TASK_PART] : []), ...failedParts(error, parts, own)];
        if (failed.length === 0) throw error;
        if (lockFailed) {
          const lock = await table.getItem(storyLockKey(task.storyId));
          const holder = lock?.activeTaskId ? ` task ${String(lock.activeTaskId)}` : " another task";
          throw new StoreError(
            "conflict",
            `Story ${task.storyId} already has an active task (${holder.trim()}, or one another request is starting). Cancel it or wait for it to finish.`,
            failed,
          );
        }
        throw new StoreError(
          "conflict",
          `Task ${task.id} was not queued: ${failed.join(" and ")} changed meanwhile.`,
          failed,
        );
      }
    },

    async reserveStory(storyId, taskId, seconds) {
      const nowMs = now().getTime();
      try {
        await dynamo.doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: storyLockKey(storyId) },
            UpdateExpression: "SET activeTaskId = :taskId, storyId = :storyId, reservedUntil = :until",
            ConditionExpression: "attribute_not_exists(activeTaskId) OR reservedUntil < :now",
            ExpressionAttributeValues: {
              ":taskId": taskId,
              ":storyId": storyId,
              ":until": nowMs + seconds * 1000,
              ":now": nowMs,
            },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async releaseReservation(storyId, taskId) {
      try {
        await dynamo.doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: storyLockKey(storyId) },
            UpdateExpression: "REMOVE activeTaskId, reservedUntil",
            ConditionExpression: "activeTaskId = :taskId AND attribute_exists(reservedUntil)",
            ExpressionAttributeValues: { ":taskId": taskId },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async get(taskId) {
      const item = await table.getItem(taskId);
      return item ? fromItem(item) : null;
    },

    async getMany(taskIds) {
      const ids = [...new Set(taskIds)];
      const found: CodeGenerationTask[] = [];
      for (let start = 0; start < ids.length; start += 100) {
        let keys: Record<string, unknown>[] | undefined = ids.slice(start, start + 100).map((pk) => ({ pk }));
        // BatchGetItem may hand some keys back to be asked for again.
        for (let round = 0; keys && keys.length > 0; round++) {
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
          const answer: BatchGetCommandOutput = await dynamo.doc.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys } } }),
          );
          found.push(...(answer.Responses?.[TableName] ?? []).map(fromItem));
          keys = answer.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      return found;
    },

    async usage(projectId, since) {
      // Only the two attributes summed: a project's whole task history, read cheaply.
      const items = await query({
        IndexName: "byProject",
        KeyConditionExpression: since
          ? "projectId = :projectId AND createdAt >= :since"
          : "projectId = :projectId",
        ExpressionAttributeValues: { ":projectId": projectId, ...(since ? { ":since": since } : {}) },
        ProjectionExpression: "storyId, #usage",
        ExpressionAttributeNames: { "#usage": "usage" },
      });
      return summarizeUsage(items as unknown as Pick<CodeGenerationTask, "storyId" | "usage">[], since);
    },

    async list(filter) {
      const limit = filter.limit ?? 100;
      let items: Item[];
      if (filter.projectId) {
        items = await query(
          {
            IndexName: "byProject",
            KeyConditionExpression: "projectId = :projectId",
            ExpressionAttributeValues: { ":projectId": filter.projectId },
            ScanIndexForward: false,
          },
          TableName,
          filter.status || filter.storyId ? Infinity : limit,
        );
        if (filter.status) items = items.filter((item) => item.status === filter.status);
      } else {
        const statuses = filter.status ? [filter.status] : ALL_STATUSES;
        const perStatus = await Promise.all(
          statuses.map((status) =>
            query(
              {
                IndexName: "byStatus",
                KeyConditionExpression: "#status = :status",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":status": status },
                ScanIndexForward: false,
              },
              TableName,
              limit,
            ),
          ),
        );
        items = perStatus.flat();
      }
      if (filter.storyId) items = items.filter((item) => item.storyId === filter.storyId);
      return items
        .map(fromItem)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
        .slice(0, limit);
    },

    claimNext: (workerId, leaseMs) => claimNext(table, idleWorkers, workerId, leaseMs),
    heartbeat: (taskId, workerId, leaseMs) => heartbeat(table, taskId, workerId, leaseMs),
    transition: (taskId, action, options) => transition(table, taskId, action, options),
    appendEvents: table.appendEvents,

    async listEvents(taskId, afterSeq, limit) {
      const items = await query(
        {
          KeyConditionExpression: "pk = :taskId AND seq > :after",
          ExpressionAttributeValues: { ":taskId": taskId, ":after": afterSeq },
          ConsistentRead: true,
          Limit: limit,
        },
        EventsTable,
        limit,
      );
      return items.map(({ pk: _pk, expiresAt: _expiresAt, ...event }) => event as unknown as TaskEvent);
    },

    reconcile: () => reconcile(table),
    stats: () => queueStats(table),
    ...taskImportStore(table),
  };
}

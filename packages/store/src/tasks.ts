/**
 * @module tasks: the durable code-generation queue on DynamoDB.
 *
 * Every change of a task goes through `decideTaskTransition` and is written in one transaction
 * with the event that records it: the task item carries `lastEventSeq`, and each write checks
 * the status (and lease owner) it expects and the sequence number it read. A claim is such a
 * write from `queued`, so two workers can never both win one task.
 */

import {
  type AgentUsage,
  type CodeGenerationTask,
  decideTaskTransition,
  summarizeUsage,
  sumUsage,
  type TaskAction,
  type TaskError,
  type TaskEvent,
  type TaskEventType,
  type TaskStatus,
  type UsageSummary,
} from "@aipm/shared";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, type QueryCommandInput, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { type Dynamo, type Item, queryAll } from "./dynamo.ts";
import { StoreError } from "./errors.ts";

/** Events are kept for 30 days. */
const EVENT_TTL_SECONDS = 30 * 24 * 3600;
/** DynamoDB's limit of items in one transaction, less the task item itself. */
const EVENTS_PER_WRITE = 99;
const MAX_RACE_RETRIES = 8;

export interface NewEvent {
  type: TaskEventType;
  data?: Record<string, unknown>;
}

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

export interface TaskListFilter {
  projectId?: string;
  storyId?: string;
  status?: TaskStatus;
  limit?: number;
}

export interface QueueStats {
  queued: number;
  running: number;
  oldestQueuedAt: string | null;
  /** Running tasks whose lease has expired: the reconciler's work. */
  expiredLeases: number;
}

export interface TaskStore {
  /** Writes a new queued task with its first events. */
  create(task: CodeGenerationTask, events: readonly NewEvent[]): Promise<void>;
  get(taskId: string): Promise<CodeGenerationTask | null>;
  list(filter: TaskListFilter): Promise<CodeGenerationTask[]>;
  /** What the project's agents consumed, in all and per story, over the tasks created since `since`. */
  usage(projectId: string, since: string | null): Promise<UsageSummary>;
  /** Claims the oldest queued task for `workerId`, or returns null when none is left. */
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
}

function fromItem(item: Item): CodeGenerationTask {
  const { pk: _pk, lastEventSeq: _seq, ...task } = item;
  // Tasks written before usage was recorded have none.
  return { usage: null, ...task } as unknown as CodeGenerationTask;
}

function isRace(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed")
  );
}

export function dynamoTaskStore(dynamo: Dynamo, now: () => Date = () => new Date()): TaskStore {
  const TableName = dynamo.tables.tasks;
  const EventsTable = dynamo.tables.taskEvents;

  async function getItem(taskId: string): Promise<Item | null> {
    const { Item } = await dynamo.doc.send(
      new GetCommand({ TableName, Key: { pk: taskId }, ConsistentRead: true }),
    );
    return Item ?? null;
  }

  const query = (input: Omit<QueryCommandInput, "TableName">, table = TableName, limit?: number) =>
    queryAll(dynamo, { TableName: table, ...input }, limit);

  function eventPuts(taskId: string, firstSeq: number, events: readonly NewEvent[], at: string) {
    const expiresAt = Math.floor(Date.parse(at) / 1000) + EVENT_TTL_SECONDS;
    return events.map((event, index) => ({
      Put: {
        TableName: EventsTable,
        Item: {
          pk: taskId,
          seq: firstSeq + index,
          taskId,
          at,
          type: event.type,
          data: event.data ?? {},
          expiresAt,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    }));
  }

  /**
   * Writes `changes` to the task and appends `events`, if the task is still as read: same status,
   * same last event, and (when given) the same lease owner.
   */
  async function write(
    item: Item,
    changes: Partial<CodeGenerationTask>,
    events: readonly NewEvent[],
    leaseOwner?: string,
  ): Promise<CodeGenerationTask> {
    const at = now().toISOString();
    const seen = Number(item.lastEventSeq ?? 0);
    const firstBatch = events.slice(0, EVENTS_PER_WRITE);
    const names: Record<string, string> = { "#status": "status", "#seq": "lastEventSeq" };
    const values: Record<string, unknown> = {
      ":expectedStatus": item.status,
      ":seen": seen,
      ":next": seen + firstBatch.length,
    };
    const sets = ["#seq = :next"];
    const next = { ...changes, updatedAt: at };
    for (const [field, value] of Object.entries(next)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    let condition = "#status = :expectedStatus AND #seq = :seen";
    if (leaseOwner !== undefined) {
      names["#leaseOwner"] = "leaseOwner";
      values[":owner"] = leaseOwner;
      condition += " AND #leaseOwner = :owner";
    }
    await dynamo.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: { pk: item.pk },
              UpdateExpression: `SET ${sets.join(", ")}`,
              ConditionExpression: condition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          ...eventPuts(String(item.pk), seen + 1, firstBatch, at),
        ],
      }),
    );
    const written = fromItem({ ...item, ...next });
    const rest = events.slice(EVENTS_PER_WRITE);
    if (rest.length > 0) await appendEvents(String(item.pk), rest, { leaseOwner });
    return written;
  }

  async function appendEvents(
    taskId: string,
    events: readonly NewEvent[],
    options: { leaseOwner?: string } = {},
  ) {
    let remaining = events;
    let last = 0;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      const item = await getItem(taskId);
      if (!item) throw StoreError.notFound(`Task ${taskId} does not exist.`);
      const batch = remaining.slice(0, EVENTS_PER_WRITE);
      try {
        await write(item, {}, batch, options.leaseOwner);
        remaining = remaining.slice(batch.length);
        last = Number(item.lastEventSeq ?? 0) + batch.length;
        attempt = 0;
      } catch (error) {
        if (!isRace(error) || attempt >= MAX_RACE_RETRIES) throw error;
        if (options.leaseOwner !== undefined && item.leaseOwner !== options.leaseOwner) {
          throw new StoreError("lease_lost", `Task ${taskId} is no longer leased to ${options.leaseOwner}.`);
        }
      }
    }
    return last;
  }

  return {
    async create(task, events) {
      const at = task.createdAt;
      await dynamo.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: { pk: task.id, ...task, lastEventSeq: events.length },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            ...eventPuts(task.id, 1, events, at),
          ],
        }),
      );
    },

    async get(taskId) {
      const item = await getItem(taskId);
      return item ? fromItem(item) : null;
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
        const statuses: TaskStatus[] = filter.status
          ? [filter.status]
          : ["queued", "running", "succeeded", "failed", "cancelled", "timed_out"];
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

    async claimNext(workerId, leaseMs) {
      // Several workers race for the oldest tasks; one that loses every candidate looks again
      // rather than sleeping while work waits.
      for (let round = 0; round < 5; round++) {
        const candidates = await query(
          {
            IndexName: "byStatus",
            KeyConditionExpression: "#status = :queued",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":queued": "queued" },
            Limit: 10,
          },
          TableName,
          10,
        );
        for (const candidate of candidates) {
          // The index may lag: read the item itself before trying to take it.
          const item = await getItem(String(candidate.pk));
          if (item?.status !== "queued") continue;
          const task = fromItem(item);
          const decision = decideTaskTransition(task, "claim");
          if (!decision.ok) continue;
          const at = now();
          try {
            return await write(
              item,
              {
                status: decision.to,
                leaseOwner: workerId,
                leaseExpiresAt: new Date(at.getTime() + leaseMs).toISOString(),
                startedAt: at.toISOString(),
              },
              [{ type: decision.event, data: { workerId, attempt: task.attempt } }],
            );
          } catch (error) {
            if (!isRace(error)) throw error;
          }
        }
        if (candidates.length === 0) return null;
      }
      return null;
    },

    async heartbeat(taskId, workerId, leaseMs) {
      for (let attempt = 0; attempt <= MAX_RACE_RETRIES; attempt++) {
        const item = await getItem(taskId);
        if (item?.status !== "running" || item.leaseOwner !== workerId) return null;
        try {
          return await write(
            item,
            { leaseExpiresAt: new Date(now().getTime() + leaseMs).toISOString() },
            [],
            workerId,
          );
        } catch (error) {
          if (!isRace(error)) throw error;
        }
      }
      // Still ours, but busy with other writes: not a lost lease; the next heartbeat tries again.
      throw new StoreError("busy", `Task ${taskId} was too busy to renew its lease; try again.`);
    },

    async transition(taskId, action, options = {}) {
      for (let attempt = 0; ; attempt++) {
        const item = await getItem(taskId);
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
        const at = now().toISOString();
        const terminal = ["succeeded", "failed", "cancelled", "timed_out"].includes(decision.to);
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
          return await write(
            item,
            changes,
            [...(options.events ?? []), { type: decision.event, data: eventData }],
            options.leaseOwner,
          );
        } catch (raceError) {
          if (!isRace(raceError) || attempt >= MAX_RACE_RETRIES) throw raceError;
        }
      }
    },

    appendEvents,

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

    async reconcile() {
      const running = await query({
        IndexName: "byStatus",
        KeyConditionExpression: "#status = :running",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":running": "running" },
      });
      const nowIso = now().toISOString();
      const changed: { taskId: string; to: TaskStatus }[] = [];
      for (const candidate of running) {
        if (typeof candidate.leaseExpiresAt !== "string" || candidate.leaseExpiresAt > nowIso) continue;
        const item = await getItem(String(candidate.pk));
        if (item?.status !== "running" || String(item.leaseExpiresAt) > nowIso) continue;
        const task = fromItem(item);
        const decision = decideTaskTransition(task, "expire_lease");
        if (!decision.ok) continue;
        try {
          const updated = await write(
            item,
            {
              status: decision.to,
              attempt: decision.attempt,
              cancelRequested: decision.cancelRequested,
              leaseOwner: null,
              leaseExpiresAt: null,
              ...(decision.to === "queued" ? {} : { finishedAt: nowIso }),
              ...(decision.errorCode
                ? {
                    error: {
                      code: decision.errorCode,
                      message: `The worker's lease expired on the last of ${task.maxAttempts} attempts.`,
                    },
                  }
                : {}),
            },
            [
              {
                type: decision.event,
                data: {
                  from: "running",
                  to: decision.to,
                  attempt: decision.attempt,
                  leaseOwner: task.leaseOwner,
                },
              },
            ],
            task.leaseOwner ?? undefined,
          );
          changed.push({ taskId: updated.id, to: updated.status });
        } catch (error) {
          if (!isRace(error)) throw error;
        }
      }
      return changed;
    },

    async stats() {
      const count = async (status: TaskStatus) =>
        query({
          IndexName: "byStatus",
          KeyConditionExpression: "#status = :status",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":status": status },
          ProjectionExpression: "pk, createdAt, leaseExpiresAt",
        });
      const [queued, running] = await Promise.all([count("queued"), count("running")]);
      const nowIso = now().toISOString();
      const oldest = queued.map((item) => String(item.createdAt)).sort()[0] ?? null;
      return {
        queued: queued.length,
        running: running.length,
        oldestQueuedAt: oldest,
        expiredLeases: running.filter(
          (item) => typeof item.leaseExpiresAt === "string" && item.leaseExpiresAt <= nowIso,
        ).length,
      };
    },
  };
}

/**
 * @module task-table: how a task and its events are kept, and the one conditional write every
 * change of a task goes through: the task item carries `lastEventSeq`, and each write checks the
 * status (and lease owner) it expects and the sequence number it read, and appends its events in
 * the same transaction.
 *
 * A story has at most one active (queued or running) task: the tasks table holds a lock item per
 * story (`ACTIVE#<storyId>`, no `status` nor `projectId`, so no index sees it) whose `activeTaskId`
 * is set in the transaction that creates the task and removed in the one that ends it. A request
 * may reserve the lock for a task it is about to create (`reservedUntil`, epoch ms) so that it does
 * no outside work (opening the pull request) for a task that could not be queued.
 */

import { type CodeGenerationTask, type TaskEventType, terminalTaskStatuses } from "@aipm/shared";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, type QueryCommandInput, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { type Dynamo, type Item, queryAll } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import { QUEUE_NUMBER, type QueueNumbers, queueNumbers } from "./queue-numbers.ts";
import type { TransactItem } from "./transactions.ts";

/** Events are kept for 30 days. */
const EVENT_TTL_SECONDS = 30 * 24 * 3600;
/** DynamoDB's limit of items in one transaction, less the task item itself. */
export const EVENTS_PER_WRITE = 99;
export const MAX_RACE_RETRIES = 8;
/** The statuses a task ends in: reaching one releases the story's lock. */
export const TERMINAL_STATUSES: readonly string[] = terminalTaskStatuses;
/** The name of the story lock's share of a task's creation, in a `conflict` StoreError's `parts`. */
export const ACTIVE_TASK_PART = "active-task";

export const storyLockKey = (storyId: string) => `ACTIVE#${storyId}`;

export interface NewEvent {
  type: TaskEventType;
  data?: Record<string, unknown>;
}

export function fromItem(item: Item): CodeGenerationTask {
  const { pk: _pk, lastEventSeq: _seq, [QUEUE_NUMBER]: _number, ...task } = item;
  // Tasks written before usage, review rounds and instructions were recorded have none: round 1.
  return {
    usage: null,
    round: 1,
    feedback: null,
    instructions: null,
    ...task,
  } as unknown as CodeGenerationTask;
}

/** Whether a write lost a race: the task was no longer as read. */
export function isRace(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed")
  );
}

/** The tasks and task events tables, with the reads and the guarded write the task store's parts share. */
export interface TaskTable {
  dynamo: Dynamo;
  TableName: string;
  EventsTable: string;
  now: () => Date;
  /** The queue's numbers and tickets (queue-numbers.ts). */
  numbers: QueueNumbers;
  getItem(taskId: string): Promise<Item | null>;
  query(input: Omit<QueryCommandInput, "TableName">, table?: string, limit?: number): Promise<Item[]>;
  /** Puts of `events` numbered from `firstSeq`, each only if its number is still free. */
  eventPuts(
    taskId: string,
    firstSeq: number,
    events: readonly NewEvent[],
    at: string,
  ): { Put: { TableName: string; Item: Item; ConditionExpression: string } }[];
  /**
   * Writes `changes` to the task and appends `events`, if the task is still as read: same status,
   * same last event, and (when given) the same lease owner. A change of status to `queued` gives
   * the task the next queue number; any other change of status takes its number away.
   */
  write(
    item: Item,
    changes: Partial<CodeGenerationTask>,
    events: readonly NewEvent[],
    leaseOwner?: string,
  ): Promise<CodeGenerationTask>;
  /**
   * The update that makes `taskId` the story's active task: only when the story has none, the
   * task itself reserved it, or a reservation lapsed.
   */
  lockAcquire(storyId: string, taskId: string): TransactItem;
  /** Appends events with the next sequence numbers, retrying lost races; returns the last number. */
  appendEvents(
    taskId: string,
    events: readonly NewEvent[],
    options?: { leaseOwner?: string },
  ): Promise<number>;
}

export function taskTable(dynamo: Dynamo, now: () => Date): TaskTable {
  const TableName = dynamo.tables.tasks;
  const EventsTable = dynamo.tables.taskEvents;
  const numbers = queueNumbers(dynamo);

  async function getItem(taskId: string): Promise<Item | null> {
    const { Item } = await dynamo.doc.send(
      new GetCommand({ TableName, Key: { pk: taskId }, ConsistentRead: true }),
    );
    return Item ?? null;
  }

  const query: TaskTable["query"] = (input, table = TableName, limit) =>
    queryAll(dynamo, { TableName: table, ...input }, limit);

  const eventPuts: TaskTable["eventPuts"] = (taskId, firstSeq, events, at) => {
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
  };

  const lockAcquire: TaskTable["lockAcquire"] = (storyId, taskId) => ({
    Update: {
      TableName,
      Key: { pk: storyLockKey(storyId) },
      UpdateExpression: "SET activeTaskId = :taskId, storyId = :storyId REMOVE reservedUntil",
      ConditionExpression:
        "attribute_not_exists(activeTaskId) OR activeTaskId = :taskId OR reservedUntil < :now",
      ExpressionAttributeValues: { ":taskId": taskId, ":storyId": storyId, ":now": now().getTime() },
    },
  });

  /** The release of the story's lock, when `item` holds it and `changes` end the task. */
  async function lockRelease(item: Item, changes: Partial<CodeGenerationTask>) {
    const ends =
      changes.status !== undefined &&
      TERMINAL_STATUSES.includes(changes.status) &&
      !TERMINAL_STATUSES.includes(String(item.status));
    if (!ends || typeof item.storyId !== "string") return [];
    const lock = await getItem(storyLockKey(item.storyId));
    if (lock?.activeTaskId !== item.pk) return [];
    return [
      {
        Update: {
          TableName,
          Key: { pk: storyLockKey(item.storyId) },
          UpdateExpression: "REMOVE activeTaskId, reservedUntil",
          ConditionExpression: "activeTaskId = :taskId",
          ExpressionAttributeValues: { ":taskId": item.pk },
        },
      },
    ];
  }

  const write: TaskTable["write"] = async (item, changes, events, leaseOwner) => {
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
    let removes = "";
    if (changes.status === "queued" && item.status !== "queued") {
      names["#queueNumber"] = QUEUE_NUMBER;
      values[":queueNumber"] = await numbers.next();
      sets.push("#queueNumber = :queueNumber");
    } else if (changes.status !== undefined && changes.status !== "queued") {
      names["#queueNumber"] = QUEUE_NUMBER;
      removes = " REMOVE #queueNumber";
    }
    let condition = "#status = :expectedStatus AND #seq = :seen";
    if (leaseOwner !== undefined) {
      names["#leaseOwner"] = "leaseOwner";
      values[":owner"] = leaseOwner;
      condition += " AND #leaseOwner = :owner";
    }
    const release = await lockRelease(item, changes);
    await dynamo.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          ...release,
          {
            Update: {
              TableName,
              Key: { pk: item.pk },
              UpdateExpression: `SET ${sets.join(", ")}${removes}`,
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
  };

  const appendEvents: TaskTable["appendEvents"] = async (taskId, events, options = {}) => {
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
  };

  return {
    dynamo,
    TableName,
    EventsTable,
    now,
    numbers,
    getItem,
    query,
    eventPuts,
    lockAcquire,
    write,
    appendEvents,
  };
}

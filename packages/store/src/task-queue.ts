/**
 * @module task-queue: the queue side of the task store: claims (each by a ticket naming one task,
 * queue-numbers.ts, then a guarded write from `queued`, so two workers can never both win one
 * task), lease renewal, taking back expired leases and orphaned tickets, and the queue's figures.
 */

import { type CodeGenerationTask, decideTaskTransition, type TaskStatus } from "@aipm/shared";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Item } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import { QUEUE_NUMBER, QUEUE_NUMBER_INDEX } from "./queue-numbers.ts";
import { fromItem, isRace, MAX_RACE_RETRIES, type TaskTable } from "./task-table.ts";
import { isConditionFailure } from "./transactions.ts";

export interface QueueStats {
  queued: number;
  running: number;
  oldestQueuedAt: string | null;
  /** Running tasks whose lease has expired: the reconciler's work. */
  expiredLeases: number;
}

/** How many tickets one claim takes at most before it gives up (each further one found a hole). */
const MAX_TICKETS_PER_CLAIM = 10;
/** How long a ticket's holder waits before looking for its number again: its task may still be being written. */
const NUMBER_RETRY_MS = 50;

/**
 * Claims the oldest queued task for `workerId`, or returns null when none is left for it. The
 * claim takes a ticket, finds the task with that number and takes it with a conditional write,
 * read from the index without reading the item first: the write's condition (still queued, same
 * last event) is what guards it. Each worker holds a different ticket, so workers do not race
 * for a task however many there are, and tasks are claimed in the order they were queued.
 *
 * A worker in `idle` (its last claim found nothing) first looks whether anything is queued, with
 * a read rather than the ticket's write, so that an idle fleet's polls cost reads only. A queued
 * task with no number (written before numbers existed) is claimed from there directly.
 */
export async function claimNext(
  table: TaskTable,
  idle: Set<string>,
  workerId: string,
  leaseMs: number,
): Promise<CodeGenerationTask | null> {
  if (idle.has(workerId)) {
    const [head] = await table.query({ ...byStatus("queued"), Limit: 1 }, table.TableName, 1);
    if (!head) return null;
    idle.delete(workerId);
    if (head[QUEUE_NUMBER] === undefined) {
      const task = await claimItem(table, head, workerId, leaseMs);
      if (task) return task;
    }
  }
  for (let round = 0; round < MAX_TICKETS_PER_CLAIM; round++) {
    const ticket = await table.numbers.ticket();
    if (ticket === null) {
      idle.add(workerId);
      return null;
    }
    const item = await findNumbered(table, ticket);
    if (!item) continue;
    const task =
      (await claimItem(table, item, workerId, leaseMs)) ??
      (await claimAgain(table, String(item.pk), ticket, workerId, leaseMs));
    if (task) return task;
  }
  return null;
}

/**
 * A second try on the item itself, when the index's copy was behind it (another write came in
 * between) but the task is still queued under this ticket: no other worker holds its number, so
 * giving up would leave it to the reconciler.
 */
async function claimAgain(
  table: TaskTable,
  taskId: string,
  ticket: number,
  workerId: string,
  leaseMs: number,
): Promise<CodeGenerationTask | null> {
  const item = await table.getItem(taskId);
  if (item?.status !== "queued" || item[QUEUE_NUMBER] !== ticket) return null;
  return claimItem(table, item, workerId, leaseMs);
}

/** The task holding queue number `number`, looking twice: a task being written may not show yet. */
async function findNumbered(table: TaskTable, number: number): Promise<Item | null> {
  for (let look = 0; look < 2; look++) {
    if (look > 0) await new Promise((resolve) => setTimeout(resolve, NUMBER_RETRY_MS));
    const [item] = await table
      .query(
        {
          IndexName: QUEUE_NUMBER_INDEX,
          KeyConditionExpression: "#number = :number",
          ExpressionAttributeNames: { "#number": QUEUE_NUMBER },
          ExpressionAttributeValues: { ":number": number },
        },
        table.TableName,
        1,
      )
      .catch((error: unknown) => {
        if (!isIndexUnavailable(error)) throw error;
        // A local store made before the index (dynalite cannot add one), or DynamoDB still
        // building it after a deploy: look among the queued tasks instead, as slow as that is.
        return table.query({
          ...byStatus("queued"),
          FilterExpression: "#number = :number",
          ExpressionAttributeNames: { "#status": "status", "#number": QUEUE_NUMBER },
          ExpressionAttributeValues: { ":status": "queued", ":number": number },
        });
      });
    if (item) return item;
  }
  return null;
}

/** Whether a Query failed because its index does not exist (yet) or is still being built. */
function isIndexUnavailable(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "ValidationException" &&
    /specified index|backfilling global secondary index/i.test(error.message)
  );
}

/** `queued` → `running` for `workerId`, if the item is still as read; null when another write came first. */
async function claimItem(
  table: TaskTable,
  item: Item,
  workerId: string,
  leaseMs: number,
): Promise<CodeGenerationTask | null> {
  if (item.status !== "queued") return null;
  const task = fromItem(item);
  const decision = decideTaskTransition(task, "claim");
  if (!decision.ok) return null;
  const at = table.now();
  try {
    return await table.write(
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
    return null;
  }
}

const byStatus = (status: TaskStatus) => ({
  IndexName: "byStatus",
  KeyConditionExpression: "#status = :status",
  ExpressionAttributeNames: { "#status": "status" },
  ExpressionAttributeValues: { ":status": status },
});

/** Extends the lease; null when the worker no longer holds it; throws when the task is too busy to renew now. */
export async function heartbeat(
  table: TaskTable,
  taskId: string,
  workerId: string,
  leaseMs: number,
): Promise<CodeGenerationTask | null> {
  for (let attempt = 0; attempt <= MAX_RACE_RETRIES; attempt++) {
    const item = await table.getItem(taskId);
    if (item?.status !== "running" || item.leaseOwner !== workerId) return null;
    try {
      return await table.write(
        item,
        { leaseExpiresAt: new Date(table.now().getTime() + leaseMs).toISOString() },
        [],
        workerId,
      );
    } catch (error) {
      if (!isRace(error)) throw error;
    }
  }
  // Still ours, but busy with other writes: not a lost lease; the next heartbeat tries again.
  throw new StoreError("busy", `Task ${taskId} was too busy to renew its lease; try again.`);
}

/** Takes back expired leases: requeue, or fail after the last attempt. Returns what it changed. */
export async function reconcile(table: TaskTable): Promise<{ taskId: string; to: TaskStatus }[]> {
  const running = await table.query(byStatus("running"));
  const nowIso = table.now().toISOString();
  const changed: { taskId: string; to: TaskStatus }[] = [];
  for (const candidate of running) {
    if (typeof candidate.leaseExpiresAt !== "string" || candidate.leaseExpiresAt > nowIso) continue;
    const item = await table.getItem(String(candidate.pk));
    if (item?.status !== "running" || String(item.leaseExpiresAt) > nowIso) continue;
    const task = fromItem(item);
    const decision = decideTaskTransition(task, "expire_lease");
    if (!decision.ok) continue;
    try {
      const updated = await table.write(
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
  return [...changed, ...(await renumberOrphans(table))];
}

/** How long a queued task whose ticket was taken may stay queued before it counts as an orphan. */
export const ORPHAN_GRACE_MS = 5_000;
/** How many of the oldest queued tasks the reconciler looks at for orphans each time. */
const ORPHAN_SCAN = 100;

/**
 * Gives the next number to each of the oldest queued tasks that no ticket will find: those without
 * a number (written before numbers existed) and those whose ticket was taken at least
 * {@link ORPHAN_GRACE_MS} ago (its holder died, or gave up before the task showed). A holder that
 * was only slow still claims the task (its write does not depend on the number); the new number is
 * then a hole.
 */
async function renumberOrphans(table: TaskTable): Promise<{ taskId: string; to: TaskStatus }[]> {
  const queued = await table.query(
    {
      ...byStatus("queued"),
      ExpressionAttributeNames: { "#status": "status", "#number": QUEUE_NUMBER },
      ProjectionExpression: "pk, updatedAt, #number",
      Limit: ORPHAN_SCAN,
    },
    table.TableName,
    ORPHAN_SCAN,
  );
  const lastTicket = await table.numbers.lastTicket();
  const settled = new Date(table.now().getTime() - ORPHAN_GRACE_MS).toISOString();
  const renumbered: { taskId: string; to: TaskStatus }[] = [];
  for (const item of queued) {
    const number = item[QUEUE_NUMBER];
    const orphan =
      number === undefined || (Number(number) <= lastTicket && String(item.updatedAt) <= settled);
    if (!orphan) continue;
    try {
      await table.dynamo.doc.send(
        new UpdateCommand({
          TableName: table.TableName,
          Key: { pk: item.pk },
          UpdateExpression: "SET #number = :next, updatedAt = :now",
          ConditionExpression:
            number === undefined
              ? "#status = :queued AND attribute_not_exists(#number)"
              : "#status = :queued AND #number = :number",
          ExpressionAttributeNames: { "#status": "status", "#number": QUEUE_NUMBER },
          ExpressionAttributeValues: {
            ":next": await table.numbers.next(),
            ":now": table.now().toISOString(),
            ":queued": "queued",
            ...(number === undefined ? {} : { ":number": number }),
          },
        }),
      );
      renumbered.push({ taskId: String(item.pk), to: "queued" });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return renumbered;
}

export async function queueStats(table: TaskTable): Promise<QueueStats> {
  const count = async (status: TaskStatus) =>
    table.query({
      IndexName: "byStatus",
      KeyConditionExpression: "#status = :status",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status },
      ProjectionExpression: "pk, createdAt, leaseExpiresAt",
    });
  const [queued, running] = await Promise.all([count("queued"), count("running")]);
  const nowIso = table.now().toISOString();
  const oldest = queued.map((item) => String(item.createdAt)).sort()[0] ?? null;
  return {
    queued: queued.length,
    running: running.length,
    oldestQueuedAt: oldest,
    expiredLeases: running.filter(
      (item) => typeof item.leaseExpiresAt === "string" && item.leaseExpiresAt <= nowIso,
    ).length,
  };
}

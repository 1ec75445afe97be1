/**
 * @module task-queue: the queue side of the task store: claims (a claim is a guarded write from
 * `queued`, so two workers can never both win one task), lease renewal, taking back expired
 * leases, and the queue's figures.
 */

import { type CodeGenerationTask, decideTaskTransition, type TaskStatus } from "@aipm/shared";
import { StoreError } from "./errors.ts";
import { fromItem, isRace, MAX_RACE_RETRIES, type TaskTable } from "./task-table.ts";

export interface QueueStats {
  queued: number;
  running: number;
  oldestQueuedAt: string | null;
  /** Running tasks whose lease has expired: the reconciler's work. */
  expiredLeases: number;
}

/** Claims the oldest queued task for `workerId`, or returns null when none is left. */
export async function claimNext(
  table: TaskTable,
  workerId: string,
  leaseMs: number,
): Promise<CodeGenerationTask | null> {
  // Several workers race for the oldest tasks; one that loses every candidate looks again
  // rather than sleeping while work waits.
  for (let round = 0; round < 5; round++) {
    const candidates = await table.query(
      {
        IndexName: "byStatus",
        KeyConditionExpression: "#status = :queued",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":queued": "queued" },
        Limit: 10,
      },
      table.TableName,
      10,
    );
    for (const candidate of candidates) {
      // The index may lag: read the item itself before trying to take it.
      const item = await table.getItem(String(candidate.pk));
      if (item?.status !== "queued") continue;
      const task = fromItem(item);
      const decision = decideTaskTransition(task, "claim");
      if (!decision.ok) continue;
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
      }
    }
    if (candidates.length === 0) return null;
  }
  return null;
}

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
  const running = await table.query({
    IndexName: "byStatus",
    KeyConditionExpression: "#status = :running",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":running": "running" },
  });
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
  return changed;
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

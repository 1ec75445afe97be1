/**
 * @module routes/operations: the queue's state, and operator actions on it. `aipm check-queue
 * --requeue-stuck` runs the reconciler through here instead of waiting for a worker's next pass.
 */
import { agentAvailabilitySchema, taskIdSchema, taskStatusSchema } from "@aipm/shared";
import type { QueueStats } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { requireRole } from "../middleware/auth/index.ts";
import { createRouter } from "./router.ts";
import { commonProblems, jsonResponse } from "./schemas.ts";

const ReconcileResultSchema = z
  .object({
    changed: z.array(z.object({ taskId: taskIdSchema, to: taskStatusSchema })),
  })
  .openapi("ReconcileResult");

/** More tasks than one project ever has queued or running at once. */
const PROJECT_QUEUE_LIMIT = 10_000;

/**
 * The queue's figures for one project, and its running tasks' ids: what a token limited to that
 * project may see of the queue.
 */
async function projectQueue(
  deps: AppDeps,
  projectId: string,
): Promise<{ stats: QueueStats; running: Set<string> }> {
  const [queued, running] = await Promise.all(
    (["queued", "running"] as const).map((status) =>
      deps.tasks.list({ projectId, status, limit: PROJECT_QUEUE_LIMIT }),
    ),
  );
  const nowIso = deps.now().toISOString();
  return {
    stats: {
      queued: queued?.length ?? 0,
      running: running?.length ?? 0,
      oldestQueuedAt: (queued ?? []).map((task) => task.createdAt).sort()[0] ?? null,
      expiredLeases: (running ?? []).filter(
        (task) => task.leaseExpiresAt !== null && task.leaseExpiresAt <= nowIso,
      ).length,
    },
    running: new Set((running ?? []).map((task) => task.id)),
  };
}

export function operationRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/queue",
      tags: ["operations"],
      summary:
        "The queue: counts, age of the oldest queued task, live workers (a project-scoped token sees its project's tasks only)",
      responses: {
        200: jsonResponse(
          z
            .object({
              queued: z.number().int(),
              running: z.number().int(),
              oldestQueuedAgeSeconds: z.number().nullable(),
              expiredLeases: z.number().int(),
              workers: z.array(
                z.object({
                  id: z.string(),
                  version: z.string(),
                  startedAt: z.string(),
                  lastHeartbeatAt: z.string(),
                  runningTasks: z.array(z.string()),
                  agents: z.array(agentAvailabilitySchema).optional(),
                }),
              ),
            })
            .openapi("Queue"),
          "The queue",
        ),
        ...commonProblems,
      },
    }),
    async (c) => {
      const scope = c.get("principal").projectId;
      const [all, workers] = await Promise.all([
        scope === null ? deps.tasks.stats() : projectQueue(deps, scope),
        deps.workers.list(),
      ]);
      // A project-scoped token sees its own project's figures and running tasks, nothing of others'.
      const stats = "stats" in all ? all.stats : all;
      const visible = "stats" in all ? all.running : null;
      const oldestQueuedAgeSeconds = stats.oldestQueuedAt
        ? Math.max(0, Math.round((deps.now().getTime() - Date.parse(stats.oldestQueuedAt)) / 1000))
        : null;
      return c.json(
        {
          queued: stats.queued,
          running: stats.running,
          oldestQueuedAgeSeconds,
          expiredLeases: stats.expiredLeases,
          workers: visible
            ? workers.map((worker) => ({
                ...worker,
                runningTasks: worker.runningTasks.filter((taskId) => visible.has(taskId)),
              }))
            : workers,
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/queue/reconcile",
      tags: ["operations"],
      summary:
        "Run the reconciler now (admin): running tasks whose lease expired go back to the queue, or fail after their last attempt",
      responses: {
        200: jsonResponse(ReconcileResultSchema, "The tasks it changed, and their new status"),
        ...commonProblems,
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireRole(principal, "admin");
      if (principal.projectId !== null) {
        throw ApiError.forbidden(
          "Reconciling the queue needs an admin token that is not limited to one project.",
        );
      }
      const changed = await deps.tasks.reconcile();
      deps.log.info("queue reconciled", { by: principal.tokenId, changed: changed.length });
      return c.json({ changed }, 200);
    },
  );

  return router;
}

/**
 * @module routes/operations: operator actions on the queue. `aipm check-queue --requeue-stuck`
 * runs the reconciler through here instead of waiting for a worker's next pass.
 */
import { taskIdSchema, taskStatusSchema } from "@aipm/shared";
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

export function operationRoutes(deps: AppDeps) {
  const router = createRouter();

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

/**
 * @module routes/health: liveness with version, commit and a check of each dependency.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { createRouter } from "./router.ts";
import { jsonResponse } from "./schemas.ts";

const HealthSchema = z
  .object({
    status: z.enum(["ok", "unhealthy"]),
    version: z.string(),
    commit: z.string(),
    checks: z.record(
      z.string(),
      z.object({ status: z.enum(["ok", "failed"]), ms: z.number(), error: z.string().optional() }),
    ),
  })
  .openapi("Health");

const CHECK_TIMEOUT_MS = 3_000;

export function healthRoutes(deps: AppDeps) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: "get",
      path: "/health",
      tags: ["operations"],
      summary: "Health: version, commit and a check of each dependency",
      security: [],
      responses: {
        200: jsonResponse(HealthSchema, "Healthy"),
        503: jsonResponse(HealthSchema, "A check failed"),
      },
    }),
    async (c) => {
      const results = await Promise.all(
        Object.entries(deps.checks).map(async ([name, check]) => {
          const started = performance.now();
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              check(),
              new Promise((_, reject) => {
                timer = setTimeout(
                  () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
                  CHECK_TIMEOUT_MS,
                );
              }),
            ]);
            return [name, { status: "ok" as const, ms: Math.round(performance.now() - started) }] as const;
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            return [
              name,
              { status: "failed" as const, ms: Math.round(performance.now() - started), error: message },
            ] as const;
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const healthy = results.every(([, result]) => result.status === "ok");
      const body = {
        status: healthy ? ("ok" as const) : ("unhealthy" as const),
        version: deps.version,
        commit: deps.commit,
        checks: Object.fromEntries(results),
      };
      return healthy ? c.json(body, 200) : c.json(body, 503);
    },
  );
  return router;
}

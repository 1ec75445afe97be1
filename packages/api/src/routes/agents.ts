/**
 * @module routes/agents: which coding agents this deployment offers, from what its live workers
 * report (installed, configured), without any secret.
 */
import { agentListSchema, offerAgents } from "@aipm/shared";
import { createRoute } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { createRouter } from "./router.ts";
import { commonProblems, jsonResponse } from "./schemas.ts";

export function agentRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/agents",
      tags: ["tasks"],
      summary: "The coding agents this deployment offers, and whether a live worker can run each",
      description:
        "An agent can run when a live worker has its CLI installed and its provider variables set (`workers` > 0); otherwise `missing` says what to do. Secrets are never part of the answer.",
      responses: {
        200: jsonResponse(agentListSchema.meta({ id: "AgentList" }), "The agents"),
        ...commonProblems,
      },
    }),
    async (c) => {
      const workers = await deps.workers.list();
      return c.json(
        {
          defaultAgent: deps.defaultAgent,
          commandAgentsAllowed: deps.allowCommandAgents,
          agents: offerAgents(workers.map((worker) => worker.agents ?? [])),
        },
        200,
      );
    },
  );
  return router;
}

/**
 * @module routes/usage: what a project's coding agents consumed (tokens, cost, turns), in all, per
 * story, and this month against the project's budget.
 */
import {
  isoDateTimeSchema,
  monthStart,
  projectIdSchema,
  storyIdSchema,
  usageSummarySchema,
} from "@aipm/shared";
import type { StoredProject } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { requireProject } from "../middleware/auth/index.ts";
import { createRouter } from "./router.ts";
import { commonProblems, jsonResponse, notFound } from "./schemas.ts";
import { loadStory } from "./stories.ts";

const ProjectUsageSchema = z
  .object({
    projectId: projectIdSchema,
    usage: usageSummarySchema,
    /** What the AI actions (drafts, reviews, splits) consumed, in all or since the time asked. */
    ai: z.object({ calls: z.number().int(), usage: usageSummarySchema.shape.total }),
    /** Agents' and AI actions' cost together. */
    totalCostUsd: z.number(),
    month: z.object({
      since: isoDateTimeSchema,
      costUsd: z.number(),
      monthlyBudgetUsd: z.number().nullable(),
    }),
  })
  .openapi("ProjectUsage");

const StoryUsageSchema = z
  .object({ storyId: storyIdSchema, usage: usageSummarySchema.shape.total, tasks: z.number().int() })
  .openapi("StoryUsage");

/** What the project's agents and AI actions have cost since the start of this calendar month (UTC). */
export async function monthToDateCost(deps: AppDeps, projectId: string): Promise<number> {
  const since = monthStart(deps.now());
  const [month, ai] = await Promise.all([
    deps.tasks.usage(projectId, since),
    deps.aiUsage.total(projectId, since),
  ]);
  return (month.total?.costUsd ?? 0) + (ai.usage?.costUsd ?? 0);
}

/**
 * Refuses (409 `budget-exceeded`) a new agent run for a project whose monthly budget is spent. A
 * project without a budget costs no read.
 */
export async function requireBudgetLeft(
  deps: AppDeps,
  project: Pick<StoredProject, "id" | "name" | "monthlyBudgetUsd">,
): Promise<void> {
  if (project.monthlyBudgetUsd === null) return;
  const spent = await monthToDateCost(deps, project.id);
  if (spent >= project.monthlyBudgetUsd)
    throw ApiError.conflict(
      `Project ${project.name} has spent $${spent.toFixed(2)} on agents this month, its whole monthly budget of $${project.monthlyBudgetUsd}. An admin can raise monthlyBudgetUsd on the project, or wait for next month.`,
      "budget-exceeded",
    );
}

export function usageRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}/usage",
      tags: ["projects"],
      summary: "What the project's agents consumed: in all or since a time, per story, and this month",
      request: {
        params: z.object({ projectId: projectIdSchema }),
        query: z.object({ since: isoDateTimeSchema.optional() }),
      },
      responses: { 200: jsonResponse(ProjectUsageSchema, "The usage"), ...commonProblems, ...notFound },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      requireProject(c.get("principal"), projectId);
      const since = c.req.valid("query").since ?? null;
      const [project, usage, ai, monthCost] = await Promise.all([
        deps.projects.get(projectId),
        deps.tasks.usage(projectId, since),
        deps.aiUsage.total(projectId, since),
        monthToDateCost(deps, projectId),
      ]);
      if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
      return c.json(
        {
          projectId,
          usage,
          ai,
          totalCostUsd: (usage.total?.costUsd ?? 0) + (ai.usage?.costUsd ?? 0),
          month: {
            since: monthStart(deps.now()),
            costUsd: monthCost,
            monthlyBudgetUsd: project.monthlyBudgetUsd,
          },
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/stories/{storyId}/usage",
      tags: ["stories"],
      summary: "What the agents consumed on the story's tasks",
      request: { params: z.object({ storyId: storyIdSchema }) },
      responses: { 200: jsonResponse(StoryUsageSchema, "The usage"), ...commonProblems, ...notFound },
    }),
    async (c) => {
      const { story } = await loadStory(deps, c.get("principal"), c.req.valid("param").storyId);
      const summary = await deps.tasks.usage(story.projectId, null);
      const mine = summary.stories.find((entry) => entry.storyId === story.id);
      return c.json({ storyId: story.id, usage: mine?.usage ?? null, tasks: mine?.tasks ?? 0 }, 200);
    },
  );
  return router;
}

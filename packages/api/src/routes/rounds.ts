/**
 * @module routes/rounds: Request changes. A person's feedback on a pull request AIPM opened
 * becomes the next round: TASK.md gains the round's feedback on the pull request's branch, and a
 * task runs the agent on the branch's head, which the worker pushes a new commit on top of.
 */
import { branchPrefix, projectIdSchema, roundCreateSchema, storyIdSchema } from "@aipm/shared";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { requireProject, requireRole } from "../middleware/auth/index.ts";
import { requireAgentChoice } from "./code-generations.ts";
import { createRouter } from "./router.ts";
import {
  commonProblems,
  conflict,
  jsonBody,
  jsonResponse,
  limitExceeded,
  notFound,
  TaskSchema,
} from "./schemas.ts";
import { pullRequestRounds, startRun } from "./task-runs.ts";
import { requireBudgetLeft } from "./usage.ts";

const params = z.object({ projectId: projectIdSchema, number: z.coerce.number().int().min(1) });

/** The story an AIPM branch (`aipm/<storyId>-<slug>`) belongs to, or null for any other branch. */
export function storyIdOfBranch(branch: string): string | null {
  if (!branch.startsWith(branchPrefix)) return null;
  const id = branch.slice(branchPrefix.length).split("-")[0] ?? "";
  return storyIdSchema.safeParse(id).success ? id : null;
}

export function roundRoutes(deps: AppDeps) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{projectId}/pulls/{number}/rounds",
      tags: ["code generation"],
      summary: "Request changes: run the agent again on the pull request's branch with feedback",
      description:
        "TASK.md on the branch gains the round's feedback (and the run's instructions); the agent works on the branch's head and the worker pushes a new commit on top. A pull request may have the project's `maxRounds` rounds, the first run included.",
      request: { params, body: jsonBody(roundCreateSchema) },
      responses: {
        202: jsonResponse(TaskSchema, "The round's task, queued"),
        ...commonProblems,
        ...notFound,
        ...conflict(
          "The pull request is not open, the story already has an active task, or the project's monthly budget is spent",
        ),
        ...limitExceeded("The pull request has had the most rounds its project allows (`limit-exceeded`)"),
        502: { description: "The forge (GitHub) refused or failed" },
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireRole(principal, "editor");
      const { projectId, number } = c.req.valid("param");
      requireProject(principal, projectId);
      const input = c.req.valid("json");
      const project = await deps.projects.get(projectId);
      const missing = `Pull request ${number} of project ${projectId} does not exist, or AIPM did not open it.`;
      if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
      const forge = deps.forges[project.repository.provider];
      const pullRequest = forge ? await forge.getPullRequest(project.repository, number) : null;
      const storyId = pullRequest ? storyIdOfBranch(pullRequest.branch) : null;
      const record = storyId ? await deps.stories.getStory(storyId) : null;
      if (!pullRequest || !record || record.story.projectId !== projectId) throw ApiError.notFound(missing);
      if (pullRequest.state !== "open") {
        throw ApiError.conflict(
          `Pull request ${number} is ${pullRequest.state}; only an open pull request can get another round. Generate again to open a new one.`,
          "pull-request-state",
        );
      }
      const storyTasks = await deps.tasks.list({ projectId, storyId: record.story.id, limit: 1000 });
      const onPullRequest = storyTasks.filter((task) => task.pullRequest.number === number);
      const latest = onPullRequest.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1);
      if (!latest) throw ApiError.notFound(missing);
      const active = storyTasks.find((task) => task.status === "queued" || task.status === "running");
      if (active) {
        throw ApiError.conflict(
          `Story ${record.story.id} already has ${active.status} task ${active.id}. Cancel it or wait for it to finish.`,
          "task-active",
        );
      }
      const { next, rounds } = pullRequestRounds(onPullRequest);
      if (next > project.maxRounds) {
        throw new ApiError(
          422,
          `Pull request ${number} has had ${next - 1} rounds, the most project ${project.name} allows (maxRounds ${project.maxRounds}). Merge or close it, or raise maxRounds in the project's settings.`,
          { type: "limit-exceeded" },
        );
      }
      // The round goes on with the agent that did the work unless told another.
      const agent = input.agent ?? latest.agent;
      requireAgentChoice(deps, principal, agent);
      await requireBudgetLeft(deps, project);
      const { task } = await startRun(deps, {
        record,
        project,
        branch: pullRequest.branch,
        agent,
        maxAttempts: input.maxAttempts ?? latest.maxAttempts,
        round: next,
        rounds: [...rounds, { round: next, feedback: input.feedback }],
        feedback: input.feedback,
        instructions: input.instructions ?? null,
        retryOf: null,
        pullRequestText: () => ({ title: pullRequest.title, body: "" }),
        commitMessage: `Round ${next} feedback for story ${record.story.id}: ${record.story.title}`,
        queuedData: { by: principal.tokenId },
        moveStory: false,
      });
      return c.json(task, 202);
    },
  );
  return router;
}

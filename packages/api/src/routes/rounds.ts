/**
 * @module routes/rounds: Request changes. A person's feedback on a pull request AIPM opened
 * becomes the next round: TASK.md gains the round's feedback on the pull request's branch, and a
 * task runs the agent on the branch's head, which the worker pushes a new commit on top of.
 */
import {
  type AgentName,
  type CodeGenerationTask,
  projectIdSchema,
  roundCreateSchema,
  storyIdFromBranch,
} from "@aipm/shared";
import type { StoredProject } from "@aipm/store";
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
import { pullRequestRounds, requireNoActiveTask, startRun } from "./task-runs.ts";
import { requireBudgetLeft } from "./usage.ts";

const params = z.object({ projectId: projectIdSchema, number: z.coerce.number().int().min(1) });

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
      if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
      const task = await queueRound(deps, {
        project,
        number,
        feedback: input.feedback,
        ...(input.agent ? { agent: input.agent } : {}),
        instructions: input.instructions ?? null,
        ...(input.maxAttempts ? { maxAttempts: input.maxAttempts } : {}),
        allowAgent: (agent) => requireAgentChoice(deps, principal, agent),
        by: { by: principal.tokenId },
      });
      return c.json(task, 202);
    },
  );
  return router;
}

export interface RoundRequest {
  project: StoredProject;
  number: number;
  feedback: string;
  /** The agent of the pull request's latest task when absent: the round goes on with who did the work. */
  agent?: AgentName;
  instructions: string | null;
  maxAttempts?: number;
  /** Throws when the caller may not have `agent` run. */
  allowAgent: (agent: AgentName) => void;
  /** Who or what asked, recorded on `task.queued`. */
  by: Record<string, unknown>;
  /**
   * For a round GitHub's events start: the pull request's head must be this task's last commit
   * (nobody pushed since), else the round is refused with 409 `head-moved`.
   */
  requireAgentHead?: boolean;
}

/**
 * Queues the next round on an open pull request AIPM opened: 404 when it is not one of the
 * project's, 409 when it is not open or its story has an active task, 422 past `maxRounds`.
 */
export async function queueRound(deps: AppDeps, request: RoundRequest): Promise<CodeGenerationTask> {
  const { project, number } = request;
  const missing = `Pull request ${number} of project ${project.id} does not exist, or AIPM did not open it.`;
  const forge = deps.forges[project.repository.provider];
  const pullRequest = forge ? await forge.getPullRequest(project.repository, number) : null;
  const storyId = pullRequest ? storyIdFromBranch(pullRequest.branch) : null;
  const record = storyId ? await deps.stories.getStory(storyId) : null;
  if (!pullRequest || !record || record.story.projectId !== project.id) throw ApiError.notFound(missing);
  if (pullRequest.state !== "open") {
    throw ApiError.conflict(
      `Pull request ${number} is ${pullRequest.state}; only an open pull request can get another round. Generate again to open a new one.`,
      "pull-request-state",
    );
  }
  const storyTasks = await deps.tasks.list({ projectId: project.id, storyId: record.story.id, limit: 1000 });
  const onPullRequest = storyTasks.filter((task) => task.pullRequest.number === number);
  const latest = onPullRequest.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1);
  if (!latest) throw ApiError.notFound(missing);
  requireNoActiveTask(record.story.id, storyTasks);
  if (request.requireAgentHead && pullRequest.headSha !== latest.commit) {
    throw ApiError.conflict(
      `Pull request ${number}'s head ${pullRequest.headSha.slice(0, 12)} is not the agent's last commit: someone pushed to the branch since, so no round starts by itself.`,
      "head-moved",
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
  const agent = request.agent ?? latest.agent;
  request.allowAgent(agent);
  await requireBudgetLeft(deps, project);
  const { task } = await startRun(deps, {
    record,
    project,
    branch: pullRequest.branch,
    agent,
    maxAttempts: request.maxAttempts ?? latest.maxAttempts,
    round: next,
    rounds: [...rounds, { round: next, feedback: request.feedback }],
    feedback: request.feedback,
    instructions: request.instructions,
    retryOf: null,
    commitMessage: `Round ${next} feedback for story ${record.story.id}: ${record.story.title}`,
    queuedData: request.by,
    moveStory: false,
  });
  return task;
}

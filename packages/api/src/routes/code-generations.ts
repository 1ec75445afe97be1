/**
 * @module routes/code-generations: Generate Code & PR. Opens the pull request with TASK.md,
 * queues the task and answers 202 before any agent work.
 */
import {
  checkStoryStatusChange,
  codeGenerationCreateSchema,
  newId,
  newQueuedTask,
  renderTaskMarkdown,
  storyBranchName,
  storyIdSchema,
  storyStatusForPullRequest,
} from "@aipm/shared";
import { isStoreError, presentProject } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import type { Principal } from "../env-types.ts";
import { ApiError, parseOptionalBody } from "../errors.ts";
import { requireRole } from "../middleware/auth/index.ts";
import { idempotency } from "../middleware/idempotency/index.ts";
import { createRouter } from "./router.ts";
import { commonProblems, conflict, jsonBody, jsonResponse, notFound, TaskSchema } from "./schemas.ts";
import { lineage, loadStory } from "./stories.ts";
import { requireBudgetLeft } from "./usage.ts";

const CodeGenerationResponseSchema = z
  .object({
    task: TaskSchema,
    pullRequest: z.object({ number: z.number().int(), url: z.string(), branch: z.string() }),
  })
  .openapi("CodeGeneration");

/**
 * Throws 403 unless `principal` may have `agent` run. A `command:` agent runs any shell command on
 * a worker, so only an admin may choose one, and only where the operator set
 * AIPM_ALLOW_COMMAND_AGENTS; the configured default was chosen by the operator, so anyone may use it.
 * Retry applies the same rule to the task's agent, so that it cannot replay an admin's choice.
 * @example requireAgentChoice(deps, { tokenId: "t", role: "editor", projectId: null }, "command:sh") // throws 403
 */
export function requireAgentChoice(deps: AppDeps, principal: Principal, agent: string): void {
  if (!agent.startsWith("command:") || agent === deps.defaultAgent) return;
  if (principal.role !== "admin") {
    throw ApiError.forbidden(
      `This token has the ${principal.role} role, and only an admin may choose a command agent; name a built-in agent, leave the agent out to use this deployment's default, or ask an admin.`,
    );
  }
  if (!deps.allowCommandAgents) {
    throw ApiError.forbidden(
      "This deployment does not let requests choose a command agent; name a built-in agent, or ask the operator to set AIPM_ALLOW_COMMAND_AGENTS=true.",
    );
  }
}

export function codeGenerationRoutes(deps: AppDeps) {
  const router = createRouter();
  router.use("/api/stories/:storyId/code-generations", idempotency({ store: deps.idempotency }));

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/stories/{storyId}/code-generations",
      tags: ["code generation"],
      summary: "Generate Code & PR: open the pull request with TASK.md and queue the agent",
      description:
        "Answers 202 with the pull request as soon as it is open; the agent runs later on a worker. With an Idempotency-Key header, a repeated request returns the same task and pull request.",
      request: {
        params: z.object({ storyId: storyIdSchema }),
        body: { ...jsonBody(codeGenerationCreateSchema), required: false },
        headers: z.object({ "idempotency-key": z.string().optional() }),
      },
      responses: {
        202: jsonResponse(CodeGenerationResponseSchema, "The pull request is open and the task is queued"),
        ...commonProblems,
        ...notFound,
        ...conflict(
          "The story already has a queued or running task, or the project's monthly budget is spent",
        ),
        502: { description: "The forge (GitHub) refused or failed" },
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireRole(principal, "editor");
      const input = parseOptionalBody(await c.req.text(), codeGenerationCreateSchema);
      if (input.agent) requireAgentChoice(deps, principal, input.agent);
      const record = await loadStory(deps, principal, c.req.valid("param").storyId);
      const { story } = record;
      // Independent reads, at once: each is a round trip the user waits for. Only the stories
      // TASK.md names are read, not the whole project (which may hold thousands).
      const [project, storyTasks, parents, dependsOn] = await Promise.all([
        deps.projects.get(story.projectId),
        deps.tasks.list({ projectId: story.projectId, storyId: story.id, limit: 1000 }),
        lineage(deps.stories, story.projectId, story.parentId).then((line) => line.reverse()),
        deps.stories.getStories(
          story.projectId,
          record.dependencies.map((dependency) => dependency.dependsOnId),
        ),
      ]);
      if (!project) throw ApiError.notFound(`Project ${story.projectId} does not exist.`);
      await requireBudgetLeft(deps, project);

      const active = storyTasks.find((task) => task.status === "queued" || task.status === "running");
      if (active) {
        throw ApiError.conflict(
          `Story ${story.id} already has ${active.status} task ${active.id}. Cancel it or wait for it to finish.`,
          "task-active",
        );
      }

      const forge = deps.forges[project.repository.provider];
      if (!forge) {
        throw new ApiError(
          422,
          `This deployment has no ${project.repository.provider} forge configured; set it up or use a project on another provider.`,
          { type: "forge-unavailable" },
        );
      }
      const taskId = newId("task");
      const branch = storyBranchName(story);
      const taskMarkdown = renderTaskMarkdown({
        project: presentProject(project, deps),
        story,
        acceptanceTests: [...record.acceptanceTests].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
        parentChain: parents,
        dependsOn,
        task: { id: taskId, branch },
      });
      const started = performance.now();
      const pullRequest = await forge.openPullRequest({
        repository: project.repository,
        baseBranch: project.repository.defaultBranch,
        branch,
        title: `${story.title} [AIPM]`,
        body: `Story \`${story.id}\` from AIPM project ${project.name}.\n\nThe coding agent implements TASK.md on this branch (task \`${taskId}\`).\n`,
        files: [{ path: "TASK.md", content: taskMarkdown }],
        commitMessage: `Add TASK.md for story ${story.id}: ${story.title}`,
        author: deps.gitAuthor,
      });
      const forgeMs = Math.round(performance.now() - started);

      const task = newQueuedTask({
        id: taskId,
        projectId: project.id,
        storyId: story.id,
        agent: input.agent ?? deps.defaultAgent,
        branch,
        pullRequest: { number: pullRequest.number, url: pullRequest.url },
        maxAttempts: input.maxAttempts,
        now: deps.now().toISOString(),
      });
      const queued = deps.tasks.create(task, [
        {
          type: "pull_request.opened",
          data: {
            number: pullRequest.number,
            url: pullRequest.url,
            branch,
            created: pullRequest.created,
            forgeMs,
          },
        },
        { type: "task.queued", data: { agent: task.agent, attempt: 1 } },
      ]);
      // The story's move does not depend on the task's write; both finish before the answer.
      await Promise.all([queued, moveStoryWithPullRequest(deps, record)]);
      deps.wakeWorkers();
      deps.log.info("code generation queued", {
        taskId,
        storyId: story.id,
        pullRequest: pullRequest.number,
        forgeMs,
      });
      return c.json({ task, pullRequest: { number: pullRequest.number, url: pullRequest.url, branch } }, 202);
    },
  );
  return router;
}

/** Moves the story to In Progress when its pull request opens, if the story rules allow it. */
async function moveStoryWithPullRequest(
  deps: AppDeps,
  record: Awaited<ReturnType<typeof loadStory>>,
): Promise<void> {
  const to = storyStatusForPullRequest("opened", record.story.status);
  if (to === record.story.status) return;
  const check = checkStoryStatusChange({
    story: record.story,
    to,
    acceptanceTests: record.acceptanceTests,
    children: [],
  });
  if (!check.ok) return;
  try {
    await deps.stories.updateStory(record, { status: to }, deps.now().toISOString());
  } catch (error) {
    // The story changed meanwhile; its status is the user's to set now.
    if (!isStoreError(error, "stale_version") && !isStoreError(error, "conflict")) throw error;
  }
}

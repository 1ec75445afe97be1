/**
 * @module routes/pulls: a story's pull request as AIPM shows it, on either forge: what it is, its
 * rounds (tasks), checks and acceptance tests, its files with their diffs; Merge and Close. A pull
 * request belongs to a project when its branch is one of the project's stories' (`aipm/<story>-…`).
 */
import { isTerminalTaskStatus, projectIdSchema, type Story } from "@aipm/shared";
import { presentProject, type StoryRecord } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import type { Principal } from "../env-types.ts";
import { ApiError, parseOptionalBody } from "../errors.ts";
import type { Forge, PullRequestInfo, RepositoryRef } from "../forge/forge.ts";
import { requireProject, requireRole } from "../middleware/auth/index.ts";
import { applyPullRequestEnd } from "../pull-request-end.ts";
import { createRouter } from "./router.ts";
import {
  AcceptanceTestSchema,
  commonProblems,
  conflict,
  jsonBody,
  jsonResponse,
  notFound,
  TaskSchema,
} from "./schemas.ts";
import { storyIdFromBranch } from "./webhooks.ts";

const params = z.object({
  projectId: projectIdSchema,
  number: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000_000)
    .openapi({ param: { name: "number", in: "path" } }),
});

const PullRequestSchema = z
  .object({
    number: z.number().int(),
    title: z.string(),
    url: z.string(),
    branch: z.string(),
    baseBranch: z.string(),
    state: z.enum(["open", "merged", "closed"]),
    headSha: z.string(),
    provider: z.enum(["github", "local"]),
  })
  .openapi("PullRequest");

const ChecksSchema = z
  .object({
    state: z.enum(["none", "pending", "success", "failure"]),
    runs: z.array(
      z.object({
        name: z.string(),
        status: z.string(),
        conclusion: z.string().nullable(),
        url: z.string().nullable(),
      }),
    ),
  })
  .openapi("Checks");

const PullStorySchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  statusReason: z.string().nullable(),
  version: z.number().int(),
});

const PullRequestViewSchema = z
  .object({
    pullRequest: PullRequestSchema,
    story: PullStorySchema,
    acceptanceTests: z.array(AcceptanceTestSchema),
    tasks: z.array(TaskSchema).openapi({ description: "The rounds on this pull request, newest first" }),
    checks: ChecksSchema.nullable().openapi({
      description: "GitHub's checks of the head commit; null on the local forge",
    }),
    doneRequiresPassingTests: z.boolean(),
  })
  .openapi("PullRequestView");

const PullRequestFileSchema = z.object({
  path: z.string(),
  previousPath: z.string().nullable(),
  status: z.enum(["added", "removed", "modified", "renamed", "copied", "changed"]),
  additions: z.number().int(),
  deletions: z.number().int(),
  binary: z.boolean(),
  patch: z.string().nullable(),
  truncated: z.boolean(),
});

const PullRequestFilesSchema = z
  .object({ files: z.array(PullRequestFileSchema), truncated: z.boolean() })
  .openapi("PullRequestFiles");

const MergeBodySchema = z
  .strictObject({
    expectedHeadSha: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .optional()
      .openapi({ description: "Merge only while the branch is at this commit (409 otherwise)" }),
  })
  .openapi("PullRequestMerge");

const MergedSchema = z
  .object({
    pullRequest: PullRequestSchema,
    story: PullStorySchema,
    merge: z.object({ sha: z.string(), method: z.enum(["fast-forward", "merge"]) }),
  })
  .openapi("PullRequestMerged");

const ClosedSchema = z
  .object({ pullRequest: PullRequestSchema, story: PullStorySchema })
  .openapi("PullRequestClosed");

interface PullContext {
  forge: Forge;
  repository: RepositoryRef;
  provider: "github" | "local";
  pull: PullRequestInfo;
  record: StoryRecord;
  doneRequiresPassingTests: boolean;
}

/** The project's pull request `number` and its story, or 404 when it is not one of the project's. */
async function loadPull(
  deps: AppDeps,
  principal: Principal,
  projectId: string,
  number: number,
): Promise<PullContext> {
  requireProject(principal, projectId);
  const stored = await deps.projects.get(projectId);
  if (!stored) throw ApiError.notFound(`Project ${projectId} does not exist.`);
  const project = presentProject(stored, deps);
  const forge = deps.forges[project.repository.provider];
  if (!forge) {
    throw new ApiError(422, `This deployment has no ${project.repository.provider} forge configured.`, {
      type: "forge-unavailable",
    });
  }
  const repository = project.repository;
  const pull = await forge.getPullRequest(repository, number);
  const storyId = pull ? storyIdFromBranch(pull.branch) : null;
  const record = storyId ? await deps.stories.getStory(storyId) : null;
  if (!pull || !record || record.story.projectId !== projectId) {
    throw ApiError.notFound(
      `Pull request #${number} of ${repository.owner}/${repository.name} is not one of project ${projectId}'s stories' pull requests.`,
    );
  }
  return {
    forge,
    repository,
    provider: repository.provider,
    pull,
    record,
    doneRequiresPassingTests: project.doneRequiresPassingTests,
  };
}

const presentPull = (context: PullContext, state = context.pull.state) => ({
  number: context.pull.number,
  title: context.pull.title,
  url: context.pull.url,
  branch: context.pull.branch,
  baseBranch: context.pull.baseBranch,
  state,
  headSha: context.pull.headSha,
  provider: context.provider,
});

const presentStory = (story: Story) => ({
  id: story.id,
  title: story.title,
  status: story.status,
  statusReason: story.statusReason ?? null,
  version: story.version,
});

/** The story as the pull request's end left it. */
async function endPull(deps: AppDeps, context: PullContext, merged: boolean): Promise<Story> {
  const { record, pull } = context;
  await applyPullRequestEnd(deps, record, { number: pull.number, merged });
  return (await deps.stories.getStoryItem(record.story.id)) ?? record.story;
}

async function tasksOn(deps: AppDeps, context: PullContext) {
  const tasks = await deps.tasks.list({
    projectId: context.record.story.projectId,
    storyId: context.record.story.id,
    limit: 1000,
  });
  return tasks.filter((task) => task.pullRequest.number === context.pull.number);
}

function requireOpen(context: PullContext): void {
  if (context.pull.state !== "open") {
    throw ApiError.conflict(
      `Pull request #${context.pull.number} is ${context.pull.state}, not open.`,
      "pull-request-state",
    );
  }
}

export function pullRoutes(deps: AppDeps) {
  const router = createRouter();
  const problems = { ...commonProblems, ...notFound };

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}/pulls/{number}",
      tags: ["pull requests"],
      summary: "A story's pull request: state, rounds (tasks), checks and the story's acceptance tests",
      request: { params },
      responses: { 200: jsonResponse(PullRequestViewSchema, "The pull request"), ...problems },
    }),
    async (c) => {
      const { projectId, number } = c.req.valid("param");
      const context = await loadPull(deps, c.get("principal"), projectId, number);
      const [tasks, checks] = await Promise.all([
        tasksOn(deps, context),
        context.forge.getChecks(context.repository, context.pull),
      ]);
      return c.json(
        {
          pullRequest: presentPull(context),
          story: presentStory(context.record.story),
          acceptanceTests: context.record.acceptanceTests,
          tasks,
          checks,
          doneRequiresPassingTests: context.doneRequiresPassingTests,
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}/pulls/{number}/files",
      tags: ["pull requests"],
      summary: "The files a pull request changes, each with its unified diff (capped; `truncated` says so)",
      request: { params },
      responses: { 200: jsonResponse(PullRequestFilesSchema, "The files"), ...problems },
    }),
    async (c) => {
      const { projectId, number } = c.req.valid("param");
      const context = await loadPull(deps, c.get("principal"), projectId, number);
      return c.json(await context.forge.listPullRequestFiles(context.repository, context.pull), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{projectId}/pulls/{number}/merge",
      tags: ["pull requests"],
      summary:
        "Merge (local: fast-forward or a merge commit; GitHub: as branch protection allows); the story goes to Done, or Review with the reason",
      request: {
        params,
        body: { ...jsonBody(MergeBodySchema), required: false },
      },
      responses: {
        200: jsonResponse(MergedSchema, "Merged"),
        ...problems,
        ...conflict(
          "Not open, a task on it still queued or running, the branch moved (expectedHeadSha), a merge conflict (the files named) or refused by branch protection",
        ),
      },
    }),
    async (c) => {
      const { projectId, number } = c.req.valid("param");
      const principal = c.get("principal");
      const body = parseOptionalBody(await c.req.text(), MergeBodySchema);
      const context = await loadPull(deps, principal, projectId, number);
      requireRole(principal, "editor");
      requireOpen(context);
      const active = (await tasksOn(deps, context)).find((task) => !isTerminalTaskStatus(task.status));
      if (active) {
        throw ApiError.conflict(
          `Task ${active.id} on this pull request is ${active.status}: wait for it to finish, or cancel it, then merge.`,
          "task-active",
        );
      }
      const merge = await context.forge.mergePullRequest(context.repository, context.pull, {
        ...(body.expectedHeadSha ? { expectedHeadSha: body.expectedHeadSha } : {}),
        message: `Merge pull request #${number} from ${context.pull.branch}\n\n${context.pull.title}\n`,
      });
      const story = await endPull(deps, context, true);
      deps.log.info("pull request merged", { projectId, number, method: merge.method });
      return c.json({ pullRequest: presentPull(context, "merged"), story: presentStory(story), merge }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{projectId}/pulls/{number}/close",
      tags: ["pull requests"],
      summary:
        "Close without merging; an active task on it is cancelled, an In Progress story goes back to Ready",
      request: { params },
      responses: {
        200: jsonResponse(ClosedSchema, "Closed"),
        ...problems,
        ...conflict("The pull request is not open"),
      },
    }),
    async (c) => {
      const { projectId, number } = c.req.valid("param");
      const principal = c.get("principal");
      const context = await loadPull(deps, principal, projectId, number);
      requireRole(principal, "editor");
      requireOpen(context);
      await context.forge.closePullRequest(context.repository, context.pull);
      const story = await endPull(deps, context, false);
      return c.json({ pullRequest: presentPull(context, "closed"), story: presentStory(story) }, 200);
    },
  );

  return router;
}

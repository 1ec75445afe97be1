/**
 * @module routes/code-generations: Generate Code & PR. Opens the pull request with TASK.md,
 * queues the task and answers 202 before any agent work.
 */
import {
  type CodeGenerationTask,
  checkStoryStatusChange,
  codeGenerationCreateSchema,
  newId,
  newQueuedTask,
  renderTaskMarkdown,
  storyBranchName,
  storyIdSchema,
  storyStatusForPullRequest,
} from "@aipm/shared";
import {
  ACTIVE_TASK_PART,
  type IdempotencyStore,
  isStoreError,
  type NewEvent,
  presentProject,
  type StoryRecord,
  type TransactionPart,
} from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../deps.ts";
import type { AppEnv, Principal } from "../env-types.ts";
import { ApiError, parseOptionalBody } from "../errors.ts";
import { requireProject, requireRole } from "../middleware/auth/index.ts";
import { idempotency } from "../middleware/idempotency/index.ts";
import { createRouter } from "./router.ts";
import { commonProblems, conflict, jsonBody, jsonResponse, notFound, TaskSchema } from "./schemas.ts";
import { lineage } from "./stories.ts";
import { requireBudgetLeft } from "./usage.ts";

const PATH = "/api/stories/:storyId/code-generations";
/**
 * How long a request holds the story's lock while it opens the pull request, before the task
 * exists: longer than any request runs (the Lambda stops at 25 s), so only a request whose process
 * died leaves the story refusing new tasks, and only this long.
 */
const RESERVATION_SECONDS = 300;

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
  router.use(PATH, prepare(deps));

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
      const { storyId } = c.req.valid("param");
      const prepared = preparations.get(c.req.raw);
      const record = await (prepared?.story ?? deps.stories.getStory(storyId));
      if (!record) throw ApiError.notFound(`Story ${storyId} does not exist.`);
      requireProject(principal, record.story.projectId);
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
      // The story's lock, taken before the forge is touched: of concurrent requests, only the one
      // that will queue the task commits TASK.md and opens the pull request.
      const taskId = newId("task");
      if (!(await deps.tasks.reserveStory(story.id, taskId, RESERVATION_SECONDS))) {
        throw ApiError.conflict(
          `Story ${story.id} already has an active task, or another request is starting one. Cancel it or wait for it to finish.`,
          "task-active",
        );
      }
      try {
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
        const events: NewEvent[] = [
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
        ];
        const answer = { task, pullRequest: { number: pullRequest.number, url: pullRequest.url, branch } };
        // The task, its events, the story's move and the response remembered for the
        // Idempotency-Key: one transaction, one round trip.
        const key = prepared?.idempotency.key;
        const completion = key
          ? deps.idempotency.completionPart(key, {
              status: 202,
              body: JSON.stringify(answer),
              contentType: "application/json",
            })
          : null;
        await queueTask(deps, task, events, storyMove(deps, record), completion);
        if (prepared && completion) prepared.idempotency.completed = true;
        deps.wakeWorkers();
        deps.log.info("code generation queued", {
          taskId,
          storyId: story.id,
          pullRequest: pullRequest.number,
          forgeMs,
        });
        // The same object the remembered response was serialised from, so a replay is identical.
        return c.json(answer, 202);
      } catch (error) {
        await deps.tasks.releaseReservation(story.id, taskId).catch((releaseError: unknown) => {
          deps.log.error("story reservation not released", {
            storyId: story.id,
            taskId,
            error: String(releaseError),
          });
        });
        throw error;
      }
    },
  );
  return router;
}

/** What the route's first middleware starts for the handler, per request. */
interface Preparation {
  /** The story's read, begun while the key is claimed. */
  story: Promise<StoryRecord | null>;
  /** The key the idempotency middleware claimed, and whether the handler's transaction completed it. */
  idempotency: { key: string | null; completed: boolean };
}

const preparations = new WeakMap<Request, Preparation>();

/**
 * Starts reading the story while the idempotency middleware claims the key (neither needs the
 * other, and each is a round trip the user waits for), and gives that middleware a store whose
 * `complete` is left out when the handler already remembered the response in its own transaction.
 * A replayed or refused request leaves the read unused.
 */
function prepare(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const plain = idempotency({ store: deps.idempotency });
  return async (c, next) => {
    const storyId = storyIdSchema.safeParse(c.req.param("storyId"));
    if (c.req.method !== "POST" || !storyId.success) return plain(c, next);
    const story = deps.stories.getStory(storyId.data);
    // The handler awaits it and sees its error; a request that never gets there drops it.
    story.catch(() => {});
    const preparation: Preparation = { story, idempotency: { key: null, completed: false } };
    preparations.set(c.req.raw, preparation);
    const store: IdempotencyStore = {
      begin(key, fingerprint, ttlSeconds) {
        preparation.idempotency.key = key;
        return deps.idempotency.begin(key, fingerprint, ttlSeconds);
      },
      async complete(key, response) {
        if (!preparation.idempotency.completed) await deps.idempotency.complete(key, response);
      },
      completionPart: (key, response) => deps.idempotency.completionPart(key, response),
      abandon: (key) => deps.idempotency.abandon(key),
    };
    return idempotency({ store })(c, next);
  };
}

/**
 * The story's move to In Progress when its pull request opens, if the story rules allow it, as a
 * part of the task's transaction; null when the story stays where it is.
 */
function storyMove(deps: AppDeps, record: StoryRecord): TransactionPart | null {
  const to = storyStatusForPullRequest("opened", record.story.status);
  if (to === record.story.status) return null;
  const check = checkStoryStatusChange({
    story: record.story,
    to,
    acceptanceTests: record.acceptanceTests,
    children: [],
  });
  if (!check.ok) return null;
  return deps.stories.updateStoryPart(record, { status: to }, deps.now().toISOString());
}

/**
 * Writes the task with its events, the story's move and the idempotency completion at once. When
 * the story changed since it was read, its status is the user's to set now: the task is queued
 * without the move.
 */
async function queueTask(
  deps: AppDeps,
  task: CodeGenerationTask,
  events: readonly NewEvent[],
  move: TransactionPart | null,
  completion: TransactionPart | null,
): Promise<void> {
  const others = completion ? [completion] : [];
  try {
    try {
      await deps.tasks.create(task, events, move ? [move, ...others] : others);
    } catch (error) {
      if (!move || !isStoreError(error, "conflict") || !error.parts.includes(move.name)) throw error;
      if (error.parts.includes(ACTIVE_TASK_PART)) throw error;
      await deps.tasks.create(task, events, others);
    }
  } catch (error) {
    throw activeTaskConflict(error);
  }
}

/** A task's creation refused because its story has another active task, as the API's 409 `task-active`; other errors as they are. */
export function activeTaskConflict(error: unknown): unknown {
  return isStoreError(error, "conflict") && error.parts.includes(ACTIVE_TASK_PART)
    ? ApiError.conflict(error.message, "task-active")
    : error;
}

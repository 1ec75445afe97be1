/**
 * @module routes/code-generations: Generate Code & PR. Refuses a story that is not ready (422,
 * unless an editor forces it), opens the pull request with TASK.md, queues the task and answers
 * 202 before any agent work.
 */
import { codeGenerationCreateSchema, generationProblems, storyBranchName, storyIdSchema } from "@aipm/shared";
import type { IdempotencyStore, StoryRecord } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../deps.ts";
import type { AppEnv, Principal } from "../env-types.ts";
import { ApiError, parseOptionalBody } from "../errors.ts";
import { requireProject, requireRole } from "../middleware/auth/index.ts";
import { idempotency } from "../middleware/idempotency/index.ts";
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
import { requireNoActiveTask, startRun } from "./task-runs.ts";
import { requireBudgetLeft } from "./usage.ts";

const PATH = "/api/stories/:storyId/code-generations";

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
        ...limitExceeded(
          'The story is not ready (`not-ready`: no "I want", no acceptance test, or unfinished dependencies; each reason in `errors`; `force: true` overrides), a field past its size, or no forge for the project\'s provider',
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
      // Independent reads, at once: each is a round trip the user waits for.
      const [project, storyTasks, dependsOn] = await Promise.all([
        deps.projects.get(story.projectId),
        deps.tasks.list({ projectId: story.projectId, storyId: story.id, limit: 1000 }),
        deps.stories.getStories(
          story.projectId,
          record.dependencies.map((dependency) => dependency.dependsOnId),
        ),
      ]);
      if (!project) throw ApiError.notFound(`Project ${story.projectId} does not exist.`);
      await requireBudgetLeft(deps, project);

      requireNoActiveTask(story.id, storyTasks);

      const problems = generationProblems({
        story,
        acceptanceTests: record.acceptanceTests,
        dependencies: dependsOn,
      });
      if (problems.length > 0 && !input.force) {
        throw new ApiError(
          422,
          `Story ${story.id} is not ready for code generation: ${problems.join(" ")} An editor may generate anyway with "force": true.`,
          { type: "not-ready", errors: problems.map((message) => ({ path: "(story)", message })) },
        );
      }
      const key = prepared?.idempotency.key;
      const answer = await startRun(deps, {
        record,
        project,
        branch: storyBranchName(story),
        agent: input.agent ?? deps.defaultAgent,
        maxAttempts: input.maxAttempts,
        round: 1,
        rounds: [],
        feedback: null,
        instructions: input.instructions ?? null,
        retryOf: null,
        commitMessage: `Add TASK.md for story ${story.id}: ${story.title}`,
        ...(problems.length > 0 ? { queuedData: { forced: { by: principal.tokenId, problems } } } : {}),
        moveStory: true,
        completion: (answer) =>
          key
            ? deps.idempotency.completionPart(key, {
                status: 202,
                body: JSON.stringify(answer),
                contentType: "application/json",
              })
            : null,
      });
      if (prepared && key) prepared.idempotency.completed = true;
      // The same object the remembered response was serialised from, so a replay is identical.
      return c.json(answer, 202);
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

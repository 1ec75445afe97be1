/**
 * @module routes/tasks: code-generation tasks, their events (JSON pages or a live SSE stream),
 * cancel and retry.
 */
import {
  type CodeGenerationTask,
  canRetryTask,
  isTerminalTaskStatus,
  projectIdSchema,
  storyIdSchema,
  taskIdSchema,
  taskRunSchema,
  taskStatusSchema,
} from "@aipm/shared";
import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { AppDeps } from "../deps.ts";
import type { Principal } from "../env-types.ts";
import { ApiError, parseOptionalBody } from "../errors.ts";
import {
  bearerHeader,
  canReachProject,
  requireProject,
  requireRole,
  resolvePrincipal,
} from "../middleware/auth/index.ts";
import { requireAgentChoice } from "./code-generations.ts";
import { keepAlive, STREAM_KEEP_ALIVE_MS } from "./keep-alive.ts";
import { createRouter } from "./router.ts";
import {
  commonProblems,
  conflict,
  jsonBody,
  jsonResponse,
  notFound,
  ProblemSchema,
  TaskEventSchema,
  TaskSchema,
} from "./schemas.ts";
import { pullRequestRounds, requireNoActiveTask, startRun } from "./task-runs.ts";
import { requireBudgetLeft } from "./usage.ts";

const taskParams = z.object({ taskId: taskIdSchema });
const EVENTS_PAGE = 500;
/** How often a live stream looks for new events, and how long one stream lasts at most. */
const STREAM_POLL_MS = 500;
const STREAM_MAX_MS = 15 * 60_000;
/**
 * On Lambda a stream ends this long before the invocation's own deadline, leaving time for the
 * last DynamoDB reads and the closing `retry:` field: a stream the timeout cuts ends in a 502.
 */
const LAMBDA_STREAM_MARGIN_MS = 5_000;
/** The reconnection delay a stream that reached its bound asks EventSource for, in ms. */
const STREAM_RETRY_MS = 1_000;
/** How often a live stream checks again that its token is valid and still reaches the project. */
export const STREAM_RECHECK_MS = 30_000;
/**
 * The most live streams one token may hold open at once, per process: on Lambda each invocation
 * is a process of its own, so there the cap holds per instance only.
 */
export const MAX_STREAMS_PER_TOKEN = 10;

/**
 * How long a live stream may last: {@link STREAM_MAX_MS}, or on Lambda (whose streaming adapter
 * passes the invocation's context as `c.env.context`) what the invocation has left less
 * {@link LAMBDA_STREAM_MARGIN_MS}, so the stream ends cleanly before the function's timeout.
 */
function streamBoundMs(bindings: unknown): number {
  const context = (bindings as { context?: { getRemainingTimeInMillis?: unknown } } | undefined)?.context;
  if (typeof context?.getRemainingTimeInMillis !== "function") return STREAM_MAX_MS;
  const remaining = Number(context.getRemainingTimeInMillis());
  if (!Number.isFinite(remaining)) return STREAM_MAX_MS;
  return Math.min(STREAM_MAX_MS, Math.max(0, remaining - LAMBDA_STREAM_MARGIN_MS));
}

async function loadTask(deps: AppDeps, principal: Principal, taskId: string): Promise<CodeGenerationTask> {
  const task = await deps.tasks.get(taskId);
  if (!task) throw ApiError.notFound(`Task ${taskId} does not exist.`);
  requireProject(principal, task.projectId, `Task ${taskId} does not exist.`);
  return task;
}

export function taskRoutes(deps: AppDeps) {
  const router = createRouter();
  /** Live streams open in this process, by token id. */
  const openStreams = new Map<string, number>();
  const recheckMs = deps.streamRecheckMs ?? STREAM_RECHECK_MS;
  const maxStreams = deps.maxStreamsPerToken ?? MAX_STREAMS_PER_TOKEN;

  /** Whether the request's token is still valid, the same token, and reaches `projectId` (which still exists). */
  async function stillAllowed(principal: Principal, header: string | undefined, projectId: string) {
    const now = await resolvePrincipal({ tokens: deps.tokens, adminTokenHash: deps.adminTokenHash }, header);
    if (!now || now.tokenId !== principal.tokenId || !canReachProject(now, projectId)) return false;
    return (await deps.projects.get(projectId)) !== null;
  }

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/tasks",
      tags: ["tasks"],
      summary: "Tasks, newest first, filtered by project, story or status",
      request: {
        query: z.object({
          projectId: projectIdSchema.optional(),
          storyId: storyIdSchema.optional(),
          status: taskStatusSchema.optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ tasks: z.array(TaskSchema) }), "The tasks"),
        ...commonProblems,
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      const query = c.req.valid("query");
      if (query.projectId) requireProject(principal, query.projectId);
      const projectId = query.projectId ?? principal.projectId ?? undefined;
      const tasks = await deps.tasks.list({ ...query, ...(projectId ? { projectId } : {}) });
      return c.json({ tasks }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/tasks/{taskId}",
      tags: ["tasks"],
      summary: "A task",
      request: { params: taskParams },
      responses: { 200: jsonResponse(TaskSchema, "The task"), ...commonProblems, ...notFound },
    }),
    async (c) => c.json(await loadTask(deps, c.get("principal"), c.req.valid("param").taskId), 200),
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/tasks/{taskId}/cancel",
      tags: ["tasks"],
      summary: "Cancel a task: a queued one at once, a running one as soon as its worker stops the agent",
      request: { params: taskParams },
      responses: {
        202: jsonResponse(TaskSchema, "Cancelled, or cancellation requested"),
        ...commonProblems,
        ...notFound,
        ...conflict("The task already finished"),
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireRole(principal, "editor");
      const task = await loadTask(deps, principal, c.req.valid("param").taskId);
      const updated = await deps.tasks.transition(task.id, "request_cancel", {
        data: { by: principal.tokenId },
      });
      deps.log.info("task cancel requested", { taskId: task.id, status: updated.status });
      return c.json(updated, 202);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/tasks/{taskId}/retry",
      tags: ["tasks"],
      summary: "Run a failed, cancelled or timed-out task again, as a new task on the same pull request",
      description:
        "The body may name another agent, attempts and instructions for the new run (each the retried task's when left out); TASK.md on the branch is written again from the story as it is now.",
      request: { params: taskParams, body: { ...jsonBody(taskRunSchema), required: false } },
      responses: {
        202: jsonResponse(TaskSchema, "The new task"),
        ...commonProblems,
        ...notFound,
        ...conflict(
          "The task has not failed, the story already has an active task, or the project's monthly budget is spent",
        ),
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireRole(principal, "editor");
      const input = parseOptionalBody(await c.req.text(), taskRunSchema);
      const task = await loadTask(deps, principal, c.req.valid("param").taskId);
      if (!canRetryTask(task.status)) {
        throw ApiError.conflict(
          `Task ${task.id} is ${task.status}; only a failed, cancelled or timed-out task can be retried.`,
          "task-state",
        );
      }
      // The retry runs the task's agent again unless told another: a command agent needs the
      // caller to be allowed it, so that a retry cannot replay an admin's choice.
      const agent = input.agent ?? task.agent;
      requireAgentChoice(deps, principal, agent);
      const [storyTasks, project, record] = await Promise.all([
        deps.tasks.list({ projectId: task.projectId, storyId: task.storyId, limit: 1000 }),
        deps.projects.get(task.projectId),
        deps.stories.getStory(task.storyId),
      ]);
      requireNoActiveTask(task.storyId, storyTasks);
      if (!project) throw ApiError.notFound(`Project ${task.projectId} does not exist.`);
      if (!record) throw ApiError.notFound(`Story ${task.storyId} does not exist.`);
      await requireBudgetLeft(deps, project);
      // The same round again, on the same branch, with the rounds' feedback up to this one.
      const { rounds } = pullRequestRounds(
        storyTasks.filter(
          (candidate) =>
            candidate.pullRequest.number === task.pullRequest.number && candidate.round <= task.round,
        ),
      );
      const { task: retry } = await startRun(deps, {
        record,
        project,
        branch: task.branch,
        agent,
        maxAttempts: input.maxAttempts ?? task.maxAttempts,
        round: task.round,
        rounds,
        feedback: task.feedback,
        instructions: input.instructions ?? task.instructions,
        retryOf: task.id,
        commitMessage: `Update TASK.md for story ${record.story.id}: retry of task ${task.id}`,
        moveStory: false,
      });
      await deps.tasks.appendEvents(task.id, [
        { type: "task.retried", data: { newTaskId: retry.id, by: principal.tokenId } },
      ]);
      return c.json(retry, 202);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/tasks/{taskId}/events",
      tags: ["tasks"],
      summary: "The task's events after a sequence number; with Accept: text/event-stream, a live SSE stream",
      request: {
        params: taskParams,
        query: z.object({ after: z.coerce.number().int().min(0).optional() }),
      },
      responses: {
        200: {
          description: "A page of events, or an SSE stream whose event ids are sequence numbers",
          content: {
            "application/json": {
              schema: z.object({
                events: z.array(TaskEventSchema),
                taskStatus: taskStatusSchema,
                nextAfter: z.number(),
              }),
            },
            "text/event-stream": { schema: z.string() },
          },
        },
        429: {
          description:
            "The token already holds as many live streams as it may (Retry-After says when to try again)",
          content: { "application/problem+json": { schema: ProblemSchema } },
        },
        ...commonProblems,
        ...notFound,
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      const task = await loadTask(deps, principal, c.req.valid("param").taskId);
      const lastEventId = Number(c.req.header("Last-Event-ID"));
      let after =
        c.req.valid("query").after ??
        (Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0);
      if (!(c.req.header("Accept") ?? "").includes("text/event-stream")) {
        const events = await deps.tasks.listEvents(task.id, after, EVENTS_PAGE);
        const nextAfter = events.at(-1)?.seq ?? after;
        return c.json({ events, taskStatus: task.status, nextAfter }, 200);
      }
      const open = openStreams.get(principal.tokenId) ?? 0;
      if (open >= maxStreams) {
        throw new ApiError(
          429,
          `This token already has ${open} live event streams open here, the most it may; close one, or wait.`,
          { type: "too-many-streams", headers: { "Retry-After": String(Math.ceil(recheckMs / 1000)) } },
        );
      }
      openStreams.set(principal.tokenId, open + 1);
      const header = bearerHeader(c.req.header.bind(c.req));
      const bound = streamBoundMs(c.env);
      return streamSSE(c, async (stream) => {
        const deadline = Date.now() + bound;
        let aborted = false;
        stream.onAbort(() => {
          aborted = true;
        });
        const alive = keepAlive(stream, deps.streamKeepAliveMs ?? STREAM_KEEP_ALIVE_MS);
        try {
          await followEvents();
        } finally {
          alive.stop();
          const left = (openStreams.get(principal.tokenId) ?? 1) - 1;
          if (left > 0) openStreams.set(principal.tokenId, left);
          else openStreams.delete(principal.tokenId);
        }

        async function followEvents() {
          let recheckAt = Date.now() + recheckMs;
          while (!aborted && Date.now() < deadline) {
            if (Date.now() >= recheckAt) {
              // A revoked token, or one that lost the project, ends its stream; reconnecting then fails with 401 or 404.
              if (!(await stillAllowed(principal, header, task.projectId))) {
                return;
              }
              recheckAt = Date.now() + recheckMs;
            }
            const [events, current] = await Promise.all([
              deps.tasks.listEvents(task.id, after, EVENTS_PAGE),
              deps.tasks.get(task.id),
            ]);
            for (const event of events) {
              await stream.writeSSE({
                id: String(event.seq),
                event: event.type,
                data: JSON.stringify(event),
              });
              after = event.seq;
              alive.wrote();
            }
            if (events.length === EVENTS_PAGE) continue;
            if (!current || isTerminalTaskStatus(current.status)) {
              const rest = await deps.tasks.listEvents(task.id, after, EVENTS_PAGE);
              for (const event of rest) {
                await stream.writeSSE({
                  id: String(event.seq),
                  event: event.type,
                  data: JSON.stringify(event),
                });
                after = event.seq;
              }
              await stream.writeSSE({
                event: "end",
                data: JSON.stringify({ status: current?.status ?? "unknown" }),
              });
              return;
            }
            await stream.sleep(Math.min(STREAM_POLL_MS, recheckMs, Math.max(0, deadline - Date.now())));
          }
          // The bound, with the task still going: a field with no data dispatches no event, but
          // tells EventSource to reconnect soon, sending the last id in Last-Event-ID.
          if (!aborted) await stream.write(`: stream bound reached\nretry: ${STREAM_RETRY_MS}\n\n`);
        }
      }) as never;
    },
  );

  return router;
}

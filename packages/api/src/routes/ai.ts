/**
 * @module routes/ai: the AI actions on stories: draft a story from an idea, draft its acceptance
 * tests, review it against INVEST with the rules, split it, improve one step. Nothing here saves a
 * story: each answers a proposal that the user edits and saves through the story and test routes.
 * Each answers 200 with JSON, or, asked with `Accept: text/event-stream`, 202 and a stream of
 * `delta` events (the answer's JSON text as it arrives) ended by one `result` or `error` event,
 * with a comment line whenever the model has been silent for 15 s (see keep-alive.ts).
 */
import { analyzeInvest, projectIdSchema, type Story, storyIdSchema, storyLimits } from "@aipm/shared";
import type { StoryRecord } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import {
  asData,
  improvedStepSchema,
  investReviewSchema,
  mergeReview,
  splitSchema,
  stepKinds,
  storyData,
  storyDraftSchema,
  systemPrompt,
  tasks,
  testDraftsSchema,
} from "../ai/actions.ts";
import type { ModelCall, ModelClient } from "../ai/model.ts";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env-types.ts";
import { ApiError, problemBody, toApiError } from "../errors.ts";
import { requireProject, requireRole } from "../middleware/auth/index.ts";
import { keepAlive, STREAM_KEEP_ALIVE_MS } from "./keep-alive.ts";
import { createRouter } from "./router.ts";
import { commonProblems, InvestAnalysisSchema, jsonBody, jsonResponse, notFound } from "./schemas.ts";
import { loadStory } from "./stories.ts";

const UsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  costUsd: z.number().nullable(),
  costEstimated: z.boolean(),
  turns: z.number().nullable(),
  durationMs: z.number().nullable(),
  model: z.string().nullable(),
});

const AiStatusSchema = z
  .object({ enabled: z.boolean(), provider: z.string().nullable(), model: z.string().nullable() })
  .openapi("AiStatus");

const DraftStoryRequestSchema = z
  .strictObject({
    idea: z.string().trim().min(1, "must not be empty").max(storyLimits.iWant),
    parentId: storyIdSchema.nullable().default(null),
  })
  .openapi("AiDraftStoryRequest");
const ImproveStepRequestSchema = z
  .strictObject({ kind: z.enum(stepKinds), step: improvedStepSchema.shape.step })
  .openapi("AiImproveStepRequest");

const withUsage = <S extends z.ZodRawShape>(shape: S, name: string) =>
  z.object({ ...shape, usage: UsageSchema }).openapi(name);
const DraftStorySchema = withUsage({ draft: storyDraftSchema }, "AiStoryDraft");
const DraftTestsSchema = withUsage({ tests: testDraftsSchema.shape.tests }, "AiTestDrafts");
const ReviewSchema = withUsage({ analysis: InvestAnalysisSchema }, "AiInvestReview");
const SplitSchema = withUsage({ children: splitSchema.shape.children }, "AiSplit");
const ImprovedStepSchema = withUsage({ step: z.string() }, "AiImprovedStep");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: z.object({ type: z.string(), detail: z.string() }) } },
});
const aiProblems = {
  ...commonProblems,
  ...notFound,
  422: problem("The model declined (ai-refused)"),
  501: problem("No AI provider is configured (ai-unconfigured): set AIPM_AI_PROVIDER"),
  502: problem("The model failed or answered out of shape (ai-failed, ai-malformed); nothing was saved"),
  504: problem("The model did not answer in time (ai-timeout)"),
} as const;

/** The configured model, or the 501 that says how to configure one. */
function requireAi(deps: AppDeps): ModelClient {
  if (deps.ai) return deps.ai;
  throw new ApiError(
    501,
    "AI assistance is off: no model provider is configured. Set AIPM_AI_PROVIDER to anthropic, openai or bedrock (with AIPM_AI_API_KEY, and AIPM_AI_MODEL or AIPM_AI_BASE_URL where needed) and restart the API. The rules-based INVEST analysis works without it.",
    { type: "ai-unconfigured" },
  );
}

const streams = (c: Context) => (c.req.header("Accept") ?? "").includes("text/event-stream");

/**
 * Runs one model call for the project and answers with `present(value)` and the call's usage,
 * which is first added to the project's AI usage: as JSON, or as a stream of the answer's pieces.
 */
function answer<S extends z.ZodType>(
  c: Context<AppEnv>,
  deps: AppDeps,
  projectId: string,
  call: Omit<ModelCall<S>, "onDelta" | "signal">,
  present: (value: z.output<S>) => Record<string, unknown>,
): Response | Promise<Response> {
  const ai = requireAi(deps);
  const run = async (onDelta?: (text: string) => void) => {
    const { value, usage } = await ai.generate({
      ...call,
      signal: c.req.raw.signal,
      ...(onDelta ? { onDelta } : {}),
    });
    await deps.aiUsage.record(projectId, usage, deps.now().toISOString());
    deps.log.info("ai call", { projectId, action: call.name, model: usage.model, costUsd: usage.costUsd });
    return { ...present(value), usage };
  };
  if (!streams(c)) return run().then((body) => c.json(body, 200));
  c.status(202);
  return streamSSE(c, async (stream) => {
    // A model may think for a while before its first token.
    const alive = keepAlive(stream, deps.streamKeepAliveMs ?? STREAM_KEEP_ALIVE_MS);
    try {
      const body = await run((text) => {
        alive.wrote();
        void stream.writeSSE({ event: "delta", data: JSON.stringify({ text }) });
      });
      await stream.writeSSE({ event: "result", data: JSON.stringify(body) });
    } catch (error) {
      const mapped = toApiError(error, (message, cause) => deps.log.error(message, { error: String(cause) }));
      await stream.writeSSE({ event: "error", data: JSON.stringify(problemBody(mapped)) });
    } finally {
      alive.stop();
    }
  });
}

const storyParams = z.object({ storyId: storyIdSchema });

/** The story for an AI action: the editor role, and a story the token reaches. */
async function storyFor(c: Context<AppEnv>, deps: AppDeps, storyId: string): Promise<StoryRecord> {
  requireRole(c.get("principal"), "editor");
  requireAi(deps);
  return loadStory(deps, c.get("principal"), storyId);
}

const storyAction = (path: string, summary: string, response: z.ZodType) =>
  createRoute({
    method: "post",
    path: `/api/stories/{storyId}/ai/${path}`,
    tags: ["ai"],
    summary,
    request: { params: storyParams },
    responses: {
      200: jsonResponse(response, "The proposal, not saved, and what the call cost"),
      202: { description: "With Accept: text/event-stream: delta events, then one result or error event" },
      ...aiProblems,
    },
  });

export function aiRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/ai",
      tags: ["ai"],
      summary: "Whether AI assistance is on, and with which provider and model",
      responses: { 200: jsonResponse(AiStatusSchema, "The AI status"), ...commonProblems },
    }),
    (c) =>
      c.json(
        {
          enabled: deps.ai !== undefined,
          provider: deps.ai?.provider ?? null,
          model: deps.ai?.model ?? null,
        },
        200,
      ),
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{projectId}/ai/draft-story",
      tags: ["ai"],
      summary: "Draft a story from a one-line idea, beside its parent's other children",
      request: { params: z.object({ projectId: projectIdSchema }), body: jsonBody(DraftStoryRequestSchema) },
      responses: {
        200: jsonResponse(DraftStorySchema, "The draft, not saved, and what the call cost"),
        202: { description: "With Accept: text/event-stream: delta events, then one result or error event" },
        ...aiProblems,
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      const { idea, parentId } = c.req.valid("json");
      requireRole(c.get("principal"), "editor");
      requireProject(c.get("principal"), projectId, `Project ${projectId} does not exist.`);
      requireAi(deps);
      const project = await deps.projects.get(projectId);
      if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
      const { stories } = await deps.stories.readProject(projectId);
      const parent = parentId ? stories.find((story) => story.id === parentId) : undefined;
      if (parentId && !parent) throw ApiError.notFound(`Story ${parentId} is not a story of this project.`);
      const titles = (list: Story[]) => list.slice(0, 30).map((story) => story.title);
      const data = {
        project: { name: project.name, description: project.description },
        parent: parent ? storyData(parent) : null,
        siblings: titles(stories.filter((story) => story.parentId === parentId)),
        idea,
      };
      return answer(
        c,
        deps,
        projectId,
        {
          system: systemPrompt(tasks.draftStory),
          prompt: asData(data),
          name: "draft_story",
          description: "The drafted user story",
          schema: storyDraftSchema,
        },
        (draft) => ({ draft }),
      );
    },
  );

  router.openapi(
    storyAction("acceptance-tests", "Draft Given/When/Then acceptance tests for the story", DraftTestsSchema),
    async (c) => {
      const { story, acceptanceTests } = await storyFor(c, deps, c.req.valid("param").storyId);
      return answer(
        c,
        deps,
        story.projectId,
        {
          system: systemPrompt(tasks.draftTests),
          prompt: asData(storyData(story, acceptanceTests)),
          name: "draft_acceptance_tests",
          description: "The drafted acceptance tests, one behaviour each",
          schema: testDraftsSchema,
        },
        ({ tests }) => ({ tests }),
      );
    },
  );

  router.openapi(
    storyAction(
      "invest",
      "Review the story against INVEST: the model's findings merged with the rules'",
      ReviewSchema,
    ),
    async (c) => {
      const record = await storyFor(c, deps, c.req.valid("param").storyId);
      const rules = analyzeInvest({
        story: record.story,
        acceptanceTests: record.acceptanceTests,
        dependsOn: record.dependencies.map((dependency) => dependency.dependsOnId),
        childCount: record.childCount,
      });
      return answer(
        c,
        deps,
        record.story.projectId,
        {
          system: systemPrompt(tasks.review),
          prompt: asData(storyData(record.story, record.acceptanceTests)),
          name: "invest_review",
          description: "The INVEST findings, each with a suggestion and, where it fits, a rewrite",
          schema: investReviewSchema,
        },
        (review) => ({ analysis: mergeReview(rules, review) }),
      );
    },
  );

  router.openapi(
    storyAction("split", "Propose child stories, with their tests, for a story too big", SplitSchema),
    async (c) => {
      const { story, acceptanceTests } = await storyFor(c, deps, c.req.valid("param").storyId);
      return answer(
        c,
        deps,
        story.projectId,
        {
          system: systemPrompt(tasks.split),
          prompt: asData(storyData(story, acceptanceTests)),
          name: "split_story",
          description: "The smaller stories the story splits into, each with its acceptance tests",
          schema: splitSchema,
          maxTokens: 8192,
        },
        ({ children }) => ({ children }),
      );
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/stories/{storyId}/ai/improve-step",
      tags: ["ai"],
      summary: "Rewrite a vague step of the story's tests into an observable one",
      request: { params: storyParams, body: jsonBody(ImproveStepRequestSchema) },
      responses: {
        200: jsonResponse(ImprovedStepSchema, "The rewritten step, not saved, and what the call cost"),
        202: { description: "With Accept: text/event-stream: delta events, then one result or error event" },
        ...aiProblems,
      },
    }),
    async (c) => {
      const { story } = await storyFor(c, deps, c.req.valid("param").storyId);
      const { kind, step } = c.req.valid("json");
      return answer(
        c,
        deps,
        story.projectId,
        {
          system: systemPrompt(tasks.improveStep),
          prompt: asData({ story: { title: story.title, iWant: story.iWant }, kind, step }),
          name: "improved_step",
          description: "The rewritten step",
          schema: improvedStepSchema,
        },
        (improved) => ({ step: improved.step }),
      );
    },
  );

  return router;
}

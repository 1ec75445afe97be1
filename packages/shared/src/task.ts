/**
 * @module task: code-generation tasks and the events that record their life.
 */
import { z } from "zod";
import { isoDateTimeSchema, text } from "./common.ts";
import { projectIdSchema, storyIdSchema, taskIdSchema } from "./ids.ts";
import { branchNameSchema } from "./project.ts";
import { agentNames, runTextLimits, taskErrorCodes, taskEventTypes, taskStatuses } from "./values.ts";

export const taskStatusSchema = z.enum(taskStatuses);

/** The agents a worker can run; `command:<cmd>` runs any shell command. */
export const agentNameSchema = z.union([
  z.enum(agentNames),
  z.templateLiteral(["command:", z.string().min(1)]),
]);
export type AgentName = z.infer<typeof agentNameSchema>;

export const taskErrorCodeSchema = z.enum(taskErrorCodes);

export const taskErrorSchema = z.strictObject({
  code: taskErrorCodeSchema,
  message: z.string().max(4_000),
});
export type TaskError = z.infer<typeof taskErrorSchema>;

/**
 * What one agent run consumed, as its CLI reported it: the `agent.usage` event's data, and the
 * task's `usage` once it finished. `costUsd` is null when the CLI reports no cost and the worker
 * knows no price for the model.
 */
export const agentUsageSchema = z.strictObject({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  /** Input tokens read from the provider's prompt cache; part of neither count above. */
  cacheReadTokens: z.number().int().min(0),
  cacheWriteTokens: z.number().int().min(0),
  costUsd: z.number().min(0).nullable(),
  /** True when the CLI reported no cost and `costUsd` is the model's list price for the tokens. */
  costEstimated: z.boolean(),
  turns: z.number().int().min(0).nullable(),
  durationMs: z.number().int().min(0).nullable(),
  model: z.string().max(200).nullable(),
});
export type AgentUsage = z.infer<typeof agentUsageSchema>;

/** What a project's agents consumed: in all, and per story. */
export const usageSummarySchema = z.strictObject({
  /** Tasks created at or after this time count; null for all of them. */
  since: isoDateTimeSchema.nullable(),
  /** Tasks that reported usage. */
  tasks: z.number().int().min(0),
  total: agentUsageSchema.nullable(),
  stories: z.array(
    z.strictObject({ storyId: storyIdSchema, tasks: z.number().int().min(1), usage: agentUsageSchema }),
  ),
});
export type UsageSummary = z.infer<typeof usageSummarySchema>;

export const pullRequestRefSchema = z.strictObject({
  number: z.number().int().min(1),
  url: z.url(),
});
export type PullRequestRef = z.infer<typeof pullRequestRefSchema>;

export const codeGenerationTaskSchema = z.strictObject({
  id: taskIdSchema,
  projectId: projectIdSchema,
  storyId: storyIdSchema,
  status: taskStatusSchema,
  /** Set while a running task waits for its worker to stop the agent. */
  cancelRequested: z.boolean(),
  /** 1 for the first run; the reconciler adds one each time it takes back an expired lease. */
  attempt: z.number().int().min(1),
  maxAttempts: z.number().int().min(1).max(10),
  agent: agentNameSchema,
  branch: branchNameSchema,
  pullRequest: pullRequestRefSchema,
  /** The task this one retries, when it was made by a retry. */
  retryOf: taskIdSchema.nullable(),
  /** 1 for the run that opened the pull request; each Request changes starts the next round. */
  round: z.number().int().min(1),
  /** What the person asked of this round (Request changes); null for the first round. */
  feedback: text(runTextLimits.feedback).nullable(),
  /** Extra instructions given for this run (Generate, Retry, Request changes); rendered into TASK.md. */
  instructions: text(runTextLimits.instructions).nullable(),
  leaseOwner: z.string().nullable(),
  leaseExpiresAt: isoDateTimeSchema.nullable(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  startedAt: isoDateTimeSchema.nullable(),
  finishedAt: isoDateTimeSchema.nullable(),
  error: taskErrorSchema.nullable(),
  commit: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .nullable(),
  /** What the agent consumed, summed over the task's attempts; null until an agent reported usage. */
  usage: agentUsageSchema.nullable(),
});
export type CodeGenerationTask = z.infer<typeof codeGenerationTaskSchema>;

/** What a new task needs besides its defaults. */
export interface NewTaskInput {
  id: string;
  projectId: string;
  storyId: string;
  agent: AgentName;
  branch: string;
  pullRequest: PullRequestRef;
  maxAttempts: number;
  /** The task this one retries, if any. */
  retryOf?: string | null;
  /** 1 unless a Request changes made it. */
  round?: number;
  feedback?: string | null;
  instructions?: string | null;
  /** ISO time of creation. */
  now: string;
}

/**
 * A task as it enters the queue: queued, first attempt, no lease, no outcome.
 *
 * @example newQueuedTask({ id, projectId, storyId, agent: "scaffold", branch, pullRequest, maxAttempts: 3, now })
 */
export function newQueuedTask(input: NewTaskInput): CodeGenerationTask {
  return {
    id: input.id,
    projectId: input.projectId,
    storyId: input.storyId,
    status: "queued",
    cancelRequested: false,
    attempt: 1,
    maxAttempts: input.maxAttempts,
    agent: input.agent,
    branch: input.branch,
    pullRequest: input.pullRequest,
    retryOf: input.retryOf ?? null,
    round: input.round ?? 1,
    feedback: input.feedback ?? null,
    instructions: input.instructions ?? null,
    leaseOwner: null,
    leaseExpiresAt: null,
    createdAt: input.now,
    updatedAt: input.now,
    startedAt: null,
    finishedAt: null,
    error: null,
    commit: null,
    usage: null,
  };
}

/** Extra instructions for one run: empty means none. */
const instructionsInput = text(runTextLimits.instructions)
  .optional()
  .transform((value) => (value ? value : undefined));

const maxAttemptsSchema = z.number().int().min(1).max(10);

/**
 * What Retry accepts: the agent, attempts and instructions of the new run, each the retried
 * task's when left out.
 */
export const taskRunSchema = z.strictObject({
  /** Which agent runs the task: the worker's default (Generate) or the previous run's when absent. */
  agent: agentNameSchema.optional(),
  maxAttempts: maxAttemptsSchema.optional(),
  instructions: instructionsInput,
});
export type TaskRun = z.input<typeof taskRunSchema>;

export const codeGenerationCreateSchema = taskRunSchema.extend({
  maxAttempts: maxAttemptsSchema.default(3),
  /**
   * Generate even though the story is not ready to be worked on (no "I want", no acceptance test,
   * unfinished dependencies); an editor's choice, recorded in the task's events.
   */
  force: z.boolean().default(false),
});
export type CodeGenerationCreate = z.input<typeof codeGenerationCreateSchema>;

/** Request changes: a new round on the pull request's branch with the person's feedback. */
export const roundCreateSchema = taskRunSchema.extend({
  feedback: text(runTextLimits.feedback).min(1, "say what to change"),
});
export type RoundCreate = z.input<typeof roundCreateSchema>;

export const taskEventTypeSchema = z.enum(taskEventTypes);

export const taskEventSchema = z.strictObject({
  taskId: taskIdSchema,
  /** 1, 2, 3, ... per task, with no gaps: clients resume with `?after=seq`. */
  seq: z.number().int().min(1),
  at: isoDateTimeSchema,
  type: taskEventTypeSchema,
  data: z.record(z.string(), z.unknown()),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;

/**
 * @module traceability: the requirements traceability matrix, one row per acceptance test: the
 * story it proves (with its path from the root), the test's status, and the evidence of its last
 * run (result, time, task, pull request, commit). A story without tests is one row with no test,
 * so the matrix shows what nothing proves.
 */
import { z } from "zod";
import { isoDateTimeSchema } from "./common.ts";
import { acceptanceTestIdSchema, projectIdSchema, storyIdSchema, taskIdSchema } from "./ids.ts";
import { acceptanceTestStatusSchema, storyStatusSchema } from "./story.ts";
import { pullRequestRefSchema } from "./task.ts";

export const traceabilityRowSchema = z.strictObject({
  storyId: storyIdSchema,
  /** The titles from the root story down to this one, this one last. */
  storyPath: z.array(z.string()),
  storyStatus: storyStatusSchema,
  /** Null on the one row of a story with no acceptance test. */
  testId: acceptanceTestIdSchema.nullable(),
  testTitle: z.string().nullable(),
  testStatus: acceptanceTestStatusSchema.nullable(),
  /** The last run's result, its time, the task that ran it, that task's pull request and the commit; null when never run. */
  lastResult: z.enum(["Pass", "Fail"]).nullable(),
  lastRunAt: isoDateTimeSchema.nullable(),
  taskId: taskIdSchema.nullable(),
  pullRequest: pullRequestRefSchema.nullable(),
  commit: z.string().nullable(),
});
export type TraceabilityRow = z.infer<typeof traceabilityRowSchema>;

export const traceabilityMatrixSchema = z.strictObject({
  projectId: projectIdSchema,
  generatedAt: isoDateTimeSchema,
  rows: z.array(traceabilityRowSchema),
});
export type TraceabilityMatrix = z.infer<typeof traceabilityMatrixSchema>;

/**
 * @module story: user stories, their acceptance tests and their dependencies.
 */
import { z } from "zod";
import { isoDateTimeSchema, line, text, versionSchema } from "./common.ts";
import { acceptanceTestIdSchema, projectIdSchema, storyIdSchema, taskIdSchema } from "./ids.ts";
import { acceptanceTestLimits, acceptanceTestStatuses, storyLimits, storyStatuses } from "./values.ts";

export const storyStatusSchema = z.enum(storyStatuses);
export const acceptanceTestStatusSchema = z.enum(acceptanceTestStatuses);

/** Points are stored as given; INVEST flags values outside 1-8 rather than rejecting them. */
export const storyPointsSchema = z.number().int().min(0).max(storyLimits.storyPoints).nullable();
const componentsSchema = z.array(line(storyLimits.component).min(1)).max(storyLimits.components);
const stepsSchema = z.array(line(acceptanceTestLimits.step).min(1)).max(acceptanceTestLimits.steps);
/** Steps as written: at least one, and at most `stepsCharacters` characters together (stored tests are read as they are). */
const writtenSteps = (kind: string) =>
  stepsSchema
    .min(1, `needs at least one ${kind} step`)
    .refine(
      (steps) => steps.reduce((sum, step) => sum + step.length, 0) <= acceptanceTestLimits.stepsCharacters,
      {
        message: `must hold at most ${acceptanceTestLimits.stepsCharacters} characters in all`,
        // Marks a size limit, which the API answers 422 `limit-exceeded` rather than 400.
        params: { sizeLimit: true },
      },
    );

export const storySchema = z.strictObject({
  id: storyIdSchema,
  projectId: projectIdSchema,
  parentId: storyIdSchema.nullable(),
  title: line(storyLimits.title).min(1),
  asA: line(storyLimits.asA),
  iWant: text(storyLimits.iWant),
  soThat: text(storyLimits.soThat),
  description: text(storyLimits.description),
  components: componentsSchema,
  storyPoints: storyPointsSchema,
  assignee: line(storyLimits.assignee),
  status: storyStatusSchema,
  /** Why AIPM gave the story its status (a merge that left it in Review, say); absent or null otherwise. */
  statusReason: text(2_000).nullable().optional(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  version: versionSchema,
});
export type Story = z.infer<typeof storySchema>;

export const storyCreateSchema = z.strictObject({
  parentId: storyIdSchema.nullable().default(null),
  title: line(storyLimits.title).min(1, "must not be empty"),
  asA: line(storyLimits.asA).default(""),
  iWant: text(storyLimits.iWant).default(""),
  soThat: text(storyLimits.soThat).default(""),
  description: text(storyLimits.description).default(""),
  components: componentsSchema.default([]),
  storyPoints: storyPointsSchema.default(null),
  assignee: line(storyLimits.assignee).default(""),
  status: storyStatusSchema.default("Draft"),
});
export type StoryCreate = z.input<typeof storyCreateSchema>;

export const storyUpdateSchema = z.strictObject({
  /** The version the client last read; a stale one is a conflict (409). */
  version: versionSchema,
  parentId: storyIdSchema.nullable().optional(),
  title: line(storyLimits.title).min(1, "must not be empty").optional(),
  asA: line(storyLimits.asA).optional(),
  iWant: text(storyLimits.iWant).optional(),
  soThat: text(storyLimits.soThat).optional(),
  description: text(storyLimits.description).optional(),
  components: componentsSchema.optional(),
  storyPoints: storyPointsSchema.optional(),
  assignee: line(storyLimits.assignee).optional(),
  status: storyStatusSchema.optional(),
});
export type StoryUpdate = z.input<typeof storyUpdateSchema>;

/**
 * The last run of the project's test command that reported an acceptance test: which task ran it,
 * on which commit, when, and what it found. Set by the worker, never by a client.
 */
export const acceptanceTestRunSchema = z.strictObject({
  taskId: taskIdSchema,
  commit: z.string().regex(/^[0-9a-f]{40,64}$/, "must be a full commit hash"),
  at: isoDateTimeSchema,
  result: z.enum(["Pass", "Fail"]),
});
export type AcceptanceTestRun = z.infer<typeof acceptanceTestRunSchema>;

export const acceptanceTestSchema = z.strictObject({
  id: acceptanceTestIdSchema,
  storyId: storyIdSchema,
  title: line(acceptanceTestLimits.title).min(1),
  given: stepsSchema,
  when: stepsSchema,
  then: stepsSchema,
  status: acceptanceTestStatusSchema,
  /** Absent until the project's test command first reported this test. */
  lastRun: acceptanceTestRunSchema.optional(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  version: versionSchema,
});
export type AcceptanceTest = z.infer<typeof acceptanceTestSchema>;

export const acceptanceTestCreateSchema = z.strictObject({
  title: line(acceptanceTestLimits.title).min(1, "must not be empty"),
  given: writtenSteps("Given"),
  when: writtenSteps("When"),
  then: writtenSteps("Then"),
  status: acceptanceTestStatusSchema.default("Draft"),
});
export type AcceptanceTestCreate = z.input<typeof acceptanceTestCreateSchema>;

export const acceptanceTestUpdateSchema = z.strictObject({
  /** When given, the update applies only to this version (409 otherwise). */
  version: versionSchema.optional(),
  title: line(acceptanceTestLimits.title).min(1, "must not be empty").optional(),
  given: writtenSteps("Given").optional(),
  when: writtenSteps("When").optional(),
  then: writtenSteps("Then").optional(),
  status: acceptanceTestStatusSchema.optional(),
});
export type AcceptanceTestUpdate = z.input<typeof acceptanceTestUpdateSchema>;

/** Story `storyId` depends on story `dependsOnId`: it should not start before that one is done. */
export const dependencySchema = z.strictObject({
  storyId: storyIdSchema,
  dependsOnId: storyIdSchema,
  createdAt: isoDateTimeSchema,
});
export type Dependency = z.infer<typeof dependencySchema>;

export const dependencyCreateSchema = z.strictObject({ dependsOnId: storyIdSchema });
export type DependencyCreate = z.input<typeof dependencyCreateSchema>;

/** A story as the API returns it: with its acceptance tests and the ids it depends on. */
export const storyDetailSchema = storySchema.extend({
  acceptanceTests: z.array(acceptanceTestSchema),
  dependsOn: z.array(storyIdSchema),
});
export type StoryDetail = z.infer<typeof storyDetailSchema>;

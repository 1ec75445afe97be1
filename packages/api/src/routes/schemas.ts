/**
 * @module schemas: the shared domain schemas, named for the OpenAPI document.
 */
import {
  acceptanceTestCreateSchema,
  acceptanceTestLimits,
  acceptanceTestSchema,
  acceptanceTestUpdateSchema,
  codeGenerationTaskSchema,
  collectionLimits,
  dependencyCreateSchema,
  dependencySchema,
  investAnalysisSchema,
  projectCreateSchema,
  projectSchema,
  projectUpdateSchema,
  storyCreateSchema,
  storyDetailSchema,
  storyUpdateSchema,
  taskEventSchema,
} from "@aipm/shared";
import { isStoreError } from "@aipm/store";
import { z } from "@hono/zod-openapi";
import { ApiError } from "../errors.ts";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export const ProjectSchema = projectSchema.meta({ id: "Project" });
export const ProjectCreateSchema = projectCreateSchema.meta({ id: "ProjectCreate" });
export const ProjectUpdateSchema = projectUpdateSchema.meta({ id: "ProjectUpdate" });
export const StoryDetailSchema = storyDetailSchema.meta({ id: "Story" });
export const StoryCreateSchema = storyCreateSchema.meta({
  id: "StoryCreate",
  description: `A project holds at most ${collectionLimits.storiesPerProject.toLocaleString("en")} stories; the story's text fields have the maxLength shown.`,
});
export const StoryUpdateSchema = storyUpdateSchema.meta({ id: "StoryUpdate" });
export const AcceptanceTestSchema = acceptanceTestSchema.meta({ id: "AcceptanceTest" });
export const AcceptanceTestCreateSchema = acceptanceTestCreateSchema.meta({
  id: "AcceptanceTestCreate",
  description: `A story holds at most ${collectionLimits.acceptanceTestsPerStory} acceptance tests; given, when and then each hold at most ${acceptanceTestLimits.steps} steps of at most ${acceptanceTestLimits.step.toLocaleString("en")} characters.`,
});
export const AcceptanceTestUpdateSchema = acceptanceTestUpdateSchema.meta({ id: "AcceptanceTestUpdate" });
export const DependencySchema = dependencySchema.meta({ id: "Dependency" });
export const DependencyCreateSchema = dependencyCreateSchema.meta({
  id: "DependencyCreate",
  description: `A story depends on at most ${collectionLimits.dependenciesPerStory} stories.`,
});
export const TaskSchema = codeGenerationTaskSchema.meta({ id: "Task" });
export const TaskEventSchema = taskEventSchema.meta({ id: "TaskEvent" });
export const InvestAnalysisSchema = investAnalysisSchema.meta({ id: "InvestAnalysis" });

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** The problems every authenticated route may answer with. */
export const commonProblems = {
  400: problem("The request is not valid: malformed JSON, wrong types, unknown fields or a malformed id"),
  401: problem("Missing or bad API token"),
  403: problem("The token lacks the role or the project scope"),
} as const;

export const notFound = { 404: problem("Not found") } as const;
export const conflict = (description: string) => ({ 409: problem(description) }) as const;
/** A write past one of values.ts `collectionLimits`, refused with 422 and the type `limit-exceeded`. */
export const limitExceeded = (description: string) => ({ 422: problem(description) }) as const;

/** The write, with a store's refusal past a limit turned into the API's 422 `limit-exceeded` problem. */
export async function withinLimits<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isStoreError(error, "conflict") && error.parts.includes("limit")) {
      throw new ApiError(422, error.message, { type: "limit-exceeded" });
    }
    throw error;
  }
}

/** A JSON request body that must be present. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { content: { "application/json": { schema } }, required: true } as const;
}

/** A JSON response. */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { content: { "application/json": { schema } }, description } as const;
}

/**
 * @module schemas: the shared domain schemas, named for the OpenAPI document.
 */
import {
  acceptanceTestCreateSchema,
  acceptanceTestSchema,
  acceptanceTestUpdateSchema,
  codeGenerationTaskSchema,
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
import { z } from "@hono/zod-openapi";

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
export const StoryCreateSchema = storyCreateSchema.meta({ id: "StoryCreate" });
export const StoryUpdateSchema = storyUpdateSchema.meta({ id: "StoryUpdate" });
export const AcceptanceTestSchema = acceptanceTestSchema.meta({ id: "AcceptanceTest" });
export const AcceptanceTestCreateSchema = acceptanceTestCreateSchema.meta({ id: "AcceptanceTestCreate" });
export const AcceptanceTestUpdateSchema = acceptanceTestUpdateSchema.meta({ id: "AcceptanceTestUpdate" });
export const DependencySchema = dependencySchema.meta({ id: "Dependency" });
export const DependencyCreateSchema = dependencyCreateSchema.meta({ id: "DependencyCreate" });
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

/** A JSON request body that must be present. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { content: { "application/json": { schema } }, required: true } as const;
}

/** A JSON response. */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { content: { "application/json": { schema } }, description } as const;
}

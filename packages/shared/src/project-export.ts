/**
 * @module project-export: one project as one JSON document (what export writes and import reads),
 * and a deployment's backup as a list of them. Both are versioned; neither holds a secret (tokens,
 * webhook secrets and API keys live elsewhere and are never part of a project). A document is
 * checked whole before anything of it is written: each field by its schema, then every reference
 * between its parts (see {@link exportReferenceProblems}).
 */
import { z } from "zod";
import { isoDateTimeSchema } from "./common.ts";
import { projectSchema, repositorySchema } from "./project.ts";
import { acceptanceTestSchema, dependencySchema, storySchema } from "./story.ts";
import { findDependencyCycle, findParentCycle } from "./story-tree.ts";
import { codeGenerationTaskSchema, pullRequestRefSchema } from "./task.ts";
import { collectionLimits } from "./values.ts";

/** The `format` of a project export. */
export const PROJECT_EXPORT_FORMAT = "aipm.project-export";
/** The `format` of a deployment backup. */
export const BACKUP_FORMAT = "aipm.backup";
/** The version of both documents this code writes and reads. */
export const PORTABILITY_VERSION = 1;

const versionSchema = z.literal(PORTABILITY_VERSION, {
  error: `this AIPM reads version ${PORTABILITY_VERSION} only: export the project again with this AIPM's version, or import it into the AIPM version that made it`,
});

/** The project's settings as stored: its repository without the clone URL, which is derived. */
export const exportedProjectSchema = projectSchema.extend({
  repository: repositorySchema.omit({ cloneUrl: true }),
});
export type ExportedProject = z.infer<typeof exportedProjectSchema>;

/** A story without its project id: the document's project is its project. */
export const exportedStorySchema = storySchema.omit({ projectId: true });
export type ExportedStory = z.infer<typeof exportedStorySchema>;

/**
 * A code-generation task as history: what ran, on which branch and pull request, how it ended and
 * what it cost. Its lease and cancel flag, which only a running task has, are left out.
 */
export const exportedTaskSchema = codeGenerationTaskSchema
  .omit({ projectId: true, cancelRequested: true, leaseOwner: true, leaseExpiresAt: true })
  .extend({
    // Reports link it: a document may bring only a web address, never a `javascript:` one.
    pullRequest: pullRequestRefSchema.extend({
      url: z.url({ protocol: /^https?$/, error: "must be an http or https URL" }),
    }),
  });
export type ExportedTask = z.infer<typeof exportedTaskSchema>;

const projectExportShape = z.strictObject({
  format: z.literal(PROJECT_EXPORT_FORMAT, { error: `must be "${PROJECT_EXPORT_FORMAT}"` }),
  version: versionSchema,
  exportedAt: isoDateTimeSchema,
  project: exportedProjectSchema,
  /** Parents before children, siblings in their order. */
  stories: z.array(exportedStorySchema).max(collectionLimits.storiesPerProject, {
    message: `must hold at most ${collectionLimits.storiesPerProject.toLocaleString("en")} stories, the most a project may have`,
  }),
  acceptanceTests: z.array(acceptanceTestSchema),
  dependencies: z.array(dependencySchema),
  /** The project's code-generation tasks on the stories exported, oldest first. */
  tasks: z.array(exportedTaskSchema),
});
type ProjectExportShape = z.infer<typeof projectExportShape>;

/** One project: its settings, stories, acceptance tests (with their last runs), dependencies and tasks. */
export const projectExportSchema = projectExportShape.superRefine((document, context) => {
  for (const problem of exportReferenceProblems(document)) context.addIssue({ code: "custom", ...problem });
});
export type ProjectExport = z.infer<typeof projectExportSchema>;

/** Every project of a deployment, each as its own export. */
export const backupSchema = z
  .strictObject({
    format: z.literal(BACKUP_FORMAT, { error: `must be "${BACKUP_FORMAT}"` }),
    version: versionSchema,
    createdAt: isoDateTimeSchema,
    projects: z.array(projectExportSchema),
  })
  .superRefine((backup, context) => {
    const seen = new Set<string>();
    backup.projects.forEach((document, index) => {
      if (seen.has(document.project.id))
        context.addIssue({
          code: "custom",
          path: ["projects", index, "project", "id"],
          message: `project ${document.project.id} is in the backup twice; keep one of them`,
        });
      seen.add(document.project.id);
    });
  });
export type Backup = z.infer<typeof backupSchema>;

/** A reference problem: where, what, and whether it is a size limit (which the API answers 422). */
export interface ExportProblem {
  path: (string | number)[];
  message: string;
  params?: { sizeLimit: true };
}

/** Reports the second and later uses of each id, at `path(index)`. */
function duplicates(
  ids: readonly string[],
  kind: string,
  path: (index: number) => (string | number)[],
): ExportProblem[] {
  const seen = new Set<string>();
  const problems: ExportProblem[] = [];
  ids.forEach((id, index) => {
    if (seen.has(id))
      problems.push({ path: path(index), message: `${kind} ${id} appears twice; ids must be unique` });
    seen.add(id);
  });
  return problems;
}

/** Counts per key, for the limits on tests and dependencies per story. */
function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * What is wrong between the parts of a document that each passed their own schema: ids used twice,
 * references to a story, test or task the document does not hold, cycles of parents or of
 * dependencies, and the per-story limits of tests and dependencies. Empty when it is consistent.
 *
 * @example exportReferenceProblems(document) // [{ path: ["stories", 3, "parentId"], message: "..." }]
 */
export function exportReferenceProblems(document: ProjectExportShape): ExportProblem[] {
  const { stories, acceptanceTests, dependencies, tasks } = document;
  const storyIds = new Set(stories.map((story) => story.id));
  const taskIds = new Set(tasks.map((task) => task.id));
  const problems: ExportProblem[] = [
    ...duplicates(
      stories.map((story) => story.id),
      "story",
      (index) => ["stories", index, "id"],
    ),
    ...duplicates(
      acceptanceTests.map((test) => test.id),
      "acceptance test",
      (index) => ["acceptanceTests", index, "id"],
    ),
    ...duplicates(
      tasks.map((task) => task.id),
      "task",
      (index) => ["tasks", index, "id"],
    ),
    ...duplicates(
      dependencies.map((dependency) => `${dependency.storyId} -> ${dependency.dependsOnId}`),
      "dependency",
      (index) => ["dependencies", index],
    ),
  ];
  const missingStory = (path: (string | number)[], id: string) =>
    problems.push({ path, message: `names story ${id}, which the document does not hold` });

  stories.forEach((story, index) => {
    if (story.parentId !== null && !storyIds.has(story.parentId))
      missingStory(["stories", index, "parentId"], story.parentId);
  });
  const cycle = findParentCycle(
    stories.filter((story) => story.parentId === null || storyIds.has(story.parentId)),
  );
  if (cycle)
    problems.push({
      path: ["stories"],
      message: `the stories ${cycle.join(", ")} are each other's parents (a cycle); give one of them another parent`,
    });

  acceptanceTests.forEach((test, index) => {
    if (!storyIds.has(test.storyId)) missingStory(["acceptanceTests", index, "storyId"], test.storyId);
    if (test.lastRun && !taskIds.has(test.lastRun.taskId))
      problems.push({
        path: ["acceptanceTests", index, "lastRun", "taskId"],
        message: `names task ${test.lastRun.taskId}, which the document does not hold`,
      });
  });
  for (const [storyId, count] of countBy(acceptanceTests, (test) => test.storyId)) {
    if (count > collectionLimits.acceptanceTestsPerStory)
      problems.push({
        path: ["acceptanceTests"],
        message: `story ${storyId} has ${count} acceptance tests, more than the ${collectionLimits.acceptanceTestsPerStory} a story may have`,
        params: { sizeLimit: true },
      });
  }

  dependencies.forEach((dependency, index) => {
    if (!storyIds.has(dependency.storyId))
      missingStory(["dependencies", index, "storyId"], dependency.storyId);
    if (!storyIds.has(dependency.dependsOnId))
      missingStory(["dependencies", index, "dependsOnId"], dependency.dependsOnId);
  });
  const dependencyCycle = findDependencyCycle(dependencies);
  if (dependencyCycle)
    problems.push({
      path: ["dependencies"],
      message: `the stories ${dependencyCycle.join(", ")} depend on each other (a cycle); remove one of those dependencies`,
    });
  for (const [storyId, count] of countBy(dependencies, (dependency) => dependency.storyId)) {
    if (count > collectionLimits.dependenciesPerStory)
      problems.push({
        path: ["dependencies"],
        message: `story ${storyId} depends on ${count} stories, more than the ${collectionLimits.dependenciesPerStory} a story may`,
        params: { sizeLimit: true },
      });
  }

  tasks.forEach((task, index) => {
    if (!storyIds.has(task.storyId)) missingStory(["tasks", index, "storyId"], task.storyId);
    if (task.retryOf !== null && !taskIds.has(task.retryOf))
      problems.push({
        path: ["tasks", index, "retryOf"],
        message: `names task ${task.retryOf}, which the document does not hold`,
      });
  });
  return problems;
}

/**
 * @module portability/export: a project as one export document (see @aipm/shared's
 * project-export.ts): its settings, its stories in outline order, their acceptance tests (with
 * their last runs) and dependencies, and its tasks as history. Nothing secret is in a project, and
 * nothing is added: the document is built from named fields.
 */
import {
  type CodeGenerationTask,
  type ExportedTask,
  PORTABILITY_VERSION,
  PROJECT_EXPORT_FORMAT,
  type ProjectExport,
} from "@aipm/shared";
import type { ProjectContents, StoredProject } from "@aipm/store";
import { groupBy } from "../group-by.ts";
import { projectOutline } from "../reports/outline.ts";

/** A task as history: without its project (the document's) and the lease a running task holds. */
export function exportedTask(task: CodeGenerationTask): ExportedTask {
  const {
    projectId: _project,
    cancelRequested: _cancel,
    leaseOwner: _owner,
    leaseExpiresAt: _expires,
    ...rest
  } = task;
  return rest;
}

/**
 * The export document of a project, as of `exportedAt`: stories in outline order (parents first),
 * tests in that order and then oldest first, dependencies in their stories' order, and the tasks of
 * the stories exported, oldest first.
 *
 * @example projectExport(project, await deps.stories.readProject(id), await deps.tasks.list({ projectId: id, limit: Infinity }), now)
 */
export function projectExport(
  project: StoredProject,
  contents: ProjectContents,
  tasks: readonly CodeGenerationTask[],
  exportedAt: string,
): ProjectExport {
  const outline = projectOutline(contents) ?? [];
  const storyIds = new Set(outline.map((entry) => entry.story.id));
  const dependencies = groupBy(
    [...contents.dependencies].sort((a, b) => a.dependsOnId.localeCompare(b.dependsOnId)),
    (dependency) => dependency.storyId,
  );
  return {
    format: PROJECT_EXPORT_FORMAT,
    version: PORTABILITY_VERSION,
    exportedAt,
    project: {
      id: project.id,
      name: project.name,
      description: project.description,
      repository: {
        provider: project.repository.provider,
        owner: project.repository.owner,
        name: project.repository.name,
        defaultBranch: project.repository.defaultBranch,
      },
      monthlyBudgetUsd: project.monthlyBudgetUsd,
      testCommand: project.testCommand,
      maxRounds: project.maxRounds,
      doneRequiresPassingTests: project.doneRequiresPassingTests,
      autoRounds: project.autoRounds,
      createdAt: project.createdAt,
      updatedAt: project.updatedAt,
      version: project.version,
    },
    stories: outline.map(({ story: { projectId: _project, ...story } }) => story),
    acceptanceTests: outline.flatMap((entry) => entry.tests),
    dependencies: outline.flatMap((entry) => dependencies.get(entry.story.id) ?? []),
    tasks: tasks
      .filter((task) => task.projectId === project.id && storyIds.has(task.storyId))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map(exportedTask),
  };
}

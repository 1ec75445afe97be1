/**
 * @module portability/import: a checked export document written as a new project, under fresh
 * ids (a copy) or its own (a restore, only where none of them is in use).
 *
 * DynamoDB cannot write 30,000 items atomically, so the import writes in an order that leaves
 * nothing visible until it is complete, and removes what it wrote when a write fails:
 *   1. checks (ids in use, the local repository), with nothing written yet;
 *   2. claims the project's partition (its `META` item, conditionally: a second import of the same
 *      project stops here with 409);
 *   3. writes the stories, tests and dependencies, then the tasks, each only where its key is free;
 *   4. writes the project's record last: only now does any list or read of projects show it.
 * If 2-4 fail, the tasks written and the project's partition are deleted again and the failure is
 * answered (409 for a conflict, 500 otherwise); a failure of that clean-up too is logged with the
 * project id. Until step 4 the partition's stories can be reached only by their (new) ids.
 */
import {
  type CodeGenerationTask,
  type ExportedTask,
  isTerminalTaskStatus,
  type ProjectExport,
  withFreshIds,
} from "@aipm/shared";
import type { ProjectContents, StoredProject } from "@aipm/store";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";

/** How ids are given: fresh ones (a copy), or the document's own (a restore). */
export type ImportIds = "new" | "keep";

export interface ImportResult {
  project: StoredProject;
  ids: ImportIds;
  imported: { stories: number; acceptanceTests: number; dependencies: number; tasks: number };
}

/** The most ids a 409 lists by name. */
const NAMED = 5;

const listed = (ids: readonly string[]) =>
  `${ids.slice(0, NAMED).join(", ")}${ids.length > NAMED ? ` and ${ids.length - NAMED} more` : ""}`;

/**
 * A task of the document as it is stored: finished tasks as they were; one still queued or running
 * when exported is stored `cancelled` (an import never queues work; Retry runs it again), finished
 * at the import.
 */
export function historyTask(task: ExportedTask, projectId: string, now: string): CodeGenerationTask {
  const stored = { ...task, projectId, cancelRequested: false, leaseOwner: null, leaseExpiresAt: null };
  return isTerminalTaskStatus(task.status)
    ? stored
    : { ...stored, status: "cancelled", updatedAt: now, finishedAt: task.finishedAt ?? now };
}

/**
 * For `keep`: refuses (409) a document whose project, stories or tests this deployment already
 * holds, or whose tasks belong to another project here. Returns the ids of its tasks already here
 * in the same project (left as they are: tasks outlive a deleted project, so a project restored
 * after its deletion finds them).
 */
async function checkIdsFree(deps: AppDeps, document: ProjectExport): Promise<Set<string>> {
  const { project } = document;
  if (await deps.projects.get(project.id))
    throw ApiError.conflict(
      `Project ${project.id} already exists here. Import it with ?ids=new to make a copy, or delete it first to restore it.`,
      "ids-in-use",
    );
  const [usedStoriesAndTests, existingTasks] = await Promise.all([
    deps.stories.storedIds(
      document.stories.map((story) => story.id),
      document.acceptanceTests.map((test) => test.id),
    ),
    deps.tasks.getMany(document.tasks.map((task) => task.id)),
  ]);
  const foreignTasks = existingTasks.filter((task) => task.projectId !== project.id).map((task) => task.id);
  const used = [...usedStoriesAndTests, ...foreignTasks];
  if (used.length > 0)
    throw ApiError.conflict(
      `This deployment already uses ${used.length} of the document's ids (${listed(used)}). Import it with ?ids=new to make a copy under new ids.`,
      "ids-in-use",
    );
  return new Set(existingTasks.map((task) => task.id));
}

/**
 * Imports a checked document (see the module's comment for the order of writes). The caller has
 * checked the principal's role.
 *
 * @example const { project } = await importProject(deps, document, "new");
 */
export async function importProject(
  deps: AppDeps,
  checked: ProjectExport,
  ids: ImportIds,
): Promise<ImportResult> {
  const document = ids === "new" ? withFreshIds(checked) : checked;
  const alreadyHere = ids === "keep" ? await checkIdsFree(deps, document) : new Set<string>();
  const projectId = document.project.id;
  const project: StoredProject = document.project;
  if (project.repository.provider === "local") {
    const forge = deps.forges.local;
    if (!forge)
      throw new ApiError(
        422,
        "This deployment has no local git forge; import projects on GitHub repositories.",
        {
          type: "forge-unavailable",
        },
      );
    await forge.ensureRepository(project.repository);
  }
  const now = deps.now().toISOString();
  const contents: ProjectContents = {
    stories: document.stories.map((story) => ({ ...story, projectId })),
    acceptanceTests: document.acceptanceTests,
    dependencies: document.dependencies,
  };
  const tasks = document.tasks
    .filter((task) => !alreadyHere.has(task.id))
    .map((task) => historyTask(task, projectId, now));

  await deps.stories.claimImport(projectId, contents.stories.length);
  try {
    await deps.stories.importContents(projectId, contents);
    await deps.tasks.importTasks(tasks);
    await deps.projects.create(project);
  } catch (error) {
    await Promise.all([
      deps.tasks.deleteTasks(tasks.map((task) => task.id)),
      deps.stories.deleteProjectContents(projectId, contents),
    ]).catch((cleanup: unknown) =>
      deps.log.error("an import failed and its clean-up too: delete the project's items by hand", {
        projectId,
        error: String(cleanup),
      }),
    );
    throw error;
  }
  deps.log.info("project imported", {
    projectId,
    ids,
    stories: contents.stories.length,
    tasks: tasks.length,
  });
  return {
    project,
    ids,
    imported: {
      stories: contents.stories.length,
      acceptanceTests: contents.acceptanceTests.length,
      dependencies: contents.dependencies.length,
      tasks: tasks.length,
    },
  };
}

/**
 * @module export-ids: a project export with fresh ids (import's default), every reference between
 * its parts following its story, test or task to the new id.
 */
import { type IdKind, newId } from "./ids.ts";
import type { ProjectExport } from "./project-export.ts";

/**
 * New ids for `ids`, handed out in the order of the old ones: siblings are ordered by creation time
 * and then by id, so the copy keeps their order even where two were created in the same instant.
 */
function freshIds(
  ids: readonly string[],
  kind: IdKind,
  makeId: (kind: IdKind) => string,
): Map<string, string> {
  return new Map([...new Set(ids)].sort().map((id) => [id, makeId(kind)]));
}

function mapped(ids: ReadonlyMap<string, string>, id: string): string {
  const found = ids.get(id);
  if (found === undefined) throw new Error(`No new id for ${id}: the export's references were not checked.`);
  return found;
}

/**
 * The document with new ids for its project, stories, acceptance tests and tasks, and every
 * reference (parents, tests' stories, dependencies, tasks' stories and retries, tests' last runs)
 * remapped. Everything else, timestamps and versions included, stays as it was. The document must
 * be one `projectExportSchema` accepted: each reference names a part of it.
 *
 * @example const copy = withFreshIds(document); copy.project.id !== document.project.id // true
 */
export function withFreshIds(
  document: ProjectExport,
  makeId: (kind: IdKind) => string = (kind) => newId(kind),
): ProjectExport {
  const stories = freshIds(
    document.stories.map((story) => story.id),
    "story",
    makeId,
  );
  const tests = freshIds(
    document.acceptanceTests.map((test) => test.id),
    "acceptanceTest",
    makeId,
  );
  const tasks = freshIds(
    document.tasks.map((task) => task.id),
    "task",
    makeId,
  );
  const story = (id: string) => mapped(stories, id);
  const task = (id: string) => mapped(tasks, id);
  return {
    ...document,
    project: { ...document.project, id: makeId("project") },
    stories: document.stories.map((entry) => ({
      ...entry,
      id: story(entry.id),
      parentId: entry.parentId === null ? null : story(entry.parentId),
    })),
    acceptanceTests: document.acceptanceTests.map((entry) => ({
      ...entry,
      id: mapped(tests, entry.id),
      storyId: story(entry.storyId),
      ...(entry.lastRun ? { lastRun: { ...entry.lastRun, taskId: task(entry.lastRun.taskId) } } : {}),
    })),
    dependencies: document.dependencies.map((entry) => ({
      ...entry,
      storyId: story(entry.storyId),
      dependsOnId: story(entry.dependsOnId),
    })),
    tasks: document.tasks.map((entry) => ({
      ...entry,
      id: task(entry.id),
      storyId: story(entry.storyId),
      retryOf: entry.retryOf === null ? null : task(entry.retryOf),
    })),
  };
}

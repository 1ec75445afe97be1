/**
 * @module state/stories: the stories of the open project, the selection, the filters and the
 * edits. Edits show at once and are rolled back, with the reason, when the API refuses them.
 */
import { buildStoryTree } from "@aipm/shared/story-tree";
import { computed, signal } from "@preact/signals";
import { ApiError } from "../api/client.ts";
import type { Story, StoryCreate, StoryUpdate } from "../domain.ts";
import { filterStories, noFilters, type StoryFilters } from "../logic/filters.ts";
import { notify, reportError } from "./notices.ts";
import { navigate, route } from "./route.ts";
import { api } from "./session.ts";

export const stories = signal<Story[]>([]);
/** The project whose stories are loaded, or null while none are. */
export const loadedProjectId = signal<string | null>(null);
export const loading = signal(false);
export const filters = signal<StoryFilters>(noFilters);
/** Stories whose children the outline and the mindmap hide. */
export const collapsed = signal<ReadonlySet<string>>(new Set());

export const storyById = computed(() => new Map(stories.value.map((story) => [story.id, story])));
export const storyTree = computed(() => buildStoryTree(stories.value));
export const filtered = computed(() => filterStories(stories.value, filters.value));
export const selectedStory = computed(() => {
  const current = route.value;
  return current.page === "workspace" && current.storyId
    ? (storyById.value.get(current.storyId) ?? null)
    : null;
});

export function selectStory(storyId: string | null): void {
  const current = route.value;
  if (current.page === "workspace") navigate({ ...current, storyId }, true);
}

export function toggleCollapsed(storyId: string, collapse?: boolean): void {
  const next = new Set(collapsed.value);
  if (collapse ?? !next.has(storyId)) next.add(storyId);
  else next.delete(storyId);
  collapsed.value = next;
}

/** Collapses every story with children: the outline and the mindmap show only the top level. */
export function collapseAll(): void {
  collapsed.value = new Set(
    stories.value.flatMap((story) => (story.parentId === null ? [] : [story.parentId])),
  );
}

export function expandAll(): void {
  collapsed.value = new Set();
}

/** Expands the stories `storyIds` (a story's ancestors, say, to bring it into view). */
export function expand(storyIds: readonly string[]): void {
  if (!storyIds.some((id) => collapsed.value.has(id))) return;
  const next = new Set(collapsed.value);
  for (const id of storyIds) next.delete(id);
  collapsed.value = next;
}

function putStory(story: Story): void {
  const index = stories.value.findIndex((candidate) => candidate.id === story.id);
  stories.value =
    index === -1
      ? [...stories.value, story]
      : stories.value.map((candidate, i) => (i === index ? story : candidate));
}

let loadCount = 0;

export async function loadStories(projectId: string): Promise<void> {
  const load = ++loadCount;
  loading.value = true;
  if (loadedProjectId.value !== projectId) {
    stories.value = [];
    collapsed.value = new Set();
    filters.value = noFilters;
  }
  try {
    const loaded = await api.listStories(projectId);
    if (load !== loadCount) return;
    stories.value = loaded;
    loadedProjectId.value = projectId;
  } catch (error) {
    if (load === loadCount) reportError("The stories could not be loaded", error);
  } finally {
    if (load === loadCount) loading.value = false;
  }
}

/** Reads one story again from the API, e.g. after its tests or its task changed it. */
export async function refreshStory(storyId: string): Promise<Story | null> {
  try {
    const story = await api.getStory(storyId);
    putStory(story);
    return story;
  } catch (error) {
    reportError("The story could not be reloaded", error);
    return null;
  }
}

export async function createStory(projectId: string, input: StoryCreate): Promise<Story> {
  const story = await api.createStory(projectId, input);
  putStory(story);
  if (story.parentId) toggleCollapsed(story.parentId, false);
  selectStory(story.id);
  return story;
}

type Change = Omit<StoryUpdate, "version">;

/** Per story, the changes sent or waiting to be sent, oldest first. They go out one at a time. */
const queues = new Map<string, { changes: Change; done: Promise<Story | null> }[]>();
/** Per story, the versions our own saves produced from the versions they were based on. */
const ownSaves = new Map<string, Map<number, number>>();

/**
 * The version to send for a change based on `version`: if our own earlier saves moved the story
 * on from there, their result. A second drag right after a first is not a conflict with itself.
 */
function rebase(storyId: string, version: number): number {
  const saves = ownSaves.get(storyId);
  let current = version;
  for (let next = saves?.get(current); next !== undefined; next = saves?.get(current)) current = next;
  return current;
}

/** The story as stored plus the changes still waiting, as the user expects to see it. */
function showWithQueued(story: Story): void {
  const waiting = queues.get(story.id) ?? [];
  putStory(Object.assign({}, story, ...waiting.map((entry) => entry.changes)) as Story);
}

/** Sends one change; a refusal is told to the user and comes back with the story as stored. */
async function save(
  basedOn: Story,
  changes: Change,
  what: string,
): Promise<{ saved: Story } | { refused: Story | null }> {
  const version = rebase(basedOn.id, basedOn.version);
  try {
    const updated = await api.updateStory(basedOn.id, { ...changes, version });
    const saves = ownSaves.get(basedOn.id) ?? new Map<number, number>();
    saves.set(version, updated.version);
    ownSaves.set(basedOn.id, saves);
    return { saved: updated };
  } catch (error) {
    const latest = await api.getStory(basedOn.id).catch(() => null);
    if (
      error instanceof ApiError &&
      error.status === 409 &&
      error.problem?.type?.endsWith("/stale-version")
    ) {
      notify(
        "error",
        `${what} was rolled back: someone else changed this story since you opened it. ${error.message} The latest version is shown now.`,
      );
    } else if (error instanceof ApiError && error.status !== 401) {
      notify("error", `${what} was rolled back: ${error.message}`);
    } else {
      reportError(`${what} failed`, error);
    }
    return { refused: latest };
  }
}

/**
 * Applies `changes` to the story at once and saves them against `basedOn.version`, the version
 * the user edited. When the API refuses, the story is rolled back to what is stored and the user
 * told why. Changes to one story are saved in order, each on the version the previous one made.
 * Resolves with the saved story, or null when the change was refused.
 *
 * @example await changeStory(story, { status: "Ready" }, "Moving the story to Ready");
 */
export function changeStory(basedOn: Story, changes: Change, what: string): Promise<Story | null> {
  const id = basedOn.id;
  const before = storyById.value.get(id) ?? basedOn;
  putStory({ ...before, ...changes } as Story);
  const queue = queues.get(id) ?? [];
  queues.set(id, queue);
  const previous = queue.at(-1)?.done ?? Promise.resolve(null);
  const entry = {
    changes,
    done: previous.then(async () => {
      const result = await save(basedOn, changes, what);
      queue.shift();
      if (queue.length === 0) queues.delete(id);
      const stored = "saved" in result ? result.saved : result.refused;
      if (stored) showWithQueued(stored);
      else putStory(before);
      return "saved" in result ? result.saved : null;
    }),
  };
  queue.push(entry);
  return entry.done;
}

/** Deletes a story; with `cascade`, its whole subtree. */
export async function deleteStory(story: Story, cascade: boolean): Promise<boolean> {
  try {
    await api.deleteStory(story.id, cascade);
    selectStory(null);
    await loadStories(story.projectId);
    notify("info", `Deleted “${story.title}”.`);
    return true;
  } catch (error) {
    reportError("The story was not deleted", error);
    return false;
  }
}

/** Runs an edit of a story's tests or dependencies, then reads the story again; false on failure. */
export async function editStoryParts(
  storyId: string,
  what: string,
  edit: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await edit();
    return true;
  } catch (error) {
    reportError(`${what} failed`, error);
    return false;
  } finally {
    await refreshStory(storyId);
  }
}

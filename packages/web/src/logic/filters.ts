/**
 * @module logic/filters: which stories the workspace shows for the chosen status, assignee,
 * component and text.
 */
import type { StoryStatus } from "../domain.ts";

/** "" means any. `assignee` is matched exactly; {@link UNASSIGNED} picks stories without one. */
export interface StoryFilters {
  status: StoryStatus | "";
  assignee: string;
  component: string;
  text: string;
}

export const UNASSIGNED = "\u0000unassigned";

export const noFilters: StoryFilters = { status: "", assignee: "", component: "", text: "" };

type Filterable = {
  id: string;
  parentId: string | null;
  title: string;
  status: StoryStatus;
  assignee: string;
  components: readonly string[];
};

export function isFiltering(filters: StoryFilters): boolean {
  return (
    filters.status !== "" || filters.assignee !== "" || filters.component !== "" || filters.text.trim() !== ""
  );
}

/**
 * True when the story passes every filter that is set.
 *
 * @example matchesFilters(story, { ...noFilters, status: "Ready" })
 */
export function matchesFilters(story: Filterable, filters: StoryFilters): boolean {
  if (filters.status && story.status !== filters.status) return false;
  if (
    filters.assignee === UNASSIGNED
      ? story.assignee !== ""
      : filters.assignee && story.assignee !== filters.assignee
  )
    return false;
  if (filters.component && !story.components.includes(filters.component)) return false;
  const text = filters.text.trim().toLowerCase();
  return text === "" || story.title.toLowerCase().includes(text) || story.id === text;
}

/**
 * The stories that match, and the ones a tree must show for them: the matches and their ancestors,
 * so a match keeps its place in the hierarchy. Without filters, every story is both.
 */
export function filterStories(
  stories: readonly Filterable[],
  filters: StoryFilters,
): { matches: Set<string>; visible: Set<string> } {
  if (!isFiltering(filters)) {
    const all = new Set(stories.map((story) => story.id));
    return { matches: all, visible: all };
  }
  const byId = new Map(stories.map((story) => [story.id, story]));
  const matches = new Set<string>();
  const visible = new Set<string>();
  for (const story of stories) {
    if (!matchesFilters(story, filters)) continue;
    matches.add(story.id);
    let current: Filterable | undefined = story;
    while (current && !visible.has(current.id)) {
      visible.add(current.id);
      current = current.parentId === null ? undefined : byId.get(current.parentId);
    }
  }
  return { matches, visible };
}

/** The assignees and components in use, sorted, for the filter menus. */
export function filterChoices(stories: readonly Filterable[]): { assignees: string[]; components: string[] } {
  const assignees = new Set<string>();
  const components = new Set<string>();
  for (const story of stories) {
    if (story.assignee) assignees.add(story.assignee);
    for (const component of story.components) components.add(component);
  }
  const sorted = (values: Set<string>) => [...values].sort((a, b) => a.localeCompare(b));
  return { assignees: sorted(assignees), components: sorted(components) };
}

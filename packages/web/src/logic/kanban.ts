/**
 * @module logic/kanban: stories in columns by status, in the order of `storyStatuses` (Review, a merged
 * story waiting for its tests, between In Progress and Blocked).
 */
import { type StoryStatus, storyStatuses } from "../domain.ts";

/**
 * The stories of each status, in the order given.
 *
 * @example groupByStatus(stories).get("Ready")
 */
export function groupByStatus<S extends { status: StoryStatus }>(
  stories: readonly S[],
): Map<StoryStatus, S[]> {
  const columns = new Map<StoryStatus, S[]>(storyStatuses.map((status) => [status, []]));
  for (const story of stories) columns.get(story.status)?.push(story);
  return columns;
}

/** The status of the column left (-1) or right (+1) of `status`, or null at the board's edge. */
export function neighbourStatus(status: StoryStatus, direction: -1 | 1): StoryStatus | null {
  return storyStatuses[storyStatuses.indexOf(status) + direction] ?? null;
}

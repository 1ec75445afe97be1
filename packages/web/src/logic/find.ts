/**
 * @module logic/find: finding stories by a fragment of their title, and what must open to show one.
 */

/**
 * The stories whose title holds `text` in any case, or whose id is `text`, in the order given;
 * none for blank text.
 *
 * @example findStories(storiesInTreeOrder, "card").map((story) => story.title) // ["Pay by card", "Saved cards"]
 */
export function findStories<S extends { id: string; title: string }>(order: readonly S[], text: string): S[] {
  const wanted = text.trim().toLowerCase();
  if (wanted === "") return [];
  return order.filter((story) => story.id === text.trim() || story.title.toLowerCase().includes(wanted));
}

/**
 * The ids of a story's ancestors, its parent first; what must be expanded for the story to show.
 *
 * @example ancestorIds("a1", storyById) // ["a", "epic"]
 */
export function ancestorIds(
  storyId: string,
  byId: ReadonlyMap<string, { id: string; parentId: string | null }>,
): string[] {
  const ids: string[] = [];
  const seen = new Set([storyId]);
  let parentId = byId.get(storyId)?.parentId ?? null;
  while (parentId !== null && !seen.has(parentId)) {
    const parent = byId.get(parentId);
    if (!parent) break;
    seen.add(parentId);
    ids.push(parentId);
    parentId = parent.parentId;
  }
  return ids;
}

/**
 * The position `step` places on from `current` in a list of `count`, wrapping at both ends:
 * Enter's next match and Shift+Enter's previous one.
 *
 * @example wrapIndex(2, 3, 1) // 0
 */
export function wrapIndex(current: number, count: number, step: number): number {
  if (count <= 0) return -1;
  return (((current + step) % count) + count) % count;
}

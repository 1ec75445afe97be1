/**
 * @module story-tree: the story hierarchy and dependency graph, with cycle checks that stay linear and iterative.
 */
import type { Story } from "./story.ts";

/** A story with its children, in creation order. */
export interface StoryNode<S> {
  story: S;
  children: StoryNode<S>[];
}

type Linked = Pick<Story, "id" | "parentId">;
type Dated = Pick<Story, "id" | "parentId" | "createdAt">;
type Created = Pick<Story, "id" | "createdAt">;
/** Story `storyId` depends on story `dependsOnId`. */
type DependencyEdge = { readonly storyId: string; readonly dependsOnId: string };

/**
 * Orders stories by `createdAt`, then by `id`, so that siblings always come out the same way.
 *
 * @example stories.toSorted(compareByCreation)
 */
export function compareByCreation(a: Created, b: Created): number {
  return Date.parse(a.createdAt) - Date.parse(b.createdAt) || compareIds(a.id, b.id);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** {@link compareByCreation} with each `createdAt` parsed once, for sorting many stories. */
function creationOrder<S extends Dated>(stories: readonly S[]): (a: S, b: S) => number {
  const time = new Map(stories.map((story) => [story, Date.parse(story.createdAt)]));
  return (a, b) => (time.get(a) ?? 0) - (time.get(b) ?? 0) || compareIds(a.id, b.id);
}

function indexById<S extends Linked>(stories: readonly S[]): Map<string, S> {
  return new Map(stories.map((story) => [story.id, story]));
}

/** The parent a story hangs under, or null for a root: a missing or self parent counts as none. */
function parentIn(byId: ReadonlyMap<string, Linked>, story: Linked): string | null {
  const parentId = story.parentId;
  return parentId !== null && parentId !== story.id && byId.has(parentId) ? parentId : null;
}

/**
 * Builds the forest of stories from their `parentId`s. Roots are stories without a parent or whose
 * parent is not in the list. Every story appears exactly once, even when the input has parent cycles:
 * the earliest story of each cycle (by {@link compareByCreation}) becomes a root, so the link from it to
 * its parent is the one ignored. Roots and siblings are ordered by {@link compareByCreation}. Ids are
 * expected to be unique, as they are within a project.
 *
 * @example buildStoryTree(stories).map((root) => root.story.title)
 */
export function buildStoryTree<S extends Dated>(stories: readonly S[]): StoryNode<S>[] {
  const byId = indexById(stories);
  const nodes = new Map<string, StoryNode<S>>(stories.map((story) => [story.id, { story, children: [] }]));
  const order = creationOrder(stories);
  const cycleRoots = new Set<string>();
  for (const cycle of parentCycles(stories.toSorted(order), byId)) {
    const earliest = cycle.map((id) => byId.get(id) as S).reduce((a, b) => (order(a, b) <= 0 ? a : b));
    cycleRoots.add(earliest.id);
  }
  const roots: StoryNode<S>[] = [];
  for (const node of nodes.values()) {
    const parentId = cycleRoots.has(node.story.id) ? null : parentIn(byId, node.story);
    const siblings = parentId === null ? roots : (nodes.get(parentId)?.children ?? roots);
    siblings.push(node);
  }
  const byCreation = (a: StoryNode<S>, b: StoryNode<S>) => order(a.story, b.story);
  roots.sort(byCreation);
  for (const node of nodes.values()) node.children.sort(byCreation);
  return roots;
}

/**
 * Every parent cycle, each once, as ids in child-to-parent order. Walks parent pointers from each story
 * in the given order, marking what it has seen, so the whole pass is O(n).
 */
function parentCycles(stories: readonly Linked[], byId: ReadonlyMap<string, Linked>): string[][] {
  const cycles: string[][] = [];
  const finished = new Set<string>();
  for (const start of stories) {
    const onPath = new Map<string, number>();
    const path: string[] = [];
    let current: Linked | undefined = start;
    while (current && !finished.has(current.id) && !onPath.has(current.id)) {
      onPath.set(current.id, path.length);
      path.push(current.id);
      current = current.parentId === null ? undefined : byId.get(current.parentId);
    }
    const cycleStart = current ? onPath.get(current.id) : undefined;
    if (cycleStart !== undefined) cycles.push(path.slice(cycleStart));
    for (const id of path) finished.add(id);
  }
  return cycles;
}

/**
 * One parent cycle as ids, each followed by its parent and the last one's parent being the first,
 * or null when the hierarchy has none. A story that is its own parent is a cycle of one.
 *
 * @example findParentCycle([{ id: "a", parentId: "b" }, { id: "b", parentId: "a" }]) // ["a", "b"]
 */
export function findParentCycle(stories: readonly Linked[]): string[] | null {
  return parentCycles(stories, indexById(stories))[0] ?? null;
}

/**
 * True when making `newParentId` the parent of `storyId` would put `storyId` in a cycle: the new
 * parent is the story itself or one of its descendants. A null parent never makes a cycle.
 *
 * @example wouldCreateParentCycle([{ id: "a", parentId: null }, { id: "b", parentId: "a" }], "a", "b") // true
 */
export function wouldCreateParentCycle(
  stories: readonly Linked[],
  storyId: string,
  newParentId: string | null,
): boolean {
  if (newParentId === null) return false;
  const byId = indexById(stories);
  const seen = new Set<string>();
  let current: string | null = newParentId;
  while (current !== null && !seen.has(current)) {
    if (current === storyId) return true;
    seen.add(current);
    current = byId.get(current)?.parentId ?? null;
  }
  return false;
}

/**
 * The story's children, ordered by {@link compareByCreation}. A story is never its own child.
 *
 * @example childrenOf(stories, epic.id).map((child) => child.title)
 */
export function childrenOf<S extends Dated>(stories: readonly S[], storyId: string): S[] {
  return stories
    .filter((story) => story.parentId === storyId && story.id !== storyId)
    .sort(compareByCreation);
}

/**
 * `rootId` followed by all its descendants, depth first, each once; [] when `rootId` is not in the
 * list. Cycles are cut where they come back, so the walk always ends.
 *
 * @example collectSubtree(stories, epic.id) // the ids a cascading delete removes
 */
export function collectSubtree(stories: readonly Linked[], rootId: string): string[] {
  const byId = indexById(stories);
  if (!byId.has(rootId)) return [];
  const children = new Map<string, string[]>();
  for (const story of stories) {
    const parentId = parentIn(byId, story);
    if (parentId === null) continue;
    const siblings = children.get(parentId);
    if (siblings) siblings.push(story.id);
    else children.set(parentId, [story.id]);
  }
  const collected: string[] = [];
  const seen = new Set<string>();
  const stack = [rootId];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    collected.push(id);
    stack.push(...(children.get(id) ?? []).toReversed());
  }
  return collected;
}

/**
 * The story's ancestors, root first, without the story itself; [] for a root or an unknown id. On a
 * cycle the walk stops before it would repeat a story.
 *
 * @example parentChain(stories, task.storyId).map((parent) => parent.title) // ["Epic", "Feature"]
 */
export function parentChain<S extends Linked>(stories: readonly S[], storyId: string): S[] {
  const byId = indexById(stories);
  const seen = new Set<string>([storyId]);
  const chain: S[] = [];
  let parentId = byId.get(storyId)?.parentId ?? null;
  while (parentId !== null && !seen.has(parentId)) {
    const parent = byId.get(parentId);
    if (!parent) break;
    seen.add(parentId);
    chain.push(parent);
    parentId = parent.parentId;
  }
  return chain.reverse();
}

function dependencyGraph(dependencies: readonly DependencyEdge[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const { storyId, dependsOnId } of dependencies) {
    const targets = graph.get(storyId);
    if (targets) targets.push(dependsOnId);
    else graph.set(storyId, [dependsOnId]);
    if (!graph.has(dependsOnId)) graph.set(dependsOnId, []);
  }
  return graph;
}

/**
 * True when adding "`storyId` depends on `dependsOnId`" would close a cycle: the two are the same
 * story, or `dependsOnId` already depends, directly or not, on `storyId`.
 *
 * @example wouldCreateDependencyCycle([{ storyId: "a", dependsOnId: "b" }], "b", "a") // true
 */
export function wouldCreateDependencyCycle(
  dependencies: readonly DependencyEdge[],
  storyId: string,
  dependsOnId: string,
): boolean {
  const graph = dependencyGraph(dependencies);
  const seen = new Set<string>([dependsOnId]);
  const stack = [dependsOnId];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (id === storyId) return true;
    for (const next of graph.get(id) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
}

/**
 * One dependency cycle as ids, each depending on the next and the last on the first, or null when
 * the graph is acyclic. Depth-first with an explicit stack, so long chains cannot overflow it.
 *
 * @example findDependencyCycle([{ storyId: "a", dependsOnId: "b" }, { storyId: "b", dependsOnId: "a" }]) // ["a", "b"]
 */
export function findDependencyCycle(dependencies: readonly DependencyEdge[]): string[] | null {
  const graph = dependencyGraph(dependencies);
  const done = new Set<string>();
  for (const start of graph.keys()) {
    if (done.has(start)) continue;
    const path: { id: string; next: number }[] = [{ id: start, next: 0 }];
    const onPath = new Map<string, number>([[start, 0]]);
    while (path.length > 0) {
      const top = path[path.length - 1] as { id: string; next: number };
      const target = graph.get(top.id)?.[top.next++];
      if (target === undefined) {
        path.pop();
        onPath.delete(top.id);
        done.add(top.id);
      } else if (onPath.has(target)) {
        return path.slice(onPath.get(target)).map((step) => step.id);
      } else if (!done.has(target)) {
        onPath.set(target, path.length);
        path.push({ id: target, next: 0 });
      }
    }
  }
  return null;
}

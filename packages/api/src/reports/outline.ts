/**
 * @module reports/outline: a project's stories in outline order, the order every report follows:
 * parents before their children, roots and siblings in their stored order (creation time, then
 * id, as `buildStoryTree` orders them), each with its acceptance tests in the order written.
 */
import {
  type AcceptanceTest,
  buildStoryTree,
  compareByCreation,
  type Story,
  type StoryNode,
} from "@aipm/shared";
import type { ProjectContents } from "@aipm/store";
import { groupBy } from "../group-by.ts";

export interface OutlineEntry {
  story: Story;
  /** The titles from the project's root story down to this one, this one last. */
  path: string[];
  /** Its place in the outline from where the outline starts: `1`, `1.2`, `1.2.3`. */
  number: string;
  /** 0 for where the outline starts (a root, or the story asked for). */
  depth: number;
  /** Its acceptance tests, oldest first. */
  tests: AcceptanceTest[];
  /** The ids of the stories it depends on. */
  dependsOn: string[];
  /** How many children it has in the project. */
  childCount: number;
}

/** The nodes from `roots` down, depth first, with their numbers: no recursion, so any depth is fine. */
function walk(
  roots: readonly StoryNode<Story>[],
  pathAbove: readonly string[],
  visit: (node: StoryNode<Story>, path: string[], number: string, depth: number) => void,
): void {
  const stack = roots
    .map((node, index) => ({
      node,
      path: [...pathAbove, node.story.title],
      number: String(index + 1),
      depth: 0,
    }))
    .reverse();
  for (let top = stack.pop(); top; top = stack.pop()) {
    visit(top.node, top.path, top.number, top.depth);
    const { children } = top.node;
    for (let index = children.length - 1; index >= 0; index--) {
      const child = children[index] as StoryNode<Story>;
      stack.push({
        node: child,
        path: [...top.path, child.story.title],
        number: `${top.number}.${index + 1}`,
        depth: top.depth + 1,
      });
    }
  }
}

/** The node of `storyId` in the forest and the titles above it, or null when it is not there. */
function findNode(
  roots: readonly StoryNode<Story>[],
  storyId: string,
): { node: StoryNode<Story>; pathAbove: string[] } | null {
  let found: { node: StoryNode<Story>; pathAbove: string[] } | null = null;
  walk(roots, [], (node, path) => {
    if (!found && node.story.id === storyId) found = { node, pathAbove: path.slice(0, -1) };
  });
  return found;
}

/**
 * The project's stories in outline order, or only the subtree of `fromStoryId` (numbered from it);
 * null when the project has no such story.
 *
 * @example projectOutline(contents)?.map((entry) => `${entry.number} ${entry.story.title}`) // ["1 Checkout", "1.1 Pay by card"]
 */
export function projectOutline(contents: ProjectContents, fromStoryId?: string): OutlineEntry[] | null {
  const forest = buildStoryTree(contents.stories);
  let roots = forest;
  let pathAbove: string[] = [];
  if (fromStoryId !== undefined) {
    const found = findNode(forest, fromStoryId);
    if (!found) return null;
    roots = [found.node];
    pathAbove = found.pathAbove;
  }
  const tests = groupBy(contents.acceptanceTests, (test) => test.storyId);
  const dependencies = groupBy(contents.dependencies, (dependency) => dependency.storyId);
  const entries: OutlineEntry[] = [];
  walk(roots, pathAbove, (node, path, number, depth) => {
    entries.push({
      story: node.story,
      path,
      number,
      depth,
      tests: (tests.get(node.story.id) ?? []).toSorted(compareByCreation),
      dependsOn: (dependencies.get(node.story.id) ?? []).map((dependency) => dependency.dependsOnId),
      childCount: node.children.length,
    });
  });
  return entries;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildStoryTree,
  childrenOf,
  collectSubtree,
  findDependencyCycle,
  findParentCycle,
  parentChain,
  type StoryNode,
  wouldCreateDependencyCycle,
  wouldCreateParentCycle,
} from "./story-tree.ts";

type TestStory = { id: string; parentId: string | null; createdAt: string };

const base = Date.parse("2025-01-01T00:00:00.000Z");
const at = (second: number) => new Date(base + second * 1_000).toISOString();
const story = (id: string, parentId: string | null, second = 0): TestStory => ({
  id,
  parentId,
  createdAt: at(second),
});

/** A tree as nested [id, children] pairs, which reads better in assertions than nodes. */
type Shape = [string, Shape[]];
const shape = (nodes: StoryNode<TestStory>[]): Shape[] =>
  nodes.map((node) => [node.story.id, shape(node.children)]);

/** Pre-order ids of a forest, without recursion so that deep trees are fine. */
function flatten(nodes: StoryNode<TestStory>[]): string[] {
  const ids: string[] = [];
  const stack = nodes.toReversed();
  for (let node = stack.pop(); node; node = stack.pop()) {
    ids.push(node.story.id);
    stack.push(...node.children.toReversed());
  }
  return ids;
}

function chain(length: number): TestStory[] {
  return Array.from({ length }, (_, i) => story(`s${i}`, i === 0 ? null : `s${i - 1}`, i));
}

describe("buildStoryTree", () => {
  it("nests children under their parents", () => {
    const stories = [story("epic", null, 0), story("feature", "epic", 1), story("task", "feature", 2)];
    expect(shape(buildStoryTree(stories))).toEqual([["epic", [["feature", [["task", []]]]]]]);
  });

  it("returns an empty forest for no stories", () => {
    expect(buildStoryTree([])).toEqual([]);
  });

  it("makes a story whose parent is not in the list a root", () => {
    const stories = [story("a", null, 0), story("orphan", "gone", 1), story("child", "orphan", 2)];
    expect(shape(buildStoryTree(stories))).toEqual([
      ["a", []],
      ["orphan", [["child", []]]],
    ]);
  });

  it("orders roots and siblings by createdAt, then id, whatever the input order", () => {
    const stories = [
      story("late", null, 5),
      story("b", "late", 1),
      story("a", "late", 1),
      story("first", "late", 0),
      story("early", null, 2),
    ];
    const expected: Shape[] = [
      ["early", []],
      [
        "late",
        [
          ["first", []],
          ["a", []],
          ["b", []],
        ],
      ],
    ];
    expect(shape(buildStoryTree(stories))).toEqual(expected);
    expect(shape(buildStoryTree(stories.toReversed()))).toEqual(expected);
  });

  it("makes a story that is its own parent a root", () => {
    expect(shape(buildStoryTree([story("a", "a")]))).toEqual([["a", []]]);
  });

  it("breaks a cycle at its earliest story, keeping every story once", () => {
    const stories = [story("b", "a", 2), story("a", "c", 1), story("c", "b", 3), story("tail", "c", 4)];
    expect(shape(buildStoryTree(stories))).toEqual([["a", [["b", [["c", [["tail", []]]]]]]]]);
  });

  it("handles a 10,000-story chain without overflowing the stack", () => {
    const stories = chain(10_000);
    const roots = buildStoryTree(stories.toReversed());
    expect(roots).toHaveLength(1);
    expect(flatten(roots)).toEqual(stories.map((s) => s.id));
  });
});

describe("findParentCycle", () => {
  it("returns null for a forest", () => {
    expect(findParentCycle([story("a", null), story("b", "a"), story("c", "missing")])).toBeNull();
  });

  it("returns a story that is its own parent as a cycle of one", () => {
    expect(findParentCycle([story("a", "a")])).toEqual(["a"]);
  });

  it("returns the cycle in child-to-parent order", () => {
    const stories = [story("x", "a"), story("a", "b"), story("b", "c"), story("c", "a")];
    expect(findParentCycle(stories)).toEqual(["a", "b", "c"]);
  });
});

describe("wouldCreateParentCycle", () => {
  const stories = [story("a", null), story("b", "a"), story("c", "b"), story("d", null)];

  it("is true for the story itself", () => {
    expect(wouldCreateParentCycle(stories, "a", "a")).toBe(true);
  });

  it("is true for a descendant", () => {
    expect(wouldCreateParentCycle(stories, "a", "c")).toBe(true);
    expect(wouldCreateParentCycle(stories, "b", "c")).toBe(true);
  });

  it("is false for an ancestor, an unrelated story, an unknown story or no parent", () => {
    expect(wouldCreateParentCycle(stories, "c", "a")).toBe(false);
    expect(wouldCreateParentCycle(stories, "a", "d")).toBe(false);
    expect(wouldCreateParentCycle(stories, "a", "missing")).toBe(false);
    expect(wouldCreateParentCycle(stories, "a", null)).toBe(false);
  });

  it("terminates when the new parent already sits on a cycle", () => {
    const cyclic = [story("a", null), story("x", "y"), story("y", "x")];
    expect(wouldCreateParentCycle(cyclic, "a", "x")).toBe(false);
  });
});

describe("childrenOf", () => {
  it("returns direct children in creation order, never the story itself", () => {
    const stories = [story("p", "p"), story("c2", "p", 2), story("c1", "p", 1), story("g", "c1", 3)];
    expect(childrenOf(stories, "p").map((s) => s.id)).toEqual(["c1", "c2"]);
  });
});

describe("collectSubtree", () => {
  const stories = [story("a", null), story("b", "a"), story("c", "b"), story("d", "a"), story("e", null)];

  it("returns the root first, then every descendant once", () => {
    expect(collectSubtree(stories, "a")).toEqual(["a", "b", "c", "d"]);
    expect(collectSubtree(stories, "c")).toEqual(["c"]);
  });

  it("returns nothing for an unknown story", () => {
    expect(collectSubtree(stories, "missing")).toEqual([]);
  });

  it("terminates on a cycle", () => {
    const cyclic = [story("a", "c"), story("b", "a"), story("c", "b")];
    expect(collectSubtree(cyclic, "a")).toEqual(["a", "b", "c"]);
  });

  it("walks a 10,000-story chain", () => {
    expect(collectSubtree(chain(10_000), "s0")).toHaveLength(10_000);
  });
});

describe("parentChain", () => {
  const stories = [story("a", null), story("b", "a"), story("c", "b"), story("o", "missing")];

  it("returns the ancestors root first, without the story", () => {
    expect(parentChain(stories, "c").map((s) => s.id)).toEqual(["a", "b"]);
  });

  it("is empty for a root, an orphan and an unknown story", () => {
    expect(parentChain(stories, "a")).toEqual([]);
    expect(parentChain(stories, "o")).toEqual([]);
    expect(parentChain(stories, "missing")).toEqual([]);
  });

  it("stops on a cycle before repeating a story", () => {
    const cyclic = [story("a", "c"), story("b", "a"), story("c", "b")];
    expect(parentChain(cyclic, "a").map((s) => s.id)).toEqual(["b", "c"]);
  });

  it("walks a 10,000-story chain", () => {
    const stories = chain(10_000);
    expect(parentChain(stories, "s9999")).toHaveLength(9_999);
    expect(wouldCreateParentCycle(stories, "s0", "s9999")).toBe(true);
    expect(findParentCycle(stories)).toBeNull();
  });
});

const dependsOn = (storyId: string, dependsOnId: string) => ({ storyId, dependsOnId });

describe("wouldCreateDependencyCycle", () => {
  const dependencies = [dependsOn("a", "b"), dependsOn("b", "c"), dependsOn("x", "c")];

  it("is true for a story depending on itself", () => {
    expect(wouldCreateDependencyCycle([], "a", "a")).toBe(true);
  });

  it("is true when the other story already depends on this one, directly or not", () => {
    expect(wouldCreateDependencyCycle(dependencies, "b", "a")).toBe(true);
    expect(wouldCreateDependencyCycle(dependencies, "c", "a")).toBe(true);
  });

  it("is false otherwise", () => {
    expect(wouldCreateDependencyCycle(dependencies, "a", "c")).toBe(false);
    expect(wouldCreateDependencyCycle(dependencies, "a", "x")).toBe(false);
    expect(wouldCreateDependencyCycle(dependencies, "c", "new")).toBe(false);
  });
});

describe("findDependencyCycle", () => {
  it("returns null for an acyclic graph", () => {
    expect(findDependencyCycle([])).toBeNull();
    expect(findDependencyCycle([dependsOn("a", "b"), dependsOn("a", "c"), dependsOn("b", "c")])).toBeNull();
  });

  it("returns a self-dependency as a cycle of one", () => {
    expect(findDependencyCycle([dependsOn("a", "a")])).toEqual(["a"]);
  });

  it("returns the cycle in dependency order", () => {
    const dependencies = [dependsOn("x", "a"), dependsOn("a", "b"), dependsOn("b", "c"), dependsOn("c", "a")];
    expect(findDependencyCycle(dependencies)).toEqual(["a", "b", "c"]);
  });

  it("handles 10,000-story chains and cycles without overflowing the stack", () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `s${i}`);
    const line = ids.slice(1).map((id, i) => dependsOn(ids[i] as string, id));
    expect(findDependencyCycle(line)).toBeNull();
    expect(wouldCreateDependencyCycle(line, "s9999", "s0")).toBe(true);
    expect(findDependencyCycle([...line, dependsOn("s9999", "s0")])).toHaveLength(10_000);
  });
});

/** Random forests: each story's parent is an earlier story, none, or one not in the list. */
const forestArb = fc
  .array(fc.record({ parent: fc.nat(), kind: fc.nat(9), second: fc.nat(5), order: fc.nat() }), {
    minLength: 1,
    maxLength: 40,
  })
  .map((rows) =>
    rows
      .map((row, i) => {
        const parentId = i === 0 || row.kind < 2 ? null : row.kind === 2 ? "missing" : `s${row.parent % i}`;
        return { story: story(`s${i}`, parentId, row.second), order: row.order };
      })
      .sort((a, b) => a.order - b.order)
      .map((row) => row.story),
  );

/** Random parent pointers, cycles and self-parents included. */
const parentGraphArb = fc
  .array(fc.record({ parent: fc.integer({ min: -1, max: 20 }), second: fc.nat(5) }), {
    minLength: 1,
    maxLength: 20,
  })
  .map((rows) =>
    rows.map((row, i) => story(`s${i}`, row.parent < 0 ? null : `s${row.parent % rows.length}`, row.second)),
  );

function hasParentCycleOracle(stories: TestStory[]): boolean {
  const parentOf = new Map(stories.map((s) => [s.id, s.parentId]));
  return stories.some((s) => {
    let current: string | null | undefined = s.id;
    for (let step = 0; step <= stories.length && current; step++) current = parentOf.get(current);
    return Boolean(current);
  });
}

function expectRealParentCycle(stories: TestStory[], cycle: string[]) {
  const parentOf = new Map(stories.map((s) => [s.id, s.parentId]));
  expect(new Set(cycle).size).toBe(cycle.length);
  expect(cycle.map((id) => parentOf.get(id))).toEqual([...cycle.slice(1), cycle[0]]);
}

function nodesOf(roots: StoryNode<TestStory>[]): StoryNode<TestStory>[] {
  const nodes: StoryNode<TestStory>[] = [];
  const stack = [...roots];
  for (let node = stack.pop(); node; node = stack.pop()) {
    nodes.push(node);
    stack.push(...node.children);
  }
  return nodes;
}

const isSorted = (nodes: StoryNode<TestStory>[]) =>
  nodes.every((node, i) => {
    const [a, b] = [node.story, nodes[i + 1]?.story];
    return !b || a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
  });

describe("story tree properties", () => {
  it("finds no cycle in a forest, and builds it with every story once, in order", () => {
    fc.assert(
      fc.property(forestArb, (stories) => {
        expect(findParentCycle(stories)).toBeNull();
        const roots = buildStoryTree(stories);
        expect(flatten(roots).toSorted()).toEqual(stories.map((s) => s.id).toSorted());
        const known = new Set(stories.map((s) => s.id));
        for (const root of roots)
          expect(root.story.parentId === null || !known.has(root.story.parentId)).toBe(true);
        expect(isSorted(roots)).toBe(true);
        for (const node of nodesOf(roots)) {
          expect(isSorted(node.children)).toBe(true);
          for (const child of node.children) expect(child.story.parentId).toBe(node.story.id);
        }
        expect(shape(buildStoryTree(stories.toReversed()))).toEqual(shape(roots));
      }),
    );
  });

  it("collects exactly the built subtree of every story, root first", () => {
    fc.assert(
      fc.property(forestArb, (stories) => {
        for (const node of nodesOf(buildStoryTree(stories))) {
          const collected = collectSubtree(stories, node.story.id);
          expect(collected[0]).toBe(node.story.id);
          expect(collected.toSorted()).toEqual(flatten([node]).toSorted());
        }
      }),
    );
  });

  it("detects a parent cycle exactly when the new parent is in the story's subtree", () => {
    fc.assert(
      fc.property(forestArb, fc.nat(), fc.nat(), (stories, i, j) => {
        const storyId = `s${i % stories.length}`;
        const newParentId = `s${j % stories.length}`;
        const expected = collectSubtree(stories, storyId).includes(newParentId);
        expect(wouldCreateParentCycle(stories, storyId, newParentId)).toBe(expected);
        const moved = stories.map((s) => (s.id === storyId ? { ...s, parentId: newParentId } : s));
        const cycle = findParentCycle(moved);
        expect(cycle !== null).toBe(expected);
        if (cycle) expectRealParentCycle(moved, cycle);
      }),
    );
  });

  it("keeps every story once and finds a real cycle or none on any parent graph", () => {
    fc.assert(
      fc.property(parentGraphArb, (stories) => {
        expect(flatten(buildStoryTree(stories)).toSorted()).toEqual(stories.map((s) => s.id).toSorted());
        const cycle = findParentCycle(stories);
        expect(cycle !== null).toBe(hasParentCycleOracle(stories));
        if (cycle) expectRealParentCycle(stories, cycle);
        for (const s of stories) {
          const subtree = collectSubtree(stories, s.id);
          expect(new Set(subtree).size).toBe(subtree.length);
          const chainIds = parentChain(stories, s.id).map((p) => p.id);
          expect(new Set([...chainIds, s.id]).size).toBe(chainIds.length + 1);
        }
      }),
    );
  });
});

/** Random dependency graphs over a few stories, self-dependencies and duplicates included. */
const dependencyGraphArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 20 }),
    from: fc.nat(n - 1),
    to: fc.nat(n - 1),
  }),
);

/** reach[i][j]: a path of one or more edges leads from story i to story j (Floyd-Warshall). */
function reachability(n: number, edges: [number, number][]): boolean[][] {
  const reach = Array.from({ length: n }, () => Array<boolean>(n).fill(false));
  for (const [a, b] of edges) (reach[a] as boolean[])[b] = true;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (reach[i]?.[k] && reach[k]?.[j]) (reach[i] as boolean[])[j] = true;
      }
    }
  }
  return reach;
}

describe("dependency graph properties", () => {
  it("detects a new dependency cycle exactly when the target already reaches the story", () => {
    fc.assert(
      fc.property(dependencyGraphArb, ({ n, edges, from, to }) => {
        const dependencies = edges.map(([a, b]) => dependsOn(`s${a}`, `s${b}`));
        const expected = from === to || Boolean(reachability(n, edges)[to]?.[from]);
        expect(wouldCreateDependencyCycle(dependencies, `s${from}`, `s${to}`)).toBe(expected);
      }),
    );
  });

  it("finds a real cycle, or null exactly when the graph is acyclic", () => {
    fc.assert(
      fc.property(dependencyGraphArb, ({ n, edges }) => {
        const dependencies = edges.map(([a, b]) => dependsOn(`s${a}`, `s${b}`));
        const reach = reachability(n, edges);
        const cyclic = reach.some((row, i) => row[i]);
        const cycle = findDependencyCycle(dependencies);
        expect(cycle !== null).toBe(cyclic);
        if (!cycle) return;
        const edgeSet = new Set(dependencies.map((d) => `${d.storyId}>${d.dependsOnId}`));
        expect(new Set(cycle).size).toBe(cycle.length);
        const closing = [...cycle.slice(1), cycle[0]];
        expect(cycle.filter((id, i) => !edgeSet.has(`${id}>${closing[i]}`))).toEqual([]);
      }),
    );
  });
});

import { buildStoryTree } from "@aipm/shared/story-tree";
import { describe, expect, it } from "vitest";
import { sampleStories, story } from "../../test/stories.ts";
import {
  boxPaths,
  layoutMindmap,
  mindmapBox,
  mindmapKeyTarget,
  nodesInArea,
  pruneTree,
  treeLinksPath,
} from "./mindmap-layout.ts";

const tree = buildStoryTree(sampleStories());

describe("layoutMindmap", () => {
  const layout = layoutMindmap(tree);
  const byId = new Map(layout.nodes.map((node) => [node.story?.id ?? "project", node]));

  it("puts the project at the root and each depth in its own column", () => {
    expect(layout.nodes).toHaveLength(6);
    const column = mindmapBox.width + mindmapBox.gapX;
    expect(byId.get("project")?.x).toBe(0);
    expect(byId.get("epic")?.x).toBe(column);
    expect(byId.get("a")?.x).toBe(2 * column);
    expect(byId.get("a1")?.x).toBe(3 * column);
  });

  it("never lets two boxes overlap", () => {
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b || a.x !== b.x) continue;
        expect(Math.abs(a.y - b.y)).toBeGreaterThanOrEqual(mindmapBox.height);
      }
    }
  });

  it("keeps siblings in creation order, top to bottom, and a parent between its children", () => {
    const [a, b, epic] = [byId.get("a"), byId.get("b"), byId.get("epic")];
    expect((a?.y ?? 0) < (b?.y ?? 0)).toBe(true);
    expect(epic?.y).toBe(((a?.y ?? 0) + (b?.y ?? 0)) / 2);
  });

  it("indexes every story's node by its id", () => {
    for (const [id, index] of layout.indexOf) expect(layout.nodes[index]?.story?.id).toBe(id);
    expect(layout.indexOf.size).toBe(5);
  });

  it("draws one link per parent-child pair and bounds that hold every box", () => {
    expect(treeLinksPath(layout.nodes).match(/M/g)).toHaveLength(5);
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(layout.bounds.x);
      expect(node.x + mindmapBox.width).toBeLessThanOrEqual(layout.bounds.x + layout.bounds.width);
      expect(node.y - mindmapBox.height / 2).toBeGreaterThanOrEqual(layout.bounds.y);
      expect(node.y + mindmapBox.height / 2).toBeLessThanOrEqual(layout.bounds.y + layout.bounds.height);
    }
  });

  it("lays out a project without stories as its project node", () => {
    const empty = layoutMindmap([]);
    expect(empty.nodes).toHaveLength(1);
    expect(treeLinksPath(empty.nodes)).toBe("");
  });

  it("lays out 10,000 stories of a backlog's shape, each once, without two boxes meeting", () => {
    // 100 epics, 1,000 features spread over them, 8,900 stories spread over the features.
    const many = [];
    for (let i = 0; i < 10_000; i++)
      many.push(
        story(`s${i}`, { parentId: i < 100 ? null : i < 1100 ? `s${i % 100}` : `s${100 + (i % 1000)}` }),
      );
    const big = layoutMindmap(buildStoryTree(many));
    expect(big.nodes).toHaveLength(10_001);
    expect(new Set(big.nodes.map((node) => node.story?.id)).size).toBe(10_001);
    const columns = new Map<number, number[]>();
    for (const node of big.nodes) columns.set(node.x, [...(columns.get(node.x) ?? []), node.y]);
    expect([...columns.keys()].sort((a, b) => a - b)).toEqual([0, 256, 512, 768]);
    // Neighbours in a column keep at least the gap between them (less a rounding error of d3's sums).
    let closest = Number.POSITIVE_INFINITY;
    for (const ys of columns.values()) {
      ys.sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) closest = Math.min(closest, (ys[i] ?? 0) - (ys[i - 1] ?? 0));
    }
    expect(closest).toBeGreaterThan(mindmapBox.height + mindmapBox.gapY - 1e-6);
  });
});

describe("mindmapKeyTarget", () => {
  const { nodes } = layoutMindmap(tree);
  const index = (id: string) => nodes.findIndex((node) => (node.story?.id ?? "project") === id);
  const go = (from: string, key: string) => {
    const target = mindmapKeyTarget(nodes, index(from), key);
    return target === null ? null : (nodes[target]?.story?.id ?? "project");
  };

  it("moves to the parent, a child and the siblings", () => {
    expect(go("a", "ArrowLeft")).toBe("epic");
    expect(go("project", "ArrowLeft")).toBeNull();
    expect(go("epic", "ArrowRight")).toBe("a");
    expect(go("a1", "ArrowRight")).toBeNull();
    expect(go("a", "ArrowDown")).toBe("b");
    expect(go("b", "ArrowUp")).toBe("a");
    expect(go("b", "ArrowDown")).toBeNull();
    expect(go("project", "ArrowDown")).toBeNull();
    expect(go("a", "Tab")).toBeNull();
  });
});

describe("pruneTree", () => {
  it("drops collapsed branches and stories not visible", () => {
    const pruned = pruneTree(tree, new Set(["a"]), new Set(["epic", "a", "a1"]));
    expect(pruned.map((node) => node.story.id)).toEqual(["epic"]);
    expect(pruned[0]?.children.map((node) => node.story.id)).toEqual(["a"]);
    expect(pruned[0]?.children[0]?.children).toEqual([]);
  });
});

describe("nodesInArea and boxPaths", () => {
  const { nodes, bounds } = layoutMindmap(tree);
  const id = (index: number) => nodes[index]?.story?.id ?? "project";

  it("finds every node inside the bounds and none far away", () => {
    expect(nodesInArea(nodes, bounds)).toHaveLength(nodes.length);
    expect(nodesInArea(nodes, { x: 10_000, y: 0, width: 100, height: 100 })).toEqual([]);
  });

  it("finds the nodes of one column", () => {
    const column = mindmapBox.width + mindmapBox.gapX;
    const found = nodesInArea(nodes, { x: 2 * column + 10, y: bounds.y, width: 10, height: bounds.height });
    expect(found.map(id).sort()).toEqual(["a", "b"]);
  });

  it("draws only the links that cross an area", () => {
    const column = mindmapBox.width + mindmapBox.gapX;
    // Between the epic's column and its children's: the links epic→a and epic→b.
    const between = { x: column + mindmapBox.width + 1, y: bounds.y, width: 10, height: bounds.height };
    expect(treeLinksPath(nodes, between).match(/M/g)).toHaveLength(2);
    expect(treeLinksPath(nodes, { x: 10_000, y: 0, width: 100, height: 100 })).toBe("");
    expect(treeLinksPath(nodes, bounds)).toBe(treeLinksPath(nodes));
  });

  it("draws the boxes of the nodes asked for", () => {
    const paths = boxPaths(nodes, (story) => story.status, [0, nodes.findIndex((n) => n.story?.id === "a1")]);
    expect([...paths.keys()]).toEqual(["Done"]);
  });

  it("draws each story's box once, grouped by key", () => {
    const paths = boxPaths(nodes, (story) => story.status);
    expect([...paths.keys()].sort()).toEqual(["Blocked", "Done", "Draft", "In Progress", "Ready"]);
    const boxes = [...paths.values()].join("").match(/Z/g);
    expect(boxes).toHaveLength(5);
  });
});

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

  it("draws one link per parent-child pair and bounds that hold every box", () => {
    expect(layout.linksPath.match(/M/g)).toHaveLength(5);
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
    expect(empty.linksPath).toBe("");
  });

  it("lays out 2,000 stories, each once", () => {
    const many = [story("root")];
    for (let i = 1; i < 2000; i++)
      many.push(story(`s${i}`, { parentId: i < 40 ? "root" : `s${1 + (i % 39)}` }));
    const big = layoutMindmap(buildStoryTree(many));
    expect(big.nodes).toHaveLength(2001);
    expect(new Set(big.nodes.map((node) => node.story?.id)).size).toBe(2001);
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

  it("draws each story's box once, grouped by key", () => {
    const paths = boxPaths(nodes, (story) => story.status);
    expect([...paths.keys()].sort()).toEqual(["Blocked", "Done", "Draft", "In Progress", "Ready"]);
    const boxes = [...paths.values()].join("").match(/Z/g);
    expect(boxes).toHaveLength(5);
  });
});

import { buildStoryTree } from "@aipm/shared/story-tree";
import { describe, expect, it } from "vitest";
import { sampleStories, story } from "../../test/stories.ts";
import { dependencyCurve, dependencyLinks, dependencyPaths } from "./mindmap-dependencies.ts";
import { layoutMindmap, mindmapBox, pruneTree } from "./mindmap-layout.ts";

/** epic ─┬─ a ── a1, └─ b; solo. b waits for a1 (Done) and solo (Blocked); a waits for b. */
function withDependencies() {
  return sampleStories().map((s) =>
    s.id === "b" ? { ...s, dependsOn: ["a1", "solo"] } : s.id === "a" ? { ...s, dependsOn: ["b"] } : s,
  );
}

const byIdOf = <S extends { id: string }>(list: S[]) => new Map(list.map((s) => [s.id, s]));

describe("dependencyLinks", () => {
  const stories = withDependencies();
  const byId = byIdOf(stories);

  it("links each story to the stories it depends on, met when that one is Done", () => {
    const layout = layoutMindmap(buildStoryTree(stories));
    const named = dependencyLinks(layout.indexOf, byId).map((link) => ({
      from: layout.nodes[link.from]?.story?.id,
      to: layout.nodes[link.to]?.story?.id,
      met: link.met,
    }));
    expect(named).toEqual(
      expect.arrayContaining([
        { from: "a", to: "b", met: false },
        { from: "b", to: "a1", met: true },
        { from: "b", to: "solo", met: false },
      ]),
    );
    expect(named).toHaveLength(3);
  });

  it("stands a story hidden in a folded branch in by its nearest ancestor on the map, dropping self-links", () => {
    const layout = layoutMindmap(pruneTree(buildStoryTree(stories), new Set(["a"])));
    expect(layout.indexOf.has("a1")).toBe(false);
    const named = dependencyLinks(layout.indexOf, byId).map(
      (link) => `${layout.nodes[link.from]?.story?.id}>${layout.nodes[link.to]?.story?.id}`,
    );
    // b→a1 now points at a, which holds a1.
    expect(named.sort()).toEqual(["a>b", "b>a", "b>solo"]);
    const folded = layoutMindmap(pruneTree(buildStoryTree(stories), new Set(["epic"])));
    // a, b and a1 all stand in as epic: their links to each other vanish, b→solo stays as epic→solo.
    expect(
      dependencyLinks(folded.indexOf, byId).map(
        (link) => `${folded.nodes[link.from]?.story?.id}>${folded.nodes[link.to]?.story?.id}`,
      ),
    ).toEqual(["epic>solo"]);
  });

  it("draws two dependencies between the same nodes once, met only when both are", () => {
    const list = [
      story("x", { dependsOn: ["y1", "y2"] }),
      story("y", {}),
      story("y1", { parentId: "y", status: "Done" }),
      story("y2", { parentId: "y" }),
    ];
    const layout = layoutMindmap(pruneTree(buildStoryTree(list), new Set(["y"])));
    expect(dependencyLinks(layout.indexOf, byIdOf(list))).toEqual([
      { from: layout.indexOf.get("x"), to: layout.indexOf.get("y"), met: false },
    ]);
  });

  it("survives a dependency on a story that does not exist and a parent cycle", () => {
    const list = [story("p", { parentId: "q", dependsOn: ["gone"] }), story("q", { parentId: "p" })];
    expect(dependencyLinks(new Map(), byIdOf(list))).toEqual([]);
  });
});

describe("dependencyCurve and dependencyPaths", () => {
  const { width } = mindmapBox;

  it("leaves the side facing the target and ends with a head at the target's facing side", () => {
    const right = dependencyCurve({ x: 0, y: 0 }, { x: 512, y: 100 });
    expect(right.line.startsWith(`M${width},0C`)).toBe(true);
    expect(right.line.endsWith(" 512,100")).toBe(true);
    expect(right.head.startsWith("M512,100L503,")).toBe(true);
    const left = dependencyCurve({ x: 512, y: 0 }, { x: 0, y: 50 });
    expect(left.line.startsWith("M512,0C")).toBe(true);
    expect(left.line.endsWith(` ${width},50`)).toBe(true);
    // In one column the curve bows out to the right of both boxes.
    const same = dependencyCurve({ x: 256, y: 0 }, { x: 256, y: 200 });
    expect(same.bounds[2]).toBeGreaterThan(256 + width);
    expect(same.line.endsWith(` ${256 + width},200`)).toBe(true);
  });

  it("splits arrows into open and met, and leaves out those off the area", () => {
    const stories = withDependencies();
    const layout = layoutMindmap(buildStoryTree(stories));
    const links = dependencyLinks(layout.indexOf, byIdOf(stories));
    const all = dependencyPaths(layout.nodes, links);
    expect(all.drawn).toBe(3);
    expect(all.open.lines.match(/M/g)).toHaveLength(2);
    expect(all.open.heads.match(/Z/g)).toHaveLength(2);
    expect(all.met.lines.match(/M/g)).toHaveLength(1);
    const nowhere = dependencyPaths(layout.nodes, links, { x: 50_000, y: 0, width: 10, height: 10 });
    expect(nowhere).toEqual({ open: { lines: "", heads: "" }, met: { lines: "", heads: "" }, drawn: 0 });
  });
});

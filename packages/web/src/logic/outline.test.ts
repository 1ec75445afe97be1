import { buildStoryTree } from "@aipm/shared/story-tree";
import { describe, expect, it } from "vitest";
import { sampleStories } from "../../test/stories.ts";
import { outlineKeyAction, outlineRows } from "./outline.ts";

const tree = buildStoryTree(sampleStories());
const summary = (rows: ReturnType<typeof outlineRows>) =>
  rows.map(
    (row) =>
      `${"  ".repeat(row.level - 1)}${row.story.id}${row.hasChildren ? (row.expanded ? " -" : " +") : ""} ${row.position}/${row.siblings}`,
  );

describe("outlineRows", () => {
  it("lists the tree depth first with levels and positions", () => {
    expect(summary(outlineRows(tree, new Set()))).toEqual([
      "epic - 1/2",
      "  a - 1/2",
      "    a1 1/1",
      "  b 2/2",
      "solo 2/2",
    ]);
  });

  it("leaves out the children of collapsed stories", () => {
    expect(summary(outlineRows(tree, new Set(["a"])))).toEqual([
      "epic - 1/2",
      "  a + 1/2",
      "  b 2/2",
      "solo 2/2",
    ]);
  });

  it("shows only visible stories, counting only visible siblings", () => {
    const rows = outlineRows(tree, new Set(), new Set(["epic", "b"]));
    expect(summary(rows)).toEqual(["epic - 1/1", "  b 1/1"]);
  });

  it("handles a tree too deep for recursion", () => {
    const deep = Array.from({ length: 10_000 }, (_, i) => ({
      story: { id: `s${i}` },
      children: [] as never[],
    }));
    for (let i = 0; i < deep.length - 1; i++) (deep[i] as { children: unknown[] }).children.push(deep[i + 1]);
    const rows = outlineRows([deep[0] as never], new Set());
    expect(rows).toHaveLength(10_000);
    expect(rows.at(-1)?.level).toBe(10_000);
  });
});

describe("outlineKeyAction", () => {
  const rows = outlineRows(tree, new Set(["a"]));

  it("moves up and down and jumps to the ends", () => {
    expect(outlineKeyAction(rows, "epic", "ArrowDown")).toEqual({ kind: "focus", id: "a" });
    expect(outlineKeyAction(rows, "a", "ArrowUp")).toEqual({ kind: "focus", id: "epic" });
    expect(outlineKeyAction(rows, "solo", "ArrowDown")).toEqual({ kind: "none" });
    expect(outlineKeyAction(rows, "b", "Home")).toEqual({ kind: "focus", id: "epic" });
    expect(outlineKeyAction(rows, "epic", "End")).toEqual({ kind: "focus", id: "solo" });
  });

  it("expands a collapsed story with Right, then enters it; collapses or climbs with Left", () => {
    expect(outlineKeyAction(rows, "a", "ArrowRight")).toEqual({ kind: "expand", id: "a" });
    expect(outlineKeyAction(rows, "epic", "ArrowRight")).toEqual({ kind: "focus", id: "a" });
    expect(outlineKeyAction(rows, "b", "ArrowRight")).toEqual({ kind: "none" });
    expect(outlineKeyAction(rows, "epic", "ArrowLeft")).toEqual({ kind: "collapse", id: "epic" });
    expect(outlineKeyAction(rows, "a", "ArrowLeft")).toEqual({ kind: "focus", id: "epic" });
    expect(outlineKeyAction(rows, "solo", "ArrowLeft")).toEqual({ kind: "none" });
  });

  it("selects with Enter and Space, and starts at the top from an unknown row", () => {
    expect(outlineKeyAction(rows, "b", "Enter")).toEqual({ kind: "select", id: "b" });
    expect(outlineKeyAction(rows, "b", " ")).toEqual({ kind: "select", id: "b" });
    expect(outlineKeyAction(rows, "gone", "ArrowDown")).toEqual({ kind: "focus", id: "epic" });
    expect(outlineKeyAction([], "gone", "ArrowDown")).toEqual({ kind: "none" });
    expect(outlineKeyAction(rows, "b", "x")).toEqual({ kind: "none" });
  });
});

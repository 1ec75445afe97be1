import { describe, expect, it } from "vitest";
import { sampleStories } from "../../test/stories.ts";
import {
  filterChoices,
  filterStories,
  isFiltering,
  matchesFilters,
  noFilters,
  UNASSIGNED,
} from "./filters.ts";

const stories = sampleStories();
const ids = (set: Set<string>) => [...set].sort();

describe("filters", () => {
  it("shows everything without filters", () => {
    expect(isFiltering(noFilters)).toBe(false);
    const { matches, visible } = filterStories(stories, noFilters);
    expect(matches.size).toBe(5);
    expect(visible).toBe(matches);
  });

  it("keeps the ancestors of each match visible so it stays in place in the tree", () => {
    const { matches, visible } = filterStories(stories, { ...noFilters, status: "Done" });
    expect(ids(matches)).toEqual(["a1"]);
    expect(ids(visible)).toEqual(["a", "a1", "epic"]);
  });

  it("combines status, assignee, component and text", () => {
    expect(ids(filterStories(stories, { ...noFilters, assignee: "ana" }).matches)).toEqual(["a1", "epic"]);
    expect(ids(filterStories(stories, { ...noFilters, assignee: "ana", component: "cart" }).matches)).toEqual(
      ["a1"],
    );
    expect(ids(filterStories(stories, { ...noFilters, assignee: UNASSIGNED }).matches)).toEqual([
      "b",
      "solo",
    ]);
    expect(ids(filterStories(stories, { ...noFilters, text: "  pay BY " }).matches)).toEqual(["b"]);
    expect(matchesFilters(stories[4] as never, { ...noFilters, text: "solo" })).toBe(true);
  });

  it("offers the assignees and components in use, sorted and once each", () => {
    expect(filterChoices(stories)).toEqual({
      assignees: ["ana", "bob"],
      components: ["cart", "checkout", "payments"],
    });
  });
});

import { describe, expect, it } from "vitest";
import { sampleStories } from "../../test/stories.ts";
import { ancestorIds, findStories, wrapIndex } from "./find.ts";

describe("findStories", () => {
  const stories = sampleStories();

  it("finds titles holding the text in any case, in the order given, and a story by its id", () => {
    expect(findStories(stories, "STORY A").map((s) => s.id)).toEqual(["a", "a1"]);
    expect(findStories(stories, " card ").map((s) => s.id)).toEqual(["b"]);
    expect(findStories(stories, "solo").map((s) => s.id)).toEqual(["solo"]);
    expect(findStories(stories, "nothing like it")).toEqual([]);
    expect(findStories(stories, "  ")).toEqual([]);
  });
});

describe("ancestorIds", () => {
  const byId = new Map(sampleStories().map((s) => [s.id, s]));

  it("lists the parent first, up to the root, and nothing for a root or an unknown story", () => {
    expect(ancestorIds("a1", byId)).toEqual(["a", "epic"]);
    expect(ancestorIds("epic", byId)).toEqual([]);
    expect(ancestorIds("gone", byId)).toEqual([]);
  });

  it("stops at a parent cycle", () => {
    const cycle = new Map([
      ["p", { id: "p", parentId: "q" }],
      ["q", { id: "q", parentId: "p" }],
    ]);
    expect(ancestorIds("p", cycle)).toEqual(["q"]);
  });
});

describe("wrapIndex", () => {
  it("steps forward and back, wrapping at both ends", () => {
    expect(wrapIndex(0, 3, 1)).toBe(1);
    expect(wrapIndex(2, 3, 1)).toBe(0);
    expect(wrapIndex(0, 3, -1)).toBe(2);
    expect(wrapIndex(0, 0, 1)).toBe(-1);
  });
});

/**
 * @module test/stories: small story lists for the pure logic's tests.
 */
import type { Story, StoryStatus } from "../src/domain.ts";

let clock = 0;

/** A story with defaults; ids are short names, creation times increase with each call. */
export function story(id: string, changes: Partial<Story> = {}): Story {
  clock += 1;
  return {
    id,
    projectId: "prj_1",
    parentId: null,
    title: `Story ${id}`,
    asA: "",
    iWant: "",
    soThat: "",
    description: "",
    components: [],
    storyPoints: null,
    assignee: "",
    status: "Draft" as StoryStatus,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString(),
    version: 1,
    acceptanceTests: [],
    dependsOn: [],
    ...changes,
  };
}

/**
 * epic ─┬─ a ── a1
 *       └─ b
 * solo
 */
export function sampleStories(): Story[] {
  return [
    story("epic", { status: "In Progress", assignee: "ana", components: ["checkout"] }),
    story("a", { parentId: "epic", status: "Ready", assignee: "bob", components: ["cart"] }),
    story("a1", { parentId: "a", status: "Done", assignee: "ana", components: ["cart", "payments"] }),
    story("b", { parentId: "epic", title: "Pay by card" }),
    story("solo", { status: "Blocked" }),
  ];
}

import { describe, expect, it } from "vitest";
import { newId } from "./ids.ts";
import {
  type AcceptanceTest,
  acceptanceTestCreateSchema,
  acceptanceTestSchema,
  acceptanceTestUpdateSchema,
  dependencyCreateSchema,
  dependencySchema,
  type Story,
  type StoryDetail,
  storyCreateSchema,
  storyDetailSchema,
  storySchema,
  storyUpdateSchema,
} from "./story.ts";
import { acceptanceTestLimits, storyStatuses } from "./values.ts";

const at = "2025-01-02T03:04:05.678Z";

const story: Story = {
  id: newId("story"),
  projectId: newId("project"),
  parentId: null,
  title: "Export invoices",
  asA: "bookkeeper",
  iWant: "to export a month of invoices as CSV",
  soThat: "I can import them into the ledger",
  description: "Columns as in the ledger's import format.\n\nSee the attached sample.",
  components: ["api", "web"],
  storyPoints: 3,
  assignee: "ada",
  status: "Ready",
  createdAt: at,
  updatedAt: at,
  version: 2,
};

const acceptanceTest: AcceptanceTest = {
  id: newId("acceptanceTest"),
  storyId: story.id,
  title: "Export of an empty month",
  given: ["no invoices in March"],
  when: ["I export March"],
  then: ["the file has only the header row"],
  status: "Draft",
  createdAt: at,
  updatedAt: at,
  version: 1,
};

describe("storyCreateSchema", () => {
  it("applies the defaults to a title alone", () => {
    expect(storyCreateSchema.parse({ title: "Export invoices" })).toEqual({
      parentId: null,
      title: "Export invoices",
      asA: "",
      iWant: "",
      soThat: "",
      description: "",
      components: [],
      storyPoints: null,
      assignee: "",
      status: "Draft",
    });
  });

  it("keeps every given field and trims text", () => {
    const parentId = newId("story");
    const parsed = storyCreateSchema.parse({
      parentId,
      title: "  Export invoices ",
      asA: " bookkeeper ",
      iWant: "to export\ninvoices",
      soThat: "reasons",
      description: "details",
      components: ["api"],
      storyPoints: 5,
      assignee: "ada",
      status: "In Progress",
    });
    expect(parsed).toMatchObject({
      parentId,
      title: "Export invoices",
      asA: "bookkeeper",
      iWant: "to export\ninvoices",
    });
    expect(parsed.status).toBe("In Progress");
  });

  it("accepts every story status and story points from 0 to 100", () => {
    for (const status of storyStatuses)
      expect(storyCreateSchema.safeParse({ title: "x", status }).success).toBe(true);
    for (const storyPoints of [0, 1, 8, 13, 100, null]) {
      expect(storyCreateSchema.safeParse({ title: "x", storyPoints }).success).toBe(true);
    }
  });

  it.each([
    ["an unknown field", { title: "x", priority: "high" }],
    ["an id", { title: "x", id: newId("story") }],
    ["a version", { title: "x", version: 1 }],
    ["a projectId, which comes from the path", { title: "x", projectId: newId("project") }],
    ["no title", {}],
    ["an empty title", { title: "" }],
    ["a blank title", { title: " \t " }],
    ["a multi-line title", { title: "Export\ninvoices" }],
    ["a title with a carriage return", { title: "Export\rinvoices" }],
    ["a title of 201 characters", { title: "x".repeat(201) }],
    ["a numeric title", { title: 7 }],
    ["a multi-line asA", { title: "x", asA: "a\nb" }],
    ["an asA of 501 characters", { title: "x", asA: "a".repeat(501) }],
    ["an iWant of 2,001 characters", { title: "x", iWant: "a".repeat(2_001) }],
    ["a soThat of 2,001 characters", { title: "x", soThat: "a".repeat(2_001) }],
    ["a description of 20,001 characters", { title: "x", description: "a".repeat(20_001) }],
    ["an assignee of 201 characters", { title: "x", assignee: "a".repeat(201) }],
    ["a parent that is a project id", { title: "x", parentId: newId("project") }],
    ["an unknown status", { title: "x", status: "done" }],
    ["story points as a string", { title: "x", storyPoints: "3" }],
    ["fractional story points", { title: "x", storyPoints: 2.5 }],
    ["negative story points", { title: "x", storyPoints: -1 }],
    ["101 story points", { title: "x", storyPoints: 101 }],
    ["components as a string", { title: "x", components: "api" }],
    ["an empty component", { title: "x", components: [""] }],
    ["a component of 61 characters", { title: "x", components: ["c".repeat(61)] }],
    ["21 components", { title: "x", components: Array.from({ length: 21 }, (_, i) => `c${i}`) }],
    ["null", null],
  ])("rejects %s", (_, input) => {
    expect(storyCreateSchema.safeParse(input).success).toBe(false);
  });

  it("says a title must be a single line", () => {
    const result = storyCreateSchema.safeParse({ title: "a\nb" });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["title"], message: "must be a single line" }),
    ]);
  });

  it("says how long a field may be", () => {
    const result = storyCreateSchema.safeParse({ title: "x".repeat(201) });
    expect(result.error?.issues[0]?.message).toBe("must be at most 200 characters");
  });
});

describe("storyUpdateSchema", () => {
  it("requires the version the client read", () => {
    expect(storyUpdateSchema.safeParse({ title: "New" }).success).toBe(false);
    expect(storyUpdateSchema.parse({ version: 4 })).toEqual({ version: 4 });
    expect(storyUpdateSchema.parse({ version: 4, title: " New ", parentId: null })).toEqual({
      version: 4,
      title: "New",
      parentId: null,
    });
  });

  it("adds no defaults, so absent fields stay unchanged", () => {
    expect(Object.keys(storyUpdateSchema.parse({ version: 1, status: "Done" }))).toEqual([
      "version",
      "status",
    ]);
  });

  it.each([
    ["version 0", { version: 0 }],
    ["a fractional version", { version: 1.5 }],
    ["a version as a string", { version: "1" }],
    ["an unknown field", { version: 1, points: 3 }],
    ["an id", { version: 1, id: newId("story") }],
    ["an empty title", { version: 1, title: "" }],
    ["a multi-line title", { version: 1, title: "a\nb" }],
    ["a title of 201 characters", { version: 1, title: "x".repeat(201) }],
    ["an unknown status", { version: 1, status: "Closed" }],
    ["a parent that is a task id", { version: 1, parentId: newId("task") }],
  ])("rejects %s", (_, input) => {
    expect(storyUpdateSchema.safeParse(input).success).toBe(false);
  });
});

describe("storySchema and storyDetailSchema", () => {
  it("round-trip a stored story, also through JSON", () => {
    expect(storySchema.parse(story)).toEqual(story);
    expect(storySchema.parse(JSON.parse(JSON.stringify(story)))).toEqual(story);
    const child: Story = { ...story, id: newId("story"), parentId: story.id, storyPoints: null };
    expect(storySchema.parse(child)).toEqual(child);
  });

  it("round-trip a story with its acceptance tests and dependencies", () => {
    const detail: StoryDetail = { ...story, acceptanceTests: [acceptanceTest], dependsOn: [newId("story")] };
    expect(storyDetailSchema.parse(JSON.parse(JSON.stringify(detail)))).toEqual(detail);
  });

  it.each([
    ["no version", { ...story, version: undefined }],
    ["no createdAt", { ...story, createdAt: undefined }],
    ["an unknown field", { ...story, deletedAt: at }],
    ["an empty title", { ...story, title: "" }],
    ["a local time", { ...story, updatedAt: "2025-01-02T03:04:05" }],
  ])("storySchema rejects %s", (_, input) => {
    expect(storySchema.safeParse(input).success).toBe(false);
  });

  it("storyDetailSchema rejects a dependency that is not a story id", () => {
    const detail = { ...story, acceptanceTests: [], dependsOn: [newId("task")] };
    expect(storyDetailSchema.safeParse(detail).success).toBe(false);
  });
});

describe("acceptanceTestCreateSchema", () => {
  it("keeps the steps of each Given, When and Then to stepsCharacters together, as written", () => {
    const { step, stepsCharacters } = acceptanceTestLimits;
    // Steps of at most `step` characters that together hold exactly stepsCharacters.
    const full = Array.from({ length: Math.ceil(stepsCharacters / step) }, (_, i) =>
      "x".repeat(Math.min(step, stepsCharacters - i * step)),
    );
    const base = { title: "T", given: ["g"], when: ["w"], then: ["t"] };
    expect(acceptanceTestCreateSchema.safeParse({ ...base, given: full }).success).toBe(true);
    const over = acceptanceTestCreateSchema.safeParse({ ...base, when: [...full, "y"] });
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]).toMatchObject({
      path: ["when"],
      message: expect.stringContaining("characters in all"),
    });
    expect(acceptanceTestUpdateSchema.safeParse({ then: [...full, "y"] }).success).toBe(false);
  });

  const steps = { given: ["a"], when: ["b"], then: ["c"] };

  it("defaults the status to Draft", () => {
    expect(acceptanceTestCreateSchema.parse({ title: " T ", ...steps })).toEqual({
      title: "T",
      ...steps,
      status: "Draft",
    });
  });

  it("names the missing step", () => {
    const result = acceptanceTestCreateSchema.safeParse({ title: "T", given: [], when: [], then: [] });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      "needs at least one Given step",
      "needs at least one When step",
      "needs at least one Then step",
    ]);
  });

  it.each([
    ["no title", { ...steps }],
    ["a multi-line title", { title: "a\nb", ...steps }],
    ["a missing then", { title: "T", given: ["a"], when: ["b"] }],
    ["a multi-line step", { title: "T", ...steps, when: ["b\nc"] }],
    ["an empty step", { title: "T", ...steps, then: [" "] }],
    ["a step of 1,001 characters", { title: "T", ...steps, given: ["g".repeat(1_001)] }],
    ["31 steps", { title: "T", ...steps, given: Array.from({ length: 31 }, () => "g") }],
    ["steps as a string", { title: "T", ...steps, given: "a" }],
    ["an unknown status", { title: "T", ...steps, status: "Passed" }],
    ["an unknown field", { title: "T", ...steps, storyId: newId("story") }],
  ])("rejects %s", (_, input) => {
    expect(acceptanceTestCreateSchema.safeParse(input).success).toBe(false);
  });
});

describe("acceptanceTestUpdateSchema and acceptanceTestSchema", () => {
  it("accepts a partial update with an optional version", () => {
    expect(acceptanceTestUpdateSchema.parse({ status: "Pass" })).toEqual({ status: "Pass" });
    expect(acceptanceTestUpdateSchema.parse({ version: 2, then: ["d"] })).toEqual({
      version: 2,
      then: ["d"],
    });
  });

  it.each([
    ["no steps", { given: [] }],
    ["an unknown field", { id: newId("acceptanceTest") }],
    ["an empty title", { title: "" }],
    ["version 0", { version: 0 }],
  ])("the update rejects %s", (_, input) => {
    expect(acceptanceTestUpdateSchema.safeParse(input).success).toBe(false);
  });

  it("round-trips a stored acceptance test", () => {
    expect(acceptanceTestSchema.parse(JSON.parse(JSON.stringify(acceptanceTest)))).toEqual(acceptanceTest);
    expect(acceptanceTestSchema.safeParse({ ...acceptanceTest, storyId: newId("project") }).success).toBe(
      false,
    );
    expect(acceptanceTestSchema.safeParse({ ...acceptanceTest, extra: 1 }).success).toBe(false);
  });
});

describe("dependency schemas", () => {
  it("take story ids only", () => {
    const dependsOnId = newId("story");
    expect(dependencyCreateSchema.parse({ dependsOnId })).toEqual({ dependsOnId });
    expect(dependencyCreateSchema.safeParse({ dependsOnId: newId("task") }).success).toBe(false);
    expect(dependencyCreateSchema.safeParse({ dependsOnId, storyId: story.id }).success).toBe(false);
    const dependency = { storyId: story.id, dependsOnId, createdAt: at };
    expect(dependencySchema.parse(dependency)).toEqual(dependency);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkStoryStatusChange,
  type StoryStatusChange,
  storyStatusAfterMerge,
  storyStatusForPullRequest,
} from "./story-status.ts";
import { type AcceptanceTestStatus, type StoryStatus, storyStatuses } from "./values.ts";

const written = {
  title: "Export stories",
  asA: "product owner",
  iWant: "a CSV export",
  soThat: "I can report",
};
const tests = (...statuses: AcceptanceTestStatus[]) => statuses.map((status) => ({ status }));
const stories = (...statuses: StoryStatus[]) => statuses.map((status) => ({ status }));

function change(to: StoryStatus, overrides: Partial<StoryStatusChange> = {}): StoryStatusChange {
  return {
    story: { ...written, status: "Draft" },
    to,
    acceptanceTests: tests("Draft"),
    children: [],
    ...overrides,
  };
}

const problems = (input: StoryStatusChange) => {
  const result = checkStoryStatusChange(input);
  return result.ok ? [] : result.problems;
};

describe("checkStoryStatusChange", () => {
  it("allows a change that meets every rule", () => {
    expect(checkStoryStatusChange(change("Ready"))).toEqual({ ok: true });
  });

  describe("to Ready", () => {
    it("needs As a, I want and So that filled in", () => {
      const story = { ...written, status: "Draft" as const, asA: "", iWant: "  ", soThat: "" };
      expect(problems(change("Ready", { story }))).toEqual([
        'Fill in "As a" before marking the story Ready.',
        'Fill in "I want" before marking the story Ready.',
        'Fill in "So that" before marking the story Ready.',
      ]);
    });

    it("needs at least one acceptance test", () => {
      expect(problems(change("Ready", { acceptanceTests: [] }))).toEqual([
        "Add at least one acceptance test before marking the story Ready.",
      ]);
    });

    it("reports every problem at once", () => {
      const story = { ...written, status: "Draft" as const, soThat: "" };
      expect(problems(change("Ready", { story, acceptanceTests: [] }))).toHaveLength(2);
    });
  });

  describe("to In Progress", () => {
    it("needs at least one acceptance test", () => {
      expect(problems(change("In Progress", { acceptanceTests: [] }))).toEqual([
        "Add at least one acceptance test before marking the story In Progress.",
      ]);
      expect(problems(change("In Progress"))).toEqual([]);
    });

    it("does not need the story's text to be complete", () => {
      const story = { ...written, status: "Ready" as const, asA: "" };
      expect(problems(change("In Progress", { story }))).toEqual([]);
    });

    it("needs the stories it depends on to be Done, when they are given", () => {
      expect(problems(change("In Progress", { dependencies: stories("Done", "Ready", "Blocked") }))).toEqual([
        "Finish the 2 stories it depends on before marking the story In Progress.",
      ]);
      expect(problems(change("In Progress", { dependencies: stories("Done") }))).toEqual([]);
    });
  });

  describe("to Done", () => {
    it("needs every child story Done", () => {
      expect(problems(change("Done", { children: stories("Done", "In Progress") }))).toEqual([
        "Finish the 1 child story that is not Done before marking the story Done.",
      ]);
      expect(problems(change("Done", { children: stories("Ready", "Draft") }))).toEqual([
        "Finish the 2 child stories that are not Done before marking the story Done.",
      ]);
      expect(problems(change("Done", { children: stories("Done", "Done") }))).toEqual([]);
    });

    it("needs no failing acceptance test", () => {
      expect(problems(change("Done", { acceptanceTests: tests("Pass", "Fail") }))).toEqual([
        "Fix the 1 failing acceptance test before marking the story Done.",
      ]);
      expect(problems(change("Done", { acceptanceTests: tests("Pass", "Draft") }))).toEqual([]);
      expect(problems(change("Done", { acceptanceTests: [] }))).toEqual([]);
    });

    it("needs every acceptance test Pass when the project requires passing tests (issue 17)", () => {
      const strict = { requirePassingTests: true };
      expect(
        problems(change("Done", { ...strict, acceptanceTests: tests("Pass", "Draft", "Fail") })),
      ).toEqual([
        "This project requires every acceptance test Pass: get the 2 acceptance tests that are not Pass (1 failing, 1 Draft or Ready) to Pass before marking the story Done.",
      ]);
      expect(problems(change("Done", { ...strict, acceptanceTests: tests("Ready") }))).toHaveLength(1);
      expect(problems(change("Done", { ...strict, acceptanceTests: tests("Pass", "Pass") }))).toEqual([]);
    });

    it("needs the stories it depends on to be Done, when they are given", () => {
      expect(problems(change("Done", { dependencies: stories("Ready") }))).toEqual([
        "Finish the 1 story it depends on before marking the story Done.",
      ]);
    });
  });

  it("always allows Draft, Review and Blocked", () => {
    const story = { title: "x", asA: "", iWant: "", soThat: "", status: "In Progress" as const };
    for (const to of ["Draft", "Review", "Blocked"] as const) {
      const input = {
        story,
        to,
        acceptanceTests: tests("Fail"),
        children: stories("Draft"),
        dependencies: stories("Draft"),
      };
      expect(checkStoryStatusChange(input)).toEqual({ ok: true });
    }
  });

  it("always allows staying in the same status", () => {
    fc.assert(
      fc.property(fc.constantFrom(...storyStatuses), (status) => {
        const story = { title: "x", asA: "", iWant: "", soThat: "", status };
        const input = { story, to: status, acceptanceTests: tests("Fail"), children: stories("Draft") };
        expect(checkStoryStatusChange(input)).toEqual({ ok: true });
      }),
    );
  });

  it("reports problems as sentences that name the target status", () => {
    const testStatus = fc.constantFrom<AcceptanceTestStatus>("Draft", "Ready", "Pass", "Fail");
    const storyStatus = fc.constantFrom(...storyStatuses);
    fc.assert(
      fc.property(
        fc.record({
          story: fc.record({
            title: fc.constantFrom("", "Title"),
            asA: fc.constantFrom("", " ", "user"),
            iWant: fc.constantFrom("", "a thing"),
            soThat: fc.constantFrom("", "value"),
            status: storyStatus,
          }),
          to: storyStatus,
          acceptanceTests: fc.array(
            testStatus.map((status) => ({ status })),
            { maxLength: 3 },
          ),
          children: fc.array(
            storyStatus.map((status) => ({ status })),
            { maxLength: 3 },
          ),
        }),
        (input) => {
          const result = checkStoryStatusChange(input);
          if (result.ok) return;
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) expect(problem).toMatch(new RegExp(`story ${input.to}\\.$`));
        },
      ),
    );
  });
});

describe("storyStatusAfterMerge", () => {
  const merged = (overrides: Partial<StoryStatusChange> = {}) => {
    const { to: _to, ...rest } = change("Done", {
      story: { ...written, status: "In Progress" },
      ...overrides,
    });
    return storyStatusAfterMerge(rest);
  };

  it("is Done when the rules allow it", () => {
    expect(merged({ requirePassingTests: true, acceptanceTests: tests("Pass") })).toEqual({
      status: "Done",
      reason: null,
    });
    expect(merged({ requirePassingTests: false, acceptanceTests: tests("Draft") })).toEqual({
      status: "Done",
      reason: null,
    });
  });

  it("is Review with the reason when a test is not Pass and the project requires it", () => {
    const after = merged({ requirePassingTests: true, acceptanceTests: tests("Pass", "Draft") });
    expect(after.status).toBe("Review");
    expect(after.reason).toMatch(/1 acceptance test that is not Pass \(0 failing, 1 Draft or Ready\)/);
  });

  it("is Review when a child story is not Done, and leaves a Done story Done", () => {
    expect(merged({ children: stories("Ready") }).status).toBe("Review");
    expect(merged({ story: { ...written, status: "Done" }, acceptanceTests: tests("Fail") })).toEqual({
      status: "Done",
      reason: null,
    });
  });
});

describe("storyStatusForPullRequest", () => {
  it("starts the story when the pull request opens, unless it is Done", () => {
    expect(storyStatusForPullRequest("opened", "Ready")).toBe("In Progress");
    expect(storyStatusForPullRequest("opened", "Draft")).toBe("In Progress");
    expect(storyStatusForPullRequest("opened", "Blocked")).toBe("In Progress");
    expect(storyStatusForPullRequest("opened", "Done")).toBe("Done");
  });

  it("finishes the story when the pull request merges", () => {
    for (const status of storyStatuses) expect(storyStatusForPullRequest("merged", status)).toBe("Done");
  });

  it("hands an In Progress story back to Ready when the pull request closes unmerged", () => {
    expect(storyStatusForPullRequest("closed", "In Progress")).toBe("Ready");
    for (const status of storyStatuses.filter((s) => s !== "In Progress")) {
      expect(storyStatusForPullRequest("closed", status)).toBe(status);
    }
  });
});

/**
 * @module story-status: when a story may change status, and how its pull request moves it.
 */
import type { AcceptanceTest, Story } from "./story.ts";
import type { StoryStatus } from "./values.ts";

export interface StoryStatusChange {
  story: Pick<Story, "status" | "asA" | "iWant" | "soThat" | "title">;
  to: StoryStatus;
  acceptanceTests: readonly Pick<AcceptanceTest, "status">[];
  /** The story's direct children. */
  children: readonly Pick<Story, "status">[];
  /** The stories this one depends on; when given, they must be Done before it starts or finishes. */
  dependencies?: readonly Pick<Story, "status">[];
  /** The project's `doneRequiresPassingTests`: Done then needs every acceptance test Pass, not just none failing. */
  requirePassingTests?: boolean;
}

export type StoryStatusCheck = { ok: true } | { ok: false; problems: string[] };

/** What a pull request did, as GitHub's webhook reports it; `closed` means closed without merging. */
export type StoryPullRequestEvent = "opened" | "merged" | "closed";

const storyFields = [
  ["title", "the title"],
  ["asA", '"As a"'],
  ["iWant", '"I want"'],
  ["soThat", '"So that"'],
] as const;

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Problems with the story's text and tests that keep it from being Ready. */
function readinessProblems(change: StoryStatusChange): string[] {
  const problems: string[] = [];
  for (const [field, label] of storyFields) {
    if (change.story[field].trim() === "") problems.push(`Fill in ${label} before marking the story Ready.`);
  }
  if (change.acceptanceTests.length === 0) {
    problems.push("Add at least one acceptance test before marking the story Ready.");
  }
  return problems;
}

function dependencyProblems(change: StoryStatusChange): string[] {
  const waiting = (change.dependencies ?? []).filter((dependency) => dependency.status !== "Done").length;
  if (waiting === 0) return [];
  const stories = count(waiting, "story it depends on", "stories it depends on");
  return [`Finish the ${stories} before marking the story ${change.to}.`];
}

/**
 * Checks a change of a story's status against the story rules:
 * - Ready needs "As a", "I want", "So that" (and a title) filled in and at least one acceptance test;
 * - In Progress needs at least one acceptance test;
 * - Done needs every child story Done and no failing acceptance test, or with `requirePassingTests`
 *   every acceptance test Pass;
 * - In Progress and Done need every story it depends on Done, when `dependencies` are given;
 * - Draft, Blocked and staying in the same status are always allowed.
 * Each problem is a sentence that says what to do.
 *
 * @example
 * checkStoryStatusChange({ story, to: "Ready", acceptanceTests: [], children: [] })
 * // { ok: false, problems: ["Add at least one acceptance test before marking the story Ready."] }
 */
export function checkStoryStatusChange(change: StoryStatusChange): StoryStatusCheck {
  const problems = statusProblems(change);
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

function statusProblems(change: StoryStatusChange): string[] {
  if (change.to === change.story.status) return [];
  switch (change.to) {
    case "Draft":
    case "Review":
    case "Blocked":
      return [];
    case "Ready":
      return readinessProblems(change);
    case "In Progress": {
      const problems =
        change.acceptanceTests.length === 0
          ? ["Add at least one acceptance test before marking the story In Progress."]
          : [];
      return [...problems, ...dependencyProblems(change)];
    }
    case "Done": {
      const problems: string[] = [];
      const openChildren = change.children.filter((child) => child.status !== "Done").length;
      if (openChildren > 0) {
        const children = count(openChildren, "child story that is", "child stories that are");
        problems.push(`Finish the ${children} not Done before marking the story Done.`);
      }
      const failing = change.acceptanceTests.filter((test) => test.status === "Fail").length;
      const unproven = change.acceptanceTests.filter(
        (test) => test.status !== "Pass" && test.status !== "Fail",
      ).length;
      if (change.requirePassingTests && failing + unproven > 0) {
        const tests = count(failing + unproven, "acceptance test that is", "acceptance tests that are");
        problems.push(
          `This project requires every acceptance test Pass: get the ${tests} not Pass (${failing} failing, ${unproven} Draft or Ready) to Pass before marking the story Done.`,
        );
      } else if (failing > 0) {
        const tests = count(failing, "failing acceptance test", "failing acceptance tests");
        problems.push(`Fix the ${tests} before marking the story Done.`);
      }
      return [...problems, ...dependencyProblems(change)];
    }
  }
}

/**
 * The status a story takes when its pull request changes: opening it starts the work (a Done story
 * stays Done), merging it finishes the work, and closing it unmerged hands an In Progress story back
 * to Ready while leaving any other status alone.
 *
 * @example storyStatusForPullRequest("merged", "In Progress") // "Done"
 */
export function storyStatusForPullRequest(event: StoryPullRequestEvent, current: StoryStatus): StoryStatus {
  switch (event) {
    case "opened":
      return current === "Done" ? current : "In Progress";
    case "merged":
      return "Done";
    case "closed":
      return current === "In Progress" ? "Ready" : current;
  }
}

/**
 * Why a story is not ready for Generate Code & PR: the agent works from "I want" and proves the
 * work with the acceptance tests, and the story rules for In Progress (its dependencies Done) hold
 * as for a move by hand. Empty when it is ready; an editor may generate anyway (`force`).
 *
 * @example generationProblems({ story, acceptanceTests: [], dependencies: [] })
 * // ["Add at least one acceptance test: the agent proves its work with them."]
 */
export function generationProblems(input: {
  story: StoryStatusChange["story"];
  acceptanceTests: StoryStatusChange["acceptanceTests"];
  dependencies: readonly Pick<Story, "status">[];
}): string[] {
  const problems: string[] = [];
  if (input.story.iWant.trim() === "") problems.push('Fill in "I want": the agent works from it.');
  if (input.acceptanceTests.length === 0)
    problems.push("Add at least one acceptance test: the agent proves its work with them.");
  const waiting = input.dependencies.filter((dependency) => dependency.status !== "Done").length;
  if (waiting > 0)
    problems.push(
      `Finish the ${count(waiting, "story it depends on", "stories it depends on")} first: the work builds on them.`,
    );
  return problems;
}

/** Where a merge leaves a story: its status and, for Review, why it is not Done. */
export interface StoryStatusAfterMerge {
  status: StoryStatus;
  reason: string | null;
}

/**
 * The status a story takes when its pull request is merged: Done when the story rules allow it
 * (with the project's `requirePassingTests`), else Review with the rules' problems as the reason.
 * A Done story stays Done.
 *
 * @example storyStatusAfterMerge({ story, to: "Done", acceptanceTests: [{ status: "Draft" }], children: [], requirePassingTests: true })
 * // { status: "Review", reason: "This project requires every acceptance test Pass: get the 1 ..." }
 */
export function storyStatusAfterMerge(change: Omit<StoryStatusChange, "to">): StoryStatusAfterMerge {
  if (change.story.status === "Done") return { status: "Done", reason: null };
  const check = checkStoryStatusChange({ ...change, to: "Done" });
  return check.ok ? { status: "Done", reason: null } : { status: "Review", reason: check.problems.join(" ") };
}

import { type AcceptanceTest, newId, type Story } from "@aipm/shared";
import type { ProjectContents } from "@aipm/store";
import { describe, expect, it } from "vitest";
import { projectOutline } from "./outline.ts";
import { matrixCsv, matrixMarkdown, matrixRows, taskIdsOf, withPullRequests } from "./traceability.ts";

const projectId = newId("project");
const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 9, n)).toISOString();

function story(
  title: string,
  parentId: string | null,
  createdMinute: number,
  extra: Partial<Story> = {},
): Story {
  return {
    id: newId("story"),
    projectId,
    parentId,
    title,
    asA: "",
    iWant: "",
    soThat: "",
    description: "",
    components: [],
    storyPoints: null,
    assignee: "",
    status: "Draft",
    createdAt: minute(createdMinute),
    updatedAt: minute(createdMinute),
    version: 1,
    ...extra,
  };
}

function test(
  storyId: string,
  title: string,
  createdMinute: number,
  extra: Partial<AcceptanceTest> = {},
): AcceptanceTest {
  return {
    id: newId("acceptanceTest"),
    storyId,
    title,
    given: ["a"],
    when: ["b"],
    then: ["c"],
    status: "Ready",
    createdAt: minute(createdMinute),
    updatedAt: minute(createdMinute),
    version: 1,
    ...extra,
  };
}

/** Checkout (Pay by card (Declined), Wallets) and Search, created out of outline order. */
function sample() {
  const checkout = story("Checkout", null, 0);
  const search = story("Search", null, 1, { status: "Done" });
  const wallets = story("Wallets", checkout.id, 3);
  const card = story("Pay by card", checkout.id, 2, { status: "In Progress" });
  const declined = story("Declined", card.id, 4);
  const taskId = newId("task");
  const run = (result: "Pass" | "Fail") => ({ taskId, commit: "c".repeat(40), at: minute(30), result });
  const tests = [
    test(card.id, "Card charged", 6, { status: "Pass", lastRun: run("Pass") }),
    test(card.id, "Amount shown", 5),
    test(declined.id, "Reason shown", 7, { status: "Fail", lastRun: run("Fail") }),
    test(search.id, "Finds by name", 8),
  ];
  const contents: ProjectContents = {
    stories: [declined, wallets, search, card, checkout],
    acceptanceTests: tests,
    dependencies: [],
  };
  return { contents, checkout, search, wallets, card, declined, taskId };
}

describe("projectOutline", () => {
  it("puts parents before children and siblings in creation order, numbered, with their tests oldest first", () => {
    const { contents } = sample();
    const outline = projectOutline(contents) ?? [];
    expect(
      outline.map(
        (entry) => `${entry.number} ${entry.path.join(" > ")} [${entry.tests.map((t) => t.title)}]`,
      ),
    ).toEqual([
      "1 Checkout []",
      "1.1 Checkout > Pay by card [Amount shown,Card charged]",
      "1.1.1 Checkout > Pay by card > Declined [Reason shown]",
      "1.2 Checkout > Wallets []",
      "2 Search [Finds by name]",
    ]);
    expect(outline.map((entry) => entry.depth)).toEqual([0, 1, 2, 1, 0]);
  });

  it("orders siblings created in the same instant by id", () => {
    const parent = story("Parent", null, 0);
    const [first, second] = [story("B", parent.id, 1), story("A", parent.id, 1)];
    const outline =
      projectOutline({ stories: [second, parent, first], acceptanceTests: [], dependencies: [] }) ?? [];
    expect(outline.map((entry) => entry.story.title)).toEqual(["Parent", "B", "A"]);
  });

  it("numbers a subtree from its root and keeps the path from the project's root; null for an unknown story", () => {
    const { contents, card } = sample();
    const outline = projectOutline(contents, card.id) ?? [];
    expect(outline.map((entry) => [entry.number, entry.path])).toEqual([
      ["1", ["Checkout", "Pay by card"]],
      ["1.1", ["Checkout", "Pay by card", "Declined"]],
    ]);
    expect(projectOutline(contents, newId("story"))).toBeNull();
  });
});

describe("matrixRows", () => {
  const rowsOf = (filters = {}) => {
    const { contents } = sample();
    return matrixRows(projectOutline(contents) ?? [], filters).map(
      (row) => `${row.storyPath.at(-1)}: ${row.testTitle ?? "-"} (${row.lastResult ?? "none"})`,
    );
  };

  it("has a row per test and a row without a test for a story with none", () => {
    expect(rowsOf()).toEqual([
      "Checkout: - (none)",
      "Pay by card: Amount shown (none)",
      "Pay by card: Card charged (Pass)",
      "Declined: Reason shown (Fail)",
      "Wallets: - (none)",
      "Search: Finds by name (none)",
    ]);
  });

  it("filters by the story's status, the last result and text in a title or the path", () => {
    expect(rowsOf({ storyStatus: "Done" })).toEqual(["Search: Finds by name (none)"]);
    expect(rowsOf({ result: "Fail" })).toEqual(["Declined: Reason shown (Fail)"]);
    expect(rowsOf({ result: "none" })).toHaveLength(4);
    expect(rowsOf({ q: "CARD" })).toEqual([
      "Pay by card: Amount shown (none)",
      "Pay by card: Card charged (Pass)",
      "Declined: Reason shown (Fail)",
    ]);
    expect(rowsOf({ q: "shown" })).toEqual([
      "Pay by card: Amount shown (none)",
      "Declined: Reason shown (Fail)",
    ]);
  });

  it("adds each last run's pull request from its task, never from another project's task", () => {
    const { contents, taskId } = sample();
    const rows = matrixRows(projectOutline(contents) ?? []);
    expect(taskIdsOf(rows)).toEqual([taskId]);
    const pullRequest = { number: 12, url: "https://github.com/acme/shop/pull/12" };
    const filled = withPullRequests(rows, [{ id: taskId, projectId, pullRequest }], projectId);
    expect(filled.filter((row) => row.pullRequest).map((row) => row.testTitle)).toEqual([
      "Card charged",
      "Reason shown",
    ]);
    const foreign = withPullRequests(
      rows,
      [{ id: taskId, projectId: newId("project"), pullRequest }],
      projectId,
    );
    expect(foreign.some((row) => row.pullRequest)).toBe(false);
  });
});

describe("the matrix as CSV and Markdown", () => {
  it("writes a header row and a line per row, formula-safe; Markdown escapes pipes and links the pull request", () => {
    const parent = story("=cmd|' /C calc'!A0", null, 0);
    const child = story("Refunds | returns", parent.id, 1);
    const taskId = newId("task");
    const runTest = test(child.id, '-1 shown, "quoted"', 2, {
      status: "Pass",
      lastRun: { taskId, commit: "d".repeat(40), at: minute(9), result: "Pass" },
    });
    const rows = withPullRequests(
      matrixRows(
        projectOutline({ stories: [parent, child], acceptanceTests: [runTest], dependencies: [] }) ?? [],
      ),
      [{ id: taskId, projectId, pullRequest: { number: 4, url: "https://github.com/acme/shop/pull/4" } }],
      projectId,
    );
    const matrix = { projectId, generatedAt: minute(10), rows };
    const lines = matrixCsv(matrix).split("\r\n");
    expect(lines[0]).toBe(
      "Story path,Story ID,Story status,Test ID,Test title,Test status,Last result,Last run at,Task ID,Pull request,Pull request URL,Commit",
    );
    expect(lines[1]).toBe(`'=cmd|' /C calc'!A0,${parent.id},Draft,,,,,,,,,`);
    expect(lines[2]).toBe(
      `'=cmd|' /C calc'!A0 > Refunds | returns,${child.id},Draft,${runTest.id},"'-1 shown, ""quoted""",Pass,Pass,${minute(9)},${taskId},4,https://github.com/acme/shop/pull/4,${"d".repeat(40)}`,
    );
    expect(lines.slice(3)).toEqual([""]);

    const markdown = matrixMarkdown(matrix).split("\n");
    expect(markdown[0]).toBe(
      "| Story | Story status | Acceptance test | Test status | Last result | Last run | Task | Pull request | Commit |",
    );
    expect(markdown[2]).toBe(
      `| =cmd\\|' /C calc'!A0 | Draft | (no acceptance test) |   |   |   |   |   |   |`,
    );
    expect(markdown[3]).toBe(
      `| =cmd\\|' /C calc'!A0 \\> Refunds \\| returns | Draft | -1 shown, "quoted" | Pass | Pass | ${minute(9)} | \`${taskId}\` | [#4](https://github.com/acme/shop/pull/4) | \`dddddddddddd\` |`,
    );
  });
});

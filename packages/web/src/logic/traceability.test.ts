import { describe, expect, it } from "vitest";
import type { TraceabilityRow } from "../domain.ts";
import {
  filterMatrix,
  isFilteringMatrix,
  matrixQuery,
  noMatrixFilters,
  tallyMatrix,
} from "./traceability.ts";

function row(storyId: string, changes: Partial<TraceabilityRow> = {}): TraceabilityRow {
  return {
    storyId,
    storyPath: ["Shop", `Story ${storyId}`],
    storyStatus: "Ready",
    testId: `act_${storyId}`,
    testTitle: `Test of ${storyId}`,
    testStatus: "Ready",
    lastResult: null,
    lastRunAt: null,
    taskId: null,
    pullRequest: null,
    commit: null,
    ...changes,
  };
}

const rows = [
  row("a", { lastResult: "Pass", testStatus: "Pass", taskId: "tsk_1", storyStatus: "Done" }),
  row("a", { testId: "act_a2", testTitle: "Card declined", lastResult: "Fail", testStatus: "Fail" }),
  row("b", { storyPath: ["Shop", "Checkout", "Pay by invoice"], storyStatus: "In Progress" }),
  row("c", { testId: null, testTitle: null, testStatus: null }),
];
const ids = (list: TraceabilityRow[]) => list.map((r) => `${r.storyId}:${r.testId ?? "-"}`);

describe("filterMatrix", () => {
  it("keeps every row, in order, without filters", () => {
    expect(filterMatrix(rows, noMatrixFilters, new Set())).toEqual(rows);
    expect(isFilteringMatrix(noMatrixFilters)).toBe(false);
    expect(isFilteringMatrix({ ...noMatrixFilters, q: "  " })).toBe(false);
  });

  it("picks rows by last result: Pass, Fail, or never run (untested stories included)", () => {
    expect(ids(filterMatrix(rows, { ...noMatrixFilters, result: "Pass" }, new Set()))).toEqual(["a:act_a"]);
    expect(ids(filterMatrix(rows, { ...noMatrixFilters, result: "Fail" }, new Set()))).toEqual(["a:act_a2"]);
    expect(ids(filterMatrix(rows, { ...noMatrixFilters, result: "none" }, new Set()))).toEqual([
      "b:act_b",
      "c:-",
    ]);
  });

  it("picks rows by the story's status and by the story and those under it", () => {
    expect(ids(filterMatrix(rows, { ...noMatrixFilters, storyStatus: "Done" }, new Set()))).toEqual([
      "a:act_a",
    ]);
    const subtree = new Set(["b", "c"]);
    expect(ids(filterMatrix(rows, { ...noMatrixFilters, storyId: "b" }, subtree))).toEqual([
      "b:act_b",
      "c:-",
    ]);
  });

  it("finds text in any title of the story's path or the test's title, in any case, as the API does", () => {
    const find = (q: string) => ids(filterMatrix(rows, { ...noMatrixFilters, q }, new Set()));
    expect(find("checkout")).toEqual(["b:act_b"]);
    expect(find(" DECLINED ")).toEqual(["a:act_a2"]);
    expect(find("test of c")).toEqual([]);
    expect(find("tsk_1")).toEqual([]);
    expect(find("shop")).toHaveLength(4);
  });

  it("applies every filter set at once", () => {
    const filters = { storyId: "a", storyStatus: "Ready", result: "Fail", q: "card" } as const;
    expect(ids(filterMatrix(rows, filters, new Set(["a"])))).toEqual(["a:act_a2"]);
  });
});

describe("matrixQuery", () => {
  it("names only the filters set, trimmed, and the format", () => {
    expect(matrixQuery(noMatrixFilters)).toBe("");
    expect(matrixQuery(noMatrixFilters, "csv")).toBe("?format=csv");
    expect(
      matrixQuery(
        { storyId: "sty_1", storyStatus: "In Progress", result: "none", q: " pay & go " },
        "markdown",
      ),
    ).toBe("?storyId=sty_1&storyStatus=In+Progress&result=none&q=pay+%26+go&format=markdown");
  });
});

describe("tallyMatrix", () => {
  it("counts stories, tests by last result and stories without a test", () => {
    expect(tallyMatrix(rows)).toEqual({ stories: 3, tests: 3, pass: 1, fail: 1, notRun: 1, untested: 1 });
    expect(tallyMatrix([])).toEqual({ stories: 0, tests: 0, pass: 0, fail: 0, notRun: 0, untested: 0 });
  });
});

/**
 * @module logic/traceability: which rows of the traceability matrix the view shows for its filters
 * (the same filters the API applies to the CSV and Markdown it writes), and their tally.
 */
import type { StoryStatus, TraceabilityRow } from "../domain.ts";

/** "none" picks tests never run, and stories without a test. */
export type ResultFilter = "" | "Pass" | "Fail" | "none";

/** "" or null means any. */
export interface MatrixFilters {
  /** A story: its rows and those of every story under it. */
  storyId: string | null;
  storyStatus: StoryStatus | "";
  result: ResultFilter;
  /** Text in a story title of the row's path or in the test's title, in any case. */
  q: string;
}

export const noMatrixFilters: MatrixFilters = { storyId: null, storyStatus: "", result: "", q: "" };

export function isFilteringMatrix(filters: MatrixFilters): boolean {
  return (
    filters.storyId !== null || filters.storyStatus !== "" || filters.result !== "" || filters.q.trim() !== ""
  );
}

function matchesText(row: TraceabilityRow, text: string): boolean {
  if (text === "") return true;
  const lower = text.toLowerCase();
  return (
    row.storyPath.some((title) => title.toLowerCase().includes(lower)) ||
    (row.testTitle ?? "").toLowerCase().includes(lower)
  );
}

/**
 * The rows that pass every filter set, in the matrix's order: the rows the API answers for the same
 * filters (so a download holds what the view shows). `subtree` holds the ids of the filter's story
 * and the stories under it (the view knows the tree; the rows alone do not).
 *
 * @example filterMatrix(matrix.rows, { ...noMatrixFilters, result: "Fail" }, new Set())
 */
export function filterMatrix(
  rows: readonly TraceabilityRow[],
  filters: MatrixFilters,
  subtree: ReadonlySet<string>,
): TraceabilityRow[] {
  if (!isFilteringMatrix(filters)) return [...rows];
  const text = filters.q.trim();
  return rows.filter(
    (row) =>
      (filters.storyId === null || subtree.has(row.storyId)) &&
      (filters.storyStatus === "" || row.storyStatus === filters.storyStatus) &&
      (filters.result === "" ||
        (filters.result === "none" ? row.lastResult === null : row.lastResult === filters.result)) &&
      matchesText(row, text),
  );
}

/**
 * The query string that asks the API for the same rows, optionally as a file.
 *
 * @example matrixQuery({ ...noMatrixFilters, result: "Fail" }, "csv") // "?result=Fail&format=csv"
 */
export function matrixQuery(filters: MatrixFilters, format?: "csv" | "markdown"): string {
  const params = new URLSearchParams();
  if (filters.storyId !== null) params.set("storyId", filters.storyId);
  if (filters.storyStatus !== "") params.set("storyStatus", filters.storyStatus);
  if (filters.result !== "") params.set("result", filters.result);
  if (filters.q.trim() !== "") params.set("q", filters.q.trim());
  if (format) params.set("format", format);
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

export interface MatrixTally {
  stories: number;
  tests: number;
  pass: number;
  fail: number;
  /** Tests never run. */
  notRun: number;
  /** Stories without an acceptance test. */
  untested: number;
}

/** What the rows hold: stories, tests by last result, and stories nothing tests. */
export function tallyMatrix(rows: readonly TraceabilityRow[]): MatrixTally {
  const stories = new Set<string>();
  const tally = { stories: 0, tests: 0, pass: 0, fail: 0, notRun: 0, untested: 0 };
  for (const row of rows) {
    stories.add(row.storyId);
    if (row.testId === null) tally.untested += 1;
    else {
      tally.tests += 1;
      if (row.lastResult === "Pass") tally.pass += 1;
      else if (row.lastResult === "Fail") tally.fail += 1;
      else tally.notRun += 1;
    }
  }
  return { ...tally, stories: stories.size };
}

/**
 * @module reports/traceability: the requirements traceability matrix (story → acceptance test →
 * last result → task and pull request → commit), its filters, and the matrix as CSV and Markdown.
 */
import type { CodeGenerationTask, StoryStatus, TraceabilityMatrix, TraceabilityRow } from "@aipm/shared";
import { csvDocument } from "./csv.ts";
import { markdownInline, markdownLink, markdownTable } from "./markdown.ts";
import type { OutlineEntry } from "./outline.ts";

/** What the matrix may be narrowed to; each filter left out keeps every row. */
export interface TraceabilityFilters {
  storyStatus?: StoryStatus | undefined;
  /** The last run's result; `none` for rows with none (never run, or no test). */
  result?: "Pass" | "Fail" | "none" | undefined;
  /** Text in a test's title or in a title of the story's path, in any case. */
  q?: string | undefined;
}

/** The story titles of a path as one cell. */
const PATH_SEPARATOR = " > ";

/**
 * The rows of the outline that pass the filters, in outline order: one per acceptance test, and
 * one with no test for a story that has none. Pull requests are left null: they belong to tasks,
 * which `withPullRequests` adds once the rows say which tasks are needed.
 *
 * @example matrixRows(projectOutline(contents) ?? [], { result: "Fail" })
 */
export function matrixRows(
  outline: readonly OutlineEntry[],
  filters: TraceabilityFilters = {},
): TraceabilityRow[] {
  const needle = filters.q?.trim().toLowerCase() ?? "";
  const rows: TraceabilityRow[] = [];
  for (const { story, path, tests } of outline) {
    if (filters.storyStatus && story.status !== filters.storyStatus) continue;
    const storyCells = { storyId: story.id, storyPath: path, storyStatus: story.status };
    const pathMatches = needle !== "" && path.some((title) => title.toLowerCase().includes(needle));
    const candidates: TraceabilityRow[] =
      tests.length === 0
        ? [
            {
              ...storyCells,
              testId: null,
              testTitle: null,
              testStatus: null,
              lastResult: null,
              lastRunAt: null,
              taskId: null,
              pullRequest: null,
              commit: null,
            },
          ]
        : tests.map((test) => ({
            ...storyCells,
            testId: test.id,
            testTitle: test.title,
            testStatus: test.status,
            lastResult: test.lastRun?.result ?? null,
            lastRunAt: test.lastRun?.at ?? null,
            taskId: test.lastRun?.taskId ?? null,
            pullRequest: null,
            commit: test.lastRun?.commit ?? null,
          }));
    for (const row of candidates) {
      if (filters.result && (row.lastResult ?? "none") !== filters.result) continue;
      if (needle !== "" && !pathMatches && !row.testTitle?.toLowerCase().includes(needle)) continue;
      rows.push(row);
    }
  }
  return rows;
}

/** The distinct tasks the rows' last runs name. */
export function taskIdsOf(rows: readonly TraceabilityRow[]): string[] {
  return [...new Set(rows.flatMap((row) => (row.taskId ? [row.taskId] : [])))];
}

/** The rows with each last run's pull request, from its task (a task of another project counts as none). */
export function withPullRequests(
  rows: readonly TraceabilityRow[],
  tasks: readonly Pick<CodeGenerationTask, "id" | "projectId" | "pullRequest">[],
  projectId: string,
): TraceabilityRow[] {
  const pullRequests = new Map(
    tasks.filter((task) => task.projectId === projectId).map((task) => [task.id, task.pullRequest]),
  );
  return rows.map((row) => ({ ...row, pullRequest: (row.taskId && pullRequests.get(row.taskId)) || null }));
}

const CSV_HEADER = [
  "Story path",
  "Story ID",
  "Story status",
  "Test ID",
  "Test title",
  "Test status",
  "Last result",
  "Last run at",
  "Task ID",
  "Pull request",
  "Pull request URL",
  "Commit",
];

/** The matrix as CSV: a header row, then a row per matrix row (see csv.ts for quoting and formulas). */
export function matrixCsv(matrix: TraceabilityMatrix): string {
  return csvDocument(
    CSV_HEADER,
    matrix.rows.map((row) => [
      row.storyPath.join(PATH_SEPARATOR),
      row.storyId,
      row.storyStatus,
      row.testId,
      row.testTitle,
      row.testStatus,
      row.lastResult,
      row.lastRunAt,
      row.taskId,
      row.pullRequest?.number ?? null,
      row.pullRequest?.url ?? null,
      row.commit,
    ]),
  );
}

/** An id or commit as a code span: they hold letters, digits and `_` only, never a backtick. */
const code = (value: string | null) => (value && /^[A-Za-z0-9_]+$/.test(value) ? `\`${value}\`` : "");

/** The matrix as a Markdown table; every cell's text escaped, pull requests linked. */
export function matrixMarkdown(matrix: TraceabilityMatrix): string {
  return markdownTable(
    [
      "Story",
      "Story status",
      "Acceptance test",
      "Test status",
      "Last result",
      "Last run",
      "Task",
      "Pull request",
      "Commit",
    ],
    matrix.rows.map((row) => [
      markdownInline(row.storyPath.join(PATH_SEPARATOR)),
      markdownInline(row.storyStatus),
      markdownInline(row.testTitle ?? "(no acceptance test)"),
      markdownInline(row.testStatus ?? ""),
      markdownInline(row.lastResult ?? ""),
      markdownInline(row.lastRunAt ?? ""),
      code(row.taskId),
      row.pullRequest ? markdownLink(`#${row.pullRequest.number}`, row.pullRequest.url) : "",
      code(row.commit?.slice(0, 12) ?? null),
    ]),
  );
}

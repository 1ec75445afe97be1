/**
 * @module components/Traceability: the project's traceability matrix, one row per acceptance test
 * (and one per story without a test): the story with its path, the test, its last result, when it
 * ran, the pull request and the commit. Filters narrow it at once; the CSV and Markdown downloads
 * ask the API for the same rows. Only the rows in view are in the DOM, so 10,000 rows render as
 * fast as ten.
 */
import { collectSubtree } from "@aipm/shared/story-tree";
import { signal } from "@preact/signals";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { storyStatuses, type TraceabilityMatrix, type TraceabilityRow } from "../domain.ts";
import { fileStem, timeAgo } from "../logic/format.ts";
import { formatRoute } from "../logic/route.ts";
import {
  filterMatrix,
  isFilteringMatrix,
  type MatrixFilters,
  matrixQuery,
  noMatrixFilters,
  type ResultFilter,
  tallyMatrix,
} from "../logic/traceability.ts";
import { visibleWindow } from "../logic/virtual-list.ts";
import { errorMessage, reportError } from "../state/notices.ts";
import { api } from "../state/session.ts";
import { selectedStory, stories, storyById } from "../state/stories.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { saveFile } from "./save-file.ts";
import { useScrollArea } from "./use-scroll-area.ts";

/** Every row is this tall (see .matrix td in styles.css), which is what lets the table render only what is in view. */
const ROW_HEIGHT = 32;
const noStories: ReadonlySet<string> = new Set();

/** The filters, kept while the user looks at another view of the same project. */
const kept = signal<{ projectId: string; filters: MatrixFilters } | null>(null);
/**
 * The last matrix read, shown at once when the view opens again while a fresh one loads: a large
 * project's matrix is megabytes of JSON, and reading it again should not hold up the first frame.
 */
let lastRead: TraceabilityMatrix | null = null;

const count = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

export function Traceability({ projectId, projectName }: { projectId: string; projectName: string }) {
  const [matrix, setMatrix] = useState(lastRead?.projectId === projectId ? lastRead : null);
  const [failure, setFailure] = useState<string | null>(null);
  const [downloading, setDownloading] = useState<"csv" | "markdown" | null>(null);
  const filters = kept.value?.projectId === projectId ? kept.value.filters : noMatrixFilters;
  const setFilters = (change: Partial<MatrixFilters>) => {
    kept.value = { projectId, filters: { ...filters, ...change } };
  };

  const reading = useRef<AbortController | null>(null);
  const load = async () => {
    reading.current?.abort();
    const controller = new AbortController();
    reading.current = controller;
    setFailure(null);
    try {
      const read = await api.traceability(projectId, controller.signal);
      lastRead = read;
      setMatrix(read);
    } catch (error) {
      if (!controller.signal.aborted) setFailure(errorMessage(error));
    }
  };
  useEffect(() => {
    // A matrix read before shows at once; the current one is fetched once that frame is on screen.
    const later = setTimeout(() => void load(), 0);
    return () => {
      clearTimeout(later);
      // Leaving the view drops a read under way: parsing megabytes nobody will see would hold up the next view.
      reading.current?.abort();
    };
  }, [projectId]);

  const subtree = useMemo(
    () => (filters.storyId ? new Set(collectSubtree(stories.value, filters.storyId)) : noStories),
    [filters.storyId, stories.value],
  );
  const rows = useMemo(
    () => (matrix ? filterMatrix(matrix.rows, filters, subtree) : []),
    [matrix, filters, subtree],
  );
  const tally = useMemo(() => tallyMatrix(rows), [rows]);

  const download = async (format: "csv" | "markdown") => {
    setDownloading(format);
    try {
      const file = await api.download(
        `/api/projects/${encodeURIComponent(projectId)}/traceability${matrixQuery(filters, format)}`,
      );
      saveFile(
        file.blob,
        file.filename ?? `${fileStem(projectName)}-traceability.${format === "csv" ? "csv" : "md"}`,
      );
    } catch (error) {
      reportError(`The ${format === "csv" ? "CSV" : "Markdown"} could not be downloaded`, error);
    } finally {
      setDownloading(null);
    }
  };

  const selected = selectedStory.value;
  const scoped = filters.storyId ? storyById.value.get(filters.storyId) : undefined;
  const filtering = isFilteringMatrix(filters);

  return (
    <div class="traceability">
      <fieldset class="filters">
        <legend class="visually-hidden">Matrix filters</legend>
        <label>
          Search
          <input
            type="search"
            placeholder="Story or test title"
            value={filters.q}
            onInput={(event) => setFilters({ q: event.currentTarget.value })}
          />
        </label>
        <label>
          Story status
          <select
            value={filters.storyStatus}
            onChange={(event) =>
              setFilters({ storyStatus: event.currentTarget.value as MatrixFilters["storyStatus"] })
            }
          >
            <option value="">Any</option>
            {storyStatuses.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label>
          Last result
          <select
            value={filters.result}
            onChange={(event) => setFilters({ result: event.currentTarget.value as ResultFilter })}
          >
            <option value="">Any</option>
            <option value="Pass">Pass</option>
            <option value="Fail">Fail</option>
            <option value="none">Not run</option>
          </select>
        </label>
        <label>
          Stories
          <select
            value={filters.storyId ?? ""}
            onChange={(event) => setFilters({ storyId: event.currentTarget.value || null })}
          >
            <option value="">The whole project</option>
            {scoped && scoped.id !== selected?.id && (
              <option value={scoped.id}>“{scoped.title}” and below</option>
            )}
            {selected && <option value={selected.id}>“{selected.title}” and below</option>}
          </select>
        </label>
        {filtering && (
          <button type="button" onClick={() => (kept.value = { projectId, filters: noMatrixFilters })}>
            Clear filters
          </button>
        )}
      </fieldset>
      <div class="toolbar">
        <button type="button" disabled={downloading !== null} onClick={() => void download("csv")}>
          {downloading === "csv" ? "Downloading…" : "Download CSV"}
        </button>
        <button type="button" disabled={downloading !== null} onClick={() => void download("markdown")}>
          {downloading === "markdown" ? "Downloading…" : "Download Markdown"}
        </button>
        <button type="button" onClick={() => void load()}>
          Refresh matrix
        </button>
        {matrix && (
          <span class="hint" role="status">
            {filtering
              ? `${count(rows.length, "row")} of ${matrix.rows.length.toLocaleString("en")}`
              : count(rows.length, "row")}
            {" · "}
            {count(tally.stories, "story", "stories")} · {count(tally.tests, "test")}: {tally.pass} Pass,{" "}
            {tally.fail} Fail, {tally.notRun} not run · {count(tally.untested, "story", "stories")} without a
            test · generated {timeAgo(matrix.generatedAt)}
          </span>
        )}
      </div>
      {failure ? (
        <div class="error" role="alert">
          <p>The traceability matrix could not be loaded: {failure}</p>
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </div>
      ) : matrix ? (
        <MatrixTable projectId={projectId} rows={rows} selectedId={selected?.id ?? null} />
      ) : (
        <p class="loading">Loading the traceability matrix…</p>
      )}
    </div>
  );
}

function MatrixTable({
  projectId,
  rows,
  selectedId,
}: {
  projectId: string;
  rows: readonly TraceabilityRow[];
  selectedId: string | null;
}) {
  const { ref: scroller, scroll, onScroll } = useScrollArea<HTMLDivElement>();
  const shown = visibleWindow(scroll.top, scroll.height, ROW_HEIGHT, rows.length);
  const storyLink = (storyId: string) =>
    formatRoute({ page: "workspace", projectId, view: "traceability", storyId });

  return (
    <div ref={scroller} class="matrix-scroll" onScroll={onScroll}>
      <table
        class="matrix"
        aria-label="Traceability matrix"
        aria-rowcount={rows.length + 1}
        data-rows={rows.length}
      >
        <colgroup>
          <col class="col-story" />
          <col class="col-status" />
          <col class="col-test" />
          <col class="col-status" />
          <col class="col-result" />
          <col class="col-when" />
          <col class="col-pull" />
          <col class="col-commit" />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Story</th>
            <th scope="col">Story status</th>
            <th scope="col">Acceptance test</th>
            <th scope="col">Test status</th>
            <th scope="col">Last result</th>
            <th scope="col">Last run</th>
            <th scope="col">Pull request</th>
            <th scope="col">Commit</th>
          </tr>
        </thead>
        <tbody>
          <Spacer rows={shown.start} />
          {rows.slice(shown.start, shown.end).map((row, offset) => {
            const index = shown.start + offset;
            const title = row.storyPath.at(-1) ?? row.storyId;
            const path = row.storyPath.slice(0, -1);
            return (
              <tr
                key={`${row.storyId}/${row.testId ?? "-"}`}
                aria-rowindex={index + 2}
                class={`matrix-row${row.storyId === selectedId ? " selected" : ""}`}
              >
                <td title={row.storyPath.join(" › ")}>
                  {path.length > 0 && <span class="path">{path.join(" › ")} › </span>}
                  <a href={storyLink(row.storyId)}>{title}</a>
                </td>
                <td>
                  <StatusBadge status={row.storyStatus} />
                </td>
                <td title={row.testTitle ?? undefined}>
                  {row.testTitle ?? <span class="hint">No acceptance test</span>}
                </td>
                <td>{row.testStatus ? <StatusBadge status={row.testStatus} /> : "—"}</td>
                <td>
                  {row.lastResult ? (
                    <StatusBadge status={row.lastResult} />
                  ) : (
                    <span class="hint">Not run</span>
                  )}
                </td>
                <td title={row.lastRunAt ?? undefined}>{row.lastRunAt ? timeAgo(row.lastRunAt) : "—"}</td>
                <td>
                  {row.pullRequest ? (
                    <a href={formatRoute({ page: "pull", projectId, number: row.pullRequest.number })}>
                      #{row.pullRequest.number}
                    </a>
                  ) : (
                    "—"
                  )}
                </td>
                <td title={row.commit ?? undefined}>
                  {row.commit ? <code>{row.commit.slice(0, 7)}</code> : "—"}
                </td>
              </tr>
            );
          })}
          <Spacer rows={rows.length - shown.end} />
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No row matches.</p>}
    </div>
  );
}

/** Stands for `rows` rows not in the DOM, so the scroll bar measures the whole table. */
function Spacer({ rows }: { rows: number }) {
  if (rows <= 0) return null;
  return (
    <tr class="spacer">
      <td colSpan={8} aria-hidden="true" style={{ height: `${rows * ROW_HEIGHT}px` }} />
    </tr>
  );
}

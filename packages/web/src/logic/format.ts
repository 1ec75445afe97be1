/**
 * @module logic/format: times, task events and titles as short readable text (and file names).
 */
import { describeUsage } from "@aipm/shared/usage";
import type { AgentUsage, TaskEvent } from "../domain.ts";

/**
 * "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago".
 *
 * @example timeAgo("2026-01-01T00:00:00Z", Date.parse("2026-01-01T00:05:00Z")) // "5 min ago"
 */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return "never";
  return `${formatDuration(Math.max(0, seconds))} ago`.replace(/^0 s ago$/, "just now");
}

/** A number of seconds as "42 s", "5 min", "3 h" or "2 d". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

const text = (value: unknown) =>
  typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);

/**
 * One line (or, for agent output, the text itself) for the live log.
 *
 * @example describeEvent({ type: "agent.exited", data: { exitCode: 0, durationMs: 1200 } }) // "agent exited with code 0 after 1.2 s"
 */
export function describeEvent(event: Pick<TaskEvent, "type" | "data">): string {
  const data = event.data;
  switch (event.type) {
    case "agent.output":
      return text(data.text);
    case "pull_request.opened":
      return `pull request #${text(data.number)} ${data.created === false ? "reused" : "opened"} on ${text(data.branch)}`;
    case "task.queued":
      return `queued for agent ${text(data.agent)}${data.retryOf ? ` (retry of ${text(data.retryOf)})` : ""}`;
    case "task.claimed":
      return `claimed by worker ${text(data.workerId)} (attempt ${text(data.attempt)})`;
    case "task.succeeded":
      return `succeeded${data.commit ? ` with commit ${text(data.commit).slice(0, 10)}` : ""}`;
    case "task.succeeded_with_failures":
      return `succeeded with failing tests${data.commit ? `, commit ${text(data.commit).slice(0, 10)}` : ""}`;
    case "tests.ran":
      return describeTestsRan(data);
    case "task.cancel_requested":
      return "cancellation requested: waiting for the worker to stop the agent";
    case "task.cancelled":
      return "cancelled";
    case "agent.started":
      return `agent ${text(data.agent)} started (attempt ${text(data.attempt)})`;
    case "agent.exited":
      return `agent exited ${data.reason && data.reason !== "exited" ? `(${text(data.reason)}) ` : ""}with code ${text(data.exitCode ?? data.signal)} after ${(Number(data.durationMs ?? 0) / 1000).toFixed(1)} s`;
    case "git.committed":
      return `committed ${text(data.fileCount)} file(s) as ${text(data.commit).slice(0, 10)}`;
    case "git.pushed":
      return `pushed ${text(data.commit).slice(0, 10)} to ${text(data.branch)}`;
    case "task.failed":
    case "task.timed_out": {
      const error = data.error as { message?: string } | undefined;
      return `${event.type.slice(5).replace("_", " ")}${error?.message ? `: ${error.message}` : ""}`;
    }
    case "agent.usage":
      return `usage: ${describeUsage(data as Partial<AgentUsage>)}`;
    case "log":
      return text(data.message);
    default: {
      const detail = Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : "";
      return `${event.type.replace(/^task\./, "")}${detail}`;
    }
  }
}

/** A `tests.ran` event: its outcome, command and counts, and which acceptance tests fail. */
function describeTestsRan(data: Record<string, unknown>): string {
  const command = data.command ? ` (${text(data.command)})` : "";
  if (data.outcome === "not_run")
    return `tests not run${command}${data.reason ? `: ${text(data.reason)}` : ""}`;
  const counts = `${text(data.passed)} passed, ${text(data.failed)} failed, ${text(data.skipped)} skipped`;
  const results = Array.isArray(data.results)
    ? (data.results as { acceptanceTestId?: unknown; status?: unknown }[])
    : [];
  const failing = results
    .filter((result) => result.status === "Fail")
    .map((result) => text(result.acceptanceTestId));
  const error = data.outcome === "error" && data.reason ? `: ${text(data.reason)}` : "";
  return `tests ${text(data.outcome)}${command}: ${counts}${error}${failing.length ? `; failing acceptance tests: ${failing.join(", ")}` : ""}`;
}

/**
 * A file name made from a project's or story's title: lower case, words joined by hyphens.
 *
 * @example fileStem("Plant shop: Q3!") // "plant-shop-q3"
 */
export function fileStem(title: string): string {
  const stem = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return stem || "aipm";
}

/**
 * @module commands/check-queue: `aipm check-queue <env|url>`: the code-generation queue through the
 * API: counts by status, the oldest queued task, expired leases, the last day's failures; with
 * `--requeue-stuck`, the reconciler hands expired leases back first.
 */
import { terminalTaskStatuses } from "@aipm/shared/values";
import { CliError, type CliIo, type Command, numberOption, parseCommandArgs } from "../commands.ts";
import { DEFAULT_THRESHOLDS } from "../health.ts";
import { describeAnswer, type HttpResult, requestJson } from "../http.ts";
import { readOpsEnv } from "../ops-env.ts";
import { resolveTarget } from "../target.ts";
import { printable, printableJson } from "../terminal-text.ts";

/** The most tasks of one status read per request (the API's limit). */
const PAGE = 500;
const DAY_MS = 24 * 3600 * 1000;

interface TaskSummary {
  id: string;
  storyId: string;
  status: string;
  attempt: number;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  error: { code: string; message: string } | null;
}

interface QueueBody {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number | null;
  expiredLeases: number;
  workers: { id: string; lastHeartbeatAt: string; runningTasks: string[] }[];
}

export interface QueueReport {
  target: string;
  apiUrl: string;
  /** Tasks the reconciler changed, with `--requeue-stuck`. */
  requeued: { taskId: string; to: string }[] | null;
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number | null;
  expiredLeases: {
    count: number;
    tasks: { id: string; leaseOwner: string | null; expiredSecondsAgo: number }[];
  };
  /** Tasks that finished in the last 24 hours, by status; `capped` when a status had more than one page. */
  finishedLast24h: Record<(typeof terminalTaskStatuses)[number], number> & { capped: boolean };
  failuresLast24h: { id: string; storyId: string; status: string; finishedAt: string; error: string }[];
  workers: { id: string; lastHeartbeatAt: string; runningTasks: string[] }[];
  /** Nothing stuck: no expired lease, and the oldest queued task within the limit. */
  ok: boolean;
  problems: string[];
}

function expect200(result: HttpResult, what: string): unknown {
  if (result.status === 200) return result.body;
  if (result.status === 401 || result.status === 403) {
    throw new CliError(
      `${what} refused the token (${result.status}): use an admin API token of this environment.`,
    );
  }
  throw new CliError(`${what} ${describeAnswer(result)}. Is the API up? Try aipm health-check.`);
}

const ago = (iso: string | null, now: number) =>
  iso ? Math.max(0, Math.round((now - Date.parse(iso)) / 1000)) : 0;

async function readQueue(
  apiUrl: string,
  token: string,
  timeoutMs: number,
  maxQueueAgeSeconds: number,
): Promise<Omit<QueueReport, "target" | "apiUrl" | "requeued">> {
  const get = (path: string) => requestJson(`${apiUrl}${path}`, { token, timeoutMs });
  const [queueResult, runningResult, ...finishedResults] = await Promise.all([
    get("/api/queue"),
    get(`/api/tasks?status=running&limit=${PAGE}`),
    ...terminalTaskStatuses.map((status) => get(`/api/tasks?status=${status}&limit=${PAGE}`)),
  ]);
  const queue = expect200(queueResult, "GET /api/queue") as QueueBody;
  const running = (expect200(runningResult, "GET /api/tasks?status=running") as { tasks: TaskSummary[] })
    .tasks;
  const finished = finishedResults.map(
    (result, index) =>
      (expect200(result, `GET /api/tasks?status=${terminalTaskStatuses[index]}`) as { tasks: TaskSummary[] })
        .tasks,
  );
  const now = Date.now();
  const since = now - DAY_MS;
  const recent = (tasks: TaskSummary[]) =>
    tasks.filter((task) => Date.parse(task.finishedAt ?? task.updatedAt) >= since);
  const recentOf = (status: (typeof terminalTaskStatuses)[number]) =>
    recent(finished[terminalTaskStatuses.indexOf(status)] ?? []);
  const finishedLast24h = {
    succeeded: 0,
    succeeded_with_failures: 0,
    failed: 0,
    timed_out: 0,
    cancelled: 0,
    capped: finished.some((tasks) => tasks.length >= PAGE),
  };
  for (const status of terminalTaskStatuses) finishedLast24h[status] = recentOf(status).length;
  const failuresLast24h = [...recentOf("failed"), ...recentOf("timed_out")]
    .map((task) => ({
      id: task.id,
      storyId: task.storyId,
      status: task.status,
      finishedAt: task.finishedAt ?? task.updatedAt,
      error: task.error ? `${task.error.code}: ${task.error.message}` : "no error recorded",
    }))
    .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  const expired = running
    .filter((task) => task.leaseExpiresAt !== null && Date.parse(task.leaseExpiresAt) <= now)
    .map((task) => ({
      id: task.id,
      leaseOwner: task.leaseOwner,
      expiredSecondsAgo: ago(task.leaseExpiresAt, now),
    }));
  const expiredCount = Math.max(queue.expiredLeases, expired.length);
  const problems: string[] = [];
  if (expiredCount > 0) {
    problems.push(
      `${expiredCount} running task${expiredCount === 1 ? " has" : "s have"} an expired lease: run with --requeue-stuck to hand ${expiredCount === 1 ? "it" : "them"} back to the queue`,
    );
  }
  const age = queue.oldestQueuedAgeSeconds;
  if (age !== null && age > maxQueueAgeSeconds) {
    problems.push(
      `the oldest queued task has waited ${age} s (limit ${maxQueueAgeSeconds} s): are workers running? (aipm health-check)`,
    );
  }
  return {
    queued: queue.queued,
    running: queue.running,
    oldestQueuedAgeSeconds: age,
    expiredLeases: { count: expiredCount, tasks: expired },
    finishedLast24h,
    failuresLast24h,
    workers: queue.workers,
    ok: problems.length === 0,
    problems,
  };
}

function formatQueue(report: QueueReport): string {
  const lines = [`Queue of ${report.target} (${report.apiUrl})`];
  if (report.requeued !== null) {
    lines.push(
      report.requeued.length === 0
        ? "  reconciler  nothing to requeue"
        : `  reconciler  ${report.requeued.map((change) => `${change.taskId} -> ${change.to}`).join(", ")}`,
    );
  }
  const age = report.oldestQueuedAgeSeconds;
  lines.push(`  queued      ${report.queued}${age === null ? "" : ` (oldest has waited ${age} s)`}`);
  lines.push(`  running     ${report.running}`);
  lines.push(
    `  expired     ${report.expiredLeases.count}${report.expiredLeases.tasks.length ? `: ${report.expiredLeases.tasks.map((task) => `${task.id} (worker ${task.leaseOwner ?? "?"}, ${task.expiredSecondsAgo} s ago)`).join(", ")}` : ""}`,
  );
  const last = report.finishedLast24h;
  lines.push(
    `  last 24 h   ${last.succeeded} succeeded, ${last.succeeded_with_failures} with failing tests, ${last.failed} failed, ${last.timed_out} timed out, ${last.cancelled} cancelled${last.capped ? ` (${PAGE}+ of a status: counts are a lower bound)` : ""}`,
  );
  for (const failure of report.failuresLast24h) {
    lines.push(
      `    ${failure.finishedAt}  ${failure.id}  ${failure.status}  story ${failure.storyId}  ${failure.error}`,
    );
  }
  lines.push(
    `  workers     ${report.workers.length}${report.workers.length ? `: ${report.workers.map((worker) => worker.id).join(", ")}` : ""}`,
  );
  lines.push(
    report.ok ? "nothing is stuck" : report.problems.map((problem) => `STUCK: ${problem}`).join("\n"),
  );
  return `${lines.join("\n")}\n`;
}

export const checkQueueCommand: Command = {
  name: "check-queue",
  summary: "Show the code-generation queue: counts, oldest queued, expired leases, recent failures",
  usage: `aipm check-queue <env|url> [options]
  <env|url>            an environment (its API's address comes from its stack's outputs) or the API's URL
  --requeue-stuck      first run the reconciler: tasks whose lease expired go back to the queue (or fail after their last attempt); needs an admin token
  --json               print the report as JSON
  --token <token>      API token (default: AIPM_API_TOKEN)
  --max-queue-age <s>  the oldest queued task may have waited this long (default ${DEFAULT_THRESHOLDS.maxQueueAgeSeconds})
  --timeout <s>        time limit of each request (default ${DEFAULT_THRESHOLDS.timeoutMs / 1000})
Exits 1 when tasks are stuck (an expired lease, or a queued task waiting too long).`,
  example: "AIPM_API_TOKEN=... aipm check-queue prod --requeue-stuck",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "check-queue",
      args,
      {
        "requeue-stuck": { type: "boolean" },
        json: { type: "boolean" },
        token: { type: "string" },
        "max-queue-age": { type: "string" },
        timeout: { type: "string" },
      },
      1,
    );
    const maxQueueAge = numberOption(
      "max-queue-age",
      values["max-queue-age"],
      DEFAULT_THRESHOLDS.maxQueueAgeSeconds,
    );
    const timeoutMs =
      numberOption("timeout", values.timeout, DEFAULT_THRESHOLDS.timeoutMs / 1000, { min: 0.1, max: 600 }) *
      1000;
    const token = values.token ?? readOpsEnv(io.env).apiToken;
    if (!token) throw new CliError("the queue needs an API token: set AIPM_API_TOKEN or pass --token.", 2);
    const target = await resolveTarget(positionals[0] ?? "", { cwd: io.cwd ?? process.cwd(), env: io.env });

    let requeued: QueueReport["requeued"] = null;
    if (values["requeue-stuck"]) {
      const result = await requestJson(`${target.apiUrl}/api/queue/reconcile`, {
        method: "POST",
        token,
        timeoutMs,
      });
      requeued = (
        expect200(result, "POST /api/queue/reconcile") as { changed: { taskId: string; to: string }[] }
      ).changed;
    }
    const report: QueueReport = {
      target: target.name,
      apiUrl: target.apiUrl,
      requeued,
      ...(await readQueue(target.apiUrl, token, timeoutMs, maxQueueAge)),
    };
    io.out(values.json ? `${printableJson(report, 2)}\n` : printable(formatQueue(report)));
    return report.ok ? 0 : 1;
  },
};

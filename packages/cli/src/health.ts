/**
 * @module health: is an environment healthy? Its web app answers, the API's `/health` (with its
 * DynamoDB check) is ok, no queued task has waited too long, and enough workers send heartbeats.
 */
import { apiBase, describeAnswer, requestJson } from "./http.ts";
import { printable } from "./terminal-text.ts";

export interface HealthTarget {
  /** The environment's name, or the URL given. */
  name: string;
  /** Where the API's routes are: `<apiUrl>/health`, `<apiUrl>/api/queue`. */
  apiUrl: string;
  /** The web app's URL, when known (a stack's `webUrl` output, or `--web-url`). */
  webUrl: string | undefined;
}

export interface HealthThresholds {
  /** The oldest queued task may have waited this long. */
  maxQueueAgeSeconds: number;
  /** A worker whose last heartbeat is older than this is not counted as live. */
  maxHeartbeatAgeSeconds: number;
  /** At least this many live workers. */
  minWorkers: number;
  /** Each request's time limit. */
  timeoutMs: number;
}

export const DEFAULT_THRESHOLDS = {
  maxQueueAgeSeconds: 300,
  maxHeartbeatAgeSeconds: 60,
  minWorkers: 1,
  timeoutMs: 10_000,
} satisfies HealthThresholds;

export type CheckStatus = "ok" | "failed" | "skipped";

export interface HealthCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface HealthReport {
  target: string;
  apiUrl: string;
  webUrl: string | null;
  healthy: boolean;
  /** What the API reports it runs, when it answered. */
  version: string | null;
  commit: string | null;
  checkedAt: string;
  checks: HealthCheck[];
}

interface QueueBody {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number | null;
  expiredLeases: number;
  workers: { id: string; version: string; lastHeartbeatAt: string; runningTasks: string[] }[];
}

interface HealthBody {
  status?: string;
  version?: string;
  commit?: string;
  checks?: Record<string, { status: string; ms?: number; error?: string }>;
}

const NO_TOKEN = "no API token: set AIPM_API_TOKEN or pass --token";

async function checkWeb(webUrl: string | undefined, timeoutMs: number): Promise<HealthCheck> {
  if (!webUrl) return { name: "web", status: "skipped", detail: "no web URL known (pass --web-url)" };
  const result = await requestJson(webUrl, { timeoutMs });
  const ok = result.status >= 200 && result.status < 400;
  return {
    name: "web",
    status: ok ? "ok" : "failed",
    detail: ok ? `${result.status} in ${result.ms} ms` : `${webUrl} ${describeAnswer(result)}`,
  };
}

async function checkApi(apiUrl: string, timeoutMs: number) {
  const result = await requestJson(`${apiUrl}/health`, { timeoutMs });
  const body = (typeof result.body === "object" && result.body !== null ? result.body : {}) as HealthBody;
  const ok = result.status === 200 && body.status === "ok";
  const checks: HealthCheck[] = [
    {
      name: "api",
      status: ok ? "ok" : "failed",
      detail: ok
        ? `${result.status} in ${result.ms} ms, version ${body.version ?? "?"}, commit ${body.commit ?? "?"}`
        : `${apiUrl}/health ${result.status === 503 ? `answered 503 (${body.status ?? "unhealthy"})` : describeAnswer(result)}`,
    },
  ];
  const dependencies = body.checks ?? {};
  if (!("dynamodb" in dependencies)) {
    checks.push({ name: "dynamodb", status: "skipped", detail: "the API reported no DynamoDB check" });
  }
  for (const [name, check] of Object.entries(dependencies)) {
    checks.push({
      name,
      status: check.status === "ok" ? "ok" : "failed",
      detail: check.status === "ok" ? `ok in ${check.ms ?? "?"} ms` : `${check.error ?? check.status}`,
    });
  }
  return { checks, version: body.version ?? null, commit: body.commit ?? null };
}

function secondsSince(iso: string, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
}

async function checkQueueAndWorkers(
  apiUrl: string,
  token: string | undefined,
  thresholds: HealthThresholds,
  now: () => Date,
): Promise<HealthCheck[]> {
  if (!token) {
    return [
      { name: "queue", status: "skipped", detail: NO_TOKEN },
      { name: "workers", status: "skipped", detail: NO_TOKEN },
    ];
  }
  const result = await requestJson(`${apiUrl}/api/queue`, { token, timeoutMs: thresholds.timeoutMs });
  if (result.status !== 200) {
    const detail =
      result.status === 401 || result.status === 403
        ? `GET /api/queue refused the token (${result.status}): use an API token of this environment`
        : `GET /api/queue ${describeAnswer(result)}`;
    return [
      { name: "queue", status: "failed", detail },
      { name: "workers", status: "failed", detail: "unknown: the queue could not be read" },
    ];
  }
  const queue = result.body as QueueBody;
  const age = queue.oldestQueuedAgeSeconds;
  const waitedTooLong = age !== null && age > thresholds.maxQueueAgeSeconds;
  const counts = `${queue.queued} queued${age === null ? "" : ` (oldest ${age} s)`}, ${queue.running} running, ${queue.expiredLeases} expired leases`;
  const at = now();
  const workers = queue.workers.map((worker) => ({
    ...worker,
    age: secondsSince(worker.lastHeartbeatAt, at),
  }));
  const live = workers.filter((worker) => worker.age <= thresholds.maxHeartbeatAgeSeconds);
  const stale = workers.filter((worker) => worker.age > thresholds.maxHeartbeatAgeSeconds);
  const describeWorkers = (list: typeof workers) =>
    list.map((worker) => `${worker.id} (heartbeat ${worker.age} s ago)`).join(", ");
  const workerDetail = [
    `${live.length} live${live.length ? `: ${describeWorkers(live)}` : ""}`,
    ...(stale.length ? [`${stale.length} silent: ${describeWorkers(stale)}`] : []),
    ...(live.length < thresholds.minWorkers ? [`at least ${thresholds.minWorkers} needed`] : []),
  ].join("; ");
  return [
    {
      name: "queue",
      status: waitedTooLong ? "failed" : "ok",
      detail: waitedTooLong
        ? `the oldest queued task has waited ${age} s (limit ${thresholds.maxQueueAgeSeconds} s); ${counts}`
        : counts,
    },
    { name: "workers", status: live.length >= thresholds.minWorkers ? "ok" : "failed", detail: workerDetail },
  ];
}

/**
 * Checks the target once; every check runs, in parallel, and each reports on its own.
 *
 * @example const report = await checkHealth({ name: "dev", apiUrl, webUrl }, token, DEFAULT_THRESHOLDS);
 */
export async function checkHealth(
  target: HealthTarget,
  token: string | undefined,
  thresholds: HealthThresholds = DEFAULT_THRESHOLDS,
  now: () => Date = () => new Date(),
): Promise<HealthReport> {
  const apiUrl = apiBase(target.apiUrl);
  const [web, api, queue] = await Promise.all([
    checkWeb(target.webUrl, thresholds.timeoutMs),
    checkApi(apiUrl, thresholds.timeoutMs),
    checkQueueAndWorkers(apiUrl, token, thresholds, now),
  ]);
  const checks = [web, ...api.checks, ...queue];
  return {
    target: target.name,
    apiUrl,
    webUrl: target.webUrl ?? null,
    healthy: checks.every((check) => check.status !== "failed"),
    version: api.version,
    commit: api.commit,
    checkedAt: now().toISOString(),
    checks,
  };
}

/** The report as an operator reads it: one line per check, then the verdict. */
export function formatHealth(report: HealthReport): string {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const lines = report.checks.map(
    (check) => `  ${check.status.padEnd(7)}  ${check.name.padEnd(width)}  ${check.detail}`,
  );
  const failed = report.checks.filter((check) => check.status === "failed").map((check) => check.name);
  const verdict = report.healthy
    ? `${report.target} is healthy`
    : `${report.target} is UNHEALTHY: ${failed.join(", ")} failed`;
  return printable(
    `Health of ${report.target} (api ${report.apiUrl}${report.webUrl ? `, web ${report.webUrl}` : ""})\n${lines.join("\n")}\n${verdict}\n`,
  );
}

/**
 * Checks until healthy or until `timeoutSeconds` have passed (a fresh deployment takes a moment to
 * answer); resolves with the last report either way.
 */
export async function waitUntilHealthy(
  target: HealthTarget,
  token: string | undefined,
  thresholds: HealthThresholds,
  options: { timeoutSeconds: number; intervalSeconds?: number; say: (line: string) => void },
): Promise<HealthReport> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const interval = (options.intervalSeconds ?? 5) * 1000;
  for (;;) {
    const report = await checkHealth(target, token, thresholds);
    const remaining = deadline - Date.now();
    if (report.healthy || remaining <= 0) return report;
    const failed = report.checks.filter((check) => check.status === "failed");
    const wait = Math.min(interval, remaining);
    options.say(
      printable(
        `not healthy yet (${failed.map((check) => `${check.name}: ${check.detail}`).join("; ")}); checking again in ${Math.ceil(wait / 1000)} s`,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * @module api/task-events: follow a task's events live. The SSE stream first, reconnected from
 * the last event whenever the server ends it with a `retry:` field (it bounds each stream, on
 * Lambda below the function's timeout); on any failure of the stream (refused, unreachable, not
 * a stream, cut off without the task's end) `GET /api/tasks/:id/events?after=` polling from the
 * last event until the task ends, so the log still moves behind proxies that buffer or break
 * streams.
 */
import type { TaskEvent, TaskStatus } from "../domain.ts";
import { taskStatuses, terminalTaskStatuses } from "../domain.ts";
import { type ApiClient, ApiError } from "./client.ts";
import { readEventStream } from "./sse.ts";

export type FollowMode = "live" | "polling";

export interface FollowOptions {
  client: Pick<ApiClient, "openEventStream" | "taskEvents">;
  taskId: string;
  /** Events up to this sequence number are already known. */
  after: number;
  onEvent: (event: TaskEvent) => void;
  /** Told how the events arrive: over the live stream or by polling. */
  onMode?: (mode: FollowMode) => void;
  signal: AbortSignal;
  /** Between two polls, and before a poll retried after a passing failure. Default 1000 ms. */
  pollMs?: number;
  /** The longest a `retry:` from the server makes a reconnect wait. Default 5000 ms. */
  maxRetryMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const TERMINAL = new Set<TaskStatus>(terminalTaskStatuses);

function isTaskStatus(value: unknown): value is TaskStatus {
  return (taskStatuses as readonly unknown[]).includes(value);
}

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        done();
      },
      { once: true },
    );
  });

/** A failure polling may outlive: no answer, a timeout, too many requests, a server error. */
function isPassing(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}

/**
 * Delivers every event after `after`, in order and each once, until the task ends (resolves with
 * its final status) or `signal` aborts (resolves with null). Rejects only when polling meets a
 * lasting refusal (401, 403, 404...): a stream's failure, whatever it is, just turns to polling.
 *
 * @example
 * const status = await followTaskEvents({ client, taskId, after: 0, onEvent: append, signal });
 */
export async function followTaskEvents(options: FollowOptions): Promise<TaskStatus | null> {
  const { client, taskId, signal } = options;
  const sleep = options.sleep ?? abortableSleep;
  const pollMs = options.pollMs ?? 1000;
  let after = options.after;
  const deliver = (event: TaskEvent) => {
    if (event.seq <= after) return;
    after = event.seq;
    options.onEvent(event);
  };
  let mode: FollowMode | null = null;
  const tell = (next: FollowMode) => {
    if (next !== mode) options.onMode?.(next);
    mode = next;
  };

  // Live, for as long as each stream ends the way the server ends one it means to resume.
  while (!signal.aborted) {
    let retryMs: number | undefined;
    try {
      const response = await client.openEventStream(taskId, after, signal);
      const type = response.headers.get("Content-Type") ?? "";
      if (!type.includes("text/event-stream") || !response.body) {
        await response.body?.cancel().catch(() => {});
        break;
      }
      tell("live");
      for await (const message of readEventStream(response.body, (ms) => {
        retryMs = ms;
      })) {
        if (message.event === "end") {
          const status: unknown = JSON.parse(message.data).status;
          if (isTaskStatus(status)) return status;
          continue;
        }
        deliver(JSON.parse(message.data) as TaskEvent);
      }
    } catch {
      // Refused (any status), unreachable, cut off mid-read or unreadable: the pages will do.
      if (signal.aborted) return null;
      break;
    }
    if (signal.aborted) return null;
    // Ended without the task's end and without retry: a proxy or a timeout cut it.
    if (retryMs === undefined) break;
    await sleep(Math.min(retryMs, options.maxRetryMs ?? 5000), signal);
  }

  if (signal.aborted) return null;
  tell("polling");
  while (!signal.aborted) {
    let page: Awaited<ReturnType<typeof client.taskEvents>>;
    try {
      page = await client.taskEvents(taskId, after, signal);
    } catch (error) {
      if (signal.aborted) return null;
      if (!isPassing(error)) throw error;
      await sleep(pollMs, signal);
      continue;
    }
    for (const event of page.events) deliver(event);
    if (page.events.length > 0) continue;
    if (TERMINAL.has(page.taskStatus)) return page.taskStatus;
    await sleep(pollMs, signal);
  }
  return null;
}

/**
 * @module api/task-events: follow a task's events live. The SSE stream first; when it cannot be
 * opened or keeps dropping, `GET /api/tasks/:id/events?after=` polling, so the log still moves
 * behind proxies that buffer streams.
 */
import type { TaskEvent, TaskStatus } from "../domain.ts";
import { taskStatuses } from "../domain.ts";
import type { ApiClient } from "./client.ts";
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
  /** Between two polls. Default 1000 ms. */
  pollMs?: number;
  /** Live streams that may fail in a row before polling takes over. Default 2. */
  maxStreamFailures?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const TERMINAL = new Set<TaskStatus>(["succeeded", "failed", "cancelled", "timed_out"]);

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

/**
 * Delivers every event after `after`, in order and each once, until the task ends (resolves with
 * its final status) or `signal` aborts (resolves with null).
 *
 * @example
 * const status = await followTaskEvents({ client, taskId, after: 0, onEvent: append, signal });
 */
export async function followTaskEvents(options: FollowOptions): Promise<TaskStatus | null> {
  const { client, taskId, signal } = options;
  const sleep = options.sleep ?? abortableSleep;
  const maxFailures = options.maxStreamFailures ?? 2;
  let after = options.after;
  const deliver = (event: TaskEvent) => {
    if (event.seq <= after) return;
    after = event.seq;
    options.onEvent(event);
  };

  let failures = 0;
  while (failures < maxFailures && !signal.aborted) {
    try {
      const response = await client.openEventStream(taskId, after, signal);
      const type = response.headers.get("Content-Type") ?? "";
      if (!type.includes("text/event-stream") || !response.body) break;
      options.onMode?.("live");
      for await (const message of readEventStream(response.body)) {
        if (message.event === "end") {
          const status: unknown = JSON.parse(message.data).status;
          if (isTaskStatus(status)) return status;
          continue;
        }
        deliver(JSON.parse(message.data) as TaskEvent);
        failures = 0;
      }
      // The server ends a stream after a while even when the task goes on: reconnect from `after`.
      failures += 1;
    } catch (error) {
      if (signal.aborted) return null;
      // A stream refused for a reason polling would meet too (401, 403, 404) is not retried.
      if (typeof error === "object" && error !== null && "status" in error && Number(error.status) >= 400) {
        throw error;
      }
      failures += 1;
    }
  }

  options.onMode?.("polling");
  while (!signal.aborted) {
    let page: Awaited<ReturnType<typeof client.taskEvents>>;
    try {
      page = await client.taskEvents(taskId, after, signal);
    } catch (error) {
      if (signal.aborted) return null;
      throw error;
    }
    for (const event of page.events) deliver(event);
    if (page.events.length > 0) continue;
    if (TERMINAL.has(page.taskStatus)) return page.taskStatus;
    await sleep(options.pollMs ?? 1000, signal);
  }
  return null;
}

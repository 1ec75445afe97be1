/**
 * @module task-events: a task's events from the API, as pages or followed live over the same SSE
 * route the web app uses, and each event as a line a person reads in a terminal.
 */
import { type AgentUsage, describeUsage } from "@aipm/shared";
import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";
import { CliError } from "./commands.ts";
import { describeAnswer, requestJson } from "./http.ts";
import { printable } from "./terminal-text.ts";

export interface TaskEvent {
  taskId: string;
  seq: number;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

/** Reads every event after `after`, page by page; resolves with them and the task's status. */
export async function readTaskEvents(
  apiUrl: string,
  token: string,
  taskId: string,
  after = 0,
): Promise<{ events: TaskEvent[]; status: string }> {
  const events: TaskEvent[] = [];
  for (let next = after; ; ) {
    const result = await requestJson(
      `${apiUrl}/api/tasks/${encodeURIComponent(taskId)}/events?after=${next}`,
      {
        token,
        timeoutMs: 30_000,
      },
    );
    if (result.status !== 200) throw answerError(result, `the events of task ${taskId}`);
    const page = result.body as { events: TaskEvent[]; taskStatus: string; nextAfter: number };
    events.push(...page.events);
    if (page.events.length === 0) return { events, status: page.taskStatus };
    next = page.nextAfter;
  }
}

/**
 * Follows a task's events live from `after` until the task finishes (the stream's `end` event) or
 * `signal` aborts. A stream the server closes early (its 15-minute limit, a proxy) is resumed from
 * the last event seen, so nothing is printed twice or lost. Resolves with the final status.
 *
 * @example const status = await followTaskEvents(apiUrl, token, taskId, { onEvent: (event) => print(event) });
 */
export async function followTaskEvents(
  apiUrl: string,
  token: string,
  taskId: string,
  options: { after?: number; onEvent: (event: TaskEvent) => void; signal?: AbortSignal },
): Promise<string> {
  let after = options.after ?? 0;
  for (let failures = 0; ; ) {
    if (options.signal?.aborted) return "followed until stopped";
    let response: Response;
    try {
      response = await fetch(`${apiUrl}/api/tasks/${encodeURIComponent(taskId)}/events?after=${after}`, {
        headers: { Accept: "text/event-stream", Authorization: `Bearer ${token}` },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) return "followed until stopped";
      if (++failures > 5) throw new CliError(`lost the API at ${apiUrl}: ${String(error)}; is it up?`);
      await new Promise((resolve) => setTimeout(resolve, 1_000 * failures));
      continue;
    }
    if (response.status !== 200 || !response.body) {
      const text = await response.text();
      throw answerError({ status: response.status, body: safeJson(text) }, `the events of task ${taskId}`);
    }
    let end: string | null = null;
    try {
      const messages = response.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream()) as ReadableStream<EventSourceMessage>;
      for await (const message of messages as unknown as AsyncIterable<EventSourceMessage>) {
        if (message.event === "end") {
          end = String((JSON.parse(message.data) as { status?: string }).status ?? "unknown");
          break;
        }
        const event = JSON.parse(message.data) as TaskEvent;
        after = Math.max(after, event.seq);
        failures = 0;
        options.onEvent(event);
      }
    } catch (error) {
      if (options.signal?.aborted) return "followed until stopped";
      if (++failures > 5)
        throw new CliError(`the event stream of task ${taskId} kept breaking: ${String(error)}`);
    }
    if (end !== null) return end;
    // Closed without an end (its time limit, a proxy): resume after a pause, never in a tight loop.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * One event as terminal text (without a trailing newline for output, which carries its own), with
 * the control characters of what the agent or a user wrote taken out.
 */
export function formatEvent(event: TaskEvent): string {
  return printable(describeEvent(event));
}

function describeEvent(event: TaskEvent): string {
  const data = event.data;
  switch (event.type) {
    case "agent.output":
      return String(data.text ?? "").replace(/\n$/, "");
    case "agent.usage":
      return `[usage] ${describeUsage(data as Partial<AgentUsage>)}`;
    case "agent.started":
      return `[agent] ${String(data.agent)} started on ${String(data.baseCommit ?? "").slice(0, 12)} (attempt ${String(data.attempt)})`;
    case "agent.exited":
      return `[agent] exited: ${String(data.reason)}${data.exitCode === null || data.exitCode === undefined ? "" : `, code ${String(data.exitCode)}`}, ${Math.round(Number(data.durationMs ?? 0) / 1000)} s`;
    case "git.committed":
      return `[git] committed ${String(data.commit).slice(0, 12)}: ${String(data.fileCount)} file(s)`;
    case "git.pushed":
      return `[git] pushed ${String(data.commit).slice(0, 12)} to ${String(data.branch)}`;
    default: {
      const error = data.error as { code?: string; message?: string } | undefined;
      if (error?.code) return `[${event.type}] ${error.code}: ${error.message ?? ""}`;
      return `[${event.type}]${Object.keys(data).length ? ` ${JSON.stringify(data)}` : ""}`;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function answerError(result: { status: number; body: unknown; error?: string }, what: string): CliError {
  if (result.status === 401 || result.status === 403)
    return new CliError(
      `reading ${what} was refused (${result.status}): pass a token of this deployment (--token or AIPM_API_TOKEN).`,
    );
  if (result.status === 404)
    return new CliError(`${what}: no such task. Check the task id (aipm check-queue lists recent ones).`);
  return new CliError(
    `reading ${what} failed: ${describeAnswer({ status: result.status, body: result.body, contentType: "", ms: 0, ...(result.error ? { error: result.error } : {}) })}`,
  );
}

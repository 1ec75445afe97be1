import { describe, expect, it } from "vitest";
import type { TaskEvent, TaskStatus } from "../domain.ts";
import { ApiError } from "./client.ts";
import { type FollowOptions, followTaskEvents } from "./task-events.ts";

const event = (seq: number, type: TaskEvent["type"] = "log"): TaskEvent => ({
  taskId: "tsk_1",
  seq,
  at: "2026-01-01T00:00:00.000Z",
  type,
  data: {},
});

const sse = (text: string) => new Response(text, { headers: { "Content-Type": "text/event-stream" } });
const frame = (e: TaskEvent) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
const end = (status: TaskStatus) => `event: end\ndata: ${JSON.stringify({ status })}\n\n`;
/** How the API ends a stream at its bound while the task goes on. */
const bound = ": stream bound reached\nretry: 1000\n\n";
const page = (events: TaskEvent[], taskStatus: TaskStatus) => ({
  events,
  taskStatus,
  nextAfter: events.at(-1)?.seq ?? 0,
});
/** A stream that sends `text`, then fails as a dropped connection does. */
const broken = (text: string) => {
  let sent = false;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new TypeError("network error"));
        sent = true;
        controller.enqueue(new TextEncoder().encode(text));
      },
    }),
    { headers: { "Content-Type": "text/event-stream" } },
  );
};

function follow(client: Partial<FollowOptions["client"]>, extra: Partial<FollowOptions> = {}) {
  const seen: number[] = [];
  const modes: string[] = [];
  const calls: string[] = [];
  const slept: number[] = [];
  const result = followTaskEvents({
    client: {
      openEventStream: async (taskId, after) => {
        calls.push(`stream after=${after}`);
        if (!client.openEventStream) throw new Error("no stream");
        return client.openEventStream(taskId, after, new AbortController().signal);
      },
      taskEvents: async (taskId, after) => {
        calls.push(`page after=${after}`);
        if (!client.taskEvents) throw new Error("no pages");
        return client.taskEvents(taskId, after);
      },
    },
    taskId: "tsk_1",
    after: 0,
    onEvent: (e) => seen.push(e.seq),
    onMode: (mode) => modes.push(mode),
    signal: new AbortController().signal,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...extra,
  });
  return { result, seen, modes, calls, slept };
}

describe("followTaskEvents live", () => {
  it("delivers the live stream's events and ends with the task's status", async () => {
    const { result, seen, modes } = follow({
      openEventStream: async () => sse(frame(event(1)) + frame(event(2)) + end("succeeded")),
    });
    expect(await result).toBe("succeeded");
    expect(seen).toEqual([1, 2]);
    expect(modes).toEqual(["live"]);
  });

  it("reconnects live from the last event, after the delay asked, each time a stream ends at its bound with retry:", async () => {
    const streams = [
      sse(frame(event(1)) + frame(event(2)) + bound),
      sse(bound),
      sse(frame(event(2)) + frame(event(3)) + end("failed")),
    ];
    const { result, seen, modes, calls, slept } = follow({
      openEventStream: async () => streams.shift() as Response,
    });
    expect(await result).toBe("failed");
    expect(seen).toEqual([1, 2, 3]);
    expect(modes).toEqual(["live"]);
    expect(calls).toEqual(["stream after=0", "stream after=2", "stream after=2"]);
    expect(slept).toEqual([1000, 1000]);
  });

  it("waits no longer than maxRetryMs whatever retry: asks", async () => {
    const streams = [sse("retry: 600000\n\n"), sse(end("succeeded"))];
    const { result, slept } = follow({ openEventStream: async () => streams.shift() as Response });
    expect(await result).toBe("succeeded");
    expect(slept).toEqual([5000]);
  });

  it("stops with null when aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, calls } = follow({ openEventStream: async () => sse("") }, { signal: controller.signal });
    expect(await result).toBeNull();
    expect(calls).toEqual([]);
  });
});

/** Pages that finish the task: event 3, then nothing more and `cancelled`. */
const finishing = () => {
  const pages = [page([event(3)], "running"), page([], "running"), page([], "cancelled")];
  return async () => pages.shift() ?? page([], "cancelled");
};

describe("followTaskEvents falls back to polling on any failure of the stream", () => {
  it.each([401, 403, 404, 429, 500, 502, 503, 504])("a stream refused with %i", async (status) => {
    const { result, seen, modes, calls } = follow({
      openEventStream: async () => {
        throw new ApiError(status, `HTTP ${status}`);
      },
      taskEvents: finishing(),
    });
    expect(await result).toBe("cancelled");
    expect(seen).toEqual([3]);
    expect(modes).toEqual(["polling"]);
    expect(calls).toEqual(["stream after=0", "page after=0", "page after=3", "page after=3"]);
  });

  it.each([
    ["the API cannot be reached", new ApiError(0, "The AIPM API cannot be reached.")],
    ["fetch itself fails", new TypeError("Failed to fetch")],
  ])("%s", async (_, error) => {
    const { result, modes } = follow({
      openEventStream: async () => {
        throw error;
      },
      taskEvents: finishing(),
    });
    expect(await result).toBe("cancelled");
    expect(modes).toEqual(["polling"]);
  });

  it.each([
    [
      "JSON (a proxy that buffers or rewrites it)",
      new Response("{}", { headers: { "Content-Type": "application/json" } }),
    ],
    ["HTML (an error page)", new Response("<h1>502</h1>", { headers: { "Content-Type": "text/html" } })],
    ["no body", new Response(null, { status: 200, headers: { "Content-Type": "text/event-stream" } })],
  ])("an answer that is not a stream: %s", async (_, response) => {
    const { result, modes, calls } = follow({
      openEventStream: async () => response,
      taskEvents: finishing(),
    });
    expect(await result).toBe("cancelled");
    expect(modes).toEqual(["polling"]);
    expect(calls[0]).toBe("stream after=0");
    expect(calls[1]).toBe("page after=0");
  });

  it("a stream cut off without the task's end or a retry:, from its last event", async () => {
    const { result, seen, modes, calls } = follow({
      openEventStream: async () => sse(frame(event(1)) + frame(event(2))),
      taskEvents: finishing(),
    });
    expect(await result).toBe("cancelled");
    expect(seen).toEqual([1, 2, 3]);
    expect(modes).toEqual(["live", "polling"]);
    expect(calls.slice(0, 2)).toEqual(["stream after=0", "page after=2"]);
  });

  it.each([
    ["a connection dropped mid-stream", broken(frame(event(1)) + frame(event(2)))],
    ["a stream that sends what is not an event", sse(`${frame(event(1))}${frame(event(2))}data: {oops\n\n`)],
  ])("%s, from its last event", async (_, response) => {
    const { result, seen, modes, calls } = follow({
      openEventStream: async () => response,
      taskEvents: finishing(),
    });
    expect(await result).toBe("cancelled");
    expect(seen).toEqual([1, 2, 3]);
    expect(modes).toEqual(["live", "polling"]);
    expect(calls.slice(0, 2)).toEqual(["stream after=0", "page after=2"]);
  });
});

describe("followTaskEvents polling", () => {
  it("keeps following through failures that pass (unreachable, 429, 5xx) until the task ends", async () => {
    const answers: (ApiError | ReturnType<typeof page>)[] = [
      page([event(1)], "running"),
      new ApiError(0, "The AIPM API cannot be reached."),
      new ApiError(503, "Service Unavailable"),
      new ApiError(429, "Too Many Requests"),
      page([event(2)], "succeeded"),
      page([], "succeeded"),
    ];
    const { result, seen, slept } = follow(
      {
        openEventStream: async () => {
          throw new ApiError(502, "Bad Gateway");
        },
        taskEvents: async () => {
          const answer = answers.shift();
          if (answer instanceof ApiError) throw answer;
          return answer as never;
        },
      },
      { pollMs: 250 },
    );
    expect(await result).toBe("succeeded");
    expect(seen).toEqual([1, 2]);
    expect(slept).toEqual([250, 250, 250]);
  });

  it("rejects when the pages are refused for good (the task is gone, or the token)", async () => {
    const { result } = follow({
      openEventStream: async () => {
        throw new ApiError(404, "Task tsk_1 does not exist.");
      },
      taskEvents: async () => {
        throw new ApiError(404, "Task tsk_1 does not exist.");
      },
    });
    await expect(result).rejects.toThrow("Task tsk_1 does not exist.");
  });

  it("stops with null when aborted while polling", async () => {
    const controller = new AbortController();
    const { result } = follow(
      {
        openEventStream: async () => {
          throw new ApiError(502, "Bad Gateway");
        },
        taskEvents: async () => page([], "running"),
      },
      {
        signal: controller.signal,
        sleep: async () => {
          controller.abort();
        },
      },
    );
    expect(await result).toBeNull();
  });
});

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

function follow(client: Partial<FollowOptions["client"]>, extra: Partial<FollowOptions> = {}) {
  const seen: number[] = [];
  const modes: string[] = [];
  const calls: string[] = [];
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
    sleep: async () => {},
    ...extra,
  });
  return { result, seen, modes, calls };
}

describe("followTaskEvents", () => {
  it("delivers the live stream's events and ends with the task's status", async () => {
    const { result, seen, modes } = follow({
      openEventStream: async () => sse(frame(event(1)) + frame(event(2)) + end("succeeded")),
    });
    expect(await result).toBe("succeeded");
    expect(seen).toEqual([1, 2]);
    expect(modes).toEqual(["live"]);
  });

  it("reconnects from the last event when a stream ends early, and never repeats an event", async () => {
    const streams = [
      sse(frame(event(1)) + frame(event(2))),
      sse(frame(event(2)) + frame(event(3)) + end("failed")),
    ];
    const { result, seen, calls } = follow({ openEventStream: async () => streams.shift() as Response });
    expect(await result).toBe("failed");
    expect(seen).toEqual([1, 2, 3]);
    expect(calls).toEqual(["stream after=0", "stream after=2"]);
  });

  it("polls when the answer is not a stream (a proxy that buffers or strips it)", async () => {
    const pages = [
      { events: [event(1), event(2)], taskStatus: "running" as const, nextAfter: 2 },
      { events: [], taskStatus: "running" as const, nextAfter: 2 },
      { events: [event(3)], taskStatus: "cancelled" as const, nextAfter: 3 },
      { events: [], taskStatus: "cancelled" as const, nextAfter: 3 },
    ];
    const { result, seen, modes, calls } = follow({
      openEventStream: async () => new Response("{}", { headers: { "Content-Type": "application/json" } }),
      taskEvents: async () => pages.shift() as never,
    });
    expect(await result).toBe("cancelled");
    expect(seen).toEqual([1, 2, 3]);
    expect(modes).toEqual(["polling"]);
    expect(calls).toEqual(["stream after=0", "page after=0", "page after=2", "page after=2", "page after=3"]);
  });

  it("polls after the stream fails twice in a row", async () => {
    const { result, calls } = follow({
      openEventStream: async () => {
        throw new ApiError(0, "The AIPM API cannot be reached.");
      },
      taskEvents: async () => ({ events: [], taskStatus: "succeeded", nextAfter: 0 }),
    });
    expect(await result).toBe("succeeded");
    expect(calls).toEqual(["stream after=0", "stream after=0", "page after=0"]);
  });

  it("does not retry a stream the API refused", async () => {
    const { result } = follow({
      openEventStream: async () => {
        throw new ApiError(404, "Task tsk_1 does not exist.");
      },
    });
    await expect(result).rejects.toThrow("Task tsk_1 does not exist.");
  });

  it("stops with null when aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, calls } = follow({ openEventStream: async () => sse("") }, { signal: controller.signal });
    expect(await result).toBeNull();
    expect(calls).toEqual([]);
  });
});

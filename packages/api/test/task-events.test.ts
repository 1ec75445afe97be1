/** A task's events: as JSON pages, and as a live stream that resumes from Last-Event-ID. */
import { newId } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { expectProblem } from "./fixtures.ts";
import { api, eventPage, finish, queuedTask, sseReader, useTaskApi } from "./task-support.ts";

useTaskApi();

describe("GET /api/tasks/:taskId/events", () => {
  it("pages events as JSON after a sequence number", async () => {
    const { task } = await queuedTask();
    expect(await eventPage(task.id)).toMatchObject({ taskStatus: "queued", nextAfter: 2 });
    const after1 = await eventPage(task.id, "?after=1");
    expect(after1.events.map((event) => [event.seq, event.type])).toEqual([[2, "task.queued"]]);
    expect(after1.nextAfter).toBe(2);
    expect(await eventPage(task.id, "?after=2")).toEqual({ events: [], taskStatus: "queued", nextAfter: 2 });

    await finish(task.id, "succeed");
    const rest = await eventPage(task.id, "?after=2");
    expect(rest.events.map((event) => [event.seq, event.type])).toEqual([
      [3, "task.claimed"],
      [4, "task.succeeded"],
    ]);
    expect(rest).toMatchObject({ taskStatus: "succeeded", nextAfter: 4 });
    expect(rest.events[1]?.data).toMatchObject({ from: "running", to: "succeeded", commit: "a".repeat(40) });
    for (const event of rest.events) expect(event.taskId).toBe(task.id);

    await expectProblem(await api.request("GET", `/api/tasks/${task.id}/events?after=-1`), 400);
    await expectProblem(await api.request("GET", `/api/tasks/${newId("task")}/events`), 404);
  });

  it("streams events live with Accept: text/event-stream, id = seq, and ends once the task is terminal", async () => {
    const { task } = await queuedTask();
    const response = await api.request("GET", `/api/tasks/${task.id}/events`, {
      headers: { Accept: "text/event-stream" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    const stream = sseReader(response);
    try {
      const opened = await stream.next();
      expect(opened).toMatchObject({ id: "1", event: "pull_request.opened" });
      expect(JSON.parse(opened?.data ?? "{}")).toMatchObject({
        taskId: task.id,
        seq: 1,
        type: "pull_request.opened",
      });
      expect(await stream.next()).toMatchObject({ id: "2", event: "task.queued" });

      // The stream is still open while the task runs; the worker's changes arrive on it.
      await finish(task.id, "succeed");
      expect(await stream.next()).toMatchObject({ id: "3", event: "task.claimed" });
      expect(await stream.next()).toMatchObject({ id: "4", event: "task.succeeded" });
      const end = await stream.next();
      expect(end?.event).toBe("end");
      expect(end?.id).toBeUndefined();
      expect(JSON.parse(end?.data ?? "{}")).toEqual({ status: "succeeded" });
      expect(await stream.next()).toBeNull();
    } finally {
      await stream.cancel();
    }
  });

  it("resumes a stream from Last-Event-ID, and ends at once for a finished task", async () => {
    const { task } = await queuedTask();
    await finish(task.id, "fail");
    const response = await api.request("GET", `/api/tasks/${task.id}/events`, {
      headers: { Accept: "text/event-stream", "Last-Event-ID": "2" },
    });
    const stream = sseReader(response);
    try {
      const messages = [];
      for (let message = await stream.next(); message; message = await stream.next()) messages.push(message);
      expect(messages.map((message) => [message.id, message.event])).toEqual([
        ["3", "task.claimed"],
        ["4", "task.failed"],
        [undefined, "end"],
      ]);
      expect(JSON.parse(messages.at(-1)?.data ?? "{}")).toEqual({ status: "failed" });
    } finally {
      await stream.cancel();
    }
  });
});

describe("Last-Event-ID beyond what a number can hold (found by the fuzz test)", () => {
  it("reads from the start instead of failing with a 500", async () => {
    const { task } = await queuedTask();
    for (const lastEventId of ["1e300", "9007199254740993"]) {
      const response = await api.request("GET", `/api/tasks/${task.id}/events`, {
        headers: { "Last-Event-ID": lastEventId },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { events: { seq: number }[] };
      expect(body.events[0]?.seq).toBe(1);
    }
  });
});

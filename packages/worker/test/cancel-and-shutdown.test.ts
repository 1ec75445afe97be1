/**
 * Stopping work: cancel (a queued task at once, a running one by killing its agent's whole process
 * group) and a worker's shutdown, which hands its running task back for another worker.
 */
import { describe, expect, it } from "vitest";
import { expectGaplessSeqs, expectNoDoubleClaim, processesMatching, useStack, waitUntil } from "./stack.ts";

const stack = useStack();

describe("cancel", { timeout: 60_000 }, () => {
  it("cancels a queued task at once", async () => {
    const { task } = await stack.queueTask();
    const cancelled = await stack.request("POST", `/api/tasks/${task.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 202, body: { status: "cancelled", cancelRequested: false } });
    const events = await stack.events(task.id);
    expect(events.map((event) => event.type)).toEqual([
      "pull_request.opened",
      "task.queued",
      "task.cancelled",
    ]);

    stack.startWorker();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await stack.request("GET", `/api/tasks/${task.id}`)).body).toMatchObject({ status: "cancelled" });
    const again = await stack.request("POST", `/api/tasks/${task.id}/cancel`);
    expect(again.status).toBe(409);
  });

  it("kills a running agent's whole process group within seconds and ends cancelled", async () => {
    // A background child and a foreground one: both must die, not just the shell.
    const { task } = await stack.queueTask({ agent: "command:sleep 31.7 & sleep 31.9; wait" });
    stack.startWorker();
    await waitUntil("the agent to start", async () => (await processesMatching("sleep 31.9")).length > 0);
    expect(await processesMatching("sleep 31.7")).not.toEqual([]);

    const requested = Date.now();
    const response = await stack.request("POST", `/api/tasks/${task.id}/cancel`);
    expect(response).toMatchObject({ status: 202, body: { status: "running", cancelRequested: true } });
    const done = await stack.waitForTask(task.id, (current) => current.status !== "running");
    const elapsed = Date.now() - requested;
    expect(done).toMatchObject({
      status: "cancelled",
      cancelRequested: false,
      leaseOwner: null,
      commit: null,
    });
    expect(elapsed, "cancel took too long").toBeLessThan(5_000);
    expect(await processesMatching("sleep 31.7")).toEqual([]);
    expect(await processesMatching("sleep 31.9")).toEqual([]);

    const events = await stack.events(task.id);
    expectGaplessSeqs(events);
    const types = events.map((event) => event.type);
    expect(types).toContain("task.cancel_requested");
    expect(types.at(-1)).toBe("task.cancelled");
    expect(events.find((event) => event.type === "agent.exited")?.data).toMatchObject({
      reason: "cancelled",
    });
  });
});

describe("worker shutdown", { timeout: 60_000 }, () => {
  it("hands a running task back on stop, killing its agent, and another worker claims it", async () => {
    const { task } = await stack.queueTask({ agent: "command:sleep 32.3" });
    const first = stack.startWorker({ id: "leaving", shutdownGraceMs: 300 });
    await stack.waitForTask(task.id, (current) => current.status === "running");
    await waitUntil("the agent to start", async () => (await processesMatching("sleep 32.3")).length > 0);

    await first.stop();
    const handedBack = await stack.waitForTask(task.id, (current) => current.status !== "running");
    expect(handedBack).toMatchObject({ status: "queued", attempt: 1, leaseOwner: null, error: null });
    expect(await processesMatching("sleep 32.3")).toEqual([]);
    const released = (await stack.events(task.id)).at(-1);
    expect(released).toMatchObject({
      type: "task.released",
      data: { from: "running", to: "queued", attempt: 1 },
    });

    stack.startWorker({ id: "arriving" });
    const reclaimed = await stack.waitForTask(task.id, (current) => current.status === "running");
    expect(reclaimed).toMatchObject({ leaseOwner: "arriving", attempt: 1 });
    const events = await stack.events(task.id);
    expectGaplessSeqs(events);
    expectNoDoubleClaim(events);
    expect(
      events.filter((event) => event.type === "task.claimed").map((event) => event.data.workerId),
    ).toEqual(["leaving", "arriving"]);
  });
});

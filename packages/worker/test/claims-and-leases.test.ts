/**
 * The queue's promises: no task runs twice at once, none stays `running` past its
 * lease, and none is lost. A "ghost" worker claims through the store and then vanishes, as a
 * worker killed with SIGKILL would.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CodeGenerationTask, type TaskEvent, writeCommitTrailers } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { expectGaplessSeqs, expectNoDoubleClaim, expectTakenOver, useStack } from "./stack.ts";

const stack = useStack();

/** Claims the task as a worker that never heartbeats, and checks it got that very task. */
async function claimAsGhost(taskId: string): Promise<void> {
  const claimed = await stack.tasks.claimNext("ghost-1", 300);
  expect(claimed).toMatchObject({ id: taskId, status: "running", leaseOwner: "ghost-1" });
}

describe("expired leases", { timeout: 60_000 }, () => {
  it("returns a task whose worker vanished to the queue as attempt 2, and a live worker finishes it", async () => {
    const { task } = await stack.queueTask();
    await claimAsGhost(task.id);
    stack.startWorker({ id: "survivor" });

    const done = await stack.waitForTask(task.id, (current) => current.status === "succeeded");
    expect(done).toMatchObject({ attempt: 2, leaseOwner: null, error: null });
    expect(done.commit).toMatch(/^[0-9a-f]{40}$/);
    const events = await stack.events(task.id);
    expectTakenOver(events, "ghost-1", "survivor");
  });

  it("fails the task with lease_expired when its last attempt's lease expires", async () => {
    const { task } = await stack.queueTask({ maxAttempts: 1 });
    await claimAsGhost(task.id);
    stack.startWorker();

    const done = await stack.waitForTask(task.id, (current) => current.status !== "running");
    expect(done).toMatchObject({
      status: "failed",
      attempt: 1,
      leaseOwner: null,
      error: { code: "lease_expired" },
    });
    expect(done.error?.message).toContain("1 attempts");
    const events = await stack.events(task.id);
    expectNoDoubleClaim(events);
    expect(events.filter((event) => event.type === "task.claimed")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "task.failed", data: { from: "running", to: "failed" } });
  });
});

describe("an attempt after a pushed commit", { timeout: 60_000 }, () => {
  it("succeeds with that commit when the earlier attempt pushed it and then lost its lease", async () => {
    const { task } = await stack.queueTask({ agent: "command:true", maxAttempts: 2 });
    await claimAsGhost(task.id);
    // What the ghost pushed before it vanished: the worker's commit for attempt 1.
    const clone = await stack.clone();
    await clone.git("fetch", "--quiet", "origin", task.branch);
    await clone.git("checkout", "--quiet", "FETCH_HEAD");
    await writeFile(join(clone.dir, "done.txt"), "done\n");
    await clone.git("add", "done.txt");
    await clone.git(
      "commit",
      "--quiet",
      "-m",
      writeCommitTrailers(
        { subject: "AIPM: Pay by card", body: [`Story ${task.storyId}`] },
        { taskId: task.id, attempt: 1, agent: "command:true" },
      ),
    );
    const pushed = await clone.git("rev-parse", "HEAD");
    await clone.git("push", "--quiet", "origin", `HEAD:refs/heads/${task.branch}`);
    stack.startWorker();

    const done = await stack.waitForTask(
      task.id,
      (current) => !["queued", "running"].includes(current.status),
    );
    expect(done).toMatchObject({ status: "succeeded", attempt: 2, commit: pushed, error: null });
    await clone.git("fetch", "--quiet", "origin", task.branch);
    expect(await clone.git("rev-parse", "FETCH_HEAD")).toBe(pushed);
    const events = await stack.events(task.id);
    expect(events.some((event) => event.type === "git.pushed")).toBe(false);
    expect(events.at(-2)).toMatchObject({ type: "log", data: { commit: pushed } });
  });
});

describe("two workers, twenty tasks", { timeout: 300_000 }, () => {
  it("claims every task exactly once, and every one succeeds", async () => {
    const stories = await Promise.all(
      Array.from({ length: 20 }, (_, index) => stack.createStory({ title: `Story ${index + 1}` })),
    );
    const created = await Promise.all(stories.map((story) => stack.generate(story.id)));
    // Both workers start on a full queue, so they race for the same oldest tasks. The lease is
    // longer than elsewhere: with four tasks at once in this one process, a heartbeat can take
    // seconds on a busy machine, and this test is about claims, not expiry.
    stack.startWorker({ id: "one", concurrency: 2, leaseMs: 10_000 });
    stack.startWorker({ id: "two", concurrency: 2, leaseMs: 10_000 });

    const done: CodeGenerationTask[] = [];
    for (const { task } of created) {
      done.push(await stack.waitForTask(task.id, (current) => current.status === "succeeded", 240_000));
    }
    expect(new Set(done.map((task) => task.commit)).size).toBe(20);

    const claimedBy: string[] = [];
    for (const task of done) {
      const events: TaskEvent[] = await stack.events(task.id);
      expectGaplessSeqs(events);
      const claims = events.filter((event) => event.type === "task.claimed");
      expect(claims, `claims of ${task.id}`).toHaveLength(1);
      claimedBy.push(String(claims[0]?.data.workerId));
    }
    expect(new Set(claimedBy)).toEqual(new Set(["one", "two"]));
  });
});

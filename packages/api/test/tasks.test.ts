/** Reading, cancelling and retrying tasks, and the queue's state. */
import { type CodeGenerationTask, newId } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { createAcceptanceTest, createStory, createToken, expectJson, expectProblem } from "./fixtures.ts";
import {
  api,
  type CodeGeneration,
  createApiWithLocalForge,
  eventPage,
  finish,
  generate,
  getTask,
  listTasks,
  queuedTask,
  storyWithTests,
  useTaskApi,
  wakes,
} from "./task-support.ts";

useTaskApi();

describe("GET /api/tasks and /api/tasks/:taskId", () => {
  it("filters by project and by status, newest first", async () => {
    const first = await queuedTask();
    const { story: second } = await storyWithTests();
    // A second story of the first project.
    const sibling = await createStory(api, first.project.id, { title: "Pay by invoice" });
    await createAcceptanceTest(api, sibling.id);
    const siblingTask = (await expectJson<CodeGeneration>(await generate(sibling.id), 202)).task;
    const otherTask = (await expectJson<CodeGeneration>(await generate(second.id), 202)).task;
    await finish(first.task.id, "succeed");

    const ofProject = await listTasks(`projectId=${first.project.id}`);
    expect(ofProject.map((task) => task.id)).toEqual([siblingTask.id, first.task.id]);
    expect(ofProject.map((task) => task.status)).toEqual(["queued", "succeeded"]);

    expect(
      (await listTasks(`projectId=${first.project.id}&status=succeeded`)).map((task) => task.id),
    ).toEqual([first.task.id]);
    expect((await listTasks(`projectId=${first.project.id}&status=queued`)).map((task) => task.id)).toEqual([
      siblingTask.id,
    ]);
    expect(await listTasks(`projectId=${first.project.id}&status=failed`)).toEqual([]);

    const queued = (await listTasks("status=queued&limit=500")).map((task) => task.id);
    expect(queued).toEqual(expect.arrayContaining([siblingTask.id, otherTask.id]));
    expect(queued).not.toContain(first.task.id);

    expect((await listTasks(`storyId=${sibling.id}`)).map((task) => task.id)).toEqual([siblingTask.id]);

    await expectProblem(await api.request("GET", "/api/tasks?status=processing"), 400);
    await expectProblem(await api.request("GET", "/api/tasks?projectId=nope"), 400);
  });

  it("keeps a project-scoped token to its project", async () => {
    const mine = await queuedTask();
    const theirs = await queuedTask();
    const scoped = await createToken(api, "viewer", mine.project.id);
    expect((await listTasks("", scoped.token)).map((task) => task.id)).toEqual([mine.task.id]);
    await expectProblem(
      await api.request("GET", `/api/tasks?projectId=${theirs.project.id}`, { token: scoped.token }),
      404,
    );
    expect(
      await expectJson<CodeGenerationTask>(
        await api.request("GET", `/api/tasks/${mine.task.id}`, { token: scoped.token }),
        200,
      ),
    ).toEqual(mine.task);
    await expectProblem(
      await api.request("GET", `/api/tasks/${theirs.task.id}`, { token: scoped.token }),
      404,
    );
  });

  it("reads one task, 404 for an unknown one, 400 for a malformed id, 401 without a token", async () => {
    const { task } = await queuedTask();
    expect(await getTask(task.id)).toEqual(task);
    await expectProblem(await api.request("GET", `/api/tasks/${newId("task")}`), 404);
    await expectProblem(await api.request("GET", "/api/tasks/not-a-task-id"), 400);
    await expectProblem(await api.request("GET", `/api/tasks/${task.id}`, { token: null }), 401);
  });
});

describe("POST /api/tasks/:taskId/cancel", () => {
  it("cancels a queued task at once (202), and is 409 the second time", async () => {
    const { task } = await queuedTask();
    const viewer = await createToken(api, "viewer");
    await expectProblem(
      await api.request("POST", `/api/tasks/${task.id}/cancel`, { token: viewer.token }),
      403,
    );

    const cancelled = await expectJson<CodeGenerationTask>(
      await api.request("POST", `/api/tasks/${task.id}/cancel`),
      202,
    );
    expect(cancelled).toMatchObject({ status: "cancelled", cancelRequested: false });
    expect(cancelled.finishedAt).not.toBeNull();
    expect(await getTask(task.id)).toMatchObject({ status: "cancelled" });
    const { events } = await eventPage(task.id, "?after=2");
    expect(events.map((event) => event.type)).toEqual(["task.cancelled"]);
    expect(events[0]?.data).toMatchObject({ from: "queued", to: "cancelled", by: "configured-admin" });

    const again = await expectProblem(await api.request("POST", `/api/tasks/${task.id}/cancel`), 409);
    expect(again.detail).toContain("cancelled");
    await expectProblem(await api.request("POST", `/api/tasks/${newId("task")}/cancel`), 404);
  });

  it("asks the worker to stop a running task: still running, cancelRequested, 409 when asked twice", async () => {
    const { task } = await queuedTask();
    await finish(task.id, "none");
    const requested = await expectJson<CodeGenerationTask>(
      await api.request("POST", `/api/tasks/${task.id}/cancel`),
      202,
    );
    expect(requested).toMatchObject({ status: "running", cancelRequested: true });
    await expectProblem(await api.request("POST", `/api/tasks/${task.id}/cancel`), 409);
  });
});

describe("POST /api/tasks/:taskId/retry", () => {
  it("retries a cancelled or failed task as a new queued task on the same pull request", async () => {
    const { task, story } = await queuedTask();
    await expectProblem(await api.request("POST", `/api/tasks/${task.id}/retry`), 409);
    await expectJson(await api.request("POST", `/api/tasks/${task.id}/cancel`), 202);

    const viewer = await createToken(api, "viewer");
    await expectProblem(
      await api.request("POST", `/api/tasks/${task.id}/retry`, { token: viewer.token }),
      403,
    );

    const wakesBefore = wakes;
    const retry = await expectJson<CodeGenerationTask>(
      await api.request("POST", `/api/tasks/${task.id}/retry`),
      202,
    );
    expect(retry).toMatchObject({
      status: "queued",
      attempt: 1,
      retryOf: task.id,
      storyId: story.id,
      branch: task.branch,
      pullRequest: task.pullRequest,
      agent: task.agent,
      maxAttempts: task.maxAttempts,
      error: null,
      commit: null,
      finishedAt: null,
    });
    expect(retry.id).not.toBe(task.id);
    expect(wakes).toBe(wakesBefore + 1);
    expect(await getTask(retry.id)).toEqual(retry);
    const retried = (await eventPage(task.id)).events.at(-1);
    expect(retried).toMatchObject({ type: "task.retried", data: { newTaskId: retry.id } });
    // TASK.md is written again to the same pull request's branch (unchanged, so no new commit).
    const retryEvents = (await eventPage(retry.id)).events;
    expect(retryEvents.map((event) => event.type)).toEqual(["pull_request.opened", "task.queued"]);
    expect(retryEvents[0]?.data).toMatchObject({ number: task.pullRequest.number, created: false });

    // While the retry is active, the story takes no other.
    const active = await expectProblem(await api.request("POST", `/api/tasks/${task.id}/retry`), 409);
    expect(active.detail).toContain(retry.id);

    await finish(retry.id, "fail");
    const second = await expectJson<CodeGenerationTask>(
      await api.request("POST", `/api/tasks/${retry.id}/retry`),
      202,
    );
    expect(second).toMatchObject({ status: "queued", retryOf: retry.id });
  });

  it("refuses to retry a running or succeeded task (409)", async () => {
    const { task } = await queuedTask();
    await finish(task.id, "none");
    await expectProblem(await api.request("POST", `/api/tasks/${task.id}/retry`), 409);
    await api.deps.tasks.transition(task.id, "succeed", { commit: "b".repeat(40) });
    const problem = await expectProblem(await api.request("POST", `/api/tasks/${task.id}/retry`), 409);
    expect(problem.detail).toContain("succeeded");
    await expectProblem(await api.request("POST", `/api/tasks/${newId("task")}/retry`), 404);
  });
});

describe("GET /api/queue", () => {
  it("counts queued and running tasks, ages the oldest queued one, and lists live workers", async () => {
    let clock = Date.parse("2030-01-01T12:00:00.000Z");
    const { api: queueApi } = await createApiWithLocalForge({ now: () => new Date(clock) });
    const readQueue = async () =>
      expectJson<Record<string, unknown>>(await queueApi.request("GET", "/api/queue"), 200);
    expect(await readQueue()).toEqual({
      queued: 0,
      running: 0,
      oldestQueuedAgeSeconds: null,
      expiredLeases: 0,
      workers: [],
    });

    const first = await queuedTask(queueApi);
    clock += 30_000;
    await queuedTask(queueApi);
    clock += 15_000;
    await queuedTask(queueApi);
    clock += 45_000;
    expect(await readQueue()).toMatchObject({ queued: 3, running: 0, oldestQueuedAgeSeconds: 90 });

    // Once the oldest is claimed, the age is the next one's.
    await finish(first.task.id, "none", queueApi);
    const worker = {
      id: "worker-1",
      version: "1.2.3",
      startedAt: new Date().toISOString(),
      lastHeartbeatAt: new Date().toISOString(),
      runningTasks: [first.task.id],
    };
    await queueApi.deps.workers.heartbeat(worker, 60);
    expect(await readQueue()).toEqual({
      queued: 2,
      running: 1,
      oldestQueuedAgeSeconds: 60,
      expiredLeases: 0,
      workers: [worker],
    });

    const viewer = await createToken(queueApi, "viewer");
    expect((await queueApi.request("GET", "/api/queue", { token: viewer.token })).status).toBe(200);
    await expectProblem(await queueApi.request("GET", "/api/queue", { token: null }), 401);
  });
});

/**
 * What a project-scoped token learns of other projects: nothing. The queue shows its project's
 * figures and running tasks only, and an id in another project answers 404 as an unknown id does
 * (a 403 would confirm that it exists). Role failures stay 403.
 */
import { newId } from "@aipm/shared";
import type { TestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import { createAcceptanceTest, createStory, createToken, expectJson, expectProblem } from "./fixtures.ts";
import {
  api,
  type CodeGeneration,
  createApiWithLocalForge,
  finish,
  generate,
  queuedTask,
  useTaskApi,
} from "./task-support.ts";

useTaskApi();

/** Another queued task in `projectId`: a new story with a test, generated. */
async function anotherTask(on: TestApi, projectId: string): Promise<CodeGeneration> {
  const story = await createStory(on, projectId, { title: "Refund a card" });
  await createAcceptanceTest(on, story.id);
  return expectJson<CodeGeneration>(await generate(story.id, { on }), 202);
}

interface Queue {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number | null;
  expiredLeases: number;
  workers: { id: string; runningTasks: string[] }[];
}

describe("GET /api/queue with a project-scoped token", () => {
  it("shows the token's project's counts and running tasks only; an unscoped token sees all", async () => {
    const { api: queueApi } = await createApiWithLocalForge();
    const mineRunning = await queuedTask(queueApi);
    await anotherTask(queueApi, mineRunning.project.id);
    const theirsRunning = await queuedTask(queueApi);
    await anotherTask(queueApi, theirsRunning.project.id);
    await anotherTask(queueApi, theirsRunning.project.id);
    await finish(mineRunning.task.id, "none", queueApi);
    await finish(theirsRunning.task.id, "none", queueApi);
    const now = new Date().toISOString();
    await queueApi.deps.workers.heartbeat(
      {
        id: "worker-1",
        version: "1.2.3",
        startedAt: now,
        lastHeartbeatAt: now,
        runningTasks: [mineRunning.task.id, theirsRunning.task.id],
      },
      60,
    );

    const scoped = await createToken(queueApi, "viewer", mineRunning.project.id);
    const seen = await expectJson<Queue>(
      await queueApi.request("GET", "/api/queue", { token: scoped.token }),
      200,
    );
    expect(seen).toMatchObject({ queued: 1, running: 1, expiredLeases: 0 });
    expect(seen.workers.map((worker) => worker.runningTasks)).toEqual([[mineRunning.task.id]]);

    const all = await expectJson<Queue>(await queueApi.request("GET", "/api/queue"), 200);
    expect(all).toMatchObject({ queued: 3, running: 2 });
    expect(all.workers.map((worker) => worker.runningTasks)).toEqual([
      [mineRunning.task.id, theirsRunning.task.id],
    ]);
  });
});

describe("ids outside a project-scoped token's project answer 404, like unknown ones", () => {
  it("tasks", async () => {
    const mine = await queuedTask();
    const theirs = await queuedTask();
    const scoped = await createToken(api, "editor", mine.project.id);
    const as = { token: scoped.token };
    for (const [method, path] of [
      ["GET", `/api/tasks/${theirs.task.id}`],
      ["GET", `/api/tasks/${theirs.task.id}/events`],
      ["POST", `/api/tasks/${theirs.task.id}/cancel`],
      ["POST", `/api/tasks/${theirs.task.id}/retry`],
    ] as const) {
      const outside = await expectProblem(await api.request(method, path, as), 404);
      const unknownId = newId("task");
      const unknown = await expectProblem(
        await api.request(method, path.replace(theirs.task.id, unknownId), as),
        404,
      );
      expect(outside.detail, `${method} ${path}`).toBe(unknown.detail.replace(unknownId, theirs.task.id));
    }
    const stream = await api.request("GET", `/api/tasks/${theirs.task.id}/events`, {
      ...as,
      headers: { Accept: "text/event-stream" },
    });
    await expectProblem(stream, 404);
    await expectProblem(await api.request("GET", `/api/tasks?projectId=${theirs.project.id}`, as), 404);
    await expectJson(await api.request("GET", `/api/tasks/${mine.task.id}`, as), 200);
  });

  it("stories and acceptance tests", async () => {
    const mine = await queuedTask();
    const theirs = await queuedTask();
    const theirTest = await createAcceptanceTest(api, theirs.story.id);
    const scoped = await createToken(api, "editor", mine.project.id);
    const as = { token: scoped.token };

    const outside = await expectProblem(await api.request("GET", `/api/stories/${theirs.story.id}`, as), 404);
    const unknownId = newId("story");
    const unknown = await expectProblem(await api.request("GET", `/api/stories/${unknownId}`, as), 404);
    expect(outside.detail).toBe(unknown.detail.replace(unknownId, theirs.story.id));

    const requests: [string, string, unknown][] = [
      ["PATCH", `/api/stories/${theirs.story.id}`, { version: 1, title: "Taken" }],
      ["DELETE", `/api/stories/${theirs.story.id}`, undefined],
      ["GET", `/api/stories/${theirs.story.id}/acceptance-tests`, undefined],
      ["GET", `/api/stories/${theirs.story.id}/invest`, undefined],
      ["PATCH", `/api/acceptance-tests/${theirTest.id}`, { title: "Taken" }],
      ["DELETE", `/api/acceptance-tests/${theirTest.id}`, undefined],
    ];
    for (const [method, path, body] of requests) {
      const response = await api.request(method, path, { ...as, ...(body !== undefined ? { body } : {}) });
      const problem = await expectProblem(response, 404);
      expect(problem.type, `${method} ${path}`).toBe("https://aipm.dev/problems/not-found");
    }
    await expectJson(await api.request("GET", `/api/stories/${theirs.story.id}`), 200);
  });

  it("projects", async () => {
    const mine = await queuedTask();
    const theirs = await queuedTask();
    const scoped = await createToken(api, "editor", mine.project.id);
    const as = { token: scoped.token };
    const requests: [string, string, unknown][] = [
      ["GET", `/api/projects/${theirs.project.id}`, undefined],
      ["PATCH", `/api/projects/${theirs.project.id}`, { name: "Taken" }],
      ["GET", `/api/projects/${theirs.project.id}/stories`, undefined],
      ["POST", `/api/projects/${theirs.project.id}/stories`, { title: "Planted" }],
      ["GET", `/api/projects/${theirs.project.id}/usage`, undefined],
    ];
    for (const [method, path, body] of requests) {
      const response = await api.request(method, path, { ...as, ...(body !== undefined ? { body } : {}) });
      const problem = await expectProblem(response, 404);
      expect(problem.type, `${method} ${path}`).toBe("https://aipm.dev/problems/not-found");
    }
  });

  it("keeps role failures 403: a scoped viewer writing in its own project", async () => {
    const mine = await queuedTask();
    const viewer = await createToken(api, "viewer", mine.project.id);
    const problem = await expectProblem(
      await api.request("POST", `/api/tasks/${mine.task.id}/cancel`, { token: viewer.token }),
      403,
    );
    expect(problem.detail).toContain("viewer");
    await expectProblem(
      await api.request("POST", `/api/projects/${mine.project.id}/stories`, {
        token: viewer.token,
        body: { title: "New" },
      }),
      403,
    );
    expect(await createStory(api, mine.project.id)).toBeTruthy();
  });
});

/**
 * Generate Code & PR end to end: the API opens the pull request at once, a worker runs the scaffold
 * agent and pushes its commit to the local forge over HTTP; idempotency, retry and the worker's
 * own HTTP endpoints.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CodeGenerationTask } from "@aipm/shared";
import { describe, expect, it, onTestFinished } from "vitest";
import { serveWorkerHttp } from "../src/http.ts";
import { expectGaplessSeqs, expectOneScaffoldRun, useStack } from "./stack.ts";

const finished = (task: CodeGenerationTask) => !["queued", "running"].includes(task.status);
const stack = useStack();

describe("Generate Code & PR with the scaffold agent", { timeout: 60_000 }, () => {
  it("answers 202 with the pull request at once, then the worker commits the skeleton on the PR branch", async () => {
    // A vitest project, so the scaffold agent writes a vitest file.
    const seed = await stack.clone();
    await writeFile(
      join(seed.dir, "package.json"),
      JSON.stringify({ name: "shop", type: "module", devDependencies: { typescript: "5", vitest: "4" } }),
    );
    await writeFile(join(seed.dir, "tsconfig.json"), "{}\n");
    await seed.git("add", "--all");
    await seed.git("commit", "--quiet", "-m", "Use vitest");
    await seed.git("push", "--quiet", "origin", "HEAD:main");
    const story = await stack.createStory({ title: "Reorder stories", acceptanceTests: 2 });

    const created = await stack.generate(story.id);
    expect(created.task).toMatchObject({ status: "queued", attempt: 1, agent: "scaffold" });
    expect(created.pullRequest.url).toBe(
      `${stack.url}/forge/acme/${stack.project.repository.name}/pull/${created.pullRequest.number}`,
    );
    expect(created.task.pullRequest).toEqual({
      number: created.pullRequest.number,
      url: created.pullRequest.url,
    });

    stack.startComposedWorker();
    const task = await stack.waitForTask(created.task.id, finished);
    expect(task).toMatchObject({ status: "succeeded", error: null, leaseOwner: null });
    expect(task.commit).toMatch(/^[0-9a-f]{40}$/);

    const events = await stack.events(task.id);
    expectOneScaffoldRun(events);
    const committed = events.find((event) => event.type === "git.committed");
    const files = committed?.data.files as string[];
    expect(files).toHaveLength(1);
    const skeletonPath = files[0] ?? "";
    expect(skeletonPath).toMatch(/^tests\/acceptance\/reorder-stories-[a-z0-9]+\.test\.ts$/);

    const clone = await stack.clone();
    await clone.git("fetch", "--quiet", "origin", created.pullRequest.branch);
    expect(await clone.git("rev-parse", "FETCH_HEAD")).toBe(task.commit);
    expect(await clone.git("diff-tree", "--no-commit-id", "--name-only", "-r", task.commit ?? "")).toBe(
      skeletonPath,
    );
    const skeleton = await clone.git("show", `${task.commit}:${skeletonPath}`);
    expect(skeleton).toContain('from "vitest"');
    expect(skeleton).toContain("Card accepted 1");
    expect(skeleton).toContain("Card accepted 2");
    expect(skeleton).toContain("a cart with one book");
    expect(await clone.git("log", "-1", "--format=%B", task.commit ?? "")).toContain(task.id);

    // The parent is the TASK.md commit the API made when it opened the pull request.
    const parent = await clone.git("rev-parse", `${task.commit}^`);
    const started = events.find((event) => event.type === "agent.started");
    expect(started?.data.baseCommit).toBe(parent);
    expect(await clone.git("diff-tree", "--no-commit-id", "--name-only", "-r", parent)).toBe("TASK.md");
    expect(await clone.git("show", `${parent}:TASK.md`)).toContain(task.id);
    expect(await clone.git("rev-parse", `${parent}^`)).toBe(await seed.git("rev-parse", "HEAD"));
  });

  it("returns the same task and pull request for a repeated Idempotency-Key, and 409 for a second task", async () => {
    const story = await stack.createStory();
    const path = `/api/stories/${story.id}/code-generations`;
    const headers = { "Idempotency-Key": "double-click-1" };

    const first = await stack.generate(story.id, {}, headers);
    const second = await stack.generate(story.id, {}, headers);
    expect(second.task.id).toBe(first.task.id);
    expect(second.pullRequest).toEqual(first.pullRequest);
    const listed = await stack.request<{ tasks: CodeGenerationTask[] }>(
      "GET",
      `/api/tasks?storyId=${story.id}`,
    );
    expect(listed.body.tasks.map((task) => task.id)).toEqual([first.task.id]);

    const again = await stack.request<{ type: string; detail: string }>("POST", path, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain(first.task.id);
  });

  it("retries a failed task as a new task on the same branch and pull request, and refuses a succeeded one", async () => {
    const failed = await stack.queueTask({ agent: "command:exit 3" });
    stack.startWorker();
    await stack.waitForTask(failed.task.id, (task) => task.status === "failed");

    const retried = await stack.request<CodeGenerationTask>("POST", `/api/tasks/${failed.task.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({
      status: "queued",
      attempt: 1,
      retryOf: failed.task.id,
      branch: failed.task.branch,
      pullRequest: failed.task.pullRequest,
      agent: "command:exit 3",
    });
    expect(retried.body.id).not.toBe(failed.task.id);
    await stack.waitForTask(retried.body.id, (task) => task.status === "failed");
    const original = await stack.events(failed.task.id);
    expect(original.at(-1)).toMatchObject({ type: "task.retried", data: { newTaskId: retried.body.id } });
    expectGaplessSeqs(original);

    const succeeded = await stack.queueTask();
    await stack.waitForTask(succeeded.task.id, finished);
    const refused = await stack.request<{ detail: string }>("POST", `/api/tasks/${succeeded.task.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("succeeded");
  });
});

describe("the worker's own HTTP endpoints and its place in the queue", { timeout: 60_000 }, () => {
  it("serves health and metrics, and GET /api/queue lists the live worker", async () => {
    const { worker, metrics } = stack.startComposedWorker({ AIPM_WORKER_ID: "metrics-worker" });
    const http = await serveWorkerHttp(worker, metrics, 0, "127.0.0.1");
    onTestFinished(() => http.close());
    const base = `http://127.0.0.1:${http.port}`;

    for (let index = 0; index < 2; index++) {
      const { task } = await stack.queueTask();
      await stack.waitForTask(task.id, (current) => current.status === "succeeded");
    }

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("Content-Type")).toBe("application/json");
    expect(await health.json()).toMatchObject({ status: "ok", id: "metrics-worker", runningTasks: [] });

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^aipm_worker_tasks_total\{outcome="succeeded"\} 2$/m);
    expect(text).toContain("aipm_worker_claim_latency_seconds_count 2");

    const queue = await stack.request<{
      queued: number;
      running: number;
      workers: { id: string; version: string; lastHeartbeatAt: string }[];
    }>("GET", "/api/queue");
    expect(queue.status).toBe(200);
    expect(queue.body).toMatchObject({ queued: 0, running: 0 });
    const listed = queue.body.workers.find((candidate) => candidate.id === "metrics-worker");
    expect(listed).toMatchObject({ version: "0.0.0-dev" });
    expect(Date.now() - Date.parse(listed?.lastHeartbeatAt ?? "")).toBeLessThan(15_000);

    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

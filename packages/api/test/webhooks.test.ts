/** GitHub's webhook: signed deliveries move a story when its pull request is merged or closed. */
import { createHmac } from "node:crypto";
import { newId } from "@aipm/shared";
import { createTestApi, type TestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import { expectJson, expectProblem, type StoryDetail } from "./fixtures.ts";
import { api, eventPage, finish, local, queuedTask, useTaskApi, WEBHOOK_SECRET } from "./task-support.ts";

useTaskApi();

describe("POST /api/webhooks/github", () => {
  const sign = (body: string, secret = WEBHOOK_SECRET) =>
    `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;

  function deliver(
    payload: unknown,
    options: { event?: string; signature?: string | null; on?: TestApi } = {},
  ): Promise<Response> {
    const body = JSON.stringify(payload);
    const signature = options.signature === undefined ? sign(body) : options.signature;
    return (options.on ?? api).request("POST", "/api/webhooks/github", {
      token: null,
      body,
      headers: {
        "X-GitHub-Event": options.event ?? "pull_request",
        ...(signature !== null ? { "X-Hub-Signature-256": signature } : {}),
      },
    });
  }

  const closed = (number: number, branch: string, merged: boolean) => ({
    action: "closed",
    pull_request: { number, merged, head: { ref: branch } },
    repository: { name: "shop", owner: { login: "acme" } },
  });

  async function storyStatus(storyId: string): Promise<string> {
    return (await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${storyId}`), 200)).status;
  }

  it("is 503 when no webhook secret is configured", async () => {
    const unconfigured = await createTestApi(local);
    const problem = await expectProblem(await deliver(closed(1, "aipm/x", true), { on: unconfigured }), 503);
    expect(problem.detail).toContain("webhook secret");
  });

  it("is 401 for a missing or wrong signature, and changes nothing", async () => {
    const { story, pullRequest } = await queuedTask();
    const payload = closed(pullRequest.number, pullRequest.branch, true);
    await expectProblem(await deliver(payload, { signature: null }), 401);
    await expectProblem(
      await deliver(payload, { signature: sign(JSON.stringify(payload), "another-secret") }),
      401,
    );
    await expectProblem(await deliver(payload, { signature: "sha256=00" }), 401);
    await expectProblem(
      await deliver(payload, { signature: sign(JSON.stringify(payload)).replace("sha256=", "sha1=") }),
      401,
    );
    expect(await storyStatus(story.id)).toBe("In Progress");
  });

  it("moves the story to Done when its pull request is merged, and records it on the task", async () => {
    const { story, task, pullRequest } = await queuedTask();
    await finish(task.id, "succeed");
    expect(await storyStatus(story.id)).toBe("In Progress");

    const response = await deliver(closed(pullRequest.number, pullRequest.branch, true));
    expect(response.status).toBe(202);
    expect(await storyStatus(story.id)).toBe("Done");
    const { events, taskStatus } = await eventPage(task.id);
    expect(taskStatus).toBe("succeeded");
    expect(events.at(-1)).toMatchObject({
      type: "pull_request.merged",
      data: { number: pullRequest.number },
    });
  });

  it("hands an In Progress story back to Ready when its pull request is closed unmerged, and cancels the task", async () => {
    const { story, task, pullRequest } = await queuedTask();
    expect(await storyStatus(story.id)).toBe("In Progress");

    expect((await deliver(closed(pullRequest.number, pullRequest.branch, false))).status).toBe(202);
    expect(await storyStatus(story.id)).toBe("Ready");
    const { events, taskStatus } = await eventPage(task.id, "?after=2");
    expect(taskStatus).toBe("cancelled");
    expect(events.map((event) => event.type)).toEqual(["pull_request.closed", "task.cancelled"]);
    expect(events[1]?.data).toMatchObject({ reason: "pull request closed" });
  });

  it("answers 204 to other events, other actions and branches that are not AIPM's", async () => {
    const { story, pullRequest } = await queuedTask();
    const merged = closed(pullRequest.number, pullRequest.branch, true);
    expect((await deliver({ zen: "Keep it logically awesome.", hook_id: 1 }, { event: "ping" })).status).toBe(
      204,
    );
    expect((await deliver(merged, { event: "push" })).status).toBe(204);
    expect((await deliver({ ...merged, action: "opened" })).status).toBe(204);
    expect((await deliver(closed(pullRequest.number, "feature/pay-by-card", true))).status).toBe(204);
    expect((await deliver(closed(pullRequest.number, `aipm/${newId("story")}-gone`, true))).status).toBe(204);
    expect((await deliver({ action: "closed" })).status).toBe(204);
    expect(await storyStatus(story.id)).toBe("In Progress");
  });
});

/** GitHub's webhook: signed deliveries move a story when its pull request is merged or closed. */
import { createHmac, randomUUID } from "node:crypto";
import { newId } from "@aipm/shared";
import { createTestApi, type TestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  expectProblem,
  type StoryDetail,
} from "./fixtures.ts";
import {
  api,
  type CodeGeneration,
  eventPage,
  finish,
  generate,
  github,
  local,
  queuedTask as localTask,
  unique,
  useFakeGithub,
  useTaskApi,
  WEBHOOK_SECRET,
} from "./task-support.ts";

useTaskApi();

// GitHub's deliveries apply to projects on GitHub: the app gets a GitHub forge on a fake GitHub.
useFakeGithub();

/** A story with a queued task on a GitHub project acme/<name>; its one acceptance test is Pass unless told. */
async function queuedTask(testStatus: "Pass" | "Draft" = "Pass") {
  const name = `shop-${unique()}`;
  github.state.addRepository(`acme/${name}`);
  const project = await createProject(api, { repository: { provider: "github", owner: "acme", name } });
  const story = await createStory(api, project.id, { title: "Pay by card" });
  await createAcceptanceTest(api, story.id, { title: "A valid card is charged", status: testStatus });
  const generation = await expectJson<CodeGeneration>(await generate(story.id), 202);
  return { project, story, ...generation };
}

describe("POST /api/webhooks/github", () => {
  const sign = (body: string, secret = WEBHOOK_SECRET) =>
    `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;

  function deliver(
    payload: unknown,
    options: { event?: string; signature?: string | null; on?: TestApi; delivery?: string } = {},
  ): Promise<Response> {
    const body = JSON.stringify(payload);
    const signature = options.signature === undefined ? sign(body) : options.signature;
    return (options.on ?? api).request("POST", "/api/webhooks/github", {
      token: null,
      body,
      headers: {
        "X-GitHub-Event": options.event ?? "pull_request",
        "X-GitHub-Delivery": options.delivery ?? randomUUID(),
        ...(signature !== null ? { "X-Hub-Signature-256": signature } : {}),
      },
    });
  }

  const closed = (
    number: number,
    branch: string,
    merged: boolean,
    repository: { owner: string; name: string } = { owner: "acme", name: "shop" },
  ) => ({
    action: "closed",
    pull_request: { number, merged, head: { ref: branch } },
    repository: { name: repository.name, owner: { login: repository.owner } },
  });
  const on = (project: { repository: { owner: string; name: string } }) => ({
    owner: project.repository.owner,
    name: project.repository.name,
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
    const { project, story, pullRequest } = await queuedTask();
    const payload = closed(pullRequest.number, pullRequest.branch, true, on(project));
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
    const { project, story, task, pullRequest } = await queuedTask();
    await finish(task.id, "succeed");
    expect(await storyStatus(story.id)).toBe("In Progress");

    const response = await deliver(closed(pullRequest.number, pullRequest.branch, true, on(project)));
    expect(response.status).toBe(202);
    expect(await storyStatus(story.id)).toBe("Done");
    const { events, taskStatus } = await eventPage(task.id);
    expect(taskStatus).toBe("succeeded");
    expect(events.at(-1)).toMatchObject({
      type: "pull_request.merged",
      data: { number: pullRequest.number },
    });
  });

  it("moves the story to Review, with the reason, when its pull request is merged but a test is not Pass (issue 17)", async () => {
    const { project, story, task, pullRequest } = await queuedTask("Draft");
    await finish(task.id, "succeed");
    const response = await deliver(closed(pullRequest.number, pullRequest.branch, true, on(project)));
    expect(response.status).toBe(202);
    const after = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200);
    expect(after.status).toBe("Review");
    expect(after.statusReason).toMatch(/requires every acceptance test Pass/);
    expect((await eventPage(task.id)).events.at(-1)).toMatchObject({
      type: "pull_request.merged",
      data: { number: pullRequest.number, storyStatus: "Review" },
    });
  });

  it("hands an In Progress story back to Ready when its pull request is closed unmerged, and cancels the task", async () => {
    const { project, story, task, pullRequest } = await queuedTask();
    expect(await storyStatus(story.id)).toBe("In Progress");

    expect((await deliver(closed(pullRequest.number, pullRequest.branch, false, on(project)))).status).toBe(
      202,
    );
    expect(await storyStatus(story.id)).toBe("Ready");
    const { events, taskStatus } = await eventPage(task.id, "?after=2");
    expect(taskStatus).toBe("cancelled");
    expect(events.map((event) => event.type)).toEqual(["pull_request.closed", "task.cancelled"]);
    expect(events[1]?.data).toMatchObject({ reason: "pull request closed" });
  });

  it("answers 204 to other events, other actions and branches that are not AIPM's", async () => {
    const { project, story, pullRequest } = await queuedTask();
    const merged = closed(pullRequest.number, pullRequest.branch, true, on(project));
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

  it("applies a delivery once: a replay after the story was moved back changes nothing", async () => {
    const { project, story, task, pullRequest } = await queuedTask();
    await finish(task.id, "succeed");
    const delivery = randomUUID();
    const merged = closed(pullRequest.number, pullRequest.branch, true, on(project));
    expect((await deliver(merged, { delivery })).status).toBe(202);
    expect(await storyStatus(story.id)).toBe("Done");
    const eventsAfter = (await eventPage(task.id)).events.length;

    const done = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200);
    await expectJson<StoryDetail>(
      await api.request("PATCH", `/api/stories/${story.id}`, {
        body: { version: done.version, status: "In Progress" },
      }),
      200,
    );
    const replay = await deliver(merged, { delivery });
    expect([200, 204]).toContain(replay.status);
    // The signature covers the body, not the delivery id: the same body under a new id is a replay too.
    expect([200, 204]).toContain((await deliver(merged, { delivery: randomUUID() })).status);
    expect(await storyStatus(story.id)).toBe("In Progress");
    expect((await eventPage(task.id)).events).toHaveLength(eventsAfter);
  });

  it("changes nothing for a delivery naming another repository", async () => {
    const { project, story, task, pullRequest } = await queuedTask();
    await finish(task.id, "succeed");
    for (const repository of [
      { owner: "mallory", name: project.repository.name },
      { owner: project.repository.owner, name: "another-shop" },
    ]) {
      const response = await deliver(closed(pullRequest.number, pullRequest.branch, true, repository));
      expect(response.status).toBe(204);
    }
    const { repository: _none, ...withoutRepository } = closed(pullRequest.number, pullRequest.branch, true);
    expect((await deliver(withoutRepository)).status).toBe(204);
    expect(await storyStatus(story.id)).toBe("In Progress");
    expect((await eventPage(task.id)).events.map((event) => event.type)).not.toContain("pull_request.merged");
  });

  it("changes nothing for a delivery about a local project's branch", async () => {
    const { project, story, task, pullRequest } = await localTask();
    await finish(task.id, "succeed");
    const response = await deliver(closed(pullRequest.number, pullRequest.branch, true, on(project)));
    expect(response.status).toBe(204);
    expect(await storyStatus(story.id)).toBe("In Progress");
    expect((await eventPage(task.id)).events.map((event) => event.type)).not.toContain("pull_request.merged");
  });
});

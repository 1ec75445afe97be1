/**
 * What agents consumed, summed per story and per project; the monthly budget that refuses new
 * code generations once spent; and the agents a deployment offers, from its workers' reports.
 */
import type { AgentList, AgentUsage, CodeGenerationTask } from "@aipm/shared";
import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  createToken,
  expectJson,
  expectProblem,
  type Project,
} from "./fixtures.ts";

const api = useTestApi();

const usage = (costUsd: number | null, inputTokens = 1_000): AgentUsage => ({
  inputTokens,
  outputTokens: 100,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd,
  costEstimated: false,
  turns: 3,
  durationMs: 2_000,
  model: "claude-sonnet-4-5",
});

/** A local project and a story ready for Generate Code & PR. */
async function storyInLocalProject(fields: Record<string, unknown> = {}) {
  const project = await createProject(api, {
    repository: { provider: "local", owner: "acme", name: `shop-${Math.random().toString(36).slice(2, 8)}` },
    ...fields,
  });
  const story = await createStory(api, project.id);
  await createAcceptanceTest(api, story.id);
  return { project, story };
}

const generate = (storyId: string) =>
  api.request("POST", `/api/stories/${storyId}/code-generations`, { body: {} });

/** Runs the task as a worker would, ending it with `spent`. */
async function finishWith(task: CodeGenerationTask, spent: AgentUsage | null): Promise<CodeGenerationTask> {
  const claimed = await api.deps.tasks.claimNext("worker-usage", 60_000);
  expect(claimed?.id).toBe(task.id);
  return api.deps.tasks.transition(task.id, "succeed", {
    leaseOwner: "worker-usage",
    commit: "a".repeat(40),
    ...(spent ? { usage: spent } : {}),
  });
}

describe("usage", () => {
  it("is recorded on the task, summed over its attempts, and summed per story and per project", async () => {
    const { project, story } = await storyInLocalProject();
    const other = await createStory(api, project.id, { title: "Refund" });
    await createAcceptanceTest(api, other.id);

    const first = await expectJson<{ task: CodeGenerationTask }>(await generate(story.id), 202);
    expect(first.task.usage).toBeNull();
    const claimed = await api.deps.tasks.claimNext("worker-usage", 60_000);
    // A first attempt handed back (the worker shut down) still spent money.
    await api.deps.tasks.transition(first.task.id, "release", {
      leaseOwner: "worker-usage",
      usage: usage(0.25),
    });
    expect(claimed?.id).toBe(first.task.id);
    const done = await finishWith(first.task, usage(0.5, 3_000));
    expect(done.usage).toEqual({ ...usage(0.75, 4_000), outputTokens: 200, turns: 6, durationMs: 4_000 });
    expect(
      await expectJson<CodeGenerationTask>(await api.request("GET", `/api/tasks/${first.task.id}`), 200),
    ).toMatchObject({
      usage: { inputTokens: 4_000, costUsd: 0.75 },
    });

    const second = await expectJson<{ task: CodeGenerationTask }>(await generate(other.id), 202);
    await finishWith(second.task, usage(null, 10));

    const summary = await expectJson<{
      usage: {
        tasks: number;
        total: AgentUsage;
        stories: { storyId: string; tasks: number; usage: AgentUsage }[];
      };
      month: { costUsd: number; monthlyBudgetUsd: number | null };
    }>(await api.request("GET", `/api/projects/${project.id}/usage`), 200);
    expect(summary.usage.tasks).toBe(2);
    expect(summary.usage.total).toMatchObject({ inputTokens: 4_010, costUsd: 0.75, turns: 9 });
    expect(summary.usage.stories).toEqual(
      expect.arrayContaining([
        { storyId: story.id, tasks: 1, usage: expect.objectContaining({ inputTokens: 4_000 }) },
        { storyId: other.id, tasks: 1, usage: expect.objectContaining({ inputTokens: 10, costUsd: null }) },
      ]),
    );
    expect(summary.month).toMatchObject({ costUsd: 0.75, monthlyBudgetUsd: null });

    const future = await expectJson<{ usage: { tasks: number } }>(
      await api.request("GET", `/api/projects/${project.id}/usage?since=2999-01-01T00:00:00.000Z`),
      200,
    );
    expect(future.usage.tasks).toBe(0);

    expect(await expectJson(await api.request("GET", `/api/stories/${story.id}/usage`), 200)).toEqual({
      storyId: story.id,
      tasks: 1,
      usage: expect.objectContaining({ inputTokens: 4_000, costUsd: 0.75 }),
    });
  });

  it("is not found by a token scoped to another project", async () => {
    const { project } = await storyInLocalProject();
    const { project: elsewhere } = await storyInLocalProject();
    const scoped = await createToken(api, "viewer", elsewhere.id);
    await expectProblem(
      await api.request("GET", `/api/projects/${project.id}/usage`, { token: scoped.token }),
      404,
    );
  });
});

describe("the monthly budget", () => {
  it("refuses Generate Code & PR with 409 once the month's spending reaches it, and an admin can raise it", async () => {
    const { project, story } = await storyInLocalProject({ monthlyBudgetUsd: 1 });
    expect(project.monthlyBudgetUsd).toBe(1);
    const first = await expectJson<{ task: CodeGenerationTask }>(await generate(story.id), 202);
    expect((await api.deps.tasks.claimNext("worker-usage", 60_000))?.id).toBe(first.task.id);
    await api.deps.tasks.transition(first.task.id, "fail", {
      leaseOwner: "worker-usage",
      error: { code: "agent_failed", message: "tests failed" },
      usage: usage(1.2),
    });

    const retried = await expectProblem(await api.request("POST", `/api/tasks/${first.task.id}/retry`), 409);
    expect(retried.type).toMatch(/budget-exceeded$/);
    const refused = await expectProblem(await generate(story.id), 409);
    expect(refused.type).toMatch(/budget-exceeded$/);
    expect(refused.detail).toMatch(
      /spent \$1\.20 .* monthly budget of \$1\. An admin can raise monthlyBudgetUsd/,
    );
    const tasks = await expectJson<{ tasks: CodeGenerationTask[] }>(
      await api.request("GET", `/api/tasks?storyId=${story.id}&projectId=${project.id}`),
      200,
    );
    expect(tasks.tasks).toHaveLength(1);

    const editor = await createToken(api, "editor");
    await expectProblem(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        token: editor.token,
        body: { monthlyBudgetUsd: 5 },
      }),
      403,
    );
    const raised = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, { body: { monthlyBudgetUsd: 5 } }),
      200,
    );
    expect(raised.monthlyBudgetUsd).toBe(5);
    await expectJson(await api.request("POST", `/api/tasks/${first.task.id}/retry`), 202);
  });

  it("may be set at creation by an admin only, and is no limit when null", async () => {
    const editor = await createToken(api, "editor");
    const response = await api.request("POST", "/api/projects", {
      token: editor.token,
      body: {
        name: "Paid",
        repository: { provider: "github", owner: "acme", name: "paid" },
        monthlyBudgetUsd: 100,
      },
    });
    await expectProblem(response, 403);
    const unlimited = await createProject(api, {}, editor.token);
    expect(unlimited.monthlyBudgetUsd).toBeNull();
  });
});

describe("GET /api/agents", () => {
  it("offers scaffold and each agent a live worker reported, ready when some worker can run it", async () => {
    const none = await expectJson<AgentList>(await api.request("GET", "/api/agents"), 200);
    expect(none).toEqual({
      defaultAgent: "scaffold",
      commandAgentsAllowed: true,
      agents: [expect.objectContaining({ name: "scaffold", workers: 0, missing: "No worker is running." })],
    });

    const claude = (installed: boolean, configured: boolean) => ({
      name: "claude",
      title: "Claude Code",
      installed,
      configured,
      missing: configured ? null : "Set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for the worker.",
      providerEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"],
      install: "npm install -g @anthropic-ai/claude-code@2.1.332",
    });
    const beat = (id: string, agents: ReturnType<typeof claude>[]) =>
      api.deps.workers.heartbeat(
        {
          id,
          version: "1",
          startedAt: "2026-12-06T00:00:00.000Z",
          lastHeartbeatAt: "2026-12-06T00:00:00.000Z",
          runningTasks: [],
          agents,
        },
        60,
      );
    await beat("w-unconfigured", [claude(true, false)]);
    const unconfigured = await expectJson<AgentList>(await api.request("GET", "/api/agents"), 200);
    expect(unconfigured.agents.find((agent) => agent.name === "claude")).toEqual({
      ...claude(true, false),
      workers: 0,
    });

    await beat("w-ready", [claude(true, true)]);
    const viewer = await createToken(api, "viewer");
    const ready = await expectJson<AgentList>(
      await api.request("GET", "/api/agents", { token: viewer.token }),
      200,
    );
    expect(ready.agents.map((agent) => [agent.name, agent.workers, agent.missing])).toEqual([
      ["scaffold", 2, null],
      ["claude", 1, null],
    ]);
  });
});

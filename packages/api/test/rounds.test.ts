/**
 * Readiness, per-run instructions and review rounds: Generate refuses a story that is not ready
 * unless an editor forces it; instructions reach TASK.md; Retry takes the same body; Request
 * changes queues the next round on the pull request's branch, on the local forge and on GitHub.
 */
import type { CodeGenerationTask } from "@aipm/shared";
import { dynamoLocalPullRequestStore } from "@aipm/store";
import { createTestApi, type FakeGithub, startFakeGithub } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  createToken,
  expectJson,
  expectProblem,
  fieldErrors,
} from "./fixtures.ts";
import {
  api,
  type CodeGeneration,
  eventPage,
  fakeGithubForge,
  finish,
  forge,
  generate,
  gitIn,
  local,
  queuedTask,
  storyWithTests,
  unique,
  useTaskApi,
} from "./task-support.ts";

useTaskApi();

const taskMarkdownOn = (gitDir: string, branch: string) => gitIn(gitDir, "show", `${branch}:TASK.md`);
const requestChanges = (projectId: string, number: number, body: unknown, token?: string) =>
  api.request("POST", `/api/projects/${projectId}/pulls/${number}/rounds`, {
    body,
    ...(token !== undefined ? { token } : {}),
  });

describe("readiness for Generate Code & PR", () => {
  it("refuses a story without acceptance tests or I want (422, each reason), opening nothing", async () => {
    const project = await createProject(api, {
      repository: { provider: "local", owner: "acme", name: `ready-${unique()}` },
    });
    const story = await createStory(api, project.id, { iWant: "" });
    const problem = await expectProblem(await generate(story.id), 422);
    expect(problem.type).toBe("https://aipm.dev/problems/not-ready");
    expect(fieldErrors(problem)).toEqual([
      '(story): Fill in "I want": the agent works from it.',
      "(story): Add at least one acceptance test: the agent proves its work with them.",
    ]);
    expect(await api.deps.tasks.list({ projectId: project.id, storyId: story.id, limit: 10 })).toEqual([]);
    expect(await forge.getPullRequest({ ...project.repository }, 1)).toBeNull();
  });

  it("lets an editor force it, recording who and why; a viewer still may not", async () => {
    const project = await createProject(api, {
      repository: { provider: "local", owner: "acme", name: `force-${unique()}` },
    });
    const story = await createStory(api, project.id);
    const viewer = await createToken(api, "viewer");
    await expectProblem(await generate(story.id, { body: { force: true }, token: viewer.token }), 403);
    const editor = await createToken(api, "editor");
    const { task } = await expectJson<CodeGeneration>(
      await generate(story.id, { body: { force: true }, token: editor.token }),
      202,
    );
    const queued = (await eventPage(task.id)).events.find((event) => event.type === "task.queued");
    expect(queued?.data).toMatchObject({
      forced: {
        by: editor.id,
        problems: ["Add at least one acceptance test: the agent proves its work with them."],
      },
    });
  });
});

describe("instructions for one run", () => {
  it("keeps Generate's instructions on the task and renders them into TASK.md", async () => {
    const { project, story } = await storyWithTests();
    const { task, pullRequest } = await expectJson<CodeGeneration>(
      await generate(story.id, { body: { instructions: "Use the Money type.\n# not a heading" } }),
      202,
    );
    expect(task.instructions).toBe("Use the Money type.\n# not a heading");
    const markdown = await taskMarkdownOn(forge.repositoryPath(project.repository), pullRequest.branch);
    expect(markdown).toContain("## Instructions for this run\n\nUse the Money type.\n\\# not a heading\n");
  });

  it("lets Retry change the agent and instructions, writes them to TASK.md, and rejects unknown fields", async () => {
    const { project, task } = await queuedTask();
    await finish(task.id, "fail");
    const gitDir = forge.repositoryPath(project.repository);
    const before = (await gitIn(gitDir, "rev-parse", task.branch)).trim();
    const unknown = await expectProblem(
      await api.request("POST", `/api/tasks/${task.id}/retry`, { body: { agent: "codex", branch: "x" } }),
      400,
    );
    expect(fieldErrors(unknown)).toContain("(body): unknown field 'branch'");
    const retry = await expectJson<CodeGenerationTask>(
      await api.request("POST", `/api/tasks/${task.id}/retry`, {
        body: { agent: "codex", instructions: "Start from the failing test." },
      }),
      202,
    );
    expect(retry).toMatchObject({ agent: "codex", instructions: "Start from the failing test.", round: 1 });
    expect((await gitIn(gitDir, "rev-parse", `${task.branch}~1`)).trim()).toBe(before);
    expect(await taskMarkdownOn(gitDir, task.branch)).toContain(
      "## Instructions for this run\n\nStart from the failing test.",
    );
  });
});

describe("Request changes (review rounds) on the local forge", () => {
  it("queues round 2 on the branch with the feedback in TASK.md, one at a time, up to maxRounds", async () => {
    const { project, story, task, pullRequest } = await queuedTask();
    await expectJson(
      await api.request("PATCH", `/api/projects/${project.id}`, { body: { maxRounds: 2 } }),
      200,
    );
    // While the first round runs, the story takes no other.
    await expectProblem(await requestChanges(project.id, pullRequest.number, { feedback: "Round it." }), 409);
    await finish(task.id, "succeed");
    const gitDir = forge.repositoryPath(project.repository);
    const head = (await gitIn(gitDir, "rev-parse", pullRequest.branch)).trim();

    const viewer = await createToken(api, "viewer");
    await expectProblem(
      await requestChanges(project.id, pullRequest.number, { feedback: "x" }, viewer.token),
      403,
    );
    await expectProblem(await requestChanges(project.id, pullRequest.number, {}), 400);
    const round = await expectJson<CodeGenerationTask>(
      await requestChanges(project.id, pullRequest.number, {
        feedback: "Totals are off by a cent.",
        instructions: "Round half to even.",
      }),
      202,
    );
    expect(round).toMatchObject({
      storyId: story.id,
      round: 2,
      feedback: "Totals are off by a cent.",
      instructions: "Round half to even.",
      branch: pullRequest.branch,
      pullRequest: { number: pullRequest.number },
      agent: task.agent,
      status: "queued",
    });
    // TASK.md gained the round on top of the branch's head: the agent works from there.
    expect((await gitIn(gitDir, "rev-parse", `${pullRequest.branch}~1`)).trim()).toBe(head);
    const markdown = await taskMarkdownOn(gitDir, pullRequest.branch);
    expect(markdown).toContain("### Round 2 feedback (this round)\n\nTotals are off by a cent.");
    expect(markdown).toContain("## Instructions for this run\n\nRound half to even.");
    expect((await eventPage(round.id)).events.at(-1)).toMatchObject({
      type: "task.queued",
      data: { round: 2, instructions: true },
    });

    await finish(round.id, "succeed");
    const tooMany = await expectProblem(
      await requestChanges(project.id, pullRequest.number, { feedback: "Once more." }),
      422,
    );
    expect(tooMany.type).toBe("https://aipm.dev/problems/limit-exceeded");
    expect(tooMany.detail).toContain("maxRounds 2");
  });

  it("keeps earlier rounds' feedback when a round is retried", async () => {
    const { project, task, pullRequest } = await queuedTask();
    await finish(task.id, "succeed");
    const round = await expectJson<CodeGenerationTask>(
      await requestChanges(project.id, pullRequest.number, { feedback: "Show the card's brand." }),
      202,
    );
    await finish(round.id, "fail");
    const retry = await expectJson<CodeGenerationTask>(
      await api.request("POST", `/api/tasks/${round.id}/retry`),
      202,
    );
    expect(retry).toMatchObject({ round: 2, feedback: "Show the card's brand.", retryOf: round.id });
    const markdown = await taskMarkdownOn(forge.repositoryPath(project.repository), pullRequest.branch);
    expect(markdown).toContain("### Round 2 feedback (this round)\n\nShow the card's brand.");
  });

  it("is 404 for another project's or an unknown pull request, and 409 for a closed one", async () => {
    const { project, task, pullRequest } = await queuedTask();
    await finish(task.id, "succeed");
    const other = await storyWithTests();
    await expectProblem(await requestChanges(other.project.id, pullRequest.number, { feedback: "x" }), 404);
    await expectProblem(await requestChanges(project.id, pullRequest.number + 5, { feedback: "x" }), 404);
    // A token limited to another project does not learn the project exists.
    const scoped = await createToken(api, "editor", other.project.id);
    await expectProblem(
      await requestChanges(project.id, pullRequest.number, { feedback: "x" }, scoped.token),
      404,
    );
    await dynamoLocalPullRequestStore(api.dynamo).setState(
      { owner: project.repository.owner, name: project.repository.name },
      pullRequest.number,
      "closed",
    );
    const closed = await expectProblem(
      await requestChanges(project.id, pullRequest.number, { feedback: "x" }),
      409,
    );
    expect(closed.detail).toContain("closed");
  });
});

describe("Request changes on GitHub", () => {
  it("writes the round's TASK.md to the pull request's branch through the GitHub API", async () => {
    const github: FakeGithub = await startFakeGithub();
    try {
      const repository = github.state.addRepository("acme/rounds");
      const onGithub = await createTestApi(local, {
        forges: {
          github: fakeGithubForge(github),
        },
      });
      const project = await createProject(onGithub, {
        repository: { provider: "github", owner: "acme", name: "rounds" },
      });
      const story = await createStory(onGithub, project.id);
      await createAcceptanceTest(onGithub, story.id);
      const { task, pullRequest } = await expectJson<CodeGeneration>(
        await generate(story.id, { on: onGithub }),
        202,
      );
      await finish(task.id, "succeed", onGithub);
      const round = await expectJson<CodeGenerationTask>(
        await onGithub.request("POST", `/api/projects/${project.id}/pulls/${pullRequest.number}/rounds`, {
          body: { feedback: "Mask all but the last four digits." },
        }),
        202,
      );
      expect(round).toMatchObject({ round: 2, pullRequest: { number: pullRequest.number } });
      expect(repository.pulls).toHaveLength(1);
      expect(repository.file(pullRequest.branch, "TASK.md")).toContain(
        "### Round 2 feedback (this round)\n\nMask all but the last four digits.",
      );
    } finally {
      await github.close();
    }
  });
});

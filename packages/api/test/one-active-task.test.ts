/** One active task per story: concurrent Generate Code & PR and retries queue one task, the rest are 409. */
import { describe, expect, it } from "vitest";
import { expectJson, expectProblem } from "./fixtures.ts";
import {
  api,
  type CodeGeneration,
  finish,
  forge,
  generate,
  gitIn,
  listTasks,
  storyWithTests,
  useTaskApi,
} from "./task-support.ts";

useTaskApi();

describe("one active task per story", () => {
  it("8 concurrent Generate Code & PR without an Idempotency-Key: one 202, seven 409, one task, one pull request", async () => {
    const { project, story } = await storyWithTests();
    const responses = await Promise.all(Array.from({ length: 8 }, () => generate(story.id)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([202, 409, 409, 409, 409, 409, 409, 409]);
    const winner = responses.find((response) => response.status === 202);
    const { task, pullRequest } = await expectJson<CodeGeneration>(winner as Response, 202);
    for (const response of responses.filter((candidate) => candidate.status === 409)) {
      const problem = await expectProblem(response, 409);
      expect(problem.type).toContain("task-active");
    }
    const tasks = await listTasks(`projectId=${project.id}&storyId=${story.id}`);
    expect(tasks.map((candidate) => candidate.id)).toEqual([task.id]);
    // The losers pushed nothing: the branch is the winner's one TASK.md commit, naming its task.
    const gitDir = forge.repositoryPath(project.repository);
    expect((await gitIn(gitDir, "rev-list", "--count", `main..${pullRequest.branch}`)).trim()).toBe("1");
    expect(await gitIn(gitDir, "show", `${pullRequest.branch}:TASK.md`)).toContain(task.id);
    expect(pullRequest.number).toBe(1);
  });

  it("frees the story when its task ends: a new generation is queued, and concurrent retries queue one", async () => {
    const { project, story } = await storyWithTests();
    const first = await expectJson<CodeGeneration>(await generate(story.id), 202);
    await expectProblem(await generate(story.id), 409);
    await finish(first.task.id, "fail");
    const second = await expectJson<CodeGeneration>(await generate(story.id), 202);
    await finish(second.task.id, "fail");

    const retries = await Promise.all(
      [first.task.id, second.task.id, first.task.id, second.task.id].map((taskId) =>
        api.request("POST", `/api/tasks/${taskId}/retry`),
      ),
    );
    expect(retries.map((response) => response.status).sort()).toEqual([202, 409, 409, 409]);
    for (const response of retries.filter((candidate) => candidate.status === 409)) {
      expect((await expectProblem(response, 409)).type).toContain("task-active");
    }
    const active = (await listTasks(`projectId=${project.id}&storyId=${story.id}`)).filter(
      (task) => task.status === "queued",
    );
    expect(active).toHaveLength(1);
  });
});

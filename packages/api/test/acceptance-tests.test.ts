import { newId } from "@aipm/shared";
import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  type AcceptanceTest,
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  expectProblem,
  fieldErrors,
  type StoryDetail,
} from "./fixtures.ts";

const api = useTestApi();

async function listTests(storyId: string): Promise<AcceptanceTest[]> {
  const response = await api.request("GET", `/api/stories/${storyId}/acceptance-tests`);
  return (await expectJson<{ acceptanceTests: AcceptanceTest[] }>(response, 200)).acceptanceTests;
}

describe("acceptance tests", () => {
  it("adds tests to a story as Draft at version 1, and lists them in the order they were added", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    expect(await listTests(story.id)).toEqual([]);

    const first = await createAcceptanceTest(api, story.id, {
      title: "  Card accepted  ",
      given: ["a cart with 2 items", "a valid card"],
      when: ["I pay"],
      then: ["I see a receipt", "I receive an email"],
    });
    expect(first).toMatchObject({
      id: expect.stringMatching(/^act_[0-9a-z]{26}$/),
      storyId: story.id,
      title: "Card accepted",
      given: ["a cart with 2 items", "a valid card"],
      when: ["I pay"],
      then: ["I see a receipt", "I receive an email"],
      status: "Draft",
      version: 1,
    });
    const second = await createAcceptanceTest(api, story.id, { title: "Card declined", status: "Ready" });
    expect(second.status).toBe("Ready");

    expect(await listTests(story.id)).toEqual([first, second]);
    const read = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200);
    expect(read.acceptanceTests).toEqual([first, second]);
  });

  it("changes a test at the version the client read; a stale version is 409", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const test = await createAcceptanceTest(api, story.id);

    const changed = await expectJson<AcceptanceTest>(
      await api.request("PATCH", `/api/acceptance-tests/${test.id}`, {
        body: { version: 1, status: "Pass", then: ["I see a receipt with the total"] },
      }),
      200,
    );
    expect(changed).toEqual({
      ...test,
      status: "Pass",
      then: ["I see a receipt with the total"],
      version: 2,
      updatedAt: expect.any(String),
    });

    const stale = await expectProblem(
      await api.request("PATCH", `/api/acceptance-tests/${test.id}`, {
        body: { version: 1, status: "Fail" },
      }),
      409,
    );
    expect(stale.type).toBe("https://aipm.dev/problems/stale-version");

    const unconditional = await expectJson<AcceptanceTest>(
      await api.request("PATCH", `/api/acceptance-tests/${test.id}`, { body: { title: "Paid" } }),
      200,
    );
    expect(unconditional).toMatchObject({ title: "Paid", status: "Pass", version: 3 });
    expect(await listTests(story.id)).toEqual([unconditional]);
  });

  it("deletes a test; afterwards it is 404", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const kept = await createAcceptanceTest(api, story.id, { title: "Kept" });
    const removed = await createAcceptanceTest(api, story.id, { title: "Removed" });

    const response = await api.request("DELETE", `/api/acceptance-tests/${removed.id}`);
    expect(response.status).toBe(204);
    expect(await listTests(story.id)).toEqual([kept]);
    await expectProblem(await api.request("DELETE", `/api/acceptance-tests/${removed.id}`), 404);
    await expectProblem(
      await api.request("PATCH", `/api/acceptance-tests/${removed.id}`, { body: { title: "Back" } }),
      404,
    );
  });

  it("answers 404 for a story or a test that does not exist", async () => {
    const story = newId("story");
    await expectProblem(await api.request("GET", `/api/stories/${story}/acceptance-tests`), 404);
    await expectProblem(
      await api.request("POST", `/api/stories/${story}/acceptance-tests`, {
        body: { title: "t", given: ["g"], when: ["w"], then: ["t"] },
      }),
      404,
    );
    await expectProblem(
      await api.request("PATCH", `/api/acceptance-tests/${newId("acceptanceTest")}`, {
        body: { title: "x" },
      }),
      404,
    );
  });

  it("needs a title and at least one Given, When and Then step", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const problem = await expectProblem(
      await api.request("POST", `/api/stories/${story.id}/acceptance-tests`, {
        body: { title: " ", given: [], when: ["I pay"], then: [""] },
      }),
      400,
    );
    expect(fieldErrors(problem)).toEqual(
      expect.arrayContaining(["title: must not be empty", "given: needs at least one Given step"]),
    );
    expect(problem.errors?.map((error) => error.path)).toContain("then.0");
    const empty = await expectProblem(
      await api.request("POST", `/api/stories/${story.id}/acceptance-tests`, { body: { title: "t" } }),
      400,
    );
    expect(empty.errors?.map((error) => error.path).sort()).toEqual(["given", "then", "when"]);
    expect(await listTests(story.id)).toEqual([]);
  });

  it("goes with its story when the story is deleted", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const test = await createAcceptanceTest(api, story.id);
    expect((await api.request("DELETE", `/api/stories/${story.id}`)).status).toBe(204);
    await expectProblem(
      await api.request("PATCH", `/api/acceptance-tests/${test.id}`, { body: { title: "x" } }),
      404,
    );
  });
});

import { type InvestAnalysis, newId } from "@aipm/shared";
import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  type Dependency,
  expectJson,
  expectProblem,
  fieldErrors,
  type StoryDetail,
} from "./fixtures.ts";

const api = useTestApi();

function depend(story: { id: string }, on: { id: string }) {
  return api.request("POST", `/api/stories/${story.id}/dependencies`, { body: { dependsOnId: on.id } });
}

async function dependsOn(story: { id: string }): Promise<string[]> {
  return (await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200)).dependsOn;
}

async function threeStories() {
  const project = await createProject(api);
  const [a, b, c] = [
    await createStory(api, project.id, { title: "A" }),
    await createStory(api, project.id, { title: "B" }),
    await createStory(api, project.id, { title: "C" }),
  ];
  return { project, a, b, c };
}

describe("dependencies", () => {
  it("adds a dependency (201); adding it again returns the same one (200)", async () => {
    const { a, b } = await threeStories();
    const created = await expectJson<Dependency>(await depend(a, b), 201);
    expect(created).toEqual({ storyId: a.id, dependsOnId: b.id, createdAt: expect.any(String) });
    expect(await expectJson<Dependency>(await depend(a, b), 200)).toEqual(created);
    expect(await dependsOn(a)).toEqual([b.id]);
    expect(await dependsOn(b)).toEqual([]);
  });

  it("removes a dependency (204); removing it again is 404", async () => {
    const { a, b, c } = await threeStories();
    await expectJson(await depend(a, b), 201);
    await expectJson(await depend(a, c), 201);
    expect((await api.request("DELETE", `/api/stories/${a.id}/dependencies/${b.id}`)).status).toBe(204);
    expect(await dependsOn(a)).toEqual([c.id]);
    await expectProblem(await api.request("DELETE", `/api/stories/${a.id}/dependencies/${b.id}`), 404);
    // The reverse direction was never a dependency.
    await expectProblem(await api.request("DELETE", `/api/stories/${c.id}/dependencies/${a.id}`), 404);
  });

  it("refuses a direct cycle (409)", async () => {
    const { a, b } = await threeStories();
    await expectJson(await depend(a, b), 201);
    const problem = await expectProblem(await depend(b, a), 409);
    expect(problem.type).toBe("https://aipm.dev/problems/cycle");
    expect(await dependsOn(b)).toEqual([]);
  });

  it("refuses an indirect cycle (409), and allows the edge once the chain is broken", async () => {
    const { a, b, c } = await threeStories();
    await expectJson(await depend(a, b), 201);
    await expectJson(await depend(b, c), 201);
    const problem = await expectProblem(await depend(c, a), 409);
    expect(problem.type).toBe("https://aipm.dev/problems/cycle");
    // Named by title, along the whole cycle, each story depending on the next.
    expect(problem.detail).toBe(
      '"A" already depends, directly or through others, on "C", so this dependency would close a cycle: "C" → "A" → "B" → "C". Remove one of those dependencies first.',
    );

    expect((await api.request("DELETE", `/api/stories/${b.id}/dependencies/${c.id}`)).status).toBe(204);
    await expectJson(await depend(c, a), 201);
  });

  it("refuses a dependency of a story on itself (409)", async () => {
    const { a } = await threeStories();
    const problem = await expectProblem(await depend(a, a), 409);
    expect(problem.type).toBe("https://aipm.dev/problems/cycle");
    expect(await dependsOn(a)).toEqual([]);
  });

  it("refuses a story of another project, or none at all (400)", async () => {
    const { a } = await threeStories();
    const other = await createProject(api, { name: "Other" });
    const foreign = await createStory(api, other.id);
    const problem = await expectProblem(await depend(a, foreign), 400);
    expect(fieldErrors(problem)).toEqual(["dependsOnId: must be a story of the same project"]);
    await expectProblem(await depend(a, { id: newId("story") }), 400);
    expect(await dependsOn(a)).toEqual([]);
  });

  it("answers 404 for a story that does not exist", async () => {
    const { a } = await threeStories();
    await expectProblem(await depend({ id: newId("story") }, a), 404);
    await expectProblem(
      await api.request("DELETE", `/api/stories/${newId("story")}/dependencies/${a.id}`),
      404,
    );
  });
});

describe("INVEST analysis", () => {
  it("scores a bare story low, with a warning per missing part", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id, { asA: "", iWant: "", soThat: "" });
    const analysis = await expectJson<InvestAnalysis>(
      await api.request("GET", `/api/stories/${story.id}/invest`),
      200,
    );
    expect(analysis.source).toBe("rules");
    expect(analysis.score).toBeGreaterThanOrEqual(0);
    expect(analysis.score).toBeLessThan(50);
    expect(analysis.warnings.map((warning) => `${warning.criterion} ${warning.rule}`)).toEqual(
      expect.arrayContaining([
        "V missing-as-a",
        "V missing-i-want",
        "V missing-so-that",
        "E missing-story-points",
        "T no-acceptance-tests",
      ]),
    );
    for (const warning of analysis.warnings) {
      expect(warning.message).not.toBe("");
      expect(warning.suggestion).not.toBe("");
    }
  });

  it("scores a complete story 100 with no warnings", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id, { storyPoints: 3 });
    await createAcceptanceTest(api, story.id);
    const analysis = await expectJson<InvestAnalysis>(
      await api.request("GET", `/api/stories/${story.id}/invest`),
      200,
    );
    expect(analysis).toEqual({ score: 100, warnings: [], source: "rules" });
  });

  it("sees the story's dependencies and children", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id, { storyPoints: 8 });
    await createAcceptanceTest(api, story.id);
    for (const title of ["One", "Two", "Three"]) {
      await expectJson(await depend(story, await createStory(api, project.id, { title })), 201);
    }
    await createStory(api, project.id, { title: "Child", parentId: story.id });
    const analysis = await expectJson<InvestAnalysis>(
      await api.request("GET", `/api/stories/${story.id}/invest`),
      200,
    );
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual(
      expect.arrayContaining(["many-dependencies", "large-parent-story"]),
    );
  });

  it("answers 404 for a story that does not exist", async () => {
    await expectProblem(await api.request("GET", `/api/stories/${newId("story")}/invest`), 404);
  });
});

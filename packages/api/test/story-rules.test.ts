import { newId } from "@aipm/shared";
import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  expectProblem,
  fieldErrors,
  type StoryDetail,
} from "./fixtures.ts";

const api = useTestApi();

function patchStory(story: { id: string }, body: Record<string, unknown>) {
  return api.request("PATCH", `/api/stories/${story.id}`, { body });
}

describe("the story hierarchy", () => {
  it("creates a child under a parent of the same project, but not under another project's story", async () => {
    const project = await createProject(api);
    const other = await createProject(api, { name: "Other" });
    const parent = await createStory(api, project.id, { title: "Epic" });
    const child = await createStory(api, project.id, { title: "Slice", parentId: parent.id });
    expect(child.parentId).toBe(parent.id);

    const foreign = await expectProblem(
      await api.request("POST", `/api/projects/${other.id}/stories`, {
        body: { title: "x", parentId: parent.id },
      }),
      400,
    );
    expect(fieldErrors(foreign)).toEqual(["parentId: must be a story of the same project"]);
    await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, {
        body: { title: "x", parentId: newId("story") },
      }),
      400,
    );
  });

  it("creates no story in a project that does not exist (404)", async () => {
    await expectProblem(
      await api.request("POST", `/api/projects/${newId("project")}/stories`, { body: { title: "Orphan" } }),
      404,
    );
  });

  it("re-parents a story, and moves the parent's children count with it", async () => {
    const project = await createProject(api);
    const oldParent = await createStory(api, project.id, { title: "Old parent" });
    const newParent = await createStory(api, project.id, { title: "New parent" });
    const story = await createStory(api, project.id, { title: "Moving", parentId: oldParent.id });

    const moved = await expectJson<StoryDetail>(
      await patchStory(story, { version: 1, parentId: newParent.id }),
      200,
    );
    expect(moved).toMatchObject({ parentId: newParent.id, version: 2 });

    // The old parent has no children left, the new one has one.
    expect((await api.request("DELETE", `/api/stories/${oldParent.id}`)).status).toBe(204);
    await expectProblem(await api.request("DELETE", `/api/stories/${newParent.id}`), 409);

    const root = await expectJson<StoryDetail>(await patchStory(story, { version: 2, parentId: null }), 200);
    expect(root.parentId).toBeNull();
    expect((await api.request("DELETE", `/api/stories/${newParent.id}`)).status).toBe(204);
  });

  it("refuses a parent that would make a cycle (409), directly, through a grandchild, or itself", async () => {
    const project = await createProject(api);
    const root = await createStory(api, project.id, { title: "Root" });
    const child = await createStory(api, project.id, { title: "Child", parentId: root.id });
    const grandchild = await createStory(api, project.id, { title: "Grandchild", parentId: child.id });

    for (const parent of [child, grandchild, root]) {
      const problem = await expectProblem(await patchStory(root, { version: 1, parentId: parent.id }), 409);
      expect(problem.type).toBe("https://aipm.dev/problems/cycle");
    }
    const unchanged = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${root.id}`), 200);
    expect(unchanged).toMatchObject({ parentId: null, version: 1 });
  });

  it("refuses a parent from another project (400)", async () => {
    const project = await createProject(api);
    const other = await createProject(api, { name: "Other" });
    const story = await createStory(api, project.id);
    const foreign = await createStory(api, other.id);
    const problem = await expectProblem(await patchStory(story, { version: 1, parentId: foreign.id }), 400);
    expect(fieldErrors(problem)).toEqual(["parentId: must be a story of the same project"]);
  });
});

describe("story status rules", () => {
  // Each of these fails today: PATCH /api/stories/:id checks the rules against a story that already
  // has the new status, so every change passes (see the report on routes/stories.ts).
  it("refuses Ready without acceptance tests (422) and allows it with one", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const problem = await expectProblem(await patchStory(story, { version: 1, status: "Ready" }), 422);
    expect(problem.type).toBe("https://aipm.dev/problems/story-status-rule");
    expect(problem.detail).toContain("acceptance test");

    await createAcceptanceTest(api, story.id);
    const ready = await expectJson<StoryDetail>(
      await patchStory(story, { version: 1, status: "Ready" }),
      200,
    );
    expect(ready.status).toBe("Ready");
  });

  it("refuses Ready while a story field is empty, naming the field", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id, { soThat: "" });
    await createAcceptanceTest(api, story.id);
    const problem = await expectProblem(await patchStory(story, { version: 1, status: "Ready" }), 422);
    expect(problem.detail).toContain('"So that"');
    // Filling it in with the same change is enough.
    await expectJson(await patchStory(story, { version: 1, status: "Ready", soThat: "I get my order" }), 200);
  });

  it("refuses In Progress without acceptance tests (422)", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    await expectProblem(await patchStory(story, { version: 1, status: "In Progress" }), 422);
  });

  it("refuses Done while a child story is not Done, or a test fails (422)", async () => {
    const project = await createProject(api);
    const parent = await createStory(api, project.id, { title: "Parent" });
    await createStory(api, project.id, { title: "Child", parentId: parent.id });
    const withChild = await expectProblem(await patchStory(parent, { version: 1, status: "Done" }), 422);
    expect(withChild.detail).toContain("child");

    const story = await createStory(api, project.id);
    await createAcceptanceTest(api, story.id, { status: "Fail" });
    const failing = await expectProblem(await patchStory(story, { version: 1, status: "Done" }), 422);
    expect(failing.detail).toContain("failing");
  });

  it("refuses In Progress while a story it depends on is not Done (422)", async () => {
    // Fails today for a second reason too: the route never passes the dependencies to the rules.
    const project = await createProject(api);
    const first = await createStory(api, project.id, { title: "First" });
    const second = await createStory(api, project.id, { title: "Second" });
    await createAcceptanceTest(api, second.id);
    await expectJson(
      await api.request("POST", `/api/stories/${second.id}/dependencies`, {
        body: { dependsOnId: first.id },
      }),
      201,
    );
    const problem = await expectProblem(await patchStory(second, { version: 1, status: "In Progress" }), 422);
    expect(problem.detail).toContain("depends on");
  });

  it("creates no story that starts out Ready without acceptance tests (422)", async () => {
    // Fails today: POST checks the rules with the story already in the requested status.
    const project = await createProject(api);
    const problem = await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, {
        body: { title: "Ready at once", asA: "a", iWant: "b", soThat: "c", status: "Ready" },
      }),
      422,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/story-status-rule");
  });

  it("always allows Draft and Blocked", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id, { asA: "" });
    const blocked = await expectJson<StoryDetail>(
      await patchStory(story, { version: 1, status: "Blocked" }),
      200,
    );
    expect(blocked).toMatchObject({ status: "Blocked", version: 2 });
    const draft = await expectJson<StoryDetail>(
      await patchStory(story, { version: 2, status: "Draft" }),
      200,
    );
    expect(draft).toMatchObject({ status: "Draft", version: 3 });
    const created = await createStory(api, project.id, { status: "Blocked", asA: "" });
    expect(created.status).toBe("Blocked");
  });
});

/**
 * The hardening limits: branch names a shell reads as one word, and the counts per story and
 * project (values.ts `collectionLimits`) refused with 422 `limit-exceeded` problems.
 */
import { acceptanceTestLimits, collectionLimits, storyLimits } from "@aipm/shared";
import { useTestApi } from "@aipm/testing";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it, vi } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  expectProblem,
  fieldErrors,
  type Project,
} from "./fixtures.ts";

const api = useTestApi();

// biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's `${IFS}` is the attack
const payload = "main;touch${IFS}/tmp/x;#";

describe("branch names", () => {
  it("refuses a default branch that is shell syntax, on create and on update (400)", async () => {
    const created = await api.request("POST", "/api/projects", {
      body: {
        name: "Checkout",
        repository: { provider: "github", owner: "acme", name: "shop", defaultBranch: payload },
      },
    });
    const problem = await expectProblem(created, 400);
    expect(fieldErrors(problem).join("\n")).toMatch(/repository\.defaultBranch: .*letters, digits/);

    const project = await createProject(api);
    for (const defaultBranch of [payload, "$(id)", "a!b", "naïve", "-x", "a..b", "a/", "a.lock"]) {
      const patched = await api.request("PATCH", `/api/projects/${project.id}`, {
        body: { repository: { defaultBranch } },
      });
      await expectProblem(patched, 400);
    }
    const fine = await api.request("PATCH", `/api/projects/${project.id}`, {
      body: { repository: { defaultBranch: "release/v1.2_rc-1" } },
    });
    expect((await expectJson<Project>(fine, 200)).repository.defaultBranch).toBe("release/v1.2_rc-1");
  });
});

const test = { title: "t", given: ["g"], when: ["w"], then: ["t"] };

describe("limits per story and project", () => {
  it(`refuses acceptance test ${collectionLimits.acceptanceTestsPerStory + 1} of a story (422), and takes one again after a delete`, async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const path = `/api/stories/${story.id}/acceptance-tests`;
    const created = [];
    for (let i = 0; i < collectionLimits.acceptanceTestsPerStory; i += 10) {
      created.push(
        ...(await Promise.all(Array.from({ length: 10 }, () => createAcceptanceTest(api, story.id, test)))),
      );
    }
    const problem = await expectProblem(await api.request("POST", path, { body: test }), 422);
    expect(problem.type).toBe("https://aipm.dev/problems/limit-exceeded");
    expect(problem.detail).toContain(`${collectionLimits.acceptanceTestsPerStory} acceptance tests`);

    const first = created[0];
    if (!first) throw new Error("no test created");
    expect((await api.request("DELETE", `/api/acceptance-tests/${first.id}`)).status).toBe(204);
    await createAcceptanceTest(api, story.id, test);
    await expectProblem(await api.request("POST", path, { body: test }), 422);
  }, 60_000);

  it("refuses too many concurrent acceptance tests past the limit: the count is kept in the write", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const path = `/api/stories/${story.id}/acceptance-tests`;
    const answers = await Promise.all(
      Array.from({ length: collectionLimits.acceptanceTestsPerStory + 20 }, () =>
        api.request("POST", path, { body: test }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(
      collectionLimits.acceptanceTestsPerStory,
    );
    expect(statuses.filter((status) => status !== 201).every((status) => status === 422)).toBe(true);
    const listed = await expectJson<{ acceptanceTests: unknown[] }>(await api.request("GET", path), 200);
    expect(listed.acceptanceTests).toHaveLength(collectionLimits.acceptanceTestsPerStory);
  }, 60_000);

  it(`refuses dependency ${collectionLimits.dependenciesPerStory + 1} of a story (422)`, async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id, { title: "Hub" });
    const others = [];
    for (let i = 0; i <= collectionLimits.dependenciesPerStory; i++) {
      others.push(await createStory(api, project.id, { title: `S${i}` }));
    }
    for (const other of others.slice(0, collectionLimits.dependenciesPerStory)) {
      const added = await api.request("POST", `/api/stories/${story.id}/dependencies`, {
        body: { dependsOnId: other.id },
      });
      expect(added.status).toBe(201);
    }
    const last = others.at(-1);
    const problem = await expectProblem(
      await api.request("POST", `/api/stories/${story.id}/dependencies`, { body: { dependsOnId: last?.id } }),
      422,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/limit-exceeded");
    expect(problem.detail).toContain(`${collectionLimits.dependenciesPerStory} dependencies`);
  }, 60_000);

  it(`refuses story ${collectionLimits.storiesPerProject + 1} of a project (422)`, async () => {
    const project = await createProject(api);
    await createStory(api, project.id);
    // Ten thousand stories take minutes to make; the count they would leave is set instead.
    await api.dynamo.doc.send(
      new UpdateCommand({
        TableName: api.dynamo.tables.stories,
        Key: { pk: project.id, sk: "META" },
        UpdateExpression: "SET storyCount = :full",
        ExpressionAttributeValues: { ":full": collectionLimits.storiesPerProject },
      }),
    );
    const problem = await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, {
        body: { title: "One more", asA: "a", iWant: "b", soThat: "c" },
      }),
      422,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/limit-exceeded");
    expect(problem.detail).toContain(`${collectionLimits.storiesPerProject.toLocaleString("en")} stories`);
  });

  it("adds, changes and deletes an acceptance test, and adds a dependency, without reading the story's tests", async () => {
    const project = await createProject(api);
    const [story, other] = [await createStory(api, project.id), await createStory(api, project.id)];
    const getStory = vi.spyOn(api.deps.stories, "getStory");
    try {
      const created = await createAcceptanceTest(api, story.id, test);
      const patched = await api.request("PATCH", `/api/acceptance-tests/${created.id}`, {
        body: { title: "changed" },
      });
      expect(patched.status).toBe(200);
      expect((await api.request("DELETE", `/api/acceptance-tests/${created.id}`)).status).toBe(204);
      const added = await api.request("POST", `/api/stories/${story.id}/dependencies`, {
        body: { dependsOnId: other.id },
      });
      expect(added.status).toBe(201);
      expect(getStory).not.toHaveBeenCalled();
    } finally {
      getStory.mockRestore();
    }
  });
});

describe("sizes of fields", () => {
  const long = (limit: number) => "x".repeat(limit + 1);

  it("refuses a field past its size with 422 limit-exceeded naming the field, and loses nothing", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const cases: { method: string; path: string; body: unknown; field: RegExp }[] = [
      {
        method: "PATCH",
        path: `/api/stories/${story.id}`,
        body: { description: long(storyLimits.description), version: story.version },
        field: /^description: /,
      },
      {
        method: "POST",
        path: `/api/projects/${project.id}/stories`,
        body: { title: long(storyLimits.title) },
        field: /^title: /,
      },
      {
        method: "POST",
        path: `/api/stories/${story.id}/acceptance-tests`,
        body: { ...test, when: [long(acceptanceTestLimits.step)] },
        field: /^when\.0: /,
      },
      {
        method: "POST",
        path: `/api/stories/${story.id}/acceptance-tests`,
        body: { ...test, given: Array.from({ length: acceptanceTestLimits.steps + 1 }, () => "g") },
        field: /^given: /,
      },
      {
        method: "POST",
        path: `/api/stories/${story.id}/acceptance-tests`,
        body: { ...test, then: ["t".repeat(800), "t".repeat(800)] },
        field: /^then: .*characters in all/,
      },
    ];
    for (const { method, path, body, field } of cases) {
      const problem = await expectProblem(await api.request(method, path, { body }), 422);
      expect(problem.type, path).toBe("https://aipm.dev/problems/limit-exceeded");
      expect(
        fieldErrors(problem).some((error) => field.test(error)),
        fieldErrors(problem).join("\n"),
      ).toBe(true);
    }
    const after = await expectJson<{ description: string; acceptanceTests: unknown[] }>(
      await api.request("GET", `/api/stories/${story.id}`),
      200,
    );
    expect(after.description).toBe(story.description);
    expect(after.acceptanceTests).toEqual([]);
  });

  it("answers 400 validation when a field is malformed as well as too long", async () => {
    const project = await createProject(api);
    const problem = await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, {
        body: { title: long(storyLimits.title), storyPoints: "three" },
      }),
      400,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/validation");
  });
});

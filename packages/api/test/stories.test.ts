import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";

const api = useTestApi();

// biome-ignore lint/suspicious/noExplicitAny: the test reads response bodies loosely
type Json = Record<string, any>;

async function json(response: Response) {
  return { status: response.status, body: (await response.json()) as Json };
}

async function createProject(name = "Checkout") {
  const { status, body } = await json(
    await api.request("POST", "/api/projects", {
      body: { name, repository: { provider: "local", owner: "acme", name: "shop" } },
    }),
  );
  expect(status).toBe(201);
  return body;
}

async function createStory(projectId: string, fields: Record<string, unknown> = {}) {
  const { status, body } = await json(
    await api.request("POST", `/api/projects/${projectId}/stories`, {
      body: {
        title: "Pay by card",
        asA: "shopper",
        iWant: "to pay by card",
        soThat: "I get my order",
        ...fields,
      },
    }),
  );
  expect(status, JSON.stringify(body)).toBe(201);
  return body;
}

describe("stories", () => {
  it("creates, reads, lists and updates a story with acceptance tests", async () => {
    const project = await createProject();
    expect(project.repository.cloneUrl).toBe("http://127.0.0.1:4000/git/acme/shop.git");
    const story = await createStory(project.id, { storyPoints: 3, components: ["payments"] });
    expect(story).toMatchObject({
      projectId: project.id,
      parentId: null,
      status: "Draft",
      version: 1,
      acceptanceTests: [],
    });

    const test = await json(
      await api.request("POST", `/api/stories/${story.id}/acceptance-tests`, {
        body: { title: "Card accepted", given: ["a cart"], when: ["I pay"], then: ["I see a receipt"] },
      }),
    );
    expect(test.status).toBe(201);

    const read = await json(await api.request("GET", `/api/stories/${story.id}`));
    expect(read.body.acceptanceTests.map((t: { id: string }) => t.id)).toEqual([test.body.id]);

    const patched = await json(
      await api.request("PATCH", `/api/stories/${story.id}`, {
        body: { version: 1, status: "Ready", title: "Pay by card or wallet" },
      }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, status: "Ready", title: "Pay by card or wallet" });

    const stale = await json(
      await api.request("PATCH", `/api/stories/${story.id}`, { body: { version: 1, title: "x" } }),
    );
    expect(stale.status).toBe(409);

    const list = await json(await api.request("GET", `/api/projects/${project.id}/stories`));
    expect(list.body.stories).toHaveLength(1);
    expect(list.body.stories[0].acceptanceTests).toHaveLength(1);
  });

  it("refuses to delete a parent without cascade, and cascades only through its subtree", async () => {
    const project = await createProject();
    const root = await createStory(project.id, { title: "Root" });
    const child = await createStory(project.id, { title: "Child", parentId: root.id });
    const grandchild = await createStory(project.id, { title: "Grandchild", parentId: child.id });
    const sibling = await createStory(project.id, { title: "Sibling" });
    await api.request("POST", `/api/stories/${grandchild.id}/acceptance-tests`, {
      body: { title: "t", given: ["g"], when: ["w"], then: ["I see t"] },
    });
    await api.request("POST", `/api/stories/${sibling.id}/dependencies`, {
      body: { dependsOnId: grandchild.id },
    });

    expect((await api.request("DELETE", `/api/stories/${root.id}`)).status).toBe(409);
    expect((await api.request("DELETE", `/api/stories/${child.id}?cascade=true`)).status).toBe(204);

    const list = await json(await api.request("GET", `/api/projects/${project.id}/stories`));
    expect(list.body.stories.map((s: { id: string }) => s.id).sort()).toEqual([root.id, sibling.id].sort());
    expect(list.body.stories.find((s: { id: string }) => s.id === sibling.id).dependsOn).toEqual([]);
    expect((await api.request("DELETE", `/api/stories/${root.id}`)).status).toBe(204);
  });
});

import { newId } from "@aipm/shared";
import { ADMIN_TOKEN, useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  createToken,
  expectJson,
  expectProblem,
  fillPath,
  openRoutes,
  type Project,
  productRoutes,
  type StoryDetail,
  tokenRoutes,
} from "./fixtures.ts";

const api = useTestApi();

const anyIds = {
  projectId: newId("project"),
  storyId: newId("story"),
  testId: newId("acceptanceTest"),
  dependsOnId: newId("story"),
  tokenId: newId("token"),
  taskId: newId("task"),
};

describe("authentication (401)", () => {
  const protectedRoutes = [...productRoutes, ...tokenRoutes].filter(
    ([method, path]) => !openRoutes.has(`${method} ${path}`),
  );

  it.each(protectedRoutes)("%s %s needs a token", async (method, path) => {
    const response = await api.request(method, fillPath(path, anyIds), {
      token: null,
      ...(method === "POST" || method === "PATCH" ? { body: {} } : {}),
    });
    const problem = await expectProblem(response, 401);
    expect(problem.type).toBe("https://aipm.dev/problems/unauthorized");
    expect(problem.detail).toContain("Authorization: Bearer <token>");
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="aipm"');
  });

  it.each([
    ["another scheme", `Basic ${Buffer.from("admin:secret").toString("base64")}`],
    ["no token after Bearer", "Bearer"],
    ["two tokens", `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}`],
    ["the bare token", ADMIN_TOKEN],
  ])("refuses a malformed header: %s", async (_, header) => {
    const response = await api.request("GET", "/api/projects", {
      token: null,
      headers: { Authorization: header },
    });
    const problem = await expectProblem(response, 401);
    expect(problem.detail).toBe("The Authorization header must be 'Bearer <token>'.");
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="aipm"');
  });

  it("refuses an unknown token", async () => {
    for (const token of ["aipm_not-a-token-anyone-was-given", ADMIN_TOKEN.toUpperCase(), `${ADMIN_TOKEN}x`]) {
      const problem = await expectProblem(await api.request("GET", "/api/projects", { token }), 401);
      expect(problem.detail).toBe("The API token is not valid or was revoked.");
    }
  });

  it("refuses a revoked token", async () => {
    const editor = await createToken(api, "editor");
    await expectJson(await api.request("GET", "/api/projects", { token: editor.token }), 200);
    expect((await api.request("DELETE", `/api/tokens/${editor.id}`)).status).toBe(204);
    const problem = await expectProblem(
      await api.request("GET", "/api/projects", { token: editor.token }),
      401,
    );
    expect(problem.detail).toBe("The API token is not valid or was revoked.");
  });

  it("accepts the scheme in any case and surrounding spaces", async () => {
    for (const header of [`bearer ${ADMIN_TOKEN}`, `BEARER   ${ADMIN_TOKEN}  `]) {
      await expectJson(
        await api.request("GET", "/api/projects", { token: null, headers: { Authorization: header } }),
        200,
      );
    }
  });

  it("reads the caller's token from X-Aipm-Authorization when CloudFront signed Authorization", async () => {
    const signedByCloudFront = "AWS4-HMAC-SHA256 Credential=AKIA/20261125/us-east-1/lambda/aws4_request";
    await expectJson(
      await api.request("GET", "/api/projects", {
        token: null,
        headers: { Authorization: signedByCloudFront, "X-Aipm-Authorization": `Bearer ${ADMIN_TOKEN}` },
      }),
      200,
    );
    await expectProblem(
      await api.request("GET", "/api/projects", {
        token: null,
        headers: { Authorization: signedByCloudFront },
      }),
      401,
    );
  });

  it("needs no token for health, the OpenAPI document and the docs", async () => {
    for (const path of ["/health", "/api/openapi.json", "/api/docs"]) {
      expect((await api.request("GET", path, { token: null })).status, path).toBe(200);
    }
  });
});

describe("authorisation (403)", () => {
  it("lets a viewer read but not write", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const test = await createAcceptanceTest(api, story.id);
    const viewer = await createToken(api, "viewer");
    const as = { token: viewer.token };

    await expectJson(await api.request("GET", "/api/projects", as), 200);
    await expectJson(await api.request("GET", `/api/projects/${project.id}/stories`, as), 200);
    await expectJson(await api.request("GET", `/api/stories/${story.id}/invest`, as), 200);

    const writes: [string, string, unknown][] = [
      ["POST", "/api/projects", { name: "x", repository: { provider: "github", owner: "a", name: "b" } }],
      ["PATCH", `/api/projects/${project.id}`, { name: "Renamed" }],
      ["DELETE", `/api/projects/${project.id}`, undefined],
      ["POST", `/api/projects/${project.id}/stories`, { title: "New" }],
      ["PATCH", `/api/stories/${story.id}`, { version: 1, title: "Renamed" }],
      ["DELETE", `/api/stories/${story.id}`, undefined],
      [
        "POST",
        `/api/stories/${story.id}/acceptance-tests`,
        { title: "t", given: ["g"], when: ["w"], then: ["t"] },
      ],
      ["PATCH", `/api/acceptance-tests/${test.id}`, { title: "Renamed" }],
      ["DELETE", `/api/acceptance-tests/${test.id}`, undefined],
      ["POST", `/api/stories/${story.id}/dependencies`, { dependsOnId: story.id }],
    ];
    for (const [method, path, body] of writes) {
      const problem = await expectProblem(
        await api.request(method, path, { ...as, ...(body !== undefined ? { body } : {}) }),
        403,
      );
      expect(problem.type).toBe("https://aipm.dev/problems/forbidden");
      expect(problem.detail).toContain("viewer");
    }
    const unchanged = await expectJson<StoryDetail>(
      await api.request("GET", `/api/stories/${story.id}`),
      200,
    );
    expect(unchanged).toMatchObject({ title: story.title, version: 1, acceptanceTests: [test] });
  });

  it("keeps token management to admins", async () => {
    for (const role of ["editor", "viewer"] as const) {
      const { token } = await createToken(api, role);
      const attempts: [string, string, unknown][] = [
        ["GET", "/api/tokens", undefined],
        ["POST", "/api/tokens", { name: "mine", role: "admin" }],
        ["DELETE", `/api/tokens/${newId("token")}`, undefined],
      ];
      for (const [method, path, body] of attempts) {
        const response = await api.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
        await expectProblem(response, 403);
      }
    }
  });

  it("keeps a project-scoped token inside its project", async () => {
    const mine = await createProject(api, { name: "Mine" });
    const theirs = await createProject(api, { name: "Theirs" });
    const myStory = await createStory(api, mine.id);
    const theirStory = await createStory(api, theirs.id);
    const theirTest = await createAcceptanceTest(api, theirStory.id);
    const scoped = await createToken(api, "editor", mine.id);
    const as = { token: scoped.token };

    const { projects } = await expectJson<{ projects: Project[] }>(
      await api.request("GET", "/api/projects", as),
      200,
    );
    expect(projects.map((project) => project.id)).toEqual([mine.id]);
    await expectJson(await api.request("GET", `/api/stories/${myStory.id}`, as), 200);
    await expectJson(
      await api.request("PATCH", `/api/stories/${myStory.id}`, {
        ...as,
        body: { version: 1, title: "Mine" },
      }),
      200,
    );

    const outside: [string, string, unknown][] = [
      ["GET", `/api/projects/${theirs.id}`, undefined],
      ["PATCH", `/api/projects/${theirs.id}`, { name: "Taken" }],
      ["GET", `/api/projects/${theirs.id}/stories`, undefined],
      ["POST", `/api/projects/${theirs.id}/stories`, { title: "Planted" }],
      ["GET", `/api/stories/${theirStory.id}`, undefined],
      ["PATCH", `/api/stories/${theirStory.id}`, { version: 1, title: "Taken" }],
      ["DELETE", `/api/stories/${theirStory.id}`, undefined],
      ["GET", `/api/stories/${theirStory.id}/acceptance-tests`, undefined],
      [
        "POST",
        `/api/stories/${theirStory.id}/acceptance-tests`,
        { title: "t", given: ["g"], when: ["w"], then: ["t"] },
      ],
      ["PATCH", `/api/acceptance-tests/${theirTest.id}`, { title: "Taken" }],
      ["DELETE", `/api/acceptance-tests/${theirTest.id}`, undefined],
      ["POST", `/api/stories/${theirStory.id}/dependencies`, { dependsOnId: myStory.id }],
      ["GET", `/api/stories/${theirStory.id}/invest`, undefined],
    ];
    for (const [method, path, body] of outside) {
      const response = await api.request(method, path, { ...as, ...(body !== undefined ? { body } : {}) });
      // To a scoped token another project's ids do not exist: 404, as for an unknown id.
      const problem = await expectProblem(response, 404);
      expect(problem.type, `${method} ${path}`).toBe("https://aipm.dev/problems/not-found");
    }
    const untouched = await expectJson<StoryDetail>(
      await api.request("GET", `/api/stories/${theirStory.id}`),
      200,
    );
    expect(untouched).toMatchObject({ title: theirStory.title, version: 1, acceptanceTests: [theirTest] });
  });

  it("lets no project-scoped token create a project", async () => {
    const project = await createProject(api);
    const scoped = await createToken(api, "admin", project.id);
    const problem = await expectProblem(
      await api.request("POST", "/api/projects", {
        token: scoped.token,
        body: { name: "Escape", repository: { provider: "github", owner: "acme", name: "escape" } },
      }),
      403,
    );
    expect(problem.detail).toBe("A token limited to one project cannot create projects.");
  });

  it("lets no project-scoped admin token reach beyond its project through token management", async () => {
    // Fails today: routes/tokens.ts checks only the role, so a scoped admin can list and revoke
    // every token and mint an unscoped admin token (see the report).
    const project = await createProject(api);
    const scoped = await createToken(api, "admin", project.id);
    await expectProblem(
      await api.request("POST", "/api/tokens", {
        token: scoped.token,
        body: { name: "escalated", role: "admin", projectId: null },
      }),
      403,
    );
    await expectProblem(await api.request("GET", "/api/tokens", { token: scoped.token }), 403);
  });
});

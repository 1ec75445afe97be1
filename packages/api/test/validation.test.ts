import { newId } from "@aipm/shared";
import { ADMIN_TOKEN, useTestApi } from "@aipm/testing";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/app.ts";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  expectProblem,
  fieldErrors,
  fillPath,
  type Problem,
  type Project,
  productRoutes,
  tokenRoutes,
} from "./fixtures.ts";

const api = useTestApi();

const repository = { provider: "github", owner: "acme", name: "shop" };

describe("request bodies", () => {
  it("refuses malformed JSON (400)", async () => {
    for (const body of ["{", "{name: 'x'}", '{"name": "x",}', "undefined"]) {
      const problem = await expectProblem(await api.request("POST", "/api/projects", { body }), 400);
      expect(problem.detail).toBe("The request body is not valid JSON.");
    }
  });

  it("refuses a body that is not JSON (415)", async () => {
    const json = JSON.stringify({ name: "Not JSON", repository });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const response = await api.request("POST", "/api/projects", {
        body: json,
        headers: { "Content-Type": type },
      });
      await expectProblem(response, 415);
    }
    const { projects } = await expectJson<{ projects: Project[] }>(
      await api.request("GET", "/api/projects"),
      200,
    );
    expect(projects.filter((project) => project.name === "Not JSON")).toEqual([]);
  });

  it("accepts JSON with a charset", async () => {
    const response = await api.request("POST", "/api/projects", {
      body: { name: "Shop", repository },
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
    await expectJson(response, 201);
  });

  it("names each field of the wrong type", async () => {
    const problem = await expectProblem(
      await api.request("POST", "/api/projects", {
        body: { name: 42, description: ["a"], repository: { ...repository, provider: "svn" } },
      }),
      400,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/validation");
    expect(problem.detail).toBe("The request body is not valid.");
    expect(problem.errors?.map((error) => error.path).sort()).toEqual([
      "description",
      "name",
      "repository.provider",
    ]);
  });

  it("refuses a body that is not an object, or is missing", async () => {
    for (const body of ["[]", "null", '"Shop"', "42"]) {
      await expectProblem(await api.request("POST", "/api/projects", { body }), 400);
    }
    await expectProblem(await api.request("POST", "/api/projects"), 400);
  });

  it("names unknown fields, at the top level and nested", async () => {
    const problem = await expectProblem(
      await api.request("POST", "/api/projects", {
        body: { name: "Shop", owner: "me", color: "red", repository: { ...repository, private: true } },
      }),
      400,
    );
    expect(fieldErrors(problem).sort()).toEqual([
      "(body): unknown fields 'owner', 'color'",
      "repository: unknown field 'private'",
    ]);
  });

  it("refuses server-owned fields (id, version on create, createdAt)", async () => {
    const project = await createProject(api);
    const problem = await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, {
        body: { title: "Mine", id: newId("story"), version: 7, createdAt: "2020-01-01T00:00:00Z" },
      }),
      400,
    );
    expect(fieldErrors(problem)).toEqual(["(body): unknown fields 'id', 'version', 'createdAt'"]);
  });

  it("refuses an empty or blank title and name", async () => {
    const project = await createProject(api);
    for (const title of ["", "   ", "\t"]) {
      const problem = await expectProblem(
        await api.request("POST", `/api/projects/${project.id}/stories`, { body: { title } }),
        400,
      );
      expect(fieldErrors(problem)).toEqual(["title: must not be empty"]);
    }
    const story = await createStory(api, project.id);
    const patch = await expectProblem(
      await api.request("PATCH", `/api/stories/${story.id}`, { body: { version: 1, title: " " } }),
      400,
    );
    expect(fieldErrors(patch)).toEqual(["title: must not be empty"]);
    const name = await expectProblem(
      await api.request("POST", "/api/projects", { body: { name: "", repository } }),
      400,
    );
    expect(fieldErrors(name)).toEqual(["name: must not be empty"]);
  });

  it("refuses a multi-line title and a story PATCH without version", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, { body: { title: "one\ntwo" } }),
      400,
    );
    const problem = await expectProblem(
      await api.request("PATCH", `/api/stories/${story.id}`, { body: { title: "No version" } }),
      400,
    );
    expect(problem.errors?.map((error) => error.path)).toEqual(["version"]);
  });

  it(`refuses a body over ${MAX_BODY_BYTES / 1024} KiB with 413, and reads one just under it`, async () => {
    const project = await createProject(api);
    const over = JSON.stringify({ title: "Big", description: "x".repeat(MAX_BODY_BYTES) });
    const problem = await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, { body: over }),
      413,
    );
    expect(problem).toMatchObject({
      type: "https://aipm.dev/problems/too-large",
      title: "Content Too Large",
    });

    // Under the limit, the body is read and validated: the description is too long (a field's
    // size limit, 422), not the body.
    const under = JSON.stringify({ title: "Big", description: "x".repeat(MAX_BODY_BYTES - 100) });
    const invalid = await expectProblem(
      await api.request("POST", `/api/projects/${project.id}/stories`, { body: under }),
      422,
    );
    expect(fieldErrors(invalid)).toEqual(["description: must be at most 20000 characters"]);
  });

  it("refuses an oversized body that arrives as a stream, without a Content-Length", async () => {
    const chunk = new TextEncoder().encode(`"${"x".repeat(64 * 1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await api.app.request("/api/projects", {
      method: "POST",
      body,
      duplex: "half",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    } as RequestInit);
    await expectProblem(response, 413);
  });
});

describe("paths and query strings", () => {
  let ids: Record<string, string>;

  beforeAll(async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const dependency = await createStory(api, project.id, { title: "Other" });
    const test = await createAcceptanceTest(api, story.id);
    ids = {
      projectId: project.id,
      storyId: story.id,
      testId: test.id,
      dependsOnId: dependency.id,
      tokenId: newId("token"),
      taskId: newId("task"),
    };
  });

  /** A body each route would accept, so that only the path can be wrong. */
  const validBodies: Record<string, unknown> = {
    "POST /api/projects/{projectId}/stories": { title: "t" },
    "PATCH /api/projects/{projectId}": { name: "n" },
    "PATCH /api/stories/{storyId}": { version: 1, title: "t" },
    "POST /api/stories/{storyId}/acceptance-tests": { title: "t", given: ["g"], when: ["w"], then: ["t"] },
    "PATCH /api/acceptance-tests/{testId}": { title: "t" },
    "POST /api/stories/{storyId}/dependencies": { dependsOnId: newId("story") },
  };
  const routesWithIds = [...productRoutes, ...tokenRoutes].filter(([, path]) => path.includes("{"));
  const malformed = [
    "not-an-id",
    "prj_short",
    "sty_01JDQ3M1K9X7V2B8C4N5R6T0YZ",
    "act_01jdq3m1k9x7v2b8c4n5r6t0yu",
    "'; DROP TABLE",
    "%00",
  ];

  it.each(routesWithIds)(
    "%s %s answers 400, not 404 or 500, for a malformed id",
    async (method, template) => {
      const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
      const body = validBodies[`${method} ${template}`];
      for (const name of names) {
        // A well-formed id of another kind is malformed too (a project id where a story id goes).
        const otherKind = name === "projectId" ? ids.storyId : ids.projectId;
        for (const bad of [...malformed, otherKind as string]) {
          const path = fillPath(template, { ...ids, [name]: bad });
          const response = await api.request(method, path, body !== undefined ? { body } : {});
          const problem = await expectProblem(response, 400);
          expect(
            problem.errors?.map((error) => error.path),
            `${method} ${path}`,
          ).toEqual([name]);
        }
      }
    },
  );

  it("refuses an unknown value of cascade (400)", async () => {
    await expectProblem(await api.request("DELETE", `/api/stories/${ids.storyId}?cascade=yes`), 400);
    await expectProblem(await api.request("DELETE", `/api/projects/${ids.projectId}?cascade=1`), 400);
    await expectJson(await api.request("GET", `/api/stories/${ids.storyId}`), 200);
  });

  it("answers an unknown route or method with a 404 problem", async () => {
    for (const [method, path] of [
      ["GET", "/api/nothing-here"],
      ["GET", "/api/projects/extra/segments/here"],
      ["PUT", "/api/projects"],
      ["GET", "/api/acceptance-tests"],
      ["GET", "/nothing-here"],
    ] as const) {
      const problem = await expectProblem(await api.request(method, path), 404);
      expect(problem.detail).toBe(`There is no route ${method} ${path}.`);
    }
    await expectProblem(await api.request("GET", "/nothing-here", { token: null }), 404);
  });
});

describe("random input", () => {
  const json = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
  const oddBody = fc.oneof(
    json,
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      "{",
      "[",
      "\u0000",
      '{"__proto__": {"admin": true}}',
      '{"constructor": {"prototype": 1}}',
    ),
    fc
      .record(
        {
          title: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          version: fc.oneof(fc.integer(), fc.double(), fc.string()),
          parentId: fc.oneof(fc.string(), fc.constant(null)),
          status: fc.oneof(fc.string(), fc.constantFrom("Draft", "Ready", "Done")),
          storyPoints: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
          given: fc.array(fc.string()),
          name: fc.string(),
          role: fc.string(),
          dependsOnId: fc.string(),
          repository: fc.dictionary(fc.string(), fc.string()),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  );
  const contentType = fc.constantFrom(
    "application/json",
    "text/plain",
    "application/json; charset=utf-8",
    "",
  );

  it("never answers a random request with a 5xx, and every error is a problem document", async () => {
    const project = await createProject(api);
    const story = await createStory(api, project.id);
    const other = await createStory(api, project.id, { title: "Other" });
    const test = await createAcceptanceTest(api, story.id);
    const known = {
      projectId: project.id,
      storyId: story.id,
      testId: test.id,
      dependsOnId: other.id,
      tokenId: newId("token"),
      taskId: newId("task"),
    };
    // Deletes would empty the known ids; the webhook answers 503 by design until a secret is set.
    const routes = [...productRoutes, ...tokenRoutes].filter(
      ([method, path]) => method !== "DELETE" && path !== "/api/webhooks/github",
    );
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("..", "%2F", "null", "0", newId("story"), newId("project")),
    );

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.boolean(),
        segment,
        oddBody,
        contentType,
        async ([method, template], useKnownIds, randomSegment, body, type) => {
          const path = useKnownIds
            ? fillPath(template, known)
            : fillPath(template, Object.fromEntries(Object.keys(known).map((name) => [name, randomSegment])));
          const hasBody = method === "POST" || method === "PATCH";
          const response = await api.request(method, path, {
            ...(hasBody ? { body, headers: type ? { "Content-Type": type } : {} } : {}),
          });
          const text = await response.text();
          expect(response.status, `${method} ${path} ${body} -> ${text}`).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers.get("Content-Type")).toBe("application/problem+json");
            const problem = JSON.parse(text) as Problem;
            expect(problem.status).toBe(response.status);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

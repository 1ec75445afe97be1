import {
  acceptanceTestSchema,
  dependencySchema,
  investAnalysisSchema,
  projectSchema,
  storyDetailSchema,
} from "@aipm/shared";
import { useTestApi } from "@aipm/testing";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  openRoutes,
  productRoutes,
  tokenRoutes,
} from "./fixtures.ts";

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

const api = useTestApi(() => ({ version: "2.3.4" }));
let document: OpenApiDocument;

beforeAll(async () => {
  document = await expectJson<OpenApiDocument>(
    await api.request("GET", "/api/openapi.json", { token: null }),
    200,
  );
});

function operations(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document of this version of the API, served without a token", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: "AIPM API", version: "2.3.4" });
    expect(document.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } });
    expect(document.security).toEqual([{ bearer: [] }]);
  });

  it("describes every route of the stable surface, and the token routes", () => {
    const expected = [...productRoutes, ...tokenRoutes].map(([method, path]) => `${method} ${path}`);
    expect(operations(document)).toEqual(expect.arrayContaining(expected));
  });

  it("describes every route the app serves, and nothing it does not", () => {
    const undocumented = new Set(["GET /api/openapi.json", "GET /api/docs", "GET /api/docs/assets/{file}"]);
    const served = new Set(
      api.app.routes
        .filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`)
        .filter((route) => !undocumented.has(route)),
    );
    expect(operations(document).sort()).toEqual([...served].sort());
  });

  it("marks only health and the webhook as open; every other operation documents 400, 401 and 403", () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        expect(operation.summary, name).toBeTruthy();
        expect(operation.tags?.length, name).toBeGreaterThan(0);
        if (openRoutes.has(name)) {
          expect(operation.security, name).toEqual([]);
          continue;
        }
        expect(operation.security, name).toBeUndefined();
        for (const status of ["400", "401", "403"]) {
          expect(operation.responses[status]?.content, `${name} ${status}`).toHaveProperty([
            "application/problem+json",
          ]);
        }
      }
    }
  });

  it("declares each path parameter and each JSON request body", () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(methods)) {
        const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === "path");
        expect(declared.map((parameter) => parameter.name).sort(), `${method} ${path}`).toEqual(names.sort());
        expect(declared.every((parameter) => parameter.required)).toBe(true);
        if (operation.requestBody) {
          // The import takes its document gzipped as well (see routes/portability.ts).
          const gzipped = path === "/api/projects/import" ? ["application/gzip"] : [];
          expect(Object.keys(operation.requestBody.content), `${method} ${path}`).toEqual([
            "application/json",
            ...gzipped,
          ]);
        }
        if (method === "patch") expect(operation.requestBody, `${method} ${path}`).toBeDefined();
      }
    }
  });

  it("states the import's own body limit, which the fuzzer's oversized bodies read", () => {
    const operation = document.paths["/api/projects/import"]?.post as Record<string, unknown> | undefined;
    expect(operation?.["x-aipm-max-body-bytes"]).toBe(api.deps.importMaxBytes);
    expect(operation?.description).toContain("32 MiB here");
  });

  it("names the domain schemas as components", () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        "Project",
        "Story",
        "AcceptanceTest",
        "Dependency",
        "InvestAnalysis",
        "Problem",
        "Health",
      ]),
    );
  });
});

describe("GET /api/docs", () => {
  it("is an HTML page for the OpenAPI document, served without a token", async () => {
    const response = await api.request("GET", "/api/docs", { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("<title>AIPM API</title>");
    expect(html).toContain("/api/openapi.json");
  });
});

describe("responses match the documented schemas", () => {
  function expectSchema(schema: z.ZodType, value: unknown, what: string) {
    const result = schema.safeParse(value);
    expect(result.success ? [] : result.error.issues, what).toEqual([]);
  }

  it("for projects, stories, acceptance tests, dependencies and INVEST", async () => {
    const project = await createProject(api);
    expectSchema(projectSchema, project, "POST /api/projects");
    const parent = await createStory(api, project.id, { title: "Parent" });
    expectSchema(storyDetailSchema, parent, "POST /api/projects/:id/stories");
    const story = await createStory(api, project.id, { parentId: parent.id });
    const test = await createAcceptanceTest(api, story.id);
    expectSchema(acceptanceTestSchema, test, "POST /api/stories/:id/acceptance-tests");
    const dependency = await expectJson(
      await api.request("POST", `/api/stories/${story.id}/dependencies`, {
        body: { dependsOnId: parent.id },
      }),
      201,
    );
    expectSchema(dependencySchema, dependency, "POST /api/stories/:id/dependencies");
    const invest = await expectJson(await api.request("GET", `/api/stories/${story.id}/invest`), 200);
    expectSchema(investAnalysisSchema, invest, "GET /api/stories/:id/invest");

    const read = await expectJson(await api.request("GET", `/api/stories/${story.id}`), 200);
    expectSchema(storyDetailSchema, read, "GET /api/stories/:id");
    const patched = await expectJson(
      await api.request("PATCH", `/api/stories/${story.id}`, { body: { version: 1, title: "Renamed" } }),
      200,
    );
    expectSchema(storyDetailSchema, patched, "PATCH /api/stories/:id");
    const { stories } = await expectJson<{ stories: unknown[] }>(
      await api.request("GET", `/api/projects/${project.id}/stories`),
      200,
    );
    for (const listed of stories) expectSchema(storyDetailSchema, listed, "GET /api/projects/:id/stories");
  });
});

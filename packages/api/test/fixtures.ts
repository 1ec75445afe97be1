/**
 * @module fixtures: typed reads of responses and small builders of projects, stories and tokens
 * for the API's tests. Every builder goes through the HTTP API, as a client would.
 */
import {
  type AcceptanceTest,
  type CodeGenerationTask,
  type Dependency,
  newId,
  newQueuedTask,
  type Project,
  type StoryDetail,
} from "@aipm/shared";
import type { TestApi } from "@aipm/testing";
import { expect } from "vitest";

/** An RFC 9457 problem document as the API sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** A token as `POST /api/tokens` returns it: the only time its secret is shown. */
export interface CreatedToken {
  id: string;
  name: string;
  role: "admin" | "editor" | "viewer";
  projectId: string | null;
  createdAt: string;
  createdBy: string;
  token: string;
}

export type { AcceptanceTest, Dependency, Project, StoryDetail };

/** Asserts the status and a JSON body, and returns the body; the body is in the failure message. */
export async function expectJson<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}

/** Asserts a problem document with `status` (type, title, status and detail), and returns it. */
export async function expectProblem(response: Response, status: number): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^https:\/\/aipm\.dev\/problems\/[a-z-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(problem.title).not.toBe("");
  expect(problem.detail).not.toBe("");
  return problem;
}

/** The field errors of a problem as `path: message` lines, for readable assertions. */
export function fieldErrors(problem: Problem): string[] {
  return (problem.errors ?? []).map((error) => `${error.path}: ${error.message}`);
}

/**
 * A project on a GitHub repository, which needs no forge to create (a local one needs the local
 * forge, which makes the repository).
 */
export async function createProject(
  api: TestApi,
  fields: Record<string, unknown> = {},
  token?: string,
): Promise<Project> {
  const response = await api.request("POST", "/api/projects", {
    ...(token !== undefined ? { token } : {}),
    body: { name: "Checkout", repository: { provider: "github", owner: "acme", name: "shop" }, ...fields },
  });
  return expectJson<Project>(response, 201);
}

/** A story with the three story fields filled in, so that only what a test changes is missing. */
export async function createStory(
  api: TestApi,
  projectId: string,
  fields: Record<string, unknown> = {},
): Promise<StoryDetail> {
  const response = await api.request("POST", `/api/projects/${projectId}/stories`, {
    body: {
      title: "Pay by card",
      asA: "shopper",
      iWant: "to pay by card",
      soThat: "I get my order",
      ...fields,
    },
  });
  return expectJson<StoryDetail>(response, 201);
}

export async function createAcceptanceTest(
  api: TestApi,
  storyId: string,
  fields: Record<string, unknown> = {},
): Promise<AcceptanceTest> {
  const response = await api.request("POST", `/api/stories/${storyId}/acceptance-tests`, {
    body: {
      title: "Card accepted",
      given: ["a cart"],
      when: ["I pay"],
      then: ["I see a receipt"],
      ...fields,
    },
  });
  return expectJson<AcceptanceTest>(response, 201);
}

/** A new token made by the configured admin. */
export async function createToken(
  api: TestApi,
  role: CreatedToken["role"],
  projectId: string | null = null,
  as?: string,
): Promise<CreatedToken> {
  const response = await api.request("POST", "/api/tokens", {
    ...(as !== undefined ? { token: as } : {}),
    body: { name: `${role} for tests`, role, projectId },
  });
  return expectJson<CreatedToken>(response, 201);
}

/**
 * Every route of the API's stable surface (health, projects, stories, acceptance tests, dependencies,
 * INVEST, code generations, tasks, the queue and the GitHub webhook), as OpenAPI paths.
 */
export const productRoutes = [
  ["GET", "/health"],
  ["GET", "/api/projects"],
  ["POST", "/api/projects"],
  ["GET", "/api/projects/{projectId}"],
  ["PATCH", "/api/projects/{projectId}"],
  ["DELETE", "/api/projects/{projectId}"],
  ["GET", "/api/projects/{projectId}/stories"],
  ["POST", "/api/projects/{projectId}/stories"],
  ["GET", "/api/stories/{storyId}"],
  ["PATCH", "/api/stories/{storyId}"],
  ["DELETE", "/api/stories/{storyId}"],
  ["GET", "/api/stories/{storyId}/acceptance-tests"],
  ["POST", "/api/stories/{storyId}/acceptance-tests"],
  ["PATCH", "/api/acceptance-tests/{testId}"],
  ["DELETE", "/api/acceptance-tests/{testId}"],
  ["POST", "/api/stories/{storyId}/dependencies"],
  ["DELETE", "/api/stories/{storyId}/dependencies/{dependsOnId}"],
  ["GET", "/api/stories/{storyId}/invest"],
  ["POST", "/api/stories/{storyId}/code-generations"],
  ["GET", "/api/tasks"],
  ["GET", "/api/tasks/{taskId}"],
  ["POST", "/api/tasks/{taskId}/cancel"],
  ["POST", "/api/tasks/{taskId}/retry"],
  ["GET", "/api/tasks/{taskId}/events"],
  ["GET", "/api/queue"],
  ["POST", "/api/webhooks/github"],
] as const;

/** Routes that need no bearer token: health, and the webhook (it has its own signature). */
export const openRoutes = new Set(["GET /health", "POST /api/webhooks/github"]);

/** The token routes, which the app serves besides that stable surface. */
export const tokenRoutes = [
  ["GET", "/api/tokens"],
  ["POST", "/api/tokens"],
  ["DELETE", "/api/tokens/{tokenId}"],
] as const;

/** Fills an OpenAPI path template (`{storyId}`) from `ids`. */
export function fillPath(template: string, ids: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const id = ids[name];
    if (id === undefined) throw new Error(`No id for {${name}} in ${template}; pass it in ids.`);
    return encodeURIComponent(id);
  });
}

/**
 * A queued task of made-up ids for store-level tests, created at `now`; `fields` name its project,
 * story, attempts or pull request number.
 */
export function queuedTaskAt(
  now: Date,
  fields: { projectId?: string; storyId?: string; maxAttempts?: number; pullRequest?: number } = {},
): CodeGenerationTask {
  const number = fields.pullRequest ?? 7;
  return newQueuedTask({
    id: newId("task"),
    projectId: fields.projectId ?? newId("project"),
    storyId: fields.storyId ?? newId("story"),
    agent: "scaffold",
    branch: `aipm/pay-by-card-${number}`,
    pullRequest: { number, url: `https://github.com/acme/shop/pull/${number}` },
    maxAttempts: fields.maxAttempts ?? 3,
    now: now.toISOString(),
  });
}

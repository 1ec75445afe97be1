/**
 * @module task-support: what the task routes' tests share: an app with the local git forge, the
 * webhook secret and a wake-up counter (`useTaskApi`), and helpers that drive a story to a task.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGit } from "@aipm/git";
import type { CodeGenerationTask, TaskEvent } from "@aipm/shared";
import { dynamoLocalPullRequestStore } from "@aipm/store";
import {
  createTestApi,
  type FakeGithub,
  type LocalDynamo,
  startFakeGithub,
  startLocalDynamo,
  type TestApi,
} from "@aipm/testing";
import { afterAll, beforeAll } from "vitest";
import type { AppDeps } from "../src/deps.ts";
import { githubForge } from "../src/forge/github.ts";
import { type LocalGitForge, localGitForge } from "../src/forge/local-git.ts";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  type Project,
  type StoryDetail,
} from "./fixtures.ts";

/** The real GitHub forge against a fake GitHub: never throttled, and retrying after 1 ms. */
export function fakeGithubForge(github: FakeGithub, token = "ghp_test") {
  return githubForge({
    token: async () => token,
    apiUrl: github.url,
    throttle: { enabled: false },
    retry: { retryAfterBaseValue: 1 },
  });
}

/** The fake GitHub of a suite that called {@link useFakeGithub}. */
export let github: FakeGithub;

/**
 * Starts a fake GitHub before the suite (after {@link useTaskApi}'s app) and gives the app a GitHub
 * forge on it; closes it after the suite.
 */
export function useFakeGithub(): void {
  beforeAll(async () => {
    github = await startFakeGithub();
    api.deps.forges.github = fakeGithubForge(github);
  });
  afterAll(async () => {
    await github?.close();
  });
}

export const WEBHOOK_SECRET = "whsec_test_secret_1234";
export const PUBLIC_URL = "http://127.0.0.1:4000";

export interface CodeGeneration {
  task: CodeGenerationTask;
  pullRequest: { number: number; url: string; branch: string };
}
export interface EventPage {
  events: TaskEvent[];
  taskStatus: CodeGenerationTask["status"];
  nextAfter: number;
}

/** The calling file's local DynamoDB server. */
export let local: LocalDynamo;
let reposDir: string;
/** An app with the local git forge and the webhook secret, on tables of its own. */
export let api: TestApi;
export let forge: LocalGitForge;
/** How often the app woke the workers. */
export let wakes = 0;

/** The app with a real local git forge on `reposDir`; the pull requests live in the app's own tables. */
export async function createApiWithLocalForge(
  overrides: Partial<AppDeps> = {},
): Promise<{ api: TestApi; forge: LocalGitForge }> {
  const app = await createTestApi(local, overrides);
  const localForge = localGitForge({
    reposDir,
    publicUrl: PUBLIC_URL,
    pullRequests: dynamoLocalPullRequestStore(app.dynamo),
  });
  app.deps.forges = { local: localForge };
  return { api: app, forge: localForge };
}

/** Starts `local`, `api` and `forge` before the calling file's tests, and stops them after. */
export function useTaskApi(): void {
  beforeAll(async () => {
    local = await startLocalDynamo();
    reposDir = await mkdtemp(join(tmpdir(), "aipm-tasks-test-"));
    ({ api, forge } = await createApiWithLocalForge({
      webhookSecret: async () => WEBHOOK_SECRET,
      wakeWorkers: () => {
        wakes++;
      },
    }));
  });
  afterAll(async () => {
    await local.close();
    await rm(reposDir, { recursive: true, force: true });
  });
}

export const unique = () => randomBytes(4).toString("hex");
export const gitIn = (gitDir: string, ...args: string[]) =>
  runGit([`--git-dir=${gitDir}`, ...args], { trim: "none" });

/** A project on a new local repository (the forge creates it), with a story of two acceptance tests. */
export async function storyWithTests(on: TestApi = api): Promise<{ project: Project; story: StoryDetail }> {
  const project = await createProject(on, {
    name: `Shop ${unique()}`,
    repository: { provider: "local", owner: "acme", name: `shop-${unique()}`, defaultBranch: "main" },
  });
  const story = await createStory(on, project.id, { title: "Pay by card" });
  await createAcceptanceTest(on, story.id, {
    title: "A valid card is charged",
    given: ["a cart of 2 items"],
    when: ["I pay with a valid card"],
    then: ["the card is charged the total"],
  });
  await createAcceptanceTest(on, story.id, {
    title: "A declined card shows why",
    given: ["a card the bank declines"],
    when: ["I pay with it"],
    then: ["I see the bank's reason"],
  });
  return { project, story };
}

export function generate(
  storyId: string,
  options: { body?: unknown; token?: string | null; on?: TestApi } = {},
) {
  return (options.on ?? api).request("POST", `/api/stories/${storyId}/code-generations`, {
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
}

/** A story with a queued code-generation task. */
export async function queuedTask(on: TestApi = api) {
  const { project, story } = await storyWithTests(on);
  const generation = await expectJson<CodeGeneration>(await generate(story.id, { on }), 202);
  return { project, story, ...generation };
}

/** Drives a task as a worker would, through the task store: claim, then the given outcome. */
export async function finish(
  taskId: string,
  outcome: "succeed" | "fail" | "none",
  on: TestApi = api,
): Promise<CodeGenerationTask> {
  let task = await on.deps.tasks.transition(taskId, "claim", { data: { workerId: "test-worker" } });
  if (outcome === "succeed")
    task = await on.deps.tasks.transition(taskId, "succeed", { commit: "a".repeat(40) });
  if (outcome === "fail") {
    task = await on.deps.tasks.transition(taskId, "fail", {
      error: { code: "agent_failed", message: "The agent exited with code 1." },
    });
  }
  return task;
}

export async function getTask(taskId: string): Promise<CodeGenerationTask> {
  return expectJson<CodeGenerationTask>(await api.request("GET", `/api/tasks/${taskId}`), 200);
}

export async function listTasks(query: string, token?: string): Promise<CodeGenerationTask[]> {
  const response = await api.request("GET", `/api/tasks?${query}`, token !== undefined ? { token } : {});
  return (await expectJson<{ tasks: CodeGenerationTask[] }>(response, 200)).tasks;
}

export async function eventPage(taskId: string, query = ""): Promise<EventPage> {
  return expectJson<EventPage>(await api.request("GET", `/api/tasks/${taskId}/events${query}`), 200);
}

/** Reads an SSE response message by message. */
export function sseReader(response: Response) {
  const body = response.body;
  if (!body) throw new Error("The event stream has no body.");
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    /** The next message, or null once the server has ended the stream. */
    async next(): Promise<{ id?: string; event: string; data: string } | null> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: { id?: string; event: string; data: string } = { event: "message", data: "" };
          for (const line of block.split("\n")) {
            const [field, ...rest] = line.split(":");
            const value = rest.join(":").replace(/^ /, "");
            if (field === "id") message.id = value;
            if (field === "event") message.event = value;
            if (field === "data") message.data = value;
          }
          return message;
        }
        const { value, done } = await reader.read();
        if (done)
          return buffer.trim() === "" ? null : Promise.reject(new Error(`Unterminated message: ${buffer}`));
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

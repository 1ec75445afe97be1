/**
 * @module stack: the whole local system for the worker's integration tests. A local DynamoDB
 * server (dynalite) with fresh tables, the API with the local git forge served over HTTP on a
 * free port, and workers that fetch and push through that HTTP remote, as in `aipm start`; or,
 * with `github`, the API and workers on a (fake) GitHub instead, as in AWS.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runGit } from "@aipm/git";
import type { CodeGenerationTask, Project, StoryDetail, TaskEvent } from "@aipm/shared";
import type { TaskStore } from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { startApiServer } from "@aipm/testing";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { type ComposedWorker, composeWorker } from "../src/compose.ts";
import { loadWorkerEnv } from "../src/env.ts";
import { createWorkerMetrics } from "../src/metrics.ts";
import { createWorker, type Worker, type WorkerLogger, type WorkerOptions } from "../src/worker.ts";

const run = promisify(execFile);

export const ADMIN_TOKEN = "worker-test-admin-token-0123456789";

/** Timings short enough for tests, long enough for a loaded machine. */
const fastTimings = {
  leaseMs: 3_000,
  heartbeatMs: 250,
  pollMs: 150,
  shutdownGraceMs: 500,
} as const satisfies Partial<WorkerOptions>;

export interface CodeGeneration {
  task: CodeGenerationTask;
  pullRequest: { number: number; url: string; branch: string };
}

/** A GitHub the stack's project lives on: the API and composed workers are configured for it. */
export interface StackGithub {
  /** `AIPM_GITHUB_API_URL`. */
  apiUrl: string;
  /** `AIPM_GITHUB_WEB_URL`: clone URLs are `<webUrl>/<owner>/<name>.git`. */
  webUrl: string;
  /** `AIPM_GITHUB_TOKEN`, for the API's calls and the workers' fetches and pushes. */
  token: string;
  /** The project's repository, which must exist there. */
  owner: string;
  name: string;
}

export interface StackOptions {
  /** Put the project on this GitHub rather than on the API's local forge. */
  github?: StackGithub;
}

export interface Stack {
  url: string;
  /** The local DynamoDB server and the environment whose tables this stack uses, for worker processes. */
  dynamoEndpoint: string;
  environment: string;
  /** The task store the API and the workers share, for what no route does (a ghost worker's claim). */
  tasks: TaskStore;
  project: Project;
  /** Sends a JSON request as the admin; resolves to the status and the parsed body. */
  request<T = unknown>(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  /** A story in the stack's project with `acceptanceTests` Given/When/Then tests. */
  createStory(fields?: { title?: string; acceptanceTests?: number }): Promise<StoryDetail>;
  /** `POST /api/stories/:id/code-generations`, expecting 202. */
  generate(
    storyId: string,
    body?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<CodeGeneration>;
  /** A story with one acceptance test and a task queued for it. */
  queueTask(body?: Record<string, unknown>): Promise<CodeGeneration>;
  /** A worker from `createWorker`, started, with the fast timings unless overridden. */
  startWorker(overrides?: Partial<WorkerOptions>): Worker;
  /** A worker as production wires it (`composeWorker` from its environment variables), started. */
  startComposedWorker(env?: Record<string, string>): ComposedWorker;
  /** Polls the task until `done` holds; fails with the task and its events after `timeoutMs`. */
  waitForTask(
    taskId: string,
    done: (task: CodeGenerationTask) => boolean,
    timeoutMs?: number,
  ): Promise<CodeGenerationTask>;
  /** Every event of the task, read page by page through the API. */
  events(taskId: string): Promise<TaskEvent[]>;
  /** Where each worker started here keeps its cache: `<cacheRoot>/<worker id>`. */
  cacheRoot: string;
  /** What the stack's workers logged so far, one line per entry. */
  logs(): string[];
  /** A fresh clone of the project's repository, through its `cloneUrl`, with the workers' credentials. */
  clone(): Promise<{ dir: string; git(...args: string[]): Promise<string> }>;
  /** Stops every worker and cancels every unfinished task. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

let stacks = 0;

/** Runs git in `cwd` with no user or system configuration; resolves its trimmed output. */
export function git(cwd: string, ...args: string[]): Promise<string> {
  return runGit(args, { cwd, env: { HOME: cwd }, trim: "whitespace" });
}

/** Pids of processes whose command line contains `marker` (never this test's own). */
export async function processesMatching(marker: string): Promise<number[]> {
  try {
    const { stdout } = await run("pgrep", ["-f", marker]);
    return stdout.split("\n").filter(Boolean).map(Number);
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    if ((error as { code?: number }).code === 1) return [];
    throw error;
  }
}

/** Polls `check` every 50 ms until it returns true; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Fails when a task was claimed twice without its lease expiring or being handed back in between. */
export function expectNoDoubleClaim(events: readonly TaskEvent[]): void {
  let holder: string | null = null;
  for (const event of events) {
    if (event.type === "task.claimed") {
      expect(holder, `task ${event.taskId} claimed by ${event.data.workerId} while ${holder} held it`).toBe(
        null,
      );
      holder = String(event.data.workerId);
    } else if (
      [
        "task.lease_expired",
        "task.released",
        "task.succeeded",
        "task.failed",
        "task.timed_out",
        "task.cancelled",
      ].includes(event.type)
    ) {
      holder = null;
    }
  }
}

/** Fails unless the events are numbered 1, 2, 3, ... with no gap. */
export function expectGaplessSeqs(events: readonly TaskEvent[]): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
}

/** Fails unless the events are one clean run of the scaffold agent: every step once, in order. */
export function expectOneScaffoldRun(events: readonly TaskEvent[]): void {
  expectGaplessSeqs(events);
  expectNoDoubleClaim(events);
  expect(events.map((event) => event.type)).toEqual([
    "pull_request.opened",
    "task.queued",
    "task.claimed",
    "agent.started",
    "agent.output",
    "git.committed",
    "git.pushed",
    "tests.ran",
    "task.succeeded",
  ]);
}

/**
 * Fails unless `dead` claimed the task, lost its lease, and `survivor` took it back as attempt 2
 * and finished it, with gapless events and no double claim.
 */
export function expectTakenOver(events: readonly TaskEvent[], dead: string, survivor: string): void {
  expectGaplessSeqs(events);
  expectNoDoubleClaim(events);
  const lifecycle = events.filter((event) => event.type.startsWith("task."));
  expect(lifecycle.map((event) => [event.type, event.data.workerId ?? event.data.leaseOwner])).toEqual([
    ["task.queued", undefined],
    ["task.claimed", dead],
    ["task.lease_expired", dead],
    ["task.claimed", survivor],
    ["task.succeeded", undefined],
  ]);
  expect(lifecycle[2]?.data).toMatchObject({ from: "running", to: "queued", attempt: 2 });
  expect(lifecycle[3]?.data).toMatchObject({ attempt: 2 });
}

/**
 * Starts the stack; `stop()` stops the workers, the API, the store and removes every temp dir.
 *
 * @example const stack = await startStack(); onTestFinished(() => stack.stop());
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { github } = options;
  const tmp = await mkdtemp(join(tmpdir(), "aipm-worker-it-"));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const local: LocalDynamo = await startLocalDynamo();
    cleanups.push(() => local.close());
    const environment = `w${process.pid}-${++stacks}`;
    const reposDir = join(tmp, "repos");
    const workers: Worker[] = [];
    const stopWorkers = () => Promise.all(workers.splice(0).map((worker) => worker.stop()));
    const api = await startApiServer({
      dynamoEndpoint: local.endpoint,
      environment,
      adminToken: ADMIN_TOKEN,
      reposDir,
      env: github
        ? {
            AIPM_GITHUB_API_URL: github.apiUrl,
            AIPM_GITHUB_WEB_URL: github.webUrl,
            AIPM_GITHUB_TOKEN: github.token,
          }
        : {},
      extra: {
        wakeWorkers: () => {
          for (const worker of workers) worker.wake();
        },
      },
    });
    cleanups.push(api.close);
    cleanups.push(stopWorkers);
    const { url, deps, dynamo } = api;

    // What the workers said, shown when a task does not get where a test waits for it.
    const logs: string[] = [];
    const logger = (workerId: string): WorkerLogger => ({
      info: (message, fields) => logs.push(`${workerId} info ${message} ${JSON.stringify(fields ?? {})}`),
      error: (message, fields) => logs.push(`${workerId} error ${message} ${JSON.stringify(fields ?? {})}`),
    });

    const request: Stack["request"] = async (method, path, options = {}) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
    };
    const expectStatus = async <T>(
      status: number,
      method: string,
      path: string,
      options?: { body?: unknown; headers?: Record<string, string> },
    ): Promise<T> => {
      const response = await request<T>(method, path, options);
      expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(status);
      return response.body;
    };

    const project = await expectStatus<Project>(201, "POST", "/api/projects", {
      body: {
        name: "Shop",
        repository: github
          ? { provider: "github", owner: github.owner, name: github.name }
          : { provider: "local", owner: "acme", name: `shop-${stacks}` },
      },
    });
    // What the workers authenticate with: GitHub's token, or an AIPM token for the local forge.
    const [user, password] = github ? ["x-access-token", github.token] : ["aipm-worker", ADMIN_TOKEN];
    const access = {
      cloneUrl: project.repository.cloneUrl,
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
    };

    let workerCount = 0;
    const stack: Stack = {
      url,
      dynamoEndpoint: local.endpoint,
      environment,
      tasks: deps.tasks,
      project,
      request,

      async createStory(fields = {}) {
        const story = await expectStatus<StoryDetail>(201, "POST", `/api/projects/${project.id}/stories`, {
          body: {
            title: fields.title ?? "Pay by card",
            asA: "shopper",
            iWant: "to pay by card",
            soThat: "I get my order",
          },
        });
        for (let index = 1; index <= (fields.acceptanceTests ?? 1); index++) {
          await expectStatus(201, "POST", `/api/stories/${story.id}/acceptance-tests`, {
            body: {
              title: `Card accepted ${index}`,
              given: ["a cart with one book"],
              when: ["I pay by card"],
              then: ["I see a receipt"],
            },
          });
        }
        return story;
      },

      generate: (storyId, body = {}, headers = {}) =>
        expectStatus<CodeGeneration>(202, "POST", `/api/stories/${storyId}/code-generations`, {
          body,
          headers,
        }),

      async queueTask(body = {}) {
        const story = await stack.createStory();
        return stack.generate(story.id, body);
      },

      startWorker(overrides = {}) {
        const id = overrides.id ?? `worker-${++workerCount}`;
        const worker = createWorker({
          id,
          version: "1.2.3-test",
          tasks: deps.tasks,
          workers: deps.workers,
          stories: deps.stories,
          projects: deps.projects,
          repositoryAccess: async () => access,
          cacheDir: join(tmp, "cache", id),
          concurrency: 1,
          ...fastTimings,
          agentTimeoutMs: 30_000,
          agentIdleTimeoutMs: 30_000,
          agentSandbox: "on",
          protectedGlobs: [".github/workflows/**"],
          parentEnv: { PATH: process.env.PATH },
          gitAuthor: { name: "AIPM worker", email: "worker@aipm.local" },
          metrics: createWorkerMetrics(),
          log: logger(id),
          ...overrides,
        });
        workers.push(worker);
        worker.start();
        return worker;
      },

      startComposedWorker(env = {}) {
        const id = env.AIPM_WORKER_ID ?? `composed-${++workerCount}`;
        const workerEnv = loadWorkerEnv({
          AIPM_ENV: environment,
          AIPM_DYNAMODB_ENDPOINT: local.endpoint,
          AIPM_PUBLIC_URL: url,
          AIPM_LOCAL_GIT_TOKEN: ADMIN_TOKEN,
          AIPM_WORKER_CACHE_DIR: join(tmp, "cache", id),
          AIPM_WORKER_ID: id,
          AIPM_LEASE_S: "3",
          AIPM_HEARTBEAT_MS: String(fastTimings.heartbeatMs),
          AIPM_POLL_MS: String(fastTimings.pollMs),
          AIPM_SHUTDOWN_GRACE_S: "1",
          ...(github ? { AIPM_GITHUB_TOKEN: github.token, AIPM_GITHUB_WEB_URL: github.webUrl } : {}),
          ...env,
        });
        const composed = composeWorker(workerEnv, { PATH: process.env.PATH }, logger(id), { dynamo });
        workers.push(composed.worker);
        composed.worker.start();
        return composed;
      },

      async waitForTask(taskId, done, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const task = await expectStatus<CodeGenerationTask>(200, "GET", `/api/tasks/${taskId}`);
          if (done(task)) return task;
          if (Date.now() > deadline) {
            const events = await stack.events(taskId);
            throw new Error(
              `Task ${taskId} did not get there within ${timeoutMs} ms. It is ${JSON.stringify(task, null, 2)}\n` +
                `Events: ${JSON.stringify(events, null, 2)}\nWorker log:\n${logs.join("\n")}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },

      cacheRoot: join(tmp, "cache"),
      logs: () => [...logs],

      async events(taskId) {
        const events: TaskEvent[] = [];
        for (let after = 0; ; ) {
          const page = await expectStatus<{ events: TaskEvent[]; nextAfter: number }>(
            200,
            "GET",
            `/api/tasks/${taskId}/events?after=${after}`,
          );
          events.push(...page.events);
          if (page.events.length === 0) return events;
          after = page.nextAfter;
        }
      },

      async clone() {
        const dir = await mkdtemp(join(tmp, "clone-"));
        const header = `http.extraHeader=Authorization: ${access.authorization}`;
        await git(tmp, "clone", "--quiet", "--config", header, project.repository.cloneUrl, dir);
        await git(dir, "config", "user.name", "Test");
        await git(dir, "config", "user.email", "test@aipm.local");
        return { dir, git: (...args: string[]) => git(dir, ...args) };
      },

      async settle() {
        await stopWorkers();
        const { body } = await request<{ tasks: CodeGenerationTask[] }>(
          "GET",
          `/api/tasks?projectId=${project.id}&limit=500`,
        );
        for (const task of body.tasks) {
          if (task.status === "queued" || (task.status === "running" && !task.cancelRequested))
            await request("POST", `/api/tasks/${task.id}/cancel`);
        }
      },

      stop,
    };
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * One stack for the tests of the calling file: started before them, settled after each (its
 * workers stopped and its unfinished tasks cancelled, so no task leaks into the next test), and
 * stopped after them all. The returned object stands for that stack inside tests.
 *
 * @example const stack = useStack(); it("...", async () => { await stack.createStory(); });
 */
export function useStack(): Stack {
  let current: Stack | undefined;
  beforeAll(async () => {
    current = await startStack();
  }, 60_000);
  afterEach(() => current?.settle(), 30_000);
  afterAll(() => current?.stop(), 30_000);
  return new Proxy({} as Stack, {
    get(_, property) {
      if (!current) throw new Error("The stack starts in beforeAll: use it inside a test.");
      return current[property as keyof Stack];
    },
  });
}

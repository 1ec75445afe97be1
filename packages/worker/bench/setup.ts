/**
 * @module setup: what the benchmarks share: the API and its tables on an in-memory local
 * DynamoDB server (dynalite) in its own process, and the git CLI run as the worker runs it.
 */
import { runGit } from "@aipm/git";
import { type CodeGenerationTask, newId, newQueuedTask, type Project, type StoryDetail } from "@aipm/shared";
import { createTestApi, type LocalDynamo, type TestApi } from "@aipm/testing";

export type BenchApi = TestApi & {
  /** Sends a JSON request as the admin; throws unless the answer has `expected` status. */
  call<T>(
    method: string,
    path: string,
    body?: unknown,
    options?: { expected?: number; headers?: Record<string, string> },
  ): Promise<T>;
};

/**
 * The API as composed for production (`createDeps`), on fresh tables in `local`; `env` adds
 * settings (a GitHub token and API URL, say). Requests go to the Hono app in process.
 */
export async function createBenchApi(
  local: LocalDynamo,
  env: Record<string, string> = {},
  extra: (deps: TestApi["deps"]) => Partial<TestApi["deps"]> = () => ({}),
): Promise<BenchApi> {
  const api = await createTestApi(local, extra, env);
  return {
    ...api,
    async call(method, path, body, options = {}) {
      const response = await api.request(method, path, {
        ...(body !== undefined ? { body } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      });
      const text = await response.text();
      const expected = options.expected ?? (method === "POST" ? 201 : 200);
      if (response.status !== expected) {
        throw new Error(`${method} ${path} answered ${response.status}, expected ${expected}: ${text}`);
      }
      return (text ? JSON.parse(text) : undefined) as never;
    },
  };
}

/** A project on `owner/name` (provider github unless given) with `stories` stories, each with one acceptance test. */
export async function seedProject(
  api: BenchApi,
  stories: number,
  repository: Record<string, string> = { provider: "github", owner: "acme", name: "shop" },
): Promise<{ project: Project; stories: StoryDetail[] }> {
  const project = await api.call<Project>("POST", "/api/projects", { name: "Bench", repository });
  const created: StoryDetail[] = [];
  for (let i = 0; i < stories; i++) {
    const story = await api.call<StoryDetail>("POST", `/api/projects/${project.id}/stories`, {
      title: `Pay by card ${i + 1}`,
      asA: "shopper",
      iWant: "to pay by card",
      soThat: "I get my order",
    });
    await api.call("POST", `/api/stories/${story.id}/acceptance-tests`, {
      title: "Card accepted",
      given: ["a cart with one item"],
      when: ["I pay with a valid card"],
      then: ["I see a receipt"],
    });
    created.push(story);
  }
  return { project, stories: created };
}

/**
 * Runs `git <args>` with the worker's isolation (no user or system config, no prompts) and
 * resolves to its trimmed stdout. The fresh-clone baseline uses it, so both sides pay the same.
 */
export function git(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<string> {
  return runGit(args, {
    cwd: options.cwd,
    input: options.input,
    config: ["protocol.file.allow=always", "safe.directory=*"],
    env: {
      HOME: process.env.HOME ?? "/tmp",
      GIT_AUTHOR_NAME: "Bench",
      GIT_AUTHOR_EMAIL: "bench@example.com",
      GIT_COMMITTER_NAME: "Bench",
      GIT_COMMITTER_EMAIL: "bench@example.com",
      ...options.env,
    },
    // A benchmark's repositories are as big as it makes them, and a fresh clone takes as long as it takes.
    maxBuffer: 256 * 1024 * 1024,
    timeoutMs: 0,
    trim: "whitespace",
  });
}

/**
 * A bare repository at `path` whose `main` holds `files`, written with `git fast-import` (one
 * process, no working tree), so even 10,000 files take well under a second.
 */
export async function createBareRepository(path: string, files: Iterable<[string, string]>): Promise<string> {
  await git(["init", "--quiet", "--bare", "--initial-branch=main", path]);
  const parts: string[] = [];
  const message = "Initial commit\n";
  parts.push(
    "commit refs/heads/main\n",
    "committer Bench <bench@example.com> 1700000000 +0000\n",
    `data ${Buffer.byteLength(message)}\n${message}`,
  );
  for (const [file, content] of files) {
    parts.push(`M 100644 inline ${file}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
  }
  parts.push("done\n");
  await git(["fast-import", "--quiet", "--done"], { cwd: path, input: parts.join("") });
  return git(["rev-parse", "refs/heads/main"], { cwd: path });
}

/** A queued task as `POST /api/stories/:id/code-generations` writes it. */
export function queuedTask(fields: {
  projectId: string;
  storyId: string;
  branch: string;
  agent?: CodeGenerationTask["agent"];
  createdAt?: string;
}): CodeGenerationTask {
  return newQueuedTask({
    id: newId("task"),
    projectId: fields.projectId,
    storyId: fields.storyId,
    agent: fields.agent ?? "scaffold",
    branch: fields.branch,
    pullRequest: { number: 1, url: "http://127.0.0.1/pull/1" },
    maxAttempts: 3,
    now: fields.createdAt ?? new Date().toISOString(),
  });
}

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { type FakeCall, type FakeGithub, startFakeGithub } from "@aipm/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForgeError, type OpenPullRequestInput, type RepositoryRef } from "./forge.ts";
import { type GitHubForgeOptions, gitBlobSha, githubForge, githubWebUrl } from "./github.ts";

const TOKEN = "ghp_secretTestToken0123456789abcdefABCD";
const BRANCH = "aipm/sty_1-pay-by-card";
const TASK_MD = "# Pay by card\n\n- Story: `sty_1`\n\nÜmlauts, emoji 🚀 and no newline at the end";

let github: FakeGithub;
beforeAll(async () => {
  github = await startFakeGithub();
});
afterAll(() => github.close());

/** A forge on the fake that never waits: no throttling, retries after 1 ms units. */
function forgeOn(fake: FakeGithub, overrides: Partial<GitHubForgeOptions> = {}) {
  return githubForge({
    token: async () => TOKEN,
    apiUrl: fake.url,
    throttle: { enabled: false },
    retry: { retryAfterBaseValue: 1 },
    ...overrides,
  });
}

let repoCounter = 0;
function newRepository(files?: Record<string, string>, fake = github) {
  const name = `shop-${++repoCounter}`;
  const repo: RepositoryRef = { owner: "acme", name, defaultBranch: "main" };
  return {
    repo,
    fake: fake.state.addRepository(`acme/${name}`, files ? { files } : {}),
    base: `/repos/acme/${name}`,
  };
}

function prInput(
  repository: RepositoryRef,
  overrides: Partial<OpenPullRequestInput> = {},
): OpenPullRequestInput {
  return {
    repository,
    baseBranch: "main",
    branch: BRANCH,
    title: "Pay by card [AIPM]",
    body: "Implements the story.",
    files: [{ path: "TASK.md", content: TASK_MD }],
    commitMessage: "Add TASK.md for story sty_1: Pay by card",
    author: { name: "AIPM", email: "aipm@example.com" },
    ...overrides,
  };
}

/** What `work` asked of the fake, as "METHOD path" lines. */
async function callsOf(work: () => Promise<unknown>, fake = github): Promise<string[]> {
  return (await recordedCalls(work, fake)).map((call) => `${call.method} ${call.path}`);
}
async function recordedCalls(work: () => Promise<unknown>, fake = github): Promise<FakeCall[]> {
  const start = fake.calls.length;
  await work();
  return fake.calls.slice(start);
}

async function forgeErrorOf(promise: Promise<unknown>): Promise<ForgeError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ForgeError);
  return error as ForgeError;
}

describe("openPullRequest on a new branch", () => {
  it("reads the base, creates the branch, commits TASK.md and opens the pull request: 4 round trips", async () => {
    const { repo, fake, base } = newRepository();
    const forge = forgeOn(github);
    let result: Awaited<ReturnType<typeof forge.openPullRequest>> | undefined;
    const calls = await recordedCalls(async () => {
      result = await forge.openPullRequest(prInput(repo));
    });

    const lines = calls.map((call) => `${call.method} ${call.path}`);
    // The two reads go out together (one round trip); the rest each wait for the one before.
    expect(lines.slice(0, 2).sort()).toEqual([
      `GET ${base}/contents/TASK.md?ref=main`,
      `GET ${base}/git/ref/heads/main`,
    ]);
    expect(lines.slice(2)).toEqual([
      `POST ${base}/git/refs`,
      `PUT ${base}/contents/TASK.md`,
      `POST ${base}/pulls`,
    ]);

    const mainHead = fake.history("main")[0]?.sha;
    expect(calls[2]?.body).toEqual({ ref: `refs/heads/${BRANCH}`, sha: mainHead });
    expect(calls[3]?.body).toEqual({
      branch: BRANCH,
      message: "Add TASK.md for story sty_1: Pay by card",
      content: Buffer.from(TASK_MD).toString("base64"),
      author: { name: "AIPM", email: "aipm@example.com" },
    });
    expect(calls[4]?.body).toEqual({
      title: "Pay by card [AIPM]",
      body: "Implements the story.",
      head: BRANCH,
      base: "main",
    });

    const head = fake.branches.get(BRANCH);
    expect(result).toEqual({
      number: 1,
      url: `${github.url}/acme/${repo.name}/pull/1`,
      branch: BRANCH,
      headSha: head,
      created: true,
    });
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(fake.file(BRANCH, "TASK.md")).toBe(TASK_MD);
    expect(fake.history(BRANCH).map((commit) => commit.message)).toEqual([
      "Add TASK.md for story sty_1: Pay by card",
      "Initial commit",
    ]);
    expect(fake.pulls).toMatchObject([{ number: 1, head: BRANCH, base: "main", state: "open" }]);
  });

  it("replaces a TASK.md already on the base (the usual case after a first merge) in the same 4 round trips", async () => {
    const { repo, fake, base } = newRepository({ "TASK.md": "# An older story\n" });
    const calls = await recordedCalls(() => forgeOn(github).openPullRequest(prInput(repo)));
    expect(calls.map((call) => `${call.method} ${call.path}`).slice(2)).toEqual([
      `POST ${base}/git/refs`,
      `PUT ${base}/contents/TASK.md`,
      `POST ${base}/pulls`,
    ]);
    expect(calls[3]?.body).toMatchObject({ sha: gitBlobSha("# An older story\n") });
    expect(fake.file(BRANCH, "TASK.md")).toBe(TASK_MD);
  });

  it("commits several files with the git data API, in one commit", async () => {
    const { repo, fake, base } = newRepository();
    const files = [
      { path: "TASK.md", content: TASK_MD },
      { path: "docs/notes.md", content: "notes\n" },
    ];
    const forge = forgeOn(github);
    const lines = await callsOf(() => forge.openPullRequest(prInput(repo, { files })));
    const mainHead = fake.history("main")[0]?.sha;
    expect(lines).toEqual([
      `GET ${base}/git/ref/heads/main`,
      `GET ${base}/git/commits/${mainHead}`,
      `POST ${base}/git/trees`,
      `POST ${base}/git/commits`,
      `POST ${base}/git/refs`,
      `POST ${base}/pulls`,
    ]);
    expect(fake.file(BRANCH, "docs/notes.md")).toBe("notes\n");
    expect(fake.file(BRANCH, "README.md")).toBe(`# ${repo.name}\n`);
    expect(fake.history(BRANCH)[0]).toMatchObject({ author: { name: "AIPM", email: "aipm@example.com" } });
    expect(fake.history(BRANCH)).toHaveLength(2);

    const again = await forge.openPullRequest(prInput(repo, { files }));
    expect(again).toMatchObject({ number: 1, created: false, headSha: fake.branches.get(BRANCH) });
    expect(fake.history(BRANCH)).toHaveLength(2);

    const changed = [{ path: "docs/notes.md", content: "more notes\n" }, ...files.slice(0, 1)];
    const update = await forge.openPullRequest(prInput(repo, { files: changed }));
    expect(update).toMatchObject({ number: 1, created: false, headSha: fake.branches.get(BRANCH) });
    expect(fake.file(BRANCH, "docs/notes.md")).toBe("more notes\n");
    expect(fake.history(BRANCH)).toHaveLength(3);
  });

  it("refuses when the base already holds exactly these files (GitHub opens no empty pull request)", async () => {
    const { repo } = newRepository({ "TASK.md": TASK_MD });
    const error = await forgeErrorOf(forgeOn(github).openPullRequest(prInput(repo)));
    expect(error.code).toBe("invalid");
    expect(error.message).toMatch(/holds nothing that main does not/);
  });

  it("rejects invalid input before calling GitHub", async () => {
    const { repo } = newRepository();
    const lines = await callsOf(async () => {
      const error = await forgeErrorOf(
        forgeOn(github).openPullRequest(prInput(repo, { files: [{ path: "../etc/passwd", content: "x" }] })),
      );
      expect(error.code).toBe("invalid");
    });
    expect(lines).toEqual([]);
  });
});

describe("throttling", () => {
  it("stays on by default without spacing writes or pull requests apart", async () => {
    const { repo } = newRepository();
    const forge = githubForge({
      token: async () => TOKEN,
      apiUrl: github.url,
      retry: { retryAfterBaseValue: 1 },
    });
    const started = performance.now();
    const opened = await forge.openPullRequest(prInput(repo, { branch: "aipm/throttled" }));
    const second = await forge.openPullRequest(prInput(repo, { branch: "aipm/throttled-too" }));
    expect([opened.created, second.created]).toEqual([true, true]);
    // plugin-throttling's default spacing (1 s between writes, 3 s between pull requests) would
    // make these two take 5 s or more.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("openPullRequest on an existing branch (idempotency)", () => {
  it("returns the open pull request with created: false, without a second pull request or commit", async () => {
    const { repo, fake, base } = newRepository();
    const forge = forgeOn(github);
    const first = await forge.openPullRequest(prInput(repo));
    let second: unknown;
    const lines = await callsOf(async () => {
      second = await forge.openPullRequest(prInput(repo));
    });
    expect(second).toEqual({ ...first, created: false });
    expect(fake.pulls).toHaveLength(1);
    expect(fake.history(BRANCH)).toHaveLength(2);
    expect(lines.slice(2, 3)).toEqual([`POST ${base}/git/refs`]);
    expect(lines.slice(3).sort()).toEqual([
      `GET ${base}/contents/TASK.md?ref=${BRANCH}`,
      `GET ${base}/pulls?head=acme:${BRANCH}&state=open`,
    ]);
  });

  it("updates TASK.md on the branch of the open pull request when its content differs", async () => {
    const { repo, fake, base } = newRepository();
    const forge = forgeOn(github);
    const first = await forge.openPullRequest(prInput(repo));
    const changed = `${TASK_MD}\n\n## Acceptance tests\n- Given a card`;
    const calls = await recordedCalls(async () => {
      const second = await forge.openPullRequest(
        prInput(repo, { files: [{ path: "TASK.md", content: changed }] }),
      );
      expect(second).toEqual({ ...first, headSha: fake.branches.get(BRANCH), created: false });
      expect(second.headSha).not.toBe(first.headSha);
    });
    const put = calls.find((call) => call.method === "PUT");
    expect(put?.path).toBe(`${base}/contents/TASK.md`);
    expect(put?.body).toMatchObject({ branch: BRANCH, sha: gitBlobSha(TASK_MD) });
    expect(fake.file(BRANCH, "TASK.md")).toBe(changed);
    expect(fake.pulls).toHaveLength(1);
  });

  it("opens a new pull request when the branch's earlier one was closed", async () => {
    const { repo, fake } = newRepository();
    const forge = forgeOn(github);
    await forge.openPullRequest(prInput(repo));
    const [closed] = fake.pulls;
    if (closed) closed.state = "closed";
    const reopened = await forge.openPullRequest(prInput(repo));
    expect(reopened).toMatchObject({ number: 2, created: true, headSha: fake.branches.get(BRANCH) });
    expect(fake.history(BRANCH)).toHaveLength(2);
  });

  it("returns the pull request GitHub opened when its answer was lost and the retry says it exists", async () => {
    const { repo, fake, base } = newRepository();
    github.failNext("POST", `${base}/pulls`, 502, undefined, { afterHandling: true });
    const result = await forgeOn(github).openPullRequest(prInput(repo));
    expect(result).toMatchObject({ number: 1, created: false, headSha: fake.branches.get(BRANCH) });
    expect(fake.pulls).toHaveLength(1);
  });

  it("re-reads TASK.md and writes again when the branch moved since it was read", async () => {
    const { repo, fake, base } = newRepository();
    const forge = forgeOn(github);
    await forge.openPullRequest(prInput(repo));
    fake.push(BRANCH, { "TASK.md": "# Edited by someone\n" });
    github.failNext("PUT", `${base}/contents/TASK.md`, 409, { message: "TASK.md does not match 0123abcd" });
    const result = await forge.openPullRequest(prInput(repo));
    expect(result).toMatchObject({ number: 1, created: false, headSha: fake.branches.get(BRANCH) });
    expect(fake.file(BRANCH, "TASK.md")).toBe(TASK_MD);
  });
});

describe("failures", () => {
  it("retries a transient 502 and succeeds", async () => {
    const { repo, base } = newRepository();
    github.failNext("GET", `${base}/git/ref/heads/main`, 502, { message: "Server Error" });
    let result: unknown;
    const lines = await callsOf(async () => {
      result = await forgeOn(github).openPullRequest(prInput(repo));
    });
    expect(result).toMatchObject({ number: 1, created: true });
    expect(lines.filter((line) => line === `GET ${base}/git/ref/heads/main`)).toHaveLength(2);
  });

  it("fails with `failed` when GitHub keeps answering 5xx after the retries", async () => {
    const { repo, base } = newRepository();
    for (let i = 0; i < 4; i++) github.failNext("GET", base, 503);
    const lines = await callsOf(async () => {
      const error = await forgeErrorOf(forgeOn(github).ensureRepository(repo));
      expect(error.code).toBe("failed");
      expect(error.message).toMatch(/503 Service Unavailable.*try again later/);
    });
    expect(lines).toEqual(Array(4).fill(`GET ${base}`));
  });

  it("maps 401 to `failed` naming the token as the fix, never including the token", async () => {
    const { repo, base } = newRepository();
    github.failNext("GET", `${base}/git/ref/heads/main`, 401, { message: `Bad credentials for ${TOKEN}` });
    const error = await forgeErrorOf(forgeOn(github).openPullRequest(prInput(repo)));
    expect(error.code).toBe("failed");
    expect(error.message).toMatch(/GitHub rejected the token.*replace the GitHub token/);
    expect(error.message).not.toContain(TOKEN);
    // The error is logged with its cause (Octokit's error, which holds the request).
    expect(inspect(error, { depth: 30 })).not.toContain(TOKEN);
  });

  it("maps a token GitHub does not know to `failed` without retrying", async () => {
    const { repo } = newRepository();
    github.state.token = "the-only-valid-token";
    try {
      const lines = await callsOf(async () => {
        const error = await forgeErrorOf(forgeOn(github).ensureRepository(repo));
        expect(error.code).toBe("failed");
        expect(error.message).not.toContain(TOKEN);
      });
      expect(lines).toHaveLength(1);
    } finally {
      github.state.token = undefined;
    }
  });

  it("maps 403 to `failed` naming the token's access as the fix", async () => {
    const { repo, base } = newRepository();
    github.failNext("POST", `${base}/git/refs`, 403, {
      message: "Resource not accessible by personal access token",
    });
    const error = await forgeErrorOf(forgeOn(github).openPullRequest(prInput(repo)));
    expect(error.code).toBe("failed");
    expect(error.message).toMatch(
      /token may not create branch .* \(403 Resource not accessible by personal access token\): give the token read and write access/,
    );
  });

  it("maps an unknown repository to `not-found`", async () => {
    const repo = { owner: "acme", name: "no-such-repo", defaultBranch: "main" };
    const forge = forgeOn(github);
    const error = await forgeErrorOf(forge.ensureRepository(repo));
    expect(error.code).toBe("not-found");
    expect(error.message).toMatch(
      /^Repository acme\/no-such-repo does not exist on GitHub or the token cannot see it; create it or give the token access: http:\/\/127\.0\.0\.1:\d+\/acme\/no-such-repo$/,
    );
    expect((await forgeErrorOf(forge.openPullRequest(prInput(repo)))).code).toBe("not-found");
  });

  it("maps a missing base branch to `not-found`", async () => {
    const { repo } = newRepository();
    const error = await forgeErrorOf(
      forgeOn(github).openPullRequest(prInput(repo, { baseBranch: "develop" })),
    );
    expect(error.code).toBe("not-found");
    expect(error.message).toMatch(/^Base branch develop does not exist/);
  });

  it("maps a GitHub it cannot reach to `failed` after retrying", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await forgeErrorOf(forgeOn(github, { apiUrl: url }).ensureRepository(newRepository().repo));
    expect(error.code).toBe("failed");
    expect(error.message).toMatch(/could not reach GitHub at http:\/\/127\.0\.0\.1:\d+ .*even after retries/);
  });

  it("abandons a request that takes longer than requestTimeoutMs", async () => {
    let requests = 0;
    const silent: Server = createServer(() => {
      requests++;
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const forge = forgeOn(github, { apiUrl: url, requestTimeoutMs: 50 });
      const error = await forgeErrorOf(forge.ensureRepository(newRepository().repo));
      expect(error.code).toBe("failed");
      expect(requests).toBe(4);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("waits out a secondary rate limit when throttling is on, up to 2 retries", async () => {
    const { repo, base } = newRepository();
    const limited = {
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    };
    const logged: string[] = [];
    const forge = forgeOn(github, {
      throttle: { enabled: true },
      log: { info: (message) => logged.push(message), error: () => {} },
    });
    github.failNext("GET", base, 403, limited, { headers: { "retry-after": "1" } });
    expect(await forge.ensureRepository(repo)).toEqual({ created: false });
    expect(logged).toEqual(["GitHub secondary rate limit hit"]);

    for (let i = 0; i < 3; i++)
      github.failNext("GET", base, 403, limited, { headers: { "retry-after": "1" } });
    const error = await forgeErrorOf(forge.ensureRepository(repo));
    expect(error.code).toBe("failed");
    expect(error.message).toMatch(/rate limit stopped AIPM.*wait a few minutes/);
  });

  it("waits for the primary rate limit's reset, then retries", async () => {
    const { repo, base } = newRepository();
    const logged: string[] = [];
    const forge = forgeOn(github, {
      throttle: { enabled: true },
      log: { info: (message) => logged.push(message), error: () => {} },
    });
    github.failNext(
      "GET",
      base,
      403,
      { message: "API rate limit exceeded for installation ID 1." },
      {
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000)) },
      },
    );
    expect(await callsOf(() => forge.ensureRepository(repo))).toEqual([`GET ${base}`, `GET ${base}`]);
    expect(logged).toEqual(["GitHub rate limit hit"]);
  });
});

describe("ensureRepository", () => {
  it("finds an existing repository and creates none", async () => {
    const { repo, base } = newRepository();
    expect(await callsOf(() => forgeOn(github).ensureRepository(repo))).toEqual([`GET ${base}`]);
    expect(await forgeOn(github).ensureRepository(repo)).toEqual({ created: false });
  });
});

describe("getPullRequest", () => {
  it("reports open, merged and closed pull requests, and null for an unknown one", async () => {
    const { repo, fake } = newRepository();
    const forge = forgeOn(github);
    const opened = await forge.openPullRequest(prInput(repo));
    expect(await forge.getPullRequest(repo, opened.number)).toEqual({
      number: 1,
      url: opened.url,
      branch: BRANCH,
      baseBranch: "main",
      title: "Pay by card [AIPM]",
      state: "open",
      headSha: opened.headSha,
    });
    const [pull] = fake.pulls;
    if (!pull) throw new Error("no pull request");
    Object.assign(pull, { state: "closed", merged: true });
    expect(await forge.getPullRequest(repo, 1)).toMatchObject({ state: "merged" });
    pull.merged = false;
    expect(await forge.getPullRequest(repo, 1)).toMatchObject({ state: "closed" });
    expect(await forge.getPullRequest(repo, 99)).toBeNull();
  });
});

describe("configuration", () => {
  it("sends the token as `token <t>`, fetching it once per operation and following a rotation", async () => {
    const { repo } = newRepository();
    let current = TOKEN;
    let fetched = 0;
    const forge = forgeOn(github, {
      token: async () => {
        fetched++;
        return current;
      },
    });
    const first = await recordedCalls(() => forge.openPullRequest(prInput(repo)));
    expect(fetched).toBe(1);
    expect(new Set(first.map((call) => call.authorization))).toEqual(new Set([`token ${TOKEN}`]));

    current = "ghp_rotatedToken";
    const second = await recordedCalls(() => forge.getPullRequest(repo, 1));
    expect(second.map((call) => call.authorization)).toEqual(["token ghp_rotatedToken"]);
  });

  it("fails with `failed` when no token is configured or it cannot be read", async () => {
    const { repo } = newRepository();
    const none = await forgeErrorOf(forgeOn(github, { token: async () => undefined }).ensureRepository(repo));
    expect(none).toMatchObject({
      code: "failed",
      message: expect.stringMatching(/^No GitHub token is configured/),
    });
    const unreadable = forgeOn(github, {
      token: () => Promise.reject(new Error("AccessDeniedException: not authorized to GetSecretValue")),
    });
    const error = await forgeErrorOf(unreadable.ensureRepository(repo));
    expect(error).toMatchObject({
      code: "failed",
      message: expect.stringMatching(/could not read its GitHub token/),
    });
  });

  it("works against a GitHub Enterprise Server style base URL (/api/v3)", async () => {
    const enterprise = await startFakeGithub({ prefix: "/api/v3" });
    try {
      expect(enterprise.url).toMatch(/\/api\/v3$/);
      const { repo, base } = newRepository(undefined, enterprise);
      const forge = forgeOn(enterprise);
      let result: unknown;
      const lines = await callsOf(async () => {
        result = await forge.openPullRequest(prInput(repo));
      }, enterprise);
      expect(lines).toContain(`POST ${base}/pulls`);
      const web = enterprise.url.replace(/\/api\/v3$/, "");
      expect(result).toMatchObject({ number: 1, url: `${web}/acme/${repo.name}/pull/1`, created: true });
      const missing = await forgeErrorOf(forge.ensureRepository({ ...repo, name: "missing" }));
      expect(missing.message).toContain(`give the token access: ${web}/acme/missing`);
    } finally {
      await enterprise.close();
    }
  });

  it("derives GitHub's web base from its API base", () => {
    expect(githubWebUrl("https://api.github.com")).toBe("https://github.com");
    expect(githubWebUrl("https://ghe.example.com/api/v3/")).toBe("https://ghe.example.com");
  });
});

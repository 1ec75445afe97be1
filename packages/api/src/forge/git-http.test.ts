import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { GitError, runGit } from "@aipm/git";
import { createDynamo, dynamoLocalPullRequestStore, ensureTables, type RepositoryKey } from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepositoryRef } from "./forge.ts";
import { gitHttpHandler, isPushRequest, parseBasicAuthorization, parseGitRequestPath } from "./git-http.ts";
import { type LocalGitForge, localGitForge } from "./local-git.ts";

const TOKEN = "good-token";
const identity = {
  GIT_AUTHOR_NAME: "Worker",
  GIT_AUTHOR_EMAIL: "worker@example.com",
  GIT_COMMITTER_NAME: "Worker",
  GIT_COMMITTER_EMAIL: "worker@example.com",
};

let local: LocalDynamo;
let scratch: string;
let forge: LocalGitForge;
let server: Server;
let baseUrl: string;
let pushChecks: { authorization: string | undefined; repository: RepositoryKey }[] = [];
const errors: string[] = [];
const seen: { url: string; chunked: boolean }[] = [];

beforeAll(async () => {
  local = await startLocalDynamo();
  const dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `http${process.pid}`);
  await ensureTables(dynamo);
  scratch = await mkdtemp(join(tmpdir(), "aipm-git-http-test-"));
  const reposDir = join(scratch, "repos");
  const handler = gitHttpHandler({
    reposDir,
    async authorizePush(authorization, repository) {
      pushChecks.push({ authorization, repository });
      return parseBasicAuthorization(authorization)?.password === TOKEN;
    },
    onError: (message) => errors.push(message),
  });
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", chunked: req.headers["transfer-encoding"] === "chunked" });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  forge = localGitForge({ reposDir, publicUrl: baseUrl, pullRequests: dynamoLocalPullRequestStore(dynamo) });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await local.close();
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  pushChecks = [];
});

let counter = 0;
async function newRepository(): Promise<RepositoryRef> {
  const repo = { owner: "acme", name: `web-${++counter}`, defaultBranch: "main" };
  await forge.ensureRepository(repo);
  return repo;
}
const cloneUrl = (repo: RepositoryRef, credentials = "") =>
  `${baseUrl.replace("://", `://${credentials}`)}/git/${repo.owner}/${repo.name}.git`;
const bare = (repo: RepositoryRef, ...args: string[]) =>
  runGit([`--git-dir=${forge.repositoryPath(repo)}`, ...args]);

async function clone(repo: RepositoryRef): Promise<string> {
  const dir = await mkdtemp(join(scratch, "clone-"));
  await runGit(["clone", "--quiet", cloneUrl(repo), dir]);
  return dir;
}

/** A raw request: unlike fetch, it sends the path exactly as written (no `..` folding). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/`, { path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const pktLine = (line: string) => `${(line.length + 4).toString(16).padStart(4, "0")}${line}`;

describe("gitHttpHandler", () => {
  it("serves a clone of a new repository without credentials", async () => {
    const repo = await newRepository();
    const dir = await clone(repo);
    expect(await readFile(join(dir, "README.md"), "utf8")).toBe(`# ${repo.name}\n`);
    expect(await runGit(["-C", dir, "log", "--format=%s"])).toBe("Initial commit");
    expect(await runGit(["-C", dir, "rev-parse", "HEAD"])).toBe(await bare(repo, "rev-parse", "main"));
    expect(pushChecks).toEqual([]);
  });

  it("serves a pull request's branch to fetch", async () => {
    const repo = await newRepository();
    const dir = await clone(repo);
    const opened = await forge.openPullRequest({
      repository: repo,
      baseBranch: "main",
      branch: "aipm/story",
      title: "Story",
      body: "",
      files: [{ path: "TASK.md", content: "# Story\n" }],
      commitMessage: "Add TASK.md",
      author: { name: "AIPM", email: "aipm@localhost" },
    });
    await runGit(["-C", dir, "fetch", "--quiet", "origin", "aipm/story"]);
    expect(await runGit(["-C", dir, "rev-parse", "FETCH_HEAD"])).toBe(opened.headSha);
    expect(await runGit(["-C", dir, "show", "FETCH_HEAD:TASK.md"])).toBe("# Story");
  });

  it("refuses a push without a good token with 401 and a Basic challenge", async () => {
    const repo = await newRepository();
    for (const [path, init] of [
      ["/info/refs?service=git-receive-pack", {}],
      ["/info/refs?service=git-upload-pack&service=git-receive-pack", {}],
      ["/git-receive-pack", { method: "POST", body: "0000" }],
      [
        "/git-receive-pack",
        { method: "POST", body: "0000", headers: { Authorization: `Basic ${btoa("x:bad-token")}` } },
      ],
    ] as const) {
      const response = await fetch(`${cloneUrl(repo)}${path}`, init);
      expect(response.status, path).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Basic realm="aipm"');
    }
    expect(pushChecks.map((check) => check.repository)).toEqual(
      Array(4).fill({ owner: "acme", name: repo.name }),
    );

    const dir = await clone(repo);
    await writeFile(join(dir, "change.txt"), "change\n");
    await runGit(["-C", dir, "add", "change.txt"]);
    await runGit(["-C", dir, "commit", "--quiet", "-m", "Change"], { env: identity });
    const push = await runGit(["-C", dir, "push", "origin", "HEAD:main"]).catch((error: unknown) => error);
    expect(push).toBeInstanceOf(GitError);
    expect((push as GitError).stderr).toMatch(/Authentication failed|401|could not read Username/);
    expect(await bare(repo, "rev-list", "--count", "main")).toBe("1");
  });

  it("accepts a push to a pull request's branch with a good token", async () => {
    const repo = await newRepository();
    const opened = await forge.openPullRequest({
      repository: repo,
      baseBranch: "main",
      branch: "aipm/work",
      title: "Work",
      body: "",
      files: [{ path: "TASK.md", content: "do it\n" }],
      commitMessage: "Add TASK.md",
      author: { name: "AIPM", email: "aipm@localhost" },
    });
    const dir = await mkdtemp(join(scratch, "clone-"));
    await runGit(["clone", "--quiet", "--branch", "aipm/work", cloneUrl(repo, `agent:${TOKEN}@`), dir]);
    await writeFile(join(dir, "done.txt"), "done\n");
    await runGit(["-C", dir, "add", "done.txt"]);
    await runGit(["-C", dir, "commit", "--quiet", "-m", "Implement the story"], { env: identity });
    await runGit(["-C", dir, "push", "--quiet", "origin", "aipm/work"]);

    const pushed = await runGit(["-C", dir, "rev-parse", "HEAD"]);
    expect(await bare(repo, "rev-parse", "aipm/work")).toBe(pushed);
    expect(await bare(repo, "rev-parse", "aipm/work^")).toBe(opened.headSha);
    expect(await bare(repo, "show", "aipm/work:done.txt")).toBe("done");
    expect((await forge.getPullRequest(repo, opened.number))?.headSha).toBe(pushed);
    const headers = pushChecks.map((check) => check.authorization);
    expect(headers).toContain(`Basic ${btoa(`agent:${TOKEN}`)}`);
  });

  it("streams a large push (chunked, without Content-Length) and its clone", async () => {
    const repo = await newRepository();
    const dir = await mkdtemp(join(scratch, "clone-"));
    await runGit(["clone", "--quiet", cloneUrl(repo, `agent:${TOKEN}@`), dir]);
    // Random bytes do not compress, so the pack exceeds git's 1 MiB post buffer and goes chunked.
    await writeFile(join(dir, "blob.bin"), randomBytes(3 * 1024 * 1024));
    await runGit(["-C", dir, "add", "blob.bin"]);
    await runGit(["-C", dir, "commit", "--quiet", "-m", "Big file"], { env: identity });
    seen.length = 0;
    await runGit(["-C", dir, "push", "--quiet", "origin", "main"]);
    // git probes with a small POST first, then sends the pack chunked.
    expect(seen.filter((r) => r.url.endsWith("/git-receive-pack")).map((r) => r.chunked)).toContain(true);
    expect(await bare(repo, "rev-parse", "main")).toBe(await runGit(["-C", dir, "rev-parse", "HEAD"]));

    const again = await clone(repo);
    expect((await readFile(join(again, "blob.bin"))).equals(await readFile(join(dir, "blob.bin")))).toBe(
      true,
    );
  });

  it("inflates a gzip-encoded upload-pack request", async () => {
    const repo = await newRepository();
    const head = await bare(repo, "rev-parse", "main");
    const body = gzipSync(`${pktLine(`want ${head}\n`)}0000${pktLine("done\n")}`);
    const response = await fetch(`${cloneUrl(repo)}/git-upload-pack`, {
      method: "POST",
      headers: { "Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "gzip" },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-git-upload-pack-result");
    const answer = Buffer.from(await response.arrayBuffer());
    expect(answer.subarray(0, 8).toString()).toBe("0008NAK\n");
    expect(answer.includes("PACK")).toBe(true);
  });

  it("passes git's own status through (CGI Status header) and serves the dumb protocol", async () => {
    const repo = await newRepository();
    const unsupported = await fetch(`${cloneUrl(repo)}/info/refs?service=git-nonsense`);
    expect(unsupported.status).toBe(403);
    const head = await fetch(`${cloneUrl(repo)}/HEAD`);
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("ref: refs/heads/main\n");
  });

  it.each([
    "/git/../x",
    "/git/acme/../../etc/passwd",
    "/git/acme/web-1.git/../../../etc/passwd",
    "/git/acme/%2e%2e/web-1.git/info/refs",
    "/git/acme/web-1.git/%2e%2e/%2e%2e/x",
    "/git/acme/web-1.git/config",
    "/git/acme/web-1.git/objects/../config",
    "/git/acme/missing.git/info/refs?service=git-upload-pack",
    "/git/-acme/web-1.git/info/refs",
    "/git/acme/web-1/info/refs",
    "/git/acme/.staging.git/info/refs",
    "/other/acme/web-1.git/info/refs",
  ])("answers %s with 404", async (path) => {
    expect((await rawGet(path)).status).toBe(404);
  });

  it("has reported no server-side failures", () => {
    expect(errors).toEqual([]);
  });

  it("answers 500 when the push check itself fails, and says why to onError", async () => {
    const repo = await newRepository();
    const failures: string[] = [];
    const failing = createServer(
      gitHttpHandler({
        reposDir: join(scratch, "repos"),
        authorizePush: () => Promise.reject(new Error("token store down")),
        onError: (message, error) => failures.push(`${message}: ${(error as Error).message}`),
      }),
    );
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = failing.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/git/acme/${repo.name}.git/git-receive-pack`, {
        method: "POST",
        body: "0000",
      });
      expect(response.status).toBe(500);
      expect(failures).toEqual(["git request failed: token store down"]);
    } finally {
      failing.closeAllConnections();
      await new Promise((resolve) => failing.close(resolve));
    }
  });
});

describe("gitHttpHandler with refPolicy", () => {
  /** A second server on the same repositories, with the local forge's push rules and small limits. */
  async function withPolicy<T>(
    refPolicy: NonNullable<Parameters<typeof gitHttpHandler>[0]["refPolicy"]>,
    work: (url: (repo: RepositoryRef) => string) => Promise<T>,
  ): Promise<T> {
    const policed = createServer(
      gitHttpHandler({
        reposDir: join(scratch, "repos"),
        authorizePush: async (authorization) =>
          parseBasicAuthorization(authorization)?.password === TOKEN ? "admin" : false,
        authorizeRead: async (authorization) => parseBasicAuthorization(authorization)?.password === TOKEN,
        refPolicy,
        onError: (message) => errors.push(message),
      }),
    );
    await new Promise<void>((resolve) => policed.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = policed.address() as AddressInfo;
      return await work(
        (repo) => `http://agent:${TOKEN}@127.0.0.1:${port}/git/${repo.owner}/${repo.name}.git`,
      );
    } finally {
      policed.closeAllConnections();
      await new Promise((resolve) => policed.close(resolve));
    }
  }

  async function bigCommit(url: string, bytes: number): Promise<string> {
    const dir = await mkdtemp(join(scratch, "clone-"));
    await runGit(["clone", "--quiet", url, dir]);
    await writeFile(join(dir, "blob.bin"), randomBytes(bytes));
    await runGit(["-C", dir, "add", "blob.bin"]);
    await runGit(["-C", dir, "commit", "--quiet", "-m", "Big file"], { env: identity });
    return dir;
  }

  it("refuses reads without a token when authorizeRead is set", async () => {
    const repo = await newRepository();
    await withPolicy({}, async (url) => {
      const response = await fetch(
        `${url(repo).replace(`agent:${TOKEN}@`, "")}/info/refs?service=git-upload-pack`,
      );
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Basic realm="aipm"');
    });
  });

  it("refuses a push when the repository would grow over its limit, and says so", async () => {
    const repo = await newRepository();
    await withPolicy({ maxRepositoryBytes: 512 * 1024 }, async (url) => {
      const dir = await bigCommit(url(repo), 1024 * 1024);
      const push = await runGit(["-C", dir, "push", "origin", "HEAD:refs/heads/aipm/big"]).catch(
        (error: unknown) => error,
      );
      expect(push).toBeInstanceOf(GitError);
      expect((push as GitError).stderr).toMatch(/over its limit of 1 MB|over its limit/);
      await expect(bare(repo, "rev-parse", "--verify", "--quiet", "refs/heads/aipm/big")).rejects.toThrow();
    });
  });

  it("refuses a push larger than maxInputBytes", async () => {
    const repo = await newRepository();
    await withPolicy({ maxInputBytes: 256 * 1024 }, async (url) => {
      const dir = await bigCommit(url(repo), 1024 * 1024);
      const push = await runGit(["-C", dir, "push", "origin", "HEAD:refs/heads/aipm/big"]).catch(
        (error: unknown) => error,
      );
      expect(push).toBeInstanceOf(GitError);
      expect((push as GitError).stderr).toMatch(/too large|maximum|unpack/i);
      await expect(bare(repo, "rev-parse", "--verify", "--quiet", "refs/heads/aipm/big")).rejects.toThrow();
    });
  });

  it("logs every ref update (reflog) and lets the admin fast-forward the default branch", async () => {
    const repo = await newRepository();
    await withPolicy({}, async (url) => {
      const dir = await bigCommit(url(repo), 1024);
      await runGit(["-C", dir, "push", "--quiet", "origin", "HEAD:main"]);
      const pushed = await runGit(["-C", dir, "rev-parse", "HEAD"]);
      expect(await bare(repo, "reflog", "show", "--format=%H", "main")).toContain(pushed);
      const tag = await runGit(["-C", dir, "push", "origin", "HEAD:refs/tags/v1"]).catch(
        (error: unknown) => error,
      );
      expect((tag as GitError).stderr).toMatch(/only branches under aipm\//);
    });
  });
});

describe("request parsing", () => {
  it("finds the repository and service of a path", () => {
    expect(parseGitRequestPath("/git/acme/shop.git/info/refs?service=git-upload-pack")).toEqual({
      owner: "acme",
      name: "shop",
      service: "/info/refs",
      query: "service=git-upload-pack",
    });
    expect(parseGitRequestPath("/git/acme/my.repo.git/git-receive-pack")).toMatchObject({ name: "my.repo" });
    expect(parseGitRequestPath("/git/acme/shop.git")).toBeNull();
  });

  it("tells pushes from fetches", () => {
    expect(isPushRequest({ service: "/git-receive-pack", query: "" })).toBe(true);
    expect(isPushRequest({ service: "/info/refs", query: "service=git-receive-pack" })).toBe(true);
    expect(isPushRequest({ service: "/info/refs", query: "service=git%2Dreceive-pack" })).toBe(true);
    expect(isPushRequest({ service: "/info/refs", query: "service=git-upload-pack" })).toBe(false);
    expect(isPushRequest({ service: "/git-upload-pack", query: "" })).toBe(false);
  });

  it("reads HTTP Basic credentials", () => {
    expect(parseBasicAuthorization(`Basic ${btoa("x:tok:en")}`)).toEqual({ user: "x", password: "tok:en" });
    expect(parseBasicAuthorization(`basic ${btoa(":t")}`)).toEqual({ user: "", password: "t" });
    expect(parseBasicAuthorization("Bearer abc")).toBeNull();
    expect(parseBasicAuthorization(`Basic ${btoa("no-colon")}`)).toBeNull();
    expect(parseBasicAuthorization(undefined)).toBeNull();
  });
});

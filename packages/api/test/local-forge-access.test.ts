/**
 * The local forge over git smart HTTP, through the Node server as `aipm start` runs it: who may
 * read and write which repository, what a push may change, and which `Host` the server answers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitError, runGit } from "@aipm/git";
import {
  ADMIN_TOKEN,
  type ApiServer,
  type LocalDynamo,
  startApiServer,
  startLocalDynamo,
} from "@aipm/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreatedToken, Project } from "./fixtures.ts";

let local: LocalDynamo;
let server: ApiServer;
let scratch: string;
let shop: Project;
let other: Project;
const tokens: Record<"viewer" | "editor" | "scopedEditor" | "scopedViewer" | "otherEditor", string> = {
  viewer: "",
  editor: "",
  scopedEditor: "",
  scopedViewer: "",
  otherEditor: "",
};
const identity = {
  GIT_AUTHOR_NAME: "Agent",
  GIT_AUTHOR_EMAIL: "agent@example.com",
  GIT_COMMITTER_NAME: "Agent",
  GIT_COMMITTER_EMAIL: "agent@example.com",
};

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const createToken = async (role: string, projectId: string | null) =>
  (await api<CreatedToken>("POST", "/api/tokens", { name: `${role} token`, role, projectId })).token;

const basic = (token: string) => `http.extraHeader=Authorization: Basic ${btoa(`x:${token}`)}`;
const withToken = (token: string | null) => (token === null ? [] : [basic(token)]);

function git(args: string[], token: string | null, cwd?: string): Promise<string> {
  return runGit(args, { config: withToken(token), env: identity, ...(cwd ? { cwd } : {}) });
}

async function failure(work: Promise<unknown>): Promise<GitError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, "git should have failed").toBeInstanceOf(GitError);
  return error as GitError;
}

/** A fresh clone of `project`'s repository (read with the admin token). */
async function cloneOf(project: Project, token = ADMIN_TOKEN): Promise<string> {
  const dir = await mkdtemp(join(scratch, "clone-"));
  await git(["clone", "--quiet", project.repository.cloneUrl, dir], token);
  return dir;
}

async function commitFile(dir: string, path: string, content: string): Promise<string> {
  const full = join(dir, path);
  await runGit(["-C", dir, "config", "user.name", "Agent"]);
  await runGit(["-C", dir, "config", "user.email", "agent@example.com"]);
  await import("node:fs/promises").then(({ mkdir }) =>
    mkdir(join(full, ".."), { recursive: true }).then(() => writeFile(full, content)),
  );
  await runGit(["-C", dir, "add", path]);
  await runGit(["-C", dir, "commit", "--quiet", "-m", `Add ${path}`], { env: identity });
  return runGit(["-C", dir, "rev-parse", "HEAD"]);
}

const bare = (project: Project, ...args: string[]) =>
  runGit([
    `--git-dir=${join(scratch, "repos", project.repository.owner, `${project.repository.name}.git`)}`,
    ...args,
  ]);

beforeAll(async () => {
  local = await startLocalDynamo();
  scratch = await mkdtemp(join(tmpdir(), "aipm-forge-access-"));
  server = await startApiServer({
    dynamoEndpoint: local.endpoint,
    environment: `fa${process.pid}`,
    adminToken: ADMIN_TOKEN,
    reposDir: join(scratch, "repos"),
  });
  shop = await api<Project>("POST", "/api/projects", {
    name: "Shop",
    repository: { provider: "local", owner: "acme", name: "shop" },
  });
  other = await api<Project>("POST", "/api/projects", {
    name: "Other",
    repository: { provider: "local", owner: "acme", name: "other" },
  });
  tokens.viewer = await createToken("viewer", null);
  tokens.editor = await createToken("editor", null);
  tokens.scopedEditor = await createToken("editor", shop.id);
  tokens.scopedViewer = await createToken("viewer", shop.id);
  tokens.otherEditor = await createToken("editor", other.id);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await local?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("reading the local forge", () => {
  it("refuses clone and ls-remote without a token, with a Basic challenge", async () => {
    const response = await fetch(`${shop.repository.cloneUrl}/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Basic realm="aipm"');
    const dumb = await fetch(`${shop.repository.cloneUrl}/HEAD`);
    expect(dumb.status).toBe(401);
    const error = await failure(git(["ls-remote", shop.repository.cloneUrl], null));
    expect(error.stderr).toMatch(/Authentication failed|401|could not read Username/);
    const dir = join(scratch, "anonymous");
    await failure(git(["clone", "--quiet", shop.repository.cloneUrl, dir], null));
  });

  it("refuses a bad token and a token scoped to another project, and says nothing of missing repositories", async () => {
    for (const token of ["not-a-token", tokens.otherEditor]) {
      await failure(git(["ls-remote", shop.repository.cloneUrl], token));
    }
    const missing = await fetch(`${server.url}/git/acme/missing.git/info/refs?service=git-upload-pack`);
    expect(missing.status).toBe(401);
  });

  it("lets the admin, viewers and the project's own tokens read", async () => {
    for (const token of [
      ADMIN_TOKEN,
      tokens.viewer,
      tokens.editor,
      tokens.scopedEditor,
      tokens.scopedViewer,
    ]) {
      expect(await git(["ls-remote", shop.repository.cloneUrl, "HEAD"], token)).toMatch(
        /^[0-9a-f]{40}\tHEAD$/,
      );
    }
    const dir = await cloneOf(shop, tokens.scopedViewer);
    expect(await runGit(["-C", dir, "log", "--format=%s"])).toBe("Initial commit");
  });
});

describe("writing the local forge", () => {
  it("refuses pushes by viewers and by tokens of other projects", async () => {
    const dir = await cloneOf(shop);
    const commit = await commitFile(dir, "a.txt", "a\n");
    for (const token of [tokens.viewer, tokens.scopedViewer, tokens.otherEditor, null]) {
      await failure(
        git(["-C", dir, "push", "--quiet", shop.repository.cloneUrl, `${commit}:refs/heads/aipm/x`], token),
      );
    }
    await failure(bare(shop, "rev-parse", "--verify", "--quiet", "refs/heads/aipm/x"));
  });

  it("lets a project's editor create, update and force-update aipm/* branches, with reflogs", async () => {
    const dir = await cloneOf(shop);
    const first = await commitFile(dir, "b.txt", "b\n");
    await git(
      ["-C", dir, "push", "--quiet", shop.repository.cloneUrl, `${first}:refs/heads/aipm/story-1`],
      tokens.scopedEditor,
    );
    const second = await commitFile(dir, "c.txt", "c\n");
    await git(
      ["-C", dir, "push", "--quiet", shop.repository.cloneUrl, `${second}:refs/heads/aipm/story-1`],
      tokens.scopedEditor,
    );
    expect(await bare(shop, "rev-parse", "aipm/story-1")).toBe(second);
    await git(
      ["-C", dir, "push", "--quiet", "--force", shop.repository.cloneUrl, `${first}:refs/heads/aipm/story-1`],
      tokens.scopedEditor,
    );
    expect(await bare(shop, "rev-parse", "aipm/story-1")).toBe(first);
    expect(
      (await bare(shop, "reflog", "show", "--format=%H", "refs/heads/aipm/story-1")).split("\n"),
    ).toEqual([first, second, first]);
  });

  it("refuses an editor's pushes to main: workflows, force-push of an orphan, deletion", async () => {
    const main = await bare(shop, "rev-parse", "main");
    const dir = await cloneOf(shop);
    const workflow = await commitFile(dir, ".github/workflows/steal.yml", "on: push\n");
    const push = (token: string, ...refspec: string[]) =>
      git(["-C", dir, "push", "--porcelain", shop.repository.cloneUrl, ...refspec], token);
    let error = await failure(push(tokens.scopedEditor, `${workflow}:refs/heads/main`));
    expect(error.stderr + error.stdout).toMatch(/only branches under aipm\//);

    await runGit(["-C", dir, "checkout", "--quiet", "--orphan", "orphan"]);
    await runGit(["-C", dir, "rm", "-r", "--quiet", "--cached", "."]);
    await writeFile(join(dir, "evil.txt"), "evil\n");
    await runGit(["-C", dir, "add", "evil.txt"]);
    await runGit(["-C", dir, "commit", "--quiet", "-m", "Orphan"], { env: identity });
    error = await failure(push(tokens.editor, "--force", "HEAD:refs/heads/main"));
    error = await failure(push(tokens.scopedEditor, ":refs/heads/main"));
    expect(await bare(shop, "rev-parse", "main")).toBe(main);
    // Even the admin token only fast-forwards the default branch.
    error = await failure(push(ADMIN_TOKEN, "--force", "HEAD:refs/heads/main"));
    expect(error.stderr + error.stdout).toMatch(/only moves forward/);
    expect(await bare(shop, "rev-parse", "main")).toBe(main);
  });

  it("refuses tags, notes, other branches and unsafe names", async () => {
    const dir = await cloneOf(shop);
    const commit = await commitFile(dir, "d.txt", "d\n");
    for (const ref of [
      "refs/tags/v1",
      "refs/notes/commits",
      "refs/heads/feature",
      "refs/heads/-x",
      "refs/heads/aipm/-x",
      "refs/heads/aipm/.hidden",
      "refs/heads/aipm/a@b",
      "refs/for/main",
    ]) {
      const error = await failure(
        git(
          ["-C", dir, "push", "--porcelain", shop.repository.cloneUrl, `${commit}:${ref}`],
          tokens.scopedEditor,
        ),
      );
      expect(error.stdout + error.stderr, ref).toMatch(
        /rejected|refused|not an allowed|only branches|invalid|not a valid/i,
      );
      await failure(bare(shop, "rev-parse", "--verify", "--quiet", ref));
    }
  });

  it("lets the admin token fast-forward the default branch (the demo seed)", async () => {
    const dir = await cloneOf(shop);
    await runGit(["-C", dir, "checkout", "--quiet", "main"]);
    const commit = await commitFile(dir, "seed.txt", "seed\n");
    await git(
      ["-C", dir, "push", "--quiet", shop.repository.cloneUrl, `${commit}:refs/heads/main`],
      ADMIN_TOKEN,
    );
    expect(await bare(shop, "rev-parse", "main")).toBe(commit);
    const next = await commitFile(dir, "seed2.txt", "seed\n");
    await failure(
      git(["-C", dir, "push", "--quiet", shop.repository.cloneUrl, `${next}:refs/heads/main`], tokens.editor),
    );
    await failure(
      git(["-C", dir, "push", "--quiet", shop.repository.cloneUrl, `${next}:refs/tags/t`], ADMIN_TOKEN),
    );
    expect(await bare(shop, "rev-parse", "main")).toBe(commit);
  });
});

/** A raw request with a chosen `Host` header (fetch does not let one set it). */
function withHost(host: string, path = "/health"): Promise<{ status: number; type: string; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", headers: { Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"]),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the Host header", () => {
  it("answers the public URL's host and loopback names on the same port", async () => {
    const { port } = new URL(server.url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await withHost(host)).status, host).toBe(200);
    }
  });

  it("refuses other hosts and other ports with a problem document (DNS rebinding)", async () => {
    const { port } = new URL(server.url);
    for (const host of [
      `evil.example:${port}`,
      "evil.example",
      `127.0.0.1:${Number(port) + 1}`,
      "localhost",
      `localhost.evil.example:${port}`,
    ]) {
      for (const path of [
        "/health",
        "/api/projects",
        `/git/acme/shop.git/info/refs?service=git-upload-pack`,
      ]) {
        const answer = await withHost(host, path);
        expect([421, 403], `${host} ${path}`).toContain(answer.status);
        expect(answer.type).toBe("application/problem+json");
        expect(JSON.parse(answer.body)).toMatchObject({ status: answer.status });
      }
    }
  });
});

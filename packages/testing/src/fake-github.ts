/**
 * @module fake-github: a fake GitHub for tests: the REST endpoints the GitHub forge calls, with
 * GitHub's status codes, error messages and response fields, injectable failures and a call log.
 * A repository lives in memory (`addRepository`, made-up ids) or is a real bare git repository
 * (`addGitRepository`, git's ids), which the same server also serves over git's smart HTTP at
 * `<webUrl>/<owner>/<name>.git`, as github.com does: what the API writes can be fetched, and what
 * is pushed shows in the API. The repositories themselves are in fake-github-repositories.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitHttpHandler, parseBasicAuthorization, parseGitRequestPath } from "@aipm/api";
import { isValidBranchName } from "@aipm/shared";
import {
  type Awaitable,
  type FakeCommit,
  type FakePull,
  FakeRepository,
  type FakeRepositoryStore,
  GitRepository,
  gitBlobSha,
} from "./fake-github-repositories.ts";

export {
  type FakeCommit,
  type FakePull,
  FakeRepository,
  type FakeRepositoryStore,
  GitRepository,
  gitBlobSha,
};

export interface FakeCall {
  method: string;
  /**
   * Relative to the API base, decoded, with the query string: `/repos/acme/shop/pulls?head=acme:b&state=open`.
   * A git request, outside the API, has its whole path: `/acme/shop.git/info/refs?service=git-upload-pack`.
   */
  path: string;
  body?: unknown;
  authorization?: string;
  /** The status the fake answered, once it has answered. */
  status?: number;
}

export interface FakeGithubState {
  /**
   * When set, only this token is accepted: the API wants `token <t>` (else 401 "Bad credentials"),
   * git wants Basic credentials with it as the password (else 401, as GitHub asks for them).
   */
  token: string | undefined;
  repos: Map<string, FakeRepositoryStore>;
  /** Adds `owner/name` in memory, with one commit holding `files` (default a README) on its default branch. */
  addRepository(
    fullName: string,
    options?: { defaultBranch?: string; files?: Record<string, string> },
  ): FakeRepository;
  /** Adds `owner/name` as a bare git repository, served over HTTP too; otherwise as `addRepository`. */
  addGitRepository(
    fullName: string,
    options?: { defaultBranch?: string; files?: Record<string, string> },
  ): Promise<GitRepository>;
}

export interface FailureOptions {
  headers?: Record<string, string>;
  /** Fail after doing the work, as when GitHub acted but its answer was lost. Default false. */
  afterHandling?: boolean;
}

export interface FakeGithubOptions {
  /** Mount the API under this prefix (e.g. `/api/v3`) to stand in for GitHub Enterprise Server. Default none. */
  prefix?: string;
  /** Where `addGitRepository` puts `<owner>/<name>.git`. Default a temporary folder, removed by `close()`. */
  reposDir?: string;
}

export interface FakeGithub {
  /** The API base: `http://127.0.0.1:PORT` plus the prefix. */
  url: string;
  /** The web base, `http://127.0.0.1:PORT`: pull request links, and clone URLs `<webUrl>/<owner>/<name>.git`. */
  webUrl: string;
  calls: FakeCall[];
  state: FakeGithubState;
  /** The next request matching `method` and `pathPattern` (the path without query; a string matches exactly) fails once. */
  failNext(
    method: string,
    pathPattern: string | RegExp,
    status: number,
    body?: unknown,
    options?: FailureOptions,
  ): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(String(status));
  }
}

const DOCS = "https://docs.github.com/rest";
function fail(status: number, message: string, extra: Record<string, unknown> = {}): never {
  throw new HttpError(status, { message, ...extra, documentation_url: DOCS });
}

function validationFailed(message: string): never {
  return fail(422, "Validation Failed", { errors: [{ resource: "PullRequest", code: "custom", message }] });
}

type Handler = (request: {
  repo: FakeRepositoryStore;
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
}) => Awaitable<Reply>;

/**
 * Starts the fake on 127.0.0.1 at a free port.
 *
 * @example
 * const github = await startFakeGithub();
 * github.state.addRepository("acme/shop");
 * github.failNext("POST", "/repos/acme/shop/pulls", 502);
 */
export async function startFakeGithub(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  const prefix = (options.prefix ?? "").replace(/\/+$/, "");
  const calls: FakeCall[] = [];
  const failures: { method: string; pattern: string | RegExp; reply: Reply; after: boolean }[] = [];
  /** Set up by the first git repository: its folder, and `git http-backend` serving it. */
  let git:
    | Promise<{ reposDir: string; serve: (req: IncomingMessage, res: ServerResponse) => void }>
    | undefined;
  const ownsReposDir = options.reposDir === undefined;
  const gitServer = () => {
    git ??= (async () => {
      const reposDir = options.reposDir ?? (await mkdtemp(join(tmpdir(), "fake-github-")));
      // Credentials are checked before a request gets here, for fetches as for pushes.
      return { reposDir, serve: gitHttpHandler({ reposDir, authorizePush: async () => true }) };
    })();
    return git;
  };
  const state: FakeGithubState = {
    token: undefined,
    repos: new Map(),
    addRepository(fullName, repoOptions = {}) {
      const [owner = "", name = ""] = fullName.split("/");
      const repo = new FakeRepository(
        owner,
        name,
        repoOptions.defaultBranch ?? "main",
        repoOptions.files ?? { "README.md": `# ${name}\n` },
      );
      this.repos.set(fullName.toLowerCase(), repo);
      return repo;
    },
    async addGitRepository(fullName, repoOptions = {}) {
      const [owner = "", name = ""] = fullName.split("/");
      const { reposDir } = await gitServer();
      const repo = await GitRepository.create(
        join(reposDir, owner, `${name}.git`),
        owner,
        name,
        repoOptions.defaultBranch ?? "main",
        repoOptions.files ?? { "README.md": `# ${name}\n` },
      );
      this.repos.set(fullName.toLowerCase(), repo);
      return repo;
    },
  };
  /** `http://127.0.0.1:PORT`, the web base; `base` adds the prefix, the API base. */
  let origin = "";
  let base = "";

  const refObject = (repo: FakeRepositoryStore, branch: string, sha: string) => ({
    ref: `refs/heads/${branch}`,
    node_id: `REF_${sha.slice(0, 8)}`,
    url: `${base}/repos/${repo.owner}/${repo.name}/git/refs/heads/${branch}`,
    object: { sha, type: "commit", url: `${base}/repos/${repo.owner}/${repo.name}/git/commits/${sha}` },
  });
  const commitObject = (commit: FakeCommit) => ({
    sha: commit.sha,
    tree: { sha: commit.tree },
    parents: commit.parents.map((sha) => ({ sha })),
    message: commit.message,
    author: commit.author,
  });
  const pullObject = async (repo: FakeRepositoryStore, pull: FakePull) => {
    const [headSha, baseSha] = await Promise.all([repo.branchHead(pull.head), repo.branchHead(pull.base)]);
    return {
      id: 1000 + pull.number,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      merged: pull.merged,
      merged_at: pull.merged ? new Date().toISOString() : null,
      html_url: `${origin}/${repo.owner}/${repo.name}/pull/${pull.number}`,
      url: `${base}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`,
      head: { ref: pull.head, sha: headSha ?? "", label: `${repo.owner}:${pull.head}` },
      base: { ref: pull.base, sha: baseSha ?? "", label: `${repo.owner}:${pull.base}` },
    };
  };
  const requireBranch = async (repo: FakeRepositoryStore, branch: string) =>
    (await repo.branchHead(branch)) ?? fail(404, "Not Found");
  const requireCommit = async (repo: FakeRepositoryStore, sha: string) => {
    if (!(await repo.commit(sha))) fail(422, "Object does not exist");
  };

  const routes: [string, RegExp, Handler][] = [
    [
      "GET",
      /^$/,
      ({ repo }) => ({
        status: 200,
        body: {
          id: 1,
          name: repo.name,
          full_name: `${repo.owner}/${repo.name}`,
          owner: { login: repo.owner },
          private: true,
          default_branch: repo.defaultBranch,
        },
      }),
    ],
    [
      "GET",
      /^\/git\/ref\/heads\/(.+)$/,
      async ({ repo, params: [branch = ""] }) => ({
        status: 200,
        body: refObject(repo, branch, await requireBranch(repo, branch)),
      }),
    ],
    [
      "POST",
      /^\/git\/refs$/,
      async ({ repo, body }) => {
        const ref = String(body.ref ?? "");
        const sha = String(body.sha ?? "");
        if (!ref.startsWith("refs/heads/")) fail(422, "Reference name must start with 'refs/heads/'");
        const branch = ref.slice("refs/heads/".length);
        if (!isValidBranchName(branch)) fail(422, "Reference name is not valid");
        await requireCommit(repo, sha);
        if (!(await repo.setBranch(branch, sha, null))) fail(422, "Reference already exists");
        return { status: 201, body: refObject(repo, branch, sha) };
      },
    ],
    [
      "PATCH",
      /^\/git\/refs\/heads\/(.+)$/,
      async ({ repo, params: [branch = ""], body }) => {
        const current = await requireBranch(repo, branch);
        const sha = String(body.sha ?? "");
        await requireCommit(repo, sha);
        if (body.force !== true && !(await repo.isAncestor(current, sha)))
          fail(422, "Update is not a fast forward");
        if (!(await repo.setBranch(branch, sha, current))) fail(422, "Reference update failed");
        return { status: 200, body: refObject(repo, branch, sha) };
      },
    ],
    [
      "GET",
      /^\/git\/commits\/([0-9a-f]{40})$/,
      async ({ repo, params: [sha = ""] }) => ({
        status: 200,
        body: commitObject((await repo.commit(sha)) ?? fail(404, "Not Found")),
      }),
    ],
    [
      "POST",
      /^\/git\/trees$/,
      async ({ repo, body }) => {
        const baseTree = body.base_tree === undefined ? undefined : String(body.base_tree);
        if (baseTree !== undefined && !(await repo.hasTree(baseTree))) fail(422, "Invalid tree info");
        const files = new Map<string, string>();
        for (const entry of (body.tree ?? []) as {
          path: string;
          mode: string;
          type: string;
          content?: string;
        }[]) {
          if (entry.mode !== "100644" || entry.type !== "blob" || typeof entry.content !== "string") {
            fail(422, "Invalid tree info");
          }
          files.set(entry.path, entry.content);
        }
        const sha = await repo.writeTree(files, baseTree);
        const tree = [...files].map(([path, content]) => ({
          path,
          mode: "100644",
          type: "blob",
          sha: gitBlobSha(content),
        }));
        return { status: 201, body: { sha, tree, truncated: false } };
      },
    ],
    [
      "POST",
      /^\/git\/commits$/,
      async ({ repo, body }) => {
        const tree = String(body.tree ?? "");
        const parents = ((body.parents ?? []) as string[]).map(String);
        const found = await Promise.all([
          repo.hasTree(tree),
          ...parents.map(async (sha) => !!(await repo.commit(sha))),
        ]);
        if (found.includes(false)) fail(422, "Tree SHA does not exist");
        const author = body.author as FakeCommit["author"];
        const sha = await repo.writeCommit(tree, parents, String(body.message ?? ""), author);
        return { status: 201, body: commitObject((await repo.commit(sha)) as FakeCommit) };
      },
    ],
    [
      "GET",
      /^\/contents\/(.+)$/,
      async ({ repo, params: [path = ""], query }) => {
        const ref = query.get("ref") ?? repo.defaultBranch;
        const commit =
          (await repo.commit((await repo.branchHead(ref)) ?? ref)) ??
          fail(404, "No commit found for the ref");
        const content = (await repo.fileIn(commit.tree, path)) ?? fail(404, "Not Found");
        return {
          status: 200,
          body: {
            type: "file",
            encoding: "base64",
            size: Buffer.byteLength(content),
            name: path.split("/").pop(),
            path,
            content: Buffer.from(content).toString("base64").replace(/.{60}/g, "$&\n"),
            sha: gitBlobSha(content),
          },
        };
      },
    ],
    [
      "PUT",
      /^\/contents\/(.+)$/,
      async ({ repo, params: [path = ""], body }) => {
        const branch = String(body.branch ?? repo.defaultBranch);
        const head = (await repo.branchHead(branch)) ?? fail(404, `Branch ${branch} not found`);
        const headTree = (await repo.commit(head))?.tree ?? "";
        const existing = await repo.fileIn(headTree, path);
        if (existing !== undefined && body.sha === undefined)
          fail(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
        if (existing !== undefined && body.sha !== gitBlobSha(existing))
          fail(409, `${path} does not match ${body.sha}`);
        const content = Buffer.from(String(body.content ?? ""), "base64").toString("utf8");
        const sha = await repo.writeCommit(
          await repo.writeTree(new Map([[path, content]]), headTree),
          [head],
          String(body.message ?? ""),
          body.author as FakeCommit["author"],
        );
        // A push since `head` was read wins; GitHub answers 409 then.
        if (!(await repo.setBranch(branch, sha, head))) fail(409, `${branch} moved: expected ${head}`);
        return {
          status: existing === undefined ? 201 : 200,
          body: {
            content: {
              name: path.split("/").pop(),
              path,
              sha: gitBlobSha(content),
              size: Buffer.byteLength(content),
              type: "file",
            },
            commit: commitObject((await repo.commit(sha)) as FakeCommit),
          },
        };
      },
    ],
    [
      "GET",
      /^\/pulls$/,
      async ({ repo, query }) => {
        const head = query.get("head");
        const state = query.get("state") ?? "open";
        const matches = repo.pulls.filter(
          (pull) =>
            (state === "all" || pull.state === state) && (!head || `${repo.owner}:${pull.head}` === head),
        );
        return { status: 200, body: await Promise.all(matches.map((pull) => pullObject(repo, pull))) };
      },
    ],
    [
      "POST",
      /^\/pulls$/,
      async ({ repo, body }) => {
        const head = String(body.head ?? "");
        const baseBranch = String(body.base ?? "");
        const [headSha, baseSha] = await Promise.all([repo.branchHead(head), repo.branchHead(baseBranch)]);
        if (!headSha || !baseSha) {
          fail(422, "Validation Failed", {
            errors: [{ resource: "PullRequest", field: headSha ? "base" : "head", code: "invalid" }],
          });
        }
        const merged = await repo.isAncestor(headSha, baseSha);
        // No await from here to the push: two requests at once cannot both open one.
        if (repo.pulls.some((pull) => pull.head === head && pull.state === "open")) {
          validationFailed(`A pull request already exists for ${repo.owner}:${head}.`);
        }
        if (merged) validationFailed(`No commits between ${baseBranch} and ${head}`);
        const pull: FakePull = {
          number: repo.pulls.length + 1,
          title: String(body.title ?? ""),
          body: String(body.body ?? ""),
          head,
          base: baseBranch,
          state: "open",
          merged: false,
        };
        repo.pulls.push(pull);
        return { status: 201, body: await pullObject(repo, pull) };
      },
    ],
    [
      "GET",
      /^\/pulls\/(\d+)$/,
      async ({ repo, params: [number = ""] }) => {
        const pull =
          repo.pulls.find((candidate) => candidate.number === Number(number)) ?? fail(404, "Not Found");
        return { status: 200, body: await pullObject(repo, pull) };
      },
    ],
  ];

  async function route(method: string, path: string, query: URLSearchParams, body: unknown): Promise<Reply> {
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) fail(404, "Not Found");
    const [, owner = "", name = "", rest = ""] = match;
    const repo = state.repos.get(`${owner}/${name}`.toLowerCase()) ?? fail(404, "Not Found");
    for (const [routeMethod, pattern, handler] of routes) {
      const params = pattern.exec(rest);
      if (routeMethod === method && params) {
        return handler({
          repo,
          params: params.slice(1),
          query,
          body: (body ?? {}) as Record<string, unknown>,
        });
      }
    }
    return fail(404, "Not Found");
  }

  /** Git's smart HTTP for `/<owner>/<name>.git/...`, as github.com serves it: credentials first. */
  async function serveGit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const password = parseBasicAuthorization(req.headers.authorization)?.password;
    if (state.token !== undefined && password !== state.token) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Basic realm="GitHub"' });
      res.end("Invalid username or token. Password authentication is not supported for Git operations.\n");
      return;
    }
    if (!git) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Repository not found.\n");
      return;
    }
    const { serve } = await git;
    // The handler serves the local forge's paths, which start with /git.
    req.url = `/git${req.url ?? ""}`;
    serve(req, res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    if (parseGitRequestPath(`/git${req.url ?? ""}`)) {
      const call: FakeCall = {
        method,
        path: `${url.pathname}${url.search}`,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      };
      calls.push(call);
      res.once("finish", () => {
        call.status = res.statusCode;
      });
      return serveGit(req, res);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return send(res, { status: 400, body: { message: "Problems parsing JSON", documentation_url: DOCS } });
    }
    const fullPath = decodeURIComponent(url.pathname);
    const path = fullPath.startsWith(`${prefix}/`) ? fullPath.slice(prefix.length) : undefined;
    const search = decodeURIComponent(url.search);
    const call: FakeCall = {
      method,
      path: `${path ?? fullPath}${search}`,
      ...(body !== undefined ? { body } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    calls.push(call);
    res.once("finish", () => {
      call.status = res.statusCode;
    });
    if (path === undefined)
      return send(res, { status: 404, body: { message: "Not Found", documentation_url: DOCS } });

    const index = failures.findIndex(
      (failure) =>
        failure.method === method &&
        (typeof failure.pattern === "string" ? failure.pattern === path : failure.pattern.test(path)),
    );
    const failure = index >= 0 ? failures.splice(index, 1)[0] : undefined;
    if (failure && !failure.after) return send(res, failure.reply);

    const token = req.headers.authorization?.replace(/^(token|bearer) /i, "");
    if (state.token !== undefined && token !== state.token) {
      return send(res, { status: 401, body: { message: "Bad credentials", documentation_url: DOCS } });
    }
    let reply: Reply;
    try {
      reply = await route(method, path, url.searchParams, body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      reply = { status: error.status, body: error.body };
    }
    send(res, failure?.reply ?? reply);
  }

  function send(res: ServerResponse, reply: Reply): void {
    res.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "x-github-request-id": `FAKE:${calls.length}`,
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      ...reply.headers,
    });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `${origin}${prefix}`;

  return {
    url: base,
    webUrl: origin,
    calls,
    state,
    failNext(method, pattern, status, body, failureOptions = {}) {
      failures.push({
        method: method.toUpperCase(),
        pattern,
        reply: {
          status,
          body: body ?? { message: STATUS_CODES[status] ?? "Error", documentation_url: DOCS },
          ...(failureOptions.headers ? { headers: failureOptions.headers } : {}),
        },
        after: failureOptions.afterHandling ?? false,
      });
    },
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      if (git && ownsReposDir) await rm((await git).reposDir, { recursive: true, force: true });
    },
  };
}

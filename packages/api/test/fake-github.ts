/**
 * @module fake-github: an in-memory GitHub REST API for tests: the endpoints the GitHub forge
 * calls, with GitHub's status codes, error messages and response fields, and injectable failures.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeCall {
  method: string;
  /** Relative to the API base, decoded, with the query string: `/repos/acme/shop/pulls?head=acme:b&state=open`. */
  path: string;
  body?: unknown;
  authorization?: string;
}

export interface FakeCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string } | undefined;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: "open" | "closed";
  merged: boolean;
}

/** Git's blob id of `content`, as GitHub reports it for files. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/** One repository: branches point at commits, commits at trees (flat maps of path to content). */
export class FakeRepository {
  readonly branches = new Map<string, string>();
  readonly commits = new Map<string, FakeCommit>();
  readonly trees = new Map<string, ReadonlyMap<string, string>>();
  readonly pulls: FakePull[] = [];
  private counter = 0;

  constructor(
    readonly owner: string,
    readonly name: string,
    readonly defaultBranch: string,
    files: Record<string, string>,
  ) {
    const tree = this.writeTree(new Map(Object.entries(files)));
    this.branches.set(defaultBranch, this.writeCommit(tree, [], "Initial commit", undefined));
  }

  writeTree(files: ReadonlyMap<string, string>): string {
    const entries = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
    const sha = sha1(
      `tree\n${entries.map(([path, content]) => `${path}\0${gitBlobSha(content)}\n`).join("")}`,
    );
    this.trees.set(sha, new Map(entries));
    return sha;
  }

  writeCommit(tree: string, parents: string[], message: string, author: FakeCommit["author"]): string {
    const sha = sha1(JSON.stringify({ tree, parents, message, author, n: ++this.counter }));
    this.commits.set(sha, { sha, tree, parents, message, author });
    return sha;
  }

  /** The files of a branch or commit, or undefined when there is no such ref. */
  filesAt(ref: string): ReadonlyMap<string, string> | undefined {
    const commit = this.commits.get(this.branches.get(ref) ?? ref);
    return commit && this.trees.get(commit.tree);
  }

  file(ref: string, path: string): string | undefined {
    return this.filesAt(ref)?.get(path);
  }

  /** Commits from the branch's head back along first parents. */
  history(branch: string): FakeCommit[] {
    const log: FakeCommit[] = [];
    for (let sha = this.branches.get(branch); sha; sha = this.commits.get(sha)?.parents[0]) {
      const commit = this.commits.get(sha);
      if (commit) log.push(commit);
    }
    return log;
  }

  /** Commits `files` on top of `branch`, as a push by someone else would. */
  push(branch: string, files: Record<string, string>, message = "Pushed"): string {
    const head = this.branches.get(branch);
    const base = head ? this.filesAt(head) : new Map<string, string>();
    const tree = this.writeTree(new Map([...(base ?? []), ...Object.entries(files)]));
    const sha = this.writeCommit(tree, head ? [head] : [], message, undefined);
    this.branches.set(branch, sha);
    return sha;
  }

  isAncestor(ancestor: string, of: string): boolean {
    const queue = [of];
    const seen = new Set<string>();
    for (let sha = queue.pop(); sha; sha = queue.pop()) {
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return false;
  }
}

export interface FakeGithubState {
  /** When set, only this token is accepted; any other gets 401 "Bad credentials". */
  token: string | undefined;
  repos: Map<string, FakeRepository>;
  /** Adds `owner/name` with one commit holding `files` (default a README) on its default branch. */
  addRepository(
    fullName: string,
    options?: { defaultBranch?: string; files?: Record<string, string> },
  ): FakeRepository;
}

export interface FailureOptions {
  headers?: Record<string, string>;
  /** Fail after doing the work, as when GitHub acted but its answer was lost. Default false. */
  afterHandling?: boolean;
}

export interface FakeGithub {
  /** The API base: `http://127.0.0.1:PORT` plus the prefix. */
  url: string;
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
  repo: FakeRepository;
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
}) => Reply;

/**
 * Starts the fake on 127.0.0.1 at a free port. Mount it under `prefix` (e.g. `/api/v3`) to
 * stand in for GitHub Enterprise Server.
 *
 * @example
 * const github = await startFakeGithub();
 * github.state.addRepository("acme/shop");
 * github.failNext("POST", "/repos/acme/shop/pulls", 502);
 */
export async function startFakeGithub(options: { prefix?: string } = {}): Promise<FakeGithub> {
  const prefix = (options.prefix ?? "").replace(/\/+$/, "");
  const calls: FakeCall[] = [];
  const failures: { method: string; pattern: string | RegExp; reply: Reply; after: boolean }[] = [];
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
  };
  /** `http://127.0.0.1:PORT`, the web base; `base` adds the prefix, the API base. */
  let origin = "";
  let base = "";

  const refObject = (repo: FakeRepository, branch: string, sha: string) => ({
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
  const pullObject = (repo: FakeRepository, pull: FakePull) => {
    const headSha = repo.branches.get(pull.head) ?? "";
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
      head: { ref: pull.head, sha: headSha, label: `${repo.owner}:${pull.head}` },
      base: { ref: pull.base, sha: repo.branches.get(pull.base) ?? "", label: `${repo.owner}:${pull.base}` },
    };
  };
  const requireBranch = (repo: FakeRepository, branch: string) =>
    repo.branches.get(branch) ?? fail(404, "Not Found");

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
      ({ repo, params: [branch = ""] }) => ({
        status: 200,
        body: refObject(repo, branch, requireBranch(repo, branch)),
      }),
    ],
    [
      "POST",
      /^\/git\/refs$/,
      ({ repo, body }) => {
        const ref = String(body.ref ?? "");
        const sha = String(body.sha ?? "");
        if (!ref.startsWith("refs/heads/")) fail(422, "Reference name must start with 'refs/heads/'");
        if (!repo.commits.has(sha)) fail(422, "Object does not exist");
        const branch = ref.slice("refs/heads/".length);
        if (repo.branches.has(branch)) fail(422, "Reference already exists");
        repo.branches.set(branch, sha);
        return { status: 201, body: refObject(repo, branch, sha) };
      },
    ],
    [
      "PATCH",
      /^\/git\/refs\/heads\/(.+)$/,
      ({ repo, params: [branch = ""], body }) => {
        const current = requireBranch(repo, branch);
        const sha = String(body.sha ?? "");
        if (!repo.commits.has(sha)) fail(422, "Object does not exist");
        if (body.force !== true && !repo.isAncestor(current, sha)) fail(422, "Update is not a fast forward");
        repo.branches.set(branch, sha);
        return { status: 200, body: refObject(repo, branch, sha) };
      },
    ],
    [
      "GET",
      /^\/git\/commits\/([0-9a-f]{40})$/,
      ({ repo, params: [sha = ""] }) => ({
        status: 200,
        body: commitObject(repo.commits.get(sha) ?? fail(404, "Not Found")),
      }),
    ],
    [
      "POST",
      /^\/git\/trees$/,
      ({ repo, body }) => {
        const baseTree = body.base_tree === undefined ? new Map() : repo.trees.get(String(body.base_tree));
        if (!baseTree) fail(422, "Invalid tree info");
        const files = new Map(baseTree);
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
        const sha = repo.writeTree(files);
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
      ({ repo, body }) => {
        const tree = String(body.tree ?? "");
        const parents = ((body.parents ?? []) as string[]).map(String);
        if (!repo.trees.has(tree) || parents.some((sha) => !repo.commits.has(sha)))
          fail(422, "Tree SHA does not exist");
        const author = body.author as FakeCommit["author"];
        const sha = repo.writeCommit(tree, parents, String(body.message ?? ""), author);
        return { status: 201, body: commitObject(repo.commits.get(sha) as FakeCommit) };
      },
    ],
    [
      "GET",
      /^\/contents\/(.+)$/,
      ({ repo, params: [path = ""], query }) => {
        const files =
          repo.filesAt(query.get("ref") ?? repo.defaultBranch) ?? fail(404, "No commit found for the ref");
        const content = files.get(path) ?? fail(404, "Not Found");
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
      ({ repo, params: [path = ""], body }) => {
        const branch = String(body.branch ?? repo.defaultBranch);
        const head = repo.branches.get(branch) ?? fail(404, `Branch ${branch} not found`);
        const files = new Map(repo.filesAt(head));
        const existing = files.get(path);
        if (existing !== undefined && body.sha === undefined)
          fail(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
        if (existing !== undefined && body.sha !== gitBlobSha(existing))
          fail(409, `${path} does not match ${body.sha}`);
        const content = Buffer.from(String(body.content ?? ""), "base64").toString("utf8");
        files.set(path, content);
        const sha = repo.writeCommit(
          repo.writeTree(files),
          [head],
          String(body.message ?? ""),
          body.author as FakeCommit["author"],
        );
        repo.branches.set(branch, sha);
        const blob = gitBlobSha(content);
        return {
          status: existing === undefined ? 201 : 200,
          body: {
            content: {
              name: path.split("/").pop(),
              path,
              sha: blob,
              size: Buffer.byteLength(content),
              type: "file",
            },
            commit: commitObject(repo.commits.get(sha) as FakeCommit),
          },
        };
      },
    ],
    [
      "GET",
      /^\/pulls$/,
      ({ repo, query }) => {
        const head = query.get("head");
        const state = query.get("state") ?? "open";
        const matches = repo.pulls.filter(
          (pull) =>
            (state === "all" || pull.state === state) && (!head || `${repo.owner}:${pull.head}` === head),
        );
        return { status: 200, body: matches.map((pull) => pullObject(repo, pull)) };
      },
    ],
    [
      "POST",
      /^\/pulls$/,
      ({ repo, body }) => {
        const head = String(body.head ?? "");
        const baseBranch = String(body.base ?? "");
        const headSha = repo.branches.get(head);
        const baseSha = repo.branches.get(baseBranch);
        if (!headSha || !baseSha) {
          fail(422, "Validation Failed", {
            errors: [{ resource: "PullRequest", field: headSha ? "base" : "head", code: "invalid" }],
          });
        }
        if (repo.pulls.some((pull) => pull.head === head && pull.state === "open")) {
          validationFailed(`A pull request already exists for ${repo.owner}:${head}.`);
        }
        if (repo.isAncestor(headSha, baseSha)) {
          validationFailed(`No commits between ${baseBranch} and ${head}`);
        }
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
        return { status: 201, body: pullObject(repo, pull) };
      },
    ],
    [
      "GET",
      /^\/pulls\/(\d+)$/,
      ({ repo, params: [number = ""] }) => {
        const pull =
          repo.pulls.find((candidate) => candidate.number === Number(number)) ?? fail(404, "Not Found");
        return { status: 200, body: pullObject(repo, pull) };
      },
    ],
  ];

  function route(method: string, path: string, query: URLSearchParams, body: unknown): Reply {
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
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
    calls.push({
      method,
      path: `${path ?? fullPath}${search}`,
      ...(body !== undefined ? { body } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
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
      reply = route(method, path, url.searchParams, body);
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * @module fake-github: a fake GitHub for tests: the REST endpoints the GitHub forge calls, with
 * GitHub's status codes, error messages and response fields, injectable failures and a call log.
 * A repository lives in memory (`addRepository`, made-up ids) or is a real bare git repository
 * (`addGitRepository`, git's ids), which the same server also serves over git's smart HTTP at
 * `<webUrl>/<owner>/<name>.git`, as github.com does: what the API writes can be fetched, and what
 * is pushed shows in the API. This module starts it; the server is in fake-github-server.ts, the
 * REST routes in fake-github-git-data.ts, fake-github-contents.ts, fake-github-pulls.ts and
 * fake-github-pull-reviews.ts, git's smart HTTP in fake-github-git-http.ts, failures and the call
 * log in fake-github-failures.ts, and the repositories themselves in fake-github-repositories.ts.
 */
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type FailureOptions, Failures, type FakeCall } from "./fake-github-failures.ts";
import { FakeGitHosting } from "./fake-github-git-http.ts";
import {
  type FakeCheckRun,
  type FakeCommit,
  type FakePull,
  FakeRepository,
  type FakeRepositoryStore,
  type FakeReviewComment,
  GitRepository,
  gitBlobSha,
} from "./fake-github-repositories.ts";
import { createFakeGithubServer, type FakeGithubContext } from "./fake-github-server.ts";

export type { FailureOptions, FakeCall };
export {
  type FakeCheckRun,
  type FakeCommit,
  type FakePull,
  FakeRepository,
  type FakeRepositoryStore,
  type FakeReviewComment,
  GitRepository,
  gitBlobSha,
};

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

/**
 * Starts the fake on 127.0.0.1 at a free port.
 *
 * @example
 * const github = await startFakeGithub();
 * github.state.addRepository("acme/shop");
 * github.failNext("POST", "/repos/acme/shop/pulls", 502);
 */
export async function startFakeGithub(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  const git = new FakeGitHosting(options.reposDir);
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
      const reposDir = await git.reposDir();
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
  const context: FakeGithubContext = {
    prefix: (options.prefix ?? "").replace(/\/+$/, ""),
    // Known once the server listens: `http://127.0.0.1:PORT`, the web base, and with the prefix, the API base.
    urls: { api: "", web: "" },
    state,
    calls: [],
    failures: new Failures(),
    git,
  };
  const server = createFakeGithubServer(context);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  context.urls.web = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  context.urls.api = `${context.urls.web}${context.prefix}`;

  return {
    url: context.urls.api,
    webUrl: context.urls.web,
    calls: context.calls,
    state,
    failNext(method, pattern, status, body, failureOptions = {}) {
      context.failures.add(method, pattern, status, body, failureOptions);
    },
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      await git.close();
    },
  };
}

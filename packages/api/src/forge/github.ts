/**
 * @module github: the GitHub forge. Branches, commits and pull requests through GitHub's REST API
 * (github.com or GitHub Enterprise Server), with retries and GitHub's rate limits respected.
 */
import { createHash } from "node:crypto";
import type { Logger } from "../deps.ts";
import {
  assertOpenPullRequestInput,
  assertValidRepository,
  type Forge,
  ForgeError,
  type ForgeFile,
  type OpenedPullRequest,
  type OpenPullRequestInput,
  type PullRequestInfo,
  type RepositoryRef,
} from "./forge.ts";
import { type GitHubClient, newGitHubClient } from "./github-client.ts";

export interface GitHubForgeOptions {
  /**
   * The token for the next batch of calls (a fine-grained token or an installation token with
   * read and write access to Contents and Pull requests). Called once per forge operation, so a
   * rotated secret is picked up; `undefined` means none is configured.
   */
  token: () => Promise<string | undefined>;
  /** The REST API base (`AIPM_GITHUB_API_URL`). Default `https://api.github.com`; GitHub Enterprise Server: `https://HOST/api/v3`. */
  apiUrl?: string;
  /** GitHub's web base, for links in error messages. Default derived from `apiUrl`. */
  webUrl?: string;
  /** The unit of every wait, in ms: retry back-off and GitHub's `retry-after`. Default 1000; tests use 1. */
  retry?: { retryAfterBaseValue?: number };
  /**
   * Waits out GitHub's rate limits and retries, as GitHub asks of integrations (requests are never
   * spaced apart: see github-client.ts). Default enabled; tests disable it.
   */
  throttle?: { enabled: boolean };
  /** Default `aipm`. */
  userAgent?: string;
  /** One GitHub request taking longer is abandoned (and retried). Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Where rate-limit waits are reported. Default the console. */
  log?: Logger;
}

const defaults = {
  apiUrl: "https://api.github.com",
  retry: { retryAfterBaseValue: 1000 },
  throttle: { enabled: true },
  userAgent: "aipm",
  requestTimeoutMs: 10_000,
} satisfies Partial<GitHubForgeOptions>;

/**
 * Git's id of a file holding `content`, which GitHub reports as the file's `sha`: comparing it
 * tells whether a file already holds `content` without downloading it.
 */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/**
 * github.com's web base for its API, else the Enterprise Server host (the API base without `/api/v3`).
 *
 * @example githubWebUrl("https://ghe.example.com/api/v3") // "https://ghe.example.com"
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return `${url.origin}${url.pathname.replace(/\/+$/, "").replace(/\/api\/v3$/, "")}`;
}

const statusOf = (error: unknown): number | undefined => {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
};
/** GitHub's own words: its `message` plus any `errors[].message`, else the error's message. */
function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data as
    | { message?: unknown; errors?: { message?: unknown }[] }
    | undefined;
  const details = (Array.isArray(data?.errors) ? data.errors : [])
    .map((detail) => detail?.message)
    .filter((message): message is string => typeof message === "string");
  const message =
    typeof data?.message === "string" ? data.message : error instanceof Error ? error.message : "";
  return [message, ...details].join(": ").trim() || String(error);
}
const isGitHubError = (error: unknown, status: number, message: RegExp) =>
  statusOf(error) === status && message.test(githubMessage(error));
/** A write that named a file's previous version, but GitHub has another (or wanted one named). */
const isStaleFile = (error: unknown) =>
  statusOf(error) === 409 || isGitHubError(error, 422, /\bsha\b|does not match/i);

/**
 * The GitHub forge. It never creates repositories; `openPullRequest` makes at most 4 sequential
 * calls for one file on a new branch (base head and the file's base version at once, create the
 * branch, commit the file, open the pull request), and is idempotent on the branch.
 *
 * @example
 * const forge = githubForge({ token: async () => process.env.GITHUB_TOKEN, apiUrl: env.AIPM_GITHUB_API_URL });
 * await forge.openPullRequest({ repository, baseBranch: "main", branch: "aipm/sty_1-pay", ... });
 */
export function githubForge(options: GitHubForgeOptions): Forge {
  const apiUrl = (options.apiUrl ?? defaults.apiUrl).replace(/\/+$/, "");
  if (!URL.canParse(apiUrl)) {
    throw new ForgeError(
      "invalid",
      `The GitHub API URL ${JSON.stringify(apiUrl)} is not a URL: use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.`,
    );
  }
  const webUrl = (options.webUrl ?? githubWebUrl(apiUrl)).replace(/\/+$/, "");
  const log = options.log ?? { info: console.info, error: console.error };
  const newClient = (token: string) =>
    newGitHubClient({
      token,
      apiUrl,
      userAgent: options.userAgent ?? defaults.userAgent,
      retryAfterBaseValue: options.retry?.retryAfterBaseValue ?? defaults.retry.retryAfterBaseValue,
      waitOutRateLimits: (options.throttle ?? defaults.throttle).enabled,
      requestTimeoutMs: options.requestTimeoutMs ?? defaults.requestTimeoutMs,
      log,
    });

  let cached: { token: string; client: GitHubClient } | undefined;
  async function connect(): Promise<{ token: string; client: GitHubClient }> {
    let token: string | undefined;
    try {
      token = await options.token();
    } catch (error) {
      throw new ForgeError(
        "failed",
        `AIPM could not read its GitHub token (${error instanceof Error ? error.message : String(error)}): check the secret and the API's permission to read it.`,
        { cause: error },
      );
    }
    if (!token) {
      throw new ForgeError(
        "failed",
        "No GitHub token is configured: give the API a GitHub token (directly or as a Secrets Manager secret).",
      );
    }
    if (cached?.token !== token) cached = { token, client: newClient(token) };
    return cached;
  }

  /** The ForgeError for a failed GitHub call; `doing` completes "while AIPM tried to ...". */
  function forgeError(error: unknown, doing: string, repo: RepositoryRef, token: string): ForgeError {
    if (error instanceof ForgeError) return error;
    const status = statusOf(error);
    // GitHub does not echo tokens, but a proxy in front of Enterprise Server might: the message,
    // and the cause that gets logged, keep only scrubbed words and the request's coordinates.
    const said = token.length >= 8 ? githubMessage(error).split(token).join("[token]") : githubMessage(error);
    const where = `${repo.owner}/${repo.name}`;
    const { request, response } = error as {
      request?: { method?: string; url?: string };
      response?: { headers?: Record<string, string> };
    };
    const options = {
      cause: Object.assign(new Error(said), {
        status,
        method: request?.method,
        url: request?.url,
        githubRequestId: response?.headers?.["x-github-request-id"],
      }),
    };
    if (!response) {
      return new ForgeError(
        "failed",
        `AIPM could not reach GitHub at ${apiUrl} to ${doing}, even after retries (${said}): check the network and AIPM_GITHUB_API_URL, then try again.`,
        options,
      );
    }
    if (status === 401) {
      return new ForgeError(
        "failed",
        `GitHub rejected the token when AIPM tried to ${doing} (401 ${said}): replace the GitHub token with a valid one that can read and write ${where}.`,
        options,
      );
    }
    if (
      (status === 403 || status === 429) &&
      (/rate limit/i.test(said) || response.headers?.["x-ratelimit-remaining"] === "0")
    ) {
      return new ForgeError(
        "failed",
        `GitHub's rate limit stopped AIPM from trying to ${doing} (${status} ${said}): wait a few minutes and try again.`,
        options,
      );
    }
    if (status === 403) {
      return new ForgeError(
        "failed",
        `The GitHub token may not ${doing} (403 ${said}): give the token read and write access to Contents and Pull requests of ${where}.`,
        options,
      );
    }
    if (status === 404) {
      return new ForgeError(
        "not-found",
        `AIPM could not ${doing}: GitHub answered 404 (${said}). Check that ${webUrl}/${where} exists and the token can see it.`,
        options,
      );
    }
    if (status === 409 && /empty/i.test(said)) {
      return new ForgeError(
        "not-found",
        `Repository ${where} is empty (${said}): push an initial commit to its default branch first.`,
        options,
      );
    }
    if (
      status === 409 ||
      isStaleFile(error) ||
      isGitHubError(error, 422, /fast forward|reference update failed/i)
    ) {
      return new ForgeError(
        "conflict",
        `${where} changed while AIPM tried to ${doing} (${said}): try again.`,
        options,
      );
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return new ForgeError(
        "invalid",
        `GitHub refused to let AIPM ${doing} (${status} ${said}): correct what GitHub names and try again.`,
        options,
      );
    }
    return new ForgeError(
      "failed",
      `GitHub failed when AIPM tried to ${doing}, even after retries (${status ?? "no status"} ${said}): try again later.`,
      options,
    );
  }

  /** The calls on one repository; each names what it does, for its error message. */
  function session(repo: RepositoryRef, token: string, client: GitHubClient) {
    const owner = repo.owner;
    const name = repo.name;
    const where = `${owner}/${name}`;
    const call = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        throw forgeError(error, doing, repo, token);
      }
    };
    const pullOf = (pull: { number: number; html_url: string; head: { sha: string } }) => ({
      number: pull.number,
      url: pull.html_url,
      headSha: pull.head.sha,
    });

    /** The commit `branch` points at, or null when there is no such branch. */
    const branchHead = (branch: string) =>
      call(`read branch ${branch} of ${where}`, async () => {
        try {
          return (await client.rest.git.getRef({ owner, repo: name, ref: `heads/${branch}` })).data.object
            .sha;
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
      });

    /** Creates `branch` at `sha`; false when it already exists. */
    const createBranch = (branch: string, sha: string) =>
      call(`create branch ${branch} in ${where}`, async () => {
        try {
          await client.rest.git.createRef({ owner, repo: name, ref: `refs/heads/${branch}`, sha });
          return true;
        } catch (error) {
          if (isGitHubError(error, 422, /reference already exists/i)) return false;
          throw error;
        }
      });

    /** The blob id of `path` on `ref`, or null when there is no such file. */
    async function readFileSha(path: string, ref: string): Promise<string | null> {
      try {
        const { data } = await client.rest.repos.getContent({ owner, repo: name, path, ref });
        if (Array.isArray(data) || data.type !== "file") {
          throw new ForgeError(
            "invalid",
            `${path} on ${ref} of ${where} is not a file: move it aside so AIPM can write the file.`,
          );
        }
        return data.sha;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    }
    const fileSha = (path: string, ref: string) =>
      call(`read ${path} on ${ref} of ${where}`, () => readFileSha(path, ref));

    /**
     * Makes `file` the content of its path on `branch`, where its current blob id is `current`
     * (null: no such file). Resolves the new commit, or null when the file already held it.
     */
    const writeFile = (
      file: ForgeFile,
      current: string | null,
      branch: string,
      input: OpenPullRequestInput,
    ) =>
      call(`write ${file.path} on branch ${branch} of ${where}`, async () => {
        const wanted = gitBlobSha(file.content);
        const write = async (sha: string | null) => {
          const { data } = await client.rest.repos.createOrUpdateFileContents({
            owner,
            repo: name,
            path: file.path,
            branch,
            message: input.commitMessage,
            content: Buffer.from(file.content, "utf8").toString("base64"),
            author: input.author,
            ...(sha ? { sha } : {}),
          });
          return data.commit.sha ?? null;
        };
        if (current === wanted) return null;
        try {
          return await write(current);
        } catch (error) {
          // The branch moved since `current` was read, or a retried write had already landed.
          if (!isStaleFile(error)) throw error;
          const fresh = await readFileSha(file.path, branch);
          return fresh === wanted ? null : await write(fresh);
        }
      });

    /** The commit holding `files` on top of `parent`, or `parent` when they change nothing. */
    const commitFiles = (parent: string, input: OpenPullRequestInput) =>
      call(`commit ${input.files.length} files in ${where}`, async () => {
        if (input.files.length === 0) return parent;
        const { data: parentCommit } = await client.rest.git.getCommit({
          owner,
          repo: name,
          commit_sha: parent,
        });
        const { data: tree } = await client.rest.git.createTree({
          owner,
          repo: name,
          base_tree: parentCommit.tree.sha,
          tree: input.files.map((file) => ({
            path: file.path,
            mode: "100644",
            type: "blob",
            content: file.content,
          })),
        });
        if (tree.sha === parentCommit.tree.sha) return parent;
        const { data: commit } = await client.rest.git.createCommit({
          owner,
          repo: name,
          message: input.commitMessage,
          tree: tree.sha,
          parents: [parent],
          author: input.author,
        });
        return commit.sha;
      });

    const listOpenPulls = async (branch: string) =>
      (await client.rest.pulls.list({ owner, repo: name, head: `${owner}:${branch}`, state: "open" })).data;
    const findOpenPull = (branch: string) =>
      call(`look up the open pull request of branch ${branch} in ${where}`, async () => {
        const [open] = await listOpenPulls(branch);
        return open ? pullOf(open) : null;
      });

    /** Opens the pull request, or finds the one opened meanwhile (`created: false`). */
    const createPull = (input: OpenPullRequestInput) =>
      call(`open a pull request from ${input.branch} into ${input.baseBranch} in ${where}`, async () => {
        try {
          const { data } = await client.rest.pulls.create({
            owner,
            repo: name,
            title: input.title,
            body: input.body,
            head: input.branch,
            base: input.baseBranch,
          });
          return { ...pullOf(data), created: true };
        } catch (error) {
          if (isGitHubError(error, 422, /no commits between/i)) {
            throw new ForgeError(
              "invalid",
              `Branch ${input.branch} holds nothing that ${input.baseBranch} does not (its files are already there), so GitHub cannot open a pull request: change the files, or delete the branch and try again.`,
              { cause: error },
            );
          }
          if (!isGitHubError(error, 422, /pull request already exists/i)) throw error;
          // Opened meanwhile: by a concurrent call, or by this one before its answer was lost and retried.
          const [open] = await listOpenPulls(input.branch);
          if (!open) throw error;
          return { ...pullOf(open), created: false };
        }
      });

    /** Puts the files on the existing branch; resolves its new head, or null when nothing changed. */
    async function updateBranch(input: OpenPullRequestInput): Promise<string | null> {
      const [single] = input.files;
      if (single && input.files.length === 1) {
        return writeFile(single, await fileSha(single.path, input.branch), input.branch, input);
      }
      const head = await branchHead(input.branch);
      if (head === null) {
        throw new ForgeError(
          "conflict",
          `Branch ${input.branch} of ${where} was deleted while AIPM was writing to it: try again.`,
        );
      }
      const commit = await commitFiles(head, input);
      if (commit === head) return null;
      await call(`update branch ${input.branch} of ${where}`, () =>
        client.rest.git.updateRef({
          owner,
          repo: name,
          ref: `heads/${input.branch}`,
          sha: commit,
          force: false,
        }),
      );
      return commit;
    }

    return {
      branchHead,
      createBranch,
      fileSha,
      writeFile,
      commitFiles,
      findOpenPull,
      createPull,
      updateBranch,
    };
  }

  return {
    async ensureRepository(repo) {
      assertValidRepository(repo);
      const { token, client } = await connect();
      try {
        await client.rest.repos.get({ owner: repo.owner, repo: repo.name });
        return { created: false };
      } catch (error) {
        if (statusOf(error) === 404) {
          throw new ForgeError(
            "not-found",
            `Repository ${repo.owner}/${repo.name} does not exist on GitHub or the token cannot see it; create it or give the token access: ${webUrl}/${repo.owner}/${repo.name}`,
            { cause: error },
          );
        }
        throw forgeError(error, `read repository ${repo.owner}/${repo.name}`, repo, token);
      }
    },

    async openPullRequest(input): Promise<OpenedPullRequest> {
      assertOpenPullRequestInput(input);
      const { repository: repo, baseBranch, branch } = input;
      const { token, client } = await connect();
      const github = session(repo, token, client);
      const [single] = input.files.length === 1 ? input.files : [];
      const opened = (
        pull: { number: number; url: string; headSha: string; created: boolean },
        written: string | null,
      ) => ({
        number: pull.number,
        url: pull.url,
        branch,
        headSha: written ?? pull.headSha,
        created: pull.created,
      });

      // 1. The base's head and, for one file, its version on the base (the write must name it),
      //    both reads, at once: one round trip.
      const [baseHead, baseFileSha] = await Promise.all([
        github.branchHead(baseBranch),
        single ? github.fileSha(single.path, baseBranch) : null,
      ]);
      if (baseHead === null) {
        throw new ForgeError(
          "not-found",
          `Base branch ${baseBranch} does not exist in ${repo.owner}/${repo.name}, or the repository does not exist or the token cannot see it: push the branch, or use the repository's default branch.`,
        );
      }

      let written: string | null;
      let createdBranch: boolean;
      if (single) {
        // 2. The branch at the base's head; 3. the file as one commit through the contents API.
        createdBranch = await github.createBranch(branch, baseHead);
        written = createdBranch ? await github.writeFile(single, baseFileSha, branch, input) : null;
      } else {
        // Several files need the git data API (tree, commit), then the branch at that commit.
        written = await github.commitFiles(baseHead, input);
        createdBranch = await github.createBranch(branch, written);
      }
      if (!createdBranch) {
        // The branch exists (an earlier call, or a closed pull request): its open pull request is
        // the answer, with the files brought up to date; without one, this opens a new one.
        const [open, update] = await Promise.all([github.findOpenPull(branch), github.updateBranch(input)]);
        if (open) return opened({ ...open, created: false }, update);
        written = update;
      }
      // 4. The pull request.
      return opened(await github.createPull(input), written);
    },

    async getPullRequest(repo, number): Promise<PullRequestInfo | null> {
      assertValidRepository(repo);
      const { token, client } = await connect();
      try {
        const { data } = await client.rest.pulls.get({
          owner: repo.owner,
          repo: repo.name,
          pull_number: number,
        });
        return {
          number: data.number,
          url: data.html_url,
          branch: data.head.ref,
          baseBranch: data.base.ref,
          title: data.title,
          state: data.merged ? "merged" : data.state === "open" ? "open" : "closed",
          headSha: data.head.sha,
        };
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw forgeError(error, `read pull request #${number} of ${repo.owner}/${repo.name}`, repo, token);
      }
    },
  };
}

/**
 * @module github: the GitHub forge. Branches, commits and pull requests through GitHub's REST API
 * (github.com or GitHub Enterprise Server), with retries and GitHub's rate limits respected. The
 * client and its retry policy are in github-client.ts, the calls in github-branches.ts and
 * github-pulls.ts, and what failures mean in github-errors.ts.
 */
import type { Logger } from "../deps.ts";
import {
  assertOpenPullRequestInput,
  assertValidRepository,
  type Forge,
  ForgeError,
  type OpenedPullRequest,
  type PullRequestInfo,
  type RepositoryRef,
} from "./forge.ts";
import { githubBranches } from "./github-branches.ts";
import { type GitHubClient, type GitHubRepoSession, newGitHubClient } from "./github-client.ts";
import { githubForgeError, statusOf } from "./github-errors.ts";
import { githubPulls } from "./github-pulls.ts";

export { gitBlobSha } from "./github-branches.ts";

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
 * github.com's web base for its API, else the Enterprise Server host (the API base without `/api/v3`).
 *
 * @example githubWebUrl("https://ghe.example.com/api/v3") // "https://ghe.example.com"
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return `${url.origin}${url.pathname.replace(/\/+$/, "").replace(/\/api\/v3$/, "")}`;
}

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

  /** The client bound to `repo`, for the calls in github-branches.ts and github-pulls.ts. */
  async function session(repo: RepositoryRef): Promise<GitHubRepoSession> {
    const { token, client } = await connect();
    return {
      client,
      owner: repo.owner,
      name: repo.name,
      where: `${repo.owner}/${repo.name}`,
      async call(doing, work) {
        try {
          return await work();
        } catch (error) {
          throw githubForgeError(error, doing, { repo, token, apiUrl, webUrl });
        }
      },
    };
  }

  return {
    async ensureRepository(repo) {
      assertValidRepository(repo);
      const { client, owner, name, where, call } = await session(repo);
      return call(`read repository ${where}`, async () => {
        try {
          await client.rest.repos.get({ owner, repo: name });
          return { created: false };
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
          throw new ForgeError(
            "not-found",
            `Repository ${where} does not exist on GitHub or the token cannot see it; create it or give the token access: ${webUrl}/${where}`,
            { cause: error },
          );
        }
      });
    },

    async openPullRequest(input): Promise<OpenedPullRequest> {
      assertOpenPullRequestInput(input);
      const { repository: repo, baseBranch, branch } = input;
      const repoSession = await session(repo);
      const github = { ...githubBranches(repoSession), ...githubPulls(repoSession) };
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
      return githubPulls(await session(repo)).readPull(number);
    },

    async listPullRequestFiles(repo, pull) {
      assertValidRepository(repo);
      return githubPulls(await session(repo)).listFiles(pull.number);
    },

    async getChecks(repo, pull) {
      assertValidRepository(repo);
      return githubPulls(await session(repo)).readChecks(pull.headSha);
    },

    async mergePullRequest(repo, pull, options) {
      assertValidRepository(repo);
      return githubPulls(await session(repo)).mergePull(pull.number, options);
    },

    async closePullRequest(repo, pull) {
      assertValidRepository(repo);
      await githubPulls(await session(repo)).closePull(pull.number);
    },

    async reviewComments(repo, number, reviewId) {
      assertValidRepository(repo);
      return githubPulls(await session(repo)).readReviewComments(number, reviewId);
    },
  };
}

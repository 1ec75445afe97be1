/**
 * @module local-git: the local git forge. Bare repositories on disk, written with git plumbing only.
 */
import { lstat, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GitError, type GitOptions, runGit } from "@aipm/git";
import type { LocalPullRequestStore, RepositoryKey } from "@aipm/store";
import {
  assertOpenPullRequestInput,
  assertValidIdentity,
  assertValidRepository,
  type Forge,
  ForgeError,
  type ForgeFile,
  type PullRequestInfo,
  type RepositoryRef,
} from "./forge.ts";
import { localPullRequestFiles } from "./local-git-diff.ts";
import { hardenRepository } from "./local-git-harden.ts";
import { mergeLocally } from "./local-git-merge.ts";

export { hardenRepositories, hardenRepository } from "./local-git-harden.ts";

export interface GitIdentity {
  name: string;
  email: string;
}

export interface LocalGitForgeOptions {
  /** Where the bare repositories live: `<reposDir>/<owner>/<name>.git`. */
  reposDir: string;
  /** The API's public base URL (`AIPM_PUBLIC_URL`); pull-request links start with it. */
  publicUrl: string;
  pullRequests: LocalPullRequestStore;
  /** Commits the forge makes; also the initial commit's author. Default `AIPM <aipm@localhost>`. */
  committer?: GitIdentity;
  /** A git command running longer than this is killed. Default 30 000 ms. */
  gitTimeoutMs?: number;
}

export interface LocalGitForge extends Forge {
  /** The bare repository's folder. */
  repositoryPath(repo: RepositoryKey): string;
}

const defaults = {
  committer: { name: "AIPM", email: "aipm@localhost" },
  gitTimeoutMs: 30_000,
} satisfies Partial<LocalGitForgeOptions>;

/** Where a local repository lives; owner and name must already be valid (they are path parts). */
export function localRepositoryPath(reposDir: string, repo: RepositoryKey): string {
  return join(resolve(reposDir), repo.owner, `${repo.name}.git`);
}

/**
 * The link to a local pull request: `<publicUrl>/forge/<owner>/<name>/pull/<number>`, GitHub's
 * shape under a `/forge` prefix, so it clashes neither with `/api` nor with the clone URLs under `/git`.
 *
 * @example localPullRequestUrl("http://127.0.0.1:4000", { owner: "acme", name: "shop" }, 7)
 * // "http://127.0.0.1:4000/forge/acme/shop/pull/7"
 */
export function localPullRequestUrl(publicUrl: string, repo: RepositoryKey, number: number): string {
  return `${publicUrl.replace(/\/+$/, "")}/forge/${repo.owner}/${repo.name}/pull/${number}`;
}

/** Runs `work` after every earlier call with the same key has settled. */
function keyedSerialiser() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => {});
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * The local forge: bare repositories under `reposDir`, pull requests in `pullRequests`.
 *
 * Repositories are created in a staging folder and renamed into place, so two processes creating
 * the same one cannot both win; calls in one process are also serialised per repository, and
 * `openPullRequest` per head branch (one process, the API, opens pull requests). Branch updates
 * name the value they replace, so a concurrent push makes them fail (`conflict`) instead of
 * being overwritten.
 *
 * @example
 * const forge = localGitForge({ reposDir: ".aipm/repos", publicUrl: "http://127.0.0.1:4000", pullRequests });
 * await forge.ensureRepository({ owner: "acme", name: "shop", defaultBranch: "main" });
 */
export function localGitForge(options: LocalGitForgeOptions): LocalGitForge {
  const reposDir = resolve(options.reposDir);
  const committer = options.committer ?? defaults.committer;
  const timeoutMs = options.gitTimeoutMs ?? defaults.gitTimeoutMs;
  const serialise = keyedSerialiser();
  assertValidIdentity(committer, "forge's committer");

  const repositoryPath = (repo: RepositoryKey) => localRepositoryPath(reposDir, repo);
  const identityEnv = (author: GitIdentity): Record<string, string> => ({
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  });

  async function git(gitDir: string, args: readonly string[], run: GitOptions = {}): Promise<string> {
    try {
      return await runGit([`--git-dir=${gitDir}`, ...args], { timeoutMs, ...run });
    } catch (error) {
      if (error instanceof GitError) throw new ForgeError("failed", error.message, { cause: error });
      throw error;
    }
  }

  /** True for a repository, false for nothing; a folder that is not a repository is an error. */
  async function repositoryExists(path: string): Promise<boolean> {
    try {
      await lstat(path);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
      throw error;
    }
    const head = await lstat(join(path, "HEAD")).catch(() => null);
    if (!head?.isFile()) {
      throw new ForgeError(
        "failed",
        `${path} exists but is not a bare git repository: move it aside and try again.`,
      );
    }
    return true;
  }

  async function requireRepository(repo: RepositoryRef): Promise<string> {
    const path = repositoryPath(repo);
    if (!(await repositoryExists(path))) {
      throw new ForgeError(
        "not-found",
        `Repository ${repo.owner}/${repo.name} does not exist in the local forge: create the project (or call ensureRepository) first.`,
      );
    }
    return path;
  }

  async function branchHead(gitDir: string, branch: string): Promise<string | null> {
    try {
      return await runGit(
        [`--git-dir=${gitDir}`, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`],
        {
          timeoutMs,
        },
      );
    } catch (error) {
      if (error instanceof GitError && error.exitCode === 1) return null;
      throw new ForgeError("failed", error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  /** Moves `branch` from `from` ("" = it must not exist) to `to`, or fails with `conflict`. */
  async function moveBranch(gitDir: string, branch: string, to: string, from: string): Promise<void> {
    try {
      await runGit(
        [
          `--git-dir=${gitDir}`,
          "-c",
          "core.logAllRefUpdates=always",
          "update-ref",
          `refs/heads/${branch}`,
          to,
          from,
        ],
        { timeoutMs },
      );
    } catch (error) {
      const said = error instanceof GitError ? ` (git: ${error.stderr.trim()})` : "";
      throw new ForgeError(
        "conflict",
        `Branch ${branch} changed while AIPM was committing to it (someone pushed?)${said}: try again.`,
        { cause: error },
      );
    }
  }

  async function initRepository(gitDir: string, repo: RepositoryRef): Promise<void> {
    try {
      await runGit(["init", "--bare", "--quiet", `--initial-branch=${repo.defaultBranch}`, gitDir], {
        timeoutMs,
      });
    } catch (error) {
      throw new ForgeError("failed", error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
    // Pushes are authorised by the HTTP handler in front of git, which then lets git accept them.
    await git(gitDir, ["config", "http.receivepack", "true"]);
    await hardenRepository(gitDir, timeoutMs);
    const readme = await git(gitDir, ["hash-object", "-w", "--stdin"], { input: `# ${repo.name}\n` });
    const tree = await git(gitDir, ["mktree"], { input: `100644 blob ${readme}\tREADME.md\n` });
    const commit = await git(gitDir, ["commit-tree", tree], {
      input: "Initial commit\n",
      env: identityEnv(committer),
    });
    await moveBranch(gitDir, repo.defaultBranch, commit, "");
  }

  /** The commit holding `files` on top of `parent`, or `parent` itself when they change nothing. */
  async function commitFiles(
    gitDir: string,
    parent: string,
    files: readonly ForgeFile[],
    message: string,
    author: GitIdentity,
  ): Promise<string> {
    const scratch = await mkdtemp(join(tmpdir(), "aipm-index-"));
    try {
      const env = { GIT_INDEX_FILE: join(scratch, "index") };
      await git(gitDir, ["read-tree", parent], { env });
      const entries: string[] = [];
      for (const file of files) {
        const blob = await git(gitDir, ["hash-object", "-w", "--stdin"], { input: file.content });
        entries.push("--cacheinfo", `100644,${blob},${file.path}`);
      }
      if (entries.length > 0) await git(gitDir, ["update-index", "--add", ...entries], { env });
      const tree = await git(gitDir, ["write-tree"], { env });
      if (tree === (await git(gitDir, ["rev-parse", `${parent}^{tree}`]))) return parent;
      return await git(gitDir, ["commit-tree", tree, "-p", parent], {
        input: message.endsWith("\n") ? message : `${message}\n`,
        env: identityEnv(author),
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  return {
    repositoryPath,

    async ensureRepository(repo) {
      assertValidRepository(repo);
      const path = repositoryPath(repo);
      return serialise(`repository ${path}`, async () => {
        if (await repositoryExists(path)) return { created: false };
        // Built aside and renamed into place: a half-made repository is never visible, and of two
        // processes creating it, the second rename fails and that one reports `created: false`.
        const staging = join(reposDir, ".staging");
        await mkdir(staging, { recursive: true });
        await mkdir(join(reposDir, repo.owner), { recursive: true });
        const building = await mkdtemp(join(staging, `${repo.owner}-${repo.name}-`));
        try {
          await initRepository(building, repo);
          try {
            await rename(building, path);
          } catch (error) {
            if (errorCode(error) === "EEXIST" || errorCode(error) === "ENOTEMPTY") return { created: false };
            throw error;
          }
          return { created: true };
        } finally {
          await rm(building, { recursive: true, force: true });
        }
      });
    },

    async openPullRequest(input) {
      assertOpenPullRequestInput(input);
      const { repository, baseBranch, branch } = input;
      const gitDir = await requireRepository(repository);
      const key = { owner: repository.owner, name: repository.name };

      return serialise(`branch ${gitDir} ${branch}`, async () => {
        const existing = await options.pullRequests.findOpenByBranch(key, branch);
        const current = await branchHead(gitDir, branch);
        const parent = current ?? (await branchHead(gitDir, baseBranch));
        if (parent === null) {
          throw new ForgeError(
            "not-found",
            `Base branch ${baseBranch} does not exist in ${repository.owner}/${repository.name}: push it, or use the repository's default branch.`,
          );
        }
        const headSha = await commitFiles(gitDir, parent, input.files, input.commitMessage, input.author);
        if (headSha !== current) await moveBranch(gitDir, branch, headSha, current ?? "");

        if (existing) {
          const url = localPullRequestUrl(options.publicUrl, key, existing.number);
          return { number: existing.number, url, branch, headSha, created: false };
        }
        const { number } = await options.pullRequests.create(key, {
          title: input.title,
          body: input.body,
          branch,
          baseBranch,
          headSha,
        });
        return {
          number,
          url: localPullRequestUrl(options.publicUrl, key, number),
          branch,
          headSha,
          created: true,
        };
      });
    },

    async getPullRequest(repository, number) {
      assertValidRepository(repository);
      const key = { owner: repository.owner, name: repository.name };
      const record = await options.pullRequests.get(key, number);
      if (!record) return null;
      const gitDir = repositoryPath(repository);
      const live = (await repositoryExists(gitDir)) ? await branchHead(gitDir, record.branch) : null;
      return {
        number: record.number,
        url: localPullRequestUrl(options.publicUrl, key, record.number),
        branch: record.branch,
        baseBranch: record.baseBranch,
        title: record.title,
        state: record.state,
        headSha: live ?? record.headSha,
      };
    },

    async listPullRequestFiles(repository, pull) {
      const gitDir = await requireRepository(repository);
      const base = await branchHead(gitDir, pull.baseBranch);
      if (!base) return { files: [], truncated: false };
      return localPullRequestFiles((args, run) => git(gitDir, args, run), base, pull.headSha);
    },

    getChecks: async () => null,

    async mergePullRequest(repository, pull, merge) {
      const gitDir = await requireRepository(repository);
      const key = { owner: repository.owner, name: repository.name };
      return serialise(`branch ${gitDir} ${pull.baseBranch}`, async () => {
        const [baseSha, headSha] = await Promise.all([
          branchHead(gitDir, pull.baseBranch),
          branchHead(gitDir, pull.branch),
        ]);
        await requireOpen(key, pull);
        if (!baseSha || !headSha) {
          throw new ForgeError(
            "refused",
            `Branch ${baseSha ? pull.branch : pull.baseBranch} no longer exists in ${key.owner}/${key.name}: push it again, or close the pull request.`,
          );
        }
        if (merge.expectedHeadSha && merge.expectedHeadSha !== headSha) {
          throw new ForgeError(
            "conflict",
            `Branch ${pull.branch} is at ${headSha.slice(0, 12)}, not ${merge.expectedHeadSha.slice(0, 12)}: it changed since you read it. Reload the pull request and merge again.`,
          );
        }
        const result = await mergeLocally({
          git: (args, run) => runGit([`--git-dir=${gitDir}`, ...args], { timeoutMs, ...run }),
          baseBranch: pull.baseBranch,
          baseSha,
          headBranch: pull.branch,
          headSha,
          message: merge.message,
          identityEnv: identityEnv(committer),
          moveBranch: (branch, to, from) => moveBranch(gitDir, branch, to, from),
        });
        await options.pullRequests.setState(key, pull.number, "merged", "open");
        return result;
      });
    },

    async closePullRequest(repository, pull) {
      const key = { owner: repository.owner, name: repository.name };
      await requireOpen(key, pull);
      if (!(await options.pullRequests.setState(key, pull.number, "closed", "open"))) {
        await requireOpen(key, pull);
      }
    },
  };

  /** Throws `refused` unless the pull request is still open. */
  async function requireOpen(key: RepositoryKey, pull: PullRequestInfo): Promise<void> {
    const state = (await options.pullRequests.get(key, pull.number))?.state;
    if (state !== "open") {
      throw new ForgeError("refused", `Pull request #${pull.number} is ${state ?? "gone"}, not open.`);
    }
  }
}

/**
 * @module git: what the operations commands ask of git: the repository root, the commit being
 * deployed, whether a tree may go to prod, and a throwaway worktree of an older commit.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitError, type GitOptions, runGit } from "@aipm/git";
import { CliError } from "./commands.ts";
import type { Env } from "./ops-env.ts";
import { tail } from "./process.ts";

/**
 * Runs git as the operator would: in their environment (their credentials and configuration, for
 * fetching origin), on their terminal (an ssh passphrase), with no time limit.
 */
function operatorGit(cwd: string, env: Env, args: readonly string[], trim?: GitOptions["trim"]) {
  return runGit(args, { cwd, environment: env, timeoutMs: 0, interactive: true, trim });
}

/** Whether git ran and said no (exited with a code), rather than could not run at all. */
const gitSaidNo = (error: unknown): error is GitError => error instanceof GitError && error.exitCode !== null;

/** Ignores git saying no; a git that could not start is still an error. */
function ignoreSaidNo(error: unknown): void {
  if (!gitSaidNo(error)) throw notStarted(error);
}

/** A git that could not start (not installed, no such folder) as a `CliError`; anything else unchanged. */
function notStarted(error: unknown): unknown {
  return error instanceof GitError && error.exitCode === null ? new CliError(error.message) : error;
}

/** Runs git in `cwd` and returns its stdout without the final newline; a failure is a `CliError` with git's message. */
export async function git(cwd: string, env: Env, args: readonly string[]): Promise<string> {
  try {
    return await operatorGit(cwd, env, args);
  } catch (error) {
    if (!gitSaidNo(error)) throw notStarted(error);
    throw new CliError(`git ${args.join(" ")} failed in ${cwd}: ${tail(error.stderr || error.stdout, 5)}`);
  }
}

/** The root of the repository that holds `cwd`. */
export async function repoRoot(cwd: string, env: Env): Promise<string> {
  try {
    return await operatorGit(cwd, env, ["rev-parse", "--show-toplevel"], "whitespace");
  } catch (error) {
    if (!gitSaidNo(error)) throw notStarted(error);
    throw new CliError(
      `${cwd} is not inside a git repository. Run aipm from a clone of the AIPM repository (the bin/ wrappers do).`,
    );
  }
}

export interface CommitInfo {
  sha: string;
  subject: string;
}

/** The full hash and subject line of `rev`. */
export async function commitInfo(cwd: string, env: Env, rev = "HEAD"): Promise<CommitInfo> {
  const output = await git(cwd, env, ["log", "-1", "--format=%H%n%s", rev, "--"]);
  const [sha = "", ...subject] = output.split("\n");
  return { sha, subject: subject.join(" ") };
}

/**
 * Throws unless the work tree is clean (no changes, no untracked files) and HEAD is `origin/<branch>`
 * after fetching it: what goes to prod is exactly what was merged.
 */
export async function assertReleasable(root: string, env: Env, branch = "main"): Promise<CommitInfo> {
  const status = await git(root, env, ["status", "--porcelain", "--untracked-files=normal"]);
  if (status !== "") {
    const files = status.split("\n");
    throw new CliError(
      `the work tree has uncommitted changes (${files.length} path${files.length === 1 ? "" : "s"}: ${files
        .slice(0, 5)
        .map((line) => line.slice(3))
        .join(
          ", ",
        )}${files.length > 5 ? ", ..." : ""}). Prod is deployed from a clean ${branch}: commit or stash them first.`,
    );
  }
  await git(root, env, ["fetch", "--quiet", "origin", branch]);
  const head = await git(root, env, ["rev-parse", "HEAD"]);
  const upstream = await git(root, env, ["rev-parse", `origin/${branch}`]);
  if (head !== upstream) {
    throw new CliError(
      `HEAD ${head.slice(0, 12)} is not origin/${branch} ${upstream.slice(0, 12)}. Prod is deployed from ${branch} as merged: git checkout ${branch} && git pull --ff-only, then deploy again.`,
    );
  }
  return commitInfo(root, env, head);
}

/** Whether the repository has `sha` as a commit. */
export async function hasCommit(root: string, env: Env, sha: string): Promise<boolean> {
  return operatorGit(root, env, ["cat-file", "-e", `${sha}^{commit}`]).then(
    () => true,
    (error: unknown) => {
      if (gitSaidNo(error)) return false;
      throw notStarted(error);
    },
  );
}

export interface Worktree {
  dir: string;
  /** Removes the worktree and its folder; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Checks `sha` out, detached, in a new worktree under the system's temporary folder; the caller's
 * own work tree is not touched.
 */
export async function addWorktree(root: string, env: Env, sha: string): Promise<Worktree> {
  const parent = await mkdtemp(join(tmpdir(), "aipm-rollback-"));
  const dir = join(parent, "tree");
  try {
    await git(root, env, ["worktree", "add", "--detach", "--quiet", dir, sha]);
  } catch (error) {
    await rm(parent, { recursive: true, force: true });
    throw error;
  }
  let removed = false;
  return {
    dir,
    async remove() {
      if (removed) return;
      removed = true;
      // Best effort, as before: whatever git says, the folder goes and the worktree list is pruned.
      await operatorGit(root, env, ["worktree", "remove", "--force", dir]).catch(ignoreSaidNo);
      await rm(parent, { recursive: true, force: true });
      await operatorGit(root, env, ["worktree", "prune"]).catch(ignoreSaidNo);
    },
  };
}

/**
 * @module workspace: a cached bare mirror per repository and one git worktree per task, so a
 * task never pays for a full clone and never works in another task's files.
 */
import { createHash } from "node:crypto";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./git.ts";

/** How the worker reaches a repository; the credentials never reach the agent. */
export interface RepositoryAccess {
  cloneUrl: string;
  /** An `Authorization` header value for fetch and push, e.g. `Basic ...`. */
  authorization?: string;
}

export interface Worktree {
  dir: string;
  mirror: string;
  branch: string;
  /** The branch's commit the worktree started from. */
  baseSha: string;
}

const mirrorLocks = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier call for the same key has finished. */
function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = mirrorLocks.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  mirrorLocks.set(
    key,
    next.catch(() => {}),
  );
  return next;
}

function authConfig(access: RepositoryAccess): string[] {
  return access.authorization ? [`http.extraHeader=Authorization: ${access.authorization}`] : [];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The mirror folder of a repository: named by a hash of its URL, so any URL is a safe name. */
export function mirrorPath(cacheDir: string, cloneUrl: string): string {
  const key = createHash("sha256").update(cloneUrl).digest("hex").slice(0, 24);
  return join(cacheDir, "mirrors", `${key}.git`);
}

/**
 * Brings the repository's mirror up to date (cloning it the first time) and adds a detached
 * worktree at the branch's head for `taskId`.
 *
 * @example const tree = await prepareWorktree({ cacheDir, access, branch: task.branch, taskId: task.id });
 */
export async function prepareWorktree(options: {
  cacheDir: string;
  access: RepositoryAccess;
  branch: string;
  taskId: string;
}): Promise<Worktree> {
  const mirror = mirrorPath(options.cacheDir, options.access.cloneUrl);
  const dir = join(options.cacheDir, "worktrees", options.taskId);
  const config = authConfig(options.access);
  const baseSha = await serialised(mirror, async () => {
    if (await exists(join(mirror, "HEAD"))) {
      await git(["fetch", "--prune", "--quiet", options.access.cloneUrl, "+refs/heads/*:refs/heads/*"], {
        cwd: mirror,
        config,
      });
    } else {
      await mkdir(join(options.cacheDir, "mirrors"), { recursive: true });
      await rm(mirror, { recursive: true, force: true });
      await git(["clone", "--mirror", "--quiet", options.access.cloneUrl, mirror], { config });
    }
    const sha = await git(["rev-parse", "--verify", `refs/heads/${options.branch}^{commit}`], {
      cwd: mirror,
    });
    await rm(dir, { recursive: true, force: true });
    await git(["worktree", "prune"], { cwd: mirror });
    await mkdir(join(options.cacheDir, "worktrees"), { recursive: true });
    await git(["worktree", "add", "--detach", "--quiet", dir, sha], { cwd: mirror });
    return sha;
  });
  return { dir, mirror, branch: options.branch, baseSha };
}

export interface CommitResult {
  /** The new commit, or null when the agent changed nothing that may be committed. */
  commit: string | null;
  /** Changed paths left out because they are protected. */
  protectedPaths: string[];
  files: string[];
}

/**
 * Stages everything the agent changed except protected paths, commits as the worker and pushes
 * to the branch without force: if the branch moved meanwhile, the push is rejected.
 */
export async function commitAndPush(options: {
  worktree: Worktree;
  access: RepositoryAccess;
  message: string;
  author: { name: string; email: string };
  protectedGlobs: readonly string[];
}): Promise<CommitResult> {
  const { worktree } = options;
  const cwd = worktree.dir;
  await git(["add", "--all"], { cwd });
  const staged = async () =>
    (await git(["diff", "--cached", "--name-only", "-z"], { cwd })).split("\0").filter(Boolean);
  const before = await staged();
  if (options.protectedGlobs.length > 0 && before.length > 0) {
    await git(["reset", "--quiet", "--", ...options.protectedGlobs.map((glob) => `:(glob)${glob}`)], { cwd });
  }
  const files = await staged();
  const protectedPaths = before.filter((file) => !files.includes(file));
  if (files.length === 0) return { commit: null, protectedPaths, files };
  const identity = {
    GIT_AUTHOR_NAME: options.author.name,
    GIT_AUTHOR_EMAIL: options.author.email,
    GIT_COMMITTER_NAME: options.author.name,
    GIT_COMMITTER_EMAIL: options.author.email,
  };
  await git(["commit", "--quiet", "--no-verify", "-m", options.message], { cwd, env: identity });
  const commit = await git(["rev-parse", "HEAD"], { cwd });
  await git(["push", "--quiet", options.access.cloneUrl, `${commit}:refs/heads/${worktree.branch}`], {
    cwd,
    config: authConfig(options.access),
  });
  return { commit, protectedPaths, files };
}

/** Removes a task's worktree; the mirror stays for the next task. */
export async function removeWorktree(worktree: Worktree): Promise<void> {
  await git(["worktree", "remove", "--force", worktree.dir], { cwd: worktree.mirror }).catch(() => {});
  await rm(worktree.dir, { recursive: true, force: true });
  await git(["worktree", "prune"], { cwd: worktree.mirror }).catch(() => {});
}

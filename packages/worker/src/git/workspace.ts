/**
 * @module workspace: a cached bare mirror per repository and a pool of git worktrees per mirror.
 * A task takes an idle worktree, which is forced to the task's commit and wiped of every file git
 * does not track, so it pays for checking out what changed rather than the whole tree, and never
 * sees another task's files. Only the worker's git runs there between tasks.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, realpath, rm, stat, utimes, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { isAlive } from "../process-alive.ts";
import { unlockTree } from "../tree.ts";
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

function mirrorKey(cloneUrl: string): string {
  return createHash("sha256").update(cloneUrl).digest("hex").slice(0, 24);
}

/** The mirror folder of a repository: named by a hash of its URL, so any URL is a safe name. */
export function mirrorPath(cacheDir: string, cloneUrl: string): string {
  return join(cacheDir, "mirrors", `${mirrorKey(cloneUrl)}.git`);
}

/**
 * The mirror's whole configuration, written before every fetch and every commit. An agent can reach the mirror
 * through its worktree's `.git` file; a `url.*.insteadOf` or `http.proxy` it added there would
 * send the worker's credentials elsewhere. Fetch and push name the URL, so no remote is needed.
 */
const MIRROR_CONFIG = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n";

/** This process, told apart from an earlier one that had the same pid (pid 1 in every container). */
const processMark = `${process.pid} ${randomBytes(8).toString("hex")}`;

/** Takes a slot's lock file: false when a live process (this one included) holds it, "stale" when its holder is gone. */
async function takeLock(lock: string): Promise<boolean | "stale"> {
  try {
    const handle = await open(lock, "wx", 0o600);
    await handle.writeFile(processMark);
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const holder = await readFile(lock, "utf8").catch(() => "");
  const pid = Number(holder.split(" ")[0]);
  const ours = holder === processMark;
  if (ours || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))) return false;
  return "stale";
}

async function releaseLock(lock: string): Promise<void> {
  await rm(lock, { force: true });
}

/** True when `dir`'s `.git` file still points at its entry in `mirror`, as `git worktree add` wrote it. */
async function linkedToMirror(dir: string, mirror: string): Promise<boolean> {
  const pointer = await readFile(join(dir, ".git"), "utf8").catch(() => "");
  const match = /^gitdir: (.+)\n?$/.exec(pointer);
  if (!match?.[1]) return false;
  const [actual, expected] = await Promise.all([
    realpath(match[1]).catch(() => ""),
    realpath(join(mirror, "worktrees", basename(dir))).catch(() => "-"),
  ]);
  return actual === expected;
}

async function deleteSlot(mirror: string, dir: string): Promise<void> {
  await git(["worktree", "remove", "--force", "--force", dir], { cwd: mirror }).catch(() => {});
  // An agent may have left folders nobody can enter: give them back to their owner, the worker.
  await rm(dir, { recursive: true, force: true }).catch(async () => {
    await unlockTree(dir);
    await rm(dir, { recursive: true, force: true });
  });
  await git(["worktree", "prune"], { cwd: mirror }).catch(() => {});
}

/** Forces an idle slot to `sha` with nothing else in it; false when the slot cannot be trusted. */
async function resetSlot(mirror: string, dir: string, sha: string): Promise<boolean> {
  if (!(await linkedToMirror(dir, mirror))) return false;
  try {
    await git(["checkout", "--quiet", "--force", "--detach", sha], { cwd: dir });
    await git(["clean", "-ffdxq"], { cwd: dir }).catch(async () => {
      await unlockTree(dir);
      await git(["clean", "-ffdxq"], { cwd: dir });
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * A worktree of `mirror` at `sha` for this process alone: an idle slot reset to `sha` when one can
 * be trusted, a new one otherwise. Slots whose holder died are deleted, not reused: an agent the
 * dead worker started may still be writing there.
 */
async function takeSlot(slotsDir: string, mirror: string, sha: string): Promise<string> {
  await mkdir(slotsDir, { recursive: true });
  const slots = (await readdir(slotsDir)).filter((name) => !name.endsWith(".lock"));
  for (const name of slots) {
    const dir = join(slotsDir, name);
    const lock = `${dir}.lock`;
    const taken = await takeLock(lock);
    if (taken === false) continue;
    if (taken === true && (await resetSlot(mirror, dir, sha))) return dir;
    await deleteSlot(mirror, dir);
    await releaseLock(lock);
  }
  const dir = join(slotsDir, `w-${randomBytes(6).toString("hex")}`);
  if ((await takeLock(`${dir}.lock`)) !== true) throw new Error(`Worktree slot ${dir} is taken.`);
  try {
    await git(["worktree", "add", "--detach", "--quiet", dir, sha], { cwd: mirror });
  } catch (error) {
    await releaseLock(`${dir}.lock`);
    throw error;
  }
  return dir;
}

/** How often a mirror is tidied (on the first task after the interval), and how long a worktree may sit idle. */
export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
export const IDLE_WORKTREE_MAX_AGE_MS = 3 * 24 * 60 * 60 * 1000;
const MAINTAINED_MARK = "aipm-maintained";

async function modifiedAt(path: string): Promise<number> {
  return stat(path).then(
    (stats) => stats.mtimeMs,
    () => 0,
  );
}

/**
 * Keeps a long-lived worker's disk in check: drops the mirror's branches that the remote no
 * longer has (a task fetches only its own branch, so nothing else prunes them), deletes worktrees
 * idle for longer than `idleMaxAgeMs` (a worker that once ran many tasks at once keeps that many),
 * and lets git pack the mirror when it needs to. Call it with the mirror's lock held.
 */
export async function maintainMirror(options: {
  mirror: string;
  slotsDir: string;
  access: RepositoryAccess;
  idleMaxAgeMs?: number;
}): Promise<{ branchesDropped: number; worktreesDeleted: number }> {
  const { mirror, slotsDir } = options;
  const remote = new Set(
    (
      await git(["ls-remote", "--heads", options.access.cloneUrl], {
        cwd: mirror,
        config: authConfig(options.access),
      })
    )
      .split("\n")
      .map((line) => line.split("\t")[1])
      .filter(Boolean),
  );
  const local = (await git(["for-each-ref", "--format=%(refname)", "refs/heads/"], { cwd: mirror }))
    .split("\n")
    .filter(Boolean);
  const gone = local.filter((ref) => !remote.has(ref));
  if (gone.length > 0) {
    await git(["update-ref", "--stdin"], {
      cwd: mirror,
      input: gone.map((ref) => `delete ${ref}\n`).join(""),
    });
  }

  let worktreesDeleted = 0;
  const cutoff = Date.now() - (options.idleMaxAgeMs ?? IDLE_WORKTREE_MAX_AGE_MS);
  const slots = await readdir(slotsDir).catch(() => [] as string[]);
  for (const name of slots.filter((entry) => !entry.endsWith(".lock"))) {
    const dir = join(slotsDir, name);
    if ((await modifiedAt(dir)) > cutoff) continue;
    const lock = `${dir}.lock`;
    if ((await takeLock(lock)) === false) continue;
    await deleteSlot(mirror, dir);
    await releaseLock(lock);
    worktreesDeleted++;
  }
  // In the foreground: a detached gc would outlive the task that started it.
  await git(["gc", "--auto", "--quiet"], { cwd: mirror, config: ["gc.autoDetach=false"] }).catch(() => {});
  await writeFile(join(mirror, MAINTAINED_MARK), "");
  return { branchesDropped: gone.length, worktreesDeleted };
}

/**
 * Brings the repository's mirror up to date (cloning it the first time) and gives the task a
 * worktree of its own, detached at the branch's head. Give it back with `releaseWorktree`.
 *
 * @example const tree = await prepareWorktree({ cacheDir, access, branch: task.branch });
 */
export async function prepareWorktree(options: {
  cacheDir: string;
  access: RepositoryAccess;
  branch: string;
}): Promise<Worktree> {
  const mirror = mirrorPath(options.cacheDir, options.access.cloneUrl);
  const slotsDir = join(options.cacheDir, "worktrees", mirrorKey(options.access.cloneUrl));
  const config = authConfig(options.access);
  return serialised(mirror, async () => {
    if (await exists(join(mirror, "HEAD"))) {
      await writeFile(join(mirror, "config"), MIRROR_CONFIG);
      // Only the task's branch: the advertisement is the same, but nothing else is negotiated.
      const ref = `refs/heads/${options.branch}`;
      await git(["fetch", "--quiet", "--update-head-ok", options.access.cloneUrl, `+${ref}:${ref}`], {
        cwd: mirror,
        config,
      });
    } else {
      await mkdir(join(options.cacheDir, "mirrors"), { recursive: true });
      await rm(mirror, { recursive: true, force: true });
      await git(["clone", "--mirror", "--quiet", options.access.cloneUrl, mirror], { config });
      await writeFile(join(mirror, "config"), MIRROR_CONFIG);
      await writeFile(join(mirror, MAINTAINED_MARK), "");
    }
    const maintained = join(mirror, MAINTAINED_MARK);
    if (Date.now() - (await modifiedAt(maintained)) > MAINTENANCE_INTERVAL_MS) {
      await maintainMirror({ mirror, slotsDir, access: options.access });
    }
    const baseSha = await git(["rev-parse", "--verify", `refs/heads/${options.branch}^{commit}`], {
      cwd: mirror,
    });
    const dir = await takeSlot(slotsDir, mirror, baseSha);
    return { dir, mirror, branch: options.branch, baseSha };
  });
}

export interface CommitResult {
  /** The new commit, or null when the agent changed nothing that may be committed. */
  commit: string | null;
  /** Changed paths left out because they are protected. */
  protectedPaths: string[];
  /** Changed paths left out because the agent's CLI writes them for itself (history, settings). */
  leftoverPaths: string[];
  files: string[];
}

/**
 * Commits everything the agent left in the worktree, except protected paths and the CLI's own
 * leftovers, as one commit on top
 * of the commit the task started from, and pushes it to the branch without force: if the branch
 * moved meanwhile, the push is rejected. Commits the agent made itself are folded in; HEAD and the
 * worktree's refs, which the agent could have moved, are not used.
 */
export async function commitAndPush(options: {
  worktree: Worktree;
  access: RepositoryAccess;
  message: string;
  author: { name: string; email: string };
  protectedGlobs: readonly string[];
  /** Globs of files the agent's CLI writes for itself; default none. */
  leftoverGlobs?: readonly string[];
}): Promise<CommitResult> {
  const { worktree } = options;
  const cwd = worktree.dir;
  if (!(await linkedToMirror(cwd, worktree.mirror)))
    throw new Error("The worktree's .git file was changed during the task; nothing was committed.");
  // Whatever an unsandboxed agent wrote into the mirror's config (a filter driver for `git add`, a
  // `pushInsteadOf` for the push) is gone before the worker's own git reads it.
  await writeFile(join(worktree.mirror, "config"), MIRROR_CONFIG);
  await git(["add", "--all"], { cwd });
  // A `.git` file the agent planted in a folder makes `git add` record whatever repository it points
  // to (another project's mirror, say) as a submodule: no new gitlink is committed.
  const nestedRepositories = await newGitlinks(cwd, worktree.baseSha);
  if (nestedRepositories.length > 0)
    await git(
      ["reset", "--quiet", worktree.baseSha, "--", ...nestedRepositories.map((path) => `:(literal)${path}`)],
      {
        cwd,
      },
    );
  const changed = async (tree: string, pathspecs: readonly string[] = []) =>
    (
      await git(
        ["diff-tree", "-r", "--no-renames", "--name-only", "-z", worktree.baseSha, tree, "--", ...pathspecs],
        { cwd },
      )
    )
      .split("\0")
      .filter(Boolean);
  let tree = await git(["write-tree"], { cwd });
  const pathspecs = (globs: readonly string[] = [], magic = "glob") =>
    globs.map((glob) => `:(${magic})${glob}`);
  // Protected paths match in any letter case: on a case-insensitive checkout (macOS, Windows)
  // `.GITHUB/workflows/x.yml` is the same file as `.github/workflows/x.yml`.
  const protectedGlobs = pathspecs(options.protectedGlobs, "glob,icase");
  const leftoverGlobs = pathspecs(options.leftoverGlobs);
  const protectedPaths = protectedGlobs.length > 0 ? await changed(tree, protectedGlobs) : [];
  const leftoverPaths = leftoverGlobs.length > 0 ? await changed(tree, leftoverGlobs) : [];
  if (protectedPaths.length + leftoverPaths.length > 0) {
    // Back to the task's starting point, not HEAD: an agent's own commit may hold the change.
    await git(["reset", "--quiet", worktree.baseSha, "--", ...protectedGlobs, ...leftoverGlobs], { cwd });
    tree = await git(["write-tree"], { cwd });
  }
  const files = await changed(tree);
  if (files.length === 0)
    return { commit: null, protectedPaths: [...protectedPaths, ...nestedRepositories], leftoverPaths, files };
  const identity = {
    GIT_AUTHOR_NAME: options.author.name,
    GIT_AUTHOR_EMAIL: options.author.email,
    GIT_COMMITTER_NAME: options.author.name,
    GIT_COMMITTER_EMAIL: options.author.email,
  };
  const commit = await git(["commit-tree", tree, "-p", worktree.baseSha, "-F", "-"], {
    cwd,
    env: identity,
    input: `${options.message.trimEnd()}\n`,
  });
  await git(["push", "--quiet", options.access.cloneUrl, `${commit}:refs/heads/${worktree.branch}`], {
    cwd,
    config: authConfig(options.access),
  });
  return { commit, protectedPaths: [...protectedPaths, ...nestedRepositories], leftoverPaths, files };
}

/** Paths staged as gitlinks (mode 160000) that differ from the task's start commit. */
async function newGitlinks(cwd: string, baseSha: string): Promise<string[]> {
  const fields = (await git(["diff-index", "--cached", "--no-renames", "-z", baseSha], { cwd })).split("\0");
  const paths: string[] = [];
  // ":<old mode> <new mode> <old sha> <new sha> <status>", then the path.
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const newMode = fields[index]?.split(" ")[1];
    const path = fields[index + 1];
    if (newMode === "160000" && path) paths.push(path);
  }
  return paths;
}

/**
 * Gives a task's worktree back to the pool. Its files stay until the next task takes it and
 * resets it; a worktree that cannot be trusted any more is deleted then.
 */
export async function releaseWorktree(worktree: Worktree): Promise<void> {
  // Its last use, for maintainMirror's idle age.
  const now = new Date();
  await utimes(worktree.dir, now, now).catch(() => {});
  await releaseLock(`${worktree.dir}.lock`);
}

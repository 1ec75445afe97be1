/**
 * The worktree pool against a real bare repository reached by a file:// URL: what one task leaves
 * behind never reaches the next, a slot is never shared, and what an agent does to git itself
 * (its own commits, a redirected `.git`, a rewritten mirror config) neither escapes nor sticks.
 */
import { execFile } from "node:child_process";
import { access as exists, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { git } from "./git.ts";
import {
  commitAndPush,
  maintainMirror,
  mirrorPath,
  prepareWorktree,
  releaseWorktree,
  type Worktree,
} from "./workspace.ts";

const run = promisify(execFile);
const AUTHOR = { name: "AIPM worker", email: "worker@aipm.local" };
const PROTECTED = [".github/workflows/**"];

let tmp: string;
let remote: string;
let cacheDir: string;
let access: { cloneUrl: string };

/** Git as the tests' developer: the worker's own runner (no user config, no hooks) with an identity. */
const sh = (cwd: string, ...args: string[]) =>
  git(args, {
    cwd,
    env: {
      GIT_AUTHOR_NAME: "Dev",
      GIT_AUTHOR_EMAIL: "dev@example.com",
      GIT_COMMITTER_NAME: "Dev",
      GIT_COMMITTER_EMAIL: "dev@example.com",
    },
  });

/** Files at `commit` in the remote. */
async function filesAt(commit: string): Promise<string[]> {
  return (await sh(remote, "ls-tree", "-r", "--name-only", commit)).split("\n").filter(Boolean);
}

const prepare = (branch = "aipm/task") => prepareWorktree({ cacheDir, access, branch });
const push = (worktree: Worktree, message = "Task", leftoverGlobs: readonly string[] = []) =>
  commitAndPush({ worktree, access, message, author: AUTHOR, protectedGlobs: PROTECTED, leftoverGlobs });

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "aipm-workspace-"));
  remote = join(tmp, "remote.git");
  const seed = join(tmp, "seed");
  await mkdir(join(seed, "src"), { recursive: true });
  await sh(tmp, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  await sh(tmp, "init", "--quiet", "--initial-branch=main", seed);
  await writeFile(join(seed, "README.md"), "# shop\n");
  await writeFile(join(seed, "src", "cart.ts"), "export const cart = [];\n");
  await writeFile(join(seed, ".gitignore"), "node_modules/\n");
  await sh(seed, "add", "--all");
  await sh(seed, "commit", "--quiet", "-m", "Initial commit");
  await sh(
    seed,
    "push",
    "--quiet",
    remote,
    "main:refs/heads/main",
    "main:refs/heads/aipm/task",
    "main:refs/heads/aipm/other",
  );
  cacheDir = join(tmp, "cache");
  access = { cloneUrl: `file://${remote}` };
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("the worktree pool", () => {
  it("gives the next task the same folder, with nothing the last task left in it", async () => {
    const first = await prepare();
    await writeFile(join(first.dir, "README.md"), "changed by the agent\n");
    await writeFile(join(first.dir, "notes.txt"), "untracked\n");
    await mkdir(join(first.dir, "node_modules", "left-pad"), { recursive: true });
    await writeFile(join(first.dir, "node_modules", "left-pad", "index.js"), "ignored\n");
    await rm(join(first.dir, "src", "cart.ts"));
    await releaseWorktree(first);

    const second = await prepare("aipm/other");
    expect(second.dir).toBe(first.dir);
    expect((await readdir(second.dir)).sort()).toEqual([".git", ".gitignore", "README.md", "src"]);
    expect(await readFile(join(second.dir, "README.md"), "utf8")).toBe("# shop\n");
    expect(await readFile(join(second.dir, "src", "cart.ts"), "utf8")).toBe("export const cart = [];\n");
    expect(await sh(second.dir, "status", "--porcelain", "--ignored")).toBe("");
  });

  it("checks out the branch's current head, fetched for the task", async () => {
    const first = await prepare();
    await writeFile(join(first.dir, "a.txt"), "a\n");
    const pushed = await push(first);
    await releaseWorktree(first);

    const second = await prepare();
    expect(second.baseSha).toBe(pushed.commit);
    expect(await readFile(join(second.dir, "a.txt"), "utf8")).toBe("a\n");
  });

  it("never hands one slot to two tasks at once", async () => {
    const trees = await Promise.all([prepare(), prepare("aipm/other"), prepare()]);
    expect(new Set(trees.map((tree) => tree.dir)).size).toBe(3);
    await Promise.all(trees.map(releaseWorktree));
    const again = await Promise.all([prepare(), prepare()]);
    expect(again.every((tree) => trees.some((earlier) => earlier.dir === tree.dir))).toBe(true);
  });

  it("deletes a slot whose holder died instead of reusing it", async () => {
    const first = await prepare();
    await releaseWorktree(first);
    // A worker killed with SIGKILL leaves its lock behind, naming a process that is gone.
    const dead = await run(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    await writeFile(`${first.dir}.lock`, `${dead.stdout} 0123456789abcdef`);
    await writeFile(join(first.dir, "still-writing.txt"), "an orphaned agent\n");

    const second = await prepare();
    expect(second.dir).not.toBe(first.dir);
    const slotsDir = dirname(second.dir);
    expect((await readdir(slotsDir)).sort()).toEqual([basename(second.dir), `${basename(second.dir)}.lock`]);
    expect(await sh(mirrorPath(cacheDir, access.cloneUrl), "worktree", "list", "--porcelain")).not.toContain(
      first.dir,
    );
  });

  it("does not reuse a slot whose .git file an agent pointed elsewhere, and commits nothing from it", async () => {
    const first = await prepare();
    const decoy = join(tmp, "decoy");
    await sh(tmp, "init", "--quiet", decoy);
    await writeFile(join(first.dir, ".git"), `gitdir: ${join(decoy, ".git")}\n`);
    await writeFile(join(first.dir, "a.txt"), "a\n");
    await expect(push(first)).rejects.toThrow(/\.git file was changed/);
    await releaseWorktree(first);

    const second = await prepare();
    expect(second.dir).not.toBe(first.dir);
    expect(await sh(remote, "rev-parse", "refs/heads/aipm/task")).toBe(second.baseSha);
  });

  it("restores the mirror's configuration before fetching, so an agent cannot redirect the worker's credentials", async () => {
    const first = await prepare();
    const elsewhere = join(tmp, "elsewhere.git");
    await sh(tmp, "init", "--quiet", "--bare", elsewhere);
    const mirror = mirrorPath(cacheDir, access.cloneUrl);
    await sh(first.dir, "config", `url.file://${elsewhere}.insteadOf`, access.cloneUrl);
    expect(await readFile(join(mirror, "config"), "utf8")).toContain("insteadOf");
    await releaseWorktree(first);

    const second = await prepare();
    expect(await readFile(join(mirror, "config"), "utf8")).not.toContain("insteadOf");
    await writeFile(join(second.dir, "b.txt"), "b\n");
    const pushed = await push(second);
    expect(await sh(remote, "rev-parse", "refs/heads/aipm/task")).toBe(pushed.commit);
  });
});

describe("commitAndPush", () => {
  it("makes one commit on the task's starting point with the message and the worker as author", async () => {
    const tree = await prepare();
    await writeFile(join(tree.dir, "a.txt"), "a\n");
    const pushed = await push(tree, "Story sty_1: pay by card (task tsk_1)");
    expect(pushed.files).toEqual(["a.txt"]);
    expect(await sh(remote, "log", "-1", "--format=%P|%an <%ae>|%B", pushed.commit ?? "")).toBe(
      `${tree.baseSha}|AIPM worker <worker@aipm.local>|Story sty_1: pay by card (task tsk_1)`,
    );
  });

  it("folds the agent's own commits into the worker's one, and keeps protected paths out of both", async () => {
    const tree = await prepare();
    await mkdir(join(tree.dir, ".github", "workflows"), { recursive: true });
    await writeFile(join(tree.dir, ".github", "workflows", "ci.yml"), "on: push\n");
    await writeFile(join(tree.dir, "a.txt"), "committed by the agent\n");
    await sh(tree.dir, "add", "--all");
    await sh(tree.dir, "commit", "--quiet", "-m", "agent's own commit");
    await writeFile(join(tree.dir, "b.txt"), "left uncommitted\n");

    const pushed = await push(tree);
    expect(pushed.protectedPaths).toEqual([".github/workflows/ci.yml"]);
    expect(pushed.files.sort()).toEqual(["a.txt", "b.txt"]);
    expect(await sh(remote, "rev-parse", `${pushed.commit}^`)).toBe(tree.baseSha);
    expect(await filesAt(pushed.commit ?? "")).not.toContain(".github/workflows/ci.yml");
    expect(await filesAt(pushed.commit ?? "")).toEqual(
      expect.arrayContaining(["a.txt", "b.txt", "README.md"]),
    );
  });

  it("keeps protected paths out in any letter case", async () => {
    const tree = await prepare();
    await mkdir(join(tree.dir, ".GITHUB", "Workflows"), { recursive: true });
    await writeFile(join(tree.dir, ".GITHUB", "Workflows", "x.yml"), "on: push\n");
    await writeFile(join(tree.dir, "a.txt"), "kept\n");

    const pushed = await push(tree);
    expect(pushed.protectedPaths).toEqual([".GITHUB/Workflows/x.yml"]);
    expect(await filesAt(pushed.commit ?? "")).not.toContain(".GITHUB/Workflows/x.yml");
  });

  it("pushes nothing when the agent changed only protected paths or nothing at all", async () => {
    const tree = await prepare();
    expect(await push(tree)).toEqual({ commit: null, protectedPaths: [], leftoverPaths: [], files: [] });
    await mkdir(join(tree.dir, ".github", "workflows"), { recursive: true });
    await writeFile(join(tree.dir, ".github", "workflows", "deploy.yml"), "on: push\n");
    expect(await push(tree)).toEqual({
      commit: null,
      protectedPaths: [".github/workflows/deploy.yml"],
      leftoverPaths: [],
      files: [],
    });
    expect(await sh(remote, "rev-parse", "refs/heads/aipm/task")).toBe(tree.baseSha);
  });

  it("leaves the agent CLI's own files out of the commit, even in an agent's own commit", async () => {
    const tree = await prepare();
    await mkdir(join(tree.dir, ".claude"), { recursive: true });
    await writeFile(join(tree.dir, ".claude", "settings.local.json"), "{}\n");
    await writeFile(join(tree.dir, ".aider.chat.history.md"), "# chat\n");
    await sh(tree.dir, "add", "--all");
    await sh(tree.dir, "commit", "--quiet", "-m", "agent's own commit");
    await writeFile(join(tree.dir, "a.txt"), "the work\n");

    const pushed = await push(tree, "Task", [".claude/**", ".aider*"]);
    expect(pushed.leftoverPaths.sort()).toEqual([".aider.chat.history.md", ".claude/settings.local.json"]);
    expect(pushed.files).toEqual(["a.txt"]);
    const files = await filesAt(pushed.commit ?? "");
    expect(files.filter((file) => file.startsWith(".claude/") || file.startsWith(".aider"))).toEqual([]);
    expect(files).toContain("a.txt");
  });

  it("commits no repository the agent linked in with a planted .git file", async () => {
    const tree = await prepare();
    const other = join(tmp, "other");
    await sh(tmp, "init", "--quiet", "--initial-branch=main", other);
    await writeFile(join(other, "secret.txt"), "another project\n");
    await sh(other, "add", "--all");
    await sh(other, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "--quiet", "-m", "other");
    await mkdir(join(tree.dir, "sub"));
    await writeFile(join(tree.dir, "sub", ".git"), `gitdir: ${join(other, ".git")}\n`);
    await writeFile(join(tree.dir, "a.txt"), "the work\n");

    const pushed = await push(tree);
    expect(pushed.files).toEqual(["a.txt"]);
    expect(pushed.protectedPaths).toEqual(["sub"]);
    expect(await filesAt(pushed.commit ?? "")).not.toContain("sub");
    expect(await sh(remote, "ls-tree", pushed.commit ?? "")).not.toMatch(/160000/);
  });

  it("is rejected, without force, when the branch moved after the task started", async () => {
    const tree = await prepare();
    const other = await prepare();
    await writeFile(join(other.dir, "first.txt"), "first\n");
    await push(other);
    await writeFile(join(tree.dir, "second.txt"), "second\n");
    await expect(push(tree)).rejects.toThrow(/git push .* failed/);
  });
});

describe("maintainMirror", () => {
  const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 60 * 60 * 1000);
  const branches = async () =>
    (
      await sh(mirrorPath(cacheDir, access.cloneUrl), "for-each-ref", "--format=%(refname)", "refs/heads/")
    ).split("\n");

  it("drops the mirror's branches that the remote deleted and keeps the others", async () => {
    const tree = await prepare();
    await sh(remote, "update-ref", "-d", "refs/heads/aipm/other");
    const result = await maintainMirror({ mirror: tree.mirror, slotsDir: dirname(tree.dir), access });
    expect(result.branchesDropped).toBe(1);
    expect(await branches()).toEqual(["refs/heads/aipm/task", "refs/heads/main"]);
  });

  it("deletes worktrees idle for longer than the limit, never one in use or used lately", async () => {
    const [old, busy, recent] = await Promise.all([prepare(), prepare(), prepare()]);
    await Promise.all([releaseWorktree(old), releaseWorktree(recent)]);
    await utimes(old.dir, daysAgo(4), daysAgo(4));
    await utimes(busy.dir, daysAgo(4), daysAgo(4));

    const result = await maintainMirror({ mirror: old.mirror, slotsDir: dirname(old.dir), access });
    expect(result.worktreesDeleted).toBe(1);
    await expect(exists(old.dir)).rejects.toThrow();
    await exists(busy.dir);
    await exists(recent.dir);
    expect(await sh(old.mirror, "worktree", "list", "--porcelain")).not.toContain(old.dir);
  });

  it("runs on the first task after the interval", async () => {
    const first = await prepare();
    await releaseWorktree(first);
    await sh(remote, "update-ref", "-d", "refs/heads/aipm/other");
    await prepare();
    expect(await branches()).toContain("refs/heads/aipm/other");

    await utimes(join(first.mirror, "aipm-maintained"), daysAgo(1), daysAgo(1));
    await prepare();
    expect(await branches()).not.toContain("refs/heads/aipm/other");
  });
});

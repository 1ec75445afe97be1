/**
 * @module local-git-merge: merging a local pull request inside its bare repository, without a
 * worktree: a fast-forward when the base has not moved since the branch left it, else
 * `git merge-tree --write-tree` (git ≥ 2.38) and `commit-tree`, with the base's old value as the
 * guard of `update-ref`. This is AIPM's own ref update, not a push: no `pre-receive` hook runs,
 * which is how the default branch changes "only through AIPM" (ref-policy.ts).
 */
import { GitError } from "@aipm/git";
import { ForgeError, type MergeResult } from "./forge.ts";

export interface MergeInput {
  /** Runs git on the bare repository; rejects with a GitError when git fails. */
  git: (
    args: readonly string[],
    options?: { input?: string; env?: Record<string, string> },
  ) => Promise<string>;
  baseBranch: string;
  baseSha: string;
  headBranch: string;
  headSha: string;
  message: string;
  /** The merge commit's author and committer variables. */
  identityEnv: Record<string, string>;
  /** Moves `refs/heads/<branch>` from `from` to `to`, or fails with a `conflict` ForgeError. */
  moveBranch: (branch: string, to: string, from: string) => Promise<void>;
}

/**
 * The paths `git merge-tree --write-tree --name-only --no-messages -z` names as conflicted: its
 * output is the tree id, then each path, NUL-terminated.
 *
 * @example conflictedPaths("4b825dc…\0a.txt\0b.txt\0\0") // ["a.txt", "b.txt"]
 */
export function conflictedPaths(output: string): string[] {
  const [, ...paths] = output.split("\0");
  return [...new Set(paths.filter((path) => path !== ""))];
}

async function isAncestor(git: MergeInput["git"], ancestor: string, of: string): Promise<boolean> {
  try {
    await git(["merge-base", "--is-ancestor", ancestor, of]);
    return true;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return false;
    throw error;
  }
}

/**
 * Merges `headSha` into `baseBranch` (at `baseSha`): fast-forward when possible, else a merge
 * commit; a conflict is a `merge-conflict` ForgeError naming the files, and nothing moves.
 */
export async function mergeLocally(input: MergeInput): Promise<MergeResult> {
  const { git, baseBranch, baseSha, headSha } = input;
  if (await isAncestor(git, headSha, baseSha)) return { sha: baseSha, method: "fast-forward" };
  if (await isAncestor(git, baseSha, headSha)) {
    await input.moveBranch(baseBranch, headSha, baseSha);
    return { sha: headSha, method: "fast-forward" };
  }
  let tree: string;
  try {
    tree = await git(["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", baseSha, headSha]);
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) {
      const files = conflictedPaths(error.stdout);
      throw new ForgeError(
        "merge-conflict",
        `Branch ${input.headBranch} conflicts with ${baseBranch} in ${files.length === 1 ? "file" : "files"} ${files.join(", ")}: merge ${baseBranch} into the branch and resolve them (or ask for changes), then merge again.`,
        { cause: error },
      );
    }
    throw error;
  }
  const merge = await git(["commit-tree", tree.split("\0")[0] ?? tree, "-p", baseSha, "-p", headSha], {
    input: input.message.endsWith("\n") ? input.message : `${input.message}\n`,
    env: input.identityEnv,
  });
  await input.moveBranch(baseBranch, merge, baseSha);
  return { sha: merge, method: "merge" };
}

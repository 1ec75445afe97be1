/**
 * @module agent/worktree-watch: stops an agent whose worktree and HOME grow past a size.
 */
import { treeBytes } from "../tree.ts";
import type { AgentFailureCode } from "./profile.ts";

const WORKTREE_CHECK_MS = 2_000;

/**
 * Checks every two seconds how many bytes the worktree and the agent's HOME hold together (the
 * worktree's `.git` aside) and calls `fail` once they pass `maxBytes`.
 *
 * @example const watch = watchWorktree([worktree, home], 1e9, fail); ...; await watch.check(); watch.stop();
 */
export function watchWorktree(
  dirs: readonly string[],
  maxBytes: number,
  fail: (code: AgentFailureCode, message: string) => void,
): { check(): Promise<void>; stop(): void } {
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      let bytes = 0;
      for (const dir of dirs) bytes += await treeBytes(dir, maxBytes - bytes);
      if (bytes > maxBytes)
        fail(
          "agent_worktree_too_large",
          `The agent wrote more than ${Math.round(maxBytes / 1024 / 1024)} MB into the working tree and its HOME (AIPM_AGENT_MAX_WORKTREE_MB) and was stopped.`,
        );
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), WORKTREE_CHECK_MS);
  return { check, stop: () => clearInterval(timer) };
}

/**
 * @module git: the worker's git: @aipm/git's runner with no way for a repository's own config
 * (which an agent could have edited) to run code, and the worker's longer timeout and bigger output.
 */
import { runGit } from "@aipm/git";

export { GitError, redact } from "@aipm/git";

/** Settings every worker git command gets: no hooks, no fsmonitor, no credential helpers. */
const SAFE_CONFIG = [
  "core.hooksPath=/dev/null",
  "core.fsmonitor=false",
  "credential.helper=",
  "protocol.file.allow=always",
  "safe.directory=*",
];

export interface GitOptions {
  cwd?: string;
  /** Extra `-c key=value` settings, e.g. an auth header for one fetch or push. */
  config?: readonly string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  input?: string;
}

/**
 * Runs `git <args>` and resolves to its trimmed stdout; rejects with a `GitError` (credentials
 * removed from its message and stderr).
 *
 * @example const sha = await git(["rev-parse", "HEAD"], { cwd: worktree });
 */
export function git(args: readonly string[], options: GitOptions = {}): Promise<string> {
  return runGit(args, {
    cwd: options.cwd,
    input: options.input,
    config: [...SAFE_CONFIG, ...(options.config ?? [])],
    env: { HOME: process.env.HOME ?? "/tmp", GIT_ASKPASS: "/bin/false", ...options.env },
    timeoutMs: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
    trim: "whitespace",
  });
}

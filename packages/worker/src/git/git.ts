/**
 * @module git: run the git CLI without a shell, without the user's configuration, and with
 * no way for a repository's own config (which an agent could have edited) to run code.
 */
import { execFile } from "node:child_process";

export class GitError extends Error {
  override name = "GitError";
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Options every worker git command gets: no hooks, no fsmonitor, no credential helpers, no prompts. */
const SAFE_CONFIG = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "credential.helper=",
  "-c",
  "protocol.file.allow=always",
  "-c",
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

/** Removes credentials from text that may end up in a task's events. */
export function redact(text: string): string {
  return text
    .replace(/(Authorization:\s*)(Basic|Bearer)\s+\S+/gi, "$1$2 [redacted]")
    .replace(/(https?:\/\/)[^/@\s]+@/g, "$1[redacted]@");
}

/**
 * Runs `git <args>` and resolves to its trimmed stdout.
 *
 * @example const sha = await git(["rev-parse", "HEAD"], { cwd: worktree });
 */
export function git(args: readonly string[], options: GitOptions = {}): Promise<string> {
  const fullArgs = [...SAFE_CONFIG, ...(options.config ?? []).flatMap((setting) => ["-c", setting]), ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      fullArgs,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/tmp",
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_TERMINAL_PROMPT: "0",
          GIT_ASKPASS: "/bin/false",
          ...options.env,
        },
      },
      (error, stdout, stderr) => {
        if (error) {
          const shown = args.filter((arg) => !arg.startsWith("http.extraHeader")).join(" ");
          reject(
            new GitError(
              `git ${redact(shown)} failed: ${redact(String(stderr).trim() || error.message)}`,
              args,
              redact(String(stderr)),
            ),
          );
        } else resolve(String(stdout).trim());
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

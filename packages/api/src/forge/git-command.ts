/**
 * @module git-command: running the git CLI in isolation from the user's configuration and this process's environment.
 */
import { execFile } from "node:child_process";

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The whole environment git runs with: no configuration but the repository's own (not the
 * user's global or the system one), no prompts, and `extra` on top. PATH is kept so git and its
 * helpers are found; nothing else of this process leaks in (no GIT_DIR from a hook, no tokens).
 */
export function gitEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    ...extra,
  };
}

/** A git command that failed; `exitCode` is null when it was killed or could not start. */
export class GitCommandError extends Error {
  override name = "GitCommandError";
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RunGitOptions {
  /** Written to git's standard input, which is then closed. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs git (no shell) and resolves its standard output without the final newline.
 *
 * @example const sha = await runGit(["--git-dir=/repos/acme/shop.git", "rev-parse", "HEAD"]);
 */
export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      "git",
      args,
      {
        env: gitEnvironment(options.env),
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        // SIGTERM lets git remove its lock files on the way out.
        killSignal: "SIGTERM",
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (!error) return resolvePromise(stdout.replace(/\n$/, ""));
        const command = `git ${args.join(" ")}`;
        if (error.code === "ENOENT") {
          return reject(
            new GitCommandError(args, null, "", "git is not on PATH: install git 2.28 or newer."),
          );
        }
        const exitCode = typeof error.code === "number" ? error.code : null;
        const why = error.killed
          ? `was killed after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
          : `exited with ${exitCode}`;
        reject(
          new GitCommandError(args, exitCode, stderr, `${command} ${why}: ${stderr.trim() || error.message}`),
        );
      },
    );
    // git may exit before reading its input (EPIPE); its exit status tells what happened.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
  });
}

/**
 * @module git: the one way AIPM runs the git CLI: no shell, an environment of its own (not the
 * user's configuration, not this process's variables), a timeout that stops git and every helper
 * it started, and a `GitError` that says which command failed, how, and what git said.
 */
import { spawn } from "node:child_process";

/** A command running longer than this is stopped, unless `timeoutMs` says otherwise. */
export const DEFAULT_GIT_TIMEOUT_MS = 120_000;
/** More standard output (or error) than this stops the command, unless `maxBuffer` says otherwise. */
export const DEFAULT_GIT_MAX_BUFFER = 64 * 1024 * 1024;
/** How long git has to exit after SIGTERM (to remove its lock files) before it gets SIGKILL. */
const KILL_GRACE_MS = 2_000;

/**
 * The whole environment git runs with: no configuration but the repository's own (not the
 * user's global or the system one), no prompts, the C locale, and `extra` on top. PATH is kept so
 * git and its helpers are found; nothing else of this process leaks in (no GIT_DIR from a hook,
 * no tokens).
 *
 * @example spawn("git", ["http-backend"], { env: gitEnvironment(cgiVariables) });
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

/** Removes credentials (an `Authorization` header's value, a URL's user and password) from text. */
export function redact(text: string): string {
  return text
    .replace(/(Authorization:\s*)(Basic|Bearer)\s+\S+/gi, "$1$2 [redacted]")
    .replace(/(https?:\/\/)[^/@\s]+@/g, "$1[redacted]@");
}

export interface GitErrorDetails {
  /** The arguments the caller gave (without the `config` settings). */
  args: readonly string[];
  /** git's exit code; null when it was killed or could not start. */
  exitCode: number | null;
  /** The signal that ended git, when one did. */
  signal: NodeJS.Signals | null;
  /** Whether git was stopped for running longer than `timeoutMs`. */
  timedOut: boolean;
  /** What git wrote to standard error, credentials removed. */
  stderr: string;
  /** What git wrote to standard output. */
  stdout: string;
}

/** A git command that failed: exited with a code other than 0, was killed, or could not start. */
export class GitError extends Error implements GitErrorDetails {
  override name = "GitError";
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stderr: string;
  readonly stdout: string;

  /** @example new GitError("git push failed: rejected", ["push", "origin"], "rejected", { exitCode: 1 }) */
  constructor(
    message: string,
    args: readonly string[],
    stderr = "",
    details: Partial<Omit<GitErrorDetails, "args" | "stderr">> & ErrorOptions = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.args = args;
    this.stderr = stderr;
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.timedOut = details.timedOut ?? false;
    this.stdout = details.stdout ?? "";
  }
}

export interface GitOptions {
  /** The folder git runs in. Default: this process's. */
  cwd?: string;
  /** Written to git's standard input, which is then closed (it is closed empty without it). */
  input?: string;
  /** `key=value` settings, each passed as `-c key=value` before the arguments (and never shown in errors). */
  config?: readonly string[];
  /** Variables on top of the environment, e.g. `GIT_INDEX_FILE` or an author's name. */
  env?: Record<string, string>;
  /**
   * The environment to start from instead of the isolated `gitEnvironment()`: only for git run
   * on the user's behalf, as the user would (their credentials, their configuration).
   */
  environment?: Record<string, string | undefined>;
  /** git (with its helpers) is stopped after this long; 0 for no limit. Default 120 000 ms. */
  timeoutMs?: number;
  /** The most standard output, and standard error, kept; more stops git. Default 64 MiB. */
  maxBuffer?: number;
  /**
   * What is removed from the output: one final newline (default, the exact bytes otherwise),
   * all whitespace at both ends, or nothing.
   */
  trim?: "newline" | "whitespace" | "none";
  /**
   * Keep git in this process's session, so it can ask on the terminal (an ssh passphrase); a
   * timeout then stops git alone, not the helpers it started. Default false: git runs in a
   * process group of its own, and a timeout stops the whole group.
   */
  interactive?: boolean;
}

/** The arguments as shown in an error: no `http.extraHeader` setting, no credentials. */
function shown(args: readonly string[]): string {
  return redact(args.filter((arg) => !/^http\.(.*\.)?extraheader=/i.test(arg)).join(" "));
}

function trimmed(text: string, trim: GitOptions["trim"]): string {
  if (trim === "none") return text;
  if (trim === "whitespace") return text.trim();
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/**
 * Runs `git <args>` (no shell) and resolves its standard output, by default without the final
 * newline; rejects with a `GitError` when git fails, is stopped, or cannot start.
 *
 * @example
 * const sha = await runGit(["rev-parse", "HEAD"], { cwd: worktree });
 * const blob = await runGit(["hash-object", "-w", "--stdin"], { cwd: bare, input: "# Shop\n" });
 */
export function runGit(args: readonly string[], options: GitOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const maxBuffer = options.maxBuffer ?? DEFAULT_GIT_MAX_BUFFER;
  const fullArgs = [...(options.config ?? []).flatMap((setting) => ["-c", setting]), ...args];
  const env = options.environment ? { ...options.environment, ...options.env } : gitEnvironment(options.env);

  return new Promise((resolve, reject) => {
    const child = spawn("git", fullArgs, {
      cwd: options.cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: !options.interactive,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let stopped: "timeout" | "output" | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const kill = (signal: NodeJS.Signals) => {
      try {
        if (!options.interactive && child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // Already gone.
      }
    };
    const stop = (why: "timeout" | "output") => {
      if (stopped || settled) return;
      stopped = why;
      // SIGTERM lets git remove its lock files on the way out; SIGKILL if it does not go.
      kill("SIGTERM");
      killTimer = setTimeout(() => {
        kill("SIGKILL");
        // A helper that escaped the group may still hold the pipes: do not wait for them.
        killTimer = setTimeout(() => finish(null, "SIGKILL"), KILL_GRACE_MS);
      }, KILL_GRACE_MS);
    };
    const timer = timeoutMs > 0 ? setTimeout(() => stop("timeout"), timeoutMs) : undefined;

    const details = (exitCode: number | null, signal: NodeJS.Signals | null): GitErrorDetails => ({
      args,
      exitCode,
      signal,
      timedOut: stopped === "timeout",
      stderr: redact(Buffer.concat(stderr).toString("utf8")),
      stdout: Buffer.concat(stdout).toString("utf8"),
    });
    function finish(exitCode: number | null, signal: NodeJS.Signals | null, startError?: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const result = details(exitCode, signal);
      const command = `git ${shown(args)}`;
      if (startError) {
        const missing = (startError as NodeJS.ErrnoException).code === "ENOENT";
        const message = missing
          ? `${command} could not start: git is not on PATH (install git 2.28 or newer)${options.cwd ? `, or ${options.cwd} does not exist` : ""}.`
          : `${command} could not start: ${startError.message}`;
        return reject(new GitError(message, args, result.stderr, { ...result, cause: startError }));
      }
      if (exitCode === 0 && !stopped) return resolve(trimmed(result.stdout, options.trim));
      const why =
        stopped === "timeout"
          ? `was stopped after ${timeoutMs} ms`
          : stopped === "output"
            ? `was stopped: its output passed ${maxBuffer} bytes`
            : exitCode === null
              ? `was killed (${signal})`
              : `failed (exit code ${exitCode})`;
      const said = result.stderr.trim();
      reject(
        new GitError(said ? `${command} ${why}: ${said}` : `${command} ${why}`, args, result.stderr, result),
      );
    }

    child.stdout?.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxBuffer) return stop("output");
      stdout.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderrBytes += chunk.length;
      if (stderrBytes > maxBuffer) return stop("output");
      stderr.push(chunk);
    });
    child.once("error", (error) => finish(null, null, error));
    child.once("close", (code, signal) => finish(code, signal));
    // git may exit before reading its input (EPIPE); its exit status tells what happened.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
  });
}

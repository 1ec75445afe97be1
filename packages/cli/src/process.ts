/**
 * @module process: child processes for the operations commands: output streamed as it comes (the
 * progress an operator watches) and kept for the caller; a program that is not installed is
 * reported with what to install.
 */
import { spawn } from "node:child_process";
import { CliError } from "./commands.ts";
import type { Env } from "./ops-env.ts";

export interface RunOptions {
  cwd: string;
  env: Env;
  /** Receives stdout and stderr as they arrive; without it, output is only kept. */
  onOutput?: (text: string) => void;
}

export interface RunResult {
  /** The exit code; 128 + n when a signal ended the process. */
  code: number;
  stdout: string;
  stderr: string;
}

/** What to do when a program is missing, by program. */
const INSTALL_HINTS: Record<string, string> = {
  pulumi: "install the Pulumi CLI (https://www.pulumi.com/docs/install/) and put it on PATH",
  pnpm: "install pnpm 10 (npm install --global pnpm@10.34.9)",
};

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs `file` with `args` (no shell) and resolves with its exit code and output, whatever the code.
 *
 * @example const { code, stdout } = await runProcess("pulumi", ["whoami"], { cwd, env });
 */
export function runProcess(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      options.onOutput?.(text);
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      options.onOutput?.(text);
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new CliError(
              `'${file}' was not found: ${INSTALL_HINTS[file] ?? `install ${file} and put it on PATH`}.`,
            )
          : error,
      );
    });
    child.once("close", (code, signal) => {
      resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0), stdout, stderr });
    });
  });
}

/** A program with its arguments, and how it is shown to the operator. */
export interface CommandLine {
  file: string;
  args: string[];
  display: string;
}

/** Quotes a word for display in a POSIX shell, only when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A program and arguments, shown as the shell command that does the same. */
export function commandLine(file: string, args: readonly string[]): CommandLine {
  return { file, args: [...args], display: [file, ...args].map(shellQuote).join(" ") };
}

/** A shell command (a configured override such as `AIPM_BUILD_COMMAND`), run by `sh -c`. */
export function shellCommand(script: string): CommandLine {
  return { file: "sh", args: ["-c", script], display: script };
}

/** The last `lines` lines of some output, for an error message. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

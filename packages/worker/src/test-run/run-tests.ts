/**
 * @module test-run/run-tests: one run of a project's test command on the agent's work, in the
 * agent's sandbox with the agent's limits: the command with its reporter flags (see `command.ts`),
 * its output kept as a short tail, and its results file read with care (see `results.ts`).
 */
import { constants } from "node:fs";
import { lstat, mkdir, open, realpath, rm } from "node:fs/promises";
import path from "node:path";
import type { TestRunOutcome } from "@aipm/shared";
import { type AgentProfile, plainTextParser } from "../agent/profile.ts";
import { type ProfileRunOptions, type ProfileRunResult, runProfile } from "../agent/run-profile.ts";
import { detectTestCommand, type ResultFormat, withReporter } from "./command.ts";
import { parseGoTestJson, parseJestJson, parseJunitXml, type TestCaseResult } from "./results.ts";

/** The folder in the worktree the results go to; made afresh before each run. */
export const resultsFolder = ".aipm-test-results";
/** The largest results file read, in bytes; a larger one counts as unreadable. */
export const MAX_RESULTS_BYTES = 8 * 1024 * 1024;
/** How much of the end of the output a `tests.ran` event keeps. */
const TAIL_LINES = 40;
const TAIL_CHARACTERS = 4_000;

export type TestRunOptions = Pick<
  ProfileRunOptions,
  | "taskId"
  | "storyId"
  | "worktree"
  | "parentEnv"
  | "sandbox"
  | "limits"
  | "maxWorktreeBytes"
  | "totalTimeoutMs"
  | "idleTimeoutMs"
  | "signal"
  | "onSpawn"
  | "homeParent"
> & {
  /** The project's `testCommand`; null to detect one from the worktree. */
  projectCommand: string | null;
};

export interface TestRunReport {
  outcome: TestRunOutcome;
  /** The command as the project set it or as detected, before the reporter flags; null when none. */
  command: string | null;
  source: "project" | "detected" | null;
  /** Why the outcome is `not_run` or `error`, for people. */
  reason: string | null;
  exitCode: number | null;
  durationMs: number;
  cases: TestCaseResult[];
  /** The end of the output, without terminal escapes. */
  outputTail: string;
}

/**
 * Runs the project's test command (or the one its files imply) in `worktree`; never throws for
 * what the command does. Nothing detected is `not_run`.
 *
 * @example const report = await runTests({ projectCommand: null, worktree, taskId, storyId, ... });
 */
export async function runTests({ projectCommand, ...options }: TestRunOptions): Promise<TestRunReport> {
  const detected = projectCommand === null ? await detectTestCommand(options.worktree) : null;
  const command = projectCommand ?? detected;
  const source = projectCommand !== null ? "project" : detected !== null ? "detected" : null;
  const report = (fields: Partial<TestRunReport> & Pick<TestRunReport, "outcome">): TestRunReport => ({
    command,
    source,
    reason: null,
    exitCode: null,
    durationMs: 0,
    cases: [],
    outputTail: "",
    ...fields,
  });
  if (command === null)
    return report({
      outcome: "not_run",
      reason:
        "No test command: the project sets none, and the repository has no test script, pytest, go.mod, Cargo.toml or Maven/Gradle build to run.",
    });
  const folder = path.join(await realpath(options.worktree), resultsFolder);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder);
  const resultsFile = path.join(folder, "results");
  const reporting = await withReporter(command, options.worktree, resultsFile);
  const output: string[] = [];
  const run = await runProfile({
    ...options,
    profile: testProfile(reporting.command, resultsFile),
    // The test command gets the base environment only: none of the names an operator lets agents see.
    parentEnv: { ...options.parentEnv, AIPM_AGENT_ENV_ALLOW: undefined },
    onOutput: (_stream, text) => {
      output.push(text);
      if (output.length > TAIL_LINES * 4) output.splice(0, output.length - TAIL_LINES * 2);
    },
  });
  const results = await readResults(folder, reporting.format);
  await rm(folder, { recursive: true, force: true }).catch(() => {});
  const text = results.output ?? output.join("");
  const tail = outputTail(reporting.format === "go-json" ? `${output.join("")}${text}` : text);
  return report({
    ...judge(run, results.cases, results.problem),
    exitCode: run.run.exitCode,
    durationMs: Math.round(run.run.durationMs),
    cases: results.cases,
    outputTail: tail,
  });
}

/** The test command as a profile `runProfile` runs: a shell command, no provider, no network. */
function testProfile(command: string, resultsFile: string): AgentProfile {
  return {
    name: "tests",
    title: "Test command",
    executable: "/bin/sh",
    install: "",
    providerEnv: [],
    // Tests run on what is in the worktree; none reaches the network (see docs/worker.md).
    egress: () => [],
    missingConfiguration: () => null,
    launch: () => ({
      command,
      args: [],
      shell: true,
      env: {
        // Runners that would watch for changes (vitest) run once; no colours in the tail.
        CI: "true",
        NO_COLOR: "1",
        FORCE_COLOR: "0",
        // Go must not fetch another toolchain, and Python not write bytecode into the worktree.
        GOTOOLCHAIN: "local",
        GOFLAGS: "-mod=mod",
        GOPROXY: "off",
        PYTHONDONTWRITEBYTECODE: "1",
        AIPM_TEST_RESULTS: resultsFile,
      },
    }),
    parser: plainTextParser,
    leftovers: [],
  };
}

/** The outcome of a run from how the command ended and what its results say. */
function judge(
  run: ProfileRunResult,
  cases: readonly TestCaseResult[],
  problem: string | null,
): Pick<TestRunReport, "outcome" | "reason"> {
  const { reason, exitCode, error } = run.run;
  if (reason === "cancelled")
    return { outcome: "not_run", reason: "The task was stopped while its tests ran." };
  if (reason === "spawn_failed")
    return { outcome: "error", reason: error ?? "The test command could not start." };
  if (run.failure) return { outcome: "error", reason: run.failure.message };
  if (reason === "total_timeout" || reason === "idle_timeout")
    return {
      outcome: "error",
      reason: `The test command ran past the agent's time limit (${reason === "total_timeout" ? "AIPM_AGENT_TIMEOUT_S" : "AIPM_AGENT_IDLE_TIMEOUT_S"}) and was stopped.`,
    };
  const failed = cases.some((testCase) => testCase.status === "failed");
  if (exitCode === 0)
    return failed ? { outcome: "failed", reason: null } : { outcome: "passed", reason: problem };
  if (cases.length > 0) return { outcome: "failed", reason: null };
  return {
    outcome: "error",
    reason: `The test command exited with ${exitCode ?? run.run.signal} before reporting any test${problem ? `; ${problem}` : ""}.`,
  };
}

interface ReadResults {
  cases: TestCaseResult[];
  /** The readable output rebuilt from the results (`go test -json`), when they carry it. */
  output: string | null;
  /** Why no results could be read, when a file was expected. */
  problem: string | null;
}

/**
 * The results file in `folder`, parsed by `format` (JUnit XML when the runner is unknown). Read
 * only if `folder` is still a real folder and the file a regular file of at most
 * MAX_RESULTS_BYTES: the command that wrote it could have swapped either for a link or a pipe.
 */
async function readResults(folder: string, format: ResultFormat | null): Promise<ReadResults> {
  const none = (problem: string | null): ReadResults => ({ cases: [], output: null, problem });
  const info = await lstat(folder).catch(() => null);
  if (!info?.isDirectory()) return none("the test command removed its results folder");
  let text: string;
  try {
    const handle = await open(
      path.join(folder, "results"),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return none("its results are not a file");
      if (stats.size > MAX_RESULTS_BYTES)
        return none(`its results file holds more than ${MAX_RESULTS_BYTES / 1024 / 1024} MB`);
      const buffer = Buffer.alloc(stats.size);
      const { bytesRead } = await handle.read(buffer, 0, stats.size, 0);
      text = buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return none(format ? "it wrote no results file" : null);
  }
  if (format === "go-json") {
    const { cases, output } = parseGoTestJson(text);
    return { cases, output, problem: null };
  }
  return {
    cases: format === "jest-json" ? parseJestJson(text) : parseJunitXml(text),
    output: null,
    problem: null,
  };
}

/** The last lines of `text`, without terminal escapes or other control characters but tabs and newlines. */
export function outputTail(text: string): string {
  const clean = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what it removes
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b./g, "")
    .replace(/\r\n?/g, "\n")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, "");
  const lines = clean.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_CHARACTERS ? lines.slice(-TAIL_CHARACTERS) : lines;
}

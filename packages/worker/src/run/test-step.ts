/**
 * @module run/test-step: the tests' part of an attempt, after the agent's work is pushed: the
 * project's test command in the agent's sandbox, its results mapped to the story's acceptance
 * tests and recorded on them, and the `tests.ran` event that tells what happened.
 */
import { homedir } from "node:os";
import { dirname } from "node:path";
import type { CodeGenerationTask } from "@aipm/shared";
import type { NewEvent, StoredProject, StoryRecord } from "@aipm/store";
import type { Worktree } from "../git/workspace.ts";
import { sandboxProblem } from "../sandbox/bwrap.ts";
import { countCases, mapToAcceptanceTests } from "../test-run/results.ts";
import { runTests, type TestRunReport } from "../test-run/run-tests.ts";
import type { AttemptContext } from "./attempt.ts";

export interface TestStepInput {
  task: CodeGenerationTask;
  project: StoredProject;
  record: StoryRecord;
  worktree: Worktree;
  /** The commit the tests run on, already pushed. */
  commit: string;
  abort: AbortController;
}

export interface TestStepResult {
  /** The tests ran and did not pass (`failed` or `error`): the task ends `succeeded_with_failures`. */
  failed: boolean;
  /** `tests.ran`, and a `log` event when the results could not be recorded. */
  events: NewEvent[];
}

/**
 * Runs the project's tests on the pushed commit and records each acceptance test they name.
 *
 * @example const { failed, events } = await runTestStep(context, { task, project, record, worktree, commit, abort });
 */
export async function runTestStep(context: AttemptContext, input: TestStepInput): Promise<TestStepResult> {
  const { options } = context;
  const { task, record } = input;
  const problem = options.agentSandbox === "on" ? sandboxProblem() : null;
  const report: TestRunReport = problem
    ? notRunWithoutSandbox(problem, input.project.testCommand ?? null)
    : await runTests({
        projectCommand: input.project.testCommand ?? null,
        taskId: task.id,
        storyId: task.storyId,
        worktree: input.worktree.dir,
        parentEnv: options.parentEnv,
        sandbox:
          options.agentSandbox === "on"
            ? { egress: [], exclude: [options.cacheDir, dirname(options.cacheDir), homedir(), "/root"] }
            : null,
        ...(options.agentLimits ? { limits: options.agentLimits } : {}),
        ...(options.maxWorktreeBytes !== undefined ? { maxWorktreeBytes: options.maxWorktreeBytes } : {}),
        totalTimeoutMs: options.agentTimeoutMs,
        idleTimeoutMs: options.agentIdleTimeoutMs,
        signal: input.abort.signal,
      });
  const results = mapToAcceptanceTests(report.cases, new Set(record.acceptanceTests.map((test) => test.id)));
  const events: NewEvent[] = [{ type: "tests.ran", data: testsRanData(report, results, input.commit) }];
  if (results.length > 0) {
    try {
      await options.stories.recordTestResults(
        record.story.projectId,
        record.story.id,
        results.map(({ acceptanceTestId, status }) => ({ testId: acceptanceTestId, result: status })),
        { taskId: task.id, commit: input.commit, at: new Date().toISOString() },
      );
    } catch (error) {
      options.log.error("could not record the acceptance tests' results", {
        taskId: task.id,
        error: String(error),
      });
      events.push({
        type: "log",
        data: {
          message: "The acceptance tests' results could not be recorded on the story.",
          error: String(error),
        },
      });
    }
  }
  return { failed: report.outcome === "failed" || report.outcome === "error", events };
}

/** The `tests.ran` event's data: the outcome, the counts, the tail of the output and each acceptance test's result. */
function testsRanData(
  report: TestRunReport,
  results: ReturnType<typeof mapToAcceptanceTests>,
  commit: string,
): Record<string, unknown> {
  return {
    outcome: report.outcome,
    command: report.command,
    source: report.source,
    ...(report.reason ? { reason: report.reason } : {}),
    commit,
    exitCode: report.exitCode,
    ...countCases(report.cases),
    durationMs: report.durationMs,
    outputTail: report.outputTail,
    results,
  };
}

/** The report of tests that were not run because the sandbox they need cannot be made here. */
function notRunWithoutSandbox(problem: string, command: string | null): TestRunReport {
  return {
    outcome: "not_run",
    command,
    source: command === null ? null : "project",
    reason: `The tests were not run: ${problem}.`,
    exitCode: null,
    durationMs: 0,
    cases: [],
    outputTail: "",
  };
}

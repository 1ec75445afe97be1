import { describe, expect, it } from "vitest";
import type { ProfileRunResult } from "../agent/run-profile.ts";
import { GitError } from "../git/git.ts";
import { type AttemptCircumstances, type AttemptEnd, agentRunEndsAttempt, taskOutcome } from "./outcome.ts";

const limits = { totalTimeoutMs: 1_800_000, idleTimeoutMs: 600_000 };
const run = (overrides: Partial<ProfileRunResult["run"]>): ProfileRunResult["run"] => ({
  exitCode: 0,
  signal: null,
  reason: "exited",
  durationMs: 10,
  outputBytes: 0,
  truncated: false,
  ...overrides,
});
const agentEnded = (
  overrides: Partial<ProfileRunResult["run"]>,
  failure: ProfileRunResult["failure"] = null,
) => ({ type: "agent_ended", run: { run: run(overrides), failure }, lastOutput: "boom" }) as const;
const logged = { type: "log", data: { message: "Protected paths were changed.", paths: ["a"] } } as const;
const pushed = { type: "git.pushed", data: { commit: "c1", branch: "aipm/x" } } as const;
const testsFailed = { type: "tests.ran", data: { outcome: "failed", failed: 1 } } as const;
const ran: AttemptCircumstances = { leaseLost: false, abortReason: undefined, limits };
const cancelled: AttemptCircumstances = { ...ran, abortReason: "cancel requested" };
const shutDown: AttemptCircumstances = { ...ran, abortReason: "shutdown" };
const leaseLost: AttemptCircumstances = { ...ran, leaseLost: true, abortReason: "lease lost" };

/** How an attempt ended, in what circumstances, and the outcome the worker must record. */
const cases: [string, AttemptEnd, AttemptCircumstances, unknown][] = [
  [
    "a commit succeeds with its events",
    { type: "committed", commit: "c1", events: [logged, pushed] },
    ran,
    { action: "succeed", commit: "c1", events: [logged, pushed] },
  ],
  [
    "a commit whose tests failed succeeds with failures",
    { type: "committed", commit: "c1", events: [pushed, testsFailed], testsFailed: true },
    ran,
    { action: "succeed_with_failures", commit: "c1", events: [pushed, testsFailed] },
  ],
  [
    "a commit whose tests passed succeeds",
    { type: "committed", commit: "c1", events: [pushed], testsFailed: false },
    ran,
    { action: "succeed", commit: "c1", events: [pushed] },
  ],
  [
    "this task's earlier commit, whose tests failed now, succeeds with failures",
    { type: "nothing_to_commit", earlierCommit: "c0", events: [testsFailed], testsFailed: true },
    ran,
    {
      action: "succeed_with_failures",
      commit: "c0",
      events: [
        testsFailed,
        {
          type: "log",
          data: { message: "An earlier attempt already pushed this task's commit.", commit: "c0" },
        },
      ],
    },
  ],
  [
    "nothing to commit fails, keeping the events",
    { type: "nothing_to_commit", earlierCommit: null, events: [logged] },
    ran,
    {
      action: "fail",
      error: {
        code: "nothing_to_commit",
        message: "The agent finished without changing any file that may be committed.",
      },
      events: [logged],
    },
  ],
  [
    "nothing to commit on top of this task's own earlier commit succeeds with that commit",
    { type: "nothing_to_commit", earlierCommit: "c0", events: [] },
    ran,
    {
      action: "succeed",
      commit: "c0",
      events: [
        {
          type: "log",
          data: { message: "An earlier attempt already pushed this task's commit.", commit: "c0" },
        },
      ],
    },
  ],
  [
    "a rejected push is push_rejected",
    { type: "threw", error: new GitError("git push failed: rejected", ["push", "origin"], "rejected") },
    ran,
    {
      action: "fail",
      error: {
        code: "push_rejected",
        message: "git push failed: rejected The branch moved meanwhile; retry the task.",
      },
    },
  ],
  [
    "another git failure is git_failed",
    { type: "threw", error: new GitError("git fetch failed: gone", ["fetch"], "gone") },
    ran,
    { action: "fail", error: { code: "git_failed", message: "git fetch failed: gone" } },
  ],
  [
    "any other error is worker_error",
    { type: "threw", error: new Error("disk full") },
    ran,
    { action: "fail", error: { code: "worker_error", message: "disk full" } },
  ],
  [
    "a thrown non-error is worker_error",
    { type: "threw", error: "odd" },
    ran,
    { action: "fail", error: { code: "worker_error", message: "odd" } },
  ],
  [
    "a deleted story fails",
    { type: "gone" },
    ran,
    {
      action: "fail",
      error: {
        code: "worker_error",
        message: "The story or its project was deleted before the agent ran.",
      },
    },
  ],
  [
    "no sandbox fails without starting the agent",
    { type: "sandbox_unavailable", problem: "bwrap is not installed" },
    ran,
    {
      action: "fail",
      error: {
        code: "agent_sandbox_unavailable",
        message: "The agent was not started: bwrap is not installed.",
      },
    },
  ],
  [
    "a failed agent fails with its last output",
    agentEnded({ exitCode: 3 }),
    ran,
    {
      action: "fail",
      error: { code: "agent_failed", message: "The agent exited with code 3. Last output:\nboom" },
    },
  ],
  [
    "a failure the agent's output reported fails",
    agentEnded({}, { code: "agent_auth_failed", message: "Invalid API key" }),
    ran,
    { action: "fail", error: { code: "agent_auth_failed", message: "Invalid API key" } },
  ],
  [
    "the total timeout times out",
    agentEnded({ reason: "total_timeout", exitCode: null }),
    ran,
    {
      action: "time_out",
      error: { code: "agent_timeout", message: expect.stringContaining("1800 s (AIPM_AGENT_TIMEOUT_S)") },
    },
  ],
  [
    "silence times out",
    agentEnded({ reason: "idle_timeout", exitCode: null }),
    ran,
    {
      action: "time_out",
      error: { code: "agent_idle_timeout", message: expect.stringContaining("600 s") },
    },
  ],
  [
    "a requested cancel confirms the cancel",
    agentEnded({ reason: "cancelled", exitCode: null }),
    cancelled,
    { action: "confirm_cancel" },
  ],
  [
    "a stop for a shutdown hands the task back",
    agentEnded({ reason: "cancelled", exitCode: null }),
    shutDown,
    { action: "release" },
  ],
  [
    "a cancelled run nobody asked to stop hands the task back",
    agentEnded({ reason: "cancelled", exitCode: null }),
    ran,
    { action: "release" },
  ],
  [
    "a failure after a cancel request is still a failure",
    { type: "threw", error: new Error("disk full") },
    cancelled,
    { action: "fail", error: { code: "worker_error", message: "disk full" } },
  ],
  [
    "a lost lease records nothing after an agent's stop",
    agentEnded({ reason: "cancelled", exitCode: null }),
    leaseLost,
    null,
  ],
  [
    "a lost lease records nothing, even after a commit",
    { type: "committed", commit: "c1", events: [] },
    leaseLost,
    null,
  ],
  [
    "a lost lease records nothing after a rejected push",
    { type: "threw", error: new GitError("git push failed", ["push"], "") },
    { ...leaseLost, abortReason: "cancel requested" },
    null,
  ],
];

describe("taskOutcome", () => {
  it.each(cases)("%s", (_name, end, circumstances, expected) => {
    expect(taskOutcome(end, circumstances)).toEqual(expected);
  });
});

describe("agentRunEndsAttempt", () => {
  it.each<[string, ProfileRunResult["run"], ProfileRunResult["failure"], boolean]>([
    ["a clean exit goes on to commit", run({}), null, false],
    ["a failed exit ends it", run({ exitCode: 1 }), null, true],
    ["a reported failure ends it", run({}), { code: "agent_budget_exceeded", message: "over" }, true],
    ["a cancel ends it", run({ reason: "cancelled", exitCode: null }), null, true],
    ["a timeout ends it", run({ reason: "total_timeout", exitCode: null }), null, true],
    ["a missing command ends it", run({ reason: "spawn_failed", exitCode: null }), null, true],
  ])("%s", (_name, agentRun, failure, expected) => {
    expect(agentRunEndsAttempt({ run: agentRun, failure })).toBe(expected);
  });
});

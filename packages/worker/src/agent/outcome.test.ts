import { describe, expect, it } from "vitest";
import { agentRunOutcome } from "./outcome.ts";
import type { ProfileRunResult } from "./run-profile.ts";

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
const auth = { code: "agent_auth_failed", message: "Invalid API key" } as const;

describe("agentRunOutcome", () => {
  it.each([
    ["a clean exit goes on to commit", run({}), null, null],
    [
      "a cancel confirms the cancel",
      run({ reason: "cancelled", exitCode: null }),
      null,
      { action: "confirm_cancel" },
    ],
    [
      "a failure the output reported wins over the stop it caused",
      run({ reason: "cancelled", exitCode: null, signal: "SIGTERM" }),
      auth,
      { action: "fail", error: auth },
    ],
    [
      "a failure the output reported wins over a clean exit",
      run({}),
      { code: "agent_budget_exceeded", message: "over" },
      { action: "fail", error: { code: "agent_budget_exceeded", message: "over" } },
    ],
    [
      "the total timeout times out",
      run({ reason: "total_timeout", exitCode: null }),
      null,
      {
        action: "time_out",
        error: { code: "agent_timeout", message: expect.stringContaining("1800 s (AIPM_AGENT_TIMEOUT_S)") },
      },
    ],
    [
      "silence times out",
      run({ reason: "idle_timeout", exitCode: null }),
      null,
      {
        action: "time_out",
        error: { code: "agent_idle_timeout", message: expect.stringContaining("600 s") },
      },
    ],
    [
      "a missing command is agent_not_found with the run's message",
      run({ reason: "spawn_failed", exitCode: null, error: "agent command not found: claude" }),
      null,
      { action: "fail", error: { code: "agent_not_found", message: "agent command not found: claude" } },
    ],
    [
      "a failed exit is agent_failed with the last output",
      run({ exitCode: 3 }),
      null,
      {
        action: "fail",
        error: { code: "agent_failed", message: "The agent exited with code 3. Last output:\nboom" },
      },
    ],
  ] as const)("%s", (_name, agentRun, reported, expected) => {
    expect(agentRunOutcome({ run: agentRun, failure: reported }, limits, "boom")).toEqual(expected);
  });
});

/**
 * @module run/agent-step: the agent's part of an attempt: its output into the task's events, the
 * scaffold agent or a CLI agent through its profile (in its sandbox when required), and what it
 * consumed. Reports whether the run ended the attempt.
 */
import { homedir } from "node:os";
import { dirname } from "node:path";
import type { AgentUsage, CodeGenerationTask } from "@aipm/shared";
import type { NewEvent, StoryRecord } from "@aipm/store";
import type { AgentProfile } from "../agent/profile.ts";
import { profileFor } from "../agent/profiles/index.ts";
import { type ProfileRunResult, runProfile } from "../agent/run-profile.ts";
import { runScaffoldAgent } from "../agents/scaffold.ts";
import type { Worktree } from "../git/workspace.ts";
import { createOutputBuffer, type OutputBuffer } from "../output-buffer.ts";
import { sandboxProblem } from "../sandbox/bwrap.ts";
import type { AttemptContext } from "./attempt.ts";
import { type AttemptEnd, agentRunEndsAttempt } from "./outcome.ts";

export interface AgentStepInput {
  task: CodeGenerationTask;
  worktree: Worktree;
  record: StoryRecord;
  abort: AbortController;
  spent: { usage: AgentUsage | null };
}

export interface AgentStepResult {
  /** How the attempt ended, when the agent's run ended it; null to go on and commit. */
  end: AttemptEnd | null;
  /** `performance.now()` when the agent was about to start. */
  startedAt: number;
  /** Globs of files the agent's CLI writes for itself, left out of the commit. */
  leftoverGlobs: readonly string[];
}

/** @example const { end } = await runAgentStep(context, { task, worktree, record, abort, spent }); */
export async function runAgentStep(context: AttemptContext, input: AgentStepInput): Promise<AgentStepResult> {
  const { options } = context;
  const { task } = input;
  const lease = { leaseOwner: options.id };
  const output = createOutputBuffer((events) => options.tasks.appendEvents(task.id, events, lease));
  const agentStarted: NewEvent = {
    type: "agent.started",
    data: { agent: task.agent, baseCommit: input.worktree.baseSha, attempt: task.attempt },
  };
  await options.tasks.appendEvents(task.id, [agentStarted], lease);
  const startedAt = performance.now();
  const profile = profileFor(task.agent);
  let end: AttemptEnd | null = null;
  if (!profile) {
    const scaffold = await runScaffoldAgent({
      worktree: input.worktree.dir,
      story: input.record.story,
      acceptanceTests: input.record.acceptanceTests,
    });
    output.push("stdout", `${scaffold.summary}\n`);
  } else if (options.agentSandbox === "on" && sandboxProblem()) {
    end = { type: "sandbox_unavailable", problem: String(sandboxProblem()) };
  } else {
    end = await runCliAgent(context, input, profile, output);
  }
  await output.close();
  options.metrics.agentDuration.observe(
    { agent: task.agent.startsWith("command:") ? "command" : task.agent },
    (performance.now() - startedAt) / 1000,
  );
  return { end, startedAt, leftoverGlobs: profile?.leftovers ?? [] };
}

/** Runs a CLI agent through `profile` and records how it exited and what it consumed. */
async function runCliAgent(
  context: AttemptContext,
  input: AgentStepInput,
  profile: AgentProfile,
  output: OutputBuffer,
): Promise<AttemptEnd | null> {
  const { options, agentGroups } = context;
  const { task } = input;
  try {
    const run = await runProfile({
      profile,
      sandbox:
        options.agentSandbox === "on"
          ? {
              egress: options.agentEgress ?? [],
              // The worker's cache and, in local mode, the data dir around it; the worker's
              // HOME and root's, where credentials live.
              exclude: [options.cacheDir, dirname(options.cacheDir), homedir(), "/root"],
            }
          : null,
      ...(options.maxWorktreeBytes !== undefined ? { maxWorktreeBytes: options.maxWorktreeBytes } : {}),
      ...(options.agentLimits ? { limits: options.agentLimits } : {}),
      taskId: task.id,
      storyId: task.storyId,
      worktree: input.worktree.dir,
      parentEnv: options.parentEnv,
      ...(options.agentModel ? { model: options.agentModel } : {}),
      ...(options.maxBudgetUsd !== undefined ? { maxBudgetUsd: options.maxBudgetUsd } : {}),
      totalTimeoutMs: options.agentTimeoutMs,
      idleTimeoutMs: options.agentIdleTimeoutMs,
      signal: input.abort.signal,
      onOutput: (stream, text) => output.push(stream, text),
      onSpawn: (processGroupId) => void agentGroups.add(task.id, processGroupId).catch(() => {}),
    });
    await output.flush();
    input.spent.usage = run.usage;
    await options.tasks.appendEvents(task.id, exitEvents(run), { leaseOwner: options.id });
    return agentRunEndsAttempt(run) ? { type: "agent_ended", run, lastOutput: output.tail(20) } : null;
  } finally {
    await agentGroups.remove(task.id);
  }
}

/** `agent.exited`, and `agent.usage` when the agent reported any. */
function exitEvents(run: ProfileRunResult): NewEvent[] {
  const exited: NewEvent = {
    type: "agent.exited",
    data: {
      reason: run.failure ? run.failure.code : run.run.reason,
      exitCode: run.run.exitCode,
      signal: run.run.signal,
      durationMs: Math.round(run.run.durationMs),
      truncated: run.run.truncated,
    },
  };
  return run.usage ? [exited, { type: "agent.usage", data: run.usage }] : [exited];
}

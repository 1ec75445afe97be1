/**
 * @module run/attempt: one attempt of a task: prepare its worktree, run the agent, commit and push
 * what it left, then run the project's tests on it. Reports how the attempt ended; `taskOutcome`
 * says what that means for the task.
 */

import {
  type AgentUsage,
  type CodeGenerationTask,
  readCommitTrailers,
  writeCommitTrailers,
} from "@aipm/shared";
import type { NewEvent } from "@aipm/store";
import type { AgentGroupRecord } from "../agent/leftovers.ts";
import { git } from "../git/git.ts";
import {
  type CommitResult,
  commitAndPush,
  prepareWorktree,
  releaseWorktree,
  type Worktree,
} from "../git/workspace.ts";
import type { WorkerOptions } from "../worker.ts";
import { runAgentStep } from "./agent-step.ts";
import type { AttemptEnd } from "./outcome.ts";
import { runTestStep } from "./test-step.ts";

/** What an attempt needs from its worker. */
export interface AttemptContext {
  options: WorkerOptions;
  agentGroups: AgentGroupRecord;
}

/**
 * Runs one attempt of `task`; what the agent consumed is left in `spent.usage`, whatever the end.
 * Never throws: what throws ends the attempt as `{ type: "threw" }`.
 *
 * @example const end = await runAttempt(context, task, abort, spent); const outcome = taskOutcome(end, ...);
 */
export async function runAttempt(
  context: AttemptContext,
  task: CodeGenerationTask,
  abort: AbortController,
  spent: { usage: AgentUsage | null },
): Promise<AttemptEnd> {
  const { options } = context;
  try {
    const [record, project] = await Promise.all([
      options.stories.getStory(task.storyId),
      options.projects.get(task.projectId),
    ]);
    if (!record || !project) return { type: "gone" };
    const overheadStarted = performance.now();
    const access = await options.repositoryAccess(task.projectId);
    const worktree = await prepareWorktree({ cacheDir: options.cacheDir, access, branch: task.branch });
    try {
      const agent = await runAgentStep(context, { task, worktree, record, abort, spent });
      if (agent.end) return agent.end;
      const prepareMs = agent.startedAt - overheadStarted;
      const commitStarted = performance.now();
      const committed = await commitAndPush({
        worktree,
        access,
        message: commitMessage(task, record.story),
        author: options.gitAuthor,
        protectedGlobs: options.protectedGlobs,
        leftoverGlobs: agent.leftoverGlobs,
      });
      options.metrics.workerOverhead.observe((prepareMs + performance.now() - commitStarted) / 1000);
      const end = await commitEnd(task, worktree, committed);
      const commit =
        end.type === "committed" ? end.commit : end.type === "nothing_to_commit" ? end.earlierCommit : null;
      if (!commit || (end.type !== "committed" && end.type !== "nothing_to_commit")) return end;
      const tests = await runTestStep(context, { task, project, record, worktree, commit, abort });
      return { ...end, events: [...end.events, ...tests.events], testsFailed: tests.failed };
    } finally {
      await releaseWorktree(worktree);
    }
  } catch (error) {
    return { type: "threw", error };
  }
}

/** The worker's commit message: the story's title and id, then the task's trailers. */
export function commitMessage(
  task: Pick<CodeGenerationTask, "id" | "attempt" | "agent">,
  story: { id: string; title: string },
): string {
  return writeCommitTrailers(
    { subject: `AIPM: ${story.title}`, body: [`Story ${story.id}`] },
    { taskId: task.id, attempt: task.attempt, agent: task.agent },
  );
}

/** How an attempt that got to commit ended, with the events that tell what was left out and what was pushed. */
async function commitEnd(
  task: CodeGenerationTask,
  worktree: Worktree,
  committed: CommitResult,
): Promise<AttemptEnd> {
  const events: NewEvent[] = [];
  if (committed.protectedPaths.length > 0)
    events.push({
      type: "log",
      data: {
        message: "Protected paths were changed by the agent and left out of the commit.",
        paths: committed.protectedPaths,
      },
    });
  if (committed.leftoverPaths.length > 0)
    events.push({
      type: "log",
      data: {
        message: "Files the agent's CLI wrote for itself were left out of the commit.",
        paths: committed.leftoverPaths.slice(0, 50),
      },
    });
  if (!committed.commit) {
    // The commit the task started from may be this task's own, pushed by an earlier attempt.
    const base = await git(["log", "-1", "--format=%B", worktree.baseSha], { cwd: worktree.dir });
    const earlier = readCommitTrailers(base)?.taskId === task.id ? worktree.baseSha : null;
    return { type: "nothing_to_commit", earlierCommit: earlier, events };
  }
  events.push(
    {
      type: "git.committed",
      data: {
        commit: committed.commit,
        files: committed.files.slice(0, 200),
        fileCount: committed.files.length,
      },
    },
    { type: "git.pushed", data: { commit: committed.commit, branch: task.branch } },
  );
  return { type: "committed", commit: committed.commit, events };
}

/**
 * @module routes/task-runs: starting a run of the agent on a story's pull request, the one path
 * Generate Code & PR, Retry and Request changes share. It takes the story's lock, writes TASK.md
 * (the story as it is now, the review rounds' feedback, this run's instructions) to the branch
 * through the forge, opening the pull request when there is none, and queues the task in one
 * transaction with its events.
 */
import {
  type AgentName,
  type CodeGenerationTask,
  checkStoryStatusChange,
  isTerminalTaskStatus,
  newId,
  newQueuedTask,
  renderTaskMarkdown,
  storyStatusForPullRequest,
} from "@aipm/shared";
import {
  ACTIVE_TASK_PART,
  isStoreError,
  type NewEvent,
  presentProject,
  type StoredProject,
  type StoryRecord,
  type TransactionPart,
} from "@aipm/store";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { lineage } from "./stories.ts";

/**
 * How long a request holds the story's lock while it writes to the forge, before the task exists:
 * longer than any request runs (the Lambda stops at 25 s), so only a request whose process died
 * leaves the story refusing new tasks, and only this long.
 */
const RESERVATION_SECONDS = 300;

export interface RunRequest {
  record: StoryRecord;
  project: StoredProject;
  /** The branch the run works on: the story's own for Generate, the pull request's for the others. */
  branch: string;
  agent: AgentName;
  maxAttempts: number;
  round: number;
  /** Each round's feedback after the first, oldest first; the last is this run's when it is a review round. */
  rounds: readonly { round: number; feedback: string }[];
  /** This round's feedback (Request changes), stored on the task. */
  feedback: string | null;
  instructions: string | null;
  retryOf: string | null;
  commitMessage: string;
  /** Events after `pull_request.opened` and `task.queued` (a forced start, a round's feedback). */
  queuedData?: Record<string, unknown>;
  /** Moves the story to In Progress (Generate), where the story rules allow it. */
  moveStory: boolean;
  /** The Idempotency-Key's completion, written in the task's transaction. */
  completion?: (answer: RunAnswer) => TransactionPart | null;
}

export interface RunAnswer {
  task: CodeGenerationTask;
  pullRequest: { number: number; url: string; branch: string };
}

/**
 * Throws 409 `task-active` when one of the story's tasks is queued or running: the clear answer
 * before any work. (`startRun`'s lock decides races between requests.)
 */
export function requireNoActiveTask(storyId: string, storyTasks: readonly CodeGenerationTask[]): void {
  const active = storyTasks.find((task) => !isTerminalTaskStatus(task.status));
  if (active) {
    throw ApiError.conflict(
      `Story ${storyId} already has ${active.status} task ${active.id}. Cancel it or wait for it to finish.`,
      "task-active",
    );
  }
}

/**
 * Starts the run: 409 `task-active` when the story has an active task or another request is
 * starting one, the forge's error when it refuses TASK.md, else the queued task.
 */
export async function startRun(deps: AppDeps, run: RunRequest): Promise<RunAnswer> {
  const { record, project } = run;
  const { story } = record;
  const forge = deps.forges[project.repository.provider];
  if (!forge) {
    throw new ApiError(
      422,
      `This deployment has no ${project.repository.provider} forge configured; set it up or use a project on another provider.`,
      { type: "forge-unavailable" },
    );
  }
  // The story's lock, taken before the forge is touched: of concurrent requests, only the one
  // that will queue the task writes TASK.md and opens the pull request.
  const taskId = newId("task");
  if (!(await deps.tasks.reserveStory(story.id, taskId, RESERVATION_SECONDS))) {
    throw ApiError.conflict(
      `Story ${story.id} already has an active task, or another request is starting one. Cancel it or wait for it to finish.`,
      "task-active",
    );
  }
  try {
    // Only the stories TASK.md names are read, not the whole project (which may hold thousands).
    const [parents, dependsOn] = await Promise.all([
      lineage(deps.stories, story.projectId, story.parentId).then((line) => line.reverse()),
      deps.stories.getStories(
        story.projectId,
        record.dependencies.map((dependency) => dependency.dependsOnId),
      ),
    ]);
    const taskMarkdown = renderTaskMarkdown({
      project: presentProject(project, deps),
      story,
      acceptanceTests: [...record.acceptanceTests].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
      parentChain: parents,
      dependsOn,
      task: { id: taskId, branch: run.branch },
      rounds: run.rounds,
      instructions: run.instructions,
    });
    const started = performance.now();
    const pullRequest = await forge.openPullRequest({
      repository: project.repository,
      baseBranch: project.repository.defaultBranch,
      branch: run.branch,
      // Used only when the run opens the pull request (an open one is kept as it is).
      title: `${story.title} [AIPM]`,
      body: `Story \`${story.id}\` from AIPM project ${project.name}.\n\nThe coding agent implements TASK.md on this branch (task \`${taskId}\`).\n`,
      files: [{ path: "TASK.md", content: taskMarkdown }],
      commitMessage: run.commitMessage,
      author: deps.gitAuthor,
    });
    const forgeMs = Math.round(performance.now() - started);

    const task = newQueuedTask({
      id: taskId,
      projectId: project.id,
      storyId: story.id,
      agent: run.agent,
      branch: run.branch,
      pullRequest: { number: pullRequest.number, url: pullRequest.url },
      maxAttempts: run.maxAttempts,
      retryOf: run.retryOf,
      round: run.round,
      feedback: run.feedback,
      instructions: run.instructions,
      now: deps.now().toISOString(),
    });
    const events: NewEvent[] = [
      {
        type: "pull_request.opened",
        data: {
          number: pullRequest.number,
          url: pullRequest.url,
          branch: run.branch,
          created: pullRequest.created,
          forgeMs,
        },
      },
      {
        type: "task.queued",
        data: {
          agent: task.agent,
          attempt: 1,
          round: task.round,
          ...(run.retryOf ? { retryOf: run.retryOf } : {}),
          ...(run.instructions ? { instructions: true } : {}),
          ...run.queuedData,
        },
      },
    ];
    const answer = {
      task,
      pullRequest: { number: pullRequest.number, url: pullRequest.url, branch: run.branch },
    };
    // The task, its events, the story's move and the response remembered for the
    // Idempotency-Key: one transaction, one round trip.
    await queueTask(
      deps,
      task,
      events,
      run.moveStory ? storyMove(deps, record) : null,
      run.completion?.(answer) ?? null,
    );
    deps.wakeWorkers();
    deps.log.info("task queued", {
      taskId,
      storyId: story.id,
      pullRequest: pullRequest.number,
      round: task.round,
      forgeMs,
    });
    return answer;
  } catch (error) {
    await deps.tasks.releaseReservation(story.id, taskId).catch((releaseError: unknown) => {
      deps.log.error("story reservation not released", {
        storyId: story.id,
        taskId,
        error: String(releaseError),
      });
    });
    throw error;
  }
}

/**
 * The story's move to In Progress when its pull request opens, if the story rules allow it, as a
 * part of the task's transaction; null when the story stays where it is.
 */
function storyMove(deps: AppDeps, record: StoryRecord): TransactionPart | null {
  const to = storyStatusForPullRequest("opened", record.story.status);
  if (to === record.story.status) return null;
  const check = checkStoryStatusChange({
    story: record.story,
    to,
    acceptanceTests: record.acceptanceTests,
    children: [],
  });
  if (!check.ok) return null;
  return deps.stories.updateStoryPart(record, { status: to }, deps.now().toISOString());
}

/**
 * Writes the task with its events, the story's move and the idempotency completion at once. When
 * the story changed since it was read, its status is the user's to set now: the task is queued
 * without the move.
 */
async function queueTask(
  deps: AppDeps,
  task: CodeGenerationTask,
  events: readonly NewEvent[],
  move: TransactionPart | null,
  completion: TransactionPart | null,
): Promise<void> {
  const others = completion ? [completion] : [];
  try {
    try {
      await deps.tasks.create(task, events, move ? [move, ...others] : others);
    } catch (error) {
      if (!move || !isStoreError(error, "conflict") || !error.parts.includes(move.name)) throw error;
      if (error.parts.includes(ACTIVE_TASK_PART)) throw error;
      await deps.tasks.create(task, events, others);
    }
  } catch (error) {
    throw activeTaskConflict(error);
  }
}

/** A task's creation refused because its story has another active task, as the API's 409 `task-active`; other errors as they are. */
export function activeTaskConflict(error: unknown): unknown {
  return isStoreError(error, "conflict") && error.parts.includes(ACTIVE_TASK_PART)
    ? ApiError.conflict(error.message, "task-active")
    : error;
}

/**
 * The review rounds of the tasks on one pull request: the next round's number, and each earlier
 * round's feedback (the latest task of each round after the first), oldest first.
 */
export function pullRequestRounds(tasks: readonly CodeGenerationTask[]): {
  next: number;
  rounds: { round: number; feedback: string }[];
} {
  const byRound = new Map<number, CodeGenerationTask>();
  for (const task of [...tasks].sort((a, b) => a.createdAt.localeCompare(b.createdAt)))
    byRound.set(task.round, task);
  const rounds = [...byRound.values()]
    .filter((task) => task.round > 1 && task.feedback)
    .sort((a, b) => a.round - b.round)
    .map((task) => ({ round: task.round, feedback: task.feedback ?? "" }));
  return { next: Math.max(0, ...byRound.keys()) + 1, rounds };
}

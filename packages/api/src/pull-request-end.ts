/**
 * @module pull-request-end: what a pull request's merge or close does to its tasks and its story,
 * whoever ended it (AIPM's Merge and Close, or GitHub's webhook): one rule for both.
 */
import {
  checkStoryStatusChange,
  isTerminalTaskStatus,
  type StoryStatus,
  storyStatusAfterMerge,
  storyStatusForPullRequest,
} from "@aipm/shared";
import { isStoreError, type StoryRecord } from "@aipm/store";
import type { AppDeps } from "./deps.ts";

export interface PullRequestEnd {
  number: number;
  merged: boolean;
}

export interface StoryAfterPullRequest {
  status: StoryStatus;
  /** Why the story is not Done after a merge (it went to Review); null otherwise. */
  reason: string | null;
}

/**
 * The story's status once its pull request ended: after a merge, Done when the story rules (and the
 * project's `doneRequiresPassingTests`) allow it, else Review with the reason; after a close, an In
 * Progress story goes back to Ready.
 */
export async function storyAfterPullRequest(
  deps: AppDeps,
  record: StoryRecord,
  merged: boolean,
): Promise<StoryAfterPullRequest> {
  const { story } = record;
  if (!merged) {
    const to = storyStatusForPullRequest("closed", story.status);
    const allowed = checkStoryStatusChange({
      story,
      to,
      acceptanceTests: record.acceptanceTests,
      children: [],
    });
    return { status: allowed.ok ? to : story.status, reason: null };
  }
  const [project, contents] = await Promise.all([
    deps.projects.get(story.projectId),
    record.childCount > 0 ? deps.stories.readProject(story.projectId) : null,
  ]);
  return storyStatusAfterMerge({
    story,
    acceptanceTests: record.acceptanceTests,
    children: contents?.stories.filter((candidate) => candidate.parentId === story.id) ?? [],
    requirePassingTests: project?.doneRequiresPassingTests ?? true,
  });
}

/** How often a story edited meanwhile is read again before its move is given up. */
const MOVE_ATTEMPTS = 3;

/**
 * Moves the story to `after`. The pull request has already ended on its forge, so a story edited
 * meanwhile (a stale version) is read again and moved, rather than failing the merge's answer.
 */
async function moveStory(deps: AppDeps, record: StoryRecord, after: StoryAfterPullRequest): Promise<void> {
  let current: StoryRecord | null = record;
  for (let attempt = 1; current; attempt++) {
    const { story } = current;
    if (after.status === story.status && (after.reason ?? null) === (story.statusReason ?? null)) return;
    try {
      await deps.stories.updateStory(
        current,
        { status: after.status, statusReason: after.reason },
        deps.now().toISOString(),
      );
      return;
    } catch (error) {
      if (!isStoreError(error, "stale_version") || attempt >= MOVE_ATTEMPTS) throw error;
      current = await deps.stories.getStory(story.id);
    }
  }
}

/**
 * Records the pull request's end on its tasks (cancelling an active one) and moves the story by
 * {@link storyAfterPullRequest}; the tasks' `pull_request.merged` event carries where the story went
 * and why. Returns the story's new status and reason.
 */
export async function applyPullRequestEnd(
  deps: AppDeps,
  record: StoryRecord,
  end: PullRequestEnd,
): Promise<StoryAfterPullRequest> {
  const storyId = record.story.id;
  const after = await storyAfterPullRequest(deps, record, end.merged);
  const tasks = await deps.tasks.list({ projectId: record.story.projectId, storyId, limit: 1000 });
  for (const task of tasks) {
    if (task.pullRequest.number !== end.number) continue;
    await deps.tasks.appendEvents(task.id, [
      {
        type: end.merged ? "pull_request.merged" : "pull_request.closed",
        data: {
          number: end.number,
          storyStatus: after.status,
          ...(after.reason ? { reason: after.reason } : {}),
        },
      },
    ]);
    if (!isTerminalTaskStatus(task.status) && !task.cancelRequested) {
      await deps.tasks
        .transition(task.id, "request_cancel", { data: { reason: "pull request closed" } })
        .catch(() => {});
    }
  }
  await moveStory(deps, record, after);
  deps.log.info("pull request end applied", {
    storyId,
    merged: end.merged,
    status: after.status,
  });
  return after;
}

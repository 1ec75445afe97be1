/**
 * @module logic/pull-request: the state of a story's pull request, from its task's events.
 */
import type { TaskEvent } from "../domain.ts";

export type PullRequestState = "open" | "merged" | "closed";

/**
 * Open until a `pull_request.merged` or `pull_request.closed` event says otherwise; the last one wins.
 *
 * @example pullRequestState([{ type: "pull_request.opened" }, { type: "pull_request.merged" }]) // "merged"
 */
export function pullRequestState(events: readonly Pick<TaskEvent, "type">[]): PullRequestState {
  let state: PullRequestState = "open";
  for (const event of events) {
    if (event.type === "pull_request.merged") state = "merged";
    else if (event.type === "pull_request.closed") state = "closed";
    else if (event.type === "pull_request.opened") state = "open";
  }
  return state;
}

/**
 * @module github-pulls: pull requests on GitHub for the GitHub forge: find a branch's open pull
 * request, open one (finding the one opened meanwhile), read one's state, files and checks, merge
 * it (as branch protection allows) and close it.
 */
import {
  type ChecksSummary,
  diffLimits,
  ForgeError,
  type MergeOptions,
  type MergeResult,
  type OpenPullRequestInput,
  type PullRequestFile,
  type PullRequestFileStatus,
  type PullRequestFiles,
  type PullRequestInfo,
  type ReviewComment,
} from "./forge.ts";
import type { GitHubRepoSession } from "./github-client.ts";
import { githubMessage, isGitHubError, statusOf } from "./github-errors.ts";
import { capPatch } from "./local-git-diff.ts";

const fileStatuses: readonly string[] = ["added", "removed", "modified", "renamed", "copied", "changed"];
const failedConclusions = new Set(["failure", "cancelled", "timed_out", "action_required", "stale"]);

/** The check runs of a commit, combined into one state. */
export function combineChecks(
  runs: readonly { name: string; status: string; conclusion: string | null; html_url?: string | null }[],
): ChecksSummary {
  const state =
    runs.length === 0
      ? "none"
      : runs.some((run) => run.status !== "completed")
        ? "pending"
        : runs.some((run) => failedConclusions.has(run.conclusion ?? ""))
          ? "failure"
          : "success";
  return {
    state,
    runs: runs.map((run) => ({
      name: run.name,
      status: run.status,
      conclusion: run.conclusion,
      url: run.html_url ?? null,
    })),
  };
}

export interface FoundPull {
  number: number;
  url: string;
  headSha: string;
}

const pullOf = (pull: { number: number; html_url: string; head: { sha: string } }): FoundPull => ({
  number: pull.number,
  url: pull.html_url,
  headSha: pull.head.sha,
});

/** The pull request calls on one repository; each names what it does, for its error message. */
export function githubPulls({ client, owner, name, where, call }: GitHubRepoSession) {
  const listOpenPulls = async (branch: string) =>
    (await client.rest.pulls.list({ owner, repo: name, head: `${owner}:${branch}`, state: "open" })).data;

  /** The open pull request from `branch`, or null. */
  const findOpenPull = (branch: string) =>
    call(`look up the open pull request of branch ${branch} in ${where}`, async () => {
      const [open] = await listOpenPulls(branch);
      return open ? pullOf(open) : null;
    });

  /** Opens the pull request, or finds the one opened meanwhile (`created: false`). */
  const createPull = (input: OpenPullRequestInput) =>
    call(`open a pull request from ${input.branch} into ${input.baseBranch} in ${where}`, async () => {
      try {
        const { data } = await client.rest.pulls.create({
          owner,
          repo: name,
          title: input.title,
          body: input.body,
          head: input.branch,
          base: input.baseBranch,
        });
        return { ...pullOf(data), created: true };
      } catch (error) {
        if (isGitHubError(error, 422, /no commits between/i)) {
          throw new ForgeError(
            "invalid",
            `Branch ${input.branch} holds nothing that ${input.baseBranch} does not (its files are already there), so GitHub cannot open a pull request: change the files, or delete the branch and try again.`,
            { cause: error },
          );
        }
        if (!isGitHubError(error, 422, /pull request already exists/i)) throw error;
        // Opened meanwhile: by a concurrent call, or by this one before its answer was lost and retried.
        const [open] = await listOpenPulls(input.branch);
        if (!open) throw error;
        return { ...pullOf(open), created: false };
      }
    });

  /** Pull request `number` and its state, or null when there is none. */
  const readPull = (number: number) =>
    call(`read pull request #${number} of ${where}`, async (): Promise<PullRequestInfo | null> => {
      try {
        const { data } = await client.rest.pulls.get({ owner, repo: name, pull_number: number });
        return {
          number: data.number,
          url: data.html_url,
          branch: data.head.ref,
          baseBranch: data.base.ref,
          title: data.title,
          state: data.merged ? "merged" : data.state === "open" ? "open" : "closed",
          headSha: data.head.sha,
        };
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    });

  /** The files of pull request `number`, GitHub's patches cut to `diffLimits` like the local forge's. */
  const listFiles = (number: number) =>
    call(`list the files of pull request #${number} of ${where}`, async (): Promise<PullRequestFiles> => {
      const perPage = 100;
      const raw = [];
      for (let page = 1; raw.length < diffLimits.files; page++) {
        const { data } = await client.rest.pulls.listFiles({
          owner,
          repo: name,
          pull_number: number,
          per_page: perPage,
          page,
        });
        raw.push(...data);
        if (data.length < perPage) break;
      }
      let budget = diffLimits.totalPatch;
      let truncated = raw.length > diffLimits.files;
      const files = raw.slice(0, diffLimits.files).map((file): PullRequestFile => {
        const status = (
          fileStatuses.includes(file.status) ? file.status : "changed"
        ) as PullRequestFileStatus;
        const base = {
          path: file.filename,
          previousPath: file.previous_filename ?? null,
          status,
          additions: file.additions,
          deletions: file.deletions,
        };
        // GitHub leaves out the patch of a binary file, and of a text file too large to show.
        if (file.patch === undefined) {
          const binary = file.changes === 0 && status !== "renamed";
          if (!binary) truncated = true;
          return { ...base, binary, patch: null, truncated: !binary };
        }
        if (budget <= 0) {
          truncated = true;
          return { ...base, binary: false, patch: null, truncated: true };
        }
        const capped = capPatch(file.patch, Math.min(diffLimits.filePatch, budget));
        budget -= capped.patch.length;
        if (capped.truncated) truncated = true;
        return { ...base, binary: false, ...capped };
      });
      return { files, truncated };
    });

  /** The check runs of `sha`, combined; null when the token may not read checks. */
  const readChecks = (sha: string) =>
    call(`read the checks of ${sha.slice(0, 12)} in ${where}`, async (): Promise<ChecksSummary | null> => {
      try {
        const { data } = await client.rest.checks.listForRef({ owner, repo: name, ref: sha, per_page: 100 });
        return combineChecks(data.check_runs);
      } catch (error) {
        if (statusOf(error) === 403 || statusOf(error) === 404) return null;
        throw error;
      }
    });

  /** Merges pull request `number` with a merge commit, as the base branch's protection allows. */
  const mergePull = (number: number, options: MergeOptions) =>
    call(`merge pull request #${number} of ${where}`, async (): Promise<MergeResult> => {
      try {
        const { data } = await client.rest.pulls.merge({
          owner,
          repo: name,
          pull_number: number,
          merge_method: "merge",
          commit_title: options.message.split("\n")[0],
          ...(options.expectedHeadSha ? { sha: options.expectedHeadSha } : {}),
        });
        return { sha: data.sha, method: "merge" };
      } catch (error) {
        if (statusOf(error) === 405) {
          throw new ForgeError(
            "refused",
            `GitHub refused to merge pull request #${number} of ${where} (${githubMessage(error)}): meet the base branch's protection rules (required checks, reviews) or resolve the conflicts, then merge again.`,
            { cause: error },
          );
        }
        if (statusOf(error) === 409) {
          throw new ForgeError(
            "conflict",
            `The head of pull request #${number} of ${where} changed (${githubMessage(error)}): reload the pull request and merge again.`,
            { cause: error },
          );
        }
        throw error;
      }
    });

  /** Closes pull request `number` without merging it. */
  const closePull = (number: number) =>
    call(`close pull request #${number} of ${where}`, async () => {
      await client.rest.pulls.update({ owner, repo: name, pull_number: number, state: "closed" });
    });

  /** The inline comments of review `reviewId` on pull request `number`, oldest first. */
  const readReviewComments = (number: number, reviewId: number) =>
    call(
      `read review ${reviewId} of pull request #${number} of ${where}`,
      async (): Promise<ReviewComment[]> => {
        const { data } = await client.rest.pulls.listCommentsForReview({
          owner,
          repo: name,
          pull_number: number,
          review_id: reviewId,
          per_page: 100,
        });
        return data.map((comment) => ({
          path: comment.path,
          line: (comment as { line?: number | null }).line ?? null,
          body: comment.body,
        }));
      },
    );

  return {
    findOpenPull,
    createPull,
    readPull,
    listFiles,
    readChecks,
    mergePull,
    closePull,
    readReviewComments,
  };
}

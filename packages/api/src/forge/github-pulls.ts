/**
 * @module github-pulls: pull requests on GitHub for the GitHub forge: find a branch's open pull
 * request, open one (finding the one opened meanwhile), and read one's state.
 */
import { ForgeError, type OpenPullRequestInput, type PullRequestInfo } from "./forge.ts";
import type { GitHubRepoSession } from "./github-client.ts";
import { isGitHubError, statusOf } from "./github-errors.ts";

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

  return { findOpenPull, createPull, readPull };
}

/**
 * @module fake-github-pulls: the fake GitHub's REST routes for pull requests: listing them by head
 * and state, opening one (GitHub's 422s for a missing branch, an open duplicate, or nothing to
 * merge) and reading one.
 */

import { type FakeGithubUrls, fail, type Route, validationFailed } from "./fake-github-replies.ts";
import type { FakePull, FakeRepositoryStore } from "./fake-github-repositories.ts";

async function pullObject(urls: FakeGithubUrls, repo: FakeRepositoryStore, pull: FakePull) {
  const [headSha, baseSha] = await Promise.all([repo.branchHead(pull.head), repo.branchHead(pull.base)]);
  return {
    id: 1000 + pull.number,
    number: pull.number,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    merged: pull.merged,
    merged_at: pull.merged ? new Date().toISOString() : null,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/pull/${pull.number}`,
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`,
    head: { ref: pull.head, sha: headSha ?? "", label: `${repo.owner}:${pull.head}` },
    base: { ref: pull.base, sha: baseSha ?? "", label: `${repo.owner}:${pull.base}` },
  };
}

export const pullRoutes: Route[] = [
  [
    "GET",
    /^\/pulls$/,
    async ({ repo, query, urls }) => {
      const head = query.get("head");
      const state = query.get("state") ?? "open";
      const matches = repo.pulls.filter(
        (pull) =>
          (state === "all" || pull.state === state) && (!head || `${repo.owner}:${pull.head}` === head),
      );
      return { status: 200, body: await Promise.all(matches.map((pull) => pullObject(urls, repo, pull))) };
    },
  ],
  [
    "POST",
    /^\/pulls$/,
    async ({ repo, body, urls }) => {
      const head = String(body.head ?? "");
      const baseBranch = String(body.base ?? "");
      const [headSha, baseSha] = await Promise.all([repo.branchHead(head), repo.branchHead(baseBranch)]);
      if (!headSha || !baseSha) {
        fail(422, "Validation Failed", {
          errors: [{ resource: "PullRequest", field: headSha ? "base" : "head", code: "invalid" }],
        });
      }
      const merged = await repo.isAncestor(headSha, baseSha);
      // No await from here to the push: two requests at once cannot both open one.
      if (repo.pulls.some((pull) => pull.head === head && pull.state === "open")) {
        validationFailed(`A pull request already exists for ${repo.owner}:${head}.`);
      }
      if (merged) validationFailed(`No commits between ${baseBranch} and ${head}`);
      const pull: FakePull = {
        number: repo.pulls.length + 1,
        title: String(body.title ?? ""),
        body: String(body.body ?? ""),
        head,
        base: baseBranch,
        state: "open",
        merged: false,
      };
      repo.pulls.push(pull);
      return { status: 201, body: await pullObject(urls, repo, pull) };
    },
  ],
  [
    "GET",
    /^\/pulls\/(\d+)$/,
    async ({ repo, params: [number = ""], urls }) => {
      const pull =
        repo.pulls.find((candidate) => candidate.number === Number(number)) ?? fail(404, "Not Found");
      return { status: 200, body: await pullObject(urls, repo, pull) };
    },
  ],
];

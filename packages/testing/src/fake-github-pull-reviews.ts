/**
 * @module fake-github-pull-reviews: the fake GitHub's REST routes for reviewing a pull request:
 * its files with patches (`GET /pulls/:n/files`), merging it (`PUT /pulls/:n/merge`, with GitHub's
 * 405 for branch protection or a conflict and 409 for a moved head), closing it
 * (`PATCH /pulls/:n`), the check runs of a commit (`GET /commits/:ref/check-runs`) and a review's
 * inline comments (`GET /pulls/:n/reviews/:id/comments`).
 *
 * Patches are whole-file: every old line removed and every new line added, one hunk; the merge
 * base is the newest commit of the head's history that the base branch also holds.
 */
import { fail, type Route } from "./fake-github-replies.ts";
import type { FakePull, FakeRepositoryStore } from "./fake-github-repositories.ts";

const lines = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));

/** A whole-file unified diff hunk from `before` to `after`. */
function wholeFilePatch(before: string | undefined, after: string | undefined): string {
  const removed = lines(before ?? "");
  const added = lines(after ?? "");
  const range = (start: number, count: number) => `${count === 0 ? 0 : start},${count}`;
  return [
    `@@ -${range(1, removed.length)} +${range(1, added.length)} @@`,
    ...removed.map((line) => `-${line}`),
    ...added.map((line) => `+${line}`),
  ].join("\n");
}

async function mergeBase(repo: FakeRepositoryStore, base: string, head: string): Promise<string | undefined> {
  const queue = [head];
  const seen = new Set<string>();
  for (let sha = queue.shift(); sha; sha = queue.shift()) {
    if (seen.has(sha)) continue;
    seen.add(sha);
    if (await repo.isAncestor(sha, base)) return sha;
    queue.push(...((await repo.commit(sha))?.parents ?? []));
  }
  return undefined;
}

async function filesAt(repo: FakeRepositoryStore, sha: string | undefined) {
  const commit = sha ? await repo.commit(sha) : undefined;
  return commit ? repo.filesOf(commit.tree) : new Map<string, string>();
}

/** The files `head` changes since its merge base with `base`, as GitHub lists them. */
async function changedFiles(repo: FakeRepositoryStore, base: string, head: string) {
  const [before, after] = await Promise.all([
    filesAt(repo, await mergeBase(repo, base, head)),
    filesAt(repo, head),
  ]);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => {
      const old = before.get(path);
      const now = after.get(path);
      const removed = lines(old ?? "").length;
      const added = lines(now ?? "").length;
      return {
        filename: path,
        status: old === undefined ? "added" : now === undefined ? "removed" : "modified",
        additions: added,
        deletions: removed,
        changes: added + removed,
        patch: wholeFilePatch(old, now),
      };
    });
}

function pullOf(repo: FakeRepositoryStore, number: string): FakePull {
  return repo.pulls.find((candidate) => candidate.number === Number(number)) ?? fail(404, "Not Found");
}

export const pullReviewRoutes: Route[] = [
  [
    "GET",
    /^\/pulls\/(\d+)\/files$/,
    async ({ repo, params: [number = ""], query }) => {
      const pull = pullOf(repo, number);
      const [head, base] = await Promise.all([repo.branchHead(pull.head), repo.branchHead(pull.base)]);
      const files = head && base ? await changedFiles(repo, base, head) : [];
      const perPage = Math.min(Number(query.get("per_page") ?? 30), 100);
      const page = Number(query.get("page") ?? 1);
      return { status: 200, body: files.slice((page - 1) * perPage, page * perPage) };
    },
  ],
  [
    "PUT",
    /^\/pulls\/(\d+)\/merge$/,
    async ({ repo, params: [number = ""], body }) => {
      const pull = pullOf(repo, number);
      const [head, base] = await Promise.all([repo.branchHead(pull.head), repo.branchHead(pull.base)]);
      if (pull.state !== "open" || !head || !base) fail(405, "Pull Request is not mergeable");
      if (typeof body.sha === "string" && body.sha !== head) {
        fail(409, "Head branch was modified. Review and try the merge again.");
      }
      const runs = repo.checkRuns.get(head) ?? [];
      for (const required of repo.requiredChecks.get(pull.base) ?? []) {
        const passed = runs.some((run) => run.name === required && run.conclusion === "success");
        if (!passed) fail(405, `Required status check "${required}" is expected.`);
      }
      const [baseFiles, headChanges] = await Promise.all([
        filesAt(repo, base),
        changedFiles(repo, base, head),
      ]);
      const sinceBase = await changedFiles(repo, head, base);
      const touched = new Set(sinceBase.map((file) => file.filename));
      if (headChanges.some((file) => touched.has(file.filename))) fail(405, "Pull Request is not mergeable");
      const headFiles = await filesAt(repo, head);
      const merged = new Map(baseFiles);
      for (const file of headChanges) {
        const content = headFiles.get(file.filename);
        if (content !== undefined) merged.set(file.filename, content);
      }
      const tree = await repo.writeTree(merged);
      const title =
        typeof body.commit_title === "string" ? body.commit_title : `Merge pull request #${number}`;
      const sha = await repo.writeCommit(tree, [base, head], title, undefined);
      if (!(await repo.setBranch(pull.base, sha, base))) fail(409, "Base branch was modified.");
      pull.state = "closed";
      pull.merged = true;
      return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
    },
  ],
  [
    "PATCH",
    /^\/pulls\/(\d+)$/,
    ({ repo, params: [number = ""], body }) => {
      const pull = pullOf(repo, number);
      if (body.state === "closed" && !pull.merged) pull.state = "closed";
      if (body.state === "open" && !pull.merged) pull.state = "open";
      return { status: 200, body: { number: pull.number, state: pull.state, merged: pull.merged } };
    },
  ],
  [
    "GET",
    /^\/commits\/([^/]+)\/check-runs$/,
    async ({ repo, params: [ref = ""] }) => {
      const sha = (await repo.branchHead(ref)) ?? ref;
      const runs = (repo.checkRuns.get(sha) ?? []).map((run, index) => ({
        id: index + 1,
        head_sha: sha,
        html_url: `https://github.example/checks/${index + 1}`,
        ...run,
      }));
      return { status: 200, body: { total_count: runs.length, check_runs: runs } };
    },
  ],
  [
    "GET",
    /^\/pulls\/(\d+)\/reviews\/(\d+)\/comments$/,
    ({ repo, params: [number = "", review = ""] }) => {
      pullOf(repo, number);
      const comments = (repo.reviewComments.get(Number(review)) ?? []).map((comment, index) => ({
        id: index + 1,
        pull_request_review_id: Number(review),
        ...comment,
      }));
      return { status: 200, body: comments };
    },
  ],
];

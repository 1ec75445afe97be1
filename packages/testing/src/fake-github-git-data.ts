/**
 * @module fake-github-git-data: the fake GitHub's REST routes for a repository itself and its git
 * data: the repository, branch refs (read, create, move), commits (read, create) and trees (create),
 * with GitHub's answers and errors.
 */
import { isValidBranchName } from "@aipm/shared";
import { type FakeGithubUrls, fail, type Route } from "./fake-github-replies.ts";
import { type FakeCommit, type FakeRepositoryStore, gitBlobSha } from "./fake-github-repositories.ts";

function refObject(urls: FakeGithubUrls, repo: FakeRepositoryStore, branch: string, sha: string) {
  const repoUrl = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    ref: `refs/heads/${branch}`,
    node_id: `REF_${sha.slice(0, 8)}`,
    url: `${repoUrl}/git/refs/heads/${branch}`,
    object: { sha, type: "commit", url: `${repoUrl}/git/commits/${sha}` },
  };
}

/** A commit as GitHub's git data API shows it. */
export function commitObject(commit: FakeCommit) {
  return {
    sha: commit.sha,
    tree: { sha: commit.tree },
    parents: commit.parents.map((sha) => ({ sha })),
    message: commit.message,
    author: commit.author,
  };
}

async function requireBranch(repo: FakeRepositoryStore, branch: string): Promise<string> {
  return (await repo.branchHead(branch)) ?? fail(404, "Not Found");
}

async function requireCommit(repo: FakeRepositoryStore, sha: string): Promise<void> {
  if (!(await repo.commit(sha))) fail(422, "Object does not exist");
}

export const gitDataRoutes: Route[] = [
  [
    "GET",
    /^$/,
    ({ repo }) => ({
      status: 200,
      body: {
        id: 1,
        name: repo.name,
        full_name: `${repo.owner}/${repo.name}`,
        owner: { login: repo.owner },
        private: true,
        default_branch: repo.defaultBranch,
      },
    }),
  ],
  [
    "GET",
    /^\/git\/ref\/heads\/(.+)$/,
    async ({ repo, params: [branch = ""], urls }) => ({
      status: 200,
      body: refObject(urls, repo, branch, await requireBranch(repo, branch)),
    }),
  ],
  [
    "POST",
    /^\/git\/refs$/,
    async ({ repo, body, urls }) => {
      const ref = String(body.ref ?? "");
      const sha = String(body.sha ?? "");
      if (!ref.startsWith("refs/heads/")) fail(422, "Reference name must start with 'refs/heads/'");
      const branch = ref.slice("refs/heads/".length);
      if (!isValidBranchName(branch)) fail(422, "Reference name is not valid");
      await requireCommit(repo, sha);
      if (!(await repo.setBranch(branch, sha, null))) fail(422, "Reference already exists");
      return { status: 201, body: refObject(urls, repo, branch, sha) };
    },
  ],
  [
    "PATCH",
    /^\/git\/refs\/heads\/(.+)$/,
    async ({ repo, params: [branch = ""], body, urls }) => {
      const current = await requireBranch(repo, branch);
      const sha = String(body.sha ?? "");
      await requireCommit(repo, sha);
      if (body.force !== true && !(await repo.isAncestor(current, sha)))
        fail(422, "Update is not a fast forward");
      if (!(await repo.setBranch(branch, sha, current))) fail(422, "Reference update failed");
      return { status: 200, body: refObject(urls, repo, branch, sha) };
    },
  ],
  [
    "GET",
    /^\/git\/commits\/([0-9a-f]{40})$/,
    async ({ repo, params: [sha = ""] }) => ({
      status: 200,
      body: commitObject((await repo.commit(sha)) ?? fail(404, "Not Found")),
    }),
  ],
  [
    "POST",
    /^\/git\/trees$/,
    async ({ repo, body }) => {
      const baseTree = body.base_tree === undefined ? undefined : String(body.base_tree);
      if (baseTree !== undefined && !(await repo.hasTree(baseTree))) fail(422, "Invalid tree info");
      const files = new Map<string, string>();
      for (const entry of (body.tree ?? []) as {
        path: string;
        mode: string;
        type: string;
        content?: string;
      }[]) {
        if (entry.mode !== "100644" || entry.type !== "blob" || typeof entry.content !== "string") {
          fail(422, "Invalid tree info");
        }
        files.set(entry.path, entry.content);
      }
      const sha = await repo.writeTree(files, baseTree);
      const tree = [...files].map(([path, content]) => ({
        path,
        mode: "100644",
        type: "blob",
        sha: gitBlobSha(content),
      }));
      return { status: 201, body: { sha, tree, truncated: false } };
    },
  ],
  [
    "POST",
    /^\/git\/commits$/,
    async ({ repo, body }) => {
      const tree = String(body.tree ?? "");
      const parents = ((body.parents ?? []) as string[]).map(String);
      const found = await Promise.all([
        repo.hasTree(tree),
        ...parents.map(async (sha) => !!(await repo.commit(sha))),
      ]);
      if (found.includes(false)) fail(422, "Tree SHA does not exist");
      const author = body.author as FakeCommit["author"];
      const sha = await repo.writeCommit(tree, parents, String(body.message ?? ""), author);
      return { status: 201, body: commitObject((await repo.commit(sha)) as FakeCommit) };
    },
  ],
];

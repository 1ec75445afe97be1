/**
 * @module fake-github-contents: the fake GitHub's REST routes for a repository's contents: reading
 * a file at a ref (base64, as GitHub sends it) and creating or updating one in a new commit on a
 * branch, with GitHub's checks of the file's current sha.
 */
import { commitObject } from "./fake-github-git-data.ts";
import { fail, type Route } from "./fake-github-replies.ts";
import { type FakeCommit, gitBlobSha } from "./fake-github-repositories.ts";

export const contentsRoutes: Route[] = [
  [
    "GET",
    /^\/contents\/(.+)$/,
    async ({ repo, params: [path = ""], query }) => {
      const ref = query.get("ref") ?? repo.defaultBranch;
      const commit =
        (await repo.commit((await repo.branchHead(ref)) ?? ref)) ?? fail(404, "No commit found for the ref");
      const content = (await repo.fileIn(commit.tree, path)) ?? fail(404, "Not Found");
      return {
        status: 200,
        body: {
          type: "file",
          encoding: "base64",
          size: Buffer.byteLength(content),
          name: path.split("/").pop(),
          path,
          content: Buffer.from(content).toString("base64").replace(/.{60}/g, "$&\n"),
          sha: gitBlobSha(content),
        },
      };
    },
  ],
  [
    "PUT",
    /^\/contents\/(.+)$/,
    async ({ repo, params: [path = ""], body }) => {
      const branch = String(body.branch ?? repo.defaultBranch);
      const head = (await repo.branchHead(branch)) ?? fail(404, `Branch ${branch} not found`);
      const headTree = (await repo.commit(head))?.tree ?? "";
      const existing = await repo.fileIn(headTree, path);
      if (existing !== undefined && body.sha === undefined)
        fail(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
      if (existing !== undefined && body.sha !== gitBlobSha(existing))
        fail(409, `${path} does not match ${body.sha}`);
      const content = Buffer.from(String(body.content ?? ""), "base64").toString("utf8");
      const sha = await repo.writeCommit(
        await repo.writeTree(new Map([[path, content]]), headTree),
        [head],
        String(body.message ?? ""),
        body.author as FakeCommit["author"],
      );
      // A push since `head` was read wins; GitHub answers 409 then.
      if (!(await repo.setBranch(branch, sha, head))) fail(409, `${branch} moved: expected ${head}`);
      return {
        status: existing === undefined ? 201 : 200,
        body: {
          content: {
            name: path.split("/").pop(),
            path,
            sha: gitBlobSha(content),
            size: Buffer.byteLength(content),
            type: "file",
          },
          commit: commitObject((await repo.commit(sha)) as FakeCommit),
        },
      };
    },
  ],
];

/**
 * @module github-branches: branches and their files on GitHub for the GitHub forge: read and create
 * branches, read and write one file through the contents API, commit several through the git data
 * API, and bring an existing branch up to date.
 */
import { createHash } from "node:crypto";
import { ForgeError, type ForgeFile, type OpenPullRequestInput } from "./forge.ts";
import type { GitHubRepoSession } from "./github-client.ts";
import { isGitHubError, isStaleFile, statusOf } from "./github-errors.ts";

/**
 * Git's id of a file holding `content`, which GitHub reports as the file's `sha`: comparing it
 * tells whether a file already holds `content` without downloading it.
 */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** The branch and file calls on one repository; each names what it does, for its error message. */
export function githubBranches({ client, owner, name, where, call }: GitHubRepoSession) {
  /** The commit `branch` points at, or null when there is no such branch. */
  const branchHead = (branch: string) =>
    call(`read branch ${branch} of ${where}`, async () => {
      try {
        return (await client.rest.git.getRef({ owner, repo: name, ref: `heads/${branch}` })).data.object.sha;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    });

  /** Creates `branch` at `sha`; false when it already exists. */
  const createBranch = (branch: string, sha: string) =>
    call(`create branch ${branch} in ${where}`, async () => {
      try {
        await client.rest.git.createRef({ owner, repo: name, ref: `refs/heads/${branch}`, sha });
        return true;
      } catch (error) {
        if (isGitHubError(error, 422, /reference already exists/i)) return false;
        throw error;
      }
    });

  /** The blob id of `path` on `ref`, or null when there is no such file. */
  async function readFileSha(path: string, ref: string): Promise<string | null> {
    try {
      const { data } = await client.rest.repos.getContent({ owner, repo: name, path, ref });
      if (Array.isArray(data) || data.type !== "file") {
        throw new ForgeError(
          "invalid",
          `${path} on ${ref} of ${where} is not a file: move it aside so AIPM can write the file.`,
        );
      }
      return data.sha;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }
  const fileSha = (path: string, ref: string) =>
    call(`read ${path} on ${ref} of ${where}`, () => readFileSha(path, ref));

  /**
   * Makes `file` the content of its path on `branch`, where its current blob id is `current`
   * (null: no such file). Resolves the new commit, or null when the file already held it.
   */
  const writeFile = (file: ForgeFile, current: string | null, branch: string, input: OpenPullRequestInput) =>
    call(`write ${file.path} on branch ${branch} of ${where}`, async () => {
      const wanted = gitBlobSha(file.content);
      const write = async (sha: string | null) => {
        const { data } = await client.rest.repos.createOrUpdateFileContents({
          owner,
          repo: name,
          path: file.path,
          branch,
          message: input.commitMessage,
          content: Buffer.from(file.content, "utf8").toString("base64"),
          author: input.author,
          ...(sha ? { sha } : {}),
        });
        return data.commit.sha ?? null;
      };
      if (current === wanted) return null;
      try {
        return await write(current);
      } catch (error) {
        // The branch moved since `current` was read, or a retried write had already landed.
        if (!isStaleFile(error)) throw error;
        const fresh = await readFileSha(file.path, branch);
        return fresh === wanted ? null : await write(fresh);
      }
    });

  /** The commit holding `files` on top of `parent`, or `parent` when they change nothing. */
  const commitFiles = (parent: string, input: OpenPullRequestInput) =>
    call(`commit ${input.files.length} files in ${where}`, async () => {
      if (input.files.length === 0) return parent;
      const { data: parentCommit } = await client.rest.git.getCommit({
        owner,
        repo: name,
        commit_sha: parent,
      });
      const { data: tree } = await client.rest.git.createTree({
        owner,
        repo: name,
        base_tree: parentCommit.tree.sha,
        tree: input.files.map((file) => ({
          path: file.path,
          mode: "100644",
          type: "blob",
          content: file.content,
        })),
      });
      if (tree.sha === parentCommit.tree.sha) return parent;
      const { data: commit } = await client.rest.git.createCommit({
        owner,
        repo: name,
        message: input.commitMessage,
        tree: tree.sha,
        parents: [parent],
        author: input.author,
      });
      return commit.sha;
    });

  /** Puts the files on the existing branch; resolves its new head, or null when nothing changed. */
  async function updateBranch(input: OpenPullRequestInput): Promise<string | null> {
    const [single] = input.files;
    if (single && input.files.length === 1) {
      return writeFile(single, await fileSha(single.path, input.branch), input.branch, input);
    }
    const head = await branchHead(input.branch);
    if (head === null) {
      throw new ForgeError(
        "conflict",
        `Branch ${input.branch} of ${where} was deleted while AIPM was writing to it: try again.`,
      );
    }
    const commit = await commitFiles(head, input);
    if (commit === head) return null;
    await call(`update branch ${input.branch} of ${where}`, () =>
      client.rest.git.updateRef({
        owner,
        repo: name,
        ref: `heads/${input.branch}`,
        sha: commit,
        force: false,
      }),
    );
    return commit;
  }

  return { branchHead, createBranch, fileSha, writeFile, commitFiles, updateBranch };
}

/**
 * Pull requests in AIPM on the local forge (issue 17): view, files and diffs, merge (fast-forward,
 * merge commit, conflict), close, and where the story goes: Done, or Review with the reason.
 * Real bare repositories, changed with git plumbing as a worker's push would change them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGit } from "@aipm/git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRUNCATED_MARKER } from "../src/forge/forge.ts";
import { createProject, createToken, expectJson, expectProblem, type StoryDetail } from "./fixtures.ts";
import { api, finish, forge, gitIn, queuedTask, useTaskApi } from "./task-support.ts";

useTaskApi();

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "aipm-pulls-test-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface View {
  pullRequest: { number: number; state: string; branch: string; baseBranch: string; headSha: string };
  story: { id: string; status: string; statusReason: string | null };
  acceptanceTests: { id: string; status: string }[];
  tasks: { id: string; status: string }[];
  checks: unknown;
}
interface Files {
  files: {
    path: string;
    previousPath: string | null;
    status: string;
    additions: number;
    deletions: number;
    binary: boolean;
    patch: string | null;
    truncated: boolean;
  }[];
  truncated: boolean;
}

const developer = {
  GIT_AUTHOR_NAME: "Dev",
  GIT_AUTHOR_EMAIL: "dev@example.com",
  GIT_COMMITTER_NAME: "Dev",
  GIT_COMMITTER_EMAIL: "dev@example.com",
};

/** Commits `files` (null deletes) on top of `branch` in the bare repository, as a push would. */
async function commitOn(
  gitDir: string,
  branch: string,
  files: Record<string, string | null>,
): Promise<string> {
  const parent = (await gitIn(gitDir, "rev-parse", `refs/heads/${branch}`)).trim();
  const index = join(scratch, `index-${Math.random().toString(36).slice(2)}`);
  const env = { GIT_INDEX_FILE: index };
  const git = (args: string[], input?: string) =>
    runGit([`--git-dir=${gitDir}`, ...args], { env, ...(input !== undefined ? { input } : {}) });
  await git(["read-tree", parent]);
  for (const [path, content] of Object.entries(files)) {
    if (content === null) await git(["update-index", "--index-info"], `0 ${"0".repeat(40)}\t${path}\n`);
    else {
      const blob = await git(["hash-object", "-w", "--stdin"], content);
      await git(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
    }
  }
  const tree = await git(["write-tree"]);
  const commit = await runGit([`--git-dir=${gitDir}`, "commit-tree", tree, "-p", parent, "-m", "A change"], {
    env: developer,
  });
  await gitIn(gitDir, "update-ref", `refs/heads/${branch}`, commit, parent);
  await rm(index, { force: true });
  return commit;
}

/** A story with its pull request open on the local forge, its task finished unless told. */
async function openPull(options: { finished?: boolean } = {}) {
  const generation = await queuedTask();
  if (options.finished !== false) await finish(generation.task.id, "succeed");
  const gitDir = forge.repositoryPath(generation.project.repository);
  const path = `/api/projects/${generation.project.id}/pulls/${generation.pullRequest.number}`;
  return { ...generation, gitDir, path };
}

const head = async (gitDir: string, branch: string) => (await gitIn(gitDir, "rev-parse", branch)).trim();

async function passAll(storyId: string) {
  const story = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${storyId}`), 200);
  for (const test of story.acceptanceTests) {
    await expectJson(
      await api.request("PATCH", `/api/acceptance-tests/${test.id}`, { body: { status: "Pass" } }),
      200,
    );
  }
}

describe("GET /api/projects/{projectId}/pulls/{number}", () => {
  it("shows the pull request, its rounds, the story and its acceptance tests", async () => {
    const { path, pullRequest, task, story } = await openPull({ finished: false });
    const view = await expectJson<View>(await api.request("GET", path), 200);
    expect(view.pullRequest).toMatchObject({
      number: pullRequest.number,
      state: "open",
      branch: pullRequest.branch,
      baseBranch: "main",
    });
    expect(view.story).toMatchObject({ id: story.id, status: "In Progress", statusReason: null });
    expect(view.tasks.map((candidate) => candidate.id)).toEqual([task.id]);
    expect(view.acceptanceTests.map((test) => test.status)).toEqual(["Draft", "Draft"]);
    expect(view.checks).toBeNull();
  });

  it("is 404 for a number the repository does not have, and for another project's pull request", async () => {
    const { project, pullRequest } = await openPull();
    const other = await openPull();
    await expectProblem(await api.request("GET", `/api/projects/${project.id}/pulls/999`), 404);
    const elsewhere = await createProject(api, {
      repository: { provider: "local", owner: "acme", name: other.project.repository.name },
    });
    await expectProblem(
      await api.request("GET", `/api/projects/${elsewhere.id}/pulls/${pullRequest.number}`),
      404,
    );
    const scoped = await createToken(api, "viewer", other.project.id);
    await expectProblem(
      await api.request("GET", `/api/projects/${project.id}/pulls/${pullRequest.number}`, {
        token: scoped.token,
      }),
      404,
    );
  });
});

describe("GET /api/projects/{projectId}/pulls/{number}/files", () => {
  it("lists each changed file with its unified diff; a binary file is named, not dumped; a rename is found", async () => {
    const { path, gitDir, pullRequest } = await openPull();
    await commitOn(gitDir, "main", { "docs/guide.md": "one\ntwo\nthree\nfour\nfive\nsix\n" });
    // The branch takes main in, so the guide is in its merge base and its move below is a rename.
    const branchHead = await head(gitDir, pullRequest.branch);
    await gitIn(
      gitDir,
      "update-ref",
      `refs/heads/${pullRequest.branch}`,
      await mergedOnto(gitDir, "main", branchHead),
      branchHead,
    );
    await commitOn(gitDir, pullRequest.branch, {
      "README.md": "# Shop\n\nPay by card.\n",
      "logo.bin": "\u0000\u0001\u0002PNG\u0000",
      "docs/guide.md": null,
      "docs/handbook.md": "one\ntwo\nthree\nfour\nfive\nsix\n",
    });
    const { files, truncated } = await expectJson<Files>(await api.request("GET", `${path}/files`), 200);
    expect(truncated).toBe(false);
    const byPath = new Map(files.map((file) => [file.path, file]));
    expect(byPath.get("TASK.md")).toMatchObject({
      status: "added",
      binary: false,
      deletions: 0,
      truncated: false,
    });
    expect(byPath.get("TASK.md")?.patch).toMatch(/^@@ -0,0 \+1,\d+ @@\n\+/);
    expect(byPath.get("README.md")).toMatchObject({ status: "modified", additions: 3, deletions: 1 });
    expect(byPath.get("README.md")?.patch).toContain("-# ");
    expect(byPath.get("logo.bin")).toMatchObject({ status: "added", binary: true, patch: null });
    expect(byPath.get("docs/handbook.md")).toMatchObject({
      status: "renamed",
      previousPath: "docs/guide.md",
    });
  });

  it("cuts a large diff short with a marker", async () => {
    const { path, gitDir, pullRequest } = await openPull();
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i} of a generated file`).join("\n");
    await commitOn(gitDir, pullRequest.branch, { "generated.txt": big });
    const { files, truncated } = await expectJson<Files>(await api.request("GET", `${path}/files`), 200);
    const file = files.find((candidate) => candidate.path === "generated.txt");
    expect(truncated).toBe(true);
    expect(file?.truncated).toBe(true);
    expect(file?.additions).toBe(20_000);
    expect(file?.patch?.endsWith(TRUNCATED_MARKER)).toBe(true);
    expect(file?.patch?.length).toBeLessThanOrEqual(64 * 1024 + TRUNCATED_MARKER.length + 1);
  });
});

/** A merge commit of `branch`'s head and `other`, for a branch that took its base in. */
async function mergedOnto(gitDir: string, branch: string, other: string): Promise<string> {
  const base = await head(gitDir, branch);
  const tree = (await gitIn(gitDir, "merge-tree", "--write-tree", base, other)).trim();
  const args = ["commit-tree", tree, "-p", other, "-p", base, "-m", "Take main in"];
  return runGit([`--git-dir=${gitDir}`, ...args], { env: developer });
}

describe("POST /api/projects/{projectId}/pulls/{number}/merge", () => {
  it("fast-forwards the default branch and moves the story to Review with the reason while a test is not Pass", async () => {
    const { path, gitDir, pullRequest, story } = await openPull();
    const merged = await expectJson<{ merge: { method: string; sha: string }; story: View["story"] }>(
      await api.request("POST", `${path}/merge`),
      200,
    );
    expect(merged.merge.method).toBe("fast-forward");
    expect(await head(gitDir, "main")).toBe(await head(gitDir, pullRequest.branch));
    expect(merged.story).toMatchObject({ id: story.id, status: "Review" });
    expect(merged.story.statusReason).toMatch(/every acceptance test Pass: get the 2 acceptance tests/);
    const after = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200);
    expect(after.status).toBe("Review");
    const view = await expectJson<View>(await api.request("GET", path), 200);
    expect(view.pullRequest.state).toBe("merged");
    const again = await expectProblem(await api.request("POST", `${path}/merge`), 409);
    expect(again.detail).toContain("is merged, not open");
  });

  it("moves the story to Done when every acceptance test is Pass", async () => {
    const { path, story } = await openPull();
    await passAll(story.id);
    const merged = await expectJson<{ story: View["story"] }>(
      await api.request("POST", `${path}/merge`),
      200,
    );
    expect(merged.story).toMatchObject({ status: "Done", statusReason: null });
  });

  it("moves the story to Done with Draft tests when the project does not require passing tests", async () => {
    const { path, project } = await openPull();
    await expectJson(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        body: { doneRequiresPassingTests: false },
      }),
      200,
    );
    const merged = await expectJson<{ story: View["story"] }>(
      await api.request("POST", `${path}/merge`),
      200,
    );
    expect(merged.story.status).toBe("Done");
  });

  it("makes a merge commit by AIPM when the default branch moved on", async () => {
    const { path, gitDir, pullRequest } = await openPull();
    const mainBefore = await commitOn(gitDir, "main", { "CHANGELOG.md": "Unreleased\n" });
    const branchHead = await head(gitDir, pullRequest.branch);
    const merged = await expectJson<{ merge: { method: string; sha: string } }>(
      await api.request("POST", `${path}/merge`),
      200,
    );
    expect(merged.merge.method).toBe("merge");
    const mainHead = await head(gitDir, "main");
    expect(mainHead).toBe(merged.merge.sha);
    const parents = (await gitIn(gitDir, "rev-list", "--parents", "-n", "1", mainHead))
      .trim()
      .split(" ")
      .slice(1);
    expect(parents).toEqual([mainBefore, branchHead]);
    expect((await gitIn(gitDir, "log", "-1", "--format=%an <%ae>%n%s", mainHead)).trim()).toBe(
      `AIPM <aipm@localhost>\nMerge pull request #${pullRequest.number} from ${pullRequest.branch}`,
    );
  });

  it("refuses a conflict with 409 naming the file, and moves nothing", async () => {
    const { path, gitDir, pullRequest, story } = await openPull();
    await commitOn(gitDir, "main", { "README.md": "# Shop on main\n" });
    await commitOn(gitDir, pullRequest.branch, { "README.md": "# Shop on the branch\n" });
    const mainBefore = await head(gitDir, "main");
    const problem = await expectProblem(await api.request("POST", `${path}/merge`), 409);
    expect(problem.type).toBe("https://aipm.dev/problems/forge-merge-conflict");
    expect(problem.detail).toContain("README.md");
    expect(await head(gitDir, "main")).toBe(mainBefore);
    const view = await expectJson<View>(await api.request("GET", path), 200);
    expect(view.pullRequest.state).toBe("open");
    expect(view.story).toMatchObject({ id: story.id, status: "In Progress" });
  });

  it("refuses while a task on the pull request is queued, and when the branch moved past expectedHeadSha", async () => {
    const { path, task } = await openPull({ finished: false });
    const busy = await expectProblem(await api.request("POST", `${path}/merge`), 409);
    expect(busy.type).toBe("https://aipm.dev/problems/task-active");
    await finish(task.id, "succeed");
    const stale = await expectProblem(
      await api.request("POST", `${path}/merge`, { body: { expectedHeadSha: "0".repeat(40) } }),
      409,
    );
    expect(stale.detail).toContain("changed since you read it");
  });

  it("needs the editor role: a viewer reads but cannot merge or close", async () => {
    const { path, project } = await openPull();
    const viewer = await createToken(api, "viewer", project.id);
    await expectJson(await api.request("GET", path, { token: viewer.token }), 200);
    await expectProblem(await api.request("POST", `${path}/merge`, { token: viewer.token }), 403);
    await expectProblem(await api.request("POST", `${path}/close`, { token: viewer.token }), 403);
  });
});

describe("POST /api/projects/{projectId}/pulls/{number}/close", () => {
  it("closes it, cancels an active task, hands the story back to Ready, and cannot merge it after", async () => {
    const { path, task, story } = await openPull({ finished: false });
    const closed = await expectJson<{ pullRequest: { state: string }; story: View["story"] }>(
      await api.request("POST", `${path}/close`),
      200,
    );
    expect(closed.pullRequest.state).toBe("closed");
    expect(closed.story).toMatchObject({ id: story.id, status: "Ready" });
    const current = await expectJson<{ cancelRequested?: boolean; status: string }>(
      await api.request("GET", `/api/tasks/${task.id}`),
      200,
    );
    expect(current.status === "cancelled" || current.cancelRequested === true).toBe(true);
    await expectProblem(await api.request("POST", `${path}/close`), 409);
    await expectProblem(await api.request("POST", `${path}/merge`), 409);
  });
});

describe("the Done rule outside a merge (issue 17)", () => {
  it("refuses to set a story Done by hand with a Draft test while the project requires passing tests", async () => {
    const { story } = await openPull();
    const current = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200);
    const problem = await expectProblem(
      await api.request("PATCH", `/api/stories/${story.id}`, {
        body: { version: current.version, status: "Done" },
      }),
      422,
    );
    expect(problem.detail).toContain("requires every acceptance test Pass");
    await passAll(story.id);
    const passed = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200);
    const done = await expectJson<StoryDetail>(
      await api.request("PATCH", `/api/stories/${story.id}`, {
        body: { version: passed.version, status: "Done" },
      }),
      200,
    );
    expect(done.status).toBe("Done");
  });
});

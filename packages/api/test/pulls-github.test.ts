/**
 * Pull requests in AIPM on GitHub (issue 17), against the fake GitHub over HTTP: the view with the
 * head's checks, files with patches, merge (refused by branch protection, then allowed), close.
 */
import { describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createProject,
  createStory,
  expectJson,
  expectProblem,
  type StoryDetail,
} from "./fixtures.ts";
import {
  api,
  type CodeGeneration,
  finish,
  generate,
  github,
  unique,
  useFakeGithub,
  useTaskApi,
} from "./task-support.ts";

useTaskApi();

useFakeGithub();

interface View {
  pullRequest: { number: number; state: string; headSha: string; provider: string; url: string };
  story: { status: string; statusReason: string | null };
  tasks: { id: string }[];
  checks: { state: string; runs: { name: string; conclusion: string | null }[] } | null;
}

/** A story on a GitHub project with its pull request open and its task finished. */
async function openPull(testStatus: "Pass" | "Draft" = "Pass") {
  const name = `shop-${unique()}`;
  const repo = github.state.addRepository(`acme/${name}`, { files: { "README.md": "# Shop\n" } });
  const project = await createProject(api, { repository: { provider: "github", owner: "acme", name } });
  const story = await createStory(api, project.id, { title: "Pay by card" });
  await createAcceptanceTest(api, story.id, { title: "A valid card is charged", status: testStatus });
  const generation = await expectJson<CodeGeneration>(await generate(story.id), 202);
  await finish(generation.task.id, "succeed");
  const path = `/api/projects/${project.id}/pulls/${generation.pullRequest.number}`;
  return { repo, project, story, path, ...generation };
}

describe("pull requests on GitHub", () => {
  it("shows the pull request with its head's checks combined, and its files with patches", async () => {
    const { repo, path, task, pullRequest } = await openPull();
    repo.push(pullRequest.branch, { "README.md": "# Shop\n\nPay by card.\n" }, "Describe it");
    const headSha = repo.branches.get(pullRequest.branch) ?? "";
    repo.checkRuns.set(headSha, [
      { name: "test", status: "completed", conclusion: "success" },
      { name: "lint", status: "in_progress", conclusion: null },
    ]);
    const view = await expectJson<View>(await api.request("GET", path), 200);
    expect(view.pullRequest).toMatchObject({ state: "open", provider: "github", headSha });
    expect(view.pullRequest.url).toBe(`${github.webUrl}/acme/${repo.name}/pull/${pullRequest.number}`);
    expect(view.tasks.map((candidate) => candidate.id)).toEqual([task.id]);
    expect(view.checks?.state).toBe("pending");
    expect(view.checks?.runs.map((run) => run.name)).toEqual(["test", "lint"]);

    const { files } = await expectJson<{ files: { path: string; status: string; patch: string }[] }>(
      await api.request("GET", `${path}/files`),
      200,
    );
    expect(files.map((file) => [file.path, file.status])).toEqual([
      ["README.md", "modified"],
      ["TASK.md", "added"],
    ]);
    expect(files[0]?.patch).toBe("@@ -1,1 +1,3 @@\n-# Shop\n+# Shop\n+\n+Pay by card.");
  });

  it("refuses a merge that branch protection forbids with a clear 409, then merges once the check passes", async () => {
    const { repo, path, story, pullRequest } = await openPull();
    repo.requiredChecks.set("main", ["test"]);
    const mainBefore = repo.branches.get("main");
    const refused = await expectProblem(await api.request("POST", `${path}/merge`), 409);
    expect(refused.type).toBe("https://aipm.dev/problems/forge-refused");
    expect(refused.detail).toContain('Required status check "test" is expected');
    expect(repo.branches.get("main")).toBe(mainBefore);

    const headSha = repo.branches.get(pullRequest.branch) ?? "";
    repo.checkRuns.set(headSha, [{ name: "test", status: "completed", conclusion: "success" }]);
    const merged = await expectJson<{ merge: { sha: string }; story: View["story"] }>(
      await api.request("POST", `${path}/merge`, { body: { expectedHeadSha: headSha } }),
      200,
    );
    expect(repo.branches.get("main")).toBe(merged.merge.sha);
    expect(repo.commits.get(merged.merge.sha)?.parents).toEqual([mainBefore, headSha]);
    expect(merged.story.status).toBe("Done");
    const view = await expectJson<View>(await api.request("GET", path), 200);
    expect(view.pullRequest.state).toBe("merged");
    const after = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${story.id}`), 200);
    expect(after.status).toBe("Done");
  });

  it("passes on GitHub's 409 for a moved head, and leaves a story with a Draft test in Review", async () => {
    const { repo, path } = await openPull("Draft");
    const stale = await expectProblem(
      await api.request("POST", `${path}/merge`, { body: { expectedHeadSha: "f".repeat(40) } }),
      409,
    );
    expect(stale.type).toBe("https://aipm.dev/problems/forge-conflict");
    const merged = await expectJson<{ story: View["story"] }>(
      await api.request("POST", `${path}/merge`),
      200,
    );
    expect(merged.story.status).toBe("Review");
    expect(merged.story.statusReason).toContain("requires every acceptance test Pass");
    expect(repo.pulls[0]).toMatchObject({ state: "closed", merged: true });
  });

  it("closes the pull request on GitHub", async () => {
    const { repo, path } = await openPull();
    const closed = await expectJson<{ pullRequest: { state: string } }>(
      await api.request("POST", `${path}/close`),
      200,
    );
    expect(closed.pullRequest.state).toBe("closed");
    expect(repo.pulls[0]).toMatchObject({ state: "closed", merged: false });
    await expectProblem(await api.request("POST", `${path}/merge`), 409);
  });
});

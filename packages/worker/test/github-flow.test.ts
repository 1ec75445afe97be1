/**
 * Generate Code & PR on GitHub end to end, GitHub being a fake at its HTTP boundary whose
 * repositories are real bare git repositories: the API's GitHub forge opens the pull request
 * through the REST API, past injected 502s and a secondary rate limit, and a worker wired as in
 * production fetches the branch and pushes the skeleton over git's smart HTTP with the token.
 */
import type { CodeGenerationTask } from "@aipm/shared";
import { type FakeGithub, type GitRepository, startFakeGithub } from "@aipm/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectOneScaffoldRun, git, type Stack, startStack } from "./stack.ts";

const TOKEN = "ghs_fakeInstallationToken0123456789abcdef";
const basic = (token: string) => `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
const SECONDARY_RATE_LIMIT = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
};
const finished = (task: CodeGenerationTask) => !["queued", "running"].includes(task.status);

let github: FakeGithub;
let repo: GitRepository;
let stack: Stack;

beforeAll(async () => {
  github = await startFakeGithub({ prefix: "/api/v3" });
  github.state.token = TOKEN;
  // A vitest project, so the scaffold agent writes a vitest file.
  repo = await github.state.addGitRepository("acme/shop", {
    files: {
      "README.md": "# shop\n",
      "package.json": JSON.stringify({
        name: "shop",
        type: "module",
        devDependencies: { typescript: "5", vitest: "4" },
      }),
      "tsconfig.json": "{}\n",
    },
  });
  stack = await startStack({
    github: { apiUrl: github.url, webUrl: github.webUrl, token: TOKEN, owner: "acme", name: "shop" },
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await github?.close();
}, 30_000);

/** The statuses the fake answered to `method path`, in order, from call `since` on. */
const answers = (method: string, path: string, since = 0) =>
  github.calls
    .slice(since)
    .filter((call) => call.method === method && call.path === path)
    .map((call) => call.status);

describe("Generate Code & PR on GitHub", { timeout: 120_000 }, () => {
  it("opens the pull request past 502s and a secondary rate limit, then the worker pushes the skeleton on top of TASK.md", async () => {
    const base = "/repos/acme/shop";
    const mainHead = await repo.git("rev-parse", "refs/heads/main");
    github.failNext("GET", `${base}/git/ref/heads/main`, 502, { message: "Server Error" });
    github.failNext("PUT", `${base}/contents/TASK.md`, 403, SECONDARY_RATE_LIMIT, {
      headers: { "retry-after": "1" },
    });
    github.failNext("POST", `${base}/pulls`, 502, { message: "Server Error" });
    const story = await stack.createStory({ title: "Reorder stories", acceptanceTests: 2 });

    const since = github.calls.length;
    const created = await stack.generate(story.id);
    const { branch } = created.pullRequest;
    expect(created.pullRequest).toEqual({ number: 1, url: `${github.webUrl}/acme/shop/pull/1`, branch });
    expect(created.task).toMatchObject({ status: "queued", branch, pullRequest: { number: 1 } });

    // Each failed call was retried, and the retry succeeded; the rest went through at once.
    expect(answers("GET", `${base}/git/ref/heads/main`, since)).toEqual([502, 200]);
    expect(answers("GET", `${base}/contents/TASK.md?ref=main`, since)).toEqual([404]);
    expect(answers("POST", `${base}/git/refs`, since)).toEqual([201]);
    expect(answers("PUT", `${base}/contents/TASK.md`, since)).toEqual([403, 201]);
    expect(answers("POST", `${base}/pulls`, since)).toEqual([502, 201]);
    const apiCalls = github.calls.slice(since);
    expect(apiCalls).toHaveLength(8);
    expect(new Set(apiCalls.map((call) => call.authorization))).toEqual(new Set([`token ${TOKEN}`]));

    // As production wires it, with AIPM_GITHUB_TOKEN and AIPM_GITHUB_WEB_URL (the fake) from the stack.
    stack.startComposedWorker();
    const task = await stack.waitForTask(created.task.id, finished, 90_000);
    expect(task).toMatchObject({ status: "succeeded", error: null, leaseOwner: null });
    expect(task.commit).toMatch(/^[0-9a-f]{40}$/);
    const commit = task.commit ?? "";

    const events = await stack.events(task.id);
    expectOneScaffoldRun(events);
    expect(events[0]?.data).toMatchObject({ number: 1, url: created.pullRequest.url, branch, created: true });
    const files = events.find((event) => event.type === "git.committed")?.data.files as string[];
    expect(files).toHaveLength(1);
    const skeletonPath = files[0] ?? "";
    expect(skeletonPath).toMatch(/^tests\/acceptance\/reorder-stories-[a-z0-9]+\.test\.ts$/);

    // GitHub's repository itself: the branch holds the worker's commit on the API's TASK.md commit.
    expect(await repo.git("rev-parse", `refs/heads/${branch}`)).toBe(commit);
    expect(await repo.git("diff-tree", "--no-commit-id", "--name-only", "-r", commit)).toBe(skeletonPath);
    const skeleton = await repo.git("show", `${commit}:${skeletonPath}`);
    expect(skeleton).toContain('from "vitest"');
    expect(skeleton).toContain("Card accepted 1");
    expect(skeleton).toContain("Card accepted 2");
    expect(await repo.git("log", "-1", "--format=%B", commit)).toContain(task.id);
    const parent = await repo.git("rev-parse", `${commit}^`);
    expect(events.find((event) => event.type === "agent.started")?.data.baseCommit).toBe(parent);
    expect(await repo.git("diff-tree", "--no-commit-id", "--name-only", "-r", parent)).toBe("TASK.md");
    expect(await repo.git("show", `${parent}:TASK.md`)).toContain(task.id);
    // Written through the contents API: GitHub commits it, in the API's name.
    expect(await repo.git("log", "-1", "--format=%an <%ae> / %cn", parent)).toBe(
      "AIPM <aipm@localhost> / GitHub",
    );
    expect(await repo.git("rev-parse", `${parent}^`)).toBe(mainHead);
    expect(await repo.git("rev-parse", "refs/heads/main")).toBe(mainHead);

    // The pull request, as GitHub reports it, now has the worker's commit as its head.
    expect(repo.pulls).toMatchObject([
      { number: 1, title: "Reorder stories [AIPM]", head: branch, base: "main", state: "open" },
    ]);
    const pull = await fetch(`${github.url}${base}/pulls/1`, {
      headers: { authorization: `token ${TOKEN}` },
    });
    expect(await pull.json()).toMatchObject({
      html_url: created.pullRequest.url,
      head: { ref: branch, sha: commit },
      base: { ref: "main", sha: mainHead },
    });

    // The worker fetched and pushed over HTTP with the token as GitHub wants it.
    const gitCalls = github.calls.filter((call) => call.path.startsWith("/acme/shop.git/"));
    expect(answers("POST", "/acme/shop.git/git-upload-pack")).toContain(200);
    expect(answers("POST", "/acme/shop.git/git-receive-pack")).toEqual([200]);
    expect(new Set(gitCalls.map((call) => call.authorization))).toEqual(new Set([basic(TOKEN)]));

    const recorded = JSON.stringify({ task, events });
    expect(recorded).not.toContain(TOKEN);
    expect(recorded).not.toContain(basic(TOKEN).slice("Basic ".length));
  });

  it("refuses fetches and pushes without the token, as GitHub does (401)", async () => {
    const remote = `${github.webUrl}/acme/shop.git`;
    for (const service of ["git-upload-pack", "git-receive-pack"]) {
      const refs = `${remote}/info/refs?service=${service}`;
      for (const authorization of [undefined, basic("ghs_notTheToken"), `token ${TOKEN}`]) {
        const refused = await fetch(refs, authorization ? { headers: { authorization } } : {});
        expect(refused.status, `${service} with ${authorization}`).toBe(401);
        expect(refused.headers.get("www-authenticate")).toBe('Basic realm="GitHub"');
      }
      const allowed = await fetch(refs, { headers: { authorization: basic(TOKEN) } });
      expect(allowed.status).toBe(200);
      await allowed.arrayBuffer();
    }

    // git itself: a push with a wrong token and a fetch without one both fail, and change nothing.
    const clone = await stack.clone();
    await clone.git("commit", "--quiet", "--allow-empty", "-m", "Not allowed");
    const mainHead = await repo.git("rev-parse", "refs/heads/main");
    const since = github.calls.length;
    const wrongToken = [
      "-c",
      "http.extraHeader=",
      "-c",
      `http.extraHeader=Authorization: ${basic("ghs_no")}`,
    ];
    await expect(clone.git(...wrongToken, "push", "--quiet", remote, "HEAD:main")).rejects.toThrow();
    await expect(git(clone.dir, "-c", "http.extraHeader=", "ls-remote", remote)).rejects.toThrow();
    expect(answers("GET", "/acme/shop.git/info/refs?service=git-receive-pack", since)).toEqual([401]);
    expect(answers("GET", "/acme/shop.git/info/refs?service=git-upload-pack", since)).toEqual([401]);
    expect(await repo.git("rev-parse", "refs/heads/main")).toBe(mainHead);
  });
});

import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGit } from "@aipm/git";
import {
  createDynamo,
  dynamoLocalPullRequestStore,
  ensureTables,
  type LocalPullRequestStore,
} from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForgeError, type OpenPullRequestInput, type RepositoryRef } from "./forge.ts";
import { hardenRepositories, type LocalGitForge, localGitForge } from "./local-git.ts";

const PUBLIC_URL = "http://127.0.0.1:4000/";

let local: LocalDynamo;
let pullRequests: LocalPullRequestStore;
let reposDir: string;
let forge: LocalGitForge;

beforeAll(async () => {
  local = await startLocalDynamo();
  const dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `git${process.pid}`);
  await ensureTables(dynamo);
  pullRequests = dynamoLocalPullRequestStore(dynamo);
  reposDir = await mkdtemp(join(tmpdir(), "aipm-forge-test-"));
  forge = localGitForge({ reposDir, publicUrl: PUBLIC_URL, pullRequests });
});
afterAll(async () => {
  await local.close();
  await rm(reposDir, { recursive: true, force: true });
});

let repoCounter = 0;
async function newRepository(defaultBranch = "main"): Promise<RepositoryRef> {
  const repo = { owner: "acme", name: `shop-${++repoCounter}`, defaultBranch };
  expect(await forge.ensureRepository(repo)).toEqual({ created: true });
  return repo;
}

/** git in the bare repository of `repo`. */
const gitIn = (repo: RepositoryRef, ...args: string[]) =>
  runGit([`--git-dir=${forge.repositoryPath(repo)}`, ...args]);

const TASK_MD =
  "# Pay by card\n\n- Story: `sty_1`\n\nÜmlauts, emoji 🚀 and a line without newline at the end";

function prInput(
  repository: RepositoryRef,
  overrides: Partial<OpenPullRequestInput> = {},
): OpenPullRequestInput {
  return {
    repository,
    baseBranch: repository.defaultBranch,
    branch: "aipm/sty_1-pay-by-card",
    title: "Pay by card",
    body: "Implements the story.",
    files: [{ path: "TASK.md", content: TASK_MD }],
    commitMessage: "Add TASK.md for Pay by card",
    author: { name: "Ada Lovelace", email: "ada@example.com" },
    ...overrides,
  };
}

async function expectForgeError(promise: Promise<unknown>, code: ForgeError["code"], message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ForgeError);
  expect((error as ForgeError).code).toBe(code);
  if (message) expect((error as ForgeError).message).toMatch(message);
}

describe("ensureRepository", () => {
  it("creates a bare repository with an initial README commit on the default branch", async () => {
    const repo = await newRepository("trunk");
    expect(forge.repositoryPath(repo)).toBe(join(reposDir, "acme", `${repo.name}.git`));
    expect(await gitIn(repo, "rev-parse", "--is-bare-repository")).toBe("true");
    expect(await gitIn(repo, "symbolic-ref", "HEAD")).toBe("refs/heads/trunk");
    expect(await gitIn(repo, "config", "--bool", "http.receivepack")).toBe("true");
    expect(await gitIn(repo, "show", "trunk:README.md")).toBe(`# ${repo.name}`);
    expect(await gitIn(repo, "log", "--format=%an <%ae>|%cn|%s|%P", "trunk")).toBe(
      "AIPM <aipm@localhost>|AIPM|Initial commit|",
    );
    expect(await gitIn(repo, "ls-tree", "--name-only", "trunk")).toBe("README.md");
    expect(await readdir(join(reposDir, ".staging"))).toEqual([]);
  });

  it("leaves an existing repository alone", async () => {
    const repo = await newRepository();
    const head = await gitIn(repo, "rev-parse", "main");
    expect(await forge.ensureRepository(repo)).toEqual({ created: false });
    expect(await gitIn(repo, "rev-parse", "main")).toBe(head);
  });

  it("creates a repository once under concurrent calls, in one process or several", async () => {
    const repo = { owner: "acme", name: "concurrent", defaultBranch: "main" };
    const otherProcess = localGitForge({ reposDir, publicUrl: PUBLIC_URL, pullRequests });
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => forge.ensureRepository(repo)),
      ...Array.from({ length: 5 }, () => otherProcess.ensureRepository(repo)),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await gitIn(repo, "rev-list", "--count", "main")).toBe("1");
    expect(await readdir(join(reposDir, ".staging"))).toEqual([]);
  });

  it.each([
    [{ owner: "-acme", name: "shop" }, /owner/],
    [{ owner: "ac/me", name: "shop" }, /owner/],
    [{ owner: "..", name: "shop" }, /owner/],
    [{ owner: "acme", name: ".." }, /name/],
    [{ owner: "acme", name: "../../etc" }, /name/],
    [{ owner: "acme", name: "shop.git" }, /name/],
    [{ owner: "acme", name: "sh op" }, /name/],
    [{ owner: "acme", name: "shop", defaultBranch: "bad..branch" }, /default branch/],
  ])("rejects the invalid repository %o", async (fields, message) => {
    await expectForgeError(forge.ensureRepository({ defaultBranch: "main", ...fields }), "invalid", message);
    await expect(stat(join(reposDir, "etc"))).rejects.toThrow();
  });
});

describe("openPullRequest", () => {
  it("creates the branch from the base head with one commit holding the files, and records the pull request", async () => {
    const repo = await newRepository();
    const base = await gitIn(repo, "rev-parse", "main");
    const opened = await forge.openPullRequest(prInput(repo));

    expect(opened).toEqual({
      number: 1,
      url: `http://127.0.0.1:4000/forge/acme/${repo.name}/pull/1`,
      branch: "aipm/sty_1-pay-by-card",
      headSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      created: true,
    });
    expect(await gitIn(repo, "rev-parse", "aipm/sty_1-pay-by-card")).toBe(opened.headSha);
    expect(await gitIn(repo, "show", "-s", "--format=%P|%an|%ae|%cn|%ce|%B", opened.headSha)).toBe(
      `${base}|Ada Lovelace|ada@example.com|AIPM|aipm@localhost|Add TASK.md for Pay by card\n`,
    );
    // Exact bytes: runGit drops one final newline, and the content has none.
    expect(await gitIn(repo, "show", `${opened.headSha}:TASK.md`)).toBe(TASK_MD);
    expect(await gitIn(repo, "ls-tree", "--name-only", opened.headSha)).toBe("README.md\nTASK.md");
    expect(await gitIn(repo, "rev-parse", "main")).toBe(base);

    expect(await forge.getPullRequest(repo, 1)).toEqual({
      number: 1,
      url: opened.url,
      branch: opened.branch,
      baseBranch: "main",
      title: "Pay by card",
      state: "open",
      headSha: opened.headSha,
    });
    expect((await pullRequests.get(repo, 1))?.body).toBe("Implements the story.");
  });

  it("returns the open pull request of the branch again, committing only content that changed", async () => {
    const repo = await newRepository();
    const first = await forge.openPullRequest(prInput(repo));

    const again = await forge.openPullRequest(prInput(repo));
    expect(again).toEqual({ ...first, created: false });
    expect(await gitIn(repo, "rev-list", "--count", first.branch)).toBe("2");

    const changed = await forge.openPullRequest(
      prInput(repo, { files: [{ path: "docs/TASK.md", content: "v2\n" }], commitMessage: "Update the task" }),
    );
    expect(changed).toMatchObject({ number: first.number, url: first.url, created: false });
    expect(changed.headSha).not.toBe(first.headSha);
    expect(await gitIn(repo, "rev-parse", `${changed.headSha}^`)).toBe(first.headSha);
    expect(await gitIn(repo, "show", `${changed.headSha}:docs/TASK.md`)).toBe("v2");
    expect((await forge.getPullRequest(repo, first.number))?.headSha).toBe(changed.headSha);
  });

  it("opens a new pull request for a branch whose pull request was closed, on top of the branch", async () => {
    const repo = await newRepository();
    const first = await forge.openPullRequest(prInput(repo));
    await pullRequests.setState(repo, first.number, "closed");
    const second = await forge.openPullRequest(prInput(repo));
    expect(second).toEqual({ ...first, number: 2, url: first.url.replace(/1$/, "2"), created: true });
    expect((await forge.getPullRequest(repo, 1))?.state).toBe("closed");
  });

  it("numbers 10 concurrent pull requests on different branches 1 to 10", async () => {
    const repo = await newRepository();
    const base = await gitIn(repo, "rev-parse", "main");
    const opened = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        forge.openPullRequest(
          prInput(repo, { branch: `aipm/story-${i}`, files: [{ path: "TASK.md", content: `task ${i}\n` }] }),
        ),
      ),
    );
    expect(opened.map((p) => p.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const [i, p] of opened.entries()) {
      expect(await gitIn(repo, "show", `aipm/story-${i}:TASK.md`)).toBe(`task ${i}`);
      expect(await gitIn(repo, "rev-parse", `aipm/story-${i}^`)).toBe(base);
      expect((await forge.getPullRequest(repo, p.number))?.branch).toBe(`aipm/story-${i}`);
    }
  });

  it("opens one pull request when the same branch is asked for concurrently", async () => {
    const repo = await newRepository();
    const opened = await Promise.all(Array.from({ length: 5 }, () => forge.openPullRequest(prInput(repo))));
    expect(opened.filter((p) => p.created)).toHaveLength(1);
    expect(new Set(opened.map((p) => p.number))).toEqual(new Set([1]));
    expect(await gitIn(repo, "rev-list", "--count", opened[0]?.branch ?? "")).toBe("2");
  });

  it("uses neither this process's git environment nor the user's configuration", async () => {
    const repo = await newRepository();
    const saved = { ...process.env };
    Object.assign(process.env, {
      GIT_DIR: "/nonexistent",
      GIT_AUTHOR_NAME: "Intruder",
      GIT_COMMITTER_NAME: "Intruder",
      GIT_CONFIG_PARAMETERS: "'user.name'='Intruder'",
    });
    try {
      const opened = await forge.openPullRequest(prInput(repo));
      expect(await gitIn(repo, "show", "-s", "--format=%an|%cn", opened.headSha)).toBe("Ada Lovelace|AIPM");
    } finally {
      process.env = saved;
    }
  });

  it.each([
    ["../outside", /'\.' or '\.\.'/],
    ["docs/../../outside", /'\.' or '\.\.'/],
    ["./TASK.md", /'\.' or '\.\.'/],
    ["/etc/passwd", /absolute/],
    [".git/config", /\.git/],
    ["sub/.GIT/hooks/pre-commit", /\.git/],
    ["docs//TASK.md", /empty part/],
    ["docs/", /empty part/],
    ["docs\\TASK.md", /backslash/],
    ["", /1 to 4096/],
  ])("rejects the file path %j", async (path, message) => {
    const repo = await newRepository();
    await expectForgeError(
      forge.openPullRequest(prInput(repo, { files: [{ path, content: "x" }] })),
      "invalid",
      message,
    );
    expect(await gitIn(repo, "for-each-ref", "--format=%(refname)")).toBe("refs/heads/main");
  });

  it("rejects invalid branches, identities and repositories, and reports missing ones", async () => {
    const repo = await newRepository();
    await expectForgeError(
      forge.openPullRequest(prInput(repo, { branch: "a..b" })),
      "invalid",
      /head branch/,
    );
    await expectForgeError(
      forge.openPullRequest(prInput(repo, { branch: "main" })),
      "invalid",
      /other than its base/,
    );
    await expectForgeError(
      forge.openPullRequest(prInput(repo, { baseBranch: "-x" })),
      "invalid",
      /base branch/,
    );
    await expectForgeError(
      forge.openPullRequest(prInput(repo, { author: { name: "Eve <evil>", email: "e@x" } })),
      "invalid",
      /author/,
    );
    await expectForgeError(
      forge.openPullRequest(
        prInput(repo, {
          files: [
            { path: "a", content: "1" },
            { path: "a", content: "2" },
          ],
        }),
      ),
      "invalid",
      /twice/,
    );
    await expectForgeError(
      forge.openPullRequest(prInput({ ...repo, name: "../x" })),
      "invalid",
      /Repository name/,
    );
    await expectForgeError(
      forge.openPullRequest(prInput({ ...repo, name: "nowhere" })),
      "not-found",
      /does not exist/,
    );
    await expectForgeError(
      forge.openPullRequest(prInput(repo, { baseBranch: "develop" })),
      "not-found",
      /Base branch develop/,
    );
    expect(await forge.getPullRequest(repo, 42)).toBeNull();
  });
});

describe("repository settings", () => {
  it("logs every ref update, the forge's own included, and limits a push's size", async () => {
    const repo = await newRepository();
    expect(await gitIn(repo, "config", "core.logAllRefUpdates")).toBe("always");
    expect(await gitIn(repo, "config", "receive.maxInputSize")).toBe(String(100 * 1024 * 1024));
    const opened = await forge.openPullRequest(prInput(repo));
    expect(await gitIn(repo, "reflog", "show", "--format=%H", `refs/heads/${opened.branch}`)).toBe(
      opened.headSha,
    );
  });

  it("gives repositories made before these settings existed the settings (hardenRepositories)", async () => {
    const repo = await newRepository();
    await gitIn(repo, "config", "--unset", "core.logAllRefUpdates");
    await gitIn(repo, "config", "--unset", "receive.maxInputSize");
    expect(await hardenRepositories(reposDir)).toBeGreaterThanOrEqual(1);
    expect(await gitIn(repo, "config", "core.logAllRefUpdates")).toBe("always");
    expect(await hardenRepositories(join(reposDir, "missing"))).toBe(0);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGit } from "@aipm/git";
import { newId } from "@aipm/shared";
import { dynamoLocalPullRequestStore } from "@aipm/store";
import { type TestApi, useTestApi } from "@aipm/testing";
import { afterAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../src/deps.ts";
import { type LocalGitForge, localGitForge } from "../src/forge/local-git.ts";
import {
  createProject,
  createStory,
  createToken,
  expectJson,
  expectProblem,
  fieldErrors,
  type Project,
  type StoryDetail,
} from "./fixtures.ts";

const api = useTestApi();
const reposDirs: string[] = [];

afterAll(async () => {
  await Promise.all(reposDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The app with a real local git forge on a fresh folder of bare repositories. */
async function createApiWithLocalForge(
  overrides: Partial<AppDeps> = {},
): Promise<{ api: TestApi; forge: LocalGitForge }> {
  const reposDir = await mkdtemp(join(tmpdir(), "aipm-projects-test-"));
  reposDirs.push(reposDir);
  const forge = localGitForge({
    reposDir,
    publicUrl: overrides.publicUrl ?? api.deps.publicUrl,
    pullRequests: dynamoLocalPullRequestStore(api.dynamo),
  });
  return { api: await api.another({ ...overrides, forges: { local: forge } }), forge };
}

const git = (gitDir: string, ...args: string[]) =>
  runGit([`--git-dir=${gitDir}`, ...args], { trim: "whitespace" });

describe("creating a project", () => {
  it("binds it to a GitHub repository, with a github.com clone URL and main as the default branch", async () => {
    const project = await createProject(api, {
      name: "  Storefront  ",
      description: "The shop",
      repository: { provider: "github", owner: "acme", name: "storefront" },
    });
    expect(project).toMatchObject({
      id: expect.stringMatching(/^prj_[0-9a-z]{26}$/),
      name: "Storefront",
      description: "The shop",
      repository: {
        provider: "github",
        owner: "acme",
        name: "storefront",
        defaultBranch: "main",
        cloneUrl: "https://github.com/acme/storefront.git",
      },
      version: 1,
    });
    expect(project.createdAt).toBe(project.updatedAt);
  });

  it("creates a local repository with an initial commit on its default branch, and derives its clone URL", async () => {
    const { api: withForge, forge } = await createApiWithLocalForge();
    const repository = { provider: "local", owner: "acme", name: "shop.web", defaultBranch: "trunk" };
    const project = await createProject(withForge, { description: undefined, repository });
    expect(project.description).toBe("");
    expect(project.repository).toEqual({
      ...repository,
      cloneUrl: "http://127.0.0.1:4000/git/acme/shop.web.git",
    });

    const gitDir = forge.repositoryPath({ owner: "acme", name: "shop.web" });
    expect(await git(gitDir, "log", "--format=%s", "refs/heads/trunk")).toBe("Initial commit");
    const head = await git(gitDir, "rev-parse", "refs/heads/trunk");

    // A second project on the same repository keeps it as it is.
    await createProject(withForge, { name: "Same repository", repository });
    expect(await git(gitDir, "rev-parse", "refs/heads/trunk")).toBe(head);
  });

  it("refuses a local repository where this deployment has no local forge (422)", async () => {
    const withoutForges = await api.another({ forges: {} });
    const problem = await expectProblem(
      await withoutForges.request("POST", "/api/projects", {
        body: { name: "Shop", repository: { provider: "local", owner: "acme", name: "shop" } },
      }),
      422,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/forge-unavailable");
    const { projects } = await expectJson<{ projects: Project[] }>(
      await withoutForges.request("GET", "/api/projects"),
      200,
    );
    expect(projects).toEqual([]);
  });

  it("takes both clone URL bases from configuration (GitHub Enterprise Server, a deployed API)", async () => {
    const { api: configured } = await createApiWithLocalForge({
      githubWebUrl: "https://github.example.com/",
      publicUrl: "https://aipm.example.com",
    });
    const github = await createProject(configured, {
      repository: { provider: "github", owner: "platform", name: "api" },
    });
    const localRepository = await createProject(configured, {
      repository: { provider: "local", owner: "platform", name: "api" },
    });
    expect(github.repository.cloneUrl).toBe("https://github.example.com/platform/api.git");
    expect(localRepository.repository.cloneUrl).toBe("https://aipm.example.com/git/platform/api.git");
  });

  it("never takes the clone URL from the client, and rejects bad repository names", async () => {
    const response = await api.request("POST", "/api/projects", {
      body: {
        name: "Shop",
        repository: {
          provider: "gitlab",
          owner: "-acme",
          name: "shop.git",
          cloneUrl: "https://evil.example.com/x.git",
        },
      },
    });
    const problem = await expectProblem(response, 400);
    expect(problem.errors?.map((error) => error.path).sort()).toEqual([
      "repository",
      "repository.name",
      "repository.owner",
      "repository.provider",
    ]);
    expect(fieldErrors(problem)).toContain("repository: unknown field 'cloneUrl'");
  });
});

describe("reading and changing a project", () => {
  it("lists projects and reads one by id", async () => {
    const first = await createProject(api, { name: "First" });
    const second = await createProject(api, { name: "Second" });
    const { projects } = await expectJson<{ projects: Project[] }>(
      await api.request("GET", "/api/projects"),
      200,
    );
    expect(projects).toEqual(expect.arrayContaining([first, second]));
    expect(await expectJson<Project>(await api.request("GET", `/api/projects/${second.id}`), 200)).toEqual(
      second,
    );
  });

  it("changes the name, description and default branch, bumping the version; the clone URL stays derived", async () => {
    const project = await createProject(api);
    const changed = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        body: {
          version: 1,
          name: "Checkout v2",
          description: "Now with wallets",
          repository: { defaultBranch: "develop" },
        },
      }),
      200,
    );
    expect(changed).toMatchObject({
      id: project.id,
      name: "Checkout v2",
      description: "Now with wallets",
      repository: { ...project.repository, defaultBranch: "develop" },
      createdAt: project.createdAt,
      version: 2,
    });
    const withoutVersion = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, { body: { name: "Checkout v3" } }),
      200,
    );
    expect(withoutVersion).toMatchObject({
      name: "Checkout v3",
      description: "Now with wallets",
      version: 3,
    });
    expect(await expectJson<Project>(await api.request("GET", `/api/projects/${project.id}`), 200)).toEqual(
      withoutVersion,
    );
  });

  it("refuses a change that names a stale version with 409", async () => {
    const project = await createProject(api);
    await expectJson(
      await api.request("PATCH", `/api/projects/${project.id}`, { body: { version: 1, name: "A" } }),
      200,
    );
    const problem = await expectProblem(
      await api.request("PATCH", `/api/projects/${project.id}`, { body: { version: 1, name: "B" } }),
      409,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/stale-version");
  });

  it("keeps the test command an admin sets (null until then), and refuses it from an editor (403)", async () => {
    const editor = await createToken(api, "editor");
    const project = await createProject(api, {}, editor.token);
    expect(project.testCommand).toBeNull();
    await expectProblem(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        token: editor.token,
        body: { testCommand: "pnpm test" },
      }),
      403,
    );
    await expectProblem(
      await api.request("POST", "/api/projects", {
        token: editor.token,
        body: {
          name: "T",
          repository: { provider: "github", owner: "acme", name: "t" },
          testCommand: "make",
        },
      }),
      403,
    );
    const set = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        body: { testCommand: "  pnpm test -- --run " },
      }),
      200,
    );
    expect(set).toMatchObject({ testCommand: "pnpm test -- --run", version: 2 });
    expect(
      (await expectJson<Project>(await api.request("GET", `/api/projects/${project.id}`), 200)).testCommand,
    ).toBe("pnpm test -- --run");
    const problem = await expectProblem(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        body: { testCommand: "npm test\nrm -rf /" },
      }),
      400,
    );
    expect(fieldErrors(problem)).toEqual([expect.stringMatching(/^testCommand: /)]);
    const cleared = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, { body: { testCommand: null } }),
      200,
    );
    expect(cleared.testCommand).toBeNull();
  });

  it("lets only an admin turn off done-requires-passing-tests; an editor may turn it on", async () => {
    const editor = await createToken(api, "editor");
    const project = await createProject(api, {}, editor.token);
    expect(project.doneRequiresPassingTests).toBe(true);
    const refused = await expectProblem(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        token: editor.token,
        body: { doneRequiresPassingTests: false },
      }),
      403,
    );
    expect(refused.detail).toMatch(/admin role/);
    await expectProblem(
      await api.request("POST", "/api/projects", {
        token: editor.token,
        body: {
          name: "T",
          repository: { provider: "github", owner: "acme", name: "t" },
          doneRequiresPassingTests: false,
        },
      }),
      403,
    );
    const off = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        body: { doneRequiresPassingTests: false },
      }),
      200,
    );
    expect(off.doneRequiresPassingTests).toBe(false);
    // The web app sends the setting on every save: an editor may rename a project whose rule is off.
    const renamed = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        token: editor.token,
        body: { name: "Renamed", doneRequiresPassingTests: false },
      }),
      200,
    );
    expect(renamed).toMatchObject({ name: "Renamed", doneRequiresPassingTests: false });
    const on = await expectJson<Project>(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        token: editor.token,
        body: { doneRequiresPassingTests: true },
      }),
      200,
    );
    expect(on.doneRequiresPassingTests).toBe(true);
  });

  it("answers 404 for a project that does not exist", async () => {
    const missing = newId("project");
    await expectProblem(await api.request("GET", `/api/projects/${missing}`), 404);
    await expectProblem(await api.request("PATCH", `/api/projects/${missing}`, { body: { name: "x" } }), 404);
    await expectProblem(await api.request("DELETE", `/api/projects/${missing}`), 404);
    await expectProblem(await api.request("GET", `/api/projects/${missing}/stories`), 404);
  });
});

describe("deleting a project", () => {
  it("deletes a project without stories; afterwards it is 404", async () => {
    const project = await createProject(api);
    const response = await api.request("DELETE", `/api/projects/${project.id}`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    await expectProblem(await api.request("GET", `/api/projects/${project.id}`), 404);
  });

  it("refuses a project with stories (409) unless ?cascade=true, which deletes its stories with it", async () => {
    const project = await createProject(api);
    const parent = await createStory(api, project.id, { title: "Parent" });
    const child = await createStory(api, project.id, { title: "Child", parentId: parent.id });
    await api.request("POST", `/api/stories/${child.id}/acceptance-tests`, {
      body: { title: "t", given: ["g"], when: ["w"], then: ["I see it"] },
    });

    const refused = await expectProblem(await api.request("DELETE", `/api/projects/${project.id}`), 409);
    expect(refused.detail).toContain("?cascade=true");
    await expectProblem(await api.request("DELETE", `/api/projects/${project.id}?cascade=false`), 409);
    const { stories } = await expectJson<{ stories: StoryDetail[] }>(
      await api.request("GET", `/api/projects/${project.id}/stories`),
      200,
    );
    expect(stories).toHaveLength(2);

    expect((await api.request("DELETE", `/api/projects/${project.id}?cascade=true`)).status).toBe(204);
    await expectProblem(await api.request("GET", `/api/projects/${project.id}`), 404);
    await expectProblem(await api.request("GET", `/api/stories/${parent.id}`), 404);
    await expectProblem(await api.request("GET", `/api/stories/${child.id}`), 404);
  });

  it("needs the admin role", async () => {
    const project = await createProject(api);
    const editor = await createToken(api, "editor");
    const problem = await expectProblem(
      await api.request("DELETE", `/api/projects/${project.id}`, { token: editor.token }),
      403,
    );
    expect(problem.detail).toContain("admin");
    await expectJson(await api.request("GET", `/api/projects/${project.id}`), 200);
  });
});

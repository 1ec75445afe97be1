/**
 * GET /api/projects/{id}/export and POST /api/projects/import on a project made the way users and
 * workers make one (local git forge, a generated task, recorded test results): the document, a
 * copy under new ids, a restore under the same ids, the checks before anything is written, who
 * may import, bodies past 256 KiB and gzipped, and a write failing halfway.
 */
import { gzipSync } from "node:zlib";
import {
  collectionLimits,
  type ProjectExport,
  projectExportSchema,
  type TraceabilityMatrix,
} from "@aipm/shared";
import { ADMIN_TOKEN, createTestApi, type TestApi } from "@aipm/testing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createStory,
  createToken,
  expectJson,
  expectProblem,
  fieldErrors,
  type Project,
  type StoryDetail,
} from "./fixtures.ts";
import {
  api,
  type CodeGeneration,
  finish,
  generate,
  local,
  storyWithTests,
  useTaskApi,
} from "./task-support.ts";

useTaskApi();

let project: Project;
let card: StoryDetail;
let checkout: StoryDetail;
let generation: CodeGeneration;
let original: ProjectExport;

beforeAll(async () => {
  ({ project, story: card } = await storyWithTests());
  checkout = await createStory(api, project.id, { title: "Checkout" });
  card = await expectJson<StoryDetail>(
    await api.request("PATCH", `/api/stories/${card.id}`, {
      body: { version: card.version, parentId: checkout.id },
    }),
    200,
  );
  const wallets = await createStory(api, project.id, { title: "Wallets", parentId: checkout.id });
  await createAcceptanceTest(api, wallets.id, { title: "Apple Pay works" });
  await expectJson(
    await api.request("POST", `/api/stories/${wallets.id}/dependencies`, { body: { dependsOnId: card.id } }),
    201,
  );
  generation = await expectJson<CodeGeneration>(await generate(card.id), 202);
  await finish(generation.task.id, "succeed");
  const [charged] = card.acceptanceTests;
  await api.deps.stories.recordTestResults(
    project.id,
    card.id,
    [{ testId: charged?.id ?? "", result: "Pass" }],
    {
      taskId: generation.task.id,
      commit: "a".repeat(40),
      at: "2026-12-03T09:00:00.000Z",
    },
  );
  original = await exportOf(api, project.id);
});

async function exportOf(on: TestApi, projectId: string): Promise<ProjectExport> {
  return expectJson<ProjectExport>(await on.request("GET", `/api/projects/${projectId}/export`), 200);
}

/** POST /api/projects/import with a JSON value, a text or bytes (gzip), as the admin unless `token`. */
function importing(
  body: unknown,
  query = "",
  options: { token?: string; on?: TestApi; headers?: Record<string, string> } = {},
): Promise<Response> {
  const raw = body instanceof Uint8Array || typeof body === "string" ? body : JSON.stringify(body);
  return Promise.resolve(
    (options.on ?? api).app.request(`/api/projects/import${query}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
        "Content-Type": "application/json",
        ...options.headers,
      },
      body: raw,
    }),
  );
}

/** A well-formed story id of its own for each number (the ULID alphabet has no i, l, o or u). */
function storyId(n: number): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  let suffix = "";
  for (let rest = n, i = 0; i < 6; i++, rest = Math.floor(rest / 32))
    suffix = (alphabet[rest % 32] ?? "0") + suffix;
  return `sty_01jdq3m1k9x7v2b8c4n5${suffix}`;
}

/** The original with `extra` more root stories, each with a 20,000-character description. */
function padded(extra: number): ProjectExport {
  const first = original.stories[0];
  if (!first) throw new Error("the export has stories");
  const long = { ...first, parentId: null, description: "y".repeat(20_000) };
  return {
    ...original,
    stories: [
      ...original.stories,
      ...Array.from({ length: extra }, (_, index) => ({ ...long, id: storyId(index) })),
    ],
  };
}

const projectCount = async (on: TestApi = api) =>
  (await expectJson<{ projects: unknown[] }>(await on.request("GET", "/api/projects"), 200)).projects.length;

describe("GET /api/projects/{projectId}/export", () => {
  it("is one versioned document: settings without the derived clone URL, stories parents first, tests with their runs, dependencies, tasks", async () => {
    const response = await api.request("GET", `/api/projects/${project.id}/export`);
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="project-${project.id}.json"`,
    );
    expect(projectExportSchema.parse(original)).toEqual(original);
    expect(original).toMatchObject({ format: "aipm.project-export", version: 1 });
    expect(original.project.repository).toEqual({
      provider: "local",
      owner: "acme",
      name: project.repository.name,
      defaultBranch: "main",
    });
    expect(original.stories.map((story) => story.title)).toEqual(["Checkout", "Pay by card", "Wallets"]);
    expect(original.acceptanceTests.map((test) => [test.title, test.lastRun?.result ?? null])).toEqual([
      ["A valid card is charged", "Pass"],
      ["A declined card shows why", null],
      ["Apple Pay works", null],
    ]);
    expect(original.dependencies).toEqual([expect.objectContaining({ dependsOnId: card.id })]);
    expect(original.tasks).toEqual([
      expect.objectContaining({
        id: generation.task.id,
        status: "succeeded",
        pullRequest: generation.task.pullRequest,
      }),
    ]);
    expect(Object.keys(original.tasks[0] ?? {})).not.toContain("leaseOwner");
  });
});

describe("POST /api/projects/import", () => {
  it("makes a copy under new ids by default, whose matrix finds its runs' pull requests", async () => {
    const result = await expectJson<{ project: Project; ids: string; imported: Record<string, number> }>(
      await importing(original),
      201,
    );
    expect(result.ids).toBe("new");
    expect(result.imported).toEqual({ stories: 3, acceptanceTests: 3, dependencies: 1, tasks: 1 });
    expect(result.project.id).not.toBe(project.id);
    expect(result.project.repository.cloneUrl).toBe(project.repository.cloneUrl);
    const copy = await exportOf(api, result.project.id);
    expect(copy.stories.map((story) => story.title)).toEqual(["Checkout", "Pay by card", "Wallets"]);
    expect(copy.stories.some((story) => original.stories.some((old) => old.id === story.id))).toBe(false);
    const matrix = await expectJson<TraceabilityMatrix>(
      await api.request("GET", `/api/projects/${result.project.id}/traceability?result=Pass`),
      200,
    );
    expect(matrix.rows).toEqual([
      expect.objectContaining({
        storyPath: ["Checkout", "Pay by card"],
        taskId: copy.tasks[0]?.id,
        pullRequest: generation.task.pullRequest,
      }),
    ]);
  });

  it("restores under the document's own ids only where none is in use: 409 while the project exists, 201 once deleted", async () => {
    const taken = await expectProblem(await importing(original, "?ids=keep"), 409);
    expect(taken.type).toBe("https://aipm.dev/problems/ids-in-use");
    expect(taken.detail).toMatch(
      /already exists here\. Import it with \?ids=new to make a copy, or delete it first/,
    );

    await api.request("DELETE", `/api/projects/${project.id}?cascade=true`);
    const restored = await expectJson<{ imported: Record<string, number> }>(
      await importing(original, "?ids=keep"),
      201,
    );
    // The tasks outlived the project's deletion: they are left as they are.
    expect(restored.imported).toEqual({ stories: 3, acceptanceTests: 3, dependencies: 1, tasks: 0 });
    expect({ ...(await exportOf(api, project.id)), exportedAt: null }).toEqual({
      ...original,
      exportedAt: null,
    });
    const story = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${card.id}`), 200);
    expect(story.parentId).toBe(checkout.id);
  });

  it("refuses ids another project uses, naming them", async () => {
    const stolen = { ...original, project: { ...original.project, id: "prj_01jdq3m1k9x7v2b8c4n5r6t0yz" } };
    const problem = await expectProblem(await importing(stolen, "?ids=keep"), 409);
    expect(problem.detail).toContain(`This deployment already uses 7 of the document's ids (${checkout.id}`);
  });

  it("checks the whole document first and writes nothing of one it refuses", async () => {
    const before = await projectCount();
    const invalid = await expectProblem(await importing("{ not json"), 400);
    expect(invalid.detail).toMatch(/not valid JSON/);
    const broken = {
      ...original,
      version: 2,
      stories: original.stories.map((story, index) =>
        index === 2 ? { ...story, parentId: original.project.id } : story,
      ),
    };
    const problem = await expectProblem(await importing(broken), 400);
    expect(fieldErrors(problem)).toEqual([
      "version: this AIPM reads version 1 only: export the project again with this AIPM's version, or import it into the AIPM version that made it",
      "stories.2.parentId: must be a story id like sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
    ]);
    const orphan = {
      ...original,
      acceptanceTests: original.acceptanceTests.map((test) => ({
        ...test,
        storyId: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
      })),
    };
    expect(fieldErrors(await expectProblem(await importing(orphan), 400))[0]).toBe(
      "acceptanceTests.0.storyId: names story sty_01jdq3m1k9x7v2b8c4n5r6t0yz, which the document does not hold",
    );
    expect(await projectCount()).toBe(before);
  });

  it(`refuses more than ${collectionLimits.storiesPerProject.toLocaleString("en")} stories with 422, listing a bounded number of problems`, async () => {
    const story = original.stories[0];
    if (!story) throw new Error("the export has stories");
    const many = Array.from({ length: collectionLimits.storiesPerProject + 1 }, (_, index) => ({
      ...story,
      parentId: null,
      id: storyId(index),
    }));
    const problem = await expectProblem(
      await importing({ ...original, stories: many, acceptanceTests: [], dependencies: [], tasks: [] }),
      422,
    );
    expect(problem.type).toBe("https://aipm.dev/problems/limit-exceeded");
    expect(fieldErrors(problem)).toEqual([
      "stories: must hold at most 10,000 stories, the most a project may have",
    ]);
  });

  it("takes a gzipped document, and a body past 256 KiB up to the import limit", async () => {
    const large = JSON.stringify(padded(14));
    expect(large.length).toBeGreaterThan(256 * 1024);
    expect((await importing(large)).status).toBe(201);
    expect((await api.request("POST", "/api/projects", { body: large })).status).toBe(413);
    const gzipped = gzipSync(Buffer.from(JSON.stringify(original)));
    const result = await expectJson<{ project: Project }>(
      await importing(gzipped, "", { headers: { "Content-Type": "application/gzip" } }),
      201,
    );
    expect((await exportOf(api, result.project.id)).stories).toHaveLength(3);
  });

  it("answers 413 past AIPM_IMPORT_MAX_BYTES, sent as it is or gzipped", async () => {
    const small = await createTestApi(local, {}, { AIPM_IMPORT_MAX_BYTES: String(300 * 1024) });
    const many = padded(20);
    const tooLarge = await expectProblem(await importing(many, "", { on: small }), 413);
    expect(tooLarge.detail).toBe(
      "The request body is larger than 300 KiB, this deployment's limit for imports (AIPM_IMPORT_MAX_BYTES).",
    );
    const bomb = gzipSync(Buffer.from(JSON.stringify(many)));
    expect(bomb.length).toBeLessThan(300 * 1024);
    const inflated = await expectProblem(await importing(bomb, "", { on: small }), 413);
    expect(inflated.detail).toMatch(/\(decompressed\)$/);
    expect(await projectCount(small)).toBe(0);
  });

  it("is an editor's, unscoped; a test command or budget in the document needs an admin, as on create", async () => {
    const viewer = await createToken(api, "viewer");
    await expectProblem(await importing(original, "", { token: viewer.token }), 403);
    const scoped = await createToken(api, "editor", project.id);
    await expectProblem(await importing(original, "", { token: scoped.token }), 403);
    const editor = await createToken(api, "editor");
    // Test runs and tasks are the workers' evidence: an editor's document must not carry them.
    const forged = await expectProblem(await importing(original, "", { token: editor.token }), 403);
    expect(forged.detail).toMatch(/evidence only the workers write/);
    const plain = {
      ...original,
      tasks: [],
      acceptanceTests: original.acceptanceTests.map(({ lastRun: _run, ...test }) => test),
    };
    await expectJson(await importing(plain, "", { token: editor.token }), 201);
    const ruleOff = { ...plain, project: { ...original.project, doneRequiresPassingTests: false } };
    await expectProblem(await importing(ruleOff, "", { token: editor.token }), 403);
    const withCommand = { ...plain, project: { ...original.project, testCommand: "npm test" } };
    const refused = await expectProblem(await importing(withCommand, "", { token: editor.token }), 403);
    expect(refused.detail).toMatch(/admin role/);
    await expectJson(await importing(withCommand), 201);
  });

  it("stores a task that was queued or running when exported as cancelled: an import never queues work", async () => {
    const running = {
      ...original,
      tasks: original.tasks.map((task) => ({ ...task, status: "running" as const, finishedAt: null })),
    };
    const result = await expectJson<{ project: Project }>(await importing(running), 201);
    const [task] = (await exportOf(api, result.project.id)).tasks;
    expect(task).toMatchObject({ status: "cancelled", finishedAt: expect.any(String) });
    expect((await api.deps.tasks.stats()).queued).toBeGreaterThanOrEqual(0);
    expect(await api.deps.tasks.claimNext("worker-x", 60_000)).toBeNull();
  });

  it("needs the local forge for a project on a local repository", async () => {
    const noForge = await createTestApi(local, { forges: {} });
    const problem = await expectProblem(await importing(original, "", { on: noForge }), 422);
    expect(problem.type).toBe("https://aipm.dev/problems/forge-unavailable");
  });

  it("removes what it wrote when a write fails halfway, so the same import can run again", async () => {
    const target = await createTestApi(local);
    let failProjectWrite = true;
    target.dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string };
        if (
          failProjectWrite &&
          context.commandName === "PutItemCommand" &&
          input.TableName === target.dynamo.tables.projects
        ) {
          failProjectWrite = false;
          throw new Error("the projects table failed, as the test asked");
        }
        return next(args);
      },
      { step: "initialize", name: "failTheProjectWrite" },
    );
    const failed = await target.request("POST", "/api/projects/import?ids=keep", {
      body: { ...original, project: { ...original.project, id: "prj_01jdq3m1k9x7v2b8c4n5r6t0zz" } },
    });
    expect(failed.status).toBe(500);
    expect(failProjectWrite).toBe(false);
    const left = await target.deps.stories.readProject("prj_01jdq3m1k9x7v2b8c4n5r6t0zz");
    expect(left).toEqual({ stories: [], acceptanceTests: [], dependencies: [] });
    expect(await target.deps.tasks.getMany(original.tasks.map((task) => task.id))).toEqual([]);
    expect(await projectCount(target)).toBe(0);
    await expectJson(
      await target.request("POST", "/api/projects/import?ids=keep", {
        body: { ...original, project: { ...original.project, id: "prj_01jdq3m1k9x7v2b8c4n5r6t0zz" } },
      }),
      201,
    );
  });
});

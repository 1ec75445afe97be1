/**
 * GET /api/projects/{id}/traceability on real data: a project on a local git forge whose story was
 * generated, run and tested as a worker does it; the matrix in JSON, CSV and Markdown, its
 * filters, who may read it, and what it reads.
 */
import { newId, type TraceabilityMatrix } from "@aipm/shared";
import type { TaskStore } from "@aipm/store";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createStory,
  createToken,
  expectJson,
  expectProblem,
  type Project,
  type StoryDetail,
} from "./fixtures.ts";
import { api, type CodeGeneration, finish, generate, storyWithTests, useTaskApi } from "./task-support.ts";

useTaskApi();

let project: Project;
let checkout: StoryDetail;
let card: StoryDetail;
let wallets: StoryDetail;
let search: StoryDetail;
let generation: CodeGeneration;
const commit = "e".repeat(40);
const ranAt = "2026-12-01T10:00:00.000Z";

beforeAll(async () => {
  ({ project, story: card } = await storyWithTests());
  checkout = await createStory(api, project.id, { title: "Checkout" });
  await expectJson(
    await api.request("PATCH", `/api/stories/${card.id}`, {
      body: { version: card.version, parentId: checkout.id },
    }),
    200,
  );
  wallets = await createStory(api, project.id, { title: "Wallets", parentId: checkout.id });
  search = await createStory(api, project.id, { title: "Search" });
  await createAcceptanceTest(api, search.id, { title: "Finds a product by name" });
  generation = await expectJson<CodeGeneration>(await generate(card.id), 202);
  await finish(generation.task.id, "succeed");
  card = await expectJson<StoryDetail>(await api.request("GET", `/api/stories/${card.id}`), 200);
  const [charged, declined] = card.acceptanceTests;
  await api.deps.stories.recordTestResults(
    project.id,
    card.id,
    [
      { testId: charged?.id ?? "", result: "Pass" },
      { testId: declined?.id ?? "", result: "Fail" },
    ],
    { taskId: generation.task.id, commit, at: ranAt },
  );
});

const matrixOf = async (query = "", token?: string) =>
  expectJson<TraceabilityMatrix>(
    await api.request("GET", `/api/projects/${project.id}/traceability${query}`, token ? { token } : {}),
    200,
  );

describe("GET /api/projects/{projectId}/traceability", () => {
  it("has a row per acceptance test in outline order, with its last run's result, task, pull request and commit", async () => {
    const matrix = await matrixOf();
    expect(matrix.projectId).toBe(project.id);
    expect(matrix.rows.map((row) => [row.storyPath.join(" > "), row.testTitle, row.lastResult])).toEqual([
      ["Checkout", null, null],
      ["Checkout > Pay by card", "A valid card is charged", "Pass"],
      ["Checkout > Pay by card", "A declined card shows why", "Fail"],
      ["Checkout > Wallets", null, null],
      ["Search", "Finds a product by name", null],
    ]);
    expect(matrix.rows[3]?.storyId).toBe(wallets.id);
    expect(matrix.rows[1]).toMatchObject({
      storyId: card.id,
      storyStatus: "In Progress",
      testId: card.acceptanceTests[0]?.id,
      testStatus: "Pass",
      lastRunAt: ranAt,
      taskId: generation.task.id,
      pullRequest: { number: generation.pullRequest.number, url: generation.pullRequest.url },
      commit,
    });
    expect(matrix.rows[0]).toEqual({
      storyId: checkout.id,
      storyPath: ["Checkout"],
      storyStatus: "Draft",
      testId: null,
      testTitle: null,
      testStatus: null,
      lastResult: null,
      lastRunAt: null,
      taskId: null,
      pullRequest: null,
      commit: null,
    });
  });

  it("reads the project once and only the tasks its rows name, in one batch", async () => {
    const original = api.deps.tasks;
    const batches: string[][] = [];
    let lists = 0;
    const spy: TaskStore = {
      ...original,
      getMany: (ids) => {
        batches.push([...ids]);
        return original.getMany(ids);
      },
      list: (filter) => {
        lists++;
        return original.list(filter);
      },
    };
    api.deps.tasks = spy;
    try {
      await matrixOf();
      await matrixOf("?result=none");
    } finally {
      api.deps.tasks = original;
    }
    expect(batches).toEqual([[generation.task.id]]);
    expect(lists).toBe(0);
  });

  it("filters by subtree, story status, result and text", async () => {
    const titles = async (query: string) =>
      (await matrixOf(query)).rows.map((row) => `${row.storyPath.at(-1)}: ${row.testTitle ?? "-"}`);
    expect(await titles(`?storyId=${card.id}`)).toEqual([
      "Pay by card: A valid card is charged",
      "Pay by card: A declined card shows why",
    ]);
    expect(await titles(`?storyId=${checkout.id}&result=none`)).toEqual(["Checkout: -", "Wallets: -"]);
    expect(await titles("?result=Fail")).toEqual(["Pay by card: A declined card shows why"]);
    expect(await titles("?storyStatus=Done")).toEqual([]);
    expect(await titles("?q=wALLet")).toEqual(["Wallets: -"]);
    expect(await titles("?q=by%20name&storyStatus=Draft")).toEqual(["Search: Finds a product by name"]);
  });

  it("answers CSV and Markdown as downloads", async () => {
    const csv = await api.request("GET", `/api/projects/${project.id}/traceability?format=csv&result=Pass`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8; header=present");
    expect(csv.headers.get("Content-Disposition")).toBe(
      `attachment; filename="traceability-${project.id}.csv"`,
    );
    const lines = (await csv.text()).split("\r\n");
    expect(lines[0]).toMatch(/^Story path,Story ID,Story status,Test ID,Test title,/);
    expect(lines[1]).toBe(
      [
        "Checkout > Pay by card",
        card.id,
        "In Progress",
        card.acceptanceTests[0]?.id,
        "A valid card is charged",
        "Pass",
        "Pass",
        ranAt,
        generation.task.id,
        generation.pullRequest.number,
        generation.pullRequest.url,
        commit,
      ].join(","),
    );
    expect(lines).toHaveLength(3);

    const markdown = await api.request("GET", `/api/projects/${project.id}/traceability?format=markdown`);
    expect(markdown.headers.get("Content-Type")).toBe("text/markdown; charset=utf-8");
    expect(markdown.headers.get("Content-Disposition")).toBe(
      `attachment; filename="traceability-${project.id}.md"`,
    );
    const table = (await markdown.text()).trimEnd().split("\n");
    expect(table).toHaveLength(2 + 5);
    expect(table[3]).toContain(`[#${generation.pullRequest.number}](${generation.pullRequest.url})`);
  });

  it("refuses malformed filters with 400, a search past 200 characters with 422, a story outside the project with 404", async () => {
    const bad = async (query: string) =>
      expectProblem(await api.request("GET", `/api/projects/${project.id}/traceability${query}`), 400);
    await bad("?result=Passed");
    await bad("?storyStatus=Finished");
    await bad("?format=xlsx");
    await bad("?storyId=not-an-id");
    await expectProblem(
      await api.request("GET", `/api/projects/${project.id}/traceability?q=${"x".repeat(201)}`),
      422,
    );
    const { story: elsewhere } = await storyWithTests();
    for (const storyId of [elsewhere.id, newId("story")]) {
      const problem = await expectProblem(
        await api.request("GET", `/api/projects/${project.id}/traceability?storyId=${storyId}`),
        404,
      );
      expect(problem.detail).toBe(`Story ${storyId} is not a story of project ${project.id}.`);
    }
    await expectProblem(await api.request("GET", `/api/projects/${newId("project")}/traceability`), 404);
  });

  it("is read by any token that reaches the project, and 404 to one limited to another project", async () => {
    const viewer = await createToken(api, "viewer", project.id);
    expect((await matrixOf("", viewer.token)).rows).toHaveLength(5);
    const { project: other } = await storyWithTests();
    const outsider = await createToken(api, "editor", other.id);
    await expectProblem(
      await api.request("GET", `/api/projects/${project.id}/traceability`, { token: outsider.token }),
      404,
    );
  });
});

/**
 * What an import writes through the stores, on dynalite: the claim that keeps two imports of one
 * project apart, contents whose counts the limits then hold to, the ids already in use, and tasks
 * written only as finished history.
 */
import {
  type AcceptanceTest,
  type CodeGenerationTask,
  collectionLimits,
  newId,
  newQueuedTask,
  type Story,
} from "@aipm/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transactionChunks } from "./bulk-writes.ts";
import { createDynamo, ensureTables } from "./dynamo.ts";
import { isStoreError } from "./errors.ts";
import { type LocalDynamo, startLocalDynamo } from "./local-dynamo.ts";
import { dynamoProjectStore } from "./projects.ts";
import { dynamoStoryStore } from "./stories.ts";
import { dynamoTaskStore } from "./tasks.ts";

let local: LocalDynamo;
let environments = 0;
beforeAll(async () => {
  local = await startLocalDynamo();
});
afterAll(() => local.close());

async function stores() {
  const dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `import${++environments}`);
  await ensureTables(dynamo);
  return {
    projects: dynamoProjectStore(dynamo),
    stories: dynamoStoryStore(dynamo),
    tasks: dynamoTaskStore(dynamo),
  };
}

const at = "2026-02-01T09:00:00.000Z";

function story(projectId: string, parentId: string | null, title: string): Story {
  return {
    id: newId("story"),
    projectId,
    parentId,
    title,
    asA: "",
    iWant: "",
    soThat: "",
    description: "",
    components: [],
    storyPoints: null,
    assignee: "",
    status: "Draft",
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

function test(storyId: string, title = "works"): AcceptanceTest {
  return {
    id: newId("acceptanceTest"),
    storyId,
    title,
    given: ["a"],
    when: ["b"],
    then: ["c"],
    status: "Draft",
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

function project(id: string) {
  return {
    id,
    name: "Shop",
    description: "",
    repository: { provider: "github" as const, owner: "acme", name: "shop", defaultBranch: "main" },
    monthlyBudgetUsd: null,
    testCommand: null,
    maxRounds: 5,
    doneRequiresPassingTests: true,
    autoRounds: false,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

function finishedTask(projectId: string, storyId: string): CodeGenerationTask {
  const task = newQueuedTask({
    id: newId("task"),
    projectId,
    storyId,
    agent: "scaffold",
    branch: `aipm/${storyId}`,
    pullRequest: { number: 3, url: "https://github.com/acme/shop/pull/3" },
    maxAttempts: 3,
    now: at,
  });
  return { ...task, status: "succeeded", finishedAt: at, commit: "b".repeat(40) };
}

describe("claimImport and importContents", () => {
  it("writes a project's contents with the counts that its limits are then checked against", async () => {
    const { stories, projects } = await stores();
    const projectId = newId("project");
    const root = story(projectId, null, "Checkout");
    const child = story(projectId, root.id, "Pay");
    const tests = Array.from({ length: collectionLimits.acceptanceTestsPerStory }, () => test(child.id));
    const dependency = { storyId: root.id, dependsOnId: child.id, createdAt: at };
    await stories.claimImport(projectId, 2);
    await stories.importContents(projectId, {
      stories: [root, child],
      acceptanceTests: tests,
      dependencies: [dependency],
    });

    const read = await stories.readProject(projectId);
    expect(read.stories.sort((a, b) => a.title.localeCompare(b.title))).toEqual([root, child]);
    expect(read.acceptanceTests).toHaveLength(tests.length);
    expect(read.dependencies).toEqual([dependency]);
    expect((await stories.getStory(root.id))?.childCount).toBe(1);
    // The imported test count holds: the story is full.
    const refused = await stories.createAcceptanceTest(projectId, test(child.id)).catch((error) => error);
    expect(isStoreError(refused, "conflict") && refused.parts).toEqual(["limit"]);
    // A child added later (once the project's record is written) counts with the imported one.
    await projects.create(project(projectId));
    await stories.createStory(story(projectId, root.id, "Refund"));
    expect((await stories.getStory(root.id))?.childCount).toBe(2);
  });

  it("claims with the story count, so that a full project imported stays full", async () => {
    const { stories, projects } = await stores();
    const projectId = newId("project");
    await stories.claimImport(projectId, collectionLimits.storiesPerProject);
    await projects.create(project(projectId));
    const refused = await stories.createStory(story(projectId, null, "One too many")).catch((error) => error);
    expect(isStoreError(refused, "conflict") && refused.parts).toEqual(["limit"]);
  });

  it("lets one import claim a project: a second claim, or a claim of a project with stories, is a conflict", async () => {
    const { stories } = await stores();
    const projectId = newId("project");
    await stories.claimImport(projectId, 1);
    const second = await stories.claimImport(projectId, 1).catch((error) => error);
    expect(isStoreError(second, "conflict")).toBe(true);
    expect(second.message).toMatch(/already has stories here, or is being imported now/);
  });

  it("refuses to overwrite: a story already stored fails its transaction", async () => {
    const { stories } = await stores();
    const projectId = newId("project");
    const root = story(projectId, null, "Checkout");
    await stories.claimImport(projectId, 1);
    await stories.importContents(projectId, { stories: [root], acceptanceTests: [], dependencies: [] });
    await expect(
      stories.importContents(projectId, {
        stories: [{ ...root, title: "Overwritten" }],
        acceptanceTests: [],
        dependencies: [],
      }),
    ).rejects.toMatchObject({ name: "StoreError", code: "conflict" });
    expect((await stories.getStoryItem(root.id))?.title).toBe("Checkout");
  });

  it("finds the story and test ids some project already uses", async () => {
    const { stories } = await stores();
    const projectId = newId("project");
    const root = story(projectId, null, "Checkout");
    const used = test(root.id);
    await stories.claimImport(projectId, 1);
    await stories.importContents(projectId, { stories: [root], acceptanceTests: [used], dependencies: [] });
    const freeStory = newId("story");
    const freeTest = newId("acceptanceTest");
    expect(await stories.storedIds([freeStory, root.id], [used.id, freeTest])).toEqual([root.id, used.id]);
    expect(await stories.storedIds([], [])).toEqual([]);
  });
});

describe("transactionChunks", () => {
  it("keeps each transaction at 100 items and under DynamoDB's 4 MB", () => {
    const small = Array.from({ length: 250 }, (_, i) => ({ Put: { TableName: "t", Item: { pk: `k${i}` } } }));
    expect(transactionChunks(small).map((chunk) => chunk.length)).toEqual([100, 100, 50]);
    const big = Array.from({ length: 10 }, (_, i) => ({
      Put: { TableName: "t", Item: { pk: `k${i}`, text: "x".repeat(390_000) } },
    }));
    const chunks = transactionChunks(big);
    expect(chunks.flat()).toHaveLength(10);
    for (const chunk of chunks) expect(JSON.stringify(chunk).length).toBeLessThan(4_000_000);
  });
});

describe("importTasks and getMany", () => {
  it("writes finished tasks that no claim, list of queued work or lock sees as active", async () => {
    const { tasks } = await stores();
    const projectId = newId("project");
    const storyId = newId("story");
    const task = finishedTask(projectId, storyId);
    await tasks.importTasks([task]);
    expect(await tasks.getMany([task.id, newId("task")])).toEqual([task]);
    expect(await tasks.claimNext("worker-1", 60_000)).toBeNull();
    expect(await tasks.list({ projectId })).toEqual([task]);
    // The story has no active task: a new one can be queued on it.
    await tasks.create(
      { ...finishedTask(projectId, storyId), id: newId("task"), status: "queued", finishedAt: null },
      [{ type: "task.queued" }],
    );
    await tasks.deleteTasks([task.id]);
    expect(await tasks.get(task.id)).toBeNull();
  });

  it("refuses an unfinished task, and a task whose id is taken", async () => {
    const { tasks } = await stores();
    const task = finishedTask(newId("project"), newId("story"));
    const queued = { ...task, id: newId("task"), status: "queued" as const };
    await expect(tasks.importTasks([queued])).rejects.toThrow(/only finished tasks are imported/);
    await tasks.importTasks([task]);
    await expect(tasks.importTasks([{ ...task, status: "failed" }])).rejects.toMatchObject({
      name: "StoreError",
      code: "conflict",
    });
    expect((await tasks.get(task.id))?.status).toBe("succeeded");
  });

  it("reads many tasks at once, past BatchGetItem's 100 keys", async () => {
    const { tasks } = await stores();
    const many = Array.from({ length: 130 }, () => finishedTask(newId("project"), newId("story")));
    await tasks.importTasks(many);
    const read = await tasks.getMany([...many.map((task) => task.id), ...many.map((task) => task.id)]);
    expect(read.map((task) => task.id).sort()).toEqual(many.map((task) => task.id).sort());
  });
});

describe("projects.create", () => {
  it("is a conflict when the id is taken", async () => {
    const { projects } = await stores();
    const shop = project(newId("project"));
    await projects.create(shop);
    const again = await projects.create({ ...shop, name: "Other" }).catch((error) => error);
    expect(isStoreError(again, "conflict")).toBe(true);
    expect((await projects.get(shop.id))?.name).toBe("Shop");
  });
});

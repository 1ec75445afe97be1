/**
 * Writes of several stores in one transaction, on dynalite: a new task with its events, a story's
 * move and an idempotency completion apply together; when the story changed since it was read,
 * nothing applies and the refusal names the story's part.
 */
import { newId, newQueuedTask, type Story } from "@aipm/shared";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamo, type Dynamo, ensureTables } from "./dynamo.ts";
import { isStoreError } from "./errors.ts";
import { dynamoIdempotencyStore } from "./idempotency.ts";
import { type LocalDynamo, startLocalDynamo } from "./local-dynamo.ts";
import { dynamoStoryStore } from "./stories.ts";
import { dynamoTaskStore } from "./tasks.ts";

let local: LocalDynamo;
let dynamo: Dynamo;
const projectId = newId("project");

beforeAll(async () => {
  local = await startLocalDynamo();
  dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `parts${process.pid}`);
  await ensureTables(dynamo);
});
afterAll(() => local.close());

async function storyRecord() {
  const stories = dynamoStoryStore(dynamo);
  const at = new Date().toISOString();
  const story: Story = {
    id: newId("story"),
    projectId,
    parentId: null,
    title: "Pay by card",
    asA: "shopper",
    iWant: "to pay by card",
    soThat: "I get my order",
    description: "",
    components: [],
    storyPoints: 1,
    assignee: "",
    status: "Ready",
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  // createStory checks the project exists; the test writes the story item as the store does.
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tables.stories,
      Item: {
        pk: projectId,
        sk: `STORY#${story.id}`,
        kind: "story",
        storyId: story.id,
        childCount: 0,
        ...story,
      },
    }),
  );
  const record = await stories.getStory(story.id);
  if (!record) throw new Error("the story was not written");
  return { stories, record };
}

const newTask = (storyId: string) =>
  newQueuedTask({
    id: newId("task"),
    projectId,
    storyId,
    agent: "scaffold",
    branch: "aipm/pay-by-card",
    pullRequest: { number: 1, url: "http://127.0.0.1/pull/1" },
    maxAttempts: 3,
    now: new Date().toISOString(),
  });

describe("TaskStore.create with other stores' parts", () => {
  it("writes the task, its events, the story's move and the remembered response together", async () => {
    const { stories, record } = await storyRecord();
    const tasks = dynamoTaskStore(dynamo);
    const idempotency = dynamoIdempotencyStore(dynamo);
    const task = newTask(record.story.id);
    const response = { status: 202, body: "{}", contentType: "application/json" };
    await tasks.create(
      task,
      [{ type: "task.queued", data: { attempt: 1 } }],
      [
        stories.updateStoryPart(record, { status: "In Progress" }, new Date().toISOString()),
        idempotency.completionPart("key-1", response),
      ],
    );
    expect((await tasks.get(task.id))?.status).toBe("queued");
    expect((await tasks.listEvents(task.id, 0, 10)).map((event) => event.type)).toEqual(["task.queued"]);
    expect((await stories.getStory(record.story.id))?.story).toMatchObject({
      status: "In Progress",
      version: 2,
    });
    const { Item } = await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.idempotency, Key: { pk: "key-1" } }),
    );
    expect(Item).toMatchObject({ state: "done", response });
  });

  it("writes nothing when the story changed since it was read, naming the story's part", async () => {
    const { stories, record } = await storyRecord();
    await stories.updateStory(record, { title: "Pay by card, changed" }, new Date().toISOString());
    const tasks = dynamoTaskStore(dynamo);
    const task = newTask(record.story.id);
    const refused = await tasks
      .create(
        task,
        [{ type: "task.queued" }],
        [stories.updateStoryPart(record, { status: "In Progress" }, new Date().toISOString())],
      )
      .catch((error: unknown) => error);
    expect(isStoreError(refused, "conflict")).toBe(true);
    expect((refused as { parts: string[] }).parts).toEqual(["story"]);
    expect(await tasks.get(task.id)).toBeNull();
    expect((await stories.getStory(record.story.id))?.story.status).toBe("Ready");
  });

  it("refuses a part that would move the story to another parent", async () => {
    const { stories, record } = await storyRecord();
    expect(() =>
      stories.updateStoryPart(record, { parentId: newId("story") }, new Date().toISOString()),
    ).toThrow(/structure version/);
  });
});

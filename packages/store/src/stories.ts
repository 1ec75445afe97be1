/**
 * @module stories: stories, acceptance tests and dependencies, one partition per project.
 *
 * Keys (see `tableSpecs.stories`): `STORY#<id>`, `STORY#<id>#TEST#<testId>`, `DEP#<id>#<dependsOnId>`
 * and a `META` item whose `structureVersion` serialises the changes that could close a cycle.
 * Each story keeps a `childCount` so that deleting a parent and adding a child cannot interleave.
 */

import type { AcceptanceTest, Dependency, Story } from "@aipm/shared";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type Dynamo, type Item, queryAll } from "./dynamo.ts";
import { StoreError } from "./errors.ts";

export interface ProjectContents {
  stories: Story[];
  acceptanceTests: AcceptanceTest[];
  dependencies: Dependency[];
}

export interface StoryRecord {
  story: Story;
  acceptanceTests: AcceptanceTest[];
  /** Dependencies of this story (it depends on them). */
  dependencies: Dependency[];
  childCount: number;
}

export type StoryChanges = Partial<Omit<Story, "id" | "projectId" | "createdAt" | "updatedAt" | "version">>;
export type AcceptanceTestChanges = Partial<
  Pick<AcceptanceTest, "title" | "given" | "when" | "then" | "status">
>;

export interface StoryStore {
  /** Every story, test and dependency of a project: one paged Query of its partition. */
  readProject(projectId: string): Promise<ProjectContents>;
  /** A story with its tests and dependencies: one Query of the `byStory` index. */
  getStory(storyId: string): Promise<StoryRecord | null>;
  /** Every dependency of a project: one paged Query of its `DEP#` items, not its stories. */
  readDependencies(projectId: string): Promise<Dependency[]>;
  /** The stories of a project with these ids, in that order, without their tests: BatchGetItem. */
  getStories(projectId: string, storyIds: readonly string[]): Promise<Story[]>;
  createStory(story: Story): Promise<void>;
  /**
   * Applies changes to the version the client read. A parent change must pass `structureVersion`
   * as read with the project, so a concurrent re-parenting cannot close a cycle.
   */
  updateStory(
    current: StoryRecord,
    changes: StoryChanges,
    now: string,
    structureVersion?: number,
  ): Promise<Story>;
  /** Deletes stories (children before parents), their tests and every dependency touching them. */
  deleteStories(projectId: string, stories: readonly StoryRecord[], contents: ProjectContents): Promise<void>;
  /** Deletes every story, test and dependency of a project, and its structure record. */
  deleteProjectContents(projectId: string, contents: ProjectContents): Promise<void>;
  readStructureVersion(projectId: string): Promise<number>;
  getAcceptanceTest(testId: string): Promise<AcceptanceTest | null>;
  createAcceptanceTest(projectId: string, test: AcceptanceTest): Promise<void>;
  updateAcceptanceTest(
    projectId: string,
    test: AcceptanceTest,
    changes: AcceptanceTestChanges,
    now: string,
    expectedVersion?: number,
  ): Promise<AcceptanceTest>;
  deleteAcceptanceTest(projectId: string, test: AcceptanceTest): Promise<void>;
  addDependency(projectId: string, dependency: Dependency, structureVersion: number): Promise<void>;
  deleteDependency(projectId: string, storyId: string, dependsOnId: string): Promise<boolean>;
}

const storyKey = (storyId: string) => `STORY#${storyId}`;
const testKey = (storyId: string, testId: string) => `STORY#${storyId}#TEST#${testId}`;
const dependencyKey = (storyId: string, dependsOnId: string) => `DEP#${storyId}#${dependsOnId}`;
const META = "META";
/** DynamoDB's limit of items in one transaction. */
const TRANSACTION_LIMIT = 100;

/** A story item without the attributes only the table and its indexes need. */
function storyFrom(item: Item): Story {
  const { storyId: _storyId, ...rest } = strip(item);
  return rest as Story;
}

function strip(item: Item): Item {
  const {
    pk: _pk,
    sk: _sk,
    kind: _kind,
    childCount: _childCount,
    testId: _testId,
    structureVersion: _sv,
    ...rest
  } = item;
  return rest;
}

function sortRecordItems(items: readonly Item[]): Omit<StoryRecord, "story"> & { story: Story | null } {
  let story: Story | null = null;
  let childCount = 0;
  const acceptanceTests: AcceptanceTest[] = [];
  const dependencies: Dependency[] = [];
  for (const item of items) {
    if (item.kind === "story") {
      story = storyFrom(item);
      childCount = Number(item.childCount ?? 0);
    } else if (item.kind === "test") acceptanceTests.push(strip(item) as AcceptanceTest);
    else if (item.kind === "dependency") dependencies.push(strip(item) as Dependency);
  }
  return { story, acceptanceTests, dependencies, childCount };
}

/**
 * The parts of an update that sets each given field and `updatedAt`; the caller adds
 * `ADD #version :one` and its condition.
 */
function versionedSet(changes: Record<string, unknown>, now: string) {
  const names: Record<string, string> = { "#version": "version", "#updatedAt": "updatedAt" };
  const values: Record<string, unknown> = { ":now": now, ":one": 1 };
  const sets = ["#updatedAt = :now"];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  return { names, values, sets };
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed"))
  );
}

export function dynamoStoryStore(dynamo: Dynamo): StoryStore {
  const TableName = dynamo.tables.stories;
  const projectsTable = dynamo.tables.projects;

  const query = (input: Omit<QueryCommandInput, "TableName">) => queryAll(dynamo, { TableName, ...input });

  /** Runs operations as transactions of at most 100 items, in order. */
  async function transactInChunks(operations: readonly Item[]): Promise<void> {
    for (let start = 0; start < operations.length; start += TRANSACTION_LIMIT) {
      await dynamo.doc.send(
        new TransactWriteCommand({
          TransactItems: operations.slice(start, start + TRANSACTION_LIMIT) as never,
        }),
      );
    }
  }

  const bumpStructure = (projectId: string, seen: number) => ({
    Update: {
      TableName,
      Key: { pk: projectId, sk: META },
      UpdateExpression: "SET structureVersion = :next",
      ConditionExpression: "attribute_not_exists(structureVersion) OR structureVersion = :seen",
      ExpressionAttributeValues: { ":seen": seen, ":next": seen + 1 },
    },
  });

  const adjustChildCount = (projectId: string, storyId: string, delta: 1 | -1) => ({
    Update: {
      TableName,
      Key: { pk: projectId, sk: storyKey(storyId) },
      UpdateExpression: "ADD childCount :delta",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":delta": delta },
    },
  });

  return {
    async readProject(projectId) {
      const items = await query({
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": projectId },
      });
      const contents: ProjectContents = { stories: [], acceptanceTests: [], dependencies: [] };
      for (const item of items) {
        if (item.kind === "story") contents.stories.push(storyFrom(item));
        else if (item.kind === "test") contents.acceptanceTests.push(strip(item) as AcceptanceTest);
        else if (item.kind === "dependency") contents.dependencies.push(strip(item) as Dependency);
      }
      return contents;
    },

    async readDependencies(projectId) {
      const items = await query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :dep)",
        ExpressionAttributeValues: { ":pk": projectId, ":dep": "DEP#" },
      });
      return items.filter((item) => item.kind === "dependency").map((item) => strip(item) as Dependency);
    },

    async getStory(storyId) {
      const items = await query({
        IndexName: "byStory",
        KeyConditionExpression: "storyId = :id",
        ExpressionAttributeValues: { ":id": storyId },
      });
      const record = sortRecordItems(items);
      return record.story ? { ...record, story: record.story } : null;
    },

    async getStories(projectId, storyIds) {
      const ids = [...new Set(storyIds)];
      const found = new Map<string, Story>();
      // BatchGetItem takes 100 keys at a time, and may hand some back to be asked for again.
      for (let start = 0; start < ids.length; start += 100) {
        let keys: Record<string, unknown>[] | undefined = ids
          .slice(start, start + 100)
          .map((id) => ({ pk: projectId, sk: storyKey(id) }));
        for (let round = 0; keys && keys.length > 0; round++) {
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
          const answer: BatchGetCommandOutput = await dynamo.doc.send(
            new BatchGetCommand({ RequestItems: { [dynamo.tables.stories]: { Keys: keys } } }),
          );
          for (const item of answer.Responses?.[dynamo.tables.stories] ?? []) {
            if (item.kind === "story") found.set(String(item.id), storyFrom(item));
          }
          keys = answer.UnprocessedKeys?.[dynamo.tables.stories]?.Keys;
        }
      }
      return storyIds.flatMap((id) => {
        const story = found.get(id);
        return story ? [story] : [];
      });
    },

    async readStructureVersion(projectId) {
      const items = await query({
        KeyConditionExpression: "pk = :pk AND sk = :meta",
        ExpressionAttributeValues: { ":pk": projectId, ":meta": META },
        ConsistentRead: true,
      });
      return Number(items[0]?.structureVersion ?? 0);
    },

    async createStory(story) {
      try {
        await dynamo.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: projectsTable,
                  Key: { pk: "PROJECTS", sk: story.projectId },
                  ConditionExpression: "attribute_exists(pk)",
                },
              },
              ...(story.parentId ? [adjustChildCount(story.projectId, story.parentId, 1)] : []),
              {
                Put: {
                  TableName,
                  Item: {
                    pk: story.projectId,
                    sk: storyKey(story.id),
                    kind: "story",
                    storyId: story.id,
                    childCount: 0,
                    ...story,
                  },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw story.parentId
          ? StoreError.conflict(`The parent story ${story.parentId} no longer exists in this project.`)
          : StoreError.notFound(`Project ${story.projectId} does not exist.`);
      }
    },

    async updateStory(current, changes, now, structureVersion) {
      const { story } = current;
      const { names, values, sets } = versionedSet(changes, now);
      values[":expected"] = story.version;
      const update = {
        TableName,
        Key: { pk: story.projectId, sk: storyKey(story.id) },
        UpdateExpression: `SET ${sets.join(", ")} ADD #version :one`,
        ConditionExpression: "attribute_exists(pk) AND #version = :expected",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      };
      const reparent = changes.parentId !== undefined && changes.parentId !== story.parentId;
      try {
        if (reparent) {
          await dynamo.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                { Update: update },
                bumpStructure(story.projectId, structureVersion ?? 0),
                ...(story.parentId ? [adjustChildCount(story.projectId, story.parentId, -1)] : []),
                ...(changes.parentId ? [adjustChildCount(story.projectId, changes.parentId, 1)] : []),
              ],
            }),
          );
        } else {
          await dynamo.doc.send(new UpdateCommand(update));
        }
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw new StoreError(
          "stale_version",
          `Story ${story.id} changed since you read it (you sent version ${story.version}${reparent ? ", or the story tree changed meanwhile" : ""}). Reload it and apply your change again.`,
        );
      }
      const next: Story = {
        ...story,
        ...(changes as Partial<Story>),
        updatedAt: now,
        version: story.version + 1,
      };
      return next;
    },

    async deleteStories(projectId, records, contents) {
      const deleted = new Set(records.map((record) => record.story.id));
      const operations: Item[] = [];
      for (const record of records) {
        for (const test of record.acceptanceTests) {
          operations.push({
            Delete: { TableName, Key: { pk: projectId, sk: testKey(record.story.id, test.id) } },
          });
        }
      }
      for (const dependency of contents.dependencies) {
        if (deleted.has(dependency.storyId) || deleted.has(dependency.dependsOnId)) {
          operations.push({
            Delete: {
              TableName,
              Key: { pk: projectId, sk: dependencyKey(dependency.storyId, dependency.dependsOnId) },
            },
          });
        }
      }
      // Records arrive root first; deleting leaves first keeps the tree whole if a chunk fails.
      for (const record of [...records].reverse()) {
        operations.push({
          Delete: {
            TableName,
            Key: { pk: projectId, sk: storyKey(record.story.id) },
            ConditionExpression:
              "attribute_exists(pk) AND (attribute_not_exists(childCount) OR childCount = :children)",
            ExpressionAttributeValues: { ":children": record.childCount },
          },
        });
      }
      const root = records[0]?.story;
      if (root?.parentId && !deleted.has(root.parentId))
        operations.push(adjustChildCount(projectId, root.parentId, -1));
      try {
        await transactInChunks(operations);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw StoreError.conflict("The story tree changed while it was being deleted. Reload and try again.");
      }
    },

    async deleteProjectContents(projectId, contents) {
      const keys = [
        ...contents.acceptanceTests.map((test) => testKey(test.storyId, test.id)),
        ...contents.dependencies.map((dependency) =>
          dependencyKey(dependency.storyId, dependency.dependsOnId),
        ),
        ...contents.stories.map((story) => storyKey(story.id)),
        META,
      ];
      await transactInChunks(keys.map((sk) => ({ Delete: { TableName, Key: { pk: projectId, sk } } })));
    },

    async getAcceptanceTest(testId) {
      const items = await query({
        IndexName: "byTest",
        KeyConditionExpression: "testId = :id",
        ExpressionAttributeValues: { ":id": testId },
      });
      return items[0] ? (strip(items[0]) as AcceptanceTest) : null;
    },

    async createAcceptanceTest(projectId, test) {
      try {
        await dynamo.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName,
                  Key: { pk: projectId, sk: storyKey(test.storyId) },
                  ConditionExpression: "attribute_exists(pk)",
                },
              },
              {
                Put: {
                  TableName,
                  Item: {
                    pk: projectId,
                    sk: testKey(test.storyId, test.id),
                    kind: "test",
                    testId: test.id,
                    ...test,
                  },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw StoreError.notFound(`Story ${test.storyId} does not exist.`);
      }
    },

    async updateAcceptanceTest(projectId, test, changes, now, expectedVersion) {
      const { names, values, sets } = versionedSet(changes, now);
      let condition = "attribute_exists(pk)";
      if (expectedVersion !== undefined) {
        values[":expected"] = expectedVersion;
        condition += " AND #version = :expected";
      }
      try {
        const { Attributes } = await dynamo.doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: projectId, sk: testKey(test.storyId, test.id) },
            UpdateExpression: `SET ${sets.join(", ")} ADD #version :one`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        );
        return strip(Attributes ?? {}) as AcceptanceTest;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw new StoreError(
          "stale_version",
          `Acceptance test ${test.id} changed since you read it (you sent version ${expectedVersion}). Reload it and apply your change again.`,
        );
      }
    },

    async deleteAcceptanceTest(projectId, test) {
      await dynamo.doc.send(
        new DeleteCommand({ TableName, Key: { pk: projectId, sk: testKey(test.storyId, test.id) } }),
      );
    },

    async addDependency(projectId, dependency, structureVersion) {
      try {
        await dynamo.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              ...[dependency.storyId, dependency.dependsOnId].map((id) => ({
                ConditionCheck: {
                  TableName,
                  Key: { pk: projectId, sk: storyKey(id) },
                  ConditionExpression: "attribute_exists(pk)",
                },
              })),
              {
                Put: {
                  TableName,
                  Item: {
                    pk: projectId,
                    sk: dependencyKey(dependency.storyId, dependency.dependsOnId),
                    kind: "dependency",
                    ...dependency,
                  },
                },
              },
              bumpStructure(projectId, structureVersion),
            ],
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw StoreError.conflict(
          "The stories or their dependencies changed meanwhile. Reload and try again.",
        );
      }
    },

    async deleteDependency(projectId, storyId, dependsOnId) {
      try {
        await dynamo.doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: projectId, sk: dependencyKey(storyId, dependsOnId) },
            ConditionExpression: "attribute_exists(pk)",
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}

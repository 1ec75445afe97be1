/**
 * @module stories: stories, acceptance tests and dependencies, one partition per project (the keys
 * are in story-table.ts). This module holds the store's interface, the reads and the stories' own
 * writes; acceptance tests and dependencies have their modules.
 */

import {
  type AcceptanceTest,
  type AcceptanceTestRun,
  collectionLimits,
  type Dependency,
  type Story,
} from "@aipm/shared";
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  type AcceptanceTestChanges,
  type AcceptanceTestResult,
  acceptanceTestStore,
} from "./acceptance-tests.ts";
import type { Dynamo, Item } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import { dependencyStore } from "./story-dependencies.ts";
import { storyImportStore } from "./story-import.ts";
import {
  dependencyKey,
  limitReached,
  META,
  type StoryRecord,
  sortRecordItems,
  storyFrom,
  storyKey,
  storyTable,
  strip,
  testKey,
  versionedSet,
} from "./story-table.ts";
import { isConditionFailure, type TransactionPart } from "./transactions.ts";

export type { AcceptanceTestChanges } from "./acceptance-tests.ts";
export type { StoryRecord } from "./story-table.ts";

export interface ProjectContents {
  stories: Story[];
  acceptanceTests: AcceptanceTest[];
  dependencies: Dependency[];
}

export type StoryChanges = Partial<Omit<Story, "id" | "projectId" | "createdAt" | "updatedAt" | "version">>;

export interface StoryStore {
  /** Every story, test and dependency of a project: one paged Query of its partition. */
  readProject(projectId: string): Promise<ProjectContents>;
  /** A story with its tests and dependencies: one Query of the `byStory` index. */
  getStory(storyId: string): Promise<StoryRecord | null>;
  /** A story alone, without its tests and dependencies: a Query of one `byStory` key. */
  getStoryItem(storyId: string): Promise<Story | null>;
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
  /**
   * `updateStory` as a part of another store's transaction (named "story"), for changes that
   * leave the tree alone: applies only to the version read.
   */
  updateStoryPart(current: StoryRecord, changes: StoryChanges, now: string): TransactionPart;
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
  /** Records a test-command run's results (see `acceptanceTestStore`); returns the ids written. */
  recordTestResults(
    projectId: string,
    storyId: string,
    results: readonly AcceptanceTestResult[],
    run: Omit<AcceptanceTestRun, "result">,
  ): Promise<string[]>;
  addDependency(projectId: string, dependency: Dependency, structureVersion: number): Promise<void>;
  deleteDependency(projectId: string, storyId: string, dependsOnId: string): Promise<boolean>;
  /** Claims an empty project partition for an import (see story-import.ts); `conflict` when taken. */
  claimImport(projectId: string, storyCount: number): Promise<void>;
  /** Writes an import's stories, tests and dependencies into the claimed partition; not atomic as a whole. */
  importContents(projectId: string, contents: ProjectContents): Promise<void>;
  /** The story and test ids among these that some project already uses. */
  storedIds(storyIds: readonly string[], testIds: readonly string[]): Promise<string[]>;
}

export function dynamoStoryStore(dynamo: Dynamo): StoryStore {
  const table = storyTable(dynamo);
  const { TableName, query, transactInChunks, bumpStructure, adjustChildCount } = table;
  const projectsTable = dynamo.tables.projects;

  /** The update of a story's own fields, applied only to the version read. */
  function storyUpdate(story: Story, changes: StoryChanges, now: string) {
    const { names, values, sets } = versionedSet(changes, now);
    values[":expected"] = story.version;
    return {
      TableName,
      Key: { pk: story.projectId, sk: storyKey(story.id) },
      UpdateExpression: `SET ${sets.join(", ")} ADD #version :one`,
      ConditionExpression: "attribute_exists(pk) AND #version = :expected",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  return {
    ...acceptanceTestStore(table),
    ...dependencyStore(table),
    ...storyImportStore(table),

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

    async getStory(storyId) {
      const items = await query({
        IndexName: "byStory",
        KeyConditionExpression: "storyId = :id",
        ExpressionAttributeValues: { ":id": storyId },
      });
      const record = sortRecordItems(items);
      return record.story ? { ...record, story: record.story } : null;
    },

    async getStoryItem(storyId) {
      const [item] = await query({
        IndexName: "byStory",
        KeyConditionExpression: "storyId = :id AND sk = :sk",
        ExpressionAttributeValues: { ":id": storyId, ":sk": storyKey(storyId) },
      });
      return item?.kind === "story" ? storyFrom(item) : null;
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
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys } } }),
          );
          for (const item of answer.Responses?.[TableName] ?? []) {
            if (item.kind === "story") found.set(String(item.id), storyFrom(item));
          }
          keys = answer.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      return storyIds.flatMap((id) => {
        const story = found.get(id);
        return story ? [story] : [];
      });
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
                // The project's count, checked and raised in the same transaction.
                Update: {
                  TableName,
                  Key: { pk: story.projectId, sk: META },
                  UpdateExpression: "ADD storyCount :one",
                  ConditionExpression: "attribute_not_exists(storyCount) OR storyCount < :max",
                  ExpressionAttributeValues: { ":one": 1, ":max": collectionLimits.storiesPerProject },
                },
              },
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
        const { Item: meta } = await dynamo.doc.send(
          new GetCommand({ TableName, Key: { pk: story.projectId, sk: META } }),
        );
        if (Number(meta?.storyCount ?? 0) >= collectionLimits.storiesPerProject) {
          throw limitReached(
            `Project ${story.projectId} already has ${collectionLimits.storiesPerProject.toLocaleString("en")} stories, the most a project may have. Delete some, or start another project.`,
          );
        }
        throw story.parentId
          ? StoreError.conflict(`The parent story ${story.parentId} no longer exists in this project.`)
          : StoreError.notFound(`Project ${story.projectId} does not exist.`);
      }
    },

    async updateStory(current, changes, now, structureVersion) {
      const { story } = current;
      const update = storyUpdate(story, changes, now);
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

    updateStoryPart(current, changes, now) {
      const { story } = current;
      if (changes.parentId !== undefined && changes.parentId !== story.parentId)
        throw new Error("A story's move to another parent needs the structure version: use updateStory.");
      return { name: "story", items: [{ Update: storyUpdate(story, changes, now) }] };
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
      operations.push({
        Update: {
          TableName,
          Key: { pk: projectId, sk: META },
          UpdateExpression: "ADD storyCount :minus",
          ExpressionAttributeValues: { ":minus": -records.length },
        },
      });
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
  };
}

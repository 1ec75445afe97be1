/**
 * @module story-import: a project's stories, acceptance tests and dependencies written at once, as
 * an import does. The project's `META` item is claimed first, with a condition, so that two imports
 * of the same project cannot interleave; the items follow in transactions of conditional puts,
 * with the counts (`storyCount`, `childCount`, `testCount`) the limits are checked against. Until
 * the project's own record is written (by the caller, last), no list shows the project.
 */

import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { writeInTransactions } from "./bulk-writes.ts";
import { queryAll } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import type { ProjectContents } from "./stories.ts";
import { dependencyKey, META, type StoryTable, storyKey, testKey } from "./story-table.ts";
import { isConditionFailure } from "./transactions.ts";

/** Index queries sent at once by `storedIds`. */
const LOOKUPS_IN_FLIGHT = 16;

/** The values `work` answers true for, in their order, running `limit` at a time. */
async function filterConcurrently<T>(
  values: readonly T[],
  limit: number,
  work: (value: T) => Promise<boolean>,
): Promise<T[]> {
  const answers: boolean[] = [];
  let next = 0;
  const runner = async () => {
    while (next < values.length) {
      const index = next++;
      answers[index] = await work(values[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, values.length) }, runner));
  return values.filter((_, index) => answers[index]);
}

export function storyImportStore({ dynamo, TableName }: StoryTable) {
  return {
    /**
     * Claims the project's partition for an import: writes its `META` item with the story count to
     * come, only if it has none. A `conflict` when the project has one (it exists, or another
     * import of it runs).
     */
    async claimImport(projectId: string, storyCount: number): Promise<void> {
      try {
        await dynamo.doc.send(
          new PutCommand({
            TableName,
            Item: { pk: projectId, sk: META, storyCount },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw StoreError.conflict(`Project ${projectId} already has stories here, or is being imported now.`);
      }
    },

    /**
     * Writes every story, test and dependency of `contents` into the claimed partition, each only
     * if its key is free. Not atomic as a whole: on a failure, the caller deletes the contents again
     * (`deleteProjectContents`).
     */
    async importContents(projectId: string, contents: ProjectContents): Promise<void> {
      const childCounts = new Map<string, number>();
      const testCounts = new Map<string, number>();
      for (const story of contents.stories)
        if (story.parentId) childCounts.set(story.parentId, (childCounts.get(story.parentId) ?? 0) + 1);
      for (const test of contents.acceptanceTests)
        testCounts.set(test.storyId, (testCounts.get(test.storyId) ?? 0) + 1);
      const put = (Item: Record<string, unknown>) => ({
        Put: { TableName, Item, ConditionExpression: "attribute_not_exists(pk)" },
      });
      await writeInTransactions(
        dynamo,
        [
          ...contents.stories.map((story) =>
            put({
              pk: projectId,
              sk: storyKey(story.id),
              kind: "story",
              storyId: story.id,
              childCount: childCounts.get(story.id) ?? 0,
              testCount: testCounts.get(story.id) ?? 0,
              ...story,
            }),
          ),
          ...contents.acceptanceTests.map((test) =>
            put({
              pk: projectId,
              sk: testKey(test.storyId, test.id),
              kind: "test",
              testId: test.id,
              ...test,
            }),
          ),
          ...contents.dependencies.map((dependency) =>
            put({
              pk: projectId,
              sk: dependencyKey(dependency.storyId, dependency.dependsOnId),
              kind: "dependency",
              ...dependency,
            }),
          ),
        ],
        `An item of project ${projectId} was written by someone else meanwhile; the import stopped.`,
      );
    },

    /**
     * Which of these story and acceptance test ids any project here already uses, in the order
     * given: one index query each (`byStory`, `byTest`), a few at once. For an import that keeps its ids.
     */
    async storedIds(storyIds: readonly string[], testIds: readonly string[]): Promise<string[]> {
      const exists = (IndexName: string, attribute: string) => async (id: string) =>
        (
          await queryAll(
            dynamo,
            {
              TableName,
              IndexName,
              KeyConditionExpression: `${attribute} = :id`,
              ExpressionAttributeValues: { ":id": id },
              Limit: 1,
            },
            1,
          )
        ).length > 0;
      return [
        ...(await filterConcurrently(storyIds, LOOKUPS_IN_FLIGHT, exists("byStory", "storyId"))),
        ...(await filterConcurrently(testIds, LOOKUPS_IN_FLIGHT, exists("byTest", "testId"))),
      ];
    },
  };
}

/**
 * @module acceptance-tests: a story's acceptance tests, kept beside it as `STORY#<id>#TEST#<testId>`
 * and found by id through the `byTest` index.
 */

import { type AcceptanceTest, type AcceptanceTestRun, collectionLimits } from "@aipm/shared";
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { StoreError } from "./errors.ts";
import { limitReached, type StoryTable, storyKey, strip, testKey, versionedSet } from "./story-table.ts";
import { isConditionFailure } from "./transactions.ts";

export type AcceptanceTestChanges = Partial<
  Pick<AcceptanceTest, "title" | "given" | "when" | "then" | "status">
>;

/** One acceptance test's result from a run of the project's test command. */
export interface AcceptanceTestResult {
  testId: string;
  result: AcceptanceTestRun["result"];
}

/** How many results are written at once. */
const RESULT_WRITES = 10;

export function acceptanceTestStore({ dynamo, TableName, query }: StoryTable) {
  return {
    async getAcceptanceTest(testId: string): Promise<AcceptanceTest | null> {
      const items = await query({
        IndexName: "byTest",
        KeyConditionExpression: "testId = :id",
        ExpressionAttributeValues: { ":id": testId },
      });
      return items[0] ? (strip(items[0]) as AcceptanceTest) : null;
    },

    async createAcceptanceTest(projectId: string, test: AcceptanceTest): Promise<void> {
      try {
        await dynamo.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                // The story's count, checked and raised in the same transaction: no read of its tests.
                Update: {
                  TableName,
                  Key: { pk: projectId, sk: storyKey(test.storyId) },
                  UpdateExpression: "ADD testCount :one",
                  ConditionExpression:
                    "attribute_exists(pk) AND (attribute_not_exists(testCount) OR testCount < :max)",
                  ExpressionAttributeValues: { ":one": 1, ":max": collectionLimits.acceptanceTestsPerStory },
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
        const { Item } = await dynamo.doc.send(
          new GetCommand({ TableName, Key: { pk: projectId, sk: storyKey(test.storyId) } }),
        );
        if (!Item) throw StoreError.notFound(`Story ${test.storyId} does not exist.`);
        throw limitReached(
          `Story ${test.storyId} already has ${collectionLimits.acceptanceTestsPerStory} acceptance tests, the most a story may have. Delete one, or split the story.`,
        );
      }
    },

    async updateAcceptanceTest(
      projectId: string,
      test: AcceptanceTest,
      changes: AcceptanceTestChanges,
      now: string,
      expectedVersion?: number,
    ): Promise<AcceptanceTest> {
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

    /**
     * Sets each test's status to its result (`Pass` or `Fail`) and its `lastRun` to `run`, raising
     * its version. A test deleted meanwhile is skipped, and so is one whose `lastRun` is newer than
     * `run`: a slow worker never overwrites a later task's results. Returns the ids written.
     */
    async recordTestResults(
      projectId: string,
      storyId: string,
      results: readonly AcceptanceTestResult[],
      run: Omit<AcceptanceTestRun, "result">,
    ): Promise<string[]> {
      const written: string[] = [];
      const write = async ({ testId, result }: AcceptanceTestResult) => {
        try {
          await dynamo.doc.send(
            new UpdateCommand({
              TableName,
              Key: { pk: projectId, sk: testKey(storyId, testId) },
              UpdateExpression: "SET #status = :status, #lastRun = :run, #updatedAt = :now ADD #version :one",
              ConditionExpression:
                "attribute_exists(pk) AND (attribute_not_exists(#lastRun) OR #lastRun.#at <= :now)",
              ExpressionAttributeNames: {
                "#status": "status",
                "#lastRun": "lastRun",
                "#updatedAt": "updatedAt",
                "#version": "version",
                "#at": "at",
              },
              ExpressionAttributeValues: {
                ":status": result,
                ":run": { ...run, result },
                ":now": run.at,
                ":one": 1,
              },
            }),
          );
          written.push(testId);
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      };
      for (let start = 0; start < results.length; start += RESULT_WRITES)
        await Promise.all(results.slice(start, start + RESULT_WRITES).map(write));
      return written;
    },

    async deleteAcceptanceTest(projectId: string, test: AcceptanceTest): Promise<void> {
      try {
        await dynamo.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName,
                  Key: { pk: projectId, sk: testKey(test.storyId, test.id) },
                  ConditionExpression: "attribute_exists(pk)",
                },
              },
              {
                Update: {
                  TableName,
                  Key: { pk: projectId, sk: storyKey(test.storyId) },
                  UpdateExpression: "ADD testCount :minus",
                  ConditionExpression: "attribute_exists(pk)",
                  ExpressionAttributeValues: { ":minus": -1 },
                },
              },
            ],
          }),
        );
      } catch (error) {
        // Deleted meanwhile (or its story was): nothing left to do.
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}
